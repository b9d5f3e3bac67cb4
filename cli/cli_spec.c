/* cli_spec.c -- `wasmhost spec`: runs `wast2json` scripts against the
 * engine, linked directly (values are compared as values, never scraped
 * from text).
 *
 * One store per .json file; `register` makes an instance's exports
 * importable under a module name, and `spectest` is always there.  Each
 * assertion counts once; a module or action command that fails counts as a
 * failure.  Text-format modules (`module quote` in assert_malformed and
 * assert_invalid) are skipped;
 * skips are counted by reason (SPEC_SKIP_REASONS) and printed one line
 * each before the summary, so that a script can hold them to known numbers.
 *
 * Each file runs in a child process (unless --no-fork) so that an engine
 * crash or hang in one file is reported, and counted, as failures of that
 * file while the others still run.
 *
 * Traps: the script's text names the trap kind (spec_trap_texts); a trap
 * of another kind fails the assertion, and so does a text the table does
 * not know.  Errors: by default assert_malformed, assert_invalid and
 * assert_unlinkable pass on the kind of outcome they ask for (the load or
 * the link fails); the status their text implies is checked only with
 * --strict, and mismatches are shown with -v. */
#include "cli.h"
#include "spectest.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPEC_MAX_VALUES 256     /* arguments or results of one call */
#define SPEC_FILE_TIMEOUT_S 300 /* a file running longer is a hang */
#define SPEC_CALL_TIMEOUT_S 20  /* a call running longer traps (timeout) */

struct spec_opts {
	bool verbose;
	bool strict;
	bool fork;
	wasm_tier tier;
	uint32_t tier_threshold, opt_threshold;
	bool no_avx;
};

/* Why an assertion is skipped: X(REASON, name).  The summary prints
 * "skipped NAME: N" for each reason that occurred. */
#define SPEC_SKIP_REASONS(X)                                                \
	/* assert_malformed/assert_invalid on a text module (`module        \
	 * quote`): there is no text parser to give it to */                \
	X(TEXT_MODULE, "text-module")

enum spec_skip {
#define X(reason, name) SKIP_##reason,
	SPEC_SKIP_REASONS(X)
#undef X
	SKIP_COUNT_
};

static const char *const spec_skip_names[SKIP_COUNT_] = {
#define X(reason, name) [SKIP_##reason] = name,
	SPEC_SKIP_REASONS(X)
#undef X
};

/* Counts of one file; in shared memory when the file runs in a child. */
struct spec_counts {
	uint64_t passed, failed, skipped;
	uint64_t skipped_by[SKIP_COUNT_];       /* sums to skipped */
	/* per JIT tier: functions it compiled and refused, over the file's
	 * modules (the summary's "compiled TIER: N, refused M" lines) */
	uint64_t compiled[WASM_TIER_COUNT], refused[WASM_TIER_COUNT];
	int64_t cmd_index;      /* command being run, for crash reports */
	int64_t line;
};

struct binding {
	char *name;
	wasm_instance *inst;
};

struct spec_ctx {
	const struct spec_opts *opts;
	const char *json_path;
	char *dir;                      /* directory of json_path, with '/' */
	wasm_engine *engine;
	wasm_store *store;
	spectest *st;
	wasm_instance *current;
	struct binding *names;          /* "$M" module names */
	size_t nnames, cap_names;
	struct binding *regs;           /* `register ... as` */
	size_t nregs, cap_regs;
	wasm_module **mods;             /* freed after the store */
	size_t nmods, cap_mods;
	struct spec_counts *counts;
	int64_t line;
};

/* An expected result: a value or a pattern. */
enum expect_how { EX_EXACT, EX_NAN_CANONICAL, EX_NAN_ARITHMETIC, EX_NONNULL };

struct expect {
	wasm_value v;
	enum expect_how how;
	/* v128: the lane width the script wrote (bytes: 1, 2, 4, 8), whether
	 * its lanes are floats, and each lane's pattern (EX_EXACT or a NaN) */
	uint8_t lane_bytes;
	bool lane_float;
	uint8_t lane_how[16];
};

enum { VAL_OK, VAL_BAD };

/* Seconds since the child started, bumped by SIGALRM once a second.  Each
 * command gets a deadline SPEC_CALL_TIMEOUT_S ticks ahead, so a loop that
 * never ends fails one assertion; past SPEC_FILE_TIMEOUT_S the child ends
 * itself by SIGALRM (the engine may be stuck outside wasm code). */
static volatile uint64_t spec_epoch;

/* ---- reporting -------------------------------------------------------- */

