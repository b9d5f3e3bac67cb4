/* check_opt_codegen.c -- tier 2's back half: lowering, register allocation
 * and emission, tested by running the code.
 *
 * The harness does by hand what tier_opt.c does under --tier=opt, one
 * function at a time and with the verifiers on: it compiles a function
 * through build -> passes -> lower -> regalloc (verified) -> emit
 * (opt_codegen), installs the code
 * with jit_install (the baseline's code memory, call vector and PC map),
 * and marks the function's ENTER counter as past the threshold, so that
 * the interpreter enters the code through tier.c exactly as it enters
 * baseline code (the per-module trampoline, the frame in slots).  Every
 * case is compared with the interpreter: results, statuses, trap kinds,
 * trapping functions and wasm offsets.
 *
 * Modules are written in the text format and assembled with $WAT2WASM
 * (default wat2wasm) at test time, as check_jit.c does.
 * CHECK_OPT_PRINT=1 prints the MIR (lowered and allocated) on stderr. */
#include "wasm.h"
#include "interp/fcode.h"
#include "interp/ops.h"
#include "jit/base/jit_baseline.h"
#include "jit/jit.h"
#include "jit/opt/mir.h"
#include "jit/opt/opt.h"
#include "jit/opt/passes.h"
#include "jit/opt/regalloc_int.h"

#include "testlib.h"

#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* wat(): testlib.h */

/* The counter value at which the interpreter asks tier.c for code: high,
 * so that nothing but what the test installs is compiled. */
#define THRESHOLD (1u << 30)

typedef struct {
	wasm_engine *e;
	wasm_module *m;
	wasm_store *s;
	wasm_instance *inst;
} rig;

/* WASMHOST_NO_AVX set (run-opt-codegen-noavx.sh): engines without AVX,
 * as the command line makes them (wasm_config.no_avx). */
static bool no_avx(void)
{
	const char *v = getenv("WASMHOST_NO_AVX");
	return v && *v && strcmp(v, "0") != 0;
}

static void rig_up(rig *r, const uint8_t *bytes, size_t len, wasm_tier tier)
{
	wasm_config cfg;
	wasm_error err;
	wasm_config_default(&cfg);
	cfg.tier = tier;
	cfg.tier_threshold = THRESHOLD;
	cfg.no_avx = no_avx();
	r->e = wasm_engine_new(&cfg);
	ck_assert_ptr_nonnull(r->e);
	ck_assert_int_eq(wasm_module_load(r->e, bytes, len, &r->m, &err), WASM_OK);
	r->s = wasm_store_new(r->e);
	ck_assert_int_eq(wasm_instance_new(r->s, r->m, NULL, 0, &r->inst, &err),
		WASM_OK);
}

static void rig_down(rig *r)
{
	wasm_store_free(r->s);
	wasm_module_free(r->m);
	wasm_engine_free(r->e);
}

static wasm_func *export_func(rig *r, const char *name, uint32_t *index)
{
	wasm_extern x;
	ck_assert_msg(wasm_instance_export(r->inst, name, &x), "no export %s", name);
	ck_assert_int_eq(x.kind, WASM_EXTERN_FUNC);
	if (index)
		*index = x.of.func->index;
	return x.of.func;
}

/* Compile function `name` with tier 2's back end and install it.  Returns
 * the code size. */
static size_t opt_install(rig *r, const char *name)
{
	uint32_t idx;
	export_func(r, name, &idx);
	mir_code code;
	wasm_error err;
	FILE *print = getenv("CHECK_OPT_PRINT") ? stderr : NULL;
	if (print)
		fprintf(print, "=== %s\n", name);
	wasm_status st = opt_codegen(r->m, idx, print, true, &code, &err);
	ck_assert_msg(st == WASM_OK, "opt_codegen %s: %s", name, err.message);
	const jit_func *jf = jit_install(r->m, idx, WASM_TIER_OPT, code.code, code.len,
		code.osr_off, code.pc, code.npc, code.loops, code.nloops, 0, false);
	ck_assert_ptr_nonnull(jf);
	jit_set_pc_funcs(jf, code.pc_func);
	free(code.code);
	/* the interpreter enters it at the next call, through tier.c */
	OP_AT(fcode_get(r->m, idx)->code, ENTER)->count = THRESHOLD;
	return code.len;
}

typedef struct {
	wasm_status st;
	int64_t v;              /* the result (i32 sign-extended; a float's
	                           bits, f32 zero-extended) */
	wasm_trap_kind trap;
	uint32_t func;
	size_t offset;
} outcome;

static outcome call(rig *r, const char *name, const int64_t *args)
{
	wasm_func *f = export_func(r, name, NULL);
	wasm_functype t;
	wasm_func_type(f, &t);
	wasm_value a[8], res[2];
	ck_assert_uint_le(t.nparams, 8);
	for (uint32_t k = 0; k < t.nparams; k++) {
		a[k].type = t.params[k];
		if (t.params[k] == WASM_I64)
			a[k].of.i64 = args[k];
		else if (t.params[k] == WASM_F64)
			a[k].of.f64_bits = (uint64_t)args[k];
		else if (t.params[k] == WASM_F32)
			a[k].of.f32_bits = (uint32_t)args[k];
		else
			a[k].of.i32 = (int32_t)args[k];
	}
	wasm_error err;
	outcome o = { 0 };
	o.st = wasm_func_call(r->s, f, a, t.nparams, res, t.nresults, &err);
	if (o.st == WASM_OK && t.nresults)
		o.v = t.results[0] == WASM_I64 ? res[0].of.i64 :
			t.results[0] == WASM_F64 ? (int64_t)res[0].of.f64_bits :
			t.results[0] == WASM_F32 ? (int64_t)res[0].of.f32_bits :
			res[0].of.i32;
	if (o.st == WASM_ERR_TRAP) {
		o.trap = err.trap;
		o.func = err.func_index;
		o.offset = err.offset;
	}
	return o;
}

/* name(args) in tier 2's code (rig o), in the interpreter (rig i) and in
 * the baseline (rig b): the same status, value, trap kind, function and
 * offset in all three. */
static void same(rig *o, rig *i, rig *b, const char *name, const int64_t *args)
{
	outcome x = call(o, name, args), y = call(i, name, args);
	outcome z = call(b, name, args);
	ck_assert_msg(x.st == y.st, "%s(%" PRId64 ", %" PRId64 "): status %d, "
		"interpreter %d", name, args[0], args[1], x.st, y.st);
	ck_assert_msg(x.v == y.v, "%s(%" PRId64 ", %" PRId64 ") = %" PRId64
		", interpreter %" PRId64, name, args[0], args[1], x.v, y.v);
	ck_assert_msg(x.trap == y.trap && x.func == y.func && x.offset == y.offset,
		"%s(%" PRId64 ", %" PRId64 "): trap %d in %u at %zu, interpreter "
		"%d in %u at %zu", name, args[0], args[1], x.trap, x.func,
		x.offset, y.trap, y.func, y.offset);
	ck_assert_msg(x.trap == z.trap && x.func == z.func && x.offset == z.offset,
		"%s(%" PRId64 ", %" PRId64 "): trap %d in %u at %zu, baseline "
		"%d in %u at %zu", name, args[0], args[1], x.trap, x.func,
		x.offset, z.trap, z.func, z.offset);
}

/* Three rigs of one module: tier 2's code (o, functions installed one by
 * one), the interpreter (in), the baseline (bl). */
typedef struct {
	rig o, in, bl;
} rigs;

/* ... with o in tier `top`: WASM_TIER_OPT compiles every function with
 * tier 2 before its first call. */
static void rigs_up_at(rigs *r, const char *text, wasm_tier top)
{
	size_t len;
	uint8_t *bytes = wat(text, &len);
	rig_up(&r->o, bytes, len, top);
	rig_up(&r->in, bytes, len, WASM_TIER_INTERP);
	rig_up(&r->bl, bytes, len, WASM_TIER_BASELINE);
	free(bytes);
}

static void rigs_up(rigs *r, const char *text)
{
	rigs_up_at(r, text, WASM_TIER_AUTO);
}

static void rigs_down(rigs *r)
{
	rig_down(&r->o);
	rig_down(&r->in);
	rig_down(&r->bl);
}

/* ---- the functions ---------------------------------------------------------- */

static const char int_wat[] =
	"(module\n"
	"  (memory 1)\n"
	"  (global $g (mut i32) (i32.const 7))\n"
	"  (global $h (mut i64) (i64.const -3))\n"
	"  (func $add (export \"add\") (param i32 i32) (result i32)\n"
	"    (i32.add (local.get 0) (local.get 1)))\n"
	"  (func (export \"arith\") (param i32 i32) (result i32)\n"
	"    (i32.xor\n"
	"      (i32.add (i32.mul (local.get 0) (i32.const 3))\n"
	"               (i32.shl (local.get 1) (i32.const 2)))\n"
	"      (i32.or (i32.sub (local.get 0) (local.get 1))\n"
	"              (i32.and (i32.rotl (local.get 0) (local.get 1))\n"
	"                       (i32.shr_s (local.get 1) (i32.const 3))))))\n"
	"  (func (export \"bits\") (param i32 i32) (result i32)\n"
	"    (i32.add (i32.add (i32.clz (local.get 0)) (i32.ctz (local.get 1)))\n"
	"      (i32.add (i32.popcnt (i32.xor (local.get 0) (local.get 1)))\n"
	"        (i32.add (i32.shr_u (local.get 0) (local.get 1))\n"
	"          (i32.shl (local.get 1) (local.get 0))))))\n"
	"  (func (export \"arith64\") (param i64 i64) (result i64)\n"
	"    (i64.add\n"
	"      (i64.sub (i64.mul (local.get 0) (local.get 1)) (i64.const 0x123456789))\n"
	"      (i64.xor (i64.rotr (local.get 0) (local.get 1))\n"
	"        (i64.add (i64.extend_i32_s (i32.wrap_i64 (local.get 1)))\n"
	"          (i64.extend_i32_u (i32.wrap_i64 (local.get 0)))))))\n"
	"  (func (export \"cmp\") (param i32 i32) (result i32)\n"
	"    (i32.add (i32.add (i32.lt_s (local.get 0) (local.get 1))\n"
	"                      (i32.mul (i32.lt_u (local.get 0) (local.get 1)) (i32.const 2)))\n"
	"      (i32.add (i32.mul (i32.ge_s (local.get 0) (i32.const 10)) (i32.const 4))\n"
	"        (i32.add (i32.mul (i32.eqz (local.get 1)) (i32.const 8))\n"
	"          (i32.mul (i64.gt_u (i64.extend_i32_s (local.get 0))\n"
	"                             (i64.const 5)) (i32.const 16))))))\n"
	"  (func (export \"sel\") (param i32 i32) (result i32)\n"
	"    (select (local.get 0) (local.get 1) (i32.lt_s (local.get 0) (local.get 1))))\n"
	"  (func (export \"sel2\") (param i32 i32) (result i32)\n"
	"    (select (i32.const 100) (local.get 1) (local.get 0)))\n"
	"  (func (export \"sum\") (param i32) (result i32) (local i32 i32)\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.ge_s (local.get 1) (local.get 0)))\n"
	"      (local.set 2 (i32.add (local.get 2) (local.get 1)))\n"
	"      (local.set 1 (i32.add (local.get 1) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (local.get 2))\n"
	"  (func (export \"fac\") (param i64) (result i64) (local i64)\n"
	"    (local.set 1 (i64.const 1))\n"
	"    (loop\n"
	"      (if (i64.gt_u (local.get 0) (i64.const 1)) (then\n"
	"        (local.set 1 (i64.mul (local.get 1) (local.get 0)))\n"
	"        (local.set 0 (i64.sub (local.get 0) (i64.const 1)))\n"
	"        (br 1))))\n"
	"    (local.get 1))\n"
	"  (func (export \"swap\") (param i32 i32 i32) (result i32)\n"
	"    (local i32)\n"
	"    (loop\n"
	"      (local.set 3 (local.get 0))\n"
	"      (local.set 0 (local.get 1))\n"
	"      (local.set 1 (local.get 3))\n"
	"      (br_if 0 (local.tee 2 (i32.sub (local.get 2) (i32.const 1)))))\n"
	"    (i32.sub (i32.mul (local.get 0) (i32.const 10)) (local.get 1)))\n"
	"  (func $fib (export \"fib\") (param i32) (result i32)\n"
	"    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))\n"
	"      (then (local.get 0))\n"
	"      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))\n"
	"                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))\n"
	"  (func (export \"calls\") (param i32 i32) (result i32)\n"
	"    (local i32 i32 i32)\n"
	"    (local.set 2 (i32.mul (local.get 0) (i32.const 7)))\n"
	"    (local.set 3 (i32.xor (local.get 1) (i32.const 0x55)))\n"
	"    (local.set 4 (call $add (local.get 2) (local.get 3)))\n"
	"    (i32.add (i32.add (local.get 2) (local.get 3))\n"
	"      (i32.add (local.get 4) (call $add (local.get 4) (local.get 0)))))\n"
	/* $add with a call in it: a call the inline pass leaves a call */
	"  (func $addc (param i32 i32) (result i32)\n"
	"    (if (i32.eqz (local.get 1))\n"
	"      (then (drop (call $addc (local.get 0) (i32.const 1)))))\n"
	"    (i32.add (local.get 0) (local.get 1)))\n"
	"  (func (export \"pressure\") (param i32) (result i32)\n"
	"    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)\n"
	"    (local.set 1 (i32.add (local.get 0) (i32.const 1)))\n"
	"    (local.set 2 (i32.mul (local.get 0) (i32.const 3)))\n"
	"    (local.set 3 (i32.xor (local.get 0) (i32.const 5)))\n"
	"    (local.set 4 (i32.shl (local.get 0) (i32.const 4)))\n"
	"    (local.set 5 (i32.sub (local.get 0) (i32.const 9)))\n"
	"    (local.set 6 (i32.or (local.get 0) (i32.const 64)))\n"
	"    (local.set 7 (i32.mul (local.get 1) (local.get 2)))\n"
	"    (local.set 8 (i32.mul (local.get 3) (local.get 4)))\n"
	"    (local.set 9 (i32.mul (local.get 5) (local.get 6)))\n"
	"    (local.set 10 (call $addc (local.get 7) (local.get 8)))\n"
	"    (local.set 11 (i32.rotl (local.get 9) (local.get 0)))\n"
	"    (local.set 12 (i32.add (local.get 10) (local.get 11)))\n"
	"    (i32.add\n"
	"      (i32.add (i32.add (local.get 1) (local.get 2)) (i32.add (local.get 3) (local.get 4)))\n"
	"      (i32.add (i32.add (local.get 5) (local.get 6))\n"
	"        (i32.add (i32.add (local.get 7) (local.get 8))\n"
	"          (i32.add (local.get 9) (local.get 12))))))\n"
	/* splitting: twelve values carried by a loop (more than the
	 * allocatable GPRs), a call on every fourth iteration with all of
	 * them live across it, more after the loop */
	"  (func (export \"splitloop\") (param i32 i32) (result i32)\n"
	"    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)\n"
	"    (local.set 2 (local.get 0)) (local.set 3 (local.get 1))\n"
	"    (local.set 4 (i32.const 3)) (local.set 5 (i32.const 5))\n"
	"    (local.set 6 (i32.const 7)) (local.set 7 (i32.const 11))\n"
	"    (local.set 8 (i32.const 13)) (local.set 9 (i32.const 17))\n"
	"    (local.set 10 (i32.const 19)) (local.set 11 (i32.const 23))\n"
	"    (local.set 12 (i32.const 29)) (local.set 13 (i32.const 31))\n"
	"    (loop $l\n"
	"      (local.set 2 (i32.add (local.get 2) (local.get 3)))\n"
	"      (local.set 3 (i32.xor (local.get 3) (i32.rotl (local.get 4) (i32.const 3))))\n"
	"      (local.set 4 (i32.add (local.get 4) (local.get 5)))\n"
	"      (local.set 5 (i32.sub (local.get 5) (local.get 6)))\n"
	"      (local.set 6 (i32.xor (local.get 6) (local.get 7)))\n"
	"      (local.set 7 (i32.add (local.get 7) (i32.mul (local.get 8) (i32.const 3))))\n"
	"      (local.set 8 (i32.xor (local.get 8) (local.get 9)))\n"
	"      (local.set 9 (i32.add (local.get 9) (local.get 10)))\n"
	"      (local.set 10 (i32.sub (local.get 10) (local.get 11)))\n"
	"      (local.set 11 (i32.add (local.get 11) (local.get 12)))\n"
	"      (local.set 12 (i32.xor (local.get 12) (local.get 13)))\n"
	"      (local.set 13 (i32.add (local.get 13) (local.get 2)))\n"
	"      (if (i32.eqz (i32.and (local.get 14) (i32.const 3)))\n"
	"        (then (local.set 3 (call $add (local.get 3) (local.get 14)))))\n"
	"      (br_if $l (i32.lt_u (local.tee 14 (i32.add (local.get 14) (i32.const 1)))\n"
	"                          (i32.and (local.get 1) (i32.const 255)))))\n"
	"    (i32.add (i32.add (i32.add (local.get 2) (local.get 3)) (i32.add (local.get 4) (local.get 5)))\n"
	"      (i32.add (i32.add (i32.add (local.get 6) (local.get 7)) (i32.add (local.get 8) (local.get 9)))\n"
	"        (i32.add (i32.add (local.get 10) (local.get 11)) (i32.add (local.get 12) (local.get 13))))))\n"
	"  (func (export \"mem\") (param i32 i32) (result i32)\n"
	"    (i32.store (local.get 0) (local.get 1))\n"
	"    (i32.store8 offset=4 (local.get 0) (i32.const 0xff))\n"
	"    (i32.store16 offset=6 (local.get 0) (i32.const 0x8001))\n"
	"    (i64.store offset=8 (local.get 0) (i64.extend_i32_s (local.get 1)))\n"
	"    (i32.add\n"
	"      (i32.add (i32.load (local.get 0)) (i32.load8_s offset=4 (local.get 0)))\n"
	"      (i32.add (i32.add (i32.load8_u offset=4 (local.get 0))\n"
	"                        (i32.load16_s offset=6 (local.get 0)))\n"
	"        (i32.add (i32.load16_u offset=6 (local.get 0))\n"
	"          (i32.wrap_i64 (i64.shr_u (i64.load offset=8 (local.get 0))\n"
	"                                   (i64.const 32)))))))\n"
	"  (func (export \"array\") (param i32 i32) (result i32) (local i32 i32)\n"
	"    ;; a[i] = i * i for i < n at base p, then the sum of a[i]\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.ge_u (local.get 2) (local.get 1)))\n"
	"      (i32.store (i32.add (local.get 0) (i32.shl (local.get 2) (i32.const 2)))\n"
	"        (i32.mul (local.get 2) (local.get 2)))\n"
	"      (local.set 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (local.set 2 (i32.const 0))\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.ge_u (local.get 2) (local.get 1)))\n"
	"      (local.set 3 (i32.add (local.get 3)\n"
	"        (i32.load (i32.add (local.get 0) (i32.shl (local.get 2) (i32.const 2))))))\n"
	"      (local.set 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (local.get 3))\n"
	"  (func (export \"load64\") (param i32) (result i64)\n"
	"    (i64.store (i32.const 100) (i64.const 0x0102030405060708))\n"
	"    (i64.add (i64.load32_s (local.get 0)) (i64.load8_u offset=1 (local.get 0))))\n"
	"  (func (export \"oob\") (param i32) (result i32)\n"
	"    (i32.load offset=8 (local.get 0)))\n"
	"  (func (export \"oobst\") (param i32) (result i32)\n"
	"    (i64.store offset=0x7ffffff0 (local.get 0) (i64.const 1))\n"
	"    (i32.const 1))\n"
	"  (func (export \"div\") (param i32 i32) (result i32)\n"
	"    (i32.add (i32.div_s (local.get 0) (local.get 1))\n"
	"      (i32.mul (i32.rem_s (local.get 0) (local.get 1)) (i32.const 1000))))\n"
	"  (func (export \"divu\") (param i32 i32) (result i32)\n"
	"    (i32.xor (i32.div_u (local.get 0) (local.get 1))\n"
	"      (i32.rem_u (local.get 0) (local.get 1))))\n"
	"  (func (export \"div64\") (param i64 i64) (result i64)\n"
	"    (i64.add (i64.div_s (local.get 0) (local.get 1))\n"
	"      (i64.rem_s (local.get 0) (local.get 1))))\n"
	"  (func (export \"unreach\") (param i32) (result i32)\n"
	"    (if (i32.eqz (local.get 0)) (then unreachable))\n"
	"    (local.get 0))\n"
	"  (func (export \"divc\") (param i32 i32) (result i32)\n"
	"    ;; division by constants: strength-reduced (ir_strength.c)\n"
	"    (i32.xor (i32.add (i32.div_u (local.get 0) (i32.const 7))\n"
	"                      (i32.rem_u (local.get 0) (i32.const 10)))\n"
	"      (i32.add (i32.div_s (local.get 0) (i32.const -3))\n"
	"        (i32.add (i32.rem_s (local.get 0) (i32.const 8))\n"
	"          (i32.add (i32.div_s (local.get 0) (i32.const 16))\n"
	"            (i32.add (i32.div_u (local.get 0) (i32.const 0x80000001))\n"
	"              (i32.add (i32.div_u (local.get 0) (i32.const 641))\n"
	"                (i32.mul (i32.rem_s (local.get 0) (i32.const 1000))\n"
	"                         (i32.const 9)))))))))\n"
	"  (func (export \"divc64\") (param i64 i64) (result i64)\n"
	"    (i64.add (i64.div_s (local.get 0) (i64.const -8))\n"
	"      (i64.add (i64.rem_s (local.get 0) (i64.const 4096))\n"
	"        (i64.add (i64.div_u (local.get 0) (i64.const 0x8000000000000001))\n"
	"          (i64.add (i64.rem_u (local.get 0) (i64.const 16))\n"
	"            (i64.add (i64.div_u (local.get 0) (i64.const 7))\n"
	"              ;; high multiplies (mulh): unsigned, even pre-shifted,\n"
	"              ;; signed with and without the add, negative\n"
	"              (i64.add (i64.rem_u (local.get 0) (i64.const 10))\n"
	"                (i64.add (i64.div_u (local.get 0) (i64.const 28))\n"
	"                  (i64.add (i64.div_s (local.get 0) (i64.const 1000))\n"
	"                    (i64.add (i64.rem_s (local.get 0) (i64.const 7))\n"
	"                      (i64.add (i64.div_s (local.get 0) (i64.const -641))\n"
	"                        (i64.div_s (local.get 1) (i64.const 0x4000000000000001)))))))))))))\n"
	"  (func (export \"inv\") (param i32 i32) (result i32) (local i32 i32)\n"
	"    ;; loop-invariant (a * b) ^ (a << 3), moved out by ir_licm.c\n"
	"    (loop $l\n"
	"      (local.set 2 (i32.add (local.get 2)\n"
	"        (i32.xor (i32.mul (local.get 0) (local.get 1))\n"
	"                 (i32.shl (local.get 0) (i32.const 3)))))\n"
	"      (i32.store (i32.const 64) (local.get 2))\n"
	"      (br_if $l (i32.lt_u (local.tee 3 (i32.add (local.get 3) (i32.const 1)))\n"
	"                          (i32.const 10))))\n"
	"    (i32.add (local.get 2) (i32.load (i32.const 64))))\n"
	"  (func (export \"addrs\") (param i32 i32) (result i32) (local i32 i32)\n"
	"    ;; ir_addr.c folds the loop's i + 1024, not x + 16 (it may wrap)\n"
	"    (i32.store (i32.const 1024) (local.get 0))\n"
	"    (i32.store (i32.const 1088) (local.get 1))\n"
	"    (loop $l\n"
	"      (local.set 2 (i32.add (local.get 2)\n"
	"        (i32.load (i32.add (local.get 3) (i32.const 1024)))))\n"
	"      (br_if $l (i32.ne (local.tee 3 (i32.add (local.get 3) (i32.const 4)))\n"
	"                        (i32.const 128))))\n"
	"    (i32.add (local.get 2)\n"
	"      (i32.load8_u (i32.add (local.get 0) (i32.const 16)))))\n"
	"  (func (export \"memop\") (param i32 i32) (result i32)\n"
	"    ;; loads read by their one user as memory operands (traps there);\n"
	"    ;; each of its own bytes (loadelim would make one load of equal ones)\n"
	"    (i32.store (i32.const 32) (i32.const 1000))\n"
	"    (i32.store (i32.const 36) (i32.const -7))\n"
	"    (i64.store (i32.const 40) (i64.const 0x100000003))\n"
	"    (i32.add\n"
	"      (i32.sub (local.get 1) (i32.load offset=16 (local.get 0)))\n"
	"      (i32.add (i32.mul (local.get 1) (i32.load offset=20 (local.get 0)))\n"
	"        (i32.add (i32.xor (i32.load offset=24 (local.get 0)) (local.get 1))\n"
	"          (i32.add (i32.lt_s (local.get 1) (i32.load offset=28 (local.get 0)))\n"
	"            (i32.add (i32.gt_u (i32.load offset=32 (local.get 0)) (i32.const 500))\n"
	"              (i32.add (i32.and (i32.load offset=36 (local.get 0)) (local.get 1))\n"
	"                (i32.wrap_i64 (i64.add (i64.extend_i32_s (local.get 1))\n"
	"                  (i64.load offset=40 (local.get 0)))))))))))\n"
	"  (func (export \"memop_br\") (param i32 i32) (result i32)\n"
	"    ;; compare-and-branch on a load; a store between keeps the load (of\n"
	"    ;; other bytes than the first: loadelim would reuse that one)\n"
	"    (i32.store (i32.const 64) (local.get 1))\n"
	"    (if (result i32) (i32.lt_u (local.get 1) (i32.load offset=64 (local.get 0)))\n"
	"      (then (if (result i32) (i32.eqz (i32.load offset=60 (local.get 0)))\n"
	"        (then (i32.const 3)) (else (i32.const 4))))\n"
	"      (else (i32.add (i32.const 10)\n"
	"        (select (i32.const 1) (i32.const 2)\n"
	"          (i32.ge_s (i32.load offset=68 (local.get 0))\n"
	"                    (block (result i32) (i32.store (i32.const 64) (i32.const 5))\n"
	"                                        (local.get 1))))))))\n"
	"  (func (export \"lea3\") (param i32 i32) (result i32)\n"
	"    (i32.add (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))\n"
	"             (i32.const 12)))\n"
	"  (func (export \"glob\") (param i32) (result i32)\n"
	"    (global.set $g (i32.add (global.get $g) (local.get 0)))\n"
	"    (global.set $h (i64.mul (global.get $h) (i64.extend_i32_s (local.get 0))))\n"
	"    (i32.add (global.get $g) (i32.wrap_i64 (global.get $h))))\n"
	"  (func (export \"nested\") (param i32) (result i32) (local i32 i32 i32)\n"
	"    ;; a loop nest with a call in the inner loop and values live across it\n"
	"    (loop $o\n"
	"      (local.set 2 (i32.const 0))\n"
	"      (loop $i\n"
	"        (local.set 3 (i32.add (local.get 3)\n"
	"          (call $add (local.get 1) (local.get 2))))\n"
	"        (br_if $i (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"                            (i32.const 5))))\n"
	"      (br_if $o (i32.lt_s (local.tee 1 (i32.add (local.get 1) (i32.const 1)))\n"
	"                          (local.get 0))))\n"
	"    (local.get 3))\n"
	")\n";

