/* ops.h -- the pre-decoded instruction set, as one table (internal to
 * engine/).
 *
 * The pre-decoder (predecode.c) turns a validated function body into a
 * stream of instructions; the interpreter (interp.c) runs them, the
 * baseline JIT (jit/base/) translates them, tier.c and the printers read
 * them.  Everything those need to know about an instruction is here, once:
 *
 *   INTERP_LAYOUTS  each operand layout: its fields, in order, with their
 *                   kind.  A layout is also a packed struct (struct
 *                   op_<LAYOUT>) whose first member is the head, so code
 *                   reads a field by name, never by a literal offset:
 *                   OP_AT(ip, D_AB)->b.
 *   INTERP_OPS      each op: its layout, its family (what a compiler
 *                   dispatches on), the type of its operands and the traps
 *                   it can raise.
 *
 * Lengths, the offsets of slot and branch fields, names for printers, all
 * derive from these two lists (ops.c).  An instruction is its head (the op,
 * enum interp_op) followed by its fields, unaligned.  The frame is an array
 * of 8-byte slots (locals, then the operand stack); a slot field is a
 * 16-bit index into it.  A v128 value takes two consecutive slots (bytes
 * 0..7 in the first; valtype_slots in front/module.h), and a slot field of
 * a SIMD op that names a v128 names the first of them.
 *
 * Adding an instruction: a line in INTERP_OPS (with an existing layout, or
 * a new line in INTERP_LAYOUTS), its handler in interp_*.h, its emitter in
 * jit/base/ (or a bail-out), the pre-decoder's rule that produces it, and
 * a test.  See docs/ARCHITECTURE.md, "Adding an instruction".
 */
#ifndef ENGINE_INTERP_OPS_H
#define ENGINE_INTERP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "front/opcodes.h"

/* ---- field kinds -----------------------------------------------------------
 * F(KIND, name) in a layout.  OPF_<KIND> is the C type of the field. */
#define OPF_D    uint16_t   /* slot the instruction writes */
#define OPF_S    uint16_t   /* slot the instruction reads */
#define OPF_BASE uint16_t   /* a call's frame base: the callee's slot 0
                               (arguments read there, results written) */
#define OPF_K16  uint16_t   /* small immediate (a shift count) */
#define OPF_I32  uint32_t   /* 32-bit immediate: constant, index, offset */
#define OPF_I64  uint64_t   /* 64-bit immediate */
#define OPF_REL  int32_t    /* branch target, relative to the address of
                               this field itself */
#define OPF_CNT  uint32_t   /* a counter the code updates as it runs (tier-up
                               hotness: ENTER counts calls, LOOP iterations) */

/* The kinds as numbers: OPK_<KIND> (ops.c, the printer). */
enum op_field_kind { OPK_D, OPK_S, OPK_BASE, OPK_K16, OPK_I32, OPK_I64,
	OPK_REL, OPK_CNT };

/* ---- layouts ---------------------------------------------------------------
 * L(LAYOUT, fields).  BR_TABLE is the one layout of variable length: its
 * fixed part is followed by n + 1 REL fields (OP_BR_TABLE_TARGETS). */
