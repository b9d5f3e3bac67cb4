/* jit_baseline_simd.c -- the baseline compiler's SIMD (v128) ops.
 *
 * A v128 lives in two consecutive frame slots, 16 bytes at [rbx + 8*s]
 * (unaligned: movdqu), never in a register between instructions.  The
 * family does not pop through the slot layer (JC_FAMILIES: pops false),
 * so every scalar operand a SIMD op reads is in memory or read with
 * jc_ld, and a v128 result written here clears the forwarding registers'
 * claim on its two slots (vput).  Functions whose frame holds a v128 pin
 * no locals (jc_translate), since their slot numbers are not local
 * indices.
 *
 * The code of every lane op is jit_simd_emit's (jit/jit_simd.c, shared
 * with tier 2): the operands are loaded into registers (v128s into xmm0,
 * xmm1, xmm2 in the order jit_simd_regs takes them; the scalar into rsi;
 * the address into rdi), the shared code runs with xmm3..xmm5 and rcx,
 * rax, rdx as its scratch registers (pin registers elsewhere, free here:
 * nothing is pinned), and the result goes back to its slots.  Only the
 * moves, select, globals and ENTER_V128 are this file's own.  What is
 * compiled is the table jit_simd_forms, one row per op; any other SIMD op
 * is refused by name (jc_op_refusal), so its function stays in the
 * interpreter.
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit_seq.h"
#include "jit/jit_simd.h"
#include "interp/ops.h"
#include "runtime/runtime.h"


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

/* ---- lane ops: the shared code over registers -------------------------------- */

/* [r15 + rdi + off] (rdi the address, zero-extended) */
static x64_mem vea(jc *c, uint32_t off)
{
	if (off <= INT32_MAX)
		return x64_mem_bi(X64_R15, X64_RDI, 1, (int32_t)off);
	x64_mov_ri(JB, 4, X64_R8, off);
	x64_add_rr(JB, 8, X64_RDI, X64_R8);
	return x64_mem_bi(X64_R15, X64_RDI, 1, 0);
}

static void emit_lane_op(jc *c)
{
	static const x64_xmm vx[3] = { X64_XMM0, X64_XMM1, X64_XMM2 };
	enum interp_op op = c->op;
	enum jit_simd_shape shape = jit_simd_shape(op);
	jit_simd_operands o;
	uint32_t access = UINT32_MAX;
	jit_simd_regs r = { .d = X64_XMM0, .a = X64_XMM0, .b = X64_XMM1, .c = X64_XMM2,
		.s = X64_RSI, .sd = X64_RSI, .xt = { X64_XMM3, X64_XMM4, X64_XMM5 },
		.gt = { X64_RCX, X64_RAX, X64_RDX }, .access = &access };
	if (!c->v128_frame || !jit_simd_operands_at(c->ip, op, &o)) {
		jc_bail(c, "a SIMD op the baseline JIT does not compile");
		return;
	}
	r.lane = o.lane;
	r.lo = o.lo;
	r.hi = o.hi;
	if (jit_simd_swapped(op)) {
		uint32_t t = o.v[0];
		o.v[0] = o.v[1];
		o.v[1] = t;
	}
	for (unsigned k = 0; k < jit_simd_nvec(op); k++)
		vget(c, vx[k], o.v[k]);
	if (o.s != UINT32_MAX)
		jc_ld(c, jit_simd_scalar_size(op), X64_RSI, o.s);
	if (o.addr != UINT32_MAX) {
		jc_ld(c, 4, X64_RDI, o.addr);
		r.m = vea(c, o.off);
	}
	jit_simd_emit(JB, op, &r);
	if (access != UINT32_MAX)
		jc_pc_at(c, access);
	if (shape == JS_S_V)
		jc_st(c, o.d, X64_RSI);
	else if (shape != JS_STORE)
		vput(c, o.d, X64_XMM0);
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
	case VK_NONE:
		jc_bail(c, "a SIMD op the baseline JIT does not compile");
		break;
	default:
		emit_lane_op(c);
		break;
	}
}
