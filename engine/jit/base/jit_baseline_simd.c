/* jit_baseline_simd.c -- the baseline compiler's SIMD (v128) ops, with
 * SSE2 and, where the table says so, SSSE3/SSE4.1.
 *
 * A v128 lives in two consecutive frame slots, 16 bytes at [rbx + 8*s]
 * (unaligned: movdqu), never in a register between instructions.  The
 * family does not pop through the slot layer (JC_FAMILIES: pops false),
 * so every scalar operand a SIMD op reads is in memory or read with
 * jc_ld, and a v128 result written here clears the forwarding registers'
 * claim on its two slots (vput).  Functions whose frame holds a v128 pin
 * no locals (jc_translate), since their slot numbers are not local
 * indices.  Scratch: rax rcx rdx, xmm0 xmm1, and xmm2 xmm3 xmm4 (pin
 * registers elsewhere, free here: nothing is pinned).
 *
 * Legacy SSE forms with a 128-bit memory operand fault unless it is
 * 16-byte aligned, and slots are 8-byte aligned: every 16-byte operand
 * goes through movdqu into a register; only 4- and 8-byte memory operands
 * (movss, movsd, pmovsx/zx, cvtdq2pd) stay in memory.
 *
 * What is compiled is the table jit_simd_forms (jit/jit_simd.c, shared
 * with tier 2), one row per op; any
 * other SIMD op is refused by name (jc_op_refusal), so its function stays
 * in the interpreter.  Float lanes follow the lane NaN rule of
 * interp/ops_simd.h: the SSE instructions used here give those bits with
 * the first wasm operand as the destination (add, sub, mul, div, sqrt,
 * and pmin/pmax as minps/maxps with the operands swapped).
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit_seq.h"
#include "jit/jit_simd.h"
#include "interp/ops.h"
#include "runtime/runtime.h"

#define VSLOT(s, byte) x64_mem_b(X64_RBX, (int32_t)(8u * (uint32_t)(s) + (byte)))


bool jc_simd_compiles(enum interp_op op)
{
	return jit_simd_forms[op].kind != VK_NONE;
}

/* ---- v128 in its slots ------------------------------------------------------ */

/* The forwarding registers no longer hold slots s, s + 1 (jc_st and
 * jc_fst track their own). */
static void forget(jc *c, uint32_t s)
{
	jc_forget(c, s);
	jc_forget(c, s + 1);
}

static void vget(jc *c, x64_xmm x, uint32_t s)
{
	x64_movdqu_xm(JB, x, JSLOT(s));
}

static void vput(jc *c, uint32_t d, x64_xmm x)
{
	x64_movdqu_mx(JB, JSLOT(d), x);
	forget(c, d);
}

/* A 64-bit value in both halves of d. */
static void vput_rr(jc *c, uint32_t d, x64_gpr lo, x64_gpr hi)
{
	x64_mov_mr(JB, 8, JSLOT(d), lo);
	x64_mov_mr(JB, 8, JSLOT(d + 1), hi);
	forget(c, d);
}

/* all ones in x */
static void ones(jc *c, x64_xmm x)
{
	x64_sse_xx(JB, X64_PFX_66, X64_SSE_PCMPEQD, x, x);
}

/* rax = rax's low `size` bytes repeated over 64 bits (rax zero-extended
 * from size bytes on entry; clobbers rcx) */
static void splat64(jc *c, unsigned size)
{
	static const uint64_t rep[9] = { [1] = 0x0101010101010101ull,
		[2] = 0x0001000100010001ull, [4] = 0x0000000100000001ull };
	if (size == 8)
		return;
	x64_mov_ri(JB, 8, X64_RCX, (int64_t)rep[size]);
	x64_imul_rr(JB, 8, X64_RAX, X64_RCX);
}

