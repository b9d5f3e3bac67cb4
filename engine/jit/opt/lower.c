/* lower.c -- tier 2's instruction selection: IR -> MIR (mir.h).
 *
 * Blocks go in the IR's reverse postorder, each edge that needs a split
 * (a successor with phis, reached from a block with two successors)
 * getting its own block right after its predecessor.  Every IR value gets
 * a virtual register, except constants (immediates where the instruction
 * takes one, else a `movi` right before the use: they are never kept
 * live) and values fused into their one user.  Patterns:
 *
 *   iadd x, y / iadd x, c / isub x, c      lea d, [x + y] / [x + c] / [x - c]
 *   iadd x, (ishl y, 1..3)                 lea d, [x + y*2..8]
 *   iadd (iadd x, y), c (the inner used once)  lea d, [x + y*1..8 + c]
 *      (size 4: the lea wraps at 32 bits, as wasm's i32.add)
 *   load [a + off] / store                 [r15 + a + off] (a is the
 *      zero-extended i32; off <= 2^31 - 1 as a displacement, beyond that
 *      a 64-bit add; the guard region makes the access its own bounds check)
 *   branch (cmp x, y) / branch (eqz x)     cmp x, y; jcc / test x, x; je
 *   select (cmp x, y), a, b                mov d, b; cmp x, y; cmovcc d, a
 *   idiv/irem                              mov rax, a; div b (the checks
 *      are in the DIV's expansion: out-of-line trap tails); mov d, rax/rdx
 *   shift by a value                       mov rcx, n; shl d, cl
 *   call f (args a...)                     [rbx + 8*(base+k)] = a_k; call;
 *                                          results from [rbx + 8*(base+k)]
 *
 * What is not lowered yet is refused with a named reason (floats, calls to
 * imports and indirect calls, br_table, tables, bulk memory, memory.size
 * and memory.grow, references).
 */
#include "jit/opt/mir.h"
#include "common/error.h"
#include "interp/fcode.h"
#include "interp/ops.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

const mir_op_info mir_ops[MIR_OP_COUNT_] = {
#define MIR_INFO_(n, s, d, a, b, t) [MIR_##n] = { s, { MR_##d, MR_##a, MR_##b }, t },
	MIR_OPS(MIR_INFO_)
#undef MIR_INFO_
};

typedef struct {
	wasm_module *m;
	ir_func *f;
	mir_func *mf;
	const struct fcode *fc;
	mir_reg *vr;            /* per IR value */
	uint32_t *uses;         /* per IR value */
	bool *fused;            /* per IR value: lowered at its one user */
	uint32_t *mb_of;        /* IR block -> MIR block */
	uint32_t (*split)[2];   /* IR block, successor k -> MIR split block
	                           (UINT32_MAX: none) */
	uint32_t cur;           /* MIR block being filled */
	ir_ref at;              /* IR instruction being lowered */
	const char *refusal;
	bool oom;
	bool lzcnt, tzcnt, popcnt;
} lw;

static void refuse(lw *c, const char *why)
{
	if (!c->refusal)
		c->refusal = why;
}

static mir_reg vreg(lw *c, unsigned size)
{
	mir_func *mf = c->mf;
	if (!ir_grow((void **)&mf->vsize, &mf->cap_v, mf->nv + 1, 1)) {
		c->oom = true;
		return MIR_FIRST_VIRT;
	}
	mf->vsize[mf->nv] = (uint8_t)size;
	return mf->nv++;
}

static mir_insn *ins(lw *c, enum mir_op op, unsigned size, mir_reg d,
	mir_reg a, mir_reg b)
{
	static mir_insn sink;
	mir_block *bl = &c->mf->b[c->cur];
	if (!ir_grow((void **)&bl->insn, &bl->cap, bl->n + 1, sizeof *bl->insn)) {
		c->oom = true;
		memset(&sink, 0, sizeof sink);
		return &sink;
	}
	mir_insn *i = &bl->insn[bl->n++];
	*i = (mir_insn){ .op = (uint8_t)op, .size = (uint8_t)size, .d = d, .a = a,
		.b = b };
	if (c->at != IR_NONE)
		i->site = ir_at(c->f, c->at)->site;
	return i;
}

static unsigned tsize(lw *c, enum ir_type t)
{
	if (t == IRT_I32)
		return 4;
	if (t == IRT_I64)
		return 8;
	refuse(c, t == IRT_F32 || t == IRT_F64 ? "float values are not lowered yet"
		: "a value without a type");
	return 8;
}

/* A constant's bits as its type holds them (i32: zero-extended). */
static uint64_t cbits(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	return ir_type_bytes[i->type] == 4 ? (uint32_t)i->imm : i->imm;
}

