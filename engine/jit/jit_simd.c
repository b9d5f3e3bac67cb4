/* jit_simd.c -- the SIMD (v128) ops both JIT tiers emit (jit_simd.h): the
 * form table, one row per op, and the code of one op over registers.
 *
 * Legacy SSE forms with a 128-bit memory operand fault unless it is
 * 16-byte aligned: every 16-byte wasm memory operand goes through movdqu;
 * only 4- and 8-byte ones (movss, movsd, pmovsx/zx) stay in memory, and
 * the constants of a pool (jit_simd_regs.pool), which are 16-aligned.
 * Lanes are moved in and out with SSE4.1's pextr/pinsr when the tier
 * says the CPU has it (jit_simd_regs.sse41: tier 2), else through the
 * GPRs (the 8-byte halves: movq, pshufd; the baseline).
 */
#include "jit/jit_simd.h"
#include "front/opcodes.h"

#define P66 X64_PFX_66
#define F(...) { __VA_ARGS__ }
#define BIN(o, sse, ...) [OP_V_##o] = F(.kind = VK_BIN, .pfx = P66, .op = X64_SSE_##sse, __VA_ARGS__)
#define BINP(o, pfx_, sse, ...) [OP_V_##o] = F(.kind = VK_BIN, .pfx = pfx_, .op = X64_SSE_##sse, __VA_ARGS__)
#define CMPU(o, minmax, eq, ...) [OP_V_##o] = F(.kind = VK_CMPU, .pfx = P66, \
	.op = X64_SSE_##minmax, .op2 = X64_SSE_##eq, __VA_ARGS__)
#define CMPP(o, pfx_, pred, ...) [OP_V_##o] = F(.kind = VK_BIN_I, .pfx = pfx_, \
	.op = X64_SSE_CMPP, .imm = X64_CMPP_##pred, __VA_ARGS__)
#define UN(o, pfx_, sse, ...) [OP_V_##o] = F(.kind = VK_UN, .pfx = pfx_, .op = X64_SSE_##sse, __VA_ARGS__)
#define ROUND(o, sse, mode) [OP_V_##o] = F(.kind = VK_UN_I, .pfx = P66, .op = X64_SSE_##sse, \
	.imm = X64_ROUND_##mode | X64_ROUND_NO_EXC, .sse41 = true)
#define EXTMUL(o, ext, mul, b, ...) [OP_V_##o] = F(.kind = VK_EXTMUL, .pfx = P66, \
	.op = X64_SSE_##ext, .op2 = X64_SSE_##mul, .byte = b, .sse41 = true, __VA_ARGS__)
#define SHIFT(o, sse, n) [OP_V_##o] = F(.kind = VK_SHIFT, .pfx = P66, .op = X64_SSE_##sse, .size = n)

/* The integer compares of one lane width: eq, ne, signed by pcmpgt,
 * unsigned by min/max (SSE4.1 for 16 and 32 bits). */
