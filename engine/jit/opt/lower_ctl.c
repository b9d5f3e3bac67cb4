/* lower_ctl.c -- tier 2's instruction selection for control flow
 * (lower_int.h): the parallel moves of phis on edges, terminators (jump,
 * branch with its split edge blocks, return, trap), br_table (a jump
 * table from JTAB_MIN_CASES cases, below that a binary search of
 * compares), and which loop checks keep the epoch's address and the
 * deadline in registers (lw_epoch_plan).
 */
#include "jit/opt/lower_int.h"
#include "jit/jit_seq.h"

#include <stdlib.h>

/* ---- loop checks ------------------------------------------------------------
 *
 * A loop check reads the epoch's address and the deadline from the
 * execution context (r14) each time: mov r11, [r14+epoch]; mov r11,
 * [r11]; cmp r11, [r14+deadline]; jae timeout.  Neither changes while
 * wasm code runs (wasm_store_set_deadline is the embedder's, between
 * calls; no host function the engine gives wasm calls it), so a loop
 * may load both once, before it (EPOCHIN at its preheader's end), into
 * registers the allocator keeps across it: cmp deadline, [epoch]; jbe
 * timeout -- two instructions of the four (the emitter goes back to the
 * r14 form for one that is spilled; jit_seq_epoch_with).  Only the epoch
 * word itself is read each time: another thread or process moves it.
 *
 * Which loops: the loop of a header whose check the passes kept, with a
 * preheader (LICM's: the header's one predecessor outside the loop,
 * which jumps only to it), no other loop check inside (an enclosing loop
 * of a checked loop leaves it to that one, whose trips are the many:
 * one pair of registers live at a time) and nothing lowered as a call
 * inside (the two would live across it: spilled, or moved around it by
 * the allocator on every trip).  The two registers are live in every
 * block of the loop, so every OSR entry into a header inside it loads
 * them too (lower_osr_entry). */

bool lw_epoch_plan(lw *c)
{
	ir_func *f = c->f;
	uint32_t stamp = 0, nbody;
	/* outer loops first: one holding a checked loop is passed over */
	for (uint32_t k = 0; k < f->nrpo && !c->oom; k++) {
		uint32_t h = f->rpo[k];
		if (!c->has_lc[h] ||
		    !ir_loop_blocks(f, h, c->mark, ++stamp, c->work, c->body, &nbody))
			continue;
		uint32_t pre = ir_loop_preheader(f, h, c->mark, stamp);
		bool ok = pre != UINT32_MAX;
		for (uint32_t n = 0; n < nbody && ok; n++) {
			const ir_block *bl = &f->b[(uint32_t)c->body[n]];
			for (uint32_t j = 0; j < bl->ninsn && ok; j++) {
				enum ir_op op = (enum ir_op)f->v[bl->insn[j]].op;
				ok = !lw_calls(op) &&
				     (op != IR_LOOP_CHECK || (uint32_t)c->body[n] == h);
			}
		}
		if (!ok)
			continue;
		if (!ir_grow((void **)&c->ep_reg, &c->cap_ep, c->nep + 1, sizeof *c->ep_reg)) {
			c->oom = true;
			break;
		}
		for (int r = 0; r < 2; r++) {
			c->ep_reg[c->nep][r] = lw_vreg(c, 8, false);
			c->mf->vsize[c->ep_reg[c->nep][r]] |= MIR_VREMAT;
		}
		c->nep++;
		c->ep_pre[pre] = c->nep;
		for (uint32_t n = 0; n < nbody; n++)
			c->ep_in[(uint32_t)c->body[n]] = c->nep;
	}
	return !c->oom;
}

void lw_epoch_load(lw *c, uint32_t ep)
{
	lw_ins(c, MIR_EPOCHIN, 8, c->ep_reg[ep - 1][0], 0, 0)->aux = JIT_EPOCH_ADDR;
	lw_ins(c, MIR_EPOCHIN, 8, c->ep_reg[ep - 1][1], 0, 0)->aux = JIT_DEADLINE;
}

