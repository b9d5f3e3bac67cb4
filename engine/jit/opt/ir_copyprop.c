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

/* ir_resolve out of line, for the walk over every operand: few name a
 * copy, and inlined there the chain's loop took the registers the walk
 * needs (its loop saved and restored six at each instruction) */
static __attribute__((noinline)) ir_ref resolve_cold(const ir_func *f, ir_ref a)
{
	return ir_resolve(f, a);
}

/* The ops with no operand (IR_OPS' count 0, which the verifier holds
 * every instruction to): the walk passes them by their op alone,
 * constants most of all, without reading the instruction. */
static const bool no_operand[IR_OP_COUNT_] = {
#define NO_OPERAND_(op, s, n, k0, k1, k2, r, c, e) [IR_##op] = (n) == 0,
	IR_OPS(NO_OPERAND_)
#undef NO_OPERAND_
};

bool ir_pass_copyprop(ir_func *f)
{
	bool any = false, phis = false;
	/* a block's phis come first (ir_verify): its scan stops at the
	 * first other op (the phis made copies here stay among them) */
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t b = 0; b < f->nb; b++) {
			const ir_block *bl = &f->b[b];
			if (bl->dead)
				continue;
			/* (ir_morph below neither moves nor grows the lists) */
			const uint32_t *insn = bl->insn, ninsn = bl->ninsn;
			for (uint32_t j = 0; j < ninsn; j++) {
				ir_ref r = insn[j];
				uint32_t op = f->opc[r];
				if (op == IR_NOP || op == IR_COPY)
					continue;
				if (op != IR_PHI)
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
	size_t copies_bytes = f->ncopy * sizeof(ir_ref);
	ir_ref *copies = ir_tmp_alloc(f, copies_bytes);
	uint32_t ncopies = 0;
	if (!copies)
		return false;
	/* (f's arrays and counts in locals: a store through an operand
	 * array could be to any of them for all the compiler knows, which
	 * reloaded each after every store) */
	ir_insn *v = f->v;
	const uint8_t *opc = f->opc;
	const uint32_t nb = f->nb;
	for (uint32_t b = 0; b < nb; b++) {
		ir_block *bl = &f->b[b];
		uint32_t *insn = bl->insn;
		const uint32_t ninsn = bl->ninsn;
		const bool dead = bl->dead;
		uint32_t n = 0;
		for (uint32_t j = 0; j < ninsn; j++) {
			ir_ref r = insn[j];
			uint32_t op = opc[r];
			if (op == IR_NOP)
				continue;
			if (!dead) {
				if (op == IR_COPY) {
					copies[ncopies++] = r;  /* (ncopy counts them all) */
					continue;
				}
				if (no_operand[op]) {
					insn[n++] = r;
					continue;
				}
				ir_ref *a = ir_args(f, r);
				const uint32_t nargs = v[r].nargs;
				/* (value 0 is a NOP: no test for it) */
				for (uint32_t k = 0; k < nargs; k++) {
					if (opc[a[k]] != IR_COPY)
						continue;
					a[k] = resolve_cold(f, a[k]);
					any = true;
				}
			}
			insn[n++] = r;
		}
		bl->ninsn = n;
	}
	any |= ncopies > 0;
	for (uint32_t o = 0; o < f->nosr; o++)
		for (uint32_t s = 0; s < f->osr[o].nslots; s++)
			f->osr[o].slot[s] = ir_resolve(f, f->osr[o].slot[s]);
	for (uint32_t k = 0; k < ncopies; k++)
		ir_delete(f, copies[k]);
	ir_tmp_free(f, copies);
	/* every list is compact, and the NOPs just made are in none: left
	 * counted, they sent the next pass that compacts (brfold, dce) on
	 * a walk over every list with nothing to take out */
	f->nnop = 0;
	/* no phi made a copy: a pass reading through copies sees the
	 * values it saw (a phi's uses now reading its one value would
	 * give fold and GVN new work) */
	f->copies_only = any && !phis;
	return any;
}