#define ICMP(sfx, B, W, u41) \
	BIN(sfx##_EQ, PCMPEQ##B, .op2 = 0), \
	BIN(sfx##_NE, PCMPEQ##B, .not_ = true), \
	BIN(sfx##_GT_S, PCMPGT##B), \
	BIN(sfx##_LT_S, PCMPGT##B, .rev = true), \
	BIN(sfx##_LE_S, PCMPGT##B, .not_ = true), \
	BIN(sfx##_GE_S, PCMPGT##B, .rev = true, .not_ = true), \
	CMPU(sfx##_GE_U, PMAXU##W, PCMPEQ##B, .sse41 = u41), \
	CMPU(sfx##_LE_U, PMINU##W, PCMPEQ##B, .sse41 = u41), \
	CMPU(sfx##_LT_U, PMAXU##W, PCMPEQ##B, .sse41 = u41, .not_ = true), \
	CMPU(sfx##_GT_U, PMINU##W, PCMPEQ##B, .sse41 = u41, .not_ = true)

#define FLOATS(sfx, pfx_, sgn, abs_mask) \
	BINP(sfx##_ADD, pfx_, ADD), BINP(sfx##_SUB, pfx_, SUB), \
	BINP(sfx##_MUL, pfx_, MUL), BINP(sfx##_DIV, pfx_, DIV), \
	UN(sfx##_SQRT, pfx_, SQRT), \
	BINP(sfx##_PMIN, pfx_, MIN, .rev = true), \
	BINP(sfx##_PMAX, pfx_, MAX, .rev = true), \
	CMPP(sfx##_EQ, pfx_, EQ), CMPP(sfx##_NE, pfx_, NEQ), \
	CMPP(sfx##_LT, pfx_, LT), CMPP(sfx##_LE, pfx_, LE), \
	CMPP(sfx##_GT, pfx_, LT, .rev = true), CMPP(sfx##_GE, pfx_, LE, .rev = true), \
	[OP_V_##sfx##_ABS] = F(.kind = VK_GPR64, .op = X64_ALU_AND, .k = abs_mask), \
	[OP_V_##sfx##_NEG] = F(.kind = VK_GPR64, .op = X64_ALU_XOR, .k = sgn)

const jit_simd_form jit_simd_forms[OP_COUNT_] = {
	[OP_ENTER_V128] = F(.kind = VK_ENTER),
	[OP_ENTER_V128_FUEL] = F(.kind = VK_ENTER),
	[OP_V128_COPY] = F(.kind = VK_COPY),
	[OP_V128_SELECT] = F(.kind = VK_SELECT),
	[OP_V128_GLOBAL_GET] = F(.kind = VK_GLOBAL_GET),
	[OP_V128_GLOBAL_SET] = F(.kind = VK_GLOBAL_SET),
	[OP_V_V128_CONST] = F(.kind = VK_CONST),

	/* memory */
	[OP_V_V128_LOAD] = F(.kind = VK_LOAD),
	[OP_V_V128_STORE] = F(.kind = VK_STORE),
	[OP_V_V128_LOAD32_ZERO] = F(.kind = VK_LOAD_X, .pfx = X64_PFX_F3, .op = X64_SSE_MOV_RM),
	[OP_V_V128_LOAD64_ZERO] = F(.kind = VK_LOAD_X, .pfx = X64_PFX_F2, .op = X64_SSE_MOV_RM),
	[OP_V_V128_LOAD8X8_S] = F(.kind = VK_LOAD_X, .pfx = P66, .op = X64_SSE_PMOVSXBW, .sse41 = true),
	[OP_V_V128_LOAD8X8_U] = F(.kind = VK_LOAD_X, .pfx = P66, .op = X64_SSE_PMOVZXBW, .sse41 = true),
	[OP_V_V128_LOAD16X4_S] = F(.kind = VK_LOAD_X, .pfx = P66, .op = X64_SSE_PMOVSXWD, .sse41 = true),
	[OP_V_V128_LOAD16X4_U] = F(.kind = VK_LOAD_X, .pfx = P66, .op = X64_SSE_PMOVZXWD, .sse41 = true),
	[OP_V_V128_LOAD32X2_S] = F(.kind = VK_LOAD_X, .pfx = P66, .op = X64_SSE_PMOVSXDQ, .sse41 = true),
	[OP_V_V128_LOAD32X2_U] = F(.kind = VK_LOAD_X, .pfx = P66, .op = X64_SSE_PMOVZXDQ, .sse41 = true),
	[OP_V_V128_LOAD8_SPLAT] = F(.kind = VK_LOAD_SPLAT, .size = 1),
	[OP_V_V128_LOAD16_SPLAT] = F(.kind = VK_LOAD_SPLAT, .size = 2),
	[OP_V_V128_LOAD32_SPLAT] = F(.kind = VK_LOAD_SPLAT, .size = 4),
	[OP_V_V128_LOAD64_SPLAT] = F(.kind = VK_LOAD_SPLAT, .size = 8),
	[OP_V_V128_LOAD8_LANE] = F(.kind = VK_LOAD_LANE, .size = 1),
	[OP_V_V128_LOAD16_LANE] = F(.kind = VK_LOAD_LANE, .size = 2),
	[OP_V_V128_LOAD32_LANE] = F(.kind = VK_LOAD_LANE, .size = 4),
	[OP_V_V128_LOAD64_LANE] = F(.kind = VK_LOAD_LANE, .size = 8),
	[OP_V_V128_STORE8_LANE] = F(.kind = VK_STORE_LANE, .size = 1),
	[OP_V_V128_STORE16_LANE] = F(.kind = VK_STORE_LANE, .size = 2),
	[OP_V_V128_STORE32_LANE] = F(.kind = VK_STORE_LANE, .size = 4),
	[OP_V_V128_STORE64_LANE] = F(.kind = VK_STORE_LANE, .size = 8),

	/* lanes */
	[OP_V_I8X16_SPLAT] = F(.kind = VK_SPLAT, .size = 1),
	[OP_V_I16X8_SPLAT] = F(.kind = VK_SPLAT, .size = 2),
	[OP_V_I32X4_SPLAT] = F(.kind = VK_SPLAT, .size = 4),
	[OP_V_F32X4_SPLAT] = F(.kind = VK_SPLAT, .size = 4),
	[OP_V_I64X2_SPLAT] = F(.kind = VK_SPLAT, .size = 8),
	[OP_V_F64X2_SPLAT] = F(.kind = VK_SPLAT, .size = 8),
	[OP_V_I8X16_EXTRACT_LANE_S] = F(.kind = VK_EXTRACT, .size = 1, .sx = true),
	[OP_V_I8X16_EXTRACT_LANE_U] = F(.kind = VK_EXTRACT, .size = 1),
	[OP_V_I16X8_EXTRACT_LANE_S] = F(.kind = VK_EXTRACT, .size = 2, .sx = true),
	[OP_V_I16X8_EXTRACT_LANE_U] = F(.kind = VK_EXTRACT, .size = 2),
	[OP_V_I32X4_EXTRACT_LANE] = F(.kind = VK_EXTRACT, .size = 4),
	[OP_V_F32X4_EXTRACT_LANE] = F(.kind = VK_EXTRACT, .size = 4),
	[OP_V_I64X2_EXTRACT_LANE] = F(.kind = VK_EXTRACT, .size = 8),
	[OP_V_F64X2_EXTRACT_LANE] = F(.kind = VK_EXTRACT, .size = 8),
	[OP_V_I8X16_REPLACE_LANE] = F(.kind = VK_REPLACE, .size = 1),
	[OP_V_I16X8_REPLACE_LANE] = F(.kind = VK_REPLACE, .size = 2),
	[OP_V_I32X4_REPLACE_LANE] = F(.kind = VK_REPLACE, .size = 4),
	[OP_V_F32X4_REPLACE_LANE] = F(.kind = VK_REPLACE, .size = 4),
	[OP_V_I64X2_REPLACE_LANE] = F(.kind = VK_REPLACE, .size = 8),
	[OP_V_F64X2_REPLACE_LANE] = F(.kind = VK_REPLACE, .size = 8),

	/* bitwise */
	[OP_V_V128_NOT] = F(.kind = VK_NOT),
	BIN(V128_AND, PAND), BIN(V128_OR, POR), BIN(V128_XOR, PXOR),
	BIN(V128_ANDNOT, PANDN, .rev = true),      /* pandn: ~dst & src */
	[OP_V_V128_BITSELECT] = F(.kind = VK_BITSELECT),
	[OP_V_V128_ANY_TRUE] = F(.kind = VK_ANY_TRUE),

	/* integer lanes */
	ICMP(I8X16, B, B, false),
	ICMP(I16X8, W, W, true),
	ICMP(I32X4, D, D, true),
	BIN(I64X2_EQ, PCMPEQQ, .sse41 = true),
	BIN(I64X2_NE, PCMPEQQ, .sse41 = true, .not_ = true),
	BIN(I8X16_ADD, PADDB), BIN(I16X8_ADD, PADDW), BIN(I32X4_ADD, PADDD), BIN(I64X2_ADD, PADDQ),
	BIN(I8X16_SUB, PSUBB), BIN(I16X8_SUB, PSUBW), BIN(I32X4_SUB, PSUBD), BIN(I64X2_SUB, PSUBQ),
	BIN(I8X16_ADD_SAT_S, PADDSB), BIN(I8X16_ADD_SAT_U, PADDUSB),
	BIN(I8X16_SUB_SAT_S, PSUBSB), BIN(I8X16_SUB_SAT_U, PSUBUSB),
	BIN(I16X8_ADD_SAT_S, PADDSW), BIN(I16X8_ADD_SAT_U, PADDUSW),
	BIN(I16X8_SUB_SAT_S, PSUBSW), BIN(I16X8_SUB_SAT_U, PSUBUSW),
	BIN(I8X16_MIN_S, PMINSB, .sse41 = true), BIN(I8X16_MIN_U, PMINUB),
	BIN(I8X16_MAX_S, PMAXSB, .sse41 = true), BIN(I8X16_MAX_U, PMAXUB),
	BIN(I16X8_MIN_S, PMINSW), BIN(I16X8_MIN_U, PMINUW, .sse41 = true),
	BIN(I16X8_MAX_S, PMAXSW), BIN(I16X8_MAX_U, PMAXUW, .sse41 = true),
	BIN(I32X4_MIN_S, PMINSD, .sse41 = true), BIN(I32X4_MIN_U, PMINUD, .sse41 = true),
	BIN(I32X4_MAX_S, PMAXSD, .sse41 = true), BIN(I32X4_MAX_U, PMAXUD, .sse41 = true),
	BIN(I8X16_AVGR_U, PAVGB), BIN(I16X8_AVGR_U, PAVGW),
	BIN(I16X8_MUL, PMULLW), BIN(I32X4_MUL, PMULLD, .sse41 = true),
	UN(I8X16_ABS, P66, PABSB, .sse41 = true),
	UN(I16X8_ABS, P66, PABSW, .sse41 = true),
	UN(I32X4_ABS, P66, PABSD, .sse41 = true),
	[OP_V_I8X16_NEG] = F(.kind = VK_NEG, .op = X64_SSE_PSUBB),
	[OP_V_I16X8_NEG] = F(.kind = VK_NEG, .op = X64_SSE_PSUBW),
	[OP_V_I32X4_NEG] = F(.kind = VK_NEG, .op = X64_SSE_PSUBD),
	[OP_V_I64X2_NEG] = F(.kind = VK_NEG, .op = X64_SSE_PSUBQ),
	SHIFT(I16X8_SHL, PSLLW, 2), SHIFT(I16X8_SHR_S, PSRAW, 2), SHIFT(I16X8_SHR_U, PSRLW, 2),
	SHIFT(I32X4_SHL, PSLLD, 4), SHIFT(I32X4_SHR_S, PSRAD, 4), SHIFT(I32X4_SHR_U, PSRLD, 4),
	SHIFT(I64X2_SHL, PSLLQ, 8), SHIFT(I64X2_SHR_U, PSRLQ, 8),
	/* extend: the low or high 8 bytes of a, widened (the unsigned high
	 * ones, given a pool, as the high half unpacked with zero) */
	UN(I16X8_EXTEND_LOW_I8X16_S, P66, PMOVSXBW, .sse41 = true, .m64 = true),
	UN(I16X8_EXTEND_HIGH_I8X16_S, P66, PMOVSXBW, .sse41 = true, .m64 = true, .byte = 8),
	UN(I16X8_EXTEND_LOW_I8X16_U, P66, PMOVZXBW, .sse41 = true, .m64 = true),
	UN(I16X8_EXTEND_HIGH_I8X16_U, P66, PMOVZXBW, .sse41 = true, .m64 = true, .byte = 8,
		.hiz = X64_SSE_PUNPCKHBW),
	UN(I32X4_EXTEND_LOW_I16X8_S, P66, PMOVSXWD, .sse41 = true, .m64 = true),
	UN(I32X4_EXTEND_HIGH_I16X8_S, P66, PMOVSXWD, .sse41 = true, .m64 = true, .byte = 8),
	UN(I32X4_EXTEND_LOW_I16X8_U, P66, PMOVZXWD, .sse41 = true, .m64 = true),
	UN(I32X4_EXTEND_HIGH_I16X8_U, P66, PMOVZXWD, .sse41 = true, .m64 = true, .byte = 8,
		.hiz = X64_SSE_PUNPCKHWD),
	UN(I64X2_EXTEND_LOW_I32X4_S, P66, PMOVSXDQ, .sse41 = true, .m64 = true),
	UN(I64X2_EXTEND_HIGH_I32X4_S, P66, PMOVSXDQ, .sse41 = true, .m64 = true, .byte = 8),
	UN(I64X2_EXTEND_LOW_I32X4_U, P66, PMOVZXDQ, .sse41 = true, .m64 = true),
	UN(I64X2_EXTEND_HIGH_I32X4_U, P66, PMOVZXDQ, .sse41 = true, .m64 = true, .byte = 8,
		.hiz = X64_SSE_PUNPCKHDQ),

	[OP_V_I8X16_SHUFFLE] = F(.kind = VK_SHUFFLE, .sse41 = true),
	[OP_V_I8X16_SWIZZLE] = F(.kind = VK_SWIZZLE, .sse41 = true),
	[OP_V_I8X16_ALL_TRUE] = F(.kind = VK_ALL_TRUE, .op = X64_SSE_PCMPEQB, .sse41 = true),
	[OP_V_I16X8_ALL_TRUE] = F(.kind = VK_ALL_TRUE, .op = X64_SSE_PCMPEQW, .sse41 = true),
	[OP_V_I32X4_ALL_TRUE] = F(.kind = VK_ALL_TRUE, .op = X64_SSE_PCMPEQD, .sse41 = true),
	[OP_V_I64X2_ALL_TRUE] = F(.kind = VK_ALL_TRUE, .op = X64_SSE_PCMPEQQ, .sse41 = true),
	[OP_V_I8X16_BITMASK] = F(.kind = VK_BITMASK, .pfx = P66, .op = X64_SSE_PMOVMSKB, .size = 1),
	[OP_V_I16X8_BITMASK] = F(.kind = VK_BITMASK, .pfx = P66, .op = X64_SSE_PMOVMSKB, .size = 2),
	[OP_V_I32X4_BITMASK] = F(.kind = VK_BITMASK, .pfx = X64_PFX_NONE, .op = X64_SSE_MOVMSKP, .size = 4),
	[OP_V_I64X2_BITMASK] = F(.kind = VK_BITMASK, .pfx = P66, .op = X64_SSE_MOVMSKP, .size = 8),
	BIN(I8X16_NARROW_I16X8_S, PACKSSWB), BIN(I8X16_NARROW_I16X8_U, PACKUSWB),
	BIN(I16X8_NARROW_I32X4_S, PACKSSDW),
	BIN(I16X8_NARROW_I32X4_U, PACKUSDW, .sse41 = true),
	[OP_V_I16X8_Q15MULR_SAT_S] = F(.kind = VK_Q15MULR, .sse41 = true),
	[OP_V_I8X16_SHL] = F(.kind = VK_I8_SHIFT),
	[OP_V_I8X16_SHR_U] = F(.kind = VK_I8_SHIFT),
	[OP_V_I8X16_SHR_S] = F(.kind = VK_I8_SHIFT),
	[OP_V_I64X2_MUL] = F(.kind = VK_I64_GPR),
	[OP_V_I64X2_ABS] = F(.kind = VK_I64_GPR),
	[OP_V_I64X2_SHR_S] = F(.kind = VK_I64_GPR),
	[OP_V_I64X2_LT_S] = F(.kind = VK_I64_GPR, .imm = X64_CC_L),
	[OP_V_I64X2_GT_S] = F(.kind = VK_I64_GPR, .imm = X64_CC_G),
	[OP_V_I64X2_LE_S] = F(.kind = VK_I64_GPR, .imm = X64_CC_LE),
	[OP_V_I64X2_GE_S] = F(.kind = VK_I64_GPR, .imm = X64_CC_GE),
	[OP_V_I8X16_POPCNT] = F(.kind = VK_SEQ, .sse41 = true),
	[OP_V_F32X4_CONVERT_I32X4_U] = F(.kind = VK_SEQ),
	[OP_V_F64X2_CONVERT_LOW_I32X4_U] = F(.kind = VK_SEQ, .sse41 = true),
	[OP_V_I32X4_TRUNC_SAT_F32X4_S] = F(.kind = VK_SEQ),
	[OP_V_I32X4_TRUNC_SAT_F32X4_U] = F(.kind = VK_SEQ, .sse41 = true),
	[OP_V_I32X4_TRUNC_SAT_F64X2_S_ZERO] = F(.kind = VK_SEQ),
	[OP_V_I32X4_TRUNC_SAT_F64X2_U_ZERO] = F(.kind = VK_SEQ, .sse41 = true),
	[OP_V_F32X4_MIN] = F(.kind = VK_FMINMAX, .pfx = X64_PFX_NONE, .op = X64_SSE_MIN),
	[OP_V_F32X4_MAX] = F(.kind = VK_FMINMAX, .pfx = X64_PFX_NONE, .op = X64_SSE_MAX),
	[OP_V_F64X2_MIN] = F(.kind = VK_FMINMAX, .pfx = P66, .op = X64_SSE_MIN),
	[OP_V_F64X2_MAX] = F(.kind = VK_FMINMAX, .pfx = P66, .op = X64_SSE_MAX),
	BIN(I32X4_DOT_I16X8_S, PMADDWD),       /* the wrap of -32768^2 * 2 too */
	/* extmul: both halves widened, then multiplied (exact in the wide
	 * lane, so the low product is the result) */
	EXTMUL(I16X8_EXTMUL_LOW_I8X16_S, PMOVSXBW, PMULLW, 0),
	EXTMUL(I16X8_EXTMUL_HIGH_I8X16_S, PMOVSXBW, PMULLW, 8),
	EXTMUL(I16X8_EXTMUL_LOW_I8X16_U, PMOVZXBW, PMULLW, 0),
	EXTMUL(I16X8_EXTMUL_HIGH_I8X16_U, PMOVZXBW, PMULLW, 8, .hiz = X64_SSE_PUNPCKHBW),
	EXTMUL(I32X4_EXTMUL_LOW_I16X8_S, PMOVSXWD, PMULLD, 0),
	EXTMUL(I32X4_EXTMUL_HIGH_I16X8_S, PMOVSXWD, PMULLD, 8),
	EXTMUL(I32X4_EXTMUL_LOW_I16X8_U, PMOVZXWD, PMULLD, 0),
	EXTMUL(I32X4_EXTMUL_HIGH_I16X8_U, PMOVZXWD, PMULLD, 8, .hiz = X64_SSE_PUNPCKHWD),
	EXTMUL(I64X2_EXTMUL_LOW_I32X4_S, PMOVSXDQ, PMULDQ, 0),
	EXTMUL(I64X2_EXTMUL_HIGH_I32X4_S, PMOVSXDQ, PMULDQ, 8),
	EXTMUL(I64X2_EXTMUL_LOW_I32X4_U, PMOVZXDQ, PMULUDQ, 0),
	EXTMUL(I64X2_EXTMUL_HIGH_I32X4_U, PMOVZXDQ, PMULUDQ, 8, .hiz = X64_SSE_PUNPCKHDQ),
	[OP_V_I16X8_EXTADD_PAIRWISE_I8X16_S] = F(.kind = VK_EXTADD, .sse41 = true),
	[OP_V_I16X8_EXTADD_PAIRWISE_I8X16_U] = F(.kind = VK_EXTADD, .sse41 = true),
	[OP_V_I32X4_EXTADD_PAIRWISE_I16X8_S] = F(.kind = VK_EXTADD),
	[OP_V_I32X4_EXTADD_PAIRWISE_I16X8_U] = F(.kind = VK_EXTADD),

	/* float lanes */
	FLOATS(F32X4, X64_PFX_NONE, 0x8000000080000000ull, 0x7fffffff7fffffffull),
	FLOATS(F64X2, X64_PFX_66, 0x8000000000000000ull, 0x7fffffffffffffffull),
	ROUND(F32X4_CEIL, ROUNDPS, UP), ROUND(F32X4_FLOOR, ROUNDPS, DOWN),
	ROUND(F32X4_TRUNC, ROUNDPS, TRUNC), ROUND(F32X4_NEAREST, ROUNDPS, NEAREST),
	ROUND(F64X2_CEIL, ROUNDPD, UP), ROUND(F64X2_FLOOR, ROUNDPD, DOWN),
	ROUND(F64X2_TRUNC, ROUNDPD, TRUNC), ROUND(F64X2_NEAREST, ROUNDPD, NEAREST),
	/* exact conversions (every i32 is an f64; cvtdq2ps rounds to nearest
	 * as f32.convert_i32_s does); demote and promote keep a NaN's payload
	 * top bits as op_demote_nan/op_promote_nan do */
	UN(F32X4_DEMOTE_F64X2_ZERO, P66, CVT2),
	UN(F64X2_PROMOTE_LOW_F32X4, X64_PFX_NONE, CVT2, .m64 = true),
	UN(F32X4_CONVERT_I32X4_S, X64_PFX_NONE, CVTDQ2PS),
	UN(F64X2_CONVERT_LOW_I32X4_S, X64_PFX_F3, CVTDQ2PD, .m64 = true),
};

#undef F

/* ---- shapes, from the wasm opcode table ------------------------------------- */

enum { JT_NONE, JT_I32, JT_I64, JT_F32, JT_F64, JT_V128 };
enum { JW_UNOP = 1, JW_BINOP, JW_TERNOP, JW_SHIFT, JW_EXTRACT, JW_REPLACE,
	JW_LOAD, JW_STORE, JW_LOAD_LANE, JW_STORE_LANE, JW_OTHER };

typedef struct { uint8_t shape, t, r; } simd_row;

static const simd_row simd_rows[OP_COUNT_] = {
#define ROW_(name, text, prefix, code, imm, shape, t, r, op, iop) \
	[OP_V_##name] = { JW_##shape, JT_##t, JT_##r },
	WASM_OPS_SIMD(ROW_)
#undef ROW_
};

enum jit_simd_shape jit_simd_shape(enum interp_op op)
{
	const simd_row *w = &simd_rows[op];
	switch (w->shape) {
	case JW_LOAD:
		return JS_V_NEW;
	case JW_OTHER:
		return op == OP_V_V128_CONST ? JS_V_NEW : JS_V_V;
	case JW_UNOP:
		if (w->t != JT_V128)
			return JS_V_NEW;        /* splat */
		return w->r == JT_V128 ? JS_V_V : JS_S_V;
	case JW_EXTRACT:
		return JS_S_V;
	case JW_STORE: case JW_STORE_LANE:
		return JS_STORE;
	case JW_BINOP: case JW_TERNOP: case JW_SHIFT: case JW_REPLACE: case JW_LOAD_LANE:
		return JS_V_V;
	default:
		return JS_NONE;
	}
}

unsigned jit_simd_nvec(enum interp_op op)
{
	const simd_row *w = &simd_rows[op];
	switch (jit_simd_shape(op)) {
	case JS_V_V:
		return w->shape == JW_BINOP || op == OP_V_I8X16_SHUFFLE ? 2 :
			w->shape == JW_TERNOP ? 3 : 1;
	case JS_S_V: case JS_STORE:
		return 1;
	default:
		return 0;
	}
}

bool jit_simd_has_scalar(enum interp_op op)
{
	const simd_row *w = &simd_rows[op];
	return w->shape == JW_SHIFT || w->shape == JW_REPLACE ||
		(w->shape == JW_UNOP && w->t != JT_V128);
}

bool jit_simd_is_memory(enum interp_op op)
{
	uint8_t s = simd_rows[op].shape;
	return s == JW_LOAD || s == JW_STORE || s == JW_LOAD_LANE || s == JW_STORE_LANE;
}

unsigned jit_simd_scalar_size(enum interp_op op)
{
	const simd_row *w = &simd_rows[op];
	uint8_t t = jit_simd_shape(op) == JS_S_V ? w->r : w->t;
	return w->shape == JW_SHIFT ? 4 : t == JT_I64 || t == JT_F64 ? 8 : 4;
}

bool jit_simd_swapped(enum interp_op op)
{
	const jit_simd_form *f = &jit_simd_forms[op];
	return (f->kind == VK_BIN || f->kind == VK_BIN_I) && f->rev;
}

bool jit_simd_vex(enum interp_op op)
{
	switch ((enum vk)jit_simd_forms[op].kind) {
	case VK_BIN: case VK_BIN_I: case VK_CMPU: case VK_UN: case VK_UN_I:
	case VK_NEG: case VK_NOT: case VK_GPR64: case VK_SHIFT: case VK_SHUFFLE:
	case VK_SWIZZLE: case VK_EXTMUL: case VK_EXTADD: case VK_Q15MULR:
	case VK_FMINMAX: case VK_REPLACE: case VK_I8_SHIFT: case VK_I64_GPR:
	case VK_SEQ: case VK_LOAD_LANE:
		return true;
	default:
		return false;
	}
}

bool jit_simd_vex_mem(enum interp_op op)
{
	return jit_simd_forms[op].kind == VK_BIN;
}

bool jit_simd_needs_sse41(enum interp_op op)
{
	return jit_simd_forms[op].sse41;
}

bool jit_simd_takes_count(enum interp_op op)
{
	enum vk k = (enum vk)jit_simd_forms[op].kind;
	return k == VK_SHIFT || k == VK_I8_SHIFT;
}

void jit_simd_scratch(enum interp_op op, bool kcount, bool sse41, unsigned *nx,
	unsigned *ng)
{
	const jit_simd_form *f = &jit_simd_forms[op];
	unsigned x = 0, g = 0;
	if (sse41 && (f->kind == VK_LOAD_LANE || f->kind == VK_STORE_LANE ||
	    f->kind == VK_EXTRACT || f->kind == VK_REPLACE || f->kind == VK_ANY_TRUE)) {
		*nx = *ng = 0;  /* pextr, pinsr, ptest: emit_moves, emit_lanes */
		return;
	}
	if (kcount && jit_simd_takes_count(op)) {
		/* the immediate shift; the i8x16 ones build their byte mask
		 * (or widen the bytes) in one XMM register */
		*nx = f->kind == VK_I8_SHIFT ? 1 : 0;
		*ng = 0;
		return;
	}
	switch ((enum vk)f->kind) {
	case VK_CONST: x = 1; g = 1; break;
	case VK_LOAD_SPLAT: case VK_SPLAT:      /* 4, 8: no GPR (emit_moves) */
		g = f->size < 4 ? 2 : 0;
		break;
	case VK_LOAD_LANE: x = 1; g = 3; break;
	case VK_REPLACE: x = 1; g = 2; break;
	case VK_STORE_LANE: case VK_EXTRACT: x = 1; g = 1; break;
	case VK_BIN: case VK_BIN_I: x = f->not_ ? 1 : 0; break;
	case VK_CMPU: case VK_UN: case VK_NEG: case VK_NOT: case VK_BITSELECT:
	case VK_ALL_TRUE: case VK_BITMASK: case VK_EXTMUL:
		x = 1;
		break;
	case VK_ANY_TRUE: x = 1; g = 2; break;
	case VK_GPR64: case VK_SHIFT: x = 1; g = 1; break;
	case VK_SHUFFLE: case VK_SWIZZLE: x = 3; g = 1; break;
	case VK_EXTADD: case VK_Q15MULR: x = 2; g = 1; break;
	case VK_I8_SHIFT: case VK_I64_GPR: x = 2; g = 3; break;
	case VK_SEQ: x = 3; g = 1; break;
	case VK_FMINMAX: x = 2; break;
	default: break;
	}
	*nx = x;
	*ng = g;
}

bool jit_simd_operands_at(const uint8_t *ip, enum interp_op op, jit_simd_operands *o)
{
	uint32_t f[3], n = 0, k = 0;
	*o = (jit_simd_operands){ .v = { UINT32_MAX, UINT32_MAX, UINT32_MAX },
		.s = UINT32_MAX, .addr = UINT32_MAX, .d = UINT32_MAX };
	switch (op_infos[op].layout) {
	case OPL_D_A:
		f[n++] = OP_AT(ip, D_A)->a;
		o->d = OP_AT(ip, D_A)->d;
		break;
	case OPL_D_AB:
		f[n++] = OP_AT(ip, D_AB)->a;
		f[n++] = OP_AT(ip, D_AB)->b;
		o->d = OP_AT(ip, D_AB)->d;
		break;
	case OPL_D_ABC:
		f[n++] = OP_AT(ip, D_ABC)->a;
		f[n++] = OP_AT(ip, D_ABC)->b;
		f[n++] = OP_AT(ip, D_ABC)->c;
		o->d = OP_AT(ip, D_ABC)->d;
		break;
	case OPL_V_CONST:
		o->lo = OP_AT(ip, V_CONST)->lo;
		o->hi = OP_AT(ip, V_CONST)->hi;
		o->d = OP_AT(ip, V_CONST)->d;
		break;
	case OPL_V_SHUFFLE:
		f[n++] = OP_AT(ip, V_SHUFFLE)->a;
		f[n++] = OP_AT(ip, V_SHUFFLE)->b;
		o->lo = OP_AT(ip, V_SHUFFLE)->lo;
		o->hi = OP_AT(ip, V_SHUFFLE)->hi;
		o->d = OP_AT(ip, V_SHUFFLE)->d;
		break;
	case OPL_V_LANE:
		f[n++] = OP_AT(ip, V_LANE)->a;
		o->lane = OP_AT(ip, V_LANE)->lane;
		o->d = OP_AT(ip, V_LANE)->d;
		break;
	case OPL_V_REPLACE:
		f[n++] = OP_AT(ip, V_REPLACE)->a;
		f[n++] = OP_AT(ip, V_REPLACE)->b;
		o->lane = OP_AT(ip, V_REPLACE)->lane;
		o->d = OP_AT(ip, V_REPLACE)->d;
		break;
	case OPL_LOAD:
		o->addr = OP_AT(ip, LOAD)->a;
		o->off = OP_AT(ip, LOAD)->off;
		o->d = OP_AT(ip, LOAD)->d;
		break;
	case OPL_STORE:
		o->addr = OP_AT(ip, STORE)->a;
		f[n++] = OP_AT(ip, STORE)->v;
		o->off = OP_AT(ip, STORE)->off;
		break;
	case OPL_V_LOAD_LANE:
		o->addr = OP_AT(ip, V_LOAD_LANE)->a;
		f[n++] = OP_AT(ip, V_LOAD_LANE)->v;
		o->off = OP_AT(ip, V_LOAD_LANE)->off;
		o->lane = OP_AT(ip, V_LOAD_LANE)->lane;
		o->d = OP_AT(ip, V_LOAD_LANE)->d;
		break;
	case OPL_V_STORE_LANE:
		o->addr = OP_AT(ip, V_STORE_LANE)->a;
		f[n++] = OP_AT(ip, V_STORE_LANE)->v;
		o->off = OP_AT(ip, V_STORE_LANE)->off;
		o->lane = OP_AT(ip, V_STORE_LANE)->lane;
		break;
	default:
		return false;
	}
	for (uint32_t j = 0; j < jit_simd_nvec(op); j++)
		o->v[j] = k < n ? f[k++] : UINT32_MAX;
	if (jit_simd_has_scalar(op))
		o->s = k < n ? f[k++] : UINT32_MAX;
	return k == n;
}

/* ---- helpers -------------------------------------------------------------- */

static void ones(x64_buf *b, x64_xmm x)
{
	x64_sse_xx(b, X64_PFX_66, X64_SSE_PCMPEQD, x, x);
}

/* The instruction just emitted reads the constant (lo, hi) from r's
 * pool through its [rip + disp32]. */
static void pool_at(x64_buf *b, const jit_simd_regs *r, uint64_t lo, uint64_t hi)
{
	x64_rip_label(b, r->pool(r->pool_ctx, lo, hi));
}

/* x = the v128 (lo, hi): from r's pool if it has one (movaps: its
 * entries are 16-aligned), else through g (clobbers g and tmp) */
static void vconst(x64_buf *b, const jit_simd_regs *r, x64_xmm x, uint64_t lo,
	uint64_t hi, x64_xmm tmp, x64_gpr g)
{
	if (lo == 0 && hi == 0) {
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, x, x);
		return;
	}
	if (lo == ~0ull && hi == ~0ull) {
		ones(b, x);
		return;
	}
	if (r->pool) {
		x64_movaps_xm(b, x, x64_mem_rip(0));
		pool_at(b, r, lo, hi);
		return;
	}
	x64_mov_ri(b, 8, g, (int64_t)lo);
	x64_movd_xr(b, 8, x, g);
	if (hi == lo) {
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLQDQ, x, x);
		return;
	}
	x64_mov_ri(b, 8, g, (int64_t)hi);
	x64_movd_xr(b, 8, tmp, g);
	x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLQDQ, x, tmp);
}

/* d = src op (lo, hi), op a packed op whose second source may be memory:
 * with r's pool the constant is op's memory operand (16-aligned, as the
 * legacy SSE forms want), else it is built in x first (through tmp, g;
 * all zeros and all ones need neither: the callers whose only constants
 * those are pass rax, which is then not written).  vex: the VEX form, d
 * not tied to src; else d is src. */
static void op_const(x64_buf *b, const jit_simd_regs *r, bool vex, int pfx,
	x64_sse op, x64_xmm d, x64_xmm src, uint64_t lo, uint64_t hi, x64_xmm x,
	x64_xmm tmp, x64_gpr g)
{
	if (r->pool) {
		if (vex)
			x64_vex_xxm(b, pfx, op, d, src, x64_mem_rip(0));
		else
			x64_sse_xm(b, pfx, op, d, x64_mem_rip(0));
		pool_at(b, r, lo, hi);
		return;
	}
	vconst(b, r, x, lo, hi, tmp, g);
	if (vex)
		x64_vex_xxx(b, pfx, op, d, src, x);
	else
		x64_sse_xx(b, pfx, op, d, x);
}

/* g = g's low `size` bytes repeated over 64 bits (g zero-extended from
 * size bytes on entry; clobbers t) */
static void splat64(x64_buf *b, unsigned size, x64_gpr g, x64_gpr t)
{
	static const uint64_t rep[9] = { [1] = 0x0101010101010101ull,
		[2] = 0x0001000100010001ull, [4] = 0x0000000100000001ull };
	if (size == 8)
		return;
	x64_mov_ri(b, 8, t, (int64_t)rep[size]);
	x64_imul_rr(b, 8, g, t);
}

/* d = g in both 8-byte halves */
static void vsplat_gpr(x64_buf *b, x64_xmm d, x64_gpr g)
{
	x64_movd_xr(b, 8, d, g);
	x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLQDQ, d, d);
}

/* r (size 1, 2, 4: zero-extended) = [m] */
static void load_zx(x64_buf *b, unsigned size, x64_gpr r, x64_mem m)
{
	if (size < 4)
		x64_movzx_rm(b, 4, size, r, m);
	else
		x64_mov_rm(b, size, r, m);
}

/* g = the 8-byte half of a holding byte `byte` (through t for the high
 * half) */
static void half_of(x64_buf *b, x64_gpr g, x64_xmm a, unsigned byte, x64_xmm t)
{
	if (byte < 8) {
		x64_movd_rx(b, 8, g, a);
	} else {
		x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, t, a, 0xee);
		x64_movd_rx(b, 8, g, t);
	}
}

/* g = lane `lane` of a (size bytes), zero-extended, or sign-extended to
 * 32 bits if sx; sse41: pextr (movd/movq for lane 0 of 4 and 8 bytes) */
static void lane_get(x64_buf *b, bool sse41, x64_gpr g, x64_xmm a, unsigned size,
	uint32_t lane, bool sx, x64_xmm t)
{
	unsigned byte = lane * size;
	if (sse41) {
		if (size >= 4 && lane == 0)
			x64_movd_rx(b, size, g, a);
		else
			x64_pextr_rxi(b, size, g, a, (uint8_t)lane);
		if (size < 4 && sx)
			x64_movsx_rr(b, 4, size, g, g);
		return;
	}
	if (size == 4) {        /* the dword to lane 0 (pshufd), movd */
		if (lane) {
			x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, t, a, (uint8_t)lane);
			a = t;
		}
		x64_movd_rx(b, 4, g, a);
		return;
	}
	half_of(b, g, a, byte, t);
	if (byte % 8)
		x64_shr_ri(b, 8, g, (uint8_t)(8 * (byte % 8)));
	if (size < 4 && sx)
		x64_movsx_rr(b, 4, size, g, g);
	else if (size < 4)
		x64_movzx_rr(b, 4, size, g, g);
}

/* d = a with lane `lane` (size bytes) = v's low bytes (g, h, t scratch;
 * v is neither).  SSE: a is d; vex: d may be a, written last; sse41:
 * pinsr (vpinsr d, a, v, k), no scratch. */
static void lane_set(x64_buf *b, bool sse41, x64_xmm d, x64_xmm a, bool vex,
	x64_gpr v, unsigned size, uint32_t lane, x64_gpr g, x64_gpr h, x64_xmm t)
{
	unsigned byte = lane * size, sh = 8 * (byte % 8);
	if (sse41 && vex) {
		x64_vex_pinsr_xxri(b, size, d, a, v, (uint8_t)lane);
		return;
	}
	if (sse41) {
		x64_pinsr_xri(b, size, d, v, (uint8_t)lane);
		return;
	}
	if (size == 8) {
		x64_movd_xr(b, 8, t, v);
	} else {
		uint64_t keep = ~(((1ull << (8 * size)) - 1) << sh);
		half_of(b, g, a, byte, t);
		x64_mov_ri(b, 8, h, (int64_t)keep);
		x64_alu_rr(b, X64_ALU_AND, 8, g, h);
		if (size < 4)
			x64_movzx_rr(b, 4, size, h, v);
		else
			x64_mov_rr(b, 4, h, v);
		if (sh)
			x64_shl_ri(b, 8, h, (uint8_t)sh);
		x64_alu_rr(b, X64_ALU_OR, 8, g, h);
		x64_movd_xr(b, 8, t, g);
	}
	if (vex && byte < 8)    /* words 0..3 from t, 4..7 from a */
		x64_vex_xxxi(b, X64_PFX_66, X64_SSE_PBLENDW, d, a, t, 0x0f);
	else if (vex)           /* d = a.lo, t.lo */
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PUNPCKLQDQ, d, a, t);
	else if (byte < 8)      /* movsd xmm, xmm: the low 8 bytes only */
		x64_movsd_xx(b, d, t);
	else                    /* d.hi = t.lo */
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLQDQ, d, t);
}

/* A constant shift count (jit_simd_regs.count) modulo the lane width
 * of lanebits, as the interpreter's VSHIFT takes it. */
static uint8_t count_k(const jit_simd_regs *r, unsigned lanebits)
{
	return (uint8_t)(r->count & (lanebits - 1));
}

/* x = count in its low dword, for the shifts by an xmm count */
static void shift_count(x64_buf *b, x64_xmm x, int32_t count, x64_gpr g)
{
	x64_mov_ri(b, 4, g, count);
	x64_movd_xr(b, 4, x, g);
}

/* A pshufb mask taking the bytes of a shuffle's 16 indices (lo, hi) that
 * fall in [base, base + 16) and zero (0x80) for the others. */
static uint64_t shuffle_mask(uint64_t idx, unsigned base)
{
	uint64_t m = 0;
	for (int i = 0; i < 8; i++) {
		unsigned k = (unsigned)(idx >> (8 * i)) & 0xff;
		uint64_t byte = k >= base && k < base + 16 ? k - base : 0x80;
		m |= byte << (8 * i);
	}
	return m;
}

/* Whether the shuffle indices (lo, hi) all pick a's bytes (below 16;
 * validation keeps them below 32): b is then not read. */
static bool shuffle_of_a(uint64_t lo, uint64_t hi)
{
	return !((lo | hi) & 0x1010101010101010ull);
}

#define SPLAT32(v) ((uint64_t)(v) << 32 | (uint64_t)(v))

/* ---- the code of one op ---------------------------------------------------- */

#define X0 (r->xt[0])
#define X1 (r->xt[1])
#define X2 (r->xt[2])
#define G0 (r->gt[0])
#define G1 (r->gt[1])
#define G2 (r->gt[2])

/* The next instruction is the access of r->m. */
static void access_here(x64_buf *b, const jit_simd_regs *r)
{
	if (r->access)
		*r->access = (uint32_t)x64_buf_len(b);
}

/* The pairwise widening adds whose constants are a second operand: the
 * u8 ones (a unsigned * 1 signed), the i16 ones, by pmaddwd with 1 (u16:
 * (a - 0x8000) pairs summed signed, + 0x10000).  vex: d = op(a); else d
 * is a.  (The s8 one, 1 unsigned * a signed, wants the constant first.) */
static void emit_extadd(x64_buf *b, enum interp_op op, const jit_simd_regs *r,
	bool vex, x64_xmm d, x64_xmm a)
{
	switch (op) {
	case OP_V_I16X8_EXTADD_PAIRWISE_I8X16_U:
		op_const(b, r, vex, X64_PFX_66, X64_SSE_PMADDUBSW, d, a,
			0x0101010101010101ull, 0x0101010101010101ull, X0, X1, G0);
		break;
	case OP_V_I32X4_EXTADD_PAIRWISE_I16X8_S:
		op_const(b, r, vex, X64_PFX_66, X64_SSE_PMADDWD, d, a,
			0x0001000100010001ull, 0x0001000100010001ull, X0, X1, G0);
		break;
	default:        /* I32X4_EXTADD_PAIRWISE_I16X8_U */
		op_const(b, r, vex, X64_PFX_66, X64_SSE_PXOR, d, a,
			0x8000800080008000ull, 0x8000800080008000ull, X0, X1, G0);
		op_const(b, r, vex, X64_PFX_66, X64_SSE_PMADDWD, d, d,
			0x0001000100010001ull, 0x0001000100010001ull, X0, X1, G0);
		op_const(b, r, vex, X64_PFX_66, X64_SSE_PADDD, d, d,
			0x0001000000010000ull, 0x0001000000010000ull, X0, X1, G0);
		break;
	}
}

/* Constants, loads, stores, splats and lanes. */
static void emit_moves(x64_buf *b, const jit_simd_form *f, const jit_simd_regs *r)
{
	switch ((enum vk)f->kind) {
	case VK_CONST:
		vconst(b, r, r->d, r->lo, r->hi, X0, G0);
		break;
	case VK_LOAD:
		access_here(b, r);
		x64_movdqu_xm(b, r->d, r->m);
		break;
	case VK_LOAD_X:
		access_here(b, r);
		x64_sse_xm(b, f->pfx, (x64_sse)f->op, r->d, r->m);
		break;
	case VK_LOAD_SPLAT:
		access_here(b, r);
		if (f->size >= 4) {     /* movss/movsd (the rest zero), then
		                           the lane to every lane */
			if (f->size == 4) {
				x64_movss_xm(b, r->d, r->m);
				x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, r->d, r->d, 0);
			} else {
				x64_movsd_xm(b, r->d, r->m);
				x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLQDQ, r->d, r->d);
			}
			break;
		}
		load_zx(b, f->size, G0, r->m);
		splat64(b, f->size, G0, G1);
		vsplat_gpr(b, r->d, G0);
		break;
	case VK_STORE:
		access_here(b, r);
		x64_movdqu_mx(b, r->m, r->a);
		break;
	case VK_LOAD_LANE:
		access_here(b, r);
		if (r->sse41) {
			x64_pinsr_xmi(b, f->size, r->d, r->m, (uint8_t)r->lane);
			break;
		}
		load_zx(b, f->size, G0, r->m);
		lane_set(b, false, r->d, r->d, false, G0, f->size, r->lane, G1, G2, X0);
		break;
	case VK_STORE_LANE:
		if (r->sse41) {
			access_here(b, r);
			x64_pextr_mxi(b, f->size, r->m, r->a, (uint8_t)r->lane);
			break;
		}
		lane_get(b, false, G0, r->a, f->size, r->lane, false, X0);
		access_here(b, r);
		x64_mov_mr(b, f->size, r->m, G0);
		break;
	case VK_SPLAT:
		if (f->size == 4) {     /* movd, then dword 0 to every lane */
			x64_movd_xr(b, 4, r->d, r->s);
			x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, r->d, r->d, 0);
			break;
		}
		if (f->size == 8) {
			vsplat_gpr(b, r->d, r->s);
			break;
		}
		x64_movzx_rr(b, 4, f->size, G0, r->s);
		splat64(b, f->size, G0, G1);
		vsplat_gpr(b, r->d, G0);
		break;
	case VK_EXTRACT:
		lane_get(b, r->sse41, r->sd, r->a, f->size, r->lane, f->sx, X0);
		break;
	case VK_REPLACE:
		lane_set(b, r->sse41, r->d, r->vex ? r->a : r->d, r->vex, r->s, f->size,
			r->lane, G0, G1, X0);
		break;
	default:
		break;
	}
}

/* The lane-wise ops of one instruction or a few (d holds a). */
static void emit_lanes(x64_buf *b, const jit_simd_form *f, const jit_simd_regs *r)
{
	x64_xmm d = r->d;
	switch ((enum vk)f->kind) {
	case VK_BIN:
		x64_sse_xx(b, f->pfx, (x64_sse)f->op, d, r->b);
		break;
	case VK_BIN_I:
		x64_sse_xxi(b, f->pfx, (x64_sse)f->op, d, r->b, f->imm);
		break;
	case VK_CMPU:           /* min/max(a, b) == a */
		x64_movaps_xx(b, X0, d);
		x64_sse_xx(b, f->pfx, (x64_sse)f->op, d, r->b);
		x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op2, d, X0);
		break;
	case VK_UN:
		if (f->hiz && r->pool) {        /* a's high half with zeros */
			op_const(b, r, false, X64_PFX_66, (x64_sse)f->hiz, d, d, 0, 0,
				X0, X0, X64_RAX);
		} else if (f->m64 && f->byte) { /* the high 8 bytes, widened */
			x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, X0, d, 0xee);
			x64_sse_xx(b, f->pfx, (x64_sse)f->op, d, X0);
		} else {
			x64_sse_xx(b, f->pfx, (x64_sse)f->op, d, d);
		}
		break;
	case VK_UN_I:
		x64_sse_xxi(b, f->pfx, (x64_sse)f->op, d, d, f->imm);
		break;
	case VK_NEG:
		x64_movaps_xx(b, X0, d);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, d, d);
		x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op, d, X0);
		break;
	case VK_NOT:            /* ^ all ones (the pool's, or pcmpeqd's) */
		op_const(b, r, false, X64_PFX_66, X64_SSE_PXOR, d, d, ~0ull, ~0ull,
			X0, X0, X64_RAX);
		break;
	case VK_BITSELECT:      /* (a & c) | (~c & b) */
		x64_movaps_xx(b, X0, r->c);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PAND, d, r->c);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PANDN, X0, r->b);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_POR, d, X0);
		break;
	case VK_ANY_TRUE:       /* the halves or'ed, != 0 (ptest: a & a) */
		x64_alu_rr(b, X64_ALU_XOR, 4, r->sd, r->sd);
		if (r->sse41) {
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PTEST, r->a, r->a);
			x64_setcc_r(b, X64_CC_NE, r->sd);
			break;
		}
		half_of(b, G0, r->a, 0, X0);
		half_of(b, G1, r->a, 8, X0);
		x64_alu_rr(b, X64_ALU_OR, 8, G0, G1);
		x64_setcc_r(b, X64_CC_NE, r->sd);
		break;
	case VK_ALL_TRUE:       /* the mask of zero lanes is all zero */
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0);
		x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op, X0, r->a);
		x64_alu_rr(b, X64_ALU_XOR, 4, r->sd, r->sd);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PTEST, X0, X0);
		x64_setcc_r(b, X64_CC_E, r->sd);
		break;
	case VK_BITMASK:
		if (f->size == 2) {     /* signed saturation keeps the sign */
			x64_movaps_xx(b, X0, r->a);
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PACKSSWB, X0, X0);
			x64_movmsk_rx(b, f->pfx, (x64_sse)f->op, r->sd, X0);
			x64_movzx_rr(b, 4, 1, r->sd, r->sd);
		} else {
			x64_movmsk_rx(b, f->pfx, (x64_sse)f->op, r->sd, r->a);
		}
		break;
	case VK_GPR64:          /* abs/neg: and/xor with the mask in each lane */
		op_const(b, r, false, X64_PFX_66, f->op == X64_ALU_AND ? X64_SSE_PAND :
			X64_SSE_PXOR, d, d, f->k, f->k, X0, X0, G0);
		break;
	case VK_SHIFT:          /* the count modulo the lane width, as the
	                           interpreter's VSHIFT */
		if (r->count) {
			x64_sse_shift_xi(b, (x64_sse)f->op, d, count_k(r, f->size * 8u));
			break;
		}
		x64_mov_rr(b, 4, G0, r->s);
		x64_alu_ri(b, X64_ALU_AND, 4, G0, f->size * 8 - 1);
		x64_movd_xr(b, 4, X0, G0);
		x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op, d, X0);
		break;
	case VK_SHUFFLE:        /* validation keeps indices below 32 */
		op_const(b, r, false, X64_PFX_66, X64_SSE_PSHUFB, d, d,
			shuffle_mask(r->lo, 0), shuffle_mask(r->hi, 0), X0, X2, G0);
		if (shuffle_of_a(r->lo, r->hi))
			break;
		x64_movaps_xx(b, X1, r->b);
		op_const(b, r, false, X64_PFX_66, X64_SSE_PSHUFB, X1, X1,
			shuffle_mask(r->lo, 16), shuffle_mask(r->hi, 16), X0, X2, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_POR, d, X1);
		break;
	case VK_SWIZZLE:        /* index + 0x70 (unsigned saturated): 0..15
	                           keep their low 4 bits, the rest get bit 7 */
		x64_movaps_xx(b, X1, r->b);
		op_const(b, r, false, X64_PFX_66, X64_SSE_PADDUSB, X1, X1,
			0x7070707070707070ull, 0x7070707070707070ull, X0, X2, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSHUFB, d, X1);
		break;
	case VK_EXTMUL:         /* both widened (the low or high halves),
	                           then multiplied */
		if (f->hiz && r->pool) {        /* the high halves with zeros */
			op_const(b, r, false, X64_PFX_66, (x64_sse)f->hiz, d, d, 0, 0,
				X0, X0, X64_RAX);
			x64_movaps_xx(b, X0, r->b);
			op_const(b, r, false, X64_PFX_66, (x64_sse)f->hiz, X0, X0, 0, 0,
				X0, X0, X64_RAX);
		} else if (f->byte) {
			x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, X0, d, 0xee);
			x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op, d, X0);
			x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, X0, r->b, 0xee);
			x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op, X0, X0);
		} else {
			x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op, d, d);
			x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op, X0, r->b);
		}
		x64_sse_xx(b, X64_PFX_66, (x64_sse)f->op2, d, X0);
		break;
	case VK_Q15MULR:        /* pmulhrsw gives 0x8000 for 0x8000 * 0x8000
	                           alone, where the lane saturates to 0x7fff */
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PMULHRSW, d, r->b);
		vconst(b, r, X0, 0x8000800080008000ull, 0x8000800080008000ull, X1, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PCMPEQW, X0, d);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, d, X0);
		break;
	case VK_FMINMAX: {
		/* minps/maxps both ways round: equal where neither is a NaN
		 * but for -0/+0, which or (min) or and (max) settles.  NaN
		 * lanes (cmpunord) take a + b's NaN instead: the lane rule's
		 * (a's quieted, else b's). */
		int p = f->pfx;
		x64_movaps_xx(b, X0, d);
		x64_sse_xx(b, p, (x64_sse)f->op, X0, r->b);
		x64_movaps_xx(b, X1, r->b);
		x64_sse_xx(b, p, (x64_sse)f->op, X1, d);
		x64_sse_xx(b, p, f->op == X64_SSE_MIN ? X64_SSE_OR : X64_SSE_AND, X0, X1);
		x64_movaps_xx(b, X1, d);
		x64_sse_xxi(b, p, X64_SSE_CMPP, X1, r->b, X64_CMPP_UNORD);
		x64_sse_xx(b, p, X64_SSE_ADD, d, r->b);
		x64_sse_xx(b, p, X64_SSE_AND, d, X1);
		x64_sse_xx(b, p, X64_SSE_ANDN, X1, X0);
		x64_sse_xx(b, p, X64_SSE_OR, d, X1);
		break;
	}
	default:
		break;
	}
	if (f->not_ && (f->kind == VK_BIN || f->kind == VK_BIN_I || f->kind == VK_CMPU))
		op_const(b, r, false, X64_PFX_66, X64_SSE_PXOR, d, d, ~0ull, ~0ull,
			X0, X0, X64_RAX);
}

