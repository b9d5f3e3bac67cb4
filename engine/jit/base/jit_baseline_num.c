/* jit_baseline_num.c -- the baseline compiler's numeric ops: integer and
 * float arithmetic, compares (plain, with an immediate, fused with a
 * branch), conversions.  Semantics are interp_numeric.h's, bit for bit:
 * i32 and f32 results are stored zero-extended to 64 bits, NaNs come out
 * of the same SSE instructions the C compiler uses for the interpreter.
 *
 * One emitter per family (JC_FAMILIES); inside a family the op's type
 * gives the operand size and its place in its group (ops.h keeps the 32-
 * and 64-bit groups parallel) the operation.  Scratch: rax, rcx, rdx,
 * xmm0, xmm1.
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit_seq.h"
#include "interp/ops.h"
#include "interp/ops_slow.h"

#include <string.h>

/* Condition codes of the compares, in their group's order: jit_seq.h. */
#define cmp_cc jit_cmp_cc
#define NCMP JIT_NCMP

/* What the emitters compute from an op's place in its group: the groups
 * stay parallel (asserted once, in interp/ops.c), and the compares keep
 * cmp_cc's order. */
_Static_assert(OP_FGE32 - OP_FEQ32 == JIT_FGE && OP_FNE32 - OP_FEQ32 == JIT_FNE &&
	OP_FLT32 - OP_FEQ32 == JIT_FLT, "jit_fcmp follows the float compares' order");
_Static_assert(OP_GEU32 - OP_EQ32 + 1 == NCMP, "a compare per condition code");
_Static_assert(OP_LTU32 - OP_EQ32 == 3 && OP_GEU32 - OP_EQ32 == 9,
	"cmp_cc follows the compares' order");

/* The operands of the current numeric op: d = op a (D_A), d = a op b
 * (D_AB), d = a op imm (D_A_IMM). */
typedef struct {
	uint32_t d, a, b;
	int32_t imm;
	bool is_imm;
} operands;

static operands operands_of(jc *c)
{
	switch (op_infos[c->op].layout) {
	case OPL_D_A:
		return (operands){ .d = JOP(D_A)->d, .a = JOP(D_A)->a };
	case OPL_D_AB:
		return (operands){ .d = JOP(D_AB)->d, .a = JOP(D_AB)->a,
			.b = JOP(D_AB)->b };
	case OPL_D_A_IMM:
		return (operands){ .d = JOP(D_A_IMM)->d, .a = JOP(D_A_IMM)->a,
			.imm = (int32_t)JOP(D_A_IMM)->imm, .is_imm = true };
	default:
		jc_bail(c, "a numeric op of a layout the baseline JIT does not know");
		return (operands){ 0 };
	}
}

/* Index of op in the compare group that starts at eq, or -1. */
static int cmp_index(enum interp_op op, enum interp_op eq)
{
	int k = (int)op - (int)eq;
	return k >= 0 && k < NCMP ? k : -1;
}

/* ---- integers --------------------------------------------------------------- */

/* d = (a cmp b) for size 4 or 8; b from a slot or an immediate. */
static void cmp_set(jc *c, const operands *o, unsigned size, x64_cc cc)
{
	if (o->is_imm) {
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		jc_cmp_imm(c, size, o->a, o->imm);
	} else {
		jc_ld(c, size, X64_RCX, o->a);
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		jc_alu_src(c, X64_ALU_CMP, size, X64_RCX, o->b);
	}
	x64_setcc_r(JB, cc, X64_RAX);
	jc_st(c, o->d, X64_RAX);
}

static void eqz(jc *c, const operands *o, unsigned size)
{
	x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
	jc_cmp_imm(c, size, o->a, 0);
	x64_setcc_r(JB, X64_CC_E, X64_RAX);
	jc_st(c, o->d, X64_RAX);
}

/* div/rem: rax = a, rcx = b; traps as the interpreter's. */
static void divrem(jc *c, const operands *o, unsigned size, bool is_signed,
	bool rem)
{
	jc_ld(c, size, X64_RAX, o->a);
	jc_ld(c, size, X64_RCX, o->b);
	jit_seq_divrem(JB, size, is_signed, rem, X64_RCX, &c->tails);
	jc_st(c, o->d, rem ? X64_RDX : X64_RAX);
}

