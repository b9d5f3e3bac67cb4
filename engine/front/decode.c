/* decode.c -- the WebAssembly 2.0 binary format into struct wasm_module.
 *
 * Decoding is purely syntactic: index ranges, types of constant expressions
 * and the like are left to validate.c, and function bodies to
 * interp/predecode.c (we only record where each body starts and ends).
 *
 * Error texts follow the spec test suite's assert_malformed texts.  To get
 * the same text as the reference interpreter for truncated or overlong
 * sections, we read section contents the way it does:
 *   - the contents of a non-custom section are read with the reader bounded
 *     by the end of the module, not of the section; reading past the
 *     declared size is then reported as "section size mismatch";
 *   - a length or count (vector size, name length, section size) larger
 *     than the bytes left from where the length itself starts is "length
 *     out of bounds" (see read_len);
 *   - running out of bytes inside a non-custom section is "unexpected end of
 *     section or function"; in the header, a section header or a custom
 *     section it is "unexpected end".
 *
 * Allocation is bounded by the input: every count is checked against the
 * bytes left before anything is allocated for it, and every item takes at
 * least one byte, so a module of n bytes never allocates more than a small
 * multiple of n (plus fixed limits such as LIMIT_FUNC_LOCALS).
 */
#include "front/module.h"
#include "front/opcodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_EOS "unexpected end of section or function"

enum {
	SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_TABLE,
	SEC_MEMORY, SEC_GLOBAL, SEC_EXPORT, SEC_START, SEC_ELEMENT, SEC_CODE,
	SEC_DATA, SEC_DATACOUNT, SEC_COUNT_
};

/* Position of each section id in the required order (datacount sits
 * between element and code). */
static const uint8_t section_rank[SEC_COUNT_] = {
	[SEC_TYPE] = 1, [SEC_IMPORT] = 2, [SEC_FUNCTION] = 3, [SEC_TABLE] = 4,
	[SEC_MEMORY] = 5, [SEC_GLOBAL] = 6, [SEC_EXPORT] = 7, [SEC_START] = 8,
	[SEC_ELEMENT] = 9, [SEC_DATACOUNT] = 10, [SEC_CODE] = 11,
	[SEC_DATA] = 12,
};

/* Decoder state.  err is always non-NULL (module_decode passes a local
 * record and copies it out). */
typedef struct {
	reader r;
	wasm_module *m;
	wasm_error *err;
	uint32_t ndefined_funcs;     /* from the function section */
	bool seen_code, seen_data;
	const uint8_t *names, *names_end; /* payload of the "name" section */
} decoder;

/* ---- small readers ---------------------------------------------------- */

static bool malformed(decoder *d, size_t offset, const char *msg)
{
	err_set(d->err, WASM_ERR_MALFORMED, offset, "%s", msg);
	return false;
}

/* A length or count.  Like the reference interpreter, the bound is the
 * bytes left counted from the start of the LEB128 itself. */
static bool read_len(reader *r, uint32_t *out, wasm_error *err)
{
	size_t start = reader_offset(r);
	if (!read_u32(r, out, err))
		return false;
	if (*out > (size_t)(r->end - (r->base + start))) {
		err_set(err, WASM_ERR_MALFORMED, start, "length out of bounds");
		return false;
	}
	return true;
}

/* n raw bytes; *out points into the module. */
static bool read_bytes(reader *r, uint32_t n, const uint8_t **out,
	wasm_error *err)
{
	if (n > (size_t)(r->end - r->p)) {
		err_set(err, WASM_ERR_MALFORMED, reader_offset(r), MSG_EOS);
		return false;
	}
	*out = r->p;
	r->p += n;
	return true;
}

/* A name: length, then that many bytes of valid UTF-8. */
static bool read_name(reader *r, const uint8_t **s, uint32_t *len,
	wasm_error *err)
{
	if (!read_len(r, len, err))
		return false;
	size_t at = reader_offset(r);
	if (!read_bytes(r, *len, s, err))
		return false;
	if (!utf8_valid(*s, *len)) {
		err_set(err, WASM_ERR_MALFORMED, at, "malformed UTF-8 encoding");
		return false;
	}
	return true;
}