/* VK_SEQ's AVX code: emit_seq's sequences (which say why they work),
 * VEX-encoded with a read in place of the copies of d; d is written
 * after the last read of a. */
static void emit_seq_vex(x64_buf *b, enum interp_op op, const jit_simd_regs *r)
{
	x64_xmm d = r->d, a = r->a;
	switch (op) {
	case OP_V_I8X16_POPCNT:
		shift_count(b, X1, 4, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSRLW, X0, a, X1);
		vconst(b, r, X1, 0x0f0f0f0f0f0f0f0full, 0x0f0f0f0f0f0f0f0full, X2, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PAND, d, a, X1);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PAND, X0, X0, X1);
		vconst(b, r, X1, 0x0302020102010100ull, 0x0403030203020201ull, X2, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSHUFB, d, X1, d);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSHUFB, X0, X1, X0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PADDB, d, d, X0);
		break;
	case OP_V_F32X4_CONVERT_I32X4_U:
		shift_count(b, X1, 16, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSLLD, X0, a, X1);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSRLD, X0, X0, X1);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSRLD, d, a, X1);
		x64_vex_xx(b, X64_PFX_NONE, X64_SSE_CVTDQ2PS, d, d);
		x64_vex_xx(b, X64_PFX_NONE, X64_SSE_CVTDQ2PS, X0, X0);
		vconst(b, r, X1, SPLAT32(0x47800000u), SPLAT32(0x47800000u), X2, G0);
		x64_vex_xxx(b, X64_PFX_NONE, X64_SSE_MUL, d, d, X1);
		x64_vex_xxx(b, X64_PFX_NONE, X64_SSE_ADD, d, d, X0);
		break;
	case OP_V_F64X2_CONVERT_LOW_I32X4_U:
		x64_vex_xx(b, X64_PFX_66, X64_SSE_PMOVZXDQ, d, a);
		vconst(b, r, X0, 0x4330000000000000ull, 0x4330000000000000ull, X1, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_POR, d, d, X0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_SUB, d, d, X0);
		break;
	case OP_V_I32X4_TRUNC_SAT_F32X4_U:
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0, X0);
		x64_vex_xxx(b, X64_PFX_NONE, X64_SSE_MAX, d, a, X0);
		vconst(b, r, X0, SPLAT32(0x4f000000u), SPLAT32(0x4f000000u), X2, G0);
		x64_vex_xxx(b, X64_PFX_NONE, X64_SSE_SUB, X1, d, X0);
		x64_vex_xxxi(b, X64_PFX_NONE, X64_SSE_CMPP, X0, X0, X1, X64_CMPP_LE);
		x64_vex_xx(b, X64_PFX_F3, X64_SSE_CVTTPS2DQ, X1, X1);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, X1, X1, X0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0, X0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PMAXSD, X1, X1, X0);
		x64_vex_xx(b, X64_PFX_F3, X64_SSE_CVTTPS2DQ, d, d);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PADDD, d, d, X1);
		break;
	case OP_V_I32X4_TRUNC_SAT_F64X2_S_ZERO:
		x64_vex_xxxi(b, X64_PFX_66, X64_SSE_CMPP, X0, a, a, X64_CMPP_EQ);
		vconst(b, r, X1, 0x41dfffffffc00000ull, 0x41dfffffffc00000ull, X2, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_AND, X0, X0, X1);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_MIN, d, a, X0);
		x64_vex_xx(b, X64_PFX_66, X64_SSE_CVTTPD2DQ, d, d);
		break;
	case OP_V_I32X4_TRUNC_SAT_F64X2_U_ZERO:
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0, X0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_MAX, d, a, X0);
		vconst(b, r, X1, 0x41efffffffe00000ull, 0x41efffffffe00000ull, X2, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_MIN, d, d, X1);
		x64_vex_xxi(b, X64_PFX_66, X64_SSE_ROUNDPD, d, d,
			X64_ROUND_TRUNC | X64_ROUND_NO_EXC);
		vconst(b, r, X1, 0x4330000000000000ull, 0x4330000000000000ull, X2, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_ADD, d, d, X1);
		x64_vex_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, d, d, 0x08);
		x64_movd_rx(b, 8, G0, d);
		x64_movd_xr(b, 8, d, G0);       /* the upper half zero */
		break;
	default:        /* I32X4_TRUNC_SAT_F32X4_S */
		x64_vex_xxxi(b, X64_PFX_NONE, X64_SSE_CMPP, X0, a, a, X64_CMPP_EQ);
		x64_vex_xxx(b, X64_PFX_NONE, X64_SSE_AND, d, a, X0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0, d);
		x64_vex_xx(b, X64_PFX_F3, X64_SSE_CVTTPS2DQ, d, d);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PAND, X0, X0, d);
		shift_count(b, X1, 31, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSRAD, X0, X0, X1);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, d, d, X0);
		break;
	}
}