/* Constant r as a sign-extended imm32 for an operation of `size`. */
static bool imm32(lw *c, ir_ref r, unsigned size, int32_t *out)
{
	if (!ir_is_const(c->f, r))
		return false;
	uint64_t v = cbits(c, r);
	if (size == 4) {
		*out = (int32_t)(uint32_t)v;
		return true;
	}
	if ((int64_t)v < INT32_MIN || (int64_t)v > INT32_MAX)
		return false;
	*out = (int32_t)(int64_t)v;
	return true;
}

/* The register holding IR value r (constants: materialized here). */
static mir_reg val(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	if (i->op == IR_CONST) {
		mir_reg d = vreg(c, tsize(c, (enum ir_type)i->type));
		ins(c, MIR_MOVI, 8, d, 0, 0)->imm = (int64_t)cbits(c, r);
		return d;
	}
	if (c->vr[r] == MIR_NOREG) {
		refuse(c, "a value used before it is lowered");
		return vreg(c, 8);
	}
	return c->vr[r];
}

static mir_reg def(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	if (c->vr[r] == MIR_NOREG)
		c->vr[r] = vreg(c, tsize(c, (enum ir_type)i->type));
	return c->vr[r];
}

/* d = r (a register copy or a constant). */
static void move_into(lw *c, mir_reg d, unsigned size, ir_ref r)
{
	if (ir_is_const(c->f, r))
		ins(c, MIR_MOVI, 8, d, 0, 0)->imm = (int64_t)cbits(c, r);
	else
		ins(c, MIR_MOV, size, d, val(c, r), 0);
}

/* ---- compares ------------------------------------------------------------ */

static bool is_icmp(enum ir_op op)
{
	return op == IR_IEQZ || (op >= IR_IEQ && op <= IR_IGEU);
}

static x64_cc cmp_cc(enum ir_op op)
{
	switch (op) {
	case IR_IEQ: return X64_CC_E;
	case IR_INE: return X64_CC_NE;
	case IR_ILTS: return X64_CC_L;
	case IR_ILTU: return X64_CC_B;
	case IR_IGTS: return X64_CC_G;
	case IR_IGTU: return X64_CC_A;
	case IR_ILES: return X64_CC_LE;
	case IR_ILEU: return X64_CC_BE;
	case IR_IGES: return X64_CC_GE;
	default: return X64_CC_AE;   /* IGEU */
	}
}

/* a < b == b > a */
static x64_cc cc_swap(x64_cc cc)
{
	switch (cc) {
	case X64_CC_L: return X64_CC_G;
	case X64_CC_G: return X64_CC_L;
	case X64_CC_LE: return X64_CC_GE;
	case X64_CC_GE: return X64_CC_LE;
	case X64_CC_B: return X64_CC_A;
	case X64_CC_A: return X64_CC_B;
	case X64_CC_BE: return X64_CC_AE;
	case X64_CC_AE: return X64_CC_BE;
	default: return cc;
	}
}

/* Set the flags for compare r (IEQZ or a two-operand compare); its
 * condition code. */
static x64_cc flags_of(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->aux);
	if (i->op == IR_IEQZ) {
		ins(c, MIR_TEST, size, 0, val(c, a[0]), 0);
		return X64_CC_E;
	}
	x64_cc cc = cmp_cc((enum ir_op)i->op);
	ir_ref x = a[0], y = a[1];
	int32_t imm;
	if (ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
		cc = cc_swap(cc);
	}
	if (imm32(c, y, size, &imm)) {
		mir_insn *k = ins(c, MIR_CMP, size, 0, val(c, x), 0);
		k->hasimm = true;
		k->imm = imm;
	} else {
		mir_reg rx = val(c, x), ry = val(c, y);
		ins(c, MIR_CMP, size, 0, rx, ry);
	}
	return cc;
}

/* Flags for a branch or select condition: a fused compare, or value != 0. */
static x64_cc cond(lw *c, ir_ref r)
{
	if (c->fused[r])
		return flags_of(c, r);
	ir_insn *i = ir_at(c->f, r);
	ins(c, MIR_TEST, tsize(c, (enum ir_type)i->type), 0, val(c, r), 0);
	return X64_CC_NE;
}

/* ---- the ops ------------------------------------------------------------- */

static void lower_alu(lw *c, ir_ref r, x64_alu op, bool commutes)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	ir_ref x = a[0], y = a[1];
	int32_t imm;
	if (commutes && ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
	}
	mir_reg d = def(c, r);
	if (imm32(c, y, size, &imm)) {
		move_into(c, d, size, x);
		mir_insn *k = ins(c, MIR_ALU, size, d, 0, 0);
		k->aux = op;
		k->hasimm = true;
		k->imm = imm;
		return;
	}
	mir_reg ry = val(c, y);
	move_into(c, d, size, x);
	ins(c, MIR_ALU, size, d, ry, 0)->aux = op;
}

/* ishl y, 1..3 (its scale), fusable into a lea. */
static unsigned scale_of(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	if (i->op != IR_ISHL || c->uses[r] != 1)
		return 0;
	ir_ref k = ir_args(c->f, r)[1];
	if (!ir_is_const(c->f, k))
		return 0;
	uint64_t n = cbits(c, k) & (i->type == IRT_I32 ? 31 : 63);
	return n >= 1 && n <= 3 ? 1u << n : 0;
}

