/* predecode.c -- the pre-decoder's driver (func_validate, func_compile, the
 * fcode accessors), its code buffer, operand stack and lazy operands, and its
 * errors.  predecode.h describes the pass and the code it emits.
 */
#include "interp/fcode.h"
#include "interp/ops.h"
#include "interp/predecode.h"
#include "common/pairs.h"
#include "runtime/runtime.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ----------------------------------------------------------- */

bool pd_fail(compiler *c, const char *msg)
{
	err_set(c->err, WASM_ERR_INVALID, c->instr_offset, "%s", msg);
	return false;
}

bool pd_fail_malformed(compiler *c, const char *msg)
{
	err_set(c->err, WASM_ERR_MALFORMED, c->instr_offset, "%s", msg);
	return false;
}

/* ---- code buffer ------------------------------------------------------ */

void pd_put(compiler *c, const void *p, uint32_t n)
{
	if (dead(c))
		return;
	if (c->len + n > c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 256;
		while (cap < c->len + n)
			cap *= 2;
		uint8_t *nc = realloc(c->code, cap);
		if (!nc) {
			c->oom = true;
			return;
		}
		c->code = nc;
		c->cap = cap;
	}
	memcpy(c->code + c->len, p, n);
	c->len += n;
}

/* Remember the wasm offset of a trapping instruction starting here. */
static void map_here(compiler *c)
{
	if (dead(c))
		return;
	if (c->nmap == c->map_cap) {
		uint32_t cap = c->map_cap ? c->map_cap * 2 : 64;
		void *nm = realloc(c->map, cap * sizeof *c->map);
		if (!nm) {
			c->oom = true;
			return;
		}
		c->map = nm;
		c->map_cap = cap;
	}
	c->map[c->nmap][0] = c->len;
	c->map[c->nmap][1] = (uint32_t)c->instr_offset;
	c->nmap++;
}

/* Append the instruction insn (len bytes) of op, whose layout must be lay;
 * an op that can trap (op_infos) gets its map entry first.  Returns its
 * position, or NONE if nothing was emitted (dead code, out of memory). */
uint32_t pd_emit_insn(compiler *c, enum interp_op op, enum op_layout lay,
	const void *insn, uint32_t len)
{
	assert(op_infos[op].layout == lay);
	(void)lay;
	if (dead(c))
		return NONE;
	if (op_infos[op].traps != OPTR_NONE)
		map_here(c);
	uint32_t pos = c->len;
	pd_put(c, insn, len);
	return c->oom ? NONE : pos;
}

/* Redirect the destination of the instruction at pos (its first field, a
 * D slot: see retargetable()) to slot s. */
void pd_retarget(compiler *c, uint32_t pos, uint32_t s)
{
	uint8_t *p = c->code + pos;
	uint32_t off = op_layout_of(insn_op(p))->dst_off;
	assert(off != 0);
	OPF_D d = (OPF_D)s;
	memcpy(p + off, &d, sizeof d);
}

/* ---- operand stack and lazy operands ---------------------------------- */

bool pd_push(compiler *c, uint8_t type)
{
	if (c->sp == c->stack_cap) {
		uint32_t cap = c->stack_cap ? c->stack_cap * 2 : 64;
		sentry *ns = realloc(c->stack, cap * sizeof *ns);
		if (!ns) {
			c->oom = true;
			return pd_fail(c, "out of memory");
		}
		memset(ns + c->stack_cap, 0, (cap - c->stack_cap) * sizeof *ns);
		c->stack = ns;
		c->stack_cap = cap;
	}
	uint32_t slot = slot_of(c, c->sp);
	c->stack[c->sp] = (sentry){ .type = type, .kind = K_OTHER, .pos = NONE,
		.end = NONE, .slot = slot };
	c->sp++;
	c->has_v128 |= type == WASM_V128;
	/* (in dead code a slot may be any, below the operands too: slot_of;
	 * it counts only past the locals, and never wraps round) */
	uint32_t end = slot + valtype_slots(type);
	if (end > c->local_slots && end - c->local_slots > c->max_sp) {
		c->max_sp = end - c->local_slots;
		if (c->local_slots + c->max_sp + 8 > LIMIT_FUNC_SLOTS) {
			err_set(c->err, WASM_ERR_LIMIT, c->instr_offset,
				"function needs more than %u value slots", LIMIT_FUNC_SLOTS);
			return false;
		}
	}
	return true;
}

/* Pop a value of type `want` (T_UNKNOWN = any).  *got receives the entry
 * (type T_UNKNOWN when popped from an unreachable stack's bottom). */
