/* emit.c -- tier 2's emission: allocated MIR -> x86-64 through the shared
 * encoder (engine/x64/x64_asm.h).
 *
 * Layout: prologue (push rbp; sub rsp, spill area), the blocks in order
 * (a jump to the next block is left out; a conditional branch whose taken
 * side is next is inverted), the out-of-line trap tails, then the OSR
 * prologue (the same native frame, then jmp r9: to a loop header's OSR
 * entry block, which loads the header's live slots from the frame).  The
 * native frame is the spill area: rsp stays 16-aligned at calls.
 *
 * Operands: a virtual register in a GPR is used in place; a spilled one is
 * loaded into r10 or r11 before the instruction and, if written, stored
 * back after it (8 bytes).  Parallel moves are sequenced so that no
 * source is overwritten before it is read; a cycle is broken through r11
 * (r10 carries memory-to-memory moves).
 *
 * Traps: as the baseline's (jit_baseline.c): each check jumps to a tail
 * that loads ecx = kind, edx = function, r8d = pre-decoded offset and
 * jumps to the module's trap stub ([r12 - 8*JV_TRAP]).  Every load and
 * store gets a PC map entry (its machine offset, its pre-decoded offset)
 * for the fault handler.
 */
#include "jit/opt/mir.h"
#include "jit/base/jit_baseline.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

#define EXF(field) ((int32_t)offsetof(exec, field))
#define VEC(k) x64_mem_b(X64_R12, -8 * (k))

typedef struct {
	x64_label l;
	uint32_t kind, site;
} tail;

typedef struct {
	x64_buf b;
	const mir_func *mf;
	x64_label *labels;
	tail *tails;
	uint32_t ntails, cap_tails;
	uint32_t (*pc)[2];
	uint32_t npc, cap_pc;
	int32_t frame;          /* bytes below the saved rbp */
	uint32_t cur;           /* block being emitted */
	uint32_t (*loops)[2];   /* usable OSR entries: (LOOP offset, machine
	                           offset) */
	uint32_t nloops, cap_loops;
	bool oom;
} em;

#define B (&c->b)

/* ecx = kind, edx = function, r8d = pre-decoded offset; jmp to the
 * module's trap stub (the baseline's tails do the same, emit_tails). */
static void trap_jump(em *c, uint32_t kind, uint32_t site)
{
	x64_mov_ri(B, 4, X64_RCX, kind);
	x64_mov_ri(B, 4, X64_RDX, c->mf->func_index);
	x64_mov_ri(B, 4, X64_R8, site);
	x64_jmp_m(B, VEC(JV_TRAP));
}

static x64_label *trap_tail(em *c, uint32_t kind, uint32_t site)
{
	static x64_label dummy;
	if (!ir_grow((void **)&c->tails, &c->cap_tails, c->ntails + 1, sizeof *c->tails)) {
		c->oom = true;
		dummy = x64_label_new();
		return &dummy;
	}
	tail *t = &c->tails[c->ntails++];
	t->l = x64_label_new();
	t->kind = kind;
	t->site = site;
	return &t->l;
}

static void pc_here(em *c, uint32_t site)
{
	if (!ir_grow((void **)&c->pc, &c->cap_pc, c->npc + 1, sizeof *c->pc)) {
		c->oom = true;
		return;
	}
	c->pc[c->npc][0] = (uint32_t)x64_buf_len(B);
	c->pc[c->npc][1] = site;
	c->npc++;
}

static x64_mem spill_mem(const em *c, mir_reg v)
{
	return x64_mem_b(X64_RSP, 8 * c->mf->spill[v]);
}

/* Where v is: a GPR, or -1 (spilled). */
static int where(const em *c, mir_reg v)
{
	if (MIR_IS_PHYS(v))
		return MIR_GPR(v);
	return c->mf->reg[v];
}

/* ---- parallel moves --------------------------------------------------------- */

