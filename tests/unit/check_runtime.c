/* check_runtime.c -- stores, memories, tables, globals, host calls,
 * instantiation (on hand-built modules) and value formatting.
 *
 * Most calls go to host functions, and most modules are filled in by hand
 * so instantiation is tested apart from the decoder; one small binary
 * module checks faults in wasm code and re-entry through the interpreter.
 */
#include "runtime/runtime.h"
#include "interp/fcode.h"
#include "runtime/tier_ops.h"

#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#else
#define HAVE_ASAN 0
#endif

static wasm_engine *engine;
static wasm_store *store;

static void setup(void)
{
	engine = wasm_engine_new(NULL);
	ck_assert_ptr_nonnull(engine);
	store = wasm_store_new(engine);
	ck_assert_ptr_nonnull(store);
}

static wasm_module *peek_module;

static void teardown(void)
{
	wasm_store_free(store);
	wasm_module_free(peek_module); /* after the store: instances use it */
	peek_module = NULL;
	wasm_engine_free(engine);
	store = NULL;
	engine = NULL;
}

/* mincore() fails with ENOMEM on unmapped pages only, so use the page's
 * protection from /proc/self/maps instead: "rw" or "---". */
static bool page_is_rw(const void *addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool rw = false;
	uintptr_t a = (uintptr_t)addr;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (a >= lo && a < hi) {
			rw = perms[0] == 'r' && perms[1] == 'w';
			break;
		}
	}
	fclose(f);
	return rw;
}

/* ---- host functions used below --------------------------------------- */

static const uint8_t t_i32_i64_f32_f64[] = { WASM_I32, WASM_I64, WASM_F32,
	WASM_F64 };

/* (i32 a, i64 b, f32 c, f64 d) -> (i64 a+b, f64 c+d) */
static wasm_status host_add(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	int32_t a = (int32_t)(uint32_t)slots[0];
	int64_t b = (int64_t)slots[1];
	uint32_t cbits = (uint32_t)slots[2];
	float c;
	double d;
	memcpy(&c, &cbits, sizeof c);
	memcpy(&d, &slots[3], sizeof d);
	ck_assert_uint_eq(slots[0] >> 32, 0); /* i32 zero-extended */
	ck_assert_uint_eq(slots[2] >> 32, 0); /* f32 in the low bits */
	slots[0] = (uint64_t)(a + b);
	double r = (double)c + d;
	memcpy(&slots[1], &r, sizeof r);
	if (env)
		(*(int *)env)++;
	return WASM_OK;
}

static wasm_func *make_add(int *counter)
{
	static const uint8_t res[] = { WASM_I64, WASM_F64 };
	wasm_functype t = { 4, 2, t_i32_i64_f32_f64, res };
	wasm_func *f = wasm_func_new_host(store, &t, host_add, counter);
	ck_assert_ptr_nonnull(f);
	return f;
}

static wasm_func *make_nullary(wasm_host_fn fn, void *env)
{
	wasm_functype t = { 0, 0, NULL, NULL };
	wasm_func *f = wasm_func_new_host(store, &t, fn, env);
	ck_assert_ptr_nonnull(f);
	return f;
}

/* env: the memory; writes one byte at env offset *(uint64_t *)... */
struct poke { wasm_memory *mem; uint64_t off; };

static wasm_status host_poke(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	struct poke *p = env;
	volatile uint8_t *b = wasm_memory_data(p->mem) + p->off;
	*b = 42;
	return WASM_OK;
}

static wasm_status host_trap(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	return wasm_call_trap(ctx, WASM_TRAP_UNREACHABLE, "it is over");
}

static wasm_status host_exit(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	return wasm_call_exit(ctx, 7);
}

static wasm_status host_bare_trap(wasm_call_ctx *ctx, void *env,
	uint64_t *slots)
{
	return WASM_ERR_TRAP;
}

static wasm_status host_no_memory(wasm_call_ctx *ctx, void *env,
	uint64_t *slots)
{
	ck_assert_ptr_null(wasm_call_memory(ctx));
	return WASM_OK;
}

/* Calls env (a wasm_func *) and expects it to trap, then returns OK. */
static wasm_status host_nested(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	wasm_error err;
	wasm_status st = wasm_func_call(ctx->store, env, NULL, 0, NULL, 0,
		&err);
	ck_assert_int_eq(st, WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	return WASM_OK;
}

/* Calls itself through the API until the store says no. */
static wasm_status host_recurse(wasm_call_ctx *ctx, void *env,
	uint64_t *slots)
{
	wasm_func *self = *(wasm_func **)env;
	return wasm_func_call(ctx->store, self, NULL, 0, NULL, 0, NULL);
}

/* ---- core: memories --------------------------------------------------- */

START_TEST(memory_basics)
{
	wasm_memory *mem = wasm_memory_new(store,
		(wasm_limits){ .min = 2, .max = 10, .has_max = true });
	ck_assert_ptr_nonnull(mem);
	ck_assert_uint_eq(wasm_memory_pages(mem), 2);
	ck_assert_uint_eq(wasm_memory_size_bytes(mem), 2 * WASM_PAGE_SIZE);
	uint8_t *base = wasm_memory_data(mem);
	ck_assert_uint_eq((uintptr_t)base % WASM_PAGE_SIZE, 0);
	/* Zeroed, read-write inside; PROT_NONE right after. */
	ck_assert_uint_eq(base[0], 0);
	ck_assert_uint_eq(base[2 * WASM_PAGE_SIZE - 1], 0);
	base[0] = 1;
	base[2 * WASM_PAGE_SIZE - 1] = 2;
	ck_assert(page_is_rw(base));
	ck_assert(page_is_rw(base + 2 * WASM_PAGE_SIZE - 1));
	ck_assert(!page_is_rw(base + 2 * WASM_PAGE_SIZE));
	ck_assert(!page_is_rw(base + MEMORY_RESERVE_BYTES - 1));

	ck_assert_int_eq(wasm_memory_grow(mem, 3), 2);
	ck_assert_uint_eq(wasm_memory_pages(mem), 5);
	ck_assert_uint_eq(wasm_memory_size_bytes(mem), 5 * WASM_PAGE_SIZE);
	ck_assert_ptr_eq(wasm_memory_data(mem), base); /* never moves */
	ck_assert_uint_eq(base[0], 1);
	ck_assert_uint_eq(base[2 * WASM_PAGE_SIZE - 1], 2);
	ck_assert_uint_eq(base[5 * WASM_PAGE_SIZE - 1], 0);
	base[5 * WASM_PAGE_SIZE - 1] = 3;
	ck_assert(!page_is_rw(base + 5 * WASM_PAGE_SIZE));
	ck_assert_int_eq(wasm_memory_grow(mem, 0), 5);
	/* A cap set later (a kept instance's next call), never past the
	 * type's max. */
	wasm_memory_set_limit_pages(mem, 6);
	ck_assert_int_eq(wasm_memory_grow(mem, 2), -1);
	ck_assert_int_eq(wasm_memory_grow(mem, 1), 5);
	wasm_memory_set_limit_pages(mem, 0);
	ck_assert_int_eq(wasm_memory_grow(mem, 4), 6);
	wasm_memory_set_limit_pages(mem, 100);
	ck_assert_int_eq(wasm_memory_grow(mem, 1), -1);
}
END_TEST

START_TEST(memory_zero_pages)
{
	wasm_memory *mem = wasm_memory_new(store, (wasm_limits){ 0, 0, false });
	ck_assert_ptr_nonnull(mem);
	ck_assert_uint_eq(wasm_memory_pages(mem), 0);
	ck_assert(!page_is_rw(wasm_memory_data(mem)));
	ck_assert_int_eq(wasm_memory_grow(mem, 1), 0);
	ck_assert(page_is_rw(wasm_memory_data(mem)));
	ck_assert_ptr_eq(store->memories, mem);
}
END_TEST

/* A memory handed back to the reservation cache comes out again zeroed
 * and read-write exactly up to the new minimum, whether its pages were
 * zeroed in place (small) or dropped (large), and whether the next one is
 * smaller, the same or bigger. */
START_TEST(memory_reuse_zeroed)
{
	static const uint32_t sizes[] = { 2, 1, 1, 3, 0, 6, 2, 9, 1 };
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		uint32_t n = sizes[i];
		wasm_store *s = wasm_store_new(engine);
		ck_assert_ptr_nonnull(s);
		wasm_memory *mem = wasm_memory_new(s,
			(wasm_limits){ .min = n, .max = 0, .has_max = false });
		ck_assert_ptr_nonnull(mem);
		uint8_t *base = wasm_memory_data(mem);
		for (uint32_t pg = 0; pg < n; pg++) {
			ck_assert(page_is_rw(base + (size_t)pg * WASM_PAGE_SIZE));
			for (size_t b = 0; b < WASM_PAGE_SIZE; b += 4093)
				ck_assert_uint_eq(base[(size_t)pg *
					WASM_PAGE_SIZE + b], 0);
			ck_assert_uint_eq(base[(size_t)(pg + 1) *
				WASM_PAGE_SIZE - 1], 0);
		}
		ck_assert(!page_is_rw(base + (size_t)n * WASM_PAGE_SIZE));
		ck_assert(!page_is_rw(base + (size_t)(n + 1) * WASM_PAGE_SIZE));
		/* Dirty everything, and grow once so that the next one
		 * inherits more than its minimum. */
		memset(base, 0xa5, (size_t)n * WASM_PAGE_SIZE);
		ck_assert_int_eq(wasm_memory_grow(mem, 1), (int64_t)n);
		base[(size_t)(n + 1) * WASM_PAGE_SIZE - 1] = 0x5a;
		wasm_store_free(s);
	}
}
END_TEST

