/* jit_seq.c -- machine code sequences both JIT tiers emit (jit_seq.h). */
#include "jit/jit_seq.h"
#include "runtime/runtime.h"

#define EXF(field) ((int32_t)offsetof(exec, field))
#define VEC(k) x64_mem_b(X64_R12, -8 * (k))
#define TAIL(t, kind) ((t)->at((t), JS_TRAP, (kind)))

const x64_cc jit_cmp_cc[JIT_NCMP] = {
	X64_CC_E, X64_CC_NE, X64_CC_L, X64_CC_B, X64_CC_G,
	X64_CC_A, X64_CC_LE, X64_CC_BE, X64_CC_GE, X64_CC_AE,
};

void jit_seq_trap_tail(x64_buf *b, enum jit_site_how how, uint32_t kind,
	uint32_t func_index, uint32_t code_off)
{
	x64_label unwind = x64_label_new();
	switch (how) {
	case JS_TRAP:
		x64_mov_ri(b, 4, X64_RCX, kind);
		break;
	case JS_TRAP_EAX:
		x64_mov_rr(b, 4, X64_RCX, X64_RAX);
		break;
	case JS_CALL_FAIL:
		x64_cmp_ri(b, 4, X64_RAX, JIT_HOST_TRAP);
		x64_jcc_short(b, X64_CC_NE, &unwind);
		x64_alu_rr(b, X64_ALU_XOR, 4, X64_RCX, X64_RCX);
		break;
	case JS_HOT_ENTRY:
	case JS_HOT_LOOP:
		return;       /* not traps: the baseline's emit_hot_tail */
	}
	x64_mov_ri(b, 4, X64_RDX, func_index);
	x64_mov_ri(b, 4, X64_R8, code_off);
	x64_jmp_m(b, VEC(JV_TRAP));
	if (how == JS_CALL_FAIL) {
		x64_label_bind(b, &unwind);
		x64_jmp_m(b, VEC(JV_UNWIND));
	}
}

/* ---- entry, loops, return --------------------------------------------------- */

void jit_seq_entry_checks(x64_buf *b, x64_gpr scratch, uint32_t frame_slots,
	bool native, jit_tails *t)
{
	/* (one tail for the three: nothing is asked for in between) */
	x64_label *overflow = TAIL(t, WASM_TRAP_STACK_OVERFLOW);
	/* native stack: cmp rsp, [r14+jit_stack_limit]; jb overflow */
	if (native) {
		x64_cmp_rm(b, 8, X64_RSP, x64_mem_b(X64_R14, EXF(jit_stack_limit)));
		x64_jcc(b, X64_CC_B, overflow);
	}
	/* frame count: frame_top += one record unless at frames_end */
	x64_mov_rm(b, 8, scratch, x64_mem_b(X64_R14, EXF(frame_top)));
	x64_cmp_rm(b, 8, scratch, x64_mem_b(X64_R14, EXF(frames_end)));
	x64_jcc(b, X64_CC_AE, overflow);
	x64_add_ri(b, 8, scratch, JIT_FRAME_BYTES);
	x64_mov_mr(b, 8, x64_mem_b(X64_R14, EXF(frame_top)), scratch);
	/* value stack: fp + frame slots <= stack_end */
	x64_lea(b, 8, scratch, x64_mem_b(X64_RBX, (int32_t)(8 * frame_slots)));
	x64_cmp_rm(b, 8, scratch, x64_mem_b(X64_R14, EXF(stack_end)));
	x64_jcc(b, X64_CC_A, overflow);
}

void jit_seq_epoch(x64_buf *b, x64_gpr scratch, jit_tails *t)
{
	jit_seq_epoch_with(b, X64_NOREG, X64_NOREG, scratch, t);
}

void jit_seq_epoch_in(x64_buf *b, enum jit_epoch_in what, x64_gpr r)
{
	x64_mov_rm(b, 8, r, x64_mem_b(X64_R14, what == JIT_EPOCH_ADDR ? EXF(epoch) :
		EXF(deadline)));
}

