/* predecode_control.c -- the pre-decoder's control stack: blocks, loops and
 * ifs, branches (with the compare-and-branch fusion), br_table, return and
 * calls.  At every label the lazy operands are materialised and the values
 * a branch carries are moved to the label's slots.
 */
#include "interp/ops.h"
#include "interp/predecode.h"
#include "runtime/runtime.h"

#include <stdlib.h>

/* ---- control stack ---------------------------------------------------- */

bool pd_push_ctrl(compiler *c, uint8_t kind, uint32_t np, const uint8_t *params,
	uint32_t nr, const uint8_t *results)
{
	if (c->csp == c->ctl_cap) {
		uint32_t cap = c->ctl_cap ? c->ctl_cap * 2 : 16;
		ctrl *nc = realloc(c->ctl, cap * sizeof *nc);
		if (!nc) {
			c->oom = true;
			return pd_fail(c, "out of memory");
		}
		c->ctl = nc;
		c->ctl_cap = cap;
	}
	bool dead_in = c->csp ? dead(c) : false;
	c->ctl[c->csp] = (ctrl){ .kind = kind, .dead_entry = dead_in,
		.height = c->sp, .nparams = np, .params = params, .nresults = nr,
		.results = results, .label_pos = NONE, .patches = NONE,
		.else_site = NONE };
	c->csp++;
	return true;
}

void pd_set_unreachable(compiler *c)
{
	ctrl *f = &c->ctl[c->csp - 1];
	c->sp = f->height;
	f->unreachable = true;
}

/* A block's result types (a one-value block type is stored in the frame,
 * which may move when the control stack grows: never keep the pointer). */
static const uint8_t *ctrl_results(const ctrl *f)
{
	return f->results ? f->results : &f->single;
}

/* ---- labels: branch sites, the values a branch carries ---------------- */

/* Arity and types a branch to label depth `l` carries. */
static void label_types(const ctrl *f, uint32_t *n, const uint8_t **types)
{
	if (f->kind == C_LOOP) {
		*n = f->nparams;
		*types = f->params;
	} else {
		*n = f->nresults;
		*types = ctrl_results(f);
	}
}

/* Point the branch field at site to label f: bound labels (loops) get the
 * displacement now, forward ones join the patch chain. */
static void link_site(compiler *c, uint32_t site, ctrl *f)
{
	if (f->kind == C_LOOP) {
		rel_set(c, site, (uint32_t)((int64_t)f->label_pos - (int64_t)site));
	} else {
		rel_set(c, site, f->patches);
		f->patches = site;
	}
}

/* The branch instruction emitted at pos (NONE: none was) goes to f. */
static void link_branch(compiler *c, uint32_t pos, ctrl *f)
{
	if (pos != NONE)
		link_site(c, branch_site(c, pos, 0), f);
}

static void emit_br(compiler *c, ctrl *f)
{
	link_branch(c, EMIT(c, BR, OP_BR, .target = 0), f);
}

static void patch_chain(compiler *c, uint32_t chain, uint32_t target)
{
	while (chain != NONE) {
		uint32_t next = rel_get(c, chain);
		rel_set(c, chain, (uint32_t)((int64_t)target - (int64_t)chain));
		chain = next;
	}
}

/* Copies that move the top n values down to the label's slots. */
static bool needs_moves(const compiler *c, const ctrl *f, uint32_t n)
{
	if (n == 0 || dead(c))
		return false;
	if (c->sp - n != f->height)
		return true;
	for (uint32_t i = c->sp - n; i < c->sp; i++)
		if (c->stack[i].kind == K_LOCAL || c->stack[i].kind == K_CONST)
			return true;
	return false;
}

/* Move the top n values (not popped) to the slots of a label whose
 * operand base is `height`.  Callers materialise the values first when
 * n > 1 (a lazy local source could be overwritten by an earlier move). */
