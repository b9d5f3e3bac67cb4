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
 *   op x, (load [a + off]) (the load's one  op x, [r15 + a + off]: add, sub,
 *      use, nothing with effects between)   and, or, xor, imul, cmp (cmp
 *      [m], imm too), f add/sub/mul/div (the load second: the NaN rule);
 *      the load's site and PC map entry move to the fused instruction
 *   select (cmp x, y), a, b                mov d, b; cmp x, y; cmovcc d, a
 *   idiv/irem                              mov rax, a; div b (the checks
 *      are in the DIV's expansion: out-of-line trap tails); mov d, rax/rdx
 *   shift by a value                       mov rcx, n; shl d, cl
 *   call f (args a...)                     [rbx + 8*(base+k)] = a_k; call;
 *                                          results from [rbx + 8*(base+k)]
 *
 *   floats                                 SSE scalar ops on XMM virtual
 *      registers, operands in the wasm order (the NaN rule: ops.h);
 *      min/max, compares, trapping truncations and int -> float through
 *      jit_seq.h's sequences (the baseline's); abs, neg, copysign by
 *      andps/xorps/orps with masks from the function's constant pool
 *      (emit.c), float constants from the pool too; bitcasts are moves
 *      across the classes
 *   br_table                               cmp i, n; jae default; from 4
 *      cases a jump table (jtab: a table of rel32 entries after the code),
 *      below that a binary search of compares; each case a block of its
 *      own with the edge's phi moves
 *   call_indirect, calls to imports       the baseline's sequences
 *      (jit_seq_call_indirect, jit_seq_call_import), arguments and results
 *      in the frame slots as for call
 *   tables, memory.grow, bulk memory
 *      the baseline's ops left to C (jc_op_how: JC_SLOW): operands stored
 *      to the instruction's slots, jit_rt_slow_op, the result loaded from
 *      its slot
 *
 * What cannot be lowered is refused with a named reason (round without
 * SSE4.1, bit counts without LZCNT/BMI1/POPCNT, IR that does not match
 * its pre-decoded instruction).
 *
 * This file: the lowering state's helpers, integer ops, compares, memory
 * and memory operands, calls, ops left to C, OSR entries, mir_lower.
 * Floats and SIMD are lowered in lower_float.c, edges, terminators and
 * br_table in lower_ctl.c; what the three share is lower_int.h.
 */
#include "jit/opt/lower_int.h"
#include "jit/jit_seq.h"
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

/* A new virtual register of size bytes, float class if flt. */
mir_reg lw_vreg(lw *c, unsigned size, bool flt)
{
	mir_func *mf = c->mf;
	if (!ir_grow((void **)&mf->vsize, &mf->cap_v, mf->nv + 1, 1)) {
		c->oom = true;
		return MIR_FIRST_VIRT;
	}
	mf->vsize[mf->nv] = (uint8_t)(size | (flt ? MIR_VFLT : 0u));
	return mf->nv++;
}

static bool tflt(enum ir_type t)
{
	return t == IRT_F32 || t == IRT_F64 || t == IRT_V128;
}

/* A new register for a value of type t. */
static mir_reg treg(lw *c, enum ir_type t);

/* A block's instructions are gathered in a growing array and, at its
 * terminator (nothing follows one), moved to one of exactly their number:
 * the growing array is kept (c->spare) for the next block to start in.
 * Most blocks are small (an edge's moves and its jump, a jump table's
 * case), and growing each from ir_grow's first 16 instructions left most
 * of the lowering's memory allocated and never used, touched by the
 * allocator's chunk headers all the same (fresh pages: a cold compile's
 * cost). */
static void block_done(lw *c, mir_block *bl)
{
	mir_insn *exact = malloc((size_t)bl->n * sizeof *exact);
	if (!exact)
		return;                 /* the growing array serves as well */
	memcpy(exact, bl->insn, (size_t)bl->n * sizeof *exact);
	if (bl->cap > c->cap_spare) {
		free(c->spare);
		c->spare = bl->insn;
		c->cap_spare = bl->cap;
	} else {
		free(bl->insn);
	}
	bl->insn = exact;
	bl->cap = bl->n;
}

/* IR instruction r (IR_NONE: none) is the one being lowered: the site
 * and function of the instructions lw_ins appends, looked up here once
 * rather than at each of them. */
static inline void lw_at(lw *c, ir_ref r)
{
	c->at = r;
	c->at_site = r != IR_NONE ? c->f->v[r].site : 0;
	c->at_func = r != IR_NONE ? ir_site_func(c->f, r) : c->f->func_index;
}

static inline mir_insn *ins_put(lw *c, mir_block *bl, enum mir_op op,
	unsigned size, mir_reg d, mir_reg a, mir_reg b)
{
	mir_insn *i = &bl->insn[bl->n++];
	*i = (mir_insn){ .op = (uint8_t)op, .size = (uint8_t)size, .d = d, .a = a,
		.b = b, .site = c->at_site, .func = c->at_func };
	return i;
}

/* lw_ins where the block's array is full (or not yet taken) or op ends
 * the block. */
static __attribute__((noinline)) mir_insn *ins_slow(lw *c, enum mir_op op,
	unsigned size, mir_reg d, mir_reg a, mir_reg b)
{
	static mir_insn sink;
	mir_block *bl = &c->mf->b[c->cur];
	if (!bl->cap && c->spare) {
		bl->insn = c->spare;
		bl->cap = c->cap_spare;
		c->spare = NULL;
		c->cap_spare = 0;
	}
	if (!ir_grow((void **)&bl->insn, &bl->cap, bl->n + 1, sizeof *bl->insn)) {
		c->oom = true;
		memset(&sink, 0, sizeof sink);
		return &sink;
	}
	mir_insn *i = ins_put(c, bl, op, size, d, a, b);
	if (mir_ops[op].term) {
		block_done(c, bl);
		i = &bl->insn[bl->n - 1];
	}
	return i;
}

/* (the usual case, room in the block and no terminator, without a call
 * or a saved register: ins_slow has the rest) */