#define INTERP_LAYOUTS(L, F) \
	L(NONE,        ) \
	L(ENTER,       F(CNT, count) F(I32, first) F(I32, nzero) F(I32, frame)) \
	L(LOOP,        F(CNT, count)) \
	L(BR,          F(REL, target)) \
	L(BR_IF,       F(S, c) F(REL, target)) \
	L(BR_TABLE,    F(S, i) F(I32, n)) \
	L(CALL,        F(BASE, base) F(I32, func)) \
	L(CALL_IND,    F(BASE, base) F(S, i) F(I32, table) F(I32, type_id)) \
	L(D,           F(D, d)) \
	L(D_A,         F(D, d) F(S, a)) \
	L(D_AB,        F(D, d) F(S, a) F(S, b)) \
	L(D_A_IMM,     F(D, d) F(S, a) F(I32, imm)) \
	L(D_IMM,       F(D, d) F(I32, imm)) \
	L(D_IMM64,     F(D, d) F(I64, imm)) \
	L(D_IDX,       F(D, d) F(I32, idx)) \
	L(A_IDX,       F(S, a) F(I32, idx)) \
	L(IDX,         F(I32, idx)) \
	L(SELECT,      F(D, d) F(S, c) F(S, a) F(S, b)) \
	L(TABLE_GET,   F(D, d) F(S, i) F(I32, table)) \
	L(TABLE_SET,   F(S, i) F(S, v) F(I32, table)) \
	L(TABLE_GROW,  F(D, d) F(S, init) F(S, n) F(I32, table)) \
	L(TABLE_FILL,  F(S, i) F(S, v) F(S, n) F(I32, table)) \
	L(TABLE_COPY,  F(S, dst) F(S, src) F(S, n) F(I32, dst_table) F(I32, src_table)) \
	L(TABLE_INIT,  F(S, dst) F(S, src) F(S, n) F(I32, table) F(I32, elem)) \
	L(BULK,        F(S, dst) F(S, src) F(S, n)) \
	L(MEMORY_INIT, F(S, dst) F(S, src) F(S, n) F(I32, data)) \
	L(LOAD,        F(D, d) F(S, a) F(I32, off)) \
	L(STORE,       F(S, a) F(S, v) F(I32, off)) \
	L(BR_CMP,      F(S, a) F(S, b) F(REL, target)) \
	L(BR_CMP_IMM,  F(S, a) F(I32, imm) F(REL, target)) \
	L(LOAD_ADDI,   F(D, d) F(S, x) F(I32, imm) F(I32, off)) \
	L(LOAD_ADDX,   F(D, d) F(S, x) F(S, y) F(I32, off)) \
	L(STORE_ADDI,  F(S, x) F(I32, imm) F(S, v) F(I32, off)) \
	L(STORE_ADDX,  F(S, x) F(S, y) F(S, v) F(I32, off)) \
	L(ADDSHL,      F(D, d) F(S, x) F(S, y) F(K16, k)) \
	L(LOAD_SCALED, F(D, d) F(S, x) F(S, y) F(K16, k) F(I32, off)) \
	L(STORE_SCALED, F(S, x) F(S, y) F(K16, k) F(S, v) F(I32, off)) \
	L(D_ABC,       F(D, d) F(S, a) F(S, b) F(S, c)) \
	L(V_CONST,     F(D, d) F(I64, lo) F(I64, hi)) \
	L(V_SHUFFLE,   F(D, d) F(S, a) F(S, b) F(I64, lo) F(I64, hi)) \
	L(V_LANE,      F(D, d) F(S, a) F(K16, lane)) \
	L(V_REPLACE,   F(D, d) F(S, a) F(S, b) F(K16, lane)) \
	L(V_LOAD_LANE, F(D, d) F(S, a) F(S, v) F(I32, off) F(K16, lane)) \
	L(V_STORE_LANE, F(S, a) F(S, v) F(I32, off) F(K16, lane))

/* The head every instruction starts with: the op, and for the
 * interpreter its handler's offset (interp.c threads a function's code on
 * its first run; the pre-decoder leaves it 0).  Only this block knows the
 * head's representation: everyone else reads the op with insn_op and the
 * interpreter the handler with insn_handler, and instructions are built
 * with OP_HEAD, so that changing the head is a change of the typedef. */
typedef struct __attribute__((packed)) {
	int32_t handler;        /* interp.c: handler - base */
	uint16_t op;            /* enum interp_op */
} op_head;

/* The head of an op as the pre-decoder writes it (no handler yet). */
#define OP_HEAD(op_) ((op_head){ .op = (op_) })

/* struct op_<LAYOUT>: the head, then the fields. */
#define OPS_FIELD_(kind, name) OPF_##kind name;
#define OPS_STRUCT_(lay, fields) \
	struct __attribute__((packed, may_alias)) op_##lay { op_head op; fields };
INTERP_LAYOUTS(OPS_STRUCT_, OPS_FIELD_)
#undef OPS_STRUCT_

/* The branch targets after BR_TABLE's fixed part: n + 1 of them, the last
 * the default. */
#define OP_BR_TABLE_TARGETS(ip) \
	((const uint8_t *)(ip) + sizeof(struct op_BR_TABLE))

enum op_layout {
#define OPS_ENUM_(lay, fields) OPL_##lay,
	INTERP_LAYOUTS(OPS_ENUM_, OPS_FIELD_)
#undef OPS_ENUM_
	OPL_COUNT_
};
#undef OPS_FIELD_

/* The instruction at ip as its layout's struct. */
#define OP_AT(ip, lay) ((struct op_##lay *)(ip))

/* ---- families --------------------------------------------------------------
 * What a compiler dispatches on: ops of one family are compiled by the same
 * emitter, which reads the op's own facts (type, position in its group). */
