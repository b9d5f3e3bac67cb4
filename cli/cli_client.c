/* cli_client.c -- `wasmhost upload | list | invoke | delete` and
 * `wasmhost instance create | invoke | list | get | delete`: the daemon's
 * API from the command line, so daily use needs no hand-written curl.
 *
 * The daemon is --url URL or $WASMHOST_URL (default http://127.0.0.1:8080),
 * the token --token TOKEN or $WASMHOST_TOKEN; both are global options
 * (cli.c), before or after the verb.  `invoke` prints what `run` prints and
 * exits the same way: it reads the function's type from the daemon, parses
 * ARGS as `run` does and prints results, traps, limits and deaths in
 * `run`'s words; --json prints the daemon's answer as it is.
 */
#include "cli.h"
#include "cli_wasi.h"
#include "httpc.h"
#include "json.h"
#include "sha256.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct client {
	httpc_target t;
	bool json;
};

static const cli_opt client_opts[] = {
	{ "--json", NULL, NULL, "print the daemon's answer as it is" },
};

const cli_verb_help cli_upload_help = {
	.verb = "upload", .synopsis = "[--json] FILE.wasm",
	.about = "store a module in the daemon; print its id\n",
	.opts = client_opts, .nopts = 1,
};
const cli_verb_help cli_list_help = {
	.verb = "list", .synopsis = "[--json]",
	.about = "the modules stored, with their functions\n",
	.opts = client_opts, .nopts = 1,
};
const cli_verb_help cli_delete_help = {
	.verb = "delete", .synopsis = "[--json] ID",
	.about = "delete a stored module\n",
	.opts = client_opts, .nopts = 1,
};
const cli_verb_help cli_instance_list_help = {
	.verb = "instance list", .synopsis = "[--json]",
	.about = "the persistent instances: id, module, calls, memory, last "
		"use\n",
	.opts = client_opts, .nopts = 1,
};
const cli_verb_help cli_instance_get_help = {
	.verb = "instance get", .synopsis = "[--json] IID",
	.about = "one persistent instance, as the daemon describes it\n",
	.opts = client_opts, .nopts = 1,
};
const cli_verb_help cli_instance_delete_help = {
	.verb = "instance delete", .synopsis = "[--json] IID",
	.about = "end a persistent instance\n",
	.opts = client_opts, .nopts = 1,
};

/* Reads options from argv[*i] up to the first operand (or past "--"):
 * the verb's own (h->opts, given to on_opt with their index) and the
 * global ones.  Returns 1 at an operand or the end, 0 after --help
 * (printed), -1 on a usage error (printed). */
static int client_parse(const cli_verb_help *h, int argc, char **argv,
	int *i, struct cli_global *g,
	int (*on_opt)(int k, const char *v, void *ctx), void *ctx)
{
	for (; *i < argc && argv[*i][0] == '-' && argv[*i][1]; (*i)++) {
		const char *v;
		int r;
		if (strcmp(argv[*i], "--") == 0) {
			(*i)++;
			return 1;
		}
		if (cli_is_help(argv[*i])) {
			cli_verb_help_print(stdout, h);
			return 0;
		}
		int k = cli_opt_match(h->opts, h->nopts, argc, argv, i, &v);
		if (k == CLI_OPT_BAD)
			return -1;
		if (k >= 0)
			r = on_opt(k, v, ctx);
		else
			r = cli_global_option(argc, argv, i, g);
		if (r < 0)
			return -1;
		if (r == 0) {
			cli_unknown_option(h->verb, argv[*i]);
			return -1;
		}
	}
	return 1;
}

/* --json, the one option of upload, list and delete. */
static int json_opt(int k, const char *v, void *ctx)
{
	(void)k;
	(void)v;
	((struct client *)ctx)->json = true;
	return 1;
}

/* Options, then at most one operand (*operand; NULL if none), then
 * options again.  Returns CLI_EXIT_OK, -1 after --help, CLI_EXIT_USAGE. */
static int client_args(const cli_verb_help *h, int argc, char **argv,
	struct cli_global *g, struct client *c, const char **operand)
{
	int i = 1, r;

	*operand = NULL;
	if ((r = client_parse(h, argc, argv, &i, g, json_opt, c)) <= 0)
		return r < 0 ? CLI_EXIT_USAGE : -1;
	if (i < argc)
		*operand = argv[i++];
	if ((r = client_parse(h, argc, argv, &i, g, json_opt, c)) <= 0)
		return r < 0 ? CLI_EXIT_USAGE : -1;
	return i < argc ? cli_usage_error(h) : CLI_EXIT_OK;
}

