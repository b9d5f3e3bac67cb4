/* wasmgen.h -- builds hostile module shapes in memory (too large or too
 * odd to keep as .wat fixtures): many functions, exports and imports, wide
 * signatures, long names and names with NUL bytes.
 *
 * The module:
 *   type 0   (func (param i32 x nparams) (result i32))
 *   type 1   (func (result i32))
 *   imports  nimports x (import imp_module imp_name (func (type 1)))
 *   funcs    nfuncs x (func (type 0) i32.const 7)
 *   exports  nexports: export i is "f<i>" padded with 'x' to name_bytes,
 *            of function nimports + i % nfuncs; export 0 is name0 (its
 *            name0_len bytes, NULs allowed) when name0 is set
 */
#ifndef WASMGEN_H
#define WASMGEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	uint32_t nfuncs, nexports, nparams, nimports;
	size_t name_bytes;             /* export names padded to this */
	const char *name0;             /* export 0's name, or NULL */
	size_t name0_len;
	const char *imp_module, *imp_name;   /* NULL = WASI sched_yield */
	size_t imp_module_len;         /* 0 = strlen */
} wg_spec;

typedef struct {
	uint8_t *p;
	size_t len, cap;
} wg_buf;

static inline void wg_put(wg_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? 2 * b->cap : 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void wg_byte(wg_buf *b, uint8_t v) { wg_put(b, &v, 1); }

static inline void wg_leb(wg_buf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		wg_byte(b, (uint8_t)(c | (v ? 0x80 : 0)));
	} while (v);
}

static inline void wg_name(wg_buf *b, const char *s, size_t n)
{
	wg_leb(b, n);
	wg_put(b, s, n);
}

/* Appends section id with the contents of body, then empties body. */
static inline void wg_section(wg_buf *out, uint8_t id, wg_buf *body)
{
	wg_byte(out, id);
	wg_leb(out, body->len);
	wg_put(out, body->p, body->len);
	body->len = 0;
}

/* The module's bytes (malloc'd) and their length. */
static inline uint8_t *wg_module(const wg_spec *s, size_t *len)
{
	wg_buf out = { 0 }, sec = { 0 };
	char *name = malloc(s->name_bytes + 32);
	const char *imod = s->imp_module ? s->imp_module :
		"wasi_snapshot_preview1";
	const char *iname = s->imp_name ? s->imp_name : "sched_yield";
	size_t imod_len = s->imp_module_len ? s->imp_module_len : strlen(imod);

	if (!name)
		abort();
	wg_put(&out, "\0asm\1\0\0\0", 8);
	wg_leb(&sec, 2);
	wg_byte(&sec, 0x60);
	wg_leb(&sec, s->nparams);
	for (uint32_t i = 0; i < s->nparams; i++)
		wg_byte(&sec, 0x7f);
	wg_leb(&sec, 1);
	wg_byte(&sec, 0x7f);
	wg_byte(&sec, 0x60);
	wg_leb(&sec, 0);
	wg_leb(&sec, 1);
	wg_byte(&sec, 0x7f);
	wg_section(&out, 1, &sec);
	if (s->nimports) {
		wg_leb(&sec, s->nimports);
		for (uint32_t i = 0; i < s->nimports; i++) {
			wg_name(&sec, imod, imod_len);
			wg_name(&sec, iname, strlen(iname));
			wg_byte(&sec, 0x00);
			wg_leb(&sec, 1);
		}
		wg_section(&out, 2, &sec);
	}
	wg_leb(&sec, s->nfuncs);
	for (uint32_t i = 0; i < s->nfuncs; i++)
		wg_leb(&sec, 0);
	wg_section(&out, 3, &sec);
	wg_leb(&sec, s->nexports);
	for (uint32_t i = 0; i < s->nexports; i++) {
		if (i == 0 && s->name0) {
			wg_name(&sec, s->name0, s->name0_len);
		} else {
			size_t n = (size_t)snprintf(name, 32, "f%u", i);
			while (n < s->name_bytes)
				name[n++] = 'x';
			wg_name(&sec, name, n);
		}
		wg_byte(&sec, 0x00);
		wg_leb(&sec, s->nimports + i % (s->nfuncs ? s->nfuncs : 1));
	}
	wg_section(&out, 7, &sec);
	wg_leb(&sec, s->nfuncs);
	for (uint32_t i = 0; i < s->nfuncs; i++)
		wg_put(&sec, "\x04\x00\x41\x07\x0b", 5);
	wg_section(&out, 10, &sec);
	free(sec.p);
	free(name);
	*len = out.len;
	return out.p;
}

#endif
