/* cli_dump.c -- `wasmhost dump`: print what the engine made of a module's
 * functions (the interpreter's pre-decoded code; the baseline JIT's machine
 * code; the optimizing JIT's IR, machine IR and machine code).  Runs in this process: the module is
 * decoded and pre-decoded, never run. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { D_PREDECODED, D_BASELINE, D_OPT, D_IR };

static const cli_opt dump_opts[] = {
	[D_PREDECODED] = { "--predecoded", NULL, NULL, "the interpreter's "
		"instructions, one a line with its code offset, fields, family "
		"and the wasm offset of ops that can trap (the default)" },
	[D_BASELINE] = { "--baseline", NULL, NULL, "the baseline JIT's code, "
		"as hex per op" },
	[D_OPT] = { "--opt", NULL, NULL, "the optimizing JIT's IR as built "
		"and after each pass, its machine IR as lowered and as "
		"allocated, then its machine code as hex" },
	[D_IR] = { "--ir", NULL, NULL, "the same as --opt (the name issue 14 "
		"gives it)" },
};

/* What each option dumps, by its index in dump_opts. */
static const wasm_dump_kind dump_kinds[] = {
	[D_PREDECODED] = WASM_DUMP_PREDECODED,
	[D_BASELINE] = WASM_DUMP_BASELINE,
	[D_OPT] = WASM_DUMP_OPT,
	[D_IR] = WASM_DUMP_OPT,
};

const cli_verb_help cli_dump_help = {
	.verb = "dump",
	.synopsis = "[--predecoded|--baseline|--opt|--ir] FILE.wasm [FUNC]",
	.about = "print the code of function FUNC (an export's name or a "
		"function index; default every function)",
	.opts = dump_opts,
	.nopts = sizeof dump_opts / sizeof dump_opts[0],
};

/* FUNC as a function index: an export's name, else a decimal index.
 * Returns false (message printed) if it names no function. */
static bool func_resolve(const wasm_module *m, const char *path,
	const char *func, uint32_t *out)
{
	uint32_t e = wasm_module_export_find(m, func);
	if (e != WASM_NO_INDEX) {
		wasm_extern_desc d;
		wasm_module_export(m, e, &d);
		if (d.kind == WASM_EXTERN_FUNC) {
			*out = wasm_module_export_index(m, e);
			return true;
		}
		fprintf(stderr, "error: %s: export '%s' is a %s, not a function\n",
			path, func, wasm_extern_kind_name(d.kind));
		return false;
	}
	char *end;
	unsigned long v = strtoul(func, &end, 10);
	if (func[0] >= '0' && func[0] <= '9' && *end == '\0' && v < WASM_NO_INDEX) {
		*out = (uint32_t)v;
		return true;
	}
	fprintf(stderr, "error: %s: no function '%s' (expected an exported "
		"function's name or a function index)\n", path, func);
	return false;
}

static int module_dump(const char *path, const char *func,
	wasm_dump_kind kind, const struct cli_global *g)
{
	wasm_config cfg;
	wasm_engine *engine = NULL;
	wasm_module *m = NULL;
	uint8_t *bytes = NULL;
	size_t len;
	wasm_error err;
	uint32_t index = WASM_NO_INDEX;
	int rc = CLI_EXIT_ERROR;

	memset(&err, 0, sizeof err);
	wasm_config_default(&cfg);
	cfg.tier = g->tier;
	cfg.tier_threshold = g->tier_threshold;
	cfg.opt_threshold = g->opt_threshold;
	cfg.no_avx = g->no_avx;
	engine = wasm_engine_new(&cfg);
	if (!engine || !cli_read_file(path, false, &bytes, &len))
		goto out;
	if (wasm_module_load(engine, bytes, len, &m, &err) != WASM_OK) {
		cli_print_load_error(path, &err);
		m = NULL;
		goto out;
	}
	if (func && !func_resolve(m, path, func, &index)) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	fflush(stdout);
	wasm_status st = wasm_module_dump(m, index, kind, stdout, &err);
	if (st != WASM_OK) {
		fprintf(stderr, "error: %s: %s\n", path, err.message);
		rc = st == WASM_ERR_ARG ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	if (m)
		wasm_module_free(m);
	wasm_engine_free(engine);
	free(bytes);
	return rc;
}

int cli_dump_main(int argc, char **argv, struct cli_global *g)
{
	const char *path = NULL, *func = NULL;
	wasm_dump_kind kind = WASM_DUMP_PREDECODED;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (cli_is_help(argv[i])) {
			cli_verb_help_print(stdout, &cli_dump_help);
			return CLI_EXIT_OK;
		}
		int k = argv[i][0] == '-' ? cli_opt_match(dump_opts,
			cli_dump_help.nopts, argc, argv, &i, &v) : CLI_OPT_NONE;
		if (k >= 0 && (size_t)k < sizeof dump_kinds / sizeof dump_kinds[0]) {
			kind = dump_kinds[k];
			continue;
		}
		int r = argv[i][0] == '-' ? cli_global_option(argc, argv, &i, g) : 0;
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (argv[i][0] == '-')
			return cli_unknown_option("dump", argv[i]);
		if (path && func)
			return cli_usage_error(&cli_dump_help);
		if (!path)
			path = argv[i];
		else
			func = argv[i];
	}
	if (!path)
		return cli_usage_error(&cli_dump_help);
	return module_dump(path, func, kind, g);
}