void jit_seq_epoch_with(x64_buf *b, x64_gpr addr, x64_gpr dl, x64_gpr scratch,
	jit_tails *t)
{
	if (addr == X64_NOREG) {
		jit_seq_epoch_in(b, JIT_EPOCH_ADDR, scratch);
		addr = scratch;
	}
	if (dl != X64_NOREG) {
		/* cmp dl, [addr]; jbe timeout: the deadline at or below the epoch */
		x64_cmp_rm(b, 8, dl, x64_mem_b(addr, 0));
		x64_jcc(b, X64_CC_BE, TAIL(t, WASM_TRAP_TIMEOUT));
		return;
	}
	/* mov s, [addr]; cmp s, [r14+deadline]; jae timeout */
	x64_mov_rm(b, 8, scratch, x64_mem_b(addr, 0));
	x64_cmp_rm(b, 8, scratch, x64_mem_b(X64_R14, EXF(deadline)));
	x64_jcc(b, X64_CC_AE, TAIL(t, WASM_TRAP_TIMEOUT));
}

void jit_seq_fuel(x64_buf *b, jit_tails *t)
{
	x64_cmp_mi(b, 8, x64_mem_b(X64_R14, EXF(fuel)), 0);
	x64_jcc(b, X64_CC_E, TAIL(t, WASM_TRAP_OUT_OF_FUEL));
	x64_sub_mi(b, 8, x64_mem_b(X64_R14, EXF(fuel)), 1);
}

void jit_seq_frame_pop(x64_buf *b)
{
	x64_sub_mi(b, 8, x64_mem_b(X64_R14, EXF(frame_top)), JIT_FRAME_BYTES);
}

void jit_seq_frame_push(x64_buf *b)
{
	x64_add_mi(b, 8, x64_mem_b(X64_R14, EXF(frame_top)), JIT_FRAME_BYTES);
}

/* ---- integers ----------------------------------------------------------------- */

void jit_seq_divrem(x64_buf *b, unsigned size, bool is_signed, bool rem,
	x64_gpr divisor, jit_tails *t)
{
	x64_label ok = x64_label_new(), done = x64_label_new();
	x64_test_rr(b, size, divisor, divisor);
	x64_jcc(b, X64_CC_E, TAIL(t, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO));
	if (!is_signed) {
		x64_alu_rr(b, X64_ALU_XOR, 4, X64_RDX, X64_RDX);
		x64_div_r(b, size, divisor);
		return;
	}
	x64_cmp_ri(b, size, divisor, -1);
	x64_jcc_short(b, X64_CC_NE, &ok);
	if (rem) {
		/* x % -1 = 0 (idiv would fault on MIN % -1) */
		x64_alu_rr(b, X64_ALU_XOR, 4, X64_RDX, X64_RDX);
		x64_jmp_short(b, &done);
	} else {
		/* MIN / -1 overflows; anything else is -a */
		if (size == 4) {
			x64_cmp_ri(b, 4, X64_RAX, INT32_MIN);
		} else {
			x64_movabs_ri(b, X64_RDX, INT64_MIN);
			x64_cmp_rr(b, 8, X64_RAX, X64_RDX);
		}
		x64_jcc(b, X64_CC_E, TAIL(t, WASM_TRAP_INTEGER_OVERFLOW));
	}
	x64_label_bind(b, &ok);
	if (size == 4)
		x64_cdq(b);
	else
		x64_cqo(b);
	x64_idiv_r(b, size, divisor);
	x64_label_bind(b, &done);
}

/* ---- floats --------------------------------------------------------------------- */

static void ucomi(x64_buf *b, unsigned size, x64_xmm x, x64_xmm y)
{
	if (size == 4)
		x64_ucomiss_xx(b, x, y);
	else
		x64_ucomisd_xx(b, x, y);
}

void jit_seq_fminmax(x64_buf *b, unsigned size, bool is_max, x64_xmm xd,
	x64_xmm xs)
{
	x64_label nan = x64_label_new(), normal = x64_label_new();
	x64_label done = x64_label_new();
	int pfx = size == 4 ? X64_PFX_F3 : X64_PFX_F2;
	int ppfx = size == 4 ? X64_PFX_NONE : X64_PFX_66;
	ucomi(b, size, xd, xs);
	x64_jcc_short(b, X64_CC_P, &nan);
	x64_jcc_short(b, X64_CC_NE, &normal);
	/* equal: the sign bits decide (+0 vs -0) */
	x64_sse_xx(b, ppfx, is_max ? X64_SSE_AND : X64_SSE_OR, xd, xs);
	x64_jmp_short(b, &done);
	x64_label_bind(b, &normal);
	x64_sse_xx(b, pfx, is_max ? X64_SSE_MAX : X64_SSE_MIN, xd, xs);
	x64_jmp_short(b, &done);
	x64_label_bind(b, &nan);
	x64_sse_xx(b, pfx, X64_SSE_ADD, xd, xs);
	x64_label_bind(b, &done);
}

