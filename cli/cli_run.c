/* cli_run.c -- `wasmhost run` (run a WASI command's `_start`, or call one
 * export of a module) and `wasmhost inspect` (list imports and exports).
 *
 * A module that imports from wasi_snapshot_preview1 gets WASI (cli_wasi.c):
 * without --invoke, `_start` runs with argv = [FILE, ARGS...] and the run
 * exits with the program's exit code; with --invoke, ARGS are the export's
 * parameters and WASI is there for the functions it calls.
 *
 * Local runs have no deadline, fuel or memory cap unless asked for.  The
 * deadline is an epoch counter bumped by SIGALRM (setitimer): the engine
 * checks it at function entries and loop headers. */
#include "cli.h"
#include "cli_wasi.h"
#include "sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESULTS 64

struct run_opts {
	const char *invoke;     /* export to call, invoke_len bytes */
	size_t invoke_len;
	char *invoke_hex;       /* --invoke-hex's name (malloc'd) */
	char shown[128];        /* the export's name for messages */
	bool has_fuel;
	uint64_t fuel;
	uint64_t max_pages;     /* 0 = no cap */
	uint64_t timeout_ms;    /* 0 = no deadline */
	bool no_sandbox;        /* run in-process (debugging) */
	bool stats;             /* --stats: timings and code sizes on stderr */
	bool perf_map;          /* --perf-map: /tmp/perf-PID.map */
	const char *path;
	int nargs;
	char **args;
	bool wasi_start;        /* no --invoke: a WASI command's _start */
	char **env;             /* --env K=V, nenv of them */
	int nenv;
	char **dirs;            /* --dir HOST::GUEST, ndirs of them */
	int ndirs;
};

/* Written by the SIGALRM handler; the engine compares it to deadline 1. */
static volatile uint64_t run_epoch;

static void on_alarm(int sig)
{
	(void)sig;
	run_epoch = 1;
}

static bool timer_start(uint64_t timeout_ms)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGALRM, &sa, NULL) != 0)
		return false;
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = (time_t)(timeout_ms / 1000);
	it.it_value.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	return setitimer(ITIMER_REAL, &it, NULL) == 0;
}

/* --stats: sb_now_ns() at the phases of an in-process run (0 = not
 * reached). */
static struct {
	uint64_t start_ns, loaded_ns, entered_ns, done_ns;
} run_clock;

/* One line on stderr: load_us (read + decode + validate), instantiate_us
 * (store, WASI context and linking, instantiation with its start
 * function: the time to the first instruction of the export is load_us +
 * instantiate_us), run_us (the call), then the module's code sizes:
 * functions are pre-decoded on first call, so compiled_* count those the
 * run reached; jit_* sum the JIT tiers.  Then, if a JIT tier refused a
 * function, a line with the count and the last reason; then one line of
 * every tier's figures by name (cli_tier_stats_print: interp_funcs= ...
 * opt_osr=) and each JIT tier's last refusal.  A function tier 2 refuses is
 * compiled by the baseline, so the jit_* sums count it in both. */
