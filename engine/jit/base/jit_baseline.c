/* jit_baseline.c -- the baseline compiler's driver: walking pre-decoded
 * code (its format is ops.h's), dispatching each instruction on its
 * family, labels, the prologue and epilogue, control flow and calls.  The
 * numeric ops are in jit_baseline_num.c, memory, globals and tables in
 * jit_baseline_mem.c, SIMD in jit_baseline_simd.c; register conventions in jit_baseline.h.
 *
 * One function is compiled in two passes over its pre-decoded code: the
 * first finds instruction boundaries and branch targets (each target gets
 * a label), the second emits x86-64 for each instruction in order.  Values
 * live in the frame slots between instructions, exactly as in the
 * interpreter, so at every label (and every LOOP, where OSR enters) the
 * machine state is the interpreter's state.  Trap checks branch to
 * out-of-line tails after the body that name the trap kind and the
 * instruction; instructions that may fault (loads and stores) are listed
 * in the function's PC map for the signal handler.
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit_seq.h"
#include "interp/ops.h"
#include "interp/ops_slow.h"
#include "runtime/tier_ops.h"

#include <pthread.h>
#include <stdlib.h>

#define EXF(field) ((int32_t)offsetof(exec, field))
#define VEC(k) x64_mem_b(X64_R12, -8 * (k))

/* ---- CPU features ----------------------------------------------------------- */

/* CPU features, asked once (cpuid is slow in a VM). */
static bool cpu_lzcnt, cpu_tzcnt, cpu_popcnt, cpu_sse41;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void cpu_probe(void)
{
	cpu_lzcnt = x64_cpu_has_lzcnt();
	cpu_tzcnt = x64_cpu_has_tzcnt();
	cpu_popcnt = x64_cpu_has_popcnt();
	cpu_sse41 = x64_cpu_has_sse41();
}

void jit_prime(void)
{
	pthread_once(&cpu_once, cpu_probe);
	(void)jit_rt_stack_limit();
}

/* ---- what the baseline compiles ------------------------------------------ */

#define JC_EMITTER_(fam, fn, pops) [OPFAM_##fam] = fn,
jc_emit_fn *const jc_emitters[OPFAM_COUNT_] = { JC_FAMILIES(JC_EMITTER_) };
#undef JC_EMITTER_

#define JC_POPS_(fam, fn, pops) [OPFAM_##fam] = pops,
static const bool family_pops[OPFAM_COUNT_] = { JC_FAMILIES(JC_POPS_) };
#undef JC_POPS_

static const struct {
	uint8_t how;            /* enum jc_how; 0 = JC_INLINE */
	const char *reason;
} op_exceptions[OP_COUNT_] = {
#define JC_EXCEPTION_(op, how, reason) [OP_##op] = { how, reason },
	JC_OP_EXCEPTIONS(JC_EXCEPTION_)
#undef JC_EXCEPTION_
};

enum jc_how jc_op_how(enum interp_op op)
{
	return (enum jc_how)op_exceptions[op].how;
}

