/* memops.c -- memcpy, memmove, memset and memcmp over buffers of many
 * sizes and alignments: a ring of buffers shuffled block by block, a gap
 * buffer (text editor style inserts and deletes), and run-length
 * compression round trips.  One checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUFS 8
#define BUFSZ (256 * 1024)

static uint8_t bufs[BUFS][BUFSZ];
static uint8_t rle[2 * BUFSZ + 16], back[BUFSZ];

static uint32_t st = 0x1234567;

static uint32_t rnd(void)
{
	st ^= st << 13;
	st ^= st >> 17;
	st ^= st << 5;
	return st;
}

static uint64_t fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static size_t rle_encode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t run = 1;
		while (i + run < n && run < 255 && in[i + run] == in[i])
			run++;
		out[o++] = (uint8_t)run;
		out[o++] = in[i];
		i += run;
	}
	return o;
}

static size_t rle_decode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		memset(out + o, in[i + 1], in[i]);
		o += in[i];
	}
	return o;
}

/* A gap buffer: text before the gap, the gap, text after it. */
struct gapbuf {
	char *data;
	size_t cap, gap_lo, gap_hi;
};

static void gb_move(struct gapbuf *g, size_t pos)
{
	if (pos < g->gap_lo) {
		size_t n = g->gap_lo - pos;
		memmove(g->data + g->gap_hi - n, g->data + pos, n);
		g->gap_lo -= n;
		g->gap_hi -= n;
	} else if (pos > g->gap_lo) {
		size_t n = pos - g->gap_lo;
		memmove(g->data + g->gap_lo, g->data + g->gap_hi, n);
		g->gap_lo += n;
		g->gap_hi += n;
	}
}

static void gb_insert(struct gapbuf *g, size_t pos, const char *s, size_t n)
{
	if (g->gap_hi - g->gap_lo < n) {
		size_t after = g->cap - g->gap_hi, ncap = g->cap * 2 + n;
		char *d = malloc(ncap);
		if (!d)
			exit(2);
		memcpy(d, g->data, g->gap_lo);
		memcpy(d + ncap - after, g->data + g->gap_hi, after);
		free(g->data);
		g->data = d;
		g->gap_hi = ncap - after;
		g->cap = ncap;
	}
	gb_move(g, pos);
	memcpy(g->data + g->gap_lo, s, n);
	g->gap_lo += n;
}

static void gb_delete(struct gapbuf *g, size_t pos, size_t n)
{
	gb_move(g, pos);
	g->gap_hi += n;
}

int main(void)
{
	uint64_t sum = 0;
	for (int b = 0; b < BUFS; b++)
		for (size_t i = 0; i < BUFSZ; i++)
			bufs[b][i] = (uint8_t)((i * (b + 1)) >> 6);

	/* Shuffle blocks between buffers. */
	for (int it = 0; it < 400000; it++) {
		uint32_t r = rnd();
		int from = r % BUFS, to = (r >> 3) % BUFS;
		size_t len = 1 + (rnd() % 4096);
		size_t src = rnd() % (BUFSZ - len), dst = rnd() % (BUFSZ - len);
		switch ((r >> 6) % 4) {
		case 0:
			if (from != to)
				memcpy(bufs[to] + dst, bufs[from] + src, len);
			break;
		case 1:
			memmove(bufs[to] + dst, bufs[to] + src, len);
			break;
		case 2:
			memset(bufs[to] + dst, (int)(r >> 24), len / 4 + 1);
			break;
		default:
			sum += (uint32_t)(memcmp(bufs[to] + dst, bufs[from] + src, len) > 0);
		}
	}
	for (int b = 0; b < BUFS; b++)
		sum = sum * 31 + fnv64(bufs[b], BUFSZ);

	/* RLE round trips. */
	for (int rep = 0; rep < 20; rep++)
		for (int b = 0; b < BUFS; b++) {
			size_t n = rle_encode(bufs[b], BUFSZ, rle);
			size_t m = rle_decode(rle, n, back);
			if (m != BUFSZ || memcmp(back, bufs[b], BUFSZ) != 0) {
				printf("memops: rle round trip failed\n");
				return 1;
			}
			sum = sum * 31 + n;
		}

	/* Editing session on a gap buffer. */
	struct gapbuf g = { malloc(64), 64, 0, 64 };
	size_t len = 0;
	static const char words[] = "the quick brown fox jumps over the lazy dog ";
	for (int it = 0; it < 80000; it++) {
		uint32_t r = rnd();
		size_t pos = len ? r % (len + 1) : 0;
		if (len < 1000 || (r >> 20) % 3) {
			size_t n = 1 + (r >> 8) % 40;
			gb_insert(&g, pos, words + (r >> 4) % 4, n);
			len += n;
		} else {
			size_t n = 1 + (r >> 8) % 60;
			if (pos + n > len)
				n = len - pos;
			gb_delete(&g, pos, n);
			len -= n;
		}
	}
	gb_move(&g, len);
	sum = sum * 31 + fnv64((const uint8_t *)g.data, len) + len;
	printf("memops %llu\n", (unsigned long long)sum);
	return 0;
}
