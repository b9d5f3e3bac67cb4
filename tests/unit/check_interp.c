/* check_interp.c -- the pre-decoder and interpreter, through the public
 * API, on small modules assembled here (no external tools needed).
 * The spec suite covers the instruction semantics; these cases pin down
 * what the suite does not: the compiler's operand rewrites (lazy locals,
 * fused branches and addresses), interruption, fuel, stack limits and
 * trap locations. */
#include "wasm.h"

#include "testlib.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tiny module builder ---------------------------------------------- */

/* buf, put, u8, uleb, section: testlib.h */

/* One function "f" of type params -> results with `nlocals` i32/i64
 * locals of type ltype and the given body (without the final end), and
 * optionally one memory of one page. */
static size_t build(uint8_t *out, const char *params, const char *results,
	uint32_t nlocals, uint8_t ltype, const uint8_t *code, size_t code_len,
	bool memory)
{
	buf m = { .n = 0 }, s;
	put(&m, "\0asm\1\0\0\0", 8);
	s.n = 0;                                  /* type */
	uleb(&s, 1);
	u8(&s, 0x60);
	uleb(&s, (uint32_t)strlen(params));
	for (const char *p = params; *p; p++)
		u8(&s, *p == 'i' ? 0x7f : *p == 'I' ? 0x7e : *p == 'f' ? 0x7d : 0x7c);
	uleb(&s, (uint32_t)strlen(results));
	for (const char *p = results; *p; p++)
		u8(&s, *p == 'i' ? 0x7f : *p == 'I' ? 0x7e : *p == 'f' ? 0x7d : 0x7c);
	section(&m, 1, &s);
	s.n = 0;                                  /* function */
	uleb(&s, 1);
	uleb(&s, 0);
	section(&m, 3, &s);
	if (memory) {
		s.n = 0;
		uleb(&s, 1);
		u8(&s, 0);
		uleb(&s, 1);
		section(&m, 5, &s);
	}
	s.n = 0;                                  /* export */
	uleb(&s, 1);
	uleb(&s, 1);
	u8(&s, 'f');
	u8(&s, 0);
	uleb(&s, 0);
	section(&m, 7, &s);
	buf body = { .n = 0 };
	if (nlocals) {
		uleb(&body, 1);
		uleb(&body, nlocals);
		u8(&body, ltype);
	} else {
		uleb(&body, 0);
	}
	put(&body, code, code_len);
	u8(&body, 0x0b);
	s.n = 0;                                  /* code */
	uleb(&s, 1);
	uleb(&s, (uint32_t)body.n);
	put(&s, body.b, body.n);
	section(&m, 10, &s);
	memcpy(out, m.b, m.n);
	return m.n;
}

typedef struct {
	wasm_engine *engine;
	wasm_module *module;
	wasm_store *store;
	wasm_instance *inst;
	wasm_func *f;
} env;

static void env_up(env *e, const wasm_config *cfg, const uint8_t *bytes, size_t len)
{
	wasm_error err;
	e->engine = wasm_engine_new(cfg);
	ck_assert_ptr_nonnull(e->engine);
	wasm_status st = wasm_module_load(e->engine, bytes, len, &e->module, &err);
	ck_assert_msg(st == WASM_OK, "load: %s", err.message);
	e->store = wasm_store_new(e->engine);
	st = wasm_instance_new(e->store, e->module, NULL, 0, &e->inst, &err);
	ck_assert_msg(st == WASM_OK, "instantiate: %s", err.message);
	wasm_extern x;
	ck_assert(wasm_instance_export(e->inst, "f", &x));
	e->f = x.of.func;
}

static void env_down(env *e)
{
	wasm_store_free(e->store);
	wasm_module_free(e->module);
	wasm_engine_free(e->engine);
}

#define CODE(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

static wasm_value I32(int32_t v) { return (wasm_value){ .type = WASM_I32, .of.i32 = v }; }

/* Build, load and call f(args) -> one i32 result. */
static int32_t run_i32(const char *params, uint32_t nlocals, const uint8_t *code,
	size_t len, const wasm_value *args, size_t nargs)
{
	uint8_t bytes[4096];
	size_t n = build(bytes, params, "i", nlocals, 0x7f, code, len, true);
	env e;
	env_up(&e, NULL, bytes, n);
	wasm_value r;
	wasm_error err;
	wasm_status st = wasm_func_call(e.store, e.f, args, nargs, &r, 1, &err);
	ck_assert_msg(st == WASM_OK, "call: %s", err.message);
	env_down(&e);
	return r.of.i32;
}

