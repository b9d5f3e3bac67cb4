/* ir_build.c -- SSA IR from a function's pre-decoded code.
 *
 * The pre-decoded code (interp/ops.h; predecode.c says what it means) is
 * a register machine over the frame's slots: locals, then the operand
 * stack.  Slots are the variables, and SSA comes from renaming them as in
 * Braun, Buchwald, Hack, Leißa, Mallon, Zwinkau, "Simple and Efficient
 * Construction of Static Single Assignment Form" (CC 2013): blocks are
 * filled in code order; reading a slot not written in the block looks it
 * up in the predecessors, with a phi where paths join; a block is sealed
 * once all its predecessors are filled, and a loop header's phis stay
 * incomplete until its back edges are.  A phi whose operands, once all
 * there, are one value and itself is replaced by that value as it is
 * made, and so in turn the phis that used it (tryRemoveTrivialPhi), so a
 * loop header gets a phi only for the slots the loop changes.
 *
 *   1. scan     instruction boundaries, block starts (0, branch targets,
 *               LOOPs, after branches), edges, reachability;
 *   2. fill     each reachable block: one or a few IR ops per
 *               instruction, dispatched on its family (ops.h); fused
 *               address forms and immediate operands are spelt out
 *               (lowering fuses them again); loads, stores and every op
 *               that can trap keep their site and wasm offset;
 *   3. osr      slot liveness over the blocks, then at each LOOP header
 *               the value of every live slot (ir_osr);
 *   4. types    a slot is 8 bytes of bits: a constant or a load has the
 *               type its op says, a phi (and a select) the widest of its
 *               operands'; then every operand is made the type its op
 *               reads (kinds in IR_OPS), with the exact reinterpretation
 *               (bitcast; i32 and f32 sit zero-extended in their slot, so
 *               widening is extend_u and narrowing wrap).
 *
 * What it refuses, with these reasons (WASM_ERR_UNSUPPORTED):
 *   "no ENTER at the start"             the code does not begin with ENTER
 *   "ENTER inside the function"         a second ENTER
 *   "EXIT inside the function"          the interpreter's sentinel op
 *   "unknown instruction", "truncated instruction",
 *   "branch out of the function", "branch into an instruction",
 *   "falls off the end of the code"     corrupt code
 *   "slot outside the frame"            a slot field >= ENTER's frame
 *   "slot read before it is written"    no definition reaches a read
 *   "unknown indirect call type"        no type has CALL_INDIRECT's id
 *   "function too large"                more than IR_MAX_BLOCKS blocks
 * Every op family of ops.h is built.  A v128 is one value held by two
 * slots: it is read and written as the first (the second is never read
 * on its own), parameters, results and call arguments sit at their slot
 * offsets (valtype_slots).
 */
#include "jit/opt/passes.h"
#include "jit/jit_simd.h"
#include "common/error.h"
#include "interp/fcode.h"
#include "interp/ops.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

#define IR_MAX_BLOCKS 200000u
/* The slot map is an array of blocks x slots up to this many entries (16
 * MiB), a hash beyond. */
#define CUR_DENSE_MAX (4u << 20)

/* ---- interp op -> IR op ------------------------------------------------------- */

