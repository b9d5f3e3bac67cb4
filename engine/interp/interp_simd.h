/* interp_simd.h -- SIMD handlers of interp.c's dispatch loop (included
 * inside run(); see ops.h for the layouts and ops_simd.h for the lanes).
 * A v128 occupies two consecutive slots; a handler reads its operands
 * whole (into run()'s simd_a, simd_b, simd_c) before it writes its result
 * (from simd_r), so a result may replace an operand.  The four are shared
 * by all handlers, declared once in run(): locals of each handler's own
 * would each get a stack slot (gcc shares none across the blocks of a
 * computed-goto loop), which took run()'s frame from 136 bytes to 1.8 KiB,
 * 48 KiB under ASan, and overflowed the C stack of nested host calls.
 * Float lanes follow the NaN rule of ops.h lane by lane: a lane whose
 * result is a NaN gets the rule's NaN from its operands' lanes
 * (v128_nan32, v128_nan64), the bits SSE gives. */

/* SIMD handlers are labelled cold: without that, gcc's register
 * allocation over run() as a whole gave the scalar handlers worse code
 * (a register for `self` lost: +3.4% instructions on fib). */
#define COLD __attribute__((cold));
#define VSL(lay, f) (&fp[IN(lay)->f])
#define LANES(n) for (int i = 0; i < (n); i++)
/* All ones in a lane of simd_r.U where cond holds, else zero. */
#define MASK(U, cond) simd_r.U[i] = (cond) ? (__typeof__(simd_r.U[i]))~(__typeof__(simd_r.U[i]))0 : 0

/* v128 -> v128 (D_A), v128 v128 -> v128 (D_AB): body sets r from a (, b). */
#define VUN(name, body) \
	L_V_##name: COLD { v128_get(&simd_a, VSL(D_A, a)); body; \
		v128_put(VSL(D_A, d), &simd_r); SKIP(D_A); NEXT(); }
#define VBIN(name, body) \
	L_V_##name: COLD { v128_get(&simd_a, VSL(D_AB, a)); v128_get(&simd_b, VSL(D_AB, b)); \
		body; v128_put(VSL(D_AB, d), &simd_r); SKIP(D_AB); NEXT(); }
/* scalar x (a slot) -> v128 */
#define VSPLAT(name, body) \
	L_V_##name: COLD { uint64_t x = SL(D_A, a); body; \
		v128_put(VSL(D_A, d), &simd_r); SKIP(D_A); NEXT(); }
/* v128 -> i32 x */
#define VTEST(name, body) \
	L_V_##name: COLD { v128_get(&simd_a, VSL(D_A, a)); uint32_t x = 0; body; \
		SL(D_A, d) = x; SKIP(D_A); NEXT(); }
/* v128, i32 count -> v128: k is the count modulo the lane width */
#define VSHIFT(name, bits, body) \
	L_V_##name: COLD { v128_get(&simd_a, VSL(D_AB, a)); \
		uint32_t k = U32(D_AB, b) & ((bits) - 1); body; \
		v128_put(VSL(D_AB, d), &simd_r); SKIP(D_AB); NEXT(); }

/* ---- moves, constants, globals, select --------------------------------- */

