/* check_sandbox.c -- the supervisor API end to end: outcomes, deadlines,
 * memory caps, crashes and hostile workers, pools, the workers' confinement
 * as /proc shows it, an unprivileged run, a supervisor crash, and a load
 * run of 1,000 mixed invocations without leaks. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "sbtest.h"
#include "wasmgen.h"

static sb_supervisor *sup;
static sb_module *basic;

/* The signal a worker's wild write ends with.  Under ASan (the relaxed
 * mode) the sanitizer's SEGV handler runs first, and how its report ends
 * depends on where fd 2 goes (SIGSYS for a forbidden call, SIGXFSZ against
 * RLIMIT_FSIZE for a file, its own exit for a pipe): 0 = any death. */
#if defined(__SANITIZE_ADDRESS__)
#define SEGV_SIGNAL 0
#else
#define SEGV_SIGNAL SIGSEGV
#endif

static sb_supervisor *sup_make(const sb_config *cfg)
{
	sb_supervisor *s = NULL;
	wasm_error err;
	wasm_status st = sb_supervisor_new(cfg, &s, &err);
	ck_assert_msg(st == WASM_OK, "supervisor: %s", err.message);
	return s;
}

static sb_module *module_make(sb_supervisor *s, const char *tenant,
	const char *name)
{
	size_t len;
	uint8_t *bytes = sbt_wasm(name, &len);
	ck_assert_msg(bytes, "wat2wasm %s failed", name);
	sb_module *m = sb_module_new(s, tenant, name, bytes, len);
	free(bytes);
	ck_assert_ptr_nonnull(m);
	return m;
}

static void setup(void)
{
	sb_config cfg = { .test_hooks = true, .max_workers = 8,
		.kill_grace_ms = 100 };
	sup = sup_make(&cfg);
	basic = module_make(sup, "t1", "sb_basic");
}

static void teardown(void)
{
	sb_module_release(basic);
	sb_supervisor_free(sup);
}

/* Calls FUNCTION with i32 args. */
static sb_result *call(sb_module *m, const char *function, uint64_t timeout_ms,
	int nargs, ...)
{
	wasm_value args[4];
	va_list ap;

	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++)
		args[i] = (wasm_value){ .type = WASM_I32,
			.of.i32 = va_arg(ap, int32_t) };
	va_end(ap);
	sb_request req = { .kind = SB_CALL, .function = function,
		.args = args, .nargs = (uint32_t)nargs,
		.timeout_ms = timeout_ms };
	return sb_invoke_wait(m, &req);
}

#define OUTCOME(r, o)                                                      \
	ck_assert_msg((r)->outcome == (o), "outcome %s (%s), wanted %s",   \
		sb_outcome_name((r)->outcome), (r)->message,               \
		sb_outcome_name(o))

/* ---- hostile module shapes under the real filter ------------------------ */

static sb_module *module_gen(sb_supervisor *s, const char *name,
	const wg_spec *spec)
{
	size_t len;
	uint8_t *bytes = wg_module(spec, &len);
	sb_module *m = sb_module_new(s, "t1", name, bytes, len);
	free(bytes);
	ck_assert_ptr_nonnull(m);
	return m;
}

static sb_result *inspect(sb_module *m)
{
	sb_request req = { .kind = SB_INSPECT };
	return sb_invoke_wait(m, &req);
}

/* A module that takes longer to load than load_timeout_ms (here 999,000
 * functions, pre-decoded at load under --tier=baseline, against 20 ms) is
 * refused as invalid_module with a message naming the limit, after one
 * worker: not three workers killed in turn and "worker died while
 * loading". */
START_TEST(load_over_its_time_limit)
{
	sb_config cfg = { .max_workers = 2, .load_timeout_ms = 20,
		.tier = WASM_TIER_BASELINE };
	sb_supervisor *s = sup_make(&cfg);
	wg_spec spec = { .nfuncs = 999000, .nexports = 1 };
	sb_module *m = module_gen(s, "slow", &spec);
	sb_result *r = inspect(m);
	OUTCOME(r, SB_INVALID_MODULE);
	ck_assert_msg(strstr(r->message, "took longer than the limit of 20 ms"),
		"%s", r->message);
	sb_result_free(r);
	sb_stats st;
	sb_supervisor_stats(s, &st);
	ck_assert_uint_eq(st.killed_timeout, 1);
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

/* glibc's qsort calls sysinfo() above 1 KiB (128 pointers): the validator
 * sorted export names with it, and the filter killed the worker. */
START_TEST(many_exports_imports_funcs)
{
	static const uint32_t counts[] = { 127, 128, 129, 1000, 30000 };
	for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
		wg_spec s = { .nfuncs = counts[k], .nexports = counts[k],
			.nparams = 2, .nimports = counts[k] < 1000 ? 0 : 20000 };
		sb_module *m = module_gen(sup, "many", &s);
		sb_result *r = inspect(m);
		OUTCOME(r, SB_OK);
		ck_assert_uint_eq(r->nexports, counts[k]);
		ck_assert_uint_eq(r->nimports, s.nimports);
		sb_result_free(r);
		char name[16];
		snprintf(name, sizeof name, "f%u", counts[k] - 1);
		r = call(m, name, 0, 2, 1, 2);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 7);
		sb_result_free(r);
		sb_module_release(m);
	}
}
END_TEST

/* The libc paths a confined worker takes with hostile sizes, each under
 * the real filter: realloc of blocks past the mmap threshold (mremap
 * refused, glibc copies), free and trim (munmap, madvise, brk), and
 * vsnprintf of messages that quote a 60,000-byte name.  Names longer than
 * 4,096 bytes (the old cap of a frame's strings) killed the worker. */
START_TEST(libc_paths_under_filter)
{
	char *big = malloc(60001);
	memset(big, 'n', 60000);
	big[60000] = '\0';
	wg_spec s = { .nfuncs = 1, .nexports = 3000, .nparams = 1,
		.name_bytes = 2000, .name0 = big, .name0_len = 60000 };
	sb_module *m = module_gen(sup, "libc", &s);
	sb_result *ins = inspect(m);
	OUTCOME(ins, SB_OK);
	ck_assert_uint_eq(strlen(ins->exports[0].name), 60000);
	ck_assert_uint_eq(strlen(ins->exports[1].name), 2000);
	sb_result_free(ins);
	wg_spec si = { .nfuncs = 1, .nexports = 1, .nimports = 1,
		.imp_module = big, .imp_name = big };
	sb_module *mi = module_gen(sup, "longimp", &si);
	ins = inspect(mi);
	OUTCOME(ins, SB_OK);
	ck_assert_uint_eq(strlen(ins->imports[0].module), 60000);
	ck_assert_uint_eq(strlen(ins->imports[0].name), 60000);
	sb_result_free(ins);
	ins = call(mi, "f0", 0, 0);
	OUTCOME(ins, SB_INSTANTIATE_ERROR);
	sb_result_free(ins);
	sb_module_release(mi);
	for (int round = 0; round < 3; round++) {
		sb_result *r = call(m, big, 0, 0);
		OUTCOME(r, SB_BAD_CALL);
		/* "NAME expects 1 argument..." cut to the message's size */
		ck_assert_msg(strncmp(r->message, "nnnnnnnn", 8) == 0, "%s",
			r->message);
		sb_result_free(r);
		r = call(m, big, 0, 1, 5);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 7);
		sb_result_free(r);
	}
	sb_module_release(m);
	free(big);
}
END_TEST

/* A 174 KB module whose metadata, signature by signature, is 20 MB: the
 * LOADED frame carries signatures as runs, so it fits; beyond the
 * documented caps the load fails with a message naming the limit, never
 * a frame that kills the worker. */
