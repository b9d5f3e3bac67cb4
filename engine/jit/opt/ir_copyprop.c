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

/* The one value other than r itself among r's operands, or IR_NONE if
 * there are two or none. */
static ir_ref trivial_phi(ir_func *f, ir_ref r)
{
	ir_ref same = IR_NONE;
	for (uint32_t k = 0; k < f->v[r].nargs; k++) {
		ir_ref a = ir_resolve(f, ir_args(f, r)[k]);
		if (a == r || a == same)
			continue;
		if (same != IR_NONE)
			return IR_NONE;
		same = a;
	}
	return same;
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
				ir_ref v = trivial_phi(f, r);
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
