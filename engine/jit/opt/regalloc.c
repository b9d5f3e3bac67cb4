/* regalloc.c -- tier 2's register allocator: live intervals on the MIR
 * and a whole-function linear scan (Poletto and Sarkar, "Linear Scan
 * Register Allocation", 1999), with fixed-register constraints.
 *
 * Positions: the instructions of the function in block order are numbered
 * 0, 1, ...; instruction i reads its operands at 2i and writes its results
 * at 2i + 1, so a value whose last use is at i and a value defined at i may
 * share a register.
 *
 * Liveness: per block, the registers read before written (gen) and the
 * ones written (kill); live-in = gen + (live-out - kill), live-out = the
 * union of the successors' live-in, to a fixpoint.  The sets have a bit
 * only per global register (ra_glob: one some block reads before it
 * writes it; the others, defined and dead inside each block, are never
 * live into one), half the registers in a first round.  A round after
 * splitting takes the first round's live-in sets with the splits
 * applied instead (carry_in: which blocks a split value and its copy are
 * live into follows from where the value was).  A virtual register's
 * interval (start, end) is its hull: from its first to its last position,
 * widened to the start of each block it is live into and to the end of
 * each block it is live out of (place takes it from the ranges, whose
 * hull it is).  Inside it, its live ranges
 * (build_ranges) leave holes where it is dead, and the scan lets others
 * use its location there.
 *
 * Fixed registers: an explicit use of a GPR (MIR_PHYS) makes a range from
 * its definition to its last use in the block; DIV's implicit rax/rdx
 * make ranges at the instruction.  A virtual register never gets a GPR
 * whose fixed ranges meet its interval.  A call's clobbers are checked by
 * liveness instead (calls_crossed): a register live across a call gets
 * rbp (the one allocatable register JIT code preserves) or is spilled;
 * one whose interval merely spans a call it is dead at may take any.
 *
 * Two classes: an integer register gets a GPR, a float one an XMM
 * register (xmm0..xmm13; xmm14 and xmm15 are the emitter's scratch).
 * Every XMM register is caller-saved, so a float value live across a
 * call is spilled.
 *
 * Allocation (scan): intervals by start; each takes a free register of
 * its class (none of its holders' ranges meets this one's), trying its
 * hints first (the other side of a move, the source of a phi move), else
 * the holders that conflict in the register whose conflicting holders
 * weigh least give it up and are spilled (if they weigh less than this
 * one), else this one is spilled.  A spilled register lives
 * in the native frame for its whole life ([rsp + 8*k], 8 bytes; a v128
 * two adjacent slots, k and k + 1): stored once where it is defined,
 * loaded into a scratch register (r10, r11; xmm14, xmm15) where it is
 * used.  Spill slots are shared by registers whose intervals (hulls, so
 * their ranges too) do not overlap (spill_slot).
 *
 * Splitting around calls (split_calls, below): before the scan, a value
 * live across calls whose uses outweigh the calls it crosses is split at
 * each of them (stored before, reloaded after, through a new register
 * that only the call separates), and the allocation runs again on the
 * rewritten MIR: the value itself then lives across no call and may take
 * any register, so a loop's values stay in registers though a call on
 * one of its paths crosses them.
 *
 * Splitting at loop boundaries (regalloc_split.c), in the same first
 * round: a value live through a loop under pressure that the loop does
 * not name is copied into a new register on the loop's entries and back
 * on its exits, so it has a hole in the loop and the copy, weighing
 * little, is what the loop's pressure spills; a value an innermost loop
 * only reads, with pressure in a loop around it, likewise, its reads in
 * the loop then the copy's, which weighs what the loop's uses weigh and
 * so gets a register there even when the value is spilled outside.
 *
 * Each round walks the MIR's instructions once (ops_build): their
 * operands as a list the other passes walk, the blocks with calls, the
 * moves (hints) and the instructions naming a machine register (the
 * fixed ranges).
 *
 * Spill weight: what spilling the whole interval costs per position it
 * frees, as in Chaitin's allocator and LLVM's: each def and use counts
 * 8^d for a block at loop depth d (d at most 4), the sum divided by the
 * positions where it is live (its holes excluded).  A value used inside a loop outweighs one only
 * carried across it, and a short temporary outweighs a long value, so a
 * loop's carried values keep their registers and the one spilled for a
 * temporary frees its register for the temporaries after it.  (By
 * furthest end alone, as Poletto and Sarkar do, the carried values of a
 * loop whose latch is laid out after its exit were spilled for values
 * used only after the loop: sha256's compression loop kept all ten in
 * memory while four GPRs held such values.)  Loop depth comes from the
 * MIR's CFG (loop_depths): natural loops of the back edges to a block
 * laid out earlier.
 *
 * Memory: every array of the allocation but the MIR's own comes from an
 * arena (regalloc_mem.c), given back when it ends and kept by the thread
 * for its next function.
 */
#include "jit/opt/mir.h"
#include "jit/opt/regalloc_int.h"
#include "jit/opt/ir.h"
#include "common/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The registers the allocator hands out, in order of preference: the
 * caller-saved ones first, then r12 and r13 (the call vector and the
 * instance, freed inside tier-2 code: mir.h's register convention; the
 * emitter restores them before every call, which therefore clobbers
 * them, and before every other instruction that reads them), rbp
 * (preserved by calls) last. */
#define ALLOC_ORDER(X) X(RAX) X(RCX) X(RDX) X(RSI) X(RDI) X(R8) X(R9) \
	X(R12) X(R13) X(RBP)
#define ALLOC_REG_(r) X64_##r,
#define ALLOC_BIT_(r) | 1u << X64_##r
static const x64_gpr alloc_order[] = { ALLOC_ORDER(ALLOC_REG_) };
/* the same GPRs as a set, for allocatable() */
static const uint32_t alloc_gprs = 0 ALLOC_ORDER(ALLOC_BIT_);
#define NALLOC (sizeof alloc_order / sizeof alloc_order[0])
/* XMM registers (as locations: MIR_LOC_XMM + n), xmm0..xmm13. */
#define NALLOCX 14
const unsigned ra_ngpr = NALLOC, ra_nxmm = NALLOCX;
#define NLOC RA_NLOC

static bool allocatable(int loc)
{
	if (MIR_LOC_IS_XMM(loc))
		return loc - MIR_LOC_XMM < NALLOCX;
	return loc >= 0 && (alloc_gprs >> loc & 1);
}

/* A location a call clobbers: every allocatable one but rbp. */
static bool call_clobbers(int loc)
{
	return loc != X64_RBP;
}

/* r12 or r13: a function that allocates one saves both (MIR_VREMAT). */
static bool pinned(int loc)
{
	return loc == X64_R12 || loc == X64_R13;
}

/* The locations the scan may give a value, in order of preference: by
 * its class (flt), whether it is live across a call (xcall: only what
 * calls preserve, rbp) and whether it is rematerialised (remat: not the
 * pinned r12 and r13), so that the scan walks only those and asks
 * nothing per location.  An entry of scan_locs: the count, then the
 * locations. */
typedef struct {
	uint8_t n;
	int8_t loc[NLOC];
} loc_list;
static loc_list scan_locs[2][2][2];     /* [flt][xcall][remat] */
static pthread_once_t scan_locs_once = PTHREAD_ONCE_INIT;

static void scan_locs_init(void)
{
	for (int flt = 0; flt < 2; flt++)
		for (int xcall = 0; xcall < 2; xcall++)
			for (int remat = 0; remat < 2; remat++) {
				loc_list *l = &scan_locs[flt][xcall][remat];
				size_t nk = flt ? NALLOCX : NALLOC;
				for (size_t k = 0; k < nk; k++) {
					int g = flt ? MIR_LOC_XMM + (int)k :
						(int)alloc_order[k];
					if ((xcall && call_clobbers(g)) ||
					    (remat && pinned(g)))
						continue;
					l->loc[l->n++] = (int8_t)g;
				}
			}
}

/* ---- operands ------------------------------------------------------------ */

/* A SIMD instruction's scratch registers (mir_simd_scratch): used and
 * clobbered, so that no operand and no value live across it is there. */
static void simd_clobbers(const mir_insn *i, visit_fn *fn, void *ctx)
{
	unsigned nx, ng;
	mir_simd_scratch(i, &nx, &ng);
	for (unsigned k = 0; k < nx; k++) {
		fn(ctx, MIR_PHYSX(mir_simd_xmm(k)), OP_USE);
		fn(ctx, MIR_PHYSX(mir_simd_xmm(k)), OP_CLOBBER);
	}
	for (unsigned k = 0; k < ng; k++) {
		fn(ctx, MIR_PHYS(mir_simd_gpr(k)), OP_USE);
		fn(ctx, MIR_PHYS(mir_simd_gpr(k)), OP_CLOBBER);
	}
}

/* Every register instruction i reads or writes: uses first, then defs
 * (OP_*: regalloc_int.h).  Always inlined: ops_build, which calls it for
 * every instruction of every round, then calls op_add directly (and
 * inlines it) rather than through the pointer. */
static inline __attribute__((always_inline)) void visit(const mir_func *mf,
	const mir_insn *i, visit_fn *fn, void *ctx)
{
	const mir_op_info *oi = &mir_ops[i->op];
	if (i->op == MIR_PMOV) {
		for (uint32_t k = 0; k < i->aux; k++)
			if (mf->moves[i->imm + k].src)
				fn(ctx, mf->moves[i->imm + k].src, OP_USE);
		for (uint32_t k = 0; k < i->aux; k++)
			fn(ctx, mf->moves[i->imm + k].dst, OP_DEF);
		return;
	}
	if (i->d && oi->role[0] == MR_UDEF)
		fn(ctx, i->d, OP_USE);
	if (i->a && oi->role[1] == MR_USE)
		fn(ctx, i->a, OP_USE);
	if (i->b && oi->role[2] == MR_USE)
		fn(ctx, i->b, OP_USE);
	if (mir_is_simd(i))
		simd_clobbers(i, fn, ctx);
	if (i->op == MIR_DIV || i->op == MIR_MULH) {
		/* one-operand div and mul: rdx:rax */
		fn(ctx, MIR_PHYS(X64_RAX), OP_USE);
		fn(ctx, MIR_PHYS(X64_RAX), OP_DEF);
		fn(ctx, MIR_PHYS(X64_RDX), OP_CLOBBER);
	}
	if (i->op == MIR_CALL || i->op == MIR_CALLIMP || i->op == MIR_CALLIND ||
	    i->op == MIR_SLOWOP) {
		static const x64_gpr clob[] = { X64_RAX, X64_RCX, X64_RDX, X64_RSI,
			X64_RDI, X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13 };
		for (size_t k = 0; k < sizeof clob / sizeof clob[0]; k++)
			fn(ctx, MIR_PHYS(clob[k]), OP_CALLCLOB);
		for (unsigned x = 0; x < 16; x++)
			fn(ctx, MIR_PHYSX(x), OP_CALLCLOB);
	}
	/* the instance's readers: the emitter restores r13 first */
	if (mir_reads_instance(i))
		fn(ctx, MIR_PHYS(X64_R13), OP_CLOBBER);
	if (i->d && (oi->role[0] == MR_DEF || oi->role[0] == MR_UDEF))
		fn(ctx, i->d, OP_DEF);
}

