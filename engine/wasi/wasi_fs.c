/* wasi_fs.c -- WASI preview1: the read-only in-memory file tree, the fd
 * table and the fd_* / path_* calls on them.
 *
 * The tree is built once by wasi_new from the caller's list of files and
 * never changes: every call that would modify it answers EROFS.  Paths from
 * the guest are resolved relative to a directory fd, component by
 * component; an absolute path or a ".." that would leave the directory the
 * walk started from answers ENOTCAPABLE (no symlinks exist). */
#include "wasi/wasi_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define A32(i) ((uint32_t)s[i])
#define A64(i) (s[i])
#define RET(e) do { s[0] = (uint64_t)(e); return WASM_OK; } while (0)

#define WASI_PATH_MAX 4096u

/* What an fd of each kind may do.  The tree is read-only, so no file
 * right writes; directories pass on every right to what they open (the
 * open itself refuses writes with EROFS). */
#define RIGHTS_FILE (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_READ |         \
	WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |               \
	WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_TELL | WASI_RIGHT_FD_ADVISE |     \
	WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE)
#define RIGHTS_DIR (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_FDSTAT_SET_FLAGS | \
	WASI_RIGHT_FD_SYNC | WASI_RIGHT_PATH_OPEN | WASI_RIGHT_FD_READDIR |  \
	WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_FILESTAT_GET |           \
	WASI_RIGHT_FD_FILESTAT_GET)
#define RIGHTS_STDIN (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |  \
	WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE)
#define RIGHTS_STDOUT (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FDSTAT_SET_FLAGS | \
	WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE)
/* Asking for one of these on a file of the tree: EROFS. */
#define RIGHTS_WRITING (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |        \
	WASI_RIGHT_FD_FILESTAT_SET_SIZE)

enum {
	OFLAGS_CREAT = 1,
	OFLAGS_DIRECTORY = 2,
	OFLAGS_EXCL = 4,
	OFLAGS_TRUNC = 8,
	FDFLAGS_APPEND = 1,
};

static void fs_error(wasm_error *err, wasm_status st, const char *what,
	const char *path)
{
	if (!err)
		return;
	memset(err, 0, sizeof *err);
	err->status = st;
	err->offset = SIZE_MAX;
	err->func_index = WASM_NO_INDEX;
	snprintf(err->message, sizeof err->message, "WASI file '%s': %s",
		path, what);
}

/* ---- the tree ---------------------------------------------------------- */

#define WASI_INDEX_MIN 8u

static size_t name_hash(const char *name, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);   /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * UINT64_C(0x100000001b3);
	return (size_t)h;
}

static bool name_is(const wasi_node *k, const char *name, size_t len)
{
	return strncmp(k->name, name, len) == 0 && k->name[len] == '\0';
}

static wasi_node *node_child(const wasi_node *dir, const char *name,
	size_t len)
{
	if (dir->index_cap) {
		size_t mask = dir->index_cap - 1;
		for (size_t i = name_hash(name, len) & mask; dir->index[i];
		     i = (i + 1) & mask)
			if (name_is(dir->index[i], name, len))
				return dir->index[i];
		return NULL;
	}
	for (size_t i = 0; i < dir->nkids; i++)
		if (name_is(dir->kids[i], name, len))
			return dir->kids[i];
	return NULL;
}

static void index_put(wasi_node *dir, wasi_node *k)
{
	size_t mask = dir->index_cap - 1;
	size_t i = name_hash(k->name, strlen(k->name)) & mask;
	while (dir->index[i])
		i = (i + 1) & mask;
	dir->index[i] = k;
}

/* After a kid was appended: keep the index at most half full, rebuilding
 * it at twice the size (amortised O(1) a kid).  Without memory for it the
 * directory is searched instead, which is only slower. */
static void index_add(wasi_node *dir, wasi_node *k)
{
	if (dir->nkids <= WASI_INDEX_MIN)
		return;
	if (dir->index_cap && 2 * dir->nkids <= dir->index_cap) {
		index_put(dir, k);
		return;
	}
	size_t cap = 4 * WASI_INDEX_MIN;
	while (cap < 4 * dir->nkids)
		cap *= 2;
	free(dir->index);
	dir->index = calloc(cap, sizeof *dir->index);
	dir->index_cap = dir->index ? cap : 0;
	for (size_t i = 0; dir->index && i < dir->nkids; i++)
		index_put(dir, dir->kids[i]);
}

