/* fuzz_decode.c -- libFuzzer harness: decode + validate (+ body
 * validation, pre-decoding and bounded runs of the exports) of arbitrary
 * bytes through the public API.  Every input must
 * either load or fail with a status; nothing may crash, leak, hang or
 * allocate without bound.  See README.md. */
#include "wasm.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Instantiate modules without imports and call every exported function
 * with zero arguments under a small fuel budget: this pre-decodes the
 * called functions (the compiler's emitting pass) and runs the
 * interpreter on them.  Traps are fine; crashes and sanitizer reports
 * are not. */
static void run_exports(wasm_engine *engine, wasm_module *m)
{
	if (wasm_module_import_count(m) != 0)
		return;
	wasm_store *s = wasm_store_new(engine);
	if (!s)
		return;
	wasm_store_set_max_memory_pages(s, 64);
	wasm_store_set_fuel(s, 20000);
	wasm_instance *inst = NULL;
	wasm_error err;
	if (wasm_instance_new(s, m, NULL, 0, &inst, &err) != WASM_OK)
		goto out;
	for (uint32_t i = 0; i < wasm_module_export_count(m) && i < 16; i++) {
		wasm_extern_desc d;
		wasm_module_export(m, i, &d);
		if (d.kind != WASM_EXTERN_FUNC || d.func.nparams > 16 || d.func.nresults > 16)
			continue;
		wasm_extern x;
		if (!wasm_instance_export(inst, d.name, &x))
			continue;
		wasm_value args[16], results[16];
		for (uint32_t k = 0; k < d.func.nparams; k++)
			args[k] = (wasm_value){ .type = (wasm_valtype)d.func.params[k] };
		wasm_store_set_fuel(s, 20000);
		(void)wasm_func_call(s, x.of.func, args, d.func.nparams, results,
			d.func.nresults, &err);
	}
out:
	wasm_store_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wasm_module *m = NULL;
	wasm_error err;
	/* A fresh engine per input: its type intern table would otherwise
	 * grow for the whole run and hide per-input leaks. */
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.fuel = true;               /* bounded runs, see run_exports() */
	cfg.max_stack_slots = 1u << 16;
	wasm_engine *engine = wasm_engine_new(&cfg);
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
		run_exports(engine, m);
		wasm_module_free(m);
	}
	wasm_engine_free(engine);
	return 0;
}
