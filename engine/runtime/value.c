/* value.c -- names of enums, and value formatting/parsing for the tools.
 *
 * Floats are formatted so that wasm_value_parse gives back the same bits:
 * the shortest "%.Ng" that round-trips, "inf"/"-inf", "nan" for the
 * canonical NaN (quiet bit only) and "nan:0xPAYLOAD" otherwise, with a
 * leading '-' when the sign bit is set.
 */
#include "runtime/tier_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F32_EXP_MASK 0x7f800000u
#define F32_FRAC_MASK 0x007fffffu
#define F32_SIGN 0x80000000u
#define F32_CANON_NAN 0x00400000u
#define F64_EXP_MASK 0x7ff0000000000000ull
#define F64_FRAC_MASK 0x000fffffffffffffull
#define F64_SIGN 0x8000000000000000ull
#define F64_CANON_NAN 0x0008000000000000ull

const char *wasm_valtype_name(wasm_valtype t)
{
	switch (t) {
	case WASM_I32: return "i32";
	case WASM_I64: return "i64";
	case WASM_F32: return "f32";
	case WASM_F64: return "f64";
	case WASM_V128: return "v128";
	case WASM_FUNCREF: return "funcref";
	case WASM_EXTERNREF: return "externref";
	}
	return "unknown";
}

const char *wasm_status_name(wasm_status s)
{
	switch (s) {
	case WASM_OK: return "ok";
	case WASM_ERR_MALFORMED: return "malformed";
	case WASM_ERR_INVALID: return "invalid";
	case WASM_ERR_UNSUPPORTED: return "unsupported";
	case WASM_ERR_LINK: return "link";
	case WASM_ERR_TRAP: return "trap";
	case WASM_ERR_EXIT: return "exit";
	case WASM_ERR_LIMIT: return "limit";
	case WASM_ERR_NOMEM: return "nomem";
	case WASM_ERR_ARG: return "arg";
	}
	return "unknown";
}

static const char *const trap_kind_names[WASM_TRAP_COUNT_] = {
#define X(kind, name, message) [WASM_TRAP_##kind] = name,
	WASM_TRAP_KINDS(X)
#undef X
};

static const char *const trap_kind_messages[WASM_TRAP_COUNT_] = {
#define X(kind, name, message) [WASM_TRAP_##kind] = message,
	WASM_TRAP_KINDS(X)
#undef X
};

const char *wasm_trap_kind_name(wasm_trap_kind k)
{
	if ((unsigned)k >= WASM_TRAP_COUNT_)
		return "unknown";
	return trap_kind_names[k];
}

const char *wasm_trap_kind_message(wasm_trap_kind k)
{
	if ((unsigned)k >= WASM_TRAP_COUNT_)
		return "unknown trap";
	return trap_kind_messages[k];
}

const char *wasm_extern_kind_name(wasm_extern_kind k)
{
	switch (k) {
	case WASM_EXTERN_FUNC: return "func";
	case WASM_EXTERN_TABLE: return "table";
	case WASM_EXTERN_MEMORY: return "memory";
	case WASM_EXTERN_GLOBAL: return "global";
	}
	return "unknown";
}

/* ---- formatting ------------------------------------------------------ */

static float f32_from_bits(uint32_t bits)
{
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

static uint32_t f32_bits(float f)
{
	uint32_t bits;
	memcpy(&bits, &f, sizeof bits);
	return bits;
}

static double f64_from_bits(uint64_t bits)
{
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

static uint64_t f64_bits(double d)
{
	uint64_t bits;
	memcpy(&bits, &d, sizeof bits);
	return bits;
}

static void f32_format(uint32_t bits, char *buf, size_t len)
{
	const char *sign = (bits & F32_SIGN) ? "-" : "";
	uint32_t frac = bits & F32_FRAC_MASK;

	if ((bits & F32_EXP_MASK) == F32_EXP_MASK) {
		if (frac == 0)
			snprintf(buf, len, "%sinf", sign);
		else if (frac == F32_CANON_NAN)
			snprintf(buf, len, "%snan", sign);
		else
			snprintf(buf, len, "%snan:0x%" PRIx32, sign, frac);
		return;
	}
	/* Shortest precision whose text reads back as the same bits; 9
	 * significant digits always do for binary32. */
	float f = f32_from_bits(bits);
	char tmp[64];
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, (double)f);
		if (f32_bits(strtof(tmp, NULL)) == bits)
			break;
	}
	snprintf(buf, len, "%s", tmp);
}

