/* ops_simd.h -- what the SIMD handlers share (internal to engine/interp):
 * a v128 as lanes, its two frame slots, saturation, and the NaN rule of
 * ops.h ("Float results") applied lane by lane.
 *
 * Lane i of a v128 is at bytes [i * size, (i + 1) * size): lane 0 first,
 * little-endian, as wasm numbers lanes and as an SSE register holds them. */
#ifndef ENGINE_INTERP_OPS_SIMD_H
#define ENGINE_INTERP_OPS_SIMD_H

#include "interp/ops_slow.h"

#include <stdint.h>
#include <string.h>

typedef union {
	uint8_t u8[16];
	int8_t i8[16];
	uint16_t u16[8];
	int16_t i16[8];
	uint32_t u32[4];
	int32_t i32[4];
	uint64_t u64[2];
	int64_t i64[2];
	float f32[4];
	double f64[2];
	uint8_t __attribute__((vector_size(16))) vec;   /* for one-instruction
	                                                   memory accesses */
} v128_t;

/* The v128 in the two slots at p (p[0]: bytes 0..7) into *v, and back.
 * (Through pointers, not by value: inlined into the interpreter's loop,
 * a returned copy is one more stack slot per call site.) */
static inline void v128_get(v128_t *v, const uint64_t *p)
{
	memcpy(v, p, sizeof *v);
}

static inline void v128_put(uint64_t *p, const v128_t *v)
{
	memcpy(p, v, sizeof *v);
}

/* Signed and unsigned saturation to 8 and 16 bits. */
static inline int8_t sat_s8(int32_t x)
{
	return (int8_t)(x < INT8_MIN ? INT8_MIN : x > INT8_MAX ? INT8_MAX : x);
}
static inline uint8_t sat_u8(int32_t x)
{
	return (uint8_t)(x < 0 ? 0 : x > UINT8_MAX ? UINT8_MAX : x);
}
static inline int16_t sat_s16(int32_t x)
{
	return (int16_t)(x < INT16_MIN ? INT16_MIN : x > INT16_MAX ? INT16_MAX : x);
}
static inline uint16_t sat_u16(int32_t x)
{
	return (uint16_t)(x < 0 ? 0 : x > UINT16_MAX ? UINT16_MAX : x);
}

/* The NaN rule per lane: each lane of r that is a NaN becomes the NaN the
 * rule gives for the lanes of a and b (a unary op passes a twice). */
static inline void v128_nan32(v128_t *r, const v128_t *a, const v128_t *b)
{
	for (int i = 0; i < 4; i++)
		if (op_is_nan32(r->u32[i]))
			r->u32[i] = op_nan32(a->u32[i], b->u32[i]);
}

static inline void v128_nan64(v128_t *r, const v128_t *a, const v128_t *b)
{
	for (int i = 0; i < 2; i++)
		if (op_is_nan64(r->u64[i]))
			r->u64[i] = op_nan64(a->u64[i], b->u64[i]);
}

#endif
