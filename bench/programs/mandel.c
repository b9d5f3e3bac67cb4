/* mandel.c -- f64 compares and a tight loop with an early exit: the
 * Mandelbrot set over a grid, plus a Julia set, as iteration counts.
 *
 * Near the set's boundary the iteration is chaotic: one different rounding
 * (a fused multiply-add, say) changes some escape counts.  So contraction
 * is switched off here; with it off, every operation is a correctly
 * rounded IEEE double operation in every compiler, and the counts agree
 * (gcc, clang, wasm, -O2 or -O3 -march=native). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <stdint.h>
#include <stdio.h>

#define W 800
#define H 600
#define MAXIT 1000

static uint32_t iterate(double cr, double ci, double zr, double zi)
{
	uint32_t n = 0;
	double zr2 = zr * zr, zi2 = zi * zi;
	while (n < MAXIT && zr2 + zi2 <= 4.0) {
		zi = 2.0 * zr * zi + ci;
		zr = zr2 - zi2 + cr;
		zr2 = zr * zr;
		zi2 = zi * zi;
		n++;
	}
	return n;
}

int main(void)
{
	uint64_t sum = 0, hist[16] = { 0 };
	for (int y = 0; y < H; y++) {
		double ci = -1.2 + 2.4 * (y + 0.5) / H;
		uint32_t row = 0;
		for (int x = 0; x < W; x++) {
			double cr = -2.2 + 3.0 * (x + 0.5) / W;
			uint32_t n = iterate(cr, ci, 0, 0);
			row = row * 33 + n;
			hist[n % 16]++;
		}
		sum = sum * 1000003 + row;
	}
	for (int y = 0; y < H / 2; y++) {
		double zi = -1.0 + 2.0 * (y + 0.5) / (H / 2);
		for (int x = 0; x < W / 2; x++) {
			double zr = -1.5 + 3.0 * (x + 0.5) / (W / 2);
			uint32_t n = iterate(-0.8, 0.156, zr, zi);
			sum = sum * 31 + n;
		}
	}
	for (int i = 0; i < 16; i++)
		sum = sum * 31 + hist[i];
	printf("mandel %llu\n", (unsigned long long)sum);
	return 0;
}
