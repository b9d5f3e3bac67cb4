/* jit.h -- tier 1, the baseline x86-64 JIT, as the rest of the engine sees
 * it (internal to engine/).
 *
 * The JIT translates a function's pre-decoded code (interp/ops.h), not its
 * wasm: validation, slot assignment and branch resolution are done once, by
 * interp/predecode.c.  JIT code keeps the interpreter's frame layout (8-byte
 * slots at fp: locals, then operands), so entering it mid-function (on-stack
 * replacement at a LOOP) is a jump, and results, arguments and host-call
 * slots sit where the interpreter expects them.
 *
 * Files:
 *   jit.h             this interface
 *   jit_code.c        per-module state: code memory (W^X chunks, the
 *                     engine's code region), the call vector, the entry
 *                     trampoline and shared stubs, PC -> function lookup
 *   jit_rt.c          C helpers that JIT code calls (calls into the
 *                     interpreter and host, traps, bulk memory, tables)
 *   base/jit_baseline*.c
 *                     the compiler (driver and control flow; numeric ops;
 *                     memory, globals and tables; the listing)
 *   tier.c            when to compile, entering JIT code, OSR
 *   tier_baseline.c   tier 1's entry in the tier table (runtime/tier_ops.h)
 */
#ifndef ENGINE_JIT_H
#define ENGINE_JIT_H

#include "interp/fcode.h"
#include "runtime/runtime.h"

#include <stdio.h>

/* Machine-code facts of one compiled function. */
typedef struct jit_func {
	const uint8_t *code;       /* normal entry (the prologue) */
	const uint8_t *osr_entry;  /* OSR prologue: sets up the native frame,
	                              then jumps to the address in r9 */
	uint32_t size;             /* bytes from code, stubs included */
	uint8_t tier;              /* the wasm_tier that made it */
	bool counts;               /* baseline code that counts the hotness
	                              budget (jit_hot_counts) */
	bool osr_code;             /* tier-2 code with OSR entries at its
	                              loops (JIT_OSR_CODE) */
	uint32_t osr_for;          /* OSR code made for the LOOP at this
	                              pre-decoded offset (and the loops
	                              around it), or UINT32_MAX: for all
	                              (jit_set_osr_for) */
	const struct jit_func *replaced;   /* the lower tier's code this
	                              replaced (still found by the fault
	                              handler), or NULL */
	uint32_t npc;
	uint32_t (*pc)[2];         /* (machine offset, pre-decoded code offset)
	                              of each instruction that may fault,
	                              ascending */
	const uint32_t *pc_func;   /* the function each pc entry is in
	                              (tier 2's inlined code names its
	                              callee), or NULL: all are this one */
	uint32_t nloops;
	uint32_t (*loops)[2];      /* (pre-decoded offset of a LOOP, machine
	                              offset of its label), ascending */
} jit_func;

/* jit_code.c ------------------------------------------------------------ */

/* The module's JIT state, made on first use; NULL on allocation failure. */
struct jit_module *jit_module_get(wasm_module *m);
void jit_module_free(struct jit_module *jm);

/* The compiled function, or NULL (not compiled yet, or refused). */
const jit_func *jit_func_get(const wasm_module *m, uint32_t func_index);
/* Whether the baseline compiler refused this function. */
bool jit_func_refused(const wasm_module *m, uint32_t func_index);
/* Whether JIT tier `tier` refused it (each tier's refusal is recorded
 * once per function, jit_tier_refuse in jit/base/jit_baseline.h). */
bool jit_tier_refused(const wasm_module *m, wasm_tier tier,
	uint32_t func_index);

/* Compile function func_index of m (pre-decoded already) and install it
 * in the call vector.  False if the compiler bails out (the function stays
 * interpreted; the reason goes to the statistics) or memory runs out. */
bool jit_compile(wasm_module *m, uint32_t func_index);
/* Compile many functions with one W^X flip per code chunk: between begin
 * and end, code is written to read-write pages and no code of m may run.
 * begin refuses (false) once m has any compiled function or a batch ran
 * (so a module whose batch compiled nothing does not try again). */