/* lea d, [p + q*scale + disp] for r = p + q (+ disp), q possibly a
 * fused ishl (its scale). */
static void lea_sum(lw *c, ir_ref r, ir_ref p, ir_ref q, unsigned size, int32_t disp)
{
	if (c->fused[p]) {
		ir_ref t = p;
		p = q;
		q = t;
	}
	unsigned sc = 1;
	if (c->fused[q]) {
		sc = scale_of(c, q);
		q = ir_args(c->f, q)[0];
	}
	mir_reg rp = val(c, p), rq = val(c, q);
	mir_insn *k = ins(c, MIR_LEA, size, def(c, r), rp, rq);
	k->aux = sc;
	k->imm = disp;
}

/* (p + q) + c with p + q used only here: one three-operand lea. */
static bool lea3_inner(lw *c, ir_ref r)
{
	ir_func *f = c->f;
	ir_ref *a = ir_args(f, r);
	int32_t imm;
	ir_ref x = a[0];
	if (f->v[r].op != IR_IADD || ir_is_const(f, x) || f->v[x].op != IR_IADD ||
	    c->uses[x] != 1 || f->v[x].type != f->v[r].type ||
	    f->v[x].block != f->v[r].block ||
	    !imm32(c, a[1], f->v[r].type == IRT_I64 ? 8 : 4, &imm))
		return false;
	ir_ref *b = ir_args(f, x);
	return !ir_is_const(f, b[0]) && !ir_is_const(f, b[1]);
}

static void lower_add(lw *c, ir_ref r, bool sub)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	ir_ref x = a[0], y = a[1];
	int32_t imm;
	if (sub) {
		if (imm32(c, y, size, &imm) && imm != INT32_MIN) {
			mir_reg rx = val(c, x);
			mir_insn *k = ins(c, MIR_LEA, size, def(c, r), rx, 0);
			k->imm = -(int64_t)imm;
			k->aux = 1;
			return;
		}
		lower_alu(c, r, X64_ALU_SUB, false);
		return;
	}
	if (ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
	}
	if (imm32(c, y, size, &imm)) {
		if (ir_is_const(c->f, x)) {
			lower_alu(c, r, X64_ALU_ADD, true);
			return;
		}
		if (c->fused[x]) {              /* (p + q) + imm */
			ir_ref *b = ir_args(c->f, x);
			lea_sum(c, r, b[0], b[1], size, imm);
			return;
		}
		mir_reg rx = val(c, x);
		mir_insn *k = ins(c, MIR_LEA, size, def(c, r), rx, 0);
		k->imm = imm;
		k->aux = 1;
		return;
	}
	lea_sum(c, r, x, y, size, 0);       /* x + y, x + (z << k) */
}

static void lower_mul(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	ir_ref x = a[0], y = a[1];
	int32_t imm;
	if (ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
	}
	if (imm32(c, y, size, &imm)) {
		mir_reg rx = val(c, x);
		ins(c, MIR_IMULI, size, def(c, r), rx, 0)->imm = imm;
		return;
	}
	mir_reg ry = val(c, y);
	mir_reg d = def(c, r);
	move_into(c, d, size, x);
	ins(c, MIR_IMUL, size, d, ry, 0);
}

static void lower_shift(lw *c, ir_ref r, x64_shift op)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	mir_reg d = def(c, r);
	if (ir_is_const(c->f, a[1])) {
		move_into(c, d, size, a[0]);
		mir_insn *k = ins(c, MIR_SHIFT, size, d, 0, 0);
		k->aux = op;
		k->hasimm = true;
		k->imm = (int64_t)(cbits(c, a[1]) & (size * 8 - 1));
		return;
	}
	move_into(c, d, size, a[0]);
	move_into(c, MIR_PHYS(X64_RCX), 4, a[1]);
	ins(c, MIR_SHIFT, size, d, MIR_PHYS(X64_RCX), 0)->aux = op;
}

static void lower_div(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	bool rem = i->op == IR_IREMS || i->op == IR_IREMU;
	bool sgn = i->op == IR_IDIVS || i->op == IR_IREMS;
	mir_reg rb = val(c, a[1]);
	move_into(c, MIR_PHYS(X64_RAX), size, a[0]);
	ins(c, MIR_DIV, size, 0, rb, 0)->aux =
		(sgn ? MIR_DIV_SIGNED : 0u) | (rem ? MIR_DIV_REM : 0u);
	ins(c, MIR_MOV, size, def(c, r), MIR_PHYS(rem ? X64_RDX : X64_RAX), 0);
}

/* The address operand of a load or store: register (or none) and
 * displacement, with off > 2^31 - 1 folded into a 64-bit register. */