static void stats_print(const wasm_module *m)
{
	wasm_module_stats ms;
	wasm_tier_stats jit = { 0 };
	const char *refused_reason = NULL;
	uint64_t done = run_clock.done_ns ? run_clock.done_ns : sb_now_ns();
	uint64_t entered = run_clock.entered_ns ? run_clock.entered_ns : done;

	wasm_module_stats_get(m, &ms);
	for (int t = WASM_TIER_INTERP + 1; t < WASM_TIER_COUNT; t++) {
		jit.nfuncs += ms.tiers[t].nfuncs;
		jit.nfuncs_refused += ms.tiers[t].nfuncs_refused;
		jit.wasm_bytes += ms.tiers[t].wasm_bytes;
		jit.code_bytes += ms.tiers[t].code_bytes;
		jit.compile_ns += ms.tiers[t].compile_ns;
		jit.osr_entries += ms.tiers[t].osr_entries;
		if (ms.refused_reason[t])
			refused_reason = ms.refused_reason[t];
	}
	const wasm_tier_stats *interp = &ms.tiers[WASM_TIER_INTERP];
	fprintf(stderr, "stats: load_us=%llu instantiate_us=%llu run_us=%llu "
		"code_section_bytes=%llu funcs=%u funcs_compiled=%u "
		"compiled_wasm_bytes=%llu compiled_code_bytes=%llu "
		"jit_funcs=%u jit_refused=%u jit_wasm_bytes=%llu "
		"jit_code_bytes=%llu jit_compile_us=%llu osr_entries=%llu\n",
		(unsigned long long)(run_clock.loaded_ns - run_clock.start_ns) /
			1000,
		(unsigned long long)(entered - run_clock.loaded_ns) / 1000,
		(unsigned long long)(done - entered) / 1000,
		(unsigned long long)ms.code_section_bytes, ms.nfuncs,
		interp->nfuncs, (unsigned long long)interp->wasm_bytes,
		(unsigned long long)interp->code_bytes,
		jit.nfuncs, jit.nfuncs_refused,
		(unsigned long long)jit.wasm_bytes,
		(unsigned long long)jit.code_bytes,
		(unsigned long long)(jit.compile_ns / 1000),
		(unsigned long long)jit.osr_entries);
	if (refused_reason)
		fprintf(stderr, "stats: jit refused %u function(s), last: %s\n",
			jit.nfuncs_refused, refused_reason);
	/* every tier's figures by name (a function tier 2 refuses is
	 * compiled by the baseline, so the sums above count it twice), then
	 * each JIT tier's last refusal */
	cli_tier_stats_print(stderr, ms.tiers);
	for (int t = WASM_TIER_INTERP + 1; t < WASM_TIER_COUNT; t++)
		if (ms.refused_reason[t])
			fprintf(stderr, "stats: tier %s refused %u function(s), "
				"last: %s\n", wasm_tier_name((wasm_tier)t),
				ms.tiers[t].nfuncs_refused, ms.refused_reason[t]);
}

static void error_init(wasm_error *err)
{
	memset(err, 0, sizeof *err);
	err->offset = SIZE_MAX;
	err->func_index = WASM_NO_INDEX;
}

/* ---- option parsing -------------------------------------------------- */

enum { R_INVOKE, R_INVOKE_HEX, R_FUEL, R_MAX_PAGES, R_TIMEOUT_MS, R_ENV, R_DIR,
	R_NO_SANDBOX, R_STATS, R_PERF_MAP };

static const cli_opt run_opts[] = {
	[R_INVOKE] = { "--invoke", NULL, "NAME", "call export NAME with ARGS "
		"as its parameters (default:\n_start, a WASI program with argv "
		"[FILE, ARGS...])" },
	[R_INVOKE_HEX] = { "--invoke-hex", NULL, "HEX", "the same, NAME "
		"given as hex digits, two a byte (a name\nmay hold any byte: "
		"--invoke-hex 610062 calls \"a\\0b\")" },
	[R_FUEL] = { "--fuel", NULL, "N", "deterministic metering: trap "
		"out_of_fuel after N units" },
	[R_MAX_PAGES] = { "--max-memory-pages", "--max-pages", "N",
		"cap each memory at N 64 KiB pages (default: no cap)" },
	[R_TIMEOUT_MS] = { "--timeout-ms", NULL, "N", "trap timeout after N "
		"ms (default: no deadline)" },
	[R_ENV] = { "--env", NULL, "K=V", "a WASI environment variable "
		"(repeat; the default is none)" },
	[R_DIR] = { "--dir", NULL, "HOST::GUEST", "the host folder HOST, "
		"read-only, at GUEST for WASI\n(repeat; at most 64 MiB in all)" },
	[R_NO_SANDBOX] = { "--no-sandbox", NULL, NULL, "run in-process, not "
		"in a confined worker (debugging)" },
	[R_STATS] = { "--stats", NULL, NULL, "each tier's figures on stderr "
		"(interp_funcs= ... opt_osr=);\nwith --no-sandbox also times and "
		"code sizes" },
	[R_PERF_MAP] = { "--perf-map", NULL, NULL, "with --no-sandbox: write "
		"/tmp/perf-PID.map, naming each JIT\nfunction for `perf report` "
		"(wasm[INDEX] NAME TIER)" },
};

const cli_verb_help cli_run_help = {
	.verb = "run",
	.synopsis = "[OPTIONS] FILE.wasm [ARGS...]",
	.about = "instantiate FILE in a confined worker and run it: a WASI "
		"program's _start,\nor the export --invoke names; print each "
		"result on its own line\n",
	.opts = run_opts,
	.nopts = sizeof run_opts / sizeof run_opts[0],
};

