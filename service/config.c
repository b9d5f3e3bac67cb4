/* config.c -- the JSON configuration file, flags over it, and checks.
 *
 * Keys are described by tables (name, type, field offset, bounds), as
 * nginx does with its directives, so a key is added in one line. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct cerr {
	char *buf;
	unsigned len;
};

static bool fail(struct cerr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct cerr *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- limits --------------------------------------------------------------- */

static const struct limit_field {
	const char *name;
	size_t off, size;
	uint64_t min, max;
	const char *help;
} limit_fields[] = {
#define X(name, type, def, min, max, help) \
	{ #name, offsetof(wh_limits, name), sizeof(type), min, max, help },
	WH_LIMIT_FIELDS(X)
#undef X
};

#define NLIMITS (sizeof limit_fields / sizeof limit_fields[0])

void wh_limits_default(wh_limits *l)
{
#define X(name, type, def, min, max, help) l->name = (type)(def);
	WH_LIMIT_FIELDS(X)
#undef X
}

void wh_limits_help(char *buf, unsigned len)
{
	unsigned n = 0;
	wh_limits d;

	wh_limits_default(&d);
	buf[0] = '\0';
	for (size_t i = 0; i < NLIMITS && n < len; i++) {
		const struct limit_field *f = &limit_fields[i];
		uint64_t v = f->size == 4 ?
			*(const uint32_t *)((const char *)&d + f->off) :
			*(const uint64_t *)((const char *)&d + f->off);
		n += (unsigned)snprintf(buf + n, len - n, "  %-22s %-12llu %s\n",
			f->name, (unsigned long long)v, f->help);
	}
}

/* A JSON integer within [min, max]. */
static bool u64_get(json_t *v, const char *path, uint64_t min, uint64_t max,
	uint64_t *out, struct cerr *e)
{
	if (!json_is_integer(v))
		return fail(e, "%s: expected an integer", path);
	json_int_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return fail(e, "%s: %lld is out of range (%llu to %llu)", path,
			(long long)i, (unsigned long long)min,
			(unsigned long long)max);
	*out = (uint64_t)i;
	return true;
}

static bool limits_parse(json_t *obj, const char *path, wh_limits *l,
	struct cerr *e)
{
	const char *key;
	json_t *v;
	char sub[256];

	if (!json_is_object(obj))
		return fail(e, "%s: expected an object", path);
	json_object_foreach(obj, key, v) {
		size_t i = 0;
		while (i < NLIMITS && strcmp(limit_fields[i].name, key) != 0)
			i++;
		snprintf(sub, sizeof sub, "%s.%s", path, key);
		if (i == NLIMITS)
			return fail(e, "%s: unknown limit", sub);
		const struct limit_field *f = &limit_fields[i];
		uint64_t x = 0;
		if (!u64_get(v, sub, f->min, f->max, &x, e))
			return false;
		if (f->size == 4)
			*(uint32_t *)((char *)l + f->off) = (uint32_t)x;
		else
			*(uint64_t *)((char *)l + f->off) = x;
	}
	return true;
}

/* ---- tenants -------------------------------------------------------------- */

static bool tenant_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > WH_TENANT_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool tenant_parse(const char *name, json_t *obj, const wh_limits *base,
	wh_tenant_conf *t, struct cerr *e)
{
	const char *key;
	json_t *v;
	char path[128];
	bool has_token = false;

	snprintf(path, sizeof path, "tenants.%s", name);
	if (!tenant_name_ok(name))
		return fail(e, "%s: a tenant name is 1 to %d letters, digits, "
			"'_', '-' or '.', not starting with '.' or '-'", path,
			WH_TENANT_NAME_MAX);
	if (!json_is_object(obj))
		return fail(e, "%s: expected an object", path);
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->limits = *base;
	json_object_foreach(obj, key, v) {
		char sub[192];
		snprintf(sub, sizeof sub, "%s.%s", path, key);
		if (strcmp(key, "token_sha256") == 0) {
			const char *s = json_string_value(v);
			if (!s || strlen(s) != 64)
				return fail(e, "%s: expected the 64 hex digits "
					"of the token's SHA-256", sub);
			for (int i = 0; i < 32; i++) {
				int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
				if (hi < 0 || lo < 0)
					return fail(e, "%s: not hex", sub);
				t->token_sha256[i] = (uint8_t)(hi << 4 | lo);
			}
			has_token = true;
		} else if (strcmp(key, "metrics") == 0) {
			if (!json_is_boolean(v))
				return fail(e, "%s: expected true or false", sub);
			t->metrics = json_is_true(v);
		} else if (strcmp(key, "limits") == 0) {
			if (!limits_parse(v, sub, &t->limits, e))
				return false;
		} else {
			return fail(e, "%s: unknown key (token_sha256, metrics, "
				"limits)", sub);
		}
	}
	if (!has_token)
		return fail(e, "%s: token_sha256 is required", path);
	return true;
}

static bool tenants_parse(json_t *obj, wh_config *c, struct cerr *e)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return fail(e, "tenants: expected an object of tenants by name");
	size_t n = json_object_size(obj);
	c->tenants = calloc(n ? n : 1, sizeof *c->tenants);
	if (!c->tenants)
		return fail(e, "out of memory");
	json_object_foreach(obj, key, v) {
		wh_tenant_conf *t = &c->tenants[c->ntenants];
		if (!tenant_parse(key, v, &c->limits, t, e))
			return false;
		for (uint32_t i = 0; i < c->ntenants; i++)
			if (memcmp(c->tenants[i].token_sha256, t->token_sha256,
				SHA256_BYTES) == 0)
				return fail(e, "tenants.%s: same token as "
					"tenant %s", key, c->tenants[i].name);
		c->ntenants++;
	}
	return true;
}

