/* check_wasi.c -- the WASI context API: captured output and its cap,
 * stdin from a buffer, proc_exit through wasi_run_start, config errors. */
#include "wasi.h"

#include <check.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tests/wasi/capture.wat */
static const uint8_t capture_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1a, 0x05, 0x60,
  0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00,
  0x02, 0x67, 0x03, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61,
  0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65,
  0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00,
  0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73,
  0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31,
  0x07, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x00, 0x00, 0x16, 0x77,
  0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74,
  0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72,
  0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x01, 0x03, 0x05, 0x04,
  0x02, 0x02, 0x03, 0x04, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x2d, 0x05,
  0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x04, 0x73, 0x70,
  0x61, 0x6d, 0x00, 0x03, 0x09, 0x77, 0x72, 0x69, 0x74, 0x65, 0x5f, 0x6c,
  0x65, 0x6e, 0x00, 0x04, 0x04, 0x65, 0x63, 0x68, 0x6f, 0x00, 0x05, 0x06,
  0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x06, 0x0a, 0x98, 0x01, 0x04,
  0x35, 0x00, 0x41, 0x00, 0x41, 0xe4, 0x00, 0x36, 0x02, 0x00, 0x41, 0x04,
  0x41, 0x0a, 0x36, 0x02, 0x00, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x45,
  0x0d, 0x01, 0x20, 0x00, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00,
  0x1a, 0x20, 0x01, 0x41, 0x01, 0x6b, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b,
  0x41, 0x08, 0x28, 0x02, 0x00, 0x0b, 0x21, 0x00, 0x41, 0x00, 0x41, 0xe4,
  0x00, 0x36, 0x02, 0x00, 0x41, 0x04, 0x20, 0x01, 0x36, 0x02, 0x00, 0x20,
  0x00, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a, 0x41, 0x08,
  0x28, 0x02, 0x00, 0x0b, 0x37, 0x00, 0x41, 0x10, 0x41, 0xe8, 0x07, 0x36,
  0x02, 0x00, 0x41, 0x14, 0x41, 0x80, 0x20, 0x36, 0x02, 0x00, 0x41, 0x00,
  0x41, 0x10, 0x41, 0x01, 0x41, 0x18, 0x10, 0x01, 0x1a, 0x41, 0x14, 0x41,
  0x18, 0x28, 0x02, 0x00, 0x36, 0x02, 0x00, 0x41, 0x01, 0x41, 0x10, 0x41,
  0x01, 0x41, 0x08, 0x10, 0x00, 0x1a, 0x41, 0x18, 0x28, 0x02, 0x00, 0x0b,
  0x06, 0x00, 0x41, 0x2a, 0x10, 0x02, 0x0b, 0x0b, 0x11, 0x01, 0x00, 0x41,
  0xe4, 0x00, 0x0b, 0x0a, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
  0x38, 0x39
};

static wasm_engine *engine;
static wasm_module *module;
static wasm_store *store;
static wasm_instance *inst;
static wasi_ctx *wasi;

static void setup(void)
{
	engine = wasm_engine_new(NULL);
	ck_assert_ptr_nonnull(engine);
	ck_assert_int_eq(wasm_module_load(engine, capture_wasm,
		sizeof capture_wasm, &module, NULL), WASM_OK);
	store = wasm_store_new(engine);
	ck_assert_ptr_nonnull(store);
	wasi = NULL;
	inst = NULL;
}

static void teardown(void)
{
	wasm_store_free(store);
	wasi_free(wasi);
	wasm_module_free(module);
	wasm_engine_free(engine);
}

/* wasi from cfg, linked and instantiated. */
static void start(const wasi_config *cfg)
{
	wasm_extern imports[3];
	wasm_error err;

	ck_assert_int_eq(wasi_new(cfg, &wasi, &err), WASM_OK);
	ck_assert_uint_eq(wasm_module_import_count(module), 3);
	ck_assert_int_eq(wasi_link(wasi, store, module, imports, &err),
		WASM_OK);
	ck_assert_int_eq(wasm_instance_new(store, module, imports, 3, &inst,
		&err), WASM_OK);
}

static int32_t call(const char *name, int32_t a, int32_t b, size_t nargs)
{
	wasm_extern ext;
	wasm_value args[2] = { { .type = WASM_I32, .of.i32 = a },
		{ .type = WASM_I32, .of.i32 = b } };
	wasm_value res;

	ck_assert(wasm_instance_export(inst, name, &ext));
	ck_assert_int_eq(wasm_func_call(store, ext.of.func, args, nargs, &res,
		1, NULL), WASM_OK);
	return res.of.i32;
}

