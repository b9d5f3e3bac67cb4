/* testlib.h -- what the engine's Check suites share: a tiny builder of
 * module bytes and wat2wasm on a text module.  Included by the suites
 * (static functions: each suite uses what it needs). */
#ifndef TESTS_UNIT_TESTLIB_H
#define TESTS_UNIT_TESTLIB_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- module bytes, by hand ---------------------------------------------- */

typedef struct {
	uint8_t b[4096];
	size_t n;
} buf;

static inline void put(buf *o, const void *p, size_t n)
{
	ck_assert_uint_le(o->n + n, sizeof o->b);
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static inline void u8(buf *o, uint8_t v) { put(o, &v, 1); }

static inline void uleb(buf *o, uint32_t v)
{
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		u8(o, (uint8_t)(byte | (v ? 0x80 : 0)));
	} while (v);
}

/* Section id with body as its contents. */
static inline void section(buf *o, uint8_t id, const buf *body)
{
	u8(o, id);
	uleb(o, (uint32_t)body->n);
	put(o, body->b, body->n);
}

/* ---- module bytes from text (wat2wasm: $WAT2WASM or PATH) ---------------- */

/* The binary of the text module `text`, malloc'd, of any size; the test
 * fails if wat2wasm does. */
static inline uint8_t *wat(const char *text, size_t *len)
{
	char in[] = "/tmp/check_wat_XXXXXX";
	int fd = mkstemp(in);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	char out[64], cmd[256];
	snprintf(out, sizeof out, "%s.wasm", in);
	const char *tool = getenv("WAT2WASM");
	snprintf(cmd, sizeof cmd, "%s %s -o %s", tool && *tool ? tool : "wat2wasm",
		in, out);
	int rc = system(cmd);
	unlink(in);
	ck_assert_msg(rc == 0, "wat2wasm failed");
	FILE *f = fopen(out, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	uint8_t *b = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(b);
	*len = fread(b, 1, (size_t)size, f);
	ck_assert_uint_eq(*len, (size_t)size);
	fclose(f);
	unlink(out);
	return b;
}

#endif
