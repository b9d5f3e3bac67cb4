/* supervisor.h -- the supervisor's state and the functions its files share
 * (supervisor.c: results, the inbox, the loop, deadlines and the
 * supervisor's lifecycle; supervisor_workers.c: spawning and spare workers,
 * sending, received frames, deaths; supervisor_dispatch.c: pools, LRU
 * eviction, pipelining; supervisor_invoke.c: jobs and queues, modules and
 * invocations from API threads, the sync path; supervisor_instances.c:
 * persistent instances and their pinned workers).  Internal to sandbox/.
 *
 * Everything here belongs to the loop thread (under sup->state) unless a
 * field says otherwise; see supervisor.c for the threading rules. */
#ifndef SB_SUPERVISOR_H
#define SB_SUPERVISOR_H

#include "internal.h"
#include "ipc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* W_SPAWNING workers with no module (m NULL) are spares on their way;
 * W_SPARE ones said HELLO and wait for one. */
enum wstate { W_SPAWNING, W_SPARE, W_LOADING, W_IDLE, W_BUSY, W_DEAD };

/* A call that runs this long is asked every so often whether anybody
 * still waits for it (sb_request.wanted); if not, it is stopped as at its
 * deadline.  Shorter calls are never asked. */
#define SB_GONE_CHECK_NS (10u * 1000000u)

/* A call that has run this long is watched for as long again: if its
 * worker spent an eighth of that or more on the CPU (a short call that
 * waited for a core spends next to none), the call is CPU-bound and yields
 * the CPU to short calls: its worker is reniced to SB_DEMOTED_NICE until
 * its next call (sup_worker_demote).  An eighth, not all: on a loaded
 * machine a spinning worker gets only its share of a core. */
#define SB_DEMOTE_NS (10u * 1000000u)
#define SB_DEMOTED_NICE 19

/* Calls a busy worker may have queued in its socket behind the current
 * one (pipeline_worker). */
#define PIPELINE_DEPTH 3

struct job {
	struct job *next;
	sb_module *m;
	sb_kind kind;              /* 0 for test hooks */
	bool requeued;             /* once, after its worker died under the
	                              call in front of it */
	sb_buf frame;              /* INVOKE or TEST, seq patched at dispatch */
	char *function;           /* function_len bytes, NULs allowed */
	size_t function_len;
	uint64_t deadline_ns;      /* sb_request's, absolute; 0 = none */
	bool (*wanted)(void *ctx); /* sb_request's, or NULL */
	uint32_t run_ms;           /* test hooks: with no deadline_ns, one
	                              this long after the job starts */
	uint64_t out_max;
	uint64_t submit_ns;
	uint64_t mem_bytes;        /* charged against max_memory_bytes */
	bool mem_waited;           /* counted in memory_waits */
	sb_done_fn done;
	void *ctx;
	/* persistent instances: the instance (one reference) and what the
	 * job does with it */
	sb_instance *inst;
	sb_instance_op inst_op;
	bool inst_slot;            /* CREATE: counted in sup->creating */
};

struct worker {
	struct worker *next;       /* sup->workers */
	uint64_t id;
	uint32_t slot;
	pid_t pid;                 /* our namespace; 0 until HELLO */
	int fd;
	sb_module *m;
	enum wstate state;
	bool exited, killing;
	bool load_timeout;         /* killed: its module's load took longer
	                              than load_timeout_ms */
	int wait_status;
	char kill_reason[96];
	/* receive: bytes [0, rx_len) of rx; once the header is parsed
	 * (have_hdr), the frame is SB_FRAME_HDR_BYTES + payload_len long */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	bool have_hdr;
	enum sb_msg type;
	uint32_t payload_len;
	/* send */
	sb_buf tx;
	size_t tx_off;
	/* a caller of sb_invoke_sync awaits this worker's answer */
	bool sync, exit_deferred;
	int exit_status;
	/* current invocation, and those sent behind it (pipelined) */
	struct job *job;
	uint64_t seq;
	struct job *follow[PIPELINE_DEPTH];   /* sent behind it, in order */
	uint64_t follow_seq[PIPELINE_DEPTH];
	uint32_t nfollow;
	uint64_t deadline_ns, kill_ns;   /* 0 = none */
	uint64_t gone_check_ns;    /* when the current call's wanted() is
	                              asked next; 0 = never */
	bool demoted;              /* at SB_DEMOTED_NICE */
	uint64_t cpu_mark_ns, cpu_at_mark_ns;   /* when its CPU time was
	                              read last, and what it was; 0 = not yet
	                              for this call */
	uint64_t spawn_ns, used_ns;
	uint64_t mem_charged;      /* the largest charge of its calls, while
	                              it has one (sup_mem_charge) */
	sb_tier_stats last_tiers;  /* as of the previous RESULT */
	sb_instance *inst;         /* pinned to this persistent instance
	                              (one reference): serves nothing else */
};

