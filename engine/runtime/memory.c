/* memory.c -- linear memory (brief decision 6).
 *
 * Each memory reserves MEMORY_RESERVE_BYTES of address space PROT_NONE and
 * MAP_NORESERVE: 4 GiB for the largest 32-bit memory plus a 4 GiB guard,
 * since a static offset can add up to 2^32-1 to a 2^32-1 index, plus one
 * page for the width of the access.  Only the first `pages` are read-write;
 * every access past them faults and trap.c turns the fault into a trap, so
 * compiled code needs no bounds checks.  base never moves.
 */
#include "runtime/reserve.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <sys/mman.h>

static void memory_free(void *p)
{
	wasm_memory *mem = p;
	size_t used = (size_t)mem->pages * WASM_PAGE_SIZE;

	if (mem->base && mem->file_bytes) {
		/* The snapshot's pages go back to anonymous PROT_NONE, and
		 * the rest with them (one call), so the reservation returns
		 * to the cache zeroed. */
		if (mmap(mem->base, used, PROT_NONE, MAP_PRIVATE |
		    MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) ==
		    MAP_FAILED) {
			munmap(mem->base, MEMORY_RESERVE_BYTES);
			mem->base = NULL;
		}
		used = 0;
	}
	if (mem->base)
		reserve_give(mem->base, MEMORY_RESERVE_BYTES, PROT_NONE, used);
	free(mem);
}

bool memory_map_file(wasm_memory *mem, int fd, uint32_t pages,
	uintptr_t end_max)
{
	uint64_t bytes = (uint64_t)pages * WASM_PAGE_SIZE;

	if (pages < mem->pages || pages > mem->max_pages ||
	    pages > mem->limit_pages || mem->file_bytes)
		return false;
	if (end_max && ((uintptr_t)mem->base > end_max ||
	    bytes > end_max - (uintptr_t)mem->base))
		return false;
	if (bytes && mmap(mem->base, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
		return false;
	mem->file_bytes = bytes;
	mem->pages = pages;
	mem->size_bytes = bytes;
	return true;
}

/* Make pages [from_pages, to_pages) read-write.  Returns false if mprotect
 * fails (typically RLIMIT_DATA or overcommit limits). */
static bool memory_commit(wasm_memory *mem, uint32_t from_pages,
	uint32_t to_pages)
{
	if (to_pages == from_pages)
		return true;
	uint64_t off_bytes = (uint64_t)from_pages * WASM_PAGE_SIZE;
	uint64_t len_bytes = (uint64_t)(to_pages - from_pages) * WASM_PAGE_SIZE;
	return mprotect(mem->base + off_bytes, len_bytes,
		PROT_READ | PROT_WRITE) == 0;
}

/* Returns NULL if the limits are invalid, the minimum is over the store's
 * cap (wasm_store_set_max_memory_pages), or the reservation fails. */
wasm_memory *wasm_memory_new(wasm_store *store, wasm_limits limits)
{
	wasm_memory *mem = NULL, *ret = NULL;
	uint32_t max_pages = limits.has_max ? limits.max : WASM_MAX_PAGES;
	uint32_t limit_pages = max_pages;

	if (limits.min > WASM_MAX_PAGES || max_pages > WASM_MAX_PAGES ||
	    limits.min > max_pages)
		goto out;
	if (store->max_memory_pages && store->max_memory_pages < limit_pages)
		limit_pages = store->max_memory_pages;
	if (limits.min > limit_pages)
		goto out;

	mem = calloc(1, sizeof *mem);
	if (!mem)
		goto out;
	size_t rw;
	void *base = reserve_take(MEMORY_RESERVE_BYTES, PROT_NONE, &rw);
	if (!base)
		goto out;
	mem->base = base;
	mem->max_pages = max_pages;
	mem->limit_pages = limit_pages;
	mem->has_max = limits.has_max;
	/* Exactly the first min pages read-write: what the cache left
	 * accessible beyond them is protected again (it is zero). */
	uint32_t rw_pages = (uint32_t)(rw / WASM_PAGE_SIZE);
	if (rw_pages > limits.min) {
		mem->pages = rw_pages;   /* so that a failure gives it all back */
		if (mprotect(mem->base + (size_t)limits.min * WASM_PAGE_SIZE,
			(size_t)(rw_pages - limits.min) * WASM_PAGE_SIZE,
			PROT_NONE) != 0)
			goto out;
		rw_pages = limits.min;
	}
	mem->pages = rw_pages;
	if (!memory_commit(mem, rw_pages, limits.min))
		goto out;
	mem->pages = limits.min;
	mem->size_bytes = (uint64_t)limits.min * WASM_PAGE_SIZE;

	wasm_memory *m = mem;
	mem = NULL;
	if (!store_own(store, m, memory_free))
		goto out;
	/* Linked for the fault handler, which walks this list. */
	m->next = store->memories;
	store->memories = m;
	ret = m;
out:
	if (mem)
		memory_free(mem);
	return ret;
}

uint8_t *wasm_memory_data(const wasm_memory *mem)
{
	return mem->base;
}

uint64_t wasm_memory_size_bytes(const wasm_memory *mem)
{
	return mem->size_bytes;
}

uint32_t wasm_memory_pages(const wasm_memory *mem)
{
	return mem->pages;
}

/* memory.grow: -1 beyond the type's max, the store's cap or 65536 pages,
 * or if the pages cannot be made read-write; else the old size in pages. */
int64_t memory_grow(wasm_memory *mem, uint32_t delta_pages)
{
	uint32_t old_pages = mem->pages;
	uint64_t new_pages = (uint64_t)old_pages + delta_pages;

	if (new_pages > mem->max_pages || new_pages > mem->limit_pages ||
	    new_pages > WASM_MAX_PAGES)
		return -1;
	if (!memory_commit(mem, old_pages, (uint32_t)new_pages))
		return -1;
	mem->pages = (uint32_t)new_pages;
	mem->size_bytes = new_pages * WASM_PAGE_SIZE;
	return old_pages;
}

int64_t wasm_memory_grow(wasm_memory *mem, uint32_t delta_pages)
{
	return memory_grow(mem, delta_pages);
}

void wasm_memory_set_limit_pages(wasm_memory *mem, uint32_t max_pages)
{
	mem->limit_pages = max_pages && max_pages < mem->max_pages ?
		max_pages : mem->max_pages;
}
