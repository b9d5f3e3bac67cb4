/* opt.c -- tier 2's entry points (opt.h). */
#include "jit/opt/opt.h"
#include "jit/opt/passes.h"

wasm_status opt_dump_ir(wasm_module *m, uint32_t func_index, FILE *out,
	wasm_error *err)
{
	ir_func *f;
	wasm_status st = ir_build(m, func_index, &f, err);
	if (st != WASM_OK)
		return st;
	st = ir_run_passes(f, ir_default_pipeline, out, true, err);
	ir_func_free(f);
	return st;
}
