/* check_snapshot.c -- copy-on-write instantiation (wasm_snapshot_take,
 * wasm_instance_new_from): an instance made from a snapshot is the one the
 * usual instantiation makes (memory byte for byte, globals, tables,
 * segments), its writes stay its own, memory.grow past the mapping gives
 * zero pages, a memory given back after a mapping comes out zeroed, and
 * what may not be snapshot is refused. */
#include "testlib.h"
#include "wasm.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FILE_BYTES (8u << 20)

/* A start function that changes a global and memory and grows it, an
 * element segment, active and passive data, one segment far out. */
static const char counter_wat[] =
	"(module\n"
	"  (type $t (func (result i32)))\n"
	"  (memory 2 10)\n"
	"  (global $g (mut i32) (i32.const 5))\n"
	"  (global $h (mut i64) (i64.const 7))\n"
	"  (table 4 funcref)\n"
	"  (elem (i32.const 1) $a $b)\n"
	"  (data (i32.const 100) \"hello\")\n"
	"  (data (i32.const 70000) \"world\")\n"
	"  (data $p \"passive\")\n"
	"  (func $a (result i32) (i32.const 11))\n"
	"  (func $b (result i32) (i32.const 22))\n"
	"  (func $start\n"
	"    (global.set $g (i32.add (global.get $g) (i32.const 1)))\n"
	"    (i32.store (i32.const 200) (i32.const 0x1234))\n"
	"    (drop (memory.grow (i32.const 1))))\n"
	"  (start $start)\n"
	"  (func (export \"g\") (result i32) (global.get $g))\n"
	"  (func (export \"h\") (result i64) (global.get $h))\n"
	"  (func (export \"load\") (param i32) (result i32)\n"
	"    (i32.load (local.get 0)))\n"
	"  (func (export \"store\") (param i32 i32)\n"
	"    (i32.store (local.get 0) (local.get 1)))\n"
	"  (func (export \"call\") (param i32) (result i32)\n"
	"    (call_indirect (type $t) (local.get 0)))\n"
	"  (func (export \"size\") (result i32) (memory.size))\n"
	"  (func (export \"grow\") (param i32) (result i32)\n"
	"    (memory.grow (local.get 0)))\n"
	"  (func (export \"init\")\n"
	"    (memory.init $p (i32.const 300) (i32.const 0) (i32.const 7)))\n"
	"  (func (export \"setg\") (param i32) (global.set $g (local.get 0))))\n";

static wasm_engine *engine;
static wasm_module *module;
static int fd = -1;

static void setup(void)
{
	size_t len;
	uint8_t *bytes = wat(counter_wat, &len);
	wasm_error err;

	engine = wasm_engine_new(NULL);
	ck_assert_ptr_nonnull(engine);
	ck_assert_int_eq(wasm_module_load(engine, bytes, len, &module, &err),
		WASM_OK);
	free(bytes);
	fd = memfd_create("check-snapshot", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, FILE_BYTES), 0);
}

static void teardown(void)
{
	wasm_module_free(module);
	wasm_engine_free(engine);
	close(fd);
}

static wasm_snapshot_file file_of(uintptr_t end_max)
{
	return (wasm_snapshot_file){ .fd = fd, .fd_bytes = FILE_BYTES,
		.map_end_max = end_max };
}

static int64_t call(wasm_store *s, wasm_instance *in, const char *fn,
	int nargs, int32_t a, int32_t b)
{
	wasm_value args[2] = { { .type = WASM_I32, .of.i32 = a },
		{ .type = WASM_I32, .of.i32 = b } };
	wasm_value *res = NULL;
	uint32_t nres = 0;
	wasm_error err;

	ck_assert_msg(wasm_instance_call(s, in, fn, args, (size_t)nargs, &res,
		&nres, &err) == WASM_OK, "%s: %s", fn, err.message);
	int64_t v = nres ? (res[0].type == WASM_I64 ? res[0].of.i64 :
		res[0].of.i32) : 0;
	free(res);
	return v;
}

static wasm_snapshot *snapshot_make(uintptr_t end_max)
{
	wasm_store *s = wasm_store_new(engine);
	wasm_instance *in;
	wasm_snapshot *snap;
	wasm_error err;
	wasm_snapshot_file f = file_of(end_max);

	ck_assert_int_eq(wasm_instance_new(s, module, NULL, 0, &in, &err),
		WASM_OK);
	ck_assert_msg(wasm_snapshot_take(in, &f, &snap, &err) == WASM_OK,
		"%s", err.message);
	ck_assert_uint_eq(wasm_snapshot_memory_pages(snap), 3);
	/* The snapshot does not depend on the instance it was taken of. */
	call(s, in, "store", 2, 100, 99);
	wasm_store_free(s);
	return snap;
}

