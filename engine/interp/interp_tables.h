/* interp_tables.h -- table handlers of interp.c's dispatch loop (included
 * inside run(); see ops.h).  Tables are bounds-checked (ops_slow.h). */

L_TABLE_GET: {
	uint64_t r;
	if (unlikely((trap_kind = op_table_get(inst->tables[IN(TABLE_GET)->table],
			SL(TABLE_GET, i), &r))))
		goto trap;
	SL(TABLE_GET, d) = r;
	SKIP(TABLE_GET);
	NEXT();
}
L_TABLE_SET:
	if (unlikely((trap_kind = op_table_set(inst->tables[IN(TABLE_SET)->table],
			SL(TABLE_SET, i), SL(TABLE_SET, v)))))
		goto trap;
	SKIP(TABLE_SET);
	NEXT();
L_TABLE_SIZE:
	SL(D_IDX, d) = op_table_size(inst->tables[IN(D_IDX)->idx]);
	SKIP(D_IDX);
	NEXT();
L_TABLE_GROW:
	SL(TABLE_GROW, d) = op_table_grow(inst->tables[IN(TABLE_GROW)->table],
		SL(TABLE_GROW, init), SL(TABLE_GROW, n));
	SKIP(TABLE_GROW);
	NEXT();
L_TABLE_FILL:
	if (unlikely((trap_kind = op_table_fill(inst->tables[IN(TABLE_FILL)->table],
			SL(TABLE_FILL, i), SL(TABLE_FILL, v), SL(TABLE_FILL, n)))))
		goto trap;
	SKIP(TABLE_FILL);
	NEXT();
L_TABLE_COPY:
	if (unlikely((trap_kind = op_table_copy(inst->tables[IN(TABLE_COPY)->dst_table],
			inst->tables[IN(TABLE_COPY)->src_table], SL(TABLE_COPY, dst),
			SL(TABLE_COPY, src), SL(TABLE_COPY, n)))))
		goto trap;
	SKIP(TABLE_COPY);
	NEXT();
L_TABLE_INIT:
	if (unlikely((trap_kind = op_table_init(inst, IN(TABLE_INIT)->table,
			IN(TABLE_INIT)->elem, SL(TABLE_INIT, dst), SL(TABLE_INIT, src),
			SL(TABLE_INIT, n)))))
		goto trap;
	SKIP(TABLE_INIT);
	NEXT();
L_ELEM_DROP:
	inst->elem_dropped[IN(IDX)->idx] = 1;
	SKIP(IDX);
	NEXT();
