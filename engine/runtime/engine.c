/* engine.c -- engine object, configuration and the function-type intern
 * table, hashed (equal signatures get equal ids, across modules and host
 * functions, so call_indirect compares one integer). */
#include "runtime/tier_ops.h"

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

wasm_status wasm_config_check(const wasm_config *cfg, wasm_error *err)
{
	if (!cfg || wasm_tier_available(cfg->tier))
		return WASM_OK;
	return err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
		"unknown tier %d", (int)cfg->tier);
}

wasm_status wasm_engine_create(const wasm_config *cfg, wasm_engine **out,
	wasm_error *err)
{
	wasm_status st;

	*out = NULL;
	if ((st = wasm_config_check(cfg, err)) != WASM_OK)
		return st;
	wasm_engine *e = calloc(1, sizeof *e);
	if (!e)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	if (cfg)
		e->cfg = *cfg;
	else
		wasm_config_default(&e->cfg);
	if (e->cfg.max_stack_slots == 0)
		e->cfg.max_stack_slots = 1u << 20;
	if (e->cfg.max_call_depth == 0)
		e->cfg.max_call_depth = 1u << 16;
	for (int t = 0; t < WASM_TIER_COUNT; t++)
		if (tier_table[t] && tier_table[t]->engine_prime &&
		    tier_in_use(e->cfg.tier, (wasm_tier)t))
			tier_table[t]->engine_prime(e);
	*out = e;
	return WASM_OK;
}

wasm_engine *wasm_engine_new(const wasm_config *cfg)
{
	wasm_engine *e;
	wasm_error err;
	return wasm_engine_create(cfg, &e, &err) == WASM_OK ? e : NULL;
}

void wasm_engine_free(wasm_engine *e)
{
	if (!e)
		return;
	for (uint32_t i = 0; i < e->ntypes; i++)
		free(e->types[i].types);
	free(e->types);
	free(e->index);
	for (int t = WASM_TIER_COUNT - 1; t >= 0; t--)
		if (tier_table[t] && tier_table[t]->engine_free)
			tier_table[t]->engine_free(e);
	free(e);
}

wasm_status wasm_engine_start_compile_thread(wasm_engine *e)
{
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		if (!tier_table[t] || !tier_table[t]->thread_start ||
		    !tier_in_use(e->cfg.tier, (wasm_tier)t))
			continue;
		wasm_status st = tier_table[t]->thread_start(e);
		if (st != WASM_OK)
			return st;
	}
	return WASM_OK;
}

const wasm_config *engine_config(const wasm_engine *e)
{
	return &e->cfg;
}

static uint32_t type_hash(uint32_t nparams, const uint8_t *params,
	uint32_t nresults, const uint8_t *results)
{
	uint32_t h = 2166136261u ^ nparams;           /* FNV-1a */
	for (uint32_t i = 0; i < nparams; i++)
		h = (h ^ params[i]) * 16777619u;
	h = (h ^ 0xffu ^ nresults) * 16777619u;
	for (uint32_t i = 0; i < nresults; i++)
		h = (h ^ results[i]) * 16777619u;
	return h;
}

static bool type_equal(const struct interned_type *t, uint32_t nparams,
	const uint8_t *params, uint32_t nresults, const uint8_t *results)
{
	return t->nparams == nparams && t->nresults == nresults &&
	       (nparams == 0 || memcmp(t->types, params, nparams) == 0) &&
	       (nresults == 0 || memcmp(t->types + nparams, results, nresults) == 0);
}

/* Rebuild the open-addressing index (ids + 1; 0 = empty) at twice the
 * number of types, so lookups stay O(1) on modules with many types. */
static bool index_grow(wasm_engine *e)
{
	uint32_t cap = e->index_cap ? e->index_cap * 2 : 64;
	uint32_t *idx = calloc(cap, sizeof *idx);
	if (!idx)
		return false;
	for (uint32_t id = 0; id < e->ntypes; id++) {
		const struct interned_type *t = &e->types[id];
		uint32_t h = type_hash(t->nparams, t->types, t->nresults, t->types + t->nparams);
		uint32_t k = h & (cap - 1);
		while (idx[k])
			k = (k + 1) & (cap - 1);
		idx[k] = id + 1;
	}
	free(e->index);
	e->index = idx;
	e->index_cap = cap;
	return true;
}

/* Returns UINT32_MAX on allocation failure. */
uint32_t engine_intern_type(wasm_engine *e, uint32_t nparams,
	const uint8_t *params, uint32_t nresults, const uint8_t *results)
{
	if (2 * (e->ntypes + 1) > e->index_cap && !index_grow(e))
		return UINT32_MAX;
	uint32_t h = type_hash(nparams, params, nresults, results);
	uint32_t k = h & (e->index_cap - 1);
	while (e->index[k]) {
		uint32_t id = e->index[k] - 1;
		if (type_equal(&e->types[id], nparams, params, nresults, results))
			return id;
		k = (k + 1) & (e->index_cap - 1);
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
	e->index[k] = e->ntypes + 1;
	return e->ntypes++;
}
