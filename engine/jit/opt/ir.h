/* ir.h -- tier 2's SSA IR (internal to engine/jit/opt/).
 *
 * A function is a graph of basic blocks; block 0 is the entry.  A block
 * holds a list of instructions: its phis first, then its body, then one
 * terminator (an op with IRE_CTRL).  An instruction is also the value it
 * defines (ir_ref: its index in ir_func.v; 0 is "no value").  Values are
 * typed (enum ir_type); a frame slot's 8 bytes become a value of one of the
 * types, and the builder inserts the exact reinterpretation (bitcast,
 * wrap, zero extension) where the pre-decoded code reads a slot as another
 * type (i32 and f32 sit zero-extended in their slot, so these are exact).
 *
 * Everything about an op is one line of IR_OPS below: its name, its
 * operands' kinds, the rule for its result type, its effects.  The
 * builder, the verifier, the printer and every pass read operand modes and
 * effects from there (ir_ops[]), never from a list of their own.
 *
 * Memory and side effects: no memory SSA yet.  An op with effects (IRE_READ,
 * IRE_WRITE, IRE_CALL, IRE_TRAP) stays in its block, in program order, and
 * the blocks' order of execution is the program's; no pass moves, merges
 * or reorders such an op.  That order *is* the memory state: a load reads
 * what the last write before it in program order left.  Only pure ops
 * (effects 0) are merged (GVN), folded or deleted when unused.  An op that
 * only reads (IRE_READ without IRE_TRAP) may be deleted when unused, never
 * merged.  The one exception is load elimination (ir_loadelim.c), which
 * reads that order itself: a load whose bytes an earlier load or store on
 * the same path gave, with nothing between that may write them (IRE_MEM
 * says which ops touch memory), becomes a copy of that value -- a later
 * access replaced by an earlier one, never the reverse.
 *
 * Traps: an op with IRE_TRAP remembers where it came from: its pre-decoded
 * offset (site) and the wasm byte offset of the instruction (wasm_off, from
 * the function's trap map), so a trap keeps its kind, function and offset
 * in every tier.  The kind is the op's (DIV: divide by zero or overflow;
 * TRUNC*: invalid conversion or overflow; loads and stores: out of bounds
 * memory; TRAP: its aux).
 *
 * OSR: each LOOP of the pre-decoded code starts a block (a loop header)
 * with an ir_osr record: for each frame slot live at the header, the value
 * that slot holds on entry to the header (a phi of the header, or a value
 * that dominates it), or IR_NONE if the slot is dead there.  Entering
 * optimized code from a baseline frame at that loop means loading those
 * slots into those values' locations.  OSR map entries count as uses: DCE
 * keeps them, copy propagation rewrites them, and GVN never replaces a
 * value inside a loop by one defined outside it unless that value is in
 * the header's map or a constant.  So every value live into an OSR header
 * can be recovered from the frame: it is in the map, a constant, or (LICM
 * moves such ops out of loops) a pure op dominating the header whose
 * operands are recoverable in turn -- the OSR entry computes those after
 * loading the slots (ir_osr_recoverable, passes.h, is the rule).
 */
#ifndef ENGINE_JIT_OPT_IR_H
#define ENGINE_JIT_OPT_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- types -------------------------------------------------------------------
 * X(NAME, text, bytes).  References (funcref, externref) are i64: a
 * pointer's bits, 0 for null, as in the frame slots.  A v128 is one value
 * (an XMM register) held by two consecutive frame slots: the builder
 * reads and writes it as the first of them. */
#define IR_TYPES(X) \
	X(NONE, "", 0) \
	X(I32, "i32", 4) \
	X(I64, "i64", 8) \
	X(F32, "f32", 4) \
	X(F64, "f64", 8) \
	X(V128, "v128", 16)

enum ir_type {
#define IR_ENUM_(t, s, n) IRT_##t,
	IR_TYPES(IR_ENUM_)
#undef IR_ENUM_
	IRT_COUNT_
};

/* ---- operand kinds -------------------------------------------------------------
 * What each operand of an op must be.  T: the instruction's own type;
 * A: the type of operand 0 (the second operand of a compare); INT: i32 or
 * i64; FLT: f32 or f64; W32/W64: any type of that width (a store writes the
 * value's bytes); SI/SF: the integer/float type in the instruction's
 * aux (a compare's or a conversion's source type, as LuaJIT's CONV keeps
 * it); ANY: any value; CALL: a call instruction (the operand of
 * a RESULT); VAR: variable count, the op's own rule (phi: one per
 * predecessor, of type T; calls and RET: the callee's or function's
 * signature). */
