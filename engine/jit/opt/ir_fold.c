/* ir_fold.c -- constant folding and propagation, and exact identities.
 *
 * A pure op whose operands are all constants becomes a copy of a new
 * constant in the entry block (copy propagation then points its uses at
 * it); a phi whose operands are all the same constant gets that constant
 * on every edge (a trivial phi, for copy propagation).  Repeated until
 * nothing changes, so constants flow through chains and around loops.
 *
 * Wasm semantics exactly (ir_eval): i32 arithmetic wraps at 32 bits, shift
 * and rotate counts are taken modulo the width, compares give i32 0 or 1.
 * What would trap is never folded (division by zero, INT_MIN / -1,
 * trunc of NaN or out of range): the op stays and traps at run time, in
 * order, with its own site.  Floats fold to the bits every tier gives:
 * IEEE fixes a number's, and a NaN result's are ops.h's NaN rule ("Float
 * results") in C, as the interpreter applies it (op_nan32/op_nan64 on the
 * operands, op_demote_nan, op_promote_nan: ops_slow.h), with min and max
 * its op_fmin/op_fmax; abs, neg, copysign and bitcasts act on bits;
 * compares and saturating truncations have no NaN result.
 *
 * Identities, integers only (each exact for every value): x+0, x-0, x|0,
 * x^0, x*1, x&-1, shifts and rotates by 0 (mod width), x|x, x&x -> x;
 * x*0, x&0, x-x, x^x -> 0; select with a constant condition or equal arms
 * -> that arm; wrap(extend_u x) -> x; bitcast(bitcast x) -> x;
 * eqz(integer compare) -> the negated compare (x == y -> x != y, x < y ->
 * x >= y, ...; a compare is 0 or 1, so exact).  Constants
 * of commutative integer ops move to the right (for GVN and lowering).
 */
#include "jit/opt/passes.h"
#include "interp/ops_slow.h"

#include <math.h>
#include <string.h>



static bool eval_int(enum ir_op op, bool w64, uint64_t a, uint64_t b, uint64_t *out)
{
	uint64_t mask = w64 ? ~0ull : 0xffffffffull;
	unsigned bits = w64 ? 64 : 32, sh = (unsigned)(b & (bits - 1));
	int64_t sa = w64 ? (int64_t)a : (int64_t)(int32_t)(uint32_t)a;
	int64_t sb = w64 ? (int64_t)b : (int64_t)(int32_t)(uint32_t)b;
	int64_t smin = w64 ? INT64_MIN : INT32_MIN;
	a &= mask;
	b &= mask;
	uint64_t r;
	switch (op) {
	case IR_IADD: r = a + b; break;
	case IR_ISUB: r = a - b; break;
	case IR_IMUL: r = a * b; break;
	case IR_IMULHS:
		r = (uint64_t)(((__int128)sa * sb) >> bits);
		break;
	case IR_IMULHU:
		r = (uint64_t)(((unsigned __int128)a * b) >> bits);
		break;
	case IR_IAND: r = a & b; break;
	case IR_IOR: r = a | b; break;
	case IR_IXOR: r = a ^ b; break;
	case IR_ISHL: r = a << sh; break;
	case IR_ISHRS: r = (uint64_t)(sa >> sh); break;
	case IR_ISHRU: r = a >> sh; break;
	case IR_IROTL: r = sh ? a << sh | a >> (bits - sh) : a; break;
	case IR_IROTR: r = sh ? a >> sh | a << (bits - sh) : a; break;
	case IR_IDIVS:
		if (sb == 0 || (sa == smin && sb == -1))
			return false;
		r = (uint64_t)(sa / sb);
		break;
	case IR_IDIVU:
		if (b == 0)
			return false;
		r = a / b;
		break;
	case IR_IREMS:
		if (sb == 0)
			return false;
		r = sb == -1 ? 0 : (uint64_t)(sa % sb);
		break;
	case IR_IREMU:
		if (b == 0)
			return false;
		r = a % b;
		break;
	case IR_ICLZ: r = a ? (uint64_t)(w64 ? __builtin_clzll(a) : __builtin_clz((uint32_t)a)) : bits; break;
	case IR_ICTZ: r = a ? (uint64_t)__builtin_ctzll(a) : bits; break;
	case IR_IPOPCNT: r = (uint64_t)__builtin_popcountll(a); break;
	case IR_IEXT8S: r = (uint64_t)(int64_t)(int8_t)a; break;
	case IR_IEXT16S: r = (uint64_t)(int64_t)(int16_t)a; break;
	case IR_IEQZ: r = a == 0; break;
	case IR_IEQ: r = a == b; break;
	case IR_INE: r = a != b; break;
	case IR_ILTS: r = sa < sb; break;
	case IR_ILTU: r = a < b; break;
	case IR_IGTS: r = sa > sb; break;
	case IR_IGTU: r = a > b; break;
	case IR_ILES: r = sa <= sb; break;
	case IR_ILEU: r = a <= b; break;
	case IR_IGES: r = sa >= sb; break;
	case IR_IGEU: r = a >= b; break;
	default: return false;
	}
	*out = r;
	return true;
}

