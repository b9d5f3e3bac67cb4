/* wasi_impl.h -- internals shared by wasi.c (context, linking, args/env,
 * clocks, random, stdio, poll) and wasi_fs.c (the read-only in-memory tree,
 * the fd table, fd_* and path_* calls).
 *
 * Numbers and layouts are those of wasi_snapshot_preview1 (witx): errno
 * values, rights bits, and the little-endian structs in guest memory. */
#ifndef ENGINE_WASI_IMPL_H
#define ENGINE_WASI_IMPL_H

#include "wasi.h"

#include <string.h>

/* ---- preview1 constants ------------------------------------------------- */

enum {
	WASI_ESUCCESS = 0,
	WASI_E2BIG = 1,
	WASI_EAGAIN = 6,
	WASI_EBADF = 8,
	WASI_EEXIST = 20,
	WASI_EFAULT = 21,
	WASI_EINTR = 27,
	WASI_EINVAL = 28,
	WASI_EIO = 29,
	WASI_EISDIR = 31,
	WASI_EMFILE = 33,
	WASI_ENAMETOOLONG = 37,
	WASI_ENOENT = 44,
	WASI_ENOMEM = 48,
	WASI_ENOSPC = 51,
	WASI_ENOSYS = 52,
	WASI_ENOTDIR = 54,
	WASI_ENOTEMPTY = 55,
	WASI_ENOTSOCK = 57,
	WASI_ENOTSUP = 58,
	WASI_EOVERFLOW = 61,
	WASI_EPERM = 63,
	WASI_EPIPE = 64,
	WASI_EROFS = 69,
	WASI_ESPIPE = 70,
	WASI_ENOTCAPABLE = 76,
};

#define WASI_RIGHT_BIT(bit) (UINT64_C(1) << (bit))
#define WASI_RIGHT_FD_DATASYNC           WASI_RIGHT_BIT(0)
#define WASI_RIGHT_FD_READ               WASI_RIGHT_BIT(1)
#define WASI_RIGHT_FD_SEEK               WASI_RIGHT_BIT(2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS   WASI_RIGHT_BIT(3)
#define WASI_RIGHT_FD_SYNC               WASI_RIGHT_BIT(4)
#define WASI_RIGHT_FD_TELL               WASI_RIGHT_BIT(5)
#define WASI_RIGHT_FD_WRITE              WASI_RIGHT_BIT(6)
#define WASI_RIGHT_FD_ADVISE             WASI_RIGHT_BIT(7)
#define WASI_RIGHT_FD_ALLOCATE           WASI_RIGHT_BIT(8)
#define WASI_RIGHT_PATH_OPEN             WASI_RIGHT_BIT(13)
#define WASI_RIGHT_FD_READDIR            WASI_RIGHT_BIT(14)
#define WASI_RIGHT_PATH_READLINK         WASI_RIGHT_BIT(15)
#define WASI_RIGHT_PATH_FILESTAT_GET     WASI_RIGHT_BIT(18)
#define WASI_RIGHT_FD_FILESTAT_GET       WASI_RIGHT_BIT(21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE  WASI_RIGHT_BIT(22)
#define WASI_RIGHT_POLL_FD_READWRITE     WASI_RIGHT_BIT(27)
#define WASI_RIGHTS_ALL                  (WASI_RIGHT_BIT(30) - 1)

enum {
	WASI_FILETYPE_UNKNOWN = 0,
	WASI_FILETYPE_CHARACTER_DEVICE = 2,
	WASI_FILETYPE_DIRECTORY = 3,
	WASI_FILETYPE_REGULAR_FILE = 4,
};

#define WASI_FDFLAGS_ALL 0x1f   /* append dsync nonblock rsync sync */

/* ---- guest memory -------------------------------------------------------- */

/* The calling instance's memory 0 as seen by one host call (base never
 * moves; the size cannot change during a host call). */
typedef struct {
	uint8_t *base;
	uint64_t size;
} wasi_mem;

static inline wasi_mem wasi_mem_of(wasm_call_ctx *c)
{
	/* Without a memory, base is still not NULL: only empty ranges pass
	 * wasi_mem_ok, and base + 0 stays defined behaviour. */
	static uint8_t no_memory[1];
	wasm_memory *m = wasm_call_memory(c);
	wasi_mem r = { no_memory, 0 };

	if (m) {
		r.base = wasm_memory_data(m);
		r.size = wasm_memory_size_bytes(m);
	}
	return r;
}

/* [ptr, ptr + len) lies inside the memory.  ptr and len are at most
 * 2^32 - 1 and 2^64 - 1; no overflow. */
static inline bool wasi_mem_ok(wasi_mem m, uint64_t ptr, uint64_t len)
{
	return ptr <= m.size && len <= m.size - ptr;
}

static inline uint16_t wasi_ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t wasi_ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static inline uint64_t wasi_ld64(const uint8_t *p)
{
	return (uint64_t)wasi_ld32(p) | (uint64_t)wasi_ld32(p + 4) << 32;
}