static wasi_node *node_new(wasi_ctx *w, wasi_node *parent, const char *name,
	size_t len, bool dir)
{
	wasi_node *n = calloc(1, sizeof *n);

	if (!n)
		return NULL;
	n->name = strndup(name, len);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->dir = dir;
	n->ino = ++w->next_ino;
	n->parent = parent ? parent : n;
	if (!parent)
		return n;
	if (parent->nkids == parent->cap_kids) {
		size_t cap = parent->cap_kids ? parent->cap_kids * 2 : 4;
		wasi_node **k = realloc(parent->kids, cap * sizeof *k);
		if (!k) {
			free(n->name);
			free(n);
			return NULL;
		}
		parent->kids = k;
		parent->cap_kids = cap;
	}
	parent->kids[parent->nkids++] = n;
	index_add(parent, n);
	return n;
}

static void node_free(wasi_node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->index);
	free(n->name);
	free(n);
}

/* Next component of an absolute config path at *p: skips slashes; false at
 * the end. */
static bool next_component(const char **p, const char **comp, size_t *len)
{
	while (**p == '/')
		(*p)++;
	if (!**p)
		return false;
	*comp = *p;
	while (**p && **p != '/')
		(*p)++;
	*len = (size_t)(*p - *comp);
	return true;
}

static bool is_dots(const char *c, size_t len)
{
	return (len == 1 && c[0] == '.') ||
		(len == 2 && c[0] == '.' && c[1] == '.');
}

/* Finds (create = false) or makes the directory/file at an absolute config
 * path.  Returns a static description of what is wrong, or NULL. */
static const char *tree_path(wasi_ctx *w, const char *path, bool create,
	const wasi_file *file, wasi_node **out, wasm_status *st)
{
	const char *p = path, *comp = NULL;
	size_t len = 0;
	wasi_node *cur = w->root;

	*st = WASM_ERR_ARG;
	if (path[0] != '/')
		return "not an absolute path";
	if (strlen(path) > WASI_PATH_MAX)
		return "path too long";
	bool more = next_component(&p, &comp, &len);
	while (more) {
		const char *c = comp;
		size_t n = len;
		bool last;
		if (is_dots(c, n))
			return "'.' and '..' are not allowed in paths";
		more = next_component(&p, &comp, &len);
		last = !more;
		wasi_node *k = node_child(cur, c, n);
		if (k && !k->dir && !(last && file && !file->dir))
			return "a file where a directory is needed";
		if (k && last && file)
			return k->dir && file->dir ? NULL
				: "listed twice, or both a file and a directory";
		if (!k) {
			if (!create)
				return "no such directory in the file tree";
			k = node_new(w, cur, c, n, !(last && file && !file->dir));
			if (!k) {
				*st = WASM_ERR_NOMEM;
				return "out of memory";
			}
			if (last && file && !file->dir) {
				k->data = file->data;
				k->len = file->data ? file->len : 0;
			}
		}
		cur = k;
	}
	if (file && cur == w->root && !file->dir)
		return "a file cannot be the root";
	*out = cur;
	return NULL;
}

/* ---- the fd table ------------------------------------------------------ */

wasi_fd *wasi_fd_get(wasi_ctx *w, uint32_t fd)
{
	if (fd >= w->nfds || w->fds[fd].kind == WASI_FD_FREE)
		return NULL;
	return &w->fds[fd];
}

/* The lowest free fd, or UINT32_MAX when the table is full (EMFILE) or
 * cannot grow. */
static uint32_t fd_alloc(wasi_ctx *w)
{
	for (uint32_t i = 0; i < w->nfds; i++)
		if (w->fds[i].kind == WASI_FD_FREE)
			return i;
	if (w->nfds >= WASI_MAX_FDS)
		return UINT32_MAX;
	if (w->nfds == w->cap_fds) {
		uint32_t cap = w->cap_fds ? w->cap_fds * 2 : 8;
		wasi_fd *f = realloc(w->fds, cap * sizeof *f);
		if (!f)
			return UINT32_MAX;
		w->fds = f;
		w->cap_fds = cap;
	}
	memset(&w->fds[w->nfds], 0, sizeof w->fds[0]);
	return w->nfds++;
}

