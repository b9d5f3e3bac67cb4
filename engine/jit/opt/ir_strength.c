/* ir_strength.c -- strength reduction: division, remainder and
 * multiplication by constants become shifts, masks, adds and one
 * multiplication.
 *
 * Wasm's division traps on a zero divisor and on INT_MIN / -1; a divisor
 * that is a constant other than 0 (and, for signed division, -1) can do
 * neither, so the trapping op is replaced by pure ones that give the same
 * value for every dividend.  Divisions by 0 and signed divisions by -1
 * stay as they are and trap in order, with their own site.
 *
 *   x /u 2^k -> x >>u k          x %u 2^k -> x & (2^k - 1)
 *   x /s ±2^k -> (x + bias) >>s k, negated for -2^k, where
 *       bias = (x >>s (w-1)) >>u (w-k) (2^k - 1 for negative x: rounds
 *       toward zero)
 *   x %s ±2^k -> x - ((x + bias) & -2^k)      x %s -1 -> 0
 *   x /s INT_MIN -> x == INT_MIN     x %s INT_MIN -> x == INT_MIN ? 0 : x
 *   x /u d (i32) -> (zext x * m) >>u p, m = ceil(2^p / d), the smallest
 *       p in 32..32+l (l = ceil(log2 d)) with m*d - 2^p <= 2^(p-32) and
 *       m < 2^32 (then n*e < 2^p for every n < 2^32: the quotient is
 *       exact, Granlund and Montgomery, "Division by Invariant Integers
 *       using Multiplication", 1994); when m needs 33 bits:
 *       ((zext x * (m - 2^32)) >>u 32 + zext x) >>u l, the sum in 64 bits
 *   x /u d >= 2^(w-1) -> x >=u d
 *   x /s d (i32) -> ((sext x * m) >>s p) + (x >>u 31), negated for d < 0,
 *       p = 31 + l, m = ceil(2^p / |d|) < 2^32: for |n| <= 2^31,
 *       n*e < 2^p so floor(|n| m / 2^p) = floor(|n| / |d|), and |n| m / 2^p
 *       is never an integer for n != 0 (e >= 1), so the floor of the
 *       negative product plus one is the quotient rounded toward zero
 *   x /u d (i64) -> imulh_u(x, m) >>u (p - 64), the same condition for
 *       p in 64..63+l; an even d = d' 2^z whose m needs 65 bits divides
 *       x >>u z by d' (a narrower dividend: always 64 bits); an odd one
 *       t = imulh_u(x, m - 2^64), (t + ((x - t) >>u 1)) >>u (l - 1)
 *   x /s d (i64) -> (imulh_s(x, m) >>s (p - 64)) + (x >>u 63), the
 *       smallest p in 64..63+l with m < 2^63 and |x| e < 2^p, else p =
 *       63+l with hi = imulh_s(x, m - 2^64) + x (sdiv_const64); for
 *       d < 0, (x >>s 63) - (hi >>s (p - 64))
 *   x % d -> x - (x / d) * d, with the quotient above (and the product
 *       reduced as below)
 *   x * 2^k -> x << k       x * 3, 5, 9 -> x + (x << 1, 2, 3) (a lea)
 *
 * i32 keeps its 64-bit multiply (an imul with any registers) rather than
 * imulh.i32 (mul's fixed rax and rdx); i64 needs the high half of the
 * 128-bit product, imulh.
 */
#include "jit/opt/passes.h"

#include <string.h>

typedef struct {
	ir_func *f;
	ir_ref at;              /* new instructions go right before it */
} sr;

/* A new pure instruction before s->at; IR_NONE when out of memory. */
static ir_ref emit(sr *s, enum ir_op op, enum ir_type t, ir_ref a, ir_ref b)
{
	ir_ref args[2] = { a, b };
	uint32_t n = b != IR_NONE ? 2 : 1;
	ir_ref r = ir_insn_new(s->f, op, t, n);
	if (r == IR_NONE) {
		s->f->oom = true;
		return IR_NONE;
	}
	memcpy(ir_args(s->f, r), args, n * sizeof *args);
	s->f->v[r].site = s->f->v[s->at].site;
	ir_insert_before(s->f, s->at, r);
	return r;
}

static ir_ref konst(sr *s, enum ir_type t, uint64_t v)
{
	ir_ref r = ir_const(s->f, t, v);
	if (r == IR_NONE)
		s->f->oom = true;
	return r;
}

static ir_ref shift(sr *s, enum ir_op op, enum ir_type t, ir_ref x, unsigned n)
{
	return emit(s, op, t, x, konst(s, t, n));
}

static unsigned log2_ceil(uint64_t d)
{
	return d <= 1 ? 0 : 64 - (unsigned)__builtin_clzll(d - 1);
}

