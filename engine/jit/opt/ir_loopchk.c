/* ir_loopchk.c -- the loop check (deadline) left out where it adds
 * nothing: loops whose every trip calls a function that checks, and
 * short counted inner loops.
 *
 * Every LOOP header checks the deadline (IR_LOOP_CHECK: the epoch against
 * the store's deadline, and one unit of fuel when metering).  The check
 * is there so that a timeout is noticed in bounded time: every cycle of
 * wasm code passes a loop header.  A header loses its check when the
 * check has no fuel (aux 0: with fuel metering every iteration is
 * charged one unit, in every tier alike, and must stay so) and either
 * rule below holds.
 *
 * 1. Every trip calls.  The header's check goes when both hold:
 *
 *    a. every path from the header round to it (to a back edge, inside
 *       the loop) passes a block with a direct call of a defined
 *       function (IR_CALL) or an inlined callee's IR_ENTRY_CHECK.  A
 *       defined function's entry checks the epoch in every tier (the
 *       interpreter's ENTER, the baseline's and tier 2's entry:
 *       jit_seq_epoch), whichever tier the call lands in, and an inlined
 *       callee's copied entry check makes the same check in place; so
 *       each trip checks anyway (recurse.c's fib, inlined into itself
 *       once, is a loop around a call of fib: its header and the
 *       callee's entry checked each trip).  Imports and call_indirect do
 *       not count: a host function checks nothing, and an indirect
 *       callee may be one.  A cycle that leaves the loop and comes back
 *       through its preheader is an enclosing loop's, which checks.
 *
 *    b. on every path from the function's entry to the header, no host
 *       code ran since the last entry check (the function's own, an
 *       inlined callee's, or that of a called function that runs no
 *       host code: host_free).  The epoch moves at any time when another
 *       thread or process moves it, but it also moves when a host
 *       function the program calls moves it (an embedder's import, as
 *       check_opt_inline's tick): then where the timeout is raised is a
 *       fact of the program, and every tier must raise it at the same
 *       check.  With (b), every check the header would make sees the
 *       epoch the last check saw but for another thread's moves: it
 *       passes where that one passed, so dropping it changes nothing
 *       that is not timing.  (A loop check does not count as the last
 *       check here: this pass may drop it.)
 *
 * 2. Short counted inner loops.  In a short inner loop the check is a
 *    good part of the instructions (4 of the 20 of matmul's 2x-unrolled
 *    inner loop), and it is not needed: if the loop's header runs at
 *    most LOOPCHK_MAX_TRIPS times each time the loop is entered and the
 *    loop holds nothing that takes long (a call, a bulk or grow op), the
 *    loop ends soon, and whatever runs it again -- an enclosing loop,
 *    whose every trip checks (its header, or by rule 1 a call), or a
 *    caller, through its entry check -- checks the deadline.  So the
 *    check goes when:
 *
 *   - the loop is innermost: the only back edges among its blocks go to
 *     its header, and there is one (the header's predecessors are the
 *     preheader and that latch);
 *   - no op in it is a call (IRE_CALL) or takes time growing with an
 *     operand (memory and table fill/copy/init/grow: bulk memory checks
 *     the deadline only every 4 MiB);
 *   - no host code runs between the last check and the header, as in
 *     rule 1's (b) but with the loop checks this pass keeps counting:
 *     the loop holds no call, so what moves the epoch before it is
 *     all a program can make it see there, and the interpreter raises
 *     that timeout at this header;
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
 * check instead (a callee's entry, the enclosing header or an entry): a
 * timeout's place depends on when the epoch moves, in every tier.
 */
#include "jit/opt/passes.h"
#include "interp/fcode.h"
#include "interp/ops.h"
#include "runtime/runtime.h"
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

/* What the pass makes of a header's check (lc.verdict). */
enum { V_KEEP, V_EVERY_TRIP, V_SHORT };

/* What a block does for rule 1 (lc.kind). */
enum {
	K_CHECKS = 1,           /* a direct call or an inlined entry check */
	K_LAST_CHECK = 2,       /* its last check or host call is a check */
	K_LAST_HOST = 4,        /* ... is a call that may run host code */
	K_LOOP_CHECK = 8,       /* it holds a loop check */
};

/* How many functions host_free follows from one callee; beyond, it says
 * no. */
#define HOST_FREE_MAX_FUNCS 64

