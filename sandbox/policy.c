/* policy.c -- THE worker seccomp policy: one table, default deny.
 *
 * Anything not in the table kills the whole worker (SECCOMP_RET_KILL_PROCESS,
 * the supervisor sees SIGSYS and reports `killed`).  Every row says why the
 * steady state of a worker needs the call; the worker reaches that steady
 * state (engine initialised, signal handlers and alternate stack installed,
 * code region reserved) before the filter goes in, so nothing of the set-up
 * appears here.  Rows for one syscall are alternatives (OR); conditions
 * inside a row are all required (AND).
 *
 * The libc calls a worker makes once confined, and what they need (checked
 * against glibc 2.36; tests/sandbox/check_sandbox.c drives each under this
 * filter):
 *   malloc/calloc/free     brk, mmap (anonymous), munmap, madvise (trim);
 *                          one arena (M_ARENA_MAX 1, worker.c): a thread
 *                          arena's first shrink opens /proc/sys/vm/
 *                          overcommit_memory, which is refused
 *   realloc                mremap fails (ENOSYS) and glibc copies instead
 *   qsort                  glibc's (before 2.37) asks sysinfo() for the
 *                          memory size the first time it sorts 1 KiB or
 *                          more: nothing a worker runs calls it (front/
 *                          validate.c and tier 2 sort with their own
 *                          code, ir_sort_u64); run-sandbox-cli.sh fails
 *                          if libwasmengine.a or libsandbox.a links it
 *   snprintf/vsnprintf     %s %u %zu %x only in the worker (no %f, no
 *                          width): no call; glibc's work buffer for wide
 *                          fields is malloc anyway
 *   clock_gettime          vDSO, else the row below; the tiers' compile
 *                          time reads the thread's CPU clock
 *                          (CLOCK_THREAD_CPUTIME_ID), which the vDSO never
 *                          serves: always the row below
 *   getrandom, nanosleep   rows below (WASI)
 *   pthread_once, mutexes  futex
 *   the compile thread     made before the filter (clone stays refused);
 *                          waits on a condition variable (futex), its
 *                          malloc arena: mmap, mprotect without
 *                          PROT_EXEC, munmap, madvise; never touches
 *                          code memory (jit/opt/opt_queue.h)
 *   sysconf(_SC_PAGESIZE)  the auxiliary vector, no call
 *   pthread_getattr_np     reads /proc and getrlimit: called only in the
 *                          engine's set-up, before the filter
 *   isatty                 ioctl: only for streams passed through to a host
 *                          fd, which a worker never has
 *   strerror, strtod, setlocale, time/localtime: not called in a worker
 *                          (supervisor and zygote only; C locale)
 */
#include "policy.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* How a row restricts the arguments. */
enum cond {
	ANY,            /* no condition */
	FD_IPC,         /* arg0 == the IPC socket */
	FD_STDERR,      /* arg0 == 2 (relaxed mode only) */
	PROT_NO_EXEC,   /* arg2 (prot) has no PROT_EXEC */
	ANON_NO_EXEC,   /* mmap: no PROT_EXEC, MAP_ANONYMOUS */
	SNAPSHOT_MAP,   /* mmap of SB_SNAPSHOT_FD: no PROT_EXEC, MAP_FIXED,
	                   len <= SB_SNAPSHOT_MAX_BYTES, addr at most
	                   code_base - SB_SNAPSHOT_MAX_BYTES (below the
	                   code region, whole) */
	EXEC_IN_CODE,   /* mprotect(addr in the code region's lower half,
	                   len <= half the region, prot R-X without W) */
	FAIL_ENOSYS,    /* allowed to fail: returns ENOSYS, no kill */
};

struct row {
	int nr;
	const char *name;
	enum cond cond;
	bool relaxed_only;
	const char *why;
};

#define ROW(sys, cond, why) { SCMP_SYS(sys), #sys, cond, false, why }
#define RELAXED(sys, cond, why) { SCMP_SYS(sys), #sys, cond, true, why }