#define MAP_INT_(X, s) \
	X(EQZ##s, IEQZ) X(EQ##s, IEQ) X(NE##s, INE) X(LTS##s, ILTS) X(LTU##s, ILTU) \
	X(GTS##s, IGTS) X(GTU##s, IGTU) X(LES##s, ILES) X(LEU##s, ILEU) \
	X(GES##s, IGES) X(GEU##s, IGEU) X(CLZ##s, ICLZ) X(CTZ##s, ICTZ) \
	X(POPCNT##s, IPOPCNT) X(ADD##s, IADD) X(SUB##s, ISUB) X(MUL##s, IMUL) \
	X(DIVS##s, IDIVS) X(DIVU##s, IDIVU) X(REMS##s, IREMS) X(REMU##s, IREMU) \
	X(AND##s, IAND) X(OR##s, IOR) X(XOR##s, IXOR) X(SHL##s, ISHL) \
	X(SHRS##s, ISHRS) X(SHRU##s, ISHRU) X(ROTL##s, IROTL) X(ROTR##s, IROTR)
#define MAP_CMP_(X, s) \
	X(EQ##s, IEQ) X(NE##s, INE) X(LTS##s, ILTS) X(LTU##s, ILTU) X(GTS##s, IGTS) \
	X(GTU##s, IGTU) X(LES##s, ILES) X(LEU##s, ILEU) X(GES##s, IGES) X(GEU##s, IGEU)
#define MAP_IMM_(X, s) MAP_CMP_(X, s) \
	X(ADD##s, IADD) X(MUL##s, IMUL) X(AND##s, IAND) X(OR##s, IOR) X(XOR##s, IXOR) \
	X(SHL##s, ISHL) X(SHRS##s, ISHRS) X(SHRU##s, ISHRU)
#define MAP_FLOAT_(X, s) \
	X(FEQ##s, FEQ) X(FNE##s, FNE) X(FLT##s, FLT) X(FGT##s, FGT) X(FLE##s, FLE) \
	X(FGE##s, FGE) X(FABS##s, FABS) X(FNEG##s, FNEG) X(FCEIL##s, FCEIL) \
	X(FFLOOR##s, FFLOOR) X(FTRUNC##s, FTRUNC) X(FNEAREST##s, FNEAREST) \
	X(FSQRT##s, FSQRT) X(FADD##s, FADD) X(FSUB##s, FSUB) X(FMUL##s, FMUL) \
	X(FDIV##s, FDIV) X(FMIN##s, FMIN) X(FMAX##s, FMAX) X(FCOPYSIGN##s, FCOPYSIGN)
#define MAP_OPS(X) \
	MAP_INT_(X, 32) MAP_INT_(X, 64) MAP_IMM_(X, 32I) MAP_IMM_(X, 64I) \
	MAP_CMP_(X, _BR32) MAP_CMP_(X, _BR32I) MAP_CMP_(X, _BR64) \
	MAP_FLOAT_(X, 32) MAP_FLOAT_(X, 64) \
	X(WRAP, WRAP) X(EXT8S32, IEXT8S) X(EXT16S32, IEXT16S) X(EXT8S64, IEXT8S) \
	X(EXT16S64, IEXT16S) X(EXT32S64, IEXT32S)

static const uint8_t ir_of[OP_COUNT_] = {
#define MAP_(op, irop) [OP_##op] = IR_##irop,
	MAP_OPS(MAP_)
#undef MAP_
};

/* Conversions: (op, IR op, result type); the source is the op's TYPE. */
#define MAP_CONV(X) \
	X(TRUNC_F32_S32, TRUNCS, I32) X(TRUNC_F32_U32, TRUNCU, I32) \
	X(TRUNC_F64_S32, TRUNCS, I32) X(TRUNC_F64_U32, TRUNCU, I32) \
	X(TRUNC_F32_S64, TRUNCS, I64) X(TRUNC_F32_U64, TRUNCU, I64) \
	X(TRUNC_F64_S64, TRUNCS, I64) X(TRUNC_F64_U64, TRUNCU, I64) \
	X(SAT_F32_S32, SATS, I32) X(SAT_F32_U32, SATU, I32) \
	X(SAT_F64_S32, SATS, I32) X(SAT_F64_U32, SATU, I32) \
	X(SAT_F32_S64, SATS, I64) X(SAT_F32_U64, SATU, I64) \
	X(SAT_F64_S64, SATS, I64) X(SAT_F64_U64, SATU, I64) \
	X(CONV_S32_F32, CONVS, F32) X(CONV_U32_F32, CONVU, F32) \
	X(CONV_S64_F32, CONVS, F32) X(CONV_U64_F32, CONVU, F32) \
	X(DEMOTE, DEMOTE, F32) \
	X(CONV_S32_F64, CONVS, F64) X(CONV_U32_F64, CONVU, F64) \
	X(CONV_S64_F64, CONVS, F64) X(CONV_U64_F64, CONVU, F64) \
	X(PROMOTE, PROMOTE, F64)

static const struct { uint8_t op, type; } conv_of[OP_COUNT_] = {
#define MAP_(op, irop, t) [OP_##op] = { IR_##irop, IRT_##t },
	MAP_CONV(MAP_)
#undef MAP_
};

static const uint8_t irt_of_opt[] = {
	[OPT_NONE] = IRT_NONE, [OPT_I32] = IRT_I32, [OPT_I64] = IRT_I64,
	[OPT_F32] = IRT_F32, [OPT_F64] = IRT_F64,
};

static enum ir_type irt_of_wasm(uint8_t t)
{
	switch (t) {
	case WASM_I32: return IRT_I32;
	case WASM_F32: return IRT_F32;
	case WASM_F64: return IRT_F64;
	case WASM_V128: return IRT_V128;
	default: return IRT_I64;     /* i64, funcref, externref */
	}
}

/* ---- (block, slot) -> value ------------------------------------------------------ */

typedef struct {
	uint64_t *key;          /* key + 1; 0 is empty */
	ir_ref *val;
	uint32_t cap, n;
} smap;

#define KEY(b, s) ((uint64_t)(b) << 16 | (s))

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static ir_ref smap_get(const smap *h, uint64_t k)
{
	if (!h->cap)
		return IR_NONE;
	k++;
	for (uint32_t i = (uint32_t)mix(k) & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		if (h->key[i] == k)
			return h->val[i];
		if (!h->key[i])
			return IR_NONE;
	}
}

static bool smap_put(smap *h, uint64_t k, ir_ref v, bool keep)
{
	if ((h->n + 1) * 2 > h->cap) {
		uint32_t ncap = h->cap ? h->cap * 2 : 256;
		uint64_t *nk = calloc(ncap, sizeof *nk);
		ir_ref *nv = malloc(ncap * sizeof *nv);
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return false;
		}
		for (uint32_t i = 0; i < h->cap; i++) {
			if (!h->key[i])
				continue;
			uint32_t j = (uint32_t)mix(h->key[i]) & (ncap - 1);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = h->key[i];
			nv[j] = h->val[i];
		}
		free(h->key);
		free(h->val);
		h->key = nk;
		h->val = nv;
		h->cap = ncap;
	}
	k++;
	uint32_t i = (uint32_t)mix(k) & (h->cap - 1);
	while (h->key[i] && h->key[i] != k)
		i = (i + 1) & (h->cap - 1);
	if (!h->key[i]) {
		h->key[i] = k;
		h->n++;
	} else if (keep) {
		return true;
	}
	h->val[i] = v;
	return true;
}

/* ---- the builder ------------------------------------------------------------------- */

typedef struct {
	uint32_t block, slot, next;
	ir_ref phi;
} incomplete;

typedef struct {
	wasm_module *m;
	const struct fcode *fc;
	const uint8_t *code;
	ir_func *f;
	const char *refusal;
	uint32_t refusal_off;
	uint32_t nslots, nlocals;
	int32_t *block_at;          /* code offset -> block, or -1 */
	uint8_t *is_insn;
	uint8_t *reach, *sealed, *filled, *is_loop;
	ir_ref *cur_dense;          /* value of a slot at the end of a block
	                               (so far): [block * nslots + slot], if
	                               that fits CUR_DENSE_MAX, */
	smap cur;                   /* else this hash */
	smap entry;                 /* value of a slot on entry to a loop
	                               header (for its OSR map) */
	incomplete *inc;
	uint32_t ninc, cap_inc;
	uint32_t *inc_head;         /* per block: first incomplete + 1 */
	uint32_t *chain;            /* read_rec's single-predecessor chains,
	                               a stack: each call uses [base, top) */
	uint32_t nchain, cap_chain;
	ir_ref *vals;               /* join_value's operands, a stack too */
	uint32_t nvals, cap_vals;
	uint32_t *min_latch;        /* per block b: the smallest p of an edge
	                               p -> h with h <= b <= p (a back edge in
	                               block order spanning b), UINT32_MAX if
	                               none (no cycle passes through b) */
	uint32_t nfilled;           /* blocks below this index are filled (or
	                               unreachable) */
	uint32_t words;             /* 64-bit words of a slot bit set */
	uint64_t *gen, *kill;       /* per block: read before written; written */
	uint32_t *wrote;            /* per slot: block + 1 that wrote it last */
	ir_ref *fwd;                /* per value: the value a trivial phi was
	                               replaced by (find), 0 if none */
	uint32_t cap_fwd;
	uint32_t *use_head;         /* per phi: its first phi user + 1 */
	uint32_t cap_use_head;
	struct phi_use { ir_ref user; uint32_t next; } *uses;
	uint32_t nuses, cap_uses;   /* phi -> phi users, linked lists */
	ir_ref *work;               /* remove_trivial's worklist */
	uint32_t cap_work;
	bool removed;               /* a trivial phi was removed */
	uint32_t blk;               /* block being filled */
	uint32_t off;               /* instruction being translated */
	bool oom;
} bld;

static void refuse(bld *c, const char *why)
{
	if (!c->refusal) {
		c->refusal = why;
		c->refusal_off = c->off;
	}
}

static bool grow(bld *c, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (ir_grow(p, cap, need, elem))
		return true;
	c->oom = true;
	return false;
}

/* grow, with the new elements zero. */
static bool grow_zeroed(bld *c, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t old = *cap;
	if (!grow(c, p, cap, need, elem))
		return false;
	memset((char *)*p + (size_t)old * elem, 0, (size_t)(*cap - old) * elem);
	return true;
}

/* An instruction at the end of the block being filled, with its site. */
static ir_ref emit(bld *c, enum ir_op op, enum ir_type t, uint32_t n,
	ir_ref a0, ir_ref a1, ir_ref a2)
{
	ir_ref args[3] = { a0, a1, a2 };
	ir_ref r = ir_emit(c->f, c->blk, op, t, n, args);
	if (r == IR_NONE)
		return IR_NONE;
	ir_insn *i = ir_at(c->f, r);
	i->site = c->off;
	if (ir_ops[op].effects & IRE_TRAP) {
		size_t w = fcode_wasm_offset(c->fc, c->code + c->off);
		i->wasm_off = w == SIZE_MAX ? UINT32_MAX : (uint32_t)w;
	}
	return r;
}

/* ---- reading and writing slots (Braun et al.) -------------------------------------- */

static ir_ref new_phi(bld *c, uint32_t b)
{
	ir_ref r = ir_insn_new(c->f, IR_PHI, IRT_NONE, c->f->b[b].npred);
	if (r != IR_NONE) {
		ir_insert_phi(c->f, b, r);
		ir_at(c->f, r)->site = c->f->b[b].code_off;
	}
	return r;
}

/* The value slot s has at the end of block b so far (IR_NONE: not known
 * yet); setting it. */
static ir_ref cur_get(const bld *c, uint32_t b, uint32_t s)
{
	if (c->cur_dense)
		return c->cur_dense[(size_t)b * c->nslots + s];
	return smap_get(&c->cur, KEY(b, s));
}

static bool cur_put(bld *c, uint32_t b, uint32_t s, ir_ref v)
{
	if (c->cur_dense) {
		c->cur_dense[(size_t)b * c->nslots + s] = v;
		return true;
	}
	return smap_put(&c->cur, KEY(b, s), v, false);
}

/* ---- trivial phis (Braun et al.'s tryRemoveTrivialPhi) ------------------------------ */

/* The value r stands for: r, or what the trivial phi r was replaced by
 * (through the chain, halving it). */
static ir_ref find(bld *c, ir_ref r)
{
	while (r < c->cap_fwd && c->fwd[r] != IR_NONE) {
		ir_ref n = c->fwd[r];
		if (n < c->cap_fwd && c->fwd[n] != IR_NONE)
			c->fwd[r] = c->fwd[n];
		r = n;
	}
	return r;
}

/* Record that phi `user` has v as an operand, if v is a phi (the users
 * that may become trivial when v does). */
static void note_use(bld *c, ir_ref v, ir_ref user)
{
	if (v == IR_NONE || c->f->v[v].op != IR_PHI)
		return;
	if (!grow_zeroed(c, (void **)&c->use_head, &c->cap_use_head, c->f->nv,
	    sizeof *c->use_head) ||
	    !grow(c, (void **)&c->uses, &c->cap_uses, c->nuses + 1, sizeof *c->uses))
		return;
	c->uses[c->nuses] = (struct phi_use){ user, c->use_head[v] };
	c->use_head[v] = ++c->nuses;
}

static ir_ref found(void *c, ir_ref a)
{
	return find(c, a);
}

/* Phi r, complete, replaced by its one other operand if it is trivial;
 * then the phis that used it, which may have become trivial too (a
 * worklist, not recursion).  A removed phi becomes a NOP (ir_compact
 * drops it) and fwd says what replaced it; operands naming it are
 * rewritten at the end (resolve_removed). */
static void remove_trivial(bld *c, ir_ref r)
{
	uint32_t n = 0;
	if (!grow(c, (void **)&c->work, &c->cap_work, 1, sizeof *c->work))
		return;
	c->work[n++] = r;
	while (n) {
		ir_ref p = c->work[--n];
		if (c->f->v[p].op != IR_PHI)
			continue;
		ir_ref same = ir_phi_only_value(c->f, p, found, c);
		if (same == IR_NONE)
			continue;
		if (!grow_zeroed(c, (void **)&c->fwd, &c->cap_fwd, c->f->nv, sizeof *c->fwd))
			return;
		c->fwd[p] = same;
		c->removed = true;
		ir_delete(c->f, p);
		for (uint32_t u = p < c->cap_use_head ? c->use_head[p] : 0; u;) {
			ir_ref user = c->uses[u - 1].user;
			u = c->uses[u - 1].next;
			if (user == p || c->f->v[user].op != IR_PHI)
				continue;
			note_use(c, same, user);
			if (!grow(c, (void **)&c->work, &c->cap_work, n + 1, sizeof *c->work))
				return;
			c->work[n++] = user;
		}
	}
}

/* Every operand and OSR map entry naming a removed phi names what
 * replaced it. */
static void resolve_removed(bld *c)
{
	ir_func *f = c->f;
	if (!c->removed)
		return;
	for (ir_ref r = 1; r < f->nv; r++) {
		ir_ref *a = ir_args(f, r);
		for (uint32_t k = 0; k < f->v[r].nargs; k++)
			a[k] = find(c, a[k]);
	}
	for (uint32_t o = 0; o < f->nosr; o++)
		for (uint32_t s = 0; s < f->osr[o].nslots; s++)
			f->osr[o].slot[s] = find(c, f->osr[o].slot[s]);
}

static ir_ref read_at(bld *c, uint32_t b, uint32_t s);

static void add_operands(bld *c, uint32_t b, uint32_t s, ir_ref phi)
{
	for (uint32_t k = 0; k < c->f->b[b].npred; k++) {
		ir_ref v = read_at(c, c->f->b[b].pred[k], s);
		if (phi != IR_NONE && k < ir_at(c->f, phi)->nargs) {
			ir_args(c->f, phi)[k] = v;
			note_use(c, v, phi);
		}
	}
	if (phi != IR_NONE)
		remove_trivial(c, phi);
}

/* Whether a lookup from b's predecessors can come back to b: only along
 * a cycle of filled blocks, and every cycle through b holds an edge p -> h
 * with h <= b <= p (to return to b from above it), so none does when no
 * such edge comes from a filled block. */
static bool on_filled_cycle(const bld *c, uint32_t b)
{
	return c->min_latch[b] < c->nfilled;
}

/* The value of slot s on entry to join b (sealed, two or more
 * predecessors, on no filled cycle): the predecessors' values first, then
 * a phi only if they differ.  No lookup comes back to b, so b needs no
 * phi placed beforehand to break a cycle; most joins then need none at
 * all (the slot is the same on every path), which copy propagation would
 * otherwise remove. */
static ir_ref join_value(bld *c, uint32_t b, uint32_t s)
{
	uint32_t np = c->f->b[b].npred, base = c->nvals;
	ir_ref v = IR_NONE;
	bool same = true;
	if (!grow(c, (void **)&c->vals, &c->cap_vals, base + np, sizeof *c->vals))
		return IR_NONE;
	c->nvals = base + np;
	for (uint32_t k = 0; k < np; k++) {
		ir_ref x = read_at(c, c->f->b[b].pred[k], s);
		if (x == IR_NONE)
			goto out;
		c->vals[base + k] = x;
		same &= x == c->vals[base];
	}
	if (same) {
		v = c->vals[base];
		goto out;
	}
	v = new_phi(c, b);
	if (v != IR_NONE && ir_at(c->f, v)->nargs == np) {
		memcpy(ir_args(c->f, v), c->vals + base, np * sizeof *c->vals);
		for (uint32_t k = 0; k < np; k++)
			note_use(c, c->vals[base + k], v);
		remove_trivial(c, v);   /* an operand may have been replaced since */
		v = find(c, v);
	}
out:
	c->nvals = base;
	return v;
}

/* The value of slot s on entry to b, looked up in its predecessors: up a
 * chain of single predecessors without recursion, then a phi (or, at a
 * join on no cycle, join_value). */
static ir_ref read_rec(bld *c, uint32_t b, uint32_t s)
{
	uint32_t base = c->nchain, n = 0, x = b;
	ir_ref v = IR_NONE;
	bool join = false;
	for (;;) {
		if (!grow(c, (void **)&c->chain, &c->cap_chain, base + n + 1,
		    sizeof *c->chain))
			return IR_NONE;
		c->chain[base + n++] = x;
		const ir_block *bl = &c->f->b[x];
		if (!c->sealed[x]) {
			v = new_phi(c, x);
			if (!grow(c, (void **)&c->inc, &c->cap_inc, c->ninc + 1, sizeof *c->inc))
				return IR_NONE;
			c->inc[c->ninc] = (incomplete){ x, s, c->inc_head[x], v };
			c->inc_head[x] = ++c->ninc;
			break;
		}
		if (bl->npred == 0) {
			refuse(c, "slot read before it is written");
			return IR_NONE;
		}
		if (bl->npred == 1) {
			uint32_t p = bl->pred[0];
			v = cur_get(c, p, s);
			if (v != IR_NONE) {
				v = find(c, v);
				break;
			}
			x = p;
			continue;
		}
		if (!on_filled_cycle(c, x)) {
			c->nchain = base + n;       /* keep the chain under the lookups */
			v = join_value(c, x, s);
			c->nchain = base;
			if (v == IR_NONE)
				return IR_NONE;
			break;
		}
		v = new_phi(c, x);
		join = true;
		break;
	}
	/* the chain gets v before a join's operands are looked up: that
	 * breaks cycles, and the lookups reuse chain[] above base */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t y = c->chain[base + i];
		if (!cur_put(c, y, s, v) ||
		    (c->is_loop[y] && !smap_put(&c->entry, KEY(y, s), v, true)))
			c->oom = true;
	}
	if (join) {
		add_operands(c, x, s, v);
		v = find(c, v);
	}
	return v;
}

static ir_ref read_at(bld *c, uint32_t b, uint32_t s)
{
	ir_ref v = cur_get(c, b, s);
	return v != IR_NONE ? find(c, v) : read_rec(c, b, s);
}

static void seal(bld *c, uint32_t b)
{
	for (uint32_t i = c->inc_head[b]; i; i = c->inc[i - 1].next) {
		incomplete in = c->inc[i - 1];
		add_operands(c, b, in.slot, in.phi);
	}
	c->sealed[b] = 1;
}

static bool slot_ok(bld *c, uint32_t s)
{
	if (s < c->nslots)
		return true;
	refuse(c, "slot outside the frame");
	return false;
}

/* Read / write slot s in the block being filled. */
static ir_ref rd(bld *c, uint32_t s)
{
	if (!slot_ok(c, s))
		return IR_NONE;
	if (c->wrote[s] != c->blk + 1)
		c->gen[(size_t)c->blk * c->words + s / 64] |= 1ull << (s % 64);
	return read_at(c, c->blk, s);
}

static void wr(bld *c, uint32_t s, ir_ref v)
{
	if (!slot_ok(c, s))
		return;
	c->kill[(size_t)c->blk * c->words + s / 64] |= 1ull << (s % 64);
	c->wrote[s] = c->blk + 1;
	if (!cur_put(c, c->blk, s, v))
		c->oom = true;
}

/* ---- 1. scan ------------------------------------------------------------------------- */

static uint32_t checked_len(bld *c, uint32_t off)
{
	const char *why;
	uint32_t len = insn_len_in(c->code + off, c->fc->code_len - off, &why);
	if (!len)
		refuse(c, why);
	return len;
}

static bool ends_block(enum interp_op op)
{
	return op == OP_RET || op == OP_UNREACHABLE || op == OP_EXIT ||
	       op_infos[op].layout == OPL_BR_TABLE || op_layout_of(op)->rel_off;
}

static bool scan(bld *c)
{
	uint32_t len = c->fc->code_len;
	c->block_at = malloc(((size_t)len + 1) * sizeof *c->block_at);
	c->is_insn = calloc((size_t)len + 1, 1);
	uint8_t *start = calloc((size_t)len + 1, 1);
	bool ok = false;
	if (!c->block_at || !c->is_insn || !start) {
		c->oom = true;
		goto out;
	}
	start[0] = 1;
	for (uint32_t off = 0; off < len;) {
		c->off = off;
		uint32_t n = checked_len(c, off);
		if (!n)
			goto out;
		const uint8_t *ip = c->code + off;
		enum interp_op op = insn_op(ip);
		c->is_insn[off] = 1;
		for (uint32_t k = 0, nb = insn_branch_count(ip); k < nb; k++) {
			int64_t t = insn_branch_target(c->code, off, k);
			if (t < 0 || t >= len) {
				refuse(c, "branch out of the function");
				goto out;
			}
			start[t] = 1;
		}
		if (op == OP_LOOP || op == OP_LOOP_FUEL)
			start[off] = 1;
		off += n;
		if (ends_block(op))
			start[off] = 1;
	}
	uint32_t nb = 0;
	for (uint32_t off = 0; off <= len; off++) {
		c->block_at[off] = -1;
		if (off < len && start[off]) {
			if (!c->is_insn[off]) {
				c->off = off;
				refuse(c, "branch into an instruction");
				goto out;
			}
			c->block_at[off] = (int32_t)nb++;
		}
	}
	if (nb > IR_MAX_BLOCKS) {
		refuse(c, "function too large");
		goto out;
	}
	for (uint32_t b = 0; b < nb; b++)
		if (ir_block_new(c->f) != b)
			goto out;
	for (uint32_t off = 0; off < len; off += insn_len(c->code + off))
		if (c->block_at[off] >= 0)
			c->f->b[c->block_at[off]].code_off = off;
	ok = true;
out:
	free(start);
	return ok && !c->oom;
}

/* The successors of the block whose last instruction is at off, in the
 * order its terminator names them; their count. */
static uint32_t succs_of(bld *c, uint32_t off, uint32_t *out, uint32_t max)
{
	const uint8_t *ip = c->code + off;
	enum interp_op op = insn_op(ip);
	uint32_t next = off + insn_len(ip), n = 0;
	int32_t nb = next < c->fc->code_len ? c->block_at[next] : -1;
	uint32_t nt = insn_branch_count(ip);
	if (op == OP_RET || op == OP_UNREACHABLE || op == OP_EXIT)
		return 0;
	bool falls = op != OP_BR && op_infos[op].layout != OPL_BR_TABLE;
	if (falls && nb < 0) {
		c->off = off;
		refuse(c, "falls off the end of the code");
		return 0;
	}
	if (op == OP_BR_UNLESS)         /* branch(c): (not zero, zero) */
		out[n++] = (uint32_t)nb;
	for (uint32_t k = 0; k < nt && n < max; k++)
		out[n++] = (uint32_t)c->block_at[insn_branch_target(c->code, off, k)];
	if (falls && op != OP_BR_UNLESS && n < max)
		out[n++] = (uint32_t)nb;
	return n;
}

static uint32_t last_insn_of(bld *c, uint32_t b)
{
	uint32_t off = c->f->b[b].code_off, last = off;
	for (;;) {
		last = off;
		off += insn_len(c->code + off);
		if (off >= c->fc->code_len || c->block_at[off] >= 0)
			return last;
	}
}

static bool edges(bld *c)
{
	uint32_t nb = c->f->nb;
	uint32_t *wl = malloc((nb ? nb : 1) * sizeof *wl), nwl = 0;
	uint32_t *tmp = NULL, cap_tmp = 0;
	if (!wl || !(c->reach = calloc(nb ? nb : 1, 1))) {
		free(wl);
		c->oom = true;
		return false;
	}
	c->reach[0] = 1;
	wl[nwl++] = 0;
	while (nwl && !c->refusal) {
		uint32_t b = wl[--nwl];
		uint32_t last = last_insn_of(c, b);
		uint32_t max = insn_branch_count(c->code + last) + 1;
		if (!grow(c, (void **)&tmp, &cap_tmp, max, sizeof *tmp))
			break;
		uint32_t n = succs_of(c, last, tmp, max);
		for (uint32_t k = 0; k < n; k++) {
			ir_edge_add(c->f, b, tmp[k]);
			if (!c->reach[tmp[k]]) {
				c->reach[tmp[k]] = 1;
				wl[nwl++] = tmp[k];
			}
		}
	}
	free(wl);
	free(tmp);
	for (uint32_t b = 0; b < nb; b++)
		if (!c->reach[b])
			c->f->b[b].dead = true;
	return !c->refusal && !c->oom && !c->f->oom;
}

/* c->min_latch (the bld field says what it is), by latches in increasing
 * order, each filling the blocks of [h, p] not yet given one (the next
 * such block found through `next`, path-halving union-find): near-linear
 * in the blocks. */
static bool min_latches(bld *c)
{
	uint32_t nb = c->f->nb;
	uint32_t *next = malloc(((size_t)nb + 1) * sizeof *next);
	c->min_latch = malloc((nb ? nb : 1) * sizeof *c->min_latch);
	if (!next || !c->min_latch) {
		free(next);
		c->oom = true;
		return false;
	}
	for (uint32_t b = 0; b <= nb; b++) {
		next[b] = b;
		if (b < nb)
			c->min_latch[b] = UINT32_MAX;
	}
	for (uint32_t p = 0; p < nb; p++) {
		for (uint32_t k = 0; k < c->f->b[p].nsucc; k++) {
			uint32_t h = c->f->b[p].succ[k];
			if (h > p)
				continue;
			for (uint32_t x = h;;) {
				while (next[x] != x) {          /* find, halving */
					next[x] = next[next[x]];
					x = next[x];
				}
				if (x > p)
					break;
				c->min_latch[x] = p;
				next[x] = x + 1;
			}
		}
	}
	free(next);
	return true;
}

/* ---- 2. fill ------------------------------------------------------------------------- */

static ir_ref konst(bld *c, enum ir_type t, uint64_t bits)
{
	ir_ref r = ir_const(c->f, t, bits);
	if (r != IR_NONE)
		ir_at(c->f, r)->site = c->off;
	return r;
}

/* The address of a (possibly fused) load or store: x, x + imm, x + y or
 * x + (y << k), all i32 (the add wraps, as the interpreter's). */
static ir_ref addr_imm(bld *c, uint32_t x, uint32_t imm)
{
	return emit(c, IR_IADD, IRT_I32, 2, rd(c, x), konst(c, IRT_I32, imm), 0);
}

static ir_ref addr_x(bld *c, uint32_t x, uint32_t y)
{
	return emit(c, IR_IADD, IRT_I32, 2, rd(c, x), rd(c, y), 0);
}

static ir_ref addr_scaled(bld *c, uint32_t x, uint32_t y, uint32_t k)
{
	ir_ref sh = emit(c, IR_ISHL, IRT_I32, 2, rd(c, y), konst(c, IRT_I32, k & 31), 0);
	return emit(c, IR_IADD, IRT_I32, 2, rd(c, x), sh, 0);
}

static const struct { uint8_t op, type; } load_kinds[] = {
	/* in ops.h's OPS_LOADS_ order */
	{ IR_LOAD, IRT_I32 }, { IR_LOAD, IRT_I64 }, { IR_LOAD8S, IRT_I32 },
	{ IR_LOAD8U, IRT_I32 }, { IR_LOAD16S, IRT_I32 }, { IR_LOAD16U, IRT_I32 },
	{ IR_LOAD8S, IRT_I64 }, { IR_LOAD16S, IRT_I64 }, { IR_LOAD32S, IRT_I64 },
};
static const uint8_t store_kinds[] = { IR_STORE8, IR_STORE16, IR_STORE32, IR_STORE64 };

static void do_load(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref a;
	uint32_t d, off, k;
	switch (op_infos[op].layout) {
	case OPL_LOAD:
		a = rd(c, OP_AT(ip, LOAD)->a);
		d = OP_AT(ip, LOAD)->d; off = OP_AT(ip, LOAD)->off; k = op - OP_LD_I32;
		break;
	case OPL_LOAD_ADDI:
		a = addr_imm(c, OP_AT(ip, LOAD_ADDI)->x, OP_AT(ip, LOAD_ADDI)->imm);
		d = OP_AT(ip, LOAD_ADDI)->d; off = OP_AT(ip, LOAD_ADDI)->off; k = op - OP_LDA_I32;
		break;
	case OPL_LOAD_ADDX:
		a = addr_x(c, OP_AT(ip, LOAD_ADDX)->x, OP_AT(ip, LOAD_ADDX)->y);
		d = OP_AT(ip, LOAD_ADDX)->d; off = OP_AT(ip, LOAD_ADDX)->off; k = op - OP_LDX_I32;
		break;
	default:
		a = addr_scaled(c, OP_AT(ip, LOAD_SCALED)->x, OP_AT(ip, LOAD_SCALED)->y,
			OP_AT(ip, LOAD_SCALED)->k);
		d = OP_AT(ip, LOAD_SCALED)->d; off = OP_AT(ip, LOAD_SCALED)->off; k = op - OP_LDS_I32;
		break;
	}
	ir_ref r = emit(c, load_kinds[k].op, load_kinds[k].type, 1, a, 0, 0);
	if (r != IR_NONE)
		ir_at(c->f, r)->imm = off;
	wr(c, d, r);
}

static void do_store(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref a, v;
	uint32_t off, k;
	switch (op_infos[op].layout) {
	case OPL_STORE:
		a = rd(c, OP_AT(ip, STORE)->a); v = rd(c, OP_AT(ip, STORE)->v);
		off = OP_AT(ip, STORE)->off; k = op - OP_ST_8;
		break;
	case OPL_STORE_ADDI:
		a = addr_imm(c, OP_AT(ip, STORE_ADDI)->x, OP_AT(ip, STORE_ADDI)->imm);
		v = rd(c, OP_AT(ip, STORE_ADDI)->v);
		off = OP_AT(ip, STORE_ADDI)->off; k = op - OP_STA_8;
		break;
	case OPL_STORE_ADDX:
		a = addr_x(c, OP_AT(ip, STORE_ADDX)->x, OP_AT(ip, STORE_ADDX)->y);
		v = rd(c, OP_AT(ip, STORE_ADDX)->v);
		off = OP_AT(ip, STORE_ADDX)->off; k = op - OP_STX_8;
		break;
	default:
		a = addr_scaled(c, OP_AT(ip, STORE_SCALED)->x, OP_AT(ip, STORE_SCALED)->y,
			OP_AT(ip, STORE_SCALED)->k);
		v = rd(c, OP_AT(ip, STORE_SCALED)->v);
		off = OP_AT(ip, STORE_SCALED)->off; k = op - OP_STS_8;
		break;
	}
	ir_ref r = emit(c, store_kinds[k], IRT_NONE, 2, a, v, 0);
	if (r != IR_NONE)
		ir_at(c->f, r)->imm = off;
}

static const functype *callee_type(bld *c, enum interp_op op, const uint8_t *ip)
{
	const wasm_module *m = c->m;
	if (op == OP_CALL_INDIRECT) {
		uint32_t id = OP_AT(ip, CALL_IND)->type_id;
		for (uint32_t i = 0; i < m->ntypes; i++)
			if (m->types[i].id == id)
				return &m->types[i];
		refuse(c, "unknown indirect call type");
		return NULL;
	}
	uint32_t idx = OP_AT(ip, CALL)->func;
	if (idx >= m->nfuncs) {
		refuse(c, "unknown instruction");
		return NULL;
	}
	return &m->types[m->funcs[idx].type];
}

static void do_call(bld *c, enum interp_op op, const uint8_t *ip)
{
	const functype *ft = callee_type(c, op, ip);
	if (!ft)
		return;
	bool ind = op == OP_CALL_INDIRECT;
	uint32_t base = ind ? OP_AT(ip, CALL_IND)->base : OP_AT(ip, CALL)->base;
	uint32_t n = ft->nparams + ind;
	ir_ref call = ir_insn_new(c->f, op == OP_CALL ? IR_CALL : op == OP_CALL_IMPORT ?
		IR_CALL_IMPORT : IR_CALL_INDIRECT, IRT_NONE, n);
	if (call == IR_NONE)
		return;
	if (ind) {
		ir_ref i = rd(c, OP_AT(ip, CALL_IND)->i);
		ir_args(c->f, call)[0] = i;
	}
	for (uint32_t k = 0, s = 0; k < ft->nparams; k++) {
		ir_ref a = rd(c, base + s);
		ir_args(c->f, call)[ind + k] = a;
		s += valtype_slots(functype_params(ft)[k]);
	}
	ir_insn *ci = ir_at(c->f, call);
	ci->site = c->off;
	size_t w = fcode_wasm_offset(c->fc, c->code + c->off);
	ci->wasm_off = w == SIZE_MAX ? UINT32_MAX : (uint32_t)w;
	if (ind) {
		ci->aux = OP_AT(ip, CALL_IND)->table;
		ci->aux2 = OP_AT(ip, CALL_IND)->type_id;
	} else {
		ci->aux = OP_AT(ip, CALL)->func;
	}
	ir_append(c->f, c->blk, call);
	for (uint32_t k = 0, s = 0; k < ft->nresults; k++) {
		ir_ref r = emit(c, IR_RESULT, irt_of_wasm(functype_results(ft)[k]), 1, call, 0, 0);
		if (r != IR_NONE) {
			ir_at(c->f, r)->aux = k;
			ir_at(c->f, r)->aux2 = s;   /* its slot from the base */
		}
		wr(c, base + s, r);
		s += valtype_slots(functype_results(ft)[k]);
	}
}

static void do_enter(bld *c, enum interp_op op, const uint8_t *ip);

static bool is_enter(enum interp_op op)
{
	return op == OP_ENTER || op == OP_ENTER_FUEL || op == OP_ENTER_V128 ||
	       op == OP_ENTER_V128_FUEL;
}

/* A SIMD op of n operands (the hi constant of v128.const and
 * i8x16.shuffle last), of the IR op the table gives. */
static ir_ref vop(bld *c, enum interp_op op, const ir_ref *args, uint32_t n,
	uint64_t imm, uint32_t lane)
{
	ir_ref r = ir_insn_new(c->f, ir_vop_of(op), ir_vop_result_type(op), n);
	if (r == IR_NONE)
		return IR_NONE;
	for (uint32_t k = 0; k < n; k++)
		ir_args(c->f, r)[k] = args[k];
	ir_insn *i = ir_at(c->f, r);
	i->aux = op;
	i->aux2 = lane;
	i->imm = imm;
	i->site = c->off;
	if (ir_ops[i->op].effects & IRE_TRAP) {
		size_t w = fcode_wasm_offset(c->fc, c->code + c->off);
		i->wasm_off = w == SIZE_MAX ? UINT32_MAX : (uint32_t)w;
	}
	ir_append(c->f, c->blk, r);
	return r;
}

/* v128.const 0, for the zeroed v128 locals */
static ir_ref vzero(bld *c)
{
	ir_ref hi = konst(c, IRT_I64, 0);
	return vop(c, OP_V_V128_CONST, &hi, 1, 0, 0);
}

static void do_simd_move(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref r;
	uint32_t g;
	switch (op) {
	case OP_ENTER_V128: case OP_ENTER_V128_FUEL:
		do_enter(c, op, ip);
		break;
	case OP_V128_COPY:
		wr(c, OP_AT(ip, D_A)->d, rd(c, OP_AT(ip, D_A)->a));
		break;
	case OP_V128_SELECT:
		r = emit(c, IR_SELECT, IRT_V128, 3, rd(c, OP_AT(ip, SELECT)->c),
			rd(c, OP_AT(ip, SELECT)->a), rd(c, OP_AT(ip, SELECT)->b));
		wr(c, OP_AT(ip, SELECT)->d, r);
		break;
	case OP_V128_GLOBAL_GET:
		g = OP_AT(ip, D_IDX)->idx;
		r = emit(c, IR_GLOBAL_GET, IRT_V128, 0, 0, 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = g;
		wr(c, OP_AT(ip, D_IDX)->d, r);
		break;
	default:        /* V128_GLOBAL_SET */
		r = emit(c, IR_GLOBAL_SET, IRT_V128, 1, rd(c, OP_AT(ip, A_IDX)->a), 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = OP_AT(ip, A_IDX)->idx;
		break;
	}
}

/* The SIMD family: operands in ir_vop_arg_type's order, read through the
 * op's layout. */
static void do_simd(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref a[4];
	uint32_t n = 0, lane = 0, d = UINT32_MAX;
	uint64_t imm = 0;
	if (jit_simd_shape(op) == JS_NONE) {        /* moves, select, globals, ENTER */
		do_simd_move(c, op, ip);
		return;
	}
	switch (op_infos[op].layout) {
	case OPL_D_A:
		a[n++] = rd(c, OP_AT(ip, D_A)->a);
		d = OP_AT(ip, D_A)->d;
		break;
	case OPL_D_AB:
		a[n++] = rd(c, OP_AT(ip, D_AB)->a);
		a[n++] = rd(c, OP_AT(ip, D_AB)->b);
		d = OP_AT(ip, D_AB)->d;
		break;
	case OPL_D_ABC:
		a[n++] = rd(c, OP_AT(ip, D_ABC)->a);
		a[n++] = rd(c, OP_AT(ip, D_ABC)->b);
		a[n++] = rd(c, OP_AT(ip, D_ABC)->c);
		d = OP_AT(ip, D_ABC)->d;
		break;
	case OPL_V_CONST:
		imm = OP_AT(ip, V_CONST)->lo;
		a[n++] = konst(c, IRT_I64, OP_AT(ip, V_CONST)->hi);
		d = OP_AT(ip, V_CONST)->d;
		break;
	case OPL_V_SHUFFLE:
		a[n++] = rd(c, OP_AT(ip, V_SHUFFLE)->a);
		a[n++] = rd(c, OP_AT(ip, V_SHUFFLE)->b);
		imm = OP_AT(ip, V_SHUFFLE)->lo;
		a[n++] = konst(c, IRT_I64, OP_AT(ip, V_SHUFFLE)->hi);
		d = OP_AT(ip, V_SHUFFLE)->d;
		break;
	case OPL_V_LANE:
		a[n++] = rd(c, OP_AT(ip, V_LANE)->a);
		lane = OP_AT(ip, V_LANE)->lane;
		d = OP_AT(ip, V_LANE)->d;
		break;
	case OPL_V_REPLACE:
		a[n++] = rd(c, OP_AT(ip, V_REPLACE)->a);
		a[n++] = rd(c, OP_AT(ip, V_REPLACE)->b);
		lane = OP_AT(ip, V_REPLACE)->lane;
		d = OP_AT(ip, V_REPLACE)->d;
		break;
	case OPL_LOAD:
		a[n++] = rd(c, OP_AT(ip, LOAD)->a);
		imm = OP_AT(ip, LOAD)->off;
		d = OP_AT(ip, LOAD)->d;
		break;
	case OPL_STORE:
		a[n++] = rd(c, OP_AT(ip, STORE)->a);
		a[n++] = rd(c, OP_AT(ip, STORE)->v);
		imm = OP_AT(ip, STORE)->off;
		break;
	case OPL_V_LOAD_LANE:
		a[n++] = rd(c, OP_AT(ip, V_LOAD_LANE)->a);
		a[n++] = rd(c, OP_AT(ip, V_LOAD_LANE)->v);
		imm = OP_AT(ip, V_LOAD_LANE)->off;
		lane = OP_AT(ip, V_LOAD_LANE)->lane;
		d = OP_AT(ip, V_LOAD_LANE)->d;
		break;
	case OPL_V_STORE_LANE:
		a[n++] = rd(c, OP_AT(ip, V_STORE_LANE)->a);
		a[n++] = rd(c, OP_AT(ip, V_STORE_LANE)->v);
		imm = OP_AT(ip, V_STORE_LANE)->off;
		lane = OP_AT(ip, V_STORE_LANE)->lane;
		break;
	default:
		do_simd_move(c, op, ip);
		return;
	}
	if (n != ir_vop_nargs(op)) {
		refuse(c, "unknown instruction");
		return;
	}
	ir_ref r = vop(c, op, a, n, imm, lane);
	if (d != UINT32_MAX)
		wr(c, d, r);
}

static void do_enter(bld *c, enum interp_op op, const uint8_t *ip)
{
	const func_t *fn = &c->m->funcs[c->f->func_index];
	const functype *ft = &c->m->types[fn->type];
	if (c->off != 0) {
		refuse(c, "ENTER inside the function");
		return;
	}
	ir_ref chk = emit(c, IR_ENTRY_CHECK, IRT_NONE, 0, 0, 0, 0);
	if (chk != IR_NONE)
		ir_at(c->f, chk)->aux = op == OP_ENTER_FUEL || op == OP_ENTER_V128_FUEL;
	uint32_t s = 0;
	for (uint32_t k = 0; k < ft->nparams; k++) {
		ir_ref p = emit(c, IR_PARAM, irt_of_wasm(functype_params(ft)[k]), 0, 0, 0, 0);
		if (p != IR_NONE)
			ir_at(c->f, p)->aux = s;    /* its slot */
		wr(c, s, p);
		s += valtype_slots(functype_params(ft)[k]);
	}
	/* the declared locals, zero, by their slots (a v128 takes two) */
	uint32_t first = OP_AT(ip, ENTER)->first, nz = OP_AT(ip, ENTER)->nzero;
	for (uint32_t l = 0; l < fn->nlocals && s < first + nz; l++) {
		enum ir_type t = irt_of_wasm(fn->local_types[l]);
		if (s >= first)
			wr(c, s, t == IRT_V128 ? vzero(c) : konst(c, t, 0));
		s += valtype_slots(fn->local_types[l]);
	}
	for (; s < first + nz; s++)
		wr(c, s, konst(c, IRT_I64, 0));
}

static enum ir_type op_type(enum interp_op op)
{
	return (enum ir_type)irt_of_opt[op_infos[op].type];
}

/* An IR op that reads its operands as the op's TYPE: compares and eqz
 * keep it in aux (their result is i32). */
static ir_ref numeric(bld *c, enum ir_op irop, enum interp_op op, uint32_t n,
	ir_ref a, ir_ref b)
{
	enum ir_type t = op_type(op);
	uint8_t k0 = ir_ops[irop].kind[0];
	bool src = k0 == IRK_SI || k0 == IRK_SF;
	enum ir_type rt = ir_ops[irop].result == IRR_I32 ? IRT_I32 :
		ir_ops[irop].result == IRR_I64 ? IRT_I64 : t;
	ir_ref r = emit(c, irop, rt, n, a, b, 0);
	if (r != IR_NONE && src)
		ir_at(c->f, r)->aux = t;
	return r;
}

static void do_control(bld *c, enum interp_op op, const uint8_t *ip)
{
	switch (op) {
	case OP_UNREACHABLE: {
		ir_ref r = emit(c, IR_TRAP, IRT_NONE, 0, 0, 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = WASM_TRAP_UNREACHABLE;
		break;
	}
	case OP_EXIT:
		refuse(c, "EXIT inside the function");
		break;
	case OP_ENTER: case OP_ENTER_FUEL:
		do_enter(c, op, ip);
		break;
	case OP_LOOP: case OP_LOOP_FUEL: {
		ir_ref r = emit(c, IR_LOOP_CHECK, IRT_NONE, 0, 0, 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = op == OP_LOOP_FUEL;
		c->is_loop[c->blk] = 1;
		break;
	}
	case OP_BR:
		emit(c, IR_JUMP, IRT_NONE, 0, 0, 0, 0);
		break;
	case OP_BR_IF: case OP_BR_UNLESS:
		/* BR_UNLESS's successors are already (fall through, target) */
		emit(c, IR_BRANCH, IRT_NONE, 1, rd(c, OP_AT(ip, BR_IF)->c), 0, 0);
		break;
	case OP_BR_TABLE:
		emit(c, IR_SWITCH, IRT_NONE, 1, rd(c, OP_AT(ip, BR_TABLE)->i), 0, 0);
		break;
	case OP_RET: {
		uint32_t n = c->f->nresults;
		ir_ref r = ir_insn_new(c->f, IR_RET, IRT_NONE, n);
		if (r == IR_NONE)
			return;
		for (uint32_t k = 0, s = 0; k < n; k++) {
			ir_ref v = rd(c, s);
			ir_args(c->f, r)[k] = v;
			s += c->f->result_types[k] == IRT_V128 ? 2 : 1;
		}
		ir_at(c->f, r)->site = c->off;
		ir_append(c->f, c->blk, r);
		break;
	}
	default:
		refuse(c, "unknown instruction");
		break;
	}
}

static void do_insn(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref r;
	switch ((enum op_family)op_infos[op].family) {
	case OPFAM_CONTROL:
		do_control(c, op, ip);
		break;
	case OPFAM_CALL:
		do_call(c, op, ip);
		break;
	case OPFAM_MOVE:
		switch (op) {
		case OP_COPY:
			wr(c, OP_AT(ip, D_A)->d, rd(c, OP_AT(ip, D_A)->a));
			break;
		case OP_CONST32:
			wr(c, OP_AT(ip, D_IMM)->d, konst(c, IRT_I32, OP_AT(ip, D_IMM)->imm));
			break;
		case OP_CONST64:
			wr(c, OP_AT(ip, D_IMM64)->d, konst(c, IRT_I64, OP_AT(ip, D_IMM64)->imm));
			break;
		default: /* SELECT: its type is its operands' (types, below) */
			r = emit(c, IR_SELECT, IRT_NONE, 3, rd(c, OP_AT(ip, SELECT)->c),
				rd(c, OP_AT(ip, SELECT)->a), rd(c, OP_AT(ip, SELECT)->b));
			wr(c, OP_AT(ip, SELECT)->d, r);
			break;
		}
		break;
	case OPFAM_GLOBAL: {
		uint32_t g = op == OP_GLOBAL_GET ? OP_AT(ip, D_IDX)->idx : OP_AT(ip, A_IDX)->idx;
		enum ir_type t = g < c->m->nglobals ? irt_of_wasm(c->m->globals[g].type) : IRT_I64;
		if (op == OP_GLOBAL_GET) {
			r = emit(c, IR_GLOBAL_GET, t, 0, 0, 0, 0);
			wr(c, OP_AT(ip, D_IDX)->d, r);
		} else {
			r = emit(c, IR_GLOBAL_SET, t, 1, rd(c, OP_AT(ip, A_IDX)->a), 0, 0);
		}
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = g;
		break;
	}
	case OPFAM_REF:
		if (op == OP_REF_IS_NULL) {
			r = emit(c, IR_IEQZ, IRT_I32, 1, rd(c, OP_AT(ip, D_A)->a), 0, 0);
			if (r != IR_NONE)
				ir_at(c->f, r)->aux = IRT_I64;
			wr(c, OP_AT(ip, D_A)->d, r);
		} else {
			r = emit(c, IR_REF_FUNC, IRT_I64, 0, 0, 0, 0);
			if (r != IR_NONE)
				ir_at(c->f, r)->aux = OP_AT(ip, D_IDX)->idx;
			wr(c, OP_AT(ip, D_IDX)->d, r);
		}
		break;
	case OPFAM_TABLE:
		switch (op) {
		case OP_TABLE_GET:
			r = emit(c, IR_TABLE_GET, IRT_I64, 1, rd(c, OP_AT(ip, TABLE_GET)->i), 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_GET)->table;
			wr(c, OP_AT(ip, TABLE_GET)->d, r);
			break;
		case OP_TABLE_SET:
			r = emit(c, IR_TABLE_SET, IRT_NONE, 2, rd(c, OP_AT(ip, TABLE_SET)->i),
				rd(c, OP_AT(ip, TABLE_SET)->v), 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_SET)->table;
			break;
		case OP_TABLE_SIZE:
			r = emit(c, IR_TABLE_SIZE, IRT_I32, 0, 0, 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, D_IDX)->idx;
			wr(c, OP_AT(ip, D_IDX)->d, r);
			break;
		case OP_TABLE_GROW:
			r = emit(c, IR_TABLE_GROW, IRT_I32, 2, rd(c, OP_AT(ip, TABLE_GROW)->init),
				rd(c, OP_AT(ip, TABLE_GROW)->n), 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_GROW)->table;
			wr(c, OP_AT(ip, TABLE_GROW)->d, r);
			break;
		case OP_TABLE_FILL:
			r = emit(c, IR_TABLE_FILL, IRT_NONE, 3, rd(c, OP_AT(ip, TABLE_FILL)->i),
				rd(c, OP_AT(ip, TABLE_FILL)->v), rd(c, OP_AT(ip, TABLE_FILL)->n));
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_FILL)->table;
			break;
		case OP_TABLE_COPY:
			r = emit(c, IR_TABLE_COPY, IRT_NONE, 3, rd(c, OP_AT(ip, TABLE_COPY)->dst),
				rd(c, OP_AT(ip, TABLE_COPY)->src), rd(c, OP_AT(ip, TABLE_COPY)->n));
			if (r) {
				ir_at(c->f, r)->aux = OP_AT(ip, TABLE_COPY)->dst_table;
				ir_at(c->f, r)->aux2 = OP_AT(ip, TABLE_COPY)->src_table;
			}
			break;
		case OP_TABLE_INIT:
			r = emit(c, IR_TABLE_INIT, IRT_NONE, 3, rd(c, OP_AT(ip, TABLE_INIT)->dst),
				rd(c, OP_AT(ip, TABLE_INIT)->src), rd(c, OP_AT(ip, TABLE_INIT)->n));
			if (r) {
				ir_at(c->f, r)->aux = OP_AT(ip, TABLE_INIT)->table;
				ir_at(c->f, r)->aux2 = OP_AT(ip, TABLE_INIT)->elem;
			}
			break;
		default: /* ELEM_DROP */
			r = emit(c, IR_ELEM_DROP, IRT_NONE, 0, 0, 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, IDX)->idx;
			break;
		}
		break;
	case OPFAM_MEMORY:
		switch (op) {
		case OP_MEMORY_SIZE:
			wr(c, OP_AT(ip, D)->d, emit(c, IR_MEMORY_SIZE, IRT_I32, 0, 0, 0, 0));
			break;
		case OP_MEMORY_GROW:
			wr(c, OP_AT(ip, D_A)->d, emit(c, IR_MEMORY_GROW, IRT_I32, 1,
				rd(c, OP_AT(ip, D_A)->a), 0, 0));
			break;
		case OP_MEMORY_FILL: case OP_MEMORY_COPY:
			emit(c, op == OP_MEMORY_FILL ? IR_MEMORY_FILL : IR_MEMORY_COPY, IRT_NONE, 3,
				rd(c, OP_AT(ip, BULK)->dst), rd(c, OP_AT(ip, BULK)->src),
				rd(c, OP_AT(ip, BULK)->n));
			break;
		case OP_MEMORY_INIT:
			r = emit(c, IR_MEMORY_INIT, IRT_NONE, 3, rd(c, OP_AT(ip, MEMORY_INIT)->dst),
				rd(c, OP_AT(ip, MEMORY_INIT)->src), rd(c, OP_AT(ip, MEMORY_INIT)->n));
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, MEMORY_INIT)->data;
			break;
		default: /* DATA_DROP */
			r = emit(c, IR_DATA_DROP, IRT_NONE, 0, 0, 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, IDX)->idx;
			break;
		}
		break;
	case OPFAM_LOAD:
		do_load(c, op, ip);
		break;
	case OPFAM_STORE:
		do_store(c, op, ip);
		break;
	case OPFAM_ADDR: /* ADDSHL32 */
		wr(c, OP_AT(ip, ADDSHL)->d, addr_scaled(c, OP_AT(ip, ADDSHL)->x,
			OP_AT(ip, ADDSHL)->y, OP_AT(ip, ADDSHL)->k));
		break;
	case OPFAM_INT_UNARY: case OPFAM_FLOAT_UNARY:
		wr(c, OP_AT(ip, D_A)->d, numeric(c, ir_of[op], op, 1,
			rd(c, OP_AT(ip, D_A)->a), 0));
		break;
	case OPFAM_INT_BINARY: case OPFAM_INT_DIV: case OPFAM_FLOAT_BINARY:
		wr(c, OP_AT(ip, D_AB)->d, numeric(c, ir_of[op], op, 2,
			rd(c, OP_AT(ip, D_AB)->a), rd(c, OP_AT(ip, D_AB)->b)));
		break;
	case OPFAM_INT_IMM: {
		uint32_t imm = OP_AT(ip, D_A_IMM)->imm;
		enum ir_type t = op_type(op);
		ir_ref k = konst(c, t, t == IRT_I64 ? (uint64_t)(int64_t)(int32_t)imm : imm);
		wr(c, OP_AT(ip, D_A_IMM)->d, numeric(c, ir_of[op], op, 2,
			rd(c, OP_AT(ip, D_A_IMM)->a), k));
		break;
	}
	case OPFAM_CONVERT: {
		r = emit(c, conv_of[op].op, conv_of[op].type, 1, rd(c, OP_AT(ip, D_A)->a), 0, 0);
		if (r != IR_NONE && (ir_ops[conv_of[op].op].kind[0] == IRK_SI ||
		    ir_ops[conv_of[op].op].kind[0] == IRK_SF))
			ir_at(c->f, r)->aux = op_type(op);
		wr(c, OP_AT(ip, D_A)->d, r);
		break;
	}
	case OPFAM_BR_CMP: {
		ir_ref a, b;
		if (op_infos[op].layout == OPL_BR_CMP_IMM) {
			a = rd(c, OP_AT(ip, BR_CMP_IMM)->a);
			b = konst(c, op_type(op), OP_AT(ip, BR_CMP_IMM)->imm);
		} else {
			a = rd(c, OP_AT(ip, BR_CMP)->a);
			b = rd(c, OP_AT(ip, BR_CMP)->b);
		}
		r = numeric(c, ir_of[op], op, 2, a, b);
		emit(c, IR_BRANCH, IRT_NONE, 1, r, 0, 0);
		break;
	}
	case OPFAM_SIMD:
		do_simd(c, op, ip);
		break;
	default:
		refuse(c, "unknown instruction");
		break;
	}
}

static bool fill(bld *c)
{
	ir_func *f = c->f;
	for (uint32_t b = 0; b < f->nb && !c->refusal && !c->oom && !f->oom; b++) {
		if (!c->reach[b])
			continue;
		bool all = true;
		for (uint32_t k = 0; k < f->b[b].npred; k++)
			all &= c->filled[f->b[b].pred[k]] != 0;
		if (all && !c->sealed[b])
			seal(c, b);
		c->blk = b;
		c->nfilled = b;
		uint32_t off = f->b[b].code_off;
		bool ended = false;
		do {
			const uint8_t *ip = c->code + off;
			enum interp_op op = insn_op(ip);
			c->off = off;
			do_insn(c, op, ip);
			ended = ends_block(op);
			off += insn_len(ip);
		} while (off < c->fc->code_len && c->block_at[off] < 0 && !c->refusal);
		if (!ended)
			emit(c, IR_JUMP, IRT_NONE, 0, 0, 0, 0);
		c->filled[b] = 1;
		for (uint32_t k = 0; k < f->b[b].nsucc; k++) {
			uint32_t s = f->b[b].succ[k];
			if (c->sealed[s])
				continue;
			bool ready = true;
			for (uint32_t j = 0; j < f->b[s].npred; j++)
				ready &= c->filled[f->b[s].pred[j]] != 0;
			if (ready)
				seal(c, s);
		}
	}
	c->nfilled = f->nb;
	return !c->refusal && !c->oom && !f->oom;
}

/* ---- 3. OSR maps --------------------------------------------------------------------- */

/* The value slot s holds on entry to header h. */
static ir_ref entry_value(bld *c, uint32_t h, uint32_t s)
{
	ir_ref v = smap_get(&c->entry, KEY(h, s));
	if (v != IR_NONE)
		return find(c, v);
	if (!(c->kill[(size_t)h * c->words + s / 64] >> (s % 64) & 1))
		return read_at(c, h, s);
	/* h writes s itself: a phi of the predecessors' values */
	v = new_phi(c, h);
	if (v == IR_NONE || !smap_put(&c->entry, KEY(h, s), v, true)) {
		c->oom = true;
		return IR_NONE;
	}
	add_operands(c, h, s, v);
	return find(c, v);
}

static bool osr_maps(bld *c)
{
	ir_func *f = c->f;
	uint32_t nb = f->nb, w = c->words;
	uint64_t *in = calloc((size_t)nb * w + 1, sizeof *in);
	uint64_t *out = calloc((size_t)w + 1, sizeof *out);
	bool ok = false;
	if (!in || !out) {
		c->oom = true;
		goto done;
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t b = nb; b-- > 0;) {
			if (!c->reach[b])
				continue;
			memset(out, 0, (size_t)w * sizeof *out);
			for (uint32_t k = 0; k < f->b[b].nsucc; k++)
				for (uint32_t i = 0; i < w; i++)
					out[i] |= in[(size_t)f->b[b].succ[k] * w + i];
			for (uint32_t i = 0; i < w; i++) {
				size_t at = (size_t)b * w + i;
				uint64_t x = c->gen[at] | (out[i] & ~c->kill[at]);
				if (x != in[at]) {
					in[at] = x;
					changed = true;
				}
			}
		}
	}
	for (uint32_t h = 0; h < nb; h++) {
		if (!c->reach[h] || !c->is_loop[h])
			continue;
		if (!grow(c, (void **)&f->osr, &f->cap_osr, f->nosr + 1, sizeof *f->osr))
			goto done;
		ir_osr *o = &f->osr[f->nosr];
		*o = (ir_osr){ .block = h, .code_off = f->b[h].code_off, .nslots = c->nslots };
		o->slot = calloc(c->nslots ? c->nslots : 1, sizeof *o->slot);
		if (!o->slot) {
			c->oom = true;
			goto done;
		}
		f->nosr++;
		f->b[h].osr = f->nosr;
		c->blk = h;
		c->off = f->b[h].code_off;
		for (uint32_t s = 0; s < c->nslots; s++) {
			if (in[(size_t)h * w + s / 64] >> (s % 64) & 1) {
				ir_ref v = entry_value(c, h, s);
				f->osr[f->nosr - 1].slot[s] = v;
			}
		}
	}
	ok = !c->refusal && !c->oom;
done:
	free(in);
	free(out);
	return ok;
}

/* ---- 4. types ------------------------------------------------------------------------ */

static bool phi_or_select(const ir_func *f, ir_ref r)
{
	return f->v[r].op == IR_PHI || f->v[r].op == IR_SELECT;
}

/* A phi's (a select's) type by its operands': the widest, the first of
 * that width; IRT_NONE while none has a type. */
static enum ir_type operands_type(ir_func *f, ir_ref r)
{
	ir_insn *i = ir_at(f, r);
	enum ir_type best = IRT_NONE;
	for (uint32_t k = i->op == IR_SELECT; k < i->nargs; k++) {
		ir_ref a = ir_args(f, r)[k];
		enum ir_type t = a ? (enum ir_type)f->v[a].type : IRT_NONE;
		if (t != IRT_NONE && (best == IRT_NONE ||
		    ir_type_bytes[t] > ir_type_bytes[best]))
			best = t;
	}
	return best;
}

/* Every phi's and select's type (operands_type), to a fixpoint over a
 * worklist: a value whose type changes puts the phis and selects using it
 * back on the list (in first-in first-out order; at most 64 visits per
 * phi, as a bound for cycles).  Those with no typed operand are unused
 * and get i64.  False if out of memory. */
static bool infer_types(ir_func *f)
{
	uint32_t nv = f->nv, nps = 0, nuses = 0;
	uint32_t *start = calloc((size_t)nv + 1, sizeof *start);
	uint8_t *queued = calloc(nv ? nv : 1, 1);
	ir_ref *users = NULL, *queue = NULL;
	bool ok = false;
	if (!start || !queued)
		goto out;
	/* users: for each value, the phis and selects that read it */
	for (ir_ref r = 1; r < nv; r++) {
		if (!phi_or_select(f, r))
			continue;
		nps++;
		for (uint32_t k = f->v[r].op == IR_SELECT; k < f->v[r].nargs; k++) {
			ir_ref a = ir_args(f, r)[k];
			if (a && phi_or_select(f, a)) {
				start[a + 1]++;
				nuses++;
			}
		}
	}
	for (uint32_t r = 0; r < nv; r++)
		start[r + 1] += start[r];
	users = malloc((nuses ? nuses : 1) * sizeof *users);
	queue = malloc((nps ? nps : 1) * sizeof *queue);
	uint32_t *fill = malloc((size_t)(nv ? nv : 1) * sizeof *fill);
	if (!users || !queue || !fill) {
		free(fill);
		goto out;
	}
	memcpy(fill, start, (size_t)nv * sizeof *fill);
	uint32_t head = 0, n = 0;
	for (ir_ref r = 1; r < nv; r++) {
		if (!phi_or_select(f, r))
			continue;
		for (uint32_t k = f->v[r].op == IR_SELECT; k < f->v[r].nargs; k++) {
			ir_ref a = ir_args(f, r)[k];
			if (a && phi_or_select(f, a))
				users[fill[a]++] = r;
		}
		queue[n++] = r;
		queued[r] = 1;
	}
	free(fill);
	for (uint64_t visits = 0; n && visits < 64ull * nps; visits++) {
		ir_ref r = queue[head];
		head = (head + 1) % nps;
		n--;
		queued[r] = 0;
		enum ir_type best = operands_type(f, r);
		if (best == IRT_NONE || best == f->v[r].type)
			continue;
		f->v[r].type = (uint8_t)best;
		for (uint32_t u = start[r]; u < start[r + 1]; u++) {
			ir_ref q = users[u];
			if (!queued[q]) {
				queued[q] = 1;
				queue[(head + n++) % nps] = q;
			}
		}
	}
	for (ir_ref r = 1; r < nv; r++)
		if (phi_or_select(f, r) && f->v[r].type == IRT_NONE)
			f->v[r].type = IRT_I64;     /* no operand has a type: unused */
	ok = true;
out:
	free(start);
	free(queued);
	free(users);
	free(queue);
	return ok;
}

static enum ir_type int_of_width(enum ir_type t)
{
	return ir_type_bytes[t] == 8 ? IRT_I64 : IRT_I32;
}

/* The type operand k of r must have; IRT_NONE if any will do. */
static enum ir_type want(bld *c, ir_ref r, uint32_t k)
{
	ir_func *f = c->f;
	ir_insn *i = ir_at(f, r);
	const ir_op_info *oi = &ir_ops[i->op];
	ir_ref a = ir_args(f, r)[k];
	enum ir_type at = a ? (enum ir_type)f->v[a].type : IRT_NONE;
	if (oi->nargs < 0) {
		if (i->op == IR_PHI)
			return (enum ir_type)i->type;
		if (i->op == IR_RET)
			return k < f->nresults ? (enum ir_type)f->result_types[k] : IRT_NONE;
		if (i->op == IR_VOP || i->op == IR_VLOAD || i->op == IR_VSTORE)
			return ir_vop_arg_type(i->aux, k);
		/* calls: the callee's parameters */
		const functype *ft = NULL;
		if (i->op == IR_CALL_INDIRECT) {
			if (k == 0)
				return IRT_I32;
			for (uint32_t t = 0; t < c->m->ntypes; t++)
				if (c->m->types[t].id == i->aux2)
					ft = &c->m->types[t];
			k--;
		} else {
			ft = &c->m->types[c->m->funcs[i->aux].type];
		}
		return ft && k < ft->nparams ? irt_of_wasm(functype_params(ft)[k]) : IRT_NONE;
	}
	switch (oi->kind[k < 3 ? k : 2]) {
	case IRK_T: return (enum ir_type)i->type;
	case IRK_A: return ir_args(f, r)[0] ? (enum ir_type)f->v[ir_args(f, r)[0]].type : IRT_NONE;
	case IRK_SI: case IRK_SF: return (enum ir_type)i->aux;
	case IRK_I32: return IRT_I32;
	case IRK_I64: return IRT_I64;
	case IRK_F32: return IRT_F32;
	case IRK_F64: return IRT_F64;
	case IRK_INT: return at == IRT_NONE ? IRT_NONE : int_of_width(at);
	case IRK_W32: return at == IRT_NONE || ir_type_bytes[at] == 4 ? at : IRT_I32;
	case IRK_W64: return at == IRT_NONE || ir_type_bytes[at] == 8 ? at : IRT_I64;
	default: return IRT_NONE;
	}
}

/* v reinterpreted as `to` (the slot's bits read as that type): up to
 * three unplaced instructions in ops[], in order; the value in *res. */
static uint32_t coerce(ir_func *f, ir_ref v, enum ir_type to, uint32_t site,
	ir_ref ops[3], ir_ref *res)
{
	enum ir_type from = (enum ir_type)f->v[v].type;
	uint32_t n = 0;
	*res = v;
	if (from == to || from == IRT_NONE || to == IRT_NONE)
		return 0;
#define CO_(op, t) do { \
		ir_ref x_ = ir_insn_new(f, op, t, 1); \
		if (x_ == IR_NONE) return n; \
		ir_args(f, x_)[0] = *res; \
		f->v[x_].site = site; \
		ops[n++] = x_; \
		*res = x_; \
	} while (0)
	if (ir_type_bytes[from] == ir_type_bytes[to]) {
		CO_(IR_BITCAST, to);
		return n;
	}
	enum ir_type mid_from = int_of_width(from), mid_to = int_of_width(to);
	if (from != mid_from)
		CO_(IR_BITCAST, mid_from);
	CO_(mid_to == IRT_I64 ? IR_EXTU : IR_WRAP, mid_to);
	if (to != mid_to)
		CO_(IR_BITCAST, to);
#undef CO_
	return n;
}

static bool retype(bld *c)
{
	ir_func *f = c->f;
	if (!infer_types(f)) {
		c->oom = true;
		return false;
	}
	/* phis: their operands converted at the end of the predecessor */
	for (uint32_t b = 0; b < f->nb; b++) {
		for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (f->v[r].op != IR_PHI)
				continue;
			for (uint32_t k = 0; k < f->v[r].nargs; k++) {
				ir_ref ops[3], res, a = ir_args(f, r)[k];
				if (a == IR_NONE)
					continue;
				uint32_t n = coerce(f, a, (enum ir_type)f->v[r].type, f->v[r].site, ops, &res);
				for (uint32_t q = 0; q < n; q++)
					ir_insert_body(f, f->b[b].pred[k], ops[q]);
				ir_args(f, r)[k] = res;
			}
		}
	}
	/* everything else: before the instruction */
	for (uint32_t b = 0; b < f->nb; b++) {
		ir_block *bl = &f->b[b];
		uint32_t *old = bl->insn, nold = bl->ninsn;
		bl->insn = NULL;
		bl->ninsn = bl->cap_insn = 0;
		for (uint32_t j = 0; j < nold; j++) {
			ir_ref r = old[j];
			if (f->v[r].op != IR_PHI) {
				for (uint32_t k = 0; k < f->v[r].nargs; k++) {
					ir_ref ops[3], res, a = ir_args(f, r)[k];
					if (a == IR_NONE || f->v[r].op == IR_RESULT)
						continue;
					uint32_t n = coerce(f, a, want(c, r, k), f->v[r].site, ops, &res);
					for (uint32_t q = 0; q < n; q++)
						ir_append(f, b, ops[q]);
					ir_args(f, r)[k] = res;
				}
			}
			ir_append(f, b, r);
		}
		free(old);
	}
	return !f->oom;
}

/* ---- the whole ------------------------------------------------------------------------- */

wasm_status ir_build(wasm_module *m, uint32_t func_index, ir_func **out,
	wasm_error *err)
{
	*out = NULL;
	if (func_index >= m->nfuncs || func_index < m->nfunc_imports)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX,
			"function %u is not a defined function", func_index);
	struct fcode *fc = fcode_get(m, func_index);
	if (!fc)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	bld cc = { .m = m, .fc = fc, .code = fc->code }, *c = &cc;
	wasm_status st = WASM_ERR_NOMEM;
	ir_func *f = c->f = ir_func_new(func_index);
	if (!f)
		goto out;
	f->module = m;
	const functype *ft = &m->types[m->funcs[func_index].type];
	f->nlocals = fc->nlocals;
	f->nresults = ft->nresults;
	f->result_types = malloc(ft->nresults ? ft->nresults : 1);
	if (!f->result_types)
		goto out;
	for (uint32_t k = 0; k < ft->nresults; k++)
		f->result_types[k] = (uint8_t)irt_of_wasm(functype_results(ft)[k]);
	if (fc->code_len < op_layouts[OPL_ENTER].len || !is_enter(insn_op(fc->code))) {
		refuse(c, "no ENTER at the start");
		goto out;
	}
	c->nslots = OP_AT(fc->code, ENTER)->frame;
	if (c->nslots > 65536) {
		refuse(c, "slot outside the frame");
		goto out;
	}
	f->nslots = c->nslots;
	c->nlocals = fc->nlocals;
	if (!scan(c) || !edges(c) || !min_latches(c))
		goto out;
	uint32_t nb = f->nb;
	c->words = (c->nslots + 63) / 64;
	c->sealed = calloc(nb, 1);
	c->filled = calloc(nb, 1);
	c->is_loop = calloc(nb, 1);
	c->inc_head = calloc(nb, sizeof *c->inc_head);
	c->gen = calloc((size_t)nb * c->words + 1, sizeof *c->gen);
	c->kill = calloc((size_t)nb * c->words + 1, sizeof *c->kill);
	c->wrote = calloc(c->nslots + 1, sizeof *c->wrote);
	if ((size_t)nb * c->nslots <= CUR_DENSE_MAX &&
	    !(c->cur_dense = calloc((size_t)nb * c->nslots + 1, sizeof *c->cur_dense)))
		goto out;
	if (!c->sealed || !c->filled || !c->is_loop || !c->inc_head || !c->gen ||
	    !c->kill || !c->wrote)
		goto out;
	if (!fill(c) || !osr_maps(c))
		goto out;
	resolve_removed(c);
	ir_compact(f);
	if (!retype(c))
		goto out;
	ir_compact(f);
	if (!ir_dom_compute(f) || f->oom)
		goto out;
	st = WASM_OK;
out:
	if (c->refusal) {
		size_t w = fcode_wasm_offset(fc, fc->code + c->refusal_off);
		st = err_set(err, WASM_ERR_UNSUPPORTED, w,
			"the optimizing tier cannot build function %u: %s",
			func_index, c->refusal);
	} else if (st != WASM_OK) {
		err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	}
	if (st != WASM_OK) {
		ir_func_free(f);
		f = NULL;
	}
	*out = f;
	free(c->block_at);
	free(c->is_insn);
	free(c->reach);
	free(c->sealed);
	free(c->filled);
	free(c->is_loop);
	free(c->cur_dense);
	free(c->cur.key);
	free(c->cur.val);
	free(c->entry.key);
	free(c->entry.val);
	free(c->inc);
	free(c->inc_head);
	free(c->chain);
	free(c->vals);
	free(c->min_latch);
	free(c->gen);
	free(c->kill);
	free(c->wrote);
	free(c->fwd);
	free(c->use_head);
	free(c->uses);
	free(c->work);
	return st;
}
