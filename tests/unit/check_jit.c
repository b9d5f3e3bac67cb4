/* check_jit.c -- tier 1 (the baseline JIT) and tiering, through the public
 * API.  The spec suite runs in every tier (run-spec-*.sh) and the
 * differential test compares them on random modules (tests/diff); these
 * cases pin down what neither does: recursion that must trap in every mix
 * of tiers, OSR, traps' locations in JIT code, host calls in and out of JIT
 * code, interruption and fuel, statistics, a caller's code region.
 *
 * Modules are written in the text format and assembled with $WAT2WASM
 * (default wat2wasm) at test time. */
#include "wasm.h"
#include "interp/fcode.h"
#include "jit/base/jit_baseline.h"
#include "jit/jit.h"
#include "jit/jit_mem.h"
#include "jit/jit_simd.h"
#include "jit/opt/passes.h"

#include "testlib.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* wat(): testlib.h */

typedef struct {
	wasm_engine *e;
	wasm_module *m;
	wasm_store *s;
	wasm_instance *inst;
} rig;

static void rig_up_cfg(rig *r, const char *text, const wasm_config *cfg,
	const wasm_extern *imports, size_t nimports)
{
	wasm_error err;
	size_t len;
	uint8_t *bytes = wat(text, &len);
	r->e = wasm_engine_new(cfg);
	ck_assert_int_eq(wasm_module_load(r->e, bytes, len, &r->m, &err), WASM_OK);
	free(bytes);
	r->s = wasm_store_new(r->e);
	ck_assert_int_eq(wasm_instance_new(r->s, r->m, imports, nimports,
		&r->inst, &err), WASM_OK);
}

static void rig_up(rig *r, const char *text, wasm_tier tier, uint32_t threshold,
	const wasm_extern *imports, size_t nimports)
{
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.tier = tier;
	cfg.tier_threshold = threshold;
	rig_up_cfg(r, text, &cfg, imports, nimports);
}

static void rig_down(rig *r)
{
	wasm_store_free(r->s);
	wasm_module_free(r->m);
	wasm_engine_free(r->e);
}

static wasm_func *export_func(rig *r, const char *name)
{
	wasm_extern x;
	ck_assert(wasm_instance_export(r->inst, name, &x));
	ck_assert_int_eq(x.kind, WASM_EXTERN_FUNC);
	return x.of.func;
}

/* Calls name(i32) -> i32 (or no result: *out untouched). */
static wasm_status call_i32(rig *r, const char *name, int32_t arg, int32_t *out,
	wasm_error *err)
{
	wasm_func *f = export_func(r, name);
	wasm_functype t;
	wasm_func_type(f, &t);
	wasm_value a = { .type = WASM_I32, .of.i32 = arg }, res;
	wasm_status st = wasm_func_call(r->s, f, &a, t.nparams, &res, t.nresults, err);
	if (st == WASM_OK && t.nresults)
		*out = res.of.i32;
	return st;
}

/* The tiers and thresholds every case runs in: interpreter, baseline, and
 * automatic with thresholds that switch tiers at different depths, the
 * optimizing tier taking over from the baseline early (opt 1, 3, 7) or
 * not in the test's time (0: the default). */
static const struct { wasm_tier tier; uint32_t threshold, opt; } mixes[] = {
	{ WASM_TIER_INTERP, 0, 0 }, { WASM_TIER_BASELINE, 0, 0 },
	{ WASM_TIER_AUTO, 1, 0 }, { WASM_TIER_AUTO, 2, 0 }, { WASM_TIER_AUTO, 3, 0 },
	{ WASM_TIER_AUTO, 7, 0 }, { WASM_TIER_AUTO, 1000, 0 },
	{ WASM_TIER_AUTO, 1, 1 }, { WASM_TIER_AUTO, 2, 3 }, { WASM_TIER_AUTO, 3, 7 },
	{ WASM_TIER_OPT, 0, 0 },
};
#define NMIXES (sizeof mixes / sizeof mixes[0])

static void mix_config(wasm_config *cfg, size_t k)
{
	wasm_config_default(cfg);
	cfg->tier = mixes[k].tier;
	cfg->tier_threshold = mixes[k].threshold;
	cfg->opt_threshold = mixes[k].opt;
}

static void rig_up_mix(rig *r, const char *text, size_t k)
{
	wasm_config cfg;
	mix_config(&cfg, k);
	rig_up_cfg(r, text, &cfg, NULL, 0);
}

/* ---- recursion ---------------------------------------------------------- */

static const char rec_wat[] =
	"(module\n"
	"  (type $t (func (param i32) (result i32)))\n"
	"  (table 2 funcref)\n"
	"  (elem (i32.const 0) $f $g)\n"
	"  (func $f (export \"f\") (param i32) (result i32)\n"
	"    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))\n"
	"      (else (i32.add (i32.const 1) (call $g (i32.sub (local.get 0) (i32.const 1)))))))\n"
	"  (func $g (param i32) (result i32)\n"
	"    (call_indirect (type $t) (local.get 0) (i32.and (local.get 0) (i32.const 0))))\n"
	"  (func (export \"runaway\") (param i32) (result i32)\n"
	"    (call $f (i32.const -1)))\n"
	"  (func $h (export \"h\") (param i32) (result i32) (local f64 f64)\n"
	"    (i32.add (local.get 0) (call $h (local.get 0)))))\n";

START_TEST(recursion_every_mix)
{
	for (size_t k = 0; k < NMIXES; k++) {
		rig r;
		wasm_error err;
		int32_t v = 0;
		rig_up_mix(&r, rec_wat, k);
		/* deep but fine */
		ck_assert_int_eq(call_i32(&r, "f", 5000, &v, &err), WASM_OK);
		ck_assert_int_eq(v, 5000);
		/* runaway, through direct and indirect calls: a trap, twice
		 * (the store stays usable), then fine again */
		for (int i = 0; i < 2; i++) {
			ck_assert_int_eq(call_i32(&r, "runaway", 0, &v, &err), WASM_ERR_TRAP);
			ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
			ck_assert_int_eq(call_i32(&r, "h", 1, &v, &err), WASM_ERR_TRAP);
			ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
		}
		ck_assert_int_eq(call_i32(&r, "f", 300, &v, &err), WASM_OK);
		ck_assert_int_eq(v, 300);
		rig_down(&r);
	}
}
END_TEST

/* The frame count is exact after calls that return: each run first makes
 * a few hundred calls that come back -- of $leaf (tier 2 inlines it), of
 * $down (which tier 2 inlines, and into itself once), through
 * call_indirect, of $vleaf (never inlined: a v128 value) -- all in one
 * activation, then recurses n levels through call_indirect, whose
 * callee reads the count as the last of them left it: after a call
 * ("after_call"), an inlined callee's return ("after_inlined") or a
 * call_indirect ("after_ret": as the callee's return left it).  A record
 * lost or left over by any of them would move the depth at which
 * max_call_depth is reached, which must be the interpreter's in every
 * mix: each export returns for n0 - 1 and overflows for n0. */
static const char depth_wat[] =
	"(module\n"
	"  (type $t (func (param i32) (result i32)))\n"
	"  (table 2 funcref)\n"
	"  (elem (i32.const 0) $leaf $down)\n"
	"  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))\n"
	"  (func $vleaf (param i32) (result i32)\n"
	"    (i32x4.extract_lane 1 (i32x4.splat (local.get 0))))\n"
	"  (func $down (param i32) (result i32)\n"
	"    (if (result i32) (i32.eqz (local.get 0)) (then (call $leaf (local.get 0)))\n"
	"      (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1)))\n"
	"                     (i32.const 2)))))\n"
	"  (func $warm (param i32) (result i32) (local i32)\n"
	"    (loop $l\n"
	"      (local.set 1 (i32.add (local.get 1) (call $leaf (local.get 0))))\n"
	"      (local.set 1 (i32.add (local.get 1) (call $down (i32.const 3))))\n"
	"      (local.set 1 (i32.add (local.get 1)\n"
	"        (call_indirect (type $t) (local.get 0) (i32.const 0))))\n"
	"      (local.set 1 (i32.add (local.get 1) (call $vleaf (local.get 0))))\n"
	"      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))\n"
	"    (local.get 1))\n"
	"  (func (export \"after_call\") (param i32) (result i32) (local i32)\n"
	"    (local.set 1 (call $warm (i32.const 40)))\n"
	"    (local.set 1 (i32.add (local.get 1) (call $vleaf (local.get 0))))\n"
	"    (i32.add (local.get 1)\n"
	"      (call_indirect (type $t) (local.get 0) (i32.const 1))))\n"
	"  (func (export \"after_inlined\") (param i32) (result i32) (local i32)\n"
	"    (local.set 1 (call $warm (i32.const 40)))\n"
	"    (local.set 1 (i32.add (local.get 1) (call $down (i32.const 2))))\n"
	"    (i32.add (local.get 1)\n"
	"      (call_indirect (type $t) (local.get 0) (i32.const 1))))\n"
	"  (func (export \"after_ret\") (param i32) (result i32) (local i32)\n"
	"    (local.set 1 (call $warm (i32.const 40)))\n"
	"    (local.set 1 (i32.add (local.get 1)\n"
	"      (call_indirect (type $t) (i32.const 5) (i32.const 1))))\n"
	"    (i32.add (local.get 1)\n"
	"      (call_indirect (type $t) (local.get 0) (i32.const 1)))))\n";

START_TEST(call_depth_exact_every_mix)
{
	enum { DEPTH = 40 };
	static const char *const names[] = { "after_call", "after_inlined", "after_ret" };
	for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) {
		int32_t n0 = -1, want = 0;
		for (size_t k = 0; k < NMIXES; k++) {
			wasm_config cfg;
			mix_config(&cfg, k);
			cfg.max_call_depth = DEPTH;
			rig r;
			rig_up_cfg(&r, depth_wat, &cfg, NULL, 0);
			wasm_error err;
			int32_t v = 0;
			if (n0 < 0) {
				/* mixes[0], the interpreter: the first depth that
				 * overflows */
				ck_assert_int_eq(mixes[k].tier, WASM_TIER_INTERP);
				for (n0 = 0; n0 <= DEPTH; n0++)
					if (call_i32(&r, names[j], n0, &v, &err) != WASM_OK)
						break;
				ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
				/* the export's, $down's n + 1 and $leaf's */
				ck_assert_int_eq(n0, DEPTH - 2);
				ck_assert_int_eq(call_i32(&r, names[j], n0 - 1, &want, &err),
					WASM_OK);
			}
			/* again and again: the tiers come in on the way (auto) */
			for (int i = 0; i < 4; i++) {
				ck_assert_int_eq(call_i32(&r, names[j], n0 - 1, &v, &err), WASM_OK);
				ck_assert_int_eq(v, want);
				ck_assert_int_eq(call_i32(&r, names[j], n0, &v, &err),
					WASM_ERR_TRAP);
				ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
			}
			rig_down(&r);
		}
	}
}
END_TEST

/* JIT code on a thread with a small native stack: calls work, runaway
 * recursion still traps. */
