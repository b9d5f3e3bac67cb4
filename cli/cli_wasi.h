/* cli_wasi.h -- WASI for `wasmhost run`: a wasi_ctx for a local run, with
 * argv, --env, the process's stdin/stdout/stderr and --dir trees preloaded
 * into memory. */
#ifndef WASMHOST_CLI_WASI_H
#define WASMHOST_CLI_WASI_H

#include "wasi.h"

/* The files of all --dir trees together may hold at most this many bytes
 * (they are read into memory before the program starts). */
#define CLI_WASI_MAX_TREE_BYTES (64u << 20)
#define CLI_WASI_MAX_TREE_ENTRIES 100000u

typedef struct cli_wasi cli_wasi;

/* argv = [program, args...]; env are "K=V"; dirs are "HOST::GUEST" (or an
 * absolute "DIR", meaning DIR::DIR).  Prints what is wrong and returns a
 * CLI_EXIT_* code; on success *out is set. */
int cli_wasi_new(const char *program, char *const *args, int nargs,
	char *const *env, int nenv, char *const *dirs, int ndirs,
	cli_wasi **out);
wasi_ctx *cli_wasi_ctx(const cli_wasi *cw);
/* The loaded --dir trees (owned by cw). */
const wasi_file *cli_wasi_files(const cli_wasi *cw, size_t *nfiles);
void cli_wasi_free(cli_wasi *cw);

#endif