static void fail(struct spec_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct spec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	printf("%s:%" PRId64 ": ", c->json_path, c->line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->counts->failed++;
}

static void pass(struct spec_ctx *c)
{
	c->counts->passed++;
}

static void skip(struct spec_ctx *c, enum spec_skip why)
{
	c->counts->skipped++;
	c->counts->skipped_by[why]++;
}

/* The outcome had the right kind but not the detail the script implies. */
static void pass_loosely(struct spec_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pass_loosely(struct spec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->opts->strict && !c->opts->verbose) {
		pass(c);
		return;
	}
	printf("%s:%" PRId64 ": %s", c->json_path, c->line,
		c->opts->strict ? "" : "note: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (c->opts->strict)
		c->counts->failed++;
	else
		c->counts->passed++;
}

static void error_init(wasm_error *err)
{
	memset(err, 0, sizeof *err);
	err->offset = SIZE_MAX;
	err->func_index = WASM_NO_INDEX;
}

static void value_text(const wasm_value *v, char *buf, size_t len)
{
	char num[96];

	if (v->type == WASM_FUNCREF || v->type == WASM_EXTERNREF) {
		if (!v->of.ref)
			snprintf(buf, len, "(ref.null %s)",
				v->type == WASM_FUNCREF ? "func" : "extern");
		else if (v->type == WASM_EXTERNREF)
			snprintf(buf, len, "(ref.extern %" PRIuPTR ")",
				(uintptr_t)v->of.ref - 1);
		else
			snprintf(buf, len, "(ref.func %p)", v->of.ref);
		return;
	}
	wasm_value_format(v, num, sizeof num);
	snprintf(buf, len, "(%s %s)", wasm_valtype_name(v->type), num);
}

static void expect_text(const struct expect *e, char *buf, size_t len)
{
	if (e->v.type == WASM_V128 && e->lane_float) {
		/* lane by lane, NaN patterns named: "(v128 f32x4 0x... nan:...)" */
		unsigned n = 16u / e->lane_bytes;
		size_t used = (size_t)snprintf(buf, len, "(v128 f%ux%u",
			e->lane_bytes * 8u, n);
		for (unsigned i = 0; i < n && used + 1 < len; i++) {
			uint64_t bits = 0;
			memcpy(&bits, e->v.of.v128 + i * e->lane_bytes, e->lane_bytes);
			if (e->lane_how[i] == EX_NAN_CANONICAL)
				used += (size_t)snprintf(buf + used, len - used, " nan:canonical");
			else if (e->lane_how[i] == EX_NAN_ARITHMETIC)
				used += (size_t)snprintf(buf + used, len - used, " nan:arithmetic");
			else
				used += (size_t)snprintf(buf + used, len - used, " 0x%0*" PRIx64,
					e->lane_bytes * 2, bits);
		}
		if (used + 1 < len)
			snprintf(buf + used, len - used, ")");
		return;
	}
	switch (e->how) {
	case EX_NAN_CANONICAL:
		snprintf(buf, len, "(%s nan:canonical)",
			wasm_valtype_name(e->v.type));
		break;
	case EX_NAN_ARITHMETIC:
		snprintf(buf, len, "(%s nan:arithmetic)",
			wasm_valtype_name(e->v.type));
		break;
	case EX_NONNULL:
		snprintf(buf, len, "(ref.%s non-null)",
			e->v.type == WASM_FUNCREF ? "func" : "extern");
		break;
	default:
		value_text(&e->v, buf, len);
	}
}

/* "(i32 1) (i32 2)" of up to n values, shortened to fit. */
static void values_text(const wasm_value *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (n == 0)
		snprintf(buf, len, "()");
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		char one[128];
		value_text(&v[i], one, sizeof one);
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
			i ? " " : "", one);
	}
}

static void expects_text(const struct expect *e, size_t n, char *buf,
	size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (n == 0)
		snprintf(buf, len, "()");
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		char one[128];
		expect_text(&e[i], one, sizeof one);
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
			i ? " " : "", one);
	}
}

/* What happened instead of success, as text. */
static void outcome_text(wasm_status s, const wasm_error *err, char *buf,
	size_t len)
{
	if (s == WASM_ERR_TRAP)
		snprintf(buf, len, "trap %s (%s)", wasm_trap_kind_name(err->trap),
			err->message);
	else if (err->offset != SIZE_MAX)
		snprintf(buf, len, "%s: %s at offset %zu", wasm_status_name(s),
			err->message, err->offset);
	else
		snprintf(buf, len, "%s: %s", wasm_status_name(s), err->message);
}

/* ---- JSON helpers ----------------------------------------------------- */

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool parse_bits(const char *text, uint64_t *out)
{
	char *end;

	if (!text || !*text)
		return false;
	errno = 0;
	*out = strtoull(text, &end, 10);
	return errno == 0 && *end == '\0';
}

static int ref_from_json(wasm_valtype t, const char *text, struct expect *e)
{
	uint64_t n;

	e->v.of.ref = NULL;
	if (!text) {
		e->how = EX_NONNULL;
		return VAL_OK;
	}
	if (strcmp(text, "null") == 0)
		return VAL_OK;
	if (t == WASM_FUNCREF) {
		e->how = EX_NONNULL;
		return VAL_OK;
	}
	if (!parse_bits(text, &n))
		return VAL_BAD;
	e->v.of.ref = (void *)(uintptr_t)(n + 1);
	return VAL_OK;
}

/* {"type": "v128", "lane_type": "f32", "value": ["1", "nan:canonical",
 * ...]}: lanes as decimal bits (lane 0 first), float lanes may be NaN
 * patterns. */
static int v128_from_json(const json_t *j, struct expect *e)
{
	static const struct { const char *name; uint8_t bytes; bool fl; } shapes[] = {
		{ "i8", 1, false }, { "i16", 2, false }, { "i32", 4, false },
		{ "i64", 8, false }, { "f32", 4, true }, { "f64", 8, true },
	};
	const char *lane = jstr(j, "lane_type");
	const json_t *lanes = json_object_get(j, "value");
	size_t i;
	json_t *l;

	e->v.type = WASM_V128;
	for (i = 0; lane && i < sizeof shapes / sizeof shapes[0]; i++)
		if (strcmp(lane, shapes[i].name) == 0)
			break;
	if (!lane || i == sizeof shapes / sizeof shapes[0])
		return VAL_BAD;
	e->lane_bytes = shapes[i].bytes;
	e->lane_float = shapes[i].fl;
	if (json_array_size(lanes) != 16u / e->lane_bytes)
		return VAL_BAD;
	json_array_foreach(lanes, i, l) {
		const char *text = json_string_value(l);
		uint64_t bits;
		if (!text)
			return VAL_BAD;
		e->lane_how[i] = EX_EXACT;
		if (e->lane_float && strcmp(text, "nan:canonical") == 0)
			e->lane_how[i] = EX_NAN_CANONICAL;
		else if (e->lane_float && strcmp(text, "nan:arithmetic") == 0)
			e->lane_how[i] = EX_NAN_ARITHMETIC;
		else if (!parse_bits(text, &bits))
			return VAL_BAD;
		else          /* little-endian: the lane's low byte first */
			memcpy(e->v.of.v128 + i * e->lane_bytes, &bits, e->lane_bytes);
	}
	return VAL_OK;
}