/* The AVX code of the ops jit_simd_vex names: the same instructions as
 * emit_lanes and emit_wide's VK_EXTADD, VEX-encoded with a as the first
 * source, so nothing copies a into d first.  d may be a or b: each
 * sequence writes d only after its last read of a and b.  The constants
 * (ones, vconst) and what works on d or a scratch alone stay legacy SSE:
 * with no VEX.256 code anywhere the upper halves are never dirty, so
 * mixing the encodings costs nothing.  False for the kinds whose one
 * code reads r->vex itself (replace_lane: lane_set; the i8x16 shifts and
 * i64x2 GPR ops: emit_wide). */
static bool emit_vex(x64_buf *b, enum interp_op op, const jit_simd_form *f,
	const jit_simd_regs *r)
{
	x64_xmm d = r->d, a = r->a;
	int p = f->pfx;
	switch ((enum vk)f->kind) {
	case VK_BIN:
		if (r->mem_b) {
			access_here(b, r);
			x64_vex_xxm(b, p, (x64_sse)f->op, d, a, r->m);
			break;
		}
		x64_vex_xxx(b, p, (x64_sse)f->op, d, a, r->b);
		break;
	case VK_BIN_I:
		x64_vex_xxxi(b, p, (x64_sse)f->op, d, a, r->b, f->imm);
		break;
	case VK_CMPU:           /* min/max(a, b) == a */
		x64_vex_xxx(b, p, (x64_sse)f->op, X0, a, r->b);
		x64_vex_xxx(b, X64_PFX_66, (x64_sse)f->op2, d, X0, a);
		break;
	case VK_UN:
		if (f->hiz && r->pool) {        /* a's high half with zeros */
			op_const(b, r, true, X64_PFX_66, (x64_sse)f->hiz, d, a, 0, 0,
				X0, X0, X64_RAX);
		} else if (f->m64 && f->byte) { /* the high 8 bytes, widened */
			x64_vex_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, d, a, 0xee);
			x64_vex_xx(b, p, (x64_sse)f->op, d, d);
		} else {
			x64_vex_xx(b, p, (x64_sse)f->op, d, a);
		}
		break;
	case VK_UN_I:
		x64_vex_xxi(b, p, (x64_sse)f->op, d, a, f->imm);
		break;
	case VK_NEG:
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0, X0);
		x64_vex_xxx(b, X64_PFX_66, (x64_sse)f->op, d, X0, a);
		break;
	case VK_NOT:
		op_const(b, r, true, X64_PFX_66, X64_SSE_PXOR, d, a, ~0ull, ~0ull,
			X0, X0, X64_RAX);
		break;
	case VK_GPR64:
		op_const(b, r, true, X64_PFX_66, f->op == X64_ALU_AND ? X64_SSE_PAND :
			X64_SSE_PXOR, d, a, f->k, f->k, X0, X0, G0);
		break;
	case VK_SHIFT:          /* the count modulo the lane width */
		if (r->count) {
			x64_vex_shift_xxi(b, (x64_sse)f->op, d, a, count_k(r, f->size * 8u));
			break;
		}
		x64_mov_rr(b, 4, G0, r->s);
		x64_alu_ri(b, X64_ALU_AND, 4, G0, f->size * 8 - 1);
		x64_movd_xr(b, 4, X0, G0);
		x64_vex_xxx(b, X64_PFX_66, (x64_sse)f->op, d, a, X0);
		break;
	case VK_SHUFFLE:        /* a's bytes or b's, by two pshufbs */
		if (shuffle_of_a(r->lo, r->hi)) {
			op_const(b, r, true, X64_PFX_66, X64_SSE_PSHUFB, d, a,
				shuffle_mask(r->lo, 0), shuffle_mask(r->hi, 0), X0, X2, G0);
			break;
		}
		op_const(b, r, true, X64_PFX_66, X64_SSE_PSHUFB, X1, a,
			shuffle_mask(r->lo, 0), shuffle_mask(r->hi, 0), X0, X2, G0);
		op_const(b, r, true, X64_PFX_66, X64_SSE_PSHUFB, X0, r->b,
			shuffle_mask(r->lo, 16), shuffle_mask(r->hi, 16), X0, X2, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_POR, d, X1, X0);
		break;
	case VK_SWIZZLE:        /* as emit_lanes: index + 0x70, saturated */
		op_const(b, r, true, X64_PFX_66, X64_SSE_PADDUSB, X1, r->b,
			0x7070707070707070ull, 0x7070707070707070ull, X0, X2, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSHUFB, d, a, X1);
		break;
	case VK_EXTMUL:         /* b widened first: d may be b */
		if (f->hiz && r->pool) {        /* the high halves with zeros */
			op_const(b, r, true, X64_PFX_66, (x64_sse)f->hiz, X0, r->b, 0, 0,
				X0, X0, X64_RAX);
			op_const(b, r, true, X64_PFX_66, (x64_sse)f->hiz, d, a, 0, 0,
				X0, X0, X64_RAX);
		} else if (f->byte) {
			x64_vex_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, X0, r->b, 0xee);
			x64_vex_xx(b, X64_PFX_66, (x64_sse)f->op, X0, X0);
			x64_vex_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, d, a, 0xee);
			x64_vex_xx(b, X64_PFX_66, (x64_sse)f->op, d, d);
		} else {
			x64_vex_xx(b, X64_PFX_66, (x64_sse)f->op, X0, r->b);
			x64_vex_xx(b, X64_PFX_66, (x64_sse)f->op, d, a);
		}
		x64_vex_xxx(b, X64_PFX_66, (x64_sse)f->op2, d, d, X0);
		break;
	case VK_EXTADD:         /* as emit_wide */
		switch (op) {
		case OP_V_I16X8_EXTADD_PAIRWISE_I8X16_S:  /* 1 (unsigned) * a (signed) */
			vconst(b, r, X0, 0x0101010101010101ull, 0x0101010101010101ull, X1, G0);
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PMADDUBSW, d, X0, a);
			break;
		default:
			emit_extadd(b, op, r, true, d, a);
			break;
		}
		break;
	case VK_Q15MULR:        /* as emit_lanes */
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PMULHRSW, d, a, r->b);
		vconst(b, r, X0, 0x8000800080008000ull, 0x8000800080008000ull, X1, G0);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PCMPEQW, X0, X0, d);
		x64_vex_xxx(b, X64_PFX_66, X64_SSE_PXOR, d, d, X0);
		break;
	case VK_FMINMAX:        /* emit_lanes' sequence, without its copies */
		x64_vex_xxx(b, p, (x64_sse)f->op, X0, a, r->b);
		x64_vex_xxx(b, p, (x64_sse)f->op, X1, r->b, a);
		x64_vex_xxx(b, p, f->op == X64_SSE_MIN ? X64_SSE_OR : X64_SSE_AND, X0, X0, X1);
		x64_vex_xxxi(b, p, X64_SSE_CMPP, X1, a, r->b, X64_CMPP_UNORD);
		x64_vex_xxx(b, p, X64_SSE_ADD, d, a, r->b);
		x64_vex_xxx(b, p, X64_SSE_AND, d, d, X1);
		x64_vex_xxx(b, p, X64_SSE_ANDN, X1, X1, X0);
		x64_vex_xxx(b, p, X64_SSE_OR, d, d, X1);
		break;
	case VK_SEQ:
		emit_seq_vex(b, op, r);
		break;
	case VK_LOAD_LANE:      /* d = a with lane `lane` from [m] */
		if (r->sse41) {
			access_here(b, r);
			x64_vex_pinsr_xxmi(b, f->size, d, a, r->m, (uint8_t)r->lane);
			break;
		}
		if (d != a)
			x64_movaps_xx(b, d, a);
		access_here(b, r);
		load_zx(b, f->size, G0, r->m);
		lane_set(b, false, d, d, false, G0, f->size, r->lane, G1, G2, X0);
		break;
	default:        /* replace_lane, the i8x16 shifts, the i64x2 GPR ops:
	                   their one code reads r->vex (lane_set, emit_wide) */
		return false;
	}
	if (f->not_ && (f->kind == VK_BIN || f->kind == VK_BIN_I || f->kind == VK_CMPU))
		op_const(b, r, true, X64_PFX_66, X64_SSE_PXOR, d, d, ~0ull, ~0ull,
			X0, X0, X64_RAX);
	return true;
}

