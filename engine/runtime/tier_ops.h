/* tier_ops.h -- the tiers as the runtime sees them (internal to engine/).
 *
 * Each tier (0 the interpreter, 1 the baseline JIT, 2 the optimizing JIT)
 * is one tier_ops: the operations the runtime needs from it.  The runtime
 * (module.c, engine.c, instance.c, trap.c, value.c) and the interpreter's
 * tier-up hooks reach the tiers only through tier_table; no runtime file
 * includes a tier's header or calls a tier's function by name.
 *
 * Dependencies between engine folders point one way (A -> B: A includes
 * or calls B):
 *
 *   front -> common
 *   runtime -> front, common
 *   interp -> runtime, front, common
 *   jit -> interp, runtime, front, common, x64
 *   tier_table.c -> runtime (this header), interp, jit
 *
 * tier_table.c is the one place that names the tiers: it defines
 * tier_table from each tier's entry (tier_interp in interp/tier_interp.c,
 * tier_baseline in jit/tier_baseline.c, tier_opt in jit/opt/tier_opt.c).
 * The runtime refers to the one symbol tier_table and to nothing else of
 * the tiers.
 *
 * Body validation at load: wasm_module_load (runtime/module.c) calls tier
 * 0's validate for every defined function, because the pre-decoder
 * validates as it goes; front/ never sees function bodies' semantics.
 *
 * Tier 2 was added that way: jit/opt/tier_opt.c's `const tier_ops
 * tier_opt` in tier_table.c.  The runtime learnt two things: --tier=opt
 * pre-decodes at load as --tier=baseline does (module.c), and the
 * interpreter's tier-up hooks go to the tier the engine is forced to
 * (tier_ops.c).
 */
#ifndef ENGINE_RUNTIME_TIER_OPS_H
#define ENGINE_RUNTIME_TIER_OPS_H

#include "runtime/runtime.h"

#include <stdio.h>

/* Where a fault in wasm code happened, for tier_ops.fault_lookup: the
 * faulting pc and the general registers at the fault (the interpreter
 * finds its instruction pointer among them).  regs may be NULL with
 * nregs 0 on targets where the handler cannot read them. */
typedef struct tier_fault {
	uintptr_t pc;
	const uintptr_t *regs;
	size_t nregs;
} tier_fault;

/* Where code of a lower JIT tier goes on when it hands an activation to
 * a higher one (tier_ops.hot): entry NULL = stay; else jump to entry, with
 * target in r9 when entry is an OSR prologue (jit.h's jit_func). */
typedef struct tier_jump {
	const void *entry;
	const void *target;
} tier_jump;

/* One tier.  An operation a tier does not have is NULL; the runtime
 * skips it. */
