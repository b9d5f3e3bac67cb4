/* runtime.h -- runtime objects and the execution context (internal).
 *
 * Value representation everywhere at run time: one 8-byte slot per value.
 * i32 is stored zero-extended in the low 32 bits, i64 as is, f32/f64 as
 * their bits (f32 in the low 32 bits), funcref as a wasm_func *, externref
 * as the host pointer; NULL is the null reference.
 */
#ifndef ENGINE_RUNTIME_H
#define ENGINE_RUNTIME_H

#include "front/module.h"

#include <setjmp.h>

struct wasm_engine {
	wasm_config cfg;
	/* Function-type intern table (engine.c). */
	uint32_t ntypes, cap_types;
	struct interned_type *types;
	uint32_t *index, index_cap;     /* open addressing: id + 1, 0 = empty */
	/* Tier-owned (tier 1, jit/jit_code.c): pages of cfg.code_region. */
	struct jit_region *jit_region;
	/* Tier-owned (tier 2, jit/opt/opt_queue.c): its compile queue and
	 * background thread, NULL until first used. */
	struct opt_queue *opt_queue;
};

struct wasm_func {
	uint32_t type_id;         /* canonical type id (call_indirect check) */
	const functype *type;     /* module's type, or host_type below */
	wasm_instance *inst;      /* NULL for host functions */
	uint32_t index;           /* index in inst->module's function space */
	/* Host functions: */
	wasm_host_fn host;
	void *host_env;
	functype host_type;       /* owned copy for host functions */
};

/* Linear memory: a reservation of MEMORY_RESERVE_BYTES, PROT_NONE except
 * the first pages * 64 KiB, which are read-write.  base never moves. */
#define MEMORY_RESERVE_BYTES ((1ull << 33) + WASM_PAGE_SIZE)

struct wasm_memory {
	uint8_t *base;
	uint64_t size_bytes;      /* pages * 64 KiB */
	uint32_t pages;
	uint32_t max_pages;       /* from the type's max, or 65536 */
	uint32_t limit_pages;     /* store's cap at creation (<= max_pages) */
	bool has_max;             /* the type declared a max (import matching) */
	uint64_t file_bytes;      /* [0, file_bytes) is a snapshot's file,
	                             mapped copy-on-write (memory_map_file) */
	struct wasm_memory *next; /* store's list, for the fault handler */
};

/* Maps `pages` pages of fd copy-on-write over the start of mem, which
 * then has that many pages (at least its current ones).  false, mem
 * unchanged, when that is over its caps or the mapping would end past
 * end_max (0 = no bound) or fails. */
bool memory_map_file(wasm_memory *mem, int fd, uint32_t pages,
	uintptr_t end_max);

struct wasm_table {
	uint8_t elem;             /* WASM_FUNCREF / WASM_EXTERNREF */
	uint32_t size;
	uint32_t max;             /* UINT32_MAX if none */
	void **elems;             /* size entries; may move on grow */
};

struct wasm_global {
	uint64_t val;             /* first: the interpreter reads it directly */
	uint64_t hi;              /* v128: bytes 8..15 (val: bytes 0..7), so
	                             its 16 bytes are contiguous at &val */
	uint8_t type;
	bool mut;
};

struct wasm_instance {
	wasm_module *module;
	wasm_store *store;
	wasm_func **funcs;        /* module->nfuncs */
	wasm_table **tables;      /* module->ntables */
	wasm_memory *memory;      /* memory 0, or NULL */
	wasm_global **globals;    /* module->nglobals */
	uint8_t *elem_dropped;    /* module->nelems flags */
	uint8_t *data_dropped;    /* module->ndatas flags */
	bool from_snapshot;       /* made by wasm_instance_new_from's mapping */
};

/* One interpreter/JIT frame record, kept on the store's frame stack (the
 * value slots live on the value stack; see interp.c). */
typedef struct {
	const void *ret_ip;       /* where the caller resumes */
	uint64_t *fp;             /* caller's frame base */
	wasm_func *func;          /* caller */
} frame_rec;

/* The execution context of a store. */
typedef struct exec {
	uint64_t *stack, *stack_end;      /* value stack */
	frame_rec *frames, *frames_end;   /* frame stack */
	frame_rec *frame_top;             /* next free frame record */
	/* Interruption (wasm_store_set_deadline): the code traps once
	 * *epoch >= deadline.  Never NULL: without a deadline it points at a
	 * zero and deadline is UINT64_MAX.  The interpreter and JIT code read
	 * these two; neither changes while wasm code runs (only *epoch
	 * does), so the interpreter keeps them per activation and tier 2 in
	 * registers across a loop (jit_seq_epoch_in). */
	const volatile uint64_t *epoch;
	uint64_t deadline;
	uint64_t fuel;
	uint32_t depth;                   /* nested host->wasm entries */
	/* First value-stack slot not used by an outer activation: where a
	 * nested call (host -> wasm) puts its arguments.  store_call and
	 * store_call_host maintain it. */
	uint64_t *sp_free;
	/* Trap being raised (set by whoever traps). */
	wasm_trap_kind trap;
	wasm_func *trap_func;
	size_t trap_offset;               /* wasm byte offset or SIZE_MAX */
	char trap_msg[160];
	int exit_code;
	/* Where a fault in wasm code (out-of-bounds access) unwinds to; NULL
	 * when not inside wasm code. */
	sigjmp_buf *fault_jmp;
	wasm_func *cur_func;              /* best known current function */
	/* Tier 1 (jit_*.c, tier.c): JIT code reaches these through its exec
	 * register.  jit_run() sets them on every entry into JIT code. */
	void *jit_unwind;                 /* native sp a trap unwinds to */
	uintptr_t jit_stack_limit;        /* lowest native sp JIT code may use */
} exec;

