/* predecode_body.h -- the opcode loop of predecode.c (included there once;
 * a separate file only to keep predecode.c readable).  Validation follows
 * the algorithm in the appendix of the WebAssembly 2.0 specification. */

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

static bool do_select(compiler *c, bool typed)
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
		if (t == WASM_V128) {
			err_set(c->err, WASM_ERR_UNSUPPORTED, c->instr_offset, "SIMD (v128) is not supported yet");
			return false;
		}
		if (!is_num(t) && !is_ref(t))
			return pd_fail_malformed(c, "malformed value type");
	}
	sentry ce, be, ae;
	if (!pd_pop_entry(c, WASM_I32, &ce) || !pd_pop_entry(c, t, &be) || !pd_pop_entry(c, t, &ae))
		return false;
	uint8_t rt = t;
	if (!typed) {
		if ((ae.type != T_UNKNOWN && !is_num(ae.type)) ||
		    (be.type != T_UNKNOWN && !is_num(be.type)))
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
	EMIT(c, SELECT, OP_SELECT, .d = slot_of(c, d), .c = oc.slot, .a = oa.slot,
		.b = ob.slot);
	if (!pd_push(c, rt))
		return false;
	pd_produced(c, pos, K_RESULT, OP_SELECT);
	return true;
}

static bool do_global(compiler *c, bool set)
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
		EMIT(c, A_IDX, OP_GLOBAL_SET, .a = ov.slot, .idx = idx);
		return true;
	}
	if (!pd_push(c, g->type))
		return false;
	uint32_t pos = c->len;
	EMIT(c, D_IDX, OP_GLOBAL_GET, .d = slot_of(c, c->sp - 1), .idx = idx);
	pd_produced(c, pos, K_RESULT, OP_GLOBAL_GET);
	return true;
}

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

static bool do_prefix_fc(compiler *c)
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