static void client_init(struct client *c, const struct cli_global *g)
{
	const char *url = getenv("WASMHOST_URL");
	c->t.base_url = g->url ? g->url
		: url && url[0] ? url : "http://127.0.0.1:8080";
	c->t.token = g->token ? g->token : getenv("WASMHOST_TOKEN");
}

/* Sends; prints a transport error.  false = no answer. */
static bool call(const struct client *c, const char *method, const char *path,
	const char *ctype, const void *body, size_t len, httpc_response *res)
{
	char err[512];
	if (httpc_request(&c->t, method, path, ctype, body, len, res, err,
		sizeof err))
		return true;
	fprintf(stderr, "wasmhost: %s\n", err);
	return false;
}

/* Prints the daemon's error document; returns the exit status for it. */
static int api_error_report(const httpc_response *res)
{
	json_t *doc = json_loadb(res->body, res->len, JSON_ALLOW_NUL, NULL);
	json_t *e = json_object_get(doc, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *field = json_string_value(json_object_get(e, "field"));
	json_t *off = json_object_get(e, "offset");

	if (code) {
		fprintf(stderr, "error: %s (HTTP %d): %s", code, res->status,
			msg ? msg : "");
		if (field)
			fprintf(stderr, " [%s]", field);
		if (json_is_integer(off))
			fprintf(stderr, " at offset %lld",
				(long long)json_integer_value(off));
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "error: HTTP %d: %.*s\n", res->status,
			(int)(res->len > 300 ? 300 : res->len), res->body);
	}
	json_decref(doc);
	return res->status == 400 ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
}

static void print_raw(const httpc_response *res)
{
	fwrite(res->body, 1, res->len, stdout);
	if (res->len && res->body[res->len - 1] != '\n')
		putchar('\n');
}

/* ---- upload --------------------------------------------------------------- */

static int upload_main(int argc, char **argv, struct cli_global *g)
{
	struct client c = { 0 };
	const char *path;
	uint8_t *bytes;
	size_t len;
	httpc_response res;
	char id[SHA256_HEX_BYTES];
	int rc = client_args(&cli_upload_help, argc, argv, g, &c, &path);

	if (rc != CLI_EXIT_OK)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (!path)
		return cli_usage_error(&cli_upload_help);
	client_init(&c, g);
	rc = CLI_EXIT_ERROR;
	if (!cli_read_file(path, false, &bytes, &len))
		return CLI_EXIT_ERROR;
	sha256_hex(bytes, len, id);
	if (!call(&c, "POST", "/v1/modules", "application/wasm", bytes, len,
		&res))
		goto out;
	if (res.status == 201 || res.status == 409) {
		if (c.json && res.status == 201)
			print_raw(&res);
		else
			printf("%s\n", id);
		if (res.status == 409)
			fprintf(stderr, "wasmhost: %s: already stored\n", path);
		rc = CLI_EXIT_OK;
	} else {
		rc = api_error_report(&res);
	}
	httpc_response_free(&res);
out:
	free(bytes);
	return rc;
}

/* ---- list, delete --------------------------------------------------------- */

static int list_main(int argc, char **argv, struct cli_global *g)
{
	struct client c = { 0 };
	const char *operand;
	httpc_response res;
	int rc = client_args(&cli_list_help, argc, argv, g, &c, &operand);

	if (rc != CLI_EXIT_OK)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (operand)
		return cli_usage_error(&cli_list_help);
	client_init(&c, g);
	/* The listing comes a page at a time: follow next_cursor. */
	char path[256] = "/v1/modules?limit=1000";
	for (;;) {
		if (!call(&c, "GET", path, NULL, NULL, 0, &res))
			return CLI_EXIT_ERROR;
		if (res.status != 200) {
			rc = api_error_report(&res);
			httpc_response_free(&res);
			return rc;
		}
		if (c.json)
			print_raw(&res);
		json_t *doc = json_loadb(res.body, res.len, 0, NULL), *m;
		size_t i;
		json_array_foreach(json_object_get(doc, "modules"), i, m) {
			if (c.json)
				break;
			printf("%s  %8lld  %s  imports %lld  exports %lld\n",
				json_string_value(json_object_get(m, "id")),
				(long long)json_integer_value(
					json_object_get(m, "size")),
				json_string_value(json_object_get(m, "created")),
				(long long)json_integer_value(
					json_object_get(m, "import_count")),
				(long long)json_integer_value(
					json_object_get(m, "export_count")));
		}
		const char *next = json_string_value(json_object_get(doc,
			"next_cursor"));
		bool more = next && strlen(next) < 200;
		if (more)
			snprintf(path, sizeof path,
				"/v1/modules?limit=1000&cursor=%s", next);
		json_decref(doc);
		httpc_response_free(&res);
		if (!more)
			return CLI_EXIT_OK;
	}
}