#define IR_KINDS(X) X(NONE) X(T) X(A) X(SI) X(SF) X(I32) X(I64) X(F32) X(F64) \
	X(INT) X(W32) X(W64) X(ANY) X(CALL) X(VAR)
enum ir_kind {
#define IR_ENUM_(k) IRK_##k,
	IR_KINDS(IR_ENUM_)
#undef IR_ENUM_
	IRK_COUNT_
};

/* Result rule: NONE (no value), T (the instruction's type, in its class),
 * I32/I64 (fixed).  Class of T: ANY, INT, FLT. */
enum ir_result { IRR_NONE, IRR_T, IRR_I32, IRR_I64 };
enum ir_class { IRC_ANY, IRC_INT, IRC_FLT };

/* Effects, a bit set; 0 is pure. */
enum {
	IRE_READ = 1,   /* reads linear memory, globals, tables or the
	                   execution context */
	IRE_WRITE = 2,  /* writes them */
	IRE_CALL = 4,   /* calls out: anything may happen */
	IRE_TRAP = 8,   /* may trap (carries its trap site) */
	IRE_CTRL = 16,  /* ends its block (a terminator) */
	IRE_MEM = 32,   /* its READ or WRITE includes linear memory's bytes
	                   or size (loads, stores, bulk memory, grow, calls);
	                   without it, only globals, tables, segments or the
	                   execution context: load elimination keeps what it
	                   knows of memory across those */
};

/* ---- the ops -------------------------------------------------------------------
 * X(NAME, text, nargs, kind0, kind1, kind2, result, class, effects).
 * nargs -1: variable (kind0 VAR).  imm: CONST's bits, a memory access's
 * static offset.  aux/aux2: indexes (global, table, function, data or elem
 * segment, canonical type id, result index, trap kind, fuel flag). */
#define IR_OP2_(X, N, s, k, cls) X(N, s, 2, k, k, NONE, T, cls, 0)
#define IR_OP1_(X, N, s, k, cls) X(N, s, 1, k, NONE, NONE, T, cls, 0)
#define IR_CMP_(X, N, s, k) X(N, s, 2, k, A, NONE, I32, ANY, 0)
#define IR_MEMRW IRE_READ | IRE_WRITE
#define IR_LD_ IRE_READ | IRE_MEM | IRE_TRAP
#define IR_ST_ IRE_WRITE | IRE_MEM | IRE_TRAP