/* Everything a call can see of an instance just made. */
static void check_fresh(wasm_store *s, wasm_instance *in)
{
	ck_assert_int_eq(call(s, in, "g", 0, 0, 0), 6);
	ck_assert_int_eq(call(s, in, "h", 0, 0, 0), 7);
	ck_assert_int_eq(call(s, in, "size", 0, 0, 0), 3);
	ck_assert_int_eq(call(s, in, "load", 1, 100, 0), 0x6c6c6568);
	ck_assert_int_eq(call(s, in, "load", 1, 70000, 0), 0x6c726f77);
	ck_assert_int_eq(call(s, in, "load", 1, 200, 0), 0x1234);
	ck_assert_int_eq(call(s, in, "call", 1, 1, 0), 11);
	ck_assert_int_eq(call(s, in, "call", 1, 2, 0), 22);
	call(s, in, "init", 0, 0, 0);   /* the passive segment is there */
	ck_assert_int_eq(call(s, in, "load", 1, 300, 0), 0x73736170);
}

START_TEST(snapshot_equals_instantiation)
{
	wasm_snapshot *snap = snapshot_make(0);
	wasm_store *sa = wasm_store_new(engine), *sb = wasm_store_new(engine);
	wasm_instance *a, *b;
	wasm_error err;

	ck_assert_int_eq(wasm_instance_new(sa, module, NULL, 0, &a, &err),
		WASM_OK);
	ck_assert_int_eq(wasm_instance_new_from(sb, module, NULL, 0, snap, &b,
		&err), WASM_OK);
	/* Byte for byte, before any call. */
	wasm_memory *ma = wasm_instance_memory(a), *mb = wasm_instance_memory(b);
	ck_assert_uint_eq(wasm_memory_size_bytes(ma), wasm_memory_size_bytes(mb));
	ck_assert_int_eq(memcmp(wasm_memory_data(ma), wasm_memory_data(mb),
		wasm_memory_size_bytes(ma)), 0);
	check_fresh(sa, a);
	check_fresh(sb, b);
	/* A null table slot traps the same way in both. */
	wasm_value arg = { .type = WASM_I32, .of.i32 = 0 };
	wasm_value *res;
	uint32_t nres;
	ck_assert_int_eq(wasm_instance_call(sb, b, "call", &arg, 1, &res, &nres,
		&err), WASM_ERR_TRAP);
	ck_assert_int_eq(err.trap, WASM_TRAP_UNINITIALIZED_ELEMENT);
	wasm_store_free(sa);
	wasm_store_free(sb);
	wasm_snapshot_free(snap);
}
END_TEST

START_TEST(snapshot_writes_stay_private)
{
	wasm_snapshot *snap = snapshot_make(0);
	for (int round = 0; round < 3; round++) {
		wasm_store *s = wasm_store_new(engine);
		wasm_instance *in;
		wasm_error err;
		ck_assert_int_eq(wasm_instance_new_from(s, module, NULL, 0, snap,
			&in, &err), WASM_OK);
		check_fresh(s, in);   /* nothing of the last round */
		call(s, in, "store", 2, 100, 99);
		call(s, in, "store", 2, 70000, 98);
		call(s, in, "setg", 1, 1000, 0);
		ck_assert_int_eq(call(s, in, "load", 1, 100, 0), 99);
		/* Past the snapshot's pages: fresh zero pages. */
		ck_assert_int_eq(call(s, in, "grow", 1, 2, 0), 3);
		ck_assert_int_eq(call(s, in, "size", 0, 0, 0), 5);
		ck_assert_int_eq(call(s, in, "load", 1, 4 * 65536 + 8, 0), 0);
		call(s, in, "store", 2, 4 * 65536 + 8, 7);
		ck_assert_int_eq(call(s, in, "load", 1, 4 * 65536 + 8, 0), 7);
		wasm_store_free(s);
	}
	/* A memory given back after a mapping is reused zeroed. */
	wasm_store *s = wasm_store_new(engine);
	wasm_memory *mem = wasm_memory_new(s, (wasm_limits){ .min = 5 });
	ck_assert_ptr_nonnull(mem);
	const uint8_t *p = wasm_memory_data(mem);
	for (size_t off = 0; off < 5 * 65536; off++)
		ck_assert_uint_eq(p[off], 0);
	wasm_store_free(s);
	wasm_snapshot_free(snap);
}
END_TEST

