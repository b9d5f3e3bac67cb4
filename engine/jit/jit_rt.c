/* jit_rt.c -- the C side of tier 1: helpers that JIT code calls for what
 * it does not inline (traps, calls into the interpreter and the host, calls
 * to other instances, tables, bulk memory, memory.grow, saturating
 * conversions), and the native stack limit.
 *
 * A helper that runs arbitrary code (a host function, the interpreter)
 * saves and restores ex->jit_unwind and ex->cur_func around it: a trap
 * deep inside may have unwound (siglongjmp) past trampolines and
 * interpreter loops without restoring them.
 */
#include "jit/base/jit_baseline.h"
#include "interp/ops.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static inline wasm_store *store_of(exec *ex)
{
	return (wasm_store *)(void *)((char *)ex - offsetof(wasm_store, ex));
}

/* ---- native stack ------------------------------------------------------- */

/* Room left below the limit for C code a trap or helper still runs
 * (snprintf, a host function's own frames). */
#define JIT_STACK_MARGIN_BYTES (256u * 1024u)

static _Thread_local uintptr_t jit_tls_stack_limit;

uintptr_t jit_rt_stack_limit(void)
{
	if (jit_tls_stack_limit)
		return jit_tls_stack_limit;
	pthread_attr_t a;
	void *addr = NULL;
	size_t size = 0;
	uintptr_t here = (uintptr_t)&a, lo = 0;
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		if (pthread_attr_getstack(&a, &addr, &size) == 0)
			lo = (uintptr_t)addr;
		pthread_attr_destroy(&a);
	}
	/* Unknown, or a main thread with an unlimited stack rlimit: allow
	 * 8 MiB below here, the usual default. */
	if (!lo || lo >= here || here - lo > (1ull << 30))
		lo = here > (8u << 20) ? here - (8u << 20) : 0;
	/* A small thread stack keeps three quarters of what is left. */
	uintptr_t margin = JIT_STACK_MARGIN_BYTES;
	if (margin > (here - lo) / 4)
		margin = (here - lo) / 4;
	jit_tls_stack_limit = lo + margin;
	return jit_tls_stack_limit;
}

static bool stack_low(const exec *ex)
{
	uint8_t here;
	return (uintptr_t)&here < ex->jit_stack_limit;
}

static wasm_status stack_trap(exec *ex, wasm_func *f)
{
	return trap_record(ex, WASM_TRAP_STACK_OVERFLOW, f, SIZE_MAX, NULL);
}

/* ---- traps --------------------------------------------------------------- */

wasm_status jit_rt_trap(exec *ex, wasm_instance *inst, uint32_t func_index,
	uint32_t kind, uint32_t code_offset)
{
	/* kind NONE: a host function called at this site trapped; report it
	 * here with its kind, as the interpreter does. */
	wasm_trap_kind k = (wasm_trap_kind)kind;
	if (k == WASM_TRAP_NONE)
		k = ex->trap != WASM_TRAP_NONE ? ex->trap : WASM_TRAP_HOST;
	const struct fcode *fc = inst->module->funcs[func_index].code;
	return trap_record(ex, k, inst->funcs[func_index],
		fcode_wasm_offset(fc, fc->code + code_offset), NULL);
}

/* ---- calls --------------------------------------------------------------- */

wasm_status jit_rt_call_interp(exec *ex, wasm_instance *inst,
	uint32_t func_index, uint64_t *fp)
{
	wasm_func *f = inst->funcs[func_index];
	if (stack_low(ex))
		return stack_trap(ex, f);
	void *unwind = ex->jit_unwind;
	wasm_func *cur = ex->cur_func;
	wasm_status st = interp_call(store_of(ex), f, fp);
	ex->jit_unwind = unwind;
	ex->cur_func = cur;
	return st;
}

wasm_status jit_rt_call_func(exec *ex, wasm_instance *inst, wasm_func *f,
	uint64_t *slots)
{
	wasm_store *s = store_of(ex);
	if (stack_low(ex))
		return stack_trap(ex, f);
	void *unwind = ex->jit_unwind;
	wasm_func *cur = ex->cur_func;
	wasm_status st;
	if (f->host) {
		st = store_call_host(s, f, inst, slots);
		if (st == WASM_ERR_TRAP)
			st = (wasm_status)JIT_HOST_TRAP;
	} else if (jit_func_get(f->inst->module, f->index)) {
		st = jit_run(s, f, slots, NULL);
	} else {
		st = interp_call(s, f, slots);
	}
	ex->jit_unwind = unwind;
	ex->cur_func = cur;
	return st;
}

wasm_status jit_rt_call_import(exec *ex, wasm_instance *inst,
	uint32_t func_index, uint64_t *slots)
{
	return jit_rt_call_func(ex, inst, inst->funcs[func_index], slots);
}

/* ---- slow ops --------------------------------------------------------------- */

static inline uint32_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline float f32_of(uint64_t s) { float f; uint32_t u = (uint32_t)s; memcpy(&f, &u, 4); return f; }
static inline double f64_of(uint64_t s) { double d; memcpy(&d, &s, 8); return d; }

