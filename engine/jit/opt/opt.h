/* opt.h -- tier 2, the optimizing JIT, as the rest of the engine sees it
 * (internal to engine/): its entry in the tier table (tier_opt.c) and the
 * IR printer.  opt_codegen (mir.h) compiles a function; tier_opt.c takes
 * hot functions from baseline code and enters them by OSR, compiling on
 * the engine's compile thread (opt_queue.h) when it has one. */
#ifndef ENGINE_JIT_OPT_OPT_H
#define ENGINE_JIT_OPT_OPT_H

#include "wasm.h"

#include <stdio.h>

/* Print function func_index of m (a defined function, in the module's
 * function index space) as IR: as built, then after each pass of the
 * default pipeline, each checked by the IR verifier.  WASM_ERR_UNSUPPORTED
 * with the builder's reason when it cannot build the function,
 * WASM_ERR_ARG for a bad index, WASM_ERR_INVALID if the verifier rejects
 * the IR (a bug: the message names the pass), WASM_ERR_NOMEM. */
wasm_status opt_dump_ir(wasm_module *m, uint32_t func_index, FILE *out,
	wasm_error *err);

/* tier_opt.c: tier 2's entry in the tier table (runtime/tier_ops.h). */
extern const struct tier_ops tier_opt;

#endif
