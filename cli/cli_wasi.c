/* cli_wasi.c -- the WASI context of a local `wasmhost run`: argv, --env,
 * stdin/stdout/stderr of the process, and --dir trees read from the host
 * into memory (the engine never touches the real filesystem). */
#include "cli_wasi.h"
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 64

struct cli_wasi {
	wasi_ctx *ctx;
	wasi_file *files;        /* paths and data owned here */
	size_t nfiles, cap_files;
	uint64_t tree_bytes;
	char **preopens;
	size_t npreopens;
};

static bool file_add(cli_wasi *cw, char *guest, uint8_t *data, size_t len,
	bool dir)
{
	if (cw->nfiles == cw->cap_files) {
		size_t cap = cw->cap_files ? cw->cap_files * 2 : 32;
		wasi_file *f = realloc(cw->files, cap * sizeof *f);
		if (!f)
			return false;
		cw->files = f;
		cw->cap_files = cap;
	}
	cw->files[cw->nfiles++] = (wasi_file){ .path = guest, .data = data,
		.len = len, .dir = dir };
	return true;
}

static char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	bool slash = la > 0 && a[la - 1] == '/';
	char *p = malloc(la + strlen(b) + 2);

	if (p)
		sprintf(p, "%s%s%s", a, slash ? "" : "/", b);
	return p;
}

static int too_big(const char *host)
{
	fprintf(stderr, "error: --dir %s: the preloaded trees are larger than "
		"%u MiB or %u entries (they are read into memory)\n", host,
		CLI_WASI_MAX_TREE_BYTES >> 20, CLI_WASI_MAX_TREE_ENTRIES);
	return CLI_EXIT_ERROR;
}

/* Adds host directory `host` as guest directory `guest`, recursively.
 * Symbolic links are followed; other special files are skipped. */
static int dir_load(cli_wasi *cw, const char *top, const char *host,
	const char *guest, int depth)
{
	struct dirent **names = NULL;
	int n, rc = CLI_EXIT_ERROR;

	if (depth > MAX_DEPTH) {
		fprintf(stderr, "error: --dir %s: directories nested more than "
			"%d deep (a symlink loop?)\n", top, MAX_DEPTH);
		return CLI_EXIT_ERROR;
	}
	n = scandir(host, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "error: --dir %s: %s: %s\n", top, host,
			strerror(errno));
		return CLI_EXIT_ERROR;
	}
	int i = 0;
	for (; i < n; i++) {
		const char *name = names[i]->d_name;
		char *hp = NULL, *gp = NULL;
		struct stat st;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		hp = path_join(host, name);
		gp = path_join(guest, name);
		if (!hp || !gp || stat(hp, &st) != 0) {
			fprintf(stderr, "error: --dir %s: %s: %s\n", top,
				hp ? hp : name, strerror(hp ? errno : ENOMEM));
			free(hp);
			free(gp);
			goto out;
		}
		int r = CLI_EXIT_OK;
		if (cw->nfiles >= CLI_WASI_MAX_TREE_ENTRIES) {
			r = too_big(top);
		} else if (S_ISDIR(st.st_mode)) {
			if (!file_add(cw, gp, NULL, 0, true)) {
				r = CLI_EXIT_ERROR;
			} else {
				gp = NULL;
				r = dir_load(cw, top, hp, cw->files[cw->nfiles
					- 1].path, depth + 1);
			}
		} else if (S_ISREG(st.st_mode)) {
			uint8_t *data = NULL;
			size_t len = 0;
			if ((uint64_t)st.st_size > CLI_WASI_MAX_TREE_BYTES -
			    cw->tree_bytes)
				r = too_big(top);
			else if (!cli_read_file(hp, false, &data, &len))
				r = CLI_EXIT_ERROR;
			else if ((uint64_t)len > CLI_WASI_MAX_TREE_BYTES -
				 cw->tree_bytes)
				r = too_big(top);
			else if (!file_add(cw, gp, data, len, false))
				r = CLI_EXIT_ERROR;
			if (r == CLI_EXIT_OK) {
				cw->tree_bytes += len;
				gp = NULL;
			} else {
				free(data);
			}
		}
		free(hp);
		free(gp);
		if (r != CLI_EXIT_OK)
			goto out;
	}
	rc = CLI_EXIT_OK;
out:
	for (int k = 0; k < n; k++)
		free(names[k]);
	free(names);
	return rc;
}

