/* opt.c -- tier 2's entry points (opt.h). */
#include "jit/opt/opt.h"
#include "jit/opt/passes.h"
#include "jit/opt/mir.h"
#include "common/error.h"
#include "runtime/runtime.h"

#include <string.h>

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

wasm_status opt_codegen(wasm_module *m, uint32_t func_index, FILE *print,
	bool verify, mir_code *out, wasm_error *err)
{
	return opt_codegen_osr(m, func_index, opt_osr_wanted(m->engine) ?
		IR_OSR_ALL : IR_OSR_NONE, print, verify, out, err);
}

wasm_status opt_codegen_osr(wasm_module *m, uint32_t func_index, uint32_t osr,
	FILE *print, bool verify, mir_code *out, wasm_error *err)
{
	ir_func *f;
	mir_func *mf = NULL;
	memset(out, 0, sizeof *out);
	wasm_status st = ir_build_osr(m, func_index, osr, &f, err);
	if (st != WASM_OK)
		return st;
	st = ir_run_passes(f, ir_default_pipeline, NULL, verify, err);
	if (st == WASM_OK)
		st = mir_lower(m, f, &mf, err);
	/* the MIR keeps nothing of the IR: freed before allocation, which
	 * reuses its pages instead of fresh ones (printf_core's IR is
	 * 200 KB) */
	ir_func_free(f);
	if (st == WASM_OK && print) {
		fprintf(print, "; lowered\n");
		mir_print(mf, print);
	}
	if (st == WASM_OK)
		st = mir_regalloc(mf, err);
	if (st == WASM_OK && print) {
		fprintf(print, "; allocated\n");
		mir_print(mf, print);
	}
	if (st == WASM_OK && verify) {
		char msg[256];
		if (!mir_regalloc_verify(mf, msg, sizeof msg))
			st = err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"function %u: register allocation: %s", func_index, msg);
	}
	if (st == WASM_OK)
		st = mir_emit(mf, out, err);
	mir_free(mf);
	return st;
}
