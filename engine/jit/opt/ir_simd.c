/* ir_simd.c -- what tier 2's IR knows of the SIMD ops (ir.h: VOP, VLOAD,
 * VSTORE), all of it derived from the one table (jit/jit_simd.h, itself
 * from front/opcodes.h's WASM_OPS_SIMD): operand order and types,
 * result type, which IR op. */
#include "jit/opt/ir.h"
#include "jit/jit_simd.h"

enum ir_op ir_vop_of(uint32_t op)
{
	enum jit_simd_shape s = jit_simd_shape((enum interp_op)op);
	if (s == JS_STORE)
		return IR_VSTORE;
	return jit_simd_is_memory((enum interp_op)op) ? IR_VLOAD : IR_VOP;
}

static enum ir_type scalar_type(uint32_t op)
{
	return jit_simd_scalar_size((enum interp_op)op) == 8 ? IRT_I64 : IRT_I32;
}

static bool has_hi(uint32_t op)
{
	return op == OP_V_V128_CONST || op == OP_V_I8X16_SHUFFLE;
}

uint32_t ir_vop_nargs(uint32_t op)
{
	enum interp_op o = (enum interp_op)op;
	return jit_simd_is_memory(o) + jit_simd_nvec(o) + jit_simd_has_scalar(o) +
		has_hi(op);
}

/* Order: the address, the v128s, the scalar, the high 8 bytes. */
enum ir_type ir_vop_arg_type(uint32_t op, uint32_t k)
{
	enum interp_op o = (enum interp_op)op;
	uint32_t nmem = jit_simd_is_memory(o), nvec = jit_simd_nvec(o);
	if (k < nmem)
		return IRT_I32;
	k -= nmem;
	if (k < nvec)
		return IRT_V128;
	k -= nvec;
	if (jit_simd_has_scalar(o)) {
		if (k == 0)
			return scalar_type(op);
		k--;
	}
	return k == 0 && has_hi(op) ? IRT_I64 : IRT_NONE;
}

enum ir_type ir_vop_result_type(uint32_t op)
{
	switch (jit_simd_shape((enum interp_op)op)) {
	case JS_V_V: case JS_V_NEW:
		return IRT_V128;
	case JS_S_V:
		return scalar_type(op);
	default:
		return IRT_NONE;
	}
}
