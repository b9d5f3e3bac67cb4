/* diff_tiers.c -- differential test of the tiers: each module runs in the
 * interpreter (the reference), in the baseline JIT, in the optimizing JIT
 * (tier 2 where it compiles a function, the baseline where it refuses:
 * the two call each other; once with AVX where the CPU has it and once
 * without, wasm_config.no_avx: its SSE forms), in automatic tiering with threshold 1 and
 * with threshold 3 (which mixes interpreted and JIT frames in one call),
 * and with tier 2 taking over from baseline code at once (thresholds 1, 1)
 * and a few counts in (3, 5: OSR from baseline frames into tier 2), and
 * what it does must be the same.
 *
 *   diff_tiers [-v] FILE.wasm...
 *
 * Per module and tier: instantiate with every import answered (functions
 * log their arguments and return values made from them; memories, tables
 * and globals are made to the import's type, globals holding NaNs), then
 * call every exported function with three fixed argument sets (ordinary
 * numbers; NaNs with payloads; infinities, zeros and INT_MINs: arg_value,
 * and for a v128 v128_arg, lane by lane), with fuel so that no call runs
 * forever.  Float results, v128s (all 16 bytes) and memory are compared as
 * bits, NaNs included (the NaN rule, interp/ops.h, lane by lane for
 * SIMD).  The transcript (each call's results as bits or its trap kind,
 * function and wasm offset, the import calls with their arguments, a hash
 * of memory and the exported globals after each call) must equal the
 * interpreter's.  Modules the interpreter cannot load are skipped.
 *
 * The summary says how many calls were compared and how many of them
 * moved a v128.  Last line: "N passed, M failed" (modules).  Exit 1 if any
 * failed.
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

/* What the reference tier's transcripts held of v128: exported functions
 * with a v128 in their type, calls in which a v128 went in or out (as an
 * argument, a result, an import's argument or an exported global), and
 * the v128 values compared. */
static unsigned long v128_funcs, v128_calls, v128_values;
static bool counting;           /* the reference tier is running */
static bool call_saw_v128;      /* the current call moved a v128 */

static void saw_v128(void)
{
	if (counting) {
		v128_values++;
		call_saw_v128 = true;
	}
}

/* A v128 in the transcript: bytes 15..8, then 7..0, in hex. */
static void log_v128(text *t, const uint8_t b[16])
{
	uint64_t lo, hi;
	memcpy(&lo, b, 8);
	memcpy(&hi, b + 8, 8);
	tprintf(t, "%llx:%llx", (unsigned long long)hi, (unsigned long long)lo);
	saw_v128();
}

/* Imports: log the arguments (slots laid out by wasm_valtype_slots, a
 * v128 in two) and give results made from them, so that the results'
 * way back into every tier is compared too (refs: null). */
static wasm_status host_log(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(void)ctx;
	host_env *h = env;
	uint64_t mix = 0x9e3779b97f4a7c15ull * (h->index + 1);
	uint32_t k = 0;
	tprintf(h->log, "  import %u(", h->index);
	for (uint32_t i = 0; i < h->type.nparams; i++) {
		uint8_t t = h->type.params[i];
		uint64_t v = slots[k];
		if (i)
			tprintf(h->log, " ");
		if (t == WASM_V128) {
			log_v128(h->log, (const uint8_t *)&slots[k]);
			mix = (mix ^ slots[k] ^ (slots[k + 1] << 1)) * 0x100000001b3ull;
		} else {
			if (t == WASM_FUNCREF || t == WASM_EXTERNREF)
				v = v != 0;     /* addresses differ between runs */
			tprintf(h->log, "%llx", (unsigned long long)v);
			mix = (mix ^ v) * 0x100000001b3ull;
		}
		k += wasm_valtype_slots((wasm_valtype)t);
	}
	tprintf(h->log, ")\n");
	k = 0;
	for (uint32_t i = 0; i < h->type.nresults; i++) {
		uint8_t t = h->type.results[i];
		mix = (mix ^ (mix >> 29)) * 0xbf58476d1ce4e5b9ull;
		switch (t) {
		case WASM_I32: case WASM_F32: slots[k] = (uint32_t)mix; break;
		case WASM_I64: case WASM_F64: slots[k] = mix; break;
		case WASM_V128: slots[k] = mix; slots[k + 1] = ~mix >> 3; break;
		default: slots[k] = 0; break;   /* null ref */
		}
		k += wasm_valtype_slots((wasm_valtype)t);
	}
	return WASM_OK;
}