/* "HOST::GUEST" or an absolute "DIR". */
static int dir_option(cli_wasi *cw, const char *spec)
{
	const char *sep = strstr(spec, "::");
	char *host, *guest;
	struct stat st;

	if (sep) {
		host = strndup(spec, (size_t)(sep - spec));
		guest = strdup(sep + 2);
	} else {
		host = strdup(spec);
		guest = strdup(spec);
	}
	if (!host || !guest) {
		free(host);
		free(guest);
		fprintf(stderr, "wasmhost: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	size_t gl = strlen(guest);
	while (gl > 1 && guest[gl - 1] == '/')
		guest[--gl] = '\0';
	if (guest[0] != '/' || !host[0]) {
		fprintf(stderr, "error: --dir %s: want HOST_DIR::GUEST_DIR with "
			"an absolute GUEST_DIR (for example ./data::/data)\n",
			spec);
		free(host);
		free(guest);
		return CLI_EXIT_USAGE;
	}
	int rc = CLI_EXIT_ERROR;
	if (stat(host, &st) != 0) {
		fprintf(stderr, "error: --dir %s: %s: %s\n", spec, host,
			strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "error: --dir %s: %s: not a directory\n",
			spec, host);
		goto out;
	}
	char **pre = realloc(cw->preopens, (cw->npreopens + 1) * sizeof *pre);
	if (!pre)
		goto out;
	cw->preopens = pre;
	cw->preopens[cw->npreopens++] = guest;
	if (strcmp(guest, "/") != 0) {
		char *g = strdup(guest);
		if (!g || !file_add(cw, g, NULL, 0, true)) {
			free(g);
			goto out_kept;
		}
	}
	rc = dir_load(cw, spec, host, guest, 0);
out_kept:
	free(host);
	return rc;
out:
	free(host);
	free(guest);
	return rc;
}

int cli_wasi_new(const char *program, char *const *args, int nargs,
	char *const *env, int nenv, char *const *dirs, int ndirs,
	cli_wasi **out)
{
	cli_wasi *cw = calloc(1, sizeof *cw);
	const char **argv = calloc((size_t)nargs + 1, sizeof *argv);
	wasi_config cfg = { 0 };
	wasm_error err;
	int rc = CLI_EXIT_ERROR;

	*out = NULL;
	if (!cw || !argv) {
		fprintf(stderr, "wasmhost: out of memory\n");
		goto out;
	}
	for (int i = 0; i < nenv; i++) {
		if (!strchr(env[i], '=') || env[i][0] == '=') {
			fprintf(stderr, "error: --env '%s': want KEY=VALUE\n",
				env[i]);
			rc = CLI_EXIT_USAGE;
			goto out;
		}
	}
	for (int i = 0; i < ndirs; i++)
		if ((rc = dir_option(cw, dirs[i])) != CLI_EXIT_OK)
			goto out;
	argv[0] = program;
	for (int i = 0; i < nargs; i++)
		argv[i + 1] = args[i];
	cfg.argv = argv;
	cfg.argc = (uint32_t)nargs + 1;
	cfg.env = (const char *const *)env;
	cfg.envc = (uint32_t)nenv;
	cfg.stdin_from_fd = true;
	cfg.stdin_fd = 0;
	cfg.stdout_to_fd = cfg.stderr_to_fd = true;
	cfg.stdout_fd = 1;
	cfg.stderr_fd = 2;
	cfg.files = cw->files;
	cfg.nfiles = cw->nfiles;
	cfg.preopens = (const char *const *)cw->preopens;
	cfg.npreopens = cw->npreopens;
	if (wasi_new(&cfg, &cw->ctx, &err) != WASM_OK) {
		fprintf(stderr, "error: WASI setup: %s\n", err.message);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	*out = cw;
	cw = NULL;
	rc = CLI_EXIT_OK;
out:
	free(argv);
	cli_wasi_free(cw);
	return rc;
}

wasi_ctx *cli_wasi_ctx(const cli_wasi *cw)
{
	return cw->ctx;
}

const wasi_file *cli_wasi_files(const cli_wasi *cw, size_t *nfiles)
{
	*nfiles = cw->nfiles;
	return cw->files;
}

void cli_wasi_free(cli_wasi *cw)
{
	if (!cw)
		return;
	wasi_free(cw->ctx);
	for (size_t i = 0; i < cw->nfiles; i++) {
		free((char *)cw->files[i].path);
		free((uint8_t *)cw->files[i].data);
	}
	free(cw->files);
	for (size_t i = 0; i < cw->npreopens; i++)
		free(cw->preopens[i]);
	free(cw->preopens);
	free(cw);
}
