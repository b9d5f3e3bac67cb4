/* predecode_simd.c -- the 0xfd prefix: the SIMD (v128) instructions.  Each
 * is validated from its row of the opcode table (front/opcodes.h): the
 * immediate kind says what follows the opcode (a memarg and its natural
 * alignment, a lane index and its bound, 16 bytes), the shape and the t/r
 * columns what it pops and pushes.
 */
#include "front/opcodes.h"
#include "interp/ops.h"
#include "interp/predecode.h"
#include "runtime/runtime.h"

#include <assert.h>
#include <string.h>

/* The immediates of a SIMD instruction, as read. */
typedef struct {
	uint32_t off;              /* memarg offset */
	uint8_t lane;              /* lane index */
	uint8_t bytes[16];         /* v128.const value, i8x16.shuffle lanes */
} simd_imm;

static bool lane_index(compiler *c, unsigned nlanes, uint8_t *lane)
{
	if (!read_u8(&c->r, lane, c->err))
		return false;
	if (*lane >= nlanes)
		return pd_fail(c, "invalid lane index");
	return true;
}

static bool read_imm(compiler *c, const struct wasm_opcode_info *in, simd_imm *im)
{
	int align = wasm_imm_memarg_align(in->imm);
	unsigned nlanes = wasm_imm_lanes(in->imm);
	if (align >= 0 && !pd_read_memarg(c, (uint32_t)align, &im->off))
		return false;
	if (nlanes && !lane_index(c, nlanes, &im->lane))
		return false;
	if (in->imm == WIMM_V128 || in->imm == WIMM_SHUFFLE) {
		for (int i = 0; i < 16; i++)
			if (!read_u8(&c->r, &im->bytes[i], c->err))
				return false;
	}
	if (in->imm == WIMM_SHUFFLE)
		for (int i = 0; i < 16; i++)
			if (im->bytes[i] >= 32)
				return pd_fail(c, "invalid lane index");
	return true;
}

/* What the instruction of row `in` pops, bottom first (*n of them), and
 * pushes (*out, 0 for nothing). */
static void stack_effect(const struct wasm_opcode_info *in, uint8_t pops[3],
	uint32_t *n, uint8_t *out)
{
	uint8_t t = in->type_in, r = in->type_out;
	*out = r;
	switch ((enum wasm_op_shape)in->shape) {
	case WOP_SHAPE_UNOP:
		*n = 1; pops[0] = t;
		break;
	case WOP_SHAPE_BINOP:
		*n = 2; pops[0] = pops[1] = t;
		break;
	case WOP_SHAPE_TERNOP:
		*n = 3; pops[0] = pops[1] = pops[2] = t;
		break;
	case WOP_SHAPE_SHIFT:
		*n = 2; pops[0] = t; pops[1] = WASM_I32;
		break;
	case WOP_SHAPE_EXTRACT:
		*n = 1; pops[0] = WASM_V128;
		break;
	case WOP_SHAPE_REPLACE:
		*n = 2; pops[0] = WASM_V128; pops[1] = t;
		break;
	case WOP_SHAPE_LOAD:
		*n = 1; pops[0] = WASM_I32;
		break;
	case WOP_SHAPE_STORE:
		*n = 2; pops[0] = WASM_I32; pops[1] = t;
		*out = 0;
		break;
	case WOP_SHAPE_LOAD_LANE:
		*n = 2; pops[0] = WASM_I32; pops[1] = WASM_V128;
		break;
	case WOP_SHAPE_STORE_LANE:
		*n = 2; pops[0] = WASM_I32; pops[1] = WASM_V128;
		*out = 0;
		break;
	case WOP_SHAPE_OTHER:
	default:
		if (in->key == WOP_I8X16_SHUFFLE) {
			*n = 2; pops[0] = pops[1] = WASM_V128;
		} else {                /* v128.const */
			*n = 0;
		}
		*out = WASM_V128;
		break;
	}
}