static bool body(compiler *c)
{
	static const uint8_t i32_1[1] = { WASM_I32 };
	for (;;) {
		if (c->oom)
			return pd_fail(c, "out of memory");
		c->instr_offset = reader_offset(&c->r);
		uint8_t opc;
		if (!read_u8(&c->r, &opc, c->err))
			return false;
		bool ok = true;
		if (opc >= WOP_NUMERIC_FIRST && opc <= WOP_NUMERIC_LAST) {
			ok = do_numop(c, &numops[opc - WOP_NUMERIC_FIRST]);
			if (!ok)
				return false;
			continue;
		}
		switch (opc) {
		case WOP_UNREACHABLE:
			EMIT(c, NONE, OP_UNREACHABLE);
			pd_set_unreachable(c);
			break;
		case WOP_NOP:
			break;
		case WOP_BLOCK: ok = pd_block(c, C_BLOCK); break;
		case WOP_LOOP: ok = pd_block(c, C_LOOP); break;
		case WOP_IF: ok = pd_block(c, C_IF); break;
		case WOP_ELSE: ok = pd_else(c); break;
		case WOP_END: {
			bool done = false;
			if (!pd_end(c, &done))
				return false;
			if (done) {
				if (c->r.p != c->r.end)
					return pd_fail_malformed(c, "section size mismatch");
				return true;
			}
			break;
		}
		case WOP_BR: ok = pd_br(c); break;
		case WOP_BR_IF: ok = pd_br_if(c); break;
		case WOP_BR_TABLE: ok = pd_br_table(c); break;
		case WOP_RETURN: ok = pd_return(c); break;
		case WOP_CALL: ok = pd_call(c); break;
		case WOP_CALL_INDIRECT: ok = pd_call_indirect(c); break;
		case WOP_DROP: ok = pd_pop(c, T_UNKNOWN); break;
		case WOP_SELECT: ok = do_select(c, false); break;
		case WOP_SELECT_T: ok = do_select(c, true); break;
		case WOP_LOCAL_GET: {
			uint32_t idx;
			ok = local_index(c, &idx) && do_local_get(c, idx);
			break;
		}
		case WOP_LOCAL_SET: case WOP_LOCAL_TEE: {
			uint32_t idx;
			ok = local_index(c, &idx) && do_local_set(c, idx, opc == WOP_LOCAL_TEE);
			break;
		}
		case WOP_GLOBAL_GET: ok = do_global(c, false); break;
		case WOP_GLOBAL_SET: ok = do_global(c, true); break;
		case WOP_TABLE_GET: {
			uint32_t t;
			if (!table_index(c, &t))
				return false;
			ok = emit_generic(c, OP_TABLE_GET, 1, i32_1, c->m->tables[t].elem, 1, &t);
			break;
		}
		case WOP_TABLE_SET: {
			uint32_t t;
			if (!table_index(c, &t))
				return false;
			uint8_t ty[2] = { WASM_I32, c->m->tables[t].elem };
			ok = emit_generic(c, OP_TABLE_SET, 2, ty, 0, 1, &t);
			break;
		}
		case WOP_I32_LOAD: ok = op_load(c, OP_LD_I32, WASM_I32, 2); break;
		case WOP_I64_LOAD: ok = op_load(c, OP_LD_I64, WASM_I64, 3); break;
		case WOP_F32_LOAD: ok = op_load(c, OP_LD_I32, WASM_F32, 2); break;
		case WOP_F64_LOAD: ok = op_load(c, OP_LD_I64, WASM_F64, 3); break;
		case WOP_I32_LOAD8_S: ok = op_load(c, OP_LD_8S32, WASM_I32, 0); break;
		case WOP_I32_LOAD8_U: ok = op_load(c, OP_LD_8U, WASM_I32, 0); break;
		case WOP_I32_LOAD16_S: ok = op_load(c, OP_LD_16S32, WASM_I32, 1); break;
		case WOP_I32_LOAD16_U: ok = op_load(c, OP_LD_16U, WASM_I32, 1); break;
		case WOP_I64_LOAD8_S: ok = op_load(c, OP_LD_8S64, WASM_I64, 0); break;
		case WOP_I64_LOAD8_U: ok = op_load(c, OP_LD_8U, WASM_I64, 0); break;
		case WOP_I64_LOAD16_S: ok = op_load(c, OP_LD_16S64, WASM_I64, 1); break;
		case WOP_I64_LOAD16_U: ok = op_load(c, OP_LD_16U, WASM_I64, 1); break;
		case WOP_I64_LOAD32_S: ok = op_load(c, OP_LD_32S64, WASM_I64, 2); break;
		case WOP_I64_LOAD32_U: ok = op_load(c, OP_LD_I32, WASM_I64, 2); break;
		case WOP_I32_STORE: ok = op_store(c, OP_ST_32, WASM_I32, 2); break;
		case WOP_I64_STORE: ok = op_store(c, OP_ST_64, WASM_I64, 3); break;
		case WOP_F32_STORE: ok = op_store(c, OP_ST_32, WASM_F32, 2); break;
		case WOP_F64_STORE: ok = op_store(c, OP_ST_64, WASM_F64, 3); break;
		case WOP_I32_STORE8: ok = op_store(c, OP_ST_8, WASM_I32, 0); break;
		case WOP_I32_STORE16: ok = op_store(c, OP_ST_16, WASM_I32, 1); break;
		case WOP_I64_STORE8: ok = op_store(c, OP_ST_8, WASM_I64, 0); break;
		case WOP_I64_STORE16: ok = op_store(c, OP_ST_16, WASM_I64, 1); break;
		case WOP_I64_STORE32: ok = op_store(c, OP_ST_32, WASM_I64, 2); break;
		case WOP_MEMORY_SIZE:
			ok = memory_zero(c) &&
			     emit_generic(c, OP_MEMORY_SIZE, 0, NULL, WASM_I32, 0, NULL);
			break;
		case WOP_MEMORY_GROW:
			ok = memory_zero(c) &&
			     emit_generic(c, OP_MEMORY_GROW, 1, i32_1, WASM_I32, 0, NULL);
			break;
		case WOP_I32_CONST: {
			int32_t v;
			ok = read_s32(&c->r, &v, c->err) && op_const(c, WASM_I32, (uint32_t)v);
			break;
		}
		case WOP_I64_CONST: {
			int64_t v;
			ok = read_s64(&c->r, &v, c->err) && op_const(c, WASM_I64, (uint64_t)v);
			break;
		}
		case WOP_F32_CONST: {
			uint32_t v;
			ok = read_f32(&c->r, &v, c->err) && op_const(c, WASM_F32, v);
			break;
		}
		case WOP_F64_CONST: {
			uint64_t v;
			ok = read_f64(&c->r, &v, c->err) && op_const(c, WASM_F64, v);
			break;
		}
		case WOP_REF_NULL: { /* t */
			uint8_t t;
			if (!read_u8(&c->r, &t, c->err))
				return false;
			if (!is_ref(t))
				return pd_fail_malformed(c, "malformed reference type");
			ok = op_const(c, t, 0);
			break;
		}
		case WOP_REF_IS_NULL: {
			sentry e;
			if (!pd_pop_entry(c, T_UNKNOWN, &e))
				return false;
			if (e.type != T_UNKNOWN && !is_ref(e.type))
				return pd_fail(c, "type mismatch");
			uint32_t d = c->sp;
			operand oe = pd_take(c, &e, d, false);
			uint32_t pos = c->len;
			EMIT(c, D_A, OP_REF_IS_NULL, .d = slot_of(c, d), .a = oe.slot);
			ok = pd_push(c, WASM_I32);
			if (ok)
				pd_produced(c, pos, K_RESULT, OP_REF_IS_NULL);
			break;
		}
		case WOP_REF_FUNC: { /* x */
			uint32_t idx;
			if (!read_u32(&c->r, &idx, c->err))
				return false;
			if (idx >= c->m->nfuncs)
				return pd_fail(c, "unknown function");
			if (!c->m->func_refs || !(c->m->func_refs[idx / 8] & (1u << (idx % 8))))
				return pd_fail(c, "undeclared function reference");
			ok = emit_generic(c, OP_REF_FUNC, 0, NULL, WASM_FUNCREF, 1, &idx);
			break;
		}
		case WOP_PREFIX_MISC: ok = do_prefix_fc(c); break;
		case WOP_PREFIX_SIMD:
			err_set(c->err, WASM_ERR_UNSUPPORTED, c->instr_offset,
				"SIMD (v128) is not supported yet");
			return false;
		default:
			return pd_fail_malformed(c, "illegal opcode");
		}
		if (!ok)
			return false;
	}
}
