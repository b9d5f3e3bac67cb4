/* httpc.h -- a minimal HTTP/1.1 client for `wasmhost`'s daemon verbs:
 * one request per connection (Connection: close), plain http:// only,
 * Content-Length or chunked answers.  Enough to talk to wasmhostd (or a
 * reverse proxy in front of it) without adding libcurl to the build. */
#ifndef WH_HTTPC_H
#define WH_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	int status;               /* e.g. 200 */
	char *body;               /* NUL-terminated (the body may hold NULs) */
	size_t len;
	char content_type[128];
} httpc_response;

typedef struct {
	const char *base_url;     /* "http://HOST[:PORT]" (default port 80) */
	const char *token;        /* Authorization: Bearer, or NULL */
	unsigned timeout_s;       /* connect, send, and each read; 0 = 300 */
} httpc_target;

/* Sends METHOD base_url+path with body (NULL for none) and reads the whole
 * answer.  false with a message in err when there is no HTTP answer
 * (refused, timed out, malformed); any status is success here. */
__attribute__((warn_unused_result))
bool httpc_request(const httpc_target *t, const char *method,
	const char *path, const char *content_type, const void *body,
	size_t len, httpc_response *out, char *err, size_t errlen);
void httpc_response_free(httpc_response *r);

#endif