static int num_from_json(wasm_valtype t, const char *text, struct expect *e)
{
	uint64_t bits;

	if (!text)
		return VAL_BAD;
	if (t == WASM_F32 || t == WASM_F64) {
		if (strcmp(text, "nan:canonical") == 0) {
			e->how = EX_NAN_CANONICAL;
			return VAL_OK;
		}
		if (strcmp(text, "nan:arithmetic") == 0) {
			e->how = EX_NAN_ARITHMETIC;
			return VAL_OK;
		}
	}
	if (!parse_bits(text, &bits))
		return VAL_BAD;
	if (t == WASM_I32)
		e->v.of.i32 = (int32_t)(uint32_t)bits;
	else if (t == WASM_I64)
		e->v.of.i64 = (int64_t)bits;
	else if (t == WASM_F32)
		e->v.of.f32_bits = (uint32_t)bits;
	else
		e->v.of.f64_bits = bits;
	return VAL_OK;
}

/* {"type": "i32", "value": "4294967295"} and friends. */
static int value_from_json(const json_t *j, struct expect *e)
{
	const char *type = jstr(j, "type");
	const char *text = jstr(j, "value");
	static const struct { const char *name; wasm_valtype t; } types[] = {
		{ "i32", WASM_I32 }, { "i64", WASM_I64 },
		{ "f32", WASM_F32 }, { "f64", WASM_F64 },
		{ "funcref", WASM_FUNCREF }, { "externref", WASM_EXTERNREF },
	};

	memset(e, 0, sizeof *e);
	e->how = EX_EXACT;
	if (!type)
		return VAL_BAD;
	if (strcmp(type, "v128") == 0)
		return v128_from_json(j, e);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (strcmp(type, types[i].name) != 0)
			continue;
		e->v.type = types[i].t;
		if (e->v.type == WASM_FUNCREF || e->v.type == WASM_EXTERNREF)
			return ref_from_json(e->v.type, text, e);
		return num_from_json(e->v.type, text, e);
	}
	return VAL_BAD;
}

/* Fills out[] from a JSON array. */
static int values_from_json(const json_t *arr, struct expect *out,
	size_t *n)
{
	size_t i;
	json_t *j;

	*n = json_array_size(arr);
	if (*n > SPEC_MAX_VALUES)
		return VAL_BAD;
	json_array_foreach(arr, i, j) {
		int r = value_from_json(j, &out[i]);
		if (r != VAL_OK)
			return r;
	}
	return VAL_OK;
}

/* Whether the float bits of a 4- or 8-byte value match a NaN pattern. */
static bool nan_matches(enum expect_how how, unsigned bytes, uint64_t bits)
{
	if (how == EX_NAN_CANONICAL)
		return bytes == 4 ? (bits & 0x7fffffffu) == 0x7fc00000u :
			(bits & UINT64_C(0x7fffffffffffffff)) ==
			UINT64_C(0x7ff8000000000000);
	return bytes == 4 ? (bits & 0x7fc00000u) == 0x7fc00000u :
		(bits & UINT64_C(0x7ff8000000000000)) ==
		UINT64_C(0x7ff8000000000000);
}

/* A v128, lane by lane in the shape the script wrote. */
static bool v128_matches(const struct expect *e, const wasm_value *v)
{
	for (unsigned i = 0; i < 16u / e->lane_bytes; i++) {
		const uint8_t *got = v->of.v128 + i * e->lane_bytes;
		uint64_t bits = 0;
		memcpy(&bits, got, e->lane_bytes);
		if (e->lane_how[i] != EX_EXACT) {
			if (!nan_matches((enum expect_how)e->lane_how[i],
					e->lane_bytes, bits))
				return false;
		} else if (memcmp(got, e->v.of.v128 + i * e->lane_bytes,
				e->lane_bytes) != 0) {
			return false;
		}
	}
	return true;
}

static bool value_matches(const struct expect *e, const wasm_value *v)
{
	if (e->v.type != v->type)
		return false;
	if (v->type == WASM_V128)
		return v128_matches(e, v);
	switch (e->how) {
	case EX_NAN_CANONICAL:
	case EX_NAN_ARITHMETIC:
		return nan_matches(e->how, v->type == WASM_F32 ? 4 : 8,
			v->type == WASM_F32 ? v->of.f32_bits : v->of.f64_bits);
	case EX_NONNULL:
		return v->of.ref != NULL;
	default:
		break;
	}
	switch (v->type) {
	case WASM_I32:
		return e->v.of.i32 == v->of.i32;
	case WASM_I64:
	case WASM_F64:
		return e->v.of.i64 == v->of.i64;
	case WASM_F32:
		return e->v.of.f32_bits == v->of.f32_bits;
	default:
		return e->v.of.ref == v->of.ref;
	}
}

/* ---- bindings, modules, instances ------------------------------------ */

static bool binding_set(struct binding **arr, size_t *n, size_t *cap,
	const char *name, wasm_instance *inst)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*arr)[i].name, name) == 0) {
			(*arr)[i].inst = inst;
			return true;
		}
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct binding *na = realloc(*arr, ncap * sizeof *na);
		if (!na)
			return false;
		*arr = na;
		*cap = ncap;
	}
	(*arr)[*n].name = strdup(name);
	if (!(*arr)[*n].name)
		return false;
	(*arr)[*n].inst = inst;
	*n += 1;
	return true;
}