bool jit_fcmp_flags(enum jit_fcmp op, bool *swap, x64_cc *cc)
{
	/* ucomi sets CF and ZF as an unsigned compare, all three (PF too)
	 * when unordered: a > b is "above" (false for NaN); a < b is b > a */
	*swap = op == JIT_FLT || op == JIT_FLE;
	*cc = op == JIT_FLT || op == JIT_FGT ? X64_CC_A : X64_CC_AE;
	return op != JIT_FEQ && op != JIT_FNE;
}

void jit_seq_fcmp(x64_buf *b, unsigned size, enum jit_fcmp op, x64_gpr rd,
	x64_xmm xa, x64_xmm xb, x64_gpr tmp)
{
	bool swap;
	x64_cc cc;
	if (jit_fcmp_flags(op, &swap, &cc)) {
		x64_setcc_r(b, jit_seq_fflags(b, size, op, xa, xb), rd);
		x64_movzx_rr(b, 4, 1, rd, rd);
		return;
	}
	/* equal: ZF and not PF; not equal: not ZF, or PF */
	ucomi(b, size, xa, xb);
	x64_setcc_r(b, op == JIT_FEQ ? X64_CC_E : X64_CC_NE, rd);
	x64_setcc_r(b, op == JIT_FEQ ? X64_CC_NP : X64_CC_P, tmp);
	x64_movzx_rr(b, 4, 1, rd, rd);
	x64_movzx_rr(b, 4, 1, tmp, tmp);
	x64_alu_rr(b, op == JIT_FEQ ? X64_ALU_AND : X64_ALU_OR, 4, rd, tmp);
}

x64_cc jit_seq_fflags(x64_buf *b, unsigned size, enum jit_fcmp op, x64_xmm xa,
	x64_xmm xb)
{
	bool swap;
	x64_cc cc;
	(void)jit_fcmp_flags(op, &swap, &cc);
	ucomi(b, size, swap ? xb : xa, swap ? xa : xb);
	return cc;
}

void jit_seq_fconst(x64_buf *b, unsigned size, x64_xmm xd, x64_gpr tmp,
	uint64_t bits)
{
	if (bits == 0) {
		x64_xorps_xx(b, xd, xd);
		return;
	}
	x64_mov_ri(b, 8, tmp, (int64_t)bits);
	x64_movd_xr(b, size, xd, tmp);
}

/* cvttss2si/cvttsd2si r, x (to_int) or cvtsi2ss/cvtsi2sd x, r, the
 * integer isize bytes. */
static void cvt(x64_buf *b, bool to_int, unsigned fsize, unsigned isize,
	x64_gpr r, x64_xmm x)
{
	if (to_int && fsize == 4)
		x64_cvttss2si_rx(b, isize, r, x);
	else if (to_int)
		x64_cvttsd2si_rx(b, isize, r, x);
	else if (fsize == 4)
		x64_cvtsi2ss_xr(b, isize, x, r);
	else
		x64_cvtsi2sd_xr(b, isize, x, r);
}

/* u64 from a float, both truncations: below 2^63 (NaN too) the signed
 * 64-bit form; at or above, xs - 2^63 converted and the top bit set.  Of
 * a value in range (the trapping truncation's bounds were checked) that
 * is all; saturating (sat), a negative answer of the signed form (the
 * indefinite integer 2^63 for NaN and -inf, -1 or less) becomes 0 and
 * the indefinite integer of the high form (2^64 or more) all ones.
 * Clobbers xs, xtmp, tmp. */
