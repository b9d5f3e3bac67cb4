/* predecode_ops.c -- what the pre-decoder emits for the instructions other
 * than control: numeric ops (with their immediate forms and the scaled-index
 * add), constants, locals and globals, select, loads and stores (with the
 * address arithmetic folded into them), memory.size and memory.grow,
 * tables, references and the 0xfc prefix (saturating conversions, bulk
 * memory, table ops).
 */
#include "front/opcodes.h"
#include "interp/ops.h"
#include "interp/predecode.h"
#include "runtime/runtime.h"

#include <assert.h>

/* ---- numeric ---------------------------------------------------------- */

static bool op_unary(compiler *c, uint8_t tin, uint8_t tout, int op)
{
	sentry a;
	if (!pd_pop_entry(c, tin, &a))
		return false;
	uint32_t d = c->sp;
	operand oa = pd_take(c, &a, d, false);
	uint32_t pos = c->len;
	if (op == OP_COPY && oa.slot == slot_of(c, d)) {
		/* A conversion that keeps the bits, of a value already in
		 * place: only the type changes. */
		if (!pd_push(c, tout))
			return false;
		sentry *e = &c->stack[c->sp - 1];
		*e = a;
		e->type = tout;
		return true;
	}
	EMIT(c, D_A, op, .d = slot_of(c, d), .a = oa.slot);
	if (!pd_push(c, tout))
		return false;
	pd_produced(c, pos, K_RESULT, (uint16_t)op);
	return true;
}

/* x + (y << k) where the shift is the last instruction emitted: one
 * ADDSHL32 (an array's scaled index).  Returns its position, or NONE if
 * the operands do not have that shape. */
static uint32_t fuse_addshl(compiler *c, const sentry *a, const sentry *b, uint32_t d)
{
	const sentry *sh, *other;
	if (retargetable(c, b) && b->op == OP_SHL32I && a->kind != K_CONST) {
		sh = b;           /* a's value is already in place (or a local) */
		other = a;
	} else if (retargetable(c, a) && a->op == OP_SHL32I && b->kind == K_LOCAL) {
		sh = a;           /* b emitted nothing after the shift */
		other = b;
	} else {
		return NONE;
	}
	struct op_D_A_IMM shl = INSN_AT(c, sh->pos, D_A_IMM);
	c->len = sh->pos;
	operand ox = pd_take(c, other, other == a ? d : d + 1, false);
	uint32_t pos = c->len;
	EMIT(c, ADDSHL, OP_ADDSHL32, .d = slot_of(c, d), .x = ox.slot, .y = shl.a,
		.k = shl.imm & 31);
	return pos;
}

/* Materialise a constant operand that an op cannot take as immediate. */
static uint32_t mat(compiler *c, operand o, uint32_t d)
{
	if (!o.is_const)
		return o.slot;
	uint32_t s = slot_of(c, d);
	pd_emit_const(c, s, o.imm);
	return s;
}

/* Binary op; imm_op >= 0 is the variant taking an immediate second operand
 * (i32: any constant, i64: constants that fit a sign-extended imm32). */
static bool op_binary(compiler *c, uint8_t tin, uint8_t tout, int op, int imm_op)
{
	sentry a, b;
	if (!pd_pop_entry(c, tin, &b) || !pd_pop_entry(c, tin, &a))
		return false;
	uint32_t d = c->sp;
	if (op == OP_ADD32) {
		uint32_t fpos = fuse_addshl(c, &a, &b, d);
		if (fpos != NONE) {
			if (!pd_push(c, tout))
				return false;
			pd_produced(c, fpos, K_RESULT, OP_ADDSHL32);
			return true;
		}
	}
	operand ob = pd_take(c, &b, d + 1, imm_op >= 0);
	if (ob.is_const && tin == WASM_I64 &&
	    (int64_t)ob.imm != (int64_t)(int32_t)(uint32_t)ob.imm) {
		ob.slot = mat(c, ob, d + 1);
		ob.is_const = false;
	}
	/* pd_take() undoes a's instruction only if it is now the last one. */
	operand oa = pd_take(c, &a, d, false);
	uint32_t pos = c->len;
	if (ob.is_const) {
		EMIT(c, D_A_IMM, imm_op, .d = slot_of(c, d), .a = oa.slot,
			.imm = (uint32_t)ob.imm);
		if (!pd_push(c, tout))
			return false;
		pd_produced(c, pos, K_RESULT, (uint16_t)imm_op);
		return true;
	}
	EMIT(c, D_AB, op, .d = slot_of(c, d), .a = oa.slot, .b = ob.slot);
	if (!pd_push(c, tout))
		return false;
	pd_produced(c, pos, K_RESULT, (uint16_t)op);
	return true;
}