static bool pow2(uint64_t d) { return d && !(d & (d - 1)); }

/* x >>op n, or x itself for n = 0. */
static ir_ref shift_nz(sr *s, enum ir_op op, enum ir_type t, ir_ref x, unsigned n)
{
	return n ? shift(s, op, t, x, n) : x;
}

/* The multiplier of x /u d for every x < 2^n (n <= 64), d >= 3 not a
 * power of two: the smallest p in 64..63+l (l = ceil(log2 d)) with
 * m = ceil(2^p / d) < 2^64 and e = m*d - 2^p <= 2^(p-n), so that
 * x*e < 2^p and floor(x*m / 2^p) = floor(x / d); false when there is
 * none (p = 64+l always works, but its m needs 65 bits). */
static bool umagic64(uint64_t d, unsigned n, uint64_t *m, unsigned *p)
{
	unsigned l = log2_ceil(d);
	for (unsigned q = 64; q < 64 + l; q++) {
		unsigned __int128 two_q = (unsigned __int128)1 << q;
		unsigned __int128 mq = (two_q + d - 1) / d;
		unsigned __int128 e = mq * d - two_q;
		if (!(mq >> 64) && e <= (unsigned __int128)1 << (q - n)) {
			*m = (uint64_t)mq;
			*p = q;
			return true;
		}
	}
	return false;
}

/* x /u d, i64, 3 <= d < 2^63 not a power of two: the high half of
 * x * m shifted by p - 64.  An even d = d' 2^z whose m needs 65 bits
 * divides x >> z by d' instead: that dividend is below 2^(64-z), and
 * with z >= 1 p = 63 + ceil(log2 d') always fits (e < d' <= 2^(p-64+z)).
 * An odd one takes m - 2^64 = m' and adds x back without a 65-bit sum:
 * with t = hi(x m'), floor(x m / 2^p) = floor((t + x) / 2^l), and
 * t <= x, so (t + x) / 2 = t + (x - t) / 2 (Granlund and Montgomery,
 * figure 4.1). */
static ir_ref udiv_const64(sr *s, ir_ref x, uint64_t d)
{
	uint64_t m;
	unsigned p, z = (unsigned)__builtin_ctzll(d);
	if (!umagic64(d, 64, &m, &p)) {
		if (!z) {
			unsigned l = log2_ceil(d);              /* 2..63 */
			unsigned __int128 mp = (((unsigned __int128)1 << (64 + l)) + d - 1) / d;
			ir_ref t = emit(s, IR_IMULHU, IRT_I64, x,
				konst(s, IRT_I64, (uint64_t)mp));       /* m - 2^64 */
			ir_ref half = shift(s, IR_ISHRU, IRT_I64,
				emit(s, IR_ISUB, IRT_I64, x, t), 1);
			return shift(s, IR_ISHRU, IRT_I64,
				emit(s, IR_IADD, IRT_I64, half, t), l - 1);
		}
		if (!umagic64(d >> z, 64 - z, &m, &p))
			return IR_NONE;         /* cannot happen (above) */
		x = shift(s, IR_ISHRU, IRT_I64, x, z);
	}
	ir_ref h = emit(s, IR_IMULHU, IRT_I64, x, konst(s, IRT_I64, m));
	return shift_nz(s, IR_ISHRU, IRT_I64, h, p - 64);
}

/* x /u d, d >= 3 not a power of two (any width). */
static ir_ref udiv_const(sr *s, enum ir_type t, ir_ref x, uint64_t d)
{
	unsigned w = t == IRT_I64 ? 64 : 32;
	if (d >> (w - 1)) {                 /* the quotient is 0 or 1 */
		ir_ref c = emit(s, IR_IGEU, IRT_I32, x, konst(s, t, d));
		if (c != IR_NONE)
			s->f->v[c].aux = t;
		return t == IRT_I64 ? emit(s, IR_EXTU, IRT_I64, c, IR_NONE) : c;
	}
	if (w == 64)
		return udiv_const64(s, x, d);
	unsigned l = log2_ceil(d);         /* 2..31 */
	ir_ref x64 = emit(s, IR_EXTU, IRT_I64, x, IR_NONE);
	for (unsigned p = 32; p <= 32 + l; p++) {
		unsigned __int128 two_p = (unsigned __int128)1 << p;
		unsigned __int128 m = (two_p + d - 1) / d;
		unsigned __int128 e = m * d - two_p;
		if (e <= ((unsigned __int128)1 << (p - 32)) && m < ((unsigned __int128)1 << 32)) {
			ir_ref pr = emit(s, IR_IMUL, IRT_I64, x64, konst(s, IRT_I64, (uint64_t)m));
			return emit(s, IR_WRAP, IRT_I32, shift(s, IR_ISHRU, IRT_I64, pr, p), IR_NONE);
		}
	}
	unsigned __int128 m = (((unsigned __int128)1 << (32 + l)) + d - 1) / d;
	ir_ref pr = emit(s, IR_IMUL, IRT_I64, x64,
		konst(s, IRT_I64, (uint64_t)(m - ((unsigned __int128)1 << 32))));
	ir_ref sum = emit(s, IR_IADD, IRT_I64, shift(s, IR_ISHRU, IRT_I64, pr, 32), x64);
	return emit(s, IR_WRAP, IRT_I32, shift(s, IR_ISHRU, IRT_I64, sum, l), IR_NONE);
}

