/* wasm.h -- the public API of the wasmhost engine.
 *
 * The engine decodes, validates and runs WebAssembly 2.0 modules (SIMD
 * in the interpreter tier only).  It knows nothing of processes or HTTP.  All types are opaque.
 *
 * Object lifetimes:
 *   wasm_engine   configuration and the function-type intern table; outlives
 *                 every module made with it.
 *   wasm_module   decoded + validated code, and its pre-decoded (interpreter)
 *                 code, compiled lazily and kept for the module's life.
 *   wasm_store    runtime objects (instances, functions, tables, memories,
 *                 globals) and the execution stack.  Freeing the store frees
 *                 everything made in it.  A store is used by one thread at a
 *                 time.  Objects of one store may be imported by instances of
 *                 the same store only.
 *
 * Errors: functions that can fail return wasm_status and fill a caller-owned
 * wasm_error (which may be NULL when the caller does not care).
 */
#ifndef WASM_H
#define WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WASM_MUST_CHECK __attribute__((warn_unused_result))

typedef struct wasm_engine wasm_engine;
typedef struct wasm_module wasm_module;
typedef struct wasm_store wasm_store;
typedef struct wasm_instance wasm_instance;
typedef struct wasm_func wasm_func;
typedef struct wasm_table wasm_table;
typedef struct wasm_memory wasm_memory;
typedef struct wasm_global wasm_global;
typedef struct wasm_call_ctx wasm_call_ctx;

/* Value types carry their binary encoding. */
typedef enum {
	WASM_I32 = 0x7f,
	WASM_I64 = 0x7e,
	WASM_F32 = 0x7d,
	WASM_F64 = 0x7c,
	WASM_V128 = 0x7b,
	WASM_FUNCREF = 0x70,
	WASM_EXTERNREF = 0x6f,
} wasm_valtype;

const char *wasm_valtype_name(wasm_valtype t);

/* The 8-byte slots a value of type t takes in a host function's slot
 * array (wasm_host_fn), as in every frame: a v128 two, the others one. */
static inline uint32_t wasm_valtype_slots(wasm_valtype t)
{
	return t == WASM_V128 ? 2 : 1;
}

/* A typed value.  Floats are carried as raw bits so NaN payloads survive.
 * References: funcref is a wasm_func * (NULL = ref.null func); externref is
 * an opaque host pointer (NULL = ref.null extern).  A v128 is its 16
 * bytes in memory order (lane 0's low byte first, as v128.store writes
 * them). */
typedef struct {
	wasm_valtype type;
	union {
		int32_t i32;
		int64_t i64;
		uint32_t f32_bits;
		uint64_t f64_bits;
		void *ref;
		uint8_t v128[16];
	} of;
} wasm_value;

typedef enum {
	WASM_OK = 0,
	WASM_ERR_MALFORMED,   /* binary cannot be decoded */
	WASM_ERR_INVALID,     /* decoded but fails validation */
	WASM_ERR_UNSUPPORTED, /* valid wasm we do not support (e.g. SIMD) */
	WASM_ERR_LINK,        /* imports do not match */
	WASM_ERR_TRAP,        /* execution trapped; see wasm_error.trap */
	WASM_ERR_EXIT,        /* a host function asked to end the program
	                         (WASI proc_exit); see wasm_error.exit_code */
	WASM_ERR_LIMIT,       /* an implementation or configured limit */
	WASM_ERR_NOMEM,       /* host out of memory */
	WASM_ERR_ARG,         /* API misuse: wrong argument count or type */
} wasm_status;

const char *wasm_status_name(wasm_status s);

/* Trap kinds: the one list.  X(KIND, name, message):
 *   name     what JSON answers give as trap.kind and `wasmhost run` prints
 *            ("trap: NAME");
 *   message  the trap's text (wasm_error.message).  A host function may
 *            give its own through wasm_call_trap(); wasm code calling it
 *            keeps that text only for kind HOST.
 * Names and messages are part of the HTTP API: changing one changes what
 * clients see.  NONE is 0 (see the assertion below). */