mir_insn *lw_ins(lw *c, enum mir_op op, unsigned size, mir_reg d,
	mir_reg a, mir_reg b)
{
	mir_block *bl = &c->mf->b[c->cur];
	if (bl->n >= bl->cap || mir_ops[op].term)
		return ins_slow(c, op, size, d, a, b);
	return ins_put(c, bl, op, size, d, a, b);
}

static mir_reg treg(lw *c, enum ir_type t)
{
	return lw_vreg(c, tsize(c, t), tflt(t));
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
mir_reg lw_val(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	if (i->op == IR_CONST) {
		mir_reg d = treg(c, (enum ir_type)i->type);
		lw_ins(c, MIR_MOVI, 8, d, 0, 0)->imm = (int64_t)cbits(c, r);
		return d;
	}
	if (c->vr[r] == MIR_NOREG) {
		refuse(c, "a value used before it is lowered");
		return lw_vreg(c, 8, false);
	}
	return c->vr[r];
}

mir_reg lw_def(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	if (c->vr[r] == MIR_NOREG)
		c->vr[r] = treg(c, (enum ir_type)i->type);
	return c->vr[r];
}

/* d = r (a register copy or a constant). */
void lw_move_into(lw *c, mir_reg d, unsigned size, ir_ref r)
{
	if (ir_is_const(c->f, r))
		lw_ins(c, MIR_MOVI, 8, d, 0, 0)->imm = (int64_t)cbits(c, r);
	else
		lw_ins(c, MIR_MOV, size, d, lw_val(c, r), 0);
}

/* ---- compares ------------------------------------------------------------ */

static bool is_icmp(enum ir_op op)
{
	return op == IR_IEQZ || (op >= IR_IEQ && op <= IR_IGEU);
}

/* The condition of IR_IEQ..IR_IGEU (jit_cmp_cc: the compares' order). */
_Static_assert(IR_IGEU - IR_IEQ + 1 == JIT_NCMP && IR_ILTU - IR_IEQ == 3,
	"the IR's integer compares keep jit_cmp_cc's order");
_Static_assert(IR_FGE - IR_FEQ == JIT_FGE && IR_FLT - IR_FEQ == JIT_FLT,
	"the IR's float compares keep jit_fcmp's order");

static x64_cc cmp_cc(enum ir_op op)
{
	return jit_cmp_cc[op - IR_IEQ];
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

/* ---- memory operands ------------------------------------------------------
 * A load read by its one user straight from memory (analyse: memop_ok). */

/* The load of memory operand v (v itself, or the load its bitcast reads). */
static ir_ref mem_load(lw *c, ir_ref v)
{
	return c->f->v[v].op == IR_BITCAST ? ir_args(c->f, v)[0] : v;
}

/* Instruction op of size reading r's memory operand: its base in the
 * register role `a` (or `b` for CMPM, whose a is the other operand), its
 * displacement in imm (slot for CMPM), its site the load's (the trap and
 * the PC map name the load). */
mir_insn *lw_ins_mem(lw *c, enum mir_op op, unsigned size, mir_reg d,
	mir_reg other, ir_ref r)
{
	ir_ref ld = mem_load(c, c->memop[r]);
	ir_insn *li = ir_at(c->f, ld);
	mir_reg base;
	int32_t disp;
	lw_address(c, ir_args(c->f, ld)[0], li->imm, &base, &disp);
	bool second = op == MIR_CMPM || op == MIR_VFALUM ||   /* base in b */
		op == MIR_VOP3M;
	mir_insn *k = second ? lw_ins(c, op, size, d, other, base) :
		lw_ins(c, op, size, d, base, 0);
	if (second)
		k->slot = (uint32_t)disp;
	else
		k->imm = disp;
	k->site = li->site;     /* a fault is the load's: its site, and its */
	k->func = ir_site_func(c->f, ld);   /* function */
	return k;
}

static x64_cc cc_swap(x64_cc cc);
static x64_cc cmp_cc(enum ir_op op);

/* Flags for compare r with a memory operand: cmp [m], imm or cmp o, [m]. */
static x64_cc flags_mem(lw *c, ir_ref r, unsigned size)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	int32_t imm = 0;
	if (i->op == IR_IEQZ) {
		mir_insn *k = lw_ins_mem(c, MIR_CMPM, size, 0, MIR_NOREG, r);
		k->hasimm = true;
		k->imm = 0;
		return X64_CC_E;
	}
	/* cc of (memory operand) - o */
	bool first = a[0] == c->memop[r];
	ir_ref o = first ? a[1] : a[0];
	x64_cc cc = cmp_cc((enum ir_op)i->op);
	if (!first)
		cc = cc_swap(cc);
	if (imm32(c, o, size, &imm)) {
		mir_insn *k = lw_ins_mem(c, MIR_CMPM, size, 0, MIR_NOREG, r);
		k->hasimm = true;
		k->imm = imm;
		return cc;
	}
	lw_ins_mem(c, MIR_CMPM, size, 0, lw_val(c, o), r);
	return cc_swap(cc);
}

/* Set the flags for compare r (IEQZ or a two-operand compare); its
 * condition code. */
static x64_cc flags_of(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->aux);
	if (i->op == IR_IEQZ && c->memop[r] == IR_NONE) {
		lw_ins(c, MIR_TEST, size, 0, lw_val(c, a[0]), 0);
		return X64_CC_E;
	}
	if (c->memop[r] != IR_NONE)
		return flags_mem(c, r, size);
	x64_cc cc = cmp_cc((enum ir_op)i->op);
	ir_ref x = a[0], y = a[1];
	int32_t imm;
	if (ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
		cc = cc_swap(cc);
	}
	if (imm32(c, y, size, &imm)) {
		mir_insn *k = lw_ins(c, MIR_CMP, size, 0, lw_val(c, x), 0);
		k->hasimm = true;
		k->imm = imm;
	} else {
		mir_reg rx = lw_val(c, x), ry = lw_val(c, y);
		lw_ins(c, MIR_CMP, size, 0, rx, ry);
	}
	return cc;
}

/* An ordered float compare (lt, gt, le, ge) whose flags a branch or a
 * select can use: one ucomis[sd] (jit_fcmp_flags). */
static bool is_fflags(enum ir_op op)
{
	bool swap;
	x64_cc cc;
	return op >= IR_FEQ && op <= IR_FGE &&
		jit_fcmp_flags((enum jit_fcmp)(op - IR_FEQ), &swap, &cc);
}

