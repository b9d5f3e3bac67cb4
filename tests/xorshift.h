/* xorshift.h -- the tests' one pseudo-random generator (Marsaglia's
 * xorshift64, shifts 13, 7, 17): reproducible sequences for generated
 * inputs, no libc state. */
#ifndef TESTS_XORSHIFT_H
#define TESTS_XORSHIFT_H

#include <stdint.h>

/* The next value of the sequence in *state (never 0). */
static inline uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
