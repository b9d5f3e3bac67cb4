/* emit.c -- tier 2's emission: allocated MIR -> x86-64 through the shared
 * encoder (engine/x64/x64_asm.h).
 *
 * Layout: prologue (push rbp; sub rsp, spill area; r12 and r13 saved if
 * allocated: mir.h's register convention), the blocks in order
 * (a jump to the next block is left out; a conditional branch whose taken
 * side is next is inverted; a block that only jumps is left out and
 * jumped past: skips_find), the out-of-line trap tails, br_table's jump
 * tables (4-aligned rel32 entries: jit_seq_table_jump), then the OSR
 * prologue (the same native frame, then jmp r9: to a loop header's OSR
 * entry block, which loads the header's live slots from the frame).  The
 * native frame is the spill area: rsp stays 16-aligned at calls.
 *
 * Operands: a virtual register in a register is used in place; a spilled
 * one is loaded into a scratch register of its class (r10, r11; xmm14,
 * xmm15) before the instruction and, if written, stored back after it (8
 * bytes) -- except the source of alu, imul, falu, cmp, test and mov, which
 * reads its slot ([rsp + 8k]) as a memory operand (spill_mem; vfalu's
 * second source too).  A load
 * fused into its user (ALUM, IMULM, CMPM, FALUM, VFALUM: lower.c) is a fault site
 * like a load: a PC map entry with the load's pre-decoded offset.  Parallel moves are sequenced so that no source is overwritten
 * before it is read; a cycle is broken through r11 (xmm15 for an XMM
 * register; r10 carries memory-to-memory moves and float constants).
 *
 * Traps: the baseline's tails (jit_seq_trap_tail): each check jumps to a
 * tail that names the kind, the function and the pre-decoded offset and
 * jumps to the module's trap stub.  Checks, calls, divisions and float
 * sequences are jit_seq.h's, shared with the baseline.  Every load and
 * store gets a PC map entry (its machine offset, its pre-decoded offset)
 * for the fault handler.
 */
#include "jit/opt/mir.h"
#include "jit/jit_seq.h"
#include "jit/jit_simd.h"
#include "common/error.h"
#include "interp/ops_slow.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	x64_label l;
	uint8_t how;            /* enum jit_site_how */
	uint32_t kind, site;
	uint32_t func;          /* the function site is in */
} tail;

/* A jump table: its label and the JTAB block whose chain names the
 * cases (mir.h). */
typedef struct {
	x64_label l;
	uint32_t block;
} jtable;

/* A constant of the pool: 8 bytes (movsd/movss, 8-aligned), or 16
 * bytes {bits, hi} (16-aligned): an m128 mask {bits, 0} for andps/xorps,
 * a SIMD op's constant (jit_simd_regs.pool). */
struct pconst {
	uint64_t bits, hi;
	bool m128;
	x64_label l;
};

/* One move of a PMOV being sequenced (emit_pmov). */
typedef struct {
	int dst, src;           /* src -1: the immediate */
	int64_t imm;
	bool wide;              /* a v128 (move_v) */
} pmove;

typedef struct {
	jit_tails seq;          /* trap_tail at `site` for jit_seq.h (first) */
	uint32_t site;          /* the instruction being emitted's */
	uint32_t func;          /* and its function (mir_insn.func) */
	x64_buf b;
	const mir_func *mf;
	x64_label *labels;
	bool *skip;             /* blocks left out: skips_find */
	tail *tails;
	uint32_t ntails, cap_tails;
	/* what trap_tail hands out when memory ran out: this compilation's
	 * own (the result is discarded) */
	x64_label dummy;
	uint32_t (*pc)[2];
	uint32_t npc, cap_pc;
	uint32_t *pc_func;      /* the function of each PC map entry */
	uint32_t cap_pc_func;
	int32_t frame;          /* bytes below the saved rbp */
	/* r12 and r13 saved at [rsp + pinned_at] and [rsp + pinned_at + 8]
	 * (the function allocates one of them), or -1: mir.h's register
	 * convention */
	int32_t pinned_at;
	uint32_t cur;           /* block being emitted */
	uint32_t (*loops)[2];   /* usable OSR entries: (LOOP offset, machine
	                           offset) */
	uint32_t nloops, cap_loops;
	uint32_t nosr_dropped;
	jtable *jt;             /* br_table's jump tables, emitted after the
	                           code */
	uint32_t njt, cap_jt;
	struct pconst *pool;    /* float constants and masks, after the
	                           jump tables (const_pool) */
	uint32_t npool, cap_pool;
	int32_t *loc;           /* per register: its location (locs_find) */
	pmove *mv;              /* emit_pmov's moves, kept between PMOVs */
	uint32_t cap_mv;
	bool oom;
} em;

#define B (&c->b)
#define SLOT(s) x64_mem_b(X64_RBX, (int32_t)(8u * (uint32_t)(s)))

static x64_label *trap_tail(em *c, enum jit_site_how how, uint32_t kind,
	uint32_t site)
{
	if (!ir_grow((void **)&c->tails, &c->cap_tails, c->ntails + 1, sizeof *c->tails)) {
		c->oom = true;
		c->dummy = x64_label_new();
		return &c->dummy;
	}
	tail *t = &c->tails[c->ntails++];
	t->l = x64_label_new();
	t->how = (uint8_t)how;
	t->kind = kind;
	t->site = site;
	t->func = c->func;
	return &t->l;
}

static x64_label *tail_at(jit_tails *t, enum jit_site_how how, uint32_t kind)
{
	em *c = (em *)(void *)t;
	return trap_tail(c, how, kind, c->site);
}

/* A PC map entry for the instruction at machine offset off: the site
 * and the function it is in (c->func: an inlined callee's). */
static void pc_at(em *c, uint32_t off, uint32_t site)
{
	if (!ir_grow((void **)&c->pc, &c->cap_pc, c->npc + 1, sizeof *c->pc) ||
	    !ir_grow((void **)&c->pc_func, &c->cap_pc_func, c->npc + 1,
		sizeof *c->pc_func)) {
		c->oom = true;
		return;
	}
	c->pc[c->npc][0] = off;
	c->pc[c->npc][1] = site;
	c->pc_func[c->npc] = c->func;
	c->npc++;
}

/* A PC map entry for the instruction emitted next. */
static void pc_here(em *c, uint32_t site)
{
	pc_at(c, (uint32_t)x64_buf_len(B), site);
}

/* ---- locations -------------------------------------------------------------
 * 0..15 a GPR, 16..31 an XMM register, 32 + k spill slot k. */
#define LOC_SPILL 32

static int loc_of(const em *c, mir_reg v)
{
	return c->loc[v];
}

/* Every register's location, looked up several times per instruction
 * (its operands, scratch choice, spilled forms): computed once. */
