/* lower_float.c -- tier 2's instruction selection for floats and SIMD
 * (lower_int.h): scalar SSE ops on XMM virtual registers, operands in the
 * wasm order (the NaN rule: ops.h); min/max, compares, trapping and
 * saturating truncations and int -> float through jit_seq.h's sequences
 * (the baseline's); abs, neg, copysign by andps/xorps/orps with masks from
 * the function's constant pool (emit.c); SIMD ops one MIR instruction of
 * their shape each (jit/jit_simd.h).  Moved from lower.c verbatim.
 */
#include "jit/opt/lower_int.h"
#include "jit/jit_seq.h"
#include "jit/jit_simd.h"
#include "interp/ops.h"

/* ---- floats ------------------------------------------------------------------ */

/* add, sub, mul, div, min, max: d = a op b, a first (the NaN rule). */
static void lower_fbin(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	x64_sse op = i->op == IR_FADD ? X64_SSE_ADD : i->op == IR_FSUB ? X64_SSE_SUB :
		i->op == IR_FMUL ? X64_SSE_MUL : X64_SSE_DIV;
	bool minmax = i->op == IR_FMIN || i->op == IR_FMAX;
	if (c->avx && !minmax) {
		/* vop d, a0, a1 / [m]: a0 stays the first source, no copy */
		mir_reg ra = lw_val(c, a[0]);
		if (c->memop[r] != IR_NONE) {
			lw_ins_mem(c, MIR_VFALUM, size, lw_def(c, r), ra, r)->aux = op;
			return;
		}
		mir_reg rb = lw_val(c, a[1]);
		lw_ins(c, MIR_VFALU, size, lw_def(c, r), ra, rb)->aux = op;
		return;
	}
	if (c->memop[r] != IR_NONE) {       /* d = a0 op [m] (a1 the load) */
		mir_reg d = lw_def(c, r);
		lw_move_into(c, d, size, a[0]);
		lw_ins_mem(c, MIR_FALUM, size, d, MIR_NOREG, r)->aux = op;
		return;
	}
	mir_reg rb = lw_val(c, a[1]);
	mir_reg d = lw_def(c, r);
	lw_move_into(c, d, size, a[0]);
	if (minmax) {
		lw_ins(c, MIR_FMINMAX, size, d, rb, 0)->aux = i->op == IR_FMAX;
		return;
	}
	lw_ins(c, MIR_FALU, size, d, rb, 0)->aux = op;
}

/* d = d op mask (andps/xorps with a constant-pool mask). */
static void flogic_mask(lw *c, unsigned size, mir_reg d, x64_sse op, uint64_t mask)
{
	mir_insn *k = lw_ins(c, MIR_FLOGIC, size, d, 0, 0);
	k->aux = op;
	k->hasimm = true;
	k->imm = (int64_t)mask;
}

/* abs, neg, copysign on the bits in the XMM register: andps/xorps with
 * masks from the constant pool (payloads kept exactly), copysign as
 * (a & ~sign) | (b & sign). */
static void lower_fsign(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	uint64_t sign = size == 4 ? 0x80000000ull : 0x8000000000000000ull;
	uint64_t all = size == 4 ? 0xffffffffull : ~0ull;
	mir_reg d = lw_def(c, r);
	mir_reg rb = i->op == IR_FCOPYSIGN ? lw_val(c, a[1]) : MIR_NOREG;
	lw_move_into(c, d, size, a[0]);
	if (i->op == IR_FNEG) {
		flogic_mask(c, size, d, X64_SSE_XOR, sign);
		return;
	}
	flogic_mask(c, size, d, X64_SSE_AND, all & ~sign);
	if (i->op == IR_FCOPYSIGN) {
		mir_reg u = lw_vreg(c, size, true);
		lw_ins(c, MIR_MOV, size, u, rb, 0);
		flogic_mask(c, size, u, X64_SSE_AND, sign);
		lw_ins(c, MIR_FLOGIC, size, d, u, 0)->aux = X64_SSE_OR;
	}
}

