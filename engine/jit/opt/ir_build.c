/* ir_build.c -- SSA IR from a function's pre-decoded code.
 *
 * The pre-decoded code (interp/ops.h; predecode.c says what it means) is
 * a register machine over the frame's slots: locals, then the operand
 * stack.  Slots are the variables, and SSA comes from renaming them as in
 * Braun, Buchwald, Hack, Leißa, Mallon, Zwinkau, "Simple and Efficient
 * Construction of Static Single Assignment Form" (CC 2013): blocks are
 * filled in code order; reading a slot not written in the block looks it
 * up in the predecessors, with a phi where paths join (or, where no path
 * can bring another value, takes it from the entry block, the innermost
 * loop's header or the last block to write the slot: read_rec, with the
 * dominators computed before the fill); a block is sealed
 * once all its predecessors are filled, and a loop header's phis stay
 * incomplete until its back edges are.  A phi whose operands, once all
 * there, are one value and itself is replaced by that value as it is
 * made, and so in turn the phis that used it (tryRemoveTrivialPhi), so a
 * loop header gets a phi only for the slots the loop changes.
 *
 *   1. scan     instruction boundaries, block starts (0, branch targets,
 *               LOOPs, after branches), edges, reachability;
 *   2. fill     each reachable block: one or a few IR ops per
 *               instruction, dispatched on its family (ops.h;
 *               ir_build_ops.c, ir_b_insn, builds one); fused
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
 *   "over the instruction budget"       ir_build_bounded's budget spent
 * Every op family of ops.h is built.  A v128 is one value held by two
 * slots: it is read and written as the first (the second is never read
 * on its own), parameters, results and call arguments sit at their slot
 * offsets (valtype_slots).
 */
#include "jit/opt/ir_build_int.h"
#include "jit/opt/opt.h"
#include "common/error.h"
#include "common/pairs.h"
#include "interp/fcode.h"
#include "interp/ops.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

#define IR_MAX_BLOCKS 200000u
/* The slot map is an array of blocks x slots up to this many entries (16
 * MiB), a hash beyond. */
#define CUR_DENSE_MAX (4u << 20)
/* The largest array glibc's malloc serves from its heap in a fresh
 * process: its default mmap threshold (M_MMAP_THRESHOLD, 128 KiB; a
 * chunk's header and rounding are below 64 bytes) */
#define V_HEAP_MAX_BYTES ((128u << 10) - 64)

/* ---- (block, slot) -> value ------------------------------------------------------ */

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

/* ---- the builder's memory ------------------------------------------------------------ */

#define R8(n) (((size_t)(n) + 7) & ~(size_t)7)

/* The next n bytes of a block of several arrays (8-aligned, as the block
 * is: R8 the sizes when allocating it). */
static char *cut(char **at, size_t n)
{
	char *p = *at;
	*at += R8(n);
	return p;
}

/* ---- the builder ------------------------------------------------------------------- */

void ir_b_refuse(bld *c, const char *why)
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

/* fcode_wasm_offset of c->off (the last pair of the trap map at or before
 * it), from a cursor: the fill goes through the code in order, so the
 * cursor mostly moves forward a pair or none, where a binary search per
 * op took 2M instructions over the bench modules. */
size_t ir_b_wasm_off(bld *c)
{
	const uint32_t (*map)[2] = c->fc->map;
	uint32_t n = c->fc->nmap, i = c->map_at, off = c->off;
	if (i >= n || map[i][0] > off) {
		i = pairs_at_or_before(map, n, off);
		if (i == UINT32_MAX)
			return SIZE_MAX;
	}
	while (i + 1 < n && map[i + 1][0] <= off)
		i++;
	c->map_at = i;
	return map[i][1];
}

/* r, a phi or a select, made (infer_types takes them from c->made). */
static void note_made(bld *c, ir_ref r)
{
	if (grow(c, (void **)&c->made, &c->cap_made, c->nmade + 1, sizeof *c->made))
		c->made[c->nmade++] = r;
}

/* An instruction at the end of the block being filled, with its site. */
ir_ref ir_b_emit(bld *c, enum ir_op op, enum ir_type t, uint32_t n,
	ir_ref a0, ir_ref a1, ir_ref a2)
{
	ir_ref args[3] = { a0, a1, a2 };
	ir_ref r = ir_emit(c->f, c->blk, op, t, n, args);
	if (r == IR_NONE)
		return IR_NONE;
	ir_insn *i = ir_at(c->f, r);
	i->site = c->off;
	if (op == IR_SELECT)
		note_made(c, r);
	if (ir_ops[op].effects & IRE_TRAP) {
		size_t w = ir_b_wasm_off(c);
		i->wasm_off = w == SIZE_MAX ? UINT32_MAX : (uint32_t)w;
	}
	if (c->budget && ++c->emitted > c->budget)
		ir_b_refuse(c, "over the instruction budget");
	return r;
}

/* ---- reading and writing slots (Braun et al.) -------------------------------------- */

