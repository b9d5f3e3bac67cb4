/* regalloc_mem.c -- the register allocator's scratch memory.
 *
 * A round of allocation needs some 30 arrays (liveness sets, the operand
 * list, ranges, holders, the loop splitting's sets), all dead when the
 * allocation ends (the second round reads the first's live-in sets and
 * splits).  They come from an arena: blocks bump-allocated in order and
 * given back at once.  The blocks stay with the thread for its next
 * function, up to
 * RA_KEEP_BYTES: malloc'ing and freeing each array took fresh pages from
 * the kernel for the large ones (a big function's liveness sets are
 * megabytes, above malloc's mmap and trim thresholds), and those page
 * faults, with malloc's own work, were about a fifth of the allocator's
 * time.  A thread's blocks are freed when it exits (a pthread key's
 * destructor) or, past RA_KEEP_BYTES, when the allocation ends.
 *
 * A mark (ra_arena_mark) and its release take back what was allocated
 * after it: the allocator's second round reuses the first round's
 * memory (already touched: no fresh pages) instead of growing beside
 * it.  So a block before the current one may have room again, and a
 * later one may be larger than the next: an allocation that does not
 * fit takes the first later block that is large enough, moved up to
 * follow the current one (the smaller ones it passed stay after it, for
 * the allocations after).
 */
#include "jit/opt/regalloc_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A block of the arena: its bytes follow the header. */
struct ra_block {
	struct ra_block *next;
	size_t size;
};

#define RA_ALIGN 16
#define RA_HDR ((sizeof(struct ra_block) + RA_ALIGN - 1) & ~(size_t)(RA_ALIGN - 1))
/* what a thread keeps between allocations (the 15 bench modules need
 * at most 0.98 MB: printf_core's second round, after its first) */
#define RA_KEEP_BYTES ((size_t)16 << 20)
/* The first block's size; a new block at least doubles the last.  As
 * large as what a thread keeps: its pages are only reserved (malloc maps
 * a block this large) until the arena first touches them, so a size
 * that most functions never reach costs nothing, while an arena of one
 * block is contiguous: a round's arrays in one run of pages, the second
 * round's over the first's (ra_arena_release), the last array growing in
 * place.  Smaller blocks doubling up to printf_core's needs left each
 * block's tail unused when the next array did not fit (its pages touched
 * in the next, larger block instead): 55 more page faults in a cold
 * process compiling heat.wasm. */
#define RA_MIN_BLOCK RA_KEEP_BYTES

static char *block_mem(struct ra_block *b)
{
	return (char *)b + RA_HDR;
}

static void blocks_free(struct ra_block *b)
{
	while (b) {
		struct ra_block *n = b->next;
		free(b);
		b = n;
	}
}

static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static bool kept_ok;

static void kept_destroy(void *p)
{
	blocks_free(p);
}

static void kept_init(void)
{
	kept_ok = pthread_key_create(&kept_key, kept_destroy) == 0;
}

void ra_arena_open(ra_arena *a)
{
	memset(a, 0, sizeof *a);
	pthread_once(&kept_once, kept_init);
	if (kept_ok) {
		a->first = pthread_getspecific(kept_key);
		pthread_setspecific(kept_key, NULL);
	}
	a->cur = a->first;
}

void ra_arena_close(ra_arena *a)
{
	size_t total = 0;
	for (struct ra_block *b = a->first; b; b = b->next)
		total += b->size;
	if (kept_ok && total <= RA_KEEP_BYTES &&
	    pthread_setspecific(kept_key, a->first) == 0)
		a->first = NULL;
	blocks_free(a->first);
	memset(a, 0, sizeof *a);
}

void *ra_alloc(ra_arena *a, size_t n)
{
	n = (n + RA_ALIGN - 1) & ~(size_t)(RA_ALIGN - 1);
	if (!a->cur || a->cur->size - a->off < n) {
		/* the first later block large enough, moved to follow the
		 * current; else a new one there */
		struct ra_block **link = a->cur ? &a->cur->next : &a->first;
		struct ra_block **fit = link;
		while (*fit && (*fit)->size < n)
			fit = &(*fit)->next;
		struct ra_block *nx = *fit;
		if (nx && fit != link) {
			*fit = nx->next;
			nx->next = *link;
			*link = nx;
		}
		if (!nx) {
			nx = *link;
			size_t size = a->cur ? 2 * a->cur->size : RA_MIN_BLOCK;
			if (size < n)
				size = n;
			struct ra_block *b = malloc(RA_HDR + size);
			if (!b)
				return NULL;
			b->size = size;
			b->next = nx;
			*link = b;
			nx = b;
		}
		a->cur = nx;
		a->off = 0;
	}
	void *p = block_mem(a->cur) + a->off;
	a->off += n;
	a->last = p;
	return p;
}

void *ra_zalloc(ra_arena *a, size_t n)
{
	void *p = ra_alloc(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}

/* The offset in block b just past n bytes from p (an allocation of b's),
 * aligned as every allocation is. */
static size_t offset_past(struct ra_block *b, const void *p, size_t n)
{
	size_t at = (size_t)((const char *)p - (const char *)block_mem(b));
	return (at + n + RA_ALIGN - 1) & ~(size_t)(RA_ALIGN - 1);
}

bool ra_grow_to(ra_arena *a, void **p, uint32_t *cap, uint32_t need,
	size_t elem)
{
	if (need <= *cap)
		return true;
	uint32_t ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	size_t had = (size_t)*cap * elem, want = (size_t)ncap * elem;
	/* the last allocation grows where it is if its block has room */
	if (*p && *p == a->last) {
		size_t end = offset_past(a->cur, *p, want);
		if (end <= a->cur->size) {
			a->off = end;
			*cap = ncap;
			return true;
		}
	}
	void *np = ra_alloc(a, want);
	if (!np)
		return false;
	if (had)
		memcpy(np, *p, had);
	*p = np;
	*cap = ncap;
	return true;
}

void ra_trim(ra_arena *a, void *p, size_t n)
{
	if (p && p == a->last)
		a->off = offset_past(a->cur, p, n);
}

ra_mark ra_arena_mark(const ra_arena *a)
{
	return (ra_mark){ a->cur, a->off };
}

ra_mark ra_mark_cut(ra_mark m, const void *last, size_t n)
{
	return (ra_mark){ m.cur, offset_past(m.cur, last, n) };
}

void ra_arena_release(ra_arena *a, ra_mark m)
{
	a->cur = m.cur;
	a->off = m.off;
	a->last = NULL;
}
