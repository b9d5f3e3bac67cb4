/* opcodes.h -- the WebAssembly opcodes, one table (internal to engine/).
 *
 * Every wasm instruction the engine decodes is one row of WASM_OPCODES
 * (WebAssembly 2.0, SIMD included).  The decoder, the body validator and
 * pre-decoder (interp/predecode_body.c and predecode_ops.c) and printers are expansions of it;
 * no other engine code spells an opcode's number or text name.
 *
 * A row is
 *   X(name, text, prefix, code, imm, shape, t, r, op, iop)
 *     name    WOP_<name> is the opcode's key (below)
 *     text    its name in the text format, as the spec writes it
 *     prefix  0 for a one-byte opcode, else the prefix byte (0xfc)
 *     code    the opcode byte, or the u32 (LEB128) that follows the prefix
 *     imm     its immediates, WIMM_<imm> (enum wasm_imm_kind)
 *     shape   WOP_SHAPE_<shape>: UNOP, BINOP and TERNOP are the simple
 *             numeric ops (operands popped, one result pushed, no
 *             immediates); LOAD and STORE the memory accesses (a memarg,
 *             whose kind gives the natural alignment); the SIMD shapes
 *             SHIFT, EXTRACT, REPLACE, LOAD_LANE and STORE_LANE (enum
 *             wasm_op_shape says what each pops and pushes); OTHER is
 *             everything a consumer dispatches on by hand
 *     t, r    UNOP/BINOP/TERNOP/SHIFT: operand type (of every operand but
 *             a shift count) and result type, WOP_TYPE_<t> (I32, I64, F32,
 *             F64, V128); EXTRACT: t V128, r the lane's scalar; REPLACE: t
 *             the lane's scalar, r V128; LOAD (and LOAD_LANE): r the value
 *             loaded; STORE (and STORE_LANE): t the value stored; NONE
 *             otherwise
 *     op      UNOP/BINOP/LOAD/STORE: the pre-decoded op it lowers to,
 *             OP_<op> of interp/ops.h; NONE otherwise
 *     iop     BINOP: the pre-decoded op taking its second operand as an
 *             immediate (a constant operand), or NONE
 * The op columns are tokens: only the pre-decoder pastes them, so engine/front
 * does not include the interpreter's headers.
 *
 * Rows are grouped by what a consumer dispatches on (as V8's wasm-opcodes.h
 * does): control, reference, parametric, variable, table, memory, constants,
 * the simple numeric ops in code order (0x45..0xc4), and those behind the
 * 0xfc prefix.  A group may mix prefixes (table.get is 0x25, table.grow is
 * 0xfc 15); consumers go by key, never by position in the list.
 *
 * Keys: an opcode's enum value is WOP_KEY(prefix, code), so a one-byte
 * opcode's key is its byte (switch on the byte read) and a prefixed one is
 * prefix << 16 | code (switch on wasm_opcode_key(prefix, code)).  The 0xfd
 * (SIMD) codes, 0x00..0xff in WebAssembly 2.0, fit WOP_CODE_MAX.
 */
#ifndef ENGINE_FRONT_OPCODES_H
#define ENGINE_FRONT_OPCODES_H

#include "wasm.h"

#include <stddef.h>
#include <stdint.h>

/* Prefix bytes: the opcode proper follows as a u32 LEB128. */
enum {
	WOP_PREFIX_MISC = 0xfc,   /* saturating truncation, bulk memory/table */
	WOP_PREFIX_SIMD = 0xfd,   /* v128 (interpreted; the JITs refuse them) */
};

/* The largest code after a prefix that can have a key. */
#define WOP_CODE_MAX 0xffffu
#define WOP_KEY(prefix, code) ((uint32_t)(prefix) << 16 | (uint32_t)(code))
/* No opcode has this key. */
#define WOP_KEY_NONE UINT32_MAX

/* What follows the opcode in the binary format. */
enum wasm_imm_kind {
	WIMM_NONE,
	WIMM_BLOCKTYPE,       /* s33: 0x40, a value type or a type index */
	WIMM_LABEL,           /* u32 label depth */
	WIMM_BR_TABLE,        /* vec(u32 label) then u32 default label */
	WIMM_FUNC,            /* u32 function index */
	WIMM_CALL_INDIRECT,   /* u32 type index, u32 table index */
	WIMM_LOCAL,           /* u32 local index */
	WIMM_GLOBAL,          /* u32 global index */
	WIMM_TABLE,           /* u32 table index */
	WIMM_MEMARG_8,        /* memarg (u32 alignment as log2, u32 offset) of
	                         a 1-byte access: alignment at most 0 */
	WIMM_MEMARG_16,       /* ... of a 2-byte access: at most 1 */
	WIMM_MEMARG_32,       /* ... of a 4-byte access: at most 2 */
	WIMM_MEMARG_64,       /* ... of an 8-byte access: at most 3 */
	WIMM_MEMARG_128,      /* ... of a 16-byte access: at most 4 */
	WIMM_I32,             /* s32 */
	WIMM_I64,             /* s64 */
	WIMM_F32,             /* 4 bytes, little-endian */
	WIMM_F64,             /* 8 bytes, little-endian */
	WIMM_MEMORY,          /* memory index byte, 0x00 */
	WIMM_SELECT_T,        /* vec(value type), of length 1 */
	WIMM_REFTYPE,         /* reference type byte */
	WIMM_DATA,            /* u32 data segment index */
	WIMM_ELEM,            /* u32 element segment index */
	WIMM_MEMORY_INIT,     /* u32 data segment index, memory index byte */
	WIMM_MEMORY_COPY,     /* two memory index bytes (destination, source) */
	WIMM_TABLE_INIT,      /* u32 element segment index, u32 table index */
	WIMM_TABLE_COPY,      /* u32 destination table, u32 source table */
	WIMM_V128,            /* 16 bytes: the value, lane 0's byte first */
	WIMM_SHUFFLE,         /* 16 bytes: lane indices, each below 32 */
	WIMM_LANE_2,          /* a byte: a lane index below 2 */
	WIMM_LANE_4,          /* ... below 4 */
	WIMM_LANE_8,          /* ... below 8 */
	WIMM_LANE_16,         /* ... below 16 */
	WIMM_MEMARG_LANE_8,   /* memarg of a 1-byte access, then a lane index
	                         byte below 16 */
	WIMM_MEMARG_LANE_16,  /* ... of a 2-byte access, a lane below 8 */
	WIMM_MEMARG_LANE_32,  /* ... of a 4-byte access, a lane below 4 */
	WIMM_MEMARG_LANE_64,  /* ... of an 8-byte access, a lane below 2 */
};

enum wasm_op_shape {
	WOP_SHAPE_OTHER,
	WOP_SHAPE_UNOP,       /* t -> r */
	WOP_SHAPE_BINOP,      /* t t -> r */
	WOP_SHAPE_LOAD,       /* i32 address -> r; op: the pre-decoded load */
	WOP_SHAPE_STORE,      /* i32 address, t ->; op: the pre-decoded store */
	WOP_SHAPE_TERNOP,     /* t t t -> r (v128.bitselect) */
	WOP_SHAPE_SHIFT,      /* t, i32 count -> r */
	WOP_SHAPE_EXTRACT,    /* t -> r: lane (immediate) of a v128 */
	WOP_SHAPE_REPLACE,    /* v128, t -> r: the v128 with a lane replaced */
	WOP_SHAPE_LOAD_LANE,  /* i32 address, v128 -> r: one lane loaded */
	WOP_SHAPE_STORE_LANE, /* i32 address, t ->: one lane stored */
};

/* The natural alignment (log2 of the access size) of a memarg immediate
 * (with or without a lane after it), or -1 for any other kind. */
static inline int wasm_imm_memarg_align(unsigned imm)
{
	_Static_assert(WIMM_MEMARG_128 - WIMM_MEMARG_8 == 4 &&
		WIMM_MEMARG_LANE_64 - WIMM_MEMARG_LANE_8 == 3,
		"the memarg kinds are consecutive, by access size");
	if (imm >= WIMM_MEMARG_8 && imm <= WIMM_MEMARG_128)
		return (int)(imm - WIMM_MEMARG_8);
	if (imm >= WIMM_MEMARG_LANE_8 && imm <= WIMM_MEMARG_LANE_64)
		return (int)(imm - WIMM_MEMARG_LANE_8);
	return -1;
}

/* The number of lanes a lane-index immediate selects from (the index is
 * below it), or 0 for a kind without a lane index. */