typedef struct {
	ir_func *f;
	uint32_t *mark, stamp;  /* per block: the stamp of the loop it is in */
	uint32_t *seen;         /* per block: reached by every_trip_checks */
	uint32_t *work;
	uint64_t *body;
	uint32_t nbody;
	uint8_t *kind;          /* per block: K_* */
	uint8_t *verdict;       /* per block: V_* of its loop check */
	bool *clean;            /* per block: no host code since the last
	                           entry check on every path to its start */
} lc;

/* host_free's answer for fi so far (the module keeps it:
 * func_t.opt_host_free): 1 yes, 0 no, -1 not known. */
static int host_free_known(const wasm_module *m, uint32_t fi)
{
	unsigned char k = atomic_load_explicit(&m->funcs[fi].opt_host_free,
		memory_order_relaxed);
	return k == 1 ? 1 : k == 2 ? 0 : -1;
}

static void host_free_note(wasm_module *m, uint32_t fi, bool yes)
{
	atomic_store_explicit(&m->funcs[fi].opt_host_free, yes ? 1 : 2,
		memory_order_relaxed);
}

/* Whether defined function fi and every function it reaches by direct
 * calls run no host code: no import call or call_indirect in their
 * pre-decoded code (as far as HOST_FREE_MAX_FUNCS functions; further is
 * "no").  A call of such a function checks the epoch at its entry and
 * cannot move it before it returns.  Known answers cut the walk short
 * and give the answer the walk would: a callee known "no" makes fi's
 * "no" (what it reaches, fi reaches: the host code, or more than
 * HOST_FREE_MAX_FUNCS functions); a "yes" for fi is one for every
 * function it reaches (their closures are inside fi's).  A "no" from
 * running out of memory (no pre-decoded code) is not kept. */
static bool host_free(lc *l, uint32_t fi)
{
	wasm_module *m = l->f->module;
	if (!m || fi >= m->nfuncs)
		return false;
	int known = host_free_known(m, fi);
	if (known >= 0)
		return known;
	uint32_t fs[HOST_FREE_MAX_FUNCS], n = 0, done = 0;
	bool yes = true, nomem = false;
	fs[n++] = fi;
	while (yes && done < n) {
		uint32_t g = fs[done++];
		const struct fcode *fc = NULL;
		if (g >= m->nfunc_imports && g < m->nfuncs)
			nomem = !(fc = fcode_get(m, g));
		if (!fc) {
			yes = false;
			break;
		}
		for (uint32_t off = 0; yes && off < fc->code_len;
		     off += insn_len(fc->code + off)) {
			const uint8_t *ip = fc->code + off;
			enum interp_op op = insn_op(ip);
			if (op_infos[op].family != OPFAM_CALL)
				continue;
			if (op != OP_CALL) {
				yes = false;
				break;
			}
			uint32_t h = OP_AT(ip, CALL)->func, k = 0;
			while (k < n && fs[k] != h)
				k++;
			if (k < n)
				continue;
			if (n == HOST_FREE_MAX_FUNCS ||
			    (h < m->nfuncs && host_free_known(m, h) == 0))
				yes = false;
			else
				fs[n++] = h;
		}
	}
	if (nomem)
		return false;
	host_free_note(m, fi, yes);
	for (uint32_t k = 1; yes && k < n; k++)
		host_free_note(m, fs[k], true);
	return yes;
}

/* The ops block_kind looks at: checks and calls (a table from IR_OPS:
 * it walks every instruction of a function that has a loop check). */
static const bool kind_op[IR_OP_COUNT_] = {
#define KIND_OP_(op, s, n, k0, k1, k2, r, c, e) [IR_##op] = ((e) & IRE_CALL) != 0 || \
	IR_##op == IR_ENTRY_CHECK || IR_##op == IR_LOOP_CHECK,
	IR_OPS(KIND_OP_)
#undef KIND_OP_
};

/* Block b's K_* (its loop check counting as a check if kept). */
static uint8_t block_kind(lc *l, uint32_t b, bool kept)
{
	ir_func *f = l->f;
	const ir_block *bl = &f->b[b];
	const ir_insn *v = f->v;
	const uint32_t *insn = bl->insn, ninsn = bl->ninsn;
	uint8_t kd = 0;
	for (uint32_t j = 0; j < ninsn; j++) {
		if (!kind_op[f->opc[insn[j]]])
			continue;
		const ir_insn *i = &v[insn[j]];
		bool check = i->op == IR_ENTRY_CHECK ||
			(i->op == IR_CALL && host_free(l, i->aux)) ||
			(kept && i->op == IR_LOOP_CHECK);
		if (i->op == IR_ENTRY_CHECK || i->op == IR_CALL)
			kd |= K_CHECKS;
		if (i->op == IR_LOOP_CHECK)
			kd |= K_LOOP_CHECK;
		if (check)
			kd = (uint8_t)((kd & (K_CHECKS | K_LOOP_CHECK)) | K_LAST_CHECK);
		else if (ir_ops[i->op].effects & IRE_CALL)
			kd = (uint8_t)((kd & (K_CHECKS | K_LOOP_CHECK)) | K_LAST_HOST);
	}
	return kd;
}

