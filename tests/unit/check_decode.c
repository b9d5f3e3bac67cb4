/* check_decode.c -- decoder, module validation and the module API.
 *
 * Modules are built by hand, byte by byte, so every test states exactly
 * what is on the wire.  Three groups: core (valid modules of each section
 * kind decode into the right struct), limits (huge counts, implementation
 * limits, truncation at every length) and errors (malformed and invalid
 * modules: status, message and byte offset).
 */
#include "front/opcodes.h"
#include "runtime/runtime.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a tiny module builder -------------------------------------------- */

typedef struct {
	uint8_t *b;
	size_t n, cap;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
	if (w->n + n > w->cap) {
		w->cap = (w->n + n) * 2 + 64;
		w->b = realloc(w->b, w->cap);
		ck_assert_ptr_nonnull(w->b);
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put_u8(wbuf *w, uint8_t v) { put(w, &v, 1); }

static void put_u32(wbuf *w, uint32_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		put_u8(w, b | (v ? 0x80 : 0));
	} while (v);
}

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

static void wb_init(wbuf *w)
{
	static const uint8_t hdr[] = { HDR };
	memset(w, 0, sizeof *w);
	put(w, hdr, sizeof hdr);
}

static void wb_section(wbuf *w, uint8_t id, const uint8_t *c, size_t n)
{
	put_u8(w, id);
	put_u32(w, (uint32_t)n);
	put(w, c, n);
}

#define SEC(w, id, ...) do {                                              \
		static const uint8_t c_[] = { __VA_ARGS__ };              \
		wb_section((w), (id), c_, sizeof c_);                     \
	} while (0)

static wasm_engine *engine;

static void setup(void) { engine = wasm_engine_new(NULL); }
static void teardown(void) { wasm_engine_free(engine); engine = NULL; }

static wasm_status load(const uint8_t *b, size_t n, wasm_module **m,
	wasm_error *e)
{
	return wasm_module_load(engine, b, n, m, e);
}

/* Load a module that must be valid. */
static wasm_module *load_ok(const wbuf *w)
{
	wasm_module *m = NULL;
	wasm_error e;
	wasm_status st = load(w->b, w->n, &m, &e);
	ck_assert_msg(st == WASM_OK, "load failed: %s: %s at %zu",
		wasm_status_name(st), e.message, e.offset);
	ck_assert_ptr_nonnull(m);
	return m;
}

/* Sections shared by several tests. */
#define TYPE_V_V 0x01, 0x04, 0x01, 0x60, 0x00, 0x00       /* [] -> [] */
#define FUNC_1 0x03, 0x02, 0x01, 0x00                      /* 1 func, type 0 */
#define CODE_1 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b          /* body: end */

/* ---- core ------------------------------------------------------------- */

/* module_func_name without the length. */
static const char *func_name(const wasm_module *m, uint32_t i)
{
	size_t len;
	return module_func_name(m, i, &len);
}

START_TEST(empty_module)
{
	static const uint8_t b[] = { HDR };
	wasm_module *m;
	wasm_error e;
	ck_assert_int_eq(load(b, sizeof b, &m, &e), WASM_OK);
	ck_assert_uint_eq(wasm_module_import_count(m), 0);
	ck_assert_uint_eq(wasm_module_export_count(m), 0);
	ck_assert_uint_eq(wasm_module_export_find(m, "x"), WASM_NO_INDEX);
	ck_assert_uint_eq(m->nfuncs, 0);
	ck_assert_ptr_nonnull(m->func_refs);
	wasm_module_free(m);
}
END_TEST

START_TEST(types_and_imports)
{
	wbuf w;
	wb_init(&w);
	/* (i32 i64) -> (f32), () -> (f64 externref) */
	SEC(&w, 1, 0x02, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d,
		0x60, 0x00, 0x02, 0x7c, 0x6f);
	SEC(&w, 2, 0x04,
		0x01, 'm', 0x01, 'f', 0x00, 0x01,                   /* func type 1 */
		0x01, 'm', 0x01, 't', 0x01, 0x70, 0x01, 0x02, 0x05, /* table 2..5 */
		0x01, 'm', 0x02, 'm', 'e', 0x02, 0x00, 0x03,         /* memory 3.. */
		0x01, 'm', 0x01, 'g', 0x03, 0x7e, 0x01);             /* mut i64 */
	wasm_module *m = load_ok(&w);
	ck_assert_uint_eq(m->ntypes, 2);
	ck_assert_uint_eq(m->types[0].nparams, 2);
	ck_assert_uint_eq(functype_results(&m->types[0])[0], WASM_F32);
	ck_assert_uint_eq(m->types[0].id == m->types[1].id, 0);
	ck_assert_uint_eq(wasm_module_import_count(m), 4);
	ck_assert_uint_eq(m->nfunc_imports, 1);
	ck_assert_uint_eq(m->ntable_imports, 1);
	ck_assert_uint_eq(m->nmemory_imports, 1);
	ck_assert_uint_eq(m->nglobal_imports, 1);

	wasm_extern_desc d;
	wasm_module_import(m, 0, &d);
	ck_assert_int_eq(d.kind, WASM_EXTERN_FUNC);
	ck_assert_str_eq(d.module, "m");
	ck_assert_str_eq(d.name, "f");
	ck_assert_uint_eq(d.func.nparams, 0);
	ck_assert_uint_eq(d.func.nresults, 2);
	ck_assert_uint_eq(d.func.results[1], WASM_EXTERNREF);
	wasm_module_import(m, 1, &d);
	ck_assert_int_eq(d.kind, WASM_EXTERN_TABLE);
	ck_assert_uint_eq(d.table.elem, WASM_FUNCREF);
	ck_assert_uint_eq(d.table.limits.min, 2);
	ck_assert_uint_eq(d.table.limits.max, 5);
	ck_assert(d.table.limits.has_max);
	wasm_module_import(m, 2, &d);
	ck_assert_int_eq(d.kind, WASM_EXTERN_MEMORY);
	ck_assert_str_eq(d.name, "me");
	ck_assert_uint_eq(d.memory.min, 3);
	ck_assert(!d.memory.has_max);
	wasm_module_import(m, 3, &d);
	ck_assert_int_eq(d.kind, WASM_EXTERN_GLOBAL);
	ck_assert_uint_eq(d.global.type, WASM_I64);
	ck_assert(d.global.mut);
	wasm_module_free(m);
	free(w.b);
}
END_TEST

START_TEST(functions_code_locals)
{
	wbuf w;
	wb_init(&w);
	SEC(&w, 1, 0x01, 0x60, 0x01, 0x7f, 0x00);            /* (i32) -> () */
	SEC(&w, 3, 0x02, 0x00, 0x00);
	size_t code_at = w.n;
	SEC(&w, 10, 0x02,
		0x07, 0x02, 0x02, 0x7e, 0x01, 0x7d, 0x01, 0x0b, /* 2 i64, f32; nop */
		0x02, 0x00, 0x0b);
	wasm_module *m = load_ok(&w);
	ck_assert_uint_eq(m->nfuncs, 2);
	const func_t *f = &m->funcs[0];
	ck_assert_uint_eq(f->nlocals, 3);
	ck_assert_uint_eq(f->local_types[0], WASM_I64);
	ck_assert_uint_eq(f->local_types[1], WASM_I64);
	ck_assert_uint_eq(f->local_types[2], WASM_F32);
	/* section id, size, count, body size, 5 bytes of locals */
	ck_assert_uint_eq(f->body_offset, code_at + 4 + 5);
	ck_assert_uint_eq(f->body_end, code_at + 4 + 7);
	ck_assert_uint_eq(m->bytes[f->body_offset], 0x01);
	ck_assert_uint_eq(m->funcs[1].nlocals, 0);
	ck_assert_uint_eq(m->funcs[1].body_offset, code_at + 13);
	ck_assert_uint_eq(m->funcs[1].body_end, code_at + 14);
	wasm_module_free(m);
	free(w.b);
}
END_TEST