static void trunc_u64(x64_buf *b, unsigned fsize, bool sat, x64_gpr rd,
	x64_xmm xs, x64_xmm xtmp, x64_gpr tmp)
{
	x64_label big = x64_label_new(), done = x64_label_new();
	jit_seq_fconst(b, fsize, xtmp, tmp, fsize == 4 ? 0x5f000000u
		: 0x43e0000000000000ull);
	ucomi(b, fsize, xs, xtmp);
	x64_jcc_short(b, X64_CC_AE, &big);      /* (NaN: CF set, not taken) */
	cvt(b, true, fsize, 8, rd, xs);
	if (sat) {
		x64_alu_rr(b, X64_ALU_XOR, 4, tmp, tmp);
		x64_test_rr(b, 8, rd, rd);
		x64_cmovcc_rr(b, X64_CC_S, 8, rd, tmp);
	}
	x64_jmp_short(b, &done);
	x64_label_bind(b, &big);
	x64_sse_xx(b, fsize == 4 ? X64_PFX_F3 : X64_PFX_F2, X64_SSE_SUB, xs, xtmp);
	cvt(b, true, fsize, 8, rd, xs);
	if (sat) {
		/* rd |= rd >> 63 (arithmetic): 2^63, the overflow, -> all ones */
		x64_mov_rr(b, 8, tmp, rd);
		x64_shift_ri(b, X64_SH_SAR, 8, tmp, 63);
		x64_alu_rr(b, X64_ALU_OR, 8, rd, tmp);
	}
	x64_movabs_ri(b, tmp, INT64_MIN);
	x64_alu_rr(b, X64_ALU_OR, 8, rd, tmp);
	x64_label_bind(b, &done);
}

void jit_seq_trunc(x64_buf *b, unsigned fsize, unsigned isize,
	bool is_signed, uint64_t lo_bits, uint64_t hi_bits, x64_gpr rd,
	x64_xmm xs, x64_xmm xtmp, x64_gpr tmp, jit_tails *t)
{
	ucomi(b, fsize, xs, xs);
	x64_jcc(b, X64_CC_P, TAIL(t, WASM_TRAP_INVALID_CONVERSION));
	/* (one tail for both bounds: nothing is asked for in between) */
	x64_label *overflow = TAIL(t, WASM_TRAP_INTEGER_OVERFLOW);
	jit_seq_fconst(b, fsize, xtmp, tmp, lo_bits);
	ucomi(b, fsize, xs, xtmp);                      /* a > lo ? */
	x64_jcc(b, X64_CC_BE, overflow);
	jit_seq_fconst(b, fsize, xtmp, tmp, hi_bits);
	ucomi(b, fsize, xtmp, xs);                      /* hi > a ? */
	x64_jcc(b, X64_CC_BE, overflow);
	if (is_signed || isize == 4) {
		/* s32 and s64 convert directly; u32 via the 64-bit form */
		cvt(b, true, fsize, is_signed ? isize : 8, rd, xs);
		if (isize == 4)
			x64_mov_rr(b, 4, rd, rd);
		return;
	}
	trunc_u64(b, fsize, false, rd, xs, xtmp, tmp);
}

void jit_seq_trunc_sat(x64_buf *b, unsigned fsize, unsigned isize,
	bool is_signed, x64_gpr rd, x64_xmm xs, x64_xmm xtmp, x64_gpr tmp)
{
	x64_label done = x64_label_new(), nan = x64_label_new();
	if (!is_signed && isize == 8) {
		trunc_u64(b, fsize, true, rd, xs, xtmp, tmp);
		return;
	}
	if (is_signed) {
		/* cvtt* answers the indefinite integer, the minimum, for NaN
		 * and out of range: only when rd - 1 overflows is there more
		 * to do.  Then NaN is 0, a positive xs (2^31 or 2^63 or more)
		 * the maximum, minimum - 1, and a negative one the minimum. */
		cvt(b, true, fsize, isize, rd, xs);
		x64_cmp_ri(b, isize, rd, 1);
		x64_jcc_short(b, X64_CC_NO, &done);
		x64_xorps_xx(b, xtmp, xtmp);
		ucomi(b, fsize, xs, xtmp);
		x64_jcc_short(b, X64_CC_P, &nan);
		x64_jcc_short(b, X64_CC_B, &done);
		x64_alu_ri(b, X64_ALU_SUB, isize, rd, 1);
		x64_jmp_short(b, &done);
		x64_label_bind(b, &nan);
		x64_alu_rr(b, X64_ALU_XOR, 4, rd, rd);
		x64_label_bind(b, &done);
		return;
	}
	/* u32: the 64-bit form is exact on (-1, 2^32), where the upper half
	 * is 0; else (NaN, -1 or less, 2^32 or more: the upper half not 0)
	 * NaN and negatives are 0, positives 2^32 - 1 (0 - 1 in 32 bits). */
	cvt(b, true, fsize, 8, rd, xs);
	x64_mov_rr(b, 8, tmp, rd);
	x64_shift_ri(b, X64_SH_SHR, 8, tmp, 32);
	x64_jcc_short(b, X64_CC_E, &done);
	x64_alu_rr(b, X64_ALU_XOR, 4, rd, rd);
	x64_xorps_xx(b, xtmp, xtmp);
	ucomi(b, fsize, xs, xtmp);
	x64_jcc_short(b, X64_CC_BE, &done);     /* NaN: ZF and CF set */
	x64_alu_ri(b, X64_ALU_SUB, 4, rd, 1);
	x64_label_bind(b, &done);
}

