/* ir_gvn.c -- global value numbering over the dominator tree.
 *
 * Walking the dominator tree from the entry, a scoped table holds the pure
 * values (effects 0, not phis) available at each block: a value equal to
 * one that dominates it (same op, type, immediates and operands, the
 * operands of a commutative integer op in either order) becomes a copy of
 * it, for copy propagation to rewire.  Ops with effects are never merged
 * (the memory state is their order; see ir.h).
 *
 * OSR: inside a loop whose header has an OSR map, a value defined outside
 * the loop is only reused if it is a constant, so a value live into the
 * header is always one the OSR entry can recover (from the map or as a
 * constant).
 */
#include "jit/opt/passes.h"

#include <string.h>

/* A value in the table, with its operands as numbered (resolved,
 * commutative ones ordered): a lookup compares them without resolving
 * the entry's again. */
typedef struct {
	ir_ref r;
	uint32_t next;          /* entry + 1 in the same bucket */
	uint32_t bucket;
	ir_ref a[IR_INLINE_ARGS];
} gvn_entry;

typedef struct {
	ir_func *f;
	uint32_t *head;         /* bucket -> entry + 1 */
	uint32_t mask;
	gvn_entry *e;
	uint32_t ne;
} gvn;

/* (numbered values have at most IR_INLINE_ARGS operands, in u.a; the
 * count in a local: the stores to out could be to i for all the compiler
 * knows) */
static void operands(ir_func *f, ir_ref r, ir_ref out[IR_INLINE_ARGS])
{
	const ir_insn *i = &f->v[r];
	const uint32_t n = i->nargs;
	for (uint32_t k = 0; k < n; k++)
		out[k] = ir_resolve(f, i->u.a[k]);
	if (ir_op_commutative(i->op) && out[0] > out[1]) {
		ir_ref t = out[0];
		out[0] = out[1];
		out[1] = t;
	}
}

static uint32_t hash(const ir_insn *i, const ir_ref a[IR_INLINE_ARGS])
{
	uint64_t h = i->op * 0x9e3779b97f4a7c15ull ^ i->type ^ (uint64_t)i->aux << 8 ^
		(uint64_t)i->aux2 << 24 ^ i->imm * 0xff51afd7ed558ccdull;
	const uint32_t n = i->nargs;
	for (uint32_t k = 0; k < n; k++)
		h = (h ^ a[k]) * 0x100000001b3ull;
	return (uint32_t)(h ^ h >> 32);
}

/* Whether entry e holds a value equal to b, whose operands are ob. */
static bool same(const ir_func *f, const gvn_entry *e, const ir_insn *b,
	const ir_ref ob[IR_INLINE_ARGS])
{
	const ir_insn *a = &f->v[e->r];
	return a->op == b->op && a->type == b->type && a->aux == b->aux &&
	       a->aux2 == b->aux2 && a->imm == b->imm && a->nargs == b->nargs &&
	       memcmp(e->a, ob, sizeof e->a) == 0;
}

/* The ops GVN numbers: pure, with a result, not a phi, copy or NOP (the
 * operand count is the instruction's: numbered() checks it). */
static const bool numbered_op[IR_OP_COUNT_] = {
#define GVN_OP_(op, s, n, k0, k1, k2, r, c, e) [IR_##op] = (e) == 0 && \
	IRR_##r != IRR_NONE && IR_##op != IR_PHI && IR_##op != IR_COPY && \
	IR_##op != IR_NOP,
	IR_OPS(GVN_OP_)
#undef GVN_OP_
};

static bool numbered(const ir_func *f, ir_ref r)
{
	return numbered_op[f->opc[r]] && f->v[r].nargs <= IR_INLINE_ARGS;
}

