/* log.h -- wasmhostd's log: one line per event on stderr (the journal under
 * systemd), logfmt-style "key=value" fields after a timestamp and a level.
 * Writes are serialised, so lines of concurrent threads never interleave.
 * Access lines (wh_log_batched) gather in a buffer that is written out
 * when it fills, before any other line (so the order holds), and by
 * wh_log_flush(), which wasmhostd's main thread calls every 100 ms: one
 * write(2) for many requests instead of one each. */
#ifndef WH_LOG_H
#define WH_LOG_H

#include <stdbool.h>

typedef enum {
	WH_LOG_ERROR = 0,
	WH_LOG_WARN,
	WH_LOG_INFO,
	WH_LOG_DEBUG,
} wh_log_level;

/* false on an unknown name ("error", "warn", "info", "debug"). */
bool wh_log_level_parse(const char *name, wh_log_level *out);
const char *wh_log_level_name(wh_log_level l);

void wh_log_set_level(wh_log_level l);
/* Every line from now on names the node ("node=NAME" after the level).
 * Call before any thread starts. */
void wh_log_set_node(const char *name);
bool wh_log_enabled(wh_log_level l);

/* msg is free text (quoted if it needs to be); the rest is appended as is,
 * so callers pass "key=value" pairs there. */
void wh_log(wh_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like wh_log for a line that a client can cause once per request or
 * connection (libmicrohttpd's complaints, cut connections, worker
 * deaths): of each kind (a constant string; compared by content) at most
 * the rate set below is written in any one second; the rest are counted,
 * and the next line of that kind, or wh_log_flush once the second is
 * over, writes "N similar messages suppressed" with the kind. */
void wh_log_limited(wh_log_level l, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Lines of one kind per second for wh_log_limited; 0 = no limit. */
void wh_log_set_rate(unsigned per_s);

/* Like wh_log, into the buffer. */
void wh_log_batched(wh_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes out what the buffer holds, and the summaries of suppressed lines
 * whose second is over. */
void wh_log_flush(void);

/* Quotes s for a logfmt value into buf when it holds spaces, quotes or
 * control bytes; returns buf (or s itself when no quoting is needed). */
const char *wh_log_quote(const char *s, char *buf, unsigned len);

#endif
