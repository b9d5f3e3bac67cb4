/* ir_osr.c -- the values an OSR entry rebuilds (passes.h,
 * ir_osr_rebuild_list).
 *
 * An OSR entry into loop header h starts from a baseline (or interpreted)
 * frame: it loads the slots of h's map into their values' locations, and
 * that is all the frame holds.  Anything else live into h -- what LICM
 * moved out of the loop, the values it moved out of enclosing loops on
 * the way, and the operands of a value lowered inside its user -- the
 * entry computes again, from the mapped values and constants, before it
 * jumps to the header.  Those are pure ops (ir_osr_rebuilt_op: no
 * effects, so no trap, no memory or context read), so computing them a
 * second time gives the same bits.  Memory's base is r15 in every tier
 * and memory.size a read of the context (IRE_READ, never moved): there
 * is no base or size to reload.
 *
 * Live into h: found once per function, for the values such an op
 * defines (ir_licm_movable), by walking back from each use to the
 * definition (a use inside a fused user is a use of the fused value's
 * operands there); the OSR headers the walk passes are the ones the value
 * is live into (only values whose block dominates some OSR header are
 * walked: no other can be live into one).  The uses are gathered first
 * and walked value by value:
 * a walk stops at the blocks already walked for its value, which a
 * block remembers only until another value's walk passes it (in the
 * order of the uses, the walks of a value used in many blocks went over
 * the same blocks again and again).  A value live into h that cannot be rebuilt (a load, a
 * call's result, a param not in the map) is not listed: it stays live
 * into the entry block, where the allocator's check (osr_entries_check)
 * drops the entry.
 */
#include "jit/opt/passes.h"

#include <stdlib.h>
#include <string.h>

/* Nested operands deeper than this drop the entry rather than the stack. */
#define REBUILD_DEPTH_MAX 64

static const ir_ref *args_of(const ir_func *f, ir_ref v)
{
	const ir_insn *i = &f->v[v];
	return i->nargs <= IR_INLINE_ARGS ? i->u.a : i->u.va;
}

static bool push(ir_osr_rebuild *r, ir_ref v)
{
	if (!ir_grow((void **)&r->list, &r->cap, r->n + 1, sizeof *r->list)) {
		r->oom = true;
		return false;
	}
	r->list[r->n++] = v;
	return true;
}

static bool push_unfused(ir_osr_rebuild *r, ir_ref v)
{
	if (!ir_grow((void **)&r->unfused, &r->cap_unfused, r->nunfused + 1,
	    sizeof *r->unfused)) {
		r->oom = true;
		return false;
	}
	r->unfused[r->nunfused++] = v;
	return true;
}

/* r->mark[v] relative to r->stamp */
enum { IN_MAP, LISTED, NOT_REBUILT };

/* Value v is live into h, or an operand of a value the entry rebuilds:
 * make it available at the entry.  False if it cannot be. */
static bool need(const ir_func *f, uint32_t h, const bool *fused,
	ir_osr_rebuild *r, ir_ref v, unsigned depth)
{
	if (v == IR_NONE || ir_is_const(f, v) || r->mark[v] == r->stamp + LISTED)
		return true;
	if (r->mark[v] == r->stamp + NOT_REBUILT)
		return false;
	bool fv = fused && fused[v];
	if (r->mark[v] == r->stamp + IN_MAP) {
		if (!fv)
			return true;    /* loaded from its slot */
		/* mapped, fused into its user: the entry's own copy of the
		 * user reads it as a value, loaded from its slot */
		r->mark[v] = r->stamp + LISTED;
		return push_unfused(r, v);
	}
	if (depth > REBUILD_DEPTH_MAX)
		return false;
	const ir_insn *i = &f->v[v];
	const ir_ref *a = args_of(f, v);
	if (fv) {
		/* computed inside its user: the user reads its operands */
		bool ok = true;
		for (uint32_t k = 0; k < i->nargs; k++)
			ok &= need(f, h, fused, r, a[k], depth + 1);
		return ok;
	}
	r->mark[v] = r->stamp + NOT_REBUILT;
	if (!ir_osr_rebuilt_op(f, h, v))
		return false;
	for (uint32_t k = 0; k < i->nargs; k++)
		if (!need(f, h, fused, r, a[k], depth + 1))
			return false;
	r->mark[v] = r->stamp + LISTED;
	return push(r, v);
}

