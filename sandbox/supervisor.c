/* supervisor.c -- the supervisor thread: worker sockets, the zygote's
 * control socket, deadlines, pools and queues.  This file holds the loop,
 * its inbox, deadlines and the supervisor's start and end; workers,
 * dispatch and the invocation API are in supervisor_*.c (supervisor.h).
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
 * busy is SIGKILLed through the zygote and reported `killed`.  A deadline
 * is fixed when the call is submitted (sb_request.deadline_ns), so time in
 * the queue counts: a call still queued when it passes ends `timeout`
 * without running (timers_run), answered on time, not when a worker
 * frees up.
 */
#include "supervisor.h"

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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

sb_result *sup_result_new(sb_outcome o, const char *msg)
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

void sup_log(sb_supervisor *sup, const char *fmt, ...)
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

/* ---- timers --------------------------------------------------------------- */

static uint64_t timers_run(sb_supervisor *sup)
{
	uint64_t now = sb_now_ns(), next = UINT64_MAX;
	const uint64_t grace = (uint64_t)sup->cfg.kill_grace_ms * 1000000u;

	for (struct worker *w = sup->workers; w; w = w->next) {
		if (w->state == W_DEAD || w->killing)
			continue;
		if (w->gone_check_ns && now >= w->gone_check_ns && w->job &&
		    !w->sync) {
			/* A running call nobody waits for any more is stopped
			 * as at its deadline. */
			w->gone_check_ns = now + SB_GONE_CHECK_NS;
			if (!w->job->wanted(w->job->ctx)) {
				w->gone_check_ns = 0;
				w->deadline_ns = now;
				sup->stats.stopped_unwanted++;
			}
		}
		if (w->gone_check_ns && w->gone_check_ns < next)
			next = w->gone_check_ns;
		if (w->state == W_BUSY && !w->demoted && !w->sync && w->pid) {
			uint64_t at = sup_worker_watch_cpu(sup, w, now);
			if (at < next)
				next = at;
		}
		if (w->deadline_ns && now >= w->deadline_ns) {
			/* The engine traps at its next check, which a demoted
			 * worker on a busy machine must reach within the
			 * grace period. */
			sup_worker_promote(sup, w);
			__atomic_store_n(sup_slot_epoch(sup, w->slot), w->seq,
				__ATOMIC_RELEASE);
			w->deadline_ns = 0;
			w->kill_ns = now + grace;
		}
		if (w->kill_ns && now >= w->kill_ns) {
			sup->stats.killed_timeout++;
			w->load_timeout = w->state == W_LOADING;
			sup_worker_kill(sup, w, w->state == W_BUSY ?
				"deadline passed; killed after the grace period"
				: "start-up took too long");
			continue;
		}
		if (w->deadline_ns && w->deadline_ns < next)
			next = w->deadline_ns;
		if (w->kill_ns && w->kill_ns < next)
			next = w->kill_ns;
	}
	/* Queue time counts against a call's deadline: one that passes
	 * while the call waits ends it here, on time.  Only this thread
	 * unlinks modules (see sup_dispatch_all). */
	pthread_mutex_lock(&sup->lock);
	sb_module *m = sup->modules;
	pthread_mutex_unlock(&sup->lock);
	for (; m; m = m->next) {
		if (!m->q_head)
			continue;
		uint64_t q = sup_queue_expire(m, now);
		if (q < next)
			next = q;
	}
	uint64_t q = sup_inst_expire(sup, now);
	return q < next ? q : next;
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

void sup_wake(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	wake_locked(sup);
	pthread_mutex_unlock(&sup->lock);
}

/* Queues op for the loop, which looks at the inbox before it sleeps. */
void sup_post(sb_supervisor *sup, struct op *op)
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
		sup_job_finish(j, NULL, SB_ERROR, "the zygote died");
		return;
	}
	if (m->invalid) {
		sb_result *r = sup_result_new(SB_INVALID_MODULE, m->invalid_msg);
		if (r)
			r->offset = m->invalid_offset;
		sup_job_finish(j, r, SB_INVALID_MODULE, m->invalid_msg);
		return;
	}
	if (j->kind == SB_CALL && m->loaded &&
	    j->inst_op != SB_INSTANCE_CREATE &&
	    !sup_export_find(m, j->function, j->function_len)) {
		char msg[160], name[104];
		wasm_name_format(j->function, j->function_len, name,
			sizeof name);
		snprintf(msg, sizeof msg, "no exported function '%s'", name);
		sup_job_finish(j, NULL, SB_BAD_CALL, msg);
		return;
	}
	if (j->deadline_ns && j->deadline_ns <= sb_now_ns()) {
		sup_job_expire(j);
		return;
	}
	if (j->inst_op == SB_INSTANCE_CALL) {
		sup_inst_enqueue(sup, j);   /* its worker, in order */
		return;
	}
	if (j->inst_op == SB_INSTANCE_CREATE && !sup_inst_admit(sup, j)) {
		sup_job_finish(j, NULL, SB_BUSY, "every worker that may hold a "
			"persistent instance holds one (max_instances)");
		return;
	}
	/* Jobs that a worker on its way will take are not waiting. */
	uint32_t taken = m->spawning < m->queued ? m->spawning : m->queued;
	if (m->queued - taken >= sup->cfg.queue_max) {
		sup_job_finish(j, NULL, SB_BUSY, "all workers busy and the queue "
			"is full");
		return;
	}
	sup_fifo_push(&m->q_head, &m->q_tail, j);
	m->queued++;
	sup_dispatch(sup, m);
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
				sup_worker_spawn(sup, op->m);
			break;
		case OP_MODULE_RELEASE:
			op->m->released = true;
			for (struct worker *w = sup->workers; w; w = w->next)
				if (w->m == op->m && w->state == W_IDLE &&
				    !w->inst)
					sup_worker_retire(sup, w);
			break;
		case OP_INSTANCE_RELEASE:
			sup_inst_release_op(sup, op->inst);
			break;
		}
		free(op);
		op = next;
	}
}

