/* json.h -- the JSON the API writes, and the value conventions it reads.
 *
 * Answers are written with a small writer of our own rather than jansson's
 * dump: numbers must come out as the engine formats them (shortest text
 * that reads back to the same bits), and an answer is built in one buffer
 * handed to libmicrohttpd as is.  Requests are parsed with jansson.
 *
 * Values (brief, "HTTP API"): i32 as a JSON number; i64 as a decimal
 * string; f32/f64 as JSON numbers when finite, otherwise "nan",
 * "nan:0x<payload>", "inf", "-inf" (with a '-' for a negative NaN).
 * Arguments are accepted in the same forms, and also as strings for every
 * type ("0x10", "1.5", "-0"), which read exactly.
 */
#ifndef API_JSON_H
#define API_JSON_H

#include "wasm.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writer --------------------------------------------------------------- */

#define JW_MAX_DEPTH 16

typedef struct {
	char *buf;
	size_t len, cap;
	bool oom;                  /* sticky: some append ran out of memory */
	int depth;
	bool need_comma[JW_MAX_DEPTH];
	bool after_key;
} jw;

void jw_init(jw *w);
/* The text (NUL-terminated), owned by the caller; NULL if memory ran out. */
char *jw_take(jw *w, size_t *len);

void jw_obj_open(jw *w);
void jw_obj_close(jw *w);
void jw_arr_open(jw *w);
void jw_arr_close(jw *w);
void jw_key(jw *w, const char *key);
void jw_str(jw *w, const char *s);
void jw_int(jw *w, long long v);
void jw_uint(jw *w, unsigned long long v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
/* Already valid JSON text (a number, a stored document). */
void jw_raw(jw *w, const char *text, size_t len);
/* Bytes as a JSON string: UTF-8, each invalid sequence replaced by U+FFFD
 * (the "maximal subpart" rule of Unicode 3.9 / WHATWG). */
void jw_text(jw *w, const uint8_t *data, size_t len);
/* Bytes as a base64 JSON string (RFC 4648, padded). */
void jw_base64(jw *w, const uint8_t *data, size_t len);
/* A wasm value per the conventions above. */
void jw_value(jw *w, const wasm_value *v);

/* ---- reading -------------------------------------------------------------- */

/* Decodes RFC 4648 base64 (padding optional, no whitespace); *out is
 * malloc'd.  false on bad text. */
bool base64_decode(const char *text, size_t len, uint8_t **out,
	size_t *outlen);

/* Converts JSON v to a value of type t; false with a reason ("expected an
 * i64 as a decimal string", ...) in why. */
bool json_to_value(json_t *v, wasm_valtype t, wasm_value *out, char *why,
	size_t whylen);

#endif
