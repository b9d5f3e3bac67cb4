/* zygote.c -- the process every worker is forked from.
 *
 * The supervisor forks it first thing, while still single-threaded, with
 * clone() into new user/pid/net/mount/ipc namespaces when the kernel allows
 * (as the pid namespace's init its death takes every worker with it).  It
 * prepares what all workers share -- the engine with its signal handlers,
 * the JIT code region, the compiled seccomp filter -- and then only forks
 * workers, kills them on request and reports how they ended.  It never
 * reads untrusted bytes.
 */
#include "internal.h"
#include "ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ZY_MAX_WORKERS 65536

struct zy_child {
	pid_t pid;
	uint64_t id;
};

struct zy {
	const struct sb_zygote_params *p;
	uintptr_t code_base;
	int ctl_fd, sig_fd;
	wasm_engine *engine;
	sb_bpf bpf;
	struct zy_child *kids;
	uint32_t nkids, cap;
};

static void zy_send(struct zy *z, const struct sb_zmsg *m)
{
	while (send(z->ctl_fd, m, sizeof *m, MSG_NOSIGNAL) < 0 &&
	       errno == EINTR)
		;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0) {
		/* The layer then does not work; the worker still confines. */
	}
	close(fd);
}

/* In a new user namespace: map our outer ids to themselves. */
static void userns_map(uid_t uid, gid_t gid)
{
	char line[64];

	write_file("/proc/self/setgroups", "deny");
	snprintf(line, sizeof line, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	write_file("/proc/self/gid_map", line);
	snprintf(line, sizeof line, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	write_file("/proc/self/uid_map", line);
}

/* The caller's environment (it may hold tokens and paths a worker has no
 * business knowing) is zeroed where it lies, not only dropped: the block
 * the kernel put at the top of the stack (which /proc/PID/environ reads;
 * its bounds from /proc/self/stat, so that variables the caller unset are
 * wiped too), any string setenv() made, then the array itself. */
static void env_scrub(void)
{
	extern char **environ;
	unsigned long lo = 0, hi = 0;
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		/* Fields 50 and 51 are env_start and env_end; count from the
		 * ')' that ends the command's name, field 2. */
		char *p = n > 0 ? (buf[n] = '\0', strrchr(buf, ')')) : NULL;
		for (int field = 2; p && field < 50; field++)
			p = strchr(p + 1, ' ');
		if (p)
			sscanf(p, " %lu %lu", &lo, &hi);
	}
	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	if (lo && hi > lo && hi - lo < (64ul << 20))
		explicit_bzero((void *)lo, hi - lo);
	clearenv();
}

static void zy_spawn(struct zy *z, const struct sb_zmsg *req, int fd)
{
	struct sb_zmsg rep = { .type = SB_Z_SPAWNED, .id = req->id };
	pid_t self = getpid();

	if (fd < 0 || req->slot >= z->p->nslots || z->nkids >= ZY_MAX_WORKERS) {
		rep.status = -EINVAL;
		goto out;
	}
	if (z->nkids == z->cap) {
		uint32_t ncap = z->cap ? z->cap * 2 : 64;
		struct zy_child *nk = realloc(z->kids, ncap * sizeof *nk);
		if (!nk) {
			rep.status = -ENOMEM;
			goto out;
		}
		z->kids = nk;
		z->cap = ncap;
	}
	pid_t pid = fork();
	if (pid < 0) {
		rep.status = -errno;
		goto out;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != self)
			_exit(1);
		prctl(PR_SET_NAME, "wh-worker");
		if (z->p->worker_nice) {
			/* Tenant code yields the CPU to the supervisor and the
			 * server; lowering one's own priority needs no
			 * privilege, and failing to is harmless. */
			errno = 0;
			if (nice(z->p->worker_nice) == -1 && errno) {
				/* leave it */
			}
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGCHLD, SIG_DFL);
		/* Every epoch page but ours goes away. */
		uint8_t *base = (uint8_t *)z->p->epoch_base;
		size_t before = (size_t)req->slot * SB_EPOCH_PAGE_BYTES;
		size_t after = (size_t)(z->p->nslots - req->slot - 1) *
			SB_EPOCH_PAGE_BYTES;
		if (before)
			munmap(base, before);
		if (after)
			munmap(base + before + SB_EPOCH_PAGE_BYTES, after);
		struct sb_worker_params wp = {
			.ipc_fd = fd,
			.epoch = (volatile uint64_t *)(base + before),
			.engine = z->engine,
			.bpf = &z->bpf,
			.data_bytes = req->data_bytes,
			.max_frame_bytes = z->p->max_frame_bytes,
			.test_hooks = (req->flags & SB_SPAWN_TEST_HOOKS) != 0,
			.snapshot_bytes = z->p->snapshot_bytes,
			.snapshot_map_end = sb_snapshot_map_end(z->code_base),
		};
		/* fds of the zygote are closed by the confinement. */
		sb_worker_main(&wp);
	}
	z->kids[z->nkids++] = (struct zy_child){ .pid = pid, .id = req->id };
	rep.pid = pid;
out:
	if (fd >= 0)
		close(fd);
	zy_send(z, &rep);
}

static void zy_kill(struct zy *z, uint64_t id)
{
	for (uint32_t i = 0; i < z->nkids; i++)
		if (z->kids[i].id == id) {
			kill(z->kids[i].pid, SIGKILL);
			return;
		}
}