/* ---- the loop ------------------------------------------------------------- */

static void stats_publish(sb_supervisor *sup)
{
	uint32_t idle = 0, queued = 0, spares = 0, busy = 0, starting = 0;
	uint32_t pinned = 0, held = 0;
	for (struct worker *w = sup->workers; w; w = w->next) {
		pinned += w->inst != NULL;
		idle += w->state == W_IDLE && !w->inst;
		held += w->state == W_IDLE && w->inst;
		spares += w->state == W_SPARE;
		busy += w->state == W_BUSY;
		starting += w->state == W_SPAWNING || w->state == W_LOADING;
	}
	pthread_mutex_lock(&sup->lock);
	for (sb_module *m = sup->modules; m; m = m->next)
		queued += m->queued;
	sup->stats.workers = sup->live;
	sup->stats.posted = __atomic_load_n(&sup->posted, __ATOMIC_RELAXED);
	sup->stats.idle = idle;
	sup->stats.held = held;
	sup->stats.spares = spares;
	sup->stats.busy = busy;
	sup->stats.starting = starting;
	sup->stats.queued = queued;
	sup->stats.memory_charged = sup->mem_used;
	sup->stats.memory_cap = sup->cfg.max_memory_bytes;
	sup->stats.instances = pinned;
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
		if (sup->mem_freed) {
			/* Memory came back: calls of any module or
			 * instance may fit. */
			sup->mem_freed = false;
			sup_dispatch_all(sup);
			sup_inst_dispatch_all(sup);
		}
		sup_spares_fill(sup);
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
		/* Sleep only with an empty inbox: a sup_post() that finds the
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
			sup_zygote_readable(sup);
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
				sup_worker_send(w);
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				sup_worker_readable(sup, w);
		}
		sup_modules_sweep(sup);   /* the inbox: at the top */
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
	if (!c->max_instances || c->max_instances > c->max_workers)
		c->max_instances = c->max_workers / 2 ? c->max_workers / 2 : 1;
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
	errno = 0;
	int self_nice = getpriority(PRIO_PROCESS, 0);
	if (errno)
		self_nice = 0;
	sup->base_nice = self_nice + c->worker_nice > 19 ? 19 :
		self_nice + c->worker_nice;
	sup->can_promote = true;
	struct sb_zygote_params zp = {
		.epoch_base = sup->epoch,
		.nslots = sup->nslots,
		.fuel = c->fuel,
		.tier = c->tier,
		.tier_threshold = c->tier_threshold,
		.opt_threshold = c->opt_threshold,
		.no_avx = c->no_avx,
		.try_namespaces = !c->no_namespaces,
		.worker_nice = c->worker_nice,
		.scrub = c->zygote_scrub,
		.scrub_ctx = c->zygote_scrub_ctx,
		/* LOAD carries the module; INVOKE the request. */
		.max_frame_bytes = c->max_module_bytes + (UINT64_C(256) << 20),
		/* A snapshot is at most the memory an invocation may have. */
		.snapshot_bytes = c->no_snapshots ? 0 :
			(uint64_t)c->max_memory_pages * 65536u,
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
				sup_job_finish(op->job, NULL, SB_ERROR,
					"shutting down");
			}
			free(op);
			op = next;
		}
		for (struct worker *w = sup->workers; w; w = w->next) {
			if (w->job) {
				sup_job_finish(w->job, NULL, SB_ERROR,
					"shutting down");
				w->job = NULL;
			}
			for (uint32_t i = 0; i < w->nfollow; i++)
				sup_job_finish(w->follow[i], NULL, SB_ERROR,
					"shutting down");
			w->nfollow = 0;
		}
		for (sb_module *m = sup->modules; m; m = m->next)
			sup_queue_fail_all(m, SB_ERROR, "shutting down");
		sup_inst_fail_all(sup, SB_ERROR, "shutting down");
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
		sup_module_free(m);
	}
	/* Handles nobody released (their callers outlive no supervisor). */
	while (sup->instances) {
		sb_instance *in = sup->instances;
		sup->instances = in->next;
		free(in);
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
