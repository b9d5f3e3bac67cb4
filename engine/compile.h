/* compile.h -- the interpreter's pre-decoded code (internal). */
#ifndef ENGINE_COMPILE_H
#define ENGINE_COMPILE_H

#include "module.h"

/* Wasm byte offset of the instruction whose pre-decoded code contains ip,
 * or SIZE_MAX if ip is not inside c's code. */
size_t fcode_wasm_offset(const struct fcode *c, const void *ip);
/* The address range of c's code. */
void fcode_range(const struct fcode *c, const void **lo, const void **hi);

#endif