struct sb_module {
	sb_module *next;           /* sup->modules (under lock) */
	sb_supervisor *sup;
	char *tenant, *id;
	char *init;                /* initialisation export, or NULL */
	uint8_t *bytes;
	size_t len;
	uint32_t api_refs;         /* under lock */
	bool released;             /* loop: no more API refs */
	/* loop thread only */
	struct job *q_head, *q_tail;
	uint32_t queued, nworkers, spawning, load_failures;
	uint32_t npinned;          /* of nworkers, pinned to an instance */
	uint32_t inflight;         /* jobs submitted and not finished */
	uint64_t call_ns_avg;      /* moving average of a call's time in
	                              its worker (start to result) */
	bool loaded, invalid;
	char invalid_msg[256];
	size_t invalid_offset;
	sb_extern *imports, *exports;
	uint32_t nimports, nexports;
};

/* A persistent instance (sandbox.h).  Freed when its last reference
 * goes: the caller's, each job's, its pinned worker's. */
struct sb_instance {
	sb_instance *next;         /* sup->instances (under lock) */
	sb_module *m;
	uint32_t refs;             /* under sup->lock */
	/* under sup->lock: what sb_instance_status reads */
	bool live, gone;
	char reason[200];
	uint32_t memory_pages;
	uint32_t worker_pid;
	/* loop thread */
	struct worker *w;          /* its pinned worker; NULL before it is
	                              made and after it ended */
	struct job *q_head, *q_tail;   /* calls waiting for the worker */
	bool released;             /* the caller dropped its handle */
};

enum op_kind { OP_INVOKE, OP_MODULE_NEW, OP_MODULE_RELEASE,
	OP_INSTANCE_RELEASE };

struct op {
	struct op *next;
	enum op_kind kind;
	sb_module *m;
	struct job *job;
	sb_instance *inst;
};

struct sb_supervisor {
	sb_config cfg;
	struct sb_zygote zy;
	volatile uint64_t *epoch;  /* nslots pages */
	uint32_t nslots;
	uint32_t *free_slots, nfree;
	int wake_fd;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	struct op *in_head, *in_tail;  /* under lock */
	bool stopping;                 /* under lock */
	bool sleeping, woken;          /* under lock: the loop in ppoll */
	pthread_mutex_t state;         /* everything below */
	bool repoll;                   /* the loop's poll set is stale */
	uint64_t posted;               /* atomic: invocations via the inbox */
	sb_module *modules;            /* under lock */
	sb_instance *instances;        /* under lock */
	uint32_t creating;             /* loop: CREATE jobs admitted, not
	                                  finished (sup_inst_admit) */
	/* loop thread */
	struct worker *workers;
	uint32_t live;                 /* workers not W_DEAD */
	uint32_t spares;               /* live workers with no module */
	uint64_t spare_retry_ns;       /* no new spare before (a death) */
	uint64_t next_worker_id, next_seq;
	bool zygote_dead;
	char layers[256];
	sb_stats stats;                /* copied under lock */
	uint64_t spawn_ns_total, spawn_count;
	/* max_memory_bytes: the workers' charges together; a call waits for
	 * memory (mem_blocked) until a charge is given back (mem_freed: the
	 * loop then dispatches every module) */
	uint64_t mem_used;
	bool mem_blocked, mem_freed;
	/* the workers' nice value (the supervisor's plus worker_nice), to
	 * which a demoted worker returns; false once that was refused (an
	 * unprivileged daemon whose RLIMIT_NICE does not allow it: demoted
	 * workers then stay so) */
	int base_nice;
	bool can_promote;
};

