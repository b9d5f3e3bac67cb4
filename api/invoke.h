/* invoke.h -- an invoke document (JSON) into a sandbox request, checked
 * against the module's exports and the tenant's limits; and a sandbox
 * result into the answer.
 *
 *   {"function":"add","args":[1,2]}                       a call
 *   {"argv":[...],"env":{...},"stdin":"...","files":{...}} a WASI program
 *   "limits":{"timeout_ms","fuel","memory_pages"}          optional, within
 *                                                         the tenant's
 *   "encoding":"base64"                                   stdin, files,
 *                                                         stdout, stderr
 * The document may hold U+0000 ("\u0000") in a string: "function" is
 * read whole (an export name may hold it), stdin and files as the bytes
 * they are; argv, env and encoding refuse it.
 * Without "function", the module's _start runs (WASI when the module
 * imports WASI).  WASI fields also reach a called export of a module that
 * imports WASI.  POST /v1/run adds "module" (base64 of the .wasm).
 */
#ifndef API_INVOKE_H
#define API_INVOKE_H

#include "errors.h"
#include "config.h"
#include "sandbox.h"
#include "store.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct {
	sb_request req;            /* points into the members below */
	char *function;            /* req.function_len bytes and a NUL */
	wasm_value *args;
	char **argv, **env;
	uint8_t *stdin_data;
	sb_file *files;
	bool base64;               /* encoding: base64 */
	bool capture;              /* the answer carries stdout/stderr */
} api_call;

/* What the call is checked against. */
typedef struct {
	const wh_func_sig *funcs;
	uint32_t nfuncs;
	bool uses_wasi;
	const char *argv0;         /* default argv[0] */
	/* The document's JSON text, where a float argument written -0 is
	 * read again with its sign (jansson makes it the integer 0); NULL:
	 * such an argument is +0.0. */
	const char *text;
	size_t text_len;
} api_target;

typedef struct {
	api_error error;
	char message[256];
	char field[96];            /* "" = none */
} api_fail;

/* Fills call from doc.  extra_key names one more allowed member ("module"
 * for /v1/run) or is NULL.  false with f filled on any problem. */
__attribute__((warn_unused_result))
bool api_call_parse(json_t *doc, const api_target *t, const wh_limits *lim,
	bool fuel_metering, const char *extra_key, api_call *call,
	api_fail *f);
void api_call_free(api_call *call);
/* The body of POST /v1/instances/{iid}/invoke: function, args, limits,
 * encoding (WASI's members were given at the instance's creation).  The
 * request is an SB_INSTANCE_CALL (its instance is the caller's to set). */
__attribute__((warn_unused_result))
bool api_instance_call_parse(json_t *doc, const api_target *t,
	const wh_limits *lim, bool fuel_metering, api_call *call,
	api_fail *f);
/* The body of POST /v1/modules/{id}/instances (doc NULL: none): limits,
 * and for a WASI module argv, env, stdin and files for the instance's
 * life; no function.  The request is an SB_INSTANCE_CREATE. */
__attribute__((warn_unused_result))
bool api_instance_parse(json_t *doc, const api_target *t,
	const wh_limits *lim, bool fuel_metering, api_call *call,
	api_fail *f);

/* The 200 answer for outcomes ok, exit, trap, timeout, limit, killed,
 * instantiate_error.  NULL if memory ran out. */
char *api_outcome_body(const sb_result *res, const api_call *call,
	const char *tier, size_t *len);

/* The signature list of an SB_INSPECT result's exports (pointing into
 * res); free the array only.  NULL if memory ran out. */
wh_func_sig *api_sigs_from_result(const sb_result *res, uint32_t *n,
	bool *uses_wasi);

#endif