/* x = the v128 (lo, hi) (clobbers rax and tmp) */
static void vconst(jc *c, x64_xmm x, uint64_t lo, uint64_t hi, x64_xmm tmp)
{
	x64_mov_ri(JB, 8, X64_RAX, (int64_t)lo);
	x64_movd_xr(JB, 8, x, X64_RAX);
	x64_mov_ri(JB, 8, X64_RAX, (int64_t)hi);
	x64_movd_xr(JB, 8, tmp, X64_RAX);
	x64_sse_xx(JB, X64_PFX_66, X64_SSE_PUNPCKLQDQ, x, tmp);
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

/* rax (size 1, 2, 4: zero-extended) = [m] */
static void load_zx(jc *c, unsigned size, x64_gpr r, x64_mem m)
{
	if (size < 4)
		x64_movzx_rm(JB, 4, size, r, m);
	else
		x64_mov_rm(JB, size, r, m);
}

/* x = count in its low dword, for the shifts by an xmm count */
static void shift_count(jc *c, x64_xmm x, int32_t count)
{
	x64_mov_ri(JB, 4, X64_RAX, count);
	x64_movd_xr(JB, 4, x, X64_RAX);
}

#define SPLAT32(v) ((uint64_t)(v) << 32 | (uint64_t)(v))

/* VK_SEQ: the ops that take a sequence of their own. */
static void emit_seq(jc *c)
{
	uint32_t a = JOP(D_A)->a;
	x64_xmm r = X64_XMM0;
	switch (c->op) {
	case OP_V_I8X16_POPCNT:         /* a table of nibble counts, pshufb'd
	                                   by the low and the high nibbles */
		vget(c, X64_XMM0, a);
		x64_movaps_xx(JB, X64_XMM1, X64_XMM0);
		shift_count(c, X64_XMM2, 4);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSRLW, X64_XMM1, X64_XMM2);
		vconst(c, X64_XMM2, 0x0f0f0f0f0f0f0f0full, 0x0f0f0f0f0f0f0f0full, X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PAND, X64_XMM0, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PAND, X64_XMM1, X64_XMM2);
		vconst(c, X64_XMM3, 0x0302020102010100ull, 0x0403030203020201ull, X64_XMM4);
		x64_movaps_xx(JB, X64_XMM2, X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSHUFB, X64_XMM2, X64_XMM0);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSHUFB, X64_XMM3, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PADDB, X64_XMM2, X64_XMM3);
		r = X64_XMM2;
		break;
	case OP_V_F32X4_CONVERT_I32X4_U:
		/* (x >> 16) * 65536 + (x & 0xffff): both halves convert
		 * exactly, so the add is the one rounding, as (float)x's */
		vget(c, X64_XMM0, a);
		x64_movaps_xx(JB, X64_XMM1, X64_XMM0);
		shift_count(c, X64_XMM2, 16);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSRLD, X64_XMM0, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSLLD, X64_XMM1, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSRLD, X64_XMM1, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_CVTDQ2PS, X64_XMM0, X64_XMM0);
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_CVTDQ2PS, X64_XMM1, X64_XMM1);
		vconst(c, X64_XMM2, SPLAT32(0x47800000u), SPLAT32(0x47800000u), X64_XMM3);
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_MUL, X64_XMM0, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_ADD, X64_XMM0, X64_XMM1);
		break;
	case OP_V_F64X2_CONVERT_LOW_I32X4_U:
		/* the u32 as the low bits of 2^52's mantissa, minus 2^52: exact */
		x64_sse_xm(JB, X64_PFX_66, X64_SSE_PMOVZXDQ, X64_XMM0, JSLOT(a));
		vconst(c, X64_XMM1, 0x4330000000000000ull, 0x4330000000000000ull, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_POR, X64_XMM0, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_SUB, X64_XMM0, X64_XMM1);
		break;
	case OP_V_I32X4_TRUNC_SAT_F32X4_U:
		/* x = max(x, 0) (NaN: 0); cvttps2dq(x) is right below 2^31 and
		 * 0x80000000 above; t = cvttps2dq(x - 2^31), 0x7fffffff where
		 * x >= 2^32, at least 0: the sum is the saturated u32 */
		vget(c, X64_XMM0, a);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM1, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_MAX, X64_XMM0, X64_XMM1);
		vconst(c, X64_XMM1, SPLAT32(0x4f000000u), SPLAT32(0x4f000000u), X64_XMM3);
		x64_movaps_xx(JB, X64_XMM2, X64_XMM0);
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_SUB, X64_XMM2, X64_XMM1);
		x64_sse_xxi(JB, X64_PFX_NONE, X64_SSE_CMPP, X64_XMM1, X64_XMM2, X64_CMPP_LE);
		x64_sse_xx(JB, X64_PFX_F3, X64_SSE_CVTTPS2DQ, X64_XMM2, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM2, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM1, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PMAXSD, X64_XMM2, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_F3, X64_SSE_CVTTPS2DQ, X64_XMM0, X64_XMM0);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PADDD, X64_XMM0, X64_XMM2);
		break;
	case OP_V_I32X4_TRUNC_SAT_F64X2_S_ZERO:
		/* min(x, 2147483647.0) with NaN lanes 0 (minpd gives its
		 * second operand for a NaN), then cvttpd2dq: below the range
		 * it gives 0x80000000, the saturated value */
		vget(c, X64_XMM0, a);
		x64_movaps_xx(JB, X64_XMM1, X64_XMM0);
		x64_sse_xxi(JB, X64_PFX_66, X64_SSE_CMPP, X64_XMM1, X64_XMM1, X64_CMPP_EQ);
		vconst(c, X64_XMM2, 0x41dfffffffc00000ull, 0x41dfffffffc00000ull, X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_AND, X64_XMM1, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_MIN, X64_XMM0, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_CVTTPD2DQ, X64_XMM0, X64_XMM0);
		break;
	case OP_V_I32X4_TRUNC_SAT_F64X2_U_ZERO:
		/* max(x, 0) (NaN: 0), min(., 4294967295.0), truncated, + 2^52:
		 * the u32 is the low half of each lane's bits */
		vget(c, X64_XMM0, a);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM1, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_MAX, X64_XMM0, X64_XMM1);
		vconst(c, X64_XMM2, 0x41efffffffe00000ull, 0x41efffffffe00000ull, X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_MIN, X64_XMM0, X64_XMM2);
		x64_sse_xxi(JB, X64_PFX_66, X64_SSE_ROUNDPD, X64_XMM0, X64_XMM0,
			X64_ROUND_TRUNC | X64_ROUND_NO_EXC);
		vconst(c, X64_XMM2, 0x4330000000000000ull, 0x4330000000000000ull, X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_ADD, X64_XMM0, X64_XMM2);
		x64_sse_xxi(JB, X64_PFX_66, X64_SSE_PSHUFD, X64_XMM0, X64_XMM0, 0x08);
		x64_movd_rx(JB, 8, X64_RAX, X64_XMM0);
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RCX, X64_RCX);
		vput_rr(c, JOP(D_A)->d, X64_RAX, X64_RCX);
		return;
	default:        /* I32X4_TRUNC_SAT_F32X4_S: NaN lanes zeroed first;
	                   cvttps2dq gives 0x80000000 out of range, which a
	                   lane with the sign clear turns into 0x7fffffff */
		vget(c, X64_XMM0, a);
		x64_movaps_xx(JB, X64_XMM1, X64_XMM0);
		x64_sse_xxi(JB, X64_PFX_NONE, X64_SSE_CMPP, X64_XMM1, X64_XMM1, X64_CMPP_EQ);
		x64_sse_xx(JB, X64_PFX_NONE, X64_SSE_AND, X64_XMM0, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM1, X64_XMM0);   /* top: sign clear */
		x64_sse_xx(JB, X64_PFX_F3, X64_SSE_CVTTPS2DQ, X64_XMM0, X64_XMM0);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PAND, X64_XMM1, X64_XMM0);   /* ... and 0x80000000 */
		shift_count(c, X64_XMM2, 31);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSRAD, X64_XMM1, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM0, X64_XMM1);
		break;
	}
	vput(c, JOP(D_A)->d, r);
}

