/* interp.c -- tier 0: the threaded-code interpreter.
 *
 * One function, one dispatch loop with computed goto: each instruction
 * begins with the offset of its handler from a base label, and every handler
 * ends with its own indirect jump to the next one (direct threading).  The
 * state that matters lives in locals the compiler keeps in registers: ip
 * (the next instruction), fp (the frame's slot 0), mem (linear memory
 * base).  wasm-to-wasm calls do not recurse in C: they push a frame_rec on
 * the store's frame stack and continue in the same loop.
 *
 * Memory accesses are not bounds-checked: the address is a 32-bit index
 * plus a 32-bit offset, which cannot leave the 8 GiB reservation, and a
 * fault there becomes a trap in trap.c.
 */
#include "interp/fcode.h"
#include "interp/ops.h"
#include "runtime/tier_ops.h"
#include "runtime/runtime.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline uint32_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static inline float f32_of(uint64_t s) { float f; uint32_t u = (uint32_t)s; memcpy(&f, &u, 4); return f; }
static inline double f64_of(uint64_t s) { double d; memcpy(&d, &s, 8); return d; }
static inline uint64_t of_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t of_f64(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

/* min/max per the spec: NaN in, NaN out; -0 < +0. */
static inline float fmin32(float a, float b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return signbit(a) ? a : b;
	return a < b ? a : b;
}
static inline float fmax32(float a, float b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return signbit(a) ? b : a;
	return a > b ? a : b;
}
static inline double fmin64(double a, double b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return signbit(a) ? a : b;
	return a < b ? a : b;
}
static inline double fmax64(double a, double b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return signbit(a) ? b : a;
	return a > b ? a : b;
}

/* The head of op for the interpreter: its handler's offset from dbase
 * above the op. */
static op_head thread_head(enum interp_op op, const void *const *handlers,
	const char *dbase)
{
	int32_t h = (int32_t)((const char *)handlers[op] - dbase);
	return (op_head)((uint32_t)h << OP_HEAD_OP_BITS) | (op_head)op;
}

/* Function idx's code as the interpreter runs it: pre-decoded (on first
 * use) and threaded, i.e. each head holds its handler (done once, in
 * place; the op bits stay).  NULL if it cannot be pre-decoded (only
 * memory can run out: bodies were validated at load). */
static uint8_t *interp_code(wasm_module *m, uint32_t idx,
	const void *const *handlers, const char *dbase)
{
	struct fcode *fc = fcode_get(m, idx);
	if (!fc)
		return NULL;
	if (!m->funcs[idx].icode) {
		for (uint32_t off = 0; off < fc->code_len; off += insn_len(fc->code + off)) {
			op_head h = thread_head(insn_op(fc->code + off), handlers, dbase);
			/* the handler's offset must survive the shift */
			if ((int32_t)h >> OP_HEAD_OP_BITS !=
			    (int32_t)((const char *)handlers[insn_op(fc->code + off)] - dbase))
				return NULL;
			memcpy(fc->code + off, &h, sizeof h);
		}
		m->funcs[idx].icode = fc->code;
	}
	return m->funcs[idx].icode;
}

static wasm_status run(wasm_store *s, wasm_func *f, uint64_t *sp)
{
	/* The handler of each op, for threading code (interp_code). */
#define X(op, lay, fam, T, tr) [OP_##op] = &&L_##op,
	static const void *const handlers[OP_COUNT_] = { INTERP_OPS(X) };
#undef X
	const char *const dbase = (const char *)&&L_UNREACHABLE;
	uint8_t exit_code[sizeof(op_head)];

	exec *ex = &s->ex;
	frame_rec *const entry_frame = ex->frame_top;
	wasm_trap_kind trap_kind = WASM_TRAP_NONE;
	wasm_status status = WASM_OK;

	wasm_func *self = f;
	wasm_instance *inst = f->inst;
	wasm_module *mod = inst->module;
	func_t *mfuncs = mod->funcs;     /* fast path; fcode_get on a miss */
	wasm_func **ifuncs = inst->funcs;
	wasm_global **globals = inst->globals;
	uint8_t *mem = inst->memory ? inst->memory->base : NULL;
	const volatile uint64_t *epoch = ex->epoch;
	const uint64_t deadline = ex->deadline;
	uint64_t *const stack_end = ex->stack_end;
	/* ENTER and LOOP counters at this value ask tier.c for JIT code. */
	const uint32_t tier_at = tier_threshold(s->engine);
	wasm_status tier_st;

	uint64_t *fp = sp;
	uint8_t *ip;

	/* Sentinel frame: returning from f lands on EXIT. */
	if (unlikely(ex->frame_top >= ex->frames_end)) {
		trap_kind = WASM_TRAP_STACK_OVERFLOW;
		ip = NULL;
		goto trap;
	}
	st32(exit_code, thread_head(OP_EXIT, handlers, dbase));
	*ex->frame_top++ = (frame_rec){ .ret_ip = exit_code, .fp = sp, .func = f };
	ex->cur_func = f;
	ip = mfuncs[f->index].icode;
	if (unlikely(!ip) && !(ip = interp_code(mod, f->index, handlers, dbase))) {
		trap_kind = WASM_TRAP_HOST;
		goto trap;
	}

#define NEXT() goto *(const void *)(dbase + ((int64_t)(int32_t)ld32(ip) >> OP_HEAD_OP_BITS))
#define F16(o) ld16(ip + (o))
#define SL(o) fp[F16(o)]
#define U32(o) ((uint32_t)SL(o))
#define S32(o) ((int32_t)(uint32_t)SL(o))
#define U64(o) (SL(o))
#define S64(o) ((int64_t)SL(o))
#define FL(o) f32_of(SL(o))
#define DB(o) f64_of(SL(o))
#define TRAP(k) do { trap_kind = (k); goto trap; } while (0)
#define REL(o) (ip + (o) + (int32_t)ld32(ip + (o)))

	/* Switch the cached per-instance state to that of function g. */
#define LOAD_INST(g) do { \
		inst = (g)->inst; mod = inst->module; mfuncs = mod->funcs; \
		ifuncs = inst->funcs; globals = inst->globals; \
		mem = inst->memory ? inst->memory->base : NULL; \
	} while (0)

	NEXT();

L_UNREACHABLE:
	TRAP(WASM_TRAP_UNREACHABLE);

L_EXIT:
	ex->frame_top = entry_frame;
	return WASM_OK;

	/* A counter reached the threshold: run the rest of the function as
	 * JIT code if it has some (then return from it here). */
#define TIER_UP(call) do { \
		uint32_t cnt_ = ld32(ip + 4) + 1; \
		st32(ip + 4, cnt_); \
		if (unlikely(cnt_ >= tier_at) && (call)) { \
			if (unlikely(tier_st != WASM_OK)) { \
				ex->frame_top = entry_frame; \
				return tier_st; \
			} \
			goto L_RET; \
		} \
	} while (0)