typedef struct tier_ops {
	wasm_tier tier;           /* its index in tier_table */

	/* Check defined function func_index's body at load; nothing is kept.
	 * Tier 0 only (the pre-decoder validates).  WASM_OK or the status
	 * with err filled (offset into the binary). */
	wasm_status (*validate)(const wasm_module *m, uint32_t func_index,
		wasm_error *err);
	/* Make this tier's code for defined function func_index if it has
	 * none (tier 0: pre-decode; JIT tiers: compile from tier 0's code,
	 * which must exist).  WASM_OK, or a status with err filled: out of
	 * memory, or the tier refused the function (it stays in a lower tier
	 * and the refusal shows in the statistics).  Nothing of m may be
	 * running in this tier's code while it compiles. */
	wasm_status (*compile)(wasm_module *m, uint32_t func_index,
		wasm_error *err);

	/* Tier 0 only: run f from its entry with its arguments in
	 * sp[0..nparams); results come back in sp[0..nresults).  Every call
	 * from the runtime starts here; the interpreter moves on to a higher
	 * tier through tier_enter / tier_osr.  Returns WASM_OK, WASM_ERR_TRAP
	 * (ex->trap etc. set) or WASM_ERR_EXIT. */
	wasm_status (*call)(wasm_store *s, wasm_func *f, uint64_t *sp);

	/* JIT tiers: the counter value (calls of a function, iterations of a
	 * loop) at which a lower tier offers a function to this tier under
	 * e's configuration; UINT32_MAX = never. */
	uint32_t (*threshold)(const wasm_engine *e);
	/* JIT tiers: take over the activation of f whose frame is at fp,
	 * from its entry (enter) or from the LOOP at loop_ip of its
	 * pre-decoded code (osr), compiling f first if need be, and run it to
	 * the function's end: true with *st the outcome.  False: f stays in
	 * the lower tier, nothing happened. */
	bool (*enter)(wasm_store *s, wasm_func *f, uint64_t *fp,
		wasm_status *st);
	bool (*osr)(wasm_store *s, wasm_func *f, uint64_t *fp,
		const uint8_t *loop_ip, wasm_status *st);

	/* JIT tiers above the baseline, called by baseline code (C ABI,
	 * through the call vector) when function func_index has spent its
	 * hotness budget: at its entry (loop_off UINT32_MAX; the frame is
	 * set up, the native frame not yet) or at the LOOP at pre-decoded
	 * offset loop_off (the baseline's native frame made).  Schedules the
	 * function's compile, installs finished code, and answers where the
	 * activation goes: this tier's entry, or its OSR prologue and the
	 * loop's label, or nowhere (stay in the baseline). */
	tier_jump (*hot)(exec *ex, wasm_instance *inst, uint32_t func_index,
		uint32_t loop_off);

	/* Free everything this tier holds for m (before m's own contents).
	 * Called for every tier, highest first. */
	void (*module_free)(wasm_module *m);
	/* Fill out->tiers[tier] and out->refused_reason[tier] from what this
	 * tier has done with m so far; nothing else of out. */
	void (*stats_get)(const wasm_module *m, wasm_module_stats *out);
	/* The signal handler's question: is the fault described by at inside
	 * this tier's code of ex->cur_func's module?  Then true with *func the
	 * faulting function and *wasm_offset its instruction's offset in the
	 * binary (SIZE_MAX if unknown).  Async-signal-safe: reads only. */
	bool (*fault_lookup)(const exec *ex, const tier_fault *at,
		wasm_func **func, size_t *wasm_offset);

	/* Engine-wide state.  prime: do now what the tier would otherwise do
	 * on first use and a sandbox may forbid later (wasm_engine_new, for
	 * each tier the configuration may use: see tier_in_use).  free: give
	 * back what the tier holds for e (wasm_engine_free, every tier). */
	void (*engine_prime)(wasm_engine *e);
	void (*engine_free)(wasm_engine *e);
	/* Start the tier's background compile thread for e
	 * (wasm_engine_start_compile_thread).  WASM_OK or WASM_ERR_NOMEM. */
	wasm_status (*thread_start)(wasm_engine *e);
	/* For tools (wasm_module_dump): print defined function func_index's
	 * code in this tier's form to out, making it first if need be (tier
	 * 0: pre-decoded code; JIT tiers: a listing of a fresh compile,
	 * nothing installed).  WASM_ERR_UNSUPPORTED with the reason if the
	 * tier refuses the function. */
	wasm_status (*dump)(wasm_module *m, uint32_t func_index, FILE *out,
		wasm_error *err);
} tier_ops;

/* tier_table.c: the tiers of this build, indexed by wasm_tier; NULL where
 * the build has no such tier. */
extern const tier_ops *const tier_table[WASM_TIER_COUNT];

/* Whether an engine configured for tier cfg_tier may run code in tier t:
 * tier 0 always, the JIT tiers unless the engine is interpreter-only. */
static inline bool tier_in_use(wasm_tier cfg_tier, wasm_tier t)
{
	return t == WASM_TIER_INTERP || cfg_tier != WASM_TIER_INTERP;
}

/* tier_ops.c: what the runtime and the interpreter call.  Each goes to the
 * tier named in its comment through tier_table. */

/* Run f from its entry (tier 0's call). */
wasm_status tier_call(wasm_store *s, wasm_func *f, uint64_t *sp);

/* The interpreter's tier-up hooks, answered by the JIT tier the engine
 * is forced to (--tier=baseline: tier 1, --tier=opt: tier 2), else by the
 * lowest JIT tier of the table (tier 1).  tier_threshold: the counter
 * value at which the interpreter calls tier_enter (ENTER) or tier_osr
 * (LOOP); UINT32_MAX if no tier above 0 wants code under e's
 * configuration. */
uint32_t tier_threshold(const wasm_engine *e);
bool tier_enter(wasm_store *s, wasm_func *f, uint64_t *fp, wasm_status *st);
bool tier_osr(wasm_store *s, wasm_func *f, uint64_t *fp,
	const uint8_t *loop_ip, wasm_status *st);

/* The clock every tier's compile time (wasm_tier_stats.compile_ns) is
 * read on: the calling thread's CPU time in ns (CLOCK_THREAD_CPUTIME_ID),
 * so a compile on tier 2's background thread or on a loaded machine
 * counts the work done, not the time waited for a core.  Only
 * differences mean anything.  In a worker the vDSO does not serve thread
 * CPU clocks: it is a clock_gettime call, which the seccomp policy allows
 * (sandbox/policy.c). */
uint64_t tier_compile_clock_ns(void);

#endif