/* ---- the file ------------------------------------------------------------- */

enum ktype { K_STR, K_BOOL, K_U32, K_U64, K_LEVEL, K_TIER, K_LOOP };

static const struct key {
	const char *name;
	enum ktype type;
	size_t off;
	uint64_t min, max;
} keys[] = {
	{ "listen", K_STR, offsetof(wh_config, listen), 0, 0 },
	{ "state_dir", K_STR, offsetof(wh_config, state_dir), 0, 0 },
	{ "log_level", K_LEVEL, offsetof(wh_config, log_level), 0, 0 },
	{ "log_rate_per_s", K_U32, offsetof(wh_config, log_rate_per_s),
		0, 1000000 },
	{ "threads", K_U32, offsetof(wh_config, threads), 0, 1024 },
	{ "http_event_loop", K_LOOP, offsetof(wh_config, http_epoll), 0, 0 },
	{ "max_connections", K_U32, offsetof(wh_config, max_connections),
		1, 1000000 },
	{ "max_connections_per_ip", K_U32,
		offsetof(wh_config, max_connections_per_ip), 1, 1000000 },
	{ "connection_timeout_s", K_U32,
		offsetof(wh_config, connection_timeout_s), 1, 86400 },
	{ "header_timeout_ms", K_U64, offsetof(wh_config, header_timeout_ms),
		10, 3600000 },
	{ "body_timeout_ms", K_U64, offsetof(wh_config, body_timeout_ms),
		10, 3600000 },
	{ "body_min_rate_bytes_s", K_U64,
		offsetof(wh_config, body_min_rate_bytes_s), 1, UINT64_C(1) << 40 },
	{ "max_body_memory_bytes", K_U64,
		offsetof(wh_config, max_body_memory_bytes), 65536,
		UINT64_C(1) << 40 },
	{ "drain_timeout_ms", K_U64, offsetof(wh_config, drain_timeout_ms),
		0, 3600000 },
	{ "metrics_public", K_BOOL, offsetof(wh_config, metrics_public), 0, 0 },
};

