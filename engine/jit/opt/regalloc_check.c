/* regalloc_check.c -- the allocation verifier's data-flow check: what each
 * location holds on every path.
 *
 * With live ranges that have holes and values split at loop boundaries
 * and calls, two registers share a location whenever their ranges do not
 * meet, so whether an allocation is right is a question about paths, not
 * intervals: every read of a register must find it in its location on
 * every path that reaches the read.  This check answers it without the
 * allocator's liveness sets or ranges, by abstract interpretation of the
 * allocated MIR over the CFG (as regalloc2's checker does):
 *
 *   state   per location (16 GPRs, 16 XMM registers, the 8-byte spill
 *           slots: a spilled v128 is in two, its slot k and k + 1)
 *           the register it holds, NONE (nothing usable: a clobber, or
 *           two paths that disagree) or, before a block is reached, TOP;
 *   entry   the function's entry block and the usable OSR entry blocks
 *           start with NONE everywhere (their values come from the frame);
 *   step    a read of v must find v in v's location; a write of v puts v
 *           there; a write of a GPR named as such (a fixed register, div's
 *           rdx, the r13 the emitter reloads before an instance reader)
 *           and a call's clobbers put NONE in those; a PMOV reads all its
 *           sources before it writes its destinations;
 *   join    a location holds v at a block's start if it holds v at the
 *           end of every reached predecessor, else NONE;
 *
 * iterated to a fixpoint (the states only go down: TOP, a register,
 * NONE).  Then a resolution move that is missing or wrong (a restore
 * after a loop dropped, a value read from a register another value took
 * in its hole) is a read that finds the wrong register.
 *
 * mir_regalloc_verify (at the end) runs it after the per-operand checks:
 * a location of the operand's class, inside its interval, none in r13
 * where the emitter reloads it.
 */
#include "jit/opt/regalloc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP 0u
#define NONE UINT32_MAX

typedef struct {
	const mir_func *mf;
	uint32_t nloc;
	uint32_t *cur;          /* the state being stepped */
	const char *bad;
	mir_reg badreg;
	uint32_t badheld;
} fc;

static uint32_t loc_of(const mir_func *mf, mir_reg v)
{
	return mf->reg[v] >= 0 ? (uint32_t)mf->reg[v] :
		(uint32_t)(RA_NLOC + mf->spill[v]);
}

/* How many locations v occupies: a spilled v128 two adjacent 8-byte
 * slots (loc_of's and the next: regalloc.c's spill_slot), else one. */
static uint32_t loc_width(const mir_func *mf, mir_reg v)
{
	return mf->reg[v] < 0 && mir_vsize(mf, v) == 16 ? 2 : 1;
}

static void step_use(void *ctx, mir_reg r, int how)
{
	fc *c = ctx;
	if (c->bad || how != OP_USE || MIR_IS_PHYS(r))
		return;
	const mir_func *mf = c->mf;
	if (mf->reg[r] < 0 && mf->spill[r] < 0) {
		c->bad = "has no location";
		c->badreg = r;
		c->badheld = NONE;
		return;
	}
	uint32_t l = loc_of(mf, r);
	for (uint32_t k = 0; k < loc_width(mf, r); k++) {
		uint32_t held = c->cur[l + k];
		if (held != r) {
			c->bad = "is read from a location that holds";
			c->badreg = r;
			c->badheld = held;
			return;
		}
	}
}

static void step_def(void *ctx, mir_reg r, int how)
{
	fc *c = ctx;
	if (how == OP_USE)
		return;
	if (MIR_IS_PHYS(r)) {
		c->cur[MIR_LOC(r)] = NONE;
		return;
	}
	if (how == OP_DEF && (c->mf->reg[r] >= 0 || c->mf->spill[r] >= 0))
		for (uint32_t k = 0; k < loc_width(c->mf, r); k++)
			c->cur[loc_of(c->mf, r) + k] = r;
}

/* Usable roots: the entry block and the OSR entries marked usable. */
static bool is_root(const mir_func *mf, uint32_t b)
{
	return b == 0 || (mf->b[b].osr_entry && mf->b[b].osr_ok);
}

