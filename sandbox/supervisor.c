/* supervisor.c -- the supervisor thread: worker sockets, the zygote's
 * control socket, deadlines, pools and queues.
 *
 * One thread owns every piece of state below except the module table
 * (sup->lock) and the inbox (sup->lock): API calls from any thread queue an
 * op in the inbox and wake the loop through an eventfd (written only when
 * the loop sleeps and nobody woke it yet).  The state is under sup->state,
 * which the loop holds whenever it is not in ppoll.  The one exception to
 * "only the loop" is sb_invoke_sync(): when sup->state is free it hands a
 * call for a loaded module with nothing queued straight to an idle worker
 * and waits for the answer on its own thread for a bounded time (the
 * worker is `sync` meanwhile: the loop neither polls nor frees it); the
 * loop is not involved at all unless the answer is late, in which case the
 * job is handed over to it like any other.  When a module's workers are
 * all busy and its calls are short, the loop sends queued calls behind
 * busy ones (pipeline_worker).  The loop polls only workers
 * that owe it something (starting, loading, busy, or with bytes to send);
 * an idle worker's death is reported by the zygote.  The loop never
 * blocks on a worker: sockets are non-blocking, frames are assembled
 * incrementally, and a worker that sends anything unexpected, too large or
 * malformed is killed (outcome `killed`, with the reason).
 *
 * Deadlines: every invocation gets a global sequence number.  The worker
 * arms its engine with (its epoch page, seq); when the deadline passes the
 * loop stores seq into that page and the engine traps with `timeout` at the
 * next function entry or loop header.  kill_grace_ms later, a worker still
 * busy is SIGKILLed through the zygote and reported `killed`.
 */
#include "internal.h"
#include "ipc.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* W_SPAWNING workers with no module (m NULL) are spares on their way;
 * W_SPARE ones said HELLO and wait for one. */
enum wstate { W_SPAWNING, W_SPARE, W_LOADING, W_IDLE, W_BUSY, W_DEAD };

/* Calls a busy worker may have queued in its socket behind the current
 * one (pipeline_worker). */
#define PIPELINE_DEPTH 3

struct job {
	struct job *next;
	sb_module *m;
	sb_kind kind;              /* 0 for test hooks */
	bool requeued;             /* once, after its worker died under the
	                              call in front of it */
	sb_buf frame;              /* INVOKE or TEST, seq patched at dispatch */
	char *function;
	uint64_t timeout_ms;
	uint64_t out_max;
	uint64_t submit_ns;
	sb_done_fn done;
	void *ctx;
};

struct worker {
	struct worker *next;       /* sup->workers */
	uint64_t id;
	uint32_t slot;
	pid_t pid;                 /* our namespace; 0 until HELLO */
	int fd;
	sb_module *m;
	enum wstate state;
	bool exited, killing;
	int wait_status;
	char kill_reason[96];
	/* receive: bytes [0, rx_len) of rx; once the header is parsed
	 * (have_hdr), the frame is SB_FRAME_HDR_BYTES + payload_len long */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	bool have_hdr;
	enum sb_msg type;
	uint32_t payload_len;
	/* send */
	sb_buf tx;
	size_t tx_off;
	/* a caller of sb_invoke_sync awaits this worker's answer */
	bool sync, exit_deferred;
	int exit_status;
	/* current invocation, and those sent behind it (pipelined) */
	struct job *job;
	uint64_t seq;
	struct job *follow[PIPELINE_DEPTH];   /* sent behind it, in order */
	uint64_t follow_seq[PIPELINE_DEPTH];
	uint32_t nfollow;
	uint64_t deadline_ns, kill_ns;   /* 0 = none */
	uint64_t spawn_ns, used_ns;
	sb_tier_stats last_tiers;  /* as of the previous RESULT */
};

struct sb_module {
	sb_module *next;           /* sup->modules (under lock) */
	sb_supervisor *sup;
	char *tenant, *id;
	uint8_t *bytes;
	size_t len;
	uint32_t api_refs;         /* under lock */
	bool released;             /* loop: no more API refs */
	/* loop thread only */
	struct job *q_head, *q_tail;
	uint32_t queued, nworkers, spawning, load_failures;
	uint32_t inflight;         /* jobs submitted and not finished */
	uint64_t call_ns_avg;      /* moving average of a call's time in
	                              its worker (start to result) */
	bool loaded, invalid;
	char invalid_msg[256];
	size_t invalid_offset;
	sb_extern *imports, *exports;
	uint32_t nimports, nexports;
};

enum op_kind { OP_INVOKE, OP_MODULE_NEW, OP_MODULE_RELEASE };

struct op {
	struct op *next;
	enum op_kind kind;
	sb_module *m;
	struct job *job;
};

struct sb_supervisor {
	sb_config cfg;
	struct sb_zygote zy;
	volatile uint64_t *epoch;  /* nslots pages */
	uint32_t nslots;
	uint32_t *free_slots, nfree;
	int wake_fd;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	struct op *in_head, *in_tail;  /* under lock */
	bool stopping;                 /* under lock */
	bool sleeping, woken;          /* under lock: the loop in ppoll */
	pthread_mutex_t state;         /* everything below */
	bool repoll;                   /* the loop's poll set is stale */
	uint64_t posted;               /* atomic: invocations via the inbox */
	sb_module *modules;            /* under lock */
	/* loop thread */
	struct worker *workers;
	uint32_t live;                 /* workers not W_DEAD */
	uint32_t spares;               /* live workers with no module */
	uint64_t spare_retry_ns;       /* no new spare before (a death) */
	uint64_t next_worker_id, next_seq;
	bool zygote_dead;
	char layers[256];
	sb_stats stats;                /* copied under lock */
	uint64_t spawn_ns_total, spawn_count;
};

static const char *const outcome_names[] = {
#define X(name, str) str,
	SB_OUTCOMES(X)
#undef X
};

