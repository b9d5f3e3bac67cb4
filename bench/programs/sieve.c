/* sieve.c -- byte-array loops: the sieve of Eratosthenes, plus a segmented
 * sieve over a higher range and a twin-prime count.  One checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 4000000
#define SEG 32768

static uint8_t composite[N + 1];
static uint8_t seg[SEG];
static uint32_t small_primes[2000];

static uint64_t simple_sieve(uint32_t n, uint32_t *count, uint32_t *twins)
{
	uint64_t sum = 0;
	memset(composite, 0, n + 1);
	for (uint32_t i = 2; (uint64_t)i * i <= n; i++)
		if (!composite[i])
			for (uint32_t j = i * i; j <= n; j += i)
				composite[j] = 1;
	*count = 0;
	*twins = 0;
	for (uint32_t i = 2; i <= n; i++) {
		if (composite[i])
			continue;
		++*count;
		sum += i;
		if (i + 2 <= n && !composite[i + 2])
			++*twins;
	}
	return sum;
}

/* Primes in [lo, lo + span) using the primes up to sqrt. */
static uint64_t segmented(uint64_t lo, uint64_t span, uint32_t *count)
{
	uint32_t np = 0;
	uint64_t hi = lo + span, sum = 0;
	for (uint32_t i = 2; (uint64_t)i * i < hi && np < 2000; i++)
		if (!composite[i])
			small_primes[np++] = i;
	*count = 0;
	for (uint64_t base = lo; base < hi; base += SEG) {
		uint32_t len = (uint32_t)(hi - base < SEG ? hi - base : SEG);
		memset(seg, 0, len);
		for (uint32_t k = 0; k < np; k++) {
			uint64_t p = small_primes[k];
			uint64_t start = (base + p - 1) / p * p;
			if (start < p * p)
				start = p * p;
			for (uint64_t j = start; j < base + len; j += p)
				seg[j - base] = 1;
		}
		for (uint32_t i = 0; i < len; i++)
			if (!seg[i]) {
				++*count;
				sum += base + i;
			}
	}
	return sum;
}

int main(void)
{
	uint64_t sum = 0;
	uint32_t count, twins;
	for (int rep = 0; rep < 40; rep++) {
		sum = sum * 1000003 + simple_sieve(N - rep * 100000, &count, &twins);
		sum = sum * 1000003 + count * 7 + twins;
	}
	sum = sum * 1000003 + segmented(1000000000000ull, 3000000, &count);
	sum += count;
	printf("sieve %llu\n", (unsigned long long)sum);
	return 0;
}
