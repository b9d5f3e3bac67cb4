/* check_opt.c -- tier 2's IR: the op table, the builder (from modules
 * assembled here), the verifier, the printer, each pass, the pass manager
 * and opt_dump_ir. */
#include "wasm.h"
#include "front/module.h"
#include "jit/opt/opt.h"
#include "jit/opt/passes.h"
#include "jit/opt/mir.h"
#include "interp/ops.h"

#include "testlib.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>


/* ---- modules assembled here (as check_interp.c does) ------------------------ */

/* buf, put, u8, uleb, section: testlib.h */

static void types(buf *s, const char *t)
{
	uleb(s, (uint32_t)strlen(t));
	for (; *t; t++)
		u8(s, *t == 'i' ? 0x7f : *t == 'I' ? 0x7e : *t == 'f' ? 0x7d : 0x7c);
}

/* One function (index 0) of type params -> results, `nlocals` locals of
 * type ltype ('i', 'I', 'f', 'F'), the given body (without the final
 * end), one memory page and one mutable i32 global. */
static wasm_module *load(wasm_engine **eng, const char *params, const char *results,
	uint32_t nlocals, char ltype, const uint8_t *code, size_t code_len)
{
	buf m = { .n = 0 }, s;
	put(&m, "\0asm\1\0\0\0", 8);
	s.n = 0;
	uleb(&s, 1);
	u8(&s, 0x60);
	types(&s, params);
	types(&s, results);
	section(&m, 1, &s);
	s.n = 0;
	uleb(&s, 1);
	uleb(&s, 0);
	section(&m, 3, &s);
	s.n = 0;
	uleb(&s, 1);
	u8(&s, 0);
	uleb(&s, 1);
	section(&m, 5, &s);
	s.n = 0;                                  /* global (mut i32) = 7 */
	uleb(&s, 1);
	u8(&s, 0x7f);
	u8(&s, 1);
	u8(&s, 0x41);
	u8(&s, 7);
	u8(&s, 0x0b);
	section(&m, 6, &s);
	buf body = { .n = 0 };
	if (nlocals) {
		char lt[2] = { ltype, 0 };
		uleb(&body, 1);
		uleb(&body, nlocals);
		buf t = { .n = 0 };
		types(&t, lt);
		u8(&body, t.b[1]);
	} else {
		uleb(&body, 0);
	}
	put(&body, code, code_len);
	u8(&body, 0x0b);
	s.n = 0;
	uleb(&s, 1);
	uleb(&s, (uint32_t)body.n);
	put(&s, body.b, body.n);
	section(&m, 10, &s);
	wasm_error err;
	*eng = wasm_engine_new(NULL);
	ck_assert_ptr_nonnull(*eng);
	wasm_module *mod;
	wasm_status st = wasm_module_load(*eng, m.b, m.n, &mod, &err);
	ck_assert_msg(st == WASM_OK, "load: %s", err.message);
	return mod;
}

static void unload(wasm_engine *e, wasm_module *m)
{
	wasm_module_free(m);
	wasm_engine_free(e);
}

static void verified(ir_func *f)
{
	char msg[256];
	ck_assert_msg(ir_verify(f, msg, sizeof msg), "verify: %s", msg);
}

/* Build function 0, verify, run `pipeline` verifying after each pass. */
static ir_func *build_run(wasm_module *m, const char *pipeline)
{
	ir_func *f;
	wasm_error err;
	wasm_status st = ir_build(m, 0, &f, &err);
	ck_assert_msg(st == WASM_OK, "build: %s", err.message);
	verified(f);
	if (pipeline) {
		/* CHECK_OPT_PRINT=1: the IR between the passes, on stderr */
		st = ir_run_passes(f, pipeline, getenv("CHECK_OPT_PRINT") ? stderr : NULL,
			true, &err);
		ck_assert_msg(st == WASM_OK, "passes: %s", err.message);
	}
	return f;
}

/* How many live instructions of op f has. */
static uint32_t count_op(ir_func *f, enum ir_op op)
{
	uint32_t n = 0;
	for (uint32_t b = 0; b < f->nb; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn; j++)
			n += f->v[f->b[b].insn[j]].op == op;
	}
	return n;
}

/* The operand k of the function's (only) RET, resolved. */
static ir_ref ret_operand(ir_func *f, uint32_t k)
{
	for (uint32_t b = 0; b < f->nb; b++) {
		ir_ref t = f->b[b].dead ? IR_NONE : ir_terminator(f, b);
		if (t && f->v[t].op == IR_RET)
			return ir_resolve(f, ir_args(f, t)[k]);
	}
	return IR_NONE;
}

static char *print_to_string(ir_func *f)
{
	char *p = NULL;
	size_t n = 0;
	FILE *o = open_memstream(&p, &n);
	ir_print(f, o);
	fclose(o);
	return p;
}

START_TEST(table_consistent)
{
	for (int op = 0; op < IR_OP_COUNT_; op++) {
		const ir_op_info *oi = &ir_ops[op];
		ck_assert_ptr_nonnull(oi->name);
		if (oi->nargs < 0)
			ck_assert_int_eq(oi->kind[0], IRK_VAR);
		for (int k = oi->nargs < 0 ? 1 : oi->nargs; k < 3; k++)
			ck_assert_msg(oi->kind[k] == IRK_NONE, "%s: kind %d", oi->name, k);
		for (int k = 0; k < (oi->nargs < 0 ? 0 : oi->nargs); k++)
			ck_assert_msg(oi->kind[k] != IRK_NONE, "%s: operand %d", oi->name, k);
	}
}
END_TEST


/* ---- hand-made IR: the verifier and each pass -------------------------------- */

/* b0: v = const a; w = const b; x = op v w; ret x  (one i32 result) */
static ir_func *tiny(enum ir_op op, enum ir_type t, uint64_t a, uint64_t b, ir_ref *x)
{
	ir_func *f = ir_func_new(0);
	ck_assert_ptr_nonnull(f);
	f->nresults = 1;
	f->result_types = malloc(1);
	f->result_types[0] = (uint8_t)(ir_ops[op].result == IRR_I32 ? IRT_I32 : t);
	uint32_t b0 = ir_block_new(f);
	ir_ref args[2] = { ir_const(f, t, a), ir_const(f, t, b) };
	*x = ir_emit(f, b0, op, (enum ir_type)f->result_types[0], 2, args);
	if (ir_ops[op].kind[0] == IRK_SI || ir_ops[op].kind[0] == IRK_SF)
		f->v[*x].aux = t;
	ir_emit(f, b0, IR_RET, IRT_NONE, 1, x);
	return f;
}

START_TEST(verify_catches)
{
	char msg[256];
	ir_ref x;
	ir_func *f = tiny(IR_IADD, IRT_I32, 1, 2, &x);
	verified(f);
	/* a use before its definition */
	ir_ref late = ir_insn_new(f, IR_CONST, IRT_I32, 0);
	ir_insert_body(f, 0, late);
	ir_args(f, x)[1] = late;
	ck_assert(!ir_verify(f, msg, sizeof msg));
	ck_assert_msg(strstr(msg, "dominate"), "%s", msg);
	/* a type that is not the op's */
	ir_args(f, x)[1] = ir_const(f, IRT_I64, 2);
	ck_assert(!ir_verify(f, msg, sizeof msg));
	ck_assert_msg(strstr(msg, "wants i32"), "%s", msg);
	ir_func_free(f);

	/* a phi with an operand per predecessor, no more */
	f = ir_func_new(0);
	f->result_types = malloc(1);
	uint32_t b0 = ir_block_new(f), b1 = ir_block_new(f);
	ir_emit(f, b0, IR_JUMP, IRT_NONE, 0, NULL);
	ir_edge_add(f, b0, b1);
	ir_ref k = ir_const(f, IRT_I32, 1), ks[2] = { k, k };
	ir_ref phi = ir_insn_new(f, IR_PHI, IRT_I32, 2);
	memcpy(ir_args(f, phi), ks, sizeof ks);
	ir_insert_phi(f, b1, phi);
	ir_emit(f, b1, IR_RET, IRT_NONE, 0, NULL);
	ck_assert(!ir_verify(f, msg, sizeof msg));
	ck_assert_msg(strstr(msg, "predecessors"), "%s", msg);
	ir_set_nargs(f, phi, 1);
	verified(f);
	/* no terminator */
	ir_delete(f, ir_terminator(f, b1));
	ck_assert(!ir_verify(f, msg, sizeof msg));
	ck_assert_msg(strstr(msg, "terminator"), "%s", msg);
	ir_func_free(f);
}
END_TEST

