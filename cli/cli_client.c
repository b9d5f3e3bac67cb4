/* cli_client.c -- `wasmhost upload | list | invoke | delete`: the daemon's
 * API from the command line, so daily use needs no hand-written curl.
 *
 * The daemon is --url URL or $WASMHOST_URL (default http://127.0.0.1:8080),
 * the token --token TOKEN or $WASMHOST_TOKEN.  `invoke` prints what `run`
 * prints and exits the same way (results on stdout, "trap: KIND" on
 * stderr with status 3, a WASI program's own exit status); --json prints
 * the daemon's answer as it is.
 */
#include "cli.h"
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

/* Options every client verb takes.  Returns 1 consumed, 0 not ours, -1
 * usage error. */
static int client_option(int argc, char **argv, int *i, struct client *c)
{
	const char *v;
	int r;
	if ((r = cli_option(argc, argv, i, "--url", &v)) != 0) {
		c->t.base_url = v;
		return r;
	}
	if ((r = cli_option(argc, argv, i, "--token", &v)) != 0) {
		c->t.token = v;
		return r;
	}
	if (strcmp(argv[*i], "--json") == 0) {
		c->json = true;
		return 1;
	}
	return 0;
}

static void client_init(struct client *c)
{
	const char *url = getenv("WASMHOST_URL");
	memset(c, 0, sizeof *c);
	c->t.base_url = url && url[0] ? url : "http://127.0.0.1:8080";
	c->t.token = getenv("WASMHOST_TOKEN");
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
	json_t *doc = json_loadb(res->body, res->len, 0, NULL);
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

static int upload_main(int argc, char **argv, struct client *c)
{
	const char *path = NULL;
	uint8_t *bytes;
	size_t len;
	httpc_response res;
	char id[SHA256_HEX_BYTES];
	int rc = CLI_EXIT_ERROR;

	for (int i = 1; i < argc; i++) {
		int r = client_option(argc, argv, &i, c);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r)
			continue;
		if (path || argv[i][0] == '-') {
			fprintf(stderr, "usage: wasmhost upload [--url URL] "
				"[--token T] [--json] FILE.wasm\n");
			return CLI_EXIT_USAGE;
		}
		path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: wasmhost upload [--url URL] [--token T] "
			"[--json] FILE.wasm\n");
		return CLI_EXIT_USAGE;
	}
	if (!cli_read_file(path, false, &bytes, &len))
		return CLI_EXIT_ERROR;
	sha256_hex(bytes, len, id);
	if (!call(c, "POST", "/v1/modules", "application/wasm", bytes, len,
		&res))
		goto out;
	if (res.status == 201 || res.status == 409) {
		if (c->json && res.status == 201)
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

static int list_main(int argc, char **argv, struct client *c)
{
	httpc_response res;
	int rc;

	for (int i = 1; i < argc; i++) {
		int r = client_option(argc, argv, &i, c);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (!r) {
			fprintf(stderr, "usage: wasmhost list [--url URL] "
				"[--token T] [--json]\n");
			return CLI_EXIT_USAGE;
		}
	}
	/* The listing comes a page at a time: follow next_cursor. */
	char path[256] = "/v1/modules?limit=1000";
	for (;;) {
		if (!call(c, "GET", path, NULL, NULL, 0, &res))
			return CLI_EXIT_ERROR;
		if (res.status != 200) {
			rc = api_error_report(&res);
			httpc_response_free(&res);
			return rc;
		}
		if (c->json)
			print_raw(&res);
		json_t *doc = json_loadb(res.body, res.len, 0, NULL), *m;
		size_t i;
		json_array_foreach(json_object_get(doc, "modules"), i, m) {
			if (c->json)
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

static int delete_main(int argc, char **argv, struct client *c)
{
	const char *id = NULL;
	httpc_response res;
	char path[160];
	int rc;

	for (int i = 1; i < argc; i++) {
		int r = client_option(argc, argv, &i, c);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (!r && !id && argv[i][0] != '-') {
			id = argv[i];
			continue;
		}
		if (!r)
			id = NULL, i = argc;
	}
	if (!id || strlen(id) > 100) {
		fprintf(stderr, "usage: wasmhost delete [--url URL] [--token T] "
			"ID\n");
		return CLI_EXIT_USAGE;
	}
	snprintf(path, sizeof path, "/v1/modules/%s", id);
	if (!call(c, "DELETE", path, NULL, NULL, 0, &res))
		return CLI_EXIT_ERROR;
	if (res.status == 200) {
		if (c->json)
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

/* ---- invoke --------------------------------------------------------------- */

static const char invoke_usage[] =
	"usage: wasmhost invoke [--url URL] [--token T] [--json]\n"
	"         [--timeout-ms N] [--fuel N] [--max-memory-pages N]\n"
	"         [--env K=V]... [--stdin FILE|-] ID [FUNCTION [ARGS...]]\n"
	"  FUNCTION omitted (or _start): the module's WASI program, ARGS its argv\n";

/* A JSON number as the engine prints floats: the shortest text that reads
 * back the same. */
static void number_print(double d)
{
	char buf[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	printf("%s\n", buf);
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

static int outcome_report(const httpc_response *res)
{
	json_t *doc = json_loadb(res->body, res->len, 0, NULL);
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
			if (json_is_string(v))
				printf("%s\n", json_string_value(v));
			else if (json_is_integer(v))
				printf("%lld\n", (long long)json_integer_value(v));
			else if (json_is_real(v))
				number_print(json_real_value(v));
			else
				printf("null\n");
		}
		rc = CLI_EXIT_OK;
	} else if (strcmp(outcome, "exit") == 0) {
		rc = (int)json_integer_value(json_object_get(doc, "exit_code"));
	} else if (trap) {
		fprintf(stderr, "trap: %s\n  %s\n", json_string_value(
			json_object_get(trap, "kind")), json_string_value(
			json_object_get(trap, "message")));
		rc = CLI_EXIT_TRAP;
	} else if (strcmp(outcome, "limit") == 0) {
		const char *l = json_string_value(json_object_get(doc, "limit"));
		if (l && strcmp(l, "fuel") == 0)
			fprintf(stderr, "trap: %s\n  %s\n",
				wasm_trap_kind_name(WASM_TRAP_OUT_OF_FUEL),
				msg ? msg : "");
		else
			fprintf(stderr, "limit: %s\n  %s\n", l ? l : "?",
				msg ? msg : "");
		rc = CLI_EXIT_TRAP;
	} else if (strcmp(outcome, "killed") == 0) {
		fprintf(stderr, "killed: %s\n  %s\n", json_string_value(
			json_object_get(doc, "signal")), msg ? msg : "");
		rc = CLI_EXIT_TRAP;
	} else {
		fprintf(stderr, "error: %s: %s\n", outcome, msg ? msg : "");
	}
	fflush(stdout);
	json_decref(doc);
	return rc;
}

static int invoke_main(int argc, char **argv, struct client *c)
{
	json_t *doc = json_object(), *env = json_object(), *lims = json_object();
	const char *id = NULL, *fn = NULL, *stdin_path = NULL, *v;
	json_t *args = json_array();
	char path[160];
	httpc_response res;
	int rc = CLI_EXIT_USAGE, i = 1;
	uint64_t n;

	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++) {
		int r = client_option(argc, argv, &i, c);
		if (r < 0)
			goto out;
		if (r)
			continue;
		static const struct { const char *flag, *limit; } nums[] = {
			{ "--timeout-ms", "timeout_ms" }, { "--fuel", "fuel" },
			{ "--max-memory-pages", "memory_pages" },
		};
		size_t k = 0;
		while (k < 3 && !(r = cli_option(argc, argv, &i, nums[k].flag,
			&v)))
			k++;
		if (k < 3) {
			if (r < 0 || !cli_parse_u64(nums[k].flag, v, INT64_MAX, &n))
				goto out;
			json_object_set_new(lims, nums[k].limit,
				json_integer((json_int_t)n));
		} else if ((r = cli_option(argc, argv, &i, "--env", &v))) {
			const char *eq = r > 0 ? strchr(v, '=') : NULL;
			if (!eq) {
				fprintf(stderr, "wasmhost: --env wants K=V\n");
				goto out;
			}
			char key[256];
			snprintf(key, sizeof key, "%.*s", (int)(eq - v), v);
			json_object_set_new(env, key, json_string(eq + 1));
		} else if ((r = cli_option(argc, argv, &i, "--stdin", &v))) {
			if (r < 0)
				goto out;
			stdin_path = v;
		} else {
			fprintf(stderr, "wasmhost: unknown option '%s'\n%s",
				argv[i], invoke_usage);
			goto out;
		}
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc || strlen(argv[i]) > 100) {
		fputs(invoke_usage, stderr);
		goto out;
	}
	id = argv[i++];
	if (i < argc)
		fn = argv[i++];
	bool wasi = !fn || strcmp(fn, "_start") == 0;
	if (wasi) {
		json_t *av = json_array();
		json_array_append_new(av, json_string(id));
		for (; i < argc; i++)
			json_array_append_new(av, json_string(argv[i]));
		json_object_set_new(doc, "argv", av);
		if (json_object_size(env))
			json_object_set(doc, "env", env);
		json_object_set_new(doc, "encoding", json_string("base64"));
		if (stdin_path) {
			uint8_t *in;
			size_t len;
			if (!cli_read_file(strcmp(stdin_path, "-") ?
				stdin_path : "/dev/stdin", false, &in, &len)) {
				rc = CLI_EXIT_ERROR;
				goto out;
			}
			jw w;
			jw_init(&w);
			jw_base64(&w, in, len);
			free(in);
			size_t tl;
			char *text = jw_take(&w, &tl);
			if (text) {
				text[tl - 1] = '\0';   /* drop the quotes */
				json_object_set_new(doc, "stdin",
					json_string(text + 1));
			}
			free(text);
		}
	} else {
		json_object_set_new(doc, "function", json_string(fn));
		for (; i < argc; i++)
			json_array_append_new(args, json_string(argv[i]));
		json_object_set(doc, "args", args);
	}
	if (json_object_size(lims))
		json_object_set(doc, "limits", lims);
	char *body = json_dumps(doc, JSON_COMPACT);
	if (!body) {
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	snprintf(path, sizeof path, "/v1/modules/%s/invoke", id);
	bool sent = call(c, "POST", path, "application/json", body,
		strlen(body), &res);
	free(body);
	if (!sent) {
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (res.status != 200) {
		rc = api_error_report(&res);
	} else {
		if (c->json)
			print_raw(&res);
		rc = c->json ? CLI_EXIT_OK : outcome_report(&res);
	}
	httpc_response_free(&res);
out:
	json_decref(doc);
	json_decref(env);
	json_decref(lims);
	json_decref(args);
	return rc;
}

/* ---- entry points ----------------------------------------------------------- */

int cli_client_main(int argc, char **argv, struct cli_global *g)
{
	struct client c;

	(void)g;
	client_init(&c);
	if (strcmp(argv[0], "upload") == 0)
		return upload_main(argc, argv, &c);
	if (strcmp(argv[0], "list") == 0)
		return list_main(argc, argv, &c);
	if (strcmp(argv[0], "delete") == 0)
		return delete_main(argc, argv, &c);
	return invoke_main(argc, argv, &c);
}