/* A reservation outside the file's window: the usual way, same result. */
START_TEST(snapshot_falls_back)
{
	wasm_snapshot *snap = snapshot_make(0);
	wasm_snapshot_file low = file_of(4096);
	wasm_store *s = wasm_store_new(engine);
	wasm_instance *in;
	wasm_snapshot *none;
	wasm_error err;

	/* Taking one there is refused. */
	ck_assert_int_eq(wasm_instance_new(s, module, NULL, 0, &in, &err),
		WASM_OK);
	ck_assert_int_eq(wasm_snapshot_take(in, &low, &none, &err),
		WASM_ERR_LIMIT);
	wasm_store_free(s);
	wasm_snapshot_free(snap);
	snap = NULL;
	/* A snapshot whose window the next reservation misses. */
	int fd2 = memfd_create("check-snapshot-2", MFD_CLOEXEC);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(ftruncate(fd2, FILE_BYTES), 0);
	s = wasm_store_new(engine);
	ck_assert_int_eq(wasm_instance_new(s, module, NULL, 0, &in, &err),
		WASM_OK);
	uintptr_t base = (uintptr_t)wasm_memory_data(wasm_instance_memory(in));
	wasm_snapshot_file f = { .fd = fd2, .fd_bytes = FILE_BYTES,
		.map_end_max = base + 3 * 65536 };
	ck_assert_int_eq(wasm_snapshot_take(in, &f, &snap, &err), WASM_OK);
	/* The reservation in use stays taken: the next one lies elsewhere,
	 * outside the window. */
	wasm_store *s2 = wasm_store_new(engine);
	wasm_instance *in2;
	ck_assert_int_eq(wasm_instance_new_from(s2, module, NULL, 0, snap,
		&in2, &err), WASM_OK);
	ck_assert_uint_ne((uintptr_t)wasm_memory_data(
		wasm_instance_memory(in2)), base);
	check_fresh(s2, in2);
	wasm_store_free(s2);
	wasm_store_free(s);
	wasm_snapshot_free(snap);
	close(fd2);
}
END_TEST

static wasm_status host_nop(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	(void)ctx;
	(void)env;
	(void)slots;
	return WASM_OK;
}

START_TEST(snapshot_refusals)
{
	/* A start function that may call the host. */
	static const char host_start[] =
		"(module (import \"env\" \"f\" (func $f))\n"
		"  (func $s (call $f)) (start $s) (memory 1))\n";
	size_t len;
	uint8_t *bytes = wat(host_start, &len);
	wasm_module *m;
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(engine, bytes, len, &m, &err),
		WASM_OK);
	free(bytes);
	wasm_store *s = wasm_store_new(engine);
	wasm_functype t = { 0, 0, NULL, NULL };
	wasm_extern imp = { .kind = WASM_EXTERN_FUNC };
	imp.of.func = wasm_func_new_host(s, &t, host_nop, NULL);
	ck_assert_ptr_nonnull(imp.of.func);
	wasm_instance *hi;
	wasm_snapshot *none;
	wasm_snapshot_file f = file_of(0);
	ck_assert_int_eq(wasm_instance_new(s, m, &imp, 1, &hi, &err), WASM_OK);
	ck_assert_int_eq(wasm_snapshot_take(hi, &f, &none, &err),
		WASM_ERR_UNSUPPORTED);
	wasm_store_free(s);
	wasm_module_free(m);

	/* Another module's snapshot. */
	wasm_snapshot *snap = snapshot_make(0);
	bytes = wat("(module (memory 1))", &len);
	ck_assert_int_eq(wasm_module_load(engine, bytes, len, &m, &err),
		WASM_OK);
	free(bytes);
	s = wasm_store_new(engine);
	wasm_instance *in;
	ck_assert_int_eq(wasm_instance_new_from(s, m, NULL, 0, snap, &in,
		&err), WASM_ERR_ARG);
	wasm_store_free(s);
	wasm_module_free(m);
	wasm_snapshot_free(snap);
}
END_TEST

static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *core = tcase_create("core");
	tcase_add_checked_fixture(core, setup, teardown);
	tcase_set_timeout(core, 60);
	tcase_add_test(core, snapshot_equals_instantiation);
	tcase_add_test(core, snapshot_writes_stay_private);
	tcase_add_test(core, snapshot_falls_back);
	tcase_add_test(core, snapshot_refusals);
	suite_add_tcase(s, core);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(snapshot_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
