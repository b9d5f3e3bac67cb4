/* code-stats.c -- how big the interpreter's pre-decoded code is.
 *
 *   code-stats FILE.wasm NAME [I32-ARGS...]
 *
 * Loads FILE.wasm, instantiates it without imports, calls export NAME once
 * with the given i32 arguments (so that the functions it reaches get
 * pre-decoded; bench/run-micro.sh passes small arguments) and prints one
 * line:
 *
 *   code_section_bytes nfuncs nfuncs_compiled compiled_wasm_bytes compiled_code_bytes
 *
 * Built by `make bench` against libwasmengine.a. */
#include "wasm.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_ARGS 8

static uint8_t *file_read(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb) {
				free(buf);
				buf = NULL;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	*len_out = len;
out:
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	wasm_engine *engine = NULL;
	wasm_module *mod = NULL;
	wasm_store *store = NULL;
	wasm_instance *inst = NULL;
	wasm_value args[MAX_ARGS], results[8];
	wasm_functype type;
	wasm_module_stats st;
	wasm_extern ext;
	wasm_error err;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = 1;

	if (argc < 3 || argc - 3 > MAX_ARGS) {
		fprintf(stderr, "usage: code-stats FILE.wasm NAME [I32-ARGS...]\n");
		return 2;
	}
	if (!(bytes = file_read(argv[1], &len))) {
		perror(argv[1]);
		goto out;
	}
	if (!(engine = wasm_engine_new(NULL)) || !(store = wasm_store_new(engine)))
		goto out;
	if (wasm_module_load(engine, bytes, len, &mod, &err) != WASM_OK ||
	    wasm_instance_new(store, mod, NULL, 0, &inst, &err) != WASM_OK) {
		fprintf(stderr, "code-stats: %s: %s\n", argv[1], err.message);
		goto out;
	}
	if (!wasm_instance_export(inst, argv[2], &ext) ||
	    ext.kind != WASM_EXTERN_FUNC) {
		fprintf(stderr, "code-stats: no exported function %s\n", argv[2]);
		goto out;
	}
	wasm_func_type(ext.of.func, &type);
	if (type.nparams != (uint32_t)(argc - 3) || type.nresults > 8) {
		fprintf(stderr, "code-stats: %s takes %u arguments\n", argv[2],
			type.nparams);
		goto out;
	}
	for (int i = 3; i < argc; i++)
		args[i - 3] = (wasm_value){ .type = WASM_I32,
			.of.i32 = (int32_t)strtol(argv[i], NULL, 0) };
	if (wasm_func_call(store, ext.of.func, args, (size_t)(argc - 3),
	    results, type.nresults, &err) != WASM_OK) {
		fprintf(stderr, "code-stats: %s: %s\n", argv[2], err.message);
		goto out;
	}
	wasm_module_stats_get(mod, &st);
	printf("%llu %u %u %llu %llu\n",
		(unsigned long long)st.code_section_bytes, st.nfuncs,
		st.tiers[WASM_TIER_INTERP].nfuncs,
		(unsigned long long)st.tiers[WASM_TIER_INTERP].wasm_bytes,
		(unsigned long long)st.tiers[WASM_TIER_INTERP].code_bytes);
	rc = 0;
out:
	wasm_store_free(store);
	wasm_module_free(mod);
	wasm_engine_free(engine);
	free(bytes);
	return rc;
}