/* x /s d, i32, |d| >= 3 not a power of two, d != INT_MIN. */
static ir_ref sdiv_const32(sr *s, ir_ref x, int32_t d)
{
	uint64_t ad = d < 0 ? (uint64_t)-(int64_t)d : (uint64_t)d;
	unsigned p = 31 + log2_ceil(ad);
	uint64_t m = ((1ull << p) + ad - 1) / ad;
	ir_ref x64 = emit(s, IR_IEXT32S, IRT_I64, emit(s, IR_EXTU, IRT_I64, x, IR_NONE),
		IR_NONE);
	ir_ref pr = emit(s, IR_IMUL, IRT_I64, x64, konst(s, IRT_I64, m));
	ir_ref q = emit(s, IR_WRAP, IRT_I32, shift(s, IR_ISHRS, IRT_I64, pr, p), IR_NONE);
	q = emit(s, IR_IADD, IRT_I32, q, shift(s, IR_ISHRU, IRT_I32, x, 31));
	return d < 0 ? emit(s, IR_ISUB, IRT_I32, konst(s, IRT_I32, 0), q) : q;
}

/* x /s d, i64, |d| >= 3 not a power of two (so not INT64_MIN): as for
 * i32, with p in 64..63+l (l = ceil(log2 |d|)), m = ceil(2^p / |d|) and
 * e = m|d| - 2^p < 2^(p-63), so that |x| e < 2^p for |x| <= 2^63: the
 * smallest such p whose m < 2^63 (a signed multiplier), else p = 63+l,
 * where e < |d| < 2^l always holds and 2^63 < m < 2^64: then m as
 * signed bits is m - 2^64, and hi(x m) = hi_s(x (m - 2^64)) + x, which
 * fits in 64 bits (|x m| < 2^127).  q = (hi >>s (p - 64)) + (x >>u 63);
 * for d < 0, -q = (x >>s 63) - (hi >>s (p - 64)). */
static ir_ref sdiv_const64(sr *s, ir_ref x, int64_t d)
{
	uint64_t ad = d < 0 ? -(uint64_t)d : (uint64_t)d;
	unsigned l = log2_ceil(ad), p;
	unsigned __int128 m = 0;
	for (p = 64; p < 63 + l; p++) {
		unsigned __int128 two_p = (unsigned __int128)1 << p;
		m = (two_p + ad - 1) / ad;
		unsigned __int128 e = m * ad - two_p;
		if (!(m >> 63) && e < (unsigned __int128)1 << (p - 63))
			break;
	}
	if (p == 63 + l)
		m = (((unsigned __int128)1 << p) + ad - 1) / ad;
	ir_ref h = emit(s, IR_IMULHS, IRT_I64, x, konst(s, IRT_I64, (uint64_t)m));
	if (m >> 63)
		h = emit(s, IR_IADD, IRT_I64, h, x);
	h = shift_nz(s, IR_ISHRS, IRT_I64, h, p - 64);
	if (d < 0)
		return emit(s, IR_ISUB, IRT_I64, shift(s, IR_ISHRS, IRT_I64, x, 63), h);
	return emit(s, IR_IADD, IRT_I64, h, shift(s, IR_ISHRU, IRT_I64, x, 63));
}

/* The value of r (a div, rem or mul of type t by constant bits c), or
 * IR_NONE to leave r alone. */
