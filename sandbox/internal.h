/* internal.h -- what the parts of sandbox/ share: the zygote's control
 * messages, worker start-up parameters and the confinement steps. */
#ifndef SB_INTERNAL_H
#define SB_INTERNAL_H

#include "sandbox.h"
#include "policy.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Each worker's epoch counter sits alone on its own page of one MAP_SHARED
 * region mapped before the zygote is forked; a worker unmaps every page but
 * its own, so it cannot touch another worker's deadline. */
#define SB_EPOCH_PAGE_BYTES 4096u

/* True in binaries built with AddressSanitizer: the confinement runs in its
 * relaxed mode (no RLIMIT_DATA, fd 2 kept, policy.c's relaxed rows). */
#if defined(__SANITIZE_ADDRESS__)
#define SB_RELAXED 1
#else
#define SB_RELAXED 0
#endif

/* ---- zygote control messages (SOCK_SEQPACKET, trusted peer) ---------- */

enum {
	SB_Z_SPAWN = 1,   /* S->Z, with the worker's socket as SCM_RIGHTS */
	SB_Z_SPAWNED,     /* Z->S: pid (in the zygote's namespace) or -errno */
	SB_Z_KILL,        /* S->Z: SIGKILL worker id */
	SB_Z_EXITED,      /* Z->S: worker id ended with wait status */
	SB_Z_READY,       /* Z->S: set up; status 0 or -errno */
};

struct sb_zmsg {
	uint32_t type;
	uint32_t slot;          /* SPAWN: epoch page index */
	uint64_t id;            /* worker id chosen by the supervisor */
	int32_t pid;
	int32_t status;         /* EXITED: wait status; SPAWNED: 0 or -errno */
	uint64_t data_bytes;    /* SPAWN: RLIMIT_DATA (0 = none) */
	uint32_t flags;         /* SPAWN: SB_SPAWN_* */
	uint32_t pad;
};

#define SB_SPAWN_TEST_HOOKS 1u

/* Parameters fixed for the zygote's life. */
struct sb_zygote_params {
	volatile uint64_t *epoch_base;  /* nslots pages */
	uint32_t nslots;
	bool fuel;
	wasm_tier tier;                 /* engine tier and tier-up threshold */
	uint32_t tier_threshold, opt_threshold;
	bool no_avx;
	bool try_namespaces;
	uint64_t max_frame_bytes;       /* largest frame a worker accepts */
	int worker_nice;                /* added to each worker's nice value */
	uint64_t snapshot_bytes;        /* each worker's snapshot file; 0 =
	                                   no snapshots */
	void (*scrub)(void *ctx);       /* sb_config.zygote_scrub */
	void *scrub_ctx;
};

struct sb_zygote {
	pid_t pid;              /* in the supervisor's namespace */
	int ctl_fd;             /* supervisor's end, SOCK_SEQPACKET */
	char layers[160];
};

/* Forks the zygote (call while single-threaded).  0 or -errno. */
int sb_zygote_start(const struct sb_zygote_params *p, struct sb_zygote *z);

/* ---- worker ---------------------------------------------------------- */

struct sb_worker_params {
	int ipc_fd;
	volatile uint64_t *epoch;       /* this worker's counter */
	wasm_engine *engine;            /* made in the zygote, inherited */
	const sb_bpf *bpf;
	uint64_t data_bytes;            /* RLIMIT_DATA; 0 = none */
	uint64_t max_frame_bytes;
	bool test_hooks;
	uint64_t snapshot_bytes;        /* its snapshot file; 0 = none */
	uintptr_t snapshot_map_end;     /* sb_snapshot_map_end */
};

/* Confines itself and serves the socket until EOF; never returns. */
void sb_worker_main(const struct sb_worker_params *p)
	__attribute__((noreturn));

/* ---- confinement (limits.c) ----------------------------------------- */

struct sb_confine {
	int ipc_fd;             /* kept, moved to SB_IPC_FD */
	int snapshot_fd;        /* kept, moved to SB_SNAPSHOT_FD; -1 = none */
	uint64_t data_bytes;    /* RLIMIT_DATA; 0 = not set */
	bool relaxed;           /* keep fd 2 (sanitizer reports) */
	const sb_bpf *bpf;      /* the filter, loaded last */
	wasm_engine *engine;    /* its compile thread is started before
	                           RLIMIT_NPROC 0 and the filter (if it
	                           cannot be, tier 2 compiles on the running
	                           thread); NULL: none */
};

/* Applies, in order: close every fd but the IPC socket (and the snapshot
 * file), empty environment, rlimits (NOFILE, CORE 0, FSIZE 0, DATA), drop
 * capabilities, PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0, the engine's
 * compile thread (which inherits all of that), RLIMIT_NPROC 0, the
 * seccomp filter (on every thread of the process:
 * SECCOMP_FILTER_FLAG_TSYNC).  Returns 0
 * or -errno with *step naming what failed. */
int sb_confine_apply(const struct sb_confine *c, const char **step);

/* RLIMIT_DATA for a worker: max_pages of linear memory, the module and
 * what the engine builds from it, and a fixed heap allowance. */
uint64_t sb_data_limit_bytes(uint32_t max_pages, uint64_t max_module_bytes);

/* A tiny trusted module run once so that the engine installs its signal
 * handlers and alternate stack before the filter forbids that. */
void sb_engine_warm_up(wasm_engine *engine);

#endif