START_TEST(eval_wasm_semantics)
{
	uint64_t a[2], r;
#define EV(op, t, src, x, y) (a[0] = (x), a[1] = (y), ir_eval(IR_##op, IRT_##t, IRT_##src, a, 2, &r))
	ck_assert(EV(IADD, I32, NONE, 0xffffffff, 2) && r == 1);
	ck_assert(EV(ISHL, I32, NONE, 1, 33) && r == 2);
	ck_assert(EV(ISHL, I64, NONE, 1, 65) && r == 2);
	ck_assert(EV(IROTL, I32, NONE, 0x80000001u, 1) && r == 3);
	ck_assert(EV(ISHRS, I32, NONE, 0x80000000u, 31) && r == 0xffffffffu);
	ck_assert(!EV(IDIVS, I32, NONE, 1, 0));
	ck_assert(!EV(IDIVS, I32, NONE, 0x80000000u, 0xffffffffu));
	ck_assert(EV(IREMS, I32, NONE, 0x80000000u, 0xffffffffu) && r == 0);
	ck_assert(EV(IDIVS, I32, NONE, (uint32_t)-7, 2) && r == (uint32_t)-3);
	ck_assert(!EV(IREMU, I64, NONE, 5, 0));
	ck_assert(EV(ILTS, I32, I32, 0xffffffffu, 0) && r == 1);
	ck_assert(EV(ILTU, I32, I32, 0xffffffffu, 0) && r == 0);
	ck_assert(EV(ICLZ, I32, NONE, 0, 0) && r == 32);
	/* the high half of the double-width product */
	ck_assert(EV(IMULHU, I64, NONE, 1ull << 63, 4) && r == 2);
	ck_assert(EV(IMULHU, I64, NONE, ~0ull, ~0ull) && r == ~0ull - 1);
	ck_assert(EV(IMULHS, I64, NONE, ~0ull, 1) && r == ~0ull);         /* -1 * 1 */
	ck_assert(EV(IMULHS, I64, NONE, 1ull << 63, 1ull << 63) && r == 1ull << 62);
	ck_assert(EV(IMULHS, I64, NONE, 1ull << 63, 0x7fffffffffffffffull) &&
		r == 0xc000000000000000ull);
	ck_assert(EV(IMULHU, I32, NONE, 0xffffffffu, 0xffffffffu) && r == 0xfffffffeu);
	ck_assert(EV(IMULHS, I32, NONE, 0xffffffffu, 1) && r == 0xffffffffu);
	ck_assert(EV(IMULHS, I32, NONE, 0x80000000u, 0x80000000u) && r == 0x40000000u);
	ck_assert(EV(IEXT8S, I32, NONE, 0x80, 0) && r == 0xffffff80u);
	/* floats: numbers as IEEE says, NaN results as ops.h's NaN rule (the
	 * bits the other tiers give: the first NaN operand quieted, else the
	 * default NaN with its sign bit set) */
	ck_assert(EV(FADD, F32, NONE, 0x3fc00000, 0x40000000) && r == 0x40600000); /* 1.5+2 */
	ck_assert(EV(FDIV, F32, NONE, 0, 0) && r == 0xffc00000);      /* 0/0 */
	ck_assert(EV(FSUB, F64, NONE, 0xfff0000000000000ull, 0xfff0000000000000ull) &&
		r == 0xfff8000000000000ull);                              /* -inf - -inf */
	ck_assert(EV(FADD, F64, NONE, 0x7ff8000000000001ull, 0) &&
		r == 0x7ff8000000000001ull);                              /* NaN in */
	ck_assert(EV(FMUL, F64, NONE, 0x3ff0000000000000ull, 0xfff0000000000003ull) &&
		r == 0xfff8000000000003ull);                              /* 1 * sNaN: quieted */
	ck_assert(EV(FSUB, F32, NONE, 0x7f800005, 0xffc00007) && r == 0x7fc00005); /* first NaN */
	ck_assert(EV(FMAX, F32, NONE, 0x3f800000, 0xff800009) && r == 0xffc00009);
	ck_assert(EV(FMIN, F64, NONE, 0x7ff0000000000002ull, 0x7ff8000000000001ull) &&
		r == 0x7ff8000000000002ull);
	ck_assert(EV(FSQRT, F64, NONE, 0xbff0000000000000ull, 0xbff0000000000000ull) &&
		r == 0xfff8000000000000ull);                              /* sqrt(-1) */
	ck_assert(EV(FMAX, F64, NONE, 0x8000000000000000ull, 0) && r == 0);   /* -0 < +0 */
	ck_assert(EV(FNEG, F32, NONE, 0x7fc00001, 0) && r == 0xffc00001); /* bits */
	ck_assert(EV(FMIN, F64, NONE, 0x8000000000000000ull, 0) && r == 0x8000000000000000ull);
	ck_assert(EV(FLT, I32, F32, 0x7fc00000, 0) && r == 0);       /* NaN < 0 */
	/* conversions: trapping ones only in range */
	ck_assert(!EV(TRUNCS, I32, F32, 0x7fc00000, 0));
	ck_assert(!EV(TRUNCS, I32, F64, 0x41e0000000000000ull, 0));  /* 2^31 */
	ck_assert(EV(TRUNCS, I32, F64, 0xc000000000000000ull, 0) && r == 0xfffffffeu);
	ck_assert(EV(SATU, I32, F32, 0xbf800000, 0) && r == 0);      /* -1 -> 0 */
	ck_assert(EV(SATS, I64, F64, 0x7ff8000000000000ull, 0) && r == 0);
	ck_assert(EV(DEMOTE, F32, NONE, 0xfff4000020000000ull, 0) && r == 0xffe00001u);
	ck_assert(EV(PROMOTE, F64, NONE, 0x7fa00001u, 0) && r == 0x7ffc000020000000ull);
#undef EV
}
END_TEST

START_TEST(pass_fold)
{
	ir_ref x;
	ir_func *f = tiny(IR_IMUL, IRT_I32, 0x10000, 0x10000, &x);
	ck_assert(ir_pass_fold(f));
	ck_assert(ir_pass_copyprop(f));
	verified(f);
	ir_ref r = ret_operand(f, 0);
	ck_assert(ir_is_const(f, r) && f->v[r].imm == 0);     /* wraps */
	ir_func_free(f);

	f = tiny(IR_IDIVU, IRT_I64, 1, 0, &x);                /* would trap */
	ck_assert(!ir_pass_fold(f));
	ck_assert_uint_eq(count_op(f, IR_IDIVU), 1);
	ir_func_free(f);

	f = tiny(IR_FEQ, IRT_F64, 0x7ff8000000000000ull, 0x7ff8000000000000ull, &x);
	ck_assert(ir_pass_fold(f));                           /* NaN != NaN */
	ir_pass_copyprop(f);
	verified(f);
	r = ret_operand(f, 0);
	ck_assert(ir_is_const(f, r) && f->v[r].imm == 0 && f->v[r].type == IRT_I32);
	ir_func_free(f);

	f = tiny(IR_FSUB, IRT_F32, 0x7f800000, 0x7f800000, &x);   /* inf - inf */
	ck_assert(ir_pass_fold(f));                           /* the default NaN */
	ir_pass_copyprop(f);
	verified(f);
	r = ret_operand(f, 0);
	ck_assert(ir_is_const(f, r) && f->v[r].imm == 0xffc00000u);
	ir_func_free(f);
}
END_TEST

/* Strength reduction against ir_eval on constants: x op d is reduced
 * (strength), then folded to a constant (fold, copyprop), which must be
 * the value ir_eval gives for the original op; divisions that can trap
 * (by 0, signed by -1) stay. */
START_TEST(pass_strength)
{
	static const uint64_t divisors[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12,
		13, 25, 100, 125, 641, 1000, 4096, 65535, 65536, 65537, 1000000007,
		0x7fffffff, 0x80000000u, 0x80000001u, 0xfffffffbu, 0xfffffffeu,
		0xffffffffu, (uint64_t)-2, (uint64_t)-3, (uint64_t)-7, (uint64_t)-10,
		(uint64_t)-16, (uint64_t)-1000, 1ull << 40, (uint64_t)-(1ll << 40),
		0x8000000000000000ull, 0x8000000000000001ull, 0, (uint64_t)-1 };
	uint64_t xs[64];
	size_t nx = 0;
	static const uint64_t fixed[] = { 0, 1, 2, 3, 6, 7, 8, 9, 99, 100, 101,
		12345678, 0x7fffffff, 0x80000000u, 0x80000001u, 0xfffffff9u,
		0xfffffffeu, 0xffffffffu, (uint64_t)-1, (uint64_t)-2, (uint64_t)-7,
		(uint64_t)-100, (uint64_t)-999, 0x8000000000000000ull,
		0x7fffffffffffffffull, 0x123456789abcdefull };
	for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
		xs[nx++] = fixed[k];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	while (nx < sizeof xs / sizeof xs[0]) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		xs[nx++] = seed >> (seed & 31);
	}
	static const enum ir_op ops[] = { IR_IDIVU, IR_IREMU, IR_IDIVS, IR_IREMS, IR_IMUL };
	uint32_t reduced = 0;
	for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
		for (int w = 0; w < 2; w++) {
			enum ir_type t = w ? IRT_I64 : IRT_I32;
			uint64_t mask = w ? ~0ull : 0xffffffffull;
			for (size_t di = 0; di < sizeof divisors / sizeof divisors[0]; di++) {
				uint64_t d = divisors[di] & mask;
				/* may trap: left alone */
				bool traps = d == 0 || ((ops[o] == IR_IDIVS) && d == mask);
				for (size_t xi = 0; xi < nx; xi++) {
					uint64_t x = xs[xi] & mask, want, args[2] = { x, d };
					bool ok = ir_eval(ops[o], t, t, args, 2, &want);
					ck_assert(ok || traps);
					ir_ref r;
					ir_func *f = tiny(ops[o], t, x, d, &r);
					bool changed = ir_pass_strength(f);
					verified(f);
					if (traps) {
						ck_assert(!changed);
						ck_assert_uint_eq(count_op(f, ops[o]), 1);
						ir_func_free(f);
						continue;
					}
					reduced += changed;
					/* i32 divisions and powers of two are always reduced */
					if (ops[o] != IR_IMUL && (!w || !(d & (d - 1)) ||
					    (ops[o] != IR_IDIVS && ops[o] != IR_IREMS && d >> 63)))
						ck_assert_msg(changed && count_op(f, ops[o]) == 0,
							"%s.%s by %#llx not reduced", ir_ops[ops[o]].name,
							ir_type_names[t], (unsigned long long)d);
					ir_pass_fold(f);
					ir_pass_copyprop(f);
					verified(f);
					ir_ref v = ret_operand(f, 0);
					ck_assert_msg(ir_is_const(f, v) && (f->v[v].imm & mask) == want,
						"%s.%s %#llx by %#llx: %#llx, want %#llx",
						ir_ops[ops[o]].name, ir_type_names[t],
						(unsigned long long)x, (unsigned long long)d,
						(unsigned long long)(ir_is_const(f, v) ? f->v[v].imm : 0),
						(unsigned long long)want);
					ir_func_free(f);
				}
			}
		}
	ck_assert_uint_gt(reduced, 1000);
}
END_TEST

/* Run f, one straight-line block of pure ops over one i64 parameter, on
 * x: each instruction through ir_eval, which must not refuse any. */
static uint64_t run_straight(ir_func *f, uint64_t x)
{
	uint64_t *val = calloc(f->nv, sizeof *val);
	ck_assert_ptr_nonnull(val);
	ck_assert_uint_eq(f->nb, 1);
	for (uint32_t j = 0; j < f->b[0].ninsn; j++) {
		ir_ref r = f->b[0].insn[j];
		ir_insn *i = ir_at(f, r);
		ir_ref *a = ir_args(f, r);
		uint64_t args[3] = { 0, 0, 0 };
		for (uint32_t k = 0; k < i->nargs && k < 3; k++)
			args[k] = val[a[k]];
		switch (i->op) {
		case IR_CONST: val[r] = i->imm; break;
		case IR_PARAM: val[r] = x; break;
		case IR_COPY: val[r] = args[0]; break;
		case IR_SELECT: val[r] = (uint32_t)args[0] ? args[1] : args[2]; break;
		case IR_RET: {
			uint64_t v = args[0];
			free(val);
			return v;
		}
		default:
			ck_assert_msg(ir_eval((enum ir_op)i->op, (enum ir_type)i->type,
				(enum ir_type)i->aux, args, i->nargs, &val[r]),
				"%s does not evaluate", ir_ops[i->op].name);
			break;
		}
	}
	ck_abort_msg("no ret");
	return 0;
}