L_V128_COPY: COLD {
	v128_get(&simd_a, VSL(D_A, a));
	v128_put(VSL(D_A, d), &simd_a);
	SKIP(D_A);
	NEXT();
}
L_V128_SELECT: COLD {
	v128_get(&simd_a, U32(SELECT, c) ? VSL(SELECT, a) : VSL(SELECT, b));
	v128_put(VSL(SELECT, d), &simd_a);
	SKIP(SELECT);
	NEXT();
}
L_V128_GLOBAL_GET: COLD {
	const wasm_global *g = globals[IN(D_IDX)->idx];
	SL(D_IDX, d) = g->val;
	fp[IN(D_IDX)->d + 1] = g->hi;
	SKIP(D_IDX);
	NEXT();
}
L_V128_GLOBAL_SET: COLD {
	wasm_global *g = globals[IN(A_IDX)->idx];
	g->val = SL(A_IDX, a);
	g->hi = fp[IN(A_IDX)->a + 1];
	SKIP(A_IDX);
	NEXT();
}
L_V_V128_CONST: COLD {
	simd_r.u64[0] = IN(V_CONST)->lo;
	simd_r.u64[1] = IN(V_CONST)->hi;
	v128_put(VSL(V_CONST, d), &simd_r);
	SKIP(V_CONST);
	NEXT();
}
L_V_I8X16_SHUFFLE: COLD {
	v128_get(&simd_a, VSL(V_SHUFFLE, a));
	v128_get(&simd_b, VSL(V_SHUFFLE, b));
	simd_c.u64[0] = IN(V_SHUFFLE)->lo;
	simd_c.u64[1] = IN(V_SHUFFLE)->hi;
	LANES(16) simd_r.u8[i] = simd_c.u8[i] < 16 ? simd_a.u8[simd_c.u8[i]] : simd_b.u8[simd_c.u8[i] & 15];
	v128_put(VSL(V_SHUFFLE, d), &simd_r);
	SKIP(V_SHUFFLE);
	NEXT();
}
VBIN(I8X16_SWIZZLE, LANES(16) simd_r.u8[i] = simd_b.u8[i] < 16 ? simd_a.u8[simd_b.u8[i]] : 0)

/* ---- memory ------------------------------------------------------------- */

/* A load of T at the address of the LOAD at ip, as a uint64_t x. */
#define VLOAD(name, T, body) \
	L_V_##name: COLD { uint64_t x; INTERP_LOAD(x, mem + EA(LOAD), T); \
		simd_c.u64[0] = x; simd_c.u64[1] = 0; body; \
		v128_put(VSL(LOAD, d), &simd_r); SKIP(LOAD); NEXT(); }

L_V_V128_LOAD: COLD {
	INTERP_LOAD128(simd_r.vec, mem + EA(LOAD));
	v128_put(VSL(LOAD, d), &simd_r);
	SKIP(LOAD);
	NEXT();
}
VLOAD(V128_LOAD8X8_S, uint64_t, LANES(8) simd_r.i16[i] = simd_c.i8[i])
VLOAD(V128_LOAD8X8_U, uint64_t, LANES(8) simd_r.u16[i] = simd_c.u8[i])
VLOAD(V128_LOAD16X4_S, uint64_t, LANES(4) simd_r.i32[i] = simd_c.i16[i])
VLOAD(V128_LOAD16X4_U, uint64_t, LANES(4) simd_r.u32[i] = simd_c.u16[i])
VLOAD(V128_LOAD32X2_S, uint64_t, LANES(2) simd_r.i64[i] = simd_c.i32[i])
VLOAD(V128_LOAD32X2_U, uint64_t, LANES(2) simd_r.u64[i] = simd_c.u32[i])
VLOAD(V128_LOAD8_SPLAT, uint8_t, LANES(16) simd_r.u8[i] = (uint8_t)x)
VLOAD(V128_LOAD16_SPLAT, uint16_t, LANES(8) simd_r.u16[i] = (uint16_t)x)
VLOAD(V128_LOAD32_SPLAT, uint32_t, LANES(4) simd_r.u32[i] = (uint32_t)x)
VLOAD(V128_LOAD64_SPLAT, uint64_t, LANES(2) simd_r.u64[i] = x)
VLOAD(V128_LOAD32_ZERO, uint32_t, simd_r = simd_c)
VLOAD(V128_LOAD64_ZERO, uint64_t, simd_r = simd_c)
#undef VLOAD

L_V_V128_STORE: COLD {
	v128_get(&simd_a, VSL(STORE, v));
	INTERP_STORE128(mem + EA(STORE), simd_a.vec);
	SKIP(STORE);
	NEXT();
}