static void locs_find(em *c)
{
	const mir_func *mf = c->mf;
	mir_reg v = 0;
	for (; v < MIR_FIRST_VIRT && v < mf->nv; v++) {
		int g = MIR_IS_PHYS(v) ? MIR_LOC(v) : mf->reg[v];
		c->loc[v] = g >= 0 ? g : LOC_SPILL + mf->spill[v];
	}
	for (; v < mf->nv; v++)
		c->loc[v] = mf->reg[v] >= 0 ? mf->reg[v] : LOC_SPILL + mf->spill[v];
}

static x64_mem loc_mem(int loc)
{
	return x64_mem_b(X64_RSP, 8 * (loc - LOC_SPILL));
}

static x64_xmm xmm_of(int loc)
{
	return (x64_xmm)(loc - MIR_LOC_XMM);
}

/* ---- the constant pool ------------------------------------------------------ */

/* The label of constant bits (the m128 {bits, hi} if m128; else hi is
 * 0) in the pool, one per value and kind. */
static x64_label *pool_ref(em *c, uint64_t bits, uint64_t hi, bool m128)
{
	for (uint32_t k = 0; k < c->npool; k++)
		if (c->pool[k].bits == bits && c->pool[k].hi == hi &&
		    c->pool[k].m128 == m128)
			return &c->pool[k].l;
	if (!ir_grow((void **)&c->pool, &c->cap_pool, c->npool + 1, sizeof *c->pool)) {
		c->oom = true;
		return &c->dummy;
	}
	c->pool[c->npool] = (struct pconst){ bits, hi, m128, x64_label_new() };
	return &c->pool[c->npool++].l;
}

/* jit_simd_regs.pool: a SIMD op's 16-byte constant. */
static x64_label *simd_pool(void *ctx, uint64_t lo, uint64_t hi)
{
	return pool_ref(ctx, lo, hi, true);
}

/* xd = a float constant's bits: xorps for +0, else movsd from the pool
 * (8 bytes: an f32's bits zero-extended, its lane the low one).  NaN
 * payloads are data: kept exactly. */
static void fconst(em *c, x64_xmm xd, uint64_t bits)
{
	if (bits == 0) {
		x64_xorps_xx(B, xd, xd);
		return;
	}
	x64_movsd_xm(B, xd, x64_mem_rip(0));
	x64_rip_label(B, pool_ref(c, bits, 0, false));
}

/* The pool after the code (read-only data in the code region, reached
 * rip-relative: no absolute address): the m128 masks 16-aligned first,
 * then the 8-byte constants. */
static void const_pool(em *c)
{
	for (int wide = 1; wide >= 0; wide--)
		for (uint32_t k = 0; k < c->npool; k++) {
			struct pconst *p = &c->pool[k];
			if (p->m128 != (wide == 1))
				continue;
			x64_align(B, wide ? 16 : 8);
			x64_label_bind(B, &p->l);
			uint64_t v[2] = { p->bits, p->hi };
			x64_bytes(B, v, wide ? 16 : 8);
		}
}

/* FLOGIC: d = d op a, or d op [the pool's m128 mask imm] (the ps forms
 * for both widths: the same bits, no prefix). */
static void emit_flogic(em *c, const mir_insn *i, int rd, int ra)
{
	if (i->hasimm) {
		x64_sse_xm(B, X64_PFX_NONE, (x64_sse)i->aux, xmm_of(rd), x64_mem_rip(0));
		x64_rip_label(B, pool_ref(c, (uint64_t)i->imm, 0, true));
	} else {
		x64_sse_xx(B, X64_PFX_NONE, (x64_sse)i->aux, xmm_of(rd), xmm_of(ra));
	}
}

/* dst = src (8 bytes of bits) between any two locations, or dst = imm
 * (src -1).  Clobbers r10 for memory-to-memory moves and float
 * constants. */
static void move_one(em *c, int dst, int src, int64_t imm)
{
	if (src < 0) {
		if (dst < MIR_LOC_XMM)
			x64_mov_ri(B, 8, (x64_gpr)dst, imm);
		else if (dst < LOC_SPILL)
			fconst(c, xmm_of(dst), (uint64_t)imm);
		else if (imm >= INT32_MIN && imm <= INT32_MAX)
			x64_mov_mi(B, 8, loc_mem(dst), (int32_t)imm);
		else {
			x64_mov_ri(B, 8, X64_R10, imm);
			x64_mov_mr(B, 8, loc_mem(dst), X64_R10);
		}
		return;
	}
	bool dm = dst >= LOC_SPILL, sm = src >= LOC_SPILL;
	bool dx = !dm && MIR_LOC_IS_XMM(dst), sx = !sm && MIR_LOC_IS_XMM(src);
	if (dm && sm) {
		x64_mov_rm(B, 8, X64_R10, loc_mem(src));
		x64_mov_mr(B, 8, loc_mem(dst), X64_R10);
	} else if (dm) {
		if (sx)
			x64_movsd_mx(B, loc_mem(dst), xmm_of(src));
		else
			x64_mov_mr(B, 8, loc_mem(dst), (x64_gpr)src);
	} else if (sm) {
		if (dx)
			x64_movsd_xm(B, xmm_of(dst), loc_mem(src));
		else
			x64_mov_rm(B, 8, (x64_gpr)dst, loc_mem(src));
	} else if (dx && sx) {
		x64_movaps_xx(B, xmm_of(dst), xmm_of(src));
	} else if (dx) {
		x64_movd_xr(B, 8, xmm_of(dst), (x64_gpr)src);
	} else if (sx) {
		x64_movd_rx(B, 8, (x64_gpr)dst, xmm_of(src));
	} else {
		x64_mov_rr(B, 8, (x64_gpr)dst, (x64_gpr)src);
	}
}

/* dst = src, a v128 if wide (16 bytes: movdqu to and from a spill slot,
 * through xmm14 from slot to slot), else move_one's 8 bytes. */
static void move_v(em *c, int dst, int src, bool wide)
{
	if (!wide || src < 0 || (dst < LOC_SPILL && src < LOC_SPILL)) {
		move_one(c, dst, src, 0);
	} else if (dst >= LOC_SPILL && src >= LOC_SPILL) {
		x64_movdqu_xm(B, X64_XMM14, loc_mem(src));
		x64_movdqu_mx(B, loc_mem(dst), X64_XMM14);
	} else if (dst >= LOC_SPILL) {
		x64_movdqu_mx(B, loc_mem(dst), xmm_of(src));
	} else {
		x64_movdqu_xm(B, xmm_of(dst), loc_mem(src));
	}
}

static bool is_v128(const em *c, mir_reg v)
{
	return v && !MIR_IS_PHYS(v) && mir_vsize(c->mf, v) == 16;
}

/* ---- parallel moves --------------------------------------------------------- */

