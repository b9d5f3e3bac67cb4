/* supervisor_instances.c -- persistent instances (sandbox.h, brief decision
 * 16): a worker of the module's pool makes the instance and keeps it, and
 * is pinned to it from then on; the instance's calls wait in its own FIFO
 * and go to that worker one at a time, in order of arrival.  The instance
 * ends when its caller releases it (the worker frees it and goes back to
 * the pool), when a call times out (the worker frees it itself), or when
 * the worker dies.  Loop thread only (supervisor.h), but for the
 * reference count and the status, which are under sup->lock.
 *
 * Why one instance per worker, not several of one module in a worker: an
 * instance's long call then holds up no other instance, a crash or a
 * kill ends exactly one instance, and the worker's RLIMIT_DATA and page
 * cap are the instance's own.  The cost is a process per instance, which
 * the per-tenant instance limit and max_workers bound. */
#include "supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- references and status ------------------------------------------------ */

void sup_inst_ref(sb_instance *in)
{
	sb_supervisor *sup = in->m->sup;
	pthread_mutex_lock(&sup->lock);
	in->refs++;
	pthread_mutex_unlock(&sup->lock);
}

void sup_inst_unref(sb_instance *in)
{
	sb_supervisor *sup = in->m->sup;
	bool last;

	pthread_mutex_lock(&sup->lock);
	last = --in->refs == 0;
	if (last)
		for (sb_instance **pp = &sup->instances; *pp; pp = &(*pp)->next)
			if (*pp == in) {
				*pp = in->next;
				break;
			}
	pthread_mutex_unlock(&sup->lock);
	if (last)
		free(in);
}

sb_instance *sb_instance_new(sb_module *m)
{
	sb_supervisor *sup = m->sup;
	sb_instance *in = calloc(1, sizeof *in);

	if (!in)
		return NULL;
	in->m = m;
	in->refs = 1;
	pthread_mutex_lock(&sup->lock);
	in->next = sup->instances;
	sup->instances = in;
	pthread_mutex_unlock(&sup->lock);
	return in;
}

void sb_instance_release(sb_instance *in)
{
	if (!in)
		return;
	struct op *op = calloc(1, sizeof *op);
	if (!op)
		return;   /* it lives on until the supervisor ends */
	op->kind = OP_INSTANCE_RELEASE;
	op->inst = in;
	sup_post(in->m->sup, op);
}

void sb_instance_status(sb_instance *in, sb_instance_info *out)
{
	sb_supervisor *sup = in->m->sup;

	pthread_mutex_lock(&sup->lock);
	out->live = in->live;
	out->gone = in->gone;
	memcpy(out->reason, in->reason, sizeof out->reason);
	out->memory_pages = in->memory_pages;
	out->worker_pid = in->worker_pid;
	pthread_mutex_unlock(&sup->lock);
}

/* Ends in (once): later calls answer SB_GONE with reason.  lost: by a
 * timeout or its worker's death (sb_stats.instances_ended). */
static void inst_end(sb_instance *in, const char *reason, bool lost)
{
	sb_supervisor *sup = in->m->sup;

	pthread_mutex_lock(&sup->lock);
	if (!in->gone) {
		in->gone = true;
		in->live = false;
		snprintf(in->reason, sizeof in->reason, "%s", reason);
		sup->stats.instances_ended += lost;
	}
	in->worker_pid = 0;
	pthread_mutex_unlock(&sup->lock);
}

/* ---- its worker ------------------------------------------------------------- */

static void inst_pin(sb_supervisor *sup, struct worker *w, sb_instance *in,
	uint32_t memory_pages)
{
	w->inst = in;
	in->w = w;
	w->m->npinned++;
	sup_inst_ref(in);
	pthread_mutex_lock(&sup->lock);
	in->live = true;
	in->memory_pages = memory_pages;
	in->worker_pid = (uint32_t)w->pid;
	pthread_mutex_unlock(&sup->lock);
}

/* w goes back to its module's pool (or to its death). */
static void inst_unpin(struct worker *w)
{
	sb_instance *in = w->inst;

	if (!in)
		return;
	w->inst = NULL;
	in->w = NULL;
	w->m->npinned--;
	sup_inst_unref(in);
}