START_TEST(tables_memories_globals_exports_start)
{
	wbuf w;
	wb_init(&w);
	static const uint8_t b[] = {
		HDR, TYPE_V_V, FUNC_1,
		0x04, 0x07, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x00, /* tables */
		0x05, 0x04, 0x01, 0x01, 0x01, 0x02,                   /* memory 1..2 */
		0x06, 0x13, 0x03,
		0x7f, 0x00, 0x41, 0x7f, 0x0b,                         /* i32 -1 */
		0x7d, 0x01, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b,       /* mut f32 1.0 */
		0x70, 0x00, 0xd2, 0x00, 0x0b,                         /* ref.func 0 */
		0x07, 0x0f, 0x03,
		0x01, 'f', 0x00, 0x00,
		0x03, 'm', 'e', 'm', 0x02, 0x00,
		0x01, 'g', 0x03, 0x01,
		0x08, 0x01, 0x00,                                     /* start 0 */
		CODE_1,
	};
	put(&w, b + 8, sizeof b - 8);
	wasm_module *m = load_ok(&w);
	ck_assert_uint_eq(m->ntables, 2);
	ck_assert_uint_eq(m->tables[1].elem, WASM_EXTERNREF);
	ck_assert_uint_eq(m->tables[0].limits.min, 1);
	ck_assert_uint_eq(m->nmemories, 1);
	ck_assert_uint_eq(m->memories[0].max, 2);
	ck_assert_uint_eq(m->nglobals, 3);
	ck_assert_uint_eq(m->global_inits[0].kind, CONST_I32);
	ck_assert_uint_eq((uint32_t)m->global_inits[0].bits, 0xffffffffu);
	ck_assert_uint_eq(m->global_inits[1].bits, 0x3f800000u);
	ck_assert(m->globals[1].mut);
	ck_assert_uint_eq(m->global_inits[2].kind, CONST_REF_FUNC);
	ck_assert(m->has_start);
	ck_assert_uint_eq(m->start, 0);
	ck_assert_uint_eq(wasm_module_export_count(m), 3);
	ck_assert_uint_eq(wasm_module_export_find(m, "mem"), 1);
	ck_assert_uint_eq(wasm_module_export_find(m, "me"), WASM_NO_INDEX);
	wasm_extern_desc d;
	wasm_module_export(m, 2, &d);
	ck_assert_int_eq(d.kind, WASM_EXTERN_GLOBAL);
	ck_assert_ptr_null(d.module);
	ck_assert_str_eq(d.name, "g");
	ck_assert_uint_eq(d.global.type, WASM_F32);
	wasm_module_export(m, 0, &d);
	ck_assert_int_eq(d.kind, WASM_EXTERN_FUNC);
	ck_assert_uint_eq(d.func.nparams, 0);
	ck_assert_str_eq(func_name(m, 0), "f");
	ck_assert(m->func_refs[0] & 1);
	wasm_module_free(m);
	free(w.b);
}
END_TEST

/* All eight element segment encodings of Wasm 2.0. */
START_TEST(element_segments)
{
	static const uint8_t b[] = {
		HDR,
		0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
		0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
		0x04, 0x07, 0x02, 0x70, 0x00, 0x04, 0x70, 0x00, 0x04,
		0x09, 0x38, 0x08,
		0x00, 0x41, 0x00, 0x0b, 0x01, 0x00,             /* 0: active t0 */
		0x01, 0x00, 0x01, 0x01,                         /* 1: passive */
		0x02, 0x01, 0x41, 0x01, 0x0b, 0x00, 0x01, 0x02, /* 2: active t1 */
		0x03, 0x00, 0x01, 0x02,                         /* 3: declarative */
		0x04, 0x41, 0x02, 0x0b, 0x02,                   /* 4: exprs, t0 */
		0xd2, 0x00, 0x0b, 0xd0, 0x70, 0x0b,
		0x05, 0x6f, 0x01, 0xd0, 0x6f, 0x0b,             /* 5: passive */
		0x06, 0x01, 0x41, 0x00, 0x0b, 0x70, 0x01,       /* 6: active t1 */
		0xd2, 0x01, 0x0b,
		0x07, 0x70, 0x01, 0xd2, 0x00, 0x0b,             /* 7: declarative */
		0x0a, 0x0a, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,
		0x02, 0x00, 0x0b,
	};
	wasm_module *m;
	wasm_error e;
	wasm_status st = load(b, sizeof b, &m, &e);
	ck_assert_msg(st == WASM_OK, "%s at %zu", e.message, e.offset);
	ck_assert_uint_eq(m->nelems, 8);
	static const uint8_t modes[8] = {
		SEG_ACTIVE, SEG_PASSIVE, SEG_ACTIVE, SEG_DECLARATIVE,
		SEG_ACTIVE, SEG_PASSIVE, SEG_ACTIVE, SEG_DECLARATIVE,
	};
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(m->elems[i].mode, modes[i]);
	ck_assert_uint_eq(m->elems[2].table, 1);
	ck_assert_uint_eq((uint32_t)m->elems[2].offset.bits, 1);
	ck_assert_uint_eq(m->elems[2].items[0].index, 2);
	ck_assert_uint_eq(m->elems[4].count, 2);
	ck_assert_uint_eq(m->elems[4].items[1].kind, CONST_REF_NULL);
	ck_assert_uint_eq(m->elems[5].type, WASM_EXTERNREF);
	ck_assert_uint_eq(m->elems[6].table, 1);
	/* C.refs: functions 0, 1 and 2 all appear in segments */
	ck_assert_uint_eq(m->func_refs[0] & 7, 7);
	wasm_module_free(m);
}
END_TEST

START_TEST(data_segments)
{
	static const uint8_t b[] = {
		HDR,
		0x05, 0x03, 0x01, 0x00, 0x01,
		0x0c, 0x01, 0x03,                                   /* datacount */
		0x0b, 0x13, 0x03,
		0x00, 0x41, 0x08, 0x0b, 0x02, 'h', 'i',
		0x01, 0x03, 'a', 'b', 'c',
		0x02, 0x00, 0x41, 0x00, 0x0b, 0x00,
	};
	wasm_module *m;
	wasm_error e;
	ck_assert_int_eq(load(b, sizeof b, &m, &e), WASM_OK);
	ck_assert(m->has_datacount);
	ck_assert_uint_eq(m->ndatas, 3);
	ck_assert_uint_eq(m->datas[0].mode, SEG_ACTIVE);
	ck_assert_uint_eq(m->datas[0].offset.bits, 8);
	ck_assert_uint_eq(m->datas[0].len, 2);
	ck_assert(m->datas[0].bytes >= m->bytes &&
		  m->datas[0].bytes < m->bytes + m->len);
	ck_assert_int_eq(memcmp(m->datas[0].bytes, "hi", 2), 0);
	ck_assert_uint_eq(m->datas[1].mode, SEG_PASSIVE);
	ck_assert_int_eq(memcmp(m->datas[1].bytes, "abc", 3), 0);
	ck_assert_uint_eq(m->datas[2].len, 0);
	wasm_module_free(m);
}
END_TEST

START_TEST(custom_and_name_sections)
{
	static const uint8_t b[] = {
		HDR,
		0x00, 0x04, 0x03, 'a', 'b', 'c',                    /* custom first */
		0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
		0x00, 0x01, 0x00,                                   /* empty name */
		0x03, 0x03, 0x02, 0x00, 0x00,
		0x07, 0x07, 0x01, 0x03, 'e', 'x', 'p', 0x00, 0x01,
		0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,
		/* "name": module name (subsection 0), then function 0 = "first" */
		0x00, 0x14, 0x04, 'n', 'a', 'm', 'e',
		0x00, 0x03, 0x02, 'm', 'o',
		0x01, 0x08, 0x01, 0x00, 0x05, 'f', 'i', 'r', 's', 't',
	};
	wasm_module *m;
	wasm_error e;
	wasm_status st = load(b, sizeof b, &m, &e);
	ck_assert_msg(st == WASM_OK, "%s at %zu", e.message, e.offset);
	ck_assert_str_eq(func_name(m, 0), "first");
	ck_assert_str_eq(func_name(m, 1), "exp");
	ck_assert_ptr_null(func_name(m, 2));
	wasm_module_free(m);
}
END_TEST