static void address(lw *c, ir_ref addr, uint64_t off, mir_reg *base, int32_t *disp)
{
	if (ir_is_const(c->f, addr)) {
		uint64_t ea = (uint32_t)cbits(c, addr) + off;
		if (ea <= INT32_MAX) {
			*base = MIR_NOREG;
			*disp = (int32_t)ea;
			return;
		}
		*base = vreg(c, 8);
		ins(c, MIR_MOVI, 8, *base, 0, 0)->imm = (int64_t)ea;
		*disp = 0;
		return;
	}
	mir_reg ra = val(c, addr);
	if (off <= INT32_MAX) {
		*base = ra;
		*disp = (int32_t)off;
		return;
	}
	*base = vreg(c, 8);
	ins(c, MIR_MOVI, 8, *base, 0, 0)->imm = (int64_t)off;
	ins(c, MIR_ALU, 8, *base, ra, 0)->aux = X64_ALU_ADD;
	*disp = 0;
}

static void lower_load(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type), bytes;
	switch (i->op) {
	case IR_LOAD: bytes = size; break;
	case IR_LOAD8S: bytes = 1 | MIR_SIGNED; break;
	case IR_LOAD8U: bytes = 1; break;
	case IR_LOAD16S: bytes = 2 | MIR_SIGNED; break;
	case IR_LOAD16U: bytes = 2; break;
	default: bytes = 4 | MIR_SIGNED; break;     /* LOAD32S */
	}
	mir_reg base;
	int32_t disp;
	address(c, ir_args(c->f, r)[0], i->imm, &base, &disp);
	mir_insn *k = ins(c, MIR_LOAD, size, def(c, r), base, 0);
	k->imm = disp;
	k->aux = bytes;
}

static void lower_store(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned bytes = i->op == IR_STORE8 ? 1 : i->op == IR_STORE16 ? 2 :
		i->op == IR_STORE32 ? 4 : 8;
	ir_insn *v = ir_at(c->f, a[1]);
	(void)tsize(c, (enum ir_type)v->type);
	mir_reg base, rv = MIR_NOREG;
	int32_t disp, imm = 0;
	bool isimm = imm32(c, a[1], bytes == 8 ? 8 : 4, &imm);
	if (!isimm)
		rv = val(c, a[1]);
	address(c, a[0], i->imm, &base, &disp);
	mir_insn *k = ins(c, MIR_STORE, bytes == 8 ? 8 : 4, 0, base, rv);
	k->aux = bytes;
	k->hasimm = isimm;
	k->imm = isimm ? imm : 0;
	k->slot = (uint32_t)disp;
}

/* [rbx + 8*slot] = value r, the whole slot (i32 zero-extended). */
static void store_slot(lw *c, uint32_t slot, ir_ref r)
{
	ir_insn *v = ir_at(c->f, r);
	unsigned size = tsize(c, (enum ir_type)v->type);
	int32_t imm;
	if (ir_is_const(c->f, r) && imm32(c, r, 8, &imm) &&
	    (size == 8 || imm >= 0)) {
		mir_insn *k = ins(c, MIR_STSLOT, 8, 0, 0, 0);
		k->hasimm = true;
		k->imm = imm;
		k->slot = slot;
		return;
	}
	ins(c, MIR_STSLOT, 8, 0, val(c, r), 0)->slot = slot;
}

static void lower_call(lw *c, ir_ref r, uint32_t blk, uint32_t pos)
{
	ir_insn *i = ir_at(c->f, r);
	if (i->op == IR_CALL_IMPORT) {
		refuse(c, "calls to imported functions are not lowered yet");
		return;
	}
	if (i->op == IR_CALL_INDIRECT) {
		refuse(c, "call_indirect is not lowered yet");
		return;
	}
	const uint8_t *ip = c->fc->code + i->site;
	if (i->site >= c->fc->code_len || insn_op(ip) != OP_CALL) {
		refuse(c, "a call without its CALL instruction");
		return;
	}
	uint32_t base = OP_AT(ip, CALL)->base;
	ir_ref *a = ir_args(c->f, r);
	for (uint32_t k = 0; k < i->nargs; k++)
		store_slot(c, base + k, a[k]);
	mir_insn *k = ins(c, MIR_CALL, 8, 0, 0, 0);
	k->imm = i->aux;
	k->slot = base;
	/* the results, straight away (the next call reuses these slots) */
	ir_block *bl = &c->f->b[blk];
	for (uint32_t j = pos + 1; j < bl->ninsn; j++) {
		ir_ref q = bl->insn[j];
		ir_insn *qi = ir_at(c->f, q);
		if (qi->op != IR_RESULT || ir_args(c->f, q)[0] != r)
			continue;
		mir_reg d = def(c, q);
		ins(c, MIR_LDSLOT, c->mf->vsize[d], d, 0, 0)->slot = base + qi->aux;
	}
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
			mv->src = val(c, src);
			mv->imm = 0;
		}
	}
	if (mf->nmoves > first) {
		mir_insn *pm = ins(c, MIR_PMOV, 8, 0, 0, 0);
		pm->imm = first;
		pm->aux = mf->nmoves - first;
	}
}

