/* regalloc_split.c -- splitting at loop boundaries for register pressure.
 *
 * A value live through a loop that neither reads nor writes it (a loop
 * between its definition and its uses) still holds a register, or is
 * spilled for its whole life, all through the loop: the loop's own
 * values then compete with it, and whichever loses is in memory in the
 * hot code.  For each natural loop (ra_loops) where more registers of a
 * class are live at once than the scan has (the pressure the liveness
 * pass measured per block), each such value v of that class is split:
 *
 *   s = mov v     on every edge into the header from outside the loop
 *   v = mov s     on every edge out of the loop into a block v is live into
 *
 * s a new register of v's size and class.  Inside the loop v is dead (its
 * live ranges have a hole there, free for the loop's values: regalloc.c's
 * scan honours holes) and s carries the value; s is read only after the
 * loop, so its spill weight is low and under the loop's pressure it is
 * the one spilled: stored once before the loop, loaded once after it.
 * Where there is room, the hints (a move's other side) give s and v one
 * register and the moves vanish.
 *
 * Edges: a move on an edge goes at the end of its source when that has
 * one successor (after its phi moves, before its jump: the phi moves
 * neither write v nor touch s, since the loop names neither), else at the start of its
 * target when that has one predecessor; a value with an edge that is
 * neither (a critical edge; lowering splits only those with phi moves),
 * or that comes into or out of a jump table's JTCASE block (they never
 * run: the JTAB block jumps to the cases itself, mir.h), is not split
 * at that loop.  An OSR entry block into the header is an edge
 * like any other: it loads v and then copies it into s, so the entry
 * block stays without live-ins and every value live at the header's
 * start has its location when the entry jumps there.  So is the OSR
 * entry of a loop nested inside (it has no predecessors, and the natural
 * loop's walk takes it in): its loads do not count as naming v, and it
 * saves v into s after loading it.
 *
 * Loops come outermost first (headers ascending); a value split at a
 * loop is not live through the loops inside it any more, so it is not
 * split again there.  Values split around calls (regalloc.c,
 * split_calls) in the same round are left alone.  The caller allocates
 * again on the rewritten MIR.
 */
#include "jit/opt/regalloc_int.h"
#include "jit/opt/ir.h"

#include <stdlib.h>
#include <string.h>

#define VBIT(v) ((v) - MIR_FIRST_VIRT)
#define SETB(s, v) ((s)[VBIT(v) / 64] |= 1ull << (VBIT(v) % 64))
#define HASB(s, v) ((s)[VBIT(v) / 64] >> (VBIT(v) % 64) & 1)

/* One move to insert: d = mov a, at the start or the end of block b;
 * save: an entry's (s = mov v), else an exit's (v = mov s).  Kept in
 * order of creation until sort_moves. */
typedef struct {
	uint32_t b;
	bool at_end, save;
	mir_reg d, a;
} split_move;

typedef struct {
	mir_func *mf;
	const ra_oplist *ops;
	const uint64_t *in, *skip;
	uint32_t nw;
	const uint16_t *pressure, *pressure_x;
	uint32_t *inloop;       /* per block: the header of the loop being
	                           split + 1 if it is in it */
	uint64_t *gone;         /* per block, nw words: the values split at
	                           a loop containing it (live-in bits cleared) */
	uint64_t *named;        /* the values the loop reads or writes */
	uint64_t *pick;
	split_move *mv;
	uint32_t nmv, cap_mv;
	uint32_t nsplit;
} ls;

/* c->named += the registers block b reads or writes, from the operand
 * list: b as it was before the calls' splits, which add only moves of
 * the values they split (in skip, never candidates) and of new
 * registers (past the sets), so the candidates named are the same. */
static void name_block(ls *c, uint32_t b)
{
	const mir_func *mf = c->mf;
	uint32_t end = b + 1 < mf->nb ? mf->b[b + 1].first : mf->ninsn;
	for (uint32_t k = c->ops->at[mf->b[b].first]; k < c->ops->at[end]; k++) {
		mir_reg r = c->ops->op[k].r;
		if (!MIR_IS_PHYS(r) && VBIT(r) < 64 * c->nw)
			SETB(c->named, r);
	}
}

static bool move_add(ls *c, uint32_t b, bool at_end, bool save, mir_reg d,
	mir_reg a)
{
	if (!ir_grow((void **)&c->mv, &c->cap_mv, c->nmv + 1, sizeof *c->mv))
		return false;
	c->mv[c->nmv] = (split_move){ b, at_end, save, d, a };
	c->nmv++;
	return true;
}

/* Where the move on edge x -> y goes: 1 the end of x, 0 the start of y,
 * -1 nowhere (a critical edge, or an edge into or out of a jump table's
 * JTCASE block: those never run, and an edge out of one stands for the
 * jump from the JTAB block, mir.h). */
