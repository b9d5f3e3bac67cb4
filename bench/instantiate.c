/* instantiate.c -- what a fresh instance costs, with and without snapshots
 * (make bench; figures, never assertions).
 *
 *   engine   wasm_instance_new (the data segments copied in) against
 *            wasm_instance_new_from (the snapshot's file mapped
 *            copy-on-write), for a small module (one page, 4 KiB of data)
 *            and one with 16 MiB of initialised data: median and p90 of N,
 *            each in a fresh store (making and freeing the store is not
 *            timed), then one page written (a fresh instance's first
 *            write costs a copied page with a snapshot: timed apart).
 *   sandbox  instantiate_us as confined workers report it for the same
 *            modules, snapshots on and off (sb_config.no_snapshots), and
 *            the round trip of a call on a persistent instance against a
 *            module invoke of the same export (a fresh instance each).
 *
 * Usage: instantiate [N]   (default 200) */
#include "sandbox.h"
#include "wasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- the modules ---------------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? 2 * b->cap : 4096;
		if (!(b->p = realloc(b->p, b->cap)))
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void byte(struct buf *b, uint8_t v) { put(b, &v, 1); }

static void leb(struct buf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		byte(b, (uint8_t)(c | (v ? 0x80 : 0)));
	} while (v);
}

static void section(struct buf *out, uint8_t id, struct buf *body)
{
	byte(out, id);
	leb(out, body->len);
	put(out, body->p, body->len);
	body->len = 0;
}

/* (memory pages) with data_bytes of non-zero data at 0, and
 *   peek (param i32) (result i32): i32.load8_u
 *   poke (param i32 i32): i32.store8 */
static uint8_t *module_make(uint32_t pages, size_t data_bytes, size_t *len)
{
	struct buf out = { 0 }, s = { 0 };
	static const uint8_t types[] = { 2, 0x60, 1, 0x7f, 1, 0x7f,
		0x60, 2, 0x7f, 0x7f, 0 };
	static const uint8_t peek[] = { 0, 0x20, 0, 0x2d, 0, 0, 0x0b };
	static const uint8_t poke[] = { 0, 0x20, 0, 0x20, 1, 0x3a, 0, 0,
		0x0b };

	put(&out, "\0asm\1\0\0\0", 8);
	put(&s, types, sizeof types);
	section(&out, 1, &s);
	byte(&s, 2); byte(&s, 0); byte(&s, 1);
	section(&out, 3, &s);
	byte(&s, 1); byte(&s, 0); leb(&s, pages);
	section(&out, 5, &s);
	byte(&s, 2);
	leb(&s, 4); put(&s, "peek", 4); byte(&s, 0); byte(&s, 0);
	leb(&s, 4); put(&s, "poke", 4); byte(&s, 0); byte(&s, 1);
	section(&out, 7, &s);
	byte(&s, 2);
	leb(&s, sizeof peek); put(&s, peek, sizeof peek);
	leb(&s, sizeof poke); put(&s, poke, sizeof poke);
	section(&out, 10, &s);
	byte(&s, 1); byte(&s, 0);
	byte(&s, 0x41); byte(&s, 0); byte(&s, 0x0b);   /* i32.const 0 */
	leb(&s, data_bytes);
	for (size_t i = 0; i < data_bytes; i++)
		byte(&s, (uint8_t)(i * 7 + 1) | 1);
	section(&out, 11, &s);
	free(s.p);
	*len = out.len;
	return out.p;
}

/* ---- engine --------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof *v, cmp_u64);
	return v[(size_t)n * (size_t)p / 100];
}

static void poke(wasm_store *s, wasm_instance *in, int32_t at)
{
	wasm_value args[2] = { { .type = WASM_I32, .of.i32 = at },
		{ .type = WASM_I32, .of.i32 = 9 } };
	wasm_value *res;
	uint32_t nres;
	if (wasm_instance_call(s, in, "poke", args, 2, &res, &nres, NULL) !=
	    WASM_OK)
		abort();
	free(res);
}

/* ns of making an instance (snap NULL: the usual way), and of its first
 * write, medians and p90 over n. */
static void engine_time(wasm_engine *e, wasm_module *m,
	const wasm_snapshot *snap, int n, uint64_t out[4])
{
	uint64_t *t = calloc((size_t)n, sizeof *t);
	uint64_t *w = calloc((size_t)n, sizeof *w);
	if (!t || !w)
		abort();
	for (int i = 0; i < n; i++) {
		wasm_store *s = wasm_store_new(e);
		wasm_instance *in;
		uint64_t t0 = sb_now_ns();
		wasm_status st = snap ? wasm_instance_new_from(s, m, NULL, 0,
			snap, &in, NULL) : wasm_instance_new(s, m, NULL, 0, &in,
			NULL);
		uint64_t t1 = sb_now_ns();
		if (st != WASM_OK || (snap && !wasm_instance_from_snapshot(in)))
			abort();
		poke(s, in, 4096 * 3 + 5);
		w[i] = sb_now_ns() - t1;
		t[i] = t1 - t0;
		wasm_store_free(s);
	}
	out[0] = pct(t, n, 50);
	out[1] = pct(t, n, 90);
	out[2] = pct(w, n, 50);
	out[3] = pct(w, n, 90);
	free(t);
	free(w);
}

