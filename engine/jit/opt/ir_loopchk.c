/* ir_loopchk.c -- the loop check (deadline) left out of short counted
 * inner loops.
 *
 * Every LOOP header checks the deadline (IR_LOOP_CHECK: the epoch against
 * the store's deadline, and one unit of fuel when metering).  The check
 * is there so that a timeout is noticed in bounded time: every cycle of
 * wasm code passes a loop header.  In a short inner loop it is a good
 * part of the instructions (4 of the 20 of matmul's 2x-unrolled inner
 * loop), and it is not needed for that: if the loop's header runs at most
 * LOOPCHK_MAX_TRIPS times each time the loop is entered and the loop holds
 * nothing that takes long (a call, a bulk or grow op), the loop ends soon,
 * and whatever runs it again -- an enclosing loop, which keeps its own
 * check, or a caller, through its entry check -- checks the deadline.
 * So a header loses its check when:
 *
 *   - the check has no fuel (aux 0): with fuel metering every iteration
 *     is charged one unit, in every tier alike, and must stay so;
 *   - the loop is innermost: the only back edges among its blocks go to
 *     its header, and there is one (the header's predecessors are the
 *     preheader and that latch);
 *   - no op in it is a call (IRE_CALL) or takes time growing with an
 *     operand (memory and table fill/copy/init/grow: bulk memory checks
 *     the deadline only every 4 MiB);
 *   - an induction variable bounds its trips: a header phi of a constant
 *     init and next = phi + s (ir_iv_guards: one guard on every path to
 *     the back edge, on phi or next against a constant k), such that the
 *     header runs at most LOOPCHK_MAX_TRIPS times (derived from tier 2's
 *     body cap, OPT_MAX_BODY_KIB: 2048 at 32 KiB, so that the longest
 *     run between two checks is what 4096 gave at 16 KiB; see below).
 *     The count is exact
 *     arithmetic on the 32-bit values, wrap-around included: for <, <=
 *     (and >, >= with a negative step) the guard must hold no longer than
 *     the variable can move without wrapping past k; for != the variable
 *     must meet k (k - init a multiple of s, mod 2^32, not 0).  A variable
 *     reset in the body is no induction variable (its back-edge value is
 *     not phi + s), so its loop keeps its check.
 *
 * OSR entries (--tier=auto) still enter at the header: its block and map
 * stay; the entry's value of the variable is one the program reached,
 * which the count covers.  A timeout in such a loop traps at the next
 * check instead (the enclosing header or an entry): a timeout's place
 * depends on when the epoch moves, in every tier.
 */
#include "jit/opt/passes.h"
#include "jit/opt/opt.h"

#include <stdlib.h>

/* At most this many runs of the header per entry into the loop.  Between
 * two checks each such loop is entered at most once (coming back to it
 * passes an enclosing header or an entry), so what runs between them is
 * at most LOOPCHK_MAX_TRIPS times the function's code, which tier 2 caps
 * at OPT_MAX_BODY_BYTES (opt.h; inlining adds at most 4000 IR
 * instructions).  The bound is 64 MiB of body over the cap (4096 trips
 * when the cap was 16 KiB), so the worst case stays the same whatever
 * the cap: some tens of millions of instructions, tens of milliseconds
 * at worst, well inside the sandbox's grace before it kills a worker
 * (200 ms). */
#define LOOPCHK_MAX_TRIPS ((64u << 20) / OPT_MAX_BODY_BYTES)

#define U32_MAX 0xffffffffull
#define SIGN32 0x80000000u

/* Whether op can take time growing with its operands, or leaves the
 * function's code (a call, whose callee may loop). */
static bool long_op(const ir_insn *i)
{
	if (ir_ops[i->op].effects & IRE_CALL)
		return true;
	switch (i->op) {
	case IR_MEMORY_FILL: case IR_MEMORY_COPY: case IR_MEMORY_INIT:
	case IR_MEMORY_GROW:
	case IR_TABLE_FILL: case IR_TABLE_COPY: case IR_TABLE_INIT:
	case IR_TABLE_GROW:
		return true;
	default:
		return false;
	}
}

/* How many times at most the header runs per entry, the loop going on
 * only while op(v, k) holds (v the phi, or next = phi + s if on_next),
 * the phi starting at init; UINT64_MAX if unbounded or unknown. */
