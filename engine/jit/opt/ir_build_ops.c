/* ir_build_ops.c -- the IR builder's translation of one instruction
 * (ir_b_insn; ir_build.c's fill calls it for each instruction of a block).
 *
 * Each op family of ops.h becomes one or a few IR ops: fused address forms
 * and immediate operands are spelt out (lowering fuses them again); loads,
 * stores and every op that can trap keep their site and wasm offset
 * (ir_b_emit).  Operands are read and results written through the slots
 * (ir_b_rd, ir_b_wr), so SSA is ir_build.c's business.  A v128 is one
 * value held by two slots, read and written as the first.
 */
#include "jit/opt/ir_build_int.h"
#include "jit/jit_simd.h"
#include "common/error.h"
#include "interp/fcode.h"
#include "runtime/runtime.h"

/* ---- interp op -> IR op ------------------------------------------------------- */

#define MAP_INT_(X, s) \
	X(EQZ##s, IEQZ) X(EQ##s, IEQ) X(NE##s, INE) X(LTS##s, ILTS) X(LTU##s, ILTU) \
	X(GTS##s, IGTS) X(GTU##s, IGTU) X(LES##s, ILES) X(LEU##s, ILEU) \
	X(GES##s, IGES) X(GEU##s, IGEU) X(CLZ##s, ICLZ) X(CTZ##s, ICTZ) \
	X(POPCNT##s, IPOPCNT) X(ADD##s, IADD) X(SUB##s, ISUB) X(MUL##s, IMUL) \
	X(DIVS##s, IDIVS) X(DIVU##s, IDIVU) X(REMS##s, IREMS) X(REMU##s, IREMU) \
	X(AND##s, IAND) X(OR##s, IOR) X(XOR##s, IXOR) X(SHL##s, ISHL) \
	X(SHRS##s, ISHRS) X(SHRU##s, ISHRU) X(ROTL##s, IROTL) X(ROTR##s, IROTR)
#define MAP_CMP_(X, s) \
	X(EQ##s, IEQ) X(NE##s, INE) X(LTS##s, ILTS) X(LTU##s, ILTU) X(GTS##s, IGTS) \
	X(GTU##s, IGTU) X(LES##s, ILES) X(LEU##s, ILEU) X(GES##s, IGES) X(GEU##s, IGEU)
#define MAP_IMM_(X, s) MAP_CMP_(X, s) \
	X(ADD##s, IADD) X(MUL##s, IMUL) X(AND##s, IAND) X(OR##s, IOR) X(XOR##s, IXOR) \
	X(SHL##s, ISHL) X(SHRS##s, ISHRS) X(SHRU##s, ISHRU)
#define MAP_FLOAT_(X, s) \
	X(FEQ##s, FEQ) X(FNE##s, FNE) X(FLT##s, FLT) X(FGT##s, FGT) X(FLE##s, FLE) \
	X(FGE##s, FGE) X(FABS##s, FABS) X(FNEG##s, FNEG) X(FCEIL##s, FCEIL) \
	X(FFLOOR##s, FFLOOR) X(FTRUNC##s, FTRUNC) X(FNEAREST##s, FNEAREST) \
	X(FSQRT##s, FSQRT) X(FADD##s, FADD) X(FSUB##s, FSUB) X(FMUL##s, FMUL) \
	X(FDIV##s, FDIV) X(FMIN##s, FMIN) X(FMAX##s, FMAX) X(FCOPYSIGN##s, FCOPYSIGN)
#define MAP_OPS(X) \
	MAP_INT_(X, 32) MAP_INT_(X, 64) MAP_IMM_(X, 32I) MAP_IMM_(X, 64I) \
	MAP_CMP_(X, _BR32) MAP_CMP_(X, _BR32I) MAP_CMP_(X, _BR64) \
	MAP_FLOAT_(X, 32) MAP_FLOAT_(X, 64) \
	X(WRAP, WRAP) X(EXT8S32, IEXT8S) X(EXT16S32, IEXT16S) X(EXT8S64, IEXT8S) \
	X(EXT16S64, IEXT16S) X(EXT32S64, IEXT32S)

static const uint8_t ir_of[OP_COUNT_] = {
#define MAP_(op, irop) [OP_##op] = IR_##irop,
	MAP_OPS(MAP_)
#undef MAP_
};

/* Conversions: (op, IR op, result type); the source is the op's TYPE. */
#define MAP_CONV(X) \
	X(TRUNC_F32_S32, TRUNCS, I32) X(TRUNC_F32_U32, TRUNCU, I32) \
	X(TRUNC_F64_S32, TRUNCS, I32) X(TRUNC_F64_U32, TRUNCU, I32) \
	X(TRUNC_F32_S64, TRUNCS, I64) X(TRUNC_F32_U64, TRUNCU, I64) \
	X(TRUNC_F64_S64, TRUNCS, I64) X(TRUNC_F64_U64, TRUNCU, I64) \
	X(SAT_F32_S32, SATS, I32) X(SAT_F32_U32, SATU, I32) \
	X(SAT_F64_S32, SATS, I32) X(SAT_F64_U32, SATU, I32) \
	X(SAT_F32_S64, SATS, I64) X(SAT_F32_U64, SATU, I64) \
	X(SAT_F64_S64, SATS, I64) X(SAT_F64_U64, SATU, I64) \
	X(CONV_S32_F32, CONVS, F32) X(CONV_U32_F32, CONVU, F32) \
	X(CONV_S64_F32, CONVS, F32) X(CONV_U64_F32, CONVU, F32) \
	X(DEMOTE, DEMOTE, F32) \
	X(CONV_S32_F64, CONVS, F64) X(CONV_U32_F64, CONVU, F64) \
	X(CONV_S64_F64, CONVS, F64) X(CONV_U64_F64, CONVU, F64) \
	X(PROMOTE, PROMOTE, F64)

static const struct { uint8_t op, type; } conv_of[OP_COUNT_] = {
#define MAP_(op, irop, t) [OP_##op] = { IR_##irop, IRT_##t },
	MAP_CONV(MAP_)
#undef MAP_
};

static const uint8_t irt_of_opt[] = {
	[OPT_NONE] = IRT_NONE, [OPT_I32] = IRT_I32, [OPT_I64] = IRT_I64,
	[OPT_F32] = IRT_F32, [OPT_F64] = IRT_F64,
};

enum ir_type ir_b_irt_of_wasm(uint8_t t)
{
	switch (t) {
	case WASM_I32: return IRT_I32;
	case WASM_F32: return IRT_F32;
	case WASM_F64: return IRT_F64;
	case WASM_V128: return IRT_V128;
	default: return IRT_I64;     /* i64, funcref, externref */
	}
}

static ir_ref konst(bld *c, enum ir_type t, uint64_t bits)
{
	ir_ref r = ir_const(c->f, t, bits);
	if (r != IR_NONE)
		ir_at(c->f, r)->site = c->off;
	return r;
}

/* The address of a (possibly fused) load or store: x, x + imm, x + y or
 * x + (y << k), all i32 (the add wraps, as the interpreter's). */
static ir_ref addr_imm(bld *c, uint32_t x, uint32_t imm)
{
	return ir_b_emit(c, IR_IADD, IRT_I32, 2, ir_b_rd(c, x), konst(c, IRT_I32, imm), 0);
}

static ir_ref addr_x(bld *c, uint32_t x, uint32_t y)
{
	return ir_b_emit(c, IR_IADD, IRT_I32, 2, ir_b_rd(c, x), ir_b_rd(c, y), 0);
}

static ir_ref addr_scaled(bld *c, uint32_t x, uint32_t y, uint32_t k)
{
	ir_ref sh = ir_b_emit(c, IR_ISHL, IRT_I32, 2, ir_b_rd(c, y), konst(c, IRT_I32, k & 31), 0);
	return ir_b_emit(c, IR_IADD, IRT_I32, 2, ir_b_rd(c, x), sh, 0);
}

static const struct { uint8_t op, type; } load_kinds[] = {
	/* in ops.h's OPS_LOADS_ order */
	{ IR_LOAD, IRT_I32 }, { IR_LOAD, IRT_I64 }, { IR_LOAD8S, IRT_I32 },
	{ IR_LOAD8U, IRT_I32 }, { IR_LOAD16S, IRT_I32 }, { IR_LOAD16U, IRT_I32 },
	{ IR_LOAD8S, IRT_I64 }, { IR_LOAD16S, IRT_I64 }, { IR_LOAD32S, IRT_I64 },
};
static const uint8_t store_kinds[] = { IR_STORE8, IR_STORE16, IR_STORE32, IR_STORE64 };

/* The type of load kind k at the instruction being built: f32.load and
 * f64.load are pre-decoded as the integer loads of their width (a slot
 * holds bits), so the wasm opcode at the load's offset says which it
 * was, and a float load is a float value from the start: read straight
 * into an XMM register, not into a GPR and moved there by a bitcast (a
 * loop carrying a loaded f64 kept it in a GPR phi: heat). */
static enum ir_type load_type(bld *c, uint32_t k)
{
	enum ir_type t = (enum ir_type)load_kinds[k].type;
	if (load_kinds[k].op != IR_LOAD)
		return t;
	size_t w = ir_b_wasm_off(c);
	if (w >= c->m->len)
		return t;
	const struct wasm_opcode_info *oi = wasm_opcode_lookup(0, c->m->bytes[w]);
	if (!oi || oi->shape != WOP_SHAPE_LOAD)
		return t;
	enum ir_type wt = ir_b_irt_of_wasm(oi->type_out);
	return wt != IRT_NONE && ir_type_bytes[wt] == ir_type_bytes[t] ? wt : t;
}

static void do_load(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref a;
	uint32_t d, off, k;
	switch (op_infos[op].layout) {
	case OPL_LOAD:
		a = ir_b_rd(c, OP_AT(ip, LOAD)->a);
		d = OP_AT(ip, LOAD)->d; off = OP_AT(ip, LOAD)->off; k = op - OP_LD_I32;
		break;
	case OPL_LOAD_ADDI:
		a = addr_imm(c, OP_AT(ip, LOAD_ADDI)->x, OP_AT(ip, LOAD_ADDI)->imm);
		d = OP_AT(ip, LOAD_ADDI)->d; off = OP_AT(ip, LOAD_ADDI)->off; k = op - OP_LDA_I32;
		break;
	case OPL_LOAD_ADDX:
		a = addr_x(c, OP_AT(ip, LOAD_ADDX)->x, OP_AT(ip, LOAD_ADDX)->y);
		d = OP_AT(ip, LOAD_ADDX)->d; off = OP_AT(ip, LOAD_ADDX)->off; k = op - OP_LDX_I32;
		break;
	default:
		a = addr_scaled(c, OP_AT(ip, LOAD_SCALED)->x, OP_AT(ip, LOAD_SCALED)->y,
			OP_AT(ip, LOAD_SCALED)->k);
		d = OP_AT(ip, LOAD_SCALED)->d; off = OP_AT(ip, LOAD_SCALED)->off; k = op - OP_LDS_I32;
		break;
	}
	ir_ref r = ir_b_emit(c, load_kinds[k].op, load_type(c, k), 1, a, 0, 0);
	if (r != IR_NONE)
		ir_at(c->f, r)->imm = off;
	ir_b_wr(c, d, r);
}

static void do_store(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref a, v;
	uint32_t off, k;
	switch (op_infos[op].layout) {
	case OPL_STORE:
		a = ir_b_rd(c, OP_AT(ip, STORE)->a); v = ir_b_rd(c, OP_AT(ip, STORE)->v);
		off = OP_AT(ip, STORE)->off; k = op - OP_ST_8;
		break;
	case OPL_STORE_ADDI:
		a = addr_imm(c, OP_AT(ip, STORE_ADDI)->x, OP_AT(ip, STORE_ADDI)->imm);
		v = ir_b_rd(c, OP_AT(ip, STORE_ADDI)->v);
		off = OP_AT(ip, STORE_ADDI)->off; k = op - OP_STA_8;
		break;
	case OPL_STORE_ADDX:
		a = addr_x(c, OP_AT(ip, STORE_ADDX)->x, OP_AT(ip, STORE_ADDX)->y);
		v = ir_b_rd(c, OP_AT(ip, STORE_ADDX)->v);
		off = OP_AT(ip, STORE_ADDX)->off; k = op - OP_STX_8;
		break;
	default:
		a = addr_scaled(c, OP_AT(ip, STORE_SCALED)->x, OP_AT(ip, STORE_SCALED)->y,
			OP_AT(ip, STORE_SCALED)->k);
		v = ir_b_rd(c, OP_AT(ip, STORE_SCALED)->v);
		off = OP_AT(ip, STORE_SCALED)->off; k = op - OP_STS_8;
		break;
	}
	ir_ref r = ir_b_emit(c, store_kinds[k], IRT_NONE, 2, a, v, 0);
	if (r != IR_NONE)
		ir_at(c->f, r)->imm = off;
}

static const functype *callee_type(bld *c, enum interp_op op, const uint8_t *ip)
{
	const wasm_module *m = c->m;
	if (op == OP_CALL_INDIRECT) {
		uint32_t id = OP_AT(ip, CALL_IND)->type_id;
		for (uint32_t i = 0; i < m->ntypes; i++)
			if (m->types[i].id == id)
				return &m->types[i];
		ir_b_refuse(c, "unknown indirect call type");
		return NULL;
	}
	uint32_t idx = OP_AT(ip, CALL)->func;
	if (idx >= m->nfuncs) {
		ir_b_refuse(c, "unknown instruction");
		return NULL;
	}
	return &m->types[m->funcs[idx].type];
}

static void do_call(bld *c, enum interp_op op, const uint8_t *ip)
{
	const functype *ft = callee_type(c, op, ip);
	if (!ft)
		return;
	bool ind = op == OP_CALL_INDIRECT;
	uint32_t base = ind ? OP_AT(ip, CALL_IND)->base : OP_AT(ip, CALL)->base;
	uint32_t n = ft->nparams + ind;
	ir_ref call = ir_insn_new(c->f, op == OP_CALL ? IR_CALL : op == OP_CALL_IMPORT ?
		IR_CALL_IMPORT : IR_CALL_INDIRECT, IRT_NONE, n);
	if (call == IR_NONE)
		return;
	if (ind) {
		ir_ref i = ir_b_rd(c, OP_AT(ip, CALL_IND)->i);
		ir_args(c->f, call)[0] = i;
	}
	for (uint32_t k = 0, s = 0; k < ft->nparams; k++) {
		ir_ref a = ir_b_rd(c, base + s);
		ir_args(c->f, call)[ind + k] = a;
		s += valtype_slots(functype_params(ft)[k]);
	}
	ir_insn *ci = ir_at(c->f, call);
	ci->site = c->off;
	size_t w = ir_b_wasm_off(c);
	ci->wasm_off = w == SIZE_MAX ? UINT32_MAX : (uint32_t)w;
	if (ind) {
		ci->aux = OP_AT(ip, CALL_IND)->table;
		ci->aux2 = OP_AT(ip, CALL_IND)->type_id;
	} else {
		ci->aux = OP_AT(ip, CALL)->func;
	}
	ir_append(c->f, c->blk, call);
	for (uint32_t k = 0, s = 0; k < ft->nresults; k++) {
		ir_ref r = ir_b_emit(c, IR_RESULT, ir_b_irt_of_wasm(functype_results(ft)[k]), 1, call, 0, 0);
		if (r != IR_NONE) {
			ir_at(c->f, r)->aux = k;
			ir_at(c->f, r)->aux2 = s;   /* its slot from the base */
		}
		ir_b_wr(c, base + s, r);
		s += valtype_slots(functype_results(ft)[k]);
	}
}

static void do_enter(bld *c, enum interp_op op, const uint8_t *ip);

/* A SIMD op of n operands (the hi constant of v128.const and
 * i8x16.shuffle last), of the IR op the table gives. */
static ir_ref vop(bld *c, enum interp_op op, const ir_ref *args, uint32_t n,
	uint64_t imm, uint32_t lane)
{
	ir_ref r = ir_insn_new(c->f, ir_vop_of(op), ir_vop_result_type(op), n);
	if (r == IR_NONE)
		return IR_NONE;
	for (uint32_t k = 0; k < n; k++)
		ir_args(c->f, r)[k] = args[k];
	ir_insn *i = ir_at(c->f, r);
	i->aux = op;
	i->aux2 = lane;
	i->imm = imm;
	i->site = c->off;
	if (ir_ops[i->op].effects & IRE_TRAP) {
		size_t w = ir_b_wasm_off(c);
		i->wasm_off = w == SIZE_MAX ? UINT32_MAX : (uint32_t)w;
	}
	ir_append(c->f, c->blk, r);
	return r;
}

/* v128.const 0, for the zeroed v128 locals */
static ir_ref vzero(bld *c)
{
	ir_ref hi = konst(c, IRT_I64, 0);
	return vop(c, OP_V_V128_CONST, &hi, 1, 0, 0);
}

static void do_simd_move(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref r;
	uint32_t g;
	switch (op) {
	case OP_ENTER_V128: case OP_ENTER_V128_FUEL:
		do_enter(c, op, ip);
		break;
	case OP_V128_COPY:
		ir_b_wr(c, OP_AT(ip, D_A)->d, ir_b_rd(c, OP_AT(ip, D_A)->a));
		break;
	case OP_V128_SELECT:
		r = ir_b_emit(c, IR_SELECT, IRT_V128, 3, ir_b_rd(c, OP_AT(ip, SELECT)->c),
			ir_b_rd(c, OP_AT(ip, SELECT)->a), ir_b_rd(c, OP_AT(ip, SELECT)->b));
		ir_b_wr(c, OP_AT(ip, SELECT)->d, r);
		break;
	case OP_V128_GLOBAL_GET:
		g = OP_AT(ip, D_IDX)->idx;
		r = ir_b_emit(c, IR_GLOBAL_GET, IRT_V128, 0, 0, 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = g;
		ir_b_wr(c, OP_AT(ip, D_IDX)->d, r);
		break;
	default:        /* V128_GLOBAL_SET */
		r = ir_b_emit(c, IR_GLOBAL_SET, IRT_V128, 1, ir_b_rd(c, OP_AT(ip, A_IDX)->a), 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = OP_AT(ip, A_IDX)->idx;
		break;
	}
}

/* The SIMD family: operands in ir_vop_arg_type's order, read through the
 * op's layout (op_layout_of: its fields in order, as the pre-decoder
 * wrote them).  The slots it reads are the first operands, its D slot
 * gets the result; of its immediates, a K16 is the lane, an I32 the
 * memory offset, and two I64s are a constant's 16 bytes (v128.const,
 * i8x16.shuffle): the low 8 in imm, the high 8 an i64 constant after the
 * slots.  A layout with a branch or a call's frame holds no SIMD op. */
static void do_simd(bld *c, enum interp_op op, const uint8_t *ip)
{
	const op_layout_info *lay = op_layout_of(op);
	ir_ref a[OP_MAX_SLOTS + OP_MAX_IMMS];
	uint32_t n = 0, lane = 0, d = UINT32_MAX, ni64 = 0;
	uint64_t imm = 0;
	if (jit_simd_shape(op) == JS_NONE) {        /* moves, select, globals, ENTER */
		do_simd_move(c, op, ip);
		return;
	}
	if (lay->rel_off || op_infos[op].layout == OPL_BR_TABLE) {
		ir_b_refuse(c, "unknown instruction");
		return;
	}
	for (uint32_t j = 0; j < lay->nslots; j++) {
		if (lay->slot_writes >> j & 1)
			d = insn_slot(ip, j);
		else
			a[n++] = ir_b_rd(c, insn_slot(ip, j));
	}
	for (uint32_t k = 0; k < lay->nimms; k++) {
		uint64_t v = insn_imm(ip, k);
		if (lay->imm_kind[k] == OPK_K16)
			lane = (uint32_t)v;
		else if (lay->imm_kind[k] == OPK_I32 || ni64++ == 0)
			imm = v;
		else
			a[n++] = konst(c, IRT_I64, v);
	}
	if (n != ir_vop_nargs(op)) {
		ir_b_refuse(c, "unknown instruction");
		return;
	}
	ir_ref r = vop(c, op, a, n, imm, lane);
	if (d != UINT32_MAX)
		ir_b_wr(c, d, r);
}

static void do_enter(bld *c, enum interp_op op, const uint8_t *ip)
{
	const func_t *fn = &c->m->funcs[c->f->func_index];
	const functype *ft = &c->m->types[fn->type];
	if (c->off != 0) {
		ir_b_refuse(c, "ENTER inside the function");
		return;
	}
	ir_ref chk = ir_b_emit(c, IR_ENTRY_CHECK, IRT_NONE, 0, 0, 0, 0);
	if (chk != IR_NONE)
		ir_at(c->f, chk)->aux = op == OP_ENTER_FUEL || op == OP_ENTER_V128_FUEL;
	uint32_t s = 0;
	for (uint32_t k = 0; k < ft->nparams; k++) {
		ir_ref p = ir_b_emit(c, IR_PARAM, ir_b_irt_of_wasm(functype_params(ft)[k]), 0, 0, 0, 0);
		if (p != IR_NONE)
			ir_at(c->f, p)->aux = s;    /* its slot */
		ir_b_wr(c, s, p);
		s += valtype_slots(functype_params(ft)[k]);
	}
	/* the declared locals, zero, by their slots (a v128 takes two) */
	uint32_t first = OP_AT(ip, ENTER)->first, nz = OP_AT(ip, ENTER)->nzero;
	for (uint32_t l = 0; l < fn->nlocals && s < first + nz; l++) {
		enum ir_type t = ir_b_irt_of_wasm(fn->local_types[l]);
		if (s >= first)
			ir_b_wr(c, s, t == IRT_V128 ? vzero(c) : konst(c, t, 0));
		s += valtype_slots(fn->local_types[l]);
	}
	for (; s < first + nz; s++)
		ir_b_wr(c, s, konst(c, IRT_I64, 0));
}

static enum ir_type op_type(enum interp_op op)
{
	return (enum ir_type)irt_of_opt[op_infos[op].type];
}

/* An IR op that reads its operands as the op's TYPE: compares and eqz
 * keep it in aux (their result is i32). */
static ir_ref numeric(bld *c, enum ir_op irop, enum interp_op op, uint32_t n,
	ir_ref a, ir_ref b)
{
	enum ir_type t = op_type(op);
	uint8_t k0 = ir_ops[irop].kind[0];
	bool src = k0 == IRK_SI || k0 == IRK_SF;
	enum ir_type rt = ir_ops[irop].result == IRR_I32 ? IRT_I32 :
		ir_ops[irop].result == IRR_I64 ? IRT_I64 : t;
	ir_ref r = ir_b_emit(c, irop, rt, n, a, b, 0);
	if (r != IR_NONE && src)
		ir_at(c->f, r)->aux = t;
	return r;
}

static void do_control(bld *c, enum interp_op op, const uint8_t *ip)
{
	switch (op) {
	case OP_UNREACHABLE: {
		ir_ref r = ir_b_emit(c, IR_TRAP, IRT_NONE, 0, 0, 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = WASM_TRAP_UNREACHABLE;
		break;
	}
	case OP_EXIT:
		ir_b_refuse(c, "EXIT inside the function");
		break;
	case OP_ENTER: case OP_ENTER_FUEL:
		do_enter(c, op, ip);
		break;
	case OP_LOOP: case OP_LOOP_FUEL: {
		ir_ref r = ir_b_emit(c, IR_LOOP_CHECK, IRT_NONE, 0, 0, 0, 0);
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = op == OP_LOOP_FUEL;
		c->loop_no[c->blk] = ++c->nloops_made;
		break;
	}
	case OP_BR:
		ir_b_emit(c, IR_JUMP, IRT_NONE, 0, 0, 0, 0);
		break;
	case OP_BR_IF: case OP_BR_UNLESS:
		/* BR_UNLESS's successors are already (fall through, target) */
		ir_b_emit(c, IR_BRANCH, IRT_NONE, 1, ir_b_rd(c, OP_AT(ip, BR_IF)->c), 0, 0);
		break;
	case OP_BR_TABLE:
		ir_b_emit(c, IR_SWITCH, IRT_NONE, 1, ir_b_rd(c, OP_AT(ip, BR_TABLE)->i), 0, 0);
		break;
	case OP_RET: {
		uint32_t n = c->f->nresults;
		ir_ref r = ir_insn_new(c->f, IR_RET, IRT_NONE, n);
		if (r == IR_NONE)
			return;
		for (uint32_t k = 0, s = 0; k < n; k++) {
			ir_ref v = ir_b_rd(c, s);
			ir_args(c->f, r)[k] = v;
			s += c->f->result_types[k] == IRT_V128 ? 2 : 1;
		}
		ir_at(c->f, r)->site = c->off;
		ir_append(c->f, c->blk, r);
		break;
	}
	default:
		ir_b_refuse(c, "unknown instruction");
		break;
	}
}

void ir_b_insn(bld *c, enum interp_op op, const uint8_t *ip)
{
	ir_ref r;
	switch ((enum op_family)op_infos[op].family) {
	case OPFAM_CONTROL:
		do_control(c, op, ip);
		break;
	case OPFAM_CALL:
		do_call(c, op, ip);
		break;
	case OPFAM_MOVE:
		switch (op) {
		case OP_COPY:
			ir_b_wr(c, OP_AT(ip, D_A)->d, ir_b_rd(c, OP_AT(ip, D_A)->a));
			break;
		case OP_CONST32:
			ir_b_wr(c, OP_AT(ip, D_IMM)->d, konst(c, IRT_I32, OP_AT(ip, D_IMM)->imm));
			break;
		case OP_CONST64:
			ir_b_wr(c, OP_AT(ip, D_IMM64)->d, konst(c, IRT_I64, OP_AT(ip, D_IMM64)->imm));
			break;
		default: /* SELECT: its type is its operands' (types, below) */
			r = ir_b_emit(c, IR_SELECT, IRT_NONE, 3, ir_b_rd(c, OP_AT(ip, SELECT)->c),
				ir_b_rd(c, OP_AT(ip, SELECT)->a), ir_b_rd(c, OP_AT(ip, SELECT)->b));
			ir_b_wr(c, OP_AT(ip, SELECT)->d, r);
			break;
		}
		break;
	case OPFAM_GLOBAL: {
		uint32_t g = op == OP_GLOBAL_GET ? OP_AT(ip, D_IDX)->idx : OP_AT(ip, A_IDX)->idx;
		enum ir_type t = g < c->m->nglobals ? ir_b_irt_of_wasm(c->m->globals[g].type) : IRT_I64;
		if (op == OP_GLOBAL_GET) {
			r = ir_b_emit(c, IR_GLOBAL_GET, t, 0, 0, 0, 0);
			ir_b_wr(c, OP_AT(ip, D_IDX)->d, r);
		} else {
			r = ir_b_emit(c, IR_GLOBAL_SET, t, 1, ir_b_rd(c, OP_AT(ip, A_IDX)->a), 0, 0);
		}
		if (r != IR_NONE)
			ir_at(c->f, r)->aux = g;
		break;
	}
	case OPFAM_REF:
		if (op == OP_REF_IS_NULL) {
			r = ir_b_emit(c, IR_IEQZ, IRT_I32, 1, ir_b_rd(c, OP_AT(ip, D_A)->a), 0, 0);
			if (r != IR_NONE)
				ir_at(c->f, r)->aux = IRT_I64;
			ir_b_wr(c, OP_AT(ip, D_A)->d, r);
		} else {
			r = ir_b_emit(c, IR_REF_FUNC, IRT_I64, 0, 0, 0, 0);
			if (r != IR_NONE)
				ir_at(c->f, r)->aux = OP_AT(ip, D_IDX)->idx;
			ir_b_wr(c, OP_AT(ip, D_IDX)->d, r);
		}
		break;
	case OPFAM_TABLE:
		switch (op) {
		case OP_TABLE_GET:
			r = ir_b_emit(c, IR_TABLE_GET, IRT_I64, 1, ir_b_rd(c, OP_AT(ip, TABLE_GET)->i), 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_GET)->table;
			ir_b_wr(c, OP_AT(ip, TABLE_GET)->d, r);
			break;
		case OP_TABLE_SET:
			r = ir_b_emit(c, IR_TABLE_SET, IRT_NONE, 2, ir_b_rd(c, OP_AT(ip, TABLE_SET)->i),
				ir_b_rd(c, OP_AT(ip, TABLE_SET)->v), 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_SET)->table;
			break;
		case OP_TABLE_SIZE:
			r = ir_b_emit(c, IR_TABLE_SIZE, IRT_I32, 0, 0, 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, D_IDX)->idx;
			ir_b_wr(c, OP_AT(ip, D_IDX)->d, r);
			break;
		case OP_TABLE_GROW:
			r = ir_b_emit(c, IR_TABLE_GROW, IRT_I32, 2, ir_b_rd(c, OP_AT(ip, TABLE_GROW)->init),
				ir_b_rd(c, OP_AT(ip, TABLE_GROW)->n), 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_GROW)->table;
			ir_b_wr(c, OP_AT(ip, TABLE_GROW)->d, r);
			break;
		case OP_TABLE_FILL:
			r = ir_b_emit(c, IR_TABLE_FILL, IRT_NONE, 3, ir_b_rd(c, OP_AT(ip, TABLE_FILL)->i),
				ir_b_rd(c, OP_AT(ip, TABLE_FILL)->v), ir_b_rd(c, OP_AT(ip, TABLE_FILL)->n));
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, TABLE_FILL)->table;
			break;
		case OP_TABLE_COPY:
			r = ir_b_emit(c, IR_TABLE_COPY, IRT_NONE, 3, ir_b_rd(c, OP_AT(ip, TABLE_COPY)->dst),
				ir_b_rd(c, OP_AT(ip, TABLE_COPY)->src), ir_b_rd(c, OP_AT(ip, TABLE_COPY)->n));
			if (r) {
				ir_at(c->f, r)->aux = OP_AT(ip, TABLE_COPY)->dst_table;
				ir_at(c->f, r)->aux2 = OP_AT(ip, TABLE_COPY)->src_table;
			}
			break;
		case OP_TABLE_INIT:
			r = ir_b_emit(c, IR_TABLE_INIT, IRT_NONE, 3, ir_b_rd(c, OP_AT(ip, TABLE_INIT)->dst),
				ir_b_rd(c, OP_AT(ip, TABLE_INIT)->src), ir_b_rd(c, OP_AT(ip, TABLE_INIT)->n));
			if (r) {
				ir_at(c->f, r)->aux = OP_AT(ip, TABLE_INIT)->table;
				ir_at(c->f, r)->aux2 = OP_AT(ip, TABLE_INIT)->elem;
			}
			break;
		default: /* ELEM_DROP */
			r = ir_b_emit(c, IR_ELEM_DROP, IRT_NONE, 0, 0, 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, IDX)->idx;
			break;
		}
		break;
	case OPFAM_MEMORY:
		switch (op) {
		case OP_MEMORY_SIZE:
			ir_b_wr(c, OP_AT(ip, D)->d, ir_b_emit(c, IR_MEMORY_SIZE, IRT_I32, 0, 0, 0, 0));
			break;
		case OP_MEMORY_GROW:
			ir_b_wr(c, OP_AT(ip, D_A)->d, ir_b_emit(c, IR_MEMORY_GROW, IRT_I32, 1,
				ir_b_rd(c, OP_AT(ip, D_A)->a), 0, 0));
			break;
		case OP_MEMORY_FILL: case OP_MEMORY_COPY:
			ir_b_emit(c, op == OP_MEMORY_FILL ? IR_MEMORY_FILL : IR_MEMORY_COPY, IRT_NONE, 3,
				ir_b_rd(c, OP_AT(ip, BULK)->dst), ir_b_rd(c, OP_AT(ip, BULK)->src),
				ir_b_rd(c, OP_AT(ip, BULK)->n));
			break;
		case OP_MEMORY_INIT:
			r = ir_b_emit(c, IR_MEMORY_INIT, IRT_NONE, 3, ir_b_rd(c, OP_AT(ip, MEMORY_INIT)->dst),
				ir_b_rd(c, OP_AT(ip, MEMORY_INIT)->src), ir_b_rd(c, OP_AT(ip, MEMORY_INIT)->n));
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, MEMORY_INIT)->data;
			break;
		default: /* DATA_DROP */
			r = ir_b_emit(c, IR_DATA_DROP, IRT_NONE, 0, 0, 0, 0);
			if (r) ir_at(c->f, r)->aux = OP_AT(ip, IDX)->idx;
			break;
		}
		break;
	case OPFAM_LOAD:
		do_load(c, op, ip);
		break;
	case OPFAM_STORE:
		do_store(c, op, ip);
		break;
	case OPFAM_ADDR: /* ADDSHL32 */
		ir_b_wr(c, OP_AT(ip, ADDSHL)->d, addr_scaled(c, OP_AT(ip, ADDSHL)->x,
			OP_AT(ip, ADDSHL)->y, OP_AT(ip, ADDSHL)->k));
		break;
	case OPFAM_INT_UNARY: case OPFAM_FLOAT_UNARY:
		ir_b_wr(c, OP_AT(ip, D_A)->d, numeric(c, ir_of[op], op, 1,
			ir_b_rd(c, OP_AT(ip, D_A)->a), 0));
		break;
	case OPFAM_INT_BINARY: case OPFAM_INT_DIV: case OPFAM_FLOAT_BINARY:
		ir_b_wr(c, OP_AT(ip, D_AB)->d, numeric(c, ir_of[op], op, 2,
			ir_b_rd(c, OP_AT(ip, D_AB)->a), ir_b_rd(c, OP_AT(ip, D_AB)->b)));
		break;
	case OPFAM_INT_IMM: {
		uint32_t imm = OP_AT(ip, D_A_IMM)->imm;
		enum ir_type t = op_type(op);
		ir_ref k = konst(c, t, t == IRT_I64 ? (uint64_t)(int64_t)(int32_t)imm : imm);
		ir_b_wr(c, OP_AT(ip, D_A_IMM)->d, numeric(c, ir_of[op], op, 2,
			ir_b_rd(c, OP_AT(ip, D_A_IMM)->a), k));
		break;
	}
	case OPFAM_CONVERT: {
		r = ir_b_emit(c, conv_of[op].op, conv_of[op].type, 1, ir_b_rd(c, OP_AT(ip, D_A)->a), 0, 0);
		if (r != IR_NONE && (ir_ops[conv_of[op].op].kind[0] == IRK_SI ||
		    ir_ops[conv_of[op].op].kind[0] == IRK_SF))
			ir_at(c->f, r)->aux = op_type(op);
		ir_b_wr(c, OP_AT(ip, D_A)->d, r);
		break;
	}
	case OPFAM_BR_CMP: {
		ir_ref a, b;
		if (op_infos[op].layout == OPL_BR_CMP_IMM) {
			a = ir_b_rd(c, OP_AT(ip, BR_CMP_IMM)->a);
			b = konst(c, op_type(op), OP_AT(ip, BR_CMP_IMM)->imm);
		} else {
			a = ir_b_rd(c, OP_AT(ip, BR_CMP)->a);
			b = ir_b_rd(c, OP_AT(ip, BR_CMP)->b);
		}
		r = numeric(c, ir_of[op], op, 2, a, b);
		ir_b_emit(c, IR_BRANCH, IRT_NONE, 1, r, 0, 0);
		break;
	}
	case OPFAM_SIMD:
		do_simd(c, op, ip);
		break;
	default:
		ir_b_refuse(c, "unknown instruction");
		break;
	}
}
