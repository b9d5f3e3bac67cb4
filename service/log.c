/* log.c -- timestamped, leveled lines on stderr. */
#include "log.h"
#include "sandbox.h"   /* sb_now_ns */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
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

/* The node's name in every line ("node=NAME "), or empty; set once at
 * start, before any thread. */
static char node_field[80];

void wh_log_set_node(const char *name)
{
	snprintf(node_field, sizeof node_field, "node=%s ", name);
}

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
	n += (size_t)snprintf(line + n, LINE_MAX_BYTES - n, ".%03ldZ level=%s %s",
		ts.tv_nsec / 1000000, wh_log_level_name(l), node_field);
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

/* ---- rate-limited kinds ---------------------------------------------------- */

/* Kinds seen so far; past the table's size they share its last slot. */
#define LIMIT_KINDS 32
#define LIMIT_WINDOW_NS UINT64_C(1000000000)

struct limit_kind {
	const char *kind;       /* the caller's constant string */
	wh_log_level level;     /* of the lines counted */
	uint64_t window_ns;     /* start of this second */
	unsigned written;       /* lines written in it */
	unsigned long suppressed;
};

static unsigned limit_per_s = 10;        /* under out_lock */
static struct limit_kind kinds[LIMIT_KINDS];
static unsigned nkinds;

void wh_log_set_rate(unsigned per_s)
{
	pthread_mutex_lock(&out_lock);
	limit_per_s = per_s;
	pthread_mutex_unlock(&out_lock);
}

static void summary_format(char *line, size_t *n, const struct limit_kind *k,
	...)
{
	va_list ap;
	va_start(ap, k);
	*n = format_line(line, k->level, "msg=\"%lu similar messages "
		"suppressed\" kind=%s", ap);
	va_end(ap);
}

/* Writes K's summary if it has one and its second is over (or FORCE);
 * under out_lock. */
static void summary_write_locked(struct limit_kind *k, uint64_t now,
	bool force)
{
	char line[LINE_MAX_BYTES], kind[100], q[160];

	if (!k->suppressed || (!force && now - k->window_ns < LIMIT_WINDOW_NS))
		return;
	/* libmicrohttpd's format strings end in a newline */
	snprintf(kind, sizeof kind, "%s", k->kind);
	kind[strcspn(kind, "\n")] = '\0';
	size_t n;
	summary_format(line, &n, k, k->suppressed,
		wh_log_quote(kind, q, sizeof q));
	flush_locked();
	write_all(line, n);
	k->suppressed = 0;
}

static struct limit_kind *kind_find_locked(const char *kind)
{
	for (unsigned i = 0; i < nkinds; i++)
		if (kinds[i].kind == kind || strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	if (nkinds < LIMIT_KINDS) {
		kinds[nkinds].kind = kind;
		return &kinds[nkinds++];
	}
	return &kinds[LIMIT_KINDS - 1];
}

void wh_log_limited(wh_log_level l, const char *kind, const char *fmt, ...)
{
	va_list ap;

	if (!wh_log_enabled(l))
		return;
	uint64_t now = sb_now_ns();
	pthread_mutex_lock(&out_lock);
	bool write = true;
	if (limit_per_s) {
		struct limit_kind *k = kind_find_locked(kind);
		if (now - k->window_ns >= LIMIT_WINDOW_NS) {
			summary_write_locked(k, now, true);
			k->window_ns = now;
			k->written = 0;
		}
		if (k->written < limit_per_s) {
			k->written++;
		} else {
			k->suppressed++;
			k->level = l;
			write = false;
		}
	}
	pthread_mutex_unlock(&out_lock);
	if (write) {
		va_start(ap, fmt);
		log_line(l, false, fmt, ap);
		va_end(ap);
	}
}

void wh_log_flush(void)
{
	uint64_t now = sb_now_ns();
	pthread_mutex_lock(&out_lock);
	flush_locked();
	for (unsigned i = 0; i < nkinds; i++)
		summary_write_locked(&kinds[i], now, false);
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
