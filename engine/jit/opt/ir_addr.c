/* ir_addr.c -- addressing-mode folding: a constant added to a load's or
 * store's address moves into the access's static offset, when the add
 * provably does not wrap.
 *
 * Wasm computes an access's address as a wrapping i32 (x + c mod 2^32)
 * and then adds the static offset without wrapping (a 33-bit effective
 * address, below 2^33 - 1, which the 4 GiB + 4 GiB guard reservation
 * covers: docs/ARCHITECTURE.md, "Memory").  Lowering turns load(a, off)
 * into [r15 + a + off]; turning load(x + c, off) into load(x, off + c) is
 * only exact if x + c < 2^32: then the effective address is the same
 * number (so it is still below 2^33 - 1, inside the reservation, and an
 * access out of bounds faults at the same address and traps with the same
 * site), and the add disappears from the access path.  If x + c could
 * wrap, the wasm address is small and possibly in bounds, while the
 * folded one would land in the guard region: then nothing is folded.
 *
 * The proof is an unsigned upper bound on x (bound()): constants; and
 * with a mask, shifts right, narrow loads, compares, remainders by a
 * bound, sums, products and shifts left that do not wrap; and counted
 * loops' induction variables: a header phi of init and next = phi + s
 * (s > 0 constant) with one back edge, every iteration that takes it
 * having passed a branch on phi or next (the back edge's own, or one
 * whose edge leads to a block dominating the back edge that has no other
 * predecessor): v <u K or v <=u K (so next <= K - 1 or K, or phi <= K - 1
 * + s or K + s, without wrapping), or v != K with a constant init < K and
 * (K - init) divisible by s (v meets K before it could wrap: phi <= K,
 * or K - s if v is next).  An induction variable is bounded on every
 * iteration, whatever the other exits do: the header is reached only
 * from the preheader or that edge.
 * Only i32 values are bounded (addresses are i32).
 */
#include "jit/opt/passes.h"

#include <stdlib.h>

#define U32_MAX 0xffffffffull
#define DEPTH 12

typedef struct {
	ir_func *f;
	uint64_t *ub;           /* per value: bound + 1, 0 if not computed */
} rng;

static uint64_t bound(rng *g, ir_ref r, unsigned depth);

static bool is_cst(const ir_func *f, ir_ref r, uint64_t *v)
{
	if (!ir_is_const(f, r))
		return false;
	*v = f->v[r].imm & U32_MAX;
	return true;
}

/* The bound that holds for phi p (values init, then next = p + s) when
 * an iteration goes on only if `op(v, k)` holds, v being p or next; or
 * U32_MAX. */
static uint64_t guarded(rng *g, ir_ref init, bool on_next, enum ir_op op,
	uint64_t k, uint64_t s, unsigned depth)
{
	ir_func *f = g->f;
	uint64_t c0, last;
	/* p runs init, init + s, ... up to k exactly (checked before it could
	 * wrap): p <= k, and next != k on the way back means p <= k - s */
	if (op == IR_INE)
		return is_cst(f, init, &c0) && c0 < k && (k - c0) % s == 0 ?
			(on_next ? k - s : k) : U32_MAX;
	if (op == IR_ILTU && k > 0)
		last = k - 1;
	else if (op == IR_ILEU)
		last = k;
	else
		return U32_MAX;
	if (!on_next)           /* p <= last goes on: next <= last + s */
		last += s;
	if (last > U32_MAX)
		return U32_MAX;
	uint64_t b0 = bound(g, init, depth - 1);
	return last > b0 ? last : b0;
}

/* ir_iv_guards' callback for induction(): the first guard that bounds. */
typedef struct {
	rng *g;
	unsigned depth;
	uint64_t ub;
} iv_bound;