static bool has_phis(ir_func *f, uint32_t b)
{
	return f->b[b].ninsn && f->v[f->b[b].insn[0]].op == IR_PHI;
}

/* Occurrence number of successor k among b's successors equal to it. */
static uint32_t occurrence(ir_func *f, uint32_t b, uint32_t k)
{
	uint32_t n = 0;
	for (uint32_t j = 0; j < k; j++)
		n += f->b[b].succ[j] == f->b[b].succ[k];
	return n;
}

static void lower_term(lw *c, uint32_t blk, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_block *bl = &c->f->b[blk];
	mir_block *mb = &c->mf->b[c->cur];
	switch (i->op) {
	case IR_JUMP:
		if (has_phis(c->f, bl->succ[0]))
			edge_moves(c, blk, bl->succ[0], 0);
		ins(c, MIR_JMP, 8, 0, 0, 0);
		mb = &c->mf->b[c->cur];
		mb->succ[0] = c->mb_of[bl->succ[0]];
		mb->nsucc = 1;
		break;
	case IR_BRANCH: {
		x64_cc cc = cond(c, ir_args(c->f, r)[0]);
		ins(c, MIR_JCC, 8, 0, 0, 0)->cc = (uint8_t)cc;
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
			ins(c, MIR_JMP, 8, 0, 0, 0);
			c->mf->b[s].succ[0] = c->mb_of[bl->succ[k]];
			c->mf->b[s].nsucc = 1;
		}
		c->cur = from;
		break;
	}
	case IR_RET: {
		ir_ref *a = ir_args(c->f, r);
		for (uint32_t k = 0; k < i->nargs; k++)
			store_slot(c, k, a[k]);
		ins(c, MIR_RET, 8, 0, 0, 0);
		break;
	}
	case IR_TRAP:
		ins(c, MIR_TRAP, 8, 0, 0, 0)->aux = i->aux;
		break;
	case IR_SWITCH:
		refuse(c, "br_table is not lowered yet");
		break;
	default:
		refuse(c, "an unknown terminator");
		break;
	}
}