static void *small_stack_run(void *arg)
{
	rig *r = arg;
	wasm_error err;
	int32_t v = 0;
	ck_assert_int_eq(call_i32(r, "f", 50, &v, &err), WASM_OK);
	ck_assert_int_eq(v, 50);
	ck_assert_int_eq(call_i32(r, "runaway", 0, &v, &err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
	return NULL;
}

START_TEST(small_thread_stack)
{
	rig r;
	pthread_attr_t a;
	pthread_t t;
	rig_up(&r, rec_wat, WASM_TIER_BASELINE, 0, NULL, 0);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256u * 1024u);
	ck_assert_int_eq(pthread_create(&t, &a, small_stack_run, &r), 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&a);
	rig_down(&r);
}
END_TEST

/* A host function that calls back into wasm: recursion through the host
 * must trap (not crash) in every tier too. */
static wasm_store *reenter_store;
static wasm_func *reenter_target;

static wasm_status reenter(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(void)env;
	wasm_value a = { .type = WASM_I32, .of.i32 = (int32_t)slots[0] }, res;
	wasm_error err;
	wasm_status st = wasm_func_call(reenter_store, reenter_target, &a, 1, &res, 1, &err);
	if (st != WASM_OK)
		return wasm_call_trap(ctx, err.trap, "nested call trapped");
	slots[0] = (uint32_t)res.of.i32;
	return WASM_OK;
}

START_TEST(host_reentry)
{
	static const char text[] =
		"(module (import \"env\" \"back\" (func $back (param i32) (result i32)))\n"
		"  (func (export \"down\") (param i32) (result i32)\n"
		"    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7))\n"
		"      (else (i32.add (i32.const 1)\n"
		"        (call $back (i32.sub (local.get 0) (i32.const 1))))))))\n";
	for (size_t k = 0; k < NMIXES; k++) {
		wasm_config cfg;
		mix_config(&cfg, k);
		wasm_engine *e = wasm_engine_new(&cfg);
		wasm_store *s = wasm_store_new(e);
		static const uint8_t i32[1] = { WASM_I32 };
		wasm_functype ft = { 1, 1, i32, i32 };
		wasm_extern imp = { .kind = WASM_EXTERN_FUNC };
		imp.of.func = wasm_func_new_host(s, &ft, reenter, NULL);
		size_t len;
		uint8_t *bytes = wat(text, &len);
		wasm_module *m;
		wasm_instance *inst;
		wasm_error err;
		ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
		free(bytes);
		ck_assert_int_eq(wasm_instance_new(s, m, &imp, 1, &inst, &err), WASM_OK);
		wasm_extern x;
		ck_assert(wasm_instance_export(inst, "down", &x));
		reenter_store = s;
		reenter_target = x.of.func;
		wasm_value a = { .type = WASM_I32, .of.i32 = 100 }, res;
		ck_assert_int_eq(wasm_func_call(s, x.of.func, &a, 1, &res, 1, &err), WASM_OK);
		ck_assert_int_eq(res.of.i32, 107);
		a.of.i32 = 1000000;       /* past the nesting limit */
		ck_assert_int_eq(wasm_func_call(s, x.of.func, &a, 1, &res, 1, &err),
			WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
		a.of.i32 = 3;
		ck_assert_int_eq(wasm_func_call(s, x.of.func, &a, 1, &res, 1, &err), WASM_OK);
		ck_assert_int_eq(res.of.i32, 10);
		wasm_module_free(m);
		wasm_store_free(s);
		wasm_engine_free(e);
	}
}
END_TEST

/* ---- traps in JIT code ----------------------------------------------------- */

static const char trap_wat[] =
	"(module (memory 1)\n"
	"  (func (export \"div\") (param i32) (result i32)\n"
	"    (i32.div_s (i32.const 1) (local.get 0)))\n"
	"  (func (export \"load\") (param i32) (result i32)\n"
	"    (i32.add (i32.const 1) (i32.load offset=4 (local.get 0))))\n"
	"  (func (export \"conv\") (param i32) (result i32)\n"
	"    (i32.trunc_f64_s (f64.convert_i32_s (local.get 0)) ) (drop)\n"
	"    (i32.trunc_f32_u (f32.const -1)))\n"
	"  (func (export \"unreach\") (param i32) (result i32) (unreachable))\n"
	/* a load that is a call's last argument, a store followed by a call:
	 * the interpreter once named the call */
	"  (func $two (param i32 i32) (result i32) (local.get 1))\n"
	"  (func (export \"loadarg\") (param i32) (result i32)\n"
	"    (call $two (local.get 0) (i32.load offset=65536 (local.get 0))))\n"
	"  (func (export \"storecall\") (param i32) (result i32)\n"
	"    (i64.store offset=65530 (local.get 0) (i64.const 1))\n"
	"    (call $two (local.get 0) (local.get 0))))\n";

START_TEST(trap_locations)
{
	static const struct { const char *name; int32_t arg; wasm_trap_kind kind; } cases[] = {
		{ "div", 0, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO },
		{ "load", 65534, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
		{ "load", -1, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
		{ "conv", 5, WASM_TRAP_INTEGER_OVERFLOW },
		{ "unreach", 0, WASM_TRAP_UNREACHABLE },
		{ "loadarg", 0, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
		{ "storecall", 3, WASM_TRAP_OUT_OF_BOUNDS_MEMORY },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wasm_error ei, eb;
		rig ri, rb;
		int32_t v;
		rig_up(&ri, trap_wat, WASM_TIER_INTERP, 0, NULL, 0);
		rig_up(&rb, trap_wat, WASM_TIER_BASELINE, 0, NULL, 0);
		ck_assert_int_eq(call_i32(&ri, cases[i].name, cases[i].arg, &v, &ei), WASM_ERR_TRAP);
		ck_assert_int_eq(call_i32(&rb, cases[i].name, cases[i].arg, &v, &eb), WASM_ERR_TRAP);
		ck_assert_int_eq(eb.trap, cases[i].kind);
		ck_assert_int_eq(ei.trap, eb.trap);
		ck_assert_uint_eq(ei.func_index, eb.func_index);
		ck_assert_str_eq(ei.message, eb.message);
		ck_assert_uint_ne(eb.offset, SIZE_MAX);
		ck_assert_uint_eq(ei.offset, eb.offset);
		/* and the JIT code still runs */
		ck_assert_int_eq(call_i32(&rb, "div", 1, &v, &eb), WASM_OK);
		ck_assert_int_eq(v, 1);
		rig_down(&ri);
		rig_down(&rb);
	}
}
END_TEST

/* Stack overflow is reported at the callee's entry, with the same function
 * and offset in every mix of tiers: each activation counts one frame
 * whichever tier runs it (mutual recursion tells an off-by-one apart). */
START_TEST(stack_overflow_site_every_mix)
{
	static const char text[] =
		"(module\n"
		"  (func $even (export \"even\") (param i32) (result i32)\n"
		"    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))\n"
		"      (else (call $odd (i32.add (local.get 0) (i32.const 1))))))\n"
		"  (func $odd (param i32) (result i32)\n"
		"    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))\n"
		"      (else (call $even (i32.add (local.get 0) (i32.const 1)))))))\n";
	wasm_error ref;
	for (size_t k = 0; k < NMIXES; k++) {
		rig r;
		wasm_error err;
		int32_t v;
		rig_up_mix(&r, text, k);
		ck_assert_int_eq(call_i32(&r, "even", 1, &v, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_STACK_OVERFLOW);
		ck_assert_uint_ne(err.offset, SIZE_MAX);
		if (k == 0) {
			ref = err;
		} else {
			ck_assert_msg(err.func_index == ref.func_index &&
				err.offset == ref.offset, "mix %zu: function %u at "
				"%zx, interpreter: function %u at %zx", k,
				err.func_index, err.offset, ref.func_index, ref.offset);
		}
		rig_down(&r);
	}
}
END_TEST

/* i64.eqz fused with br_if branches on all 64 bits (found by toyc). */
START_TEST(i64_eqz_branch)
{
	static const char text[] =
		"(module (func (export \"f\") (param i32) (result i32)\n"
		"  (block (br_if 0 (i64.eqz (i64.shl (i64.extend_i32_u (local.get 0))\n"
		"      (i64.const 32))))\n"
		"    (return (i32.const 1)))\n"
		"  (i32.const 0)))\n";
	for (size_t k = 0; k < NMIXES; k++) {
		rig r;
		wasm_error err;
		int32_t v = -1;
		rig_up_mix(&r, text, k);
		ck_assert_int_eq(call_i32(&r, "f", 1, &v, &err), WASM_OK);
		ck_assert_int_eq(v, 1);
		ck_assert_int_eq(call_i32(&r, "f", 0, &v, &err), WASM_OK);
		ck_assert_int_eq(v, 0);
		rig_down(&r);
	}
}
END_TEST

/* ---- OSR, interruption, fuel, statistics ------------------------------------- */

static const char loop_wat[] =
	"(module\n"
	"  (func (export \"sum\") (param i32) (result i32) (local i32 f64)\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.eqz (local.get 0)))\n"
	"      (local.set 1 (i32.add (local.get 1) (local.get 0)))\n"
	"      (local.set 2 (f64.add (local.get 2) (f64.const 0.5)))\n"
	"      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (i32.add (local.get 1) (i32.trunc_f64_s (local.get 2))))\n"
	"  (func (export \"spin\") (param i32) (result i32) (loop (br 0)) (i32.const 0)))\n";

START_TEST(osr_moves_a_running_loop)
{
	rig r;
	wasm_error err;
	int32_t v = 0;
	wasm_module_stats st;
	rig_up(&r, loop_wat, WASM_TIER_AUTO, 100, NULL, 0);
	/* one call: the loop passes the threshold mid-call */
	ck_assert_int_eq(call_i32(&r, "sum", 100000, &v, &err), WASM_OK);
	ck_assert_int_eq(v, (int32_t)(100000u * 100001u / 2u) + 50000);
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].osr_entries, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 1);
	ck_assert_uint_gt(st.tiers[WASM_TIER_BASELINE].code_bytes, 0);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs_refused, 0);
	/* a second call enters the JIT code at once */
	ck_assert_int_eq(call_i32(&r, "sum", 10, &v, &err), WASM_OK);
	ck_assert_int_eq(v, 55 + 5);
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].osr_entries, 1);
	rig_down(&r);

	/* interpreter only: nothing compiled */
	rig_up(&r, loop_wat, WASM_TIER_INTERP, 0, NULL, 0);
	ck_assert_int_eq(call_i32(&r, "sum", 1000, &v, &err), WASM_OK);
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 0);
	rig_down(&r);
}
END_TEST

/* Tier 2 in auto: an integer loop (tier 2 compiles it) that runs long in
 * one call moves interpreter -> baseline -> tier 2, the second move by
 * OSR from the running baseline frame into tier-2 code at the loop
 * header; with a compile thread, the same once the thread has finished. */
static const char iloop_wat[] =
	"(module\n"
	"  (func (export \"isum\") (param i32) (result i32) (local i32)\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.eqz (local.get 0)))\n"
	"      (local.set 1 (i32.add (local.get 1)\n"
	"        (i32.xor (local.get 0) (i32.const 5))))\n"
	"      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (local.get 1)))\n";

static int32_t isum(uint32_t n)
{
	uint32_t acc = 0;
	for (; n; n--)
		acc += n ^ 5u;
	return (int32_t)acc;
}

/* The same with a loop-invariant value (k + 7, k set before the loop):
 * loop-invariant code motion moves it out of the loop, and the loop's OSR
 * entry rebuilds it from the mapped k (ir_osr_rebuild_list); under auto
 * the loop must stay enterable and the value hoisted. */
static const char iloop_inv_wat[] =
	"(module\n"
	"  (func (export \"isum\") (param i32) (result i32) (local i32 i32)\n"
	"    (local.set 2 (i32.mul (local.get 0) (i32.const 3)))\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.eqz (local.get 0)))\n"
	"      (local.set 1 (i32.add (local.get 1)\n"
	"        (i32.xor (local.get 0) (i32.add (local.get 2) (i32.const 7)))))\n"
	"      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (local.get 1)))\n";

static int32_t isum_inv(uint32_t n)
{
	uint32_t acc = 0, k = n * 3u + 7u;
	for (; n; n--)
		acc += n ^ k;
	return (int32_t)acc;
}

/* Whether tier 2's passes move function 0's `x + 7` out of its one OSR
 * loop: it sits in a block that strictly dominates the loop's header. */
static bool plus7_hoisted(wasm_module *m)
{
	ir_func *f;
	wasm_error err;
	ck_assert_int_eq(ir_build(m, 0, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err),
		WASM_OK);
	ck_assert(ir_dom_compute(f));
	ck_assert_uint_eq(f->nosr, 1);
	uint32_t h = f->osr[0].block;
	int found = 0;
	bool out = false;
	for (ir_ref v = 1; v < f->nv; v++) {
		ir_insn *i = ir_at(f, v);
		if (i->op != IR_IADD || i->nargs != 2 || f->b[i->block].dead ||
		    !ir_is_const(f, i->u.a[1]) || f->v[i->u.a[1]].imm != 7)
			continue;
		found++;
		out = i->block != h && ir_dominates(f, i->block, h);
	}
	ck_assert_int_eq(found, 1);
	ir_func_free(f);
	return out;
}

/* Function func_index's code in the call vector is tier 2's without OSR
 * entries; behind it (osr) its OSR code, with them, the code a frame
 * entered at a loop, or (!osr) no other tier-2 code. */
static bool code_for_calls(const wasm_module *m, uint32_t func_index,
	bool osr)
{
	const jit_func *jf = jit_func_get(m, func_index);
	if (!jf || jf->tier != WASM_TIER_OPT || jf->osr_code || jf->nloops)
		return false;
	const jit_func *b = jf->replaced;
	if (!osr)
		return !b || b->tier != WASM_TIER_OPT;
	return b && b->tier == WASM_TIER_OPT && b->osr_code && b->nloops > 0;
}

static void opt_osr_case_of(const char *wat, int32_t (*ref)(uint32_t),
	uint32_t threshold, uint32_t opt, bool thread, uint32_t n,
	uint64_t base_osr, uint64_t opt_osr, bool hoisted)
{
	rig r;
	wasm_config cfg;
	wasm_error err;
	wasm_module_stats st;
	int32_t v = 0;
	wasm_config_default(&cfg);
	cfg.tier = WASM_TIER_AUTO;
	cfg.tier_threshold = threshold;
	cfg.opt_threshold = opt;
	rig_up_cfg(&r, wat, &cfg, NULL, 0);
	if (hoisted)
		ck_assert(plus7_hoisted(r.m));
	if (thread)
		ck_assert_int_eq(wasm_engine_start_compile_thread(r.e), WASM_OK);
	ck_assert_int_eq(call_i32(&r, "isum", (int32_t)n, &v, &err), WASM_OK);
	ck_assert_int_eq(v, ref(n));
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].osr_entries, base_osr);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs_refused, 0);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].osr_entries, opt_osr);
	ck_assert_uint_gt(st.tiers[WASM_TIER_OPT].code_bytes, 0);
	if (!thread)
		ck_assert(code_for_calls(r.m, 0, opt_osr > 0));
	/* the next call enters tier 2 from its entry */
	ck_assert_int_eq(call_i32(&r, "isum", 1000, &v, &err), WASM_OK);
	ck_assert_int_eq(v, ref(1000));
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].osr_entries, opt_osr);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].osr_entries, base_osr);
	rig_down(&r);
}

static void opt_osr_case(uint32_t threshold, uint32_t opt, bool thread,
	uint32_t n, uint64_t base_osr, uint64_t opt_osr)
{
	opt_osr_case_of(iloop_wat, isum, threshold, opt, thread, n, base_osr,
		opt_osr, false);
}

START_TEST(opt_osr_from_baseline)
{
	/* synchronous compiles: the interpreter's loop moves into baseline
	 * code at its 100th iteration, the baseline's into tier 2 at its
	 * 1000th count */
	opt_osr_case(100, 1000, false, 1000000, 1, 1);
	/* both thresholds 1: baseline code from the first call's entry,
	 * whose budget is spent there: tier 2 from its entry, no OSR */
	opt_osr_case(1, 1, false, 100000, 0, 0);
	/* the compile thread: the baseline loop runs on while tier 2
	 * compiles, and moves over once the code is there */
	opt_osr_case(100, 1000, true, 200000000, 1, 1);
	/* a loop-invariant value in the loop: hoisted out of it by tier 2,
	 * and the loop still entered by OSR (its entry rebuilds the value) */
	opt_osr_case_of(iloop_inv_wat, isum_inv, 100, 1000, false, 1000000,
		1, 1, true);
}
END_TEST

/* An interpreted activation whose function got tier-2 code meanwhile
 * moves straight into it at its loop: nest(n, 1) is interpreted, calls
 * nest(n, 0), whose loop moves into baseline code (its 100th iteration)
 * and on into tier 2 (opt 1); back in the outer, interpreted activation,
 * the same loop's counter is past the threshold and the OSR goes into
 * tier 2's entry for that loop. */
static const char nest_wat[] =
	"(module\n"
	"  (func (export \"nest\") (param i32 i32) (result i32) (local i32)\n"
	"    (if (local.get 1) (then (local.set 2 (call 0 (local.get 0)\n"
	"      (i32.sub (local.get 1) (i32.const 1))))))\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.eqz (local.get 0)))\n"
	"      (local.set 2 (i32.add (local.get 2) (local.get 0)))\n"
	"      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (local.get 2)))\n";

/* r with wat under --tier=auto at thresholds tier and opt. */
static void rig_up_auto(rig *r, const char *wat, uint32_t tier, uint32_t opt)
{
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.tier = WASM_TIER_AUTO;
	cfg.tier_threshold = tier;
	cfg.opt_threshold = opt;
	rig_up_cfg(r, wat, &cfg, NULL, 0);
}

/* Export name(x, y) of r, an i32 (the call must succeed). */
static int32_t call_ii(rig *r, const char *name, int32_t x, int32_t y)
{
	wasm_error err;
	wasm_value a[2] = { { .type = WASM_I32, .of.i32 = x },
		{ .type = WASM_I32, .of.i32 = y } }, res;
	ck_assert_int_eq(wasm_func_call(r->s, export_func(r, name), a, 2,
		&res, 1, &err), WASM_OK);
	return res.of.i32;
}

START_TEST(opt_osr_from_interp)
{
	rig r;
	wasm_module_stats st;
	rig_up_auto(&r, nest_wat, 100, 1);
	ck_assert_int_eq(call_ii(&r, "nest", 1000, 1), 2 * 500500);
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].osr_entries, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].osr_entries, 2);
	rig_down(&r);
}
END_TEST

/* A recursive function's outer activation runs its loop in baseline
 * code, each iteration a call of itself (which returns at once).  Its
 * budget runs out at a LOOP or at the inner call's entry, by the
 * threshold's parity: at the LOOP the frame asks for OSR code; at the
 * entry the call asks for code without OSR entries, and the outer frame,
 * at its next LOOP, for OSR code behind it.  Either way the outer frame
 * moves into tier 2 by OSR, and later calls run code without entries. */