/* ---- core: the operand rewrites keep wasm semantics --------------------- */

START_TEST(lazy_local_survives_set)
{
	/* local.get 0 ; local.get 0 ; i32.const 5 ; local.set 0 ; i32.add
	 * -> old + old: the pending reads of local 0 see its old value. */
	wasm_value a = I32(7);
	int32_t r = run_i32("i", 0, CODE(0x20, 0, 0x20, 0, 0x41, 5, 0x21, 0, 0x6a), &a, 1);
	ck_assert_int_eq(r, 14);
}
END_TEST

START_TEST(lazy_local_tee_in_expression)
{
	/* (local.get 0) (local.tee 0 (i32.const 3)) i32.sub -> old - 3 */
	wasm_value a = I32(10);
	int32_t r = run_i32("i", 0, CODE(0x20, 0, 0x41, 3, 0x22, 0, 0x6b), &a, 1);
	ck_assert_int_eq(r, 7);
}
END_TEST

START_TEST(lazy_local_across_block)
{
	/* local.get 0 ; block (i32.const 9 local.set 0) end ; local.get 0 ;
	 * i32.add -> old + 9 */
	wasm_value a = I32(4);
	int32_t r = run_i32("i", 0, CODE(0x20, 0, 0x02, 0x40, 0x41, 9, 0x21, 0, 0x0b,
		0x20, 0, 0x6a), &a, 1);
	ck_assert_int_eq(r, 13);
}
END_TEST

START_TEST(lazy_local_in_if_branch)
{
	/* local.get 0 ; if (local.get 1) (then i32.const 1 local.set 0) ;
	 * local.get 0 ; i32.add: only one path writes local 0. */
	wasm_value a[2] = { I32(20), I32(1) };
	int32_t r = run_i32("ii", 0, CODE(0x20, 0, 0x20, 1, 0x04, 0x40, 0x41, 1, 0x21, 0,
		0x0b, 0x20, 0, 0x6a), a, 2);
	ck_assert_int_eq(r, 21);
	a[1] = I32(0);
	r = run_i32("ii", 0, CODE(0x20, 0, 0x20, 1, 0x04, 0x40, 0x41, 1, 0x21, 0,
		0x0b, 0x20, 0, 0x6a), a, 2);
	ck_assert_int_eq(r, 40);
}
END_TEST

START_TEST(result_retargeted_to_local)
{
	/* local.get 0 ; local.get 0 ; i32.const 1 ; i32.add ; local.set 0 ;
	 * local.get 0 ; i32.mul -> old * (old + 1) */
	wasm_value a = I32(6);
	int32_t r = run_i32("i", 0, CODE(0x20, 0, 0x20, 0, 0x41, 1, 0x6a, 0x21, 0,
		0x20, 0, 0x6c), &a, 1);
	ck_assert_int_eq(r, 42);
}
END_TEST

START_TEST(fused_compare_branch_loop)
{
	/* sum = 0; i = 0; loop { sum += i; i++; br_if (i <s n) } ; sum */
	wasm_value a = I32(100);
	int32_t r = run_i32("i", 2, CODE(
		0x03, 0x40,                             /* loop */
		0x20, 2, 0x20, 1, 0x6a, 0x21, 2,        /* sum += i */
		0x20, 1, 0x41, 1, 0x6a, 0x21, 1,        /* i++ */
		0x20, 1, 0x20, 0, 0x48, 0x0d, 0,        /* br_if i < n */
		0x0b, 0x20, 2), &a, 1);
	ck_assert_int_eq(r, 4950);
}
END_TEST

