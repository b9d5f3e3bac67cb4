/* leb.c -- bounded readers for the binary format: LEB128, floats, UTF-8. */
#include "front/module.h"

#include <string.h>

bool read_u8(reader *r, uint8_t *out, wasm_error *err)
{
	if (r->p >= r->end) {
		err_set(err, WASM_ERR_MALFORMED, reader_offset(r), "unexpected end");
		return false;
	}
	*out = *r->p++;
	return true;
}

/* Unsigned LEB128 of at most `bits` bits. */
static bool read_uleb(reader *r, unsigned bits, uint64_t *out, wasm_error *err)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t start = reader_offset(r);
	for (;;) {
		if (r->p >= r->end) {
			err_set(err, WASM_ERR_MALFORMED, reader_offset(r), "unexpected end");
			return false;
		}
		uint8_t b = *r->p++;
		if (shift + 7 >= bits) {
			/* last permitted byte: no continuation, unused bits zero */
			if (b & 0x80) {
				err_set(err, WASM_ERR_MALFORMED, start, "integer representation too long");
				return false;
			}
			unsigned used = bits - shift;
			if (used < 7 && (b >> used) != 0) {
				err_set(err, WASM_ERR_MALFORMED, start, "integer too large");
				return false;
			}
			v |= (uint64_t)b << shift;
			break;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*out = v;
	return true;
}

/* Signed LEB128 of at most `bits` bits. */
static bool read_sleb(reader *r, unsigned bits, int64_t *out, wasm_error *err)
{
	uint64_t v = 0;
	unsigned shift = 0;
	size_t start = reader_offset(r);
	uint8_t b;
	for (;;) {
		if (r->p >= r->end) {
			err_set(err, WASM_ERR_MALFORMED, reader_offset(r), "unexpected end");
			return false;
		}
		b = *r->p++;
		if (shift + 7 >= bits) {
			if (b & 0x80) {
				err_set(err, WASM_ERR_MALFORMED, start, "integer representation too long");
				return false;
			}
			/* The unused high bits must all equal the sign bit. */
			unsigned used = bits - shift;  /* 1..7 value bits here */
			int8_t sb = (int8_t)(b << 1) >> 1; /* sign-extend 7 bits */
			int64_t hi = sb >> (used - 1);
			if (used < 7 && hi != 0 && hi != -1) {
				err_set(err, WASM_ERR_MALFORMED, start, "integer too large");
				return false;
			}
			v |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
			break;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	*out = (int64_t)v;
	return true;
}

bool read_u32(reader *r, uint32_t *out, wasm_error *err)
{
	uint64_t v;
	if (!read_uleb(r, 32, &v, err))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool read_s32(reader *r, int32_t *out, wasm_error *err)
{
	int64_t v;
	if (!read_sleb(r, 32, &v, err))
		return false;
	*out = (int32_t)v;
	return true;
}

bool read_s33(reader *r, int64_t *out, wasm_error *err)
{
	return read_sleb(r, 33, out, err);
}

bool read_s64(reader *r, int64_t *out, wasm_error *err)
{
	return read_sleb(r, 64, out, err);
}

bool read_f32(reader *r, uint32_t *out, wasm_error *err)
{
	if (r->end - r->p < 4) {
		err_set(err, WASM_ERR_MALFORMED, reader_offset(r), "unexpected end");
		return false;
	}
	memcpy(out, r->p, 4);
	r->p += 4;
	return true;
}

bool read_f64(reader *r, uint64_t *out, wasm_error *err)
{
	if (r->end - r->p < 8) {
		err_set(err, WASM_ERR_MALFORMED, reader_offset(r), "unexpected end");
		return false;
	}
	memcpy(out, r->p, 8);
	r->p += 8;
	return true;
}

bool read_v128(reader *r, uint64_t *lo, uint64_t *hi, wasm_error *err)
{
	return read_f64(r, lo, err) && read_f64(r, hi, err);
}

/* Well-formed UTF-8 per Unicode: no overlongs, no surrogates, <= U+10FFFF. */
bool utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; min = 0x80; }
		else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; min = 0x800; }
		else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; min = 0x10000; }
		else return false;
		if (len - i < n)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}
