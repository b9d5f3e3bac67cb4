/* supervisor_workers.c -- the supervisor's workers: spawning them (and
 * spare workers, taken by the first module that needs one), sending frames,
 * reading and checking what they send (HELLO, LOADED, RESULT), killing
 * them through the zygote and accounting for their deaths.  Loop thread
 * only (supervisor.h). */
#include "supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- workers: spawning, sending, killing --------------------------------- */

volatile uint64_t *sup_slot_epoch(sb_supervisor *sup, uint32_t slot)
{
	return (volatile uint64_t *)((volatile uint8_t *)sup->epoch +
		(size_t)slot * SB_EPOCH_PAGE_BYTES);
}

static void zy_send(sb_supervisor *sup, const struct sb_zmsg *zm, int fd)
{
	struct iovec iov = { .iov_base = (void *)zm, .iov_len = sizeof *zm };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof cm.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	while (sendmsg(sup->zy.ctl_fd, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

void sup_worker_kill(sb_supervisor *sup, struct worker *w,
	const char *reason)
{
	if (w->killing || w->exited)
		return;
	w->killing = true;
	snprintf(w->kill_reason, sizeof w->kill_reason, "%s", reason);
	struct sb_zmsg zm = { .type = SB_Z_KILL, .id = w->id };
	zy_send(sup, &zm, -1);
}

/* Leaves the pool now; the process is reaped when the zygote says so. */
void sup_worker_retire(sb_supervisor *sup, struct worker *w)
{
	if (w->state == W_DEAD)
		return;
	if (w->inst)
		sup_inst_worker_died(sup, w, "retired");
	if (!w->m) {
		sup->spares--;
	} else {
		if (w->state == W_SPAWNING || w->state == W_LOADING)
			w->m->spawning--;
		w->m->nworkers--;
	}
	w->state = W_DEAD;
	sup->live--;
	sup_mem_release(sup, w);
	if (w->fd >= 0) {
		close(w->fd);   /* EOF: a healthy worker exits */
		w->fd = -1;
	}
	free(w->rx);
	w->rx = NULL;
	w->rx_len = w->rx_cap = 0;
	sb_buf_free(&w->tx);
}

static void worker_load(sb_supervisor *sup, struct worker *w);

/* A spare for m: a ready one if there is one, else one on its way. */
static bool spare_take(sb_supervisor *sup, sb_module *m)
{
	struct worker *best = NULL;
	for (struct worker *w = sup->workers; w; w = w->next) {
		if (w->m || w->killing || (w->state != W_SPARE &&
		    w->state != W_SPAWNING))
			continue;
		best = w;
		if (w->state == W_SPARE)
			break;
	}
	if (!best)
		return false;
	best->m = m;
	sup->spares--;
	m->nworkers++;
	m->spawning++;
	if (best->state == W_SPARE) {
		best->kill_ns = sb_now_ns() +
			(uint64_t)sup->cfg.load_timeout_ms * 1000000u;
		worker_load(sup, best);
	}   /* else on_hello sends the module */
	sup_spares_fill(sup);
	return true;
}

/* Starts a worker for m, or a spare (m NULL).  For m, a spare is taken
 * first. */
bool sup_worker_spawn(sb_supervisor *sup, sb_module *m)
{
	int sv[2], one = 1;

	if (m && sup->spares && spare_take(sup, m))
		return true;

	if (!sup->nfree || sup->zygote_dead)
		return false;
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return false;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(w);
		return false;
	}
	/* HELLO then carries the worker's pid as we see it. */
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	w->id = ++sup->next_worker_id;
	w->slot = sup->free_slots[--sup->nfree];
	*sup_slot_epoch(sup, w->slot) = 0;
	w->fd = sv[0];
	w->m = m;
	w->state = W_SPAWNING;
	w->spawn_ns = sb_now_ns();
	w->kill_ns = w->spawn_ns + (uint64_t)sup->cfg.load_timeout_ms * 1000000u;
	struct sb_zmsg zm = {
		.type = SB_Z_SPAWN, .id = w->id, .slot = w->slot,
		.data_bytes = sb_data_limit_bytes(sup->cfg.max_memory_pages,
			sup->cfg.max_module_bytes),
		.flags = sup->cfg.test_hooks ? SB_SPAWN_TEST_HOOKS : 0,
	};
	zy_send(sup, &zm, sv[1]);
	close(sv[1]);
	w->next = sup->workers;
	sup->workers = w;
	sup->live++;
	if (m) {
		m->nworkers++;
		m->spawning++;
	} else {
		sup->spares++;
	}
	sup->stats.spawned++;
	sup->repoll = true;
	return true;
}

/* Up to cfg.spare_workers spares, under the global cap, unless one died
 * starting less than a second ago (no fork storm). */
void sup_spares_fill(sb_supervisor *sup)
{
	if (sup->spare_retry_ns && sb_now_ns() < sup->spare_retry_ns)
		return;
	sup->spare_retry_ns = 0;
	while (sup->spares < sup->cfg.spare_workers &&
	       sup->live < sup->cfg.max_workers && sup_worker_spawn(sup, NULL))
		;
}

void sup_worker_send(struct worker *w)
{
	while (w->tx_off < w->tx.len) {
		ssize_t n = send(w->fd, w->tx.data + w->tx_off,
			w->tx.len - w->tx_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;  /* EAGAIN: POLLOUT later; errors: EOF later */
		w->tx_off += (size_t)n;
	}
	w->tx.len = 0;
	w->tx_off = 0;
}

void sup_worker_demote(sb_supervisor *sup, struct worker *w)
{
	/* Raising one's own user's nice value needs no privilege. */
	if (setpriority(PRIO_PROCESS, (id_t)w->pid, SB_DEMOTED_NICE) == 0) {
		w->demoted = true;
		sup->stats.demoted++;
	} else {
		w->demoted = true;   /* not again */
	}
}

uint64_t sup_worker_watch_cpu(sb_supervisor *sup, struct worker *w,
	uint64_t now)
{
	uint64_t at = w->cpu_mark_ns ? w->cpu_mark_ns + SB_DEMOTE_NS :
		w->used_ns + SB_DEMOTE_NS;
	clockid_t cid;
	struct timespec ts;

	if (now < at)
		return at;
	/* Any process's CPU clock is readable by pid (our namespace's). */
	if (clock_getcpuclockid(w->pid, &cid) != 0 ||
	    clock_gettime(cid, &ts) != 0)
		return UINT64_MAX;
	uint64_t cpu = (uint64_t)ts.tv_sec * 1000000000u +
		(uint64_t)ts.tv_nsec;
	if (w->cpu_mark_ns &&
	    cpu - w->cpu_at_mark_ns >= (now - w->cpu_mark_ns) / 8) {
		sup_worker_demote(sup, w);
		return UINT64_MAX;
	}
	w->cpu_mark_ns = now;
	w->cpu_at_mark_ns = cpu;
	return now + SB_DEMOTE_NS;
}

void sup_worker_promote(sb_supervisor *sup, struct worker *w)
{
	if (!w->demoted || !sup->can_promote)
		return;
	/* Lowering it needs CAP_SYS_NICE or the worker's RLIMIT_NICE
	 * (systemd's LimitNICE=). */
	if (setpriority(PRIO_PROCESS, (id_t)w->pid, sup->base_nice) == 0) {
		w->demoted = false;
		return;
	}
	sup->can_promote = false;
	sup_log(sup, "a worker demoted for a long call cannot get its "
		"priority back (%s): such workers stay at nice %d; "
		"LimitNICE=%d in the service unit allows it", strerror(errno),
		SB_DEMOTED_NICE, sup->base_nice);
}

void sup_worker_start_job(sb_supervisor *sup, struct worker *w,
	struct job *j)
{
	uint64_t now = sb_now_ns();

	w->job = j;
	w->seq = ++sup->next_seq;
	/* The seq is the INVOKE payload's first field. */
	if (j->kind)
		memcpy(j->frame.data + SB_FRAME_HDR_BYTES, &w->seq, 8);
	sb_buf_free(&w->tx);
	w->tx = j->frame;
	memset(&j->frame, 0, sizeof j->frame);
	w->tx_off = 0;
	w->state = W_BUSY;
	w->used_ns = now;
	/* Demoted by its last call (and so while it freed that call's
	 * memory): back for this one. */
	w->cpu_mark_ns = 0;
	sup_worker_promote(sup, w);
	w->deadline_ns = sup_job_deadline(j, now);
	w->kill_ns = 0;
	w->gone_check_ns = j->wanted ? now + SB_GONE_CHECK_NS : 0;
	sup->repoll = true;
	sup_worker_send(w);
}

/* ---- receiving frames ----------------------------------------------------- */

static void worker_protocol_error(sb_supervisor *sup, struct worker *w,
	const char *what)
{
	char reason[96];
	snprintf(reason, sizeof reason, "protocol error: %s", what);
	sup_worker_kill(sup, w, reason);
}

static void on_hello(sb_supervisor *sup, struct worker *w, sb_rd *r)
{
	uint32_t ver = sb_rd_u32(r);
	(void)sb_rd_u32(r);
	if (w->state != W_SPAWNING || !sb_rd_done(r) ||
	    ver != SB_PROTO_VERSION) {
		worker_protocol_error(sup, w, "unexpected HELLO");
		return;
	}
	uint64_t now = sb_now_ns();
	sup->spawn_ns_total += now - w->spawn_ns;
	sup->spawn_count++;
	if (!w->m) {
		w->state = W_SPARE;
		w->kill_ns = 0;
		return;
	}
	worker_load(sup, w);
}

/* Sends the module to a worker that said HELLO. */
static void worker_load(sb_supervisor *sup, struct worker *w)
{
	w->state = W_LOADING;
	sb_buf_begin(&w->tx, SB_MSG_LOAD);
	sb_buf_u8(&w->tx, sup->cfg.fuel);
	sb_buf_bytes(&w->tx, w->m->bytes, w->m->len);
	sb_buf_str(&w->tx, w->m->init);   /* "" = none */
	if (!sb_buf_end(&w->tx)) {
		sup_worker_kill(sup, w, "out of memory");
		return;
	}
	sup_worker_send(w);
}

static void on_loaded(sb_supervisor *sup, struct worker *w, sb_rd *r)
{
	sb_module *m = w->m;

	if (w->state != W_LOADING) {
		worker_protocol_error(sup, w, "unexpected LOADED");
		return;
	}
	uint8_t ok = sb_rd_u8(r);
	if (!ok) {
		uint32_t status = sb_rd_u32(r);
		uint64_t off = sb_rd_u64(r);
		char *msg = sb_rd_str(r, SB_MAX_MESSAGE_BYTES);
		if (!sb_rd_done(r) || status == WASM_OK) {
			free(msg);
			worker_protocol_error(sup, w, "bad LOADED");
			return;
		}
		m->invalid = true;
		m->invalid_offset = off > SIZE_MAX ? SIZE_MAX : (size_t)off;
		snprintf(m->invalid_msg, sizeof m->invalid_msg, "%s", msg);
		free(msg);
		sup_worker_retire(sup, w);
		sup_queue_fail_all(m, SB_INVALID_MODULE, m->invalid_msg);
		return;
	}
	sb_extern *imp = NULL, *exp = NULL;
	uint32_t ni = 0, ne = 0;
	if (!sb_externs_decode(r, true, &imp, &ni) ||
	    !sb_externs_decode(r, false, &exp, &ne) || !sb_rd_done(r)) {
		sb_externs_free(imp, ni);
		sb_externs_free(exp, ne);
		worker_protocol_error(sup, w, "bad LOADED");
		return;
	}
	if (!m->loaded) {
		m->imports = imp;
		m->nimports = ni;
		m->exports = exp;
		m->nexports = ne;
		m->loaded = true;
	} else {
		sb_externs_free(imp, ni);
		sb_externs_free(exp, ne);
	}
	m->spawning--;
	m->load_failures = 0;
	w->state = W_IDLE;
	w->kill_ns = 0;
	w->used_ns = sb_now_ns();
	if (m->released) {
		sup_worker_retire(sup, w);
			return;
	}
	sup_dispatch(sup, m);
}

/* A RESULT must answer the invocation in flight and fit its export. */
static bool result_fits(const struct worker *w, const sb_result *res)
{
	const struct job *j = w->job;

	if (res->outcome != SB_OK)
		return res->nresults == 0;
	if (j->inst_op == SB_INSTANCE_CREATE || j->inst_op == SB_INSTANCE_DROP)
		return res->nresults == 0;
	if (j->kind != SB_CALL)
		return false;
	const sb_extern *e = sup_export_find(w->m, j->function,
		j->function_len);
	if (!e || e->nresults != res->nresults)
		return false;
	for (uint32_t i = 0; i < res->nresults; i++)
		if ((uint8_t)res->results[i].type != e->results[i])
			return false;
	return true;
}

/* What changed since the worker's previous answer (counters only grow;
 * a worker claiming otherwise just gets 0). */
static uint64_t grew(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

static void tiers_delta(struct worker *w, sb_result *res)
{
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		const wasm_tier_stats *a = &res->tiers.tier[t];
		const wasm_tier_stats *b = &w->last_tiers.tier[t];
		res->tiers_delta.tier[t] = (wasm_tier_stats){
			.nfuncs = (uint32_t)grew(a->nfuncs, b->nfuncs),
			.nfuncs_refused = (uint32_t)grew(a->nfuncs_refused,
				b->nfuncs_refused),
			.wasm_bytes = grew(a->wasm_bytes, b->wasm_bytes),
			.code_bytes = grew(a->code_bytes, b->code_bytes),
			.compile_ns = grew(a->compile_ns, b->compile_ns),
			.osr_entries = grew(a->osr_entries, b->osr_entries),
		};
	}
	w->last_tiers = res->tiers;
}

static void on_result(sb_supervisor *sup, struct worker *w, sb_rd *r)
{
	uint64_t seq;

	if (w->state != W_BUSY || !w->job) {
		worker_protocol_error(sup, w, "unexpected RESULT");
		return;
	}
	sb_result *res = sup_result_new(SB_ERROR, NULL);
	if (!res) {
		sup_worker_kill(sup, w, "out of memory");
		return;
	}
	if (!sb_result_decode(r, w->job->out_max, &seq, res) ||
	    seq != w->seq || !result_fits(w, res)) {
		sb_result_free(res);
		worker_protocol_error(sup, w, "bad RESULT");
		return;
	}
	res->worker_pid = (uint32_t)w->pid;
	if (res->has_tiers)
		tiers_delta(w, res);
	struct job *j = w->job;
	uint64_t now = sb_now_ns();
	sb_module *m = w->m;
	uint64_t took = now - w->used_ns;
	m->call_ns_avg = m->call_ns_avg ? (7 * m->call_ns_avg + took) / 8 : took;
	w->job = NULL;
	w->state = W_IDLE;
	w->deadline_ns = w->kill_ns = w->gone_check_ns = 0;
	w->used_ns = now;
	if (w->nfollow) {
		/* The worker has it already.  Its deadline was fixed at
		 * submission, and dispatch put it only behind calls whose
		 * deadlines come no later (pipeline_fits). */
		w->job = w->follow[0];
		w->seq = w->follow_seq[0];
		w->nfollow--;
		memmove(w->follow, w->follow + 1, w->nfollow * sizeof *w->follow);
		memmove(w->follow_seq, w->follow_seq + 1,
			w->nfollow * sizeof *w->follow_seq);
		w->state = W_BUSY;
		w->deadline_ns = sup_job_deadline(w->job, now);
		w->gone_check_ns = w->job->wanted ? now + SB_GONE_CHECK_NS :
			0;
		w->cpu_mark_ns = 0;
		sup_worker_promote(sup, w);
	}
	/* Before the caller hears of it: pinned, ended or unpinned. */
	if (j->inst)
		sup_inst_result(sup, w, j, res);
	/* After: a pinned worker keeps the charge of what it holds. */
	if (!w->job)
		sup_mem_release(sup, w);
	if (m->released && !w->job && !w->inst)
		sup_worker_retire(sup, w);
	sup_job_finish(j, res, SB_ERROR, NULL);
	if (w->state == W_DEAD)
		sup_dispatch_all(sup);
	else if (w->inst)
		sup_inst_dispatch(sup, w->inst);
	else
		sup_dispatch(sup, m);
}

static void worker_frame(sb_supervisor *sup, struct worker *w)
{
	sb_rd r = { .p = w->rx + SB_FRAME_HDR_BYTES, .left = w->payload_len };

	switch (w->type) {
	case SB_MSG_HELLO: on_hello(sup, w, &r); break;
	case SB_MSG_LOADED: on_loaded(sup, w, &r); break;
	case SB_MSG_RESULT: on_result(sup, w, &r); break;
	default: worker_protocol_error(sup, w, "unexpected frame"); break;
	}
}

static size_t worker_frame_max(const sb_supervisor *sup,
	const struct worker *w)
{
	uint64_t out = w->job ? w->job->out_max : 0;
	return SB_MAX_REPLY_BASE_BYTES + 2 * out + 1024;
}

/* Reads what is there; false when the socket is at EOF or broken. */
static bool worker_recv_some(sb_supervisor *sup, struct worker *w,
	uint8_t *dst, size_t want, size_t *got)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} cm;
	struct iovec iov = { .iov_base = dst, .iov_len = want };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof cm.buf };

	ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS && !w->pid) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(c), sizeof uc);
			w->pid = uc.pid;
		} else if (c->cmsg_level == SOL_SOCKET &&
			   c->cmsg_type == SCM_RIGHTS) {
			/* A worker cannot pass fds, but never keep one. */
			int fd;
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof fd;
			for (size_t i = 0; i < nfd; i++) {
				memcpy(&fd, CMSG_DATA(c) + i * sizeof fd,
					sizeof fd);
				close(fd);
			}
		}
	}
	*got += (size_t)n;
	(void)sup;
	return true;
}

