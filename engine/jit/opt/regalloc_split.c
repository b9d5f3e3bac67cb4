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
 * A value an innermost loop only reads (it writes it nowhere in the loop)
 * is split there the same way when some loop around it, itself included,
 * holds more values of its class at once than the scan has registers, and
 * its reads inside the loop become reads of s (rename_reads).  Such a
 * value lives long and is used in the hot loop alone: the scan weighs it
 * by its whole interval and spills it for the outer loop's pressure, and
 * then the inner loop, where registers are free, reads it from its slot
 * at every iteration (matmul's blocked multiply: the row base of its
 * inner loop).  Split, s lives only in the inner loop and weighs what its
 * uses there weigh: it gets a register, loaded once on the loop's entry
 * (and stored back on its exits, the value unchanged); where v has a
 * register the hints give s the same one and the moves vanish.
 *
 * Loops come outermost first (headers ascending); a value split at a
 * loop is not live through the loops inside it any more, so it is not
 * split again there.  Values split around calls (regalloc.c,
 * split_calls) in the same round are left alone.  The caller allocates
 * again on the rewritten MIR.
 *
 * The natural loops themselves (ra_loops, at the end) are found here
 * too: regalloc.c reads them for the loop depths of the spill weights.
 */
#include "jit/opt/regalloc_int.h"
#include "jit/opt/ir.h"

#include <stdlib.h>
#include <string.h>

/* Sets of global registers by their bit i (ra_glob). */
#define SETB(s, i) ((s)[(i) / 64] |= 1ull << ((i) % 64))
#define HASB(s, i) ((s)[(i) / 64] >> ((i) % 64) & 1)

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
	ra_arena *ar;           /* the arrays below */
	const ra_oplist *ops;
	const uint64_t *in, *skip;
	uint32_t nw;
	const ra_glob *g;       /* the sets' numbering */
	const uint16_t *pressure, *pressure_x;
	uint32_t *inloop;       /* per block: the header of the loop being
	                           split + 1 if it is in it */
	uint64_t *gone;         /* per loop, nw words: the values split at
	                           a loop containing its header (only a
	                           header's are read) */
	uint32_t *hloop;        /* per block: its loop's index + 1 if it is
	                           a header, else 0 */
	uint64_t *named;        /* the values the loop reads or writes */
	uint64_t *written;      /* the values the loop writes */
	/* per block: for the header of an innermost loop, the classes
	 * (1 GPR, 2 XMM) of which more are live at once than the scan has
	 * somewhere in a loop around it (itself included): read_pick */
	uint8_t *inner_over;
	uint64_t *pick;
	/* the loop's exits, edges x -> y from a block of the loop (not an
	 * OSR entry) to one outside, in the order of its body and of x's
	 * successors, each with edge_place's answer; and its OSR entry
	 * blocks, in the order of its body */
	struct ls_exit {
		uint32_t x, y;
		int at;
	} *exit;
	uint32_t nexit, cap_exit;
	uint32_t *osr;
	uint32_t nosr, cap_osr;
	uint64_t *blocked;      /* the values live into the target of an
	                           exit that takes no move */
	ra_carry *cy;           /* the splits, for the next round */
	uint64_t *pick_read;    /* of pick, the values the loop reads */
	split_move *mv;
	uint32_t nmv, cap_mv;
	uint32_t nsplit;
} ls;

/* c->named += the global registers block b reads or writes, from the
 * operand list: b as it was before the calls' splits, which add only
 * moves of the values they split (in skip, never candidates) and of new
 * registers (past the sets), so the candidates named are the same. */
static void name_block(ls *c, uint32_t b)
{
	const mir_func *mf = c->mf;
	uint32_t end = b + 1 < mf->nb ? mf->b[b + 1].first : mf->ninsn;
	for (uint32_t k = c->ops->at[mf->b[b].first]; k < c->ops->at[end]; k++) {
		mir_reg r = ra_op_reg(c->ops->op[k]);
		if (MIR_IS_PHYS(r) || r >= c->g->nv || c->g->idx[r] == RA_NOBIT)
			continue;
		SETB(c->named, c->g->idx[r]);
		if (ra_op_how(c->ops->op[k]) != OP_USE)
			SETB(c->written, c->g->idx[r]);
	}
}

