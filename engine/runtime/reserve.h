/* reserve.h -- process-wide cache of large mappings (see reserve.c). */
#ifndef ENGINE_RESERVE_H
#define ENGINE_RESERVE_H

#include <stdbool.h>
#include <stddef.h>

/* A mapping of len bytes with protection prot (PROT_NONE or read-write),
 * from the cache or fresh; NULL on failure.  A PROT_NONE mapping is zero;
 * if rw_bytes is not NULL it receives how many bytes from the start are
 * already read-write (and zero), which only a PROT_NONE mapping handed back
 * with used_bytes may have.  Without rw_bytes, that prefix is protected
 * again first. */
void *reserve_take(size_t len, int prot, size_t *rw_bytes);
/* Hand a mapping back.  For PROT_NONE mappings, used_bytes from the start
 * were made accessible: a small prefix is zeroed in place and stays
 * read-write (and resident) for the next taker, a larger one is dropped and
 * protected again. */
void reserve_give(void *p, size_t len, int prot, size_t used_bytes);
/* Drops the pages of a read-write mapping (a stack) past its first 256
 * KiB (zero when next touched); false if madvise failed. */
bool reserve_trim(void *p, size_t len);

#endif
