/* matmul.c -- f64 multiply-add in nested loops: dense matrix multiply
 * (naive i-k-j order and a blocked version), checked against each other,
 * then repeated squaring of a normalized matrix.  Entries are rounded to
 * 1e-6 before they enter the checksum. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 300
#define BS 50

static double a[N][N], b[N][N], c[N][N], d[N][N];

static void mul_ikj(double (*x)[N], double (*y)[N], double (*out)[N])
{
	memset(out, 0, sizeof(double) * N * N);
	for (int i = 0; i < N; i++)
		for (int k = 0; k < N; k++) {
			double xik = x[i][k];
			for (int j = 0; j < N; j++)
				out[i][j] += xik * y[k][j];
		}
}

static void mul_blocked(double (*x)[N], double (*y)[N], double (*out)[N])
{
	memset(out, 0, sizeof(double) * N * N);
	for (int ii = 0; ii < N; ii += BS)
		for (int kk = 0; kk < N; kk += BS)
			for (int jj = 0; jj < N; jj += BS)
				for (int i = ii; i < ii + BS; i++)
					for (int k = kk; k < kk + BS; k++) {
						double xik = x[i][k];
						for (int j = jj; j < jj + BS; j++)
							out[i][j] += xik * y[k][j];
					}
}

static int64_t quant(double v)
{
	return (int64_t)floor(v * 1e6 + 0.5);
}

static uint64_t digest(double (*m)[N])
{
	uint64_t h = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			h = h * 1000003 + (uint64_t)quant(m[i][j]);
	return h;
}

int main(void)
{
	uint32_t seed = 12345;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			seed = seed * 1103515245 + 12345;
			a[i][j] = (double)((seed >> 8) % 2001) / 1000.0 - 1.0;
			seed = seed * 1103515245 + 12345;
			b[i][j] = (double)((seed >> 8) % 2001) / 1000.0 - 1.0;
		}
	uint64_t sum = 0;
	mul_ikj(a, b, c);
	mul_blocked(a, b, d);
	/* The two orders add the same products in the same order per entry. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			if (c[i][j] != d[i][j]) {
				printf("matmul: blocked and naive differ at %d,%d\n", i, j);
				return 1;
			}
	sum = digest(c);
	/* Repeated products, renormalized so values stay near 1. */
	for (int rep = 0; rep < 40; rep++) {
		mul_blocked(c, b, d);
		double maxv = 0;
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				if (fabs(d[i][j]) > maxv)
					maxv = fabs(d[i][j]);
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				c[i][j] = d[i][j] / maxv;
		sum = sum * 31 + digest(c);
	}
	printf("matmul %llu\n", (unsigned long long)sum);
	return 0;
}