/* A location: 0..15 a GPR, 16 + k spill slot k. */
typedef struct {
	int dst, src;           /* src -1: the immediate */
	int64_t imm;
} pmove;

static int loc_of(const em *c, mir_reg v)
{
	int g = where(c, v);
	return g >= 0 ? g : 16 + c->mf->spill[v];
}

static x64_mem loc_mem(int loc)
{
	return x64_mem_b(X64_RSP, 8 * (loc - 16));
}

static void move_one(em *c, int dst, int src, int64_t imm)
{
	if (src < 0) {
		if (dst < 16)
			x64_mov_ri(B, 8, (x64_gpr)dst, imm);
		else if (imm >= INT32_MIN && imm <= INT32_MAX)
			x64_mov_mi(B, 8, loc_mem(dst), (int32_t)imm);
		else {
			x64_mov_ri(B, 8, X64_R10, imm);
			x64_mov_mr(B, 8, loc_mem(dst), X64_R10);
		}
	} else if (dst < 16 && src < 16) {
		x64_mov_rr(B, 8, (x64_gpr)dst, (x64_gpr)src);
	} else if (dst < 16) {
		x64_mov_rm(B, 8, (x64_gpr)dst, loc_mem(src));
	} else if (src < 16) {
		x64_mov_mr(B, 8, loc_mem(dst), (x64_gpr)src);
	} else {
		x64_mov_rm(B, 8, X64_R10, loc_mem(src));
		x64_mov_mr(B, 8, loc_mem(dst), X64_R10);
	}
}

static void emit_pmov(em *c, const mir_insn *i)
{
	uint32_t n = 0;
	pmove *mv = malloc((i->aux ? i->aux : 1) * sizeof *mv);
	if (!mv) {
		c->oom = true;
		return;
	}
	for (uint32_t k = 0; k < i->aux; k++) {
		const mir_move *m = &c->mf->moves[i->imm + k];
		pmove p = { loc_of(c, m->dst), m->src ? loc_of(c, m->src) : -1, m->imm };
		if (p.src != p.dst)
			mv[n++] = p;
	}
	while (n) {
		uint32_t k;
		for (k = 0; k < n; k++) {
			bool read = false;
			for (uint32_t j = 0; j < n && !read; j++)
				read = j != k && mv[j].src == mv[k].dst;
			if (!read)
				break;
		}
		if (k == n) {
			/* every destination is still to be read: a cycle; save
			 * the first one's old value in r11 */
			int d = mv[0].dst;
			move_one(c, X64_R11, d, 0);
			for (uint32_t j = 0; j < n; j++)
				if (mv[j].src == d)
					mv[j].src = X64_R11;
			continue;
		}
		move_one(c, mv[k].dst, mv[k].src, mv[k].imm);
		mv[k] = mv[--n];
	}
	free(mv);
}

/* ---- checks ---------------------------------------------------------------- */

static void epoch_check(em *c, uint32_t site)
{
	x64_mov_rm(B, 8, X64_R11, x64_mem_b(X64_R14, EXF(epoch)));
	x64_mov_rm(B, 8, X64_R11, x64_mem_b(X64_R11, 0));
	x64_cmp_rm(B, 8, X64_R11, x64_mem_b(X64_R14, EXF(deadline)));
	x64_jcc(B, X64_CC_AE, trap_tail(c, WASM_TRAP_TIMEOUT, site));
}

static void fuel_check(em *c, uint32_t site)
{
	x64_cmp_mi(B, 8, x64_mem_b(X64_R14, EXF(fuel)), 0);
	x64_jcc(B, X64_CC_E, trap_tail(c, WASM_TRAP_OUT_OF_FUEL, site));
	x64_sub_mi(B, 8, x64_mem_b(X64_R14, EXF(fuel)), 1);
}