static const struct row policy[] = {
	/* ---- the IPC socket: the only channel to the world ---- */
	ROW(read, FD_IPC, "requests and module bytes from the supervisor"),
	ROW(write, FD_IPC, "results and captured output to the supervisor"),

	/* ---- memory ---- */
	ROW(mmap, ANON_NO_EXEC, "malloc, linear-memory reservations (8 GiB "
		"PROT_NONE), store stacks; anonymous, never executable"),
	ROW(mmap, SNAPSHOT_MAP, "the snapshot file, made before the filter "
		"(after it, memfd_create and ftruncate stay refused and "
		"RLIMIT_FSIZE is 0): written once through a shared mapping, "
		"then mapped copy-on-write into each fresh instance's "
		"reservation; fixed and below the code region, so none of it "
		"can become executable"),
	ROW(mprotect, PROT_NO_EXEC, "memory.grow flips reserved pages to "
		"read-write"),
	ROW(mprotect, EXEC_IN_CODE, "the JIT flips its code RW -> RX, only "
		"inside the code region reserved before the filter"),
	ROW(munmap, ANY, "free memories, stores and large malloc blocks"),
	ROW(madvise, ANY, "malloc returns freed pages to the kernel"),
	ROW(brk, ANY, "malloc's main heap"),
	ROW(mremap, FAIL_ENOSYS, "realloc falls back to malloc+copy; moving "
		"pages could carry code out of the code region"),

	/* ---- signals: wasm traps are SIGSEGV handled in-process ---- */
	ROW(rt_sigreturn, ANY, "return from the fault handler"),
	ROW(rt_sigprocmask, ANY, "siglongjmp out of the fault handler "
		"restores the signal mask"),
	ROW(rt_sigaction, ANY, "a fault that is no wasm trap resets its "
		"handler, so a real bug dies by SIGSEGV, not SIGSYS"),

	/* ---- what programs may ask for (WASI) ---- */
	ROW(clock_gettime, ANY, "WASI clock_time_get when the vDSO cannot; "
		"every compile's thread CPU time (runtime/tier_ops.h)"),
	ROW(clock_getres, ANY, "WASI clock_res_get"),
	ROW(getrandom, ANY, "WASI random_get"),
	ROW(sched_yield, ANY, "WASI sched_yield"),
	ROW(clock_nanosleep, ANY, "WASI poll_oneoff sleeps in slices of at "
		"most 10 ms, checking the deadline between them"),
	ROW(nanosleep, ANY, "the same, on libcs that use the old call"),
	ROW(futex, ANY, "libc-internal locks (pthread_once in the engine); "
		"the compile thread waits for jobs and the running thread hands "
		"them over (mutex, condition variable)"),

	/* ---- the end ---- */
	ROW(exit_group, ANY, "exit on EOF of the socket"),
	ROW(exit, ANY, "exit of a thread (the compile thread never exits "
		"in a worker)"),

	/* ---- relaxed mode (sanitizer builds only, see below) ---- */
	RELAXED(write, FD_STDERR, "sanitizer reports"),
	RELAXED(getpid, ANY, "sanitizer runtime"),
	RELAXED(gettid, ANY, "sanitizer runtime"),
	RELAXED(tgkill, ANY, "sanitizer abort after a report"),
	RELAXED(sched_getaffinity, ANY, "sanitizer runtime"),
	RELAXED(readlink, FAIL_ENOSYS, "sanitizer symbolizer (refused)"),
	RELAXED(openat, FAIL_ENOSYS, "sanitizer runtime (refused)"),
	RELAXED(prctl, FAIL_ENOSYS, "sanitizer runtime (refused)"),
	RELAXED(getrlimit, FAIL_ENOSYS, "sanitizer runtime (refused)"),
	RELAXED(prlimit64, FAIL_ENOSYS, "sanitizer runtime (refused)"),
	RELAXED(sigaltstack, ANY, "sanitizer runtime"),
};

/* Relaxed mode exists because AddressSanitizer cannot live under the real
 * policy: its runtime reserves terabytes of shadow (so RLIMIT_DATA is not
 * set, see limits.c), writes reports to fd 2 and calls a few syscalls of its
 * own.  Only a binary built with -fsanitize=address turns it on; the plain
 * build's tests assert the strict policy. */

static int row_add(scmp_filter_ctx ctx, const struct row *r,
	const sb_policy *p)
{
	const uint64_t half = SB_CODE_REGION_BYTES / 2;
	uint32_t act = SCMP_ACT_ALLOW;

	switch (r->cond) {
	case ANY:
		return seccomp_rule_add(ctx, act, r->nr, 0);
	case FAIL_ENOSYS:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), r->nr, 0);
	case FD_IPC:
		return seccomp_rule_add(ctx, act, r->nr, 1,
			SCMP_A0(SCMP_CMP_EQ, (uint64_t)p->ipc_fd));
	case FD_STDERR:
		return seccomp_rule_add(ctx, act, r->nr, 1,
			SCMP_A0(SCMP_CMP_EQ, 2));
	case PROT_NO_EXEC:
		return seccomp_rule_add(ctx, act, r->nr, 1,
			SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case ANON_NO_EXEC:
		return seccomp_rule_add(ctx, act, r->nr, 2,
			SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),
			SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS,
				MAP_ANONYMOUS));
	case SNAPSHOT_MAP: {
		uintptr_t end = sb_snapshot_map_end(p->code_base);
		if (!end)
			return 0;
		return seccomp_rule_add(ctx, act, r->nr, 5,
			SCMP_A0(SCMP_CMP_LE, (uint64_t)end),
			SCMP_A1(SCMP_CMP_LE, SB_SNAPSHOT_MAX_BYTES),
			SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),
			SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED | MAP_ANONYMOUS,
				MAP_FIXED),
			SCMP_A4(SCMP_CMP_EQ, SB_SNAPSHOT_FD));
	}
	case EXEC_IN_CODE:
		if (!p->code_base)
			return 0;
		/* (addr & (~(size-1) | half)) == base: inside the region and
		 * in its lower half, so addr + len stays inside. */
		return seccomp_rule_add(ctx, act, r->nr, 3,
			SCMP_A0(SCMP_CMP_MASKED_EQ,
				~(SB_CODE_REGION_BYTES - 1) | half,
				(uint64_t)p->code_base),
			SCMP_A1(SCMP_CMP_LE, half),
			SCMP_A2(SCMP_CMP_MASKED_EQ,
				PROT_WRITE | PROT_EXEC, PROT_EXEC));
	}
	return -EINVAL;
}

