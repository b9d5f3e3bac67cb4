/* check_opt_inline.c -- tier 2's inlining pass (ir_inline.c): what it
 * inlines and refuses, the IR after it, and the rule that inlining
 * changes nothing but the time: values, traps (kind, function, offset),
 * the depth at which the call stack overflows and the point at which
 * fuel runs out are the interpreter's and the baseline's.
 *
 * Modules are written in the text format and assembled with $WAT2WASM
 * (default wat2wasm) at test time.  CHECK_OPT_PRINT=1 prints the IR
 * between passes. */
#include "wasm.h"
#include "jit/opt/mir.h"
#include "jit/opt/passes.h"
#include "runtime/runtime.h"

#include "testlib.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
	wasm_engine *e;
	wasm_module *m;
	wasm_store *s;
	wasm_instance *inst;
	uint64_t epoch;         /* tick's (calls_wat) */
} rig;

/* The host function "h" "tick" (i32) -> i32 of calls_wat: the epoch one
 * further (env: the rig's epoch), its argument doubled; a trap for 7. */
static wasm_status tick(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(*(uint64_t *)env)++;
	if ((uint32_t)slots[0] == 7)
		return wasm_call_trap(ctx, WASM_TRAP_HOST, "tick: 7");
	slots[0] = (uint32_t)(slots[0] * 2);
	return WASM_OK;
}

static void rig_up(rig *r, const char *text, wasm_tier tier, bool fuel,
	uint32_t max_call_depth)
{
	wasm_config cfg;
	wasm_error err;
	size_t len;
	uint8_t *bytes = wat(text, &len);
	wasm_config_default(&cfg);
	cfg.tier = tier;
	cfg.fuel = fuel;
	cfg.max_call_depth = max_call_depth;
	r->e = wasm_engine_new(&cfg);
	ck_assert_ptr_nonnull(r->e);
	ck_assert_int_eq(wasm_module_load(r->e, bytes, len, &r->m, &err), WASM_OK);
	free(bytes);
	r->s = wasm_store_new(r->e);
	/* a module that imports "tick" gets it */
	static const uint8_t i32[1] = { WASM_I32 };
	wasm_functype ft = { 1, 1, i32, i32 };
	wasm_extern imp = { .kind = WASM_EXTERN_FUNC };
	bool ticks = strstr(text, "\"tick\"") != NULL;
	r->epoch = 0;
	if (ticks)
		imp.of.func = wasm_func_new_host(r->s, &ft, tick, &r->epoch);
	ck_assert_int_eq(wasm_instance_new(r->s, r->m, &imp, ticks, &r->inst, &err),
		WASM_OK);
}

static void rig_down(rig *r)
{
	wasm_store_free(r->s);
	wasm_module_free(r->m);
	wasm_engine_free(r->e);
}

static uint32_t func_index(rig *r, const char *name)
{
	wasm_extern x;
	ck_assert_msg(wasm_instance_export(r->inst, name, &x), "no export %s", name);
	ck_assert_int_eq(x.kind, WASM_EXTERN_FUNC);
	return x.of.func->index;
}

typedef struct {
	wasm_status st;
	int32_t v;
	wasm_trap_kind trap;
	uint32_t func;
	size_t offset;
	uint64_t fuel_left;
} outcome;

/* name(a, b) (i32 params, one i32 result or none), with `fuel` units if
 * the rig meters. */
static outcome call(rig *r, const char *name, int32_t a, int32_t b, uint64_t fuel)
{
	wasm_extern x;
	ck_assert(wasm_instance_export(r->inst, name, &x));
	wasm_functype t;
	wasm_func_type(x.of.func, &t);
	wasm_value args[2] = { { .type = WASM_I32, .of.i32 = a },
		{ .type = WASM_I32, .of.i32 = b } };
	wasm_value res[1];
	wasm_error err;
	if (fuel)
		wasm_store_set_fuel(r->s, fuel);
	outcome o = { 0 };
	o.st = wasm_func_call(r->s, x.of.func, args, t.nparams, res, t.nresults, &err);
	if (o.st == WASM_OK && t.nresults)
		o.v = res[0].of.i32;
	if (o.st == WASM_ERR_TRAP) {
		o.trap = err.trap;
		o.func = err.func_index;
		o.offset = err.offset;
	}
	if (fuel)
		o.fuel_left = wasm_store_fuel(r->s);
	return o;
}

static void same(const outcome *x, const outcome *y, const char *what,
	const char *name, int32_t a, int32_t b)
{
	ck_assert_msg(x->st == y->st && x->v == y->v && x->trap == y->trap &&
		x->func == y->func && x->offset == y->offset &&
		x->fuel_left == y->fuel_left,
		"%s(%d, %d): opt status %d value %d trap %d in %u at %zu fuel %" PRIu64
		"; %s status %d value %d trap %d in %u at %zu fuel %" PRIu64,
		name, a, b, x->st, x->v, x->trap, x->func, x->offset, x->fuel_left,
		what, y->st, y->v, y->trap, y->func, y->offset, y->fuel_left);
}

/* name(a, b) in tier 2 (o), answered as the interpreter (in) and the
 * baseline (bl) answer it; tier 2's outcome. */
static outcome call3(rig *o, rig *in, rig *bl, const char *name, int32_t a,
	int32_t b, uint64_t fuel)
{
	outcome x = call(o, name, a, b, fuel), y = call(in, name, a, b, fuel);
	outcome z = call(bl, name, a, b, fuel);
	same(&x, &y, "interpreter", name, a, b);
	same(&x, &z, "baseline", name, a, b);
	return x;
}

