/* simddot.c -- f32 kernels on 128-bit vectors (four f32 lanes): dot
 * products with four accumulators and a shuffle reduction, an a*x + b*y
 * update, a 24-tap FIR filter with unaligned loads, and a register-blocked
 * single-precision matrix multiply.
 *
 * Written with explicit vectors: wasm_simd128.h for wasm (-msimd128), the
 * matching SSE intrinsics natively, one to one, so both builds do the same
 * f32 operations in the same order.  Neither side has a fused
 * multiply-add (SIMD128 has none; contraction is also switched off below),
 * so every result is a correctly rounded f32 operation and the checksum
 * hashes the exact bits: a tier that gets one lane wrong by one ulp prints
 * a different line.
 *
 * bench-cflags lines (read by bench/run.sh): */
/* bench-cflags-wasm: -msimd128 */
/* bench-cflags-native: -msse4.1 */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
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
typedef v128_t f4;
static inline f4 f4_load(const float *p) { return wasm_v128_load(p); }
static inline void f4_store(float *p, f4 v) { wasm_v128_store(p, v); }
static inline f4 f4_splat(float x) { return wasm_f32x4_splat(x); }
static inline f4 f4_add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
static inline f4 f4_mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
/* Lanes (2, 3, 0, 1) and (1, 0, 3, 2) of v. */
static inline f4 f4_swap64(f4 v) { return wasm_i32x4_shuffle(v, v, 2, 3, 0, 1); }
static inline f4 f4_swap32(f4 v) { return wasm_i32x4_shuffle(v, v, 1, 0, 3, 2); }
static inline float f4_lane0(f4 v) { return wasm_f32x4_extract_lane(v, 0); }
#elif defined(__SSE4_1__)
#include <smmintrin.h>
typedef __m128 f4;
static inline f4 f4_load(const float *p) { return _mm_loadu_ps(p); }
static inline void f4_store(float *p, f4 v) { _mm_storeu_ps(p, v); }
static inline f4 f4_splat(float x) { return _mm_set1_ps(x); }
static inline f4 f4_add(f4 a, f4 b) { return _mm_add_ps(a, b); }
static inline f4 f4_mul(f4 a, f4 b) { return _mm_mul_ps(a, b); }
static inline f4 f4_swap64(f4 v) { return _mm_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)); }
static inline f4 f4_swap32(f4 v) { return _mm_shuffle_ps(v, v, _MM_SHUFFLE(2, 3, 0, 1)); }
static inline float f4_lane0(f4 v) { return _mm_cvtss_f32(v); }
#else
#error "simddot.c needs -msimd128 (wasm) or -msse4.1 (x86-64)"
#endif

/* (v0 + v2) + (v1 + v3), the same bits in both builds. */
static inline float f4_hsum(f4 v)
{
	v = f4_add(v, f4_swap64(v));
	v = f4_add(v, f4_swap32(v));
	return f4_lane0(v);
}

static uint32_t rng = 2463534242u;
static float frand(void) /* in [-1, 1), 24 random bits */
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (float)(int32_t)(rng >> 8) / 8388608.0f - 1.0f;
}

static uint64_t hash = 14695981039346656037u;
static void mix_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	hash = (hash ^ u) * 1099511628211u;
}

/* ---- dot product and a*x + b*y ------------------------------------------ */

#define VN 4096

static float vx[VN], vy[VN];

static NOINLINE float dot(const float *x, const float *y, int n) /* n % 16 == 0 */
{
	f4 a0 = f4_splat(0), a1 = a0, a2 = a0, a3 = a0;
	for (int i = 0; i < n; i += 16) {
		a0 = f4_add(a0, f4_mul(f4_load(x + i), f4_load(y + i)));
		a1 = f4_add(a1, f4_mul(f4_load(x + i + 4), f4_load(y + i + 4)));
		a2 = f4_add(a2, f4_mul(f4_load(x + i + 8), f4_load(y + i + 8)));
		a3 = f4_add(a3, f4_mul(f4_load(x + i + 12), f4_load(y + i + 12)));
	}
	return f4_hsum(f4_add(f4_add(a0, a1), f4_add(a2, a3)));
}
static float (*volatile k_dot)(const float *, const float *, int) = dot;

static NOINLINE void axpby(float a, const float *x, float b, float *y, int n) /* n % 8 == 0 */
{
	f4 va = f4_splat(a), vb = f4_splat(b);
	for (int i = 0; i < n; i += 8) {
		f4_store(y + i, f4_add(f4_mul(va, f4_load(x + i)), f4_mul(vb, f4_load(y + i))));
		f4_store(y + i + 4, f4_add(f4_mul(va, f4_load(x + i + 4)), f4_mul(vb, f4_load(y + i + 4))));
	}
}
static void (*volatile k_axpby)(float, const float *, float, float *, int) = axpby;