static void shift(jc *c, const operands *o, unsigned size, x64_shift op)
{
	jc_ld(c, size, X64_RAX, o->a);
	if (o->is_imm) {
		x64_shift_ri(JB, op, size, X64_RAX,
			(uint8_t)((uint32_t)o->imm & (size == 4 ? 31 : 63)));
	} else {
		jc_ld(c, 4, X64_RCX, o->b);
		x64_shift_rcl(JB, op, size, X64_RAX);
	}
	jc_st(c, o->d, X64_RAX);
}

static void alu(jc *c, const operands *o, unsigned size, x64_alu op)
{
	jc_ld(c, size, X64_RAX, o->a);
	if (o->is_imm)
		x64_alu_ri(JB, op, size, X64_RAX, o->imm);
	else
		jc_alu_src(c, op, size, X64_RAX, o->b);
	jc_st(c, o->d, X64_RAX);
}

static void mul(jc *c, const operands *o, unsigned size)
{
	jc_ld(c, size, X64_RAX, o->a);
	if (o->is_imm)
		x64_imul_rri(JB, size, X64_RAX, X64_RAX, o->imm);
	else
		jc_imul_src(c, size, X64_RAX, o->b);
	jc_st(c, o->d, X64_RAX);
}

/* clz, ctz, popcnt with or without the CPU's instructions. */
enum bitcount { BC_CLZ, BC_CTZ, BC_POPCNT };

static void bitcount(jc *c, const operands *o, unsigned size, enum bitcount which)
{
	int bits = size == 4 ? 32 : 64;
	jc_ld(c, size, X64_RCX, o->a);
	switch (which) {
	case BC_CLZ:
		if (c->has_lzcnt) {
			x64_lzcnt_rr(JB, size, X64_RAX, X64_RCX);
		} else {
			/* bsr = index of the top bit; zero -> -1; clz = bits-1 - it */
			x64_bsr_rr(JB, size, X64_RAX, X64_RCX);
			x64_mov_ri(JB, 8, X64_RDX, -1);
			x64_cmovcc_rr(JB, X64_CC_E, size, X64_RAX, X64_RDX);
			x64_neg_r(JB, size, X64_RAX);
			x64_add_ri(JB, size, X64_RAX, bits - 1);
		}
		break;
	case BC_CTZ:
		if (c->has_tzcnt) {
			x64_tzcnt_rr(JB, size, X64_RAX, X64_RCX);
		} else {
			x64_bsf_rr(JB, size, X64_RAX, X64_RCX);
			x64_mov_ri(JB, 4, X64_RDX, bits);
			x64_cmovcc_rr(JB, X64_CC_E, size, X64_RAX, X64_RDX);
		}
		break;
	case BC_POPCNT:
		if (!c->has_popcnt) {
			jc_bail(c, "the CPU has no POPCNT");
			return;
		}
		x64_popcnt_rr(JB, size, X64_RAX, X64_RCX);
		break;
	}
	jc_st(c, o->d, X64_RAX);
}

/* wrap and sign extension: d = a's low from_bytes (4: as they are),
 * sign-extended to size bytes. */
static void extend(jc *c, const operands *o, unsigned size, unsigned from_bytes)
{
	jc_ld(c, from_bytes == 4 ? 4 : size, X64_RAX, o->a);
	if (from_bytes == 4 && size == 8)
		x64_movsxd_rr(JB, X64_RAX, X64_RAX);
	else if (from_bytes < 4)
		x64_movsx_rr(JB, size, from_bytes, X64_RAX, X64_RAX);
	jc_st(c, o->d, X64_RAX);
}

/* INT_UNARY: eqz, clz, ctz, popcnt, wrap, sign extension. */
void jc_emit_int_unary(jc *c)
{
	operands o = operands_of(c);
	unsigned size = jc_size(c);
	switch (c->op) {
	case OP_EQZ32: case OP_EQZ64: eqz(c, &o, size); break;
	case OP_CLZ32: case OP_CLZ64: bitcount(c, &o, size, BC_CLZ); break;
	case OP_CTZ32: case OP_CTZ64: bitcount(c, &o, size, BC_CTZ); break;
	case OP_POPCNT32: case OP_POPCNT64: bitcount(c, &o, size, BC_POPCNT); break;
	case OP_WRAP: extend(c, &o, 4, 4); break;
	case OP_EXT8S32: extend(c, &o, 4, 1); break;
	case OP_EXT16S32: extend(c, &o, 4, 2); break;
	case OP_EXT8S64: extend(c, &o, 8, 1); break;
	case OP_EXT16S64: extend(c, &o, 8, 2); break;
	case OP_EXT32S64: extend(c, &o, 8, 4); break;
	default: jc_bail(c, "an integer op the baseline JIT does not know"); break;
	}
}

