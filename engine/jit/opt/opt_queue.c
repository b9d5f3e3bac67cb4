/* opt_queue.c -- tier 2's compile thread and its queue (opt_queue.h). */
#include "jit/opt/opt_queue.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

struct opt_queue {
	pthread_mutex_t lock;
	pthread_cond_t wake;        /* the thread: a job, or stop */
	pthread_cond_t idle;        /* waiters: the job in progress ended */
	pthread_t thread;
	bool started, stop;
	opt_job *todo, **todo_tail; /* FIFO */
	opt_job *done;              /* finished, any order */
	const opt_job *busy;        /* the job being compiled, or NULL */
	atomic_uint ndone;          /* jobs in done: the running thread's
	                               cheap check */
};

static void *thread_main(void *arg)
{
	struct opt_queue *q = arg;
	sigset_t all;

	/* Wasm traps are signals of the thread that runs wasm; this one
	 * takes none (a fault here is a bug and kills the process). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&q->lock);
	q->started = true;
	pthread_cond_broadcast(&q->idle);
	for (;;) {
		while (!q->todo && !q->stop)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stop)
			break;
		opt_job *job = q->todo;
		q->todo = job->next;
		if (!q->todo)
			q->todo_tail = &q->todo;
		q->busy = job;
		pthread_mutex_unlock(&q->lock);
		opt_job_run(job);
		pthread_mutex_lock(&q->lock);
		q->busy = NULL;
		job->next = q->done;
		q->done = job;
		atomic_fetch_add_explicit(&q->ndone, 1, memory_order_release);
		pthread_cond_broadcast(&q->idle);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

wasm_status opt_queue_start(wasm_engine *e)
{
	if (e->opt_queue)
		return WASM_OK;
	struct opt_queue *q = calloc(1, sizeof *q);
	if (!q)
		return WASM_ERR_NOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	pthread_cond_init(&q->idle, NULL);
	q->todo_tail = &q->todo;
	if (pthread_create(&q->thread, NULL, thread_main, q) != 0) {
		pthread_cond_destroy(&q->idle);
		pthread_cond_destroy(&q->wake);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return WASM_ERR_NOMEM;
	}
	/* Running before the caller goes on: the thread's own start-up
	 * calls (rseq, robust list) happen before a seccomp filter. */
	pthread_mutex_lock(&q->lock);
	while (!q->started)
		pthread_cond_wait(&q->idle, &q->lock);
	pthread_mutex_unlock(&q->lock);
	e->opt_queue = q;
	return WASM_OK;
}

static void jobs_free(opt_job *j)
{
	for (opt_job *next; j; j = next) {
		next = j->next;
		opt_job_free(j);
	}
}

void opt_queue_free(wasm_engine *e)
{
	struct opt_queue *q = e->opt_queue;
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	jobs_free(q->todo);
	jobs_free(q->done);
	pthread_cond_destroy(&q->idle);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
	e->opt_queue = NULL;
}

bool opt_queue_submit(wasm_engine *e, opt_job *job)
{
	struct opt_queue *q = e->opt_queue;
	if (!q)
		return false;
	job->next = NULL;
	pthread_mutex_lock(&q->lock);
	*q->todo_tail = job;
	q->todo_tail = &job->next;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	return true;
}

opt_job *opt_queue_take_done(wasm_engine *e, const wasm_module *m)
{
	struct opt_queue *q = e->opt_queue;
	opt_job *job = NULL;
	if (!q || atomic_load_explicit(&q->ndone, memory_order_acquire) == 0)
		return NULL;
	pthread_mutex_lock(&q->lock);
	for (opt_job **p = &q->done; *p; p = &(*p)->next) {
		if ((*p)->m != m)
			continue;
		job = *p;
		*p = job->next;
		atomic_fetch_sub_explicit(&q->ndone, 1, memory_order_relaxed);
		break;
	}
	pthread_mutex_unlock(&q->lock);
	return job;
}

/* Unlink m's jobs from the list at *p and free them. */
static void drop_module(opt_job **p, const wasm_module *m, atomic_uint *count)
{
	while (*p) {
		opt_job *job = *p;
		if (job->m != m) {
			p = &job->next;
			continue;
		}
		*p = job->next;
		if (count)
			atomic_fetch_sub_explicit(count, 1, memory_order_relaxed);
		opt_job_free(job);
	}
}

void opt_queue_forget(wasm_engine *e, const wasm_module *m)
{
	struct opt_queue *q = e->opt_queue;
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	drop_module(&q->todo, m, NULL);
	q->todo_tail = &q->todo;
	while (*q->todo_tail)
		q->todo_tail = &(*q->todo_tail)->next;
	while (q->busy && q->busy->m == m)
		pthread_cond_wait(&q->idle, &q->lock);
	drop_module(&q->done, m, &q->ndone);
	pthread_mutex_unlock(&q->lock);
}