L_ENTER: {
	TIER_UP(tier_enter(s, self, fp, &tier_st));
	if (unlikely(fp + ld32(ip + 16) > stack_end))
		TRAP(WASM_TRAP_STACK_OVERFLOW);
	if (unlikely(*epoch >= deadline))
		TRAP(WASM_TRAP_TIMEOUT);
	uint32_t n = ld32(ip + 12);
	uint64_t *z = fp + ld32(ip + 8);
	for (uint32_t i = 0; i < n; i++)
		z[i] = 0;
	ip += 20;
	NEXT();
}
L_ENTER_FUEL: {
	TIER_UP(tier_enter(s, self, fp, &tier_st));
	if (unlikely(fp + ld32(ip + 16) > stack_end))
		TRAP(WASM_TRAP_STACK_OVERFLOW);
	if (unlikely(*epoch >= deadline))
		TRAP(WASM_TRAP_TIMEOUT);
	if (unlikely(ex->fuel == 0))
		TRAP(WASM_TRAP_OUT_OF_FUEL);
	ex->fuel--;
	uint32_t n = ld32(ip + 12);
	uint64_t *z = fp + ld32(ip + 8);
	for (uint32_t i = 0; i < n; i++)
		z[i] = 0;
	ip += 20;
	NEXT();
}
L_LOOP:
	TIER_UP(tier_osr(s, self, fp, ip, &tier_st));
	if (unlikely(*epoch >= deadline))
		TRAP(WASM_TRAP_TIMEOUT);
	ip += 8;
	NEXT();
L_LOOP_FUEL:
	TIER_UP(tier_osr(s, self, fp, ip, &tier_st));
	if (unlikely(*epoch >= deadline))
		TRAP(WASM_TRAP_TIMEOUT);
	if (unlikely(ex->fuel == 0))
		TRAP(WASM_TRAP_OUT_OF_FUEL);
	ex->fuel--;
	ip += 8;
	NEXT();

L_BR:
	ip = REL(4);
	NEXT();
L_BR_IF:
	ip = SL(4) ? REL(6) : ip + 10;
	NEXT();
L_BR_UNLESS:
	ip = SL(4) ? ip + 10 : REL(6);
	NEXT();