static int edge_place(const mir_func *mf, const ra_preds *pred, uint32_t x,
	uint32_t y)
{
	if (mir_jtcase_block(&mf->b[x]) || mir_jtcase_block(&mf->b[y]))
		return -1;
	if (mf->b[x].nsucc == 1)
		return 1;
	if (pred->at[y + 1] - pred->at[y] == 1)
		return 0;
	return -1;
}

/* The values of loop (h, body) to split into c->pick: live into h, not
 * named in the loop, not split already at a loop around it, of a class
 * whose pressure in the loop exceeds its registers, every edge they
 * need a move on placeable.  Their number. */
static uint32_t loop_pick(ls *c, uint32_t h, const uint32_t *body, uint32_t n,
	const ra_preds *pred)
{
	mir_func *mf = c->mf;
	unsigned pg = 0, px = 0;
	for (uint32_t k = 0; k < n; k++) {
		if (c->pressure[body[k]] > pg)
			pg = c->pressure[body[k]];
		if (c->pressure_x[body[k]] > px)
			px = c->pressure_x[body[k]];
	}
	bool over_g = pg > ra_ngpr, over_x = px > ra_nxmm;
	if (!over_g && !over_x)
		return 0;
	memset(c->named, 0, (size_t)c->nw * 8);
	for (uint32_t k = 0; k < n; k++) {
		if (mf->b[body[k]].osr_entry)
			continue;       /* an entry: loop_split saves there */
		name_block(c, body[k]);
	}
	/* entries: every edge into h from outside */
	bool entries = true;
	for (uint32_t k = pred->at[h]; k < pred->at[h + 1]; k++) {
		uint32_t p = pred->list[k];
		if (c->inloop[p] != h + 1 && edge_place(mf, pred, p, h) != 1)
			entries = false;
	}
	if (!entries)
		return 0;
	const uint64_t *hin = c->in + (size_t)h * c->nw;
	const uint64_t *gone = c->gone + (size_t)h * c->nw;
	uint32_t npick = 0;
	for (uint32_t w = 0; w < c->nw; w++) {
		uint64_t bits = hin[w] & ~gone[w] & ~c->named[w] & ~c->skip[w];
		c->pick[w] = 0;
		while (bits) {
			mir_reg v = w * 64 + (uint32_t)__builtin_ctzll(bits) + MIR_FIRST_VIRT;
			bits &= bits - 1;
			if (!(mir_vflt(mf, v) ? over_x : over_g) ||
			    (mf->vsize[v] & MIR_VREMAT))       /* free to spill */
				continue;
			bool ok = true;
			for (uint32_t k = 0; k < n && ok; k++) {
				const mir_block *bl = &mf->b[body[k]];
				for (uint32_t e = 0; e < bl->nsucc && ok; e++) {
					uint32_t y = bl->succ[e];
					if (c->inloop[y] == h + 1 ||
					    !HASB(c->in + (size_t)y * c->nw, v))
						continue;
					ok = edge_place(mf, pred, body[k], y) >= 0;
				}
			}
			if (ok) {
				c->pick[w] |= 1ull << (VBIT(v) % 64);
				npick++;
			}
		}
	}
	return npick;
}

/* The moves that split the picked values at loop (h, body). */
static bool loop_split(void *ctx, uint32_t h, const uint32_t *body, uint32_t n,
	const ra_preds *pred)
{
	ls *c = ctx;
	mir_func *mf = c->mf;
	for (uint32_t k = 0; k < n; k++)
		c->inloop[body[k]] = h + 1;
	if (!loop_pick(c, h, body, n, pred))
		return true;
	for (uint32_t w = 0; w < c->nw; w++) {
		uint64_t bits = c->pick[w];
		while (bits) {
			mir_reg v = w * 64 + (uint32_t)__builtin_ctzll(bits) + MIR_FIRST_VIRT;
			bits &= bits - 1;
			if (!ir_grow((void **)&mf->vsize, &mf->cap_v, mf->nv + 1, 1))
				return false;
			mir_reg s = mf->nv++;
			mf->vsize[s] = mf->vsize[v];
			c->nsplit++;
			for (uint32_t k = pred->at[h]; k < pred->at[h + 1]; k++) {
				uint32_t p = pred->list[k];
				if (c->inloop[p] != h + 1 && !move_add(c, p, true, true, s, v))
					return false;
			}
			for (uint32_t k = 0; k < n; k++) {
				const mir_block *bl = &mf->b[body[k]];
				SETB(c->gone + (size_t)body[k] * c->nw, v);
				/* an inner loop's OSR entry that loads v */
				if (bl->osr_entry) {
					if (bl->nsucc == 1 &&
					    HASB(c->in + (size_t)bl->succ[0] * c->nw, v) &&
					    !move_add(c, body[k], true, true, s, v))
						return false;
					continue;
				}
				for (uint32_t e = 0; e < bl->nsucc; e++) {
					uint32_t y = bl->succ[e];
					if (c->inloop[y] == h + 1 ||
					    !HASB(c->in + (size_t)y * c->nw, v))
						continue;
					int at = edge_place(mf, pred, body[k], y);
					if (!move_add(c, at ? body[k] : y, at == 1, false, v, s))
						return false;
				}
			}
		}
	}
	return true;
}