/* The parallel move for edge pred -> succ (the occ-th such edge). */
static void edge_moves(lw *c, uint32_t pred, uint32_t succ, uint32_t occ)
{
	ir_block *sb = &c->f->b[succ];
	uint32_t k = 0, seen = 0;
	for (; k < sb->npred; k++)
		if (sb->pred[k] == pred && seen++ == occ)
			break;
	if (k == sb->npred) {
		refuse(c, "an edge its successor does not know");
		return;
	}
	mir_func *mf = c->mf;
	uint32_t first = mf->nmoves;
	for (uint32_t j = 0; j < sb->ninsn; j++) {
		ir_ref p = sb->insn[j];
		if (ir_at(c->f, p)->op != IR_PHI)
			break;
		ir_ref src = ir_args(c->f, p)[k];
		if (!ir_grow((void **)&mf->moves, &mf->cap_moves, mf->nmoves + 1,
			sizeof *mf->moves)) {
			c->oom = true;
			return;
		}
		mir_move *mv = &mf->moves[mf->nmoves++];
		mv->dst = c->vr[p];
		if (ir_is_const(c->f, src)) {
			mv->src = MIR_NOREG;
			mv->imm = (int64_t)cbits(c, src);
		} else {
			mv->src = lw_val(c, src);
			mv->imm = 0;
		}
	}
	if (mf->nmoves > first) {
		mir_insn *pm = lw_ins(c, MIR_PMOV, 8, 0, 0, 0);
		pm->imm = first;
		pm->aux = mf->nmoves - first;
	}
}

/* Occurrence number of successor k among b's successors equal to it. */
static uint32_t occurrence(ir_func *f, uint32_t b, uint32_t k)
{
	uint32_t n = 0;
	for (uint32_t j = 0; j < k; j++)
		n += f->b[b].succ[j] == f->b[b].succ[k];
	return n;
}

/* ---- br_table ---------------------------------------------------------------- */

/* End block c->cur with a jump on cc to `taken`, else to `other`. */
static void jcc_to(lw *c, x64_cc cc, uint32_t taken, uint32_t other)
{
	lw_ins(c, MIR_JCC, 8, 0, 0, 0)->cc = (uint8_t)cc;
	mir_block *mb = &c->mf->b[c->cur];
	mb->nsucc = 2;
	mb->succ[0] = taken;
	mb->succ[1] = other;
}

/* End block c->cur with the edge to blk's k-th successor: its phi moves,
 * then the jump. */
static void edge_to(lw *c, uint32_t blk, uint32_t k)
{
	uint32_t s = c->f->b[blk].succ[k];
	if (has_phis(c->f, s))
		edge_moves(c, blk, s, occurrence(c->f, blk, k));
	lw_ins(c, MIR_JMP, 8, 0, 0, 0);
	c->mf->b[c->cur].succ[0] = c->mb_of[s];
	c->mf->b[c->cur].nsucc = 1;
}

/* A MIR block for the edge to blk's k-th successor: the successor's own
 * if it has no phis, else a new block with the edge's moves. */
static uint32_t edge_block(lw *c, uint32_t blk, uint32_t k)
{
	uint32_t s = c->f->b[blk].succ[k];
	if (!has_phis(c->f, s))
		return c->mb_of[s];
	uint32_t from = c->cur, nb = lw_new_block(c, UINT32_MAX);
	c->cur = nb;
	edge_to(c, blk, k);
	c->cur = from;
	return nb;
}

/* Cases lo..hi-1 (idx known to be in that range) from block c->cur: a
 * binary search, a compare per level. */
static void switch_range(lw *c, uint32_t blk, mir_reg idx, uint32_t lo, uint32_t hi)
{
	if (hi - lo == 1 || c->oom) {
		edge_to(c, blk, lo);
		return;
	}
	uint32_t mid = lo + (hi - lo) / 2;
	uint32_t left = lw_new_block(c, UINT32_MAX), right = lw_new_block(c, UINT32_MAX);
	mir_insn *k = lw_ins(c, MIR_CMP, 4, 0, idx, 0);
	k->hasimm = true;
	k->imm = (int32_t)mid;
	jcc_to(c, X64_CC_B, left, right);
	c->cur = left;
	switch_range(c, blk, idx, lo, mid);
	c->cur = right;
	switch_range(c, blk, idx, mid, hi);
}

/* From br_table's this many cases on, a jump table (a table entry and
 * the jump's five instructions against a compare and branch per level
 * of the search: log2 4 = 2 levels, mispredicted more often than the
 * indirect jump). */
#define JTAB_MIN_CASES 4u