#define WASM_TRAP_KINDS(X)                                                  \
	X(NONE, "none", "none")                                             \
	X(UNREACHABLE, "unreachable", "unreachable executed")               \
	X(OUT_OF_BOUNDS_MEMORY, "out_of_bounds_memory",                     \
	  "out of bounds memory access")                                    \
	X(OUT_OF_BOUNDS_TABLE, "out_of_bounds_table",                       \
	  "out of bounds table access")                                     \
	X(INDIRECT_CALL_TYPE_MISMATCH, "indirect_call_type_mismatch",       \
	  "indirect call type mismatch")                                    \
	X(UNINITIALIZED_ELEMENT, "uninitialized_element",                   \
	  "uninitialized element")                                          \
	X(INTEGER_DIVIDE_BY_ZERO, "integer_divide_by_zero",                 \
	  "integer divide by zero")                                         \
	X(INTEGER_OVERFLOW, "integer_overflow", "integer overflow")         \
	X(INVALID_CONVERSION, "invalid_conversion",                         \
	  "invalid conversion to integer")                                  \
	X(NULL_REFERENCE, "null_reference", "null reference")               \
	X(STACK_OVERFLOW, "stack_overflow", "call stack exhausted")         \
	X(TIMEOUT, "timeout", "deadline exceeded")                          \
	X(OUT_OF_FUEL, "out_of_fuel", "all fuel consumed")                  \
	X(HOST, "host", "host")

typedef enum {
#define X(kind, name, message) WASM_TRAP_##kind,
	WASM_TRAP_KINDS(X)
#undef X
	WASM_TRAP_COUNT_
} wasm_trap_kind;

/* A zeroed record holds no trap, and JIT code passes 0 for "no kind". */
_Static_assert(WASM_TRAP_NONE == 0, "WASM_TRAP_NONE must be 0");

/* The kind's name and message from WASM_TRAP_KINDS; "unknown" and
 * "unknown trap" for a value outside the enum.  Never NULL. */
const char *wasm_trap_kind_name(wasm_trap_kind k);
const char *wasm_trap_kind_message(wasm_trap_kind k);

#define WASM_NO_INDEX UINT32_MAX

/* Caller-owned error record. */
typedef struct {
	wasm_status status;
	/* Byte offset into the module binary where decoding or validation
	 * failed, or of the instruction that trapped; SIZE_MAX if unknown. */
	size_t offset;
	wasm_trap_kind trap;      /* with WASM_ERR_TRAP */
	uint32_t func_index;      /* trapping function, or WASM_NO_INDEX */
	char func_name[96];       /* from the name section or export, or "" */
	int exit_code;            /* with WASM_ERR_EXIT */
	char message[256];
} wasm_error;

/* ---- engine ---------------------------------------------------------- */

typedef enum {
	WASM_TIER_INTERP = 0,
	WASM_TIER_BASELINE,
	WASM_TIER_OPT,
	WASM_TIER_AUTO,
} wasm_tier;

/* "interp", "baseline", "opt", "auto"; parse returns false on other text.
 * available: whether this build of the engine has the tier (an engine of
 * a tier it has not cannot be made, wasm_config_check). */
const char *wasm_tier_name(wasm_tier t);
bool wasm_tier_parse(const char *name, wasm_tier *out);
bool wasm_tier_available(wasm_tier t);

