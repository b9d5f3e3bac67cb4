/* ir_licm.c -- loop-invariant code motion.
 *
 * A natural loop is a header h and the blocks that reach one of its back
 * edges (p -> h with h dominating p) without passing h.  Its preheader is
 * h's one predecessor outside the loop, when it has exactly one and that
 * block jumps to h alone (the builder makes one for every LOOP; a loop
 * without one is left alone).  Loops are taken innermost first (headers
 * in reverse RPO), so a value leaves a nest one level at a time.
 *
 * What moves: pure ops (effects 0 in IR_OPS; not phis, params, copies or
 * call results) whose operands are all defined outside the loop or moved
 * out before them, to the end of the preheader (before its jump).  A pure
 * op cannot trap and has no effect, so computing it before a loop that
 * runs zero times, or before a trap inside the loop, changes nothing
 * anyone can see: traps, loads, stores, calls, global reads and the loop
 * checks (deadline, fuel) never move.  (The memory base is r15 for the
 * whole function and bounds checks are the guard region, so there is no
 * base or size load to hoist.)
 *
 * OSR: a value moved out of a loop whose header has an OSR map is live
 * into the header without being in the map.  It moves only if the OSR
 * entry can rebuild it: a constant, a value the map names, or a pure op
 * (moved by this pass or not) of such values, dominating the header --
 * the rule ir.h states for OSR maps (an entry recomputes those after
 * loading the mapped slots).
 */
#include "jit/opt/passes.h"

#include <stdlib.h>
#include <string.h>

/* An op this pass may move (operands aside). */
/* The ops movable() takes (operands aside): pure, with a result, not a
 * phi, parameter, copy, call result, constant or NOP (a table from
 * IR_OPS: licm asks it of every instruction of every loop). */
static const bool movable_op[IR_OP_COUNT_] = {
#define MOVABLE_OP_(op, s, n, k0, k1, k2, r, c, e) [IR_##op] = (e) == 0 && \
	IRR_##r != IRR_NONE && IR_##op != IR_PHI && IR_##op != IR_PARAM && \
	IR_##op != IR_COPY && IR_##op != IR_RESULT && IR_##op != IR_CONST && \
	IR_##op != IR_NOP,
	IR_OPS(MOVABLE_OP_)
#undef MOVABLE_OP_
};

static bool movable(const ir_func *f, ir_ref r)
{
	return movable_op[f->opc[r]] && f->v[r].nargs <= IR_INLINE_ARGS &&
	       f->v[r].nargs > 0;
}

/* ir_osr_recoverable, with the header's mapped values (and values found
 * recoverable before) marked inmap[v] == stamp when inmap is given, in
 * place of a scan of the map. */
static bool recoverable(const ir_func *f, uint32_t header, ir_ref v,
	unsigned depth, const uint32_t *inmap, uint32_t stamp)
{
	v = ir_resolve(f, v);
	if (ir_is_const(f, v))
		return true;
	const ir_block *h = &f->b[header];
	if (!h->osr)
		return true;
	if (inmap) {
		if (inmap[v] == stamp)
			return true;
	} else {
		const ir_osr *m = &f->osr[h->osr - 1];
		for (uint32_t s = 0; s < m->nslots; s++)
			if (m->slot[s] == v)
				return true;
	}
	if (depth == 0 || !ir_osr_rebuilt_op(f, header, v))
		return false;
	const ir_insn *i = &f->v[v];
	for (uint32_t k = 0; k < i->nargs; k++)
		if (!recoverable(f, header, i->u.a[k], depth - 1, inmap, stamp))
			return false;
	return true;
}

bool ir_licm_movable(const ir_func *f, ir_ref v)
{
	return movable(f, v);
}

bool ir_osr_rebuilt_op(const ir_func *f, uint32_t header, ir_ref v)
{
	return movable(f, v) && f->v[v].block != header &&
	       ir_dominates(f, f->v[v].block, header);
}

bool ir_osr_recoverable(const ir_func *f, uint32_t header, ir_ref v, unsigned depth)
{
	return recoverable(f, header, v, depth, NULL, 0);
}

typedef struct {
	ir_func *f;
	uint32_t *mark;         /* per block: the stamp of the loop it is in */
	uint32_t stamp;
	uint32_t *work;
	uint64_t *body;         /* the loop's blocks, (rpo << 32 | block) */
	uint32_t nbody;
	uint32_t *inmap;        /* per value: the stamp of the loop whose
	                           header's OSR entry can rebuild it */
} licm;

