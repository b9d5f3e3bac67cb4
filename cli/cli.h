/* cli.h -- the `wasmhost` command line: verbs and the helpers they share.
 *
 * Exit codes of every verb:
 *   0  success (for `spec`: no assertion failed)
 *   1  an error: unreadable file, module fails to load, missing imports,
 *      instantiation failed, some spec assertion failed
 *   2  usage error: bad option, bad argument count or value, unknown export,
 *      a tier that is not available
 *   3  the invoked code trapped (any kind: timeout and out_of_fuel included);
 *      stderr starts with "trap: KIND"
 * A WASI-style exit (WASM_ERR_EXIT) ends with the program's own exit code.
 */
#ifndef WASMHOST_CLI_H
#define WASMHOST_CLI_H

#include "wasi.h"
#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_TRAP = 3,
};

/* Options that may come before the verb or among its options. */
struct cli_global {
	wasm_tier tier;
	uint32_t tier_threshold;  /* --tier-threshold / WASMHOST_TIER_THRESHOLD;
	                             0 = the engine's default */
	uint32_t opt_threshold;   /* --opt-threshold / WASMHOST_OPT_THRESHOLD;
	                             0 = the engine's default */
	bool no_avx;              /* WASMHOST_NO_AVX set (not "" or "0"):
	                             wasm_config.no_avx */
	const char *url;          /* --url, for the client verbs; NULL = unset */
	const char *token;        /* --token; NULL = unset */
};

/* One option of a verb (or of every verb): the parser matches argv
 * against a table of these and the help text is printed from the same
 * table, so that the help lists exactly what is accepted. */
typedef struct {
	const char *name;         /* "--fuel" */
	const char *alias;        /* another spelling ("-v"), or NULL */
	const char *arg;          /* "N" if it takes a value, NULL for a flag */
	const char *help;         /* a sentence; the help wraps it */
} cli_opt;

/* A verb's help: "usage: wasmhost VERB SYNOPSIS", what it does, its
 * options. */
typedef struct {
	const char *verb;
	const char *synopsis;     /* "[OPTIONS] FILE.wasm [ARGS...]" */
	const char *about;        /* a sentence or two; the help wraps it */
	const cli_opt *opts;
	size_t nopts;
} cli_verb_help;

/* The help of each verb (cli_run.c, cli_spec.c, cli_dump.c,
 * cli_client.c). */
extern const cli_verb_help cli_run_help, cli_inspect_help, cli_spec_help,
	cli_dump_help, cli_upload_help, cli_list_help, cli_invoke_help, cli_delete_help,
	cli_instance_create_help, cli_instance_invoke_help,
	cli_instance_list_help, cli_instance_get_help, cli_instance_delete_help;

enum { CLI_OPT_NONE = -1, CLI_OPT_BAD = -2 };

/* The index in opts[0..n) of the option at argv[*i] ("--fuel N",
 * "--fuel=N", or a flag), with *value set (and *i moved past a separate
 * value) for one that takes a value; CLI_OPT_NONE if no entry matches;
 * CLI_OPT_BAD if its value is missing (message printed). */
int cli_opt_match(const cli_opt *opts, size_t n, int argc, char **argv,
	int *i, const char **value);

/* Prints h's usage and options (and where the global ones are) on f. */
void cli_verb_help_print(FILE *f, const cli_verb_help *h);

/* "wasmhost[ VERB]: unknown option 'ARG' (see 'wasmhost[ VERB] --help')",
 * one line on stderr; returns CLI_EXIT_USAGE. */
int cli_unknown_option(const char *verb, const char *arg);

/* "usage: wasmhost VERB SYNOPSIS (see 'wasmhost VERB --help')", one line
 * on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_verb_help *h);

/* True for "--help" and "-h". */
bool cli_is_help(const char *arg);

/* `wasmhost run` in a confined worker (cli_sandbox.c), the default. */
struct cli_sandbox_run {
	const char *path;
	const char *invoke;       /* export, or "_start" (WASI if imported) */
	size_t invoke_len;        /* its bytes (a name may hold U+0000) */
	char **args;
	int nargs;
	char **env;               /* "K=V" for WASI */
	int nenv;
	const wasi_file *files;   /* --dir trees for WASI (dirs skipped: the
	                             worker preopens the tree as "/") */
	size_t nfiles;
	bool has_fuel;
	uint64_t fuel;
	uint64_t max_pages;       /* 0 = no cap but the engine's */
	uint64_t timeout_ms;      /* 0 = none */
	bool stats;               /* --stats: the worker's per-tier figures */
};

