/* validate.c -- module-level validation (everything but function bodies,
 * which interp/predecode.c checks).
 *
 * The order of checks follows the reference interpreter (imports, function
 * types, tables, memories, globals, element and data segments, start,
 * exports) so that a module with several faults reports the same one.
 * Messages are the spec suite's assert_invalid texts; "unknown X" carries
 * the index, as the reference's do.
 */
#include "front/module.h"

#include <stdlib.h>
#include <string.h>

static wasm_status invalid(wasm_error *err, size_t offset, const char *msg)
{
	return err_set(err, WASM_ERR_INVALID, offset, "%s", msg);
}

static wasm_status check_table_type(const tabletype *t, wasm_error *err)
{
	if (t->limits.has_max && t->limits.min > t->limits.max)
		return invalid(err, SIZE_MAX,
			"size minimum must not be greater than maximum");
	return WASM_OK;
}

static wasm_status check_memory_type(const wasm_limits *l, wasm_error *err)
{
	if (l->min > WASM_MAX_PAGES || (l->has_max && l->max > WASM_MAX_PAGES))
		return invalid(err, SIZE_MAX,
			"memory size must be at most 65536 pages (4GiB)");
	if (l->has_max && l->min > l->max)
		return invalid(err, SIZE_MAX,
			"size minimum must not be greater than maximum");
	return WASM_OK;
}

/* Type a constant expression in the context the spec calls C' (all
 * functions, tables and memories, but only the imported globals).
 * *type receives its result type. */
static wasm_status const_expr_type(const wasm_module *m, const constexpr_t *c,
	uint8_t *type, wasm_error *err)
{
	switch (c->kind) {
	case CONST_I32: *type = WASM_I32; return WASM_OK;
	case CONST_I64: *type = WASM_I64; return WASM_OK;
	case CONST_F32: *type = WASM_F32; return WASM_OK;
	case CONST_F64: *type = WASM_F64; return WASM_OK;
	case CONST_V128: *type = WASM_V128; return WASM_OK;
	case CONST_REF_NULL: *type = c->reftype; return WASM_OK;
	case CONST_REF_FUNC:
		if (c->index >= m->nfuncs)
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"unknown function %u", c->index);
		*type = WASM_FUNCREF;
		return WASM_OK;
	case CONST_GLOBAL_GET:
		if (c->index >= m->nglobal_imports)
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"unknown global %u", c->index);
		if (m->globals[c->index].mut)
			return invalid(err, SIZE_MAX, "constant expression required");
		*type = m->globals[c->index].type;
		return WASM_OK;
	default:
		return invalid(err, SIZE_MAX, "constant expression required");
	}
}

static wasm_status check_const_expr(const wasm_module *m, const constexpr_t *c,
	uint8_t want, wasm_error *err)
{
	uint8_t t = 0;
	wasm_status st = const_expr_type(m, c, &t, err);
	if (st != WASM_OK)
		return st;
	if (t != want)
		return invalid(err, SIZE_MAX, "type mismatch");
	return WASM_OK;
}

static wasm_status check_imports(const wasm_module *m, wasm_error *err)
{
	for (uint32_t i = 0; i < m->nimports; i++) {
		const import_t *im = &m->imports[i];
		wasm_status st = WASM_OK;
		switch (im->kind) {
		case WASM_EXTERN_FUNC:
			if (im->index >= m->ntypes)
				st = err_set(err, WASM_ERR_INVALID, SIZE_MAX,
					"unknown type %u", im->index);
			break;
		case WASM_EXTERN_TABLE:
			st = check_table_type(&m->tables[im->index], err);
			break;
		case WASM_EXTERN_MEMORY:
			st = check_memory_type(&m->memories[im->index], err);
			break;
		default:
			break;
		}
		if (st != WASM_OK)
			return st;
	}
	return WASM_OK;
}

