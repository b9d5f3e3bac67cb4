/* wasi.c -- WASI preview1: the context, linking by name and signature,
 * args/environ, clocks, random, proc_*, stdio reads and writes, poll_oneoff
 * and the socket stubs.  The file tree and the other fd_ / path_ calls are
 * in wasi_fs.c.
 *
 * Every host function answers through slot 0 with a preview1 errno; the
 * only non-OK returns are proc_exit (WASM_ERR_EXIT) and a deadline that
 * passes while poll_oneoff sleeps (a timeout trap, as the code would have
 * taken had it been spinning). */
#include "wasi/wasi_impl.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define A32(i) ((uint32_t)s[i])
#define A64(i) (s[i])
#define RET(e) do { s[0] = (uint64_t)(e); return WASM_OK; } while (0)

static void wasi_error(wasm_error *err, wasm_status st, const char *fmt,
	const char *a, const char *b)
{
	if (!err)
		return;
	memset(err, 0, sizeof *err);
	err->status = st;
	err->offset = SIZE_MAX;
	err->func_index = WASM_NO_INDEX;
	snprintf(err->message, sizeof err->message, fmt, a, b);
}

/* ---- guest memory helpers ---------------------------------------------- */

uint16_t wasi_iovs_check(wasi_mem m, uint32_t iovs, uint32_t n,
	uint64_t *total)
{
	uint64_t sum = 0;

	*total = 0;
	if (!wasi_mem_ok(m, iovs, (uint64_t)n * 8))
		return WASI_EFAULT;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = m.base + iovs + (uint64_t)i * 8;
		uint32_t buf = wasi_ld32(e), len = wasi_ld32(e + 4);
		if (!wasi_mem_ok(m, buf, len))
			return WASI_EFAULT;
		sum += len;
		if (sum > UINT32_MAX)
			return WASI_EINVAL;
	}
	*total = sum;
	return WASI_ESUCCESS;
}

/* ---- args and environ -------------------------------------------------- */

/* Writes count pointers at ptrs and the NUL-terminated strings at buf. */
static uint16_t strings_get(wasi_mem m, char *const *strs, uint32_t count,
	uint64_t bytes, uint32_t ptrs, uint32_t buf)
{
	if (!wasi_mem_ok(m, ptrs, (uint64_t)count * 4) ||
	    !wasi_mem_ok(m, buf, bytes))
		return WASI_EFAULT;
	uint64_t at = buf;
	for (uint32_t i = 0; i < count; i++) {
		size_t n = strlen(strs[i]) + 1;
		wasi_st32(m.base + ptrs + (uint64_t)i * 4, (uint32_t)at);
		memcpy(m.base + at, strs[i], n);
		at += n;
	}
	return WASI_ESUCCESS;
}

static uint16_t sizes_get(wasi_mem m, uint32_t count, uint64_t bytes,
	uint32_t count_ptr, uint32_t bytes_ptr)
{
	if (!wasi_mem_ok(m, count_ptr, 4) || !wasi_mem_ok(m, bytes_ptr, 4))
		return WASI_EFAULT;
	wasi_st32(m.base + count_ptr, count);
	wasi_st32(m.base + bytes_ptr, (uint32_t)bytes);
	return WASI_ESUCCESS;
}

static wasm_status wasi_args_get(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	RET(strings_get(wasi_mem_of(c), w->argv, w->argc, w->argv_bytes,
		A32(0), A32(1)));
}

static wasm_status wasi_args_sizes_get(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	wasi_ctx *w = env;
	RET(sizes_get(wasi_mem_of(c), w->argc, w->argv_bytes, A32(0), A32(1)));
}

static wasm_status wasi_environ_get(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	RET(strings_get(wasi_mem_of(c), w->env, w->envc, w->env_bytes,
		A32(0), A32(1)));
}

static wasm_status wasi_environ_sizes_get(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	wasi_ctx *w = env;
	RET(sizes_get(wasi_mem_of(c), w->envc, w->env_bytes, A32(0), A32(1)));
}

/* ---- clocks, random, proc ---------------------------------------------- */

