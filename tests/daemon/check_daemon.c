/* check_daemon.c -- Check suite for wasmhostd's own pieces: SHA-256 (FIPS
 * 180-4 / NIST test vectors), the answer writer (UTF-8 repair, base64,
 * values), argument conversion, ids and the configuration file. */
#include "config.h"
#include "http.h"
#include "json.h"
#include "sha256.h"
#include "store.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- sha256 ------------------------------------------------------------------- */

static const struct {
	const char *msg;
	const char *hex;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "The quick brown fox jumps over the lazy dog",
	  "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
};

START_TEST(sha256_vectors)
{
	char hex[SHA256_HEX_BYTES];
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		sha256_hex(vectors[i].msg, strlen(vectors[i].msg), hex);
		ck_assert_str_eq(hex, vectors[i].hex);
	}
}
END_TEST

START_TEST(sha256_million_a)
{
	sha256_ctx c;
	uint8_t d[SHA256_BYTES], chunk[1000];
	char hex[SHA256_HEX_BYTES];

	memset(chunk, 'a', sizeof chunk);
	sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		sha256_update(&c, chunk, sizeof chunk);
	sha256_final(&c, d);
	sha256_to_hex(d, hex);
	ck_assert_str_eq(hex,
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* Every split of a message across two updates gives the same digest, and
 * lengths around the 55/56/64-byte padding edges are right. */
START_TEST(sha256_splits)
{
	uint8_t msg[200], whole[SHA256_BYTES], parts[SHA256_BYTES];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 50; len <= 130; len++) {
		sha256(msg, len, whole);
		for (size_t cut = 0; cut <= len; cut += 5) {
			sha256_ctx c;
			sha256_init(&c);
			sha256_update(&c, msg, cut);
			sha256_update(&c, NULL, 0);
			sha256_update(&c, msg + cut, len - cut);
			sha256_final(&c, parts);
			ck_assert_mem_eq(whole, parts, SHA256_BYTES);
		}
	}
}
END_TEST

/* ---- writer ------------------------------------------------------------------- */

static char *text_json(const char *bytes, size_t len)
{
	jw w;
	size_t n;
	jw_init(&w);
	jw_text(&w, (const uint8_t *)bytes, len);
	return jw_take(&w, &n);
}

START_TEST(utf8_repair)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "a\"b\\c\n\t\x01", 8, "\"a\\\"b\\\\c\\n\\t\\u0001\"" },
		{ "\xc3\xa9", 2, "\"\xc3\xa9\"" },                 /* é */
		{ "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },  /* U+1F600 */
		{ "a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\"" },
		{ "\xe2\x82", 2, "\"\xef\xbf\xbd\"" },             /* cut: one */
		{ "\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },  /* overlong */
		{ "\xed\xa0\x80", 3,                                /* surrogate */
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xf4\x90\x80\x80", 4,                            /* > U+10FFFF */
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "x\0y", 3, "\"x\\u0000y\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *j = text_json(cases[i].in, cases[i].len);
		ck_assert_str_eq(j, cases[i].out);
		free(j);
	}
}
END_TEST

START_TEST(base64_round_trip)
{
	uint8_t data[64], *back;
	size_t n, blen;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(255 - i * 3);
	for (size_t len = 0; len <= sizeof data; len++) {
		jw w;
		jw_init(&w);
		jw_base64(&w, data, len);
		char *s = jw_take(&w, &n);
		ck_assert_int_eq(n, (len + 2) / 3 * 4 + 2);
		ck_assert(base64_decode(s + 1, n - 2, &back, &blen));
		ck_assert_uint_eq(blen, len);
		if (len)
			ck_assert_mem_eq(back, data, len);
		free(back);
		free(s);
	}
	ck_assert(!base64_decode("a", 1, &back, &blen));
	ck_assert(!base64_decode("ab c", 4, &back, &blen));
	ck_assert(base64_decode("-_8", 3, &back, &blen));   /* URL-safe */
	ck_assert_uint_eq(blen, 2);
	free(back);
}
END_TEST

START_TEST(writer_shapes)
{
	jw w;
	size_t n;
	wasm_value v = { .type = WASM_I64, .of.i64 = INT64_MIN };
	jw_init(&w);
	jw_obj_open(&w);
	jw_key(&w, "a");
	jw_arr_open(&w);
	jw_int(&w, -1);
	jw_value(&w, &v);
	v.type = WASM_F64;
	v.of.f64_bits = 0x7ff0000000000000ull;
	jw_value(&w, &v);
	v.of.f64_bits = 0x3fb999999999999aull;   /* 0.1 */
	jw_value(&w, &v);
	v.type = WASM_F32;
	v.of.f32_bits = 0xffc00001u;
	jw_value(&w, &v);
	jw_arr_close(&w);
	jw_key(&w, "b");
	jw_bool(&w, false);
	jw_key(&w, "c");
	jw_null(&w);
	jw_obj_close(&w);
	char *s = jw_take(&w, &n);
	ck_assert_str_eq(s, "{\"a\":[-1,\"-9223372036854775808\",\"inf\",0.1,"
		"\"-nan:0x400001\"],\"b\":false,\"c\":null}");
	free(s);
}
END_TEST

/* ---- arguments ---------------------------------------------------------------- */

static bool conv(const char *json, wasm_valtype t, wasm_value *out)
{
	char why[200];
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	ck_assert_ptr_nonnull(v);
	bool ok = json_to_value(v, t, out, why, sizeof why);
	json_decref(v);
	return ok;
}

START_TEST(args_convert)
{
	wasm_value v;
	ck_assert(conv("4294967295", WASM_I32, &v) && v.of.i32 == -1);
	ck_assert(conv("-2147483648", WASM_I32, &v) && v.of.i32 == INT32_MIN);
	ck_assert(!conv("4294967296", WASM_I32, &v));
	ck_assert(!conv("1.5", WASM_I32, &v));
	ck_assert(conv("\"0x10\"", WASM_I32, &v) && v.of.i32 == 16);
	ck_assert(conv("\"18446744073709551615\"", WASM_I64, &v) &&
		v.of.i64 == -1);
	ck_assert(conv("9007199254740993", WASM_I64, &v) &&
		v.of.i64 == 9007199254740993LL);
	ck_assert(conv("\"nan:0x1\"", WASM_F32, &v) &&
		v.of.f32_bits == 0x7f800001u);
	ck_assert(conv("\"-inf\"", WASM_F64, &v) &&
		v.of.f64_bits == 0xfff0000000000000ull);
	ck_assert(conv("3", WASM_F64, &v) &&
		v.of.f64_bits == 0x4008000000000000ull);
	ck_assert(conv("null", WASM_EXTERNREF, &v) && v.of.ref == NULL);
	ck_assert(!conv("{}", WASM_F64, &v));
	ck_assert(!conv("true", WASM_I32, &v));
	ck_assert(!conv("\"1\"", WASM_V128, &v));
}
END_TEST

/* Float results keep their sign and bits through JSON both ways: what
 * jw_value writes, json_to_value reads back to the same bits (-0.0 was
 * written as -0, which JSON reads as the integer 0). */
START_TEST(floats_round_trip)
{
	static const struct { wasm_valtype t; uint64_t bits; const char *json; } cases[] = {
		{ WASM_F64, 0x8000000000000000ull, "-0.0" },
		{ WASM_F32, 0x80000000u, "-0.0" },
		{ WASM_F64, 0, "0" },
		{ WASM_F32, 0, "0" },
		{ WASM_F64, 0x0000000000000001ull, NULL },       /* denormal */
		{ WASM_F64, 0x7fefffffffffffffull, NULL },       /* max */
		{ WASM_F64, 0x4340000000000001ull, NULL },       /* 2^53 + 2 */
		{ WASM_F32, 0x00000001u, NULL },
		{ WASM_F32, 0x7f7fffffu, NULL },
		{ WASM_F32, 0x4b800001u, NULL },                 /* 2^24 + 2 */
		{ WASM_F32, 0xbf800000u, "-1" },
		{ WASM_F64, 0xfff8000000000000ull, "\"-nan\"" },
		{ WASM_F64, 0x7ff4000000000001ull, NULL },       /* signalling */
		{ WASM_F32, 0xff800000u, "\"-inf\"" },
		{ WASM_F32, 0x7fa00001u, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wasm_value v = { .type = cases[i].t }, back;
		if (cases[i].t == WASM_F32)
			v.of.f32_bits = (uint32_t)cases[i].bits;
		else
			v.of.f64_bits = cases[i].bits;
		jw w;
		size_t n;
		jw_init(&w);
		jw_arr_open(&w);
		jw_value(&w, &v);
		jw_arr_close(&w);
		char *s = jw_take(&w, &n);
		/* as the daemon reads an invoke document */
		json_t *doc = json_loads(s, 0, NULL);
		ck_assert_msg(doc != NULL, "%s is not JSON", s);
		char why[200];
		ck_assert(json_to_value(json_array_get(doc, 0), cases[i].t, &back,
			why, sizeof why));
		uint64_t got = cases[i].t == WASM_F32 ? back.of.f32_bits : back.of.f64_bits;
		ck_assert_msg(got == cases[i].bits, "%llx written as %s, read back "
			"as %llx", (unsigned long long)cases[i].bits, s,
			(unsigned long long)got);
		if (cases[i].json) {
			char want[64];
			snprintf(want, sizeof want, "[%s]", cases[i].json);
			ck_assert_str_eq(s, want);
		}
		json_decref(doc);
		free(s);
	}
	/* and from clients: -0.0 and "-0" keep the sign */
	wasm_value v;
	ck_assert(conv("-0.0", WASM_F64, &v) && v.of.f64_bits == 0x8000000000000000ull);
	ck_assert(conv("-0.0", WASM_F32, &v) && v.of.f32_bits == 0x80000000u);
	ck_assert(conv("\"-0\"", WASM_F64, &v) && v.of.f64_bits == 0x8000000000000000ull);
	ck_assert(conv("-0e0", WASM_F32, &v) && v.of.f32_bits == 0x80000000u);
}
END_TEST

START_TEST(ids)
{
	ck_assert(wh_id_valid(vectors[0].hex));
	ck_assert(!wh_id_valid(""));
	ck_assert(!wh_id_valid("../../etc/passwd"));
	ck_assert(!wh_id_valid("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
	char longer[80];
	snprintf(longer, sizeof longer, "%s0", vectors[0].hex);
	ck_assert(!wh_id_valid(longer));
}
END_TEST

/* Node names: the key node_name, and the tag in front of an instance id
 * ("NODE~i-HEX", api_instance_id_valid), which is not NUL-terminated. */
START_TEST(node_names)
{
	char name[WH_NODE_NAME_MAX + 2];

	ck_assert(wh_node_name_ok("node-1.example:8080_a"));
	ck_assert(!wh_node_name_ok(""));
	ck_assert(!wh_node_name_ok("a~b"));
	ck_assert(!wh_node_name_ok("a b"));
	ck_assert(!wh_node_name_ok("a/b"));
	memset(name, 'n', sizeof name - 1);
	name[WH_NODE_NAME_MAX] = '\0';
	ck_assert(wh_node_name_ok(name));
	name[WH_NODE_NAME_MAX] = 'n';
	name[WH_NODE_NAME_MAX + 1] = '\0';
	ck_assert(!wh_node_name_ok(name));
	const char *iid = "node1~i-00112233445566778899aabbccddeeff";
	ck_assert(wh_node_name_ok_len(iid, 5));
	ck_assert(!wh_node_name_ok_len(iid, 6));   /* the '~' */
	ck_assert(!wh_node_name_ok_len(iid, 0));
	ck_assert(wh_node_name_ok_len(name, WH_NODE_NAME_MAX));
	ck_assert(!wh_node_name_ok_len(name, WH_NODE_NAME_MAX + 1));
}
END_TEST

/* ---- configuration -------------------------------------------------------------- */

static bool load(const char *text, wh_config *c, char *err, unsigned len)
{
	char path[] = "/tmp/check_daemon.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	wh_flags f = { .config_path = path, .state_dir = "/tmp/x" };
	bool ok = wh_config_load(&f, c, err, len);
	unlink(path);
	return ok;
}

START_TEST(config_files)
{
	wh_config c;
	char err[512];

	ck_assert(load("{}", &c, err, sizeof err));
	ck_assert_str_eq(c.listen, "127.0.0.1:8080");
	ck_assert_uint_eq(c.limits.concurrency, 64);
	ck_assert_uint_eq(c.ntenants, 0);
	wh_config_free(&c);

	ck_assert(load("{\"limits\":{\"timeout_ms\":500},\"tenants\":{\"a\":"
		"{\"token_sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
		"934ca495991b7852b855\",\"limits\":{\"modules\":3}}},"
		"\"listen\":\"0.0.0.0:1\"}", &c, err, sizeof err));
	ck_assert_uint_eq(c.ntenants, 1);
	ck_assert_uint_eq(c.tenants[0].limits.timeout_ms, 500);  /* inherited */
	ck_assert_uint_eq(c.tenants[0].limits.modules, 3);
	ck_assert_uint_eq(c.tenants[0].token_sha256[0], 0xe3);
	wh_config_free(&c);

	ck_assert(!load("{\"listen\":\"0.0.0.0:1\"}", &c, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "loopback"));
	ck_assert(!load("{\"limits\":{\"concurrency\":0}}", &c, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "limits.concurrency"));
	ck_assert(!load("{\"workers\":{\"max\":true}}", &c, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "workers.max"));
	/* (the sandbox would have made it half of workers.max, silently) */
	ck_assert(!load("{\"workers\":{\"max\":8,\"max_instances\":9}}", &c,
		err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "workers.max_instances (9)"));
	ck_assert(load("{\"workers\":{\"max\":8,\"max_instances\":8}}", &c,
		err, sizeof err));
	ck_assert_uint_eq(c.max_instances, 8);
	wh_config_free(&c);
	ck_assert(!load("{\"listen\":\"127.0.0.1\"}", &c, err, sizeof err));
	ck_assert(!load("{\"listen\":\"127.0.0.1:99999\"}", &c, err, sizeof err));
	ck_assert(!load("{\"a\":1,\"a\":2}", &c, err, sizeof err));
	ck_assert(load("{\"listen\":\"[::1]:0\"}", &c, err, sizeof err));
	wh_config_free(&c);
}
END_TEST

/* ---- the store shared by two daemons ------------------------------------------ */

/* Two stores on one folder stand for two daemons sharing a volume. */
static char store_dir[] = "/tmp/check_store.XXXXXX";

static sb_result *fake_inspect(void)
{
	static sb_extern ex = { .name = "f", .name_len = 1,
		.kind = WASM_EXTERN_FUNC };
	static sb_result r;
	r.nexports = 1;
	r.exports = &ex;
	return &r;
}

/* Module n's bytes (any bytes: the store does not parse them) and id. */
static void fake_module(unsigned n, uint8_t bytes[16], char id[SHA256_HEX_BYTES])
{
	memset(bytes, 0, 16);
	snprintf((char *)bytes, 16, "module %u", n);
	sha256_hex(bytes, 16, id);
}

static wh_store_status put(wh_store *s, unsigned n, uint32_t max)
{
	uint8_t b[16];
	char id[SHA256_HEX_BYTES], err[256];
	wh_module *m = NULL;
	fake_module(n, b, id);
	wh_store_status st = wh_store_put(s, "t", id, b, sizeof b,
		fake_inspect(), NULL, NULL, max, &m, err, sizeof err);
	wh_module_unref(m);
	return st;
}

static unsigned files_named(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

struct racer {
	wh_store *s;
	wh_store_status st;
};

static void *race_put(void *arg)
{
	struct racer *r = arg;
	r->st = put(r->s, 99, 1000);
	return NULL;
}

START_TEST(store_shared)
{
	wh_store *a, *b;
	char err[256], id[SHA256_HEX_BYTES], tdir[128];
	uint8_t bytes[16];

	ck_assert_ptr_nonnull(mkdtemp(store_dir));
	ck_assert_int_eq(wh_store_open(store_dir, 3600, &a, err, sizeof err),
		WH_STORE_OK);
	ck_assert_int_eq(wh_store_open(store_dir, 3600, &b, err, sizeof err),
		WH_STORE_OK);
	snprintf(tdir, sizeof tdir, "%s/tenants/t", store_dir);

	/* Stored through A: B serves it at once, and refuses it again. */
	ck_assert_int_eq(put(a, 1, 1000), WH_STORE_OK);
	fake_module(1, bytes, id);
	wh_module *m = wh_store_find(b, "t", id);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->nfuncs, 1);
	wh_module_unref(m);
	ck_assert_int_eq(put(b, 1, 1000), WH_STORE_EXISTS);
	ck_assert_uint_eq(wh_store_count(b, "t"), 1);

	/* Deleted through A: B sees it at once. */
	ck_assert_int_eq(wh_store_delete(a, "t", id, err, sizeof err),
		WH_STORE_OK);
	ck_assert_ptr_null(wh_store_find(b, "t", id));
	ck_assert_int_eq(wh_store_delete(b, "t", id, err, sizeof err),
		WH_STORE_NOT_FOUND);

	/* One module stored by eight threads of two stores: one copy. */
	struct racer r[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		r[i].s = i % 2 ? b : a;
		ck_assert_int_eq(pthread_create(&th[i], NULL, race_put, &r[i]), 0);
	}
	unsigned stored = 0, exists = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		stored += r[i].st == WH_STORE_OK;
		exists += r[i].st == WH_STORE_EXISTS;
	}
	ck_assert_uint_eq(stored, 1);
	ck_assert_uint_eq(exists, 7);
	fake_module(99, bytes, id);
	ck_assert_uint_eq(files_named(tdir, id), 2);     /* .wasm, .json */
	ck_assert_uint_eq(files_named(tdir, ".tmp."), 0);
	ck_assert_int_eq(wh_store_delete(b, "t", id, err, sizeof err),
		WH_STORE_OK);

	/* The quota counts both stores' modules. */
	ck_assert_int_eq(put(a, 2, 3), WH_STORE_OK);
	ck_assert_int_eq(put(b, 3, 3), WH_STORE_OK);
	ck_assert_int_eq(put(a, 4, 3), WH_STORE_OK);
	ck_assert_int_eq(put(b, 5, 3), WH_STORE_QUOTA);
	ck_assert_uint_eq(wh_store_count(a, "t"), 3);

	/* Pages through B of modules stored through A: every one once, in
	 * (created, id) order, with a delete in the middle of the walk. */
	for (unsigned n = 10; n < 35; n++)
		ck_assert_int_eq(put(a, n, 1000), WH_STORE_OK);
	char after_c[32] = "", after_id[SHA256_HEX_BYTES] = "";
	unsigned seen = 0, pages = 0;
	bool more = true;
	while (more) {
		wh_module **list;
		size_t n;
		ck_assert(wh_store_list_page(b, "t", after_c,
			after_id[0] ? after_id : NULL, 7, &list, &n, &more));
		for (size_t i = 0; i < n; i++) {
			int c = strcmp(list[i]->created, after_c);
			ck_assert(c > 0 || (c == 0 && strcmp(list[i]->id, after_id) > 0));
			snprintf(after_c, sizeof after_c, "%s", list[i]->created);
			snprintf(after_id, sizeof after_id, "%s", list[i]->id);
		}
		seen += (unsigned)n;
		pages++;
		if (pages == 2)   /* the last one seen goes: the place holds */
			ck_assert_int_eq(wh_store_delete(a, "t", after_id, err,
				sizeof err), WH_STORE_OK);
		wh_store_list_free(list, n);
	}
	ck_assert_uint_eq(seen, 28);
	ck_assert_uint_eq(pages, 4);

	/* A third daemon starting removes a dead writer's temporary file,
	 * not a live one's. */
	char host[64] = "", live[256], dead[256];
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(live, sizeof live, "%s/.tmp.x.wasm.%ld.1@%s", tdir,
		(long)getpid(), host);
	snprintf(dead, sizeof dead, "%s/.tmp.x.wasm.%ld.2@%s", tdir,
		(long)gone, host);
	FILE *f = fopen(live, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(dead, "w"));
	fclose(f);
	wh_store *c;
	ck_assert_int_eq(wh_store_open(store_dir, 3600, &c, err, sizeof err),
		WH_STORE_OK);
	ck_assert_int_eq(access(live, F_OK), 0);
	ck_assert_int_ne(access(dead, F_OK), 0);
	ck_assert_uint_eq(wh_store_total(c), 27);
	unlink(live);

	wh_store_close(a);
	wh_store_close(b);
	wh_store_close(c);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", store_dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The strict head reader: each case a head (C string with its length,
 * so NULs count), what it reads to and, when refused, the status. */
START_TEST(http_heads)
{
	static const struct {
		const char *bytes;
		size_t len;
		http_head_status want;
		unsigned status;
	} cases[] = {
#define C(s, w, st) { s, sizeof s - 1, w, st }
		C("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", HTTP_HEAD_OK, 0),
		C("\r\nGET / HTTP/1.0\n\n", HTTP_HEAD_OK, 0),
		C("GET /healthz HTTP/1.1\r\nHost: x\r\n", HTTP_HEAD_MORE, 0),
		C("GE", HTTP_HEAD_MORE, 0),
		C("\x16\x03\x01\x02\x00", HTTP_HEAD_NOT_HTTP, 0),
		C("\r\n\r\n\r\n\r\n\r\n\r\n", HTTP_HEAD_NOT_HTTP, 0),
		C("GET /healthz HTTP/2.0\r\n", HTTP_HEAD_REFUSED, 505),
		C("GET /healthz\r\n\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET  / HTTP/1.1\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET /a\x7f HTTP/1.1\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET /\0x HTTP/1.1\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET / HTTP/1.1\r\nHost: x\r\nX-A : b\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET / HTTP/1.1\r\nHost: x\r\n b\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET / HTTP/1.1\r\nHost: x\r\nX\rY: b\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\0\r\n",
			HTTP_HEAD_REFUSED, 401),
		C("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\0c\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET / HTTP/1.1\r\n\r\n", HTTP_HEAD_REFUSED, 400),
		C("GET / HTTP/1.0\r\n\r\n", HTTP_HEAD_OK, 0),
		C("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
			HTTP_HEAD_REFUSED, 400),
		C("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
			"18446744073709551615\r\n\r\n", HTTP_HEAD_OK, 0),
		C("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
			"18446744073709551616\r\n\r\n", HTTP_HEAD_REFUSED, 413),
		C("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
			"Transfer-Encoding: chunked\r\n\r\n", HTTP_HEAD_REFUSED, 400),
		C("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
			HTTP_HEAD_REFUSED, 501),
		C("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  Chunked \r\n"
			"\r\n", HTTP_HEAD_OK, 0),
#undef C
	};
	http_head h;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&h, 0, sizeof h);
		http_head_status st = http_head_read(cases[i].bytes,
			cases[i].len, 4096, &h);
		/* The same bytes a few at a time: the same answer. */
		http_head h2;
		http_head_status st2 = HTTP_HEAD_MORE;
		memset(&h2, 0, sizeof h2);
		for (size_t n = 3; st2 == HTTP_HEAD_MORE; n += 3) {
			st2 = http_head_read(cases[i].bytes, n < cases[i].len ?
				n : cases[i].len, 4096, &h2);
			if (n >= cases[i].len)
				break;
		}
		ck_assert_msg(st2 == st, "case %zu in pieces: %d", i, st2);
		ck_assert_msg(st == cases[i].want, "case %zu: %d", i, st);
		if (st == HTTP_HEAD_REFUSED)
			ck_assert_msg(api_error_status(h.why.error) ==
				cases[i].status, "case %zu: %u", i,
				api_error_status(h.why.error));
		if (st == HTTP_HEAD_OK)
			ck_assert_uint_eq(h.head_len, cases[i].len);
	}
	/* No end within max_bytes: 414 inside the request line, else 431. */
	char big[600];
	memset(big, 'a', sizeof big);
	memcpy(big, "GET /", 5);
	memset(&h, 0, sizeof h);
	ck_assert_int_eq(http_head_read(big, sizeof big, 512, &h),
		HTTP_HEAD_REFUSED);
	ck_assert_uint_eq(api_error_status(h.why.error), 414);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	memset(&h, 0, sizeof h);
	ck_assert_int_eq(http_head_read(big, sizeof big, 512, &h),
		HTTP_HEAD_REFUSED);
	ck_assert_uint_eq(api_error_status(h.why.error), 431);
	/* The request line of a refused head is there for the access line. */
	const char *v = "PUT /x?q HTTP/9.9\r\n";
	memset(&h, 0, sizeof h);
	ck_assert_int_eq(http_head_read(v, strlen(v), 512, &h),
		HTTP_HEAD_REFUSED);
	ck_assert_int_eq((int)h.method_len, 3);
	ck_assert_int_eq((int)h.target_len, 4);
	/* Every error's status has a reason phrase (errors.h's two tables). */
	for (int e = 0; e < API_E_COUNT_; e++)
		ck_assert_str_ne(api_status_reason(api_error_status(
			(api_error)e)), "Unknown");
}
END_TEST

/* Random bytes, whole and in pieces, from an alphabet that makes heads
 * likely: the reader never reads past what it is given (ASan builds),
 * and reading in pieces gives the answer of reading whole. */
START_TEST(http_heads_random)
{
	static const char alphabet[] = "GET /h: \r\n\r\nHost:x\0\t1aZ\x16\x7f\x80";
	uint64_t x = 0x9e3779b97f4a7c15u;

	for (int round = 0; round < 20000; round++) {
		size_t len = 0;
		char *buf;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = (size_t)(x % 200);
		buf = malloc(len ? len : 1);   /* exactly len: ASan sees past it */
		ck_assert_ptr_nonnull(buf);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = alphabet[x % (sizeof alphabet - 1)];
		}
		if (round % 3 == 0 && len > 16)
			memcpy(buf, "GET / HTTP/1.1\r\n", 16);
		http_head whole, parts;
		memset(&whole, 0, sizeof whole);
		memset(&parts, 0, sizeof parts);
		http_head_status st = http_head_read(buf, len, 128, &whole);
		http_head_status sp = HTTP_HEAD_MORE;
		for (size_t n = 1; n <= len && sp == HTTP_HEAD_MORE; n += 7)
			sp = http_head_read(buf, n, 128, &parts);
		if (sp == HTTP_HEAD_MORE && len)
			sp = http_head_read(buf, len, 128, &parts);
		ck_assert_msg(sp == st, "round %d: %d whole, %d in pieces",
			round, st, sp);
		free(buf);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon");
	TCase *t = tcase_create("core");
	tcase_add_test(t, sha256_vectors);
	tcase_add_test(t, sha256_million_a);
	tcase_add_test(t, sha256_splits);
	tcase_add_test(t, utf8_repair);
	tcase_add_test(t, base64_round_trip);
	tcase_add_test(t, writer_shapes);
	tcase_add_test(t, args_convert);
	tcase_add_test(t, floats_round_trip);
	tcase_add_test(t, ids);
	tcase_add_test(t, node_names);
	tcase_add_test(t, config_files);
	tcase_add_test(t, store_shared);
	tcase_add_test(t, http_heads);
	tcase_add_test(t, http_heads_random);
	suite_add_tcase(s, t);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
