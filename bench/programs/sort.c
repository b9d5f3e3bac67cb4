/* sort.c -- comparisons, swaps and indirect calls: quicksort, merge sort,
 * heap sort and qsort() over generated arrays of integers and of records,
 * each result verified sorted.  One checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 400000

static uint32_t rng = 88172645;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void quicksort(int32_t *a, long lo, long hi)
{
	while (hi - lo > 16) {
		int32_t x = a[lo], y = a[(lo + hi) / 2], z = a[hi];
		int32_t pivot = x < y ? (y < z ? y : (x < z ? z : x))
				      : (x < z ? x : (y < z ? z : y));
		long i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				int32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		/* Recurse into the smaller half to bound the depth. */
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
	for (long i = lo + 1; i <= hi; i++) {
		int32_t v = a[i];
		long j = i - 1;
		while (j >= lo && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void merge_sort(int32_t *a, int32_t *tmp, long n)
{
	/* Bottom-up, ping-ponging between a and tmp. */
	int32_t *src = a, *dst = tmp;
	for (long width = 1; width < n; width *= 2) {
		for (long lo = 0; lo < n; lo += 2 * width) {
			long mid = lo + width < n ? lo + width : n;
			long hi = lo + 2 * width < n ? lo + 2 * width : n;
			long i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		int32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, (size_t)n * sizeof *a);
}

static void sift_down(int32_t *a, long root, long n)
{
	for (;;) {
		long child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		int32_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heap_sort(int32_t *a, long n)
{
	for (long i = n / 2 - 1; i >= 0; i--)
		sift_down(a, i, n);
	for (long end = n - 1; end > 0; end--) {
		int32_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

struct rec {
	uint32_t key;
	uint16_t group;
	char name[10];
};

static int rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->key < b->key ? -1 : a->key > b->key;
}

static uint64_t digest(const int32_t *a, long n)
{
	uint64_t h = 1469598103934665603ull;
	for (long i = 0; i < n; i++) {
		if (i && a[i - 1] > a[i]) {
			printf("sort: not sorted at %ld\n", i);
			exit(1);
		}
		h = (h ^ (uint32_t)a[i]) * 1099511628211ull;
	}
	return h;
}

static int32_t orig[N], work[N], tmp[N];
static struct rec recs[N / 4];

int main(void)
{
	uint64_t sum = 0;
	for (int round = 0; round < 3; round++) {
		for (long i = 0; i < N; i++) {
			uint32_t r = next();
			/* Round 1 has many duplicates, round 2 is nearly sorted. */
			orig[i] = round == 0 ? (int32_t)r
				: round == 1 ? (int32_t)(r % 1000)
				: (int32_t)(i * 3 + r % 50);
		}
		memcpy(work, orig, sizeof work);
		quicksort(work, 0, N - 1);
		uint64_t h = digest(work, N);
		memcpy(work, orig, sizeof work);
		merge_sort(work, tmp, N);
		if (digest(work, N) != h)
			return printf("sort: merge sort disagrees\n"), 1;
		memcpy(work, orig, sizeof work);
		heap_sort(work, N);
		if (digest(work, N) != h)
			return printf("sort: heap sort disagrees\n"), 1;
		sum = sum * 31 + h;
	}
	for (long i = 0; i < N / 4; i++) {
		uint32_t r = next();
		recs[i].key = next();
		recs[i].group = (uint16_t)(r % 97);
		for (int k = 0; k < 9; k++)
			recs[i].name[k] = (char)('a' + (r >> (k * 3)) % 4 + k % 3);
		recs[i].name[9] = 0;
	}
	qsort(recs, N / 4, sizeof recs[0], rec_cmp);
	for (long i = 0; i < N / 4; i += 7)
		sum = sum * 31 + recs[i].key + recs[i].group;
	printf("sort %llu\n", (unsigned long long)sum);
	return 0;
}
