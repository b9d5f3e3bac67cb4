/* ir_osr.c -- the values an OSR entry rebuilds (passes.h,
 * ir_osr_rebuild_list).
 *
 * An OSR entry into loop header h starts from a baseline (or interpreted)
 * frame: it loads the slots of h's map into their values' locations, and
 * that is all the frame holds.  Anything else the code from h on reads
 * and that was computed before h -- what LICM moved out of the loop, the
 * values it moved out of enclosing loops on the way, and the operands of
 * a value lowered inside its user -- the entry computes again, from the
 * mapped values and constants, before it jumps to the header.  Those are
 * pure ops (ir_osr_rebuilt_op: no effects, so no trap, no memory or
 * context read), so computing them a second time gives the same bits.
 * Memory's base is r15 in every tier and memory.size a read of the
 * context (IRE_READ, never moved): there is no base or size to reload.
 *
 * "The code from h on" is taken as the blocks h dominates: a value read
 * in a block after the loop that h does not dominate (reached around the
 * loop too) is not found here, and stays live into the entry block,
 * where the allocator's check (osr_entries_check) drops the entry.
 */
#include "jit/opt/passes.h"

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

/* Value v is read at or after h: make it available at the entry.
 * at_entry: its reader is a value the entry rebuilds (lowered there),
 * else an op in the blocks h dominates. */
static bool need(const ir_func *f, uint32_t h, const bool *fused,
	ir_osr_rebuild *r, ir_ref v, bool at_entry, unsigned depth)
{
	if (v == IR_NONE || ir_is_const(f, v) || r->mark[v] == r->stamp + 1)
		return true;
	bool fv = fused && fused[v];
	if (r->mark[v] == r->stamp && !fv)
		return true;            /* loaded from its slot */
	if (depth > REBUILD_DEPTH_MAX)
		return false;
	const ir_insn *i = &f->v[v];
	const ir_ref *a = args_of(f, v);
	if (fv && at_entry && r->mark[v] == r->stamp) {
		/* mapped, and the entry's own copy of its user may read it
		 * as a value (loaded from its slot) */
		r->mark[v] = r->stamp + 1;
		return push_unfused(r, v);
	}
	if (fv) {
		/* computed inside its user: the user reads its operands */
		for (uint32_t k = 0; k < i->nargs; k++)
			if (!need(f, h, fused, r, a[k], at_entry, depth + 1))
				return false;
		return true;
	}
	if (ir_dominates(f, h, i->block))
		return true;            /* defined after the entry */
	if (!ir_osr_rebuilt_op(f, h, v))
		return false;
	r->mark[v] = r->stamp + 1;
	for (uint32_t k = 0; k < i->nargs; k++)
		if (!need(f, h, fused, r, a[k], true, depth + 1))
			return false;
	return push(r, v);
}

bool ir_osr_rebuild_list(const ir_func *f, uint32_t h, const bool *fused,
	ir_osr_rebuild *r)
{
	r->n = r->nunfused = 0;
	if (r->nv < f->nv) {
		uint32_t *m = realloc(r->mark, (size_t)f->nv * sizeof *m);
		if (!m) {
			r->oom = true;
			return false;
		}
		memset(m + r->nv, 0, (size_t)(f->nv - r->nv) * sizeof *m);
		r->mark = m;
		r->nv = f->nv;
	}
	r->stamp += 2;
	if (f->b[h].osr) {
		const ir_osr *o = &f->osr[f->b[h].osr - 1];
		for (uint32_t s = 0; s < o->nslots; s++)
			if (o->slot[s] != IR_NONE)
				r->mark[o->slot[s]] = r->stamp;
	}
	for (uint32_t bi = 0; bi < f->nb; bi++) {
		const ir_block *bl = &f->b[bi];
		if (bl->dead || !ir_dominates(f, h, bi))
			continue;
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref v = bl->insn[j];
			const ir_insn *i = &f->v[v];
			const ir_ref *a = args_of(f, v);
			if (fused && fused[v])
				continue;       /* read where its user reads it */
			for (uint32_t k = 0; k < i->nargs; k++) {
				/* a phi's operand k is read at the end of pred k */
				if (i->op == IR_PHI && !ir_dominates(f, h, bl->pred[k]))
					continue;
				if (!need(f, h, fused, r, a[k], false, 0))
					return false;
			}
		}
	}
	return true;
}

void ir_osr_rebuild_free(ir_osr_rebuild *r)
{
	free(r->list);
	free(r->unfused);
	free(r->mark);
	memset(r, 0, sizeof *r);
}