/* Per SIMD op: why the baseline refuses it, naming it. */
static const char *const simd_refusals[OP_COUNT_] = {
#define JC_SIMD_WHY_(op, lay, fam, T, tr) \
	[OP_##op] = "SIMD op " #op " is not compiled by the baseline yet",
#define INTERP_OPS_X JC_SIMD_WHY_
	INTERP_OPS(JC_SIMD_WHY_)
#undef INTERP_OPS_X
#undef JC_SIMD_WHY_
};

const char *jc_op_refusal(enum interp_op op)
{
	if (op_infos[op].family == OPFAM_SIMD)
		return jc_simd_compiles(op) ? NULL : simd_refusals[op];
	return op_exceptions[op].how == JC_REFUSE ? op_exceptions[op].reason : NULL;
}

/* Whether op reads its slot operands through the slot layer and pops
 * them (see JC_FAMILIES): not what C helpers run, not COPY, not an op
 * that has no slot to read. */
static bool consumes(enum interp_op op)
{
	const op_layout_info *li = op_layout_of(op);
	uint32_t nread = 0;
	for (uint32_t i = 0; i < li->nslots; i++)
		nread += !(li->slot_writes >> i & 1);
	return family_pops[op_infos[op].family] && jc_op_how(op) == JC_INLINE &&
	       nread > 0;
}

/* ---- bookkeeping shared with the op files ---------------------------------- */

void jc_bail(jc *c, const char *reason)
{
	if (!c->bail)
		c->bail = reason;
}

static bool grow(void **p, uint32_t *cap, uint32_t n, size_t elem)
{
	if (n < *cap)
		return true;
	uint32_t ncap = *cap ? *cap * 2 : 64;
	void *np = realloc(*p, (size_t)ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

x64_label *jc_label_at(jc *c, uint32_t k)
{
	int64_t target = insn_branch_target(c->fc->code, c->off, k);
	if (target < 0 || target >= (int64_t)c->fc->code_len ||
	    c->lab_of[target] < 0) {
		jc_bail(c, "branch to an unknown target");
		c->dummy = x64_label_new();
		return &c->dummy;
	}
	return &c->labels[c->lab_of[target]];
}

/* jc_site as jit_seq.h's sequences ask for it */
static x64_label *jc_tail_at(jit_tails *t, enum jit_site_how how, uint32_t kind)
{
	jc *c = (jc *)(void *)((char *)t - offsetof(jc, tails));
	return jc_site(c, how, kind);
}

x64_label *jc_site(jc *c, enum jit_site_how how, uint32_t kind)
{
	if (!grow((void **)&c->sites, &c->cap_sites, c->nsites, sizeof *c->sites)) {
		c->oom = true;
		c->dummy = x64_label_new();
		return &c->dummy;
	}
	jit_site *s = &c->sites[c->nsites++];
	*s = (jit_site){ .l = x64_label_new(), .resume = x64_label_new(),
		.how = (uint8_t)how,
		.kind = kind, .off = c->off };
	return &s->l;
}

void jc_pc_here(jc *c)
{
	jc_pc_at(c, (uint32_t)x64_buf_len(JB));
}

void jc_pc_at(jc *c, uint32_t mach_off)
{
	if (!grow((void **)&c->pc, &c->cap_pc, c->npc, sizeof *c->pc)) {
		c->oom = true;
		return;
	}
	c->pc[c->npc][0] = mach_off;
	c->pc[c->npc][1] = c->off;
	c->npc++;
}

/* ---- slot access ------------------------------------------------------------ */

#define FWD_GPR X64_R11
#define FWD_XMM X64_XMM15
#define TMP_GPR X64_R10
#define TMP_XMM X64_XMM14

static int pin_gpr(const jc *c, uint32_t s)
{
	return s < c->nlocals && c->pin[s] >= 0 && c->pin[s] < JC_PIN_F64 ? c->pin[s] : -1;
}

static int pin_xmm(const jc *c, uint32_t s)
{
	return s < c->nlocals && c->pin[s] >= JC_PIN_F64 ? c->pin[s] & 15 : -1;
}

/* An f32 local pinned in an XMM register has junk above its low 32 bits. */
static bool pin_f32(const jc *c, uint32_t s)
{
	return s < c->nlocals && c->pin[s] >= JC_PIN_F32;
}

/* An operand slot the next instruction consumes (pops) or overwrites:
 * its value is dead after that, so it may live in the forwarding register
 * alone. */
static bool elidable(const jc *c, uint32_t s)
{
	if (s < c->nlocals)
		return false;
	for (uint32_t i = 0; i < c->nnext_slots; i++)
		if (c->next_slots[i] == s)
			return true;
	return false;
}

void jc_ld(jc *c, unsigned size, x64_gpr r, uint32_t s)
{
	int p;
	if ((p = pin_gpr(c, s)) >= 0)
		x64_mov_rr(JB, size, r, (x64_gpr)p);
	else if ((p = pin_xmm(c, s)) >= 0)
		x64_movd_rx(JB, pin_f32(c, s) ? 4 : size, r, (x64_xmm)p);
	else if (s == c->fwd_gpr)
		x64_mov_rr(JB, size, r, FWD_GPR);
	else if (s == c->fwd_xmm)
		x64_movd_rx(JB, size, r, FWD_XMM);
	else
		x64_mov_rm(JB, size, r, JSLOT(s));
}

void jc_st(jc *c, uint32_t s, x64_gpr r)
{
	int p;
	if (!elidable(c, s))
		x64_mov_mr(JB, 8, JSLOT(s), r);
	if (c->fwd_xmm == s)
		c->fwd_xmm = JC_NOSLOT;
	if ((p = pin_gpr(c, s)) >= 0) {
		x64_mov_rr(JB, 8, (x64_gpr)p, r);
	} else if ((p = pin_xmm(c, s)) >= 0) {
		x64_movd_xr(JB, 8, (x64_xmm)p, r);
	} else {
		x64_mov_rr(JB, 8, FWD_GPR, r);
		c->fwd_gpr = s;
	}
}

void jc_st_imm(jc *c, uint32_t s, int32_t imm)
{
	int p;
	if (elidable(c, s)) {
		x64_mov_ri(JB, 8, FWD_GPR, imm);
		c->fwd_gpr = s;
		if (c->fwd_xmm == s)
			c->fwd_xmm = JC_NOSLOT;
		return;
	}
	x64_mov_mi(JB, 8, JSLOT(s), imm);
	if (c->fwd_gpr == s)
		c->fwd_gpr = JC_NOSLOT;
	if (c->fwd_xmm == s)
		c->fwd_xmm = JC_NOSLOT;
	if ((p = pin_gpr(c, s)) >= 0) {
		x64_mov_ri(JB, 8, (x64_gpr)p, imm);
	} else if ((p = pin_xmm(c, s)) >= 0) {
		x64_mov_ri(JB, 8, TMP_GPR, imm);
		x64_movd_xr(JB, 8, (x64_xmm)p, TMP_GPR);
	}
}

void jc_fld(jc *c, unsigned size, x64_xmm x, uint32_t s)
{
	int p;
	if ((p = pin_xmm(c, s)) >= 0)
		x64_movaps_xx(JB, x, (x64_xmm)p);
	else if ((p = pin_gpr(c, s)) >= 0)
		x64_movd_xr(JB, size, x, (x64_gpr)p);
	else if (s == c->fwd_xmm)
		x64_movaps_xx(JB, x, FWD_XMM);
	else if (s == c->fwd_gpr)
		x64_movd_xr(JB, size, x, FWD_GPR);
	else if (size == 4)
		x64_movss_xm(JB, x, JSLOT(s));
	else
		x64_movsd_xm(JB, x, JSLOT(s));
}

void jc_fst(jc *c, unsigned size, uint32_t s, x64_xmm x)
{
	int p;
	if (size == 4) {
		x64_movd_rx(JB, 4, X64_RAX, x);
		jc_st(c, s, X64_RAX);
		return;
	}
	if (!elidable(c, s))
		x64_movsd_mx(JB, JSLOT(s), x);
	if (c->fwd_gpr == s)
		c->fwd_gpr = JC_NOSLOT;
	if ((p = pin_xmm(c, s)) >= 0) {
		x64_movaps_xx(JB, (x64_xmm)p, x);
	} else if ((p = pin_gpr(c, s)) >= 0) {
		x64_movd_rx(JB, 8, (x64_gpr)p, x);
	} else {
		x64_movaps_xx(JB, FWD_XMM, x);
		c->fwd_xmm = s;
	}
}

/* The slot in a GPR without loading it, or -1. */
static int src_gpr(const jc *c, uint32_t s)
{
	int p = pin_gpr(c, s);
	if (p >= 0)
		return p;
	return s == c->fwd_gpr ? FWD_GPR : -1;
}

void jc_alu_src(jc *c, x64_alu op, unsigned size, x64_gpr r, uint32_t s)
{
	int g = src_gpr(c, s);
	if (g < 0 && (pin_xmm(c, s) >= 0 || s == c->fwd_xmm)) {
		jc_ld(c, size, TMP_GPR, s);
		g = TMP_GPR;
	}
	if (g >= 0)
		x64_alu_rr(JB, op, size, r, (x64_gpr)g);
	else
		x64_alu_rm(JB, op, size, r, JSLOT(s));
}

void jc_imul_src(jc *c, unsigned size, x64_gpr r, uint32_t s)
{
	int g = src_gpr(c, s);
	if (g < 0 && (pin_xmm(c, s) >= 0 || s == c->fwd_xmm)) {
		jc_ld(c, size, TMP_GPR, s);
		g = TMP_GPR;
	}
	if (g >= 0)
		x64_imul_rr(JB, size, r, (x64_gpr)g);
	else
		x64_imul_rm(JB, size, r, JSLOT(s));
}

void jc_cmp_imm(jc *c, unsigned size, uint32_t s, int32_t imm)
{
	int g = src_gpr(c, s);
	if (g < 0 && (pin_xmm(c, s) >= 0 || s == c->fwd_xmm)) {
		jc_ld(c, size, TMP_GPR, s);
		g = TMP_GPR;
	}
	if (g >= 0)
		x64_cmp_ri(JB, size, (x64_gpr)g, imm);
	else
		x64_cmp_mi(JB, size, JSLOT(s), imm);
}

void jc_sse_src(jc *c, int pfx, x64_sse op, unsigned size, x64_xmm x,
	uint32_t s)
{
	int p = pin_xmm(c, s);
	if (p < 0 && s == c->fwd_xmm)
		p = FWD_XMM;
	if (p < 0 && (pin_gpr(c, s) >= 0 || s == c->fwd_gpr)) {
		jc_fld(c, size, TMP_XMM, s);
		p = TMP_XMM;
	}
	if (p >= 0)
		x64_sse_xx(JB, pfx, op, x, (x64_xmm)p);
	else
		x64_sse_xm(JB, pfx, op, x, JSLOT(s));
}

static void load_pins(jc *c, bool all)
{
	for (uint32_t i = 0; i < c->npinned; i++) {
		uint32_t s = c->pinned[i];
		int p;
		if ((p = pin_gpr(c, s)) >= 0) {
			if (all || p != X64_RBP)
				x64_mov_rm(JB, 8, (x64_gpr)p, JSLOT(s));
		} else if ((p = pin_xmm(c, s)) >= 0) {
			x64_movsd_xm(JB, (x64_xmm)p, JSLOT(s));
		}
	}
}

void jc_forget(jc *c, uint32_t s)
{
	if (c->fwd_gpr == s)
		c->fwd_gpr = JC_NOSLOT;
	if (c->fwd_xmm == s)
		c->fwd_xmm = JC_NOSLOT;
}

void jc_clobbered(jc *c, bool all)
{
	c->fwd_gpr = c->fwd_xmm = JC_NOSLOT;
	load_pins(c, all);
}

void jc_slow_op(jc *c, bool traps)
{
	jit_seq_slow_op(JB, c->ip, (uint32_t)c->op, 0, traps, &c->tails);
	/* it may have written a slot: reload every pinned local */
	jc_clobbered(c, true);
}

/* ---- choosing the locals to pin --------------------------------------------- */

/* Pin the most used locals, uses in loops counting more.  insn: the
 * instruction offsets (n of them); depth: their loop nesting. */
static bool choose_pins(jc *c, const uint32_t *insn, const uint8_t *depth,
	uint32_t n)
{
	static const x64_gpr gprs[] = { X64_RBP, X64_RSI, X64_RDI, X64_R8, X64_R9 };
	const wasm_module *m = c->m;
	const func_t *fn = &m->funcs[c->fidx];
	const functype *ft = &m->types[fn->type];
	uint32_t nl = c->nlocals;
	uint64_t *w = calloc(nl ? nl : 1, sizeof *w);
	c->pin = malloc(nl ? nl : 1);
	c->pinned = malloc((sizeof gprs / sizeof gprs[0] + 12) * sizeof *c->pinned);
	if (!w || !c->pin || !c->pinned) {
		free(w);
		return false;
	}
	memset(c->pin, -1, nl ? nl : 1);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *ip = c->fc->code + insn[i];
		uint32_t k = op_layout_of(insn_op(ip))->nslots;
		uint64_t weight = 1ull << (3 * (depth[i] < 6 ? depth[i] : 6));
		for (uint32_t j = 0; j < k; j++) {
			uint32_t sl = insn_slot(ip, j);
			if (sl < nl)
				w[sl] += weight;
		}
	}
	uint32_t ngpr = 0, nxmm = 0;
	while (!c->v128_frame) {
		uint32_t best = JC_NOSLOT;
		for (uint32_t s = 0; s < nl; s++) {
			if (w[s] < 2 || c->pin[s] >= 0)
				continue;
			uint8_t t = s < ft->nparams ? functype_params(ft)[s]
				: fn->local_types[s - ft->nparams];
			bool fl = t == WASM_F32 || t == WASM_F64;
			if (fl ? nxmm == 12 : ngpr == sizeof gprs / sizeof gprs[0])
				continue;
			if (best == JC_NOSLOT || w[s] > w[best])
				best = s;
		}
		if (best == JC_NOSLOT)
			break;
		uint8_t t = best < ft->nparams ? functype_params(ft)[best]
			: fn->local_types[best - ft->nparams];
		if (t == WASM_F32)
			c->pin[best] = (int8_t)(JC_PIN_F32 + X64_XMM2 + nxmm++);
		else if (t == WASM_F64)
			c->pin[best] = (int8_t)(JC_PIN_F64 + X64_XMM2 + nxmm++);
		else
			c->pin[best] = (int8_t)gprs[ngpr++];
		c->pinned[c->npinned++] = best;
	}
	free(w);
	return true;
}

/* ---- prologue, epilogue, interruption --------------------------------------- */

static void emit_epoch_check(jc *c)
{
	jit_seq_epoch(JB, X64_RAX, &c->tails);
}

static void emit_fuel(jc *c)
{
	jit_seq_fuel(JB, &c->tails);
}

/* The hotness budget (jit_hot_counts): sub dword [r12 + budget], 1;
 * jle tail; resume: -- before the entry's checks and a LOOP's, so that
 * code going up a tier there runs them (and charges fuel) once. */
static void emit_hot_check(jc *c, enum jit_site_how how)
{
	if (!c->hot)
		return;
	x64_sub_mi(JB, 4, x64_mem_b(X64_R12, jit_hot_disp(c->m, c->fidx)), 1);
	x64_jcc(JB, X64_CC_LE, jc_site(c, how, 0));
	if (!c->oom)
		x64_label_bind(JB, &c->sites[c->nsites - 1].resume);
}

/* The budget's tail: rax, rdx = tier_ops.hot(ex, inst, func, LOOP offset
 * or UINT32_MAX at the entry).  rax 0: back to the baseline code (after a
 * LOOP's call the pinned registers are reloaded).  Else, at the entry
 * (no native frame yet, the wasm frame as the caller made it): jmp rax,
 * the higher tier's entry; at a LOOP: leave this native frame as
 * emit_ret does and jmp rax, the higher tier's OSR prologue, with r9 =
 * rdx, its entry block for this loop. */
static void emit_hot_tail(jc *c, jit_site *s)
{
	bool entry = s->how == JS_HOT_ENTRY;
	x64_label up = x64_label_new();
	if (entry)
		x64_push_r(JB, X64_RBP);            /* rsp 16-aligned */
	x64_mov_rr(JB, 8, X64_RDI, X64_R14);
	x64_mov_rr(JB, 8, X64_RSI, X64_R13);
	x64_mov_ri(JB, 4, X64_RDX, c->fidx);
	x64_mov_ri(JB, 4, X64_RCX, entry ? UINT32_MAX : s->off);
	x64_call_m(JB, VEC(JV_HOT));
	if (entry)
		x64_pop_r(JB, X64_RBP);
	x64_test_rr(JB, 8, X64_RAX, X64_RAX);
	if (entry) {
		x64_jcc(JB, X64_CC_E, &s->resume);
		x64_jmp_r(JB, X64_RAX);
		return;
	}
	x64_jcc_short(JB, X64_CC_NE, &up);
	load_pins(c, true);
	x64_jmp(JB, &s->resume);
	x64_label_bind(JB, &up);
	x64_mov_rr(JB, 8, X64_R9, X64_RDX);
	jit_seq_frame_pop(JB);
	x64_pop_r(JB, X64_RBP);
	x64_jmp_r(JB, X64_RAX);
}

static void emit_enter(jc *c)
{
	uint32_t first = JOP(ENTER)->first, n = JOP(ENTER)->nzero;
	uint32_t frame = JOP(ENTER)->frame;
	emit_hot_check(c, JS_HOT_ENTRY);

	x64_push_r(JB, X64_RBP);                       /* rsp 16-aligned */
	jit_seq_entry_checks(JB, X64_RAX, frame, true, &c->tails);
	emit_epoch_check(c);
	if (c->op == OP_ENTER_FUEL || c->op == OP_ENTER_V128_FUEL)
		emit_fuel(c);
	/* declared locals are zero, then the pinned ones go to registers */
	if (n > 0 && n <= 8) {
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		for (uint32_t i = 0; i < n; i++)
			x64_mov_mr(JB, 8, JSLOT(first + i), X64_RAX);
	} else if (n > 8) {
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		x64_lea(JB, 8, X64_RDI, JSLOT(first));
		x64_mov_ri(JB, 4, X64_RCX, n);
		static const uint8_t rep_stosq[] = { 0xf3, 0x48, 0xab };
		x64_bytes(JB, rep_stosq, sizeof rep_stosq);
	}
	jc_clobbered(c, true);
}

static void emit_ret(jc *c)
{
	jit_seq_frame_pop(JB);
	x64_pop_r(JB, X64_RBP);
	x64_ret(JB);
}

/* ---- control flow and calls ------------------------------------------------- */

static void emit_br_table(jc *c)
{
	uint32_t i = JOP(BR_TABLE)->i, n = JOP(BR_TABLE)->n;
	x64_label table = x64_label_new();
	jc_ld(c, 4, X64_RAX, i);
	x64_mov_ri(JB, 4, X64_RCX, n);
	x64_cmp_rr(JB, 4, X64_RAX, X64_RCX);
	x64_cmovcc_rr(JB, X64_CC_A, 4, X64_RAX, X64_RCX);
	jit_seq_table_jump(JB, X64_RAX, X64_RCX, X64_RDX, &table);
	x64_label_bind(JB, &table);
	for (uint32_t k = 0; k <= n; k++)
		x64_label_rel32(JB, jc_label_at(c, k));
}

static void emit_call(jc *c)
{
	jit_seq_call(JB, JOP(CALL)->func, JOP(CALL)->base);
	jc_clobbered(c, false);
}

static void emit_call_import(jc *c)
{
	jit_seq_call_import(JB, JOP(CALL)->func, JOP(CALL)->base, &c->tails);
	jc_clobbered(c, false);
}

static void emit_call_indirect(jc *c)
{
	jc_ld(c, 4, X64_RCX, JOP(CALL_IND)->i);
	jit_seq_call_indirect(JB, JOP(CALL_IND)->table, JOP(CALL_IND)->type_id,
		JOP(CALL_IND)->base, &c->tails);
	jc_clobbered(c, false);
}

static void emit_trap_now(jc *c, uint32_t kind)
{
	jit_seq_trap_tail(JB, JS_TRAP, kind, c->fidx, c->off);
}

void jc_emit_call(jc *c)
{
	switch (c->op) {
	case OP_CALL: emit_call(c); break;
	case OP_CALL_IMPORT: emit_call_import(c); break;
	case OP_CALL_INDIRECT: emit_call_indirect(c); break;
	default: jc_bail(c, "a call the baseline JIT does not know"); break;
	}
}

static void emit_loop(jc *c)
{
	if (grow((void **)&c->loops, &c->cap_loops, c->nloops, sizeof *c->loops)) {
		c->loops[c->nloops][0] = c->off;
		c->loops[c->nloops][1] = (uint32_t)x64_buf_len(JB);
		c->nloops++;
	} else {
		c->oom = true;
	}
	emit_hot_check(c, JS_HOT_LOOP);
	emit_epoch_check(c);
	if (c->op == OP_LOOP_FUEL)
		emit_fuel(c);
}

void jc_emit_control(jc *c)
{
	switch (c->op) {
	case OP_UNREACHABLE:
		emit_trap_now(c, WASM_TRAP_UNREACHABLE);
		break;
	case OP_ENTER: case OP_ENTER_FUEL:
	case OP_ENTER_V128: case OP_ENTER_V128_FUEL:   /* via jc_emit_simd */
		if (c->off != 0)
			jc_bail(c, "ENTER inside a function");
		emit_enter(c);
		break;
	case OP_LOOP: case OP_LOOP_FUEL:
		emit_loop(c);
		break;
	case OP_BR:
		x64_jmp(JB, jc_label_at(c, 0));
		break;
	case OP_BR_IF: case OP_BR_UNLESS:
		/* the whole slot, as the interpreter: i64.eqz + br_if fuse
		 * into BR_UNLESS on the i64 */
		jc_cmp_imm(c, 8, JOP(BR_IF)->c, 0);
		x64_jcc(JB, c->op == OP_BR_IF ? X64_CC_NE : X64_CC_E, jc_label_at(c, 0));
		break;
	case OP_BR_TABLE:
		emit_br_table(c);
		break;
	case OP_RET:
		emit_ret(c);
		break;
	default:
		jc_bail(c, "a control instruction the baseline JIT does not know");
		break;
	}
}

/* The out-of-line tails and the OSR prologue. */
static uint32_t emit_tails(jc *c)
{
	for (uint32_t i = 0; i < c->nsites; i++) {
		jit_site *s = &c->sites[i];
		s->at = (uint32_t)x64_buf_len(JB);
		x64_label_bind(JB, &s->l);
		if (s->how == JS_HOT_ENTRY || s->how == JS_HOT_LOOP) {
			emit_hot_tail(c, s);
			continue;
		}
		jit_seq_trap_tail(JB, (enum jit_site_how)s->how, s->kind, c->fidx,
			s->off);
	}
	c->tails_end = (uint32_t)x64_buf_len(JB);
	/* OSR: same native frame as the prologue makes, then jmp r9 */
	x64_align(JB, 16);
	uint32_t osr = (uint32_t)x64_buf_len(JB);
	x64_push_r(JB, X64_RBP);
	jit_seq_frame_push(JB);
	x64_mov_rr(JB, 8, X64_RAX, X64_R9);    /* r9 may be a pinned register */
	load_pins(c, true);
	x64_jmp_r(JB, X64_RAX);
	return osr;
}

/* ---- the driver ----------------------------------------------------------- */


/* Length of the instruction at off, or 0 with c->bail set if there is no
 * whole instruction there (an unknown op, or one cut off by the end). */
static uint32_t insn_len_checked(jc *c, uint32_t off)
{
	const char *why;
	uint32_t len = insn_len_in(c->fc->code + off, c->fc->code_len - off, &why);
	if (!len)
		jc_bail(c, why);
	return len;
}

/* Pass 1: boundaries and branch targets (labels for them), loop depths,
 * the locals to pin. */
static bool scan(jc *c)
{
	const struct fcode *fc = c->fc;
	bool ok = false;
	uint32_t n = 0, nback = 0, cap_back = 0;
	uint32_t (*back)[2] = NULL;          /* (target offset, site index) */
	c->lab_of = malloc(((size_t)fc->code_len + 1) * sizeof *c->lab_of);
	/* instruction index + 1 at each instruction's offset, else 0 */
	uint32_t *index = calloc((size_t)fc->code_len + 1, sizeof *index);
	uint32_t *insn = malloc(((size_t)fc->code_len / op_layouts[OPL_NONE].len + 1)
		* sizeof *insn);     /* an instruction is a head at least */
	int32_t *ddepth = NULL;
	uint8_t *depth = NULL;
	if (!c->lab_of || !index || !insn) {
		c->oom = true;
		goto out;
	}
	for (uint32_t i = 0; i <= fc->code_len; i++)
		c->lab_of[i] = -1;
	for (uint32_t off = 0; off < fc->code_len;) {
		const uint8_t *ip = fc->code + off;
		uint32_t len = insn_len_checked(c, off);
		if (len == 0)
			goto out;
		index[off] = n + 1;
		insn[n++] = off;
		for (uint32_t k = 0, nb = insn_branch_count(ip); k < nb; k++) {
			int64_t t = insn_branch_target(fc->code, off, k);
			if (t < 0 || t >= fc->code_len) {
				jc_bail(c, "branch out of the function");
				goto out;
			}
			c->lab_of[t] = 0;   /* marked; numbered below */
			if (t <= off) {
				if (!grow((void **)&back, &cap_back, nback, sizeof *back)) {
					c->oom = true;
					goto out;
				}
				back[nback][0] = (uint32_t)t;
				back[nback][1] = n - 1;
				nback++;
			}
		}
		off += len;
	}
	for (uint32_t off = 0; off < fc->code_len; off++) {
		if (c->lab_of[off] < 0)
			continue;
		if (!index[off]) {
			jc_bail(c, "branch into an instruction");
			goto out;
		}
		c->lab_of[off] = (int32_t)c->nlabels++;
	}
	c->labels = malloc((c->nlabels ? c->nlabels : 1) * sizeof *c->labels);
	ddepth = calloc((size_t)n + 1, sizeof *ddepth);
	depth = malloc((size_t)n + 1);
	if (!c->labels || !ddepth || !depth) {
		c->oom = true;
		goto out;
	}
	for (uint32_t i = 0; i < c->nlabels; i++)
		c->labels[i] = x64_label_new();
	/* loop nesting: a backward branch covers [target, site] */
	for (uint32_t i = 0; i < nback; i++) {
		ddepth[index[back[i][0]] - 1]++;
		ddepth[back[i][1] + 1]--;
	}
	int32_t d = 0;
	for (uint32_t i = 0; i < n; i++) {
		d += ddepth[i];
		depth[i] = (uint8_t)(d < 0 ? 0 : d > 255 ? 255 : d);
	}
	if (!choose_pins(c, insn, depth, n)) {
		c->oom = true;
		goto out;
	}
	ok = true;
out:
	free(index);
	free(insn);
	free(back);
	free(ddepth);
	free(depth);
	return ok;
}

/* Pass 2, one instruction: the one at c->off, whose successor is at next. */
static void emit_insn(jc *c, uint32_t next)
{
	const struct fcode *fc = c->fc;
	int32_t lab = c->lab_of[c->off];

	if (c->listing) {
		if (grow((void **)&c->marks, &c->cap_marks, c->nmarks, sizeof *c->marks)) {
			c->marks[c->nmarks][0] = c->off;
			c->marks[c->nmarks][1] = (uint32_t)x64_buf_len(JB);
			c->nmarks++;
		} else {
			c->oom = true;
		}
	}
	if (lab >= 0)
		x64_label_bind(JB, &c->labels[lab]);
	/* where other paths join (labels, LOOPs: OSR enters there) the
	 * forwarded values are unknown */
	if (lab >= 0 || c->op == OP_LOOP || c->op == OP_LOOP_FUEL)
		c->fwd_gpr = c->fwd_xmm = JC_NOSLOT;
	c->nnext_slots = 0;
	if (next < fc->code_len && c->lab_of[next] < 0) {
		const uint8_t *nip = fc->code + next;
		if (consumes(insn_op(nip))) {
			c->nnext_slots = op_layout_of(insn_op(nip))->nslots;
			for (uint32_t k = 0; k < c->nnext_slots; k++)
				c->next_slots[k] = insn_slot(nip, k);
		}
	}
	const char *refusal = jc_op_refusal(c->op);
	jc_emit_fn *emit = jc_emitters[op_infos[c->op].family];
	if (refusal)
		jc_bail(c, refusal);
	else if (jc_op_how(c->op) == JC_SLOW)
		jc_slow_op(c, op_infos[c->op].traps != OPTR_NONE);
	else if (emit)
		emit(c);
	else
		jc_bail(c, "instruction not supported by the baseline JIT");
}

bool jc_translate(jc *c, wasm_module *m, uint32_t func_index,
	const struct fcode *fc, bool listing, uint32_t *osr_off)
{
	*c = (jc){ .m = m, .fc = fc, .fidx = func_index, .listing = listing,
		.fwd_gpr = JC_NOSLOT, .fwd_xmm = JC_NOSLOT, .tails = { jc_tail_at } };
	pthread_once(&cpu_once, cpu_probe);
	c->has_lzcnt = cpu_lzcnt;
	c->has_tzcnt = cpu_tzcnt;
	c->has_popcnt = cpu_popcnt;
	c->has_sse41 = cpu_sse41;
	c->hot = !listing && jit_hot_counts(m, func_index);
	c->nlocals = fc->nlocals;
	x64_buf_init(JB, 64 + (size_t)fc->code_len * 4);
	/* A frame holding a v128 (ENTER_V128): its slots are not local
	 * indices, which choose_pins reads them as, so nothing is pinned. */
	c->v128_frame = fc->code_len >= op_layouts[OPL_ENTER].len &&
		(insn_op(fc->code) == OP_ENTER_V128 ||
		 insn_op(fc->code) == OP_ENTER_V128_FUEL);
	if (!scan(c))
		return false;
	for (uint32_t off = 0; off < fc->code_len && !c->bail && !c->oom;) {
		c->ip = fc->code + off;
		c->off = off;
		c->op = insn_op(c->ip);
		off += insn_len(c->ip);
		emit_insn(c, off);
	}
	if (c->bail || c->oom)
		return false;
	*osr_off = emit_tails(c);
	if (x64_buf_err(JB) != X64_OK) {
		jc_bail(c, x64_err_name(x64_buf_err(JB)));
		return false;
	}
	return true;
}

void jc_free(jc *c)
{
	x64_buf_free(JB);
	free(c->lab_of);
	free(c->labels);
	free(c->pin);
	free(c->pinned);
	free(c->sites);
	free(c->pc);
	free(c->loops);
	free(c->marks);
}

bool jit_compile(wasm_module *m, uint32_t func_index)
{
	const struct fcode *fc = m->funcs[func_index].code;
	jc cc, *c = &cc;
	bool ok = false;
	uint32_t osr;
	uint64_t t0;

	const jit_func *cur = jit_func_get(m, func_index);
	/* again only to drop the budget check (jit_compile_quiet) */
	if (!fc || (cur && (cur->tier != WASM_TIER_BASELINE || !cur->counts ||
	    jit_hot_counts(m, func_index))))
		return fc != NULL;
	if (jit_func_refused(m, func_index))
		return false;
	t0 = tier_compile_clock_ns();   /* after the early returns: a syscall */
	if (!jit_module_get(m))
		return false;
	if (!jc_translate(c, m, func_index, fc, false, &osr))
		goto out;
	const jit_func *jf = jit_install(m, func_index, WASM_TIER_BASELINE, JB->code, x64_buf_len(JB),
		osr, c->pc, c->npc, c->loops, c->nloops, tier_compile_clock_ns() - t0,
		c->hot ? JIT_COUNTS : 0u);
	c->pc = NULL;
	c->loops = NULL;
	ok = jf != NULL;
out:
	if (!ok && c->bail)
		jit_refuse(m, func_index, c->bail);
	jc_free(c);
	return ok;
}

const jit_func *jit_compile_quiet(wasm_module *m, uint32_t func_index)
{
	const jit_func *jf = jit_func_get(m, func_index);
	if (!jf || jf->tier != WASM_TIER_BASELINE)
		return NULL;
	if (jf->counts && !jit_compile(m, func_index))
		return NULL;
	jf = jit_func_get(m, func_index);
	return jf && !jf->counts ? jf : NULL;
}