static void emit_moves_to(compiler *c, uint32_t height, uint32_t n)
{
	if (dead(c))
		return;
	uint32_t dslot = height == NONE ? 0 : slot_of(c, height);
	for (uint32_t i = 0; i < n; i++) {
		const sentry *e = &c->stack[c->sp - n + i];
		if (e->kind == K_CONST)
			pd_emit_const(c, dslot, e->imm);
		else
			pd_emit_copy(c, e->type, dslot,
				e->kind == K_LOCAL ? e->local : e->slot);
		dslot += valtype_slots(e->type);
	}
}

static void emit_moves(compiler *c, const ctrl *f, uint32_t n)
{
	if (n > 1)
		pd_materialize_top(c, n);
	emit_moves_to(c, f->height, n);
}

/* Check the top n values against types (without popping). */
static bool check_top(compiler *c, uint32_t n, const uint8_t *types)
{
	ctrl *f = &c->ctl[c->csp - 1];
	for (uint32_t i = 0; i < n; i++) {
		uint8_t want = types[n - 1 - i];
		if (c->sp <= f->height + i) {
			if (f->unreachable)
				continue;
			return pd_fail(c, "type mismatch");
		}
		uint8_t got = c->stack[c->sp - 1 - i].type;
		if (got != T_UNKNOWN && got != want)
			return pd_fail(c, "type mismatch");
	}
	return true;
}

/* ---- blocks ----------------------------------------------------------- */

static bool read_blocktype(compiler *c, uint32_t *np, const uint8_t **params,
	uint32_t *nr, const uint8_t **results, uint8_t *single)
{
	int64_t bt;
	if (!read_s33(&c->r, &bt, c->err))
		return false;
	*np = 0;
	*params = NULL;
	if (bt == -64) {           /* 0x40 */
		*nr = 0;
		*results = NULL;
		return true;
	}
	if (bt < 0) {
		uint8_t t = (uint8_t)(bt & 0x7f);
		if (!is_num(t) && t != WASM_V128 && !is_ref(t))
			return pd_fail_malformed(c, "malformed value type");
		*single = t;
		*nr = 1;
		*results = single;
		return true;
	}
	if ((uint64_t)bt >= c->m->ntypes)
		return pd_fail(c, "unknown type");
	const functype *ft = &c->m->types[bt];
	*np = ft->nparams;
	*params = functype_params(ft);
	*nr = ft->nresults;
	*results = functype_results(ft);
	return true;
}

bool pd_block(compiler *c, uint8_t kind)
{
	/* Set by read_blocktype(); initialised only for gcc's
	 * -Wmaybe-uninitialized, which cannot tell once pd_push_ctrl() is
	 * in another file. */
	uint32_t np = 0, nr = 0;
	const uint8_t *params = NULL, *results = NULL;
	uint8_t single = 0;
	if (!read_blocktype(c, &np, &params, &nr, &results, &single))
		return false;
	sentry cond = { 0 };
	if (kind == C_IF && !pd_pop_entry(c, WASM_I32, &cond))
		return false;
	if (!check_top(c, np, params))
		return false;
	operand oc = { 0 };
	if (kind == C_IF)
		oc = pd_take(c, &cond, c->sp, false);
	/* Paths join inside and after the block: no lazy values across. */
	pd_materialize_all(c);
	/* The block's params stay where they are: its base is below them. */
	uint32_t base = c->sp >= np ? c->sp - np : 0;
	ctrl *parent = &c->ctl[c->csp - 1];
	if (base < parent->height)
		base = parent->height;   /* unreachable, polymorphic stack */
	/* Fill missing params of an unreachable stack with unknowns. */
	while (c->sp < base + np) {
		if (!pd_push(c, T_UNKNOWN))
			return false;
	}
	uint32_t saved_sp = c->sp;
	c->sp = base;
	if (!pd_push_ctrl(c, kind, np, params, nr, results))
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
		EMIT(c, LOOP, engine_config(c->m->engine)->fuel ? OP_LOOP_FUEL : OP_LOOP,
			.count = 0);
		bind_label(c);
	} else if (kind == C_IF) {
		uint32_t pos = EMIT(c, BR_IF, OP_BR_UNLESS, .c = oc.slot, .target = 0);
		if (pos != NONE)
			f->else_site = branch_site(c, pos, 0);
	}
	return true;
}