START_TEST(metadata_bounded)
{
	wg_spec s = { .nfuncs = 1, .nexports = 20000, .nparams = 1000 };
	sb_module *m = module_gen(sup, "wide", &s);
	sb_result *r = inspect(m);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->nexports, 20000);
	ck_assert_uint_eq(r->exports[19999].nparams, 1000);
	ck_assert_uint_eq(r->exports[19999].params[999], WASM_I32);
	sb_result_free(r);
	wasm_value args[1000];
	for (int i = 0; i < 1000; i++)
		args[i] = (wasm_value){ .type = WASM_I32, .of.i32 = i };
	sb_request req = { .kind = SB_CALL, .function = "f19999",
		.args = args, .nargs = 1000 };
	r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 7);
	sb_result_free(r);
	sb_module_release(m);

	/* 40 Mi parameter types */
	s.nexports = 40000;
	m = module_gen(sup, "wider", &s);
	r = inspect(m);
	OUTCOME(r, SB_INVALID_MODULE);
	ck_assert_msg(strstr(r->message, "the limit is 32 Mi"), "%s",
		r->message);
	sb_result_free(r);
	sb_module_release(m);

	/* 17 MB of names */
	wg_spec n = { .nfuncs = 1, .nexports = 280, .name_bytes = 60000 };
	m = module_gen(sup, "names", &n);
	r = inspect(m);
	OUTCOME(r, SB_INVALID_MODULE);
	ck_assert_msg(strstr(r->message, "the limit is 16 MiB"), "%s",
		r->message);
	sb_result_free(r);
	r = call(m, "f1", 0, 0);
	OUTCOME(r, SB_INVALID_MODULE);
	sb_result_free(r);
	sb_module_release(m);
}
END_TEST

/* ---- outcomes ---------------------------------------------------------- */

START_TEST(results_ok)
{
	sb_result *r = call(basic, "add", 0, 2, 2, 3);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->nresults, 1);
	ck_assert_int_eq(r->results[0].of.i32, 5);
	ck_assert_uint_gt(r->worker_pid, 0);
	sb_result_free(r);

	wasm_value a = { .type = WASM_I64, .of.i64 = INT64_MIN };
	sb_request req = { .kind = SB_CALL, .function = "pair", .args = &a,
		.nargs = 1 };
	r = sb_invoke_wait(basic, &req);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->nresults, 2);
	ck_assert(r->results[0].of.i64 == INT64_MIN);
	ck_assert(r->results[1].type == WASM_F64);
	sb_result_free(r);
}
END_TEST

START_TEST(traps)
{
	sb_result *r = call(basic, "div", 0, 1, 0);
	OUTCOME(r, SB_TRAP);
	ck_assert_int_eq(r->trap, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
	sb_result_free(r);
	r = call(basic, "recurse", 0, 1, 0);
	OUTCOME(r, SB_TRAP);
	ck_assert_int_eq(r->trap, WASM_TRAP_STACK_OVERFLOW);
	sb_result_free(r);
	r = call(basic, "div", 0, 1, 4);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 25);
	sb_result_free(r);
}
END_TEST

START_TEST(timeout_keeps_worker)
{
	sb_result *r = call(basic, "add", 0, 2, 1, 1);
	OUTCOME(r, SB_OK);
	uint32_t pid = r->worker_pid;
	sb_result_free(r);
	r = call(basic, "spin", 50, 0);
	OUTCOME(r, SB_TIMEOUT);
	ck_assert_int_eq(r->trap, WASM_TRAP_TIMEOUT);
	ck_assert_uint_eq(r->worker_pid, pid);
	sb_result_free(r);
	r = call(basic, "add", 1000, 2, 1, 1);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->worker_pid, pid);
	sb_result_free(r);
}
END_TEST

START_TEST(grace_kill)
{
	sb_result *r = sb_test_crash(basic, SB_TEST_HANG);
	OUTCOME(r, SB_KILLED);
	ck_assert_int_eq(r->signal, SIGKILL);
	sb_result_free(r);
	r = call(basic, "add", 0, 2, 1, 2);
	OUTCOME(r, SB_OK);
	sb_result_free(r);
}
END_TEST

START_TEST(memory_caps)
{
	wasm_value a = { .type = WASM_I32, .of.i32 = 10 };
	sb_request req = { .kind = SB_CALL, .function = "grow", .args = &a,
		.nargs = 1, .max_memory_pages = 4 };
	sb_result *r = sb_invoke_wait(basic, &req);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, -1);
	sb_result_free(r);
	a.of.i32 = 3;
	r = sb_invoke_wait(basic, &req);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 1);
	sb_result_free(r);

	sb_request bomb = { .kind = SB_CALL, .function = "bomb",
		.max_memory_pages = 300 };
	r = sb_invoke_wait(basic, &bomb);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 300);
	sb_result_free(r);

	sb_module *big = module_make(sup, "t1", "sb_bigmem");
	sb_request one = { .kind = SB_CALL, .function = "one",
		.max_memory_pages = 10 };
	r = sb_invoke_wait(big, &one);
	OUTCOME(r, SB_INSTANTIATE_ERROR);
	sb_result_free(r);
	one.max_memory_pages = 0;
	r = sb_invoke_wait(big, &one);
	OUTCOME(r, SB_OK);
	sb_result_free(r);
	sb_module_release(big);
}
END_TEST

START_TEST(tier_statistics)
{
	/* Interpreter: the called function is pre-decoded, nothing JITed;
	 * the second call compiles nothing new. */
	sb_result *r = call(basic, "add", 0, 2, 1, 2);
	OUTCOME(r, SB_OK);
	ck_assert(r->has_tiers);
	ck_assert_uint_ge(r->tiers.tier[WASM_TIER_INTERP].nfuncs, 1);
	ck_assert_uint_eq(r->tiers.tier[WASM_TIER_BASELINE].nfuncs, 0);
	sb_result_free(r);
	r = call(basic, "add", 0, 2, 1, 2);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->tiers_delta.tier[WASM_TIER_INTERP].nfuncs, 0);
	sb_result_free(r);

	/* Baseline tier: the function gets machine code. */
	sb_config cfg = { .tier = WASM_TIER_BASELINE };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *m = module_make(s, "t1", "sb_basic");
	r = call(m, "add", 0, 2, 40, 2);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 42);
	ck_assert(r->has_tiers);
	ck_assert_uint_ge(r->tiers.tier[WASM_TIER_BASELINE].nfuncs, 1);
	ck_assert_uint_ge(r->tiers_delta.tier[WASM_TIER_BASELINE].nfuncs, 1);
	ck_assert_uint_gt(r->tiers.tier[WASM_TIER_BASELINE].code_bytes, 0);
	sb_result_free(r);
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

START_TEST(fuel_limit)
{
	sb_config cfg = { .fuel = true };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *m = module_make(s, "t1", "sb_basic");
	wasm_value a = { .type = WASM_I32, .of.i32 = 100000 };
	sb_request req = { .kind = SB_CALL, .function = "count", .args = &a,
		.nargs = 1, .has_fuel = true, .fuel = 1000 };
	sb_result *r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_LIMIT);
	ck_assert_int_eq(r->limit, SB_LIMIT_FUEL);
	sb_result_free(r);
	req.fuel = 1000000;
	r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_OK);
	ck_assert_uint_gt(r->fuel_left, 0);
	sb_result_free(r);
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

/* Every signal has its name; none is the bare word "signal". */
START_TEST(signal_names)
{
	ck_assert_str_eq(sb_signal_name(SIGSYS), "SIGSYS");
	ck_assert_str_eq(sb_signal_name(SIGUSR1), "SIGUSR1");
	ck_assert_str_eq(sb_signal_name(SIGKILL), "SIGKILL");
	ck_assert_str_eq(sb_signal_name(SIGPIPE), "SIGPIPE");
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != 32 && sig != 33)   /* glibc's own, unnamed */
			ck_assert_msg(strncmp(sb_signal_name(sig), "SIG", 3) == 0,
				"signal %d: %s", sig, sb_signal_name(sig));
	ck_assert_str_eq(sb_signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
	ck_assert_str_eq(sb_signal_name(0), "signal 0");
	ck_assert_str_eq(sb_signal_name(200), "signal 200");
}
END_TEST