/* The argument sets every export is called with: ordinary numbers; NaNs
 * with payloads (signalling and quiet, both signs), which float ops must
 * turn into the same bits in every tier (the NaN rule, interp/ops.h);
 * infinities and zeros of both signs, which make NaNs of their own
 * (inf - inf, 0 * inf) and test min/max on -0. */
#define NARGSETS 3

/* A v128 argument: 32-bit lanes from the set's table for an even i, 64-bit
 * lanes for an odd one, so that a binary op meets two layouts and a lane
 * meets NaN against number, NaN against NaN and number against number.
 * The tables mix float and integer patterns because a lane is both:
 * ordinary numbers, ties for nearest, out-of-range for trunc_sat and the
 * conversions; NaNs with payloads (quiet and signalling, both signs);
 * +-0, +-inf, INT_MIN of every lane width (0x80, 0x8000 for q15mulr_sat,
 * 0x80000000, 0x8000000000000000), the narrowing bounds, denormals, and
 * bytes below and above 16 for swizzle. */
static void v128_arg(uint32_t i, int set, uint8_t out[16])
{
	static const uint32_t w32[3][12] = {
		{ 0x3fc00000u, 0xc0100000u, 0x00000007u, 0xfffffff9u, 0x3f000000u,
		  0x40200000u, 0xbfc00000u, 0x00010002u, 0x4f000000u, 0x0c0f0304u,
		  0x7f7fffffu, 0x1a150b0eu },
		{ 0x7fc00000u, 0xffc00001u, 0x7fa00123u, 0x3f800000u, 0xff800001u,
		  0xbf400000u, 0x7fffffffu, 0xffd5a5a5u, 0x41200000u, 0x7f800001u,
		  0xc2c80000u, 0xffbfffffu },
		{ 0x80000000u, 0x7f800000u, 0xff800000u, 0x00000000u, 0x80008000u,
		  0x7fff8000u, 0x80808080u, 0x7f7f7f7fu, 0xffffffffu, 0xcf000001u,
		  0x00000001u, 0x4f800000u },
	};
	static const uint64_t w64[3][8] = {
		{ 0x3ff8000000000000ull, 0xc00c000000000000ull, 0x0000000000000005ull,
		  0xfffffffffffffffbull, 0x3fe0000000000000ull, 0x4004000000000000ull,
		  0x41efffffffe00000ull, 0x0102030405060708ull },
		{ 0x7ff8000000000000ull, 0xfff4000000000001ull, 0x7ff0000000000001ull,
		  0x3ff0000000000000ull, 0xfff8000000abcdefull, 0xc000000000000000ull,
		  0x7ff4000000000abcull, 0x7fffffffffffffffull },
		{ 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
		  0x0000000000000000ull, 0x43e0000000000000ull, 0xc3e0000000000001ull,
		  0x000fffffffffffffull, 0x41f0000000000000ull },
	};
	if (i % 2 == 0) {
		for (uint32_t l = 0; l < 4; l++) {
			uint32_t w = w32[set][(i * 5 + l * 7) % 12];
			memcpy(out + 4 * l, &w, 4);
		}
	} else {
		for (uint32_t l = 0; l < 2; l++) {
			uint64_t w = w64[set][(i * 3 + l * 5) % 8];
			memcpy(out + 8 * l, &w, 8);
		}
	}
}

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
	case WASM_V128:
		v128_arg(i, set, v.of.v128);
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