#define IR_OPS(X) \
	/* values */ \
	X(NOP, "nop", 0, NONE, NONE, NONE, NONE, ANY, 0) \
	X(CONST, "const", 0, NONE, NONE, NONE, T, ANY, 0) \
	X(PARAM, "param", 0, NONE, NONE, NONE, T, ANY, 0) \
	X(PHI, "phi", -1, VAR, NONE, NONE, T, ANY, 0) \
	X(COPY, "copy", 1, T, NONE, NONE, T, ANY, 0) \
	X(SELECT, "select", 3, I32, T, T, T, ANY, 0) \
	X(BITCAST, "bitcast", 1, ANY, NONE, NONE, T, ANY, 0) \
	/* integer arithmetic (i32, i64) */ \
	IR_OP2_(X, IADD, "iadd", T, INT) IR_OP2_(X, ISUB, "isub", T, INT) \
	IR_OP2_(X, IMUL, "imul", T, INT) IR_OP2_(X, IAND, "iand", T, INT) \
	/* the high half of the double-width product, signed and unsigned \
	 * (one-operand imul/mul's rdx): division by constants */ \
	IR_OP2_(X, IMULHS, "imulh_s", T, INT) IR_OP2_(X, IMULHU, "imulh_u", T, INT) \
	IR_OP2_(X, IOR, "ior", T, INT) IR_OP2_(X, IXOR, "ixor", T, INT) \
	IR_OP2_(X, ISHL, "ishl", T, INT) IR_OP2_(X, ISHRS, "ishr_s", T, INT) \
	IR_OP2_(X, ISHRU, "ishr_u", T, INT) IR_OP2_(X, IROTL, "irotl", T, INT) \
	IR_OP2_(X, IROTR, "irotr", T, INT) \
	X(IDIVS, "idiv_s", 2, T, T, NONE, T, INT, IRE_TRAP) \
	X(IDIVU, "idiv_u", 2, T, T, NONE, T, INT, IRE_TRAP) \
	X(IREMS, "irem_s", 2, T, T, NONE, T, INT, IRE_TRAP) \
	X(IREMU, "irem_u", 2, T, T, NONE, T, INT, IRE_TRAP) \
	IR_OP1_(X, ICLZ, "iclz", T, INT) IR_OP1_(X, ICTZ, "ictz", T, INT) \
	IR_OP1_(X, IPOPCNT, "ipopcnt", T, INT) \
	IR_OP1_(X, IEXT8S, "iext8_s", T, INT) IR_OP1_(X, IEXT16S, "iext16_s", T, INT) \
	X(IEXT32S, "iext32_s", 1, I64, NONE, NONE, I64, ANY, 0) \
	X(IEQZ, "ieqz", 1, SI, NONE, NONE, I32, ANY, 0) \
	IR_CMP_(X, IEQ, "ieq", SI) IR_CMP_(X, INE, "ine", SI) \
	IR_CMP_(X, ILTS, "ilt_s", SI) IR_CMP_(X, ILTU, "ilt_u", SI) \
	IR_CMP_(X, IGTS, "igt_s", SI) IR_CMP_(X, IGTU, "igt_u", SI) \
	IR_CMP_(X, ILES, "ile_s", SI) IR_CMP_(X, ILEU, "ile_u", SI) \
	IR_CMP_(X, IGES, "ige_s", SI) IR_CMP_(X, IGEU, "ige_u", SI) \
	/* float arithmetic (f32, f64) */ \
	IR_OP2_(X, FADD, "fadd", T, FLT) IR_OP2_(X, FSUB, "fsub", T, FLT) \
	IR_OP2_(X, FMUL, "fmul", T, FLT) IR_OP2_(X, FDIV, "fdiv", T, FLT) \
	IR_OP2_(X, FMIN, "fmin", T, FLT) IR_OP2_(X, FMAX, "fmax", T, FLT) \
	IR_OP2_(X, FCOPYSIGN, "fcopysign", T, FLT) \
	IR_OP1_(X, FABS, "fabs", T, FLT) IR_OP1_(X, FNEG, "fneg", T, FLT) \
	IR_OP1_(X, FCEIL, "fceil", T, FLT) IR_OP1_(X, FFLOOR, "ffloor", T, FLT) \
	IR_OP1_(X, FTRUNC, "ftrunc", T, FLT) IR_OP1_(X, FNEAREST, "fnearest", T, FLT) \
	IR_OP1_(X, FSQRT, "fsqrt", T, FLT) \
	IR_CMP_(X, FEQ, "feq", SF) IR_CMP_(X, FNE, "fne", SF) \
	IR_CMP_(X, FLT, "flt", SF) IR_CMP_(X, FGT, "fgt", SF) \
	IR_CMP_(X, FLE, "fle", SF) IR_CMP_(X, FGE, "fge", SF) \
	/* conversions: the result's type is T, the source's in aux */ \
	X(WRAP, "wrap", 1, I64, NONE, NONE, I32, ANY, 0) \
	X(EXTU, "extend_u", 1, I32, NONE, NONE, I64, ANY, 0) \
	X(TRUNCS, "trunc_s", 1, SF, NONE, NONE, T, INT, IRE_TRAP) \
	X(TRUNCU, "trunc_u", 1, SF, NONE, NONE, T, INT, IRE_TRAP) \
	X(SATS, "trunc_sat_s", 1, SF, NONE, NONE, T, INT, 0) \
	X(SATU, "trunc_sat_u", 1, SF, NONE, NONE, T, INT, 0) \
	X(CONVS, "convert_s", 1, SI, NONE, NONE, T, FLT, 0) \
	X(CONVU, "convert_u", 1, SI, NONE, NONE, T, FLT, 0) \
	X(DEMOTE, "demote", 1, F64, NONE, NONE, T, FLT, 0) \
	X(PROMOTE, "promote", 1, F32, NONE, NONE, T, FLT, 0) \
	/* linear memory: address i32, static offset in imm */ \
	X(LOAD, "load", 1, I32, NONE, NONE, T, ANY, IR_LD_) \
	X(LOAD8S, "load8_s", 1, I32, NONE, NONE, T, INT, IR_LD_) \
	X(LOAD8U, "load8_u", 1, I32, NONE, NONE, T, INT, IR_LD_) \
	X(LOAD16S, "load16_s", 1, I32, NONE, NONE, T, INT, IR_LD_) \
	X(LOAD16U, "load16_u", 1, I32, NONE, NONE, T, INT, IR_LD_) \
	X(LOAD32S, "load32_s", 1, I32, NONE, NONE, I64, ANY, IR_LD_) \
	X(STORE8, "store8", 2, I32, INT, NONE, NONE, ANY, IR_ST_) \
	X(STORE16, "store16", 2, I32, INT, NONE, NONE, ANY, IR_ST_) \
	X(STORE32, "store32", 2, I32, W32, NONE, NONE, ANY, IR_ST_) \
	X(STORE64, "store64", 2, I32, W64, NONE, NONE, ANY, IR_ST_) \
	X(MEMORY_SIZE, "memory.size", 0, NONE, NONE, NONE, I32, ANY, IRE_READ | IRE_MEM) \
	X(MEMORY_GROW, "memory.grow", 1, I32, NONE, NONE, I32, ANY, IR_MEMRW | IRE_MEM) \
	X(MEMORY_FILL, "memory.fill", 3, I32, I32, I32, NONE, ANY, IR_ST_) \
	X(MEMORY_COPY, "memory.copy", 3, I32, I32, I32, NONE, ANY, IR_MEMRW | IRE_MEM | IRE_TRAP) \
	X(MEMORY_INIT, "memory.init", 3, I32, I32, I32, NONE, ANY, IR_MEMRW | IRE_MEM | IRE_TRAP) \
	X(DATA_DROP, "data.drop", 0, NONE, NONE, NONE, NONE, ANY, IRE_WRITE) \
	/* globals, tables, references (aux: the index; GLOBAL_SET's type is \
	 * the global's) */ \
	X(GLOBAL_GET, "global.get", 0, NONE, NONE, NONE, T, ANY, IRE_READ) \
	X(GLOBAL_SET, "global.set", 1, T, NONE, NONE, NONE, ANY, IRE_WRITE) \
	X(TABLE_GET, "table.get", 1, I32, NONE, NONE, I64, ANY, IRE_READ | IRE_TRAP) \
	X(TABLE_SET, "table.set", 2, I32, I64, NONE, NONE, ANY, IRE_WRITE | IRE_TRAP) \
	X(TABLE_SIZE, "table.size", 0, NONE, NONE, NONE, I32, ANY, IRE_READ) \
	X(TABLE_GROW, "table.grow", 2, I64, I32, NONE, I32, ANY, IR_MEMRW) \
	X(TABLE_FILL, "table.fill", 3, I32, I64, I32, NONE, ANY, IRE_WRITE | IRE_TRAP) \
	X(TABLE_COPY, "table.copy", 3, I32, I32, I32, NONE, ANY, IR_MEMRW | IRE_TRAP) \
	X(TABLE_INIT, "table.init", 3, I32, I32, I32, NONE, ANY, IR_MEMRW | IRE_TRAP) \
	X(ELEM_DROP, "elem.drop", 0, NONE, NONE, NONE, NONE, ANY, IRE_WRITE) \
	X(REF_FUNC, "ref.func", 0, NONE, NONE, NONE, I64, ANY, 0) \
	/* calls: arguments as operands (CALL_INDIRECT: the table index \
	 * first), results as RESULT projections of the call */ \
	X(CALL, "call", -1, VAR, NONE, NONE, NONE, ANY, IRE_CALL | IR_MEMRW | IRE_MEM | IRE_TRAP) \
	X(CALL_IMPORT, "call_import", -1, VAR, NONE, NONE, NONE, ANY, IRE_CALL | IR_MEMRW | IRE_MEM | IRE_TRAP) \
	X(CALL_INDIRECT, "call_indirect", -1, VAR, NONE, NONE, NONE, ANY, IRE_CALL | IR_MEMRW | IRE_MEM | IRE_TRAP) \
	X(RESULT, "result", 1, CALL, NONE, NONE, T, ANY, 0) \
	/* SIMD: aux the pre-decoded op (OP_V_*, jit/jit_simd.h gives its \
	 * shape), aux2 its lane, imm v128.const's and i8x16.shuffle's low \
	 * 8 bytes (the high 8 an i64 constant, their last operand) or a \
	 * memory access's static offset.  Operands (ir_vop_arg_type): the \
	 * address (VLOAD, VSTORE), the v128s, the scalar (i32 or i64: an \
	 * f32/f64 lane as its bits).  Result: v128, or the scalar. */ \
	X(VOP, "vop", -1, VAR, NONE, NONE, T, ANY, 0) \
	X(VLOAD, "vload", -1, VAR, NONE, NONE, T, ANY, IR_LD_) \
	X(VSTORE, "vstore", -1, VAR, NONE, NONE, NONE, ANY, IR_ST_) \
	/* the tiers' checks: function entry (stack, deadline, fuel if aux) \
	 * and loop header (deadline, fuel if aux) */ \
	X(ENTRY_CHECK, "entry_check", 0, NONE, NONE, NONE, NONE, ANY, IR_MEMRW | IRE_TRAP) \
	X(LOOP_CHECK, "loop_check", 0, NONE, NONE, NONE, NONE, ANY, IR_MEMRW | IRE_TRAP) \
	/* an inlined callee's return: its frame record popped (ir_inline.c) */ \
	X(FRAME_POP, "frame_pop", 0, NONE, NONE, NONE, NONE, ANY, IRE_WRITE) \
	/* terminators: JUMP (1 successor), BRANCH (taken if the operand is \
	 * not zero, else the second), SWITCH (n + 1 successors, the last the \
	 * default), RET (the results), TRAP (aux: the kind) */ \
	X(JUMP, "jump", 0, NONE, NONE, NONE, NONE, ANY, IRE_CTRL) \
	X(BRANCH, "branch", 1, INT, NONE, NONE, NONE, ANY, IRE_CTRL) \
	X(SWITCH, "switch", 1, I32, NONE, NONE, NONE, ANY, IRE_CTRL) \
	X(RET, "ret", -1, VAR, NONE, NONE, NONE, ANY, IRE_CTRL) \
	X(TRAP, "trap", 0, NONE, NONE, NONE, NONE, ANY, IRE_CTRL | IRE_TRAP)