bool pd_else(compiler *c)
{
	ctrl *f = &c->ctl[c->csp - 1];
	if (f->kind != C_IF)
		return pd_fail_malformed(c, "else without if");
	if (!check_top(c, f->nresults, ctrl_results(f)))
		return false;
	if (c->sp != f->height + f->nresults && !f->unreachable)
		return pd_fail(c, "type mismatch");
	if (c->sp > f->height + f->nresults)
		return pd_fail(c, "type mismatch");
	/* Then-branch falls through to the end. */
	pd_materialize_top(c, f->nresults);
	emit_br(c, f);
	f->kind = C_ELSE;
	f->unreachable = false;
	bind_label(c);
	if (f->else_site != NONE && !dead(c)) {
		rel_set(c, f->else_site, c->len - f->else_site);
		f->else_site = NONE;
	}
	c->sp = f->height;
	for (uint32_t i = 0; i < f->nparams; i++)
		if (!pd_push(c, f->params[i]))
			return false;
	return true;
}

/* Returns true at the function's final end (*done). */
bool pd_end(compiler *c, bool *done)
{
	ctrl *f = &c->ctl[c->csp - 1];
	if (!check_top(c, f->nresults, ctrl_results(f)))
		return false;
	if (c->sp > f->height + f->nresults)
		return pd_fail(c, "type mismatch");
	if (f->kind == C_IF && f->nparams != f->nresults)
		return pd_fail(c, "type mismatch");
	if (f->kind == C_IF) {
		for (uint32_t i = 0; i < f->nparams; i++)
			if (f->params[i] != ctrl_results(f)[i])
				return pd_fail(c, "type mismatch");
	}
	if (f->kind == C_FUNC) {
		if (!dead(c)) {
			if (f->nresults > 1)
				pd_materialize_top(c, f->nresults);
			emit_moves_to(c, NONE, f->nresults);
			EMIT(c, NONE, OP_RET);
		}
		/* Forward branches to the function's label return too. */
		f->unreachable = false;
		bind_label(c);
		if (c->emit && !c->oom && f->patches != NONE) {
			patch_chain(c, f->patches, c->len);
			if (f->nresults) {
				/* Fallthrough and branches leave the results
				 * at the operand base; move them to slot 0. */
				const uint8_t *rt = ctrl_results(f);
				uint32_t from = slot_of(c, f->height), to = 0;
				for (uint32_t i = 0; i < f->nresults; i++) {
					pd_emit_copy(c, rt[i], to, from);
					from += valtype_slots(rt[i]);
					to += valtype_slots(rt[i]);
				}
			}
			EMIT(c, NONE, OP_RET);
		}
		c->csp--;
		*done = true;
		return true;
	}
	pd_materialize_top(c, f->nresults);
	uint32_t height = f->height, nr = f->nresults;
	const uint8_t *results = f->results;   /* NULL: single, below */
	uint8_t single = f->single;
	uint32_t patches = f->patches, else_site = f->else_site;
	c->csp--;
	bind_label(c);
	if (c->emit && !c->oom && !dead(c)) {
		patch_chain(c, patches, c->len);
		if (else_site != NONE)
			rel_set(c, else_site, c->len - else_site);
	}
	c->sp = height;
	for (uint32_t i = 0; i < nr; i++) {
		uint8_t t = results ? results[i] : single;
		if (!pd_push(c, t))
			return false;
	}
	return true;
}

/* ---- branches --------------------------------------------------------- */

static bool label_at(compiler *c, uint32_t *depth, ctrl **f)
{
	if (!read_u32(&c->r, depth, c->err))
		return false;
	if (*depth >= c->csp)
		return pd_fail(c, "unknown label");
	*f = &c->ctl[c->csp - 1 - *depth];
	return true;
}

bool pd_br(compiler *c)
{
	uint32_t depth;
	ctrl *f;
	if (!label_at(c, &depth, &f))
		return false;
	uint32_t n;
	const uint8_t *types;
	label_types(f, &n, &types);
	if (!check_top(c, n, types))
		return false;
	if (needs_moves(c, f, n))
		emit_moves(c, f, n);
	emit_br(c, f);
	pd_set_unreachable(c);
	return true;
}