/* Flags for a branch or select condition: a fused compare, or value != 0. */
x64_cc lw_cond(lw *c, ir_ref r)
{
	ir_insn *fi = ir_at(c->f, r);
	if (c->fused[r] && is_fflags((enum ir_op)fi->op)) {
		enum jit_fcmp op = (enum jit_fcmp)(fi->op - IR_FEQ);
		bool swap;
		x64_cc cc;
		(void)jit_fcmp_flags(op, &swap, &cc);
		mir_reg ra = lw_val(c, ir_args(c->f, r)[0]), rb = lw_val(c, ir_args(c->f, r)[1]);
		lw_ins(c, MIR_FFLAGS, tsize(c, (enum ir_type)fi->aux), 0, ra, rb)->aux = op;
		return cc;
	}
	if (c->fused[r])
		return flags_of(c, r);
	ir_insn *i = ir_at(c->f, r);
	lw_ins(c, MIR_TEST, tsize(c, (enum ir_type)i->type), 0, lw_val(c, r), 0);
	return X64_CC_NE;
}

/* ---- the ops ------------------------------------------------------------- */

/* x if it is ~z (z ^ all ones) that r, an and of the same block, can take
 * as andn's inverted operand (its only use, and the and's other operand
 * not a constant): z, else IR_NONE.  analyse fuses it; lower_alu reads it
 * back. */
static ir_ref andn_operand(lw *c, ir_ref r, ir_ref x, ir_ref other)
{
	ir_func *f = c->f;
	if (!c->bmi1 || ir_is_const(f, x) || ir_is_const(f, other) ||
	    f->v[x].op != IR_IXOR || c->uses[x] != 1 ||
	    f->v[x].block != f->v[r].block || f->v[x].type != f->v[r].type)
		return IR_NONE;
	ir_ref *b = ir_args(f, x);
	uint64_t ones = f->v[x].type == IRT_I64 ? ~0ull : 0xffffffffull;
	for (int k = 0; k < 2; k++)
		if (ir_is_const(f, b[k]) && !ir_is_const(f, b[!k]) &&
		    (cbits(c, b[k]) & ones) == ones)
			return b[!k];
	return IR_NONE;
}

static void lower_alu(lw *c, ir_ref r, x64_alu op, bool commutes)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	ir_ref x = a[0], y = a[1];
	int32_t imm;
	if (op == X64_ALU_AND && (c->fused[x] || c->fused[y])) {
		/* andn d, z, other for (z ^ -1) & other (analyse fused it) */
		ir_ref inv = c->fused[x] ? x : y, other = inv == x ? y : x;
		ir_ref z = andn_operand(c, r, inv, other);
		if (z != IR_NONE) {
			mir_reg rz = lw_val(c, z), ro = lw_val(c, other);
			lw_ins(c, MIR_ANDN, size, lw_def(c, r), rz, ro);
			return;
		}
	}
	if (c->memop[r] != IR_NONE) {       /* d = x op [m] */
		mir_reg d = lw_def(c, r);
		lw_move_into(c, d, size, c->memop[r] == x ? y : x);
		lw_ins_mem(c, MIR_ALUM, size, d, MIR_NOREG, r)->aux = op;
		return;
	}
	if (commutes && ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
	}
	mir_reg d = lw_def(c, r);
	if (imm32(c, y, size, &imm)) {
		lw_move_into(c, d, size, x);
		mir_insn *k = lw_ins(c, MIR_ALU, size, d, 0, 0);
		k->aux = op;
		k->hasimm = true;
		k->imm = imm;
		return;
	}
	mir_reg ry = lw_val(c, y);
	lw_move_into(c, d, size, x);
	lw_ins(c, MIR_ALU, size, d, ry, 0)->aux = op;
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
	mir_reg rp = lw_val(c, p), rq = lw_val(c, q);
	mir_insn *k = lw_ins(c, MIR_LEA, size, lw_def(c, r), rp, rq);
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
	    c->uses[x] != 1 || f->v[x].type != f->v[r].type || c->memop[x] ||
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
	if (c->memop[r] != IR_NONE) {
		lower_alu(c, r, sub ? X64_ALU_SUB : X64_ALU_ADD, !sub);
		return;
	}
	if (sub) {
		if (imm32(c, y, size, &imm) && imm != INT32_MIN) {
			mir_reg rx = lw_val(c, x);
			mir_insn *k = lw_ins(c, MIR_LEA, size, lw_def(c, r), rx, 0);
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
		mir_reg rx = lw_val(c, x);
		mir_insn *k = lw_ins(c, MIR_LEA, size, lw_def(c, r), rx, 0);
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
	if (c->memop[r] != IR_NONE) {       /* d = x * [m] */
		mir_reg d = lw_def(c, r);
		lw_move_into(c, d, size, c->memop[r] == x ? y : x);
		lw_ins_mem(c, MIR_IMULM, size, d, MIR_NOREG, r);
		return;
	}
	if (ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
	}
	if (imm32(c, y, size, &imm)) {
		mir_reg rx = lw_val(c, x);
		lw_ins(c, MIR_IMULI, size, lw_def(c, r), rx, 0)->imm = imm;
		return;
	}
	mir_reg ry = lw_val(c, y);
	mir_reg d = lw_def(c, r);
	lw_move_into(c, d, size, x);
	lw_ins(c, MIR_IMUL, size, d, ry, 0);
}

static void lower_shift(lw *c, ir_ref r, x64_shift op)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	mir_reg d = lw_def(c, r);
	if (ir_is_const(c->f, a[1]) && c->bmi2 && !ir_is_const(c->f, a[0]) &&
	    (op == X64_SH_ROL || op == X64_SH_ROR)) {
		/* rorx: the rotated value in a register of its own, a[0]
		 * left as it was (no copy first); a left rotation by n is a
		 * right one by the width - n */
		unsigned bits = size * 8, n = (unsigned)(cbits(c, a[1]) & (bits - 1));
		mir_insn *k = lw_ins(c, MIR_RORX, size, d, lw_val(c, a[0]), 0);
		k->imm = op == X64_SH_ROR ? n : (bits - n) & (bits - 1);
		return;
	}
	if (ir_is_const(c->f, a[1])) {
		lw_move_into(c, d, size, a[0]);
		mir_insn *k = lw_ins(c, MIR_SHIFT, size, d, 0, 0);
		k->aux = op;
		k->hasimm = true;
		k->imm = (int64_t)(cbits(c, a[1]) & (size * 8 - 1));
		return;
	}
	lw_move_into(c, d, size, a[0]);
	lw_move_into(c, MIR_PHYS(X64_RCX), 4, a[1]);
	lw_ins(c, MIR_SHIFT, size, d, MIR_PHYS(X64_RCX), 0)->aux = op;
}

