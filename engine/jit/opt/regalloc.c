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
 * union of the successors' live-in, to a fixpoint.  A virtual register's
 * interval is one range, from its first to its last position, widened to
 * the start of each block it is live into and to the end of each block it
 * is live out of: no holes, so a loop's values stay allocated across the
 * whole loop (conservative, and independent of how the blocks are laid
 * out).
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
 * Allocation: intervals by start; each takes a free register of its class, trying its
 * hints first (the other side of a move, the source of a phi move), else
 * the one with the least spill weight among those holding a register it
 * could use gives up its register and is spilled (if its weight is less
 * than this one's), else this one is spilled.  A spilled register lives
 * in the native frame for its whole life ([rsp + 8*k], 8 bytes): stored
 * once where it is defined, loaded into a scratch register (r10, r11)
 * where it is used.  Spill slots are shared by registers whose intervals
 * do not overlap (spill_slot).
 *
 * Splitting around calls (split_calls, below): before the scan, a value
 * live across calls whose uses outweigh the calls it crosses is split at
 * each of them (stored before, reloaded after, through a new register
 * that only the call separates), and the allocation runs again on the
 * rewritten MIR: the value itself then lives across no call and may take
 * any register, so a loop's values stay in registers though a call on
 * one of its paths crosses them.
 *
 * Spill weight: what spilling the whole interval costs per position it
 * frees, as in Chaitin's allocator and LLVM's: each def and use counts
 * 8^d for a block at loop depth d (d at most 4), the sum divided by the
 * interval's length.  A value used inside a loop outweighs one only
 * carried across it, and a short temporary outweighs a long value, so a
 * loop's carried values keep their registers and the one spilled for a
 * temporary frees its register for the temporaries after it.  (By
 * furthest end alone, as Poletto and Sarkar do, the carried values of a
 * loop whose latch is laid out after its exit were spilled for values
 * used only after the loop: sha256's compression loop kept all ten in
 * memory while four GPRs held such values.)  Loop depth comes from the
 * MIR's CFG (loop_depths): natural loops of the back edges to a block
 * laid out earlier.
 */
#include "jit/opt/mir.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

/* The registers the allocator hands out, in order of preference: the
 * caller-saved ones first, then r12 and r13 (the call vector and the
 * instance, freed inside tier-2 code: mir.h's register convention; the
 * emitter restores them before every call, which therefore clobbers
 * them, and before every other instruction that reads them), rbp
 * (preserved by calls) last. */
static const x64_gpr alloc_order[] = { X64_RAX, X64_RCX, X64_RDX, X64_RSI,
	X64_RDI, X64_R8, X64_R9, X64_R12, X64_R13, X64_RBP };
#define NALLOC (sizeof alloc_order / sizeof alloc_order[0])
/* XMM registers (as locations: MIR_LOC_XMM + n), xmm0..xmm13. */
#define NALLOCX 14
#define NLOC 32

static bool allocatable(int loc)
{
	if (MIR_LOC_IS_XMM(loc))
		return loc - MIR_LOC_XMM < NALLOCX;
	for (size_t k = 0; k < NALLOC; k++)
		if (alloc_order[k] == loc)
			return true;
	return false;
}

/* The k-th location of the class of v in order of preference (-1 past
 * the last). */
static int class_loc(const mir_func *mf, mir_reg v, size_t k)
{
	if (mir_vflt(mf, v))
		return k < NALLOCX ? MIR_LOC_XMM + (int)k : -1;
	return k < NALLOC ? (int)alloc_order[k] : -1;
}

/* ---- operands ------------------------------------------------------------ */

/* clobber: written at the use position; callclob: a call's clobber of
 * a caller-saved register (checked by liveness, not by intervals) */
enum { OP_USE, OP_DEF, OP_CLOBBER, OP_CALLCLOB };
typedef void visit_fn(void *ctx, mir_reg r, int how);

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

/* Every register instruction i reads or writes: uses first, then defs. */
static void visit(const mir_func *mf, const mir_insn *i, visit_fn *fn, void *ctx)
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
	if (i->op == MIR_DIV) {
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

static bool is_call(const mir_insn *i)
{
	return i->op == MIR_CALL || i->op == MIR_CALLIMP || i->op == MIR_CALLIND ||
		i->op == MIR_SLOWOP;
}

/* A location a call clobbers: every allocatable one but rbp. */
static bool call_clobbers(int loc)
{
	return loc != X64_RBP;
}

/* ---- liveness ------------------------------------------------------------- */

typedef struct {
	mir_func *mf;
	uint32_t nw;            /* words per set */
	uint64_t *gen, *kill, *in, *out;
	uint32_t blk;
	/* fixed ranges per GPR, disjoint and ascending */
	uint32_t (*fixed[NLOC])[2];
	uint32_t nfixed[NLOC], cap_fixed[NLOC];
	uint32_t open[NLOC], last[NLOC];    /* the range being built, or UINT32_MAX */
	uint32_t pos;
	uint8_t *depth;         /* per block: its loop depth (loop_depths) */
	/* spill slots: per slot, the last position of its occupants */
	uint32_t *slot_end;
	uint32_t cap_slots;
	bool oom;
	/* spill weights: per register, its defs and uses, each 8^depth of
	 * its block; freq the current block's */
	double *weight;
	double freq;
	/* the registers live across a call (after it, the call reading
	 * none); live: scratch for the backward scan */
	uint64_t *across, *live;
} ra;

#define VBIT(v) ((v) - MIR_FIRST_VIRT)
#define SET(s, v) ((s)[VBIT(v) / 64] |= 1ull << (VBIT(v) % 64))
#define HAS(s, v) ((s)[VBIT(v) / 64] >> (VBIT(v) % 64) & 1)

static void gen_kill(void *ctx, mir_reg r, int how)
{
	ra *c = ctx;
	if (MIR_IS_PHYS(r))
		return;
	uint64_t *gen = c->gen + (size_t)c->blk * c->nw;
	uint64_t *kill = c->kill + (size_t)c->blk * c->nw;
	if (how == OP_USE) {
		if (!HAS(kill, r))
			SET(gen, r);
	} else {
		SET(kill, r);
	}
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
	if (n == c->cap_fixed[g]) {
		uint32_t cap = n ? 2 * n : 16;
		void *p = realloc(c->fixed[g], cap * sizeof *c->fixed[g]);
		if (!p) {
			c->oom = true;
			return;
		}
		c->fixed[g] = p;
		c->cap_fixed[g] = cap;
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
}

/* Intervals and fixed ranges, instruction by instruction. */
static void positions(void *ctx, mir_reg r, int how)
{
	ra *c = ctx;
	mir_func *mf = c->mf;
	uint32_t at = how == OP_DEF ? c->pos + 1 : c->pos;
	if (how == OP_CALLCLOB)
		return;
	if (MIR_IS_PHYS(r)) {
		int g = MIR_LOC(r);
		if (how == OP_USE) {
			if (c->open[g] == UINT32_MAX)
				c->open[g] = at;
			c->last[g] = at;
		} else {
			fixed_close(c, g);
			c->open[g] = at;
			c->last[g] = c->pos + 1;
		}
		return;
	}
	c->weight[r] += c->freq;
	if (at < mf->start[r])
		mf->start[r] = at;
	if (at > mf->end[r])
		mf->end[r] = at;
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
		uint64_t any = 0;
		for (uint32_t w = 0; w < c->nw; w++)
			any |= in[w];
		mf->b[b].osr_ok = any == 0;
	}
}

/* c->out = what is live out of bl: the union of its successors'
 * live-in sets. */
static void live_out(ra *c, const mir_block *bl)
{
	memset(c->out, 0, (size_t)c->nw * 8);
	for (uint32_t k = 0; k < bl->nsucc; k++) {
		const uint64_t *sin = c->in + (size_t)bl->succ[k] * c->nw;
		for (uint32_t w = 0; w < c->nw; w++)
			c->out[w] |= sin[w];
	}
}

/* Loop depth of every block (at most MAX_DEPTH): for each block h with
 * an edge from a block laid out at or after it, the natural loop of
 * those back edges (the blocks reaching one of them backwards without
 * passing h) adds one to the depth of its blocks.  An edge that is not a
 * back edge (h does not dominate its source; a br_table's edge blocks sit
 * at the end of the function) reaches the entry block backwards: no
 * loop.  Only a heuristic for the spill weights: the walks stop after a
 * budget of block visits, leaving the rest at the depth found so far.
 * False when out of memory. */
#define MAX_DEPTH 4
static bool loop_depths(const mir_func *mf, uint8_t *depth)
{
	uint32_t nb = mf->nb;
	uint32_t *npred = calloc(nb + 1, sizeof *npred);
	uint32_t *pred = malloc((size_t)(2 * nb + 1) * sizeof *pred);
	uint32_t *mark = malloc((size_t)(nb ? nb : 1) * sizeof *mark);
	uint32_t *work = malloc((size_t)(nb ? nb : 1) * sizeof *work);
	uint32_t *body = malloc((size_t)(nb ? nb : 1) * sizeof *body);
	bool ok = npred && pred && mark && work && body;
	if (!ok)
		goto out;
	memset(depth, 0, nb);
	/* predecessor lists, CSR: pred[npred[b] .. npred[b + 1]) */
	for (uint32_t b = 0; b < nb; b++)
		for (uint32_t k = 0; k < mf->b[b].nsucc; k++)
			npred[mf->b[b].succ[k] + 1]++;
	for (uint32_t b = 0; b < nb; b++)
		npred[b + 1] += npred[b];
	uint32_t *fill = work;          /* scratch until the walks */
	for (uint32_t b = 0; b < nb; b++)
		fill[b] = npred[b];
	for (uint32_t b = 0; b < nb; b++)
		for (uint32_t k = 0; k < mf->b[b].nsucc; k++)
			pred[fill[mf->b[b].succ[k]]++] = b;
	for (uint32_t b = 0; b < nb; b++)
		mark[b] = UINT32_MAX;
	uint64_t budget = 16ull * nb + 100000;
	for (uint32_t h = 1; h < nb && budget; h++) {
		uint32_t nw = 0, nbody = 0;
		bool loop = true, back = false;
		mark[h] = h;
		body[nbody++] = h;
		for (uint32_t k = npred[h]; k < npred[h + 1]; k++) {
			uint32_t p = pred[k];
			if (p < h)
				continue;
			back = true;
			if (mark[p] != h) {
				mark[p] = h;
				body[nbody++] = p;
				work[nw++] = p;
			}
		}
		if (!back)
			continue;
		while (nw && loop && budget) {
			uint32_t b = work[--nw];
			budget--;
			if (b == 0) {
				loop = false;
				break;
			}
			for (uint32_t k = npred[b]; k < npred[b + 1]; k++) {
				uint32_t p = pred[k];
				if (mark[p] != h) {
					mark[p] = h;
					body[nbody++] = p;
					work[nw++] = p;
				}
			}
		}
		if (!loop || nw)
			continue;
		for (uint32_t k = 0; k < nbody; k++)
			if (depth[body[k]] < MAX_DEPTH)
				depth[body[k]]++;
	}
out:
	free(npred);
	free(pred);
	free(mark);
	free(work);
	free(body);
	return ok;
}

static void live_kill(void *ctx, mir_reg r, int how)
{
	ra *c = ctx;
	if (how == OP_DEF && !MIR_IS_PHYS(r))
		c->live[VBIT(r) / 64] &= ~(1ull << (VBIT(r) % 64));
}

static void live_gen(void *ctx, mir_reg r, int how)
{
	ra *c = ctx;
	if (how == OP_USE && !MIR_IS_PHYS(r))
		SET(c->live, r);
}

/* The registers live across each call of block b (c->out its live-out):
 * a backward scan, live = (live - defs) + uses; at a call (which reads
 * and writes no virtual register) what is live joins c->across.  Only
 * these must avoid the call's clobbers: a register whose interval spans
 * a call (intervals have no holes) but which is dead there may sit in a
 * caller-saved GPR, so a call on a loop's cold path (an exit, a trap
 * helper) no longer leaves the loop's values rbp or a spill slot. */
static void calls_crossed(ra *c, uint32_t b)
{
	const mir_block *bl = &c->mf->b[b];
	bool any = false;
	for (uint32_t j = 0; j < bl->n && !any; j++)
		any = is_call(&bl->insn[j]);
	if (!any)
		return;
	memcpy(c->live, c->out, (size_t)c->nw * 8);
	for (uint32_t j = bl->n; j-- > 0;) {
		const mir_insn *i = &bl->insn[j];
		if (is_call(i))
			for (uint32_t w = 0; w < c->nw; w++)
				c->across[w] |= c->live[w];
		visit(c->mf, i, live_kill, c);
		visit(c->mf, i, live_gen, c);
	}
}

static bool liveness(ra *c)
{
	mir_func *mf = c->mf;
	uint32_t nvirt = mf->nv - MIR_FIRST_VIRT;
	c->nw = (nvirt + 63) / 64;
	if (c->nw == 0)
		c->nw = 1;
	size_t words = (size_t)mf->nb * c->nw;
	c->gen = calloc(words, 8);
	c->kill = calloc(words, 8);
	c->in = calloc(words, 8);
	c->out = calloc(c->nw, 8);
	c->across = calloc(c->nw, 8);
	c->live = calloc(c->nw, 8);
	if (!c->gen || !c->kill || !c->in || !c->out || !c->across || !c->live)
		return false;
	for (uint32_t b = 0; b < mf->nb; b++) {
		c->blk = b;
		for (uint32_t j = 0; j < mf->b[b].n; j++)
			visit(mf, &mf->b[b].insn[j], gen_kill, c);
	}
	/* live-in to a fixpoint, blocks in reverse order */
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t b = mf->nb; b-- > 0;) {
			const mir_block *bl = &mf->b[b];
			uint64_t *in = c->in + (size_t)b * c->nw;
			uint64_t *gen = c->gen + (size_t)b * c->nw;
			uint64_t *kill = c->kill + (size_t)b * c->nw;
			live_out(c, bl);
			for (uint32_t w = 0; w < c->nw; w++) {
				uint64_t nin = gen[w] | (c->out[w] & ~kill[w]);
				if (nin != in[w]) {
					in[w] = nin;
					changed = true;
				}
			}
		}
	}
	osr_entries_check(mf, c);
	/* intervals: the positions of uses and defs, widened over the blocks
	 * each register is live into or out of */
	for (uint32_t g = 0; g < NLOC; g++)
		c->open[g] = UINT32_MAX;
	uint8_t *depth = c->depth = malloc(mf->nb ? mf->nb : 1);
	if (!depth || !loop_depths(mf, depth))
		return false;
	uint32_t idx = 0;
	for (uint32_t b = 0; b < mf->nb; b++) {
		mir_block *bl = &mf->b[b];
		bl->first = idx;
		c->freq = (double)(1u << (3 * depth[b]));
		for (uint32_t j = 0; j < bl->n; j++, idx++) {
			c->pos = 2 * idx;
			visit(mf, &bl->insn[j], positions, c);
		}
		for (int g = 0; g < NLOC; g++)
			fixed_close(c, g);
		uint32_t lo = 2 * bl->first, hi = idx ? 2 * idx - 1 : 0;
		uint64_t *in = c->in + (size_t)b * c->nw;
		live_out(c, bl);
		for (uint32_t w = 0; w < c->nw; w++) {
			uint64_t bits = in[w] | c->out[w];
			while (bits) {
				uint32_t v = w * 64 + (uint32_t)__builtin_ctzll(bits) + MIR_FIRST_VIRT;
				bits &= bits - 1;
				if (HAS(in, v) && lo < mf->start[v])
					mf->start[v] = lo;
				if (HAS(c->out, v) && hi > mf->end[v])
					mf->end[v] = hi;
			}
		}
		calls_crossed(c, b);
	}
	mf->ninsn = idx;
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

/* What spilling v saves per position of its interval (see the top). */
static double spill_weight(const mir_func *mf, const double *weight, mir_reg v)
{
	return weight[v] / ((double)(mf->end[v] - mf->start[v]) + 1.0);
}

static const mir_func *sort_mf;
static int by_start(const void *pa, const void *pb)
{
	mir_reg a = *(const mir_reg *)pa, b = *(const mir_reg *)pb;
	if (sort_mf->start[a] != sort_mf->start[b])
		return sort_mf->start[a] < sort_mf->start[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Hints: for each register, a GPR it would like (the other side of a
 * move from or to a GPR) and a register whose GPR it would like to share
 * (the source of a move into it). */
static void hints(const mir_func *mf, int8_t *hphys, mir_reg *hreg)
{
	for (uint32_t b = 0; b < mf->nb; b++) {
		for (uint32_t j = 0; j < mf->b[b].n; j++) {
			const mir_insn *i = &mf->b[b].insn[j];
			if (i->op == MIR_MOV) {
				if (MIR_IS_PHYS(i->a) && !MIR_IS_PHYS(i->d))
					hphys[i->d] = (int8_t)MIR_LOC(i->a);
				else if (MIR_IS_PHYS(i->d) && !MIR_IS_PHYS(i->a))
					hphys[i->a] = (int8_t)MIR_LOC(i->d);
				else if (!hreg[i->d])
					hreg[i->d] = i->a;
			} else if (i->op == MIR_PMOV) {
				for (uint32_t k = 0; k < i->aux; k++) {
					const mir_move *mv = &mf->moves[i->imm + k];
					if (mv->src && !hreg[mv->dst])
						hreg[mv->dst] = mv->src;
				}
			}
		}
	}
}

/* ---- spill slots ------------------------------------------------------------ */

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
	for (k = 0; k < mf->nspill; k++) {
		uint32_t j = 0;
		while (j < w && k + j < mf->nspill &&
		    c->slot_end[k + j] < mf->start[v])
			j++;
		if (j == w || k + j == mf->nspill)
			break;
	}
	if (k + w > mf->nspill) {
		if (!ir_grow((void **)&c->slot_end, &c->cap_slots, k + w,
		    sizeof *c->slot_end))
			return false;
		mf->nspill = k + w;
	}
	for (uint32_t j = 0; j < w; j++)
		c->slot_end[k + j] = mf->end[v];
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
	live_out(c, bl);
	memcpy(c->live, c->out, (size_t)c->nw * 8);
	for (uint32_t j = bl->n; j-- > 0;) {
		const mir_insn *i = &bl->insn[j];
		if (is_call(i)) {
			for (uint32_t w = 0; w < c->nw; w++) {
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
		visit(c->mf, i, live_kill, c);
		visit(c->mf, i, live_gen, c);
	}
	return true;
}

static bool add_call_weight(ra *c, uint32_t b, uint32_t j, mir_reg v, void *ctx)
{
	(void)j;
	double *xw = ctx;
	xw[v] += (double)(1u << (3 * c->depth[b]));
	return true;
}

/* The (call, value) pairs of one block, in reverse order of calls. */
typedef struct {
	uint32_t (*pair)[2];
	uint32_t n, cap;
} split_list;

static bool add_pair(ra *c, uint32_t b, uint32_t j, mir_reg v, void *ctx)
{
	(void)c;
	(void)b;
	split_list *l = ctx;
	if (!ir_grow((void **)&l->pair, &l->cap, l->n + 1, sizeof *l->pair))
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

/* Decides and rewrites (see above); *nsplit the values split.  False
 * when out of memory. */
static bool split_calls(ra *c, uint32_t *nsplit)
{
	mir_func *mf = c->mf;
	uint32_t nb = mf->nb;
	double *xw = calloc(mf->nv, sizeof *xw);
	uint64_t *pick = calloc(c->nw, 8);
	split_list l = { 0 };
	bool ok = xw && pick;
	*nsplit = 0;
	for (uint32_t b = 0; ok && b < nb; b++)
		ok = each_across(c, b, NULL, add_call_weight, xw);
	for (mir_reg v = MIR_FIRST_VIRT; ok && v < mf->nv; v++)
		if (HAS(c->across, v) && 2 * xw[v] <= c->weight[v]) {
			SET(pick, v);
			++*nsplit;
		}
	for (uint32_t b = 0; ok && *nsplit && b < nb; b++) {
		l.n = 0;
		ok = each_across(c, b, pick, add_pair, &l);
		if (ok && l.n)
			ok = split_block(mf, b, &l);
	}
	free(xw);
	free(pick);
	free(l.pair);
	return ok;
}

/* One allocation of mf.  With split, the values worth splitting around
 * calls are split (*did: some were) and nothing is allocated: the
 * caller runs it again. */
static wasm_status regalloc_once(mir_func *mf, bool split, bool *did,
	wasm_error *err)
{
	ra c = { .mf = mf };
	wasm_status st = WASM_OK;
	mir_reg *order = NULL;
	int8_t *hphys = NULL;
	mir_reg *hreg = NULL;
	uint32_t nvirt = mf->nv - MIR_FIRST_VIRT;

	if ((uint64_t)mf->nb * ((nvirt + 63) / 64) > (1u << 22))
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
	order = malloc((size_t)(nvirt ? nvirt : 1) * sizeof *order);
	hphys = malloc(mf->nv);
	hreg = calloc(mf->nv, sizeof *hreg);
	c.weight = calloc(mf->nv, sizeof *c.weight);
	if (!mf->reg || !mf->spill || !mf->start || !mf->end || !order ||
	    !hphys || !hreg || !c.weight)
		goto nomem;
	memset(mf->reg, MIR_SPILLED, mf->nv);
	memset(hphys, -1, mf->nv);
	for (uint32_t v = 0; v < mf->nv; v++) {
		mf->spill[v] = -1;
		mf->start[v] = UINT32_MAX;
	}
	for (uint32_t v = 1; v < MIR_FIRST_VIRT; v++)
		mf->reg[v] = (int8_t)MIR_LOC(v);
	mf->nspill = 0;
	if (!liveness(&c))
		goto nomem;
	*did = false;
	if (split) {
		uint32_t nsplit;
		if (!split_calls(&c, &nsplit))
			goto nomem;
		if (nsplit) {
			*did = true;
			goto out;
		}
	}
	hints(mf, hphys, hreg);

	uint32_t n = 0;
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (mf->start[v] != UINT32_MAX)
			order[n++] = v;
	sort_mf = mf;
	qsort(order, n, sizeof *order, by_start);

	mir_reg owner[NLOC] = { 0 };
	for (uint32_t k = 0; k < n; k++) {
		mir_reg v = order[k];
		uint32_t s = mf->start[v], e = mf->end[v];
		bool flt = mir_vflt(mf, v);
		bool xcall = HAS(c.across, v);
		int cand[2 + NLOC], nc = 0, got = -1, g;
		if (hphys[v] >= 0)
			cand[nc++] = hphys[v];
		if (hreg[v] && mf->reg[hreg[v]] >= 0)
			cand[nc++] = mf->reg[hreg[v]];
		for (size_t j = 0; (g = class_loc(mf, v, j)) >= 0; j++)
			cand[nc++] = g;
		for (int j = 0; j < nc && got < 0; j++) {
			g = cand[j];
			if (!allocatable(g) || MIR_LOC_IS_XMM(g) != flt)
				continue;
			if (owner[g] && mf->end[owner[g]] >= s)
				continue;
			if (fixed_meets(&c, g, s, e) || (xcall && call_clobbers(g)))
				continue;
			got = g;
		}
		if (got < 0) {
			/* the holder of least weight among the usable registers
			 * (each is held: a free one was taken above) */
			int best = -1;
			for (size_t j = 0; (g = class_loc(mf, v, j)) >= 0; j++) {
				if (fixed_meets(&c, g, s, e) || (xcall && call_clobbers(g)))
					continue;
				if (best < 0 || spill_weight(mf, c.weight, owner[g]) <
				    spill_weight(mf, c.weight, owner[best]))
					best = g;
			}
			if (best >= 0 && spill_weight(mf, c.weight, owner[best]) <
			    spill_weight(mf, c.weight, v)) {
				mir_reg w = owner[best];
				mf->reg[w] = MIR_SPILLED;
				if (!spill_slot(&c, w))
					goto nomem;
				got = best;
			}
		}
		if (got >= 0) {
			mf->reg[v] = (int8_t)got;
			owner[got] = v;
		} else {
			if (!spill_slot(&c, v))
				goto nomem;
		}
	}
	goto out;
nomem:
	st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory allocating registers");
out:
	free(c.gen);
	free(c.kill);
	free(c.in);
	free(c.out);
	free(c.across);
	free(c.live);
	for (int g = 0; g < NLOC; g++)
		free(c.fixed[g]);
	free(order);
	free(hphys);
	free(hreg);
	free(c.weight);
	free(c.depth);
	free(c.slot_end);
	return st;
}

wasm_status mir_regalloc(mir_func *mf, wasm_error *err)
{
	bool did;
	wasm_status st = regalloc_once(mf, true, &did, err);
	if (st == WASM_OK && did)
		st = regalloc_once(mf, false, &did, err);
	return st;
}

/* ---- the verifier ------------------------------------------------------------ */

typedef struct {
	const mir_func *mf;
	uint32_t pos;
	const char *bad;
	mir_reg badreg;
	uint32_t badpos;
	/* locations used as fixed registers at this instruction, and the
	 * ones it clobbers as a call */
	uint32_t fixed_here, call_here;
} vc;

static void check_operand(void *ctx, mir_reg r, int how)
{
	vc *c = ctx;
	const mir_func *mf = c->mf;
	if (c->bad)
		return;
	if (MIR_IS_PHYS(r)) {
		if (how == OP_CALLCLOB)
			c->call_here |= 1u << MIR_LOC(r);
		else
			c->fixed_here |= 1u << MIR_LOC(r);
		return;
	}
	uint32_t at = how == OP_DEF ? c->pos + 1 : c->pos;
	if (r >= mf->nv || (mf->reg[r] < 0 && mf->spill[r] < 0))
		c->bad = "an operand without a location";
	else if (mf->start[r] > at || mf->end[r] < at)
		c->bad = "an operand outside its interval";
	else if (mf->reg[r] >= 0 && MIR_LOC_IS_XMM(mf->reg[r]) != mir_vflt(mf, r))
		c->bad = "an operand in a register of the other class";
	if (c->bad) {
		c->badreg = r;
		c->badpos = at;
	}
}

/* By location (a register, else a spill slot after every register),
 * then start. */
static int64_t loc_key(const mir_func *mf, mir_reg v)
{
	return mf->reg[v] >= 0 ? mf->reg[v] : (int64_t)NLOC + mf->spill[v];
}

static int by_reg_start(const void *pa, const void *pb)
{
	mir_reg a = *(const mir_reg *)pa, b = *(const mir_reg *)pb;
	if (loc_key(sort_mf, a) != loc_key(sort_mf, b))
		return loc_key(sort_mf, a) < loc_key(sort_mf, b) ? -1 : 1;
	if (sort_mf->start[a] != sort_mf->start[b])
		return sort_mf->start[a] < sort_mf->start[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Whether v is read after instruction j of block b before it is written,
 * on some path: a search of the blocks from there, independent of the
 * allocator's liveness sets.  seen: nb words, stamp a value not in it. */
typedef struct {
	mir_reg v;
	bool used, defd;
} use_probe;

static void probe(void *ctx, mir_reg r, int how)
{
	use_probe *p = ctx;
	if (r != p->v || p->used || p->defd)
		return;
	if (how == OP_USE)
		p->used = true;
	else if (how == OP_DEF)
		p->defd = true;
}

static bool live_after(const mir_func *mf, uint32_t b, uint32_t j, mir_reg v,
	uint32_t *seen, uint32_t stamp, uint32_t *stack)
{
	uint32_t n = 0, from = j + 1;
	for (;;) {
		const mir_block *bl = &mf->b[b];
		use_probe p = { .v = v };
		for (uint32_t k = from; k < bl->n && !p.used && !p.defd; k++)
			visit(mf, &bl->insn[k], probe, &p);
		if (p.used)
			return true;
		if (!p.defd)
			for (uint32_t k = 0; k < bl->nsucc; k++)
				if (seen[bl->succ[k]] != stamp) {
					seen[bl->succ[k]] = stamp;
					stack[n++] = bl->succ[k];
				}
		if (n == 0)
			return false;
		b = stack[--n];
		from = 0;
	}
}

bool mir_regalloc_verify(const mir_func *mf, char *msg, size_t msg_len)
{
	if (!mf->reg) {
		snprintf(msg, msg_len, "not allocated");
		return false;
	}
	/* 1. operands have a location and lie inside their intervals; no
	 * register in a GPR that the instruction uses as a fixed register
	 * while the register is live there */
	vc c = { .mf = mf };
	uint32_t idx = 0, stamp = 0;
	uint32_t *seen = calloc(mf->nb ? mf->nb : 1, sizeof *seen);
	uint32_t *stack = malloc((size_t)(mf->nb ? mf->nb : 1) * sizeof *stack);
	if (!seen || !stack) {
		free(seen);
		free(stack);
		snprintf(msg, msg_len, "out of memory");
		return false;
	}
	for (uint32_t b = 0; b < mf->nb; b++) {
		for (uint32_t j = 0; j < mf->b[b].n; j++, idx++) {
			const mir_insn *i = &mf->b[b].insn[j];
			c.pos = 2 * idx;
			c.fixed_here = 0;
			c.call_here = 0;
			visit(mf, i, check_operand, &c);
			if (c.bad) {
				snprintf(msg, msg_len, "b%u insn %u: v%u at %u: %s", b, j,
					c.badreg, c.badpos, c.bad);
				goto fail;
			}
			/* the emitter reloads r13 before an instance reader: none
			 * of its operands may be there */
			if (mir_reads_instance(i) &&
			    ((i->a >= MIR_FIRST_VIRT && mf->reg[i->a] == X64_R13) ||
			     (i->d >= MIR_FIRST_VIRT && mf->reg[i->d] == X64_R13))) {
				snprintf(msg, msg_len, "b%u insn %u: an operand in r13, "
					"which the instruction reloads", b, j);
				goto fail;
			}
			/* a virtual register in a location a call clobbers must not
			 * be read after the call (before it is written again) */
			for (mir_reg v = MIR_FIRST_VIRT; c.call_here && v < mf->nv; v++) {
				int g = mf->reg[v];
				if (g < 0 || !(c.call_here >> g & 1))
					continue;
				if (mf->start[v] > c.pos || mf->end[v] < c.pos)
					continue;
				if (++stamp == 0) {
					memset(seen, 0, mf->nb * sizeof *seen);
					stamp = 1;
				}
				if (live_after(mf, b, j, v, seen, stamp, stack)) {
					snprintf(msg, msg_len, "b%u insn %u: v%u lives in %d "
						"across a call that clobbers it", b, j, v, g);
					goto fail;
				}
			}
			/* a virtual register live through this instruction (not
			 * ending at its uses, nor starting at its defs) must not
			 * sit in a GPR this instruction names or clobbers */
			for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++) {
				int g = mf->reg[v];
				if (g < 0 || !(c.fixed_here >> g & 1))
					continue;
				if (mf->start[v] < c.pos && mf->end[v] > c.pos + 1) {
					snprintf(msg, msg_len, "b%u insn %u: v%u lives in %d "
						"across its fixed use", b, j, v, g);
					goto fail;
				}
			}
		}
	}
	free(seen);
	free(stack);
	/* 2. no two overlapping intervals share a register or a spill slot
	 * (slots are reused: spill_slot) */
	uint32_t n = 0;
	mir_reg *order = malloc((size_t)(mf->nv ? mf->nv : 1) * sizeof *order);
	if (!order) {
		snprintf(msg, msg_len, "out of memory");
		return false;
	}
	for (mir_reg v = MIR_FIRST_VIRT; v < mf->nv; v++)
		if (mf->start[v] != UINT32_MAX && (mf->reg[v] >= 0 || mf->spill[v] >= 0))
			order[n++] = v;
	sort_mf = mf;
	qsort(order, n, sizeof *order, by_reg_start);
	for (uint32_t k = 1; k < n; k++) {
		mir_reg p = order[k - 1], v = order[k];
		if (loc_key(mf, p) == loc_key(mf, v) && mf->end[p] >= mf->start[v]) {
			snprintf(msg, msg_len, "v%u [%u, %u] and v%u [%u, %u] share a "
				"location", p, mf->start[p], mf->end[p], v, mf->start[v],
				mf->end[v]);
			free(order);
			return false;
		}
	}
	free(order);
	return true;
fail:
	free(seen);
	free(stack);
	return false;
}