static void fd_release(wasi_fd *f)
{
	free(f->preopen);
	memset(f, 0, sizeof *f);
}

wasm_status wasi_fs_init(wasi_ctx *w, const wasi_config *cfg,
	wasm_error *err)
{
	static const char *const root_only[] = { "/" };
	const char *const *pre = cfg->preopens;
	size_t npre = cfg->npreopens;
	wasm_status st;
	const char *why;
	wasi_node *n;

	w->root = node_new(w, NULL, "", 0, true);
	if (!w->root)
		goto nomem;
	for (size_t i = 0; i < cfg->nfiles; i++) {
		const char *path = cfg->files[i].path ? cfg->files[i].path : "";
		why = tree_path(w, path, true, &cfg->files[i], &n, &st);
		if (why) {
			fs_error(err, st, why, path);
			return st;
		}
	}
	for (int i = 0; i < 3; i++) {
		uint32_t fd = fd_alloc(w);
		if (fd == UINT32_MAX)
			goto nomem;
		w->fds[fd].kind = (wasi_fd_kind)(WASI_FD_STDIN + i);
		w->fds[fd].rights_base = i == 0 ? RIGHTS_STDIN : RIGHTS_STDOUT;
	}
	if (npre == 0 && cfg->nfiles > 0) {
		pre = root_only;
		npre = 1;
	}
	for (size_t i = 0; i < npre; i++) {
		const char *path = pre[i] ? pre[i] : "";
		why = tree_path(w, path, false, NULL, &n, &st);
		if (!why && !n->dir)
			why = "a preopen must be a directory";
		if (why) {
			fs_error(err, st, why, path);
			return st;
		}
		uint32_t fd = fd_alloc(w);
		if (fd == UINT32_MAX) {
			fs_error(err, WASM_ERR_LIMIT, "too many preopens", path);
			return WASM_ERR_LIMIT;
		}
		wasi_fd *f = &w->fds[fd];
		f->kind = WASI_FD_NODE;
		f->node = n;
		f->rights_base = RIGHTS_DIR;
		f->rights_inheriting = WASI_RIGHTS_ALL;
		f->preopen = strdup(path);
		if (!f->preopen)
			goto nomem;
	}
	return WASM_OK;
nomem:
	fs_error(err, WASM_ERR_NOMEM, "out of memory", "");
	return WASM_ERR_NOMEM;
}

void wasi_fs_free(wasi_ctx *w)
{
	for (uint32_t i = 0; i < w->nfds; i++)
		free(w->fds[i].preopen);
	free(w->fds);
	if (w->root)
		node_free(w->root);
}

/* ---- guest paths --------------------------------------------------------- */

/* The result of resolving a guest path. */
typedef struct {
	wasi_node *node;     /* the target, or NULL when only the last
	                        component is missing (then ENOENT) */
	wasi_node *parent;   /* directory holding the last component */
} walk_result;

/* Resolves path[0..len) from directory start. */
static uint16_t walk(wasi_node *start, const char *p, size_t len,
	walk_result *r)
{
	wasi_node *cur = start;
	size_t depth = 0, i = 0;

	r->node = NULL;
	r->parent = start;
	if (len == 0)
		return WASI_ENOENT;
	if (len > WASI_PATH_MAX)
		return WASI_ENAMETOOLONG;
	if (memchr(p, '\0', len))
		return WASI_EINVAL;
	if (p[0] == '/')
		return WASI_ENOTCAPABLE;
	while (i < len) {
		size_t j = i;
		while (j < len && p[j] != '/')
			j++;
		const char *comp = p + i;
		size_t n = j - i;
		while (j < len && p[j] == '/')
			j++;
		bool last = j >= len;
		i = j;
		if (!cur->dir)
			return WASI_ENOTDIR;
		r->parent = cur;
		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			if (depth == 0)
				return WASI_ENOTCAPABLE;
			depth--;
			cur = cur->parent;
			continue;
		}
		wasi_node *k = node_child(cur, comp, n);
		if (!k) {
			if (!last)
				r->parent = NULL;
			return WASI_ENOENT;
		}
		cur = k;
		depth++;
	}
	if (p[len - 1] == '/' && !cur->dir)
		return WASI_ENOTDIR;
	r->node = cur;
	return WASI_ESUCCESS;
}