int sb_policy_compile(const sb_policy *p, sb_bpf *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = -ENOMEM, fd = -1;
	void *buf = NULL;

	memset(out, 0, sizeof *out);
	if (!ctx)
		goto out;
	for (size_t i = 0; i < sizeof policy / sizeof policy[0]; i++) {
		if (policy[i].relaxed_only && !p->relaxed)
			continue;
		if ((rc = row_add(ctx, &policy[i], p)) != 0)
			goto out;
	}
	/* Export the BPF once so that each worker only loads it. */
	fd = memfd_create("sb-policy", MFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = seccomp_export_bpf(ctx, fd)) != 0)
		goto out;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		rc = -EINVAL;
		goto out;
	}
	buf = malloc((size_t)size);
	if (!buf || pread(fd, buf, (size_t)size, 0) != size) {
		rc = buf ? -EIO : -ENOMEM;
		goto out;
	}
	out->filter = buf;
	out->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

void sb_bpf_free(sb_bpf *bpf)
{
	free(bpf->filter);
	bpf->filter = NULL;
	bpf->len = 0;
}

int sb_policy_load(const sb_bpf *bpf)
{
	struct sock_fprog prog = {
		.len = bpf->len,
		.filter = bpf->filter,
	};

	if (!bpf->filter)
		return -EINVAL;
	/* TSYNC: the filter goes on every thread of the process (the
	 * engine's compile thread); a positive answer names a thread that
	 * could not take it. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (rc < 0)
		return -errno;
	return rc == 0 ? 0 : -ESRCH;
}

uintptr_t sb_snapshot_map_end(uintptr_t code_base)
{
	if (code_base < 2 * SB_SNAPSHOT_MAX_BYTES)
		return 0;
	return code_base - SB_SNAPSHOT_MAX_BYTES;
}

uintptr_t sb_code_region_reserve(void)
{
	const size_t size = (size_t)SB_CODE_REGION_BYTES;
	uint8_t *p = mmap(NULL, 2 * size, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	uintptr_t base = ((uintptr_t)p + size - 1) & ~(uintptr_t)(size - 1);
	/* Keep exactly [base, base + size). */
	if (base > (uintptr_t)p)
		munmap(p, base - (uintptr_t)p);
	uintptr_t end = (uintptr_t)p + 2 * size;
	if (end > base + size)
		munmap((void *)(base + size), end - (base + size));
	return base;
}

static const char *cond_text(enum cond c)
{
	switch (c) {
	case ANY: return "any arguments";
	case FD_IPC: return "fd == IPC socket";
	case FD_STDERR: return "fd == 2";
	case PROT_NO_EXEC: return "prot without PROT_EXEC";
	case ANON_NO_EXEC: return "anonymous, prot without PROT_EXEC";
	case SNAPSHOT_MAP: return "snapshot fd, MAP_FIXED, below the code "
		"region";
	case EXEC_IN_CODE: return "PROT_EXEC without PROT_WRITE, inside the "
		"code region";
	case FAIL_ENOSYS: return "fails with ENOSYS";
	}
	return "?";
}

size_t sb_policy_describe(const sb_policy *p, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof policy / sizeof policy[0]; i++) {
		const struct row *r = &policy[i];
		if (r->relaxed_only && !p->relaxed)
			continue;
		int n = snprintf(buf + used, used < len ? len - used : 0,
			"%-15s %-45s %s\n", r->name, cond_text(r->cond), r->why);
		if (n > 0)
			used += (size_t)n;
		if (used >= len)
			used = len ? len - 1 : 0;
	}
	return used;
}