bool jit_batch_begin(wasm_module *m);
bool jit_batch_end(wasm_module *m);
/* The compile driver of --tier=baseline and --tier=opt: at the module's
 * first compile, compile_one (which installs the code or records why not)
 * for every defined function that has no JIT code, in one batch.  It
 * stops when ex's deadline passes (the epoch check of the running code),
 * so that the call that asked ends with a timeout trap at its ENTER; what
 * was compiled stays, and the rest is compiled a function at a time. */
void jit_compile_module(wasm_module *m, const exec *ex,
	bool (*compile_one)(wasm_module *m, uint32_t func_index));

/* Run f's JIT code on the frame at fp: from its entry, or (osr_target !=
 * NULL) from that address inside it.  Returns WASM_OK, WASM_ERR_TRAP (ex
 * trap fields set) or WASM_ERR_EXIT. */
wasm_status jit_run(wasm_store *s, wasm_func *f, uint64_t *fp,
	const void *osr_target);
/* The same in code jf of f (its current code, or code it replaced: an OSR
 * target in it goes through its OSR prologue). */
wasm_status jit_run_in(wasm_store *s, wasm_func *f, const jit_func *jf,
	uint64_t *fp, const void *osr_target);

/* The signal handler's question: is pc in JIT code of the module that
 * ex->cur_func belongs to?  Then *func_index and *wasm_offset say where.
 * Async-signal-safe (reads only). */
bool jit_fault_lookup(const exec *ex, uintptr_t pc, uint32_t *func_index,
	size_t *wasm_offset);

/* Statistics into out (its WASM_TIER_BASELINE entries; jit_tier_stats_get:
 * tier's). */
void jit_stats_get(const wasm_module *m, wasm_module_stats *out);
void jit_tier_stats_get(const wasm_module *m, wasm_tier tier,
	wasm_module_stats *out);
void jit_count_osr(wasm_module *m, wasm_tier tier);

/* Do now what the JIT would otherwise do on first use and a sandbox may
 * forbid later: find this thread's native stack limit (/proc), ask the CPU
 * for its features.  Called by wasm_engine_new for JIT tiers. */
void jit_prime(void);

/* Compile function func_index of m again (not installed, nothing changes
 * in m but that its body is pre-decoded if it was not yet) and print, for
 * each pre-decoded instruction, its code offset and op name, then the
 * machine code it produced as hex bytes with their machine offsets (in a
 * form `objdump -D -b binary -mi386:x86-64` can disassemble when the bytes
 * are extracted), then the out-of-line tails.  WASM_ERR_UNSUPPORTED if the
 * compiler refuses the function (the message names the reason),
 * WASM_ERR_ARG for an imported or unknown function, WASM_ERR_NOMEM.
 * (jit_baseline_dump.c) */
wasm_status jit_dump_func(wasm_module *m, uint32_t func_index, FILE *out,
	wasm_error *err);

/* Engine code region (wasm_config.code_region). */
void jit_region_free(struct jit_region *r);

/* tier.c ------------------------------------------------------------------ */

/* Tier 1's threshold, enter and osr operations (runtime/tier_ops.h),
 * reached by the interpreter through tier_threshold / tier_enter /
 * tier_osr of the runtime.  The counter value at which the interpreter
 * asks to tier up: UINT32_MAX for WASM_TIER_INTERP. */
uint32_t jit_tier_threshold(const wasm_engine *e);

/* Called when an ENTER or LOOP counter reaches the threshold.  They
 * compile f if needed and, if it has JIT code, run it from the entry
 * (jit_tier_enter; the frame at fp was just set up) or from the LOOP at
 * loop_ip (jit_tier_osr) to the function's end, and return true with *st
 * the outcome.  False: f stays in the interpreter. */
bool jit_tier_enter(wasm_store *s, wasm_func *f, uint64_t *fp,
	wasm_status *st);
bool jit_tier_osr(wasm_store *s, wasm_func *f, uint64_t *fp,
	const uint8_t *loop_ip, wasm_status *st);

/* tier_baseline.c: tier 1's entry in the tier table. */
extern const struct tier_ops tier_baseline;

#endif