/* Whether block b does nothing but jump: parallel moves whose every
 * destination is its source's location (the allocator gave a phi and the
 * value a loop carries round one register), then JMP. */
static bool only_jumps(const em *c, uint32_t b)
{
	const mir_block *bl = &c->mf->b[b];
	/* (an OSR entry block stays: the loop table needs its offset) */
	if (bl->osr_entry || !bl->n || bl->insn[bl->n - 1].op != MIR_JMP)
		return false;
	for (uint32_t j = 0; j + 1 < bl->n; j++) {
		const mir_insn *i = &bl->insn[j];
		if (i->op != MIR_PMOV)
			return false;
		for (uint32_t k = 0; k < i->aux; k++) {
			const mir_move *m = &c->mf->moves[i->imm + k];
			if (!m->src || loc_of(c, m->src) != loc_of(c, m->dst))
				return false;
		}
	}
	return true;
}

/* The blocks left out (c->skip): those that only jump, on a chain that
 * ends at a block that does more (not a ring of them: an empty infinite
 * loop keeps its jumps).  Every jump to one goes to jump_target instead,
 * so `jcc edge; ...; edge: jmp header`, a loop's back edge whose moves
 * all vanished, becomes one `jcc header`. */
static void skips_find(em *c)
{
	uint32_t nb = c->mf->nb;
	for (uint32_t b = 0; b < nb; b++) {
		uint32_t t = b, n = 0;
		if (!only_jumps(c, b)) {        /* most blocks: asked once */
			c->skip[b] = false;
			continue;
		}
		while (n++ <= nb && only_jumps(c, t))
			t = c->mf->b[t].succ[0];
		c->skip[b] = t != b && !only_jumps(c, t);
	}
}

static uint32_t jump_target(const em *c, uint32_t b)
{
	while (c->skip[b])
		b = c->mf->b[b].succ[0];
	return b;
}

/* The block whose code follows block b's. */
static uint32_t next_emitted(const em *c, uint32_t b)
{
	do
		b++;
	while (b < c->mf->nb && c->skip[b]);
	return b;
}

static void emit_pmov(em *c, const mir_insn *i)
{
	uint32_t n = 0;
	if (!ir_grow((void **)&c->mv, &c->cap_mv, i->aux, sizeof *c->mv)) {
		c->oom = true;
		return;
	}
	pmove *mv = c->mv;
	for (uint32_t k = 0; k < i->aux; k++) {
		const mir_move *m = &c->mf->moves[i->imm + k];
		pmove p = { loc_of(c, m->dst), m->src ? loc_of(c, m->src) : -1, m->imm,
			is_v128(c, m->dst) };
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
			 * the first one's old value in r11 (xmm15) */
			int d = mv[0].dst;
			int t = mv[0].wide || (d < LOC_SPILL && MIR_LOC_IS_XMM(d)) ?
				MIR_LOC_XMM + X64_XMM15 : X64_R11;
			move_v(c, t, d, mv[0].wide);
			for (uint32_t j = 0; j < n; j++)
				if (mv[j].src == d)
					mv[j].src = t;
			continue;
		}
		if (mv[k].wide)
			move_v(c, mv[k].dst, mv[k].src, true);
		else
			move_one(c, mv[k].dst, mv[k].src, mv[k].imm);
		mv[k] = mv[--n];
	}
}

/* ---- checks ---------------------------------------------------------------- */

/* ---- r12 and r13 --------------------------------------------------------------
 * Saved by the prologues of a function that allocates one of them,
 * reloaded before whatever reads them (mir.h's register convention). */

static bool allocates_pinned(const mir_func *mf)
{
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (mf->reg[v] == X64_R12 || mf->reg[v] == X64_R13)
			return true;
	return false;
}

static void pinned_save(em *c)
{
	if (c->pinned_at < 0)
		return;
	x64_mov_mr(B, 8, x64_mem_b(X64_RSP, c->pinned_at), X64_R12);
	x64_mov_mr(B, 8, x64_mem_b(X64_RSP, c->pinned_at + 8), X64_R13);
}

/* r13 alone (instance) or both (calls, returns, trap exits) */
static void pinned_restore(em *c, bool call_vector)
{
	if (c->pinned_at < 0)
		return;
	if (call_vector)
		x64_mov_rm(B, 8, X64_R12, x64_mem_b(X64_RSP, c->pinned_at));
	x64_mov_rm(B, 8, X64_R13, x64_mem_b(X64_RSP, c->pinned_at + 8));
}

static void emit_entry(em *c, const mir_insn *i)
{
	/* slot: an inlined callee's frame end (its base + its slots); such
	 * an entry makes no native frame: rsp is what the function's entry
	 * compared with the thread's limit, which does not change */
	jit_seq_entry_checks(B, X64_R11, i->slot ? i->slot : c->mf->nslots,
		i->slot == 0, &c->seq);
	jit_seq_epoch(B, X64_R11, &c->seq);
	if (i->aux)
		jit_seq_fuel(B, &c->seq);
}

/* The loop check: its epoch address and deadline (EPOCHIN) where they
 * are registers; a spilled one is read through r14 as without them,
 * which costs what loading it from its slot would. */
static void emit_loopchk(em *c, const mir_insn *i)
{
	int a = i->a ? loc_of(c, i->a) : LOC_SPILL;
	int d = i->b ? loc_of(c, i->b) : LOC_SPILL;
	jit_seq_epoch_with(B, a < LOC_SPILL ? (x64_gpr)a : X64_NOREG,
		d < LOC_SPILL ? (x64_gpr)d : X64_NOREG, X64_R11, &c->seq);
	if (i->aux)
		jit_seq_fuel(B, &c->seq);
}

static void emit_epilogue(em *c)
{
	pinned_restore(c, true);
	jit_seq_frame_pop(B);
	if (c->frame)
		x64_add_ri(B, 8, X64_RSP, c->frame);
	x64_pop_r(B, X64_RBP);
	x64_ret(B);
}

/* ---- instructions ------------------------------------------------------------- */

/* An operand's register: its own, or (spilled) the next scratch register
 * of its class (r10, r11; xmm14, xmm15), loaded from its slot if read. */
typedef struct {
	unsigned ngpr, nxmm;
} scratch;

static __attribute__((noinline)) int operand_spilled(em *c, mir_reg v, int l,
	scratch *sc, bool load)
{
	static const x64_gpr gprs[2] = { X64_R10, X64_R11 };
	static const x64_xmm xmms[2] = { X64_XMM14, X64_XMM15 };
	int r = mir_vflt(c->mf, v) ? MIR_LOC_XMM + (int)xmms[sc->nxmm++]
		: (int)gprs[sc->ngpr++];
	if (load)
		move_v(c, r, l, is_v128(c, v));
	return r;
}