static char *dup_name(const uint8_t *s, uint32_t len)
{
	char *c = malloc((size_t)len + 1);
	if (c) {
		memcpy(c, s, len);
		c[len] = 0;
	}
	return c;
}

static bool nomem(decoder *d)
{
	err_set(d->err, WASM_ERR_NOMEM, reader_offset(&d->r), "out of memory");
	return false;
}

/* A one-byte signed LEB128 (the reference reads type codes as s7): a set
 * continuation bit makes it "integer representation too long". */
static bool read_s7(reader *r, uint8_t *out, wasm_error *err)
{
	size_t at = reader_offset(r);
	if (!read_u8(r, out, err))
		return false;
	if (*out & 0x80) {
		err_set(err, WASM_ERR_MALFORMED, at, "integer representation too long");
		return false;
	}
	return true;
}

static bool read_valtype(reader *r, uint8_t *out, wasm_error *err)
{
	size_t at = reader_offset(r);
	if (!read_s7(r, out, err))
		return false;
	switch (*out) {
	case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64:
	case WASM_V128: case WASM_FUNCREF: case WASM_EXTERNREF:
		return true;
	default:
		err_set(err, WASM_ERR_MALFORMED, at, "malformed value type");
		return false;
	}
}

static bool read_reftype(reader *r, uint8_t *out, wasm_error *err)
{
	size_t at = reader_offset(r);
	if (!read_s7(r, out, err))
		return false;
	if (*out != WASM_FUNCREF && *out != WASM_EXTERNREF) {
		err_set(err, WASM_ERR_MALFORMED, at, "malformed reference type");
		return false;
	}
	return true;
}

/* Limits: the flag is a 1-bit LEB128 (0 = min only, 1 = min and max). */
static bool read_limits(reader *r, wasm_limits *l, wasm_error *err)
{
	size_t at = reader_offset(r);
	uint8_t flag;
	if (!read_u8(r, &flag, err))
		return false;
	if (flag & 0x80) {
		err_set(err, WASM_ERR_MALFORMED, at, "integer representation too long");
		return false;
	}
	if (flag > 1) {
		err_set(err, WASM_ERR_MALFORMED, at, "integer too large");
		return false;
	}
	if (!read_u32(r, &l->min, err))
		return false;
	l->has_max = flag == 1;
	l->max = 0;
	if (l->has_max && !read_u32(r, &l->max, err))
		return false;
	return true;
}

static bool read_tabletype(reader *r, tabletype *t, wasm_error *err)
{
	return read_reftype(r, &t->elem, err) && read_limits(r, &t->limits, err);
}

static bool read_globaltype(reader *r, globaltype *g, wasm_error *err)
{
	if (!read_valtype(r, &g->type, err))
		return false;
	size_t at = reader_offset(r);
	uint8_t mut;
	if (!read_u8(r, &mut, err))
		return false;
	if (mut > 1) {
		err_set(err, WASM_ERR_MALFORMED, at, "malformed mutability");
		return false;
	}
	g->mut = mut;
	return true;
}

/* A first byte that starts a Wasm 2.0 instruction: a one-byte opcode of
 * the table or a prefix. */
static bool opcode_known(uint8_t op)
{
	return wasm_opcode_lookup(0, op) || op == WOP_PREFIX_MISC ||
	       op == WOP_PREFIX_SIMD;
}

/* A constant expression: exactly one constant instruction, then `end`.
 * A sequence of several constant instructions (or none) decodes but is
 * invalid ("type mismatch", as the reference's stack typing says); any
 * other known instruction is "constant expression required"; an unknown
 * opcode is malformed. */
