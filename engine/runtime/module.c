/* module.c -- the public module API: load (decode + validate + check every
 * body), free, and import/export introspection.  Bodies are checked, code
 * freed and statistics gathered by the tiers, through tier_table. */
#include "runtime/tier_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void error_init(wasm_error *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof *err);
	err->status = WASM_OK;
	err->offset = SIZE_MAX;
	err->trap = WASM_TRAP_NONE;
	err->func_index = WASM_NO_INDEX;
}

wasm_status wasm_module_load(wasm_engine *engine, const uint8_t *bytes,
	size_t len, wasm_module **out, wasm_error *err)
{
	wasm_module *m = NULL;
	wasm_status st;
	error_init(err);
	*out = NULL;
	if (!engine || (!bytes && len)) {
		st = err_set(err, WASM_ERR_ARG, SIZE_MAX, "no engine or no bytes");
		goto out;
	}
	st = module_decode(engine, bytes, len, &m, err);
	if (st != WASM_OK)
		goto out;
	st = module_validate(m, err);
	if (st != WASM_OK)
		goto out;
	/* Type ids first: pre-decoded code holds them (call_indirect). */
	for (uint32_t i = 0; i < m->ntypes; i++) {
		functype *t = &m->types[i];
		t->id = engine_intern_type(engine, t->nparams, functype_params(t),
			t->nresults, functype_results(t));
		if (t->id == UINT32_MAX) {
			st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
			goto out;
		}
	}
	/* Tier 0 validates bodies (its pre-decoder checks as it goes), each
	 * once.  --tier=baseline and --tier=opt compile every function at the first call,
	 * so its code is pre-decoded now, in that pass; the other tiers
	 * pre-decode at a function's first call (unused functions cost no
	 * code) and only validate here. */
	const tier_ops *t0 = tier_table[WASM_TIER_INTERP];
	wasm_tier forced = engine_config(engine)->tier;
	bool predecode = forced == WASM_TIER_BASELINE || forced == WASM_TIER_OPT;
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
		st = predecode ? t0->compile(m, i, err) : t0->validate(m, i, err);
		if (st != WASM_OK) {
			if (err && err->func_index == WASM_NO_INDEX)
				err->func_index = i;
			goto out;
		}
	}
	*out = m;
	m = NULL;
out:
	wasm_module_free(m);
	return st;
}

void wasm_module_free(wasm_module *m)
{
	if (!m)
		return;
	/* Highest tier first: JIT code is made from tier 0's code. */
	for (int t = WASM_TIER_COUNT - 1; t >= 0; t--)
		if (tier_table[t] && tier_table[t]->module_free)
			tier_table[t]->module_free(m);
	module_free_contents(m);
	free(m);
}

uint32_t wasm_module_import_count(const wasm_module *m)
{
	return m->nimports;
}

static wasm_functype public_functype(const wasm_module *m, uint32_t type)
{
	const functype *t = &m->types[type];
	return (wasm_functype){
		.nparams = t->nparams,
		.nresults = t->nresults,
		.params = functype_params(t),
		.results = functype_results(t),
	};
}

/* Describe entity `index` of `kind` (in the kind's index space). */
static void describe(const wasm_module *m, wasm_extern_kind kind,
	uint32_t index, wasm_extern_desc *out)
{
	out->kind = kind;
	switch (kind) {
	case WASM_EXTERN_FUNC:
		out->func = public_functype(m, m->funcs[index].type);
		break;
	case WASM_EXTERN_TABLE:
		out->table.elem = m->tables[index].elem;
		out->table.limits = m->tables[index].limits;
		break;
	case WASM_EXTERN_MEMORY:
		out->memory = m->memories[index];
		break;
	case WASM_EXTERN_GLOBAL:
		out->global.type = m->globals[index].type;
		out->global.mut = m->globals[index].mut;
		break;
	}
}

void wasm_module_import(const wasm_module *m, uint32_t i, wasm_extern_desc *out)
{
	const import_t *im = &m->imports[i];
	memset(out, 0, sizeof *out);
	out->module = im->module;
	out->name = im->name;
	out->module_len = im->module_len;
	out->name_len = im->name_len;
	if (im->kind == WASM_EXTERN_FUNC) {
		/* im->index is the type index for functions. */
		out->kind = WASM_EXTERN_FUNC;
		out->func = public_functype(m, im->index);
	} else {
		describe(m, im->kind, im->index, out);
	}
}

uint32_t wasm_module_export_count(const wasm_module *m)
{
	return m->nexports;
}

void wasm_module_export(const wasm_module *m, uint32_t i, wasm_extern_desc *out)
{
	const export_t *ex = &m->exports[i];
	memset(out, 0, sizeof *out);
	out->name = ex->name;
	out->name_len = ex->name_len;
	describe(m, ex->kind, ex->index, out);
}

uint32_t wasm_module_export_find(const wasm_module *m, const char *name)
{
	return wasm_module_export_find_bytes(m, name, strlen(name));
}