void ra_visit(const mir_func *mf, const mir_insn *i, visit_fn *fn, void *ctx)
{
	visit(mf, i, fn, ctx);
}

static bool is_call(const mir_insn *i)
{
	return i->op == MIR_CALL || i->op == MIR_CALLIMP || i->op == MIR_CALLIND ||
		i->op == MIR_SLOWOP;
}

/* ---- liveness ------------------------------------------------------------- */

/* Words in a set of mf's virtual registers (at least one). */
static uint32_t set_words(const mir_func *mf)
{
	uint32_t nw = (mf->nv - MIR_FIRST_VIRT + 63) / 64;
	return nw ? nw : 1;
}

/* The liveness sets' bound: past it the function is refused. */
static bool sets_fit(const mir_func *mf)
{
	return (uint64_t)mf->nb * set_words(mf) <= (1u << 22);
}


typedef struct {
	mir_func *mf;
	ra_arena *ar;           /* every array below but the MIR's own */
	/* the liveness sets (gen, kill, in, out) have a bit per global
	 * register (g: ra_glob), nw words; the sets of any register
	 * (live, across, fltmask, the calls' picks) nwf words, bit
	 * v - MIR_FIRST_VIRT */
	uint32_t nw, nwf;
	ra_glob g;
	uint64_t *gen, *kill, *in, *out;
	/* in a second round, the registers live into block b beyond in's
	 * (the splits' copies): xs[xs_at[b] .. xs_at[b + 1]) (carry_in);
	 * xs_at NULL in a first round */
	mir_reg *xs;
	uint32_t *xs_at;
	/* fixed ranges per GPR, disjoint and ascending */
	uint32_t (*fixed[NLOC])[2];
	uint32_t nfixed[NLOC], cap_fixed[NLOC];
	/* their hull per GPR (fixed_lo UINT32_MAX, fixed_hi 0: none) */
	uint32_t fixed_lo[NLOC], fixed_hi[NLOC];
	uint32_t open[NLOC], last[NLOC];    /* the range being built, or UINT32_MAX */
	uint32_t open_set;      /* the locations with a range being built */
	uint32_t pos;
	const ra_loopset *loops;        /* (the caller's, as depth) */
	const uint8_t *depth;   /* per block: its loop depth (loop_depths;
	                           the caller's: splitting adds no blocks) */
	/* spill slots: per slot, the last position of its occupants, as
	 * the leaves of a tree of least ends (slot_min: the spill slots) */
	uint32_t *slot_min;
	uint32_t slot_cap;
	bool oom;
	/* spill weights: per register, its defs and uses, each 8^depth of
	 * its block */
	double *weight;
	/* per register, spill_weight's answer (after build_ranges) */
	double *sweight;
	/* the registers live across a call (after it, the call reading
	 * none); live: scratch for the backward scan */
	uint64_t *across, *live;
	/* in a round that splits, per register the calls it is live
	 * across, each 8^depth of its block (split_calls_pick) */
	double *xw;
	/* live ranges (build_ranges): per register the index in rg of its
	 * first range (0: none; rg[0] unused), each range's next, ascending
	 * and disjoint; the holes between them are where it is dead */
	struct ra_range {
		uint32_t from, to, next;
	} *rg;
	uint32_t nrg, cap_rg;
	uint32_t *head;
	/* the float class's registers (bits as in the sets); per block the
	 * most integer and float registers live at once */
	uint64_t *fltmask;
	uint16_t *pressure, *pressure_x;
	uint32_t nlive, nlive_x;
	/* of the global registers, those counted as integers and floats
	 * (not rematerialised), for pressure_known */
	uint64_t *gint, *gflt;
	/* every instruction's operands as visit() gives them (ops_build),
	 * instruction idx's (its linear index: block first + j) at
	 * op[op_at[idx] .. op_at[idx + 1]): the passes walk them instead
	 * of decoding the instruction each time */
	ra_op *op;
	uint32_t nop, cap_op;
	uint32_t *op_at;
	/* the instructions with a machine register among their operands,
	 * ascending (place walks only those); cur: the one ops_build is at */
	uint32_t *physi;
	uint32_t nphysi, cur;
	/* also from ops_build's walk: per block whether it has a call; the
	 * MOV and PMOV instructions in order (hints, split_slots) */
	uint8_t *callblk;
	const mir_insn **movi;
	uint32_t nmovi;
	/* memory no longer read, for the arrays after it (late_alloc) */
	char *spare[4];
	size_t nspare[4];
} ra;

#define VBIT(v) ((v) - MIR_FIRST_VIRT)
#define SET(s, v) ((s)[VBIT(v) / 64] |= 1ull << (VBIT(v) % 64))
#define HAS(s, v) ((s)[VBIT(v) / 64] >> (VBIT(v) % 64) & 1)
/* the liveness sets, by a global register's bit i */
#define GSET(s, i) ((s)[(i) / 64] |= 1ull << ((i) % 64))
#define GHAS(s, i) ((s)[(i) / 64] >> ((i) % 64) & 1)

/* n bytes for an array of the scan (16-aligned), in the smallest of
 * c->spare[] with room, else from the arena.  Once the ranges are built
 * nothing reads the live-in sets, nor a second round's lists of copies
 * beside them (the scan reads across, the ranges, the fixed ranges), and
 * once the intervals are placed nothing reads the operand list: the
 * allocating round's last arrays (the hints, the sort's counts and
 * order, the spill weights) take their memory, already touched, instead
 * of fresh pages past them (27 of printf_core's, in its second round,
 * with the sets alone; 10 more with the lists; 5 more with the operand
 * list and the hints).  NULL when out of memory. */
static void *late_alloc(ra *c, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	int best = -1;
	for (int k = 0; k < 4; k++)
		if (n <= c->nspare[k] &&
		    (best < 0 || c->nspare[k] < c->nspare[best]))
			best = k;
	if (best < 0)
		return ra_alloc(c->ar, n);
	void *p = c->spare[best];
	c->spare[best] += n;
	c->nspare[best] -= n;
	return p;
}

/* Always inlined into ops_build (through visit, also inlined), where
 * it is the only callee: one call per operand otherwise.  A call's
 * clobbers are left out: no walk of the list reads them (liveness finds
 * the registers live across a call from is_call, and the fixed ranges
 * leave them to it), and they are 27 entries a call, most of the list
 * in a function that calls often. */
static inline __attribute__((always_inline)) void op_add(void *ctx,
	mir_reg r, int how)
{
	ra *c = ctx;
	if (how == OP_CALLCLOB)
		return;
	if (MIR_IS_PHYS(r) && (!c->nphysi || c->physi[c->nphysi - 1] != c->cur))
		c->physi[c->nphysi++] = c->cur;
	if (!ra_grow(c->ar, (void **)&c->op, &c->cap_op, c->nop + 1,
	    sizeof *c->op)) {
		c->oom = true;
		return;
	}
	c->op[c->nop++] = ra_op_make(r, how);
}

/* The operand list (ra's op, op_at) and the blocks' firsts (linear
 * index of their first instruction).  The lists of instructions (physi,
 * movi) take at most one entry an instruction: allocated at that, they
 * never grow, and the operand list, allocated last, grows in place
 * (the arena's pages are touched only as they are written; doubling
 * arrays that grow in turn left their old copies behind: 130 KB in
 * printf_core's second round).  Then the three are moved down to
 * their sizes, one after the other: what the round allocates after them
 * lands on the pages a first round (or the function before) touched, not
 * on fresh ones past the room the lists left unused (12 of
 * printf_core's; the moves cost 1.8M of the 15 bench modules' 575M
 * instructions, the 200 faults they save more).  False when out of
 * memory. */
static bool ops_build(ra *c)
{
	mir_func *mf = c->mf;
	uint32_t n = 0;
	for (uint32_t b = 0; b < mf->nb; b++) {
		mf->b[b].first = n;
		n += mf->b[b].n;
	}
	c->op_at = ra_alloc(c->ar, ((size_t)n + 1) * sizeof *c->op_at);
	c->callblk = ra_zalloc(c->ar, mf->nb);
	ra_mark lists = ra_arena_mark(c->ar);
	c->physi = ra_alloc(c->ar, ((size_t)n + 1) * sizeof *c->physi);
	c->movi = ra_alloc(c->ar, ((size_t)n + 1) * sizeof *c->movi);
	/* about two operands an instruction: grown in place past that */
	if (!c->op_at || !c->callblk || !c->physi || !c->movi ||
	    !ra_grow(c->ar, (void **)&c->op, &c->cap_op, 2 * n + 16, sizeof *c->op))
		return false;
	uint32_t idx = 0;
	for (uint32_t b = 0; b < mf->nb; b++)
		for (uint32_t j = 0; j < mf->b[b].n; j++) {
			const mir_insn *i = &mf->b[b].insn[j];
			c->cur = idx;
			c->op_at[idx++] = c->nop;
			visit(mf, i, op_add, c);
			if (i->op == MIR_MOV || i->op == MIR_PMOV)
				c->movi[c->nmovi++] = i;
			else if (is_call(i)) {
				c->callblk[b] = 1;
			}
		}
	c->op_at[idx] = c->nop;
	if (c->oom)
		return false;
	/* the same allocations again, exact: each at or below where it was
	 * (memmove: they may overlap; the old ones' memory stays the
	 * arena's, so it may be read still) */
	ra_arena_release(c->ar, lists);
	uint32_t *physi = ra_alloc(c->ar, ((size_t)c->nphysi + 1) * sizeof *physi);
	const mir_insn **movi = ra_alloc(c->ar,
		((size_t)c->nmovi + 1) * sizeof *movi);
	ra_op *op = ra_alloc(c->ar, ((size_t)c->nop + 1) * sizeof *op);
	if (!physi || !movi || !op)
		return false;
	memmove(physi, c->physi, (size_t)c->nphysi * sizeof *physi);
	memmove(movi, c->movi, (size_t)c->nmovi * sizeof *movi);
	memmove(op, c->op, (size_t)c->nop * sizeof *op);
	c->physi = physi;
	c->movi = movi;
	c->op = op;
	c->cap_op = c->nop + 1;
	return true;
}