/* i64 division and remainder by constants, through the high-multiply
 * ops: x op d (x a parameter) is reduced once per divisor, and the
 * reduced IR is run on many dividends against ir_eval of the original
 * op: the edges, multiples of d and their neighbours, random ones. */
START_TEST(pass_strength64)
{
	static const uint64_t divisors[] = { 1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 14,
		25, 28, 60, 100, 125, 641, 1000, 1000000, 1000000007, 6700417,
		(1ull << 32) + 1, (1ull << 32) - 1, 1ull << 32, 3ull << 40,
		10000000000000000000ull, 0x7fffffffffffffffull, 0x5555555555555555ull,
		0x3333333333333333ull, 0x123456789abcdefull, 0xfedcba987654321ull,
		0x8000000000000000ull, 0x8000000000000001ull, 0xfffffffffffffffeull,
		0xffffffffffffffffull, 0xfffffffffffffffdull, (uint64_t)-7,
		(uint64_t)-10, (uint64_t)-1000, (uint64_t)-641, (uint64_t)-(1ll << 33),
		(uint64_t)-6700417, 0x4000000000000000ull, 0xc000000000000000ull,
		0x4000000000000001ull, 0x7ffffffffffffffdull, 0 };
	static const uint64_t edges[] = { 0, 1, 2, 3, 7, 9, 10, 99, 100, 101,
		999, 1000, 1001, 0x7fffffff, 0x80000000u, 0xffffffffu, 1ull << 32,
		0x7fffffffffffffffull, 0x7ffffffffffffffeull, 0x8000000000000000ull,
		0x8000000000000001ull, 0xffffffffffffffffull, 0xfffffffffffffffeull,
		(uint64_t)-3, (uint64_t)-7, (uint64_t)-10, (uint64_t)-1000 };
	static const enum ir_op ops[] = { IR_IDIVU, IR_IREMU, IR_IDIVS, IR_IREMS };
	uint64_t seed = 0x2545f4914f6cdd1dull;
	uint64_t nmulh = 0, nruns = 0;
	for (size_t di = 0; di < sizeof divisors / sizeof divisors[0]; di++) {
		uint64_t d = divisors[di];
		/* the dividends: edges, q*d + {-1, 0, 1} for small and largest
		 * q (unsigned and signed), random */
		uint64_t xs[sizeof edges / sizeof edges[0] + 8 * 3 + 200];
		size_t nx = 0;
		for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++)
			xs[nx++] = edges[k];
		uint64_t ad = (int64_t)d < 0 ? -d : d;
		uint64_t qs[8] = { 1, 2, 3, 1000, ~0ull / (d ? d : 1),
			~0ull / (d ? d : 1) - 1, 0x7fffffffffffffffull / (ad ? ad : 1),
			-(0x7fffffffffffffffull / (ad ? ad : 1)) };
		for (size_t k = 0; k < 8; k++)
			for (int e = -1; e <= 1; e++)
				xs[nx++] = qs[k] * d + (uint64_t)(int64_t)e;
		while (nx < sizeof xs / sizeof xs[0]) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			xs[nx++] = seed >> (seed % 61);         /* all magnitudes */
		}
		for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
			enum ir_op op = ops[o];
			ir_func *f = ir_func_new(0);
			ck_assert_ptr_nonnull(f);
			f->nresults = 1;
			f->result_types = malloc(1);
			f->result_types[0] = IRT_I64;
			uint32_t b0 = ir_block_new(f);
			ir_ref args[2] = { ir_emit(f, b0, IR_PARAM, IRT_I64, 0, NULL),
				ir_const(f, IRT_I64, d) };
			ir_ref r = ir_emit(f, b0, op, IRT_I64, 2, args);
			ir_emit(f, b0, IR_RET, IRT_NONE, 1, &r);
			verified(f);
			bool changed = ir_pass_strength(f);
			verified(f);
			/* by 0 and div_s by -1 may trap: left alone */
			bool traps = d == 0 || (op == IR_IDIVS && d == ~0ull);
			ck_assert_msg(changed != traps && count_op(f, op) == traps,
				"%s.i64 by %#llx: %s", ir_ops[op].name,
				(unsigned long long)d, changed ? "reduced" : "kept");
			if (traps) {
				ir_func_free(f);
				continue;
			}
			uint32_t nh = count_op(f, IR_IMULHU) + count_op(f, IR_IMULHS);
			bool sgn = op == IR_IDIVS || op == IR_IREMS;
			uint64_t dm = sgn ? ad : d;     /* the magnitude divided by */
			/* one high multiply where no shift or compare does */
			ck_assert_uint_eq(nh, !(dm & (dm - 1)) || (!sgn && d >> 63) ? 0 : 1);
			nmulh += nh;
			for (size_t xi = 0; xi < nx; xi++) {
				uint64_t want, ev[2] = { xs[xi], d };
				if (!ir_eval(op, IRT_I64, IRT_I64, ev, 2, &want)) {
					/* INT64_MIN / -1 only, and that is not reduced */
					ck_abort_msg("%s traps", ir_ops[op].name);
				}
				uint64_t got = run_straight(f, xs[xi]);
				ck_assert_msg(got == want, "%s.i64 %#llx by %#llx: %#llx, want %#llx",
					ir_ops[op].name, (unsigned long long)xs[xi],
					(unsigned long long)d, (unsigned long long)got,
					(unsigned long long)want);
				nruns++;
			}
			ir_func_free(f);
		}
	}
	ck_assert_uint_gt(nmulh, 100);
	ck_assert_uint_gt(nruns, 40000);
}
END_TEST

START_TEST(build_strength)
{
	/* (param i32) (result i32): x / 10 + x % 7 + x * 8; the default
	 * pipeline leaves no division and no multiplication by 8 */
	static const uint8_t code[] = {
		0x20, 0, 0x41, 10, 0x6e,                       /* div_u */
		0x20, 0, 0x41, 7, 0x6f, 0x6a,                  /* + rem_s */
		0x20, 0, 0x41, 8, 0x6c, 0x6a,                  /* + mul */
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, ir_default_pipeline);
	ck_assert_uint_eq(count_op(f, IR_IDIVU), 0);
	ck_assert_uint_eq(count_op(f, IR_IREMS), 0);
	ck_assert_uint_ge(count_op(f, IR_ISHL), 1);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

/* The header of f's only OSR loop. */
static uint32_t osr_header(ir_func *f)
{
	for (uint32_t b = 0; b < f->nb; b++)
		if (!f->b[b].dead && f->b[b].osr)
			return b;
	ck_abort_msg("no loop header");
	return 0;
}

/* Whether every live instruction of op sits outside the loop of header h. */
static bool all_outside(ir_func *f, enum ir_op op, uint32_t h)
{
	ck_assert(ir_dom_compute(f));
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++)
			if (f->v[f->b[b].insn[j]].op == op && ir_dominates(f, h, b))
				return false;
	return true;
}

