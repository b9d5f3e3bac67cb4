/* log.c -- timestamped, leveled lines on stderr. */
#include "log.h"

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

void wh_log(wh_log_level l, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;

	if (!wh_log_enabled(l))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ level=%s ",
		ts.tv_nsec / 1000000, wh_log_level_name(l));
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += (size_t)m;
	if (n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	/* One write per line; a short write to a pipe of this size does not
	 * happen, and a failing stderr has nowhere to report to. */
	if (write(2, line, n) < 0) {
		/* nothing to do */
	}
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