void jit_seq_convert(x64_buf *b, unsigned fsize, unsigned isize,
	bool is_signed, x64_xmm xd, x64_gpr rs, x64_gpr tmp)
{
	/* (xorps breaks cvtsi2s*'s dependency on xd's old value) */
	x64_xorps_xx(b, xd, xd);
	if (isize == 4) {
		/* s32 directly; u32 zero-extended, as a (positive) s64 */
		cvt(b, false, fsize, is_signed ? 4 : 8, rs, xd);
		return;
	}
	if (is_signed) {
		cvt(b, false, fsize, 8, rs, xd);
		return;
	}
	/* u64: top bit clear -> as s64; else halve keeping the low bit
	 * (round to odd), convert, double */
	x64_label big = x64_label_new(), done = x64_label_new();
	x64_test_rr(b, 8, rs, rs);
	x64_jcc_short(b, X64_CC_S, &big);
	cvt(b, false, fsize, 8, rs, xd);
	x64_jmp_short(b, &done);
	x64_label_bind(b, &big);
	x64_mov_rr(b, 8, tmp, rs);
	x64_shift_ri(b, X64_SH_SHR, 8, tmp, 1);
	x64_alu_ri(b, X64_ALU_AND, 4, rs, 1);
	x64_alu_rr(b, X64_ALU_OR, 8, tmp, rs);
	cvt(b, false, fsize, 8, tmp, xd);
	x64_sse_xx(b, fsize == 4 ? X64_PFX_F3 : X64_PFX_F2, X64_SSE_ADD, xd, xd);
	x64_label_bind(b, &done);
}

/* ---- calls ---------------------------------------------------------------------- */

/* rbx moves to the callee's frame around a call. */
static void frame_shift(x64_buf *b, uint32_t base, bool back)
{
	if (base)
		x64_lea(b, 8, X64_RBX, x64_mem_b(X64_RBX,
			back ? -(int32_t)(8 * base) : (int32_t)(8 * base)));
}

void jit_seq_call(x64_buf *b, uint32_t func, uint32_t base)
{
	x64_mov_ri(b, 4, X64_RAX, func);
	frame_shift(b, base, false);
	x64_call_m(b, x64_mem_b(X64_R12, (int32_t)(8 * func)));
	frame_shift(b, base, true);
}

/* A call helper (JV_CALL_IMPORT, JV_CALL_FUNC: ex, inst, rdx as set, the
 * slots from base); a status other than 0 to call_fail. */
static void call_helper(x64_buf *b, enum jit_vec helper, uint32_t base,
	jit_tails *t)
{
	x64_mov_rr(b, 8, X64_RDI, X64_R14);
	x64_mov_rr(b, 8, X64_RSI, X64_R13);
	x64_lea(b, 8, X64_RCX, x64_mem_b(X64_RBX, (int32_t)(8 * base)));
	x64_call_m(b, VEC(helper));
	x64_test_rr(b, 4, X64_RAX, X64_RAX);
	x64_jcc(b, X64_CC_NE, t->at(t, JS_CALL_FAIL, 0));
}

void jit_seq_call_import(x64_buf *b, uint32_t func, uint32_t base,
	jit_tails *t)
{
	x64_mov_ri(b, 4, X64_RDX, func);
	call_helper(b, JV_CALL_IMPORT, base, t);
}

