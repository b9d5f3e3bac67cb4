/* check_policy.c -- try-syscall: a child applies the worker's confinement
 * (limits.c + policy.c, exactly as a worker does) and then attempts one
 * thing; the parent checks how it was stopped (SIGSYS, or the errno) and
 * fails if it succeeded.  Positive controls check that the steady state
 * still works.  Every case runs twice: as the test's user and as nobody
 * (65534), since the service runs unprivileged.
 *
 * Plain builds only: under AddressSanitizer the policy runs in its relaxed
 * mode (see sandbox/policy.c), so this program skips (exit 77). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>

#include "internal.h"

enum expect { DIES_SIGSYS, FAILS_ERRNO, WORKS };

static uintptr_t code_base;
static sb_bpf bpf;
static bool as_nobody;

/* Each attempt returns 0 if the thing was done, else errno. */
typedef int (*attempt_fn)(void);

static int rc_of(long r) { return r < 0 ? errno : 0; }

static int try_open(void) { return rc_of(open("/etc/passwd", O_RDONLY)); }
static int try_socket(void) { return rc_of(socket(AF_INET, SOCK_STREAM, 0)); }
static int try_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(80), .sin_addr.s_addr = htonl(0x7f000001) };
	return rc_of(connect(SB_IPC_FD, (struct sockaddr *)&a, sizeof a));
}
static int try_fork(void) { return rc_of(fork()); }
static int try_clone3(void) { return rc_of(syscall(SYS_clone3, NULL, 0)); }
static int try_vfork(void) { return rc_of(syscall(SYS_vfork)); }
static int try_execve(void)
{
	char *argv[] = { "true", NULL };
	return rc_of(execve("/bin/true", argv, argv + 1));
}
static int try_ptrace(void) { return rc_of(ptrace(PTRACE_TRACEME, 0, 0, 0)); }
static int try_write_stdout(void) { return rc_of(write(1, "x", 1)); }
static int try_write_fd0(void) { return rc_of(write(0, "x", 1)); }
static int try_mmap_rwx(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? errno : 0;
}
static int try_mmap_rx(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? errno : 0;
}
static void *rw_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(90);
	return p;
}
static int try_mprotect_wx(void)
{
	return rc_of(mprotect(rw_page(), 4096,
		PROT_READ | PROT_WRITE | PROT_EXEC));
}
static int try_mprotect_x_outside(void)
{
	return rc_of(mprotect(rw_page(), 4096, PROT_READ | PROT_EXEC));
}
/* Inside the region but running past its end. */
static int try_mprotect_x_too_long(void)
{
	return rc_of(mprotect((void *)code_base, SB_CODE_REGION_BYTES,
		PROT_READ | PROT_EXEC));
}
static int try_mprotect_wx_in_code(void)
{
	return rc_of(mprotect((void *)code_base, 4096,
		PROT_READ | PROT_WRITE | PROT_EXEC));
}
static int try_kill_parent(void)
{
	return rc_of(kill(getppid(), SIGKILL));
}
static int try_kill_pid1(void)
{
	return rc_of(syscall(SYS_kill, 1, 0));
}
static int try_setuid(void) { return rc_of(syscall(SYS_setuid, 0)); }
static int try_setresuid(void) { return rc_of(syscall(SYS_setresuid, 0, 0, 0)); }
static int try_capset(void) { return rc_of(syscall(SYS_capset, NULL, NULL)); }
/* Undo PR_SET_DUMPABLE 0. */
static int try_prctl(void) { return rc_of(syscall(SYS_prctl, 4, 1, 0, 0, 0)); }
static int try_unshare(void) { return rc_of(syscall(SYS_unshare, 0x10000000)); }
static int try_mremap(void)
{
	void *p = rw_page();
	void *q = mremap(p, 4096, 8192, MREMAP_MAYMOVE);
	return q == MAP_FAILED ? errno : 0;
}