static ir_ref reduce(sr *s, enum ir_op op, enum ir_type t, ir_ref x, uint64_t c)
{
	unsigned w = t == IRT_I64 ? 64 : 32;
	uint64_t mask = w == 64 ? ~0ull : 0xffffffffull;
	c &= mask;
	int64_t sc = w == 64 ? (int64_t)c : (int64_t)(int32_t)(uint32_t)c;
	uint64_t ac = sc < 0 ? (~c + 1) & mask : c;
	unsigned k = ac ? (unsigned)__builtin_ctzll(ac) : 0;
	switch (op) {
	case IR_IMUL:
		if (pow2(c) && c > 1)
			return shift(s, IR_ISHL, t, x, (unsigned)__builtin_ctzll(c));
		if (c == 3 || c == 5 || c == 9)
			return emit(s, IR_IADD, t, x, shift(s, IR_ISHL, t, x, log2_ceil(c) - 1));
		return IR_NONE;
	case IR_IDIVU: case IR_IREMU:
		if (c == 0)
			return IR_NONE;                 /* traps */
		if (pow2(c)) {
			if (op == IR_IDIVU)
				return c == 1 ? x : shift(s, IR_ISHRU, t, x, k);
			return c == 1 ? konst(s, t, 0) : emit(s, IR_IAND, t, x, konst(s, t, c - 1));
		}
		break;
	case IR_IDIVS: case IR_IREMS:
		if (c == 0 || (sc == -1 && op == IR_IDIVS))
			return IR_NONE;                 /* traps */
		if (ac == 1)
			return op == IR_IDIVS ? x : konst(s, t, 0);
		if (ac == 1ull << (w - 1)) {            /* INT_MIN: only itself */
			ir_ref eq = emit(s, IR_IEQ, IRT_I32, x, konst(s, t, c));
			if (eq != IR_NONE)
				s->f->v[eq].aux = t;
			if (op == IR_IREMS) {
				ir_ref sel = ir_insn_new(s->f, IR_SELECT, t, 3);
				if (sel == IR_NONE) {
					s->f->oom = true;
					return IR_NONE;
				}
				ir_ref args[3] = { eq, konst(s, t, 0), x };
				memcpy(ir_args(s->f, sel), args, sizeof args);
				s->f->v[sel].site = s->f->v[s->at].site;
				ir_insert_before(s->f, s->at, sel);
				return sel;
			}
			return t == IRT_I64 ? emit(s, IR_EXTU, IRT_I64, eq, IR_NONE) : eq;
		}
		if (pow2(ac)) {
			ir_ref bias = k == 1 ? shift(s, IR_ISHRU, t, x, w - 1) :
				shift(s, IR_ISHRU, t, shift(s, IR_ISHRS, t, x, w - 1), w - k);
			ir_ref sum = emit(s, IR_IADD, t, x, bias);
			if (op == IR_IREMS)
				return emit(s, IR_ISUB, t, x,
					emit(s, IR_IAND, t, sum, konst(s, t, ~(ac - 1) & mask)));
			ir_ref q = shift(s, IR_ISHRS, t, sum, k);
			return sc < 0 ? emit(s, IR_ISUB, t, konst(s, t, 0), q) : q;
		}
		break;
	default:
		return IR_NONE;
	}
	/* not a power of two: a quotient by multiplication, then the
	 * remainder from it */
	ir_ref q;
	if (op == IR_IDIVU || op == IR_IREMU)
		q = udiv_const(s, t, x, c);
	else
		q = w == 32 ? sdiv_const32(s, x, (int32_t)sc) : sdiv_const64(s, x, sc);
	if (q == IR_NONE || op == IR_IDIVU || op == IR_IDIVS)
		return q;
	ir_ref qd = reduce(s, IR_IMUL, t, q, c);        /* q * 3 -> lea, ... */
	if (qd == IR_NONE)
		qd = emit(s, IR_IMUL, t, q, konst(s, t, c));
	return emit(s, IR_ISUB, t, x, qd);
}

bool ir_pass_strength(ir_func *f)
{
	bool any = false;
	for (uint32_t b = 0; b < f->nb && !f->oom; b++) {
		if (f->b[b].dead)
			continue;
		/* the block grows before the instruction at j: walk by value */
		for (uint32_t j = 0; j < f->b[b].ninsn && !f->oom; j++) {
			ir_ref r = f->b[b].insn[j];
			enum ir_op op = (enum ir_op)f->opc[r];
			if (op != IR_IMUL && op != IR_IDIVU && op != IR_IREMU &&
			    op != IR_IDIVS && op != IR_IREMS)
				continue;
			ir_insn *i = ir_at(f, r);
			enum ir_type t = (enum ir_type)i->type;
			ir_ref x = ir_resolve(f, ir_args(f, r)[0]);
			ir_ref y = ir_resolve(f, ir_args(f, r)[1]);
			if (op == IR_IMUL && ir_is_const(f, x) && !ir_is_const(f, y)) {
				ir_ref tmp = x;
				x = y;
				y = tmp;
			}
			if (!ir_is_const(f, y))
				continue;
			sr s = { .f = f, .at = r };
			uint32_t before = f->b[b].ninsn;
			ir_ref v = reduce(&s, op, t, x, f->v[y].imm);
			if (f->oom)
				break;
			j += f->b[b].ninsn - before;    /* r moved along */
			if (v == IR_NONE)
				continue;
			ir_morph(f, r, IR_COPY, 1, &v);
			any = true;
		}
	}
	return any;
}