static bool read_const_expr(reader *r, constexpr_t *ce, wasm_error *err)
{
	size_t start = reader_offset(r);
	uint32_t n = 0;
	memset(ce, 0, sizeof *ce);
	for (;;) {
		constexpr_t c = { 0 };
		size_t at = reader_offset(r);
		uint8_t op;
		if (!read_u8(r, &op, err))
			return false;
		switch (op) {
		case WOP_END:
			if (n != 1) {
				err_set(err, WASM_ERR_INVALID, start, "type mismatch");
				return false;
			}
			return true;
		case WOP_I32_CONST: {
			int32_t v;
			if (!read_s32(r, &v, err))
				return false;
			c.kind = CONST_I32;
			c.bits = (uint32_t)v;
			break;
		}
		case WOP_I64_CONST: {
			int64_t v;
			if (!read_s64(r, &v, err))
				return false;
			c.kind = CONST_I64;
			c.bits = (uint64_t)v;
			break;
		}
		case WOP_F32_CONST: {
			uint32_t v;
			if (!read_f32(r, &v, err))
				return false;
			c.kind = CONST_F32;
			c.bits = v;
			break;
		}
		case WOP_F64_CONST:
			if (!read_f64(r, &c.bits, err))
				return false;
			c.kind = CONST_F64;
			break;
		case WOP_REF_NULL:
			if (!read_reftype(r, &c.reftype, err))
				return false;
			c.kind = CONST_REF_NULL;
			break;
		case WOP_REF_FUNC:
			if (!read_u32(r, &c.index, err))
				return false;
			c.kind = CONST_REF_FUNC;
			break;
		case WOP_GLOBAL_GET:
			if (!read_u32(r, &c.index, err))
				return false;
			c.kind = CONST_GLOBAL_GET;
			break;
		case WOP_PREFIX_SIMD: {
			uint32_t sub;
			if (!read_u32(r, &sub, err))
				return false;
			if (wasm_opcode_key(WOP_PREFIX_SIMD, sub) != WOP_V128_CONST) {
				if (wasm_opcode_lookup(WOP_PREFIX_SIMD, sub))
					err_set(err, WASM_ERR_INVALID, at,
						"constant expression required");
				else
					err_set(err, WASM_ERR_MALFORMED, at,
						"illegal opcode");
				return false;
			}
			if (!read_v128(r, &c.bits, &c.bits_hi, err))
				return false;
			c.kind = CONST_V128;
			break;
		}
		default:
			if (opcode_known(op))
				err_set(err, WASM_ERR_INVALID, at,
					"constant expression required");
			else
				err_set(err, WASM_ERR_MALFORMED, at, "illegal opcode");
			return false;
		}
		if (n++ == 0)
			*ce = c;
	}
}

/* Grow a module array of `elem`-sized items from n to n + more items
 * (zeroed).  The caller has bounded `more` by the input size. */
static bool grow(decoder *d, void **arr, uint32_t n, uint32_t more,
	size_t elem)
{
	size_t total = (size_t)n + more;
	if (more == 0)
		return true;
	void *p = realloc(*arr, total * elem);
	if (!p)
		return nomem(d);
	memset((uint8_t *)p + (size_t)n * elem, 0, (size_t)more * elem);
	*arr = p;
	return true;
}

/* A vector count, bounded by the bytes left and by `limit` (0 = none). */
static bool read_count(decoder *d, uint32_t *n, uint32_t limit,
	const char *what)
{
	size_t at = reader_offset(&d->r);
	if (!read_len(&d->r, n, d->err))
		return false;
	if (limit && *n > limit) {
		err_set(d->err, WASM_ERR_LIMIT, at, "too many %s (%u, limit %u)",
			what, *n, limit);
		return false;
	}
	return true;
}

/* ---- sections --------------------------------------------------------- */

static bool dec_types(decoder *d)
{
	wasm_module *m = d->m;
	uint32_t n;
	if (!read_count(d, &n, LIMIT_TYPES, "types"))
		return false;
	m->types = calloc(n ? n : 1, sizeof *m->types);
	if (!m->types)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		functype *t = &m->types[i];
		size_t at = reader_offset(&d->r);
		uint8_t form;
		if (!read_s7(&d->r, &form, d->err))
			return false;
		if (form != 0x60)
			return malformed(d, at, "malformed function type");
		uint32_t np, nr;
		if (!read_count(d, &np, LIMIT_FUNC_PARAMS, "parameters"))
			return false;
		/* Types are read twice: the result count follows the params. */
		uint8_t *types = malloc((size_t)np + 1);
		if (!types)
			return nomem(d);
		t->types = types;
		m->ntypes = i + 1;
		for (uint32_t k = 0; k < np; k++)
			if (!read_valtype(&d->r, &types[k], d->err))
				return false;
		if (!read_count(d, &nr, LIMIT_FUNC_RESULTS, "results"))
			return false;
		types = realloc(t->types, (size_t)np + nr + 1);
		if (!types)
			return nomem(d);
		t->types = types;
		for (uint32_t k = 0; k < nr; k++)
			if (!read_valtype(&d->r, &types[np + k], d->err))
				return false;
		t->nparams = np;
		t->nresults = nr;
	}
	return true;
}