void lw_lower_float(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	enum ir_type t = (enum ir_type)i->type;
	switch (i->op) {
	case IR_FADD: case IR_FSUB: case IR_FMUL: case IR_FDIV: case IR_FMIN:
	case IR_FMAX:
		lower_fbin(c, r);
		break;
	case IR_FABS: case IR_FNEG: case IR_FCOPYSIGN:
		lower_fsign(c, r);
		break;
	case IR_FSQRT: {
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, MIR_FSQRT, tsize(c, t), lw_def(c, r), ra, 0);
		break;
	}
	case IR_FCEIL: case IR_FFLOOR: case IR_FTRUNC: case IR_FNEAREST: {
		if (!c->sse41) {
			refuse(c, "ceil/floor/trunc/nearest without the CPU's SSE4.1");
			break;
		}
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, MIR_FROUND, tsize(c, t), lw_def(c, r), ra, 0)->aux = X64_ROUND_NO_EXC |
			(i->op == IR_FCEIL ? X64_ROUND_UP : i->op == IR_FFLOOR ? X64_ROUND_DOWN :
			 i->op == IR_FTRUNC ? X64_ROUND_TRUNC : X64_ROUND_NEAREST);
		break;
	}
	case IR_FEQ: case IR_FNE: case IR_FLT: case IR_FGT: case IR_FLE: case IR_FGE: {
		mir_reg ra = lw_val(c, a[0]), rb = lw_val(c, a[1]);
		lw_ins(c, MIR_FCMP, tsize(c, (enum ir_type)i->aux), lw_def(c, r), ra, rb)->aux =
			i->op - IR_FEQ;
		break;
	}
	case IR_TRUNCS: case IR_TRUNCU: case IR_SATS: case IR_SATU: {
		bool sat = i->op == IR_SATS || i->op == IR_SATU;
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, sat ? MIR_TRUNCSAT : MIR_TRUNC, tsize(c, (enum ir_type)i->aux),
			lw_def(c, r), ra, 0)->aux = tsize(c, t) |
			(i->op == IR_TRUNCS || i->op == IR_SATS ? MIR_SIGNED : 0u);
		break;
	}
	case IR_CONVS: case IR_CONVU: {
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, MIR_CONV, tsize(c, t), lw_def(c, r), ra, 0)->aux =
			tsize(c, (enum ir_type)i->aux) | (i->op == IR_CONVS ? MIR_SIGNED : 0u);
		break;
	}
	case IR_DEMOTE: case IR_PROMOTE: {
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, MIR_FCVT, i->op == IR_DEMOTE ? 4 : 8, lw_def(c, r), ra, 0);
		break;
	}
	default:
		refuse(c, "a float op the lowering does not know");
		break;
	}
}

/* ---- SIMD ------------------------------------------------------------------- */

/* A SIMD op (jit/jit_simd.h): one MIR instruction of its shape (mir.h),
 * the operands in registers; of a two-address op (VOP) the first v128
 * (the second, for the swapped ones) copied into the result first, but
 * with AVX an op jit_simd_vex names is a VOP3, its result not tied to
 * that operand (vpaddd d, a, b: no copy), and a VOP3M when its second
 * source is a v128.load read as its memory operand (vpaddd d, a, [m]).  A shift by an IR constant
 * (jit_simd_takes_count) has no scalar operand: hasimm and the count in
 * imm, for the immediate form (psrlw d, 8), so the constant is not put
 * in a register and no scratch GPR is needed.  The
 * constant bytes of v128.const and i8x16.shuffle: the low 8 in imm, the
 * high 8 (an IR constant) in imm2. */
/* Whether every i16 lane of v128 value v is below 2^15 (a sum of two
 * zero-extended bytes at most, so the same number signed). */
static bool lanes_i16_nonneg(lw *c, ir_ref v)
{
	ir_insn *i = ir_at(c->f, v);
	if (i->op != IR_VOP)
		return false;
	switch ((enum interp_op)i->aux) {
	case OP_V_I16X8_EXTADD_PAIRWISE_I8X16_U:
	case OP_V_I16X8_EXTEND_LOW_I8X16_U: case OP_V_I16X8_EXTEND_HIGH_I8X16_U:
		return true;
	default:
		return false;
	}
}