#define VLOAD_LANE(name, T, U) \
	L_V_##name: COLD { uint64_t x; INTERP_LOAD(x, mem + EA(V_LOAD_LANE), T); \
		v128_get(&simd_r, VSL(V_LOAD_LANE, v)); \
		simd_r.U[IN(V_LOAD_LANE)->lane] = (T)x; \
		v128_put(VSL(V_LOAD_LANE, d), &simd_r); SKIP(V_LOAD_LANE); NEXT(); }
#define VSTORE_LANE(name, T, U) \
	L_V_##name: COLD { v128_get(&simd_a, VSL(V_STORE_LANE, v)); \
		INTERP_STORE(mem + EA(V_STORE_LANE), T, simd_a.U[IN(V_STORE_LANE)->lane]); \
		SKIP(V_STORE_LANE); NEXT(); }
VLOAD_LANE(V128_LOAD8_LANE, uint8_t, u8)
VLOAD_LANE(V128_LOAD16_LANE, uint16_t, u16)
VLOAD_LANE(V128_LOAD32_LANE, uint32_t, u32)
VLOAD_LANE(V128_LOAD64_LANE, uint64_t, u64)
VSTORE_LANE(V128_STORE8_LANE, uint8_t, u8)
VSTORE_LANE(V128_STORE16_LANE, uint16_t, u16)
VSTORE_LANE(V128_STORE32_LANE, uint32_t, u32)
VSTORE_LANE(V128_STORE64_LANE, uint64_t, u64)
#undef VLOAD_LANE
#undef VSTORE_LANE

/* ---- splat, lanes -------------------------------------------------------- */

VSPLAT(I8X16_SPLAT, LANES(16) simd_r.u8[i] = (uint8_t)x)
VSPLAT(I16X8_SPLAT, LANES(8) simd_r.u16[i] = (uint16_t)x)
VSPLAT(I32X4_SPLAT, LANES(4) simd_r.u32[i] = (uint32_t)x)
VSPLAT(I64X2_SPLAT, LANES(2) simd_r.u64[i] = x)
VSPLAT(F32X4_SPLAT, LANES(4) simd_r.u32[i] = (uint32_t)x)
VSPLAT(F64X2_SPLAT, LANES(2) simd_r.u64[i] = x)

/* An extracted lane as its slot holds it (i32 and f32 zero-extended). */
#define VEXTRACT(name, expr) \
	L_V_##name: COLD { v128_get(&simd_a, VSL(V_LANE, a)); \
		uint32_t l = IN(V_LANE)->lane; SL(V_LANE, d) = (expr); \
		SKIP(V_LANE); NEXT(); }
#define VREPLACE(name, U, T) \
	L_V_##name: COLD { v128_get(&simd_r, VSL(V_REPLACE, a)); \
		simd_r.U[IN(V_REPLACE)->lane] = (T)SL(V_REPLACE, b); \
		v128_put(VSL(V_REPLACE, d), &simd_r); SKIP(V_REPLACE); NEXT(); }
VEXTRACT(I8X16_EXTRACT_LANE_S, (uint32_t)(int32_t)simd_a.i8[l])
VEXTRACT(I8X16_EXTRACT_LANE_U, (uint64_t)simd_a.u8[l])
VEXTRACT(I16X8_EXTRACT_LANE_S, (uint32_t)(int32_t)simd_a.i16[l])
VEXTRACT(I16X8_EXTRACT_LANE_U, (uint64_t)simd_a.u16[l])
VEXTRACT(I32X4_EXTRACT_LANE, (uint64_t)simd_a.u32[l])
VEXTRACT(I64X2_EXTRACT_LANE, simd_a.u64[l])
VEXTRACT(F32X4_EXTRACT_LANE, (uint64_t)simd_a.u32[l])
VEXTRACT(F64X2_EXTRACT_LANE, simd_a.u64[l])
VREPLACE(I8X16_REPLACE_LANE, u8, uint8_t)
VREPLACE(I16X8_REPLACE_LANE, u16, uint16_t)
VREPLACE(I32X4_REPLACE_LANE, u32, uint32_t)
VREPLACE(I64X2_REPLACE_LANE, u64, uint64_t)
VREPLACE(F32X4_REPLACE_LANE, u32, uint32_t)
VREPLACE(F64X2_REPLACE_LANE, u64, uint64_t)
#undef VEXTRACT
#undef VREPLACE