/* A host function touching memory past its size traps like wasm code
 * would, and the store stays usable. */
START_TEST(memory_fault_traps)
{
	wasm_memory *mem = wasm_memory_new(store, (wasm_limits){ 1, 0, false });
	struct poke in = { mem, 100 }, past = { mem, WASM_PAGE_SIZE },
		far = { mem, MEMORY_RESERVE_BYTES - 1 };
	wasm_func *ok = make_nullary(host_poke, &in);
	wasm_func *bad = make_nullary(host_poke, &past);
	wasm_func *bad_far = make_nullary(host_poke, &far);
	wasm_error err;

	ck_assert_int_eq(wasm_func_call(store, ok, NULL, 0, NULL, 0, &err),
		WASM_OK);
	ck_assert_uint_eq(wasm_memory_data(mem)[100], 42);
	for (int round = 0; round < 3; round++) {
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(wasm_func_call(store, round == 1 ? bad_far : bad,
			NULL, 0, NULL, 0, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.status, WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
		ck_assert_str_eq(err.message, "out of bounds memory access");
		ck_assert_uint_eq(err.func_index, WASM_NO_INDEX);
		ck_assert_uint_eq(err.offset, SIZE_MAX);
		/* Unwound cleanly: no fault point left, a call works. */
		ck_assert_ptr_null(store->ex.fault_jmp);
		ck_assert_ptr_null(store->ctx);
		ck_assert_uint_eq(store->ex.depth, 0);
		ck_assert_int_eq(wasm_func_call(store, ok, NULL, 0, NULL, 0,
			&err), WASM_OK);
	}
	/* After growing, the same access is fine. */
	ck_assert_int_eq(wasm_memory_grow(mem, 1), 1);
	ck_assert_int_eq(wasm_func_call(store, bad, NULL, 0, NULL, 0, &err),
		WASM_OK);
	ck_assert_uint_eq(wasm_memory_data(mem)[WASM_PAGE_SIZE], 42);
}
END_TEST

/* A fault in a nested call unwinds to the inner call only. */
START_TEST(memory_fault_nested)
{
	wasm_memory *mem = wasm_memory_new(store, (wasm_limits){ 1, 0, false });
	struct poke past = { mem, 2 * WASM_PAGE_SIZE };
	wasm_func *bad = make_nullary(host_poke, &past);
	wasm_func *outer = make_nullary(host_nested, bad);
	wasm_error err;

	ck_assert_int_eq(wasm_func_call(store, outer, NULL, 0, NULL, 0, &err),
		WASM_OK);
	ck_assert_ptr_null(store->ex.fault_jmp);
}
END_TEST

/* Outside any call the fault is not ours: default action. */
START_TEST(memory_fault_outside_call)
{
	wasm_memory *mem = wasm_memory_new(store, (wasm_limits){ 1, 0, false });
	volatile uint8_t *p = wasm_memory_data(mem) + WASM_PAGE_SIZE;
	*p = 1;
}
END_TEST

/* Faults on other stores' memories are not ours either. */
START_TEST(memory_fault_other_store)
{
	wasm_store *other = wasm_store_new(engine);
	wasm_memory *mem = wasm_memory_new(other, (wasm_limits){ 1, 0, false });
	struct poke past = { mem, WASM_PAGE_SIZE };
	wasm_func *bad = make_nullary(host_poke, &past);
	wasm_error err;
	wasm_status st = wasm_func_call(store, bad, NULL, 0, NULL, 0, &err);
	(void)st;
}
END_TEST

/* ---- core: tables ---------------------------------------------------- */

START_TEST(table_basics)
{
	int x;
	wasm_table *t = wasm_table_new(store, WASM_EXTERNREF,
		(wasm_limits){ 3, 5, true }, &x);
	void *v;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(wasm_table_size(t), 3);
	for (uint32_t i = 0; i < 3; i++) {
		ck_assert(wasm_table_get(t, i, &v));
		ck_assert_ptr_eq(v, &x);
	}
	ck_assert(!wasm_table_get(t, 3, &v));
	ck_assert_int_eq(table_grow(t, 2, NULL), 3);
	ck_assert_uint_eq(wasm_table_size(t), 5);
	ck_assert(wasm_table_get(t, 2, &v));
	ck_assert_ptr_eq(v, &x);
	ck_assert(wasm_table_get(t, 4, &v));
	ck_assert_ptr_null(v);
	ck_assert_int_eq(table_grow(t, 0, NULL), 5);

	wasm_table *empty = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 0, 0, false }, NULL);
	ck_assert_ptr_nonnull(empty);
	ck_assert_uint_eq(wasm_table_size(empty), 0);
	ck_assert(!wasm_table_get(empty, 0, &v));
	wasm_func *f = make_nullary(host_no_memory, NULL);
	ck_assert_int_eq(table_grow(empty, 10, f), 0);
	ck_assert(wasm_table_get(empty, 9, &v));
	ck_assert_ptr_eq(v, f);
}
END_TEST

/* ---- core: globals --------------------------------------------------- */

START_TEST(global_roundtrip)
{
	wasm_value in[] = {
		{ .type = WASM_I32, .of.i32 = -5 },
		{ .type = WASM_I64, .of.i64 = INT64_MIN },
		{ .type = WASM_F32, .of.f32_bits = 0x7fa00001u },
		{ .type = WASM_F64, .of.f64_bits = 0xfff0000000000001ull },
		{ .type = WASM_FUNCREF, .of.ref = NULL },
		{ .type = WASM_EXTERNREF, .of.ref = &in },
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		wasm_global *g = wasm_global_new(store, in[i], i % 2);
		wasm_value out;
		ck_assert_ptr_nonnull(g);
		ck_assert_int_eq(g->mut, i % 2);
		wasm_global_get(g, &out);
		ck_assert_int_eq(out.type, in[i].type);
		ck_assert_mem_eq(&out.of, &in[i].of, in[i].type == WASM_I32 ||
			in[i].type == WASM_F32 ? 4 : 8);
	}
	/* The slot layout the interpreter reads. */
	wasm_global *g = wasm_global_new(store, in[0], false);
	ck_assert_uint_eq(g->val, 0xfffffffbu);
	/* A v128 global: its 16 bytes at &val (val, then hi), in memory
	 * order, as the interpreter's two slots hold them. */
	wasm_value v128 = { .type = WASM_V128 };
	for (int k = 0; k < 16; k++)
		v128.of.v128[k] = (uint8_t)(0xa0 + k);
	g = wasm_global_new(store, v128, false);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->val, 0xa7a6a5a4a3a2a1a0ull);
	ck_assert_uint_eq(g->hi, 0xafaeadacabaaa9a8ull);
	wasm_value back;
	wasm_global_get(g, &back);
	ck_assert_int_eq(back.type, WASM_V128);
	ck_assert_mem_eq(back.of.v128, v128.of.v128, 16);
	/* an unknown type has no global */
	wasm_value bad = { .type = (wasm_valtype)0x42 };
	ck_assert_ptr_null(wasm_global_new(store, bad, false));
}
END_TEST

/* ---- core: host functions ------------------------------------------- */

START_TEST(host_call_ok)
{
	int calls = 0;
	wasm_func *f = make_add(&calls);
	wasm_value args[] = {
		{ .type = WASM_I32, .of.i32 = -3 },
		{ .type = WASM_I64, .of.i64 = 10000000000ll },
		{ .type = WASM_F32, .of.f32_bits = 0x3fc00000u },    /* 1.5 */
		{ .type = WASM_F64, .of.f64_bits = 0x4004000000000000ull }, /* 2.5 */
	};
	wasm_value res[2];
	wasm_error err;

	ck_assert_int_eq(wasm_func_call(store, f, args, 4, res, 2, &err),
		WASM_OK);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(res[0].type, WASM_I64);
	ck_assert_int_eq(res[0].of.i64, 10000000000ll - 3);
	ck_assert_int_eq(res[1].type, WASM_F64);
	ck_assert_uint_eq(res[1].of.f64_bits, 0x4010000000000000ull); /* 4 */

	wasm_functype t;
	wasm_func_type(f, &t);
	ck_assert_uint_eq(t.nparams, 4);
	ck_assert_uint_eq(t.nresults, 2);
	ck_assert_mem_eq(t.params, t_i32_i64_f32_f64, 4);
	ck_assert_uint_eq(t.results[0], WASM_I64);
	ck_assert_uint_eq(t.results[1], WASM_F64);

	/* Equal signatures, equal ids. */
	wasm_func *g = make_add(NULL);
	ck_assert_uint_eq(f->type_id, g->type_id);
	ck_assert_uint_ne(f->type_id, make_nullary(host_trap, NULL)->type_id);
	ck_assert_ptr_null(f->inst);

	wasm_func *m = make_nullary(host_no_memory, NULL);
	ck_assert_int_eq(wasm_func_call(store, m, NULL, 0, NULL, 0, NULL),
		WASM_OK);
}
END_TEST