static void fixed_add(ra *c, int g, uint32_t s, uint32_t e)
{
	if (!allocatable(g))
		return;
	uint32_t n = c->nfixed[g];
	if (n && c->fixed[g][n - 1][1] + 1 >= s) {
		if (e > c->fixed[g][n - 1][1])
			c->fixed[g][n - 1][1] = e;
		return;
	}
	if (!ra_grow(c->ar, (void **)&c->fixed[g], &c->cap_fixed[g], n + 1,
	    sizeof *c->fixed[g])) {
		c->oom = true;
		return;
	}
	c->fixed[g][n][0] = s;
	c->fixed[g][n][1] = e;
	c->nfixed[g] = n + 1;
}

static void fixed_close(ra *c, int g)
{
	if (c->open[g] != UINT32_MAX)
		fixed_add(c, g, c->open[g], c->last[g]);
	c->open[g] = UINT32_MAX;
	c->open_set &= ~(1u << g);
}

/* Fixed ranges, operand by operand (place): a GPR's explicit use or
 * def. */
static inline void positions(ra *c, mir_reg r, int how)
{
	uint32_t at = how == OP_DEF ? c->pos + 1 : c->pos;
	if (how == OP_CALLCLOB || !MIR_IS_PHYS(r))
		return;
	int g = MIR_LOC(r);
	if (how == OP_USE) {
		if (c->open[g] == UINT32_MAX) {
			c->open[g] = at;
			c->open_set |= 1u << g;
		}
		c->last[g] = at;
	} else {
		fixed_close(c, g);
		c->open[g] = at;
		c->open_set |= 1u << g;
		c->last[g] = c->pos + 1;
	}
}

/* An OSR entry block defines what the header's OSR map names; anything
 * else live into it would be garbage there, so then the entry is not
 * used (it stays in the code, unreachable). */
static void osr_entries_check(mir_func *mf, const ra *c)
{
	for (uint32_t b = 0; b < mf->nb; b++) {
		if (!mf->b[b].osr_entry)
			continue;
		const uint64_t *in = c->in + (size_t)b * c->nw;
		uint64_t any = c->xs_at && c->xs_at[b + 1] > c->xs_at[b];
		for (uint32_t w = 0; w < c->nw; w++)
			any |= in[w];
		mf->b[b].osr_ok = any == 0;
	}
}

/* out = what is live out of bl: the union of its successors' live-in
 * sets.  Not kept per block: the walks that start from a block's
 * live-out set (ranges, calls) compute it here, once per block they
 * walk, instead of reading a copy that took as much memory again as
 * the live-in sets (a big function's second round: 270 KB, fresh pages
 * in a cold process) and as much work to fill. */
static void live_out(const ra *c, const mir_block *bl, uint64_t *out)
{
	if (!bl->nsucc) {
		memset(out, 0, (size_t)c->nw * 8);
		return;
	}
	memcpy(out, c->in + (size_t)bl->succ[0] * c->nw, (size_t)c->nw * 8);
	for (uint32_t k = 1; k < bl->nsucc; k++) {
		const uint64_t *sin = c->in + (size_t)bl->succ[k] * c->nw;
		for (uint32_t w = 0; w < c->nw; w++)
			out[w] |= sin[w];
	}
}

/* c->live (a set of any register) = what is live out of bl, from the
 * successors' live-in sets (of the global registers). */
static void live_full(ra *c, const mir_block *bl)
{
	memset(c->live, 0, (size_t)c->nwf * 8);
	for (uint32_t k = 0; k < bl->nsucc; k++) {
		const uint64_t *sin = c->in + (size_t)bl->succ[k] * c->nw;
		for (uint32_t w = 0; w < c->nw; w++) {
			uint64_t bits = sin[w];
			while (bits) {
				SET(c->live, c->g.reg[w * 64 +
					(uint32_t)__builtin_ctzll(bits)]);
				bits &= bits - 1;
			}
		}
		if (c->xs_at)
			for (uint32_t x = c->xs_at[bl->succ[k]];
			    x < c->xs_at[bl->succ[k] + 1]; x++)
				SET(c->live, c->xs[x]);
	}
}

/* Loop depth of every block (at most MAX_DEPTH): each natural loop
 * (ra_loops) adds one to the depth of its blocks.  Only a heuristic for
 * the spill weights: loops past the walks' budget leave their blocks at
 * the depth found so far.  False when out of memory. */
#define MAX_DEPTH 4
static bool depth_add(void *ctx, uint32_t h, const uint32_t *body, uint32_t n,
	const ra_preds *pred)
{
	uint8_t *depth = ctx;
	(void)h;
	(void)pred;
	for (uint32_t k = 0; k < n; k++)
		if (depth[body[k]] < MAX_DEPTH)
			depth[body[k]]++;
	return true;
}

static bool loop_depths(const mir_func *mf, const ra_loopset *loops,
	uint8_t *depth)
{
	memset(depth, 0, mf->nb);
	return ra_loops_again(loops, depth_add, depth);
}

/* c->live before instruction j of block b from c->live after it:
 * without what it writes, with what it reads.  One walk of its operands
 * backwards: visit lists a virtual register's uses before any virtual
 * def, so the defs come off first. */
static void live_step(ra *c, uint32_t b, uint32_t j)
{
	uint32_t idx = c->mf->b[b].first + j;
	for (uint32_t k = c->op_at[idx + 1]; k-- > c->op_at[idx];) {
		mir_reg r = ra_op_reg(c->op[k]);
		if (MIR_IS_PHYS(r))
			continue;
		if (ra_op_how(c->op[k]) == OP_DEF)
			c->live[VBIT(r) / 64] &= ~(1ull << (VBIT(r) % 64));
		else if (ra_op_how(c->op[k]) == OP_USE)
			SET(c->live, r);
	}
}

/* The registers live across each call of block b:
 * a backward scan, live = (live - defs) + uses; at a call (which reads
 * and writes no virtual register) what is live joins c->across, and
 * (in a round that splits) each adds the call's 8^depth to c->xw.  Only
 * these must avoid the call's clobbers: a register whose interval spans
 * a call (intervals have no holes) but which is dead there may sit in a
 * caller-saved GPR, so a call on a loop's cold path (an exit, a trap
 * helper) no longer leaves the loop's values rbp or a spill slot. */
static void calls_weigh(ra *c, uint32_t b)
{
	double freq = (double)(1u << (3 * c->depth[b]));
	for (uint32_t w = 0; w < c->nwf; w++) {
		uint64_t bits = c->live[w];
		while (bits) {
			mir_reg v = w * 64 + (uint32_t)__builtin_ctzll(bits) +
				MIR_FIRST_VIRT;
			bits &= bits - 1;
			c->xw[v] += freq;
		}
	}
}

static void calls_crossed(ra *c, uint32_t b)
{
	const mir_block *bl = &c->mf->b[b];
	if (!c->callblk[b])
		return;
	live_full(c, bl);
	for (uint32_t j = bl->n; j-- > 0;) {
		const mir_insn *i = &bl->insn[j];
		if (is_call(i)) {
			for (uint32_t w = 0; w < c->nwf; w++)
				c->across[w] |= c->live[w];
			if (c->xw)
				calls_weigh(c, b);
		}
		live_step(c, b, j);
	}
}

/* ---- live ranges ----------------------------------------------------------
 * Per register, the positions where it is live, as ascending ranges
 * (Wimmer and Mössenböck's BuildIntervals over the liveness sets):
 * blocks backwards, in each what is live out spans the whole block, a
 * def starts the range it ends (a def nothing reads is one position),
 * a use extends a range from the block's start to it.  A value's holes
 * (a loop's carried value between its last read and the back edge's
 * move, a value split around a loop) are free for others. */

/* Always inlined: build_ranges calls it for every live-out register of
 * every block and every use.  The walk is backwards, so a register's
 * first range is the one ending last: its end is the interval's
 * (place). */
static inline __attribute__((always_inline)) bool range_add(ra *c, mir_reg v,
	uint32_t from, uint32_t to)
{
	uint32_t h = c->head[v];
	if (!h) {
		c->mf->end[v] = to;
	} else if (c->rg[h].from <= to + 1) {
		if (from < c->rg[h].from)
			c->rg[h].from = from;
		if (to > c->rg[h].to)
			c->rg[h].to = to;
		return true;
	}
	if (!ra_grow(c->ar, (void **)&c->rg, &c->cap_rg, c->nrg + 1,
	    sizeof *c->rg)) {
		c->oom = true;
		return false;
	}
	c->rg[c->nrg] = (struct ra_range){ from, to, h };
	c->head[v] = c->nrg++;
	return true;
}

static inline __attribute__((always_inline)) void count_live(ra *c,
	mir_reg v, int d)
{
	if (c->mf->vsize[v] & MIR_VREMAT)
		return;         /* spilled, it costs nothing: no pressure */
	if (HAS(c->fltmask, v))
		c->nlive_x += (uint32_t)d;
	else
		c->nlive += (uint32_t)d;
}

/* Whether block b's pressure is known without walking it, from what is
 * live out (s0 | s1) and set if so: its readers (loop_pressure, the loop
 * splitting) only ask whether a class has more registers live at once
 * than the scan hands out, which is so when more are live out, and not
 * so when fewer than that are live out even with one more for each
 * operand of the block (each use adds at most one).  The value set
 * answers as the walk's would (the live-out count: above the class's
 * registers in the one case, not in the other).  Most loop blocks of a
 * large function are the first case (printf_core's carry some thirty
 * integer values through each), the small functions' the second. */
static bool pressure_known(ra *c, const mir_block *bl, uint32_t b,
	const uint64_t *s0, const uint64_t *s1)
{
	uint32_t ni = 0, nx = 0;
	for (uint32_t w = 0; w < c->nw; w++) {
		uint64_t o = s0[w] | s1[w];
		if (o) {
			ni += (uint32_t)__builtin_popcountll(o & c->gint[w]);
			nx += (uint32_t)__builtin_popcountll(o & c->gflt[w]);
		}
	}
	uint32_t nops = c->op_at[bl->first + bl->n] - c->op_at[bl->first];
	if ((ni <= NALLOC && ni + nops > NALLOC) ||
	    (nx <= NALLOCX && nx + nops > NALLOCX))
		return false;
	c->pressure[b] = (uint16_t)(ni > UINT16_MAX ? UINT16_MAX : ni);
	c->pressure_x[b] = (uint16_t)(nx > UINT16_MAX ? UINT16_MAX : nx);
	return true;
}