/* Tier 2 compiled every function of r's module and refused none. */
static void all_in_opt(rig *r)
{
	wasm_module_stats st;
	wasm_module_stats_get(r->m, &st);
	ck_assert_uint_gt(st.tiers[WASM_TIER_OPT].nfuncs, 0);
	ck_assert_msg(st.tiers[WASM_TIER_OPT].nfuncs_refused == 0, "tier 2 refused: %s",
		st.refused_reason[WASM_TIER_OPT] ? st.refused_reason[WASM_TIER_OPT] : "?");
}

static void verified(ir_func *f)
{
	char msg[256];
	ck_assert_msg(ir_verify(f, msg, sizeof msg), "verify: %s", msg);
}

static ir_func *build_run(wasm_module *m, uint32_t fi, const char *pipeline)
{
	ir_func *f;
	wasm_error err;
	ck_assert_int_eq(ir_build(m, fi, &f, &err), WASM_OK);
	verified(f);
	FILE *print = getenv("CHECK_OPT_PRINT") ? stderr : NULL;
	wasm_status st = ir_run_passes(f, pipeline, print, true, &err);
	ck_assert_msg(st == WASM_OK, "passes: %s", err.message);
	return f;
}

static uint32_t count(ir_func *f, enum ir_op op, uint32_t aux, bool any_aux)
{
	uint32_t n = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			const ir_insn *i = &f->v[f->b[b].insn[j]];
			n += i->op == op && (any_aux || i->aux == aux);
		}
	return n;
}

/* Where f's instruction i came from (ir_inl). */
static ir_inl inl_at(const ir_func *f, const ir_insn *i)
{
	return ir_inl_of(f, (ir_ref)(i - f->v));
}

static const ir_insn *find(ir_func *f, enum ir_op op)
{
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++)
			if (f->v[f->b[b].insn[j]].op == op)
				return &f->v[f->b[b].insn[j]];
	return NULL;
}

/* ---- the module ------------------------------------------------------------- */

static const char mod_wat[] =
	"(module\n"
	"  (memory 1)\n"
	"  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))\n"
	"  (func $max (param i32 i32) (result i32)\n"
	"    (if (result i32) (i32.gt_s (local.get 0) (local.get 1))\n"
	"      (then (return (local.get 0))) (else (local.get 1))))\n"
	"  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))\n"
	"  (func $ld (param i32) (result i32) (i32.load offset=4 (local.get 0)))\n"
	"  (func $st (param i32 i32) (i32.store (local.get 0) (local.get 1)))\n"
	"  (func $die (param i32) (result i32)\n"
	"    (if (local.get 0) (then unreachable)) (local.get 0))\n"
	"  (func $rec (param i32) (result i32)\n"
	"    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))\n"
	"      (else (call $rec (i32.sub (local.get 0) (i32.const 1))))))\n"
	"  (func $sum (param i32) (result i32) (local i32)\n"
	"    (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))\n"
	"      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))\n"
	"    (local.get 1))\n"
	"  (func $big (param i32) (result i32)\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 1)) (i32.const 2))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 3)) (i32.const 4)))\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 5)) (i32.const 6))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 7)) (i32.const 8)))\n"
	"    i32.add\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 9)) (i32.const 10))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 11)) (i32.const 12)))\n"
	"    i32.add\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 13)) (i32.const 14))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 15)) (i32.const 16)))\n"
	"    i32.add)\n"
	"  (func $sat (param i32 i32) (result i32)\n"
	"    (i32.add (i32.trunc_sat_f64_u (f64.mul (f64.convert_i32_s (local.get 0))\n"
	"                                  (f64.const 1e6)))\n"
	"      (i32.trunc_sat_f32_s (f32.div (f32.convert_i32_s (local.get 1))\n"
	"                              (f32.convert_i32_s (local.get 0))))))\n"
	"  (func $trap (param i32) (result i32) unreachable)\n"
	"  (func (export \"f\") (param i32 i32) (result i32)\n"
	"    (call $st (local.get 1) (call $max (call $add (local.get 0) (local.get 1))\n"
	"      (local.get 1)))\n"
	"    (call $div (call $ld (local.get 1)) (call $die (local.get 0))))\n"
	"  (func (export \"k\") (param i32 i32) (result i32)\n"
	"    (call $max (call $add (i32.const 3) (i32.const 4)) (i32.const 5)))\n"
	"  (func (export \"refused\") (param i32 i32) (result i32)\n"
	"    (i32.add (call $rec (local.get 0))\n"
	"      (i32.add (call $sum (local.get 1)) (call $big (local.get 0)))))\n"
	"  (func (export \"s\") (param i32 i32) (result i32)\n"
	"    (call $sat (local.get 0) (local.get 1)))\n"
	"  (func (export \"t\") (param i32 i32) (result i32)\n"
	"    (if (result i32) (local.get 0) (then (call $trap (local.get 1)))\n"
	"      (else (local.get 1))))\n"
	")\n";

enum { F_ADD, F_MAX, F_DIV, F_LD, F_ST, F_DIE, F_REC, F_SUM, F_BIG, F_SAT, F_TRAP };

/* ---- the pass on IR ----------------------------------------------------------- */