static wasm_status check_elems(const wasm_module *m, wasm_error *err)
{
	for (uint32_t i = 0; i < m->nelems; i++) {
		const elem_t *e = &m->elems[i];
		wasm_status st;
		for (uint32_t k = 0; k < e->count; k++) {
			st = check_const_expr(m, &e->items[k], e->type, err);
			if (st != WASM_OK)
				return st;
		}
		if (e->mode != SEG_ACTIVE)
			continue;
		if (e->table >= m->ntables)
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"unknown table %u", e->table);
		if (m->tables[e->table].elem != e->type)
			return invalid(err, SIZE_MAX, "type mismatch");
		st = check_const_expr(m, &e->offset, WASM_I32, err);
		if (st != WASM_OK)
			return st;
	}
	return WASM_OK;
}

static wasm_status check_datas(const wasm_module *m, wasm_error *err)
{
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const data_t *ds = &m->datas[i];
		if (ds->mode != SEG_ACTIVE)
			continue;
		if (ds->memory >= m->nmemories)
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"unknown memory %u", ds->memory);
		wasm_status st = check_const_expr(m, &ds->offset, WASM_I32, err);
		if (st != WASM_OK)
			return st;
	}
	return WASM_OK;
}

static int export_cmp(const export_t *x, const export_t *y)
{
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return memcmp(x->name, y->name, x->name_len);
}

/* Sorts v[0..n) by export_cmp: a bottom-up merge sort through tmp (n
 * entries), O(n log n) in time and no memory of its own.  Not libc's qsort:
 * glibc's calls sysinfo() for arrays over 1 KiB (128 pointers), and a
 * confined worker's seccomp filter kills the process on sysinfo. */
static void exports_sort(const export_t **v, const export_t **tmp, size_t n)
{
	const export_t **src = v, **dst = tmp;

	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = mid + width < n ? mid + width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = export_cmp(src[j], src[i]) < 0 ?
					src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		const export_t **t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
}

/* Export indices in range and names unique (sorted, so O(n log n) even
 * for the LIMIT_EXPORTS exports a hostile module may carry). */
static wasm_status check_exports(const wasm_module *m, wasm_error *err)
{
	const export_t **sorted = NULL;
	wasm_status st = WASM_OK;
	for (uint32_t i = 0; i < m->nexports; i++) {
		const export_t *ex = &m->exports[i];
		static const char *const what[] = {
			"function", "table", "memory", "global"
		};
		const uint32_t count[] = {
			m->nfuncs, m->ntables, m->nmemories, m->nglobals
		};
		if (ex->index >= count[ex->kind]) {
			st = err_set(err, WASM_ERR_INVALID, SIZE_MAX, "unknown %s %u",
				what[ex->kind], ex->index);
			goto out;
		}
	}
	if (m->nexports < 2)
		goto out;
	sorted = malloc(2 * (size_t)m->nexports * sizeof *sorted);
	if (!sorted) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < m->nexports; i++)
		sorted[i] = &m->exports[i];
	exports_sort(sorted, sorted + m->nexports, m->nexports);
	for (uint32_t i = 1; i < m->nexports; i++) {
		if (export_cmp(sorted[i - 1], sorted[i]) == 0) {
			st = invalid(err, SIZE_MAX, "duplicate export name");
			goto out;
		}
	}
out:
	free(sorted);
	return st;
}

wasm_status module_validate(const wasm_module *m, wasm_error *err)
{
	wasm_status st = check_imports(m, err);
	if (st != WASM_OK)
		return st;
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
		if (m->funcs[i].type >= m->ntypes)
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"unknown type %u", m->funcs[i].type);
	for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
		if ((st = check_table_type(&m->tables[i], err)) != WASM_OK)
			return st;
	for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++)
		if ((st = check_memory_type(&m->memories[i], err)) != WASM_OK)
			return st;
	for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
		st = check_const_expr(m, &m->global_inits[i], m->globals[i].type, err);
		if (st != WASM_OK)
			return st;
	}
	if ((st = check_elems(m, err)) != WASM_OK ||
	    (st = check_datas(m, err)) != WASM_OK)
		return st;
	if (m->has_start) {
		if (m->start >= m->nfuncs)
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"unknown function %u", m->start);
		const functype *t = &m->types[m->funcs[m->start].type];
		if (t->nparams || t->nresults)
			return invalid(err, SIZE_MAX, "start function");
	}
	if ((st = check_exports(m, err)) != WASM_OK)
		return st;
	if (m->nmemories > 1)
		return invalid(err, SIZE_MAX, "multiple memories");
	return WASM_OK;
}