static const char rec_loop_wat[] =
	"(module\n"
	"  (func (export \"rec\") (param i32 i32) (result i32) (local i32)\n"
	"    (if (i32.eqz (local.get 1)) (then (return (local.get 0))))\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.eqz (local.get 0)))\n"
	"      (local.set 2 (i32.add (local.get 2)\n"
	"        (call 0 (local.get 0) (i32.const 0))))\n"
	"      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (local.get 2)))\n";

START_TEST(opt_osr_code_for_outer_activation)
{
	for (uint32_t opt = 1000; opt <= 1001; opt++) {
		rig r;
		wasm_module_stats st;
		rig_up_auto(&r, rec_loop_wat, 1, opt);
		ck_assert_int_eq(call_ii(&r, "rec", 5000, 1), 5000 * 5001 / 2);
		wasm_module_stats_get(r.m, &st);
		ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 1);
		ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs_refused, 0);
		ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].osr_entries, 1);
		ck_assert(code_for_calls(r.m, 0, true));
		rig_down(&r);
	}
}
END_TEST

/* A recursion through six loops: level d runs loop d % 6 n times,
 * calling level d - 1 in its first iteration.  The innermost level's loop
 * spends the budget: OSR code for it, then code without entries; each
 * outer level, back in its loop in baseline code, asks for OSR code for
 * its own loop, until the function has OPT_OSR_CODES_MAX (4) of them;
 * the next has an entry at every loop and serves the rest. */
/* Loop k of six_loops_wat (it adds k to the sum each iteration), then
 * the return that ends its block (close: the block's parenthesis). */
#define SIX_LOOP(k, close) \
	"    (loop\n" \
	"      (if (i32.and (i32.eqz (local.get 2)) (i32.ne (local.get 0) (i32.const 0)))\n" \
	"        (then (local.set 3 (i32.add (local.get 3)\n" \
	"          (call 0 (i32.sub (local.get 0) (i32.const 1)) (local.get 1))))))\n" \
	"      (local.set 3 (i32.add (local.get 3) (i32.const " #k ")))\n" \
	"      (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1)))\n" \
	"        (local.get 1))))\n" \
	"    (return (local.get 3))" close "\n"

static const char six_loops_wat[] =
	"(module\n"
	"  (func (export \"f\") (param i32 i32) (result i32) (local i32 i32)\n"
	"    (block (block (block (block (block (block\n"
	"      (br_table 0 1 2 3 4 5 (i32.rem_u (local.get 0) (i32.const 6))))\n"
	SIX_LOOP(1, ")") SIX_LOOP(2, ")") SIX_LOOP(3, ")") SIX_LOOP(4, ")")
	SIX_LOOP(5, ")") SIX_LOOP(6, "))");

static int32_t six_loops_ref(int32_t d, int32_t n)
{
	return (d % 6 + 1) * n + (d ? six_loops_ref(d - 1, n) : 0);
}

START_TEST(opt_osr_codes_bounded)
{
	rig r;
	wasm_module_stats st;
	rig_up_auto(&r, six_loops_wat, 1, 100);
	ck_assert_int_eq(call_ii(&r, "f", 12, 1000), six_loops_ref(12, 1000));
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].osr_entries, 13);
	/* code for calls, then the OSR codes: loops 1, 2, 3 (behind, newest
	 * first, the one for every loop first of all), loop 0's */
	const jit_func *jf = jit_func_get(r.m, 0);
	ck_assert(jf && jf->tier == WASM_TIER_OPT && !jf->osr_code);
	uint32_t n = 0, all = 0;
	for (jf = jf->replaced; jf && jf->tier == WASM_TIER_OPT; jf = jf->replaced) {
		ck_assert(jf->osr_code);
		n++;
		all += jf->osr_for == UINT32_MAX;
	}
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(all, 1);
	/* a later call runs the code for calls */
	ck_assert_int_eq(call_ii(&r, "f", 12, 10), six_loops_ref(12, 10));
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].osr_entries, 13);
	rig_down(&r);
}
END_TEST

START_TEST(timeout_in_jit_loop)
{
	for (size_t k = 1; k < NMIXES; k++) {
		rig r;
		wasm_error err;
		int32_t v;
		volatile uint64_t epoch = 5;
		rig_up_mix(&r, loop_wat, k);
		wasm_store_set_deadline(r.s, &epoch, 5);
		ck_assert_int_eq(call_i32(&r, "spin", 0, &v, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_TIMEOUT);
		wasm_store_set_deadline(r.s, NULL, 0);
		ck_assert_int_eq(call_i32(&r, "sum", 4, &v, &err), WASM_OK);
		ck_assert_int_eq(v, 12);
		rig_down(&r);
	}
}
END_TEST

/* A long memory.fill or memory.copy checks the deadline every 4 MiB and
 * traps with timeout (at the bulk instruction, in every tier) rather than
 * run to the supervisor's hard kill.  The host import moves the epoch past
 * the deadline with no function entry or loop between it and the bulk op,
 * so only the bulk op's own check can see it. */
static volatile uint64_t bulk_epoch;

static wasm_status bulk_bump(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(void)ctx;
	(void)env;
	(void)slots;
	bulk_epoch = 10;
	return WASM_OK;
}

START_TEST(timeout_in_long_bulk_op)
{
	static const char text[] =
		"(module (import \"env\" \"bump\" (func $bump))\n"
		"  (memory 2049)\n"           /* 128 MiB + 64 KiB */
		"  (func (export \"fill\") (param i32) (result i32)\n"
		"    (call $bump)\n"
		"    (memory.fill (i32.const 0) (i32.const 7) (local.get 0))\n"
		"    (i32.load8_u (i32.const 100)))\n"
		"  (func (export \"copy\") (param i32) (result i32)\n"
		"    (call $bump)\n"
		"    (memory.copy (i32.const 65536) (i32.const 0) (local.get 0))\n"
		"    (i32.const 1)))\n";
	static const struct { const char *name; int32_t n; wasm_status st; } cases[] = {
		{ "fill", 128 << 20, WASM_ERR_TRAP },    /* two chunks: checked */
		{ "copy", 128 << 20, WASM_ERR_TRAP },
		{ "fill", 4 << 20, WASM_OK },            /* one chunk: not */
		{ "copy", 1 << 20, WASM_OK },
	};
	size_t offset[2] = { 0, 0 };
	for (size_t k = 0; k < NMIXES; k++) {
		wasm_config cfg;
		mix_config(&cfg, k);
		wasm_engine *e = wasm_engine_new(&cfg);
		wasm_store *s = wasm_store_new(e);
		wasm_functype ft = { 0, 0, NULL, NULL };
		wasm_extern imp = { .kind = WASM_EXTERN_FUNC };
		imp.of.func = wasm_func_new_host(s, &ft, bulk_bump, NULL);
		size_t len;
		uint8_t *bytes = wat(text, &len);
		wasm_module *m;
		wasm_instance *inst;
		wasm_error err;
		ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
		free(bytes);
		ck_assert_int_eq(wasm_instance_new(s, m, &imp, 1, &inst, &err), WASM_OK);
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			wasm_extern x;
			ck_assert(wasm_instance_export(inst, cases[i].name, &x));
			bulk_epoch = 0;
			wasm_store_set_deadline(s, &bulk_epoch, 5);
			wasm_value a = { .type = WASM_I32, .of.i32 = cases[i].n }, res;
			wasm_status st = wasm_func_call(s, x.of.func, &a, 1, &res, 1, &err);
			ck_assert_int_eq(st, cases[i].st);
			if (st == WASM_ERR_TRAP) {
				ck_assert_int_eq(err.trap, WASM_TRAP_TIMEOUT);
				ck_assert_uint_ne(err.offset, SIZE_MAX);
				if (k == 0)
					offset[i] = err.offset;
				ck_assert_uint_eq(err.offset, offset[i]);
			}
		}
		/* the store stays usable */
		wasm_store_set_deadline(s, NULL, 0);
		wasm_extern x;
		ck_assert(wasm_instance_export(inst, "fill", &x));
		wasm_value a = { .type = WASM_I32, .of.i32 = 200 }, res;
		ck_assert_int_eq(wasm_func_call(s, x.of.func, &a, 1, &res, 1, &err), WASM_OK);
		ck_assert_int_eq(res.of.i32, 7);
		wasm_module_free(m);
		wasm_store_free(s);
		wasm_engine_free(e);
	}
}
END_TEST

/* Tier 2 drops the deadline check of a short counted inner loop
 * (ir_loopchk.c): the enclosing loop's check still ends an infinite outer
 * loop around it, and loops that only look counted keep theirs (i reset
 * in the body; i stepping past its bound and wrapping).  The epoch moves
 * while the code runs (another thread), in every mix; a check missing
 * where it is needed hangs the case until the test's timeout. */
static const char short_loops_wat[] =
	"(module\n"
	"  (func (export \"nest\") (param $n i32) (result i32)\n"
	"    (local $k i32) (local $i i32) (local $s i32)\n"
	"    (block $done (loop $outer\n"
	"      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))\n"
	"      (local.set $i (i32.const 0))\n"
	"      (loop $inner\n"
	"        (local.set $s (i32.add (local.get $s) (i32.xor (local.get $i) (local.get $k))))\n"
	"        (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"        (br_if $inner (i32.ne (local.get $i) (i32.const 1000))))\n"
	"      (local.set $k (i32.add (local.get $k) (i32.const 1)))\n"
	"      (br $outer)))\n"
	"    (local.get $s))\n"
	"  (func (export \"spin_nest\") (param i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $outer\n"
	"      (local.set $i (i32.const 0))\n"
	"      (loop $inner\n"
	"        (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"        (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"        (br_if $inner (i32.ne (local.get $i) (i32.const 1000))))\n"
	"      (br $outer))\n"
	"    (local.get $s))\n"
	"  (func (export \"spin_reset\") (param i32) (result i32) (local $i i32)\n"
	"    (loop $l\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (if (i32.eq (local.get $i) (i32.const 40)) (then (local.set $i (i32.const 0))))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (i32.const 50))))\n"
	"    (local.get $i))\n"
	"  (func (export \"spin_wrap\") (param i32) (result i32) (local $i i32)\n"
	"    (local.set $i (i32.const -256))\n"
	"    (loop $l\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 16)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (i32.const -8))))\n"
	"    (local.get $i)))\n";

static int32_t nest_ref(uint32_t n)
{
	uint32_t s = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < 1000; i++)
			s += i ^ k;
	return (int32_t)s;
}

/* Function k's loop checks after tier 2's passes. */
static uint32_t opt_loop_checks(wasm_module *m, uint32_t k)
{
	ir_func *f;
	wasm_error err;
	ck_assert_int_eq(ir_build(m, k, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err),
		WASM_OK);
	uint32_t n = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++)
			n += f->v[f->b[b].insn[j]].op == IR_LOOP_CHECK;
	ir_func_free(f);
	return n;
}

/* An epoch another thread moves past the deadline (5) after a delay:
 * epoch_bump_later's argument points at the delay in microseconds. */
static volatile uint64_t test_epoch;

static void *epoch_bump_later(void *arg)
{
	usleep(*(const useconds_t *)arg);
	test_epoch = 10;
	return NULL;
}

START_TEST(timeout_past_short_inner_loops)
{
	static const char *const spins[] = { "spin_nest", "spin_reset", "spin_wrap" };
	for (size_t k = 0; k < NMIXES; k++) {
		rig r;
		wasm_error err;
		int32_t v;
		rig_up_mix(&r, short_loops_wat, k);
		if (k == 0) {
			/* nest and spin_nest: the inner check goes, the outer
			 * stays; the other two keep theirs */
			ck_assert_uint_eq(opt_loop_checks(r.m, 0), 1);
			ck_assert_uint_eq(opt_loop_checks(r.m, 1), 1);
			ck_assert_uint_eq(opt_loop_checks(r.m, 2), 1);
			ck_assert_uint_eq(opt_loop_checks(r.m, 3), 1);
		}
		for (size_t i = 0; i < sizeof spins / sizeof spins[0]; i++) {
			pthread_t th;
			static const useconds_t delay = 20000;
			test_epoch = 0;
			wasm_store_set_deadline(r.s, &test_epoch, 5);
			ck_assert_int_eq(pthread_create(&th, NULL, epoch_bump_later,
				(void *)&delay), 0);
			wasm_status st = call_i32(&r, spins[i], 0, &v, &err);
			pthread_join(th, NULL);
			ck_assert_msg(st == WASM_ERR_TRAP && err.trap == WASM_TRAP_TIMEOUT,
				"mix %zu, %s: status %d", k, spins[i], (int)st);
		}
		wasm_store_set_deadline(r.s, NULL, 0);
		ck_assert_int_eq(call_i32(&r, "nest", 30, &v, &err), WASM_OK);
		ck_assert_int_eq(v, nest_ref(30));
		if (mixes[k].tier == WASM_TIER_OPT) {
			wasm_module_stats st;
			wasm_module_stats_get(r.m, &st);
			ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 4);
		}
		rig_down(&r);
	}
}
END_TEST

/* OSR from baseline code into tier 2 at a loop header without its
 * check (the inner loop, which runs 1000 times per outer iteration, is
 * where the baseline's budget runs out), and on from there. */
START_TEST(opt_osr_into_short_inner_loop)
{
	rig r;
	wasm_config cfg;
	wasm_error err;
	wasm_module_stats st;
	int32_t v;
	wasm_config_default(&cfg);
	cfg.tier = WASM_TIER_AUTO;
	cfg.tier_threshold = 100;
	cfg.opt_threshold = 5000;
	rig_up_cfg(&r, short_loops_wat, &cfg, NULL, 0);
	ck_assert_int_eq(call_i32(&r, "nest", 300, &v, &err), WASM_OK);
	ck_assert_int_eq(v, nest_ref(300));
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].osr_entries, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, 1);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].osr_entries, 1);
	ck_assert_int_eq(call_i32(&r, "nest", 7, &v, &err), WASM_OK);
	ck_assert_int_eq(v, nest_ref(7));
	rig_down(&r);
}
END_TEST

/* In every tier mix with fuel metering (100000 units), name(ok) returns
 * want with the same fuel left in every mix, and name(out) runs out of
 * fuel: the same trap, nothing left.  Returns the fuel left after
 * name(ok). */