const char *sb_outcome_name(sb_outcome o)
{
	return (unsigned)o < SB_OUTCOME_COUNT_ ? outcome_names[o] : "?";
}

const char *sb_limit_name(sb_limit l)
{
	static const char *const names[] = { "none", "memory", "fuel",
		"output" };
	return (unsigned)l < SB_LIMIT_COUNT_ ? names[l] : "?";
}

void sb_result_free(sb_result *r)
{
	if (!r)
		return;
	free(r->results);
	free(r->stdout_data);
	free(r->stderr_data);
	sb_externs_free(r->imports, r->nimports);
	sb_externs_free(r->exports, r->nexports);
	free(r);
}

static sb_result *result_new(sb_outcome o, const char *msg)
{
	sb_result *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->outcome = o;
	r->offset = SIZE_MAX;
	r->func_index = WASM_NO_INDEX;
	if (msg)
		snprintf(r->message, sizeof r->message, "%s", msg);
	return r;
}

static void sup_log(sb_supervisor *sup, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sup_log(sb_supervisor *sup, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!sup->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sup->cfg.log(sup->cfg.log_ctx, line);
}

/* ---- jobs ----------------------------------------------------------------- */

static void job_free(struct job *j)
{
	sb_buf_free(&j->frame);
	free(j->function);
	free(j);
}

/* Delivers res (or a bare outcome if res is NULL) and frees the job. */
static void job_finish(struct job *j, sb_result *res, sb_outcome o,
	const char *msg)
{
	sb_module *m = j->m;

	if (!res)
		res = result_new(o, msg);
	if (res) {
		res->wall_us = (sb_now_ns() - j->submit_ns) / 1000;
		j->done(j->ctx, res);
	}
	job_free(j);
	m->inflight--;
}

/* Puts j back at the head of m's queue. */
static void queue_push_front(sb_module *m, struct job *j)
{
	j->next = m->q_head;
	m->q_head = j;
	if (!m->q_tail)
		m->q_tail = j;
	m->queued++;
}

/* When a job that starts now must end; 0 = no deadline. */
static uint64_t job_deadline(const struct job *j, uint64_t now)
{
	return j->timeout_ms ? now + j->timeout_ms * 1000000u : 0;
}

static struct job *queue_pop(sb_module *m)
{
	struct job *j = m->q_head;
	if (j) {
		m->q_head = j->next;
		if (!m->q_head)
			m->q_tail = NULL;
		m->queued--;
		j->next = NULL;
	}
	return j;
}

static void queue_fail_all(sb_module *m, sb_outcome o, const char *msg)
{
	struct job *j;
	while ((j = queue_pop(m))) {
		sb_result *r = result_new(o, msg);
		if (r && o == SB_INVALID_MODULE)
			r->offset = m->invalid_offset;
		job_finish(j, r, o, msg);
	}
}

/* ---- modules -------------------------------------------------------------- */

/* Modules are freed only here, once per loop iteration, so that no code
 * path holding a module pointer sees it vanish. */
static void modules_sweep(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	for (sb_module **pp = &sup->modules; *pp;) {
		sb_module *m = *pp;
		if (!m->released || m->nworkers || m->q_head || m->inflight) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		sb_externs_free(m->imports, m->nimports);
		sb_externs_free(m->exports, m->nexports);
		free(m->tenant);
		free(m->id);
		free(m->bytes);
		free(m);
	}
	pthread_mutex_unlock(&sup->lock);
}

static const sb_extern *export_find(const sb_module *m, const char *name)
{
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == WASM_EXTERN_FUNC &&
		    strcmp(m->exports[i].name, name) == 0)
			return &m->exports[i];
	return NULL;
}

/* ---- workers: spawning, sending, killing --------------------------------- */

static volatile uint64_t *slot_epoch(sb_supervisor *sup, uint32_t slot)
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