static const struct key worker_keys[] = {
	{ "max", K_U32, offsetof(wh_config, max_workers), 1, 4096 },
	{ "max_per_module", K_U32, offsetof(wh_config, max_per_module),
		1, 4096 },
	{ "spare", K_U32, offsetof(wh_config, spare_workers), 0, 64 },
	{ "max_instances", K_U32, offsetof(wh_config, max_instances), 0, 4096 },
	{ "nice", K_U32, offsetof(wh_config, worker_nice), 0, 19 },
	{ "warm_per_module", K_U32, offsetof(wh_config, warm_per_module),
		0, 64 },
	{ "sync_wait_us", K_U32, offsetof(wh_config, sync_wait_us),
		0, 100000 },
	{ "fuel_metering", K_BOOL, offsetof(wh_config, fuel_metering), 0, 0 },
	{ "namespaces", K_BOOL, offsetof(wh_config, namespaces), 0, 0 },
	{ "snapshots", K_BOOL, offsetof(wh_config, snapshots), 0, 0 },
	{ "tier", K_TIER, offsetof(wh_config, tier), 0, 0 },
	{ "tier_threshold", K_U32, offsetof(wh_config, tier_threshold),
		0, 1u << 30 },
};

static bool key_set(const struct key *k, json_t *v, const char *path,
	wh_config *c, struct cerr *e)
{
	void *field = (char *)c + k->off;
	uint64_t x = 0;

	switch (k->type) {
	case K_STR: {
		const char *s = json_string_value(v);
		if (!s || !s[0])
			return fail(e, "%s: expected a non-empty string", path);
		char *d = strdup(s);
		if (!d)
			return fail(e, "out of memory");
		free(*(char **)field);
		*(char **)field = d;
		return true;
	}
	case K_BOOL:
		if (!json_is_boolean(v))
			return fail(e, "%s: expected true or false", path);
		*(bool *)field = json_is_true(v);
		return true;
	case K_U32:
	case K_U64:
		if (!u64_get(v, path, k->min, k->max, &x, e))
			return false;
		if (k->type == K_U32)
			*(uint32_t *)field = (uint32_t)x;
		else
			*(uint64_t *)field = x;
		return true;
	case K_LOOP: {
		const char *s = json_string_value(v);
		if (s && (strcmp(s, "poll") == 0 || strcmp(s, "epoll") == 0)) {
			*(bool *)field = strcmp(s, "epoll") == 0;
			return true;
		}
		return fail(e, "%s: expected \"poll\" or \"epoll\"", path);
	}
	case K_TIER: {
		wasm_tier t;
		wasm_config cfg;
		wasm_error err;
		if (!wasm_tier_parse(json_string_value(v), &t))
			return fail(e, "%s: expected \"interp\", \"baseline\" or "
				"\"auto\"", path);
		wasm_config_default(&cfg);
		cfg.tier = t;
		if (wasm_config_check(&cfg, &err) != WASM_OK)
			return fail(e, "%s: %s", path, err.message);
		*(wasm_tier *)field = t;
		return true;
	}
	case K_LEVEL:
		if (!json_is_string(v) || !wh_log_level_parse(
			json_string_value(v), (wh_log_level *)field))
			return fail(e, "%s: expected \"error\", \"warn\", "
				"\"info\" or \"debug\"", path);
		return true;
	}
	return false;
}

static bool keys_apply(const struct key *table, size_t n, json_t *obj,
	const char *prefix, wh_config *c, struct cerr *e)
{
	const char *name;
	json_t *v;

	json_object_foreach(obj, name, v) {
		char path[160];
		snprintf(path, sizeof path, "%s%s", prefix, name);
		size_t i = 0;
		while (i < n && strcmp(table[i].name, name) != 0)
			i++;
		if (i < n) {
			if (!key_set(&table[i], v, path, c, e))
				return false;
			continue;
		}
		if (!prefix[0] && (strcmp(name, "workers") == 0 ||
			strcmp(name, "limits") == 0 ||
			strcmp(name, "tenants") == 0))
			continue;   /* handled by the caller, in order */
		return fail(e, "%s: unknown key", path);
	}
	return true;
}

/* The file's bytes, read without stdio (whose buffer would be freed with
 * the text in it): the caller zeroes and frees them.  NULL: errno. */