bool pd_pop_entry(compiler *c, uint8_t want, sentry *got)
{
	ctrl *f = &c->ctl[c->csp - 1];
	if (c->sp == f->height) {
		if (f->unreachable) {
			*got = (sentry){ .type = T_UNKNOWN, .kind = K_OTHER, .pos = NONE, .end = NONE };
			return true;
		}
		return pd_fail(c, "type mismatch");
	}
	*got = c->stack[--c->sp];
	if (want != T_UNKNOWN && got->type != T_UNKNOWN && got->type != want)
		return pd_fail(c, "type mismatch");
	return true;
}

bool pd_pop(compiler *c, uint8_t want)
{
	sentry e;
	return pd_pop_entry(c, want, &e);
}

void pd_emit_const(compiler *c, uint32_t slot, uint64_t bits)
{
	if (bits >> 32)
		EMIT(c, D_IMM64, OP_CONST64, .d = slot, .imm = bits);
	else
		EMIT(c, D_IMM, OP_CONST32, .d = slot, .imm = (uint32_t)bits);
}

void pd_emit_copy(compiler *c, uint8_t type, uint32_t d, uint32_t a)
{
	if (d == a)
		return;
	if (type == WASM_V128)
		EMIT(c, D_A, OP_V128_COPY, .d = d, .a = a);
	else
		EMIT(c, D_A, OP_COPY, .d = d, .a = a);
}

/* Write the lazy entry at depth d into its slot. */
static void materialize(compiler *c, uint32_t d)
{
	sentry *e = &c->stack[d];
	if (e->kind != K_LOCAL && e->kind != K_CONST)
		return;
	uint32_t pos = c->len;
	if (e->kind == K_LOCAL) {
		pd_emit_copy(c, e->type, slot_of(c, d), e->local);
		e->op = e->type == WASM_V128 ? OP_V128_COPY : OP_COPY;
	} else {
		pd_emit_const(c, slot_of(c, d), e->imm);
		e->op = OP_CONST32;
	}
	e->kind = dead(c) ? K_OTHER : K_RESULT;
	e->pos = pos;
	e->end = c->len;
}

void pd_materialize_all(compiler *c)
{
	for (uint32_t d = 0; d < c->sp; d++)
		materialize(c, d);
}

void pd_materialize_top(compiler *c, uint32_t n)
{
	for (uint32_t d = c->sp > n ? c->sp - n : 0; d < c->sp; d++)
		materialize(c, d);
}

/* Before local l is written: entries still reading it get their copy. */
void pd_materialize_local(compiler *c, uint32_t l)
{
	for (uint32_t d = 0; d < c->sp; d++)
		if (c->stack[d].kind == K_LOCAL && c->stack[d].local == l)
			materialize(c, d);
}

/* Operand for popped entry e (it was at depth d): a lazy local is read in
 * place, a lazy constant becomes an immediate if allowed, else is written
 * to slot d. */
operand pd_take(compiler *c, const sentry *e, uint32_t d, bool allow_const)
{
	operand o = { .slot = slot_of(c, d) };
	if (e->kind == K_LOCAL) {
		o.slot = e->local;
	} else if (e->kind == K_CONST) {
		if (allow_const) {
			o.is_const = true;
			o.imm = e->imm;
		} else {
			pd_emit_const(c, o.slot, e->imm);
		}
	}
	return o;
}

/* Record that the value just pushed at the top was produced by the
 * instruction starting at pos (and ending at the current length). */
void pd_produced(compiler *c, uint32_t pos, uint8_t kind, uint16_t op)
{
	if (dead(c))
		return;
	sentry *e = &c->stack[c->sp - 1];
	e->kind = kind;
	e->op = op;
	e->pos = pos;
	e->end = c->len;
}

/* ---- driver ----------------------------------------------------------- */

static void compiler_free(compiler *c)
{
	free(c->stack);
	free(c->ctl);
	free(c->code);
	free(c->map);
	free(c->local_types);
	free(c->local_slot);
}