/* ---- the emitter ------------------------------------------------------------ */

void jc_emit_simd(jc *c)
{
	const jit_simd_form *f = &jit_simd_forms[c->op];
	if (f->sse41 && !c->has_sse41) {
		jc_bail(c, "a SIMD op that needs SSE4.1, which this CPU lacks");
		return;
	}
	switch ((enum vk)f->kind) {
	case VK_ENTER:
		jc_emit_control(c);
		break;
	case VK_COPY:
		vget(c, X64_XMM0, JOP(D_A)->a);
		vput(c, JOP(D_A)->d, X64_XMM0);
		break;
	case VK_SELECT: {
		x64_label other = x64_label_new(), done = x64_label_new();
		jc_ld(c, 4, X64_RAX, JOP(SELECT)->c);
		x64_test_rr(JB, 4, X64_RAX, X64_RAX);
		x64_jcc_short(JB, X64_CC_E, &other);
		vget(c, X64_XMM0, JOP(SELECT)->a);
		x64_jmp_short(JB, &done);
		x64_label_bind(JB, &other);
		vget(c, X64_XMM0, JOP(SELECT)->b);
		x64_label_bind(JB, &done);
		vput(c, JOP(SELECT)->d, X64_XMM0);
		break;
	}
	case VK_GLOBAL_GET:     /* d = the 16 bytes at &globals[idx]->val */
		jit_seq_inst_elem(JB, offsetof(wasm_instance, globals), JOP(D_IDX)->idx, X64_RAX);
		x64_movdqu_xm(JB, X64_XMM0, x64_mem_b(X64_RAX, offsetof(wasm_global, val)));
		vput(c, JOP(D_IDX)->d, X64_XMM0);
		break;
	case VK_GLOBAL_SET:
		jit_seq_inst_elem(JB, offsetof(wasm_instance, globals), JOP(A_IDX)->idx, X64_RAX);
		vget(c, X64_XMM0, JOP(A_IDX)->a);
		x64_movdqu_mx(JB, x64_mem_b(X64_RAX, offsetof(wasm_global, val)), X64_XMM0);
		break;
	case VK_CONST:
		x64_mov_ri(JB, 8, X64_RAX, (int64_t)JOP(V_CONST)->lo);
		x64_mov_ri(JB, 8, X64_RCX, (int64_t)JOP(V_CONST)->hi);
		vput_rr(c, JOP(V_CONST)->d, X64_RAX, X64_RCX);
		break;
	case VK_LOAD: case VK_LOAD_X: case VK_LOAD_SPLAT: {
		x64_mem m;
		jc_ld(c, 4, X64_RAX, JOP(LOAD)->a);
		m = jc_ea(c, JOP(LOAD)->off);
		jc_pc_here(c);
		if (f->kind == VK_LOAD) {
			x64_movdqu_xm(JB, X64_XMM0, m);
		} else if (f->kind == VK_LOAD_X) {
			x64_sse_xm(JB, f->pfx, (x64_sse)f->op, X64_XMM0, m);
		} else {
			load_zx(c, f->size, X64_RAX, m);
			splat64(c, f->size);
			vput_rr(c, JOP(LOAD)->d, X64_RAX, X64_RAX);
			break;
		}
		vput(c, JOP(LOAD)->d, X64_XMM0);
		break;
	}
	case VK_STORE: {
		x64_mem m;
		vget(c, X64_XMM0, JOP(STORE)->v);
		jc_ld(c, 4, X64_RAX, JOP(STORE)->a);
		m = jc_ea(c, JOP(STORE)->off);
		jc_pc_here(c);
		x64_movdqu_mx(JB, m, X64_XMM0);
		break;
	}
	case VK_LOAD_LANE: {    /* the address first: d may be a's slot */
		x64_mem m;
		uint32_t lane = JOP(V_LOAD_LANE)->lane, d = JOP(V_LOAD_LANE)->d;
		jc_ld(c, 4, X64_RAX, JOP(V_LOAD_LANE)->a);
		vget(c, X64_XMM0, JOP(V_LOAD_LANE)->v);
		m = jc_ea(c, JOP(V_LOAD_LANE)->off);
		jc_pc_here(c);
		load_zx(c, f->size, X64_RDX, m);
		vput(c, d, X64_XMM0);
		x64_mov_mr(JB, f->size, VSLOT(d, lane * f->size), X64_RDX);
		break;
	}
	case VK_STORE_LANE: {
		x64_mem m;
		uint32_t lane = JOP(V_STORE_LANE)->lane;
		load_zx(c, f->size, X64_RDX, VSLOT(JOP(V_STORE_LANE)->v, lane * f->size));
		jc_ld(c, 4, X64_RAX, JOP(V_STORE_LANE)->a);
		m = jc_ea(c, JOP(V_STORE_LANE)->off);
		jc_pc_here(c);
		x64_mov_mr(JB, f->size, m, X64_RDX);
		break;
	}
	case VK_SPLAT:
		jc_ld(c, f->size == 8 ? 8 : 4, X64_RAX, JOP(D_A)->a);
		if (f->size < 4)
			x64_movzx_rr(JB, 4, f->size, X64_RAX, X64_RAX);
		splat64(c, f->size);
		vput_rr(c, JOP(D_A)->d, X64_RAX, X64_RAX);
		break;
	case VK_EXTRACT: {      /* slots hold i32/f32 zero-extended */
		x64_mem m = VSLOT(JOP(V_LANE)->a, JOP(V_LANE)->lane * f->size);
		if (f->sx)
			x64_movsx_rm(JB, 4, f->size, X64_RAX, m);
		else
			load_zx(c, f->size, X64_RAX, m);
		jc_st(c, JOP(V_LANE)->d, X64_RAX);
		break;
	}
	case VK_REPLACE: {      /* b first: it may be in d's slots' way */
		uint32_t d = JOP(V_REPLACE)->d;
		jc_ld(c, f->size == 8 ? 8 : 4, X64_RAX, JOP(V_REPLACE)->b);
		vget(c, X64_XMM0, JOP(V_REPLACE)->a);
		vput(c, d, X64_XMM0);
		x64_mov_mr(JB, f->size, VSLOT(d, JOP(V_REPLACE)->lane * f->size), X64_RAX);
		break;
	}
	case VK_BIN: case VK_BIN_I: case VK_CMPU: {
		uint32_t a = JOP(D_AB)->a, b = JOP(D_AB)->b;
		if (f->rev) {
			uint32_t t = a;
			a = b;
			b = t;
		}
		vget(c, X64_XMM0, a);
		vget(c, X64_XMM1, b);
		if (f->kind == VK_CMPU)
			x64_movaps_xx(JB, X64_XMM2, X64_XMM0);
		if (f->kind == VK_BIN_I)
			x64_sse_xxi(JB, f->pfx, (x64_sse)f->op, X64_XMM0, X64_XMM1, f->imm);
		else
			x64_sse_xx(JB, f->pfx, (x64_sse)f->op, X64_XMM0, X64_XMM1);
		if (f->kind == VK_CMPU)  /* min/max(a, b) == a */
			x64_sse_xx(JB, X64_PFX_66, (x64_sse)f->op2, X64_XMM0, X64_XMM2);
		if (f->not_) {
			ones(c, X64_XMM1);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM0, X64_XMM1);
		}
		vput(c, JOP(D_AB)->d, X64_XMM0);
		break;
	}
	case VK_UN:
		if (f->m64) {
			x64_sse_xm(JB, f->pfx, (x64_sse)f->op, X64_XMM0,
				VSLOT(JOP(D_A)->a, f->byte));
		} else {
			vget(c, X64_XMM1, JOP(D_A)->a);
			x64_sse_xx(JB, f->pfx, (x64_sse)f->op, X64_XMM0, X64_XMM1);
		}
		vput(c, JOP(D_A)->d, X64_XMM0);
		break;
	case VK_UN_I:
		vget(c, X64_XMM1, JOP(D_A)->a);
		x64_sse_xxi(JB, f->pfx, (x64_sse)f->op, X64_XMM0, X64_XMM1, f->imm);
		vput(c, JOP(D_A)->d, X64_XMM0);
		break;
	case VK_NEG:
		vget(c, X64_XMM1, JOP(D_A)->a);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM0, X64_XMM0);
		x64_sse_xx(JB, X64_PFX_66, (x64_sse)f->op, X64_XMM0, X64_XMM1);
		vput(c, JOP(D_A)->d, X64_XMM0);
		break;
	case VK_NOT:
		vget(c, X64_XMM0, JOP(D_A)->a);
		ones(c, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM0, X64_XMM1);
		vput(c, JOP(D_A)->d, X64_XMM0);
		break;
	case VK_BITSELECT:      /* (a & c) | (~c & b) */
		vget(c, X64_XMM0, JOP(D_ABC)->a);
		vget(c, X64_XMM1, JOP(D_ABC)->b);
		vget(c, X64_XMM2, JOP(D_ABC)->c);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PAND, X64_XMM0, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PANDN, X64_XMM2, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_POR, X64_XMM0, X64_XMM2);
		vput(c, JOP(D_ABC)->d, X64_XMM0);
		break;
	case VK_ANY_TRUE:
		x64_mov_rm(JB, 8, X64_RCX, JSLOT(JOP(D_A)->a));
		x64_alu_rm(JB, X64_ALU_OR, 8, X64_RCX, JSLOT(JOP(D_A)->a + 1));
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		x64_test_rr(JB, 8, X64_RCX, X64_RCX);
		x64_setcc_r(JB, X64_CC_NE, X64_RAX);
		jc_st(c, JOP(D_A)->d, X64_RAX);
		break;
	case VK_GPR64:
		x64_mov_ri(JB, 8, X64_RCX, (int64_t)f->k);
		x64_mov_rm(JB, 8, X64_RAX, JSLOT(JOP(D_A)->a));
		x64_mov_rm(JB, 8, X64_RDX, JSLOT(JOP(D_A)->a + 1));
		x64_alu_rr(JB, (x64_alu)f->op, 8, X64_RAX, X64_RCX);
		x64_alu_rr(JB, (x64_alu)f->op, 8, X64_RDX, X64_RCX);
		vput_rr(c, JOP(D_A)->d, X64_RAX, X64_RDX);
		break;
	case VK_SHIFT:          /* the count modulo the lane width, as the
	                           interpreter's VSHIFT */
		jc_ld(c, 4, X64_RAX, JOP(D_AB)->b);
		x64_alu_ri(JB, X64_ALU_AND, 4, X64_RAX, f->size * 8 - 1);
		x64_movd_xr(JB, 4, X64_XMM1, X64_RAX);
		vget(c, X64_XMM0, JOP(D_AB)->a);
		x64_sse_xx(JB, X64_PFX_66, (x64_sse)f->op, X64_XMM0, X64_XMM1);
		vput(c, JOP(D_AB)->d, X64_XMM0);
		break;
	case VK_SHUFFLE: {      /* validation keeps indices below 32 */
		uint64_t lo = JOP(V_SHUFFLE)->lo, hi = JOP(V_SHUFFLE)->hi;
		vget(c, X64_XMM0, JOP(V_SHUFFLE)->a);
		vconst(c, X64_XMM2, shuffle_mask(lo, 0), shuffle_mask(hi, 0), X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSHUFB, X64_XMM0, X64_XMM2);
		vget(c, X64_XMM1, JOP(V_SHUFFLE)->b);
		vconst(c, X64_XMM2, shuffle_mask(lo, 16), shuffle_mask(hi, 16), X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSHUFB, X64_XMM1, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_POR, X64_XMM0, X64_XMM1);
		vput(c, JOP(V_SHUFFLE)->d, X64_XMM0);
		break;
	}
	case VK_SWIZZLE:        /* index + 0x70 (unsigned saturated): 0..15
	                           keep their low 4 bits, the rest get bit 7 */
		vget(c, X64_XMM0, JOP(D_AB)->a);
		vget(c, X64_XMM1, JOP(D_AB)->b);
		vconst(c, X64_XMM2, 0x7070707070707070ull, 0x7070707070707070ull, X64_XMM3);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PADDUSB, X64_XMM1, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSHUFB, X64_XMM0, X64_XMM1);
		vput(c, JOP(D_AB)->d, X64_XMM0);
		break;
	case VK_ALL_TRUE:       /* the mask of zero lanes is all zero */
		vget(c, X64_XMM0, JOP(D_A)->a);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM1, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, (x64_sse)f->op, X64_XMM1, X64_XMM0);
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PTEST, X64_XMM1, X64_XMM1);
		x64_setcc_r(JB, X64_CC_E, X64_RAX);
		jc_st(c, JOP(D_A)->d, X64_RAX);
		break;
	case VK_BITMASK:
		vget(c, X64_XMM0, JOP(D_A)->a);
		if (f->size == 2)       /* signed saturation keeps the sign */
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PACKSSWB, X64_XMM0, X64_XMM0);
		x64_movmsk_rx(JB, f->pfx, (x64_sse)f->op, X64_RAX, X64_XMM0);
		if (f->size == 2)
			x64_movzx_rr(JB, 4, 1, X64_RAX, X64_RAX);
		jc_st(c, JOP(D_A)->d, X64_RAX);
		break;
	case VK_EXTMUL:
		x64_sse_xm(JB, X64_PFX_66, (x64_sse)f->op, X64_XMM0, VSLOT(JOP(D_AB)->a, f->byte));
		x64_sse_xm(JB, X64_PFX_66, (x64_sse)f->op, X64_XMM1, VSLOT(JOP(D_AB)->b, f->byte));
		x64_sse_xx(JB, X64_PFX_66, (x64_sse)f->op2, X64_XMM0, X64_XMM1);
		vput(c, JOP(D_AB)->d, X64_XMM0);
		break;
	case VK_EXTADD:
		vget(c, X64_XMM1, JOP(D_A)->a);
		switch (c->op) {
		case OP_V_I16X8_EXTADD_PAIRWISE_I8X16_S:  /* 1 (unsigned) * a (signed) */
			vconst(c, X64_XMM0, 0x0101010101010101ull, 0x0101010101010101ull, X64_XMM2);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PMADDUBSW, X64_XMM0, X64_XMM1);
			break;
		case OP_V_I16X8_EXTADD_PAIRWISE_I8X16_U:  /* a (unsigned) * 1 (signed) */
			vconst(c, X64_XMM2, 0x0101010101010101ull, 0x0101010101010101ull, X64_XMM0);
			x64_movaps_xx(JB, X64_XMM0, X64_XMM1);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PMADDUBSW, X64_XMM0, X64_XMM2);
			break;
		case OP_V_I32X4_EXTADD_PAIRWISE_I16X8_S:
			vconst(c, X64_XMM0, 0x0001000100010001ull, 0x0001000100010001ull, X64_XMM2);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PMADDWD, X64_XMM0, X64_XMM1);
			break;
		default:        /* _U: (a - 0x8000) pairs summed signed, + 0x10000 */
			vconst(c, X64_XMM0, 0x8000800080008000ull, 0x8000800080008000ull, X64_XMM2);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM1, X64_XMM0);
			vconst(c, X64_XMM0, 0x0001000100010001ull, 0x0001000100010001ull, X64_XMM2);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PMADDWD, X64_XMM0, X64_XMM1);
			vconst(c, X64_XMM1, 0x0001000000010000ull, 0x0001000000010000ull, X64_XMM2);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PADDD, X64_XMM0, X64_XMM1);
			break;
		}
		vput(c, JOP(D_A)->d, X64_XMM0);
		break;
	case VK_Q15MULR:        /* pmulhrsw gives 0x8000 for 0x8000 * 0x8000
	                           alone, where the lane saturates to 0x7fff */
		vget(c, X64_XMM0, JOP(D_AB)->a);
		vget(c, X64_XMM1, JOP(D_AB)->b);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PMULHRSW, X64_XMM0, X64_XMM1);
		vconst(c, X64_XMM1, 0x8000800080008000ull, 0x8000800080008000ull, X64_XMM2);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PCMPEQW, X64_XMM1, X64_XMM0);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PXOR, X64_XMM0, X64_XMM1);
		vput(c, JOP(D_AB)->d, X64_XMM0);
		break;
	case VK_I8_SHIFT:
		jc_ld(c, 4, X64_RCX, JOP(D_AB)->b);
		x64_alu_ri(JB, X64_ALU_AND, 4, X64_RCX, 7);
		vget(c, X64_XMM0, JOP(D_AB)->a);
		if (c->op == OP_V_I8X16_SHR_S) {
			/* each byte to the top of a word (the low byte is
			 * junk), psraw by k + 8, and back with packsswb: the
			 * words are in i8 range */
			x64_movaps_xx(JB, X64_XMM1, X64_XMM0);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PUNPCKLBW, X64_XMM1, X64_XMM0);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PUNPCKHBW, X64_XMM0, X64_XMM0);
			x64_lea(JB, 4, X64_RAX, x64_mem_b(X64_RCX, 8));
			x64_movd_xr(JB, 4, X64_XMM2, X64_RAX);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSRAW, X64_XMM1, X64_XMM2);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PSRAW, X64_XMM0, X64_XMM2);
			x64_sse_xx(JB, X64_PFX_66, X64_SSE_PACKSSWB, X64_XMM1, X64_XMM0);
			vput(c, JOP(D_AB)->d, X64_XMM1);
			break;
		}
		/* a 16-bit shift, then each byte masked with 0xff << k (0xff >> k) */
		x64_movd_xr(JB, 4, X64_XMM1, X64_RCX);
		x64_sse_xx(JB, X64_PFX_66, c->op == OP_V_I8X16_SHL ? X64_SSE_PSLLW : X64_SSE_PSRLW,
			X64_XMM0, X64_XMM1);
		x64_mov_ri(JB, 4, X64_RAX, 0xff);
		x64_shift_rcl(JB, c->op == OP_V_I8X16_SHL ? X64_SH_SHL : X64_SH_SHR, 4, X64_RAX);
		x64_movzx_rr(JB, 4, 1, X64_RAX, X64_RAX);
		splat64(c, 1);
		x64_movd_xr(JB, 8, X64_XMM1, X64_RAX);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PUNPCKLQDQ, X64_XMM1, X64_XMM1);
		x64_sse_xx(JB, X64_PFX_66, X64_SSE_PAND, X64_XMM0, X64_XMM1);
		vput(c, JOP(D_AB)->d, X64_XMM0);
		break;
	case VK_I64_GPR: {      /* both halves read before either is written:
	                           d may be a's or b's slots */
		uint32_t a = JOP(D_AB)->a, d = JOP(D_AB)->d;
		if (c->op == OP_V_I64X2_MUL) {
			x64_mov_rm(JB, 8, X64_RAX, JSLOT(a));
			x64_mov_rm(JB, 8, X64_RDX, JSLOT(a + 1));
			x64_imul_rm(JB, 8, X64_RAX, JSLOT(JOP(D_AB)->b));
			x64_imul_rm(JB, 8, X64_RDX, JSLOT(JOP(D_AB)->b + 1));
		} else if (c->op == OP_V_I64X2_SHR_S) {
			jc_ld(c, 4, X64_RCX, JOP(D_AB)->b);     /* sar masks cl to 63 */
			x64_mov_rm(JB, 8, X64_RAX, JSLOT(a));
			x64_mov_rm(JB, 8, X64_RDX, JSLOT(a + 1));
			x64_sar_rcl(JB, 8, X64_RAX);
			x64_sar_rcl(JB, 8, X64_RDX);
		} else if (c->op == OP_V_I64X2_ABS) {
			/* -x where it is not negative, else x (INT64_MIN stays) */
			for (int h = 0; h < 2; h++) {
				x64_gpr r = h ? X64_RDX : X64_RAX;
				x64_mov_rm(JB, 8, X64_RCX, JSLOT(a + (uint32_t)h));
				x64_mov_rr(JB, 8, r, X64_RCX);
				x64_neg_r(JB, 8, r);
				x64_cmovcc_rr(JB, X64_CC_S, 8, r, X64_RCX);
			}
		} else {        /* a compare: all ones where it holds */
			for (int h = 0; h < 2; h++) {
				x64_gpr r = h ? X64_RDX : X64_RAX;
				x64_mov_rm(JB, 8, X64_RCX, JSLOT(a + (uint32_t)h));
				x64_alu_rr(JB, X64_ALU_XOR, 4, r, r);
				x64_alu_rm(JB, X64_ALU_CMP, 8, X64_RCX, JSLOT(JOP(D_AB)->b + (uint32_t)h));
				x64_setcc_r(JB, (x64_cc)f->imm, r);
				x64_neg_r(JB, 8, r);
			}
		}
		vput_rr(c, d, X64_RAX, X64_RDX);
		break;
	}
	case VK_SEQ:
		emit_seq(c);
		break;
	case VK_FMINMAX: {
		/* minps/maxps both ways round: equal where neither is a NaN
		 * but for -0/+0, which or (min) or and (max) settles.  NaN
		 * lanes (cmpunord) take a + b's NaN instead: the lane rule's
		 * (a's quieted, else b's). */
		int p = f->pfx;
		vget(c, X64_XMM0, JOP(D_AB)->a);
		vget(c, X64_XMM1, JOP(D_AB)->b);
		x64_movaps_xx(JB, X64_XMM2, X64_XMM0);
		x64_sse_xx(JB, p, (x64_sse)f->op, X64_XMM2, X64_XMM1);
		x64_movaps_xx(JB, X64_XMM3, X64_XMM1);
		x64_sse_xx(JB, p, (x64_sse)f->op, X64_XMM3, X64_XMM0);
		x64_sse_xx(JB, p, f->op == X64_SSE_MIN ? X64_SSE_OR : X64_SSE_AND,
			X64_XMM2, X64_XMM3);
		x64_movaps_xx(JB, X64_XMM3, X64_XMM0);
		x64_sse_xxi(JB, p, X64_SSE_CMPP, X64_XMM3, X64_XMM1, X64_CMPP_UNORD);
		x64_sse_xx(JB, p, X64_SSE_ADD, X64_XMM0, X64_XMM1);
		x64_sse_xx(JB, p, X64_SSE_AND, X64_XMM0, X64_XMM3);
		x64_sse_xx(JB, p, X64_SSE_ANDN, X64_XMM3, X64_XMM2);
		x64_sse_xx(JB, p, X64_SSE_OR, X64_XMM0, X64_XMM3);
		vput(c, JOP(D_AB)->d, X64_XMM0);
		break;
	}
	case VK_NONE:
	default:
		jc_bail(c, "a SIMD op the baseline JIT does not compile");
		break;
	}
}