/* More arguments than fit in wasm_func_call's inline slots. */
static wasm_status host_sum(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	uint64_t sum = 0;
	for (int i = 0; i < 40; i++)
		sum += slots[i];
	slots[0] = sum;
	return WASM_OK;
}

START_TEST(host_call_many_args)
{
	uint8_t params[40], res[1] = { WASM_I64 };
	wasm_value args[40], out;
	for (int i = 0; i < 40; i++) {
		params[i] = WASM_I64;
		args[i] = (wasm_value){ .type = WASM_I64, .of.i64 = i };
	}
	wasm_functype t = { 40, 1, params, res };
	wasm_func *f = wasm_func_new_host(store, &t, host_sum, NULL);
	ck_assert_int_eq(wasm_func_call(store, f, args, 40, &out, 1, NULL),
		WASM_OK);
	ck_assert_int_eq(out.of.i64, 40 * 39 / 2);
}
END_TEST

START_TEST(store_settings)
{
	static volatile uint64_t epoch = 5;
	wasm_store_set_fuel(store, 1234);
	ck_assert_uint_eq(wasm_store_fuel(store), 1234);
	wasm_store_set_deadline(store, &epoch, 10);
	ck_assert(store->ex.epoch == &epoch);
	ck_assert_uint_eq(store->ex.deadline, 10);
	wasm_store_set_deadline(store, NULL, 0);
	/* No deadline: an epoch of zero that never reaches UINT64_MAX. */
	ck_assert((const void *)store->ex.epoch != NULL);
	ck_assert_uint_eq(*store->ex.epoch, 0);
	ck_assert_uint_eq(store->ex.deadline, UINT64_MAX);

	const wasm_config *cfg = engine_config(engine);
	ck_assert_int_eq(store->ex.stack_end - store->ex.stack,
		cfg->max_stack_slots);
	ck_assert_int_eq(store->ex.frames_end - store->ex.frames,
		cfg->max_call_depth);
	ck_assert_ptr_eq(store->ex.frame_top, store->ex.frames);
	ck_assert_ptr_eq(store->ex.sp_free, store->ex.stack);
	/* The stacks are usable memory. */
	store->ex.stack[0] = 1;
	store->ex.stack_end[-1] = 2;
}
END_TEST

/* ---- instantiation on hand-built modules ----------------------------- */

/* A module with the given imports and a little of everything, built
 * without the decoder.  Arrays are static: one module per test. */
typedef struct {
	wasm_module m;
	functype types[2];
	uint8_t type_bytes[4];
	import_t imports[4];
	func_t funcs[4];
	tabletype tables[2];
	wasm_limits memories[1];
	globaltype globals[3];
	constexpr_t global_inits[3];
	export_t exports[5];
	elem_t elems[3];
	constexpr_t elem_items[3];
	data_t datas[2];
} test_module;

static test_module tm;

/* Types: 0 = [] -> [], 1 = [i32] -> [i32]. */
static void tm_init(void)
{
	memset(&tm, 0, sizeof tm);
	tm.m.engine = engine;
	tm.type_bytes[0] = WASM_I32;
	tm.type_bytes[1] = WASM_I32;
	tm.types[0] = (functype){ 0, 0, tm.type_bytes, 0 };
	tm.types[0].id = engine_intern_type(engine, 0, tm.type_bytes, 0,
		tm.type_bytes);
	tm.types[1] = (functype){ 1, 1, tm.type_bytes, 0 };
	tm.types[1].id = engine_intern_type(engine, 1, tm.type_bytes, 1,
		tm.type_bytes + 1);
	tm.m.ntypes = 2;
	tm.m.types = tm.types;
	tm.m.imports = tm.imports;
	tm.m.funcs = tm.funcs;
	tm.m.tables = tm.tables;
	tm.m.memories = tm.memories;
	tm.m.globals = tm.globals;
	tm.m.global_inits = tm.global_inits;
	tm.m.exports = tm.exports;
	tm.m.elems = tm.elems;
	tm.m.datas = tm.datas;
}

static void tm_import(wasm_extern_kind kind, const char *name, uint32_t index)
{
	tm.imports[tm.m.nimports++] = (import_t){ .module = "env",
		.name = (char *)name, .module_len = 3,
		.name_len = (uint32_t)strlen(name), .kind = (uint8_t)kind,
		.index = index };
}

static void tm_export(wasm_extern_kind kind, const char *name, uint32_t index)
{
	tm.exports[tm.m.nexports++] = (export_t){ .name = (char *)name,
		.name_len = (uint32_t)strlen(name), .kind = (uint8_t)kind,
		.index = index };
}

static wasm_status host_id(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	return WASM_OK;
}

static wasm_func *make_i32_i32(void)
{
	static const uint8_t i32[] = { WASM_I32 };
	wasm_functype t = { 1, 1, i32, i32 };
	return wasm_func_new_host(store, &t, host_id, NULL);
}

START_TEST(instance_everything)
{
	tm_init();
	/* import func 0 : type 1; global 0: i32 const; table 0: funcref. */
	tm_import(WASM_EXTERN_FUNC, "f", 1);
	tm.funcs[0].type = 1;
	tm_import(WASM_EXTERN_GLOBAL, "g", 0);
	tm.globals[0] = (globaltype){ WASM_I32, false };
	tm_import(WASM_EXTERN_TABLE, "t", 0);
	tm.tables[0] = (tabletype){ WASM_FUNCREF, { 2, 0, false } };
	tm.m.nfuncs = 2;
	tm.m.nfunc_imports = 1;
	tm.funcs[1].type = 0;
	tm.m.nglobals = 3;
	tm.m.nglobal_imports = 1;
	/* global 1 = global.get 0; global 2 = ref.func 1 */
	tm.globals[1] = (globaltype){ WASM_I32, true };
	tm.global_inits[1] = (constexpr_t){ .kind = CONST_GLOBAL_GET, .index = 0 };
	tm.globals[2] = (globaltype){ WASM_FUNCREF, false };
	tm.global_inits[2] = (constexpr_t){ .kind = CONST_REF_FUNC, .index = 1 };
	tm.m.ntables = 2;
	tm.m.ntable_imports = 1;
	tm.tables[1] = (tabletype){ WASM_EXTERNREF, { 4, 8, true } };
	tm.m.nmemories = 1;
	tm.memories[0] = (wasm_limits){ 1, 2, true };
	/* elem 0: active table 0 offset global 0 (=1): [ref.func 1];
	 * elem 1: passive; elem 2: declarative. */
	tm.elem_items[0] = (constexpr_t){ .kind = CONST_REF_FUNC, .index = 1 };
	tm.elems[0] = (elem_t){ .mode = SEG_ACTIVE, .type = WASM_FUNCREF,
		.table = 0, .offset = { .kind = CONST_GLOBAL_GET, .index = 0 },
		.count = 1, .items = &tm.elem_items[0] };
	tm.elems[1] = (elem_t){ .mode = SEG_PASSIVE, .type = WASM_FUNCREF,
		.count = 1, .items = &tm.elem_items[0] };
	tm.elems[2] = (elem_t){ .mode = SEG_DECLARATIVE, .type = WASM_FUNCREF,
		.count = 1, .items = &tm.elem_items[0] };
	tm.m.nelems = 3;
	static const uint8_t hello[] = "hello";
	tm.datas[0] = (data_t){ .mode = SEG_ACTIVE,
		.offset = { .kind = CONST_I32, .bits = 65530 }, .len = 5,
		.bytes = hello };
	tm.datas[1] = (data_t){ .mode = SEG_PASSIVE, .len = 5, .bytes = hello };
	tm.m.ndatas = 2;
	tm_export(WASM_EXTERN_FUNC, "run", 1);
	tm_export(WASM_EXTERN_MEMORY, "mem", 0);
	tm_export(WASM_EXTERN_GLOBAL, "g2", 2);
	tm_export(WASM_EXTERN_TABLE, "tab", 1);
	/* A name holding U+0000, as wasm allows. */
	tm.exports[tm.m.nexports++] = (export_t){ .name = (char *)"r\0n",
		.name_len = 3, .kind = WASM_EXTERN_FUNC, .index = 1 };

	wasm_func *f = make_i32_i32();
	wasm_global *g = wasm_global_new(store,
		(wasm_value){ .type = WASM_I32, .of.i32 = 1 }, false);
	wasm_table *t = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 3, 0, false }, NULL);
	wasm_extern imports[] = {
		{ .kind = WASM_EXTERN_FUNC, .of.func = f },
		{ .kind = WASM_EXTERN_GLOBAL, .of.global = g },
		{ .kind = WASM_EXTERN_TABLE, .of.table = t },
	};
	wasm_instance *inst;
	wasm_error err;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, imports, 3, &inst,
		&err), WASM_OK);
	ck_assert_ptr_nonnull(inst);

	ck_assert_ptr_eq(inst->funcs[0], f);
	wasm_func *run = inst->funcs[1];
	ck_assert_ptr_eq(run->inst, inst);
	ck_assert_uint_eq(run->index, 1);
	ck_assert_uint_eq(run->type_id, tm.types[0].id);
	ck_assert_ptr_eq(inst->globals[0], g);
	ck_assert_uint_eq(inst->globals[1]->val, 1);
	ck_assert(inst->globals[1]->mut);
	ck_assert_uint_eq(inst->globals[2]->val, (uintptr_t)run);
	void *v;
	ck_assert(wasm_table_get(t, 1, &v));
	ck_assert_ptr_eq(v, run);
	ck_assert(wasm_table_get(t, 0, &v));
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(wasm_table_size(inst->tables[1]), 4);
	ck_assert_uint_eq(inst->elem_dropped[0], 1);
	ck_assert_uint_eq(inst->elem_dropped[1], 0);
	ck_assert_uint_eq(inst->elem_dropped[2], 1);
	ck_assert_uint_eq(inst->data_dropped[0], 1);
	ck_assert_uint_eq(inst->data_dropped[1], 0);
	ck_assert_mem_eq(wasm_memory_data(inst->memory) + 65530, "hello", 5);

	wasm_extern x;
	ck_assert(wasm_instance_export(inst, "run", &x));
	ck_assert_int_eq(x.kind, WASM_EXTERN_FUNC);
	ck_assert_ptr_eq(x.of.func, run);
	ck_assert(wasm_instance_export(inst, "mem", &x));
	ck_assert_int_eq(x.kind, WASM_EXTERN_MEMORY);
	ck_assert_ptr_eq(x.of.memory, inst->memory);
	ck_assert(wasm_instance_export(inst, "g2", &x));
	ck_assert_ptr_eq(x.of.global, inst->globals[2]);
	ck_assert(wasm_instance_export(inst, "tab", &x));
	ck_assert_ptr_eq(x.of.table, inst->tables[1]);
	ck_assert(!wasm_instance_export(inst, "ru", &x));
	ck_assert(!wasm_instance_export(inst, "runs", &x));
	ck_assert(!wasm_instance_export(inst, "r", &x));
	ck_assert(wasm_instance_export_bytes(inst, "r\0n", 3, &x));
	ck_assert_ptr_eq(x.of.func, run);
	ck_assert(!wasm_instance_export_bytes(inst, "r\0x", 3, &x));
	ck_assert(wasm_instance_export_bytes(inst, "runs", 3, &x));
	ck_assert_ptr_eq(x.of.func, run);
}
END_TEST