/* l->kind of every block, and l->clean: a forward must-analysis from
 * the entry (optimistic start, to the greatest fixpoint in RPO).  With
 * kept, the loop checks of the headers l->verdict keeps count as checks
 * too (rule 2's exactness): only the blocks holding one are walked
 * again, the others' kinds are the first call's; else none does (rule
 * 1's, decided before any verdict). */
static void clean_facts(lc *l, bool kept)
{
	ir_func *f = l->f;
	for (uint32_t k = 0; k < f->nrpo; k++) {
		uint32_t b = f->rpo[k];
		if (!kept)
			l->kind[b] = block_kind(l, b, false);
		else if (l->kind[b] & K_LOOP_CHECK && l->verdict[b] == V_KEEP)
			l->kind[b] = block_kind(l, b, true);
		l->clean[b] = k > 0;
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t k = 1; k < f->nrpo; k++) {
			uint32_t b = f->rpo[k];
			const ir_block *bl = &f->b[b];
			bool in = true;
			for (uint32_t j = 0; j < bl->npred && in; j++) {
				uint32_t p = bl->pred[j];
				if (f->b[p].rpo == UINT32_MAX)
					continue;
				in = l->kind[p] & K_LAST_CHECK ? true :
				     l->kind[p] & K_LAST_HOST ? false : l->clean[p];
			}
			if (in != l->clean[b]) {
				l->clean[b] = in;
				changed = true;
			}
		}
	}
}

/* Whether some block entered by an edge from itself or a block after it
 * in reverse postorder (every back edge is one) holds a loop check
 * without fuel: else no check can go, and the pass need not walk the
 * function's instructions (most functions have no loop). */
static bool any_candidate(const ir_func *f)
{
	for (uint32_t k = 0; k < f->nrpo; k++) {
		const ir_block *bl = &f->b[f->rpo[k]];
		bool header = false;
		for (uint32_t j = 0; j < bl->npred && !header; j++)
			header = f->b[bl->pred[j]].rpo != UINT32_MAX &&
				 f->b[bl->pred[j]].rpo >= k;
		for (uint32_t j = 0; header && j < bl->ninsn; j++)
			if (f->opc[bl->insn[j]] == IR_LOOP_CHECK && !f->v[bl->insn[j]].aux)
				return true;
	}
	return false;
}

/* Whether every path from header h back to it inside its loop (l->mark)
 * passes a block that checks the deadline (K_CHECKS): none reaches a
 * back edge from h through blocks that do not. */
static bool every_trip_checks(lc *l, uint32_t h)
{
	ir_func *f = l->f;
	if (l->kind[h] & K_CHECKS)
		return true;
	uint32_t n = 0;
	l->seen[h] = l->stamp;
	l->work[n++] = h;
	while (n) {
		const ir_block *bl = &f->b[l->work[--n]];
		for (uint32_t k = 0; k < bl->nsucc; k++) {
			uint32_t t = bl->succ[k];
			if (t == h)
				return false;
			if (l->mark[t] != l->stamp || l->seen[t] == l->stamp ||
			    (l->kind[t] & K_CHECKS))
				continue;
			l->seen[t] = l->stamp;
			l->work[n++] = t;
		}
	}
	return true;
}

/* Header h's loop check (IR_NONE: none) and whether every trip of its
 * loop calls (rule 1, V_EVERY_TRIP) or the loop is short, innermost and
 * quick (rule 2, V_SHORT: dropped if no host code runs between the last
 * check and its header, which ir_pass_loopchk sees once every header has
 * its verdict). */
