/* cli.c -- `wasmhost` main: global options, verb dispatch and the small
 * helpers the verbs share (option matching, file reading, type text). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: wasmhost [--tier=T] VERB [OPTIONS] ...\n"
	"\n"
	"verbs:\n"
	"  run [--invoke NAME] [--fuel N] [--max-memory-pages N] [--timeout-ms N]\n"
	"      [--no-sandbox [--stats]] FILE.wasm [ARGS...]\n"
	"        instantiate FILE (no imports) and call export NAME (default\n"
	"        _start) with ARGS; print each result on its own line; runs in\n"
	"        a confined worker process unless --no-sandbox; --stats prints\n"
	"        load/instantiate/run times and code sizes to stderr\n"
	"  inspect FILE.wasm\n"
	"        list imports and exports with their types\n"
	"  spec [-v] [--strict] [--no-fork] FILE.json...\n"
	"        run wast2json conformance scripts; last line is\n"
	"        \"N passed, M failed, K skipped\"\n"
	"  dump [--predecoded|--baseline] FILE.wasm [FUNC]\n"
	"        print the code of function FUNC (an export's name or a\n"
	"        function index; default every function): --predecoded (the\n"
	"        default) the interpreter's instructions, one a line with its\n"
	"        code offset, fields, family and the wasm offset of ops that\n"
	"        can trap; --baseline the baseline JIT's code\n"
	"\n"
	"daemon verbs (a running wasmhostd; --url URL or $WASMHOST_URL, default\n"
	"http://127.0.0.1:8080; --token T or $WASMHOST_TOKEN; --json prints\n"
	"the daemon's answer):\n"
	"  upload FILE.wasm           store a module; prints its id\n"
	"  list                       the modules stored, with their functions\n"
	"  invoke [--timeout-ms N] [--fuel N] [--max-memory-pages N] [--env K=V]\n"
	"         [--stdin FILE|-] ID [FUNCTION [ARGS...]]\n"
	"        call FUNCTION with ARGS, or without FUNCTION run the module's\n"
	"        WASI program with argv ARGS; prints and exits as run does\n"
	"  delete ID\n"
	"\n"
	"options:\n"
	"  --tier=interp|baseline|opt|auto   execution tier (default interp):\n"
	"        baseline compiles every function with the JIT at its first\n"
	"        call; auto interprets until a function's calls or a loop's\n"
	"        iterations reach the threshold, then compiles it (a running\n"
	"        loop moves into the JIT code at once)\n"
	"  --tier-threshold=N   calls or iterations before tier-up in auto\n"
	"        (default 1000; also WASMHOST_TIER_THRESHOLD)\n"
	"  --help, --version\n"
	"\n"
	"exit status: 0 ok, 1 error (load, link, instantiate, failed spec\n"
	"assertions), 2 usage error, 3 trap (first stderr line: \"trap: KIND\")\n";

static int tier_parse(const char *text, wasm_tier *out)
{
	if (!wasm_tier_parse(text, out)) {
		fprintf(stderr, "wasmhost: unknown tier '%s' "
			"(expected interp, baseline, opt or auto)\n", text);
		return -1;
	}
	wasm_config cfg;
	wasm_error err;
	wasm_config_default(&cfg);
	cfg.tier = *out;
	if (wasm_config_check(&cfg, &err) != WASM_OK) {
		fprintf(stderr, "wasmhost: %s\n", err.message);
		return -1;
	}
	return 1;
}

int cli_option(int argc, char **argv, int *i, const char *name,
	const char **value)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "wasmhost: option %s needs a value\n", name);
		return -1;
	}
	*i += 1;
	*value = argv[*i];
	return 1;
}

int cli_global_option(int argc, char **argv, int *i, struct cli_global *g)
{
	const char *value;
	uint64_t n;
	int r = cli_option(argc, argv, i, "--tier-threshold", &value);

	if (r < 0)
		return r;
	if (r > 0) {
		if (!cli_parse_u64("--tier-threshold", value, UINT32_MAX, &n))
			return -1;
		if (n == 0) {
			fprintf(stderr, "wasmhost: --tier-threshold must be at "
				"least 1\n");
			return -1;
		}
		g->tier_threshold = (uint32_t)n;
		return 1;
	}
	r = cli_option(argc, argv, i, "--tier", &value);
	if (r <= 0)
		return r;
	return tier_parse(value, &g->tier);
}

bool cli_parse_u64(const char *option, const char *text, uint64_t max,
	uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (text[0] == '-' || text[0] == '+' || text[0] == '\0')
		goto bad;
	v = strtoull(text, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		goto bad;
	*out = v;
	return true;
bad:
	fprintf(stderr, "wasmhost: %s: '%s' is not a number from 0 to %llu\n",
		option, text, (unsigned long long)max);
	return false;
}

bool cli_read_file(const char *path, bool quiet, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	bool ok = false;

	if (!f)
		goto out;
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, ncap);
			if (!nb) {
				errno = ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto out;
	ok = true;
out:
	if (!ok) {
		if (!quiet)
			fprintf(stderr, "error: %s: %s\n", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	*out = buf;
	*len = ok ? n : 0;
	return ok;
}

static size_t types_format(const uint8_t *types, uint32_t n, char *buf,
	size_t len)
{
	size_t used = 0;

	used += (size_t)snprintf(buf, len, "(");
	for (uint32_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
			i ? ", " : "", wasm_valtype_name((wasm_valtype)types[i]));
	if (used < len)
		used += (size_t)snprintf(buf + used, len - used, ")");
	return used;
}

void cli_functype_format(const wasm_functype *t, char *buf, size_t len)
{
	size_t used = types_format(t->params, t->nparams, buf, len);

	if (used + 4 >= len)
		return;
	memcpy(buf + used, " -> ", 5);
	used += 4;
	types_format(t->results, t->nresults, buf + used, len - used);
}

void cli_print_load_error(const char *path, const wasm_error *err)
{
	if (err->offset != SIZE_MAX)
		fprintf(stderr, "error: %s: %s at offset %zu\n", path,
			err->message, err->offset);
	else
		fprintf(stderr, "error: %s: %s\n", path, err->message);
}

int main(int argc, char **argv)
{
	struct cli_global g = { .tier = WASM_TIER_INTERP };
	int i = 1;
	const char *env_threshold = getenv("WASMHOST_TIER_THRESHOLD");
	uint64_t n;

	if (env_threshold && *env_threshold) {
		if (!cli_parse_u64("WASMHOST_TIER_THRESHOLD", env_threshold,
		    UINT32_MAX, &n) || n == 0) {
			fprintf(stderr, "wasmhost: WASMHOST_TIER_THRESHOLD must "
				"be a number from 1 to %u\n", UINT32_MAX);
			return CLI_EXIT_USAGE;
		}
		g.tier_threshold = (uint32_t)n;
	}

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("wasmhost %s\n", PACKAGE_VERSION);
			return CLI_EXIT_OK;
		}
		int r = cli_global_option(argc, argv, &i, &g);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r == 0) {
			fprintf(stderr, "wasmhost: unknown option '%s'\n"
				"Try 'wasmhost --help'.\n", argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs(usage_text, stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[i], "run") == 0)
		return cli_run_main(argc - i, argv + i, &g);
	if (strcmp(argv[i], "inspect") == 0)
		return cli_inspect_main(argc - i, argv + i, &g);
	if (strcmp(argv[i], "spec") == 0)
		return cli_spec_main(argc - i, argv + i, &g);
	if (strcmp(argv[i], "dump") == 0)
		return cli_dump_main(argc - i, argv + i, &g);
	if (strcmp(argv[i], "upload") == 0 || strcmp(argv[i], "list") == 0 ||
	    strcmp(argv[i], "invoke") == 0 || strcmp(argv[i], "delete") == 0)
		return cli_client_main(argc - i, argv + i, &g);
	if (strcmp(argv[i], "help") == 0) {
		fputs(usage_text, stdout);
		return CLI_EXIT_OK;
	}
	fprintf(stderr, "wasmhost: unknown verb '%s'\nTry 'wasmhost --help'.\n",
		argv[i]);
	return CLI_EXIT_USAGE;
}

int cli_args_parse(const char *func, const wasm_functype *t,
	char *const *texts, int ntexts, wasm_value *out)
{
	char sig[256];

	if ((uint32_t)ntexts != t->nparams) {
		cli_functype_format(t, sig, sizeof sig);
		fprintf(stderr, "error: %s %s expects %u argument%s, got %d\n",
			func, sig, t->nparams, t->nparams == 1 ? "" : "s",
			ntexts);
		return CLI_EXIT_USAGE;
	}
	for (int i = 0; i < ntexts; i++) {
		wasm_valtype vt = (wasm_valtype)t->params[i];
		if (!wasm_value_parse(vt, texts[i], &out[i])) {
			fprintf(stderr, "error: argument %d of %s: '%s' is not "
				"a valid %s\n", i + 1, func, texts[i],
				wasm_valtype_name(vt));
			return CLI_EXIT_USAGE;
		}
	}
	return CLI_EXIT_OK;
}
