/* jit_mem.c -- executable memory for JIT code, W^X (see jit_mem.h). */
#include "jit/jit_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t jit_mem_page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

bool jit_mem_map(jit_mem *m, size_t size, void *region, size_t region_size)
{
	size_t page = jit_mem_page_size();
	memset(m, 0, sizeof *m);
	if (size == 0 || size > SIZE_MAX - page) {
		errno = EINVAL;
		return false;
	}
	size = (size + page - 1) & ~(page - 1);
	if (region) {
		if ((uintptr_t)region & (page - 1) || region_size < size) {
			errno = EINVAL;
			return false;
		}
		if (mprotect(region, size, PROT_READ | PROT_WRITE) != 0)
			return false;
		m->base = region;
	} else {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return false;
		m->base = p;
		m->owned = true;
	}
	m->size = size;
	return true;
}

bool jit_mem_seal(jit_mem *m)
{
	if (!m->base || mprotect(m->base, m->size, PROT_READ | PROT_EXEC) != 0)
		return false;
	m->sealed = true;
	return true;
}

bool jit_mem_unseal(jit_mem *m)
{
	if (!m->base || mprotect(m->base, m->size, PROT_READ | PROT_WRITE) != 0)
		return false;
	m->sealed = false;
	return true;
}

void jit_mem_free(jit_mem *m)
{
	if (m->base) {
		if (m->owned) {
			munmap(m->base, m->size);
		} else {
			/* the region stays reserved for its owner */
			mprotect(m->base, m->size, PROT_NONE);
			madvise(m->base, m->size, MADV_DONTNEED);
		}
	}
	memset(m, 0, sizeof *m);
}

bool jit_mem_install(jit_mem *m, const void *code, size_t len)
{
	if (!jit_mem_map(m, len, NULL, 0))
		return false;
	memcpy(m->base, code, len);
	if (!jit_mem_seal(m)) {
		int e = errno;
		jit_mem_free(m);
		errno = e;
		return false;
	}
	return true;
}