static void worker_kill(sb_supervisor *sup, struct worker *w,
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
static void worker_retire(sb_supervisor *sup, struct worker *w)
{
	if (w->state == W_DEAD)
		return;
	if (!w->m) {
		sup->spares--;
	} else {
		if (w->state == W_SPAWNING || w->state == W_LOADING)
			w->m->spawning--;
		w->m->nworkers--;
	}
	w->state = W_DEAD;
	sup->live--;
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
static void spares_fill(sb_supervisor *sup);

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
	spares_fill(sup);
	return true;
}

/* Starts a worker for m, or a spare (m NULL).  For m, a spare is taken
 * first. */
static bool worker_spawn(sb_supervisor *sup, sb_module *m)
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
	*slot_epoch(sup, w->slot) = 0;
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
static void spares_fill(sb_supervisor *sup)
{
	if (sup->spare_retry_ns && sb_now_ns() < sup->spare_retry_ns)
		return;
	sup->spare_retry_ns = 0;
	while (sup->spares < sup->cfg.spare_workers &&
	       sup->live < sup->cfg.max_workers && worker_spawn(sup, NULL))
		;
}

static void worker_send(struct worker *w)
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

static void worker_start_job(sb_supervisor *sup, struct worker *w,
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
	w->deadline_ns = job_deadline(j, now);
	w->kill_ns = 0;
	sup->repoll = true;
	worker_send(w);
}

/* ---- dispatch ------------------------------------------------------------- */

static struct worker *idle_worker(sb_supervisor *sup, sb_module *m)
{
	struct worker *best = NULL;
	for (struct worker *w = sup->workers; w; w = w->next)
		if (w->m == m && w->state == W_IDLE &&
		    (!best || w->used_ns > best->used_ns))
			best = w;
	return best;
}

/* Frees a place under the global cap by ending the least recently used
 * idle worker of another module. */
static bool evict_lru(sb_supervisor *sup, sb_module *except)
{
	struct worker *lru = NULL;
	for (struct worker *w = sup->workers; w; w = w->next)
		if (w->state == W_IDLE && w->m != except &&
		    (!lru || w->used_ns < lru->used_ns))
			lru = w;
	if (!lru)
		return false;
	worker_retire(sup, lru);
	sup->stats.evicted++;
	return true;
}

/* Pipelining is for short calls: the module's calls take less than this
 * on average, and the call in front started less than this ago (so a
 * call is not stuck behind a long one while another worker frees up). */
#define PIPELINE_MAX_NS 1000000u

/* A busy worker of m whose call is young and has room behind it: the one
 * with the fewest calls behind, then the one busy longest; NULL if m's
 * calls are not short. */
static struct worker *pipeline_worker(sb_supervisor *sup, sb_module *m)
{
	struct worker *best = NULL;
	uint64_t now = sb_now_ns();

	if (!m->call_ns_avg || m->call_ns_avg > PIPELINE_MAX_NS)
		return NULL;
	for (struct worker *w = sup->workers; w; w = w->next)
		if (w->m == m && w->state == W_BUSY &&
		    w->nfollow < PIPELINE_DEPTH && !w->sync && !w->killing &&
		    w->fd >= 0 && !w->tx.len &&
		    now - w->used_ns < PIPELINE_MAX_NS &&
		    (!best || w->nfollow < best->nfollow ||
		     (w->nfollow == best->nfollow &&
		      w->used_ns < best->used_ns)))
			best = w;
	return best;
}

/* Sends a copy of j's frame behind w's current call (the job keeps its
 * frame in case the worker dies first and it is queued again); its
 * deadline starts when it becomes the current one (on_result).  False:
 * out of memory, j untouched. */
static bool worker_pipeline_job(sb_supervisor *sup, struct worker *w,
	struct job *j)
{
	uint64_t seq = sup->next_seq + 1;
	uint8_t *copy = malloc(j->frame.len);
	if (!copy)
		return false;
	if (j->kind)
		memcpy(j->frame.data + SB_FRAME_HDR_BYTES, &seq, 8);
	memcpy(copy, j->frame.data, j->frame.len);
	sup->next_seq = seq;
	w->follow[w->nfollow] = j;
	w->follow_seq[w->nfollow++] = seq;
	sb_buf_free(&w->tx);
	w->tx = (sb_buf){ .data = copy, .len = j->frame.len,
		.cap = j->frame.len };
	w->tx_off = 0;
	sup->stats.pipelined++;
	worker_send(w);
	return true;
}

static void dispatch(sb_supervisor *sup, sb_module *m)
{
	while (m->q_head) {
		if (m->invalid) {
			queue_fail_all(m, SB_INVALID_MODULE, m->invalid_msg);
			return;
		}
		if (m->q_head->kind == SB_INSPECT && m->loaded) {
			struct job *j = queue_pop(m);
			sb_result *r = result_new(SB_OK, NULL);
			if (r) {
				r->imports = sb_externs_dup(m->imports,
					m->nimports);
				r->exports = sb_externs_dup(m->exports,
					m->nexports);
				r->nimports = r->imports ? m->nimports : 0;
				r->nexports = r->exports ? m->nexports : 0;
			}
			job_finish(j, r, SB_ERROR, "out of memory");
			continue;
		}
		struct worker *w = idle_worker(sup, m);
		if (w) {
			worker_start_job(sup, w, queue_pop(m));
			continue;
		}
		/* Enough workers on their way for what waits? */
		if (m->spawning >= m->queued)
			return;
		if (m->nworkers < sup->cfg.max_per_module && (sup->spares ||
		    sup->live < sup->cfg.max_workers || evict_lru(sup, m))) {
			if (!worker_spawn(sup, m))
				return;
			continue;
		}
		/* No more workers: line the call up behind a busy one, which
		 * then reads it as soon as it answers instead of sleeping
		 * until the loop sends it. */
		if (!(w = pipeline_worker(sup, m)))
			return;
		struct job *j = queue_pop(m);
		if (!worker_pipeline_job(sup, w, j)) {
			queue_push_front(m, j);
			return;
		}
	}
}

static void dispatch_all(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	sb_module *m = sup->modules;
	pthread_mutex_unlock(&sup->lock);
	/* Only this thread unlinks modules, and other threads only push at
	 * the head, so the walk is safe without the lock.  dispatch() does
	 * not free the module it works on (jobs hold it). */
	for (; m; m = m->next)
		if (m->q_head)
			dispatch(sup, m);
}

/* ---- receiving frames ----------------------------------------------------- */

static void worker_protocol_error(sb_supervisor *sup, struct worker *w,
	const char *what)
{
	char reason[96];
	snprintf(reason, sizeof reason, "protocol error: %s", what);
	worker_kill(sup, w, reason);
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
	if (!sb_buf_end(&w->tx)) {
		worker_kill(sup, w, "out of memory");
		return;
	}
	worker_send(w);
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
		worker_retire(sup, w);
		queue_fail_all(m, SB_INVALID_MODULE, m->invalid_msg);
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
		worker_retire(sup, w);
			return;
	}
	dispatch(sup, m);
}

