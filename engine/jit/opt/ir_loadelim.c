/* ir_loadelim.c -- redundant load elimination and store-to-load
 * forwarding.
 *
 * The IR keeps memory state as the order of the ops with effects (ir.h),
 * so GVN never merges two loads.  This pass walks each extended basic
 * block (a block with several predecessors, an OSR header or the entry,
 * and the blocks below it that have a single predecessor, in dominator
 * order: what is known at the end of a block holds on entry to such a
 * successor and to nothing else) and keeps the bytes of memory it knows:
 * for each access seen, (base, off, width) -> a value whose low 8*width
 * bits are those bytes (the stored value, or the loaded one).  A later
 * load of bytes inside one of them becomes that value -- the same value
 * for the same load, else its bits extracted exactly (bitcast, wrap,
 * extend, shift right, mask, sign extension: every tier computes those
 * the same, NaN payloads included, as a bitcast moves bits unchanged).
 *
 * Addresses: base is the access's address operand (resolved through
 * copies; GVN has made equal computations one value) and off its static
 * offset; a constant base c is base "none" with offset c + off.  Wasm's
 * effective address is base + off without wrapping (a 33-bit number), so
 * two accesses with the same base are at the bytes [base + off, + width)
 * exactly: equal offsets are the same bytes, offsets whose ranges do not
 * overlap are different bytes.  Different bases may be any bytes.
 *
 * What a store forgets: what it may overlap -- everything known of other
 * bases, and the overlapping ranges of its own (VSTORE: its 16 bytes, a
 * lane store a part of them).  Calls (IRE_CALL) and the other ops that
 * write memory (IRE_MEM with IRE_WRITE: grow, fill, copy, init) forget
 * everything; global, table and segment ops, the tiers' checks and
 * frame_pop do not touch linear memory (IRE_MEM clear) and forget
 * nothing.  The engine has no threads or atomics: nothing else writes
 * memory while a function runs.
 *
 * Traps: only a later access is replaced, by an earlier one of the same
 * bytes (a store or a load that succeeded there; memory never shrinks),
 * so it could not have trapped; the earlier access keeps its trap site.
 * Nothing earlier is ever removed or moved.  A replaced load in inlined
 * code loses its trap site with it (ir_inl.func) for the same reason.
 *
 * OSR: an extended block starts at every OSR header, so a load inside a
 * loop is never replaced by a value from outside it (a stored value from
 * outside is already used inside, at its store).
 *
 * Cost: at most WINDOW facts are searched per access (older ones are
 * forgotten, which is always safe), so the pass is linear in the
 * function's size.
 */
#include "jit/opt/passes.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW 64

typedef struct {
	ir_ref base;            /* resolved address, IR_NONE for a constant */
	uint64_t off;           /* static offset (+ the constant base) */
	uint32_t width;         /* bytes */
	ir_ref val;             /* its low 8*width bits are the bytes */
	ir_ref load;            /* the load that read it, IR_NONE for a store */
	bool dead;              /* forgotten (a store overlapped it) */
} fact;

typedef struct {
	ir_func *f;
	fact *e;                /* the facts, oldest first */
	uint32_t ne, lo;        /* e[lo, ne): the ones of the current path */
	uint32_t *undo;         /* facts killed, to revive on the way back */
	uint32_t nundo;
	uint32_t removed;       /* loads replaced */
} le;

static bool is_load(enum ir_op op)
{
	return op >= IR_LOAD && op <= IR_LOAD32S;
}

static bool is_store(enum ir_op op)
{
	return op >= IR_STORE8 && op <= IR_STORE64;
}

/* Bytes a load or store of r accesses (VSTORE: its 16 at most). */
static uint32_t width_of(const ir_func *f, ir_ref r)
{
	switch (f->v[r].op) {
	case IR_LOAD8S: case IR_LOAD8U: case IR_STORE8: return 1;
	case IR_LOAD16S: case IR_LOAD16U: case IR_STORE16: return 2;
	case IR_LOAD32S: case IR_STORE32: return 4;
	case IR_STORE64: return 8;
	case IR_VSTORE: return 16;
	default: return ir_type_bytes[f->v[r].type];        /* LOAD */
	}
}

/* The (base, off) of access r. */
static void address(ir_func *f, ir_ref r, ir_ref *base, uint64_t *off)
{
	*base = ir_resolve(f, ir_args(f, r)[0]);
	*off = f->v[r].imm;
	if (ir_is_const(f, *base)) {
		*off += f->v[*base].imm & 0xffffffffu;
		*base = IR_NONE;
	}
}

static uint32_t window_lo(const le *s)
{
	return s->ne - s->lo > WINDOW ? s->ne - WINDOW : s->lo;
}

static void kill(le *s, uint32_t k)
{
	s->e[k].dead = true;
	s->undo[s->nundo++] = k;
}

