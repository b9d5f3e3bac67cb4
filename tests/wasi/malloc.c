/* malloc.c -- many allocations of many sizes (memory.grow through
 * sbrk), frees, reallocs; prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096

static uint32_t rng = 12345;

static uint32_t next(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

int main(void)
{
	static unsigned char *slot[SLOTS];
	static size_t size[SLOTS];
	uint64_t sum = 0, peak = 0, live = 0;

	for (int round = 0; round < 100000; round++) {
		int i = (int)(next() % SLOTS);
		if (slot[i] && next() % 3 == 0) {
			size_t n = next() % 3000 + 1;
			unsigned char *p = realloc(slot[i], n);
			if (!p)
				return 2;
			for (size_t k = size[i]; k < n; k++)
				p[k] = (unsigned char)(k * 7 + (size_t)i);
			live = live - size[i] + n;
			slot[i] = p;
			size[i] = n;
		} else if (slot[i]) {
			for (size_t k = 0; k < size[i]; k += 61)
				sum = sum * 31 + slot[i][k];
			live -= size[i];
			free(slot[i]);
			slot[i] = NULL;
		} else {
			size_t n = next() % 5 == 0 ? next() % 200000 + 1
				: next() % 500 + 1;
			slot[i] = malloc(n);
			if (!slot[i])
				return 2;
			memset(slot[i], (int)(n & 0xff), n);
			size[i] = n;
			live += n;
		}
		if (live > peak)
			peak = live;
	}
	unsigned char *huge = malloc(64u << 20);
	if (!huge)
		return 3;
	memset(huge, 0x5a, 64u << 20);
	sum += huge[(64u << 20) - 1];
	free(huge);
	printf("checksum %llu peak %llu\n", (unsigned long long)sum,
		(unsigned long long)peak);
	return 0;
}