/* INT_BINARY and INT_IMM: compares and arithmetic, b a slot or an
 * immediate.  The 64-bit groups are parallel to the 32-bit ones, so the
 * switch names the 32-bit op. */
void jc_emit_int_binary(jc *c)
{
	operands o = operands_of(c);
	unsigned size = jc_size(c);
	enum interp_op eq = o.is_imm ? OP_EQ32I : OP_EQ32;
	enum interp_op op32 = c->op;
	if (size == 8)
		op32 -= o.is_imm ? OP_EQ64I - OP_EQ32I : OP_EQ64 - OP_EQ32;
	int k = cmp_index(op32, eq);
	if (k >= 0) {
		cmp_set(c, &o, size, cmp_cc[k]);
		return;
	}
	switch (op32) {
	case OP_ADD32: case OP_ADD32I: alu(c, &o, size, X64_ALU_ADD); break;
	case OP_SUB32: alu(c, &o, size, X64_ALU_SUB); break;
	case OP_MUL32: case OP_MUL32I: mul(c, &o, size); break;
	case OP_AND32: case OP_AND32I: alu(c, &o, size, X64_ALU_AND); break;
	case OP_OR32: case OP_OR32I: alu(c, &o, size, X64_ALU_OR); break;
	case OP_XOR32: case OP_XOR32I: alu(c, &o, size, X64_ALU_XOR); break;
	case OP_SHL32: case OP_SHL32I: shift(c, &o, size, X64_SH_SHL); break;
	case OP_SHRS32: case OP_SHRS32I: shift(c, &o, size, X64_SH_SAR); break;
	case OP_SHRU32: case OP_SHRU32I: shift(c, &o, size, X64_SH_SHR); break;
	case OP_ROTL32: shift(c, &o, size, X64_SH_ROL); break;
	case OP_ROTR32: shift(c, &o, size, X64_SH_ROR); break;
	default: jc_bail(c, "an integer op the baseline JIT does not know"); break;
	}
}

/* INT_DIV: div and rem, signed and unsigned. */
void jc_emit_int_div(jc *c)
{
	operands o = operands_of(c);
	unsigned size = jc_size(c);
	switch (c->op) {
	case OP_DIVS32: case OP_DIVS64: divrem(c, &o, size, true, false); break;
	case OP_DIVU32: case OP_DIVU64: divrem(c, &o, size, false, false); break;
	case OP_REMS32: case OP_REMS64: divrem(c, &o, size, true, true); break;
	case OP_REMU32: case OP_REMU64: divrem(c, &o, size, false, true); break;
	default: jc_bail(c, "a division the baseline JIT does not know"); break;
	}
}

/* ---- floats ------------------------------------------------------------------- */

static void farith(jc *c, const operands *o, unsigned size, x64_sse op)
{
	int pfx = size == 4 ? X64_PFX_F3 : X64_PFX_F2;
	jc_fld(c, size, X64_XMM0, o->a);
	jc_sse_src(c, pfx, op, size, X64_XMM0, o->b);
	jc_fst(c, size, o->d, X64_XMM0);
}

/* wasm min/max (jit_seq_fminmax) */
static void fminmax(jc *c, const operands *o, unsigned size, bool is_max)
{
	jc_fld(c, size, X64_XMM0, o->a);
	jc_fld(c, size, X64_XMM1, o->b);
	jit_seq_fminmax(JB, size, is_max, X64_XMM0, X64_XMM1);
	jc_fst(c, size, o->d, X64_XMM0);
}

/* FEQ FNE FLT FGT FLE FGE (op32: the 32-bit op) */
static void fcmp(jc *c, const operands *o, unsigned size, enum interp_op op32)
{
	jc_fld(c, size, X64_XMM0, o->a);
	jc_fld(c, size, X64_XMM1, o->b);
	jit_seq_fcmp(JB, size, (enum jit_fcmp)(op32 - OP_FEQ32), X64_RAX,
		X64_XMM0, X64_XMM1, X64_RCX);
	jc_st(c, o->d, X64_RAX);
}

static void fround(jc *c, const operands *o, unsigned size, uint8_t mode)
{
	if (!c->has_sse41) {
		jc_bail(c, "the CPU has no SSE4.1 (roundss)");
		return;
	}
	jc_fld(c, size, X64_XMM0, o->a);
	if (size == 4)
		x64_roundss_xx(JB, X64_XMM0, X64_XMM0, mode);
	else
		x64_roundsd_xx(JB, X64_XMM0, X64_XMM0, mode);
	jc_fst(c, size, o->d, X64_XMM0);
}