static void lower_insn(lw *c, uint32_t blk, uint32_t pos, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	c->at = r;
	if (c->fused[r])
		return;
	switch (i->op) {
	case IR_NOP: case IR_CONST: case IR_PHI: case IR_RESULT:
		break;          /* phis: moves on the edges; results: at their call */
	case IR_PARAM: {
		mir_reg d = def(c, r);
		ins(c, MIR_LDSLOT, c->mf->vsize[d], d, 0, 0)->slot = i->aux;
		break;
	}
	case IR_COPY: {
		mir_reg d = def(c, r);
		move_into(c, d, c->mf->vsize[d], a[0]);
		break;
	}
	case IR_SELECT: {
		unsigned size = tsize(c, (enum ir_type)i->type);
		mir_reg ra = val(c, a[1]);
		mir_reg d = def(c, r);
		move_into(c, d, size, a[2]);
		x64_cc cc = cond(c, a[0]);
		ins(c, MIR_CMOV, size, d, ra, 0)->cc = (uint8_t)cc;
		break;
	}
	case IR_BITCAST:
		refuse(c, "bitcasts (float values) are not lowered yet");
		break;
	case IR_IADD: lower_add(c, r, false); break;
	case IR_ISUB: lower_add(c, r, true); break;
	case IR_IMUL: lower_mul(c, r); break;
	case IR_IAND: lower_alu(c, r, X64_ALU_AND, true); break;
	case IR_IOR: lower_alu(c, r, X64_ALU_OR, true); break;
	case IR_IXOR: lower_alu(c, r, X64_ALU_XOR, true); break;
	case IR_ISHL: lower_shift(c, r, X64_SH_SHL); break;
	case IR_ISHRS: lower_shift(c, r, X64_SH_SAR); break;
	case IR_ISHRU: lower_shift(c, r, X64_SH_SHR); break;
	case IR_IROTL: lower_shift(c, r, X64_SH_ROL); break;
	case IR_IROTR: lower_shift(c, r, X64_SH_ROR); break;
	case IR_IDIVS: case IR_IDIVU: case IR_IREMS: case IR_IREMU:
		lower_div(c, r);
		break;
	case IR_ICLZ: case IR_ICTZ: case IR_IPOPCNT: {
		unsigned kind = i->op == IR_ICLZ ? 0 : i->op == IR_ICTZ ? 1 : 2;
		if (!(kind == 0 ? c->lzcnt : kind == 1 ? c->tzcnt : c->popcnt)) {
			refuse(c, "clz/ctz/popcnt without the CPU's LZCNT/BMI1/POPCNT");
			break;
		}
		mir_reg ra = val(c, a[0]);
		ins(c, MIR_BITCNT, tsize(c, (enum ir_type)i->type), def(c, r), ra, 0)->aux = kind;
		break;
	}
	case IR_IEXT8S: case IR_IEXT16S: case IR_IEXT32S: {
		mir_reg ra = val(c, a[0]);
		ins(c, MIR_EXT, tsize(c, (enum ir_type)i->type), def(c, r), ra, 0)->aux =
			i->op == IR_IEXT8S ? 1 : i->op == IR_IEXT16S ? 2 : 4;
		break;
	}
	case IR_EXTU: case IR_WRAP:
		/* a 32-bit mov: zero-extends / drops the upper half */
		move_into(c, def(c, r), 4, a[0]);
		break;
	case IR_IEQZ: case IR_IEQ: case IR_INE: case IR_ILTS: case IR_ILTU:
	case IR_IGTS: case IR_IGTU: case IR_ILES: case IR_ILEU: case IR_IGES:
	case IR_IGEU: {
		x64_cc cc = flags_of(c, r);
		ins(c, MIR_SETCC, 4, def(c, r), 0, 0)->cc = (uint8_t)cc;
		break;
	}
	case IR_LOAD: case IR_LOAD8S: case IR_LOAD8U: case IR_LOAD16S:
	case IR_LOAD16U: case IR_LOAD32S:
		lower_load(c, r);
		break;
	case IR_STORE8: case IR_STORE16: case IR_STORE32: case IR_STORE64:
		lower_store(c, r);
		break;
	case IR_GLOBAL_GET: {
		mir_reg d = def(c, r);
		ins(c, MIR_GLOBAL_GET, c->mf->vsize[d], d, 0, 0)->slot = i->aux;
		break;
	}
	case IR_GLOBAL_SET: {
		(void)tsize(c, (enum ir_type)ir_at(c->f, a[0])->type);
		mir_reg ra = val(c, a[0]);
		ins(c, MIR_GLOBAL_SET, 8, 0, ra, 0)->slot = i->aux;
		break;
	}
	case IR_CALL: case IR_CALL_IMPORT: case IR_CALL_INDIRECT:
		lower_call(c, r, blk, pos);
		break;
	case IR_ENTRY_CHECK:
		ins(c, MIR_ENTRY, 8, 0, 0, 0)->aux = i->aux;
		break;
	case IR_LOOP_CHECK:
		ins(c, MIR_LOOPCHK, 8, 0, 0, 0)->aux = i->aux;
		break;
	default:
		if (ir_ops[i->op].effects & IRE_CTRL)
			lower_term(c, blk, r);
		else if (ir_ops[i->op].cls == IRC_FLT || i->type == IRT_F32 ||
			 i->type == IRT_F64 || (i->op >= IR_TRUNCS && i->op <= IR_PROMOTE))
			refuse(c, "float ops are not lowered yet");
		else if (i->op >= IR_MEMORY_SIZE && i->op <= IR_DATA_DROP)
			refuse(c, "memory.size, memory.grow and bulk memory are not lowered yet");
		else if (i->op >= IR_TABLE_GET && i->op <= IR_REF_FUNC)
			refuse(c, "tables and references are not lowered yet");
		else
			refuse(c, "an op the lowering does not know");
		break;
	}
}

/* ---- the function ----------------------------------------------------------- */

static uint32_t new_block(lw *c, uint32_t irb)
{
	mir_func *mf = c->mf;
	if (!ir_grow((void **)&mf->b, &mf->cap_b, mf->nb + 1, sizeof *mf->b)) {
		c->oom = true;
		return 0;
	}
	mf->b[mf->nb] = (mir_block){ .ir_block = irb };
	return mf->nb++;
}

/* Uses, and the values lowered at their one user. */
static void analyse(lw *c)
{
	ir_func *f = c->f;
	for (uint32_t bi = 0; bi < f->nb; bi++) {
		ir_block *bl = &f->b[bi];
		if (bl->dead)
			continue;
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref r = bl->insn[j];
			ir_insn *i = ir_at(f, r);
			ir_ref *a = ir_args(f, r);
			for (uint32_t k = 0; k < i->nargs; k++)
				if (a[k] != IR_NONE)
					c->uses[a[k]]++;
		}
	}
	for (uint32_t bi = 0; bi < f->nb; bi++) {
		ir_block *bl = &f->b[bi];
		if (bl->dead)
			continue;
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref r = bl->insn[j];
			ir_insn *i = ir_at(f, r);
			ir_ref *a = ir_args(f, r);
			if ((i->op == IR_BRANCH || i->op == IR_SELECT) &&
			    c->uses[a[0]] == 1 && is_icmp((enum ir_op)f->v[a[0]].op))
				c->fused[a[0]] = true;
			if (i->op == IR_IADD && !ir_is_const(f, a[0]) &&
			    !ir_is_const(f, a[1])) {
				if (scale_of(c, a[1]))
					c->fused[a[1]] = true;
				else if (scale_of(c, a[0]))
					c->fused[a[0]] = true;
			}
			if (lea3_inner(c, r))
				c->fused[a[0]] = true;
		}
	}
}

