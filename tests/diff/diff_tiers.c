/* diff_tiers.c -- differential test of the tiers: each module runs in the
 * interpreter (the reference), in the baseline JIT, in the optimizing JIT
 * (tier 2 where it compiles a function, the baseline where it refuses:
 * the two call each other), in automatic tiering with threshold 1 and
 * with threshold 3 (which mixes interpreted and JIT frames in one call),
 * and with tier 2 taking over from baseline code at once (thresholds 1, 1)
 * and a few counts in (3, 5: OSR from baseline frames into tier 2), and
 * what it does must be the same.
 *
 *   diff_tiers [-v] FILE.wasm...
 *
 * Per module and tier: instantiate with every import answered (functions
 * log their arguments and return zeros; memories, tables and globals are
 * made to the import's type), then call every exported function with three
 * fixed argument sets (ordinary numbers; NaNs with payloads; infinities
 * and zeros: arg_value), with fuel so that no call runs forever.  Float
 * results and memory are compared as bits, NaNs included (the NaN rule,
 * interp/ops.h).  The transcript (each
 * call's results as bits or its trap kind, function and wasm offset, the import
 * calls, a hash of memory after each call) must equal the interpreter's.
 * Modules the interpreter cannot load are skipped.
 *
 * Last line: "N passed, M failed" (modules).  Exit 1 if any failed.
 */
#include "wasm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUEL_PER_CALL 200000u
#define MAX_VALUES 64

typedef struct {
	char *s;
	size_t len, cap;
} text;

static void tprintf(text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tprintf(text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap <= t->len + (size_t)n)
			cap *= 2;
		char *ns = realloc(t->s, cap);
		if (!ns) {
			fprintf(stderr, "diff_tiers: out of memory\n");
			exit(2);
		}
		t->s = ns;
		t->cap = cap;
	}
}

typedef struct {
	text *log;
	uint32_t index;
	wasm_functype type;
} host_env;

static wasm_status host_log(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(void)ctx;
	host_env *h = env;
	tprintf(h->log, "  import %u(", h->index);
	for (uint32_t i = 0; i < h->type.nparams; i++) {
		uint8_t t = h->type.params[i];
		uint64_t v = slots[i];
		if (t == WASM_FUNCREF || t == WASM_EXTERNREF)
			v = v != 0;     /* addresses differ between runs */
		tprintf(h->log, "%s%llx", i ? " " : "", (unsigned long long)v);
	}
	tprintf(h->log, ")\n");
	for (uint32_t i = 0; i < h->type.nresults; i++)
		slots[i] = 0;
	return WASM_OK;
}

/* The argument sets every export is called with: ordinary numbers; NaNs
 * with payloads (signalling and quiet, both signs), which float ops must
 * turn into the same bits in every tier (the NaN rule, interp/ops.h);
 * infinities and zeros of both signs, which make NaNs of their own
 * (inf - inf, 0 * inf) and test min/max on -0. */
#define NARGSETS 3

static wasm_value arg_value(uint8_t type, uint32_t i, int set)
{
	static const uint32_t f32_special[] = { 0x7f800000u, 0x80000000u,
		0xff800000u, 0x00000000u, 0x3f800000u };
	static const uint64_t f64_special[] = { 0x7ff0000000000000ull,
		0x8000000000000000ull, 0xfff0000000000000ull, 0,
		0xbff0000000000000ull };
	wasm_value v = { .type = (wasm_valtype)type };
	switch (type) {
	case WASM_I32: v.of.i32 = set == 2 ? (int32_t)i - 1 : (int32_t)(i * 7 + 1); break;
	case WASM_I64: v.of.i64 = set == 2 ? -(int64_t)i : (int64_t)i * 1000003 - 5; break;
	case WASM_F32:
		v.of.f32_bits = set == 0 ? 0x3fc00000u + i                /* ~1.5 */
			: set == 1 ? (i & 1 ? 0xffc00000u : 0x7fa00000u) + 0x111 * (i + 1)
			: f32_special[i % 5];
		break;
	case WASM_F64:
		v.of.f64_bits = set == 0 ? 0xc00c000000000000ull + i
			: set == 1 ? (i & 1 ? 0xfff8000000000000ull : 0x7ff4000000000000ull)
				+ 0x10001ull * (i + 1)
			: f64_special[i % 5];
		break;
	case WASM_V128:         /* lanes as the f32 and f64 args of the set */
		for (uint32_t l = 0; l < 4; l++) {
			uint32_t b = arg_value(WASM_F32, i + l, set).of.f32_bits;
			memcpy(v.of.v128 + 4 * l, &b, 4);
		}
		if (set == 2) {
			uint64_t b = arg_value(WASM_F64, i, set).of.f64_bits;
			memcpy(v.of.v128 + 8, &b, 8);
		}
		break;
	default: v.of.ref = NULL; break;
	}
	return v;
}