static int run_option(int argc, char **argv, int *i, struct run_opts *o)
{
	const char *v;

	switch (cli_opt_match(run_opts, cli_run_help.nopts, argc, argv, i,
		&v)) {
	case CLI_OPT_NONE:
		return 0;
	case R_INVOKE:
		free(o->invoke_hex);
		o->invoke_hex = NULL;
		o->invoke = v;
		o->invoke_len = strlen(v);
		return 1;
	case R_INVOKE_HEX:
		free(o->invoke_hex);
		o->invoke_hex = NULL;
		if (!cli_parse_hex_name("--invoke-hex", v, &o->invoke_hex,
			&o->invoke_len))
			return -1;
		o->invoke = o->invoke_hex;
		return 1;
	case R_FUEL:
		if (!cli_parse_u64("--fuel", v, UINT64_MAX, &o->fuel))
			return -1;
		o->has_fuel = true;
		return 1;
	case R_NO_SANDBOX:
		o->no_sandbox = true;
		return 1;
	case R_STATS:
		o->stats = true;
		return 1;
	case R_PERF_MAP:
		o->perf_map = true;
		return 1;
	case R_MAX_PAGES:
		return cli_parse_u64("--max-pages", v, 65536, &o->max_pages) ?
			1 : -1;
	case R_ENV:
		if (!strchr(v, '=') || v[0] == '=') {
			fprintf(stderr, "error: --env '%s': want KEY=VALUE\n",
				v);
			return -1;
		}
		o->env[o->nenv++] = (char *)v;
		return 1;
	case R_DIR:
		o->dirs[o->ndirs++] = (char *)v;
		return 1;
	case R_TIMEOUT_MS:
		return cli_parse_u64("--timeout-ms", v, UINT64_C(1) << 40,
			&o->timeout_ms) ? 1 : -1;
	default:
		return -1;
	}
}

/* Options end at the file name; everything after it is an argument, so
 * negative numbers need no "--". */
static int run_parse(int argc, char **argv, struct cli_global *g,
	struct run_opts *o)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (cli_is_help(argv[i])) {
			cli_verb_help_print(stdout, &cli_run_help);
			return -1;
		}
		int r = run_option(argc, argv, &i, o);
		if (r == 0)
			r = cli_global_option(argc, argv, &i, g);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r == 0)
			return cli_unknown_option("run", argv[i]);
	}
	if (i >= argc)
		return cli_usage_error(&cli_run_help);
	o->path = argv[i];
	o->args = argv + i + 1;
	o->nargs = argc - i - 1;
	if (!o->invoke) {
		o->invoke = "_start";
		o->invoke_len = strlen(o->invoke);
		o->wasi_start = true;
	}
	wasm_name_format(o->invoke, o->invoke_len, o->shown, sizeof o->shown);
	return CLI_EXIT_OK;
}

/* ---- loading ---------------------------------------------------------- */