static bool guard_bounds(void *ctx, const ir_iv_guard *iv)
{
	iv_bound *ib = ctx;
	if (iv->step == 0 || iv->step > 0x7fffffff)
		return false;
	ib->ub = guarded(ib->g, iv->init, iv->on_next, iv->op, iv->k, iv->step,
		ib->depth);
	return ib->ub < U32_MAX;
}

/* The bound of header phi p as a counted loop's induction variable, or
 * U32_MAX. */
static uint64_t induction(rng *g, ir_ref p, unsigned depth)
{
	iv_bound ib = { .g = g, .depth = depth, .ub = U32_MAX };
	return ir_iv_guards(g->f, p, guard_bounds, &ib) ? ib.ub : U32_MAX;
}

/* The guard: a branch on the idom chain from the back edge's block up to
 * the header, through an edge every iteration that goes back must take
 * (the back edge itself, or into a block with no other predecessor). */
bool ir_iv_guards(ir_func *f, ir_ref p,
	bool (*fn)(void *ctx, const ir_iv_guard *iv), void *ctx)
{
	ir_insn *i = &f->v[p];
	uint32_t h = i->block;
	ir_block *hb = &f->b[h];
	if (i->op != IR_PHI || i->type != IRT_I32 || i->nargs != 2 || hb->npred != 2)
		return false;
	uint32_t bk = 0;
	while (bk < 2 && !(f->b[hb->pred[bk]].rpo != UINT32_MAX &&
	       ir_dominates(f, h, hb->pred[bk])))
		bk++;
	if (bk == 2)
		return false;
	ir_iv_guard iv = { .phi = p };
	iv.init = ir_resolve(f, ir_args(f, p)[1 - bk]);
	iv.next = ir_resolve(f, ir_args(f, p)[bk]);
	uint64_t s, k;
	if (f->v[iv.next].op != IR_IADD || ir_resolve(f, ir_args(f, iv.next)[0]) != p ||
	    !is_cst(f, ir_resolve(f, ir_args(f, iv.next)[1]), &s) || s == 0)
		return false;
	iv.step = (uint32_t)s;
	uint32_t c = h, b = hb->pred[bk];
	for (;;) {
		ir_ref t = ir_terminator(f, b);
		ir_block *bb = &f->b[b];
		if (t != IR_NONE && f->v[t].op == IR_BRANCH && bb->succ[0] != bb->succ[1] &&
		    (c == h || f->b[c].npred == 1)) {
			bool neg = bb->succ[1] == c;
			ir_ref cnd = ir_resolve(f, ir_args(f, t)[0]);
			while (f->v[cnd].op == IR_IEQZ && f->v[cnd].aux == IRT_I32 &&
			       (f->v[ir_resolve(f, ir_args(f, cnd)[0])].op == IR_IEQZ ||
			        ir_cmp_negate((enum ir_op)f->v[ir_resolve(f, ir_args(f, cnd)[0])].op))) {
				neg = !neg;
				cnd = ir_resolve(f, ir_args(f, cnd)[0]);
			}
			ir_insn *ci = &f->v[cnd];
			enum ir_op op = neg ? ir_cmp_negate((enum ir_op)ci->op) : (enum ir_op)ci->op;
			ir_ref v = ci->nargs == 2 ? ir_resolve(f, ir_args(f, cnd)[0]) : IR_NONE;
			if (op != IR_NOP && ci->aux == IRT_I32 && (v == p || v == iv.next) &&
			    is_cst(f, ir_resolve(f, ir_args(f, cnd)[1]), &k)) {
				iv.op = op;
				iv.k = (uint32_t)k;
				iv.on_next = v == iv.next;
				if (fn(ctx, &iv))
					return true;
			}
		}
		if (b == h)
			return false;
		c = b;
		b = f->b[b].idom;
	}
}

static uint64_t sat(uint64_t v) { return v > U32_MAX ? U32_MAX : v; }