bool ir_pass_gvn(ir_func *f)
{
	if (!ir_dom_compute(f))
		return false;
	uint32_t nb = f->nb, cap = 64;
	/* a bucket per two instructions: the table is zeroed at every run,
	 * and under half the instructions are numbered (45% over the bench
	 * functions, at most 1.03 a bucket in any); a lookup's answer does
	 * not depend on the size (equal values share a bucket at any size,
	 * newest first) */
	while (cap < f->nv / 2)
		cap *= 2;
	gvn g = { .f = f, .mask = cap - 1 };
	/* (scratch from f's memory: ir_tmp_alloc) */
	size_t head_bytes = cap * sizeof *g.head, e_bytes = f->nv * sizeof *g.e,
	       nb_bytes = nb * sizeof(uint32_t);
	g.head = ir_tmp_zalloc(f, head_bytes);
	g.e = ir_tmp_alloc(f, e_bytes);
	/* dominator tree children: first child / next sibling */
	uint32_t *child = ir_tmp_alloc(f, nb_bytes), *sib = ir_tmp_alloc(f, nb_bytes);
	/* the walk: (block, state), state 0 = enter, 1 = leave; mark of
	 * entries and the OSR barrier depth saved per block */
	uint32_t *stack = ir_tmp_alloc(f, 2 * nb_bytes + 8);  /* a block is on it once */
	uint32_t *saved_ne = ir_tmp_alloc(f, nb_bytes), *saved_bar = ir_tmp_alloc(f, nb_bytes);
	bool any = false;
	if (!g.head || !g.e || !child || !sib || !stack || !saved_ne || !saved_bar)
		goto out;
	for (uint32_t b = 0; b < nb; b++)
		child[b] = sib[b] = UINT32_MAX;
	for (uint32_t i = f->nrpo; i-- > 1;) {
		uint32_t b = f->rpo[i], p = f->b[b].idom;
		sib[b] = child[p];
		child[p] = b;
	}
	uint32_t sp = 0, barrier = 0;   /* dom depth of the innermost OSR header */
	stack[sp++] = f->rpo[0];
	stack[sp++] = 0;
	while (sp) {
		uint32_t state = stack[--sp], b = stack[--sp];
		if (state == 1) {
			while (g.ne > saved_ne[b]) {     /* leave: undo, LIFO */
				gvn_entry *e = &g.e[--g.ne];
				g.head[e->bucket] = e->next;
			}
			barrier = saved_bar[b];
			continue;
		}
		saved_ne[b] = g.ne;
		saved_bar[b] = barrier;
		if (f->b[b].osr)
			barrier = f->b[b].dom_depth;
		/* (the list in locals: the stores to the table could be to
		 * f's block for all the compiler knows) */
		const uint32_t *insn = f->b[b].insn, ninsn = f->b[b].ninsn;
		for (uint32_t j = 0; j < ninsn; j++) {
			ir_ref r = insn[j];
			if (!numbered(f, r))
				continue;
			ir_ref a[IR_INLINE_ARGS] = { 0 };
			operands(f, r, a);
			uint32_t h = hash(&f->v[r], a) & g.mask;
			ir_ref found = IR_NONE;
			for (uint32_t e = g.head[h]; e; e = g.e[e - 1].next) {
				ir_ref x = g.e[e - 1].r;
				if (same(f, &g.e[e - 1], &f->v[r], a) &&
				    (f->v[x].op == IR_CONST ||
				     f->b[f->v[x].block].dom_depth >= barrier)) {
					found = x;
					break;
				}
			}
			if (found) {
				ir_morph(f, r, IR_COPY, 1, &found);
				any = true;
				continue;
			}
			g.e[g.ne] = (gvn_entry){ r, g.head[h], h, { a[0], a[1], a[2] } };
			g.head[h] = ++g.ne;
		}
		stack[sp++] = b;
		stack[sp++] = 1;
		for (uint32_t c = child[b]; c != UINT32_MAX; c = sib[c]) {
			stack[sp++] = c;
			stack[sp++] = 0;
		}
	}
out:
	ir_tmp_free(f, saved_bar);
	ir_tmp_free(f, saved_ne);
	ir_tmp_free(f, stack);
	ir_tmp_free(f, sib);
	ir_tmp_free(f, child);
	ir_tmp_free(f, g.e);
	ir_tmp_free(f, g.head);
	return any;
}
