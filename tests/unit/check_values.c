/* check_values.c -- values as text (wasm_value_format / wasm_value_parse:
 * exact forms, round trips of special and random bits, names) and the trap
 * kinds table with the one trap recorder (trap_record).  Split from
 * check_runtime.c, which keeps stores, instances, memories, tables, limits
 * and the tier table. */
#include "../xorshift.h"
#include "runtime/runtime.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ---------------------------------------------------------- */

static void fmt(wasm_valtype t, uint64_t bits, char *buf, size_t len)
{
	wasm_value v = { .type = t };
	switch (t) {
	case WASM_I32: v.of.i32 = (int32_t)(uint32_t)bits; break;
	case WASM_F32: v.of.f32_bits = (uint32_t)bits; break;
	default: v.of.i64 = (int64_t)bits; break;
	}
	wasm_value_format(&v, buf, len);
}

static void check_fmt(wasm_valtype t, uint64_t bits, const char *want)
{
	char buf[64];
	fmt(t, bits, buf, sizeof buf);
	ck_assert_str_eq(buf, want);
}

/* Format, parse back, compare bits. */
static void check_roundtrip(wasm_valtype t, uint64_t bits)
{
	char buf[64];
	wasm_value v;
	fmt(t, bits, buf, sizeof buf);
	ck_assert_msg(wasm_value_parse(t, buf, &v), "parse \"%s\"", buf);
	ck_assert_int_eq(v.type, t);
	if (t == WASM_I32 || t == WASM_F32)
		ck_assert_msg(v.of.f32_bits == (uint32_t)bits,
			"%s: %08x != %08x", buf, v.of.f32_bits, (uint32_t)bits);
	else
		ck_assert_msg(v.of.f64_bits == bits, "%s: %016llx != %016llx",
			buf, (unsigned long long)v.of.f64_bits,
			(unsigned long long)bits);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
	return xorshift64(&rng_state);
}

START_TEST(value_format_exact)
{
	check_fmt(WASM_I32, 0xffffffffu, "-1");
	check_fmt(WASM_I32, 0x80000000u, "-2147483648");
	check_fmt(WASM_I64, 0x8000000000000000ull, "-9223372036854775808");
	check_fmt(WASM_F32, 0x3f800000u, "1");
	check_fmt(WASM_F32, 0x3dcccccdu, "0.1");
	check_fmt(WASM_F32, 0x80000000u, "-0");
	check_fmt(WASM_F32, 0x00000000u, "0");
	check_fmt(WASM_F32, 0x7f800000u, "inf");
	check_fmt(WASM_F32, 0xff800000u, "-inf");
	check_fmt(WASM_F32, 0x7fc00000u, "nan");
	check_fmt(WASM_F32, 0xffc00000u, "-nan");
	check_fmt(WASM_F32, 0x7f800001u, "nan:0x1");
	check_fmt(WASM_F32, 0xffffffffu, "-nan:0x7fffff");
	check_fmt(WASM_F32, 0x7f7fffffu, "3.4028235e+38");
	check_fmt(WASM_F32, 0x00000001u, "1e-45");
	check_fmt(WASM_F64, 0x3fb999999999999aull, "0.1");
	check_fmt(WASM_F64, 0x7fefffffffffffffull, "1.7976931348623157e+308");
	check_fmt(WASM_F64, 0x0000000000000001ull, "5e-324");
	check_fmt(WASM_F64, 0x8000000000000000ull, "-0");
	check_fmt(WASM_F64, 0x7ff8000000000000ull, "nan");
	check_fmt(WASM_F64, 0x7ff4000000000000ull, "nan:0x4000000000000");
	check_fmt(WASM_F64, 0xfff0000000000000ull, "-inf");

	char buf[64];
	wasm_value r = { .type = WASM_FUNCREF, .of.ref = NULL };
	wasm_value_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "null");
	r = (wasm_value){ .type = WASM_EXTERNREF, .of.ref = (void *)0x1230 };
	wasm_value_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "ref:0x1230");
	wasm_value p;
	ck_assert(wasm_value_parse(WASM_EXTERNREF, buf, &p));
	ck_assert_ptr_eq(p.of.ref, (void *)0x1230);
	ck_assert(wasm_value_parse(WASM_FUNCREF, "null", &p));
	ck_assert_ptr_null(p.of.ref);
	/* Truncation is safe. */
	check_fmt(WASM_I64, 0x8000000000000000ull, "-9223372036854775808");
	wasm_value big = { .type = WASM_I64, .of.i64 = INT64_MIN };
	wasm_value_format(&big, buf, 5);
	ck_assert_str_eq(buf, "-922");
}
END_TEST

