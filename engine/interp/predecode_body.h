/* predecode_body.h -- the opcode loop of predecode.c (included there once;
 * a separate file only to keep predecode.c readable).  Validation follows
 * the algorithm in the appendix of the WebAssembly 2.0 specification. */

/* Numeric opcodes 0x45..0xc4: operand count, types, internal op, and the
 * immediate-operand variant (-1 if none). */
typedef struct {
	uint8_t nin, tin, tout;
	int16_t op, imm_op;
} numop;

#define U(tin, tout, op) { 1, WASM_##tin, WASM_##tout, OP_##op, -1 }
#define B(tin, tout, op) { 2, WASM_##tin, WASM_##tout, OP_##op, -1 }
#define BI(tin, tout, op, iop) { 2, WASM_##tin, WASM_##tout, OP_##op, OP_##iop }

static const numop numops[0xc5 - 0x45] = {
	/* 0x45 */ U(I32, I32, EQZ32),
	BI(I32, I32, EQ32, EQ32I), BI(I32, I32, NE32, NE32I),
	BI(I32, I32, LTS32, LTS32I), BI(I32, I32, LTU32, LTU32I),
	BI(I32, I32, GTS32, GTS32I), BI(I32, I32, GTU32, GTU32I),
	BI(I32, I32, LES32, LES32I), BI(I32, I32, LEU32, LEU32I),
	BI(I32, I32, GES32, GES32I), BI(I32, I32, GEU32, GEU32I),
	/* 0x50 */ U(I64, I32, EQZ64),
	BI(I64, I32, EQ64, EQ64I), BI(I64, I32, NE64, NE64I),
	BI(I64, I32, LTS64, LTS64I), BI(I64, I32, LTU64, LTU64I),
	BI(I64, I32, GTS64, GTS64I), BI(I64, I32, GTU64, GTU64I),
	BI(I64, I32, LES64, LES64I), BI(I64, I32, LEU64, LEU64I),
	BI(I64, I32, GES64, GES64I), BI(I64, I32, GEU64, GEU64I),
	/* 0x5b */ B(F32, I32, FEQ32), B(F32, I32, FNE32), B(F32, I32, FLT32),
	B(F32, I32, FGT32), B(F32, I32, FLE32), B(F32, I32, FGE32),
	/* 0x61 */ B(F64, I32, FEQ64), B(F64, I32, FNE64), B(F64, I32, FLT64),
	B(F64, I32, FGT64), B(F64, I32, FLE64), B(F64, I32, FGE64),
	/* 0x67 */ U(I32, I32, CLZ32), U(I32, I32, CTZ32), U(I32, I32, POPCNT32),
	BI(I32, I32, ADD32, ADD32I), B(I32, I32, SUB32), BI(I32, I32, MUL32, MUL32I),
	B(I32, I32, DIVS32), B(I32, I32, DIVU32), B(I32, I32, REMS32), B(I32, I32, REMU32),
	BI(I32, I32, AND32, AND32I), BI(I32, I32, OR32, OR32I), BI(I32, I32, XOR32, XOR32I),
	BI(I32, I32, SHL32, SHL32I), BI(I32, I32, SHRS32, SHRS32I), BI(I32, I32, SHRU32, SHRU32I),
	B(I32, I32, ROTL32), B(I32, I32, ROTR32),
	/* 0x79 */ U(I64, I64, CLZ64), U(I64, I64, CTZ64), U(I64, I64, POPCNT64),
	BI(I64, I64, ADD64, ADD64I), B(I64, I64, SUB64), BI(I64, I64, MUL64, MUL64I),
	B(I64, I64, DIVS64), B(I64, I64, DIVU64), B(I64, I64, REMS64), B(I64, I64, REMU64),
	BI(I64, I64, AND64, AND64I), BI(I64, I64, OR64, OR64I), BI(I64, I64, XOR64, XOR64I),
	BI(I64, I64, SHL64, SHL64I), BI(I64, I64, SHRS64, SHRS64I), BI(I64, I64, SHRU64, SHRU64I),
	B(I64, I64, ROTL64), B(I64, I64, ROTR64),
	/* 0x8b */ U(F32, F32, FABS32), U(F32, F32, FNEG32), U(F32, F32, FCEIL32),
	U(F32, F32, FFLOOR32), U(F32, F32, FTRUNC32), U(F32, F32, FNEAREST32),
	U(F32, F32, FSQRT32), B(F32, F32, FADD32), B(F32, F32, FSUB32),
	B(F32, F32, FMUL32), B(F32, F32, FDIV32), B(F32, F32, FMIN32),
	B(F32, F32, FMAX32), B(F32, F32, FCOPYSIGN32),
	/* 0x99 */ U(F64, F64, FABS64), U(F64, F64, FNEG64), U(F64, F64, FCEIL64),
	U(F64, F64, FFLOOR64), U(F64, F64, FTRUNC64), U(F64, F64, FNEAREST64),
	U(F64, F64, FSQRT64), B(F64, F64, FADD64), B(F64, F64, FSUB64),
	B(F64, F64, FMUL64), B(F64, F64, FDIV64), B(F64, F64, FMIN64),
	B(F64, F64, FMAX64), B(F64, F64, FCOPYSIGN64),
	/* 0xa7 */ U(I64, I32, WRAP),
	U(F32, I32, TRUNC_F32_S32), U(F32, I32, TRUNC_F32_U32),
	U(F64, I32, TRUNC_F64_S32), U(F64, I32, TRUNC_F64_U32),
	/* 0xac */ U(I32, I64, EXT32S64), U(I32, I64, COPY),
	U(F32, I64, TRUNC_F32_S64), U(F32, I64, TRUNC_F32_U64),
	U(F64, I64, TRUNC_F64_S64), U(F64, I64, TRUNC_F64_U64),
	/* 0xb2 */ U(I32, F32, CONV_S32_F32), U(I32, F32, CONV_U32_F32),
	U(I64, F32, CONV_S64_F32), U(I64, F32, CONV_U64_F32), U(F64, F32, DEMOTE),
	/* 0xb7 */ U(I32, F64, CONV_S32_F64), U(I32, F64, CONV_U32_F64),
	U(I64, F64, CONV_S64_F64), U(I64, F64, CONV_U64_F64), U(F32, F64, PROMOTE),
	/* 0xbc */ U(F32, I32, COPY), U(F64, I64, COPY), U(I32, F32, COPY), U(I64, F64, COPY),
	/* 0xc0 */ U(I32, I32, EXT8S32), U(I32, I32, EXT16S32),
	U(I64, I64, EXT8S64), U(I64, I64, EXT16S64), U(I64, I64, EXT32S64),
};