enum ir_op {
#define IR_ENUM_(op, s, n, k0, k1, k2, r, c, e) IR_##op,
	IR_OPS(IR_ENUM_)
#undef IR_ENUM_
	IR_OP_COUNT_
};

typedef struct {
	const char *name;       /* "iadd" */
	int8_t nargs;           /* -1: variable */
	uint8_t kind[3];        /* enum ir_kind of operands 0..2 */
	uint8_t result;         /* enum ir_result */
	uint8_t cls;            /* enum ir_class of the instruction's type */
	uint8_t effects;        /* IRE_* */
} ir_op_info;

extern const ir_op_info ir_ops[IR_OP_COUNT_];
extern const char *const ir_type_names[IRT_COUNT_];
extern const uint8_t ir_type_bytes[IRT_COUNT_];

/* ---- instructions, blocks, functions ------------------------------------------ */

typedef uint32_t ir_ref;
#define IR_NONE 0u
#define IR_INLINE_ARGS 3
/* An instruction's operands at most (nargs is 16 bits).  Only a phi
 * could have more, one per edge into its block, and a body within
 * OPT_MAX_BODY_KIB (opt.h) has fewer edges than bytes; past it the
 * instruction is not made (f->oom), and the function stays with the
 * lower tiers. */
#define IR_MAX_ARGS UINT16_MAX

