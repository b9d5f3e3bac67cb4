/* simdimg.c -- integer image filters on 128-bit vectors (sixteen u8 or
 * eight u16 lanes) over 256x256 RGBA frames: a 3x3 Gaussian blur (1-2-1
 * separable, u16 sums, rounding shift, saturating pack), an alpha blend
 * with the alpha byte broadcast by a byte shuffle and an exact divide by
 * 255, a glow (saturating add of a rounding average), an absolute
 * difference (two saturating subtracts), and a checksum per row from
 * pairwise widening adds and i16 dot products.  Each frame feeds the next.
 *
 * Written with explicit vectors: wasm_simd128.h for wasm (-msimd128) and
 * the matching SSE4.1 intrinsics natively (_mm_adds_epu8 for
 * i8x16.add_sat_u, _mm_avg_epu8 for i8x16.avgr_u, _mm_shuffle_epi8 for
 * i8x16.swizzle, _mm_packus_epi16 for i8x16.narrow_i16x8_u, _mm_madd_epi16
 * for i32x4.dot_i16x8_s, ...), so both builds run the same algorithm with
 * the same vector width.  Integer arithmetic only: the checksum is exact.
 *
 * bench-cflags lines (read by bench/run.sh): */
/* bench-cflags-wasm: -msimd128 */
/* bench-cflags-native: -msse4.1 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The kernels stay functions of their own, called many times, as a
 * library's would be: V8 moves a function to TurboFan on a later call
 * (there is no on-stack replacement for wasm), so a main with every
 * kernel inlined would run in Liftoff throughout.  noinline is not enough:
 * wasm-opt, which clang runs after linking when it is on PATH, inlines a
 * function called from one place whatever its attributes.  So main calls
 * the kernels through volatile pointers (K(name)), natively too. */
#define NOINLINE __attribute__((noinline))
#define K(f) (*k_##f)

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t vec;
static inline vec ld(const void *p) { return wasm_v128_load(p); }
static inline void st(void *p, vec v) { wasm_v128_store(p, v); }
static inline vec u8_splat(uint8_t x) { return wasm_u8x16_splat(x); }
static inline vec u16_splat(uint16_t x) { return wasm_u16x8_splat(x); }
static inline vec u8_adds(vec a, vec b) { return wasm_u8x16_add_sat(a, b); }
static inline vec u8_subs(vec a, vec b) { return wasm_u8x16_sub_sat(a, b); }
static inline vec u8_avgr(vec a, vec b) { return wasm_u8x16_avgr(a, b); }
static inline vec u8_sub(vec a, vec b) { return wasm_i8x16_sub(a, b); }
static inline vec v_or(vec a, vec b) { return wasm_v128_or(a, b); }
/* Bytes 3, 7, 11, 15 (the alpha of each RGBA pixel), each four times. */
static inline vec bcast_alpha(vec v)
{
	return wasm_i8x16_shuffle(v, v, 3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11, 15, 15, 15, 15);
}
static inline vec u16_lo(vec v) { return wasm_u16x8_extend_low_u8x16(v); }
static inline vec u16_hi(vec v) { return wasm_u16x8_extend_high_u8x16(v); }
static inline vec u16_add(vec a, vec b) { return wasm_i16x8_add(a, b); }
static inline vec u16_mul(vec a, vec b) { return wasm_i16x8_mul(a, b); }
static inline vec u16_shl1(vec a) { return wasm_i16x8_shl(a, 1); }
static inline vec u16_shr4(vec a) { return wasm_u16x8_shr(a, 4); }
static inline vec u16_shr8(vec a) { return wasm_u16x8_shr(a, 8); }
static inline vec u8_pack(vec lo, vec hi) { return wasm_u8x16_narrow_i16x8(lo, hi); }
/* u8 pairs summed into eight u16, u16 pairs into four u32. */
static inline vec u8_pairsum(vec v) { return wasm_u16x8_extadd_pairwise_u8x16(v); }
static inline vec u16_pairsum(vec v) { return wasm_u32x4_extadd_pairwise_u16x8(v); }
static inline vec i16_dot(vec a, vec b) { return wasm_i32x4_dot_i16x8(a, b); }
static inline vec u32_add(vec a, vec b) { return wasm_i32x4_add(a, b); }
#elif defined(__SSE4_1__)
#include <smmintrin.h>
typedef __m128i vec;
static inline vec ld(const void *p) { return _mm_loadu_si128((const __m128i *)p); }
static inline void st(void *p, vec v) { _mm_storeu_si128((__m128i *)p, v); }
static inline vec u8_splat(uint8_t x) { return _mm_set1_epi8((char)x); }
static inline vec u16_splat(uint16_t x) { return _mm_set1_epi16((short)x); }
static inline vec u8_adds(vec a, vec b) { return _mm_adds_epu8(a, b); }
static inline vec u8_subs(vec a, vec b) { return _mm_subs_epu8(a, b); }
static inline vec u8_avgr(vec a, vec b) { return _mm_avg_epu8(a, b); }
static inline vec u8_sub(vec a, vec b) { return _mm_sub_epi8(a, b); }
static inline vec v_or(vec a, vec b) { return _mm_or_si128(a, b); }
static inline vec bcast_alpha(vec v)
{
	return _mm_shuffle_epi8(v, _mm_setr_epi8(3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11, 15, 15, 15, 15));
}
static inline vec u16_lo(vec v) { return _mm_cvtepu8_epi16(v); }
static inline vec u16_hi(vec v) { return _mm_unpackhi_epi8(v, _mm_setzero_si128()); }
static inline vec u16_add(vec a, vec b) { return _mm_add_epi16(a, b); }
static inline vec u16_mul(vec a, vec b) { return _mm_mullo_epi16(a, b); }
static inline vec u16_shl1(vec a) { return _mm_slli_epi16(a, 1); }
static inline vec u16_shr4(vec a) { return _mm_srli_epi16(a, 4); }
static inline vec u16_shr8(vec a) { return _mm_srli_epi16(a, 8); }
static inline vec u8_pack(vec lo, vec hi) { return _mm_packus_epi16(lo, hi); }
static inline vec u8_pairsum(vec v) { return _mm_maddubs_epi16(v, _mm_set1_epi8(1)); }
static inline vec u16_pairsum(vec v) { return _mm_madd_epi16(v, _mm_set1_epi16(1)); }
static inline vec i16_dot(vec a, vec b) { return _mm_madd_epi16(a, b); }
static inline vec u32_add(vec a, vec b) { return _mm_add_epi32(a, b); }
#else
#error "simdimg.c needs -msimd128 (wasm) or -msse4.1 (x86-64)"
#endif