#define INTERP_FAMILIES(X) \
	X(CONTROL)      /* unreachable, exit, enter, loop, branches, return */ \
	X(CALL)         /* direct, import and indirect calls */ \
	X(MOVE)         /* copy, constants, select */ \
	X(GLOBAL)       /* global.get / global.set */ \
	X(REF)          /* ref.is_null, ref.func */ \
	X(TABLE)        /* table.* and elem.drop */ \
	X(MEMORY)       /* memory.size/grow, bulk memory, data.drop */ \
	X(LOAD)         /* loads: plain and with fused address arithmetic */ \
	X(STORE)        /* stores: likewise */ \
	X(ADDR)         /* address arithmetic kept apart: x + (y << k) */ \
	X(INT_UNARY)    /* eqz, clz, ctz, popcnt, sign extension, wrap */ \
	X(INT_BINARY)   /* compare and arithmetic, two slot operands */ \
	X(INT_IMM)      /* compare and arithmetic, immediate second operand */ \
	X(INT_DIV)      /* div and rem: they trap */ \
	X(FLOAT_UNARY)  /* abs, neg, ceil, floor, trunc, nearest, sqrt */ \
	X(FLOAT_BINARY) /* compare and arithmetic */ \
	X(CONVERT)      /* conversions between number types */ \
	X(BR_CMP)       /* compare-and-branch */ \
	X(SIMD)         /* v128: the 0xfd instructions, and the moves, select,
	                   globals and function entry of a frame holding a
	                   v128 (the JITs refuse the family for now: such a
	                   function stays in the interpreter) */

enum op_family {
#define OPS_ENUM_(f) OPFAM_##f,
	INTERP_FAMILIES(OPS_ENUM_)
#undef OPS_ENUM_
	OPFAM_COUNT_
};

/* ---- what an op can raise --------------------------------------------------
 * An op that can trap gets an entry in its function's map from pre-decoded
 * to wasm offsets (struct fcode.map), so a trap names its wasm offset. */
#define INTERP_TRAPS(X) \
	X(NONE)      /* cannot trap */ \
	X(UNREACH)   /* unreachable */ \
	X(ENTRY)     /* stack overflow; deadline; fuel */ \
	X(LOOP)      /* deadline; fuel */ \
	X(CALL)      /* whatever the callee raises; stack overflow; indirect
	                calls: table bounds, null element, signature */ \
	X(MEM)       /* out of bounds memory access */ \
	X(TABLE)     /* out of bounds table access */ \
	X(DIV)       /* integer divide by zero, integer overflow */ \
	X(CONV)      /* invalid conversion to integer, integer overflow */

enum op_traps {
#define OPS_ENUM_(t) OPTR_##t,
	INTERP_TRAPS(OPS_ENUM_)
#undef OPS_ENUM_
	OPTR_COUNT_
};

/* ---- SIMD ops, derived from the wasm opcode table ------------------------------
 * Each 0xfd instruction of front/opcodes.h (WASM_OPS_SIMD) is one op,
 * V_<name>, whose layout and traps follow from its shape (and, for OTHER,
 * its immediate): OPS_SIMD_LAY_<shape>(imm) gives "LAYOUT, TRAPS". */