START_TEST(capture_within_cap)
{
	wasi_config cfg = { 0 };

	start(&cfg);
	ck_assert_int_eq(call("spam", 1, 3, 2), 10);
	ck_assert_int_eq(call("spam", 2, 1, 2), 10);
	wasi_output o = wasi_captured(wasi, 1);
	ck_assert_uint_eq(o.len, 30);
	ck_assert(!o.truncated);
	ck_assert(memcmp(o.data, "012345678901234567890123456789", 30) == 0);
	o = wasi_captured(wasi, 2);
	ck_assert_uint_eq(o.len, 10);
	ck_assert(memcmp(o.data, "0123456789", 10) == 0);
	ck_assert_uint_eq(wasi_captured(wasi, 3).len, 0);
}
END_TEST

/* A first write of nothing, before any buffer exists, and an empty write
 * once the cap is reached. */
START_TEST(capture_empty_writes)
{
	wasi_config cfg = { .stderr_max_bytes = 10 };

	start(&cfg);
	ck_assert_int_eq(call("write_len", 2, 0, 2), 0);
	ck_assert_uint_eq(wasi_captured(wasi, 2).len, 0);
	ck_assert_int_eq(call("write_len", 2, 10, 2), 10);
	ck_assert_int_eq(call("write_len", 2, 0, 2), 0);
	ck_assert_int_eq(call("write_len", 2, 3, 2), 3);
	wasi_output o = wasi_captured(wasi, 2);
	ck_assert_uint_eq(o.len, 10);
	ck_assert(o.truncated);
}
END_TEST

START_TEST(capture_over_cap)
{
	wasi_config cfg = { .stdout_max_bytes = 25 };

	start(&cfg);
	/* The guest is told every write went through. */
	ck_assert_int_eq(call("spam", 1, 5, 2), 10);
	wasi_output o = wasi_captured(wasi, 1);
	ck_assert_uint_eq(o.len, 25);
	ck_assert(o.truncated);
	ck_assert(memcmp(o.data, "0123456789012345678901234", 25) == 0);
	ck_assert(!wasi_captured(wasi, 2).truncated);
}
END_TEST

START_TEST(capture_many_writes)
{
	wasi_config cfg = { 0 };

	start(&cfg);
	ck_assert_int_eq(call("spam", 1, 200000, 2), 10);
	wasi_output o = wasi_captured(wasi, 1);
	ck_assert_uint_eq(o.len, WASI_DEFAULT_OUTPUT_MAX_BYTES);
	ck_assert(o.truncated);
}
END_TEST

START_TEST(stdin_buffer)
{
	static const uint8_t in[] = "hello";
	wasi_config cfg = { .stdin_data = in, .stdin_len = 5 };

	start(&cfg);
	ck_assert_int_eq(call("echo", 0, 0, 0), 5);
	ck_assert_int_eq(call("echo", 0, 0, 0), 0);   /* end of file */
	wasi_output o = wasi_captured(wasi, 1);
	ck_assert_uint_eq(o.len, 5);
	ck_assert(memcmp(o.data, "hello", 5) == 0);
}
END_TEST

START_TEST(run_start_exit)
{
	wasi_config cfg = { 0 };
	wasm_error err;
	int code = -1;

	start(&cfg);
	ck_assert(!wasi_exited(wasi, NULL));
	ck_assert_int_eq(wasi_run_start(wasi, store, inst, &code, &err),
		WASM_OK);
	ck_assert_int_eq(code, 42);
	ck_assert(wasi_exited(wasi, &code));
	ck_assert_int_eq(code, 42);
}
END_TEST

START_TEST(config_tree)
{
	static const uint8_t hi[] = "hi";
	const wasi_file files[] = {
		{ .path = "/data/a.txt", .data = hi, .len = 2 },
		{ .path = "/data/sub", .dir = true },
		{ .path = "/data/sub", .dir = true },  /* dirs may repeat */
		{ .path = "/other/b.txt", .data = NULL, .len = 0 },
	};
	const char *const pre[] = { "/data", "/other" };
	wasi_config cfg = { .files = files, .nfiles = 4, .preopens = pre,
		.npreopens = 2 };

	ck_assert_int_eq(wasi_new(&cfg, &wasi, NULL), WASM_OK);
}
END_TEST

/* 200,000 files in one directory: the tree is built in linear time (it
 * searched each directory's children: 50,000 files took 4.7 s).  A
 * quadratic build takes minutes here and hits the test's timeout; the
 * duplicate check must still work with the index. */