START_TEST(br_table_with_value)
{
	/* block (result i32) block (result i32) i32.const 10 local.get 0
	 * br_table 0 1 0 end i32.const 1 i32.add end */
	const uint8_t code[] = { 0x02, 0x7f, 0x02, 0x7f, 0x41, 10, 0x20, 0,
		0x0e, 2, 0, 1, 0, 0x0b, 0x41, 1, 0x6a, 0x0b };
	wasm_value a = I32(0);
	ck_assert_int_eq(run_i32("i", 0, code, sizeof code, &a, 1), 11);
	a = I32(1);
	ck_assert_int_eq(run_i32("i", 0, code, sizeof code, &a, 1), 10);
	a = I32(99);
	ck_assert_int_eq(run_i32("i", 0, code, sizeof code, &a, 1), 11);
}
END_TEST

START_TEST(fused_address_wraps)
{
	/* i32.store (local.get 0 + 16) = 77 at 8; then load from
	 * (local.get 1 + (-8)) + 16 where local 1 = local 0 + 16: the
	 * 32-bit wrap of the address add must be kept. */
	wasm_value a[2] = { I32(100), I32(124) };
	int32_t r = run_i32("ii", 0, CODE(
		0x20, 0, 0x41, 16, 0x6a, 0x41, 0xcd, 0x00, 0x36, 2, 8, /* store 77 */
		0x20, 1, 0x41, 0x78, 0x6a, 0x28, 2, 8), a, 2);       /* load (l1-8)+8 */
	ck_assert_int_eq(r, 77);
}
END_TEST

START_TEST(multi_value_block_params)
{
	/* i32.const 3 i32.const 4 block (param i32 i32) (result i32) i32.add
	 * end -- needs a type with params: use the function's own type index
	 * 0 = (i32) -> i32 and one param: i32.const 5 block (type 0)
	 * local.get 0 i32.mul end */
	wasm_value a = I32(6);
	int32_t r = run_i32("i", 0, CODE(0x41, 5, 0x02, 0x00, 0x20, 0, 0x6c, 0x0b), &a, 1);
	ck_assert_int_eq(r, 30);
}
END_TEST

/* ---- limits ---------------------------------------------------------------- */

static wasm_status call_trap(const wasm_config *cfg, const char *params,
	uint32_t nlocals, const uint8_t *code, size_t len, const wasm_value *args,
	size_t nargs, wasm_error *err, void (*setup)(wasm_store *))
{
	uint8_t bytes[4096];
	size_t n = build(bytes, params, "i", nlocals, 0x7f, code, len, true);
	env e;
	env_up(&e, cfg, bytes, n);
	if (setup)
		setup(e.store);
	wasm_value r;
	wasm_status st = wasm_func_call(e.store, e.f, args, nargs, &r, 1, err);
	/* The store stays usable after a trap: call again. */
	if (st == WASM_ERR_TRAP && !setup) {
		wasm_error err2;
		ck_assert_int_eq(wasm_func_call(e.store, e.f, args, nargs, &r, 1, &err2), st);
		ck_assert_int_eq(err2.trap, err->trap);
	}
	env_down(&e);
	return st;
}

START_TEST(deep_recursion_traps)
{
	/* f(x) = f(x + 1) + 1: unbounded recursion */
	wasm_error err;
	wasm_value a = I32(0);
	wasm_status st = call_trap(NULL, "i", 0, CODE(0x20, 0, 0x41, 1, 0x6a, 0x10, 0,
		0x41, 1, 0x6a), &a, 1, &err, NULL);
	ck_assert_int_eq(st, WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
}
END_TEST

static volatile uint64_t test_epoch;

static void set_expired_deadline(wasm_store *s)
{
	test_epoch = 10;
	wasm_store_set_deadline(s, &test_epoch, 5);
}

START_TEST(epoch_interrupts_infinite_loop)
{
	wasm_error err;
	wasm_value a = I32(0);
	wasm_status st = call_trap(NULL, "i", 0, CODE(0x03, 0x40, 0x0c, 0, 0x0b, 0x41, 0),
		&a, 1, &err, set_expired_deadline);
	ck_assert_int_eq(st, WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_TIMEOUT);
}
END_TEST

static void set_fuel_100(wasm_store *s)
{
	wasm_store_set_fuel(s, 100);
}

START_TEST(fuel_runs_out)
{
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.fuel = true;
	wasm_error err;
	wasm_value a = I32(0);
	wasm_status st = call_trap(&cfg, "i", 0, CODE(0x03, 0x40, 0x0c, 0, 0x0b, 0x41, 0),
		&a, 1, &err, set_fuel_100);
	ck_assert_int_eq(st, WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_FUEL);
}
END_TEST

START_TEST(fuel_enough_for_bounded_loop)
{
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.fuel = true;
	uint8_t bytes[4096];
	/* 10 iterations: entry + 10 loop headers = 11 units */
	size_t n = build(bytes, "i", "i", 0, 0x7f, CODE(
		0x03, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b, 0x20, 0), true);
	env e;
	env_up(&e, &cfg, bytes, n);
	wasm_store_set_fuel(e.store, 11);
	wasm_value a = I32(10), r;
	wasm_error err;
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_OK);
	ck_assert_uint_eq(wasm_store_fuel(e.store), 0);
	wasm_store_set_fuel(e.store, 10);
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_FUEL);
	env_down(&e);
}
END_TEST

