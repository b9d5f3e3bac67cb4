/* check_opt.c -- tier 2's IR: the op table and the verifier. */
#include "wasm.h"
#include "jit/opt/ir.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>


static void verified(ir_func *f)
{
	char msg[256];
	ck_assert_msg(ir_verify(f, msg, sizeof msg), "verify: %s", msg);
}

/* Build function 0, verify, run `pipeline` verifying after each pass. */
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

int main(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, table_consistent);
	tcase_add_test(tc, verify_catches);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