static const char *const int_funcs[] = { "add", "arith", "bits", "arith64",
	"cmp", "sel", "sel2", "sum", "fac", "swap", "fib", "calls", "pressure", "splitloop",
	"mem", "array", "load64", "oob", "oobst", "div", "divu", "div64",
	"unreach", "glob", "nested", "divc", "divc64", "inv", "addrs", "lea3",
	"memop", "memop_br" };
#define NINT_FUNCS (sizeof int_funcs / sizeof int_funcs[0])

static const int64_t int_args[][3] = {
	{ 0, 0, 0 }, { 1, 2, 3 }, { -1, 1, 1 }, { 7, -3, 2 }, { 100, 7, 5 },
	{ INT32_MIN, -1, 1 }, { INT32_MAX, 31, 4 }, { 12, 0, 1 }, { 65000, 33, 2 },
	{ 65536, 4, 1 }, { -8, 1, 1 }, { 20, 25, 3 }, { -123456789, 5, 2 },
	{ 987654321, 3, 1 },
};
#define NINT_ARGS (sizeof int_args / sizeof int_args[0])

static const int64_t i64_args[][3] = {
	{ 0, 1, 0 }, { 5, 3, 0 }, { -1, 1, 0 }, { 20, 2, 0 },
	{ INT64_MIN, -1, 0 }, { INT64_MAX, 63, 0 }, { 0x123456789abcdefLL, 7, 0 },
	{ 9, 0, 0 }, { -100, -7, 0 }, { -123456789012345LL, 3, 0 },
};
#define NI64_ARGS (sizeof i64_args / sizeof i64_args[0])

static bool takes_i64(rig *r, const char *name)
{
	wasm_functype t;
	wasm_func_type(export_func(r, name, NULL), &t);
	return t.nparams && t.params[0] == WASM_I64;
}

/* Every function of int_wat compiled by tier 2 and run on every argument
 * tuple, against the interpreter; "add" stays interpreted in one rig (the
 * calls go through the interpreter thunk) and is compiled in the other. */
static void run_int_module(bool callee_compiled)
{
	size_t len;
	uint8_t *bytes = wat(int_wat, &len);
	rig o, in, bl;
	rig_up(&o, bytes, len, WASM_TIER_AUTO);
	rig_up(&in, bytes, len, WASM_TIER_INTERP);
	rig_up(&bl, bytes, len, WASM_TIER_BASELINE);
	free(bytes);
	for (size_t k = 0; k < NINT_FUNCS; k++)
		if (callee_compiled || strcmp(int_funcs[k], "add") != 0)
			opt_install(&o, int_funcs[k]);
	for (size_t k = 0; k < NINT_FUNCS; k++) {
		const char *name = int_funcs[k];
		const char *only = getenv("CHECK_OPT_ONLY");
		if (only && strcmp(only, name) != 0)
			continue;
		if (getenv("CHECK_OPT_TRACE"))
			fprintf(stderr, "running %s\n", name);
		bool wide = takes_i64(&o, name);
		size_t n = wide ? NI64_ARGS : NINT_ARGS;
		for (size_t a = 0; a < n; a++) {
			const int64_t *args = wide ? i64_args[a] : int_args[a];
			if (strcmp(name, "fib") == 0 && args[0] > 25)
				continue;
			if (strcmp(name, "fac") == 0 && (args[0] < 0 || args[0] > 30))
				continue;
			if ((strcmp(name, "sum") == 0 || strcmp(name, "nested") == 0) &&
			    (args[0] < -1 || args[0] > 70000))
				continue;
			if (strcmp(name, "swap") == 0 && (args[2] <= 0 || args[2] > 100))
				continue;
			if (strcmp(name, "array") == 0 && (args[1] < 0 || args[1] > 1000 ||
			    args[0] < 0 || args[0] > 60000))
				continue;
			same(&o, &in, &bl, name, args);
		}
	}
	/* tier 2's code is installed for them (so the calls above ran it) */
	for (size_t k = 0; k < NINT_FUNCS; k++) {
		uint32_t idx;
		export_func(&o, int_funcs[k], &idx);
		if (callee_compiled || strcmp(int_funcs[k], "add") != 0)
			ck_assert_ptr_nonnull(jit_func_get(o.m, idx));
	}
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}

START_TEST(run_ints_callee_interpreted)
{
	run_int_module(false);
}
END_TEST

START_TEST(run_ints_callee_compiled)
{
	run_int_module(true);
}
END_TEST

/* A trap in tier 2's code names the function and the wasm offset the
 * interpreter names (PC map for faults, tails for checks). */