/* The baseline's entry checks (emit_enter), the native frame already made. */
static void emit_entry(em *c, const mir_insn *i)
{
	x64_label *so = trap_tail(c, WASM_TRAP_STACK_OVERFLOW, i->site);
	x64_cmp_rm(B, 8, X64_RSP, x64_mem_b(X64_R14, EXF(jit_stack_limit)));
	x64_jcc(B, X64_CC_B, so);
	x64_mov_rm(B, 8, X64_R11, x64_mem_b(X64_R14, EXF(frame_top)));
	x64_cmp_rm(B, 8, X64_R11, x64_mem_b(X64_R14, EXF(frames_end)));
	x64_jcc(B, X64_CC_AE, so);
	x64_add_ri(B, 8, X64_R11, JIT_FRAME_BYTES);
	x64_mov_mr(B, 8, x64_mem_b(X64_R14, EXF(frame_top)), X64_R11);
	x64_lea(B, 8, X64_R11, x64_mem_b(X64_RBX, (int32_t)(8 * c->mf->nslots)));
	x64_cmp_rm(B, 8, X64_R11, x64_mem_b(X64_R14, EXF(stack_end)));
	x64_jcc(B, X64_CC_A, so);
	epoch_check(c, i->site);
	if (i->aux)
		fuel_check(c, i->site);
}

/* rax, rdx = rdx:rax / b with wasm's traps (jit_baseline_num.c divrem). */
static void emit_div(em *c, const mir_insn *i, x64_gpr rb)
{
	unsigned size = i->size;
	bool sgn = i->aux & MIR_DIV_SIGNED, rem = i->aux & MIR_DIV_REM;
	x64_label ok = x64_label_new(), done = x64_label_new();
	x64_test_rr(B, size, rb, rb);
	x64_jcc(B, X64_CC_E, trap_tail(c, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO, i->site));
	if (!sgn) {
		x64_alu_rr(B, X64_ALU_XOR, 4, X64_RDX, X64_RDX);
		x64_div_r(B, size, rb);
		return;
	}
	x64_cmp_ri(B, size, rb, -1);
	x64_jcc_short(B, X64_CC_NE, &ok);
	if (rem) {
		/* x % -1 = 0 (idiv would fault on MIN % -1) */
		x64_alu_rr(B, X64_ALU_XOR, 4, X64_RDX, X64_RDX);
		x64_jmp_short(B, &done);
	} else {
		if (size == 4) {
			x64_cmp_ri(B, 4, X64_RAX, INT32_MIN);
		} else {
			x64_movabs_ri(B, X64_RDX, INT64_MIN);
			x64_cmp_rr(B, 8, X64_RAX, X64_RDX);
		}
		x64_jcc(B, X64_CC_E, trap_tail(c, WASM_TRAP_INTEGER_OVERFLOW, i->site));
	}
	x64_label_bind(B, &ok);
	if (size == 4)
		x64_cdq(B);
	else
		x64_cqo(B);
	x64_idiv_r(B, size, rb);
	x64_label_bind(B, &done);
}

static void emit_epilogue(em *c)
{
	x64_sub_mi(B, 8, x64_mem_b(X64_R14, EXF(frame_top)), JIT_FRAME_BYTES);
	if (c->frame)
		x64_add_ri(B, 8, X64_RSP, c->frame);
	x64_pop_r(B, X64_RBP);
	x64_ret(B);
}

/* ---- instructions ------------------------------------------------------------- */

/* The register holding v to be read: its own, or (spilled) the next of
 * the scratch registers r10, r11, loaded from its slot. */
static x64_gpr read_reg(em *c, mir_reg v, unsigned *nsc)
{
	static const x64_gpr scratch[2] = { X64_R10, X64_R11 };
	int g = where(c, v);
	if (g >= 0)
		return (x64_gpr)g;
	x64_gpr r = scratch[(*nsc)++];
	x64_mov_rm(B, 8, r, spill_mem(c, v));
	return r;
}