static void inst_fail_queue(sb_instance *in, sb_outcome o, const char *msg)
{
	struct job *j;

	while ((j = in->q_head)) {
		in->q_head = j->next;
		if (!in->q_head)
			in->q_tail = NULL;
		j->next = NULL;
		sb_result *r = sup_result_new(o, msg);
		sup_job_finish(j, r, o, msg);
	}
}

/* The reason a call on an ended instance gets. */
static void inst_reason(sb_instance *in, char *buf, size_t len)
{
	sb_supervisor *sup = in->m->sup;
	pthread_mutex_lock(&sup->lock);
	snprintf(buf, len, "%s", in->reason[0] ? in->reason :
		"the instance was deleted");
	pthread_mutex_unlock(&sup->lock);
}

static void inst_fail_gone(sb_instance *in)
{
	char why[200];
	inst_reason(in, why, sizeof why);
	inst_fail_queue(in, SB_GONE, why);
}

static void drop_done(void *ctx, sb_result *res)
{
	(void)ctx;
	sb_result_free(res);
}

/* Queues the frame that makes in's worker free it, behind its calls. */
static void inst_queue_drop(sb_supervisor *sup, sb_instance *in)
{
	struct job *j = calloc(1, sizeof *j);
	sb_request req = { .kind = SB_CALL, .function = "",
		.instance_op = SB_INSTANCE_DROP };

	if (!j)
		return;   /* the worker keeps it until the supervisor ends */
	j->m = in->m;
	j->kind = SB_CALL;
	j->inst = in;
	j->inst_op = SB_INSTANCE_DROP;
	j->done = drop_done;
	j->submit_ns = sb_now_ns();
	j->out_max = sup->cfg.max_output_bytes;
	sb_invoke_encode(&j->frame, 0, &req, 0, 0, 0);
	if (!(j->function = strdup("")) || !sb_buf_end(&j->frame)) {
		sb_buf_free(&j->frame);
		free(j->function);
		free(j);
		return;
	}
	sup_inst_ref(in);
	in->m->inflight++;   /* until job_finish */
	sup_fifo_push(&in->q_head, &in->q_tail, j);
}

/* ---- calls ------------------------------------------------------------------ */

void sup_inst_dispatch(sb_supervisor *sup, sb_instance *in)
{
	uint64_t now = sb_now_ns();

	sup_inst_ref(in);   /* finishing jobs may drop the others */
	while (in->q_head) {
		if (in->gone) {
			inst_fail_gone(in);
			break;
		}
		struct worker *w = in->w;
		if (!w || w->state != W_IDLE || w->killing || w->fd < 0)
			break;
		struct job *j = in->q_head;
		if (j->inst_op == SB_INSTANCE_CALL) {
			bool dead = j->deadline_ns && j->deadline_ns <= now;
			if (!dead && !(j->wanted && !j->wanted(j->ctx)) &&
			    !sup_mem_fits(sup, w, j)) {
				/* At the head, in order, its deadline
				 * running (sup_inst_expire). */
				sup_mem_wait(sup, j);
				break;
			}
		}
		in->q_head = j->next;
		if (!in->q_head)
			in->q_tail = NULL;
		j->next = NULL;
		if (j->inst_op == SB_INSTANCE_CALL) {
			if (j->deadline_ns && j->deadline_ns <= now) {
				sup_job_expire(j);
				continue;
			}
			if (j->wanted && !j->wanted(j->ctx)) {
				sup_job_finish(j, NULL, SB_ERROR, "cancelled "
					"before it ran: nobody waits for the "
					"answer");
				continue;
			}
		}
		sup_mem_charge(sup, w, j);
		sup_worker_start_job(sup, w, j);
		break;
	}
	sup_inst_unref(in);
}

/* The walks over sup->instances (this thread): an instance with neither
 * jobs nor a worker may have its last reference dropped on any thread,
 * so each one is referenced under the lock that read its link, before
 * that lock is let go, and stays linked while the walk holds it. */
static sb_instance *inst_first_ref(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	sb_instance *in = sup->instances;
	if (in)
		in->refs++;
	pthread_mutex_unlock(&sup->lock);
	return in;
}