/* The pre-decoded op of each SIMD code (0xfd 0x00..0xff; 0: none), an
 * expansion of the opcode table: V_<name> (ops.h derives those from the
 * same rows). */
static const uint16_t simd_ops[256] = {
#define X(name, text, prefix, code, imm, shape, t, r, op, iop) \
	[code] = OP_V_##name,
	WASM_OPS_SIMD(X)
#undef X
};

/* Emit op for row `in`, whose n operands (popped: e[], bottom first) sat
 * at depth d and up; its result, if any, goes to depth d. */
static uint32_t emit_simd(compiler *c, const struct wasm_opcode_info *in,
	const simd_imm *im, const sentry *e, uint32_t n, uint32_t d)
{
	enum interp_op op = simd_ops[in->code];
	uint32_t s[3] = { 0 };
	for (uint32_t i = n; i-- > 0;)
		s[i] = pd_take(c, &e[i], d + i, false).slot;
	uint32_t dst = slot_of(c, d);
	uint64_t lo, hi;
	memcpy(&lo, im->bytes, 8);
	memcpy(&hi, im->bytes + 8, 8);
	switch ((enum op_layout)op_infos[op].layout) {
	case OPL_D_A:
		return EMIT(c, D_A, op, .d = dst, .a = s[0]);
	case OPL_D_AB:
		return EMIT(c, D_AB, op, .d = dst, .a = s[0], .b = s[1]);
	case OPL_D_ABC:
		return EMIT(c, D_ABC, op, .d = dst, .a = s[0], .b = s[1], .c = s[2]);
	case OPL_V_LANE:
		return EMIT(c, V_LANE, op, .d = dst, .a = s[0], .lane = im->lane);
	case OPL_V_REPLACE:
		return EMIT(c, V_REPLACE, op, .d = dst, .a = s[0], .b = s[1],
			.lane = im->lane);
	case OPL_LOAD:
		return EMIT(c, LOAD, op, .d = dst, .a = s[0], .off = im->off);
	case OPL_STORE:
		return EMIT(c, STORE, op, .a = s[0], .v = s[1], .off = im->off);
	case OPL_V_LOAD_LANE:
		return EMIT(c, V_LOAD_LANE, op, .d = dst, .a = s[0], .v = s[1],
			.off = im->off, .lane = im->lane);
	case OPL_V_STORE_LANE:
		return EMIT(c, V_STORE_LANE, op, .a = s[0], .v = s[1],
			.off = im->off, .lane = im->lane);
	case OPL_V_CONST:
		return EMIT(c, V_CONST, op, .d = dst, .lo = lo, .hi = hi);
	case OPL_V_SHUFFLE:
		return EMIT(c, V_SHUFFLE, op, .d = dst, .a = s[0], .b = s[1],
			.lo = lo, .hi = hi);
	default:
		assert(!"emit_simd: no rule for this layout");
		return NONE;
	}
}

bool pd_prefix_simd(compiler *c)
{
	uint32_t sub;
	if (!read_u32(&c->r, &sub, c->err))
		return false;
	const struct wasm_opcode_info *in = wasm_opcode_lookup(WOP_PREFIX_SIMD, sub);
	if (!in)
		return pd_fail_malformed(c, "illegal opcode");
	simd_imm im = { 0 };
	if (!read_imm(c, in, &im))
		return false;
	uint8_t pops[3];
	uint32_t n;
	uint8_t out;
	stack_effect(in, pops, &n, &out);
	sentry e[3];
	for (uint32_t i = n; i-- > 0;)
		if (!pd_pop_entry(c, pops[i], &e[i]))
			return false;
	uint32_t d = c->sp;
	uint32_t pos = emit_simd(c, in, &im, e, n, d);
	if (out == 0)
		return true;
	if (!pd_push(c, out))
		return false;
	if (pos != NONE)
		pd_produced(c, pos, K_RESULT, simd_ops[in->code]);
	return true;
}