START_TEST(value_roundtrip_special)
{
	/* Every NaN payload bit on its own, both signs, plus the ends. */
	for (int sign = 0; sign < 2; sign++) {
		for (int bit = 0; bit < 23; bit++)
			check_roundtrip(WASM_F32, ((uint64_t)sign << 31) |
				0x7f800000u | (1u << bit));
		check_roundtrip(WASM_F32, ((uint64_t)sign << 31) | 0x7fffffffu);
		for (int bit = 0; bit < 52; bit++)
			check_roundtrip(WASM_F64, ((uint64_t)sign << 63) |
				0x7ff0000000000000ull | (1ull << bit));
		check_roundtrip(WASM_F64, ((uint64_t)sign << 63) |
			0x7fffffffffffffffull);
	}
	static const uint32_t f32s[] = { 0, 0x80000000u, 1, 0x807fffffu,
		0x00800000u, 0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0x3f800001u,
		0x4b800000u, 0x33800000u };
	for (size_t i = 0; i < sizeof f32s / sizeof f32s[0]; i++)
		check_roundtrip(WASM_F32, f32s[i]);
	static const uint64_t f64s[] = { 0, 0x8000000000000000ull, 1,
		0x800fffffffffffffull, 0x0010000000000000ull,
		0x7fefffffffffffffull, 0xffefffffffffffffull,
		0x3ff0000000000001ull, 0x4340000000000000ull };
	for (size_t i = 0; i < sizeof f64s / sizeof f64s[0]; i++)
		check_roundtrip(WASM_F64, f64s[i]);
	static const uint64_t ints[] = { 0, 1, 0x7fffffffu, 0x80000000u,
		0xffffffffu, 0x8000000000000000ull, 0x7fffffffffffffffull,
		0xffffffffffffffffull };
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		check_roundtrip(WASM_I32, (uint32_t)ints[i]);
		check_roundtrip(WASM_I64, ints[i]);
	}
}
END_TEST

START_TEST(value_roundtrip_random)
{
	/* A sweep of f32 bit patterns and random f64s. */
	for (uint64_t bits = 0; bits <= 0xffffffffull; bits += 65521)
		check_roundtrip(WASM_F32, bits);
	for (int i = 0; i < 30000; i++) {
		uint64_t r = rng_next();
		check_roundtrip(WASM_F64, r);
		check_roundtrip(WASM_F32, r >> 32);
		check_roundtrip(WASM_I64, r);
		check_roundtrip(WASM_I32, (uint32_t)r);
	}
}
END_TEST

static bool parses(wasm_valtype t, const char *text, uint64_t want)
{
	wasm_value v;
	if (!wasm_value_parse(t, text, &v))
		return false;
	if (t == WASM_I32 || t == WASM_F32)
		return v.of.f32_bits == (uint32_t)want;
	return v.of.f64_bits == want;
}

static bool rejects(wasm_valtype t, const char *text)
{
	wasm_value v = { .type = WASM_I32, .of.i64 = 99 };
	bool ok = wasm_value_parse(t, text, &v);
	/* out untouched on failure */
	return !ok && v.type == WASM_I32 && v.of.i64 == 99;
}