static const numop satops[8] = {
	U(F32, I32, SAT_F32_S32), U(F32, I32, SAT_F32_U32),
	U(F64, I32, SAT_F64_S32), U(F64, I32, SAT_F64_U32),
	U(F32, I64, SAT_F32_S64), U(F32, I64, SAT_F32_U64),
	U(F64, I64, SAT_F64_S64), U(F64, I64, SAT_F64_U64),
};

#undef U
#undef B
#undef BI

static bool do_numop(compiler *c, const numop *n)
{
	if (n->nin == 1)
		return op_unary(c, n->tin, n->tout, n->op);
	return op_binary(c, n->tin, n->tout, n->op, n->imm_op);
}

static bool do_block(compiler *c, uint8_t kind)
{
	uint32_t np, nr;
	const uint8_t *params, *results;
	uint8_t single = 0;
	if (!read_blocktype(c, &np, &params, &nr, &results, &single))
		return false;
	sentry cond = { 0 };
	if (kind == C_IF && !pop_entry(c, WASM_I32, &cond))
		return false;
	if (!check_top(c, np, params))
		return false;
	operand oc = { 0 };
	if (kind == C_IF)
		oc = take(c, &cond, c->sp, false);
	/* Paths join inside and after the block: no lazy values across. */
	materialize_all(c);
	/* The block's params stay where they are: its base is below them. */
	uint32_t base = c->sp >= np ? c->sp - np : 0;
	ctrl *parent = &c->ctl[c->csp - 1];
	if (base < parent->height)
		base = parent->height;   /* unreachable, polymorphic stack */
	/* Fill missing params of an unreachable stack with unknowns. */
	while (c->sp < base + np) {
		if (!push(c, T_UNKNOWN))
			return false;
	}
	uint32_t saved_sp = c->sp;
	c->sp = base;
	if (!push_ctrl(c, kind, np, params, nr, results))
		return false;
	c->sp = saved_sp;
	ctrl *f = &c->ctl[c->csp - 1];
	f->single = single;
	if (nr == 1 && results == &single)
		f->results = NULL;   /* see ctrl_results(): the array may move */
	/* Param entries: their types stay, their origin is forgotten (a label
	 * may be bound right here). */
	for (uint32_t i = 0; i < np; i++) {
		c->stack[base + i].type = params[i];
		c->stack[base + i].kind = K_OTHER;
	}
	if (kind == C_LOOP) {
		bind_label(c);
		f->label_pos = c->len;
		map_here(c);
		put_op(c, engine_config(c->m->engine)->fuel ? OP_LOOP_FUEL : OP_LOOP);
		put32(c, 0);
		bind_label(c);
	} else if (kind == C_IF) {
		put_op(c, OP_BR_UNLESS);
		put16(c, oc.slot);
		if (!dead(c)) {
			f->else_site = c->len;
			put32(c, 0);
		}
	}
	return true;
}

