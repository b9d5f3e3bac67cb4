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
 * statistics.
 *
 * Under --tier=auto the interpreter hands warm functions to the baseline
 * (tier.c), and baseline code counts down its function's budget
 * (jit_hot_counts: wasm_config.opt_threshold, each entry and LOOP one)
 * and calls opt_hot when it is spent.  opt_hot asks for the compile (a job
 * of opt_queue.h: on the compile thread if the engine has one, else at
 * once), installs the finished jobs of the module (jit_install swaps the
 * call vector's slot; the baseline code stays for frames still in it) and
 * tells the baseline code where to go: tier 2's entry, or its OSR
 * prologue and the loop's entry block, or nowhere (the compile is still
 * running: the budget is set to OPT_POLL_BUDGET so the code asks again
 * soon).  Tier 2 refused the function: it stays in baseline code, made
 * again without the budget check (jit_compile_quiet), and the activation
 * moves into that.
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit.h"
#include "jit/opt/mir.h"
#include "jit/opt/opt.h"
#include "jit/opt/opt_queue.h"
#include "jit/opt/passes.h"
#include "interp/ops.h"
#include "runtime/tier_ops.h"
#include "common/pairs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>


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

/* The budget a function whose compile is running gets: its baseline
 * code asks again after this many entries and LOOPs. */
#define OPT_POLL_BUDGET 1000

/* OSR code for one loop nest each, at most this many per function; the
 * next has an entry at every loop (IR_OSR_ALL), so that frames stuck at
 * many loops of one function (a deep recursion through a function of
 * thousands of loops, one level at each) cost a few compiles, not one
 * per loop. */
#define OPT_OSR_CODES_MAX 4

static uint32_t opt_threshold(const wasm_engine *e)
{
	const wasm_config *cfg = engine_config(e);
	switch (cfg->tier) {
	case WASM_TIER_OPT:
		return 1;
	case WASM_TIER_AUTO:
		return cfg->opt_threshold ? cfg->opt_threshold
			: WASM_OPT_DEFAULT_THRESHOLD;
	default:
		return UINT32_MAX;
	}
}

void opt_job_run(opt_job *job)
{
	wasm_error err;
	uint64_t t0 = tier_compile_clock_ns();
	const func_t *fn = &job->m->funcs[job->func_index];
	if (fn->body_end - fn->body_offset > OPT_MAX_BODY_BYTES) {
		job->st = WASM_ERR_UNSUPPORTED;
		job->reason = OPT_TOO_LARGE_REASON;
		job->compile_ns = 0;
		return;
	}
	job->st = opt_codegen_osr(job->m, job->func_index, job->osr, NULL, false,
		&job->code, &err);
	if (job->st != WASM_OK)
		job->reason = reason_intern(err.message);
	job->compile_ns = tier_compile_clock_ns() - t0;
}

void opt_job_free(opt_job *job)
{
	free(job->code.code);
	free(job->code.pc);
	free(job->code.pc_func);
	free(job->code.loops);
	free(job);
}

static wasm_status opt_request(wasm_module *m, uint32_t func_index,
	uint32_t osr, bool again);

/* The job's result into its module (the running thread): the code
 * installed, or the refusal recorded once.  WASM_OK or the job's status
 * (WASM_ERR_NOMEM: no room for the code, recorded as a refusal).
 *
 * OSR code is made for a frame running a loop in baseline code, and its
 * entries cost: every value live into a loop header is in the header's
 * OSR map, or recoverable from it, so LICM keeps loads and other values
 * it could hoist inside the loop, and GVN does not reuse an outside value
 * there.  (With a map at every loop, memops ran 8% slower, one SIMD
 * kernel of simddot 40%.)  So OSR code has maps only at the loop the
 * frame is in and at the loops around it, and when the first code of a
 * function that has loops is OSR code, code without entries is asked for
 * next: it takes the call vector, and the OSR code stays behind it for
 * frames that enter at that loop (as V8 keeps its OSR code apart from
 * the function's code).  A second compile that fails changes nothing:
 * the function has tier-2 code. */