static wasm_instance *binding_get(const struct binding *arr, size_t n,
	const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(arr[i].name, name) == 0)
			return arr[i].inst;
	return NULL;
}

static void bindings_free(struct binding *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(arr[i].name);
	free(arr);
}

static bool module_keep(struct spec_ctx *c, wasm_module *m)
{
	if (c->nmods == c->cap_mods) {
		size_t ncap = c->cap_mods ? c->cap_mods * 2 : 16;
		wasm_module **na = realloc(c->mods, ncap * sizeof *na);
		if (!na)
			return false;
		c->mods = na;
		c->cap_mods = ncap;
	}
	c->mods[c->nmods++] = m;
	return true;
}

enum load_result { LOAD_OK, LOAD_FAILED, LOAD_NO_FILE };

/* Loads FILENAME (beside the .json).  LOAD_NO_FILE is the script's or the
 * converter's problem and always a failure; LOAD_FAILED has err filled. */
static enum load_result module_load(struct spec_ctx *c, const char *filename,
	wasm_module **out, wasm_status *s, wasm_error *err)
{
	char *path = NULL;
	uint8_t *bytes = NULL;
	size_t len;
	enum load_result r = LOAD_NO_FILE;

	*out = NULL;
	error_init(err);
	if (!filename)
		goto out;
	path = malloc(strlen(c->dir) + strlen(filename) + 1);
	if (!path)
		goto out;
	strcpy(path, c->dir);
	strcat(path, filename);
	if (!cli_read_file(path, true, &bytes, &len))
		goto out;
	r = LOAD_FAILED;
	*s = wasm_module_load(c->engine, bytes, len, out, err);
	if (*s != WASM_OK) {
		*out = NULL;
		goto out;
	}
	if (!module_keep(c, *out)) {
		wasm_module_free(*out);
		*out = NULL;
		*s = WASM_ERR_NOMEM;
		snprintf(err->message, sizeof err->message, "out of memory");
		goto out;
	}
	r = LOAD_OK;
out:
	free(bytes);
	free(path);
	return r;
}

static bool import_resolve(struct spec_ctx *c, const wasm_extern_desc *d,
	wasm_extern *out)
{
	wasm_instance *inst;

	/* By exact bytes: "spectest\0" is not spectest.  Registered names
	 * and spectest's are C strings, so a module name with U+0000 links
	 * to nothing. */
	if (strlen(d->module) != d->module_len)
		return false;
	if (strcmp(d->module, "spectest") == 0)
		return strlen(d->name) == d->name_len &&
			spectest_lookup(c->st, d->name, out);
	inst = binding_get(c->regs, c->nregs, d->module);
	return inst && wasm_instance_export_bytes(inst, d->name, d->name_len,
		out);
}

