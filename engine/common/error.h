/* error.h -- the error helper every engine folder uses (internal).
 *
 * The bottom of the engine's dependency graph: it includes only wasm.h and
 * libc, so the front end, the runtime and every tier may use it without
 * depending on each other.
 */
#ifndef ENGINE_COMMON_ERROR_H
#define ENGINE_COMMON_ERROR_H

#include "wasm.h"

#include <stddef.h>

/* Fill err with status, offset (a byte offset into the module binary, or
 * SIZE_MAX) and a printf-formatted message; return status.  err may be
 * NULL (then only status is returned).  Other fields of err are left as
 * they are. */
wasm_status err_set(wasm_error *err, wasm_status status, size_t offset,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