static wasm_status host_start(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(*(int *)env)++;
	return WASM_OK;
}

START_TEST(instance_start_runs)
{
	int runs = 0;
	tm_init();
	tm_import(WASM_EXTERN_FUNC, "start", 0);
	tm.m.nfuncs = tm.m.nfunc_imports = 1;
	tm.m.has_start = true;
	tm.m.start = 0;
	wasm_extern imp = { .kind = WASM_EXTERN_FUNC,
		.of.func = make_nullary(host_start, &runs) };
	wasm_instance *inst;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, &imp, 1, &inst, NULL),
		WASM_OK);
	ck_assert_int_eq(runs, 1);

	/* A trapping start function fails instantiation with its trap. */
	imp.of.func = make_nullary(host_trap, NULL);
	wasm_error err;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, &imp, 1, &inst, &err),
		WASM_ERR_TRAP);
	ck_assert_ptr_null(inst);
	ck_assert_int_eq(err.trap, WASM_TRAP_UNREACHABLE);
	ck_assert_str_eq(err.message, "it is over");
}
END_TEST

/* ---- limits ---------------------------------------------------------- */

START_TEST(memory_grow_limits)
{
	wasm_memory *mem = wasm_memory_new(store, (wasm_limits){ 1, 3, true });
	ck_assert_int_eq(wasm_memory_grow(mem, 3), -1); /* past type max */
	ck_assert_int_eq(wasm_memory_grow(mem, UINT32_MAX), -1);
	ck_assert_int_eq(wasm_memory_grow(mem, 2), 1);
	ck_assert_int_eq(wasm_memory_grow(mem, 1), -1);
	ck_assert_uint_eq(wasm_memory_pages(mem), 3);

	/* No max: the spec's 65536. */
	wasm_memory *big = wasm_memory_new(store, (wasm_limits){ 0, 0, false });
	ck_assert_uint_eq(big->max_pages, WASM_MAX_PAGES);
	ck_assert_int_eq(wasm_memory_grow(big, WASM_MAX_PAGES + 1), -1);
	ck_assert_uint_eq(wasm_memory_pages(big), 0);

	/* The store's cap, counting initial pages. */
	wasm_store_set_max_memory_pages(store, 4);
	wasm_memory *capped = wasm_memory_new(store,
		(wasm_limits){ 2, 100, true });
	ck_assert_ptr_nonnull(capped);
	ck_assert_uint_eq(capped->limit_pages, 4);
	ck_assert_int_eq(wasm_memory_grow(capped, 3), -1);
	ck_assert_int_eq(wasm_memory_grow(capped, 2), 2);
	ck_assert_int_eq(wasm_memory_grow(capped, 1), -1);
	ck_assert(!page_is_rw(wasm_memory_data(capped) + 4 * WASM_PAGE_SIZE));
	ck_assert_ptr_null(wasm_memory_new(store, (wasm_limits){ 5, 0, false }));
	/* Memories made before the cap keep theirs. */
	ck_assert_uint_eq(big->limit_pages, WASM_MAX_PAGES);
}
END_TEST

START_TEST(memory_bad_limits)
{
	ck_assert_ptr_null(wasm_memory_new(store,
		(wasm_limits){ 3, 2, true }));
	ck_assert_ptr_null(wasm_memory_new(store,
		(wasm_limits){ WASM_MAX_PAGES + 1, 0, false }));
	ck_assert_ptr_null(wasm_memory_new(store,
		(wasm_limits){ 0, WASM_MAX_PAGES + 1, true }));
}
END_TEST

/* Many reservations at once: 8 GiB each, all PROT_NONE, no real cost. */
START_TEST(memory_many_reservations)
{
	for (int i = 0; i < 32; i++)
		ck_assert_ptr_nonnull(wasm_memory_new(store,
			(wasm_limits){ 1, 0, false }));
}
END_TEST

START_TEST(table_limits)
{
	wasm_table *t = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 1, 2, true }, NULL);
	ck_assert_int_eq(table_grow(t, 2, NULL), -1);
	ck_assert_int_eq(table_grow(t, UINT32_MAX, NULL), -1);
	ck_assert_int_eq(table_grow(t, 1, NULL), 1);
	ck_assert_int_eq(table_grow(t, 1, NULL), -1);

	wasm_table *u = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 0, 0, false }, NULL);
	ck_assert_int_eq(table_grow(u, LIMIT_TABLE_ELEMS + 1, NULL), -1);
	ck_assert_ptr_null(wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ LIMIT_TABLE_ELEMS + 1, 0, false }, NULL));
	ck_assert_ptr_null(wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 2, 1, true }, NULL));
	ck_assert_ptr_null(wasm_table_new(store, WASM_I32,
		(wasm_limits){ 0, 0, false }, NULL));
}
END_TEST

START_TEST(nested_call_limit)
{
	wasm_func *self;
	self = make_nullary(host_recurse, &self);
	wasm_error err;
	ck_assert_int_eq(wasm_func_call(store, self, NULL, 0, NULL, 0, &err),
		WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
	ck_assert_uint_eq(store->ex.depth, 0);
	ck_assert_ptr_null(store->ex.fault_jmp);
}
END_TEST

START_TEST(instance_memory_over_cap)
{
	tm_init();
	tm.m.nmemories = 1;
	tm.memories[0] = (wasm_limits){ 3, 0, false };
	wasm_store_set_max_memory_pages(store, 2);
	wasm_instance *inst;
	wasm_error err;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, NULL, 0, &inst, &err),
		WASM_ERR_LIMIT);
	ck_assert_str_eq(err.message, "memory minimum exceeds the limit");
	ck_assert_ptr_null(inst);
	wasm_store_set_max_memory_pages(store, 3);
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, NULL, 0, &inst, &err),
		WASM_OK);
	ck_assert_int_eq(wasm_memory_grow(inst->memory, 1), -1);
}
END_TEST

/* ---- errors ---------------------------------------------------------- */