START_TEST(config_tree_large)
{
	enum { N = 200000 };
	wasi_file *files = calloc(N + 1, sizeof *files);
	char (*paths)[24] = calloc(N + 1, sizeof *paths);
	ck_assert(files && paths);
	for (int i = 0; i < N; i++) {
		snprintf(paths[i], sizeof paths[i], "/d/f%d", i);
		files[i].path = paths[i];
	}
	wasi_config cfg = { .files = files, .nfiles = N };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(wasi_new(&cfg, &wasi, NULL), WASM_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(s < 2.0, "200,000 files took %.2f s", s);
	wasi_free(wasi);
	wasi = NULL;
	files[N].path = paths[12345];   /* listed twice */
	cfg.nfiles = N + 1;
	wasm_error err;
	ck_assert_int_eq(wasi_new(&cfg, &wasi, &err), WASM_ERR_ARG);
	ck_assert(strstr(err.message, "listed twice"));
	wasi = NULL;
	free(files);
	free(paths);
}
END_TEST

static wasm_status try_config(const char *path1, const char *path2,
	const char *preopen, wasm_error *err)
{
	const wasi_file files[] = { { .path = path1 }, { .path = path2 } };
	const char *const pre[] = { preopen };
	wasi_config cfg = { .files = files, .nfiles = path2 ? 2 : 1,
		.preopens = pre, .npreopens = preopen ? 1 : 0 };
	wasi_ctx *w = NULL;
	wasm_status st = wasi_new(&cfg, &w, err);

	ck_assert(st == WASM_OK ? w != NULL : w == NULL);
	wasi_free(w);
	return st;
}

START_TEST(config_errors)
{
	wasm_error err;

	ck_assert_int_eq(try_config("a.txt", NULL, NULL, &err), WASM_ERR_ARG);
	ck_assert(strstr(err.message, "not an absolute path"));
	ck_assert_int_eq(try_config("/a", "/a", NULL, &err), WASM_ERR_ARG);
	ck_assert(strstr(err.message, "listed twice"));
	ck_assert_int_eq(try_config("/a", "/a/b", NULL, &err), WASM_ERR_ARG);
	ck_assert(strstr(err.message, "a file where a directory is needed"));
	ck_assert_int_eq(try_config("/x/../y", NULL, NULL, &err),
		WASM_ERR_ARG);
	ck_assert_int_eq(try_config("/a", NULL, "/nowhere", &err),
		WASM_ERR_ARG);
	ck_assert_int_eq(try_config("/a", NULL, "/a", &err), WASM_ERR_ARG);
	ck_assert(strstr(err.message, "directory"));
	ck_assert_int_eq(try_config("/d/a", NULL, "/d", &err), WASM_OK);
}
END_TEST

/* Imports link by their exact bytes: a NUL and more after a WASI name is
 * another name. */
START_TEST(link_names_exact)
{
	/* (import "wasi_snapshot_preview1" "proc_exit\00x" (func (param i32))) */
	static const uint8_t field_nul[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05,
		0x01, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x26, 0x01, 0x16, 0x77,
		0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68,
		0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77,
		0x31, 0x0b, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69,
		0x74, 0x00, 0x78, 0x00, 0x00,
	};
	/* (import "wasi_snapshot_preview1\00" "proc_exit" (func (param i32))) */
	static const uint8_t module_nul[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05,
		0x01, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x25, 0x01, 0x17, 0x77,
		0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68,
		0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77,
		0x31, 0x00, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78,
		0x69, 0x74, 0x00, 0x00,
	};
	wasi_config cfg = { 0 };
	wasm_module *m;
	wasm_extern imp[1];
	wasm_error err;

	ck_assert_int_eq(wasi_new(&cfg, &wasi, &err), WASM_OK);
	ck_assert_int_eq(wasm_module_load(engine, field_nul, sizeof field_nul,
		&m, &err), WASM_OK);
	ck_assert(wasi_module_uses(m));
	ck_assert_int_eq(wasi_link(wasi, store, m, imp, &err), WASM_ERR_LINK);
	ck_assert_str_eq(err.message, "unknown import wasi_snapshot_preview1."
		"proc_exit\\x00x (not a preview1 function)");
	wasm_module_free(m);
	ck_assert_int_eq(wasm_module_load(engine, module_nul,
		sizeof module_nul, &m, &err), WASM_OK);
	ck_assert(!wasi_module_uses(m));
	wasm_module_free(m);
}
END_TEST

static Suite *wasi_suite(void)
{
	Suite *s = suite_create("wasi");

	TCase *core = tcase_create("core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_test(core, capture_within_cap);
	tcase_add_test(core, stdin_buffer);
	tcase_add_test(core, run_start_exit);
	tcase_add_test(core, config_tree);
	tcase_add_test(core, config_tree_large);
	suite_add_tcase(s, core);

	TCase *limits = tcase_create("limits");
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(limits, capture_over_cap);
	tcase_add_test(limits, capture_empty_writes);
	tcase_add_test(limits, capture_many_writes);
	suite_add_tcase(s, limits);

	TCase *errors = tcase_create("errors");
	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(errors, config_errors);
	tcase_add_test(errors, link_names_exact);
	suite_add_tcase(s, errors);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wasi_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