START_TEST(traps_located)
{
	size_t len;
	uint8_t *bytes = wat(int_wat, &len);
	rig o, in, bl;
	rig_up(&o, bytes, len, WASM_TIER_AUTO);
	rig_up(&in, bytes, len, WASM_TIER_INTERP);
	rig_up(&bl, bytes, len, WASM_TIER_BASELINE);
	free(bytes);
	opt_install(&o, "oob");
	opt_install(&o, "div");
	opt_install(&o, "unreach");
	opt_install(&o, "memop");
	static const struct { const char *f; int64_t a[2]; wasm_trap_kind k; } t[] = {
		/* the fused sub [m] (the first access) and the i64 add [m] */
		{ "memop", { 65520, 0 }, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
		{ "memop", { 65490, 0 }, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
		{ "oob", { 65530, 0 }, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
		{ "oob", { -1, 0 }, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
		{ "div", { 1, 0 }, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO },
		{ "div", { INT32_MIN, -1 }, WASM_TRAP_INTEGER_OVERFLOW },
		{ "unreach", { 0, 0 }, WASM_TRAP_UNREACHABLE },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		outcome a = call(&o, t[k].f, t[k].a);
		ck_assert_int_eq(a.st, WASM_ERR_TRAP);
		ck_assert_int_eq(a.trap, t[k].k);
		ck_assert_uint_ne(a.offset, SIZE_MAX);
		same(&o, &in, &bl, t[k].f, t[k].a);
	}
	/* and the instance stays usable */
	int64_t ok[2] = { 100, 0 };
	same(&o, &in, &bl, "oob", ok);
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}
END_TEST

/* ---- floats ------------------------------------------------------------------ */

/* Arguments are bits (f32: the low half); results compare as bits, so
 * NaN payloads, signs and -0.0 must match the interpreter's exactly. */
static const char float_wat[] =
	"(module\n"
	"  (memory 1)\n"
	"  (global $gf (mut f64) (f64.const 1.5))\n"
	"  (global $gs (mut f32) (f32.const -2.5))\n"
	"  (func (export \"add\") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))\n"
	"  (func (export \"sub\") (param f64 f64) (result f64) (f64.sub (local.get 0) (local.get 1)))\n"
	"  (func (export \"mul\") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))\n"
	"  (func (export \"div\") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))\n"
	"  (func (export \"min\") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))\n"
	"  (func (export \"max\") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))\n"
	"  (func (export \"copysign\") (param f64 f64) (result f64)\n"
	"    (f64.copysign (local.get 0) (local.get 1)))\n"
	"  (func (export \"cmp\") (param f64 f64) (result i32)\n"
	"    (i32.or (i32.or (f64.eq (local.get 0) (local.get 1))\n"
	"                    (i32.shl (f64.ne (local.get 0) (local.get 1)) (i32.const 1)))\n"
	"      (i32.or (i32.or (i32.shl (f64.lt (local.get 0) (local.get 1)) (i32.const 2))\n"
	"                      (i32.shl (f64.gt (local.get 0) (local.get 1)) (i32.const 3)))\n"
	"              (i32.or (i32.shl (f64.le (local.get 0) (local.get 1)) (i32.const 4))\n"
	"                      (i32.shl (f64.ge (local.get 0) (local.get 1)) (i32.const 5))))))\n"
	"  (func (export \"brcmp\") (param f64 f64) (result i32)\n"
	"    (if (result i32) (f64.lt (local.get 0) (local.get 1))\n"
	"      (then (i32.const 10)) (else (i32.const 20))))\n"
	"  (func (export \"sel\") (param f64 f64) (result f64)\n"
	"    (select (local.get 0) (local.get 1) (f64.gt (local.get 0) (local.get 1))))\n"
	"  (func (export \"sqrt\") (param f64) (result f64) (f64.sqrt (local.get 0)))\n"
	"  (func (export \"ceil\") (param f64) (result f64) (f64.ceil (local.get 0)))\n"
	"  (func (export \"floor\") (param f64) (result f64) (f64.floor (local.get 0)))\n"
	"  (func (export \"trunc\") (param f64) (result f64) (f64.trunc (local.get 0)))\n"
	"  (func (export \"nearest\") (param f64) (result f64) (f64.nearest (local.get 0)))\n"
	"  (func (export \"abs\") (param f64) (result f64) (f64.abs (local.get 0)))\n"
	"  (func (export \"neg\") (param f64) (result f64) (f64.neg (local.get 0)))\n"
	"  (func (export \"consts\") (param f64) (result f64)\n"
	"    ;; folded and unfolded constants, NaN ones included\n"
	"    (f64.add (f64.mul (local.get 0) (f64.const 0.5))\n"
	"      (f64.add (f64.sub (f64.const inf) (f64.const inf))\n"
	"               (f64.const nan:0x4000000000123))))\n"
	"  (func (export \"i32_trunc_s\") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))\n"
	"  (func (export \"i32_trunc_u\") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))\n"
	"  (func (export \"i64_trunc_s\") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))\n"
	"  (func (export \"i64_trunc_u\") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))\n"
	"  (func (export \"i32_sat_s\") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))\n"
	"  (func (export \"i64_sat_u\") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))\n"
	"  (func (export \"i32_sat_u\") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))\n"
	"  (func (export \"i64_sat_s\") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))\n"
	"  (func (export \"i32_sat_s32\") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))\n"
	"  (func (export \"i32_sat_u32\") (param f32) (result i32) (i32.trunc_sat_f32_u (local.get 0)))\n"
	"  (func (export \"i64_sat_s32\") (param f32) (result i64) (i64.trunc_sat_f32_s (local.get 0)))\n"
	"  (func (export \"i64_sat_u32\") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))\n"
	"  (func (export \"demote\") (param f64) (result f32) (f32.demote_f64 (local.get 0)))\n"
	"  (func (export \"bits\") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))\n"
	"  (func (export \"unbits\") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))\n"
	"  (func (export \"conv_s64\") (param i64) (result f64) (f64.convert_i64_s (local.get 0)))\n"
	"  (func (export \"conv_u64\") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))\n"
	"  (func (export \"conv_u64_f32\") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))\n"
	"  (func (export \"conv_u32\") (param i32) (result f64) (f64.convert_i32_u (local.get 0)))\n"
	"  (func (export \"conv_s32_f32\") (param i32) (result f32) (f32.convert_i32_s (local.get 0)))\n"
	"  (func (export \"add32\") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))\n"
	"  (func (export \"div32\") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))\n"
	"  (func (export \"min32\") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))\n"
	"  (func (export \"max32\") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))\n"
	"  (func (export \"copysign32\") (param f32 f32) (result f32)\n"
	"    (f32.copysign (local.get 0) (local.get 1)))\n"
	"  (func (export \"cmp32\") (param f32 f32) (result i32)\n"
	"    (i32.or (f32.eq (local.get 0) (local.get 1))\n"
	"      (i32.or (i32.shl (f32.ne (local.get 0) (local.get 1)) (i32.const 1))\n"
	"              (i32.shl (f32.le (local.get 0) (local.get 1)) (i32.const 2)))))\n"
	"  (func (export \"brcmp32\") (param f32 f32) (result i32)\n"
	"    ;; ordered compares fused with their branch or select (NaN: 3, 7)\n"
	"    (i32.add\n"
	"      (if (result i32) (f32.ge (local.get 0) (local.get 1)) (then (i32.const 1))\n"
	"        (else (if (result i32) (f32.le (local.get 0) (local.get 1))\n"
	"          (then (i32.const 2)) (else (i32.const 3)))))\n"
	"      (select (i32.const 4) (i32.const 7) (f32.lt (local.get 0) (local.get 1)))))\n"
	"  (func (export \"neg32\") (param f32) (result f32) (f32.neg (local.get 0)))\n"
	"  (func (export \"abs32\") (param f32) (result f32) (f32.abs (local.get 0)))\n"
	"  (func (export \"nearest32\") (param f32) (result f32) (f32.nearest (local.get 0)))\n"
	"  (func (export \"sqrt32\") (param f32) (result f32) (f32.sqrt (local.get 0)))\n"
	"  (func (export \"promote\") (param f32) (result f64) (f64.promote_f32 (local.get 0)))\n"
	"  (func (export \"i32_trunc_u32\") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))\n"
	"  (func (export \"i64_trunc_u32\") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))\n"
	"  (func (export \"bits32\") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))\n"
	"  (func (export \"mem\") (param f64 f64) (result f64)\n"
	"    ;; stores, loads, globals of both widths; f32 through memory\n"
	"    (f64.store offset=8 (i32.const 16) (local.get 0))\n"
	"    (f32.store (i32.const 4) (f32.demote_f64 (local.get 1)))\n"
	"    (global.set $gf (f64.add (global.get $gf) (f64.load offset=8 (i32.const 16))))\n"
	"    (global.set $gs (f32.mul (global.get $gs) (f32.load (i32.const 4))))\n"
	"    (f64.add (global.get $gf) (f64.promote_f32 (global.get $gs))))\n"
	"  (func (export \"fload\") (param i32) (result f64)\n"
	"    ;; loads straight into XMM registers (their traps at the load)\n"
	"    (f64.store (i32.const 24) (f64.const -0.75))\n"
	"    (f64.add (f64.load offset=8 (i32.and (local.get 0) (i32.const 16)))\n"
	"      (f64.promote_f32 (f32.load offset=65532 (local.get 0)))))\n"
	"  (func (export \"fmemop\") (param f64 f64) (result f64)\n"
	"    ;; loads as the second operand of add, sub, mul, div of both widths\n"
	"    (f64.store (i32.const 48) (local.get 1))\n"
	"    (f32.store (i32.const 56) (f32.demote_f64 (local.get 0)))\n"
	"    (f64.add\n"
	"      (f64.sub (f64.div (local.get 0) (f64.load (i32.const 48)))\n"
	"               (f64.promote_f32 (f32.mul (f32.demote_f64 (local.get 1))\n"
	"                                         (f32.load (i32.const 56)))))\n"
	"      (f64.mul (f64.sub (local.get 1) (f64.load (i32.const 48)))\n"
	"               (f64.add (local.get 0) (f64.load (i32.const 48))))))\n"
	"  (func (export \"axpy\") (param f64 f64) (result f64) (local i32)\n"
	"    ;; out[j] += a * y[j] with a loop-invariant (matmul's inner loop:\n"
	"    ;; under AVX vmulsd t, a, [y] copies nothing), NaN bits kept\n"
	"    (loop\n"
	"      (f64.store offset=128 (local.get 2)\n"
	"        (f64.add (local.get 1) (f64.convert_i32_u (local.get 2))))\n"
	"      (f64.store offset=64 (local.get 2)\n"
	"        (f64.add (f64.load offset=64 (local.get 2))\n"
	"                 (f64.mul (local.get 0) (f64.load offset=128 (local.get 2)))))\n"
	"      (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 8)))\n"
	"                         (i32.const 64))))\n"
	"    (f64.sub (f64.load offset=64 (i32.const 56)) (f64.load offset=64 (i32.const 8))))\n"
	"  (func (export \"fswap\") (param f64 f64) (result f64) (local f64 f32 i32)\n"
	"    ;; a cycle of float phis (and an f32 and an i32 beside them)\n"
	"    (local.set 3 (f32.demote_f64 (local.get 1)))\n"
	"    (loop\n"
	"      (local.set 2 (local.get 0))\n"
	"      (local.set 0 (local.get 1))\n"
	"      (local.set 1 (local.get 2))\n"
	"      (local.set 3 (f32.add (local.get 3) (f32.const 0.5)))\n"
	"      (br_if 0 (i32.lt_u (local.tee 4 (i32.add (local.get 4) (i32.const 1)))\n"
	"                         (i32.const 5))))\n"
	"    (f64.sub (f64.mul (local.get 0) (f64.const 10))\n"
	"      (f64.add (local.get 1) (f64.promote_f32 (local.get 3)))))\n"
	"  (func $sq (param f64 f32) (result f64)\n"
	"    (f64.mul (local.get 0) (f64.promote_f32 (local.get 1))))\n"
	"  (func (export \"loop\") (param f64 f64) (result f64) (local i32 f64 f64)\n"
	"    ;; float phis around a loop, values live across a call\n"
	"    (local.set 3 (local.get 1))\n"
	"    (loop\n"
	"      (local.set 4 (call $sq (local.get 3) (f32.demote_f64 (local.get 0))))\n"
	"      (local.set 3 (f64.add (f64.div (local.get 3) (f64.const 3)) (local.get 4)))\n"
	"      (local.set 0 (f64.sub (local.get 0) (local.get 3)))\n"
	"      (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"                         (i32.const 6))))\n"
	"    (f64.add (local.get 0) (f64.min (local.get 3) (local.get 4))))\n"
	"  (func (export \"pressure\") (param f64 f64) (result f64)\n"
	"    (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)\n"
	"    (local.set 2 (f64.add (local.get 0) (f64.const 1)))\n"
	"    (local.set 3 (f64.mul (local.get 0) (local.get 1)))\n"
	"    (local.set 4 (f64.sub (local.get 0) (local.get 1)))\n"
	"    (local.set 5 (f64.div (local.get 1) (f64.const 7)))\n"
	"    (local.set 6 (f64.add (local.get 2) (local.get 3)))\n"
	"    (local.set 7 (f64.mul (local.get 4) (local.get 5)))\n"
	"    (local.set 8 (f64.sub (local.get 6) (local.get 0)))\n"
	"    (local.set 9 (f64.add (local.get 7) (local.get 1)))\n"
	"    (local.set 10 (f64.mul (local.get 8) (local.get 9)))\n"
	"    (local.set 11 (f64.add (local.get 2) (local.get 9)))\n"
	"    (local.set 12 (f64.sub (local.get 3) (local.get 8)))\n"
	"    (local.set 13 (f64.mul (local.get 4) (local.get 7)))\n"
	"    (local.set 14 (f64.add (local.get 5) (local.get 6)))\n"
	"    (local.set 15 (f64.sub (local.get 10) (local.get 11)))\n"
	"    (local.set 16 (f64.mul (local.get 12) (local.get 13)))\n"
	"    (local.set 17 (f64.add (local.get 14) (local.get 15)))\n"
	"    (f64.add (f64.add (f64.add (local.get 2) (local.get 3)) (f64.add (local.get 4) (local.get 5)))\n"
	"      (f64.add (f64.add (f64.add (local.get 6) (local.get 7)) (f64.add (local.get 8) (local.get 9)))\n"
	"        (f64.add (f64.add (local.get 10) (local.get 11))\n"
	"          (f64.add (f64.add (local.get 12) (local.get 13))\n"
	"            (f64.add (local.get 16) (local.get 17)))))))\n"
	")\n";

/* NaNs (quiet and signalling, both signs, payloads), zeros, infinities,
 * the truncations' edges, denormals. */
static const uint64_t f64_bits[] = {
	0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff8000000000000ull,
	0x7ff8000000000123ull, 0x7ff0000000000001ull, 0xfff8000000000456ull,
	0xfff4000000000789ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x43e0000000000000ull /* 2^63 */, 0xc3e0000000000000ull /* -2^63 */,
	0x41efffffffe00000ull /* 2^32 - 1 */, 0x41f0000000000000ull /* 2^32 */,
	0xc1e0000000200000ull /* -2^31 - 1 */, 0x4004000000000000ull /* 2.5 */,
	0xc004000000000000ull /* -2.5 */, 0x3fe0000000000000ull /* 0.5 */,
	0x0000000000000001ull, 0x43f0000000000000ull /* 2^64 */,
	0xbfefffffffffffffull /* -0.99.. */,
};
static const uint64_t f32_bits[] = {
	0, 0x80000000u, 0x3f800000u, 0xbfc00000u, 0x7fc00123u, 0x7f800001u,
	0xffc00456u, 0xffa00789u, 0x7f800000u, 0xff800000u, 0x4f800000u /* 2^32 */,
	0x5f800000u /* 2^64 */, 0x5f000000u /* 2^63 */, 0x40200000u /* 2.5 */,
	0xc0200000u, 0x3f000000u, 0x00000001u, 0xbf7fffffu,
	0x4f000000u /* 2^31 */, 0xcf000001u /* -2^31 - 256, below i32 */,
	0xcf000000u /* -2^31 */, 0x5effffffu /* below 2^63 */,
};
static const uint64_t int_bits[] = {
	0, 1, 0xffffffffull, 0x7fffffffull, 0x80000000ull, ~0ull,
	0x8000000000000000ull, 0x7fffffffffffffffull, 0x8000000000000001ull,
	0x20000000000001ull, 12345, 4, 8, 16,
};

static const char *const float_funcs[] = { "add", "sub", "mul", "div", "min",
	"max", "copysign", "cmp", "brcmp", "sel", "sqrt", "ceil", "floor", "trunc",
	"nearest", "abs", "neg", "consts", "i32_trunc_s", "i32_trunc_u",
	"i64_trunc_s", "i64_trunc_u", "i32_sat_s", "i64_sat_u", "i32_sat_u",
	"i64_sat_s", "i32_sat_s32", "i32_sat_u32", "i64_sat_s32", "i64_sat_u32",
	"demote", "bits",
	"unbits", "conv_s64", "conv_u64", "conv_u64_f32", "conv_u32",
	"conv_s32_f32", "add32", "div32", "min32", "max32", "copysign32", "cmp32",
	"brcmp32",
	"neg32", "abs32", "nearest32", "sqrt32", "promote", "i32_trunc_u32",
	"i64_trunc_u32", "bits32", "mem", "fload", "fmemop", "axpy", "fswap", "loop",
	"pressure" };
#define NFLOAT_FUNCS (sizeof float_funcs / sizeof float_funcs[0])

/* Every function of float_wat in tier 2 against the interpreter and the
 * baseline, on every pair of the values of its parameter type. */
START_TEST(run_floats)
{
	rigs r;
	rigs_up(&r, float_wat);
	for (size_t k = 0; k < NFLOAT_FUNCS; k++)
		opt_install(&r.o, float_funcs[k]);
	for (size_t k = 0; k < NFLOAT_FUNCS; k++) {
		const char *name = float_funcs[k];
		wasm_functype t;
		wasm_func_type(export_func(&r.o, name, NULL), &t);
		const uint64_t *v = t.params[0] == WASM_F64 ? f64_bits :
			t.params[0] == WASM_F32 ? f32_bits : int_bits;
		size_t n = t.params[0] == WASM_F64 ? sizeof f64_bits / 8 :
			t.params[0] == WASM_F32 ? sizeof f32_bits / 8 : sizeof int_bits / 8;
		for (size_t a = 0; a < n; a++)
			for (size_t b = 0; b < (t.nparams > 1 ? n : 1); b++) {
				int64_t args[3] = { (int64_t)v[a], (int64_t)v[b], 0 };
				same(&r.o, &r.in, &r.bl, name, args);
			}
	}
	rigs_down(&r);
}
END_TEST

/* A trapping truncation in tier 2 names the interpreter's kind, function
 * and offset: NaN is an invalid conversion, out of range an overflow. */
START_TEST(float_traps_located)
{
	rigs r;
	rigs_up(&r, float_wat);
	opt_install(&r.o, "i32_trunc_s");
	opt_install(&r.o, "i64_trunc_u");
	static const struct { const char *f; uint64_t a; wasm_trap_kind k; } t[] = {
		{ "i32_trunc_s", 0x7ff8000000000000ull, WASM_TRAP_INVALID_CONVERSION },
		{ "i32_trunc_s", 0x41e0000000000000ull, WASM_TRAP_INTEGER_OVERFLOW },
		{ "i64_trunc_u", 0xbff0000000000000ull, WASM_TRAP_INTEGER_OVERFLOW },
		{ "i64_trunc_u", 0x43f0000000000000ull, WASM_TRAP_INTEGER_OVERFLOW },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		int64_t args[2] = { (int64_t)t[k].a, 0 };
		outcome a = call(&r.o, t[k].f, args);
		ck_assert(a.st == WASM_ERR_TRAP && a.trap == t[k].k &&
			a.offset != SIZE_MAX);
		same(&r.o, &r.in, &r.bl, t[k].f, args);
	}
	rigs_down(&r);
}
END_TEST

/* The families tier 2 once refused (floats, br_table, call_indirect,
 * memory.grow, tables, bulk memory, imports aside) compile and run as in
 * the interpreter, traps included. */
static const char fam_wat[] =
	"(module\n"
	"  (table $t 4 funcref)\n"
	"  (elem (table $t) (i32.const 1) func $one $two)\n"
	"  (type $r (func (result i32)))\n"
	"  (func $one (result i32) (i32.const 1))\n"
	"  (func $two (result i32) (i32.const 2))\n"
	"  (func $f64r (result f64) (f64.const 1))\n"
	"  (func (export \"sw\") (param i32) (result i32) (local i32)\n"
	"    (block (block (block (block\n"
	"      (br_table 0 1 2 1 3 (local.get 0)))\n"
	"      (local.set 1 (i32.const 10)) (br 2))\n"
	"      (local.set 1 (i32.const 20)) (br 1))\n"
	"      (local.set 1 (i32.const 30)))\n"
	"    (i32.add (local.get 1) (local.get 0)))\n"
	"  (func (export \"sw2\") (param i32) (result i32)\n"
	"    ;; two cases: the binary search, not a table\n"
	"    (block (block (block (br_table 0 1 2 (local.get 0)))\n"
	"      (return (i32.const 7))) (return (i32.const 8))) (i32.const 9))\n"
	"  (func (export \"swl\") (param i32 i32) (result i32) (local i32 i32)\n"
	"    ;; a jump table in a loop, passing values (phis on its edges)\n"
	"    (loop $l\n"
	"      (local.set 3 (i32.add (local.get 3)\n"
	"        (block $d (result i32) (block $c3 (result i32)\n"
	"          (block $c2 (result i32) (block $c1 (result i32)\n"
	"            (block $c0 (result i32)\n"
	"              (i32.mul (local.get 2) (local.get 1))\n"
	"              (br_table $c0 $c1 $c2 $c3 $c1 $d\n"
	"                (i32.and (i32.add (local.get 2) (local.get 0)) (i32.const 7))))\n"
	"            (i32.add (i32.const 100)) (br $d))\n"
	"          (i32.add (i32.const 1000)) (br $d))\n"
	"          (i32.sub (i32.const 5)) (br $d))\n"
	"        (i32.xor (i32.const 0x55)))))\n"
	"      (br_if $l (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"                          (i32.const 20))))\n"
	"    (local.get 3))\n"
	"  (func (export \"ind\") (param i32) (result i32)\n"
	"    (call_indirect (type $r) (local.get 0)))\n"
	"  (func (export \"indf\") (param i32) (result i32)\n"
	"    (drop (call_indirect (result f64) (local.get 0))) (i32.const 0))\n"
	"  (func (export \"grow\") (param i32) (result i32)\n"
	"    (i32.add (memory.grow (local.get 0)) (i32.mul (memory.size) (i32.const 1000))))\n"
	"  (func (export \"fill\") (param i32 i32) (result i32)\n"
	"    (memory.fill (local.get 0) (local.get 1) (i32.const 16))\n"
	"    (memory.copy (i32.const 100) (local.get 0) (i32.const 8))\n"
	"    (i32.load (i32.const 100)))\n"
	"  (func (export \"tab\") (param i32 i32) (result i32)\n"
	"    (table.set $t (local.get 1) (table.get $t (local.get 0)))\n"
	"    (i32.add (table.size $t)\n"
	"      (i32.mul (ref.is_null (table.get $t (local.get 1))) (i32.const 100))))\n"
	"  (memory 1 4)\n"
	")\n";

START_TEST(families_compiled)
{
	static const char *const funcs[] = { "sw", "sw2", "swl", "ind", "indf", "grow",
		"fill", "tab" };
	static const int64_t args[][2] = { { 0, 0 }, { 1, 2 }, { 2, 3 }, { 3, 1 },
		{ 4, 0 }, { 5, 65530 }, { -1, 7 }, { 65535, 2 } };
	rigs r;
	rigs_up(&r, fam_wat);
	for (size_t k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
		opt_install(&r.o, funcs[k]);
	for (size_t k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
		for (size_t a = 0; a < sizeof args / sizeof args[0]; a++)
			same(&r.o, &r.in, &r.bl, funcs[k], args[a]);
	rigs_down(&r);
}
END_TEST

/* Lowering patterns and the allocation, at the MIR level. */
static char *mir_text(rig *r, const char *name, bool allocated)
{
	uint32_t idx;
	export_func(r, name, &idx);
	ir_func *f;
	mir_func *mf;
	wasm_error err;
	ck_assert_int_eq(ir_build(r->m, idx, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err), WASM_OK);
	ck_assert_msg(mir_lower(r->m, f, &mf, &err) == WASM_OK, "%s", err.message);
	if (allocated) {
		ck_assert_int_eq(mir_regalloc(mf, &err), WASM_OK);
		char msg[256];
		ck_assert_msg(mir_regalloc_verify(mf, msg, sizeof msg), "%s", msg);
	}
	char *text;
	size_t tlen;
	FILE *out = open_memstream(&text, &tlen);
	mir_print(mf, out);
	fclose(out);
	mir_free(mf);
	ir_func_free(f);
	return text;
}

/* The moves between different registers in the last parallel move of
 * f's allocated MIR (a loop's back edge). */
static unsigned back_edge_moves(rig *r)
{
	char *t = mir_text(r, "f", true);
	const char *l = NULL;
	for (const char *p = t; (p = strstr(p, "  pmov ")); p++)
		l = p;
	ck_assert_ptr_nonnull(l);
	unsigned n = 0;
	const char *nl = strchr(l, '\n');
	for (const char *m = l; (m = strstr(m, ") <- v")) && (!nl || m < nl); m++) {
		const char *dst = m, *src = strchr(m + 6, '(');
		while (dst > l && dst[-1] != '(')
			dst--;
		ck_assert_ptr_nonnull(src);
		n += strncmp(dst, src + 1, (size_t)(m - dst)) != 0 || src[1 + (m - dst)] != ')';
	}
	free(t);
	return n;
}

/* The value a loop carries round tries its phi's register first
 * (regalloc.c's hints): of this loop's three back-edge moves, the one of
 * local 2 (a product, copied from local 1 by the two-operand form, which
 * the move-source hint alone would put in local 1's old register) is a
 * move to itself; without that hint all three move. */
START_TEST(phi_hint_back_edge)
{
	static const char text[] =
		"(module (func (export \"f\") (param i32 i32) (result i32) (local i32)\n"
		"  (loop\n"
		"    (local.set 2 (i32.mul (local.get 1) (local.get 2)))\n"
		"    (local.set 1 (i32.shl (local.get 0) (local.get 1)))\n"
		"    (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
		"    (br_if 0 (local.get 0)))\n"
		"  (i32.add (local.get 1) (local.get 2))))\n";
	size_t len;
	uint8_t *bytes = wat(text, &len);
	rig r;
	rig_up(&r, bytes, len, WASM_TIER_AUTO);
	free(bytes);
	ck_assert_uint_le(back_edge_moves(&r), 2);
	rig_down(&r);
}
END_TEST

/* A bottom-tested loop whose phis the allocator gives the registers of
 * the values carried round: its back edge has no move left, and the
 * block that held them is jumped past (emit.c, skips_find), so the loop
 * ends in one jcc back to its header, not in a jcc over a jmp (jcc rel8
 * or rel32 whose target is the end of the jmp that follows). */
START_TEST(back_edge_one_jcc)
{
	static const char text[] =
		"(module (func (export \"f\") (param i32) (result i32) (local i32)\n"
		"  (loop\n"
		"    (local.set 1 (i32.add (local.get 1) (local.get 0)))\n"
		"    (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))\n"
		"  (local.get 1)))\n";
	size_t len;
	uint8_t *bytes = wat(text, &len);
	rig r;
	rig_up(&r, bytes, len, WASM_TIER_AUTO);
	free(bytes);
	uint32_t idx;
	export_func(&r, "f", &idx);
	mir_code code;
	wasm_error err;
	ck_assert_int_eq(opt_codegen(r.m, idx, NULL, true, &code, &err), WASM_OK);
	const uint8_t *c = code.code;
	/* the jmp after it: EB rel8 (2 bytes) or E9 rel32 (5) */
	for (size_t k = 0; k + 7 < code.len; k++) {
		size_t at = 0;
		uint32_t rel = 0;
		if ((c[k] & 0xf0) == 0x70) {                    /* jcc rel8 */
			rel = c[k + 1];
			at = k + 2;
		} else if (c[k] == 0x0f && (c[k + 1] & 0xf0) == 0x80) {
			memcpy(&rel, c + k + 2, 4);              /* jcc rel32 */
			at = k + 6;
		}
		bool over = at && ((rel == 2 && c[at] == 0xeb) || (rel == 5 && c[at] == 0xe9));
		ck_assert_msg(!over, "jcc over a jmp at %zu", k);
	}
	free(code.code);
	free(code.pc);
	free(code.pc_func);
	free(code.loops);
	/* and the installed code sums 10 + 9 + ... + 1 */
	ck_assert_uint_gt(opt_install(&r, "f"), 0);
	outcome o = call(&r, "f", (const int64_t[]){ 10 });
	ck_assert_int_eq(o.st, WASM_OK);
	ck_assert_int_eq(o.v, 55);
	rig_down(&r);
}
END_TEST

/* Loop checks with the epoch's address and the deadline in registers
 * (lower_ctl.c's lw_epoch_plan): a loop without calls loads both before
 * it (epoch_in) and its check is cmp deadline, [epoch]; jbe -- the
 * epoch word still read each trip, so another thread's move is seen; a
 * loop holding a call, and the outer loop of a checked one, keep the
 * r14 form; spilled, the check goes back to that form.  Each spin ends
 * with timeout when another thread moves the epoch. */
static const char loopchk_wat[] =
	"(module (memory 1)\n"
	"  (func (export \"f\") (param i32) (result i32) (local i32 i32)\n"
	"    (loop\n"
	"      (local.set 1 (i32.add (local.get 1) (local.get 2)))\n"
	"      (local.set 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"      (br_if 0 (i32.lt_u (local.get 2) (local.get 0))))\n"
	"    (local.get 1))\n"
	/* a slow op (a call to C) on one path */
	"  (func (export \"c\") (param i32) (result i32) (local i32 i32)\n"
	"    (loop\n"
	"      (if (i32.eq (local.get 2) (i32.const 1000))\n"
	"        (then (memory.fill (i32.const 0) (local.get 2) (i32.const 8))))\n"
	"      (local.set 1 (i32.add (local.get 1) (local.get 2)))\n"
	"      (local.set 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"      (br_if 0 (i32.lt_u (local.get 2) (local.get 0))))\n"
	"    (local.get 1))\n"
	/* a nest of two unbounded loops */
	"  (func (export \"n\") (param i32) (result i32) (local i32 i32 i32)\n"
	"    (loop\n"
	"      (local.set 3 (i32.const 0))\n"
	"      (loop\n"
	"        (local.set 1 (i32.add (local.get 1) (local.get 3)))\n"
	"        (local.set 3 (i32.add (local.get 3) (i32.const 1)))\n"
	"        (br_if 0 (i32.lt_u (local.get 3) (local.get 2))))\n"
	"      (local.set 2 (i32.add (local.get 2) (i32.const 1)))\n"
	"      (br_if 0 (i32.lt_u (local.get 2) (local.get 0))))\n"
	"    (local.get 1))\n"
	"  (func (export \"spin\") (param i32) (result i32)\n"
	"    (loop (local.set 0 (i32.add (local.get 0) (i32.const 3))) (br 0))\n"
	"    (local.get 0))\n"
	/* twelve values carried round: more than the GPRs */
	"  (func (export \"spin_pressure\") (param i32) (result i32)\n"
	"    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)\n"
	"    (loop\n"
	"      (local.set 1 (i32.add (local.get 1) (local.get 0)))\n"
	"      (local.set 2 (i32.xor (local.get 2) (local.get 1)))\n"
	"      (local.set 3 (i32.add (local.get 3) (local.get 2)))\n"
	"      (local.set 4 (i32.xor (local.get 4) (local.get 3)))\n"
	"      (local.set 5 (i32.add (local.get 5) (local.get 4)))\n"
	"      (local.set 6 (i32.xor (local.get 6) (local.get 5)))\n"
	"      (local.set 7 (i32.add (local.get 7) (local.get 6)))\n"
	"      (local.set 8 (i32.xor (local.get 8) (local.get 7)))\n"
	"      (local.set 9 (i32.add (local.get 9) (local.get 8)))\n"
	"      (local.set 10 (i32.xor (local.get 10) (local.get 9)))\n"
	"      (local.set 11 (i32.add (local.get 11) (local.get 10)))\n"
	"      (local.set 0 (i32.xor (local.get 0) (local.get 11)))\n"
	"      (br 0))\n"
	"    (local.get 0)))\n";