static ir_ref new_phi(bld *c, uint32_t b)
{
	ir_ref r = ir_insn_new(c->f, IR_PHI, IRT_NONE, c->f->b[b].npred);
	if (r != IR_NONE) {
		/* after the phis placed before it: the block's list starts
		 * with them, but for the entry block's, which ir_const puts
		 * constants in front of (it has a phi only if something
		 * branches to offset 0) */
		if (b == 0)
			ir_insert_phi(c->f, b, r);
		else
			ir_insert_at(c->f, b, c->nphi[b]++, r);
		ir_at(c->f, r)->site = c->f->b[b].code_off;
		note_made(c, r);
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

/* The value slot s has on entry to loop header h (IR_NONE: none
 * recorded); recording the first one only. */
static ir_ref entry_get(const bld *c, uint32_t h, uint32_t s)
{
	if (c->entry_dense)
		return c->entry_dense[(size_t)(c->loop_no[h] - 1) * c->nslots + s];
	return smap_get(&c->entry, KEY(h, s));
}

static bool entry_put(bld *c, uint32_t h, uint32_t s, ir_ref v)
{
	if (c->entry_dense) {
		ir_ref *e = &c->entry_dense[(size_t)(c->loop_no[h] - 1) * c->nslots + s];
		if (*e == IR_NONE)
			*e = v;
		return true;
	}
	return smap_put(&c->entry, KEY(h, s), v, true);
}

/* ---- trivial phis (Braun et al.'s tryRemoveTrivialPhi) ------------------------------ */

/* The value r stands for: r, or what the trivial phi r was replaced by
 * (through the chain, halving it). */
static ir_ref find(bld *c, ir_ref r)
{
	if (!c->removed)
		return r;       /* no phi replaced yet: most lookups */
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

static ir_ref read_rec(bld *c, uint32_t b, uint32_t s);

/* The value slot s has at the end of block b so far: known (cur), else
 * the one it has on entry to b, looked up (read_rec).  Inline, the
 * lookup not: most reads know the value, and the lookup's frame is big. */
static inline ir_ref read_at(bld *c, uint32_t b, uint32_t s)
{
	ir_ref v = cur_get(c, b, s);
	return v != IR_NONE ? find(c, v) : read_rec(c, b, s);
}

/* Whether loop l (loop_writes) may write slot s. */
static bool loop_writes_slot(const bld *c, uint32_t l, uint32_t s)
{
	return s >= c->lp_base[l] ||
	       (c->lp_wr[(size_t)l * c->words + s / 64] >> (s % 64) & 1);
}

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

/* Phi `phi` of s at header b of a loop that leaves s alone (read_rec):
 * its operands looked up in the predecessors outside the loop, and
 * itself on every back edge. */
static void add_entry_operands(bld *c, uint32_t b, uint32_t s, ir_ref phi)
{
	for (uint32_t k = 0; k < c->f->b[b].npred; k++) {
		uint32_t p = c->f->b[b].pred[k];
		ir_ref v = p < b ? read_at(c, p, s) : phi;
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
 * such edge comes from a filled block.  (Nor does one of a slot that no
 * loop around b writes, when every loop can skip phis: read_rec.  When
 * every loop can, a join that heads none is looked up again only
 * through the header of a loop around it, whose phi is placed first:
 * join_value then takes the value that inner lookup made.) */
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
	/* a join inside a loop that writes s (read_rec) can be looked up
	 * again through its loop's header while its predecessors are read:
	 * that inner lookup made its value, which this one must not make a
	 * second time */
	v = cur_get(c, b, s);
	if (v != IR_NONE) {
		v = find(c, v);
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
static __attribute__((noinline)) ir_ref read_rec(bld *c, uint32_t b, uint32_t s)
{
	uint32_t base = c->nchain, n = 0, x = b;
	ir_ref v = IR_NONE;
	bool join = false, entry_only = false;
	/* s written by no block but the entry so far (wrote), and b on no
	 * cycle (min_latch), or only on cycles of a loop that leaves s
	 * alone (lp_outer: the outermost range holding b, when every loop
	 * is a range): every path to b then runs through filled blocks
	 * or that loop's, none writing s, so s holds the entry block's
	 * value, which the walk below would come to through joins that
	 * all agree (and phis made only to be removed as trivial).  A
	 * parameter or a local the loop does not change, mostly: a third
	 * of the walk's steps over the bench functions. */
	if (b && c->wrote[s] <= 1 && (c->min_latch[b] == UINT32_MAX ||
	    (c->lp_outer[b] && !loop_writes_slot(c, c->lp_outer[b] - 1, s))) &&
	    (v = cur_get(c, 0, s)) != IR_NONE) {
		v = find(c, v);
		if (!cur_put(c, b, s, v) ||
		    (c->osr && c->loop_no[b] && !entry_put(c, b, s, v)))
			c->oom = true;
		return v;
	}
	/* b inside loops that are all ranges, h the header of the
	 * innermost holding it, and no block from h on written s yet
	 * (wrote: the last to write it): a path to b enters that range at h
	 * and, from the last time it passes h, stays in [h, b] (a block
	 * after b comes back only by a back edge to h or to an inner
	 * header at most b, and none holds b), none of those blocks
	 * writing s: s on entry to b is s at the end of h, where the walk
	 * below would come through joins that all agree */
	uint32_t h = c->lp_inner[b] - 1;
	if (c->lp_inner[b] && h != b && c->wrote[s] <= h) {
		v = read_at(c, h, s);
		if (v == IR_NONE)
			return IR_NONE;
		if (!cur_put(c, b, s, v) ||
		    (c->osr && c->loop_no[b] && !entry_put(c, b, s, v)))
			c->oom = true;
		return v;
	}
	/* w the last block to write s (the one with the highest index:
	 * blocks are filled in order), filled, in the same innermost loop
	 * as b (or in none with it), every loop a range, and dominating b:
	 * a path to b passes w after it last enters that loop (or at all),
	 * and after w only blocks between w and b (a block before w comes
	 * after it only by a back edge to a header inside the loop, whose
	 * loop would hold w), none writing s: s on entry to b is what w
	 * left in it */
	uint32_t w = c->wrote[s] - 1;
	if (c->wrote[s] && w < c->nfilled && w != b && c->ranges &&
	    c->lp_inner[w] == c->lp_inner[b] && ir_dominates(c->f, w, b) &&
	    (v = cur_get(c, w, s)) != IR_NONE) {
		v = find(c, v);
		if (!cur_put(c, b, s, v) ||
		    (c->osr && c->loop_no[b] && !entry_put(c, b, s, v)))
			c->oom = true;
		return v;
	}
	for (;;) {
		if (!grow(c, (void **)&c->chain, &c->cap_chain, base + n + 1,
		    sizeof *c->chain))
			return IR_NONE;
		c->chain[base + n++] = x;
		const ir_block *bl = &c->f->b[x];
		uint32_t p;
		if (c->lp[x] && !loop_writes_slot(c, c->lp[x] - 1, s)) {
			/* a loop that leaves s alone: s on entry to its
			 * header is what the predecessors outside the loop
			 * have, and every back edge brings that round
			 * again (the phi Braun et al. would make here, for
			 * each slot read through the header, would be
			 * trivial: most of those the bench functions
			 * made).  With one such predecessor, go on there;
			 * with several, a phi of theirs (placed first, as
			 * at any join on a cycle) */
			p = c->lp_entry[c->lp[x] - 1];
			if (p == UINT32_MAX) {
				v = new_phi(c, x);
				join = entry_only = true;
				break;
			}
		} else if (!c->sealed[x]) {
			v = new_phi(c, x);
			if (!grow(c, (void **)&c->inc, &c->cap_inc, c->ninc + 1, sizeof *c->inc))
				return IR_NONE;
			c->inc[c->ninc] = (incomplete){ x, s, c->inc_head[x], v };
			c->inc_head[x] = ++c->ninc;
			break;
		} else if (bl->npred == 0) {
			ir_b_refuse(c, "slot read before it is written");
			return IR_NONE;
		} else if (bl->npred == 1) {
			p = bl->pred[0];
		} else if (!on_filled_cycle(c, x) || (c->lp_outer[x] && (!c->lp[x] ||
		    !loop_writes_slot(c, c->lp_outer[x] - 1, s)))) {
			/* no lookup comes back to x, or only through a
			 * header that places its phi first, as x heads no
			 * loop (lp 0) and every loop is a range (lp_outer):
			 * no phi at x unless the predecessors differ */
			c->nchain = base + n;       /* keep the chain under the lookups */
			v = join_value(c, x, s);
			c->nchain = base;
			if (v == IR_NONE)
				return IR_NONE;
			break;
		} else {
			v = new_phi(c, x);
			join = true;
			break;
		}
		/* one block to look in next, p: its value of s, or on */
		v = cur_get(c, p, s);
		if (v != IR_NONE) {
			v = find(c, v);
			break;
		}
		x = p;
	}
	/* the chain gets v before a join's operands are looked up: that
	 * breaks cycles, and the lookups reuse chain[] above base */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t y = c->chain[base + i];
		if (!cur_put(c, y, s, v) ||
		    (c->osr && c->loop_no[y] && !entry_put(c, y, s, v)))
			c->oom = true;
	}
	if (join) {
		if (entry_only)
			add_entry_operands(c, x, s, v);
		else
			add_operands(c, x, s, v);
		v = find(c, v);
	}
	return v;
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
	ir_b_refuse(c, "slot outside the frame");
	return false;
}

/* Read / write slot s in the block being filled. */
ir_ref ir_b_rd(bld *c, uint32_t s)
{
	if (!slot_ok(c, s))
		return IR_NONE;
	if (c->gen && c->wrote[s] != c->blk + 1)
		c->gen[(size_t)c->blk * c->words + s / 64] |= 1ull << (s % 64);
	return read_at(c, c->blk, s);
}

void ir_b_wr(bld *c, uint32_t s, ir_ref v)
{
	if (!slot_ok(c, s))
		return;
	/* what loop_writes saw: a write it missed would make the reads
	 * of s in the loops around this block skip a phi they need */
	if (s < c->wr_base[c->blk] &&
	    !(c->wr[(size_t)c->blk * c->words + s / 64] >> (s % 64) & 1)) {
		ir_b_refuse(c, "a slot write the builder's scan did not see");
		return;
	}
	if (c->kill)
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
		ir_b_refuse(c, why);
	return len;
}

static bool ends_block(enum interp_op op)
{
	return op == OP_RET || op == OP_UNREACHABLE || op == OP_EXIT ||
	       op_infos[op].layout == OPL_BR_TABLE || op_layout_of(op)->rel_off;
}

/* The bits set in x, inline: the build has no -mpopcnt, and
 * __builtin_popcountll is then a call to libgcc's __popcountdi2 (1.3M
 * instructions over the bench modules' builds, 0.24M more than this). */
static inline uint32_t pop64(uint64_t x)
{
	x -= x >> 1 & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + (x >> 2 & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (uint32_t)(x * 0x0101010101010101ull >> 56);
}

/* Whether a block starts at code offset off (off < code_len); which. */
static bool starts_block(const bld *c, uint32_t off)
{
	return c->starts[off / 64] >> (off % 64) & 1;
}

static int32_t block_of(const bld *c, uint32_t off)
{
	if (!starts_block(c, off))
		return -1;
	uint64_t below = c->starts[off / 64] & ((1ull << (off % 64)) - 1);
	return (int32_t)(c->rank[off / 64] + pop64(below));
}

/* The block starts and instruction boundaries are bit sets over the
 * code (a map from every offset to its block, 4 bytes a code byte, was
 * the builder's largest array: 105 KB for printf_core's 26 KB of code,
 * written whole by its memset), a block's index the starts below it. */
static bool scan(bld *c)
{
	uint32_t len = c->fc->code_len, words = len / 64 + 1;
	c->starts = calloc(words, sizeof *c->starts);
	c->rank = malloc(words * sizeof *c->rank);
	uint64_t *is_insn = c->is_insn = calloc(words, sizeof *is_insn);
	bool ok = false;
	if (!c->starts || !c->rank || !is_insn) {
		c->oom = true;
		goto out;
	}
	c->starts[0] = 1;
	for (uint32_t off = 0; off < len;) {
		c->off = off;
		uint32_t n = checked_len(c, off);
		if (!n)
			goto out;
		const uint8_t *ip = c->code + off;
		enum interp_op op = insn_op(ip);
		is_insn[off / 64] |= 1ull << (off % 64);
		for (uint32_t k = 0, nb = insn_branch_count(ip); k < nb; k++) {
			int64_t t = insn_branch_target(c->code, off, k);
			if (t < 0 || t >= len) {
				ir_b_refuse(c, "branch out of the function");
				goto out;
			}
			c->starts[t / 64] |= 1ull << (t % 64);
		}
		if (op == OP_LOOP || op == OP_LOOP_FUEL) {
			c->starts[off / 64] |= 1ull << (off % 64);
			c->nloops++;
		}
		off += n;
		if (ends_block(op))
			c->starts[off / 64] |= 1ull << (off % 64);
	}
	c->starts[len / 64] &= ~(1ull << (len % 64));   /* the end starts none */
	/* before any phi: each header's phis, OSR map and entry name every
	 * slot live there, quadratic for many locals over many loops */
	if ((uint64_t)c->nloops * c->fc->nlocals > OPT_MAX_LOOP_SLOTS) {
		c->off = 0;
		ir_b_refuse(c, OPT_TOO_MANY_LOOP_SLOTS_REASON);
		goto out;
	}
	uint32_t nb = 0;
	for (uint32_t i = 0; i < words; i++) {
		uint64_t bad = c->starts[i] & ~is_insn[i];
		if (bad) {
			c->off = i * 64 + (uint32_t)__builtin_ctzll(bad);
			ir_b_refuse(c, "branch into an instruction");
			goto out;
		}
		c->rank[i] = nb;
		nb += pop64(c->starts[i]);
	}
	if (nb > IR_MAX_BLOCKS) {
		ir_b_refuse(c, "function too large");
		goto out;
	}
	/* the blocks in code order, their array made once */
	if (!grow(c, (void **)&c->f->b, &c->f->cap_b, nb, sizeof *c->f->b))
		goto out;
	for (uint32_t i = 0; i < words; i++) {
		for (uint64_t x = c->starts[i]; x; x &= x - 1) {
			uint32_t b = c->f->nb;
			if (ir_block_new(c->f) != b)
				goto out;
			c->f->b[b].code_off = i * 64 + (uint32_t)__builtin_ctzll(x);
		}
	}
	ok = true;
out:
	return ok && !c->oom;
}

/* The successors of the block whose last instruction is at off, in the
 * order its terminator names them; their count. */
static uint32_t succs_of(bld *c, uint32_t off, uint32_t *out, uint32_t max)
{
	const uint8_t *ip = c->code + off;
	enum interp_op op = insn_op(ip);
	uint32_t next = off + insn_len(ip), n = 0;
	int32_t nb = next < c->fc->code_len ? block_of(c, next) : -1;
	uint32_t nt = insn_branch_count(ip);
	if (op == OP_RET || op == OP_UNREACHABLE || op == OP_EXIT)
		return 0;
	bool falls = op != OP_BR && op_infos[op].layout != OPL_BR_TABLE;
	if (falls && nb < 0) {
		c->off = off;
		ir_b_refuse(c, "falls off the end of the code");
		return 0;
	}
	if (op == OP_BR_UNLESS)         /* branch(c): (not zero, zero) */
		out[n++] = (uint32_t)nb;
	for (uint32_t k = 0; k < nt && n < max; k++)
		out[n++] = (uint32_t)block_of(c, (uint32_t)insn_branch_target(c->code, off, k));
	if (falls && op != OP_BR_UNLESS && n < max)
		out[n++] = (uint32_t)nb;
	return n;
}

/* The offset of block b's last instruction: the last instruction start
 * before the next block's (its first instruction is one). */
static uint32_t last_insn_of(bld *c, uint32_t b)
{
	uint32_t end = b + 1 < c->f->nb ? c->f->b[b + 1].code_off : c->fc->code_len;
	uint32_t w = (end - 1) / 64;
	uint64_t x = c->is_insn[w] & (~0ull >> (63 - (end - 1) % 64));
	while (!x)
		x = c->is_insn[--w];
	return w * 64 + 63 - (uint32_t)__builtin_clzll(x);
}

static bool edges(bld *c)
{
	uint32_t nb = c->f->nb;
	uint32_t *wl = c->scr1, nwl = 0;        /* a worklist */
	uint32_t *tmp = NULL, cap_tmp = 0;
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
	free(tmp);
	for (uint32_t b = 0; b < nb; b++)
		if (!c->reach[b])
			c->f->b[b].dead = true;
	c->f->cfg_gen++;
	return !c->refusal && !c->oom && !c->f->oom;
}

/* c->min_latch (the bld field says what it is), by latches in increasing
 * order, each filling the blocks of [h, p] not yet given one (the next
 * such block found through `next`, path-halving union-find): near-linear
 * in the blocks. */
static bool min_latches(bld *c)
{
	uint32_t nb = c->f->nb;
	uint32_t *next = c->scr1;               /* nb + 1 of them */
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
	return true;
}

static bool is_enter(enum interp_op op)
{
	return op == OP_ENTER || op == OP_ENTER_FUEL || op == OP_ENTER_V128 ||
	       op == OP_ENTER_V128_FUEL;
}

/* The loops whose reads need no phi for a slot they do not write
 * (read_rec): a header h (a block with a predecessor p >= h, a back
 * edge), its range [h, X] (X the greatest such p, and the ranges of the
 * headers inside taken in: an outer loop's back edge may come from
 * inside an inner loop), entered only at h (every predecessor of a
 * block in (h, X] inside the range).
 * Then every path from h back to h stays in the range, and a slot no
 * block of the range writes has on every back edge the value it had on
 * entry.  Wasm's loops are such ranges in code order; one that is not
 * keeps its phis.  The slots written: each instruction's D fields, a
 * call's results (every slot from its base up), ENTER's (all), found
 * for the blocks inside some range; ir_b_wr refuses a write outside
 * them, so the sets cannot be short (outside the ranges it checks
 * nothing: wr_base 0). */
static bool loop_writes(bld *c)
{
	ir_func *f = c->f;
	uint32_t nb = f->nb, w = c->words, nl = 0;
	uint32_t *hs = c->scr1, *end = c->scr2;   /* per loop: header, range's end */
	bool ok = false;
	/* the headers and their ranges, innermost (last) first */
	for (uint32_t h = 0; h < nb; h++) {
		uint32_t x = UINT32_MAX;
		for (uint32_t k = 0; k < f->b[h].npred; k++)
			if (f->b[h].pred[k] >= h && (x == UINT32_MAX || f->b[h].pred[k] > x))
				x = f->b[h].pred[k];
		if (x != UINT32_MAX && c->reach[h]) {
			hs[nl] = h;
			end[nl++] = x;
		}
	}
	if (!nl) {
		c->ranges = ok = true;
		goto out;
	}
	for (uint32_t i = nl; i-- > 0;)
		for (uint32_t j = i + 1; j < nl && hs[j] <= end[i]; j++)
			if (end[j] > end[i])
				end[i] = end[j];
	/* the slots each block inside a range writes (the outermost
	 * ranges, in order, cover them) */
	c->wr = calloc((size_t)nb * w + 1, sizeof *c->wr);
	if (!c->wr)
		goto out;
	for (uint32_t i = 0, covered = 0; i < nl; i++) {
		uint32_t first = hs[i] > covered ? hs[i] : covered;
		if (end[i] < first)
			continue;
		covered = end[i] + 1;
		uint32_t off = f->b[first].code_off;
		uint32_t stop = covered < nb ? f->b[covered].code_off : c->fc->code_len;
		for (uint32_t b = first; b < covered; b++)
			c->wr_base[b] = UINT32_MAX;
		for (uint32_t b = first; off < stop;) {
			const uint8_t *ip = c->code + off;
			enum interp_op op = insn_op(ip);
			const op_layout_info *li = op_layout_of(op);
			/* the blocks in code order: the next start, the next */
			b += off != f->b[first].code_off && starts_block(c, off);
			for (uint32_t k = 0; k < li->nslots; k++) {
				uint32_t s = insn_slot(ip, k);
				if (li->slot_writes >> k & 1 && s < c->nslots)
					c->wr[(size_t)b * w + s / 64] |= 1ull << (s % 64);
			}
			uint32_t base = UINT32_MAX;
			if (op_infos[op].layout == OPL_CALL)
				base = OP_AT(ip, CALL)->base;
			else if (op_infos[op].layout == OPL_CALL_IND)
				base = OP_AT(ip, CALL_IND)->base;
			else if (is_enter(op))
				base = 0;
			if (base < c->wr_base[b])
				c->wr_base[b] = base;
			off += insn_len(ip);
		}
	}
	c->lp_wr = calloc((size_t)nl * w + 1, sizeof *c->lp_wr);
	c->lp_base = malloc(nl * sizeof *c->lp_base);
	c->lp_entry = malloc(nl * sizeof *c->lp_entry);
	if (!c->lp_wr || !c->lp_base || !c->lp_entry)
		goto out;
	for (uint32_t i = 0; i < nl; i++) {
		uint32_t h = hs[i], x = end[i], entry = UINT32_MAX, nentry = 0;
		bool single = true;
		for (uint32_t k = 0; k < f->b[h].npred; k++)
			if (f->b[h].pred[k] < h) {
				entry = f->b[h].pred[k];
				nentry++;
			}
		for (uint32_t t = h + 1; t <= x && single; t++)
			for (uint32_t k = 0; k < f->b[t].npred; k++)
				single &= f->b[t].pred[k] >= h && f->b[t].pred[k] <= x;
		if (!single || !nentry)
			continue;
		c->lp_base[i] = UINT32_MAX;
		for (uint32_t t = h; t <= x; t++) {
			for (uint32_t q = 0; q < w; q++)
				c->lp_wr[(size_t)i * w + q] |= c->wr[(size_t)t * w + q];
			if (c->wr_base[t] < c->lp_base[i])
				c->lp_base[i] = c->wr_base[t];
		}
		c->lp_entry[i] = nentry == 1 ? entry : UINT32_MAX;
		c->lp[h] = i + 1;
	}
	/* Every loop so: then every cycle through a block b lies in the
	 * ranges holding b (its lowest block is a header, and a path from
	 * a header back to it stays in its range), and a lookup of a slot
	 * the outermost of them leaves alone goes through each of their
	 * headers to the block outside, never back to b.  A join there
	 * needs no phi placed before its predecessors are read (read_rec:
	 * join_value), which are then mostly the same value. */
	bool all = true;
	for (uint32_t i = 0; i < nl; i++)
		all &= c->lp[hs[i]] == i + 1;
	for (uint32_t i = 0, covered = 0; all && i < nl; i++) {
		if (hs[i] < covered)
			continue;
		covered = end[i] + 1;
		for (uint32_t b = hs[i]; b < covered; b++)
			c->lp_outer[b] = i + 1;
	}
	c->ranges = all;
	/* the innermost: the ranges nest, an inner one after its outer */
	for (uint32_t i = 0; all && i < nl; i++)
		for (uint32_t b = hs[i]; b <= end[i]; b++)
			c->lp_inner[b] = hs[i] + 1;
	ok = true;
out:
	if (!ok)
		c->oom = true;
	return ok;
}

/* ---- 2. fill ------------------------------------------------------------------------- */

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
		do {
			const uint8_t *ip = c->code + off;
			c->off = off;
			ir_b_insn(c, insn_op(ip), ip);
			off += insn_len(ip);
		} while (off < c->fc->code_len && !starts_block(c, off) && !c->refusal);
		/* (the last instruction translated: c->off) */
		if (!ends_block(insn_op(c->code + c->off)))
			ir_b_emit(c, IR_JUMP, IRT_NONE, 0, 0, 0, 0);
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
	ir_ref v = entry_get(c, h, s);
	if (v != IR_NONE)
		return find(c, v);
	if (!(c->kill[(size_t)h * c->words + s / 64] >> (s % 64) & 1))
		return read_at(c, h, s);
	/* h writes s itself: a phi of the predecessors' values */
	v = new_phi(c, h);
	if (v == IR_NONE || !entry_put(c, h, s, v)) {
		c->oom = true;
		return IR_NONE;
	}
	add_operands(c, h, s, v);
	return find(c, v);
}

/* Which headers get a map when it is one loop's OSR code
 * (c->osr_loop): that loop's and those of the loops it is in, marked
 * want[h] = 1 (scratch: mark, work, body; the dominators are current). */
static void osr_headers(bld *c, uint8_t *want, uint32_t *mark,
	uint32_t *work, uint64_t *body)
{
	ir_func *f = c->f;
	uint32_t t = UINT32_MAX, stamp = 0, nbody;
	for (uint32_t h = 0; h < f->nb && t == UINT32_MAX; h++)
		if (c->reach[h] && c->loop_no[h] && f->b[h].code_off == c->osr_loop)
			t = h;
	if (t == UINT32_MAX)
		return;         /* no such loop: no map */
	want[t] = 1;
	for (uint32_t h = 0; h < f->nb; h++) {
		if (h == t || !c->reach[h] || !c->loop_no[h] ||
		    f->b[h].rpo == UINT32_MAX || f->b[h].rpo > f->b[t].rpo)
			continue;       /* (an outer header comes first in RPO) */
		if (ir_loop_blocks(f, h, mark, ++stamp, work, body, &nbody) &&
		    mark[t] == stamp)
			want[h] = 1;
	}
}

static bool osr_maps(bld *c)
{
	ir_func *f = c->f;
	uint32_t nb = f->nb, w = c->words;
	uint64_t *in = calloc((size_t)nb * w + 1, sizeof *in);
	uint64_t *out = calloc((size_t)w + 1, sizeof *out);
	uint8_t *want = NULL;
	uint32_t *mark = NULL, *work = NULL;
	uint64_t *body = NULL;
	bool ok = false;
	if (!in || !out) {
		c->oom = true;
		goto done;
	}
	if (c->osr_loop != IR_OSR_ALL) {
		want = calloc(nb + 1, 1);
		mark = calloc(nb + 1, sizeof *mark);
		work = malloc((nb + 1) * sizeof *work);
		body = malloc((nb + 1) * sizeof *body);
		if (!want || !mark || !work || !body) {
			c->oom = true;
			goto done;
		}
		osr_headers(c, want, mark, work, body);
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
		if (!c->reach[h] || !c->loop_no[h] || (want && !want[h]))
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
	free(want);
	free(mark);
	free(work);
	free(body);
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
static bool infer_types(bld *c)
{
	ir_func *f = c->f;
	uint32_t nv = f->nv, nps = 0, nuses = 0;
	uint32_t *ord = calloc(nv ? nv : 1, sizeof *ord);
	ir_ref *ps = malloc((c->nmade ? c->nmade : 1) * sizeof *ps);
	uint32_t *start = NULL, *users = NULL, *queue = NULL, *fill = NULL;
	uint8_t *queued = NULL;
	bool ok = false;
	if (!ord || !ps)
		goto out;
	/* the phis and selects the build made and kept, in order (made,
	 * as they were made: the values in increasing order), each by its
	 * index in ps (ord: value -> 1 + index), so that no walk here goes
	 * over all the values */
	for (uint32_t i = 0; i < c->nmade; i++) {
		ir_ref r = c->made[i];
		if (phi_or_select(f, r)) {
			ps[nps] = r;
			ord[r] = ++nps;
		}
	}
	start = calloc((size_t)nps + 1, sizeof *start);
	queued = calloc(nps ? nps : 1, 1);
	queue = malloc((nps ? nps : 1) * sizeof *queue);
	fill = malloc((nps ? nps : 1) * sizeof *fill);
	if (!start || !queued || !queue || !fill)
		goto out;
	/* for each, the others that read it (by index) */
	for (uint32_t i = 0; i < nps; i++) {
		ir_ref r = ps[i];
		for (uint32_t k = f->v[r].op == IR_SELECT; k < f->v[r].nargs; k++) {
			ir_ref a = ir_args(f, r)[k];
			if (a && ord[a]) {
				start[ord[a]]++;
				nuses++;
			}
		}
	}
	for (uint32_t i = 0; i < nps; i++)
		start[i + 1] += start[i];
	users = malloc((nuses ? nuses : 1) * sizeof *users);
	if (!users)
		goto out;
	memcpy(fill, start, (size_t)nps * sizeof *fill);
	uint32_t head = 0, n = 0;
	for (uint32_t i = 0; i < nps; i++) {
		ir_ref r = ps[i];
		for (uint32_t k = f->v[r].op == IR_SELECT; k < f->v[r].nargs; k++) {
			ir_ref a = ir_args(f, r)[k];
			if (a && ord[a])
				users[fill[ord[a] - 1]++] = i;
		}
		queue[n++] = i;
		queued[i] = 1;
	}
	for (uint64_t visits = 0; n && visits < 64ull * nps; visits++) {
		uint32_t x = queue[head];
		ir_ref r = ps[x];
		head = (head + 1) % nps;
		n--;
		queued[x] = 0;
		enum ir_type best = operands_type(f, r);
		if (best == IRT_NONE || best == f->v[r].type)
			continue;
		f->v[r].type = (uint8_t)best;
		for (uint32_t u = start[x]; u < start[x + 1]; u++) {
			uint32_t q = users[u];
			if (!queued[q]) {
				queued[q] = 1;
				queue[(head + n++) % nps] = q;
			}
		}
	}
	for (uint32_t i = 0; i < nps; i++)
		if (f->v[ps[i]].type == IRT_NONE)
			f->v[ps[i]].type = IRT_I64;     /* no operand has a type: unused */
	ok = true;
out:
	free(ord);
	free(ps);
	free(start);
	free(queued);
	free(queue);
	free(fill);
	free(users);
	return ok;
}

static enum ir_type int_of_width(enum ir_type t)
{
	return ir_type_bytes[t] == 8 ? IRT_I64 : IRT_I32;
}

/* The type of operand k of r; IRT_NONE if it has none (yet). */
static inline enum ir_type arg_type(ir_func *f, ir_ref r, uint32_t k)
{
	ir_ref a = ir_args(f, r)[k];
	return a ? (enum ir_type)f->v[a].type : IRT_NONE;
}

/* The type operand k of r must have; IRT_NONE if any will do. */
static enum ir_type want(bld *c, ir_ref r, uint32_t k)
{
	ir_func *f = c->f;
	ir_insn *i = ir_at(f, r);
	const ir_op_info *oi = &ir_ops[i->op];
	enum ir_type at;
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
		return ft && k < ft->nparams ? ir_b_irt_of_wasm(functype_params(ft)[k]) : IRT_NONE;
	}
	switch (oi->kind[k < 3 ? k : 2]) {
	case IRK_T: return (enum ir_type)i->type;
	case IRK_A: return arg_type(f, r, 0);
	case IRK_SI: case IRK_SF: return (enum ir_type)i->aux;
	case IRK_I32: return IRT_I32;
	case IRK_I64: return IRT_I64;
	case IRK_F32: return IRT_F32;
	case IRK_F64: return IRT_F64;
	/* by the operand's own type, looked up only for these (for every
	 * operand it took 1.9M instructions more over the bench modules) */
	case IRK_INT:
		at = arg_type(f, r, k);
		return at == IRT_NONE ? IRT_NONE : int_of_width(at);
	case IRK_W32:
		at = arg_type(f, r, k);
		return at == IRT_NONE || ir_type_bytes[at] == 4 ? at : IRT_I32;
	case IRK_W64:
		at = arg_type(f, r, k);
		return at == IRT_NONE || ir_type_bytes[at] == 8 ? at : IRT_I64;
	default: return IRT_NONE;
	}
}

/* v reinterpreted as `to` (the slot's bits read as that type): up to
 * three unplaced instructions in ops[], in order; the value in *res.
 * Inline where nothing is to do (most operands: 133K calls over the
 * bench modules), the conversions out of line. */
static uint32_t coerce_ops(ir_func *f, ir_ref v, enum ir_type to, uint32_t site,
	ir_ref ops[3], ir_ref *res);

static inline uint32_t coerce(ir_func *f, ir_ref v, enum ir_type to, uint32_t site,
	ir_ref ops[3], ir_ref *res)
{
	enum ir_type from = (enum ir_type)f->v[v].type;
	*res = v;
	if (from == to || from == IRT_NONE || to == IRT_NONE)
		return 0;
	return coerce_ops(f, v, to, site, ops, res);
}

static __attribute__((noinline)) uint32_t coerce_ops(ir_func *f, ir_ref v,
	enum ir_type to, uint32_t site, ir_ref ops[3], ir_ref *res)
{
	enum ir_type from = (enum ir_type)f->v[v].type;
	uint32_t n = 0;
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
	if (!infer_types(c)) {
		c->oom = true;
		return false;
	}
	/* phis: their operands converted at the end of the predecessor.
	 * They lead their block's list (new_phi), but for the entry
	 * block's, among the constants ir_const puts in front */
	for (uint32_t b = 0; b < f->nb; b++) {
		for (uint32_t j = 0; j < f->b[b].ninsn; j++) {
			ir_ref r = f->b[b].insn[j];
			if (f->v[r].op != IR_PHI) {
				if (b)
					break;
				continue;
			}
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
	/* everything else: before the instruction, the block's list made
	 * again in `list` from its first conversion on and copied back
	 * (most blocks need none, and are not copied at all) */
	ir_ref *list = NULL;
	uint32_t cap = 0;
	for (uint32_t b = 0; b < f->nb && !f->oom; b++) {
		ir_block *bl = &f->b[b];
		const ir_ref *insn = bl->insn;  /* not changed in the walk */
		uint32_t n = 0, ni = bl->ninsn;
		bool copied = false;    /* list holds the block up to j */
		for (uint32_t j = 0; j < ni; j++) {
			ir_ref r = insn[j];
			uint32_t na = f->v[r].nargs;
			if (copied && !grow(c, (void **)&list, &cap, n + 3 * na + 1,
			    sizeof *list)) {
				f->oom = true;
				break;
			}
			if (f->v[r].op == IR_PHI || f->v[r].op == IR_RESULT)
				na = 0;
			for (uint32_t k = 0; k < na; k++) {
				ir_ref ops[3], res, a = ir_args(f, r)[k];
				if (a == IR_NONE)
					continue;
				/* coerce's nothing-to-do test first (most operands) */
				enum ir_type to = want(c, r, k), from = (enum ir_type)f->v[a].type;
				if (from == to || from == IRT_NONE || to == IRT_NONE)
					continue;
				res = a;        /* coerce_ops converts from *res */
				uint32_t m = coerce_ops(f, a, to, f->v[r].site, ops, &res);
				if (m && !copied) {
					if (!grow(c, (void **)&list, &cap, j + 3 * na + 1,
					    sizeof *list)) {
						f->oom = true;
						break;
					}
					memcpy(list, insn, j * sizeof *list);
					n = j;
					copied = true;
				}
				for (uint32_t q = 0; q < m; q++) {
					f->v[ops[q]].block = b;
					list[n++] = ops[q];
				}
				ir_args(f, r)[k] = res;
			}
			if (copied)
				list[n++] = r;
		}
		if (!copied || f->oom)
			continue;
		if (!ir_list_grow(f, &bl->insn, &bl->cap_insn, n))
			break;
		memcpy(bl->insn, list, n * sizeof *list);
		bl->ninsn = n;
	}
	free(list);
	return !f->oom;
}

/* ---- the whole ------------------------------------------------------------------------- */

/* Whether the code reachable from offset 0 makes more than `budget`
 * instructions through ir_b_emit, found by a walk along its branches
 * and fall-throughs that stops as soon as it has seen enough: ENTER's
 * entry check and parameters, and one at least for each instruction of
 * the families below (their IR is always one or more ops, and the fill
 * makes them all unless it is refused first).  A callee the inliner
 * asks about is then refused without a scan of its whole code (most of
 * them are big: 222 of the bench modules' 340 functions, 1 MB of
 * pre-decoded code beside the 37 KB of the others).  False if unsure
 * (out of memory, code the scan would refuse). */
static bool over_budget(bld *c, const functype *ft)
{
	uint32_t n = 1 + ft->nparams, len = c->fc->code_len, top = 0, cap = 0;
	uint32_t *stack = NULL;
	uint64_t *seen = calloc(len / 64 + 1, sizeof *seen);
	bool sure = seen != NULL;
	uint32_t off = 0;
	while (sure && n <= c->budget) {
		if (off >= len || (seen[off / 64] >> (off % 64) & 1)) {
			if (!top)
				break;
			off = stack[--top];
			continue;
		}
		seen[off / 64] |= 1ull << (off % 64);
		const char *why;
		const uint8_t *ip = c->code + off;
		uint32_t l = insn_len_in(ip, len - off, &why);
		if (!l) {
			sure = false;
			break;
		}
		enum interp_op op = insn_op(ip);
		switch ((enum op_family)op_infos[op].family) {
		case OPFAM_LOAD: case OPFAM_STORE: case OPFAM_INT_UNARY:
		case OPFAM_FLOAT_UNARY: case OPFAM_INT_BINARY: case OPFAM_INT_DIV:
		case OPFAM_FLOAT_BINARY: case OPFAM_INT_IMM: case OPFAM_CONVERT:
		case OPFAM_BR_CMP: case OPFAM_GLOBAL:
			n++;
			break;
		default:
			break;
		}
		uint32_t nt = insn_branch_count(ip);
		if (!ir_grow((void **)&stack, &cap, top + nt, sizeof *stack)) {
			sure = false;
			break;
		}
		for (uint32_t k = 0; k < nt; k++) {
			int64_t t = insn_branch_target(c->code, off, k);
			if (t >= 0 && t < len)
				stack[top++] = (uint32_t)t;
		}
		if (op == OP_RET || op == OP_UNREACHABLE || op == OP_EXIT ||
		    op == OP_BR || op_infos[op].layout == OPL_BR_TABLE)
			off = len;      /* no fall-through: next from the stack */
		else
			off += l;
	}
	free(stack);
	free(seen);
	return sure && n > c->budget;
}

static wasm_status build(wasm_module *m, uint32_t func_index,
	uint32_t budget, uint32_t osr, ir_func **out, wasm_error *err);

wasm_status ir_build(wasm_module *m, uint32_t func_index, ir_func **out,
	wasm_error *err)
{
	return build(m, func_index, 0,
		opt_osr_wanted(m->engine) ? IR_OSR_ALL : IR_OSR_NONE, out, err);
}

wasm_status ir_build_osr(wasm_module *m, uint32_t func_index, uint32_t osr,
	ir_func **out, wasm_error *err)
{
	return build(m, func_index, 0, osr, out, err);
}

/* With a budget (the inliner's), always with OSR maps: they are never
 * copied, but the phis the maps may add at headers (entry_value) count in
 * ir_inlinable's size, so a callee is inlined under --tier=opt exactly
 * when it is under auto. */
wasm_status ir_build_bounded(wasm_module *m, uint32_t func_index,
	uint32_t budget, ir_func **out, wasm_error *err)
{
	return build(m, func_index, budget, budget || opt_osr_wanted(m->engine) ?
		IR_OSR_ALL : IR_OSR_NONE, out, err);
}

static wasm_status build(wasm_module *m, uint32_t func_index,
	uint32_t budget, uint32_t osr, ir_func **out, wasm_error *err)
{
	*out = NULL;
	if (func_index >= m->nfuncs || func_index < m->nfunc_imports)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX,
			"function %u is not a defined function", func_index);
	struct fcode *fc = fcode_get(m, func_index);
	if (!fc)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	bld cc = { .m = m, .fc = fc, .code = fc->code, .budget = budget }, *c = &cc;
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
		f->result_types[k] = (uint8_t)ir_b_irt_of_wasm(functype_results(ft)[k]);
	if (fc->code_len < op_layouts[OPL_ENTER].len || !is_enter(insn_op(fc->code))) {
		ir_b_refuse(c, "no ENTER at the start");
		goto out;
	}
	c->nslots = OP_AT(fc->code, ENTER)->frame;
	if (c->nslots > 65536) {
		ir_b_refuse(c, "slot outside the frame");
		goto out;
	}
	f->nslots = c->nslots;
	c->nlocals = fc->nlocals;
	if (c->budget && over_budget(c, ft)) {
		ir_b_refuse(c, "over the instruction budget");
		goto out;
	}
	if (!scan(c))
		goto out;
	uint32_t nb = f->nb;
	c->words = (c->nslots + 63) / 64;
	/* OSR maps where a frame can enter tier 2 at a loop (and in the
	 * inliner's bounded builds, above) */
	c->osr = osr != IR_OSR_NONE;
	c->osr_loop = osr;
	/* the arrays by block and by slot, zero, cut from one allocation
	 * (a calloc and a free each took 1.1M instructions more over the
	 * bench modules' builds, the inliner's included), but for the slot
	 * map: with it, printf_core's passed malloc's mmap threshold (128
	 * KB), fresh pages each time (30 page faults more over the 15 bench
	 * modules' compiles).  The slot map dense if it fits CUR_DENSE_MAX,
	 * and so the entry values, at most one per header and slot (else
	 * hashes: grown by doubling, 72 KB for printf_core's 1,585) */
	size_t ngk = c->osr ? (size_t)nb * c->words + 1 : 0;     /* gen, kill */
	size_t ncur = (size_t)nb * c->nslots <= CUR_DENSE_MAX ? (size_t)nb * c->nslots + 1 : 0;
	size_t nent = c->osr && c->nloops && (size_t)c->nloops * c->nslots <= CUR_DENSE_MAX ?
		(size_t)c->nloops * c->nslots + 1 : 0;
	if (ncur && !(c->cur_dense = calloc(ncur, sizeof *c->cur_dense)))
		goto out;
	char *at = c->fill_mem = calloc(1, 2 * ngk * sizeof(uint64_t) + R8(nent * sizeof(ir_ref)) +
		9 * R8(nb * sizeof(uint32_t)) + R8((nb + 1) * sizeof(uint32_t)) +
		R8((c->nslots + 1) * sizeof(uint32_t)) + 3 * R8(nb));
	if (!at)
		goto out;
	c->gen = ngk ? (uint64_t *)cut(&at, ngk * sizeof(uint64_t)) : NULL;
	c->kill = ngk ? (uint64_t *)cut(&at, ngk * sizeof(uint64_t)) : NULL;
	c->entry_dense = nent ? (ir_ref *)cut(&at, nent * sizeof(ir_ref)) : NULL;
	c->loop_no = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->inc_head = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->nphi = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->wrote = (uint32_t *)cut(&at, (c->nslots + 1) * sizeof(uint32_t));
	c->min_latch = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->wr_base = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->lp = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->lp_outer = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->lp_inner = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->scr1 = (uint32_t *)cut(&at, (nb + 1) * sizeof(uint32_t));
	c->scr2 = (uint32_t *)cut(&at, nb * sizeof(uint32_t));
	c->sealed = (uint8_t *)cut(&at, nb);
	c->filled = (uint8_t *)cut(&at, nb);
	c->reach = (uint8_t *)cut(&at, nb);
	if (!edges(c) || !min_latches(c))
		goto out;
	/* the values' array at about the size the fill makes, at once: the
	 * bench functions of more than a few hundred values make 0.06 to
	 * 0.09 values a byte of pre-decoded code in the build, a few more
	 * in the passes (printf_core 2,237 and 2,309 in 26 KB), and growing
	 * from 64 by doubling copied printf_core's six times.  A tenth of
	 * the bytes (smaller functions past it grow to IR_V_SECOND), but no
	 * more than malloc serves from its heap (V_HEAP_MAX_BYTES) unless
	 * the fewest a function makes (a sixteenth) pass that too: an array
	 * past malloc's mmap threshold is fresh pages, unmapped when freed,
	 * where one under it reuses the heap's and leaves its pages to
	 * register allocation (the IR is freed before it).  printf_core's
	 * 3,292 (an eighth, 158 KB) took 33 page faults more than its
	 * 2,633, and the rest of an over-large reservation in the heap
	 * pushes what comes after it onto fresh pages.  Not for the
	 * inliner's bounded builds, which stop at a few dozen. */
	if (!c->budget) {
		uint32_t want = fc->code_len / 10 + 1,
		         heap = V_HEAP_MAX_BYTES / sizeof(ir_insn);
		if (want > heap && fc->code_len / 16 < heap)
			want = heap;
		if (!ir_reserve_v(f, want))
			goto out;
	}
	/* (no LOOP, no map: the liveness osr_maps computes first is not
	 * needed, as in most of the inliner's bounded builds).  The
	 * dominators before the fill, for read_rec (the fill leaves the
	 * CFG as it is) */
	if (!ir_dom_compute(f) || !loop_writes(c) || !fill(c) ||
	    (c->osr && c->nloops && !osr_maps(c)))
		goto out;
	resolve_removed(c);
	ir_compact(f);          /* the removed phis' NOPs; retype makes none */
	if (!retype(c))
		goto out;
	/* the dominators for the passes, current (computed before the
	 * fill) */
	if (!ir_dom_compute(f) || f->oom)
		goto out;
	/* whether callers may inline it, known now for free: the inliner
	 * need not build it again to find out (func_t.opt_inline) */
	uint32_t ninsn;
	atomic_store_explicit(&m->funcs[func_index].opt_inline,
		ir_inlinable(f, &ninsn) ? OPT_INLINE_YES : OPT_INLINE_NO,
		memory_order_relaxed);
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
	free(c->fill_mem);
	free(c->cur_dense);
	free(c->starts);
	free(c->rank);
	free(c->is_insn);
	free(c->cur.key);
	free(c->cur.val);
	free(c->entry.key);
	free(c->entry.val);
	free(c->inc);
	free(c->chain);
	free(c->vals);
	free(c->wr);
	free(c->lp_wr);
	free(c->lp_base);
	free(c->lp_entry);
	free(c->fwd);
	free(c->made);
	free(c->use_head);
	free(c->uses);
	free(c->work);
	return st;
}