static bool functype_has_v128(const wasm_functype *t)
{
	for (uint32_t k = 0; k < t->nparams; k++)
		if (t->params[k] == WASM_V128)
			return true;
	for (uint32_t k = 0; k < t->nresults; k++)
		if (t->results[k] == WASM_V128)
			return true;
	return false;
}

/* The exported globals' values after a call (v128s whole, floats as bits,
 * refs as null or not). */
static void log_globals(text *out, wasm_module *m, wasm_instance *inst)
{
	for (uint32_t i = 0; i < wasm_module_export_count(m); i++) {
		wasm_extern_desc d;
		wasm_extern x;
		wasm_value v;
		wasm_module_export(m, i, &d);
		if (d.kind != WASM_EXTERN_GLOBAL || !wasm_instance_export(inst, d.name, &x))
			continue;
		wasm_global_get(x.of.global, &v);
		tprintf(out, " g%u=", i);
		switch (v.type) {
		case WASM_I32: tprintf(out, "%x", (unsigned)v.of.i32); break;
		case WASM_F32: tprintf(out, "%x", v.of.f32_bits); break;
		case WASM_I64: tprintf(out, "%llx", (unsigned long long)v.of.i64); break;
		case WASM_F64: tprintf(out, "%llx", (unsigned long long)v.of.f64_bits); break;
		case WASM_V128: log_v128(out, v.of.v128); break;
		default: tprintf(out, "%d", v.of.ref != NULL); break;
		}
	}
}

typedef struct {
	const char *name;
	wasm_tier tier;
	uint32_t threshold, opt_threshold;
	bool no_avx;            /* tier 2's SSE forms on an AVX CPU */
} tier_spec;

static const tier_spec tiers[] = {
	{ "interp", WASM_TIER_INTERP, 0, 0, false },
	{ "baseline", WASM_TIER_BASELINE, 0, 0, false },
	{ "opt", WASM_TIER_OPT, 0, 0, false },
	{ "opt-noavx", WASM_TIER_OPT, 0, 0, true },
	{ "auto-1", WASM_TIER_AUTO, 1, 0, false },
	{ "auto-3", WASM_TIER_AUTO, 3, 0, false },
	/* baseline -> tier 2 at the first count, and a few counts in (OSR
	 * from baseline frames into tier-2 code) */
	{ "auto-1-1", WASM_TIER_AUTO, 1, 1, false },
	{ "auto-3-5", WASM_TIER_AUTO, 3, 5, false },
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
	cfg.no_avx = ts->no_avx;
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
			/* NaNs with payloads: what a global.get passes on */
			wasm_value z = arg_value(d.global.type, i, 1);
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
		if (counting && functype_has_v128(&d.func))
			v128_funcs++;
		for (int set = 0; set < NARGSETS; set++) {
			wasm_value args[MAX_VALUES], res[MAX_VALUES];
			for (uint32_t k = 0; k < d.func.nparams; k++)
				args[k] = arg_value(d.func.params[k], k, set);
			wasm_store_set_fuel(s, FUEL_PER_CALL);
			tprintf(out, "call %s/%d:", d.name, set);
			call_saw_v128 = false;
			if (ts == &tiers[0])
				calls_compared++;
			for (uint32_t k = 0; k < d.func.nparams; k++)
				if (d.func.params[k] == WASM_V128)
					saw_v128();
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
					case WASM_V128:     /* all 16 bytes */
						tprintf(out, " ");
						log_v128(out, res[k].of.v128);
						continue;
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
			log_globals(out, m, inst);
			tprintf(out, "\n");
			v128_calls += counting && call_saw_v128;
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
		counting = true;
		bool loaded = run_tier(&tiers[0], bytes, len, &t[0], NULL);
		counting = false;
		if (!loaded) {
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
	printf("diff_tiers: v128: %lu exported functions with v128 in their "
		"type, %lu calls moved a v128 (arguments, results, imports' "
		"arguments, globals), %lu v128 values compared (16 bytes each)\n",
		v128_funcs, v128_calls, v128_values);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