/* ---- errors: trap kinds and where ------------------------------------------ */

START_TEST(trap_location_div)
{
	wasm_error err;
	wasm_value a[2] = { I32(1), I32(0) };
	wasm_status st = call_trap(NULL, "ii", 0, CODE(0x20, 0, 0x20, 1, 0x6d), a, 2, &err, NULL);
	ck_assert_int_eq(st, WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	ck_assert_uint_eq(err.func_index, 0);
	ck_assert_str_eq(err.func_name, "f");
	/* The body starts after the 1-byte local count; div_s is at +4. */
	uint8_t bytes[4096];
	size_t n = build(bytes, "ii", "i", 0, 0x7f, CODE(0x20, 0, 0x20, 1, 0x6d), true);
	ck_assert_uint_eq(err.offset, n - 2);   /* ... 0x6d 0x0b */
}
END_TEST

START_TEST(trap_location_memory_fault)
{
	wasm_error err;
	wasm_value a = I32(70000);
	wasm_status st = call_trap(NULL, "i", 0, CODE(0x20, 0, 0x41, 8, 0x6a, 0x28, 2, 0),
		&a, 1, &err, NULL);
	ck_assert_int_eq(st, WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	ck_assert_str_eq(err.func_name, "f");
}
END_TEST

START_TEST(integer_overflow_and_conversion)
{
	wasm_error err;
	wasm_value a[2] = { I32(INT32_MIN), I32(-1) };
	ck_assert_int_eq(call_trap(NULL, "ii", 0, CODE(0x20, 0, 0x20, 1, 0x6d), a, 2, &err, NULL),
		WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_INTEGER_OVERFLOW);
	/* i32.rem_s INT_MIN % -1 is 0, no trap */
	ck_assert_int_eq(run_i32("ii", 0, CODE(0x20, 0, 0x20, 1, 0x6f), a, 2), 0);
	/* i32.trunc_f32_s(nan) */
	wasm_value z = I32(0);
	ck_assert_int_eq(call_trap(NULL, "i", 0, CODE(0x43, 0, 0, 0xc0, 0x7f, 0xa8), &z, 1,
		&err, NULL), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_INVALID_CONVERSION);
}
END_TEST

START_TEST(unreachable_kind)
{
	wasm_error err;
	wasm_value z = I32(0);
	ck_assert_int_eq(call_trap(NULL, "i", 0, CODE(0x00), &z, 1, &err, NULL), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_UNREACHABLE);
	ck_assert_str_eq(wasm_trap_kind_name(err.trap), "unreachable");
}
END_TEST

START_TEST(simd_validates)
{
	uint8_t bytes[4096];
	/* v128.const with its 16 bytes cut short: malformed */
	size_t n = build(bytes, "", "i", 0, 0x7f, CODE(0xfd, 0x0c), false);
	wasm_engine *e = wasm_engine_new(NULL);
	wasm_module *m;
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(e, bytes, n, &m, &err), WASM_ERR_MALFORMED);
	/* a lane index past the shape: invalid */
	n = build(bytes, "", "i", 0, 0x7f, CODE(0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x1b, 4), false);
	ck_assert_int_eq(wasm_module_load(e, bytes, n, &m, &err), WASM_ERR_INVALID);
	ck_assert_str_eq(err.message, "invalid lane index");
	/* the same with lane 3: valid */
	n = build(bytes, "", "i", 0, 0x7f, CODE(0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x1b, 3), false);
	ck_assert_int_eq(wasm_module_load(e, bytes, n, &m, &err), WASM_OK);
	wasm_module_free(m);
	wasm_engine_free(e);
}
END_TEST

/* ---- SIMD: v128 in the frame, float lanes, memory ------------------------ */

/* A module from text, instantiated, for the SIMD cases. */
static void env_wat(env *e, const wasm_config *cfg, const char *text)
{
	size_t len;
	uint8_t *bytes = wat(text, &len);
	env_up(e, cfg, bytes, len);
	free(bytes);
}

/* tests/fixtures/dead_code.wat: code after unreachable that pops below
 * its operands.  In every tier: f and call_dead answer (and trap at their
 * unreachable when their first argument is 0), and rec, whose
 * twenty locals run the value stack out before the call depth, traps
 * with stack overflow (with ENTER's frame too small for its locals, the
 * deepest activation wrote past the value stack: SIGSEGV). */
START_TEST(dead_code_frame)
{
	static const wasm_tier tiers[] = { WASM_TIER_INTERP, WASM_TIER_BASELINE,
		WASM_TIER_OPT, WASM_TIER_AUTO };
	FILE *fp = fopen(FIXTURES_DIR "/dead_code.wat", "r");
	ck_assert_ptr_nonnull(fp);
	char *text = NULL;
	size_t cap = 0;
	ck_assert(getdelim(&text, &cap, '\0', fp) > 0);
	fclose(fp);
	for (size_t t = 0; t < sizeof tiers / sizeof tiers[0]; t++) {
		if (!wasm_tier_available(tiers[t]))
			continue;
		wasm_config cfg;
		wasm_config_default(&cfg);
		cfg.tier = tiers[t];
		cfg.tier_threshold = 1;
		cfg.opt_threshold = 1;
		env e;
		env_wat(&e, &cfg, text);
		wasm_error err;
		wasm_extern x;
		wasm_value r;
		wasm_value fa[4] = { I32(1), { .type = WASM_I64, .of.i64 = 2 },
			{ .type = WASM_F64 }, { .type = WASM_F64 } };
		ck_assert_int_eq(wasm_func_call(e.store, e.f, fa, 4, &r, 1, &err), WASM_OK);
		ck_assert_int_eq(r.of.i64, 7);
		fa[0] = I32(0);
		ck_assert_int_eq(wasm_func_call(e.store, e.f, fa, 4, &r, 1, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_UNREACHABLE);
		ck_assert(wasm_instance_export(e.inst, "call_dead", &x));
		wasm_value ca[2] = { I32(3), I32(4) };
		ck_assert_int_eq(wasm_func_call(e.store, x.of.func, ca, 2, &r, 1, &err), WASM_OK);
		ck_assert_int_eq(r.of.i32, 7);
		ck_assert(wasm_instance_export(e.inst, "rec", &x));
		wasm_value ra[2] = { I32(100000000), { .type = WASM_I64, .of.i64 = 1 } };
		ck_assert_int_eq(wasm_func_call(e.store, x.of.func, ra, 2, &r, 1, &err),
			WASM_ERR_TRAP);
		ck_assert_msg(err.trap == WASM_TRAP_STACK_OVERFLOW, "tier %d: trap %d",
			(int)tiers[t], (int)err.trap);
		/* and a shallow one answers */
		ra[0] = I32(10);
		ck_assert_int_eq(wasm_func_call(e.store, x.of.func, ra, 2, &r, 1, &err), WASM_OK);
		env_down(&e);
	}
	free(text);
}
END_TEST

static wasm_value v128_of(uint64_t lo, uint64_t hi)
{
	wasm_value v = { .type = WASM_V128 };
	memcpy(v.of.v128, &lo, 8);
	memcpy(v.of.v128 + 8, &hi, 8);
	return v;
}

static void v128_eq(const wasm_value *v, uint64_t lo, uint64_t hi)
{
	uint64_t got[2];
	ck_assert_int_eq(v->type, WASM_V128);
	memcpy(got, v->of.v128, 16);
	ck_assert_msg(got[0] == lo && got[1] == hi,
		"v128 %016llx_%016llx, want %016llx_%016llx",
		(unsigned long long)got[1], (unsigned long long)got[0],
		(unsigned long long)hi, (unsigned long long)lo);
}

/* v128 values take two slots beside one-slot values: call arguments and
 * results mixed with i32/i64 (the callee's frame is the caller's stack
 * top), a block with v128 params and results left by br_if, locals set
 * and read back, a typed select, a global, and a branch to the function's
 * label carrying three values.  Under every tier: JIT tiers leave these
 * functions to the interpreter. */
static const char *const v128_layout_wat =
	"(module\n"
	"  (global $g (mut v128) (v128.const i32x4 1 2 3 4))\n"
	"  (func $swap (param i32 v128 i64 v128) (result v128 i32 v128 i64)\n"
	"    local.get 3 local.get 0 local.get 1 local.get 2)\n"
	"  (func (export \"f\") (param $c i32) (param $p v128) (result v128 i64 v128)\n"
	"    (local $t v128) (local $i i64)\n"
	"    i32.const 7 local.get $p i64.const 9 global.get $g\n"
	"    call $swap\n"                    /* g 7 p 9 */
	"    local.set $i local.set $t drop\n" /* g; t = p, i = 9 */
	"    (block (param v128) (result v128 i64 v128)\n"
	"      local.get $i local.get $t local.get $c br_if 0\n"
	"      drop drop drop local.get $t local.get $i global.get $g)\n"
	"    local.set $t i64.const 1 i64.add local.set $i\n"
	"    local.get $t i32.const 1 select (result v128)\n"
	"    local.get $i\n"
	"    local.get $t global.set $g global.get $g\n"
	"    br 0))\n";

static void v128_layout_in(const wasm_config *cfg)
{
	env e;
	env_wat(&e, cfg, v128_layout_wat);
	const uint64_t g0_lo = 0x0000000200000001ull, g0_hi = 0x0000000400000003ull;
	wasm_value args[2] = { I32(1), v128_of(0x1111111111111111ull,
		0x2222222222222222ull) }, res[3];
	wasm_error err;
	/* c = 1: the block leaves (g, 9, p): results (g, 10, p); g := p */
	ck_assert_int_eq(wasm_func_call(e.store, e.f, args, 2, res, 3, &err), WASM_OK);
	v128_eq(&res[0], g0_lo, g0_hi);
	ck_assert_int_eq(res[1].type, WASM_I64);
	ck_assert_int_eq(res[1].of.i64, 10);
	v128_eq(&res[2], 0x1111111111111111ull, 0x2222222222222222ull);
	/* c = 0, p = q: the block ends with (q, 9, g = p): results (q, 10, p) */
	args[0] = I32(0);
	args[1] = v128_of(0x3333333333333333ull, 0x4444444444444444ull);
	ck_assert_int_eq(wasm_func_call(e.store, e.f, args, 2, res, 3, &err), WASM_OK);
	v128_eq(&res[0], 0x3333333333333333ull, 0x4444444444444444ull);
	ck_assert_int_eq(res[1].of.i64, 10);
	v128_eq(&res[2], 0x1111111111111111ull, 0x2222222222222222ull);
	env_down(&e);
}

START_TEST(simd_v128_frame_layout)
{
	static const wasm_tier tiers[] = { WASM_TIER_INTERP, WASM_TIER_BASELINE,
		WASM_TIER_AUTO };
	for (size_t i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
		wasm_config cfg;
		wasm_config_default(&cfg);
		cfg.tier = tiers[i];
		cfg.tier_threshold = 1;
		if (!wasm_tier_available(tiers[i]))
			continue;
		v128_layout_in(&cfg);
	}
}
END_TEST

/* Float lanes give the NaN rule's bits (ops.h, "Float results"), lane by
 * lane: the first NaN operand quieted, else the second, else the default
 * NaN (sign set); sqrt of a negative: the default NaN; rounding quiets;
 * demote keeps the payload's top bits; pmin, abs and neg keep bits. */
START_TEST(simd_float_lane_nan_bits)
{
	env e;
	env_wat(&e, NULL,
		"(module\n"
		"  (func (export \"f\") (param v128 v128 i32) (result v128)\n"
		"    local.get 0 local.get 1\n"
		"    (block (param v128 v128) (result v128)\n"
		"      (block (param v128 v128) (result v128)\n"
		"        (block (param v128 v128) (result v128)\n"
		"          (block (param v128 v128) (result v128)\n"
		"            local.get 2\n"
		"            br_table 0 1 2 3)\n"
		"          return)\n"
		"        return)\n"
		"      return)\n"
		"    return)\n"
		"  (func (export \"add\") (param v128 v128) (result v128)\n"
		"    local.get 0 local.get 1 f32x4.add)\n"
		"  (func (export \"min\") (param v128 v128) (result v128)\n"
		"    local.get 0 local.get 1 f32x4.min)\n"
		"  (func (export \"sqrt64\") (param v128) (result v128)\n"
		"    local.get 0 f64x2.sqrt)\n"
		"  (func (export \"nearest\") (param v128) (result v128)\n"
		"    local.get 0 f32x4.nearest)\n"
		"  (func (export \"demote\") (param v128) (result v128)\n"
		"    local.get 0 f32x4.demote_f64x2_zero)\n"
		"  (func (export \"pmin_neg\") (param v128 v128) (result v128)\n"
		"    local.get 0 local.get 1 f32x4.pmin f32x4.neg))\n");
	/* Each case: export, its operands (lo, hi halves), the result. */
	static const struct {
		const char *name;
		uint32_t nin;
		uint64_t in[2][2], want[2];
	} cases[] = {
		/* lanes: sNaN + qNaN, 1 + qNaN(-, payload), inf + -inf, -0 + 0 */
		{ "add", 2, { { 0x3f8000007f800001ull, 0x800000007f800000ull },
		  { 0xffd000017fc12345ull, 0x00000000ff800000ull } },
		  { 0xffd000017fc00001ull, 0x00000000ffc00000ull } },
		/* min: NaN lanes as add; -0 vs 0 gives -0; 1 vs inf gives 1 */
		{ "min", 2, { { 0x800000007fa00000ull, 0x7f8000003f800000ull },
		  { 0x00000000ffc00001ull, 0x3f8000007f800000ull } },
		  { 0x800000007fe00000ull, 0x3f8000003f800000ull } },
		/* sqrt(-1) and sqrt(sNaN with sign) */
		{ "sqrt64", 1, { { 0xbff0000000000000ull, 0xfff0000000000123ull } },
		  { 0xfff8000000000000ull, 0xfff8000000000123ull } },
		/* nearest: sNaN quieted, 2.5 -> 2 (ties to even), -0.5 -> -0 */
		{ "nearest", 1, { { 0x402000007f800001ull, 0x00000000bf000000ull } },
		  { 0x400000007fc00001ull, 0x0000000080000000ull } },
		/* demote: a NaN keeps sign and its payload's top 22 bits */
		{ "demote", 1, { { 0xfff4000000000001ull, 0x3ff0000000000000ull } },
		  { 0x3f800000ffe00000ull, 0 } },
		/* pmin picks an operand whole (no quieting), neg flips the sign */
		{ "pmin_neg", 2, { { 0x3f8000007f800001ull, 0x4000000000000000ull },
		  { 0x400000003f800000ull, 0x3f80000080000000ull } },
		  { 0xbf800000ff800001ull, 0xbf80000080000000ull } },
	};
	wasm_error err;
	wasm_extern x;
	wasm_value in[2], r;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (uint32_t k = 0; k < cases[c].nin; k++)
			in[k] = v128_of(cases[c].in[k][0], cases[c].in[k][1]);
		ck_assert(wasm_instance_export(e.inst, cases[c].name, &x));
		ck_assert_int_eq(wasm_func_call(e.store, x.of.func, in, cases[c].nin,
			&r, 1, &err), WASM_OK);
		v128_eq(&r, cases[c].want[0], cases[c].want[1]);
	}
	/* a v128 carried by br_table to each of four labels (moved down
	 * past the block's other param) */
	for (int k = 0; k < 5; k++) {
		wasm_value a[3] = { v128_of(1, 2), v128_of(3, 4), I32(k) };
		ck_assert_int_eq(wasm_func_call(e.store, e.f, a, 3, &r, 1, &err), WASM_OK);
		v128_eq(&r, 3, 4);
	}
	env_down(&e);
}
END_TEST

/* A frame holding a v128 enters by ENTER_V128_FUEL under fuel: entry and
 * loop headers are metered as for any function (0 units: the entry traps;
 * 11: entry and 10 loop iterations, then a value). */
START_TEST(simd_frame_fuel)
{
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.fuel = true;
	uint8_t bytes[4096];
	/* (local v128): 10 iterations of a counted loop, then the count */
	size_t n = build(bytes, "i", "i", 1, 0x7b, CODE(
		0x03, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b, 0x20, 0), true);
	env e;
	env_up(&e, &cfg, bytes, n);
	wasm_value a = I32(10), r;
	wasm_error err;
	wasm_store_set_fuel(e.store, 0);
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_FUEL);
	wasm_store_set_fuel(e.store, 11);
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_OK);
	ck_assert_int_eq(r.of.i32, 0);
	wasm_store_set_fuel(e.store, 10);
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_FUEL);
	env_down(&e);
}
END_TEST