static unsigned count_str(const char *t, const char *what)
{
	unsigned n = 0;
	for (const char *p = t; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static volatile uint64_t loopchk_epoch;

static void *loopchk_bump(void *arg)
{
	(void)arg;
	usleep(20000);
	loopchk_epoch = 10;
	return NULL;
}

START_TEST(loop_check_registers)
{
	rigs r;
	rigs_up(&r, loopchk_wat);
	rig *o = &r.o;
	char *t = mir_text(o, "f", true);
	/* at the preheader's end and in the loop's OSR entry */
	ck_assert_uint_eq(count_str(t, "epoch_in"), 4);
	ck_assert_uint_eq(count_str(t, "loopchk.64 v"), 1);
	free(t);
	t = mir_text(o, "c", true);
	ck_assert_uint_eq(count_str(t, "epoch_in"), 0);
	ck_assert_uint_eq(count_str(t, "loopchk.64\n"), 1);
	free(t);
	t = mir_text(o, "n", true);
	ck_assert_uint_eq(count_str(t, "loopchk.64 v"), 1);
	ck_assert_uint_eq(count_str(t, "loopchk.64\n"), 1);
	free(t);
	/* f's machine code: its entry's epoch check reads the epoch's
	 * address into r11 (mov r11, [r11]: 4d 8b 1b) and the loop's does
	 * not; the loop's is cmp r64, [r64] (REX.W 3b, mod 00) then jbe */
	uint32_t idx;
	export_func(o, "f", &idx);
	mir_code code;
	wasm_error err;
	ck_assert_int_eq(opt_codegen(o->m, idx, NULL, true, &code, &err), WASM_OK);
	unsigned via_r11 = 0, cmp_jbe = 0;
	for (size_t k = 0; k + 4 < code.len; k++) {
		const uint8_t *c = code.code + k;
		via_r11 += c[0] == 0x4d && c[1] == 0x8b && c[2] == 0x1b;
		if ((c[0] & 0xf8) == 0x48 && c[1] == 0x3b && (c[2] & 0xc0) == 0 &&
		    (c[2] & 7) != 4 && (c[2] & 7) != 5)
			cmp_jbe += c[3] == 0x76 || (c[3] == 0x0f && c[4] == 0x86);
	}
	ck_assert_uint_eq(via_r11, 1);
	ck_assert_uint_eq(cmp_jbe, 1);
	free(code.code);
	free(code.pc);
	free(code.pc_func);
	free(code.loops);
	static const char *const names[] = { "f", "c", "n", "spin", "spin_pressure" };
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		opt_install(o, names[k]);
	for (int64_t a = 0; a < 40; a += 13) {
		same(o, &r.in, &r.bl, "f", (const int64_t[]){ a, 0 });
		same(o, &r.in, &r.bl, "c", (const int64_t[]){ a * 100, 0 });
		same(o, &r.in, &r.bl, "n", (const int64_t[]){ a, 0 });
	}
	for (size_t k = 3; k < 5; k++) {
		pthread_t th;
		loopchk_epoch = 0;
		wasm_store_set_deadline(o->s, &loopchk_epoch, 5);
		ck_assert_int_eq(pthread_create(&th, NULL, loopchk_bump, NULL), 0);
		outcome x = call(o, names[k], (const int64_t[]){ 1 });
		pthread_join(th, NULL);
		wasm_store_set_deadline(o->s, NULL, 0);
		ck_assert_msg(x.st == WASM_ERR_TRAP && x.trap == WASM_TRAP_TIMEOUT,
			"%s: status %d trap %d", names[k], (int)x.st, (int)x.trap);
	}
	rigs_down(&r);
}
END_TEST

START_TEST(lowering_patterns)
{
	size_t len;
	uint8_t *bytes = wat(int_wat, &len);
	rig r;
	rig_up(&r, bytes, len, WASM_TIER_AUTO);
	free(bytes);
	char *t = mir_text(&r, "array", false);
	/* a + (i << 2): one lea, scaled; the store through r15 + index */
	ck_assert_msg(strstr(t, "*4 + 0]"), "%s", t);
	ck_assert_msg(strstr(t, "store.32 [r15 + v"), "%s", t);
	/* br_if (i >= n): cmp + jcc, no setcc */
	ck_assert_msg(strstr(t, "cmp.32 v") && strstr(t, "jcc.ae") && !strstr(t, "setcc"),
		"%s", t);
	/* loop phis as moves on the edges */
	ck_assert_msg(strstr(t, "pmov "), "%s", t);
	free(t);
	t = mir_text(&r, "sel", false);
	ck_assert_msg(strstr(t, "cmov.l.32") && !strstr(t, "setcc"), "%s", t);
	free(t);
	t = mir_text(&r, "div", false);
	ck_assert_msg(strstr(t, "mov.32 %rax, v") && strstr(t, "div.32 v") &&
		strstr(t, "%rdx"), "%s", t);
	free(t);
	/* division by constants: no div left, a multiplication instead */
	t = mir_text(&r, "divc", false);
	ck_assert_msg(!strstr(t, "div.") && strstr(t, "imul"), "%s", t);
	free(t);
	/* i64 too: the high half of the product in rdx, the magic number
	 * in rax */
	t = mir_text(&r, "divc64", false);
	ck_assert_msg(!strstr(t, "div.") && strstr(t, "mulh.64 v") && strstr(t, ", u") &&
		strstr(t, ", s") && strstr(t, "movi.64 %rax") && strstr(t, "%rdx"), "%s", t);
	free(t);
	/* (x + (y << 2)) + 12: one lea */
	t = mir_text(&r, "lea3", false);
	ck_assert_msg(strstr(t, "*4 + 12]") && !strstr(t, "shift"), "%s", t);
	free(t);
	/* the induction variable's constant in the load's displacement */
	t = mir_text(&r, "addrs", false);
	ck_assert_msg(strstr(t, " + 1024]:32"), "%s", t);
	free(t);
	/* loads as memory operands of sub, imul, xor, cmp (both forms), and,
	 * i64 add; no load left but the one a store separates from its
	 * compare */
	t = mir_text(&r, "memop", false);
	ck_assert_msg(strstr(t, "alu.sub.32 v") && strstr(t, "imul.32 v") &&
		strstr(t, "alu.xor.32 v") && strstr(t, "alu.and.32 v") &&
		strstr(t, "alu.add.64 v") && strstr(t, "cmp.32 v") &&
		strstr(t, " + 32]:32, 500") && strstr(t, " + 40]:64") &&
		!strstr(t, "load."), "%s", t);
	free(t);
	t = mir_text(&r, "memop_br", false);
	ck_assert_msg(strstr(t, " + 64]:32\n  jcc") && strstr(t, " + 60]:32, 0\n  jcc") &&
		strstr(t, "load.32"), "%s", t);
	free(t);
	t = mir_text(&r, "arith", false);
	ck_assert_msg(strstr(t, "mov.32 %rcx, v") && strstr(t, "shift.rol.32 v"), "%s", t);
	free(t);
	{
		/* float loads as the second operand of falu, both widths */
		uint8_t *fb = wat(float_wat, &len);
		rig fr;
		rig_up(&fr, fb, len, WASM_TIER_AUTO);
		free(fb);
		t = mir_text(&fr, "fmemop", false);
		ck_assert_msg(strstr(t, "falu.64 v") && strstr(t, "[r15 + 48]:64") &&
			strstr(t, "falu.32 v") && strstr(t, "[r15 + 56]:32") &&
			!strstr(t, "load."), "%s", t);
		free(t);
		rig_down(&fr);
	}
	{
		/* add, sub, mul, div: the AVX three-operand forms (vfalu d, a, b
		 * or d, a, [m]: no copy of a) unless AVX is off (no CPU AVX, or
		 * wasm_config.no_avx: WASMHOST_NO_AVX=1, which make check runs
		 * too), then the SSE
		 * two-operand ones behind a copy */
		bool avx = mir_cpu()->avx && !no_avx();
		uint8_t *fb = wat(float_wat, &len);
		rig fr;
		rig_up(&fr, fb, len, WASM_TIER_AUTO);
		free(fb);
		t = mir_text(&fr, "axpy", false);
		if (avx)
			ck_assert_msg(strstr(t, "vfalu.64 v") && strstr(t, " + 128]:64") &&
				!strstr(t, "  falu."), "%s", t);
		else
			ck_assert_msg(strstr(t, "  falu.64 v") && !strstr(t, "vfalu"), "%s", t);
		free(t);
		t = mir_text(&fr, "fmemop", false);
		if (avx)
			ck_assert_msg(strstr(t, "vfalu.64 v") && strstr(t, "vfalu.32 v") &&
				!strstr(t, "  falu."), "%s", t);
		else
			ck_assert_msg(!strstr(t, "vfalu"), "%s", t);
		free(t);
		/* the allocated loop: a's register is read in place, never
		 * copied (no XMM-to-XMM mov), and no value moves between a GPR
		 * and an XMM register: f64.load, which the pre-decoded code
		 * types as an i64 load, is an f64 load (load_type) */
		t = mir_text(&fr, "axpy", true);
		for (const char *l = t; (l = strstr(l, "  mov.64 ")); l++) {
			const char *nl = strchr(l, '\n'), *x = strstr(l, "f(xmm");
			int nx = 0;
			for (; x && (!nl || x < nl); x = strstr(x + 1, "f(xmm"))
				nx++;
			/* 1: between a GPR and an XMM register; 2: a copy */
			ck_assert_msg(nx == 0 || (nx == 2 && !avx), "%s", t);
		}
		free(t);
		/* abs, neg, copysign: andps/xorps/orps with pool masks in the
		 * XMM registers, no round trip through a GPR */
		static const char *const signs[] = { "abs", "neg", "copysign", "abs32",
			"neg32", "copysign32" };
		for (size_t k = 0; k < sizeof signs / sizeof signs[0]; k++) {
			t = mir_text(&fr, signs[k], false);
			ck_assert_msg(strstr(t, "flogic.") && !strstr(t, "alu.") &&
				!strstr(t, "movi"), "%s: %s", signs[k], t);
			free(t);
		}
		/* float constants: no movi through a GPR (the pool is emit.c's:
		 * a movi of a float register is a rip-relative movsd) */
		{
			uint32_t idx;
			export_func(&fr, "consts", &idx);
			mir_code code;
			wasm_error err;
			ck_assert_int_eq(opt_codegen(fr.m, idx, NULL, true, &code, &err), WASM_OK);
			/* no movabs r11/r10 (49 bb / 49 ba) nor movq xmm, r11 */
			for (size_t k = 0; k + 1 < code.len; k++)
				ck_assert_msg(!(code.code[k] == 0x49 && (code.code[k + 1] == 0xbb ||
					code.code[k + 1] == 0xba)), "movabs at %zu", k);
			free(code.code);
			free(code.pc);
			free(code.loops);
		}
		fprintf(stderr, "lowering_patterns: floats with%s AVX\n", avx ? "" : "out");
		rig_down(&fr);
	}
	{
		/* SIMD: with AVX the lane ops are vop3 (VEX three-operand: d not
		 * tied to a, so no 16-byte copy before them), bitselect keeps
		 * its two-address vop; without AVX every op is a vop and the
		 * first operand, still live, is copied */
		static const char vwat[] =
			"(module (func (export \"vmix\") (param v128 v128 v128) (result v128)\n"
			"  (v128.bitselect\n"
			"    (i8x16.add_sat_u (i8x16.avgr_u (local.get 0) (local.get 1)) (local.get 0))\n"
			"    (f32x4.min (local.get 1) (i32x4.shl (local.get 0) (i32.const 3)))\n"
			"    (local.get 2))))";
		bool avx = mir_cpu()->avx && !no_avx();
		uint8_t *vb = wat(vwat, &len);
		rig vr;
		rig_up(&vr, vb, len, WASM_TIER_AUTO);
		free(vb);
		t = mir_text(&vr, "vmix", true);
		if (avx) {
			const char *v = t;
			unsigned n3 = 0;
			while ((v = strstr(v, "vop3.128 v")))
				v++, n3++;
			ck_assert_msg(n3 == 4 && strstr(t, "  vop.128 v") &&
				strstr(t, "V_V128_BITSELECT"), "%s", t);
			/* the one 16-byte copy is bitselect's */
			v = strstr(t, "mov.128 v");
			ck_assert_msg(!v || !strstr(v + 1, "mov.128 v"), "%s", t);
		} else {
			ck_assert_msg(!strstr(t, "vop3") && strstr(t, "  vop.128 v") &&
				strstr(t, "mov.128 v"), "%s", t);
		}
		free(t);
		fprintf(stderr, "lowering_patterns: SIMD with%s AVX\n", avx ? "" : "out");
		rig_down(&vr);
	}
	{
		/* br_table: a jump table from 4 cases, the search below */
		uint8_t *fb = wat(fam_wat, &len);
		rig fr;
		rig_up(&fr, fb, len, WASM_TIER_AUTO);
		free(fb);
		t = mir_text(&fr, "sw", true);
		ck_assert_msg(strstr(t, "jtab.64 %rax") && strstr(t, "jtcase") &&
			strstr(t, "cmp.32 v") && strstr(t, "jcc.ae"), "%s", t);
		free(t);
		t = mir_text(&fr, "swl", true);
		ck_assert_msg(strstr(t, "jtab.64 %rax") && strstr(t, "pmov"), "%s", t);
		free(t);
		t = mir_text(&fr, "sw2", false);
		ck_assert_msg(!strstr(t, "jtab") && strstr(t, "jcc.b"), "%s", t);
		free(t);
		rig_down(&fr);
	}
	t = mir_text(&r, "pressure", true);
	/* values live across the call: rbp or the native frame */
	ck_assert_msg(strstr(t, "(rbp)") && strstr(t, "([rsp+") &&
		!strstr(t, ", 0 spill slots"), "%s", t);
	free(t);
	rig_down(&r);
}
END_TEST

/* The allocator's choices: "cold", a loop whose values span a call on a
 * cold path (dead there: unreachable follows; on the branch's second
 * side, so the block is laid out inside the loop), so they may sit in
 * caller-saved registers; with the call's clobbers as ranges over whole
 * intervals only rbp could hold one and two were spilled. */
static const char ra_wat[] =
	"(module\n"
	"  (func $bail (param i32)\n"   /* a call in it: not inlined */
	"    (if (local.get 0) (then (call $bail (i32.const 0)))))\n"
	"  (func (export \"cold\") (param i32 i32) (result i32) (local i32)\n"
	"    (loop $l\n"
	"      (if (i32.le_u (local.get 0) (i32.const 1000000))\n"
	"        (then (nop)) (else (call $bail (local.get 0)) (unreachable)))\n"
	"      (local.set 2 (i32.add (local.get 2) (local.get 1)))\n"
	"      (local.set 0 (i32.add (local.get 0) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get 0) (local.get 1))))\n"
	"    (local.get 2))\n"
	/* "rare": the loop's values are live across a call on one path;
	 * split around it they keep caller-saved registers in the loop
	 * (reloaded after the call), none in rbp or memory for the loop */
	"  (func (export \"rare\") (param i32 i32) (result i32) (local i32 i32)\n"
	"    (loop $l\n"
	"      (if (i32.eqz (i32.and (local.get 0) (i32.const 1023)))\n"
	"        (then (call $bail (local.get 0))))\n"
	"      (local.set 2 (i32.add (local.get 2) (local.get 1)))\n"
	"      (local.set 3 (i32.xor (local.get 3) (local.get 2)))\n"
	"      (local.set 0 (i32.add (local.get 0) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get 0) (local.get 1))))\n"
	"    (i32.add (local.get 2) (local.get 3)))\n"
	"  (memory 1)\n"
	")\n";

START_TEST(regalloc_choices)
{
	size_t len;
	uint8_t *bytes = wat(ra_wat, &len);
	rig r;
	rig_up(&r, bytes, len, WASM_TIER_AUTO);
	free(bytes);
	char *t = mir_text(&r, "cold", true);
	ck_assert_msg(strstr(t, "call.64") && strstr(t, ", 0 spill slots"), "%s", t);
	free(t);
	t = mir_text(&r, "rare", true);
	ck_assert_msg(strstr(t, "call.64") && strstr(t, "[rsp+"), "%s", t);
	/* rbp and the frame only in the moves around the call */
	for (const char *l = t; *l;) {
		char line[256];
		size_t n = strcspn(l, "\n");
		snprintf(line, sizeof line, "%.*s", (int)n, l);
		bool mem = strstr(line, "[rsp+") || strstr(line, "(rbp)");
		ck_assert_msg(!mem || strncmp(line, "  mov.", 6) == 0, "%s in\n%s",
			line, t);
		l += n + (l[n] == '\n');
	}
	free(t);
	rig_down(&r);
}
END_TEST

/* Splitting for register pressure (regalloc_split.c): a loop carrying
 * eleven values and a counter (more than the ten GPRs) between six values
 * computed before it and used only after it, and an outer loop around
 * it that uses two of those six (so their registers matter outside the
 * inner loop), and a loop after both using four others (so they want
 * registers there).  Run against the interpreter and the baseline; the
 * allocation must have split values at the loop, and dropping any
 * restore after it (the value's location reused inside) must fail the
 * verifier. */
static const char press_wat[] =
	"(module\n"
	"  (func (export \"press\") (param $n i32) (param $x i32) (result i32)\n"
	"    (local $a i32) (local $b i32) (local $c i32) (local $d i32)\n"
	"    (local $e i32) (local $f i32) (local $g i32) (local $h i32)\n"
	"    (local $j i32) (local $k i32) (local $m i32) (local $i i32)\n"
	"    (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32)\n"
	"    (local $p5 i32) (local $p6 i32) (local $t1 i32) (local $t2 i32)\n"
	"    (local $o i32) (local $acc i32)\n"
	"    (local.set $p1 (i32.mul (local.get $x) (i32.const 3)))\n"
	"    (local.set $p2 (i32.xor (local.get $x) (i32.const 0x55)))\n"
	"    (local.set $p3 (i32.rotl (local.get $x) (i32.const 7)))\n"
	"    (local.set $p4 (i32.rotl (local.get $x) (i32.const 5)))\n"
	"    (local.set $p5 (i32.sub (i32.const 100) (local.get $x)))\n"
	"    (local.set $p6 (i32.shr_u (local.get $x) (i32.const 2)))\n"
	"    (block $done (loop $outer\n"
	"      (br_if $done (i32.ge_u (local.get $o) (i32.const 3)))\n"
	"      (local.set $acc (i32.add (local.get $acc)\n"
	"        (i32.xor (local.get $p1) (local.get $o))))\n"
	"      (local.set $a (i32.add (local.get $x) (local.get $o)))\n"
	"      (local.set $b (i32.add (local.get $x)\n"
	"        (i32.add (local.get $o) (i32.const 2))))\n"
	"      (local.set $c (i32.mul (local.get $x)\n"
	"        (i32.add (local.get $o) (i32.const 5))))\n"
	"      (local.set $d (i32.xor (local.get $x)\n"
	"        (i32.add (local.get $o) (i32.const 9))))\n"
	"      (local.set $e (i32.add (local.get $acc) (i32.const 11)))\n"
	"      (local.set $f (i32.rotl (local.get $x)\n"
	"        (i32.add (local.get $o) (i32.const 9))))\n"
	"      (local.set $g (i32.add (local.get $x)\n"
	"        (i32.add (local.get $o) (i32.const 13))))\n"
	"      (local.set $h (i32.mul (local.get $x)\n"
	"        (i32.add (local.get $o) (i32.const 17))))\n"
	"      (local.set $j (i32.add (local.get $x)\n"
	"        (i32.add (local.get $o) (i32.const 19))))\n"
	"      (local.set $k (i32.sub (local.get $x) (local.get $o)))\n"
	"      (local.set $m (i32.const 23))\n"
	"      (local.set $i (i32.const 0))\n"
	"      (block $out (loop $l\n"
	"        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))\n"
	"        (local.set $t1 (i32.add (i32.add (local.get $h)\n"
	"          (i32.xor (i32.rotl (local.get $e) (i32.const 7))\n"
	"                   (i32.rotl (local.get $e) (i32.const 13))))\n"
	"          (i32.add (i32.xor (i32.and (local.get $e) (local.get $f))\n"
	"            (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g)))\n"
	"            (i32.add (local.get $i) (local.get $j)))))\n"
	"        (local.set $t2 (i32.add\n"
	"          (i32.xor (i32.rotl (local.get $a) (i32.const 3))\n"
	"                   (i32.rotl (local.get $a) (i32.const 11)))\n"
	"          (i32.add (i32.xor (i32.and (local.get $a) (local.get $b))\n"
	"            (i32.xor (i32.and (local.get $a) (local.get $c))\n"
	"                     (i32.and (local.get $b) (local.get $c))))\n"
	"            (i32.add (local.get $k) (local.get $m)))))\n"
	"        (local.set $h (local.get $g)) (local.set $g (local.get $f))\n"
	"        (local.set $f (local.get $e))\n"
	"        (local.set $e (i32.add (local.get $d) (local.get $t1)))\n"
	"        (local.set $d (local.get $c)) (local.set $c (local.get $b))\n"
	"        (local.set $b (local.get $a))\n"
	"        (local.set $a (i32.add (local.get $t1) (local.get $t2)))\n"
	"        (local.set $j (i32.xor (local.get $j) (local.get $t1)))\n"
	"        (local.set $k (i32.add (local.get $k) (local.get $t2)))\n"
	"        (local.set $m (i32.rotl (local.get $m) (local.get $a)))\n"
	"        (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"        (br $l)))\n"
	"      (local.set $acc (i32.add (local.get $acc) (i32.add\n"
	"        (i32.xor (local.get $a) (local.get $b)) (i32.add\n"
	"        (i32.xor (local.get $c) (local.get $d)) (i32.add\n"
	"        (i32.xor (local.get $e) (local.get $f)) (i32.add\n"
	"        (i32.xor (local.get $g) (local.get $h)) (i32.add\n"
	"        (i32.xor (local.get $j) (local.get $k)) (i32.add (local.get $m)\n"
	"        (local.get $p2)))))))))\n"
	"      (local.set $o (i32.add (local.get $o) (i32.const 1)))\n"
	"      (br $outer)))\n"
	"    (local.set $i (i32.const 0))\n"
	"    (block $pd (loop $pl\n"
	"      (br_if $pd (i32.ge_u (local.get $i) (local.get $n)))\n"
	"      (local.set $acc (i32.add (i32.mul (local.get $acc) (local.get $p3))\n"
	"        (i32.xor (local.get $p4) (i32.add (local.get $p5) (local.get $p6)))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br $pl)))\n"
	"    (i32.add (local.get $acc) (i32.add (i32.mul (local.get $p3) (local.get $p4))\n"
	"      (i32.add (local.get $p5) (i32.mul (local.get $p6) (local.get $p1))))))\n"
	")\n";

