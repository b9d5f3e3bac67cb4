/* httpc.c -- the minimal HTTP/1.1 client. */
#include "httpc.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Answers larger than this are refused (a module list of a big tenant
 * stays far below it). */
#define ANSWER_MAX_BYTES (UINT64_C(1) << 30)

static bool fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

void httpc_response_free(httpc_response *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* "http://host:port" into host and port. */
static bool url_split(const char *url, char *host, size_t hostlen,
	char *port, size_t portlen)
{
	if (strncmp(url, "http://", 7) != 0)
		return false;
	const char *h = url + 7, *end = h + strcspn(h, "/");
	const char *colon;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));
		if (!close)
			return false;
		if ((size_t)(close - h - 1) >= hostlen)
			return false;
		memcpy(host, h + 1, (size_t)(close - h - 1));
		host[close - h - 1] = '\0';
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		const char *hend = colon ? colon : end;
		if ((size_t)(hend - h) >= hostlen || hend == h)
			return false;
		memcpy(host, h, (size_t)(hend - h));
		host[hend - h] = '\0';
	}
	if (colon) {
		if ((size_t)(end - colon - 1) >= portlen || end == colon + 1)
			return false;
		memcpy(port, colon + 1, (size_t)(end - colon - 1));
		port[end - colon - 1] = '\0';
	} else {
		snprintf(port, portlen, "80");
	}
	return true;
}

static bool send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Decodes a chunked body in place; false if malformed. */
static bool dechunk(char *b, size_t len, size_t *out)
{
	size_t r = 0, w = 0;
	for (;;) {
		char *end;
		if (r >= len)
			return false;
		unsigned long long n = strtoull(b + r, &end, 16);
		char *crlf = memchr(b + r, '\n', len - r);
		if (end == b + r || !crlf)
			return false;
		r = (size_t)(crlf - b) + 1;
		if (n == 0)
			break;
		if (n > len - r)
			return false;
		memmove(b + w, b + r, (size_t)n);
		w += (size_t)n;
		r += (size_t)n;
		if (r < len && b[r] == '\r')
			r++;
		if (r < len && b[r] == '\n')
			r++;
	}
	*out = w;
	return true;
}

static const char *header_find(const char *head, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			p += 3 + n;
			while (*p == ' ')
				p++;
			return p;
		}
	return NULL;
}

bool httpc_request(const httpc_target *t, const char *method,
	const char *path, const char *content_type, const void *body,
	size_t len, httpc_response *out, char *err, size_t errlen)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int fd = -1, rc;
	char *buf = NULL;
	size_t got = 0, cap = 0;
	bool ok = false;

	memset(out, 0, sizeof *out);
	if (!url_split(t->base_url, host, sizeof host, port, sizeof port))
		return fail(err, errlen, "%s: expected http://HOST[:PORT]",
			t->base_url);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return fail(err, errlen, "%s: %s", host, gai_strerror(rc));
	struct timeval tv = { .tv_sec = t->timeout_s ? t->timeout_s : 300 };
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fail(err, errlen, "cannot connect to %s: %s (is "
			"wasmhostd running?)", t->base_url, strerror(errno));

	char head[2048];
	int n = snprintf(head, sizeof head,
		"%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: wasmhost/"
		PACKAGE_VERSION "\r\nAccept: application/json\r\n"
		"Connection: close\r\n", method, path, host, port);
	if (t->token && t->token[0])
		n += snprintf(head + n, sizeof head - (size_t)n,
			"Authorization: Bearer %s\r\n", t->token);
	if (body) {
		if (content_type)
			n += snprintf(head + n, sizeof head - (size_t)n,
				"Content-Type: %s\r\n", content_type);
		n += snprintf(head + n, sizeof head - (size_t)n,
			"Content-Length: %zu\r\n", len);
	}
	n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
	if ((size_t)n >= sizeof head) {
		fail(err, errlen, "request header too long");
		goto out;
	}
	if (!send_all(fd, head, (size_t)n) || (body && len &&
		!send_all(fd, body, len))) {
		/* The server may answer early (413, 401) and close: read it. */
		shutdown(fd, SHUT_WR);
	}
	for (;;) {
		if (got + 65536 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 131072;
			char *nb = realloc(buf, ncap);
			if (!nb || (uint64_t)ncap > ANSWER_MAX_BYTES) {
				free(nb);
				buf = NULL;
				fail(err, errlen, "answer too large");
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = recv(fd, buf + got, cap - got - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(err, errlen, "reading the answer: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (!buf || got < 12 || strncmp(buf, "HTTP/1.", 7) != 0) {
		fail(err, errlen, "%s did not answer HTTP", t->base_url);
		goto out;
	}
	buf[got] = '\0';
	char *sep = strstr(buf, "\r\n\r\n");
	if (!sep) {
		fail(err, errlen, "truncated HTTP answer");
		goto out;
	}
	*sep = '\0';
	out->status = atoi(buf + 9);
	const char *ct = header_find(buf, "Content-Type");
	if (ct)
		snprintf(out->content_type, sizeof out->content_type, "%.*s",
			(int)strcspn(ct, "\r\n"), ct);
	const char *te = header_find(buf, "Transfer-Encoding");
	const char *cl = header_find(buf, "Content-Length");
	size_t start = (size_t)(sep - buf) + 4, blen = got - start;
	if (te && strncasecmp(te, "chunked", 7) == 0) {
		if (!dechunk(buf + start, blen, &blen)) {
			fail(err, errlen, "malformed chunked answer");
			goto out;
		}
	} else if (cl && strtoull(cl, NULL, 10) < blen) {
		blen = (size_t)strtoull(cl, NULL, 10);
	}
	memmove(buf, buf + start, blen);
	buf[blen] = '\0';
	out->body = buf;
	out->len = blen;
	buf = NULL;
	ok = true;
out:
	free(buf);
	close(fd);
	return ok;
}