static void lower_div(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	bool rem = i->op == IR_IREMS || i->op == IR_IREMU;
	bool sgn = i->op == IR_IDIVS || i->op == IR_IREMS;
	mir_reg rb = lw_val(c, a[1]);
	lw_move_into(c, MIR_PHYS(X64_RAX), size, a[0]);
	lw_ins(c, MIR_DIV, size, 0, rb, 0)->aux =
		(sgn ? MIR_DIV_SIGNED : 0u) | (rem ? MIR_DIV_REM : 0u);
	lw_ins(c, MIR_MOV, size, lw_def(c, r), MIR_PHYS(rem ? X64_RDX : X64_RAX), 0);
}

/* The high half of x * y: one-operand mul (imul signed) takes one factor
 * in rax and leaves the product in rdx:rax.  A constant factor (the
 * magic number of a division) goes into rax, so that the other stays
 * where it is. */
static void lower_mulh(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	unsigned size = tsize(c, (enum ir_type)i->type);
	ir_ref x = a[0], y = a[1];
	if (ir_is_const(c->f, x) && !ir_is_const(c->f, y)) {
		x = a[1];
		y = a[0];
	}
	mir_reg rx = lw_val(c, x);
	lw_move_into(c, MIR_PHYS(X64_RAX), size, y);
	lw_ins(c, MIR_MULH, size, 0, rx, 0)->aux = i->op == IR_IMULHS ? MIR_SIGNED : 0u;
	lw_ins(c, MIR_MOV, size, lw_def(c, r), MIR_PHYS(X64_RDX), 0);
}

/* The address operand of a load or store: register (or none) and
 * displacement, with off > 2^31 - 1 folded into a 64-bit register. */
void lw_address(lw *c, ir_ref addr, uint64_t off, mir_reg *base, int32_t *disp)
{
	if (ir_is_const(c->f, addr)) {
		uint64_t ea = (uint32_t)cbits(c, addr) + off;
		if (ea <= INT32_MAX) {
			*base = MIR_NOREG;
			*disp = (int32_t)ea;
			return;
		}
		*base = lw_vreg(c, 8, false);
		lw_ins(c, MIR_MOVI, 8, *base, 0, 0)->imm = (int64_t)ea;
		*disp = 0;
		return;
	}
	mir_reg ra = lw_val(c, addr);
	if (off <= INT32_MAX) {
		*base = ra;
		*disp = (int32_t)off;
		return;
	}
	*base = lw_vreg(c, 8, false);
	lw_ins(c, MIR_MOVI, 8, *base, 0, 0)->imm = (int64_t)off;
	lw_ins(c, MIR_ALU, 8, *base, ra, 0)->aux = X64_ALU_ADD;
	*disp = 0;
}

/* Load ld into the register of value r: ld itself, or the bitcast of it
 * that it is fused into (a float loaded straight into an XMM register:
 * the pre-decoded code's loads name the integer type of the width). */
static void lower_load(lw *c, ir_ref r, ir_ref ld)
{
	ir_insn *i = ir_at(c->f, ld);
	unsigned size = tsize(c, (enum ir_type)ir_at(c->f, r)->type), bytes;
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
	lw_address(c, ir_args(c->f, ld)[0], i->imm, &base, &disp);
	mir_insn *k = lw_ins(c, MIR_LOAD, size, lw_def(c, r), base, 0);
	k->imm = disp;
	k->aux = bytes;
	k->site = i->site;      /* the PC map names the load's instruction */
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
		rv = lw_val(c, a[1]);
	lw_address(c, a[0], i->imm, &base, &disp);
	mir_insn *k = lw_ins(c, MIR_STORE, bytes == 8 ? 8 : 4, 0, base, rv);
	k->aux = bytes;
	k->hasimm = isimm;
	k->imm = isimm ? imm : 0;
	k->slot = (uint32_t)disp;
}

/* [rbx + 8*slot] = value r, the whole slot (i32 zero-extended). */
void lw_store_slot(lw *c, uint32_t slot, ir_ref r)
{
	ir_insn *v = ir_at(c->f, r);
	unsigned size = tsize(c, (enum ir_type)v->type);
	int32_t imm;
	if (ir_is_const(c->f, r) && imm32(c, r, 8, &imm) &&
	    (size == 8 || imm >= 0)) {
		mir_insn *k = lw_ins(c, MIR_STSLOT, 8, 0, 0, 0);
		k->hasimm = true;
		k->imm = imm;
		k->slot = slot;
		return;
	}
	lw_ins(c, MIR_STSLOT, size, 0, lw_val(c, r), 0)->slot = slot;
}

/* call, call_import, call_indirect: the arguments to the frame slots
 * from the call's base (call_indirect's element index, its operand 0, in
 * rcx), the call, the results loaded from those slots at once.  In
 * inlined code the base is the callee's frame's (inl_base) plus the
 * call's own base in that frame. */
