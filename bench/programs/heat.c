/* heat.c -- a 2-D five-point stencil: explicit time steps of the heat
 * equation on a grid with fixed hot and cold edges and a few heat sources,
 * then a Jacobi solve of the steady state.  The stencil is dissipative,
 * so rounding differences shrink; values are rounded to 1e-6 before they
 * enter the checksum. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define NX 256
#define NY 256

static double u[NY][NX], v[NY][NX];

static void boundary(double (*g)[NX])
{
	for (int x = 0; x < NX; x++) {
		g[0][x] = 100.0;
		g[NY - 1][x] = 0.0;
	}
	for (int y = 0; y < NY; y++) {
		g[y][0] = 100.0 * (NY - 1 - y) / (NY - 1);
		g[y][NX - 1] = 50.0;
	}
}

static void step(double (*in)[NX], double (*out)[NX], double alpha)
{
	for (int y = 1; y < NY - 1; y++)
		for (int x = 1; x < NX - 1; x++)
			out[y][x] = in[y][x] + alpha * (in[y - 1][x] + in[y + 1][x] +
				in[y][x - 1] + in[y][x + 1] - 4.0 * in[y][x]);
	/* Two point sources. */
	out[NY / 3][NX / 3] += 0.5;
	out[2 * NY / 3][NX / 2] -= 0.25;
}

static int64_t quant(double v)
{
	return (int64_t)floor(v * 1e6 + 0.5);
}

static uint64_t digest(double (*g)[NX])
{
	uint64_t h = 0;
	for (int y = 0; y < NY; y += 3)
		for (int x = 0; x < NX; x += 5)
			h = h * 1000003 + (uint64_t)quant(g[y][x]);
	return h;
}

int main(void)
{
	boundary(u);
	boundary(v);
	uint64_t sum = 0;
	for (int t = 0; t < 2000; t++) {
		step(u, v, 0.2);
		step(v, u, 0.2);
		if (t % 500 == 499)
			sum = sum * 31 + digest(u);
	}
	/* Jacobi iterations toward the steady state; report the residual. */
	double res = 0;
	for (int it = 0; it < 1200; it++) {
		res = 0;
		for (int y = 1; y < NY - 1; y++)
			for (int x = 1; x < NX - 1; x++) {
				double nv = 0.25 * (u[y - 1][x] + u[y + 1][x] +
					u[y][x - 1] + u[y][x + 1]);
				res += fabs(nv - u[y][x]);
				v[y][x] = nv;
			}
		for (int y = 1; y < NY - 1; y++)
			for (int x = 1; x < NX - 1; x++)
				u[y][x] = v[y][x];
	}
	sum = sum * 31 + digest(u);
	sum = sum * 31 + (uint64_t)quant(res / 1000.0);
	printf("heat %llu\n", (unsigned long long)sum);
	return 0;
}