/* A v128 store that crosses the end of memory traps at its own offset and
 * writes nothing; a lane load past the end traps too. */
START_TEST(simd_memory_traps)
{
	env e;
	env_wat(&e, NULL,
		"(module (memory 1)\n"
		"  (func (export \"f\") (param i32) (result i32)\n"
		"    local.get 0 v128.const i32x4 -1 -1 -1 -1 v128.store\n"
		"    i32.const 65528 i64.load32_u offset=4 i32.wrap_i64)\n"
		"  (func (export \"lane\") (param i32) (result v128)\n"
		"    local.get 0 v128.const i64x2 0 0 v128.load64_lane offset=1 1))\n");
	wasm_error err;
	wasm_value a = I32(65536 - 8), r;
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	/* the store is the third instruction of f's body */
	size_t store_at = err.offset;
	a = I32(65536 - 16);
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_OK);
	ck_assert_int_eq(r.of.i32, -1);
	/* the earlier trap wrote nothing: the bytes below 65528 were 0 until
	 * this second store, and it is the one that wrote them */
	a = I32(65536 - 8);
	ck_assert_int_eq(wasm_func_call(e.store, e.f, &a, 1, &r, 1, &err), WASM_ERR_TRAP);
	ck_assert_uint_eq(err.offset, store_at);
	wasm_extern x;
	ck_assert(wasm_instance_export(e.inst, "lane", &x));
	a = I32(65536 - 8);
	ck_assert_int_eq(wasm_func_call(e.store, x.of.func, &a, 1, &r, 1, &err),
		WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	a = I32(65536 - 9);
	ck_assert_int_eq(wasm_func_call(e.store, x.of.func, &a, 1, &r, 1, &err), WASM_OK);
	env_down(&e);
}
END_TEST

