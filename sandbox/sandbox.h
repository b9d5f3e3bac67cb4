/* sandbox.h -- the supervisor API: confined worker processes that decode,
 * compile and run untrusted modules, with deadlines, memory caps, pools and
 * crash containment.  Knows nothing of HTTP.
 *
 * Processes:
 *   supervisor  the caller's process (wasmhost run, wasmhostd).  One
 *               background thread (started by sb_supervisor_new) owns all
 *               sockets, pools and timers; the API below only queues work
 *               for it, so every function may be called from any thread.
 *   zygote      forked by sb_supervisor_new before the caller starts any
 *               thread, in new user/pid/net/mount/ipc namespaces where the
 *               kernel allows them (it is the pid namespace's init).  It
 *               never reads untrusted bytes; it only forks workers.
 *   worker      forked from the zygote; confines itself (fds, env, rlimits,
 *               no_new_privs, dumpable 0, seccomp) before it reads the
 *               module.  One module of one tenant per worker, compiled once,
 *               a fresh instance per invocation.
 * No process outlives the supervisor: the zygote and the workers die with
 * PR_SET_PDEATHSIG(SIGKILL) and on EOF of their socket.
 *
 * Outcomes are data (brief, decision 10): every sb_invoke ends with exactly
 * one call of its callback, whatever the worker does.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sb_supervisor sb_supervisor;
typedef struct sb_module sb_module;
typedef struct sb_instance sb_instance;

#define SB_OUTCOMES(X)                                                     \
	X(OK, "ok")                     /* export returned results */      \
	X(EXIT, "exit")                 /* WASI program ended; exit_code */ \
	X(TRAP, "trap")                 /* trap; see trap */               \
	X(TIMEOUT, "timeout")           /* deadline passed, worker kept */ \
	X(LIMIT, "limit")               /* see limit */                    \
	X(KILLED, "killed")             /* worker died; see signal */      \
	X(INSTANTIATE_ERROR, "instantiate_error")                          \
	X(INVALID_MODULE, "invalid_module") /* decode/validate failed */   \
	X(BAD_CALL, "bad_call")         /* no such export, wrong args */   \
	X(BUSY, "busy")                 /* pool and its queue are full */  \
	X(GONE, "gone")                 /* persistent instance ended */    \
	X(ERROR, "error")               /* supervisor-side failure */

typedef enum {
#define X(name, str) SB_##name,
	SB_OUTCOMES(X)
#undef X
	SB_OUTCOME_COUNT_
} sb_outcome;

const char *sb_outcome_name(sb_outcome o);

typedef enum {
	SB_LIMIT_NONE = 0,
	SB_LIMIT_MEMORY,   /* host memory ran out (rlimit backstop) */
	SB_LIMIT_FUEL,     /* --fuel ran out */
	SB_LIMIT_OUTPUT,   /* reply larger than the supervisor accepts */
	SB_LIMIT_COUNT_
} sb_limit;

const char *sb_limit_name(sb_limit l);

/* The name of signal sig: "SIGSEGV", "SIGSYS", "SIGUSR1", ... for every
 * signal, "SIGRTMIN+N" for the real-time ones, "signal N" for a number
 * that is none (valid until this thread's next call). */
const char *sb_signal_name(int sig);

/* CLOCK_MONOTONIC in nanoseconds: the one clock for deadlines and
 * durations in the sandbox and in every layer above it. */
uint64_t sb_now_ns(void);

/* ---- supervisor ------------------------------------------------------- */

