/* interp_memory.h -- memory handlers of interp.c's dispatch loop (included
 * inside run(); see interp_ops.h for the layouts).  Loads and stores are
 * not bounds-checked: index + offset < 2^33 stays inside the reservation
 * and the guard pages fault. */

#define EA(a_off) ((uint64_t)U32(a_off) + ld32(ip + 8))
#define LOAD(name, T, conv) \
	L_##name: { T v; memcpy(&v, mem + EA(6), sizeof v); SL(4) = (conv); ip += 12; NEXT(); }
#define STORE(name, T) \
	L_##name: { T v = (T)SL(6); memcpy(mem + EA(4), &v, sizeof v); ip += 12; NEXT(); }

LOAD(LD_I32, uint32_t, (uint64_t)v)
LOAD(LD_I64, uint64_t, v)
LOAD(LD_8S32, int8_t, (uint32_t)(int32_t)v)
LOAD(LD_8U, uint8_t, (uint64_t)v)
LOAD(LD_16S32, int16_t, (uint32_t)(int32_t)v)
LOAD(LD_16U, uint16_t, (uint64_t)v)
LOAD(LD_8S64, int8_t, (uint64_t)(int64_t)v)
LOAD(LD_16S64, int16_t, (uint64_t)(int64_t)v)
LOAD(LD_32S64, int32_t, (uint64_t)(int64_t)v)
STORE(ST_8, uint8_t)
STORE(ST_16, uint16_t)
STORE(ST_32, uint32_t)
STORE(ST_64, uint64_t)

/* Fused with the i32.add that computed the address. */
#define EAA ((uint64_t)(uint32_t)(U32(6) + ld32(ip + 8)) + ld32(ip + 12))
#define EAX ((uint64_t)(uint32_t)(U32(6) + U32(8)) + ld32(ip + 10))
#define LOADF(name, T, conv) \
	L_LDA_##name: { T v; memcpy(&v, mem + EAA, sizeof v); SL(4) = (conv); ip += 16; NEXT(); } \
	L_LDX_##name: { T v; memcpy(&v, mem + EAX, sizeof v); SL(4) = (conv); ip += 14; NEXT(); }
LOADF(I32, uint32_t, (uint64_t)v)
LOADF(I64, uint64_t, v)
LOADF(8S32, int8_t, (uint32_t)(int32_t)v)
LOADF(8U, uint8_t, (uint64_t)v)
LOADF(16S32, int16_t, (uint32_t)(int32_t)v)
LOADF(16U, uint16_t, (uint64_t)v)
LOADF(8S64, int8_t, (uint64_t)(int64_t)v)
LOADF(16S64, int16_t, (uint64_t)(int64_t)v)
LOADF(32S64, int32_t, (uint64_t)(int64_t)v)
#undef EAA
#undef EAX
/* STA: x imm32 v off32 | STX: x y v off32 */
#define STOREF(name, T) \
	L_STA_##name: { T v = (T)SL(10); \
		memcpy(mem + (uint64_t)(uint32_t)(U32(4) + ld32(ip + 6)) + ld32(ip + 12), &v, sizeof v); \
		ip += 16; NEXT(); } \
	L_STX_##name: { T v = (T)SL(8); \
		memcpy(mem + (uint64_t)(uint32_t)(U32(4) + U32(6)) + ld32(ip + 10), &v, sizeof v); \
		ip += 14; NEXT(); }
STOREF(8, uint8_t)
STOREF(16, uint16_t)
STOREF(32, uint32_t)
STOREF(64, uint64_t)
/* Scaled index: ea = (u32)(x + (y << k)) + off */
#define EAS ((uint64_t)(uint32_t)(U32(6) + (U32(8) << (ld16(ip + 10) & 31))) + ld32(ip + 12))
#define LOADS(name, T, conv) \
	L_LDS_##name: { T v; memcpy(&v, mem + EAS, sizeof v); SL(4) = (conv); ip += 16; NEXT(); }
LOADS(I32, uint32_t, (uint64_t)v)
LOADS(I64, uint64_t, v)
LOADS(8S32, int8_t, (uint32_t)(int32_t)v)
LOADS(8U, uint8_t, (uint64_t)v)
LOADS(16S32, int16_t, (uint32_t)(int32_t)v)
LOADS(16U, uint16_t, (uint64_t)v)
LOADS(8S64, int8_t, (uint64_t)(int64_t)v)
LOADS(16S64, int16_t, (uint64_t)(int64_t)v)
LOADS(32S64, int32_t, (uint64_t)(int64_t)v)
#undef EAS
#undef LOADS
/* STS: x y k16 v off32 */
#define STORES(name, T) \
	L_STS_##name: { T v = (T)SL(10); \
		memcpy(mem + (uint64_t)(uint32_t)(U32(4) + (U32(6) << (ld16(ip + 8) & 31))) + ld32(ip + 12), \
			&v, sizeof v); \
		ip += 16; NEXT(); }
STORES(8, uint8_t)
STORES(16, uint16_t)
STORES(32, uint32_t)
STORES(64, uint64_t)
#undef STORES
#undef LOADF
#undef STOREF

#undef LOAD
#undef STORE
#undef EA

L_MEMORY_SIZE:
	SL(4) = inst->memory->pages;
	ip += 6;
	NEXT();
L_MEMORY_GROW: {
	uint32_t delta = U32(6);
	SL(4) = (uint32_t)memory_grow(inst->memory, delta);
	ip += 8;
	NEXT();
}
L_MEMORY_FILL: /* d v n */
	if (unlikely((trap_kind = bulk_memory_fill(inst->memory, U32(4), (uint8_t)SL(6), U32(8)))))
		goto trap;
	ip += 10;
	NEXT();
L_MEMORY_COPY: /* d s n */
	if (unlikely((trap_kind = bulk_memory_copy(inst->memory, U32(4), U32(6), U32(8)))))
		goto trap;
	ip += 10;
	NEXT();
L_MEMORY_INIT: /* d s n seg32 */
	if (unlikely((trap_kind = bulk_memory_init(inst, ld32(ip + 10), U32(4), U32(6), U32(8)))))
		goto trap;
	ip += 14;
	NEXT();
L_DATA_DROP:
	inst->data_dropped[ld32(ip + 4)] = 1;
	ip += 8;
	NEXT();