START_TEST(host_call_bad_args)
{
	wasm_func *f = make_add(NULL);
	wasm_value args[] = {
		{ .type = WASM_I32 }, { .type = WASM_I64 },
		{ .type = WASM_F32 }, { .type = WASM_F64 },
	};
	wasm_value res[2];
	wasm_error err;

	ck_assert_int_eq(wasm_func_call(store, f, args, 3, res, 2, &err),
		WASM_ERR_ARG);
	ck_assert_int_eq(err.status, WASM_ERR_ARG);
	ck_assert_str_eq(err.message, "expected 4 arguments, got 3");
	ck_assert_int_eq(wasm_func_call(store, f, args, 4, res, 1, &err),
		WASM_ERR_ARG);
	args[2].type = WASM_F64;
	ck_assert_int_eq(wasm_func_call(store, f, args, 4, res, 2, &err),
		WASM_ERR_ARG);
	ck_assert_str_eq(err.message, "argument 2: expected f32, got f64");
	args[2].type = WASM_F32;
	ck_assert_int_eq(wasm_func_call(store, f, args, 4, res, 2, NULL),
		WASM_OK);

	static const uint8_t bad[] = { 0x40 };  /* no value type */
	wasm_functype t = { 1, 0, bad, NULL };
	ck_assert_ptr_null(wasm_func_new_host(store, &t, host_id, NULL));
	t = (wasm_functype){ 0, 0, NULL, NULL };
	ck_assert_ptr_null(wasm_func_new_host(store, &t, NULL, NULL));
}
END_TEST

START_TEST(host_call_traps_and_exits)
{
	wasm_error err;

	ck_assert_int_eq(wasm_func_call(store, make_nullary(host_trap, NULL),
		NULL, 0, NULL, 0, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_UNREACHABLE);
	ck_assert_str_eq(err.message, "it is over");
	ck_assert_uint_eq(err.func_index, WASM_NO_INDEX);
	ck_assert_str_eq(err.func_name, "");

	ck_assert_int_eq(wasm_func_call(store,
		make_nullary(host_bare_trap, NULL), NULL, 0, NULL, 0, &err),
		WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_HOST);

	ck_assert_int_eq(wasm_func_call(store, make_nullary(host_exit, NULL),
		NULL, 0, NULL, 0, &err), WASM_ERR_EXIT);
	ck_assert_int_eq(err.status, WASM_ERR_EXIT);
	ck_assert_int_eq(err.exit_code, 7);
}
END_TEST

START_TEST(instance_link_errors)
{
	wasm_instance *inst;
	wasm_error err;

	tm_init();
	tm_import(WASM_EXTERN_FUNC, "f", 1);
	tm.m.nfuncs = tm.m.nfunc_imports = 1;
	tm.funcs[0].type = 1;

	/* Missing. */
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, NULL, 0, &inst, &err),
		WASM_ERR_LINK);
	ck_assert_int_eq(err.status, WASM_ERR_LINK);
	ck_assert(strncmp(err.message, "unknown import", 14) == 0);
	ck_assert_ptr_null(inst);
	/* Wrong function type. */
	wasm_extern x = { .kind = WASM_EXTERN_FUNC,
		.of.func = make_nullary(host_id, NULL) };
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, &x, 1, &inst, &err),
		WASM_ERR_LINK);
	ck_assert(strncmp(err.message, "incompatible import type", 24) == 0);
	/* A v128 where the import has an i32 (the spec's linking rule: the
	 * types must be equal), param and result. */
	static const uint8_t v_i[] = { WASM_V128, WASM_I32 };
	static const uint8_t i_v[] = { WASM_I32, WASM_V128 };
	for (int k = 0; k < 2; k++) {
		wasm_functype vt = { 1, 1, k ? i_v : v_i, k ? i_v + 1 : v_i + 1 };
		x.of.func = wasm_func_new_host(store, &vt, host_id, NULL);
		ck_assert_ptr_nonnull(x.of.func);
		ck_assert_int_eq(wasm_instance_new(store, &tm.m, &x, 1, &inst,
			&err), WASM_ERR_LINK);
		ck_assert(strncmp(err.message, "incompatible import type", 24) == 0);
	}
	/* Wrong kind. */
	x = (wasm_extern){ .kind = WASM_EXTERN_GLOBAL,
		.of.global = wasm_global_new(store,
			(wasm_value){ .type = WASM_I32 }, false) };
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, &x, 1, &inst, &err),
		WASM_ERR_LINK);
	ck_assert(strncmp(err.message, "incompatible import type", 24) == 0);
	/* Right. */
	x = (wasm_extern){ .kind = WASM_EXTERN_FUNC, .of.func = make_i32_i32() };
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, &x, 1, &inst, &err),
		WASM_OK);
	/* Too many. */
	wasm_extern two[] = { x, x };
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, two, 2, &inst, &err),
		WASM_ERR_ARG);
}
END_TEST

static wasm_status link_one(wasm_extern x)
{
	wasm_instance *inst;
	wasm_error err;
	wasm_status st = wasm_instance_new(store, &tm.m, &x, 1, &inst, &err);
	if (st == WASM_ERR_LINK)
		ck_assert(strncmp(err.message, "incompatible import type",
			24) == 0);
	return st;
}

START_TEST(instance_link_subtyping)
{
	/* Memory import (memory 2 4). */
	tm_init();
	tm_import(WASM_EXTERN_MEMORY, "m", 0);
	tm.m.nmemories = tm.m.nmemory_imports = 1;
	tm.memories[0] = (wasm_limits){ 2, 4, true };
	wasm_extern x = { .kind = WASM_EXTERN_MEMORY };
	x.of.memory = wasm_memory_new(store, (wasm_limits){ 2, 4, true });
	ck_assert_int_eq(link_one(x), WASM_OK);
	x.of.memory = wasm_memory_new(store, (wasm_limits){ 3, 3, true });
	ck_assert_int_eq(link_one(x), WASM_OK);
	x.of.memory = wasm_memory_new(store, (wasm_limits){ 1, 4, true });
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
	ck_assert_int_eq(wasm_memory_grow(x.of.memory, 1), 1);
	ck_assert_int_eq(link_one(x), WASM_OK); /* current size counts */
	x.of.memory = wasm_memory_new(store, (wasm_limits){ 2, 5, true });
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
	x.of.memory = wasm_memory_new(store, (wasm_limits){ 2, 0, false });
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
	tm.memories[0] = (wasm_limits){ 2, WASM_MAX_PAGES, true };
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK); /* no max != 65536 */
	tm.memories[0] = (wasm_limits){ 2, 0, false };
	ck_assert_int_eq(link_one(x), WASM_OK);

	/* Table import (table 1 funcref). */
	tm_init();
	tm_import(WASM_EXTERN_TABLE, "t", 0);
	tm.m.ntables = tm.m.ntable_imports = 1;
	tm.tables[0] = (tabletype){ WASM_FUNCREF, { 1, 0, false } };
	x.kind = WASM_EXTERN_TABLE;
	x.of.table = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 1, 0, false }, NULL);
	ck_assert_int_eq(link_one(x), WASM_OK);
	x.of.table = wasm_table_new(store, WASM_EXTERNREF,
		(wasm_limits){ 1, 0, false }, NULL);
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
	x.of.table = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 0, 0, false }, NULL);
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
	tm.tables[0].limits = (wasm_limits){ 0, 5, true };
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
	x.of.table = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 0, 5, true }, NULL);
	ck_assert_int_eq(link_one(x), WASM_OK);

	/* Global import (global (mut i64)). */
	tm_init();
	tm_import(WASM_EXTERN_GLOBAL, "g", 0);
	tm.m.nglobals = tm.m.nglobal_imports = 1;
	tm.globals[0] = (globaltype){ WASM_I64, true };
	x.kind = WASM_EXTERN_GLOBAL;
	x.of.global = wasm_global_new(store,
		(wasm_value){ .type = WASM_I64 }, true);
	ck_assert_int_eq(link_one(x), WASM_OK);
	x.of.global = wasm_global_new(store,
		(wasm_value){ .type = WASM_I64 }, false);
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
	x.of.global = wasm_global_new(store,
		(wasm_value){ .type = WASM_I32 }, true);
	ck_assert_int_eq(link_one(x), WASM_ERR_LINK);
}
END_TEST

/* Segments apply in order; a trapping one leaves earlier writes (also in
 * imported objects) and stops the rest. */
