/* fcode.h -- the interpreter's pre-decoded code (internal). */
#ifndef ENGINE_COMPILE_H
#define ENGINE_COMPILE_H

#include "runtime/runtime.h"

#include <stdio.h>

/* A function's pre-decoded code (see ops.h for the format). */
struct fcode {
	uint8_t *code;
	uint32_t code_len;
	uint32_t nlocals;          /* params + declared locals (the frame's
	                              size is in its ENTER) */
	uint32_t nmap;
	uint32_t (*map)[2];        /* (code offset, wasm offset) of each
	                              instruction that can trap, ascending */
};

/* predecode.c: validate one defined function's body (func_validate,
 * nothing kept), or validate and pre-decode it into m->funcs[i].code
 * (func_compile). */
wasm_status func_validate(const wasm_module *m, uint32_t func_index,
	wasm_error *err);
wasm_status func_compile(wasm_module *m, uint32_t func_index,
	wasm_error *err);
void fcode_free(struct fcode *c);

/* interp.c: run f with its arguments in sp[0..nparams) (sp is the first
 * free slot of the value stack); results come back in sp[0..nresults).
 * Returns WASM_OK, WASM_ERR_TRAP (ex->trap etc. set) or WASM_ERR_EXIT.
 * Traps raised by faults unwind through ex->fault_jmp, which the caller
 * (wasm_func_call) sets up.  The runtime reaches it as tier 0's call
 * (tier_call, runtime/tier_ops.h). */
wasm_status interp_call(wasm_store *s, wasm_func *f, uint64_t *sp);
/* dump.c: defined function fi's pre-decoded code as text, a header line
 * then one line an instruction (tier 0's dump). */
wasm_status interp_dump(wasm_module *m, uint32_t fi, FILE *out,
	wasm_error *err);

/* tier_interp.c: tier 0's entry in the tier table. */
extern const struct tier_ops tier_interp;

/* Function i's pre-decoded code, made on its first use (--tier=baseline:
 * at load, module.c); NULL if that fails (the body was validated at load,
 * so only memory can run out). */
static inline struct fcode *fcode_get(wasm_module *m, uint32_t i)
{
	struct fcode *fc = m->funcs[i].code;
	if (__builtin_expect(!fc, 0)) {
		wasm_error err;
		if (func_compile(m, i, &err) != WASM_OK)
			return NULL;
		fc = m->funcs[i].code;
	}
	return fc;
}

/* Wasm byte offset of the instruction whose pre-decoded code contains ip,
 * or SIZE_MAX if ip is not inside c's code. */
size_t fcode_wasm_offset(const struct fcode *c, const void *ip);
/* Size in bytes of c's code (0 for NULL). */
uint32_t fcode_code_bytes(const struct fcode *c);
/* The address range of c's code. */
void fcode_range(const struct fcode *c, const void **lo, const void **hi);

#endif