/* Whether the verifier accepts mf with the restore k of its loop splits
 * (v = mov s) made v = mov v: the restore dropped, v read where it was
 * before the loop, which the loop's half or the loop's values now hold.
 * *found: there is a restore k. */
static bool verify_without_restore(mir_func *mf, uint32_t k, bool *found)
{
	uint32_t seen = 0;
	char msg[256];
	*found = false;
	for (uint32_t b = 0; b < mf->nb; b++)
		for (uint32_t j = 0; j < mf->b[b].n; j++) {
			mir_insn *i = &mf->b[b].insn[j];
			if (i->op != MIR_MOV || i->aux != MIR_MOV_SPLIT ||
			    mf->start[i->d] < mf->start[i->a])
				continue;       /* a save (s = mov v): s starts there */
			if (seen++ != k)
				continue;
			*found = true;
			mir_reg a = i->a;
			i->a = i->d;
			bool ok = mir_regalloc_verify(mf, msg, sizeof msg);
			i->a = a;
			return ok;
		}
	return true;
}

START_TEST(pressure_split)
{
	rigs r;
	rigs_up(&r, press_wat);
	opt_install(&r.o, "press");
	static const int64_t args[][2] = { { 0, 1 }, { 1, 2 }, { 5, 77 },
		{ 64, -5 }, { 200, 0x12345 }, { 3, -1 } };
	for (size_t a = 0; a < sizeof args / sizeof args[0]; a++)
		same(&r.o, &r.in, &r.bl, "press", args[a]);

	uint32_t idx;
	export_func(&r.o, "press", &idx);
	ir_func *f;
	mir_func *mf;
	wasm_error err;
	char msg[256];
	ck_assert_int_eq(ir_build(r.o.m, idx, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err),
		WASM_OK);
	ck_assert_msg(mir_lower(r.o.m, f, &mf, &err) == WASM_OK, "%s", err.message);
	ck_assert_int_eq(mir_regalloc(mf, &err), WASM_OK);
	ck_assert_msg(mir_regalloc_verify(mf, msg, sizeof msg), "%s", msg);
	uint32_t nsplit = 0, caught = 0, k;
	for (uint32_t b = 0; b < mf->nb; b++)
		for (uint32_t j = 0; j < mf->b[b].n; j++)
			nsplit += mf->b[b].insn[j].op == MIR_MOV &&
				mf->b[b].insn[j].aux == MIR_MOV_SPLIT;
	ck_assert_msg(nsplit >= 2, "no value split at the loop");
	for (k = 0;; k++) {
		bool found;
		bool ok = verify_without_restore(mf, k, &found);
		if (!found)
			break;
		caught += !ok;
	}
	ck_assert_msg(k > 0 && caught == k, "%u restores dropped, %u caught", k,
		caught);
	mir_free(mf);
	ir_func_free(f);
	rigs_down(&r);
}
END_TEST

/* Splitting at an inner loop what it only reads: the outer loop carries
 * more values than there are GPRs (14, each read and written there), so
 * $v and $m, read in the inner loop and live from the entry on, lose
 * their registers to them for their whole intervals (the scan's spill
 * weights); the inner loop, which holds few values, gets copies of them
 * in registers (s = mov v on its entry, v = mov s on its exit:
 * regalloc_split.c), so every register it reads is in a register there.
 * Without the split both are read from their slots in the inner loop. */
static mir_func *allocated(rig *r, const char *name, ir_func **f);

static const char rsplit_wat[] =
	"(module\n"
	"  (func (export \"rsplit\") (param $n i32) (param $v i32) (param $m i32) (result i32)\n"
	"    (local $i i32) (local $j i32) (local $acc i32) (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $a4 i32) (local $a5 i32) (local $a6 i32) (local $a7 i32) (local $a8 i32) (local $a9 i32) (local $a10 i32) (local $a11 i32) (local $a12 i32) (local $a13 i32)\n"
	"    (local.set $a0 (i32.mul (local.get $n) (i32.const 3)))\n"
	"    (local.set $a1 (i32.mul (local.get $n) (i32.const 5)))\n"
	"    (local.set $a2 (i32.mul (local.get $n) (i32.const 7)))\n"
	"    (local.set $a3 (i32.mul (local.get $n) (i32.const 9)))\n"
	"    (local.set $a4 (i32.mul (local.get $n) (i32.const 11)))\n"
	"    (local.set $a5 (i32.mul (local.get $n) (i32.const 13)))\n"
	"    (local.set $a6 (i32.mul (local.get $n) (i32.const 15)))\n"
	"    (local.set $a7 (i32.mul (local.get $n) (i32.const 17)))\n"
	"    (local.set $a8 (i32.mul (local.get $n) (i32.const 19)))\n"
	"    (local.set $a9 (i32.mul (local.get $n) (i32.const 21)))\n"
	"    (local.set $a10 (i32.mul (local.get $n) (i32.const 23)))\n"
	"    (local.set $a11 (i32.mul (local.get $n) (i32.const 25)))\n"
	"    (local.set $a12 (i32.mul (local.get $n) (i32.const 27)))\n"
	"    (local.set $a13 (i32.mul (local.get $n) (i32.const 29)))\n"
	"    (loop $outer\n"
	"      (local.set $a0 (i32.add (i32.mul (local.get $a0) (i32.const 3)) (local.get $a1)))\n"
	"      (local.set $a1 (i32.add (i32.mul (local.get $a1) (i32.const 3)) (local.get $a2)))\n"
	"      (local.set $a2 (i32.add (i32.mul (local.get $a2) (i32.const 3)) (local.get $a3)))\n"
	"      (local.set $a3 (i32.add (i32.mul (local.get $a3) (i32.const 3)) (local.get $a4)))\n"
	"      (local.set $a4 (i32.add (i32.mul (local.get $a4) (i32.const 3)) (local.get $a5)))\n"
	"      (local.set $a5 (i32.add (i32.mul (local.get $a5) (i32.const 3)) (local.get $a6)))\n"
	"      (local.set $a6 (i32.add (i32.mul (local.get $a6) (i32.const 3)) (local.get $a7)))\n"
	"      (local.set $a7 (i32.add (i32.mul (local.get $a7) (i32.const 3)) (local.get $a8)))\n"
	"      (local.set $a8 (i32.add (i32.mul (local.get $a8) (i32.const 3)) (local.get $a9)))\n"
	"      (local.set $a9 (i32.add (i32.mul (local.get $a9) (i32.const 3)) (local.get $a10)))\n"
	"      (local.set $a10 (i32.add (i32.mul (local.get $a10) (i32.const 3)) (local.get $a11)))\n"
	"      (local.set $a11 (i32.add (i32.mul (local.get $a11) (i32.const 3)) (local.get $a12)))\n"
	"      (local.set $a12 (i32.add (i32.mul (local.get $a12) (i32.const 3)) (local.get $a13)))\n"
	"      (local.set $a13 (i32.add (i32.mul (local.get $a13) (i32.const 3)) (local.get $a0)))\n"
	"      (local.set $j (i32.const 0))\n"
	"      (loop $inner\n"
	"        (local.set $acc (i32.add (local.get $acc) (i32.xor (local.get $v) (local.get $j))))\n"
	"        (local.set $j (i32.add (local.get $j) (i32.const 1)))\n"
	"        (br_if $inner (i32.lt_u (local.get $j) (local.get $m))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (local.get $acc) (local.get $a0)) (local.get $a1)) (local.get $a2)) (local.get $a3)) (local.get $a4)) (local.get $a5)) (local.get $a6)) (local.get $a7)) (local.get $a8)) (local.get $a9)) (local.get $a10)) (local.get $a11)) (local.get $a12)) (local.get $a13))))\n";

START_TEST(read_split_inner_loop)
{
	rigs r;
	rigs_up(&r, rsplit_wat);
	opt_install(&r.o, "rsplit");
	static const int64_t args[][3] = { { 1, 7, 1 }, { 3, 0x5a5a, 9 },
		{ 17, -3, 40 }, { 5, 123456, 2 } };
	for (size_t a = 0; a < sizeof args / sizeof args[0]; a++) {
		outcome x = call(&r.o, "rsplit", args[a]), y = call(&r.in, "rsplit", args[a]);
		ck_assert_int_eq(x.st, WASM_OK);
		ck_assert_int_eq(y.st, WASM_OK);
		ck_assert_msg(x.v == y.v, "rsplit: %" PRId64 ", interpreter %" PRId64,
			x.v, y.v);
	}
	ir_func *f;
	mir_func *mf = allocated(&r.o, "rsplit", &f);
	/* the innermost loop: the back edge (b -> h, h <= b) spanning the
	 * fewest blocks */
	uint32_t lo = 0, hi = UINT32_MAX;
	for (uint32_t b = 0; b < mf->nb; b++)
		for (uint32_t k = 0; k < mf->b[b].nsucc; k++) {
			uint32_t h = mf->b[b].succ[k];
			if (h <= b && (hi == UINT32_MAX || b - h < hi - lo)) {
				lo = h;
				hi = b;
			}
		}
	ck_assert_uint_ne(hi, UINT32_MAX);
	unsigned reads = 0;
	for (uint32_t b = lo; b <= hi; b++)
		for (uint32_t j = 0; j < mf->b[b].n; j++) {
			const mir_insn *i = &mf->b[b].insn[j];
			const mir_op_info *oi = &mir_ops[i->op];
			mir_reg rr[2] = { oi->role[1] == MR_USE ? i->a : 0,
				oi->role[2] == MR_USE ? i->b : 0 };
			for (int k = 0; k < 2; k++) {
				if (rr[k] < MIR_FIRST_VIRT)
					continue;
				reads++;
				ck_assert_msg(mf->reg[rr[k]] >= 0, "b%u insn %u: v%u read "
					"from its spill slot in the inner loop", b, j, rr[k]);
			}
		}
	ck_assert_uint_ge(reads, 3);
	mir_free(mf);
	ir_func_free(f);
	rigs_down(&r);
}
END_TEST

/* The same split of values the loop only reads when they are dead after
 * it (twelve values made before the loop and read in it alone, the loop
 * over its GPRs by its own twelve products): both halves spilled, s may
 * not take v's slot, which is free again after v's last read at the
 * loop's entry and which the scan hands to a value of the loop (the
 * verifier found 'v98 is read from a location that holds v70' when it
 * did: regalloc.c's split_slots). */
static const char rdead_wat[] =
	"(module\n"
	"  (func (export \"rdead\") (param $n i32) (param $x i32) (result i32)\n"
	"    (local $i i32) (local $acc i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32) (local $p8 i32) (local $p9 i32) (local $p10 i32) (local $p11 i32) (local $t0 i32) (local $t1 i32) (local $t2 i32) (local $t3 i32) (local $t4 i32) (local $t5 i32) (local $t6 i32) (local $t7 i32) (local $t8 i32) (local $t9 i32) (local $t10 i32) (local $t11 i32)\n"
	"    (local.set $p0 (i32.xor (i32.mul (local.get $x) (i32.const 3)) (i32.const 0)))\n"
	"    (local.set $p1 (i32.xor (i32.mul (local.get $x) (i32.const 5)) (i32.const 77)))\n"
	"    (local.set $p2 (i32.xor (i32.mul (local.get $x) (i32.const 7)) (i32.const 154)))\n"
	"    (local.set $p3 (i32.xor (i32.mul (local.get $x) (i32.const 9)) (i32.const 231)))\n"
	"    (local.set $p4 (i32.xor (i32.mul (local.get $x) (i32.const 11)) (i32.const 308)))\n"
	"    (local.set $p5 (i32.xor (i32.mul (local.get $x) (i32.const 13)) (i32.const 385)))\n"
	"    (local.set $p6 (i32.xor (i32.mul (local.get $x) (i32.const 15)) (i32.const 462)))\n"
	"    (local.set $p7 (i32.xor (i32.mul (local.get $x) (i32.const 17)) (i32.const 539)))\n"
	"    (local.set $p8 (i32.xor (i32.mul (local.get $x) (i32.const 19)) (i32.const 616)))\n"
	"    (local.set $p9 (i32.xor (i32.mul (local.get $x) (i32.const 21)) (i32.const 693)))\n"
	"    (local.set $p10 (i32.xor (i32.mul (local.get $x) (i32.const 23)) (i32.const 770)))\n"
	"    (local.set $p11 (i32.xor (i32.mul (local.get $x) (i32.const 25)) (i32.const 847)))\n"
	"    (loop $l\n"
	"      (local.set $t0 (i32.mul (local.get $i) (local.get $p0)))\n"
	"      (local.set $t1 (i32.mul (local.get $i) (local.get $p1)))\n"
	"      (local.set $t2 (i32.mul (local.get $i) (local.get $p2)))\n"
	"      (local.set $t3 (i32.mul (local.get $i) (local.get $p3)))\n"
	"      (local.set $t4 (i32.mul (local.get $i) (local.get $p4)))\n"
	"      (local.set $t5 (i32.mul (local.get $i) (local.get $p5)))\n"
	"      (local.set $t6 (i32.mul (local.get $i) (local.get $p6)))\n"
	"      (local.set $t7 (i32.mul (local.get $i) (local.get $p7)))\n"
	"      (local.set $t8 (i32.mul (local.get $i) (local.get $p8)))\n"
	"      (local.set $t9 (i32.mul (local.get $i) (local.get $p9)))\n"
	"      (local.set $t10 (i32.mul (local.get $i) (local.get $p10)))\n"
	"      (local.set $t11 (i32.mul (local.get $i) (local.get $p11)))\n"
	"      (local.set $acc (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (local.get $acc) (i32.xor (local.get $t0) (local.get $p5))) (i32.xor (local.get $t1) (local.get $p6))) (i32.xor (local.get $t2) (local.get $p7))) (i32.xor (local.get $t3) (local.get $p8))) (i32.xor (local.get $t4) (local.get $p9))) (i32.xor (local.get $t5) (local.get $p10))) (i32.xor (local.get $t6) (local.get $p11))) (i32.xor (local.get $t7) (local.get $p0))) (i32.xor (local.get $t8) (local.get $p1))) (i32.xor (local.get $t9) (local.get $p2))) (i32.xor (local.get $t10) (local.get $p3))) (i32.xor (local.get $t11) (local.get $p4))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $acc)))\n";

START_TEST(read_split_dead_after)
{
	rigs r;
	rigs_up(&r, rdead_wat);
	opt_install(&r.o, "rdead");
	ir_func *f;
	mir_func *mf = allocated(&r.o, "rdead", &f);       /* verified */
	mir_free(mf);
	ir_func_free(f);
	for (int a = 0; a < 4; a++) {
		int64_t args[2] = { 1 + 7 * a, (int64_t)(0x9e3779b9u * (unsigned)(a + 1)) };
		outcome x = call(&r.o, "rdead", args), y = call(&r.in, "rdead", args);
		ck_assert_int_eq(x.st, WASM_OK);
		ck_assert_int_eq(y.st, WASM_OK);
		ck_assert_msg(x.v == y.v, "rdead: %" PRId64 ", interpreter %" PRId64,
			x.v, y.v);
	}
	rigs_down(&r);
}
END_TEST

/* The verifier's view of slots and jump tables (regalloc_check.c): more
 * v128 values live at once than XMM registers, and more i64 values than
 * GPRs, so a v128 sits in two adjacent spill slots while i64s defined
 * in its life are spilled too.  Moving such an i64 into the v128's
 * second slot must fail the verifier (a v128 occupies slots k and
 * k + 1), and so must a move placed in a JTCASE block (it never runs). */