/* A malformed name section is ignored, never an error. */
START_TEST(malformed_name_section_ignored)
{
	static const uint8_t b[] = {
		HDR, TYPE_V_V, FUNC_1,
		0x07, 0x05, 0x01, 0x01, 'e', 0x00, 0x00,
		CODE_1,
		/* function names: name length 9 runs past the subsection */
		0x00, 0x0d, 0x04, 'n', 'a', 'm', 'e',
		0x01, 0x06, 0x01, 0x00, 0x09, 'f', 'i', 'r',
	};
	wasm_module *m;
	wasm_error e;
	wasm_status st = load(b, sizeof b, &m, &e);
	ck_assert_msg(st == WASM_OK, "%s at %zu", e.message, e.offset);
	ck_assert_ptr_null(m->func_names);
	ck_assert_str_eq(func_name(m, 0), "e");
	wasm_module_free(m);
}
END_TEST

/* ---- limits ----------------------------------------------------------- */

/* Counts far beyond the input fail before anything is allocated for them
 * (an allocation of 2^32 items would abort or be caught by ASan). */
START_TEST(huge_counts)
{
	static const uint8_t types[] = { HDR, 0x01, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x60 };
	static const uint8_t funcs[] = { HDR, 0x03, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f };
	static const uint8_t elems[] = { HDR, 0x09, 0x0a, 0x01, 0x01, 0x00,
		0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00 };
	static const uint8_t data[] = { HDR, 0x0b, 0x0a, 0x01, 0x01,
		0xff, 0xff, 0xff, 0xff, 0x0f, 'a', 'b', 'c' };
	static const uint8_t name[] = { HDR, 0x00, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a' };
	const struct { const uint8_t *b; size_t n; size_t off; } cases[] = {
		{ types, sizeof types, 10 }, { funcs, sizeof funcs, 10 },
		{ elems, sizeof elems, 13 }, { data, sizeof data, 12 },
		{ name, sizeof name, 10 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wasm_module *m;
		wasm_error e;
		ck_assert_int_eq(load(cases[i].b, cases[i].n, &m, &e),
			WASM_ERR_MALFORMED);
		ck_assert_ptr_null(m);
		ck_assert_str_eq(e.message, "length out of bounds");
		ck_assert_uint_eq(e.offset, cases[i].off);
	}
}
END_TEST

START_TEST(locals_limit)
{
	/* 50001 i32 locals: valid Wasm, over our limit. */
	static const uint8_t over[] = {
		HDR, TYPE_V_V, FUNC_1,
		0x0a, 0x08, 0x01, 0x06, 0x01, 0xd1, 0x86, 0x03, 0x7f, 0x0b,
	};
	/* 0xffffffff + 2 locals: more than the spec's 2^32 - 1. */
	static const uint8_t overflow[] = {
		HDR, TYPE_V_V, FUNC_1,
		0x0a, 0x0c, 0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f,
		0x02, 0x7e, 0x0b,
	};
	/* exactly 50000 */
	static const uint8_t at_limit[] = {
		HDR, TYPE_V_V, FUNC_1,
		0x0a, 0x08, 0x01, 0x06, 0x01, 0xd0, 0x86, 0x03, 0x7f, 0x0b,
	};
	wasm_module *m;
	wasm_error e;
	ck_assert_int_eq(load(over, sizeof over, &m, &e), WASM_ERR_LIMIT);
	ck_assert_msg(strncmp(e.message, "too many locals", 15) == 0, "%s", e.message);
	ck_assert_uint_eq(e.offset, 23);
	ck_assert_int_eq(load(overflow, sizeof overflow, &m, &e), WASM_ERR_MALFORMED);
	ck_assert_str_eq(e.message, "too many locals");
	ck_assert_int_eq(load(at_limit, sizeof at_limit, &m, &e), WASM_OK);
	ck_assert_uint_eq(m->funcs[0].nlocals, 50000);
	wasm_module_free(m);
}
END_TEST

START_TEST(params_limit)
{
	wbuf w;
	wb_init(&w);
	put_u8(&w, 1);
	put_u32(&w, 1 + 1 + 2 + LIMIT_FUNC_PARAMS + 1 + 1 - 1);
	put_u8(&w, 1);
	put_u8(&w, 0x60);
	put_u32(&w, LIMIT_FUNC_PARAMS + 1);
	for (uint32_t i = 0; i < LIMIT_FUNC_PARAMS + 1; i++)
		put_u8(&w, WASM_I32);
	put_u8(&w, 0);
	wasm_module *m;
	wasm_error e;
	ck_assert_int_eq(load(w.b, w.n, &m, &e), WASM_ERR_LIMIT);
	ck_assert_uint_eq(e.offset, 13);  /* the parameter count */
	free(w.b);
}
END_TEST

START_TEST(memory_pages_limit)
{
	static const uint8_t ok[] = { HDR, 0x05, 0x06, 0x01, 0x01, 0x00, 0x80, 0x80, 0x04 };
	static const uint8_t over[] = { HDR, 0x05, 0x05, 0x01, 0x00, 0x81, 0x80, 0x04 };
	wasm_module *m;
	wasm_error e;
	ck_assert_int_eq(load(ok, sizeof ok, &m, &e), WASM_OK);
	wasm_module_free(m);
	ck_assert_int_eq(load(over, sizeof over, &m, &e), WASM_ERR_INVALID);
	ck_assert_str_eq(e.message, "memory size must be at most 65536 pages (4GiB)");
}
END_TEST

/* A module with every section, cut at every length: each prefix loads or
 * fails cleanly with a message. */
START_TEST(truncation_every_length)
{
	static const uint8_t b[] = {
		HDR,
		0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00,
		0x02, 0x0d, 0x02, 0x01, 'm', 0x01, 'f', 0x00, 0x01,
		0x01, 'm', 0x00, 0x03, 0x7f, 0x00,
		0x03, 0x02, 0x01, 0x00,
		0x04, 0x04, 0x01, 0x70, 0x00, 0x01,
		0x05, 0x03, 0x01, 0x00, 0x01,
		0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x2a, 0x0b,
		0x07, 0x05, 0x01, 0x01, 'r', 0x00, 0x01,
		0x08, 0x01, 0x01,
		0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x01,
		0x0c, 0x01, 0x01,
		0x0a, 0x07, 0x01, 0x05, 0x01, 0x01, 0x7e, 0x01, 0x0b,
		0x0b, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i',
		0x00, 0x0a, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x03, 0x01, 0x01, 0x00,
	};
	wasm_module *m;
	wasm_error e;
	ck_assert_int_eq(load(b, sizeof b, &m, &e), WASM_OK);
	wasm_module_free(m);
	unsigned failed = 0;
	for (size_t n = 0; n < sizeof b; n++) {
		/* A fresh heap copy so ASan/valgrind see any overread. */
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, b, n);
		m = NULL;
		wasm_status st = load(p, n, &m, &e);
		free(p);
		if (st == WASM_OK) {
			wasm_module_free(m);
			continue;
		}
		failed++;
		ck_assert_ptr_null(m);
		ck_assert_msg(st == WASM_ERR_MALFORMED || st == WASM_ERR_INVALID,
			"len %zu: %s", n, wasm_status_name(st));
		ck_assert_msg(e.message[0] != 0, "len %zu: empty message", n);
		ck_assert_msg(e.offset == SIZE_MAX || e.offset <= n,
			"len %zu: offset %zu", n, e.offset);
	}
	/* Only cuts at section boundaries can be valid modules. */
	ck_assert_uint_ge(failed, sizeof b - 14);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ })

struct bad_case {
	const char *what;
	const uint8_t *b;
	size_t n;
	wasm_status st;
	const char *msg;   /* exact, or a prefix when ending in '*' */
	size_t offset;     /* SIZE_MAX: unknown (validation errors) */
};