static int fused_branch(int cmp_op)
{
	if (cmp_op >= OP_EQ32 && cmp_op <= OP_GEU32)
		return OP_EQ_BR32 + (cmp_op - OP_EQ32);
	if (cmp_op >= OP_EQ32I && cmp_op <= OP_GEU32I)
		return OP_EQ_BR32I + (cmp_op - OP_EQ32I);
	if (cmp_op >= OP_EQ64 && cmp_op <= OP_GEU64)
		return OP_EQ_BR64 + (cmp_op - OP_EQ64);
	return -1;
}

bool pd_br_if(compiler *c)
{
	uint32_t depth;
	ctrl *f;
	if (!label_at(c, &depth, &f))
		return false;
	sentry cond;
	if (!pd_pop_entry(c, WASM_I32, &cond))
		return false;
	uint32_t n;
	const uint8_t *types;
	label_types(f, &n, &types);
	if (!check_top(c, n, types))
		return false;
	if (c->ctl[c->csp - 1].unreachable) {
		/* Polymorphic stack: br_if leaves the label's types. */
		for (uint32_t i = n; i-- > 0;)
			if (!pd_pop(c, types[i]))
				return false;
		for (uint32_t i = 0; i < n; i++)
			if (!pd_push(c, types[i]))
				return false;
		return true;
	}
	if (needs_moves(c, f, n)) {
		/* br_unless skip; moves; br L; skip: */
		operand oc = pd_take(c, &cond, c->sp, false);
		if (n > 1)
			pd_materialize_top(c, n);
		uint32_t pos = EMIT(c, BR_IF, OP_BR_UNLESS, .c = oc.slot, .target = 0);
		emit_moves(c, f, n);
		emit_br(c, f);
		if (pos != NONE && !c->oom) {
			uint32_t skip = branch_site(c, pos, 0);
			rel_set(c, skip, c->len - skip);
		}
		bind_label(c);
		return true;
	}
	/* Fuse with the compare (or eqz) that produced the condition. */
	if (!dead(c) && cond.kind == K_RESULT && cond.end == c->len &&
	    cond.pos >= c->barrier) {
		int br = fused_branch(cond.op);
		if (br >= 0 && op_infos[cond.op].layout == OPL_D_A_IMM) {
			struct op_D_A_IMM in = INSN_AT(c, cond.pos, D_A_IMM);
			c->len = cond.pos;
			link_branch(c, EMIT(c, BR_CMP_IMM, br, .a = in.a, .imm = in.imm,
				.target = 0), f);
			return true;
		}
		if (br >= 0) {
			struct op_D_AB in = INSN_AT(c, cond.pos, D_AB);
			c->len = cond.pos;
			link_branch(c, EMIT(c, BR_CMP, br, .a = in.a, .b = in.b,
				.target = 0), f);
			return true;
		}
		if (cond.op == OP_EQZ32 || cond.op == OP_EQZ64) {
			struct op_D_A in = INSN_AT(c, cond.pos, D_A);
			c->len = cond.pos;
			link_branch(c, EMIT(c, BR_IF, OP_BR_UNLESS, .c = in.a, .target = 0), f);
			return true;
		}
	}
	operand oc = pd_take(c, &cond, c->sp, false);
	link_branch(c, EMIT(c, BR_IF, OP_BR_IF, .c = oc.slot, .target = 0), f);
	return true;
}