/* The ranges (if ranges) and the pressure (if pressure) of block b, a
 * walk backwards: what is live out spans the whole block, a def starts
 * the range it ends (a def nothing reads is one position), a use extends
 * a range from the block's start to it.  Always inlined into
 * build_ranges with both constant: the round that allocates wants no
 * pressure, the round that splits at calls no ranges. */
static inline __attribute__((always_inline)) void block_ranges(ra *c,
	uint32_t b, bool ranges, bool pressure)
{
	const mir_block *bl = &c->mf->b[b];
	uint32_t lo = 2 * bl->first, hi = 2 * (bl->first + bl->n) - 1;
	c->nlive = c->nlive_x = 0;
	/* what is live out: the union of s0 and s1, the successors' live-in
	 * sets when there are at most two, else c->out.  The pressure's
	 * count follows it in c->live (cleared first: the walk before left
	 * the live-in registers there); the ranges alone need no set: a
	 * register is live at a point of the walk when its latest range
	 * starts at the block's start (lo), where live-out and a use put
	 * it and a def moves it past. */
	const uint64_t *s0 = c->out, *s1 = c->out;
	if (bl->nsucc > 2) {
		live_out(c, bl, c->out);
	} else if (bl->nsucc) {
		s0 = c->in + (size_t)bl->succ[0] * c->nw;
		s1 = c->in + (size_t)bl->succ[bl->nsucc - 1] * c->nw;
	} else {
		memset(c->out, 0, (size_t)c->nw * 8);
	}
	if (pressure && !ranges && pressure_known(c, bl, b, s0, s1))
		return;
	if (pressure)
		memset(c->live, 0, (size_t)c->nwf * 8);
	for (uint32_t w = 0; w < c->nw; w++) {
		uint64_t bits = s0[w] | s1[w];
		while (bits) {
			mir_reg v = c->g.reg[w * 64 + (uint32_t)__builtin_ctzll(bits)];
			bits &= bits - 1;
			if (pressure) {
				SET(c->live, v);
				count_live(c, v, 1);
			}
			if (ranges)
				range_add(c, v, lo, hi);
		}
	}
	/* a second round's copies (a copy live into two successors is
	 * met twice: the same range again changes nothing) */
	for (uint32_t k = 0; c->xs_at && k < bl->nsucc; k++)
		for (uint32_t x = c->xs_at[bl->succ[k]];
		    x < c->xs_at[bl->succ[k] + 1]; x++) {
			mir_reg v = c->xs[x];
			if (pressure && !HAS(c->live, v)) {
				SET(c->live, v);
				count_live(c, v, 1);
			}
			if (ranges)
				range_add(c, v, lo, hi);
		}
	uint32_t mx = c->nlive, mxx = c->nlive_x;
	for (uint32_t j = bl->n; j-- > 0;) {
		/* defs, then uses: one walk of the operands backwards (visit
		 * lists a virtual register's uses before any virtual def, and
		 * neither kind depends on the order among its own) */
		uint32_t idx = bl->first + j;
		uint32_t pos = 2 * idx;
		for (uint32_t k = c->op_at[idx + 1]; k-- > c->op_at[idx];) {
			mir_reg r = ra_op_reg(c->op[k]);
			if (MIR_IS_PHYS(r))
				continue;
			if (!pressure) {
				/* ranges alone */
				uint32_t h = c->head[r];
				if (ra_op_how(c->op[k]) == OP_USE) {
					range_add(c, r, lo, pos);
				} else if (ra_op_how(c->op[k]) == OP_DEF) {
					if (h && c->rg[h].from == lo)
						c->rg[h].from = pos + 1;
					else
						range_add(c, r, pos + 1, pos + 1);
				}
				continue;
			}
			if (ra_op_how(c->op[k]) == OP_DEF) {
				if (HAS(c->live, r)) {
					c->live[VBIT(r) / 64] &= ~(1ull << (VBIT(r) % 64));
					count_live(c, r, -1);
					/* the range from the block's start */
					if (ranges)
						c->rg[c->head[r]].from = pos + 1;
				} else if (ranges) {
					range_add(c, r, pos + 1, pos + 1);
				}
			} else if (ra_op_how(c->op[k]) == OP_USE) {
				if (!HAS(c->live, r)) {
					SET(c->live, r);
					count_live(c, r, 1);
				}
				if (ranges)
					range_add(c, r, lo, pos);
			}
		}
		if (c->nlive > mx)
			mx = c->nlive;
		if (c->nlive_x > mxx)
			mxx = c->nlive_x;
	}
	if (pressure) {
		c->pressure[b] = (uint16_t)(mx > UINT16_MAX ? UINT16_MAX : mx);
		c->pressure_x[b] = (uint16_t)(mxx > UINT16_MAX ? UINT16_MAX : mxx);
	}
}

/* The ranges of every register (if ranges), and each block's pressure
 * (if pressure: the most registers of each class live at once).  After
 * the intervals (block firsts), before the MIR is rewritten.  Without
 * ranges, the pressure only in loops (depth >= 1; 0 elsewhere): all that
 * the loop splitting reads, for a first round that splits and so
 * allocates nothing. */
static bool build_ranges(ra *c, bool ranges, bool pressure)
{
	mir_func *mf = c->mf;
	/* (no ranges: head stays NULL, rg unused) */
	c->head = ranges ? ra_zalloc(c->ar, (size_t)mf->nv * sizeof *c->head) :
		NULL;
	c->fltmask = ra_zalloc(c->ar, (size_t)c->nwf * 8);
	c->pressure = ra_zalloc(c->ar, (size_t)mf->nb * sizeof *c->pressure);
	c->pressure_x = ra_zalloc(c->ar, (size_t)mf->nb * sizeof *c->pressure_x);
	c->nrg = 1;
	if ((ranges && (!c->head || !ra_grow(c->ar, (void **)&c->rg, &c->cap_rg,
	    mf->nv + 1, sizeof *c->rg))) || !c->fltmask || !c->pressure ||
	    !c->pressure_x)
		return false;
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (mir_vflt(mf, v))
			SET(c->fltmask, v);
	if (pressure && !ranges) {
		/* the global registers count_live counts, by class
		 * (pressure_known) */
		c->gint = ra_zalloc(c->ar, (size_t)c->nw * 8);
		c->gflt = ra_zalloc(c->ar, (size_t)c->nw * 8);
		if (!c->gint || !c->gflt)
			return false;
		for (uint32_t i = 0; i < c->g.n; i++) {
			mir_reg v = c->g.reg[i];
			if (mf->vsize[v] & MIR_VREMAT)
				continue;
			GSET(mir_vflt(mf, v) ? c->gflt : c->gint, i);
		}
	}
	for (uint32_t b = mf->nb; b-- > 0 && !c->oom;) {
		if (!ranges && c->depth[b] == 0)
			continue;
		if (ranges && pressure)
			block_ranges(c, b, true, true);
		else if (ranges)
			block_ranges(c, b, true, false);
		else
			block_ranges(c, b, false, true);
	}
	/* (the ranges' room past the last, when they grew last: the next
	 * arrays on pages already touched) */
	if (ranges && !c->oom) {
		ra_trim(c->ar, c->rg, (size_t)c->nrg * sizeof *c->rg);
		c->cap_rg = c->nrg;
	}
	return !c->oom;
}

/* The live-in sets after a first round that split (cy: its sets and
 * splits), without a fixpoint.  A split around a call (s = mov v before
 * it, v = mov s after) changes no block's live-in: s lives inside the
 * block, v is read and written again where it was live.  A value v
 * split at loop L into s (regalloc_split.c) is read and written nowhere
 * in L, so v was live into a block b of L exactly when a path from b
 * inside L reaches an exit into a block v is live into; each such exit
 * now reads s, every entry writes it: so s is live into exactly those
 * blocks of L instead of v.  But L's OSR entry blocks, which write s
 * after their loads, keep their sets; and an exit's move at the start of
 * its target y (v = mov s) makes s live into y instead of v.  (The code
 * hash of the bench programs and the spec suite's allocations under the
 * verifier are the same as with the fixpoint: checked against it when
 * this was written.) */
/* The split values' copies live into each block, counted (fill NULL)
 * or listed at fill[b]++ with their values' bits cleared (loops, then
 * the exits' moves at their targets' starts).  The bits of one loop's
 * pairs are in no other loop's blocks (a value split at a loop is not
 * split again inside it, and loops with other headers are nested or
 * disjoint), so counting before clearing counts what filling lists. */
static void carry_split(ra *c, const ra_carry *cy, uint64_t *mask,
	mir_reg *to, uint32_t *fill)
{
	const mir_func *mf = c->mf;
	uint32_t nw = c->nw;
	for (uint32_t l = 0; l < cy->nloop; l++) {
		const struct ra_carry_loop *lp = &cy->loop[l];
		for (uint32_t k = lp->first; k < lp->first + lp->npair; k++) {
			uint32_t i = cy->g.idx[cy->pair[k][0]];
			GSET(mask, i);
			to[i] = cy->pair[k][1];
		}
		for (uint32_t k = 0; k < lp->n; k++) {
			uint32_t b = lp->body[k];
			if (mf->b[b].osr_entry)
				continue;
			uint64_t *in = c->in + (size_t)b * nw;
			for (uint32_t w = 0; w < nw; w++) {
				uint64_t m = in[w] & mask[w];
				if (!m)
					continue;
				if (!fill) {
					c->xs_at[b + 1] += (uint32_t)__builtin_popcountll(m);
					continue;
				}
				in[w] &= ~m;
				while (m) {
					uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(m);
					m &= m - 1;
					c->xs[fill[b]++] = to[i];
				}
			}
		}
		for (uint32_t k = lp->first; k < lp->first + lp->npair; k++)
			mask[cy->g.idx[cy->pair[k][0]] / 64] = 0;
	}
	for (uint32_t k = 0; k < cy->nstart; k++) {
		uint32_t b = cy->start[k].b;
		if (!fill) {
			c->xs_at[b + 1]++;
			continue;
		}
		uint32_t i = cy->g.idx[cy->start[k].v];
		c->in[(size_t)b * nw + i / 64] &= ~(1ull << (i % 64));
		c->xs[fill[b]++] = cy->start[k].s;
	}
}

/* The second round's live-in sets: the first's (its numbering, nw
 * words a block) without the values split at loops where their copies
 * are live instead, the copies (registers the first round did not
 * number) listed per block beside them: c->xs[c->xs_at[b] ..
 * c->xs_at[b + 1]).  The copies are most of the second round's
 * registers but few of any block's: sets as wide as every register
 * took printf_core 41 words a block where its first round's take 9.
 * False when out of memory. */