static void emit_insn(em *c, const mir_insn *i)
{
	const mir_func *mf = c->mf;
	const mir_op_info *oi = &mir_ops[i->op];
	unsigned nsc = 0;
	x64_gpr rd = X64_NOREG, ra = X64_NOREG, rb = X64_NOREG;
	bool store_d = false;

	if (i->op == MIR_PMOV) {
		emit_pmov(c, i);
		return;
	}
	/* operands: spilled ones through the scratch registers */
	if (i->d && oi->role[0] == MR_UDEF) {
		rd = read_reg(c, i->d, &nsc);
		store_d = where(c, i->d) < 0;
	}
	if (i->a && oi->role[1] == MR_USE)
		ra = read_reg(c, i->a, &nsc);
	if (i->b && oi->role[2] == MR_USE)
		rb = read_reg(c, i->b, &nsc);
	if (i->d && oi->role[0] == MR_DEF) {
		int g = where(c, i->d);
		if (g < 0) {
			rd = X64_R10;   /* the uses are read before it is written */
			store_d = true;
		} else {
			rd = (x64_gpr)g;
		}
	}

	switch (i->op) {
	case MIR_MOV:
		/* a 4-byte move of a wider value clears the upper half (wrap) */
		if (rd != ra || (i->size == 4 && mf->vsize[i->a] == 8))
			x64_mov_rr(B, i->size, rd, ra);
		break;
	case MIR_MOVI:
		x64_mov_ri(B, 8, rd, i->imm);
		break;
	case MIR_ALU:
		if (i->hasimm)
			x64_alu_ri(B, (x64_alu)i->aux, i->size, rd, (int32_t)i->imm);
		else
			x64_alu_rr(B, (x64_alu)i->aux, i->size, rd, ra);
		break;
	case MIR_IMUL:
		x64_imul_rr(B, i->size, rd, ra);
		break;
	case MIR_IMULI:
		x64_imul_rri(B, i->size, rd, ra, (int32_t)i->imm);
		break;
	case MIR_SHIFT:
		if (i->hasimm)
			x64_shift_ri(B, (x64_shift)i->aux, i->size, rd, (uint8_t)i->imm);
		else
			x64_shift_rcl(B, (x64_shift)i->aux, i->size, rd);
		break;
	case MIR_BITCNT:
		if (i->aux == 0)
			x64_lzcnt_rr(B, i->size, rd, ra);
		else if (i->aux == 1)
			x64_tzcnt_rr(B, i->size, rd, ra);
		else
			x64_popcnt_rr(B, i->size, rd, ra);
		break;
	case MIR_EXT:
		if (i->aux == 4)
			x64_movsxd_rr(B, rd, ra);
		else
			x64_movsx_rr(B, i->size, i->aux, rd, ra);
		break;
	case MIR_LEA:
		x64_lea(B, i->size, rd, rb != X64_NOREG ?
			x64_mem_bi(ra, rb, i->aux, (int32_t)i->imm) :
			x64_mem_b(ra, (int32_t)i->imm));
		break;
	case MIR_LOAD: {
		x64_mem m = ra != X64_NOREG ? x64_mem_bi(X64_R15, ra, 1, (int32_t)i->imm)
			: x64_mem_b(X64_R15, (int32_t)i->imm);
		unsigned bytes = i->aux & 15;
		bool sgn = i->aux & MIR_SIGNED;
		pc_here(c, i->site);
		if (bytes == 1 || bytes == 2) {
			if (sgn)
				x64_movsx_rm(B, i->size, bytes, rd, m);
			else
				x64_movzx_rm(B, 4, bytes, rd, m);
		} else if (bytes == 4 && sgn && i->size == 8) {
			x64_movsxd_rm(B, rd, m);
		} else {
			x64_mov_rm(B, bytes, rd, m);
		}
		break;
	}
	case MIR_STORE: {
		int32_t disp = (int32_t)i->slot;
		x64_mem m = ra != X64_NOREG ? x64_mem_bi(X64_R15, ra, 1, disp)
			: x64_mem_b(X64_R15, disp);
		pc_here(c, i->site);
		if (i->hasimm)
			x64_mov_mi(B, i->aux, m, (int32_t)i->imm);
		else
			x64_mov_mr(B, i->aux, m, rb);
		break;
	}
	case MIR_LDSLOT:
		x64_mov_rm(B, i->size, rd, x64_mem_b(X64_RBX, (int32_t)(8 * i->slot)));
		break;
	case MIR_STSLOT: {
		x64_mem m = x64_mem_b(X64_RBX, (int32_t)(8 * i->slot));
		if (i->hasimm)
			x64_mov_mi(B, 8, m, (int32_t)i->imm);
		else
			x64_mov_mr(B, 8, m, ra);
		break;
	}
	case MIR_GLOBAL_GET:
		x64_mov_rm(B, 8, rd, x64_mem_b(X64_R13, offsetof(wasm_instance, globals)));
		x64_mov_rm(B, 8, rd, x64_mem_b(rd, (int32_t)(8 * i->slot)));
		x64_mov_rm(B, i->size, rd, x64_mem_b(rd, offsetof(wasm_global, val)));
		break;
	case MIR_GLOBAL_SET:
		x64_mov_rm(B, 8, X64_R11, x64_mem_b(X64_R13, offsetof(wasm_instance, globals)));
		x64_mov_rm(B, 8, X64_R11, x64_mem_b(X64_R11, (int32_t)(8 * i->slot)));
		x64_mov_mr(B, 8, x64_mem_b(X64_R11, offsetof(wasm_global, val)), ra);
		break;
	case MIR_CMP:
		if (i->hasimm)
			x64_cmp_ri(B, i->size, ra, (int32_t)i->imm);
		else
			x64_cmp_rr(B, i->size, ra, rb);
		break;
	case MIR_TEST:
		x64_test_rr(B, i->size, ra, ra);
		break;
	case MIR_SETCC:
		x64_setcc_r(B, (x64_cc)i->cc, rd);
		x64_movzx_rr(B, 4, 1, rd, rd);
		break;
	case MIR_CMOV:
		x64_cmovcc_rr(B, (x64_cc)i->cc, i->size, rd, ra);
		break;
	case MIR_DIV:
		emit_div(c, i, ra);
		break;
	case MIR_CALL: {
		int32_t shift = (int32_t)(8 * i->slot);
		x64_mov_ri(B, 4, X64_RAX, i->imm);
		if (shift)
			x64_lea(B, 8, X64_RBX, x64_mem_b(X64_RBX, shift));
		x64_call_m(B, x64_mem_b(X64_R12, (int32_t)(8 * i->imm)));
		if (shift)
			x64_lea(B, 8, X64_RBX, x64_mem_b(X64_RBX, -shift));
		break;
	}
	case MIR_ENTRY:
		emit_entry(c, i);
		break;
	case MIR_LOOPCHK:
		epoch_check(c, i->site);
		if (i->aux)
			fuel_check(c, i->site);
		break;
	case MIR_JMP: {
		uint32_t t = mf->b[c->cur].succ[0];
		if (t != c->cur + 1)
			x64_jmp(B, &c->labels[t]);
		break;
	}
	case MIR_JCC: {
		uint32_t t = mf->b[c->cur].succ[0], e = mf->b[c->cur].succ[1];
		if (t == c->cur + 1) {
			x64_jcc(B, X64_CC_INVERT((x64_cc)i->cc), &c->labels[e]);
		} else {
			x64_jcc(B, (x64_cc)i->cc, &c->labels[t]);
			if (e != c->cur + 1)
				x64_jmp(B, &c->labels[e]);
		}
		break;
	}
	case MIR_RET:
		emit_epilogue(c);
		break;
	case MIR_TRAP:
		trap_jump(c, i->aux, i->site);
		break;
	default:
		break;
	}
	if (store_d)
		x64_mov_mr(B, 8, spill_mem(c, i->d), rd);
}

