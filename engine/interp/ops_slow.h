/* ops_slow.h -- the one implementation of the ops that the interpreter
 * runs in its handlers and JIT code runs through jit_rt_slow_op: table
 * access, memory.grow, bulk memory and tables, float-to-integer
 * conversions, and the NaN rule in C (internal to engine/).
 *
 * Operands come decoded: slot values (the frame's 8-byte slots) and the
 * instance's objects.  Ops that can trap return WASM_TRAP_NONE or the trap
 * to raise and leave their result in *d; the others return the result
 * slot.  Callers read the instruction's fields by name (ops.h) and store
 * the result in its d slot.
 */
#ifndef ENGINE_INTERP_OPS_SLOW_H
#define ENGINE_INTERP_OPS_SLOW_H

#include "interp/ops.h"
#include "runtime/runtime.h"

#include <stdint.h>
#include <string.h>

/* ---- tables: a reference slot holds the element pointer ---------------- */

static inline wasm_trap_kind op_table_get(const wasm_table *t, uint64_t i,
	uint64_t *d)
{
	if (__builtin_expect((uint32_t)i >= t->size, 0))
		return WASM_TRAP_OUT_OF_BOUNDS_TABLE;
	*d = (uint64_t)(uintptr_t)t->elems[(uint32_t)i];
	return WASM_TRAP_NONE;
}

static inline wasm_trap_kind op_table_set(wasm_table *t, uint64_t i,
	uint64_t ref)
{
	if (__builtin_expect((uint32_t)i >= t->size, 0))
		return WASM_TRAP_OUT_OF_BOUNDS_TABLE;
	t->elems[(uint32_t)i] = (void *)(uintptr_t)ref;
	return WASM_TRAP_NONE;
}

static inline uint64_t op_table_size(const wasm_table *t)
{
	return t->size;
}

/* The old size, or -1 (as an i32) if the table cannot grow by n. */
static inline uint64_t op_table_grow(wasm_table *t, uint64_t init, uint64_t n)
{
	return (uint32_t)table_grow(t, (uint32_t)n, (void *)(uintptr_t)init);
}

static inline wasm_trap_kind op_table_fill(wasm_table *t, uint64_t i,
	uint64_t ref, uint64_t n)
{
	return bulk_table_fill(t, (uint32_t)i, (void *)(uintptr_t)ref, (uint32_t)n);
}

static inline wasm_trap_kind op_table_copy(wasm_table *dt, wasm_table *st,
	uint64_t d, uint64_t s, uint64_t n)
{
	return bulk_table_copy(dt, st, (uint32_t)d, (uint32_t)s, (uint32_t)n);
}

static inline wasm_trap_kind op_table_init(wasm_instance *inst, uint32_t table,
	uint32_t elem, uint64_t d, uint64_t s, uint64_t n)
{
	return bulk_table_init(inst, table, elem, (uint32_t)d, (uint32_t)s,
		(uint32_t)n);
}

/* ---- memory ------------------------------------------------------------ */

/* The old size in pages, or -1 (as an i32) if memory cannot grow. */
static inline uint64_t op_memory_grow(wasm_memory *mem, uint64_t delta_pages)
{
	return (uint32_t)memory_grow(mem, (uint32_t)delta_pages);
}

/* fill and copy check ex's deadline in chunks (a timeout trap). */
static inline wasm_trap_kind op_memory_fill(const exec *ex, wasm_memory *mem,
	uint64_t d, uint64_t v, uint64_t n)
{
	return bulk_memory_fill(ex, mem, (uint32_t)d, (uint8_t)v, (uint32_t)n);
}

static inline wasm_trap_kind op_memory_copy(const exec *ex, wasm_memory *mem,
	uint64_t d, uint64_t s, uint64_t n)
{
	return bulk_memory_copy(ex, mem, (uint32_t)d, (uint32_t)s, (uint32_t)n);
}

static inline wasm_trap_kind op_memory_init(wasm_instance *inst, uint32_t data,
	uint64_t d, uint64_t s, uint64_t n)
{
	return bulk_memory_init(inst, data, (uint32_t)d, (uint32_t)s, (uint32_t)n);
}

/* ---- NaN results: the rule of ops.h ("Float results") in C ----------------
 * Bits in, bits out; the caller has found that the result is a NaN. */
static inline bool op_is_nan32(uint32_t a)
{
	return (a & 0x7fffffffu) > 0x7f800000u;
}