/* Imported functions, tables, memories and globals come first in their
 * index spaces; the arrays are sized for n imports of each kind up front
 * (n is bounded by the input) and trimmed by the later sections' grow(). */
static bool dec_imports(decoder *d)
{
	wasm_module *m = d->m;
	reader *r = &d->r;
	uint32_t n;
	if (!read_count(d, &n, LIMIT_IMPORTS, "imports"))
		return false;
	m->imports = calloc(n ? n : 1, sizeof *m->imports);
	if (!m->imports)
		return nomem(d);
	if (!grow(d, (void **)&m->funcs, 0, n, sizeof *m->funcs) ||
	    !grow(d, (void **)&m->tables, 0, n, sizeof *m->tables) ||
	    !grow(d, (void **)&m->memories, 0, n, sizeof *m->memories) ||
	    !grow(d, (void **)&m->globals, 0, n, sizeof *m->globals) ||
	    !grow(d, (void **)&m->global_inits, 0, n, sizeof *m->global_inits))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		import_t *im = &m->imports[i];
		const uint8_t *s;
		uint32_t len;
		m->nimports = i + 1;
		if (!read_name(r, &s, &len, d->err))
			return false;
		if (!(im->module = dup_name(s, len)))
			return nomem(d);
		im->module_len = len;
		if (!read_name(r, &s, &len, d->err))
			return false;
		if (!(im->name = dup_name(s, len)))
			return nomem(d);
		im->name_len = len;
		size_t at = reader_offset(r);
		if (!read_u8(r, &im->kind, d->err))
			return false;
		switch (im->kind) {
		case WASM_EXTERN_FUNC:
			if (!read_u32(r, &im->index, d->err))
				return false;
			m->funcs[m->nfuncs++].type = im->index;
			m->nfunc_imports = m->nfuncs;
			break;
		case WASM_EXTERN_TABLE:
			if (!read_tabletype(r, &m->tables[m->ntables], d->err))
				return false;
			im->index = m->ntables++;
			m->ntable_imports = m->ntables;
			break;
		case WASM_EXTERN_MEMORY:
			if (!read_limits(r, &m->memories[m->nmemories], d->err))
				return false;
			im->index = m->nmemories++;
			m->nmemory_imports = m->nmemories;
			break;
		case WASM_EXTERN_GLOBAL:
			if (!read_globaltype(r, &m->globals[m->nglobals], d->err))
				return false;
			im->index = m->nglobals++;
			m->nglobal_imports = m->nglobals;
			break;
		default:
			return malformed(d, at, "malformed import kind");
		}
	}
	return true;
}

static bool dec_functions(decoder *d)
{
	wasm_module *m = d->m;
	uint32_t n;
	size_t at = reader_offset(&d->r);
	if (!read_count(d, &n, 0, NULL))
		return false;
	if (n > LIMIT_FUNCS - m->nfuncs) {
		err_set(d->err, WASM_ERR_LIMIT, at, "too many functions (limit %u)",
			LIMIT_FUNCS);
		return false;
	}
	if (!grow(d, (void **)&m->funcs, m->nfuncs, n, sizeof *m->funcs))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (!read_u32(&d->r, &m->funcs[m->nfuncs].type, d->err))
			return false;
		m->nfuncs++;
	}
	d->ndefined_funcs = n;
	return true;
}

static bool dec_tables(decoder *d)
{
	wasm_module *m = d->m;
	uint32_t n;
	if (!read_count(d, &n, 0, NULL))
		return false;
	if (!grow(d, (void **)&m->tables, m->ntables, n, sizeof *m->tables))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (!read_tabletype(&d->r, &m->tables[m->ntables], d->err))
			return false;
		m->ntables++;
	}
	return true;
}

static bool dec_memories(decoder *d)
{
	wasm_module *m = d->m;
	uint32_t n;
	if (!read_count(d, &n, 0, NULL))
		return false;
	if (!grow(d, (void **)&m->memories, m->nmemories, n, sizeof *m->memories))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (!read_limits(&d->r, &m->memories[m->nmemories], d->err))
			return false;
		m->nmemories++;
	}
	return true;
}

