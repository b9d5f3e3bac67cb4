/* errors.h -- every error the API answers, in one table (as LuaJIT keeps
 * its messages in lj_errmsg.h): the HTTP status, the stable `code` clients
 * match on, and a default message.  The body is always
 *   {"error":{"code":"...","message":"..."[,"field":"..."][,"offset":N]}}
 * with "field" naming the request member at fault ("args[1]",
 * "limits.timeout_ms") and "offset" the byte offset in a module. */
#ifndef API_ERRORS_H
#define API_ERRORS_H

#include <stddef.h>

/* Every HTTP status the daemon answers, with its reason phrase (RFC 9110,
 * section 15): the error table below names its statuses from this list (a
 * status missing here does not compile), /metrics counts requests by it,
 * and the front door (front.c) writes its status lines from it. */
#define API_STATUSES(X)                                                      \
	X(200, "OK")                                                         \
	X(201, "Created")                                                    \
	X(204, "No Content")                                                 \
	X(400, "Bad Request")                                                \
	X(401, "Unauthorized")                                               \
	X(403, "Forbidden")                                                  \
	X(404, "Not Found")                                                  \
	X(405, "Method Not Allowed")                                         \
	X(408, "Request Timeout")                                            \
	X(409, "Conflict")                                                   \
	X(410, "Gone")                                                       \
	X(413, "Content Too Large")                                          \
	X(414, "URI Too Long")                                               \
	X(415, "Unsupported Media Type")                                     \
	X(422, "Unprocessable Content")                                      \
	X(429, "Too Many Requests")                                          \
	X(431, "Request Header Fields Too Large")                            \
	X(500, "Internal Server Error")                                      \
	X(501, "Not Implemented")                                            \
	X(503, "Service Unavailable")                                        \
	X(505, "HTTP Version Not Supported")

enum {
#define X(status, reason) API_HTTP_##status = status,
	API_STATUSES(X)
#undef X
};

/* The statuses above in order, and how many. */
extern const unsigned api_statuses[];
extern const size_t api_nstatuses;
/* The reason phrase of a status above; "Unknown" for any other. */
const char *api_status_reason(unsigned status);

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
	X(TIMEOUT, 408, "request_timeout",                                   \
		"the request's headers did not arrive in time")                 \
	X(EXISTS, 409, "module_exists",                                      \
		"the tenant holds this module already")                        \
	X(GONE, 410, "instance_gone", "the instance has ended")              \
	X(NOT_INSTANTIATED, 422, "instantiate_failed",                       \
		"the instance could not be made")                              \
	X(TOO_LARGE, 413, "payload_too_large",                               \
		"the body is larger than the tenant's limit")                  \
	X(URI_TOO_LONG, 414, "uri_too_long",                                \
		"the request line is longer than max_header_bytes")           \
	X(MEDIA_TYPE, 415, "unsupported_media_type",                         \
		"wrong Content-Type")                                          \
	X(BUSY, 429, "too_many_requests",                                    \
		"the tenant's invocation slots and queue are full; retry")     \
	X(HEADERS_TOO_LARGE, 431, "headers_too_large",                      \
		"the request's headers are larger than max_header_bytes")     \
	X(INTERNAL, 500, "internal_error", "internal error")                 \
	X(NOT_IMPLEMENTED, 501, "not_implemented",                           \
		"the request uses an HTTP feature the daemon does not have")   \
	X(UNAVAILABLE, 503, "unavailable",                                   \
		"the daemon cannot run invocations now; retry")               \
	X(VERSION, 505, "http_version_not_supported",                       \
		"the daemon speaks HTTP/1.0 and HTTP/1.1") \
	X(MEMORY_BUSY, 503, "busy",                                          \
		"the call needs more worker memory than the daemon may give "  \
		"(workers.max_memory_bytes)")

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