static bool do_else(compiler *c)
{
	ctrl *f = &c->ctl[c->csp - 1];
	if (f->kind != C_IF)
		return fail_malformed(c, "else without if");
	if (!check_top(c, f->nresults, ctrl_results(f)))
		return false;
	if (c->sp != f->height + f->nresults && !f->unreachable)
		return fail(c, "type mismatch");
	if (c->sp > f->height + f->nresults)
		return fail(c, "type mismatch");
	/* Then-branch falls through to the end. */
	materialize_top(c, f->nresults);
	put_op(c, OP_BR);
	put_target(c, f);
	f->kind = C_ELSE;
	f->unreachable = false;
	bind_label(c);
	if (f->else_site != NONE && !dead(c)) {
		set32(c, f->else_site, c->len - f->else_site);
		f->else_site = NONE;
	}
	c->sp = f->height;
	for (uint32_t i = 0; i < f->nparams; i++)
		if (!push(c, f->params[i]))
			return false;
	return true;
}

/* Returns true at the function's final end (*done). */
static bool do_end(compiler *c, bool *done)
{
	ctrl *f = &c->ctl[c->csp - 1];
	if (!check_top(c, f->nresults, ctrl_results(f)))
		return false;
	if (c->sp > f->height + f->nresults)
		return fail(c, "type mismatch");
	if (f->kind == C_IF && f->nparams != f->nresults)
		return fail(c, "type mismatch");
	if (f->kind == C_IF) {
		for (uint32_t i = 0; i < f->nparams; i++)
			if (f->params[i] != ctrl_results(f)[i])
				return fail(c, "type mismatch");
	}
	if (f->kind == C_FUNC) {
		if (!dead(c)) {
			if (f->nresults > 1)
				materialize_top(c, f->nresults);
			emit_moves_to(c, NONE, f->nresults);
			put_op(c, OP_RET);
		}
		/* Forward branches to the function's label return too. */
		f->unreachable = false;
		bind_label(c);
		if (c->emit && !c->oom && f->patches != NONE) {
			patch_chain(c, f->patches, c->len);
			if (f->nresults) {
				/* Fallthrough and branches leave the results
				 * at the operand base; move them to slot 0. */
				for (uint32_t i = 0; i < f->nresults; i++) {
					uint32_t from = slot_of(c, f->height + i);
					if (from != i) {
						put_op(c, OP_COPY);
						put16(c, i);
						put16(c, from);
					}
				}
			}
			put_op(c, OP_RET);
		}
		c->csp--;
		*done = true;
		return true;
	}
	materialize_top(c, f->nresults);
	uint32_t height = f->height, nr = f->nresults;
	const uint8_t *results = f->results;   /* NULL: single, below */
	uint8_t single = f->single;
	uint32_t patches = f->patches, else_site = f->else_site;
	c->csp--;
	bind_label(c);
	if (c->emit && !c->oom && !dead(c)) {
		patch_chain(c, patches, c->len);
		if (else_site != NONE)
			set32(c, else_site, c->len - else_site);
	}
	c->sp = height;
	for (uint32_t i = 0; i < nr; i++) {
		uint8_t t = results ? results[i] : single;
		if (!push(c, t))
			return false;
	}
	return true;
}