/* The snapshot file (every confined child here has one at SB_SNAPSHOT_FD,
 * as workers do): only MAP_FIXED, never executable, never in or reaching
 * the code region, and no new file. */
#define SNAP_FILE_BYTES (1u << 20)
static int try_snap_in_code(void)
{
	void *p = mmap((void *)code_base, 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_FIXED, SB_SNAPSHOT_FD, 0);
	return p == MAP_FAILED ? errno : 0;
}
static int try_snap_reaching_code(void)
{
	void *p = mmap((void *)(code_base - 4096), 8192, PROT_READ,
		MAP_PRIVATE | MAP_FIXED, SB_SNAPSHOT_FD, 0);
	return p == MAP_FAILED ? errno : 0;
}
static int try_snap_not_fixed(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		SB_SNAPSHOT_FD, 0);
	return p == MAP_FAILED ? errno : 0;
}
/* len bytes of PROT_NONE where the filter lets the file go, or exit 88
 * (no room there: not the filter's doing).  New mappings go top-down,
 * often just below the code region: the start of a reservation 4 GiB
 * longer than needed lies far enough below it, as a linear memory's
 * 8 GiB reservation does. */
static uint8_t *snap_window(size_t len)
{
	uint8_t *p = mmap(NULL, SB_SNAPSHOT_MAX_BYTES + len, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED || (uintptr_t)p > sb_snapshot_map_end(code_base))
		_exit(88);
	return p;
}
static int try_snap_exec(void)
{
	void *p = mmap(snap_window(4096), 4096, PROT_READ | PROT_EXEC,
		MAP_PRIVATE | MAP_FIXED, SB_SNAPSHOT_FD, 0);
	return p == MAP_FAILED ? errno : 0;
}
static int try_map_other_fd(void)
{
	void *p = mmap(snap_window(4096), 4096, PROT_READ,
		MAP_PRIVATE | MAP_FIXED, SB_IPC_FD, 0);
	return p == MAP_FAILED ? errno : 0;
}
static int try_memfd_create(void)
{
	return rc_of(syscall(SYS_memfd_create, "x", 0));
}
static int try_ftruncate(void)
{
	return rc_of(ftruncate(SB_SNAPSHOT_FD, 2 * SNAP_FILE_BYTES));
}

/* Positive controls. */
static int ok_ipc_write(void)
{
	return write(SB_IPC_FD, "ok", 2) == 2 ? 0 : errno;
}
static int ok_memory(void)
{
	uint8_t *p = mmap(NULL, 1 << 20, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	if (mprotect(p, 65536, PROT_READ | PROT_WRITE) != 0)
		return errno;
	p[100] = 1;
	void *h = malloc(10 << 20);
	if (!h)
		return ENOMEM;
	memset(h, 1, 10 << 20);
	free(h);
	return rc_of(munmap(p, 1 << 20));
}
static int ok_code_region(void)
{
	void *p = mmap((void *)code_base, 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	((uint8_t *)p)[0] = 0xc3;   /* ret */
	return rc_of(mprotect(p, 4096, PROT_READ | PROT_EXEC));
}
static void *thread_noop(void *arg) { return arg; }
/* A thread made after the filter: clone is refused. */
static int try_thread(void)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, thread_noop, NULL);
	return e ? e : rc_of(pthread_join(t, NULL));
}

/* The engine's compile thread, started by sb_confine_apply before the
 * filter (the attempt's `engine`), compiles under the filter: (module
 * (func (export "isum") (param i32) (result i32) (local i32) a loop
 * adding n ^ 5 for n down to 1)), run once for long enough that baseline
 * code hands it to tier 2, which the thread compiles while the loop runs
 * on; the loop then moves into tier-2 code (OSR) and the answer is
 * checked.  The engine is made before confinement, as the zygote's
 * (run_confined). */