/* A RESULT must answer the invocation in flight and fit its export. */
static bool result_fits(const struct worker *w, const sb_result *res)
{
	const struct job *j = w->job;

	if (res->outcome != SB_OK)
		return res->nresults == 0;
	if (j->kind != SB_CALL)
		return false;
	const sb_extern *e = export_find(w->m, j->function);
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
	sb_result *res = result_new(SB_ERROR, NULL);
	if (!res) {
		worker_kill(sup, w, "out of memory");
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
	w->deadline_ns = w->kill_ns = 0;
	w->used_ns = now;
	if (w->nfollow) {
		/* The worker has it already; its clock starts now. */
		w->job = w->follow[0];
		w->seq = w->follow_seq[0];
		w->nfollow--;
		memmove(w->follow, w->follow + 1, w->nfollow * sizeof *w->follow);
		memmove(w->follow_seq, w->follow_seq + 1,
			w->nfollow * sizeof *w->follow_seq);
		w->state = W_BUSY;
		w->deadline_ns = job_deadline(w->job, now);
	}
	if (m->released && !w->job)
		worker_retire(sup, w);
	job_finish(j, res, SB_ERROR, NULL);
	if (w->state == W_DEAD)
		dispatch_all(sup);
	else
		dispatch(sup, m);
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

static void worker_readable(sb_supervisor *sup, struct worker *w)
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
				worker_kill(sup, w, "out of memory");
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
	switch (sig) {
	case SIGKILL: return "SIGKILL";
	case SIGSEGV: return "SIGSEGV";
	case SIGSYS: return "SIGSYS";
	case SIGBUS: return "SIGBUS";
	case SIGABRT: return "SIGABRT";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGXCPU: return "SIGXCPU";
	case SIGXFSZ: return "SIGXFSZ";
	case SIGTRAP: return "SIGTRAP";
	default: return "signal";
	}
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

static void on_exited(sb_supervisor *sup, const struct sb_zmsg *zm)
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
	if (was_pool) {
		sup->stats.died++;
		sup_log(sup, "worker %u (%s/%s) died: %s%s%s", (unsigned)w->pid,
			m ? m->tenant : "-", m ? m->id : "spare",
			sig ? sb_signal_name(sig) : "exit",
			w->killing ? ", " : "", w->killing ? w->kill_reason : "");
		if (!m && w->state == W_SPAWNING)
			sup->spare_retry_ns = sb_now_ns() + 1000000000u;
		worker_retire(sup, w);
	}
	if (j) {
		sb_result *r = result_new(SB_KILLED, NULL);
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
		}
		job_finish(j, r, SB_KILLED, "worker died");
	}
	/* Calls sent behind the one that died most likely never started,
	 * and a fresh instance has no effects to repeat: back to the head of
	 * the queue, in order, once. */
	for (uint32_t i = nfollow; i-- > 0;) {
		struct job *nj = follow[i];
		if (nj->requeued) {
			job_finish(nj, NULL, SB_KILLED, "worker died");
			continue;
		}
		nj->requeued = true;
		queue_push_front(m, nj);
	}
	if (was_pool && loading && m && ++m->load_failures >= 3) {
		/* The module kills every worker that loads it. */
		char msg[128];
		snprintf(msg, sizeof msg, "worker died while loading the "
			"module (%s)", sig ? sb_signal_name(sig) : "exit");
		queue_fail_all(m, SB_KILLED, msg);
		m->load_failures = 0;
	}
	worker_free(sup, w);
	dispatch_all(sup);
}

static void zygote_readable(sb_supervisor *sup)
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
			on_exited(sup, &zm);
		} else if (zm.type == SB_Z_SPAWNED && zm.status != 0) {
			/* fork failed: treat as an immediate death. */
			struct sb_zmsg dead = { .type = SB_Z_EXITED,
				.id = zm.id, .status = 0x7f00 };
			on_exited(sup, &dead);
		}
	}
}

/* ---- timers --------------------------------------------------------------- */

static uint64_t timers_run(sb_supervisor *sup)
{
	uint64_t now = sb_now_ns(), next = UINT64_MAX;
	const uint64_t grace = (uint64_t)sup->cfg.kill_grace_ms * 1000000u;

	for (struct worker *w = sup->workers; w; w = w->next) {
		if (w->state == W_DEAD || w->killing)
			continue;
		if (w->deadline_ns && now >= w->deadline_ns) {
			/* The engine traps at its next check. */
			__atomic_store_n(slot_epoch(sup, w->slot), w->seq,
				__ATOMIC_RELEASE);
			w->deadline_ns = 0;
			w->kill_ns = now + grace;
		}
		if (w->kill_ns && now >= w->kill_ns) {
			sup->stats.killed_timeout++;
			worker_kill(sup, w, w->state == W_BUSY ?
				"deadline passed; killed after the grace period"
				: "start-up took too long");
			continue;
		}
		if (w->deadline_ns && w->deadline_ns < next)
			next = w->deadline_ns;
		if (w->kill_ns && w->kill_ns < next)
			next = w->kill_ns;
	}
	return next;
}

/* ---- inbox ---------------------------------------------------------------- */

/* Wakes the loop if it sleeps and nobody has woken it yet.  Called with
 * sup->lock held. */
static void wake_locked(sb_supervisor *sup)
{
	uint64_t one = 1;

	if (!sup->sleeping || sup->woken)
		return;
	sup->woken = true;
	if (write(sup->wake_fd, &one, sizeof one) < 0) {
		/* The counter is saturated: the loop is awake anyway. */
	}
}

static void wake(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	wake_locked(sup);
	pthread_mutex_unlock(&sup->lock);
}

/* Queues op for the loop, which looks at the inbox before it sleeps. */
static void post(sb_supervisor *sup, struct op *op)
{
	pthread_mutex_lock(&sup->lock);
	if (sup->in_tail)
		sup->in_tail->next = op;
	else
		sup->in_head = op;
	sup->in_tail = op;
	wake_locked(sup);
	pthread_mutex_unlock(&sup->lock);
}

static void op_invoke(sb_supervisor *sup, struct job *j)
{
	sb_module *m = j->m;

	m->inflight++;   /* until job_finish */
	if (sup->zygote_dead) {
		job_finish(j, NULL, SB_ERROR, "the zygote died");
		return;
	}
	if (m->invalid) {
		sb_result *r = result_new(SB_INVALID_MODULE, m->invalid_msg);
		if (r)
			r->offset = m->invalid_offset;
		job_finish(j, r, SB_INVALID_MODULE, m->invalid_msg);
		return;
	}
	if (j->kind == SB_CALL && m->loaded && !export_find(m, j->function)) {
		char msg[160];
		snprintf(msg, sizeof msg, "no exported function '%.100s'",
			j->function);
		job_finish(j, NULL, SB_BAD_CALL, msg);
		return;
	}
	/* Jobs that a worker on its way will take are not waiting. */
	uint32_t taken = m->spawning < m->queued ? m->spawning : m->queued;
	if (m->queued - taken >= sup->cfg.queue_max) {
		job_finish(j, NULL, SB_BUSY, "all workers busy and the queue "
			"is full");
		return;
	}
	if (m->q_tail)
		m->q_tail->next = j;
	else
		m->q_head = j;
	m->q_tail = j;
	m->queued++;
	dispatch(sup, m);
}