typedef struct {
	uint8_t op;             /* enum ir_op (IR_OP_COUNT_ <= 256) */
	uint8_t type;           /* enum ir_type: the result's (or, for ops
	                           without one, IRT_NONE) */
	uint16_t nargs;         /* <= IR_MAX_ARGS */
	uint32_t block;
	union {
		ir_ref a[IR_INLINE_ARGS];   /* nargs <= IR_INLINE_ARGS */
		ir_ref *va;                 /* more: f's memory (ir_mem) */
	} u;
	uint64_t imm;
	uint32_t aux, aux2;
	uint32_t site;          /* pre-decoded offset it came from */
	uint32_t wasm_off;      /* IRE_TRAP: the wasm offset a trap names */
} ir_insn;
/* 48 bytes: every pass walks f->v (printf_core's 3,000 values), and the
 * builder's fresh pages are mostly these */
_Static_assert(sizeof(ir_insn) == 48, "ir_insn's layout");

/* Where an inlined instruction's code is (ir_inline.c): only inlining
 * writes these, so they sit beside f->v (ir_func.inl), not in every
 * ir_insn. */
typedef struct {
	uint32_t func;          /* the function whose site and wasm_off
	                           these are, + 1; 0: the function's own */
	uint32_t base;          /* the slot of this function's frame where
	                           that function's frame (its slot 0) lies
	                           -- the inlined call's base; 0 for the
	                           function's own.  Lowering adds it to the
	                           slots a call or slow op names in its
	                           pre-decoded instruction. */
} ir_inl;

typedef struct {
	uint32_t *insn, ninsn, cap_insn;
	uint32_t *pred, npred, cap_pred;   /* phi operand k is from pred[k] */
	uint32_t *succ, nsucc, cap_succ;   /* in the terminator's order */
	uint32_t code_off;      /* pre-decoded offset of its first instruction */
	uint32_t osr;           /* index + 1 of its ir_osr, 0 if none */
	bool dead;              /* removed (unreachable) */
	/* analysis (ir_dom_compute) */
	uint32_t idom;          /* immediate dominator (entry: itself) */
	uint32_t rpo;           /* position in reverse postorder */
	uint32_t dom_depth;
} ir_block;

/* The frame at a loop header, for OSR entry from a baseline frame. */
typedef struct {
	uint32_t block;         /* the header */
	uint32_t code_off;      /* pre-decoded offset of its LOOP */
	uint32_t nslots;        /* frame slots */
	ir_ref *slot;           /* value held by each slot, IR_NONE if dead */
} ir_osr;

