/* tier_baseline.c -- tier 1, the baseline JIT, as an entry of the tier
 * table (runtime/tier_ops.h).  The work is done by tier.c (when to
 * compile, entering JIT code, OSR), jit_code.c (code memory, statistics,
 * pc lookup) and the compiler in base/; this file only adapts. */
#include "jit/jit.h"
#include "runtime/tier_ops.h"

static wasm_status baseline_compile(wasm_module *m, uint32_t func_index,
	wasm_error *err)
{
	if (jit_func_get(m, func_index))
		return WASM_OK;
	if (!m->funcs[func_index].code)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX,
			"function %u has no pre-decoded code", func_index);
	if (jit_func_refused(m, func_index) || !jit_compile(m, func_index))
		return err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"baseline JIT did not compile function %u", func_index);
	return WASM_OK;
}

static void baseline_module_free(wasm_module *m)
{
	jit_module_free(m->jit);
	m->jit = NULL;
}

/* JIT code names its function and instruction by the pc. */
static bool baseline_fault_lookup(const exec *ex, const tier_fault *at,
	wasm_func **func, size_t *wasm_offset)
{
	uint32_t fi;
	if (!jit_fault_lookup(ex, at->pc, &fi, wasm_offset))
		return false;
	*func = ex->cur_func->inst->funcs[fi];
	return true;
}

static void baseline_engine_prime(wasm_engine *e)
{
	(void)e;
	jit_prime();
}

static void baseline_engine_free(wasm_engine *e)
{
	jit_region_free(e->jit_region);
	e->jit_region = NULL;
}

const tier_ops tier_baseline = {
	.tier = WASM_TIER_BASELINE,
	.compile = baseline_compile,
	.threshold = jit_tier_threshold,
	.enter = jit_tier_enter,
	.osr = jit_tier_osr,
	.module_free = baseline_module_free,
	.stats_get = jit_stats_get,
	.fault_lookup = baseline_fault_lookup,
	.engine_prime = baseline_engine_prime,
	.engine_free = baseline_engine_free,
	.dump = jit_dump_func,
};