bool ir_loop_blocks(const ir_func *f, uint32_t h, uint32_t *mark, uint32_t stamp,
	uint32_t *work, uint64_t *body, uint32_t *nbody)
{
	const ir_block *hb = &f->b[h];
	uint32_t n = 0, nb = 0;
	bool back = false;
	mark[h] = stamp;
	body[nb++] = (uint64_t)hb->rpo << 32 | h;
	for (uint32_t k = 0; k < hb->npred; k++) {
		uint32_t p = hb->pred[k];
		/* (h dominating p comes first in reverse postorder: the
		 * test skips ir_dominates for the edges from before h, all
		 * of them at the blocks that head no loop) */
		if (f->b[p].rpo == UINT32_MAX || f->b[p].rpo < hb->rpo ||
		    !ir_dominates(f, h, p))
			continue;
		back = true;
		if (mark[p] != stamp) {
			mark[p] = stamp;
			work[n++] = p;
			body[nb++] = (uint64_t)f->b[p].rpo << 32 | p;
		}
	}
	while (n) {
		const ir_block *b = &f->b[work[--n]];
		for (uint32_t k = 0; k < b->npred; k++) {
			uint32_t p = b->pred[k];
			if (f->b[p].rpo != UINT32_MAX && mark[p] != stamp) {
				mark[p] = stamp;
				work[n++] = p;
				body[nb++] = (uint64_t)f->b[p].rpo << 32 | p;
			}
		}
	}
	*nbody = nb;
	return back;
}

/* The loop of header h into l->mark (stamp); its preheader, or
 * UINT32_MAX if it has none or is not a loop. */
uint32_t ir_loop_preheader(const ir_func *f, uint32_t h, const uint32_t *mark,
	uint32_t stamp)
{
	const ir_block *hb = &f->b[h];
	uint32_t pre = UINT32_MAX;
	for (uint32_t k = 0; k < hb->npred; k++) {
		uint32_t p = hb->pred[k];
		if (mark[p] == stamp)
			continue;
		if (pre != UINT32_MAX && pre != p)
			return UINT32_MAX;
		pre = p;
	}
	if (pre == UINT32_MAX || f->b[pre].nsucc != 1)
		return UINT32_MAX;
	return pre;
}

static uint32_t loop_of(licm *l, uint32_t h)
{
	ir_func *f = l->f;
	l->stamp++;
	if (!ir_loop_blocks(f, h, l->mark, l->stamp, l->work, l->body, &l->nbody))
		return UINT32_MAX;
	return ir_loop_preheader(f, h, l->mark, l->stamp);
}

static bool invariant(licm *l, uint32_t h, ir_ref r)
{
	ir_func *f = l->f;
	ir_insn *i = &f->v[r];
	for (uint32_t k = 0; k < i->nargs; k++) {
		ir_ref a = ir_resolve(f, i->u.a[k]);
		if (a == IR_NONE || l->mark[f->v[a].block] == l->stamp)
			return false;
	}
	/* the OSR entry rebuilds it: r as it will be, operands resolved */
	for (uint32_t k = 0; k < i->nargs; k++)
		if (!recoverable(f, h, i->u.a[k], 8, l->inmap, l->stamp))
			return false;
	return true;
}

static bool hoist_loop(licm *l, uint32_t hk)
{
	ir_func *f = l->f;
	uint32_t h = f->rpo[hk];
	uint32_t pre = loop_of(l, h);
	if (pre == UINT32_MAX)
		return false;
	if (f->b[h].osr) {
		const ir_osr *m = &f->osr[f->b[h].osr - 1];
		for (uint32_t s = 0; s < m->nslots; s++)
			if (m->slot[s] != IR_NONE)
				l->inmap[ir_resolve(f, m->slot[s])] = l->stamp;
	}
	bool any = false;
	/* body blocks in RPO (a definition before its uses): the loop's own
	 * blocks sorted, not a scan of every block after the header (which
	 * made the pass quadratic in a body of many loops) */
	ir_sort_u64(l->body, l->nbody);     /* not qsort: ir.h says why */
	for (uint32_t k = 0; k < l->nbody; k++) {
		uint32_t b = (uint32_t)l->body[k];
		ir_block *bl = &f->b[b];
		uint32_t n = 0;
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref r = bl->insn[j];
			if (movable(f, r) && invariant(l, h, r)) {
				ir_insn *i = &f->v[r];
				for (uint32_t a = 0; a < i->nargs; a++)
					i->u.a[a] = ir_resolve(f, i->u.a[a]);
				ir_insert_body(f, pre, r);      /* sets its block */
				l->inmap[r] = l->stamp;         /* its operands are */
				any = true;
				continue;
			}
			bl->insn[n++] = r;
		}
		bl->ninsn = n;
	}
	return any;
}

bool ir_pass_licm(ir_func *f)
{
	if (!ir_dom_compute(f)) {
		f->oom = true;
		return false;
	}
	licm l = { .f = f };
	size_t nb = f->nb ? f->nb : 1, nv = f->nv ? f->nv : 1;
	l.mark = ir_tmp_zalloc(f, nb * sizeof *l.mark);
	l.work = ir_tmp_alloc(f, nb * sizeof *l.work);
	l.body = ir_tmp_alloc(f, nb * sizeof *l.body);
	l.inmap = ir_tmp_zalloc(f, nv * sizeof *l.inmap);
	bool any = false;
	if (!l.mark || !l.work || !l.body || !l.inmap)
		goto out;
	/* innermost first: an inner header comes after its outer one in RPO */
	for (uint32_t k = f->nrpo; k-- > 0 && !f->oom;)
		any |= hoist_loop(&l, k);
out:
	ir_tmp_free(f, l.inmap);
	ir_tmp_free(f, l.body);
	ir_tmp_free(f, l.work);
	ir_tmp_free(f, l.mark);
	return any;
}