typedef struct {
	wasm_tier tier;
	bool fuel;                 /* compile fuel metering into the code */
	uint32_t max_stack_slots;  /* value stack per store, in 8-byte slots;
	                              0 = default (1 Mi slots) */
	uint32_t max_call_depth;   /* frames per store; 0 = default (64 Ki) */
	/* WASM_TIER_AUTO: a function is compiled by the baseline JIT when its
	 * entry counter or one of its loop counters reaches this many (a loop
	 * then moves into the JIT code at once: on-stack replacement).
	 * 0 = default (WASM_TIER_DEFAULT_THRESHOLD); 1 = at the first call. */
	uint32_t tier_threshold;
	/* WASM_TIER_AUTO: a function running in baseline code is compiled by
	 * the optimizing JIT (tier 2) once it has spent this budget: each call
	 * of it and each loop back-edge in its baseline code counts one.  Its
	 * running activations then move into the optimized code at their next
	 * loop header (on-stack replacement).  0 = default
	 * (WASM_OPT_DEFAULT_THRESHOLD); 1 = at the first count. */
	uint32_t opt_threshold;
	/* true: the JIT tiers use no AVX instruction (the SSE two-operand
	 * float forms), as on a CPU without AVX; the results are the same bit
	 * for bit.  The command line sets it from WASMHOST_NO_AVX. */
	bool no_avx;
	/* Non-NULL: each function the JIT tiers install is written here as
	 * one line "START SIZE NAME" (hex address and size, then
	 * "wasm[INDEX] NAME TIER"), the symbol map Linux perf reads from
	 * /tmp/perf-PID.map.  Writes may come from the compile thread. */
	FILE *perf_map;
	/* Where JIT code goes: NULL = fresh mappings; else a page-aligned
	 * range of code_region_bytes reserved by the caller (e.g. PROT_NONE,
	 * for a seccomp policy that allows PROT_EXEC only there).  The engine
	 * hands out pages of it to modules and returns them to PROT_NONE when
	 * a module is freed. */
	void *code_region;
	size_t code_region_bytes;
} wasm_config;

/* The thresholds' defaults (plain decimal literals, so that help texts
 * print them with WASM_STR). */
#define WASM_TIER_DEFAULT_THRESHOLD 1000
#define WASM_OPT_DEFAULT_THRESHOLD 20000

/* The text of a macro's value: WASM_STR(WASM_TIER_DEFAULT_THRESHOLD) is
 * "1000", for messages and help written once with the limit they name. */
#define WASM_STR_(x) #x
#define WASM_STR(x) WASM_STR_(x)

void wasm_config_default(wasm_config *cfg);
/* Whether this build can make an engine of cfg: WASM_ERR_UNSUPPORTED, with
 * the reason in err, for a tier it does not have (wasm_tier_available)
 * or does not know. */
WASM_MUST_CHECK wasm_status wasm_config_check(const wasm_config *cfg,
	wasm_error *err);
/* A new engine of cfg (NULL = defaults) in *out: WASM_ERR_UNSUPPORTED as
 * wasm_config_check says, WASM_ERR_NOMEM. */
WASM_MUST_CHECK wasm_status wasm_engine_create(const wasm_config *cfg,
	wasm_engine **out, wasm_error *err);
/* The same without the reason: NULL on any failure. */
wasm_engine *wasm_engine_new(const wasm_config *cfg); /* NULL = defaults */
void wasm_engine_free(wasm_engine *engine);
/* Start the engine's background compile thread (tier 2 compiles there
 * instead of on the thread that runs the code).  Call it from a process
 * that may still create threads: a sandboxed worker does so before its
 * seccomp filter, which then forbids clone.  Without it every compile runs
 * synchronously on the running thread.  WASM_OK (also when the engine
 * has no tier that uses the thread, or it runs already), WASM_ERR_NOMEM
 * when the thread cannot be made. */
WASM_MUST_CHECK wasm_status wasm_engine_start_compile_thread(wasm_engine *e);

/* ---- types ----------------------------------------------------------- */

typedef struct {
	uint32_t nparams, nresults;
	const uint8_t *params;  /* wasm_valtype values */
	const uint8_t *results;
} wasm_functype;

typedef struct {
	uint32_t min, max;      /* max valid if has_max */
	bool has_max;
} wasm_limits;

