/* http.h -- the request head read strictly (RFC 9112), and the framing
 * rules every request is held to, written once.
 *
 * Two readers fill the same facts about a request: the front door
 * (front.c) reads a connection's first request head from its raw bytes
 * (http_head_read), and routes.c reads every request from libmicrohttpd's
 * parsed view, the only view there is of the later requests of a
 * kept-alive connection.  http_judge turns the facts into a refusal or
 * none, so that both refuse the same requests with the same status and
 * message (as nginx does: a request two servers could read two ways is
 * refused, never guessed at).
 */
#ifndef API_HTTP_H
#define API_HTTP_H

#include "errors.h"

#include <stdbool.h>
#include <stddef.h>

/* What a reader saw.  A reader that cannot see a fact leaves it false or
 * 0 (libmicrohttpd refuses a bad Content-Length itself, and hides a lone
 * NUL at the end of a line). */
typedef struct {
	bool nul_line;              /* a NUL in the request line */
	bool nul_header;            /* a NUL in a header line (or a fold) */
	bool nul_auth;              /* a NUL in the Authorization line */
	bool folded;                /* a header line continued (obs-fold) */
	bool space_before_colon;    /* "Name : value" */
	bool cl_bad;                /* Content-Length not 1*DIGIT */
	bool cl_huge;               /* Content-Length past 2^64 - 1 */
	bool version_1_1;
	unsigned content_length, transfer_encoding, host;   /* how many */
	const char *te;             /* the Transfer-Encoding value, or NULL */
	size_t te_len;
} http_facts;

/* A refusal: the error (its status from api/errors.h) and the message. */
typedef struct {
	api_error error;
	const char *message;
} http_refusal;

/* false: the request is refused, *why says how. */
bool http_judge(const http_facts *f, http_refusal *why);

typedef enum {
	HTTP_HEAD_MORE,             /* no error yet; the head is not complete */
	HTTP_HEAD_OK,               /* a well-formed head of head_len bytes */
	HTTP_HEAD_REFUSED,          /* an HTTP request to refuse: why */
	HTTP_HEAD_NOT_HTTP,         /* not HTTP at all (TLS, binary, blank lines) */
} http_head_status;

typedef struct {
	size_t head_len;            /* HTTP_HEAD_OK: the blank line included */
	/* Into the last call's buffer, for the access line; NULL (length 0)
	 * when the request line was not read. */
	const char *method, *target;
	size_t method_len, target_len;
	bool head;                  /* the method is HEAD: no body in answers */
	http_refusal why;           /* HTTP_HEAD_REFUSED */
	/* The reader's own: where it stopped, what it saw. */
	bool started, in_headers;
	size_t at, method_at, target_at, te_at;
	http_facts f;
} http_head;

/* Reads the start of a connection: buf holds its first len bytes, and h
 * is zeroed before the first call; a later call, with more bytes (the
 * same ones first), reads on from the last complete line.  Lines
 * end with CRLF or LF.  Refusals come as soon as a complete line shows
 * one; with no end of head in max_bytes, 414 (within the request line) or
 * 431.  Up to HTTP_BLANK_LINES_MAX empty lines before the request line
 * are skipped (RFC 9112, section 2.2); more are not HTTP. */
#define HTTP_BLANK_LINES_MAX 4
http_head_status http_head_read(const char *buf, size_t len, size_t max_bytes,
	http_head *h);

#endif