static bool dec_globals(decoder *d)
{
	wasm_module *m = d->m;
	uint32_t n;
	if (!read_count(d, &n, 0, NULL))
		return false;
	if (!grow(d, (void **)&m->globals, m->nglobals, n, sizeof *m->globals) ||
	    !grow(d, (void **)&m->global_inits, m->nglobals, n,
		  sizeof *m->global_inits))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (!read_globaltype(&d->r, &m->globals[m->nglobals], d->err) ||
		    !read_const_expr(&d->r, &m->global_inits[m->nglobals], d->err))
			return false;
		m->nglobals++;
	}
	return true;
}

static bool dec_exports(decoder *d)
{
	wasm_module *m = d->m;
	uint32_t n;
	if (!read_count(d, &n, LIMIT_EXPORTS, "exports"))
		return false;
	m->exports = calloc(n ? n : 1, sizeof *m->exports);
	if (!m->exports)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		export_t *ex = &m->exports[i];
		const uint8_t *s;
		m->nexports = i + 1;
		if (!read_name(&d->r, &s, &ex->name_len, d->err))
			return false;
		if (!(ex->name = dup_name(s, ex->name_len)))
			return nomem(d);
		size_t at = reader_offset(&d->r);
		if (!read_u8(&d->r, &ex->kind, d->err))
			return false;
		if (ex->kind > WASM_EXTERN_GLOBAL)
			return malformed(d, at, "malformed export kind");
		if (!read_u32(&d->r, &ex->index, d->err))
			return false;
	}
	return true;
}

static bool dec_start(decoder *d)
{
	d->m->has_start = true;
	return read_u32(&d->r, &d->m->start, d->err);
}

/* Element segment flags (Wasm 2.0): bit 0 passive/declarative, bit 1
 * explicit table index (active) or declarative (bit 0 set), bit 2 items
 * are expressions rather than function indices. */
static bool dec_elem(decoder *d, elem_t *e)
{
	reader *r = &d->r;
	size_t at = reader_offset(r);
	uint32_t flags;
	if (!read_u32(r, &flags, d->err))
		return false;
	if (flags > 7)
		return malformed(d, at, "malformed elements segment kind");
	bool exprs = flags & 4;
	e->type = WASM_FUNCREF;
	e->table = 0;
	if (!(flags & 1)) {
		e->mode = SEG_ACTIVE;
		if ((flags & 2) && !read_u32(r, &e->table, d->err))
			return false;
		if (!read_const_expr(&d->r, &e->offset, d->err))
			return false;
	} else {
		e->mode = (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
	}
	if (flags & 3) {
		if (exprs) {
			if (!read_reftype(r, &e->type, d->err))
				return false;
		} else {
			uint8_t kind;
			at = reader_offset(r);
			if (!read_u8(r, &kind, d->err))
				return false;
			if (kind != 0x00)
				return malformed(d, at, "malformed element kind");
		}
	}
	uint32_t n;
	if (!read_count(d, &n, 0, NULL))
		return false;
	e->items = calloc(n ? n : 1, sizeof *e->items);
	if (!e->items)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		if (exprs) {
			if (!read_const_expr(&d->r, &e->items[i], d->err))
				return false;
		} else {
			e->items[i].kind = CONST_REF_FUNC;
			if (!read_u32(r, &e->items[i].index, d->err))
				return false;
		}
		e->count = i + 1;
	}
	return true;
}

static bool dec_elems(decoder *d)
{
	wasm_module *m = d->m;
	uint32_t n;
	if (!read_count(d, &n, 0, NULL))
		return false;
	m->elems = calloc(n ? n : 1, sizeof *m->elems);
	if (!m->elems)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		m->nelems = i + 1;
		if (!dec_elem(d, &m->elems[i]))
			return false;
	}
	return true;
}

static bool dec_datacount(decoder *d)
{
	d->m->has_datacount = true;
	return read_u32(&d->r, &d->m->datacount, d->err);
}

/* Locals of one body in [r->p, r->end): sum the declarations first (the
 * spec's bound is 2^32 - 1; ours is LIMIT_FUNC_LOCALS), then fill. */
