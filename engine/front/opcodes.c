/* opcodes.c -- the opcode table as data, and its lookups (see opcodes.h). */
#include "front/opcodes.h"

/* Each row's position in wasm_opcode_table. */
enum {
#define X(name, ...) WOP_INDEX_##name,
	WASM_OPCODES(X)
#undef X
	WOP_INDEX_COUNT_
};

const struct wasm_opcode_info wasm_opcode_table[] = {
#define X(name, text, prefix, code, imm, shape, t, r, op, iop)            \
	{ text, WOP_##name, prefix, code, WIMM_##imm, WOP_SHAPE_##shape,  \
	  WOP_TYPE_##t, WOP_TYPE_##r },
	WASM_OPCODES(X)
#undef X
};

const size_t wasm_opcode_count = WOP_INDEX_COUNT_;

/* The ranges of opcodes.h hold their group and nothing else: every row of
 * the group is inside, and the group has as many rows as the range has
 * keys (keys are unique, see wasm_opcode_lookup). */
#define COUNT_ROW(...) + 1
#define X(name, text, prefix, code, imm, shape, t, r, op, iop)            \
	_Static_assert(WOP_##name >= WOP_NUMERIC_FIRST &&                 \
		WOP_##name <= WOP_NUMERIC_LAST, #name " outside 0x45..0xc4");
WASM_OPS_NUMERIC(X)
#undef X
#define X(name, text, prefix, code, imm, shape, t, r, op, iop)            \
	_Static_assert(WOP_##name >= WOP_NUMERIC_MISC_FIRST &&            \
		WOP_##name <= WOP_NUMERIC_MISC_LAST, #name " outside 0xfc 0..7");
WASM_OPS_NUMERIC_MISC(X)
#undef X
#define X(name, text, prefix, code, imm, shape, t, r, op, iop)            \
	_Static_assert(WOP_##name >= WOP_MEMACCESS_FIRST &&               \
		WOP_##name <= WOP_MEMACCESS_LAST, #name " outside 0x28..0x3e");
WASM_OPS_MEMACCESS(X)
#undef X
_Static_assert(WOP_MEMACCESS_LAST - WOP_MEMACCESS_FIRST + 1 ==
	0 WASM_OPS_MEMACCESS(COUNT_ROW), "a gap in WASM_OPS_MEMACCESS");
_Static_assert(WOP_NUMERIC_LAST - WOP_NUMERIC_FIRST + 1 ==
	0 WASM_OPS_NUMERIC(COUNT_ROW), "a gap in WASM_OPS_NUMERIC");
_Static_assert(WOP_NUMERIC_MISC_LAST - WOP_NUMERIC_MISC_FIRST + 1 ==
	0 WASM_OPS_NUMERIC_MISC(COUNT_ROW), "a gap in WASM_OPS_NUMERIC_MISC");
#undef COUNT_ROW

const struct wasm_opcode_info *wasm_opcode_lookup(unsigned prefix, uint32_t code)
{
	/* A case per key: the compiler rejects a repeated (prefix, code). */
	switch (wasm_opcode_key(prefix, code)) {
#define X(name, ...) case WOP_##name: return &wasm_opcode_table[WOP_INDEX_##name];
	WASM_OPCODES(X)
#undef X
	default:
		return NULL;
	}
}

const char *wasm_opcode_name(unsigned prefix, unsigned code)
{
	const struct wasm_opcode_info *info = wasm_opcode_lookup(prefix, code);
	return info ? info->name : NULL;
}
