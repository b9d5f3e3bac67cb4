/* jit_baseline_num.c -- the baseline compiler's numeric ops: integer and
 * float arithmetic, compares (plain, with an immediate, fused with a
 * branch), conversions.  Semantics are interp_numeric.h's, bit for bit:
 * i32 and f32 results are stored zero-extended to 64 bits, NaNs come out
 * of the same SSE instructions the C compiler uses for the interpreter.
 *
 * Layouts (after the 4-byte op): d a b | d a | d a imm32 | a b rel32 |
 * a imm32 rel32.  Scratch: rax, rcx, rdx, xmm0, xmm1.
 */
#include "jit/base/jit_baseline.h"
#include "interp/ops.h"

static const x64_cc cmp_cc[10] = {
	X64_CC_E, X64_CC_NE, X64_CC_L, X64_CC_B, X64_CC_G,
	X64_CC_A, X64_CC_LE, X64_CC_BE, X64_CC_GE, X64_CC_AE,
};

static bool in(int op, int first, int last) { return op >= first && op <= last; }

#define D jc_u16(c, 4)
#define A jc_u16(c, 6)
#define Bs jc_u16(c, 8)

/* ---- integers --------------------------------------------------------------- */

/* d = (a cmp b) for size 4 or 8; b from a slot or an immediate. */
static void cmp_set(jc *c, unsigned size, x64_cc cc, bool imm)
{
	if (imm) {
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		jc_cmp_imm(c, size, A, (int32_t)jc_u32(c, 8));
	} else {
		jc_ld(c, size, X64_RCX, A);
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		jc_alu_src(c, X64_ALU_CMP, size, X64_RCX, Bs);
	}
	x64_setcc_r(JB, cc, X64_RAX);
	jc_st(c, D, X64_RAX);
}

static void eqz(jc *c, unsigned size)
{
	x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
	jc_cmp_imm(c, size, A, 0);
	x64_setcc_r(JB, X64_CC_E, X64_RAX);
	jc_st(c, D, X64_RAX);
}

/* div/rem: rax = a, rcx = b; traps as the interpreter's. */
static void divrem(jc *c, unsigned size, bool is_signed, bool rem)
{
	x64_label ok = x64_label_new(), done = x64_label_new();
	jc_ld(c, size, X64_RAX, A);
	jc_ld(c, size, X64_RCX, Bs);
	x64_test_rr(JB, size, X64_RCX, X64_RCX);
	x64_jcc(JB, X64_CC_E, jc_site(c, JS_TRAP, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO));
	if (is_signed) {
		x64_cmp_ri(JB, size, X64_RCX, -1);
		x64_jcc_short(JB, X64_CC_NE, &ok);
		if (rem) {
			/* x % -1 = 0 (idiv would fault on MIN % -1) */
			x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RDX, X64_RDX);
			x64_jmp_short(JB, &done);
		} else {
			/* MIN / -1 overflows; anything else is -a */
			if (size == 4) {
				x64_cmp_ri(JB, 4, X64_RAX, INT32_MIN);
			} else {
				x64_movabs_ri(JB, X64_RDX, INT64_MIN);
				x64_cmp_rr(JB, 8, X64_RAX, X64_RDX);
			}
			x64_jcc(JB, X64_CC_E, jc_site(c, JS_TRAP, WASM_TRAP_INTEGER_OVERFLOW));
		}
		x64_label_bind(JB, &ok);
		if (size == 4)
			x64_cdq(JB);
		else
			x64_cqo(JB);
		x64_idiv_r(JB, size, X64_RCX);
	} else {
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RDX, X64_RDX);
		x64_div_r(JB, size, X64_RCX);
	}
	x64_label_bind(JB, &done);
	jc_st(c, D, rem ? X64_RDX : X64_RAX);
}

static void shift(jc *c, unsigned size, x64_shift op, bool imm)
{
	jc_ld(c, size, X64_RAX, A);
	if (imm) {
		x64_shift_ri(JB, op, size, X64_RAX,
			(uint8_t)(jc_u32(c, 8) & (size == 4 ? 31 : 63)));
	} else {
		jc_ld(c, 4, X64_RCX, Bs);
		x64_shift_rcl(JB, op, size, X64_RAX);
	}
	jc_st(c, D, X64_RAX);
}

