/* interp.c -- tier 0: the threaded-code interpreter.
 *
 * One function, one dispatch loop with computed goto: once a function's
 * code is threaded (interp_code), the head of each instruction holds the
 * offset of its handler from a base label, and every handler ends with its
 * own indirect jump to the next one (direct threading).  Handlers read
 * their fields by name through the layout's struct (ops.h).  The
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
#include "interp/ops_slow.h"
#include "interp/ops_simd.h"
#include "runtime/tier_ops.h"
#include "runtime/runtime.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline float f32_of(uint64_t s) { float f; uint32_t u = (uint32_t)s; memcpy(&f, &u, 4); return f; }
static inline double f64_of(uint64_t s) { double d; memcpy(&d, &s, 8); return d; }


/* Function idx's code as the interpreter runs it: pre-decoded (on first
 * use) and threaded, i.e. each head holds its handler's offset from dbase
 * (done once, in place; the op stays).  NULL if it cannot be pre-decoded
 * (only memory can run out: bodies were validated at load) or a handler
 * does not fit the head. */
static uint8_t *interp_code(wasm_module *m, uint32_t idx,
	const void *const *handlers, const char *dbase)
{
	struct fcode *fc = fcode_get(m, idx);
	if (!fc)
		return NULL;
	if (!m->funcs[idx].icode) {
		for (uint32_t off = 0; off < fc->code_len; off += insn_len(fc->code + off)) {
			uint8_t *p = fc->code + off;
			if (!insn_set_handler(p, (int32_t)((const char *)handlers[insn_op(p)] - dbase)))
				return NULL;
		}
		m->funcs[idx].icode = fc->code;
	}
	return m->funcs[idx].icode;
}

static wasm_status run(wasm_store *s, wasm_func *f, uint64_t *sp)
{
	/* The handler of each op, for threading code (interp_code). */
#define X(op, lay, fam, T, tr) [OP_##op] = &&L_##op,
#define INTERP_OPS_X X
	static const void *const handlers[OP_COUNT_] = { INTERP_OPS(X) };
#undef INTERP_OPS_X
#undef X
	const char *const dbase = (const char *)&&L_UNREACHABLE;
	struct op_NONE exit_insn = { .op = OP_HEAD(OP_EXIT) };

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
	v128_t simd_a, simd_b, simd_c, simd_r;   /* interp_simd.h's operands */

	ip = mfuncs[f->index].icode;
	if (unlikely(!ip) && !(ip = interp_code(mod, f->index, handlers, dbase))) {
		trap_kind = WASM_TRAP_HOST;
		goto trap;
	}
	/* Sentinel frame: returning from f lands on EXIT.  No room: stack
	 * overflow at f's entry (ip), as for any call. */
	if (unlikely(ex->frame_top >= ex->frames_end)) {
		trap_kind = WASM_TRAP_STACK_OVERFLOW;
		goto trap;
	}
	if (!insn_set_handler((uint8_t *)&exit_insn,
			(int32_t)((const char *)handlers[OP_EXIT] - dbase))) {
		trap_kind = WASM_TRAP_HOST;
		ip = NULL;
		goto trap;
	}
	*ex->frame_top++ = (frame_rec){ .ret_ip = (uint8_t *)&exit_insn, .fp = sp, .func = f };
	ex->cur_func = f;

	/* The instruction at ip is read through its layout's struct: IN(lay)
	 * is it, SL(lay, f) the slot its field f names, AFTER(lay) the next
	 * instruction. */
#define NEXT() goto *(const void *)(dbase + insn_handler(ip))
#define IN(lay) OP_AT(ip, lay)
#define AFTER(lay) (ip + sizeof(struct op_##lay))
#define SKIP(lay) (ip = AFTER(lay))
#define SL(lay, f) fp[IN(lay)->f]
#define U32(lay, f) ((uint32_t)SL(lay, f))
#define S32(lay, f) ((int32_t)(uint32_t)SL(lay, f))
#define U64(lay, f) (SL(lay, f))
#define S64(lay, f) ((int64_t)SL(lay, f))
#define FL(lay, f) f32_of(SL(lay, f))
#define DB(lay, f) f64_of(SL(lay, f))
#define TRAP(k) do { trap_kind = (k); goto trap; } while (0)
	/* A branch target: relative to its own field. */
#define REL(lay, f) (ip + offsetof(struct op_##lay, f) + IN(lay)->f)

	/* Switch the cached per-instance state to that of function g. */
#define LOAD_INST(g) do { \
		inst = (g)->inst; mod = inst->module; mfuncs = mod->funcs; \
		ifuncs = inst->funcs; globals = inst->globals; \
		mem = inst->memory ? inst->memory->base : NULL; \
	} while (0)

	NEXT();

#include "interp/interp_control.h"

L_COPY:
	SL(D_A, d) = SL(D_A, a);
	SKIP(D_A);
	NEXT();
L_CONST32:
	SL(D_IMM, d) = IN(D_IMM)->imm;
	SKIP(D_IMM);
	NEXT();
L_CONST64:
	SL(D_IMM64, d) = IN(D_IMM64)->imm;
	SKIP(D_IMM64);
	NEXT();
L_SELECT: {
	uint64_t v = U32(SELECT, c) ? SL(SELECT, a) : SL(SELECT, b);
	SL(SELECT, d) = v;
	SKIP(SELECT);
	NEXT();
}
L_GLOBAL_GET:
	SL(D_IDX, d) = globals[IN(D_IDX)->idx]->val;
	SKIP(D_IDX);
	NEXT();
L_GLOBAL_SET:
	globals[IN(A_IDX)->idx]->val = SL(A_IDX, a);
	SKIP(A_IDX);
	NEXT();
L_REF_IS_NULL:
	SL(D_A, d) = SL(D_A, a) == 0;
	SKIP(D_A);
	NEXT();
L_REF_FUNC:
	SL(D_IDX, d) = (uint64_t)(uintptr_t)ifuncs[IN(D_IDX)->idx];
	SKIP(D_IDX);
	NEXT();

#include "interp/interp_tables.h"
#include "interp/interp_memory.h"
#include "interp/interp_numeric.h"
#include "interp/interp_simd.h"

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
