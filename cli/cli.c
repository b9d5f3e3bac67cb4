/* cli.c -- `wasmhost` main: global options, verb dispatch and the small
 * helpers the verbs share (option matching, file reading, type text). */
#include "cli.h"
#include "sandbox.h"
#include "sha256.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options every verb takes, before or after the verb (cli_global_option),
 * then the ones only the top level reads. */
enum { G_TIER, G_TIER_THRESHOLD, G_OPT_THRESHOLD, G_URL, G_TOKEN, G_NGLOBAL_,
	G_HELP = G_NGLOBAL_, G_VERSION };

static const cli_opt global_opts[] = {
	[G_TIER] = { "--tier", NULL, "TIER", "execution tier: auto (the "
		"default: interpreted until a function's\ncalls or a loop's "
		"iterations reach the threshold, then compiled by the\nbaseline "
		"JIT, and by the optimizing JIT once hot; a running loop moves "
		"at\nonce), interp, baseline (every function compiled by the JIT "
		"at its first\ncall) or opt (every function compiled before its "
		"first call by the\noptimizing JIT where it can, else by the "
		"baseline)" },
	[G_TIER_THRESHOLD] = { "--tier-threshold", NULL, "N", "calls or "
		"iterations before tier-up in auto (default "
		WASM_STR(WASM_TIER_DEFAULT_THRESHOLD) ";\nalso "
		"WASMHOST_TIER_THRESHOLD)" },
	[G_OPT_THRESHOLD] = { "--opt-threshold", NULL, "N", "calls and loop "
		"iterations in baseline code before the\noptimizing JIT takes "
		"a function in auto (default "
		WASM_STR(WASM_OPT_DEFAULT_THRESHOLD) ";\nalso "
		"WASMHOST_OPT_THRESHOLD)" },
	[G_URL] = { "--url", NULL, "URL", "the daemon, for the client verbs "
		"(default $WASMHOST_URL, else\nhttp://127.0.0.1:8080)" },
	[G_TOKEN] = { "--token", NULL, "T", "bearer token for the daemon "
		"(default $WASMHOST_TOKEN)" },
	[G_HELP] = { "--help", "-h", NULL, "print this help (after a verb: "
		"that verb's help)" },
	[G_VERSION] = { "--version", NULL, NULL, "print the version" },
};
#define N_GLOBAL_OPTS (sizeof global_opts / sizeof global_opts[0])

/* The verbs in the order the help lists them. */
static const cli_verb_help *const verb_helps[] = {
	&cli_run_help, &cli_inspect_help, &cli_spec_help, &cli_dump_help,
	&cli_upload_help,
	&cli_list_help, &cli_invoke_help, &cli_delete_help,
	&cli_instance_create_help, &cli_instance_invoke_help,
	&cli_instance_list_help, &cli_instance_get_help,
	&cli_instance_delete_help,
};
#define N_VERB_HELPS (sizeof verb_helps / sizeof verb_helps[0])

#define HELP_WIDTH 79

/* Writes text word-wrapped to HELP_WIDTH columns, starting at column col,
 * continuation lines indented by indent spaces; '\n' in text is a space. */
static void text_wrapped(FILE *f, const char *text, int col, int indent)
{
	while (*text) {
		while (*text == ' ' || *text == '\n')
			text++;
		size_t n = strcspn(text, " \n");
		if (!n)
			break;
		if (col > indent && col + 1 + (int)n > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, n, f);
		col += (int)n;
		text += n;
	}
	fputc('\n', f);
}

static void opts_print(FILE *f, const cli_opt *opts, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const cli_opt *o = &opts[k];
		bool short_alias = o->alias && strlen(o->alias) == 2;
		char left[64];
		snprintf(left, sizeof left, "%s%s%s%s%s%s%s", short_alias ?
			o->alias : "", short_alias ? ", " : "", o->name,
			o->alias && !short_alias ? ", " : "", o->alias &&
			!short_alias ? o->alias : "", o->arg ? " " : "",
			o->arg ? o->arg : "");
		if (strlen(left) > 22) {
			fprintf(f, "  %s\n%26s", left, "");
		} else {
			fprintf(f, "  %-22s  ", left);
		}
		text_wrapped(f, o->help, 26, 26);
	}
}

void cli_verb_help_print(FILE *f, const cli_verb_help *h)
{
	fprintf(f, "usage: wasmhost %s %s\n", h->verb, h->synopsis);
	text_wrapped(f, h->about, 0, 0);
	if (h->nopts) {
		fputs("\noptions:\n", f);
		opts_print(f, h->opts, h->nopts);
	}
	fputs("\nglobal options (before or after the verb):\n", f);
	opts_print(f, global_opts, G_NGLOBAL_);
}