/* Small frames (every RESULT without much output) arrive whole with one
 * recvmsg; the buffer grows for a big one and is given back after it. */
#define RX_SMALL 4096

static bool rx_reserve(struct worker *w, size_t need)
{
	if (w->rx_cap >= need)
		return true;
	size_t cap = need < RX_SMALL ? RX_SMALL : need;
	uint8_t *p = realloc(w->rx, cap);
	if (!p)
		return false;
	w->rx = p;
	w->rx_cap = cap;
	return true;
}

void sup_worker_readable(sb_supervisor *sup, struct worker *w)
{
	/* At most a few frames per wake-up, so one worker cannot starve the
	 * others. */
	for (int rounds = 0; rounds < 16 && w->fd >= 0 && !w->killing;
	     rounds++) {
		if (!w->have_hdr && w->rx_len >= SB_FRAME_HDR_BYTES) {
			if (!sb_hdr_parse(w->rx, worker_frame_max(sup, w),
				&w->type, &w->payload_len)) {
				worker_protocol_error(sup, w, "bad header");
				return;
			}
			w->have_hdr = true;
		}
		size_t need = SB_FRAME_HDR_BYTES +
			(w->have_hdr ? (size_t)w->payload_len : 0);
		if (w->rx_len < need) {
			if (!rx_reserve(w, need)) {
				sup_worker_kill(sup, w, "out of memory");
				return;
			}
			size_t got = w->rx_len;
			if (!worker_recv_some(sup, w, w->rx + got,
				w->rx_cap - got, &got))
				goto eof;
			if (got == w->rx_len)
				return;   /* EAGAIN */
			w->rx_len = got;
			continue;
		}
		worker_frame(sup, w);
		if (!w->rx)
			return;   /* retired or killed meanwhile */
		/* Keep what follows the frame (the worker sends one frame per
		 * request, so normally nothing). */
		w->have_hdr = false;
		w->rx_len -= need;
		memmove(w->rx, w->rx + need, w->rx_len);
		if (w->rx_cap > 16 * RX_SMALL && w->rx_len <= RX_SMALL) {
			uint8_t *p = realloc(w->rx, RX_SMALL);
			if (p) {
				w->rx = p;
				w->rx_cap = RX_SMALL;
			}
		}
		/* Nothing left over: the next frame, if any, wakes the poll
		 * again (level-triggered); asking now would mostly answer
		 * EAGAIN. */
		if (!w->rx_len)
			return;
	}
	return;
eof:
	/* The process is gone or going; the zygote's EXITED says how. */
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
}