START_TEST(pass_licm)
{
	/* (param i32 i32) (result i32) (local i32 i32):
	 * loop: acc += (a * b) ^ (a << 3); acc += load(a) / b;
	 *       br_if (++i < 10) */
	static const uint8_t code[] = {
		0x03, 0x40,
		0x20, 2, 0x20, 0, 0x20, 1, 0x6c, 0x20, 0, 0x41, 3, 0x74, 0x73, 0x6a,
		0x20, 0, 0x28, 2, 0, 0x20, 1, 0x6e, 0x6a, 0x21, 2,
		0x20, 3, 0x41, 1, 0x6a, 0x22, 3, 0x41, 10, 0x49, 0x0d, 0,
		0x0b,
		0x20, 2,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "ii", "i", 2, 'i', code, sizeof code);
	ir_func *f = build_run(m, "copyprop,fold,copyprop,brfold,copyprop,gvn,copyprop");
	uint32_t h = osr_header(f);
	ck_assert(!all_outside(f, IR_IMUL, h));
	ck_assert(ir_pass_licm(f));
	verified(f);
	/* the invariant multiplication and shift leave the loop ... */
	ck_assert(all_outside(f, IR_IMUL, h));
	ck_assert(all_outside(f, IR_ISHL, h));
	ck_assert(all_outside(f, IR_IXOR, h));
	/* ... the load, the division (they trap), the loop check and the
	 * loop-carried adds stay */
	ck_assert(!all_outside(f, IR_LOAD, h));
	ck_assert(!all_outside(f, IR_IDIVU, h));
	ck_assert(!all_outside(f, IR_LOOP_CHECK, h));
	ck_assert(!all_outside(f, IR_IADD, h));
	/* what moved can be rebuilt by an OSR entry; a phi of the header
	 * is in the map, the loop's own values are not */
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (f->v[r].op == IR_IXOR)
				ck_assert(ir_osr_recoverable(f, h, r, 8));
			if (f->v[r].op == IR_IDIVU)
				ck_assert(!ir_osr_recoverable(f, h, r, 8));
		}
	ck_assert(!ir_pass_licm(f));                      /* nothing left */
	ir_func_free(f);
	/* the default pipeline does the same, verified after each pass */
	f = build_run(m, ir_default_pipeline);
	ck_assert(all_outside(f, IR_IMUL, osr_header(f)));
	ir_func_free(f);
	unload(e, m);

	/* a nest: acc += a * b in the inner loop leaves both loops (inner
	 * first, then the outer one's turn) */
	static const uint8_t nest[] = {
		0x03, 0x40,
		0x41, 0, 0x21, 4,
		0x03, 0x40,
		0x20, 2, 0x20, 0, 0x20, 1, 0x6c, 0x6a, 0x21, 2,
		0x20, 4, 0x41, 1, 0x6a, 0x22, 4, 0x41, 3, 0x49, 0x0d, 0,
		0x0b,
		0x20, 3, 0x41, 1, 0x6a, 0x22, 3, 0x41, 5, 0x49, 0x0d, 0,
		0x0b,
		0x20, 2,
	};
	m = load(&e, "ii", "i", 3, 'i', nest, sizeof nest);
	f = build_run(m, ir_default_pipeline);
	uint32_t nh = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		if (!f->b[b].dead && f->b[b].osr) {
			nh++;
			ck_assert(all_outside(f, IR_IMUL, b));
		}
	ck_assert_uint_eq(nh, 2);
	/* the loop checks never move: the outer loop's stays in its header
	 * (the inner loop's, 3 trips, loopchk drops) */
	ck_assert_uint_eq(count_op(f, IR_LOOP_CHECK), 1);
	ck_assert(ir_dom_compute(f));
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++)
			if (f->v[f->b[b].insn[j]].op == IR_LOOP_CHECK)
				for (uint32_t o = 0; o < f->nosr; o++)
					ck_assert(ir_dominates(f, b, f->osr[o].block));
	ck_assert_uint_eq(count_op(f, IR_IMUL), 1);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(pass_addr)
{
	/* (param i32) (result i32) (local i32 i32):
	 * loop: sum += load(i + 1360); i += 4; br_if (i != 256)
	 * then sum + load(x + 16) + load((x & 0xffff) + 16) */
	static const uint8_t code[] = {
		0x03, 0x40,
		0x20, 2, 0x20, 1, 0x41, 0xd0, 0x0a, 0x6a, 0x28, 2, 0, 0x6a, 0x21, 2,
		0x20, 1, 0x41, 4, 0x6a, 0x22, 1, 0x41, 0x80, 0x02, 0x47, 0x0d, 0,
		0x0b,
		0x20, 2,
		0x20, 0, 0x41, 16, 0x6a, 0x28, 2, 0, 0x6a,
		0x20, 0, 0x41, 0xff, 0xff, 0x03, 0x71, 0x41, 16, 0x6a, 0x28, 2, 0, 0x6a,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 2, 'i', code, sizeof code);
	ir_func *f = build_run(m, "copyprop,fold,copyprop,brfold,copyprop,gvn,copyprop");
	ck_assert(ir_pass_addr(f));
	verified(f);
	uint32_t seen = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (f->v[r].op != IR_LOAD)
				continue;
			enum ir_op a = (enum ir_op)f->v[ir_resolve(f, ir_args(f, r)[0])].op;
			if (f->v[r].imm == 1360 && a == IR_PHI)
				seen |= 1;      /* the induction variable: i <= 252 */
			else if (f->v[r].imm == 0 && a == IR_IADD)
				seen |= 2;      /* x + 16 may wrap: kept */
			else if (f->v[r].imm == 16 && a == IR_IAND)
				seen |= 4;      /* (x & 0xffff) + 16 cannot */
			else
				ck_abort_msg("unexpected load: %s imm %llu", ir_ops[a].name,
					(unsigned long long)f->v[r].imm);
		}
	ck_assert_uint_eq(seen, 7);
	ck_assert(!ir_pass_addr(f));
	ir_func_free(f);
	unload(e, m);

	/* i <u n with n a parameter: no bound, nothing folded */
	static const uint8_t code2[] = {
		0x03, 0x40,
		0x20, 2, 0x20, 1, 0x41, 16, 0x6a, 0x28, 2, 0, 0x6a, 0x21, 2,
		0x20, 1, 0x41, 4, 0x6a, 0x22, 1, 0x20, 0, 0x49, 0x0d, 0,
		0x0b,
		0x20, 2,
	};
	m = load(&e, "i", "i", 2, 'i', code2, sizeof code2);
	f = build_run(m, ir_default_pipeline);
	ck_assert(!ir_pass_addr(f));
	ir_func_free(f);
	unload(e, m);

	/* the test at the top: block loop (br_if 1 (i == 256)) sum +=
	 * load(i + 1360); i += 4; br 0 -- i <= 256 in the header */
	static const uint8_t code3[] = {
		0x02, 0x40, 0x03, 0x40,
		0x20, 1, 0x41, 0x80, 0x02, 0x46, 0x0d, 1,
		0x20, 2, 0x20, 1, 0x41, 0xd0, 0x0a, 0x6a, 0x28, 2, 0, 0x6a, 0x21, 2,
		0x20, 1, 0x41, 4, 0x6a, 0x21, 1,
		0x0c, 0,
		0x0b, 0x0b,
		0x20, 2,
	};
	m = load(&e, "i", "i", 2, 'i', code3, sizeof code3);
	f = build_run(m, ir_default_pipeline);
	seen = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (f->v[r].op == IR_LOAD && f->v[r].imm == 1360 &&
			    f->v[ir_resolve(f, ir_args(f, r)[0])].op == IR_PHI)
				seen++;
		}
	ck_assert_uint_eq(seen, 1);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

/* ---- loopchk: the deadline check of short counted inner loops and of
 * loops whose every trip calls --------------------------------------------- */

/* One function per case, each a loop whose check the pass drops (keep 0)
 * or keeps; i counts, s sums, n a parameter.  Clang's rotated form
 * (the test at the bottom, on next) and the top-tested one. */
static const char loopchk_wat[] =
	"(module (memory 1)\n"
	/* 0: i = 0 .. 49, next != 50: 50 trips */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.ne (local.get $i) (i32.const 50))))\n"
	"    (local.get $s))\n"
	/* 1: top-tested, out when i >=u 100 */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (block $b (loop $l\n"
	"      (br_if $b (i32.ge_u (local.get $i) (i32.const 100)))\n"
	"      (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br $l)))\n"
	"    (local.get $s))\n"
	/* 2: signed, -10 <s 10 */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $i (i32.const -10))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_s (local.get $i) (i32.const 10))))\n"
	"    (local.get $s))\n"
	/* 3: down, 64 >s 0 by -1 */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $i (i32.const 64))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const -1)))\n"
	"      (br_if $l (i32.gt_s (local.get $i) (i32.const 0))))\n"
	"    (local.get $s))\n"
	/* 4: unknown bound, i <u n */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 5: too many trips, != 100000 */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.ne (local.get $i) (i32.const 100000))))\n"
	"    (local.get $s))\n"
	/* 6: a call on every trip: the callee's entry checks (rule 1) */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (call 15 (local.get $s)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.ne (local.get $i) (i32.const 50))))\n"
	"    (local.get $s))\n"
	/* 7: a nest: the inner one drops its check, the outer keeps it */
	"  (func (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)\n"
	"    (loop $o (local.set $j (i32.const 0))\n"
	"      (loop $l (local.set $s (i32.add (local.get $s) (local.get $j)))\n"
	"        (local.set $j (i32.add (local.get $j) (i32.const 1)))\n"
	"        (br_if $l (i32.ne (local.get $j) (i32.const 10))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $o (i32.ne (local.get $i) (i32.const 10))))\n"
	"    (local.get $s))\n"
	/* 8: next wraps past the bound: -256 by 16 while <u -8 (0xfffffff0
	 * goes on, next is 0: it never ends) */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $i (i32.const -256))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 16)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (i32.const -8))))\n"
	"    (local.get $s))\n"
	/* 9: the same in signed: 0x7fffff00 by 16 while <s 0x7fffffff */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $i (i32.const 0x7fffff00))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 16)))\n"
	"      (br_if $l (i32.lt_s (local.get $i) (i32.const 0x7fffffff))))\n"
	"    (local.get $s))\n"
	/* 10: signed, -5000 <s 10: 5010 trips */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $i (i32.const -5000))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_s (local.get $i) (i32.const 10))))\n"
	"    (local.get $s))\n"
	/* 11: the same unsigned: 0xffffec78 <u 10 fails at once */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $i (i32.const -5000))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))\n"
	"    (local.get $s))\n"
	/* 12: i reset in the body: it looks bounded and never ends */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (if (i32.eq (local.get $i) (i32.const 40)) (then (local.set $i (i32.const 0))))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (i32.const 50))))\n"
	"    (local.get $s))\n"
	/* 13: != 100 by 3 from 0: it steps over 100 and wraps */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 3)))\n"
	"      (br_if $l (i32.ne (local.get $i) (i32.const 100))))\n"
	"    (local.get $s))\n"
	/* 14: a memory.fill of n bytes inside */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (memory.fill (i32.const 0) (local.get $i) (local.get $n))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.ne (local.get $i) (i32.const 50))))\n"
	"    (local.get $s))\n"
	/* 15: the callee of case 6 */
	"  (func (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))\n";

/* Loop checks of function k after the passes before loopchk (no inline:
 * case 6 keeps its call) and after loopchk; whether it changed. */
static bool loopchk_case(wasm_module *m, uint32_t k, uint32_t *before,
	uint32_t *after)
{
	ir_func *f;
	wasm_error err;
	ck_assert_int_eq(ir_build(m, k, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, "copyprop,fold,copyprop,brfold,copyprop,"
		"gvn,copyprop,licm,gvn,copyprop", NULL, true, &err), WASM_OK);
	*before = count_op(f, IR_LOOP_CHECK);
	bool changed = ir_pass_loopchk(f);
	verified(f);
	*after = count_op(f, IR_LOOP_CHECK);
	ck_assert(!ir_pass_loopchk(f));
	ir_func_free(f);
	return changed;
}

/* With fuel metering every iteration is charged, in every tier alike:
 * loopchk drops no check in functions first .. first + n - 1 of the
 * module. */
static void loopchk_fuel_keeps(const uint8_t *bytes, size_t len, uint32_t first,
	uint32_t n)
{
	wasm_config cfg;
	wasm_error err;
	wasm_module *m;
	wasm_config_default(&cfg);
	cfg.fuel = true;
	wasm_engine *e = wasm_engine_new(&cfg);
	ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
	for (uint32_t k = first; k < first + n; k++) {
		uint32_t before, after;
		ck_assert(!loopchk_case(m, k, &before, &after));
		ck_assert_uint_eq(after, before);
	}
	unload(e, m);
}

START_TEST(pass_loopchk)
{
	/* checks left by case; every case has one loop but 7 (a nest) */
	static const uint32_t left[] = { 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1 };
	size_t len;
	uint8_t *bytes = wat(loopchk_wat, &len);
	wasm_engine *e = wasm_engine_new(NULL);
	wasm_module *m;
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
	for (uint32_t k = 0; k < sizeof left / sizeof left[0]; k++) {
		uint32_t before, after;
		bool changed = loopchk_case(m, k, &before, &after);
		ck_assert_msg(after == left[k], "case %u: %u checks left", k, after);
		ck_assert_uint_eq(before, k == 7 ? 2 : 1);
		ck_assert(changed == (after < before));
	}
	/* in the default pipeline too */
	ir_func *f;
	ck_assert_int_eq(ir_build(m, 0, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err), WASM_OK);
	ck_assert_uint_eq(count_op(f, IR_LOOP_CHECK), 0);
	ck_assert_uint_eq(f->nosr, 1);          /* the header's OSR map stays */
	ir_func_free(f);
	unload(e, m);

	/* with fuel metering every iteration is charged: nothing dropped */
	loopchk_fuel_keeps(bytes, len, 0, sizeof left / sizeof left[0]);
	free(bytes);
}
END_TEST