static void usage_print(FILE *f)
{
	fputs("usage: wasmhost [GLOBAL OPTIONS] VERB [OPTIONS] ...\n"
		"       wasmhost VERB --help\n\nverbs:\n", f);
	for (size_t k = 0; k < N_VERB_HELPS; k++) {
		const cli_verb_help *h = verb_helps[k];
		fprintf(f, "  %s %s\n      ", h->verb, h->synopsis);
		text_wrapped(f, h->about, 6, 6);
	}
	fputs("\nglobal options (before or after the verb):\n", f);
	opts_print(f, global_opts, N_GLOBAL_OPTS);
	for (size_t k = 0; k < N_VERB_HELPS; k++) {
		const cli_verb_help *h = verb_helps[k];
		if (!h->nopts)
			continue;
		fprintf(f, "\n%s options:\n", h->verb);
		opts_print(f, h->opts, h->nopts);
	}
	fputs("\n", f);
	text_wrapped(f, "exit status: 0 ok; 1 error (load, link, instantiate, "
		"failed spec assertions, the daemon refused); 2 usage error; 3 "
		"the code trapped (first stderr line \"trap: KIND\"), hit a "
		"limit (\"limit: WHAT\") or its worker died (\"killed: "
		"SIGNAL\"); a WASI program's own exit code", 0, 0);
}

int cli_opt_match(const cli_opt *opts, size_t n, int argc, char **argv,
	int *i, const char **value)
{
	for (size_t k = 0; k < n; k++) {
		const char *names[2] = { opts[k].name, opts[k].alias };
		for (int a = 0; a < 2 && names[a]; a++) {
			int r;
			if (!opts[k].arg)
				r = strcmp(argv[*i], names[a]) == 0;
			else
				r = cli_option(argc, argv, i, names[a], value);
			if (r < 0)
				return CLI_OPT_BAD;
			if (r > 0)
				return (int)k;
		}
	}
	return CLI_OPT_NONE;
}

int cli_unknown_option(const char *verb, const char *arg)
{
	fprintf(stderr, "wasmhost%s%s: unknown option '%s' (see 'wasmhost%s%s "
		"--help')\n", verb ? " " : "", verb ? verb : "", arg,
		verb ? " " : "", verb ? verb : "");
	return CLI_EXIT_USAGE;
}

int cli_usage_error(const cli_verb_help *h)
{
	fprintf(stderr, "usage: wasmhost %s %s (see 'wasmhost %s --help')\n",
		h->verb, h->synopsis, h->verb);
	return CLI_EXIT_USAGE;
}

bool cli_is_help(const char *arg)
{
	return strcmp(arg, global_opts[G_HELP].name) == 0 ||
		strcmp(arg, global_opts[G_HELP].alias) == 0;
}

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

/* A tier-up threshold (flag or environment variable what): 1 to
 * UINT32_MAX. */