/* ---- OSR --------------------------------------------------------------------- */

/* Block b is a usable OSR entry: its LOOP and machine offset go to the
 * loop table, kept ascending by LOOP offset for pairs_find. */
static void osr_entry_here(em *c, const mir_block *b)
{
	if (!b->osr_entry || !b->osr_ok)
		return;
	if (!ir_grow((void **)&c->loops, &c->cap_loops, c->nloops + 1, sizeof *c->loops)) {
		c->oom = true;
		return;
	}
	uint32_t k = c->nloops++;
	for (; k > 0 && c->loops[k - 1][0] > b->osr_loop; k--) {
		c->loops[k][0] = c->loops[k - 1][0];
		c->loops[k][1] = c->loops[k - 1][1];
	}
	c->loops[k][0] = b->osr_loop;
	c->loops[k][1] = (uint32_t)x64_buf_len(B);
}

/* The OSR prologue (jit_func.osr_entry), entered by a jump from the
 * trampoline or from baseline code that left its own native frame, with
 * the wasm frame in rbx and the entry block in r9: the native frame the
 * entry's prologue makes, the frame count the entry checks would add. */
static void emit_osr_prologue(em *c)
{
	x64_push_r(B, X64_RBP);
	if (c->frame)
		x64_sub_ri(B, 8, X64_RSP, c->frame);
	x64_add_mi(B, 8, x64_mem_b(X64_R14, EXF(frame_top)), JIT_FRAME_BYTES);
	x64_jmp_r(B, X64_R9);
}