typedef enum {
	WASM_EXTERN_FUNC = 0,
	WASM_EXTERN_TABLE = 1,
	WASM_EXTERN_MEMORY = 2,
	WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind;

const char *wasm_extern_kind_name(wasm_extern_kind k);

/* Names are byte strings (valid UTF-8) that may hold U+0000: module and
 * name are NUL-terminated for C-string users, who see a name only up to
 * its first NUL byte; module_len and name_len give the whole name. */
typedef struct {
	wasm_extern_kind kind;
	const char *module;     /* NULL for exports */
	const char *name;
	size_t module_len;      /* bytes of module (0 for exports) */
	size_t name_len;        /* bytes of name */
	/* Valid member depends on kind. */
	wasm_functype func;
	struct { wasm_valtype elem; wasm_limits limits; } table;
	wasm_limits memory;
	struct { wasm_valtype type; bool mut; } global;
} wasm_extern_desc;

/* ---- modules --------------------------------------------------------- */

/* Decode and validate.  The bytes are copied. */
WASM_MUST_CHECK wasm_status wasm_module_load(wasm_engine *engine,
	const uint8_t *bytes, size_t len, wasm_module **out, wasm_error *err);
void wasm_module_free(wasm_module *m);

uint32_t wasm_module_import_count(const wasm_module *m);
void wasm_module_import(const wasm_module *m, uint32_t i, wasm_extern_desc *out);
uint32_t wasm_module_export_count(const wasm_module *m);
void wasm_module_export(const wasm_module *m, uint32_t i, wasm_extern_desc *out);
/* Index of the named export, or WASM_NO_INDEX: name as a C string, or as
 * name_len bytes (a name with U+0000 in it). */
uint32_t wasm_module_export_find(const wasm_module *m, const char *name);
uint32_t wasm_module_export_find_bytes(const wasm_module *m, const char *name,
	size_t name_len);
/* The index of export i in its kind's index space (imports first). */
uint32_t wasm_module_export_index(const wasm_module *m, uint32_t i);

/* Code as text, for people: WASM_DUMP_PREDECODED the interpreter's
 * pre-decoded instructions (one a line: code offset, op, fields by name,
 * family, and for ops that can trap the wasm offset), WASM_DUMP_BASELINE
 * the baseline JIT's machine code, WASM_DUMP_OPT the optimizing JIT's IR
 * before and after its passes, its machine IR and its machine code. */
typedef enum { WASM_DUMP_PREDECODED, WASM_DUMP_BASELINE, WASM_DUMP_OPT }
	wasm_dump_kind;
/* Print function func_index's code (index space with imports; WASM_NO_INDEX: every defined function) in the given form to out, pre-decoding or compiling it first if need be.  WASM_ERR_ARG for an import or an index out of range. */
WASM_MUST_CHECK wasm_status wasm_module_dump(wasm_module *m,
	uint32_t func_index, wasm_dump_kind kind, FILE *out, wasm_error *err);

/* The tiers that hold code (WASM_TIER_INTERP up to WASM_TIER_OPT): the
 * length of arrays indexed by wasm_tier.  WASM_TIER_AUTO is a policy, not
 * a tier. */
#define WASM_TIER_COUNT ((int)WASM_TIER_AUTO)
_Static_assert(WASM_TIER_INTERP == 0 && WASM_TIER_BASELINE == 1 &&
	WASM_TIER_OPT == 2 && WASM_TIER_AUTO == 3,
	"the tiers that hold code come first, in order; AUTO after them");

/* What one tier has done with a module's functions so far. */
typedef struct {
	uint32_t nfuncs;          /* functions with this tier's code (interp:
	                             pre-decoded) */
	uint32_t nfuncs_refused;  /* functions the tier refused (they stay in
	                             a lower tier) */
	uint64_t wasm_bytes;      /* wasm instruction bytes of the nfuncs
	                             (local declarations excluded) */
	uint64_t code_bytes;      /* their code bytes (interp: pre-decoded
	                             code; JIT tiers: machine code) */
	uint64_t compile_ns;      /* CPU time of the threads that compiled
	                             them (each compile on the thread's own
	                             CPU clock, CLOCK_THREAD_CPUTIME_ID: tier
	                             2 compiles on a background thread, and
	                             wall time on a loaded machine would
	                             count the waits); 0 where not measured
	                             (interp) */
	uint64_t osr_entries;     /* jumps into this tier's code at a loop
	                             header, from a lower tier */
} wasm_tier_stats;

/* The figures of wasm_tier_stats as every report names them, one list:
 * X(field, key, divisor).  Reports print "<tier>_<key>" (wasm_tier_name)
 * = field / divisor for each tier: wasmhost run --stats, the invoke
 * reply's "tiers", /metrics' wasmhost_tier_stat{tier,stat}. */
#define WASM_TIER_STATS(X) \
	X(nfuncs,         "funcs",      1) \
	X(nfuncs_refused, "refused",    1) \
	X(wasm_bytes,     "wasm_bytes", 1) \
	X(code_bytes,     "code_bytes", 1) \
	X(compile_ns,     "compile_us", 1000) \
	X(osr_entries,    "osr",        1)

/* Sizes for tools and benchmarks.  Function bodies are pre-decoded lazily
 * (on first call) and compiled by a JIT tier when warm, so the per-tier
 * figures grow as the module runs. */
typedef struct {
	uint64_t code_section_bytes;  /* payload of the binary's code section */
	uint32_t nfuncs;              /* defined functions (imports excluded) */
	wasm_tier_stats tiers[WASM_TIER_COUNT];   /* indexed by wasm_tier */
	/* Each tier's last refusal reason (a static string), or NULL. */
	const char *refused_reason[WASM_TIER_COUNT];
} wasm_module_stats;

void wasm_module_stats_get(const wasm_module *m, wasm_module_stats *out);

/* ---- stores and limits ----------------------------------------------- */

wasm_store *wasm_store_new(wasm_engine *engine);
void wasm_store_free(wasm_store *store);
/* When freed, the store gives back the pages of its value and frame
 * stacks past their first 256 KiB, which a deep call left resident (the
 * stacks are cached for the next store as they are otherwise).  For a
 * caller that knows a call may have gone deep, e.g. one that ran long:
 * the madvise costs microseconds. */
void wasm_store_trim_stacks(wasm_store *store);

/* memory.grow beyond max_pages (counting all pages, initial ones included)
 * returns -1; instantiating a memory whose minimum is above it fails with
 * WASM_ERR_LIMIT.  0 = no limit but the spec's 65536. */
void wasm_store_set_max_memory_pages(wasm_store *store, uint32_t max_pages);

/* Interruption: code checks *epoch >= deadline at function entries and
 * loop headers (but, in tier 2, those of inner loops that run at most
 * 4096 times and call nothing, and of loops that call a function on
 * every trip) and traps with WASM_TRAP_TIMEOUT.  The counter may be
 * written by another thread or process at any time; the pointer and the
 * deadline are set between calls (running code keeps the ones it was
 * called with: the interpreter per activation, tier 2 across a loop).
 * epoch NULL disables. */
void wasm_store_set_deadline(wasm_store *store, const volatile uint64_t *epoch,
	uint64_t deadline);
/* Fuel (only with wasm_config.fuel): units left; one unit is spent per
 * function entry and per loop iteration.  Running out traps with
 * WASM_TRAP_OUT_OF_FUEL. */
void wasm_store_set_fuel(wasm_store *store, uint64_t fuel);
uint64_t wasm_store_fuel(const wasm_store *store);

/* ---- externs and instances ------------------------------------------- */

typedef struct {
	wasm_extern_kind kind;
	union {
		wasm_func *func;
		wasm_table *table;
		wasm_memory *memory;
		wasm_global *global;
	} of;
} wasm_extern;

/* imports[i] answers the module's i-th import.  Runs the start function. */
WASM_MUST_CHECK wasm_status wasm_instance_new(wasm_store *store,
	wasm_module *m, const wasm_extern *imports, size_t nimports,
	wasm_instance **out, wasm_error *err);
bool wasm_instance_export(const wasm_instance *inst, const char *name,
	wasm_extern *out);
/* The same, the name given as name_len bytes: a wasm name may hold U+0000,
 * which a C string cannot. */
bool wasm_instance_export_bytes(const wasm_instance *inst, const char *name,
	size_t name_len, wasm_extern *out);
/* The instance's memory 0, exported or not; NULL if it has none. */
wasm_memory *wasm_instance_memory(const wasm_instance *inst);

/* ---- snapshots (copy-on-write instantiation) ------------------------- */

/* What instantiation left in an instance (data segments applied, start
 * function run): memory 0, the defined globals and tables, which segments
 * are dropped.  Instances made from it (wasm_instance_new_from) start equal
 * to that one, and cost a mapping and a few stores: memory 0 is the
 * snapshot's file mapped MAP_PRIVATE over the reservation, so a page is
 * copied only when it is written.  A snapshot is only taken where it
 * stands for instantiation exactly: no start function, or no imports (a
 * start function that may call the host could see something else next
 * time); imported tables, memories and globals, a table that grew, or an
 * externref table holding a value refuse it (WASM_ERR_UNSUPPORTED). */
typedef struct wasm_snapshot wasm_snapshot;

/* The file that holds a snapshot's memory (a memfd, say): fd, its size
 * (at least the memory's; zero where the memory is not written), and the
 * highest address a mapping of it may end at (0 = anywhere).  Mappings of
 * it are MAP_FIXED, inside reservations, never executable. */
typedef struct {
	int fd;
	uint64_t fd_bytes;
	uintptr_t map_end_max;
} wasm_snapshot_file;

/* Takes inst's state, as instantiation left it, into file (which must be
 * zero) and *out.  WASM_ERR_UNSUPPORTED as above, WASM_ERR_LIMIT when the
 * memory does not fit the file or the address window, WASM_ERR_NOMEM. */
WASM_MUST_CHECK wasm_status wasm_snapshot_take(const wasm_instance *inst,
	const wasm_snapshot_file *file, wasm_snapshot **out, wasm_error *err);
void wasm_snapshot_free(wasm_snapshot *snap);
/* The module's memory 0 in pages, as the snapshot holds it. */
uint32_t wasm_snapshot_memory_pages(const wasm_snapshot *snap);
/* Whether instances from snap cost less than the usual way: it saves a
 * start function, or copying at least WASM_SNAPSHOT_WORTH_BYTES of
 * initialised memory.  A mapping and its release cost about 4 µs
 * (bench/instantiate: one mmap each), while a module with little data is
 * built from its segments in well under 1 µs on a reused reservation. */
#define WASM_SNAPSHOT_WORTH_BYTES (64u << 10)
bool wasm_snapshot_worthwhile(const wasm_snapshot *snap);

/* wasm_instance_new for the module snap was taken of: linked the same
 * way, but memory, globals, tables and segments come from snap, and no
 * segment is applied and no start function runs.  When snap's memory
 * cannot be mapped here (more pages than the store's cap, a reservation
 * outside the file's window), it instantiates the usual way, with the
 * same result. */
WASM_MUST_CHECK wasm_status wasm_instance_new_from(wasm_store *store,
	wasm_module *m, const wasm_extern *imports, size_t nimports,
	const wasm_snapshot *snap, wasm_instance **out, wasm_error *err);
/* Whether inst was made from a snapshot (not the usual way). */
bool wasm_instance_from_snapshot(const wasm_instance *inst);

/* ---- functions ------------------------------------------------------- */

/* Host functions.  slots holds the arguments on entry, one after the other
 * from slot 0: one 8-byte slot each (i32 zero-extended, f32 as its bits in
 * the low half, f64 as its bits, refs as pointers), except a v128, which
 * takes two consecutive slots (its bytes 0..7, lane 0's low byte first as
 * wasm_value.of.v128 holds them, in the first; bytes 8..15 in the second).
 * The host writes the results the same way from slot 0.  slots has room
 * for the larger of the arguments' and the results' slots; e.g. for
 * (i32 v128 f64) -> (v128 i32): arguments in slots 0, 1-2 and 3, results
 * in 0-1 and 2.  The layout is the same whichever tier calls.  Return
 * WASM_OK, or trap with wasm_call_trap(), or end with wasm_call_exit(). */
typedef wasm_status (*wasm_host_fn)(wasm_call_ctx *ctx, void *env,
	uint64_t *slots);

wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type,
	wasm_host_fn fn, void *env);