static bool carry_in(ra *c, const ra_carry *cy)
{
	const mir_func *mf = c->mf;
	uint64_t *mask = ra_zalloc(c->ar, (size_t)c->nw * 8);
	/* per first-round bit of a split value, its copy */
	mir_reg *to = ra_alloc(c->ar, ((size_t)cy->g.n + 1) * sizeof *to);
	c->xs_at = ra_zalloc(c->ar, ((size_t)mf->nb + 1) * sizeof *c->xs_at);
	uint32_t *fill = ra_alloc(c->ar, ((size_t)mf->nb + 1) * sizeof *fill);
	if (!mask || !to || !c->xs_at || !fill)
		return false;
	carry_split(c, cy, mask, to, NULL);
	for (uint32_t b = 0; b < mf->nb; b++)
		c->xs_at[b + 1] += c->xs_at[b];
	c->xs = ra_alloc(c->ar, ((size_t)c->xs_at[mf->nb] + 1) * sizeof *c->xs);
	if (!c->xs)
		return false;
	memcpy(fill, c->xs_at, (size_t)mf->nb * sizeof *fill);
	carry_split(c, cy, mask, to, fill);
	return true;
}

/* Words in a liveness set of n bits (at least one). */
static uint32_t bit_words(uint32_t n)
{
	return n ? (n + 63) / 64 : 1;
}

/* Liveness: the operand list, the spill weights' counts, the global
 * registers (ra_glob: those some block reads before writing them; the
 * others are never live into a block), the live-in sets (from gen and
 * kill to a fixpoint, or after a round that split from its sets, cy:
 * carry_in; a block's live-out set is computed where it is walked,
 * live_out), the OSR entries' use and the registers live across calls.
 * The first round of two (keep: its ra_carry) leaves its live-in sets
 * and numbering in keep's arrays, which the caller allocated (as large
 * as every register would need: the pages past what is used are never
 * touched).  False when out of memory. */
static bool liveness(ra *c, const ra_carry *cy, ra_carry *keep)
{
	mir_func *mf = c->mf;
	c->nwf = set_words(mf);
	c->across = ra_zalloc(c->ar, (size_t)c->nwf * 8);
	c->live = ra_zalloc(c->ar, (size_t)c->nwf * 8);
	if (!c->across || !c->live || !ops_build(c))
		return false;
	if (cy) {
		/* the spill weights' counts (each def and use, 8^depth of
		 * its block); the first round's numbering and sets, with
		 * the splits applied (carry_in) */
		for (uint32_t b = 0; b < mf->nb; b++) {
			const mir_block *bl = &mf->b[b];
			double freq = (double)(1u << (3 * c->depth[b]));
			uint32_t k0 = c->op_at[bl->first];
			uint32_t k1 = c->op_at[bl->first + bl->n];
			for (uint32_t k = k0; k < k1; k++)
				if (!MIR_IS_PHYS(ra_op_reg(c->op[k])))
					c->weight[ra_op_reg(c->op[k])] += freq;
		}
		c->g = cy->g;
		c->nw = cy->nw;
		/* the first's sets, changed in place: no one reads them
		 * after (a second copy; with the fixpoint's arrays given
		 * back, below: 14 fewer faults in printf_core's allocation,
		 * 210 over the 15 bench modules) */
		c->in = cy->in;
		c->out = ra_zalloc(c->ar, (size_t)c->nw * 8);
		if (!c->in || !c->out)
			return false;
		if (!carry_in(c, cy))
			return false;
		goto solved;
	}
	/* What outlives the fixpoint first, sized for every register (the
	 * pages past what is used are never touched), then the fixpoint's
	 * own arrays, given back after it (mark): the ranges and splits
	 * after it reuse their pages (gen and kill: 108 KB of
	 * printf_core's) */
	c->g.nv = mf->nv;
	c->g.idx = keep ? keep->g.idx :
		ra_alloc(c->ar, (size_t)mf->nv * sizeof *c->g.idx);
	c->g.reg = keep ? keep->g.reg :
		ra_alloc(c->ar, (size_t)mf->nv * sizeof *c->g.reg);
	c->in = keep ? keep->in :
		ra_alloc(c->ar, (size_t)mf->nb * c->nwf * 8);
	c->out = ra_zalloc(c->ar, (size_t)c->nwf * 8);
	if (!c->g.idx || !c->g.reg || !c->in || !c->out)
		return false;
	ra_mark fix = ra_arena_mark(c->ar);
	/* the spill weights' counts and the global registers (a use in a
	 * block that has not defined the register before it, defb[r]
	 * the last block that did + 1): one walk of the operands */
	uint32_t *defb = ra_zalloc(c->ar, (size_t)mf->nv * sizeof *defb);
	if (!defb)
		return false;
	for (mir_reg v = 0; v < mf->nv; v++)
		c->g.idx[v] = RA_NOBIT;
	for (uint32_t b = 0; b < mf->nb; b++) {
		const mir_block *bl = &mf->b[b];
		double freq = (double)(1u << (3 * c->depth[b]));
		uint32_t k0 = c->op_at[bl->first], k1 = c->op_at[bl->first + bl->n];
		for (uint32_t k = k0; k < k1; k++) {
			mir_reg r = ra_op_reg(c->op[k]);
			if (MIR_IS_PHYS(r))
				continue;
			c->weight[r] += freq;
			if (ra_op_how(c->op[k]) != OP_USE)
				defb[r] = b + 1;
			else if (defb[r] != b + 1)
				c->g.idx[r] = 0;        /* global: numbered below */
		}
	}
	c->g.n = 0;
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (c->g.idx[v] != RA_NOBIT) {
			c->g.idx[v] = c->g.n;
			c->g.reg[c->g.n++] = v;
		}
	c->nw = bit_words(c->g.n);
	size_t words = (size_t)mf->nb * c->nw;
	c->gen = ra_zalloc(c->ar, words * 8);
	c->kill = ra_zalloc(c->ar, words * 8);
	if (!c->gen || !c->kill)
		return false;
	memset(c->in, 0, words * 8);
	/* gen and kill of the global registers */
	for (uint32_t b = 0; b < mf->nb; b++) {
		const mir_block *bl = &mf->b[b];
		uint32_t k0 = c->op_at[bl->first], k1 = c->op_at[bl->first + bl->n];
		uint64_t *gen = c->gen + (size_t)b * c->nw;
		uint64_t *kill = c->kill + (size_t)b * c->nw;
		for (uint32_t k = k0; k < k1; k++) {
			mir_reg r = ra_op_reg(c->op[k]);
			if (MIR_IS_PHYS(r) || c->g.idx[r] == RA_NOBIT)
				continue;
			uint32_t i = c->g.idx[r];
			if (ra_op_how(c->op[k]) != OP_USE)
				GSET(kill, i);
			else if (!GHAS(kill, i))
				GSET(gen, i);
		}
	}
	if (keep) {
		keep->nw = c->nw;
		keep->g = c->g;
	}
	/* live-in to a fixpoint, blocks in reverse order; after the first
	 * pass a block is computed again only if a successor's live-in
	 * changed since it was last (stamps of a counter of changes) */
	uint32_t *changed_at = ra_zalloc(c->ar, (size_t)mf->nb * sizeof *changed_at);
	uint32_t *done_at = ra_zalloc(c->ar, (size_t)mf->nb * sizeof *done_at);
	if (!changed_at || !done_at)
		return false;
	uint32_t tick = 0;
	for (bool changed = true, first = true; changed; first = false) {
		changed = false;
		for (uint32_t b = mf->nb; b-- > 0;) {
			const mir_block *bl = &mf->b[b];
			bool stale = first;
			for (uint32_t k = 0; k < bl->nsucc && !stale; k++)
				stale = changed_at[bl->succ[k]] > done_at[b];
			if (!stale)
				continue;
			done_at[b] = tick;
			uint64_t *in = c->in + (size_t)b * c->nw;
			uint64_t *gen = c->gen + (size_t)b * c->nw;
			uint64_t *kill = c->kill + (size_t)b * c->nw;
			bool mine = false;
			/* live-out: the union of s0 and s1, the successors'
			 * live-in sets when there are at most two (none: gen,
			 * as gen | (gen - kill) is gen), else c->out */
			const uint64_t *s0 = gen, *s1 = gen;
			if (bl->nsucc > 2) {
				live_out(c, bl, c->out);
				s0 = s1 = c->out;
			} else if (bl->nsucc) {
				s0 = c->in + (size_t)bl->succ[0] * c->nw;
				s1 = c->in + (size_t)bl->succ[bl->nsucc - 1] * c->nw;
			}
			for (uint32_t w = 0; w < c->nw; w++) {
				uint64_t nin = gen[w] | ((s0[w] | s1[w]) & ~kill[w]);
				if (nin != in[w]) {
					in[w] = nin;
					mine = true;
				}
			}
			if (mine) {
				changed_at[b] = ++tick;
				changed = true;
			}
		}
	}
	c->gen = c->kill = NULL;
	ra_arena_release(c->ar, fix);
solved:
	osr_entries_check(mf, c);
	/* the registers live across calls */
	for (uint32_t b = 0; b < mf->nb; b++)
		calls_crossed(c, b);
	mf->ninsn = mf->nb ? mf->b[mf->nb - 1].first + mf->b[mf->nb - 1].n : 0;
	return !c->oom;
}

/* The intervals and fixed ranges, after the ranges (build_ranges): a
 * register's interval is the hull of its ranges, which cover its uses
 * and defs and are widened to the start of each block it is live into
 * and to the end of each it is live out of (its first range's start,
 * and the greatest end range_add met); the fixed ranges from the GPRs'
 * explicit uses and defs, in order.  A round that splits rewrites the
 * MIR and allocates nothing, so it leaves them to the next until it
 * knows it will not split. */
static bool place(ra *c)
{
	mir_func *mf = c->mf;
	for (uint32_t g = 0; g < NLOC; g++)
		c->open[g] = UINT32_MAX;
	/* the instructions naming a machine register, a block's ranges
	 * closed at its end (its first: ops_build's) */
	uint32_t b = 0;
	for (uint32_t x = 0; x < c->nphysi; x++) {
		uint32_t idx = c->physi[x];
		if (idx >= mf->b[b].first + mf->b[b].n) {
			while (c->open_set)
				fixed_close(c, __builtin_ctz(c->open_set));
			while (idx >= mf->b[b].first + mf->b[b].n)
				b++;
		}
		c->pos = 2 * idx;
		for (uint32_t k = c->op_at[idx]; k < c->op_at[idx + 1]; k++)
			positions(c, ra_op_reg(c->op[k]), ra_op_how(c->op[k]));
	}
	while (c->open_set)
		fixed_close(c, __builtin_ctz(c->open_set));
	for (uint32_t g = 0; g < NLOC; g++) {
		uint32_t n = c->nfixed[g];
		c->fixed_lo[g] = n ? c->fixed[g][0][0] : UINT32_MAX;
		c->fixed_hi[g] = n ? c->fixed[g][n - 1][1] : 0;
	}
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (c->head[v])
			mf->start[v] = c->rg[c->head[v]].from;
	return !c->oom;
}

