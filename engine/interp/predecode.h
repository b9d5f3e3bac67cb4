/* predecode.h -- what the pre-decoder's files share (internal to
 * predecode*.c; the rest of the engine calls it through fcode.h).
 *
 * The pre-decoder validates a function body and pre-decodes it into
 * interpreter code in one pass (see ops.h for the code format).  Its files:
 *
 *   predecode.c          the driver (func_validate, func_compile, fcode_*),
 *                        the code buffer, the operand stack and its lazy
 *                        operands, errors
 *   predecode_control.c  the control stack: blocks, branches, br_table,
 *                        return, calls
 *   predecode_ops.c      the other instructions: numeric, variables,
 *                        select, memory (with the fused address forms),
 *                        tables, references, the 0xfc prefix
 *   predecode_body.c     the opcode loop (pd_body)
 *
 * The frame of a function is an array of 8-byte slots: its locals (params
 * first), then the operand stack.  Each value takes valtype_slots(type)
 * consecutive slots (front/module.h: a v128 two, the rest one), one value
 * after the other, so without v128 the value at operand depth h lives in
 * slot nlocals + h.  Two functions map to slots, and nothing else does:
 * local_slot[] (a local's index) and slot_of() (an operand depth).  A
 * call's arguments already sit at the top of the caller's operand stack, so
 * the callee's frame starts there and its results land where the caller
 * expects them: both sides lay the signature out by the same widths.  The baseline JIT will
 * spill to the same slots, which is what makes on-stack replacement a jump.
 *
 * Register-style code: an instruction names the slots it reads and writes.
 * `local.get` and constants are lazy: they emit nothing, and the consuming
 * instruction reads the local directly or takes the constant as an
 * immediate.  A lazy value is materialised into its operand slot when that
 * stops being safe or possible: before its local is written, before control
 * flow joins (block entry, branches, block ends) and for call arguments.
 * An instruction whose result goes straight to `local.set` writes the local,
 * and a compare followed by `br_if` becomes one compare-and-branch; these
 * rewrite only the last emitted instruction, never across a label.
 *
 * Functions one file defines for the others are pd_<name>; the tiny, hot
 * ones (dead, slot_of, retargetable, ...) are static inline here, without
 * the prefix.
 */
#ifndef ENGINE_INTERP_PREDECODE_H
#define ENGINE_INTERP_PREDECODE_H

#include "interp/ops.h"
#include "runtime/runtime.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { T_UNKNOWN = 0 };

/* Where an operand's value is: K_OTHER and K_RESULT in its slot (K_RESULT:
 * written by the instruction at [pos, end)); K_LOCAL still in a local and
 * K_CONST still an immediate (nothing emitted yet). */
enum { K_OTHER, K_LOCAL, K_CONST, K_RESULT };

typedef struct {
	uint8_t type;
	uint8_t kind;
	uint16_t op;               /* K_RESULT: the op that produced it */
	uint32_t pos, end;         /* producing instruction's extent */
	uint32_t local;            /* K_LOCAL */
	uint64_t imm;              /* K_CONST */
	uint32_t slot;             /* its first slot (set by pd_push) */
} sentry;

enum { C_BLOCK, C_LOOP, C_IF, C_ELSE, C_FUNC };

typedef struct {
	uint8_t kind;
	bool unreachable;          /* stack polymorphic (validation) */
	bool dead_entry;           /* entered inside dead code: emit nothing */
	uint32_t height;           /* operand depth below the block's params */
	uint32_t nparams, nresults;
	const uint8_t *params, *results;
	uint8_t single;            /* storage for a one-value block type */
	uint32_t label_pos;        /* loop: position of its header */
	uint32_t patches;          /* chain of forward branch sites */
	uint32_t else_site;        /* if: the br_unless site, or NONE */
} ctrl;

#define NONE UINT32_MAX

typedef struct {
	const wasm_module *m;
	const func_t *fn;
	const functype *type;
	reader r;
	wasm_error *err;
	bool emit;
	bool oom;

	uint32_t nlocals;
	uint8_t *local_types;
	uint32_t *local_slot;      /* local index -> its first slot */
	uint32_t local_slots;      /* slots the locals take: the operand
	                              stack starts there */
	bool has_v128;             /* a v128 value lives in the frame */

	sentry *stack;
	uint32_t sp, stack_cap;
	uint32_t max_sp;           /* operand slots used, at most */
	ctrl *ctl;
	uint32_t csp, ctl_cap;

	uint8_t *code;
	uint32_t len, cap;
	uint32_t barrier;          /* no rewrite before this position */
	uint32_t (*map)[2];
	uint32_t nmap, map_cap;
	size_t instr_offset;       /* wasm offset of the current opcode */
} compiler;