static void alu(jc *c, unsigned size, x64_alu op, bool imm)
{
	jc_ld(c, size, X64_RAX, A);
	if (imm)
		x64_alu_ri(JB, op, size, X64_RAX, (int32_t)jc_u32(c, 8));
	else
		jc_alu_src(c, op, size, X64_RAX, Bs);
	jc_st(c, D, X64_RAX);
}

static void mul(jc *c, unsigned size, bool imm)
{
	jc_ld(c, size, X64_RAX, A);
	if (imm)
		x64_imul_rri(JB, size, X64_RAX, X64_RAX, (int32_t)jc_u32(c, 8));
	else
		jc_imul_src(c, size, X64_RAX, Bs);
	jc_st(c, D, X64_RAX);
}

/* clz, ctz, popcnt with or without the CPU's instructions. */
static void bitcount(jc *c, unsigned size, int which)
{
	int bits = size == 4 ? 32 : 64;
	jc_ld(c, size, X64_RCX, A);
	switch (which) {
	case 0: /* clz */
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
	case 1: /* ctz */
		if (c->has_tzcnt) {
			x64_tzcnt_rr(JB, size, X64_RAX, X64_RCX);
		} else {
			x64_bsf_rr(JB, size, X64_RAX, X64_RCX);
			x64_mov_ri(JB, 4, X64_RDX, bits);
			x64_cmovcc_rr(JB, X64_CC_E, size, X64_RAX, X64_RDX);
		}
		break;
	default:
		if (!c->has_popcnt) {
			jc_bail(c, "the CPU has no POPCNT");
			return;
		}
		x64_popcnt_rr(JB, size, X64_RAX, X64_RCX);
		break;
	}
	jc_st(c, D, X64_RAX);
}

static bool int_op(jc *c, int op, int base, unsigned size)
{
	/* base: OP_CLZ32 or OP_CLZ64; op in INT_ARITH order */
	int k = op - base;
	switch (k) {
	case 0: bitcount(c, size, 0); return true;
	case 1: bitcount(c, size, 1); return true;
	case 2: bitcount(c, size, 2); return true;
	case 3: alu(c, size, X64_ALU_ADD, false); return true;
	case 4: alu(c, size, X64_ALU_SUB, false); return true;
	case 5: mul(c, size, false); return true;
	case 6: divrem(c, size, true, false); return true;
	case 7: divrem(c, size, false, false); return true;
	case 8: divrem(c, size, true, true); return true;
	case 9: divrem(c, size, false, true); return true;
	case 10: alu(c, size, X64_ALU_AND, false); return true;
	case 11: alu(c, size, X64_ALU_OR, false); return true;
	case 12: alu(c, size, X64_ALU_XOR, false); return true;
	case 13: shift(c, size, X64_SH_SHL, false); return true;
	case 14: shift(c, size, X64_SH_SAR, false); return true;
	case 15: shift(c, size, X64_SH_SHR, false); return true;
	case 16: shift(c, size, X64_SH_ROL, false); return true;
	case 17: shift(c, size, X64_SH_ROR, false); return true;
	default: return false;
	}
}

/* IMM_FAMILY order after the compares: ADD MUL AND OR XOR SHL SHRS SHRU */
static void imm_op(jc *c, int k, unsigned size)
{
	switch (k) {
	case 0: alu(c, size, X64_ALU_ADD, true); break;
	case 1: mul(c, size, true); break;
	case 2: alu(c, size, X64_ALU_AND, true); break;
	case 3: alu(c, size, X64_ALU_OR, true); break;
	case 4: alu(c, size, X64_ALU_XOR, true); break;
	case 5: shift(c, size, X64_SH_SHL, true); break;
	case 6: shift(c, size, X64_SH_SAR, true); break;
	default: shift(c, size, X64_SH_SHR, true); break;
	}
}

/* ---- floats ------------------------------------------------------------------- */

/* x = slot s as f32 (size 4) or f64 */
static void fload(jc *c, unsigned size, x64_xmm x, uint32_t s)
{
	jc_fld(c, size, x, s);
}