static inline unsigned wasm_imm_lanes(unsigned imm)
{
	_Static_assert(WIMM_LANE_16 - WIMM_LANE_2 == 3,
		"the lane kinds are consecutive, by lane count");
	if (imm >= WIMM_LANE_2 && imm <= WIMM_LANE_16)
		return 2u << (imm - WIMM_LANE_2);
	if (imm >= WIMM_MEMARG_LANE_8 && imm <= WIMM_MEMARG_LANE_64)
		return 16u >> (imm - WIMM_MEMARG_LANE_8);
	return 0;
}

/* The type column's tokens. */
#define WOP_TYPE_NONE 0
#define WOP_TYPE_I32 WASM_I32
#define WOP_TYPE_I64 WASM_I64
#define WOP_TYPE_F32 WASM_F32
#define WOP_TYPE_F64 WASM_F64
#define WOP_TYPE_V128 WASM_V128

#define WASM_OPS_CONTROL(X) \
	X(UNREACHABLE,   "unreachable",   0, 0x00, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(NOP,           "nop",           0, 0x01, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(BLOCK,         "block",         0, 0x02, BLOCKTYPE,     OTHER, NONE, NONE, NONE, NONE) \
	X(LOOP,          "loop",          0, 0x03, BLOCKTYPE,     OTHER, NONE, NONE, NONE, NONE) \
	X(IF,            "if",            0, 0x04, BLOCKTYPE,     OTHER, NONE, NONE, NONE, NONE) \
	X(ELSE,          "else",          0, 0x05, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(END,           "end",           0, 0x0b, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(BR,            "br",            0, 0x0c, LABEL,         OTHER, NONE, NONE, NONE, NONE) \
	X(BR_IF,         "br_if",         0, 0x0d, LABEL,         OTHER, NONE, NONE, NONE, NONE) \
	X(BR_TABLE,      "br_table",      0, 0x0e, BR_TABLE,      OTHER, NONE, NONE, NONE, NONE) \
	X(RETURN,        "return",        0, 0x0f, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(CALL,          "call",          0, 0x10, FUNC,          OTHER, NONE, NONE, NONE, NONE) \
	X(CALL_INDIRECT, "call_indirect", 0, 0x11, CALL_INDIRECT, OTHER, NONE, NONE, NONE, NONE)

#define WASM_OPS_REFERENCE(X) \
	X(REF_NULL,      "ref.null",      0, 0xd0, REFTYPE,       OTHER, NONE, NONE, NONE, NONE) \
	X(REF_IS_NULL,   "ref.is_null",   0, 0xd1, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(REF_FUNC,      "ref.func",      0, 0xd2, FUNC,          OTHER, NONE, NONE, NONE, NONE)

/* Both selects are `select` in the text format (the typed one is written
 * with its result type); their keys differ. */
#define WASM_OPS_PARAMETRIC(X) \
	X(DROP,          "drop",          0, 0x1a, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(SELECT,        "select",        0, 0x1b, NONE,          OTHER, NONE, NONE, NONE, NONE) \
	X(SELECT_T,      "select",        0, 0x1c, SELECT_T,      OTHER, NONE, NONE, NONE, NONE)

#define WASM_OPS_VARIABLE(X) \
	X(LOCAL_GET,     "local.get",     0, 0x20, LOCAL,         OTHER, NONE, NONE, NONE, NONE) \
	X(LOCAL_SET,     "local.set",     0, 0x21, LOCAL,         OTHER, NONE, NONE, NONE, NONE) \
	X(LOCAL_TEE,     "local.tee",     0, 0x22, LOCAL,         OTHER, NONE, NONE, NONE, NONE) \
	X(GLOBAL_GET,    "global.get",    0, 0x23, GLOBAL,        OTHER, NONE, NONE, NONE, NONE) \
	X(GLOBAL_SET,    "global.set",    0, 0x24, GLOBAL,        OTHER, NONE, NONE, NONE, NONE)

#define WASM_OPS_TABLE(X) \
	X(TABLE_GET,     "table.get",     0, 0x25, TABLE,         OTHER, NONE, NONE, NONE, NONE) \
	X(TABLE_SET,     "table.set",     0, 0x26, TABLE,         OTHER, NONE, NONE, NONE, NONE) \
	X(TABLE_INIT,    "table.init", 0xfc,   12, TABLE_INIT,    OTHER, NONE, NONE, NONE, NONE) \
	X(ELEM_DROP,     "elem.drop",  0xfc,   13, ELEM,          OTHER, NONE, NONE, NONE, NONE) \
	X(TABLE_COPY,    "table.copy", 0xfc,   14, TABLE_COPY,    OTHER, NONE, NONE, NONE, NONE) \
	X(TABLE_GROW,    "table.grow", 0xfc,   15, TABLE,         OTHER, NONE, NONE, NONE, NONE) \
	X(TABLE_SIZE,    "table.size", 0xfc,   16, TABLE,         OTHER, NONE, NONE, NONE, NONE) \
	X(TABLE_FILL,    "table.fill", 0xfc,   17, TABLE,         OTHER, NONE, NONE, NONE, NONE)

/* Loads and stores, 0x28..0x3e without a gap (WOP_MEMACCESS_FIRST..
 * WOP_MEMACCESS_LAST; the pre-decoder indexes its table by code).  The
 * memarg kind gives the natural alignment, r (loads) or t (stores) the
 * value's type and op the pre-decoded op. */
#define WASM_OPS_MEMACCESS(X) \
	X(I32_LOAD,      "i32.load",      0, 0x28, MEMARG_32,    LOAD, NONE, I32, LD_I32, NONE) \
	X(I64_LOAD,      "i64.load",      0, 0x29, MEMARG_64,    LOAD, NONE, I64, LD_I64, NONE) \
	X(F32_LOAD,      "f32.load",      0, 0x2a, MEMARG_32,    LOAD, NONE, F32, LD_I32, NONE) \
	X(F64_LOAD,      "f64.load",      0, 0x2b, MEMARG_64,    LOAD, NONE, F64, LD_I64, NONE) \
	X(I32_LOAD8_S,   "i32.load8_s",   0, 0x2c, MEMARG_8,     LOAD, NONE, I32, LD_8S32, NONE) \
	X(I32_LOAD8_U,   "i32.load8_u",   0, 0x2d, MEMARG_8,     LOAD, NONE, I32, LD_8U, NONE) \
	X(I32_LOAD16_S,  "i32.load16_s",  0, 0x2e, MEMARG_16,    LOAD, NONE, I32, LD_16S32, NONE) \
	X(I32_LOAD16_U,  "i32.load16_u",  0, 0x2f, MEMARG_16,    LOAD, NONE, I32, LD_16U, NONE) \
	X(I64_LOAD8_S,   "i64.load8_s",   0, 0x30, MEMARG_8,     LOAD, NONE, I64, LD_8S64, NONE) \
	X(I64_LOAD8_U,   "i64.load8_u",   0, 0x31, MEMARG_8,     LOAD, NONE, I64, LD_8U, NONE) \
	X(I64_LOAD16_S,  "i64.load16_s",  0, 0x32, MEMARG_16,    LOAD, NONE, I64, LD_16S64, NONE) \
	X(I64_LOAD16_U,  "i64.load16_u",  0, 0x33, MEMARG_16,    LOAD, NONE, I64, LD_16U, NONE) \
	X(I64_LOAD32_S,  "i64.load32_s",  0, 0x34, MEMARG_32,    LOAD, NONE, I64, LD_32S64, NONE) \
	X(I64_LOAD32_U,  "i64.load32_u",  0, 0x35, MEMARG_32,    LOAD, NONE, I64, LD_I32, NONE) \
	X(I32_STORE,     "i32.store",     0, 0x36, MEMARG_32,    STORE, I32, NONE, ST_32, NONE) \
	X(I64_STORE,     "i64.store",     0, 0x37, MEMARG_64,    STORE, I64, NONE, ST_64, NONE) \
	X(F32_STORE,     "f32.store",     0, 0x38, MEMARG_32,    STORE, F32, NONE, ST_32, NONE) \
	X(F64_STORE,     "f64.store",     0, 0x39, MEMARG_64,    STORE, F64, NONE, ST_64, NONE) \
	X(I32_STORE8,    "i32.store8",    0, 0x3a, MEMARG_8,     STORE, I32, NONE, ST_8, NONE) \
	X(I32_STORE16,   "i32.store16",   0, 0x3b, MEMARG_16,    STORE, I32, NONE, ST_16, NONE) \
	X(I64_STORE8,    "i64.store8",    0, 0x3c, MEMARG_8,     STORE, I64, NONE, ST_8, NONE) \
	X(I64_STORE16,   "i64.store16",   0, 0x3d, MEMARG_16,    STORE, I64, NONE, ST_16, NONE) \
	X(I64_STORE32,   "i64.store32",   0, 0x3e, MEMARG_32,    STORE, I64, NONE, ST_32, NONE)

#define WASM_OPS_MEMORY(X) \
	X(MEMORY_SIZE,   "memory.size",   0, 0x3f, MEMORY,        OTHER, NONE, NONE, NONE, NONE) \
	X(MEMORY_GROW,   "memory.grow",   0, 0x40, MEMORY,        OTHER, NONE, NONE, NONE, NONE) \
	X(MEMORY_INIT,   "memory.init", 0xfc,   8, MEMORY_INIT,   OTHER, NONE, NONE, NONE, NONE) \
	X(DATA_DROP,     "data.drop",   0xfc,   9, DATA,          OTHER, NONE, NONE, NONE, NONE) \
	X(MEMORY_COPY,   "memory.copy", 0xfc,  10, MEMORY_COPY,   OTHER, NONE, NONE, NONE, NONE) \
	X(MEMORY_FILL,   "memory.fill", 0xfc,  11, MEMORY,        OTHER, NONE, NONE, NONE, NONE)

#define WASM_OPS_CONST(X) \
	X(I32_CONST,     "i32.const",     0, 0x41, I32,           OTHER, NONE, NONE, NONE, NONE) \
	X(I64_CONST,     "i64.const",     0, 0x42, I64,           OTHER, NONE, NONE, NONE, NONE) \
	X(F32_CONST,     "f32.const",     0, 0x43, F32,           OTHER, NONE, NONE, NONE, NONE) \
	X(F64_CONST,     "f64.const",     0, 0x44, F64,           OTHER, NONE, NONE, NONE, NONE)

/* The simple numeric ops, 0x45..0xc4 without a gap (WOP_NUMERIC_FIRST..
 * WOP_NUMERIC_LAST; the pre-decoder indexes its table by code). */
#define WASM_OPS_NUMERIC(X) \
	X(I32_EQZ,             "i32.eqz",             0, 0x45, NONE, UNOP,  I32, I32, EQZ32,         NONE)    \
	X(I32_EQ,              "i32.eq",              0, 0x46, NONE, BINOP, I32, I32, EQ32,          EQ32I)   \
	X(I32_NE,              "i32.ne",              0, 0x47, NONE, BINOP, I32, I32, NE32,          NE32I)   \
	X(I32_LT_S,            "i32.lt_s",            0, 0x48, NONE, BINOP, I32, I32, LTS32,         LTS32I)  \
	X(I32_LT_U,            "i32.lt_u",            0, 0x49, NONE, BINOP, I32, I32, LTU32,         LTU32I)  \
	X(I32_GT_S,            "i32.gt_s",            0, 0x4a, NONE, BINOP, I32, I32, GTS32,         GTS32I)  \
	X(I32_GT_U,            "i32.gt_u",            0, 0x4b, NONE, BINOP, I32, I32, GTU32,         GTU32I)  \
	X(I32_LE_S,            "i32.le_s",            0, 0x4c, NONE, BINOP, I32, I32, LES32,         LES32I)  \
	X(I32_LE_U,            "i32.le_u",            0, 0x4d, NONE, BINOP, I32, I32, LEU32,         LEU32I)  \
	X(I32_GE_S,            "i32.ge_s",            0, 0x4e, NONE, BINOP, I32, I32, GES32,         GES32I)  \
	X(I32_GE_U,            "i32.ge_u",            0, 0x4f, NONE, BINOP, I32, I32, GEU32,         GEU32I)  \
	X(I64_EQZ,             "i64.eqz",             0, 0x50, NONE, UNOP,  I64, I32, EQZ64,         NONE)    \
	X(I64_EQ,              "i64.eq",              0, 0x51, NONE, BINOP, I64, I32, EQ64,          EQ64I)   \
	X(I64_NE,              "i64.ne",              0, 0x52, NONE, BINOP, I64, I32, NE64,          NE64I)   \
	X(I64_LT_S,            "i64.lt_s",            0, 0x53, NONE, BINOP, I64, I32, LTS64,         LTS64I)  \
	X(I64_LT_U,            "i64.lt_u",            0, 0x54, NONE, BINOP, I64, I32, LTU64,         LTU64I)  \
	X(I64_GT_S,            "i64.gt_s",            0, 0x55, NONE, BINOP, I64, I32, GTS64,         GTS64I)  \
	X(I64_GT_U,            "i64.gt_u",            0, 0x56, NONE, BINOP, I64, I32, GTU64,         GTU64I)  \
	X(I64_LE_S,            "i64.le_s",            0, 0x57, NONE, BINOP, I64, I32, LES64,         LES64I)  \
	X(I64_LE_U,            "i64.le_u",            0, 0x58, NONE, BINOP, I64, I32, LEU64,         LEU64I)  \
	X(I64_GE_S,            "i64.ge_s",            0, 0x59, NONE, BINOP, I64, I32, GES64,         GES64I)  \
	X(I64_GE_U,            "i64.ge_u",            0, 0x5a, NONE, BINOP, I64, I32, GEU64,         GEU64I)  \
	X(F32_EQ,              "f32.eq",              0, 0x5b, NONE, BINOP, F32, I32, FEQ32,         NONE)    \
	X(F32_NE,              "f32.ne",              0, 0x5c, NONE, BINOP, F32, I32, FNE32,         NONE)    \
	X(F32_LT,              "f32.lt",              0, 0x5d, NONE, BINOP, F32, I32, FLT32,         NONE)    \
	X(F32_GT,              "f32.gt",              0, 0x5e, NONE, BINOP, F32, I32, FGT32,         NONE)    \
	X(F32_LE,              "f32.le",              0, 0x5f, NONE, BINOP, F32, I32, FLE32,         NONE)    \
	X(F32_GE,              "f32.ge",              0, 0x60, NONE, BINOP, F32, I32, FGE32,         NONE)    \
	X(F64_EQ,              "f64.eq",              0, 0x61, NONE, BINOP, F64, I32, FEQ64,         NONE)    \
	X(F64_NE,              "f64.ne",              0, 0x62, NONE, BINOP, F64, I32, FNE64,         NONE)    \
	X(F64_LT,              "f64.lt",              0, 0x63, NONE, BINOP, F64, I32, FLT64,         NONE)    \
	X(F64_GT,              "f64.gt",              0, 0x64, NONE, BINOP, F64, I32, FGT64,         NONE)    \
	X(F64_LE,              "f64.le",              0, 0x65, NONE, BINOP, F64, I32, FLE64,         NONE)    \
	X(F64_GE,              "f64.ge",              0, 0x66, NONE, BINOP, F64, I32, FGE64,         NONE)    \
	X(I32_CLZ,             "i32.clz",             0, 0x67, NONE, UNOP,  I32, I32, CLZ32,         NONE)    \
	X(I32_CTZ,             "i32.ctz",             0, 0x68, NONE, UNOP,  I32, I32, CTZ32,         NONE)    \
	X(I32_POPCNT,          "i32.popcnt",          0, 0x69, NONE, UNOP,  I32, I32, POPCNT32,      NONE)    \
	X(I32_ADD,             "i32.add",             0, 0x6a, NONE, BINOP, I32, I32, ADD32,         ADD32I)  \
	X(I32_SUB,             "i32.sub",             0, 0x6b, NONE, BINOP, I32, I32, SUB32,         NONE)    \
	X(I32_MUL,             "i32.mul",             0, 0x6c, NONE, BINOP, I32, I32, MUL32,         MUL32I)  \
	X(I32_DIV_S,           "i32.div_s",           0, 0x6d, NONE, BINOP, I32, I32, DIVS32,        NONE)    \
	X(I32_DIV_U,           "i32.div_u",           0, 0x6e, NONE, BINOP, I32, I32, DIVU32,        NONE)    \
	X(I32_REM_S,           "i32.rem_s",           0, 0x6f, NONE, BINOP, I32, I32, REMS32,        NONE)    \
	X(I32_REM_U,           "i32.rem_u",           0, 0x70, NONE, BINOP, I32, I32, REMU32,        NONE)    \
	X(I32_AND,             "i32.and",             0, 0x71, NONE, BINOP, I32, I32, AND32,         AND32I)  \
	X(I32_OR,              "i32.or",              0, 0x72, NONE, BINOP, I32, I32, OR32,          OR32I)   \
	X(I32_XOR,             "i32.xor",             0, 0x73, NONE, BINOP, I32, I32, XOR32,         XOR32I)  \
	X(I32_SHL,             "i32.shl",             0, 0x74, NONE, BINOP, I32, I32, SHL32,         SHL32I)  \
	X(I32_SHR_S,           "i32.shr_s",           0, 0x75, NONE, BINOP, I32, I32, SHRS32,        SHRS32I) \
	X(I32_SHR_U,           "i32.shr_u",           0, 0x76, NONE, BINOP, I32, I32, SHRU32,        SHRU32I) \
	X(I32_ROTL,            "i32.rotl",            0, 0x77, NONE, BINOP, I32, I32, ROTL32,        NONE)    \
	X(I32_ROTR,            "i32.rotr",            0, 0x78, NONE, BINOP, I32, I32, ROTR32,        NONE)    \
	X(I64_CLZ,             "i64.clz",             0, 0x79, NONE, UNOP,  I64, I64, CLZ64,         NONE)    \
	X(I64_CTZ,             "i64.ctz",             0, 0x7a, NONE, UNOP,  I64, I64, CTZ64,         NONE)    \
	X(I64_POPCNT,          "i64.popcnt",          0, 0x7b, NONE, UNOP,  I64, I64, POPCNT64,      NONE)    \
	X(I64_ADD,             "i64.add",             0, 0x7c, NONE, BINOP, I64, I64, ADD64,         ADD64I)  \
	X(I64_SUB,             "i64.sub",             0, 0x7d, NONE, BINOP, I64, I64, SUB64,         NONE)    \
	X(I64_MUL,             "i64.mul",             0, 0x7e, NONE, BINOP, I64, I64, MUL64,         MUL64I)  \
	X(I64_DIV_S,           "i64.div_s",           0, 0x7f, NONE, BINOP, I64, I64, DIVS64,        NONE)    \
	X(I64_DIV_U,           "i64.div_u",           0, 0x80, NONE, BINOP, I64, I64, DIVU64,        NONE)    \
	X(I64_REM_S,           "i64.rem_s",           0, 0x81, NONE, BINOP, I64, I64, REMS64,        NONE)    \
	X(I64_REM_U,           "i64.rem_u",           0, 0x82, NONE, BINOP, I64, I64, REMU64,        NONE)    \
	X(I64_AND,             "i64.and",             0, 0x83, NONE, BINOP, I64, I64, AND64,         AND64I)  \
	X(I64_OR,              "i64.or",              0, 0x84, NONE, BINOP, I64, I64, OR64,          OR64I)   \
	X(I64_XOR,             "i64.xor",             0, 0x85, NONE, BINOP, I64, I64, XOR64,         XOR64I)  \
	X(I64_SHL,             "i64.shl",             0, 0x86, NONE, BINOP, I64, I64, SHL64,         SHL64I)  \
	X(I64_SHR_S,           "i64.shr_s",           0, 0x87, NONE, BINOP, I64, I64, SHRS64,        SHRS64I) \
	X(I64_SHR_U,           "i64.shr_u",           0, 0x88, NONE, BINOP, I64, I64, SHRU64,        SHRU64I) \
	X(I64_ROTL,            "i64.rotl",            0, 0x89, NONE, BINOP, I64, I64, ROTL64,        NONE)    \
	X(I64_ROTR,            "i64.rotr",            0, 0x8a, NONE, BINOP, I64, I64, ROTR64,        NONE)    \
	X(F32_ABS,             "f32.abs",             0, 0x8b, NONE, UNOP,  F32, F32, FABS32,        NONE)    \
	X(F32_NEG,             "f32.neg",             0, 0x8c, NONE, UNOP,  F32, F32, FNEG32,        NONE)    \
	X(F32_CEIL,            "f32.ceil",            0, 0x8d, NONE, UNOP,  F32, F32, FCEIL32,       NONE)    \
	X(F32_FLOOR,           "f32.floor",           0, 0x8e, NONE, UNOP,  F32, F32, FFLOOR32,      NONE)    \
	X(F32_TRUNC,           "f32.trunc",           0, 0x8f, NONE, UNOP,  F32, F32, FTRUNC32,      NONE)    \
	X(F32_NEAREST,         "f32.nearest",         0, 0x90, NONE, UNOP,  F32, F32, FNEAREST32,    NONE)    \
	X(F32_SQRT,            "f32.sqrt",            0, 0x91, NONE, UNOP,  F32, F32, FSQRT32,       NONE)    \
	X(F32_ADD,             "f32.add",             0, 0x92, NONE, BINOP, F32, F32, FADD32,        NONE)    \
	X(F32_SUB,             "f32.sub",             0, 0x93, NONE, BINOP, F32, F32, FSUB32,        NONE)    \
	X(F32_MUL,             "f32.mul",             0, 0x94, NONE, BINOP, F32, F32, FMUL32,        NONE)    \
	X(F32_DIV,             "f32.div",             0, 0x95, NONE, BINOP, F32, F32, FDIV32,        NONE)    \
	X(F32_MIN,             "f32.min",             0, 0x96, NONE, BINOP, F32, F32, FMIN32,        NONE)    \
	X(F32_MAX,             "f32.max",             0, 0x97, NONE, BINOP, F32, F32, FMAX32,        NONE)    \
	X(F32_COPYSIGN,        "f32.copysign",        0, 0x98, NONE, BINOP, F32, F32, FCOPYSIGN32,   NONE)    \
	X(F64_ABS,             "f64.abs",             0, 0x99, NONE, UNOP,  F64, F64, FABS64,        NONE)    \
	X(F64_NEG,             "f64.neg",             0, 0x9a, NONE, UNOP,  F64, F64, FNEG64,        NONE)    \
	X(F64_CEIL,            "f64.ceil",            0, 0x9b, NONE, UNOP,  F64, F64, FCEIL64,       NONE)    \
	X(F64_FLOOR,           "f64.floor",           0, 0x9c, NONE, UNOP,  F64, F64, FFLOOR64,      NONE)    \
	X(F64_TRUNC,           "f64.trunc",           0, 0x9d, NONE, UNOP,  F64, F64, FTRUNC64,      NONE)    \
	X(F64_NEAREST,         "f64.nearest",         0, 0x9e, NONE, UNOP,  F64, F64, FNEAREST64,    NONE)    \
	X(F64_SQRT,            "f64.sqrt",            0, 0x9f, NONE, UNOP,  F64, F64, FSQRT64,       NONE)    \
	X(F64_ADD,             "f64.add",             0, 0xa0, NONE, BINOP, F64, F64, FADD64,        NONE)    \
	X(F64_SUB,             "f64.sub",             0, 0xa1, NONE, BINOP, F64, F64, FSUB64,        NONE)    \
	X(F64_MUL,             "f64.mul",             0, 0xa2, NONE, BINOP, F64, F64, FMUL64,        NONE)    \
	X(F64_DIV,             "f64.div",             0, 0xa3, NONE, BINOP, F64, F64, FDIV64,        NONE)    \
	X(F64_MIN,             "f64.min",             0, 0xa4, NONE, BINOP, F64, F64, FMIN64,        NONE)    \
	X(F64_MAX,             "f64.max",             0, 0xa5, NONE, BINOP, F64, F64, FMAX64,        NONE)    \
	X(F64_COPYSIGN,        "f64.copysign",        0, 0xa6, NONE, BINOP, F64, F64, FCOPYSIGN64,   NONE)    \
	X(I32_WRAP_I64,        "i32.wrap_i64",        0, 0xa7, NONE, UNOP,  I64, I32, WRAP,          NONE)    \
	X(I32_TRUNC_F32_S,     "i32.trunc_f32_s",     0, 0xa8, NONE, UNOP,  F32, I32, TRUNC_F32_S32, NONE)    \
	X(I32_TRUNC_F32_U,     "i32.trunc_f32_u",     0, 0xa9, NONE, UNOP,  F32, I32, TRUNC_F32_U32, NONE)    \
	X(I32_TRUNC_F64_S,     "i32.trunc_f64_s",     0, 0xaa, NONE, UNOP,  F64, I32, TRUNC_F64_S32, NONE)    \
	X(I32_TRUNC_F64_U,     "i32.trunc_f64_u",     0, 0xab, NONE, UNOP,  F64, I32, TRUNC_F64_U32, NONE)    \
	X(I64_EXTEND_I32_S,    "i64.extend_i32_s",    0, 0xac, NONE, UNOP,  I32, I64, EXT32S64,      NONE)    \
	X(I64_EXTEND_I32_U,    "i64.extend_i32_u",    0, 0xad, NONE, UNOP,  I32, I64, COPY,          NONE)    \
	X(I64_TRUNC_F32_S,     "i64.trunc_f32_s",     0, 0xae, NONE, UNOP,  F32, I64, TRUNC_F32_S64, NONE)    \
	X(I64_TRUNC_F32_U,     "i64.trunc_f32_u",     0, 0xaf, NONE, UNOP,  F32, I64, TRUNC_F32_U64, NONE)    \
	X(I64_TRUNC_F64_S,     "i64.trunc_f64_s",     0, 0xb0, NONE, UNOP,  F64, I64, TRUNC_F64_S64, NONE)    \
	X(I64_TRUNC_F64_U,     "i64.trunc_f64_u",     0, 0xb1, NONE, UNOP,  F64, I64, TRUNC_F64_U64, NONE)    \
	X(F32_CONVERT_I32_S,   "f32.convert_i32_s",   0, 0xb2, NONE, UNOP,  I32, F32, CONV_S32_F32,  NONE)    \
	X(F32_CONVERT_I32_U,   "f32.convert_i32_u",   0, 0xb3, NONE, UNOP,  I32, F32, CONV_U32_F32,  NONE)    \
	X(F32_CONVERT_I64_S,   "f32.convert_i64_s",   0, 0xb4, NONE, UNOP,  I64, F32, CONV_S64_F32,  NONE)    \
	X(F32_CONVERT_I64_U,   "f32.convert_i64_u",   0, 0xb5, NONE, UNOP,  I64, F32, CONV_U64_F32,  NONE)    \
	X(F32_DEMOTE_F64,      "f32.demote_f64",      0, 0xb6, NONE, UNOP,  F64, F32, DEMOTE,        NONE)    \
	X(F64_CONVERT_I32_S,   "f64.convert_i32_s",   0, 0xb7, NONE, UNOP,  I32, F64, CONV_S32_F64,  NONE)    \
	X(F64_CONVERT_I32_U,   "f64.convert_i32_u",   0, 0xb8, NONE, UNOP,  I32, F64, CONV_U32_F64,  NONE)    \
	X(F64_CONVERT_I64_S,   "f64.convert_i64_s",   0, 0xb9, NONE, UNOP,  I64, F64, CONV_S64_F64,  NONE)    \
	X(F64_CONVERT_I64_U,   "f64.convert_i64_u",   0, 0xba, NONE, UNOP,  I64, F64, CONV_U64_F64,  NONE)    \
	X(F64_PROMOTE_F32,     "f64.promote_f32",     0, 0xbb, NONE, UNOP,  F32, F64, PROMOTE,       NONE)    \
	X(I32_REINTERPRET_F32, "i32.reinterpret_f32", 0, 0xbc, NONE, UNOP,  F32, I32, COPY,          NONE)    \
	X(I64_REINTERPRET_F64, "i64.reinterpret_f64", 0, 0xbd, NONE, UNOP,  F64, I64, COPY,          NONE)    \
	X(F32_REINTERPRET_I32, "f32.reinterpret_i32", 0, 0xbe, NONE, UNOP,  I32, F32, COPY,          NONE)    \
	X(F64_REINTERPRET_I64, "f64.reinterpret_i64", 0, 0xbf, NONE, UNOP,  I64, F64, COPY,          NONE)    \
	X(I32_EXTEND8_S,       "i32.extend8_s",       0, 0xc0, NONE, UNOP,  I32, I32, EXT8S32,       NONE)    \
	X(I32_EXTEND16_S,      "i32.extend16_s",      0, 0xc1, NONE, UNOP,  I32, I32, EXT16S32,      NONE)    \
	X(I64_EXTEND8_S,       "i64.extend8_s",       0, 0xc2, NONE, UNOP,  I64, I64, EXT8S64,       NONE)    \
	X(I64_EXTEND16_S,      "i64.extend16_s",      0, 0xc3, NONE, UNOP,  I64, I64, EXT16S64,      NONE)    \
	X(I64_EXTEND32_S,      "i64.extend32_s",      0, 0xc4, NONE, UNOP,  I64, I64, EXT32S64,      NONE)

/* The simple numeric ops behind the 0xfc prefix, codes 0..7 without a gap
 * (WOP_NUMERIC_MISC_FIRST..WOP_NUMERIC_MISC_LAST). */
#define WASM_OPS_NUMERIC_MISC(X) \
	X(I32_TRUNC_SAT_F32_S, "i32.trunc_sat_f32_s", 0xfc, 0, NONE, UNOP,  F32, I32, SAT_F32_S32, NONE) \
	X(I32_TRUNC_SAT_F32_U, "i32.trunc_sat_f32_u", 0xfc, 1, NONE, UNOP,  F32, I32, SAT_F32_U32, NONE) \
	X(I32_TRUNC_SAT_F64_S, "i32.trunc_sat_f64_s", 0xfc, 2, NONE, UNOP,  F64, I32, SAT_F64_S32, NONE) \
	X(I32_TRUNC_SAT_F64_U, "i32.trunc_sat_f64_u", 0xfc, 3, NONE, UNOP,  F64, I32, SAT_F64_U32, NONE) \
	X(I64_TRUNC_SAT_F32_S, "i64.trunc_sat_f32_s", 0xfc, 4, NONE, UNOP,  F32, I64, SAT_F32_S64, NONE) \
	X(I64_TRUNC_SAT_F32_U, "i64.trunc_sat_f32_u", 0xfc, 5, NONE, UNOP,  F32, I64, SAT_F32_U64, NONE) \
	X(I64_TRUNC_SAT_F64_S, "i64.trunc_sat_f64_s", 0xfc, 6, NONE, UNOP,  F64, I64, SAT_F64_S64, NONE) \
	X(I64_TRUNC_SAT_F64_U, "i64.trunc_sat_f64_u", 0xfc, 7, NONE, UNOP,  F64, I64, SAT_F64_U64, NONE)

/* The SIMD instructions, 0xfd 0x00..0xff in code order (the codes have
 * gaps: those of withdrawn proposals).  i8x16.shuffle and v128.const are
 * OTHER (their immediate is the point); the lane-wise ops are UNOP/BINOP
 * over v128 whatever their lane shape: the name says it, and the
 * pre-decoder's op column will. */
#define WASM_OPS_SIMD(X) \
	X(V128_LOAD,                      "v128.load",                      0xfd, 0x00, MEMARG_128,    LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD8X8_S,                 "v128.load8x8_s",                 0xfd, 0x01, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD8X8_U,                 "v128.load8x8_u",                 0xfd, 0x02, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD16X4_S,                "v128.load16x4_s",                0xfd, 0x03, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD16X4_U,                "v128.load16x4_u",                0xfd, 0x04, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD32X2_S,                "v128.load32x2_s",                0xfd, 0x05, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD32X2_U,                "v128.load32x2_u",                0xfd, 0x06, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD8_SPLAT,               "v128.load8_splat",               0xfd, 0x07, MEMARG_8,      LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD16_SPLAT,              "v128.load16_splat",              0xfd, 0x08, MEMARG_16,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD32_SPLAT,              "v128.load32_splat",              0xfd, 0x09, MEMARG_32,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD64_SPLAT,              "v128.load64_splat",              0xfd, 0x0a, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_STORE,                     "v128.store",                     0xfd, 0x0b, MEMARG_128,    STORE,     V128, NONE, NONE, NONE) \
	X(V128_CONST,                     "v128.const",                     0xfd, 0x0c, V128,          OTHER,     NONE, NONE, NONE, NONE) \
	X(I8X16_SHUFFLE,                  "i8x16.shuffle",                  0xfd, 0x0d, SHUFFLE,       OTHER,     NONE, NONE, NONE, NONE) \
	X(I8X16_SWIZZLE,                  "i8x16.swizzle",                  0xfd, 0x0e, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_SPLAT,                    "i8x16.splat",                    0xfd, 0x0f, NONE,          UNOP,      I32, V128, NONE, NONE) \
	X(I16X8_SPLAT,                    "i16x8.splat",                    0xfd, 0x10, NONE,          UNOP,      I32, V128, NONE, NONE) \
	X(I32X4_SPLAT,                    "i32x4.splat",                    0xfd, 0x11, NONE,          UNOP,      I32, V128, NONE, NONE) \
	X(I64X2_SPLAT,                    "i64x2.splat",                    0xfd, 0x12, NONE,          UNOP,      I64, V128, NONE, NONE) \
	X(F32X4_SPLAT,                    "f32x4.splat",                    0xfd, 0x13, NONE,          UNOP,      F32, V128, NONE, NONE) \
	X(F64X2_SPLAT,                    "f64x2.splat",                    0xfd, 0x14, NONE,          UNOP,      F64, V128, NONE, NONE) \
	X(I8X16_EXTRACT_LANE_S,           "i8x16.extract_lane_s",           0xfd, 0x15, LANE_16,       EXTRACT,   V128, I32, NONE, NONE) \
	X(I8X16_EXTRACT_LANE_U,           "i8x16.extract_lane_u",           0xfd, 0x16, LANE_16,       EXTRACT,   V128, I32, NONE, NONE) \
	X(I8X16_REPLACE_LANE,             "i8x16.replace_lane",             0xfd, 0x17, LANE_16,       REPLACE,   I32, V128, NONE, NONE) \
	X(I16X8_EXTRACT_LANE_S,           "i16x8.extract_lane_s",           0xfd, 0x18, LANE_8,        EXTRACT,   V128, I32, NONE, NONE) \
	X(I16X8_EXTRACT_LANE_U,           "i16x8.extract_lane_u",           0xfd, 0x19, LANE_8,        EXTRACT,   V128, I32, NONE, NONE) \
	X(I16X8_REPLACE_LANE,             "i16x8.replace_lane",             0xfd, 0x1a, LANE_8,        REPLACE,   I32, V128, NONE, NONE) \
	X(I32X4_EXTRACT_LANE,             "i32x4.extract_lane",             0xfd, 0x1b, LANE_4,        EXTRACT,   V128, I32, NONE, NONE) \
	X(I32X4_REPLACE_LANE,             "i32x4.replace_lane",             0xfd, 0x1c, LANE_4,        REPLACE,   I32, V128, NONE, NONE) \
	X(I64X2_EXTRACT_LANE,             "i64x2.extract_lane",             0xfd, 0x1d, LANE_2,        EXTRACT,   V128, I64, NONE, NONE) \
	X(I64X2_REPLACE_LANE,             "i64x2.replace_lane",             0xfd, 0x1e, LANE_2,        REPLACE,   I64, V128, NONE, NONE) \
	X(F32X4_EXTRACT_LANE,             "f32x4.extract_lane",             0xfd, 0x1f, LANE_4,        EXTRACT,   V128, F32, NONE, NONE) \
	X(F32X4_REPLACE_LANE,             "f32x4.replace_lane",             0xfd, 0x20, LANE_4,        REPLACE,   F32, V128, NONE, NONE) \
	X(F64X2_EXTRACT_LANE,             "f64x2.extract_lane",             0xfd, 0x21, LANE_2,        EXTRACT,   V128, F64, NONE, NONE) \
	X(F64X2_REPLACE_LANE,             "f64x2.replace_lane",             0xfd, 0x22, LANE_2,        REPLACE,   F64, V128, NONE, NONE) \
	X(I8X16_EQ,                       "i8x16.eq",                       0xfd, 0x23, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_NE,                       "i8x16.ne",                       0xfd, 0x24, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_LT_S,                     "i8x16.lt_s",                     0xfd, 0x25, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_LT_U,                     "i8x16.lt_u",                     0xfd, 0x26, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_GT_S,                     "i8x16.gt_s",                     0xfd, 0x27, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_GT_U,                     "i8x16.gt_u",                     0xfd, 0x28, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_LE_S,                     "i8x16.le_s",                     0xfd, 0x29, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_LE_U,                     "i8x16.le_u",                     0xfd, 0x2a, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_GE_S,                     "i8x16.ge_s",                     0xfd, 0x2b, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_GE_U,                     "i8x16.ge_u",                     0xfd, 0x2c, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_EQ,                       "i16x8.eq",                       0xfd, 0x2d, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_NE,                       "i16x8.ne",                       0xfd, 0x2e, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_LT_S,                     "i16x8.lt_s",                     0xfd, 0x2f, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_LT_U,                     "i16x8.lt_u",                     0xfd, 0x30, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_GT_S,                     "i16x8.gt_s",                     0xfd, 0x31, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_GT_U,                     "i16x8.gt_u",                     0xfd, 0x32, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_LE_S,                     "i16x8.le_s",                     0xfd, 0x33, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_LE_U,                     "i16x8.le_u",                     0xfd, 0x34, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_GE_S,                     "i16x8.ge_s",                     0xfd, 0x35, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_GE_U,                     "i16x8.ge_u",                     0xfd, 0x36, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_EQ,                       "i32x4.eq",                       0xfd, 0x37, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_NE,                       "i32x4.ne",                       0xfd, 0x38, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_LT_S,                     "i32x4.lt_s",                     0xfd, 0x39, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_LT_U,                     "i32x4.lt_u",                     0xfd, 0x3a, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_GT_S,                     "i32x4.gt_s",                     0xfd, 0x3b, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_GT_U,                     "i32x4.gt_u",                     0xfd, 0x3c, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_LE_S,                     "i32x4.le_s",                     0xfd, 0x3d, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_LE_U,                     "i32x4.le_u",                     0xfd, 0x3e, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_GE_S,                     "i32x4.ge_s",                     0xfd, 0x3f, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_GE_U,                     "i32x4.ge_u",                     0xfd, 0x40, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_EQ,                       "f32x4.eq",                       0xfd, 0x41, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_NE,                       "f32x4.ne",                       0xfd, 0x42, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_LT,                       "f32x4.lt",                       0xfd, 0x43, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_GT,                       "f32x4.gt",                       0xfd, 0x44, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_LE,                       "f32x4.le",                       0xfd, 0x45, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_GE,                       "f32x4.ge",                       0xfd, 0x46, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_EQ,                       "f64x2.eq",                       0xfd, 0x47, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_NE,                       "f64x2.ne",                       0xfd, 0x48, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_LT,                       "f64x2.lt",                       0xfd, 0x49, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_GT,                       "f64x2.gt",                       0xfd, 0x4a, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_LE,                       "f64x2.le",                       0xfd, 0x4b, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_GE,                       "f64x2.ge",                       0xfd, 0x4c, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(V128_NOT,                       "v128.not",                       0xfd, 0x4d, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(V128_AND,                       "v128.and",                       0xfd, 0x4e, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(V128_ANDNOT,                    "v128.andnot",                    0xfd, 0x4f, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(V128_OR,                        "v128.or",                        0xfd, 0x50, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(V128_XOR,                       "v128.xor",                       0xfd, 0x51, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(V128_BITSELECT,                 "v128.bitselect",                 0xfd, 0x52, NONE,          TERNOP,    V128, V128, NONE, NONE) \
	X(V128_ANY_TRUE,                  "v128.any_true",                  0xfd, 0x53, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(V128_LOAD8_LANE,                "v128.load8_lane",                0xfd, 0x54, MEMARG_LANE_8, LOAD_LANE, V128, V128, NONE, NONE) \
	X(V128_LOAD16_LANE,               "v128.load16_lane",               0xfd, 0x55, MEMARG_LANE_16, LOAD_LANE, V128, V128, NONE, NONE) \
	X(V128_LOAD32_LANE,               "v128.load32_lane",               0xfd, 0x56, MEMARG_LANE_32, LOAD_LANE, V128, V128, NONE, NONE) \
	X(V128_LOAD64_LANE,               "v128.load64_lane",               0xfd, 0x57, MEMARG_LANE_64, LOAD_LANE, V128, V128, NONE, NONE) \
	X(V128_STORE8_LANE,               "v128.store8_lane",               0xfd, 0x58, MEMARG_LANE_8, STORE_LANE, V128, NONE, NONE, NONE) \
	X(V128_STORE16_LANE,              "v128.store16_lane",              0xfd, 0x59, MEMARG_LANE_16, STORE_LANE, V128, NONE, NONE, NONE) \
	X(V128_STORE32_LANE,              "v128.store32_lane",              0xfd, 0x5a, MEMARG_LANE_32, STORE_LANE, V128, NONE, NONE, NONE) \
	X(V128_STORE64_LANE,              "v128.store64_lane",              0xfd, 0x5b, MEMARG_LANE_64, STORE_LANE, V128, NONE, NONE, NONE) \
	X(V128_LOAD32_ZERO,               "v128.load32_zero",               0xfd, 0x5c, MEMARG_32,     LOAD,      NONE, V128, NONE, NONE) \
	X(V128_LOAD64_ZERO,               "v128.load64_zero",               0xfd, 0x5d, MEMARG_64,     LOAD,      NONE, V128, NONE, NONE) \
	X(F32X4_DEMOTE_F64X2_ZERO,        "f32x4.demote_f64x2_zero",        0xfd, 0x5e, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F64X2_PROMOTE_LOW_F32X4,        "f64x2.promote_low_f32x4",        0xfd, 0x5f, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I8X16_ABS,                      "i8x16.abs",                      0xfd, 0x60, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I8X16_NEG,                      "i8x16.neg",                      0xfd, 0x61, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I8X16_POPCNT,                   "i8x16.popcnt",                   0xfd, 0x62, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I8X16_ALL_TRUE,                 "i8x16.all_true",                 0xfd, 0x63, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I8X16_BITMASK,                  "i8x16.bitmask",                  0xfd, 0x64, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I8X16_NARROW_I16X8_S,           "i8x16.narrow_i16x8_s",           0xfd, 0x65, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_NARROW_I16X8_U,           "i8x16.narrow_i16x8_u",           0xfd, 0x66, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_CEIL,                     "f32x4.ceil",                     0xfd, 0x67, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_FLOOR,                    "f32x4.floor",                    0xfd, 0x68, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_TRUNC,                    "f32x4.trunc",                    0xfd, 0x69, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_NEAREST,                  "f32x4.nearest",                  0xfd, 0x6a, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I8X16_SHL,                      "i8x16.shl",                      0xfd, 0x6b, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I8X16_SHR_S,                    "i8x16.shr_s",                    0xfd, 0x6c, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I8X16_SHR_U,                    "i8x16.shr_u",                    0xfd, 0x6d, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I8X16_ADD,                      "i8x16.add",                      0xfd, 0x6e, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_ADD_SAT_S,                "i8x16.add_sat_s",                0xfd, 0x6f, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_ADD_SAT_U,                "i8x16.add_sat_u",                0xfd, 0x70, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_SUB,                      "i8x16.sub",                      0xfd, 0x71, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_SUB_SAT_S,                "i8x16.sub_sat_s",                0xfd, 0x72, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_SUB_SAT_U,                "i8x16.sub_sat_u",                0xfd, 0x73, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_CEIL,                     "f64x2.ceil",                     0xfd, 0x74, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F64X2_FLOOR,                    "f64x2.floor",                    0xfd, 0x75, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I8X16_MIN_S,                    "i8x16.min_s",                    0xfd, 0x76, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_MIN_U,                    "i8x16.min_u",                    0xfd, 0x77, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_MAX_S,                    "i8x16.max_s",                    0xfd, 0x78, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I8X16_MAX_U,                    "i8x16.max_u",                    0xfd, 0x79, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_TRUNC,                    "f64x2.trunc",                    0xfd, 0x7a, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I8X16_AVGR_U,                   "i8x16.avgr_u",                   0xfd, 0x7b, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_EXTADD_PAIRWISE_I8X16_S,  "i16x8.extadd_pairwise_i8x16_s",  0xfd, 0x7c, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_EXTADD_PAIRWISE_I8X16_U,  "i16x8.extadd_pairwise_i8x16_u",  0xfd, 0x7d, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_EXTADD_PAIRWISE_I16X8_S,  "i32x4.extadd_pairwise_i16x8_s",  0xfd, 0x7e, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_EXTADD_PAIRWISE_I16X8_U,  "i32x4.extadd_pairwise_i16x8_u",  0xfd, 0x7f, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_ABS,                      "i16x8.abs",                      0xfd, 0x80, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_NEG,                      "i16x8.neg",                      0xfd, 0x81, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_Q15MULR_SAT_S,            "i16x8.q15mulr_sat_s",            0xfd, 0x82, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_ALL_TRUE,                 "i16x8.all_true",                 0xfd, 0x83, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I16X8_BITMASK,                  "i16x8.bitmask",                  0xfd, 0x84, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I16X8_NARROW_I32X4_S,           "i16x8.narrow_i32x4_s",           0xfd, 0x85, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_NARROW_I32X4_U,           "i16x8.narrow_i32x4_u",           0xfd, 0x86, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_EXTEND_LOW_I8X16_S,       "i16x8.extend_low_i8x16_s",       0xfd, 0x87, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_EXTEND_HIGH_I8X16_S,      "i16x8.extend_high_i8x16_s",      0xfd, 0x88, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_EXTEND_LOW_I8X16_U,       "i16x8.extend_low_i8x16_u",       0xfd, 0x89, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_EXTEND_HIGH_I8X16_U,      "i16x8.extend_high_i8x16_u",      0xfd, 0x8a, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_SHL,                      "i16x8.shl",                      0xfd, 0x8b, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I16X8_SHR_S,                    "i16x8.shr_s",                    0xfd, 0x8c, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I16X8_SHR_U,                    "i16x8.shr_u",                    0xfd, 0x8d, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I16X8_ADD,                      "i16x8.add",                      0xfd, 0x8e, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_ADD_SAT_S,                "i16x8.add_sat_s",                0xfd, 0x8f, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_ADD_SAT_U,                "i16x8.add_sat_u",                0xfd, 0x90, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_SUB,                      "i16x8.sub",                      0xfd, 0x91, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_SUB_SAT_S,                "i16x8.sub_sat_s",                0xfd, 0x92, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_SUB_SAT_U,                "i16x8.sub_sat_u",                0xfd, 0x93, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_NEAREST,                  "f64x2.nearest",                  0xfd, 0x94, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I16X8_MUL,                      "i16x8.mul",                      0xfd, 0x95, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_MIN_S,                    "i16x8.min_s",                    0xfd, 0x96, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_MIN_U,                    "i16x8.min_u",                    0xfd, 0x97, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_MAX_S,                    "i16x8.max_s",                    0xfd, 0x98, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_MAX_U,                    "i16x8.max_u",                    0xfd, 0x99, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_AVGR_U,                   "i16x8.avgr_u",                   0xfd, 0x9b, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_EXTMUL_LOW_I8X16_S,       "i16x8.extmul_low_i8x16_s",       0xfd, 0x9c, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_EXTMUL_HIGH_I8X16_S,      "i16x8.extmul_high_i8x16_s",      0xfd, 0x9d, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_EXTMUL_LOW_I8X16_U,       "i16x8.extmul_low_i8x16_u",       0xfd, 0x9e, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I16X8_EXTMUL_HIGH_I8X16_U,      "i16x8.extmul_high_i8x16_u",      0xfd, 0x9f, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_ABS,                      "i32x4.abs",                      0xfd, 0xa0, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_NEG,                      "i32x4.neg",                      0xfd, 0xa1, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_ALL_TRUE,                 "i32x4.all_true",                 0xfd, 0xa3, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I32X4_BITMASK,                  "i32x4.bitmask",                  0xfd, 0xa4, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I32X4_EXTEND_LOW_I16X8_S,       "i32x4.extend_low_i16x8_s",       0xfd, 0xa7, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_EXTEND_HIGH_I16X8_S,      "i32x4.extend_high_i16x8_s",      0xfd, 0xa8, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_EXTEND_LOW_I16X8_U,       "i32x4.extend_low_i16x8_u",       0xfd, 0xa9, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_EXTEND_HIGH_I16X8_U,      "i32x4.extend_high_i16x8_u",      0xfd, 0xaa, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_SHL,                      "i32x4.shl",                      0xfd, 0xab, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I32X4_SHR_S,                    "i32x4.shr_s",                    0xfd, 0xac, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I32X4_SHR_U,                    "i32x4.shr_u",                    0xfd, 0xad, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I32X4_ADD,                      "i32x4.add",                      0xfd, 0xae, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_SUB,                      "i32x4.sub",                      0xfd, 0xb1, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_MUL,                      "i32x4.mul",                      0xfd, 0xb5, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_MIN_S,                    "i32x4.min_s",                    0xfd, 0xb6, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_MIN_U,                    "i32x4.min_u",                    0xfd, 0xb7, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_MAX_S,                    "i32x4.max_s",                    0xfd, 0xb8, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_MAX_U,                    "i32x4.max_u",                    0xfd, 0xb9, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_DOT_I16X8_S,              "i32x4.dot_i16x8_s",              0xfd, 0xba, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_EXTMUL_LOW_I16X8_S,       "i32x4.extmul_low_i16x8_s",       0xfd, 0xbc, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_EXTMUL_HIGH_I16X8_S,      "i32x4.extmul_high_i16x8_s",      0xfd, 0xbd, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_EXTMUL_LOW_I16X8_U,       "i32x4.extmul_low_i16x8_u",       0xfd, 0xbe, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_EXTMUL_HIGH_I16X8_U,      "i32x4.extmul_high_i16x8_u",      0xfd, 0xbf, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_ABS,                      "i64x2.abs",                      0xfd, 0xc0, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I64X2_NEG,                      "i64x2.neg",                      0xfd, 0xc1, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I64X2_ALL_TRUE,                 "i64x2.all_true",                 0xfd, 0xc3, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I64X2_BITMASK,                  "i64x2.bitmask",                  0xfd, 0xc4, NONE,          UNOP,      V128, I32, NONE, NONE) \
	X(I64X2_EXTEND_LOW_I32X4_S,       "i64x2.extend_low_i32x4_s",       0xfd, 0xc7, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I64X2_EXTEND_HIGH_I32X4_S,      "i64x2.extend_high_i32x4_s",      0xfd, 0xc8, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I64X2_EXTEND_LOW_I32X4_U,       "i64x2.extend_low_i32x4_u",       0xfd, 0xc9, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I64X2_EXTEND_HIGH_I32X4_U,      "i64x2.extend_high_i32x4_u",      0xfd, 0xca, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I64X2_SHL,                      "i64x2.shl",                      0xfd, 0xcb, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I64X2_SHR_S,                    "i64x2.shr_s",                    0xfd, 0xcc, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I64X2_SHR_U,                    "i64x2.shr_u",                    0xfd, 0xcd, NONE,          SHIFT,     V128, V128, NONE, NONE) \
	X(I64X2_ADD,                      "i64x2.add",                      0xfd, 0xce, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_SUB,                      "i64x2.sub",                      0xfd, 0xd1, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_MUL,                      "i64x2.mul",                      0xfd, 0xd5, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_EQ,                       "i64x2.eq",                       0xfd, 0xd6, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_NE,                       "i64x2.ne",                       0xfd, 0xd7, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_LT_S,                     "i64x2.lt_s",                     0xfd, 0xd8, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_GT_S,                     "i64x2.gt_s",                     0xfd, 0xd9, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_LE_S,                     "i64x2.le_s",                     0xfd, 0xda, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_GE_S,                     "i64x2.ge_s",                     0xfd, 0xdb, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_EXTMUL_LOW_I32X4_S,       "i64x2.extmul_low_i32x4_s",       0xfd, 0xdc, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_EXTMUL_HIGH_I32X4_S,      "i64x2.extmul_high_i32x4_s",      0xfd, 0xdd, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_EXTMUL_LOW_I32X4_U,       "i64x2.extmul_low_i32x4_u",       0xfd, 0xde, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I64X2_EXTMUL_HIGH_I32X4_U,      "i64x2.extmul_high_i32x4_u",      0xfd, 0xdf, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_ABS,                      "f32x4.abs",                      0xfd, 0xe0, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_NEG,                      "f32x4.neg",                      0xfd, 0xe1, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_SQRT,                     "f32x4.sqrt",                     0xfd, 0xe3, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_ADD,                      "f32x4.add",                      0xfd, 0xe4, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_SUB,                      "f32x4.sub",                      0xfd, 0xe5, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_MUL,                      "f32x4.mul",                      0xfd, 0xe6, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_DIV,                      "f32x4.div",                      0xfd, 0xe7, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_MIN,                      "f32x4.min",                      0xfd, 0xe8, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_MAX,                      "f32x4.max",                      0xfd, 0xe9, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_PMIN,                     "f32x4.pmin",                     0xfd, 0xea, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F32X4_PMAX,                     "f32x4.pmax",                     0xfd, 0xeb, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_ABS,                      "f64x2.abs",                      0xfd, 0xec, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F64X2_NEG,                      "f64x2.neg",                      0xfd, 0xed, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F64X2_SQRT,                     "f64x2.sqrt",                     0xfd, 0xef, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F64X2_ADD,                      "f64x2.add",                      0xfd, 0xf0, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_SUB,                      "f64x2.sub",                      0xfd, 0xf1, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_MUL,                      "f64x2.mul",                      0xfd, 0xf2, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_DIV,                      "f64x2.div",                      0xfd, 0xf3, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_MIN,                      "f64x2.min",                      0xfd, 0xf4, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_MAX,                      "f64x2.max",                      0xfd, 0xf5, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_PMIN,                     "f64x2.pmin",                     0xfd, 0xf6, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(F64X2_PMAX,                     "f64x2.pmax",                     0xfd, 0xf7, NONE,          BINOP,     V128, V128, NONE, NONE) \
	X(I32X4_TRUNC_SAT_F32X4_S,        "i32x4.trunc_sat_f32x4_s",        0xfd, 0xf8, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_TRUNC_SAT_F32X4_U,        "i32x4.trunc_sat_f32x4_u",        0xfd, 0xf9, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_CONVERT_I32X4_S,          "f32x4.convert_i32x4_s",          0xfd, 0xfa, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F32X4_CONVERT_I32X4_U,          "f32x4.convert_i32x4_u",          0xfd, 0xfb, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_TRUNC_SAT_F64X2_S_ZERO,   "i32x4.trunc_sat_f64x2_s_zero",   0xfd, 0xfc, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(I32X4_TRUNC_SAT_F64X2_U_ZERO,   "i32x4.trunc_sat_f64x2_u_zero",   0xfd, 0xfd, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F64X2_CONVERT_LOW_I32X4_S,      "f64x2.convert_low_i32x4_s",      0xfd, 0xfe, NONE,          UNOP,      V128, V128, NONE, NONE) \
	X(F64X2_CONVERT_LOW_I32X4_U,      "f64x2.convert_low_i32x4_u",      0xfd, 0xff, NONE,          UNOP,      V128, V128, NONE, NONE)

#define WASM_OPCODES(X) \
	WASM_OPS_CONTROL(X) WASM_OPS_REFERENCE(X) WASM_OPS_PARAMETRIC(X) \
	WASM_OPS_VARIABLE(X) WASM_OPS_TABLE(X) WASM_OPS_MEMACCESS(X) \
	WASM_OPS_MEMORY(X) \
	WASM_OPS_CONST(X) WASM_OPS_NUMERIC(X) WASM_OPS_NUMERIC_MISC(X) \
	WASM_OPS_SIMD(X)

/* An opcode's key: WOP_KEY(prefix, code).  Unique: opcodes.c has a case
 * per key, so a repeated (prefix, code) fails the build. */
enum wasm_opcode {
#define X(name, text, prefix, code, ...) WOP_##name = WOP_KEY(prefix, code),
	WASM_OPCODES(X)
#undef X
};

/* Key ranges that consumers index tables by; opcodes.c asserts that each
 * is exactly its group (every row inside it, and as many rows as keys). */
#define WOP_NUMERIC_FIRST WOP_I32_EQZ
#define WOP_NUMERIC_LAST WOP_I64_EXTEND32_S
#define WOP_NUMERIC_MISC_FIRST WOP_I32_TRUNC_SAT_F32_S
#define WOP_NUMERIC_MISC_LAST WOP_I64_TRUNC_SAT_F64_U
#define WOP_MEMACCESS_FIRST WOP_I32_LOAD
#define WOP_MEMACCESS_LAST WOP_I64_STORE32

/* One row, as data. */
struct wasm_opcode_info {
	const char *name;          /* text format name, "i32.add" */
	uint32_t key;              /* enum wasm_opcode */
	uint8_t prefix;            /* 0 or WOP_PREFIX_* */
	uint32_t code;             /* byte, or the u32 after the prefix */
	uint8_t imm;               /* enum wasm_imm_kind */
	uint8_t shape;             /* enum wasm_op_shape */
	uint8_t type_in, type_out; /* UNOP/BINOP: WASM_I32 ...; LOAD: out is
	                              the value's; STORE: in is; else 0 */
};

/* Every row of WASM_OPCODES, in list order. */
extern const struct wasm_opcode_info wasm_opcode_table[];
extern const size_t wasm_opcode_count;

/* The key of (prefix, code), or WOP_KEY_NONE if code cannot be one (a
 * prefixed code above WOP_CODE_MAX, a one-byte code above 0xff).  The key
 * need not name an opcode: compare with the enum or look it up. */
static inline uint32_t wasm_opcode_key(unsigned prefix, uint32_t code)
{
	if (code > (prefix ? WOP_CODE_MAX : 0xffu))
		return WOP_KEY_NONE;
	return WOP_KEY(prefix, code);
}

/* The row of (prefix, code), or NULL if the engine knows no such opcode.
 * prefix is 0 for a one-byte opcode (the prefix bytes themselves have no
 * row). */
const struct wasm_opcode_info *wasm_opcode_lookup(unsigned prefix, uint32_t code);

/* The text format name of (prefix, code) ("i32.add"), or NULL if the
 * engine knows no such opcode.  The string is static. */
const char *wasm_opcode_name(unsigned prefix, unsigned code);

#endif