/* ---- linear scan --------------------------------------------------------- */

static bool fixed_meets(const ra *c, int g, uint32_t s, uint32_t e)
{
	uint32_t lo = 0, hi = c->nfixed[g];
	/* first range ending at or after s */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (c->fixed[g][mid][1] < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nfixed[g] && c->fixed[g][lo][0] <= e;
}

/* What spilling v saves per position where it is live (see the top;
 * its holes do not count): computed once per register, when the scan
 * first asks (for a holder at a conflict, for a value to evict for);
 * most registers it never asks about.  The answer kept is read inline
 * (the conflict checks ask per conflicting holder), the first computed
 * out of line. */
static double spill_weight_calc(ra *c, mir_reg v)
{
	uint32_t len = 0;
	for (uint32_t x = c->head[v]; x; x = c->rg[x].next)
		len += c->rg[x].to - c->rg[x].from + 1;
	c->sweight[v] = c->weight[v] / ((double)len + 1.0);
	return c->sweight[v];
}

static inline double spill_weight(ra *c, mir_reg v)
{
	double w = c->sweight[v];
	return w >= 0 ? w : spill_weight_calc(c, v);
}

/* The spill weights, none computed yet (-1).  False when out of
 * memory. */
static bool spill_weights(ra *c)
{
	mir_func *mf = c->mf;
	c->sweight = late_alloc(c, (size_t)mf->nv * sizeof *c->sweight);
	if (!c->sweight)
		return false;
	for (mir_reg v = 0; v < mf->nv; v++)
		c->sweight[v] = -1;
	return true;
}

/* Hints: for each register, a GPR it would like (the other side of a
 * move from or to a GPR) and two registers whose location it would like
 * to share: [0] the source of a move into it, [1] the phi a parallel
 * move copies it into.  [1] is tried first, as it takes a loop's back
 * edge out: the value a loop carries round is defined after its phi, so
 * when it is allocated the phi has its register, and where the phi is
 * dead by then (its last use came first) the value takes that register
 * and the edge's move is a move to itself, which the emitter drops. */
static void hints(const ra *c, int8_t *hphys, mir_reg (*hreg)[2])
{
	const mir_func *mf = c->mf;
	for (uint32_t x = 0; x < c->nmovi; x++) {
		const mir_insn *i = c->movi[x];
		if (i->op == MIR_MOV) {
			if (MIR_IS_PHYS(i->a) && !MIR_IS_PHYS(i->d))
				hphys[i->d] = (int8_t)MIR_LOC(i->a);
			else if (MIR_IS_PHYS(i->d) && !MIR_IS_PHYS(i->a))
				hphys[i->a] = (int8_t)MIR_LOC(i->d);
			else if (!hreg[i->d][0])
				hreg[i->d][0] = i->a;
			continue;
		}
		for (uint32_t k = 0; k < i->aux; k++) {
			const mir_move *mv = &mf->moves[i->imm + k];
			if (!mv->src)
				continue;
			if (!hreg[mv->dst][0])
				hreg[mv->dst][0] = mv->src;
			if (!MIR_IS_PHYS(mv->src) && !hreg[mv->src][1])
				hreg[mv->src][1] = mv->dst;
		}
	}
}

/* ---- spill slots ------------------------------------------------------------ */

/* The slots' ends in a tournament tree: leaf slot_cap + k is slot k's
 * end (UINT32_MAX past the last slot, never free), each inner node i
 * the least of its children 2i and 2i + 1.  The first slot whose
 * occupants all end before a position is found down from the root, a
 * slot's new end goes up towards it: log2(slot_cap) steps each, where a
 * walk of groups of 64 slots and of the slots in one took 460
 * instructions a spill over the bench programs (printf_core has
 * hundreds of slots). */
static uint32_t slot_end(const ra *c, uint32_t k)
{
	return c->slot_min[c->slot_cap + k];
}

/* The first slot whose occupants all end before s, or nspill. */
static uint32_t free_slot(const ra *c, uint32_t s)
{
	const uint32_t *m = c->slot_min;
	if (!c->slot_cap || m[1] >= s)
		return c->mf->nspill;
	uint32_t i = 1;
	while (i < c->slot_cap)
		i = m[2 * i] < s ? 2 * i : 2 * i + 1;
	return i - c->slot_cap;
}

/* Slot k's occupants now end at e. */
static void slot_set(ra *c, uint32_t k, uint32_t e)
{
	uint32_t *m = c->slot_min, i = c->slot_cap + k;
	m[i] = e;
	for (i >>= 1; i; i >>= 1) {
		uint32_t least = m[2 * i] < m[2 * i + 1] ? m[2 * i] : m[2 * i + 1];
		if (m[i] == least)
			break;          /* and so every node above */
		m[i] = least;
	}
}

/* Room in the tree for n slots.  False when out of memory. */
static bool slots_grow(ra *c, uint32_t n)
{
	if (n <= c->slot_cap)
		return true;
	uint32_t cap = c->slot_cap ? 2 * c->slot_cap : 16;
	while (cap < n)
		cap *= 2;
	uint32_t *m = ra_alloc(c->ar, (size_t)2 * cap * sizeof *m);
	if (!m)
		return false;
	for (uint32_t i = cap; i < 2 * cap; i++)
		m[i] = i - cap < c->mf->nspill ? slot_end(c, i - cap) : UINT32_MAX;
	for (uint32_t i = cap; i-- > 1;)
		m[i] = m[2 * i] < m[2 * i + 1] ? m[2 * i] : m[2 * i + 1];
	c->slot_min = m;
	c->slot_cap = cap;
	return true;
}

/* v's native frame slot: the first whose occupants all end before v
 * starts (v is spilled while the scan is at or after its start, and
 * every occupant so far started no later than the scan, so they are
 * disjoint from v), else a new one; a v128 takes two adjacent ones.
 * False when out of memory. */
static bool spill_slot(ra *c, mir_reg v)
{
	mir_func *mf = c->mf;
	uint32_t w = mir_vsize(mf, v) == 16 ? 2 : 1;   /* a v128: two slots */
	uint32_t k;
	if (w == 1) {
		k = free_slot(c, mf->start[v]);
	} else {
		for (k = 0; k < mf->nspill; k++) {
			uint32_t j = 0;
			while (j < w && k + j < mf->nspill &&
			    slot_end(c, k + j) < mf->start[v])
				j++;
			if (j == w || k + j == mf->nspill)
				break;
		}
	}
	if (k + w > mf->nspill) {
		if (!slots_grow(c, k + w))
			return false;
		mf->nspill = k + w;
	}
	for (uint32_t j = 0; j < w; j++)
		slot_set(c, k + j, mf->end[v]);
	mf->spill[v] = (int32_t)k;
	return true;
}

/* ---- splitting around calls ----------------------------------------------------
 * A value live across calls keeps rbp or a spill slot for its whole
 * interval, so without splitting the values a loop carries past a call
 * on one of its paths sit in memory on every path.  When its uses and
 * definitions outweigh the calls it crosses (each weighed 8^depth of its
 * block, as the spill weights are), a value v is split at each call it
 * is live across instead: `s = mov v` right before the call, `v = mov s`
 * right after, s a new register (one per call, so its interval is those
 * two instructions and its spill slot is shared with the others').  Then
 * v is live across no call and may take any register; s is live across
 * its call and takes rbp or a slot: v is stored once before the call and
 * reloaded once after it, not at each use.  The calls read and write no
 * virtual register (their results come from frame slots, in LDSLOTs
 * after them), so nothing flows between a call and the reloads.  The
 * allocation then runs again on the rewritten MIR. */

/* A new register of v's size and class; MIR_NOREG when out of memory. */
static mir_reg split_reg(mir_func *mf, mir_reg v)
{
	if (!ir_grow((void **)&mf->vsize, &mf->cap_v, mf->nv + 1, 1))
		return MIR_NOREG;
	mf->vsize[mf->nv] = mf->vsize[v];
	return mf->nv++;
}

/* Each call of block b with the registers of `pick` live across it:
 * fn(ctx, b, j, v) for each (j the call's index), calls in reverse
 * order. */
typedef bool across_fn(ra *c, uint32_t b, uint32_t j, mir_reg v, void *ctx);
static bool each_across(ra *c, uint32_t b, const uint64_t *pick, across_fn *fn,
	void *ctx)
{
	const mir_block *bl = &c->mf->b[b];
	if (!c->callblk[b])
		return true;
	live_full(c, bl);
	for (uint32_t j = bl->n; j-- > 0;) {
		const mir_insn *i = &bl->insn[j];
		if (is_call(i)) {
			for (uint32_t w = 0; w < c->nwf; w++) {
				uint64_t bits = c->live[w] & (pick ? pick[w] : ~0ull);
				while (bits) {
					mir_reg v = w * 64 + (uint32_t)__builtin_ctzll(bits) +
						MIR_FIRST_VIRT;
					bits &= bits - 1;
					if (!fn(c, b, j, v, ctx))
						return false;
				}
			}
		}
		live_step(c, b, j);
	}
	return true;
}

/* The (call, value) pairs of one block, in reverse order of calls. */
typedef struct {
	uint32_t (*pair)[2];
	uint32_t n, cap;
} split_list;

static bool add_pair(ra *c, uint32_t b, uint32_t j, mir_reg v, void *ctx)
{
	(void)b;
	split_list *l = ctx;
	if (!ra_grow(c->ar, (void **)&l->pair, &l->cap, l->n + 1, sizeof *l->pair))
		return false;
	l->pair[l->n][0] = j;
	l->pair[l->n][1] = v;
	l->n++;
	return true;
}

/* Block b with the stores before and reloads after each call of l. */
static bool split_block(mir_func *mf, uint32_t b, const split_list *l)
{
	mir_block *bl = &mf->b[b];
	uint32_t n = bl->n + 2 * l->n, o = 0, p = l->n;
	mir_insn *ni = malloc((size_t)n * sizeof *ni);
	if (!ni)
		return false;
	for (uint32_t j = 0; j < bl->n; j++) {
		/* pairs are in reverse order: this call's end at p */
		uint32_t q = p;
		while (q > 0 && l->pair[q - 1][0] == j)
			q--;
		uint32_t at = o + (p - q);
		for (uint32_t k = q; k < p; k++) {
			mir_reg v = l->pair[k][1], sv = split_reg(mf, v);
			if (sv == MIR_NOREG) {
				free(ni);
				return false;
			}
			unsigned size = mir_vsize(mf, v);
			ni[o++] = (mir_insn){ .op = MIR_MOV, .size = (uint8_t)size,
				.d = sv, .a = v, .site = bl->insn[j].site };
			ni[at + 1 + (k - q)] = (mir_insn){ .op = MIR_MOV,
				.size = (uint8_t)size, .d = v, .a = sv,
				.site = bl->insn[j].site };
		}
		ni[o++] = bl->insn[j];
		o += p - q;
		p = q;
	}
	free(bl->insn);
	bl->insn = ni;
	bl->n = bl->cap = n;
	return true;
}

/* Decides (see above; the calls' weights summed by liveness, c->xw):
 * pick (c->nwf words, zeroed) and *nsplit: the values to split. */
static void split_calls_pick(ra *c, uint64_t *pick, uint32_t *nsplit)
{
	*nsplit = 0;
	for (mir_reg v = MIR_FIRST_VIRT; v < c->mf->nv; v++)
		if (HAS(c->across, v) && 2 * c->xw[v] <= c->weight[v]) {
			SET(pick, v);
			++*nsplit;
		}
}

/* Rewrites the blocks: the picked values split at each call they are
 * live across.  False when out of memory. */
static bool split_calls_rewrite(ra *c, const uint64_t *pick)
{
	split_list l = { 0 };
	bool ok = true;
	for (uint32_t b = 0; ok && b < c->mf->nb; b++) {
		l.n = 0;
		ok = each_across(c, b, pick, add_pair, &l);
		if (ok && l.n)
			ok = split_block(c->mf, b, &l);
	}
	return ok;
}

/* ---- the scan ---------------------------------------------------------------- */

/* Whether a fixed range of g meets a range of v, v's interval [s, e]
 * (none can when g has none inside it: most GPRs have none at all,
 * which the scan learns inline from the hull of g's fixed ranges). */
static bool fixed_meets_slow(const ra *c, int g, mir_reg v)
{
	for (uint32_t x = c->head[v]; x; x = c->rg[x].next)
		if (fixed_meets(c, g, c->rg[x].from, c->rg[x].to))
			return true;
	return false;
}

static inline bool fixed_meets_ranges(const ra *c, int g, mir_reg v,
	uint32_t s, uint32_t e)
{
	if (c->fixed_lo[g] > e || c->fixed_hi[g] < s)
		return false;
	return fixed_meets_slow(c, g, v);
}

/* Per location, the registers given it that may still meet the
 * intervals to come (their ends at or after the scan's position), each
 * with what the conflict checks read of it, in the list itself: its
 * interval's end, its first range ending at or after the scan's
 * position (y; 0 when none is left: the scan only moves forward) and
 * that range's bounds (UINT32_MAX without one).  Most holders a check
 * meets are in a hole or ended; it learns so from the list alone,
 * without loading the register's end, cursor and range from three
 * arrays. */
typedef struct {
	mir_reg w;
	uint32_t end, y, from, to;
} holder;
/* min_end: at most the least end of the holders (exact after a walk
 * that prunes); [act_from, act_to]: a range of one of them, where the
 * location is taken (empty when act_from > act_to). */
typedef struct {
	holder *e;
	uint32_t n, cap;
	uint32_t min_end, act_from, act_to;
} holders;

/* e's first range ending at or after s. */
static inline __attribute__((always_inline)) void holder_seek(
	const struct ra_range *rg, holder *e, uint32_t s)
{
	uint32_t y = e->y;
	while (y && rg[y].to < s)
		y = rg[y].next;
	e->y = y;
	e->from = y ? rg[y].from : UINT32_MAX;
	e->to = y ? rg[y].to : UINT32_MAX;
}

/* Whether a range of e meets one of v's (from hv, v's first range;
 * [s, end] its interval), from e's first range ending at or after s
 * (the scan is at v's start).  v's bounds come as arguments: read
 * through mf->start and mf->end they were loaded again per holder, as
 * the cursor's stores might have changed them for all the compiler
 * knew. */
static inline __attribute__((always_inline)) bool holder_meets(
	const struct ra_range *rg, holder *e, uint32_t hv, uint32_t s,
	uint32_t end)
{
	if (e->to < s)
		holder_seek(rg, e, s);
	if (e->from > end)
		return false;   /* e's next range starts after v ends */
	for (uint32_t x = hv, y = e->y; x && y;) {
		if (rg[x].to < rg[y].from)
			x = rg[x].next;
		else if (rg[y].to < rg[x].from)
			y = rg[y].next;
		else
			return true;
	}
	return false;
}

/* The most spill weight among the holders of h whose ranges meet v's
 * (0: none, so the location is free for v); with prune, the holders
 * that ended before v starts are dropped first (the last moved into
 * the place of each: the order the eviction spills them in).  Always
 * inlined, prune a constant. */
static inline __attribute__((always_inline)) double holders_conflict(ra *c,
	holders *h, mir_reg v, bool prune)
{
	const struct ra_range *rg = c->rg;
	uint32_t s = c->mf->start[v], end = c->mf->end[v], hv = c->head[v];
	double most = 0;
	holder *e = h->e;
	uint32_t n = h->n, least = UINT32_MAX;
	for (uint32_t k = 0; k < n;) {
		if (prune && e[k].end < s) {
			e[k] = e[--n];
			continue;
		}
		if (holder_meets(rg, &e[k], hv, s, end)) {
			double wt = spill_weight(c, e[k].w) + 1e-300;
			if (wt > most)
				most = wt;
		}
		if (prune) {
			if (e[k].end < least)
				least = e[k].end;
			/* (its cursor is at its first range ending at or
			 * after s, where holder_meets left it) */
			if (e[k].from <= s && s <= e[k].to) {
				h->act_from = e[k].from;
				h->act_to = e[k].to;
			}
		}
		k++;
	}
	h->n = n;
	if (prune)
		h->min_end = least;
	return most;
}

/* holders_conflict without pruning, its walk stopped once a conflicting
 * holder weighs cap or more (the answer then is that holder's weight). */
static double holders_weigh(ra *c, const holders *h, mir_reg v, double cap)
{
	const struct ra_range *rg = c->rg;
	uint32_t s = c->mf->start[v], end = c->mf->end[v], hv = c->head[v];
	double most = 0;
	for (uint32_t k = 0; k < h->n && most < cap; k++)
		if (holder_meets(rg, &h->e[k], hv, s, end)) {
			double wt = spill_weight(c, h->e[k].w) + 1e-300;
			if (wt > most)
				most = wt;
		}
	return most;
}

/* A value split at a loop (regalloc_split.c) whose halves are both
 * spilled keeps one slot: the loop's half s takes the slot of the value
 * v, so the moves between them vanish (emit.c drops a move within one
 * slot).  Safe when s lives inside v's interval (a value the loop does
 * not name: s between a read and a write of v), since a slot's other
 * occupants' intervals are disjoint from v's (spill_slot); a value an
 * inner loop only reads may be dead after the loop, s then outlives v
 * and keeps a slot of its own. */
static void split_slots(const ra *c)
{
	mir_func *mf = c->mf;
	for (uint32_t x = 0; x < c->nmovi; x++) {
		const mir_insn *i = c->movi[x];
		if (i->op != MIR_MOV || i->aux != MIR_MOV_SPLIT ||
		    mf->reg[i->d] >= 0 || mf->reg[i->a] >= 0)
			continue;
		/* s, the loop's half, starts after v */
		mir_reg s = i->d, v = i->a;
		if (mf->start[s] < mf->start[v])
			s = i->a, v = i->d;
		if (mf->end[s] <= mf->end[v])
			mf->spill[s] = mf->spill[v];
	}
}

/* Linear scan over the intervals in order (order[0..n): registers by
 * start, then register), with their holes:
 * a location is free for v when none of its holders' ranges meets v's,
 * none of its fixed ranges does, and it survives the calls v is live
 * across.  Hints first, then the class's locations in order.  With none
 * free, the location whose conflicting holders weigh least gives them up
 * (they are spilled) if they weigh less than v, else v is spilled.
 * False when out of memory. */
static bool scan(ra *c, const mir_reg *order, uint32_t n, const int8_t *hphys,
	const mir_reg (*hreg)[2])
{
	mir_func *mf = c->mf;
	holders hold[NLOC] = { { 0 } };
	bool ok = true;
	pthread_once(&scan_locs_once, scan_locs_init);
	for (int g = 0; g < NLOC; g++)
		hold[g] = (holders){ .min_end = UINT32_MAX, .act_from = 1 };
	for (uint32_t k = 0; k < n && ok; k++) {
		mir_reg v = order[k];
		bool flt = mir_vflt(mf, v);
		bool xcall = HAS(c->across, v);
		bool remat = mf->vsize[v] & MIR_VREMAT;
		const loc_list *locs = &scan_locs[flt][xcall][remat];
		uint32_t vs = mf->start[v], ve = mf->end[v];
		int hint[3], nh = 0, got = -1, g;
		/* per location, its holders' conflict with v once computed
		 * (the eviction below asks again for the same ones) */
		double conf[NLOC];
		bool known[NLOC] = { false };
		if (hphys[v] >= 0)
			hint[nh++] = hphys[v];
		for (int h = 1; h >= 0; h--)
			if (hreg[v][h] && mf->reg[hreg[v][h]] >= 0)
				hint[nh++] = mf->reg[hreg[v][h]];
		/* the hints (those v may take), then the class's locations */
		for (int j = 0; j < nh + locs->n && got < 0; j++) {
			if (j < nh) {
				g = hint[j];
				if (!allocatable(g) || MIR_LOC_IS_XMM(g) != flt ||
				    (xcall && call_clobbers(g)) || (remat && pinned(g)))
					continue;
			} else {
				g = locs->loc[j - nh];
			}
			if (!known[g]) {
				/* taken where v starts, and the walk would drop
				 * no holder: a conflict, whose weight the
				 * eviction asks for if it comes to that */
				const holders *h = &hold[g];
				if (h->min_end >= vs && h->act_from <= vs &&
				    vs <= h->act_to)
					continue;
				conf[g] = holders_conflict(c, &hold[g], v, true);
				known[g] = true;
			}
			if (conf[g] > 0 || fixed_meets_ranges(c, g, v, vs, ve))
				continue;
			got = g;
		}
		if (got < 0) {
			/* the location whose conflicting holders weigh least
			 * (those not walked yet, as far as they weigh less than
			 * v: a location weighing as much gives nothing up and
			 * is best only when none does) */
			int best = -1;
			double bw = 0, wv = spill_weight(c, v);
			for (uint32_t j = 0; j < locs->n; j++) {
				g = locs->loc[j];
				if (fixed_meets_ranges(c, g, v, vs, ve))
					continue;
				double w = known[g] ? conf[g] :
					holders_weigh(c, &hold[g], v, wv);
				if (best < 0 || w < bw) {
					best = g;
					bw = w;
				}
			}
			if (best >= 0 && bw < wv) {
				holders *h = &hold[best];
				for (uint32_t j = 0; j < h->n && ok;) {
					mir_reg w = h->e[j].w;
					if (!holder_meets(c->rg, &h->e[j], c->head[v], vs,
					    ve)) {
						j++;
						continue;
					}
					mf->reg[w] = MIR_SPILLED;
					ok = spill_slot(c, w);
					h->e[j] = h->e[--h->n];
				}
				got = best;
			}
		}
		if (got >= 0) {
			holders *h = &hold[got];
			mf->reg[v] = (int8_t)got;
			if (!ra_grow(c->ar, (void **)&h->e, &h->cap, h->n + 1,
			    sizeof *h->e))
				ok = false;
			else {
				/* (v has ranges: its start is theirs, place) */
				h->e[h->n++] = (holder){ v, mf->end[v], c->head[v],
					c->rg[c->head[v]].from, c->rg[c->head[v]].to };
				if (mf->end[v] < h->min_end)
					h->min_end = mf->end[v];
				h->act_from = c->rg[c->head[v]].from;
				h->act_to = c->rg[c->head[v]].to;
			}
		} else {
			ok = ok && spill_slot(c, v);
		}
	}
	if (ok)
		split_slots(c);
	return ok;
}

/* Whether some block inside a loop (depth >= 1) has more registers of a
 * class live at once than the scan has: else loop splitting
 * (ra_split_loops, which splits only at such loops) has nothing to do,
 * and its walk of the loops is skipped. */
static bool loop_pressure(const ra *c)
{
	for (uint32_t b = 0; b < c->mf->nb; b++)
		if (c->depth[b] &&
		    (c->pressure[b] > NALLOC || c->pressure_x[b] > NALLOCX))
			return true;
	return false;
}

/* Splitting at loops (ra_split_loops) with the values split around
 * calls (picked, a set of any register) left alone, given it in the
 * liveness sets' numbering.  False when out of memory. */
static bool split_loops(ra *c, const uint64_t *picked, ra_carry *cy,
	uint32_t *nloop)
{
	uint64_t *skip = ra_zalloc(c->ar, (size_t)c->nw * 8);
	if (!skip)
		return false;
	for (uint32_t w = 0; w < c->nwf; w++) {
		uint64_t bits = picked[w];
		while (bits) {
			mir_reg v = w * 64 + (uint32_t)__builtin_ctzll(bits) +
				MIR_FIRST_VIRT;
			bits &= bits - 1;
			if (c->g.idx[v] != RA_NOBIT)
				GSET(skip, c->g.idx[v]);
		}
	}
	return ra_split_loops(c->mf, c->ar, c->loops,
		&(ra_oplist){ c->op, c->op_at }, c->in, c->nw, &c->g,
		c->pressure, c->pressure_x, skip, cy, nloop);
}

/* One allocation of mf, depth its blocks' loop depths (loop_depths).
 * With split (a carry to fill, its live-in sets allocated and zeroed),
 * the values worth splitting around calls and at loops are split (*did:
 * some were) and nothing is allocated: the caller runs it again with
 * from, the filled carry (ra_carry: what stays of the first round). */
static wasm_status regalloc_once(mir_func *mf, ra_arena *ar,
	const uint8_t *depth, const ra_loopset *loops, ra_carry *split,
	const ra_carry *from, bool *did, wasm_error *err)
{
	ra c = { .mf = mf, .ar = ar, .depth = depth, .loops = loops };
	wasm_status st = WASM_OK;
	mir_reg *order = NULL;          /* by start, then register (scan) */
	int8_t *hphys = NULL;
	mir_reg (*hreg)[2] = NULL;
	uint32_t nvirt = mf->nv - MIR_FIRST_VIRT;

	if (!sets_fit(mf))
		return err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"function %u: too large for the register allocator's "
			"liveness sets", mf->func_index);
	free(mf->reg);
	free(mf->spill);
	free(mf->start);
	free(mf->end);
	mf->reg = malloc(mf->nv);
	mf->spill = malloc((size_t)mf->nv * sizeof *mf->spill);
	mf->start = malloc((size_t)mf->nv * sizeof *mf->start);
	mf->end = calloc(mf->nv, sizeof *mf->end);
	c.weight = ra_zalloc(ar, (size_t)mf->nv * sizeof *c.weight);
	if (split)
		c.xw = ra_zalloc(ar, (size_t)mf->nv * sizeof *c.xw);
	if (!mf->reg || !mf->spill || !mf->start || !mf->end ||
	    !c.weight || (split && !c.xw))
		goto nomem;
	memset(mf->reg, MIR_SPILLED, mf->nv);
	for (uint32_t v = 0; v < mf->nv; v++) {
		mf->spill[v] = -1;
		mf->start[v] = UINT32_MAX;
	}
	for (uint32_t v = 1; v < MIR_FIRST_VIRT; v++)
		mf->reg[v] = (int8_t)MIR_LOC(v);
	mf->nspill = 0;
	if (!liveness(&c, from, split))
		goto nomem;
	*did = false;
	if (split) {
		/* the calls' splits decided first: when there are some, this
		 * round allocates nothing, so the ranges are not built (the
		 * loops' pressure is, before the calls' rewrite) */
		uint32_t ncall, nloop = 0;
		uint64_t *picked = ra_zalloc(ar, (size_t)c.nwf * 8);
		if (!picked)
			goto nomem;
		split_calls_pick(&c, picked, &ncall);
		bool ok = build_ranges(&c, ncall == 0, true) &&
			(!ncall || split_calls_rewrite(&c, picked)) &&
			(!loop_pressure(&c) || split_loops(&c, picked, split, &nloop));
		if (!ok)
			goto nomem;
		if (ncall || nloop) {
			*did = true;
			goto out;
		}
		if (!place(&c))
			goto nomem;
	} else if (!build_ranges(&c, true, false) || !place(&c)) {
		goto nomem;
	}
	/* dead: see late_alloc (the arrays' starts are 16-aligned: the
	 * arena's; only what was written is counted, so that no page is
	 * touched first here) */
	c.spare[0] = (char *)c.in;
	c.nspare[0] = (size_t)mf->nb * c.nw * 8;
	if (c.xs_at) {
		c.spare[1] = (char *)c.xs;
		c.nspare[1] = (size_t)c.xs_at[mf->nb] * sizeof *c.xs & ~(size_t)15;
	}
	c.spare[2] = (char *)c.op;
	c.nspare[2] = (size_t)c.nop * sizeof *c.op & ~(size_t)15;
	c.spare[3] = (char *)c.op_at;
	c.nspare[3] = ((size_t)mf->ninsn + 1) * sizeof *c.op_at & ~(size_t)15;
	/* (a round that splits allocates nothing: no hints) */
	hphys = late_alloc(&c, mf->nv);
	hreg = late_alloc(&c, (size_t)mf->nv * sizeof *hreg);
	if (!hphys || !hreg)
		goto nomem;
	memset(hphys, -1, mf->nv);
	memset(hreg, 0, (size_t)mf->nv * sizeof *hreg);
	hints(&c, hphys, hreg);

	/* the intervals by start, then register: a counting sort on the
	 * start (a position: about 2 * ninsn of them), registers ascending
	 * within one start as they are visited */
	uint32_t n = 0, npos = 0;
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (mf->start[v] != UINT32_MAX && mf->start[v] >= npos)
			npos = mf->start[v] + 1;
	uint32_t *at = late_alloc(&c, ((size_t)npos + 1) * sizeof *at);
	order = late_alloc(&c, ((size_t)nvirt + 1) * sizeof *order);
	if (!at || !order)
		goto nomem;
	memset(at, 0, ((size_t)npos + 1) * sizeof *at);
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (mf->start[v] != UINT32_MAX)
			at[mf->start[v] + 1]++;
	for (uint32_t k = 0; k < npos; k++)
		at[k + 1] += at[k];
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (mf->start[v] != UINT32_MAX) {
			order[at[mf->start[v]]++] = v;
			n++;
		}

	if (!spill_weights(&c) || !scan(&c, order, n, hphys, hreg))
		goto nomem;
	goto out;
nomem:
	st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory allocating registers");
out:
	return st;
}