static bool dec_locals(decoder *d, reader *r, func_t *f)
{
	wasm_module *m = d->m;
	uint32_t ndecl;
	if (!read_len(r, &ndecl, d->err))
		return false;
	const uint8_t *decls = r->p;
	uint64_t total = 0;
	size_t at = reader_offset(r);
	for (uint32_t i = 0; i < ndecl; i++) {
		uint32_t cnt;
		uint8_t t;
		if (!read_u32(r, &cnt, d->err))
			return false;
		total += cnt;
		if (total > UINT32_MAX)
			return malformed(d, at, "too many locals");
		if (!read_valtype(r, &t, d->err))
			return false;
	}
	uint64_t nparams = f->type < m->ntypes ? m->types[f->type].nparams : 0;
	if (total + nparams > LIMIT_FUNC_LOCALS) {
		err_set(d->err, WASM_ERR_LIMIT, at,
			"too many locals (%llu, limit %u)",
			(unsigned long long)(total + nparams), LIMIT_FUNC_LOCALS);
		return false;
	}
	f->local_types = malloc(total ? total : 1);
	if (!f->local_types)
		return nomem(d);
	f->nlocals = (uint32_t)total;
	/* Second pass over declarations already checked above. */
	reader again = { r->base, decls, r->p };
	uint32_t k = 0;
	for (uint32_t i = 0; i < ndecl; i++) {
		uint32_t cnt;
		if (!read_u32(&again, &cnt, d->err))
			return false;
		uint8_t t = *again.p++;
		memset(f->local_types + k, t, cnt);
		k += cnt;
	}
	return true;
}

static bool dec_code(decoder *d)
{
	wasm_module *m = d->m;
	reader *r = &d->r;
	size_t at = reader_offset(r);
	uint32_t n;
	if (!read_count(d, &n, 0, NULL))
		return false;
	d->seen_code = true;
	if (n != d->ndefined_funcs)
		return malformed(d, at,
			"function and code section have inconsistent lengths");
	for (uint32_t i = 0; i < n; i++) {
		func_t *f = &m->funcs[m->nfunc_imports + i];
		uint32_t size;
		at = reader_offset(r);
		if (!read_len(r, &size, d->err))
			return false;
		if (size > LIMIT_BODY_BYTES) {
			err_set(d->err, WASM_ERR_LIMIT, at,
				"function body too large (%u bytes, limit %u)",
				size, LIMIT_BODY_BYTES);
			return false;
		}
		const uint8_t *body;
		if (!read_bytes(r, size, &body, d->err))
			return false;
		reader br = { r->base, body, body + size };
		if (!dec_locals(d, &br, f))
			return false;
		f->body_offset = (uint32_t)reader_offset(&br);
		f->body_end = (uint32_t)(body + size - r->base);
	}
	return true;
}

static bool dec_datas(decoder *d)
{
	wasm_module *m = d->m;
	reader *r = &d->r;
	size_t at = reader_offset(r);
	uint32_t n;
	if (!read_count(d, &n, 0, NULL))
		return false;
	d->seen_data = true;
	if (m->has_datacount && n != m->datacount)
		return malformed(d, at,
			"data count and data section have inconsistent lengths");
	m->datas = calloc(n ? n : 1, sizeof *m->datas);
	if (!m->datas)
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		data_t *ds = &m->datas[i];
		uint32_t flags;
		m->ndatas = i + 1;
		at = reader_offset(r);
		if (!read_u32(r, &flags, d->err))
			return false;
		if (flags > 2)
			return malformed(d, at, "malformed data segment kind");
		ds->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
		if (flags == 2 && !read_u32(r, &ds->memory, d->err))
			return false;
		if (flags != 1 && !read_const_expr(&d->r, &ds->offset, d->err))
			return false;
		if (!read_len(r, &ds->len, d->err) ||
		    !read_bytes(r, ds->len, &ds->bytes, d->err))
			return false;
	}
	return true;
}

/* Custom section in [r->p, end): the name is checked, the payload skipped;
 * the first "name" section is remembered for dec_names. */