static bool eval_float(enum ir_op op, enum ir_type t, uint64_t a, uint64_t b,
	uint32_t nargs, uint64_t *out)
{
	bool f32 = t == IRT_F32;
	uint64_t sign = f32 ? 0x80000000ull : 0x8000000000000000ull;
	uint64_t mask = f32 ? 0xffffffffull : ~0ull;
	switch (op) {   /* bit operations: any operand, NaN included */
	case IR_FABS: *out = a & ~sign & mask; return true;
	case IR_FNEG: *out = (a ^ sign) & mask; return true;
	case IR_FCOPYSIGN: *out = ((a & ~sign) | (b & sign)) & mask; return true;
	default: break;
	}
	/* a NaN result (NaN operands included): the rule's bits */
	uint64_t nan = f32 ? op_nan32((uint32_t)a, (uint32_t)(nargs > 1 ? b : a))
		: op_nan64(a, nargs > 1 ? b : a);
	double x = f32 ? op_slot_float(a) : op_slot_double(a);
	double y = nargs < 2 ? 0 : f32 ? op_slot_float(b) : op_slot_double(b);
	uint64_t r;
	if (f32) {
		float fx = (float)x, fy = (float)y, fr;
		switch (op) {
		case IR_FADD: fr = fx + fy; break;
		case IR_FSUB: fr = fx - fy; break;
		case IR_FMUL: fr = fx * fy; break;
		case IR_FDIV: fr = fx / fy; break;
		case IR_FMIN: fr = op_fmin32(fx, fy); break;
		case IR_FMAX: fr = op_fmax32(fx, fy); break;
		case IR_FCEIL: fr = ceilf(fx); break;
		case IR_FFLOOR: fr = floorf(fx); break;
		case IR_FTRUNC: fr = truncf(fx); break;
		case IR_FNEAREST: fr = nearbyintf(fx); break;
		case IR_FSQRT: fr = sqrtf(fx); break;
		default: return false;
		}
		r = isnan(fr) ? nan : op_float_bits(fr);
	} else {
		double dr;
		switch (op) {
		case IR_FADD: dr = x + y; break;
		case IR_FSUB: dr = x - y; break;
		case IR_FMUL: dr = x * y; break;
		case IR_FDIV: dr = x / y; break;
		case IR_FMIN: dr = op_fmin64(x, y); break;
		case IR_FMAX: dr = op_fmax64(x, y); break;
		case IR_FCEIL: dr = ceil(x); break;
		case IR_FFLOOR: dr = floor(x); break;
		case IR_FTRUNC: dr = trunc(x); break;
		case IR_FNEAREST: dr = nearbyint(x); break;
		case IR_FSQRT: dr = sqrt(x); break;
		default: return false;
		}
		r = isnan(dr) ? nan : op_double_bits(dr);
	}
	*out = r;
	return true;
}

