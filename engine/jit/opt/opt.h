/* opt.h -- tier 2, the optimizing JIT, as the rest of the engine sees it
 * (internal to engine/): its entry in the tier table (tier_opt.c) and the
 * IR printer.  opt_codegen (mir.h) compiles a function; tier_opt.c takes
 * hot functions from baseline code and enters them by OSR, compiling on
 * the engine's compile thread (opt_queue.h) when it has one. */
#ifndef ENGINE_JIT_OPT_OPT_H
#define ENGINE_JIT_OPT_OPT_H

#include "wasm.h"

#include <stdio.h>

/* The largest body tier 2 compiles, in wasm bytes (its code after the
 * locals, to its end: fn->body_end - fn->body_offset); tier_opt.c
 * refuses a larger one with OPT_TOO_LARGE_REASON and it stays in the
 * baseline, whose time is linear; ir_loopchk.c scales the trips a loop
 * may run without a deadline check by it.  One function's compile is not interrupted by the
 * deadline (the batch checks it between functions), and under --tier=opt
 * it runs before the first call, so the cap is a budget for one compile:
 * at most 50 ms of CPU and 64 MiB at peak on the 2-core machine of the
 * measurements.  bench/opt-compile's thread CPU, a process's first
 * compile (-n 1: cold caches, the allocator's arena fresh pages) and the
 * fastest of -n 9, and the process's peak RSS (/usr/bin/time), for
 * bench/gen-bigbody.py's chain of small loops / its --interp dispatch
 * loop (a br_table of ~400 cases per 32 KiB):
 *   just under 32 KiB (31.6 / 32.5 KB): 24 / 12 ms first, 9.6 / 5.8 ms
 *                                       fastest, 26 / 13 MB
 *   64 KiB (70.0 / 65.2 KB):            82 / 34 ms, 60 / 27 ms, 87 / 31 MB
 *   128 KiB (140 / 131 KB):             refused / 70 ms fastest, 88 MB
 * (4,095 one-line loops in 32 KiB: 8.6 / 3.7 ms, 14 MB).  The allocator
 * is what grows faster than the body (its liveness sets are blocks x
 * values bits: of the chain's first compiles of 15.3, 31.6, 70.0 KB it
 * takes 4.7, 16.9, 64 ms, and past 128 KiB the sets' bound refuses the
 * function), so 64 KiB is over the budget and 32 KiB inside it with
 * room for a worse shape.  The cap alone does not bound the worst
 * compile: many locals live across many loops are quadratic in the
 * body, which OPT_MAX_LOOP_SLOTS bounds.  (Raise the cap when allocation
 * is linear or the compile checks the deadline itself.) */
#define OPT_MAX_BODY_KIB 32
#define OPT_MAX_BODY_BYTES (OPT_MAX_BODY_KIB * 1024u)
/* The most loop headers times slots (params and locals) tier 2 builds
 * (ir_build.c's scan refuses more, before any phi): every header is an
 * OSR entry whose map names each slot live there, its entry loads them,
 * and the builder makes a phi at it for each slot looked up through it,
 * so a body whose many locals stay live across many loops is quadratic
 * in everything after, and the body cap does not bound it.  A process's
 * first compile (bench/opt-compile -n 1, the loaded machine) of locals
 * set once and read after as many empty loops: 256 slots x 256 loops
 * (64K) 13-14 ms, 32 x 2,040 (64K) 19-20 ms, 32 x 3,900 (125K) 65-113
 * ms; gen-bigbody.py --live 6, 8, 14, 28 (118K, 210K, 642K, 2.6M)
 * 23-28, 70-79, 175-245 and 758-926 ms, 18, 28, 70 and 254 MB.  So 64K,
 * well inside the budget of OPT_MAX_BODY_KIB.  The bench programs'
 * functions have at most 2,145 (printf_core: 55 loops, 39 slots);
 * gen-bigbody.py's chain under 32 KiB 14,800. */
#define OPT_MAX_LOOP_SLOTS 65536
/* Why a function over the cap has no tier-2 code (its refusal reason). */
#define OPT_TOO_LARGE_REASON \
	"function body over " WASM_STR(OPT_MAX_BODY_KIB) " KiB: left to the baseline"
/* ... and one over OPT_MAX_LOOP_SLOTS. */
#define OPT_TOO_MANY_LOOP_SLOTS_REASON \
	"loops times slots over " WASM_STR(OPT_MAX_LOOP_SLOTS) \
	" (OSR maps): left to the baseline"

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

/* Whether e's tier-2 code needs OSR entries (tier_opt.c): only a frame
 * running in a lower tier enters tier-2 code at a loop.  Under
 * --tier=opt every function is compiled before its first call, so none
 * ever does (an interpreted frame after a refusal or a passed deadline
 * finds no entry and stays: jit_tier_osr); ir_build then makes no OSR
 * maps, and lowering no entries. */
bool opt_osr_wanted(const wasm_engine *e);

#endif