static wasm_status opt_job_install(opt_job *job)
{
	wasm_module *m = job->m;
	wasm_status st = job->st;
	bool better = false;
	jit_tier_ask(m, WASM_TIER_OPT, job->func_index, false);
	if (st != WASM_OK) {
		if (!job->again)
			jit_tier_refuse(m, WASM_TIER_OPT, job->func_index,
				job->reason);
		else if (job->osr != IR_OSR_NONE)  /* no OSR code: frames in
		                           baseline code stay there, and stop
		                           asking */
			jit_hot_budget_set(m, job->func_index, INT32_MAX);
	} else {
		bool osr = job->osr != IR_OSR_NONE;
		unsigned flags = (osr ? JIT_OSR_CODE : 0u) |
			(job->again && osr ? JIT_BEHIND : 0u);
		const jit_func *jf = jit_install(m, job->func_index, WASM_TIER_OPT,
			job->code.code, job->code.len, job->code.osr_off, job->code.pc,
			job->code.npc, job->code.loops, job->code.nloops,
			job->compile_ns, flags);
		if (jf) {
			jit_set_pc_funcs(jf, job->code.pc_func);
			job->code.pc_func = NULL;
			if (osr && job->osr != IR_OSR_ALL)  /* one loop's */
				jit_set_osr_for(jf, job->osr);
			better = osr && !job->again &&
				job->code.nloops + job->code.nosr_dropped > 0;
		} else if (!job->again) {
			st = WASM_ERR_NOMEM;
		} else if (osr) {
			jit_hot_budget_set(m, job->func_index, INT32_MAX);
		}
	}
	job->code.pc = NULL;        /* jit_install took them */
	job->code.loops = NULL;
	uint32_t func_index = job->func_index;
	opt_job_free(job);
	if (better)
		(void)opt_request(m, func_index, IR_OSR_NONE, true);
	return st;
}

/* Every finished job of m into m. */
static void opt_install_done(wasm_module *m)
{
	opt_job *job;
	while ((job = opt_queue_take_done(m->engine, m)))
		(void)opt_job_install(job);
}

/* Ask for func_index's tier-2 code (osr, again: opt_job's): on the
 * compile thread if the engine has one, else compiled and installed now.
 * WASM_OK, or (compiled now) the failure; a refusal is recorded once and
 * never asked again. */
static wasm_status opt_request(wasm_module *m, uint32_t func_index,
	uint32_t osr, bool again)
{
	opt_job *job = calloc(1, sizeof *job);
	if (!job || !jit_module_get(m)) {
		free(job);
		return WASM_ERR_NOMEM;
	}
	job->m = m;
	job->func_index = func_index;
	job->osr = osr;
	job->again = again;
	jit_tier_ask(m, WASM_TIER_OPT, func_index, true);
	if (opt_queue_submit(m->engine, job))
		return WASM_OK;
	opt_job_run(job);
	return opt_job_install(job);
}

/* Compile func_index with tier 2 and install it, now.  WASM_OK, or the
 * status with err filled; a refusal (or no memory) is recorded in the
 * tier-2 statistics once and the function is not tried again. */
static wasm_status opt_compile_one(wasm_module *m, uint32_t func_index,
	wasm_error *err)
{
	if (jit_tier_refused(m, WASM_TIER_OPT, func_index))
		return err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
			"function %u: tier 2 refused it before", func_index);
	opt_job *job = calloc(1, sizeof *job);
	if (!job)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	job->m = m;
	job->func_index = func_index;
	job->osr = opt_osr_wanted(m->engine) ? IR_OSR_ALL : IR_OSR_NONE;
	opt_job_run(job);
	const char *why = job->reason;
	wasm_status st = opt_job_install(job);
	if (st != WASM_OK)
		return err_set(err, st, SIZE_MAX, "function %u: %s", func_index,
			why ? why : "no room for its code");
	return WASM_OK;
}

