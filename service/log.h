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
bool wh_log_enabled(wh_log_level l);

/* msg is free text (quoted if it needs to be); the rest is appended as is,
 * so callers pass "key=value" pairs there. */
void wh_log(wh_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like wh_log, into the buffer. */
void wh_log_batched(wh_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes out what the buffer holds. */
void wh_log_flush(void);

/* Quotes s for a logfmt value into buf when it holds spaces, quotes or
 * control bytes; returns buf (or s itself when no quoting is needed). */
const char *wh_log_quote(const char *s, char *buf, unsigned len);

#endif