static void inbox_run(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	struct op *op = sup->in_head;
	sup->in_head = sup->in_tail = NULL;
	pthread_mutex_unlock(&sup->lock);
	while (op) {
		struct op *next = op->next;
		switch (op->kind) {
		case OP_INVOKE:
			op_invoke(sup, op->job);
			break;
		case OP_MODULE_NEW:
			for (uint32_t i = 0; i < sup->cfg.warm_per_module &&
			     (sup->spares || sup->live < sup->cfg.max_workers);
			     i++)
				worker_spawn(sup, op->m);
			break;
		case OP_MODULE_RELEASE:
			op->m->released = true;
			for (struct worker *w = sup->workers; w; w = w->next)
				if (w->m == op->m && w->state == W_IDLE)
					worker_retire(sup, w);
			break;
		}
		free(op);
		op = next;
	}
}

/* ---- the loop ------------------------------------------------------------- */

static void stats_publish(sb_supervisor *sup)
{
	uint32_t idle = 0, queued = 0, spares = 0;
	for (struct worker *w = sup->workers; w; w = w->next) {
		idle += w->state == W_IDLE;
		spares += w->state == W_SPARE;
	}
	pthread_mutex_lock(&sup->lock);
	for (sb_module *m = sup->modules; m; m = m->next)
		queued += m->queued;
	sup->stats.workers = sup->live;
	sup->stats.posted = __atomic_load_n(&sup->posted, __ATOMIC_RELAXED);
	sup->stats.idle = idle;
	sup->stats.spares = spares;
	sup->stats.queued = queued;
	sup->stats.zygote_pid = (uint32_t)sup->zy.pid;
	sup->stats.zygote_alive = !sup->zygote_dead;
	sup->stats.spawn_us_avg = sup->spawn_count ?
		sup->spawn_ns_total / sup->spawn_count / 1000 : 0;
	pthread_mutex_unlock(&sup->lock);
}

static void *loop_main(void *arg)
{
	sb_supervisor *sup = arg;
	struct pollfd *pf = NULL;
	struct worker **pw = NULL;
	size_t cap = 0;

	pthread_mutex_lock(&sup->state);
	stats_publish(sup);   /* zygote_alive before the first wake-up */
	for (;;) {
		pthread_mutex_lock(&sup->lock);
		bool stop = sup->stopping;
		pthread_mutex_unlock(&sup->lock);
		if (stop)
			break;
		inbox_run(sup);
		spares_fill(sup);
		uint64_t next = timers_run(sup);
		if (sup->spare_retry_ns && sup->spare_retry_ns < next &&
		    sup->spares < sup->cfg.spare_workers)
			next = sup->spare_retry_ns;
		size_t n = 2;
		for (struct worker *w = sup->workers; w; w = w->next)
			n += w->fd >= 0;
		sup->repoll = false;
		if (n > cap) {
			size_t ncap = n * 2;
			struct pollfd *npf = realloc(pf, ncap * sizeof *npf);
			if (npf)
				pf = npf;
			struct worker **npw = realloc(pw, ncap * sizeof *npw);
			if (npw)
				pw = npw;
			if (!npf || !npw) {
				struct timespec ts = { 0, 1000000 };
				nanosleep(&ts, NULL);
				continue;
			}
			cap = ncap;
		}
		pf[0] = (struct pollfd){ .fd = sup->wake_fd, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = sup->zygote_dead ? -1 :
			sup->zy.ctl_fd, .events = POLLIN };
		size_t k = 2;
		for (struct worker *w = sup->workers; w; w = w->next) {
			if (w->fd < 0 || w->sync || ((w->state == W_IDLE ||
			    w->state == W_SPARE) && !w->tx.len))
				continue;
			pw[k] = w;
			pf[k++] = (struct pollfd){ .fd = w->fd,
				.events = (short)(POLLIN |
					(w->tx.len ? POLLOUT : 0)) };
		}
		struct timespec ts, *tp = NULL;
		if (next != UINT64_MAX) {
			uint64_t now = sb_now_ns();
			uint64_t d = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(d / 1000000000u);
			ts.tv_nsec = (long)(d % 1000000000u);
			tp = &ts;
		}
		/* Sleep only with an empty inbox: a post() that finds the
		 * loop awake does not write the eventfd. */
		static const struct timespec zero;
		pthread_mutex_lock(&sup->lock);
		if (sup->in_head || sup->stopping)
			tp = (struct timespec *)&zero;
		sup->sleeping = true;
		sup->woken = false;
		pthread_mutex_unlock(&sup->lock);
		pthread_mutex_unlock(&sup->state);
		int rc = ppoll(pf, k, tp, NULL);
		int saved = errno;
		pthread_mutex_lock(&sup->state);
		pthread_mutex_lock(&sup->lock);
		sup->sleeping = false;
		pthread_mutex_unlock(&sup->lock);
		if (rc < 0 && saved != EINTR)
			break;
		if (pf[0].revents) {
			uint64_t v;
			if (read(sup->wake_fd, &v, sizeof v) < 0) {
				/* EAGAIN: nothing new. */
			}
		}
		if (pf[1].revents)
			zygote_readable(sup);
		/* Workers first: an EXITED above may have freed some, so
		 * look each one up again by pointer. */
		for (size_t i = 2; i < k; i++) {
			if (!pf[i].revents)
				continue;
			struct worker *w = sup->workers;
			while (w && w != pw[i])
				w = w->next;
			if (!w || w->fd != pf[i].fd)
				continue;
			if (pf[i].revents & POLLOUT)
				worker_send(w);
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				worker_readable(sup, w);
		}
		modules_sweep(sup);   /* the inbox: at the top */
		stats_publish(sup);
	}
	pthread_mutex_unlock(&sup->state);
	free(pf);
	free(pw);
	return NULL;
}