static void run_bad_cases(const struct bad_case *c, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		wasm_module *m = (wasm_module *)1;
		wasm_error e;
		wasm_status st = load(c[i].b, c[i].n, &m, &e);
		ck_assert_msg(st == c[i].st, "%s: status %s, want %s (%s)",
			c[i].what, wasm_status_name(st),
			wasm_status_name(c[i].st), e.message);
		ck_assert_msg(m == NULL, "%s: module not NULL", c[i].what);
		size_t ml = strlen(c[i].msg);
		bool prefix = ml && c[i].msg[ml - 1] == '*';
		ck_assert_msg(prefix ? strncmp(e.message, c[i].msg, ml - 1) == 0
				     : strcmp(e.message, c[i].msg) == 0,
			"%s: message \"%s\", want \"%s\"", c[i].what, e.message,
			c[i].msg);
		ck_assert_msg(e.offset == c[i].offset, "%s: offset %zu, want %zu",
			c[i].what, e.offset, c[i].offset);
	}
}

#define MAL WASM_ERR_MALFORMED
#define INV WASM_ERR_INVALID

START_TEST(malformed_modules)
{
	const struct bad_case cases[] = {
		{ "one byte", BYTES(0x00), MAL, "unexpected end", 1 },
		{ "short magic", BYTES(0x00, 'a', 's'), MAL, "unexpected end", 3 },
		{ "bad magic", BYTES(0x00, 'a', 's', 'X', 1, 0, 0, 0), MAL,
		  "magic header not detected", 0 },
		{ "short version", BYTES(0x00, 'a', 's', 'm', 1), MAL,
		  "unexpected end", 5 },
		{ "bad version", BYTES(0x00, 'a', 's', 'm', 2, 0, 0, 0), MAL,
		  "unknown binary version", 4 },
		{ "section id", BYTES(HDR, 0x0d, 0x00), MAL, "malformed section id", 8 },
		{ "section size", BYTES(HDR, 0x01, 0x05, 0x01), MAL,
		  "length out of bounds", 9 },
		{ "section order", BYTES(HDR, 0x03, 0x01, 0x00, 0x01, 0x01, 0x00),
		  MAL, "unexpected content after last section", 11 },
		{ "two start sections", BYTES(HDR, TYPE_V_V, FUNC_1, 0x08, 0x01, 0x00,
		  0x08, 0x01, 0x00, CODE_1), MAL,
		  "unexpected content after last section", 21 },
		{ "type count short", BYTES(HDR, 0x01, 0x04, 0x02, 0x60, 0x00, 0x00),
		  MAL, "unexpected end of section or function", 14 },
		{ "type count long", BYTES(HDR, 0x01, 0x07, 0x01, 0x60, 0x00, 0x00,
		  0x60, 0x00, 0x00), MAL, "section size mismatch", 14 },
		{ "section too long", BYTES(HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x00,
		  0x00), MAL, "section size mismatch", 14 },
		{ "func type form", BYTES(HDR, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00),
		  MAL, "malformed function type", 11 },
		{ "value type", BYTES(HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7a, 0x00),
		  MAL, "malformed value type", 13 },
		{ "value type leb", BYTES(HDR, 0x01, 0x06, 0x01, 0x60, 0x01, 0xff,
		  0x7f, 0x00), MAL, "integer representation too long", 13 },
		{ "import kind", BYTES(HDR, 0x02, 0x04, 0x01, 0x00, 0x00, 0x04), MAL,
		  "malformed import kind", 13 },
		{ "import utf8", BYTES(HDR, 0x02, 0x06, 0x01, 0x01, 0xff, 0x00, 0x00,
		  0x00), MAL, "malformed UTF-8 encoding", 12 },
		{ "name length", BYTES(HDR, 0x02, 0x04, 0x01, 0x09, 0x00, 0x00), MAL,
		  "length out of bounds", 11 },
		{ "limits flag", BYTES(HDR, 0x05, 0x02, 0x01, 0x02), MAL,
		  "integer too large", 11 },
		{ "limits flag leb", BYTES(HDR, 0x05, 0x03, 0x01, 0x81, 0x00), MAL,
		  "integer representation too long", 11 },
		{ "limits min u32", BYTES(HDR, 0x05, 0x07, 0x01, 0x00, 0x82, 0x80,
		  0x80, 0x80, 0x70), MAL, "integer too large", 12 },
		{ "table reftype", BYTES(HDR, 0x04, 0x03, 0x01, 0x7f, 0x00), MAL,
		  "malformed reference type", 11 },
		{ "mutability", BYTES(HDR, 0x06, 0x06, 0x01, 0x7f, 0x02, 0x41, 0x00,
		  0x0b), MAL, "malformed mutability", 12 },
		{ "const expr op", BYTES(HDR, 0x06, 0x07, 0x01, 0x7f, 0x00, 0x41,
		  0x00, 0x6a, 0x0b), INV, "constant expression required", 15 },
		{ "const expr illegal", BYTES(HDR, 0x06, 0x05, 0x01, 0x7f, 0x00,
		  0xff, 0x0b), MAL, "illegal opcode", 13 },
		{ "const expr no end", BYTES(HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0x41,
		  0x00), MAL, "unexpected end of section or function", 15 },
		{ "const expr empty", BYTES(HDR, 0x06, 0x04, 0x01, 0x7f, 0x00, 0x0b),
		  INV, "type mismatch", 13 },
		{ "const expr two", BYTES(HDR, 0x06, 0x08, 0x01, 0x7f, 0x00, 0x41,
		  0x00, 0x41, 0x00, 0x0b), INV, "type mismatch", 13 },
		{ "const expr i32 leb", BYTES(HDR, 0x06, 0x0a, 0x01, 0x7f, 0x00, 0x41,
		  0x80, 0x80, 0x80, 0x80, 0x70, 0x0b), MAL, "integer too large", 14 },
		{ "const expr v128.store", BYTES(HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0xfd,
		  0x0b), INV, "constant expression required", 13 },
		{ "const expr v128 unknown", BYTES(HDR, 0x06, 0x06, 0x01, 0x7f, 0x00, 0xfd,
		  0x9a, 0x01), MAL, "illegal opcode", 13 },
		{ "export kind", BYTES(HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x04, 0x00),
		  MAL, "malformed export kind", 13 },
		{ "elem flags", BYTES(HDR, 0x09, 0x02, 0x01, 0x08), MAL,
		  "malformed elements segment kind", 11 },
		{ "elem kind", BYTES(HDR, 0x09, 0x04, 0x01, 0x01, 0x01, 0x00), MAL,
		  "malformed element kind", 12 },
		{ "elem reftype", BYTES(HDR, 0x09, 0x04, 0x01, 0x05, 0x7f, 0x00), MAL,
		  "malformed reference type", 12 },
		{ "elem illegal op", BYTES(HDR, 0x09, 0x07, 0x01, 0x05, 0x70, 0x01,
		  0xf3, 0x00, 0x0b), MAL, "illegal opcode", 14 },
		{ "data flags", BYTES(HDR, 0x0b, 0x02, 0x01, 0x03), MAL,
		  "malformed data segment kind", 11 },
		{ "data bytes short", BYTES(HDR, 0x0b, 0x07, 0x01, 0x01, 0x05, 'a',
		  'b', 'c', 'd'), MAL, "unexpected end of section or function", 13 },
		{ "func without code", BYTES(HDR, TYPE_V_V, FUNC_1), MAL,
		  "function and code section have inconsistent lengths", 18 },
		{ "code without func", BYTES(HDR, CODE_1), MAL,
		  "function and code section have inconsistent lengths", 10 },
		{ "datacount vs data", BYTES(HDR, 0x0c, 0x01, 0x02, 0x0b, 0x01, 0x00),
		  MAL, "data count and data section have inconsistent lengths", 13 },
		{ "datacount no data", BYTES(HDR, 0x0c, 0x01, 0x01), MAL,
		  "data count and data section have inconsistent lengths", 11 },
		{ "body past section", BYTES(HDR, TYPE_V_V, FUNC_1, 0x0a, 0x04, 0x01,
		  0x03, 0x00, 0x0b), MAL, "unexpected end of section or function", 22 },
		{ "local type", BYTES(HDR, TYPE_V_V, FUNC_1, 0x0a, 0x06, 0x01, 0x04,
		  0x01, 0x01, 0x00, 0x0b), MAL, "malformed value type", 24 },
		{ "custom name utf8", BYTES(HDR, 0x00, 0x02, 0x01, 0xff), MAL,
		  "malformed UTF-8 encoding", 11 },
		{ "custom empty", BYTES(HDR, 0x00, 0x00), MAL, "unexpected end", 10 },
		{ "custom name long", BYTES(HDR, 0x00, 0x02, 0x05, 'a', 0x01, 0x00),
		  MAL, "length out of bounds", 10 },
	};
	run_bad_cases(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(invalid_modules)
{
#define IMP_MUT_G 0x02, 0x08, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7f, 0x01
	const struct bad_case cases[] = {
		{ "func type index", BYTES(HDR, FUNC_1, CODE_1), INV,
		  "unknown type 0", SIZE_MAX },
		{ "import type index", BYTES(HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00,
		  0x03), INV, "unknown type 3", SIZE_MAX },
		{ "export func", BYTES(HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x00, 0x00),
		  INV, "unknown function 0", SIZE_MAX },
		{ "export table", BYTES(HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x01, 0x00),
		  INV, "unknown table 0", SIZE_MAX },
		{ "export memory", BYTES(HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x02, 0x00),
		  INV, "unknown memory 0", SIZE_MAX },
		{ "export global", BYTES(HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x03, 0x02),
		  INV, "unknown global 2", SIZE_MAX },
		{ "duplicate export", BYTES(HDR, 0x05, 0x03, 0x01, 0x00, 0x00,
		  0x07, 0x09, 0x02, 0x01, 'a', 0x02, 0x00, 0x01, 'a', 0x02, 0x00),
		  INV, "duplicate export name", SIZE_MAX },
		{ "two memories", BYTES(HDR, 0x05, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00),
		  INV, "multiple memories", SIZE_MAX },
		{ "imported + defined memory", BYTES(HDR, 0x02, 0x06, 0x01, 0x00,
		  0x00, 0x02, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x00),
		  INV, "multiple memories", SIZE_MAX },
		{ "memory min > max", BYTES(HDR, 0x05, 0x04, 0x01, 0x01, 0x02, 0x01),
		  INV, "size minimum must not be greater than maximum", SIZE_MAX },
		{ "memory max pages", BYTES(HDR, 0x05, 0x06, 0x01, 0x01, 0x00, 0x81,
		  0x80, 0x04), INV, "memory size must be at most 65536 pages (4GiB)",
		  SIZE_MAX },
		{ "table min > max", BYTES(HDR, 0x04, 0x05, 0x01, 0x70, 0x01, 0x02,
		  0x01), INV, "size minimum must not be greater than maximum",
		  SIZE_MAX },
		{ "start index", BYTES(HDR, 0x08, 0x01, 0x00), INV,
		  "unknown function 0", SIZE_MAX },
		{ "start type", BYTES(HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00,
		  FUNC_1, 0x08, 0x01, 0x00, CODE_1), INV, "start function", SIZE_MAX },
		{ "global.get mutable import", BYTES(HDR, IMP_MUT_G, 0x06, 0x06, 0x01,
		  0x7f, 0x00, 0x23, 0x00, 0x0b), INV, "constant expression required",
		  SIZE_MAX },
		{ "global.get defined", BYTES(HDR, 0x06, 0x0b, 0x02, 0x7f, 0x00, 0x41,
		  0x00, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b), INV, "unknown global 0",
		  SIZE_MAX },
		{ "global init type", BYTES(HDR, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x42,
		  0x00, 0x0b), INV, "type mismatch", SIZE_MAX },
		{ "global ref.func", BYTES(HDR, 0x06, 0x06, 0x01, 0x70, 0x00, 0xd2,
		  0x05, 0x0b), INV, "unknown function 5", SIZE_MAX },
		{ "global ref.null type", BYTES(HDR, 0x06, 0x06, 0x01, 0x70, 0x00,
		  0xd0, 0x6f, 0x0b), INV, "type mismatch", SIZE_MAX },
		{ "elem table", BYTES(HDR, TYPE_V_V, FUNC_1, 0x09, 0x07, 0x01, 0x00,
		  0x41, 0x00, 0x0b, 0x01, 0x00, CODE_1), INV, "unknown table 0",
		  SIZE_MAX },
		{ "elem func", BYTES(HDR, 0x09, 0x05, 0x01, 0x01, 0x00, 0x01, 0x00),
		  INV, "unknown function 0", SIZE_MAX },
		{ "elem vs table type", BYTES(HDR, 0x04, 0x04, 0x01, 0x6f, 0x00, 0x01,
		  0x09, 0x06, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x00), INV,
		  "type mismatch", SIZE_MAX },
		{ "elem offset type", BYTES(HDR, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01,
		  0x09, 0x06, 0x01, 0x00, 0x42, 0x00, 0x0b, 0x00), INV,
		  "type mismatch", SIZE_MAX },
		{ "elem item type", BYTES(HDR, 0x09, 0x07, 0x01, 0x05, 0x70, 0x01,
		  0xd0, 0x6f, 0x0b), INV, "type mismatch", SIZE_MAX },
		{ "data memory", BYTES(HDR, 0x0b, 0x06, 0x01, 0x00, 0x41, 0x00, 0x0b,
		  0x00), INV, "unknown memory 0", SIZE_MAX },
		{ "data memory 1", BYTES(HDR, 0x05, 0x03, 0x01, 0x00, 0x00, 0x0b, 0x07,
		  0x01, 0x02, 0x01, 0x41, 0x00, 0x0b, 0x00), INV, "unknown memory 1",
		  SIZE_MAX },
		{ "data offset type", BYTES(HDR, 0x05, 0x03, 0x01, 0x00, 0x00, 0x0b,
		  0x0d, 0x01, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0x00), INV,
		  "type mismatch", SIZE_MAX },
	};
	run_bad_cases(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(null_error_record)
{
	static const uint8_t b[] = { HDR, 0x0d };
	wasm_module *m;
	ck_assert_int_eq(wasm_module_load(engine, b, sizeof b, &m, NULL),
		WASM_ERR_MALFORMED);
	ck_assert_ptr_null(m);
	wasm_error e;
	ck_assert_int_eq(wasm_module_load(engine, b, 0, &m, &e),
		WASM_ERR_MALFORMED);
	ck_assert_str_eq(e.message, "unexpected end");
	ck_assert_uint_eq(e.offset, 0);
	ck_assert_int_eq(err_set(NULL, WASM_ERR_INVALID, 3, "x %d", 1),
		WASM_ERR_INVALID);
}
END_TEST

/* ---- opcodes: the table of front/opcodes.h ---------------------------- */

/* The rows as the list spells them, with the enum name as text. */
struct row {
	const char *enum_name, *text;
	uint32_t key, prefix, code;
	int imm, shape, tin, tout;
};

static const struct row rows[] = {
#define X(name, text, prefix, code, imm, shape, t, r, op, iop)            \
	{ #name, text, WOP_##name, prefix, code, WIMM_##imm,              \
	  WOP_SHAPE_##shape, WOP_TYPE_##t, WOP_TYPE_##r },
	WASM_OPCODES(X)
#undef X
};
#define NROWS (sizeof rows / sizeof rows[0])

/* [a-z][a-z0-9_]* with at most one '.', each part starting with a letter,
 * no "__" and no '_' at either end of a part. */
static bool name_well_formed(const char *s)
{
	bool start = true;
	int dots = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.' || *p == '_') {
			if (start || p[1] == 0 || p[1] == '.' || p[1] == '_')
				return false;
			if (*p == '.' && ++dots > 1)
				return false;
			start = *p == '.';
			continue;
		}
		if (start && !(*p >= 'a' && *p <= 'z'))
			return false;
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9'))
			return false;
		start = false;
	}
	return *s != 0;
}

static const char *type_text(int t)
{
	switch (t) {
	case WASM_I32: return "i32";
	case WASM_I64: return "i64";
	case WASM_F32: return "f32";
	case WASM_F64: return "f64";
	default: return NULL;
	}
}

START_TEST(opcode_rows_unique_and_named)
{
	ck_assert_uint_eq(wasm_opcode_count, NROWS);
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const struct wasm_opcode_info *in = &wasm_opcode_table[i];
		/* The data table is the list. */
		ck_assert_str_eq(in->name, r->text);
		ck_assert_uint_eq(in->key, r->key);
		ck_assert_uint_eq(in->prefix, r->prefix);
		ck_assert_uint_eq(in->code, r->code);
		ck_assert_int_eq(in->imm, r->imm);
		ck_assert_int_eq(in->shape, r->shape);
		ck_assert_uint_eq(in->type_in, r->tin);
		ck_assert_uint_eq(in->type_out, r->tout);
		/* Keys, prefixes, lookups. */
		ck_assert_uint_eq(r->key, WOP_KEY(r->prefix, r->code));
		ck_assert_msg(r->prefix == 0 || r->prefix == WOP_PREFIX_MISC ||
			r->prefix == WOP_PREFIX_SIMD, "%s: prefix %#x", r->text,
			r->prefix);
		ck_assert_msg(r->prefix || (r->code != WOP_PREFIX_MISC &&
			r->code != WOP_PREFIX_SIMD), "%s: a prefix byte", r->text);
		ck_assert_uint_le(r->code, r->prefix ? WOP_CODE_MAX : 0xff);
		ck_assert_ptr_eq(wasm_opcode_lookup(r->prefix, r->code), in);
		ck_assert_str_eq(wasm_opcode_name(r->prefix, r->code), r->text);
		/* Names: spec shape; the enum name is the text in capitals. */
		ck_assert_msg(name_well_formed(r->text), "name \"%s\"", r->text);
		char up[64];
		size_t k = 0;
		for (; r->text[k] && k < sizeof up - 1; k++)
			up[k] = r->text[k] == '.' ? '_' :
				(char)(r->text[k] - (r->text[k] >= 'a' ? 'a' - 'A' : 0));
		up[k] = 0;
		if (r->imm == WIMM_SELECT_T)
			ck_assert_str_eq(r->enum_name, "SELECT_T");
		else
			ck_assert_str_eq(r->enum_name, up);
		for (size_t j = 0; j < i; j++) {
			ck_assert_msg(rows[j].key != r->key, "%s and %s: same key",
				rows[j].text, r->text);
			/* Only the two selects share a text name. */
			if (strcmp(rows[j].text, r->text) == 0)
				ck_assert_msg(strcmp(r->text, "select") == 0 &&
					rows[j].imm != r->imm, "%s twice", r->text);
		}
	}
	/* Not opcodes: prefix bytes, codes past the key space, gaps. */
	ck_assert_ptr_null(wasm_opcode_lookup(0, WOP_PREFIX_MISC));
	ck_assert_ptr_null(wasm_opcode_lookup(0, WOP_PREFIX_SIMD));
	ck_assert_ptr_null(wasm_opcode_lookup(0, 0x100 | WOP_I32_ADD));
	ck_assert_uint_eq(wasm_opcode_key(0, 0x16a), WOP_KEY_NONE);
	ck_assert_uint_eq(wasm_opcode_key(WOP_PREFIX_MISC, 0x10000 + 8), WOP_KEY_NONE);
	ck_assert_ptr_null(wasm_opcode_lookup(WOP_PREFIX_MISC, 0x10000 + 8));
	ck_assert_ptr_null(wasm_opcode_name(WOP_PREFIX_MISC, 18));
	ck_assert_ptr_null(wasm_opcode_name(WOP_PREFIX_SIMD, 0x9a));
	ck_assert_ptr_null(wasm_opcode_name(WOP_PREFIX_SIMD, 0x100));
	ck_assert_ptr_null(wasm_opcode_name(0, 0x06));
	ck_assert_ptr_null(wasm_opcode_name(0, 0xc5));
}
END_TEST

/* The operand type a conversion's name ends with ("i64.trunc_f32_s" ->
 * "f32"), or NULL. */
static const char *named_operand(const char *text)
{
	for (const char *p = strchr(text, '_'); p; p = strchr(p + 1, '_')) {
		if ((p[1] == 'i' || p[1] == 'f') &&
		    (strncmp(p + 2, "32", 2) == 0 || strncmp(p + 2, "64", 2) == 0))
			return p + 1;
	}
	return NULL;
}

static bool is_test(const char *op)
{
	static const char *const tests[] = { "eqz", "eq", "ne", "lt", "gt", "le",
		"ge", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u" };
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (strcmp(op, tests[i]) == 0)
			return true;
	return false;
}

/* Simple numeric rows: the shape and types agree with the spec's names;
 * they fill 0x45..0xc4 and 0xfc 0..7, and nothing else is there. */
START_TEST(opcode_numeric_types)
{
	size_t nnum = 0, nmisc = 0;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		if (r->prefix == WOP_PREFIX_SIMD)
			continue;     /* opcode_simd_rows */
		bool numeric = r->shape == WOP_SHAPE_UNOP || r->shape == WOP_SHAPE_BINOP;
		bool load = r->shape == WOP_SHAPE_LOAD, store = r->shape == WOP_SHAPE_STORE;
		/* Loads and stores, and only they, take a memarg, whose kind
		 * is their access size: i64.load16_u accesses 2 bytes. */
		bool mem = strstr(r->text, ".load") || strstr(r->text, ".store");
		ck_assert_msg(mem == (load || store), "%s: shape", r->text);
		ck_assert_msg(mem == (wasm_imm_memarg_align(r->imm) >= 0), "%s: imm", r->text);
		if (mem) {
			const char *sz = strpbrk(strchr(r->text, '.') + 1, "0123456789");
			int bits = sz ? atoi(sz) : (r->text[1] == '3' ? 32 : 64);
			ck_assert_msg(8 << wasm_imm_memarg_align(r->imm) == bits,
				"%s: memarg of %d bits", r->text, 8 << wasm_imm_memarg_align(r->imm));
			const char *vt = type_text(load ? r->tout : r->tin);
			ck_assert_msg(vt && strncmp(vt, r->text, 3) == 0 &&
				(load ? r->tin : r->tout) == 0, "%s: types", r->text);
			continue;
		}
		if (!numeric) {
			ck_assert_msg(r->tin == 0 && r->tout == 0, "%s: types", r->text);
			ck_assert_msg(!(r->prefix == 0 && r->code >= 0x45 &&
				r->code <= 0xc4), "%s: in the numeric range", r->text);
			continue;
		}
		ck_assert_int_eq(r->imm, WIMM_NONE);
		const char *tin = type_text(r->tin), *tout = type_text(r->tout);
		ck_assert_msg(tin && tout, "%s: types %#x %#x", r->text, r->tin, r->tout);
		const char *op = strchr(r->text, '.') + 1, *from = named_operand(op);
		if (from) {
			/* "i64.trunc_f32_s": f32 -> i64 */
			ck_assert_msg(strncmp(from, tin, 3) == 0 &&
				strncmp(r->text, tout, 3) == 0, "%s: %s -> %s",
				r->text, tin, tout);
			ck_assert_msg(r->shape == WOP_SHAPE_UNOP, "%s: unop", r->text);
		} else if (is_test(op)) {
			/* "f64.lt": f64 f64 -> i32; "i64.eqz": i64 -> i32 */
			ck_assert_msg(strncmp(r->text, tin, 3) == 0 &&
				r->tout == WASM_I32, "%s: %s -> %s", r->text, tin, tout);
			ck_assert_msg((r->shape == WOP_SHAPE_UNOP) ==
				(strcmp(op, "eqz") == 0), "%s: shape", r->text);
		} else {
			/* "i32.add", "f32.neg", "i32.extend8_s": one type */
			ck_assert_msg(strncmp(r->text, tin, 3) == 0 && r->tin == r->tout,
				"%s: %s -> %s", r->text, tin, tout);
		}
		if (r->prefix == 0) {
			ck_assert_msg(r->code >= WOP_NUMERIC_FIRST &&
				r->code <= WOP_NUMERIC_LAST, "%s: code", r->text);
			nnum++;
		} else {
			ck_assert_uint_eq(r->prefix, WOP_PREFIX_MISC);
			ck_assert_msg(r->key >= WOP_NUMERIC_MISC_FIRST &&
				r->key <= WOP_NUMERIC_MISC_LAST, "%s: code", r->text);
			nmisc++;
		}
	}
	/* The ranges are full (keys are unique: see the test above). */
	ck_assert_uint_eq(nnum, 0xc4 - 0x45 + 1);
	ck_assert_uint_eq(nmisc, 8);
	ck_assert_uint_eq(WOP_NUMERIC_FIRST, 0x45);
	ck_assert_uint_eq(WOP_NUMERIC_LAST, 0xc4);
	ck_assert_uint_eq(WOP_NUMERIC_MISC_FIRST, WOP_KEY(0xfc, 0));
	ck_assert_uint_eq(WOP_NUMERIC_MISC_LAST, WOP_KEY(0xfc, 7));
}
END_TEST

/* ---- SIMD rows -------------------------------------------------------- */

/* The scalar type of a lane shape's prefix ("i16x8." -> i32), 0 for v128. */
static int lane_scalar(const char *text)
{
	static const struct { const char *prefix; int type; } shapes[] = {
		{ "i8x16.", WASM_I32 }, { "i16x8.", WASM_I32 }, { "i32x4.", WASM_I32 },
		{ "i64x2.", WASM_I64 }, { "f32x4.", WASM_F32 }, { "f64x2.", WASM_F64 },
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		if (strncmp(text, shapes[i].prefix, 6) == 0)
			return shapes[i].type;
	return 0;
}

/* The SIMD rows' shapes, types and immediates agree with their names. */
START_TEST(opcode_simd_rows)
{
	size_t n = 0;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		if (r->prefix != WOP_PREFIX_SIMD)
			continue;
		n++;
		const char *op = strchr(r->text, '.') + 1;
		int scalar = lane_scalar(r->text);
		bool v128 = strncmp(r->text, "v128.", 5) == 0;
		ck_assert_msg(v128 || scalar, "%s: a lane shape", r->text);
		unsigned lanes = v128 ? 0 : 16u / (unsigned)(atoi(r->text + 1) / 8);
		bool lane_mem = strstr(op, "_lane") && (strncmp(op, "load", 4) == 0 ||
			strncmp(op, "store", 5) == 0);
		if (lane_mem) {
			/* v128.load16_lane: a 2-byte access into one of 8 lanes */
			int bits = atoi(op + (op[0] == 'l' ? 4 : 5));
			ck_assert_int_eq(r->shape, op[0] == 'l' ? WOP_SHAPE_LOAD_LANE :
				WOP_SHAPE_STORE_LANE);
			ck_assert_int_eq(8 << wasm_imm_memarg_align(r->imm), bits);
			ck_assert_uint_eq(wasm_imm_lanes(r->imm), 128u / (unsigned)bits);
		} else if (strncmp(op, "load", 4) == 0 || strncmp(op, "store", 5) == 0) {
			/* v128.load 16 bytes; load8x8_s and loadN_{splat,zero}: the
			 * bytes they read */
			int bits = 128;
			if (strchr(op, 'x'))
				bits = 64;
			else if (op[4] >= '0' && op[4] <= '9')
				bits = atoi(op + 4);
			ck_assert_int_eq(r->shape, op[0] == 'l' ? WOP_SHAPE_LOAD :
				WOP_SHAPE_STORE);
			ck_assert_int_eq(8 << wasm_imm_memarg_align(r->imm), bits);
			ck_assert_uint_eq(wasm_imm_lanes(r->imm), 0);
		} else if (strncmp(op, "extract_lane", 12) == 0) {
			ck_assert_int_eq(r->shape, WOP_SHAPE_EXTRACT);
			ck_assert_int_eq(r->tin, WASM_V128);
			ck_assert_int_eq(r->tout, scalar);
			ck_assert_uint_eq(wasm_imm_lanes(r->imm), lanes);
		} else if (strcmp(op, "replace_lane") == 0) {
			ck_assert_int_eq(r->shape, WOP_SHAPE_REPLACE);
			ck_assert_int_eq(r->tin, scalar);
			ck_assert_int_eq(r->tout, WASM_V128);
			ck_assert_uint_eq(wasm_imm_lanes(r->imm), lanes);
		} else if (strcmp(op, "splat") == 0) {
			ck_assert_int_eq(r->shape, WOP_SHAPE_UNOP);
			ck_assert_int_eq(r->tin, scalar);
			ck_assert_int_eq(r->tout, WASM_V128);
		} else if (strcmp(op, "const") == 0 || strcmp(op, "shuffle") == 0) {
			ck_assert_int_eq(r->shape, WOP_SHAPE_OTHER);
			ck_assert_int_eq(r->imm, op[0] == 'c' ? WIMM_V128 : WIMM_SHUFFLE);
		} else {
			/* the lane-wise ops: v128 in, v128 out, but the tests */
			bool test = strcmp(op, "any_true") == 0 ||
				strcmp(op, "all_true") == 0 || strcmp(op, "bitmask") == 0;
			bool shift = strcmp(op, "shl") == 0 || strncmp(op, "shr_", 4) == 0;
			ck_assert_int_eq(r->imm, WIMM_NONE);
			ck_assert_int_eq(r->tin, WASM_V128);
			ck_assert_int_eq(r->tout, test ? WASM_I32 : WASM_V128);
			if (shift)
				ck_assert_int_eq(r->shape, WOP_SHAPE_SHIFT);
			else if (strcmp(op, "bitselect") == 0)
				ck_assert_int_eq(r->shape, WOP_SHAPE_TERNOP);
			else
				ck_assert_msg(r->shape == WOP_SHAPE_UNOP ||
					r->shape == WOP_SHAPE_BINOP, "%s: shape", r->text);
		}
	}
	/* WebAssembly 2.0's SIMD instructions, all of them. */
	ck_assert_uint_eq(n, 236);
}
END_TEST

/* A u32 LEB128 at *p, advanced past it. */
static uint32_t leb_u32(const uint8_t **p)
{
	uint32_t v = 0;
	for (unsigned s = 0;; s += 7) {
		uint8_t b = *(*p)++;
		v |= (uint32_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			return v;
	}
}

/* The SIMD rows against wabt: tests/unit/simd_all.wat spells every
 * SIMD instruction once, in code order, with the largest lane index each
 * allows; wat2wasm's bytes must be the rows' codes and immediates. */
START_TEST(opcode_simd_rows_match_wat2wasm)
{
	char out[] = "/tmp/check_decode_simd_XXXXXX";
	int fd = mkstemp(out);
	ck_assert_int_ge(fd, 0);
	close(fd);
	const char *tool = getenv("WAT2WASM");
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' --no-check '%s' -o '%s'",
		tool && *tool ? tool : "wat2wasm", SIMD_ALL_WAT, out);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
	FILE *f = fopen(out, "rb");
	ck_assert_ptr_nonnull(f);
	static uint8_t b[1 << 16];
	size_t len = fread(b, 1, sizeof b, f);
	fclose(f);
	unlink(out);
	/* The code section's one body, after its (empty) local declarations. */
	const uint8_t *p = b + 8, *end = b + len, *code = NULL;
	while (p < end && !code) {
		uint8_t id = *p++;
		uint32_t size = leb_u32(&p);
		if (id == 10) {
			code = p;
			ck_assert_uint_eq(leb_u32(&code), 1);
			leb_u32(&code);
			ck_assert_uint_eq(leb_u32(&code), 0);
		}
		p += size;
	}
	ck_assert_ptr_nonnull(code);
	size_t n = 0;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		if (r->prefix != WOP_PREFIX_SIMD)
			continue;
		n++;
		ck_assert_msg(*code++ == WOP_PREFIX_SIMD, "%s: prefix", r->text);
		ck_assert_msg(leb_u32(&code) == r->code, "%s: code", r->text);
		int align = wasm_imm_memarg_align((unsigned)r->imm);
		unsigned lanes = wasm_imm_lanes((unsigned)r->imm);
		if (align >= 0) {
			/* the default alignment is the natural one */
			ck_assert_msg(leb_u32(&code) == (uint32_t)align, "%s: align",
				r->text);
			ck_assert_msg(leb_u32(&code) == 0, "%s: offset", r->text);
		}
		if (lanes)
			ck_assert_msg(*code++ == lanes - 1, "%s: lane", r->text);
		if (r->imm == WIMM_V128 || r->imm == WIMM_SHUFFLE)
			for (unsigned k = 0; k < 16; k++)
				ck_assert_msg(*code++ == (r->imm == WIMM_V128 ? k : 31 - k),
					"%s: byte %u", r->text, k);
	}
	ck_assert_uint_eq(*code, WOP_END);
	ck_assert_uint_eq(n, 236);
}
END_TEST

/* Load a module with one () -> () function whose body (after its local
 * declarations) is code; the module is freed. */
static wasm_status load_body(const uint8_t *code, size_t n, wasm_error *e)
{
	static const uint8_t head[] = { HDR, TYPE_V_V, FUNC_1 };
	wbuf w;
	memset(&w, 0, sizeof w);
	put(&w, head, sizeof head);
	put_u8(&w, 10);
	put_u32(&w, (uint32_t)n + 3);
	put_u8(&w, 1);
	put_u32(&w, (uint32_t)n + 1);
	put_u8(&w, 0);
	put(&w, code, n);
	wasm_module *m = NULL;
	wasm_status st = load(w.b, w.n, &m, e);
	wasm_module_free(m);
	free(w.b);
	return st;
}

/* A module with one immutable i32 global whose initialiser is init. */
static wasm_status load_global(const uint8_t *init, size_t n, wasm_error *e)
{
	wbuf w;
	wb_init(&w);
	put_u8(&w, 6);
	put_u32(&w, (uint32_t)n + 3);
	put_u8(&w, 1);
	put_u8(&w, WASM_I32);
	put_u8(&w, 0);
	put(&w, init, n);
	wasm_module *m = NULL;
	wasm_status st = load(w.b, w.n, &m, e);
	wasm_module_free(m);
	free(w.b);
	return st;
}

static bool illegal(wasm_status st, const wasm_error *e)
{
	return st == WASM_ERR_MALFORMED && strcmp(e->message, "illegal opcode") == 0;
}

/* The decoder and the body validator refuse as "illegal opcode" exactly
 * the bytes that have no row: the table and the dispatch agree. */
START_TEST(opcode_bytes_the_decoder_accepts)
{
	for (unsigned b = 0; b < 256; b++) {
		bool known = wasm_opcode_lookup(0, b) != NULL;
		bool prefix = b == WOP_PREFIX_MISC || b == WOP_PREFIX_SIMD;
		const uint8_t code[] = { (uint8_t)b, WOP_END };
		wasm_error e;
		wasm_status st = load_body(code, sizeof code, &e);
		ck_assert_msg(illegal(st, &e) == !(known || prefix),
			"body byte %#x: %s \"%s\"", b, wasm_status_name(st), e.message);
		st = load_global(code, sizeof code, &e);
		ck_assert_msg(illegal(st, &e) == !(known || prefix),
			"init byte %#x: %s \"%s\"", b, wasm_status_name(st), e.message);
		if (b == WOP_PREFIX_SIMD) {     /* v128.store: validated */
			ck_assert_int_ne(load_body(code, sizeof code, &e),
				WASM_ERR_UNSUPPORTED);
			ck_assert_int_eq(load_global(code, sizeof code, &e),
				WASM_ERR_INVALID);
		}
	}
	/* After 0xfc: every code up to 0x7f, and some that need more LEB
	 * bytes (0x10008 must not alias code 8). */
	static const uint32_t far[] = { 0x80, 0xff, 0x100, 0x3fff, 0xffff,
		0x10000, 0x10000 + 8, 0xfc0008, UINT32_MAX };
	for (size_t i = 0; i < 0x80 + sizeof far / sizeof far[0]; i++) {
		uint32_t sub = i < 0x80 ? (uint32_t)i : far[i - 0x80];
		wbuf w;
		memset(&w, 0, sizeof w);
		put_u8(&w, WOP_PREFIX_MISC);
		put_u32(&w, sub);
		put_u8(&w, WOP_END);
		wasm_error e;
		wasm_status st = load_body(w.b, w.n, &e);
		bool known = wasm_opcode_lookup(WOP_PREFIX_MISC, sub) != NULL;
		ck_assert_msg(illegal(st, &e) == !known, "0xfc %#x: %s \"%s\"",
			sub, wasm_status_name(st), e.message);
		free(w.b);
	}
}
END_TEST

/* Names as the spec's text format writes them. */
START_TEST(opcode_names_spec_text)
{
	static const struct { unsigned prefix, code; const char *text; } spec[] = {
		{ 0, 0x00, "unreachable" },      { 0, 0x0e, "br_table" },
		{ 0, 0x11, "call_indirect" },    { 0, 0x1c, "select" },
		{ 0, 0x22, "local.tee" },        { 0, 0x2f, "i32.load16_u" },
		{ 0, 0x3e, "i64.store32" },      { 0, 0x3f, "memory.size" },
		{ 0, 0x44, "f64.const" },        { 0, 0x6a, "i32.add" },
		{ 0, 0x87, "i64.shr_s" },        { 0, 0x98, "f32.copysign" },
		{ 0, 0xa7, "i32.wrap_i64" },     { 0, 0xb6, "f32.demote_f64" },
		{ 0, 0xbf, "f64.reinterpret_i64" }, { 0, 0xc4, "i64.extend32_s" },
		{ 0, 0xd1, "ref.is_null" },
		{ 0xfc, 0, "i32.trunc_sat_f32_s" }, { 0xfc, 7, "i64.trunc_sat_f64_u" },
		{ 0xfc, 10, "memory.copy" },     { 0xfc, 12, "table.init" },
		{ 0xfc, 17, "table.fill" },
	};
	for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
		const char *n = wasm_opcode_name(spec[i].prefix, spec[i].code);
		ck_assert_msg(n && strcmp(n, spec[i].text) == 0, "%#x %#x: %s, want %s",
			spec[i].prefix, spec[i].code, n ? n : "NULL", spec[i].text);
	}
	ck_assert_uint_eq(WOP_I32_ADD, 0x6a);
	ck_assert_uint_eq(WOP_MEMORY_INIT, WOP_KEY(0xfc, 8));
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_module);
	tcase_add_test(tc, types_and_imports);
	tcase_add_test(tc, functions_code_locals);
	tcase_add_test(tc, tables_memories_globals_exports_start);
	tcase_add_test(tc, element_segments);
	tcase_add_test(tc, data_segments);
	tcase_add_test(tc, custom_and_name_sections);
	tcase_add_test(tc, malformed_name_section_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, huge_counts);
	tcase_add_test(tc, locals_limit);
	tcase_add_test(tc, params_limit);
	tcase_add_test(tc, memory_pages_limit);
	tcase_add_test(tc, truncation_every_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, malformed_modules);
	tcase_add_test(tc, invalid_modules);
	tcase_add_test(tc, null_error_record);
	suite_add_tcase(s, tc);

	tc = tcase_create("opcodes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, opcode_rows_unique_and_named);
	tcase_add_test(tc, opcode_numeric_types);
	tcase_add_test(tc, opcode_simd_rows);
	tcase_add_test(tc, opcode_simd_rows_match_wat2wasm);
	tcase_add_test(tc, opcode_bytes_the_decoder_accepts);
	tcase_add_test(tc, opcode_names_spec_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