static void f64_format(uint64_t bits, char *buf, size_t len)
{
	const char *sign = (bits & F64_SIGN) ? "-" : "";
	uint64_t frac = bits & F64_FRAC_MASK;

	if ((bits & F64_EXP_MASK) == F64_EXP_MASK) {
		if (frac == 0)
			snprintf(buf, len, "%sinf", sign);
		else if (frac == F64_CANON_NAN)
			snprintf(buf, len, "%snan", sign);
		else
			snprintf(buf, len, "%snan:0x%" PRIx64, sign, frac);
		return;
	}
	/* 17 significant digits always round-trip binary64. */
	double d = f64_from_bits(bits);
	char tmp[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (f64_bits(strtod(tmp, NULL)) == bits)
			break;
	}
	snprintf(buf, len, "%s", tmp);
}

void wasm_value_format(const wasm_value *v, char *buf, size_t len)
{
	if (len == 0)
		return;
	switch (v->type) {
	case WASM_I32:
		snprintf(buf, len, "%" PRId32, v->of.i32);
		break;
	case WASM_I64:
		snprintf(buf, len, "%" PRId64, v->of.i64);
		break;
	case WASM_F32:
		f32_format(v->of.f32_bits, buf, len);
		break;
	case WASM_F64:
		f64_format(v->of.f64_bits, buf, len);
		break;
	case WASM_V128: {
		/* the 128-bit number, most significant byte (byte 15) first */
		char hex[35] = "0x";
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 + 2 * i, 3, "%02x", v->of.v128[15 - i]);
		snprintf(buf, len, "%s", hex);
		break;
	}
	case WASM_FUNCREF:
	case WASM_EXTERNREF:
		if (v->of.ref)
			snprintf(buf, len, "ref:0x%" PRIxPTR,
				(uintptr_t)v->of.ref);
		else
			snprintf(buf, len, "null");
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

/* ---- parsing --------------------------------------------------------- */

/* isxdigit() without the locale. */
static bool isxdigit_ascii(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		(c >= 'A' && c <= 'F');
}

/* An optionally signed decimal or 0x-hex integer whose magnitude is at most
 * max_mag (unsigned) and, when negative, at most neg_mag.  Returns the
 * two's complement bits. */
static bool int_parse(const char *text, uint64_t max_mag, uint64_t neg_mag,
	uint64_t *out)
{
	const char *p = text;
	bool neg = false;
	int base = 10;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	/* strtoull would accept blanks and a second sign; digits only. */
	if (!(base == 16 ? isxdigit_ascii(*p) : (*p >= '0' && *p <= '9')))
		return false;
	errno = 0;
	char *end;
	unsigned long long mag = strtoull(p, &end, base);
	if (errno == ERANGE || *end != '\0')
		return false;
	if (mag > (neg ? neg_mag : max_mag))
		return false;
	*out = neg ? (uint64_t)0 - mag : mag;
	return true;
}

/* "nan", "nan:0xPAYLOAD", "inf", "infinity", optionally signed.  frac_mask
 * and canon describe the format; exp_mask | sign give the rest.  Returns
 * false if text is not one of these spellings. */
static bool special_parse(const char *text, uint64_t sign_bit,
	uint64_t exp_mask, uint64_t frac_mask, uint64_t canon, uint64_t *out)
{
	const char *p = text;
	uint64_t sign = 0;

	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? sign_bit : 0;
	if (strcmp(p, "inf") == 0 || strcmp(p, "infinity") == 0) {
		*out = sign | exp_mask;
		return true;
	}
	if (strcmp(p, "nan") == 0) {
		*out = sign | exp_mask | canon;
		return true;
	}
	if (strncmp(p, "nan:0x", 6) != 0 || !isxdigit_ascii(p[6]))
		return false;
	errno = 0;
	char *end;
	unsigned long long payload = strtoull(p + 6, &end, 16);
	if (errno == ERANGE || *end != '\0' || payload == 0 ||
	    payload > frac_mask)
		return false;
	*out = sign | exp_mask | payload;
	return true;
}

/* A finite float literal as strtod/strtof read it (decimal or hex), with
 * no blanks around it.  The caller rejects overflow to infinity. */
static bool float_text_ok(const char *text)
{
	const char *p = text;
	if (*p == '-' || *p == '+')
		p++;
	if (!(*p == '.' || (*p >= '0' && *p <= '9')))
		return false;
	return true;
}

static bool f32_parse(const char *text, uint32_t *out)
{
	uint64_t bits;
	if (special_parse(text, F32_SIGN, F32_EXP_MASK, F32_FRAC_MASK,
	    F32_CANON_NAN, &bits)) {
		*out = (uint32_t)bits;
		return true;
	}
	if (!float_text_ok(text))
		return false;
	char *end;
	float f = strtof(text, &end);
	if (*end != '\0' || end == text || isinf(f) || isnan(f))
		return false;
	*out = f32_bits(f);
	return true;
}

static bool f64_parse(const char *text, uint64_t *out)
{
	if (special_parse(text, F64_SIGN, F64_EXP_MASK, F64_FRAC_MASK,
	    F64_CANON_NAN, out))
		return true;
	if (!float_text_ok(text))
		return false;
	char *end;
	double d = strtod(text, &end);
	if (*end != '\0' || end == text || isinf(d) || isnan(d))
		return false;
	*out = f64_bits(d);
	return true;
}

static bool ref_parse(const char *text, void **out)
{
	if (strcmp(text, "null") == 0) {
		*out = NULL;
		return true;
	}
	uint64_t bits;
	if (strncmp(text, "ref:", 4) != 0 || text[4] == '-' ||
	    text[4] == '+' ||
	    !int_parse(text + 4, UINTPTR_MAX, 0, &bits) || bits == 0)
		return false;
	*out = (void *)(uintptr_t)bits;
	return true;
}

/* A v128 as wasm_value_format writes it: "0x" and exactly 32 hex digits,
 * byte 15 first. */
static bool v128_parse(const char *text, uint8_t out[16])
{
	if (text[0] != '0' || (text[1] != 'x' && text[1] != 'X') ||
	    strlen(text) != 34)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned byte = 0;
		for (int k = 0; k < 2; k++) {
			char c = text[2 + 2 * i + k];
			if (!isxdigit_ascii(c))
				return false;
			byte = byte << 4 | (unsigned)(c <= '9' ? c - '0' :
				(c | 0x20) - 'a' + 10);
		}
		out[15 - i] = (uint8_t)byte;
	}
	return true;
}