static int module_open(const char *path, wasm_engine *engine,
	wasm_module **out)
{
	uint8_t *bytes = NULL;
	size_t len;
	wasm_error err;
	int rc = CLI_EXIT_ERROR;

	*out = NULL;
	if (!cli_read_file(path, false, &bytes, &len))
		goto out;
	error_init(&err);
	if (wasm_module_load(engine, bytes, len, out, &err) != WASM_OK) {
		cli_print_load_error(path, &err);
		*out = NULL;
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	free(bytes);
	return rc;
}

/* `run` links WASI and nothing else: list the other imports and stop. */
static int imports_refuse(const char *path, const wasm_module *m)
{
	uint32_t n = wasm_module_import_count(m);
	int shown = 0;

	for (uint32_t i = 0; i < n; i++) {
		wasm_extern_desc d;
		wasm_module_import(m, i, &d);
		/* By the exact bytes, as wasi_link links. */
		if (d.module_len == strlen(WASI_MODULE_NAME) &&
		    strcmp(d.module, WASI_MODULE_NAME) == 0)
			continue;
		if (!shown)
			fprintf(stderr, "error: %s: module needs imports: ",
				path);
		char mod[128], name[128];
		wasm_name_format(d.module, d.module_len, mod, sizeof mod);
		wasm_name_format(d.name, d.name_len, name, sizeof name);
		fprintf(stderr, "%s%s.%s", shown++ ? ", " : "", mod, name);
	}
	if (shown)
		fputc('\n', stderr);
	return shown ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

static void exported_funcs_print(const wasm_module *m)
{
	uint32_t n = wasm_module_export_count(m);
	int shown = 0;

	for (uint32_t i = 0; i < n; i++) {
		wasm_extern_desc d;
		wasm_module_export(m, i, &d);
		if (d.kind != WASM_EXTERN_FUNC)
			continue;
		char name[128];
		wasm_name_format(d.name, d.name_len, name, sizeof name);
		fprintf(stderr, "%s%s", shown++ ? ", " : " (exported functions: ",
			name);
	}
	fprintf(stderr, "%s\n", shown ? ")" : " (the module exports no function)");
}

/* name: the export's name shown (escaped); the lookup is by o's bytes. */
static int export_func_type(const char *path, const wasm_module *m,
	const struct run_opts *o, wasm_functype *out)
{
	uint32_t i = wasm_module_export_find_bytes(m, o->invoke,
		o->invoke_len);
	const char *name = o->shown;
	wasm_extern_desc d;

	if (i == WASM_NO_INDEX) {
		fprintf(stderr, "error: %s: no export named '%s'", path, name);
		exported_funcs_print(m);
		return CLI_EXIT_USAGE;
	}
	wasm_module_export(m, i, &d);
	if (d.kind != WASM_EXTERN_FUNC) {
		fprintf(stderr, "error: %s: export '%s' is a %s, not a function\n",
			path, name, wasm_extern_kind_name(d.kind));
		return CLI_EXIT_USAGE;
	}
	*out = d.func;
	return CLI_EXIT_OK;
}

/* ---- outcomes --------------------------------------------------------- */

/* Maps a failed instantiation or call to output and an exit code. */
static int failure_report(const char *path, const char *what,
	wasm_status s, const wasm_error *err)
{
	switch (s) {
	case WASM_ERR_TRAP:
		return cli_ending_print(&(cli_ending){ .kind = "trap",
			.what = wasm_trap_kind_name(err->trap),
			.message = err->message, .func_name = err->func_name,
			.func_index = err->func_index, .offset = err->offset });
	case WASM_ERR_EXIT:
		return err->exit_code;
	default:
		fprintf(stderr, "error: %s: %s failed (%s): %s\n", path, what,
			wasm_status_name(s), err->message);
		return CLI_EXIT_ERROR;
	}
}

/* ---- run -------------------------------------------------------------- */

static wasm_engine *engine_make(const struct cli_global *g, bool fuel,
	FILE *perf_map)
{
	wasm_config cfg;

	wasm_config_default(&cfg);
	cfg.tier = g->tier;
	cfg.tier_threshold = g->tier_threshold;
	cfg.opt_threshold = g->opt_threshold;
	cfg.no_avx = g->no_avx;
	cfg.fuel = fuel;
	cfg.perf_map = perf_map;
	wasm_engine *e = wasm_engine_new(&cfg);
	/* tier 2 compiles in the background, as in a worker (without the
	 * thread it would compile on this one) */
	if (e && wasm_engine_start_compile_thread(e) != WASM_OK)
		fprintf(stderr, "wasmhost: no compile thread, tier 2 compiles "
			"on the running thread\n");
	return e;
}

static void store_limits(wasm_store *store, const struct run_opts *o)
{
	if (o->max_pages)
		wasm_store_set_max_memory_pages(store, (uint32_t)o->max_pages);
	if (o->has_fuel)
		wasm_store_set_fuel(store, o->fuel);
	if (o->timeout_ms)
		wasm_store_set_deadline(store, &run_epoch, 1);
}

/* WASI imports into imports[] (the module's import count of entries). */
static int wasi_imports(const struct run_opts *o, const wasm_module *m,
	wasm_store *store, cli_wasi **cw, wasm_extern **imports)
{
	wasm_error err;
	int rc;

	*imports = calloc((size_t)wasm_module_import_count(m) + 1,
		sizeof **imports);
	if (!*imports)
		return CLI_EXIT_ERROR;
	rc = cli_wasi_new(o->path, o->wasi_start ? o->args : NULL,
		o->wasi_start ? o->nargs : 0, o->env, o->nenv, o->dirs,
		o->ndirs, cw);
	if (rc != CLI_EXIT_OK)
		return rc;
	error_init(&err);
	if (wasi_link(cli_wasi_ctx(*cw), store, m, *imports, &err) != WASM_OK) {
		fprintf(stderr, "error: %s: %s\n", o->path, err.message);
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

static int run_call(const struct run_opts *o, wasm_module *m,
	wasm_store *store, const wasm_value *args,
	const wasm_extern *imports, cli_wasi *cw)
{
	wasm_instance *inst = NULL;
	wasm_value *results = NULL;
	uint32_t nresults = 0;
	wasm_error err;
	wasm_status s;

	if (o->timeout_ms && !timer_start(o->timeout_ms)) {
		perror("wasmhost: setitimer");
		return CLI_EXIT_ERROR;
	}
	error_init(&err);
	s = wasm_instance_new(store, m, imports,
		imports ? wasm_module_import_count(m) : 0, &inst, &err);
	if (s != WASM_OK)
		return failure_report(o->path, "instantiation", s, &err);
	if (cw && o->wasi_start) {
		int code;
		error_init(&err);
		run_clock.entered_ns = sb_now_ns();
		s = wasi_run_start(cli_wasi_ctx(cw), store, inst, &code, &err);
		run_clock.done_ns = sb_now_ns();
		return s == WASM_OK ? code
			: failure_report(o->path, o->shown, s, &err);
	}
	error_init(&err);
	run_clock.entered_ns = sb_now_ns();
	s = wasm_instance_call_bytes(store, inst, o->invoke, o->invoke_len,
		args, (size_t)o->nargs, &results, &nresults, &err);
	run_clock.done_ns = sb_now_ns();
	if (s != WASM_OK)
		return failure_report(o->path, o->shown, s, &err);
	cli_results_print(results, nresults);
	free(results);
	return CLI_EXIT_OK;
}

int cli_run_main(int argc, char **argv, struct cli_global *g)
{
	struct run_opts o = { 0 };
	wasm_engine *engine = NULL;
	wasm_module *m = NULL;
	wasm_store *store = NULL;
	wasm_functype t;
	wasm_value *args = NULL;
	wasm_extern *imports = NULL;
	cli_wasi *cw = NULL;
	FILE *perf_map = NULL;
	int rc = CLI_EXIT_ERROR;

	o.env = calloc((size_t)argc + 1, sizeof *o.env);
	o.dirs = calloc((size_t)argc + 1, sizeof *o.dirs);
	if (!o.env || !o.dirs)
		goto out;
	rc = run_parse(argc, argv, g, &o);
	if (rc < 0)
		rc = CLI_EXIT_OK;   /* --help */
	if (rc != CLI_EXIT_OK || !o.path)
		goto out;
	if (o.perf_map && !o.no_sandbox) {
		/* a confined worker opens no file */
		fprintf(stderr, "error: --perf-map needs --no-sandbox\n");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (!o.no_sandbox) {
		struct cli_sandbox_run sr = { .path = o.path,
			.invoke = o.invoke, .invoke_len = o.invoke_len,
			.args = o.args, .nargs = o.nargs,
			.env = o.env, .nenv = o.nenv,
			.has_fuel = o.has_fuel, .fuel = o.fuel,
			.max_pages = o.max_pages, .timeout_ms = o.timeout_ms,
			.stats = o.stats };
		/* The --dir trees are read here and sent to the worker. */
		if (o.ndirs > 0 && (rc = cli_wasi_new(o.path, NULL, 0, NULL, 0,
			o.dirs, o.ndirs, &cw)) != CLI_EXIT_OK)
			goto out;
		if (cw)
			sr.files = cli_wasi_files(cw, &sr.nfiles);
		rc = cli_run_sandboxed(&sr, g);
		goto out;
	}
	rc = CLI_EXIT_ERROR;
	if (o.perf_map) {
		char mp[64];
		snprintf(mp, sizeof mp, "/tmp/perf-%ld.map", (long)getpid());
		if (!(perf_map = fopen(mp, "w"))) {
			fprintf(stderr, "error: %s: %s\n", mp, strerror(errno));
			goto out;
		}
	}
	engine = engine_make(g, o.has_fuel, perf_map);
	if (!engine) {
		fprintf(stderr, "wasmhost: cannot create the engine\n");
		goto out;
	}
	run_clock.start_ns = sb_now_ns();
	rc = module_open(o.path, engine, &m);
	run_clock.loaded_ns = sb_now_ns();
	if (rc != CLI_EXIT_OK ||
	    (rc = export_func_type(o.path, m, &o, &t)) != CLI_EXIT_OK)
		goto out;
	bool wasi = wasi_module_uses(m);
	o.wasi_start = o.wasi_start && wasi;
	if (o.wasi_start && (t.nparams != 0 || t.nresults != 0)) {
		fprintf(stderr, "error: %s: _start of a WASI command must take "
			"and return nothing\n", o.path);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (t.nresults > MAX_RESULTS) {
		fprintf(stderr, "error: %s: %s returns %u values; at most %d "
			"are supported\n", o.path, o.shown, t.nresults,
			MAX_RESULTS);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	args = calloc((size_t)o.nargs + 1, sizeof *args);
	if (!args) {
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if ((!o.wasi_start && (rc = cli_args_parse(o.shown, &t, o.args,
	     o.nargs, args)) != CLI_EXIT_OK) ||
	    (rc = imports_refuse(o.path, m)) != CLI_EXIT_OK)
		goto out;
	store = wasm_store_new(engine);
	if (!store) {
		fprintf(stderr, "wasmhost: cannot create a store\n");
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	store_limits(store, &o);
	if (wasi && (rc = wasi_imports(&o, m, store, &cw, &imports)) !=
	    CLI_EXIT_OK)
		goto out;
	rc = run_call(&o, m, store, args, imports, cw);
	if (o.stats)
		stats_print(m);
out:
	free(args);
	free(imports);
	free(o.env);
	free(o.dirs);
	free(o.invoke_hex);
	if (store)
		wasm_store_free(store);
	if (m)
		wasm_module_free(m);
	wasm_engine_free(engine);
	if (perf_map)
		fclose(perf_map);
	cli_wasi_free(cw);
	return rc;
}

/* ---- inspect ---------------------------------------------------------- */

static void limits_print(const wasm_limits *l)
{
	if (l->has_max)
		printf(" {min %u, max %u}", l->min, l->max);
	else
		printf(" {min %u}", l->min);
}

static void desc_print(const char *dir, const wasm_extern_desc *d)
{
	char sig[512];

	/* Names are bytes: U+0000 and other control bytes shown escaped
	 * (wasm_name_format), never cut or sent to the terminal raw. */
	printf("%s %s ", dir, wasm_extern_kind_name(d->kind));
	if (d->module) {
		cli_name_print(stdout, d->module, d->module_len);
		putchar('.');
	}
	cli_name_print(stdout, d->name, d->name_len);
	switch (d->kind) {
	case WASM_EXTERN_FUNC:
		cli_functype_format(&d->func, sig, sizeof sig);
		printf(" %s", sig);
		break;
	case WASM_EXTERN_TABLE:
		printf(" %s", wasm_valtype_name(d->table.elem));
		limits_print(&d->table.limits);
		break;
	case WASM_EXTERN_MEMORY:
		limits_print(&d->memory);
		break;
	case WASM_EXTERN_GLOBAL:
		printf(" %s %s", d->global.mut ? "mut" : "const",
			wasm_valtype_name(d->global.type));
		break;
	}
	putchar('\n');
}

const cli_verb_help cli_inspect_help = {
	.verb = "inspect",
	.synopsis = "FILE.wasm",
	.about = "list the imports and exports of FILE with their types\n",
};

int cli_inspect_main(int argc, char **argv, struct cli_global *g)
{
	wasm_engine *engine = NULL;
	wasm_module *m = NULL;
	const char *path = NULL;
	int rc = CLI_EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			cli_verb_help_print(stdout, &cli_inspect_help);
			return CLI_EXIT_OK;
		}
		int r = argv[i][0] == '-' ? cli_global_option(argc, argv, &i, g)
					  : 0;
		if (r < 0)
			goto out;
		if (r == 1)
			continue;
		if (argv[i][0] == '-')
			return cli_unknown_option("inspect", argv[i]);
		if (path)
			return cli_usage_error(&cli_inspect_help);
		path = argv[i];
	}
	if (!path)
		return cli_usage_error(&cli_inspect_help);
	rc = CLI_EXIT_ERROR;
	engine = engine_make(g, false, NULL);
	if (!engine || module_open(path, engine, &m) != CLI_EXIT_OK)
		goto out;
	for (uint32_t i = 0; i < wasm_module_import_count(m); i++) {
		wasm_extern_desc d;
		wasm_module_import(m, i, &d);
		desc_print("import", &d);
	}
	for (uint32_t i = 0; i < wasm_module_export_count(m); i++) {
		wasm_extern_desc d;
		wasm_module_export(m, i, &d);
		d.module = NULL;
		desc_print("export", &d);
	}
	rc = CLI_EXIT_OK;
out:
	if (m)
		wasm_module_free(m);
	wasm_engine_free(engine);
	return rc;
}