/* d = x (f32 zero-extended to the slot) */
static void fstore(jc *c, unsigned size, x64_xmm x)
{
	jc_fst(c, size, D, x);
}

static void fconst(jc *c, unsigned size, x64_xmm x, uint64_t bits)
{
	x64_mov_ri(JB, 8, X64_RAX, (int64_t)bits);
	x64_movd_xr(JB, size, x, X64_RAX);
}

static void farith(jc *c, unsigned size, x64_sse op)
{
	int pfx = size == 4 ? X64_PFX_F3 : X64_PFX_F2;
	fload(c, size, X64_XMM0, A);
	jc_sse_src(c, pfx, op, size, X64_XMM0, Bs);
	fstore(c, size, X64_XMM0);
}

/* ucomiss/ucomisd x, slot s */
static void ucomi(jc *c, unsigned size, x64_xmm x, uint32_t s)
{
	jc_sse_src(c, size == 4 ? X64_PFX_NONE : X64_PFX_66, X64_SSE_UCOMI,
		size, x, s);
}

static void ucomi_xx(jc *c, unsigned size, x64_xmm x, x64_xmm y)
{
	if (size == 4)
		x64_ucomiss_xx(JB, x, y);
	else
		x64_ucomisd_xx(JB, x, y);
}

/* wasm min/max: NaN in -> NaN out (a + b, as the interpreter), -0 < +0 */
static void fminmax(jc *c, unsigned size, bool is_max)
{
	x64_label nan = x64_label_new(), normal = x64_label_new();
	x64_label done = x64_label_new();
	int pfx = size == 4 ? X64_PFX_F3 : X64_PFX_F2;
	int ppfx = size == 4 ? X64_PFX_NONE : X64_PFX_66;
	fload(c, size, X64_XMM0, A);
	fload(c, size, X64_XMM1, Bs);
	ucomi_xx(c, size, X64_XMM0, X64_XMM1);
	x64_jcc_short(JB, X64_CC_P, &nan);
	x64_jcc_short(JB, X64_CC_NE, &normal);
	/* equal: the sign bits decide (+0 vs -0) */
	x64_sse_xx(JB, ppfx, is_max ? X64_SSE_AND : X64_SSE_OR, X64_XMM0, X64_XMM1);
	x64_jmp_short(JB, &done);
	x64_label_bind(JB, &normal);
	x64_sse_xx(JB, pfx, is_max ? X64_SSE_MAX : X64_SSE_MIN, X64_XMM0, X64_XMM1);
	x64_jmp_short(JB, &done);
	x64_label_bind(JB, &nan);
	x64_sse_xx(JB, pfx, X64_SSE_ADD, X64_XMM0, X64_XMM1);
	x64_label_bind(JB, &done);
	fstore(c, size, X64_XMM0);
}

/* FEQ FNE FLT FGT FLE FGE */
static void fcmp(jc *c, unsigned size, int k)
{
	x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
	switch (k) {
	case 0: case 1:
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RCX, X64_RCX);
		fload(c, size, X64_XMM0, A);
		ucomi(c, size, X64_XMM0, Bs);
		if (k == 0) {           /* ZF and not PF */
			x64_setcc_r(JB, X64_CC_E, X64_RAX);
			x64_setcc_r(JB, X64_CC_NP, X64_RCX);
			x64_alu_rr(JB, X64_ALU_AND, 4, X64_RAX, X64_RCX);
		} else {                /* not ZF, or PF */
			x64_setcc_r(JB, X64_CC_NE, X64_RAX);
			x64_setcc_r(JB, X64_CC_P, X64_RCX);
			x64_alu_rr(JB, X64_ALU_OR, 4, X64_RAX, X64_RCX);
		}
		break;
	case 2: case 4:                 /* a < b = b > a; a <= b = b >= a */
		fload(c, size, X64_XMM0, Bs);
		ucomi(c, size, X64_XMM0, A);
		x64_setcc_r(JB, k == 2 ? X64_CC_A : X64_CC_AE, X64_RAX);
		break;
	default:                        /* a > b, a >= b */
		fload(c, size, X64_XMM0, A);
		ucomi(c, size, X64_XMM0, Bs);
		x64_setcc_r(JB, k == 3 ? X64_CC_A : X64_CC_AE, X64_RAX);
		break;
	}
	jc_st(c, D, X64_RAX);
}