void wasm_func_type(const wasm_func *f, wasm_functype *out);

/* Inside a host function: the calling instance's memory 0 (NULL if none),
 * and ways to stop.  wasm_call_trap's message NULL means the kind's message
 * (wasm_trap_kind_message). */
wasm_memory *wasm_call_memory(wasm_call_ctx *ctx);
wasm_status wasm_call_trap(wasm_call_ctx *ctx, wasm_trap_kind kind,
	const char *message);
wasm_status wasm_call_exit(wasm_call_ctx *ctx, int exit_code);

/* Call f.  Argument types must match exactly (WASM_ERR_ARG otherwise). */
WASM_MUST_CHECK wasm_status wasm_func_call(wasm_store *store, wasm_func *f,
	const wasm_value *args, size_t nargs, wasm_value *results,
	size_t nresults, wasm_error *err);

/* Calls the exported function `name` of inst: the one way the tools (the
 * sandbox worker, `wasmhost run --no-sandbox`) run an export.  Checks,
 * each a WASM_ERR_ARG whose message is the one users see:
 *   "no exported function 'NAME'"           (no export, or not a function)
 *   "NAME expects N arguments, got M"
 *   "argument I of NAME: expected T, got U" (I counts from 1)
 * then calls it as wasm_func_call does (traps, exits, limits likewise).
 * On WASM_OK *results is a malloc'd array of *nresults values (free() it);
 * on failure *results is NULL and *nresults 0. */