static bool do_select(compiler *c, bool typed)
{
	uint8_t t = T_UNKNOWN;
	if (typed) {
		uint32_t n;
		if (!read_u32(&c->r, &n, c->err))
			return false;
		if (n != 1)
			return fail(c, "invalid result arity");
		if (!read_u8(&c->r, &t, c->err))
			return false;
		if (t == WASM_V128) {
			err_set(c->err, WASM_ERR_UNSUPPORTED, c->instr_offset, "SIMD (v128) is not supported yet");
			return false;
		}
		if (!is_num(t) && !is_ref(t))
			return fail_malformed(c, "malformed value type");
	}
	sentry ce, be, ae;
	if (!pop_entry(c, WASM_I32, &ce) || !pop_entry(c, t, &be) || !pop_entry(c, t, &ae))
		return false;
	uint8_t rt = t;
	if (!typed) {
		if ((ae.type != T_UNKNOWN && !is_num(ae.type)) ||
		    (be.type != T_UNKNOWN && !is_num(be.type)))
			return fail(c, "type mismatch");
		if (ae.type != T_UNKNOWN && be.type != T_UNKNOWN && ae.type != be.type)
			return fail(c, "type mismatch");
		rt = ae.type != T_UNKNOWN ? ae.type : be.type;
	}
	uint32_t d = c->sp;
	operand oc = take(c, &ce, d + 2, false);
	operand ob = take(c, &be, d + 1, false);
	operand oa = take(c, &ae, d, false);
	uint32_t pos = c->len;
	put_op(c, OP_SELECT);
	put16(c, slot_of(c, d));
	put16(c, oc.slot);
	put16(c, oa.slot);
	put16(c, ob.slot);
	if (!push(c, rt))
		return false;
	produced(c, pos, K_RESULT, OP_SELECT);
	return true;
}

static bool do_global(compiler *c, bool set)
{
	uint32_t idx;
	if (!read_u32(&c->r, &idx, c->err))
		return false;
	if (idx >= c->m->nglobals)
		return fail(c, "unknown global");
	const globaltype *g = &c->m->globals[idx];
	if (set) {
		if (!g->mut)
			return fail(c, "global is immutable");
		sentry v;
		if (!pop_entry(c, g->type, &v))
			return false;
		operand ov = take(c, &v, c->sp, false);
		put_op(c, OP_GLOBAL_SET);
		put16(c, ov.slot);
		put32(c, idx);
		return true;
	}
	if (!push(c, g->type))
		return false;
	uint32_t pos = c->len;
	put_op(c, OP_GLOBAL_GET);
	put16(c, slot_of(c, c->sp - 1));
	put32(c, idx);
	produced(c, pos, K_RESULT, OP_GLOBAL_GET);
	return true;
}

/* Pop n operands of the given types (listed bottom first) into slots. */
static bool pop_operands(compiler *c, uint32_t n, const uint8_t *types, uint32_t *slots)
{
	sentry e[4];
	for (uint32_t i = n; i-- > 0;)
		if (!pop_entry(c, types[i], &e[i]))
			return false;
	for (uint32_t i = n; i-- > 0;) {
		operand o = take(c, &e[i], c->sp + i, false);
		slots[i] = o.slot;
	}
	return true;
}

static bool table_index(compiler *c, uint32_t *t)
{
	if (!read_u32(&c->r, t, c->err))
		return false;
	if (*t >= c->m->ntables)
		return fail(c, "unknown table");
	return true;
}

