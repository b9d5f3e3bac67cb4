/* fuzz_confined.c -- the decoder and validator fuzzed inside a confined
 * worker, under the worker's real seccomp filter and rlimits.
 *
 * Each input goes two ways:
 *   - in this process, through wasm_module_load (what gives libFuzzer its
 *     coverage: a worker's counters stay in the worker);
 *   - to a confined worker made by the sandbox library, as an upload is:
 *     sb_module_new + an SB_INSPECT request over the worker IPC (the
 *     worker decodes, validates and pre-decodes every body, then answers
 *     with its imports and exports or the error).
 * A finding (abort, so that libFuzzer keeps the input) is a worker that
 * did not answer: killed by its filter (SIGSYS), by its memory limit, by
 * a crash, or a protocol error; or a worker whose verdict differs from
 * this process's (loads here, refused there, or another error or offset),
 * apart from the worker's documented metadata caps.
 *
 * Two builds of this file:
 *   - libFuzzer (tests/fuzz/build.sh, `make fuzz`): fuzz/fuzz_confined,
 *     compiled with coverage but without ASan, so that the worker runs the
 *     real policy (an ASan build relaxes it, sandbox/policy.c);
 *   - FUZZ_STANDALONE (`make check`: tests/fuzz/fuzz_confined): a small
 *     mutation loop of its own over built-in seeds and any .wasm files or
 *     folders given, for FUZZ_SECONDS seconds (default 5), so that every
 *     build runs the confined path for a while.
 */
#include "sandbox.h"
#include "wasm.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sb_supervisor *sup;
static wasm_engine *engine;
static unsigned long long ninputs, nloaded;

/* The tier both sides load with: baseline pre-decodes every body at load,
 * so the worker runs the pre-decoder's emitting pass too. */
#define FUZZ_TIER WASM_TIER_BASELINE

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The zygote is forked here, before libFuzzer starts any thread. */
	sb_config cfg = {
		.max_workers = 4,
		.spare_workers = 1,
		.tier = FUZZ_TIER,
		.load_timeout_ms = 10000,
	};
	wasm_error err;
	if (sb_supervisor_new(&cfg, &sup, &err) != WASM_OK) {
		fprintf(stderr, "fuzz_confined: no sandbox: %s\n", err.message);
		exit(1);
	}
	wasm_config ec;
	wasm_config_default(&ec);
	ec.tier = FUZZ_TIER;
	engine = wasm_engine_new(&ec);
	if (!engine) {
		fprintf(stderr, "fuzz_confined: no engine\n");
		exit(1);
	}
	return 0;
}

static void finding(const char *what, const sb_result *r, wasm_status st,
	const wasm_error *err)
{
	fprintf(stderr, "fuzz_confined: FINDING: %s\n  worker: %s signal %d "
		"exit %d offset %zu: %s\n  here: status %d offset %zu: %s\n",
		what, sb_outcome_name(r->outcome), r->signal, r->exit_code,
		r->offset, r->message, (int)st, err->offset, err->message);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[32];
	wasm_module *m = NULL;
	wasm_error err;

	ninputs++;
	wasm_status st = wasm_module_load(engine, data, size, &m, &err);
	wasm_module_free(m);
	if (st == WASM_OK)
		nloaded++;

	snprintf(id, sizeof id, "f%llu", ninputs);
	sb_module *sm = sb_module_new(sup, "fuzz", id, data, size);
	if (!sm) {
		fprintf(stderr, "fuzz_confined: sb_module_new failed\n");
		abort();
	}
	sb_request req = { .kind = SB_INSPECT, .timeout_ms = 10000 };
	sb_result *r = sb_invoke_wait(sm, &req);
	sb_module_release(sm);

	switch (r->outcome) {
	case SB_OK:
		if (st != WASM_OK)
			finding("the worker loaded what this process refused", r,
				st, &err);
		break;
	case SB_INVALID_MODULE:
		/* The worker caps the metadata it sends (worker.c). */
		if (strstr(r->message, "module metadata too large"))
			break;
		if (st == WASM_OK)
			finding("the worker refused what this process loaded", r,
				st, &err);
		if (r->offset != err.offset || strcmp(r->message, err.message))
			finding("another error in the worker", r, st, &err);
		break;
	default:
		finding("the worker did not answer", r, st, &err);
	}
	sb_result_free(r);
	return 0;
}

#ifdef FUZZ_STANDALONE
/* ---- a mutation loop of its own, for make check ------------------------ */

/* Seeds: a module with a loop, memory, a global, a call and an export; a
 * module of wide signatures, many exports, an import and a name with NUL
 * (tests/sandbox/wasmgen.h's shapes). */
static const uint8_t seed_code[] = {
	0, 'a', 's', 'm', 1, 0, 0, 0,
	1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f,                 /* (i32) -> i32 */
	3, 3, 2, 0, 0,                                   /* two functions */
	5, 3, 1, 0, 1,                                   /* memory 1 */
	6, 6, 1, 0x7f, 1, 0x41, 0, 0x0b,                 /* mut i32 = 0 */
	7, 5, 1, 1, 'f', 0, 0,                           /* export "f" */
	10, 52, 2,
	42, 1, 1, 0x7f,                                  /* local i32 */
	0x02, 0x40, 0x03, 0x40,                          /* block loop */
	0x20, 0, 0x45, 0x0d, 1,                          /* br_if 1 (eqz) */
	0x20, 0, 0x20, 0, 0x36, 2, 0,                    /* i32.store */
	0x20, 0, 0x41, 1, 0x6b, 0x21, 0,                 /* x = x - 1 */
	0x20, 1, 0x20, 0, 0x10, 1, 0x6a, 0x21, 1,        /* y += f1(x) */
	0x0c, 0, 0x0b, 0x0b,                             /* br 0 end end */
	0x20, 1, 0x0b,
	7, 0, 0x20, 0, 0x41, 7, 0x6c, 0x0b,              /* x * 7 */
};

