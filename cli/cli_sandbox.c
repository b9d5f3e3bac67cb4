/* cli_sandbox.c -- `wasmhost run` in one confined worker (the default).
 *
 * The file is read here, but decoded, validated and run only in the
 * worker (brief, decision 1): the export list used to parse the arguments
 * comes back from the worker too.  Output matches the in-process run:
 * results alone on stdout; on failure the first stderr line is
 * `trap: KIND` (timeouts and fuel included, as in-process), `limit: WHAT`
 * or `killed: SIGNAL`. */
#include "cli.h"
#include "sandbox.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The export named by the len bytes at name (U+0000 allowed). */
static const sb_extern *export_func(const sb_result *info, const char *name,
	size_t len)
{
	for (uint32_t i = 0; i < info->nexports; i++)
		if (info->exports[i].name_len == len &&
		    memcmp(info->exports[i].name, name, len) == 0)
			return &info->exports[i];
	return NULL;
}

/* WASI's module name, by the exact bytes (as the worker links). */
static bool is_wasi(const sb_extern *e)
{
	return e->module_len == strlen("wasi_snapshot_preview1") &&
		strcmp(e->module, "wasi_snapshot_preview1") == 0;
}

static bool imports_wasi_only(const char *path, const sb_result *info,
	bool *uses_wasi)
{
	bool other = false;

	*uses_wasi = false;
	for (uint32_t i = 0; i < info->nimports; i++) {
		if (is_wasi(&info->imports[i]))
			*uses_wasi = true;
		else
			other = true;
	}
	if (!other)
		return true;
	fprintf(stderr, "error: %s: module needs imports: ", path);
	int shown = 0;
	for (uint32_t i = 0; i < info->nimports; i++) {
		const sb_extern *e = &info->imports[i];
		if (is_wasi(e))
			continue;
		char mod[128], name[128];
		wasm_name_format(e->module, e->module_len, mod, sizeof mod);
		wasm_name_format(e->name, e->name_len, name, sizeof name);
		fprintf(stderr, "%s%s.%s", shown++ ? ", " : "", mod, name);
	}
	fputc('\n', stderr);
	return false;
}

static void output_write(const uint8_t *data, size_t len, int fd)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

static int outcome_report(const char *path, const sb_result *res)
{
	fflush(stdout);
	output_write(res->stdout_data, res->stdout_len, 1);
	output_write(res->stderr_data, res->stderr_len, 2);
	if (res->stdout_truncated || res->stderr_truncated)
		fprintf(stderr, "wasmhost: captured output was truncated\n");
	switch (res->outcome) {
	case SB_OK:
		cli_results_print(res->results, res->nresults);
		return CLI_EXIT_OK;
	case SB_EXIT:
		return res->exit_code;
	case SB_TRAP:
	case SB_TIMEOUT:
	case SB_LIMIT:
	case SB_KILLED:
		return cli_ending_print(&(cli_ending){
			.kind = res->outcome == SB_LIMIT ? "limit" :
				res->outcome == SB_KILLED ? "killed" : "trap",
			.what = res->outcome == SB_LIMIT ?
				sb_limit_name(res->limit) :
				res->outcome != SB_KILLED ?
				wasm_trap_kind_name(res->trap) :
				res->signal ? sb_signal_name(res->signal) : NULL,
			.exit_status = res->exit_code, .message = res->message,
			.func_name = res->func_name,
			.func_index = res->func_index, .offset = res->offset });
	case SB_INSTANTIATE_ERROR:
		fprintf(stderr, "error: %s: instantiation failed: %s\n", path,
			res->message);
		return CLI_EXIT_ERROR;
	case SB_INVALID_MODULE:
		if (res->offset != SIZE_MAX)
			fprintf(stderr, "error: %s: %s at offset %zu\n", path,
				res->message, res->offset);
		else
			fprintf(stderr, "error: %s: %s\n", path, res->message);
		return CLI_EXIT_ERROR;
	case SB_BAD_CALL:
		fprintf(stderr, "error: %s: %s\n", path, res->message);
		return CLI_EXIT_USAGE;
	default:
		fprintf(stderr, "error: %s: %s: %s\n", path,
			sb_outcome_name(res->outcome), res->message);
		return CLI_EXIT_ERROR;
	}
}

/* WASI programs get the whole of stdin when it is not a terminal. */
static uint8_t *stdin_slurp(size_t *len)
{
	*len = 0;
	if (isatty(0))
		return NULL;
	uint8_t *buf = NULL;
	if (!cli_read_file("/dev/stdin", true, &buf, len))
		return NULL;
	return buf;
}