/* ---- compares: all ones or zero per lane --------------------------------- */

#define VCMP(name, n, U, T, op) VBIN(name, LANES(n) MASK(U, simd_a.T[i] op simd_b.T[i]))
#define VCMP_INT(sfx, n, U, S) \
	VCMP(sfx##_EQ, n, U, U, ==) VCMP(sfx##_NE, n, U, U, !=) \
	VCMP(sfx##_LT_S, n, U, S, <) VCMP(sfx##_LT_U, n, U, U, <) \
	VCMP(sfx##_GT_S, n, U, S, >) VCMP(sfx##_GT_U, n, U, U, >) \
	VCMP(sfx##_LE_S, n, U, S, <=) VCMP(sfx##_LE_U, n, U, U, <=) \
	VCMP(sfx##_GE_S, n, U, S, >=) VCMP(sfx##_GE_U, n, U, U, >=)
VCMP_INT(I8X16, 16, u8, i8)
VCMP_INT(I16X8, 8, u16, i16)
VCMP_INT(I32X4, 4, u32, i32)
VCMP(I64X2_EQ, 2, u64, u64, ==)
VCMP(I64X2_NE, 2, u64, u64, !=)
VCMP(I64X2_LT_S, 2, u64, i64, <)
VCMP(I64X2_GT_S, 2, u64, i64, >)
VCMP(I64X2_LE_S, 2, u64, i64, <=)
VCMP(I64X2_GE_S, 2, u64, i64, >=)
#define VCMP_FLOAT(sfx, n, U, F) \
	VCMP(sfx##_EQ, n, U, F, ==) VCMP(sfx##_NE, n, U, F, !=) \
	VCMP(sfx##_LT, n, U, F, <) VCMP(sfx##_GT, n, U, F, >) \
	VCMP(sfx##_LE, n, U, F, <=) VCMP(sfx##_GE, n, U, F, >=)
VCMP_FLOAT(F32X4, 4, u32, f32)
VCMP_FLOAT(F64X2, 2, u64, f64)
#undef VCMP_INT
#undef VCMP_FLOAT
#undef VCMP

/* ---- bitwise ------------------------------------------------------------- */

VUN(V128_NOT, LANES(2) simd_r.u64[i] = ~simd_a.u64[i])
VBIN(V128_AND, LANES(2) simd_r.u64[i] = simd_a.u64[i] & simd_b.u64[i])
VBIN(V128_ANDNOT, LANES(2) simd_r.u64[i] = simd_a.u64[i] & ~simd_b.u64[i])
VBIN(V128_OR, LANES(2) simd_r.u64[i] = simd_a.u64[i] | simd_b.u64[i])
VBIN(V128_XOR, LANES(2) simd_r.u64[i] = simd_a.u64[i] ^ simd_b.u64[i])
L_V_V128_BITSELECT: COLD {
	v128_get(&simd_a, VSL(D_ABC, a));
	v128_get(&simd_b, VSL(D_ABC, b));
	v128_get(&simd_c, VSL(D_ABC, c));
	LANES(2) simd_r.u64[i] = (simd_a.u64[i] & simd_c.u64[i]) | (simd_b.u64[i] & ~simd_c.u64[i]);
	v128_put(VSL(D_ABC, d), &simd_r);
	SKIP(D_ABC);
	NEXT();
}
VTEST(V128_ANY_TRUE, x = (simd_a.u64[0] | simd_a.u64[1]) != 0)

/* ---- integer lanes -------------------------------------------------------- */

/* The lane ops every integer shape has: n lanes of U (unsigned), S
 * (signed), with the width in bits. */
#define VINT(sfx, n, U, S, bits) \
	VUN(sfx##_ABS, LANES(n) simd_r.U[i] = simd_a.S[i] < 0 ? 0 - simd_a.U[i] : simd_a.U[i]) \
	VUN(sfx##_NEG, LANES(n) simd_r.U[i] = 0 - simd_a.U[i]) \
	VTEST(sfx##_ALL_TRUE, x = 1; LANES(n) x &= simd_a.U[i] != 0) \
	VTEST(sfx##_BITMASK, LANES(n) x |= (uint32_t)(simd_a.U[i] >> ((bits) - 1)) << i) \
	VSHIFT(sfx##_SHL, bits, LANES(n) simd_r.U[i] = simd_a.U[i] << k) \
	VSHIFT(sfx##_SHR_S, bits, LANES(n) simd_r.S[i] = simd_a.S[i] >> k) \
	VSHIFT(sfx##_SHR_U, bits, LANES(n) simd_r.U[i] = simd_a.U[i] >> k) \
	VBIN(sfx##_ADD, LANES(n) simd_r.U[i] = simd_a.U[i] + simd_b.U[i]) \
	VBIN(sfx##_SUB, LANES(n) simd_r.U[i] = simd_a.U[i] - simd_b.U[i])
VINT(I8X16, 16, u8, i8, 8)
VINT(I16X8, 8, u16, i16, 16)
VINT(I32X4, 4, u32, i32, 32)
VINT(I64X2, 2, u64, i64, 64)
#undef VINT

/* min and max (8, 16 and 32 bits) */
#define VMINMAX(sfx, n, U, S) \
	VBIN(sfx##_MIN_S, LANES(n) simd_r.S[i] = simd_a.S[i] < simd_b.S[i] ? simd_a.S[i] : simd_b.S[i]) \
	VBIN(sfx##_MIN_U, LANES(n) simd_r.U[i] = simd_a.U[i] < simd_b.U[i] ? simd_a.U[i] : simd_b.U[i]) \
	VBIN(sfx##_MAX_S, LANES(n) simd_r.S[i] = simd_a.S[i] > simd_b.S[i] ? simd_a.S[i] : simd_b.S[i]) \
	VBIN(sfx##_MAX_U, LANES(n) simd_r.U[i] = simd_a.U[i] > simd_b.U[i] ? simd_a.U[i] : simd_b.U[i])
VMINMAX(I8X16, 16, u8, i8)
VMINMAX(I16X8, 8, u16, i16)
VMINMAX(I32X4, 4, u32, i32)
#undef VMINMAX

/* saturating add and sub, rounding average (8 and 16 bits) */
#define VSAT(sfx, n, U, S, bits) \
	VBIN(sfx##_ADD_SAT_S, LANES(n) simd_r.S[i] = sat_s##bits(simd_a.S[i] + simd_b.S[i])) \
	VBIN(sfx##_ADD_SAT_U, LANES(n) simd_r.U[i] = sat_u##bits(simd_a.U[i] + simd_b.U[i])) \
	VBIN(sfx##_SUB_SAT_S, LANES(n) simd_r.S[i] = sat_s##bits(simd_a.S[i] - simd_b.S[i])) \
	VBIN(sfx##_SUB_SAT_U, LANES(n) simd_r.U[i] = sat_u##bits(simd_a.U[i] - simd_b.U[i])) \
	VBIN(sfx##_AVGR_U, LANES(n) simd_r.U[i] = (U##_t)((simd_a.U[i] + simd_b.U[i] + 1u) >> 1))
#define u8_t uint8_t
#define u16_t uint16_t
VSAT(I8X16, 16, u8, i8, 8)
VSAT(I16X8, 8, u16, i16, 16)
#undef u8_t
#undef u16_t
#undef VSAT

VUN(I8X16_POPCNT, LANES(16) simd_r.u8[i] = (uint8_t)__builtin_popcount(simd_a.u8[i]))
VBIN(I8X16_NARROW_I16X8_S, LANES(8) { simd_r.i8[i] = sat_s8(simd_a.i16[i]);
	simd_r.i8[i + 8] = sat_s8(simd_b.i16[i]); })
VBIN(I8X16_NARROW_I16X8_U, LANES(8) { simd_r.u8[i] = sat_u8(simd_a.i16[i]);
	simd_r.u8[i + 8] = sat_u8(simd_b.i16[i]); })
VBIN(I16X8_NARROW_I32X4_S, LANES(4) { simd_r.i16[i] = sat_s16(simd_a.i32[i]);
	simd_r.i16[i + 4] = sat_s16(simd_b.i32[i]); })
VBIN(I16X8_NARROW_I32X4_U, LANES(4) { simd_r.u16[i] = sat_u16(simd_a.i32[i]);
	simd_r.u16[i + 4] = sat_u16(simd_b.i32[i]); })
VBIN(I16X8_MUL, LANES(8) simd_r.u16[i] = (uint16_t)((uint32_t)simd_a.u16[i] * simd_b.u16[i]))
VBIN(I32X4_MUL, LANES(4) simd_r.u32[i] = simd_a.u32[i] * simd_b.u32[i])
VBIN(I64X2_MUL, LANES(2) simd_r.u64[i] = simd_a.u64[i] * simd_b.u64[i])
VBIN(I16X8_Q15MULR_SAT_S, LANES(8) simd_r.i16[i] = sat_s16(
	((int32_t)simd_a.i16[i] * simd_b.i16[i] + 0x4000) >> 15))
VBIN(I32X4_DOT_I16X8_S, LANES(4) simd_r.u32[i] = (uint32_t)((int32_t)simd_a.i16[2 * i] *
	simd_b.i16[2 * i]) + (uint32_t)((int32_t)simd_a.i16[2 * i + 1] * simd_b.i16[2 * i + 1]))

/* Widening: extend the low or high half (from lane off), add pairs,
 * multiply halves; W is the wide lane, N the narrow one. */
#define VEXT(name, n, W, N, off) VUN(name, LANES(n) simd_r.W[i] = simd_a.N[i + (off)])
VEXT(I16X8_EXTEND_LOW_I8X16_S, 8, i16, i8, 0)
VEXT(I16X8_EXTEND_HIGH_I8X16_S, 8, i16, i8, 8)
VEXT(I16X8_EXTEND_LOW_I8X16_U, 8, u16, u8, 0)
VEXT(I16X8_EXTEND_HIGH_I8X16_U, 8, u16, u8, 8)
VEXT(I32X4_EXTEND_LOW_I16X8_S, 4, i32, i16, 0)
VEXT(I32X4_EXTEND_HIGH_I16X8_S, 4, i32, i16, 4)
VEXT(I32X4_EXTEND_LOW_I16X8_U, 4, u32, u16, 0)
VEXT(I32X4_EXTEND_HIGH_I16X8_U, 4, u32, u16, 4)
VEXT(I64X2_EXTEND_LOW_I32X4_S, 2, i64, i32, 0)
VEXT(I64X2_EXTEND_HIGH_I32X4_S, 2, i64, i32, 2)
VEXT(I64X2_EXTEND_LOW_I32X4_U, 2, u64, u32, 0)
VEXT(I64X2_EXTEND_HIGH_I32X4_U, 2, u64, u32, 2)
#undef VEXT
#define VPAIRS(name, n, W, N) \
	VUN(name, LANES(n) simd_r.W[i] = (__typeof__(simd_r.W[i]))(simd_a.N[2 * i] + simd_a.N[2 * i + 1]))
VPAIRS(I16X8_EXTADD_PAIRWISE_I8X16_S, 8, i16, i8)
VPAIRS(I16X8_EXTADD_PAIRWISE_I8X16_U, 8, u16, u8)
VPAIRS(I32X4_EXTADD_PAIRWISE_I16X8_S, 4, i32, i16)
VPAIRS(I32X4_EXTADD_PAIRWISE_I16X8_U, 4, u32, u16)
#undef VPAIRS
#define VEXTMUL(name, n, W, N, off) \
	VBIN(name, LANES(n) simd_r.W[i] = (__typeof__(simd_r.W[i]))simd_a.N[i + (off)] * simd_b.N[i + (off)])
VEXTMUL(I16X8_EXTMUL_LOW_I8X16_S, 8, i16, i8, 0)
VEXTMUL(I16X8_EXTMUL_HIGH_I8X16_S, 8, i16, i8, 8)
VEXTMUL(I16X8_EXTMUL_LOW_I8X16_U, 8, u16, u8, 0)
VEXTMUL(I16X8_EXTMUL_HIGH_I8X16_U, 8, u16, u8, 8)
VEXTMUL(I32X4_EXTMUL_LOW_I16X8_S, 4, i32, i16, 0)
VEXTMUL(I32X4_EXTMUL_HIGH_I16X8_S, 4, i32, i16, 4)
VEXTMUL(I32X4_EXTMUL_LOW_I16X8_U, 4, u32, u16, 0)
VEXTMUL(I32X4_EXTMUL_HIGH_I16X8_U, 4, u32, u16, 4)
VEXTMUL(I64X2_EXTMUL_LOW_I32X4_S, 2, i64, i32, 0)
VEXTMUL(I64X2_EXTMUL_HIGH_I32X4_S, 2, i64, i32, 2)
VEXTMUL(I64X2_EXTMUL_LOW_I32X4_U, 2, u64, u32, 0)
VEXTMUL(I64X2_EXTMUL_HIGH_I32X4_U, 2, u64, u32, 2)
#undef VEXTMUL

/* ---- float lanes ----------------------------------------------------------
 * n lanes of F, bits in U, the rule's repair v128_nan<bits>; sign
 * operations on the bits (payloads kept), pmin and pmax pick an operand
 * whole (b < a ? b : a, a < b ? b : a: no NaN is made). */
#define VFLOAT(sfx, n, F, U, bits, SUF, sign) \
	VUN(sfx##_ABS, LANES(n) simd_r.U[i] = simd_a.U[i] & ~(sign)) \
	VUN(sfx##_NEG, LANES(n) simd_r.U[i] = simd_a.U[i] ^ (sign)) \
	VUN(sfx##_SQRT, LANES(n) simd_r.F[i] = sqrt##SUF(simd_a.F[i]); v128_nan##bits(&simd_r, &simd_a, &simd_a)) \
	VUN(sfx##_CEIL, LANES(n) simd_r.F[i] = ceil##SUF(simd_a.F[i]); v128_nan##bits(&simd_r, &simd_a, &simd_a)) \
	VUN(sfx##_FLOOR, LANES(n) simd_r.F[i] = floor##SUF(simd_a.F[i]); v128_nan##bits(&simd_r, &simd_a, &simd_a)) \
	VUN(sfx##_TRUNC, LANES(n) simd_r.F[i] = trunc##SUF(simd_a.F[i]); v128_nan##bits(&simd_r, &simd_a, &simd_a)) \
	VUN(sfx##_NEAREST, LANES(n) simd_r.F[i] = nearbyint##SUF(simd_a.F[i]); \
		v128_nan##bits(&simd_r, &simd_a, &simd_a)) \
	VBIN(sfx##_ADD, LANES(n) simd_r.F[i] = simd_a.F[i] + simd_b.F[i]; v128_nan##bits(&simd_r, &simd_a, &simd_b)) \
	VBIN(sfx##_SUB, LANES(n) simd_r.F[i] = simd_a.F[i] - simd_b.F[i]; v128_nan##bits(&simd_r, &simd_a, &simd_b)) \
	VBIN(sfx##_MUL, LANES(n) simd_r.F[i] = simd_a.F[i] * simd_b.F[i]; v128_nan##bits(&simd_r, &simd_a, &simd_b)) \
	VBIN(sfx##_DIV, LANES(n) simd_r.F[i] = simd_a.F[i] / simd_b.F[i]; v128_nan##bits(&simd_r, &simd_a, &simd_b)) \
	VBIN(sfx##_MIN, LANES(n) simd_r.F[i] = op_fmin##bits(simd_a.F[i], simd_b.F[i]); \
		v128_nan##bits(&simd_r, &simd_a, &simd_b)) \
	VBIN(sfx##_MAX, LANES(n) simd_r.F[i] = op_fmax##bits(simd_a.F[i], simd_b.F[i]); \
		v128_nan##bits(&simd_r, &simd_a, &simd_b)) \
	VBIN(sfx##_PMIN, LANES(n) simd_r.U[i] = simd_b.F[i] < simd_a.F[i] ? simd_b.U[i] : simd_a.U[i]) \
	VBIN(sfx##_PMAX, LANES(n) simd_r.U[i] = simd_a.F[i] < simd_b.F[i] ? simd_b.U[i] : simd_a.U[i])
VFLOAT(F32X4, 4, f32, u32, 32, f, 0x80000000u)
VFLOAT(F64X2, 2, f64, u64, 64, , 0x8000000000000000ull)
#undef VFLOAT

/* ---- conversions ------------------------------------------------------------
 * Saturating truncation by the scalar ops' own functions (ops_slow.h);
 * int -> float rounds to nearest as the scalar conversions do. */
VUN(I32X4_TRUNC_SAT_F32X4_S, LANES(4) simd_r.u32[i] = (uint32_t)op_sat_F32_S32(simd_a.u32[i]))
VUN(I32X4_TRUNC_SAT_F32X4_U, LANES(4) simd_r.u32[i] = (uint32_t)op_sat_F32_U32(simd_a.u32[i]))
VUN(I32X4_TRUNC_SAT_F64X2_S_ZERO, LANES(2) simd_r.u32[i] = (uint32_t)op_sat_F64_S32(simd_a.u64[i]);
	simd_r.u64[1] = 0)
VUN(I32X4_TRUNC_SAT_F64X2_U_ZERO, LANES(2) simd_r.u32[i] = (uint32_t)op_sat_F64_U32(simd_a.u64[i]);
	simd_r.u64[1] = 0)
VUN(F32X4_CONVERT_I32X4_S, LANES(4) simd_r.f32[i] = (float)simd_a.i32[i])
VUN(F32X4_CONVERT_I32X4_U, LANES(4) simd_r.f32[i] = (float)simd_a.u32[i])
VUN(F64X2_CONVERT_LOW_I32X4_S, LANES(2) simd_r.f64[i] = (double)simd_a.i32[i])
VUN(F64X2_CONVERT_LOW_I32X4_U, LANES(2) simd_r.f64[i] = (double)simd_a.u32[i])
VUN(F32X4_DEMOTE_F64X2_ZERO, simd_r.u64[1] = 0; LANES(2) simd_r.u32[i] = op_is_nan64(simd_a.u64[i]) ?
	op_demote_nan(simd_a.u64[i]) : (uint32_t)op_float_bits((float)simd_a.f64[i]))
VUN(F64X2_PROMOTE_LOW_F32X4, LANES(2) simd_r.u64[i] = op_is_nan32(simd_a.u32[i]) ?
	op_promote_nan(simd_a.u32[i]) : op_double_bits((double)simd_a.f32[i]))

#undef VSL
#undef COLD
#undef LANES
#undef MASK
#undef VUN
#undef VBIN
#undef VSPLAT
#undef VTEST
#undef VSHIFT
#undef EA