/* Rule 1: loops whose every trip calls a defined function (or passes an
 * inlined callee's entry check) lose their check; a path round the loop
 * without one, calls of imports and call_indirect keep it, and so does
 * host code (an import, or a callee reaching one) after the last entry
 * check before the header.  Rule 2 keeps a short loop's check after host
 * code too, unless a kept check comes between.  Function k + 1 is case k (function 0 is the
 * import); n is never constant, so no loop is short and counted. */
static const char loopchk_calls_wat[] =
	"(module (import \"m\" \"f\" (func $imp (param i32) (result i32)))\n"
	"  (type $t (func (param i32) (result i32)))\n"
	"  (table 1 funcref) (elem (i32.const 0) $g)\n"
	/* 0: a call on each arm of an if */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (if (i32.and (local.get $i) (i32.const 1))\n"
	"        (then (local.set $s (call $g (local.get $s))))\n"
	"        (else (local.set $s (call $g (local.get $i)))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 1: a call on one arm only: the other goes round unchecked */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (if (i32.and (local.get $i) (i32.const 1))\n"
	"        (then (local.set $s (call $g (local.get $s)))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 2: an import on every trip: a host function checks nothing */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (call $imp (local.get $s)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 3: call_indirect on every trip: its callee may be an import */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (call_indirect (type $t) (local.get $s) (i32.const 0)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 4: the back edge before the call: a trip that ends there does
	 * not call */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (block $b (loop $l\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.and (local.get $i) (i32.const 1)))\n"
	"      (local.set $s (call $g (local.get $s)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))\n"
	"    (local.get $s))\n"
	/* 5: a nest whose inner loop calls on every trip and runs at least
	 * once per outer trip: both checks go */
	"  (func (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)\n"
	"    (loop $o (local.set $j (i32.const 0))\n"
	"      (loop $l (local.set $s (call $g (local.get $s)))\n"
	"        (local.set $j (i32.add (local.get $j) (i32.const 1)))\n"
	"        (br_if $l (i32.lt_u (local.get $j) (local.get $n))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $o (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 6: the same, the inner loop behind an if: the outer keeps its
	 * check */
	"  (func (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)\n"
	"    (loop $o (local.set $j (i32.const 0))\n"
	"      (if (i32.and (local.get $i) (i32.const 1)) (then\n"
	"        (loop $l (local.set $s (call $g (local.get $s)))\n"
	"          (local.set $j (i32.add (local.get $j) (i32.const 1)))\n"
	"          (br_if $l (i32.lt_u (local.get $j) (local.get $n))))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $o (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 7: host code after the call on a trip: a host function that moves
	 * the epoch is seen at the header in every tier, so it stays */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (call $g (local.get $s)))\n"
	"      (if (i32.eq (local.get $s) (i32.const 7))\n"
	"        (then (local.set $s (call $imp (local.get $s)))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 8: a callee that calls the import: it may move the epoch after
	 * its entry's check */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (loop $l (local.set $s (call $h (local.get $s)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 9: host code before the loop: its first header check is the
	 * first after it */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $s (call $imp (local.get $n)))\n"
	"    (loop $l (local.set $s (call $g (local.get $s)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 10: rule 2's exactness: a short counted loop right after host
	 * code keeps its check, where every tier sees that code's move */
	"  (func (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
	"    (local.set $s (call $imp (local.get $n)))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $l (i32.ne (local.get $i) (i32.const 50))))\n"
	"    (local.get $s))\n"
	/* 11: the same inside a loop that keeps its check: that check
	 * comes between, the inner one goes */
	"  (func (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)\n"
	"    (local.set $s (call $imp (local.get $n)))\n"
	"    (loop $o (local.set $j (i32.const 0))\n"
	"      (loop $l (local.set $s (i32.add (local.get $s) (local.get $j)))\n"
	"        (local.set $j (i32.add (local.get $j) (i32.const 1)))\n"
	"        (br_if $l (i32.ne (local.get $j) (i32.const 10))))\n"
	"      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
	"      (br_if $o (i32.lt_u (local.get $i) (local.get $n))))\n"
	"    (local.get $s))\n"
	/* 12: the callee, small enough to inline; it calls nothing */
	"  (func $g (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))\n"
	/* 13: a callee that calls $g, which calls nothing, then the import */
	"  (func $h (param i32) (result i32) (call $imp (call $g (local.get 0)))))\n";

START_TEST(pass_loopchk_calls)
{
	/* checks before and after, by case */
	static const uint32_t before[] = { 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2 };
	static const uint32_t left[] = { 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1 };
	size_t len;
	uint8_t *bytes = wat(loopchk_calls_wat, &len);
	wasm_engine *e = wasm_engine_new(NULL);
	wasm_module *m;
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
	for (uint32_t k = 0; k < sizeof left / sizeof left[0]; k++) {
		uint32_t b, after;
		bool changed = loopchk_case(m, k + 1, &b, &after);
		ck_assert_msg(after == left[k], "case %u: %u checks left", k, after);
		ck_assert_uint_eq(b, before[k]);
		ck_assert(changed == (after < b));
	}
	/* inlined, the callee's entry check does what its call did: the
	 * default pipeline inlines $g in cases 0 and 5 and leaves no check */
	for (uint32_t k = 0; k < sizeof left / sizeof left[0]; k++) {
		ir_func *f;
		ck_assert_int_eq(ir_build(m, k + 1, &f, &err), WASM_OK);
		ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err),
			WASM_OK);
		if (k == 0 || k == 5) {
			ck_assert_uint_eq(count_op(f, IR_CALL), 0);
			ck_assert_uint_ge(count_op(f, IR_ENTRY_CHECK), 2);
			ck_assert_uint_eq(count_op(f, IR_LOOP_CHECK), 0);
		}
		ir_func_free(f);
	}
	unload(e, m);

	/* with fuel every iteration is charged: nothing dropped */
	loopchk_fuel_keeps(bytes, len, 1, sizeof left / sizeof left[0]);
	free(bytes);
}
END_TEST

/* ---- loadelim: loads of known bytes ---------------------------------------- */

/* One function per case, (param p v) (result i32), p an address, v a
 * value; the comment says what the pass must do.  Function 20 is the
 * callee of case 4. */
static const char loadelim_wat[] =
	"(module (memory 1) (global $g (mut i32) (i32.const 0))\n"
	/* 0: a stored value forwarded */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.store (local.get $p) (local.get $v)) (i32.load (local.get $p)))\n"
	/* 1: the same load again */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.sub (i32.load offset=8 (local.get $p)) (i32.load offset=8 (local.get $p))))\n"
	/* 2: killed by a store overlapping at another offset */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p))\n"
	"    (i32.store8 offset=3 (local.get $p) (local.get $v))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	/* 3: not killed by a disjoint store of the same base */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p))\n"
	"    (i32.store offset=4 (local.get $p) (local.get $v))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	/* 4: killed by a call */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p)) (call 20 (local.get $p))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	/* 5, 6, 7: killed by memory.grow, fill, copy */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p)) (drop (memory.grow (local.get $v)))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p))\n"
	"    (memory.fill (local.get $v) (i32.const 1) (i32.const 4))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p))\n"
	"    (memory.copy (local.get $v) (i32.const 0) (i32.const 4))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	/* 8: killed by a store through another base (v + 8 may be p) */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p)) (i32.store offset=8 (local.get $v) (local.get $v))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	/* 9: byte 1 of a stored i32: shift and mask */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.store (local.get $p) (local.get $v))\n"
	"    (i32.load8_u offset=1 (local.get $p)))\n"
	/* 10: an i64 load over a stored i32: wider, kept */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.store (local.get $p) (local.get $v))\n"
	"    (i32.wrap_i64 (i64.load (local.get $p))))\n"
	/* 11: load8_u of a load8_s's byte: the same byte, masked, not the
	 * sign-extended value */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.sub (i32.load8_s (local.get $p)) (i32.load8_u (local.get $p))))\n"
	/* 12: the high half of a stored i64 */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i64.store (local.get $p) (i64.extend_i32_u (local.get $v)))\n"
	"    (i32.load offset=4 (local.get $p)))\n"
	/* 13: a stored f32's bits */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (f32.store (local.get $p) (f32.convert_i32_s (local.get $v)))\n"
	"    (i32.load (local.get $p)))\n"
	/* 14: a global.set forgets nothing of memory */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p)) (global.set $g (local.get $v))\n"
	"    (i32.sub (i32.load (local.get $p))))\n"
	/* 15: down a single-predecessor branch, not into the join */
	"  (func (param $p i32) (param $v i32) (result i32) (local $s i32)\n"
	"    (local.set $s (i32.load (local.get $p)))\n"
	"    (if (local.get $v) (then\n"
	"      (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))))\n"
	"    (i32.add (local.get $s) (i32.load (local.get $p))))\n"
	/* 16: a v128 store kills what its 16 bytes overlap only */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.load (local.get $p)) (i32.load offset=12 (local.get $p))\n"
	"    (v128.store offset=8 (local.get $p) (v128.const i64x2 0 0))\n"
	"    (i32.add (i32.load (local.get $p)) (i32.load offset=12 (local.get $p)))\n"
	"    (i32.add) (i32.add))\n"
	/* 17: not into a loop (an OSR header) */
	"  (func (param $p i32) (param $v i32) (result i32) (local $s i32)\n"
	"    (local.set $s (i32.load (local.get $p)))\n"
	"    (loop $l (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))\n"
	"      (br_if $l (local.tee $v (i32.sub (local.get $v) (i32.const 1)))))\n"
	"    (local.get $s))\n"
	/* 18: a constant address is its offset: 16 + 4 is 20 + 0 */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.store offset=4 (i32.const 16) (local.get $v))\n"
	"    (i32.load (i32.const 20)))\n"
	/* 19: sign-extending loads of a stored i32's low half, to i32 and i64 */
	"  (func (param $p i32) (param $v i32) (result i32)\n"
	"    (i32.store (local.get $p) (local.get $v))\n"
	"    (i32.add (i32.load16_s (local.get $p))\n"
	"      (i32.wrap_i64 (i64.shr_u (i64.load32_s (local.get $p)) (i64.const 32)))))\n"
	/* 20: the callee of case 4 */
	"  (func (param i32) (i32.store (local.get 0) (i32.const 1))))\n";