static bool push_pair(ir_osr_rebuild *r, uint32_t h, ir_ref v)
{
	if (!ir_grow((void **)&r->pair, &r->cap_pair, r->npair + 1, sizeof *r->pair)) {
		r->oom = true;
		return false;
	}
	r->pair[r->npair][0] = h;
	r->pair[r->npair][1] = v;
	r->npair++;
	return true;
}

/* v (an ir_licm_movable value) is read in block b (at its end if
 * `out`: a phi operand from b): mark the blocks v is live into, back to
 * its definition, recording the OSR headers among them. */
static void walk_back(const ir_func *f, ir_osr_rebuild *r, ir_ref v,
	uint32_t b, bool out)
{
	uint32_t d = f->v[v].block, top = 0;
	if (b == d && !out)
		return;
	if (b == d || r->bmark[b] == v)
		return;
	r->bmark[b] = v;
	r->work[top++] = b;
	while (top && !r->oom) {
		uint32_t x = r->work[--top];
		if (f->b[x].osr)
			(void)push_pair(r, x, v);
		for (uint32_t k = 0; k < f->b[x].npred; k++) {
			uint32_t p = f->b[x].pred[k];
			if (p != d && r->bmark[p] != v && f->b[p].rpo != UINT32_MAX) {
				r->bmark[p] = v;
				r->work[top++] = p;
			}
		}
	}
}

/* A read of a in block b: of a fused value, a read of its operands;
 * of a movable value, a use to walk back from (r->read: a << 32 |
 * b << 1 | out).  above_osr (osr_dominators) says which definitions can
 * be live into an OSR header at all. */
static void read_at(const ir_func *f, const bool *fused, const uint8_t *above_osr,
	ir_osr_rebuild *r, ir_ref a, uint32_t b, bool out, unsigned depth)
{
	if (a == IR_NONE || ir_is_const(f, a) || depth > REBUILD_DEPTH_MAX)
		return;
	if (fused && fused[a]) {
		const ir_ref *aa = args_of(f, a);
		for (uint32_t k = 0; k < f->v[a].nargs; k++)
			read_at(f, fused, above_osr, r, aa[k], b, out, depth + 1);
		return;
	}
	/* a read in the defining block is live into no other (walk_back
	 * would stop at once): most reads, not sorted for nothing; nor is
	 * a value live into a header its block does not dominate */
	if ((f->v[a].block == b && !out) || !above_osr[f->v[a].block] ||
	    !ir_licm_movable(f, a))
		return;
	if (!ir_grow((void **)&r->read, &r->cap_read, r->nread + 1, sizeof *r->read)) {
		r->oom = true;
		return;
	}
	r->read[r->nread++] = (uint64_t)a << 32 | (uint64_t)b << 1 | out;
}

/* r->pair ascending by (header, value): the walks push a value's pairs
 * before a greater value's (live_pairs walks the values in order, and a
 * value passes a header once), so a stable counting sort by header,
 * linear, orders them (ir_sort_u64, a heap sort over both words, took
 * 3.1M instructions of the bench modules' compile).  count: nb + 1
 * zeroed words.  False if out of memory. */
static bool sort_pairs(ir_osr_rebuild *r, uint32_t nb, uint32_t *count)
{
	uint32_t (*out)[2] = malloc((size_t)r->npair * sizeof *out);
	if (!out) {
		r->oom = true;
		return false;
	}
	for (uint32_t k = 0; k < r->npair; k++)
		count[r->pair[k][0] + 1]++;
	for (uint32_t b = 0; b < nb; b++)
		count[b + 1] += count[b];
	for (uint32_t k = 0; k < r->npair; k++) {
		uint32_t at = count[r->pair[k][0]]++;
		out[at][0] = r->pair[k][0];
		out[at][1] = r->pair[k][1];
	}
	free(r->pair);
	r->pair = out;
	r->cap_pair = r->npair;
	return true;
}

/* above[b]: block b strictly dominates an OSR header, so a value it
 * defines may be live into one (every block walk_back passes from a use
 * of v is dominated by v's block, and is not that block).  Each header
 * marks its dominators up to the first one marked already: linear. */
static void osr_dominators(const ir_func *f, uint8_t *above)
{
	memset(above, 0, f->nb ? f->nb : 1);
	for (uint32_t h = 0; h < f->nb; h++) {
		if (!f->b[h].osr || f->b[h].dead || f->b[h].rpo == UINT32_MAX)
			continue;
		for (uint32_t x = h; x != f->b[x].idom && !above[f->b[x].idom];) {
			x = f->b[x].idom;
			above[x] = 1;
		}
	}
}

