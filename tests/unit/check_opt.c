/* check_opt.c -- tier 2's IR: the op table, the verifier, and each pass
 * on hand-made IR. */
#include "wasm.h"
#include "jit/opt/passes.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>


static void verified(ir_func *f)
{
	char msg[256];
	ck_assert_msg(ir_verify(f, msg, sizeof msg), "verify: %s", msg);
}

/* Build function 0, verify, run `pipeline` verifying after each pass. */
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
	ck_assert(EV(IEXT8S, I32, NONE, 0x80, 0) && r == 0xffffff80u);
	/* floats: exact results fold, NaN results and NaN operands do not */
	ck_assert(EV(FADD, F32, NONE, 0x3fc00000, 0x40000000) && r == 0x40600000); /* 1.5+2 */
	ck_assert(!EV(FDIV, F32, NONE, 0, 0));                       /* 0/0 */
	ck_assert(!EV(FADD, F64, NONE, 0x7ff8000000000001ull, 0));   /* NaN in */
	ck_assert(EV(FNEG, F32, NONE, 0x7fc00001, 0) && r == 0xffc00001); /* bits */
	ck_assert(EV(FMIN, F64, NONE, 0x8000000000000000ull, 0) && r == 0x8000000000000000ull);
	ck_assert(EV(FLT, I32, F32, 0x7fc00000, 0) && r == 0);       /* NaN < 0 */
	/* conversions: trapping ones only in range */
	ck_assert(!EV(TRUNCS, I32, F32, 0x7fc00000, 0));
	ck_assert(!EV(TRUNCS, I32, F64, 0x41e0000000000000ull, 0));  /* 2^31 */
	ck_assert(EV(TRUNCS, I32, F64, 0xc000000000000000ull, 0) && r == 0xfffffffeu);
	ck_assert(EV(SATU, I32, F32, 0xbf800000, 0) && r == 0);      /* -1 -> 0 */
	ck_assert(EV(SATS, I64, F64, 0x7ff8000000000000ull, 0) && r == 0);
	ck_assert(!EV(DEMOTE, F32, NONE, 0x7ff8000000000000ull, 0));
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
	ck_assert(!ir_pass_fold(f));
	ir_func_free(f);
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

int main(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, table_consistent);
	tcase_add_test(tc, verify_catches);
	tcase_add_test(tc, eval_wasm_semantics);
	tcase_add_test(tc, pass_fold);
	tcase_add_test(tc, pass_dce);
	tcase_add_test(tc, pass_copyprop);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
