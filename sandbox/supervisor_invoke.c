/* supervisor_invoke.c -- jobs and their queues, and the API that makes
 * them: modules (sb_module_new/release), invocations from any thread
 * through the inbox (sb_invoke, sb_invoke_wait), the sync path that hands
 * a call straight to an idle worker (sb_invoke_sync), and the test
 * hooks. */
#include "supervisor.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- jobs ----------------------------------------------------------------- */

static void job_free(struct job *j)
{
	sb_buf_free(&j->frame);
	free(j->function);
	if (j->inst)
		sup_inst_unref(j->inst);
	free(j);
}

/* Delivers res (or a bare outcome if res is NULL) and frees the job. */
void sup_job_finish(struct job *j, sb_result *res, sb_outcome o,
	const char *msg)
{
	sb_module *m = j->m;

	if (!res)
		res = sup_result_new(o, msg);
	if (j->inst_slot)
		m->sup->creating--;   /* pinned by now, or not at all */
	if (res) {
		res->wall_us = (sb_now_ns() - j->submit_ns) / 1000;
		j->done(j->ctx, res);
	}
	job_free(j);
	m->inflight--;
}

/* Puts j back at the head of m's queue. */
void sup_queue_push_front(sb_module *m, struct job *j)
{
	j->next = m->q_head;
	m->q_head = j;
	if (!m->q_tail)
		m->q_tail = j;
	m->queued++;
}

uint64_t sup_job_deadline(const struct job *j, uint64_t now)
{
	if (j->deadline_ns)
		return j->deadline_ns;
	return j->run_ms ? now + (uint64_t)j->run_ms * 1000000u : 0;
}

void sup_job_expire(struct job *j)
{
	sb_result *r = sup_result_new(SB_TIMEOUT, j->mem_waited ||
		j->m->sup->mem_blocked ?
		"the deadline passed while the call waited for a worker and "
		"for memory (the cap on all workers' memory was reached)" :
		"the deadline passed while the call waited for a worker");
	if (r)
		r->trap = WASM_TRAP_TIMEOUT;
	sup_job_finish(j, r, SB_TIMEOUT, NULL);
}

