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

static ir_ref resolved(void *f, ir_ref a)
{
	return ir_resolve(f, a);
}

bool ir_pass_copyprop(ir_func *f)
{
	bool any = false;
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t b = 0; b < f->nb; b++) {
			if (f->b[b].dead)
				continue;
			for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
				ir_ref r = f->b[b].insn[j];
				if (f->v[r].op != IR_PHI)
					continue;
				ir_ref v = ir_phi_only_value(f, r, resolved, f);
				if (v != IR_NONE) {
					ir_morph(f, r, IR_COPY, 1, &v);
					changed = any = true;
				}
			}
		}
	}
	for (uint32_t b = 0; b < f->nb; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (f->v[r].op == IR_COPY)
				continue;
			ir_ref *a = ir_args(f, r);
			for (uint32_t k = 0; k < f->v[r].nargs; k++) {
				ir_ref x = ir_resolve(f, a[k]);
				if (x != a[k]) {
					a[k] = x;
					any = true;
				}
			}
		}
	}
	for (uint32_t o = 0; o < f->nosr; o++)
		for (uint32_t s = 0; s < f->osr[o].nslots; s++)
			f->osr[o].slot[s] = ir_resolve(f, f->osr[o].slot[s]);
	for (uint32_t b = 0; b < f->nb; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (f->v[r].op == IR_COPY) {
				ir_delete(f, r);
				any = true;
			}
		}
	}
	ir_compact(f);
	return any;
}