wasm_status mir_regalloc(mir_func *mf, wasm_error *err)
{
	bool did;
	ra_loopset loops = { 0 };
	ra_arena ar;
	ra_carry cy = { 0 };
	ra_arena_open(&ar);
	uint8_t *depth = ra_alloc(&ar, mf->nb);
	/* the first round's live-in sets, which the second reads (too
	 * large: regalloc_once refuses the function) */
	if (sets_fit(mf)) {
		cy.g.idx = ra_alloc(&ar, (size_t)mf->nv * sizeof *cy.g.idx);
		cy.g.reg = ra_alloc(&ar, (size_t)mf->nv * sizeof *cy.g.reg);
		cy.in = ra_alloc(&ar, (size_t)mf->nb * set_words(mf) * 8);
	}
	if (!depth || (sets_fit(mf) && (!cy.in || !cy.g.idx || !cy.g.reg)) ||
	    !ra_loops_keep(mf, &loops) ||
	    !loop_depths(mf, &loops, depth)) {
		ra_arena_close(&ar);
		ra_loopset_free(&loops);
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX,
			"out of memory allocating registers");
	}
	/* the second round after splitting: the splits add instructions,
	 * not blocks, so the loops and their depths stay, and its liveness
	 * follows from the first's (carry_in); the rest of the first
	 * round's memory is its to reuse */
	ra_mark m = ra_arena_mark(&ar);
	wasm_status st = regalloc_once(mf, &ar, depth, &loops, &cy, NULL, &did,
		err);
	if (st == WASM_OK && did) {
		/* the sets' room past the words the first round's used
		 * (cy.nw a block, of set_words): the second round's arrays
		 * follow them, on the pages the first round touched rather
		 * than past that room (76 fresh pages over the 15 bench
		 * modules) */
		ra_arena_release(&ar, ra_mark_cut(m, cy.in,
			(size_t)mf->nb * cy.nw * 8));
		st = regalloc_once(mf, &ar, depth, &loops, NULL, &cy, &did, err);
	}
	ra_arena_close(&ar);
	ra_loopset_free(&loops);
	free(cy.loop);
	free(cy.pair);
	free(cy.start);
	return st;
}