START_TEST(crashes_are_contained)
{
	static const struct { sb_test_mode mode; int sig; } cases[] = {
		{ SB_TEST_SEGV, SEGV_SIGNAL },
		{ SB_TEST_SYSCALL, SIGSYS },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sb_result *r = sb_test_crash(basic, cases[i].mode);
		OUTCOME(r, SB_KILLED);
		if (cases[i].sig)
			ck_assert_int_eq(r->signal, cases[i].sig);
		sb_result_free(r);
		r = call(basic, "add", 0, 2, 40, 2);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 42);
		sb_result_free(r);
	}
}
END_TEST

START_TEST(hostile_worker)
{
	static const sb_test_mode modes[] = { SB_TEST_GARBAGE,
		SB_TEST_HUGE_FRAME, SB_TEST_WRONG_SEQ };
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		sb_result *r = sb_test_crash(basic, modes[i]);
		OUTCOME(r, SB_KILLED);
		ck_assert_msg(strstr(r->message, "protocol error"), "%s",
			r->message);
		sb_result_free(r);
		r = call(basic, "add", 0, 2, 1, 2);
		OUTCOME(r, SB_OK);
		sb_result_free(r);
	}
}
END_TEST

/* ---- sb_invoke_sync ---------------------------------------------------- */

struct sync_ctx {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	sb_result *res;
	pthread_t done_thread;
	bool handed_over, done_before_handover;
};

static void sync_init(struct sync_ctx *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
}

static void sync_done(void *ctx, sb_result *res)
{
	struct sync_ctx *c = ctx;
	pthread_mutex_lock(&c->lock);
	c->res = res;
	c->done_thread = pthread_self();
	c->done_before_handover = !c->handed_over;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void sync_handover(void *ctx)
{
	struct sync_ctx *c = ctx;
	pthread_mutex_lock(&c->lock);
	ck_assert(!c->res);   /* never after the answer */
	c->handed_over = true;
	pthread_mutex_unlock(&c->lock);
}

static sb_result *sync_wait(struct sync_ctx *c)
{
	pthread_mutex_lock(&c->lock);
	while (!c->res)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	return c->res;
}

/* A warm worker answers on the caller's thread, with no handover; a call
 * that finds the supervisor thread busy is handed over and still right. */
START_TEST(sync_answers_on_caller_thread)
{
	sb_result *r = call(basic, "add", 0, 2, 1, 1);
	OUTCOME(r, SB_OK);
	sb_result_free(r);
	int here = 0;
	for (int32_t i = 0; i < 50; i++) {
		wasm_value args[2] = {
			{ .type = WASM_I32, .of.i32 = i },
			{ .type = WASM_I32, .of.i32 = 100 } };
		sb_request req = { .kind = SB_CALL, .function = "add",
			.args = args, .nargs = 2, .timeout_ms = 5000 };
		struct sync_ctx c;
		sync_init(&c);
		/* Give the supervisor thread time to go back to sleep after
		 * a handed-over call (it is busy right after one). */
		struct timespec nap = { 0, 2000000 };
		nanosleep(&nap, NULL);
		sb_submit how = sb_invoke_sync(basic, &req, 2000000,
			sync_done, sync_handover, &c);
		ck_assert_int_ne(how, SB_SUBMIT_NOMEM);
		if (how == SB_SUBMIT_DONE) {
			ck_assert(!c.handed_over);
			ck_assert_ptr_nonnull(c.res);
			ck_assert(pthread_equal(c.done_thread, pthread_self()));
			here++;
		} else {
			ck_assert(c.handed_over);
		}
		r = sync_wait(&c);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, i + 100);
		sb_result_free(r);
	}
	ck_assert_int_gt(here, 0);
	/* wait 0: never on this thread. */
	wasm_value args[2] = { { .type = WASM_I32, .of.i32 = 2 },
		{ .type = WASM_I32, .of.i32 = 3 } };
	sb_request req = { .kind = SB_CALL, .function = "add", .args = args,
		.nargs = 2 };
	struct sync_ctx c;
	sync_init(&c);
	ck_assert_int_eq(sb_invoke_sync(basic, &req, 0, sync_done,
		sync_handover, &c), SB_SUBMIT_QUEUED);
	ck_assert(c.handed_over);
	r = sync_wait(&c);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 5);
	ck_assert(!c.done_before_handover);
	sb_result_free(r);
}
END_TEST

/* An answer later than the wait is handed over before it ends, and the
 * supervisor thread keeps the deadline; a wait longer than the timeout is
 * cut to it.  The worker stays. */
START_TEST(sync_late_is_handed_over)
{
	sb_result *r = call(basic, "add", 0, 2, 1, 1);
	OUTCOME(r, SB_OK);
	uint32_t pid = r->worker_pid;
	sb_result_free(r);
	static const uint32_t waits[] = { 1000, 10000000 };
	for (size_t i = 0; i < 2; i++) {
		sb_request req = { .kind = SB_CALL, .function = "spin",
			.timeout_ms = 100 };
		struct sync_ctx c;
		sync_init(&c);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		sb_submit how = sb_invoke_sync(basic, &req, waits[i],
			sync_done, sync_handover, &c);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ck_assert_int_eq(how, SB_SUBMIT_QUEUED);
		ck_assert(c.handed_over);
		/* Returned long before 10 s: the wait ends at the deadline. */
		ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 5);
		r = sync_wait(&c);
		OUTCOME(r, SB_TIMEOUT);
		ck_assert(!c.done_before_handover);
		ck_assert_uint_eq(r->worker_pid, pid);
		sb_result_free(r);
	}
	r = call(basic, "add", 1000, 2, 1, 1);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->worker_pid, pid);
	sb_result_free(r);
}
END_TEST

/* Deaths and hostile answers while the caller waits are contained as on
 * the supervisor thread, whichever thread sees them first. */
START_TEST(sync_crashes_contained)
{
	static const struct { sb_test_mode mode; int sig; } cases[] = {
		{ SB_TEST_SEGV, SEGV_SIGNAL },
		{ SB_TEST_SYSCALL, SIGSYS },
		{ SB_TEST_GARBAGE, -1 },
		{ SB_TEST_WRONG_SEQ, -1 },
		{ SB_TEST_HANG, SIGKILL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sb_result *r = call(basic, "add", 0, 2, 40, 2);
		OUTCOME(r, SB_OK);
		sb_result_free(r);
		sb_submit how;
		r = sb_test_crash_sync(basic, cases[i].mode, 2000000, &how);
		OUTCOME(r, SB_KILLED);
		if (cases[i].sig > 0)
			ck_assert_int_eq(r->signal, cases[i].sig);
		if (cases[i].sig < 0)
			ck_assert_msg(strstr(r->message, "protocol error"),
				"%s", r->message);
		sb_result_free(r);
		r = call(basic, "add", 0, 2, 40, 2);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 42);
		sb_result_free(r);
	}
}
END_TEST

/* Names are bytes: U+0000 travels whole through LOADED and INVOKE, and a
 * call of "a\0b" reaches that export, not "a". */
START_TEST(names_with_nul)
{
	sb_module *m = module_make(sup, "t1", "sb_names");
	sb_result *r = inspect(m);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->nexports, 3);
	ck_assert_uint_eq(r->exports[0].name_len, 1);
	ck_assert_uint_eq(r->exports[1].name_len, 3);
	ck_assert_mem_eq(r->exports[1].name, "a\0b", 4);
	ck_assert_uint_eq(r->exports[2].name_len, 1);
	ck_assert_mem_eq(r->exports[2].name, "\0", 2);
	sb_result_free(r);

	static const struct { const char *name; size_t len; int32_t want; }
	cases[] = { { "a\0b", 3, 2 }, { "a", 0, 1 }, { "a", 1, 1 },
		{ "\0", 1, 3 } };
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		sb_request req = { .kind = SB_CALL, .function = cases[k].name,
			.function_len = cases[k].len };
		r = sb_invoke_wait(m, &req);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, cases[k].want);
		sb_result_free(r);
		/* The quick path looks the export up too. */
		struct sync_ctx c;
		sync_init(&c);
		ck_assert_int_ne(sb_invoke_sync(m, &req, 2000000, sync_done,
			sync_handover, &c), SB_SUBMIT_NOMEM);
		r = sync_wait(&c);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, cases[k].want);
		sb_result_free(r);
	}
	sb_request req = { .kind = SB_CALL, .function = "a\0c",
		.function_len = 3 };
	r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_BAD_CALL);
	ck_assert_str_eq(r->message, "no exported function 'a\\x00c'");
	sb_result_free(r);
	sb_module_release(m);
}
END_TEST