/* (the register case inline: most operands, 134,408 lookups over the
 * bench modules; the spilled one a call) */
static inline __attribute__((always_inline)) int operand(em *c, mir_reg v,
	scratch *sc, bool load)
{
	int l = loc_of(c, v);
	return l < LOC_SPILL ? l : operand_spilled(c, v, l, sc, load);
}

/* Loads and stores of a location's value: GPR size 1..8 as x64_mov,
 * XMM 4 (movss), 8 (movsd) or 16 (movdqu: a v128). */
static void load_loc(em *c, int r, unsigned bytes, x64_mem m)
{
	if (bytes == 16)
		x64_movdqu_xm(B, xmm_of(r), m);
	else if (!MIR_LOC_IS_XMM(r))
		x64_mov_rm(B, bytes, (x64_gpr)r, m);
	else if (bytes == 4)
		x64_movss_xm(B, xmm_of(r), m);
	else
		x64_movsd_xm(B, xmm_of(r), m);
}

static void store_loc(em *c, int r, unsigned bytes, x64_mem m)
{
	if (bytes == 16)
		x64_movdqu_mx(B, m, xmm_of(r));
	else if (!MIR_LOC_IS_XMM(r))
		x64_mov_mr(B, bytes, m, (x64_gpr)r);
	else if (bytes == 4)
		x64_movss_mx(B, m, xmm_of(r));
	else
		x64_movsd_mx(B, m, xmm_of(r));
}

/* A whole 8-byte slot (frame slot, global) = r; an f32 zero-extended
 * through `via`. */
static void store_slot64(em *c, int r, unsigned size, x64_mem m, x64_gpr via)
{
	if (MIR_LOC_IS_XMM(r) && size == 4) {
		x64_movd_rx(B, 4, via, xmm_of(r));
		x64_mov_mr(B, 8, m, via);
	} else {
		store_loc(c, r, size == 16 ? 16 : 8, m);
	}
}

/* d = a between registers of size bytes (4: an integer zero-extended;
 * across classes a movd/movq: bitcasts). */
static void emit_mov(em *c, unsigned size, int d, int a, bool wide_src)
{
	bool dx = MIR_LOC_IS_XMM(d), ax = MIR_LOC_IS_XMM(a);
	if (dx && ax) {
		if (d != a)
			x64_movaps_xx(B, xmm_of(d), xmm_of(a));
	} else if (dx) {
		x64_movd_xr(B, size, xmm_of(d), (x64_gpr)a);
	} else if (ax) {
		x64_movd_rx(B, size, (x64_gpr)d, xmm_of(a));
	} else if (d != a || (size == 4 && wide_src)) {
		/* a 4-byte move of a wider value clears the upper half (wrap) */
		x64_mov_rr(B, size, (x64_gpr)d, (x64_gpr)a);
	}
}

static x64_mem mem_operand(int base, int32_t disp)
{
	return base >= 0 ? x64_mem_bi(X64_R15, (x64_gpr)base, 1, disp)
		: x64_mem_b(X64_R15, disp);
}

static int sse_pfx(unsigned size)
{
	return size == 4 ? X64_PFX_F3 : X64_PFX_F2;
}

/* The float instructions (operands in registers already). */
static void emit_float(em *c, const mir_insn *i, int rd, int ra, int rb)
{
	unsigned size = i->size;
	switch (i->op) {
	case MIR_FALU:
		x64_sse_xx(B, sse_pfx(size), (x64_sse)i->aux, xmm_of(rd), xmm_of(ra));
		break;
	case MIR_VFALU:
		x64_vex_xxx(B, sse_pfx(size), (x64_sse)i->aux, xmm_of(rd), xmm_of(ra),
			xmm_of(rb));
		break;
	case MIR_FMINMAX:
		jit_seq_fminmax(B, size, i->aux != 0, xmm_of(rd), xmm_of(ra));
		break;
	case MIR_FSQRT:
		x64_sse_xx(B, sse_pfx(size), X64_SSE_SQRT, xmm_of(rd), xmm_of(ra));
		break;
	case MIR_FROUND:
		if (size == 4)
			x64_roundss_xx(B, xmm_of(rd), xmm_of(ra), (uint8_t)i->aux);
		else
			x64_roundsd_xx(B, xmm_of(rd), xmm_of(ra), (uint8_t)i->aux);
		break;
	case MIR_FCMP:
		jit_seq_fcmp(B, size, (enum jit_fcmp)i->aux, (x64_gpr)rd, xmm_of(ra),
			xmm_of(rb), X64_R11);
		break;
	case MIR_FFLAGS:
		(void)jit_seq_fflags(B, size, (enum jit_fcmp)i->aux, xmm_of(ra), xmm_of(rb));
		break;
	case MIR_FCVT:
		/* cvtsd2ss / cvtss2sd d, a (size: the result's) */
		if (rd != ra)
			x64_xorps_xx(B, xmm_of(rd), xmm_of(rd));
		x64_sse_xx(B, size == 4 ? X64_PFX_F2 : X64_PFX_F3, X64_SSE_CVT2,
			xmm_of(rd), xmm_of(ra));
		break;
	case MIR_TRUNC: {
		/* a is copied to xmm15 (the sequence may change it); a spilled
		 * a came in xmm14, free again after the copy */
		unsigned isize = i->aux & 15;
		bool sgn = i->aux & MIR_SIGNED;
		uint64_t lo, hi;
		switch ((size == 8) << 2 | (isize == 8) << 1 | !sgn) {
#define BOUNDS_(name, SRC, RES, SLOT, l, h, rmin, rmax) \
		case (sizeof(SRC) == 8) << 2 | (sizeof(RES) == 8) << 1 | ((rmin) == 0): \
			lo = op_##SRC##_bits(l); \
			hi = op_##SRC##_bits(h); \
			break;
		OP_FLOAT_TO_INT(BOUNDS_)
#undef BOUNDS_
		default:
			lo = hi = 0;
			break;
		}
		x64_movaps_xx(B, X64_XMM15, xmm_of(ra));
		jit_seq_trunc(B, size, isize, sgn, lo, hi, (x64_gpr)rd, X64_XMM15,
			X64_XMM14, X64_R11, &c->seq);
		break;
	}
	case MIR_TRUNCSAT: {
		/* only u64 changes a (copied to xmm15 then); a spilled a came
		 * in xmm14, the sequence's xtmp, and is copied too */
		unsigned isize = i->aux & 15;
		bool sgn = i->aux & MIR_SIGNED;
		x64_xmm xs = xmm_of(ra);
		if ((!sgn && isize == 8) || xs == X64_XMM14) {
			x64_movaps_xx(B, X64_XMM15, xs);
			xs = X64_XMM15;
		}
		jit_seq_trunc_sat(B, size, isize, sgn, (x64_gpr)rd, xs, X64_XMM14, X64_R11);
		break;
	}
	case MIR_CONV:
		/* a is copied to r11 (the sequence may change it); r10 is free
		 * after the copy */
		x64_mov_rr(B, 8, X64_R11, (x64_gpr)ra);
		jit_seq_convert(B, size, i->aux & 15, i->aux & MIR_SIGNED, xmm_of(rd),
			X64_R11, X64_R10);
		break;
	default:
		break;
	}
}

