/* opt-compile.c -- tier 2's compile speed, stage by stage.
 *
 *   opt-compile [-n RUNS] [-p PIPELINE] [-a] [-f] FILE.wasm...
 *
 * For each module: loads it (decode, validate), pre-decodes every defined
 * function, then compiles each with tier 2's stages (ir_build, the default
 * pipeline, mir_lower, mir_regalloc, mir_emit: what opt_codegen does,
 * verifiers off) and times each stage in thread CPU time.  With -n, the
 * whole module is compiled RUNS times and the fastest run is kept (the
 * machine is shared: the minimum is the stable figure).  -p runs PIPELINE
 * (pass names, as ir_run_passes takes them) instead of the default one.
 * The engine is configured as `--tier=opt` (make bench's opt column),
 * whose code has no OSR entries (opt_osr_wanted); -a configures it as
 * `--tier=auto`, where opt_codegen makes an OSR entry at every loop (the
 * costliest code to compile: auto's own compiles make OSR code for one
 * loop nest, or none, tier_opt.c).  -f also prints a
 * line per function of the last run (index, body bytes, stage times, the
 * page faults and, in brackets, those of each stage), to see where a
 * module's time goes.
 * Prints per module one line:
 *
 *   NAME wasm_bytes=B funcs=N refused=R loads=L build_us pass_us lower_us ra_us emit_us total_us MB/s code=HASH
 *
 * (wasm_bytes: the bodies of the functions tier 2 compiled; loads: the
 * loads left in their IR after the passes, scalar and v128, what load
 * elimination is measured by; MB/s = those bytes / total, 10^6 bytes a
 * second; HASH: FNV-1a 64 over every function's machine code, OSR offset,
 * PC map and OSR loop table, so that a change to the compiler can show it
 * emits byte-identical code) and a line of totals.  A refused
 * function prints its reason on stderr.  Built by `make` and run by hand
 * (make bench's compile speed is wasmhost's own --stats: opt_compile_us
 * over the same stages). */
#include "jit/opt/mir.h"
#include "jit/opt/passes.h"
#include "interp/fcode.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

enum { ST_BUILD, ST_PASS, ST_LOWER, ST_RA, ST_EMIT, ST_COUNT_ };

typedef struct {
	uint64_t ns[ST_COUNT_];
	uint64_t bytes, loads;
	uint64_t hash;          /* FNV-1a 64 of what was emitted */
	uint32_t funcs, refused;
} tally;

