/* interp_memory.h -- memory handlers of interp.c's dispatch loop (included
 * inside run(); see ops.h for the layouts).  Loads and stores are
 * not bounds-checked: index + offset < 2^33 stays inside the reservation
 * and the guard pages fault. */

/* Effective addresses (EA stays defined for interp_simd.h, which undefines
 * it): a 32-bit index (x + imm, x + y or x + (y << k),
 * wrapped to 32 bits) plus the 32-bit static offset. */
#define EA(lay) ((uint64_t)U32(lay, a) + IN(lay)->off)
#define EA_I(lay) ((uint64_t)(uint32_t)(U32(lay, x) + IN(lay)->imm) + IN(lay)->off)
#define EA_X(lay) ((uint64_t)(uint32_t)(U32(lay, x) + U32(lay, y)) + IN(lay)->off)
#define EA_S(lay) ((uint64_t)(uint32_t)(U32(lay, x) + (U32(lay, y) << (IN(lay)->k & 31))) \
	+ IN(lay)->off)
/* Through INTERP_LOAD and INTERP_STORE (fcode.h), so that a fault names
 * this instruction exactly. */
#define LOAD_AT(name, lay, ea, T, conv) \
	L_##name: { uint64_t raw_; INTERP_LOAD(raw_, mem + ea(lay), T); \
		T v = (T)raw_; SL(lay, d) = (conv); SKIP(lay); NEXT(); }
#define STORE_AT(name, lay, ea, T) \
	L_##name: { INTERP_STORE(mem + ea(lay), T, SL(lay, v)); \
		SKIP(lay); NEXT(); }

/* Each access kind in every address form (the same order as in ops.h). */
#define LOADS(name, T, conv) \
	LOAD_AT(LD_##name, LOAD, EA, T, conv) \
	LOAD_AT(LDA_##name, LOAD_ADDI, EA_I, T, conv) \
	LOAD_AT(LDX_##name, LOAD_ADDX, EA_X, T, conv) \
	LOAD_AT(LDS_##name, LOAD_SCALED, EA_S, T, conv)
#define STORES(name, T) \
	STORE_AT(ST_##name, STORE, EA, T) \
	STORE_AT(STA_##name, STORE_ADDI, EA_I, T) \
	STORE_AT(STX_##name, STORE_ADDX, EA_X, T) \
	STORE_AT(STS_##name, STORE_SCALED, EA_S, T)

LOADS(I32, uint32_t, (uint64_t)v)
LOADS(I64, uint64_t, v)
LOADS(8S32, int8_t, (uint32_t)(int32_t)v)
LOADS(8U, uint8_t, (uint64_t)v)
LOADS(16S32, int16_t, (uint32_t)(int32_t)v)
LOADS(16U, uint16_t, (uint64_t)v)
LOADS(8S64, int8_t, (uint64_t)(int64_t)v)
LOADS(16S64, int16_t, (uint64_t)(int64_t)v)
LOADS(32S64, int32_t, (uint64_t)(int64_t)v)
STORES(8, uint8_t)
STORES(16, uint16_t)
STORES(32, uint32_t)
STORES(64, uint64_t)

#undef LOADS
#undef STORES
#undef LOAD_AT
#undef STORE_AT
#undef EA_I
#undef EA_X
#undef EA_S

L_MEMORY_SIZE:
	SL(D, d) = inst->memory->pages;
	SKIP(D);
	NEXT();
L_MEMORY_GROW:
	SL(D_A, d) = op_memory_grow(inst->memory, SL(D_A, a));
	SKIP(D_A);
	NEXT();
L_MEMORY_FILL:
	if (unlikely((trap_kind = op_memory_fill(ex, inst->memory, SL(BULK, dst),
			SL(BULK, src), SL(BULK, n)))))
		goto trap;
	SKIP(BULK);
	NEXT();
L_MEMORY_COPY:
	if (unlikely((trap_kind = op_memory_copy(ex, inst->memory, SL(BULK, dst),
			SL(BULK, src), SL(BULK, n)))))
		goto trap;
	SKIP(BULK);
	NEXT();
L_MEMORY_INIT:
	if (unlikely((trap_kind = op_memory_init(inst, IN(MEMORY_INIT)->data,
			SL(MEMORY_INIT, dst), SL(MEMORY_INIT, src), SL(MEMORY_INIT, n)))))
		goto trap;
	SKIP(MEMORY_INIT);
	NEXT();
L_DATA_DROP:
	inst->data_dropped[IN(IDX)->idx] = 1;
	SKIP(IDX);
	NEXT();
