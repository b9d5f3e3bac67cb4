/* supervisor_dispatch.c -- matching queued jobs to workers: a module's
 * pool (idle workers first, then a new worker under the per-module and
 * global caps, evicting the least recently used idle worker of another
 * module), pipelining short calls behind busy ones, and freeing released
 * modules.  Loop thread only (supervisor.h). */
#include "supervisor.h"

#include <stdlib.h>
#include <string.h>

/* ---- modules -------------------------------------------------------------- */

/* Modules are freed only here, once per loop iteration, so that no code
 * path holding a module pointer sees it vanish. */
void sup_modules_sweep(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	for (sb_module **pp = &sup->modules; *pp;) {
		sb_module *m = *pp;
		if (!m->released || m->nworkers || m->q_head || m->inflight) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		sup_module_free(m);
	}
	pthread_mutex_unlock(&sup->lock);
}

const sb_extern *sup_export_find(const sb_module *m, const char *name,
	size_t len)
{
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == WASM_EXTERN_FUNC &&
		    m->exports[i].name_len == len &&
		    memcmp(m->exports[i].name, name, len) == 0)
			return &m->exports[i];
	return NULL;
}

/* ---- dispatch ------------------------------------------------------------- */

struct worker *sup_idle_worker(sb_supervisor *sup, sb_module *m)
{
	struct worker *best = NULL;
	for (struct worker *w = sup->workers; w; w = w->next)
		if (w->m == m && w->state == W_IDLE && !w->inst &&
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
		if (w->state == W_IDLE && w->m != except && !w->inst &&
		    (!lru || w->used_ns < lru->used_ns))
			lru = w;
	if (!lru)
		return false;
	sup_worker_retire(sup, lru);
	sup->stats.evicted++;
	return true;
}

/* ---- the workers' memory -------------------------------------------------- */

bool sup_mem_fits(const sb_supervisor *sup, const struct worker *w,
	const struct job *j)
{
	uint64_t have = w ? w->mem_charged : 0;
	uint64_t need = j->mem_bytes > have ? j->mem_bytes : have;

	return !sup->cfg.max_memory_bytes ||
		sup->mem_used - have + need <= sup->cfg.max_memory_bytes;
}

void sup_mem_charge(sb_supervisor *sup, struct worker *w,
	const struct job *j)
{
	if (j->mem_bytes > w->mem_charged) {
		sup->mem_used += j->mem_bytes - w->mem_charged;
		w->mem_charged = j->mem_bytes;
	}
}

uint64_t sup_mem_held(const struct worker *w)
{
	/* in->memory_pages: written on this thread only (sup->lock is for
	 * the readers on other threads). */
	return w->inst ? SB_CALL_BASE_BYTES +
		(uint64_t)w->inst->memory_pages * 65536u : 0;
}

void sup_mem_release(sb_supervisor *sup, struct worker *w)
{
	uint64_t keep = sup_mem_held(w);

	if (w->mem_charged <= keep)
		return;
	sup->mem_used -= w->mem_charged - keep;
	w->mem_charged = keep;
	if (sup->mem_blocked) {
		/* The loop dispatches every module at its next turn. */
		sup->mem_blocked = false;
		sup->mem_freed = true;
		sup->repoll = true;
	}
}

void sup_mem_wait(sb_supervisor *sup, struct job *j)
{
	sup->mem_blocked = true;
	if (!j->mem_waited) {
		j->mem_waited = true;
		sup->stats.memory_waits++;
	}
}

/* Pipelining is for short calls: the module's calls take less than this
 * on average, and the call in front started less than this ago (so a
 * call is not stuck behind a long one while another worker frees up). */
#define PIPELINE_MAX_NS 1000000u

/* Whether j may wait behind w's calls: a call with a deadline only
 * behind calls whose deadlines come no later, so that whatever is in
 * front has ended (or trapped) by j's deadline. */
static bool pipeline_fits(const struct worker *w, const struct job *j)
{
	/* A new instance pins its worker: never behind another call, nor a
	 * call behind it. */
	if (j->inst || (w->job && w->job->inst))
		return false;
	for (uint32_t i = 0; i < w->nfollow; i++)
		if (w->follow[i]->inst)
			return false;
	if (!j->deadline_ns)
		return true;
	if (!w->deadline_ns || w->deadline_ns > j->deadline_ns)
		return false;
	for (uint32_t i = 0; i < w->nfollow; i++)
		if (!w->follow[i]->deadline_ns ||
		    w->follow[i]->deadline_ns > j->deadline_ns)
			return false;
	return true;
}

/* A busy worker of m whose call is young and has room behind it for j:
 * the one with the fewest calls behind, then the one busy longest; NULL
 * if m's calls are not short. */
static struct worker *pipeline_worker(sb_supervisor *sup, sb_module *m,
	const struct job *j)
{
	struct worker *best = NULL;
	uint64_t now = sb_now_ns();

	if (!m->call_ns_avg || m->call_ns_avg > PIPELINE_MAX_NS)
		return NULL;
	for (struct worker *w = sup->workers; w; w = w->next)
		if (w->m == m && w->state == W_BUSY && !w->inst &&
		    pipeline_fits(w, j) &&
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
	sup_worker_send(w);
	return true;
}

/* The head of m's queue, about to go to a worker; NULL (the job ended
 * without running) when nobody waits for its answer any more. */
static struct job *queue_pop_wanted(sb_module *m)
{
	struct job *j = sup_queue_pop(m);
	if (j->wanted && !j->wanted(j->ctx)) {
		sup_job_finish(j, NULL, SB_ERROR, "cancelled before it ran: "
			"nobody waits for the answer");
		return NULL;
	}
	return j;
}

void sup_dispatch(sb_supervisor *sup, sb_module *m)
{
	uint64_t now = sb_now_ns();

	while (m->q_head) {
		if (m->invalid) {
			sup_queue_fail_all(m, SB_INVALID_MODULE, m->invalid_msg);
			return;
		}
		if (m->q_head->deadline_ns && m->q_head->deadline_ns <= now) {
			sup_job_expire(sup_queue_pop(m));   /* never started */
			continue;
		}
		if (m->q_head->kind == SB_INSPECT && m->loaded) {
			struct job *j = sup_queue_pop(m);
			sb_result *r = sup_result_new(SB_OK, NULL);
			if (r) {
				r->imports = sb_externs_dup(m->imports,
					m->nimports);
				r->exports = sb_externs_dup(m->exports,
					m->nexports);
				r->nimports = r->imports ? m->nimports : 0;
				r->nexports = r->exports ? m->nexports : 0;
			}
			sup_job_finish(j, r, SB_ERROR, "out of memory");
			continue;
		}
		/* Memory for the call on a worker with none?  If not, it
		 * may still go behind a busy worker charged as much. */
		bool mem_ok = sup_mem_fits(sup, NULL, m->q_head);
		struct worker *w = mem_ok ? sup_idle_worker(sup, m) : NULL;
		if (w) {
			struct job *j = queue_pop_wanted(m);
			if (j) {
				sup_mem_charge(sup, w, j);
				sup_worker_start_job(sup, w, j);
			}
			continue;
		}
		/* Enough workers on their way for what waits? */
		if (mem_ok && m->spawning >= m->queued)
			return;
		/* Workers pinned to instances are not the pool's. */
		if (mem_ok && m->nworkers - m->npinned < sup->cfg.max_per_module &&
		    (sup->spares || sup->live < sup->cfg.max_workers ||
		     evict_lru(sup, m))) {
			if (!sup_worker_spawn(sup, m))
				return;
			continue;
		}
		/* No more workers: line the call up behind a busy one, which
		 * then reads it as soon as it answers instead of sleeping
		 * until the loop sends it. */
		if (!(w = pipeline_worker(sup, m, m->q_head)) ||
		    !sup_mem_fits(sup, w, m->q_head)) {
			if (!mem_ok)
				sup_mem_wait(sup, m->q_head);
			return;
		}
		struct job *j = queue_pop_wanted(m);
		if (!j)
			continue;
		if (!worker_pipeline_job(sup, w, j)) {
			sup_queue_push_front(m, j);
			return;
		}
		sup_mem_charge(sup, w, j);
	}
}

void sup_dispatch_all(sb_supervisor *sup)
{
	pthread_mutex_lock(&sup->lock);
	sb_module *m = sup->modules;
	pthread_mutex_unlock(&sup->lock);
	/* Only this thread unlinks modules, and other threads only push at
	 * the head, so the walk is safe without the lock.  sup_dispatch() does
	 * not free the module it works on (jobs hold it). */
	for (; m; m = m->next)
		if (m->q_head)
			sup_dispatch(sup, m);
}
