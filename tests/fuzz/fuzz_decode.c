/* fuzz_decode.c -- libFuzzer harness: decode + validate (+ body
 * validation) of arbitrary bytes through the public API.  Every input must
 * either load or fail with a status; nothing may crash, leak, hang or
 * allocate without bound.  See README.md. */
#include "wasm.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_STUB_BODIES
/* Only while compile.c cannot be linked (see build.sh): accept every body
 * so the decoder and module validation are still fuzzed. */
#include "module.h"
wasm_status func_validate(const wasm_module *m, uint32_t i, wasm_error *err)
{
	(void)m; (void)i; (void)err;
	return WASM_OK;
}
void fcode_free(struct fcode *c) { (void)c; }
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wasm_module *m = NULL;
	wasm_error err;
	/* A fresh engine per input: its type intern table would otherwise
	 * grow for the whole run and hide per-input leaks. */
	wasm_engine *engine = wasm_engine_new(NULL);
	if (!engine)
		return 0;
	if (wasm_module_load(engine, data, size, &m, &err) == WASM_OK) {
		/* Touch the introspection API too. */
		wasm_extern_desc d;
		for (uint32_t i = 0; i < wasm_module_import_count(m); i++)
			wasm_module_import(m, i, &d);
		for (uint32_t i = 0; i < wasm_module_export_count(m); i++)
			wasm_module_export(m, i, &d);
		(void)wasm_module_export_find(m, "main");
		wasm_module_free(m);
	}
	wasm_engine_free(engine);
	return 0;
}