/* The tier-2 code of func_index, from jf (its current code) on, that has
 * an OSR entry at loop_off, or NULL; *lo: the entry's index.  *made:
 * whether OSR code for that loop was made (its entry may have been
 * dropped, mir_code.nosr_dropped); *n: how many OSR codes it has (all of
 * them when it returns NULL). */
static const jit_func *opt_osr_code(const jit_func *jf, uint32_t loop_off,
	uint32_t *lo, bool *made, uint32_t *n)
{
	*made = false;
	*n = 0;
	for (; jf && jf->tier == WASM_TIER_OPT; jf = jf->replaced) {
		*made |= jf->osr_code && (jf->osr_for == loop_off ||
			jf->osr_for == UINT32_MAX);
		*n += jf->osr_code;
		if ((*lo = pairs_find(jf->loops, jf->nloops, loop_off)) != UINT32_MAX)
			return jf;
	}
	return NULL;
}

/* Where the activation of func_index at loop_off (UINT32_MAX: its entry)
 * goes in code jf (tier 2's, or the baseline's without the budget check),
 * counting an OSR entry into tier 2.  Tier 2's entry at the loop may be
 * in its OSR code, behind jf (opt_job_install).  A function whose tier-2
 * code has no OSR code for this loop yet (its first compile was asked at
 * its entry, a call, or at another loop, while this activation ran the
 * loop in baseline code, as a recursive function's outer call does) gets
 * it now, once per loop (up to OPT_OSR_CODES_MAX, then for all). */
static tier_jump opt_jump(wasm_module *m, uint32_t func_index,
	const jit_func *jf, uint32_t loop_off)
{
	if (loop_off == UINT32_MAX)
		return (tier_jump){ jf->code, NULL };
	uint32_t lo = UINT32_MAX;
	const jit_func *in = jf;
	if (jf->tier != WASM_TIER_OPT) {
		lo = pairs_find(jf->loops, jf->nloops, loop_off);
	} else {
		bool made;
		uint32_t n;
		in = opt_osr_code(jf, loop_off, &lo, &made, &n);
		if (!in && !made &&
		    !jit_tier_asked(m, WASM_TIER_OPT, func_index)) {
			(void)opt_request(m, func_index, n < OPT_OSR_CODES_MAX ?
				loop_off : IR_OSR_ALL, true);
			in = opt_osr_code(jit_func_get(m, func_index), loop_off,
				&lo, &made, &n);
		}
		if (!in && jit_tier_asked(m, WASM_TIER_OPT, func_index)) {
			/* its OSR code is being made: ask again soon */
			jit_hot_budget_set(m, func_index, OPT_POLL_BUDGET);
			return (tier_jump){ NULL, NULL };
		}
	}
	if (!in || lo == UINT32_MAX) {
		/* no OSR entry at this loop: the activation stays, and stops
		 * asking (new calls go to the new code through the call
		 * vector) */
		jit_hot_budget_set(m, func_index, INT32_MAX);
		return (tier_jump){ NULL, NULL };
	}
	if (in->tier == WASM_TIER_OPT)
		jit_count_osr(m, WASM_TIER_OPT);
	return (tier_jump){ in->osr_entry, in->code + in->loops[lo][1] };
}

bool opt_osr_wanted(const wasm_engine *e)
{
	return engine_config(e)->tier != WASM_TIER_OPT;
}