static bool elem_index(compiler *c, uint32_t *e)
{
	if (!read_u32(&c->r, e, c->err))
		return false;
	if (*e >= c->m->nelems)
		return fail(c, "unknown elem segment");
	return true;
}

static bool data_index(compiler *c, uint32_t *d)
{
	if (!read_u32(&c->r, d, c->err))
		return false;
	if (!c->m->has_datacount)
		return fail_malformed(c, "data count section required");
	if (*d >= c->m->datacount)
		return fail(c, "unknown data segment");
	return true;
}

static bool memory_zero(compiler *c)
{
	uint8_t z;
	if (!read_u8(&c->r, &z, c->err))
		return false;
	if (z != 0)
		return fail_malformed(c, "zero byte expected");
	if (c->m->nmemories == 0)
		return fail(c, "unknown memory");
	return true;
}

/* Emit op d? s1 s2 s3 idx...; result pushed with type tout if != 0. */
static bool emit_generic(compiler *c, int op, uint32_t nin, const uint8_t *tin,
	uint8_t tout, uint32_t nidx, const uint32_t *idx, bool traps)
{
	uint32_t s[4];
	if (!pop_operands(c, nin, tin, s))
		return false;
	uint32_t d = c->sp;
	uint32_t pos = c->len;
	if (traps)
		map_here(c);
	put_op(c, op);
	if (tout)
		put16(c, slot_of(c, d));
	for (uint32_t i = 0; i < nin; i++)
		put16(c, s[i]);
	for (uint32_t i = 0; i < nidx; i++)
		put32(c, idx[i]);
	if (tout) {
		if (!push(c, tout))
			return false;
		produced(c, pos, K_RESULT, (uint16_t)op);
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
	if (sub < 8)
		return do_numop(c, &satops[sub]);
	switch (sub) {
	case 8: /* memory.init */
		if (!data_index(c, &idx[0]) || !memory_zero(c))
			return false;
		return emit_generic(c, OP_MEMORY_INIT, 3, i32x3, 0, 1, idx, true);
	case 9: /* data.drop */
		if (!data_index(c, &idx[0]))
			return false;
		return emit_generic(c, OP_DATA_DROP, 0, NULL, 0, 1, idx, false);
	case 10: { /* memory.copy */
		if (!memory_zero(c) || !memory_zero(c))
			return false;
		return emit_generic(c, OP_MEMORY_COPY, 3, i32x3, 0, 0, NULL, true);
	}
	case 11: /* memory.fill */
		if (!memory_zero(c))
			return false;
		return emit_generic(c, OP_MEMORY_FILL, 3, i32x3, 0, 0, NULL, true);
	case 12: { /* table.init */
		if (!elem_index(c, &idx[1]) || !table_index(c, &idx[0]))
			return false;
		if (c->m->elems[idx[1]].type != c->m->tables[idx[0]].elem)
			return fail(c, "type mismatch");
		return emit_generic(c, OP_TABLE_INIT, 3, i32x3, 0, 2, idx, true);
	}
	case 13: /* elem.drop */
		if (!elem_index(c, &idx[0]))
			return false;
		return emit_generic(c, OP_ELEM_DROP, 0, NULL, 0, 1, idx, false);
	case 14: { /* table.copy dst src */
		if (!table_index(c, &idx[0]) || !table_index(c, &idx[1]))
			return false;
		if (c->m->tables[idx[0]].elem != c->m->tables[idx[1]].elem)
			return fail(c, "type mismatch");
		return emit_generic(c, OP_TABLE_COPY, 3, i32x3, 0, 2, idx, true);
	}
	case 15: { /* table.grow: init n -> old */
		if (!table_index(c, &idx[0]))
			return false;
		uint8_t t[2] = { c->m->tables[idx[0]].elem, WASM_I32 };
		return emit_generic(c, OP_TABLE_GROW, 2, t, WASM_I32, 1, idx, false);
	}
	case 16: /* table.size */
		if (!table_index(c, &idx[0]))
			return false;
		return emit_generic(c, OP_TABLE_SIZE, 0, NULL, WASM_I32, 1, idx, false);
	case 17: { /* table.fill: i v n */
		if (!table_index(c, &idx[0]))
			return false;
		uint8_t t[3] = { WASM_I32, c->m->tables[idx[0]].elem, WASM_I32 };
		return emit_generic(c, OP_TABLE_FILL, 3, t, 0, 1, idx, true);
	}
	default:
		return fail_malformed(c, "illegal opcode");
	}
}

static bool body(compiler *c)
{
	static const uint8_t i32_1[1] = { WASM_I32 };
	for (;;) {
		if (c->oom)
			return fail(c, "out of memory");
		c->instr_offset = reader_offset(&c->r);
		uint8_t opc;
		if (!read_u8(&c->r, &opc, c->err))
			return false;
		bool ok = true;
		if (opc >= 0x45 && opc <= 0xc4) {
			ok = do_numop(c, &numops[opc - 0x45]);
			if (!ok)
				return false;
			continue;
		}
		switch (opc) {
		case 0x00: /* unreachable */
			map_here(c);
			put_op(c, OP_UNREACHABLE);
			set_unreachable(c);
			break;
		case 0x01: /* nop */
			break;
		case 0x02: ok = do_block(c, C_BLOCK); break;
		case 0x03: ok = do_block(c, C_LOOP); break;
		case 0x04: ok = do_block(c, C_IF); break;
		case 0x05: ok = do_else(c); break;
		case 0x0b: {
			bool done = false;
			if (!do_end(c, &done))
				return false;
			if (done) {
				if (c->r.p != c->r.end)
					return fail_malformed(c, "section size mismatch");
				return true;
			}
			break;
		}
		case 0x0c: ok = do_br(c); break;
		case 0x0d: ok = do_br_if(c); break;
		case 0x0e: ok = do_br_table(c); break;
		case 0x0f: ok = do_return(c); break;
		case 0x10: ok = do_call(c); break;
		case 0x11: ok = do_call_indirect(c); break;
		case 0x1a: ok = pop(c, T_UNKNOWN); break;
		case 0x1b: ok = do_select(c, false); break;
		case 0x1c: ok = do_select(c, true); break;
		case 0x20: {
			uint32_t idx;
			ok = local_index(c, &idx) && do_local_get(c, idx);
			break;
		}
		case 0x21: case 0x22: {
			uint32_t idx;
			ok = local_index(c, &idx) && do_local_set(c, idx, opc == 0x22);
			break;
		}
		case 0x23: ok = do_global(c, false); break;
		case 0x24: ok = do_global(c, true); break;
		case 0x25: { /* table.get */
			uint32_t t;
			if (!table_index(c, &t))
				return false;
			ok = emit_generic(c, OP_TABLE_GET, 1, i32_1, c->m->tables[t].elem, 1, &t, true);
			break;
		}
		case 0x26: { /* table.set */
			uint32_t t;
			if (!table_index(c, &t))
				return false;
			uint8_t ty[2] = { WASM_I32, c->m->tables[t].elem };
			ok = emit_generic(c, OP_TABLE_SET, 2, ty, 0, 1, &t, true);
			break;
		}
		case 0x28: ok = op_load(c, OP_LD_I32, WASM_I32, 2); break;
		case 0x29: ok = op_load(c, OP_LD_I64, WASM_I64, 3); break;
		case 0x2a: ok = op_load(c, OP_LD_I32, WASM_F32, 2); break;
		case 0x2b: ok = op_load(c, OP_LD_I64, WASM_F64, 3); break;
		case 0x2c: ok = op_load(c, OP_LD_8S32, WASM_I32, 0); break;
		case 0x2d: ok = op_load(c, OP_LD_8U, WASM_I32, 0); break;
		case 0x2e: ok = op_load(c, OP_LD_16S32, WASM_I32, 1); break;
		case 0x2f: ok = op_load(c, OP_LD_16U, WASM_I32, 1); break;
		case 0x30: ok = op_load(c, OP_LD_8S64, WASM_I64, 0); break;
		case 0x31: ok = op_load(c, OP_LD_8U, WASM_I64, 0); break;
		case 0x32: ok = op_load(c, OP_LD_16S64, WASM_I64, 1); break;
		case 0x33: ok = op_load(c, OP_LD_16U, WASM_I64, 1); break;
		case 0x34: ok = op_load(c, OP_LD_32S64, WASM_I64, 2); break;
		case 0x35: ok = op_load(c, OP_LD_I32, WASM_I64, 2); break;
		case 0x36: ok = op_store(c, OP_ST_32, WASM_I32, 2); break;
		case 0x37: ok = op_store(c, OP_ST_64, WASM_I64, 3); break;
		case 0x38: ok = op_store(c, OP_ST_32, WASM_F32, 2); break;
		case 0x39: ok = op_store(c, OP_ST_64, WASM_F64, 3); break;
		case 0x3a: ok = op_store(c, OP_ST_8, WASM_I32, 0); break;
		case 0x3b: ok = op_store(c, OP_ST_16, WASM_I32, 1); break;
		case 0x3c: ok = op_store(c, OP_ST_8, WASM_I64, 0); break;
		case 0x3d: ok = op_store(c, OP_ST_16, WASM_I64, 1); break;
		case 0x3e: ok = op_store(c, OP_ST_32, WASM_I64, 2); break;
		case 0x3f: /* memory.size */
			ok = memory_zero(c) &&
			     emit_generic(c, OP_MEMORY_SIZE, 0, NULL, WASM_I32, 0, NULL, false);
			break;
		case 0x40: /* memory.grow */
			ok = memory_zero(c) &&
			     emit_generic(c, OP_MEMORY_GROW, 1, i32_1, WASM_I32, 0, NULL, false);
			break;
		case 0x41: {
			int32_t v;
			ok = read_s32(&c->r, &v, c->err) && op_const(c, WASM_I32, (uint32_t)v);
			break;
		}
		case 0x42: {
			int64_t v;
			ok = read_s64(&c->r, &v, c->err) && op_const(c, WASM_I64, (uint64_t)v);
			break;
		}
		case 0x43: {
			uint32_t v;
			ok = read_f32(&c->r, &v, c->err) && op_const(c, WASM_F32, v);
			break;
		}
		case 0x44: {
			uint64_t v;
			ok = read_f64(&c->r, &v, c->err) && op_const(c, WASM_F64, v);
			break;
		}
		case 0xd0: { /* ref.null t */
			uint8_t t;
			if (!read_u8(&c->r, &t, c->err))
				return false;
			if (!is_ref(t))
				return fail_malformed(c, "malformed reference type");
			ok = op_const(c, t, 0);
			break;
		}
		case 0xd1: { /* ref.is_null */
			sentry e;
			if (!pop_entry(c, T_UNKNOWN, &e))
				return false;
			if (e.type != T_UNKNOWN && !is_ref(e.type))
				return fail(c, "type mismatch");
			uint32_t d = c->sp;
			operand oe = take(c, &e, d, false);
			uint32_t pos = c->len;
			put_op(c, OP_REF_IS_NULL);
			put16(c, slot_of(c, d));
			put16(c, oe.slot);
			ok = push(c, WASM_I32);
			if (ok)
				produced(c, pos, K_RESULT, OP_REF_IS_NULL);
			break;
		}
		case 0xd2: { /* ref.func x */
			uint32_t idx;
			if (!read_u32(&c->r, &idx, c->err))
				return false;
			if (idx >= c->m->nfuncs)
				return fail(c, "unknown function");
			if (!c->m->func_refs || !(c->m->func_refs[idx / 8] & (1u << (idx % 8))))
				return fail(c, "undeclared function reference");
			ok = emit_generic(c, OP_REF_FUNC, 0, NULL, WASM_FUNCREF, 1, &idx, false);
			break;
		}
		case 0xfc: ok = do_prefix_fc(c); break;
		case 0xfd:
			err_set(c->err, WASM_ERR_UNSUPPORTED, c->instr_offset,
				"SIMD (v128) is not supported yet");
			return false;
		default:
			return fail_malformed(c, "illegal opcode");
		}
		if (!ok)
			return false;
	}
}