static const char slots_wat[] =
	"(module\n"
	"  (func (export \"wide\") (param $x i64) (result i64)\n"
	"    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)\n"
	"    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)\n"
	"    (local $v8 v128) (local $v9 v128) (local $v10 v128) (local $v11 v128)\n"
	"    (local $v12 v128) (local $v13 v128) (local $v14 v128) (local $v15 v128)\n"
	"    (local $a0 i64) (local $a1 i64) (local $a2 i64) (local $a3 i64)\n"
	"    (local $a4 i64) (local $a5 i64) (local $a6 i64) (local $a7 i64)\n"
	"    (local $a8 i64) (local $a9 i64) (local $a10 i64) (local $a11 i64)\n"
	"    (local.set $v0 (i64x2.splat (i64.add (local.get $x) (i64.const 1))))\n"
	"    (local.set $v1 (i64x2.splat (i64.add (local.get $x) (i64.const 2))))\n"
	"    (local.set $v2 (i64x2.splat (i64.add (local.get $x) (i64.const 3))))\n"
	"    (local.set $v3 (i64x2.splat (i64.add (local.get $x) (i64.const 4))))\n"
	"    (local.set $v4 (i64x2.splat (i64.add (local.get $x) (i64.const 5))))\n"
	"    (local.set $v5 (i64x2.splat (i64.add (local.get $x) (i64.const 6))))\n"
	"    (local.set $v6 (i64x2.splat (i64.add (local.get $x) (i64.const 7))))\n"
	"    (local.set $v7 (i64x2.splat (i64.add (local.get $x) (i64.const 8))))\n"
	"    (local.set $v8 (i64x2.splat (i64.add (local.get $x) (i64.const 9))))\n"
	"    (local.set $v9 (i64x2.splat (i64.add (local.get $x) (i64.const 10))))\n"
	"    (local.set $v10 (i64x2.splat (i64.add (local.get $x) (i64.const 11))))\n"
	"    (local.set $v11 (i64x2.splat (i64.add (local.get $x) (i64.const 12))))\n"
	"    (local.set $v12 (i64x2.splat (i64.add (local.get $x) (i64.const 13))))\n"
	"    (local.set $v13 (i64x2.splat (i64.add (local.get $x) (i64.const 14))))\n"
	"    (local.set $v14 (i64x2.splat (i64.add (local.get $x) (i64.const 15))))\n"
	"    (local.set $v15 (i64x2.splat (i64.add (local.get $x) (i64.const 16))))\n"
	 "    (local.set $a0 (i64.mul (local.get $x) (i64.const 3)))\n"
	"    (local.set $a1 (i64.mul (local.get $x) (i64.const 4)))\n"
	"    (local.set $a2 (i64.mul (local.get $x) (i64.const 5)))\n"
	"    (local.set $a3 (i64.mul (local.get $x) (i64.const 6)))\n"
	"    (local.set $a4 (i64.mul (local.get $x) (i64.const 7)))\n"
	"    (local.set $a5 (i64.mul (local.get $x) (i64.const 8)))\n"
	"    (local.set $a6 (i64.mul (local.get $x) (i64.const 9)))\n"
	"    (local.set $a7 (i64.mul (local.get $x) (i64.const 10)))\n"
	"    (local.set $a8 (i64.mul (local.get $x) (i64.const 11)))\n"
	"    (local.set $a9 (i64.mul (local.get $x) (i64.const 12)))\n"
	"    (local.set $a10 (i64.mul (local.get $x) (i64.const 13)))\n"
	"    (local.set $a11 (i64.mul (local.get $x) (i64.const 14)))\n"
	 "    (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (local.get $x) (i64x2.extract_lane 0 (local.get $v0))) (i64x2.extract_lane 0 (local.get $v1))) (i64x2.extract_lane 0 (local.get $v2))) (i64x2.extract_lane 0 (local.get $v3))) (i64x2.extract_lane 0 (local.get $v4))) (i64x2.extract_lane 0 (local.get $v5))) (i64x2.extract_lane 0 (local.get $v6))) (i64x2.extract_lane 0 (local.get $v7))) (i64x2.extract_lane 0 (local.get $v8))) (i64x2.extract_lane 0 (local.get $v9))) (i64x2.extract_lane 0 (local.get $v10))) (i64x2.extract_lane 0 (local.get $v11))) (i64x2.extract_lane 0 (local.get $v12))) (i64x2.extract_lane 0 (local.get $v13))) (i64x2.extract_lane 0 (local.get $v14))) (i64x2.extract_lane 0 (local.get $v15))) (local.get $a0)) (local.get $a1)) (local.get $a2)) (local.get $a3)) (local.get $a4)) (local.get $a5)) (local.get $a6)) (local.get $a7)) (local.get $a8)) (local.get $a9)) (local.get $a10)) (local.get $a11)))\n"
	"  (func (export \"sw\") (param i32) (result i32) (local i32)\n"
	"    (block (block (block (block (block\n"
	"      (br_table 0 1 2 1 3 (local.get 0)))\n"
	"      (return (i32.const 10))) (return (i32.const 11)))\n"
	"      (return (i32.const 12))) (return (i32.const 13)))\n"
	"    (i32.const 14))\n"
	")\n";

/* mf: function `name` of r lowered and allocated (and verified). */
static mir_func *allocated(rig *r, const char *name, ir_func **f)
{
	uint32_t idx;
	mir_func *mf;
	wasm_error err;
	char msg[256];
	export_func(r, name, &idx);
	ck_assert_int_eq(ir_build(r->m, idx, f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(*f, ir_default_pipeline, NULL, true, &err),
		WASM_OK);
	ck_assert_msg(mir_lower(r->m, *f, &mf, &err) == WASM_OK, "%s", err.message);
	ck_assert_int_eq(mir_regalloc(mf, &err), WASM_OK);
	ck_assert_msg(mir_regalloc_verify(mf, msg, sizeof msg), "%s", msg);
	return mf;
}

START_TEST(verifier_slots_jtcase)
{
	rigs r;
	char msg[256];
	ir_func *f;
	rigs_up(&r, slots_wat);
	opt_install(&r.o, "wide");
	static const int64_t args[][2] = { { 0, 0 }, { 7, 0 }, { -3, 0 },
		{ INT64_MAX, 0 } };
	for (size_t a = 0; a < sizeof args / sizeof args[0]; a++)
		same(&r.o, &r.in, &r.bl, "wide", args[a]);

	mir_func *mf = allocated(&r.o, "wide", &f);
	uint32_t nwide = 0, tried = 0, caught = 0;
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++) {
		if (mir_vsize(mf, v) != 16 || mf->reg[v] >= 0 || mf->spill[v] < 0)
			continue;
		nwide++;
		ck_assert_uint_lt((uint32_t)mf->spill[v] + 1, mf->nspill);
		for (mir_reg w = MIR_FIRST_VIRT; w < mf->nv; w++) {
			if (mir_vsize(mf, w) != 8 || mir_vflt(mf, w) || mf->reg[w] >= 0 ||
			    mf->spill[w] < 0)
				continue;
			int32_t was = mf->spill[w];
			mf->spill[w] = mf->spill[v] + 1;
			tried++;
			caught += !mir_regalloc_verify(mf, msg, sizeof msg);
			mf->spill[w] = was;
		}
	}
	ck_assert_msg(nwide > 0, "no v128 spilled");
	ck_assert_msg(caught > 0, "%u i64s moved into a v128's second slot, "
		"none caught", tried);
	mir_free(mf);
	ir_func_free(f);

	mf = allocated(&r.o, "sw", &f);
	uint32_t njt = 0;
	for (uint32_t b = 0; b < mf->nb; b++) {
		mir_block *bl = &mf->b[b];
		if (!mir_jtcase_block(bl))
			continue;
		njt++;
		/* a move there (a self-move, harmless but for where it is) */
		mir_insn *ni = realloc(bl->insn, 2 * sizeof *ni);
		ck_assert_ptr_nonnull(ni);
		bl->insn = ni;
		bl->cap = 2;
		ni[1] = (mir_insn){ .op = MIR_PMOV };
		bl->n = 2;
		ck_assert_msg(!mir_regalloc_verify(mf, msg, sizeof msg),
			"an instruction in JTCASE block b%u passed", b);
		bl->n = 1;
		ck_assert_msg(mir_regalloc_verify(mf, msg, sizeof msg), "%s", msg);
	}
	ck_assert_msg(njt > 0, "no jump table");
	mir_free(mf);
	ir_func_free(f);
	rigs_down(&r);
}
END_TEST

/* Every SIMD shift by the constant counts 0, 1, lanebits - 1, lanebits,
 * lanebits + 1, 255 and -1 (the count is taken modulo the lane width:
 * VSHIFT), and by a variable count, in tier 2 (WASM_TIER_OPT: every
 * function compiled at its first call; run-opt-codegen-noavx.sh runs it
 * without AVX) and the baseline against the interpreter: the same 16
 * bytes.  A constant count lowers to the immediate form: hasimm, no
 * scalar operand and no scratch GPR (jit_simd_scratch). */
static const struct {
	const char *name;
	unsigned lanebits;
} shift_ops[] = {
	{ "i8x16.shl", 8 }, { "i8x16.shr_s", 8 }, { "i8x16.shr_u", 8 },
	{ "i16x8.shl", 16 }, { "i16x8.shr_s", 16 }, { "i16x8.shr_u", 16 },
	{ "i32x4.shl", 32 }, { "i32x4.shr_s", 32 }, { "i32x4.shr_u", 32 },
	{ "i64x2.shl", 64 }, { "i64x2.shr_s", 64 }, { "i64x2.shr_u", 64 },
};
#define NSHIFT_OPS (sizeof shift_ops / sizeof shift_ops[0])
#define NSHIFT_K 7

static int32_t shift_k(unsigned lanebits, unsigned j)
{
	const int32_t k[NSHIFT_K] = { 0, 1, (int32_t)lanebits - 1, (int32_t)lanebits,
		(int32_t)lanebits + 1, 255, -1 };
	return k[j];
}

/* "s<op>_<j>": op by constant count j (shift_k); "s<op>_v": by the i32
 * parameter. */
static char *shift_wat(void)
{
	size_t cap = 64 * 1024, n = 0;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	n += (size_t)snprintf(t + n, cap - n, "(module\n");
	for (size_t o = 0; o < NSHIFT_OPS; o++) {
		for (unsigned j = 0; j < NSHIFT_K; j++)
			n += (size_t)snprintf(t + n, cap - n,
				"  (func (export \"s%zu_%u\") (param v128 i32) (result v128)\n"
				"    (%s (local.get 0) (i32.const %d)))\n", o, j,
				shift_ops[o].name, shift_k(shift_ops[o].lanebits, j));
		n += (size_t)snprintf(t + n, cap - n,
			"  (func (export \"s%zu_v\") (param v128 i32) (result v128)\n"
			"    (%s (local.get 0) (local.get 1)))\n", o, shift_ops[o].name);
	}
	snprintf(t + n, cap - n, ")\n");
	ck_assert_uint_lt(n, cap - 4);
	return t;
}

static void shift_call(rig *r, const char *name, const uint8_t v[16], int32_t k,
	uint8_t out[16])
{
	wasm_value a[2], res;
	wasm_error err;
	a[0].type = WASM_V128;
	memcpy(a[0].of.v128, v, 16);
	a[1].type = WASM_I32;
	a[1].of.i32 = k;
	ck_assert_int_eq(wasm_func_call(r->s, export_func(r, name, NULL), a, 2, &res,
		1, &err), WASM_OK);
	memcpy(out, res.of.v128, 16);
}

START_TEST(simd_shift_counts)
{
	static const uint8_t inputs[][16] = {
		{ 0x01, 0x80, 0x7f, 0xff, 0x00, 0x81, 0x40, 0xfe,
		  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
		  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80 },
		{ 0x00, 0x80, 0x00, 0x80, 0xff, 0x7f, 0xff, 0x7f,
		  0x01, 0x00, 0x00, 0x80, 0xfe, 0xff, 0xff, 0x7f },
	};
	char *text = shift_wat();
	rigs r;
	rigs_up_at(&r, text, WASM_TIER_OPT);
	free(text);
	unsigned checked = 0;
	for (size_t o = 0; o < NSHIFT_OPS; o++) {
		unsigned lb = shift_ops[o].lanebits;
		for (unsigned j = 0; j <= NSHIFT_K; j++) {
			char name[32];
			if (j < NSHIFT_K)
				snprintf(name, sizeof name, "s%zu_%u", o, j);
			else
				snprintf(name, sizeof name, "s%zu_v", o);
			for (size_t in = 0; in < sizeof inputs / sizeof inputs[0]; in++)
				/* the variable count takes each constant's value */
				for (unsigned c = 0; c < NSHIFT_K; c++) {
					int32_t k = shift_k(lb, c);
					uint8_t vi[16], vb[16], vo[16];
					shift_call(&r.in, name, inputs[in], k, vi);
					shift_call(&r.bl, name, inputs[in], k, vb);
					shift_call(&r.o, name, inputs[in], k, vo);
					ck_assert_msg(memcmp(vi, vo, 16) == 0, "%s by %d (%s), "
						"input %zu: tier 2 differs from the interpreter",
						shift_ops[o].name, j < NSHIFT_K ? shift_k(lb, j) : k,
						j < NSHIFT_K ? "constant" : "variable", in);
					ck_assert_msg(memcmp(vi, vb, 16) == 0, "%s by %d (%s), "
						"input %zu: the baseline differs from the interpreter",
						shift_ops[o].name, j < NSHIFT_K ? shift_k(lb, j) : k,
						j < NSHIFT_K ? "constant" : "variable", in);
					checked++;
					if (j < NSHIFT_K)
						break;  /* k is not read */
				}
		}
	}
	ck_assert_uint_eq(checked, NSHIFT_OPS * 3 * (NSHIFT_K + NSHIFT_K));
	wasm_module_stats st;
	wasm_module_stats_get(r.o.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, NSHIFT_OPS * (NSHIFT_K + 1));
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs_refused, 0);

	/* the lowering: a constant count is the immediate of the one shift,
	 * no scalar operand, no scratch GPR (so no movi of the count either);
	 * i64x2.shr_s keeps its GPR halves and count */
	unsigned nk = 0;
	for (size_t o = 0; o < NSHIFT_OPS; o++)
		for (unsigned j = 0; j <= NSHIFT_K; j++) {
			char name[32];
			uint32_t idx;
			if (j < NSHIFT_K)
				snprintf(name, sizeof name, "s%zu_%u", o, j);
			else
				snprintf(name, sizeof name, "s%zu_v", o);
			export_func(&r.o, name, &idx);
			ir_func *f;
			mir_func *mf;
			wasm_error err;
			ck_assert_int_eq(ir_build(r.o.m, idx, &f, &err), WASM_OK);
			ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err),
				WASM_OK);
			ck_assert_msg(mir_lower(r.o.m, f, &mf, &err) == WASM_OK, "%s", err.message);
			bool sra64 = strcmp(shift_ops[o].name, "i64x2.shr_s") == 0;
			unsigned nshift = 0, nmovi = 0;
			for (uint32_t bi = 0; bi < mf->nb; bi++)
				for (uint32_t ii = 0; ii < mf->b[bi].n; ii++) {
					const mir_insn *m = &mf->b[bi].insn[ii];
					nmovi += m->op == MIR_MOVI;
					if (m->op != MIR_VOP && m->op != MIR_VOP3)
						continue;
					unsigned nx, ng;
					mir_simd_scratch(m, &nx, &ng);
					nshift++;
					if (j < NSHIFT_K && !sra64) {
						ck_assert_msg(m->hasimm && m->imm == shift_k(shift_ops[o].lanebits, j),
							"%s: count not an immediate", name);
						ck_assert_msg(ng == 0 && (m->op == MIR_VOP3 ? !m->b : !m->a),
							"%s: a GPR for a constant count", name);
						nk++;
					} else {
						ck_assert_msg(!m->hasimm && ng > 0, "%s: the count "
							"in a register", name);
					}
				}
			ck_assert_msg(nshift == 1, "%s: %u vops", name, nshift);
			if (j < NSHIFT_K && !sra64)
				ck_assert_msg(nmovi == 0, "%s: the count put in a register", name);
			mir_free(mf);
			ir_func_free(f);
		}
	ck_assert_uint_eq(nk, (NSHIFT_OPS - 1) * NSHIFT_K);
	rigs_down(&r);
}
END_TEST

/* Rotations by a constant and and-nots, with BMI (mir_cpu: bmi2's rorx,
 * bmi1's andn; not with no_avx, VEX like AVX): one instruction each and
 * no copy of the operand first, and the values the interpreter gives,
 * for every count 0..width (a count past the width wraps) and for the
 * inverted operand on either side of the and.  An xor of all ones used
 * twice stays an xor. */
static const unsigned bmi_counts[] = { 0, 1, 7, 13, 31, 32, 37, 63, 64, 71 };
#define NBMI_COUNTS (sizeof bmi_counts / sizeof bmi_counts[0])

static char *bmi_wat(void)
{
	char *text;
	size_t tlen;
	FILE *out = open_memstream(&text, &tlen);
	fputs("(module\n", out);
	for (size_t k = 0; k < NBMI_COUNTS; k++)
		for (int w = 32; w <= 64; w += 32)
			fprintf(out,
				"  (func (export \"rl%d_%zu\") (param i%d) (result i%d)\n"
				"    (i%d.rotl (local.get 0) (i%d.const %u)))\n"
				"  (func (export \"rr%d_%zu\") (param i%d) (result i%d)\n"
				"    (i%d.rotr (local.get 0) (i%d.const %u)))\n",
				w, k, w, w, w, w, bmi_counts[k], w, k, w, w, w, w, bmi_counts[k]);
	for (int w = 32; w <= 64; w += 32)
		fprintf(out,
			"  (func (export \"an%d\") (param i%d i%d) (result i%d)\n"
			"    (i%d.and (i%d.xor (local.get 0) (i%d.const -1)) (local.get 1)))\n"
			"  (func (export \"na%d\") (param i%d i%d) (result i%d)\n"
			"    (i%d.and (local.get 1) (i%d.xor (i%d.const -1) (local.get 0))))\n"
			"  (func (export \"twice%d\") (param i%d i%d) (result i%d) (local i%d)\n"
			"    (local.set 2 (i%d.xor (local.get 0) (i%d.const -1)))\n"
			"    (i%d.add (i%d.and (local.get 2) (local.get 1)) (local.get 2)))\n",
			w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w, w);
	fputs(")\n", out);
	fclose(out);
	return text;
}

static unsigned mir_count(rig *r, const char *name, enum mir_op op)
{
	uint32_t idx;
	export_func(r, name, &idx);
	ir_func *f;
	mir_func *mf;
	wasm_error err;
	ck_assert_int_eq(ir_build(r->m, idx, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err), WASM_OK);
	ck_assert_msg(mir_lower(r->m, f, &mf, &err) == WASM_OK, "%s", err.message);
	unsigned n = 0;
	for (uint32_t bi = 0; bi < mf->nb; bi++)
		for (uint32_t ii = 0; ii < mf->b[bi].n; ii++)
			n += mf->b[bi].insn[ii].op == op;
	mir_free(mf);
	ir_func_free(f);
	return n;
}