/* The simple numeric opcodes (front/opcodes.h): operand count, types,
 * internal op, and the immediate-operand variant (-1 if none).  numops is
 * indexed by code - WOP_NUMERIC_FIRST, satops (0xfc 0..7) by key -
 * WOP_NUMERIC_MISC_FIRST; both are expansions of the opcode table. */
typedef struct {
	uint8_t nin, tin, tout;
	int16_t op, imm_op;
} numop;

/* Arguments are pasted where X receives them: NONE is a macro here. */
#define OP_NONE (-1)
#define NUMOP(first, wop, shape, tin, tout, op, iop) \
	[(wop) - (first)] = { (shape) == WOP_SHAPE_BINOP ? 2 : 1, tin, tout, op, iop },

static const numop numops[WOP_NUMERIC_LAST - WOP_NUMERIC_FIRST + 1] = {
#define X(name, text, prefix, code, imm, shape, t, r, op, iop) \
	NUMOP(WOP_NUMERIC_FIRST, WOP_##name, WOP_SHAPE_##shape, WOP_TYPE_##t, \
		WOP_TYPE_##r, OP_##op, OP_##iop)
	WASM_OPS_NUMERIC(X)
#undef X
};

static const numop satops[WOP_NUMERIC_MISC_LAST - WOP_NUMERIC_MISC_FIRST + 1] = {
#define X(name, text, prefix, code, imm, shape, t, r, op, iop) \
	NUMOP(WOP_NUMERIC_MISC_FIRST, WOP_##name, WOP_SHAPE_##shape, WOP_TYPE_##t, \
		WOP_TYPE_##r, OP_##op, OP_##iop)
	WASM_OPS_NUMERIC_MISC(X)
#undef X
};

#undef NUMOP
#undef OP_NONE

static bool do_numop(compiler *c, const numop *n)
{
	if (n->nin == 1)
		return op_unary(c, n->tin, n->tout, n->op);
	return op_binary(c, n->tin, n->tout, n->op, n->imm_op);
}

bool pd_numeric(compiler *c, uint8_t opc)
{
	return do_numop(c, &numops[opc - WOP_NUMERIC_FIRST]);
}

bool pd_const(compiler *c, uint8_t type, uint64_t bits)
{
	if (!pd_push(c, type))
		return false;
	sentry *e = &c->stack[c->sp - 1];
	e->kind = K_CONST;
	e->imm = bits;
	return true;
}

/* ---- variables and select --------------------------------------------- */

static bool local_index(compiler *c, uint32_t *idx)
{
	if (!read_u32(&c->r, idx, c->err))
		return false;
	if (*idx >= c->nlocals)
		return pd_fail(c, "unknown local");
	return true;
}

static bool local_get(compiler *c, uint32_t idx)
{
	if (!pd_push(c, c->local_types[idx]))
		return false;
	sentry *e = &c->stack[c->sp - 1];
	e->kind = K_LOCAL;
	e->local = c->local_slot[idx];
	return true;
}

static bool local_set(compiler *c, uint32_t idx, bool tee)
{
	sentry v;
	if (!pd_pop_entry(c, c->local_types[idx], &v))
		return false;
	uint32_t d = c->sp;
	uint32_t slot = c->local_slot[idx];
	uint8_t t = c->local_types[idx];
	pd_materialize_local(c, slot);
	if (v.kind == K_LOCAL) {
		pd_emit_copy(c, t, slot, v.local);
	} else if (v.kind == K_CONST) {
		pd_emit_const(c, slot, v.imm);
	} else if (retargetable(c, &v)) {
		pd_retarget(c, v.pos, slot);
	} else {
		pd_emit_copy(c, t, slot, slot_of(c, d));
	}
	if (tee)
		return local_get(c, idx);
	return true;
}

bool pd_local_get(compiler *c)
{
	uint32_t idx;
	return local_index(c, &idx) && local_get(c, idx);
}

bool pd_local_set(compiler *c, bool tee)
{
	uint32_t idx;
	return local_index(c, &idx) && local_set(c, idx, tee);
}

bool pd_global(compiler *c, bool set)
{
	uint32_t idx;
	if (!read_u32(&c->r, &idx, c->err))
		return false;
	if (idx >= c->m->nglobals)
		return pd_fail(c, "unknown global");
	const globaltype *g = &c->m->globals[idx];
	if (set) {
		if (!g->mut)
			return pd_fail(c, "global is immutable");
		sentry v;
		if (!pd_pop_entry(c, g->type, &v))
			return false;
		operand ov = pd_take(c, &v, c->sp, false);
		EMIT(c, A_IDX, g->type == WASM_V128 ? OP_V128_GLOBAL_SET : OP_GLOBAL_SET,
			.a = ov.slot, .idx = idx);
		return true;
	}
	if (!pd_push(c, g->type))
		return false;
	uint32_t pos = c->len;
	int op = g->type == WASM_V128 ? OP_V128_GLOBAL_GET : OP_GLOBAL_GET;
	EMIT(c, D_IDX, op, .d = slot_of(c, c->sp - 1), .idx = idx);
	pd_produced(c, pos, K_RESULT, (uint16_t)op);
	return true;
}

bool pd_select(compiler *c, bool typed)
{
	uint8_t t = T_UNKNOWN;
	if (typed) {
		uint32_t n;
		if (!read_u32(&c->r, &n, c->err))
			return false;
		if (n != 1)
			return pd_fail(c, "invalid result arity");
		if (!read_u8(&c->r, &t, c->err))
			return false;
		if (!is_num(t) && t != WASM_V128 && !is_ref(t))
			return pd_fail_malformed(c, "malformed value type");
	}
	sentry ce, be, ae;
	if (!pd_pop_entry(c, WASM_I32, &ce) || !pd_pop_entry(c, t, &be) ||
	    !pd_pop_entry(c, t, &ae))
		return false;
	uint8_t rt = t;
	if (!typed) {
		if ((ae.type != T_UNKNOWN && is_ref(ae.type)) ||
		    (be.type != T_UNKNOWN && is_ref(be.type)))
			return pd_fail(c, "type mismatch");
		if (ae.type != T_UNKNOWN && be.type != T_UNKNOWN && ae.type != be.type)
			return pd_fail(c, "type mismatch");
		rt = ae.type != T_UNKNOWN ? ae.type : be.type;
	}
	uint32_t d = c->sp;
	operand oc = pd_take(c, &ce, d + 2, false);
	operand ob = pd_take(c, &be, d + 1, false);
	operand oa = pd_take(c, &ae, d, false);
	uint32_t pos = c->len;
	int op = rt == WASM_V128 ? OP_V128_SELECT : OP_SELECT;
	EMIT(c, SELECT, op, .d = slot_of(c, d), .c = oc.slot, .a = oa.slot,
		.b = ob.slot);
	if (!pd_push(c, rt))
		return false;
	pd_produced(c, pos, K_RESULT, (uint16_t)op);
	return true;
}

/* ---- loads and stores ------------------------------------------------- */

bool pd_read_memarg(compiler *c, uint32_t natural_log2, uint32_t *offset)
{
	uint32_t align;
	if (!read_u32(&c->r, &align, c->err) || !read_u32(&c->r, offset, c->err))
		return false;
	if (c->m->nmemories == 0)
		return pd_fail(c, "unknown memory");
	if (align > natural_log2)
		return pd_fail(c, "alignment must not be larger than natural");
	return true;
}

/* A load of op (OP_LD_*) with result tout, a store of op (OP_ST_*) of a
 * value of type tval; natural is the access size's log2 (the largest
 * alignment allowed). */
static bool pd_load(compiler *c, int op, uint8_t tout, uint32_t natural)
{
	uint32_t off;
	if (!pd_read_memarg(c, natural, &off))
		return false;
	sentry a;
	if (!pd_pop_entry(c, WASM_I32, &a))
		return false;
	uint32_t d = c->sp;
	uint32_t pos = c->len;
	if (retargetable(c, &a) && a.op == OP_ADDSHL32) {
		/* Fold the scaled-index address into the load. */
		struct op_ADDSHL in = INSN_AT(c, a.pos, ADDSHL);
		c->len = pos = a.pos;
		EMIT(c, LOAD_SCALED, OP_LDS_I32 + (op - OP_LD_I32), .d = slot_of(c, d),
			.x = in.x, .y = in.y, .k = in.k, .off = off);
	} else if (retargetable(c, &a) && a.op == OP_ADD32I) {
		/* Fold the address computation into the load. */
		struct op_D_A_IMM in = INSN_AT(c, a.pos, D_A_IMM);
		c->len = pos = a.pos;
		EMIT(c, LOAD_ADDI, OP_LDA_I32 + (op - OP_LD_I32), .d = slot_of(c, d),
			.x = in.a, .imm = in.imm, .off = off);
	} else if (retargetable(c, &a) && a.op == OP_ADD32) {
		struct op_D_AB in = INSN_AT(c, a.pos, D_AB);
		c->len = pos = a.pos;
		EMIT(c, LOAD_ADDX, OP_LDX_I32 + (op - OP_LD_I32), .d = slot_of(c, d),
			.x = in.a, .y = in.b, .off = off);
	} else {
		operand oa = pd_take(c, &a, d, false);
		pos = c->len;
		EMIT(c, LOAD, op, .d = slot_of(c, d), .a = oa.slot, .off = off);
	}
	if (!pd_push(c, tout))
		return false;
	pd_produced(c, pos, K_RESULT, (uint16_t)op);
	return true;
}

static bool pd_store(compiler *c, int op, uint8_t tval, uint32_t natural)
{
	uint32_t off;
	if (!pd_read_memarg(c, natural, &off))
		return false;
	sentry a, v;
	if (!pd_pop_entry(c, tval, &v) || !pd_pop_entry(c, WASM_I32, &a))
		return false;
	uint32_t d = c->sp;
	if (v.kind == K_LOCAL && retargetable(c, &a) && a.op == OP_ADDSHL32) {
		struct op_ADDSHL in = INSN_AT(c, a.pos, ADDSHL);
		c->len = a.pos;
		EMIT(c, STORE_SCALED, OP_STS_8 + (op - OP_ST_8), .x = in.x, .y = in.y,
			.k = in.k, .v = v.local, .off = off);
		return true;
	}
	/* Fold the address computation into the store (the value is a
	 * local, so nothing was emitted after the add). */
	if (v.kind == K_LOCAL && retargetable(c, &a) && a.op == OP_ADD32I) {
		struct op_D_A_IMM in = INSN_AT(c, a.pos, D_A_IMM);
		c->len = a.pos;
		EMIT(c, STORE_ADDI, OP_STA_8 + (op - OP_ST_8), .x = in.a, .imm = in.imm,
			.v = v.local, .off = off);
		return true;
	}
	if (v.kind == K_LOCAL && retargetable(c, &a) && a.op == OP_ADD32) {
		struct op_D_AB in = INSN_AT(c, a.pos, D_AB);
		c->len = a.pos;
		EMIT(c, STORE_ADDX, OP_STX_8 + (op - OP_ST_8), .x = in.a, .y = in.b,
			.v = v.local, .off = off);
		return true;
	}
	operand ov = pd_take(c, &v, d + 1, false);
	operand oa = pd_take(c, &a, d, false);
	EMIT(c, STORE, op, .a = oa.slot, .v = ov.slot, .off = off);
	return true;
}

/* ---- by layout: memory.size and memory.grow, tables, references ------- */

/* Pop n operands of the given types (listed bottom first) into slots. */
static bool pop_operands(compiler *c, uint32_t n, const uint8_t *types, uint32_t *slots)
{
	sentry e[4];
	for (uint32_t i = n; i-- > 0;)
		if (!pd_pop_entry(c, types[i], &e[i]))
			return false;
	for (uint32_t i = n; i-- > 0;) {
		operand o = pd_take(c, &e[i], c->sp + i, false);
		slots[i] = o.slot;
	}
	return true;
}

static bool table_index(compiler *c, uint32_t *t)
{
	if (!read_u32(&c->r, t, c->err))
		return false;
	if (*t >= c->m->ntables)
		return pd_fail(c, "unknown table");
	return true;
}

static bool elem_index(compiler *c, uint32_t *e)
{
	if (!read_u32(&c->r, e, c->err))
		return false;
	if (*e >= c->m->nelems)
		return pd_fail(c, "unknown elem segment");
	return true;
}

static bool data_index(compiler *c, uint32_t *d)
{
	if (!read_u32(&c->r, d, c->err))
		return false;
	if (!c->m->has_datacount)
		return pd_fail_malformed(c, "data count section required");
	if (*d >= c->m->datacount)
		return pd_fail(c, "unknown data segment");
	return true;
}

static bool memory_zero(compiler *c)
{
	uint8_t z;
	if (!read_u8(&c->r, &z, c->err))
		return false;
	if (z != 0)
		return pd_fail_malformed(c, "zero byte expected");
	if (c->m->nmemories == 0)
		return pd_fail(c, "unknown memory");
	return true;
}

/* Emit op, popping its nin slot operands (types tin, bottom first) and
 * taking its nidx index immediates; its result, of type tout if != 0, is
 * pushed.  The fields are named by op's layout. */
static bool emit_generic(compiler *c, int op, uint32_t nin, const uint8_t *tin,
	uint8_t tout, uint32_t nidx, const uint32_t *idx)
{
	uint32_t s[4] = { 0 }, x[2] = { 0 };
	assert(op_layout_of(op)->nslots == nin + (tout != 0) && nidx <= 2);
	if (!pop_operands(c, nin, tin, s))
		return false;
	for (uint32_t i = 0; i < nidx; i++)
		x[i] = idx[i];
	uint32_t d = slot_of(c, c->sp);
	uint32_t pos = c->len;
	switch (op_infos[op].layout) {
	case OPL_D: EMIT(c, D, op, .d = d); break;
	case OPL_D_A: EMIT(c, D_A, op, .d = d, .a = s[0]); break;
	case OPL_D_IDX: EMIT(c, D_IDX, op, .d = d, .idx = x[0]); break;
	case OPL_IDX: EMIT(c, IDX, op, .idx = x[0]); break;
	case OPL_TABLE_GET:
		EMIT(c, TABLE_GET, op, .d = d, .i = s[0], .table = x[0]);
		break;
	case OPL_TABLE_SET:
		EMIT(c, TABLE_SET, op, .i = s[0], .v = s[1], .table = x[0]);
		break;
	case OPL_TABLE_GROW:
		EMIT(c, TABLE_GROW, op, .d = d, .init = s[0], .n = s[1], .table = x[0]);
		break;
	case OPL_TABLE_FILL:
		EMIT(c, TABLE_FILL, op, .i = s[0], .v = s[1], .n = s[2], .table = x[0]);
		break;
	case OPL_TABLE_COPY:
		EMIT(c, TABLE_COPY, op, .dst = s[0], .src = s[1], .n = s[2],
			.dst_table = x[0], .src_table = x[1]);
		break;
	case OPL_TABLE_INIT:
		EMIT(c, TABLE_INIT, op, .dst = s[0], .src = s[1], .n = s[2],
			.table = x[0], .elem = x[1]);
		break;
	case OPL_BULK:
		EMIT(c, BULK, op, .dst = s[0], .src = s[1], .n = s[2]);
		break;
	case OPL_MEMORY_INIT:
		EMIT(c, MEMORY_INIT, op, .dst = s[0], .src = s[1], .n = s[2], .data = x[0]);
		break;
	default:
		assert(!"emit_generic: no rule for this layout");
		return pd_fail(c, "internal error");
	}
	if (tout) {
		if (!pd_push(c, tout))
			return false;
		pd_produced(c, pos, K_RESULT, (uint16_t)op);
	}
	return true;
}

static const uint8_t i32_1[1] = { WASM_I32 };

bool pd_memory_size(compiler *c)
{
	return memory_zero(c) &&
	       emit_generic(c, OP_MEMORY_SIZE, 0, NULL, WASM_I32, 0, NULL);
}

bool pd_memory_grow(compiler *c)
{
	return memory_zero(c) &&
	       emit_generic(c, OP_MEMORY_GROW, 1, i32_1, WASM_I32, 0, NULL);
}

bool pd_table_get(compiler *c)
{
	uint32_t t;
	if (!table_index(c, &t))
		return false;
	return emit_generic(c, OP_TABLE_GET, 1, i32_1, c->m->tables[t].elem, 1, &t);
}

bool pd_table_set(compiler *c)
{
	uint32_t t;
	if (!table_index(c, &t))
		return false;
	uint8_t ty[2] = { WASM_I32, c->m->tables[t].elem };
	return emit_generic(c, OP_TABLE_SET, 2, ty, 0, 1, &t);
}

bool pd_ref_is_null(compiler *c)
{
	sentry e;
	if (!pd_pop_entry(c, T_UNKNOWN, &e))
		return false;
	if (e.type != T_UNKNOWN && !is_ref(e.type))
		return pd_fail(c, "type mismatch");
	uint32_t d = c->sp;
	operand oe = pd_take(c, &e, d, false);
	uint32_t pos = c->len;
	EMIT(c, D_A, OP_REF_IS_NULL, .d = slot_of(c, d), .a = oe.slot);
	if (!pd_push(c, WASM_I32))
		return false;
	pd_produced(c, pos, K_RESULT, OP_REF_IS_NULL);
	return true;
}

bool pd_ref_func(compiler *c)
{
	uint32_t idx;
	if (!read_u32(&c->r, &idx, c->err))
		return false;
	if (idx >= c->m->nfuncs)
		return pd_fail(c, "unknown function");
	if (!c->m->func_refs || !(c->m->func_refs[idx / 8] & (1u << (idx % 8))))
		return pd_fail(c, "undeclared function reference");
	return emit_generic(c, OP_REF_FUNC, 0, NULL, WASM_FUNCREF, 1, &idx);
}

/* ---- the 0xfc prefix -------------------------------------------------- */

bool pd_prefix_fc(compiler *c)
{
	uint32_t sub;
	if (!read_u32(&c->r, &sub, c->err))
		return false;
	static const uint8_t i32x3[3] = { WASM_I32, WASM_I32, WASM_I32 };
	uint32_t idx[2];
	uint32_t key = wasm_opcode_key(WOP_PREFIX_MISC, sub);
	if (key >= WOP_NUMERIC_MISC_FIRST && key <= WOP_NUMERIC_MISC_LAST)
		return do_numop(c, &satops[key - WOP_NUMERIC_MISC_FIRST]);
	switch (key) {
	case WOP_MEMORY_INIT:
		if (!data_index(c, &idx[0]) || !memory_zero(c))
			return false;
		return emit_generic(c, OP_MEMORY_INIT, 3, i32x3, 0, 1, idx);
	case WOP_DATA_DROP:
		if (!data_index(c, &idx[0]))
			return false;
		return emit_generic(c, OP_DATA_DROP, 0, NULL, 0, 1, idx);
	case WOP_MEMORY_COPY: {
		if (!memory_zero(c) || !memory_zero(c))
			return false;
		return emit_generic(c, OP_MEMORY_COPY, 3, i32x3, 0, 0, NULL);
	}
	case WOP_MEMORY_FILL:
		if (!memory_zero(c))
			return false;
		return emit_generic(c, OP_MEMORY_FILL, 3, i32x3, 0, 0, NULL);
	case WOP_TABLE_INIT: {
		if (!elem_index(c, &idx[1]) || !table_index(c, &idx[0]))
			return false;
		if (c->m->elems[idx[1]].type != c->m->tables[idx[0]].elem)
			return pd_fail(c, "type mismatch");
		return emit_generic(c, OP_TABLE_INIT, 3, i32x3, 0, 2, idx);
	}
	case WOP_ELEM_DROP:
		if (!elem_index(c, &idx[0]))
			return false;
		return emit_generic(c, OP_ELEM_DROP, 0, NULL, 0, 1, idx);
	case WOP_TABLE_COPY: { /* dst src */
		if (!table_index(c, &idx[0]) || !table_index(c, &idx[1]))
			return false;
		if (c->m->tables[idx[0]].elem != c->m->tables[idx[1]].elem)
			return pd_fail(c, "type mismatch");
		return emit_generic(c, OP_TABLE_COPY, 3, i32x3, 0, 2, idx);
	}
	case WOP_TABLE_GROW: { /* init n -> old */
		if (!table_index(c, &idx[0]))
			return false;
		uint8_t t[2] = { c->m->tables[idx[0]].elem, WASM_I32 };
		return emit_generic(c, OP_TABLE_GROW, 2, t, WASM_I32, 1, idx);
	}
	case WOP_TABLE_SIZE:
		if (!table_index(c, &idx[0]))
			return false;
		return emit_generic(c, OP_TABLE_SIZE, 0, NULL, WASM_I32, 1, idx);
	case WOP_TABLE_FILL: { /* i v n */
		if (!table_index(c, &idx[0]))
			return false;
		uint8_t t[3] = { WASM_I32, c->m->tables[idx[0]].elem, WASM_I32 };
		return emit_generic(c, OP_TABLE_FILL, 3, t, 0, 1, idx);
	}
	default:
		return pd_fail_malformed(c, "illegal opcode");
	}
}

/* Loads and stores (front/opcodes.h, 0x28..0x3e): the pre-decoded op, the
 * value's type, the natural alignment (log2), indexed by code -
 * WOP_MEMACCESS_FIRST; an expansion of the opcode table. */
typedef struct {
	bool store;
	uint8_t type;
	uint8_t align;
	int16_t op;
} memop;

static const memop memops[WOP_MEMACCESS_LAST - WOP_MEMACCESS_FIRST + 1] = {
#define X(name, text, prefix, code, imm, shape, t, r, op, iop) \
	[WOP_##name - WOP_MEMACCESS_FIRST] = { \
		WOP_SHAPE_##shape == WOP_SHAPE_STORE, \
		WOP_SHAPE_##shape == WOP_SHAPE_STORE ? WOP_TYPE_##t : WOP_TYPE_##r, \
		(uint8_t)(WIMM_##imm - WIMM_MEMARG_8), OP_##op },
	WASM_OPS_MEMACCESS(X)
#undef X
};

bool pd_memaccess(compiler *c, uint8_t opc)
{
	const memop *mo = &memops[opc - WOP_MEMACCESS_FIRST];
	return mo->store ? pd_store(c, mo->op, mo->type, mo->align)
		: pd_load(c, mo->op, mo->type, mo->align);
}