/* Resolves imports by (module, field) and instantiates. */
static wasm_status instantiate(struct spec_ctx *c, wasm_module *m,
	wasm_instance **out, wasm_error *err)
{
	uint32_t n = wasm_module_import_count(m);
	wasm_extern *imports = calloc(n + 1, sizeof *imports);
	wasm_status s = WASM_ERR_NOMEM;

	*out = NULL;
	error_init(err);
	if (!imports) {
		snprintf(err->message, sizeof err->message, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		wasm_extern_desc d;
		wasm_module_import(m, i, &d);
		if (!import_resolve(c, &d, &imports[i])) {
			s = WASM_ERR_LINK;
			err->status = s;
			snprintf(err->message, sizeof err->message,
				"unknown import %s.%s", d.module, d.name);
			goto out;
		}
	}
	s = wasm_instance_new(c->store, m, imports, n, out, err);
	if (s != WASM_OK)
		*out = NULL;
out:
	free(imports);
	return s;
}

/* ---- actions ---------------------------------------------------------- */

struct action_result {
	wasm_status status;
	wasm_error err;
	size_t n;
	wasm_value vals[SPEC_MAX_VALUES];
	char what[160];                 /* "invoke add" for messages */
};

static wasm_instance *action_instance(struct spec_ctx *c, const json_t *a,
	struct action_result *r)
{
	const char *name = jstr(a, "module");
	wasm_instance *inst = name ? binding_get(c->names, c->nnames, name)
				   : c->current;

	if (!inst) {
		r->status = WASM_ERR_ARG;
		snprintf(r->err.message, sizeof r->err.message,
			"no module %s to act on", name ? name : "(current)");
	}
	return inst;
}

/* field is field_len bytes (a wasm name may hold U+0000). */
static int action_invoke(struct spec_ctx *c, wasm_instance *inst,
	const json_t *a, const char *field, size_t field_len,
	struct action_result *r)
{
	struct expect args[SPEC_MAX_VALUES];
	wasm_value vals[SPEC_MAX_VALUES];
	wasm_functype t;
	wasm_extern ext;
	size_t nargs;
	int v = values_from_json(json_object_get(a, "args"), args, &nargs);

	if (v != VAL_OK) {
		snprintf(r->err.message, sizeof r->err.message,
			"bad or unsupported arguments");
		r->status = WASM_ERR_ARG;
		return v;
	}
	if (!wasm_instance_export_bytes(inst, field, field_len, &ext) ||
	    ext.kind != WASM_EXTERN_FUNC) {
		r->status = WASM_ERR_ARG;
		snprintf(r->err.message, sizeof r->err.message,
			"no exported function \"%s\"", field);
		return VAL_OK;
	}
	wasm_func_type(ext.of.func, &t);
	for (size_t i = 0; i < nargs; i++)
		vals[i] = args[i].v;
	r->n = t.nresults;
	if (r->n > SPEC_MAX_VALUES) {
		r->status = WASM_ERR_LIMIT;
		snprintf(r->err.message, sizeof r->err.message,
			"too many results (%zu)", r->n);
		return VAL_OK;
	}
	r->status = wasm_func_call(c->store, ext.of.func, vals, nargs,
		r->vals, r->n, &r->err);
	return VAL_OK;
}

/* Runs an "invoke" or "get" action (VAL_BAD: arguments it cannot read). */
static int action_run(struct spec_ctx *c, const json_t *a,
	struct action_result *r)
{
	const char *type = jstr(a, "type");
	const char *field = jstr(a, "field");
	/* The name's length in bytes: it may hold U+0000. */
	size_t field_len = json_string_length(json_object_get(a, "field"));
	wasm_instance *inst;
	wasm_extern ext;

	memset(r, 0, sizeof *r);
	error_init(&r->err);
	snprintf(r->what, sizeof r->what, "%s \"%s\"", type ? type : "?",
		field ? field : "?");
	inst = action_instance(c, a, r);
	if (!inst)
		return VAL_OK;
	if (!type || !field) {
		r->status = WASM_ERR_ARG;
		snprintf(r->err.message, sizeof r->err.message, "bad action");
		return VAL_OK;
	}
	if (strcmp(type, "invoke") == 0)
		return action_invoke(c, inst, a, field, field_len, r);
	if (strcmp(type, "get") == 0 &&
	    wasm_instance_export_bytes(inst, field, field_len, &ext) &&
	    ext.kind == WASM_EXTERN_GLOBAL) {
		wasm_global_get(ext.of.global, &r->vals[0]);
		r->n = 1;
		return VAL_OK;
	}
	r->status = WASM_ERR_ARG;
	snprintf(r->err.message, sizeof r->err.message,
		"unknown action or no such global");
	return VAL_OK;
}

/* ---- trap kinds named by the script's text ---------------------------- */

/* Every trap text of the core suite's scripts (assert_trap on an action or
 * a module, assert_exhaustion, assert_uninstantiable; all .wast files,
 * simd_* included) means a kind: most are the engine's own message for it
 * (WASM_TRAP_KINDS: "integer divide by zero", "call stack exhausted", ...);
 * the suite's other wordings are listed here.  Texts match whole.  A text
 * that is neither fails its assertion as "unknown trap text": when the
 * suite grows one, add it here with its kind. */
static const struct {
	const char *text;
	wasm_trap_kind kind;
} spec_trap_texts[] = {
	/* the engine says "unreachable executed" */
	{ "unreachable", WASM_TRAP_UNREACHABLE },
	/* call_indirect through an index past the table's end */
	{ "undefined element", WASM_TRAP_OUT_OF_BOUNDS_TABLE },
	/* bulk.wast: the reference interpreter adds the element's index */
	{ "uninitialized element 2", WASM_TRAP_UNINITIALIZED_ELEMENT },
};

/* The kind text names; false if it is neither an engine message nor in
 * spec_trap_texts (or no text). */
static bool trap_text_kind(const char *text, wasm_trap_kind *kind)
{
	if (!text)
		return false;
	for (int k = WASM_TRAP_NONE + 1; k < WASM_TRAP_COUNT_; k++) {
		if (k != WASM_TRAP_HOST &&
		    strcmp(text, wasm_trap_kind_message((wasm_trap_kind)k)) == 0) {
			*kind = (wasm_trap_kind)k;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof spec_trap_texts /
	     sizeof spec_trap_texts[0]; i++) {
		if (strcmp(text, spec_trap_texts[i].text) == 0) {
			*kind = spec_trap_texts[i].kind;
			return true;
		}
	}
	return false;
}

/* Judges a trap (status s, details in err) against the script's text:
 * passes, or fails with "VERB WHAT: ..." saying why. */
static void trap_check(struct spec_ctx *c, const char *verb,
	const char *what, const char *text, wasm_status s,
	const wasm_error *err)
{
	wasm_trap_kind want;
	char got[400];

	if (!trap_text_kind(text, &want)) {
		fail(c, "%s %s: unknown trap text \"%s\" (add it to "
			"spec_trap_texts in cli/cli_spec.c)", verb, what,
			text ? text : "(none)");
		return;
	}
	if (s == WASM_ERR_TRAP && err->trap == want) {
		pass(c);
		return;
	}
	outcome_text(s, err, got, sizeof got);
	fail(c, "%s %s: expected trap %s (\"%s\"), got %s", verb, what,
		wasm_trap_kind_name(want), text, got);
}

/* ---- commands --------------------------------------------------------- */

static void cmd_module(struct spec_ctx *c, const json_t *cmd)
{
	const char *file = jstr(cmd, "filename");
	const char *name = jstr(cmd, "name");
	wasm_module *m;
	wasm_instance *inst = NULL;
	wasm_status s = WASM_OK;
	wasm_error err;
	char why[400];

	c->current = NULL;
	switch (module_load(c, file, &m, &s, &err)) {
	case LOAD_NO_FILE:
		fail(c, "module %s: cannot read the file", file ? file : "?");
		goto out;
	case LOAD_FAILED:
		outcome_text(s, &err, why, sizeof why);
		fail(c, "module %s: expected to load, got %s", file, why);
		goto out;
	default:
		break;
	}
	s = instantiate(c, m, &inst, &err);
	if (s != WASM_OK) {
		outcome_text(s, &err, why, sizeof why);
		fail(c, "module %s: expected to instantiate, got %s", file, why);
		goto out;
	}
	c->current = inst;
out:
	if (name && !binding_set(&c->names, &c->nnames, &c->cap_names, name,
		c->current))
		fail(c, "out of memory");
}

static void cmd_register(struct spec_ctx *c, const json_t *cmd)
{
	const char *name = jstr(cmd, "name");
	const char *as = jstr(cmd, "as");
	wasm_instance *inst = name ? binding_get(c->names, c->nnames, name)
				   : c->current;

	if (!as || !inst) {
		fail(c, "register %s as \"%s\": no such module",
			name ? name : "(current)", as ? as : "?");
		return;
	}
	if (!binding_set(&c->regs, &c->nregs, &c->cap_regs, as, inst))
		fail(c, "out of memory");
}

static void cmd_action(struct spec_ctx *c, const json_t *cmd)
{
	struct action_result *r = malloc(sizeof *r);
	char why[400];

	if (!r) {
		fail(c, "out of memory");
		return;
	}
	action_run(c, json_object_get(cmd, "action"), r);
	if (r->status != WASM_OK) {
		outcome_text(r->status, &r->err, why, sizeof why);
		fail(c, "action %s: expected to succeed, got %s", r->what, why);
	}
	free(r);
}

static void return_check(struct spec_ctx *c, const struct action_result *r,
	const struct expect *ex, size_t nex)
{
	char want[1024], got[1024];
	bool ok = r->n == nex;

	for (size_t i = 0; ok && i < nex; i++)
		ok = value_matches(&ex[i], &r->vals[i]);
	if (ok) {
		pass(c);
		return;
	}
	expects_text(ex, nex, want, sizeof want);
	values_text(r->vals, r->n, got, sizeof got);
	fail(c, "assert_return %s: expected %s, got %s", r->what, want, got);
}

static void cmd_assert_return(struct spec_ctx *c, const json_t *cmd)
{
	struct action_result *r = malloc(sizeof *r);
	struct expect *ex = malloc(SPEC_MAX_VALUES * sizeof *ex);
	size_t nex;
	char why[400];
	int v;

	if (!r || !ex) {
		fail(c, "out of memory");
		goto out;
	}
	v = values_from_json(json_object_get(cmd, "expected"), ex, &nex);
	if (v == VAL_OK)
		v = action_run(c, json_object_get(cmd, "action"), r);
	if (v == VAL_BAD) {
		fail(c, "assert_return: values the runner cannot read");
		goto out;
	}
	if (r->status != WASM_OK) {
		outcome_text(r->status, &r->err, why, sizeof why);
		fail(c, "assert_return %s: expected success, got %s", r->what,
			why);
		goto out;
	}
	return_check(c, r, ex, nex);
out:
	free(ex);
	free(r);
}

/* assert_trap and assert_exhaustion on an action: the text names the
 * kind (assert_exhaustion's is "call stack exhausted"). */
static void cmd_assert_trap(struct spec_ctx *c, const json_t *cmd,
	bool exhaustion)
{
	const char *text = jstr(cmd, "text");
	const char *verb = exhaustion ? "assert_exhaustion" : "assert_trap";
	struct action_result *r = malloc(sizeof *r);
	char got[1024];

	if (!r) {
		fail(c, "out of memory");
		return;
	}
	action_run(c, json_object_get(cmd, "action"), r);
	if (r->status == WASM_OK) {
		values_text(r->vals, r->n, got, sizeof got);
		fail(c, "%s %s: expected trap \"%s\", got %s", verb, r->what,
			text ? text : "", got);
	} else {
		trap_check(c, verb, r->what, text, r->status, &r->err);
	}
	free(r);
}

/* assert_invalid and assert_malformed: the module must not load. */
static void cmd_assert_bad_module(struct spec_ctx *c, const json_t *cmd,
	wasm_status want)
{
	const char *file = jstr(cmd, "filename");
	const char *type = jstr(cmd, "module_type");
	const char *text = jstr(cmd, "text");
	const char *verb = want == WASM_ERR_INVALID ? "assert_invalid"
						    : "assert_malformed";
	wasm_module *m;
	wasm_status s = WASM_OK;
	wasm_error err;
	char got[400];

	if (type && strcmp(type, "binary") != 0) {
		skip(c, SKIP_TEXT_MODULE);
		return;
	}
	switch (module_load(c, file, &m, &s, &err)) {
	case LOAD_NO_FILE:
		fail(c, "%s %s: cannot read the file", verb, file ? file : "?");
		return;
	case LOAD_OK:
		fail(c, "%s %s: expected \"%s\", but the module loaded", verb,
			file, text ? text : "");
		return;
	default:
		break;
	}
	if (s == want) {
		pass(c);
		return;
	}
	outcome_text(s, &err, got, sizeof got);
	pass_loosely(c, "%s %s: expected %s \"%s\", got %s", verb, file,
		wasm_status_name(want), text ? text : "", got);
}

/* assert_unlinkable and assert_uninstantiable: loads, then instantiation
 * must fail with `want`; a trap must be of the kind its text names. */
static void cmd_assert_bad_instance(struct spec_ctx *c, const json_t *cmd,
	wasm_status want)
{
	const char *file = jstr(cmd, "filename");
	const char *text = jstr(cmd, "text");
	const char *verb = want == WASM_ERR_LINK ? "assert_unlinkable"
						 : "assert_uninstantiable";
	wasm_module *m;
	wasm_instance *inst;
	wasm_status s = WASM_OK;
	wasm_error err;
	char got[400];

	switch (module_load(c, file, &m, &s, &err)) {
	case LOAD_NO_FILE:
		fail(c, "%s %s: cannot read the file", verb, file ? file : "?");
		return;
	case LOAD_FAILED:
		outcome_text(s, &err, got, sizeof got);
		fail(c, "%s %s: expected to load, got %s", verb, file, got);
		return;
	default:
		break;
	}
	s = instantiate(c, m, &inst, &err);
	if (s == WASM_OK) {
		fail(c, "%s %s: expected \"%s\", but it instantiated", verb,
			file, text ? text : "");
		return;
	}
	if (want == WASM_ERR_TRAP) {
		trap_check(c, verb, file, text, s, &err);
		return;
	}
	if (s == want) {
		pass(c);
		return;
	}
	outcome_text(s, &err, got, sizeof got);
	pass_loosely(c, "%s %s: expected %s \"%s\", got %s", verb, file,
		wasm_status_name(want), text ? text : "", got);
}

static void cmd_run(struct spec_ctx *c, const json_t *cmd)
{
	const char *type = jstr(cmd, "type");

	c->line = json_integer_value(json_object_get(cmd, "line"));
	c->counts->line = c->line;
	if (!type)
		fail(c, "command without a type");
	else if (strcmp(type, "module") == 0)
		cmd_module(c, cmd);
	else if (strcmp(type, "register") == 0)
		cmd_register(c, cmd);
	else if (strcmp(type, "action") == 0)
		cmd_action(c, cmd);
	else if (strcmp(type, "assert_return") == 0)
		cmd_assert_return(c, cmd);
	else if (strcmp(type, "assert_trap") == 0 &&
		 json_object_get(cmd, "filename"))
		cmd_assert_bad_instance(c, cmd, WASM_ERR_TRAP);
	else if (strcmp(type, "assert_trap") == 0)
		cmd_assert_trap(c, cmd, false);
	else if (strcmp(type, "assert_exhaustion") == 0)
		cmd_assert_trap(c, cmd, true);
	else if (strcmp(type, "assert_invalid") == 0)
		cmd_assert_bad_module(c, cmd, WASM_ERR_INVALID);
	else if (strcmp(type, "assert_malformed") == 0)
		cmd_assert_bad_module(c, cmd, WASM_ERR_MALFORMED);
	else if (strcmp(type, "assert_unlinkable") == 0)
		cmd_assert_bad_instance(c, cmd, WASM_ERR_LINK);
	else if (strcmp(type, "assert_uninstantiable") == 0)
		cmd_assert_bad_instance(c, cmd, WASM_ERR_TRAP);
	else
		fail(c, "unknown command type \"%s\"", type);
}

/* ---- one file --------------------------------------------------------- */

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) + 1 : 0;
	char *dir = malloc(n + 1);

	if (dir) {
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	return dir;
}

static wasm_engine *engine_make(const struct spec_opts *o)
{
	wasm_config cfg;

	wasm_config_default(&cfg);
	cfg.tier = o->tier;
	cfg.tier_threshold = o->tier_threshold;
	cfg.opt_threshold = o->opt_threshold;
	cfg.no_avx = o->no_avx;
	return wasm_engine_new(&cfg);
}

static void ctx_free(struct spec_ctx *c)
{
	if (c->st)
		spectest_free(c->st);
	if (c->store)
		wasm_store_free(c->store);
	for (size_t i = 0; i < c->nmods; i++) {
		/* what the JIT tiers did with it; a refusal's reason is printed
		 * ("refused TIER: REASON", the module's last one) */
		wasm_module_stats ms;
		wasm_module_stats_get(c->mods[i], &ms);
		for (int t = 0; t < WASM_TIER_COUNT; t++) {
			c->counts->compiled[t] += ms.tiers[t].nfuncs;
			c->counts->refused[t] += ms.tiers[t].nfuncs_refused;
			if (ms.tiers[t].nfuncs_refused && ms.refused_reason[t] &&
			    t != WASM_TIER_INTERP)
				printf("%s: refused %s: %s\n", c->json_path,
					wasm_tier_name((wasm_tier)t), ms.refused_reason[t]);
		}
		wasm_module_free(c->mods[i]);
	}
	free(c->mods);
	bindings_free(c->names, c->nnames);
	bindings_free(c->regs, c->nregs);
	wasm_engine_free(c->engine);
	free(c->dir);
}

/* Runs every command of one file, adding to *counts. */
static void spec_file_run(const struct spec_opts *o, const char *path,
	struct spec_counts *counts)
{
	struct spec_ctx c = { .opts = o, .json_path = path, .counts = counts };
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	json_t *cmds = json_object_get(root, "commands");
	size_t i;
	json_t *cmd;

	if (!json_is_array(cmds)) {
		c.line = root ? 0 : jerr.line;
		fail(&c, "cannot read the script: %s", root ? "no commands"
							     : jerr.text);
		goto out;
	}
	c.dir = dir_of(path);
	c.engine = engine_make(o);
	c.store = c.engine ? wasm_store_new(c.engine) : NULL;
	c.st = c.store ? spectest_new(c.store, o->verbose) : NULL;
	if (!c.dir || !c.st) {
		fail(&c, "cannot set up the engine");
		goto out;
	}
	json_array_foreach(cmds, i, cmd) {
		counts->cmd_index = (int64_t)i;
		if (o->fork)
			wasm_store_set_deadline(c.store, &spec_epoch,
				spec_epoch + SPEC_CALL_TIMEOUT_S);
		cmd_run(&c, cmd);
	}
out:
	fflush(stdout);
	ctx_free(&c);
	json_decref(root);
}

/* ---- crash containment ------------------------------------------------ */

/* See spec_epoch. */

static void spec_tick(int sig)
{
	if (++spec_epoch < SPEC_FILE_TIMEOUT_S)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void ticker_start(void)
{
	struct sigaction sa;
	struct itimerval it = { { 1, 0 }, { 1, 0 } };

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = spec_tick;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGALRM, &sa, NULL) == 0)
		setitimer(ITIMER_REAL, &it, NULL);
}