/* A dead zygote is reported (stats, then every invocation), and nothing
 * hangs. */
START_TEST(zygote_death_reported)
{
	sb_stats st;
	sb_supervisor_stats(sup, &st);
	ck_assert(st.zygote_alive);
	ck_assert_uint_gt(st.zygote_pid, 0);
	sb_result *r = call(basic, "add", 0, 2, 1, 1);
	OUTCOME(r, SB_OK);
	sb_result_free(r);
	ck_assert_int_eq(kill((pid_t)st.zygote_pid, SIGKILL), 0);
	for (int i = 0; i < 400; i++) {
		sb_supervisor_stats(sup, &st);
		if (!st.zygote_alive)
			break;
		struct timespec nap = { 0, 5000000 };
		nanosleep(&nap, NULL);
	}
	ck_assert(!st.zygote_alive);
	r = call(basic, "add", 1000, 2, 1, 1);
	OUTCOME(r, SB_ERROR);
	ck_assert_msg(strstr(r->message, "zygote"), "%s", r->message);
	sb_result_free(r);
}
END_TEST

START_TEST(bad_modules_and_calls)
{
	static const uint8_t junk[] = "\0asm\x01\0\0\0\x01\x05";
	sb_module *m = sb_module_new(sup, "t1", "junk", junk, sizeof junk - 1);
	sb_request req = { .kind = SB_INSPECT };
	sb_result *r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_INVALID_MODULE);
	ck_assert(r->message[0]);
	sb_result_free(r);
	r = call(m, "f", 0, 0);
	OUTCOME(r, SB_INVALID_MODULE);
	sb_result_free(r);
	sb_module_release(m);

	r = sb_invoke_wait(basic, &req);
	OUTCOME(r, SB_OK);
	ck_assert_uint_ge(r->nexports, 8);
	ck_assert_str_eq(r->exports[0].name, "add");
	ck_assert_uint_eq(r->exports[0].nparams, 2);
	sb_result_free(r);
	r = call(basic, "nope", 0, 0);
	OUTCOME(r, SB_BAD_CALL);
	sb_result_free(r);
	r = call(basic, "add", 0, 1, 1);
	OUTCOME(r, SB_BAD_CALL);
	sb_result_free(r);

	m = module_make(sup, "t1", "sb_imports");
	r = call(m, "f", 0, 0);
	OUTCOME(r, SB_INSTANTIATE_ERROR);
	ck_assert_msg(strstr(r->message, "env.log"), "%s", r->message);
	sb_result_free(r);
	sb_module_release(m);
}
END_TEST

START_TEST(wasi_program)
{
	sb_module *m = module_make(sup, "t1", "sb_wasi");
	const char *argv[] = { "prog", "x" };
	sb_request req = { .kind = SB_WASI, .argv = argv, .argc = 2,
		.stdout_max_bytes = 2 };
	sb_result *r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_EXIT);
	ck_assert_int_eq(r->exit_code, 7);
	ck_assert_uint_eq(r->stdout_len, 2);
	ck_assert(memcmp(r->stdout_data, "hi", 2) == 0);
	ck_assert(r->stdout_truncated);
	ck_assert_uint_eq(r->stderr_len, 4);
	ck_assert(!r->stderr_truncated);
	sb_result_free(r);
	sb_module_release(m);
}
END_TEST

/* ---- pools ------------------------------------------------------------- */

struct counter {
	int done, busy;
};

static void count_done(void *ctx, sb_result *r)
{
	struct counter *c = ctx;
	__atomic_add_fetch(r->outcome == SB_BUSY ? &c->busy : &c->done, 1,
		__ATOMIC_SEQ_CST);
	sb_result_free(r);
}