/* Whether ex's deadline has passed: the check ENTER and LOOP make (in
 * every tier), and what long work outside wasm code asks between steps
 * (bulk memory in chunks, WASI sleeps, the JIT compiling a module). */
static inline bool exec_past_deadline(const exec *ex)
{
	return *ex->epoch >= ex->deadline;
}

struct wasm_store {
	wasm_engine *engine;
	exec ex;
	uint32_t max_memory_pages;        /* 0 = spec limit */
	bool trim_stacks;                 /* wasm_store_trim_stacks */
	/* Everything allocated in the store, freed with it. */
	struct store_obj *objs;
	wasm_memory *memories;
	wasm_call_ctx *ctx;               /* current host call context */
};

struct wasm_call_ctx {
	wasm_store *store;
	wasm_instance *inst;              /* caller's instance, or NULL */
};

/* engine.c: the function-type intern table (UINT32_MAX when out of
 * memory), and the engine's configuration. */
uint32_t engine_intern_type(wasm_engine *e, uint32_t nparams,
	const uint8_t *params, uint32_t nresults, const uint8_t *results);
const wasm_config *engine_config(const wasm_engine *e);

/* module.c: name of function i for traps: name section, else an export
 * name, else NULL; *len its bytes (an export name may hold NULs). */
const char *module_func_name(const wasm_module *m, uint32_t i, size_t *len);

/* bulk.c: the value of a constant expression (as a slot), and the bulk
 * operations; each returns WASM_TRAP_NONE or the trap to raise. */
uint64_t const_eval(const wasm_instance *inst, const constexpr_t *ce);
/* The high half (bytes 8..15) of a v128 constant expression; 0 for the
 * other types. */
uint64_t const_eval_hi(const wasm_instance *inst, const constexpr_t *ce);
/* memory.fill and memory.copy check ex's deadline between chunks (bulk.c; ex NULL:
 * never) and return WASM_TRAP_TIMEOUT once it has passed. */
wasm_trap_kind bulk_memory_fill(const exec *ex, wasm_memory *mem,
	uint32_t d, uint8_t v, uint32_t n);
wasm_trap_kind bulk_memory_copy(const exec *ex, wasm_memory *mem,
	uint32_t d, uint32_t s, uint32_t n);
wasm_trap_kind bulk_memory_init(wasm_instance *inst, uint32_t seg, uint32_t d,
	uint32_t s, uint32_t n);
wasm_trap_kind bulk_table_fill(wasm_table *t, uint32_t i, void *v, uint32_t n);
wasm_trap_kind bulk_table_copy(wasm_table *dt, wasm_table *st, uint32_t d,
	uint32_t s, uint32_t n);
wasm_trap_kind bulk_table_init(wasm_instance *inst, uint32_t table,
	uint32_t seg, uint32_t d, uint32_t s, uint32_t n);

/* instance.c / memory.c / table.c */
int64_t memory_grow(wasm_memory *mem, uint32_t delta_pages);
int64_t table_grow(wasm_table *t, uint32_t delta, void *init);

/* Call a function from runtime code (start function, wasm_func_call):
 * handles host functions, fault unwinding and error reporting. */
wasm_status store_call(wasm_store *s, wasm_func *f, uint64_t *slots,
	wasm_error *err);

/* Call host function f from wasm code running in `caller` (the interpreter
 * and JITs use this): slots holds max(nparams, nresults) slots, arguments
 * in, results out.  Sets up the wasm_call_ctx and ex->sp_free past slots so
 * the host may call back into wasm.  Returns WASM_OK, WASM_ERR_TRAP (ex->trap
 * set) or WASM_ERR_EXIT (ex->exit_code set). */
wasm_status store_call_host(wasm_store *s, wasm_func *f,
	wasm_instance *caller, uint64_t *slots);

/* instance.c: the store takes obj; free_fn(obj) runs at wasm_store_free,
 * newest first.  On allocation failure calls free_fn(obj) at once and
 * returns false. */
bool store_own(wasm_store *s, void *obj, void (*free_fn)(void *));

/* trap.c: record a trap in ex and return WASM_ERR_TRAP.  Every tier, the
 * runtime and the fault handler record traps here, so the fields mean the
 * same whoever trapped:
 *   kind    ex->trap;
 *   func    ex->trap_func, the function the trap happened in (NULL: none);
 *   offset  ex->trap_offset, the wasm byte offset of the trapping
 *           instruction in func (SIZE_MAX if unknown);
 *   msg     ex->trap_msg (cut to fit), or NULL for the kind's message
 *           (wasm_trap_kind_message) -- except that a HOST trap keeps the
 *           message its host function already left in ex->trap_msg.
 * Async-signal-safe: the fault handler calls it. */
wasm_status trap_record(exec *ex, wasm_trap_kind kind, wasm_func *func,
	size_t offset, const char *msg);

/* trap_record at ex->cur_func, offset unknown, with msg or (NULL) the
 * kind's message. */
wasm_status exec_trap(exec *ex, wasm_trap_kind kind, const char *msg);

/* Install the process-wide SIGSEGV/SIGBUS handler once (idempotent). */
void trap_handler_install(void);
/* trap.c: make s the store whose memories the fault handler checks on this
 * thread (NULL = none) and return the previous one.  Also gives the thread
 * an alternate signal stack if it has none. */
wasm_store *trap_enter(wasm_store *s);

#endif