int cli_run_sandboxed(const struct cli_sandbox_run *r,
	const struct cli_global *g);

/* One line "stats: interp_funcs=N interp_refused=N ... opt_osr=N" to
 * out: every figure of every tier, named by WASM_TIER_STATS (run --stats,
 * in-process and confined). */
void cli_tier_stats_print(FILE *out, const wasm_tier_stats *tiers);

/* Verbs; argv[0] is the verb itself. */
int cli_run_main(int argc, char **argv, struct cli_global *g);
int cli_inspect_main(int argc, char **argv, struct cli_global *g);
int cli_spec_main(int argc, char **argv, struct cli_global *g);
/* dump: a module's code as text (cli_dump.c). */
int cli_dump_main(int argc, char **argv, struct cli_global *g);
/* upload, list, invoke, delete, instance ...: a running wasmhostd
 * (cli_client.c). */
int cli_client_main(int argc, char **argv, struct cli_global *g);

/* Matches option NAME ("--fuel") at argv[*i], as "--fuel=N" or "--fuel N".
 * Returns 0 if argv[*i] is another option, 1 with *value set (and *i moved
 * past a separate value), -1 if the value is missing (message printed). */
int cli_option(int argc, char **argv, int *i, const char *name,
	const char **value);

/* Handles a global option at argv[*i] (--tier, --tier-threshold, --url,
 * --token: cli_global_opts in cli.c).  Returns 0 if
 * it is not one, 1 if consumed, -1 on a usage error (message printed). */
int cli_global_option(int argc, char **argv, int *i, struct cli_global *g);

/* Decimal (or 0x hex) unsigned integer no larger than max; false on bad
 * text, with a message naming the option printed. */
bool cli_parse_u64(const char *option, const char *text, uint64_t max,
	uint64_t *out);

/* A name given as hex digits, two a byte ("610062" is "a\0b"), so that
 * it may hold any byte, U+0000 included (--invoke-hex, --function-hex).
 * *out is malloc'd, its *len bytes followed by a NUL; false on bad text,
 * with a message naming the option printed. */
bool cli_parse_hex_name(const char *option, const char *text, char **out,
	size_t *len);

/* Prints a name of len bytes whole, as wasm_name_format shows it (U+0000
 * and other control bytes escaped). */
void cli_name_print(FILE *f, const char *name, size_t len);

/* Reads a whole file.  On failure prints "error: PATH: reason" (unless
 * quiet) and returns false.  *out is malloc'd; free it. */
bool cli_read_file(const char *path, bool quiet, uint8_t **out,
	size_t *len);

/* "(i32, i64) -> (f32)" into buf. */
void cli_functype_format(const wasm_functype *t, char *buf, size_t len);

/* The arguments of `wasmhost run --invoke FUNC` (texts[0..ntexts)) as
 * values of t's parameter types into out (ntexts of them), in and out of
 * the sandbox alike.  On a wrong count or a bad value prints
 * "error: FUNC (SIG) expects N arguments, got M" or "error: argument I of
 * FUNC: 'TEXT' is not a valid TYPE" and returns CLI_EXIT_USAGE. */
int cli_args_parse(const char *func, const wasm_functype *t,
	char *const *texts, int ntexts, wasm_value *out);

/* How a call that returned no results ended, the same on stderr from
 * every verb (run in-process and confined, invoke): a first line
 * "trap: KIND" (timeout and out_of_fuel included: a fuel limit is
 * printed as the trap it is in-process), "limit: WHAT", "killed: SIGNAL"
 * or "killed: exit status N", then
 * "  MESSAGE[, in function 'NAME'][ (index I)][ at offset 0xN]".
 * kind is "trap", "limit" or "killed"; what the trap kind, limit, or
 * signal name (for "killed" NULL: exit_status).  func_name may be NULL
 * or "", func_index WASM_NO_INDEX, offset SIZE_MAX.  Returns
 * CLI_EXIT_TRAP. */
typedef struct {
	const char *kind;
	const char *what;
	int exit_status;
	const char *message;
	const char *func_name;
	uint32_t func_index;
	size_t offset;
} cli_ending;
int cli_ending_print(const cli_ending *e);

/* Prints each result on its own line on stdout, as wasm_value_format
 * writes it, and flushes stdout: what run and invoke print for a call. */
void cli_results_print(const wasm_value *results, uint32_t n);

/* Prints "error: PATH: message[ at offset N]" for a failed load. */
void cli_print_load_error(const char *path, const wasm_error *err);

#endif
