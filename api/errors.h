/* errors.h -- every error the API answers, in one table (as LuaJIT keeps
 * its messages in lj_errmsg.h): the HTTP status, the stable `code` clients
 * match on, and a default message.  The body is always
 *   {"error":{"code":"...","message":"..."[,"field":"..."][,"offset":N]}}
 * with "field" naming the request member at fault ("args[1]",
 * "limits.timeout_ms") and "offset" the byte offset in a module. */
#ifndef API_ERRORS_H
#define API_ERRORS_H

#include <stddef.h>

#define API_ERRORS(X)                                                        \
	X(BAD_JSON, 400, "bad_json", "the body is not valid JSON")           \
	X(BAD_REQUEST, 400, "bad_request", "the request is malformed")       \
	X(INVALID_MODULE, 400, "invalid_module",                             \
		"the module does not decode or validate")                      \
	X(BAD_CALL, 400, "bad_call",                                         \
		"the call does not fit the module's exports")                  \
	X(UNAUTHORIZED, 401, "unauthorized",                                 \
		"a valid bearer token is required (Authorization: Bearer ...)") \
	X(FORBIDDEN, 403, "forbidden", "this token may not use this route")  \
	X(QUOTA, 403, "quota_exceeded", "the tenant's module limit is reached") \
	X(NOT_FOUND, 404, "not_found", "no such route")                      \
	X(NO_MODULE, 404, "module_not_found", "no such module")              \
	X(NO_INSTANCE, 404, "instance_not_found", "no such instance")        \
	X(METHOD, 405, "method_not_allowed",                                 \
		"the route does not take this method")                         \
	X(EXISTS, 409, "module_exists",                                      \
		"the tenant holds this module already")                        \
	X(GONE, 410, "instance_gone", "the instance has ended")              \
	X(NOT_INSTANTIATED, 422, "instantiate_failed",                       \
		"the instance could not be made")                              \
	X(TOO_LARGE, 413, "payload_too_large",                               \
		"the body is larger than the tenant's limit")                  \
	X(MEDIA_TYPE, 415, "unsupported_media_type",                         \
		"wrong Content-Type")                                          \
	X(BUSY, 429, "too_many_requests",                                    \
		"the tenant's invocation slots and queue are full; retry")     \
	X(INTERNAL, 500, "internal_error", "internal error")                 \
	X(NOT_IMPLEMENTED, 501, "not_implemented",                           \
		"the request uses an HTTP feature the daemon does not have")   \
	X(UNAVAILABLE, 503, "unavailable",                                   \
		"the daemon cannot run invocations now; retry")

typedef enum {
#define X(name, status, code, msg) API_E_##name,
	API_ERRORS(X)
#undef X
	API_E_COUNT_
} api_error;

unsigned api_error_status(api_error e);
const char *api_error_code(api_error e);

/* The error document; message NULL = the table's; field NULL = none;
 * offset SIZE_MAX = none.  *len set; NULL only if memory ran out. */
char *api_error_body(api_error e, const char *message, const char *field,
	size_t offset, size_t *len);

#endif