static wasm_status run(const wasm_module *m, uint32_t fi, bool emit,
	struct fcode **out, wasm_error *err)
{
	compiler c = { .m = m, .fn = &m->funcs[fi], .err = err, .emit = emit };
	wasm_status st = WASM_OK;
	c.type = &m->types[c.fn->type];
	c.r = (reader){ .base = m->bytes, .p = m->bytes + c.fn->body_offset,
		.end = m->bytes + c.fn->body_end };
	c.instr_offset = c.fn->body_offset;
	uint32_t np = c.type->nparams;
	c.nlocals = np + c.fn->nlocals;
	if (c.nlocals > LIMIT_FUNC_LOCALS) {
		st = err_set(err, WASM_ERR_LIMIT, c.fn->body_offset, "too many locals");
		goto out;
	}
	c.local_types = malloc(c.nlocals + 1);
	if (!c.local_types) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto out;
	}
	memcpy(c.local_types, functype_params(c.type), np);
	memcpy(c.local_types + np, c.fn->local_types, c.fn->nlocals);
	c.local_slot = malloc((c.nlocals + 1) * sizeof *c.local_slot);
	if (!c.local_slot) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto out;
	}
	uint32_t param_slots = 0;
	for (uint32_t i = 0; i < c.nlocals; i++) {
		if (i == np)
			param_slots = c.local_slots;
		c.local_slot[i] = c.local_slots;
		c.local_slots += valtype_slots(c.local_types[i]);
		c.has_v128 |= c.local_types[i] == WASM_V128;
	}
	if (np == c.nlocals)
		param_slots = c.local_slots;
	if (c.local_slots > LIMIT_FUNC_LOCALS) {
		st = err_set(err, WASM_ERR_LIMIT, c.fn->body_offset, "too many locals");
		goto out;
	}
	if (!pd_push_ctrl(&c, C_FUNC, 0, NULL, c.type->nresults, functype_results(c.type))) {
		st = err ? err->status : WASM_ERR_NOMEM;
		goto out;
	}
	/* Prologue: entry counter, locals to zero, frame size (patched). */
	bool fuel = engine_config(m->engine)->fuel;
	uint32_t enter = EMIT(&c, ENTER, fuel ? OP_ENTER_FUEL : OP_ENTER,
		.count = 0, .first = param_slots,
		.nzero = c.local_slots - param_slots, .frame = 0);
	if (!pd_body(&c)) {
		st = err && err->status != WASM_OK ? err->status : WASM_ERR_INVALID;
		goto out;
	}
	if (c.oom) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto out;
	}
	if (!emit)
		goto out;
	struct fcode *fc = calloc(1, sizeof *fc);
	if (!fc) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto out;
	}
	OP_AT(c.code + enter, ENTER)->frame = c.local_slots + c.max_sp + 1;
	/* A frame holding a v128 is entered by the SIMD family's ENTER, which
	 * the JIT tiers refuse: the function stays in the interpreter. */
	if (c.has_v128) {
		enum interp_op op = fuel ? OP_ENTER_V128_FUEL : OP_ENTER_V128;
		OP_AT(c.code + enter, ENTER)->op = OP_HEAD(op);
	}
	fc->code = realloc(c.code, c.len ? c.len : 1);
	if (!fc->code)
		fc->code = c.code;
	c.code = NULL;
	fc->code_len = c.len;
	fc->nlocals = c.local_slots;
	fc->map = c.map;
	fc->nmap = c.nmap;
	c.map = NULL;
	*out = fc;
out:
	compiler_free(&c);
	return st;
}

wasm_status func_validate(const wasm_module *m, uint32_t func_index, wasm_error *err)
{
	return run(m, func_index, false, NULL, err);
}

/* Published once: the interpreter's thread and tier 2's compile thread
 * (its inliner pre-decodes the callees it looks at) may both pre-decode
 * one function; the first to publish wins and the other frees its copy,
 * which it has not handed out (fcode_get reads the published one). */
wasm_status func_compile(wasm_module *m, uint32_t func_index, wasm_error *err)
{
	struct fcode *fc = NULL, *none = NULL;
	wasm_status st = run(m, func_index, true, &fc, err);
	if (st == WASM_OK &&
	    !__atomic_compare_exchange_n(&m->funcs[func_index].code, &none, fc,
		false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		fcode_free(fc);
	return st;
}

void fcode_free(struct fcode *c)
{
	if (!c)
		return;
	free(c->code);
	free(c->map);
	free(c);
}

size_t fcode_wasm_offset(const struct fcode *c, const void *ip)
{
	const uint8_t *p = ip;
	if (!c || p < c->code || p >= c->code + c->code_len || c->nmap == 0)
		return SIZE_MAX;
	uint32_t i = pairs_at_or_before(c->map, c->nmap, (uint32_t)(p - c->code));
	return i == UINT32_MAX ? SIZE_MAX : c->map[i][1];
}

void fcode_range(const struct fcode *c, const void **lo, const void **hi)
{
	*lo = c ? c->code : NULL;
	*hi = c ? c->code + c->code_len : NULL;
}

uint32_t fcode_code_bytes(const struct fcode *c)
{
	return c ? c->code_len : 0;
}