static char *file_read(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		if (!buf || n == cap) {
			if (cap >= (size_t)16 << 20) {
				errno = EFBIG;
				goto fail;
			}
			char *nb = malloc(buf ? cap * 2 : cap);
			if (!nb)
				goto fail;
			if (buf) {
				memcpy(nb, buf, n);
				explicit_bzero(buf, n);
				free(buf);
				cap *= 2;
			}
			buf = nb;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	*len = n;
	return buf;
fail:;
	int saved = errno;
	if (buf) {
		explicit_bzero(buf, n);
		free(buf);
	}
	close(fd);
	errno = saved;
	return NULL;
}

static bool file_parse(const char *path, wh_config *c, struct cerr *e)
{
	json_error_t jerr;
	size_t len;
	char *text = file_read(path, &len);
	json_t *root;
	json_t *v;
	bool ok = false;

	if (!text)
		return fail(e, "unable to open %s: %s", path, strerror(errno));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	explicit_bzero(text, len);   /* token digests: see wh_config_load */
	free(text);
	if (!root)
		return fail(e, "%s:%d:%d: %s", path, jerr.line, jerr.column,
			jerr.text);
	if (!json_is_object(root)) {
		fail(e, "%s: expected a JSON object", path);
		goto out;
	}
	if (!keys_apply(keys, sizeof keys / sizeof keys[0], root, "", c, e))
		goto out;
	if ((v = json_object_get(root, "workers"))) {
		if (!json_is_object(v)) {
			fail(e, "workers: expected an object");
			goto out;
		}
		if (!keys_apply(worker_keys, sizeof worker_keys /
			sizeof worker_keys[0], v, "workers.", c, e))
			goto out;
	}
	/* Global limits first: tenants start from them. */
	if ((v = json_object_get(root, "limits")) &&
	    !limits_parse(v, "limits", &c->limits, e))
		goto out;
	if ((v = json_object_get(root, "tenants")) && !tenants_parse(v, c, e))
		goto out;
	ok = true;
out:
	if (!ok) {
		/* Name the file in front of a key path. */
		char tmp[512];
		if (strncmp(e->buf, path, strlen(path)) != 0) {
			snprintf(tmp, sizeof tmp, "%s: %s", path, e->buf);
			snprintf(e->buf, e->len, "%s", tmp);
		}
	}
	json_decref(root);
	return ok;
}

void wh_config_default(wh_config *c)
{
	memset(c, 0, sizeof *c);
	c->log_level = WH_LOG_INFO;
	c->log_rate_per_s = 10;
	c->max_connections = 1024;
	c->max_connections_per_ip = 64;
	c->connection_timeout_s = 30;
	c->header_timeout_ms = 10000;
	c->body_timeout_ms = 10000;
	c->body_min_rate_bytes_s = 65536;
	c->max_body_memory_bytes = UINT64_C(256) << 20;
	c->drain_timeout_ms = 10000;
	c->max_workers = 64;
	/* Two per core: a warm module's calls are CPU-bound, so more only
	 * add context switches, and short calls are pipelined behind busy
	 * workers anyway (make loadtest, 2 cores, 64 connections, medians
	 * of 4: 2 workers 31.1k req/s p99 3.9 ms, 4 workers 31.0k p99 4.4
	 * ms, 8 workers 27.2k p99 4.8 ms; before pipelining 64 workers gave
	 * 18.7k p99 9.7 ms).  Two, not one: slow calls share the cores
	 * instead of queueing behind each other.  The queues hold the rest. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	c->max_per_module = cores > 1 ? (uint32_t)(2 * cores) : 2;
	c->sync_wait_us = 500;
	c->spare_workers = 2;
	c->worker_nice = 5;
	c->namespaces = true;
	/* Fresh instances mapped copy-on-write from each worker's first
	 * one (engine "snapshots"). */
	c->snapshots = true;
	wh_limits_default(&c->limits);
}

void wh_config_free(wh_config *c)
{
	free(c->listen);
	free(c->state_dir);
	free(c->tenants);
	memset(c, 0, sizeof *c);
}

bool wh_config_load(const wh_flags *flags, wh_config *out, char *err,
	unsigned errlen)
{
	struct cerr e = { err, errlen };
	wh_config c;

	wh_config_default(&c);
	err[0] = '\0';
	if (flags->config_path && !file_parse(flags->config_path, &c, &e))
		goto fail;
	if (flags->listen) {
		free(c.listen);
		c.listen = strdup(flags->listen);
	}
	if (flags->state_dir) {
		free(c.state_dir);
		c.state_dir = strdup(flags->state_dir);
	}
	if (flags->log_level &&
	    !wh_log_level_parse(flags->log_level, &c.log_level)) {
		fail(&e, "--log-level: expected error, warn, info or debug");
		goto fail;
	}
	if (!c.listen)
		c.listen = strdup("127.0.0.1:8080");
	if (!c.state_dir) {
		/* systemd's StateDirectory= says where. */
		const char *sd = getenv("STATE_DIRECTORY");
		c.state_dir = strdup(sd && sd[0] ? sd : "/var/lib/wasmhostd");
	}
	if (!c.listen || !c.state_dir) {
		fail(&e, "out of memory");
		goto fail;
	}
	if (c.max_per_module > c.max_workers)
		c.max_per_module = c.max_workers;
	if (!wh_config_check(&c, err, errlen))
		goto fail;
	*out = c;
	return true;
fail:
	wh_config_free(&c);
	return false;
}

/* ---- addresses and checks ------------------------------------------------- */

bool wh_listen_parse(const char *text, struct sockaddr_storage *out,
	unsigned *outlen, char *err, unsigned errlen)
{
	struct cerr e = { err, errlen };
	char host[256];
	const char *port;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':' || (size_t)(close - text) >= sizeof host)
			return fail(&e, "listen: '%s' is not HOST:PORT", text);
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		port = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon || (size_t)(colon - text) >= sizeof host ||
		    strchr(text, ':') != colon)
			return fail(&e, "listen: '%s' is not HOST:PORT (IPv6 "
				"addresses go in brackets)", text);
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		port = colon + 1;
	}
	char *end;
	errno = 0;
	unsigned long p = strtoul(port, &end, 10);
	if (!port[0] || *end || errno || p > 65535 || port[0] == '-' ||
	    port[0] == '+')
		return fail(&e, "listen: '%s': bad port", text);
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV },
		*res = NULL;
	int rc = getaddrinfo(host[0] ? host : "0.0.0.0", port, &hints, &res);
	if (rc != 0 || !res)
		return fail(&e, "listen: '%s': %s", text, gai_strerror(rc));
	memset(out, 0, sizeof *out);
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*outlen = (unsigned)res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