/* Where a popped operand is read from: a local, its own slot, or an
 * immediate. */
typedef struct {
	uint32_t slot;
	bool is_const;
	uint64_t imm;
} operand;

static inline bool is_num(uint8_t t)
{
	return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64;
}

static inline bool is_ref(uint8_t t)
{
	return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

/* ---- errors (predecode.c) --------------------------------------------- */

/* Set c->err at the current opcode and return false: WASM_ERR_INVALID or
 * WASM_ERR_MALFORMED. */
bool pd_fail(compiler *c, const char *msg);
bool pd_fail_malformed(compiler *c, const char *msg);

/* ---- code buffer (predecode.c) ---------------------------------------- */

/* Nothing is emitted: validation only, or code no path reaches. */
static inline bool dead(const compiler *c)
{
	const ctrl *f = &c->ctl[c->csp - 1];
	return !c->emit || f->unreachable || f->dead_entry;
}

/* Append n bytes (nothing in dead code; c->oom if memory runs out). */
void pd_put(compiler *c, const void *p, uint32_t n);

/* Append the instruction insn (len bytes) of op, whose layout must be lay;
 * an op that can trap (op_infos) gets its map entry first.  Returns its
 * position, or NONE if nothing was emitted (dead code, out of memory). */
uint32_t pd_emit_insn(compiler *c, enum interp_op op, enum op_layout lay,
	const void *insn, uint32_t len);

/* Emit op, of layout lay, with its fields given by designated
 * initialisers: EMIT(c, D_AB, OP_ADD32, .d = d, .a = a, .b = b). */
#define EMIT(c_, lay_, opc_, ...) \
	pd_emit_insn((c_), (opc_), OPL_##lay_, \
		&(struct op_##lay_){ .op = OP_HEAD(opc_), __VA_ARGS__ }, \
		(uint32_t)sizeof(struct op_##lay_))

/* The instruction at pos read back (for a fusion) as its layout's struct. */
#define INSN_AT(c_, pos_, lay_) (*OP_AT((c_)->code + (pos_), lay_))

/* Branch fields (OPF_REL) hold the target relative to the field itself;
 * until their label is bound, forward ones chain the sites that wait for
 * it (NONE ends the chain). */
static inline uint32_t rel_get(const compiler *c, uint32_t site)
{
	OPF_REL v;
	memcpy(&v, c->code + site, sizeof v);
	return (uint32_t)v;
}

static inline void rel_set(compiler *c, uint32_t site, uint32_t v)
{
	OPF_REL x = (OPF_REL)v;
	memcpy(c->code + site, &x, sizeof x);
}

/* The position of the k-th branch field of the instruction at pos. */
static inline uint32_t branch_site(const compiler *c, uint32_t pos, uint32_t k)
{
	return pos + insn_branch_field(c->code + pos, k);
}

/* Redirect the destination of the instruction at pos (its first field, a
 * D slot: see retargetable()) to slot s. */
void pd_retarget(compiler *c, uint32_t pos, uint32_t s);

/* A label is bound here: code before it can no longer be rewritten. */
static inline void bind_label(compiler *c)
{
	c->barrier = c->len;
}

/* ---- operand stack and lazy operands (predecode.c) -------------------- */

/* The first slot of the value at operand depth `depth`: the end of the
 * one below it.  Popped entries stay in the array, so this holds for the
 * depths of values just popped too.  (Operands popped from the bottom of
 * an unreachable stack were never pushed: their depths may be past the
 * array, and their code is dead; any slot does.) */
static inline uint32_t slot_of(const compiler *c, uint32_t depth)
{
	if (depth == 0 || depth > c->stack_cap)
		return c->local_slots;
	const sentry *e = &c->stack[depth - 1];
	return e->slot + valtype_slots(e->type);
}

/* Push a value of type `type`, in its slot (K_OTHER); fails past the
 * frame's slot limit (LIMIT_FUNC_SLOTS). */
bool pd_push(compiler *c, uint8_t type);
/* Pop a value of type `want` (T_UNKNOWN = any).  *got receives the entry
 * (type T_UNKNOWN when popped from an unreachable stack's bottom). */
bool pd_pop_entry(compiler *c, uint8_t want, sentry *got);
bool pd_pop(compiler *c, uint8_t want);

void pd_emit_const(compiler *c, uint32_t slot, uint64_t bits);
/* Copy a value of type `type` from slot a to slot d (nothing if equal). */
void pd_emit_copy(compiler *c, uint8_t type, uint32_t d, uint32_t a);
/* Write lazy entries into their slots: all of them, the top n, or (before
 * local l is written) those still reading l. */
void pd_materialize_all(compiler *c);
void pd_materialize_top(compiler *c, uint32_t n);
void pd_materialize_local(compiler *c, uint32_t l);

/* Operand for popped entry e (it was at depth d): a lazy local is read in
 * place, a lazy constant becomes an immediate if allowed, else is written
 * to slot d. */
operand pd_take(compiler *c, const sentry *e, uint32_t d, bool allow_const);

/* Record that the value just pushed at the top was produced by the
 * instruction starting at pos (and ending at the current length). */
void pd_produced(compiler *c, uint32_t pos, uint8_t kind, uint16_t op);

/* The value's instruction is the last one emitted and its first field is
 * a destination slot that may be redirected. */
static inline bool retargetable(const compiler *c, const sentry *e)
{
	return !dead(c) && e->kind == K_RESULT && e->end == c->len &&
	       e->pos >= c->barrier;
}

/* ---- control (predecode_control.c) ------------------------------------ */

bool pd_push_ctrl(compiler *c, uint8_t kind, uint32_t np, const uint8_t *params,
	uint32_t nr, const uint8_t *results);
/* The rest of the block is unreachable: its stack is polymorphic. */
void pd_set_unreachable(compiler *c);

/* One function per wasm instruction, its immediates not yet read.  kind is
 * C_BLOCK, C_LOOP or C_IF; pd_end sets *done at the function's final end. */
bool pd_block(compiler *c, uint8_t kind);
bool pd_else(compiler *c);
bool pd_end(compiler *c, bool *done);
bool pd_br(compiler *c);
bool pd_br_if(compiler *c);
bool pd_br_table(compiler *c);
bool pd_return(compiler *c);
bool pd_call(compiler *c);
bool pd_call_indirect(compiler *c);

/* ---- the other instructions (predecode_ops.c) ------------------------- */

/* The simple numeric opcode opc (WOP_NUMERIC_FIRST..WOP_NUMERIC_LAST). */
bool pd_numeric(compiler *c, uint8_t opc);
/* A constant of type `type` (bits as a slot holds them): lazy. */
bool pd_const(compiler *c, uint8_t type, uint64_t bits);
bool pd_local_get(compiler *c);
bool pd_local_set(compiler *c, bool tee);
bool pd_global(compiler *c, bool set);
bool pd_select(compiler *c, bool typed);
/* The load or store opcode opc (WOP_MEMACCESS_FIRST..WOP_MEMACCESS_LAST):
 * its op, value type and alignment from the opcode table. */
bool pd_memaccess(compiler *c, uint8_t opc);
bool pd_memory_size(compiler *c);
bool pd_memory_grow(compiler *c);
bool pd_table_get(compiler *c);
bool pd_table_set(compiler *c);
bool pd_ref_is_null(compiler *c);
bool pd_ref_func(compiler *c);
/* An instruction of the 0xfc prefix (saturating conversions, bulk memory,
 * tables). */
bool pd_prefix_fc(compiler *c);

/* A memarg of an access whose natural alignment is natural_log2: its
 * offset in *offset (memory 0 must exist). */
bool pd_read_memarg(compiler *c, uint32_t natural_log2, uint32_t *offset);

/* ---- SIMD (predecode_simd.c) ------------------------------------------ */

/* An instruction of the 0xfd prefix. */
bool pd_prefix_simd(compiler *c);

/* ---- the opcode loop (predecode_body.c) ------------------------------- */

/* Validate the body from c->r up to its final end, and pre-decode it
 * unless c->emit is false.  On failure c->err says why. */
bool pd_body(compiler *c);

#endif