static void lower_call(lw *c, ir_ref r, uint32_t blk, uint32_t pos)
{
	ir_insn *i = ir_at(c->f, r);
	const uint8_t *ip = ir_site_insn(c->f, r);
	uint32_t base;
	if (!ir_call_frame(c->f, r, &base)) {
		refuse(c, "a call without its CALL instruction");
		return;
	}
	enum interp_op want = insn_op(ip);
	bool ind = want == OP_CALL_INDIRECT;
	ir_ref *a = ir_args(c->f, r);
	for (uint32_t k = ind, s = 0; k < i->nargs; k++) {
		lw_store_slot(c, base + s, a[k]);
		s += ir_at(c->f, a[k])->type == IRT_V128 ? 2 : 1;
	}
	mir_insn *k;
	if (ind) {
		lw_move_into(c, MIR_PHYS(X64_RCX), 4, a[0]);
		k = lw_ins(c, MIR_CALLIND, 8, 0, MIR_PHYS(X64_RCX), 0);
		k->aux = OP_AT(ip, CALL_IND)->table;
		k->imm = OP_AT(ip, CALL_IND)->type_id;
	} else {
		k = lw_ins(c, want == OP_CALL ? MIR_CALL : MIR_CALLIMP, 8, 0, 0, 0);
		k->imm = OP_AT(ip, CALL)->func;
	}
	k->slot = base;
	/* the results, straight away (the next call reuses these slots) */
	ir_block *bl = &c->f->b[blk];
	for (uint32_t j = pos + 1; j < bl->ninsn; j++) {
		ir_ref q = bl->insn[j];
		ir_insn *qi = ir_at(c->f, q);
		if (qi->op != IR_RESULT || ir_args(c->f, q)[0] != r)
			continue;
		mir_reg d = lw_def(c, q);
		lw_ins(c, MIR_LDSLOT, mir_vsize(c->mf, d), d, 0, 0)->slot = base + qi->aux2;
	}
}

/* An op the baseline leaves to C (jc_op_how: JC_SLOW): its operands,
 * which the builder reads in its layout's order, go to the instruction's
 * slots, jit_rt_slow_op runs it, its result (if any) comes from its D
 * slot.  In inlined code the instruction is the callee's and its slots
 * are in the callee's frame, at inl_base in this one: jit_rt_slow_op
 * gets that frame (MIR_SLOWOP's slot). */
static void lower_slow(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	const uint8_t *ip = ir_site_insn(c->f, r);
	enum interp_op op = ip ? insn_op(ip) : OP_COUNT_;
	if (op >= OP_COUNT_ || jc_op_how(op) != JC_SLOW) {
		refuse(c, "an op left to C without its instruction");
		return;
	}
	const op_layout_info *lay = op_layout_of(op);
	ir_ref *a = ir_args(c->f, r);
	uint32_t k = 0, dslot = UINT32_MAX;
	for (uint32_t j = 0; j < lay->nslots; j++) {
		uint32_t slot = ir_inl_of(c->f, r).base + insn_slot(ip, j);
		if (lay->slot_writes >> j & 1)
			dslot = slot;
		else if (k < i->nargs)
			lw_store_slot(c, slot, a[k++]);
		else
			k = UINT32_MAX;
	}
	if (k != i->nargs || (i->type != IRT_NONE) != (dslot != UINT32_MAX)) {
		refuse(c, "an op left to C whose operands are not its instruction's");
		return;
	}
	mir_insn *s = lw_ins(c, MIR_SLOWOP, 8, 0, 0, 0);
	s->imm = op;
	s->aux = op_infos[op].traps != OPTR_NONE;
	s->slot = ir_inl_of(c->f, r).base;
	s->imm2 = (uint64_t)(uintptr_t)ip;
	if (i->type != IRT_NONE) {
		mir_reg d = lw_def(c, r);
		lw_ins(c, MIR_LDSLOT, mir_vsize(c->mf, d), d, 0, 0)->slot = dslot;
	}
}

/* The ops left to C (lower_slow). */
static bool slow_op(enum ir_op op)
{
	switch (op) {
	case IR_MEMORY_GROW: case IR_MEMORY_FILL: case IR_MEMORY_COPY:
	case IR_MEMORY_INIT: case IR_TABLE_GET: case IR_TABLE_SET: case IR_TABLE_SIZE:
	case IR_TABLE_GROW: case IR_TABLE_FILL: case IR_TABLE_COPY: case IR_TABLE_INIT:
		return true;
	default:
		return false;
	}
}

bool lw_calls(enum ir_op op)
{
	return (ir_ops[op].effects & IRE_CALL) || slow_op(op);
}