bool wasm_value_parse(wasm_valtype t, const char *text, wasm_value *out)
{
	wasm_value v;
	uint64_t bits = 0;
	bool ok = false;

	memset(&v, 0, sizeof v);
	v.type = t;
	switch (t) {
	case WASM_I32:
		/* Signed or unsigned 32-bit. */
		ok = int_parse(text, UINT32_MAX, 1ull << 31, &bits);
		v.of.i32 = (int32_t)(uint32_t)bits;
		break;
	case WASM_I64:
		ok = int_parse(text, UINT64_MAX, 1ull << 63, &bits);
		v.of.i64 = (int64_t)bits;
		break;
	case WASM_F32:
		ok = f32_parse(text, &v.of.f32_bits);
		break;
	case WASM_F64:
		ok = f64_parse(text, &v.of.f64_bits);
		break;
	case WASM_FUNCREF:
	case WASM_EXTERNREF:
		ok = ref_parse(text, &v.of.ref);
		break;
	case WASM_V128:
		ok = v128_parse(text, v.of.v128);
		break;
	default:
		break;
	}
	if (ok)
		*out = v;
	return ok;
}

/* ---- tiers ---------------------------------------------------------------- */

static const char *const tier_names[] = {
	[WASM_TIER_INTERP] = "interp",
	[WASM_TIER_BASELINE] = "baseline",
	[WASM_TIER_OPT] = "opt",
	[WASM_TIER_AUTO] = "auto",
};

const char *wasm_tier_name(wasm_tier t)
{
	return (unsigned)t < sizeof tier_names / sizeof tier_names[0] ?
		tier_names[t] : "?";
}

bool wasm_tier_parse(const char *name, wasm_tier *out)
{
	for (unsigned t = 0; name && t < sizeof tier_names / sizeof tier_names[0]; t++)
		if (strcmp(name, tier_names[t]) == 0) {
			*out = (wasm_tier)t;
			return true;
		}
	return false;
}

/* A tier is available when the tier table has an entry for it; "auto"
 * is a policy over the tiers there are. */
bool wasm_tier_available(wasm_tier t)
{
	return t == WASM_TIER_AUTO ||
	       ((unsigned)t < (unsigned)WASM_TIER_COUNT && tier_table[t]);
}
