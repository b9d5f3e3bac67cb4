/* reserve.h -- process-wide cache of large mappings (see reserve.c). */
#ifndef ENGINE_RESERVE_H
#define ENGINE_RESERVE_H

#include <stddef.h>

/* A mapping of len bytes with protection prot (PROT_NONE or read-write),
 * from the cache or fresh; NULL on failure.  A PROT_NONE mapping is zero. */
void *reserve_take(size_t len, int prot);
/* Hand a mapping back.  For PROT_NONE mappings, used_bytes from the start
 * were made accessible and are dropped and protected again first. */
void reserve_give(void *p, size_t len, int prot, size_t used_bytes);

#endif