static bool eval_fcmp(enum ir_op op, enum ir_type src, uint64_t a, uint64_t b, uint64_t *out)
{
	double x = src == IRT_F32 ? op_slot_float(a) : op_slot_double(a);
	double y = src == IRT_F32 ? op_slot_float(b) : op_slot_double(b);
	switch (op) {
	case IR_FEQ: *out = x == y; return true;
	case IR_FNE: *out = x != y; return true;
	case IR_FLT: *out = x < y; return true;
	case IR_FGT: *out = x > y; return true;
	case IR_FLE: *out = x <= y; return true;
	case IR_FGE: *out = x >= y; return true;
	default: return false;
	}
}

/* float -> int: trapping (in range only) and saturating, by ops_slow.h's
 * conversions (OP_FLOAT_TO_INT: the bounds every tier uses) */
static bool eval_trunc(enum ir_op op, enum ir_type t, enum ir_type src, uint64_t a, uint64_t *out)
{
	bool sat = op == IR_SATS || op == IR_SATU, sgn = op == IR_TRUNCS || op == IR_SATS;
	unsigned k = (src == IRT_F64) << 2 | (t == IRT_I64) << 1 | !sgn;
	switch (k) {
#define CONV_(name, src_f64, w64, uns) \
	case (src_f64) << 2 | (w64) << 1 | (uns): \
		if (sat) { \
			*out = op_sat_##name(a); \
			return true; \
		} \
		return op_trunc_##name(a, out) == WASM_TRAP_NONE;
	CONV_(F32_S32, 0, 0, 0) CONV_(F32_U32, 0, 0, 1)
	CONV_(F32_S64, 0, 1, 0) CONV_(F32_U64, 0, 1, 1)
	CONV_(F64_S32, 1, 0, 0) CONV_(F64_U32, 1, 0, 1)
	CONV_(F64_S64, 1, 1, 0) CONV_(F64_U64, 1, 1, 1)
#undef CONV_
	default:
		return false;
	}
}

bool ir_eval(enum ir_op op, enum ir_type type, enum ir_type src,
	const uint64_t *a, uint32_t nargs, uint64_t *out)
{
	uint64_t x = nargs > 0 ? a[0] : 0, y = nargs > 1 ? a[1] : 0;
	bool ok;
	switch (op) {
	case IR_BITCAST: case IR_EXTU:
		*out = x;
		ok = true;
		break;
	case IR_WRAP:
		*out = (uint32_t)x;
		ok = true;
		break;
	case IR_IEXT32S:
		*out = (uint64_t)(int64_t)(int32_t)(uint32_t)x;
		ok = true;
		break;
	case IR_IEQZ: case IR_IEQ: case IR_INE: case IR_ILTS: case IR_ILTU: case IR_IGTS:
	case IR_IGTU: case IR_ILES: case IR_ILEU: case IR_IGES: case IR_IGEU:
		ok = eval_int(op, src == IRT_I64, x, y, out);
		break;
	case IR_FEQ: case IR_FNE: case IR_FLT: case IR_FGT: case IR_FLE: case IR_FGE:
		ok = eval_fcmp(op, src, x, y, out);
		break;
	case IR_TRUNCS: case IR_TRUNCU: case IR_SATS: case IR_SATU:
		ok = eval_trunc(op, type, src, x, out);
		break;
	case IR_CONVS: case IR_CONVU: {
		bool s64 = src == IRT_I64, sgn = op == IR_CONVS;
		if (type == IRT_F32) {
			float r = sgn ? (s64 ? (float)(int64_t)x : (float)(int32_t)(uint32_t)x)
				: (s64 ? (float)x : (float)(uint32_t)x);
			*out = op_float_bits(r);
		} else {
			double r = sgn ? (s64 ? (double)(int64_t)x : (double)(int32_t)(uint32_t)x)
				: (s64 ? (double)x : (double)(uint32_t)x);
			*out = op_double_bits(r);
		}
		ok = true;
		break;
	}
	case IR_DEMOTE:
		*out = op_is_nan64(x) ? op_demote_nan(x) : op_float_bits((float)op_slot_double(x));
		ok = true;
		break;
	case IR_PROMOTE:
		*out = op_is_nan32((uint32_t)x) ? op_promote_nan((uint32_t)x)
			: op_double_bits((double)op_slot_float(x));
		ok = true;
		break;
	default:
		if (type == IRT_I32 || type == IRT_I64)
			ok = eval_int(op, type == IRT_I64, x, y, out);
		else if (type == IRT_F32 || type == IRT_F64)
			ok = eval_float(op, type, x, y, nargs, out);
		else
			ok = false;
		break;
	}
	if (ok && ir_type_bytes[type] == 4)
		*out &= 0xffffffffull;
	return ok;
}

