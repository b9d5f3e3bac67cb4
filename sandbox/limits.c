/* limits.c -- the confinement steps every worker applies to itself, in the
 * order of the issue: fds, environment, rlimits, capabilities,
 * no_new_privs, dumpable, seccomp.  The engine's compile thread (tier 2,
 * decision 15) is made after capabilities, no_new_privs and dumpable,
 * which it inherits, and before RLIMIT_NPROC 0 (a thread counts as a
 * process there) and the filter (no clone afterwards), which is put on
 * both threads at once.  Namespaces are the zygote's (they must
 * be entered before any of this: not from a threaded process, not after
 * PR_SET_DUMPABLE 0 or RLIMIT_NPROC 0). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

uint64_t sb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sb_data_limit_bytes(uint32_t max_pages, uint64_t max_module_bytes)
{
	/* Heap allowance: the store's value and frame stacks (about 10 MiB,
	 * read-write even if untouched), malloc arenas, request copies. */
	const uint64_t heap_bytes = UINT64_C(512) << 20;

	return (uint64_t)max_pages * 65536u + heap_bytes +
		8 * max_module_bytes;
}

/* The IPC socket to SB_IPC_FD and the snapshot file (if any) to
 * SB_SNAPSHOT_FD, each through a copy at a high number first, so that
 * neither can land on the other; then every other fd is closed. */
static int fds_close(int ipc_fd, int snapshot_fd, bool keep_stderr)
{
	int last = snapshot_fd >= 0 ? SB_SNAPSHOT_FD : SB_IPC_FD;
	int ipc_hi = fcntl(ipc_fd, F_DUPFD_CLOEXEC, 16), snap_hi = -1;

	if (ipc_hi < 0)
		return -errno;
	if (snapshot_fd >= 0 &&
	    (snap_hi = fcntl(snapshot_fd, F_DUPFD_CLOEXEC, 16)) < 0)
		return -errno;
	if (dup2(ipc_hi, SB_IPC_FD) < 0)
		return -errno;
	if (snap_hi >= 0 && dup2(snap_hi, SB_SNAPSHOT_FD) < 0)
		return -errno;
	if (fcntl(SB_IPC_FD, F_SETFD, 0) < 0)
		return -errno;
	for (int fd = 0; fd < SB_IPC_FD; fd++)
		if (!(keep_stderr && fd == 2))
			close(fd);
	if (syscall(SYS_close_range, last + 1, ~0u, 0) != 0) {
		/* Older kernels: close what the fd table can hold. */
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = last + 1; fd < max && fd < 65536; fd++)
			close((int)fd);
	}
	return 0;
}

static int rlimit_set(int res, uint64_t v)
{
	struct rlimit rl = { .rlim_cur = v, .rlim_max = v };
	return setrlimit(res, &rl) == 0 ? 0 : -errno;
}

/* Empties the bounding set (a later execve could not regain a capability
 * even without no_new_privs), the ambient set, then the effective,
 * permitted and inheritable sets.  Dropping from the bounding set needs
 * CAP_SETPCAP: a root daemon's workers, and workers in a user namespace,
 * have it; a worker that lacks it (an unprivileged daemon without user
 * namespaces) has no capability to lose, so its bounding set is left as
 * it is, and no_new_privs keeps it unusable. */
static int caps_drop(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof data);
	if (syscall(SYS_capget, &hdr, data) != 0)
		return -errno;
	bool can_drop = (data[CAP_SETPCAP / 32].effective &
		(1u << (CAP_SETPCAP % 32))) != 0;
	/* PR_CAPBSET_READ fails with EINVAL past the kernel's last cap. */
	for (int cap = 0; can_drop && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0;
	     cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		return -errno;   /* EINVAL: a kernel without ambient caps */
	memset(data, 0, sizeof data);
	return syscall(SYS_capset, &hdr, data) == 0 ? 0 : -errno;
}

int sb_confine_apply(const struct sb_confine *c, const char **step)
{
	int rc;

#define STEP(name, expr)                                                   \
	do {                                                               \
		*step = name;                                              \
		if ((rc = (expr)) != 0)                                    \
			return rc;                                         \
	} while (0)

	STEP("close fds", fds_close(c->ipc_fd, c->snapshot_fd, c->relaxed));
	STEP("environment", clearenv() == 0 ? 0 : -ENOMEM);
	STEP("RLIMIT_NOFILE", rlimit_set(RLIMIT_NOFILE, SB_IPC_FD + 1));
	STEP("RLIMIT_CORE", rlimit_set(RLIMIT_CORE, 0));
	STEP("RLIMIT_FSIZE", rlimit_set(RLIMIT_FSIZE, 0));
	/* ASan's shadow already exceeds any sane RLIMIT_DATA; with it the
	 * backstop is left out (relaxed mode). */
	if (c->data_bytes && !c->relaxed)
		STEP("RLIMIT_DATA", rlimit_set(RLIMIT_DATA, c->data_bytes));
	STEP("capabilities", caps_drop());
	STEP("PR_SET_NO_NEW_PRIVS",
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : -errno);
	STEP("PR_SET_DUMPABLE",
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -errno);
	/* Without the thread (clone failed: the user's process limit, no
	 * memory) the engine compiles tier 2 on the running thread: slower
	 * to tier up, not a worker that cannot start. */
	if (c->engine &&
	    wasm_engine_start_compile_thread(c->engine) != WASM_OK) {
		/* nothing more to do: the engine's scheduler is synchronous */
	}
	STEP("RLIMIT_NPROC", rlimit_set(RLIMIT_NPROC, 0));
	STEP("seccomp", sb_policy_load(c->bpf));
#undef STEP
	*step = NULL;
	return 0;
}

/* (module (func (export "f") (loop $l (br_if $l (i32.const 0)))))
 * Calls once and loops once, so function entry and loop header checks run. */
static const uint8_t warm_up_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type () -> () */
	0x03, 0x02, 0x01, 0x00,                         /* func 0: type 0 */
	0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,       /* export "f" */
	0x0a, 0x0b, 0x01, 0x09, 0x00,                   /* code, 1 body */
	0x03, 0x40, 0x41, 0x00, 0x0d, 0x00, 0x0b,       /* loop .. end */
	0x0b,
};

void sb_engine_warm_up(wasm_engine *engine)
{
	wasm_module *m = NULL;
	wasm_store *s = NULL;
	wasm_instance *inst = NULL;
	wasm_extern ext;

	if (wasm_module_load(engine, warm_up_wasm, sizeof warm_up_wasm, &m,
		NULL) != WASM_OK)
		return;
	s = wasm_store_new(engine);
	if (s && wasm_instance_new(s, m, NULL, 0, &inst, NULL) == WASM_OK &&
	    wasm_instance_export(inst, "f", &ext)) {
		if (wasm_func_call(s, ext.of.func, NULL, 0, NULL, 0, NULL) !=
		    WASM_OK) {
			/* Nothing to do: the handlers are installed either way. */
		}
	}
	if (s)
		wasm_store_free(s);
	wasm_module_free(m);
}
