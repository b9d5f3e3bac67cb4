/* engine.c -- engine object, configuration and the function-type intern
 * table (equal signatures get equal ids, across modules and host
 * functions, so call_indirect compares one integer). */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

struct interned_type {
	uint32_t nparams, nresults;
	uint8_t *types;
};

void wasm_config_default(wasm_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->tier = WASM_TIER_INTERP;
	cfg->max_stack_slots = 1u << 20;
	cfg->max_call_depth = 1u << 16;
}

wasm_engine *wasm_engine_new(const wasm_config *cfg)
{
	wasm_engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	if (cfg)
		e->cfg = *cfg;
	else
		wasm_config_default(&e->cfg);
	if (e->cfg.max_stack_slots == 0)
		e->cfg.max_stack_slots = 1u << 20;
	if (e->cfg.max_call_depth == 0)
		e->cfg.max_call_depth = 1u << 16;
	return e;
}

void wasm_engine_free(wasm_engine *e)
{
	if (!e)
		return;
	for (uint32_t i = 0; i < e->ntypes; i++)
		free(e->types[i].types);
	free(e->types);
	free(e);
}

const wasm_config *engine_config(const wasm_engine *e)
{
	return &e->cfg;
}

/* Linear search is fine: modules have few distinct signatures and this
 * runs at load time only.  Returns UINT32_MAX on allocation failure. */
uint32_t engine_intern_type(wasm_engine *e, uint32_t nparams,
	const uint8_t *params, uint32_t nresults, const uint8_t *results)
{
	for (uint32_t i = 0; i < e->ntypes; i++) {
		struct interned_type *t = &e->types[i];
		if (t->nparams == nparams && t->nresults == nresults &&
		    (nparams == 0 || memcmp(t->types, params, nparams) == 0) &&
		    (nresults == 0 || memcmp(t->types + nparams, results, nresults) == 0))
			return i;
	}
	if (e->ntypes == e->cap_types) {
		uint32_t cap = e->cap_types ? e->cap_types * 2 : 16;
		struct interned_type *nt = realloc(e->types, cap * sizeof *nt);
		if (!nt)
			return UINT32_MAX;
		e->types = nt;
		e->cap_types = cap;
	}
	uint8_t *buf = malloc(nparams + nresults + 1);
	if (!buf)
		return UINT32_MAX;
	if (nparams)
		memcpy(buf, params, nparams);
	if (nresults)
		memcpy(buf + nparams, results, nresults);
	e->types[e->ntypes] = (struct interned_type){ nparams, nresults, buf };
	return e->ntypes++;
}