/* Cases 0..n-1 (idx known to be below n) from block c->cur through a
 * jump table: mov rax, idx; jtab rax, then the chain of JTCASE blocks
 * that gives the CFG every case (mir.h). */
static void switch_table(lw *c, uint32_t blk, mir_reg idx, uint32_t n)
{
	lw_ins(c, MIR_MOV, 4, MIR_PHYS(X64_RAX), idx, 0);
	lw_ins(c, MIR_JTAB, 8, 0, MIR_PHYS(X64_RAX), 0);
	for (uint32_t k = 0; k < n && !c->oom; k++) {
		uint32_t at = c->cur, target = edge_block(c, blk, k);
		uint32_t next = k + 1 < n ? lw_new_block(c, UINT32_MAX) : UINT32_MAX;
		mir_block *mb = &c->mf->b[at];
		mb->succ[0] = target;
		mb->succ[1] = next;
		mb->nsucc = next != UINT32_MAX ? 2 : 1;
		if (next == UINT32_MAX)
			break;
		c->cur = next;
		lw_ins(c, MIR_JTCASE, 8, 0, 0, 0);
	}
}

/* SWITCH: successors 0..n-1 the cases, n the default (index >= n). */
static void lower_switch(lw *c, uint32_t blk, ir_ref r)
{
	uint32_t n = c->f->b[blk].nsucc - 1;
	if (n == 0 || n > INT32_MAX) {
		edge_to(c, blk, n);
		return;
	}
	mir_reg idx = lw_val(c, ir_args(c->f, r)[0]);
	mir_insn *k = lw_ins(c, MIR_CMP, 4, 0, idx, 0);
	k->hasimm = true;
	k->imm = (int32_t)n;
	uint32_t dflt = edge_block(c, blk, n), cases = lw_new_block(c, UINT32_MAX);
	jcc_to(c, X64_CC_AE, dflt, cases);
	c->cur = cases;
	if (n >= JTAB_MIN_CASES)
		switch_table(c, blk, idx, n);
	else
		switch_range(c, blk, idx, 0, n);
}

void lw_lower_term(lw *c, uint32_t blk, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_block *bl = &c->f->b[blk];
	mir_block *mb = &c->mf->b[c->cur];
	switch (i->op) {
	case IR_JUMP:
		if (has_phis(c->f, bl->succ[0]))
			edge_moves(c, blk, bl->succ[0], 0);
		lw_ins(c, MIR_JMP, 8, 0, 0, 0);
		mb = &c->mf->b[c->cur];
		mb->succ[0] = c->mb_of[bl->succ[0]];
		mb->nsucc = 1;
		break;
	case IR_BRANCH: {
		x64_cc cc = lw_cond(c, ir_args(c->f, r)[0]);
		lw_ins(c, MIR_JCC, 8, 0, 0, 0)->cc = (uint8_t)cc;
		mb = &c->mf->b[c->cur];
		mb->nsucc = 2;
		for (uint32_t k = 0; k < 2; k++) {
			uint32_t s = c->split[blk][k];
			mb->succ[k] = s != UINT32_MAX ? s : c->mb_of[bl->succ[k]];
		}
		/* the split blocks: the phi moves, then on to the successor */
		uint32_t from = c->cur;
		for (uint32_t k = 0; k < 2; k++) {
			uint32_t s = c->split[blk][k];
			if (s == UINT32_MAX)
				continue;
			c->cur = s;
			edge_moves(c, blk, bl->succ[k], occurrence(c->f, blk, k));
			lw_ins(c, MIR_JMP, 8, 0, 0, 0);
			c->mf->b[s].succ[0] = c->mb_of[bl->succ[k]];
			c->mf->b[s].nsucc = 1;
		}
		c->cur = from;
		break;
	}
	case IR_RET: {
		ir_ref *a = ir_args(c->f, r);
		for (uint32_t k = 0, s = 0; k < i->nargs; k++) {
			lw_store_slot(c, s, a[k]);
			s += ir_at(c->f, a[k])->type == IRT_V128 ? 2 : 1;
		}
		lw_ins(c, MIR_RET, 8, 0, 0, 0);
		break;
	}
	case IR_TRAP:
		lw_ins(c, MIR_TRAP, 8, 0, 0, 0)->aux = i->aux;
		break;
	case IR_SWITCH:
		lower_switch(c, blk, r);
		break;
	default:
		refuse(c, "an unknown terminator");
		break;
	}
}