START_TEST(busy_when_queue_full)
{
	sb_config cfg = { .max_workers = 1, .queue_max = 1 };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *m = module_make(s, "t1", "sb_basic");
	sb_request req = { .kind = SB_CALL, .function = "spin",
		.timeout_ms = 100 };
	struct counter c = { 0 };
	for (int i = 0; i < 4; i++)
		ck_assert(sb_invoke(m, &req, count_done, &c));
	for (int i = 0; i < 500 &&
	     __atomic_load_n(&c.done, __ATOMIC_SEQ_CST) +
	     __atomic_load_n(&c.busy, __ATOMIC_SEQ_CST) < 4; i++)
		usleep(10000);
	/* One runs, one waits, two are refused at once. */
	ck_assert_int_eq(c.done, 2);
	ck_assert_int_eq(c.busy, 2);
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

struct late {
	int n, timeouts, waited;
	uint64_t start_ns, latest_ns;
};

static void late_done(void *ctx, sb_result *r)
{
	struct late *l = ctx;
	uint64_t took = sb_now_ns() - l->start_ns;
	if (r->outcome == SB_TIMEOUT)
		__atomic_add_fetch(&l->timeouts, 1, __ATOMIC_SEQ_CST);
	if (strstr(r->message, "waited for a worker"))
		__atomic_add_fetch(&l->waited, 1, __ATOMIC_SEQ_CST);
	uint64_t old = __atomic_load_n(&l->latest_ns, __ATOMIC_SEQ_CST);
	while (took > old && !__atomic_compare_exchange_n(&l->latest_ns, &old,
	       took, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	__atomic_add_fetch(&l->n, 1, __ATOMIC_SEQ_CST);
	sb_result_free(r);
}

/* Queue time counts against the deadline: eight calls that spin, on one
 * worker, each with 200 ms, all end `timeout` by their deadline (not one
 * after another, 1.6 s), those that never got the worker without running. */
START_TEST(queue_time_counts)
{
	sb_config cfg = { .max_workers = 1, .kill_grace_ms = 100 };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *m = module_make(s, "t1", "sb_basic");
	struct late l = { .start_ns = sb_now_ns() };
	sb_request req = { .kind = SB_CALL, .function = "spin",
		.deadline_ns = l.start_ns + 200 * 1000000u };
	for (int i = 0; i < 8; i++)
		ck_assert(sb_invoke(m, &req, late_done, &l));
	for (int i = 0; i < 300 && __atomic_load_n(&l.n, __ATOMIC_SEQ_CST) < 8;
	     i++)
		usleep(10000);
	ck_assert_int_eq(l.n, 8);
	ck_assert_int_eq(l.timeouts, 8);
	ck_assert_int_ge(l.waited, 7);
	ck_assert_msg(l.latest_ns < 350 * 1000000u, "last answer after %llu ms",
		(unsigned long long)(l.latest_ns / 1000000u));
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

struct sums {
	int ok, bad;
	int64_t sum;
};

static void sums_done(void *ctx, sb_result *res)
{
	struct sums *t = ctx;
	if (res->outcome == SB_OK) {
		__atomic_add_fetch(&t->sum, res->results[0].of.i32,
			__ATOMIC_SEQ_CST);
		__atomic_add_fetch(&t->ok, 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_add_fetch(&t->bad, 1, __ATOMIC_SEQ_CST);
	}
	sb_result_free(res);
}

static void sums_wait(struct sums *t, int n)
{
	for (int i = 0; i < 2000 && __atomic_load_n(&t->ok, __ATOMIC_SEQ_CST) +
	     __atomic_load_n(&t->bad, __ATOMIC_SEQ_CST) < n; i++)
		usleep(5000);
}

static void *hang_thread(void *arg)
{
	return sb_test_crash(arg, SB_TEST_HANG);
}

/* With its one worker busy, a module of short calls gets its calls sent
 * behind the current one (pipelined): all answered, in full.  A call
 * behind one that hangs and is killed is not lost with it. */
START_TEST(pipelined_short_calls)
{
	sb_config cfg = { .test_hooks = true, .max_workers = 2,
		.max_per_module = 1, .queue_max = 1000, .kill_grace_ms = 100 };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *m = module_make(s, "t1", "sb_basic");
	sb_result *r = call(m, "add", 0, 2, 1, 1);   /* calls are short */
	OUTCOME(r, SB_OK);
	sb_result_free(r);
	struct sums t = { 0 };
	int64_t want = 0;
	for (int32_t i = 0; i < 200; i++) {
		wasm_value args[2] = { { .type = WASM_I32, .of.i32 = i },
			{ .type = WASM_I32, .of.i32 = 1 } };
		sb_request req = { .kind = SB_CALL, .function = "add",
			.args = args, .nargs = 2, .timeout_ms = 5000 };
		ck_assert(sb_invoke(m, &req, sums_done, &t));
		want += i + 1;
	}
	sums_wait(&t, 200);
	ck_assert_int_eq(t.ok, 200);
	ck_assert_int_eq(t.bad, 0);
	ck_assert_int_eq(t.sum, want);
	sb_stats st;
	sb_supervisor_stats(s, &st);
	ck_assert_uint_gt(st.pipelined, 0);

	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, hang_thread, m), 0);
	struct sums t2 = { 0 };
	for (int32_t i = 0; i < 50; i++) {
		wasm_value args[2] = { { .type = WASM_I32, .of.i32 = i },
			{ .type = WASM_I32, .of.i32 = 2 } };
		sb_request req = { .kind = SB_CALL, .function = "add",
			.args = args, .nargs = 2, .timeout_ms = 5000 };
		ck_assert(sb_invoke(m, &req, sums_done, &t2));
	}
	void *hang;
	pthread_join(th, &hang);
	r = hang;
	OUTCOME(r, SB_KILLED);
	sb_result_free(r);
	sums_wait(&t2, 50);
	ck_assert_int_eq(t2.ok, 50);
	ck_assert_int_eq(t2.bad, 0);
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

/* Workers run cfg.worker_nice nicer than the supervisor. */
START_TEST(worker_nice)
{
	sb_config cfg = { .max_workers = 2, .worker_nice = 7 };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *m = module_make(s, "t1", "sb_basic");
	sb_result *r = call(m, "add", 0, 2, 1, 1);
	OUTCOME(r, SB_OK);
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%u/stat", r->worker_pid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	/* After "(comm)": state is field 3, nice field 19. */
	char *p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	long field[20];
	int n = sscanf(p + 2, "%*c %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld "
		"%ld %ld %ld %ld %ld %ld", &field[4], &field[5], &field[6],
		&field[7], &field[8], &field[9], &field[10], &field[11],
		&field[12], &field[13], &field[14], &field[15], &field[16],
		&field[17], &field[18], &field[19]);
	ck_assert_int_eq(n, 16);
	errno = 0;
	int mine = getpriority(PRIO_PROCESS, 0);
	ck_assert_int_eq(errno, 0);
	int want = mine + 7 > 19 ? 19 : mine + 7;
	ck_assert_int_eq(field[19], want);
	sb_result_free(r);
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

/* Stats once `spares` ready spare workers exist (fails after 10 s). */
static sb_stats spares_wait(sb_supervisor *s, uint32_t spares)
{
	sb_stats st;
	for (int i = 0; i < 1000; i++) {
		sb_supervisor_stats(s, &st);
		if (st.spares == spares)
			return st;
		struct timespec nap = { 0, 10000000 };
		nanosleep(&nap, NULL);
	}
	ck_abort_msg("%u spares, wanted %u", st.spares, spares);
	return st;
}

/* Spares start with the supervisor; a module takes one instead of
 * forking (and one more is started under the cap); at the cap the last
 * spares are used up, then LRU eviction takes over. */
START_TEST(spare_workers)
{
	sb_config cfg = { .max_workers = 3, .spare_workers = 2,
		.kill_grace_ms = 100 };
	sb_supervisor *s = sup_make(&cfg);
	sb_stats st = spares_wait(s, 2);
	ck_assert_uint_eq(st.spawned, 2);
	ck_assert_uint_eq(st.workers, 2);
	/* Spares are ready and idle, not busy. */
	ck_assert_uint_eq(st.busy, 0);
	ck_assert_uint_eq(st.idle + st.held + st.spares + st.busy +
		st.starting, st.workers);
	sb_module *m[4];
	static const uint64_t spawned_after[4] = { 3, 3, 3, 4 };
	static const uint32_t spares_after[4] = { 2, 1, 0, 0 };
	for (int i = 0; i < 4; i++) {
		char tenant[8];
		snprintf(tenant, sizeof tenant, "t%d", i);
		m[i] = module_make(s, tenant, "sb_basic");
		sb_result *r = call(m[i], "add", 0, 2, 40, i);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 40 + i);
		sb_result_free(r);
		st = spares_wait(s, spares_after[i]);
		ck_assert_uint_eq(st.spawned, spawned_after[i]);
		ck_assert_uint_le(st.workers, 3);
	}
	ck_assert_uint_eq(st.evicted, 1);
	for (int i = 0; i < 4; i++)
		sb_module_release(m[i]);
	sb_supervisor_free(s);
}
END_TEST

START_TEST(lru_eviction_and_tenants)
{
	sb_config cfg = { .max_workers = 2 };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *a = module_make(s, "alice", "sb_basic");
	sb_module *b = module_make(s, "bob", "sb_basic");
	sb_module *c = module_make(s, "carol", "sb_basic");
	sb_result *ra = call(a, "add", 0, 2, 1, 1);
	sb_result *rb = call(b, "add", 0, 2, 1, 1);
	OUTCOME(ra, SB_OK);
	OUTCOME(rb, SB_OK);
	/* Same bytes, other tenant: never the same worker. */
	ck_assert_uint_ne(ra->worker_pid, rb->worker_pid);
	sb_result *rc = call(c, "add", 0, 2, 1, 1);
	OUTCOME(rc, SB_OK);
	sb_stats st;
	sb_supervisor_stats(s, &st);
	ck_assert_uint_ge(st.evicted, 1);
	ck_assert_uint_le(st.workers, 2);
	/* a was the least recently used: its worker went. */
	sb_result *ra2 = call(a, "add", 0, 2, 1, 1);
	OUTCOME(ra2, SB_OK);
	ck_assert_uint_ne(ra2->worker_pid, ra->worker_pid);
	sb_result_free(ra);
	sb_result_free(rb);
	sb_result_free(rc);
	sb_result_free(ra2);
	sb_module_release(a);
	sb_module_release(b);
	sb_module_release(c);
	sb_supervisor_free(s);
}
END_TEST

/* ---- confinement as the kernel sees it --------------------------------- */

START_TEST(proc_status_confined)
{
#if defined(__SANITIZE_ADDRESS__)
	/* relaxed mode: still seccomp'd, checked below */
#endif
	sb_result *r = call(basic, "add", 0, 2, 1, 1);
	OUTCOME(r, SB_OK);
	int pid = (int)r->worker_pid;
	sb_result_free(r);
	ck_assert_int_eq(sbt_status_field(pid, "Seccomp"), 2);
	ck_assert_int_eq(sbt_status_field(pid, "NoNewPrivs"), 1);
	/* Every set empty, the bounding set too (the test runs as root in
	 * CI, or in a user namespace where the worker had CAP_SETPCAP). */
	ck_assert_int_eq(sbt_status_hex(pid, "CapEff"), 0);
	ck_assert_int_eq(sbt_status_hex(pid, "CapPrm"), 0);
	ck_assert_int_eq(sbt_status_hex(pid, "CapInh"), 0);
	ck_assert_int_eq(sbt_status_hex(pid, "CapAmb"), 0);
	if (sbt_status_hex(getpid(), "CapEff") != 0 ||
	    strstr(sb_supervisor_layers(sup), "user") != NULL)
		ck_assert_int_eq(sbt_status_hex(pid, "CapBnd"), 0);
}
END_TEST

/* The service runs as a user without privileges: so does this test. */
START_TEST(unprivileged_user)
{
	size_t len;
	uint8_t *bytes = sbt_wasm("sb_basic", &len);
	ck_assert_ptr_nonnull(bytes);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(10);
		if (getuid() == 0)
			_exit(11);
		sb_supervisor *s = NULL;
		if (sb_supervisor_new(NULL, &s, NULL) != WASM_OK)
			_exit(12);
		sb_module *m = sb_module_new(s, "t", "m", bytes, len);
		wasm_value args[2] = { { .type = WASM_I32, .of.i32 = 20 },
			{ .type = WASM_I32, .of.i32 = 22 } };
		sb_request req = { .kind = SB_CALL, .function = "add",
			.args = args, .nargs = 2 };
		sb_result *r = sb_invoke_wait(m, &req);
		int rc = r->outcome == SB_OK && r->results[0].of.i32 == 42 ?
			0 : 13;
		if (!rc && sbt_status_field((int)r->worker_pid, "Seccomp") != 2)
			rc = 14;
		sb_result_free(r);
		r = sb_test_crash(m, SB_TEST_SYSCALL);
		if (!rc && r->outcome != SB_OK)
			rc = 0;   /* test hooks are off: refused, not run */
		sb_result_free(r);
		sb_module_release(m);
		sb_supervisor_free(s);
		_exit(rc);
	}
	free(bytes);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"unprivileged child: status 0x%x", status);
}
END_TEST

/* A supervisor that dies (SIGKILL: no clean-up at all) leaves nothing. */
START_TEST(supervisor_crash_leaves_nothing)
{
	size_t len;
	uint8_t *bytes = sbt_wasm("sb_basic", &len);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sb_supervisor *s = NULL;
		sb_config cfg = { .warm_per_module = 3 };
		if (sb_supervisor_new(&cfg, &s, NULL) != WASM_OK)
			_exit(1);
		sb_module *m = sb_module_new(s, "t", "m", bytes, len);
		sb_request req = { .kind = SB_CALL, .function = "spin",
			.timeout_ms = 0 };
		struct counter c = { 0 };
		if (!sb_invoke(m, &req, count_done, &c))
			_exit(1);
		sb_request add = { .kind = SB_CALL, .function = "nothing" };
		sb_result *r = sb_invoke_wait(m, &add);
		sb_stats st;
		sb_supervisor_stats(s, &st);
		int pids[2] = { (int)st.zygote_pid, (int)r->worker_pid };
		if (write(fds[1], pids, sizeof pids) != sizeof pids)
			_exit(1);
		pause();
		_exit(0);
	}
	free(bytes);
	int pids[2];
	ck_assert_int_eq(read(fds[0], pids, sizeof pids), sizeof pids);
	ck_assert(sbt_alive(pids[0]));
	ck_assert(sbt_alive(pids[1]));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < 200 && (sbt_alive(pids[0]) || sbt_alive(pids[1]));
	     i++)
		usleep(10000);
	ck_assert_msg(!sbt_alive(pids[0]), "zygote %d survived", pids[0]);
	ck_assert_msg(!sbt_alive(pids[1]), "worker %d survived", pids[1]);
}
END_TEST