/* A MOV between a register and a spill slot of one class and of the
 * move's size (the allocator's split moves: a store before a call, a
 * reload after it) as one load or store: a slot holds 8 bytes, a 4-byte
 * integer zero-extended.  False for any other MOV. */
static bool spill_move(em *c, const mir_insn *i)
{
	const mir_func *mf = c->mf;
	int d = loc_of(c, i->d), a = loc_of(c, i->a);
	/* (most moves are between registers: that asked first) */
	if (d < LOC_SPILL && a < LOC_SPILL)
		return false;
	if (MIR_IS_PHYS(i->d) || MIR_IS_PHYS(i->a) || mir_vsize(mf, i->d) != i->size ||
	    mir_vsize(mf, i->a) != i->size || i->size > 8 ||
	    mir_vflt(mf, i->d) != mir_vflt(mf, i->a))
		return false;
	if (d == a)
		return true;    /* one slot (a split value's halves): nothing */
	if (d >= LOC_SPILL && a >= LOC_SPILL)
		return false;
	move_one(c, d, a, 0);
	return true;
}

/* Calls and the ops left to C. */
static void emit_call(em *c, const mir_insn *i)
{
	switch (i->op) {
	case MIR_CALL:
		jit_seq_call(B, (uint32_t)i->imm, i->slot);
		break;
	case MIR_CALLIMP:
		jit_seq_call_import(B, (uint32_t)i->imm, i->slot, &c->seq);
		break;
	case MIR_CALLIND:
		/* the element index is in rcx (lowering's fixed register) */
		jit_seq_call_indirect(B, i->aux, (uint32_t)i->imm, i->slot, &c->seq);
		break;
	case MIR_SLOWOP:
		jit_seq_slow_op(B, (const uint8_t *)(uintptr_t)i->imm2, (uint32_t)i->imm,
			i->slot, i->aux != 0, &c->seq);
		break;
	default:
		break;
	}
}

/* ---- jump tables ------------------------------------------------------------ */

/* JTAB: the jump through a table of the chain's cases, emitted later
 * (jump_tables); rax holds the case (lowering's fixed register). */
static void emit_jtab(em *c)
{
	if (!ir_grow((void **)&c->jt, &c->cap_jt, c->njt + 1, sizeof *c->jt)) {
		c->oom = true;
		return;
	}
	jtable *t = &c->jt[c->njt++];
	t->l = x64_label_new();
	t->block = c->cur;
	jit_seq_table_jump(B, X64_RAX, X64_R11, X64_R10, &t->l);
}

/* The tables, 4-aligned after the code: entry k the rel32 of case k
 * (succ[0] of the k-th block of the chain).  Read-only data in the
 * code region, position-independent. */
static void jump_tables(em *c)
{
	for (uint32_t k = 0; k < c->njt; k++) {
		x64_align(B, 4);
		x64_label_bind(B, &c->jt[k].l);
		for (uint32_t b = c->jt[k].block;;) {
			const mir_block *mb = &c->mf->b[b];
			x64_label_rel32(B, &c->labels[jump_target(c, mb->succ[0])]);
			if (mb->nsucc < 2)
				break;
			b = mb->succ[1];
		}
	}
}

/* Register v is a spilled one. */
static bool spilled(const em *c, mir_reg v)
{
	return v && loc_of(c, v) >= LOC_SPILL;
}

/* The operand (1 a, 2 b, 0 none) of i that is read from its spill slot
 * in place (an x86 memory operand) rather than through a scratch
 * register. */
static int spill_mem(const em *c, const mir_insn *i)
{
	/* (the op first: most have no such operand, their locations are
	 * not looked up) */
	switch (i->op) {
	case MIR_ALU:
		return !i->hasimm && spilled(c, i->a) ? 1 : 0;
	case MIR_IMUL: case MIR_FALU: case MIR_MULH:
		return spilled(c, i->a) ? 1 : 0;
	case MIR_VFALU:
		/* vop d, a, [slot of b] (a spilled comes through xmm14) */
		return spilled(c, i->b) ? 2 : 0;
	case MIR_TEST:
		return spilled(c, i->a) ? 1 : 0;
	case MIR_CMP:
		/* cmp a, [b]; or cmp [a], imm / b */
		return spilled(c, i->b) ? 2 : spilled(c, i->a) ? 1 : 0;
	case MIR_MOV:
		/* into a register (a spilled d goes through r10 anyway) */
		return spilled(c, i->a) && loc_of(c, i->d) < LOC_SPILL ? 1 : 0;
	default:
		return 0;
	}
}

/* i with operand `which` (spill_mem) read from its slot m. */
static void emit_spill_mem(em *c, const mir_insn *i, int which, int rd, int ra,
	int rb, x64_mem m)
{
	unsigned size = i->size;
	switch (i->op) {
	case MIR_ALU:
		x64_alu_rm(B, (x64_alu)i->aux, size, (x64_gpr)rd, m);
		break;
	case MIR_IMUL:
		x64_imul_rm(B, size, (x64_gpr)rd, m);
		break;
	case MIR_MULH:
		x64_unary_m(B, i->aux & MIR_SIGNED ? X64_UN_IMUL : X64_UN_MUL, size, m);
		break;
	case MIR_FALU:
		x64_sse_xm(B, sse_pfx(size), (x64_sse)i->aux, xmm_of(rd), m);
		break;
	case MIR_VFALU:
		x64_vex_xxm(B, sse_pfx(size), (x64_sse)i->aux, xmm_of(rd), xmm_of(ra), m);
		break;
	case MIR_TEST:
		x64_alu_mi(B, X64_ALU_CMP, size, m, 0);  /* the same ZF, SF */
		break;
	case MIR_CMP:
		if (which == 2)
			x64_alu_rm(B, X64_ALU_CMP, size, (x64_gpr)ra, m);
		else if (i->hasimm)
			x64_alu_mi(B, X64_ALU_CMP, size, m, (int32_t)i->imm);
		else
			x64_alu_mr(B, X64_ALU_CMP, size, m, (x64_gpr)rb);
		break;
	case MIR_MOV:
		/* size 4: the low half, zero-extended (a wrap); an XMM d: movss
		 * / movsd; the slot holds the value's bits either class */
		load_loc(c, rd, size, m);
		break;
	default:
		break;
	}
}