static bool clock_of(uint32_t id, clockid_t *out)
{
	switch (id) {
	case 0: *out = CLOCK_REALTIME; return true;
	case 1: *out = CLOCK_MONOTONIC; return true;
	case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
	case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
	default: return false;
	}
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static bool clock_now(uint32_t id, uint64_t *ns)
{
	clockid_t cid;
	struct timespec ts;

	if (!clock_of(id, &cid) || clock_gettime(cid, &ts) != 0)
		return false;
	*ns = ts_ns(&ts);
	return true;
}

static wasm_status wasi_clock_res_get(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	clockid_t cid;
	struct timespec ts;

	if (!clock_of(A32(0), &cid) || clock_getres(cid, &ts) != 0)
		RET(WASI_EINVAL);
	RET(wasi_put64(wasi_mem_of(c), A32(1), ts_ns(&ts)) ? WASI_ESUCCESS
		: WASI_EFAULT);
}

static wasm_status wasi_clock_time_get(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	uint64_t ns;

	/* s[1] is the precision, a hint. */
	if (!clock_now(A32(0), &ns))
		RET(WASI_EINVAL);
	RET(wasi_put64(wasi_mem_of(c), A32(2), ns) ? WASI_ESUCCESS
		: WASI_EFAULT);
}

static wasm_status wasi_random_get(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	uint32_t buf = A32(0), len = A32(1);

	if (!wasi_mem_ok(m, buf, len))
		RET(WASI_EFAULT);
	for (uint64_t done = 0; done < len;) {
		ssize_t n = getrandom(m.base + buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			RET(WASI_EIO);
		done += (uint64_t)n;
	}
	RET(WASI_ESUCCESS);
}

static wasm_status wasi_proc_exit(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;

	w->exited = true;
	w->exit_code = (int)A32(0);
	return wasm_call_exit(c, w->exit_code);
}

static wasm_status wasi_proc_raise(wasm_call_ctx *c, void *env, uint64_t *s)
{
	RET(WASI_ENOSYS);
}

/* Nothing to yield to: one program per store.  Succeeds without a system
 * call (the sandbox policy need not allow sched_yield). */
static wasm_status wasi_sched_yield(wasm_call_ctx *c, void *env, uint64_t *s)
{
	RET(WASI_ESUCCESS);
}

/* ---- stdio ------------------------------------------------------------- */

static uint16_t errno_of(int e)
{
	switch (e) {
	case EAGAIN: return WASI_EAGAIN;
	case EBADF: return WASI_EBADF;
	case EINTR: return WASI_EINTR;
	case EINVAL: return WASI_EINVAL;
	case EISDIR: return WASI_EISDIR;
	case ENOSPC: return WASI_ENOSPC;
	case EPIPE: return WASI_EPIPE;
	default: return WASI_EIO;
	}
}

/* Appends up to the cap; the rest is dropped and flagged. */
static bool capture(wasi_stream_out *o, const uint8_t *p, size_t n)
{
	size_t room = o->max_bytes - o->len;

	if (n == 0)
		return true;   /* o->data may still be NULL */
	if (n > room) {
		n = room;
		o->truncated = true;
		if (n == 0)
			return true;
	}
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n)
			cap = cap > o->max_bytes / 2 ? o->max_bytes : cap * 2;
		uint8_t *d = realloc(o->data, cap);
		if (!d)
			return false;
		o->data = d;
		o->cap = cap;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
	return true;
}

/* Writes all of p to a host fd.  *done counts what went out. */
static uint16_t write_fd(int fd, const uint8_t *p, size_t n, uint64_t *done)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return errno_of(r < 0 ? errno : EIO);
		p += r;
		n -= (size_t)r;
		*done += (uint64_t)r;
	}
	return WASI_ESUCCESS;
}