/* ---- the pass ------------------------------------------------------------------ */

/* r becomes a copy of v (v's type is r's). */
static void to_copy(ir_func *f, ir_ref r, ir_ref v)
{
	ir_morph(f, r, IR_COPY, 1, &v);
}

static void to_const(ir_func *f, ir_ref r, uint64_t bits)
{
	ir_ref k = ir_const(f, (enum ir_type)f->v[r].type, bits);
	if (k != IR_NONE)
		to_copy(f, r, k);
}

/* An exact identity for r (integer ops, select, conversions). */
static bool simplify(ir_func *f, ir_ref r)
{
	ir_insn *i = ir_at(f, r);
	enum ir_op op = (enum ir_op)i->op;
	ir_ref *a = ir_args(f, r);
	if (op == IR_SELECT) {
		ir_ref c = ir_resolve(f, a[0]);
		if (ir_is_const(f, c)) {
			to_copy(f, r, (uint32_t)f->v[c].imm ? a[1] : a[2]);
			return true;
		}
		if (ir_resolve(f, a[1]) == ir_resolve(f, a[2])) {
			to_copy(f, r, a[1]);
			return true;
		}
		return false;
	}
	if (op == IR_IEQZ && i->aux == IRT_I32) {
		/* eqz(compare) -> the negated compare (a compare is 0 or 1):
		 * branches on it fuse into cmp + jcc */
		ir_ref c = ir_resolve(f, a[0]);
		enum ir_op neg = ir_cmp_negate((enum ir_op)f->v[c].op);
		if (neg != IR_NOP) {
			ir_ref ca[2] = { ir_args(f, c)[0], ir_args(f, c)[1] };
			uint32_t src = f->v[c].aux;
			ir_morph(f, r, neg, 2, ca);
			f->v[r].aux = src;
			return true;
		}
		return false;
	}
	if (op == IR_WRAP || op == IR_BITCAST) {
		ir_ref x = ir_resolve(f, a[0]);
		enum ir_op inner = op == IR_WRAP ? IR_EXTU : IR_BITCAST;
		if (f->v[x].op == inner && f->v[ir_args(f, x)[0]].type == i->type) {
			to_copy(f, r, ir_args(f, x)[0]);
			return true;
		}
		return false;
	}
	if (i->nargs != 2 || (i->type != IRT_I32 && i->type != IRT_I64) ||
	    ir_ops[op].kind[0] != IRK_T)
		return false;
	if (ir_op_commutative(op) && ir_is_const(f, ir_resolve(f, a[0])) &&
	    !ir_is_const(f, ir_resolve(f, a[1]))) {
		ir_ref t = a[0];
		a[0] = a[1];
		a[1] = t;
		return true;
	}
	ir_ref x = ir_resolve(f, a[0]), y = ir_resolve(f, a[1]);
	uint64_t mask = i->type == IRT_I64 ? ~0ull : 0xffffffffull;
	if (ir_is_const(f, y)) {
		uint64_t k = f->v[y].imm & mask;
		uint64_t km = k & (i->type == IRT_I64 ? 63 : 31);
		switch (op) {
		case IR_IADD: case IR_ISUB: case IR_IOR: case IR_IXOR:
			if (k == 0) { to_copy(f, r, a[0]); return true; }
			break;
		case IR_ISHL: case IR_ISHRS: case IR_ISHRU: case IR_IROTL: case IR_IROTR:
			if (km == 0) { to_copy(f, r, a[0]); return true; }
			break;
		case IR_IMUL:
			if (k == 1) { to_copy(f, r, a[0]); return true; }
			if (k == 0) { to_const(f, r, 0); return true; }
			break;
		case IR_IAND:
			if (k == mask) { to_copy(f, r, a[0]); return true; }
			if (k == 0) { to_const(f, r, 0); return true; }
			break;
		default:
			break;
		}
	}
	if (x == y) {
		switch (op) {
		case IR_ISUB: case IR_IXOR: to_const(f, r, 0); return true;
		case IR_IOR: case IR_IAND: to_copy(f, r, a[0]); return true;
		default: break;
		}
	}
	return false;
}