typedef struct {
	uint32_t max_workers;       /* global cap; 0 = 64 */
	uint32_t warm_per_module;   /* workers started by sb_module_new; 0 = 0 */
	uint32_t spare_workers;     /* confined workers kept ready with no
	                               module; the next module that needs a
	                               worker takes one (and one more is
	                               started), saving the fork and the
	                               confinement; they count against
	                               max_workers; 0 = none */
	uint32_t max_per_module;    /* 0 = max_workers */
	uint32_t max_instances;     /* persistent instances at once, all
	                               tenants (each pins a worker, which no
	                               module invoke can then use); more are
	                               refused SB_BUSY; 0 = max_workers / 2 */
	uint32_t queue_max;         /* waiting invocations per module when all
	                               its workers are busy; 0 = 64 */
	uint32_t kill_grace_ms;     /* SIGKILL this long after a deadline;
	                               0 = 200 */
	uint32_t load_timeout_ms;   /* spawn + decode + validate; 0 = 10000 */
	uint32_t max_memory_pages;  /* cap for every invocation and basis of
	                               RLIMIT_DATA; 0 = 65536 */
	uint64_t max_module_bytes;  /* 0 = 64 MiB */
	uint64_t max_output_bytes;  /* per stream cap; 0 = 1 MiB */
	/* All workers' calls together: each call running (or sent to a
	 * worker behind another) is charged as SB_CALL_BASE_BYTES says until
	 * its worker has no call left, and a worker pinned to a persistent
	 * instance the instance's memory and SB_CALL_BASE_BYTES between its
	 * calls; a call that would pass this waits in its module's (or its
	 * instance's) queue (its deadline still runs), and one that could
	 * never fit ends SB_BUSY with limit SB_LIMIT_MEMORY at once.
	 * 0 = no cap. */
	uint64_t max_memory_bytes;
	bool fuel;                  /* compile fuel metering into the code */
	bool no_snapshots;          /* build every fresh instance from the
	                               module's segments; default: each worker
	                               snapshots its first instance and maps
	                               the next ones copy-on-write (engine
	                               "snapshots") */
	wasm_tier tier;             /* the workers' engine tier; 0 = interp */
	uint32_t tier_threshold;    /* for WASM_TIER_AUTO; 0 = engine default */
	uint32_t opt_threshold;     /* the same, baseline -> optimizing */
	bool no_avx;                /* wasm_config.no_avx */
	bool no_namespaces;         /* do not even try namespaces */
	int worker_nice;            /* added to the workers' nice value, so
	                               that tenant code yields the CPU to the
	                               supervisor and the caller's threads;
	                               0 = same priority */
	bool test_hooks;            /* accept sb_test_crash (tests only) */
	/* One line per event worth logging (layers active, worker deaths);
	 * called from the supervisor thread.  NULL = silent. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	/* Called first thing in the zygote, which is a copy of the caller's
	 * memory at sb_supervisor_new, and which every worker copies in turn:
	 * it zeroes there whatever a worker must not be able to read (the
	 * daemon's token digests).  NULL = nothing to clear. */
	void (*zygote_scrub)(void *ctx);
	void *zygote_scrub_ctx;
} sb_config;

/* Start the zygote and the supervisor thread.  Call it before the process
 * starts any other thread.  Returns WASM_OK, or WASM_ERR_NOMEM / LIMIT
 * (fork, socketpair, thread) with a message in err. */
WASM_MUST_CHECK wasm_status sb_supervisor_new(const sb_config *cfg,
	sb_supervisor **out, wasm_error *err);
/* Fails every pending invocation with SB_ERROR ("shutting down"), ends the
 * workers and the zygote, joins the thread. */
void sb_supervisor_free(sb_supervisor *sup);

/* Which isolation layers the zygote got, e.g. "user pid net mount ipc" or
 * "none (namespaces not available: EPERM)"; plus the seccomp state. */
const char *sb_supervisor_layers(const sb_supervisor *sup);

typedef struct {
	uint32_t workers;        /* live worker processes: idle + held +
	                            spares + busy + starting */
	uint32_t idle;           /* a module loaded, no call, in the pool */
	uint32_t held;           /* no call, pinned to a persistent instance
	                            (not the pool's: no other call runs there) */
	uint32_t spares;         /* ready spare workers (no module yet) */
	uint32_t busy;           /* running a call */
	uint32_t starting;       /* spawning, or loading a module */
	uint32_t queued;         /* invocations waiting for a worker */
	uint64_t spawned, died, killed_timeout, evicted;
	/* running calls stopped because nobody waited for them any more
	 * (sb_request.wanted false) */
	uint64_t stopped_unwanted;
	/* workers reniced because their call ran 10 ms or more: long calls
	 * yield the CPU to short ones */
	uint64_t demoted;
	uint32_t zygote_pid;     /* in the supervisor's pid namespace */
	bool zygote_alive;       /* false: no worker can start any more */
	uint64_t spawn_us_avg;   /* spawn request to HELLO (confined, ready) */
	/* sb_invoke_sync: answered on the caller's thread; handed over to
	 * the supervisor thread because the answer was late; invocations
	 * that went through the supervisor thread from the start */
	uint64_t sync_done, sync_late, posted;
	/* invocations sent to a busy worker behind its current one (all of
	 * the module's workers busy, no more allowed) */
	uint64_t pipelined;
	/* max_memory_bytes: what the workers' calls are charged now, the
	 * cap, and how many calls found it full when their turn came (each
	 * counted once) */
	uint64_t memory_charged, memory_cap, memory_waits;
	uint32_t instances;      /* persistent instances held by workers */
	/* persistent instances ended by a call's timeout or their worker's
	 * death (not by a release, nor a failed creation) */
	uint64_t instances_ended;
} sb_stats;

