/* lower_int.h -- what tier 2's instruction selection shares (internal to
 * lower.c, lower_float.c and lower_ctl.c).
 *
 * lower.c        the lowering state, the helpers below, integer ops,
 *                memory, calls, ops left to C, OSR entries, memory-operand
 *                fusion, mir_lower
 * lower_float.c  float and SIMD ops (XMM registers)
 * lower_ctl.c    edges (phi moves), terminators, br_table
 *
 * Every function here works on block c->cur (the MIR block being
 * filled); out of memory sets c->oom and refusals set c->refusal, the
 * functions then returning something harmless (mir_lower checks both).
 */
#ifndef ENGINE_JIT_OPT_LOWER_INT_H
#define ENGINE_JIT_OPT_LOWER_INT_H

#include "jit/opt/mir.h"
#include "jit/opt/passes.h"

/* The lowering state of one function (mir_lower). */
typedef struct {
	wasm_module *m;
	ir_func *f;
	mir_func *mf;
	mir_reg *vr;            /* per IR value */
	uint32_t *uses;         /* per IR value */
	bool *fused;            /* per IR value: lowered at its one user */
	ir_ref *memop;          /* per IR value: the load (or the bitcast fused
	                           with one) it reads as a memory operand */
	uint32_t *mb_of;        /* IR block -> MIR block */
	uint32_t (*split)[2];   /* IR block, successor k -> MIR split block
	                           (UINT32_MAX: none) */
	uint32_t cur;           /* MIR block being filled */
	ir_ref at;              /* IR instruction being lowered (lower.c's
	                           lw_at sets the two below with it) */
	uint32_t at_site, at_func;      /* its site and function, for lw_ins */
	const char *refusal;
	bool oom;
	bool lzcnt, tzcnt, popcnt, sse41, avx, bmi1, bmi2;
	ir_osr_rebuild rebuild; /* lower_osr_entry's */
	/* a finished block's growing array, for the next block (lw_ins) */
	mir_insn *spare;
	uint32_t cap_spare;
	/* The loop checks that read the epoch's address and the deadline
	 * from registers (lw_epoch_plan): per IR block, the loop (1..) whose
	 * blocks they are live in (its header's check reads them) and the
	 * loop whose preheader loads them, else 0; per loop, the two
	 * registers.  has_lc: per IR block, whether it holds a loop check
	 * (analyse); mark, work, body: ir_loop_blocks' scratch. */
	uint32_t *ep_in, *ep_pre;
	bool *has_lc;
	uint32_t *mark, *work;
	uint64_t *body;
	mir_reg (*ep_reg)[2];
	uint32_t nep, cap_ep;
} lw;

/* Refuse the function with reason why (the first reason is kept). */
static inline void refuse(lw *c, const char *why)
{
	if (!c->refusal)
		c->refusal = why;
}

/* The size in bytes of a value of type t (refused without a type). */
static inline unsigned tsize(lw *c, enum ir_type t)
{
	if (t == IRT_I32 || t == IRT_F32)
		return 4;
	if (t == IRT_I64 || t == IRT_F64)
		return 8;
	if (t == IRT_V128)
		return 16;
	refuse(c, "a value without a type");
	return 8;
}

/* A constant's bits as its type holds them (i32: zero-extended). */
static inline uint64_t cbits(lw *c, ir_ref r)
{
	ir_insn *i = ir_at(c->f, r);
	return ir_type_bytes[i->type] == 4 ? (uint32_t)i->imm : i->imm;
}

/* Block b of f starts with phis. */
static inline bool has_phis(ir_func *f, uint32_t b)
{
	return f->b[b].ninsn && f->v[f->b[b].insn[0]].op == IR_PHI;
}

/* ---- lower.c -------------------------------------------------------------- */

/* Whether IR op is lowered as a call (CALL, CALLIMP, CALLIND, SLOWOP: every
 * caller-saved register clobbered). */
bool lw_calls(enum ir_op op);

/* A new virtual register of size bytes, float class if flt. */
mir_reg lw_vreg(lw *c, unsigned size, bool flt);
/* Append op of size with registers d, a, b to block c->cur; its site and
 * function those of c->at.  Never NULL (out of memory: a scratch). */
mir_insn *lw_ins(lw *c, enum mir_op op, unsigned size, mir_reg d,
	mir_reg a, mir_reg b);
/* The register holding IR value r (constants: materialized here). */
mir_reg lw_val(lw *c, ir_ref r);
/* The register IR value r is defined into (made at the first call). */
mir_reg lw_def(lw *c, ir_ref r);
/* d = r (a register copy or a constant). */
void lw_move_into(lw *c, mir_reg d, unsigned size, ir_ref r);
/* Instruction op of size reading r's memory operand (c->memop[r]): its
 * base in the register role `a` (or `b` for CMPM and VFALUM, whose a is
 * `other`), its displacement in imm (slot for those), its site the
 * load's. */
mir_insn *lw_ins_mem(lw *c, enum mir_op op, unsigned size, mir_reg d,
	mir_reg other, ir_ref r);
/* The address operand of a load or store at addr + off: register (or
 * MIR_NOREG) and displacement, off > 2^31 - 1 folded into a register. */
void lw_address(lw *c, ir_ref addr, uint64_t off, mir_reg *base, int32_t *disp);
/* Set the flags for a branch or select condition r (a fused compare,
 * else r != 0); the condition code that is true when r is. */
x64_cc lw_cond(lw *c, ir_ref r);
/* [rbx + 8*slot] = value r, the whole slot (i32 zero-extended). */
void lw_store_slot(lw *c, uint32_t slot, ir_ref r);
/* A new MIR block for IR block irb (UINT32_MAX: none, a block of the
 * lowering's own); its index (0 when out of memory). */
uint32_t lw_new_block(lw *c, uint32_t irb);

/* ---- lower_float.c -------------------------------------------------------- */

/* Float op r (class IRC_FLT, a float compare, a conversion). */
void lw_lower_float(lw *c, ir_ref r);
/* SIMD op r (IR_VOP, IR_VLOAD, IR_VSTORE). */
void lw_lower_simd(lw *c, ir_ref r);

/* ---- lower_ctl.c ---------------------------------------------------------- */

/* Terminator r of IR block blk: ends block c->cur (and the blocks its
 * edges need) with their successors set. */
void lw_lower_term(lw *c, uint32_t blk, ir_ref r);
/* Which loop checks read the epoch's address and the deadline from
 * registers loaded before the loop (c->ep_*); false when out of memory. */
bool lw_epoch_plan(lw *c);
/* Load loop ep's two registers (at a preheader's end, in an OSR entry). */
void lw_epoch_load(lw *c, uint32_t ep);

#endif
