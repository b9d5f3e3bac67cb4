/* tier_opt.c -- tier 2, the optimizing JIT, as an entry of the tier table
 * (runtime/tier_ops.h).
 *
 * A function is compiled by opt_codegen (build -> passes -> lower ->
 * regalloc -> emit) and installed with jit_install into the module's JIT
 * state, the one the baseline uses: the same code memory, call vector,
 * trampoline, trap stubs and PC map.  Tier-1 and tier-2 code therefore
 * call each other through the call vector, and the baseline's fault
 * lookup (jit_fault_lookup) finds tier-2 code too, so this tier has no
 * fault_lookup of its own.
 *
 * When: under --tier=opt (threshold 1) the interpreter hands every
 * function to this tier at its first call (tier_ops.c asks the forced
 * tier).  The first such call compiles the whole module in one batch, as
 * --tier=baseline does: each function by tier 2 where it can, else by the
 * baseline.  A function tier 2 refuses keeps (or gets) baseline code, and
 * the refusal is recorded once, with its reason, in the tier-2
 * statistics.  --tier=auto does not use this tier yet: tier-up from
 * baseline code to tier 2 needs a counter beside the baseline's code and
 * both codes kept for the fault handler (README.md, "Next").
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit.h"
#include "jit/opt/mir.h"
#include "jit/opt/opt.h"
#include "interp/ops.h"
#include "runtime/tier_ops.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The statistics hold static strings (wasm_module_stats.refused_reason).
 * Tier 2's messages name the function and offset before the reason
 * ("function 3, code offset 12: float values are not lowered yet"); the
 * reason after the first ": " is one of a few fixed texts, kept here once
 * for the life of the process (the full message: `wasmhost dump --opt`). */
static const char *reason_intern(const char *msg)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char reasons[32][120];
	static unsigned nreasons;
	const char *why = strstr(msg, ": ");
	const char *out = "refused (more reasons than the statistics keep)";

	why = why ? why + 2 : msg;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < nreasons; i++)
		if (strncmp(reasons[i], why, sizeof reasons[i] - 1) == 0) {
			out = reasons[i];
			goto done;
		}
	if (nreasons < sizeof reasons / sizeof reasons[0]) {
		size_t n = strnlen(why, sizeof reasons[0] - 1);
		memcpy(reasons[nreasons], why, n);
		reasons[nreasons][n] = '\0';
		out = reasons[nreasons++];
	}
done:
	pthread_mutex_unlock(&lock);
	return out;
}

/* The largest body tier 2 compiles, in wasm bytes.  One function's
 * compile is not interrupted by the deadline (the batch checks it between
 * functions), and some passes grow with the square of the code: 4,000
 * loops in 60 KB took 860 ms, past the sandbox's grace after a deadline,
 * and a straight line of adds in 7.6 MB 168 s.  At 16 KiB the worst shapes
 * known take about 60 ms; a larger function goes to the baseline, whose
 * time is linear.  (Raise it when the passes are linear or check the
 * deadline themselves.) */
#define OPT_MAX_BODY_KIB 16
#define OPT_MAX_BODY_BYTES (OPT_MAX_BODY_KIB * 1024u)
#define OPT_TOO_LARGE_REASON \
	"function body over " WASM_STR(OPT_MAX_BODY_KIB) " KiB: left to the baseline"

static uint32_t opt_threshold(const wasm_engine *e)
{
	return engine_config(e)->tier == WASM_TIER_OPT ? 1 : UINT32_MAX;
}

/* Compile func_index with tier 2 and install it.  WASM_OK, or the status
 * with err filled; a refusal (or no memory) is recorded in the tier-2
 * statistics once and the function is not tried again. */
static wasm_status opt_compile_one(wasm_module *m, uint32_t func_index,
	wasm_error *err)
{
	mir_code code;
	uint64_t t0 = now_ns();

	if (jit_tier_refused(m, WASM_TIER_OPT, func_index))
		return err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"function %u: tier 2 refused it before", func_index);
	const func_t *fn = &m->funcs[func_index];
	if (fn->body_end - fn->body_offset > OPT_MAX_BODY_BYTES) {
		jit_tier_refuse(m, WASM_TIER_OPT, func_index,
			OPT_TOO_LARGE_REASON);
		return err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"function %u: %s", func_index, OPT_TOO_LARGE_REASON);
	}
	wasm_status st = opt_codegen(m, func_index, NULL, false, &code, err);
	if (st != WASM_OK) {
		jit_tier_refuse(m, WASM_TIER_OPT, func_index,
			reason_intern(err->message));
		return st;
	}
	const jit_func *jf = jit_install(m, func_index, WASM_TIER_OPT,
		code.code, code.len, code.osr_off, code.pc, code.npc, NULL, 0,
		now_ns() - t0);
	free(code.code);
	if (!jf)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX,
			"function %u: no room for its code", func_index);
	return WASM_OK;
}