void sb_supervisor_stats(sb_supervisor *sup, sb_stats *out);

/* ---- modules (one pool per (tenant, module id)) -------------------------- */

/* Registers a module: bytes are copied; nothing is decoded here (decision
 * 1).  Two calls with the same (tenant, id) return separate handles and
 * separate pools only if the first was released; otherwise the same pool
 * with one more reference.  Starts cfg.warm_per_module workers. */
sb_module *sb_module_new(sb_supervisor *sup, const char *tenant,
	const char *id, const uint8_t *bytes, size_t len);
/* The same, for a module whose instances are initialised by calling its
 * export init (type [] -> [], the idea of Wizer) after instantiation:
 * each worker calls it once, on its first instance, whose state then
 * becomes the snapshot every later instance is mapped from (without a
 * snapshot, every instance calls it).  What init saw of the host (WASI
 * argv, env, clocks: the first call's) stays in the snapshot.  init NULL
 * or "": none.  A pool is shared only with the same init. */
sb_module *sb_module_new_init(sb_supervisor *sup, const char *tenant,
	const char *id, const uint8_t *bytes, size_t len, const char *init);
/* Drops a reference; the last one ends the pool's workers (invocations in
 * flight still complete). */
void sb_module_release(sb_module *m);

/* ---- invocations ------------------------------------------------------ */

typedef enum {
	SB_CALL = 1,    /* call export `function` with args */
	SB_WASI = 2,    /* WASI _start with argv/env/stdin/files */
	SB_INSPECT = 3, /* only decode + validate: imports and exports */
} sb_kind;

/* What a request does with a persistent instance (sb_instance). */
typedef enum {
	SB_INSTANCE_FRESH = 0,   /* a fresh instance for this call (decision 3) */
	SB_INSTANCE_CREATE,      /* instantiate and keep it in the worker,
	                            which is then pinned to it; calls nothing
	                            (a WASI reactor's _initialize aside) */
	SB_INSTANCE_CALL,        /* call `function` on the kept instance */
	SB_INSTANCE_DROP,        /* internal: the worker frees it */
} sb_instance_op;

typedef struct {
	const char *path;        /* absolute guest path */
	const uint8_t *data;
	size_t len;
} sb_file;

typedef struct {
	sb_kind kind;
	const char *function;         /* SB_CALL */
	/* Bytes of function: an export name may hold U+0000, which a C string
	 * cannot; 0 = strlen(function). */
	size_t function_len;
	const wasm_value *args;       /* SB_CALL: numbers; refs only null */
	uint32_t nargs;
	uint64_t timeout_ms;          /* 0 = none */
	/* When the call must have ended, on sb_now_ns's clock: time spent
	 * waiting for a worker counts against it, and a call still waiting
	 * then ends with SB_TIMEOUT without running.  0 = timeout_ms after
	 * submission (or none). */
	uint64_t deadline_ns;
	/* Asked (on the supervisor thread, with done's ctx) just before a
	 * call that waited in its module's queue goes to a worker; false: the
	 * call ends SB_ERROR without running (nobody waits for the answer:
	 * an HTTP client that hung up).  Asked too every SB_GONE_CHECK_NS
	 * (50 ms) while the call runs; false: it is stopped as at its
	 * deadline (outcome timeout, for nobody).  NULL = always wanted. */
	bool (*wanted)(void *ctx);
	uint32_t max_memory_pages;    /* 0 = the supervisor's cap */
	bool has_fuel;
	uint64_t fuel;
	/* SB_WASI */
	const char *const *argv;
	uint32_t argc;
	const char *const *env;       /* "KEY=VALUE" */
	uint32_t envc;
	const uint8_t *stdin_data;
	size_t stdin_len;
	const sb_file *files;
	uint32_t nfiles;
	uint64_t stdout_max_bytes;    /* 0 = the supervisor's cap */
	uint64_t stderr_max_bytes;
	/* Persistent instances: with SB_INSTANCE_CREATE or _CALL, the
	 * handle from sb_instance_new (kind SB_CALL; for CREATE, function
	 * is ignored and argv/env/files/stdin set up WASI for the instance's
	 * life). */
	sb_instance *instance;
	sb_instance_op instance_op;
} sb_request;