/* A store to [off, off + width) of base: forget what it may overlap. */
static void clobber(le *s, ir_ref base, uint64_t off, uint32_t width)
{
	for (uint32_t k = window_lo(s); k < s->ne; k++) {
		fact *e = &s->e[k];
		if (!e->dead && (e->base != base ||
		    (e->off < off + width && off < e->off + e->width)))
			kill(s, k);
	}
}

static void remember(le *s, ir_ref base, uint64_t off, uint32_t width,
	ir_ref val, ir_ref load)
{
	s->e[s->ne++] = (fact){ base, off, width, val, load, false };
}

/* A new pure op before `at` (the load being replaced), of type t. */
static ir_ref op_before(ir_func *f, ir_ref at, enum ir_op op, enum ir_type t,
	ir_ref a, ir_ref b)
{
	ir_ref args[2] = { a, b };
	ir_ref r = ir_insn_new(f, op, t, b ? 2 : 1);
	if (r == IR_NONE)
		return IR_NONE;
	memcpy(ir_args(f, r), args, (b ? 2 : 1) * sizeof *args);
	f->v[r].site = f->v[at].site;
	if (ir_inl_of(f, at).func && !ir_inl_set(f, r, ir_inl_of(f, at).func, 0))
		return IR_NONE;
	ir_insert_before(f, at, r);
	return r;
}

static enum ir_type int_of(enum ir_type t)
{
	return ir_type_bytes[t] == 8 ? IRT_I64 : IRT_I32;
}

/* The value load ld reads, from fact e which holds its bytes at e->off +
 * d (d + the load's width <= e->width): e's value's bits shifted down by
 * 8*d, cut to the load's width, extended as the load extends, read as
 * the load's type.  IR_NONE if out of memory. */
static ir_ref extract(ir_func *f, ir_ref ld, const fact *e, uint32_t d)
{
	enum ir_op op = (enum ir_op)f->v[ld].op;
	enum ir_type t = (enum ir_type)f->v[ld].type, it = int_of(t);
	ir_ref x = e->val;
	enum ir_type xt = (enum ir_type)f->v[x].type;
	uint32_t w = width_of(f, ld);
	if (op == IR_LOAD && d == 0 && ir_type_bytes[xt] == w)
		return xt == t ? x : op_before(f, ld, IR_BITCAST, t, x, IR_NONE);
	if (xt != int_of(xt)) {
		xt = int_of(xt);
		x = op_before(f, ld, IR_BITCAST, xt, x, IR_NONE);
	}
	if (d && x)
		x = op_before(f, ld, IR_ISHRU, xt, x, ir_const(f, xt, 8 * d));
	if (op == IR_LOAD32S) {         /* i64: the low 32 bits, signed */
		if (xt == IRT_I32 && x)
			x = op_before(f, ld, IR_EXTU, IRT_I64, x, IR_NONE);
		return x ? op_before(f, ld, IR_IEXT32S, IRT_I64, x, IR_NONE) : IR_NONE;
	}
	if (xt != it && x)              /* the low bits in the load's width */
		x = op_before(f, ld, it == IRT_I32 ? IR_WRAP : IR_EXTU, it, x, IR_NONE);
	if (!x)
		return IR_NONE;
	switch (op) {
	case IR_LOAD8U: return op_before(f, ld, IR_IAND, it, x, ir_const(f, it, 0xff));
	case IR_LOAD16U: return op_before(f, ld, IR_IAND, it, x, ir_const(f, it, 0xffff));
	case IR_LOAD8S: return op_before(f, ld, IR_IEXT8S, it, x, IR_NONE);
	case IR_LOAD16S: return op_before(f, ld, IR_IEXT16S, it, x, IR_NONE);
	default:                        /* LOAD: all of its width */
		return t == it ? x : op_before(f, ld, IR_BITCAST, t, x, IR_NONE);
	}
}

/* Load r: replaced by what is known of its bytes, or remembered. */
static void load(le *s, ir_ref r)
{
	ir_func *f = s->f;
	ir_ref base;
	uint64_t off;
	address(f, r, &base, &off);
	uint32_t w = width_of(f, r);
	for (uint32_t k = s->ne; k-- > window_lo(s);) {
		const fact *e = &s->e[k];
		if (e->dead || e->base != base || off < e->off || off + w > e->off + e->width)
			continue;
		ir_ref v;
		if (e->load && f->v[e->load].op == f->v[r].op &&
		    f->v[e->load].type == f->v[r].type && e->off == off)
			v = e->load;    /* the same load again */
		else
			v = extract(f, r, e, (uint32_t)(off - e->off));
		if (v == IR_NONE) {
			f->oom = true;
			return;
		}
		ir_morph(f, r, IR_COPY, 1, &v);
		s->removed++;
		return;
	}
	remember(s, base, off, w, r, r);
}