static wasm_engine *child_engine;
static const uint8_t isum_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
	0x03, 0x02, 0x01, 0x00,
	0x07, 0x08, 0x01, 0x04, 'i', 's', 'u', 'm', 0x00, 0x00,
	0x0a, 0x26, 0x01, 0x24, 0x01, 0x01, 0x7f,
	0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01,
	0x20, 0x01, 0x20, 0x00, 0x41, 0x05, 0x73, 0x6a, 0x21, 0x01,
	0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b,
	0x20, 0x01, 0x0b,
};
static int ok_compile_thread(void)
{
	wasm_module *m;
	wasm_instance *inst;
	wasm_extern x;
	wasm_module_stats st;
	const uint32_t n = 200000000;
	uint32_t want = 0;
	if (wasm_module_load(child_engine, isum_wasm, sizeof isum_wasm, &m,
		NULL) != WASM_OK)
		return 70;
	wasm_store *s = wasm_store_new(child_engine);
	if (!s || wasm_instance_new(s, m, NULL, 0, &inst, NULL) != WASM_OK ||
	    !wasm_instance_export(inst, "isum", &x))
		return 71;
	wasm_value a = { .type = WASM_I32, .of.i32 = (int32_t)n }, r;
	if (wasm_func_call(s, x.of.func, &a, 1, &r, 1, NULL) != WASM_OK)
		return 72;
	for (uint32_t k = n; k; k--)
		want += k ^ 5u;
	if ((uint32_t)r.of.i32 != want)
		return 73;
	wasm_module_stats_get(m, &st);
	if (st.tiers[WASM_TIER_OPT].nfuncs != 1 ||
	    st.tiers[WASM_TIER_OPT].osr_entries != 1)
		return 74;
	wasm_store_free(s);
	wasm_module_free(m);
	return 0;
}

/* What a worker does with it: write it through a shared mapping, map it
 * copy-on-write where an instance's memory goes. */
static int ok_snapshot(void)
{
	uint8_t *w = snap_window(SNAP_FILE_BYTES);
	uint8_t *r = snap_window(SNAP_FILE_BYTES);
	if (mmap(w, SNAP_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_FIXED, SB_SNAPSHOT_FD, 0) == MAP_FAILED)
		return errno;
	w[5] = 42;
	if (mmap(r, SNAP_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_FIXED, SB_SNAPSHOT_FD, 0) == MAP_FAILED)
		return errno;
	if (r[5] != 42)
		return 87;
	r[5] = 7;   /* a private copy of the page */
	return w[5] == 42 ? 0 : 86;
}

static int ok_random(void)
{
	uint8_t b[16];
	return getrandom(b, sizeof b, 0) == sizeof b ? 0 : errno;
}