static void lower_insn(lw *c, uint32_t blk, uint32_t pos, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	ir_ref *a = ir_args(c->f, r);
	lw_at(c, r);
	if (c->fused[r])
		return;
	if (slow_op((enum ir_op)i->op)) {
		lower_slow(c, r);
		return;
	}
	switch (i->op) {
	case IR_NOP: case IR_CONST: case IR_PHI: case IR_RESULT:
		break;          /* phis: moves on the edges; results: at their call */
	case IR_PARAM: {
		mir_reg d = lw_def(c, r);
		lw_ins(c, MIR_LDSLOT, mir_vsize(c->mf, d), d, 0, 0)->slot = i->aux;
		break;
	}
	case IR_COPY: {
		mir_reg d = lw_def(c, r);
		lw_move_into(c, d, mir_vsize(c->mf, d), a[0]);
		break;
	}
	case IR_SELECT: {
		unsigned size = tsize(c, (enum ir_type)i->type);
		mir_reg ra = lw_val(c, a[1]);
		mir_reg d = lw_def(c, r);
		lw_move_into(c, d, size, a[2]);
		x64_cc cc = lw_cond(c, a[0]);
		lw_ins(c, MIR_CMOV, size, d, ra, 0)->cc = (uint8_t)cc;
		break;
	}
	case IR_BITCAST:
		/* a move across the classes (movd/movq), or a plain copy; of a
		 * load fused into it, the load itself */
		if (c->fused[a[0]])
			lower_load(c, r, a[0]);
		else
			lw_move_into(c, lw_def(c, r), tsize(c, (enum ir_type)i->type), a[0]);
		break;
	case IR_IADD: lower_add(c, r, false); break;
	case IR_ISUB: lower_add(c, r, true); break;
	case IR_IMUL: lower_mul(c, r); break;
	case IR_IMULHS: case IR_IMULHU: lower_mulh(c, r); break;
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
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, MIR_BITCNT, tsize(c, (enum ir_type)i->type), lw_def(c, r), ra, 0)->aux = kind;
		break;
	}
	case IR_IEXT8S: case IR_IEXT16S: case IR_IEXT32S: {
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, MIR_EXT, tsize(c, (enum ir_type)i->type), lw_def(c, r), ra, 0)->aux =
			i->op == IR_IEXT8S ? 1 : i->op == IR_IEXT16S ? 2 : 4;
		break;
	}
	case IR_EXTU: case IR_WRAP:
		/* a 32-bit mov: zero-extends / drops the upper half */
		lw_move_into(c, lw_def(c, r), 4, a[0]);
		break;
	case IR_IEQZ: case IR_IEQ: case IR_INE: case IR_ILTS: case IR_ILTU:
	case IR_IGTS: case IR_IGTU: case IR_ILES: case IR_ILEU: case IR_IGES:
	case IR_IGEU: {
		x64_cc cc = flags_of(c, r);
		lw_ins(c, MIR_SETCC, 4, lw_def(c, r), 0, 0)->cc = (uint8_t)cc;
		break;
	}
	case IR_LOAD: case IR_LOAD8S: case IR_LOAD8U: case IR_LOAD16S:
	case IR_LOAD16U: case IR_LOAD32S:
		lower_load(c, r, r);
		break;
	case IR_STORE8: case IR_STORE16: case IR_STORE32: case IR_STORE64:
		lower_store(c, r);
		break;
	case IR_GLOBAL_GET: {
		mir_reg d = lw_def(c, r);
		lw_ins(c, MIR_GLOBAL_GET, mir_vsize(c->mf, d), d, 0, 0)->slot = i->aux;
		break;
	}
	case IR_GLOBAL_SET: {
		unsigned size = tsize(c, (enum ir_type)ir_at(c->f, a[0])->type);
		mir_reg ra = lw_val(c, a[0]);
		lw_ins(c, MIR_GLOBAL_SET, size, 0, ra, 0)->slot = i->aux;
		break;
	}
	case IR_CALL: case IR_CALL_IMPORT: case IR_CALL_INDIRECT:
		lower_call(c, r, blk, pos);
		break;
	case IR_MEMORY_SIZE:
		lw_ins(c, MIR_MEMSIZE, 4, lw_def(c, r), 0, 0);
		break;
	case IR_DATA_DROP: case IR_ELEM_DROP: {
		mir_insn *k = lw_ins(c, MIR_DROP, 8, 0, 0, 0);
		k->aux = i->op == IR_ELEM_DROP;
		k->slot = i->aux;
		break;
	}
	case IR_REF_FUNC:
		lw_ins(c, MIR_REFFUNC, 8, lw_def(c, r), 0, 0)->slot = i->aux;
		break;
	case IR_ENTRY_CHECK: {
		mir_insn *e = lw_ins(c, MIR_ENTRY, 8, 0, 0, 0);
		e->aux = i->aux;
		e->slot = (uint32_t)i->imm;
		break;
	}
	case IR_FRAME_POP:
		lw_ins(c, MIR_FRAMEPOP, 8, 0, 0, 0);
		break;
	case IR_LOOP_CHECK: {
		/* the epoch's address and the deadline from registers where
		 * lw_epoch_plan keeps them (this is then its loop's header) */
		uint32_t ep = c->ep_in[blk];
		mir_insn *k = lw_ins(c, MIR_LOOPCHK, 8, 0,
			ep ? c->ep_reg[ep - 1][0] : MIR_NOREG,
			ep ? c->ep_reg[ep - 1][1] : MIR_NOREG);
		k->aux = i->aux;
		break;
	}
	case IR_VOP: case IR_VLOAD: case IR_VSTORE:
		lw_lower_simd(c, r);
		break;
	default:
		if (ir_ops[i->op].effects & IRE_CTRL)
			lw_lower_term(c, blk, r);
		else if (ir_ops[i->op].cls == IRC_FLT || (i->op >= IR_FEQ && i->op <= IR_FGE) ||
			 (i->op >= IR_TRUNCS && i->op <= IR_PROMOTE))
			lw_lower_float(c, r);
		else
			refuse(c, "an op the lowering does not know");
		break;
	}
}

/* ---- the function ----------------------------------------------------------- */

uint32_t lw_new_block(lw *c, uint32_t irb)
{
	mir_func *mf = c->mf;
	if (!ir_grow((void **)&mf->b, &mf->cap_b, mf->nb + 1, sizeof *mf->b)) {
		c->oom = true;
		return 0;
	}
	mf->b[mf->nb] = (mir_block){ .ir_block = irb };
	return mf->nb++;
}

/* The OSR entry of loop header bi: a MIR block of its own right before
 * the header's (made with the linear order), which loads each slot of
 * the header's OSR map into the register of the value it holds, then
 * computes the values LICM moved out of the loop (ir_osr_rebuild_list:
 * pure ops over those, each lowered again here, into its own register)
 * and goes on to the header.  A constant needs nothing (constants are
 * materialized at their uses), nor does a value lowered at its one user.
 * Whether the entry is usable (nothing else live into it) is the
 * allocator's to say (mir_block.osr_ok): a value live into the header
 * that cannot be rebuilt is live into the entry, which is then dropped.
 * Called when the header is
 * reached, so every value of the map and every value to rebuild (each
 * dominates the header) has its register. */
static void lower_osr_entry(lw *c, uint32_t bi)
{
	const ir_osr *o = &c->f->osr[c->f->b[bi].osr - 1];
	uint32_t from = c->cur;
	ir_ref at = c->at;
	ir_osr_rebuild *rb = &c->rebuild;
	c->cur = c->mb_of[bi] - 1;
	bool rebuild = ir_osr_rebuild_list(c->f, bi, c->fused, rb);
	if (rb->oom)
		c->oom = true;
	/* a mapped value fused into its user, whose copy here reads it: a
	 * register of its own (unused elsewhere: the user inlines it) */
	for (uint32_t k = 0; rebuild && k < rb->nunfused; k++) {
		c->fused[rb->unfused[k]] = false;
		(void)lw_def(c, rb->unfused[k]);
	}
	for (uint32_t s = 0; s < o->nslots; s++) {
		ir_ref v = o->slot[s];
		if (v == IR_NONE || ir_is_const(c->f, v) || c->fused[v] ||
		    c->vr[v] == MIR_NOREG)
			continue;
		lw_ins(c, MIR_LDSLOT, mir_vsize(c->mf, c->vr[v]), c->vr[v], 0, 0)->slot = s;
	}
	for (uint32_t k = 0; rebuild && k < rb->n; k++) {
		ir_ref v = rb->list[k];
		lower_insn(c, c->f->v[v].block, UINT32_MAX, v);
	}
	for (uint32_t k = 0; rebuild && k < rb->nunfused; k++)
		c->fused[rb->unfused[k]] = true;
	lw_at(c, at);
	if (c->ep_in[bi])               /* live into every block of its loop */
		lw_epoch_load(c, c->ep_in[bi]);
	lw_ins(c, MIR_JMP, 8, 0, 0, 0);
	mir_block *mb = &c->mf->b[c->cur];
	mb->succ[0] = c->mb_of[bi];
	mb->nsucc = 1;
	c->cur = from;
}