#define W 256
#define H 256
#define ROWB (W * 4)            /* bytes of pixels in a row */
#define STRIDE ((W + 2) * 4)    /* a row with a one-pixel border each side */
#define FRAMES 400

/* Frames with a one-pixel border (rows -1 and H, columns -1 and W). */
typedef uint8_t frame[H + 2][STRIDE];

static frame fa, fb, fg, fc, fd;
static uint16_t tmp[H + 2][ROWB];

static inline uint8_t *px(frame f, int y, int x) { return &f[y + 1][(x + 1) * 4]; }

/* Copy the edge pixels into the border, so the blur sees a clamped image. */
static void fill_border(frame f)
{
	for (int y = 0; y < H; y++) {
		memcpy(px(f, y, -1), px(f, y, 0), 4);
		memcpy(px(f, y, W), px(f, y, W - 1), 4);
	}
	memcpy(f[0], f[1], STRIDE);
	memcpy(f[H + 1], f[H], STRIDE);
}

/* out = in blurred by [1 2 1] x [1 2 1] / 16, rounded, per channel. */
static NOINLINE void gauss(frame in, frame out)
{
	fill_border(in);
	for (int y = 0; y < H + 2; y++) {
		const uint8_t *p = &in[y][4];
		for (int x = 0; x < ROWB; x += 16) {
			vec l = ld(p + x - 4), c = ld(p + x), r = ld(p + x + 4);
			st(&tmp[y][x], u16_add(u16_add(u16_lo(l), u16_lo(r)), u16_shl1(u16_lo(c))));
			st(&tmp[y][x + 8], u16_add(u16_add(u16_hi(l), u16_hi(r)), u16_shl1(u16_hi(c))));
		}
	}
	vec eight = u16_splat(8);
	for (int y = 1; y <= H; y++)
		for (int x = 0; x < ROWB; x += 16) {
			vec lo = u16_add(u16_add(ld(&tmp[y - 1][x]), ld(&tmp[y + 1][x])), u16_shl1(ld(&tmp[y][x])));
			vec hi = u16_add(u16_add(ld(&tmp[y - 1][x + 8]), ld(&tmp[y + 1][x + 8])),
				u16_shl1(ld(&tmp[y][x + 8])));
			st(&out[y][4 + x], u8_pack(u16_shr4(u16_add(lo, eight)), u16_shr4(u16_add(hi, eight))));
		}
}
static void (*volatile k_gauss)(frame, frame) = gauss;

/* (v + 128 + ((v + 128) >> 8)) >> 8 == round(v / 255) for v <= 255 * 255. */
static inline vec div255(vec v)
{
	v = u16_add(v, u16_splat(128));
	return u16_shr8(u16_add(v, u16_shr8(v)));
}