START_TEST(instance_segment_traps)
{
	int a, b;
	wasm_table *t = wasm_table_new(store, WASM_EXTERNREF,
		(wasm_limits){ 4, 0, false }, NULL);
	wasm_memory *mem = wasm_memory_new(store, (wasm_limits){ 1, 0, false });

	tm_init();
	tm_import(WASM_EXTERN_TABLE, "t", 0);
	tm.m.ntables = tm.m.ntable_imports = 1;
	tm.tables[0] = (tabletype){ WASM_EXTERNREF, { 1, 0, false } };
	tm_import(WASM_EXTERN_MEMORY, "m", 0);
	tm.m.nmemories = tm.m.nmemory_imports = 1;
	tm.memories[0] = (wasm_limits){ 1, 0, false };
	tm.m.nglobals = tm.m.nglobal_imports = 1;
	tm.globals[0] = (globaltype){ WASM_EXTERNREF, false };
	tm_import(WASM_EXTERN_GLOBAL, "g", 0);
	wasm_extern imports[] = {
		{ .kind = WASM_EXTERN_TABLE, .of.table = t },
		{ .kind = WASM_EXTERN_MEMORY, .of.memory = mem },
		{ .kind = WASM_EXTERN_GLOBAL, .of.global = wasm_global_new(store,
			(wasm_value){ .type = WASM_EXTERNREF, .of.ref = &a },
			false) },
	};

	tm.elem_items[0] = (constexpr_t){ .kind = CONST_GLOBAL_GET, .index = 0 };
	tm.elem_items[1] = (constexpr_t){ .kind = CONST_REF_NULL,
		.reftype = WASM_EXTERNREF };
	tm.elems[0] = (elem_t){ .mode = SEG_ACTIVE, .type = WASM_EXTERNREF,
		.offset = { .kind = CONST_I32, .bits = 0 }, .count = 2,
		.items = tm.elem_items };
	tm.elems[1] = (elem_t){ .mode = SEG_ACTIVE, .type = WASM_EXTERNREF,
		.offset = { .kind = CONST_I32, .bits = 3 }, .count = 2,
		.items = tm.elem_items };
	tm.m.nelems = 2;
	static const uint8_t abc[] = "abc";
	tm.datas[0] = (data_t){ .mode = SEG_ACTIVE,
		.offset = { .kind = CONST_I32, .bits = 0 }, .len = 3,
		.bytes = abc };
	tm.m.ndatas = 1;

	/* Table segment 1 is out of bounds (3 + 2 > 4). */
	table_grow(t, 0, NULL);
	t->elems[1] = &b;
	wasm_instance *inst;
	wasm_error err;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, imports, 3, &inst,
		&err), WASM_ERR_TRAP);
	ck_assert_ptr_null(inst);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_TABLE);
	ck_assert_str_eq(err.message, "out of bounds table access");
	ck_assert_uint_eq(err.func_index, WASM_NO_INDEX);
	void *v;
	ck_assert(wasm_table_get(t, 0, &v));
	ck_assert_ptr_eq(v, &a);
	ck_assert(wasm_table_get(t, 1, &v));
	ck_assert_ptr_null(v);
	ck_assert(wasm_table_get(t, 3, &v));
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(wasm_memory_data(mem)[0], 0); /* data not reached */

	/* Now the table fits; data segment 1 is out of bounds. */
	ck_assert_int_eq(table_grow(t, 1, NULL), 4);
	tm.datas[1] = (data_t){ .mode = SEG_ACTIVE,
		.offset = { .kind = CONST_I32, .bits = 0xffffffffu }, .len = 1,
		.bytes = abc };
	tm.m.ndatas = 2;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, imports, 3, &inst,
		&err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	ck_assert_str_eq(err.message, "out of bounds memory access");
	ck_assert_mem_eq(wasm_memory_data(mem), "abc", 3);
	ck_assert(wasm_table_get(t, 3, &v));
	ck_assert_ptr_eq(v, &a);

	/* Zero-length segments still check their offset. */
	tm.datas[1] = (data_t){ .mode = SEG_ACTIVE,
		.offset = { .kind = CONST_I32, .bits = WASM_PAGE_SIZE + 1 },
		.len = 0, .bytes = abc };
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, imports, 3, &inst,
		&err), WASM_ERR_TRAP);
	tm.datas[1].offset.bits = WASM_PAGE_SIZE;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, imports, 3, &inst,
		&err), WASM_OK);
}
END_TEST

START_TEST(instance_other_engine)
{
	wasm_engine *e2 = wasm_engine_new(NULL);
	tm_init();
	tm.m.engine = e2;
	wasm_instance *inst;
	wasm_error err;
	ck_assert_int_eq(wasm_instance_new(store, &tm.m, NULL, 0, &inst, &err),
		WASM_ERR_ARG);
	wasm_engine_free(e2);
}
END_TEST

/* ---- wasm code: faults and re-entry ---------------------------------- */

/* (module
 *   (import "env" "cb" (func))                          ;; func 0
 *   (memory 1)
 *   (func (export "peek") (param i32) (result i32)      ;; func 1
 *     local.get 0  i32.load)                            ;; i32.load at 67
 *   (func (export "callcb") call 0))                    ;; func 2 */
static const uint8_t peek_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x09, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00,
	0x02, 0x0a, 0x01, 0x03, 'e', 'n', 'v', 0x02, 'c', 'b', 0x00, 0x01,
	0x03, 0x03, 0x02, 0x00, 0x01,
	0x05, 0x03, 0x01, 0x00, 0x01,
	0x07, 0x11, 0x02, 0x04, 'p', 'e', 'e', 'k', 0x00, 0x01,
	0x06, 'c', 'a', 'l', 'l', 'c', 'b', 0x00, 0x02,
	0x0a, 0x0e, 0x02, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
	0x04, 0x00, 0x10, 0x00, 0x0b,
};
#define PEEK_LOAD_OFFSET 67u

static wasm_func *peek_fn, *callcb_fn;
static int cb_calls;

static wasm_status peek(uint32_t addr, int32_t *out, wasm_error *err)
{
	wasm_value arg = { .type = WASM_I32, .of.i32 = (int32_t)addr }, res;
	wasm_status st = wasm_func_call(store, peek_fn, &arg, 1, &res, 1, err);
	if (st == WASM_OK)
		*out = res.of.i32;
	return st;
}

/* The import: checks wasm_call_memory, then calls back into wasm, which
 * traps, then succeeds. */