/* ---- supervisor.c: results, log, the inbox ------------------------------- */

/* A result with outcome o and message msg (may be NULL); NULL if memory ran
 * out. */
sb_result *sup_result_new(sb_outcome o, const char *msg);
void sup_log(sb_supervisor *sup, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Wakes the loop if it sleeps and nobody has woken it yet (takes
 * sup->lock). */
void sup_wake(sb_supervisor *sup);
/* Queues op for the loop, which looks at the inbox before it sleeps. */
void sup_post(sb_supervisor *sup, struct op *op);

/* ---- supervisor_invoke.c: jobs, queues, modules (loop thread) ----------- */

/* Delivers res (or a bare outcome if res is NULL) and frees the job. */
void sup_job_finish(struct job *j, sb_result *res, sb_outcome o,
	const char *msg);
/* Puts j back at the head of m's queue. */
void sup_queue_push_front(sb_module *m, struct job *j);
/* When j, starting now, must end: its deadline (queue time included), or
 * run_ms from now; 0 = none. */
uint64_t sup_job_deadline(const struct job *j, uint64_t now);
/* Finishes j, which never ran, with SB_TIMEOUT: its deadline passed while
 * it waited for a worker. */
void sup_job_expire(struct job *j);
/* Appends j to the FIFO (head, tail): a module's queue, an instance's
 * calls. */
void sup_fifo_push(struct job **head, struct job **tail, struct job *j);
/* Expires the FIFO's jobs whose deadline is past `now` (sup_job_expire),
 * counting them in *removed; returns the earliest deadline left
 * (UINT64_MAX if none). */
uint64_t sup_fifo_expire(struct job **head, struct job **tail, uint64_t now,
	uint32_t *removed);
/* Expires m's queued jobs whose deadline is past `now`; returns the
 * earliest deadline left in its queue (UINT64_MAX if none). */
uint64_t sup_queue_expire(sb_module *m, uint64_t now);
/* The head of m's queue, or NULL. */
struct job *sup_queue_pop(sb_module *m);
/* Finishes every queued job of m with outcome o. */
void sup_queue_fail_all(sb_module *m, sb_outcome o, const char *msg);
/* Frees m, unlinked from sup->modules, with what it owns. */
void sup_module_free(sb_module *m);

/* ---- supervisor_instances.c: persistent instances (loop thread) ------- */

/* One more reference to in (any thread). */
void sup_inst_ref(sb_instance *in);
/* One less; frees in at the last (any thread). */
void sup_inst_unref(sb_instance *in);
/* Whether CREATE job j fits under cfg.max_instances (pinned workers and
 * creations under way); if so it is counted until it finishes. */
bool sup_inst_admit(sb_supervisor *sup, struct job *j);
/* op_invoke for a call on in: queued behind its earlier calls. */
void sup_inst_enqueue(sb_supervisor *sup, struct job *j);
/* Sends in's next call to its worker if that worker is idle and the call
 * fits under max_memory_bytes (else it waits, sup_mem_wait). */
void sup_inst_dispatch(sb_supervisor *sup, sb_instance *in);
/* sup_inst_dispatch for every instance with calls waiting (memory came
 * back). */
void sup_inst_dispatch_all(sb_supervisor *sup);
/* The RESULT of job j (with an instance) from worker w, before the job is
 * finished: pins w to a new instance, ends one on a timeout, unpins
 * after a drop. */
void sup_inst_result(sb_supervisor *sup, struct worker *w, struct job *j,
	const sb_result *res);
/* w, pinned, died: its instance ends with reason (queued calls: SB_GONE). */
void sup_inst_worker_died(sb_supervisor *sup, struct worker *w,
	const char *reason);
/* OP_INSTANCE_RELEASE. */
void sup_inst_release_op(sb_supervisor *sup, sb_instance *in);
/* Expires queued calls whose deadline passed; the earliest deadline left
 * (UINT64_MAX if none). */
uint64_t sup_inst_expire(sb_supervisor *sup, uint64_t now);
/* Shutdown: every queued call ends with o. */
void sup_inst_fail_all(sb_supervisor *sup, sb_outcome o, const char *msg);

/* ---- supervisor_dispatch.c: pools, eviction, pipelining (loop thread) -- */

/* Frees released modules with no workers, jobs or calls left; only here,
 * once per loop iteration, so that no code path holding a module pointer
 * sees it vanish. */
void sup_modules_sweep(sb_supervisor *sup);
/* m's exported function named by the len bytes at name, or NULL. */
const sb_extern *sup_export_find(const sb_module *m, const char *name,
	size_t len);
/* An idle worker of m, or NULL. */
struct worker *sup_idle_worker(sb_supervisor *sup, sb_module *m);
/* Hands m's queued jobs to its idle workers, spawns workers under the
 * caps (evicting idle ones of other modules), pipelines short calls. */
void sup_dispatch(sb_supervisor *sup, sb_module *m);
void sup_dispatch_all(sb_supervisor *sup);
/* Whether j fits under max_memory_bytes if sent to w (NULL: a worker
 * with no call); sup_mem_charge then charges it to w (a worker is
 * charged the largest of its calls), and sup_mem_release gives w's charge
 * back once it has no call left, but for what w holds between calls
 * (sup_mem_held). */
bool sup_mem_fits(const sb_supervisor *sup, const struct worker *w,
	const struct job *j);
void sup_mem_charge(sb_supervisor *sup, struct worker *w,
	const struct job *j);
void sup_mem_release(sb_supervisor *sup, struct worker *w);
/* What w is charged with no call: a pinned worker its instance's memory
 * as its last answer gave it and SB_CALL_BASE_BYTES (the instance lives
 * on between calls, and cannot grow without one); any other nothing. */
uint64_t sup_mem_held(const struct worker *w);
/* j waits for memory: counted once, and the next release dispatches
 * (sup_dispatch_all, sup_inst_dispatch_all). */
void sup_mem_wait(sb_supervisor *sup, struct job *j);

/* ---- supervisor_workers.c: spawning, frames, deaths (loop thread) ------- */

/* The epoch counter of a worker slot (its own page). */
volatile uint64_t *sup_slot_epoch(sb_supervisor *sup, uint32_t slot);
/* A long call's worker yields the CPU to short calls (SB_DEMOTE_NS);
 * sup_worker_promote brings it back when the call ends. */
void sup_worker_demote(sb_supervisor *sup, struct worker *w);
/* The timers' part: reads w's CPU time when its call has run
 * SB_DEMOTE_NS, and demotes it if the call is CPU-bound; returns when to
 * look again (UINT64_MAX: never for this call). */
uint64_t sup_worker_watch_cpu(sb_supervisor *sup, struct worker *w,
	uint64_t now);
void sup_worker_promote(sb_supervisor *sup, struct worker *w);
/* Asks the zygote to SIGKILL w (once); reason goes into the outcome. */
void sup_worker_kill(sb_supervisor *sup, struct worker *w,
	const char *reason);
/* Leaves the pool now; the process is reaped when the zygote says so. */
void sup_worker_retire(sb_supervisor *sup, struct worker *w);
/* Starts a worker for m, or a spare (m NULL).  For m, a spare is taken
 * first. */
bool sup_worker_spawn(sb_supervisor *sup, sb_module *m);
/* Up to cfg.spare_workers spares, under the global cap, unless one died
 * starting less than a second ago (no fork storm). */
void sup_spares_fill(sb_supervisor *sup);
/* Sends what w's tx buffer holds, as far as the socket takes it. */
void sup_worker_send(struct worker *w);
/* Sends j to the idle worker w and arms its deadline. */
void sup_worker_start_job(sb_supervisor *sup, struct worker *w,
	struct job *j);
/* Reads what w's socket has and acts on each whole frame. */
void sup_worker_readable(sb_supervisor *sup, struct worker *w);
/* The zygote reports a worker's exit (zm: SB_Z_EXITED). */
void sup_on_exited(sb_supervisor *sup, const struct sb_zmsg *zm);
/* Reads the zygote's control socket. */
void sup_zygote_readable(sb_supervisor *sup);

#endif