static inline bool op_is_nan64(uint64_t a)
{
	return (a & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}

/* The NaN result of a binary op on a, b (a unary op: a, a). */
static inline uint32_t op_nan32(uint32_t a, uint32_t b)
{
	if (op_is_nan32(a))
		return a | 0x00400000u;
	if (op_is_nan32(b))
		return b | 0x00400000u;
	return OP_F32_DEFAULT_NAN;
}

static inline uint64_t op_nan64(uint64_t a, uint64_t b)
{
	if (op_is_nan64(a))
		return a | 0x0008000000000000ull;
	if (op_is_nan64(b))
		return b | 0x0008000000000000ull;
	return OP_F64_DEFAULT_NAN;
}

/* wasm's min and max, the one definition (the interpreter's handlers, tier
 * 2's constant folding): -0 < +0; a NaN operand gives a NaN (a + b), whose
 * bits the caller then takes from op_nan32/op_nan64. */
#define OPS_SLOW_MINMAX_(T, sfx) \
	static inline T op_fmin##sfx(T a, T b) \
	{ \
		if (a != a || b != b) return a + b; \
		if (a == b) return __builtin_signbit(a) ? a : b; \
		return a < b ? a : b; \
	} \
	static inline T op_fmax##sfx(T a, T b) \
	{ \
		if (a != a || b != b) return a + b; \
		if (a == b) return __builtin_signbit(a) ? b : a; \
		return a > b ? a : b; \
	}
OPS_SLOW_MINMAX_(float, 32)
OPS_SLOW_MINMAX_(double, 64)
#undef OPS_SLOW_MINMAX_

/* f32.demote_f64 and f64.promote_f32 of a NaN. */
static inline uint32_t op_demote_nan(uint64_t a)
{
	return (uint32_t)(a >> 32 & 0x80000000u) | 0x7fc00000u |
		(uint32_t)((a & 0x000fffffffffffffull) >> 29);
}

static inline uint64_t op_promote_nan(uint32_t a)
{
	return (uint64_t)(a & 0x80000000u) << 32 | 0x7ff8000000000000ull |
		(uint64_t)(a & 0x007fffffu) << 29;
}

/* ---- float -> integer ----------------------------------------------------
 * X(NAME, SRC, RES, SLOT, LO, HI, RMIN, RMAX): conversion NAME reads a
 * SRC (float or double) and converts a exactly when LO < a < HI (both
 * exact in SRC) to RES, whose slot is zero-extended from SLOT.  The
 * trapping form (op_trunc_NAME) raises invalid conversion on NaN and
 * integer overflow outside (LO, HI); the saturating one (op_sat_NAME)
 * gives 0 for NaN and RMIN or RMAX outside. */
#define OP_FLOAT_TO_INT(X) \
	X(F32_S32, float, int32_t, uint32_t, -2147483904.0f, 2147483648.0f, \
		INT32_MIN, INT32_MAX) \
	X(F32_U32, float, uint32_t, uint32_t, -1.0f, 4294967296.0f, \
		0, UINT32_MAX) \
	X(F64_S32, double, int32_t, uint32_t, -2147483649.0, 2147483648.0, \
		INT32_MIN, INT32_MAX) \
	X(F64_U32, double, uint32_t, uint32_t, -1.0, 4294967296.0, \
		0, UINT32_MAX) \
	X(F32_S64, float, int64_t, uint64_t, -9223373136366403584.0f, \
		9223372036854775808.0f, INT64_MIN, INT64_MAX) \
	X(F32_U64, float, uint64_t, uint64_t, -1.0f, 18446744073709551616.0f, \
		0, UINT64_MAX) \
	X(F64_S64, double, int64_t, uint64_t, -9223372036854777856.0, \
		9223372036854775808.0, INT64_MIN, INT64_MAX) \
	X(F64_U64, double, uint64_t, uint64_t, -1.0, 18446744073709551616.0, \
		0, UINT64_MAX)

/* A float slot holds its bits in the low half. */
static inline float op_slot_float(uint64_t s)
{
	float f;
	uint32_t u = (uint32_t)s;
	memcpy(&f, &u, sizeof f);
	return f;
}

static inline double op_slot_double(uint64_t s)
{
	double d;
	memcpy(&d, &s, sizeof d);
	return d;
}

/* ... and back: a float's or double's bits (the interpreter's results,
 * folded constants, the bounds above as constants in JIT code). */
static inline uint64_t op_float_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t op_double_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

#define OPS_SLOW_CONV_(name, SRC, RES, SLOT, lo, hi, rmin, rmax) \
	static inline wasm_trap_kind op_trunc_##name(uint64_t a_slot, uint64_t *d) \
	{ \
		SRC a = op_slot_##SRC(a_slot); \
		if (__builtin_expect(a != a, 0)) \
			return WASM_TRAP_INVALID_CONVERSION; \
		if (__builtin_expect(!(a > (lo) && a < (hi)), 0)) \
			return WASM_TRAP_INTEGER_OVERFLOW; \
		*d = (SLOT)(RES)a; \
		return WASM_TRAP_NONE; \
	} \
	static inline uint64_t op_sat_##name(uint64_t a_slot) \
	{ \
		SRC a = op_slot_##SRC(a_slot); \
		RES r; \
		if (a != a) \
			r = 0; \
		else if (!(a > (lo))) \
			r = (rmin); \
		else if (!(a < (hi))) \
			r = (rmax); \
		else \
			r = (RES)a; \
		return (SLOT)r; \
	}
OP_FLOAT_TO_INT(OPS_SLOW_CONV_)
#undef OPS_SLOW_CONV_

#endif