/* The directory fd for a path call, with right `need`. */
static uint16_t dir_fd(wasi_ctx *w, uint32_t fd, uint64_t need,
	wasi_fd **out)
{
	wasi_fd *f = wasi_fd_get(w, fd);

	if (!f)
		return WASI_EBADF;
	if (f->kind != WASI_FD_NODE || !f->node->dir)
		return WASI_ENOTDIR;
	if ((f->rights_base & need) != need)
		return WASI_ENOTCAPABLE;
	*out = f;
	return WASI_ESUCCESS;
}

/* Resolves a guest path (pointer, length) from directory fd `fd`. */
static uint16_t path_resolve(wasi_ctx *w, wasi_mem m, uint32_t fd,
	uint64_t need, uint32_t path, uint32_t len, walk_result *r)
{
	wasi_fd *f;
	uint16_t e = dir_fd(w, fd, need, &f);

	if (e != WASI_ESUCCESS)
		return e;
	if (!wasi_mem_ok(m, path, len))
		return WASI_EFAULT;
	return walk(f->node, (const char *)m.base + path, len, r);
}

/* ---- stat structs ------------------------------------------------------- */

static uint8_t stdio_filetype(const wasi_ctx *w, const wasi_fd *f)
{
	bool host;
	int fd;

	if (f->kind == WASI_FD_STDIN) {
		host = w->stdin_from_fd;
		fd = w->stdin_fd;
	} else {
		const wasi_stream_out *o = &w->out[f->kind == WASI_FD_STDOUT
			? 0 : 1];
		host = o->to_fd;
		fd = o->fd;
	}
	return host && isatty(fd) ? WASI_FILETYPE_CHARACTER_DEVICE
		: WASI_FILETYPE_UNKNOWN;
}

static uint8_t fd_filetype(const wasi_ctx *w, const wasi_fd *f)
{
	if (f->kind != WASI_FD_NODE)
		return stdio_filetype(w, f);
	return f->node->dir ? WASI_FILETYPE_DIRECTORY
		: WASI_FILETYPE_REGULAR_FILE;
}

/* filestat: dev u64, ino u64, filetype u8, nlink u64 @24, size u64 @32,
 * atim, mtim, ctim (all 0: the tree has no times). */
static void filestat_put(uint8_t *p, uint64_t ino, uint8_t type,
	uint64_t size)
{
	memset(p, 0, 64);
	wasi_st64(p + 8, ino);
	p[16] = type;
	wasi_st64(p + 24, 1);
	wasi_st64(p + 32, size);
}

wasm_status wasi_fd_fdstat_get(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	wasi_mem m = wasi_mem_of(c);
	wasi_fd *f = wasi_fd_get(w, A32(0));
	uint32_t buf = A32(1);

	if (!f)
		RET(WASI_EBADF);
	if (!wasi_mem_ok(m, buf, 24))
		RET(WASI_EFAULT);
	uint8_t *p = m.base + buf;
	memset(p, 0, 24);
	p[0] = fd_filetype(w, f);
	wasi_st16(p + 2, f->fdflags);
	wasi_st64(p + 8, f->rights_base);
	wasi_st64(p + 16, f->rights_inheriting);
	RET(WASI_ESUCCESS);
}

wasm_status wasi_fd_fdstat_set_flags(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	wasi_fd *f = wasi_fd_get(env, A32(0));
	uint32_t flags = A32(1);

	if (!f)
		RET(WASI_EBADF);
	if (flags & ~(uint32_t)WASI_FDFLAGS_ALL)
		RET(WASI_EINVAL);
	if (!(f->rights_base & WASI_RIGHT_FD_FDSTAT_SET_FLAGS))
		RET(WASI_ENOTCAPABLE);
	if ((flags & FDFLAGS_APPEND) && f->kind == WASI_FD_NODE)
		RET(WASI_EROFS);
	f->fdflags = (uint16_t)flags;
	RET(WASI_ESUCCESS);
}