/* ---- API ------------------------------------------------------------------ */

wasm_status sb_supervisor_new(const sb_config *cfg, sb_supervisor **out,
	wasm_error *err)
{
	sb_supervisor *sup = calloc(1, sizeof *sup);
	wasm_status st = WASM_ERR_NOMEM;
	int rc;

	*out = NULL;
	if (err) {
		memset(err, 0, sizeof *err);
		err->offset = SIZE_MAX;
		err->func_index = WASM_NO_INDEX;
	}
	if (!sup)
		goto fail;
	sup->wake_fd = -1;
	sup->zy.ctl_fd = -1;
	if (cfg)
		sup->cfg = *cfg;
	sb_config *c = &sup->cfg;
	if (!c->max_workers)
		c->max_workers = 64;
	if (!c->max_per_module || c->max_per_module > c->max_workers)
		c->max_per_module = c->max_workers;
	if (!c->queue_max)
		c->queue_max = 64;
	if (!c->kill_grace_ms)
		c->kill_grace_ms = 200;
	if (!c->load_timeout_ms)
		c->load_timeout_ms = 10000;
	if (!c->max_memory_pages || c->max_memory_pages > 65536)
		c->max_memory_pages = 65536;
	if (!c->max_module_bytes)
		c->max_module_bytes = UINT64_C(64) << 20;
	if (!c->max_output_bytes)
		c->max_output_bytes = UINT64_C(1) << 20;
	/* Dead workers keep their slot until reaped: room for both. */
	sup->nslots = 2 * c->max_workers + 8;
	size_t epoch_bytes = (size_t)sup->nslots * SB_EPOCH_PAGE_BYTES;
	void *ep = mmap(NULL, epoch_bytes, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ep == MAP_FAILED)
		goto fail;
	sup->epoch = ep;
	sup->free_slots = calloc(sup->nslots, sizeof *sup->free_slots);
	if (!sup->free_slots)
		goto fail;
	for (uint32_t i = 0; i < sup->nslots; i++)
		sup->free_slots[sup->nfree++] = sup->nslots - 1 - i;
	pthread_mutex_init(&sup->lock, NULL);
	pthread_mutex_init(&sup->state, NULL);
	sup->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sup->wake_fd < 0)
		goto fail;
	struct sb_zygote_params zp = {
		.epoch_base = sup->epoch,
		.nslots = sup->nslots,
		.fuel = c->fuel,
		.tier = c->tier,
		.tier_threshold = c->tier_threshold,
		.try_namespaces = !c->no_namespaces,
		.worker_nice = c->worker_nice,
		/* LOAD carries the module; INVOKE the request. */
		.max_frame_bytes = c->max_module_bytes + (UINT64_C(256) << 20),
	};
	if ((rc = sb_zygote_start(&zp, &sup->zy)) != 0) {
		st = WASM_ERR_LIMIT;
		if (err)
			snprintf(err->message, sizeof err->message,
				"cannot start the zygote: %s", strerror(-rc));
		goto fail;
	}
	snprintf(sup->layers, sizeof sup->layers, "%s; seccomp %s; "
		"rlimits%s; no_new_privs", sup->zy.layers,
		SB_RELAXED ? "(relaxed: sanitizer build)" : "default-deny",
		SB_RELAXED ? " (no RLIMIT_DATA)" : "");
	if (strstr(sup->zy.layers, "user pid net mount ipc") == NULL ||
	    SB_RELAXED)
		sup_log(sup, "sandbox: %s", sup->layers);
	sup->stats.zygote_alive = true;
	sup->stats.zygote_pid = (uint32_t)sup->zy.pid;
	if (pthread_create(&sup->thread, NULL, loop_main, sup) != 0) {
		st = WASM_ERR_LIMIT;
		if (err)
			snprintf(err->message, sizeof err->message,
				"cannot start the supervisor thread");
		goto fail;
	}
	sup->thread_started = true;
	*out = sup;
	return WASM_OK;
fail:
	if (err && !err->message[0])
		snprintf(err->message, sizeof err->message, "out of memory");
	if (err)
		err->status = st;
	sb_supervisor_free(sup);
	return st;
}

const char *sb_supervisor_layers(const sb_supervisor *sup)
{
	return sup->layers;
}

void sb_supervisor_stats(sb_supervisor *sup, sb_stats *out)
{
	pthread_mutex_lock(&sup->lock);
	*out = sup->stats;
	pthread_mutex_unlock(&sup->lock);
}

void sb_supervisor_free(sb_supervisor *sup)
{
	if (!sup)
		return;
	if (sup->thread_started) {
		uint64_t one = 1;
		pthread_mutex_lock(&sup->lock);
		sup->stopping = true;
		pthread_mutex_unlock(&sup->lock);
		if (write(sup->wake_fd, &one, sizeof one) < 0) {
			/* saturated: awake anyway */
		}
		pthread_join(sup->thread, NULL);
		/* Ops never run: fail their jobs. */
		struct op *op = sup->in_head;
		sup->in_head = sup->in_tail = NULL;
		while (op) {
			struct op *next = op->next;
			if (op->kind == OP_INVOKE) {
				op->job->m->inflight++;
				job_finish(op->job, NULL, SB_ERROR,
					"shutting down");
			}
			free(op);
			op = next;
		}
		for (struct worker *w = sup->workers; w; w = w->next) {
			if (w->job) {
				job_finish(w->job, NULL, SB_ERROR,
					"shutting down");
				w->job = NULL;
			}
			for (uint32_t i = 0; i < w->nfollow; i++)
				job_finish(w->follow[i], NULL, SB_ERROR,
					"shutting down");
			w->nfollow = 0;
		}
		for (sb_module *m = sup->modules; m; m = m->next)
			queue_fail_all(m, SB_ERROR, "shutting down");
	}
	while (sup->workers) {
		struct worker *w = sup->workers;
		sup->workers = w->next;
		if (w->fd >= 0)
			close(w->fd);
		free(w->rx);
		sb_buf_free(&w->tx);
		free(w);
	}
	if (sup->zy.ctl_fd >= 0) {
		/* EOF: the zygote kills every worker and exits. */
		close(sup->zy.ctl_fd);
		if (sup->zy.pid > 0) {
			kill(sup->zy.pid, SIGKILL);
			waitpid(sup->zy.pid, NULL, 0);
		}
	}
	while (sup->modules) {
		sb_module *m = sup->modules;
		sup->modules = m->next;
		sb_externs_free(m->imports, m->nimports);
		sb_externs_free(m->exports, m->nexports);
		free(m->tenant);
		free(m->id);
		free(m->bytes);
		free(m);
	}
	if (sup->wake_fd >= 0)
		close(sup->wake_fd);
	if (sup->epoch)
		munmap((void *)sup->epoch,
			(size_t)sup->nslots * SB_EPOCH_PAGE_BYTES);
	free(sup->free_slots);
	if (sup->thread_started) {
		pthread_mutex_destroy(&sup->lock);
		pthread_mutex_destroy(&sup->state);
	}
	free(sup);
}

