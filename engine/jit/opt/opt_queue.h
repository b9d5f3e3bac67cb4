/* opt_queue.h -- tier 2's compile jobs and the engine's compile thread
 * (internal to engine/jit/opt/).
 *
 * One code path, two schedulers.  A job is one function of one module:
 * opt_job_run makes its machine code (or its refusal) and touches nothing
 * shared; opt_job_install (tier_opt.c) puts the result into the module's
 * JIT state and must run on the thread that runs the module.  Without a
 * compile thread the caller runs both at once; with one, opt_queue_submit
 * hands the job to the thread, and the running thread installs finished
 * jobs at its next tier-up check (opt_queue_take_done): code memory and
 * the call vector are only ever touched by the thread that runs the code,
 * so W^X never has a page writable under running code, and a vector swap
 * needs no ordering beyond program order.  The job's bytes cross threads
 * under the queue's mutex (release on the thread's unlock, acquire on the
 * taker's lock).
 *
 * The thread is the engine's (one per worker process), started by
 * wasm_engine_start_compile_thread before a sandbox forbids clone, its
 * signals blocked; it waits on a condition variable (futex) and makes its
 * buffers with malloc (mmap, mprotect without PROT_EXEC, munmap, madvise):
 * what sandbox/policy.c allows it.
 */
#ifndef ENGINE_JIT_OPT_OPT_QUEUE_H
#define ENGINE_JIT_OPT_OPT_QUEUE_H

#include "jit/opt/mir.h"
#include "runtime/runtime.h"

typedef struct opt_job {
	struct opt_job *next;
	wasm_module *m;
	uint32_t func_index;
	uint32_t osr;   /* OSR entries: none, at every loop, or at one LOOP
	                   and those around it (ir_build_osr) */
	bool again;     /* the function has tier-2 code: this is OSR code
	                   to go behind it, or (IR_OSR_NONE) better code for
	                   later calls than the OSR code it has; a failure is
	                   not a refusal (tier_opt.c) */
	/* opt_job_run's result: st WASM_OK and code, or why not (reason: a
	 * static string for the statistics) */
	wasm_status st;
	mir_code code;
	const char *reason;
	uint64_t compile_ns;
} opt_job;

/* tier_opt.c: compile the job's function (any thread). */
void opt_job_run(opt_job *job);

/* Start e's compile thread (WASM_OK if it runs already). */
wasm_status opt_queue_start(wasm_engine *e);
/* Stop and join the thread, free every job (wasm_engine_free). */
void opt_queue_free(wasm_engine *e);
/* Give job to the thread: false if e has none (the caller compiles). */
bool opt_queue_submit(wasm_engine *e, opt_job *job);
/* A finished job of m, or NULL; cheap when there is none. */
opt_job *opt_queue_take_done(wasm_engine *e, const wasm_module *m);
/* m is going away: its waiting and finished jobs are dropped, and a
 * compile of it in progress is waited for (wasm_module_free). */
void opt_queue_forget(wasm_engine *e, const wasm_module *m);
/* Free a job and what it holds. */
void opt_job_free(opt_job *job);

#endif
