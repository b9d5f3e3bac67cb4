/* ir_copyprop.c -- copy propagation.
 *
 * Every use of a COPY (and every OSR map entry) is pointed at the value
 * the copy chain ends in; a phi whose operands are all one value v (or the
 * phi itself, around a loop) is trivial and becomes a copy of v (Braun et
 * al.'s tryRemoveTrivialPhi, run to a fixpoint after construction); then
 * the copies, now unused, are deleted.  Other passes express "replace r by
 * v" as "r becomes COPY v" and leave the rewiring to this one.
 */
#include "jit/opt/passes.h"

#include <stdlib.h>

static ir_ref resolved(void *f, ir_ref a)
{
	return ir_resolve(f, a);
}

bool ir_pass_copyprop(ir_func *f)
{
	bool any = false, phis = false;
	/* a block's phis come first (ir_verify): its scan stops at the
	 * first other op (the phis made copies here stay among them) */
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t b = 0; b < f->nb; b++) {
			if (f->b[b].dead)
				continue;
			for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
				ir_ref r = f->b[b].insn[j];
				if (f->v[r].op == IR_NOP || f->v[r].op == IR_COPY)
					continue;
				if (f->v[r].op != IR_PHI)
					break;
				ir_ref v = ir_phi_only_value(f, r, resolved, f);
				if (v != IR_NONE) {
					ir_morph(f, r, IR_COPY, 1, &v);
					changed = any = phis = true;
				}
			}
		}
	}
	/* no copy anywhere (a pass changed the IR but made none: dce,
	 * licm, addr; about half of the runs): no operand names one, and
	 * what is left to do is taking the NOPs out of the lists */
	if (!f->ncopy) {
		ir_compact(f);
		return any;
	}
	/* one walk: operands past the copies, the copies of live blocks
	 * taken out of their lists (deleted after the walk: operands
	 * further on still resolve through them) and NOPs out of every
	 * list (ir_compact's work) */
	ir_ref *copies = NULL;
	uint32_t ncopies = 0, cap = 0;
	for (uint32_t b = 0; b < f->nb; b++) {
		ir_block *bl = &f->b[b];
		uint32_t n = 0;
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref r = bl->insn[j];
			if (f->v[r].op == IR_NOP)
				continue;
			if (!bl->dead && f->v[r].op == IR_COPY) {
				if (!ir_grow((void **)&copies, &cap, ncopies + 1,
				    sizeof *copies)) {
					f->oom = true;
					free(copies);
					return false;
				}
				copies[ncopies++] = r;
				any = true;
				continue;
			}
			if (!bl->dead) {
				/* (the count in a local: the stores through a
				 * could be to f->v[r] for all the compiler knows) */
				ir_ref *a = ir_args(f, r);
				uint32_t nargs = f->v[r].nargs;
				for (uint32_t k = 0; k < nargs; k++) {
					if (a[k] == IR_NONE || f->v[a[k]].op != IR_COPY)
						continue;
					a[k] = ir_resolve(f, a[k]);
					any = true;
				}
			}
			bl->insn[n++] = r;
		}
		bl->ninsn = n;
	}
	f->nnop = 0;            /* every list is compact (the copies deleted
	                           below are in none) */
	for (uint32_t o = 0; o < f->nosr; o++)
		for (uint32_t s = 0; s < f->osr[o].nslots; s++)
			f->osr[o].slot[s] = ir_resolve(f, f->osr[o].slot[s]);
	for (uint32_t k = 0; k < ncopies; k++)
		ir_delete(f, copies[k]);
	free(copies);
	/* no phi made a copy: a pass reading through copies sees the
	 * values it saw (a phi's uses now reading its one value would
	 * give fold and GVN new work) */
	f->copies_only = any && !phis;
	return any;
}