static ir_ref droppable(lc *l, uint32_t h)
{
	ir_func *f = l->f;
	ir_block *hb = &f->b[h];
	ir_ref chk = IR_NONE;
	/* a back edge comes from a block h dominates, after h in reverse
	 * postorder: without such a predecessor h heads no loop (most
	 * blocks), and its instructions need no scan for a check */
	bool back = false;
	for (uint32_t k = 0; k < hb->npred && !back; k++)
		back = f->b[hb->pred[k]].rpo != UINT32_MAX &&
		       f->b[hb->pred[k]].rpo >= hb->rpo;
	if (!back)
		return IR_NONE;
	for (uint32_t j = 0; j < hb->ninsn && chk == IR_NONE; j++)
		if (f->opc[hb->insn[j]] == IR_LOOP_CHECK)
			chk = hb->insn[j];
	if (chk == IR_NONE || f->v[chk].aux)
		return IR_NONE;
	l->stamp++;
	if (!ir_loop_blocks(f, h, l->mark, l->stamp, l->work, l->body, &l->nbody))
		return IR_NONE;
	if (l->clean[h] && every_trip_checks(l, h)) {
		l->verdict[h] = V_EVERY_TRIP;
		return chk;
	}
	if (hb->npred != 2)
		return chk;
	for (uint32_t n = 0; n < l->nbody; n++) {
		uint32_t b = (uint32_t)l->body[n];
		const ir_block *bl = &f->b[b];
		/* innermost: no back edge inside but to h (an edge out to
		 * an enclosing header is its loop's: that one checks) */
		for (uint32_t k = 0; k < bl->nsucc; k++) {
			uint32_t t = bl->succ[k];
			if (t != h && l->mark[t] == l->stamp && ir_dominates(f, t, b))
				return chk;
		}
		for (uint32_t j = 0; j < bl->ninsn; j++)
			if (long_op(&f->v[bl->insn[j]]))
				return chk;
	}
	for (uint32_t j = 0; j < hb->ninsn; j++) {
		ir_ref p = hb->insn[j];
		if (f->v[p].op != IR_PHI)
			break;
		if (ir_iv_guards(f, p, guard_short, f)) {
			l->verdict[h] = V_SHORT;
			return chk;
		}
	}
	return chk;
}

bool ir_pass_loopchk(ir_func *f)
{
	if (!ir_dom_compute(f)) {
		f->oom = true;
		return false;
	}
	if (!any_candidate(f))
		return false;
	size_t nb = f->nb ? f->nb : 1;
	lc l = { .f = f };
	l.mark = ir_tmp_zalloc(f, nb * sizeof *l.mark);
	l.seen = ir_tmp_zalloc(f, nb * sizeof *l.seen);
	l.work = ir_tmp_alloc(f, nb * sizeof *l.work);
	l.body = ir_tmp_alloc(f, nb * sizeof *l.body);
	l.kind = ir_tmp_zalloc(f, nb * sizeof *l.kind);
	l.verdict = ir_tmp_zalloc(f, nb * sizeof *l.verdict);
	l.clean = ir_tmp_zalloc(f, nb * sizeof *l.clean);
	ir_ref *chk = ir_tmp_zalloc(f, nb * sizeof *chk);
	bool any = false;
	if (!l.mark || !l.seen || !l.work || !l.body || !l.kind || !l.verdict ||
	    !l.clean || !chk)
		goto out;
	clean_facts(&l, false);
	bool any_short = false;
	for (uint32_t k = 0; k < f->nrpo; k++) {
		chk[f->rpo[k]] = droppable(&l, f->rpo[k]);
		any_short |= l.verdict[f->rpo[k]] == V_SHORT;
	}
	/* rule 2's loops hold no call: host code before one is the only
	 * thing that can move the epoch between the last check and its
	 * header, and then its header's check must stay (it is where every
	 * tier raises that timeout); the checks kept count here (only
	 * V_SHORT's verdicts read it) */
	if (any_short)
		clean_facts(&l, true);
	for (uint32_t k = 0; k < f->nrpo; k++) {
		uint32_t h = f->rpo[k];
		if (chk[h] == IR_NONE || l.verdict[h] == V_KEEP ||
		    (l.verdict[h] == V_SHORT && !l.clean[h]))
			continue;
		ir_delete(f, chk[h]);
		any = true;
	}
	if (any)
		ir_compact(f);
out:
	ir_tmp_free(f, chk);
	ir_tmp_free(f, l.clean);
	ir_tmp_free(f, l.verdict);
	ir_tmp_free(f, l.kind);
	ir_tmp_free(f, l.body);
	ir_tmp_free(f, l.work);
	ir_tmp_free(f, l.seen);
	ir_tmp_free(f, l.mark);
	return any;
}