/* Rights can only be dropped. */
wasm_status wasi_fd_fdstat_set_rights(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	wasi_fd *f = wasi_fd_get(env, A32(0));
	uint64_t base = A64(1), inh = A64(2);

	if (!f)
		RET(WASI_EBADF);
	if ((base & ~f->rights_base) || (inh & ~f->rights_inheriting))
		RET(WASI_ENOTCAPABLE);
	f->rights_base = base;
	f->rights_inheriting = inh;
	RET(WASI_ESUCCESS);
}

wasm_status wasi_fd_filestat_get(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	wasi_mem m = wasi_mem_of(c);
	wasi_fd *f = wasi_fd_get(w, A32(0));
	uint32_t buf = A32(1);

	if (!f)
		RET(WASI_EBADF);
	if (!(f->rights_base & WASI_RIGHT_FD_FILESTAT_GET))
		RET(WASI_ENOTCAPABLE);
	if (!wasi_mem_ok(m, buf, 64))
		RET(WASI_EFAULT);
	if (f->kind == WASI_FD_NODE)
		filestat_put(m.base + buf, f->node->ino, fd_filetype(w, f),
			f->node->dir ? 0 : f->node->len);
	else
		filestat_put(m.base + buf, 0, fd_filetype(w, f), 0);
	RET(WASI_ESUCCESS);
}

wasm_status wasi_path_filestat_get(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	uint32_t buf = A32(4);
	walk_result r;

	/* s[1]: lookup flags; there are no symlinks to follow. */
	uint16_t e = path_resolve(env, m, A32(0), WASI_RIGHT_PATH_FILESTAT_GET,
		A32(2), A32(3), &r);
	if (e != WASI_ESUCCESS)
		RET(e);
	if (!wasi_mem_ok(m, buf, 64))
		RET(WASI_EFAULT);
	filestat_put(m.base + buf, r.node->ino, r.node->dir
		? WASI_FILETYPE_DIRECTORY : WASI_FILETYPE_REGULAR_FILE,
		r.node->dir ? 0 : r.node->len);
	RET(WASI_ESUCCESS);
}

/* ---- reading files ----------------------------------------------------- */

/* Copies file bytes from offset `at` into checked iovecs; returns the
 * count. */
static uint32_t file_copy(const wasi_node *n, uint64_t at, wasi_mem m,
	uint32_t iovs, uint32_t count)
{
	uint64_t done = 0;

	for (uint32_t i = 0; i < count && at < n->len; i++) {
		const uint8_t *iov = m.base + iovs + (uint64_t)i * 8;
		uint8_t *p = m.base + wasi_ld32(iov);
		uint64_t len = wasi_ld32(iov + 4), left = n->len - at;
		uint64_t k = len < left ? len : left;
		if (k)
			memcpy(p, n->data + at, (size_t)k);
		at += k;
		done += k;
	}
	return (uint32_t)done;
}

uint16_t wasi_fs_read(wasi_fd *f, wasi_mem m, uint32_t iovs, uint32_t n,
	uint32_t *nread)
{
	*nread = file_copy(f->node, f->offset, m, iovs, n);
	f->offset += *nread;
	return WASI_ESUCCESS;
}

/* A file fd for pread/seek/tell/advise: stdio answers ESPIPE, a directory
 * EISDIR, a missing right ENOTCAPABLE. */
static uint16_t file_fd(wasi_ctx *w, uint32_t fd, uint64_t need,
	wasi_fd **out)
{
	wasi_fd *f = wasi_fd_get(w, fd);

	if (!f)
		return WASI_EBADF;
	if (f->kind != WASI_FD_NODE)
		return WASI_ESPIPE;
	if (f->node->dir)
		return WASI_EISDIR;
	if (!(f->rights_base & need))
		return WASI_ENOTCAPABLE;
	*out = f;
	return WASI_ESUCCESS;
}

wasm_status wasi_fd_pread(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	uint32_t iovs = A32(1), n = A32(2), out = A32(4);
	uint64_t at = A64(3), total;
	wasi_fd *f;
	uint16_t e = file_fd(env, A32(0), WASI_RIGHT_FD_READ, &f);

	if (e != WASI_ESUCCESS)
		RET(e);
	if (!wasi_mem_ok(m, out, 4))
		RET(WASI_EFAULT);
	if ((e = wasi_iovs_check(m, iovs, n, &total)) != WASI_ESUCCESS)
		RET(e);
	wasi_st32(m.base + out, file_copy(f->node, at, m, iovs, n));
	RET(WASI_ESUCCESS);
}