static uint64_t trips(uint32_t init, uint32_t s, enum ir_op op, uint32_t k,
	bool on_next)
{
	if (op == IR_INE) {
		/* v = init + n*s (mod 2^32) meets k first at n = d / |s| when
		 * |s| divides d (d the distance in the step's direction): any
		 * other solution of n*|s| = d + m*2^32 has m > 0, n larger */
		uint64_t as = s < SIGN32 ? s : (1ull << 32) - s;
		uint64_t d = s < SIGN32 ? (uint32_t)(k - init) : (uint32_t)(init - k);
		if (d == 0 || d % as)
			return UINT64_MAX;
		/* guard on the phi: it runs once more, with v = k */
		return d / as + (on_next ? 0 : 1);
	}
	/* A decreasing variable against >, >=: ~v reverses both orders
	 * (~v = -v - 1) and ~(p + s) = ~p - s, so it is an increasing one
	 * against <, <=. */
	switch (op) {
	case IR_IGTU: case IR_IGEU: case IR_IGTS: case IR_IGES:
		init = ~init;
		k = ~k;
		s = -s;
		op = op == IR_IGTU ? IR_ILTU : op == IR_IGEU ? IR_ILEU :
		     op == IR_IGTS ? IR_ILTS : IR_ILES;
		break;
	default:
		break;
	}
	/* signed: flipping the sign bit maps the signed order onto the
	 * unsigned one, and commutes with adding s mod 2^32 */
	if (op == IR_ILTS || op == IR_ILES) {
		init ^= SIGN32;
		k ^= SIGN32;
		op = op == IR_ILTS ? IR_ILTU : IR_ILEU;
	}
	uint64_t lim = k;               /* v <u lim goes on */
	if (op == IR_ILEU)
		lim = (uint64_t)k + 1;
	else if (op != IR_ILTU)
		return UINT64_MAX;
	if (s == 0 || s >= SIGN32)      /* moving away from the bound */
		return UINT64_MAX;
	/* No wrap: every phi that goes on is init or below lim, and adding s
	 * to it stays below 2^32 (else next wraps to a small value that
	 * goes on again).  lim = 2^32 (<=u UINT32_MAX) goes on forever. */
	if ((uint64_t)init + s > U32_MAX || lim + s > U32_MAX + 1)
		return UINT64_MAX;
	/* phi_n = init + n*s; the header runs again only after a guard
	 * held, on phi_n < lim or next = phi_{n+1} < lim */
	return ((uint64_t)init < lim ? (lim - init + s - 1) / s : 0) + 1;
}

/* ir_iv_guards' callback: a guard that bounds the trips. */
static bool guard_short(void *ctx, const ir_iv_guard *iv)
{
	ir_func *f = ctx;
	if (!ir_is_const(f, iv->init))
		return false;
	uint32_t init = (uint32_t)f->v[iv->init].imm;
	return trips(init, iv->step, iv->op, iv->k, iv->on_next) <= LOOPCHK_MAX_TRIPS;
}

typedef struct {
	ir_func *f;
	uint32_t *mark, stamp;
	uint32_t *work;
	uint64_t *body;
	uint32_t nbody;
} lc;

/* Header h's loop check, if its loop is short, innermost and quick. */
static ir_ref droppable(lc *l, uint32_t h)
{
	ir_func *f = l->f;
	ir_block *hb = &f->b[h];
	ir_ref chk = IR_NONE;
	for (uint32_t j = 0; j < hb->ninsn && chk == IR_NONE; j++)
		if (f->v[hb->insn[j]].op == IR_LOOP_CHECK)
			chk = hb->insn[j];
	if (chk == IR_NONE || f->v[chk].aux || hb->npred != 2)
		return IR_NONE;
	l->stamp++;
	if (!ir_loop_blocks(f, h, l->mark, l->stamp, l->work, l->body, &l->nbody))
		return IR_NONE;
	for (uint32_t n = 0; n < l->nbody; n++) {
		uint32_t b = (uint32_t)l->body[n];
		const ir_block *bl = &f->b[b];
		/* innermost: no back edge inside but to h (an edge out to
		 * an enclosing header is its loop's: that one checks) */
		for (uint32_t k = 0; k < bl->nsucc; k++) {
			uint32_t t = bl->succ[k];
			if (t != h && l->mark[t] == l->stamp && ir_dominates(f, t, b))
				return IR_NONE;
		}
		for (uint32_t j = 0; j < bl->ninsn; j++)
			if (long_op(&f->v[bl->insn[j]]))
				return IR_NONE;
	}
	for (uint32_t j = 0; j < hb->ninsn; j++) {
		ir_ref p = hb->insn[j];
		if (f->v[p].op != IR_PHI)
			break;
		if (ir_iv_guards(f, p, guard_short, f))
			return chk;
	}
	return IR_NONE;
}

bool ir_pass_loopchk(ir_func *f)
{
	if (!ir_dom_compute(f)) {
		f->oom = true;
		return false;
	}
	uint32_t nb = f->nb ? f->nb : 1;
	lc l = { .f = f };
	l.mark = calloc(nb, sizeof *l.mark);
	l.work = malloc(nb * sizeof *l.work);
	l.body = malloc(nb * sizeof *l.body);
	bool any = false;
	if (!l.mark || !l.work || !l.body) {
		f->oom = true;
		goto out;
	}
	for (uint32_t k = 0; k < f->nrpo; k++) {
		ir_ref chk = droppable(&l, f->rpo[k]);
		if (chk != IR_NONE) {
			ir_delete(f, chk);
			any = true;
		}
	}
	if (any)
		ir_compact(f);
out:
	free(l.mark);
	free(l.work);
	free(l.body);
	return any;
}
