/* json.c -- the answer writer, base64, UTF-8 repair and value conversion. */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer --------------------------------------------------------------- */

void jw_init(jw *w)
{
	memset(w, 0, sizeof *w);
}

char *jw_take(jw *w, size_t *len)
{
	char *b = w->oom ? NULL : w->buf;
	if (b)
		*len = w->len;
	else
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	return b;
}

static bool reserve(jw *w, size_t more)
{
	if (w->oom)
		return false;
	if (w->len + more + 1 <= w->cap)
		return true;
	size_t ncap = w->cap ? w->cap : 256;
	while (ncap < w->len + more + 1)
		ncap *= 2;
	char *nb = realloc(w->buf, ncap);
	if (!nb) {
		w->oom = true;
		return false;
	}
	w->buf = nb;
	w->cap = ncap;
	return true;
}

static void put(jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void putc1(jw *w, char c)
{
	put(w, &c, 1);
}

/* Separator before a value or a key. */
static void sep(jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0 && w->depth <= JW_MAX_DEPTH) {
		if (w->need_comma[w->depth - 1])
			putc1(w, ',');
		w->need_comma[w->depth - 1] = true;
	}
}

static void open_(jw *w, char c)
{
	sep(w);
	putc1(w, c);
	if (w->depth < JW_MAX_DEPTH)
		w->need_comma[w->depth] = false;
	w->depth++;
}

void jw_obj_open(jw *w) { open_(w, '{'); }
void jw_arr_open(jw *w) { open_(w, '['); }

void jw_obj_close(jw *w)
{
	w->depth--;
	putc1(w, '}');
}

void jw_arr_close(jw *w)
{
	w->depth--;
	putc1(w, ']');
}

static void escaped(jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	putc1(w, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(w, u, 6);
		}
		}
	}
	put(w, s + run, n - run);
	putc1(w, '"');
}

void jw_key(jw *w, const char *key)
{
	sep(w);
	escaped(w, key, strlen(key));
	putc1(w, ':');
	w->after_key = true;
}

void jw_str(jw *w, const char *s)
{
	sep(w);
	escaped(w, s, strlen(s));
}

void jw_int(jw *w, long long v)
{
	char b[32];
	sep(w);
	put(w, b, (size_t)snprintf(b, sizeof b, "%lld", v));
}

void jw_uint(jw *w, unsigned long long v)
{
	char b[32];
	sep(w);
	put(w, b, (size_t)snprintf(b, sizeof b, "%llu", v));
}