/* ---- persistent instances --------------------------------------------- */

static sb_instance *instance_make_sized(sb_module *m, uint32_t pages)
{
	sb_instance *in = sb_instance_new(m);
	ck_assert_ptr_nonnull(in);
	sb_request req = { .kind = SB_CALL, .instance = in,
		.instance_op = SB_INSTANCE_CREATE, .timeout_ms = 5000 };
	sb_result *r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->nresults, 0);
	ck_assert_uint_eq(r->memory_pages, pages);
	sb_result_free(r);
	sb_instance_info st;
	sb_instance_status(in, &st);
	ck_assert(st.live && !st.gone);
	ck_assert_uint_ne(st.worker_pid, 0);
	return in;
}

static sb_instance *instance_make(sb_module *m)
{
	return instance_make_sized(m, 1);
}

static sb_result *instance_call(sb_module *m, sb_instance *in,
	const char *function, uint64_t timeout_ms, int nargs, int32_t arg)
{
	wasm_value a = { .type = WASM_I32, .of.i32 = arg };
	sb_request req = { .kind = SB_CALL, .function = function,
		.args = &a, .nargs = (uint32_t)nargs, .timeout_ms = timeout_ms,
		.instance = in, .instance_op = SB_INSTANCE_CALL };
	return sb_invoke_wait(m, &req);
}

static int32_t instance_i32(sb_module *m, sb_instance *in,
	const char *function)
{
	sb_result *r = instance_call(m, in, function, 5000, 0, 0);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->nresults, 1);
	int32_t v = r->results[0].of.i32;
	sb_result_free(r);
	return v;
}

