/* log.c -- timestamped, leveled lines on stderr. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile wh_log_level log_level = WH_LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

bool wh_log_level_parse(const char *name, wh_log_level *out)
{
	for (unsigned i = 0; i < sizeof level_names / sizeof level_names[0];
	     i++)
		if (strcmp(name, level_names[i]) == 0) {
			*out = (wh_log_level)i;
			return true;
		}
	return false;
}

const char *wh_log_level_name(wh_log_level l)
{
	return (unsigned)l < 4 ? level_names[l] : "?";
}

void wh_log_set_level(wh_log_level l)
{
	log_level = l;
}

bool wh_log_enabled(wh_log_level l)
{
	return l <= log_level;
}

#define LINE_MAX_BYTES 2048

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char batch[16384];      /* under out_lock */
static size_t batch_len;

/* A failing stderr has nowhere to report to. */
static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(2, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void flush_locked(void)
{
	write_all(batch, batch_len);
	batch_len = 0;
}

/* Timestamp, level, the caller's fields, newline; returns the length. */
static size_t format_line(char *line, wh_log_level l, const char *fmt,
	va_list ap)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, LINE_MAX_BYTES, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, LINE_MAX_BYTES - n, ".%03ldZ level=%s ",
		ts.tv_nsec / 1000000, wh_log_level_name(l));
	int m = vsnprintf(line + n, LINE_MAX_BYTES - n, fmt, ap);
	if (m < 0)
		m = 0;
	n += (size_t)m;
	if (n > LINE_MAX_BYTES - 2)
		n = LINE_MAX_BYTES - 2;
	line[n++] = '\n';
	return n;
}

/* Formats one line and writes it now, or into the batch. */
static void log_line(wh_log_level l, bool batched, const char *fmt,
	va_list ap)
{
	char line[LINE_MAX_BYTES];
	size_t n = format_line(line, l, fmt, ap);

	pthread_mutex_lock(&out_lock);
	if (!batched || batch_len + n > sizeof batch)
		flush_locked();
	if (batched) {
		memcpy(batch + batch_len, line, n);
		batch_len += n;
	} else {
		write_all(line, n);
	}
	pthread_mutex_unlock(&out_lock);
}

void wh_log(wh_log_level l, const char *fmt, ...)
{
	va_list ap;

	if (!wh_log_enabled(l))
		return;
	va_start(ap, fmt);
	log_line(l, false, fmt, ap);
	va_end(ap);
}

void wh_log_batched(wh_log_level l, const char *fmt, ...)
{
	va_list ap;

	if (!wh_log_enabled(l))
		return;
	va_start(ap, fmt);
	log_line(l, true, fmt, ap);
	va_end(ap);
}

void wh_log_flush(void)
{
	pthread_mutex_lock(&out_lock);
	flush_locked();
	pthread_mutex_unlock(&out_lock);
}

const char *wh_log_quote(const char *s, char *buf, unsigned len)
{
	bool plain = s[0] != '\0';
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '=' ||
		    *p == '\\' || (unsigned char)*p == 0x7f)
			plain = false;
	if (plain)
		return s;
	unsigned o = 0;
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s;
	     *p && o + 6 < len; p++) {
		if (*p == '"' || *p == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)*p;
		} else if (*p < ' ' || *p == 0x7f) {
			o += (unsigned)snprintf(buf + o, len - o, "\\x%02x", *p);
		} else {
			buf[o++] = (char)*p;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