static bool dec_custom(decoder *d, const uint8_t *end)
{
	reader cr = { d->r.base, d->r.p, end };
	const uint8_t *s;
	uint32_t len;
	if (!read_name(&cr, &s, &len, d->err))
		return false;
	if (len == 4 && memcmp(s, "name", 4) == 0 && !d->names) {
		d->names = cr.p;
		d->names_end = end;
	}
	d->r.p = end;
	return true;
}

/* Function names (subsection 1 of the "name" section).  Best effort: a
 * malformed name section is ignored, as the spec asks. */
static void dec_names(decoder *d)
{
	wasm_module *m = d->m;
	wasm_error scratch;
	reader r = { d->r.base, d->names, d->names_end };
	while (r.p < r.end) {
		uint8_t id;
		uint32_t size, n;
		if (!read_u8(&r, &id, &scratch) || !read_u32(&r, &size, &scratch) ||
		    size > (size_t)(r.end - r.p))
			goto bad;
		reader sub = { r.base, r.p, r.p + size };
		r.p += size;
		if (id != 1)
			continue;
		if (!read_len(&sub, &n, &scratch))
			goto bad;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t idx, len;
			const uint8_t *s;
			if (!read_u32(&sub, &idx, &scratch) ||
			    !read_name(&sub, &s, &len, &scratch))
				goto bad;
			if (idx >= m->nfuncs)
				continue;
			if (!m->func_names) {
				m->func_names = calloc(m->nfuncs, sizeof *m->func_names);
				if (!m->func_names)
					goto bad;
			}
			if (m->func_names[idx])
				continue;
			if (!(m->func_names[idx] = dup_name(s, len)))
				goto bad;
		}
	}
	return;
bad:
	if (m->func_names) {
		for (uint32_t i = 0; i < m->nfuncs; i++)
			free(m->func_names[i]);
		free(m->func_names);
		m->func_names = NULL;
	}
}

static void set_ref(wasm_module *m, const constexpr_t *c)
{
	if (c->kind == CONST_REF_FUNC && c->index < m->nfuncs)
		m->func_refs[c->index / 8] |= (uint8_t)(1u << (c->index % 8));
}

/* The spec's C.refs: functions named by ref.func in element segments and
 * global initialisers, and exported functions.  Purely syntactic, so it is
 * computed here; out-of-range indices are left to validate.c. */
static bool compute_func_refs(decoder *d)
{
	wasm_module *m = d->m;
	m->func_refs = calloc((size_t)m->nfuncs / 8 + 1, 1);
	if (!m->func_refs)
		return nomem(d);
	for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
		set_ref(m, &m->global_inits[i]);
	for (uint32_t i = 0; i < m->nelems; i++)
		for (uint32_t k = 0; k < m->elems[i].count; k++)
			set_ref(m, &m->elems[i].items[k]);
	for (uint32_t i = 0; i < m->nexports; i++) {
		const export_t *ex = &m->exports[i];
		if (ex->kind == WASM_EXTERN_FUNC) {
			constexpr_t c = { .kind = CONST_REF_FUNC, .index = ex->index };
			set_ref(m, &c);
		}
	}
	return true;
}

static bool dec_section(decoder *d, uint8_t id)
{
	switch (id) {
	case SEC_TYPE: return dec_types(d);
	case SEC_IMPORT: return dec_imports(d);
	case SEC_FUNCTION: return dec_functions(d);
	case SEC_TABLE: return dec_tables(d);
	case SEC_MEMORY: return dec_memories(d);
	case SEC_GLOBAL: return dec_globals(d);
	case SEC_EXPORT: return dec_exports(d);
	case SEC_START: return dec_start(d);
	case SEC_ELEMENT: return dec_elems(d);
	case SEC_CODE: return dec_code(d);
	case SEC_DATA: return dec_datas(d);
	case SEC_DATACOUNT: return dec_datacount(d);
	default: return malformed(d, reader_offset(&d->r), "malformed section id");
	}
}

