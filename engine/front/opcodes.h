/* opcodes.h -- the WebAssembly opcodes, one table (internal to engine/).
 *
 * Every wasm instruction the engine decodes is one row of WASM_OPCODES
 * (WebAssembly 2.0 without SIMD).  The decoder, the body validator and
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
 *     shape   WOP_SHAPE_<shape>: UNOP and BINOP are the simple numeric ops
 *             (operands popped, one result pushed, no immediates); LOAD and
 *             STORE the memory accesses (a memarg, whose kind gives the
 *             natural alignment); OTHER is everything a consumer
 *             dispatches on by hand
 *     t, r    UNOP/BINOP: operand type (both operands of a BINOP) and result
 *             type, WOP_TYPE_<t> (I32, I64, F32, F64); LOAD: r the value
 *             loaded; STORE: t the value stored; NONE otherwise
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
 * prefix << 16 | code (switch on wasm_opcode_key(prefix, code)).  Room for the
 * 0xfd (SIMD) prefix: its codes (up to 0x113 today) fit WOP_CODE_MAX, its rows
 * go in a WASM_OPS_SIMD group added to WASM_OPCODES, and a consumer adds cases
 * to the switch it already has for a prefix.
 */
#ifndef ENGINE_FRONT_OPCODES_H
#define ENGINE_FRONT_OPCODES_H

#include "wasm.h"

#include <stddef.h>
#include <stdint.h>

/* Prefix bytes: the opcode proper follows as a u32 LEB128. */
enum {
	WOP_PREFIX_MISC = 0xfc,   /* saturating truncation, bulk memory/table */
	WOP_PREFIX_SIMD = 0xfd,   /* not supported yet: decodes to an error */
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
};

enum wasm_op_shape {
	WOP_SHAPE_OTHER,
	WOP_SHAPE_UNOP,       /* t -> r */
	WOP_SHAPE_BINOP,      /* t t -> r */
	WOP_SHAPE_LOAD,       /* i32 address -> r; op: the pre-decoded load */
	WOP_SHAPE_STORE,      /* i32 address, t ->; op: the pre-decoded store */
};

/* The natural alignment (log2 of the access size) of a memarg immediate,
 * or -1 for any other kind. */
static inline int wasm_imm_memarg_align(unsigned imm)
{
	_Static_assert(WIMM_MEMARG_64 - WIMM_MEMARG_8 == 3,
		"the memarg kinds are consecutive, by access size");
	return imm >= WIMM_MEMARG_8 && imm <= WIMM_MEMARG_64 ?
		(int)(imm - WIMM_MEMARG_8) : -1;
}

/* The type column's tokens. */
#define WOP_TYPE_NONE 0
#define WOP_TYPE_I32 WASM_I32
#define WOP_TYPE_I64 WASM_I64
#define WOP_TYPE_F32 WASM_F32
#define WOP_TYPE_F64 WASM_F64

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

/* 0xfd: WASM_OPS_SIMD(X) goes here, and into WASM_OPCODES below. */

#define WASM_OPCODES(X) \
	WASM_OPS_CONTROL(X) WASM_OPS_REFERENCE(X) WASM_OPS_PARAMETRIC(X) \
	WASM_OPS_VARIABLE(X) WASM_OPS_TABLE(X) WASM_OPS_MEMACCESS(X) \
	WASM_OPS_MEMORY(X) \
	WASM_OPS_CONST(X) WASM_OPS_NUMERIC(X) WASM_OPS_NUMERIC_MISC(X)

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