bool pd_br_table(compiler *c)
{
	uint32_t count;
	if (!read_u32(&c->r, &count, c->err))
		return false;
	if (count > (uint32_t)(c->r.end - c->r.p))
		return pd_fail_malformed(c, "unexpected end");
	sentry idx;
	if (!pd_pop_entry(c, WASM_I32, &idx))
		return false;
	operand oi = pd_take(c, &idx, c->sp, false);
	/* The stubs below run on different paths: put every value in its
	 * slot before the dispatch. */
	pd_materialize_all(c);
	uint32_t pos = EMIT(c, BR_TABLE, OP_BR_TABLE, .i = oi.slot, .n = count);
	for (uint32_t i = 0; i <= count; i++) {
		OPF_REL zero = 0;
		pd_put(c, &zero, sizeof zero);
	}
	/* Validate the labels; for each target either point at the label or
	 * at a stub after the table that moves the values first. */
	uint32_t arity = NONE;
	for (uint32_t i = 0; i <= count; i++) {
		uint32_t depth;
		ctrl *f;
		if (!label_at(c, &depth, &f))
			return false;
		uint32_t n;
		const uint8_t *types;
		label_types(f, &n, &types);
		if (arity == NONE)
			arity = n;
		else if (arity != n)
			return pd_fail(c, "type mismatch");
		if (!check_top(c, n, types))
			return false;
		if (pos == NONE || c->oom)
			continue;
		uint32_t site = branch_site(c, pos, i);
		if (needs_moves(c, f, n)) {
			rel_set(c, site, c->len - site);
			emit_moves(c, f, n);
			emit_br(c, f);
		} else {
			link_site(c, site, f);
		}
	}
	pd_set_unreachable(c);
	return true;
}

bool pd_return(compiler *c)
{
	uint32_t n = c->type->nresults;
	if (!check_top(c, n, functype_results(c->type)))
		return false;
	if (c->sp >= c->ctl[c->csp - 1].height + n) {
		if (n > 1)
			pd_materialize_top(c, n);
		emit_moves_to(c, NONE, n);
	}
	EMIT(c, NONE, OP_RET);
	pd_set_unreachable(c);
	return true;
}

/* ---- calls ------------------------------------------------------------ */

static bool call_common(compiler *c, const functype *ft, int op, uint32_t idx,
	bool indirect, uint32_t table)
{
	sentry ie;
	operand oi = { 0 };
	if (indirect) {
		if (!pd_pop_entry(c, WASM_I32, &ie))
			return false;
		oi = pd_take(c, &ie, c->sp, false);
	}
	if (!check_top(c, ft->nparams, functype_params(ft)))
		return false;
	pd_materialize_top(c, ft->nparams);
	for (uint32_t i = ft->nparams; i-- > 0;)
		if (!pd_pop(c, functype_params(ft)[i]))
			return false;
	uint32_t base = slot_of(c, c->sp);
	/* Room for the results and for host functions, which use
	 * max(params, results) slots. */
	for (uint32_t i = 0; i < ft->nresults; i++)
		if (!pd_push(c, functype_results(ft)[i]))
			return false;
	uint32_t pslots = valtypes_slots(functype_params(ft), ft->nparams);
	uint32_t rslots = valtypes_slots(functype_results(ft), ft->nresults);
	if (pslots > rslots && base + pslots > c->local_slots &&
	    base + pslots - c->local_slots > c->max_sp)
		c->max_sp = base + pslots - c->local_slots;
	if (indirect)
		EMIT(c, CALL_IND, op, .base = base, .i = oi.slot, .table = table,
			.type_id = ft->id);
	else
		EMIT(c, CALL, op, .base = base, .func = idx);
	return true;
}

bool pd_call(compiler *c)
{
	uint32_t idx;
	if (!read_u32(&c->r, &idx, c->err))
		return false;
	if (idx >= c->m->nfuncs)
		return pd_fail(c, "unknown function");
	const functype *ft = &c->m->types[c->m->funcs[idx].type];
	return call_common(c, ft, idx < c->m->nfunc_imports ? OP_CALL_IMPORT : OP_CALL,
		idx, false, 0);
}

bool pd_call_indirect(compiler *c)
{
	uint32_t tidx, table;
	if (!read_u32(&c->r, &tidx, c->err) || !read_u32(&c->r, &table, c->err))
		return false;
	if (table >= c->m->ntables)
		return pd_fail(c, "unknown table");
	if (tidx >= c->m->ntypes)
		return pd_fail(c, "unknown type");
	if (c->m->tables[table].elem != WASM_FUNCREF)
		return pd_fail(c, "type mismatch");
	return call_common(c, &c->m->types[tidx], OP_CALL_INDIRECT, 0, true, table);
}