/* An i8x16 shift by the constant k (0..7), the code of emit_wide's
 * VK_I8_SHIFT with immediates and no GPR: d = a (the SSE code: d holds
 * a), X0 the scratch.  shl by 1 is paddb; shl and shr_u by k are a
 * 16-bit shift, then each byte masked with 0xff << k (0xff >> k), the
 * mask built without a constant: all ones shifted in 16-bit lanes so
 * that each word holds the byte's mask in its low byte, then packuswb
 * (the words are 0..255: no saturation); shr_s by k is psraw by k + 8 of
 * each byte at the top of a word, packed back with packsswb. */
static void i8_shift_k(x64_buf *b, enum interp_op op, const jit_simd_regs *r,
	x64_xmm d, x64_xmm a, uint8_t k)
{
	x64_sse sh = op == OP_V_I8X16_SHL ? X64_SSE_PSLLW : X64_SSE_PSRLW;
	if (k == 0) {
		if (d != a)
			x64_movaps_xx(b, d, a);
		return;
	}
	if (op == OP_V_I8X16_SHR_S) {
		if (r->vex) {
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PUNPCKLBW, X0, a, a);
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PUNPCKHBW, d, a, a);
			x64_vex_shift_xxi(b, X64_SSE_PSRAW, X0, X0, (uint8_t)(k + 8));
			x64_vex_shift_xxi(b, X64_SSE_PSRAW, d, d, (uint8_t)(k + 8));
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PACKSSWB, d, X0, d);
			return;
		}
		x64_movaps_xx(b, X0, d);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLBW, X0, d);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKHBW, d, d);
		x64_sse_shift_xi(b, X64_SSE_PSRAW, X0, (uint8_t)(k + 8));
		x64_sse_shift_xi(b, X64_SSE_PSRAW, d, (uint8_t)(k + 8));
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PACKSSWB, X0, d);
		x64_movaps_xx(b, d, X0);
		return;
	}
	if (op == OP_V_I8X16_SHL && k == 1) {   /* a + a */
		if (r->vex)
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PADDB, d, a, a);
		else
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PADDB, d, d);
		return;
	}
	if (r->vex)
		x64_vex_shift_xxi(b, sh, d, a, k);
	else
		x64_sse_shift_xi(b, sh, d, k);
	x64_sse_xx(b, X64_PFX_66, X64_SSE_PCMPEQB, X0, X0);
	if (op == OP_V_I8X16_SHL) {     /* 0xffff << (8 + k) >> 8: 0xff << k */
		x64_sse_shift_xi(b, X64_SSE_PSLLW, X0, (uint8_t)(k + 8));
		x64_sse_shift_xi(b, X64_SSE_PSRLW, X0, 8);
	} else {                        /* 0xffff >> (8 + k): 0xff >> k */
		x64_sse_shift_xi(b, X64_SSE_PSRLW, X0, (uint8_t)(k + 8));
	}
	x64_sse_xx(b, X64_PFX_66, X64_SSE_PACKUSWB, X0, X0);
	x64_sse_xx(b, X64_PFX_66, X64_SSE_PAND, d, X0);
}