/* out = src over dst with src's alpha: (s * a + d * (255 - a)) / 255. */
static NOINLINE void blend(frame src, frame dst, frame out)
{
	vec all = u8_splat(255);
	for (int y = 0; y < H; y++) {
		const uint8_t *s = px(src, y, 0), *d = px(dst, y, 0);
		uint8_t *o = px(out, y, 0);
		for (int x = 0; x < ROWB; x += 16) {
			vec sv = ld(s + x), dv = ld(d + x);
			vec a = bcast_alpha(sv), na = u8_sub(all, a);
			vec lo = u16_add(u16_mul(u16_lo(sv), u16_lo(a)), u16_mul(u16_lo(dv), u16_lo(na)));
			vec hi = u16_add(u16_mul(u16_hi(sv), u16_hi(a)), u16_mul(u16_hi(dv), u16_hi(na)));
			st(o + x, u8_pack(div255(lo), div255(hi)));
		}
	}
}
static void (*volatile k_blend)(frame, frame, frame) = blend;

/* out = a + avg(b, c), saturated; diff = |out - a|. */
static NOINLINE void glow_diff(frame a, frame b, frame c, frame out, frame diff)
{
	for (int y = 0; y < H; y++) {
		const uint8_t *pa = px(a, y, 0), *pb = px(b, y, 0), *pc = px(c, y, 0);
		uint8_t *po = px(out, y, 0), *pd = px(diff, y, 0);
		for (int x = 0; x < ROWB; x += 16) {
			vec va = ld(pa + x);
			vec g = u8_adds(va, u8_avgr(ld(pb + x), ld(pc + x)));
			st(po + x, g);
			st(pd + x, v_or(u8_subs(g, va), u8_subs(va, g)));
		}
	}
}
static void (*volatile k_glow_diff)(frame, frame, frame, frame, frame) = glow_diff;

static uint64_t hash = 14695981039346656037u;
static void mix(uint32_t v) { hash = (hash ^ v) * 1099511628211u; }

/* Per row: the byte sum and a sum weighted by position within 16 bytes. */
static NOINLINE void digest(frame f)
{
	static const int16_t wl[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, wh[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };
	vec wlo = ld(wl), whi = ld(wh);
	for (int y = 0; y < H; y++) {
		const uint8_t *p = px(f, y, 0);
		vec sum = u16_splat(0), wsum = sum;
		for (int x = 0; x < ROWB; x += 16) {
			vec v = ld(p + x);
			sum = u32_add(sum, u16_pairsum(u8_pairsum(v)));
			wsum = u32_add(wsum, u32_add(i16_dot(u16_lo(v), wlo), i16_dot(u16_hi(v), whi)));
		}
		uint32_t s[4], ws[4];
		st(s, sum);
		st(ws, wsum);
		mix(s[0] + s[1] + s[2] + s[3]);
		mix(ws[0] ^ (ws[1] << 1) ^ (ws[2] << 2) ^ (ws[3] << 3));
	}
}
static void (*volatile k_digest)(frame) = digest;

static uint32_t rng = 2463534242u;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

int main(void)
{
	/* A: gradients, rings and noise, opaque; B: noise with varying alpha. */
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			uint8_t *a = px(fa, y, x), *b = px(fb, y, x);
			int dx = x - W / 2, dy = y - H / 2;
			a[0] = (uint8_t)x;
			a[1] = (uint8_t)y;
			a[2] = (uint8_t)((dx * dx + dy * dy) >> 4);
			a[3] = 255;
			uint32_t r = next();
			b[0] = (uint8_t)r;
			b[1] = (uint8_t)(r >> 8);
			b[2] = (uint8_t)(r >> 16);
			b[3] = (uint8_t)((x ^ y) & 0xff);
		}
	for (int f = 0; f < FRAMES; f++) {
		K(gauss)(fa, fg);
		K(blend)(fb, fg, fc);
		K(glow_diff)(fc, fa, fg, fd, fa); /* fa becomes the difference... */
		K(digest)(fd);
		K(digest)(fa);
		/* ...and the next frame starts from the blend, with B's rows
		 * rotated by one so the overlay moves. */
		memcpy(fa, fc, sizeof fa);
		memmove(fb[1], fb[2], (size_t)STRIDE * (H - 1));
		for (int x = 0; x < W; x++) {
			uint32_t r = next();
			memcpy(px(fb, H - 1, x), &r, 4);
		}
	}
	printf("simdimg %016llx\n", (unsigned long long)hash);
	return 0;
}