#define OPS_SIMD_LAY_UNOP(imm)       D_A, NONE
#define OPS_SIMD_LAY_BINOP(imm)      D_AB, NONE
#define OPS_SIMD_LAY_TERNOP(imm)     D_ABC, NONE
#define OPS_SIMD_LAY_SHIFT(imm)      D_AB, NONE
#define OPS_SIMD_LAY_EXTRACT(imm)    V_LANE, NONE
#define OPS_SIMD_LAY_REPLACE(imm)    V_REPLACE, NONE
#define OPS_SIMD_LAY_LOAD(imm)       LOAD, MEM
#define OPS_SIMD_LAY_STORE(imm)      STORE, MEM
#define OPS_SIMD_LAY_LOAD_LANE(imm)  V_LOAD_LANE, MEM
#define OPS_SIMD_LAY_STORE_LANE(imm) V_STORE_LANE, MEM
#define OPS_SIMD_LAY_OTHER(imm)      OPS_SIMD_OTHER_##imm
#define OPS_SIMD_OTHER_V128          V_CONST, NONE
#define OPS_SIMD_OTHER_SHUFFLE       V_SHUFFLE, NONE
#define OPS_SIMD_ROW2_(op, lay_tr) OPS_SIMD_ROW3_(op, lay_tr)
#define OPS_SIMD_ROW3_(op, lay, tr) INTERP_OPS_X(op, lay, SIMD, V128, tr)
#define OPS_SIMD_X_(name, text, prefix, code, imm, shape, t, r, op, iop) \
	OPS_SIMD_ROW2_(V_##name, OPS_SIMD_LAY_##shape(imm))
/* The preprocessor cannot hand INTERP_OPS's X down through the opcode
 * table's own X, so the SIMD rows call INTERP_OPS_X: an expansion of
 * INTERP_OPS(X) defines INTERP_OPS_X as X around it (a missing one fails
 * the build). */

/* ---- the ops ----------------------------------------------------------------
 * X(OP, LAYOUT, FAMILY, TYPE, TRAPS).  TYPE is the type of the operands
 * (I32, I64, F32, F64; NONE where that means nothing); for a conversion,
 * of the source.  Groups that the pre-decoder maps onto each other by
 * arithmetic (a compare onto its compare-and-branch, a load onto its
 * fused-address forms) keep one order; ops.c asserts it. */

#define OPS_CMP_(X, sfx, lay, fam, T, tr) \
	X(EQ##sfx, lay, fam, T, tr) X(NE##sfx, lay, fam, T, tr) \
	X(LTS##sfx, lay, fam, T, tr) X(LTU##sfx, lay, fam, T, tr) \
	X(GTS##sfx, lay, fam, T, tr) X(GTU##sfx, lay, fam, T, tr) \
	X(LES##sfx, lay, fam, T, tr) X(LEU##sfx, lay, fam, T, tr) \
	X(GES##sfx, lay, fam, T, tr) X(GEU##sfx, lay, fam, T, tr)

#define OPS_INT_(X, sfx, T) \
	X(EQZ##sfx, D_A, INT_UNARY, T, NONE) \
	OPS_CMP_(X, sfx, D_AB, INT_BINARY, T, NONE) \
	X(CLZ##sfx, D_A, INT_UNARY, T, NONE) X(CTZ##sfx, D_A, INT_UNARY, T, NONE) \
	X(POPCNT##sfx, D_A, INT_UNARY, T, NONE) \
	X(ADD##sfx, D_AB, INT_BINARY, T, NONE) X(SUB##sfx, D_AB, INT_BINARY, T, NONE) \
	X(MUL##sfx, D_AB, INT_BINARY, T, NONE) \
	X(DIVS##sfx, D_AB, INT_DIV, T, DIV) X(DIVU##sfx, D_AB, INT_DIV, T, DIV) \
	X(REMS##sfx, D_AB, INT_DIV, T, DIV) X(REMU##sfx, D_AB, INT_DIV, T, DIV) \
	X(AND##sfx, D_AB, INT_BINARY, T, NONE) X(OR##sfx, D_AB, INT_BINARY, T, NONE) \
	X(XOR##sfx, D_AB, INT_BINARY, T, NONE) X(SHL##sfx, D_AB, INT_BINARY, T, NONE) \
	X(SHRS##sfx, D_AB, INT_BINARY, T, NONE) X(SHRU##sfx, D_AB, INT_BINARY, T, NONE) \
	X(ROTL##sfx, D_AB, INT_BINARY, T, NONE) X(ROTR##sfx, D_AB, INT_BINARY, T, NONE)

/* Float results -- the NaN rule, the same in every tier (interpreter,
 * baseline JIT, optimizing JIT; docs/ARCHITECTURE.md, "Float results").
 * A float operation whose result is a NaN gives:
 *
 *   add, sub, mul, div, min, max: the first operand if it is a NaN, else
 *     the second, quieted (quiet bit set; sign and payload kept); if
 *     neither is a NaN (inf - inf, 0 * inf, 0 / 0, inf / inf) the
 *     default NaN, sign bit set: f32 0xffc00000, f64 0xfff8000000000000;
 *   sqrt, ceil, floor, trunc, nearest: the operand quieted; sqrt of a
 *     number below zero: the default NaN;
 *   f32.demote_f64: the operand quieted, sign kept, its payload's top 22
 *     bits kept (the low 29 dropped); f64.promote_f32: the operand
 *     quieted, its payload followed by 29 zero bits.
 *
 * abs, neg and copysign are bit operations and keep payloads exactly; so
 * do reinterpret, loads, stores, constants, locals, globals and select.
 *
 * This is what x86-64's SSE instructions do when the first operand is
 * their destination (addss a, b), so the baseline JIT follows it at no
 * cost; the interpreter repairs a NaN result on its cold path with the
 * rule written in C (op_nan32, op_nan64, op_demote_nan, op_promote_nan in
 * ops_slow.h).  Hence for a compiler: never swap the operands of add,
 * mul, min or max (which operand is first decides the payload), and fold
 * constants with ops_slow.h's functions.  The spec allows any NaN here;
 * tests/unit/check_jit.c (float_nan_rule_every_tier) and tests/diff
 * compare the bits. */
#define OP_F32_DEFAULT_NAN 0xffc00000u
#define OP_F64_DEFAULT_NAN 0xfff8000000000000ull

#define OPS_FLOAT_(X, sfx, T) \
	X(FEQ##sfx, D_AB, FLOAT_BINARY, T, NONE) X(FNE##sfx, D_AB, FLOAT_BINARY, T, NONE) \
	X(FLT##sfx, D_AB, FLOAT_BINARY, T, NONE) X(FGT##sfx, D_AB, FLOAT_BINARY, T, NONE) \
	X(FLE##sfx, D_AB, FLOAT_BINARY, T, NONE) X(FGE##sfx, D_AB, FLOAT_BINARY, T, NONE) \
	X(FABS##sfx, D_A, FLOAT_UNARY, T, NONE) X(FNEG##sfx, D_A, FLOAT_UNARY, T, NONE) \
	X(FCEIL##sfx, D_A, FLOAT_UNARY, T, NONE) X(FFLOOR##sfx, D_A, FLOAT_UNARY, T, NONE) \
	X(FTRUNC##sfx, D_A, FLOAT_UNARY, T, NONE) X(FNEAREST##sfx, D_A, FLOAT_UNARY, T, NONE) \
	X(FSQRT##sfx, D_A, FLOAT_UNARY, T, NONE) \
	X(FADD##sfx, D_AB, FLOAT_BINARY, T, NONE) X(FSUB##sfx, D_AB, FLOAT_BINARY, T, NONE) \
	X(FMUL##sfx, D_AB, FLOAT_BINARY, T, NONE) X(FDIV##sfx, D_AB, FLOAT_BINARY, T, NONE) \
	X(FMIN##sfx, D_AB, FLOAT_BINARY, T, NONE) X(FMAX##sfx, D_AB, FLOAT_BINARY, T, NONE) \
	X(FCOPYSIGN##sfx, D_AB, FLOAT_BINARY, T, NONE)

/* Immediate second operand (i64: sign-extended imm32), compares first. */
#define OPS_IMM_(X, sfx, T) \
	OPS_CMP_(X, sfx##I, D_A_IMM, INT_IMM, T, NONE) \
	X(ADD##sfx##I, D_A_IMM, INT_IMM, T, NONE) X(MUL##sfx##I, D_A_IMM, INT_IMM, T, NONE) \
	X(AND##sfx##I, D_A_IMM, INT_IMM, T, NONE) X(OR##sfx##I, D_A_IMM, INT_IMM, T, NONE) \
	X(XOR##sfx##I, D_A_IMM, INT_IMM, T, NONE) X(SHL##sfx##I, D_A_IMM, INT_IMM, T, NONE) \
	X(SHRS##sfx##I, D_A_IMM, INT_IMM, T, NONE) X(SHRU##sfx##I, D_A_IMM, INT_IMM, T, NONE)

/* Loads and stores, by access kind; the same order for each address form.
 * A load's TYPE is the type of its result (8U and 16U serve i32 and i64
 * alike: zero extension gives the same slot); stores write the low bytes
 * of any slot (f32 and f64 too), so they have none. */
#define OPS_LOADS_(X, pfx, lay) \
	X(pfx##_I32, lay, LOAD, I32, MEM) X(pfx##_I64, lay, LOAD, I64, MEM) \
	X(pfx##_8S32, lay, LOAD, I32, MEM) X(pfx##_8U, lay, LOAD, I64, MEM) \
	X(pfx##_16S32, lay, LOAD, I32, MEM) X(pfx##_16U, lay, LOAD, I64, MEM) \
	X(pfx##_8S64, lay, LOAD, I64, MEM) X(pfx##_16S64, lay, LOAD, I64, MEM) \
	X(pfx##_32S64, lay, LOAD, I64, MEM)
#define OPS_STORES_(X, pfx, lay) \
	X(pfx##_8, lay, STORE, NONE, MEM) X(pfx##_16, lay, STORE, NONE, MEM) \
	X(pfx##_32, lay, STORE, NONE, MEM) X(pfx##_64, lay, STORE, NONE, MEM)

#define INTERP_OPS(X) \
	X(UNREACHABLE, NONE, CONTROL, NONE, UNREACH) \
	X(EXIT, NONE, CONTROL, NONE, NONE) \
	X(ENTER, ENTER, CONTROL, NONE, ENTRY) \
	X(ENTER_FUEL, ENTER, CONTROL, NONE, ENTRY) \
	X(LOOP, LOOP, CONTROL, NONE, LOOP) \
	X(LOOP_FUEL, LOOP, CONTROL, NONE, LOOP) \
	X(BR, BR, CONTROL, NONE, NONE) \
	X(BR_IF, BR_IF, CONTROL, I64, NONE) \
	X(BR_UNLESS, BR_IF, CONTROL, I64, NONE) \
	X(BR_TABLE, BR_TABLE, CONTROL, I32, NONE) \
	X(RET, NONE, CONTROL, NONE, NONE) \
	X(CALL, CALL, CALL, NONE, CALL) \
	X(CALL_IMPORT, CALL, CALL, NONE, CALL) \
	X(CALL_INDIRECT, CALL_IND, CALL, NONE, CALL) \
	X(COPY, D_A, MOVE, NONE, NONE) \
	X(CONST32, D_IMM, MOVE, I32, NONE) \
	X(CONST64, D_IMM64, MOVE, I64, NONE) \
	X(SELECT, SELECT, MOVE, NONE, NONE) \
	X(GLOBAL_GET, D_IDX, GLOBAL, NONE, NONE) \
	X(GLOBAL_SET, A_IDX, GLOBAL, NONE, NONE) \
	X(REF_IS_NULL, D_A, REF, NONE, NONE) \
	X(REF_FUNC, D_IDX, REF, NONE, NONE) \
	X(TABLE_GET, TABLE_GET, TABLE, NONE, TABLE) \
	X(TABLE_SET, TABLE_SET, TABLE, NONE, TABLE) \
	X(TABLE_SIZE, D_IDX, TABLE, NONE, NONE) \
	X(TABLE_GROW, TABLE_GROW, TABLE, NONE, NONE) \
	X(TABLE_FILL, TABLE_FILL, TABLE, NONE, TABLE) \
	X(TABLE_COPY, TABLE_COPY, TABLE, NONE, TABLE) \
	X(TABLE_INIT, TABLE_INIT, TABLE, NONE, TABLE) \
	X(ELEM_DROP, IDX, TABLE, NONE, NONE) \
	X(MEMORY_SIZE, D, MEMORY, NONE, NONE) \
	X(MEMORY_GROW, D_A, MEMORY, NONE, NONE) \
	X(MEMORY_FILL, BULK, MEMORY, NONE, MEM) \
	X(MEMORY_COPY, BULK, MEMORY, NONE, MEM) \
	X(MEMORY_INIT, MEMORY_INIT, MEMORY, NONE, MEM) \
	X(DATA_DROP, IDX, MEMORY, NONE, NONE) \
	OPS_LOADS_(X, LD, LOAD) \
	OPS_STORES_(X, ST, STORE) \
	OPS_INT_(X, 32, I32) \
	OPS_INT_(X, 64, I64) \
	OPS_FLOAT_(X, 32, F32) \
	OPS_FLOAT_(X, 64, F64) \
	X(WRAP, D_A, INT_UNARY, I64, NONE) \
	X(TRUNC_F32_S32, D_A, CONVERT, F32, CONV) X(TRUNC_F32_U32, D_A, CONVERT, F32, CONV) \
	X(TRUNC_F64_S32, D_A, CONVERT, F64, CONV) X(TRUNC_F64_U32, D_A, CONVERT, F64, CONV) \
	X(TRUNC_F32_S64, D_A, CONVERT, F32, CONV) X(TRUNC_F32_U64, D_A, CONVERT, F32, CONV) \
	X(TRUNC_F64_S64, D_A, CONVERT, F64, CONV) X(TRUNC_F64_U64, D_A, CONVERT, F64, CONV) \
	X(SAT_F32_S32, D_A, CONVERT, F32, NONE) X(SAT_F32_U32, D_A, CONVERT, F32, NONE) \
	X(SAT_F64_S32, D_A, CONVERT, F64, NONE) X(SAT_F64_U32, D_A, CONVERT, F64, NONE) \
	X(SAT_F32_S64, D_A, CONVERT, F32, NONE) X(SAT_F32_U64, D_A, CONVERT, F32, NONE) \
	X(SAT_F64_S64, D_A, CONVERT, F64, NONE) X(SAT_F64_U64, D_A, CONVERT, F64, NONE) \
	X(CONV_S32_F32, D_A, CONVERT, I32, NONE) X(CONV_U32_F32, D_A, CONVERT, I32, NONE) \
	X(CONV_S64_F32, D_A, CONVERT, I64, NONE) X(CONV_U64_F32, D_A, CONVERT, I64, NONE) \
	X(DEMOTE, D_A, CONVERT, F64, NONE) \
	X(CONV_S32_F64, D_A, CONVERT, I32, NONE) X(CONV_U32_F64, D_A, CONVERT, I32, NONE) \
	X(CONV_S64_F64, D_A, CONVERT, I64, NONE) X(CONV_U64_F64, D_A, CONVERT, I64, NONE) \
	X(PROMOTE, D_A, CONVERT, F32, NONE) \
	X(EXT8S32, D_A, INT_UNARY, I32, NONE) X(EXT16S32, D_A, INT_UNARY, I32, NONE) \
	X(EXT8S64, D_A, INT_UNARY, I64, NONE) X(EXT16S64, D_A, INT_UNARY, I64, NONE) \
	X(EXT32S64, D_A, INT_UNARY, I64, NONE) \
	OPS_IMM_(X, 32, I32) \
	OPS_IMM_(X, 64, I64) \
	OPS_CMP_(X, _BR32, BR_CMP, BR_CMP, I32, NONE) \
	OPS_CMP_(X, _BR32I, BR_CMP_IMM, BR_CMP, I32, NONE) \
	OPS_CMP_(X, _BR64, BR_CMP, BR_CMP, I64, NONE) \
	OPS_LOADS_(X, LDA, LOAD_ADDI) \
	OPS_LOADS_(X, LDX, LOAD_ADDX) \
	OPS_STORES_(X, STA, STORE_ADDI) \
	OPS_STORES_(X, STX, STORE_ADDX) \
	X(ADDSHL32, ADDSHL, ADDR, I32, NONE) \
	OPS_LOADS_(X, LDS, LOAD_SCALED) \
	OPS_STORES_(X, STS, STORE_SCALED) \
	X(V128_COPY, D_A, SIMD, V128, NONE) \
	X(V128_SELECT, SELECT, SIMD, V128, NONE) \
	X(V128_GLOBAL_GET, D_IDX, SIMD, V128, NONE) \
	X(V128_GLOBAL_SET, A_IDX, SIMD, V128, NONE) \
	X(ENTER_V128, ENTER, SIMD, NONE, ENTRY) \
	X(ENTER_V128_FUEL, ENTER, SIMD, NONE, ENTRY) \
	WASM_OPS_SIMD(OPS_SIMD_X_)

enum interp_op {
#define OPS_ENUM_(op, lay, fam, T, tr) OP_##op,
#define INTERP_OPS_X OPS_ENUM_
	INTERP_OPS(OPS_ENUM_)
#undef INTERP_OPS_X
#undef OPS_ENUM_
	OP_COUNT_
};

/* The operand types of TYPE. */
enum op_type { OPT_NONE, OPT_I32, OPT_I64, OPT_F32, OPT_F64, OPT_V128 };

/* ---- derived facts (ops.c) -------------------------------------------------- */

#define OP_MAX_SLOTS 4      /* slot fields of one layout, at most */
#define OP_MAX_IMMS 4       /* immediate fields (K16, I32, I64) of one
                               layout, at most */

/* What a layout looks like, from INTERP_LAYOUTS. */
typedef struct {
	const char *name;
	uint8_t len;            /* bytes, head included (BR_TABLE: the fixed
	                           part; insn_len adds its targets) */
	uint8_t nslots;         /* slot fields (D, S, BASE), in order */
	uint8_t slot_off[OP_MAX_SLOTS];
	uint8_t slot_writes;    /* bit i: slot field i is written (D) */
	uint8_t rel_off;        /* offset of its REL field (0: none; BR_TABLE
	                           has its targets instead) */
	uint8_t dst_off;        /* offset of its first field if that is a D
	                           slot (the pre-decoder retargets it), else 0 */
	uint8_t nimms;          /* immediate fields (K16, I32, I64), in order */
	uint8_t imm_off[OP_MAX_IMMS];
	uint8_t imm_kind[OP_MAX_IMMS];  /* OPK_K16, OPK_I32 or OPK_I64 */
} op_layout_info;

/* What an op is, from INTERP_OPS. */
typedef struct {
	const char *name;       /* "ADD32" */
	uint8_t layout;         /* enum op_layout */
	uint8_t family;         /* enum op_family */
	uint8_t type;           /* enum op_type */
	uint8_t traps;          /* enum op_traps */
} op_info_t;

/* Filled before main (a constructor in ops.c), read-only after. */
extern op_layout_info op_layouts[OPL_COUNT_];
extern const op_info_t op_infos[OP_COUNT_];
extern const char *const op_family_names[OPFAM_COUNT_];
extern const char *const op_traps_names[OPTR_COUNT_];

/* The head of the instruction at ip.  (Copied out: a bit-field read
 * through a packed struct would be assembled byte by byte.) */
static inline op_head insn_head(const uint8_t *ip)
{
	op_head h;
	memcpy(&h, ip, sizeof h);
	return h;
}

/* The op of the instruction at ip. */
static inline enum interp_op insn_op(const uint8_t *ip)
{
	return (enum interp_op)insn_head(ip).op;
}

/* The interpreter's handler offset in the head at ip (0 until threaded). */
static inline int32_t insn_handler(const uint8_t *ip)
{
	return insn_head(ip).handler;
}

/* Thread the head at ip: store the handler offset h.  False (and nothing
 * stored) if h does not fit the head. */
static inline bool insn_set_handler(uint8_t *ip, int32_t h)
{
	op_head head = insn_head(ip);
	head.handler = h;
	if (head.handler != h)
		return false;
	memcpy(ip, &head, sizeof head);
	return true;
}

static inline const op_layout_info *op_layout_of(enum interp_op op)
{
	return &op_layouts[op_infos[op].layout];
}

/* Length in bytes of the instruction at ip. */
static inline uint32_t insn_len(const uint8_t *ip)
{
	enum interp_op op = insn_op(ip);
	uint32_t len = op_layout_of(op)->len;
	if (op_infos[op].layout == OPL_BR_TABLE)
		len += (uint32_t)sizeof(OPF_REL) * (OP_AT(ip, BR_TABLE)->n + 1);
	return len;
}

/* Length of the instruction at ip with room bytes of code left, or 0 with
 * *why set if there is no whole instruction there (an unknown op, or one
 * cut off by the end): for compilers reading code they did not check. */
static inline uint32_t insn_len_in(const uint8_t *ip, uint32_t room,
	const char **why)
{
	*why = "truncated instruction";
	if (room < op_layouts[OPL_NONE].len)        /* not even a head */
		return 0;
	enum interp_op op = insn_op(ip);
	if ((unsigned)op >= OP_COUNT_) {
		*why = "unknown instruction";
		return 0;
	}
	uint32_t fixed = op_layout_of(op)->len;
	if (fixed > room || (op_infos[op].layout == OPL_BR_TABLE &&
	    OP_AT(ip, BR_TABLE)->n >= (room - fixed) / sizeof(OPF_REL)))
		return 0;
	*why = NULL;
	return insn_len(ip);
}

/* Number of branch targets of the instruction at ip (BR_TABLE: n + 1) and
 * the offset of the k-th one's REL field. */
static inline uint32_t insn_branch_count(const uint8_t *ip)
{
	enum interp_op op = insn_op(ip);
	if (op_infos[op].layout == OPL_BR_TABLE)
		return OP_AT(ip, BR_TABLE)->n + 1;
	return op_layout_of(op)->rel_off ? 1 : 0;
}

static inline uint32_t insn_branch_field(const uint8_t *ip, uint32_t k)
{
	enum interp_op op = insn_op(ip);
	if (op_infos[op].layout == OPL_BR_TABLE)
		return (uint32_t)(sizeof(struct op_BR_TABLE) + sizeof(OPF_REL) * k);
	return op_layout_of(op)->rel_off;
}

/* The code offset the k-th branch of the instruction at code + off goes to
 * (may be out of range in corrupt code: callers check). */
static inline int64_t insn_branch_target(const uint8_t *code, uint32_t off,
	uint32_t k)
{
	uint32_t field = insn_branch_field(code + off, k);
	OPF_REL rel;
	memcpy(&rel, code + off + field, sizeof rel);
	return (int64_t)off + field + rel;
}

/* The value of the instruction's k-th immediate field (k < nimms),
 * zero-extended. */
static inline uint64_t insn_imm(const uint8_t *ip, uint32_t k)
{
	const op_layout_info *lay = op_layout_of(insn_op(ip));
	uint64_t v = 0;
	size_t size = lay->imm_kind[k] == OPK_K16 ? sizeof(OPF_K16) :
		lay->imm_kind[k] == OPK_I32 ? sizeof(OPF_I32) : sizeof(OPF_I64);
	memcpy(&v, ip + lay->imm_off[k], size);        /* little-endian */
	return v;
}

/* The slot named by the instruction's i-th slot field (i < nslots). */
static inline uint32_t insn_slot(const uint8_t *ip, uint32_t i)
{
	OPF_S s;
	memcpy(&s, ip + op_layout_of(insn_op(ip))->slot_off[i], sizeof s);
	return s;
}

#endif