WASM_MUST_CHECK wasm_status wasm_instance_call(wasm_store *store,
	wasm_instance *inst, const char *name, const wasm_value *args,
	size_t nargs, wasm_value **results, uint32_t *nresults,
	wasm_error *err);
/* The same, the name given as name_len bytes (it may hold U+0000; the
 * messages show it as wasm_name_format does). */
WASM_MUST_CHECK wasm_status wasm_instance_call_bytes(wasm_store *store,
	wasm_instance *inst, const char *name, size_t name_len,
	const wasm_value *args, size_t nargs, wasm_value **results,
	uint32_t *nresults, wasm_error *err);

/* ---- memories, tables, globals --------------------------------------- */

wasm_memory *wasm_memory_new(wasm_store *store, wasm_limits limits);
uint8_t *wasm_memory_data(const wasm_memory *mem);
uint64_t wasm_memory_size_bytes(const wasm_memory *mem);
uint32_t wasm_memory_pages(const wasm_memory *mem);
/* Returns the old size in pages, or -1. */
int64_t wasm_memory_grow(wasm_memory *mem, uint32_t delta_pages);
/* memory.grow's cap from now on: max_pages (0 = the type's max), never
 * above the type's max (the store's cap is only the cap at creation: an
 * instance kept between calls gets each call's). */