/* c->mv sorted by block, its start before its end, and at one place the
 * exits' restores before the entries' saves (where one loop's exit is
 * the edge into the next loop, v = mov s1 must come before s2 = mov v),
 * else in order of creation: a counting sort (stable: c->mv is in order
 * of creation) by block << 2 | at_end << 1 | save.  False when out of
 * memory. */
static bool sort_moves(ls *c)
{
	uint32_t nbk = 4 * c->mf->nb;
	uint32_t *at = calloc((size_t)nbk + 1, sizeof *at);
	split_move *sorted = malloc((size_t)(c->nmv ? c->nmv : 1) * sizeof *sorted);
	bool ok = at && sorted;
	if (!ok)
		goto out;
#define BUCKET_(m) ((m)->b << 2 | (uint32_t)(m)->at_end << 1 | (uint32_t)(m)->save)
	for (uint32_t k = 0; k < c->nmv; k++)
		at[BUCKET_(&c->mv[k]) + 1]++;
	for (uint32_t k = 0; k < nbk; k++)
		at[k + 1] += at[k];
	for (uint32_t k = 0; k < c->nmv; k++)
		sorted[at[BUCKET_(&c->mv[k])]++] = c->mv[k];
#undef BUCKET_
	free(c->mv);
	c->mv = sorted;
	c->cap_mv = c->nmv ? c->nmv : 1;
	sorted = NULL;
out:
	free(at);
	free(sorted);
	return ok;
}

/* Block b with moves mv[0..n) (its starts first, then its ends). */
static bool rewrite_block(mir_func *mf, uint32_t b, const split_move *mv,
	uint32_t n)
{
	mir_block *bl = &mf->b[b];
	/* the end: after the phi moves (which may read v for the last
	 * time: then s and v may share a location), before the terminator */
	uint32_t end = bl->n ? bl->n - 1 : 0;
	mir_insn *ni = malloc((size_t)(bl->n + n) * sizeof *ni);
	if (!ni)
		return false;
	uint32_t o = 0, k = 0;
	uint32_t site = bl->n ? bl->insn[0].site : 0;
	for (uint32_t j = 0; j <= bl->n; j++) {
		for (; k < n && (mv[k].at_end ? j == end : j == 0); k++)
			ni[o++] = (mir_insn){ .op = MIR_MOV,
				.size = (uint8_t)mir_vsize(mf, mv[k].d),
				.aux = MIR_MOV_SPLIT, .d = mv[k].d, .a = mv[k].a,
				.site = j < bl->n ? bl->insn[j].site : site };
		if (j < bl->n)
			ni[o++] = bl->insn[j];
	}
	free(bl->insn);
	bl->insn = ni;
	bl->n = bl->cap = o;
	return true;
}

bool ra_split_loops(mir_func *mf, const ra_loopset *loops,
	const ra_oplist *ops, const uint64_t *in, uint32_t nw,
	const uint16_t *pressure, const uint16_t *pressure_x,
	const uint64_t *skip, uint32_t *nsplit)
{
	ls c = { .mf = mf, .ops = ops, .in = in, .skip = skip, .nw = nw,
		.pressure = pressure, .pressure_x = pressure_x };
	uint32_t nb = mf->nb ? mf->nb : 1;
	bool ok = false;
	*nsplit = 0;
	c.inloop = calloc(nb, sizeof *c.inloop);
	c.gone = calloc((size_t)nb * nw, 8);
	c.named = calloc(nw, 8);
	c.pick = calloc(nw, 8);
	if (!c.inloop || !c.gone || !c.named || !c.pick)
		goto out;
	if (!ra_loops_again(loops, loop_split, &c))
		goto out;
	if (!sort_moves(&c))
		goto out;
	for (uint32_t k = 0, e; k < c.nmv; k = e) {
		for (e = k; e < c.nmv && c.mv[e].b == c.mv[k].b; e++)
			;
		if (!rewrite_block(mf, c.mv[k].b, c.mv + k, e - k))
			goto out;
	}
	*nsplit = c.nsplit;
	ok = true;
out:
	free(c.inloop);
	free(c.gone);
	free(c.named);
	free(c.pick);
	free(c.mv);
	return ok;
}