uint32_t wasm_module_export_find_bytes(const wasm_module *m, const char *name,
	size_t len)
{
	for (uint32_t i = 0; i < m->nexports; i++) {
		const export_t *ex = &m->exports[i];
		if (ex->name_len == len && memcmp(ex->name, name, len) == 0)
			return i;
	}
	return WASM_NO_INDEX;
}

uint32_t wasm_module_export_index(const wasm_module *m, uint32_t i)
{
	return m->exports[i].index;
}

const char *module_func_name(const wasm_module *m, uint32_t i, size_t *len)
{
	*len = 0;
	if (i >= m->nfuncs)
		return NULL;
	if (m->func_names && m->func_names[i]) {
		*len = strlen(m->func_names[i]);
		return m->func_names[i];
	}
	for (uint32_t k = 0; k < m->nexports; k++) {
		const export_t *ex = &m->exports[k];
		if (ex->kind == WASM_EXTERN_FUNC && ex->index == i) {
			*len = ex->name_len;
			return ex->name;
		}
	}
	return NULL;
}

size_t wasm_name_format(const char *name, size_t name_len, char *buf,
	size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t total = 0, at = 0;
	bool cut = false;

	/* Once to measure, then to write what fits. */
	for (size_t i = 0; i < name_len; i++) {
		unsigned char c = (unsigned char)name[i];
		total += c < 0x20 || c == 0x7f ? 4 : c == '\\' ? 2 : 1;
	}
	size_t room = total < len ? total : len > 4 ? len - 4 : 0;
	for (size_t i = 0; i < name_len && len; i++) {
		unsigned char c = (unsigned char)name[i];
		char e[4];
		size_t n = 1;
		if (c < 0x20 || c == 0x7f) {
			e[0] = '\\'; e[1] = 'x'; e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			n = 4;
		} else if (c == '\\') {
			e[0] = e[1] = '\\';
			n = 2;
		} else {
			e[0] = (char)c;
		}
		if (at + n > room) {
			cut = true;
			break;
		}
		memcpy(buf + at, e, n);
		at += n;
	}
	if (cut && len > 4) {
		memcpy(buf + at, "...", 3);
		at += 3;
	}
	if (len)
		buf[at < len ? at : len - 1] = '\0';
	return total;
}

void wasm_module_stats_get(const wasm_module *m, wasm_module_stats *out)
{
	memset(out, 0, sizeof *out);
	/* The module was decoded, so its section headers are well formed. */
	reader r = { m->bytes, m->bytes + 8, m->bytes + m->len };
	while (r.p < r.end) {
		uint8_t id;
		uint32_t size;
		if (!read_u8(&r, &id, NULL) || !read_u32(&r, &size, NULL) ||
		    size > (size_t)(r.end - r.p))
			break;
		if (id == 10) {
			out->code_section_bytes = size;
			break;
		}
		r.p += size;
	}
	out->nfuncs = m->nfuncs - m->nfunc_imports;
	for (int t = 0; t < WASM_TIER_COUNT; t++)
		if (tier_table[t] && tier_table[t]->stats_get)
			tier_table[t]->stats_get(m, out);
}

/* The tier whose form each dump kind prints. */
static const wasm_tier dump_tiers[] = {
	[WASM_DUMP_PREDECODED] = WASM_TIER_INTERP,
	[WASM_DUMP_BASELINE] = WASM_TIER_BASELINE,
	[WASM_DUMP_OPT] = WASM_TIER_OPT,
};

wasm_status wasm_module_dump(wasm_module *m, uint32_t func_index,
	wasm_dump_kind kind, FILE *out, wasm_error *err)
{
	wasm_status st = WASM_OK;
	if (!m || !out) {
		st = err_set(err, WASM_ERR_ARG, SIZE_MAX, "no module or no output");
		goto out;
	}
	if (func_index != WASM_NO_INDEX &&
	    (func_index < m->nfunc_imports || func_index >= m->nfuncs)) {
		st = err_set(err, WASM_ERR_ARG, SIZE_MAX, func_index < m->nfunc_imports ?
			"function %" PRIu32 " is an import" :
			"no function %" PRIu32, func_index);
		goto out;
	}
	const tier_ops *t = (unsigned)kind < sizeof dump_tiers / sizeof dump_tiers[0] ?
		tier_table[dump_tiers[kind]] : NULL;
	if (!t || !t->dump) {
		st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"no tier prints dump kind %d", (int)kind);
		goto out;
	}
	uint32_t first = func_index == WASM_NO_INDEX ? m->nfunc_imports : func_index;
	uint32_t end = func_index == WASM_NO_INDEX ? m->nfuncs : func_index + 1;
	for (uint32_t fi = first; fi < end; fi++) {
		if (fi > first)
			fputc('\n', out);
		st = t->dump(m, fi, out, err);
		if (st != WASM_OK)
			goto out;
	}
out:
	return st;
}
