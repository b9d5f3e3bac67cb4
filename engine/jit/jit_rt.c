/* jit_rt.c -- the C side of tier 1: helpers that JIT code calls for what
 * it does not inline (traps, calls into the interpreter and the host, calls
 * to other instances, tables, bulk memory, memory.grow), and the native
 * stack limit.
 *
 * A helper that runs arbitrary code (a host function, the interpreter)
 * saves and restores ex->jit_unwind and ex->cur_func around it: a trap
 * deep inside may have unwound (siglongjmp) past trampolines and
 * interpreter loops without restoring them.
 */
#include "jit/base/jit_baseline.h"
#include "interp/ops.h"
#include "interp/ops_slow.h"

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

/* ---- slow ops ---------------------------------------------------------------
 * The instruction at ip is op (the caller knows it); read its fields by
 * name and run the one implementation the interpreter runs too
 * (interp/ops_slow.h).  Returns WASM_TRAP_NONE or the trap to raise. */

uint32_t jit_rt_slow_op(wasm_instance *inst, uint64_t *fp,
	const uint8_t *ip, uint32_t op)
{
	/* The slot that field f of the instruction (layout lay) names. */
#define SL(lay, f) fp[OP_AT(ip, lay)->f]
	switch (op) {
	case OP_TABLE_GET: {
		const struct op_TABLE_GET *in = OP_AT(ip, TABLE_GET);
		return op_table_get(inst->tables[in->table], fp[in->i], &fp[in->d]);
	}
	case OP_TABLE_SET: {
		const struct op_TABLE_SET *in = OP_AT(ip, TABLE_SET);
		return op_table_set(inst->tables[in->table], fp[in->i], fp[in->v]);
	}
	case OP_TABLE_SIZE:
		SL(D_IDX, d) = op_table_size(inst->tables[OP_AT(ip, D_IDX)->idx]);
		return WASM_TRAP_NONE;
	case OP_TABLE_GROW: {
		const struct op_TABLE_GROW *in = OP_AT(ip, TABLE_GROW);
		fp[in->d] = op_table_grow(inst->tables[in->table], fp[in->init], fp[in->n]);
		return WASM_TRAP_NONE;
	}
	case OP_TABLE_FILL: {
		const struct op_TABLE_FILL *in = OP_AT(ip, TABLE_FILL);
		return op_table_fill(inst->tables[in->table], fp[in->i], fp[in->v],
			fp[in->n]);
	}
	case OP_TABLE_COPY: {
		const struct op_TABLE_COPY *in = OP_AT(ip, TABLE_COPY);
		return op_table_copy(inst->tables[in->dst_table],
			inst->tables[in->src_table], fp[in->dst], fp[in->src], fp[in->n]);
	}
	case OP_TABLE_INIT: {
		const struct op_TABLE_INIT *in = OP_AT(ip, TABLE_INIT);
		return op_table_init(inst, in->table, in->elem, fp[in->dst],
			fp[in->src], fp[in->n]);
	}
	case OP_MEMORY_GROW:
		SL(D_A, d) = op_memory_grow(inst->memory, SL(D_A, a));
		return WASM_TRAP_NONE;
	case OP_MEMORY_FILL:
		return op_memory_fill(&inst->store->ex, inst->memory, SL(BULK, dst),
			SL(BULK, src), SL(BULK, n));
	case OP_MEMORY_COPY:
		return op_memory_copy(&inst->store->ex, inst->memory, SL(BULK, dst),
			SL(BULK, src), SL(BULK, n));
	case OP_MEMORY_INIT:
		return op_memory_init(inst, OP_AT(ip, MEMORY_INIT)->data,
			SL(MEMORY_INIT, dst), SL(MEMORY_INIT, src), SL(MEMORY_INIT, n));
	default:
		return WASM_TRAP_HOST;
	}
#undef SL
}
