/* ir_dce.c -- dead code elimination.
 *
 * Live: every op with an effect other than reading (writes, calls, traps,
 * terminators), every value an OSR map holds, and, transitively, their
 * operands.  Everything else is deleted: unused pure values, unused reads
 * that cannot trap (global.get, memory.size, table.size).  A load stays
 * even if unused: it may trap.
 */
#include "jit/opt/passes.h"


bool ir_pass_dce(ir_func *f)
{
	/* (f's array and counts in locals: live is bytes, and a store to it
	 * could be to any of them for all the compiler knows) */
	ir_insn *v = f->v;
	const uint32_t nv = f->nv, nb = f->nb;
	/* live in a byte array of its own: its zeroing and the operands'
	 * tests stay within nv bytes instead of touching every
	 * instruction's 48 */
	ir_ref *work = ir_tmp_alloc(f, nv * sizeof(ir_ref));
	uint8_t *live = ir_tmp_zalloc(f, nv);
	uint32_t n = 0;
	if (!work || !live) {
		ir_tmp_free(f, live);
		ir_tmp_free(f, work);
		return false;
	}
#define LIVE_(x) do { \
		ir_ref x_ = (x); \
		if (x_ != IR_NONE && !live[x_]) { \
			live[x_] = 1; \
			work[n++] = x_; \
		} \
	} while (0)
	for (uint32_t b = 0; b < nb; b++) {
		const ir_block *bl = &f->b[b];
		if (bl->dead)
			continue;
		const uint32_t *insn = bl->insn, ninsn = bl->ninsn;
		for (uint32_t j = 0; j < ninsn; j++) {
			ir_ref r = insn[j];
			if (ir_ops[f->opc[r]].effects & (IRE_WRITE | IRE_CALL | IRE_TRAP | IRE_CTRL))
				LIVE_(r);
		}
	}
	for (uint32_t o = 0; o < f->nosr; o++)
		for (uint32_t s = 0; s < f->osr[o].nslots; s++)
			LIVE_(f->osr[o].slot[s]);
	while (n) {
		ir_ref r = work[--n];
		const ir_ref *a = ir_args(f, r);
		const uint32_t nargs = v[r].nargs;
		for (uint32_t k = 0; k < nargs; k++)
			LIVE_(a[k]);
	}
#undef LIVE_
	/* the unmarked deleted and the lists compacted in one walk
	 * (ir_compact's work: the NOPs made here are in no list after it) */
	bool any = false;
	for (uint32_t b = 0; b < nb; b++) {
		ir_block *bl = &f->b[b];
		uint32_t *insn = bl->insn, ninsn = bl->ninsn, k = 0;
		const bool dead = bl->dead;
		for (uint32_t j = 0; j < ninsn; j++) {
			ir_ref r = insn[j];
			if (f->opc[r] == IR_NOP)
				continue;
			if (!dead && !live[r]) {
				ir_delete(f, r);
				any = true;
				continue;
			}
			insn[k++] = r;
		}
		bl->ninsn = k;
	}
	f->nnop = 0;
	ir_tmp_free(f, live);
	ir_tmp_free(f, work);
	return any;
}