#include "../sandbox/wasmgen.h"

#include "../xorshift.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

typedef struct {
	uint8_t **v;
	size_t *len;
	size_t n, cap;
} corpus;

static void corpus_add(corpus *c, const uint8_t *p, size_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = realloc(c->v, c->cap * sizeof *c->v);
		c->len = realloc(c->len, c->cap * sizeof *c->len);
		if (!c->v || !c->len)
			abort();
	}
	c->v[c->n] = malloc(len ? len : 1);
	if (!c->v[c->n])
		abort();
	memcpy(c->v[c->n], p, len);
	c->len[c->n++] = len;
}

static void corpus_add_file(corpus *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	uint8_t *buf = malloc(1 << 20);
	size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
	if (buf && n)
		corpus_add(c, buf, n);
	free(buf);
	fclose(f);
}

static void corpus_add_path(corpus *c, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		corpus_add_file(c, path);
		return;
	}
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char full[4096];
		if (l < 5 || strcmp(e->d_name + l - 5, ".wasm"))
			continue;
		snprintf(full, sizeof full, "%s/%s", path, e->d_name);
		corpus_add_file(c, full);
	}
	if (d)
		closedir(d);
}

/* One mutation of p (len bytes, room for cap) in place; the new length. */
static size_t mutate(uint8_t *p, size_t len, size_t cap, const corpus *c)
{
	static const uint8_t edges[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0x40,
		0x0b, 0x41, 0x60, 0x7e, 0xfc, 0xfd };
	size_t at = len ? rnd() % len : 0;
	switch (rnd() % 7) {
	case 0:                                   /* flip a bit */
		if (len)
			p[at] ^= (uint8_t)(1u << (rnd() % 8));
		return len;
	case 1:                                   /* an interesting byte */
		if (len)
			p[at] = edges[rnd() % sizeof edges];
		return len;
	case 2:                                   /* a random byte */
		if (len)
			p[at] = (uint8_t)rnd();
		return len;
	case 3:                                   /* insert a byte */
		if (len < cap) {
			memmove(p + at + 1, p + at, len - at);
			p[at] = edges[rnd() % sizeof edges];
			return len + 1;
		}
		return len;
	case 4:                                   /* delete a byte */
		if (len) {
			memmove(p + at, p + at + 1, len - at - 1);
			return len - 1;
		}
		return len;
	case 5:                                   /* cut the end */
		return len ? at : 0;
	default: {                                /* splice another seed in */
		size_t k = rnd() % c->n, from = c->len[k] ? rnd() % c->len[k] : 0;
		size_t n = c->len[k] - from;
		if (n > cap - at)
			n = cap - at;
		if (n > 64)
			n = 1 + rnd() % 64;
		memcpy(p + at, c->v[k] + from, n);
		return at + n > len ? at + n : len;
	}
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	corpus c = { 0 };
	const char *sec = getenv("FUZZ_SECONDS");
	double seconds = sec ? atof(sec) : 5.0;

	LLVMFuzzerInitialize(&argc, &argv);
	corpus_add(&c, seed_code, sizeof seed_code);
	static const wg_spec shapes[] = {
		{ .nfuncs = 3, .nexports = 5, .nparams = 4, .nimports = 1 },
		{ .nfuncs = 1, .nexports = 200, .nparams = 0, .name_bytes = 8 },
		{ .nfuncs = 2, .nexports = 2, .nparams = 300, .name0 = "a\0b",
		  .name0_len = 3 },
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		size_t len;
		uint8_t *b = wg_module(&shapes[i], &len);
		corpus_add(&c, b, len);
		free(b);
	}
	size_t nseeds = c.n;
	for (int i = 1; i < argc; i++)
		corpus_add_path(&c, argv[i]);
	/* Every seed as it is: the built-in ones must load. */
	for (size_t i = 0; i < c.n; i++) {
		unsigned long long before = nloaded;
		LLVMFuzzerTestOneInput(c.v[i], c.len[i]);
		if (i < nseeds && nloaded == before) {
			fprintf(stderr, "fuzz_confined: built-in seed %zu does "
				"not load\n", i);
			return 1;
		}
	}
	double t0 = now_s();
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return 1;
	while (now_s() - t0 < seconds) {
		size_t k = rnd() % c.n, len = c.len[k];
		if (len > cap)
			len = cap;
		memcpy(buf, c.v[k], len);
		for (unsigned m = 1 + rnd() % 4; m; m--)
			len = mutate(buf, len, cap, &c);
		LLVMFuzzerTestOneInput(buf, len);
	}
	double dt = now_s() - t0;
	sb_stats ss;
	sb_supervisor_stats(sup, &ss);
	printf("fuzz_confined: %llu inputs (%llu loaded) through %llu confined "
		"workers in %.1f s after %zu seeds; no worker killed, every "
		"verdict as in-process (%s)\n", ninputs, nloaded,
		(unsigned long long)ss.spawned, dt, c.n,
		sb_supervisor_layers(sup));
	free(buf);
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	free(c.len);
	wasm_engine_free(engine);
	sb_supervisor_free(sup);
	return 0;
}
#endif