static void run_dot(int rounds)
{
	for (int i = 0; i < VN; i++) {
		vx[i] = frand();
		vy[i] = frand();
	}
	for (int r = 0; r < rounds; r++) {
		/* |b| < 1 keeps y bounded; the coefficients change every round. */
		float a = (float)((r % 7) - 3) * 0.125f, b = 0.5f + (float)(r % 5) * 0.0625f;
		K(axpby)(a, vx, b, vy, VN);
		float d = K(dot)(vx, vy, VN);
		if (r % 64 == 0)
			mix_bits(d);
		vx[r % VN] = -vx[r % VN];
	}
	mix_bits(K(dot)(vy, vy, VN));
}

/* ---- FIR filter ------------------------------------------------------------ */

#define TAPS 24
#define SN 8192

static float sig[SN + TAPS], fout[SN], taps[TAPS];

/* out[i] = sum over k (in order) of taps[k] * in[i + k]; four outputs per
 * step, the inputs loaded at every alignment. */
static NOINLINE void fir(const float *in, float *out, int n) /* n % 8 == 0 */
{
	f4 h[TAPS];
	for (int k = 0; k < TAPS; k++)
		h[k] = f4_splat(taps[k]);
	for (int i = 0; i < n; i += 8) {
		f4 s0 = f4_splat(0), s1 = s0;
		for (int k = 0; k < TAPS; k++) {
			s0 = f4_add(s0, f4_mul(h[k], f4_load(in + i + k)));
			s1 = f4_add(s1, f4_mul(h[k], f4_load(in + i + 4 + k)));
		}
		f4_store(out + i, s0);
		f4_store(out + i + 4, s1);
	}
}
static void (*volatile k_fir)(const float *, float *, int) = fir;

static void run_fir(int rounds)
{
	for (int i = 0; i < SN + TAPS; i++)
		sig[i] = frand();
	for (int k = 0; k < TAPS; k++)
		taps[k] = frand() / TAPS;
	for (int r = 0; r < rounds; r++) {
		K(fir)(sig, fout, SN);
		mix_bits(K(dot)(fout, fout, SN));
		mix_bits(fout[(r * 977) % SN]);
		taps[r % TAPS] = -taps[r % TAPS];
		sig[(r * 131) % SN] = fout[(r * 131) % SN];
	}
}

/* ---- matrix multiply ------------------------------------------------------- */

#define MN 128

static float ma[MN][MN], mb[MN][MN], mc[MN][MN];

/* C = A * B: each row of C in blocks of 16 columns held in four vectors,
 * k in order, so every element is the same sum in both builds. */
static NOINLINE void sgemm(void)
{
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j += 16) {
			f4 c0 = f4_splat(0), c1 = c0, c2 = c0, c3 = c0;
			for (int k = 0; k < MN; k++) {
				f4 a = f4_splat(ma[i][k]);
				const float *b = &mb[k][j];
				c0 = f4_add(c0, f4_mul(a, f4_load(b)));
				c1 = f4_add(c1, f4_mul(a, f4_load(b + 4)));
				c2 = f4_add(c2, f4_mul(a, f4_load(b + 8)));
				c3 = f4_add(c3, f4_mul(a, f4_load(b + 12)));
			}
			f4_store(&mc[i][j], c0);
			f4_store(&mc[i][j + 4], c1);
			f4_store(&mc[i][j + 8], c2);
			f4_store(&mc[i][j + 12], c3);
		}
}
static void (*volatile k_sgemm)(void) = sgemm;

static void run_sgemm(int rounds)
{
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			ma[i][j] = frand();
			mb[i][j] = frand();
		}
	for (int r = 0; r < rounds; r++) {
		K(sgemm)();
		for (int i = 0; i < MN; i += 17)
			mix_bits(K(dot)(mc[i], mc[(i * 5 + r) % MN], MN));
		/* Next round: B takes a scaled row of C (entries stay below 1). */
		int row = (r * 37) % MN;
		for (int j = 0; j < MN; j++)
			mb[row][j] = mc[row][j] * 0.0625f;
	}
}

int main(void)
{
	run_dot(80000);
	run_fir(800);
	run_sgemm(120);
	printf("simddot %016llx\n", (unsigned long long)hash);
	return 0;
}