/* The function's lists: its blocks' instruction, predecessor and
 * successor lists and the operand arrays of instructions with more than
 * IR_INLINE_ARGS operands (ir.c, "the IR's memory").  They come in
 * classes of 16 << k bytes, bump-allocated from chunks and, when a list
 * grows or an array is given back, kept on the class's free list for the
 * next one; all of it goes at once with the function.  malloc'ing each
 * (two or three small arrays per block) and freeing them one by one
 * took about 25M instructions over the bench programs' compiles. */
#define IR_MEM_CLASSES 26
struct ir_chunk;
typedef struct {
	struct ir_chunk *used;  /* the chunk being cut first, then the full */
	size_t off;             /* bytes of used's cut */
	void *free[IR_MEM_CLASSES];     /* blocks given back, by class */
} ir_mem;

typedef struct ir_func {
	uint32_t func_index;
	struct wasm_module *module;   /* its module (ir_build), for passes
	                                 that read other functions (inline) */
	uint32_t nlocals;       /* params + declared locals: slots 0.. */
	uint32_t nslots;        /* the frame's slots (ENTER's frame) */
	uint32_t nresults;
	uint8_t *result_types;  /* enum ir_type of each result */
	ir_insn *v;             /* v[0] unused (IR_NONE) */
	uint8_t *opc;           /* v[r].op of every value (cap_opc of them:
	                           its own count, the builder reserving v
	                           itself), kept by ir_insn_new and ir_morph, the only
	                           writers of op (ir_verify checks): a walk
	                           that asks only an op reads a byte here
	                           instead of an instruction's 48 (printf_core's
	                           are 110 KB, past the L1 cache; the ops 2 KB) */
	uint32_t nv, cap_v, cap_opc;
	ir_inl *inl;            /* inlined code's origin by value (ir_inl),
	                           cap_inl of them, NULL until the inliner
	                           sets one: values past cap_inl are the
	                           function's own */
	uint32_t cap_inl;
	ir_block *b;
	uint32_t nb, cap_b;
	ir_osr *osr;
	uint32_t nosr, cap_osr;
	uint32_t *rpo;          /* blocks in reverse postorder (ir_dom_compute) */
	uint32_t nrpo;
	/* the CFG's edits (blocks, edges, dead), counted: every change to
	 * nb, a block's pred or succ list or its dead flag adds one
	 * (ir_block_new, ir_edge_add and ir_edge_remove do; code editing
	 * the lists itself must), and ir_dom_compute computes again only
	 * when the count moved since it last did (dom_gen; dom_ok).
	 * ir_verify checks that the dominators kept are the CFG's. */
	uint32_t cfg_gen, dom_gen;
	bool dom_ok;
	uint32_t ncopy;         /* instructions whose op is IR_COPY, placed or
	                           not (ir_insn_new and ir_morph count them:
	                           the only writers of op); ir_verify checks */
	uint32_t nnop;          /* instructions made NOPs, or NOPs placed in
	                           a list, since ir_compact last ran (ir.c
	                           counts them): at 0 no list holds a NOP,
	                           and ir_compact has nothing to do;
	                           ir_verify checks */
	ir_ref *ktab;           /* ir_const's table: open addressing on
	                           (type, bits), 0 empty; cap_k a power of 2 */
	uint32_t nk, cap_k;
	/* what the pass just run tells the pass manager (ir_pass.c), both
	 * cleared before each pass: */
	bool copies_only;       /* its changes were operands and OSR slots
	                           pointed past copies, copies deleted, NOPs
	                           dropped (copy propagation, when no phi
	                           became a copy) */
	bool unfinished;        /* it stopped short of its fixpoint (fold's
	                           round limit): running it again would
	                           change more */
	bool oom;               /* an allocation failed (or an instruction
	                           wanted more than IR_MAX_ARGS operands):
	                           the IR is unusable */
	ir_mem mem;             /* the lists' memory */
	/* the passes' scratch stack (ir_tmp_alloc): tmp_cap bytes at tmp,
	 * tmp_used of them in use; tmp_want the most a stack asked for
	 * (arrays malloc'd past the buffer included) */
	char *tmp;
	size_t tmp_cap, tmp_used, tmp_want;
} ir_func;

/* ---- ir.c ------------------------------------------------------------------------ */

ir_func *ir_func_new(uint32_t func_index);
void ir_func_free(ir_func *f);

/* *p, an array of *cap elements of elem bytes, grown (doubling) to hold
 * at least need; false if out of memory (*p and *cap unchanged).  The
 * one growing array of tier 2's files. */
static inline bool ir_grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	uint32_t ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, (size_t)ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