static wasm_status wasi_fd_write(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	wasi_mem m = wasi_mem_of(c);
	uint32_t iovs = A32(1), n = A32(2), out = A32(3);
	wasi_fd *f = wasi_fd_get(w, A32(0));
	uint64_t total, done = 0;
	uint16_t e;

	if (!f)
		RET(WASI_EBADF);
	if (!(f->rights_base & WASI_RIGHT_FD_WRITE))
		RET(WASI_EBADF);           /* stdin, or a file of the tree */
	if (!wasi_mem_ok(m, out, 4))
		RET(WASI_EFAULT);
	if ((e = wasi_iovs_check(m, iovs, n, &total)) != WASI_ESUCCESS)
		RET(e);
	wasi_stream_out *o = &w->out[f->kind == WASI_FD_STDOUT ? 0 : 1];
	for (uint32_t i = 0; i < n && e == WASI_ESUCCESS; i++) {
		const uint8_t *iov = m.base + iovs + (uint64_t)i * 8;
		const uint8_t *p = m.base + wasi_ld32(iov);
		uint32_t len = wasi_ld32(iov + 4);
		if (o->to_fd) {
			e = write_fd(o->fd, p, len, &done);
		} else if (capture(o, p, len)) {
			done += len;
		} else {
			e = WASI_ENOMEM;
		}
	}
	if (e != WASI_ESUCCESS && done == 0)
		RET(e);
	wasi_st32(m.base + out, (uint32_t)done);
	RET(WASI_ESUCCESS);
}

/* Reads from stdin into the iovecs (already checked).  A host fd stops at
 * the first short read, as readv would. */
static uint16_t stdin_read(wasi_ctx *w, wasi_mem m, uint32_t iovs,
	uint32_t n, uint32_t *nread)
{
	uint64_t done = 0;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *iov = m.base + iovs + (uint64_t)i * 8;
		uint8_t *p = m.base + wasi_ld32(iov);
		uint32_t len = wasi_ld32(iov + 4);
		if (!w->stdin_from_fd) {
			size_t left = w->stdin_len - w->stdin_pos;
			size_t k = len < left ? len : left;
			if (k)
				memcpy(p, w->stdin_data + w->stdin_pos, k);
			w->stdin_pos += k;
			done += k;
			if (k < len)
				break;
			continue;
		}
		if (len == 0)
			continue;
		ssize_t r;
		do
			r = read(w->stdin_fd, p, len);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			if (done)
				break;
			return errno_of(errno);
		}
		done += (uint64_t)r;
		if ((uint32_t)r < len)
			break;
	}
	*nread = (uint32_t)done;
	return WASI_ESUCCESS;
}

static wasm_status wasi_fd_read(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	wasi_mem m = wasi_mem_of(c);
	uint32_t iovs = A32(1), n = A32(2), out = A32(3), nread = 0;
	wasi_fd *f = wasi_fd_get(w, A32(0));
	uint64_t total;
	uint16_t e;

	if (!f)
		RET(WASI_EBADF);
	if (f->kind == WASI_FD_NODE && f->node->dir)
		RET(WASI_EISDIR);
	if (!(f->rights_base & WASI_RIGHT_FD_READ))
		RET(f->kind == WASI_FD_NODE ? WASI_ENOTCAPABLE : WASI_EBADF);
	if (!wasi_mem_ok(m, out, 4))
		RET(WASI_EFAULT);
	if ((e = wasi_iovs_check(m, iovs, n, &total)) != WASI_ESUCCESS)
		RET(e);
	if (f->kind == WASI_FD_STDIN)
		e = stdin_read(w, m, iovs, n, &nread);
	else
		e = wasi_fs_read(f, m, iovs, n, &nread);
	if (e == WASI_ESUCCESS)
		wasi_st32(m.base + out, nread);
	RET(e);
}

/* ---- poll_oneoff ------------------------------------------------------- */

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define POLL_SLICE_NS 10000000u  /* sleep at most this long between
                                    deadline checks */

/* Bytes a read on f would return now, or -1 if it would block (a host
 * stdin with nothing to read). */
static int64_t fd_ready_bytes(wasi_ctx *w, const wasi_fd *f, bool write)
{
	if (write || f->kind == WASI_FD_STDOUT || f->kind == WASI_FD_STDERR)
		return 0;
	if (f->kind == WASI_FD_NODE)
		return f->node->dir || f->offset >= f->node->len ? 0
			: (int64_t)(f->node->len - f->offset);
	if (!w->stdin_from_fd)
		return (int64_t)(w->stdin_len - w->stdin_pos);
	struct pollfd p = { .fd = w->stdin_fd, .events = POLLIN };
	return poll(&p, 1, 0) == 0 ? -1 : 0;
}

