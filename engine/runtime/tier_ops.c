/* tier_ops.c -- the runtime's and the interpreter's calls into the tiers,
 * through tier_table (see tier_ops.h). */
#include "runtime/tier_ops.h"

#include <time.h>

uint64_t tier_compile_clock_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

wasm_status tier_call(wasm_store *s, wasm_func *f, uint64_t *sp)
{
	return tier_table[WASM_TIER_INTERP]->call(s, f, sp);
}

/* The tier the interpreter hands warm code to: the JIT tier e is forced
 * to (--tier=baseline, --tier=opt), else the lowest JIT tier that takes
 * functions from it, or NULL. */
static const tier_ops *tier_up(const wasm_engine *e)
{
	wasm_tier cfg = engine_config(e)->tier;
	if (cfg > WASM_TIER_INTERP && cfg < WASM_TIER_COUNT && tier_table[cfg] &&
	    tier_table[cfg]->enter)
		return tier_table[cfg];
	for (int t = WASM_TIER_INTERP + 1; t < WASM_TIER_COUNT; t++)
		if (tier_table[t] && tier_table[t]->enter)
			return tier_table[t];
	return NULL;
}

uint32_t tier_threshold(const wasm_engine *e)
{
	const tier_ops *up = tier_up(e);
	return up ? up->threshold(e) : UINT32_MAX;
}

bool tier_enter(wasm_store *s, wasm_func *f, uint64_t *fp, wasm_status *st)
{
	const tier_ops *up = tier_up(f->inst->module->engine);
	return up && up->enter(s, f, fp, st);
}

bool tier_osr(wasm_store *s, wasm_func *f, uint64_t *fp,
	const uint8_t *loop_ip, wasm_status *st)
{
	const tier_ops *up = tier_up(f->inst->module->engine);
	return up && up->osr(s, f, fp, loop_ip, st);
}