/* tier_ops.hot: baseline code of func_index spent its budget. */
static tier_jump opt_hot(exec *ex, wasm_instance *inst, uint32_t func_index,
	uint32_t loop_off)
{
	wasm_module *m = inst->module;
	(void)ex;
	opt_install_done(m);
	const jit_func *jf = jit_func_get(m, func_index);
	if (jf && jf->tier == WASM_TIER_OPT)
		return opt_jump(m, func_index, jf, loop_off);
	if (!jit_tier_refused(m, WASM_TIER_OPT, func_index) &&
	    !jit_tier_asked(m, WASM_TIER_OPT, func_index)) {
		/* OSR code if a frame asks at a loop, else code without
		 * entries (opt_job_install) */
		(void)opt_request(m, func_index, loop_off == UINT32_MAX ?
			IR_OSR_NONE : loop_off, false);
		jf = jit_func_get(m, func_index);
		if (jf && jf->tier == WASM_TIER_OPT)
			return opt_jump(m, func_index, jf, loop_off);
	}
	if (jit_tier_refused(m, WASM_TIER_OPT, func_index)) {
		/* refused (once, recorded): the function stays in baseline
		 * code, which need not count any more; the activation moves
		 * into that code at once (its budget check is one memory
		 * read-modify-write per iteration, on the loop's critical path
		 * in a tight loop: matmul ran 30% slower with it) */
		jf = jit_compile_quiet(m, func_index);
		if (jf)
			return opt_jump(m, func_index, jf, loop_off);
		jit_hot_budget_set(m, func_index, INT32_MAX);
		return (tier_jump){ NULL, NULL };
	}
	jit_hot_budget_set(m, func_index, OPT_POLL_BUDGET);
	return (tier_jump){ NULL, NULL };
}

/* Code for func_index: tier 2's, else the baseline's.  True if it has
 * code afterwards. */
static bool opt_or_baseline(wasm_module *m, uint32_t func_index)
{
	wasm_error err;
	if (jit_func_get(m, func_index))
		return true;
	/* Refused by both tiers already: no message made, no clock read at
	 * every call of it (a SIMD kernel under --tier=opt ran 2x slower
	 * than the interpreter before). */
	if (jit_tier_refused(m, WASM_TIER_OPT, func_index) &&
	    jit_func_refused(m, func_index))
		return false;
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

/* A LOOP moves into the function's JIT code at that loop's entry
 * (jit_tier_osr finds it in tier-2 code's OSR entries or the baseline's
 * labels). */
static bool opt_osr(wasm_store *s, wasm_func *f, uint64_t *fp,
	const uint8_t *loop_ip, wasm_status *st)
{
	if (!opt_code(&s->ex, f))
		return false;
	return jit_tier_osr(s, f, fp, loop_ip, st);
}

/* tier_ops.compile: tier 2's code for func_index (pre-decoded already).
 * A function that has baseline code keeps it (tier 2 replaces baseline
 * code only when the function is hot, under --tier=auto):
 * WASM_ERR_UNSUPPORTED. */
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

/* Compiles of m in the background are abandoned (or waited for, the one
 * in progress) before the module's JIT state goes. */
static void opt_module_free(wasm_module *m)
{
	opt_queue_forget(m->engine, m);
}

/* Only --tier=auto compiles in the background (--tier=opt compiles a
 * module in one batch before its first call). */
static wasm_status opt_thread_start(wasm_engine *e)
{
	if (engine_config(e)->tier != WASM_TIER_AUTO)
		return WASM_OK;
	return opt_queue_start(e);
}

static void opt_engine_free(wasm_engine *e)
{
	opt_queue_free(e);
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
		"entries, %u OSR entries (%u dropped)\n", code.len, code.osr_off,
		code.npc, code.nloops, code.nosr_dropped);
	for (size_t at = 0; at < code.len; at += 16) {
		fprintf(out, "  %04zx:", at);
		for (size_t i = at; i < code.len && i < at + 16; i++)
			fprintf(out, " %02x", code.code[i]);
		fputc('\n', out);
	}
	free(code.code);
	free(code.pc);
	free(code.pc_func);
	free(code.loops);
	return WASM_OK;
}

const tier_ops tier_opt = {
	.tier = WASM_TIER_OPT,
	.compile = opt_compile,
	.threshold = opt_threshold,
	.enter = opt_enter,
	.osr = opt_osr,
	.hot = opt_hot,
	.module_free = opt_module_free,
	.stats_get = opt_stats_get,
	.engine_free = opt_engine_free,
	.thread_start = opt_thread_start,
	.dump = opt_dump,
};