static void engine_bench(const char *name, const uint8_t *bytes, size_t len,
	int n)
{
	wasm_engine *e = wasm_engine_new(NULL);
	wasm_module *m;
	wasm_store *s0;
	wasm_instance *in0;
	wasm_snapshot *snap;
	uint64_t plain[4], mapped[4];
	int fd = memfd_create("bench-snapshot", MFD_CLOEXEC);

	if (!e || fd < 0 || ftruncate(fd, 64 << 20) != 0 ||
	    wasm_module_load(e, bytes, len, &m, NULL) != WASM_OK)
		abort();
	wasm_snapshot_file f = { .fd = fd, .fd_bytes = 64 << 20 };
	s0 = wasm_store_new(e);
	if (wasm_instance_new(s0, m, NULL, 0, &in0, NULL) != WASM_OK ||
	    wasm_snapshot_take(in0, &f, &snap, NULL) != WASM_OK)
		abort();
	wasm_store_free(s0);
	engine_time(e, m, NULL, n, plain);
	engine_time(e, m, snap, n, mapped);
	printf("  %-22s from segments p50 %8.1f us  p90 %8.1f us | "
		"snapshot p50 %6.1f us  p90 %6.1f us | x%.2f\n", name,
		plain[0] / 1e3, plain[1] / 1e3, mapped[0] / 1e3, mapped[1] / 1e3,
		(double)plain[0] / (double)(mapped[0] ? mapped[0] : 1));
	printf("  %-22s first write    p50 %8.1f us            | "
		"snapshot p50 %6.1f us (a page copied)\n", "",
		plain[2] / 1e3, mapped[2] / 1e3);
	wasm_snapshot_free(snap);
	wasm_module_free(m);
	wasm_engine_free(e);
	close(fd);
}

/* ---- sandbox -------------------------------------------------------------- */

static sb_request peek_req(sb_instance *in)
{
	static wasm_value arg = { .type = WASM_I32, .of.i32 = 100 };
	return (sb_request){ .kind = SB_CALL, .function = "peek", .args = &arg,
		.nargs = 1, .instance = in,
		.instance_op = in ? SB_INSTANCE_CALL : SB_INSTANCE_FRESH };
}

/* Medians over n calls: instantiate_us as reported, and the round trip. */
static void sandbox_time(sb_module *m, sb_instance *in, int n,
	uint64_t *inst_us, uint64_t *rt_us, int *mapped)
{
	uint64_t *a = calloc((size_t)n, sizeof *a), *b = calloc((size_t)n,
		sizeof *b);
	sb_request req = peek_req(in);

	*mapped = 0;
	sb_result_free(sb_invoke_wait(m, &req));   /* warm */
	for (int i = 0; i < n; i++) {
		uint64_t t0 = sb_now_ns();
		sb_result *r = sb_invoke_wait(m, &req);
		b[i] = (sb_now_ns() - t0) / 1000;
		if (r->outcome != SB_OK) {
			fprintf(stderr, "instantiate: %s: %s\n",
				sb_outcome_name(r->outcome), r->message);
			exit(1);
		}
		a[i] = r->instantiate_us;
		*mapped += r->from_snapshot;
		sb_result_free(r);
	}
	*inst_us = pct(a, n, 50);
	*rt_us = pct(b, n, 50);
	free(a);
	free(b);
}

static void sandbox_bench(bool snapshots, const uint8_t *small, size_t slen,
	const uint8_t *big, size_t blen, int n)
{
	sb_config cfg = { .max_workers = 8, .max_per_module = 1,
		.no_snapshots = !snapshots };
	sb_supervisor *sup;
	uint64_t us, rt;
	int mapped;

	if (sb_supervisor_new(&cfg, &sup, NULL) != WASM_OK)
		abort();
	const struct { const char *name; const uint8_t *b; size_t len; } mods[] =
		{ { "small (4 KiB data)", small, slen },
		  { "16 MiB of data", big, blen } };
	for (int k = 0; k < 2; k++) {
		sb_module *m = sb_module_new(sup, "bench", mods[k].name,
			mods[k].b, mods[k].len);
		sandbox_time(m, NULL, n, &us, &rt, &mapped);
		printf("  %-22s snapshots %-3s instantiate_us p50 %6llu | "
			"invoke round trip p50 %6llu us (%d of %d mapped)\n",
			mods[k].name, snapshots ? "on" : "off",
			(unsigned long long)us, (unsigned long long)rt, mapped,
			n);
		if (snapshots && k == 0) {
			sb_instance *in = sb_instance_new(m);
			sb_request cr = { .kind = SB_CALL, .instance = in,
				.instance_op = SB_INSTANCE_CREATE };
			sb_result_free(sb_invoke_wait(m, &cr));
			sandbox_time(m, in, n, &us, &rt, &mapped);
			printf("  %-22s persistent instance: call round trip "
				"p50 %6llu us\n", mods[k].name,
				(unsigned long long)rt);
			sb_instance_release(in);
		}
		sb_module_release(m);
	}
	sb_supervisor_free(sup);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	size_t slen, blen;
	uint8_t *small = module_make(1, 4096, &slen);
	uint8_t *big = module_make(257, (size_t)16 << 20, &blen);

	if (n < 10)
		n = 10;
	/* The sandbox first: its zygote is a copy of this process, and
	 * reservations the engine part left cached would be its workers'. */
	printf("instantiation in confined workers, and call round trips "
		"(%d each):\n", n);
	sandbox_bench(true, small, slen, big, blen, n);
	sandbox_bench(false, small, slen, big, blen, n);
	printf("instantiation, engine only (%d each):\n", n);
	engine_bench("small (4 KiB data)", small, slen, n);
	engine_bench("16 MiB of data", big, blen, n);
	free(small);
	free(big);
	return 0;
}