static void fround(jc *c, unsigned size, uint8_t mode)
{
	if (!c->has_sse41) {
		jc_bail(c, "the CPU has no SSE4.1 (roundss)");
		return;
	}
	fload(c, size, X64_XMM0, A);
	if (size == 4)
		x64_roundss_xx(JB, X64_XMM0, X64_XMM0, mode);
	else
		x64_roundsd_xx(JB, X64_XMM0, X64_XMM0, mode);
	fstore(c, size, X64_XMM0);
}

/* FLOAT_OPS order: FEQ FNE FLT FGT FLE FGE FABS FNEG FCEIL FFLOOR FTRUNC
 * FNEAREST FSQRT FADD FSUB FMUL FDIV FMIN FMAX FCOPYSIGN */
static void float_op(jc *c, int k, unsigned size)
{
	if (k < 6) {
		fcmp(c, size, k);
		return;
	}
	switch (k) {
	case 6: /* abs: clear the sign bit */
		jc_ld(c, size, X64_RAX, A);
		if (size == 4) {
			x64_alu_ri(JB, X64_ALU_AND, 4, X64_RAX, 0x7fffffff);
		} else {
			x64_shift_ri(JB, X64_SH_SHL, 8, X64_RAX, 1);
			x64_shift_ri(JB, X64_SH_SHR, 8, X64_RAX, 1);
		}
		jc_st(c, D, X64_RAX);
		break;
	case 7: /* neg: flip it */
		jc_ld(c, size, X64_RAX, A);
		if (size == 4) {
			x64_alu_ri(JB, X64_ALU_XOR, 4, X64_RAX, INT32_MIN);
		} else {
			x64_movabs_ri(JB, X64_RCX, INT64_MIN);
			x64_alu_rr(JB, X64_ALU_XOR, 8, X64_RAX, X64_RCX);
		}
		jc_st(c, D, X64_RAX);
		break;
	case 8: fround(c, size, X64_ROUND_UP | X64_ROUND_NO_EXC); break;
	case 9: fround(c, size, X64_ROUND_DOWN | X64_ROUND_NO_EXC); break;
	case 10: fround(c, size, X64_ROUND_TRUNC | X64_ROUND_NO_EXC); break;
	case 11: fround(c, size, X64_ROUND_NEAREST | X64_ROUND_NO_EXC); break;
	case 12:
		fload(c, size, X64_XMM0, A);
		x64_sse_xx(JB, size == 4 ? X64_PFX_F3 : X64_PFX_F2, X64_SSE_SQRT,
			X64_XMM0, X64_XMM0);
		fstore(c, size, X64_XMM0);
		break;
	case 13: farith(c, size, X64_SSE_ADD); break;
	case 14: farith(c, size, X64_SSE_SUB); break;
	case 15: farith(c, size, X64_SSE_MUL); break;
	case 16: farith(c, size, X64_SSE_DIV); break;
	case 17: fminmax(c, size, false); break;
	case 18: fminmax(c, size, true); break;
	default: /* copysign */
		jc_ld(c, size, X64_RAX, A);
		jc_ld(c, size, X64_RCX, Bs);
		if (size == 4) {
			x64_alu_ri(JB, X64_ALU_AND, 4, X64_RAX, 0x7fffffff);
			x64_alu_ri(JB, X64_ALU_AND, 4, X64_RCX, INT32_MIN);
		} else {
			x64_shift_ri(JB, X64_SH_SHL, 8, X64_RAX, 1);
			x64_shift_ri(JB, X64_SH_SHR, 8, X64_RAX, 1);
			x64_shift_ri(JB, X64_SH_SHR, 8, X64_RCX, 63);
			x64_shift_ri(JB, X64_SH_SHL, 8, X64_RCX, 63);
		}
		x64_alu_rr(JB, X64_ALU_OR, size, X64_RAX, X64_RCX);
		jc_st(c, D, X64_RAX);
		break;
	}
}

/* ---- conversions ------------------------------------------------------------ */