/* After a child died during command `index`: that command is one failure,
 * and every later assertion is counted as failed (text ones as skipped). */
static void crash_count(const char *path, int64_t index,
	struct spec_counts *counts)
{
	json_t *root = json_load_file(path, JSON_ALLOW_NUL, NULL);
	json_t *cmds = json_object_get(root, "commands");
	size_t i;
	json_t *cmd;

	counts->failed++;
	json_array_foreach(cmds, i, cmd) {
		const char *type = jstr(cmd, "type");
		const char *mt = jstr(cmd, "module_type");
		if ((int64_t)i <= index || !type ||
		    strncmp(type, "assert_", 7) != 0)
			continue;
		if (mt && strcmp(mt, "text") == 0) {
			counts->skipped++;
			counts->skipped_by[SKIP_TEXT_MODULE]++;
		} else {
			counts->failed++;
		}
	}
	json_decref(root);
}

static void crash_report(const char *path, int status,
	struct spec_counts *counts)
{
	uint64_t before = counts->failed;

	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		printf("%s:%" PRId64 ": runner timed out after %d s in this "
			"command", path, counts->line, SPEC_FILE_TIMEOUT_S);
	else if (WIFSIGNALED(status))
		printf("%s:%" PRId64 ": runner crashed (signal %d, %s) in this "
			"command", path, counts->line, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	else
		printf("%s:%" PRId64 ": runner exited with status %d in this "
			"command", path, counts->line, WEXITSTATUS(status));
	crash_count(path, counts->cmd_index, counts);
	printf("; %" PRIu64 " assertions not run counted as failed\n",
		counts->failed - before - 1);
}

static void spec_file_forked(const struct spec_opts *o, const char *path,
	struct spec_counts *counts)
{
	struct spec_counts *shared;
	pid_t pid;
	int status;

	shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		spec_file_run(o, path, counts);
		return;
	}
	memset(shared, 0, sizeof *shared);
	shared->cmd_index = -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		ticker_start();
		spec_file_run(o, path, shared);
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("wasmhost spec: fork");
		shared->failed++;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		crash_report(path, status, shared);
	}
	counts->passed += shared->passed;
	counts->failed += shared->failed;
	counts->skipped += shared->skipped;
	for (int k = 0; k < SKIP_COUNT_; k++)
		counts->skipped_by[k] += shared->skipped_by[k];
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		counts->compiled[t] += shared->compiled[t];
		counts->refused[t] += shared->refused[t];
	}
	munmap(shared, sizeof *shared);
}

/* ---- the verb --------------------------------------------------------- */

enum { S_VERBOSE, S_STRICT, S_NO_FORK };

static const cli_opt spec_opts[] = {
	[S_VERBOSE] = { "--verbose", "-v", NULL, "also show the error-text "
		"mismatches that --strict would fail" },
	[S_STRICT] = { "--strict", NULL, NULL, "assert_malformed, "
		"assert_invalid, assert_unlinkable: check the\nstatus their "
		"text implies, not only that loading or linking fails" },
	[S_NO_FORK] = { "--no-fork", NULL, NULL, "run every file in this "
		"process (default: each in a child,\nso that a crash or a hang "
		"fails only that file)" },
};