START_TEST(inline_ir)
{
	rig r;
	rig_up(&r, mod_wat, WASM_TIER_INTERP, false, 0);
	uint32_t fi = func_index(&r, "f");
	ir_func *f = build_run(r.m, fi, "");
	ck_assert_uint_eq(count(f, IR_CALL, 0, true), 6);
	ck_assert(ir_pass_inline(f));
	verified(f);
	/* every call inlined: six entry checks of callees beside f's own,
	 * each with its callee's frame end, and a frame record given back at
	 * each return ($max returns twice) */
	ck_assert_uint_eq(count(f, IR_CALL, 0, true), 0);
	ck_assert_uint_eq(count(f, IR_ENTRY_CHECK, 0, true), 7);
	ck_assert_uint_eq(count(f, IR_FRAME_POP, 0, true), 7);
	/* the division and the load keep the callee's site and wasm offset,
	 * and name the callee */
	ir_func *g;
	wasm_error err;
	ck_assert_int_eq(ir_build(r.m, F_DIV, &g, &err), WASM_OK);
	const ir_insn *d = find(f, IR_IDIVS), *gd = find(g, IR_IDIVS);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(inl_at(f, d).func, F_DIV + 1);
	ck_assert_uint_eq(d->site, gd->site);
	ck_assert_uint_eq(d->wasm_off, gd->wasm_off);
	ir_func_free(g);
	ck_assert_uint_eq(inl_at(f, find(f, IR_LOAD)).func, F_LD + 1);
	ck_assert_uint_eq(inl_at(f, find(f, IR_STORE32)).func, F_ST + 1);
	const ir_insn *t = find(f, IR_TRAP);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(inl_at(f, t).func, F_DIE + 1);
	ck_assert_uint_eq(t->aux, WASM_TRAP_UNREACHABLE);
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			const ir_insn *i = &f->v[f->b[b].insn[j]];
			if (i->op == IR_ENTRY_CHECK && inl_at(f, i).func)
				ck_assert_uint_gt(i->imm, 0);
			if (i->op == IR_ENTRY_CHECK && !inl_at(f, i).func)
				ck_assert_uint_eq(i->imm, 0);
		}
	ck_assert(!ir_pass_inline(f));      /* no call left */
	ir_func_free(f);
	/* the whole pipeline after it, verified after each pass */
	ir_func_free(build_run(r.m, fi, ir_default_pipeline));
	/* the results flow through the joins: max(add(3, 4), 5) folds to 7 */
	f = build_run(r.m, func_index(&r, "k"), ir_default_pipeline);
	const ir_insn *ret = find(f, IR_RET);
	ck_assert_ptr_nonnull(ret);
	ir_ref v = ir_resolve(f, ir_args(f, (ir_ref)(ret - f->v))[0]);
	ck_assert(ir_is_const(f, v));
	ck_assert_uint_eq(f->v[v].imm, 7);
	ir_func_free(f);
	rig_down(&r);
}
END_TEST

/* f printed (ir_print), malloc'd. */
static char *ir_text(ir_func *f)
{
	char *p = NULL;
	size_t n = 0;
	FILE *o = open_memstream(&p, &n);
	ck_assert_ptr_nonnull(o);
	ir_print(f, o);
	fclose(o);
	return p;
}