/* Trapping float -> int: NaN is invalid, outside (lo, hi) overflows. */
static void trunc_op(jc *c, unsigned fsize, unsigned isize, bool is_signed,
	uint64_t lo_bits, uint64_t hi_bits)
{
	fload(c, fsize, X64_XMM0, A);
	ucomi_xx(c, fsize, X64_XMM0, X64_XMM0);
	x64_jcc(JB, X64_CC_P, jc_site(c, JS_TRAP, WASM_TRAP_INVALID_CONVERSION));
	fconst(c, fsize, X64_XMM1, lo_bits);
	ucomi_xx(c, fsize, X64_XMM0, X64_XMM1);            /* a > lo ? */
	x64_jcc(JB, X64_CC_BE, jc_site(c, JS_TRAP, WASM_TRAP_INTEGER_OVERFLOW));
	fconst(c, fsize, X64_XMM1, hi_bits);
	ucomi_xx(c, fsize, X64_XMM1, X64_XMM0);            /* hi > a ? */
	x64_jcc(JB, X64_CC_BE, jc_site(c, JS_TRAP, WASM_TRAP_INTEGER_OVERFLOW));
	if (is_signed || isize == 4) {
		/* s32 and s64 convert directly; u32 via the 64-bit form */
		unsigned dsize = is_signed ? isize : 8;
		if (fsize == 4)
			x64_cvttss2si_rx(JB, dsize, X64_RAX, X64_XMM0);
		else
			x64_cvttsd2si_rx(JB, dsize, X64_RAX, X64_XMM0);
		if (isize == 4)
			x64_mov_rr(JB, 4, X64_RAX, X64_RAX);
		jc_st(c, D, X64_RAX);
		return;
	}
	/* u64: below 2^63 directly, else subtract 2^63 and set the top bit */
	x64_label big = x64_label_new(), done = x64_label_new();
	fconst(c, fsize, X64_XMM1, fsize == 4 ? 0x5f000000u : 0x43e0000000000000ull);
	ucomi_xx(c, fsize, X64_XMM0, X64_XMM1);
	x64_jcc_short(JB, X64_CC_AE, &big);
	if (fsize == 4)
		x64_cvttss2si_rx(JB, 8, X64_RAX, X64_XMM0);
	else
		x64_cvttsd2si_rx(JB, 8, X64_RAX, X64_XMM0);
	x64_jmp_short(JB, &done);
	x64_label_bind(JB, &big);
	x64_sse_xx(JB, fsize == 4 ? X64_PFX_F3 : X64_PFX_F2, X64_SSE_SUB, X64_XMM0, X64_XMM1);
	if (fsize == 4)
		x64_cvttss2si_rx(JB, 8, X64_RAX, X64_XMM0);
	else
		x64_cvttsd2si_rx(JB, 8, X64_RAX, X64_XMM0);
	x64_movabs_ri(JB, X64_RCX, INT64_MIN);
	x64_alu_rr(JB, X64_ALU_XOR, 8, X64_RAX, X64_RCX);
	x64_label_bind(JB, &done);
	jc_st(c, D, X64_RAX);
}