static bool dec_module(decoder *d)
{
	reader *r = &d->r;
	static const uint8_t magic[4] = { 0x00, 'a', 's', 'm' };
	static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };
	size_t avail = (size_t)(r->end - r->p);
	if (avail < 4)
		return malformed(d, avail, "unexpected end");
	if (memcmp(r->p, magic, 4) != 0)
		return malformed(d, 0, "magic header not detected");
	if (avail < 8)
		return malformed(d, avail, "unexpected end");
	if (memcmp(r->p + 4, version, 4) != 0)
		return malformed(d, 4, "unknown binary version");
	r->p += 8;

	unsigned last_rank = 0;
	while (r->p < r->end) {
		size_t id_at = reader_offset(r);
		uint8_t id;
		uint32_t size;
		if (!read_u8(r, &id, d->err))
			return false;
		if (id >= SEC_COUNT_)
			return malformed(d, id_at, "malformed section id");
		if (id != SEC_CUSTOM) {
			if (section_rank[id] <= last_rank)
				return malformed(d, id_at,
					"unexpected content after last section");
			last_rank = section_rank[id];
		}
		size_t size_at = reader_offset(r);
		if (!read_u32(r, &size, d->err))
			return false;
		if (size > (size_t)(r->end - r->p))
			return malformed(d, size_at, "length out of bounds");
		const uint8_t *end = r->p + size;
		if (id == SEC_CUSTOM) {
			if (!dec_custom(d, end))
				return false;
			continue;
		}
		if (!dec_section(d, id)) {
			if (d->err->status == WASM_ERR_MALFORMED &&
			    strcmp(d->err->message, "unexpected end") == 0)
				snprintf(d->err->message, sizeof d->err->message,
					"%s", MSG_EOS);
			return false;
		}
		if (r->p != end)
			return malformed(d, reader_offset(r) < (size_t)(end - r->base)
				? reader_offset(r) : (size_t)(end - r->base),
				"section size mismatch");
	}
	if (d->ndefined_funcs && !d->seen_code)
		return malformed(d, reader_offset(r),
			"function and code section have inconsistent lengths");
	if (d->m->has_datacount && d->m->datacount && !d->seen_data)
		return malformed(d, reader_offset(r),
			"data count and data section have inconsistent lengths");
	if (d->names)
		dec_names(d);
	return compute_func_refs(d);
}

wasm_status module_decode(wasm_engine *engine, const uint8_t *bytes,
	size_t len, wasm_module **out, wasm_error *err)
{
	wasm_error e = { .status = WASM_OK, .offset = SIZE_MAX };
	wasm_status st = WASM_OK;
	*out = NULL;
	if (len > UINT32_MAX) {
		st = err_set(&e, WASM_ERR_LIMIT, 0, "module too large");
		goto out;
	}
	wasm_module *m = calloc(1, sizeof *m);
	if (!m) {
		st = err_set(&e, WASM_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	m->engine = engine;
	m->len = len;
	m->bytes = malloc(len ? len : 1);
	if (!m->bytes) {
		free(m);
		st = err_set(&e, WASM_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (len)
		memcpy(m->bytes, bytes, len);
	decoder d = {
		.r = { m->bytes, m->bytes, m->bytes + len },
		.m = m,
		.err = &e,
	};
	if (!dec_module(&d)) {
		st = e.status;
		module_free_contents(m);
		free(m);
		goto out;
	}
	*out = m;
out:
	if (err && st != WASM_OK) {
		err->status = e.status;
		err->offset = e.offset;
		memcpy(err->message, e.message, sizeof err->message);
	}
	return st;
}

void module_free_contents(wasm_module *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->ntypes; i++)
		free(m->types[i].types);
	free(m->types);
	for (uint32_t i = 0; i < m->nimports; i++) {
		free(m->imports[i].module);
		free(m->imports[i].name);
	}
	free(m->imports);
	for (uint32_t i = 0; i < m->nfuncs; i++)
		free(m->funcs[i].local_types);
	free(m->funcs);
	free(m->tables);
	free(m->memories);
	free(m->globals);
	free(m->global_inits);
	for (uint32_t i = 0; i < m->nexports; i++)
		free(m->exports[i].name);
	free(m->exports);
	for (uint32_t i = 0; i < m->nelems; i++)
		free(m->elems[i].items);
	free(m->elems);
	free(m->datas);
	free(m->func_refs);
	if (m->func_names) {
		for (uint32_t i = 0; i < m->nfuncs; i++)
			free(m->func_names[i]);
		free(m->func_names);
	}
	free(m->bytes);
	memset(m, 0, sizeof *m);
}
