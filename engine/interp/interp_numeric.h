/* interp_numeric.h -- numeric handlers of interp.c's dispatch loop
 * (included inside run(); see ops.h).  i32 results are stored
 * zero-extended, f32 as their bits in the low half. */

/* D_AB */
#define BIN(name, T, GET, expr, PUT) \
	L_##name: { T a = GET(D_AB, a), b = GET(D_AB, b); SL(D_AB, d) = PUT(expr); \
		SKIP(D_AB); NEXT(); }
/* D_A_IMM (i64: the immediate sign-extended) */
#define BINI32(name, T, GET, expr) \
	L_##name: { T a = GET(D_A_IMM, a), b = (T)IN(D_A_IMM)->imm; \
		SL(D_A_IMM, d) = (uint32_t)(expr); SKIP(D_A_IMM); NEXT(); }
#define BINI64(name, T, expr) \
	L_##name: { T a = (T)U64(D_A_IMM, a), b = (T)(int64_t)(int32_t)IN(D_A_IMM)->imm; \
		SL(D_A_IMM, d) = (uint64_t)(expr); SKIP(D_A_IMM); NEXT(); }
/* D_A */
#define UN(name, T, GET, expr, PUT) \
	L_##name: { T a = GET(D_A, a); SL(D_A, d) = PUT(expr); SKIP(D_A); NEXT(); }
/* Float results that can be a NaN (the NaN rule, ops.h): a NaN result goes
 * to the cold path (L_FNAN_*, below), which writes the rule's NaN from the
 * operands' slots, still unwritten; ordinary results pay a compare and a
 * branch not taken, and stay in xmm registers. */
#define FBIN(name, T, GET, expr, PUT) \
	L_##name: { T a = GET(D_AB, a), b = GET(D_AB, b); T r = (expr); \
		if (unlikely(r != r)) goto L_FNAN_D_AB; \
		SL(D_AB, d) = PUT(r); SKIP(D_AB); NEXT(); }
#define FUN(name, T, GET, expr, PUT) FCONV(name, T, GET, T, expr, PUT)
#define FCONV(name, TA, GET, TR, expr, PUT) \
	L_##name: { TA a = GET(D_A, a); TR r = (expr); \
		if (unlikely(r != r)) goto L_FNAN_D_A; \
		SL(D_A, d) = PUT(r); SKIP(D_A); NEXT(); }
/* BR_CMP | BR_CMP_IMM */
#define BRCMP(name, T, GET, expr) \
	L_##name: { T a = GET(BR_CMP, a), b = GET(BR_CMP, b); \
		ip = (expr) ? REL(BR_CMP, target) : AFTER(BR_CMP); NEXT(); }
#define BRCMPI(name, T, GET, expr) \
	L_##name: { T a = GET(BR_CMP_IMM, a), b = (T)IN(BR_CMP_IMM)->imm; \
		ip = (expr) ? REL(BR_CMP_IMM, target) : AFTER(BR_CMP_IMM); NEXT(); }

#define P32(x) ((uint64_t)(uint32_t)(x))
#define P64(x) ((uint64_t)(x))
#define PF32(x) op_float_bits(x)
#define PF64(x) op_double_bits(x)