START_TEST(inline_refusals)
{
	rig r;
	rig_up(&r, mod_wat, WASM_TIER_INTERP, false, 0);
	wasm_error err_big;
	static const struct { uint32_t fi; bool ok; } want[] = {
		{ F_ADD, true }, { F_MAX, true }, { F_DIV, true }, { F_LD, true },
		{ F_ST, true }, { F_DIE, true },
		{ F_SAT, true },    /* saturating truncations (once slow ops) */
		{ F_REC, true },    /* a call (of itself) */
		{ F_SUM, true },    /* a loop */
		{ F_BIG, false },   /* over the budget */
		{ F_TRAP, false },  /* never returns */
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		ir_func *g;
		wasm_error err;
		uint32_t n = 0;
		ck_assert_int_eq(ir_build(r.m, want[k].fi, &g, &err), WASM_OK);
		ck_assert_msg(ir_inlinable(g, &n) == want[k].ok, "function %u", want[k].fi);
		/* the builder records the answer for the inliner */
		ck_assert_int_eq(atomic_load(&r.m->funcs[want[k].fi].opt_inline),
			want[k].ok ? OPT_INLINE_YES : OPT_INLINE_NO);
		/* a build bounded by the inliner's limit is refused only
		 * where the whole one is not inlinable, and is the same IR
		 * where it is not refused */
		ir_func *h = NULL;
		wasm_status st = ir_build_bounded(r.m, want[k].fi, 30, &h, &err);
		if (want[k].ok)
			ck_assert_int_eq(st, WASM_OK);
		if (st == WASM_OK) {
			char *pg = ir_text(g), *ph = ir_text(h);
			ck_assert_str_eq(pg, ph);
			free(pg);
			free(ph);
		} else {
			ck_assert_int_eq(st, WASM_ERR_UNSUPPORTED);
			ck_assert_ptr_nonnull(strstr(err.message,
				"over the instruction budget"));
		}
		ir_func_free(h);
		ir_func_free(g);
	}
	/* the big one (its constants aside, about 20 instructions) refused
	 * part way under a budget of 10, and whole without one */
	{
		ir_func *h = NULL;
		ck_assert_int_eq(ir_build_bounded(r.m, F_BIG, 10, &h, &err_big),
			WASM_ERR_UNSUPPORTED);
		ck_assert_ptr_nonnull(strstr(err_big.message, "over the instruction budget"));
		ck_assert_ptr_null(h);
		ck_assert_int_eq(ir_build_bounded(r.m, F_BIG, 0, &h, &err_big), WASM_OK);
		ir_func_free(h);
	}
	/* and the inliner trusts the record: a callee recorded as not
	 * inlinable is not built again, and its calls stay */
	atomic_store(&r.m->funcs[F_ADD].opt_inline, OPT_INLINE_NO);
	ir_func *h = build_run(r.m, func_index(&r, "f"), "inline");
	ck_assert_uint_eq(count(h, IR_CALL, F_ADD, false), 1);
	ck_assert_uint_eq(count(h, IR_CALL, F_MAX, false), 0);
	ir_func_free(h);
	atomic_store(&r.m->funcs[F_ADD].opt_inline, 0);
	/* $big stays a call; $sum is inlined with its loop, without its OSR
	 * map; $rec is inlined, and its own call of itself is not (nothing
	 * goes into its own copy) */
	ir_func *f = build_run(r.m, func_index(&r, "refused"), "inline");
	ck_assert_uint_eq(count(f, IR_CALL, F_SUM, false), 0);
	ck_assert_uint_eq(count(f, IR_CALL, F_BIG, false), 1);
	ck_assert_uint_eq(count(f, IR_CALL, F_REC, false), 1);
	ck_assert_uint_eq(inl_at(f, find(f, IR_CALL)).func + inl_at(f, find(f, IR_LOOP_CHECK)).func,
		F_REC + 1 + F_SUM + 1);
	ck_assert_uint_eq(count(f, IR_ENTRY_CHECK, 0, true), 3);
	ck_assert_uint_eq(count(f, IR_LOOP_CHECK, 0, true), 1);
	ck_assert_uint_eq(f->nosr, 0);
	ir_func_free(f);
	/* $rec itself: inlined into itself once.  The call left is its
	 * copy's, in the copy's frame: at the first call's base (ir_inl.base),
	 * its own base beyond that */
	ir_func *g;
	wasm_error err;
	uint32_t base, frame;
	ck_assert_int_eq(ir_build(r.m, F_REC, &g, &err), WASM_OK);
	const ir_insn *gc = find(g, IR_CALL);
	ck_assert(ir_call_frame(g, (ir_ref)(gc - g->v), &base));
	ck_assert_uint_gt(base, 0);
	f = build_run(r.m, F_REC, "inline");
	ck_assert_uint_eq(count(f, IR_CALL, F_REC, false), 1);
	const ir_insn *c = find(f, IR_CALL);
	ck_assert_uint_eq(inl_at(f, c).func, F_REC + 1);
	ck_assert_uint_eq(inl_at(f, c).base, base);
	ck_assert(ir_call_frame(f, (ir_ref)(c - f->v), &frame));
	ck_assert_uint_eq(frame, 2 * base);
	ck_assert_uint_eq(count(f, IR_ENTRY_CHECK, 0, true), 2);
	ir_func_free(f);
	ir_func_free(g);
	/* a callee that always traps is not inlined */
	f = build_run(r.m, func_index(&r, "t"), "inline");
	ck_assert_uint_eq(count(f, IR_CALL, F_TRAP, false), 1);
	ir_func_free(f);
	/* s: $sat inlined */
	f = build_run(r.m, func_index(&r, "s"), "inline");
	ck_assert_uint_eq(count(f, IR_CALL, 0, true), 0);
	ck_assert_uint_eq(count(f, IR_SATU, 0, true) + count(f, IR_SATS, 0, true), 2);
	ir_func_free(f);
	rig_down(&r);
}
END_TEST

/* ---- running: the same answers as the other tiers ------------------------------ */