static bool threshold_parse(const char *what, const char *value,
	uint32_t *out)
{
	uint64_t n;
	if (!cli_parse_u64(what, value, UINT32_MAX, &n))
		return false;
	if (n == 0) {
		fprintf(stderr, "wasmhost: %s must be a number from 1 to %u\n",
			what, UINT32_MAX);
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

int cli_global_option(int argc, char **argv, int *i, struct cli_global *g)
{
	const char *value;

	switch (cli_opt_match(global_opts, G_NGLOBAL_, argc, argv, i, &value)) {
	case CLI_OPT_NONE:
		return 0;
	case G_TIER_THRESHOLD:
		return threshold_parse("--tier-threshold", value,
			&g->tier_threshold) ? 1 : -1;
	case G_OPT_THRESHOLD:
		return threshold_parse("--opt-threshold", value,
			&g->opt_threshold) ? 1 : -1;
	case G_TIER:
		return tier_parse(value, &g->tier);
	case G_URL:
		g->url = value;
		return 1;
	case G_TOKEN:
		g->token = value;
		return 1;
	default:
		return -1;
	}
}

void cli_name_print(FILE *f, const char *name, size_t len)
{
	size_t n = wasm_name_format(name, len, NULL, 0) + 1;
	char *text = malloc(n);

	if (!text)
		return;
	wasm_name_format(name, len, text, n);
	fputs(text, f);
	free(text);
}

bool cli_parse_hex_name(const char *option, const char *text, char **out,
	size_t *len)
{
	size_t n = strlen(text);
	char *name = malloc(n / 2 + 1);

	*out = NULL;
	*len = 0;
	if (!name)
		return false;
	for (size_t i = 0; n % 2 == 0 && i < n; i += 2) {
		int hi = wh_hex_digit(text[i]), lo = wh_hex_digit(text[i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		name[i / 2] = (char)(hi << 4 | lo);
	}
	if (n % 2)
		goto bad;
	name[n / 2] = '\0';
	*out = name;
	*len = n / 2;
	return true;
bad:
	free(name);
	fprintf(stderr, "wasmhost: %s: '%s' is not a name in hex (two digits "
		"a byte, e.g. 610062 for a\\0b)\n", option, text);
	return false;
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

int cli_ending_print(const cli_ending *e)
{
	bool named = e->func_name && e->func_name[0];
	const char *kind = e->kind, *what = e->what;

	if (strcmp(kind, "limit") == 0 && what &&
	    strcmp(what, sb_limit_name(SB_LIMIT_FUEL)) == 0) {
		kind = "trap";
		what = wasm_trap_kind_name(WASM_TRAP_OUT_OF_FUEL);
	}
	if (what)
		fprintf(stderr, "%s: %s\n", kind, what);
	else if (strcmp(kind, "killed") == 0)
		fprintf(stderr, "%s: exit status %d\n", kind, e->exit_status);
	else
		fprintf(stderr, "%s: ?\n", kind);
	fprintf(stderr, "  %s", e->message && e->message[0] ? e->message
		: "(no message)");
	if (named || e->func_index != WASM_NO_INDEX) {
		fprintf(stderr, ", in function");
		if (named)
			fprintf(stderr, " '%s'", e->func_name);
		if (e->func_index != WASM_NO_INDEX)
			fprintf(stderr, " (index %u)", e->func_index);
	}
	if (e->offset != SIZE_MAX)
		fprintf(stderr, " at offset 0x%zx", e->offset);
	fputc('\n', stderr);
	return CLI_EXIT_TRAP;
}

void cli_results_print(const wasm_value *results, uint32_t n)
{
	char buf[128];

	for (uint32_t i = 0; i < n; i++) {
		wasm_value_format(&results[i], buf, sizeof buf);
		printf("%s\n", buf);
	}
	fflush(stdout);
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
	struct cli_global g = { .tier = WASM_TIER_AUTO };
	int i = 1;
	static const struct { const char *name; size_t field; } envs[] = {
		{ "WASMHOST_TIER_THRESHOLD",
		  offsetof(struct cli_global, tier_threshold) },
		{ "WASMHOST_OPT_THRESHOLD",
		  offsetof(struct cli_global, opt_threshold) },
	};

	for (size_t k = 0; k < sizeof envs / sizeof envs[0]; k++) {
		const char *v = getenv(envs[k].name);
		if (v && *v && !threshold_parse(envs[k].name, v,
		    (uint32_t *)(void *)((char *)&g + envs[k].field)))
			return CLI_EXIT_USAGE;
	}

	const char *no_avx = getenv("WASMHOST_NO_AVX");
	g.no_avx = no_avx && *no_avx && strcmp(no_avx, "0") != 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (cli_is_help(argv[i])) {
			usage_print(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[i], global_opts[G_VERSION].name) == 0) {
			printf("wasmhost %s\n", PACKAGE_VERSION);
			return CLI_EXIT_OK;
		}
		int r = cli_global_option(argc, argv, &i, &g);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r == 0)
			return cli_unknown_option(NULL, argv[i]);
	}
	if (i >= argc) {
		fputs("usage: wasmhost [GLOBAL OPTIONS] VERB [OPTIONS] ... "
			"(see 'wasmhost --help')\n", stderr);
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
	    strcmp(argv[i], "invoke") == 0 || strcmp(argv[i], "delete") == 0 ||
	    strcmp(argv[i], "instance") == 0)
		return cli_client_main(argc - i, argv + i, &g);
	if (strcmp(argv[i], "help") == 0) {
		usage_print(stdout);
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

void cli_tier_stats_print(FILE *out, const wasm_tier_stats *tiers)
{
	fputs("stats:", out);
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		const char *n = wasm_tier_name((wasm_tier)t);
		const wasm_tier_stats *ts = &tiers[t];
#define CLI_STAT_(field, key, div) \
		fprintf(out, " %s_" key "=%llu", n, \
			(unsigned long long)(ts->field / (div)));
		WASM_TIER_STATS(CLI_STAT_)
#undef CLI_STAT_
	}
	fputc('\n', out);
}