/* r->pair: (OSR header, movable value live into it), sorted. */
static void live_pairs(const ir_func *f, const bool *fused, ir_osr_rebuild *r)
{
	uint8_t *above = malloc(f->nb ? f->nb : 1);
	if (!above) {
		r->oom = true;
		return;
	}
	osr_dominators(f, above);
	memset(r->bmark, 0, (size_t)r->nb * sizeof *r->bmark);
	for (uint32_t bi = 0; bi < f->nb && !r->oom; bi++) {
		const ir_block *bl = &f->b[bi];
		if (bl->dead || bl->rpo == UINT32_MAX)
			continue;
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref v = bl->insn[j];
			const ir_insn *i = &f->v[v];
			const ir_ref *a = args_of(f, v);
			if (fused && fused[v])
				continue;       /* read where its user reads it */
			for (uint32_t k = 0; k < i->nargs; k++) {
				if (i->op == IR_PHI)
					read_at(f, fused, above, r, a[k], bl->pred[k], true, 0);
				else
					read_at(f, fused, above, r, a[k], bi, false, 0);
			}
		}
	}
	free(above);
	/* by value, so that each value's walks share their marks (and in
	 * increasing order, for sort_pairs): a list of its reads per value
	 * (a read met again returns at once from walk_back) */
	size_t nhead = (size_t)(f->nv > f->nb ? f->nv : f->nb) + 1;
	uint32_t *head = calloc(nhead, sizeof *head);
	uint32_t *next = malloc(((size_t)r->nread + 1) * sizeof *next);
	if (!head || !next) {
		r->oom = true;
		goto out;
	}
	for (uint32_t k = 0; k < r->nread; k++) {
		ir_ref v = (ir_ref)(r->read[k] >> 32);
		next[k] = head[v];
		head[v] = k + 1;
	}
	for (ir_ref v = 1; v < f->nv && !r->oom; v++) {
		for (uint32_t k = head[v]; k && !r->oom; k = next[k - 1]) {
			uint64_t x = r->read[k - 1];
			walk_back(f, r, v, (uint32_t)x >> 1, x & 1);
		}
	}
	if (r->npair && !r->oom) {
		/* head is free again: the counts by header */
		memset(head, 0, nhead * sizeof *head);
		sort_pairs(r, f->nb, head);
	}
	r->ready = true;
out:
	free(head);
	free(next);
}

static bool grow_marks(uint32_t **p, uint32_t *have, uint32_t need_n)
{
	if (*have >= need_n)
		return true;
	uint32_t *m = realloc(*p, (size_t)need_n * sizeof *m);
	if (!m)
		return false;
	memset(m + *have, 0, (size_t)(need_n - *have) * sizeof *m);
	*p = m;
	*have = need_n;
	return true;
}

bool ir_osr_rebuild_list(const ir_func *f, uint32_t h, const bool *fused,
	ir_osr_rebuild *r)
{
	r->n = r->nunfused = r->nskipped = 0;
	uint32_t nb = r->nb;
	if (!grow_marks(&r->mark, &r->nv, f->nv) ||
	    !grow_marks(&r->bmark, &r->nb, f->nb) ||
	    !grow_marks(&r->work, &nb, f->nb)) {
		r->oom = true;
		return false;
	}
	if (!r->ready)
		live_pairs(f, fused, r);
	if (r->oom)
		return false;
	r->stamp += 3;
	if (f->b[h].osr) {
		const ir_osr *o = &f->osr[f->b[h].osr - 1];
		for (uint32_t s = 0; s < o->nslots; s++)
			if (o->slot[s] != IR_NONE)
				r->mark[o->slot[s]] = r->stamp + IN_MAP;
	}
	/* the pairs of h: a binary search for the first */
	uint32_t lo = 0, hi = r->npair;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (r->pair[mid][0] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t k = lo; k < r->npair && r->pair[k][0] == h; k++) {
		if (!need(f, h, fused, r, r->pair[k][1], 0))
			r->nskipped++;
		if (r->oom)
			return false;
	}
	return true;
}

void ir_osr_rebuild_free(ir_osr_rebuild *r)
{
	free(r->list);
	free(r->unfused);
	free(r->mark);
	free(r->bmark);
	free(r->work);
	free(r->pair);
	free(r->read);
	memset(r, 0, sizeof *r);
}
