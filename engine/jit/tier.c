/* tier.c -- when code moves from the interpreter to the baseline JIT
 * (under --tier=opt: jit/opt/tier_opt.c, which falls back on this file's
 * OSR and on the baseline compiler).
 *
 * The pre-decoded code counts: ENTER counts calls of a function and each
 * LOOP counts iterations of its loop.  The interpreter compares the counter
 * with tier_threshold() and calls tier_enter / tier_osr when it is reached:
 *
 *   WASM_TIER_INTERP    threshold UINT32_MAX: never (the counters wrap)
 *   WASM_TIER_BASELINE  threshold 1: every function at its first call
 *   WASM_TIER_AUTO      wasm_config.tier_threshold calls or iterations
 *   WASM_TIER_OPT       not here: tier_opt.c's threshold (1) and entry
 *
 * A compiled function's slot in the module's call vector points at its JIT
 * code from then on, so JIT callers call it natively; interpreter callers
 * still enter through its ENTER, whose counter is past the threshold, and
 * come here.  A LOOP past the threshold in an interpreted activation moves
 * that activation into the JIT code at the loop's label (OSR): the frame
 * layout is the same, so only the native frame is made.
 */
#include "jit/jit.h"
#include "interp/ops.h"
#include "runtime/tier_ops.h"
#include "common/pairs.h"

uint32_t jit_tier_threshold(const wasm_engine *e)
{
	const wasm_config *cfg = engine_config(e);
	switch (cfg->tier) {
	case WASM_TIER_BASELINE:
		return 1;
	case WASM_TIER_AUTO:
		return cfg->tier_threshold ? cfg->tier_threshold
			: WASM_TIER_DEFAULT_THRESHOLD;
	default:
		return UINT32_MAX;
	}
}

/* One function for --tier=baseline's batch (jit_compile_module). */
static bool baseline_compile_one(wasm_module *m, uint32_t func_index)
{
	return !jit_func_refused(m, func_index) && jit_compile(m, func_index);
}

/* f's JIT code, compiling it first if need be; NULL if it has none.  No
 * compile starts once ex's deadline has passed: f stays interpreted, and
 * its ENTER or LOOP traps with timeout as in the interpreter.
 * --tier=baseline: at the module's first compile, every function in one
 * batch (one RW -> RX flip per code chunk instead of two mprotect calls
 * per function); their code was pre-decoded at load (module.c), in the
 * one pass that validated it.  Nothing of m runs in JIT code yet, which
 * jit_batch_begin checks. */
static const jit_func *tier_code(const exec *ex, wasm_func *f)
{
	wasm_module *m = f->inst->module;
	if (engine_config(m->engine)->tier == WASM_TIER_INTERP)
		return NULL;
	const jit_func *jf = jit_func_get(m, f->index);
	if (jf)
		return jf;
	if (engine_config(m->engine)->tier == WASM_TIER_BASELINE) {
		jit_compile_module(m, ex, baseline_compile_one);
		if ((jf = jit_func_get(m, f->index)))
			goto compiled;
	}
	if (exec_past_deadline(ex) || jit_func_refused(m, f->index) ||
	    !m->funcs[f->index].code)
		return NULL;
	if (!jit_compile(m, f->index))
		return NULL;
compiled:;
	/* Compiled after a loop's counter (OSR): calls from the interpreter
	 * must come here too from now on, whatever the entry count says. */
	struct op_ENTER *enter = OP_AT(m->funcs[f->index].code->code, ENTER);
	uint32_t at = tier_threshold(m->engine);
	if (enter->count < at)
		enter->count = at;
	return jit_func_get(m, f->index);
}

bool jit_tier_enter(wasm_store *s, wasm_func *f, uint64_t *fp, wasm_status *st)
{
	if (!tier_code(&s->ex, f))
		return false;
	*st = jit_run(s, f, fp, NULL);
	return true;
}

bool jit_tier_osr(wasm_store *s, wasm_func *f, uint64_t *fp,
	const uint8_t *loop_ip, wasm_status *st)
{
	const jit_func *jf = tier_code(&s->ex, f);
	if (!jf)
		return false;
	const struct fcode *fc = f->inst->module->funcs[f->index].code;
	uint32_t off = (uint32_t)(loop_ip - fc->code);
	/* the loop's entry in the function's code, else (tier 2 may have no
	 * entry at a loop) in the baseline code it replaced, whose budget
	 * check then asks tier 2 again */
	for (; jf; jf = jf->replaced) {
		uint32_t lo = pairs_find(jf->loops, jf->nloops, off);
		if (lo == UINT32_MAX)
			continue;
		jit_count_osr(f->inst->module, (wasm_tier)jf->tier);
		*st = jit_run_in(s, f, jf, fp, jf->code + jf->loops[lo][1]);
		return true;
	}
	return false;
}