void wasm_memory_set_limit_pages(wasm_memory *mem, uint32_t max_pages);

wasm_table *wasm_table_new(wasm_store *store, wasm_valtype elem,
	wasm_limits limits, void *init);
uint32_t wasm_table_size(const wasm_table *t);
bool wasm_table_get(const wasm_table *t, uint32_t i, void **out);

wasm_global *wasm_global_new(wasm_store *store, wasm_value init, bool mut);
void wasm_global_get(const wasm_global *g, wasm_value *out);

/* Formatting helpers shared by the tools: float bits so they round-trip
 * ("nan:0x...", "inf", "-inf" or shortest decimal), a v128 as "0x" and 32
 * hex digits (the 128-bit little-endian number: byte 15 first), and
 * parsing of the same plus decimal/hex integers.  Return false on bad
 * text. */
void wasm_value_format(const wasm_value *v, char *buf, size_t len);
bool wasm_value_parse(wasm_valtype t, const char *text, wasm_value *out);

/* A name of name_len bytes as text for people, in buf (always
 * NUL-terminated when len > 0): control bytes (U+0000 included) and DEL
 * as "\xHH", a backslash as "\\", everything else as is.  When it does
 * not fit, it is cut before an escape, never inside one, and ends in "...".
 * Returns the length of the whole text (as snprintf does). */
size_t wasm_name_format(const char *name, size_t name_len, char *buf,
	size_t len);

#endif