static uint64_t fuel_same_in_mixes(const char *wat_src, const char *name,
	int32_t ok, int32_t want, int32_t out)
{
	uint64_t left[NMIXES];
	for (size_t k = 0; k < NMIXES; k++) {
		wasm_config cfg;
		wasm_error err;
		int32_t v;
		rig r;
		mix_config(&cfg, k);
		cfg.fuel = true;
		rig_up_cfg(&r, wat_src, &cfg, NULL, 0);
		wasm_store_set_fuel(r.s, 100000);
		ck_assert_int_eq(call_i32(&r, name, ok, &v, &err), WASM_OK);
		ck_assert_int_eq(v, want);
		left[k] = wasm_store_fuel(r.s);
		ck_assert_uint_eq(left[k], left[0]);
		ck_assert_int_eq(call_i32(&r, name, out, &v, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_FUEL);
		ck_assert_uint_eq(wasm_store_fuel(r.s), 0);
		rig_down(&r);
	}
	return left[0];
}

/* With fuel, every iteration of the short inner loop is charged in
 * tier 2 as elsewhere: the same fuel left, the same trap. */
START_TEST(fuel_same_in_short_inner_loop)
{
	ck_assert_uint_eq(fuel_same_in_mixes(short_loops_wat, "nest", 40,
		nest_ref(40), 1000), 100000 - 1 - 40 - 1 - 40 * 1000);
}
END_TEST

/* n functions (func (result i32) i32.const 7), the first exported as
 * "main" (malloc'd bytes): a module whose batch compile takes long. */
static uint8_t *many_funcs(uint32_t n, size_t *len)
{
	size_t cap = 64 + 6 * (size_t)n, at = 0;
	uint8_t *b = malloc(cap);
	ck_assert_ptr_nonnull(b);
#define B(...) do { \
		const uint8_t x_[] = { __VA_ARGS__ }; \
		memcpy(b + at, x_, sizeof x_); \
		at += sizeof x_; \
	} while (0)
#define LEB(v) do { \
		uint32_t v_ = (v); \
		do { \
			b[at++] = (uint8_t)((v_ & 0x7f) | (v_ >> 7 ? 0x80 : 0)); \
			v_ >>= 7; \
		} while (v_); \
	} while (0)
	/* a section's size as a fixed 5-byte LEB, so it can be written first */
#define LEB5(v) B(((v) & 0x7f) | 0x80, ((v) >> 7 & 0x7f) | 0x80, \
		((v) >> 14 & 0x7f) | 0x80, ((v) >> 21 & 0x7f) | 0x80, (v) >> 28)
	B(0, 'a', 's', 'm', 1, 0, 0, 0);
	B(1, 5, 1, 0x60, 0, 1, 0x7f);                   /* () -> i32 */
	B(3); LEB5(5 + n); LEB5(n);
	for (uint32_t i = 0; i < n; i++)
		B(0);
	B(7, 8, 1, 4, 'm', 'a', 'i', 'n', 0, 0);
	B(10); LEB5(5 + 5 * n); LEB5(n);
	for (uint32_t i = 0; i < n; i++)
		B(4, 0, 0x41, 7, 0x0b);
#undef B
#undef LEB
#undef LEB5
	*len = at;
	return b;
}


/* --tier=baseline and --tier=opt compile the whole module at its first
 * call, and that compile checks the deadline (the epoch, as the running
 * code does) between functions: the call ends with timeout at the
 * ENTER of the function called, as in the interpreter, instead of running
 * into the supervisor's kill.  A call after the deadline compiles
 * nothing; once the deadline is lifted the module runs. */
START_TEST(compile_stops_at_the_deadline)
{
	enum { NFUNC = 200000 };
	static const wasm_tier tiers[] = { WASM_TIER_INTERP,
		WASM_TIER_BASELINE, WASM_TIER_OPT };
	size_t len, offset = SIZE_MAX;
	uint8_t *bytes = many_funcs(NFUNC, &len);
	for (size_t k = 0; k < sizeof tiers / sizeof tiers[0]; k++) {
		wasm_config cfg;
		wasm_config_default(&cfg);
		cfg.tier = tiers[k];
		wasm_engine *e = wasm_engine_new(&cfg);
		wasm_module *m;
		wasm_error err;
		ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
		/* the interpreter compiles nothing: only the first case */
		int nlate = tiers[k] == WASM_TIER_INTERP ? 1 : 2;
		for (int late = 0; late < nlate; late++) {
			wasm_store *s = wasm_store_new(e);
			wasm_instance *inst;
			ck_assert_int_eq(wasm_instance_new(s, m, NULL, 0, &inst, &err),
				WASM_OK);
			wasm_extern x;
			ck_assert(wasm_instance_export(inst, "main", &x));
			/* late 0: the deadline has passed before the call;
			 * late 1 (a fresh module): it passes while compiling */
			pthread_t th;
			static const useconds_t delay = 5000;
			test_epoch = late ? 0 : 10;
			if (late)
				ck_assert_int_eq(pthread_create(&th, NULL,
					epoch_bump_later, (void *)&delay), 0);
			wasm_store_set_deadline(s, &test_epoch, 5);
			wasm_value res;
			wasm_status st = wasm_func_call(s, x.of.func, NULL, 0,
				&res, 1, &err);
			if (late)
				pthread_join(th, NULL);
			wasm_module_stats ms;
			wasm_module_stats_get(m, &ms);
			uint32_t compiled = ms.tiers[WASM_TIER_BASELINE].nfuncs +
				ms.tiers[WASM_TIER_OPT].nfuncs;
			if (tiers[k] == WASM_TIER_INTERP) {
				/* interpreted: ENTER's own check */
				ck_assert_int_eq(st, WASM_ERR_TRAP);
				ck_assert_int_eq(err.trap, WASM_TRAP_TIMEOUT);
				offset = err.offset;
			} else if (!late || st != WASM_OK) {
				/* The late bump may come after main's own code
				 * (compiled first) ran on a fast machine; never
				 * after the whole module. */
				ck_assert_int_eq(st, WASM_ERR_TRAP);
				ck_assert_int_eq(err.trap, WASM_TRAP_TIMEOUT);
				ck_assert_uint_eq(err.func_index, 0);
				ck_assert_uint_eq(err.offset, offset);
			}
			ck_assert_uint_lt(compiled, NFUNC);
			if (!late)
				ck_assert_uint_eq(compiled, 0);
			/* no deadline: it runs (the functions it calls are
			 * compiled one at a time now) */
			wasm_store_set_deadline(s, NULL, 0);
			ck_assert_int_eq(wasm_func_call(s, x.of.func, NULL, 0,
				&res, 1, &err), WASM_OK);
			ck_assert_int_eq(res.of.i32, 7);
			wasm_store_free(s);
			if (!late) {
				/* a fresh module for the late case */
				wasm_module_free(m);
				ck_assert_int_eq(wasm_module_load(e, bytes, len,
					&m, &err), WASM_OK);
			}
		}
		wasm_module_free(m);
		wasm_engine_free(e);
	}
	free(bytes);
}
END_TEST

START_TEST(fuel_same_in_every_tier)
{
	uint64_t left[NMIXES];
	for (size_t k = 0; k < NMIXES; k++) {
		wasm_config cfg;
		wasm_error err;
		size_t len;
		uint8_t *bytes = wat(loop_wat, &len);
		mix_config(&cfg, k);
		cfg.fuel = true;
		rig r;
		r.e = wasm_engine_new(&cfg);
		ck_assert_int_eq(wasm_module_load(r.e, bytes, len, &r.m, &err), WASM_OK);
		free(bytes);
		r.s = wasm_store_new(r.e);
		ck_assert_int_eq(wasm_instance_new(r.s, r.m, NULL, 0, &r.inst, &err), WASM_OK);
		int32_t v;
		wasm_store_set_fuel(r.s, 1000);
		ck_assert_int_eq(call_i32(&r, "sum", 300, &v, &err), WASM_OK);
		left[k] = wasm_store_fuel(r.s);
		ck_assert_int_eq(call_i32(&r, "sum", 5000, &v, &err), WASM_ERR_TRAP);
		ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_FUEL);
		ck_assert_uint_eq(wasm_store_fuel(r.s), 0);
		ck_assert_uint_eq(left[k], left[0]);
		rig_down(&r);
	}
}
END_TEST

/* The integer loop, which tier 2 compiles: the same fuel left after a
 * call, and the same trap when it runs out, whether the loop moved from
 * the interpreter to the baseline and on into tier 2 mid-call or not. */
START_TEST(fuel_same_across_tier2)
{
	(void)fuel_same_in_mixes(iloop_wat, "isum", 3000, isum(3000), 500000);
}
END_TEST

/* ---- a caller's code region --------------------------------------------------- */

START_TEST(code_region)
{
	size_t size = 64u << 20;
	void *region = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(region, MAP_FAILED);
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.tier = WASM_TIER_BASELINE;
	cfg.code_region = region;
	cfg.code_region_bytes = size;
	wasm_engine *e = wasm_engine_new(&cfg);
	size_t len;
	uint8_t *bytes = wat(loop_wat, &len);
	/* several modules in turn: pages are handed out and returned */
	for (int i = 0; i < 3; i++) {
		wasm_module *m;
		wasm_instance *inst;
		wasm_error err;
		ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
		wasm_store *s = wasm_store_new(e);
		ck_assert_int_eq(wasm_instance_new(s, m, NULL, 0, &inst, &err), WASM_OK);
		wasm_extern x;
		ck_assert(wasm_instance_export(inst, "sum", &x));
		wasm_value a = { .type = WASM_I32, .of.i32 = 10 }, res;
		ck_assert_int_eq(wasm_func_call(s, x.of.func, &a, 1, &res, 1, &err), WASM_OK);
		ck_assert_int_eq(res.of.i32, 60);
		/* the code is in the region: its first page is executable */
		unsigned char vec;
		ck_assert_int_eq(mincore(region, 4096, &vec), 0);
		wasm_store_free(s);
		wasm_module_free(m);
	}
	free(bytes);
	wasm_engine_free(e);
	munmap(region, size);
}
END_TEST

/* A full code region: the functions that do not fit are refused once, with
 * the reason, and keep running in the interpreter with the same results.
 * With opt 2, the second round asks tier 2 for the functions the baseline
 * compiled, whose code no longer fits either: they stay in baseline code,
 * each refusal counted once, and a third round changes nothing. */
static void region_full_case(uint32_t opt)
{
	enum { NFUNC = 12, NADD = 3000 };
	size_t size = 256u << 10;
	void *region = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(region, MAP_FAILED);
	/* NFUNC functions of NADD additions each: more code than the region */
	size_t cap = (size_t)NFUNC * NADD * 24 + 4096, n = 0;
	char *src = malloc(cap);
	ck_assert_ptr_nonnull(src);
	n += (size_t)snprintf(src + n, cap - n, "(module\n");
	for (int f = 0; f < NFUNC; f++) {
		n += (size_t)snprintf(src + n, cap - n,
			"(func (export \"f%d\") (param i32) (result i32) local.get 0\n", f);
		for (int k = 0; k < NADD; k++)
			n += (size_t)snprintf(src + n, cap - n, " i32.const 1 i32.add");
		n += (size_t)snprintf(src + n, cap - n, ")\n");
	}
	n += (size_t)snprintf(src + n, cap - n, ")\n");
	size_t len;
	uint8_t *bytes = wat(src, &len);
	free(src);

	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.tier = WASM_TIER_AUTO;
	cfg.tier_threshold = 1;
	cfg.opt_threshold = opt;
	cfg.code_region = region;
	cfg.code_region_bytes = size;
	wasm_engine *e = wasm_engine_new(&cfg);
	wasm_module *m;
	wasm_instance *inst;
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
	wasm_store *s = wasm_store_new(e);
	ck_assert_int_eq(wasm_instance_new(s, m, NULL, 0, &inst, &err), WASM_OK);
	wasm_module_stats st[3];
	for (int round = 0; round < 3; round++) {
		for (int f = 0; f < NFUNC; f++) {
			char name[16];
			snprintf(name, sizeof name, "f%d", f);
			wasm_extern x;
			ck_assert(wasm_instance_export(inst, name, &x));
			wasm_value a = { .type = WASM_I32, .of.i32 = f }, res;
			ck_assert_int_eq(wasm_func_call(s, x.of.func, &a, 1, &res, 1,
				&err), WASM_OK);
			ck_assert_int_eq(res.of.i32, f + NADD);
		}
		wasm_module_stats_get(m, &st[round]);
	}
	const wasm_tier_stats *b0 = &st[0].tiers[WASM_TIER_BASELINE];
	const wasm_tier_stats *b1 = &st[1].tiers[WASM_TIER_BASELINE];
	ck_assert_uint_gt(b0->nfuncs, 0);                /* some fit */
	ck_assert_uint_gt(b0->nfuncs_refused, 0);        /* some did not */
	ck_assert_uint_eq(b0->nfuncs + b0->nfuncs_refused, NFUNC);
	ck_assert_str_eq(st[0].refused_reason[WASM_TIER_BASELINE],
		"no room for JIT code");
	/* the second round compiles nothing and refuses nothing again */
	ck_assert_uint_eq(b1->nfuncs, b0->nfuncs);
	ck_assert_uint_eq(b1->nfuncs_refused, b0->nfuncs_refused);
	ck_assert_uint_eq(b1->compile_ns, b0->compile_ns);
	const wasm_tier_stats *o1 = &st[1].tiers[WASM_TIER_OPT];
	const wasm_tier_stats *o2 = &st[2].tiers[WASM_TIER_OPT];
	if (opt == 2) {
		/* each baseline function went to tier 2 once: in, or refused */
		ck_assert_uint_eq(o1->nfuncs + o1->nfuncs_refused, b0->nfuncs);
		ck_assert_uint_gt(o1->nfuncs_refused, 0);
		ck_assert_str_eq(st[1].refused_reason[WASM_TIER_OPT],
			"no room for JIT code");
		ck_assert_uint_eq(o2->nfuncs, o1->nfuncs);
		ck_assert_uint_eq(o2->nfuncs_refused, o1->nfuncs_refused);
	} else {
		ck_assert_uint_eq(o2->nfuncs + o2->nfuncs_refused, 0);
	}
	wasm_store_free(s);
	wasm_module_free(m);
	wasm_engine_free(e);
	free(bytes);
	munmap(region, size);
}

START_TEST(code_region_full)
{
	region_full_case(0);
	region_full_case(2);
}
END_TEST

/* ---- the listing (jit_dump_func) ---------------------------------------------- */

static const char listing_wat[] =
	"(module (memory 1) (global $g (mut i32) (i32.const 0))\n"
	"  (func $sum (export \"sum\") (param i32) (result i32) (local i32)\n"
	"    (block (loop\n"
	"      (br_if 1 (i32.eqz (local.get 0)))\n"
	"      (local.set 1 (i32.add (local.get 1)\n"
	"        (i32.load offset=8 (i32.shl (local.get 0) (i32.const 2)))))\n"
	"      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
	"      (br 0)))\n"
	"    (global.set $g (local.get 1))\n"
	"    (select (i32.div_u (local.get 1) (i32.const 3)) (i32.const 7)\n"
	"      (local.get 1)))\n"
	"  (func (export \"conv\") (param f64) (result i32)\n"
	"    (i32.add (i32.trunc_sat_f64_s (local.get 0))\n"
	"      (i32.trunc_f64_u (f64.abs (local.get 0)))))\n"
	"  (func (export \"calls\") (param i32) (result i32)\n"
	"    (block (block (br_table 0 1 0 (local.get 0)))\n"
	"      (drop (call $sum (i32.const 2))))\n"
	"    (call $sum (local.get 0))))\n";

/* One range line of a listing: "...: 0xFROM-0xTO (N bytes)". */
static void listing_range(const char *line, unsigned *from, unsigned *to)
{
	const char *r = strstr(line, ": 0x");
	unsigned n;
	ck_assert_msg(r != NULL, "no range in '%s'", line);
	while (strstr(r + 1, ": 0x"))
		r = strstr(r + 1, ": 0x");
	ck_assert_int_eq(sscanf(r, ": 0x%x-0x%x (%u bytes)", from, to, &n), 3);
	ck_assert_uint_eq(*to - *from, n);
}