START_TEST(pass_loadelim)
{
	/* loads left by case */
	static const uint32_t left[] = { 0, 1, 2, 1, 2, 2, 2, 2, 2, 0, 1, 1, 0, 0,
		1, 2, 3, 2, 0, 0 };
	size_t len;
	uint8_t *bytes = wat(loadelim_wat, &len);
	wasm_engine *e = wasm_engine_new(NULL);
	wasm_module *m;
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
	for (uint32_t k = 0; k < sizeof left / sizeof left[0]; k++) {
		ir_func *f;
		ck_assert_int_eq(ir_build(m, k, &f, &err), WASM_OK);
		ck_assert_int_eq(ir_run_passes(f, "copyprop,fold,copyprop,brfold,copyprop,"
			"gvn,copyprop", NULL, true, &err), WASM_OK);
		uint32_t before = 0, after = 0;
		for (enum ir_op op = IR_LOAD; op <= IR_LOAD32S; op++)
			before += count_op(f, op);
		bool changed = ir_pass_loadelim(f);
		verified(f);
		ir_pass_copyprop(f);
		for (enum ir_op op = IR_LOAD; op <= IR_LOAD32S; op++)
			after += count_op(f, op);
		ck_assert_msg(after == left[k], "case %u: %u loads left", k, after);
		ck_assert(changed == (after < before));
		ck_assert(!ir_pass_loadelim(f));
		ir_ref r = ret_operand(f, 0);
		enum ir_op rop = (enum ir_op)f->v[r].op;
		switch (k) {
		case 0:                 /* v itself */
			ck_assert_uint_eq(rop, IR_PARAM);
			ck_assert_uint_eq(f->v[r].aux, 1);
			break;
		case 1:                 /* x - x */
			ck_assert_uint_eq(ir_resolve(f, ir_args(f, r)[0]),
				ir_resolve(f, ir_args(f, r)[1]));
			break;
		case 9:                 /* (v >> 8) & 0xff */
			ck_assert_uint_eq(rop, IR_IAND);
			ck_assert_uint_eq(f->v[ir_resolve(f, ir_args(f, r)[0])].op, IR_ISHRU);
			break;
		case 11:                /* load8_s p - (load8_s p & 0xff) */
			ck_assert_uint_eq(f->v[ir_resolve(f, ir_args(f, r)[1])].op, IR_IAND);
			break;
		case 12:                /* wrap(extend_u v >> 32) */
			ck_assert_uint_eq(rop, IR_WRAP);
			ck_assert_uint_eq(f->v[ir_resolve(f, ir_args(f, r)[0])].op, IR_ISHRU);
			break;
		case 13:
			ck_assert_uint_eq(rop, IR_BITCAST);
			ck_assert_uint_eq(f->v[ir_resolve(f, ir_args(f, r)[0])].op, IR_CONVS);
			break;
		case 18:
			ck_assert_uint_eq(rop, IR_PARAM);
			break;
		case 19:                /* ext16_s v + (ext32_s(extend_u v) >> 32) */
			ck_assert_uint_eq(count_op(f, IR_IEXT16S), 1);
			ck_assert_uint_eq(count_op(f, IR_IEXT32S), 1);
			break;
		default:
			break;
		}
		ir_func_free(f);
	}
	/* in the default pipeline: fold and GVN finish what it leaves (case
	 * 12: wrap(extend_u v >> 32) is 0) */
	ir_func *f;
	ck_assert_int_eq(ir_build(m, 12, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, NULL, true, &err), WASM_OK);
	for (enum ir_op op = IR_LOAD; op <= IR_LOAD32S; op++)
		ck_assert_uint_eq(count_op(f, op), 0);
	ir_func_free(f);
	unload(e, m);
	free(bytes);
}
END_TEST