/* A call's charge against sb_config.max_memory_bytes: its linear memory
 * cap (pages of 64 KiB), its stdout and stderr caps, the bytes it brings
 * (its INVOKE frame: arguments, argv, env, stdin, files) and this much for
 * the rest (the engine's stacks, the instance, WASI's tables). */
#define SB_CALL_BASE_BYTES (8u << 20)

/* What one request may carry (the worker refuses a larger INVOKE frame,
 * so callers check first: sb_request_check). */
#define SB_MAX_WASI_STRINGS 4096u              /* argv entries; env entries */
#define SB_MAX_WASI_STRING_BYTES (64u << 10)   /* one argv or env entry */
#define SB_MAX_WASI_FILES 100000u
#define SB_MAX_WASI_PATH_BYTES 4096u

/* Which member of a request is over a limit. */
typedef struct {
	const char *member;      /* "argv", "env" or "files" */
	bool count;              /* the number of entries (else entry index) */
	uint32_t index;
	uint64_t actual, limit;  /* entries, or bytes of the entry (path) */
} sb_request_fault;

/* True if req fits the limits above; else false and *f says where. */
bool sb_request_check(const sb_request *req, sb_request_fault *f);
/* The one text of a fault, in buf (returned): "WHAT: N entries, the
 * limit is L" or "WHAT: N bytes, the limit is L", where WHAT is how the
 * caller names the member or the entry ("argv[3]", "--env"); NULL: the
 * member's name, with [index] for an entry. */
const char *sb_request_fault_text(const sb_request_fault *f,
	const char *what, char *buf, size_t len);

/* module and name are NUL-terminated, and hold module_len and name_len
 * bytes: a wasm name may have U+0000 in it (compare with the lengths). */
typedef struct {
	char *module;            /* NULL for exports */
	char *name;
	size_t module_len, name_len;
	wasm_extern_kind kind;
	uint32_t nparams, nresults;
	uint8_t *params, *results; /* wasm_valtype values; funcs only */
} sb_extern;

/* A module's statistics in one worker, by tier (see wasm_module_stats;
 * the refusal reasons stay in the worker). */
typedef struct {
	wasm_tier_stats tier[WASM_TIER_COUNT];   /* indexed by wasm_tier */
} sb_tier_stats;

typedef struct {
	sb_outcome outcome;
	wasm_trap_kind trap;     /* SB_TRAP (and TIMEOUT: WASM_TRAP_TIMEOUT) */
	sb_limit limit;          /* SB_LIMIT */
	int exit_code;           /* SB_EXIT; SB_KILLED with signal 0: the
	                            worker's exit status */
	int signal;              /* SB_KILLED: the signal it died by, or 0 if
	                            it exited */
	size_t offset;           /* trap or decode offset; SIZE_MAX if none */
	uint32_t func_index;     /* trapping function or WASM_NO_INDEX */
	char func_name[96];
	char message[256];
	uint32_t nresults;
	wasm_value *results;     /* refs: NULL or (void *)1 */
	uint8_t *stdout_data, *stderr_data;
	size_t stdout_len, stderr_len;
	bool stdout_truncated, stderr_truncated;
	uint32_t nimports, nexports;   /* SB_INSPECT (and ready modules) */
	sb_extern *imports, *exports;
	uint64_t fuel_left;      /* with has_fuel */
	uint64_t wall_us;        /* submit to completion */
	/* SB_CALL/SB_WASI answered by a worker: the module's statistics in
	 * that worker after the call (cumulative over the worker's life), and
	 * what changed during this call. */
	bool has_tiers;
	sb_tier_stats tiers, tiers_delta;
	uint32_t worker_pid;     /* in the supervisor's pid namespace; 0 if none */
	uint64_t instantiate_us; /* making this call's instance (0 for a call
	                            on a persistent one) */
	bool from_snapshot;      /* that instance was mapped from the worker's
	                            snapshot */
	uint32_t memory_pages;   /* the instance's memory 0 after the call */
} sb_result;

void sb_result_free(sb_result *r);