/* The instance after in, referenced; in's reference dropped. */
static sb_instance *inst_next_ref(sb_supervisor *sup, sb_instance *in)
{
	pthread_mutex_lock(&sup->lock);
	sb_instance *next = in->next;
	if (next)
		next->refs++;
	pthread_mutex_unlock(&sup->lock);
	sup_inst_unref(in);
	return next;
}

void sup_inst_dispatch_all(sb_supervisor *sup)
{
	for (sb_instance *in = inst_first_ref(sup); in;
	     in = inst_next_ref(sup, in))
		if (in->q_head)
			sup_inst_dispatch(sup, in);
}

bool sup_inst_admit(sb_supervisor *sup, struct job *j)
{
	uint32_t held = sup->creating;
	for (struct worker *w = sup->workers; w; w = w->next)
		held += w->inst != NULL;
	if (held >= sup->cfg.max_instances)
		return false;
	sup->creating++;
	j->inst_slot = true;
	return true;
}

void sup_inst_enqueue(sb_supervisor *sup, struct job *j)
{
	sb_instance *in = j->inst;

	if (in->gone || in->released) {
		char why[200];
		inst_reason(in, why, sizeof why);
		sup_job_finish(j, NULL, SB_GONE, why);
		return;
	}
	sup_fifo_push(&in->q_head, &in->q_tail, j);
	sup_inst_dispatch(sup, in);
}

void sup_inst_result(sb_supervisor *sup, struct worker *w, struct job *j,
	const sb_result *res)
{
	sb_instance *in = j->inst;
	char why[200];

	switch (j->inst_op) {
	case SB_INSTANCE_CREATE:
		if (res->outcome != SB_OK) {
			snprintf(why, sizeof why, "the instance could not be "
				"made: %.160s", res->message);
			inst_end(in, why, false);
			return;
		}
		inst_pin(sup, w, in, res->memory_pages);
		if (in->released)
			inst_queue_drop(sup, in);
		return;
	case SB_INSTANCE_CALL:
		pthread_mutex_lock(&sup->lock);
		in->memory_pages = res->memory_pages;
		pthread_mutex_unlock(&sup->lock);
		if (res->outcome == SB_TIMEOUT) {
			/* The worker freed it (worker.c, wk_call_kept). */
			inst_end(in, "a call passed its deadline (timeout): "
				"the instance was dropped", true);
			inst_unpin(w);
			inst_fail_gone(in);
		}
		return;
	case SB_INSTANCE_DROP:
		inst_end(in, "the instance was deleted", false);
		inst_unpin(w);
		return;
	case SB_INSTANCE_FRESH:
		return;
	}
}

void sup_inst_worker_died(sb_supervisor *sup, struct worker *w,
	const char *reason)
{
	sb_instance *in = w->inst;
	char why[200];

	(void)sup;
	if (!in)
		return;
	snprintf(why, sizeof why, "the instance's worker died (%.150s)", reason);
	inst_end(in, why, true);
	sup_inst_ref(in);
	inst_unpin(w);
	inst_fail_gone(in);
	sup_inst_unref(in);
}

void sup_inst_release_op(sb_supervisor *sup, sb_instance *in)
{
	in->released = true;
	if (in->w) {
		inst_queue_drop(sup, in);
		sup_inst_dispatch(sup, in);
	} else if (in->gone) {
		inst_fail_gone(in);
	}   /* else: being made; sup_inst_result drops it when it is */
	sup_inst_unref(in);   /* the caller's */
}

uint64_t sup_inst_expire(sb_supervisor *sup, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	/* (The walk's reference: expiring its jobs may drop the others.) */
	for (sb_instance *in = inst_first_ref(sup); in;
	     in = inst_next_ref(sup, in)) {
		uint32_t n = 0;
		/* (A drop has no deadline: only calls expire.) */
		uint64_t q = sup_fifo_expire(&in->q_head, &in->q_tail, now, &n);
		if (q < next)
			next = q;
	}
	return next;
}

void sup_inst_fail_all(sb_supervisor *sup, sb_outcome o, const char *msg)
{
	for (sb_instance *in = inst_first_ref(sup); in;
	     in = inst_next_ref(sup, in))
		inst_fail_queue(in, o, msg);
}
