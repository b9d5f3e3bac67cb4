/* jit_baseline_mem.c -- the baseline compiler's memory, global, reference
 * and table ops, and slot moves (COPY, constants, SELECT).
 *
 * Loads and stores are not bounds-checked: the address is a 32-bit index
 * plus a 32-bit offset from r15, inside the 8 GiB reservation, and a fault
 * is mapped back through the PC map (jc_pc_here before the access).
 * Tables, bulk memory and memory.grow go to jit_rt_slow_op, which runs
 * the instruction as the interpreter does.
 */
#include "jit/base/jit_baseline.h"
#include "interp/ops.h"

static bool in(int op, int first, int last) { return op >= first && op <= last; }

/* [r15 + rax + off]: rax holds the zero-extended effective index. */
static x64_mem ea(jc *c, uint32_t off)
{
	if (off <= INT32_MAX)
		return x64_mem_bi(X64_R15, X64_RAX, 1, (int32_t)off);
	x64_mov_ri(JB, 4, X64_RCX, off);
	x64_add_rr(JB, 8, X64_RAX, X64_RCX);
	return x64_mem_bi(X64_R15, X64_RAX, 1, 0);
}

/* LOAD_KINDS order: I32 I64 8S32 8U 16S32 16U 8S64 16S64 32S64 */
static void load_kind(jc *c, int k, x64_mem m, uint32_t d)
{
	jc_pc_here(c);
	switch (k) {
	case 0: x64_mov_rm(JB, 4, X64_RAX, m); break;
	case 1: x64_mov_rm(JB, 8, X64_RAX, m); break;
	case 2: x64_movsx_rm(JB, 4, 1, X64_RAX, m); break;
	case 3: x64_movzx_rm(JB, 4, 1, X64_RAX, m); break;
	case 4: x64_movsx_rm(JB, 4, 2, X64_RAX, m); break;
	case 5: x64_movzx_rm(JB, 4, 2, X64_RAX, m); break;
	case 6: x64_movsx_rm(JB, 8, 1, X64_RAX, m); break;
	case 7: x64_movsx_rm(JB, 8, 2, X64_RAX, m); break;
	default: x64_movsxd_rm(JB, X64_RAX, m); break;
	}
	jc_st(c, d, X64_RAX);
}

/* STORE_KINDS order: 8 16 32 64; the value is in rdx */
static void store_kind(jc *c, int k, x64_mem m)
{
	static const unsigned size[4] = { 1, 2, 4, 8 };
	jc_pc_here(c);
	x64_mov_mr(JB, size[k], m, X64_RDX);
}

/* eax = (u32)(x + (y << k)): a scaled array index */
static void scaled_index(jc *c, uint32_t x, uint32_t y, uint32_t k)
{
	jc_ld(c, 4, X64_RCX, y);
	k &= 31;
	jc_ld(c, 4, X64_RAX, x);
	if (k <= 3) {
		x64_lea(JB, 4, X64_RAX, x64_mem_bi(X64_RAX, X64_RCX, 1u << k, 0));
	} else {
		x64_shift_ri(JB, X64_SH_SHL, 4, X64_RCX, (uint8_t)k);
		x64_add_rr(JB, 4, X64_RAX, X64_RCX);
	}
}

static void jc_addshl(jc *c)
{
	scaled_index(c, jc_u16(c, 6), jc_u16(c, 8), jc_u16(c, 10));
	jc_st(c, jc_u16(c, 4), X64_RAX);
}

/* rax = the instance's field at offset off, then [rax + 8*index] */
static void inst_array(jc *c, int32_t field, uint32_t index, x64_gpr r)
{
	x64_mov_rm(JB, 8, r, x64_mem_b(X64_R13, field));
	x64_mov_rm(JB, 8, r, x64_mem_b(r, (int32_t)(8 * index)));
}

static void const64(jc *c, uint32_t d, uint64_t v)
{
	if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
		jc_st_imm(c, d, (int32_t)(int64_t)v);
	} else {
		x64_mov_ri(JB, 8, X64_RAX, (int64_t)v);
		jc_st(c, d, X64_RAX);
	}
}