/* A block's list (insn, pred or succ, *cap entries) grown to hold at
 * least need, from f's memory (ir_mem: never malloc's, so not for
 * ir_grow); false if out of memory (f->oom set, *list and *cap
 * unchanged). */
bool ir_list_grow(ir_func *f, uint32_t **list, uint32_t *cap, uint32_t need);

/* A pass's scratch array of `bytes`, zeroed or not; NULL if out of
 * memory (f->oom set).  Given back with ir_tmp_free (NULL is nothing)
 * in the reverse order of the allocations: the
 * arrays are a stack in one buffer of f's (ir_func.tmp), which every
 * pass run reuses, so the per-block and per-value arrays each run used
 * to malloc and free (gvn 7, loopchk 8, ...) cost a bump and land on
 * pages the earlier runs touched.  An array that does not fit is
 * malloc'd (ir_tmp_free tells the two apart), and the buffer grows to
 * the largest stack seen once it is empty again. */
void *ir_tmp_alloc(ir_func *f, size_t bytes);
void *ir_tmp_zalloc(ir_func *f, size_t bytes);
void ir_tmp_free(ir_func *f, void *p);
/* The buffer freed (nothing in use: every array given back); the next
 * ir_tmp_alloc makes a new one. */
void ir_tmp_release(ir_func *f);

static inline ir_insn *ir_at(ir_func *f, ir_ref r) { return &f->v[r]; }
static inline const ir_op_info *ir_info(const ir_func *f, ir_ref r)
{
	return &ir_ops[f->v[r].op];
}
static inline ir_ref *ir_args(ir_func *f, ir_ref r)
{
	ir_insn *i = &f->v[r];
	return i->nargs <= IR_INLINE_ARGS ? i->u.a : i->u.va;
}
/* The function whose pre-decoded code r's site is an offset in: an
 * inlined callee's (ir_inl's func), else f's own. */
static inline ir_inl ir_inl_of(const ir_func *f, ir_ref r)
{
	return r < f->cap_inl ? f->inl[r] : (ir_inl){ 0, 0 };
}
static inline uint32_t ir_site_func(const ir_func *f, ir_ref r)
{
	uint32_t fn = ir_inl_of(f, r).func;
	return fn ? fn - 1 : f->func_index;
}
/* Record that r is inlined code of function func at frame slot base
 * (ir_inl); false if out of memory (f->oom set). */
bool ir_inl_set(ir_func *f, ir_ref r, uint32_t func, uint32_t base);
static inline bool ir_is_const(const ir_func *f, ir_ref r)
{
	return r != IR_NONE && f->opc[r] == IR_CONST;
}

/* Room in f->v for n values at least, reserved at once (exactly n if it
 * grows: no doubling past it); false if out of memory (f->oom set). */
bool ir_reserve_v(ir_func *f, uint32_t n);
/* A new block; its id. */
uint32_t ir_block_new(ir_func *f);
/* A new instruction, not in a block yet (nargs operands, all IR_NONE). */
ir_ref ir_insn_new(ir_func *f, enum ir_op op, enum ir_type type, uint32_t nargs);
/* Place r at the end of block b / before b's terminator, if it has one
 * (after the phis at least) / after b's phis (and the deleted
 * instructions among and right after them: phis keep their order of
 * insertion when some are deleted). */
void ir_append(ir_func *f, uint32_t b, ir_ref r);
void ir_insert_body(ir_func *f, uint32_t b, ir_ref r);
void ir_insert_phi(ir_func *f, uint32_t b, ir_ref r);
/* Place r at index pos of b's list (pos <= its length), for a caller
 * that knows where its phis end (the builder counts those it places:
 * ir_insert_phi's walk over them cost it 15M instructions over the bench
 * programs, the loop headers' phis made and deleted one by one). */
void ir_insert_at(ir_func *f, uint32_t b, uint32_t pos, ir_ref r);
/* Place r right before instruction `at` (in at's block). */
void ir_insert_before(ir_func *f, ir_ref at, ir_ref r);
/* b's terminator, or IR_NONE. */
ir_ref ir_terminator(const ir_func *f, uint32_t b);
/* Shortcuts: an instruction placed at the end of b / a constant at the
 * start of the entry block (so it dominates every use): the one already
 * there with that type and bits if it is still a constant (one per value,
 * found by a hash: constants are shared, never changed in place). */
ir_ref ir_emit(ir_func *f, uint32_t b, enum ir_op op, enum ir_type type,
	uint32_t nargs, const ir_ref *args);
ir_ref ir_const(ir_func *f, enum ir_type type, uint64_t bits);
/* Turn r into op with the given operands (its old operand storage freed). */
void ir_morph(ir_func *f, ir_ref r, enum ir_op op, uint32_t nargs,
	const ir_ref *args);