/* int -> float; src_size 4 or 8 */
static void convert(jc *c, unsigned fsize, unsigned isize, bool is_signed)
{
	x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_XOR, X64_XMM0, X64_XMM0);
	if (isize == 4) {
		/* s32 directly; u32 zero-extended, as a (positive) s64 */
		jc_ld(c, 4, X64_RAX, A);
		unsigned ssize = is_signed ? 4 : 8;
		if (fsize == 4)
			x64_cvtsi2ss_xr(JB, ssize, X64_XMM0, X64_RAX);
		else
			x64_cvtsi2sd_xr(JB, ssize, X64_XMM0, X64_RAX);
		fstore(c, fsize, X64_XMM0);
		return;
	}
	jc_ld(c, 8, X64_RAX, A);
	if (is_signed) {
		if (fsize == 4)
			x64_cvtsi2ss_xr(JB, 8, X64_XMM0, X64_RAX);
		else
			x64_cvtsi2sd_xr(JB, 8, X64_XMM0, X64_RAX);
		fstore(c, fsize, X64_XMM0);
		return;
	}
	/* u64: top bit clear -> as s64; else halve keeping the low bit
	 * (round to odd), convert, double */
	x64_label big = x64_label_new(), done = x64_label_new();
	x64_test_rr(JB, 8, X64_RAX, X64_RAX);
	x64_jcc_short(JB, X64_CC_S, &big);
	if (fsize == 4)
		x64_cvtsi2ss_xr(JB, 8, X64_XMM0, X64_RAX);
	else
		x64_cvtsi2sd_xr(JB, 8, X64_XMM0, X64_RAX);
	x64_jmp_short(JB, &done);
	x64_label_bind(JB, &big);
	x64_mov_rr(JB, 8, X64_RCX, X64_RAX);
	x64_shift_ri(JB, X64_SH_SHR, 8, X64_RCX, 1);
	x64_alu_ri(JB, X64_ALU_AND, 4, X64_RAX, 1);
	x64_alu_rr(JB, X64_ALU_OR, 8, X64_RCX, X64_RAX);
	if (fsize == 4) {
		x64_cvtsi2ss_xr(JB, 8, X64_XMM0, X64_RCX);
		x64_addss_xx(JB, X64_XMM0, X64_XMM0);
	} else {
		x64_cvtsi2sd_xr(JB, 8, X64_XMM0, X64_RCX);
		x64_addsd_xx(JB, X64_XMM0, X64_XMM0);
	}
	x64_label_bind(JB, &done);
	fstore(c, fsize, X64_XMM0);
}

static bool conversion(jc *c, int op)
{
	switch (op) {
	case OP_WRAP:
		jc_ld(c, 4, X64_RAX, A);
		break;
	case OP_EXT8S32:
		jc_ld(c, 4, X64_RAX, A);
		x64_movsx_rr(JB, 4, 1, X64_RAX, X64_RAX);
		break;
	case OP_EXT16S32:
		jc_ld(c, 4, X64_RAX, A);
		x64_movsx_rr(JB, 4, 2, X64_RAX, X64_RAX);
		break;
	case OP_EXT8S64:
		jc_ld(c, 8, X64_RAX, A);
		x64_movsx_rr(JB, 8, 1, X64_RAX, X64_RAX);
		break;
	case OP_EXT16S64:
		jc_ld(c, 8, X64_RAX, A);
		x64_movsx_rr(JB, 8, 2, X64_RAX, X64_RAX);
		break;
	case OP_EXT32S64:
		jc_ld(c, 4, X64_RAX, A);
		x64_movsxd_rr(JB, X64_RAX, X64_RAX);
		break;
	case OP_TRUNC_F32_S32:
		trunc_op(c, 4, 4, true, 0xcf000001u, 0x4f000000u);  /* -2147483904, 2^31 */
		return true;
	case OP_TRUNC_F32_U32:
		trunc_op(c, 4, 4, false, 0xbf800000u, 0x4f800000u); /* -1, 2^32 */
		return true;
	case OP_TRUNC_F64_S32:
		trunc_op(c, 8, 4, true, 0xc1e0000000200000ull, 0x41e0000000000000ull);
		return true;
	case OP_TRUNC_F64_U32:
		trunc_op(c, 8, 4, false, 0xbff0000000000000ull, 0x41f0000000000000ull);
		return true;
	case OP_TRUNC_F32_S64:
		trunc_op(c, 4, 8, true, 0xdf000001u, 0x5f000000u);  /* -2^63-2^40, 2^63 */
		return true;
	case OP_TRUNC_F32_U64:
		trunc_op(c, 4, 8, false, 0xbf800000u, 0x5f800000u); /* -1, 2^64 */
		return true;
	case OP_TRUNC_F64_S64:
		trunc_op(c, 8, 8, true, 0xc3e0000000000001ull, 0x43e0000000000000ull);
		return true;
	case OP_TRUNC_F64_U64:
		trunc_op(c, 8, 8, false, 0xbff0000000000000ull, 0x43f0000000000000ull);
		return true;
	case OP_SAT_F32_S32: case OP_SAT_F32_U32: case OP_SAT_F64_S32:
	case OP_SAT_F64_U32: case OP_SAT_F32_S64: case OP_SAT_F32_U64:
	case OP_SAT_F64_S64: case OP_SAT_F64_U64:
		jc_slow_op(c, false);   /* SAT_*: left to C */
		return true;
	case OP_CONV_S32_F32: convert(c, 4, 4, true); return true;
	case OP_CONV_U32_F32: convert(c, 4, 4, false); return true;
	case OP_CONV_S64_F32: convert(c, 4, 8, true); return true;
	case OP_CONV_U64_F32: convert(c, 4, 8, false); return true;
	case OP_CONV_S32_F64: convert(c, 8, 4, true); return true;
	case OP_CONV_U32_F64: convert(c, 8, 4, false); return true;
	case OP_CONV_S64_F64: convert(c, 8, 8, true); return true;
	case OP_CONV_U64_F64: convert(c, 8, 8, false); return true;
	case OP_DEMOTE:
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_XOR, X64_XMM0, X64_XMM0);
		jc_sse_src(c, X64_PFX_F2, X64_SSE_CVT2, 8, X64_XMM0, A);
		fstore(c, 4, X64_XMM0);
		return true;
	case OP_PROMOTE:
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_XOR, X64_XMM0, X64_XMM0);
		jc_sse_src(c, X64_PFX_F3, X64_SSE_CVT2, 4, X64_XMM0, A);
		fstore(c, 8, X64_XMM0);
		return true;
	default:
		return false;
	}
	jc_st(c, D, X64_RAX);
	return true;
}