/* The ops fold looks at past phis: those without effects but a trap,
 * with a result, and not a copy, call result or parameter (a table from
 * IR_OPS: fold asks it of every instruction in every round). */
static const bool folded_op[IR_OP_COUNT_] = {
#define FOLD_OP_(op, s, n, k0, k1, k2, r, c, e) [IR_##op] = \
	((e) & ~IRE_TRAP) == 0 && IRR_##r != IRR_NONE && IR_##op != IR_COPY && \
	IR_##op != IR_RESULT && IR_##op != IR_PARAM,
	IR_OPS(FOLD_OP_)
#undef FOLD_OP_
};

static bool fold_insn(ir_func *f, ir_ref r)
{
	/* (most are neither: the op's byte decides without the instruction) */
	if (f->opc[r] != IR_PHI && !folded_op[f->opc[r]])
		return false;
	ir_insn *i = ir_at(f, r);
	const ir_op_info *oi = &ir_ops[i->op];
	if (i->op == IR_PHI) {
		if (!i->nargs)
			return false;
		ir_ref k0 = ir_resolve(f, ir_args(f, r)[0]);
		if (!ir_is_const(f, k0))
			return false;
		bool same = true, already = true;
		for (uint32_t k = 0; k < i->nargs; k++) {
			ir_ref x = ir_resolve(f, ir_args(f, r)[k]);
			same &= ir_is_const(f, x) && f->v[x].type == f->v[k0].type &&
				f->v[x].imm == f->v[k0].imm;
			already &= ir_args(f, r)[k] == k0;
		}
		if (!same || already || f->v[k0].block != 0)
			return false;
		for (uint32_t k = 0; k < i->nargs; k++)
			ir_args(f, r)[k] = k0;
		return true;
	}
	if (!folded_op[i->op] || !i->nargs)
		return false;
	uint64_t vals[3], out;
	bool all = i->nargs <= 3;
	for (uint32_t k = 0; k < i->nargs && all; k++) {
		ir_ref x = ir_resolve(f, ir_args(f, r)[k]);
		all = ir_is_const(f, x);
		if (all)
			vals[k] = f->v[x].imm;
	}
	if (all && i->op != IR_SELECT &&
	    ir_eval((enum ir_op)i->op, (enum ir_type)i->type, (enum ir_type)i->aux,
		vals, i->nargs, &out)) {
		to_const(f, r, out);
		return true;
	}
	if (oi->effects)            /* may trap: only folded when it cannot */
		return false;
	return simplify(f, r);
}

bool ir_pass_fold(ir_func *f)
{
	bool any = false;
	for (uint32_t round = 0; round < 100; round++) {
		bool changed = false;
		for (uint32_t b = 0; b < f->nb; b++) {
			if (f->b[b].dead)
				continue;
			/* the list may grow (constants go to the entry block) */
			for (uint32_t j = 0; j < f->b[b].ninsn; j++)
				changed |= fold_insn(f, f->b[b].insn[j]);
		}
		any |= changed;
		if (!changed || f->oom)
			return any;
	}
	f->unfinished = true;   /* the last round changed something */
	return any;
}