/* The ops visit() does something with: loads, stores, and what forgets
 * memory (a call, a write of memory's bytes) -- a table from IR_OPS, so
 * that the walk passes over the others with one lookup. */
static const bool visited_op[IR_OP_COUNT_] = {
#define LE_OP_(op, s, n, k0, k1, k2, r, c, e) [IR_##op] = \
	(IR_##op >= IR_LOAD && IR_##op <= IR_LOAD32S) || \
	(IR_##op >= IR_STORE8 && IR_##op <= IR_STORE64) || IR_##op == IR_VSTORE || \
	((e) & IRE_CALL) != 0 || (((e) & IRE_WRITE) && ((e) & IRE_MEM)),
	IR_OPS(LE_OP_)
#undef LE_OP_
};

/* Instruction r of the current extended block. */
static void visit(le *s, ir_ref r)
{
	ir_func *f = s->f;
	enum ir_op op = (enum ir_op)f->v[r].op;
	uint8_t fx = ir_ops[op].effects;
	ir_ref base;
	uint64_t off;
	if (is_load(op) && f->v[r].type != IRT_V128) {
		load(s, r);     /* (no integer type holds 16 bytes to extract) */
	} else if (is_store(op) || op == IR_VSTORE) {
		address(f, r, &base, &off);
		clobber(s, base, off, width_of(f, r));
		if (op != IR_VSTORE)
			remember(s, base, off, width_of(f, r),
				ir_resolve(f, ir_args(f, r)[1]), IR_NONE);
	} else if (fx & IRE_CALL || (fx & IRE_WRITE && fx & IRE_MEM)) {
		s->lo = s->ne;          /* forget everything */
	}
}

/* The root of an extended block: a block that is not the one successor
 * of a single predecessor's (several predecessors, none, or an OSR map). */
static bool ebb_root(const ir_func *f, uint32_t b)
{
	return b == 0 || f->b[b].npred != 1 || f->b[b].osr;
}

bool ir_pass_loadelim(ir_func *f)
{
	uint32_t nb = f->nb, ninsn = 0;
	for (uint32_t b = 0; b < nb; b++)
		ninsn += f->b[b].ninsn;
	le s = { .f = f };
	/* a fact per access, a kill per fact; per block on the walk: its id
	 * and state, and the ne, lo and nundo to go back to */
	size_t e_bytes = (ninsn + 1) * sizeof *s.e, undo_bytes = (ninsn + 1) * sizeof *s.undo,
	       stack_bytes = 2 * (size_t)(nb + 1) * sizeof(uint32_t),
	       saved_bytes = (nb + 1) * sizeof(uint32_t[3]);
	s.e = ir_tmp_alloc(f, e_bytes);
	s.undo = ir_tmp_alloc(f, undo_bytes);
	uint32_t *stack = ir_tmp_alloc(f, stack_bytes);
	uint32_t (*saved)[3] = ir_tmp_alloc(f, saved_bytes);
	if (!s.e || !s.undo || !stack || !saved)
		goto out;
	/* (an unreachable root is walked too: harmless, and no dominator
	 * tree is needed -- a block with one predecessor is dominated by it) */
	for (uint32_t root = 0; root < nb && !f->oom; root++) {
		uint32_t sp = 0;
		if (f->b[root].dead || !ebb_root(f, root))
			continue;
		s.ne = s.lo = s.nundo = 0;
		stack[sp++] = root;
		stack[sp++] = 0;
		while (sp && !f->oom) {
			uint32_t state = stack[--sp], b = stack[--sp];
			if (state == 1) {       /* leave: back to b's entry state */
				while (s.nundo > saved[b][2])
					s.e[s.undo[--s.nundo]].dead = false;
				s.ne = saved[b][0];
				s.lo = saved[b][1];
				continue;
			}
			saved[b][0] = s.ne;
			saved[b][1] = s.lo;
			saved[b][2] = s.nundo;
			/* (extract inserts before the load: index past them) */
			for (uint32_t j = 0; j < f->b[b].ninsn && !f->oom; j++) {
				ir_ref r = f->b[b].insn[j];
				if (!visited_op[f->opc[r]])
					continue;
				uint32_t n0 = f->b[b].ninsn;
				visit(&s, r);
				j += f->b[b].ninsn - n0;
			}
			stack[sp++] = b;
			stack[sp++] = 1;
			for (uint32_t k = 0; k < f->b[b].nsucc; k++) {
				uint32_t c = f->b[b].succ[k];
				if (!ebb_root(f, c)) {
					stack[sp++] = c;
					stack[sp++] = 0;
				}
			}
		}
	}
out:
	ir_tmp_free(f, saved);
	ir_tmp_free(f, stack);
	ir_tmp_free(f, s.undo);
	ir_tmp_free(f, s.e);
	return s.removed > 0;
}