/* v's reads in block b (not an OSR entry's) become reads of s: the
 * operands an instruction reads (mir_ops' roles) and the sources of its
 * parallel moves.  The loop does not write v (read_pick). */
static void rename_reads(mir_func *mf, uint32_t b, mir_reg v, mir_reg s)
{
	mir_block *bl = &mf->b[b];
	for (uint32_t j = 0; j < bl->n; j++) {
		mir_insn *i = &bl->insn[j];
		const mir_op_info *oi = &mir_ops[i->op];
		if (i->op == MIR_PMOV) {
			for (uint32_t k = 0; k < i->aux; k++)
				if (mf->moves[i->imm + k].src == v)
					mf->moves[i->imm + k].src = s;
			continue;
		}
		if (i->d == v && oi->role[0] == MR_USE)
			i->d = s;
		if (i->a == v && oi->role[1] == MR_USE)
			i->a = s;
		if (i->b == v && oi->role[2] == MR_USE)
			i->b = s;
	}
}

static bool move_add(ls *c, uint32_t b, bool at_end, bool save, mir_reg d,
	mir_reg a)
{
	if (!ra_grow(c->ar, (void **)&c->mv, &c->cap_mv, c->nmv + 1, sizeof *c->mv))
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

/* The exits and OSR entry blocks of loop (h, body) (c->inloop marks
 * its blocks), and the values no exit may carry (c->blocked).  False
 * when out of memory. */
static bool loop_edges(ls *c, uint32_t h, const uint32_t *body, uint32_t n,
	const ra_preds *pred)
{
	mir_func *mf = c->mf;
	c->nexit = c->nosr = 0;
	memset(c->blocked, 0, (size_t)c->nw * 8);
	for (uint32_t k = 0; k < n; k++) {
		const mir_block *bl = &mf->b[body[k]];
		if (bl->osr_entry) {
			if (!ra_grow(c->ar, (void **)&c->osr, &c->cap_osr, c->nosr + 1,
			    sizeof *c->osr))
				return false;
			c->osr[c->nosr++] = body[k];
			continue;
		}
		for (uint32_t e = 0; e < bl->nsucc; e++) {
			uint32_t y = bl->succ[e];
			if (c->inloop[y] == h + 1)
				continue;
			int at = edge_place(mf, pred, body[k], y);
			if (at < 0) {
				const uint64_t *yin = c->in + (size_t)y * c->nw;
				for (uint32_t w = 0; w < c->nw; w++)
					c->blocked[w] |= yin[w];
				continue;
			}
			if (!ra_grow(c->ar, (void **)&c->exit, &c->cap_exit, c->nexit + 1,
			    sizeof *c->exit))
				return false;
			c->exit[c->nexit++] = (struct ls_exit){ body[k], y, at };
		}
	}
	return true;
}

/* The values of loop (h, body) to split into c->pick: live into h, not
 * named in the loop, not split already at a loop around it, of a class
 * whose pressure in the loop exceeds its registers, every edge they
 * need a move on placeable (not live into the target of an exit that
 * is not: c->blocked, loop_edges).  Their number. */
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
	unsigned read_over = c->inner_over[h];
	if (!over_g && !over_x && !read_over)
		return 0;
	memset(c->named, 0, (size_t)c->nw * 8);
	memset(c->written, 0, (size_t)c->nw * 8);
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
	const uint64_t *gone = c->gone + (size_t)(c->hloop[h] - 1) * c->nw;
	uint32_t npick = 0;
	for (uint32_t w = 0; w < c->nw; w++) {
		uint64_t through = hin[w] & ~gone[w] & ~c->named[w] & ~c->skip[w] &
			~c->blocked[w];
		uint64_t read = read_over ? hin[w] & ~gone[w] & c->named[w] &
			~c->written[w] & ~c->skip[w] & ~c->blocked[w] : 0;
		uint64_t bits = through | read;
		c->pick[w] = 0;
		c->pick_read[w] = 0;
		while (bits) {
			uint32_t bit = (uint32_t)__builtin_ctzll(bits);
			mir_reg v = c->g->reg[w * 64 + bit];
			bits &= bits - 1;
			bool is_read = read >> bit & 1;
			if ((is_read ? !(read_over & (mir_vflt(mf, v) ? 2u : 1u)) :
			    !(mir_vflt(mf, v) ? over_x : over_g)) ||
			    (mf->vsize[v] & MIR_VREMAT))       /* free to spill */
				continue;
			c->pick[w] |= 1ull << bit;
			if (is_read)
				c->pick_read[w] |= 1ull << bit;
			npick++;
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
	if (!loop_edges(c, h, body, n, pred))
		return false;
	if (!loop_pick(c, h, body, n, pred))
		return true;
	ra_carry *cy = c->cy;
	if (!ir_grow((void **)&cy->loop, &cy->cap_loop, cy->nloop + 1,
	    sizeof *cy->loop))
		return false;
	cy->loop[cy->nloop++] = (struct ra_carry_loop){ body, n, cy->npair, 0 };
	/* the picked values are dead in the loop: not split again at the
	 * loops inside it */
	for (uint32_t k = 0; k < n; k++) {
		if (!c->hloop[body[k]])
			continue;
		uint64_t *gone = c->gone + (size_t)(c->hloop[body[k]] - 1) * c->nw;
		for (uint32_t w = 0; w < c->nw; w++)
			gone[w] |= c->pick[w];
	}
	for (uint32_t w = 0; w < c->nw; w++) {
		uint64_t bits = c->pick[w];
		while (bits) {
			uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(bits);
			mir_reg v = c->g->reg[i];
			bits &= bits - 1;
			if (!ir_grow((void **)&mf->vsize, &mf->cap_v, mf->nv + 1, 1))
				return false;
			mir_reg s = mf->nv++;
			mf->vsize[s] = mf->vsize[v];
			c->nsplit++;
			if (!ir_grow((void **)&cy->pair, &cy->cap_pair,
			    cy->npair + 1, sizeof *cy->pair))
				return false;
			cy->pair[cy->npair][0] = v;
			cy->pair[cy->npair++][1] = s;
			cy->loop[cy->nloop - 1].npair++;
			if (HASB(c->pick_read, i))
				for (uint32_t k = 0; k < n; k++)
					if (!mf->b[body[k]].osr_entry)
						rename_reads(mf, body[k], v, s);
			for (uint32_t k = pred->at[h]; k < pred->at[h + 1]; k++) {
				uint32_t p = pred->list[k];
				if (c->inloop[p] != h + 1 && !move_add(c, p, true, true, s, v))
					return false;
			}
			/* an inner loop's OSR entry that loads v */
			for (uint32_t k = 0; k < c->nosr; k++) {
				const mir_block *bl = &mf->b[c->osr[k]];
				if (bl->nsucc == 1 &&
				    HASB(c->in + (size_t)bl->succ[0] * c->nw, i) &&
				    !move_add(c, c->osr[k], true, true, s, v))
					return false;
			}
			for (uint32_t k = 0; k < c->nexit; k++) {
				const struct ls_exit *x = &c->exit[k];
				if (!HASB(c->in + (size_t)x->y * c->nw, i))
					continue;
				if (!move_add(c, x->at ? x->x : x->y, x->at == 1, false,
				    v, s))
					return false;
				if (!x->at) {
					if (!ir_grow((void **)&cy->start,
					    &cy->cap_start, cy->nstart + 1,
					    sizeof *cy->start))
						return false;
					cy->start[cy->nstart++] =
						(struct ra_carry_start){ x->y, v, s };
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
	uint32_t *at = ra_zalloc(c->ar, ((size_t)nbk + 1) * sizeof *at);
	split_move *sorted = ra_alloc(c->ar, (size_t)c->nmv * sizeof *sorted);
	if (!at || !sorted)
		return false;
#define BUCKET_(m) ((m)->b << 2 | (uint32_t)(m)->at_end << 1 | (uint32_t)(m)->save)
	for (uint32_t k = 0; k < c->nmv; k++)
		at[BUCKET_(&c->mv[k]) + 1]++;
	for (uint32_t k = 0; k < nbk; k++)
		at[k + 1] += at[k];
	for (uint32_t k = 0; k < c->nmv; k++)
		sorted[at[BUCKET_(&c->mv[k])]++] = c->mv[k];
#undef BUCKET_
	c->mv = sorted;
	c->cap_mv = c->nmv;
	return true;
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

/* c->inner_over: per innermost loop's header, the classes over their
 * registers in some loop around it (itself included).  A loop is
 * innermost when no other loop's header is in its body. */
static bool inner_over(ls *c, const ra_loopset *loops)
{
	const mir_func *mf = c->mf;
	uint8_t *over = ra_zalloc(c->ar, mf->nb ? mf->nb : 1);     /* per block */
	uint8_t *head = ra_zalloc(c->ar, mf->nb ? mf->nb : 1);
	if (!over || !head)
		return false;
	for (uint32_t k = 0; k < loops->n; k++)
		head[loops->head[k]] = 1;
	for (uint32_t k = 0; k < loops->n; k++) {
		unsigned o = 0;
		for (uint32_t j = loops->at[k]; j < loops->at[k + 1]; j++) {
			uint32_t b = loops->body[j];
			o |= (c->pressure[b] > ra_ngpr ? 1u : 0u) |
				(c->pressure_x[b] > ra_nxmm ? 2u : 0u);
		}
		for (uint32_t j = loops->at[k]; j < loops->at[k + 1]; j++)
			over[loops->body[j]] |= (uint8_t)o;
	}
	for (uint32_t k = 0; k < loops->n; k++) {
		uint32_t h = loops->head[k];
		bool innermost = true;
		for (uint32_t j = loops->at[k]; j < loops->at[k + 1] && innermost; j++)
			innermost = loops->body[j] == h || !head[loops->body[j]];
		if (innermost)
			c->inner_over[h] = over[h];
	}
	return true;
}

bool ra_split_loops(mir_func *mf, ra_arena *ar, const ra_loopset *loops,
	const ra_oplist *ops, const uint64_t *in, uint32_t nw,
	const ra_glob *g, const uint16_t *pressure, const uint16_t *pressure_x,
	const uint64_t *skip, ra_carry *cy, uint32_t *nsplit)
{
	ls c = { .mf = mf, .ar = ar, .ops = ops, .in = in, .skip = skip,
		.nw = nw, .g = g, .pressure = pressure, .pressure_x = pressure_x,
		.cy = cy };
	*nsplit = 0;
	c.inloop = ra_zalloc(ar, (size_t)mf->nb * sizeof *c.inloop);
	c.gone = ra_zalloc(ar, (size_t)loops->n * nw * 8);
	c.hloop = ra_zalloc(ar, (size_t)mf->nb * sizeof *c.hloop);
	if (!c.hloop)
		return false;
	for (uint32_t k = 0; k < loops->n; k++)
		c.hloop[loops->head[k]] = k + 1;
	c.named = ra_zalloc(ar, (size_t)nw * 8);
	c.written = ra_zalloc(ar, (size_t)nw * 8);
	c.pick = ra_zalloc(ar, (size_t)nw * 8);
	c.pick_read = ra_zalloc(ar, (size_t)nw * 8);
	c.inner_over = ra_zalloc(ar, mf->nb ? mf->nb : 1);
	c.blocked = ra_zalloc(ar, (size_t)nw * 8);
	if (!c.inloop || !c.gone || !c.named || !c.written || !c.pick ||
	    !c.pick_read || !c.inner_over || !c.blocked || !inner_over(&c, loops) ||
	    !ra_loops_again(loops, loop_split, &c) || !sort_moves(&c))
		return false;
	for (uint32_t k = 0, e; k < c.nmv; k = e) {
		for (e = k; e < c.nmv && c.mv[e].b == c.mv[k].b; e++)
			;
		if (!rewrite_block(mf, c.mv[k].b, c.mv + k, e - k))
			return false;
	}
	*nsplit = c.nsplit;
	return true;
}

/* ---- the natural loops (regalloc_int.h: ra_loops) -------------------------- */

/* Postorder numbers of the blocks reachable from the entry (po[b], else
 * UINT32_MAX) and the blocks in that order (order[0 .. n)); stk and next
 * nb words of scratch.  Their number n. */
static uint32_t postorder(const mir_func *mf, uint32_t *po, uint32_t *order,
	uint32_t *stk, uint32_t *next)
{
	uint32_t n = 0, sp = 0;
	for (uint32_t b = 0; b < mf->nb; b++)
		po[b] = UINT32_MAX;
	po[0] = UINT32_MAX - 1;         /* on the stack */
	stk[sp] = 0;
	next[sp++] = 0;
	while (sp) {
		uint32_t b = stk[sp - 1];
		if (next[sp - 1] < mf->b[b].nsucc) {
			uint32_t y = mf->b[b].succ[next[sp - 1]++];
			if (po[y] == UINT32_MAX) {
				po[y] = UINT32_MAX - 1;
				stk[sp] = y;
				next[sp++] = 0;
			}
			continue;
		}
		po[b] = n;
		order[n++] = b;
		sp--;
	}
	return n;
}

/* The immediate dominators of the n blocks reachable from the entry
 * (postorder: po, order), by Cooper, Harvey and Kennedy's iteration ("A
 * Simple, Fast Dominance Algorithm", 2001): blocks in reverse postorder,
 * each's the common dominator of its predecessors done so far, until
 * none changes.  idom[entry] is the entry. */
static void dominators(const uint32_t *npred, const uint32_t *pred,
	const uint32_t *po, const uint32_t *order, uint32_t n, uint32_t *idom)
{
	for (uint32_t k = 0; k < n; k++)
		idom[order[k]] = UINT32_MAX;
	idom[order[n - 1]] = order[n - 1];
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t k = n - 1; k-- > 0;) {
			uint32_t b = order[k], d = UINT32_MAX;
			for (uint32_t e = npred[b]; e < npred[b + 1]; e++) {
				uint32_t p = pred[e];
				if (po[p] == UINT32_MAX || idom[p] == UINT32_MAX)
					continue;       /* unreachable, or not done yet */
				if (d == UINT32_MAX) {
					d = p;
					continue;
				}
				uint32_t a = p;
				while (a != d) {
					while (po[a] < po[d])
						a = idom[a];
					while (po[d] < po[a])
						d = idom[d];
				}
			}
			if (idom[b] != d) {
				idom[b] = d;
				changed = true;
			}
		}
	}
}

/* Whether every path from the entry to p passes h (none does when p is
 * unreachable): up p's dominators, whose postorder numbers grow, to
 * h's. */
static bool dominates(const uint32_t *po, const uint32_t *idom, uint32_t h,
	uint32_t p)
{
	if (po[p] == UINT32_MAX)
		return true;
	if (po[h] == UINT32_MAX)
		return false;
	while (po[p] < po[h])
		p = idom[p];
	return p == h;
}

/* The natural loops (regalloc_int.h): predecessor lists, then per
 * header a backward walk from the sources of its back edges.  An edge
 * into h from a block laid out at or after it is a back edge when h
 * dominates its source; else the walk would reach the entry and find no
 * loop, so the dominators are found first and such a header is passed
 * over without a walk (over the 15 bench modules those walks were 932
 * of 2,577 and visited 277,550 blocks, the loops' walks 21,142). */
bool ra_loops(const mir_func *mf, loop_fn *fn, void *ctx)
{
	uint32_t nb = mf->nb;
	uint32_t *npred = calloc(nb + 1, sizeof *npred);
	uint32_t *pred = malloc((size_t)(2 * nb + 1) * sizeof *pred);
	uint32_t *mark = malloc((size_t)(nb ? nb : 1) * sizeof *mark);
	uint32_t *work = malloc((size_t)(nb ? nb : 1) * sizeof *work);
	uint32_t *body = malloc((size_t)(nb ? nb : 1) * sizeof *body);
	/* postorder numbers, blocks in postorder, immediate dominators */
	uint32_t *dom = malloc((size_t)(nb ? nb : 1) * 3 * sizeof *dom);
	bool ok = npred && pred && mark && work && body && dom;
	if (!ok || !nb)
		goto out;
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
	uint32_t *po = dom, *order = dom + nb, *idom = dom + 2 * nb;
	dominators(npred, pred, po, order, postorder(mf, po, order, work, body),
		idom);
	for (uint32_t b = 0; b < nb; b++)
		mark[b] = UINT32_MAX;
	uint64_t budget = 16ull * nb + 100000;
	for (uint32_t h = 1; h < nb && budget && ok; h++) {
		uint32_t nw = 0, nbody = 0;
		bool loop = true, back = false;
		mark[h] = h;
		body[nbody++] = h;
		for (uint32_t k = npred[h]; k < npred[h + 1] && loop; k++) {
			uint32_t p = pred[k];
			if (p < h)
				continue;
			back = true;
			loop = dominates(po, idom, h, p);
			if (mark[p] != h) {
				mark[p] = h;
				body[nbody++] = p;
				work[nw++] = p;
			}
		}
		if (!back || !loop)
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
		ra_preds pr = { npred, pred };
		ok = fn(ctx, h, body, nbody, &pr);
	}
out:
	free(npred);
	free(pred);
	free(mark);
	free(work);
	free(body);
	free(dom);
	return ok;
}

typedef struct {
	ra_loopset *lset;
	uint32_t nb;
} keep_ctx;

static bool keep_loop(void *ctx, uint32_t h, const uint32_t *body, uint32_t n,
	const ra_preds *pred)
{
	keep_ctx *k = ctx;
	ra_loopset *lset = k->lset;
	if (!lset->pred_at) {
		uint32_t nedge = pred->at[k->nb];
		lset->pred_at = malloc(((size_t)k->nb + 1) * sizeof *lset->pred_at);
		lset->pred_list = malloc((size_t)(nedge ? nedge : 1) * sizeof *lset->pred_list);
		if (!lset->pred_at || !lset->pred_list)
			return false;
		memcpy(lset->pred_at, pred->at, ((size_t)k->nb + 1) * sizeof *lset->pred_at);
		memcpy(lset->pred_list, pred->list, (size_t)nedge * sizeof *lset->pred_list);
	}
	if (!ir_grow((void **)&lset->head, &lset->cap, lset->n + 1, sizeof *lset->head) ||
	    !ir_grow((void **)&lset->at, &lset->cap_at, lset->n + 2, sizeof *lset->at) ||
	    !ir_grow((void **)&lset->body, &lset->cap_body, lset->nbody + n,
	    sizeof *lset->body))
		return false;
	lset->head[lset->n] = h;
	lset->at[lset->n] = lset->nbody;
	memcpy(lset->body + lset->nbody, body, (size_t)n * sizeof *body);
	lset->nbody += n;
	lset->n++;
	lset->at[lset->n] = lset->nbody;
	return true;
}

bool ra_loops_keep(const mir_func *mf, ra_loopset *lset)
{
	keep_ctx k = { lset, mf->nb };
	memset(lset, 0, sizeof *lset);
	return ra_loops(mf, keep_loop, &k);
}

bool ra_loops_again(const ra_loopset *lset, loop_fn *fn, void *ctx)
{
	ra_preds pr = { lset->pred_at, lset->pred_list };
	for (uint32_t k = 0; k < lset->n; k++)
		if (!fn(ctx, lset->head[k], lset->body + lset->at[k],
		    lset->at[k + 1] - lset->at[k], &pr))
			return false;
	return true;
}

void ra_loopset_free(ra_loopset *lset)
{
	free(lset->head);
	free(lset->at);
	free(lset->body);
	free(lset->pred_at);
	free(lset->pred_list);
	memset(lset, 0, sizeof *lset);
}