/* A load fused into its user: [r15 + base + disp], a fault site. */
static void emit_memop(em *c, const mir_insn *i, int rd, int ra, int rb)
{
	unsigned size = i->size;
	bool second = i->op == MIR_CMPM || i->op == MIR_VFALUM;   /* base in b */
	x64_mem m = mem_operand(second ? rb : ra, second ? (int32_t)i->slot :
		(int32_t)i->imm);
	pc_here(c, i->site);
	switch (i->op) {
	case MIR_ALUM:
		x64_alu_rm(B, (x64_alu)i->aux, size, (x64_gpr)rd, m);
		break;
	case MIR_IMULM:
		x64_imul_rm(B, size, (x64_gpr)rd, m);
		break;
	case MIR_CMPM:
		if (i->hasimm)
			x64_alu_mi(B, X64_ALU_CMP, size, m, (int32_t)i->imm);
		else
			x64_alu_rm(B, X64_ALU_CMP, size, (x64_gpr)ra, m);
		break;
	case MIR_FALUM:
		x64_sse_xm(B, sse_pfx(size), (x64_sse)i->aux, xmm_of(rd), m);
		break;
	case MIR_VFALUM:
		x64_vex_xxm(B, sse_pfx(size), (x64_sse)i->aux, xmm_of(rd), xmm_of(ra), m);
		break;
	default:
		break;
	}
}

/* op's operand after its first v128, in location loc: the access
 * [r15 + loc + disp] of a memory op, a second v128, or a scalar. */
static void simd_second(jit_simd_regs *r, enum interp_op op, int loc,
	int32_t disp)
{
	if (jit_simd_is_memory(op))
		r->m = mem_operand(loc, disp);
	else if (jit_simd_nvec(op) >= 2)
		r->b = xmm_of(loc);
	else if (jit_simd_has_scalar(op))
		r->s = (x64_gpr)loc;
}

/* A SIMD instruction (mir.h: VOP, VOP3, VOP3M, VDEF, VGET, VST) through the
 * shared emitter: spilled operands in xmm14, xmm15 and r10 (operand()), a
 * third v128 in the extra scratch register mir_simd_scratch counts; the
 * access of a load or store gets its PC map entry.  A spilled result is
 * computed in xmm14 (r10) and stored: for VOP3 that may be a's scratch
 * too, which the AVX code allows (d may be a). */
static void emit_simd(em *c, const mir_insn *i)
{
	enum interp_op op = (enum interp_op)i->aux;
	enum jit_simd_shape shape = jit_simd_shape(op);
	unsigned nx, ng;
	scratch sc = { 0, 0 };
	uint32_t access = UINT32_MAX;
	jit_simd_regs r = { .lane = i->slot, .lo = (uint64_t)i->imm, .hi = i->imm2,
		.access = &access, .pool = simd_pool, .pool_ctx = c,
		.sse41 = mir_cpu()->sse41,
		.count = i->hasimm ? jit_simd_count((uint32_t)i->imm) : 0 };
	int rd, ra = -1, rb = -1;
	bool wide_d = i->op != MIR_VGET;

	mir_simd_scratch(i, &nx, &ng);
	for (unsigned k = 0; k < nx && k < 3; k++)
		r.xt[k] = mir_simd_xmm(k);
	for (unsigned k = 0; k < ng; k++)
		r.gt[k] = mir_simd_gpr(k);
	rd = i->op == MIR_VOP ? operand(c, i->d, &sc, true) : -1;
	if (i->a)
		ra = operand(c, i->a, &sc, true);
	if (i->b && (i->op == MIR_VST || i->op == MIR_VOP3 || i->op == MIR_VOP3M)) {
		rb = operand(c, i->b, &sc, true);
	} else if (i->b) {
		rb = loc_of(c, i->b);
		if (rb >= LOC_SPILL) {          /* the third v128 */
			x64_xmm x = mir_simd_xmm(nx - 1);
			x64_movdqu_xm(B, x, loc_mem(rb));
			rb = MIR_LOC_XMM + (int)x;
		}
	}
	if (i->op != MIR_VOP && i->d) {
		scratch first = { 0, 0 };
		rd = operand(c, i->d, &first, false);
	}
	x64_mem m = mem_operand(ra, (int32_t)i->imm);
	switch (shape) {
	case JS_V_V:
		r.d = xmm_of(rd);
		if (i->op == MIR_VOP3M) {       /* d = op(a, [r15 + b + slot]) */
			r.vex = r.mem_b = true;
			r.a = xmm_of(ra);
			r.m = mem_operand(rb, (int32_t)i->slot);
			break;
		}
		if (i->op == MIR_VOP3) {        /* d = op(a, b | s | [m]) */
			r.vex = true;
			r.a = xmm_of(ra);
			simd_second(&r, op, rb, (int32_t)i->imm);
			break;
		}
		simd_second(&r, op, ra, (int32_t)i->imm);   /* d = op(d, ...) */
		if (rb >= 0)
			r.c = xmm_of(rb);
		break;
	case JS_V_NEW:
		r.d = xmm_of(rd);
		if (jit_simd_is_memory(op))
			r.m = m;
		else if (jit_simd_has_scalar(op))
			r.s = (x64_gpr)ra;
		break;
	case JS_S_V:
		r.sd = (x64_gpr)rd;
		r.a = xmm_of(ra);
		break;
	default:        /* JS_STORE */
		r.m = m;
		r.a = xmm_of(rb);
		break;
	}
	jit_simd_emit(B, op, &r);
	if (access != UINT32_MAX)
		pc_at(c, access, i->site);
	if (i->d && loc_of(c, i->d) >= LOC_SPILL)
		move_v(c, loc_of(c, i->d), rd, wide_d);
}