START_TEST(bmi_rotates_andn)
{
	static const int64_t inputs[] = { 0, 1, -1, 0x123456789abcdef0ll,
		(int64_t)0x8000000000000001ull, 0x7f00ff01, -0x5a5a5a5a5a5a5a5bll };
	const size_t nin = sizeof inputs / sizeof inputs[0];
	char *text = bmi_wat();
	size_t len;
	uint8_t *bytes = wat(text, &len);
	free(text);
	rig ri, ro;
	rig_up(&ri, bytes, len, WASM_TIER_INTERP);
	rig_up(&ro, bytes, len, WASM_TIER_OPT);
	free(bytes);
	bool bmi1 = mir_cpu()->bmi1 && !no_avx(), bmi2 = mir_cpu()->bmi2 && !no_avx();
	unsigned compared = 0;
	for (int w = 32; w <= 64; w += 32) {
		char name[32];
		for (size_t k = 0; k < NBMI_COUNTS; k++)
			for (int dir = 0; dir < 2; dir++) {
				snprintf(name, sizeof name, "%s%d_%zu", dir ? "rr" : "rl", w, k);
				/* by a multiple of the width: folded away */
				bool rot = bmi_counts[k] % (unsigned)w != 0;
				ck_assert_msg(mir_count(&ro, name, MIR_RORX) == (bmi2 && rot),
					"%s: rorx", name);
				ck_assert_msg(!bmi2 || !rot || mir_count(&ro, name, MIR_MOV) == 0,
					"%s: a copy before the rotation", name);
				for (size_t in = 0; in < nin; in++, compared++) {
					outcome a = call(&ri, name, &inputs[in]);
					outcome b = call(&ro, name, &inputs[in]);
					ck_assert_int_eq(a.st, WASM_OK);
					ck_assert_int_eq(b.st, WASM_OK);
					ck_assert_msg(a.v == b.v, "%s(%llx): %llx, interpreter %llx",
						name, (unsigned long long)inputs[in],
						(unsigned long long)b.v, (unsigned long long)a.v);
				}
			}
		static const char *const ands[] = { "an", "na", "twice" };
		for (size_t k = 0; k < 3; k++) {
			snprintf(name, sizeof name, "%s%d", ands[k], w);
			ck_assert_msg(mir_count(&ro, name, MIR_ANDN) == (bmi1 && k < 2),
				"%s: andn", name);
			for (size_t x = 0; x < nin; x++)
				for (size_t y = 0; y < nin; y++, compared++) {
					int64_t args[2] = { inputs[x], inputs[y] };
					outcome a = call(&ri, name, args);
					outcome b = call(&ro, name, args);
					ck_assert_int_eq(a.st, WASM_OK);
					ck_assert_int_eq(b.st, WASM_OK);
					ck_assert_msg(a.v == b.v, "%s: %llx, interpreter %llx", name,
						(unsigned long long)b.v, (unsigned long long)a.v);
				}
		}
	}
	ck_assert_uint_eq(compared, 2 * (NBMI_COUNTS * 2 * nin + 3 * nin * nin));
	rig_down(&ri);
	rig_down(&ro);
}
END_TEST

/* The MIR of exported function name after the default passes (free
 * both). */
