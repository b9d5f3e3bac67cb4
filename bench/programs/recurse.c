/* recurse.c -- call-heavy integer code: naive Fibonacci, Ackermann,
 * Takeuchi and a recursive N-queens counter.  Prints one checksum line. */
#include <stdint.h>
#include <stdio.h>

static uint32_t fib(uint32_t n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint32_t ack(uint32_t m, uint32_t n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

static int tak(int x, int y, int z)
{
	if (y >= x)
		return z;
	return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

/* Rows placed so far are described by three bit masks. */
static uint32_t queens(uint32_t n, uint32_t cols, uint32_t d1, uint32_t d2)
{
	uint32_t all = (1u << n) - 1, count = 0;
	if (cols == all)
		return 1;
	uint32_t free = all & ~(cols | d1 | d2);
	while (free) {
		uint32_t bit = free & -free;
		free ^= bit;
		count += queens(n, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
	}
	return count;
}

int main(void)
{
	uint64_t sum = 0;
	for (uint32_t n = 27; n <= 39; n += 2)
		sum = sum * 31 + fib(n);
	for (uint32_t n = 1; n <= 8; n++)
		sum = sum * 31 + ack(2, n * 100) + ack(3, n + 1);
	for (int i = 0; i < 6; i++)
		sum = sum * 31 + (uint32_t)tak(20 + i % 3, 12, 6);
	for (uint32_t n = 4; n <= 12; n++)
		sum = sum * 31 + queens(n, 0, 0, 0);
	printf("recurse %llu\n", (unsigned long long)sum);
	return 0;
}