static int delete_main(int argc, char **argv, struct cli_global *g)
{
	struct client c = { 0 };
	const char *id;
	httpc_response res;
	char path[160];
	int rc = client_args(&cli_delete_help, argc, argv, g, &c, &id);

	if (rc != CLI_EXIT_OK)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (!id || strlen(id) > 100)
		return cli_usage_error(&cli_delete_help);
	client_init(&c, g);
	snprintf(path, sizeof path, "/v1/modules/%s", id);
	if (!call(&c, "DELETE", path, NULL, NULL, 0, &res))
		return CLI_EXIT_ERROR;
	if (res.status == 200) {
		if (c.json)
			print_raw(&res);
		else
			printf("deleted %s\n", id);
		rc = CLI_EXIT_OK;
	} else {
		rc = api_error_report(&res);
	}
	httpc_response_free(&res);
	return rc;
}

/* ---- instance list, get, delete ------------------------------------------- */

static int instance_list_main(int argc, char **argv, struct cli_global *g)
{
	struct client c = { 0 };
	const char *operand;
	httpc_response res;
	int rc = client_args(&cli_instance_list_help, argc, argv, g, &c,
		&operand);

	if (rc != CLI_EXIT_OK)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (operand)
		return cli_usage_error(&cli_instance_list_help);
	client_init(&c, g);
	if (!call(&c, "GET", "/v1/instances", NULL, NULL, 0, &res))
		return CLI_EXIT_ERROR;
	if (res.status != 200) {
		rc = api_error_report(&res);
	} else if (c.json) {
		print_raw(&res);
	} else {
		json_t *doc = json_loadb(res.body, res.len, 0, NULL), *in;
		size_t i;
		json_array_foreach(json_object_get(doc, "instances"), i, in) {
			const char *why = json_string_value(json_object_get(in,
				"reason"));
			printf("%s  %.12s  calls %lld  memory %lld  last used "
				"%s  %s%s%s\n",
				json_string_value(json_object_get(in,
					"instance")),
				json_string_value(json_object_get(in, "module")),
				(long long)json_integer_value(json_object_get(in,
					"calls")),
				(long long)json_integer_value(json_object_get(in,
					"memory_bytes")),
				json_string_value(json_object_get(in,
					"last_used")),
				json_string_value(json_object_get(in, "state")),
				why ? ": " : "", why ? why : "");
		}
		json_decref(doc);
	}
	httpc_response_free(&res);
	return rc;
}

/* GET or DELETE of /v1/instances/IID. */
static int instance_one_main(const cli_verb_help *h, const char *method,
	int argc, char **argv, struct cli_global *g)
{
	struct client c = { 0 };
	const char *iid;
	httpc_response res;
	char path[160];
	int rc = client_args(h, argc, argv, g, &c, &iid);

	if (rc != CLI_EXIT_OK)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (!iid || strlen(iid) > 100)
		return cli_usage_error(h);
	client_init(&c, g);
	snprintf(path, sizeof path, "/v1/instances/%s", iid);
	if (!call(&c, method, path, NULL, NULL, 0, &res))
		return CLI_EXIT_ERROR;
	if (res.status == 204) {
		printf("deleted %s\n", iid);
	} else if (res.status == 200) {
		print_raw(&res);
	} else {
		rc = api_error_report(&res);
	}
	httpc_response_free(&res);
	return rc;
}

/* ---- invoke --------------------------------------------------------------- */

/* The WASI options last: instance invoke takes the ones before I_ENV
 * (a persistent instance has its WASI set-up from instance create). */
enum { I_JSON, I_TIMEOUT_MS, I_FUEL, I_MAX_PAGES, I_FUNCTION_HEX, I_ENV,
	I_DIR, I_STDIN };

