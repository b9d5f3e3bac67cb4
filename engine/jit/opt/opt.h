/* opt.h -- tier 2, the optimizing JIT, as the rest of the engine sees it
 * (internal to engine/): its entry in the tier table (tier_opt.c) and the
 * IR printer.  opt_codegen (mir.h) compiles a function; tier_opt.c takes
 * hot functions from baseline code and enters them by OSR, compiling on
 * the engine's compile thread (opt_queue.h) when it has one. */
#ifndef ENGINE_JIT_OPT_OPT_H
#define ENGINE_JIT_OPT_OPT_H

#include "wasm.h"

#include <stdio.h>

/* The largest body tier 2 compiles, in wasm bytes (tier_opt.c refuses a
 * larger one, which stays in the baseline; ir_loopchk.c scales the trips
 * a loop may run without a deadline check by it).  One function's
 * compile is not interrupted by the deadline (the batch checks it between
 * functions), and the register allocator's liveness grows with blocks
 * times values (bench/gen-bigbody.py: 16, 32, 64 KiB in about 9, 35,
 * 80 ms, the allocator 1, 17, 37 of them; 4,000 one-line loops in 60 KB
 * about 15-20 ms, where 860 ms was measured when the cap was set).  A
 * larger function goes to the baseline, whose time
 * is linear.  (Raise it when allocation is linear too or the compile
 * checks the deadline itself.) */
#define OPT_MAX_BODY_KIB 16
#define OPT_MAX_BODY_BYTES (OPT_MAX_BODY_KIB * 1024u)

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
