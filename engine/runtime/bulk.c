/* bulk.c -- bulk memory and table operations (memory.fill/copy/init,
 * table.fill/copy/init) and constant-expression values: one
 * implementation for the interpreter, the JIT's slow path and
 * instantiation, which applies active segments as table.init and
 * memory.init.  Each returns WASM_TRAP_NONE or the trap to raise; nothing
 * is written when the range is out of bounds. */
#include "runtime/runtime.h"

#include <string.h>

uint64_t const_eval(const wasm_instance *inst, const constexpr_t *ce)
{
	switch (ce->kind) {
	case CONST_I32:
	case CONST_F32: return (uint32_t)ce->bits;
	case CONST_I64:
	case CONST_F64:
	case CONST_V128: return ce->bits;
	case CONST_REF_FUNC: return (uint64_t)(uintptr_t)inst->funcs[ce->index];
	case CONST_GLOBAL_GET: return inst->globals[ce->index]->val;
	case CONST_REF_NULL:
	default: return 0;
	}
}

uint64_t const_eval_hi(const wasm_instance *inst, const constexpr_t *ce)
{
	switch (ce->kind) {
	case CONST_V128: return ce->bits_hi;
	case CONST_GLOBAL_GET: return inst->globals[ce->index]->hi;
	default: return 0;
	}
}

/* Long fills and copies check the deadline (ex->epoch against
 * ex->deadline, as ENTER and LOOP do) between chunks of this many bytes,
 * so that memory.fill over gigabytes traps with timeout instead of running
 * to the supervisor's hard kill; shorter ones pay nothing.  What was
 * written before the check stays written.  A chunk that faults its pages
 * in takes a few ms, and ten times that on a machine whose load is 18 on
 * two cores, under ASan (16 and 64 MiB chunks then ran past the sandbox's
 * 200 ms grace before its kill); the check costs a load and a compare. */
#define BULK_CHUNK_BYTES (4u << 20)

static bool bulk_past_deadline(const exec *ex)
{
	return ex && exec_past_deadline(ex);
}

wasm_trap_kind bulk_memory_fill(const exec *ex, wasm_memory *mem, uint32_t d,
	uint8_t v, uint32_t n)
{
	if (!mem || (uint64_t)d + n > mem->size_bytes)
		return WASM_TRAP_OUT_OF_BOUNDS_MEMORY;
	for (uint32_t done = 0; done < n;) {
		if (done && bulk_past_deadline(ex))
			return WASM_TRAP_TIMEOUT;
		uint32_t len = n - done < BULK_CHUNK_BYTES ? n - done : BULK_CHUNK_BYTES;
		memset(mem->base + d + done, v, len);
		done += len;
	}
	return WASM_TRAP_NONE;
}

/* In chunks, front to back when the destination is below the source and
 * back to front otherwise, so that overlapping ranges copy as memmove. */
wasm_trap_kind bulk_memory_copy(const exec *ex, wasm_memory *mem, uint32_t d,
	uint32_t s, uint32_t n)
{
	if (!mem || (uint64_t)d + n > mem->size_bytes ||
	    (uint64_t)s + n > mem->size_bytes)
		return WASM_TRAP_OUT_OF_BOUNDS_MEMORY;
	for (uint32_t done = 0; done < n;) {
		if (done && bulk_past_deadline(ex))
			return WASM_TRAP_TIMEOUT;
		uint32_t len = n - done < BULK_CHUNK_BYTES ? n - done : BULK_CHUNK_BYTES;
		uint64_t at = d <= s ? done : (uint64_t)n - done - len;
		memmove(mem->base + d + at, mem->base + s + at, len);
		done += len;
	}
	return WASM_TRAP_NONE;
}

wasm_trap_kind bulk_memory_init(wasm_instance *inst, uint32_t seg, uint32_t d,
	uint32_t s, uint32_t n)
{
	const data_t *ds = &inst->module->datas[seg];
	uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
	wasm_memory *mem = inst->memory;
	if ((uint64_t)s + n > len || !mem || (uint64_t)d + n > mem->size_bytes)
		return WASM_TRAP_OUT_OF_BOUNDS_MEMORY;
	if (n)
		memcpy(mem->base + d, ds->bytes + s, n);
	return WASM_TRAP_NONE;
}

wasm_trap_kind bulk_table_fill(wasm_table *t, uint32_t i, void *v, uint32_t n)
{
	if ((uint64_t)i + n > t->size)
		return WASM_TRAP_OUT_OF_BOUNDS_TABLE;
	for (uint32_t k = 0; k < n; k++)
		t->elems[i + k] = v;
	return WASM_TRAP_NONE;
}

wasm_trap_kind bulk_table_copy(wasm_table *dt, wasm_table *st, uint32_t d,
	uint32_t s, uint32_t n)
{
	if ((uint64_t)d + n > dt->size || (uint64_t)s + n > st->size)
		return WASM_TRAP_OUT_OF_BOUNDS_TABLE;
	if (n)
		memmove(dt->elems + d, st->elems + s, (size_t)n * sizeof(void *));
	return WASM_TRAP_NONE;
}

wasm_trap_kind bulk_table_init(wasm_instance *inst, uint32_t table,
	uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
	wasm_table *t = inst->tables[table];
	const elem_t *es = &inst->module->elems[seg];
	uint64_t len = inst->elem_dropped[seg] ? 0 : es->count;
	if ((uint64_t)s + n > len || (uint64_t)d + n > t->size)
		return WASM_TRAP_OUT_OF_BOUNDS_TABLE;
	for (uint32_t k = 0; k < n; k++)
		t->elems[d + k] = (void *)(uintptr_t)const_eval(inst, &es->items[s + k]);
	return WASM_TRAP_NONE;
}