static const cli_opt invoke_opts[] = {
	[I_JSON] = { "--json", NULL, NULL, "print the daemon's answer as it "
		"is" },
	[I_TIMEOUT_MS] = { "--timeout-ms", NULL, "N", "trap timeout after N "
		"ms (at most the tenant's limit)" },
	[I_FUEL] = { "--fuel", NULL, "N", "trap out_of_fuel after N units "
		"(when the daemon meters fuel)" },
	[I_MAX_PAGES] = { "--max-memory-pages", "--max-pages", "N", "cap each "
		"memory at N 64 KiB pages" },
	[I_FUNCTION_HEX] = { "--function-hex", NULL, "HEX", "call the "
		"function named by HEX, two digits a byte (a name\nmay hold "
		"any byte: 610062 is \"a\\0b\"); then every operand after ID "
		"is an\nargument" },
	[I_ENV] = { "--env", NULL, "K=V", "a WASI environment variable "
		"(repeat)" },
	[I_DIR] = { "--dir", NULL, "HOST::GUEST", "send the host folder HOST, "
		"read-only, to be at GUEST for\nWASI (repeat; at most 64 MiB "
		"in all)" },
	[I_STDIN] = { "--stdin", NULL, "FILE|-", "WASI stdin from FILE (- is "
		"this stdin; without --stdin,\nstdin is sent when it is not a "
		"terminal, as run does)" },
};

const cli_verb_help cli_invoke_help = {
	.verb = "invoke",
	.synopsis = "[OPTIONS] ID [FUNCTION [ARGS...]]",
	.about = "call FUNCTION with ARGS (parsed as its parameter types), or "
		"without\nFUNCTION run the module's WASI program with argv [ID, "
		"ARGS...]; print\nand exit as run does\n",
	.opts = invoke_opts,
	.nopts = sizeof invoke_opts / sizeof invoke_opts[0],
};
const cli_verb_help cli_instance_create_help = {
	.verb = "instance create",
	.synopsis = "[OPTIONS] ID [ARGS...]",
	.about = "make a persistent instance of module ID in the daemon; "
		"print its id.\nFor a WASI module, argv is [ID, ARGS...] and "
		"--env, --dir, --stdin are the\ninstance's for its life; "
		"--timeout-ms bounds its start function\n",
	.opts = invoke_opts,
	.nopts = sizeof invoke_opts / sizeof invoke_opts[0],
};
const cli_verb_help cli_instance_invoke_help = {
	.verb = "instance invoke",
	.synopsis = "[OPTIONS] IID FUNCTION [ARGS...]",
	.about = "call FUNCTION of the persistent instance IID, whose memory "
		"and globals\nare as its earlier calls left them; print and "
		"exit as run does (WASI\noptions belong to instance create)\n",
	.opts = invoke_opts,
	.nopts = I_ENV,
};

struct invoke_opts {
	struct client c;
	json_t *env, *lims;
	char **dirs;              /* --dir, ndirs of them */
	int ndirs;
	const char *stdin_path;
	char *fn_hex;             /* --function-hex's name (malloc'd) */
	size_t fn_hex_len;
};

static int invoke_opt(int k, const char *v, void *ctx)
{
	struct invoke_opts *o = ctx;
	static const char *const limit_names[] = { [I_TIMEOUT_MS] =
		"timeout_ms", [I_FUEL] = "fuel", [I_MAX_PAGES] = "memory_pages" };
	uint64_t n;

	switch (k) {
	case I_JSON:
		o->c.json = true;
		return 1;
	case I_TIMEOUT_MS:
	case I_FUEL:
	case I_MAX_PAGES:
		if (!cli_parse_u64(invoke_opts[k].name, v, INT64_MAX, &n))
			return -1;
		json_object_set_new(o->lims, limit_names[k],
			json_integer((json_int_t)n));
		return 1;
	case I_ENV: {
		const char *eq = strchr(v, '=');
		if (!eq || eq == v) {
			fprintf(stderr, "error: --env '%s': want KEY=VALUE\n", v);
			return -1;
		}
		char *key = strndup(v, (size_t)(eq - v));
		if (!key)
			return -1;
		json_object_set_new(o->env, key, json_string(eq + 1));
		free(key);
		return 1;
	}
	case I_DIR:
		o->dirs[o->ndirs++] = (char *)v;
		return 1;
	case I_STDIN:
		o->stdin_path = v;
		return 1;
	case I_FUNCTION_HEX:
		free(o->fn_hex);
		o->fn_hex = NULL;
		return cli_parse_hex_name("--function-hex", v, &o->fn_hex,
			&o->fn_hex_len) ? 1 : -1;
	default:
		return -1;
	}
}

