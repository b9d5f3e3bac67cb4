/* http.c -- the strict request-head reader and the framing rules (see
 * http.h). */
#include "http.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

bool http_judge(const http_facts *f, http_refusal *why)
{
	const char *bad = NULL;

	if (f->nul_line)
		bad = "a NUL byte in the request line";
	else if (f->folded)
		bad = "a folded header line";
	else if (f->nul_header)
		bad = "a NUL byte (or a folded line) in a header";
	else if (f->space_before_colon)
		bad = "white space between a header's name and its colon";
	else if (f->content_length > 1)
		bad = "more than one Content-Length";
	else if (f->content_length && f->transfer_encoding)
		bad = "both Content-Length and Transfer-Encoding";
	else if (f->transfer_encoding > 1)
		bad = "more than one Transfer-Encoding";
	else if (f->host > 1)
		bad = "more than one Host";
	else if (!f->host && f->version_1_1)
		bad = "HTTP/1.1 without Host";
	else if (f->cl_bad)
		bad = "Content-Length is not a number";
	if (bad) {
		why->error = API_E_BAD_REQUEST;
		why->message = bad;
		return false;
	}
	if (f->nul_auth) {
		/* Bytes after a NUL are part of the token, which therefore
		 * matches no tenant's. */
		why->error = API_E_UNAUTHORIZED;
		why->message = "unknown token";
		return false;
	}
	if (f->cl_huge) {
		why->error = API_E_TOO_LARGE;
		why->message = "Content-Length is past 2^64";
		return false;
	}
	if (f->te && (f->te_len != 7 || strncasecmp(f->te, "chunked", 7) != 0)) {
		why->error = API_E_NOT_IMPLEMENTED;
		why->message = "the only Transfer-Encoding taken is chunked";
		return false;
	}
	return true;
}

/* tchar (RFC 9110, section 5.6.2). */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static http_head_status refuse(http_head *h, api_error e, const char *msg)
{
	h->why.error = e;
	h->why.message = msg;
	return HTTP_HEAD_REFUSED;
}

static http_head_status judge(http_head *h, const http_facts *f)
{
	return http_judge(f, &h->why) ? HTTP_HEAD_OK : HTTP_HEAD_REFUSED;
}

static bool name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* "HTTP/" DIGIT "." DIGIT: 0 not that, 10 or 11, or another version. */
static int version_read(const char *p, size_t n)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' ||
	    p[6] != '.' || p[7] < '0' || p[7] > '9')
		return 0;
	return (p[5] - '0') * 10 + (p[7] - '0') + (p[5] == '0' && p[7] == '0');
}