/* Code for func_index: tier 2's, else the baseline's.  True if it has
 * code afterwards. */
static bool opt_or_baseline(wasm_module *m, uint32_t func_index)
{
	wasm_error err;
	if (jit_func_get(m, func_index))
		return true;
	if (opt_compile_one(m, func_index, &err) == WASM_OK)
		return true;
	return jit_compile(m, func_index);
}

/* f's JIT code (tier 2's or the baseline's), compiling first if need be;
 * NULL if it has none.  At the module's first compile every function, in
 * one batch (jit_compile_module: one RW -> RX flip per code chunk; their
 * code was pre-decoded at load, module.c).  No compile starts once ex's
 * deadline has passed: f stays interpreted and traps with timeout there. */
static const jit_func *opt_code(const exec *ex, wasm_func *f)
{
	wasm_module *m = f->inst->module;
	const jit_func *jf = jit_func_get(m, f->index);
	if (jf)
		return jf;
	jit_compile_module(m, ex, opt_or_baseline);
	if (!jit_func_get(m, f->index) && (exec_past_deadline(ex) ||
	    !m->funcs[f->index].code || !opt_or_baseline(m, f->index)))
		return NULL;
	/* Calls from the interpreter come here from now on, whatever the
	 * entry count says (as tier.c does). */
	struct op_ENTER *enter = OP_AT(m->funcs[f->index].code->code, ENTER);
	uint32_t at = tier_threshold(m->engine);
	if (enter->count < at)
		enter->count = at;
	return jit_func_get(m, f->index);
}

static bool opt_enter(wasm_store *s, wasm_func *f, uint64_t *fp,
	wasm_status *st)
{
	if (!opt_code(&s->ex, f))
		return false;
	*st = jit_run(s, f, fp, NULL);
	return true;
}

/* Tier-2 code has no OSR entries yet: a LOOP moves into JIT code only if
 * the function got baseline code (jit_tier_osr finds its loop labels). */
static bool opt_osr(wasm_store *s, wasm_func *f, uint64_t *fp,
	const uint8_t *loop_ip, wasm_status *st)
{
	if (!opt_code(&s->ex, f))
		return false;
	return jit_tier_osr(s, f, fp, loop_ip, st);
}

/* tier_ops.compile: tier 2's code for func_index (pre-decoded already).
 * A function that has baseline code keeps it (a function's code is
 * installed once): WASM_ERR_UNSUPPORTED. */
static wasm_status opt_compile(wasm_module *m, uint32_t func_index,
	wasm_error *err)
{
	const jit_func *jf = jit_func_get(m, func_index);
	if (jf && jf->tier == WASM_TIER_OPT)
		return WASM_OK;
	if (!m->funcs[func_index].code)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX,
			"function %u has no pre-decoded code", func_index);
	if (jf)
		return err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"function %u has baseline code already", func_index);
	if (!jit_module_get(m))
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	return opt_compile_one(m, func_index, err);
}

static void opt_stats_get(const wasm_module *m, wasm_module_stats *out)
{
	jit_tier_stats_get(m, WASM_TIER_OPT, out);
}

/* `wasmhost dump --opt`: the IR as built and after each pass (verified),
 * then the MIR as lowered and as allocated, then the machine code. */
static wasm_status opt_dump(wasm_module *m, uint32_t func_index, FILE *out,
	wasm_error *err)
{
	mir_code code;
	if (func_index >= m->nfuncs || func_index < m->nfunc_imports)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX,
			"function %u: %s", func_index, func_index < m->nfuncs ?
			"an import has no code to compile" : "no such function");
	if (!fcode_get(m, func_index))
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX,
			"function %u: out of memory pre-decoding it", func_index);
	fprintf(out, "; tier 2, function %u\n", func_index);
	wasm_status st = opt_dump_ir(m, func_index, out, err);
	if (st == WASM_OK)
		st = opt_codegen(m, func_index, out, true, &code, err);
	if (st != WASM_OK)
		return st;
	fprintf(out, "; machine code: %zu bytes, OSR offset 0x%04x, %u PC map "
		"entries\n", code.len, code.osr_off, code.npc);
	for (size_t at = 0; at < code.len; at += 16) {
		fprintf(out, "  %04zx:", at);
		for (size_t i = at; i < code.len && i < at + 16; i++)
			fprintf(out, " %02x", code.code[i]);
		fputc('\n', out);
	}
	free(code.code);
	free(code.pc);
	return WASM_OK;
}

const tier_ops tier_opt = {
	.tier = WASM_TIER_OPT,
	.compile = opt_compile,
	.threshold = opt_threshold,
	.enter = opt_enter,
	.osr = opt_osr,
	.stats_get = opt_stats_get,
	.dump = opt_dump,
};
