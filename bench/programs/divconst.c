/* divconst.c -- 64-bit division and remainder by constants: decimal
 * formatting of u64s (% 10, / 10, as printf does), s64 fixed-point
 * scaling (/ 1000, % 1000) and a hash bucket (% 1000003), in a loop over
 * a 64-bit LCG.  One checksum line. */
#include <stdint.h>
#include <stdio.h>

#define N 10000000

/* The decimal digits of x into buf (no terminator), their count. */
static int utoa10(uint64_t x, char *buf)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	for (int k = 0; k < n; k++)
		buf[k] = tmp[n - 1 - k];
	return n;
}

int main(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ull, sum = 0, digits = 0;
	int64_t milli = 0, frac = 0;
	uint32_t buckets[64] = { 0 };
	char buf[24];
	for (int i = 0; i < N; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t x = s >> (s & 31);
		int n = utoa10(x, buf);
		digits += (uint64_t)n;
		sum += (uint64_t)buf[0] * 31 + (uint64_t)buf[n - 1];
		int64_t v = (int64_t)(s ^ (s >> 17));
		milli += v / 1000;
		frac += v % 1000;
		buckets[(x % 1000003) & 63]++;
	}
	uint64_t h = 0;
	for (int k = 0; k < 64; k++)
		h = h * 131 + buckets[k];
	printf("divconst: digits %llu sum %llu milli %lld frac %lld buckets %llu\n",
		(unsigned long long)digits, (unsigned long long)sum, (long long)milli,
		(long long)frac, (unsigned long long)h);
	return 0;
}