/* ---- i32 ---- */
UN(EQZ32, uint32_t, U32, a == 0, P32)
BIN(EQ32, uint32_t, U32, a == b, P32)
BIN(NE32, uint32_t, U32, a != b, P32)
BIN(LTS32, int32_t, S32, a < b, P32)
BIN(LTU32, uint32_t, U32, a < b, P32)
BIN(GTS32, int32_t, S32, a > b, P32)
BIN(GTU32, uint32_t, U32, a > b, P32)
BIN(LES32, int32_t, S32, a <= b, P32)
BIN(LEU32, uint32_t, U32, a <= b, P32)
BIN(GES32, int32_t, S32, a >= b, P32)
BIN(GEU32, uint32_t, U32, a >= b, P32)
UN(CLZ32, uint32_t, U32, a ? __builtin_clz(a) : 32, P32)
UN(CTZ32, uint32_t, U32, a ? __builtin_ctz(a) : 32, P32)
UN(POPCNT32, uint32_t, U32, __builtin_popcount(a), P32)
BIN(ADD32, uint32_t, U32, a + b, P32)
BIN(SUB32, uint32_t, U32, a - b, P32)
BIN(MUL32, uint32_t, U32, a * b, P32)
L_DIVS32: {
	int32_t a = S32(D_AB, a), b = S32(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	if (unlikely(a == INT32_MIN && b == -1))
		TRAP(WASM_TRAP_INTEGER_OVERFLOW);
	SL(D_AB, d) = (uint32_t)(a / b);
	SKIP(D_AB);
	NEXT();
}
L_DIVU32: {
	uint32_t a = U32(D_AB, a), b = U32(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	SL(D_AB, d) = a / b;
	SKIP(D_AB);
	NEXT();
}
L_REMS32: {
	int32_t a = S32(D_AB, a), b = S32(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	SL(D_AB, d) = b == -1 ? 0 : (uint32_t)(a % b);
	SKIP(D_AB);
	NEXT();
}
L_REMU32: {
	uint32_t a = U32(D_AB, a), b = U32(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	SL(D_AB, d) = a % b;
	SKIP(D_AB);
	NEXT();
}
BIN(AND32, uint32_t, U32, a & b, P32)
BIN(OR32, uint32_t, U32, a | b, P32)
BIN(XOR32, uint32_t, U32, a ^ b, P32)
BIN(SHL32, uint32_t, U32, a << (b & 31), P32)
BIN(SHRS32, uint32_t, U32, (uint32_t)((int32_t)a >> (b & 31)), P32)
BIN(SHRU32, uint32_t, U32, a >> (b & 31), P32)
BIN(ROTL32, uint32_t, U32, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)), P32)
BIN(ROTR32, uint32_t, U32, (a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)), P32)

/* ---- i64 ---- */
UN(EQZ64, uint64_t, U64, a == 0, P32)
BIN(EQ64, uint64_t, U64, a == b, P32)
BIN(NE64, uint64_t, U64, a != b, P32)
BIN(LTS64, int64_t, S64, a < b, P32)
BIN(LTU64, uint64_t, U64, a < b, P32)
BIN(GTS64, int64_t, S64, a > b, P32)
BIN(GTU64, uint64_t, U64, a > b, P32)
BIN(LES64, int64_t, S64, a <= b, P32)
BIN(LEU64, uint64_t, U64, a <= b, P32)
BIN(GES64, int64_t, S64, a >= b, P32)
BIN(GEU64, uint64_t, U64, a >= b, P32)
UN(CLZ64, uint64_t, U64, a ? __builtin_clzll(a) : 64, P64)
UN(CTZ64, uint64_t, U64, a ? __builtin_ctzll(a) : 64, P64)
UN(POPCNT64, uint64_t, U64, __builtin_popcountll(a), P64)
BIN(ADD64, uint64_t, U64, a + b, P64)
BIN(SUB64, uint64_t, U64, a - b, P64)
BIN(MUL64, uint64_t, U64, a * b, P64)
L_DIVS64: {
	int64_t a = S64(D_AB, a), b = S64(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	if (unlikely(a == INT64_MIN && b == -1))
		TRAP(WASM_TRAP_INTEGER_OVERFLOW);
	SL(D_AB, d) = (uint64_t)(a / b);
	SKIP(D_AB);
	NEXT();
}
L_DIVU64: {
	uint64_t a = U64(D_AB, a), b = U64(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	SL(D_AB, d) = a / b;
	SKIP(D_AB);
	NEXT();
}
L_REMS64: {
	int64_t a = S64(D_AB, a), b = S64(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	SL(D_AB, d) = b == -1 ? 0 : (uint64_t)(a % b);
	SKIP(D_AB);
	NEXT();
}
L_REMU64: {
	uint64_t a = U64(D_AB, a), b = U64(D_AB, b);
	if (unlikely(b == 0))
		TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	SL(D_AB, d) = a % b;
	SKIP(D_AB);
	NEXT();
}
BIN(AND64, uint64_t, U64, a & b, P64)
BIN(OR64, uint64_t, U64, a | b, P64)
BIN(XOR64, uint64_t, U64, a ^ b, P64)
BIN(SHL64, uint64_t, U64, a << (b & 63), P64)
BIN(SHRS64, uint64_t, U64, (uint64_t)((int64_t)a >> (b & 63)), P64)
BIN(SHRU64, uint64_t, U64, a >> (b & 63), P64)
BIN(ROTL64, uint64_t, U64, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)), P64)
BIN(ROTR64, uint64_t, U64, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)), P64)