/* Checks the listing of function i of m against its pre-decoded code:
 * each instruction in order with a non-empty byte range, the ranges and the
 * byte lines covering the machine code once, in order.  Returns the
 * function's machine code size. */
static unsigned listing_check(wasm_module *m, uint32_t i)
{
	char *text = NULL, *save = NULL;
	size_t size = 0;
	wasm_error err;
	FILE *out = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(jit_dump_func(m, i, out, &err), WASM_OK);
	fclose(out);

	const struct fcode *fc = m->funcs[i].code;
	uint32_t off = 0;
	unsigned total = 0, covered = 0, bytes = 0, at = 0, fidx;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned from, to, o, x;
		char name[64];
		int n;
		if (sscanf(line, "; baseline JIT, function %u: %u bytes", &fidx,
		    &total) == 2) {
			ck_assert_uint_eq(fidx, i);
		} else if (sscanf(line, "; 0x%x %63[A-Z0-9_]:", &o, name) == 2) {
			ck_assert_uint_lt(off, fc->code_len);
			ck_assert_uint_eq(o, off);
			ck_assert_str_eq(name, op_infos[insn_op(fc->code + off)].name);
			off += insn_len(fc->code + off);
			listing_range(line, &from, &to);
			ck_assert_msg(to > from, "%s at 0x%x has no machine code", name, o);
			ck_assert_uint_eq(from, covered);
			covered = to;
		} else if (line[0] == ';') {
			listing_range(line, &from, &to);   /* tails, align, OSR */
			ck_assert_uint_eq(from, covered);
			covered = to;
		} else {
			ck_assert_int_eq(sscanf(line, " %x:%n", &o, &n), 1);
			ck_assert_uint_eq(o, at);
			for (const char *p = line + n; sscanf(p, " %2x%n", &x, &n) == 1; p += n)
				at++, bytes++;
		}
	}
	ck_assert_uint_eq(off, fc->code_len);   /* every instruction */
	ck_assert_uint_gt(total, 0);
	ck_assert_uint_eq(covered, total);
	ck_assert_uint_eq(bytes, total);
	free(text);
	return total;
}

START_TEST(listing_covers_each_instruction)
{
	rig r;
	wasm_error err;
	wasm_module_stats st;
	int32_t v;
	rig_up(&r, listing_wat, WASM_TIER_BASELINE, 0, NULL, 0);
	/* the baseline compiles every function at the first call */
	ck_assert_int_eq(call_i32(&r, "calls", 0, &v, &err), WASM_OK);
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 3);
	unsigned sum = 0;
	for (uint32_t i = 0; i < 3; i++)
		sum += listing_check(r.m, i);
	/* the listing's code is the installed code, byte for byte in size */
	ck_assert_uint_eq(sum, st.tiers[WASM_TIER_BASELINE].code_bytes);
	ck_assert_int_eq(jit_dump_func(r.m, 3, stdout, &err), WASM_ERR_ARG);
	rig_down(&r);
}
END_TEST

/* A function the compiler refuses: a branch that lands inside an
 * instruction (the pre-decoded code corrupted on purpose). */
START_TEST(listing_names_the_refusal)
{
	rig r;
	wasm_error err;
	wasm_module_stats st;
	rig_up(&r, listing_wat, WASM_TIER_INTERP, 0, NULL, 0);
	struct fcode *fc = fcode_get(r.m, 0);
	ck_assert_ptr_nonnull(fc);
	uint32_t off = 0;
	while (off < fc->code_len && insn_branch_count(fc->code + off) == 0)
		off += insn_len(fc->code + off);
	ck_assert_uint_lt(off, fc->code_len);
	uint8_t *rel = fc->code + off + insn_branch_field(fc->code + off, 0);
	int32_t v;
	memcpy(&v, rel, sizeof v);
	v += 1;
	memcpy(rel, &v, sizeof v);
	ck_assert_int_eq(jit_dump_func(r.m, 0, stdout, &err), WASM_ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.message, "branch into an instruction"));
	/* nothing of it stays in the module */
	wasm_module_stats_get(r.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs_refused, 0);
	ck_assert_ptr_null(st.refused_reason[WASM_TIER_BASELINE]);
	/* the others compile */
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	ck_assert_int_eq(jit_dump_func(r.m, 1, out, &err), WASM_OK);
	fclose(out);
	free(text);
	rig_down(&r);
}
END_TEST

/* Every op of the instruction set is compiled by the baseline (an emitter
 * for its family, or a call to C) or refused on purpose: a new op cannot
 * fall through unnoticed. */
START_TEST(every_op_compiled_or_refused)
{
	static const enum interp_op refused[] = { OP_EXIT };
	size_t nrefused = sizeof refused / sizeof refused[0];
	for (int op = 0; op < OP_COUNT_; op++) {
		const op_info_t *in = &op_infos[op];
		bool listed = false;
		for (size_t k = 0; k < nrefused; k++)
			listed |= refused[k] == (enum interp_op)op;
		const char *why = jc_op_refusal((enum interp_op)op);
		/* SIMD: the ops jit_baseline_simd.c's table lists are compiled,
		 * every other one is refused with a reason naming it */
		if (in->family == OPFAM_SIMD) {
			ck_assert_msg(!why == jc_simd_compiles((enum interp_op)op),
				"%s: refused (%s) and compiled", in->name, why);
			if (why)
				ck_assert_msg(strstr(why, in->name) != NULL,
					"%s refused without its name: %s", in->name, why);
			else
				ck_assert(jc_emitters[OPFAM_SIMD] != NULL);
			continue;
		}
		if (listed) {
			ck_assert_msg(why && *why, "%s should be refused with a reason",
				in->name);
			continue;
		}
		ck_assert_msg(why == NULL, "%s is refused (%s) but not listed here",
			in->name, why);
		ck_assert_msg(jc_op_how((enum interp_op)op) == JC_SLOW ||
			jc_emitters[in->family] != NULL,
			"%s (family %s): no emitter in the baseline JIT", in->name,
			op_family_names[in->family]);
	}
}
END_TEST

/* ---- float results: the NaN rule (docs/ARCHITECTURE.md, "Float results") --- */

/* A float op whose result is a NaN gives the first NaN operand quieted, or
 * the default NaN (sign set) when no operand is a NaN; demote and promote
 * keep the payload's top bits; abs, neg and copysign work on the bits
 * (the rule in interp/ops.h).  Each op runs on a table of inputs (NaNs
 * with payloads, quiet and signalling, both signs; infinities; zeros;
 * ordinary values) in the interpreter and the baseline JIT, and the result
 * bits must be the same in both and follow the rule. */
#define DEFAULT_NAN32 0xffc00000u
#define DEFAULT_NAN64 0xfff8000000000000ull

static const uint32_t f32_inputs[] = {
	0x7fc00000u, 0xffc00000u, 0x7fc12345u, 0xffd00001u, 0x7fa00001u,
	0xff800001u, 0x7f800000u, 0xff800000u, 0x00000000u, 0x80000000u,
	0x3f800000u, 0xc0490fdbu, 0x00000001u,
};
static const uint64_t f64_inputs[] = {
	0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff8000000012345ull,
	0xfffc000000000001ull, 0x7ff4000000000001ull, 0xfff0000000000001ull,
	0x7ff0000000000000ull, 0xfff0000000000000ull, 0, 0x8000000000000000ull,
	0x3ff0000000000000ull, 0xc00921fb54442d18ull, 1,
};

/* name, wasm body over locals 0 and 1, parameter and result types, and
 * what the rule says of a NaN result: 'n' the NaN rule on the operands, 'x'
 * bits (abs, neg, copysign), 'd' demote, 'p' promote, 'c' a chain (only
 * compared between the tiers). */
static const struct {
	const char *name, *body;
	char param, result;
	int nparams;
	char rule;
} float_ops[] = {
#define FOPS(T, P) \
	{ T ".add", "(" T ".add (local.get 0) (local.get 1))", P, P, 2, 'n' }, \
	{ T ".sub", "(" T ".sub (local.get 0) (local.get 1))", P, P, 2, 'n' }, \
	{ T ".mul", "(" T ".mul (local.get 0) (local.get 1))", P, P, 2, 'n' }, \
	{ T ".div", "(" T ".div (local.get 0) (local.get 1))", P, P, 2, 'n' }, \
	{ T ".min", "(" T ".min (local.get 0) (local.get 1))", P, P, 2, 'n' }, \
	{ T ".max", "(" T ".max (local.get 0) (local.get 1))", P, P, 2, 'n' }, \
	{ T ".chain", "(" T ".max (" T ".mul (local.get 0) (local.get 1)) (" \
		T ".min (local.get 1) (" T ".add (local.get 0) (local.get 1))))", \
		P, P, 2, 'c' }, \
	{ T ".sqrt", "(" T ".sqrt (local.get 0))", P, P, 1, 'n' }, \
	{ T ".ceil", "(" T ".ceil (local.get 0))", P, P, 1, 'n' }, \
	{ T ".floor", "(" T ".floor (local.get 0))", P, P, 1, 'n' }, \
	{ T ".trunc", "(" T ".trunc (local.get 0))", P, P, 1, 'n' }, \
	{ T ".nearest", "(" T ".nearest (local.get 0))", P, P, 1, 'n' }, \
	{ T ".abs", "(" T ".abs (local.get 0))", P, P, 1, 'x' }, \
	{ T ".neg", "(" T ".neg (local.get 0))", P, P, 1, 'x' }, \
	{ T ".copysign", "(" T ".copysign (local.get 0) (local.get 1))", P, P, 2, 'x' },
	FOPS("f32", 's')
	FOPS("f64", 'd')
#undef FOPS
	{ "demote", "(f32.demote_f64 (local.get 0))", 'd', 's', 1, 'd' },
	{ "promote", "(f64.promote_f32 (local.get 0))", 's', 'd', 1, 'p' },
};
#define NFLOAT_OPS (sizeof float_ops / sizeof float_ops[0])

static char *float_ops_wat(void)
{
	static char text[16384];
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof text - n, "(module\n");
	for (size_t i = 0; i < NFLOAT_OPS; i++) {
		const char *p = float_ops[i].param == 's' ? "f32" : "f64";
		n += (size_t)snprintf(text + n, sizeof text - n,
			"  (func (export \"%s\") (param %s %s) (result %s) %s)\n",
			float_ops[i].name, p, p,
			float_ops[i].result == 's' ? "f32" : "f64", float_ops[i].body);
	}
	snprintf(text + n, sizeof text - n, ")\n");
	return text;
}

static uint64_t float_call(rig *r, size_t op, uint64_t a, uint64_t b)
{
	wasm_value args[2], res;
	wasm_error err;
	bool s = float_ops[op].param == 's';
	for (int k = 0; k < 2; k++) {
		args[k].type = s ? WASM_F32 : WASM_F64;
		if (s)
			args[k].of.f32_bits = (uint32_t)(k ? b : a);
		else
			args[k].of.f64_bits = k ? b : a;
	}
	ck_assert_int_eq(wasm_func_call(r->s, export_func(r, float_ops[op].name),
		args, 2, &res, 1, &err), WASM_OK);
	return float_ops[op].result == 's' ? res.of.f32_bits : res.of.f64_bits;
}

static bool is_nan_bits(uint64_t v, bool f32)
{
	return f32 ? (v & 0x7fffffffu) > 0x7f800000u
		: (v & ~(1ull << 63)) > 0x7ff0000000000000ull;
}

/* The NaN the rule gives for op on a, b (unary: b unused). */
static uint64_t rule_nan(size_t op, uint64_t a, uint64_t b)
{
	bool s = float_ops[op].param == 's';
	uint64_t quiet = s ? 0x00400000u : 0x0008000000000000ull;
	switch (float_ops[op].rule) {
	case 'd':
		return (a >> 63) << 31 | 0x7fc00000u | (a & 0x000fffffffffffffull) >> 29;
	case 'p':
		return (a >> 31) << 63 | 0x7ff8000000000000ull | (a & 0x7fffffu) << 29;
	default:
		if (is_nan_bits(a, s))
			return a | quiet;
		if (float_ops[op].nparams == 2 && is_nan_bits(b, s))
			return b | quiet;
		return s ? DEFAULT_NAN32 : DEFAULT_NAN64;
	}
}

/* ---- v128 in the baseline: lane bits, NaN lanes, traps ------------------ */

/* v128 ops (param v128 v128) -> v128 in the interpreter and the baseline:
 * the same 16 bytes; a NaN lane of a float op's result follows the lane
 * rule (interp/ops_simd.h: the rule of each lane's operands).  rule: 'n'
 * the NaN rule, 0 compared only; lane: 4 or 8 bytes. */
