/* tier_table.c -- the one place that names the tiers (see
 * runtime/tier_ops.h).  A tier this build does not have has no entry. */
#include "interp/fcode.h"
#include "jit/jit.h"
#include "jit/opt/opt.h"
#include "runtime/tier_ops.h"

const tier_ops *const tier_table[WASM_TIER_COUNT] = {
	[WASM_TIER_INTERP] = &tier_interp,
	[WASM_TIER_BASELINE] = &tier_baseline,
	[WASM_TIER_OPT] = &tier_opt,
};
