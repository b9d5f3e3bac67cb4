/* interp_tables.h -- table handlers of interp.c's dispatch loop (included
 * inside run(); see interp_ops.h).  Tables are bounds-checked. */

L_TABLE_GET: { /* d i t32 */
	wasm_table *t = inst->tables[ld32(ip + 8)];
	uint32_t i = U32(6);
	if (unlikely(i >= t->size))
		TRAP(WASM_TRAP_OUT_OF_BOUNDS_TABLE);
	SL(4) = (uint64_t)(uintptr_t)t->elems[i];
	ip += 12;
	NEXT();
}
L_TABLE_SET: { /* i v t32 */
	wasm_table *t = inst->tables[ld32(ip + 8)];
	uint32_t i = U32(4);
	if (unlikely(i >= t->size))
		TRAP(WASM_TRAP_OUT_OF_BOUNDS_TABLE);
	t->elems[i] = (void *)(uintptr_t)SL(6);
	ip += 12;
	NEXT();
}
L_TABLE_SIZE: /* d t32 */
	SL(4) = inst->tables[ld32(ip + 6)]->size;
	ip += 10;
	NEXT();
L_TABLE_GROW: { /* d init n t32 */
	wasm_table *t = inst->tables[ld32(ip + 10)];
	void *init = (void *)(uintptr_t)SL(6);
	uint32_t n = U32(8);
	SL(4) = (uint32_t)table_grow(t, n, init);
	ip += 14;
	NEXT();
}
L_TABLE_FILL: { /* i v n t32 */
	wasm_table *t = inst->tables[ld32(ip + 10)];
	uint64_t i = U32(4), n = U32(8);
	void *v = (void *)(uintptr_t)SL(6);
	if (unlikely(i + n > t->size))
		TRAP(WASM_TRAP_OUT_OF_BOUNDS_TABLE);
	for (uint64_t k = 0; k < n; k++)
		t->elems[i + k] = v;
	ip += 14;
	NEXT();
}
L_TABLE_COPY: { /* d s n dt32 st32 */
	wasm_table *dt = inst->tables[ld32(ip + 10)];
	wasm_table *st = inst->tables[ld32(ip + 14)];
	uint64_t d = U32(4), src = U32(6), n = U32(8);
	if (unlikely(d + n > dt->size || src + n > st->size))
		TRAP(WASM_TRAP_OUT_OF_BOUNDS_TABLE);
	memmove(dt->elems + d, st->elems + src, n * sizeof(void *));
	ip += 18;
	NEXT();
}
L_TABLE_INIT: { /* d s n t32 e32 */
	wasm_table *t = inst->tables[ld32(ip + 10)];
	uint32_t e = ld32(ip + 14);
	const elem_t *seg = &mod->elems[e];
	uint64_t len = inst->elem_dropped[e] ? 0 : seg->count;
	uint64_t d = U32(4), src = U32(6), n = U32(8);
	if (unlikely(src + n > len || d + n > t->size))
		TRAP(WASM_TRAP_OUT_OF_BOUNDS_TABLE);
	for (uint64_t k = 0; k < n; k++)
		t->elems[d + k] = elem_item(inst, seg, (uint32_t)(src + k));
	ip += 18;
	NEXT();
}
L_ELEM_DROP:
	inst->elem_dropped[ld32(ip + 4)] = 1;
	ip += 8;
	NEXT();
