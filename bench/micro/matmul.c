/* matmul.c -- floating-point loops: dense matrix multiply, C = A * B.
 *
 * matmul(n, reps) fills two n x n matrices of doubles (n at most MAT_MAX)
 * from a small integer recurrence, multiplies them reps times (each round
 * feeds a little of C back into A so rounds cannot be folded), and returns
 * a checksum of C as a non-negative int.  Built without libc. */
#define MAT_MAX 256

static double a[MAT_MAX * MAT_MAX], b[MAT_MAX * MAT_MAX], c[MAT_MAX * MAT_MAX];

static void multiply(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < n; j++)
			c[i * n + j] = 0.0;
		for (unsigned k = 0; k < n; k++) {
			double aik = a[i * n + k];
			for (unsigned j = 0; j < n; j++)
				c[i * n + j] += aik * b[k * n + j];
		}
	}
}

int matmul(unsigned n, unsigned reps)
{
	unsigned seed = 12345;
	if (n > MAT_MAX)
		n = MAT_MAX;
	for (unsigned i = 0; i < n * n; i++) {
		seed = seed * 1103515245u + 12345u;
		a[i] = (double)((seed >> 16) % 19) - 9.0;
		seed = seed * 1103515245u + 12345u;
		b[i] = (double)((seed >> 16) % 17) - 8.0;
	}
	for (unsigned r = 0; r < reps; r++) {
		multiply(n);
		for (unsigned i = 0; i < n; i++)
			a[i * n + (i + r) % n] += c[i * n + i] * (1.0 / 1024.0);
	}
	/* Integer checksum: both engines print it the same way. */
	unsigned sum = 0;
	for (unsigned i = 0; i < n * n; i++) {
		double v = c[i];
		long long q = (long long)(v * 16.0);
		sum = sum * 31u + (unsigned)q;
	}
	return (int)(sum & 0x7fffffff);
}