/* Called once per invocation, on the supervisor thread (or, for
 * sb_invoke_sync, maybe on the caller's); owns res (free it with
 * sb_result_free).  Do not block in it. */
typedef void (*sb_done_fn)(void *ctx, sb_result *res);

/* Queues an invocation; the request is copied.  Never blocks on a worker.
 * Returns false only when memory for the copy ran out (done not called). */
WASM_MUST_CHECK bool sb_invoke(sb_module *m, const sb_request *req,
	sb_done_fn done, void *ctx);

typedef enum {
	SB_SUBMIT_NOMEM,   /* memory for the copy ran out: nothing called */
	SB_SUBMIT_QUEUED,  /* handover(ctx) was called; done comes later */
	SB_SUBMIT_DONE,    /* done(ctx, ...) was called on this thread */
} sb_submit;

/* sb_invoke for callers that would rather have a quick answer at once.
 * When the module is loaded, nothing of it is queued, one of its workers
 * is idle and the supervisor thread is not busy, the call goes to that
 * worker from this thread and its answer is awaited here for at most
 * wait_us microseconds (a server thread is held that long at most): the
 * round trip then involves no other thread.  Otherwise, or when the answer
 * is late, the call goes on like sb_invoke's.  handover(ctx) is called on
 * this thread before the call can end anywhere else (an HTTP server
 * suspends its connection there); it is not called for SB_SUBMIT_DONE or
 * SB_SUBMIT_NOMEM.  wait_us 0: never waits. */
WASM_MUST_CHECK sb_submit sb_invoke_sync(sb_module *m, const sb_request *req,
	uint32_t wait_us, sb_done_fn done, void (*handover)(void *ctx),
	void *ctx);
/* sb_invoke and wait for the result; never NULL. */
sb_result *sb_invoke_wait(sb_module *m, const sb_request *req);

/* ---- persistent instances (brief, decision 16) ---------------------------
 *
 * An instance that lives between calls, for plugin hosts.  It is made by a
 * request with instance_op SB_INSTANCE_CREATE through sb_invoke, in a
 * worker of m's pool, which is then pinned to it: that worker serves
 * nothing else until the instance ends (so one instance's long call never
 * holds up another's, a crash ends exactly one instance, and the worker's
 * memory limit is the instance's).  Calls (SB_INSTANCE_CALL) run one after
 * the other in the order sb_invoke received them.  A trap leaves the
 * instance as the trap left it; a timeout ends it (the worker frees it and
 * goes back to the pool), and so does the worker's death.  Later calls end
 * SB_GONE with the reason in the message.  Pinned workers count against
 * max_workers, not against max_per_module, and are never evicted. */

/* A handle for a new instance, not made yet (pass it with
 * SB_INSTANCE_CREATE); NULL if memory ran out. */
sb_instance *sb_instance_new(sb_module *m);
/* Drops the caller's handle: calls already submitted run, then the
 * worker frees the instance and goes back to its pool. */
void sb_instance_release(sb_instance *in);

typedef struct {
	bool live;               /* made, and not ended */
	bool gone;               /* ended: reason says why */
	char reason[200];
	uint32_t memory_pages;   /* memory 0, as of its last call */
	uint32_t worker_pid;     /* its worker, in the supervisor's pid
	                            namespace; 0 if none */
} sb_instance_info;

void sb_instance_status(sb_instance *in, sb_instance_info *out);

/* ---- tests only (sb_config.test_hooks) -------------------------------- */

typedef enum {
	SB_TEST_SEGV = 1,      /* worker writes through NULL */
	SB_TEST_SYSCALL,       /* worker calls a forbidden syscall */
	SB_TEST_HANG,          /* worker spins without checking its epoch */
	SB_TEST_GARBAGE,       /* worker answers with a malformed frame */
	SB_TEST_HUGE_FRAME,    /* worker claims a 4 GiB frame */
	SB_TEST_WRONG_SEQ,     /* worker answers another invocation */
} sb_test_mode;

/* Runs through the pool like an invocation; the result says how the
 * worker's misbehaviour was contained (normally SB_KILLED). */
sb_result *sb_test_crash(sb_module *m, sb_test_mode mode);
/* The same through sb_invoke_sync with wait_us; *how says how the
 * submission ended (the result is awaited either way). */
sb_result *sb_test_crash_sync(sb_module *m, sb_test_mode mode,
	uint32_t wait_us, sb_submit *how);

#endif