/* Bytes as a base64 JSON string. */
static json_t *base64_json(const uint8_t *data, size_t len)
{
	jw w;
	size_t tl;
	json_t *s = NULL;

	jw_init(&w);
	jw_base64(&w, data, len);
	char *text = jw_take(&w, &tl);
	if (text && tl >= 2)
		s = json_stringn(text + 1, tl - 2);   /* without the quotes */
	free(text);
	return s;
}

/* A value as the API writes it (i64 as a decimal string, NaNs as text). */
static json_t *value_json(const wasm_value *v)
{
	jw w;
	size_t tl;

	jw_init(&w);
	jw_value(&w, v);
	char *text = jw_take(&w, &tl);
	/* A float read as a real, so that -0 stays -0. */
	json_t *j = text ? json_loads(text, JSON_DECODE_ANY |
		(v->type == WASM_F32 || v->type == WASM_F64 ?
		JSON_DECODE_INT_AS_REAL : 0), NULL) : NULL;
	free(text);
	return j;
}

static void stream_write(json_t *v, bool base64, int fd)
{
	const char *s = json_string_value(v);
	uint8_t *bytes = NULL;
	size_t len = 0;

	if (!s)
		return;
	if (base64) {
		if (!base64_decode(s, json_string_length(v), &bytes, &len))
			return;
		s = (const char *)bytes;
	} else {
		len = json_string_length(v);
	}
	fflush(fd == 1 ? stdout : stderr);
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n <= 0)
			break;
		s += n;
		len -= (size_t)n;
	}
	free(bytes);
}

/* The module's description (GET /v1/modules/ID); NULL after printing why,
 * with *rc set. */
static json_t *module_get(const struct client *c, const char *id, int *rc)
{
	char path[160];
	httpc_response res;
	json_t *doc = NULL;

	snprintf(path, sizeof path, "/v1/modules/%s", id);
	*rc = CLI_EXIT_ERROR;
	if (!call(c, "GET", path, NULL, NULL, 0, &res))
		return NULL;
	if (res.status != 200)
		*rc = api_error_report(&res);
	else if (!(doc = json_loadb(res.body, res.len, JSON_ALLOW_NUL, NULL)))
		fprintf(stderr, "wasmhost: unexpected answer from the daemon\n");
	httpc_response_free(&res);
	return doc;
}

/* The export func named by the len bytes at name (U+0000 allowed) in the
 * module's description, or NULL. */
static json_t *export_func(json_t *mod, const char *name, size_t len)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(mod, "exports"), i, e) {
		json_t *n = json_object_get(e, "name");
		const char *k = json_string_value(json_object_get(e, "kind"));
		if (json_is_string(n) && k && json_string_length(n) == len &&
		    memcmp(json_string_value(n), name, len) == 0 &&
		    strcmp(k, "func") == 0)
			return e;
	}
	return NULL;
}

static bool module_uses_wasi(json_t *mod)
{
	json_t *im;
	size_t i;

	json_array_foreach(json_object_get(mod, "imports"), i, im) {
		json_t *m = json_object_get(im, "module");
		if (json_is_string(m) && json_string_length(m) ==
		    strlen("wasi_snapshot_preview1") &&
		    strcmp(json_string_value(m), "wasi_snapshot_preview1") == 0)
			return true;
	}
	return false;
}

/* The types of a JSON list of type names ("i32", ...) into out[], at most
 * max; false if one is unknown. */
static bool types_read(json_t *list, uint8_t *out, size_t max, uint32_t *n)
{
	static const wasm_valtype all[] = { WASM_I32, WASM_I64, WASM_F32,
		WASM_F64, WASM_V128, WASM_FUNCREF, WASM_EXTERNREF };
	json_t *t;
	size_t i;

	*n = 0;
	json_array_foreach(list, i, t) {
		const char *name = json_string_value(t);
		size_t k = 0;
		while (k < sizeof all / sizeof all[0] && (!name ||
		       strcmp(name, wasm_valtype_name(all[k])) != 0))
			k++;
		if (i >= max || k == sizeof all / sizeof all[0])
			return false;
		out[(*n)++] = (uint8_t)all[k];
	}
	return true;
}

/* The answer of a successful invocation, printed as `run` prints it
 * (cli_sandbox.c): captured output, then results (as results types[])
 * on stdout, or "trap: KIND", "limit: WHAT", "killed: SIGNAL" on stderr. */