wasm_status wasi_fd_pwrite(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_fd *f = wasi_fd_get(env, A32(0));

	if (!f)
		RET(WASI_EBADF);
	RET(f->kind == WASI_FD_NODE ? WASI_EBADF : WASI_ESPIPE);
}

static uint16_t seek(wasi_fd *f, int64_t delta, uint32_t whence,
	uint64_t *out)
{
	int64_t base, pos;

	switch (whence) {
	case 0: base = 0; break;
	case 1: base = (int64_t)f->offset; break;
	case 2: base = (int64_t)f->node->len; break;
	default: return WASI_EINVAL;
	}
	if (__builtin_add_overflow(base, delta, &pos))
		return WASI_EOVERFLOW;
	if (pos < 0)
		return WASI_EINVAL;
	f->offset = (uint64_t)pos;
	*out = f->offset;
	return WASI_ESUCCESS;
}

wasm_status wasi_fd_seek(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	int64_t delta = (int64_t)A64(1);
	uint32_t whence = A32(2), out = A32(3);
	uint64_t need = delta == 0 && whence == 1 ? WASI_RIGHT_FD_TELL
		: WASI_RIGHT_FD_SEEK;
	uint64_t pos;
	wasi_fd *f;
	uint16_t e = file_fd(env, A32(0), need, &f);

	if (e != WASI_ESUCCESS)
		RET(e);
	if (!wasi_mem_ok(m, out, 8))
		RET(WASI_EFAULT);
	if ((e = seek(f, delta, whence, &pos)) != WASI_ESUCCESS)
		RET(e);
	wasi_st64(m.base + out, pos);
	RET(WASI_ESUCCESS);
}

wasm_status wasi_fd_tell(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_fd *f;
	uint16_t e = file_fd(env, A32(0), WASI_RIGHT_FD_TELL, &f);

	if (e != WASI_ESUCCESS)
		RET(e);
	RET(wasi_put64(wasi_mem_of(c), A32(1), f->offset) ? WASI_ESUCCESS
		: WASI_EFAULT);
}

wasm_status wasi_fd_advise(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_fd *f;
	uint16_t e = file_fd(env, A32(0), WASI_RIGHT_FD_ADVISE, &f);

	if (e != WASI_ESUCCESS)
		RET(e);
	RET(A32(3) > 5 ? WASI_EINVAL : WASI_ESUCCESS);
}

/* ---- calls that would write: EROFS (stdio lacks the rights) ------------ */

static uint16_t fd_mutate(wasi_ctx *w, uint32_t fd)
{
	wasi_fd *f = wasi_fd_get(w, fd);

	if (!f)
		return WASI_EBADF;
	return f->kind == WASI_FD_NODE ? WASI_EROFS : WASI_ENOTCAPABLE;
}

wasm_status wasi_fd_allocate(wasm_call_ctx *c, void *env, uint64_t *s)
{
	RET(fd_mutate(env, A32(0)));
}

wasm_status wasi_fd_filestat_set_size(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	RET(fd_mutate(env, A32(0)));
}

wasm_status wasi_fd_filestat_set_times(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	RET(fd_mutate(env, A32(0)));
}

/* Nothing is ever dirty. */
wasm_status wasi_fd_datasync(wasm_call_ctx *c, void *env, uint64_t *s)
{
	RET(wasi_fd_get(env, A32(0)) ? WASI_ESUCCESS : WASI_EBADF);
}

wasm_status wasi_fd_sync(wasm_call_ctx *c, void *env, uint64_t *s)
{
	RET(wasi_fd_get(env, A32(0)) ? WASI_ESUCCESS : WASI_EBADF);
}

/* A path call that would change the tree: checks the fd and the path's
 * bounds, then EROFS. */
static uint16_t path_mutate(wasi_ctx *w, wasi_mem m, uint32_t fd,
	uint32_t path, uint32_t len)
{
	wasi_fd *f;
	uint16_t e = dir_fd(w, fd, 0, &f);

	if (e != WASI_ESUCCESS)
		return e;
	if (!wasi_mem_ok(m, path, len))
		return WASI_EFAULT;
	return WASI_EROFS;
}

wasm_status wasi_path_create_directory(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	RET(path_mutate(env, wasi_mem_of(c), A32(0), A32(1), A32(2)));
}