/* Pairwise widening adds, the i8x16 shifts, the i64x2 ops SSE4.1 lacks
 * (one half at a time in GPRs: G1 the low, G2 the high).  The shifts and
 * the i64x2 ops read a (the AVX code, r->vex) or d (the SSE code, d = a);
 * each writes d after its last read of a and b. */
static void emit_wide(x64_buf *b, enum interp_op op, const jit_simd_form *f,
	const jit_simd_regs *r)
{
	x64_xmm d = r->d, a = r->vex ? r->a : r->d;
	switch ((enum vk)f->kind) {
	case VK_EXTADD:
		switch (op) {
		case OP_V_I16X8_EXTADD_PAIRWISE_I8X16_S:  /* 1 (unsigned) * a (signed) */
			vconst(b, r, X0, 0x0101010101010101ull, 0x0101010101010101ull, X1, G0);
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PMADDUBSW, X0, d);
			x64_movaps_xx(b, d, X0);
			break;
		default:
			emit_extadd(b, op, r, false, d, d);
			break;
		}
		break;
	case VK_I8_SHIFT:       /* G0 is rcx: the count in cl */
		if (r->count) {
			i8_shift_k(b, op, r, d, a, count_k(r, 8));
			break;
		}
		x64_mov_rr(b, 4, G0, r->s);
		x64_alu_ri(b, X64_ALU_AND, 4, G0, 7);
		if (op == OP_V_I8X16_SHR_S && r->vex) {    /* as below */
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PUNPCKLBW, X0, a, a);
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PUNPCKHBW, d, a, a);
			x64_lea(b, 4, G1, x64_mem_b(G0, 8));
			x64_movd_xr(b, 4, X1, G1);
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSRAW, X0, X0, X1);
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PSRAW, d, d, X1);
			x64_vex_xxx(b, X64_PFX_66, X64_SSE_PACKSSWB, d, X0, d);
			break;
		}
		if (op == OP_V_I8X16_SHR_S) {
			/* each byte to the top of a word (the low byte is
			 * junk), psraw by k + 8, and back with packsswb: the
			 * words are in i8 range */
			x64_movaps_xx(b, X0, d);
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLBW, X0, d);
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKHBW, d, d);
			x64_lea(b, 4, G1, x64_mem_b(G0, 8));
			x64_movd_xr(b, 4, X1, G1);
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PSRAW, X0, X1);
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PSRAW, d, X1);
			x64_sse_xx(b, X64_PFX_66, X64_SSE_PACKSSWB, X0, d);
			x64_movaps_xx(b, d, X0);
			break;
		}
		/* a 16-bit shift, then each byte masked with 0xff << k (0xff >> k) */
		x64_movd_xr(b, 4, X0, G0);
		if (r->vex)
			x64_vex_xxx(b, X64_PFX_66, op == OP_V_I8X16_SHL ? X64_SSE_PSLLW :
				X64_SSE_PSRLW, d, a, X0);
		else
			x64_sse_xx(b, X64_PFX_66, op == OP_V_I8X16_SHL ? X64_SSE_PSLLW :
				X64_SSE_PSRLW, d, X0);
		x64_mov_ri(b, 4, G1, 0xff);
		x64_shift_rcl(b, op == OP_V_I8X16_SHL ? X64_SH_SHL : X64_SH_SHR, 4, G1);
		x64_movzx_rr(b, 4, 1, G1, G1);
		splat64(b, 1, G1, G2);
		vsplat_gpr(b, X0, G1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PAND, d, X0);
		break;
	case VK_I64_GPR:
		half_of(b, G1, a, 0, X0);
		half_of(b, G2, a, 8, X0);
		if (op == OP_V_I64X2_MUL) {
			half_of(b, G0, r->b, 0, X0);
			x64_imul_rr(b, 8, G1, G0);
			half_of(b, G0, r->b, 8, X0);
			x64_imul_rr(b, 8, G2, G0);
		} else if (op == OP_V_I64X2_SHR_S) {
			x64_mov_rr(b, 4, G0, r->s);     /* sar masks cl to 63 */
			x64_sar_rcl(b, 8, G1);
			x64_sar_rcl(b, 8, G2);
		} else if (op == OP_V_I64X2_ABS) {
			/* -x where it is not negative, else x (INT64_MIN stays) */
			for (int h = 0; h < 2; h++) {
				x64_gpr g = h ? G2 : G1;
				x64_mov_rr(b, 8, G0, g);
				x64_neg_r(b, 8, g);
				x64_cmovcc_rr(b, X64_CC_S, 8, g, G0);
			}
		} else {        /* a compare: all ones where it holds */
			for (int h = 0; h < 2; h++) {
				x64_gpr g = h ? G2 : G1;
				half_of(b, G0, r->b, 8u * (unsigned)h, X0);
				x64_alu_rr(b, X64_ALU_CMP, 8, g, G0);
				x64_setcc_r(b, (x64_cc)f->imm, G0);
				x64_movzx_rr(b, 4, 1, G0, G0);
				x64_neg_r(b, 8, G0);
				x64_mov_rr(b, 8, g, G0);
			}
		}
		x64_movd_xr(b, 8, d, G1);
		x64_movd_xr(b, 8, X0, G2);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PUNPCKLQDQ, d, X0);
		break;
	default:
		break;
	}
}