wasm_status mir_lower(wasm_module *m, ir_func *f, mir_func **out,
	wasm_error *err)
{
	*out = NULL;
	lw c = { .m = m, .f = f, .fc = fcode_get(m, f->func_index) };
	mir_func *mf = calloc(1, sizeof *mf);
	if (!mf || !c.fc || !ir_dom_compute(f)) {
		free(mf);
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory lowering");
	}
	mf->func_index = f->func_index;
	mf->nslots = f->nslots;
	c.mf = mf;
	c.vr = calloc(f->nv, sizeof *c.vr);
	c.uses = calloc(f->nv, sizeof *c.uses);
	c.fused = calloc(f->nv, sizeof *c.fused);
	c.mb_of = malloc((f->nb ? f->nb : 1) * sizeof *c.mb_of);
	c.split = malloc((f->nb ? f->nb : 1) * sizeof *c.split);
	c.lzcnt = x64_cpu_has_lzcnt();
	c.tzcnt = x64_cpu_has_tzcnt();
	c.popcnt = x64_cpu_has_popcnt();
	/* registers 0..16: none and the GPRs */
	for (uint32_t r = 0; r < MIR_FIRST_VIRT; r++)
		(void)vreg(&c, 8);
	if (!c.vr || !c.uses || !c.fused || !c.mb_of || !c.split || c.oom) {
		c.oom = true;
		goto out;
	}
	if (f->b[0].npred)
		refuse(&c, "an entry block with predecessors");
	analyse(&c);
	/* the linear order: reverse postorder, split edges after their block */
	for (uint32_t k = 0; k < f->nrpo; k++) {
		uint32_t bi = f->rpo[k];
		ir_block *bl = &f->b[bi];
		c.mb_of[bi] = new_block(&c, bi);
		c.split[bi][0] = c.split[bi][1] = UINT32_MAX;
		ir_ref t = ir_terminator(f, bi);
		if (t != IR_NONE && f->v[t].op == IR_BRANCH)
			for (uint32_t s = 0; s < 2 && s < bl->nsucc; s++)
				if (has_phis(f, bl->succ[s]))
					c.split[bi][s] = new_block(&c, UINT32_MAX);
	}
	/* phis get their registers first (back edges name them early) */
	for (uint32_t k = 0; k < f->nrpo && !c.oom; k++) {
		ir_block *bl = &f->b[f->rpo[k]];
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref r = bl->insn[j];
			if (f->v[r].op != IR_PHI)
				break;
			c.at = r;
			(void)def(&c, r);
		}
	}
	for (uint32_t k = 0; k < f->nrpo && !c.refusal && !c.oom; k++) {
		uint32_t bi = f->rpo[k];
		ir_block *bl = &f->b[bi];
		c.cur = c.mb_of[bi];
		for (uint32_t j = 0; j < bl->ninsn && !c.refusal && !c.oom; j++)
			lower_insn(&c, bi, j, bl->insn[j]);
	}
out:;
	wasm_status st = WASM_OK;
	if (c.oom) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory lowering");
	} else if (c.refusal) {
		uint32_t site = c.at != IR_NONE ? f->v[c.at].site : 0;
		st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"function %u, code offset %u: %s", f->func_index, site, c.refusal);
	}
	free(c.vr);
	free(c.uses);
	free(c.fused);
	free(c.mb_of);
	free(c.split);
	if (st != WASM_OK) {
		mir_free(mf);
		return st;
	}
	*out = mf;
	return WASM_OK;
}

void mir_free(mir_func *mf)
{
	if (!mf)
		return;
	for (uint32_t b = 0; b < mf->nb; b++)
		free(mf->b[b].insn);
	free(mf->b);
	free(mf->moves);
	free(mf->vsize);
	free(mf->reg);
	free(mf->spill);
	free(mf->start);
	free(mf->end);
	free(mf);
}

/* ---- printing ----------------------------------------------------------------- */

static const char *const gpr_names[16] = {
#define GPR_NAME_(n, q, d, w, b) q,
	X64_GPR_LIST(GPR_NAME_)
#undef GPR_NAME_
};
static const char *const cc_names[16] = {
#define CC_NAME_(n, s) s,
	X64_CC_LIST(CC_NAME_)
#undef CC_NAME_
};

static void print_reg(const mir_func *mf, mir_reg v, FILE *out)
{
	if (MIR_IS_PHYS(v)) {
		fprintf(out, "%%%s", gpr_names[MIR_GPR(v)]);
		return;
	}
	fprintf(out, "v%u", v);
	if (mf->reg && v < mf->nv) {
		if (mf->reg[v] >= 0)
			fprintf(out, "(%s)", gpr_names[mf->reg[v]]);
		else if (mf->spill[v] >= 0)
			fprintf(out, "([rsp+%d])", 8 * mf->spill[v]);
	}
}