static Suite *interp_suite(void)
{
	Suite *s = suite_create("interp");
	TCase *core = tcase_create("core");
	tcase_add_test(core, lazy_local_survives_set);
	tcase_add_test(core, lazy_local_tee_in_expression);
	tcase_add_test(core, lazy_local_across_block);
	tcase_add_test(core, lazy_local_in_if_branch);
	tcase_add_test(core, result_retargeted_to_local);
	tcase_add_test(core, fused_compare_branch_loop);
	tcase_add_test(core, br_table_with_value);
	tcase_add_test(core, fused_address_wraps);
	tcase_add_test(core, multi_value_block_params);
	suite_add_tcase(s, core);
	TCase *limits = tcase_create("limits");
	tcase_add_test(limits, deep_recursion_traps);
	tcase_add_test(limits, dead_code_frame);
	tcase_add_test(limits, epoch_interrupts_infinite_loop);
	tcase_add_test(limits, fuel_runs_out);
	tcase_add_test(limits, fuel_enough_for_bounded_loop);
	suite_add_tcase(s, limits);
	TCase *errors = tcase_create("errors");
	tcase_add_test(errors, trap_location_div);
	tcase_add_test(errors, trap_location_memory_fault);
	tcase_add_test(errors, integer_overflow_and_conversion);
	tcase_add_test(errors, unreachable_kind);
	tcase_add_test(errors, simd_validates);
	tcase_add_test(errors, simd_memory_traps);
	suite_add_tcase(s, errors);
	TCase *simd = tcase_create("simd");
	tcase_add_test(simd, simd_v128_frame_layout);
	tcase_add_test(simd, simd_float_lane_nan_bits);
	tcase_add_test(simd, simd_frame_fuel);
	suite_add_tcase(s, simd);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(interp_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