START_TEST(build_eqz_compare)
{
	/* (param i32 i32) (result i32): eqz(a <u b) + eqz(eqz(a == b)): fold
	 * makes them a >=u b and a != b (which branches fuse with) */
	static const uint8_t code[] = {
		0x20, 0, 0x20, 1, 0x49, 0x45,
		0x20, 0, 0x20, 1, 0x46, 0x45, 0x45, 0x6a,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "ii", "i", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, ir_default_pipeline);
	static const uint32_t want[][2] = {     /* op, how many */
		{ IR_IEQZ, 0 }, { IR_IGEU, 1 }, { IR_ILTU, 0 }, { IR_INE, 0 },
		{ IR_IEQ, 1 },                  /* eqz(eqz(eq)) = eq */
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
		ck_assert_msg(count_op(f, (enum ir_op)want[k][0]) == want[k][1], "%u %s",
			want[k][1], ir_ops[want[k][0]].name);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(pass_dce)
{
	ir_ref x;
	ir_func *f = tiny(IR_IADD, IRT_I32, 1, 2, &x);
	ir_ref args[2] = { ir_args(f, x)[0], ir_args(f, x)[1] };
	ir_ref dead = ir_insn_new(f, IR_ISUB, IRT_I32, 2);
	memcpy(ir_args(f, dead), args, sizeof args);
	ir_insert_body(f, 0, dead);
	ir_ref div = ir_insn_new(f, IR_IDIVS, IRT_I32, 2);     /* may trap: stays */
	memcpy(ir_args(f, div), args, sizeof args);
	ir_insert_body(f, 0, div);
	ck_assert(ir_pass_dce(f));
	verified(f);
	ck_assert_uint_eq(count_op(f, IR_ISUB), 0);
	ck_assert_uint_eq(count_op(f, IR_IDIVS), 1);
	ck_assert_uint_eq(count_op(f, IR_IADD), 1);
	ck_assert(!ir_pass_dce(f));
	ir_func_free(f);
}
END_TEST

START_TEST(pass_copyprop)
{
	/* b0 -> b1; b1 -> b1 | b2: a phi of (k, itself) is k */
	ir_func *f = ir_func_new(0);
	f->nresults = 1;
	f->result_types = malloc(1);
	f->result_types[0] = IRT_I32;
	uint32_t b0 = ir_block_new(f), b1 = ir_block_new(f), b2 = ir_block_new(f);
	ir_ref p = ir_emit(f, b0, IR_PARAM, IRT_I32, 0, NULL);
	ir_emit(f, b0, IR_JUMP, IRT_NONE, 0, NULL);
	ir_edge_add(f, b0, b1);
	ir_ref phi = ir_insn_new(f, IR_PHI, IRT_I32, 2);
	ir_insert_phi(f, b1, phi);
	ir_args(f, phi)[0] = p;
	ir_args(f, phi)[1] = phi;
	ir_ref c = ir_emit(f, b1, IR_COPY, IRT_I32, 1, &phi);
	ir_emit(f, b1, IR_BRANCH, IRT_NONE, 1, &c);
	ir_edge_add(f, b1, b1);
	ir_edge_add(f, b1, b2);
	ir_emit(f, b2, IR_RET, IRT_NONE, 1, &c);
	verified(f);
	ck_assert(ir_pass_copyprop(f));
	verified(f);
	ck_assert_uint_eq(count_op(f, IR_PHI), 0);
	ck_assert_uint_eq(count_op(f, IR_COPY), 0);
	ck_assert_uint_eq(ret_operand(f, 0), p);
	ck_assert_uint_eq(ir_args(f, ir_terminator(f, b1))[0], p);
	ir_func_free(f);
}
END_TEST

/* ---- from wasm: the builder and the pipeline ---------------------------------- */

START_TEST(build_constant)
{
	static const uint8_t code[] = { 0x41, 2, 0x41, 3, 0x6a, 0x41, 4, 0x6c };  /* (2+3)*4 */
	wasm_engine *e;
	wasm_module *m = load(&e, "", "i", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, ir_default_pipeline);
	ir_ref r = ret_operand(f, 0);
	ck_assert(ir_is_const(f, r) && f->v[r].imm == 20 && f->v[r].type == IRT_I32);
	ck_assert_uint_eq(count_op(f, IR_IADD) + count_op(f, IR_IMUL), 0);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

/* (param i32) (result i32) (local i32)
 * loop  l1 += l0; l0 -= 1; br_if l0  end  l1: a loop whose sum is
 * returned */
static const uint8_t sum_loop_code[] = {
	0x03, 0x40,
	0x20, 1, 0x20, 0, 0x6a, 0x21, 1,
	0x20, 0, 0x41, 1, 0x6b, 0x22, 0,
	0x0d, 0,
	0x0b,
	0x20, 1,
};

START_TEST(build_loop_osr)
{
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 1, 'i', sum_loop_code,
		sizeof sum_loop_code);
	ir_func *f = build_run(m, NULL);
	ck_assert_uint_eq(f->nosr, 1);
	ir_osr *o = &f->osr[0];
	ck_assert_uint_ge(o->nslots, 2);
	ck_assert_uint_eq(f->b[o->block].osr, 1);
	for (uint32_t s = 0; s < 2; s++) {
		ir_ref v = o->slot[s];
		ck_assert_msg(v && f->v[v].op == IR_PHI && f->v[v].block == o->block,
			"slot %u holds v%u", s, v);
		ck_assert_uint_eq(f->v[v].type, IRT_I32);
	}
	for (uint32_t s = 2; s < o->nslots; s++)
		ck_assert_uint_eq(o->slot[s], IR_NONE);   /* operand slots: dead */
	ck_assert_uint_eq(count_op(f, IR_LOOP_CHECK), 1);
	wasm_error err;
	ck_assert(ir_run_passes(f, ir_default_pipeline, NULL, true, &err) == WASM_OK);
	/* the loop's phis stay: OSR needs them, and they are not trivial */
	ck_assert(f->osr[0].slot[0] && f->v[f->osr[0].slot[0]].op == IR_PHI);
	ck_assert(f->osr[0].slot[1] && f->v[f->osr[0].slot[1]].op == IR_PHI);
	ck_assert_uint_eq(count_op(f, IR_LOOP_CHECK), 1);
	char *text = print_to_string(f);
	ck_assert_msg(strstr(text, "loop, osr s0=v"), "%s", text);
	free(text);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

/* OSR maps for one loop (ir_build_osr with a LOOP's offset): at that
 * loop and at the loops around it, not at the others.
 * (param i32) (result i32) (local i32):
 *   loop A { loop B { l1 += l0; br_if B (l0 -= 1) }  br_if A l0 }
 *   loop C { br_if C ((l1 += 1) < 1000) }  l1 */
START_TEST(build_osr_one_loop)
{
	static const uint8_t code[] = {
		0x03, 0x40,
		0x03, 0x40,
		0x20, 1, 0x20, 0, 0x6a, 0x21, 1,
		0x20, 0, 0x41, 1, 0x6b, 0x22, 0,
		0x0d, 0,
		0x0b,
		0x20, 0, 0x0d, 0,
		0x0b,
		0x03, 0x40,
		0x20, 1, 0x41, 1, 0x6a, 0x22, 1,
		0x41, 0xe8, 0x07, 0x48, 0x0d, 0,
		0x0b,
		0x20, 1,
	};
	wasm_engine *e;
	wasm_error err;
	wasm_module *m = load(&e, "i", "i", 1, 'i', code, sizeof code);
	ir_func *f;
	ck_assert_int_eq(ir_build_osr(m, 0, IR_OSR_ALL, &f, &err), WASM_OK);
	ck_assert_uint_eq(f->nosr, 3);
	uint32_t a = f->osr[0].code_off, b = f->osr[1].code_off,
	         c = f->osr[2].code_off;
	ck_assert(a < b && b < c);
	ir_func_free(f);
	static const struct { uint32_t which, n; bool a, b, c; } want[] = {
		{ 1, 2, true, true, false },    /* B: and A around it */
		{ 0, 1, true, false, false },   /* A alone */
		{ 2, 1, false, false, true },   /* C alone */
		{ 3, 0, false, false, false },  /* none */
	};
	uint32_t offs[] = { a, b, c, IR_OSR_NONE };
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		ck_assert_int_eq(ir_build_osr(m, 0, offs[want[k].which], &f, &err),
			WASM_OK);
		verified(f);
		ck_assert_uint_eq(f->nosr, want[k].n);
		bool has[3] = { false, false, false };
		for (uint32_t i = 0; i < f->nosr; i++)
			for (int j = 0; j < 3; j++)
				has[j] |= f->osr[i].code_off == offs[j];
		ck_assert(has[0] == want[k].a && has[1] == want[k].b &&
			has[2] == want[k].c);
		ck_assert(ir_run_passes(f, ir_default_pipeline, NULL, true, &err) == WASM_OK);
		ir_func_free(f);
	}
	unload(e, m);
}
END_TEST

START_TEST(build_join_in_loop_once)
{
	/* (param i32 i32) (result i32) (local i32):
	 *   loop  (if l0 (l2 = l1))  br_if 0 (l0 = l0 - 1)  end  l2
	 * The read of l2 after the loop looks it up at the join after the
	 * if, inside a loop that writes l2: its predecessors are read first
	 * (ir_build.c, join_value), and that goes round through the loop's
	 * header, whose phi is placed first, back to the join, which the
	 * inner lookup gives a phi.  The outer lookup must take that phi,
	 * not make a second of the same operands: three phis in all (the
	 * header's for l0 and l2, the join's for l2). */
	static const uint8_t code[] = {
		0x03, 0x40,
		0x20, 0, 0x04, 0x40, 0x20, 1, 0x21, 2, 0x0b,
		0x20, 0, 0x41, 1, 0x6b, 0x22, 0,
		0x0d, 0,
		0x0b,
		0x20, 2,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "ii", "i", 1, 'i', code, sizeof code);
	ir_func *f = build_run(m, NULL);
	ck_assert_uint_eq(count_op(f, IR_PHI), 3);
	ir_ref r = ret_operand(f, 0);
	ck_assert(r && f->v[r].op == IR_PHI && f->v[r].nargs == 2);
	ir_func_free(f);
	f = build_run(m, ir_default_pipeline);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(build_entry_value_in_loop)
{
	/* (param i32 i32) (result i32) (local i32):
	 *   loop  (l2 = l1 + l0)  (l1 = l1 + 1)  br_if 0 l2  end  l2 + l0
	 * l0 is written by no block but the entry: its reads, in the loop
	 * and after it, are the parameter itself, with no walk and no phi
	 * (ir_build.c, read_rec).  l1 is not written yet where the loop
	 * first reads it either, but the loop writes it further on: that
	 * read is the header's phi, the only phi of the function. */
	static const uint8_t code[] = {
		0x03, 0x40,
		0x20, 1, 0x20, 0, 0x6a, 0x21, 2,
		0x20, 1, 0x41, 1, 0x6a, 0x21, 1,
		0x20, 2, 0x0d, 0,
		0x0b,
		0x20, 2, 0x20, 0, 0x6a,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "ii", "i", 1, 'i', code, sizeof code);
	ir_func *f = build_run(m, NULL);
	ck_assert_uint_eq(count_op(f, IR_PHI), 1);
	ir_ref r = ret_operand(f, 0);
	ck_assert(r && f->v[r].op == IR_IADD);
	ir_ref in = ir_args(f, r)[0], p0 = ir_args(f, r)[1];
	ck_assert(f->v[p0].op == IR_PARAM && f->v[p0].aux == 0);
	ck_assert(f->v[in].op == IR_IADD);
	ck_assert(f->v[ir_args(f, in)[0]].op == IR_PHI);
	ck_assert_uint_eq(ir_args(f, in)[1], p0);
	ir_func_free(f);
	f = build_run(m, ir_default_pipeline);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(build_inner_header_value)
{
	/* (param i32) (result i32) (local i32 i32):
	 *   loop  loop  (if l0 (l2 = 5))  (l1 = l1 + 1)  br_if 0 (l1 <u l0)  end
	 *         (l2 = l2 + 1)  br_if 0 (l2 <u l0)  end  l1
	 * l1 is read after the if, inside the inner loop, before anything
	 * from the inner header on has written it: its value is the inner
	 * header's (ir_build.c, read_rec: the innermost loop's header), a
	 * phi of the outer header's phi and l1 + 1, not the outer header's
	 * phi of 0 and l1 + 1. */
	static const uint8_t code[] = {
		0x03, 0x40,
		0x03, 0x40,
		0x20, 0, 0x04, 0x40, 0x41, 5, 0x21, 2, 0x0b,
		0x20, 1, 0x41, 1, 0x6a, 0x21, 1,
		0x20, 1, 0x20, 0, 0x49, 0x0d, 0,
		0x0b,
		0x20, 2, 0x41, 1, 0x6a, 0x21, 2,
		0x20, 2, 0x20, 0, 0x49, 0x0d, 0,
		0x0b,
		0x20, 1,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 2, 'i', code, sizeof code);
	ir_func *f = build_run(m, NULL);
	ir_ref add = ret_operand(f, 0);         /* l1 + 1, the inner loop's last */
	ck_assert(add && f->v[add].op == IR_IADD);
	ir_ref phi = ir_args(f, add)[0];
	ck_assert(f->v[phi].op == IR_PHI && f->v[phi].nargs == 2);
	ir_ref a0 = ir_args(f, phi)[0], a1 = ir_args(f, phi)[1];
	ir_ref other = a0 == add ? a1 : a0;
	ck_assert(a0 == add || a1 == add);
	ck_assert_msg(f->v[other].op == IR_PHI, "l1 read in the inner loop is the outer header's");
	ck_assert_uint_ne(f->v[other].block, f->v[phi].block);
	ir_func_free(f);
	f = build_run(m, ir_default_pipeline);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(build_traps_kept)
{
	/* (param i32) (result i32): 1 / 0 traps at run time, 7 / 2 folds,
	 * INT_MIN / -1 traps; the result needs all three */
	static const uint8_t code[] = {
		0x41, 1, 0x41, 0, 0x6d,                        /* div_s 1 0 */
		0x41, 7, 0x41, 2, 0x6d, 0x6a,                  /* + 7/2 */
		0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x41, 0x7f, 0x6d, 0x6a,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, ir_default_pipeline);
	ck_assert_uint_eq(count_op(f, IR_IDIVS), 2);
	uint32_t offs[2], n = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; j < f->b[b].ninsn; j++)
			if (f->v[f->b[b].insn[j]].op == IR_IDIVS)
				offs[n++] = f->v[f->b[b].insn[j]].wasm_off;
	ck_assert_uint_eq(n, 2);
	/* each names its own wasm instruction, in order */
	ck_assert_uint_ne(offs[0], UINT32_MAX);
	ck_assert_uint_ne(offs[1], UINT32_MAX);
	ck_assert_uint_lt(offs[0], offs[1]);
	ck_assert_uint_eq(offs[1] - offs[0], 15);      /* bytes between the two div_s */
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(build_gvn)
{
	/* (param i32 i32) (result i32): (a+b) * (a+b) - (b+a) */
	static const uint8_t code[] = {
		0x20, 0, 0x20, 1, 0x6a, 0x20, 0, 0x20, 1, 0x6a, 0x6c,
		0x20, 1, 0x20, 0, 0x6a, 0x6b,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "ii", "i", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, NULL);
	ck_assert_uint_eq(count_op(f, IR_IADD), 3);
	ck_assert(ir_pass_gvn(f));
	ir_pass_copyprop(f);
	verified(f);
	ck_assert_uint_eq(count_op(f, IR_IADD), 1);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

/* How many live VOPs of pre-decoded op `op` f has. */
static uint32_t count_vop(ir_func *f, enum interp_op op)
{
	uint32_t n = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t k = 0; k < f->b[b].ninsn; k++) {
			ir_insn *i = ir_at(f, f->b[b].insn[k]);
			n += i->op == IR_VOP && i->aux == (uint32_t)op;
		}
	return n;
}

START_TEST(build_gvn_v128)
{
	/* (param i32) (result i32): v = splat(a) + splat(a), twice, the
	 * products' lane 0; a negated splat dropped.  GVN keeps one splat
	 * and one add (pure v128 ops), DCE drops the unused neg, and tier 2
	 * compiles the rest (allocation verified). */
#define SPLAT 0x20, 0, 0xfd, 0x11
	static const uint8_t code[] = {
		SPLAT, SPLAT, 0xfd, 0xae, 0x01,
		SPLAT, SPLAT, 0xfd, 0xae, 0x01,
		0xfd, 0xb5, 0x01, 0xfd, 0x1b, 0,
		SPLAT, 0xfd, 0xa1, 0x01, 0x1a,
	};
#undef SPLAT
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, NULL);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_SPLAT), 5);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_ADD), 2);
	ck_assert(ir_pass_gvn(f));
	ir_pass_copyprop(f);
	verified(f);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_ADD), 1);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_SPLAT), 1);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_NEG), 1);
	ck_assert(ir_pass_dce(f));
	verified(f);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_NEG), 0);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_SPLAT), 1);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_MUL), 1);
	ck_assert_uint_eq(count_vop(f, OP_V_I32X4_EXTRACT_LANE), 1);
	ir_func_free(f);
	mir_code code2;
	wasm_error err;
	ck_assert_msg(opt_codegen(m, 0, NULL, true, &code2, &err) == WASM_OK, "%s",
		err.message);
	ck_assert_uint_gt(code2.len, 0);
	free(code2.code);
	free(code2.pc);
	free(code2.loops);
	unload(e, m);
}
END_TEST