static wasm_status host_cb(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	wasm_error err;
	int32_t v = 0;
	wasm_memory *mem = wasm_call_memory(ctx);

	ck_assert_ptr_nonnull(mem);
	wasm_memory_data(mem)[8] = 9;
	ck_assert_int_eq(peek(WASM_PAGE_SIZE, &v, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	ck_assert_int_eq(peek(8, &v, &err), WASM_OK);
	ck_assert_int_eq(v, 9);
	cb_calls++;
	return WASM_OK;
}

static wasm_instance *peek_inst;

/* Load and instantiate peek_wasm in the fixture's store. */
static void peek_load(void)
{
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(engine, peek_wasm, sizeof peek_wasm,
		&peek_module, &err), WASM_OK);
	wasm_extern imp = { .kind = WASM_EXTERN_FUNC,
		.of.func = make_nullary(host_cb, NULL) };
	wasm_instance *inst;
	ck_assert_int_eq(wasm_instance_new(store, peek_module, &imp, 1, &inst,
		&err), WASM_OK);
	peek_inst = inst;
	wasm_extern x;
	ck_assert(wasm_instance_export(inst, "peek", &x));
	peek_fn = x.of.func;
	ck_assert(wasm_instance_export(inst, "callcb", &x));
	callcb_fn = x.of.func;
	cb_calls = 0;
}

START_TEST(wasm_fault_traps)
{
	wasm_error err;
	int32_t v = -1;
	static const uint32_t bad[] = { WASM_PAGE_SIZE - 3, WASM_PAGE_SIZE,
		0x7fffffffu, 0xffffffffu };

	peek_load();
	ck_assert_int_eq(peek(WASM_PAGE_SIZE - 4, &v, &err), WASM_OK);
	ck_assert_int_eq(v, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(peek(bad[i], &v, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
		ck_assert_str_eq(err.message, "out of bounds memory access");
		ck_assert_uint_eq(err.func_index, 1);
		ck_assert_str_eq(err.func_name, "peek");
		ck_assert_uint_eq(err.offset, PEEK_LOAD_OFFSET);
		ck_assert_ptr_null(store->ex.fault_jmp);
		ck_assert_ptr_eq(store->ex.frame_top, store->ex.frames);
		ck_assert_ptr_eq(store->ex.sp_free, store->ex.stack);
	}
	ck_assert_int_eq(wasm_memory_grow(peek_fn->inst->memory, 1), 1);
	ck_assert_int_eq(peek(WASM_PAGE_SIZE, &v, &err), WASM_OK);
}
END_TEST

START_TEST(wasm_reentry)
{
	wasm_error err;

	peek_load();
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(wasm_func_call(store, callcb_fn, NULL, 0, NULL,
			0, &err), WASM_OK);
	ck_assert_int_eq(cb_calls, 3);
	ck_assert_uint_eq(store->ex.depth, 0);
	ck_assert_ptr_eq(store->ex.frame_top, store->ex.frames);
}
END_TEST

/* ---- the tier table (runtime/tier_ops.h) --------------------------------- */

/* Replace the fixture's engine and store by ones for tier t. */
static void peek_reengine(wasm_tier t)
{
	wasm_config cfg;
	wasm_store_free(store);
	wasm_module_free(peek_module);
	peek_module = NULL;
	wasm_engine_free(engine);
	wasm_config_default(&cfg);
	cfg.tier = t;
	engine = wasm_engine_new(&cfg);
	ck_assert_ptr_nonnull(engine);
	store = wasm_store_new(engine);
	ck_assert_ptr_nonnull(store);
}

/* One entry per tier this build has, at its own index, with the
 * operations its tier must have; the public availability agrees. */
START_TEST(tier_table_entries)
{
	const tier_ops *t0 = tier_table[WASM_TIER_INTERP];
	const tier_ops *t1 = tier_table[WASM_TIER_BASELINE];

	ck_assert_ptr_nonnull(t0);
	ck_assert_int_eq(t0->tier, WASM_TIER_INTERP);
	ck_assert(t0->validate && t0->compile && t0->call && t0->stats_get &&
		t0->module_free && t0->fault_lookup);
	ck_assert(!t0->enter && !t0->osr);
	ck_assert_ptr_nonnull(t1);
	ck_assert_int_eq(t1->tier, WASM_TIER_BASELINE);
	ck_assert(t1->compile && t1->threshold && t1->enter && t1->osr &&
		t1->stats_get && t1->module_free && t1->fault_lookup &&
		t1->engine_prime && t1->engine_free);
	ck_assert(!t1->validate && !t1->call);
	const tier_ops *t2 = tier_table[WASM_TIER_OPT];
	ck_assert_ptr_nonnull(t2);
	ck_assert_int_eq(t2->tier, WASM_TIER_OPT);
	ck_assert(t2->compile && t2->threshold && t2->enter && t2->osr &&
		t2->stats_get && t2->dump && t2->hot && t2->thread_start);
	/* tier 2's code is in the baseline's JIT state: its fault lookup
	 * covers both; its module_free and engine_free are its compile
	 * queue's */
	ck_assert(!t2->validate && !t2->call && !t2->fault_lookup);
	ck_assert(t2->module_free && t2->engine_free);
	ck_assert(!t0->hot && !t1->hot && !t0->thread_start && !t1->thread_start);
	for (int t = 0; t < WASM_TIER_COUNT; t++)
		ck_assert(wasm_tier_available((wasm_tier)t) == (tier_table[t] != NULL));
	ck_assert(wasm_tier_available(WASM_TIER_AUTO));
	/* the threshold the interpreter uses comes from tier 1 */
	ck_assert_uint_eq(tier_threshold(engine), UINT32_MAX);
	peek_reengine(WASM_TIER_BASELINE);
	ck_assert_uint_eq(tier_threshold(engine), 1);
	/* --tier=opt: tier 2 takes every function at its first call */
	peek_reengine(WASM_TIER_OPT);
	ck_assert_uint_eq(tier_threshold(engine), 1);
	peek_reengine(WASM_TIER_AUTO);
	ck_assert_uint_eq(tier_threshold(engine), WASM_TIER_DEFAULT_THRESHOLD);
	/* --tier=auto: baseline code hands hot functions to tier 2 */
	ck_assert_uint_eq(t2->threshold(engine), WASM_OPT_DEFAULT_THRESHOLD);
	peek_reengine(WASM_TIER_INTERP);
	ck_assert_uint_eq(t2->threshold(engine), UINT32_MAX);
}
END_TEST

/* --tier=opt: tier 2 compiles peek (an integer load) and callcb (a call
 * to an import); both show in its statistics, nothing refused.  A fault
 * in tier-2 code names its function and offset as in the other tiers, and
 * tier-2 code calls the host, which calls tier-2 code (callcb -> host ->
 * peek).  (What tier 2 still refuses, the baseline compiles: tier_opt.c;
 * the spec suite and the diff test count refusals.) */
START_TEST(tier_opt_compiles_imports)
{
	wasm_module_stats st;
	wasm_error err;
	int32_t v = -1;

	peek_reengine(WASM_TIER_OPT);
	peek_load();
	wasm_module_stats_get(peek_module, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_INTERP].nfuncs, 2);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 0);

	ck_assert_int_eq(peek(WASM_PAGE_SIZE - 4, &v, &err), WASM_OK);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(peek(WASM_PAGE_SIZE, &v, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	ck_assert_uint_eq(err.func_index, 1);
	ck_assert_uint_eq(err.offset, PEEK_LOAD_OFFSET);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(wasm_func_call(store, callcb_fn, NULL, 0, NULL,
			0, &err), WASM_OK);
	ck_assert_int_eq(cb_calls, 2);

	wasm_module_stats_get(peek_module, &st);
	const wasm_tier_stats *t1 = &st.tiers[WASM_TIER_BASELINE];
	const wasm_tier_stats *t2 = &st.tiers[WASM_TIER_OPT];
	ck_assert_uint_eq(t2->nfuncs, 2);       /* peek, callcb */
	ck_assert_uint_gt(t2->code_bytes, 0);
	ck_assert_uint_gt(t2->wasm_bytes, 6);   /* peek's body and callcb's */
	ck_assert_uint_eq(t2->nfuncs_refused, 0);
	ck_assert_ptr_null(st.refused_reason[WASM_TIER_OPT]);
	ck_assert_uint_eq(t1->nfuncs, 0);
	ck_assert_uint_eq(t1->nfuncs_refused, 0);

	/* compile through the table: both have tier-2 code already (a
	 * function's code is installed once) */
	const tier_ops *t = tier_table[WASM_TIER_OPT];
	ck_assert_int_eq(t->compile(peek_module, 1, &err), WASM_OK);
	ck_assert_int_eq(t->compile(peek_module, 2, &err), WASM_OK);
	wasm_module_stats_get(peek_module, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 2);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs_refused, 0);
}
END_TEST

/* Every tier's statistics come through the table: run in the interpreter,
 * tier 0 counts the pre-decoded function and tier 1 nothing; run in the
 * baseline, tier 1 counts every function it compiled.  A fault names the
 * same function and offset in both (the tiers' fault_lookup). */
START_TEST(tier_stats_and_faults)
{
	static const wasm_tier tiers[] = { WASM_TIER_INTERP, WASM_TIER_BASELINE };
	for (size_t k = 0; k < sizeof tiers / sizeof tiers[0]; k++) {
		wasm_module_stats st;
		wasm_error err;
		int32_t v = -1;

		peek_reengine(tiers[k]);
		peek_load();
		wasm_module_stats_get(peek_module, &st);
		ck_assert_uint_eq(st.nfuncs, 2);
		/* baseline: every body pre-decoded at load, in its validation */
		ck_assert_uint_eq(st.tiers[WASM_TIER_INTERP].nfuncs,
			tiers[k] == WASM_TIER_BASELINE ? 2 : 0);
		ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 0);

		ck_assert_int_eq(peek(WASM_PAGE_SIZE - 4, &v, &err), WASM_OK);
		ck_assert_int_eq(peek(WASM_PAGE_SIZE, &v, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
		ck_assert_uint_eq(err.func_index, 1);
		ck_assert_uint_eq(err.offset, PEEK_LOAD_OFFSET);

		wasm_module_stats_get(peek_module, &st);
		const wasm_tier_stats *t0 = &st.tiers[WASM_TIER_INTERP];
		const wasm_tier_stats *t1 = &st.tiers[WASM_TIER_BASELINE];
		ck_assert_uint_gt(t0->code_bytes, 0);
		ck_assert_uint_eq(t0->compile_ns, 0);
		ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 0);
		ck_assert_ptr_null(st.refused_reason[WASM_TIER_OPT]);
		if (tiers[k] == WASM_TIER_INTERP) {
			/* only peek ran; pre-decoded lazily */
			ck_assert_uint_eq(t0->nfuncs, 1);
			ck_assert_uint_eq(t0->wasm_bytes, 6);   /* local.get 0 i32.load 2 0 end */
			ck_assert_uint_eq(t1->nfuncs, 0);
			ck_assert_uint_eq(t1->code_bytes, 0);
		} else {
			/* the baseline compiles the whole module at once */
			ck_assert_uint_eq(t0->nfuncs, 2);
			ck_assert_uint_eq(t1->nfuncs, 2);
			ck_assert_uint_eq(t1->nfuncs_refused, 0);
			ck_assert_uint_gt(t1->code_bytes, 0);
			ck_assert_uint_eq(t1->wasm_bytes, t0->wasm_bytes);
		}
	}
}
END_TEST

/* compile through the table: tier 0 first (tier 1 compiles its code), each
 * shows in its own statistics, and the code runs. */
START_TEST(tier_compile_through_table)
{
	const tier_ops *t0 = tier_table[WASM_TIER_INTERP];
	const tier_ops *t1 = tier_table[WASM_TIER_BASELINE];
	wasm_module_stats st;
	wasm_error err;
	int32_t v = -1;

	peek_reengine(WASM_TIER_AUTO);
	peek_load();
	ck_assert_int_eq(t1->compile(peek_module, 1, &err), WASM_ERR_ARG);
	ck_assert_int_eq(t0->compile(peek_module, 1, &err), WASM_OK);
	ck_assert_int_eq(t0->compile(peek_module, 1, &err), WASM_OK);
	wasm_module_stats_get(peek_module, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_INTERP].nfuncs, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 0);
	ck_assert_int_eq(t1->compile(peek_module, 1, &err), WASM_OK);
	wasm_module_stats_get(peek_module, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 1);
	ck_assert_uint_gt(st.tiers[WASM_TIER_BASELINE].code_bytes, 0);
	ck_assert_int_eq(peek(8, &v, &err), WASM_OK);
	ck_assert_int_eq(v, 0);
}
END_TEST

/* wasm_instance_call: the checks and their messages (what the worker and
 * `wasmhost run` show), results, and a trap leaving no results. */
START_TEST(instance_call_by_name)
{
	wasm_error err;
	wasm_value *res = (wasm_value *)&err;
	uint32_t nres = 7;
	wasm_value arg = { .type = WASM_I64, .of.i64 = 8 };

	peek_load();
	ck_assert_int_eq(wasm_instance_call(store, peek_inst, "nope", NULL, 0,
		&res, &nres, &err), WASM_ERR_ARG);
	ck_assert_str_eq(err.message, "no exported function 'nope'");
	ck_assert_ptr_null(res);
	ck_assert_uint_eq(nres, 0);
	ck_assert_int_eq(wasm_instance_call(store, peek_inst, "peek", NULL, 0,
		&res, &nres, &err), WASM_ERR_ARG);
	ck_assert_str_eq(err.message, "peek expects 1 arguments, got 0");
	ck_assert_int_eq(wasm_instance_call(store, peek_inst, "peek", &arg, 1,
		&res, &nres, &err), WASM_ERR_ARG);
	ck_assert_str_eq(err.message,
		"argument 1 of peek: expected i32, got i64");
	arg = (wasm_value){ .type = WASM_I32, .of.i32 = WASM_PAGE_SIZE };
	ck_assert_int_eq(wasm_instance_call(store, peek_inst, "peek", &arg, 1,
		&res, &nres, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	ck_assert_ptr_null(res);
	arg.of.i32 = 0;
	ck_assert_int_eq(wasm_instance_call(store, peek_inst, "peek", &arg, 1,
		&res, &nres, &err), WASM_OK);
	ck_assert_uint_eq(nres, 1);
	ck_assert_int_eq(res[0].type, WASM_I32);
	ck_assert_int_eq(res[0].of.i32, 0);
	free(res);
	ck_assert_int_eq(wasm_instance_call(store, peek_inst, "callcb", NULL,
		0, &res, &nres, &err), WASM_OK);
	ck_assert_uint_eq(nres, 0);
	ck_assert_int_eq(cb_calls, 1);
	free(res);
}
END_TEST

/* (import "m\00" "f\00g" (func))
 * (func (export "a") (result i32) i32.const 1)
 * (func (export "a\00b") (result i32) i32.const 2)
 * (func (export "t\00\\") unreachable) */
static const uint8_t nul_names_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
	0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x0a, 0x01, 0x02, 0x6d, 0x00,
	0x03, 0x66, 0x00, 0x67, 0x00, 0x00, 0x03, 0x04, 0x03, 0x01, 0x01, 0x00,
	0x07, 0x11, 0x03, 0x01, 0x61, 0x00, 0x01, 0x03, 0x61, 0x00, 0x62, 0x00,
	0x02, 0x03, 0x74, 0x00, 0x5c, 0x00, 0x03, 0x0a, 0x0f, 0x03, 0x04, 0x00,
	0x41, 0x01, 0x0b, 0x04, 0x00, 0x41, 0x02, 0x0b, 0x03, 0x00, 0x00, 0x0b,
};

/* Names are byte strings: U+0000 inside one is part of it, in the
 * descriptions, in lookups, in calls, in linking and in messages. */
START_TEST(names_with_nul)
{
	wasm_module *m;
	wasm_instance *inst;
	wasm_extern_desc d;
	wasm_error err;
	wasm_value *res;
	uint32_t nres;

	ck_assert_int_eq(wasm_module_load(engine, nul_names_wasm,
		sizeof nul_names_wasm, &m, &err), WASM_OK);
	peek_module = m;   /* freed by teardown */
	wasm_module_import(m, 0, &d);
	ck_assert_uint_eq(d.module_len, 2);
	ck_assert_mem_eq(d.module, "m\0", 3);
	ck_assert_uint_eq(d.name_len, 3);
	ck_assert_mem_eq(d.name, "f\0g", 4);
	wasm_module_export(m, 1, &d);
	ck_assert_uint_eq(d.name_len, 3);
	ck_assert_mem_eq(d.name, "a\0b", 4);
	ck_assert_str_eq(d.name, "a");    /* what a C-string user sees */
	ck_assert_uint_eq(d.module_len, 0);
	ck_assert_uint_eq(wasm_module_export_find(m, "a"), 0);
	ck_assert_uint_eq(wasm_module_export_find_bytes(m, "a\0b", 3), 1);
	ck_assert_uint_eq(wasm_module_export_find_bytes(m, "a\0c", 3),
		WASM_NO_INDEX);

	/* Linking names the import by its bytes, escaped. */
	ck_assert_int_eq(wasm_instance_new(store, m, NULL, 0, &inst, &err),
		WASM_ERR_LINK);
	ck_assert_str_eq(err.message, "unknown import \"m\\x00\" \"f\\x00g\"");
	wasm_extern imp = { .kind = WASM_EXTERN_FUNC,
		.of.func = make_nullary(host_cb, NULL) };
	ck_assert_int_eq(wasm_instance_new(store, m, &imp, 1, &inst, &err),
		WASM_OK);

	ck_assert_int_eq(wasm_instance_call_bytes(store, inst, "a\0b", 3, NULL,
		0, &res, &nres, &err), WASM_OK);
	ck_assert_uint_eq(nres, 1);
	ck_assert_int_eq(res[0].of.i32, 2);
	free(res);
	ck_assert_int_eq(wasm_instance_call(store, inst, "a", NULL, 0, &res,
		&nres, &err), WASM_OK);
	ck_assert_int_eq(res[0].of.i32, 1);
	free(res);
	ck_assert_int_eq(wasm_instance_call_bytes(store, inst, "a\0", 2, NULL,
		0, &res, &nres, &err), WASM_ERR_ARG);
	ck_assert_str_eq(err.message, "no exported function 'a\\x00'");
	ck_assert_int_eq(wasm_instance_call_bytes(store, inst, "a\0b", 3,
		&(wasm_value){ .type = WASM_I32 }, 1, &res, &nres, &err),
		WASM_ERR_ARG);
	ck_assert_str_eq(err.message, "a\\x00b expects 0 arguments, got 1");
	/* A trap names its function as the export is named, escaped. */
	ck_assert_int_eq(wasm_instance_call_bytes(store, inst, "t\0\\", 3,
		NULL, 0, &res, &nres, &err), WASM_ERR_TRAP);
	ck_assert_str_eq(err.func_name, "t\\x00\\\\");
}
END_TEST

START_TEST(name_format)
{
	char buf[32];

	ck_assert_uint_eq(wasm_name_format("a\0b\\\x1b\x7f", 6, buf,
		sizeof buf), 16);
	ck_assert_str_eq(buf, "a\\x00b\\\\\\x1b\\x7f");
	ck_assert_uint_eq(wasm_name_format("abc", 3, buf, sizeof buf), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_uint_eq(wasm_name_format("", 0, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "");
	/* Cut before an escape, never inside one, with "...". */
	ck_assert_uint_eq(wasm_name_format("abcdefghij\0kl", 13, buf, 16), 16);
	ck_assert_str_eq(buf, "abcdefghij...");
	ck_assert_uint_eq(wasm_name_format("abcdefghijklmnop", 16, buf, 16),
		16);
	ck_assert_str_eq(buf, "abcdefghijkl...");
	ck_assert_uint_eq(wasm_name_format("abcdef", 6, buf, 4), 6);
	ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");

	TCase *core = tcase_create("core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_set_timeout(core, 60);
	tcase_add_test(core, memory_basics);
	tcase_add_test(core, memory_zero_pages);
	tcase_add_test(core, memory_reuse_zeroed);
	tcase_add_test(core, memory_fault_traps);
	tcase_add_test(core, memory_fault_nested);
	if (!HAVE_ASAN) {
		/* ASan's own handler reports and exits instead. */
		tcase_add_test_raise_signal(core, memory_fault_outside_call,
			SIGSEGV);
		tcase_add_test_raise_signal(core, memory_fault_other_store,
			SIGSEGV);
	}
	tcase_add_test(core, table_basics);
	tcase_add_test(core, global_roundtrip);
	tcase_add_test(core, host_call_ok);
	tcase_add_test(core, host_call_many_args);
	tcase_add_test(core, store_settings);
	tcase_add_test(core, instance_everything);
	tcase_add_test(core, instance_start_runs);
	tcase_add_test(core, wasm_fault_traps);
	tcase_add_test(core, wasm_reentry);
	tcase_add_test(core, instance_call_by_name);
	tcase_add_test(core, names_with_nul);
	tcase_add_test(core, name_format);
	tcase_add_test(core, tier_table_entries);
	tcase_add_test(core, tier_stats_and_faults);
	tcase_add_test(core, tier_compile_through_table);
	tcase_add_test(core, tier_opt_compiles_imports);
	suite_add_tcase(s, core);

	TCase *limits = tcase_create("limits");
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(limits, memory_grow_limits);
	tcase_add_test(limits, memory_bad_limits);
	tcase_add_test(limits, memory_many_reservations);
	tcase_add_test(limits, table_limits);
	tcase_add_test(limits, nested_call_limit);
	tcase_add_test(limits, instance_memory_over_cap);
	suite_add_tcase(s, limits);

	TCase *errors = tcase_create("errors");
	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(errors, host_call_bad_args);
	tcase_add_test(errors, host_call_traps_and_exits);
	tcase_add_test(errors, instance_link_errors);
	tcase_add_test(errors, instance_link_subtyping);
	tcase_add_test(errors, instance_segment_traps);
	tcase_add_test(errors, instance_other_engine);
	suite_add_tcase(s, errors);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(runtime_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