/* abs, neg, copysign on the bits, in rax */
static void fsign(jc *c, const operands *o, unsigned size, enum interp_op op32)
{
	jc_ld(c, size, X64_RAX, o->a);
	if (op32 == OP_FCOPYSIGN32)
		jc_ld(c, size, X64_RCX, o->b);
	if (op32 != OP_FNEG32) {        /* clear the sign bit */
		if (size == 4) {
			x64_alu_ri(JB, X64_ALU_AND, 4, X64_RAX, 0x7fffffff);
		} else {
			x64_shift_ri(JB, X64_SH_SHL, 8, X64_RAX, 1);
			x64_shift_ri(JB, X64_SH_SHR, 8, X64_RAX, 1);
		}
	}
	if (op32 == OP_FNEG32) {        /* flip it */
		if (size == 4) {
			x64_alu_ri(JB, X64_ALU_XOR, 4, X64_RAX, INT32_MIN);
		} else {
			x64_movabs_ri(JB, X64_RCX, INT64_MIN);
			x64_alu_rr(JB, X64_ALU_XOR, 8, X64_RAX, X64_RCX);
		}
	} else if (op32 == OP_FCOPYSIGN32) {    /* b's sign bit */
		if (size == 4) {
			x64_alu_ri(JB, X64_ALU_AND, 4, X64_RCX, INT32_MIN);
		} else {
			x64_shift_ri(JB, X64_SH_SHR, 8, X64_RCX, 63);
			x64_shift_ri(JB, X64_SH_SHL, 8, X64_RCX, 63);
		}
		x64_alu_rr(JB, X64_ALU_OR, size, X64_RAX, X64_RCX);
	}
	jc_st(c, o->d, X64_RAX);
}

/* FLOAT_UNARY and FLOAT_BINARY.  The f64 group is parallel to the f32
 * one, so the switch names the f32 op. */
void jc_emit_float(jc *c)
{
	operands o = operands_of(c);
	unsigned size = jc_size(c);
	enum interp_op op32 = c->op;
	if (size == 8)
		op32 -= OP_FEQ64 - OP_FEQ32;
	switch (op32) {
	case OP_FEQ32: case OP_FNE32: case OP_FLT32: case OP_FGT32:
	case OP_FLE32: case OP_FGE32:
		fcmp(c, &o, size, op32);
		break;
	case OP_FABS32: case OP_FNEG32: case OP_FCOPYSIGN32:
		fsign(c, &o, size, op32);
		break;
	case OP_FCEIL32: fround(c, &o, size, X64_ROUND_UP | X64_ROUND_NO_EXC); break;
	case OP_FFLOOR32: fround(c, &o, size, X64_ROUND_DOWN | X64_ROUND_NO_EXC); break;
	case OP_FTRUNC32: fround(c, &o, size, X64_ROUND_TRUNC | X64_ROUND_NO_EXC); break;
	case OP_FNEAREST32: fround(c, &o, size, X64_ROUND_NEAREST | X64_ROUND_NO_EXC); break;
	case OP_FSQRT32:
		jc_fld(c, size, X64_XMM0, o.a);
		x64_sse_xx(JB, size == 4 ? X64_PFX_F3 : X64_PFX_F2, X64_SSE_SQRT,
			X64_XMM0, X64_XMM0);
		jc_fst(c, size, o.d, X64_XMM0);
		break;
	case OP_FADD32: farith(c, &o, size, X64_SSE_ADD); break;
	case OP_FSUB32: farith(c, &o, size, X64_SSE_SUB); break;
	case OP_FMUL32: farith(c, &o, size, X64_SSE_MUL); break;
	case OP_FDIV32: farith(c, &o, size, X64_SSE_DIV); break;
	case OP_FMIN32: fminmax(c, &o, size, false); break;
	case OP_FMAX32: fminmax(c, &o, size, true); break;
	default: jc_bail(c, "a float op the baseline JIT does not know"); break;
	}
}

/* ---- conversions ------------------------------------------------------------ */

/* Trapping float -> int (jit_seq_trunc). */
static void trunc_op(jc *c, const operands *o, unsigned fsize, unsigned isize,
	bool is_signed, uint64_t lo_bits, uint64_t hi_bits)
{
	jc_fld(c, fsize, X64_XMM0, o->a);
	jit_seq_trunc(JB, fsize, isize, is_signed, lo_bits, hi_bits, X64_RAX,
		X64_XMM0, X64_XMM1, X64_RCX, &c->tails);
	jc_st(c, o->d, X64_RAX);
}