static int outcome_report(const httpc_response *res, const uint8_t *types,
	uint32_t ntypes)
{
	json_t *doc = json_loadb(res->body, res->len, JSON_ALLOW_NUL, NULL);
	/* Floats read with strtod, so that -0 keeps its sign. */
	json_t *fdoc = json_loadb(res->body, res->len,
		JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, NULL);
	json_t *freal = json_object_get(fdoc, "results");
	const char *outcome = json_string_value(json_object_get(doc, "outcome"));
	const char *msg = json_string_value(json_object_get(doc, "message"));
	bool b64 = json_object_get(doc, "encoding") != NULL;
	json_t *trap = json_object_get(doc, "trap"), *v;
	int rc = CLI_EXIT_ERROR;
	size_t i;

	stream_write(json_object_get(doc, "stdout"), b64, 1);
	stream_write(json_object_get(doc, "stderr"), b64, 2);
	if (json_is_true(json_object_get(doc, "stdout_truncated")) ||
	    json_is_true(json_object_get(doc, "stderr_truncated")))
		fprintf(stderr, "wasmhost: captured output was truncated\n");
	if (!outcome) {
		fprintf(stderr, "wasmhost: unexpected answer\n");
	} else if (strcmp(outcome, "ok") == 0) {
		json_array_foreach(json_object_get(doc, "results"), i, v) {
			wasm_value val;
			char buf[128], why[128];
			wasm_valtype vt = i < ntypes ? (wasm_valtype)types[i]
				: WASM_V128;
			if ((vt == WASM_F32 || vt == WASM_F64) &&
			    json_is_number(v))
				v = json_array_get(freal, i);
			if (i < ntypes && json_to_value(v, vt, &val, why,
				sizeof why)) {
				wasm_value_format(&val, buf, sizeof buf);
				printf("%s\n", buf);
			} else {
				char *text = json_dumps(v, JSON_ENCODE_ANY);
				printf("%s\n", text ? text : "null");
				free(text);
			}
		}
		rc = CLI_EXIT_OK;
	} else if (strcmp(outcome, "exit") == 0) {
		rc = (int)json_integer_value(json_object_get(doc, "exit_code"));
	} else if (trap || strcmp(outcome, "limit") == 0 ||
		   strcmp(outcome, "killed") == 0) {
		json_t *fi = json_object_get(trap, "func_index");
		json_t *off = json_object_get(trap, "offset");
		json_t *st = json_object_get(doc, "exit_status");
		rc = cli_ending_print(&(cli_ending){
			.kind = trap ? "trap" : outcome,
			.what = json_string_value(trap ?
				json_object_get(trap, "kind") :
				json_object_get(doc, strcmp(outcome, "limit") == 0 ?
				"limit" : "signal")),
			.exit_status = (int)json_integer_value(st),
			.message = trap ? json_string_value(json_object_get(
				trap, "message")) : msg,
			.func_name = json_string_value(json_object_get(trap,
				"function")),
			.func_index = json_is_integer(fi) ?
				(uint32_t)json_integer_value(fi) : WASM_NO_INDEX,
			.offset = json_is_integer(off) ?
				(size_t)json_integer_value(off) : SIZE_MAX });
	} else {
		fprintf(stderr, "error: %s: %s\n", outcome, msg ? msg : "");
	}
	fflush(stdout);
	json_decref(doc);
	json_decref(fdoc);
	return rc;
}

/* The WASI parts of the request: env, --dir trees as files, stdin (all
 * base64), and for a program's _start its argv [ID, ARGS...]. */
static int wasi_request(struct invoke_opts *o, json_t *doc, const char *id,
	bool start, char **args, int nargs)
{
	cli_wasi *cw = NULL;
	uint8_t *in = NULL;
	size_t in_len = 0;
	int rc = CLI_EXIT_ERROR;

	json_object_set_new(doc, "encoding", json_string("base64"));
	if (start) {
		json_t *av = json_array();
		json_array_append_new(av, json_string(id));
		for (int i = 0; i < nargs; i++)
			json_array_append_new(av, json_string(args[i]));
		json_object_set_new(doc, "argv", av);
	}
	if (json_object_size(o->env))
		json_object_set(doc, "env", o->env);
	if (o->ndirs) {
		size_t nfiles;
		if ((rc = cli_wasi_new(id, NULL, 0, NULL, 0, o->dirs, o->ndirs,
			&cw)) != CLI_EXIT_OK)
			goto out;
		rc = CLI_EXIT_ERROR;
		const wasi_file *f = cli_wasi_files(cw, &nfiles);
		json_t *files = json_object();
		json_object_set_new(doc, "files", files);
		for (size_t i = 0; i < nfiles; i++)
			if (!f[i].dir)
				json_object_set_new(files, f[i].path,
					base64_json(f[i].data, f[i].len));
	}
	if (o->stdin_path) {
		if (!cli_read_file(strcmp(o->stdin_path, "-") ? o->stdin_path
			: "/dev/stdin", false, &in, &in_len))
			goto out;
	} else if (!isatty(0) &&
		   !cli_read_file("/dev/stdin", true, &in, &in_len)) {
		in = NULL;
		in_len = 0;
	}
	if (in_len)
		json_object_set_new(doc, "stdin", base64_json(in, in_len));
	rc = CLI_EXIT_OK;
out:
	free(in);
	cli_wasi_free(cw);
	return rc;
}