START_TEST(value_parse)
{
	ck_assert(parses(WASM_I32, "0", 0));
	ck_assert(parses(WASM_I32, "-1", 0xffffffffu));
	ck_assert(parses(WASM_I32, "+7", 7));
	ck_assert(parses(WASM_I32, "4294967295", 0xffffffffu));
	ck_assert(parses(WASM_I32, "-2147483648", 0x80000000u));
	ck_assert(parses(WASM_I32, "0x10", 16));
	ck_assert(parses(WASM_I32, "0XfF", 255));
	ck_assert(parses(WASM_I32, "-0x1", 0xffffffffu));
	ck_assert(parses(WASM_I32, "0xffffffff", 0xffffffffu));
	ck_assert(rejects(WASM_I32, "4294967296"));
	ck_assert(rejects(WASM_I32, "-2147483649"));
	ck_assert(rejects(WASM_I32, "0x100000000"));
	ck_assert(rejects(WASM_I32, ""));
	ck_assert(rejects(WASM_I32, "-"));
	ck_assert(rejects(WASM_I32, "0x"));
	ck_assert(rejects(WASM_I32, " 1"));
	ck_assert(rejects(WASM_I32, "1 "));
	ck_assert(rejects(WASM_I32, "12abc"));
	ck_assert(rejects(WASM_I32, "--1"));
	ck_assert(rejects(WASM_I32, "-+1"));
	ck_assert(rejects(WASM_I32, "1.0"));
	ck_assert(parses(WASM_I64, "18446744073709551615", UINT64_MAX));
	ck_assert(parses(WASM_I64, "-9223372036854775808", 1ull << 63));
	ck_assert(parses(WASM_I64, "0x8000000000000000", 1ull << 63));
	ck_assert(rejects(WASM_I64, "18446744073709551616"));
	ck_assert(rejects(WASM_I64, "-9223372036854775809"));

	ck_assert(parses(WASM_F32, "1.5", 0x3fc00000u));
	ck_assert(parses(WASM_F32, "-0", 0x80000000u));
	ck_assert(parses(WASM_F32, "-0.0", 0x80000000u));
	ck_assert(parses(WASM_F32, ".5", 0x3f000000u));
	ck_assert(parses(WASM_F32, "0x1p-149", 1));
	ck_assert(parses(WASM_F32, "1e-50", 0));
	ck_assert(parses(WASM_F32, "inf", 0x7f800000u));
	ck_assert(parses(WASM_F32, "+inf", 0x7f800000u));
	ck_assert(parses(WASM_F32, "-infinity", 0xff800000u));
	ck_assert(parses(WASM_F32, "nan", 0x7fc00000u));
	ck_assert(parses(WASM_F32, "-nan", 0xffc00000u));
	ck_assert(parses(WASM_F32, "nan:0x1", 0x7f800001u));
	ck_assert(parses(WASM_F32, "-nan:0x7fffff", 0xffffffffu));
	ck_assert(rejects(WASM_F32, "nan:0x0"));
	ck_assert(rejects(WASM_F32, "nan:0x800000"));
	ck_assert(rejects(WASM_F32, "nan:0x"));
	ck_assert(rejects(WASM_F32, "nan:1"));
	ck_assert(rejects(WASM_F32, "nan(1)"));
	ck_assert(rejects(WASM_F32, "1e39"));
	ck_assert(rejects(WASM_F32, "1.5x"));
	ck_assert(rejects(WASM_F32, "abc"));
	ck_assert(rejects(WASM_F32, ""));
	ck_assert(rejects(WASM_F32, " 1"));
	ck_assert(parses(WASM_F64, "0.1", 0x3fb999999999999aull));
	ck_assert(parses(WASM_F64, "nan:0xfffffffffffff", 0x7fffffffffffffffull));
	ck_assert(rejects(WASM_F64, "nan:0x10000000000000"));
	ck_assert(rejects(WASM_F64, "1e309"));
	ck_assert(parses(WASM_F64, "4.9e-324", 1));
	ck_assert(rejects(WASM_V128, "0"));
	ck_assert(rejects(WASM_FUNCREF, "ref:0x0"));
	ck_assert(rejects(WASM_FUNCREF, "ref:-1"));
	ck_assert(rejects(WASM_EXTERNREF, "nul"));
}
END_TEST

START_TEST(value_names)
{
	ck_assert_str_eq(wasm_valtype_name(WASM_I32), "i32");
	ck_assert_str_eq(wasm_valtype_name(WASM_EXTERNREF), "externref");
	ck_assert_str_eq(wasm_valtype_name((wasm_valtype)0), "unknown");
	ck_assert_str_eq(wasm_status_name(WASM_ERR_TRAP), "trap");
	ck_assert_str_eq(wasm_status_name(WASM_OK), "ok");
	ck_assert_str_eq(wasm_trap_kind_name(WASM_TRAP_OUT_OF_BOUNDS_MEMORY),
		"out_of_bounds_memory");
	ck_assert_str_eq(wasm_trap_kind_name(WASM_TRAP_HOST), "host");
	ck_assert_str_eq(wasm_trap_kind_name(WASM_TRAP_COUNT_), "unknown");
	for (int k = 0; k < WASM_TRAP_COUNT_; k++)
		ck_assert_ptr_nonnull(wasm_trap_kind_name((wasm_trap_kind)k));
	ck_assert_str_eq(wasm_extern_kind_name(WASM_EXTERN_GLOBAL), "global");
}
END_TEST