wasm_status wasi_path_remove_directory(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	RET(path_mutate(env, wasi_mem_of(c), A32(0), A32(1), A32(2)));
}

wasm_status wasi_path_unlink_file(wasm_call_ctx *c, void *env, uint64_t *s)
{
	RET(path_mutate(env, wasi_mem_of(c), A32(0), A32(1), A32(2)));
}

wasm_status wasi_path_filestat_set_times(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	RET(path_mutate(env, wasi_mem_of(c), A32(0), A32(2), A32(3)));
}

/* (old_path, old_len, fd, new_path, new_len) */
wasm_status wasi_path_symlink(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);

	if (!wasi_mem_ok(m, A32(0), A32(1)))
		RET(WASI_EFAULT);
	RET(path_mutate(env, m, A32(2), A32(3), A32(4)));
}

/* (old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len) */
wasm_status wasi_path_link(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	uint16_t e = path_mutate(env, m, A32(0), A32(2), A32(3));

	if (e != WASI_EROFS)
		RET(e);
	RET(path_mutate(env, m, A32(4), A32(5), A32(6)));
}

/* (fd, old_path, old_len, new_fd, new_path, new_len) */
wasm_status wasi_path_rename(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	uint16_t e = path_mutate(env, m, A32(0), A32(1), A32(2));

	if (e != WASI_EROFS)
		RET(e);
	RET(path_mutate(env, m, A32(3), A32(4), A32(5)));
}

/* No symlinks: an existing path is not one (EINVAL). */
wasm_status wasi_path_readlink(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	walk_result r;

	if (!wasi_mem_ok(m, A32(3), A32(4)) || !wasi_mem_ok(m, A32(5), 4))
		RET(WASI_EFAULT);
	uint16_t e = path_resolve(env, m, A32(0), WASI_RIGHT_PATH_READLINK,
		A32(1), A32(2), &r);
	RET(e != WASI_ESUCCESS ? e : WASI_EINVAL);
}

/* ---- open, close, renumber, preopens, readdir ----------------------------- */

/* (fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting,
 *  fdflags, fd_out) */
wasm_status wasi_path_open(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_ctx *w = env;
	wasi_mem m = wasi_mem_of(c);
	uint32_t oflags = A32(4), fdflags = A32(7), out = A32(8);
	uint64_t base = A64(5), inh = A64(6);
	walk_result r;
	wasi_fd *dir;

	uint16_t e = dir_fd(w, A32(0), WASI_RIGHT_PATH_OPEN, &dir);
	if (e != WASI_ESUCCESS)
		RET(e);
	if (!wasi_mem_ok(m, out, 4))
		RET(WASI_EFAULT);
	if ((oflags & ~15u) || (fdflags & ~(uint32_t)WASI_FDFLAGS_ALL))
		RET(WASI_EINVAL);
	uint64_t dir_inh = dir->rights_inheriting;
	e = path_resolve(w, m, A32(0), WASI_RIGHT_PATH_OPEN, A32(2), A32(3),
		&r);
	if (e == WASI_ENOENT && !r.node && (oflags & OFLAGS_CREAT) &&
	    r.parent && r.parent->dir)
		RET(WASI_EROFS);
	if (e != WASI_ESUCCESS)
		RET(e);
	wasi_node *n = r.node;
	bool writes = (base & RIGHTS_WRITING) || (fdflags & FDFLAGS_APPEND);
	if ((oflags & OFLAGS_CREAT) && (oflags & OFLAGS_EXCL))
		RET(WASI_EEXIST);
	if ((oflags & OFLAGS_DIRECTORY) && !n->dir)
		RET(WASI_ENOTDIR);
	if (n->dir && (writes || (oflags & OFLAGS_TRUNC)))
		RET(WASI_EISDIR);
	if (writes || (oflags & OFLAGS_TRUNC))
		RET(WASI_EROFS);
	uint32_t fd = fd_alloc(w);
	if (fd == UINT32_MAX)
		RET(WASI_EMFILE);
	wasi_fd *f = &w->fds[fd];   /* fd_alloc may have moved the table */
	f->kind = WASI_FD_NODE;
	f->node = n;
	f->rights_base = base & dir_inh & (n->dir ? RIGHTS_DIR : RIGHTS_FILE);
	f->rights_inheriting = inh & dir_inh;
	f->fdflags = (uint16_t)fdflags;
	wasi_st32(m.base + out, fd);
	RET(WASI_ESUCCESS);
}

