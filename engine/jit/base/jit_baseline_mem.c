/* jit_baseline_mem.c -- the baseline compiler's memory, global, reference
 * and table ops, and slot moves (COPY, constants, SELECT).
 *
 * Loads and stores are not bounds-checked: the address is a 32-bit index
 * plus a 32-bit offset from r15, inside the 8 GiB reservation, and a fault
 * is mapped back through the PC map (jc_pc_here before the access).
 * Tables, bulk memory and memory.grow go to jit_rt_slow_op, which runs
 * the instruction as the interpreter does (JC_OP_EXCEPTIONS: the driver
 * emits that call, the emitters here never see those ops).
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit_seq.h"
#include "interp/ops.h"

/* A load's or a store's access kind is its place in its address form's
 * group; the groups keep one order (ops.c asserts LD ~ LDA ~ LDX ~ LDS and
 * ST ~ STA ~ STX ~ STS). */
_Static_assert(OP_LD_32S64 - OP_LD_I32 == 8 && OP_ST_64 - OP_ST_8 == 3,
	"load_kind and store_kind follow the LD and ST groups");

x64_mem jc_ea(jc *c, uint32_t off)
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

/* rax = the instance's field at offset off, then [rax + 8*index] */
static void inst_array(jc *c, int32_t field, uint32_t index, x64_gpr r)
{
	jit_seq_inst_elem(JB, field, index, r);
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

/* LOAD: d = [x + ...] in the address form of the op's layout. */
void jc_emit_load(jc *c)
{
	uint32_t d, off;
	int k;
	switch (op_infos[c->op].layout) {
	case OPL_LOAD:                  /* d = [a + off] */
		d = JOP(LOAD)->d, off = JOP(LOAD)->off, k = c->op - OP_LD_I32;
		jc_ld(c, 4, X64_RAX, JOP(LOAD)->a);
		break;
	case OPL_LOAD_ADDI:             /* d = [x + imm + off] */
		d = JOP(LOAD_ADDI)->d, off = JOP(LOAD_ADDI)->off;
		k = c->op - OP_LDA_I32;
		jc_ld(c, 4, X64_RAX, JOP(LOAD_ADDI)->x);
		x64_add_ri(JB, 4, X64_RAX, (int32_t)JOP(LOAD_ADDI)->imm);
		break;
	case OPL_LOAD_ADDX:             /* d = [x + y + off] */
		d = JOP(LOAD_ADDX)->d, off = JOP(LOAD_ADDX)->off;
		k = c->op - OP_LDX_I32;
		jc_ld(c, 4, X64_RAX, JOP(LOAD_ADDX)->x);
		jc_alu_src(c, X64_ALU_ADD, 4, X64_RAX, JOP(LOAD_ADDX)->y);
		break;
	case OPL_LOAD_SCALED:           /* d = [x + (y << k) + off] */
		d = JOP(LOAD_SCALED)->d, off = JOP(LOAD_SCALED)->off;
		k = c->op - OP_LDS_I32;
		scaled_index(c, JOP(LOAD_SCALED)->x, JOP(LOAD_SCALED)->y,
			JOP(LOAD_SCALED)->k);
		break;
	default:
		jc_bail(c, "a load the baseline JIT does not know");
		return;
	}
	load_kind(c, k, jc_ea(c, off), d);
}

/* STORE: [x + ...] = v in the address form of the op's layout. */
void jc_emit_store(jc *c)
{
	uint32_t off;
	int k;
	switch (op_infos[c->op].layout) {
	case OPL_STORE:                 /* [a + off] = v */
		off = JOP(STORE)->off, k = c->op - OP_ST_8;
		jc_ld(c, 4, X64_RAX, JOP(STORE)->a);
		jc_ld(c, 8, X64_RDX, JOP(STORE)->v);
		break;
	case OPL_STORE_ADDI:            /* [x + imm + off] = v */
		off = JOP(STORE_ADDI)->off, k = c->op - OP_STA_8;
		jc_ld(c, 4, X64_RAX, JOP(STORE_ADDI)->x);
		x64_add_ri(JB, 4, X64_RAX, (int32_t)JOP(STORE_ADDI)->imm);
		jc_ld(c, 8, X64_RDX, JOP(STORE_ADDI)->v);
		break;
	case OPL_STORE_ADDX:            /* [x + y + off] = v */
		off = JOP(STORE_ADDX)->off, k = c->op - OP_STX_8;
		jc_ld(c, 4, X64_RAX, JOP(STORE_ADDX)->x);
		jc_alu_src(c, X64_ALU_ADD, 4, X64_RAX, JOP(STORE_ADDX)->y);
		jc_ld(c, 8, X64_RDX, JOP(STORE_ADDX)->v);
		break;
	case OPL_STORE_SCALED:          /* [x + (y << k) + off] = v */
		off = JOP(STORE_SCALED)->off, k = c->op - OP_STS_8;
		scaled_index(c, JOP(STORE_SCALED)->x, JOP(STORE_SCALED)->y,
			JOP(STORE_SCALED)->k);
		jc_ld(c, 8, X64_RDX, JOP(STORE_SCALED)->v);
		break;
	default:
		jc_bail(c, "a store the baseline JIT does not know");
		return;
	}
	store_kind(c, k, jc_ea(c, off));
}

/* ADDR: d = (u32)(x + (y << k)). */
void jc_emit_addr(jc *c)
{
	if (c->op != OP_ADDSHL32) {
		jc_bail(c, "address arithmetic the baseline JIT does not know");
		return;
	}
	scaled_index(c, JOP(ADDSHL)->x, JOP(ADDSHL)->y, JOP(ADDSHL)->k);
	jc_st(c, JOP(ADDSHL)->d, X64_RAX);
}

/* MOVE: COPY, constants, SELECT. */
void jc_emit_move(jc *c)
{
	switch (c->op) {
	case OP_COPY:
		jc_ld(c, 8, X64_RAX, JOP(D_A)->a);
		jc_st(c, JOP(D_A)->d, X64_RAX);
		break;
	case OP_CONST32:
		const64(c, JOP(D_IMM)->d, JOP(D_IMM)->imm);
		break;
	case OP_CONST64:
		const64(c, JOP(D_IMM64)->d, JOP(D_IMM64)->imm);
		break;
	case OP_SELECT:                 /* d = c ? a : b */
		jc_ld(c, 8, X64_RAX, JOP(SELECT)->a);
		jc_ld(c, 8, X64_RCX, JOP(SELECT)->b);
		jc_cmp_imm(c, 4, JOP(SELECT)->c, 0);
		x64_cmovcc_rr(JB, X64_CC_E, 8, X64_RAX, X64_RCX);
		jc_st(c, JOP(SELECT)->d, X64_RAX);
		break;
	default:
		jc_bail(c, "a move the baseline JIT does not know");
		break;
	}
}

/* GLOBAL: global.get, global.set (the value in its wasm_global). */
void jc_emit_global(jc *c)
{
	switch (c->op) {
	case OP_GLOBAL_GET:             /* d = globals[idx]->val */
		inst_array(c, offsetof(wasm_instance, globals), JOP(D_IDX)->idx, X64_RAX);
		x64_mov_rm(JB, 8, X64_RAX, x64_mem_b(X64_RAX, offsetof(wasm_global, val)));
		jc_st(c, JOP(D_IDX)->d, X64_RAX);
		break;
	case OP_GLOBAL_SET:             /* globals[idx]->val = a */
		inst_array(c, offsetof(wasm_instance, globals), JOP(A_IDX)->idx, X64_RAX);
		jc_ld(c, 8, X64_RCX, JOP(A_IDX)->a);
		x64_mov_mr(JB, 8, x64_mem_b(X64_RAX, offsetof(wasm_global, val)), X64_RCX);
		break;
	default:
		jc_bail(c, "a global op the baseline JIT does not know");
		break;
	}
}

/* REF: ref.is_null, ref.func. */
void jc_emit_ref(jc *c)
{
	switch (c->op) {
	case OP_REF_IS_NULL:            /* d = a == 0 */
		x64_alu_rr(JB, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
		jc_cmp_imm(c, 8, JOP(D_A)->a, 0);
		x64_setcc_r(JB, X64_CC_E, X64_RAX);
		jc_st(c, JOP(D_A)->d, X64_RAX);
		break;
	case OP_REF_FUNC:               /* d = funcs[idx] */
		inst_array(c, offsetof(wasm_instance, funcs), JOP(D_IDX)->idx, X64_RAX);
		jc_st(c, JOP(D_IDX)->d, X64_RAX);
		break;
	default:
		jc_bail(c, "a reference op the baseline JIT does not know");
		break;
	}
}

/* 1 -> dropped[seg]; field is the instance's array of flags */
static void drop(jc *c, int32_t field, uint32_t seg)
{
	jit_seq_drop(JB, field, seg, X64_RAX);
}

/* TABLE: elem.drop (the rest is left to C: JC_OP_EXCEPTIONS). */
void jc_emit_table(jc *c)
{
	if (c->op != OP_ELEM_DROP) {
		jc_bail(c, "a table op the baseline JIT does not know");
		return;
	}
	drop(c, offsetof(wasm_instance, elem_dropped), JOP(IDX)->idx);
}

/* MEMORY: memory.size, data.drop (the rest is left to C). */
void jc_emit_memory(jc *c)
{
	switch (c->op) {
	case OP_MEMORY_SIZE:            /* d = memory->pages */
		jit_seq_memory_size(JB, X64_RAX);
		jc_st(c, JOP(D)->d, X64_RAX);
		break;
	case OP_DATA_DROP:
		drop(c, offsetof(wasm_instance, data_dropped), JOP(IDX)->idx);
		break;
	default:
		jc_bail(c, "a memory op the baseline JIT does not know");
		break;
	}
}