static uint64_t compute(rng *g, ir_ref r, unsigned depth)
{
	ir_func *f = g->f;
	ir_insn *i = &f->v[r];
	if (i->type != IRT_I32)
		return U32_MAX;
	if (i->op == IR_CONST)
		return i->imm & U32_MAX;
	if (depth == 0)
		return U32_MAX;
	ir_ref *a = ir_args(f, r);
	uint64_t x = i->nargs > 0 && i->op != IR_PHI ? bound(g, a[0], depth - 1) : U32_MAX;
	uint64_t y = i->nargs > 1 && i->op != IR_PHI ? bound(g, a[1], depth - 1) : U32_MAX;
	uint64_t c = 0;
	bool kc = i->nargs > 1 && is_cst(f, ir_resolve(f, a[1]), &c);
	switch (i->op) {
	case IR_COPY: return x;
	case IR_IAND: return x < y ? x : y;
	case IR_IOR: case IR_IXOR: {
		uint64_t m = x | y;
		return m ? sat((1ull << (64 - __builtin_clzll(m))) - 1) : 0;
	}
	case IR_ISHRU: return kc ? x >> (c & 31) : x;
	case IR_IADD: return sat(x + y);
	case IR_IMUL: return x && y && x > U32_MAX / y ? U32_MAX : x * y;
	case IR_ISHL: return kc && x <= U32_MAX >> (c & 31) ? x << (c & 31) : U32_MAX;
	case IR_IREMU: return y ? (x < y - 1 ? x : y - 1) : x;
	case IR_IDIVU: return x;
	case IR_LOAD8U: return 0xff;
	case IR_LOAD16U: return 0xffff;
	case IR_ICLZ: case IR_ICTZ: case IR_IPOPCNT: return 32;
	case IR_SELECT: return sat(y > bound(g, a[2], depth - 1) ? y : bound(g, a[2], depth - 1));
	case IR_PHI: return induction(g, r, depth);
	default:
		if (i->op == IR_IEQZ || (i->op >= IR_IEQ && i->op <= IR_IGEU) ||
		    (i->op >= IR_FEQ && i->op <= IR_FGE))
			return 1;               /* compares */
		return U32_MAX;
	}
}

/* An upper bound of i32 value r (unsigned); U32_MAX if none is known. */
static uint64_t bound(rng *g, ir_ref r, unsigned depth)
{
	r = ir_resolve(g->f, r);
	if (g->ub[r])
		return g->ub[r] - 1;
	uint64_t b = compute(g, r, depth);
	if (depth == DEPTH || b < U32_MAX)
		g->ub[r] = b + 1;       /* a cut-off bound is not remembered */
	return b;
}

static bool is_access(enum ir_op op)
{
	return (op >= IR_LOAD && op <= IR_LOAD32S) || (op >= IR_STORE8 && op <= IR_STORE64);
}

bool ir_pass_addr(ir_func *f)
{
	if (!ir_dom_compute(f)) {
		f->oom = true;
		return false;
	}
	size_t ub_bytes = (f->nv ? f->nv : 1) * sizeof(uint64_t);  /* rng.ub */
	rng g = { .f = f, .ub = ir_tmp_zalloc(f, ub_bytes) };
	if (!g.ub)
		return false;
	bool any = false;
	for (uint32_t b = 0; b < f->nb; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (!is_access((enum ir_op)f->opc[r]))
				continue;
			/* x + c + c' ...: one constant at a time */
			for (;;) {
				ir_ref a = ir_resolve(f, ir_args(f, r)[0]);
				uint64_t c;
				if (f->v[a].op != IR_IADD ||
				    !is_cst(f, ir_resolve(f, ir_args(f, a)[1]), &c))
					break;
				ir_ref x = ir_resolve(f, ir_args(f, a)[0]);
				if (bound(&g, x, DEPTH) + c > U32_MAX)
					break;
				ir_args(f, r)[0] = x;
				f->v[r].imm += c;
				any = true;
			}
		}
	}
	ir_tmp_free(f, g.ub);
	return any;
}