bool wh_addr_is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)a;
		return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;
		if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr))
			return s->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

bool wh_config_check(const wh_config *c, char *err, unsigned errlen)
{
	struct cerr e = { err, errlen };
	struct sockaddr_storage a;
	unsigned alen;

	if (!wh_listen_parse(c->listen, &a, &alen, err, errlen))
		return false;
	if (c->max_connections_per_ip >= c->max_connections)
		return fail(&e, "max_connections_per_ip (%u) must be below "
			"max_connections (%u): one client must leave room for "
			"others and for /healthz", c->max_connections_per_ip,
			c->max_connections);
	if (!c->ntenants && !wh_addr_is_loopback(&a))
		return fail(&e, "listen: %s is not a loopback address, and "
			"no tenants are configured: single-user mode (no "
			"tokens) serves 127.0.0.1 or ::1 only; add tenants "
			"with token_sha256 to listen elsewhere", c->listen);
	if (!c->fuel_metering) {
		if (c->limits.fuel)
			return fail(&e, "limits.fuel needs "
				"workers.fuel_metering: true");
		for (uint32_t i = 0; i < c->ntenants; i++)
			if (c->tenants[i].limits.fuel)
				return fail(&e, "tenants.%s.limits.fuel needs "
					"workers.fuel_metering: true",
					c->tenants[i].name);
	}
	return true;
}