sb_module *sb_module_new(sb_supervisor *sup, const char *tenant,
	const char *id, const uint8_t *bytes, size_t len)
{
	sb_module *m;

	pthread_mutex_lock(&sup->lock);
	for (m = sup->modules; m; m = m->next)
		if (m->api_refs && strcmp(m->tenant, tenant) == 0 &&
		    strcmp(m->id, id) == 0) {
			m->api_refs++;
			pthread_mutex_unlock(&sup->lock);
			return m;
		}
	pthread_mutex_unlock(&sup->lock);
	if (len > sup->cfg.max_module_bytes)
		return NULL;
	m = calloc(1, sizeof *m);
	struct op *op = calloc(1, sizeof *op);
	if (!m || !op)
		goto fail;
	m->sup = sup;
	m->tenant = strdup(tenant);
	m->id = strdup(id);
	m->bytes = malloc(len ? len : 1);
	if (!m->tenant || !m->id || !m->bytes)
		goto fail;
	if (len)
		memcpy(m->bytes, bytes, len);
	m->len = len;
	m->api_refs = 1;
	pthread_mutex_lock(&sup->lock);
	m->next = sup->modules;
	sup->modules = m;
	pthread_mutex_unlock(&sup->lock);
	op->kind = OP_MODULE_NEW;
	op->m = m;
	post(sup, op);
	return m;
fail:
	if (m) {
		free(m->tenant);
		free(m->id);
		free(m->bytes);
		free(m);
	}
	free(op);
	return NULL;
}

void sb_module_release(sb_module *m)
{
	sb_supervisor *sup;
	bool last;

	if (!m)
		return;
	sup = m->sup;
	pthread_mutex_lock(&sup->lock);
	last = --m->api_refs == 0;
	pthread_mutex_unlock(&sup->lock);
	if (!last)
		return;
	struct op *op = calloc(1, sizeof *op);
	if (!op)
		return;   /* the pool lives on until the supervisor ends */
	op->kind = OP_MODULE_RELEASE;
	op->m = m;
	post(sup, op);
}

static struct job *job_new(sb_module *m, sb_done_fn done, void *ctx)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->m = m;
	j->done = done;
	j->ctx = ctx;
	j->submit_ns = sb_now_ns();
	j->out_max = m->sup->cfg.max_output_bytes;
	return j;
}

static void job_post(sb_module *m, struct job *j, struct op *op)
{
	op->kind = OP_INVOKE;
	op->m = m;
	op->job = j;
	if (j->kind != SB_INSPECT)
		__atomic_add_fetch(&m->sup->posted, 1, __ATOMIC_RELAXED);
	post(m->sup, op);
}

enum direct { D_NOT_TAKEN, D_DONE, D_HANDED_OVER };

/* The fast path of sb_invoke_sync: a call for a loaded module with an idle
 * worker and nothing queued goes to the worker from the caller's thread,
 * if the loop is not busy (it holds sup->state while it works), and the
 * answer is awaited here for at most wait_us.  D_NOT_TAKEN: j untouched. */
static enum direct invoke_direct(sb_module *m, struct job *j, uint32_t wait_us,
	void (*handover)(void *ctx))
{
	sb_supervisor *sup = m->sup;

	if (j->kind == SB_INSPECT)
		return D_NOT_TAKEN;
	if (pthread_mutex_trylock(&sup->state) != 0)
		return D_NOT_TAKEN;
	struct worker *w = NULL;
	if (!sup->zygote_dead && m->loaded && !m->invalid && !m->released &&
	    !m->inflight && (j->kind != SB_CALL || export_find(m, j->function)))
		w = idle_worker(sup, m);
	if (!w) {
		pthread_mutex_unlock(&sup->state);
		return D_NOT_TAKEN;
	}
	m->inflight++;   /* until job_finish */
	bool repoll = sup->repoll;
	worker_start_job(sup, w, j);
	sup->repoll = repoll;
	uint64_t seq = w->seq;
	int fd = w->fd;
	bool late = w->tx.len != 0;   /* the loop sends the rest */
	if (!late) {
		/* Not past the job's deadline, which only the loop keeps. */
		if (j->timeout_ms && j->timeout_ms * 1000u < wait_us)
			wait_us = (uint32_t)(j->timeout_ms * 1000u);
		w->sync = true;
		pthread_mutex_unlock(&sup->state);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts = { .tv_sec = wait_us / 1000000u,
			.tv_nsec = (long)(wait_us % 1000000u) * 1000 };
		int rc = ppoll(&pfd, 1, &ts, NULL);
		pthread_mutex_lock(&sup->state);
		w->sync = false;
		if (rc > 0)
			worker_readable(sup, w);
		late = w->job && w->seq == seq;
		if (w->exit_deferred) {
			struct sb_zmsg zm = { .type = SB_Z_EXITED, .id = w->id,
				.status = w->exit_status };
			w->exit_deferred = false;
			on_exited(sup, &zm);   /* frees w; finishes the job */
			late = false;
		}
	}
	if (late) {
		/* The loop takes it from here: it polls the worker and keeps
		 * the deadline. */
		handover(j->ctx);
		sup->repoll = true;
		sup->stats.sync_late++;
	} else {
		sup->stats.sync_done++;
	}
	bool wake_loop = sup->repoll;
	pthread_mutex_unlock(&sup->state);
	if (wake_loop)
		wake(sup);
	return late ? D_HANDED_OVER : D_DONE;
}