static void emit_insn(em *c, const mir_insn *i)
{
	const mir_func *mf = c->mf;
	const mir_op_info *oi = &mir_ops[i->op];
	scratch sc = { 0, 0 };
	int rd = -1, ra = -1, rb = -1;
	bool store_d = false;

	c->site = i->site;
	if (mir_reads_instance(i))
		pinned_restore(c, false);
	c->func = i->func;
	if (i->op == MIR_PMOV) {
		emit_pmov(c, i);
		return;
	}
	if (mir_is_simd(i)) {
		emit_simd(c, i);
		return;
	}
	if (i->op == MIR_MOV && spill_move(c, i))
		return;
	if (i->op == MIR_LOOPCHK) {
		emit_loopchk(c, i);
		return;
	}
	/* operands: spilled ones through the scratch registers, but for a
	 * source read from its slot in place */
	int inmem = spill_mem(c, i);
	if (i->d && oi->role[0] == MR_UDEF) {
		rd = operand(c, i->d, &sc, true);
		store_d = loc_of(c, i->d) >= LOC_SPILL;
	}
	if (i->a && oi->role[1] == MR_USE && inmem != 1)
		ra = operand(c, i->a, &sc, true);
	if (i->b && oi->role[2] == MR_USE && inmem != 2)
		rb = operand(c, i->b, &sc, true);
	if (i->d && oi->role[0] == MR_DEF) {
		/* a spilled result in the first scratch register of its class:
		 * the uses are read before it is written */
		scratch first = { 0, 0 };
		rd = operand(c, i->d, &first, false);
		store_d = loc_of(c, i->d) >= LOC_SPILL;
	}
	x64_gpr gd = (x64_gpr)rd, ga = (x64_gpr)ra, gb = (x64_gpr)rb;

	if (inmem) {
		emit_spill_mem(c, i, inmem, rd, ra, rb,
			loc_mem(loc_of(c, inmem == 1 ? i->a : i->b)));
		if (store_d)
			move_one(c, loc_of(c, i->d), rd, 0);
		return;
	}
	switch (i->op) {
	case MIR_MOV:
		emit_mov(c, i->size, rd, ra, !MIR_IS_PHYS(i->a) ? mir_vsize(mf, i->a) == 8
			: true);
		break;
	case MIR_MOVI:
		if (MIR_LOC_IS_XMM(rd))
			fconst(c, xmm_of(rd), (uint64_t)i->imm);
		else
			x64_mov_ri(B, 8, gd, i->imm);
		break;
	case MIR_ALU:
		if (i->hasimm)
			x64_alu_ri(B, (x64_alu)i->aux, i->size, gd, (int32_t)i->imm);
		else
			x64_alu_rr(B, (x64_alu)i->aux, i->size, gd, ga);
		break;
	case MIR_IMUL:
		x64_imul_rr(B, i->size, gd, ga);
		break;
	case MIR_IMULI:
		x64_imul_rri(B, i->size, gd, ga, (int32_t)i->imm);
		break;
	case MIR_SHIFT:
		if (i->hasimm)
			x64_shift_ri(B, (x64_shift)i->aux, i->size, gd, (uint8_t)i->imm);
		else
			x64_shift_rcl(B, (x64_shift)i->aux, i->size, gd);
		break;
	case MIR_RORX:
		x64_rorx_rri(B, i->size, gd, ga, (uint8_t)i->imm);
		break;
	case MIR_ANDN:
		x64_andn_rrr(B, i->size, gd, ga, gb);
		break;
	case MIR_BITCNT:
		if (i->aux == 0)
			x64_lzcnt_rr(B, i->size, gd, ga);
		else if (i->aux == 1)
			x64_tzcnt_rr(B, i->size, gd, ga);
		else
			x64_popcnt_rr(B, i->size, gd, ga);
		break;
	case MIR_EXT:
		if (i->aux == 4)
			x64_movsxd_rr(B, gd, ga);
		else
			x64_movsx_rr(B, i->size, i->aux, gd, ga);
		break;
	case MIR_LEA:
		x64_lea(B, i->size, gd, rb >= 0 ?
			x64_mem_bi(ga, gb, i->aux, (int32_t)i->imm) :
			x64_mem_b(ga, (int32_t)i->imm));
		break;
	case MIR_LOAD: {
		x64_mem m = mem_operand(ra, (int32_t)i->imm);
		unsigned bytes = i->aux & 15;
		bool sgn = i->aux & MIR_SIGNED;
		pc_here(c, i->site);
		if (MIR_LOC_IS_XMM(rd))
			load_loc(c, rd, bytes, m);
		else if (bytes == 1 || bytes == 2) {
			if (sgn)
				x64_movsx_rm(B, i->size, bytes, gd, m);
			else
				x64_movzx_rm(B, 4, bytes, gd, m);
		} else if (bytes == 4 && sgn && i->size == 8) {
			x64_movsxd_rm(B, gd, m);
		} else {
			x64_mov_rm(B, bytes, gd, m);
		}
		break;
	}
	case MIR_STORE: {
		x64_mem m = mem_operand(ra, (int32_t)i->slot);
		pc_here(c, i->site);
		if (i->hasimm)
			x64_mov_mi(B, i->aux, m, (int32_t)i->imm);
		else
			store_loc(c, rb, i->aux, m);
		break;
	}
	case MIR_LDSLOT:
		load_loc(c, rd, i->size, SLOT(i->slot));
		break;
	case MIR_STSLOT:
		if (i->hasimm)
			x64_mov_mi(B, 8, SLOT(i->slot), (int32_t)i->imm);
		else
			store_slot64(c, ra, i->size, SLOT(i->slot), X64_R11);
		break;
	case MIR_GLOBAL_GET: {
		/* the global's address in rd (r11 for a float) */
		x64_gpr p = MIR_LOC_IS_XMM(rd) ? X64_R11 : gd;
		jit_seq_inst_elem(B, offsetof(wasm_instance, globals), i->slot, p);
		load_loc(c, rd, i->size, x64_mem_b(p, offsetof(wasm_global, val)));
		break;
	}
	case MIR_GLOBAL_SET:
		/* (a spilled integer came in r10, a float in xmm14) */
		jit_seq_inst_elem(B, offsetof(wasm_instance, globals), i->slot, X64_R11);
		store_slot64(c, ra, i->size, x64_mem_b(X64_R11, offsetof(wasm_global, val)),
			X64_R10);
		break;
	case MIR_MEMSIZE:
		jit_seq_memory_size(B, gd);
		break;
	case MIR_REFFUNC:
		jit_seq_inst_elem(B, offsetof(wasm_instance, funcs), i->slot, gd);
		break;
	case MIR_DROP:
		jit_seq_drop(B, i->aux ? (int32_t)offsetof(wasm_instance, elem_dropped) :
			(int32_t)offsetof(wasm_instance, data_dropped), i->slot, X64_R11);
		break;
	case MIR_CMP:
		if (i->hasimm)
			x64_cmp_ri(B, i->size, ga, (int32_t)i->imm);
		else
			x64_cmp_rr(B, i->size, ga, gb);
		break;
	case MIR_TEST:
		x64_test_rr(B, i->size, ga, ga);
		break;
	case MIR_SETCC:
		x64_setcc_r(B, (x64_cc)i->cc, gd);
		x64_movzx_rr(B, 4, 1, gd, gd);
		break;
	case MIR_CMOV:
		if (MIR_LOC_IS_XMM(rd)) {
			/* no cmov for XMM registers: a branch around a move */
			x64_label skip = x64_label_new();
			x64_jcc_short(B, X64_CC_INVERT((x64_cc)i->cc), &skip);
			x64_movaps_xx(B, xmm_of(rd), xmm_of(ra));
			x64_label_bind(B, &skip);
		} else {
			x64_cmovcc_rr(B, (x64_cc)i->cc, i->size, gd, ga);
		}
		break;
	case MIR_MULH:
		/* rdx:rax = rax * a */
		x64_unary_r(B, i->aux & MIR_SIGNED ? X64_UN_IMUL : X64_UN_MUL, i->size, ga);
		break;
	case MIR_DIV:
		/* rax, rdx = rdx:rax / a */
		jit_seq_divrem(B, i->size, i->aux & MIR_DIV_SIGNED, i->aux & MIR_DIV_REM,
			ga, &c->seq);
		break;
	case MIR_CALL: case MIR_CALLIMP: case MIR_CALLIND: case MIR_SLOWOP:
		pinned_restore(c, true);
		emit_call(c, i);
		break;
	case MIR_ALUM: case MIR_IMULM: case MIR_CMPM: case MIR_FALUM: case MIR_VFALUM:
		emit_memop(c, i, rd, ra, rb);
		break;
	case MIR_FALU: case MIR_VFALU: case MIR_FMINMAX: case MIR_FSQRT: case MIR_FROUND:
	case MIR_FCMP: case MIR_FFLAGS: case MIR_FCVT: case MIR_TRUNC: case MIR_TRUNCSAT:
	case MIR_CONV:
		emit_float(c, i, rd, ra, rb);
		break;
	case MIR_FLOGIC:
		emit_flogic(c, i, rd, ra);
		break;
	case MIR_ENTRY:
		emit_entry(c, i);
		break;
	case MIR_FRAMEPOP:
		jit_seq_frame_pop(B);
		break;
	case MIR_EPOCHIN:
		jit_seq_epoch_in(B, (enum jit_epoch_in)i->aux, gd);
		break;
	case MIR_JMP: {
		uint32_t t = jump_target(c, mf->b[c->cur].succ[0]);
		if (t != next_emitted(c, c->cur))
			x64_jmp(B, &c->labels[t]);
		break;
	}
	case MIR_JCC: {
		uint32_t t = jump_target(c, mf->b[c->cur].succ[0]),
			e = jump_target(c, mf->b[c->cur].succ[1]),
			next = next_emitted(c, c->cur);
		if (t == next) {
			x64_jcc(B, X64_CC_INVERT((x64_cc)i->cc), &c->labels[e]);
		} else {
			x64_jcc(B, (x64_cc)i->cc, &c->labels[t]);
			if (e != next)
				x64_jmp(B, &c->labels[e]);
		}
		break;
	}
	case MIR_RET:
		emit_epilogue(c);
		break;
	case MIR_TRAP:
		pinned_restore(c, true);
		jit_seq_trap_tail(B, JS_TRAP, i->aux, i->func, i->site);
		break;
	case MIR_JTAB:
		emit_jtab(c);
		break;
	case MIR_JTCASE:
		break;          /* never runs: the chain is the table's CFG */
	default:
		break;
	}
	if (store_d)
		move_v(c, loc_of(c, i->d), rd, is_v128(c, i->d));
}

