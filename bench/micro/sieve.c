/* sieve.c -- loop- and memory-heavy: the sieve of Eratosthenes.
 *
 * sieve(limit, reps) sieves the numbers below limit (at most SIEVE_MAX)
 * reps times and returns the sum of the prime counts, a checksum both
 * engines must agree on.  Built without libc: see bench/run-micro.sh. */
#define SIEVE_MAX (1u << 20)

static unsigned char composite[SIEVE_MAX];

static unsigned sieve_once(unsigned limit)
{
	unsigned count = 0;
	for (unsigned i = 0; i < limit; i++)
		composite[i] = 0;
	for (unsigned i = 2; i < limit; i++) {
		if (composite[i])
			continue;
		count++;
		for (unsigned j = i + i; j < limit; j += i)
			composite[j] = 1;
	}
	return count;
}

int sieve(unsigned limit, unsigned reps)
{
	unsigned sum = 0;
	if (limit > SIEVE_MAX)
		limit = SIEVE_MAX;
	for (unsigned r = 0; r < reps; r++)
		sum += sieve_once(limit);
	return (int)(sum & 0x7fffffff);
}