/* The request line (without its line end).  MORE means fine. */
static http_head_status request_line(const char *buf, const char *p, size_t n,
	http_head *h)
{
	http_facts *f = &h->f;

	if (memchr(p, '\0', n)) {
		f->nul_line = true;
		return judge(h, f);
	}
	size_t m = 0;
	while (m < n && is_tchar((unsigned char)p[m]))
		m++;
	h->method_at = (size_t)(p - buf);
	h->method_len = m;
	h->head = m == 4 && memcmp(p, "HEAD", 4) == 0;
	if (m == 0 || m == n || p[m] != ' ')
		return refuse(h, API_E_BAD_REQUEST, "a malformed request line");
	const char *t = p + m + 1, *end = p + n;
	const char *sp = memchr(t, ' ', (size_t)(end - t));
	h->target_at = (size_t)(t - buf);
	h->target_len = (size_t)((sp ? sp : end) - t);
	if (!sp || sp == t)
		return refuse(h, API_E_BAD_REQUEST, "a malformed request line");
	for (const char *q = t; q < sp; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return refuse(h, API_E_BAD_REQUEST, "a request target "
				"with a byte that is not visible ASCII");
	int v = version_read(sp + 1, (size_t)(end - sp - 1));
	if (v == 0)
		return refuse(h, API_E_BAD_REQUEST, "a malformed request line");
	if (v != 10 && v != 11)
		return refuse(h, API_E_VERSION, NULL);
	f->version_1_1 = v == 11;
	return HTTP_HEAD_MORE;
}

/* Content-Length: 1*DIGIT, at most 2^64 - 1. */
static void content_length(const char *v, size_t n, http_facts *f)
{
	uint64_t x = 0;

	f->content_length++;
	if (n == 0)
		f->cl_bad = true;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			f->cl_bad = true;
			return;
		}
		unsigned d = (unsigned)(v[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			f->cl_huge = true;
		x = x * 10 + d;
	}
}

/* One header line (without its line end).  MORE means fine. */
static http_head_status header_line(const char *buf, const char *p, size_t n,
	http_head *h)
{
	http_facts *f = &h->f;

	if (p[0] == ' ' || p[0] == '\t') {
		f->folded = true;
		return judge(h, f);
	}
	size_t m = 0;
	while (m < n && is_tchar((unsigned char)p[m]))
		m++;
	bool auth = name_is(p, m, "Authorization");
	size_t c = m;
	while (c < n && (p[c] == ' ' || p[c] == '\t'))
		c++;
	if (c < n && p[c] == ':' && c > m && m > 0) {
		f->space_before_colon = true;
		return judge(h, f);
	}
	if (m < n && p[m] == '\0') {
		f->nul_header = true;
		return judge(h, f);
	}
	if (m == 0 || m == n || p[m] != ':')
		return refuse(h, API_E_BAD_REQUEST, m == n ? "a header line "
			"without a colon" : "a malformed header name");
	const char *v = p + m + 1, *end = p + n;
	for (const char *q = v; q < end; q++) {
		unsigned char ch = (unsigned char)*q;
		if (ch == '\0') {
			if (auth)
				f->nul_auth = true;
			else
				f->nul_header = true;
			return judge(h, f);
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return refuse(h, API_E_BAD_REQUEST, "a control character "
				"in a header value");
	}
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vn = (size_t)(end - v);
	if (name_is(p, m, "Content-Length"))
		content_length(v, vn, f);
	else if (name_is(p, m, "Transfer-Encoding")) {
		f->transfer_encoding++;
		f->te = v;
		h->te_at = (size_t)(v - buf);
		f->te_len = vn;
	} else if (name_is(p, m, "Host"))
		f->host++;
	return HTTP_HEAD_MORE;
}

/* The pointers into this call's buffer, from the offsets kept. */
static http_head_status with_pointers(const char *buf, http_head *h,
	http_head_status st)
{
	h->method = h->method_len ? buf + h->method_at : NULL;
	h->target = h->target_len ? buf + h->target_at : NULL;
	return st;
}

http_head_status http_head_read(const char *buf, size_t len, size_t max_bytes,
	http_head *h)
{
	size_t at = h->at;

	if (!h->started) {
		/* Empty lines before the request line (CRLF each, or LF). */
		size_t blank = 0;
		at = 0;
		while (at < len && (buf[at] == '\r' || buf[at] == '\n')) {
			if (++blank > 2 * HTTP_BLANK_LINES_MAX)
				return HTTP_HEAD_NOT_HTTP;
			at++;
		}
		if (at < len && !is_tchar((unsigned char)buf[at]))
			return HTTP_HEAD_NOT_HTTP;   /* TLS (0x16), binary */
		if (at == len)
			return HTTP_HEAD_MORE;
		h->started = true;
		h->at = at;
	}
	if (h->f.transfer_encoding)
		h->f.te = buf + h->te_at;
	/* Only the lines not read yet: a head that trickles in costs its
	 * length once, not once per arrival. */
	size_t scan_len = len < max_bytes ? len : max_bytes;
	while (at < scan_len) {
		const char *nl = memchr(buf + at, '\n', scan_len - at);
		if (!nl)
			break;
		const char *p = buf + at;
		size_t n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\r', n))
			return with_pointers(buf, h, refuse(h,
				API_E_BAD_REQUEST, "a CR byte inside a line"));
		at = (size_t)(nl - buf) + 1;
		http_head_status st;
		if (!h->in_headers) {
			h->in_headers = true;
			st = request_line(buf, p, n, h);
		} else if (n == 0) {
			h->head_len = at;
			return with_pointers(buf, h, judge(h, &h->f));
		} else {
			st = header_line(buf, p, n, h);
		}
		if (st != HTTP_HEAD_MORE)
			return with_pointers(buf, h, st);
		h->at = at;
	}
	if (len < max_bytes)
		return with_pointers(buf, h, HTTP_HEAD_MORE);
	return with_pointers(buf, h, h->in_headers ?
		refuse(h, API_E_HEADERS_TOO_LARGE, NULL) :
		refuse(h, API_E_URI_TOO_LONG, NULL));
}