static void zy_reap(struct zy *z)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(z->sig_fd, &si, sizeof si) > 0)
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (uint32_t i = 0; i < z->nkids; i++) {
			if (z->kids[i].pid != pid)
				continue;
			struct sb_zmsg m = { .type = SB_Z_EXITED,
				.id = z->kids[i].id, .pid = pid,
				.status = status };
			z->kids[i] = z->kids[--z->nkids];
			zy_send(z, &m);
			break;
		}
	}
}

/* One control message, maybe with an fd. false on EOF or error. */
static bool zy_ctl(struct zy *z)
{
	struct sb_zmsg m;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof cm.buf };
	int fd = -1;

	ssize_t n = recvmsg(z->ctl_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if ((size_t)n != sizeof m) {
		if (fd >= 0)
			close(fd);
		return true;
	}
	switch (m.type) {
	case SB_Z_SPAWN:
		zy_spawn(z, &m, fd);
		return true;
	case SB_Z_KILL:
		zy_kill(z, m.id);
		break;
	}
	if (fd >= 0)
		close(fd);
	return true;
}

static void __attribute__((noreturn)) zygote_main(
	const struct sb_zygote_params *p, int ctl_fd, bool userns,
	uid_t uid, gid_t gid)
{
	struct zy z = { .p = p, .ctl_fd = ctl_fd };
	sigset_t chld;

	/* Our memory is the caller's: its secrets go before anything else
	 * happens here, and so never reach a worker. */
	if (p->scrub)
		p->scrub(p->scrub_ctx);
	env_scrub();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "wh-zygote");
	/* Out of the terminal's process group: Ctrl-C goes to the supervisor
	 * alone, and its death takes us with it. */
	setpgid(0, 0);
	if (userns)
		userns_map(uid, gid);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	z.sig_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);

	sb_policy pol = { .ipc_fd = SB_IPC_FD,
		.code_base = sb_code_region_reserve(), .relaxed = SB_RELAXED };
	z.code_base = pol.code_base;
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.fuel = p->fuel;
	cfg.tier = p->tier;
	cfg.tier_threshold = p->tier_threshold;
	cfg.opt_threshold = p->opt_threshold;
	cfg.no_avx = p->no_avx;
	/* JIT code goes where the policy allows PROT_EXEC: the region's
	 * lower half (policy.h). */
	cfg.code_region = (void *)pol.code_base;
	cfg.code_region_bytes = pol.code_base ? SB_CODE_REGION_BYTES / 2 : 0;
	z.engine = wasm_engine_new(&cfg);
	struct sb_zmsg ready = { .type = SB_Z_READY, .pid = getpid() };
	if (z.sig_fd < 0 || !z.engine || !pol.code_base)
		ready.status = -ENOMEM;
	else
		ready.status = sb_policy_compile(&pol, &z.bpf);
	zy_send(&z, &ready);
	if (ready.status != 0)
		_exit(2);
	sb_engine_warm_up(z.engine);

	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = z.ctl_fd, .events = POLLIN },
			{ .fd = z.sig_fd, .events = POLLIN },
		};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			zy_reap(&z);
		if (pf[0].revents & POLLIN) {
			if (!zy_ctl(&z))
				break;
		} else if (pf[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
	}
	/* The supervisor is gone: so are the workers. */
	for (uint32_t i = 0; i < z.nkids; i++)
		kill(z.kids[i].pid, SIGKILL);
	_exit(0);
}

static const struct {
	int flags;
	const char *text;
} ns_tries[] = {
	{ CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS |
	  CLONE_NEWIPC, "user pid net mount ipc" },
	{ CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC,
	  "pid net mount ipc" },
	{ 0, "none" },
};

int sb_zygote_start(const struct sb_zygote_params *p, struct sb_zygote *z)
{
	int sv[2];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int first_errno = 0;

	memset(z, 0, sizeof *z);
	z->ctl_fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	for (size_t i = 0; i < sizeof ns_tries / sizeof ns_tries[0]; i++) {
		int flags = ns_tries[i].flags;
		if (!p->try_namespaces && flags)
			continue;
		/* fork semantics with namespace flags; the caller is
		 * single-threaded, so the raw clone is safe. */
		long pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD,
			NULL, NULL, NULL, NULL);
		if (pid == 0) {
			close(sv[0]);
			zygote_main(p, sv[1], (flags & CLONE_NEWUSER) != 0,
				uid, gid);
		}
		if (pid < 0) {
			if (!first_errno)
				first_errno = errno;
			continue;
		}
		close(sv[1]);
		z->pid = (pid_t)pid;
		z->ctl_fd = sv[0];
		struct sb_zmsg ready = { 0 };
		struct pollfd pf = { .fd = sv[0], .events = POLLIN };
		if (poll(&pf, 1, 10000) != 1 ||
		    recv(sv[0], &ready, sizeof ready, 0) != sizeof ready ||
		    ready.type != SB_Z_READY || ready.status != 0) {
			int rc = ready.type == SB_Z_READY && ready.status ?
				ready.status : -ECHILD;
			kill(z->pid, SIGKILL);
			waitpid(z->pid, NULL, 0);
			close(sv[0]);
			z->ctl_fd = -1;
			return rc;
		}
		if (flags || !p->try_namespaces)
			snprintf(z->layers, sizeof z->layers,
				"namespaces: %s", ns_tries[i].text);
		else
			snprintf(z->layers, sizeof z->layers,
				"namespaces: none (%s)", strerror(first_errno));
		return 0;
	}
	close(sv[0]);
	close(sv[1]);
	return -(first_errno ? first_errno : EAGAIN);
}
