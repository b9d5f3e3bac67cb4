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
	size_t work_bytes = f->nv * sizeof(ir_ref);
	ir_ref *work = ir_tmp_alloc(f, work_bytes);
	uint32_t n = 0;
	if (!work)
		return false;
	for (ir_ref r = 1; r < f->nv; r++)
		f->v[r].mark = 0;
#define LIVE_(x) do { \
		ir_ref x_ = (x); \
		if (x_ != IR_NONE && !f->v[x_].mark) { \
			f->v[x_].mark = 1; \
			work[n++] = x_; \
		} \
	} while (0)
	for (uint32_t b = 0; b < f->nb; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (ir_ops[f->v[r].op].effects & (IRE_WRITE | IRE_CALL | IRE_TRAP | IRE_CTRL))
				LIVE_(r);
		}
	}
	for (uint32_t o = 0; o < f->nosr; o++)
		for (uint32_t s = 0; s < f->osr[o].nslots; s++)
			LIVE_(f->osr[o].slot[s]);
	while (n) {
		ir_ref r = work[--n];
		const ir_ref *a = ir_args(f, r);
		uint32_t nargs = f->v[r].nargs;     /* (LIVE_ stores to f->v) */
		for (uint32_t k = 0; k < nargs; k++)
			LIVE_(a[k]);
	}
#undef LIVE_
	ir_tmp_free(f, work, work_bytes);
	bool any = false;
	for (uint32_t b = 0; b < f->nb; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (!f->v[r].mark && f->v[r].op != IR_NOP) {
				ir_delete(f, r);
				any = true;
			}
		}
	}
	ir_compact(f);
	return any;
}