static const struct attempt {
	const char *name;
	attempt_fn fn;
	enum expect expect;
	int err;          /* with FAILS_ERRNO */
} attempts[] = {
	{ "open a file", try_open, DIES_SIGSYS, 0 },
	{ "socket", try_socket, DIES_SIGSYS, 0 },
	{ "connect", try_connect, DIES_SIGSYS, 0 },
	{ "fork", try_fork, DIES_SIGSYS, 0 },
	{ "clone3", try_clone3, DIES_SIGSYS, 0 },
	{ "vfork", try_vfork, DIES_SIGSYS, 0 },
	{ "execve", try_execve, DIES_SIGSYS, 0 },
	{ "ptrace", try_ptrace, DIES_SIGSYS, 0 },
	{ "write to stdout", try_write_stdout, DIES_SIGSYS, 0 },
	{ "write to fd 0", try_write_fd0, DIES_SIGSYS, 0 },
	{ "mmap RWX", try_mmap_rwx, DIES_SIGSYS, 0 },
	{ "mmap RX", try_mmap_rx, DIES_SIGSYS, 0 },
	{ "mprotect W+X", try_mprotect_wx, DIES_SIGSYS, 0 },
	{ "mprotect X outside the code region", try_mprotect_x_outside,
	  DIES_SIGSYS, 0 },
	{ "mprotect X past the code region", try_mprotect_x_too_long,
	  DIES_SIGSYS, 0 },
	{ "mprotect W+X in the code region", try_mprotect_wx_in_code,
	  DIES_SIGSYS, 0 },
	{ "kill the parent", try_kill_parent, DIES_SIGSYS, 0 },
	{ "kill pid 1", try_kill_pid1, DIES_SIGSYS, 0 },
	{ "setuid(0)", try_setuid, DIES_SIGSYS, 0 },
	{ "setresuid(0)", try_setresuid, DIES_SIGSYS, 0 },
	{ "capset", try_capset, DIES_SIGSYS, 0 },
	{ "prctl(PR_SET_DUMPABLE, 1)", try_prctl, DIES_SIGSYS, 0 },
	{ "unshare(CLONE_NEWUSER)", try_unshare, DIES_SIGSYS, 0 },
	{ "mremap (refused softly)", try_mremap, FAILS_ERRNO, ENOSYS },
	{ "snapshot file mapped into the code region", try_snap_in_code,
	  DIES_SIGSYS, 0 },
	{ "snapshot file mapped up to the code region",
	  try_snap_reaching_code, DIES_SIGSYS, 0 },
	{ "snapshot file mapped without MAP_FIXED", try_snap_not_fixed,
	  DIES_SIGSYS, 0 },
	{ "snapshot file mapped executable", try_snap_exec, DIES_SIGSYS, 0 },
	{ "another fd mapped", try_map_other_fd, DIES_SIGSYS, 0 },
	{ "memfd_create", try_memfd_create, DIES_SIGSYS, 0 },
	{ "ftruncate the snapshot file", try_ftruncate, DIES_SIGSYS, 0 },
	{ "write to the IPC socket", ok_ipc_write, WORKS, 0 },
	{ "memory: reserve, grow, malloc, free", ok_memory, WORKS, 0 },
	{ "RW then RX in the code region", ok_code_region, WORKS, 0 },
	{ "getrandom", ok_random, WORKS, 0 },
	{ "a thread made after the filter", try_thread, DIES_SIGSYS, 0 },
	{ "tier 2's compile thread under the filter", ok_compile_thread,
	  WORKS, 0 },
	{ "snapshot: written shared, mapped copy-on-write", ok_snapshot,
	  WORKS, 0 },
};

/* Runs attempt i confined in a child; returns its wait status. */
static int run_confined(const struct attempt *a, int *sock_peer)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		if (as_nobody && getuid() == 0 &&
		    (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(91);
		/* A snapshot file, made before the filter as a worker's. */
		int snap = memfd_create("check-policy", MFD_CLOEXEC);
		if (snap < 0 || ftruncate(snap, SNAP_FILE_BYTES) != 0)
			_exit(93);
		struct sb_confine c = { .ipc_fd = sv[1], .snapshot_fd = snap,
			.data_bytes = sb_data_limit_bytes(1024, 1 << 20),
			.bpf = &bpf };
		/* ok_compile_thread: confined with an engine whose compile
		 * thread starts before the filter */
		if (a->fn == ok_compile_thread) {
			wasm_config cfg;
			wasm_config_default(&cfg);
			cfg.tier = WASM_TIER_AUTO;
			cfg.tier_threshold = 10;
			cfg.opt_threshold = 1000;
			cfg.code_region = (void *)code_base;
			cfg.code_region_bytes = SB_CODE_REGION_BYTES / 2;
			if (!(child_engine = wasm_engine_new(&cfg)))
				_exit(93);
			sb_engine_warm_up(child_engine);
			c.engine = child_engine;
		}
		const char *step;
		if (sb_confine_apply(&c, &step) != 0)
			_exit(92);
		int e = a->fn();
		_exit(e == 0 ? 0 : (e > 0 && e < 80 ? e : 89));
	}
	close(sv[1]);
	*sock_peer = sv[0];
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void check_attempt(int i)
{
	const struct attempt *a = &attempts[i];
	int peer;
	int st = run_confined(a, &peer);
	char what[160];

	snprintf(what, sizeof what, "%s%s", a->name,
		as_nobody ? " (as nobody)" : "");
	switch (a->expect) {
	case DIES_SIGSYS:
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
			"%s: not stopped by SIGSYS (status 0x%x)", what, st);
		break;
	case FAILS_ERRNO:
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == a->err,
			"%s: wanted errno %d (status 0x%x)", what, a->err, st);
		break;
	case WORKS:
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			"%s: failed (status 0x%x)", what, st);
		break;
	}
	close(peer);
}