int cli_run_sandboxed(const struct cli_sandbox_run *r,
	const struct cli_global *g)
{
	sb_config cfg = {
		.max_workers = 1,
		.fuel = r->has_fuel,
		.tier = g->tier,
		.tier_threshold = g->tier_threshold,
		.opt_threshold = g->opt_threshold,
		.no_avx = g->no_avx,
		.max_memory_pages = (uint32_t)r->max_pages,
	};
	sb_supervisor *sup = NULL;
	sb_module *m = NULL;
	sb_result *info = NULL, *res = NULL;
	uint8_t *bytes = NULL, *in = NULL;
	wasm_value *args = NULL;
	const char **argv = NULL;
	sb_file *files = NULL;
	wasm_error err;
	size_t len, in_len = 0;
	int rc = CLI_EXIT_ERROR;

	if (!cli_read_file(r->path, false, &bytes, &len))
		goto out;
	/* Before any thread: the zygote forks from here. */
	if (sb_supervisor_new(&cfg, &sup, &err) != WASM_OK) {
		fprintf(stderr, "wasmhost: sandbox: %s (--no-sandbox runs "
			"in-process)\n", err.message);
		goto out;
	}
	m = sb_module_new(sup, "local", r->path, bytes, len);
	if (!m) {
		fprintf(stderr, "error: %s: module too large\n", r->path);
		goto out;
	}
	sb_request req = { .kind = SB_INSPECT };
	info = sb_invoke_wait(m, &req);
	if (info->outcome != SB_OK) {
		rc = outcome_report(r->path, info);
		goto out;
	}
	bool wasi;
	if (!imports_wasi_only(r->path, info, &wasi))
		goto out;
	size_t invoke_len = r->invoke_len ? r->invoke_len : strlen(r->invoke);
	char shown_name[128];
	wasm_name_format(r->invoke, invoke_len, shown_name, sizeof shown_name);
	const sb_extern *e = export_func(info, r->invoke, invoke_len);
	if (!e) {
		fprintf(stderr, "error: %s: no export named '%s'", r->path,
			shown_name);
		int shown = 0;
		for (uint32_t i = 0; i < info->nexports; i++) {
			const sb_extern *x = &info->exports[i];
			char name[128];
			if (x->kind != WASM_EXTERN_FUNC)
				continue;
			wasm_name_format(x->name, x->name_len, name,
				sizeof name);
			fprintf(stderr, "%s%s", shown++ ? ", " :
				" (exported functions: ", name);
		}
		fprintf(stderr, "%s\n", shown ? ")" :
			" (the module exports no function)");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (e->kind != WASM_EXTERN_FUNC) {
		fprintf(stderr, "error: %s: export '%s' is a %s, not a "
			"function\n", r->path, shown_name,
			wasm_extern_kind_name(e->kind));
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	memset(&req, 0, sizeof req);
	req.timeout_ms = r->timeout_ms;
	req.max_memory_pages = (uint32_t)r->max_pages;
	req.has_fuel = r->has_fuel;
	req.fuel = r->fuel;
	/* A WASI module gets argv, --env, the --dir trees and stdin whether
	 * its _start runs or another export is called, as in-process
	 * (cli_wasi_new); argv[0] is FILE as given. */
	bool start = wasi && invoke_len == 6 &&
		strcmp(r->invoke, "_start") == 0;
	if (wasi) {
		int nargv = start ? r->nargs : 0;
		argv = calloc((size_t)nargv + 2, sizeof *argv);
		files = calloc(r->nfiles + 1, sizeof *files);
		if (!argv || !files)
			goto out;
		argv[0] = r->path;
		for (int i = 0; i < nargv; i++)
			argv[i + 1] = r->args[i];
		in = stdin_slurp(&in_len);
		req.argv = argv;
		req.argc = (uint32_t)nargv + 1;
		req.env = (const char *const *)r->env;
		req.envc = (uint32_t)r->nenv;
		req.stdin_data = in;
		req.stdin_len = in_len;
		for (size_t i = 0; i < r->nfiles; i++)
			if (!r->files[i].dir)
				files[req.nfiles++] = (sb_file){
					.path = r->files[i].path,
					.data = r->files[i].data,
					.len = r->files[i].len };
		req.files = files;
	}
	if (start) {
		req.kind = SB_WASI;
	} else {
		args = calloc((size_t)r->nargs + 1, sizeof *args);
		if (!args)
			goto out;
		wasm_functype t = { .nparams = e->nparams,
			.nresults = e->nresults, .params = e->params,
			.results = e->results };
		if ((rc = cli_args_parse(shown_name, &t, r->args, r->nargs,
			args)) != CLI_EXIT_OK)
			goto out;
		req.kind = SB_CALL;
		req.function = r->invoke;
		req.function_len = invoke_len;
		req.args = args;
		req.nargs = (uint32_t)r->nargs;
	}
	sb_request_fault f;
	if (!sb_request_check(&req, &f)) {
		/* One line, before anything reaches the worker. */
		char what[64], text[200];
		snprintf(what, sizeof what, "%s", strcmp(f.member, "argv") == 0 ?
			"program arguments (with FILE)" :
			strcmp(f.member, "env") == 0 ? "--env" : "--dir files");
		if (!f.count)
			snprintf(what + strlen(what), sizeof what - strlen(what),
				", entry %u", f.index);
		fprintf(stderr, "wasmhost: %s\n", sb_request_fault_text(&f,
			what, text, sizeof text));
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	res = sb_invoke_wait(m, &req);
	rc = outcome_report(r->path, res);
	if (r->stats && res->has_tiers)
		cli_tier_stats_print(stderr, res->tiers.tier);
out:
	sb_result_free(info);
	sb_result_free(res);
	sb_module_release(m);
	sb_supervisor_free(sup);
	free(args);
	free(argv);
	free(files);
	free(in);
	free(bytes);
	return rc;
}
