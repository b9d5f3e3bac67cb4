/* jit_mem.h -- executable memory for JIT code, W^X.
 *
 * A mapping is writable or executable, never both: map it (read-write),
 * emit or copy code into it, seal it (read-execute), and unseal it again
 * only to patch.  No seccomp knowledge here: a sandbox that must not mmap
 * after confinement reserves a region up front and passes it in.
 */
#ifndef ENGINE_JIT_MEM_H
#define ENGINE_JIT_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jit_mem {
	uint8_t *base;      /* page-aligned start, NULL if not mapped */
	size_t size;        /* bytes, a multiple of the page size */
	bool owned;         /* mmap'd here (else a caller's region) */
	bool sealed;        /* read-execute (else read-write) */
} jit_mem;

/* Maps at least size bytes read-write.  With region != NULL (page-aligned,
 * region_size bytes, reserved by the caller, e.g. PROT_NONE) it uses the
 * start of that region instead of a fresh mapping.  False (errno set) if
 * the mapping fails or the region is too small or misaligned. */
__attribute__((warn_unused_result))
bool jit_mem_map(jit_mem *m, size_t size, void *region, size_t region_size);
/* The system's page size. */
size_t jit_mem_page_size(void);
/* Read-write -> read-execute, and back for patching. */
__attribute__((warn_unused_result))
bool jit_mem_seal(jit_mem *m);
__attribute__((warn_unused_result))
bool jit_mem_unseal(jit_mem *m);
/* Unmaps (or, for a caller's region, returns it to PROT_NONE and drops
 * its pages).  Safe on a zeroed or already freed jit_mem. */
void jit_mem_free(jit_mem *m);

/* Maps len bytes, copies code in and seals: finished code in one call. */
__attribute__((warn_unused_result))
bool jit_mem_install(jit_mem *m, const void *code, size_t len);

#endif