static const struct {
	const char *name, *body;
	char rule;
	int lane, nparams;
} v128_ops[] = {
#define VFOPS(T, L) \
	{ T ".add", "(" T ".add (local.get 0) (local.get 1))", 'n', L, 2 }, \
	{ T ".sub", "(" T ".sub (local.get 0) (local.get 1))", 'n', L, 2 }, \
	{ T ".mul", "(" T ".mul (local.get 0) (local.get 1))", 'n', L, 2 }, \
	{ T ".div", "(" T ".div (local.get 0) (local.get 1))", 'n', L, 2 }, \
	{ T ".sqrt", "(" T ".sqrt (local.get 0))", 'n', L, 1 }, \
	{ T ".ceil", "(" T ".ceil (local.get 0))", 'n', L, 1 }, \
	{ T ".floor", "(" T ".floor (local.get 0))", 'n', L, 1 }, \
	{ T ".trunc", "(" T ".trunc (local.get 0))", 'n', L, 1 }, \
	{ T ".nearest", "(" T ".nearest (local.get 0))", 'n', L, 1 }, \
	{ T ".pmin", "(" T ".pmin (local.get 0) (local.get 1))", 0, L, 2 }, \
	{ T ".pmax", "(" T ".pmax (local.get 0) (local.get 1))", 0, L, 2 }, \
	{ T ".abs", "(" T ".abs (local.get 0))", 0, L, 1 }, \
	{ T ".neg", "(" T ".neg (local.get 0))", 0, L, 1 }, \
	{ T ".eq", "(" T ".eq (local.get 0) (local.get 1))", 0, L, 2 }, \
	{ T ".ne", "(" T ".ne (local.get 0) (local.get 1))", 0, L, 2 }, \
	{ T ".lt", "(" T ".lt (local.get 0) (local.get 1))", 0, L, 2 }, \
	{ T ".le", "(" T ".le (local.get 0) (local.get 1))", 0, L, 2 }, \
	{ T ".gt", "(" T ".gt (local.get 0) (local.get 1))", 0, L, 2 }, \
	{ T ".ge", "(" T ".ge (local.get 0) (local.get 1))", 0, L, 2 },
	VFOPS("f32x4", 4)
	VFOPS("f64x2", 8)
#undef VFOPS
	{ "f32x4.convert_i32x4_s", "(f32x4.convert_i32x4_s (local.get 0))", 0, 4, 1 },
	{ "f64x2.convert_low_i32x4_s", "(f64x2.convert_low_i32x4_s (local.get 0))", 0, 8, 1 },
	{ "i8x16.lt_u", "(i8x16.lt_u (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i16x8.ge_u", "(i16x8.ge_u (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i32x4.gt_u", "(i32x4.gt_u (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i32x4.le_s", "(i32x4.le_s (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i8x16.avgr_u", "(i8x16.avgr_u (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i16x8.sub_sat_s", "(i16x8.sub_sat_s (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i32x4.mul", "(i32x4.mul (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i64x2.neg", "(i64x2.neg (local.get 0))", 0, 8, 1 },
	{ "i8x16.abs", "(i8x16.abs (local.get 0))", 0, 4, 1 },
	{ "v128.andnot", "(v128.andnot (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "v128.bitselect", "(v128.bitselect (local.get 0) (local.get 1) "
		"(v128.xor (local.get 0) (local.get 1)))", 0, 4, 2 },
	{ "i16x8.extend_high_i8x16_s", "(i16x8.extend_high_i8x16_s (local.get 0))", 0, 4, 1 },
	{ "i64x2.extend_high_i32x4_u", "(i64x2.extend_high_i32x4_u (local.get 0))", 0, 8, 1 },
	{ "i32x4.shr_s", "(i32x4.shr_s (local.get 0) (i32x4.extract_lane 1 (local.get 1)))", 0, 4, 2 },
	{ "i64x2.shl", "(i64x2.shl (local.get 0) (i32x4.extract_lane 0 (local.get 1)))", 0, 8, 2 },
	{ "i16x8.replace_lane", "(i16x8.replace_lane 5 (local.get 0) "
		"(i16x8.extract_lane_s 3 (local.get 1)))", 0, 4, 2 },
	{ "i8x16.splat", "(i8x16.splat (i8x16.extract_lane_u 7 (local.get 1)))", 0, 4, 2 },
	{ "i8x16.shuffle", "(i8x16.shuffle 0 17 2 31 4 16 15 5 30 9 10 21 12 12 14 1 "
		"(local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i8x16.swizzle", "(i8x16.swizzle (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i8x16.all_true", "(i32x4.splat (i8x16.all_true (local.get 0)))", 0, 4, 1 },
	{ "i16x8.all_true", "(i32x4.splat (i16x8.all_true (v128.not (local.get 0))))", 0, 4, 1 },
	{ "i64x2.all_true", "(i32x4.splat (i64x2.all_true (local.get 0)))", 0, 8, 1 },
	{ "i8x16.bitmask", "(i32x4.splat (i8x16.bitmask (local.get 0)))", 0, 4, 1 },
	{ "i16x8.bitmask", "(i32x4.splat (i16x8.bitmask (local.get 0)))", 0, 4, 1 },
	{ "i32x4.bitmask", "(i32x4.splat (i32x4.bitmask (local.get 0)))", 0, 4, 1 },
	{ "i64x2.bitmask", "(i32x4.splat (i64x2.bitmask (local.get 0)))", 0, 8, 1 },
	{ "i32x4.dot_i16x8_s", "(i32x4.dot_i16x8_s (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i16x8.extmul_high_i8x16_u", "(i16x8.extmul_high_i8x16_u (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i32x4.extmul_low_i16x8_s", "(i32x4.extmul_low_i16x8_s (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i64x2.extmul_high_i32x4_s", "(i64x2.extmul_high_i32x4_s (local.get 0) (local.get 1))", 0, 8, 2 },
	{ "i64x2.extmul_low_i32x4_u", "(i64x2.extmul_low_i32x4_u (local.get 0) (local.get 1))", 0, 8, 2 },
	{ "i16x8.extadd_pairwise_i8x16_s", "(i16x8.extadd_pairwise_i8x16_s (local.get 0))", 0, 4, 1 },
	{ "i16x8.extadd_pairwise_i8x16_u", "(i16x8.extadd_pairwise_i8x16_u (local.get 0))", 0, 4, 1 },
	{ "i32x4.extadd_pairwise_i16x8_s", "(i32x4.extadd_pairwise_i16x8_s (local.get 0))", 0, 4, 1 },
	{ "i32x4.extadd_pairwise_i16x8_u", "(i32x4.extadd_pairwise_i16x8_u (local.get 0))", 0, 4, 1 },
	{ "i8x16.narrow_i16x8_s", "(i8x16.narrow_i16x8_s (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i8x16.narrow_i16x8_u", "(i8x16.narrow_i16x8_u (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i16x8.narrow_i32x4_s", "(i16x8.narrow_i32x4_s (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i16x8.narrow_i32x4_u", "(i16x8.narrow_i32x4_u (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i16x8.q15mulr_sat_s", "(i16x8.q15mulr_sat_s (local.get 0) (local.get 1))", 0, 4, 2 },
	{ "i16x8.q15mulr_sat_s.min", "(i16x8.q15mulr_sat_s (local.get 0) "
		"(v128.const i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768))", 0, 4, 1 },
	{ "i8x16.shl", "(i8x16.shl (local.get 0) (i32x4.extract_lane 1 (local.get 1)))", 0, 4, 2 },
	{ "i8x16.shr_u", "(i8x16.shr_u (local.get 0) (i32x4.extract_lane 2 (local.get 1)))", 0, 4, 2 },
	{ "i8x16.shr_s", "(i8x16.shr_s (local.get 0) (i32x4.extract_lane 3 (local.get 1)))", 0, 4, 2 },
	{ "i64x2.shr_s", "(i64x2.shr_s (local.get 0) (i32x4.extract_lane 0 (local.get 1)))", 0, 8, 2 },
	{ "i64x2.mul", "(i64x2.mul (local.get 0) (local.get 1))", 0, 8, 2 },
	{ "i64x2.abs", "(i64x2.abs (local.get 0))", 0, 8, 1 },
	{ "i64x2.abs.min", "(i64x2.abs (v128.const i64x2 -9223372036854775808 -1))", 0, 8, 1 },
	{ "i64x2.lt_s", "(i64x2.lt_s (local.get 0) (local.get 1))", 0, 8, 2 },
	{ "i64x2.gt_s", "(i64x2.gt_s (local.get 0) (local.get 1))", 0, 8, 2 },
	{ "i64x2.le_s", "(i64x2.le_s (local.get 0) (local.get 1))", 0, 8, 2 },
	{ "i64x2.ge_s", "(i64x2.ge_s (local.get 0) (local.get 1))", 0, 8, 2 },
	{ "i8x16.popcnt", "(i8x16.popcnt (local.get 0))", 0, 4, 1 },
	{ "f32x4.convert_i32x4_u", "(f32x4.convert_i32x4_u (local.get 0))", 0, 4, 1 },
	{ "f32x4.convert_i32x4_u.round", "(f32x4.convert_i32x4_u (v128.const i32x4 "
		"0xffffffff 0x80000081 0x01000003 0xfffffe80))", 0, 4, 1 },
	{ "f64x2.convert_low_i32x4_u", "(f64x2.convert_low_i32x4_u (local.get 0))", 0, 8, 1 },
	{ "i32x4.trunc_sat_f32x4_s", "(i32x4.trunc_sat_f32x4_s (local.get 0))", 0, 4, 1 },
	{ "i32x4.trunc_sat_f32x4_s.edges", "(i32x4.trunc_sat_f32x4_s (v128.const f32x4 "
		"-0.5 2147483648 -2147483904 0x1.fffffep+30))", 0, 4, 1 },
	{ "f32x4.min", "(f32x4.min (local.get 0) (local.get 1))", 'n', 4, 2 },
	{ "f32x4.max", "(f32x4.max (local.get 0) (local.get 1))", 'n', 4, 2 },
	{ "f64x2.min", "(f64x2.min (local.get 0) (local.get 1))", 'n', 8, 2 },
	{ "f64x2.max", "(f64x2.max (local.get 0) (local.get 1))", 'n', 8, 2 },
	{ "i32x4.trunc_sat_f64x2_s_zero", "(i32x4.trunc_sat_f64x2_s_zero (local.get 0))", 0, 8, 1 },
	{ "i32x4.trunc_sat_f64x2_u_zero", "(i32x4.trunc_sat_f64x2_u_zero (local.get 0))", 0, 8, 1 },
	{ "i32x4.trunc_sat_f64x2_s_zero.edges", "(i32x4.trunc_sat_f64x2_s_zero (v128.const f64x2 "
		"2147483647.9 -2147483648.9))", 0, 8, 1 },
	{ "i32x4.trunc_sat_f64x2_u_zero.edges", "(i32x4.trunc_sat_f64x2_u_zero (v128.const f64x2 "
		"4294967295.9 -0.9))", 0, 8, 1 },
	{ "i32x4.trunc_sat_f64x2_u_zero.big", "(i32x4.trunc_sat_f64x2_u_zero (v128.const f64x2 "
		"4294967296 2147483648.5))", 0, 8, 1 },
	{ "i32x4.trunc_sat_f32x4_u", "(i32x4.trunc_sat_f32x4_u (local.get 0))", 0, 4, 1 },
	{ "i32x4.trunc_sat_f32x4_u.edges", "(i32x4.trunc_sat_f32x4_u (v128.const f32x4 "
		"4294967040 4294967296 2147483648 2147483520))", 0, 4, 1 },
	{ "i32x4.trunc_sat_f32x4_u.small", "(i32x4.trunc_sat_f32x4_u (v128.const f32x4 "
		"-0.9 -1 0.99 123456.7))", 0, 4, 1 },
	{ "f32x4.demote_f64x2_zero", "(f32x4.demote_f64x2_zero (local.get 0))", 0, 8, 1 },
	{ "f64x2.promote_low_f32x4", "(f64x2.promote_low_f32x4 (local.get 0))", 0, 4, 1 },
};
#define NV128_OPS (sizeof v128_ops / sizeof v128_ops[0])

static char *v128_ops_wat(void)
{
	static char text[16384];
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof text - n, "(module\n");
	for (size_t i = 0; i < NV128_OPS; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
			"  (func (export \"%s\") (param v128 v128) (result v128) %s)\n",
			v128_ops[i].name, v128_ops[i].body);
	snprintf(text + n, sizeof text - n, ")\n");
	return text;
}

static void v128_call(rig *r, size_t op, const uint8_t a[16],
	const uint8_t b[16], uint8_t out[16])
{
	wasm_value args[2], res;
	wasm_error err;
	args[0].type = args[1].type = WASM_V128;
	memcpy(args[0].of.v128, a, 16);
	memcpy(args[1].of.v128, b, 16);
	ck_assert_int_eq(wasm_func_call(r->s, export_func(r, v128_ops[op].name),
		args, 2, &res, 1, &err), WASM_OK);
	memcpy(out, res.of.v128, 16);
}

START_TEST(v128_lanes_jit_tiers_as_interp)
{
	rig ri, rb, ro;
	char *text = v128_ops_wat();
	rig_up(&ri, text, WASM_TIER_INTERP, 0, NULL, 0);
	rig_up(&rb, text, WASM_TIER_BASELINE, 0, NULL, 0);
	rig_up(&ro, text, WASM_TIER_OPT, 0, NULL, 0);
	const size_t n32 = sizeof f32_inputs / sizeof f32_inputs[0];
	const size_t n64 = sizeof f64_inputs / sizeof f64_inputs[0];
	unsigned checked = 0, nan_lanes = 0;
	for (size_t op = 0; op < NV128_OPS; op++) {
		int L = v128_ops[op].lane;
		size_t nin = L == 4 ? n32 : n64;
		for (size_t i = 0; i < nin; i++)
			for (size_t j = 0; j < nin; j++) {
				uint8_t a[16], b[16], vi[16], vb[16], vo[16];
				for (int k = 0; k < 16 / L; k++) {
					size_t ia = (i + (size_t)k) % nin, ib = (j + 3 * (size_t)k) % nin;
					if (L == 4) {
						memcpy(a + 4 * k, &f32_inputs[ia], 4);
						memcpy(b + 4 * k, &f32_inputs[ib], 4);
					} else {
						memcpy(a + 8 * k, &f64_inputs[ia], 8);
						memcpy(b + 8 * k, &f64_inputs[ib], 8);
					}
				}
				v128_call(&ri, op, a, b, vi);
				v128_call(&rb, op, a, b, vb);
				v128_call(&ro, op, a, b, vo);
				ck_assert_msg(memcmp(vi, vb, 16) == 0, "%s (%zu, %zu): "
					"baseline differs from the interpreter",
					v128_ops[op].name, i, j);
				ck_assert_msg(memcmp(vi, vo, 16) == 0, "%s (%zu, %zu): "
					"tier 2 differs from the interpreter",
					v128_ops[op].name, i, j);
				checked++;
				if (v128_ops[op].rule != 'n')
					continue;
				for (int k = 0; k < 16 / L; k++) {
					uint64_t x = 0, y = 0, r = 0, q;
					bool s = L == 4;
					memcpy(&x, a + L * k, (size_t)L);
					memcpy(&y, b + L * k, (size_t)L);
					memcpy(&r, vi + L * k, (size_t)L);
					if (!is_nan_bits(r, s))
						continue;
					if (is_nan_bits(x, s))
						q = x | (s ? 0x00400000u : 0x0008000000000000ull);
					else if (v128_ops[op].nparams == 2 && is_nan_bits(y, s))
						q = y | (s ? 0x00400000u : 0x0008000000000000ull);
					else
						q = s ? DEFAULT_NAN32 : DEFAULT_NAN64;
					ck_assert_msg(r == q, "%s lane %d: %llx, the rule says %llx",
						v128_ops[op].name, k, (unsigned long long)r,
						(unsigned long long)q);
					nan_lanes++;
				}
			}
	}
	ck_assert_uint_ge(checked, 3000);
	ck_assert_uint_ge(nan_lanes, 1000);
	/* the baseline and tier 2 compiled every one of them */
	wasm_module_stats st;
	wasm_module_stats_get(rb.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, NV128_OPS);
	ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs_refused, 0);
	wasm_module_stats_get(ro.m, &st);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs, NV128_OPS);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs_refused, 0);
	rig_down(&ri);
	rig_down(&rb);
	rig_down(&ro);
}
END_TEST

/* jit_simd_emit's AVX code (vex) against its SSE code, run natively on
 * the same inputs, for every op jit_simd_vex names and every way tier 2's
 * allocator may assign the registers of a VOP3: d apart from a and b,
 * d = a, d = b, a = b, d = a = b.  The SSE code, the reference, has d
 * tied to a (a copied in first) and b apart, as always.  Inputs: random bytes, and lanes of NaNs
 * (quiet, signalling, payloads), +-0, +-inf, 0x80.., 0x7f.., 0, -1; a
 * scalar operand (a shift count, a lane's value) from 0 to 255; shuffle
 * indices below 32; a random lane for replace_lane.
 * Without AVX the test checks nothing and says so. */
typedef void (*simd_fn)(const uint8_t *in, uint8_t *out);

static uint64_t xs_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* out = op(in[0..16), in[16..32), scalar in[32..36)) with d, a, b in the
 * XMM registers given (vex: the AVX code; else the SSE code, d = a);
 * lo, hi: shuffle's indices; lane: replace_lane's and load_lane's (whose
 * access reads in[16..); sse41: the pextr/pinsr code of the lanes). */
