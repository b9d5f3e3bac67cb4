/* snapshot.h -- what instance.c asks of snapshot.c (wasm.h, "snapshots"). */
#ifndef RUNTIME_SNAPSHOT_H
#define RUNTIME_SNAPSHOT_H

#include "wasm.h"

#include <stdbool.h>

/* Gives inst, just made (functions, globals, tables and memory exist, no
 * segment applied), snap's memory, globals, tables and dropped segments.
 * false, inst unchanged, when its memory cannot be mapped here: the caller
 * instantiates the usual way. */
bool snapshot_apply(wasm_instance *inst, const wasm_snapshot *snap);
/* The module snap was taken of. */
const wasm_module *snapshot_module(const wasm_snapshot *snap);

#endif
