/* invoke.c -- invoke documents in, outcomes out. */
#include "invoke.h"
#include "json.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool bad(api_fail *f, api_error e, const char *field,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool bad(api_fail *f, api_error e, const char *field,
	const char *fmt, ...)
{
	va_list ap;
	f->error = e;
	snprintf(f->field, sizeof f->field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	return false;
}

/* Whether JSON string v holds U+0000 (jansson keeps its length). */
static bool has_nul(json_t *v)
{
	return strlen(json_string_value(v)) != json_string_length(v);
}

/* A function's name for messages: escaped, cut at about 60 bytes. */
static const char *name_show(const char *name, size_t len, char buf[72])
{
	wasm_name_format(name, len, buf, 72);
	return buf;
}

void api_call_free(api_call *c)
{
	free(c->function);
	free(c->args);
	for (uint32_t i = 0; c->argv && i < c->req.argc; i++)
		free(c->argv[i]);
	free(c->argv);
	for (uint32_t i = 0; c->env && i < c->req.envc; i++)
		free(c->env[i]);
	free(c->env);
	free(c->stdin_data);
	for (uint32_t i = 0; c->files && i < c->req.nfiles; i++) {
		free((char *)c->files[i].path);
		free((uint8_t *)c->files[i].data);
	}
	free(c->files);
	memset(c, 0, sizeof *c);
}

/* Text or base64 bytes of a JSON string. */
static bool bytes_get(json_t *v, bool base64, const char *field,
	uint8_t **out, size_t *len, api_fail *f)
{
	if (!json_is_string(v))
		return bad(f, API_E_BAD_REQUEST, field, "%s: expected a string",
			field);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (base64) {
		if (!base64_decode(s, n, out, len))
			return bad(f, API_E_BAD_REQUEST, field, "%s: not valid "
				"base64", field);
		return true;
	}
	*out = malloc(n + 1);
	if (!*out)
		return bad(f, API_E_INTERNAL, field, "out of memory");
	memcpy(*out, s, n);
	*len = n;
	return true;
}

/* A positive integer member of "limits", at most max. */
static bool limit_get(json_t *lims, const char *key, uint64_t max,
	bool *given, uint64_t *out, api_fail *f)
{
	char field[64];
	json_t *v = json_object_get(lims, key);

	*given = false;
	if (!v)
		return true;
	snprintf(field, sizeof field, "limits.%s", key);
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return bad(f, API_E_BAD_REQUEST, field, "%s: expected a "
			"positive integer", field);
	if ((uint64_t)json_integer_value(v) > max)
		return bad(f, API_E_BAD_REQUEST, field, "%s: %lld is above "
			"the tenant's limit of %llu", field,
			(long long)json_integer_value(v),
			(unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	*given = true;
	return true;
}

static bool limits_apply(json_t *doc, const wh_limits *lim,
	bool fuel_metering, sb_request *req, api_fail *f)
{
	json_t *lims = json_object_get(doc, "limits");
	const char *key;
	json_t *v;
	uint64_t x;
	bool given;

	req->timeout_ms = lim->timeout_ms;
	req->max_memory_pages = lim->memory_pages;
	req->stdout_max_bytes = lim->output_bytes;
	req->stderr_max_bytes = lim->output_bytes;
	/* Code compiled with metering needs fuel to run at all. */
	if (fuel_metering) {
		req->has_fuel = true;
		req->fuel = lim->fuel ? lim->fuel : UINT64_MAX;
	}
	if (!lims)
		return true;
	if (!json_is_object(lims))
		return bad(f, API_E_BAD_REQUEST, "limits", "limits: expected "
			"an object with timeout_ms, fuel, memory_pages");
	json_object_foreach(lims, key, v) {
		if (strcmp(key, "timeout_ms") && strcmp(key, "fuel") &&
		    strcmp(key, "memory_pages")) {
			char field[96];
			snprintf(field, sizeof field, "limits.%.60s", key);
			return bad(f, API_E_BAD_REQUEST, field, "%s: unknown "
				"limit (timeout_ms, fuel, memory_pages)", field);
		}
	}
	if (!limit_get(lims, "timeout_ms", lim->timeout_ms, &given, &x, f))
		return false;
	if (given)
		req->timeout_ms = x;
	if (!limit_get(lims, "memory_pages", lim->memory_pages, &given, &x, f))
		return false;
	if (given)
		req->max_memory_pages = (uint32_t)x;
	if (!limit_get(lims, "fuel", lim->fuel ? lim->fuel : UINT64_MAX,
		&given, &x, f))
		return false;
	if (given) {
		if (!fuel_metering)
			return bad(f, API_E_BAD_REQUEST, "limits.fuel",
				"limits.fuel: this daemon does not meter fuel "
				"(workers.fuel_metering in its configuration)");
		req->has_fuel = true;
		req->fuel = x;
	}
	return true;
}

/* jansson reads the JSON number -0 as the integer 0, sign lost; a float
 * wants -0.0.  So a float argument that reads as the integer 0 is read
 * again from the document's text with every number a real (once per
 * document, only then): the text "-0" gives -0.0, "0" gives 0.0. */
static json_t *float_zero_arg(const api_target *t, json_t **reals, size_t i)
{
	if (!t->text)
		return NULL;
	if (!*reals)
		*reals = json_loadb(t->text, t->text_len, JSON_ALLOW_NUL |
			JSON_DECODE_INT_AS_REAL, NULL);
	return json_array_get(json_object_get(*reals, "args"), i);
}

static bool args_parse(json_t *doc, const api_target *t,
	const wh_func_sig *sig, api_call *c, api_fail *f)
{
	json_t *args = json_object_get(doc, "args");
	size_t n = args ? json_array_size(args) : 0;
	char field[32], why[200];

	if (args && !json_is_array(args))
		return bad(f, API_E_BAD_REQUEST, "args", "args: expected an "
			"array");
	if (n != sig->nparams) {
		char types[160] = "";
		size_t used = 0;
		for (uint32_t i = 0; i < sig->nparams && used < sizeof types;
		     i++)
			used += (size_t)snprintf(types + used,
				sizeof types - used, "%s%s", i ? ", " : "",
				wasm_valtype_name((wasm_valtype)sig->params[i]));
		char name[72];
		return bad(f, API_E_BAD_CALL, "args", "%s takes %u argument%s "
			"(%s), got %zu", name_show(sig->name, sig->name_len,
			name), sig->nparams,
			sig->nparams == 1 ? "" : "s", types, n);
	}
	c->args = calloc(n + 1, sizeof *c->args);
	if (!c->args)
		return bad(f, API_E_INTERNAL, NULL, "out of memory");
	json_t *reals = NULL;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		json_t *v = json_array_get(args, i);
		wasm_valtype vt = (wasm_valtype)sig->params[i];
		json_t *real;
		if ((vt == WASM_F32 || vt == WASM_F64) && json_is_integer(v) &&
		    json_integer_value(v) == 0 &&
		    json_is_real(real = float_zero_arg(t, &reals, i)))
			v = real;
		snprintf(field, sizeof field, "args[%zu]", i);
		if (!json_to_value(v, vt, &c->args[i], why, sizeof why))
			ok = bad(f, API_E_BAD_CALL, field, "%s: %s", field,
				why);
	}
	json_decref(reals);
	c->req.args = c->args;
	c->req.nargs = (uint32_t)n;
	return ok;
}

/* The sandbox's limits on what one request carries (sb_request_check,
 * which guards the worker), as a 400 naming the member: "argv", "argv[3]",
 * "env", "env.NAME", "files", "files./PATH". */
static bool wasi_fits(const api_call *c, api_fail *f)
{
	sb_request_fault fault;
	char field[160], text[300];

	if (sb_request_check(&c->req, &fault))
		return true;
	if (fault.count)
		snprintf(field, sizeof field, "%s", fault.member);
	else if (strcmp(fault.member, "argv") == 0)
		snprintf(field, sizeof field, "argv[%u]", fault.index);
	else if (strcmp(fault.member, "env") == 0)
		snprintf(field, sizeof field, "env.%.*s", (int)strcspn(
			c->env[fault.index], "="), c->env[fault.index]);
	else
		snprintf(field, sizeof field, "files.%.140s",
			c->files[fault.index].path);
	return bad(f, API_E_BAD_REQUEST, field, "%s",
		sb_request_fault_text(&fault, field, text, sizeof text));
}

static bool wasi_parse(json_t *doc, const api_target *t, api_call *c,
	api_fail *f)
{
	json_t *argv = json_object_get(doc, "argv");
	json_t *env = json_object_get(doc, "env");
	json_t *in = json_object_get(doc, "stdin");
	json_t *files = json_object_get(doc, "files");
	const char *key;
	json_t *v;
	size_t i;

	if (argv) {
		if (!json_is_array(argv))
			return bad(f, API_E_BAD_REQUEST, "argv", "argv: "
				"expected an array of strings");
		c->argv = calloc(json_array_size(argv) + 1, sizeof *c->argv);
		if (!c->argv)
			return bad(f, API_E_INTERNAL, NULL, "out of memory");
		json_array_foreach(argv, i, v) {
			char field[32];
			snprintf(field, sizeof field, "argv[%zu]", i);
			if (!json_is_string(v))
				return bad(f, API_E_BAD_REQUEST, field,
					"%s: expected a string", field);
			if (has_nul(v))
				return bad(f, API_E_BAD_REQUEST, field,
					"%s: a WASI argument cannot hold "
					"U+0000", field);
			if (!(c->argv[c->req.argc] = strdup(json_string_value(v))))
				return bad(f, API_E_INTERNAL, NULL,
					"out of memory");
			c->req.argc++;
		}
	} else {
		c->argv = calloc(2, sizeof *c->argv);
		if (!c->argv || !(c->argv[0] = strdup(t->argv0)))
			return bad(f, API_E_INTERNAL, NULL, "out of memory");
		c->req.argc = 1;
	}
	c->req.argv = (const char *const *)c->argv;
	if (env) {
		if (!json_is_object(env))
			return bad(f, API_E_BAD_REQUEST, "env", "env: expected "
				"an object of strings");
		c->env = calloc(json_object_size(env) + 1, sizeof *c->env);
		if (!c->env)
			return bad(f, API_E_INTERNAL, NULL, "out of memory");
		json_object_foreach(env, key, v) {
			char field[96];
			snprintf(field, sizeof field, "env.%.80s", key);
			if (!json_is_string(v) || !key[0] || strchr(key, '='))
				return bad(f, API_E_BAD_REQUEST, field, "%s: "
					"names are non-empty without '=', "
					"values are strings", field);
			if (has_nul(v))
				return bad(f, API_E_BAD_REQUEST, field, "%s: "
					"a WASI environment value cannot hold "
					"U+0000", field);
			size_t n = strlen(key) + json_string_length(v) + 2;
			char *kv = malloc(n);
			if (!kv)
				return bad(f, API_E_INTERNAL, NULL,
					"out of memory");
			snprintf(kv, n, "%s=%s", key, json_string_value(v));
			c->env[c->req.envc++] = kv;
		}
		c->req.env = (const char *const *)c->env;
	}
	if (in) {
		size_t n;
		if (!bytes_get(in, c->base64, "stdin", &c->stdin_data, &n, f))
			return false;
		c->req.stdin_data = c->stdin_data;
		c->req.stdin_len = n;
	}
	if (files) {
		if (!json_is_object(files))
			return bad(f, API_E_BAD_REQUEST, "files", "files: "
				"expected an object: absolute path -> content");
		c->files = calloc(json_object_size(files) + 1, sizeof *c->files);
		if (!c->files)
			return bad(f, API_E_INTERNAL, NULL, "out of memory");
		json_object_foreach(files, key, v) {
			char field[160];
			uint8_t *data = NULL;
			size_t n = 0;
			snprintf(field, sizeof field, "files.%.140s", key);
			if (key[0] != '/')
				return bad(f, API_E_BAD_REQUEST, field, "%s: "
					"paths are absolute", field);
			if (!bytes_get(v, c->base64, field, &data, &n, f))
				return false;
			sb_file *sf = &c->files[c->req.nfiles];
			sf->path = strdup(key);
			sf->data = data;
			sf->len = n;
			c->req.nfiles++;
			if (!sf->path)
				return bad(f, API_E_INTERNAL, NULL,
					"out of memory");
		}
		c->req.files = c->files;
	}
	return wasi_fits(c, f);
}

/* The members of a call document, and which documents take them. */
enum { DOC_CALL = 1, DOC_CREATE = 2, DOC_INSTANCE_CALL = 4 };
#define DOC_ALL (DOC_CALL | DOC_CREATE | DOC_INSTANCE_CALL)
static const struct {
	const char *name;
	unsigned docs;
} doc_members[] = {
	{ "function", DOC_CALL | DOC_INSTANCE_CALL },
	{ "args", DOC_CALL | DOC_INSTANCE_CALL },
	{ "argv", DOC_CALL | DOC_CREATE }, { "env", DOC_CALL | DOC_CREATE },
	{ "stdin", DOC_CALL | DOC_CREATE }, { "files", DOC_CALL | DOC_CREATE },
	{ "limits", DOC_ALL }, { "encoding", DOC_ALL },
};

/* doc is an object whose members the document `which` takes (plus
 * extra_key, if not NULL), and its encoding is read into c. */
static bool members_check(json_t *doc, unsigned which, const char *extra_key,
	api_call *c, api_fail *f)
{
	const char *key;
	json_t *v;

	if (!json_is_object(doc))
		return bad(f, API_E_BAD_REQUEST, NULL, "the body must be a "
			"JSON object");
	json_object_foreach(doc, key, v) {
		bool ok = extra_key && strcmp(key, extra_key) == 0;
		for (size_t i = 0; !ok && i < sizeof doc_members /
		     sizeof doc_members[0]; i++)
			ok = (doc_members[i].docs & which) &&
				strcmp(key, doc_members[i].name) == 0;
		if (!ok) {
			char field[96], names[160];
			size_t used = 0;
			for (size_t i = 0; i < sizeof doc_members /
			     sizeof doc_members[0]; i++)
				if (doc_members[i].docs & which)
					used += (size_t)snprintf(names + used,
						sizeof names - used, "%s%s",
						used ? ", " : "",
						doc_members[i].name);
			snprintf(field, sizeof field, "%.80s", key);
			return bad(f, API_E_BAD_REQUEST, field, "unknown member "
				"'%s' (%s%s%s)", field, names,
				extra_key ? ", " : "", extra_key ? extra_key : "");
		}
	}
	if ((v = json_object_get(doc, "encoding"))) {
		const char *e = json_string_value(v);
		if (!e || has_nul(v) || (strcmp(e, "base64") &&
		    strcmp(e, "utf8") && strcmp(e, "utf-8")))
			return bad(f, API_E_BAD_REQUEST, "encoding", "encoding: "
				"expected \"utf8\" or \"base64\"");
		c->base64 = strcmp(e, "base64") == 0;
	}
	return true;
}

/* A module without WASI takes none of its members. */
static bool no_wasi_members(json_t *doc, api_fail *f)
{
	static const char *const wasi_keys[] = { "argv", "env", "stdin",
		"files" };
	for (size_t i = 0; i < sizeof wasi_keys / sizeof wasi_keys[0]; i++)
		if (json_object_get(doc, wasi_keys[i]))
			return bad(f, API_E_BAD_CALL, wasi_keys[i],
				"%s: the module does not import WASI",
				wasi_keys[i]);
	return true;
}

bool api_instance_parse(json_t *doc, const api_target *t,
	const wh_limits *lim, bool fuel_metering, api_call *c, api_fail *f)
{
	memset(c, 0, sizeof *c);
	if (doc && !members_check(doc, DOC_CREATE, NULL, c, f))
		return false;
	c->req.kind = SB_CALL;
	c->req.instance_op = SB_INSTANCE_CREATE;
	c->capture = t->uses_wasi;
	json_t *none = doc ? NULL : json_object();
	bool ok = (!doc && !none) ? bad(f, API_E_INTERNAL, NULL,
		"out of memory") : true;
	json_t *d = doc ? doc : none;
	if (ok && t->uses_wasi)
		ok = wasi_parse(d, t, c, f);
	if (ok && !t->uses_wasi)
		ok = no_wasi_members(d, f);
	if (ok)
		ok = limits_apply(d, lim, fuel_metering, &c->req, f);
	json_decref(none);
	return ok;
}

bool api_instance_call_parse(json_t *doc, const api_target *t,
	const wh_limits *lim, bool fuel_metering, api_call *c, api_fail *f)
{
	memset(c, 0, sizeof *c);
	if (!members_check(doc, DOC_INSTANCE_CALL, NULL, c, f))
		return false;
	if (!json_is_string(json_object_get(doc, "function")))
		return bad(f, API_E_BAD_REQUEST, "function", "function: the "
			"export to call, a string");
	/* WASI was set up when the instance was made: no argv here. */
	api_target plain = *t;
	plain.uses_wasi = false;
	if (!api_call_parse(doc, &plain, lim, fuel_metering, NULL, c, f))
		return false;
	c->capture = t->uses_wasi;
	c->req.kind = SB_CALL;   /* even _start: a call like any other */
	c->req.instance_op = SB_INSTANCE_CALL;
	return true;
}

bool api_call_parse(json_t *doc, const api_target *t, const wh_limits *lim,
	bool fuel_metering, const char *extra_key, api_call *c, api_fail *f)
{
	json_t *v;

	memset(c, 0, sizeof *c);
	if (!members_check(doc, DOC_CALL, extra_key, c, f))
		return false;
	v = json_object_get(doc, "function");
	if (v && !json_is_string(v))
		return bad(f, API_E_BAD_REQUEST, "function", "function: "
			"expected a string");
	/* Names are bytes: "a\u0000b" is its own export, not "a". */
	const char *fn = v ? json_string_value(v) : "_start";
	size_t fn_len = v ? json_string_length(v) : strlen(fn);
	const wh_func_sig *sig = wh_func_sig_find(t->funcs, t->nfuncs, fn,
		fn_len);
	if (!sig) {
		char names[160] = "", name[72];
		size_t used = 0;
		for (uint32_t i = 0; i < t->nfuncs && used < sizeof names; i++)
			used += (size_t)snprintf(names + used,
				sizeof names - used, "%s%s", i ? ", " : "",
				name_show(t->funcs[i].name,
				t->funcs[i].name_len, name));
		if (!v)
			return bad(f, API_E_BAD_CALL, "function", "no function "
				"given, and the module exports no _start (it "
				"exports: %s)", t->nfuncs ? names : "none");
		return bad(f, API_E_BAD_CALL, "function", "'%s': the "
			"module exports no such function (it exports: %s)",
			name_show(fn, fn_len, name), t->nfuncs ? names : "none");
	}
	if (!(c->function = malloc(fn_len + 1)))
		return bad(f, API_E_INTERNAL, NULL, "out of memory");
	memcpy(c->function, fn, fn_len);
	c->function[fn_len] = '\0';
	c->req.function = c->function;
	c->req.function_len = fn_len;
	bool wasi_run = fn_len == 6 && strcmp(fn, "_start") == 0 &&
		t->uses_wasi &&
		sig->nparams == 0 && sig->nresults == 0;
	c->req.kind = wasi_run ? SB_WASI : SB_CALL;
	c->capture = t->uses_wasi;
	if (wasi_run && json_object_get(doc, "args") &&
	    json_array_size(json_object_get(doc, "args")))
		return bad(f, API_E_BAD_CALL, "args", "args: a WASI program "
			"takes argv, not args");
	if (!wasi_run && !args_parse(doc, t, sig, c, f))
		return false;
	if (t->uses_wasi && !wasi_parse(doc, t, c, f))
		return false;
	if (!t->uses_wasi && !no_wasi_members(doc, f))
		return false;
	return limits_apply(doc, lim, fuel_metering, &c->req, f);
}

/* ---- answers -------------------------------------------------------------- */

static void output(jw *w, const char *name, const uint8_t *data, size_t len,
	bool base64)
{
	jw_key(w, name);
	if (base64)
		jw_base64(w, data, len);
	else
		jw_text(w, data, len);
}

static void message(jw *w, const char *key, const char *msg)
{
	jw_key(w, key);
	jw_text(w, (const uint8_t *)msg, strlen(msg));
}

/* "tiers": the module in the worker that answered, after this call:
 * every figure of every tier the build has, "<tier>_<stat>" as
 * WASM_TIER_STATS names them ("interp_funcs", ..., "opt_osr"), then
 * "bailed_funcs" (refused by any tier), "compile_us" and "osr_entries"
 * summed over the tiers. */
static void tiers_write(jw *w, const sb_tier_stats *ts)
{
	uint64_t refused = 0, compile_ns = 0, osr = 0;
	char key[48];

	jw_key(w, "tiers");
	jw_obj_open(w);
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		const wasm_tier_stats *s = &ts->tier[t];
		refused += s->nfuncs_refused;
		compile_ns += s->compile_ns;
		osr += s->osr_entries;
		if (!wasm_tier_available((wasm_tier)t))
			continue;
#define API_STAT_(field, name, div) \
		snprintf(key, sizeof key, "%s_" name, wasm_tier_name((wasm_tier)t)); \
		jw_key(w, key); \
		jw_uint(w, s->field / (div));
		WASM_TIER_STATS(API_STAT_)
#undef API_STAT_
	}
	jw_key(w, "bailed_funcs");
	jw_uint(w, refused);
	jw_key(w, "compile_us");
	jw_uint(w, compile_ns / 1000);
	jw_key(w, "osr_entries");
	jw_uint(w, osr);
	jw_obj_close(w);
}

char *api_outcome_body(const sb_result *res, const api_call *c,
	const char *tier, size_t *len)
{
	jw w;

	jw_init(&w);
	jw_obj_open(&w);
	jw_key(&w, "outcome");
	jw_str(&w, sb_outcome_name(res->outcome));
	switch (res->outcome) {
	case SB_OK:
		jw_key(&w, "results");
		jw_arr_open(&w);
		for (uint32_t i = 0; i < res->nresults; i++)
			jw_value(&w, &res->results[i]);
		jw_arr_close(&w);
		break;
	case SB_EXIT:
		jw_key(&w, "exit_code");
		jw_int(&w, res->exit_code);
		break;
	case SB_TRAP:
	case SB_TIMEOUT:
		jw_key(&w, "trap");
		jw_obj_open(&w);
		jw_key(&w, "kind");
		jw_str(&w, wasm_trap_kind_name(res->outcome == SB_TIMEOUT ?
			WASM_TRAP_TIMEOUT : res->trap));
		message(&w, "message", res->message);
		if (res->func_name[0])
			message(&w, "function", res->func_name);
		if (res->func_index != WASM_NO_INDEX) {
			jw_key(&w, "func_index");
			jw_uint(&w, res->func_index);
		}
		if (res->offset != SIZE_MAX) {
			jw_key(&w, "offset");
			jw_uint(&w, res->offset);
		}
		jw_obj_close(&w);
		break;
	case SB_LIMIT:
		jw_key(&w, "limit");
		jw_str(&w, sb_limit_name(res->limit));
		message(&w, "message", res->message);
		break;
	case SB_KILLED:
		if (res->signal) {
			jw_key(&w, "signal");
			jw_str(&w, sb_signal_name(res->signal));
		} else {
			jw_key(&w, "exit_status");
			jw_int(&w, res->exit_code);
		}
		message(&w, "message", res->message);
		break;
	default:
		message(&w, "message", res->message);
		break;
	}
	if (c->capture) {
		output(&w, "stdout", res->stdout_data, res->stdout_len,
			c->base64);
		output(&w, "stderr", res->stderr_data, res->stderr_len,
			c->base64);
		jw_key(&w, "stdout_truncated");
		jw_bool(&w, res->stdout_truncated);
		jw_key(&w, "stderr_truncated");
		jw_bool(&w, res->stderr_truncated);
		if (c->base64) {
			jw_key(&w, "encoding");
			jw_str(&w, "base64");
		}
	}
	jw_key(&w, "stats");
	jw_obj_open(&w);
	jw_key(&w, "wall_us");
	jw_uint(&w, res->wall_us);
	/* Making this call's instance (0: a persistent one, made before). */
	jw_key(&w, "instantiate_us");
	jw_uint(&w, res->instantiate_us);
	jw_key(&w, "from_snapshot");
	jw_bool(&w, res->from_snapshot);
	jw_key(&w, "memory_pages");
	jw_uint(&w, res->memory_pages);
	if (c->req.has_fuel) {
		jw_key(&w, "fuel_used");
		jw_uint(&w, c->req.fuel >= res->fuel_left ?
			c->req.fuel - res->fuel_left : 0);
	}
	/* The workers' configured tier (auto: interpreter, then the JIT). */
	jw_key(&w, "tier");
	jw_str(&w, tier);
	if (res->has_tiers)
		tiers_write(&w, &res->tiers);
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_raw(&w, "\n", 1);
	return jw_take(&w, len);
}

wh_func_sig *api_sigs_from_result(const sb_result *res, uint32_t *n,
	bool *uses_wasi)
{
	wh_func_sig *s = calloc(res->nexports + 1, sizeof *s);

	*n = 0;
	*uses_wasi = false;
	if (!s)
		return NULL;
	for (uint32_t i = 0; i < res->nimports; i++)
		if (res->imports[i].module &&
		    res->imports[i].module_len ==
		    strlen("wasi_snapshot_preview1") &&
		    strcmp(res->imports[i].module, "wasi_snapshot_preview1") == 0)
			*uses_wasi = true;
	for (uint32_t i = 0; i < res->nexports; i++) {
		const sb_extern *e = &res->exports[i];
		if (e->kind != WASM_EXTERN_FUNC)
			continue;
		s[*n].name = e->name;
		s[*n].name_len = e->name_len;
		s[*n].nparams = e->nparams;
		s[*n].nresults = e->nresults;
		s[*n].params = e->params;
		s[*n].results = e->results;
		(*n)++;
	}
	return s;
}