void sup_fifo_push(struct job **head, struct job **tail, struct job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

uint64_t sup_fifo_expire(struct job **head, struct job **tail, uint64_t now,
	uint32_t *removed)
{
	uint64_t next = UINT64_MAX;
	struct job **pp = head, *prev = NULL;

	while (*pp) {
		struct job *j = *pp;
		if (!j->deadline_ns || j->deadline_ns > now) {
			if (j->deadline_ns && j->deadline_ns < next)
				next = j->deadline_ns;
			prev = j;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		if (*tail == j)
			*tail = prev;
		(*removed)++;
		j->next = NULL;
		sup_job_expire(j);
	}
	return next;
}

uint64_t sup_queue_expire(sb_module *m, uint64_t now)
{
	uint32_t n = 0;
	uint64_t next = sup_fifo_expire(&m->q_head, &m->q_tail, now, &n);
	m->queued -= n;
	return next;
}

struct job *sup_queue_pop(sb_module *m)
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

void sup_queue_fail_all(sb_module *m, sb_outcome o, const char *msg)
{
	struct job *j;
	while ((j = sup_queue_pop(m))) {
		sb_result *r = sup_result_new(o, msg);
		if (r && o == SB_INVALID_MODULE)
			r->offset = m->invalid_offset;
		sup_job_finish(j, r, o, msg);
	}
}

/* ---- API: modules and invocations ------------------------------------- */

void sup_module_free(sb_module *m)
{
	sb_externs_free(m->imports, m->nimports);
	sb_externs_free(m->exports, m->nexports);
	free(m->tenant);
	free(m->id);
	free(m->init);
	free(m->bytes);
	free(m);
}

sb_module *sb_module_new(sb_supervisor *sup, const char *tenant,
	const char *id, const uint8_t *bytes, size_t len)
{
	return sb_module_new_init(sup, tenant, id, bytes, len, NULL);
}

sb_module *sb_module_new_init(sb_supervisor *sup, const char *tenant,
	const char *id, const uint8_t *bytes, size_t len, const char *init)
{
	sb_module *m;

	if (init && !init[0])
		init = NULL;
	pthread_mutex_lock(&sup->lock);
	for (m = sup->modules; m; m = m->next)
		if (m->api_refs && strcmp(m->tenant, tenant) == 0 &&
		    strcmp(m->id, id) == 0 && (m->init ? init &&
		    strcmp(m->init, init) == 0 : !init)) {
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
	m->init = init ? strdup(init) : NULL;
	m->bytes = malloc(len ? len : 1);
	if (!m->tenant || !m->id || !m->bytes || (init && !m->init))
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
	sup_post(sup, op);
	return m;
fail:
	if (m) {
		free(m->tenant);
		free(m->id);
		free(m->init);
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
	sup_post(sup, op);
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
	sup_post(m->sup, op);
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

	if (j->kind == SB_INSPECT || j->inst || (j->deadline_ns &&
	    j->deadline_ns <= sb_now_ns()))
		return D_NOT_TAKEN;   /* the loop expires it */
	if (pthread_mutex_trylock(&sup->state) != 0)
		return D_NOT_TAKEN;
	struct worker *w = NULL;
	if (!sup->zygote_dead && m->loaded && !m->invalid && !m->released &&
	    !m->inflight && (j->kind != SB_CALL ||
	     sup_export_find(m, j->function, j->function_len)) &&
	    sup_mem_fits(sup, NULL, j))
		w = sup_idle_worker(sup, m);
	if (!w) {
		pthread_mutex_unlock(&sup->state);
		return D_NOT_TAKEN;
	}
	m->inflight++;   /* until job_finish */
	sup_mem_charge(sup, w, j);
	bool repoll = sup->repoll;
	sup_worker_start_job(sup, w, j);
	sup->repoll = repoll;
	uint64_t seq = w->seq;
	int fd = w->fd;
	bool late = w->tx.len != 0;   /* the loop sends the rest */
	if (!late) {
		/* Not past the job's deadline, which only the loop keeps. */
		uint64_t now = sb_now_ns();
		if (j->deadline_ns && (j->deadline_ns <= now ||
		    (j->deadline_ns - now) / 1000u < wait_us))
			wait_us = j->deadline_ns <= now ? 0 :
				(uint32_t)((j->deadline_ns - now) / 1000u);
		w->sync = true;
		pthread_mutex_unlock(&sup->state);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts = { .tv_sec = wait_us / 1000000u,
			.tv_nsec = (long)(wait_us % 1000000u) * 1000 };
		int rc = ppoll(&pfd, 1, &ts, NULL);
		pthread_mutex_lock(&sup->state);
		w->sync = false;
		if (rc > 0)
			sup_worker_readable(sup, w);
		late = w->job && w->seq == seq;
		if (w->exit_deferred) {
			struct sb_zmsg zm = { .type = SB_Z_EXITED, .id = w->id,
				.status = w->exit_status };
			w->exit_deferred = false;
			sup_on_exited(sup, &zm);   /* frees w; finishes the job */
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
		sup_wake(sup);
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
	j->wanted = req->wanted;
	if (req->instance && req->instance_op != SB_INSTANCE_FRESH) {
		j->inst = req->instance;
		j->inst_op = req->instance_op;
		sup_inst_ref(j->inst);
	}
	j->deadline_ns = req->deadline_ns ? req->deadline_ns :
		req->timeout_ms ? j->submit_ns + req->timeout_ms * 1000000u : 0;
	const char *fn = req->function ? req->function : "";
	j->function_len = req->function_len ? req->function_len : strlen(fn);
	if (!(j->function = malloc(j->function_len + 1)))
		goto fail;
	memcpy(j->function, fn, j->function_len);
	j->function[j->function_len] = '\0';
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
		j->mem_bytes = SB_CALL_BASE_BYTES + (uint64_t)pages * 65536u +
			so + se + j->frame.len;
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
	sb_request_fault f;
	if (req->kind != SB_INSPECT && !sb_request_check(req, &f)) {
		/* The worker would refuse the frame and die: answer here. */
		char msg[160];
		sb_result *r = sup_result_new(SB_BAD_CALL,
			sb_request_fault_text(&f, NULL, msg, sizeof msg));
		if (!r)
			return SB_SUBMIT_NOMEM;
		done(ctx, r);
		return SB_SUBMIT_DONE;
	}
	struct job *j = job_build(m, req, done, ctx);
	struct op *op = calloc(1, sizeof *op);

	if (!j || !op) {
		if (j)
			job_free(j);
		free(op);
		return SB_SUBMIT_NOMEM;
	}
	uint64_t cap = m->sup->cfg.max_memory_bytes;
	if (cap && j->mem_bytes > cap) {
		/* It would wait for ever. */
		sb_result *r = sup_result_new(SB_BUSY, NULL);
		if (r) {
			r->limit = SB_LIMIT_MEMORY;
			snprintf(r->message, sizeof r->message, "the call needs "
				"%llu MiB of worker memory (its memory and "
				"output caps and its request), more than all "
				"workers together may hold (%llu MiB)",
				(unsigned long long)(j->mem_bytes >> 20),
				(unsigned long long)(cap >> 20));
		}
		job_free(j);
		free(op);
		if (!r)
			return SB_SUBMIT_NOMEM;
		done(ctx, r);
		return SB_SUBMIT_DONE;
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
	sb_result *r = sup_result_new(SB_ERROR, "out of memory");
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
	j->run_ms = 100;   /* the hang is caught by the grace kill */
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
