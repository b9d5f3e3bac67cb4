/* ir_brfold.c -- branch folding and block merging.
 *
 *   branch on a constant          -> jump to the successor it takes
 *   branch with equal successors  -> jump
 *   switch on a constant          -> jump to that case (or the default)
 *   switch with equal successors  -> jump
 * The edges not taken go (with their phi operands); blocks no longer
 * reachable go (with their OSR maps).  Then a block that jumps to a block
 * with no other predecessor absorbs it (its phis, now of one operand,
 * become copies), unless that block is a loop header with an OSR map:
 * OSR enters there, so it stays a block of its own.
 */
#include "jit/opt/passes.h"

static void to_jump(ir_func *f, uint32_t b, ir_ref term, uint32_t keep)
{
	ir_block *bl = &f->b[b];
	for (uint32_t k = bl->nsucc; k-- > 0;)
		if (k != keep)
			ir_edge_remove(f, b, k);
	ir_morph(f, term, IR_JUMP, 0, NULL);
}

static bool fold_branches(ir_func *f)
{
	bool any = false;
	for (uint32_t b = 0; b < f->nb; b++) {
		ir_block *bl = &f->b[b];
		if (bl->dead)
			continue;
		ir_ref t = ir_terminator(f, b);
		if (t == IR_NONE || (f->v[t].op != IR_BRANCH && f->v[t].op != IR_SWITCH))
			continue;
		ir_ref c = ir_resolve(f, ir_args(f, t)[0]);
		bool alleq = true;
		for (uint32_t k = 1; k < bl->nsucc; k++)
			alleq &= bl->succ[k] == bl->succ[0];
		if (ir_is_const(f, c)) {
			uint64_t v = f->v[c].imm;
			uint32_t keep;
			if (f->v[t].op == IR_BRANCH)
				keep = v ? 0 : 1;
			else
				keep = v < bl->nsucc - 1 ? (uint32_t)v : bl->nsucc - 1;
			to_jump(f, b, t, keep);
			any = true;
		} else if (alleq && bl->nsucc > 1) {
			to_jump(f, b, t, 0);
			any = true;
		}
	}
	return any;
}

/* b jumps to s, s's only predecessor: s's instructions move to b. */
static void merge(ir_func *f, uint32_t b, uint32_t s)
{
	ir_block *bl = &f->b[b], *sl = &f->b[s];
	f->cfg_gen++;           /* the lists edited in place below */
	ir_delete(f, ir_terminator(f, b));
	/* b's list loses its terminator and the NOPs after it; NOPs
	 * elsewhere (s's, moving to b, too) wait for the pass's compaction
	 * at the end: compacting the whole function at each merge took
	 * 6M instructions over the bench programs */
	while (bl->ninsn && f->v[bl->insn[bl->ninsn - 1]].op == IR_NOP)
		bl->ninsn--;
	for (uint32_t j = 0; j < sl->ninsn; j++) {
		ir_ref r = sl->insn[j];
		if (f->v[r].op == IR_PHI) {
			ir_ref v = ir_args(f, r)[0];
			ir_morph(f, r, IR_COPY, 1, &v);
		}
		ir_append(f, b, r);
	}
	sl->ninsn = 0;
	/* b's edge to s goes; s's edges become b's, in place in each
	 * target's pred list (phi operands keep their positions) */
	bl->nsucc = 0;
	for (uint32_t k = 0; k < sl->nsucc; k++) {
		uint32_t t = sl->succ[k];
		for (uint32_t p = 0; p < f->b[t].npred; p++) {
			if (f->b[t].pred[p] == s) {
				f->b[t].pred[p] = b;
				break;
			}
		}
		ir_edge_add(f, b, t);
		f->b[t].npred--;    /* ir_edge_add appended a pred: the renamed one stands */
	}
	sl->nsucc = 0;
	sl->npred = 0;
	sl->dead = true;
}

static bool merge_blocks(ir_func *f)
{
	bool any = false;
	for (uint32_t b = 0; b < f->nb; b++) {
		for (;;) {
			ir_block *bl = &f->b[b];
			if (bl->dead || bl->nsucc != 1)
				break;
			uint32_t s = bl->succ[0];
			ir_ref t = ir_terminator(f, b);
			if (s == b || s == 0 || f->b[s].npred != 1 || f->b[s].osr ||
			    t == IR_NONE || f->v[t].op != IR_JUMP)
				break;
			merge(f, b, s);
			any = true;
		}
	}
	return any;
}

bool ir_pass_brfold(ir_func *f)
{
	bool any = fold_branches(f);
	any |= ir_remove_unreachable(f);
	any |= merge_blocks(f);
	ir_compact(f);
	ir_dom_compute(f);
	return any;
}