wasm_status mir_emit(const mir_func *mf, mir_code *out, wasm_error *err)
{
	em cc = { .mf = mf }, *c = &cc;
	memset(out, 0, sizeof *out);
	if (!mf->reg)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX, "MIR not allocated");
	c->labels = malloc((mf->nb ? mf->nb : 1) * sizeof *c->labels);
	if (!c->labels)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory emitting");
	for (uint32_t b = 0; b < mf->nb; b++)
		c->labels[b] = x64_label_new();
	c->frame = (int32_t)((8 * mf->nspill + 15) & ~15u);
	x64_buf_init(B, 64 + 8 * (size_t)mf->ninsn);

	x64_push_r(B, X64_RBP);
	if (c->frame)
		x64_sub_ri(B, 8, X64_RSP, c->frame);
	for (uint32_t b = 0; b < mf->nb; b++) {
		c->cur = b;
		x64_label_bind(B, &c->labels[b]);
		osr_entry_here(c, &mf->b[b]);
		for (uint32_t j = 0; j < mf->b[b].n; j++)
			emit_insn(c, &mf->b[b].insn[j]);
	}
	for (uint32_t k = 0; k < c->ntails; k++) {
		tail *t = &c->tails[k];
		x64_label_bind(B, &t->l);
		trap_jump(c, t->kind, t->site);
	}
	x64_align(B, 16);
	out->osr_off = (uint32_t)x64_buf_len(B);
	emit_osr_prologue(c);

	wasm_status st = WASM_OK;
	if (c->oom)
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory emitting");
	else if (x64_buf_err(B) != X64_OK)
		st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX, "function %u: encoder: %s",
			mf->func_index, x64_err_name(x64_buf_err(B)));
	free(c->labels);
	free(c->tails);
	if (st != WASM_OK) {
		free(c->pc);
		free(c->loops);
		x64_buf_free(B);
		return st;
	}
	out->code = B->code;    /* growable: malloc'd */
	out->len = x64_buf_len(B);
	out->pc = c->pc;
	out->npc = c->npc;
	out->loops = c->loops;
	out->nloops = c->nloops;
	return WASM_OK;
}