void lw_lower_simd(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	enum interp_op op = (enum interp_op)i->aux;
	/* the u16 pairwise sum of lanes below 2^15 is the s16 one: one
	 * pmaddwd by ones, not the bias, pmaddwd and unbias of the u16 one
	 * (simdimg's digest sums bytes pairwise twice) */
	if (op == OP_V_I32X4_EXTADD_PAIRWISE_I16X8_U && lanes_i16_nonneg(c, a[0]))
		op = OP_V_I32X4_EXTADD_PAIRWISE_I16X8_S;
	uint32_t k = 0, nvec = jit_simd_nvec(op);
	bool sc = jit_simd_has_scalar(op), kcount = false;
	mir_reg base = MIR_NOREG, d;
	int32_t disp = 0;
	mir_insn *m;
	if (jit_simd_needs_sse41(op) && !c->sse41) {
		refuse(c, "a SIMD op without the CPU's SSE4.1");
		return;
	}
	if (jit_simd_is_memory(op)) {
		lw_address(c, a[0], i->imm, &base, &disp);
		k = 1;
	}
	switch (jit_simd_shape(op)) {
	case JS_V_V: {
		bool sw = jit_simd_swapped(op);
		/* the second source a fused v128.load (mem_operands), unless an
		 * OSR entry's copy of r reads it from its slot (unfused) */
		if (c->memop[r] != IR_NONE && c->fused[c->memop[r]]) {
			mir_reg ra = lw_val(c, a[sw]);
			lw_ins_mem(c, MIR_VOP3M, 16, lw_def(c, r), ra, r)->aux = op;
			return;
		}
		/* a shift by a constant: the count is the immediate */
		kcount = sc && jit_simd_takes_count(op) && ir_is_const(c->f, a[k + nvec]);
		mir_reg rb = nvec >= 2 ? lw_val(c, a[k + !sw]) :
			sc && !kcount ? lw_val(c, a[k + nvec]) : base;
		mir_reg rc = nvec >= 3 ? lw_val(c, a[k + 2]) : MIR_NOREG;
		if (c->avx && jit_simd_vex(op)) {
			mir_reg ra = lw_val(c, a[k + sw]);
			m = lw_ins(c, MIR_VOP3, 16, lw_def(c, r), ra, rb);
			break;
		}
		d = lw_def(c, r);
		lw_move_into(c, d, 16, a[k + sw]);
		m = lw_ins(c, MIR_VOP, 16, d, rb, rc);
		break;
	}
	case JS_V_NEW:
		m = lw_ins(c, MIR_VDEF, 16, MIR_NOREG, sc ? lw_val(c, a[0]) : base, 0);
		m->d = lw_def(c, r);
		break;
	case JS_S_V: {
		mir_reg v = lw_val(c, a[k]);
		m = lw_ins(c, MIR_VGET, tsize(c, (enum ir_type)i->type), lw_def(c, r), v, 0);
		break;
	}
	case JS_STORE: {
		mir_reg v = lw_val(c, a[1]);
		m = lw_ins(c, MIR_VST, 16, 0, base, v);
		break;
	}
	default:
		refuse(c, "a SIMD op the lowering does not know");
		return;
	}
	m->aux = op;
	m->imm = disp;
	m->slot = i->aux2;
	if (kcount) {
		m->hasimm = true;
		m->imm = (int32_t)cbits(c, a[k + nvec]);
	}
	if (op == OP_V_V128_CONST || op == OP_V_I8X16_SHUFFLE) {
		ir_ref hi = a[i->nargs - 1];
		if (!ir_is_const(c->f, hi)) {
			refuse(c, "a v128 constant without its high bytes");
			return;
		}
		m->imm = (int64_t)i->imm;
		m->imm2 = cbits(c, hi);
		/* shuffle(v, v): index k >= 16 is v's byte k - 16, so every
		 * index picks a and the code reads a alone (one pshufb) */
		if (op == OP_V_I8X16_SHUFFLE && a[0] == a[1]) {
			m->imm &= ~(int64_t)0x1010101010101010ll;
			m->imm2 &= ~0x1010101010101010ull;
		}
	}
}