static inline void wasi_st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void wasi_st32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void wasi_st64(uint8_t *p, uint64_t v)
{
	wasi_st32(p, (uint32_t)v);
	wasi_st32(p + 4, (uint32_t)(v >> 32));
}

/* Stores v at guest address ptr: false (nothing written) when out of
 * bounds. */
static inline bool wasi_put32(wasi_mem m, uint32_t ptr, uint32_t v)
{
	if (!wasi_mem_ok(m, ptr, 4))
		return false;
	wasi_st32(m.base + ptr, v);
	return true;
}

static inline bool wasi_put64(wasi_mem m, uint32_t ptr, uint64_t v)
{
	if (!wasi_mem_ok(m, ptr, 8))
		return false;
	wasi_st64(m.base + ptr, v);
	return true;
}

/* An iovec array (8 bytes per entry: buf u32, len u32) whose entries all lie
 * in memory.  Checks everything and sums the lengths into *total; returns
 * an errno (EFAULT for a bad range, EINVAL when the sum passes 2^32 - 1,
 * the largest count the result can carry). */
uint16_t wasi_iovs_check(wasi_mem m, uint32_t iovs, uint32_t n,
	uint64_t *total);

/* ---- the tree and the fd table ----------------------------------------- */

typedef struct wasi_node {
	char *name;                /* last component; "" for the root */
	struct wasi_node *parent;  /* the root is its own parent */
	bool dir;
	uint64_t ino;
	const uint8_t *data;       /* files: borrowed bytes */
	uint64_t len;
	struct wasi_node **kids;   /* directories: in insertion order */
	size_t nkids, cap_kids;
	/* Directories of more than WASI_INDEX_MIN kids: kids by name hash,
	 * open addressing, index_cap a power of two (0 = search kids), so
	 * that a tree of n files is built in O(n), not O(n^2). */
	struct wasi_node **index;
	size_t index_cap;
} wasi_node;

typedef enum {
	WASI_FD_FREE = 0,
	WASI_FD_STDIN,
	WASI_FD_STDOUT,
	WASI_FD_STDERR,
	WASI_FD_NODE,
} wasi_fd_kind;

typedef struct {
	wasi_fd_kind kind;
	wasi_node *node;           /* WASI_FD_NODE */
	uint64_t offset;           /* files: read position */
	uint64_t rights_base, rights_inheriting;
	uint16_t fdflags;
	char *preopen;             /* preopened directory's guest name */
} wasi_fd;

/* Capped capture of stdout or stderr, or a host fd. */
typedef struct {
	uint8_t *data;
	size_t len, cap, max_bytes;
	bool truncated;
	bool to_fd;
	int fd;
} wasi_stream_out;

/* The fd table never grows past this many entries: EMFILE. */
#define WASI_MAX_FDS 1024u

struct wasi_ctx {
	char **argv;
	uint32_t argc;
	uint64_t argv_bytes;       /* sum of strlen + 1 */
	char **env;
	uint32_t envc;
	uint64_t env_bytes;

	const uint8_t *stdin_data;
	size_t stdin_len, stdin_pos;
	bool stdin_from_fd;
	int stdin_fd;
	wasi_stream_out out[2];    /* fd 1, fd 2 */

	wasi_node *root;
	uint64_t next_ino;
	wasi_fd *fds;
	uint32_t nfds;             /* entries in use or free below nfds */
	uint32_t cap_fds;

	bool exited;
	int exit_code;
};

/* wasi_fs.c */
wasm_status wasi_fs_init(wasi_ctx *w, const wasi_config *cfg,
	wasm_error *err);
void wasi_fs_free(wasi_ctx *w);
/* The fd's entry, or NULL if fd is not open. */
wasi_fd *wasi_fd_get(wasi_ctx *w, uint32_t fd);

/* Host functions implemented in wasi_fs.c (the wasm_host_fn shape; env is
 * the wasi_ctx). */
#define WASI_FS_FUNCS(X)                                                    \
	X(fd_advise) X(fd_allocate) X(fd_close) X(fd_datasync)              \
	X(fd_fdstat_get) X(fd_fdstat_set_flags) X(fd_fdstat_set_rights)     \
	X(fd_filestat_get) X(fd_filestat_set_size)                          \
	X(fd_filestat_set_times) X(fd_pread) X(fd_prestat_get)              \
	X(fd_prestat_dir_name) X(fd_pwrite) X(fd_readdir) X(fd_renumber)    \
	X(fd_seek) X(fd_sync) X(fd_tell)                                    \
	X(path_create_directory) X(path_filestat_get)                       \
	X(path_filestat_set_times) X(path_link) X(path_open)                \
	X(path_readlink) X(path_remove_directory) X(path_rename)            \
	X(path_symlink) X(path_unlink_file)

#define X(name) wasm_status wasi_##name(wasm_call_ctx *c, void *env,        \
	uint64_t *s);
WASI_FS_FUNCS(X)
#undef X

/* wasi_fs.c: fd_read from a tree file (offset advanced), for wasi.c's
 * fd_read.  Returns an errno; *nread set. */
uint16_t wasi_fs_read(wasi_fd *f, wasi_mem m, uint32_t iovs, uint32_t n,
	uint32_t *nread);

#endif