wasm_status wasi_fd_close(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_fd *f = wasi_fd_get(env, A32(0));

	if (!f)
		RET(WASI_EBADF);
	fd_release(f);
	RET(WASI_ESUCCESS);
}

wasm_status wasi_fd_renumber(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_fd *from = wasi_fd_get(env, A32(0));
	wasi_fd *to = wasi_fd_get(env, A32(1));

	if (!from || !to)
		RET(WASI_EBADF);
	if (from != to) {
		fd_release(to);
		*to = *from;
		memset(from, 0, sizeof *from);
	}
	RET(WASI_ESUCCESS);
}

/* prestat: tag u8 (0 = directory), name length u32 at 4. */
wasm_status wasi_fd_prestat_get(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	wasi_fd *f = wasi_fd_get(env, A32(0));
	uint32_t buf = A32(1);

	if (!f || !f->preopen)
		RET(WASI_EBADF);
	if (!wasi_mem_ok(m, buf, 8))
		RET(WASI_EFAULT);
	memset(m.base + buf, 0, 8);
	wasi_st32(m.base + buf + 4, (uint32_t)strlen(f->preopen));
	RET(WASI_ESUCCESS);
}

wasm_status wasi_fd_prestat_dir_name(wasm_call_ctx *c, void *env,
	uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	wasi_fd *f = wasi_fd_get(env, A32(0));
	uint32_t buf = A32(1), len = A32(2);

	if (!f || !f->preopen)
		RET(WASI_EBADF);
	if (!wasi_mem_ok(m, buf, len))
		RET(WASI_EFAULT);
	size_t n = strlen(f->preopen);
	if (len < n)
		RET(WASI_ENAMETOOLONG);
	memcpy(m.base + buf, f->preopen, n);
	RET(WASI_ESUCCESS);
}

/* Entries are ".", ".." and the children in order; the cookie is the index
 * of the next entry.  A dirent is d_next u64, d_ino u64, d_namlen u32,
 * d_type u8 (24 bytes) followed by the name; the last one may be cut off
 * at the end of the buffer, as preview1 specifies. */
wasm_status wasi_fd_readdir(wasm_call_ctx *c, void *env, uint64_t *s)
{
	wasi_mem m = wasi_mem_of(c);
	uint32_t buf = A32(1), len = A32(2), out = A32(4);
	uint64_t cookie = A64(3), used = 0;
	wasi_fd *f = wasi_fd_get(env, A32(0));

	if (!f)
		RET(WASI_EBADF);
	if (f->kind != WASI_FD_NODE || !f->node->dir)
		RET(WASI_ENOTDIR);
	if (!(f->rights_base & WASI_RIGHT_FD_READDIR))
		RET(WASI_ENOTCAPABLE);
	if (!wasi_mem_ok(m, buf, len) || !wasi_mem_ok(m, out, 4))
		RET(WASI_EFAULT);
	const wasi_node *d = f->node;
	for (uint64_t i = cookie; i < (uint64_t)d->nkids + 2 && used < len;
	     i++) {
		const wasi_node *e = i == 0 ? d : i == 1 ? d->parent
			: d->kids[i - 2];
		const char *name = i == 0 ? "." : i == 1 ? ".." : e->name;
		uint32_t namlen = (uint32_t)strlen(name);
		uint8_t hdr[24] = { 0 };
		wasi_st64(hdr, i + 1);
		wasi_st64(hdr + 8, e->ino);
		wasi_st32(hdr + 16, namlen);
		hdr[20] = e->dir ? WASI_FILETYPE_DIRECTORY
			: WASI_FILETYPE_REGULAR_FILE;
		uint64_t k = len - used < 24 ? len - used : 24;
		memcpy(m.base + buf + used, hdr, (size_t)k);
		used += k;
		k = len - used < namlen ? len - used : namlen;
		memcpy(m.base + buf + used, name, (size_t)k);
		used += k;
	}
	wasi_st32(m.base + out, (uint32_t)used);
	RET(WASI_ESUCCESS);
}