START_TEST(inline_same_answers)
{
	rig o, in, bl;
	rig_up(&o, mod_wat, WASM_TIER_OPT, false, 0);
	rig_up(&in, mod_wat, WASM_TIER_INTERP, false, 0);
	rig_up(&bl, mod_wat, WASM_TIER_BASELINE, false, 0);
	/* values; divide by zero ($die(0) = 0) and overflow in $div;
	 * unreachable in $die; out of bounds in $st and in $ld; in $sat
	 * NaN (0 / 0), infinities, and out of range both ways */
	static const int32_t args[][2] = {
		{ 7, 3 }, { -5, 9 }, { 100, 8 }, { 0, 16 }, { -1, 12 },
		{ 1, 65532 }, { 1, 65533 }, { 1, 65528 }, { 5, -4 }, { 5, 16 }, { INT32_MIN, 0 },
		{ 0, 0 }, { 5000, 1 },
	};
	for (size_t k = 0; k < sizeof args / sizeof args[0]; k++) {
		int32_t a = args[k][0], b = args[k][1];
		for (const char *const *n = (const char *const[]){ "f", "k", "refused", "s", NULL };
		     *n; n++) {
			if (strcmp(*n, "refused") == 0 && (a < 0 || a > 1000 || b <= 0 || b > 1000))
				continue;
			(void)call3(&o, &in, &bl, *n, a, b, 0);
		}
	}
	/* some of them trapped, in the callees */
	outcome x = call(&o, "f", 1, 65533, 0);
	ck_assert_int_eq(x.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	ck_assert_uint_eq(x.func, F_ST);
	x = call(&o, "f", 1, 65532, 0);
	ck_assert_int_eq(x.trap, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
	ck_assert_uint_eq(x.func, F_LD);
	x = call(&o, "f", 0, 16, 0);
	ck_assert_int_eq(x.trap, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	ck_assert_uint_eq(x.func, F_DIV);
	x = call(&o, "f", 5, 16, 0);
	ck_assert_int_eq(x.trap, WASM_TRAP_UNREACHABLE);
	ck_assert_uint_eq(x.func, F_DIE);
	all_in_opt(&o);
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}
END_TEST

/* down(n): n activations of itself, then $leaf (inlined in tier 2); up(n)
 * calls $leaf at every level before going down.  With max_call_depth D
 * the stack overflows at the same call in every tier: at $leaf's entry
 * for the n where only the leaf's frame is missing.  Tier 2 inlines each
 * of the three into itself once, and $leaf into that copy.  lp(n): a
 * loop of three turns at each of n levels, then $leaf: inlined into
 * itself with its loop (no OSR map), so fuel runs out inside an inlined
 * loop, in a function called from inlined code and at inlined entries. */
static const char depth_wat[] =
	"(module\n"
	"  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))\n"
	"  (func $down (export \"down\") (param i32 i32) (result i32)\n"
	"    (if (result i32) (i32.eqz (local.get 0)) (then (call $leaf (local.get 1)))\n"
	"      (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))\n"
	"                       (local.get 1)) (i32.const 2)))))\n"
	"  (func $up (export \"up\") (param i32 i32) (result i32)\n"
	"    (if (result i32) (i32.eqz (local.get 0)) (then (local.get 1))\n"
	"      (else (call $up (i32.sub (local.get 0) (i32.const 1))\n"
	"                      (call $leaf (local.get 1))))))\n"
	"  (func $lp (export \"lp\") (param i32 i32) (result i32) (local i32)\n"
	"    (if (i32.eqz (local.get 0)) (then (return (call $leaf (local.get 1)))))\n"
	"    (loop $l (local.set 2 (i32.add (local.get 2) (i32.const 3)))\n"
	"      (br_if $l (i32.lt_u (local.get 2) (i32.const 9))))\n"
	"    (i32.add (call $lp (i32.sub (local.get 0) (i32.const 1)) (local.get 1))\n"
	"      (local.get 2)))\n"
	"  (func $spin (export \"spin\") (param i32 i32) (result i32) (local i32)\n"
	"    (loop $l\n"
	"      (local.set 2 (i32.add (local.get 2) (call $leaf (local.get 0))))\n"
	"      (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))\n"
	"    (local.get 2))\n"
	")\n";

START_TEST(inline_stack_depth)
{
	enum { DEPTH = 200 };
	rig o, in, bl;
	rig_up(&o, depth_wat, WASM_TIER_OPT, false, DEPTH);
	rig_up(&in, depth_wat, WASM_TIER_INTERP, false, DEPTH);
	rig_up(&bl, depth_wat, WASM_TIER_BASELINE, false, DEPTH);
	bool leaf_overflowed = false;
	for (const char *const *n = (const char *const[]){ "down", "up", "lp", NULL }; *n; n++)
		for (int32_t d = DEPTH - 6; d <= DEPTH + 2; d++) {
			outcome x = call3(&o, &in, &bl, *n, d, 5, 0);
			leaf_overflowed |= x.trap == WASM_TRAP_STACK_OVERFLOW && x.func == 0;
		}
	/* the overflow happened at least once at the inlined leaf's entry */
	ck_assert(leaf_overflowed);
	/* and $leaf is inlined in down's tier-2 code, down into itself once
	 * (its copy's call of itself stays) */
	uint32_t down = func_index(&o, "down");
	ir_func *f = build_run(o.m, down, ir_default_pipeline);
	ck_assert_uint_eq(count(f, IR_CALL, 0, false), 0);
	ck_assert_uint_eq(count(f, IR_CALL, down, false), 1);
	ck_assert_uint_eq(inl_at(f, find(f, IR_CALL)).func, down + 1);
	uint32_t nentry = count(f, IR_ENTRY_CHECK, 0, true);
	ck_assert_uint_ge(nentry, 3);
	ir_func_free(f);
	/* the inlined entries check frame count, value stack and deadline
	 * but not the native stack, which their function's entry compared
	 * (cmp rsp, [r14+disp32]: 49 3b a6) with the same rsp: one compare */
	mir_code code;
	wasm_error err;
	ck_assert_int_eq(opt_codegen(o.m, down, NULL, true, &code, &err), WASM_OK);
	unsigned nrsp = 0;
	for (size_t k = 0; k + 3 <= code.len; k++)
		nrsp += code.code[k] == 0x49 && code.code[k + 1] == 0x3b &&
			code.code[k + 2] == 0xa6;
	ck_assert_uint_eq(nrsp, 1);
	free(code.code);
	free(code.pc);
	free(code.pc_func);
	free(code.loops);
	/* lp: its copy's loop has its loop check and no OSR map (right
	 * after inlining: the default pipeline's loopchk takes the checks
	 * of both, short counted loops); built for an engine whose frames
	 * can move into tier 2 at a loop (not --tier=opt: opt_osr_wanted),
	 * its own loop has one */
	uint32_t lp = func_index(&o, "lp");
	f = build_run(in.m, lp, "inline");
	ck_assert_uint_eq(count(f, IR_CALL, lp, false), 1);
	ck_assert_uint_eq(count(f, IR_LOOP_CHECK, 0, true), 2);
	ck_assert_uint_eq(f->nosr, 1);
	ir_func_free(f);
	/* under --tier=opt no frame enters tier 2 at a loop: no OSR map */
	f = build_run(o.m, lp, "inline");
	ck_assert_uint_eq(count(f, IR_LOOP_CHECK, 0, true), 2);
	ck_assert_uint_eq(f->nosr, 0);
	ir_func_free(f);
	all_in_opt(&o);
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}
END_TEST

START_TEST(inline_fuel)
{
	rig o, in, bl;
	rig_up(&o, depth_wat, WASM_TIER_OPT, true, 0);
	rig_up(&in, depth_wat, WASM_TIER_INTERP, true, 0);
	rig_up(&bl, depth_wat, WASM_TIER_BASELINE, true, 0);
	/* every amount of fuel from too little for one iteration to enough:
	 * the same result or the same out-of-fuel trap, the same fuel left */
	bool ran_out = false, finished = false;
	for (uint64_t fuel = 1; fuel <= 40; fuel++) {
		outcome x = call3(&o, &in, &bl, "spin", 3, 12, fuel);
		ran_out |= x.trap == WASM_TRAP_OUT_OF_FUEL && x.func == 0;
		finished |= x.st == WASM_OK;
	}
	ck_assert(ran_out && finished);
	/* lp(4): out of fuel at lp's entries and loop turns, its inlined
	 * copy's, and the calls of lp that copy makes */
	uint32_t lp = func_index(&o, "lp");
	size_t where[2] = { SIZE_MAX, SIZE_MAX };     /* two places in lp */
	finished = false;
	for (uint64_t fuel = 1; fuel <= 40; fuel++) {
		outcome x = call3(&o, &in, &bl, "lp", 4, 5, fuel);
		if (x.trap == WASM_TRAP_OUT_OF_FUEL && x.func == lp)
			where[where[0] != SIZE_MAX && where[0] != x.offset] = x.offset;
		finished |= x.st == WASM_OK;
	}
	/* its entry and its loop */
	ck_assert(where[0] != SIZE_MAX && where[1] != SIZE_MAX);
	ck_assert(finished);
	ir_func *f = build_run(o.m, func_index(&o, "spin"), ir_default_pipeline);
	ck_assert_uint_eq(count(f, IR_CALL, 0, false), 0);
	ir_func_free(f);
	all_in_opt(&o);
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}
END_TEST

/* ---- callees that call ------------------------------------------------------ */

/* $w1 calls $big (never inlined: over the budget) and $sq (inlined into
 * $w1's copy: two levels); $w2 calls through the table (index b - 10:
 * $sq, null, $big of another type, out of bounds); $w3 runs slow ops
 * (memory.fill, memory.grow) on its own frame's slots; $w4 calls the
 * import tick and $inner, whose loop calls tick (the epoch one further
 * per call: the deadline test; tick(7) traps); cfib is clang's shape of
 * fib, a loop round one of its two recursive calls, inlined into itself
 * once. */
static const char calls_wat[] =
	"(module\n"
	"  (import \"h\" \"tick\" (func $tick (param i32) (result i32)))\n"
	"  (memory 1 3)\n"
	"  (type $t1 (func (param i32) (result i32)))\n"
	"  (table 3 funcref)\n"
	"  (elem (i32.const 0) $sq)\n"
	"  (elem (i32.const 2) $big)\n"
	"  (func $big (param i32 i32) (result i32)\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 1)) (i32.const 2))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 3)) (i32.const 4)))\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 5)) (i32.const 6))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 7)) (i32.const 8))) i32.add\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 9)) (i32.const 10))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 11)) (i32.const 12))) i32.add\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 13)) (i32.const 14))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 15)) (i32.const 16))) i32.add\n"
	"    (i32.mul (i32.add (i32.xor (local.get 0) (i32.const 17)) (i32.const 18))\n"
	"     (i32.add (i32.xor (local.get 0) (i32.const 19)) (i32.const 20))) i32.add\n"
	"    (local.get 1) i32.div_s)\n"
	"  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))\n"
	"  (func $w1 (param i32 i32) (result i32)\n"
	"    (i32.add (call $big (local.get 0) (local.get 1)) (call $sq (local.get 1))))\n"
	"  (func $w2 (param i32) (result i32)\n"
	"    (call_indirect (type $t1) (local.get 0) (i32.sub (local.get 0) (i32.const 10))))\n"
	"  (func $w3 (param i32 i32) (result i32)\n"
	"    (memory.fill (local.get 1) (local.get 0) (i32.const 8))\n"
	"    (i32.add (memory.grow (local.get 0)) (i32.load8_u (local.get 1))))\n"
	"  (func $inner (param i32) (result i32) (local i32)\n"
	"    (local.set 1 (i32.const 0))\n"
	"    (loop $l (local.set 1 (i32.add (local.get 1) (call $tick (local.get 0))))\n"
	"      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))\n"
	"    (local.get 1))\n"
	"  (func $w4 (param i32) (result i32)\n"
	"    (i32.add (call $tick (local.get 0)) (call $inner (local.get 0))))\n"
	"  (func $cfib (param i32) (result i32) (local i32)\n"
	"    (if (i32.ge_u (local.get 0) (i32.const 2)) (then\n"
	"      (loop $l\n"
	"        (local.set 1 (i32.add (call $cfib (i32.sub (local.get 0) (i32.const 1)))\n"
	"          (local.get 1)))\n"
	"        (br_if $l (i32.gt_u (local.tee 0 (i32.sub (local.get 0) (i32.const 2)))\n"
	"          (i32.const 1))))))\n"
	"    (i32.add (local.get 0) (local.get 1)))\n"
	"  (func (export \"wrap\") (param i32 i32) (result i32)\n"
	"    (i32.add (call $w1 (local.get 0) (local.get 1)) (call $w2 (local.get 1))))\n"
	"  (func (export \"slow\") (param i32 i32) (result i32)\n"
	"    (i32.add (local.get 0) (call $w3 (local.get 0) (local.get 1))))\n"
	"  (func (export \"dl\") (param i32 i32) (result i32) (local i32)\n"
	"    (loop $l (local.set 2 (i32.add (local.get 2) (call $w4 (local.get 0))))\n"
	"      (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))\n"
	"    (local.get 2))\n"
	"  (func (export \"cfib\") (param i32 i32) (result i32) (call $cfib (local.get 0)))\n"
	")\n";

enum { C_TICK, C_BIG, C_SQ, C_W1, C_W2, C_W3, C_INNER, C_W4, C_CFIB };

/* The instruction of f that is op and inlined from function fi. */
static const ir_insn *find_from(ir_func *f, enum ir_op op, uint32_t fi)
{
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			const ir_insn *i = &f->v[f->b[b].insn[j]];
			if (i->op == op && inl_at(f, i).func == fi + 1)
				return i;
		}
	return NULL;
}

/* The frame a call of f's own code (op, calling `callee` if op is
 * IR_CALL) gives its callee. */
static uint32_t own_call_frame(ir_func *f, enum ir_op op, uint32_t callee)
{
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			uint32_t frame;
			if (f->v[r].op == op && !ir_inl_of(f, r).func &&
			    (op != IR_CALL || f->v[r].aux == callee) &&
			    ir_call_frame(f, r, &frame))
				return frame;
		}
	ck_abort_msg("no such call");
	return 0;
}

START_TEST(inline_calls_ir)
{
	rig r;
	rig_up(&r, calls_wat, WASM_TIER_INTERP, false, 0);
	/* wrap: $w1 and $w2 inlined, $sq into $w1's copy; the call of $big
	 * and the indirect call are $w1's and $w2's, in their frames */
	ir_func *f = build_run(r.m, func_index(&r, "wrap"), "inline");
	ir_func *own = build_run(r.m, func_index(&r, "wrap"), "");
	ir_func *w1 = build_run(r.m, C_W1, "");
	ck_assert_uint_eq(count(f, IR_CALL, C_W1, false) + count(f, IR_CALL, C_W2, false) +
		count(f, IR_CALL, C_SQ, false), 0);
	const ir_insn *c = find_from(f, IR_CALL, C_W1);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->aux, C_BIG);
	uint32_t frame;
	ck_assert(ir_call_frame(f, (ir_ref)(c - f->v), &frame));
	ck_assert_uint_eq(inl_at(f, c).base, own_call_frame(own, IR_CALL, C_W1));
	ck_assert_uint_eq(frame, inl_at(f, c).base + own_call_frame(w1, IR_CALL, C_BIG));
	/* $sq, two levels down: in $w1's frame at its call's base */
	const ir_insn *sq = find_from(f, IR_IMUL, C_SQ);
	ck_assert_ptr_nonnull(sq);
	ck_assert_uint_eq(inl_at(f, sq).base, inl_at(f, c).base + own_call_frame(w1, IR_CALL, C_SQ));
	ck_assert_ptr_nonnull(find_from(f, IR_CALL_INDIRECT, C_W2));
	ck_assert_uint_eq(count(f, IR_ENTRY_CHECK, 0, true), 4);
	ir_func_free(f);
	ir_func_free(own);
	ir_func_free(w1);
	/* slow: $w3's slow ops, inlined */
	f = build_run(r.m, func_index(&r, "slow"), "inline");
	own = build_run(r.m, func_index(&r, "slow"), "");
	ck_assert_uint_eq(count(f, IR_CALL, 0, true), 0);
	ck_assert_uint_eq(inl_at(f, find_from(f, IR_MEMORY_GROW, C_W3)).base,
		own_call_frame(own, IR_CALL, C_W3));
	ck_assert_ptr_nonnull(find_from(f, IR_MEMORY_FILL, C_W3));
	ir_func_free(f);
	ir_func_free(own);
	/* dl: $w4 and $inner (two levels) with its loop; the import calls
	 * stay, one in $w4's frame, one in $inner's */
	f = build_run(r.m, func_index(&r, "dl"), "inline");
	ck_assert_uint_eq(count(f, IR_CALL, 0, true), 0);
	ck_assert_uint_eq(count(f, IR_CALL_IMPORT, 0, true), 2);
	ck_assert_uint_eq(count(f, IR_LOOP_CHECK, 0, true), 2);
	ck_assert_uint_eq(f->nosr, 1);
	ck_assert_ptr_nonnull(find_from(f, IR_CALL_IMPORT, C_INNER));
	ck_assert_ptr_nonnull(find_from(f, IR_CALL_IMPORT, C_W4));
	ir_func_free(f);
	/* every pipeline verified */
	for (const char *const *n = (const char *const[]){ "wrap", "slow", "dl", "cfib",
	     NULL }; *n; n++)
		ir_func_free(build_run(r.m, func_index(&r, *n), ir_default_pipeline));
	/* cfib inlined into itself once: the copy's loop calls cfib on every
	 * trip, the outer loop's trips pass the copy's entry check, and cfib
	 * runs no host code: loopchk leaves neither loop its check */
	f = build_run(r.m, C_CFIB, ir_default_pipeline);
	ck_assert_uint_eq(count(f, IR_CALL, C_CFIB, false), 1);
	ck_assert_uint_eq(count(f, IR_LOOP_CHECK, 0, true), 0);
	ir_func_free(f);
	rig_down(&r);
}
END_TEST