/* One pass over the subscriptions: writes the events that are ready and
 * returns how many; *wait_ns gets the time to the earliest clock (UINT64_MAX
 * if none) and *wait_stdin whether a host stdin is being waited for.
 * Relative clock timeouts count from start[id], read once per call. */
static uint32_t poll_scan(wasi_ctx *w, wasi_mem m, uint32_t in, uint32_t out,
	uint32_t nsubs, const uint64_t *start, uint64_t *wait_ns,
	bool *wait_stdin)
{
	uint32_t nev = 0;

	*wait_ns = UINT64_MAX;
	*wait_stdin = false;
	for (uint32_t i = 0; i < nsubs; i++) {
		const uint8_t *sub = m.base + in + (uint64_t)i * SUB_SIZE;
		uint8_t tag = sub[8];
		uint16_t error = WASI_ESUCCESS;
		int64_t nbytes = 0;

		if (tag == 0) {
			uint32_t id = wasi_ld32(sub + 16);
			uint64_t timeout = wasi_ld64(sub + 24), now, due;
			bool abstime = wasi_ld16(sub + 40) & 1;
			/* A relative wait on the realtime clock is measured on
			 * the monotonic one: setting or stepping the time of
			 * day must not end it early or stretch it (as POSIX
			 * says of nanosleep; wasi-libc's usleep and sleep wait
			 * on the realtime clock). */
			uint32_t by = !abstime && id == 0 ? 1 : id;
			if (id > 3 || !clock_now(by, &now)) {
				error = WASI_EINVAL;
			} else {
				due = timeout;
				if (!abstime && __builtin_add_overflow(start[by],
					timeout, &due))
					due = UINT64_MAX;
				if (now < due) {
					if (due - now < *wait_ns)
						*wait_ns = due - now;
					continue;
				}
			}
		} else {
			const wasi_fd *f = wasi_fd_get(w, wasi_ld32(sub + 16));
			if (!f) {
				error = WASI_EBADF;
			} else if (!(f->rights_base &
				     WASI_RIGHT_POLL_FD_READWRITE)) {
				error = WASI_ENOTCAPABLE;
			} else {
				nbytes = fd_ready_bytes(w, f, tag == 2);
				if (nbytes < 0) {
					*wait_stdin = true;
					continue;
				}
			}
		}
		uint8_t *ev = m.base + out + (uint64_t)nev++ * EVENT_SIZE;
		memset(ev, 0, EVENT_SIZE);
		memcpy(ev, sub, 8);              /* userdata */
		wasi_st16(ev + 8, error);
		ev[10] = tag;
		wasi_st64(ev + 16, (uint64_t)nbytes);
	}
	return nev;
}

static bool deadline_passed(wasm_call_ctx *c)
{
	return exec_past_deadline(&c->store->ex);
}

/* Waits until some subscription is ready.  Sleeps in slices so that a
 * store deadline still ends the call (as a timeout trap). */
static wasm_status wasi_poll_oneoff(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	wasi_mem m = wasi_mem_of(c);
	uint32_t in = A32(0), out = A32(1), nsubs = A32(2), nout = A32(3);
	uint64_t start[4] = { 0 }, wait_ns;
	bool wait_stdin;

	if (nsubs == 0)
		RET(WASI_EINVAL);
	if (!wasi_mem_ok(m, in, (uint64_t)nsubs * SUB_SIZE) ||
	    !wasi_mem_ok(m, out, (uint64_t)nsubs * EVENT_SIZE) ||
	    !wasi_mem_ok(m, nout, 4))
		RET(WASI_EFAULT);
	for (uint32_t i = 0; i < nsubs; i++)
		if (m.base[in + (uint64_t)i * SUB_SIZE + 8] > 2)
			RET(WASI_EINVAL);
	for (uint32_t id = 0; id < 4; id++)
		(void)clock_now(id, &start[id]);
	for (;;) {
		uint32_t nev = poll_scan(w, m, in, out, nsubs, start, &wait_ns,
			&wait_stdin);
		if (nev > 0) {
			wasi_st32(m.base + nout, nev);
			RET(WASI_ESUCCESS);
		}
		if (deadline_passed(c))
			return wasm_call_trap(c, WASM_TRAP_TIMEOUT,
				"deadline passed in poll_oneoff");
		if (wait_ns > POLL_SLICE_NS)
			wait_ns = POLL_SLICE_NS;
		if (wait_stdin) {
			struct pollfd p = { .fd = w->stdin_fd, .events = POLLIN };
			(void)poll(&p, 1, (int)((wait_ns + 999999) / 1000000));
		} else {
			struct timespec ts = { 0, (long)wait_ns };
			(void)nanosleep(&ts, NULL);
		}
	}
}