/* Resize a variable-count instruction's operands (keeping the first). */
bool ir_set_nargs(ir_func *f, ir_ref r, uint32_t nargs);
/* Edges: add from -> to (a pred entry in to, a succ entry in from; phis
 * of `to` must get an operand: callers add it); remove from's k-th
 * successor edge, deleting the matching phi operands in the target. */
void ir_edge_add(ir_func *f, uint32_t from, uint32_t to);
void ir_edge_remove(ir_func *f, uint32_t from, uint32_t k);
/* Delete r from its block (it becomes a NOP). */
void ir_delete(ir_func *f, ir_ref r);
/* Drop NOPs from the blocks' lists (nothing to do if none was made
 * since the last time: ir_func.nnop). */
void ir_compact(ir_func *f);

/* Blocks reachable from the entry, reverse postorder, immediate
 * dominators (Cooper, Harvey, Kennedy, "A Simple, Fast Dominance
 * Algorithm").  Unreachable blocks get rpo = UINT32_MAX.  Nothing to do
 * if the CFG has not changed since the last time (cfg_gen). */
bool ir_dom_compute(ir_func *f);
bool ir_dominates(const ir_func *f, uint32_t a, uint32_t b);
/* Mark unreachable blocks dead, removing their edges and instructions
 * (and OSR maps); true if any was. */
bool ir_remove_unreachable(ir_func *f);

/* The value r resolves to through COPY chains.  Inline: the passes
 * call it for every operand they look at (a million calls over the
 * bench programs' functions, most of them returning r at once). */
static inline ir_ref ir_resolve(const ir_func *f, ir_ref r)
{
	for (uint32_t n = 0; r != IR_NONE && f->opc[r] == IR_COPY && n < f->nv; n++)
		r = f->v[r].u.a[0];
	return r;
}
/* Whether phi r is trivial (Braun et al.): the one value other than r
 * among its operands, each mapped through resolve(ctx, a); IR_NONE if
 * there are two, none, or an operand still IR_NONE (not looked up yet).
 * The builder and copy propagation both ask it. */
static inline ir_ref ir_phi_only_value(const ir_func *f, ir_ref r,
	ir_ref (*resolve)(void *ctx, ir_ref a), void *ctx)
{
	/* (inline, so that resolve is too: copy propagation asks this of
	 * every phi of every run, 26K calls over the bench programs) */
	const ir_insn *i = &f->v[r];
	const ir_ref *a = i->nargs <= IR_INLINE_ARGS ? i->u.a : i->u.va;
	const uint32_t nargs = i->nargs;
	ir_ref same = IR_NONE;
	for (uint32_t k = 0; k < nargs; k++) {
		ir_ref x = a[k];
		if (x == IR_NONE)
			return IR_NONE;         /* not looked up yet */
		x = resolve(ctx, x);
		if (x == r || x == same)
			continue;
		if (same != IR_NONE)
			return IR_NONE;
		same = x;
	}
	return same;
}

/* Sort v[0..n) ascending, in place: a radix sort by bytes (O(n), a
 * scratch copy malloc'd), a heapsort for short arrays or when malloc
 * fails (O(n log n), none).  Tier 2 sorts
 * with this, not libc's qsort: glibc's asks sysinfo() for the memory size
 * when the array is over 1 KiB, and the worker's seccomp filter kills
 * the process on sysinfo (sandbox/policy.c). */
void ir_sort_u64(uint64_t *v, size_t n);

/* ---- ir_simd.c ------------------------------------------------------------------- */

/* The operand count of a VOP/VLOAD/VSTORE of pre-decoded op `op`, and
 * the type of its operand k (IRT_NONE past the last). */
uint32_t ir_vop_nargs(uint32_t op);
enum ir_type ir_vop_arg_type(uint32_t op, uint32_t k);
/* The result type of a SIMD op (IRT_NONE for stores). */
enum ir_type ir_vop_result_type(uint32_t op);
/* The IR op for SIMD op `op`: IR_VOP, IR_VLOAD or IR_VSTORE. */
enum ir_op ir_vop_of(uint32_t op);

/* ---- ir_print.c ------------------------------------------------------------------ */

void ir_print(ir_func *f, FILE *out);
void ir_print_insn(ir_func *f, ir_ref r, FILE *out);

/* ---- ir_verify.c ----------------------------------------------------------------- */

/* Check the IR's invariants: block structure (phis first, one terminator
 * last, successors as the terminator says, preds and succs agree), operand
 * kinds and types as IR_OPS says, every use dominated by its definition,
 * phis match their block's predecessors, OSR maps dominate their header.
 * False with a message in msg (msg_len bytes) on the first violation. */
bool ir_verify(ir_func *f, char *msg, size_t msg_len);

#endif
