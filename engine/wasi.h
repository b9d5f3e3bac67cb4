/* wasi.h -- WASI preview1 (`wasi_snapshot_preview1`) host functions.
 *
 * libc only: no processes, no real filesystem.  A wasi_ctx holds what one
 * program run sees: argv, environment, stdin, stdout/stderr and an optional
 * read-only in-memory file tree.  Every guest pointer and length is checked
 * against the calling instance's memory 0; a bad one answers an errno
 * (EFAULT, EBADF, ENOENT, ENOTCAPABLE, ENOSYS, EROFS, EINVAL, ...), never a
 * trap.  The only ways a WASI call ends the program are proc_exit (the call
 * ends with WASM_ERR_EXIT and wasm_error.exit_code) and proc_raise, which
 * answers ENOSYS.
 *
 * Typical use:
 *   wasi_config cfg = { 0 };  (fill argv, env, stdin, files, ...)
 *   wasi_new(&cfg, &wasi, &err);
 *   imports = calloc(wasm_module_import_count(m), sizeof *imports);
 *   wasi_link(wasi, store, m, imports, &err);   (non-WASI imports: yours)
 *   wasm_instance_new(store, m, imports, n, &inst, &err);
 *   wasi_run_start(wasi, store, inst, &exit_code, &err);
 *   wasi_captured(wasi, 1)   (stdout, if captured)
 *   wasi_free(wasi);
 * A wasi_ctx serves one store (its host functions live in that store) and
 * one run; it must outlive the store's use of those functions.
 */
#ifndef WASI_H
#define WASI_H

#include "wasm.h"

#define WASI_MODULE_NAME "wasi_snapshot_preview1"

/* Capture cap used when stdout_max_bytes / stderr_max_bytes is 0. */
#define WASI_DEFAULT_OUTPUT_MAX_BYTES (1u << 20)

typedef struct wasi_ctx wasi_ctx;

/* One entry of the in-memory tree.  path is absolute in the guest's view
 * ("/data/in.txt"); parent directories are implied.  dir = true makes an
 * (empty) directory; data/len are then unused. */
typedef struct {
	const char *path;
	const uint8_t *data;     /* borrowed: must outlive the wasi_ctx */
	size_t len;
	bool dir;
} wasi_file;

/* Zero-initialised means: no args, no env, empty stdin, stdout and stderr
 * captured with the default cap, no files and no preopens. */
typedef struct {
	/* argv[0..argc) and env[0..envc) ("KEY=VALUE"); copied by wasi_new. */
	const char *const *argv;
	uint32_t argc;
	const char *const *env;
	uint32_t envc;

	/* stdin: the bytes stdin_data[0..stdin_len) then end of file (borrowed:
	 * must outlive the ctx), or, with stdin_from_fd, reads from host file
	 * descriptor stdin_fd (local runs only). */
	const uint8_t *stdin_data;
	size_t stdin_len;
	bool stdin_from_fd;
	int stdin_fd;

	/* stdout/stderr: captured into a buffer of at most *_max_bytes bytes
	 * (0 = WASI_DEFAULT_OUTPUT_MAX_BYTES); what goes past the cap is
	 * dropped and sets the stream's truncated flag, while the guest is
	 * told everything was written.  With *_to_fd, written to host file
	 * descriptor *_fd instead (local runs only). */
	size_t stdout_max_bytes;
	size_t stderr_max_bytes;
	bool stdout_to_fd, stderr_to_fd;
	int stdout_fd, stderr_fd;

	/* The read-only tree (entries copied except file data, which is
	 * borrowed) and the directories of it that are preopened, as guest
	 * fds 3, 4, ... in this order.  With files but no preopens, "/" is
	 * preopened.  Every preopen must name a directory of the tree ("/"
	 * always exists). */
	const wasi_file *files;
	size_t nfiles;
	const char *const *preopens;
	size_t npreopens;
} wasi_config;

/* Builds a context from cfg (everything but borrowed data is copied).
 * Fails with WASM_ERR_ARG on a bad config (relative or duplicate path, a
 * file where a directory is needed, unknown preopen), WASM_ERR_NOMEM. */
WASM_MUST_CHECK wasm_status wasi_new(const wasi_config *cfg, wasi_ctx **out,
	wasm_error *err);
void wasi_free(wasi_ctx *ctx);

/* For each import of m from WASI_MODULE_NAME, creates a host function in
 * store and stores it in imports_out[i] (the array has
 * wasm_module_import_count(m) entries).  Other imports are left untouched,
 * for the caller.  An unknown WASI name, a non-function import or a wrong
 * signature fails with WASM_ERR_LINK naming the import. */
WASM_MUST_CHECK wasm_status wasi_link(wasi_ctx *ctx, wasm_store *store,
	const wasm_module *m, wasm_extern *imports_out, wasm_error *err);

/* True if m imports anything from WASI_MODULE_NAME. */
bool wasi_module_uses(const wasm_module *m);

/* Calls the instance's `_start` (type [] -> []).  Returns WASM_OK when the
 * program ended normally: `_start` returned (*exit_code = 0) or called
 * proc_exit(n) (*exit_code = n).  Otherwise the call's failure: WASM_ERR_TRAP
 * etc. as from wasm_func_call, or WASM_ERR_LINK when there is no `_start`. */
WASM_MUST_CHECK wasm_status wasi_run_start(wasi_ctx *ctx, wasm_store *store,
	wasm_instance *inst, int *exit_code, wasm_error *err);

/* A captured stream (fd 1 or 2).  data is owned by the ctx and valid until
 * wasi_free; empty when the stream went to a host fd. */
typedef struct {
	const uint8_t *data;
	size_t len;
	bool truncated;          /* some output went past the cap */
} wasi_output;

wasi_output wasi_captured(const wasi_ctx *ctx, int fd);
/* Empties the captured streams (and their truncation flags): a kept
 * instance's next call answers only with what it writes itself. */
void wasi_captured_clear(wasi_ctx *ctx);

/* Whether proc_exit was called, and its code. */
bool wasi_exited(const wasi_ctx *ctx, int *exit_code);

#endif