void mir_print(const mir_func *mf, FILE *out)
{
	static const char *const alu[8] = { "add", "or", "adc", "sbb", "and",
		"sub", "xor", "cmp" };
	static const char *const sh[8] = { "rol", "ror", "rcl", "rcr", "shl",
		"shr", "?", "sar" };
	fprintf(out, "mir func %u: %u blocks, %u registers", mf->func_index,
		mf->nb, mf->nv - MIR_FIRST_VIRT);
	if (mf->reg)
		fprintf(out, ", %u spill slots", mf->nspill);
	fprintf(out, "\n");
	for (uint32_t bi = 0; bi < mf->nb; bi++) {
		const mir_block *b = &mf->b[bi];
		fprintf(out, "b%u:", bi);
		if (b->ir_block != UINT32_MAX)
			fprintf(out, "  ; ir b%u", b->ir_block);
		else
			fprintf(out, "  ; edge");
		fprintf(out, "\n");
		for (uint32_t j = 0; j < b->n; j++) {
			const mir_insn *i = &b->insn[j];
			const mir_op_info *oi = &mir_ops[i->op];
			fprintf(out, "  %s", oi->name);
			if (i->op == MIR_ALU)
				fprintf(out, ".%s", alu[i->aux & 7]);
			else if (i->op == MIR_SHIFT)
				fprintf(out, ".%s", sh[i->aux & 7]);
			else if (i->op == MIR_SETCC || i->op == MIR_CMOV || i->op == MIR_JCC)
				fprintf(out, ".%s", cc_names[i->cc & 15]);
			if (i->op != MIR_JMP && i->op != MIR_JCC && i->op != MIR_PMOV)
				fprintf(out, ".%u", i->size * 8);
			const char *sep = " ";
			if (i->d) {
				fprintf(out, "%s", sep);
				print_reg(mf, i->d, out);
				sep = ", ";
			}
			if (i->op == MIR_LOAD || i->op == MIR_STORE) {
				fprintf(out, "%s[r15", sep);
				if (i->a) {
					fprintf(out, " + ");
					print_reg(mf, i->a, out);
				}
				fprintf(out, " + %lld]", (long long)(i->op == MIR_LOAD ?
					i->imm : (int32_t)i->slot));
				fprintf(out, ":%u%s", (i->aux & 15) * 8,
					i->aux & MIR_SIGNED ? "s" : "");
				sep = ", ";
				if (i->op == MIR_STORE) {
					fprintf(out, "%s", sep);
					if (i->b)
						print_reg(mf, i->b, out);
					else
						fprintf(out, "%lld", (long long)i->imm);
				}
			} else if (i->op == MIR_LEA) {
				fprintf(out, "%s[", sep);
				print_reg(mf, i->a, out);
				if (i->b) {
					fprintf(out, " + ");
					print_reg(mf, i->b, out);
					fprintf(out, "*%u", i->aux);
				}
				fprintf(out, " + %lld]", (long long)i->imm);
			} else {
				if (i->a) {
					fprintf(out, "%s", sep);
					print_reg(mf, i->a, out);
					sep = ", ";
				}
				if (i->b) {
					fprintf(out, "%s", sep);
					print_reg(mf, i->b, out);
					sep = ", ";
				}
				if (i->hasimm || i->op == MIR_MOVI || i->op == MIR_IMULI) {
					fprintf(out, "%s%lld", sep, (long long)i->imm);
					sep = ", ";
				}
			}
			switch (i->op) {
			case MIR_LDSLOT: case MIR_STSLOT:
				fprintf(out, "%sslot %u", sep, i->slot);
				break;
			case MIR_GLOBAL_GET: case MIR_GLOBAL_SET:
				fprintf(out, "%sglobal %u", sep, i->slot);
				break;
			case MIR_CALL:
				fprintf(out, " func %lld, base %u", (long long)i->imm, i->slot);
				break;
			case MIR_DIV:
				fprintf(out, "%s%s%s", sep, i->aux & MIR_DIV_SIGNED ? "s" : "u",
					i->aux & MIR_DIV_REM ? " rem" : "");
				break;
			case MIR_TRAP:
				fprintf(out, " %s", wasm_trap_kind_name((wasm_trap_kind)i->aux));
				break;
			case MIR_PMOV:
				for (uint32_t k = 0; k < i->aux; k++) {
					const mir_move *mv = &mf->moves[i->imm + k];
					fprintf(out, "%s", k ? ", " : " ");
					print_reg(mf, mv->dst, out);
					fprintf(out, " <- ");
					if (mv->src)
						print_reg(mf, mv->src, out);
					else
						fprintf(out, "%lld", (long long)mv->imm);
				}
				break;
			case MIR_JMP:
				fprintf(out, " b%u", b->succ[0]);
				break;
			case MIR_JCC:
				fprintf(out, " b%u, b%u", b->succ[0], b->succ[1]);
				break;
			default:
				break;
			}
			fprintf(out, "\n");
		}
	}
}