/* ---- f32 / f64 ----
 * Results that can be a NaN go through FBIN/FUN and the cold path below.
 * Compares give no float; abs/neg/copysign work on the bits. */
#define FLOATS(sfx, T, GET, PUT, SUF) \
	BIN(FEQ##sfx, T, GET, a == b, P32) \
	BIN(FNE##sfx, T, GET, a != b, P32) \
	BIN(FLT##sfx, T, GET, a < b, P32) \
	BIN(FGT##sfx, T, GET, a > b, P32) \
	BIN(FLE##sfx, T, GET, a <= b, P32) \
	BIN(FGE##sfx, T, GET, a >= b, P32) \
	FBIN(FADD##sfx, T, GET, a + b, PUT) \
	FBIN(FSUB##sfx, T, GET, a - b, PUT) \
	FBIN(FMUL##sfx, T, GET, a * b, PUT) \
	FBIN(FDIV##sfx, T, GET, a / b, PUT) \
	FBIN(FMIN##sfx, T, GET, op_fmin##sfx(a, b), PUT) \
	FBIN(FMAX##sfx, T, GET, op_fmax##sfx(a, b), PUT) \
	FUN(FCEIL##sfx, T, GET, ceil##SUF(a), PUT) \
	FUN(FFLOOR##sfx, T, GET, floor##SUF(a), PUT) \
	FUN(FTRUNC##sfx, T, GET, trunc##SUF(a), PUT) \
	FUN(FNEAREST##sfx, T, GET, nearbyint##SUF(a), PUT) \
	FUN(FSQRT##sfx, T, GET, sqrt##SUF(a), PUT)

FLOATS(32, float, FL, PF32, f)
FLOATS(64, double, DB, PF64, )
#undef FLOATS

/* The cold path of FBIN and FUN: the op's result is a NaN; write the one
 * the rule gives (ops_slow.h) from the operands.  D_A ops: demote and
 * promote have their own; the others are unary (a, a). */
L_FNAN_D_AB:
	/* (The barrier makes the compiler read the slots again here rather
	 * than keep integer copies of them on the hot path: that copy cost
	 * 20-30% on float programs.) */
	__asm__ volatile("" ::: "memory");
	if (op_infos[insn_op(ip)].type == OPT_F32)
		SL(D_AB, d) = op_nan32((uint32_t)SL(D_AB, a), (uint32_t)SL(D_AB, b));
	else
		SL(D_AB, d) = op_nan64(SL(D_AB, a), SL(D_AB, b));
	SKIP(D_AB);
	NEXT();
L_FNAN_D_A: {
	__asm__ volatile("" ::: "memory");
	enum interp_op op = insn_op(ip);
	uint64_t a = SL(D_A, a);
	if (op == OP_DEMOTE)
		SL(D_A, d) = op_demote_nan(a);
	else if (op == OP_PROMOTE)
		SL(D_A, d) = op_promote_nan((uint32_t)a);
	else if (op_infos[op].type == OPT_F32)
		SL(D_A, d) = op_nan32((uint32_t)a, (uint32_t)a);
	else
		SL(D_A, d) = op_nan64(a, a);
	SKIP(D_A);
	NEXT();
}

/* Sign manipulation on the bits, so NaN payloads pass unchanged. */
UN(FABS32, uint64_t, U64, a & 0x7fffffffu, P64)
UN(FNEG32, uint64_t, U64, (a ^ 0x80000000u) & 0xffffffffu, P64)
BIN(FCOPYSIGN32, uint64_t, U64, (a & 0x7fffffffu) | (b & 0x80000000u), P64)
UN(FABS64, uint64_t, U64, a & 0x7fffffffffffffffull, P64)
UN(FNEG64, uint64_t, U64, a ^ 0x8000000000000000ull, P64)
BIN(FCOPYSIGN64, uint64_t, U64, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull), P64)

/* ---- conversions ---- */
UN(WRAP, uint64_t, U64, (uint32_t)a, P64)
UN(EXT8S32, uint32_t, U32, (uint32_t)(int32_t)(int8_t)a, P32)
UN(EXT16S32, uint32_t, U32, (uint32_t)(int32_t)(int16_t)a, P32)
UN(EXT8S64, uint64_t, U64, (uint64_t)(int64_t)(int8_t)a, P64)
UN(EXT16S64, uint64_t, U64, (uint64_t)(int64_t)(int16_t)a, P64)
UN(EXT32S64, uint64_t, U64, (uint64_t)(int64_t)(int32_t)a, P64)

/* Float -> int (ops_slow.h): trapping and saturating. */
#define TRUNC(name, ...) \
	L_TRUNC_##name: { \
		uint64_t r; \
		wasm_trap_kind k = op_trunc_##name(SL(D_A, a), &r); \
		if (unlikely(k != WASM_TRAP_NONE)) \
			TRAP(k); \
		SL(D_A, d) = r; \
		SKIP(D_A); \
		NEXT(); \
	}
OP_FLOAT_TO_INT(TRUNC)
#undef TRUNC
#define SAT(name, ...) \
	L_SAT_##name: \
		SL(D_A, d) = op_sat_##name(SL(D_A, a)); \
		SKIP(D_A); \
		NEXT();
OP_FLOAT_TO_INT(SAT)
#undef SAT

UN(CONV_S32_F32, int32_t, S32, (float)a, PF32)
UN(CONV_U32_F32, uint32_t, U32, (float)a, PF32)
UN(CONV_S64_F32, int64_t, S64, (float)a, PF32)
UN(CONV_U64_F32, uint64_t, U64, (float)a, PF32)
FCONV(DEMOTE, double, DB, float, (float)a, PF32)
UN(CONV_S32_F64, int32_t, S32, (double)a, PF64)
UN(CONV_U32_F64, uint32_t, U32, (double)a, PF64)
UN(CONV_S64_F64, int64_t, S64, (double)a, PF64)
UN(CONV_U64_F64, uint64_t, U64, (double)a, PF64)
FCONV(PROMOTE, float, FL, double, (double)a, PF64)

/* ---- with an immediate ---- */
BINI32(EQ32I, uint32_t, U32, a == b)
BINI32(NE32I, uint32_t, U32, a != b)
BINI32(LTS32I, int32_t, S32, a < b)
BINI32(LTU32I, uint32_t, U32, a < b)
BINI32(GTS32I, int32_t, S32, a > b)
BINI32(GTU32I, uint32_t, U32, a > b)
BINI32(LES32I, int32_t, S32, a <= b)
BINI32(LEU32I, uint32_t, U32, a <= b)
BINI32(GES32I, int32_t, S32, a >= b)
BINI32(GEU32I, uint32_t, U32, a >= b)
BINI32(ADD32I, uint32_t, U32, a + b)
BINI32(MUL32I, uint32_t, U32, a * b)
BINI32(AND32I, uint32_t, U32, a & b)
BINI32(OR32I, uint32_t, U32, a | b)
BINI32(XOR32I, uint32_t, U32, a ^ b)
BINI32(SHL32I, uint32_t, U32, a << (b & 31))
BINI32(SHRS32I, uint32_t, U32, (uint32_t)((int32_t)a >> (b & 31)))
BINI32(SHRU32I, uint32_t, U32, a >> (b & 31))

/* Compares yield an i32, hence the (uint32_t) results below. */
#define BINI64C(name, T, expr) \
	L_##name: { T a = (T)U64(D_A_IMM, a), b = (T)(int64_t)(int32_t)IN(D_A_IMM)->imm; \
		SL(D_A_IMM, d) = (uint32_t)(expr); SKIP(D_A_IMM); NEXT(); }
BINI64C(EQ64I, uint64_t, a == b)
BINI64C(NE64I, uint64_t, a != b)
BINI64C(LTS64I, int64_t, a < b)
BINI64C(LTU64I, uint64_t, a < b)
BINI64C(GTS64I, int64_t, a > b)
BINI64C(GTU64I, uint64_t, a > b)
BINI64C(LES64I, int64_t, a <= b)
BINI64C(LEU64I, uint64_t, a <= b)
BINI64C(GES64I, int64_t, a >= b)
BINI64C(GEU64I, uint64_t, a >= b)
#undef BINI64C
BINI64(ADD64I, uint64_t, a + b)
BINI64(MUL64I, uint64_t, a * b)
BINI64(AND64I, uint64_t, a & b)
BINI64(OR64I, uint64_t, a | b)
BINI64(XOR64I, uint64_t, a ^ b)
BINI64(SHL64I, uint64_t, a << (b & 63))
BINI64(SHRS64I, uint64_t, (uint64_t)((int64_t)a >> (b & 63)))
BINI64(SHRU64I, uint64_t, a >> (b & 63))

L_ADDSHL32:
	SL(ADDSHL, d) = (uint32_t)(U32(ADDSHL, x) + (U32(ADDSHL, y) << (IN(ADDSHL)->k & 31)));
	SKIP(ADDSHL);
	NEXT();

/* ---- fused compare-and-branch ---- */
BRCMP(EQ_BR32, uint32_t, U32, a == b)
BRCMP(NE_BR32, uint32_t, U32, a != b)
BRCMP(LTS_BR32, int32_t, S32, a < b)
BRCMP(LTU_BR32, uint32_t, U32, a < b)
BRCMP(GTS_BR32, int32_t, S32, a > b)
BRCMP(GTU_BR32, uint32_t, U32, a > b)
BRCMP(LES_BR32, int32_t, S32, a <= b)
BRCMP(LEU_BR32, uint32_t, U32, a <= b)
BRCMP(GES_BR32, int32_t, S32, a >= b)
BRCMP(GEU_BR32, uint32_t, U32, a >= b)
BRCMPI(EQ_BR32I, uint32_t, U32, a == b)
BRCMPI(NE_BR32I, uint32_t, U32, a != b)
BRCMPI(LTS_BR32I, int32_t, S32, a < b)
BRCMPI(LTU_BR32I, uint32_t, U32, a < b)
BRCMPI(GTS_BR32I, int32_t, S32, a > b)
BRCMPI(GTU_BR32I, uint32_t, U32, a > b)
BRCMPI(LES_BR32I, int32_t, S32, a <= b)
BRCMPI(LEU_BR32I, uint32_t, U32, a <= b)
BRCMPI(GES_BR32I, int32_t, S32, a >= b)
BRCMPI(GEU_BR32I, uint32_t, U32, a >= b)
BRCMP(EQ_BR64, uint64_t, U64, a == b)
BRCMP(NE_BR64, uint64_t, U64, a != b)
BRCMP(LTS_BR64, int64_t, S64, a < b)
BRCMP(LTU_BR64, uint64_t, U64, a < b)
BRCMP(GTS_BR64, int64_t, S64, a > b)
BRCMP(GTU_BR64, uint64_t, U64, a > b)
BRCMP(LES_BR64, int64_t, S64, a <= b)
BRCMP(LEU_BR64, uint64_t, U64, a <= b)
BRCMP(GES_BR64, int64_t, S64, a >= b)
BRCMP(GEU_BR64, uint64_t, U64, a >= b)

#undef BIN
#undef BINI32
#undef BINI64
#undef UN
#undef FBIN
#undef FUN
#undef FCONV
#undef BRCMP
#undef BRCMPI
#undef P32
#undef P64
#undef PF32
#undef PF64