START_TEST(inline_calls_same_answers)
{
	rig o, in, bl;
	rig_up(&o, calls_wat, WASM_TIER_OPT, false, 0);
	rig_up(&in, calls_wat, WASM_TIER_INTERP, false, 0);
	rig_up(&bl, calls_wat, WASM_TIER_BASELINE, false, 0);
	static const struct { const char *name; int32_t a, b; } cases[] = {
		{ "wrap", 7, 10 }, { "wrap", -3, 10 }, { "wrap", 9, 0 }, { "wrap", 4, 11 },
		{ "wrap", 4, 12 }, { "wrap", 4, 13 }, { "wrap", 4, 9 },
		{ "slow", 0, 100 }, { "slow", 1, 16 }, { "slow", 1, 65530 },
		{ "slow", 2, 0x7fff0000 }, { "slow", 3, 200000 }, { "slow", 0, 200000 },
		{ "dl", 3, 4 }, { "dl", 1, 1 }, { "dl", 7, 1 }, { "dl", 9, 1 },
		{ "cfib", 0, 0 }, { "cfib", 1, 0 }, { "cfib", 2, 0 }, { "cfib", 7, 0 },
		{ "cfib", 20, 0 }, { "cfib", 21, 0 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const char *n = cases[k].name;
		int32_t a = cases[k].a, b = cases[k].b;
		(void)call3(&o, &in, &bl, n, a, b, 0);
	}
	/* the traps: in $big, called from inlined code; in inlined $w2's
	 * call_indirect and $w3's memory.fill, naming them */
	static const struct { const char *name; int32_t a, b; wasm_trap_kind t; uint32_t f; }
	traps[] = {
		{ "wrap", 9, 0, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO, C_BIG },
		{ "wrap", 4, 11, WASM_TRAP_UNINITIALIZED_ELEMENT, C_W2 },
		{ "wrap", 4, 12, WASM_TRAP_INDIRECT_CALL_TYPE_MISMATCH, C_W2 },
		{ "wrap", 4, 13, WASM_TRAP_OUT_OF_BOUNDS_TABLE, C_W2 },
		{ "slow", 2, 0x7fff0000, WASM_TRAP_OUT_OF_BOUNDS_MEMORY, C_W3 },
		/* the import's trap (tick(7)), at $w4's call and at $inner's */
		{ "dl", 7, 1, WASM_TRAP_HOST, C_W4 },
		{ "dl", 9, 1, WASM_TRAP_HOST, C_INNER },
	};
	for (size_t k = 0; k < sizeof traps / sizeof traps[0]; k++) {
		outcome x = call(&o, traps[k].name, traps[k].a, traps[k].b, 0);
		ck_assert_int_eq(x.trap, traps[k].t);
		ck_assert_uint_eq(x.func, traps[k].f);
	}
	all_in_opt(&o);
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}
END_TEST

/* The deadline passes inside inlined code: dl(2, 3) ticks the epoch at
 * each import call ($w4's and its inlined $inner's loop); for every
 * deadline the timeout is raised at the same check -- an inlined entry,
 * an inlined loop's header, dl's own loop -- in every tier. */
START_TEST(inline_deadline)
{
	rig o, in, bl;
	rig_up(&o, calls_wat, WASM_TIER_OPT, false, 0);
	rig_up(&in, calls_wat, WASM_TIER_INTERP, false, 0);
	rig_up(&bl, calls_wat, WASM_TIER_BASELINE, false, 0);
	size_t inner[2] = { SIZE_MAX, SIZE_MAX };    /* two places in $inner */
	bool outside = false, finished = false;
	for (uint64_t d = 1; d <= 12; d++) {
		outcome x[3];
		rig *rs[3] = { &o, &in, &bl };
		for (int k = 0; k < 3; k++) {
			rs[k]->epoch = 0;
			wasm_store_set_deadline(rs[k]->s, &rs[k]->epoch, d);
			x[k] = call(rs[k], "dl", 2, 3, 0);
			wasm_store_set_deadline(rs[k]->s, NULL, 0);
		}
		same(&x[0], &x[1], "interpreter", "dl", 2, 3);
		same(&x[0], &x[2], "baseline", "dl", 2, 3);
		if (x[0].trap == WASM_TRAP_TIMEOUT && x[0].func == C_INNER)
			inner[inner[0] != SIZE_MAX && inner[0] != x[0].offset] = x[0].offset;
		outside |= x[0].trap == WASM_TRAP_TIMEOUT && x[0].func != C_INNER;
		finished |= x[0].st == WASM_OK;
	}
	/* at $inner's entry and its loop, and outside $inner */
	ck_assert(inner[0] != SIZE_MAX && inner[1] != SIZE_MAX && outside);
	ck_assert(finished);
	all_in_opt(&o);
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}
END_TEST

/* cfib's recursion overflows max_call_depth at the same call in every
 * tier, though each of its tier-2 activations runs two levels. */
START_TEST(inline_calls_depth)
{
	enum { DEPTH = 24 };
	rig o, in, bl;
	rig_up(&o, calls_wat, WASM_TIER_OPT, false, DEPTH);
	rig_up(&in, calls_wat, WASM_TIER_INTERP, false, DEPTH);
	rig_up(&bl, calls_wat, WASM_TIER_BASELINE, false, DEPTH);
	bool overflowed = false, finished = false;
	for (int32_t n = DEPTH - 4; n <= DEPTH + 2; n++) {
		outcome x = call3(&o, &in, &bl, "cfib", n, 0, 0);
		overflowed |= x.trap == WASM_TRAP_STACK_OVERFLOW;
		finished |= x.st == WASM_OK;
	}
	ck_assert(overflowed && finished);
	all_in_opt(&o);
	rig_down(&o);
	rig_down(&in);
	rig_down(&bl);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("opt_inline");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, inline_ir);
	tcase_add_test(tc, inline_refusals);
	tcase_add_test(tc, inline_same_answers);
	tcase_add_test(tc, inline_stack_depth);
	tcase_add_test(tc, inline_fuel);
	tcase_add_test(tc, inline_calls_ir);
	tcase_add_test(tc, inline_calls_same_answers);
	tcase_add_test(tc, inline_deadline);
	tcase_add_test(tc, inline_calls_depth);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