static uint32_t instances_held(sb_supervisor *s)
{
	sb_stats st;
	/* The loop publishes its gauges each time round. */
	for (int i = 0; i < 200; i++) {
		sb_supervisor_stats(s, &st);
		if (!st.busy)
			break;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	return st.instances;
}

START_TEST(instance_state_persists)
{
	sb_module *m = module_make(sup, "t1", "sb_counter");
	sb_instance *a = instance_make(m), *b = instance_make(m);

	for (int32_t i = 1; i <= 200; i++)
		ck_assert_int_eq(instance_i32(m, a, "incr"), i);
	ck_assert_int_eq(instance_i32(m, a, "mem"), 200);
	/* Another instance counts on its own ... */
	for (int32_t i = 1; i <= 3; i++)
		ck_assert_int_eq(instance_i32(m, b, "incr"), i);
	ck_assert_int_eq(instance_i32(m, a, "incr"), 201);
	/* ... and calls on the module start fresh every time. */
	for (int i = 0; i < 3; i++) {
		sb_result *r = call(m, "incr", 5000, 0);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 1);
		sb_instance_info st;
		sb_instance_status(a, &st);
		ck_assert_uint_ne(r->worker_pid, st.worker_pid);
		sb_instance_status(b, &st);
		ck_assert_uint_ne(r->worker_pid, st.worker_pid);
		sb_result_free(r);
	}
	/* A trap leaves the instance as it was. */
	sb_result *r = instance_call(m, a, "crash", 5000, 0, 0);
	OUTCOME(r, SB_TRAP);
	ck_assert_int_eq(r->trap, WASM_TRAP_UNREACHABLE);
	sb_result_free(r);
	ck_assert_int_eq(instance_i32(m, a, "incr"), 202);
	/* Growth is reported. */
	r = instance_call(m, a, "grow", 5000, 1, 3);
	OUTCOME(r, SB_OK);
	ck_assert_uint_eq(r->memory_pages, 4);
	sb_result_free(r);
	sb_instance_info st;
	sb_instance_status(a, &st);
	ck_assert_uint_eq(st.memory_pages, 4);
	ck_assert_uint_eq(instances_held(sup), 2);
	sb_instance_release(a);
	sb_instance_release(b);
	/* Their workers go back to the pool. */
	for (int i = 0; i < 200 && instances_held(sup); i++) {
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	ck_assert_uint_eq(instances_held(sup), 0);
	sb_module_release(m);
}
END_TEST

START_TEST(instance_timeout_ends_it)
{
	sb_module *m = module_make(sup, "t1", "sb_counter");
	sb_instance *in = instance_make(m);

	ck_assert_int_eq(instance_i32(m, in, "incr"), 1);
	/* Long enough that a loaded machine runs it before its deadline (a
	 * call that expired waiting never ran and ends nothing). */
	sb_result *r = instance_call(m, in, "spin", 500, 0, 0);
	OUTCOME(r, SB_TIMEOUT);
	ck_assert_msg(!strstr(r->message, "waited"), "%s", r->message);
	sb_result_free(r);
	r = instance_call(m, in, "incr", 5000, 0, 0);
	OUTCOME(r, SB_GONE);
	ck_assert_msg(strstr(r->message, "timeout"), "%s", r->message);
	sb_result_free(r);
	sb_instance_info st;
	sb_instance_status(in, &st);
	ck_assert(st.gone && !st.live);
	/* The worker lived and serves the pool again. */
	r = call(m, "incr", 5000, 0);
	OUTCOME(r, SB_OK);
	sb_result_free(r);
	sb_instance_release(in);
	sb_module_release(m);
}
END_TEST

START_TEST(instance_killed_worker_ends_it)
{
	sb_module *m = module_make(sup, "t1", "sb_counter");
	sb_instance *in = instance_make(m);
	sb_instance_info st;

	ck_assert_int_eq(instance_i32(m, in, "incr"), 1);
	sb_instance_status(in, &st);
	ck_assert_int_eq(kill((pid_t)st.worker_pid, SIGKILL), 0);
	for (int i = 0; i < 400; i++) {
		sb_instance_status(in, &st);
		if (st.gone)
			break;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	ck_assert(st.gone);
	sb_result *r = instance_call(m, in, "incr", 5000, 0, 0);
	OUTCOME(r, SB_GONE);
	ck_assert_msg(strstr(r->message, "SIGKILL"), "%s", r->message);
	sb_result_free(r);
	sb_instance_release(in);
	sb_module_release(m);
}
END_TEST

/* Calls sent at once run one at a time, in order of arrival. */
struct ordered {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int32_t seen[64];
	int n;
};

static void ordered_done(void *ctx, sb_result *res)
{
	struct ordered *o = ctx;
	pthread_mutex_lock(&o->lock);
	o->seen[o->n++] = res->outcome == SB_OK ? res->results[0].of.i32 : -1;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	sb_result_free(res);
}

START_TEST(instance_calls_in_order)
{
	sb_module *m = module_make(sup, "t1", "sb_counter");
	sb_instance *in = instance_make(m);
	struct ordered o = { .n = 0 };

	pthread_mutex_init(&o.lock, NULL);
	pthread_cond_init(&o.cond, NULL);
	sb_request req = { .kind = SB_CALL, .function = "incr",
		.timeout_ms = 5000, .instance = in,
		.instance_op = SB_INSTANCE_CALL };
	for (int i = 0; i < 64; i++)
		ck_assert(sb_invoke(m, &req, ordered_done, &o));
	pthread_mutex_lock(&o.lock);
	while (o.n < 64)
		pthread_cond_wait(&o.cond, &o.lock);
	pthread_mutex_unlock(&o.lock);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(o.seen[i], i + 1);
	sb_instance_release(in);
	sb_module_release(m);
}
END_TEST

/* ---- snapshots (copy-on-write fresh instances), under the real filter --- */

#define SNAPDATA_FRESH 201985050

/* Calls check and grow n times each on fresh instances: always what a
 * fresh instance answers; returns how many came from a snapshot. */
static int snapdata_rounds(sb_module *m, int n)
{
	int mapped = 0;
	for (int i = 0; i < n; i++) {
		sb_result *r = call(m, "check", 5000, 0);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, SNAPDATA_FRESH);
		mapped += r->from_snapshot;
		sb_result_free(r);
		r = call(m, "grow", 5000, 0);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 3);
		ck_assert_uint_eq(r->memory_pages, 5);
		mapped += r->from_snapshot;
		sb_result_free(r);
	}
	return mapped;
}

/* Persistent instances pin workers: at most max_instances of them, so
 * that module invokes keep workers; a released one makes room again. */
START_TEST(instance_global_cap)
{
	sb_config cfg = { .max_workers = 4, .max_instances = 2 };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *m = module_make(s, "t1", "sb_counter");
	sb_instance *a = instance_make(m), *b = instance_make(m);
	sb_instance *c = sb_instance_new(m);
	sb_request req = { .kind = SB_CALL, .instance = c,
		.instance_op = SB_INSTANCE_CREATE, .timeout_ms = 5000 };
	sb_result *r = sb_invoke_wait(m, &req);
	OUTCOME(r, SB_BUSY);
	ck_assert_msg(strstr(r->message, "max_instances"), "%s", r->message);
	sb_result_free(r);
	/* Module invokes still get workers. */
	r = call(m, "incr", 5000, 0);
	OUTCOME(r, SB_OK);
	sb_result_free(r);
	sb_instance_release(a);
	bool made = false;
	for (int i = 0; i < 200 && !made; i++) {
		r = sb_invoke_wait(m, &req);
		made = r->outcome == SB_OK;
		sb_result_free(r);
		if (!made)
			usleep(10000);
	}
	ck_assert(made);
	sb_instance_release(b);
	sb_instance_release(c);
	sb_module_release(m);
	sb_supervisor_free(s);
}
END_TEST

START_TEST(snapshot_fresh_instances)
{
	sb_module *m = module_make(sup, "t1", "sb_snapdata");
	/* The first instance of a worker is built and snapshot; the next
	 * ones of that worker are mapped from it. */
	int mapped = snapdata_rounds(m, 6);
	ck_assert_msg(mapped >= 6, "only %d of 12 from a snapshot", mapped);
	/* A persistent instance starts from it too, and keeps its writes. */
	sb_instance *in = instance_make_sized(m, 3);
	sb_result *r = instance_call(m, in, "check", 5000, 0, 0);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, SNAPDATA_FRESH);
	sb_result_free(r);
	r = instance_call(m, in, "check", 5000, 0, 0);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 2);   /* only the table */
	sb_result_free(r);
	sb_instance_release(in);
	snapdata_rounds(m, 2);   /* its writes did not reach the snapshot */
	sb_module_release(m);

	/* Without snapshots: the same answers, none mapped. */
	sb_config cfg = { .max_workers = 4, .no_snapshots = true };
	sb_supervisor *plain = sup_make(&cfg);
	m = module_make(plain, "t1", "sb_snapdata");
	ck_assert_int_eq(snapdata_rounds(m, 3), 0);
	sb_module_release(m);
	sb_supervisor_free(plain);
}
END_TEST

/* A module initialised by an export (Wizer's idea): every fresh instance
 * sees init's work exactly once, from the snapshot or, without one, from
 * its own call; a failing init is an instantiation error. */
static void init_rounds(sb_module *m, bool want_mapped)
{
	int mapped = 0;
	for (int i = 0; i < 4; i++) {
		sb_result *r = call(m, "get", 5000, 0);
		OUTCOME(r, SB_OK);
		ck_assert_int_eq(r->results[0].of.i32, 101);
		mapped += r->from_snapshot;
		sb_result_free(r);
		r = call(m, "bump", 5000, 0);
		OUTCOME(r, SB_OK);
		sb_result_free(r);
	}
	ck_assert_msg(want_mapped ? mapped >= 2 : mapped == 0, "%d mapped",
		mapped);
}

static sb_module *module_make_init(sb_supervisor *s, const char *init)
{
	size_t len;
	uint8_t *bytes = sbt_wasm("sb_init", &len);
	ck_assert_ptr_nonnull(bytes);
	sb_module *m = sb_module_new_init(s, "t1", "sb_init", bytes, len, init);
	free(bytes);
	ck_assert_ptr_nonnull(m);
	return m;
}