START_TEST(attempt_as_user)
{
	as_nobody = false;
	check_attempt(_i);
}
END_TEST

START_TEST(attempt_as_nobody)
{
	as_nobody = true;
	check_attempt(_i);
}
END_TEST

/* The confined process keeps exactly its socket, no env, and the limits. */
START_TEST(confined_state)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setenv("SB_SECRET", "x", 1);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		int extra = open("/dev/null", O_RDONLY);
		(void)extra;
		struct sb_confine c = { .ipc_fd = sv[1], .snapshot_fd = -1,
			.bpf = &bpf };
		const char *step;
		if (sb_confine_apply(&c, &step) != 0)
			_exit(1);
		/* The environment is empty. */
		const char *report = getenv("SB_SECRET") ? "1" : "0";
		if (write(SB_IPC_FD, report, 1) < 0)
			_exit(2);
		char buf[1];
		/* Wait for the parent to look at /proc. */
		if (read(SB_IPC_FD, buf, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(sv[1]);
	char got[8] = { 0 };
	ck_assert_int_gt(read(sv[0], got, sizeof got - 1), 0);
	ck_assert_str_eq(got, "0");
	char spath[64], line[256];
	snprintf(spath, sizeof spath, "/proc/%d/status", (int)pid);
	FILE *f = fopen(spath, "r");
	ck_assert_ptr_nonnull(f);
	int seccomp = -1, nnp = -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Seccomp:", 8) == 0)
			seccomp = atoi(line + 8);
		if (strncmp(line, "NoNewPrivs:", 11) == 0)
			nnp = atoi(line + 11);
	}
	fclose(f);
	ck_assert_int_eq(seccomp, 2);
	ck_assert_int_eq(nnp, 1);
	snprintf(spath, sizeof spath, "/proc/%d/limits", (int)pid);
	f = fopen(spath, "r");
	ck_assert_ptr_nonnull(f);
	bool nofile = false, nproc = false, core = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Max open files", 14) == 0)
			nofile = strstr(line, " 4 ") != NULL;
		if (strncmp(line, "Max processes", 13) == 0)
			nproc = strstr(line, " 0 ") != NULL;
		if (strncmp(line, "Max core file size", 18) == 0)
			core = strstr(line, " 0 ") != NULL;
	}
	fclose(f);
	ck_assert(nofile && nproc && core);
	ck_assert_int_eq(write(sv[0], "x", 1), 1);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[0]);
}
END_TEST

int main(void)
{
#if SB_RELAXED
	puts("check_policy: sanitizer build, the policy is relaxed: skipped");
	return 77;
#endif
	code_base = sb_code_region_reserve();
	sb_policy pol = { .ipc_fd = SB_IPC_FD, .code_base = code_base };
	if (!code_base || sb_policy_compile(&pol, &bpf) != 0) {
		fprintf(stderr, "check_policy: cannot build the policy\n");
		return 1;
	}
	char text[8192];
	sb_policy_describe(&pol, text, sizeof text);
	printf("allowed syscalls:\n%s", text);

	int n = (int)(sizeof attempts / sizeof attempts[0]);
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("try-syscall");
	tcase_add_loop_test(tc, attempt_as_user, 0, n);
	tcase_add_loop_test(tc, attempt_as_nobody, 0, n);
	tcase_add_test(tc, confined_state);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	sb_bpf_free(&bpf);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