/* An OSR entry block for header bi, to be filled by lower_osr_entry. */
static void osr_entry_block(lw *c, uint32_t bi)
{
	uint32_t e = lw_new_block(c, UINT32_MAX);
	if (c->oom)
		return;
	c->mf->b[e].osr_entry = true;
	c->mf->b[e].osr_loop = c->f->osr[c->f->b[bi].osr - 1].code_off;
}

/* v, an operand of r, is a load (or the bitcast fused with one) that r
 * can read as a memory operand of `bytes`: its only use, a full-width
 * load, and the last op with effects before r (nothing between stores,
 * calls or traps, so moving the access down to r changes no result and
 * no trap). */
static bool memop_ok(lw *c, ir_ref v, ir_ref last_eff, unsigned bytes)
{
	ir_func *f = c->f;
	if (v == IR_NONE || ir_is_const(f, v) || c->uses[v] != 1 || c->fused[v])
		return false;
	ir_ref ld = v;
	if (f->v[v].op == IR_BITCAST) {
		ld = ir_args(f, v)[0];
		if (!c->fused[ld])
			return false;
	}
	return f->v[ld].op == IR_LOAD && ld == last_eff && c->uses[ld] == 1 &&
		ir_type_bytes[f->v[ld].type] == bytes;
}

static void set_memop(lw *c, ir_ref r, ir_ref v)
{
	c->memop[r] = v;
	c->fused[v] = true;
}

/* Memory operands of r (at its position; last_eff the last op with
 * effects before it in its block).  A compare fused into a branch or
 * select is lowered there: its memory operand is kept only if no op with
 * effects came between (else the load is lowered in its place). */
static void mem_operands(lw *c, ir_ref r, ir_ref last_eff)
{
	ir_func *f = c->f;
	ir_insn *i = ir_at(f, r);
	ir_ref *a = ir_args(f, r);
	if ((i->op == IR_BRANCH || i->op == IR_SELECT) && c->fused[a[0]] &&
	    c->memop[a[0]] != IR_NONE &&
	    mem_load(c, c->memop[a[0]]) != last_eff) {
		c->fused[c->memop[a[0]]] = false;
		c->memop[a[0]] = IR_NONE;
		return;
	}
	if (last_eff == IR_NONE)
		return;
	unsigned bytes = ir_type_bytes[i->type];
	switch (i->op) {
	case IR_IADD: case IR_IAND: case IR_IOR: case IR_IXOR: case IR_IMUL:
		/* commutative; x + (y << k) stays a lea, x + c a lea */
		if (ir_is_const(f, a[0]) || ir_is_const(f, a[1]) || c->fused[a[0]] ||
		    c->fused[a[1]])
			return;
		if (memop_ok(c, a[1], last_eff, bytes))
			set_memop(c, r, a[1]);
		else if (memop_ok(c, a[0], last_eff, bytes))
			set_memop(c, r, a[0]);
		return;
	case IR_ISUB:
	case IR_FADD: case IR_FSUB: case IR_FMUL: case IR_FDIV:
		if (memop_ok(c, a[1], last_eff, bytes))
			set_memop(c, r, a[1]);
		return;
	case IR_IEQZ:
		if (memop_ok(c, a[0], last_eff, ir_type_bytes[i->aux]))
			set_memop(c, r, a[0]);
		return;
	case IR_VOP: {
		/* AVX: a v128.load as the second source of a lane-wise binary
		 * op (vpaddw d, a, [m]; VEX forms take unaligned operands) */
		enum interp_op op = (enum interp_op)i->aux;
		ir_ref v = a[!jit_simd_swapped(op)];
		if (c->avx && jit_simd_vex(op) && jit_simd_vex_mem(op) &&
		    v != IR_NONE && v == last_eff && c->uses[v] == 1 && !c->fused[v] &&
		    f->v[v].op == IR_VLOAD && f->v[v].aux == OP_V_V128_LOAD)
			set_memop(c, r, v);
		return;
	}
	default:
		if (!is_icmp((enum ir_op)i->op))
			return;
		bytes = ir_type_bytes[i->aux];
		if (memop_ok(c, a[1], last_eff, bytes))
			set_memop(c, r, a[1]);
		else if (memop_ok(c, a[0], last_eff, bytes))
			set_memop(c, r, a[0]);
		return;
	}
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
			if (i->op == IR_LOOP_CHECK)
				c->has_lc[bi] = true;
		}
	}
	for (uint32_t bi = 0; bi < f->nb; bi++) {
		ir_block *bl = &f->b[bi];
		if (bl->dead)
			continue;
		/* the last load with no effectful op after it (yet) */
		ir_ref load = IR_NONE, last_eff = IR_NONE;
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref r = bl->insn[j];
			ir_insn *i = ir_at(f, r);
			ir_ref *a = ir_args(f, r);
			/* bitcast(load) -> one load of the bitcast's type, when the
			 * load has no other use and nothing with effects comes
			 * between (the load moves down to the bitcast) */
			if (i->op == IR_BITCAST && a[0] == load && c->uses[load] == 1 &&
			    ir_type_bytes[i->type] == ir_type_bytes[f->v[load].type])
				c->fused[load] = true;
			if (i->op == IR_LOAD)
				load = r;
			else if (ir_ops[i->op].effects)
				load = IR_NONE;
			if ((i->op == IR_BRANCH || i->op == IR_SELECT) &&
			    c->uses[a[0]] == 1 && (is_icmp((enum ir_op)f->v[a[0]].op) ||
			    is_fflags((enum ir_op)f->v[a[0]].op)))
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
			if (i->op == IR_IAND) {
				if (andn_operand(c, r, a[0], a[1]) != IR_NONE)
					c->fused[a[0]] = true;
				else if (andn_operand(c, r, a[1], a[0]) != IR_NONE)
					c->fused[a[1]] = true;
			}
			mem_operands(c, r, last_eff);
			if (ir_ops[i->op].effects)
				last_eff = r;
		}
	}
}