static simd_fn simd_build(jit_mem *m, enum interp_op op, bool vex, int d, int a,
	int b, uint64_t lo, uint64_t hi, uint32_t lane, uint16_t count, bool sse41)
{
	x64_buf cb;
	jit_simd_regs r = { .d = (x64_xmm)d, .a = (x64_xmm)a, .b = (x64_xmm)b,
		.s = X64_R8, .lo = lo, .hi = hi, .lane = lane, .vex = vex, .count = count,
		.m = x64_mem_b(X64_RDI, 16), .sse41 = sse41,
		.xt = { X64_XMM11, X64_XMM12, X64_XMM13 },
		.gt = { X64_RCX, X64_RAX, X64_RDX } };
	x64_buf_init(&cb, 0);
	x64_movdqu_xm(&cb, (x64_xmm)b, x64_mem_b(X64_RDI, 16));
	x64_movdqu_xm(&cb, (x64_xmm)a, x64_mem_b(X64_RDI, 0));
	x64_mov_rm(&cb, 4, X64_R8, x64_mem_b(X64_RDI, 32));
	if (!vex) {
		r.a = r.d;
		if (d != a)
			x64_movaps_xx(&cb, (x64_xmm)d, (x64_xmm)a);
	}
	ck_assert(jit_simd_emit(&cb, op, &r));
	x64_movdqu_mx(&cb, x64_mem_b(X64_RSI, 0), (x64_xmm)d);
	x64_ret(&cb);
	ck_assert_int_eq(x64_buf_err(&cb), X64_OK);
	ck_assert(jit_mem_install(m, cb.code, cb.len));
	x64_buf_free(&cb);
	return (simd_fn)(void *)m->base;
}

static void simd_input(uint64_t *x, uint8_t in[36], unsigned k)
{
	static const uint32_t w32[] = { 0x7fc00000, 0xffc00001, 0x7f800001, 0xff8abcde,
		0x7f800000, 0xff800000, 0x80000000, 0, 0x3f800000, 0x80, 0x7fff8000,
		0xffffffff, 0x80008000, 0x7f7f7f7f, 0x4f000000, 0xcf000001 };
	static const uint64_t w64[] = { 0x7ff8000000000000ull, 0xfff0000000000001ull,
		0x7ff4000000001234ull, 0x8000000000000000ull, 0x7ff0000000000000ull,
		0x41dfffffffc00000ull, 0xc1e0000000200000ull, 0x3ff0000000000000ull };
	for (unsigned i = 0; i < 36; i += 4) {
		uint32_t v = (uint32_t)xs_next(x);
		memcpy(in + i, &v, 4);
	}
	if (k % 3 == 1)         /* special 32-bit lanes */
		for (unsigned i = 0; i < 32; i += 4)
			if (xs_next(x) & 1)
				memcpy(in + i, &w32[xs_next(x) % 16], 4);
	if (k % 3 == 2)         /* special 64-bit lanes */
		for (unsigned i = 0; i < 32; i += 8)
			if (xs_next(x) & 1)
				memcpy(in + i, &w64[xs_next(x) % 8], 8);
	in[32] = (uint8_t)xs_next(x);
	in[33] = in[34] = in[35] = 0;
}

START_TEST(simd_vex_as_sse)
{
	if (!x64_cpu_has_avx()) {
		fprintf(stderr, "simd_vex_as_sse: no AVX, nothing checked\n");
		return;
	}
	/* d, a, b */
	static const int pat[][3] = { { 3, 1, 2 }, { 1, 1, 2 }, { 2, 1, 2 },
		{ 3, 1, 1 }, { 1, 1, 1 }, { 9, 14, 15 }, { 15, 14, 15 } };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned nops = 0, nruns = 0;
	for (unsigned op = 0; op < OP_COUNT_; op++) {
		if (!jit_simd_vex((enum interp_op)op))
			continue;
		nops++;
		bool two = jit_simd_nvec((enum interp_op)op) >= 2;
		for (size_t p = 0; p < sizeof pat / sizeof pat[0]; p++) {
			int d = pat[p][0], a = pat[p][1], b = pat[p][2];
			if (!two && (b == a || b == d))
				continue;       /* one v128: b is not read */
			uint64_t lo = 0, hi = 0;
			for (unsigned i = 0; i < 8; i++) {
				lo |= (xs_next(&x) % 32) << (8 * i);
				hi |= (xs_next(&x) % 32) << (8 * i);
			}
			unsigned size = jit_simd_forms[op].size;
			uint32_t lane = (uint32_t)(xs_next(&x) % (size ? 16 / size : 1));
			/* the lanes' pinsr code on every other pattern */
			bool sse41 = p % 2 && x64_cpu_has_sse41();
			jit_mem mv = { 0 }, ms = { 0 };
			simd_fn fv = simd_build(&mv, (enum interp_op)op, true, d, a, b, lo, hi,
				lane, 0, sse41);
			simd_fn fs = simd_build(&ms, (enum interp_op)op, false, 3, 1, 2, lo, hi,
				lane, 0, sse41);
			for (unsigned k = 0; k < 60; k++) {
				uint8_t in[36], ov[16], os[16];
				simd_input(&x, in, k);
				if (a == b)
					memcpy(in + 16, in, 16);
				fv(in, ov);
				fs(in, os);
				if (memcmp(ov, os, 16) != 0) {
					char t[200];
					int n = 0;
					for (int i = 15; i >= 0; i--)
						n += snprintf(t + n, sizeof t - (size_t)n, "%02x", ov[i]);
					n += snprintf(t + n, sizeof t - (size_t)n, " vs ");
					for (int i = 15; i >= 0; i--)
						n += snprintf(t + n, sizeof t - (size_t)n, "%02x", os[i]);
					ck_abort_msg("%s, d xmm%d a xmm%d b xmm%d: AVX %s SSE",
						op_infos[op].name, d, a, b, t);
				}
				nruns++;
			}
			jit_mem_free(&mv);
			jit_mem_free(&ms);
		}
	}
	ck_assert_uint_ge(nops, 189);
	ck_assert_uint_ge(nruns, 189 * 4 * 60);
}
END_TEST

/* The shifts by a constant count (jit_simd_regs.count: the immediate
 * forms, the i8x16 ones' masks) against the same op by that count in a
 * register (its SSE code, the reference), natively, for every count
 * 0..255 (a count's low byte is all the constant keeps: the lane-width
 * masks need no more), the SSE code (d = a) and the AVX code with d
 * apart from a, d = a, and high registers, random lanes. */
START_TEST(simd_shift_count_as_register)
{
	bool avx = x64_cpu_has_avx();
	static const int pat[][2] = { { 3, 1 }, { 1, 1 }, { 15, 9 } };    /* d, a */
	const size_t npat = sizeof pat / sizeof pat[0];
	uint64_t x = 0x243f6a8885a308d3ull;
	unsigned nops = 0, nruns = 0;
	for (unsigned op = 0; op < OP_COUNT_; op++) {
		if (!jit_simd_takes_count((enum interp_op)op))
			continue;
		nops++;
		jit_mem mr = { 0 };
		simd_fn fr = simd_build(&mr, (enum interp_op)op, false, 3, 1, 2, 0, 0, 0, 0,
			false);
		for (unsigned k = 0; k < 256; k++)
			for (size_t p = 0; p < 1 + (avx ? npat : 0); p++) {
				bool vex = p > 0;
				int d = vex ? pat[p - 1][0] : 3, a = vex ? pat[p - 1][1] : 1;
				jit_mem mk = { 0 };
				simd_fn fk = simd_build(&mk, (enum interp_op)op, vex, d, a, 2, 0, 0, 0,
					jit_simd_count(k), false);
				for (unsigned t = 0; t < 4; t++) {
					uint8_t in[36], ok[16], orr[16];
					simd_input(&x, in, t);
					in[32] = (uint8_t)k;
					fk(in, ok);
					fr(in, orr);
					ck_assert_msg(memcmp(ok, orr, 16) == 0, "%s by %u (%s, d xmm%d "
						"a xmm%d): the constant count differs", op_infos[op].name,
						k, vex ? "AVX" : "SSE", d, a);
					nruns++;
				}
				jit_mem_free(&mk);
			}
		jit_mem_free(&mr);
	}
	ck_assert_uint_eq(nops, 11);
	ck_assert_uint_ge(nruns, 11 * 256 * 4);
	if (!avx)
		fprintf(stderr, "simd_shift_count_as_register: no AVX, SSE code only\n");
}
END_TEST

/* A v128 access past the end of memory traps at the same function and
 * offset in every mix of tiers as in the interpreter; one inside it gives
 * the same value. */