#define SAT(T, R, lo, hi, rmin, rmax, PUT) do { \
		T a = x; R r; \
		if (a != a) r = 0; \
		else if (!(a > (lo))) r = (rmin); \
		else if (!(a < (hi))) r = (rmax); \
		else r = (R)a; \
		return PUT(r); \
	} while (0)
#define P32(v) ((uint64_t)(uint32_t)(v))
#define P64(v) ((uint64_t)(v))

static uint64_t sat_f32(uint32_t op, float x)
{
	switch (op) {
	case OP_SAT_F32_S32: SAT(float, int32_t, -2147483904.0f, 2147483648.0f,
		INT32_MIN, INT32_MAX, P32);
	case OP_SAT_F32_U32: SAT(float, uint32_t, -1.0f, 4294967296.0f, 0,
		UINT32_MAX, P32);
	case OP_SAT_F32_S64: SAT(float, int64_t, -9223373136366403584.0f,
		9223372036854775808.0f, INT64_MIN, INT64_MAX, P64);
	default: SAT(float, uint64_t, -1.0f, 18446744073709551616.0f, 0,
		UINT64_MAX, P64);
	}
}

static uint64_t sat_f64(uint32_t op, double x)
{
	switch (op) {
	case OP_SAT_F64_S32: SAT(double, int32_t, -2147483649.0, 2147483648.0,
		INT32_MIN, INT32_MAX, P32);
	case OP_SAT_F64_U32: SAT(double, uint32_t, -1.0, 4294967296.0, 0,
		UINT32_MAX, P32);
	case OP_SAT_F64_S64: SAT(double, int64_t, -9223372036854777856.0,
		9223372036854775808.0, INT64_MIN, INT64_MAX, P64);
	default: SAT(double, uint64_t, -1.0, 18446744073709551616.0, 0,
		UINT64_MAX, P64);
	}
}
#undef SAT
#undef P32
#undef P64

uint32_t jit_rt_slow_op(wasm_instance *inst, uint64_t *fp,
	const uint8_t *ip, uint32_t op)
{
#define SL(o) fp[ld16(ip + (o))]
#define U32(o) ((uint32_t)SL(o))
	switch (op) {
	case OP_TABLE_GET: {
		wasm_table *t = inst->tables[ld32(ip + 8)];
		uint32_t i = U32(6);
		if (i >= t->size)
			return WASM_TRAP_OUT_OF_BOUNDS_TABLE;
		SL(4) = (uint64_t)(uintptr_t)t->elems[i];
		return 0;
	}
	case OP_TABLE_SET: {
		wasm_table *t = inst->tables[ld32(ip + 8)];
		uint32_t i = U32(4);
		if (i >= t->size)
			return WASM_TRAP_OUT_OF_BOUNDS_TABLE;
		t->elems[i] = (void *)(uintptr_t)SL(6);
		return 0;
	}
	case OP_TABLE_SIZE:
		SL(4) = inst->tables[ld32(ip + 6)]->size;
		return 0;
	case OP_TABLE_GROW: {
		wasm_table *t = inst->tables[ld32(ip + 10)];
		void *init = (void *)(uintptr_t)SL(6);
		uint32_t n = U32(8);
		SL(4) = (uint32_t)table_grow(t, n, init);
		return 0;
	}
	case OP_TABLE_FILL:
		return bulk_table_fill(inst->tables[ld32(ip + 10)], U32(4),
			(void *)(uintptr_t)SL(6), U32(8));
	case OP_TABLE_COPY:
		return bulk_table_copy(inst->tables[ld32(ip + 10)],
			inst->tables[ld32(ip + 14)], U32(4), U32(6), U32(8));
	case OP_TABLE_INIT:
		return bulk_table_init(inst, ld32(ip + 10), ld32(ip + 14),
			U32(4), U32(6), U32(8));
	case OP_MEMORY_GROW:
		SL(4) = (uint32_t)memory_grow(inst->memory, U32(6));
		return 0;
	case OP_MEMORY_FILL:
		return bulk_memory_fill(inst->memory, U32(4), (uint8_t)SL(6), U32(8));
	case OP_MEMORY_COPY:
		return bulk_memory_copy(inst->memory, U32(4), U32(6), U32(8));
	case OP_MEMORY_INIT:
		return bulk_memory_init(inst, ld32(ip + 10), U32(4), U32(6), U32(8));
	case OP_SAT_F32_S32: case OP_SAT_F32_U32:
	case OP_SAT_F32_S64: case OP_SAT_F32_U64:
		SL(4) = sat_f32(op, f32_of(SL(6)));
		return 0;
	case OP_SAT_F64_S32: case OP_SAT_F64_U32:
	case OP_SAT_F64_S64: case OP_SAT_F64_U64:
		SL(4) = sat_f64(op, f64_of(SL(6)));
		return 0;
	default:
		return WASM_TRAP_HOST;
	}
#undef SL
#undef U32
}