/* WASM_TRAP_KINDS: names are distinct JSON-safe identifiers, messages fit
 * the records that carry them, and the texts clients see do not drift. */
START_TEST(trap_kinds)
{
	exec ex;
	wasm_error err;

	for (int k = 0; k < WASM_TRAP_COUNT_; k++) {
		const char *name = wasm_trap_kind_name((wasm_trap_kind)k);
		const char *msg = wasm_trap_kind_message((wasm_trap_kind)k);
		ck_assert_uint_gt(strlen(name), 0);
		ck_assert_uint_eq(strspn(name, "abcdefghijklmnopqrstuvwxyz_"),
			strlen(name));
		ck_assert_uint_gt(strlen(msg), 0);
		ck_assert_uint_lt(strlen(msg), sizeof ex.trap_msg);
		ck_assert_uint_lt(strlen(msg), sizeof err.message);
		for (int j = 0; j < k; j++)
			ck_assert_str_ne(name,
				wasm_trap_kind_name((wasm_trap_kind)j));
	}
	ck_assert_str_eq(wasm_trap_kind_message(WASM_TRAP_UNREACHABLE),
		"unreachable executed");
	ck_assert_str_eq(wasm_trap_kind_message(WASM_TRAP_STACK_OVERFLOW),
		"call stack exhausted");
	ck_assert_str_eq(wasm_trap_kind_message(WASM_TRAP_TIMEOUT),
		"deadline exceeded");
	ck_assert_str_eq(wasm_trap_kind_message(WASM_TRAP_OUT_OF_FUEL),
		"all fuel consumed");
	ck_assert_str_eq(wasm_trap_kind_message(WASM_TRAP_COUNT_),
		"unknown trap");
}
END_TEST

/* trap_record: the one place a trap is written into an exec. */
START_TEST(trap_record_fields)
{
	exec ex;
	wasm_func f;
	char longmsg[400];

	memset(&ex, 0, sizeof ex);
	ck_assert_int_eq(trap_record(&ex, WASM_TRAP_INTEGER_OVERFLOW, &f, 17,
		NULL), WASM_ERR_TRAP);
	ck_assert_int_eq(ex.trap, WASM_TRAP_INTEGER_OVERFLOW);
	ck_assert_ptr_eq(ex.trap_func, &f);
	ck_assert_uint_eq(ex.trap_offset, 17);
	ck_assert_str_eq(ex.trap_msg, "integer overflow");

	/* A host trap keeps the message its host function left ... */
	snprintf(ex.trap_msg, sizeof ex.trap_msg, "from the host");
	trap_record(&ex, WASM_TRAP_HOST, NULL, SIZE_MAX, NULL);
	ck_assert_str_eq(ex.trap_msg, "from the host");
	ck_assert_ptr_null(ex.trap_func);
	ck_assert_uint_eq(ex.trap_offset, SIZE_MAX);
	/* ... other kinds do not, and without one a host trap gets its
	 * kind's. */
	trap_record(&ex, WASM_TRAP_UNREACHABLE, &f, 3, NULL);
	ck_assert_str_eq(ex.trap_msg, "unreachable executed");
	ex.trap_msg[0] = '\0';
	trap_record(&ex, WASM_TRAP_HOST, &f, 3, NULL);
	ck_assert_str_eq(ex.trap_msg, wasm_trap_kind_message(WASM_TRAP_HOST));

	/* A given message wins, cut to fit. */
	memset(longmsg, 'x', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	trap_record(&ex, WASM_TRAP_HOST, &f, 3, longmsg);
	ck_assert_uint_eq(strlen(ex.trap_msg), sizeof ex.trap_msg - 1);
	trap_record(&ex, WASM_TRAP_TIMEOUT, &f, 3, "late");
	ck_assert_str_eq(ex.trap_msg, "late");
}
END_TEST

static Suite *values_suite(void)
{
	Suite *s = suite_create("values");
	TCase *core = tcase_create("core");
	/* value_roundtrip_random makes a million round trips: seconds under
	 * a loaded build, past Check's default of 4. */
	tcase_set_timeout(core, 60);
	tcase_add_test(core, value_format_exact);
	tcase_add_test(core, value_roundtrip_special);
	tcase_add_test(core, value_roundtrip_random);
	tcase_add_test(core, value_parse);
	tcase_add_test(core, value_names);
	tcase_add_test(core, trap_kinds);
	tcase_add_test(core, trap_record_fields);
	suite_add_tcase(s, core);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(values_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