/* ---- sockets: there are none ------------------------------------------ */

static wasm_status sock_answer(wasi_ctx *w, uint32_t fd, uint64_t *s)
{
	RET(wasi_fd_get(w, fd) ? WASI_ENOTSOCK : WASI_EBADF);
}

static wasm_status wasi_sock_accept(wasm_call_ctx *c, void *env, uint64_t *s)
{
	return sock_answer(env, A32(0), s);
}

static wasm_status wasi_sock_recv(wasm_call_ctx *c, void *env, uint64_t *s)
{
	return sock_answer(env, A32(0), s);
}

static wasm_status wasi_sock_send(wasm_call_ctx *c, void *env, uint64_t *s)
{
	return sock_answer(env, A32(0), s);
}

static wasm_status wasi_sock_shutdown(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	return sock_answer(env, A32(0), s);
}

/* ---- the function table ------------------------------------------------ */

/* Parameter types: i = i32, I = i64; every function but proc_exit returns
 * an errno (i32). */
static const struct wasi_fn {
	const char *name;
	const char *params;
	bool noresult;
	wasm_host_fn fn;
} wasi_fns[] = {
#define F(name, params) { #name, params, false, wasi_##name },
	F(args_get, "ii")
	F(args_sizes_get, "ii")
	F(environ_get, "ii")
	F(environ_sizes_get, "ii")
	F(clock_res_get, "ii")
	F(clock_time_get, "iIi")
	F(fd_advise, "iIIi")
	F(fd_allocate, "iII")
	F(fd_close, "i")
	F(fd_datasync, "i")
	F(fd_fdstat_get, "ii")
	F(fd_fdstat_set_flags, "ii")
	F(fd_fdstat_set_rights, "iII")
	F(fd_filestat_get, "ii")
	F(fd_filestat_set_size, "iI")
	F(fd_filestat_set_times, "iIIi")
	F(fd_pread, "iiiIi")
	F(fd_prestat_get, "ii")
	F(fd_prestat_dir_name, "iii")
	F(fd_pwrite, "iiiIi")
	F(fd_read, "iiii")
	F(fd_readdir, "iiiIi")
	F(fd_renumber, "ii")
	F(fd_seek, "iIii")
	F(fd_sync, "i")
	F(fd_tell, "ii")
	F(fd_write, "iiii")
	F(path_create_directory, "iii")
	F(path_filestat_get, "iiiii")
	F(path_filestat_set_times, "iiiiIIi")
	F(path_link, "iiiiiii")
	F(path_open, "iiiiiIIii")
	F(path_readlink, "iiiiii")
	F(path_remove_directory, "iii")
	F(path_rename, "iiiiii")
	F(path_symlink, "iiiii")
	F(path_unlink_file, "iii")
	F(poll_oneoff, "iiii")
	{ "proc_exit", "i", true, wasi_proc_exit },
	F(proc_raise, "i")
	F(sched_yield, "")
	F(random_get, "ii")
	F(sock_accept, "iii")
	F(sock_recv, "iiiiii")
	F(sock_send, "iiiii")
	F(sock_shutdown, "ii")
#undef F
};

#define NFNS (sizeof wasi_fns / sizeof wasi_fns[0])
#define MAX_PARAMS 9

static void fn_type(const struct wasi_fn *f, uint8_t *params,
	uint8_t *result, wasm_functype *t)
{
	size_t n = strlen(f->params);

	for (size_t i = 0; i < n; i++)
		params[i] = f->params[i] == 'I' ? WASM_I64 : WASM_I32;
	*result = WASM_I32;
	t->nparams = (uint32_t)n;
	t->params = params;
	t->nresults = f->noresult ? 0 : 1;
	t->results = result;
}

