/* reserve.c -- a small process-wide cache of big mappings.
 *
 * A FaaS worker makes a fresh store and instance for every invocation
 * (brief, decision 3): the value and frame stacks (megabytes, read-write)
 * and each memory's 8 GiB reservation would be mapped and unmapped every
 * time, and mmap/munmap of such regions cost more than a small call.  The
 * cache keeps a few of them.  A memory reservation comes back zeroed and
 * PROT_NONE (its used pages are dropped with MADV_DONTNEED, which gives
 * zero pages on the next touch, and protected again); stacks come back as
 * they were: nothing in them is observable by wasm code (locals are zeroed
 * on entry, operand slots are written before they are read, frame records
 * are not addressable), and a worker process serves one tenant only.
 */
#include "reserve.h"

#include <pthread.h>
#include <sys/mman.h>

#define CACHE_SLOTS 4

static struct {
	void *p;
	size_t len;
	int prot;
} cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

void *reserve_take(size_t len, int prot)
{
	void *p = NULL;
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].p && cache[i].len == len && cache[i].prot == prot) {
			p = cache[i].p;
			cache[i].p = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (p)
		return p;
	p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void reserve_give(void *p, size_t len, int prot, size_t used_bytes)
{
	if (!p)
		return;
	if (prot == PROT_NONE && used_bytes) {
		/* Zero pages next time, and no access until grown again. */
		if (madvise(p, used_bytes, MADV_DONTNEED) != 0 ||
		    mprotect(p, used_bytes, PROT_NONE) != 0) {
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
			p = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (p)
		munmap(p, len);
}