/* ---- OSR --------------------------------------------------------------------- */

/* Block b is a usable OSR entry: its LOOP and machine offset go to the
 * loop table, kept ascending by LOOP offset for pairs_find. */
static void osr_entry_here(em *c, const mir_block *b)
{
	if (b->osr_entry && !b->osr_ok)
		c->nosr_dropped++;
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
	pinned_save(c);
	jit_seq_frame_push(B);
	x64_jmp_r(B, X64_R9);
}

wasm_status mir_emit(const mir_func *mf, mir_code *out, wasm_error *err)
{
	em cc = { .seq = { tail_at }, .mf = mf }, *c = &cc;
	memset(out, 0, sizeof *out);
	if (!mf->reg)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX, "MIR not allocated");
	/* per block its label and whether it is left out, per register its
	 * location: one allocation (most functions are small: its cost is
	 * per function) */
	size_t nb = mf->nb ? mf->nb : 1;
	c->labels = malloc(nb * sizeof *c->labels + mf->nv * sizeof *c->loc +
		nb * sizeof *c->skip);
	if (!c->labels)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory emitting");
	c->loc = (int32_t *)(void *)(c->labels + nb);
	c->skip = (bool *)(c->loc + mf->nv);
	for (uint32_t b = 0; b < mf->nb; b++)
		c->labels[b] = x64_label_new();
	c->pinned_at = allocates_pinned(mf) ? (int32_t)(8 * mf->nspill) : -1;
	c->frame = (int32_t)((8 * mf->nspill + (c->pinned_at >= 0 ? 16 : 0) + 15) & ~15u);
	x64_buf_init(B, 64 + 8 * (size_t)mf->ninsn);
	locs_find(c);

	x64_push_r(B, X64_RBP);
	if (c->frame)
		x64_sub_ri(B, 8, X64_RSP, c->frame);
	pinned_save(c);
	skips_find(c);
	for (uint32_t b = 0; b < mf->nb && !c->oom; b++) {
		c->cur = b;
		x64_label_bind(B, &c->labels[b]);
		if (c->skip[b])
			continue;       /* every jump to it goes past it */
		const mir_block *bl = &mf->b[b];
		osr_entry_here(c, bl);
		for (const mir_insn *i = bl->insn, *e = i + bl->n; i < e; i++)
			emit_insn(c, i);
	}
	for (uint32_t k = 0; k < c->ntails; k++) {
		tail *t = &c->tails[k];
		x64_label_bind(B, &t->l);
		pinned_restore(c, true);
		jit_seq_trap_tail(B, (enum jit_site_how)t->how, t->kind, t->func,
			t->site);
	}
	jump_tables(c);
	const_pool(c);
	x64_align(B, 16);
	out->osr_off = (uint32_t)x64_buf_len(B);
	emit_osr_prologue(c);

	wasm_status st = WASM_OK;
	if (c->oom)
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory emitting");
	else if (x64_buf_err(B) != X64_OK)
		st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX, "function %u: encoder: %s",
			mf->func_index, x64_err_name(x64_buf_err(B)));
	free(c->labels);        /* and loc, skip */
	free(c->tails);
	free(c->jt);
	free(c->pool);
	free(c->mv);
	if (st != WASM_OK) {
		free(c->pc);
		free(c->pc_func);
		free(c->loops);
		x64_buf_free(B);
		return st;
	}
	out->code = B->code;    /* growable: malloc'd */
	out->len = x64_buf_len(B);
	out->pc = c->pc;
	out->npc = c->npc;
	bool inlined = false;
	for (uint32_t k = 0; k < c->npc; k++)
		inlined |= c->pc_func[k] != mf->func_index;
	if (inlined) {
		out->pc_func = c->pc_func;
	} else {
		free(c->pc_func);
		out->pc_func = NULL;
	}
	out->loops = c->loops;
	out->nloops = c->nloops;
	out->nosr_dropped = c->nosr_dropped;
	return WASM_OK;
}
