/* front.h -- the front door: the daemon's own accept loop before
 * libmicrohttpd.
 *
 * libmicrohttpd 0.9.75 answers some malformed requests itself, with HTML
 * bodies and no access line (400, 413, 414, 431, 505; a Content-Length
 * past 2^64 gets its header block twice), and holds bytes that are not
 * HTTP until the idle timeout.  Its bodies cannot be replaced.  So the
 * daemon accepts connections itself, on one thread with epoll, and reads
 * each connection's first request head with recv(MSG_PEEK), which leaves
 * the bytes where they are, under the header deadline, the connection
 * caps (all, and per client address) and max_header_bytes.  The head is
 * read strictly (http_head_read, http.h); a refusal is answered here with
 * the API's JSON error and an access line, then the connection closed;
 * bytes that are not HTTP are dropped at once; a well-formed head's
 * connection goes to libmicrohttpd (MHD_add_connection, through `hand`),
 * which reads the same bytes again.  Later requests of a kept-alive
 * connection are libmicrohttpd's alone (ARCHITECTURE.md, "The front
 * door", says what that leaves).
 */
#ifndef API_FRONT_H
#define API_FRONT_H

#include "http.h"
#include "metrics.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct api_front api_front;

typedef struct {
	int listen_fd;                  /* listening, taken over */
	uint32_t max_connections;       /* open, all clients, all stages */
	uint32_t max_connections_per_ip;
	uint64_t header_timeout_ms;     /* accept to the end of the head */
	uint32_t max_header_bytes;      /* the head, request line included */
	wh_metrics *metrics;            /* drops are counted there */
	void *ctx;
	/* On the front door's thread.  hand: a well-formed head's
	 * connection for libmicrohttpd; it owns fd from now on (and counts
	 * it with api_front_count).  refused: an answer was sent, for the
	 * access line and the metrics (h->method_len 0: no request line). */
	void (*hand)(void *ctx, int fd, const struct sockaddr *addr,
		socklen_t len);
	void (*refused)(void *ctx, const http_head *h, unsigned status,
		const char *outcome, uint64_t wall_us);
} api_front_config;

/* Starts the thread.  NULL: err says why (listen_fd is left open). */
api_front *api_front_start(const api_front_config *cfg, char *err,
	size_t errlen);
/* Counts a connection libmicrohttpd holds (+1 when it starts, -1 when it
 * closes), for the caps.  Any thread. */
void api_front_count(api_front *f, const struct sockaddr *addr, int delta);
/* Open connections: the front door's and libmicrohttpd's. */
size_t api_front_connections(api_front *f);
/* Stops accepting: the listening socket is closed. */
void api_front_quiesce(api_front *f);
/* Stops the thread, closes the connections it holds. */
void api_front_stop(api_front *f);
/* Frees it; after libmicrohttpd has stopped (its connections are counted
 * here until they close). */
void api_front_free(api_front *f);

#endif