static uint64_t hash_bytes(const uint8_t *p, uint64_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

typedef struct {
	const char *name;
	wasm_tier tier;
	uint32_t threshold, opt_threshold;
} tier_spec;

static const tier_spec tiers[] = {
	{ "interp", WASM_TIER_INTERP, 0, 0 },
	{ "baseline", WASM_TIER_BASELINE, 0, 0 },
	{ "opt", WASM_TIER_OPT, 0, 0 },
	{ "auto-1", WASM_TIER_AUTO, 1, 0 },
	{ "auto-3", WASM_TIER_AUTO, 3, 0 },
	/* baseline -> tier 2 at the first count, and a few counts in (OSR
	 * from baseline frames into tier-2 code) */
	{ "auto-1-1", WASM_TIER_AUTO, 1, 1 },
	{ "auto-3-5", WASM_TIER_AUTO, 3, 5 },
};
#define NTIERS (sizeof tiers / sizeof tiers[0])

/* Calls, and traps by kind, in the reference tier's transcripts. */
static unsigned long calls_compared, traps_compared, oob_compared, so_compared;

/* Runs the module in one tier; the transcript goes to out.  Returns false
 * if the module does not load (out says why). */
static bool run_tier(const tier_spec *ts, const uint8_t *bytes, size_t len,
	text *out, wasm_module_stats *stats)
{
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.tier = ts->tier;
	cfg.tier_threshold = ts->threshold;
	cfg.opt_threshold = ts->opt_threshold;
	cfg.fuel = true;
	cfg.max_call_depth = 2000;     /* deep recursion is quick to trap */
	wasm_engine *e = wasm_engine_new(&cfg);
	wasm_module *m = NULL;
	wasm_store *s = NULL;
	wasm_error err;
	bool ok = false;
	host_env *envs = NULL;
	wasm_extern *imports = NULL;

	if (wasm_module_load(e, bytes, len, &m, &err) != WASM_OK) {
		tprintf(out, "load: %s\n", err.message);
		goto out;
	}
	s = wasm_store_new(e);
	uint32_t nimp = wasm_module_import_count(m);
	envs = calloc(nimp + 1, sizeof *envs);
	imports = calloc(nimp + 1, sizeof *imports);
	for (uint32_t i = 0; i < nimp; i++) {
		wasm_extern_desc d;
		wasm_module_import(m, i, &d);
		imports[i].kind = d.kind;
		switch (d.kind) {
		case WASM_EXTERN_FUNC:
			envs[i] = (host_env){ out, i, d.func };
			imports[i].of.func = wasm_func_new_host(s, &d.func, host_log, &envs[i]);
			break;
		case WASM_EXTERN_MEMORY:
			imports[i].of.memory = wasm_memory_new(s, d.memory);
			break;
		case WASM_EXTERN_TABLE:
			imports[i].of.table = wasm_table_new(s, d.table.elem, d.table.limits, NULL);
			break;
		case WASM_EXTERN_GLOBAL: {
			wasm_value z = { .type = d.global.type };
			memset(&z.of, 0, sizeof z.of);
			imports[i].of.global = wasm_global_new(s, z, d.global.mut);
			break;
		}
		}
	}
	wasm_instance *inst = NULL;
	wasm_store_set_fuel(s, FUEL_PER_CALL);
	if (wasm_instance_new(s, m, imports, nimp, &inst, &err) != WASM_OK) {
		tprintf(out, "instantiate: %s trap %s\n", wasm_status_name(err.status),
			wasm_trap_kind_name(err.trap));
		ok = true;
		goto out;
	}
	wasm_memory *mem = NULL;
	for (uint32_t i = 0; i < wasm_module_export_count(m); i++) {
		wasm_extern_desc d;
		wasm_extern x;
		wasm_module_export(m, i, &d);
		if (d.kind == WASM_EXTERN_MEMORY && wasm_instance_export(inst, d.name, &x))
			mem = x.of.memory;
	}
	for (uint32_t i = 0; i < wasm_module_export_count(m); i++) {
		wasm_extern_desc d;
		wasm_extern x;
		wasm_module_export(m, i, &d);
		if (d.kind != WASM_EXTERN_FUNC || !wasm_instance_export(inst, d.name, &x))
			continue;
		if (d.func.nparams > MAX_VALUES || d.func.nresults > MAX_VALUES)
			continue;
		for (int set = 0; set < NARGSETS; set++) {
			wasm_value args[MAX_VALUES], res[MAX_VALUES];
			for (uint32_t k = 0; k < d.func.nparams; k++)
				args[k] = arg_value(d.func.params[k], k, set);
			wasm_store_set_fuel(s, FUEL_PER_CALL);
			tprintf(out, "call %s/%d:", d.name, set);
			if (ts == &tiers[0])
				calls_compared++;
			wasm_status st = wasm_func_call(s, x.of.func, args, d.func.nparams,
				res, d.func.nresults, &err);
			if (st == WASM_OK) {
				for (uint32_t k = 0; k < d.func.nresults; k++) {
					uint64_t v;
					switch (res[k].type) {
					case WASM_I32: v = (uint32_t)res[k].of.i32; break;
					case WASM_F32: v = res[k].of.f32_bits; break;
					case WASM_I64: v = (uint64_t)res[k].of.i64; break;
					case WASM_F64: v = res[k].of.f64_bits; break;
					case WASM_V128: {   /* bytes 8..15, then 0..7 */
						memcpy(&v, res[k].of.v128 + 8, 8);
						tprintf(out, " %llx", (unsigned long long)v);
						memcpy(&v, res[k].of.v128, 8);
						break;
					}
					default: v = res[k].of.ref != NULL; break;
					}
					tprintf(out, " %llx", (unsigned long long)v);
				}
			} else if (st == WASM_ERR_TRAP) {
				/* kind, function and offset, for every kind: a
				 * fault names its own load or store, stack overflow
				 * the callee's entry, in every tier */
				tprintf(out, " trap %s in %u at %zx",
					wasm_trap_kind_name(err.trap), err.func_index,
					err.offset);
				if (ts == &tiers[0]) {
					traps_compared++;
					oob_compared += err.trap == WASM_TRAP_OUT_OF_BOUNDS_MEMORY;
					so_compared += err.trap == WASM_TRAP_STACK_OVERFLOW;
				}
			} else {
				tprintf(out, " %s", wasm_status_name(st));
			}
			if (mem)
				tprintf(out, " mem %llx", (unsigned long long)hash_bytes(
					wasm_memory_data(mem), wasm_memory_size_bytes(mem)));
			tprintf(out, "\n");
		}
	}
	ok = true;
out:
	if (m && stats)
		wasm_module_stats_get(m, stats);
	wasm_store_free(s);
	wasm_module_free(m);
	wasm_engine_free(e);
	free(envs);
	free(imports);
	return ok;
}

static bool read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
		size_t got = fread(b + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	*out = b;
	*len = n;
	return true;
}

/* First differing line of a and b, for the report. */
static void show_diff(const char *path, const char *name, const text *a,
	const text *b)
{
	const char *p = a->s ? a->s : "", *q = b->s ? b->s : "";
	while (*p && *p == *q) {
		p++;
		q++;
	}
	while (p > (a->s ? a->s : "") && p[-1] != '\n') {
		p--;
		q--;
	}
	int la = (int)strcspn(p, "\n"), lb = (int)strcspn(q, "\n");
	printf("%s: %s differs from interp:\n  interp: %.*s\n  %s: %.*s\n",
		path, name, la, p, name, lb, q);
}

/* --gen SEED N FILE: N pseudo-random bytes (xorshift64*), the input that
 * wasm-opt -ttf turns into a module; reproducible from the seed. */
static int gen(const char *seed_text, const char *n_text, const char *path)
{
	uint64_t x = strtoull(seed_text, NULL, 0) * 2654435761u + 88172645463325252ull;
	size_t n = strtoull(n_text, NULL, 0);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		fputc((int)((x * 2685821657736338717ull) >> 56), f);
	}
	return fclose(f) == 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
	bool verbose = false;
	if (argc == 5 && strcmp(argv[1], "--gen") == 0)
		return gen(argv[2], argv[3], argv[4]);
	unsigned passed = 0, failed = 0, skipped = 0;
	uint64_t jit_funcs = 0, bailed = 0, osr = 0, opt_funcs = 0, opt_bailed = 0;
	int i = 1;
	if (i < argc && strcmp(argv[i], "-v") == 0) {
		verbose = true;
		i++;
	}
	for (; i < argc; i++) {
		uint8_t *bytes;
		size_t len;
		if (!read_file(argv[i], &bytes, &len)) {
			perror(argv[i]);
			failed++;
			continue;
		}
		text t[NTIERS] = { { 0 } };
		bool ok = true;
		if (!run_tier(&tiers[0], bytes, len, &t[0], NULL)) {
			skipped++;
			if (verbose)
				printf("%s: skipped (%s)", argv[i], t[0].s);
			free(t[0].s);
			free(bytes);
			continue;
		}
		for (size_t k = 1; k < NTIERS; k++) {
			wasm_module_stats st;
			memset(&st, 0, sizeof st);
			run_tier(&tiers[k], bytes, len, &t[k], &st);
			const wasm_tier_stats *b = &st.tiers[WASM_TIER_BASELINE];
			if (k == 1) {
				jit_funcs += b->nfuncs;
				bailed += b->nfuncs_refused;
				if (b->nfuncs_refused && verbose)
					printf("%s: %u function(s) refused: %s\n", argv[i],
						b->nfuncs_refused,
						st.refused_reason[WASM_TIER_BASELINE]);
			}
			if (tiers[k].tier == WASM_TIER_OPT) {
				const wasm_tier_stats *o = &st.tiers[WASM_TIER_OPT];
				opt_funcs += o->nfuncs;
				opt_bailed += o->nfuncs_refused;
				if (o->nfuncs_refused && verbose)
					printf("%s: tier 2 refused %u function(s), last: %s\n",
						argv[i], o->nfuncs_refused,
						st.refused_reason[WASM_TIER_OPT]);
			}
			osr += b->osr_entries + st.tiers[WASM_TIER_OPT].osr_entries;
			if (t[k].len != t[0].len || memcmp(t[k].s, t[0].s, t[0].len) != 0) {
				show_diff(argv[i], tiers[k].name, &t[0], &t[k]);
				ok = false;
			}
		}
		if (verbose && ok)
			printf("%s: same in all tiers (%zu bytes of transcript)\n",
				argv[i], t[0].len);
		for (size_t k = 0; k < NTIERS; k++)
			free(t[k].s);
		free(bytes);
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("diff_tiers: %llu functions compiled, %llu refused, %llu OSR "
		"entries, %u modules skipped\n", (unsigned long long)jit_funcs,
		(unsigned long long)bailed, (unsigned long long)osr, skipped);
	printf("diff_tiers: tier 2 compiled %llu functions, refused %llu (they "
		"ran in the baseline)\n", (unsigned long long)opt_funcs,
		(unsigned long long)opt_bailed);
	printf("diff_tiers: %lu calls compared, %lu of them traps (%lu out of "
		"bounds memory, %lu stack overflow): kind, function and offset\n",
		calls_compared, traps_compared, oob_compared, so_compared);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