START_TEST(v128_trap_site_every_mix)
{
	static const char text[] =
		"(module (memory 1)\n"
		"  (data (i32.const 65520) \"\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\")\n"
		"  (func (export \"load\") (param i32) (result i32)\n"
		"    (i32x4.extract_lane 3 (v128.load offset=8 (local.get 0))))\n"
		"  (func (export \"store\") (param i32) (result i32)\n"
		"    (v128.store offset=8 (local.get 0) (v128.const i64x2 -1 -1))\n"
		"    (i32.load (i32.const 65532)))\n"
		"  (func (export \"splat\") (param i32) (result i32)\n"
		"    (i32x4.extract_lane 2 (v128.load32_splat offset=12 (local.get 0))))\n"
		"  (func (export \"lane\") (param i32) (result i32)\n"
		"    (i32x4.extract_lane 1 (v128.load32_lane offset=12 1 (local.get 0) (v128.const i64x2 0 0))))\n"
		"  (func (export \"widen\") (param i32) (result i32)\n"
		"    (i32x4.extract_lane 3 (v128.load16x4_u offset=8 (local.get 0)))))\n";
	static const struct { const char *name; int32_t ok_addr, trap_addr, want; } cases[] = {
		{ "load", 65512, 65513, 0x100f0e0d },
		{ "store", 65512, 65513, -1 },
		{ "splat", 65520, 65521, 0x100f0e0d },
		{ "lane", 65520, 65521, 0x100f0e0d },
		{ "widen", 65520, 65521, 0x100f },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		wasm_error ref;
		for (size_t k = 0; k < NMIXES; k++) {
			rig r;
			wasm_error err;
			int32_t v = 0;
			rig_up_mix(&r, text, k);
			ck_assert_int_eq(call_i32(&r, cases[c].name, cases[c].ok_addr, &v, &err), WASM_OK);
			ck_assert_msg(v == cases[c].want, "%s, mix %zu: %x", cases[c].name, k, v);
			ck_assert_int_eq(call_i32(&r, cases[c].name, cases[c].trap_addr, &v, &err),
				WASM_ERR_TRAP);
			ck_assert_int_eq(err.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
			ck_assert_uint_ne(err.offset, SIZE_MAX);
			if (k == 0)
				ref = err;
			else
				ck_assert_msg(err.func_index == ref.func_index &&
					err.offset == ref.offset, "%s, mix %zu: function %u at "
					"%zx, interpreter: function %u at %zx", cases[c].name, k,
					err.func_index, err.offset, ref.func_index, ref.offset);
			if (mixes[k].tier == WASM_TIER_BASELINE || mixes[k].tier == WASM_TIER_OPT) {
				/* the JIT tier ran the function, and refused none */
				wasm_module_stats st;
				wasm_module_stats_get(r.m, &st);
				ck_assert_uint_ge(st.tiers[mixes[k].tier].nfuncs, 1);
				ck_assert_uint_eq(st.tiers[mixes[k].tier].nfuncs_refused, 0);
			}
			rig_down(&r);
		}
	}
}
END_TEST

/* v128 values in tier 2's registers and spill slots: more live v128s
 * than XMM registers, v128s live across calls, passed to and returned
 * from calls, loop phis that swap (a parallel-move cycle), a v128 in
 * memory and a global; every mix of tiers (OSR in the loop included)
 * gives the interpreter's results. */
static const char v128_pressure_wat[] =
	"(module (memory 1)\n"
	"  (global $g (mut v128) (v128.const i32x4 5 6 7 8))\n"
	"  (func $mk (param i32) (result v128) (i32x4.splat (local.get 0)))\n"
	"  (func $mix (param v128 i32 v128) (result v128 i32)\n"
	"    (i32x4.add (local.get 0) (i8x16.shuffle 4 5 6 7 0 1 2 3 28 29 30 31 8 9 10 11\n"
	"      (local.get 2) (local.get 0)))\n"
	"    (i32.add (local.get 1) (i32x4.extract_lane 3 (local.get 2))))\n"
	"  (func (export \"pressure\") (param $p i32) (result i32)\n"
	"    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)\n"
	"    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)\n"
	"    (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128)\n"
	"    (local $a12 v128) (local $a13 v128) (local $a14 v128) (local $a15 v128)\n"
	"    (local $a16 v128) (local $a17 v128) (local $s i32)\n"
#define MK_(k) "    (local.set $a" #k " (i32x4.mul (call $mk (i32.add (local.get $p) (i32.const " #k "))) (global.get $g)))\n"
	MK_(0) MK_(1) MK_(2) MK_(3) MK_(4) MK_(5) MK_(6) MK_(7) MK_(8)
	MK_(9) MK_(10) MK_(11) MK_(12) MK_(13) MK_(14) MK_(15) MK_(16) MK_(17)
#undef MK_
	"    (local.set $a0 (v128.bitselect (local.get $a0) (local.get $a1) (local.get $a2)))\n"
	"    (call $mix (local.get $a3) (local.get $p) (local.get $a4))\n"
	"    (local.set $s) (local.set $a3)\n"
	"    (call $mix (local.get $a6) (local.get $s) (local.get $a7))\n"
	"    (local.set $s) (local.set $a6)\n"
	"    (local.set $a5 (i32x4.add (local.get $a5) (local.get $a6)))\n"
	"    (global.set $g (i32x4.sub (local.get $a8) (local.get $a9)))\n"
	"    (v128.store offset=32 (local.get $p) (i8x16.swizzle (local.get $a10) (local.get $a11)))\n"
	"    (local.set $a12 (v128.xor (local.get $a12) (v128.load offset=32 (local.get $p))))\n"
#define SUM_(k) "    (local.set $a0 (i32x4.add (local.get $a0) (i32x4.shl (local.get $a" #k ") (i32.const " #k "))))\n"
	SUM_(1) SUM_(2) SUM_(3) SUM_(4) SUM_(5) SUM_(6) SUM_(7) SUM_(8) SUM_(9)
	SUM_(10) SUM_(11) SUM_(12) SUM_(13) SUM_(14) SUM_(15) SUM_(16) SUM_(17)
#undef SUM_
	"    (i32.add (local.get $s) (i32.add (i32x4.extract_lane 0 (local.get $a0))\n"
	"      (i32x4.extract_lane 3 (global.get $g)))))\n"
	"  (func (export \"swap\") (param $n i32) (result i32)\n"
	"    (local $a v128) (local $b v128) (local $t v128) (local $acc v128) (local $i i32)\n"
	"    (local.set $a (v128.const i32x4 1 2 3 4))\n"
	"    (local.set $b (v128.const i32x4 -1 -2 -3 -4))\n"
	"    (loop $l\n"
	"      (local.set $t (local.get $a))\n"
	"      (local.set $a (local.get $b))\n"
	"      (local.set $b (local.get $t))\n"
	"      (local.set $acc (i32x4.add (i32x4.mul (local.get $acc) (i32x4.splat (i32.const 3)))\n"
	"        (i32x4.add (local.get $a) (i32x4.splat (local.get $i)))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (i32.xor (i32x4.extract_lane 1 (local.get $acc)) (i32x4.extract_lane 2 (local.get $b)))))\n";

START_TEST(v128_pressure_every_mix)
{
	static const struct { const char *name; int32_t arg; } cases[] = {
		{ "pressure", 0 }, { "pressure", 100 }, { "pressure", 60000 },
		{ "swap", 1 }, { "swap", 2 }, { "swap", 3000 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		int32_t ref[3] = { 0, 0, 0 };    /* per call: the global changes */
		for (size_t k = 0; k < NMIXES; k++) {
			rig r;
			wasm_error err;
			int32_t v = 0;
			rig_up_mix(&r, v128_pressure_wat, k);
			for (int rep = 0; rep < 3; rep++) {     /* the later calls tier up */
				ck_assert_int_eq(call_i32(&r, cases[c].name, cases[c].arg, &v, &err),
					WASM_OK);
				if (k == 0)
					ref[rep] = v;
				ck_assert_msg(v == ref[rep], "%s(%d), mix %zu, call %d: %d, "
					"interpreter %d", cases[c].name, cases[c].arg, k, rep, v,
					ref[rep]);
			}
			if (mixes[k].tier == WASM_TIER_OPT) {
				wasm_module_stats st;
				wasm_module_stats_get(r.m, &st);
				ck_assert_uint_ge(st.tiers[WASM_TIER_OPT].nfuncs, 4);
				ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs_refused, 0);
			}
			rig_down(&r);
		}
	}
}
END_TEST

/* ---- v128 in host functions ---------------------------------------------- */

/* mix(i32 n, v128 a, f64 d, v128 b) -> (v128 r, i32 m, f64 e): r's byte i
 * is a[i] + b[i] + n, m = n * 3 + a's byte 15, e = d * 2.  The slots hold
 * n in 0, a in 1-2, d in 3, b in 4-5; the results go to 0-1, 2 and 3
 * (wasm.h, wasm_host_fn). */
static unsigned host_mix_calls;

static wasm_status host_mix(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(void)ctx;
	(void)env;
	uint32_t n = (uint32_t)slots[0];
	uint8_t a[16], b[16], r[16];
	double d;
	ck_assert_uint_eq(slots[0] >> 32, 0);   /* i32 zero-extended */
	memcpy(a, &slots[1], 16);
	memcpy(&d, &slots[3], 8);
	memcpy(b, &slots[4], 16);
	for (int i = 0; i < 16; i++)
		r[i] = (uint8_t)(a[i] + b[i] + n);
	double e = d * 2;
	memcpy(&slots[0], r, 16);
	slots[2] = (uint32_t)(n * 3 + a[15]);
	memcpy(&slots[3], &e, 8);
	host_mix_calls++;
	return WASM_OK;
}

/* Calls run/run_ind(n, a, d) in r and checks the results against what
 * mix computes: wasm passes b = a + i32x4(1, 2, 3, 4) and returns mix's
 * results and then b, which lived in a local across the call. */
static void host_v128_check(rig *r, const char *name, int32_t n,
	const uint8_t a[16], double d, const char *mix)
{
	wasm_value args[3] = { { .type = WASM_I32, .of.i32 = n },
		{ .type = WASM_V128 }, { .type = WASM_F64 } };
	wasm_value res[4];
	wasm_error err;
	memcpy(args[1].of.v128, a, 16);
	memcpy(&args[2].of.f64_bits, &d, 8);
	ck_assert_msg(wasm_func_call(r->s, export_func(r, name), args, 3, res,
		4, &err) == WASM_OK, "%s, %s: %s", name, mix, err.message);
	uint8_t b[16], want[16];
	for (int l = 0; l < 4; l++) {
		uint32_t x;
		memcpy(&x, a + 4 * l, 4);
		x += (uint32_t)l + 1;
		memcpy(b + 4 * l, &x, 4);
	}
	for (int i = 0; i < 16; i++)
		want[i] = (uint8_t)(a[i] + b[i] + (uint32_t)n);
	ck_assert_int_eq(res[0].type, WASM_V128);
	ck_assert_msg(memcmp(res[0].of.v128, want, 16) == 0, "%s, %s: v128 result",
		name, mix);
	ck_assert_int_eq(res[1].of.i32, (int32_t)((uint32_t)n * 3 + a[15]));
	double e;
	memcpy(&e, &res[2].of.f64_bits, 8);
	ck_assert_msg(e == d * 2, "%s, %s: f64 result %g", name, mix, e);
	ck_assert_msg(memcmp(res[3].of.v128, b, 16) == 0, "%s, %s: the v128 "
		"kept across the call", name, mix);
}

/* A host function that takes and gives v128 (mixed with i32 and f64),
 * called from wasm directly and through a table, in every mix of tiers;
 * the JIT tiers compile the callers (the baseline does not refuse them). */
START_TEST(host_v128_every_mix)
{
	static const char text[] =
		"(module\n"
		"  (type $m (func (param i32 v128 f64 v128) (result v128 i32 f64)))\n"
		"  (import \"env\" \"mix\" (func $mix (type $m)))\n"
		"  (table 1 funcref) (elem (i32.const 0) $mix)\n"
		"  (func (export \"run\") (param i32 v128 f64) (result v128 i32 f64 v128)\n"
		"    (local v128)\n"
		"    (local.set 3 (i32x4.add (local.get 1) (v128.const i32x4 1 2 3 4)))\n"
		"    (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3))\n"
		"    (local.get 3))\n"
		"  (func (export \"run_ind\") (param i32 v128 f64) (result v128 i32 f64 v128)\n"
		"    (local v128)\n"
		"    (local.set 3 (i32x4.add (local.get 1) (v128.const i32x4 1 2 3 4)))\n"
		"    (call_indirect (type $m) (local.get 0) (local.get 1) (local.get 2)\n"
		"      (local.get 3) (i32.const 0))\n"
		"    (local.get 3)))\n";
	static const uint8_t mix_types[] = { WASM_I32, WASM_V128, WASM_F64,
		WASM_V128, WASM_V128, WASM_I32, WASM_F64 };
	wasm_functype ft = { 4, 3, mix_types, mix_types + 4 };
	for (size_t k = 0; k < NMIXES; k++) {
		wasm_config cfg;
		mix_config(&cfg, k);
		char what[48];
		snprintf(what, sizeof what, "mix %zu (tier %d, %u/%u)", k,
			(int)mixes[k].tier, mixes[k].threshold, mixes[k].opt);
		wasm_engine *e = wasm_engine_new(&cfg);
		wasm_store *s = wasm_store_new(e);
		wasm_extern imp = { .kind = WASM_EXTERN_FUNC };
		imp.of.func = wasm_func_new_host(s, &ft, host_mix, NULL);
		ck_assert_ptr_nonnull(imp.of.func);
		rig r = { .e = e, .s = s };
		wasm_error err;
		size_t len;
		uint8_t *bytes = wat(text, &len);
		ck_assert_int_eq(wasm_module_load(e, bytes, len, &r.m, &err), WASM_OK);
		free(bytes);
		ck_assert_int_eq(wasm_instance_new(s, r.m, &imp, 1, &r.inst, &err),
			WASM_OK);
		host_mix_calls = 0;
		for (int i = 0; i < 12; i++) {
			uint8_t a[16];
			for (int j = 0; j < 16; j++)
				a[j] = (uint8_t)(0xf1 + 37 * i + 11 * j);
			host_v128_check(&r, "run", 1000 * i - 3, a, 0.75 - i, what);
			host_v128_check(&r, "run_ind", -7 * i, a, -1e300 * i, what);
		}
		ck_assert_uint_eq(host_mix_calls, 24);
		/* the v128 host function itself, from the API */
		wasm_value args[4] = { { .type = WASM_I32, .of.i32 = 2 },
			{ .type = WASM_V128 }, { .type = WASM_F64 },
			{ .type = WASM_V128 } }, res[3];
		memset(args[1].of.v128, 0x10, 16);
		memset(args[3].of.v128, 0x01, 16);
		args[1].of.v128[15] = 0x80;
		ck_assert_int_eq(wasm_func_call(s, imp.of.func, args, 4, res, 3, &err),
			WASM_OK);
		ck_assert_uint_eq(res[0].of.v128[0], 0x13);
		ck_assert_uint_eq(res[0].of.v128[15], 0x83);
		ck_assert_int_eq(res[1].of.i32, 6 + 0x80);
		if (mixes[k].tier == WASM_TIER_BASELINE) {
			wasm_module_stats st;
			wasm_module_stats_get(r.m, &st);
			ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs, 2);
			ck_assert_uint_eq(st.tiers[WASM_TIER_BASELINE].nfuncs_refused, 0);
		}
		rig_down(&r);
	}
}
END_TEST

START_TEST(float_nan_rule_every_tier)
{
	rig ri, rb, ro;
	char *text = float_ops_wat();
	rig_up(&ri, text, WASM_TIER_INTERP, 0, NULL, 0);
	rig_up(&rb, text, WASM_TIER_BASELINE, 0, NULL, 0);
	rig_up(&ro, text, WASM_TIER_OPT, 0, NULL, 0);
	unsigned checked = 0;
	for (size_t op = 0; op < NFLOAT_OPS; op++) {
		bool s = float_ops[op].param == 's';
		size_t nin = s ? sizeof f32_inputs / sizeof f32_inputs[0]
			: sizeof f64_inputs / sizeof f64_inputs[0];
		size_t nb = float_ops[op].nparams == 2 ? nin : 1;
		for (size_t i = 0; i < nin; i++) {
			for (size_t j = 0; j < nb; j++) {
				uint64_t a = s ? f32_inputs[i] : f64_inputs[i];
				uint64_t b = s ? f32_inputs[j] : f64_inputs[j];
				uint64_t vi = float_call(&ri, op, a, b);
				uint64_t vb = float_call(&rb, op, a, b);
				uint64_t vo = float_call(&ro, op, a, b);
				ck_assert_msg(vi == vb && vi == vo, "%s(%llx, %llx): "
					"interp %llx, baseline %llx, opt %llx",
					float_ops[op].name,
					(unsigned long long)a, (unsigned long long)b,
					(unsigned long long)vi, (unsigned long long)vb,
					(unsigned long long)vo);
				bool rs = float_ops[op].result == 's';
				char rule = float_ops[op].rule;
				if (rule != 'x' && rule != 'c' && is_nan_bits(vi, rs))
					ck_assert_msg(vi == rule_nan(op, a, b),
						"%s(%llx, %llx) = %llx: the rule says "
						"%llx", float_ops[op].name,
						(unsigned long long)a, (unsigned long long)b,
						(unsigned long long)vi,
						(unsigned long long)rule_nan(op, a, b));
				checked++;
			}
		}
	}
	/* the bit ops keep payloads exactly */
	size_t abs32 = 0;
	while (strcmp(float_ops[abs32].name, "f32.abs") != 0)
		abs32++;
	ck_assert_uint_eq(float_call(&rb, abs32, 0xffd00001u, 0), 0x7fd00001u);
	ck_assert_uint_eq(float_call(&ri, abs32 + 1, 0x7fa00001u, 0), 0xffa00001u);
	ck_assert_uint_ge(checked, 1000);
	/* tier 2 compiled them itself */
	wasm_module_stats st;
	wasm_module_stats_get(ro.m, &st);
	ck_assert_uint_ge(st.tiers[WASM_TIER_OPT].nfuncs, NFLOAT_OPS);
	ck_assert_uint_eq(st.tiers[WASM_TIER_OPT].nfuncs_refused, 0);
	rig_down(&ri);
	rig_down(&rb);
	rig_down(&ro);
}
END_TEST

/* ---- the tiers an engine can be made of ------------------------------------ */

START_TEST(tier_available)
{
	wasm_config cfg;
	wasm_engine *e = (wasm_engine *)&cfg;   /* must be reset to NULL */
	wasm_error err;
	wasm_config_default(&cfg);
	cfg.tier = (wasm_tier)42;
	ck_assert_int_eq(wasm_config_check(&cfg, &err), WASM_ERR_UNSUPPORTED);
	ck_assert_str_eq(err.message, "unknown tier 42");
	ck_assert_int_eq(wasm_engine_create(&cfg, &e, &err), WASM_ERR_UNSUPPORTED);
	ck_assert_ptr_null(e);
	ck_assert_ptr_null(wasm_engine_new(&cfg));
	/* the tiers that exist */
	static const wasm_tier ok[] = { WASM_TIER_INTERP, WASM_TIER_BASELINE,
		WASM_TIER_OPT, WASM_TIER_AUTO };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		cfg.tier = ok[i];
		ck_assert(wasm_tier_available(ok[i]));
		ck_assert_int_eq(wasm_engine_create(&cfg, &e, &err), WASM_OK);
		ck_assert_ptr_nonnull(e);
		wasm_engine_free(e);
	}
	ck_assert_int_eq(wasm_engine_create(NULL, &e, &err), WASM_OK);
	wasm_engine_free(e);
}
END_TEST

static Suite *jit_suite(void)
{
	Suite *s = suite_create("jit");
	TCase *t = tcase_create("core");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, recursion_every_mix);
	tcase_add_test(t, call_depth_exact_every_mix);
	tcase_add_test(t, host_reentry);
	tcase_add_test(t, small_thread_stack);
	tcase_add_test(t, trap_locations);
	tcase_add_test(t, stack_overflow_site_every_mix);
	tcase_add_test(t, i64_eqz_branch);
	tcase_add_test(t, osr_moves_a_running_loop);
	tcase_add_test(t, opt_osr_from_baseline);
	tcase_add_test(t, opt_osr_from_interp);
	tcase_add_test(t, opt_osr_code_for_outer_activation);
	tcase_add_test(t, opt_osr_codes_bounded);
	tcase_add_test(t, fuel_same_across_tier2);
	tcase_add_test(t, timeout_in_jit_loop);
	tcase_add_test(t, timeout_in_long_bulk_op);
	tcase_add_test(t, timeout_past_short_inner_loops);
	tcase_add_test(t, opt_osr_into_short_inner_loop);
	tcase_add_test(t, fuel_same_in_short_inner_loop);
	tcase_add_test(t, compile_stops_at_the_deadline);
	tcase_add_test(t, fuel_same_in_every_tier);
	tcase_add_test(t, code_region);
	tcase_add_test(t, code_region_full);
	tcase_add_test(t, listing_covers_each_instruction);
	tcase_add_test(t, listing_names_the_refusal);
	tcase_add_test(t, every_op_compiled_or_refused);
	tcase_add_test(t, tier_available);
	tcase_add_test(t, float_nan_rule_every_tier);
	tcase_add_test(t, v128_lanes_jit_tiers_as_interp);
	tcase_add_test(t, simd_vex_as_sse);
	tcase_add_test(t, simd_shift_count_as_register);
	tcase_add_test(t, v128_pressure_every_mix);
	tcase_add_test(t, v128_trap_site_every_mix);
	tcase_add_test(t, host_v128_every_mix);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(jit_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