void jw_bool(jw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void jw_raw(jw *w, const char *text, size_t len)
{
	sep(w);
	put(w, text, len);
}

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 if invalid; on
 * 0, *bad is how many bytes form the maximal invalid subpart (>= 1). */
static size_t utf8_seq(const uint8_t *p, size_t n, size_t *bad)
{
	uint8_t c = p[0];
	size_t need;
	uint8_t lo = 0x80, hi = 0xbf;

	*bad = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0) lo = 0xa0;
		if (c == 0xed) hi = 0x9f;   /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0) lo = 0x90;
		if (c == 0xf4) hi = 0x8f;
	} else {
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

void jw_text(jw *w, const uint8_t *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, bad;

	sep(w);
	putc1(w, '"');
	while (i < len) {
		uint8_t c = data[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			size_t j = i;
			while (j < len && data[j] >= 0x20 && data[j] < 0x80 &&
			       data[j] != '"' && data[j] != '\\')
				j++;
			put(w, (const char *)data + i, j - i);
			i = j;
			continue;
		}
		if (c < 0x80) {
			switch (c) {
			case '"': put(w, "\\\"", 2); break;
			case '\\': put(w, "\\\\", 2); break;
			case '\n': put(w, "\\n", 2); break;
			case '\r': put(w, "\\r", 2); break;
			case '\t': put(w, "\\t", 2); break;
			default: {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4],
					hex[c & 15] };
				put(w, u, 6);
			}
			}
			i++;
			continue;
		}
		size_t n = utf8_seq(data + i, len - i, &bad);
		if (n) {
			put(w, (const char *)data + i, n);
			i += n;
		} else {
			put(w, "\xef\xbf\xbd", 3);   /* U+FFFD */
			i += bad;
		}
	}
	putc1(w, '"');
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void jw_base64(jw *w, const uint8_t *d, size_t len)
{
	sep(w);
	if (!reserve(w, (len + 2) / 3 * 4 + 2))
		return;
	char *o = w->buf + w->len;
	*o++ = '"';
	size_t i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 |
			d[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)d[i] << 16 |
			(i + 1 < len ? (uint32_t)d[i + 1] << 8 : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
	w->buf[w->len] = '\0';
}

void jw_value(jw *w, const wasm_value *v)
{
	char b[64];

	switch (v->type) {
	case WASM_I32:
		jw_int(w, v->of.i32);
		return;
	case WASM_I64:
		snprintf(b, sizeof b, "%lld", (long long)v->of.i64);
		jw_str(w, b);
		return;
	case WASM_F32:
	case WASM_F64:
		wasm_value_format(v, b, sizeof b);
		/* Finite values are JSON numbers; "%g" text is valid JSON.
		 * Negative zero as -0.0: the text "-0" is the integer 0 to
		 * JSON readers (jansson, the daemon's own), sign lost. */
		if (strchr(b, 'n') || strchr(b, 'i'))
			jw_str(w, b);
		else if (strcmp(b, "-0") == 0)
			jw_raw(w, "-0.0", 4);
		else
			jw_raw(w, b, strlen(b));
		return;
	case WASM_V128:         /* "0x" and 32 hex digits, byte 15 first */
		wasm_value_format(v, b, sizeof b);
		jw_str(w, b);
		return;
	case WASM_FUNCREF:
	case WASM_EXTERNREF:
		if (v->of.ref)
			jw_str(w, "ref");
		else
			jw_null(w);
		return;
	default:
		jw_null(w);
		return;
	}
}

/* ---- reading -------------------------------------------------------------- */

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')   /* the URL-safe alphabet too */
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool base64_decode(const char *text, size_t len, uint8_t **out,
	size_t *outlen)
{
	while (len && text[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return false;
	uint8_t *o = malloc(len / 4 * 3 + 3);
	if (!o)
		return false;
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val((unsigned char)text[i]);
		if (v < 0) {
			free(o);
			return false;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (uint8_t)(acc >> bits);
		}
	}
	*out = o;
	*outlen = n;
	return true;
}

bool json_to_value(json_t *v, wasm_valtype t, wasm_value *out, char *why,
	size_t whylen)
{
	memset(out, 0, sizeof *out);
	out->type = t;
	if (json_is_string(v)) {
		if (wasm_value_parse(t, json_string_value(v), out))
			return true;
		goto bad;
	}
	switch (t) {
	case WASM_I32:
		if (json_is_integer(v)) {
			json_int_t i = json_integer_value(v);
			if (i >= INT32_MIN && i <= (json_int_t)UINT32_MAX) {
				out->of.i32 = (int32_t)(uint32_t)i;
				return true;
			}
		}
		goto bad;
	case WASM_I64:
		if (json_is_integer(v)) {
			out->of.i64 = (int64_t)json_integer_value(v);
			return true;
		}
		goto bad;
	case WASM_F32:
	case WASM_F64:
		if (json_is_number(v)) {
			double d = json_number_value(v);
			if (t == WASM_F64) {
				memcpy(&out->of.f64_bits, &d, 8);
			} else {
				float f = (float)d;
				memcpy(&out->of.f32_bits, &f, 4);
			}
			return true;
		}
		goto bad;
	case WASM_FUNCREF:
	case WASM_EXTERNREF:
		if (json_is_null(v)) {
			out->of.ref = NULL;
			return true;
		}
		goto bad;
	default:
		goto bad;
	}
bad:
	switch (t) {
	case WASM_I32:
		snprintf(why, whylen, "expected an i32: an integer from "
			"-2147483648 to 4294967295, or its decimal or 0x text");
		break;
	case WASM_I64:
		snprintf(why, whylen, "expected an i64: a decimal string such "
			"as \"-9007199254740993\" (or a JSON integer)");
		break;
	case WASM_F32:
	case WASM_F64:
		snprintf(why, whylen, "expected an %s: a number, or \"nan\", "
			"\"nan:0x...\", \"inf\", \"-inf\" or decimal text",
			wasm_valtype_name(t));
		break;
	case WASM_FUNCREF:
	case WASM_EXTERNREF:
		snprintf(why, whylen, "expected null (only null references "
			"can be passed)");
		break;
	case WASM_V128:
		snprintf(why, whylen, "expected a v128: \"0x\" and 32 hex digits, "
			"the 128-bit little-endian number (byte 15 first)");
		break;
	default:
		snprintf(why, whylen, "%s arguments are not supported",
			wasm_valtype_name(t));
	}
	return false;
}