START_TEST(init_export_snapshot)
{
	sb_module *m = module_make_init(sup, "init");
	init_rounds(m, true);
	/* The same bytes without init: another pool, nothing initialised. */
	sb_module *plain = module_make_init(sup, NULL);
	sb_result *r = call(plain, "get", 5000, 0);
	OUTCOME(r, SB_OK);
	ck_assert_int_eq(r->results[0].of.i32, 0);
	sb_result_free(r);
	sb_module_release(plain);
	sb_module_release(m);
	/* An init that traps: the instance cannot be made. */
	m = module_make_init(sup, "trap");
	r = call(m, "get", 5000, 0);
	OUTCOME(r, SB_INSTANTIATE_ERROR);
	ck_assert_int_eq(r->trap, WASM_TRAP_UNREACHABLE);
	sb_result_free(r);
	sb_module_release(m);

	/* Without snapshots each instance calls init itself. */
	sb_config cfg = { .max_workers = 4, .no_snapshots = true };
	sb_supervisor *nosnap = sup_make(&cfg);
	m = module_make_init(nosnap, "init");
	init_rounds(m, false);
	sb_module_release(m);
	sb_supervisor_free(nosnap);
}
END_TEST

/* ---- load -------------------------------------------------------------- */

struct tally {
	int n;
	int wrong;
	char first_wrong[256];
};

static void expect(struct tally *t, sb_result *r, sb_outcome o, int extra)
{
	bool ok = r->outcome == o;
	if (ok && o == SB_OK && r->nresults == 1 &&
	    r->results[0].type == WASM_I32)
		ok = r->results[0].of.i32 == extra;
	if (ok && o == SB_TRAP)
		ok = (int)r->trap == extra;
	if (ok && o == SB_KILLED)
		ok = extra == 0 || r->signal == extra;
	t->n++;
	if (!ok && !t->wrong++)
		snprintf(t->first_wrong, sizeof t->first_wrong,
			"#%d: %s (%.150s), wanted %s/%d", t->n,
			sb_outcome_name(r->outcome), r->message,
			sb_outcome_name(o), extra);
	sb_result_free(r);
}

static void load_round(sb_module **mods, int nmods, int i, struct tally *t)
{
	sb_module *m = mods[i % nmods];
	switch (i % 10) {
	case 0: case 1: case 2: case 3:
		expect(t, call(m, "add", 1000, 2, i, 1), SB_OK, i + 1);
		break;
	case 4:
		expect(t, call(m, "div", 1000, 1, 0), SB_TRAP,
			WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
		break;
	case 5:
		expect(t, call(m, "spin", 5, 0), SB_TIMEOUT, 0);
		break;
	case 6: {
		sb_request req = { .kind = SB_CALL, .function = "bomb",
			.max_memory_pages = 64, .timeout_ms = 2000 };
		expect(t, sb_invoke_wait(m, &req), SB_OK, 64);
		break;
	}
	case 7:
		expect(t, call(m, "recurse", 5000, 1, 0), SB_TRAP,
			WASM_TRAP_STACK_OVERFLOW);
		break;
	case 8:
		if (i % 40 == 8)
			expect(t, sb_test_crash(m, SB_TEST_SEGV), SB_KILLED,
				SEGV_SIGNAL);
		else
			expect(t, call(m, "count", 1000, 1, 1000), SB_OK, 0);
		break;
	case 9:
		expect(t, call(m, "add", 1000, 2, -i, 0), SB_OK, -i);
		break;
	}
}

START_TEST(load_1000_mixed)
{
	enum { NMODS = 4 };
	sb_config cfg = { .test_hooks = true, .max_workers = 6,
		.kill_grace_ms = 200 };
	sb_supervisor *s = sup_make(&cfg);
	sb_module *mods[NMODS];
	static const char *const tenants[NMODS] = { "a", "b", "c", "d" };
	struct tally t = { 0 };

	for (int i = 0; i < NMODS; i++)
		mods[i] = module_make(s, tenants[i], "sb_basic");
	/* Warm up, then measure. */
	for (int i = 0; i < 100; i++)
		load_round(mods, NMODS, i, &t);
	sb_stats st;
	sb_supervisor_stats(s, &st);
	uint32_t workers0 = st.workers;
	int fds0 = sbt_count_fds();
	long rss0 = sbt_status_field(getpid(), "VmRSS");
	for (int i = 0; i < 1000; i++)
		load_round(mods, NMODS, i, &t);
	ck_assert_msg(t.wrong == 0, "%d wrong outcomes; first %s", t.wrong,
		t.first_wrong);
	/* Let the last deaths be reaped. */
	for (int i = 0; i < 100; i++) {
		sb_supervisor_stats(s, &st);
		if (sbt_count_children((int)st.zygote_pid) <= (int)st.workers)
			break;
		usleep(10000);
	}
	int kids = sbt_count_children((int)st.zygote_pid);
	ck_assert_int_le(kids, (int)cfg.max_workers);
	ck_assert_int_eq(kids, (int)st.workers);
	/* One socket per live worker, nothing else. */
	ck_assert_int_eq(sbt_count_fds() - (int)st.workers,
		fds0 - (int)workers0);
	long rss1 = sbt_status_field(getpid(), "VmRSS");
	ck_assert_msg(rss1 - rss0 < 8192, "RSS grew from %ld to %ld kB", rss0,
		rss1);
	for (int i = 0; i < NMODS; i++)
		sb_module_release(mods[i]);
	sb_supervisor_free(s);
}
END_TEST

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *core = tcase_create("core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_set_timeout(core, 30);
	tcase_add_test(core, results_ok);
	tcase_add_test(core, tier_statistics);
	tcase_add_test(core, traps);
	tcase_add_test(core, timeout_keeps_worker);
	tcase_add_test(core, grace_kill);
	tcase_add_test(core, load_over_its_time_limit);
	tcase_add_test(core, memory_caps);
	tcase_add_test(core, signal_names);
	tcase_add_test(core, crashes_are_contained);
	tcase_add_test(core, hostile_worker);
	tcase_add_test(core, sync_answers_on_caller_thread);
	tcase_add_test(core, sync_late_is_handed_over);
	tcase_add_test(core, sync_crashes_contained);
	tcase_add_test(core, zygote_death_reported);
	tcase_add_test(core, bad_modules_and_calls);
	tcase_add_test(core, wasi_program);
	tcase_add_test(core, proc_status_confined);
	tcase_add_test(core, many_exports_imports_funcs);
	tcase_add_test(core, names_with_nul);
	tcase_add_test(core, libc_paths_under_filter);
	tcase_add_test(core, metadata_bounded);
	suite_add_tcase(s, core);

	TCase *pools = tcase_create("pools");
	tcase_set_timeout(pools, 30);
	tcase_add_test(pools, fuel_limit);
	tcase_add_test(pools, busy_when_queue_full);
	tcase_add_test(pools, queue_time_counts);
	tcase_add_test(pools, lru_eviction_and_tenants);
	tcase_add_test(pools, spare_workers);
	tcase_add_test(pools, worker_nice);
	tcase_add_test(pools, pipelined_short_calls);
	suite_add_tcase(s, pools);

	TCase *inst = tcase_create("instances");
	tcase_add_checked_fixture(inst, setup, teardown);
	tcase_add_test(inst, instance_state_persists);
	tcase_add_test(inst, instance_timeout_ends_it);
	tcase_add_test(inst, instance_killed_worker_ends_it);
	tcase_add_test(inst, instance_calls_in_order);
	tcase_add_test(inst, instance_global_cap);
	tcase_add_test(inst, snapshot_fresh_instances);
	tcase_add_test(inst, init_export_snapshot);
	suite_add_tcase(s, inst);

	TCase *life = tcase_create("lifetime");
	tcase_set_timeout(life, 30);
	tcase_add_test(life, unprivileged_user);
	tcase_add_test(life, supervisor_crash_leaves_nothing);
	suite_add_tcase(s, life);

	TCase *load = tcase_create("load");
	tcase_set_timeout(load, 240);
	tcase_add_test(load, load_1000_mixed);
	suite_add_tcase(s, load);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sandbox_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
