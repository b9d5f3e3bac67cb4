/* console.c -- the web console's files, served from memory, and the
 * same-origin check (see console.h). */
#include "console.h"
#include "errors.h"
#include "reply.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* No inline script or style, nothing from another origin, no framing, no
 * form posts; fetch() only to this daemon (connect-src 'self'). */
#define CONSOLE_CSP "default-src 'none'; script-src 'self'; " \
	"style-src 'self'; img-src 'self'; connect-src 'self'; " \
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

static const char *content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static enum MHD_Result console_send(struct MHD_Connection *c, unsigned status,
	const char *ctype, void *body, size_t len, enum MHD_ResponseMemoryMode
	mode, const char *allow)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len,
		body, mode);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp,
		MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY, CONSOLE_CSP);
	api_reply_headers(resp);
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy",
		"same-origin");
	/* Revalidated on every load: a new daemon may bring a new page. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		"no-cache");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, api_error e,
	const char *allow)
{
	size_t len = 0;
	char *body = api_error_body(e, NULL, NULL, SIZE_MAX, &len);
	if (!body)
		return MHD_NO;
	return console_send(c, api_error_status(e), "application/json", body, len,
		MHD_RESPMEM_MUST_FREE, allow);
}

bool api_console_serve(struct MHD_Connection *c, const char *url,
	const char *method, enum MHD_Result *ret, unsigned *status)
{
	const char *name;

	if (strcmp(url, "/") == 0)
		name = "index.html";
	else if (strncmp(url, "/console/", 9) == 0)
		name = url + 9;
	else
		return false;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		*status = 405;
		*ret = send_error(c, API_E_METHOD, "GET, HEAD");
		return true;
	}
	for (const api_console_file *f = api_console_files; f->name; f++) {
		if (strcmp(f->name, name) == 0) {
			*status = 200;
			*ret = console_send(c, 200, content_type(name),
				(void *)f->data, f->len,
				MHD_RESPMEM_PERSISTENT, NULL);
			return true;
		}
	}
	*status = 404;
	*ret = send_error(c, API_E_NOT_FOUND, NULL);
	return true;
}

/* Length of an authority without its scheme's default port. */
static size_t authority_len(const char *a, size_t n, bool https)
{
	const char *dflt = https ? ":443" : ":80";
	size_t d = strlen(dflt);
	if (n > d && strncmp(a + n - d, dflt, d) == 0)
		return n - d;
	return n;
}

bool api_same_origin(struct MHD_Connection *c)
{
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		"Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		"Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_HOST);
	const char *a;
	bool https;

	if (site && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return false;
	if (!origin)
		return true;
	if (strncasecmp(origin, "http://", 7) == 0) {
		a = origin + 7;
		https = false;
	} else if (strncasecmp(origin, "https://", 8) == 0) {
		a = origin + 8;
		https = true;
	} else {
		return false;   /* "null" (a sandboxed frame, a file) and others */
	}
	if (!host)
		return false;
	size_t na = authority_len(a, strlen(a), https);
	size_t nh = authority_len(host, strlen(host), https);
	return na > 0 && na == nh && strncasecmp(a, host, na) == 0;
}