enum { FNV_BASIS = 0xcbf29ce484222325ull };

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* The code holds the addresses of pre-decoded instructions (slow_op
 * passes its op's ip as an immediate), which move with the heap from run
 * to run and build to build: each 8-byte window that holds an address
 * inside some function's pre-decoded code is hashed as (function, offset)
 * instead. */
static uint64_t code_hash_bytes(uint64_t h, const wasm_module *m,
	const uint8_t *code, size_t len)
{
	size_t k = 0;
	uintptr_t lo_all = UINTPTR_MAX, hi_all = 0;
	for (uint32_t fj = m->nfunc_imports; fj < m->nfuncs; fj++) {
		const struct fcode *fc = m->funcs[fj].code;
		if ((uintptr_t)fc->code < lo_all)
			lo_all = (uintptr_t)fc->code;
		if ((uintptr_t)fc->code + fc->code_len > hi_all)
			hi_all = (uintptr_t)fc->code + fc->code_len;
	}
	while (k < len) {
		uint64_t v = 0;
		uint32_t fj = m->nfuncs;
		if (k + 8 <= len) {
			memcpy(&v, code + k, 8);
			for (fj = v >= lo_all && v <= hi_all ? m->nfunc_imports : m->nfuncs;
			    fj < m->nfuncs; fj++) {
				const struct fcode *fc = m->funcs[fj].code;
				uintptr_t lo = (uintptr_t)fc->code;
				if (v >= lo && v <= lo + fc->code_len)
					break;
			}
		}
		if (fj < m->nfuncs) {
			uint64_t rel = (uint64_t)fj << 32 |
				(v - (uintptr_t)m->funcs[fj].code->code);
			h = fnv1a(h, &rel, sizeof rel);
			k += 8;
		} else {
			h = fnv1a(h, code + k, 1);
			k++;
		}
	}
	return h;
}

/* Everything mir_emit hands over that depends on the compiler's choices. */
static uint64_t code_hash(uint64_t h, const wasm_module *m, const mir_code *c)
{
	uint64_t len = c->len;
	h = fnv1a(h, &len, sizeof len);
	h = code_hash_bytes(h, m, c->code, c->len);
	h = fnv1a(h, &c->osr_off, sizeof c->osr_off);
	h = fnv1a(h, c->pc, c->npc * sizeof *c->pc);
	if (c->pc_func)
		h = fnv1a(h, c->pc_func, c->npc * sizeof *c->pc_func);
	h = fnv1a(h, c->loops, c->nloops * sizeof *c->loops);
	return fnv1a(h, &c->nosr_dropped, sizeof c->nosr_dropped);
}

static const char *pipeline;
static bool per_func;

/* The loads left in f. */
static uint64_t count_loads(const ir_func *f)
{
	uint64_t n = 0;
	for (uint32_t b = 0; b < f->nb; b++)
		for (uint32_t j = 0; !f->b[b].dead && j < f->b[b].ninsn; j++) {
			enum ir_op op = (enum ir_op)f->v[f->b[b].insn[j]].op;
			n += (op >= IR_LOAD && op <= IR_LOAD32S) || op == IR_VLOAD;
		}
	return n;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t total_ns(const tally *t)
{
	uint64_t s = 0;
	for (int k = 0; k < ST_COUNT_; k++)
		s += t->ns[k];
	return s;
}

static uint8_t *file_read(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc(len ? (size_t)len : 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	*len_out = (size_t)len;
out:
	fclose(f);
	return buf;
}

/* The calling thread's minor page faults so far. */
static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt;
}

/* The end of stage k, begun at *t0: its time into t and, with -f, its
 * page faults into flt. */
static void stage_end(tally *t, int k, uint64_t *t0, long *flt)
{
	uint64_t t1 = cpu_ns();
	t->ns[k] += t1 - *t0;
	if (per_func)
		flt[k + 1] = minflt();
	*t0 = per_func ? cpu_ns() : t1;
}

/* Function fi of m through every stage, timed into t; false if refused. */
static bool compile_one(wasm_module *m, uint32_t fi, tally *t, bool quiet)
{
	wasm_error err;
	ir_func *f = NULL;
	mir_func *mf = NULL;
	mir_code code;
	tally before = *t;
	long flt[ST_COUNT_ + 1];
	memset(&code, 0, sizeof code);
	flt[0] = per_func ? minflt() : 0;
	for (int k = 1; k <= ST_COUNT_; k++)
		flt[k] = flt[0];
	uint64_t t0 = cpu_ns();
	wasm_status st = ir_build(m, fi, &f, &err);
	stage_end(t, ST_BUILD, &t0, flt);
	if (st == WASM_OK) {
		st = ir_run_passes(f, pipeline, NULL, false, &err);
		stage_end(t, ST_PASS, &t0, flt);
		if (st == WASM_OK)
			t->loads += count_loads(f);
		t0 = cpu_ns();
	}
	if (st == WASM_OK) {
		st = mir_lower(m, f, &mf, &err);
		/* the IR freed as opt_codegen frees it: before allocation,
		 * which reuses its pages */
		ir_func_free(f);
		f = NULL;
		stage_end(t, ST_LOWER, &t0, flt);
	}
	if (st == WASM_OK) {
		st = mir_regalloc(mf, &err);
		stage_end(t, ST_RA, &t0, flt);
	}
	if (st == WASM_OK) {
		st = mir_emit(mf, &code, &err);
		stage_end(t, ST_EMIT, &t0, flt);
	}
	if (st == WASM_OK)
		t->hash = code_hash(t->hash, m, &code);
	if (per_func && !quiet) {
		printf("  func %-5u bytes=%-6u", fi,
			m->funcs[fi].body_end - m->funcs[fi].body_offset);
		for (int k = 0; k < ST_COUNT_; k++)
			printf(" %8.0f", (t->ns[k] - before.ns[k]) / 1e3);
		printf(" %9.0f faults=%ld (", (total_ns(t) - total_ns(&before)) / 1e3,
			flt[ST_COUNT_] - flt[0]);
		for (int k = 0; k < ST_COUNT_; k++)
			printf(k ? " %ld" : "%ld", flt[k + 1] - flt[k]);
		printf(")\n");
	}
	mir_free(mf);
	ir_func_free(f);
	free(code.code);
	free(code.pc);
	free(code.pc_func);
	free(code.loops);
	if (st != WASM_OK && !quiet)
		fprintf(stderr, "opt-compile: function %u: %s\n", fi, err.message);
	return st == WASM_OK;
}

static void print_tally(const char *name, const tally *t)
{
	uint64_t tot = total_ns(t);
	printf("%-12s wasm_bytes=%-8llu funcs=%-5u refused=%-3u loads=%-6llu", name,
		(unsigned long long)t->bytes, t->funcs, t->refused,
		(unsigned long long)t->loads);
	for (int k = 0; k < ST_COUNT_; k++)
		printf(" %8.0f", t->ns[k] / 1e3);
	printf(" %9.0f %7.2f code=%016llx\n", tot / 1e3,
		tot ? t->bytes * 1e3 / tot : 0.0, (unsigned long long)t->hash);
}

int main(int argc, char **argv)
{
	int runs = 1, first = 1, rc = 0;
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.tier = WASM_TIER_OPT;
	pipeline = ir_default_pipeline;
	for (;;) {
		if (first < argc && strcmp(argv[first], "-a") == 0) {
			cfg.tier = WASM_TIER_AUTO;
			first++;
			continue;
		}
		if (first < argc && strcmp(argv[first], "-f") == 0) {
			per_func = true;
			first++;
			continue;
		}
		if (first + 1 >= argc || (strcmp(argv[first], "-n") != 0 &&
		    strcmp(argv[first], "-p") != 0))
			break;
		if (argv[first][1] == 'n')
			runs = atoi(argv[first + 1]);
		else
			pipeline = argv[first + 1];
		first += 2;
	}
	if (first >= argc || runs < 1) {
		fprintf(stderr, "usage: opt-compile [-n RUNS] [-p PIPELINE] [-a] [-f] FILE.wasm...\n");
		return 2;
	}
	wasm_engine *engine = wasm_engine_new(&cfg);
	if (!engine)
		return 1;
	tally all = { .hash = FNV_BASIS };
	printf("%-12s %-62s %8s %8s %8s %8s %8s %9s %7s\n", "# module", "",
		"build", "passes", "lower", "regalloc", "emit", "total_us", "MB/s");
	for (int a = first; a < argc; a++) {
		size_t len = 0;
		uint8_t *bytes = file_read(argv[a], &len);
		wasm_module *m = NULL;
		wasm_error err;
		if (!bytes || wasm_module_load(engine, bytes, len, &m, &err) != WASM_OK) {
			fprintf(stderr, "opt-compile: %s: cannot load\n", argv[a]);
			free(bytes);
			rc = 1;
			continue;
		}
		free(bytes);
		for (uint32_t fi = m->nfunc_imports; fi < m->nfuncs; fi++)
			(void)fcode_get(m, fi);
		tally best = { 0 };
		for (int r = 0; r < runs; r++) {
			tally t = { .hash = FNV_BASIS };
			/* each run from what a module has when loaded: what
			 * tier 2 remembers of its callees forgotten */
			for (uint32_t fi = 0; fi < m->nfuncs; fi++)
				atomic_store(&m->funcs[fi].opt_inline, 0);
			for (uint32_t fi = m->nfunc_imports; fi < m->nfuncs; fi++) {
				if (compile_one(m, fi, &t, r > 0)) {
					t.funcs++;
					t.bytes += m->funcs[fi].body_end - m->funcs[fi].body_offset;
				} else {
					t.refused++;
				}
			}
			if (r == 0 || total_ns(&t) < total_ns(&best))
				best = t;
		}
		const char *name = strrchr(argv[a], '/');
		print_tally(name ? name + 1 : argv[a], &best);
		for (int k = 0; k < ST_COUNT_; k++)
			all.ns[k] += best.ns[k];
		all.bytes += best.bytes;
		all.hash = fnv1a(all.hash, &best.hash, sizeof best.hash);
		all.funcs += best.funcs;
		all.refused += best.refused;
		all.loads += best.loads;
		wasm_module_free(m);
	}
	print_tally("total", &all);
	wasm_engine_free(engine);
	return rc;
}