L_BR_TABLE: {
	uint32_t i = U32(4), n = ld32(ip + 6);
	if (i > n)
		i = n;
	ip = REL(10 + 4 * i);
	NEXT();
}

L_RET: {
	frame_rec *fr = --ex->frame_top;
	ip = (uint8_t *)fr->ret_ip;
	fp = fr->fp;
	self = fr->func;
	if (unlikely(self->inst != inst))
		LOAD_INST(self);
	ex->cur_func = self;
	NEXT();
}

L_CALL: {
	uint32_t idx = ld32(ip + 6);
	uint8_t *code = mfuncs[idx].icode;
	if (unlikely(!code) && !(code = interp_code(mod, idx, handlers, dbase)))
		TRAP(WASM_TRAP_HOST);
	if (unlikely(ex->frame_top >= ex->frames_end))
		TRAP(WASM_TRAP_STACK_OVERFLOW);
	frame_rec *fr = ex->frame_top++;
	fr->ret_ip = ip + 10;
	fr->fp = fp;
	fr->func = self;
	self = ifuncs[idx];
	ex->cur_func = self;
	fp += F16(4);
	ip = code;
	NEXT();
}

	{
		wasm_func *callee;
		uint64_t *nfp;
		uint8_t *next_ip;
L_CALL_IMPORT:
		callee = ifuncs[ld32(ip + 6)];
		nfp = fp + F16(4);
		next_ip = ip + 10;
		goto call_any;
L_CALL_INDIRECT: {
		wasm_table *t = inst->tables[ld32(ip + 8)];
		uint32_t i = U32(6);
		if (unlikely(i >= t->size))
			TRAP(WASM_TRAP_OUT_OF_BOUNDS_TABLE);
		callee = t->elems[i];
		if (unlikely(!callee))
			TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
		if (unlikely(callee->type_id != ld32(ip + 12)))
			TRAP(WASM_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
		nfp = fp + F16(4);
		next_ip = ip + 16;
	}
call_any:
		if (callee->host) {
			status = store_call_host(s, callee, inst, nfp);
			if (unlikely(status != WASM_OK)) {
				if (status == WASM_ERR_TRAP)
					TRAP(ex->trap != WASM_TRAP_NONE ? ex->trap : WASM_TRAP_HOST);
				ex->frame_top = entry_frame;
				return status;
			}
			ip = next_ip;
			NEXT();
		}
		if (unlikely(ex->frame_top >= ex->frames_end))
			TRAP(WASM_TRAP_STACK_OVERFLOW);
		frame_rec *fr = ex->frame_top++;
		fr->ret_ip = next_ip;
		fr->fp = fp;
		fr->func = self;
		self = callee;
		ex->cur_func = self;
		if (callee->inst != inst)
			LOAD_INST(callee);
		uint8_t *code = mfuncs[callee->index].icode;
		if (unlikely(!code) &&
		    !(code = interp_code(mod, callee->index, handlers, dbase)))
			TRAP(WASM_TRAP_HOST);
		fp = nfp;
		ip = code;
		NEXT();
	}

L_COPY:
	SL(4) = SL(6);
	ip += 8;
	NEXT();
L_CONST32:
	SL(4) = ld32(ip + 6);
	ip += 10;
	NEXT();
L_CONST64:
	SL(4) = ld64(ip + 6);
	ip += 14;
	NEXT();
L_SELECT: {
	uint64_t v = U32(6) ? SL(8) : SL(10);
	SL(4) = v;
	ip += 12;
	NEXT();
}
L_GLOBAL_GET:
	SL(4) = globals[ld32(ip + 6)]->val;
	ip += 10;
	NEXT();
L_GLOBAL_SET:
	globals[ld32(ip + 6)]->val = SL(4);
	ip += 10;
	NEXT();
L_REF_IS_NULL:
	SL(4) = SL(6) == 0;
	ip += 8;
	NEXT();
L_REF_FUNC:
	SL(4) = (uint64_t)(uintptr_t)ifuncs[ld32(ip + 6)];
	ip += 10;
	NEXT();

#include "interp/interp_tables.h"
#include "interp/interp_memory.h"
#include "interp/interp_numeric.h"

trap:
	ex->frame_top = entry_frame;
	return trap_record(ex, trap_kind, self, ip && self && self->inst ?
		fcode_wasm_offset(self->inst->module->funcs[self->index].code, ip) : SIZE_MAX,
		NULL);
}

wasm_status interp_call(wasm_store *s, wasm_func *f, uint64_t *sp)
{
	s->ex.trap = WASM_TRAP_NONE;
	s->ex.trap_msg[0] = 0;
	return run(s, f, sp);
}