void jit_seq_call_indirect(x64_buf *b, uint32_t table, uint32_t type_id,
	uint32_t base, jit_tails *t)
{
	x64_label slow = x64_label_new(), done = x64_label_new();
	x64_mov_rm(b, 8, X64_RAX, x64_mem_b(X64_R13, offsetof(wasm_instance, tables)));
	x64_mov_rm(b, 8, X64_RAX, x64_mem_b(X64_RAX, (int32_t)(8 * table)));
	x64_cmp_rm(b, 4, X64_RCX, x64_mem_b(X64_RAX, offsetof(wasm_table, size)));
	x64_jcc(b, X64_CC_AE, TAIL(t, WASM_TRAP_OUT_OF_BOUNDS_TABLE));
	x64_mov_rm(b, 8, X64_RAX, x64_mem_b(X64_RAX, offsetof(wasm_table, elems)));
	x64_mov_rm(b, 8, X64_RDX, x64_mem_bi(X64_RAX, X64_RCX, 8, 0));
	x64_test_rr(b, 8, X64_RDX, X64_RDX);
	x64_jcc(b, X64_CC_E, TAIL(t, WASM_TRAP_UNINITIALIZED_ELEMENT));
	x64_cmp_mi(b, 4, x64_mem_b(X64_RDX, offsetof(wasm_func, type_id)), (int32_t)type_id);
	x64_jcc(b, X64_CC_NE, TAIL(t, WASM_TRAP_INDIRECT_CALL_TYPE_MISMATCH));
	/* same instance: a native call through the vector */
	x64_cmp_mr(b, 8, x64_mem_b(X64_RDX, offsetof(wasm_func, inst)), X64_R13);
	x64_jcc(b, X64_CC_NE, &slow);
	x64_mov_rm(b, 4, X64_RAX, x64_mem_b(X64_RDX, offsetof(wasm_func, index)));
	frame_shift(b, base, false);
	x64_call_m(b, x64_mem_bi(X64_R12, X64_RAX, 8, 0));
	frame_shift(b, base, true);
	x64_jmp(b, &done);
	/* another instance or a host function (rdx): through C */
	x64_label_bind(b, &slow);
	call_helper(b, JV_CALL_FUNC, base, t);
	x64_label_bind(b, &done);
}

void jit_seq_slow_op(x64_buf *b, const uint8_t *ip, uint32_t op, uint32_t base,
	bool traps, jit_tails *t)
{
	x64_mov_rr(b, 8, X64_RDI, X64_R13);
	if (base)
		x64_lea(b, 8, X64_RSI, x64_mem_b(X64_RBX, (int32_t)(8 * base)));
	else
		x64_mov_rr(b, 8, X64_RSI, X64_RBX);
	x64_mov_ri(b, 8, X64_RDX, (int64_t)(uintptr_t)ip);
	x64_mov_ri(b, 4, X64_RCX, op);
	x64_call_m(b, VEC(JV_SLOW_OP));
	if (traps) {
		x64_test_rr(b, 4, X64_RAX, X64_RAX);
		x64_jcc(b, X64_CC_NE, t->at(t, JS_TRAP_EAX, 0));
	}
}

void jit_seq_inst_elem(x64_buf *b, int32_t field, uint32_t index, x64_gpr r)
{
	x64_mov_rm(b, 8, r, x64_mem_b(X64_R13, field));
	x64_mov_rm(b, 8, r, x64_mem_b(r, (int32_t)(8 * index)));
}

void jit_seq_memory_size(x64_buf *b, x64_gpr r)
{
	x64_mov_rm(b, 8, r, x64_mem_b(X64_R13, offsetof(wasm_instance, memory)));
	x64_mov_rm(b, 4, r, x64_mem_b(r, offsetof(wasm_memory, pages)));
}

void jit_seq_drop(x64_buf *b, int32_t field, uint32_t seg, x64_gpr scratch)
{
	x64_mov_rm(b, 8, scratch, x64_mem_b(X64_R13, field));
	x64_mov_mi(b, 1, x64_mem_b(scratch, (int32_t)seg), 1);
}

void jit_seq_table_jump(x64_buf *b, x64_gpr idx, x64_gpr t1, x64_gpr t2,
	x64_label *table)
{
	x64_lea_label(b, t1, table);
	x64_lea(b, 8, t2, x64_mem_bi(t1, idx, 4, 4));   /* the entry's end */
	x64_movsxd_rm(b, idx, x64_mem_bi(t1, idx, 4, 0));
	x64_add_rr(b, 8, idx, t2);
	x64_jmp_r(b, idx);
}