/* "(i32, i64) -> (i32)" */
static void type_format(const struct wasi_fn *f, char *buf, size_t len)
{
	size_t at = 0;

	at += (size_t)snprintf(buf, len, "(");
	for (const char *p = f->params; *p && at < len; p++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
			p == f->params ? "" : ", ", *p == 'I' ? "i64" : "i32");
	if (at < len)
		snprintf(buf + at, len - at, ") -> (%s)",
			f->noresult ? "" : "i32");
}

static bool type_equal(const wasm_functype *a, const wasm_functype *b)
{
	return a->nparams == b->nparams && a->nresults == b->nresults &&
		memcmp(a->params, b->params, a->nparams) == 0 &&
		(a->nresults == 0 ||
		 memcmp(a->results, b->results, a->nresults) == 0);
}

/* Whether name (len bytes, NULs allowed) is exactly the text lit: imports
 * link by their exact bytes, so "fd_write\0x" is not fd_write. */
static bool name_is(const char *name, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(name, lit, len) == 0;
}

bool wasi_module_uses(const wasm_module *m)
{
	uint32_t n = wasm_module_import_count(m);

	for (uint32_t i = 0; i < n; i++) {
		wasm_extern_desc d;
		wasm_module_import(m, i, &d);
		if (name_is(d.module, d.module_len, WASI_MODULE_NAME))
			return true;
	}
	return false;
}

wasm_status wasi_link(wasi_ctx *ctx, wasm_store *store, const wasm_module *m,
	wasm_extern *imports_out, wasm_error *err)
{
	uint32_t n = wasm_module_import_count(m);

	for (uint32_t i = 0; i < n; i++) {
		wasm_extern_desc d;
		wasm_module_import(m, i, &d);
		if (!name_is(d.module, d.module_len, WASI_MODULE_NAME))
			continue;
		const struct wasi_fn *f = NULL;
		for (size_t k = 0; k < NFNS && !f; k++)
			if (name_is(d.name, d.name_len, wasi_fns[k].name))
				f = &wasi_fns[k];
		if (!f) {
			char name[96];
			wasm_name_format(d.name, d.name_len, name, sizeof name);
			wasi_error(err, WASM_ERR_LINK, "unknown import "
				WASI_MODULE_NAME ".%s%s (not a preview1 "
				"function)", name, "");
			return WASM_ERR_LINK;
		}
		if (d.kind != WASM_EXTERN_FUNC) {
			wasi_error(err, WASM_ERR_LINK, "import " WASI_MODULE_NAME
				".%s must be a function, not a %s", d.name,
				wasm_extern_kind_name(d.kind));
			return WASM_ERR_LINK;
		}
		uint8_t params[MAX_PARAMS], result;
		wasm_functype t;
		fn_type(f, params, &result, &t);
		if (!type_equal(&t, &d.func)) {
			char want[128];
			type_format(f, want, sizeof want);
			wasi_error(err, WASM_ERR_LINK, "import " WASI_MODULE_NAME
				".%s has the wrong type; preview1 has %s",
				d.name, want);
			return WASM_ERR_LINK;
		}
		wasm_func *fn = wasm_func_new_host(store, &t, f->fn, ctx);
		if (!fn) {
			wasi_error(err, WASM_ERR_NOMEM, "out of memory%s%s",
				"", "");
			return WASM_ERR_NOMEM;
		}
		imports_out[i].kind = WASM_EXTERN_FUNC;
		imports_out[i].of.func = fn;
	}
	return WASM_OK;
}

/* ---- context ----------------------------------------------------------- */

/* Copies count strings; *bytes = sum of their sizes with NULs. */
static bool strings_copy(const char *const *src, uint32_t count,
	char ***out, uint64_t *bytes)
{
	*bytes = 0;
	*out = calloc((size_t)count + 1, sizeof **out);
	if (!*out)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		const char *str = src[i] ? src[i] : "";
		(*out)[i] = strdup(str);
		if (!(*out)[i])
			return false;
		*bytes += strlen(str) + 1;
	}
	return true;
}

static void strings_free(char **v, uint32_t count)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < count; i++)
		free(v[i]);
	free(v);
}