START_TEST(build_brfold)
{
	/* (result i32): if (1) 10 else 20 end, then + 1 */
	static const uint8_t code[] = {
		0x41, 1, 0x04, 0x7f, 0x41, 10, 0x05, 0x41, 20, 0x0b, 0x41, 1, 0x6a,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "", "i", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, NULL);
	ck_assert_uint_ge(count_op(f, IR_PHI), 1);
	wasm_error err;
	ck_assert(ir_run_passes(f, ir_default_pipeline, NULL, true, &err) == WASM_OK);
	ck_assert_uint_eq(count_op(f, IR_BRANCH), 0);
	ck_assert_uint_eq(count_op(f, IR_PHI), 0);
	ir_ref r = ret_operand(f, 0);
	ck_assert(ir_is_const(f, r) && f->v[r].imm == 11);
	uint32_t live = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		live += !f->b[b].dead;
	ck_assert_uint_eq(live, 1);                    /* all merged */
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(build_widening_phi)
{
	/* (param i32 i64) (result i64): block (result i64)
	 *   (i64.extend_i32_u l0) (br_if 0 l0) drop l1  end
	 * extend_i32_u is a plain copy of the slot: the block's result
	 * joins an i32-typed value and an i64, so the phi is i64 and the i32
	 * arrives zero-extended */
	static const uint8_t code[] = {
		0x02, 0x7e, 0x20, 0, 0xad, 0x20, 0, 0x0d, 0, 0x1a, 0x20, 1, 0x0b,
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "iI", "I", 0, 0, code, sizeof code);
	ir_func *f = build_run(m, ir_default_pipeline);
	ck_assert_uint_ge(count_op(f, IR_EXTU), 1);
	ir_ref r = ret_operand(f, 0);
	ck_assert(r && f->v[r].type == IRT_I64);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(build_families)
{
	/* (param i32 f32) (result f32): memory, globals, br_table, a call,
	 * select, a trapping conversion, floats (a bit of every family) */
	static const uint8_t code[] = {
		0x20, 0, 0x20, 0, 0x28, 0x02, 0x04, 0x36, 0x02, 0x00,  /* m[a] = m[a+4] */
		0x20, 0, 0x20, 0, 0x41, 2, 0x74, 0x6a, 0x2d, 0x00, 0x08, 0x1a, /* load8_u */
		0x23, 0, 0x41, 1, 0x6a, 0x24, 0,                       /* g += 1 */
		0x02, 0x40, 0x20, 0, 0x0e, 2, 0, 0, 0, 0x0b,           /* br_table */
		0x20, 0, 0x04, 0x40, 0x20, 0, 0x20, 1, 0x10, 0, 0x1a, 0x0b, /* call */
		0x3f, 0x00, 0x40, 0x00, 0x1a,                          /* memory.grow */
		0x20, 1, 0xa8, 0x1a,                                   /* i32.trunc_f32_s */
		0x20, 1, 0x20, 1, 0x92,                                /* f32.add */
		0x43, 0x00, 0x00, 0x80, 0x3f, 0x20, 0, 0x1b,           /* select 1.0 */
		0x20, 0, 0xbe, 0x92,                                   /* + reinterpret */
	};
	wasm_engine *e;
	wasm_module *m = load(&e, "if", "f", 0, 0, code, sizeof code);
	/* the pipeline after inline: the call is of the function itself,
	 * which inline takes once (check_opt_inline's business), doubling
	 * what is counted here */
	const char *no_inline = ir_default_pipeline + strlen("inline,");
	ck_assert(strncmp(ir_default_pipeline, "inline,", 7) == 0);
	ir_func *f = build_run(m, no_inline);
	ck_assert_uint_eq(count_op(f, IR_LOAD), 1);
	ck_assert_uint_eq(count_op(f, IR_LOAD8U), 1);
	ck_assert_uint_eq(count_op(f, IR_STORE32), 1);
	ck_assert_uint_eq(count_op(f, IR_GLOBAL_SET), 1);
	ck_assert_uint_eq(count_op(f, IR_CALL), 1);
	ck_assert_uint_eq(count_op(f, IR_MEMORY_GROW), 1);
	ck_assert_uint_eq(count_op(f, IR_TRUNCS), 1);     /* may trap: kept */
	ck_assert_uint_eq(count_op(f, IR_SELECT), 1);
	ck_assert_uint_ge(count_op(f, IR_BITCAST), 1);    /* f32 bits of the slot */
	ck_assert(f->v[ret_operand(f, 0)].type == IRT_F32);
	ir_func_free(f);
	unload(e, m);
}
END_TEST

START_TEST(dump_ir)
{
	static const uint8_t code[] = { 0x20, 0, 0x41, 0, 0x6a };
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 0, 0, code, sizeof code);
	char *p = NULL;
	size_t n = 0;
	FILE *o = open_memstream(&p, &n);
	wasm_error err;
	wasm_status st = opt_dump_ir(m, 0, o, &err);
	fclose(o);
	ck_assert_msg(st == WASM_OK, "%s", err.message);
	ck_assert_msg(strstr(p, "; built\n") && strstr(p, "; after gvn") &&
		strstr(p, "; after dce") && strstr(p, "ret v"), "%s", p);
	free(p);
	o = open_memstream(&p, &n);
	ck_assert_int_eq(opt_dump_ir(m, 5, o, &err), WASM_ERR_ARG);
	fclose(o);
	free(p);
	unload(e, m);
}
END_TEST

/* The pass manager skips an idempotent pass (copyprop) when no pass
 * changed the IR since it last ran; with verify it runs it anyway and
 * fails if it changes anything.  The IR printed after every pass is the
 * same either way, "(no change)" included, and the default pipeline has
 * such a skip on this loop. */
static char *print_passes(wasm_module *m, bool verify)
{
	char *p = NULL;
	size_t n = 0;
	wasm_error err;
	ir_func *f = NULL;
	FILE *o = open_memstream(&p, &n);
	ck_assert_int_eq(ir_build(m, 0, &f, &err), WASM_OK);
	ck_assert_int_eq(ir_run_passes(f, ir_default_pipeline, o, verify, &err), WASM_OK);
	fclose(o);
	ir_func_free(f);
	return p;
}

START_TEST(pass_manager_skips)
{
	wasm_engine *e;
	wasm_module *m = load(&e, "i", "i", 1, 'i', sum_loop_code,
		sizeof sum_loop_code);
	char *checked = print_passes(m, true), *skipped = print_passes(m, false);
	ck_assert_str_eq(checked, skipped);
	ck_assert_ptr_nonnull(strstr(checked, "; after copyprop (no change)"));
	free(checked);
	free(skipped);
	/* twice in a row, verified: the second must find nothing to do */
	ir_func *f = build_run(m, "copyprop,copyprop");
	ir_func_free(f);
	unload(e, m);
}
END_TEST

/* ir_sort_u64 against a counting check: sorted, and the same multiset
 * (sums of values and of squares), over sizes around the heap's edges
 * and the radix sort's (256 keys and up), with duplicates, with keys
 * differing in every byte, and all equal (every byte skipped). */
START_TEST(sort_u64)
{
	static uint64_t v[3000];
	uint64_t seed = 12345;
	for (int pattern = 0; pattern < 3; pattern++)
	for (size_t n = 0; n <= 3000; n += n < 20 ? 1 : 97) {
		uint64_t sum = 0, sq = 0;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			v[i] = pattern == 0 ? (seed >> 33) % (n / 2 + 1) * 0x100000001ull :
				pattern == 1 ? seed ^ seed >> 29 : 0x0123456789abcdefull;
			sum += v[i];
			sq += v[i] * v[i];
		}
		ir_sort_u64(v, n);
		for (size_t i = 0; i < n; i++) {
			if (i)
				ck_assert_uint_le(v[i - 1], v[i]);
			sum -= v[i];
			sq -= v[i] * v[i];
		}
		ck_assert_uint_eq(sum, 0);
		ck_assert_uint_eq(sq, 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("core");
	/* pass_strength and pass_strength64 check some 90,000 reductions
	 * each: seconds under the sanitizers on a loaded machine, past
	 * Check's default of 4 */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table_consistent);
	tcase_add_test(tc, verify_catches);
	tcase_add_test(tc, eval_wasm_semantics);
	tcase_add_test(tc, pass_fold);
	tcase_add_test(tc, pass_dce);
	tcase_add_test(tc, pass_copyprop);
	tcase_add_test(tc, pass_strength);
	tcase_add_test(tc, pass_strength64);
	tcase_add_test(tc, build_strength);
	tcase_add_test(tc, pass_licm);
	tcase_add_test(tc, pass_addr);
	tcase_add_test(tc, pass_loopchk);
	tcase_add_test(tc, pass_loopchk_calls);
	tcase_add_test(tc, pass_loadelim);
	tcase_add_test(tc, build_eqz_compare);
	tcase_add_test(tc, build_constant);
	tcase_add_test(tc, build_loop_osr);
	tcase_add_test(tc, build_osr_one_loop);
	tcase_add_test(tc, pass_manager_skips);
	tcase_add_test(tc, build_join_in_loop_once);
	tcase_add_test(tc, build_entry_value_in_loop);
	tcase_add_test(tc, build_inner_header_value);
	tcase_add_test(tc, build_traps_kept);
	tcase_add_test(tc, build_gvn);
	tcase_add_test(tc, build_gvn_v128);
	tcase_add_test(tc, build_brfold);
	tcase_add_test(tc, build_widening_phi);
	tcase_add_test(tc, build_families);
	tcase_add_test(tc, dump_ir);
	tcase_add_test(tc, sort_u64);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