bool jc_emit_mem(jc *c)
{
	int op = c->op;
	uint32_t f4 = jc_u16(c, 4);

	if (in(op, OP_LD_I32, OP_LD_32S64)) {
		jc_ld(c, 4, X64_RAX, jc_u16(c, 6));
		load_kind(c, op - OP_LD_I32, ea(c, jc_u32(c, 8)), f4);
		return true;
	}
	if (in(op, OP_ST_8, OP_ST_64)) {
		jc_ld(c, 4, X64_RAX, f4);
		jc_ld(c, 8, X64_RDX, jc_u16(c, 6));
		store_kind(c, op - OP_ST_8, ea(c, jc_u32(c, 8)));
		return true;
	}
	if (in(op, OP_LDA_I32, OP_LDA_32S64)) {       /* d x imm32 off32 */
		jc_ld(c, 4, X64_RAX, jc_u16(c, 6));
		x64_add_ri(JB, 4, X64_RAX, (int32_t)jc_u32(c, 8));
		load_kind(c, op - OP_LDA_I32, ea(c, jc_u32(c, 12)), f4);
		return true;
	}
	if (in(op, OP_LDX_I32, OP_LDX_32S64)) {       /* d x y off32 */
		jc_ld(c, 4, X64_RAX, jc_u16(c, 6));
		jc_alu_src(c, X64_ALU_ADD, 4, X64_RAX, jc_u16(c, 8));
		load_kind(c, op - OP_LDX_I32, ea(c, jc_u32(c, 10)), f4);
		return true;
	}
	if (in(op, OP_STA_8, OP_STA_64)) {            /* x imm32 v off32 */
		jc_ld(c, 4, X64_RAX, f4);
		x64_add_ri(JB, 4, X64_RAX, (int32_t)jc_u32(c, 6));
		jc_ld(c, 8, X64_RDX, jc_u16(c, 10));
		store_kind(c, op - OP_STA_8, ea(c, jc_u32(c, 12)));
		return true;
	}
	if (in(op, OP_STX_8, OP_STX_64)) {            /* x y v off32 */
		jc_ld(c, 4, X64_RAX, f4);
		jc_alu_src(c, X64_ALU_ADD, 4, X64_RAX, jc_u16(c, 6));
		jc_ld(c, 8, X64_RDX, jc_u16(c, 8));
		store_kind(c, op - OP_STX_8, ea(c, jc_u32(c, 10)));
		return true;
	}

	if (in(op, OP_LDS_I32, OP_LDS_32S64)) {       /* d x y k16 off32 */
		scaled_index(c, jc_u16(c, 6), jc_u16(c, 8), jc_u16(c, 10));
		load_kind(c, op - OP_LDS_I32, ea(c, jc_u32(c, 12)), f4);
		return true;
	}
	if (in(op, OP_STS_8, OP_STS_64)) {            /* x y k16 v off32 */
		scaled_index(c, f4, jc_u16(c, 6), jc_u16(c, 8));
		jc_ld(c, 8, X64_RDX, jc_u16(c, 10));
		store_kind(c, op - OP_STS_8, ea(c, jc_u32(c, 12)));
		return true;
	}

	switch (op) {
	case OP_ADDSHL32:                             /* d x y k16 */
		jc_addshl(c);
		return true;
	case OP_COPY:
		jc_ld(c, 8, X64_RAX, jc_u16(c, 6));
		jc_st(c, f4, X64_RAX);
		return true;
	case OP_CONST32:
		const64(c, f4, jc_u32(c, 6));
		return true;
	case OP_CONST64:
		const64(c, f4, jc_u64(c, 6));
		return true;
	case OP_SELECT:                               /* d c a b */
		jc_ld(c, 8, X64_RAX, jc_u16(c, 8));
		jc_ld(c, 8, X64_RCX, jc_u16(c, 10));
		jc_cmp_imm(c, 4, jc_u16(c, 6), 0);
		x64_cmovcc_rr(JB, X64_CC_E, 8, X64_RAX, X64_RCX);
		jc_st(c, f4, X64_RAX);
		return true;
	case OP_GLOBAL_GET:                           /* d idx32 */
		inst_array(c, offsetof(wasm_instance, globals), jc_u32(c, 6), X64_RAX);
		x64_mov_rm(JB, 8, X64_RAX, x64_mem_b(X64_RAX, offsetof(wasm_global, val)));
		jc_st(c, f4, X64_RAX);
		return true;
	case OP_GLOBAL_SET:                           /* v idx32 */
		inst_array(c, offsetof(wasm_instance, globals), jc_u32(c, 6), X64_RAX);
		jc_ld(c, 8, X64_RCX, f4);
		x64_mov_mr(JB, 8, x64_mem_b(X64_RAX, offsetof(wasm_global, val)), X64_RCX);
		return true;
	case OP_REF_IS_NULL:                          /* d s */
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		jc_cmp_imm(c, 8, jc_u16(c, 6), 0);
		x64_setcc_r(JB, X64_CC_E, X64_RAX);
		jc_st(c, f4, X64_RAX);
		return true;
	case OP_REF_FUNC:                             /* d idx32 */
		inst_array(c, offsetof(wasm_instance, funcs), jc_u32(c, 6), X64_RAX);
		jc_st(c, f4, X64_RAX);
		return true;
	case OP_MEMORY_SIZE:                          /* d */
		x64_mov_rm(JB, 8, X64_RAX, x64_mem_b(X64_R13, offsetof(wasm_instance, memory)));
		x64_mov_rm(JB, 4, X64_RAX, x64_mem_b(X64_RAX, offsetof(wasm_memory, pages)));
		jc_st(c, f4, X64_RAX);
		return true;
	case OP_DATA_DROP:                            /* seg32 */
		x64_mov_rm(JB, 8, X64_RAX, x64_mem_b(X64_R13, offsetof(wasm_instance, data_dropped)));
		x64_mov_mi(JB, 1, x64_mem_b(X64_RAX, (int32_t)jc_u32(c, 4)), 1);
		return true;
	case OP_ELEM_DROP:                            /* seg32 */
		x64_mov_rm(JB, 8, X64_RAX, x64_mem_b(X64_R13, offsetof(wasm_instance, elem_dropped)));
		x64_mov_mi(JB, 1, x64_mem_b(X64_RAX, (int32_t)jc_u32(c, 4)), 1);
		return true;
	case OP_MEMORY_GROW: case OP_TABLE_SIZE: case OP_TABLE_GROW:
		jc_slow_op(c, false);
		return true;
	case OP_MEMORY_FILL: case OP_MEMORY_COPY: case OP_MEMORY_INIT:
	case OP_TABLE_GET: case OP_TABLE_SET: case OP_TABLE_FILL:
	case OP_TABLE_COPY: case OP_TABLE_INIT:
		jc_slow_op(c, true);
		return true;
	default:
		return false;
	}
}