static void out_init(wasi_stream_out *o, bool to_fd, int fd, size_t max)
{
	o->to_fd = to_fd;
	o->fd = fd;
	o->max_bytes = max ? max : WASI_DEFAULT_OUTPUT_MAX_BYTES;
}

wasm_status wasi_new(const wasi_config *cfg, wasi_ctx **out, wasm_error *err)
{
	wasi_ctx *w = calloc(1, sizeof *w);
	wasm_status st = WASM_ERR_NOMEM;

	*out = NULL;
	if (!w)
		goto fail;
	w->argc = cfg->argc;
	w->envc = cfg->envc;
	if (!strings_copy(cfg->argv, cfg->argc, &w->argv, &w->argv_bytes) ||
	    !strings_copy(cfg->env, cfg->envc, &w->env, &w->env_bytes))
		goto fail;
	if (w->argv_bytes > UINT32_MAX || w->env_bytes > UINT32_MAX) {
		wasi_error(err, WASM_ERR_ARG, "argv or environment larger "
			"than 4 GiB%s%s", "", "");
		st = WASM_ERR_ARG;
		goto fail_reported;
	}
	w->stdin_data = cfg->stdin_data;
	w->stdin_len = cfg->stdin_data ? cfg->stdin_len : 0;
	w->stdin_from_fd = cfg->stdin_from_fd;
	w->stdin_fd = cfg->stdin_fd;
	out_init(&w->out[0], cfg->stdout_to_fd, cfg->stdout_fd,
		cfg->stdout_max_bytes);
	out_init(&w->out[1], cfg->stderr_to_fd, cfg->stderr_fd,
		cfg->stderr_max_bytes);
	st = wasi_fs_init(w, cfg, err);
	if (st != WASM_OK)
		goto fail_reported;
	*out = w;
	return WASM_OK;
fail:
	wasi_error(err, st, "out of memory%s%s", "", "");
fail_reported:
	wasi_free(w);
	return st;
}

void wasi_free(wasi_ctx *w)
{
	if (!w)
		return;
	strings_free(w->argv, w->argc);
	strings_free(w->env, w->envc);
	free(w->out[0].data);
	free(w->out[1].data);
	wasi_fs_free(w);
	free(w);
}

wasm_status wasi_run_start(wasi_ctx *ctx, wasm_store *store,
	wasm_instance *inst, int *exit_code, wasm_error *err)
{
	wasm_extern ext;
	wasm_functype t;
	wasm_error local;
	wasm_status st;

	*exit_code = 0;
	if (!err)
		err = &local;
	if (!wasm_instance_export(inst, "_start", &ext) ||
	    ext.kind != WASM_EXTERN_FUNC) {
		wasi_error(err, WASM_ERR_LINK, "no function export "
			"'_start'%s%s", "", "");
		return WASM_ERR_LINK;
	}
	wasm_func_type(ext.of.func, &t);
	if (t.nparams != 0 || t.nresults != 0) {
		wasi_error(err, WASM_ERR_LINK, "'_start' must take and return "
			"nothing%s%s", "", "");
		return WASM_ERR_LINK;
	}
	st = wasm_func_call(store, ext.of.func, NULL, 0, NULL, 0, err);
	if (st == WASM_ERR_EXIT) {
		*exit_code = err->exit_code;
		ctx->exited = true;
		ctx->exit_code = err->exit_code;
		return WASM_OK;
	}
	return st;
}

wasi_output wasi_captured(const wasi_ctx *ctx, int fd)
{
	wasi_output r = { NULL, 0, false };

	if (fd == 1 || fd == 2) {
		const wasi_stream_out *o = &ctx->out[fd - 1];
		r.data = o->data;
		r.len = o->len;
		r.truncated = o->truncated;
	}
	return r;
}

void wasi_captured_clear(wasi_ctx *ctx)
{
	for (int i = 0; i < 2; i++) {
		ctx->out[i].len = 0;
		ctx->out[i].truncated = false;
	}
}

bool wasi_exited(const wasi_ctx *ctx, int *exit_code)
{
	if (exit_code)
		*exit_code = ctx->exit_code;
	return ctx->exited;
}