/* ---- fused compare-and-branch ------------------------------------------------- */

static void br_cmp(jc *c, unsigned size, int k, bool imm)
{
	if (imm) {
		jc_cmp_imm(c, size, jc_u16(c, 4), (int32_t)jc_u32(c, 6));
		x64_jcc(JB, cmp_cc[k], jc_label_at(c, 10));
	} else {
		jc_ld(c, size, X64_RAX, jc_u16(c, 4));
		jc_alu_src(c, X64_ALU_CMP, size, X64_RAX, jc_u16(c, 6));
		x64_jcc(JB, cmp_cc[k], jc_label_at(c, 8));
	}
}

bool jc_emit_num(jc *c)
{
	int op = c->op;
	if (op == OP_EQZ32) { eqz(c, 4); return true; }
	if (op == OP_EQZ64) { eqz(c, 8); return true; }
	if (in(op, OP_EQ32, OP_GEU32)) { cmp_set(c, 4, cmp_cc[op - OP_EQ32], false); return true; }
	if (in(op, OP_EQ64, OP_GEU64)) { cmp_set(c, 8, cmp_cc[op - OP_EQ64], false); return true; }
	if (in(op, OP_CLZ32, OP_ROTR32)) return int_op(c, op, OP_CLZ32, 4);
	if (in(op, OP_CLZ64, OP_ROTR64)) return int_op(c, op, OP_CLZ64, 8);
	if (in(op, OP_FEQ32, OP_FCOPYSIGN32)) { float_op(c, op - OP_FEQ32, 4); return true; }
	if (in(op, OP_FEQ64, OP_FCOPYSIGN64)) { float_op(c, op - OP_FEQ64, 8); return true; }
	if (in(op, OP_WRAP, OP_EXT32S64)) return conversion(c, op);
	if (in(op, OP_EQ32I, OP_GEU32I)) { cmp_set(c, 4, cmp_cc[op - OP_EQ32I], true); return true; }
	if (in(op, OP_EQ64I, OP_GEU64I)) { cmp_set(c, 8, cmp_cc[op - OP_EQ64I], true); return true; }
	if (in(op, OP_ADD32I, OP_SHRU32I)) { imm_op(c, op - OP_ADD32I, 4); return true; }
	if (in(op, OP_ADD64I, OP_SHRU64I)) { imm_op(c, op - OP_ADD64I, 8); return true; }
	if (in(op, OP_EQ_BR32, OP_GEU_BR32)) { br_cmp(c, 4, op - OP_EQ_BR32, false); return true; }
	if (in(op, OP_EQ_BR32I, OP_GEU_BR32I)) { br_cmp(c, 4, op - OP_EQ_BR32I, true); return true; }
	if (in(op, OP_EQ_BR64, OP_GEU_BR64)) { br_cmp(c, 8, op - OP_EQ_BR64, false); return true; }
	return false;
}