/* Saturating float -> int (jit_seq_trunc_sat). */
static void trunc_sat(jc *c, const operands *o, unsigned fsize, unsigned isize,
	bool is_signed)
{
	jc_fld(c, fsize, X64_XMM0, o->a);
	jit_seq_trunc_sat(JB, fsize, isize, is_signed, X64_RAX, X64_XMM0, X64_XMM1,
		X64_RCX);
	jc_st(c, o->d, X64_RAX);
}

/* int -> float; isize the integer's size (jit_seq_convert) */
static void convert(jc *c, const operands *o, unsigned fsize, unsigned isize,
	bool is_signed)
{
	jc_ld(c, isize, X64_RAX, o->a);
	jit_seq_convert(JB, fsize, isize, is_signed, X64_XMM0, X64_RAX, X64_RCX);
	jc_fst(c, fsize, o->d, X64_XMM0);
}

/* CONVERT. */
void jc_emit_convert(jc *c)
{
	operands o = operands_of(c);
	switch (c->op) {
	/* The bounds are ops_slow.h's, as the interpreter's; signed when
	 * the saturated minimum is not 0. */
#define TRUNC_CASE(name, SRC, RES, SLOT, lo, hi, rmin, rmax) \
	case OP_TRUNC_##name: \
		trunc_op(c, &o, sizeof(SRC), sizeof(RES), (rmin) != 0, \
			op_##SRC##_bits(lo), op_##SRC##_bits(hi)); \
		break;
	OP_FLOAT_TO_INT(TRUNC_CASE)
#undef TRUNC_CASE
#define SAT_CASE(name, SRC, RES, SLOT, lo, hi, rmin, rmax) \
	case OP_SAT_##name: \
		trunc_sat(c, &o, sizeof(SRC), sizeof(RES), (rmin) != 0); \
		break;
	OP_FLOAT_TO_INT(SAT_CASE)
#undef SAT_CASE
	case OP_CONV_S32_F32: convert(c, &o, 4, 4, true); break;
	case OP_CONV_U32_F32: convert(c, &o, 4, 4, false); break;
	case OP_CONV_S64_F32: convert(c, &o, 4, 8, true); break;
	case OP_CONV_U64_F32: convert(c, &o, 4, 8, false); break;
	case OP_CONV_S32_F64: convert(c, &o, 8, 4, true); break;
	case OP_CONV_U32_F64: convert(c, &o, 8, 4, false); break;
	case OP_CONV_S64_F64: convert(c, &o, 8, 8, true); break;
	case OP_CONV_U64_F64: convert(c, &o, 8, 8, false); break;
	case OP_DEMOTE:
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_XOR, X64_XMM0, X64_XMM0);
		jc_sse_src(c, X64_PFX_F2, X64_SSE_CVT2, 8, X64_XMM0, o.a);
		jc_fst(c, 4, o.d, X64_XMM0);
		break;
	case OP_PROMOTE:
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_XOR, X64_XMM0, X64_XMM0);
		jc_sse_src(c, X64_PFX_F3, X64_SSE_CVT2, 4, X64_XMM0, o.a);
		jc_fst(c, 8, o.d, X64_XMM0);
		break;
	default:
		jc_bail(c, "a conversion the baseline JIT does not know");
		break;
	}
}

/* ---- fused compare-and-branch ------------------------------------------------- */

/* BR_CMP: a cmp b (a slot, or an immediate: BR_CMP_IMM), jump if true. */
void jc_emit_br_cmp(jc *c)
{
	bool imm = op_infos[c->op].layout == OPL_BR_CMP_IMM;
	unsigned size = jc_size(c);
	int k = cmp_index(c->op, imm ? OP_EQ_BR32I : size == 8 ? OP_EQ_BR64
		: OP_EQ_BR32);
	if (k < 0) {
		jc_bail(c, "a compare-and-branch the baseline JIT does not know");
		return;
	}
	if (imm) {
		jc_cmp_imm(c, size, JOP(BR_CMP_IMM)->a, (int32_t)JOP(BR_CMP_IMM)->imm);
	} else {
		jc_ld(c, size, X64_RAX, JOP(BR_CMP)->a);
		jc_alu_src(c, X64_ALU_CMP, size, X64_RAX, JOP(BR_CMP)->b);
	}
	x64_jcc(JB, cmp_cc[k], jc_label_at(c, 0));
}