/* VK_SEQ: the ops that take a sequence of their own (d holds a). */
static void emit_seq(x64_buf *b, enum interp_op op, const jit_simd_regs *r)
{
	x64_xmm d = r->d;
	switch (op) {
	case OP_V_I8X16_POPCNT:         /* a table of nibble counts, pshufb'd
	                                   by the low and the high nibbles */
		x64_movaps_xx(b, X0, d);
		shift_count(b, X1, 4, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSRLW, X0, X1);
		vconst(b, r, X1, 0x0f0f0f0f0f0f0f0full, 0x0f0f0f0f0f0f0f0full, X2, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PAND, d, X1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PAND, X0, X1);
		vconst(b, r, X1, 0x0302020102010100ull, 0x0403030203020201ull, X2, G0);
		x64_movaps_xx(b, X2, X1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSHUFB, X1, d);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSHUFB, X2, X0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PADDB, X1, X2);
		x64_movaps_xx(b, d, X1);
		break;
	case OP_V_F32X4_CONVERT_I32X4_U:
		/* (x >> 16) * 65536 + (x & 0xffff): both halves convert
		 * exactly, so the add is the one rounding, as (float)x's */
		x64_movaps_xx(b, X0, d);
		shift_count(b, X1, 16, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSRLD, d, X1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSLLD, X0, X1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSRLD, X0, X1);
		x64_sse_xx(b, X64_PFX_NONE, X64_SSE_CVTDQ2PS, d, d);
		x64_sse_xx(b, X64_PFX_NONE, X64_SSE_CVTDQ2PS, X0, X0);
		vconst(b, r, X1, SPLAT32(0x47800000u), SPLAT32(0x47800000u), X2, G0);
		x64_sse_xx(b, X64_PFX_NONE, X64_SSE_MUL, d, X1);
		x64_sse_xx(b, X64_PFX_NONE, X64_SSE_ADD, d, X0);
		break;
	case OP_V_F64X2_CONVERT_LOW_I32X4_U:
		/* the u32 as the low bits of 2^52's mantissa, minus 2^52: exact */
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PMOVZXDQ, d, d);
		vconst(b, r, X0, 0x4330000000000000ull, 0x4330000000000000ull, X1, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_POR, d, X0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_SUB, d, X0);
		break;
	case OP_V_I32X4_TRUNC_SAT_F32X4_U:
		/* x = max(x, 0) (NaN: 0); cvttps2dq(x) is right below 2^31 and
		 * 0x80000000 above; t = cvttps2dq(x - 2^31), 0x7fffffff where
		 * x >= 2^32, at least 0: the sum is the saturated u32 */
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0);
		x64_sse_xx(b, X64_PFX_NONE, X64_SSE_MAX, d, X0);
		vconst(b, r, X0, SPLAT32(0x4f000000u), SPLAT32(0x4f000000u), X2, G0);
		x64_movaps_xx(b, X1, d);
		x64_sse_xx(b, X64_PFX_NONE, X64_SSE_SUB, X1, X0);
		x64_sse_xxi(b, X64_PFX_NONE, X64_SSE_CMPP, X0, X1, X64_CMPP_LE);
		x64_sse_xx(b, X64_PFX_F3, X64_SSE_CVTTPS2DQ, X1, X1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, X1, X0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PMAXSD, X1, X0);
		x64_sse_xx(b, X64_PFX_F3, X64_SSE_CVTTPS2DQ, d, d);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PADDD, d, X1);
		break;
	case OP_V_I32X4_TRUNC_SAT_F64X2_S_ZERO:
		/* min(x, 2147483647.0) with NaN lanes 0 (minpd gives its
		 * second operand for a NaN), then cvttpd2dq: below the range
		 * it gives 0x80000000, the saturated value */
		x64_movaps_xx(b, X0, d);
		x64_sse_xxi(b, X64_PFX_66, X64_SSE_CMPP, X0, X0, X64_CMPP_EQ);
		vconst(b, r, X1, 0x41dfffffffc00000ull, 0x41dfffffffc00000ull, X2, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_AND, X0, X1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_MIN, d, X0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_CVTTPD2DQ, d, d);
		break;
	case OP_V_I32X4_TRUNC_SAT_F64X2_U_ZERO:
		/* max(x, 0) (NaN: 0), min(., 4294967295.0), truncated, + 2^52:
		 * the u32 is the low half of each lane's bits */
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, X0, X0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_MAX, d, X0);
		vconst(b, r, X1, 0x41efffffffe00000ull, 0x41efffffffe00000ull, X2, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_MIN, d, X1);
		x64_sse_xxi(b, X64_PFX_66, X64_SSE_ROUNDPD, d, d,
			X64_ROUND_TRUNC | X64_ROUND_NO_EXC);
		vconst(b, r, X1, 0x4330000000000000ull, 0x4330000000000000ull, X2, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_ADD, d, X1);
		x64_sse_xxi(b, X64_PFX_66, X64_SSE_PSHUFD, d, d, 0x08);
		x64_movd_rx(b, 8, G0, d);
		x64_movd_xr(b, 8, d, G0);       /* the upper half zero */
		break;
	default:        /* I32X4_TRUNC_SAT_F32X4_S: NaN lanes zeroed first;
	                   cvttps2dq gives 0x80000000 out of range, which a
	                   lane with the sign clear turns into 0x7fffffff */
		x64_movaps_xx(b, X0, d);
		x64_sse_xxi(b, X64_PFX_NONE, X64_SSE_CMPP, X0, X0, X64_CMPP_EQ);
		x64_sse_xx(b, X64_PFX_NONE, X64_SSE_AND, d, X0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, X0, d);    /* top: sign clear */
		x64_sse_xx(b, X64_PFX_F3, X64_SSE_CVTTPS2DQ, d, d);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PAND, X0, d);    /* ... and 0x80000000 */
		shift_count(b, X1, 31, G0);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PSRAD, X0, X1);
		x64_sse_xx(b, X64_PFX_66, X64_SSE_PXOR, d, X0);
		break;
	}
}

bool jit_simd_emit(x64_buf *b, enum interp_op op, const jit_simd_regs *r)
{
	const jit_simd_form *f = &jit_simd_forms[op];
	if (r->vex && jit_simd_vex(op) && emit_vex(b, op, f, r))
		return true;
	switch ((enum vk)f->kind) {
	case VK_CONST: case VK_LOAD: case VK_LOAD_X: case VK_LOAD_SPLAT: case VK_STORE:
	case VK_LOAD_LANE: case VK_STORE_LANE: case VK_SPLAT: case VK_EXTRACT:
	case VK_REPLACE:
		emit_moves(b, f, r);
		return true;
	case VK_EXTADD: case VK_I8_SHIFT: case VK_I64_GPR:
		emit_wide(b, op, f, r);
		return true;
	case VK_SEQ:
		emit_seq(b, op, r);
		return true;
	case VK_NONE: case VK_ENTER: case VK_COPY: case VK_SELECT:
	case VK_GLOBAL_GET: case VK_GLOBAL_SET:
		return false;
	default:
		emit_lanes(b, f, r);
		return true;
	}
}