/* The job for req; NULL when memory ran out. */
static struct job *job_build(sb_module *m, const sb_request *req,
	sb_done_fn done, void *ctx)
{
	const sb_config *c = &m->sup->cfg;
	struct job *j = job_new(m, done, ctx);

	if (!j)
		return NULL;
	j->kind = req->kind;
	j->timeout_ms = req->timeout_ms;
	j->function = strdup(req->function ? req->function : "");
	if (!j->function)
		goto fail;
	uint32_t pages = req->max_memory_pages && req->max_memory_pages <
		c->max_memory_pages ? req->max_memory_pages :
		c->max_memory_pages;
	uint64_t so = req->stdout_max_bytes && req->stdout_max_bytes <
		c->max_output_bytes ? req->stdout_max_bytes :
		c->max_output_bytes;
	uint64_t se = req->stderr_max_bytes && req->stderr_max_bytes <
		c->max_output_bytes ? req->stderr_max_bytes :
		c->max_output_bytes;
	if (req->kind != SB_INSPECT) {
		sb_invoke_encode(&j->frame, 0, req, pages, so, se);
		if (!sb_buf_end(&j->frame))
			goto fail;
	}
	return j;
fail:
	job_free(j);
	return NULL;
}

static void handover_none(void *ctx)
{
	(void)ctx;
}

/* Sends j the quick way if it may (wait_us), else through the inbox. */
static sb_submit job_submit(sb_module *m, struct job *j, struct op *op,
	uint32_t wait_us, void (*handover)(void *ctx))
{
	enum direct d = wait_us ? invoke_direct(m, j, wait_us, handover) :
		D_NOT_TAKEN;
	if (d != D_NOT_TAKEN) {
		free(op);
		return d == D_DONE ? SB_SUBMIT_DONE : SB_SUBMIT_QUEUED;
	}
	handover(j->ctx);
	job_post(m, j, op);
	return SB_SUBMIT_QUEUED;
}

sb_submit sb_invoke_sync(sb_module *m, const sb_request *req,
	uint32_t wait_us, sb_done_fn done, void (*handover)(void *ctx),
	void *ctx)
{
	struct job *j = job_build(m, req, done, ctx);
	struct op *op = calloc(1, sizeof *op);

	if (!j || !op) {
		if (j)
			job_free(j);
		free(op);
		return SB_SUBMIT_NOMEM;
	}
	return job_submit(m, j, op, wait_us, handover);
}

bool sb_invoke(sb_module *m, const sb_request *req, sb_done_fn done,
	void *ctx)
{
	return sb_invoke_sync(m, req, 0, done, handover_none, ctx) !=
		SB_SUBMIT_NOMEM;
}

struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	sb_result *res;
};

static void waiter_done(void *ctx, sb_result *res)
{
	struct waiter *wt = ctx;
	pthread_mutex_lock(&wt->lock);
	wt->res = res;
	pthread_cond_signal(&wt->cond);
	pthread_mutex_unlock(&wt->lock);
}

static sb_result *waiter_wait(struct waiter *wt)
{
	pthread_mutex_lock(&wt->lock);
	while (!wt->res)
		pthread_cond_wait(&wt->cond, &wt->lock);
	pthread_mutex_unlock(&wt->lock);
	pthread_mutex_destroy(&wt->lock);
	pthread_cond_destroy(&wt->cond);
	return wt->res;
}

static sb_result *oom_result(void)
{
	sb_result *r = result_new(SB_ERROR, "out of memory");
	if (!r)
		abort();   /* "never NULL" cannot be kept without memory */
	return r;
}

sb_result *sb_invoke_wait(sb_module *m, const sb_request *req)
{
	struct waiter wt = { .res = NULL };

	pthread_mutex_init(&wt.lock, NULL);
	pthread_cond_init(&wt.cond, NULL);
	if (!sb_invoke(m, req, waiter_done, &wt)) {
		pthread_mutex_destroy(&wt.lock);
		pthread_cond_destroy(&wt.cond);
		return oom_result();
	}
	return waiter_wait(&wt);
}

sb_result *sb_test_crash_sync(sb_module *m, sb_test_mode mode,
	uint32_t wait_us, sb_submit *how)
{
	struct waiter wt = { .res = NULL };
	struct job *j;
	struct op *op;

	pthread_mutex_init(&wt.lock, NULL);
	pthread_cond_init(&wt.cond, NULL);
	j = job_new(m, waiter_done, &wt);
	op = calloc(1, sizeof *op);
	if (!j || !op) {
		free(j);
		free(op);
		return oom_result();
	}
	j->kind = 0;
	j->timeout_ms = 100;   /* the hang is caught by the grace kill */
	j->function = strdup("");
	sb_buf_begin(&j->frame, SB_MSG_TEST);
	sb_buf_u8(&j->frame, (uint8_t)mode);
	if (!j->function || !sb_buf_end(&j->frame)) {
		job_free(j);
		free(op);
		return oom_result();
	}
	*how = job_submit(m, j, op, wait_us, handover_none);
	return waiter_wait(&wt);
}

sb_result *sb_test_crash(sb_module *m, sb_test_mode mode)
{
	sb_submit how;
	return sb_test_crash_sync(m, mode, 0, &how);
}