/* The lowering's arrays per IR value (nv) and per IR block (nb), each
 * named once: its field, its count, and whether it is read before
 * written (zeroed; those come first). */
#define LW_STATE(X) \
	X(vr, nv, 1) X(uses, nv, 1) X(memop, nv, 1) X(ep_in, nb, 1) \
	X(ep_pre, nb, 1) X(mark, nb, 1) X(fused, nv, 1) X(has_lc, nb, 1) \
	X(body, nb, 0) X(split, nb, 0) X(mb_of, nb, 0) X(work, nb, 0)

/* LW_STATE's arrays, one allocation (freed by the caller): ten
 * allocations a function fewer, most functions being small.  Only the
 * zeroed prefix is cleared; the rest (ir_loop_blocks' scratch, the block
 * maps mir_lower fills) are written first: for printf_core 37 KB cleared
 * instead of 49. */
static void *state_alloc(lw *c)
{
	size_t nv = c->f->nv ? c->f->nv : 1, nb = c->f->nb ? c->f->nb : 1;
	size_t sz = 0, zeroed = 0;
#define LW_SIZE(name, n, zero) \
	sz = ((sz + 7) & ~(size_t)7) + (n) * sizeof *c->name; \
	if (zero) \
		zeroed = sz;
	LW_STATE(LW_SIZE)
#undef LW_SIZE
	char *p = malloc(sz);
	if (!p)
		return NULL;
	memset(p, 0, zeroed);
	sz = 0;
#define LW_PLACE(name, n, zero) \
	sz = (sz + 7) & ~(size_t)7;     /* each array 8-aligned */ \
	c->name = (void *)(p + sz); \
	sz += (n) * sizeof *c->name;
	LW_STATE(LW_PLACE)
#undef LW_PLACE
	return p;
}

wasm_status mir_lower(wasm_module *m, ir_func *f, mir_func **out,
	wasm_error *err)
{
	*out = NULL;
	lw c = { .m = m, .f = f };
	mir_func *mf = calloc(1, sizeof *mf);
	if (!mf || !ir_dom_compute(f)) {
		free(mf);
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory lowering");
	}
	mf->func_index = f->func_index;
	mf->nslots = f->nslots;
	c.mf = mf;
	void *state = state_alloc(&c);
	const mir_cpu_features *cpu = mir_cpu();
	c.lzcnt = cpu->lzcnt;
	c.tzcnt = cpu->tzcnt;
	c.popcnt = cpu->popcnt;
	c.sse41 = cpu->sse41;
	c.avx = cpu->avx && !m->engine->cfg.no_avx;
	/* BMI's andn and rorx are VEX-encoded too: no_avx (which tests the
	 * code for CPUs without VEX) leaves them out with AVX */
	c.bmi1 = cpu->bmi1 && !m->engine->cfg.no_avx;
	c.bmi2 = cpu->bmi2 && !m->engine->cfg.no_avx;
	lw_at(&c, IR_NONE);
	/* registers 0..32: none, the GPRs and the XMM registers, and room
	 * for one virtual register per IR value, which most functions do
	 * not reach (printf_core: 1,157 registers for 2,349 values): no
	 * growing in lw_vreg */
	if (!state || !ir_grow((void **)&mf->vsize, &mf->cap_v,
		MIR_FIRST_VIRT + f->nv, 1)) {
		c.oom = true;
		goto out;
	}
	memset(mf->vsize, 8, MIR_PHYSX(0));
	memset(mf->vsize + MIR_PHYSX(0), 8 | MIR_VFLT, MIR_FIRST_VIRT - MIR_PHYSX(0));
	mf->nv = MIR_FIRST_VIRT;
	if (f->b[0].npred)
		refuse(&c, "an entry block with predecessors");
	analyse(&c);
	if (!lw_epoch_plan(&c))
		goto out;
	/* the linear order: reverse postorder, split edges after their block */
	for (uint32_t k = 0; k < f->nrpo; k++) {
		uint32_t bi = f->rpo[k];
		ir_block *bl = &f->b[bi];
		if (bl->osr)
			osr_entry_block(&c, bi);
		c.mb_of[bi] = lw_new_block(&c, bi);
		c.split[bi][0] = c.split[bi][1] = UINT32_MAX;
		ir_ref t = ir_terminator(f, bi);
		if (t != IR_NONE && f->v[t].op == IR_BRANCH)
			for (uint32_t s = 0; s < 2 && s < bl->nsucc; s++)
				if (has_phis(f, bl->succ[s]))
					c.split[bi][s] = lw_new_block(&c, UINT32_MAX);
	}
	/* phis get their registers first (back edges name them early) */
	for (uint32_t k = 0; k < f->nrpo && !c.oom; k++) {
		ir_block *bl = &f->b[f->rpo[k]];
		for (uint32_t j = 0; j < bl->ninsn; j++) {
			ir_ref r = bl->insn[j];
			if (f->v[r].op != IR_PHI)
				break;
			lw_at(&c, r);
			(void)lw_def(&c, r);
		}
	}
	for (uint32_t k = 0; k < f->nrpo && !c.refusal && !c.oom; k++) {
		uint32_t bi = f->rpo[k];
		ir_block *bl = &f->b[bi];
		if (bl->osr)
			lower_osr_entry(&c, bi);
		c.cur = c.mb_of[bi];
		for (uint32_t j = 0; j < bl->ninsn && !c.refusal && !c.oom; j++) {
			if (j == bl->ninsn - 1 && c.ep_pre[bi])
				lw_epoch_load(&c, c.ep_pre[bi]);
			lower_insn(&c, bi, j, bl->insn[j]);
		}
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
	free(state);
	free(c.ep_reg);
	ir_osr_rebuild_free(&c.rebuild);
	free(c.spare);
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