/* ---- deaths --------------------------------------------------------------- */

const char *sb_signal_name(int sig)
{
	/* Every signal Linux has (the aliases SIGIOT, SIGPOLL and SIGCLD
	 * are the same numbers as SIGABRT, SIGIO and SIGCHLD). */
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP",
		[SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
		[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
		[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
		[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};
	static _Thread_local char other[32];

	if (sig > 0 && (size_t)sig < sizeof names / sizeof names[0] &&
	    names[sig])
		return names[sig];
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(other, sizeof other, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(other, sizeof other, "signal %d", sig);
	return other;
}

static void worker_free(sb_supervisor *sup, struct worker *w)
{
	for (struct worker **pp = &sup->workers; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	sup->free_slots[sup->nfree++] = w->slot;
	free(w->rx);
	sb_buf_free(&w->tx);
	free(w);
}

void sup_on_exited(sb_supervisor *sup, const struct sb_zmsg *zm)
{
	struct worker *w = sup->workers;
	while (w && w->id != zm->id)
		w = w->next;
	if (!w)
		return;
	if (w->sync) {
		/* Its caller finishes it (invoke_sync). */
		w->exit_deferred = true;
		w->exit_status = zm->status;
		return;
	}
	int st = zm->status;
	int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	bool was_pool = w->state != W_DEAD;
	bool loading = w->state == W_SPAWNING || w->state == W_LOADING;
	sb_module *m = w->m;
	struct job *j = w->job, *follow[PIPELINE_DEPTH];
	uint32_t nfollow = w->nfollow;

	memcpy(follow, w->follow, sizeof follow);
	w->job = NULL;
	w->nfollow = 0;
	w->exited = true;
	if (w->inst) {
		char how[128];
		if (sig)
			snprintf(how, sizeof how, "%s%s%s", sb_signal_name(sig),
				w->killing ? ": " : "",
				w->killing ? w->kill_reason : "");
		else
			snprintf(how, sizeof how, "exit status %d",
				WEXITSTATUS(st));
		sup_inst_worker_died(sup, w, how);
	}
	if (was_pool) {
		sup->stats.died++;
		sup_log(sup, "worker %u (%s/%s) died: %s%s%s", (unsigned)w->pid,
			m ? m->tenant : "-", m ? m->id : "spare",
			sig ? sb_signal_name(sig) : "exit",
			w->killing ? ", " : "", w->killing ? w->kill_reason : "");
		if (!m && w->state == W_SPAWNING)
			sup->spare_retry_ns = sb_now_ns() + 1000000000u;
		sup_worker_retire(sup, w);
	}
	if (j) {
		sb_result *r = sup_result_new(SB_KILLED, NULL);
		if (r) {
			r->signal = sig;
			r->worker_pid = (uint32_t)w->pid;
			if (w->killing)
				snprintf(r->message, sizeof r->message, "%s",
					w->kill_reason);
			else if (sig)
				snprintf(r->message, sizeof r->message,
					"worker died by %s", sb_signal_name(sig));
			else
				snprintf(r->message, sizeof r->message,
					"worker exited with status %d",
					WEXITSTATUS(st));
			if (!sig)
				r->exit_code = WEXITSTATUS(st);
		}
		sup_job_finish(j, r, SB_KILLED, "worker died");
	}
	/* Calls sent behind the one that died most likely never started,
	 * and a fresh instance has no effects to repeat: back to the head of
	 * the queue, in order, once. */
	for (uint32_t i = nfollow; i-- > 0;) {
		struct job *nj = follow[i];
		if (nj->requeued) {
			sb_result *r = sup_result_new(SB_KILLED, "worker died");
			if (r) {
				r->signal = sig;
				r->exit_code = sig ? 0 : WEXITSTATUS(st);
			}
			sup_job_finish(nj, r, SB_KILLED, "worker died");
			continue;
		}
		nj->requeued = true;
		sup_queue_push_front(m, nj);
	}
	if (was_pool && loading && m &&
	    (w->load_timeout || ++m->load_failures >= 3)) {
		/* The module kills every worker that loads it, or takes too
		 * long to load (no use trying twice: the caller would wait
		 * three times as long for the same answer). */
		char msg[128];
		struct job *fj;
		if (w->load_timeout)
			snprintf(msg, sizeof msg, "loading the module (decode, "
				"validate, pre-decode) took longer than the "
				"limit of %u ms", sup->cfg.load_timeout_ms);
		else if (sig)
			snprintf(msg, sizeof msg, "worker died while loading "
				"the module (%s)", sb_signal_name(sig));
		else
			snprintf(msg, sizeof msg, "worker exited with status %d "
				"while loading the module", WEXITSTATUS(st));
		/* Too slow to load is the module's own limit, as a decode
		 * error is: invalid_module, not a death to explain. */
		sb_outcome o = w->load_timeout ? SB_INVALID_MODULE : SB_KILLED;
		while ((fj = sup_queue_pop(m))) {   /* with how it died */
			sb_result *r = sup_result_new(o, msg);
			if (r && o == SB_KILLED) {
				r->signal = sig;
				r->exit_code = sig ? 0 : WEXITSTATUS(st);
			}
			sup_job_finish(fj, r, o, msg);
		}
		m->load_failures = 0;
	}
	worker_free(sup, w);
	sup_dispatch_all(sup);
}

void sup_zygote_readable(sb_supervisor *sup)
{
	for (;;) {
		struct sb_zmsg zm;
		ssize_t n = recv(sup->zy.ctl_fd, &zm, sizeof zm, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			sup->zygote_dead = true;
			sup_log(sup, "zygote died: every worker is gone");
			return;
		}
		if ((size_t)n != sizeof zm)
			continue;
		if (zm.type == SB_Z_EXITED) {
			sup_on_exited(sup, &zm);
		} else if (zm.type == SB_Z_SPAWNED && zm.status != 0) {
			/* fork failed: treat as an immediate death. */
			struct sb_zmsg dead = { .type = SB_Z_EXITED,
				.id = zm.id, .status = 0x7f00 };
			sup_on_exited(sup, &dead);
		}
	}
}
