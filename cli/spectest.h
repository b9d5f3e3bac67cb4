/* spectest.h -- the `spectest` host module the core spec suite imports:
 * print functions, four constant globals, a table and a memory. */
#ifndef WASMHOST_SPECTEST_H
#define WASMHOST_SPECTEST_H

#include "wasm.h"

#include <stdbool.h>

typedef struct spectest spectest;

/* Makes the objects in store (which owns them).  The print functions write
 * to stdout only if verbose.  NULL if out of memory. */
spectest *spectest_new(wasm_store *store, bool verbose);
/* Frees the lookup table only; the objects belong to the store. */
void spectest_free(spectest *st);

/* The export called name, or false if there is none. */
bool spectest_lookup(const spectest *st, const char *name, wasm_extern *out);

#endif
