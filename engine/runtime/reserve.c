/* reserve.c -- a small process-wide cache of big mappings.
 *
 * A FaaS worker makes a fresh store and instance for every invocation
 * (brief, decision 3): the value and frame stacks (megabytes, read-write)
 * and each memory's 8 GiB reservation would be mapped and unmapped every
 * time, and mmap/munmap of such regions cost more than a small call.  The
 * cache keeps a few of them.  Stacks come back as they were: nothing in
 * them is observable by wasm code (locals are zeroed on entry, operand slots
 * are written before they are read, frame records are not addressable), and
 * a worker process serves one tenant only.  A store whose call may have
 * gone deep trims them first (reserve_trim: all but the first
 * RESERVE_HOT_BYTES dropped), so that one deep recursion does not leave an
 * idle worker holding megabytes; that is not done after every call, since
 * even over untouched pages the madvise costs about 2 us here.
 *
 * A memory reservation comes back zeroed.  Its used pages are either zeroed
 * in place and left read-write (up to RESERVE_ZERO_MAX bytes: a memset of
 * resident pages costs less than madvise + mprotect, and the next instance
 * then touches resident pages instead of faulting zero pages in), or
 * dropped with MADV_DONTNEED and protected again.  The taker learns how
 * long the read-write prefix is and grows or shrinks it to what it needs,
 * so a module instantiated again and again at the same size costs no
 * system call here at all.
 */
#include "runtime/reserve.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#define CACHE_SLOTS 4
#define RESERVE_ZERO_MAX ((size_t)256 * 1024)
#define RESERVE_HOT_BYTES ((size_t)256 * 1024)

static struct {
	void *p;
	size_t len;
	int prot;
	size_t rw;     /* PROT_NONE mappings: read-write zero prefix */
} cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

void *reserve_take(size_t len, int prot, size_t *rw_bytes)
{
	void *p = NULL;
	size_t rw = 0;
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].p && cache[i].len == len && cache[i].prot == prot) {
			p = cache[i].p;
			rw = cache[i].rw;
			cache[i].p = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (p) {
		if (rw && !rw_bytes && mprotect(p, rw, PROT_NONE) != 0) {
			munmap(p, len);
			return NULL;
		}
		if (rw_bytes)
			*rw_bytes = rw;
		return p;
	}
	p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rw_bytes)
		*rw_bytes = 0;
	return p == MAP_FAILED ? NULL : p;
}

bool reserve_trim(void *p, size_t len)
{
	return len <= RESERVE_HOT_BYTES ||
		madvise((char *)p + RESERVE_HOT_BYTES, len - RESERVE_HOT_BYTES,
			MADV_DONTNEED) == 0;
}

void reserve_give(void *p, size_t len, int prot, size_t used_bytes)
{
	size_t rw = 0;
	if (!p)
		return;
	if (prot == PROT_NONE && used_bytes) {
		if (used_bytes <= RESERVE_ZERO_MAX) {
			memset(p, 0, used_bytes);
			rw = used_bytes;
		} else if (madvise(p, used_bytes, MADV_DONTNEED) != 0 ||
			   mprotect(p, used_bytes, PROT_NONE) != 0) {
			/* Zero pages next time, and no access until grown. */
			munmap(p, len);
			return;
		}
	}
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (!cache[i].p) {
			cache[i].p = p;
			cache[i].len = len;
			cache[i].prot = prot;
			cache[i].rw = rw;
			p = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (p)
		munmap(p, len);
}