/* What invoke_run sends. */
enum invoke_mode {
	MODE_MODULE,      /* invoke: POST /v1/modules/ID/invoke */
	MODE_CREATE,      /* instance create: POST /v1/modules/ID/instances */
	MODE_INSTANCE,    /* instance invoke: POST /v1/instances/IID/invoke */
};

/* The module of instance iid (its "module"), or NULL (*rc set). */
static json_t *instance_module_get(const struct client *c, const char *iid,
	int *rc)
{
	char path[160];
	httpc_response res;
	json_t *mod = NULL;

	snprintf(path, sizeof path, "/v1/instances/%s", iid);
	*rc = CLI_EXIT_ERROR;
	if (!call(c, "GET", path, NULL, NULL, 0, &res))
		return NULL;
	if (res.status != 200) {
		*rc = api_error_report(&res);
	} else {
		json_t *doc = json_loadb(res.body, res.len, 0, NULL);
		const char *id = json_string_value(json_object_get(doc,
			"module"));
		if (id && strlen(id) < 100)
			mod = module_get(c, id, rc);
		else
			fprintf(stderr, "wasmhost: unexpected answer from the "
				"daemon\n");
		json_decref(doc);
	}
	httpc_response_free(&res);
	return mod;
}

static int invoke_run(enum invoke_mode mode, const cli_verb_help *h,
	int argc, char **argv, struct cli_global *g)
{
	struct invoke_opts o = { .env = json_object(), .lims = json_object() };
	json_t *doc = json_object(), *mod = NULL, *e;
	wasm_value *vals = NULL;
	uint8_t params[256], results[256];
	wasm_functype t = { .params = params, .results = results };
	const char *id, *fn;
	char path[160];
	httpc_response res;
	int rc = CLI_EXIT_USAGE, i = 1, r;

	o.dirs = calloc((size_t)argc + 1, sizeof *o.dirs);
	if (!o.dirs)
		goto out;
	if ((r = client_parse(h, argc, argv, &i, g, invoke_opt, &o)) <= 0) {
		rc = r < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
		goto out;
	}
	if (i >= argc || strlen(argv[i]) > 100 ||
	    (mode == MODE_INSTANCE && !o.fn_hex && i + 1 >= argc)) {
		rc = cli_usage_error(h);
		goto out;
	}
	id = argv[i++];
	size_t fn_len;
	if (o.fn_hex) {
		fn = o.fn_hex;
		fn_len = o.fn_hex_len;
	} else {
		/* instance create: no function; its ARGS are WASI's argv */
		fn = i < argc && mode != MODE_CREATE ? argv[i++] : "_start";
		fn_len = strlen(fn);
	}
	char shown[128];
	wasm_name_format(fn, fn_len, shown, sizeof shown);
	client_init(&o.c, g);
	/* The function's type and WASI or not, as `run` learns them from
	 * the module: ARGS are parsed and results printed by type. */
	mod = mode == MODE_INSTANCE ? instance_module_get(&o.c, id, &rc) :
		module_get(&o.c, id, &rc);
	if (!mod)
		goto out;
	bool wasi = module_uses_wasi(mod);
	bool start = wasi && fn_len == 6 && strcmp(fn, "_start") == 0 &&
		mode == MODE_MODULE;
	if (mode == MODE_CREATE && !wasi && i < argc) {
		fprintf(stderr, "error: ARGS are a WASI module's argv; this "
			"module does not import WASI\n");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if ((e = export_func(mod, fn, fn_len)) && (!types_read(json_object_get(e,
	    "params"), params, sizeof params, &t.nparams) ||
	    !types_read(json_object_get(e, "results"), results, sizeof results,
	    &t.nresults)))
		e = NULL;
	rc = CLI_EXIT_ERROR;
	if (!start && mode != MODE_CREATE) {
		json_t *args = json_array();
		json_object_set_new(doc, "function", json_stringn(fn, fn_len));
		json_object_set_new(doc, "args", args);
		if (e) {
			vals = calloc((size_t)(argc - i) + 1, sizeof *vals);
			if (!vals)
				goto out;
			if ((rc = cli_args_parse(shown, &t, argv + i, argc - i,
				vals)) != CLI_EXIT_OK)
				goto out;
			for (int k = 0; k < argc - i; k++)
				json_array_append_new(args, value_json(&vals[k]));
		} else {
			/* No such function: the daemon says so, as it will. */
			for (int k = i; k < argc; k++)
				json_array_append_new(args, json_string(argv[k]));
		}
	}
	if (wasi && mode != MODE_INSTANCE && (rc = wasi_request(&o, doc, id,
	    start || mode == MODE_CREATE, argv + i, argc - i)) != CLI_EXIT_OK)
		goto out;
	/* Refused by the daemon, with why. */
	if (!wasi && json_object_size(o.env))
		json_object_set(doc, "env", o.env);
	if (json_object_size(o.lims))
		json_object_set(doc, "limits", o.lims);
	rc = CLI_EXIT_ERROR;
	char *body = json_dumps(doc, JSON_COMPACT);
	if (!body)
		goto out;
	snprintf(path, sizeof path, mode == MODE_INSTANCE ?
		"/v1/instances/%s/invoke" : mode == MODE_CREATE ?
		"/v1/modules/%s/instances" : "/v1/modules/%s/invoke", id);
	bool sent = call(&o.c, "POST", path, "application/json", body,
		strlen(body), &res);
	free(body);
	if (!sent)
		goto out;
	if (mode == MODE_CREATE && res.status == 201) {
		json_t *made = json_loadb(res.body, res.len, 0, NULL);
		if (o.c.json)
			print_raw(&res);
		else
			printf("%s\n", json_string_value(json_object_get(made,
				"instance")));
		json_decref(made);
		rc = CLI_EXIT_OK;
	} else if (res.status != 200) {
		rc = api_error_report(&res);
	} else if (o.c.json) {
		print_raw(&res);
		rc = CLI_EXIT_OK;
	} else {
		rc = outcome_report(&res, results, e ? t.nresults : 0);
	}
	httpc_response_free(&res);
out:
	json_decref(doc);
	json_decref(mod);
	json_decref(o.env);
	json_decref(o.lims);
	free(o.dirs);
	free(o.fn_hex);
	free(vals);
	return rc;
}

/* ---- entry points ----------------------------------------------------------- */

/* `wasmhost instance VERB ...`; argv[0] is "instance". */
static int instance_main(int argc, char **argv, struct cli_global *g)
{
	static const char usage[] = "usage: wasmhost instance "
		"create|invoke|list|get|delete ... (see 'wasmhost --help')\n";
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	argc--;
	argv++;
	if (strcmp(argv[0], "create") == 0)
		return invoke_run(MODE_CREATE, &cli_instance_create_help, argc,
			argv, g);
	if (strcmp(argv[0], "invoke") == 0)
		return invoke_run(MODE_INSTANCE, &cli_instance_invoke_help,
			argc, argv, g);
	if (strcmp(argv[0], "list") == 0)
		return instance_list_main(argc, argv, g);
	if (strcmp(argv[0], "get") == 0)
		return instance_one_main(&cli_instance_get_help, "GET", argc,
			argv, g);
	if (strcmp(argv[0], "delete") == 0)
		return instance_one_main(&cli_instance_delete_help, "DELETE",
			argc, argv, g);
	fputs(usage, stderr);
	return CLI_EXIT_USAGE;
}

int cli_client_main(int argc, char **argv, struct cli_global *g)
{
	if (strcmp(argv[0], "instance") == 0)
		return instance_main(argc, argv, g);
	if (strcmp(argv[0], "upload") == 0)
		return upload_main(argc, argv, g);
	if (strcmp(argv[0], "list") == 0)
		return list_main(argc, argv, g);
	if (strcmp(argv[0], "delete") == 0)
		return delete_main(argc, argv, g);
	return invoke_run(MODE_MODULE, &cli_invoke_help, argc, argv, g);
}