const cli_verb_help cli_spec_help = {
	.verb = "spec",
	.synopsis = "[OPTIONS] FILE.json...",
	.about = "run wast2json conformance scripts; the last line is \"N "
		"passed, M failed,\nK skipped\"\n",
	.opts = spec_opts,
	.nopts = sizeof spec_opts / sizeof spec_opts[0],
};

/* CLI_EXIT_OK with *first set, -1 after --help, or CLI_EXIT_USAGE. */
static int spec_parse(int argc, char **argv, struct cli_global *g,
	struct spec_opts *o, int *first)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *v;
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (cli_is_help(argv[i])) {
			cli_verb_help_print(stdout, &cli_spec_help);
			return -1;
		}
		switch (cli_opt_match(spec_opts, cli_spec_help.nopts, argc,
			argv, &i, &v)) {
		case S_VERBOSE:
			o->verbose = true;
			continue;
		case S_STRICT:
			o->strict = true;
			continue;
		case S_NO_FORK:
			o->fork = false;
			continue;
		default:
			break;
		}
		int r = cli_global_option(argc, argv, &i, g);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r == 0)
			return cli_unknown_option("spec", argv[i]);
	}
	if (i >= argc)
		return cli_usage_error(&cli_spec_help);
	o->tier = g->tier;
	o->tier_threshold = g->tier_threshold;
	o->opt_threshold = g->opt_threshold;
	o->no_avx = g->no_avx;
	*first = i;
	return CLI_EXIT_OK;
}

int cli_spec_main(int argc, char **argv, struct cli_global *g)
{
	struct spec_opts o = { .fork = true };
	struct spec_counts total = { 0 };
	int first = 0;
	int rc = spec_parse(argc, argv, g, &o, &first);

	if (rc < 0)
		return CLI_EXIT_OK;   /* --help */
	if (rc != CLI_EXIT_OK)
		return rc;
	for (int i = first; i < argc; i++) {
		if (o.fork)
			spec_file_forked(&o, argv[i], &total);
		else
			spec_file_run(&o, argv[i], &total);
	}
	for (int k = 0; k < SKIP_COUNT_; k++)
		if (total.skipped_by[k])
			printf("skipped %s: %" PRIu64 "\n", spec_skip_names[k],
				total.skipped_by[k]);
	for (int t = 0; t < WASM_TIER_COUNT; t++)
		if (t != WASM_TIER_INTERP && (total.compiled[t] || total.refused[t]))
			printf("compiled %s: %" PRIu64 ", refused %" PRIu64 "\n",
				wasm_tier_name((wasm_tier)t), total.compiled[t],
				total.refused[t]);
	printf("%" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n",
		total.passed, total.failed, total.skipped);
	fflush(stdout);
	return total.failed == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