static mir_func *lower_export(rig *r, const char *name, ir_func **f)
{
	uint32_t idx;
	mir_func *mf;
	wasm_error err;
	export_func(r, name, &idx);
	ck_assert_int_eq(ir_build(r->m, idx, f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(*f, ir_default_pipeline, NULL, true, &err), WASM_OK);
	ck_assert_msg(mir_lower(r->m, *f, &mf, &err) == WASM_OK, "%s", err.message);
	return mf;
}

/* v[0..15] into a v128 argument, the v128 result out. */
static void v128_call(rig *r, const char *name, const uint8_t v[16], uint8_t out[16])
{
	wasm_value a, res;
	wasm_error err;
	a.type = WASM_V128;
	memcpy(a.of.v128, v, 16);
	ck_assert_int_eq(wasm_func_call(r->s, export_func(r, name, NULL), &a, 1, &res,
		1, &err), WASM_OK);
	memcpy(out, res.of.v128, 16);
}

/* name(in) in the interpreter (ri), the baseline (rb) and tier 2 (ro)
 * give the same 16 bytes; what and k name the case when they do not. */
static void v128_agree(rig *ri, rig *rb, rig *ro, const char *name,
	const uint8_t in[16], const char *what, size_t k)
{
	uint8_t vi[16], vb[16], vo[16];
	v128_call(ri, name, in, vi);
	v128_call(rb, name, in, vb);
	v128_call(ro, name, in, vo);
	ck_assert_msg(memcmp(vi, vo, 16) == 0, "%s, input %zu: tier 2 differs", what, k);
	ck_assert_msg(memcmp(vi, vb, 16) == 0, "%s, input %zu: the baseline differs",
		what, k);
}

/* The SIMD ops' constants (v128.const, shuffle masks, extadd's
 * multipliers, abs's mask) come from the function's constant pool,
 * rip-relative (jit_simd_regs.pool): no movabs and movq through a GPR
 * (the constants below hold no 0x48/0x49 byte, so the pool after the
 * code cannot look like a movabs).  i8x16.shuffle of one value twice
 * reads it once: its indices all below 16 (one pshufb).  The results
 * are the interpreter's and the baseline's (which still builds its
 * constants in registers). */
static const char vk_wat[] =
	"(module\n"
	"  (func (export \"vk\") (param v128) (result v128)\n"
	"    (f32x4.abs (i32x4.add\n"
	"      (i32x4.extadd_pairwise_i16x8_u\n"
	"        (i8x16.shuffle 16 17 18 19 3 3 3 3 31 30 29 28 0 1 2 3\n"
	"          (local.get 0) (local.get 0)))\n"
	"      (v128.const i32x4 0x01020304 0x05060708 0x090a0b0c 0x0d0e0f10))))\n"
	"  (func (export \"vs\") (param v128) (result v128)\n"
	"    (i16x8.extadd_pairwise_i8x16_u (i8x16.swizzle (local.get 0)\n"
	"      (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0)))))\n";

START_TEST(simd_consts_pool)
{
	static const uint8_t inputs[][16] = {
		{ 0x01, 0x80, 0x7f, 0xff, 0x00, 0x81, 0x40, 0xfe,
		  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
		  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80 },
	};
	static const char *const names[] = { "vk", "vs" };
	rigs r;
	rigs_up_at(&r, vk_wat, WASM_TIER_OPT);
	for (size_t n = 0; n < 2; n++)
		for (size_t in = 0; in < sizeof inputs / sizeof inputs[0]; in++) {
			v128_agree(&r.in, &r.bl, &r.o, names[n], inputs[in], names[n], in);
		}
	wasm_module_stats st;
	wasm_module_stats_get(r.o.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 2);
	for (size_t n = 0; n < 2; n++) {
		uint32_t idx;
		export_func(&r.o, names[n], &idx);
		mir_code code;
		wasm_error err;
		ck_assert_int_eq(opt_codegen(r.o.m, idx, NULL, true, &code, &err), WASM_OK);
		for (size_t k = 0; k + 3 < code.len; k++) {
			const uint8_t *p = code.code + k;
			ck_assert_msg(!((p[0] == 0x48 || p[0] == 0x49) && p[1] >= 0xb8 &&
				p[1] <= 0xbf), "%s: movabs at %zu", names[n], k);
			ck_assert_msg(!(p[0] == 0x66 && (p[1] & 0xf8) == 0x48 && p[2] == 0x0f &&
				p[3] == 0x6e), "%s: movq xmm, r64 at %zu", names[n], k);
		}
		free(code.code);
		free(code.pc);
		free(code.loops);
	}
	ir_func *f;
	mir_func *mf = lower_export(&r.o, "vk", &f);
	unsigned nshuf = 0;
	for (uint32_t bi = 0; bi < mf->nb; bi++)
		for (uint32_t ii = 0; ii < mf->b[bi].n; ii++) {
			const mir_insn *m = &mf->b[bi].insn[ii];
			if (!mir_is_simd(m) || m->aux != OP_V_I8X16_SHUFFLE)
				continue;
			nshuf++;
			ck_assert_msg(!(((uint64_t)m->imm | m->imm2) & 0x1010101010101010ull),
				"shuffle(v, v) reads b: %016" PRIx64 " %016" PRIx64,
				(uint64_t)m->imm, m->imm2);
		}
	ck_assert_uint_eq(nshuf, 1);
	mir_free(mf);
	ir_func_free(f);
	rigs_down(&r);
}
END_TEST

/* With AVX a v128.load read once, by the lane-wise binary op right after
 * it, is that op's memory operand (VOP3M: vpsubw d, a, [r15 + b + k],
 * VEX forms take unaligned operands): the sub's second operand and the
 * mul's.  Without AVX it stays a load (legacy SSE memory operands must
 * be 16-byte aligned).  Results and traps are the interpreter's and the
 * baseline's: a fault in the fused access names the load. */
static const char vmem_wat[] =
	"(module\n"
	"  (memory 1)\n"
	"  (data (i32.const 0) \"\\01\\80\\7f\\ff\\00\\81\\40\\fe\\12\\34\\56\\78\\9a\\bc\\de\\f0\"\n"
	"    \"\\ff\\ff\\ff\\ff\\ff\\ff\\ff\\7f\\00\\00\\00\\00\\00\\00\\00\\80\"\n"
	"    \"\\00\\00\\80\\3f\\00\\00\\c0\\ff\\01\\00\\80\\7f\\00\\00\\00\\80\")\n"
	"  (func (export \"vpress\") (param i32 i32) (result i64)\n"
	"    (local v128 v128 v128 v128 v128 v128 v128 v128 v128)\n"
	"    (local v128 v128 v128 v128 v128 v128 v128 v128 v128)\n"
	"    (local.set 2 (v128.load offset=0 (local.get 0)))\n"
	"    (local.set 3 (v128.load offset=1 (local.get 0)))\n"
	"    (local.set 4 (v128.load offset=2 (local.get 0)))\n"
	"    (local.set 5 (v128.load offset=3 (local.get 0)))\n"
	"    (local.set 6 (v128.load offset=4 (local.get 0)))\n"
	"    (local.set 7 (v128.load offset=5 (local.get 0)))\n"
	"    (local.set 8 (v128.load offset=6 (local.get 0)))\n"
	"    (local.set 9 (v128.load offset=7 (local.get 0)))\n"
	"    (local.set 10 (v128.load offset=8 (local.get 0)))\n"
	"    (local.set 11 (v128.load offset=9 (local.get 0)))\n"
	"    (local.set 12 (v128.load offset=10 (local.get 0)))\n"
	"    (local.set 13 (v128.load offset=11 (local.get 0)))\n"
	"    (local.set 14 (v128.load offset=12 (local.get 0)))\n"
	"    (local.set 15 (v128.load offset=13 (local.get 0)))\n"
	"    (local.set 16 (v128.load offset=14 (local.get 0)))\n"
	"    (local.set 17 (v128.load offset=15 (local.get 0)))\n"
	"    (local.set 18 (v128.load offset=16 (local.get 0)))\n"
	"    (local.set 19 (v128.load offset=17 (local.get 0)))\n"
	"    (local.set 2 (i32x4.add (local.get 3)\n"
	"      (v128.load offset=0 (local.get 1))))\n"
	"    (local.set 3 (i32x4.add (local.get 4)\n"
	"      (v128.load offset=2 (local.get 1))))\n"
	"    (local.set 4 (i32x4.add (local.get 5)\n"
	"      (v128.load offset=4 (local.get 1))))\n"
	"    (local.set 5 (i32x4.add (local.get 6)\n"
	"      (v128.load offset=6 (local.get 1))))\n"
	"    (local.set 6 (i32x4.add (local.get 7)\n"
	"      (v128.load offset=8 (local.get 1))))\n"
	"    (local.set 7 (i32x4.add (local.get 8)\n"
	"      (v128.load offset=10 (local.get 1))))\n"
	"    (local.set 8 (i32x4.add (local.get 9)\n"
	"      (v128.load offset=12 (local.get 1))))\n"
	"    (local.set 9 (i32x4.add (local.get 10)\n"
	"      (v128.load offset=14 (local.get 1))))\n"
	"    (local.set 10 (i32x4.add (local.get 11)\n"
	"      (v128.load offset=16 (local.get 1))))\n"
	"    (local.set 11 (i32x4.add (local.get 12)\n"
	"      (v128.load offset=18 (local.get 1))))\n"
	"    (local.set 12 (i32x4.add (local.get 13)\n"
	"      (v128.load offset=20 (local.get 1))))\n"
	"    (local.set 13 (i32x4.add (local.get 14)\n"
	"      (v128.load offset=22 (local.get 1))))\n"
	"    (local.set 14 (i32x4.add (local.get 15)\n"
	"      (v128.load offset=24 (local.get 1))))\n"
	"    (local.set 15 (i32x4.add (local.get 16)\n"
	"      (v128.load offset=26 (local.get 1))))\n"
	"    (local.set 16 (i32x4.add (local.get 17)\n"
	"      (v128.load offset=28 (local.get 1))))\n"
	"    (local.set 17 (i32x4.add (local.get 18)\n"
	"      (v128.load offset=30 (local.get 1))))\n"
	"    (local.set 18 (i32x4.add (local.get 19)\n"
	"      (v128.load offset=32 (local.get 1))))\n"
	"    (local.set 19 (i32x4.add (local.get 2)\n"
	"      (v128.load offset=34 (local.get 1))))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 3)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 4)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 5)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 6)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 7)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 8)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 9)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 10)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 11)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 12)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 13)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 14)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 15)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 16)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 17)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 18)))\n"
	"    (local.set 2 (v128.xor (local.get 2) (local.get 19)))\n"
	"    (i64.xor (i64x2.extract_lane 0 (local.get 2))\n"
	"      (i64x2.extract_lane 1 (local.get 19))))\n"
	"  (func (export \"vmem\") (param i32 i32) (result i64) (local v128)\n"
	"    (local.set 2 (i16x8.sub (v128.load (local.get 0))\n"
	"      (v128.load offset=16 (local.get 1))))\n"
	"    (local.set 2 (f32x4.mul (local.get 2) (v128.load offset=32 (local.get 0))))\n"
	"    (i64.xor (i64x2.extract_lane 0 (local.get 2))\n"
	"      (i64x2.extract_lane 1 (local.get 2)))))\n";

START_TEST(simd_load_memop)
{
	bool avx = mir_cpu()->avx && !no_avx();
	rigs r;
	rigs_up(&r, vmem_wat);
	ir_func *f;
	mir_func *mf = lower_export(&r.o, "vmem", &f);
	unsigned nm = 0, nload = 0;
	for (uint32_t bi = 0; bi < mf->nb; bi++)
		for (uint32_t ii = 0; ii < mf->b[bi].n; ii++) {
			const mir_insn *m = &mf->b[bi].insn[ii];
			nm += m->op == MIR_VOP3M;
			nload += m->op == MIR_VDEF && m->aux == OP_V_V128_LOAD;
		}
	ck_assert_msg(nm == (avx ? 2u : 0u) && nload == (avx ? 1u : 3u),
		"%u fused, %u loads with%s AVX", nm, nload, avx ? "" : "out");
	mir_free(mf);
	ir_func_free(f);
	opt_install(&r.o, "vmem");
	static const int64_t args[][2] = {
		{ 0, 0 }, { 16, 0 }, { 0, 1 },
		{ 65520, 0 },           /* the first load (not fused) */
		{ 0, 65520 },           /* the sub's fused load */
		{ 65500, 0 },           /* the mul's fused load */
		{ -1, 0 },
	};
	for (size_t k = 0; k < sizeof args / sizeof args[0]; k++)
		same(&r.o, &r.in, &r.bl, "vmem", args[k]);
	/* 18 v128s live at once: fused adds with their other operand and
	 * result spilled too */
	opt_install(&r.o, "vpress");
	for (size_t k = 0; k < sizeof args / sizeof args[0]; k++)
		same(&r.o, &r.in, &r.bl, "vpress", args[k]);
	outcome t = call(&r.o, "vmem", args[5]);
	ck_assert_int_eq(t.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	rigs_down(&r);
}
END_TEST

/* Whether code[0..len) holds an instruction of the 0F-map opcode op
 * with prefix 66 (legacy, REX or not) or VEX pp = 66 (two-byte C5 form
 * or three-byte C4 with map 0F). */
static bool has_op66(const uint8_t *code, size_t len, uint8_t op)
{
	for (size_t k = 0; k + 3 < len; k++) {
		const uint8_t *p = code + k;
		if (p[0] == 0x66 && p[1] == 0x0f && p[2] == op)
			return true;
		if (p[0] == 0x66 && (p[1] & 0xf0) == 0x40 && p[2] == 0x0f && p[3] == op)
			return true;
		if (p[0] == 0xc5 && (p[1] & 3) == 1 && p[2] == op)
			return true;
		if (k + 4 < len && p[0] == 0xc4 && (p[1] & 0x1f) == 1 && (p[2] & 3) == 1 &&
		    p[3] == op)
			return true;
	}
	return false;
}

/* The unsigned widenings of a v128's high 8 bytes (extend_high_u,
 * extmul_high_u) given a pool: the high half unpacked with the pool's
 * zero, punpckhbw/wd/dq d, [rip+k] (as gcc's _mm_unpackhi_epi8(v,
 * zero)), not pshufd then pmovzx; the results the interpreter's and the
 * baseline's. */
static const struct { const char *op; bool two; uint8_t unpack; } hiz_ops[] = {
	{ "i16x8.extend_high_i8x16_u", false, 0x68 },
	{ "i32x4.extend_high_i16x8_u", false, 0x69 },
	{ "i64x2.extend_high_i32x4_u", false, 0x6a },
	{ "i16x8.extmul_high_i8x16_u", true, 0x68 },
	{ "i32x4.extmul_high_i16x8_u", true, 0x69 },
	{ "i64x2.extmul_high_i32x4_u", true, 0x6a },
};

START_TEST(simd_high_unsigned)
{
	static const uint8_t inputs[][16] = {
		{ 0x01, 0x80, 0x7f, 0xff, 0x00, 0x81, 0x40, 0xfe,
		  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
		  0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	const size_t nops = sizeof hiz_ops / sizeof hiz_ops[0];
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "(module\n");
	for (size_t o = 0; o < nops; o++)
		n += (size_t)snprintf(text + n, sizeof text - n,
			"  (func (export \"h%zu\") (param v128) (result v128)\n"
			"    (%s (local.get 0)%s))\n", o, hiz_ops[o].op,
			hiz_ops[o].two ? " (i8x16.swizzle (local.get 0) (local.get 0))" : "");
	snprintf(text + n, sizeof text - n, ")\n");
	rigs r;
	rigs_up_at(&r, text, WASM_TIER_OPT);
	for (size_t o = 0; o < nops; o++) {
		char name[8];
		snprintf(name, sizeof name, "h%zu", o);
		for (size_t in = 0; in < sizeof inputs / sizeof inputs[0]; in++) {
			v128_agree(&r.in, &r.bl, &r.o, name, inputs[in], hiz_ops[o].op, in);
		}
		uint32_t idx;
		export_func(&r.o, name, &idx);
		mir_code code;
		wasm_error err;
		ck_assert_int_eq(opt_codegen(r.o.m, idx, NULL, true, &code, &err), WASM_OK);
		ck_assert_msg(has_op66(code.code, code.len, hiz_ops[o].unpack) &&
			!has_op66(code.code, code.len, 0x70), "%s: not an unpack with zero",
			hiz_ops[o].op);
		free(code.code);
		free(code.pc);
		free(code.loops);
	}
	rigs_down(&r);
}
END_TEST

/* Splats of 4- and 8-byte lanes need no GPR: load32/64_splat are
 * movss/movsd then pshufd/punpcklqdq (not a GPR load, a multiply by
 * 0x0000000100000001 and movq), i64x2/f64x2.splat movq then punpcklqdq;
 * the 1- and 2-byte ones keep their two GPRs.  Values as the
 * interpreter's and the baseline's. */
static const char splat_wat[] =
	"(module\n"
	"  (memory 1)\n"
	"  (data (i32.const 8) \"\\81\\82\\83\\84\\85\\86\\87\\f8\")\n"
	"  (func (export \"l8\") (param v128) (result v128) (v128.load8_splat (i32.const 9)))\n"
	"  (func (export \"l16\") (param v128) (result v128) (v128.load16_splat (i32.const 9)))\n"
	"  (func (export \"l32\") (param v128) (result v128) (v128.load32_splat (i32.const 9)))\n"
	"  (func (export \"l64\") (param v128) (result v128) (v128.load64_splat (i32.const 8)))\n"
	"  (func (export \"s64\") (param v128) (result v128)\n"
	"    (i64x2.splat (i64x2.extract_lane 1 (local.get 0))))\n"
	"  (func (export \"f64\") (param v128) (result v128)\n"
	"    (f64x2.splat (f64x2.extract_lane 1 (local.get 0))))\n"
	"  (func (export \"s32\") (param v128) (result v128)\n"
	"    (i32x4.splat (i32x4.extract_lane 3 (local.get 0)))))\n";

START_TEST(simd_splats_no_gpr)
{
	static const uint8_t in[16] = { 0x01, 0x80, 0x7f, 0xff, 0x00, 0x81, 0x40, 0xfe,
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	static const struct { const char *name; unsigned ng; } f[] = {
		{ "l8", 2 }, { "l16", 2 }, { "l32", 0 }, { "l64", 0 }, { "s64", 0 },
		{ "f64", 0 }, { "s32", 0 },
	};
	rigs r;
	rigs_up_at(&r, splat_wat, WASM_TIER_OPT);
	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
		uint8_t vi[16], vb[16], vo[16];
		v128_call(&r.in, f[k].name, in, vi);
		v128_call(&r.bl, f[k].name, in, vb);
		v128_call(&r.o, f[k].name, in, vo);
		ck_assert_msg(memcmp(vi, vo, 16) == 0, "%s: tier 2 differs", f[k].name);
		ck_assert_msg(memcmp(vi, vb, 16) == 0, "%s: the baseline differs", f[k].name);
		ir_func *fn;
		mir_func *mf = lower_export(&r.o, f[k].name, &fn);
		unsigned nsplat = 0;
		for (uint32_t bi = 0; bi < mf->nb; bi++)
			for (uint32_t ii = 0; ii < mf->b[bi].n; ii++) {
				const mir_insn *m = &mf->b[bi].insn[ii];
				if (m->op != MIR_VDEF)
					continue;
				unsigned nx, ng;
				mir_simd_scratch(m, &nx, &ng);
				ck_assert_msg(ng == f[k].ng, "%s: %u scratch GPRs", f[k].name, ng);
				nsplat++;
			}
		ck_assert_uint_eq(nsplat, 1);
		mir_free(mf);
		ir_func_free(fn);
	}
	rigs_down(&r);
}
END_TEST

/* With SSE4.1 (jit_simd_regs.sse41) lanes move by pextr/pinsr and
 * any_true is ptest: tier 2's extract_lane, replace_lane, load_lane,
 * store_lane and any_true need no scratch register (the baseline keeps
 * the GPR halves); with AVX load_lane is a VOP3 (vpinsrb d, a, [m], k).  Every lane size, sign- and zero-extended extracts,
 * first, middle and last lanes; values as the interpreter's and the
 * baseline's (the zero vector for any_true's false). */
static const char *const lane_bodies[] = {
	"(i32x4.replace_lane 1 (local.get 0) (i8x16.extract_lane_s 15 (local.get 0)))",
	"(i32x4.replace_lane 2 (local.get 0) (i8x16.extract_lane_u 9 (local.get 0)))",
	"(i32x4.replace_lane 3 (local.get 0) (i16x8.extract_lane_s 7 (local.get 0)))",
	"(i32x4.replace_lane 0 (local.get 0) (i16x8.extract_lane_u 5 (local.get 0)))",
	"(i8x16.replace_lane 13 (local.get 0) (i32x4.extract_lane 2 (local.get 0)))",
	"(i16x8.replace_lane 6 (local.get 0) (i32x4.extract_lane 3 (local.get 0)))",
	"(i64x2.replace_lane 0 (local.get 0) (i64x2.extract_lane 1 (local.get 0)))",
	"(f32x4.replace_lane 3 (local.get 0) (f32x4.extract_lane 1 (local.get 0)))",
	"(f64x2.replace_lane 1 (local.get 0) (f64x2.extract_lane 0 (local.get 0)))",
	"(i32x4.replace_lane 1 (local.get 0) (i32x4.extract_lane 0 (local.get 0)))",
	"(i8x16.replace_lane 0 (local.get 0) (i32.const -2))",
	"(v128.load8_lane 7 (i32.const 3) (local.get 0))",
	"(v128.load16_lane 5 (i32.const 5) (local.get 0))",
	"(v128.load32_lane 2 (i32.const 6) (local.get 0))",
	"(v128.load64_lane 1 (i32.const 1) (local.get 0))",
	"(v128.store8_lane 11 (i32.const 20) (local.get 0)) (v128.load (i32.const 16))",
	"(v128.store16_lane 3 (i32.const 19) (local.get 0)) (v128.load (i32.const 16))",
	"(v128.store32_lane 3 (i32.const 21) (local.get 0)) (v128.load (i32.const 16))",
	"(v128.store64_lane 0 (i32.const 17) (local.get 0)) (v128.load (i32.const 16))",
	"(i32x4.replace_lane 0 (local.get 0) (v128.any_true (local.get 0)))",
};

START_TEST(simd_lanes_sse41)
{
	static const uint8_t inputs[][16] = {
		{ 0x01, 0x80, 0x7f, 0xff, 0x00, 0x81, 0x40, 0xfe,
		  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
		  0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0 },
	};
	const size_t nb = sizeof lane_bodies / sizeof lane_bodies[0];
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "(module (memory 1)\n"
		"  (data (i32.const 0) \"\\a1\\b2\\c3\\d4\\e5\\f6\\07\\18\\29\\3a\\4b\\5c\\6d\\7e\\8f\\90\")\n");
	for (size_t k = 0; k < nb; k++)
		n += (size_t)snprintf(text + n, sizeof text - n,
			"  (func (export \"l%zu\") (param v128) (result v128) %s)\n", k,
			lane_bodies[k]);
	snprintf(text + n, sizeof text - n, ")\n");
	ck_assert_uint_lt(n, sizeof text - 4);
	rigs r;
	rigs_up_at(&r, text, WASM_TIER_OPT);
	unsigned nlane = 0, nload_lane = 0;
	bool avx = mir_cpu()->avx && !no_avx();
	for (size_t k = 0; k < nb; k++) {
		char name[8];
		snprintf(name, sizeof name, "l%zu", k);
		for (size_t in = 0; in < sizeof inputs / sizeof inputs[0]; in++) {
			v128_agree(&r.in, &r.bl, &r.o, name, inputs[in], lane_bodies[k], in);
		}
		if (!mir_cpu()->sse41)
			continue;
		ir_func *f;
		mir_func *mf = lower_export(&r.o, name, &f);
		for (uint32_t bi = 0; bi < mf->nb; bi++)
			for (uint32_t ii = 0; ii < mf->b[bi].n; ii++) {
				const mir_insn *m = &mf->b[bi].insn[ii];
				if (!mir_is_simd(m) || m->aux == OP_V_V128_LOAD)
					continue;
				unsigned nx, ng;
				mir_simd_scratch(m, &nx, &ng);
				ck_assert_msg(nx == 0 && ng == 0, "%s: %s with %u XMM, %u GPR "
					"scratch", lane_bodies[k], op_infos[m->aux].name, nx, ng);
				nlane++;
				/* with AVX load_lane is vpinsr d, a, [m], k: a VOP3, no
				 * copy of a into d first */
				if (jit_simd_forms[m->aux].kind == VK_LOAD_LANE) {
					ck_assert_msg(m->op == (avx ? MIR_VOP3 : MIR_VOP), "%s",
						lane_bodies[k]);
					nload_lane++;
				}
			}
		mir_free(mf);
		ir_func_free(f);
	}
	/* ten extract + replace pairs, a replace, four load_lanes, four
	 * store_lanes, any_true and its replace */
	if (mir_cpu()->sse41) {
		ck_assert_uint_eq(nlane, 2 * 10 + 1 + 4 + 4 + 2);
		ck_assert_uint_eq(nload_lane, 4);
	}
	rigs_down(&r);
}
END_TEST

/* The all-ones of v128.not and of the negated compares (ne, le_s, the
 * unsigned gt via min) is the pool's, a memory operand of the pxor (pxor
 * d, [rip+k]), not a pcmpeqd x, x first: no pcmpeqd in these (whose
 * compares are pcmpeqb/w, pcmpgtw, pminub). */
static const char *const not_bodies[] = {
	"(v128.not (local.get 0))",
	"(i8x16.ne (local.get 0) (i8x16.shl (local.get 0) (i32.const 1)))",
	"(i16x8.le_s (local.get 0) (i8x16.shl (local.get 0) (i32.const 1)))",
	"(i8x16.gt_u (local.get 0) (i8x16.shl (local.get 0) (i32.const 1)))",
};

START_TEST(simd_not_pool)
{
	static const uint8_t in[16] = { 0x01, 0x80, 0x7f, 0xff, 0x00, 0x81, 0x40, 0xfe,
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	const size_t nb = sizeof not_bodies / sizeof not_bodies[0];
	char text[2048];
	size_t n = (size_t)snprintf(text, sizeof text, "(module\n");
	for (size_t k = 0; k < nb; k++)
		n += (size_t)snprintf(text + n, sizeof text - n,
			"  (func (export \"n%zu\") (param v128) (result v128) %s)\n", k,
			not_bodies[k]);
	snprintf(text + n, sizeof text - n, ")\n");
	rigs r;
	rigs_up_at(&r, text, WASM_TIER_OPT);
	for (size_t k = 0; k < nb; k++) {
		char name[8];
		snprintf(name, sizeof name, "n%zu", k);
		v128_agree(&r.in, &r.bl, &r.o, name, in, not_bodies[k], 0);
		uint32_t idx;
		export_func(&r.o, name, &idx);
		mir_code code;
		wasm_error err;
		ck_assert_int_eq(opt_codegen(r.o.m, idx, NULL, true, &code, &err), WASM_OK);
		ck_assert_msg(!has_op66(code.code, code.len, 0x76), "%s: pcmpeqd",
			not_bodies[k]);
		free(code.code);
		free(code.pc);
		free(code.loops);
	}
	rigs_down(&r);
}
END_TEST

/* i32x4.extadd_pairwise_i16x8_u of lanes below 2^15 (the pairwise sums
 * or zero-extensions of bytes) lowers as the _s one (a pmaddwd by ones,
 * not bias, pmaddwd, unbias); of any other value it stays _u.  Values as
 * the interpreter's and the baseline's, with 0xff bytes (sums of 510)
 * and 0xffff words. */
static const struct { const char *body; bool s; } extadd_cases[] = {
	{ "(i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get 0)))", true },
	{ "(i32x4.extadd_pairwise_i16x8_u (i16x8.extend_high_i8x16_u (local.get 0)))", true },
	{ "(i32x4.extadd_pairwise_i16x8_u (i16x8.extend_low_i8x16_u (local.get 0)))", true },
	{ "(i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_s (local.get 0)))", false },
	{ "(i32x4.extadd_pairwise_i16x8_u (local.get 0))", false },
};

START_TEST(simd_extadd_u16_of_bytes)
{
	static const uint8_t inputs[][16] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x80, 0x7f, 0xff, 0x00, 0x81, 0x40, 0xfe,
		  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 },
	};
	const size_t nc = sizeof extadd_cases / sizeof extadd_cases[0];
	char text[2048];
	size_t n = (size_t)snprintf(text, sizeof text, "(module\n");
	for (size_t k = 0; k < nc; k++)
		n += (size_t)snprintf(text + n, sizeof text - n,
			"  (func (export \"x%zu\") (param v128) (result v128) %s)\n", k,
			extadd_cases[k].body);
	snprintf(text + n, sizeof text - n, ")\n");
	rigs r;
	rigs_up_at(&r, text, WASM_TIER_OPT);
	for (size_t k = 0; k < nc; k++) {
		char name[8];
		snprintf(name, sizeof name, "x%zu", k);
		for (size_t in = 0; in < sizeof inputs / sizeof inputs[0]; in++) {
			v128_agree(&r.in, &r.bl, &r.o, name, inputs[in], extadd_cases[k].body, in);
		}
		ir_func *f;
		mir_func *mf = lower_export(&r.o, name, &f);
		unsigned ns = 0, nu = 0;
		for (uint32_t bi = 0; bi < mf->nb; bi++)
			for (uint32_t ii = 0; ii < mf->b[bi].n; ii++) {
				const mir_insn *m = &mf->b[bi].insn[ii];
				if (!mir_is_simd(m))
					continue;
				ns += m->aux == OP_V_I32X4_EXTADD_PAIRWISE_I16X8_S;
				nu += m->aux == OP_V_I32X4_EXTADD_PAIRWISE_I16X8_U;
			}
		ck_assert_msg(ns == (extadd_cases[k].s ? 1u : 0u) && ns + nu == 1,
			"%s: %u _s, %u _u", extadd_cases[k].body, ns, nu);
		mir_free(mf);
		ir_func_free(f);
	}
	rigs_down(&r);
}
END_TEST

/* Code size against the baseline's for the same functions (printed). */
START_TEST(code_size)
{
	size_t len;
	uint8_t *bytes = wat(int_wat, &len);
	rig o, b;
	rig_up(&o, bytes, len, WASM_TIER_AUTO);
	rig_up(&b, bytes, len, WASM_TIER_AUTO);
	free(bytes);
	size_t total_o = 0, total_b = 0;
	for (size_t k = 0; k < NINT_FUNCS; k++) {
		size_t so = opt_install(&o, int_funcs[k]);
		uint32_t idx;
		export_func(&b, int_funcs[k], &idx);
		ck_assert_ptr_nonnull(fcode_get(b.m, idx));
		ck_assert_msg(jit_compile(b.m, idx), "baseline refused %s", int_funcs[k]);
		size_t sb = jit_func_get(b.m, idx)->size;
		total_o += so;
		total_b += sb;
		if (getenv("CHECK_OPT_SIZES"))
			fprintf(stderr, "%-10s opt %5zu baseline %5zu\n", int_funcs[k], so, sb);
	}
	if (getenv("CHECK_OPT_SIZES"))
		fprintf(stderr, "%-10s opt %5zu baseline %5zu\n", "total", total_o, total_b);
	ck_assert_uint_lt(total_o, total_b);
	rig_down(&o);
	rig_down(&b);
}
END_TEST

/* ---- the body cap: a body of OPT_MAX_BODY_BYTES compiles, one byte more not */

static size_t put_uleb(uint8_t *p, uint32_t v)
{
	size_t n = 0;
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		p[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
	} while (v);
	return n;
}

/* A module exporting "f" (param i32) (result i32), its body `size` bytes
 * (as tier_opt.c counts them: the code after the locals, end included):
 * (local.set 0 (i32.add (local.get 0) (i32.const 1))) *adds, nops to
 * the size, local.get 0.  Its length in *len; free it. */
static uint8_t *cap_module(uint32_t size, uint32_t *adds, size_t *len)
{
	static const uint8_t head[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f,        /* type (i32) -> i32 */
		3, 2, 1, 0,                             /* func 0: type 0 */
		7, 5, 1, 1, 'f', 0, 0,                  /* export "f" func 0 */
	};
	static const uint8_t add[] = { 0x20, 0, 0x41, 1, 0x6a, 0x21, 0 };
	uint32_t code = size - 1 - 2;           /* less end and local.get 0 */
	*adds = code / sizeof add;
	uint8_t *m = malloc(sizeof head + size + 32);
	ck_assert_ptr_nonnull(m);
	size_t n = sizeof head;
	memcpy(m, head, n);
	uint8_t fn[16], sec[16];
	size_t nf = put_uleb(fn, size + 1);     /* + the locals' count */
	size_t ns = put_uleb(sec, (uint32_t)(1 + nf + size + 1));
	m[n++] = 10;
	memcpy(m + n, sec, ns);
	n += ns;
	m[n++] = 1;                             /* one body */
	memcpy(m + n, fn, nf);
	n += nf;
	m[n++] = 0;                             /* no locals */
	for (uint32_t k = 0; k < *adds; k++, n += sizeof add)
		memcpy(m + n, add, sizeof add);
	for (uint32_t k = 0; k < code % sizeof add; k++)
		m[n++] = 0x01;                  /* nop */
	m[n++] = 0x20;
	m[n++] = 0;
	m[n++] = 0x0b;
	*len = n;
	return m;
}

START_TEST(body_cap)
{
	for (uint32_t over = 0; over <= 1; over++) {
		uint32_t size = OPT_MAX_BODY_BYTES + over, adds;
		size_t len;
		uint8_t *bytes = cap_module(size, &adds, &len);
		rig r;
		rig_up(&r, bytes, len, WASM_TIER_OPT);
		const func_t *fn = &r.m->funcs[0];
		ck_assert_uint_eq(fn->body_end - fn->body_offset, size);
		wasm_error err;
		wasm_value a = { .type = WASM_I32, .of.i32 = 5 }, res;
		ck_assert_int_eq(wasm_func_call(r.s, export_func(&r, "f", NULL),
			&a, 1, &res, 1, &err), WASM_OK);
		ck_assert_int_eq(res.of.i32, 5 + (int32_t)adds);
		wasm_module_stats st;
		wasm_module_stats_get(r.m, &st);
		const wasm_tier_stats *o = &st.tiers[WASM_TIER_OPT];
		ck_assert_uint_eq(o->nfuncs, !over);
		ck_assert_uint_eq(o->nfuncs_refused, over);
		if (over)
			ck_assert_str_eq(st.refused_reason[WASM_TIER_OPT],
				OPT_TOO_LARGE_REASON);
		else
			ck_assert_ptr_null(st.refused_reason[WASM_TIER_OPT]);
		rig_down(&r);
		free(bytes);
	}
}
END_TEST

/* A module exporting "f" (param i32) (result i32) with 511 i32 locals
 * (512 slots) and nloop loops (loop (br_if 0 (i32.eqz (local.get 0)))),
 * returning its parameter.  Its length in *len; free it. */
static uint8_t *loops_module(uint32_t nloop, size_t *len)
{
	static const uint8_t head[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f,
		3, 2, 1, 0,
		7, 5, 1, 1, 'f', 0, 0,
	};
	static const uint8_t loop[] = { 0x03, 0x40, 0x20, 0, 0x45, 0x0d, 0, 0x0b };
	static const uint8_t locals[] = { 1, 0xff, 0x03, 0x7f };  /* 511 i32 */
	uint32_t size = sizeof locals + nloop * sizeof loop + 3;
	uint8_t *m = malloc(sizeof head + size + 32);
	ck_assert_ptr_nonnull(m);
	size_t n = sizeof head;
	memcpy(m, head, n);
	uint8_t fn[16], sec[16];
	size_t nf = put_uleb(fn, size);
	size_t ns = put_uleb(sec, (uint32_t)(1 + nf + size));
	m[n++] = 10;
	memcpy(m + n, sec, ns);
	n += ns;
	m[n++] = 1;
	memcpy(m + n, fn, nf);
	n += nf;
	memcpy(m + n, locals, sizeof locals);
	n += sizeof locals;
	for (uint32_t k = 0; k < nloop; k++, n += sizeof loop)
		memcpy(m + n, loop, sizeof loop);
	m[n++] = 0x20;
	m[n++] = 0;
	m[n++] = 0x0b;
	*len = n;
	return m;
}

/* OPT_MAX_LOOP_SLOTS: loop headers times slots at the bound compile, one
 * loop more is refused with its reason (the body far under the cap) */
START_TEST(loop_slots_cap)
{
	uint32_t at = OPT_MAX_LOOP_SLOTS / 512;
	ck_assert_uint_eq(at * 512, OPT_MAX_LOOP_SLOTS);
	for (uint32_t over = 0; over <= 1; over++) {
		size_t len;
		uint8_t *bytes = loops_module(at + over, &len);
		rig r;
		rig_up(&r, bytes, len, WASM_TIER_OPT);
		ck_assert_uint_lt(r.m->funcs[0].body_end - r.m->funcs[0].body_offset,
			OPT_MAX_BODY_BYTES);
		wasm_error err;
		wasm_value a = { .type = WASM_I32, .of.i32 = 5 }, res;
		ck_assert_int_eq(wasm_func_call(r.s, export_func(&r, "f", NULL),
			&a, 1, &res, 1, &err), WASM_OK);
		ck_assert_int_eq(res.of.i32, 5);
		wasm_module_stats st;
		wasm_module_stats_get(r.m, &st);
		const wasm_tier_stats *o = &st.tiers[WASM_TIER_OPT];
		ck_assert_uint_eq(o->nfuncs, !over);
		ck_assert_uint_eq(o->nfuncs_refused, over);
		if (over)
			ck_assert_str_eq(st.refused_reason[WASM_TIER_OPT],
				OPT_TOO_MANY_LOOP_SLOTS_REASON);
		rig_down(&r);
		free(bytes);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opt_codegen");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lowering_patterns);
	tcase_add_test(tc, back_edge_one_jcc);
	tcase_add_test(tc, loop_check_registers);
	tcase_add_test(tc, phi_hint_back_edge);
	tcase_add_test(tc, regalloc_choices);
	tcase_add_test(tc, pressure_split);
	tcase_add_test(tc, read_split_inner_loop);
	tcase_add_test(tc, read_split_dead_after);
	tcase_add_test(tc, verifier_slots_jtcase);
	tcase_add_test(tc, families_compiled);
	tcase_add_test(tc, run_floats);
	tcase_add_test(tc, float_traps_located);
	tcase_add_test(tc, run_ints_callee_interpreted);
	tcase_add_test(tc, run_ints_callee_compiled);
	tcase_add_test(tc, traps_located);
	tcase_add_test(tc, code_size);
	tcase_add_test(tc, simd_shift_counts);
	tcase_add_test(tc, bmi_rotates_andn);
	tcase_add_test(tc, simd_consts_pool);
	tcase_add_test(tc, simd_load_memop);
	tcase_add_test(tc, simd_high_unsigned);
	tcase_add_test(tc, simd_splats_no_gpr);
	tcase_add_test(tc, simd_lanes_sse41);
	tcase_add_test(tc, simd_not_pool);
	tcase_add_test(tc, simd_extadd_u16_of_bytes);
	tcase_add_test(tc, body_cap);
	tcase_add_test(tc, loop_slots_cap);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