bool ra_check_flow(const mir_func *mf, char *msg, size_t msg_len)
{
	uint32_t nb = mf->nb, nloc = RA_NLOC + mf->nspill;
	uint32_t *in = calloc((size_t)(nb ? nb : 1) * nloc, sizeof *in);
	uint32_t *cur = malloc((size_t)nloc * sizeof *cur);
	bool *reached = calloc(nb ? nb : 1, sizeof *reached);
	bool ok = false;
	if (!in || !cur || !reached) {
		snprintf(msg, msg_len, "out of memory");
		goto out;
	}
	fc c = { .mf = mf, .nloc = nloc, .cur = cur };
	for (uint32_t b = 0; b < nb; b++)
		if (is_root(mf, b)) {
			reached[b] = true;
			for (uint32_t l = 0; l < nloc; l++)
				in[(size_t)b * nloc + l] = NONE;
		}
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t b = 0; b < nb; b++) {
			if (!reached[b])
				continue;
			const mir_block *bl = &mf->b[b];
			/* a JTCASE block never runs: anything else in it (a move
			 * placed there) would not happen */
			if (mir_jtcase_block(bl) && bl->n != 1) {
				snprintf(msg, msg_len, "b%u: an instruction in a JTCASE "
					"block, which never runs", b);
				goto out;
			}
			memcpy(cur, in + (size_t)b * nloc, (size_t)nloc * sizeof *cur);
			for (uint32_t j = 0; j < bl->n; j++) {
				ra_visit(mf, &bl->insn[j], step_use, &c);
				if (c.bad) {
					if (c.badheld == NONE || c.badheld == TOP)
						snprintf(msg, msg_len, "b%u insn %u: v%u %s %s", b,
							j, c.badreg, c.bad,
							c.badheld == NONE ? "nothing" : "no value yet");
					else
						snprintf(msg, msg_len, "b%u insn %u: v%u %s v%u", b,
							j, c.badreg, c.bad, c.badheld);
					goto out;
				}
				ra_visit(mf, &bl->insn[j], step_def, &c);
			}
			for (uint32_t k = 0; k < bl->nsucc; k++) {
				uint32_t s = bl->succ[k];
				uint32_t *sin = in + (size_t)s * nloc;
				if (is_root(mf, s))
					continue;       /* roots have no predecessors */
				if (!reached[s]) {
					reached[s] = true;
					memcpy(sin, cur, (size_t)nloc * sizeof *cur);
					changed = true;
					continue;
				}
				for (uint32_t l = 0; l < nloc; l++)
					if (sin[l] != cur[l] && sin[l] != NONE) {
						sin[l] = NONE;
						changed = true;
					}
			}
		}
	}
	ok = true;
out:
	free(in);
	free(cur);
	free(reached);
	return ok;
}

/* ---- mir_regalloc_verify ---------------------------------------------------- */

typedef struct {
	const mir_func *mf;
	uint32_t pos;
	const char *bad;
	mir_reg badreg;
	uint32_t badpos;
	/* locations used as fixed registers at this instruction, and the
	 * ones it clobbers as a call */
	uint32_t fixed_here, call_here;
} vc;

static void check_operand(void *ctx, mir_reg r, int how)
{
	vc *c = ctx;
	const mir_func *mf = c->mf;
	if (c->bad)
		return;
	if (MIR_IS_PHYS(r)) {
		if (how == OP_CALLCLOB)
			c->call_here |= 1u << MIR_LOC(r);
		else
			c->fixed_here |= 1u << MIR_LOC(r);
		return;
	}
	uint32_t at = how == OP_DEF ? c->pos + 1 : c->pos;
	if (r >= mf->nv || (mf->reg[r] < 0 && mf->spill[r] < 0))
		c->bad = "an operand without a location";
	else if (mf->start[r] > at || mf->end[r] < at)
		c->bad = "an operand outside its interval";
	else if (mf->reg[r] >= 0 && MIR_LOC_IS_XMM(mf->reg[r]) != mir_vflt(mf, r))
		c->bad = "an operand in a register of the other class";
	if (c->bad) {
		c->badreg = r;
		c->badpos = at;
	}
}

bool mir_regalloc_verify(const mir_func *mf, char *msg, size_t msg_len)
{
	if (!mf->reg) {
		snprintf(msg, msg_len, "not allocated");
		return false;
	}
	/* 1. operands have a location of their class and lie inside their
	 * intervals */
	vc c = { .mf = mf };
	uint32_t idx = 0;
	for (uint32_t b = 0; b < mf->nb; b++) {
		for (uint32_t j = 0; j < mf->b[b].n; j++, idx++) {
			const mir_insn *i = &mf->b[b].insn[j];
			c.pos = 2 * idx;
			c.fixed_here = 0;
			c.call_here = 0;
			ra_visit(mf, i, check_operand, &c);
			if (c.bad) {
				snprintf(msg, msg_len, "b%u insn %u: v%u at %u: %s", b, j,
					c.badreg, c.badpos, c.bad);
				return false;
			}
			/* the emitter reloads r13 before an instance reader: none
			 * of its operands may be there */
			if (mir_reads_instance(i) &&
			    ((i->a >= MIR_FIRST_VIRT && mf->reg[i->a] == X64_R13) ||
			     (i->d >= MIR_FIRST_VIRT && mf->reg[i->d] == X64_R13))) {
				snprintf(msg, msg_len, "b%u insn %u: an operand in r13, "
					"which the instruction reloads", b, j);
				return false;
			}
		}
	}
	/* 2. every read finds its register in its location on every path
	 * (regalloc_check.c: registers share GPRs, XMM registers and spill
	 * slots in each other's holes, and around the moves of split
	 * values) */
	if (!ra_check_flow(mf, msg, msg_len))
		return false;
	return true;
}
