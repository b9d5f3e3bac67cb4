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
L_TABLE_FILL: /* i v n t32 */
	if (unlikely((trap_kind = bulk_table_fill(inst->tables[ld32(ip + 10)], U32(4),
			(void *)(uintptr_t)SL(6), U32(8)))))
		goto trap;
	ip += 14;
	NEXT();
L_TABLE_COPY: /* d s n dt32 st32 */
	if (unlikely((trap_kind = bulk_table_copy(inst->tables[ld32(ip + 10)],
			inst->tables[ld32(ip + 14)], U32(4), U32(6), U32(8)))))
		goto trap;
	ip += 18;
	NEXT();
L_TABLE_INIT: /* d s n t32 e32 */
	if (unlikely((trap_kind = bulk_table_init(inst, ld32(ip + 10), ld32(ip + 14),
			U32(4), U32(6), U32(8)))))
		goto trap;
	ip += 18;
	NEXT();
L_ELEM_DROP:
	inst->elem_dropped[ld32(ip + 4)] = 1;
	ip += 8;
	NEXT();
