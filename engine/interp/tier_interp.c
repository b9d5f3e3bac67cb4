/* tier_interp.c -- tier 0, the interpreter, as an entry of the tier table
 * (runtime/tier_ops.h): body validation at load, pre-decoding, calls from
 * the runtime, its statistics and the fault handler's question.  The work
 * is done by predecode.c and interp.c; this file only adapts. */
#include "interp/fcode.h"
#include "runtime/tier_ops.h"

static wasm_status interp_compile(wasm_module *m, uint32_t func_index,
	wasm_error *err)
{
	if (m->funcs[func_index].code)
		return WASM_OK;
	return func_compile(m, func_index, err);
}

static void interp_module_free(wasm_module *m)
{
	for (uint32_t i = 0; i < m->nfuncs; i++) {
		fcode_free(m->funcs[i].code);
		m->funcs[i].code = NULL;
	}
}

/* Pre-decoded functions: their wasm bytes and pre-decoded code bytes.
 * The interpreter refuses nothing and compiles no machine code. */
static void interp_stats_get(const wasm_module *m, wasm_module_stats *out)
{
	wasm_tier_stats *t = &out->tiers[WASM_TIER_INTERP];
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
		const func_t *f = &m->funcs[i];
		if (!f->code)
			continue;
		t->nfuncs++;
		t->wasm_bytes += f->body_end - f->body_offset;
		t->code_bytes += fcode_code_bytes(f->code);
	}
}

#if defined(__x86_64__)
#include <sys/ucontext.h>

/* The loads and stores of interp.c (INTERP_LOAD, INTERP_STORE in fcode.h):
 * each entry is the offset from itself to one access instruction.  The
 * linker makes the bounds; weak, so that an empty table links. */
extern const int32_t __start_interp_faults[] __attribute__((weak));
extern const int32_t __stop_interp_faults[] __attribute__((weak));

/* The interpreter's ip at a fault in one of its accesses: r15 there. */
static bool interp_fault_ip(const tier_fault *at, uintptr_t lo, uintptr_t hi,
	uintptr_t *ip)
{
	(void)lo;
	(void)hi;
	for (const int32_t *e = __start_interp_faults; e < __stop_interp_faults; e++) {
		if ((uintptr_t)e + (uintptr_t)(intptr_t)*e != at->pc)
			continue;
		if (!at->regs || at->nregs <= REG_R15)
			return false;
		*ip = at->regs[REG_R15];
		return true;
	}
	return false;
}
#else
/* Elsewhere: the first general register that points into [lo, hi), the
 * function's code (which may be the next instruction's address). */
static bool interp_fault_ip(const tier_fault *at, uintptr_t lo, uintptr_t hi,
	uintptr_t *ip)
{
	for (size_t i = 0; i < at->nregs; i++) {
		if (at->regs[i] >= lo && at->regs[i] < hi) {
			*ip = at->regs[i];
			return true;
		}
	}
	return false;
}
#endif

/* The faulting instruction of ex->cur_func's pre-decoded code. */
static bool interp_fault_lookup(const exec *ex, const tier_fault *at,
	wasm_func **func, size_t *wasm_offset)
{
	wasm_func *f = ex->cur_func;

	/* A host function (cur_func while one runs) has no wasm code. */
	if (!f || !f->inst)
		return false;
	const struct fcode *code = f->inst->module->funcs[f->index].code;
	if (!code)
		return false;
	const void *clo, *chi;
	fcode_range(code, &clo, &chi);
	uintptr_t lo = (uintptr_t)clo, hi = (uintptr_t)chi;
	uintptr_t ip;
	if (!interp_fault_ip(at, lo, hi, &ip) || ip < lo || ip >= hi)
		return false;
	size_t off = fcode_wasm_offset(code, (const void *)ip);
	if (off == SIZE_MAX)
		return false;
	*func = f;
	*wasm_offset = off;
	return true;
}

const tier_ops tier_interp = {
	.tier = WASM_TIER_INTERP,
	.validate = func_validate,
	.compile = interp_compile,
	.call = interp_call,
	.module_free = interp_module_free,
	.stats_get = interp_stats_get,
	.fault_lookup = interp_fault_lookup,
	.dump = interp_dump,
};
