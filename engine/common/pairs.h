/* pairs.h -- maps kept as arrays of (key, value) pairs sorted by key: the
 * pre-decoder's trap map (code offset -> wasm offset), the JIT's pc maps
 * (machine offset -> code offset) and loop maps (code offset -> machine
 * offset).  Pure functions: the signal handler may call them. */
#ifndef ENGINE_COMMON_PAIRS_H
#define ENGINE_COMMON_PAIRS_H

#include <stdint.h>

/* Index of the last pair whose key is at most key, or UINT32_MAX if there
 * is none (n == 0, or key below the first). */
static inline uint32_t pairs_at_or_before(const uint32_t (*p)[2], uint32_t n,
	uint32_t key)
{
	if (n == 0 || p[0][0] > key)
		return UINT32_MAX;
	uint32_t lo = 0, hi = n;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (p[mid][0] <= key)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the pair whose key is key, or UINT32_MAX. */
static inline uint32_t pairs_find(const uint32_t (*p)[2], uint32_t n,
	uint32_t key)
{
	uint32_t i = pairs_at_or_before(p, n, key);
	return i != UINT32_MAX && p[i][0] == key ? i : UINT32_MAX;
}

#endif
