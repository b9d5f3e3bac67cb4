/* config.c -- the JSON configuration file, flags over it, and checks.
 *
 * Every key is one row of one table (`keys` below: name, type, field,
 * default, bounds, whether SIGHUP applies it, a line of help), as nginx
 * describes its directives: the defaults, the parser, `--help`,
 * `--print-config` (and so systemd/wasmhostd.json) and the check of the
 * README's tables (tests/daemon/run-config.sh) all read it, so a key is
 * added, or a default changed, in one line. */
#include "config.h"
#include "sha256.h"

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
#include <sys/sysinfo.h>
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

/* ---- the keys ------------------------------------------------------------ */

enum ktype { K_STR, K_BOOL, K_U32, K_U64, K_LEVEL, K_TIER, K_LOOP };

/* Where a key lives: at the top, in "workers", or in "limits" (the global
 * ones, and each tenant's: its field is in a wh_limits). */
enum kgroup { G_TOP, G_WORKERS, G_LIMITS };

static const char *const group_prefix[] = { "", "workers.", "limits." };

/* How the default is found: the row's value, or from the machine at
 * start. */
enum kdef {
	D_VALUE = 0,
	D_PER_CORE,      /* def per core (sysconf) */
	D_MEMORY_PCT,    /* def per cent of wh_machine_memory_bytes() */
	D_STATE_DIR,     /* $STATE_DIRECTORY (systemd's StateDirectory=),
	                    else def_str */
	D_NODE,          /* K_STR left unset (NULL): the daemon makes it
	                    from the host name and the port it listens on */
};

/* SIGHUP applies the key (else it keeps its value until a restart). */
#define RELOAD true
#define RESTART false

static const struct key {
	const char *name;        /* within its group */
	enum kgroup group;
	size_t off;              /* in wh_config, or in wh_limits */
	enum ktype type;
	uint64_t def;            /* numbers, booleans, the enums' values */
	uint64_t min, max;       /* K_U32, K_U64 */
	bool reload;
	const char *help;
	const char *def_str;     /* K_STR */
	enum kdef defk;
} keys[] = {
#define TOP(field) G_TOP, offsetof(wh_config, field)
#define WRK(field) G_WORKERS, offsetof(wh_config, field)
#define LIM(field) G_LIMITS, offsetof(wh_limits, field)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
	{ "listen", TOP(listen), K_STR, 0, 0, 0, RESTART,
		.help = "address to serve, HOST:PORT (port 0: any free one)",
		"127.0.0.1:8080" },
	{ "state_dir", TOP(state_dir), K_STR, 0, 0, 0, RESTART,
		.help = "the module store's folder", "/var/lib/wasmhostd",
		D_STATE_DIR },
	{ "node_name", TOP(node_name), K_STR, 0, 0, 0, RESTART,
		.help = "this node's name in X-Wasmhost-Node, its logs and metrics "
		"(docs/SCALING.md)", "host name:port", D_NODE },
	{ "log_level", TOP(log_level), K_LEVEL, WH_LOG_INFO, 0, 0, RELOAD,
		.help = "error, warn, info (one access line per request) or debug" },
	{ "log_rate_per_s", TOP(log_rate_per_s), K_U32, 10, 0, 1000000,
		RELOAD, .help = "log lines of one kind a client can cause, per "
		"second; the rest are counted (0 = no limit)" },
	{ "threads", TOP(threads), K_U32, 0, 0, 1024, RESTART,
		.help = "HTTP threads (0 = one per core)" },
	/* epoll: poll scans every connection at each turn, so connections
	 * that trickle bytes slow every other request down (make loadtest's
	 * hostile mix, 200 slow-header, 20 stalled-body and 50 garbage
	 * connections a second: poll kept 43% of the normal throughput,
	 * epoll 92%).  poll is 8-17% faster when every connection is busy
	 * (a benchmark, not the internet). */
	{ "http_event_loop", TOP(http_epoll), K_LOOP, 1, 0, 0, RESTART,
		.help = "poll or epoll (docs/ARCHITECTURE.md)" },
	{ "max_connections", TOP(max_connections), K_U32, 1024, 1, 1000000,
		RESTART, .help = "connections at once, all clients" },
	{ "max_connections_per_ip", TOP(max_connections_per_ip), K_U32, 64,
		1, 1000000, RESTART, .help = "connections at once from one client "
		"address; below max_connections" },
	{ "connection_timeout_s", TOP(connection_timeout_s), K_U32, 30, 1,
		86400, RESTART, .help = "an idle connection is cut" },
	{ "header_timeout_ms", TOP(header_timeout_ms), K_U64, 10000, 10,
		3600000, RESTART, .help = "a request's headers, in total" },
	{ "max_header_bytes", TOP(max_header_bytes), K_U32, 16384, 1024,
		32768, RESTART, .help = "a request head, in bytes; beyond: 414 "
		"(request line) or 431" },
	{ "body_timeout_ms", TOP(body_timeout_ms), K_U64, 10000, 10, 3600000,
		RESTART, .help = "a request's body, in total: this plus its size at "
		"body_min_rate_bytes_s" },
	{ "body_min_rate_bytes_s", TOP(body_min_rate_bytes_s), K_U64,
		64 << 10, 1, UINT64_C(1) << 40, RESTART,
		.help = "the slowest body upload allowed" },
	{ "max_body_memory_bytes", TOP(max_body_memory_bytes), K_U64,
		256 * MIB, 65536, UINT64_C(1) << 40, RESTART,
		.help = "request bodies held at once, all connections; beyond: 503" },
	/* An upload writes for seconds at most; an hour is far from any
	 * write in progress, even on a slow shared filesystem. */
	{ "store_abandoned_s", TOP(store_abandoned_s), K_U64, 3600, 60,
		30u * 86400, RESTART, .help = "start-up clean-up: another "
		"writer's leftover in the store (a temporary file, a .wasm without "
		"its .json) this old is abandoned" },
	{ "drain_timeout_ms", TOP(drain_timeout_ms), K_U64, 10000, 0,
		3600000, RELOAD, .help = "SIGTERM: how long requests in progress may "
		"finish" },
	{ "metrics_public", TOP(metrics_public), K_BOOL, false, 0, 0, RELOAD,
		.help = "GET /metrics without a token" },
	{ "max", WRK(max_workers), K_U32, 64, 1, 4096, RESTART,
		.help = "worker processes in all" },
	{ "max_instances", WRK(max_instances), K_U32, 0, 0, 4096, RESTART,
		.help = "persistent instances, all tenants (each pins a worker; "
		"0 = half of workers.max; at most workers.max)" },
	/* Two per core: a warm module's calls are CPU-bound, so more only
	 * add context switches, and short calls are pipelined behind busy
	 * workers anyway (make loadtest, 2 cores, 64 connections, medians
	 * of 4: 2 workers 31.1k req/s p99 3.9 ms, 4 workers 31.0k p99 4.4
	 * ms, 8 workers 27.2k p99 4.8 ms; before pipelining 64 workers gave
	 * 18.7k p99 9.7 ms).  Two, not one: slow calls share the cores
	 * instead of queueing behind each other.  The queues hold the rest. */
	{ "max_per_module", WRK(max_per_module), K_U32, 2, 1, 4096, RESTART,
		.help = "worker processes of one module", NULL, D_PER_CORE },
	{ "warm_per_module", WRK(warm_per_module), K_U32, 0, 0, 64, RESTART,
		.help = "workers started when a module is registered" },
	{ "spare", WRK(spare_workers), K_U32, 2, 0, 64, RESTART,
		.help = "confined workers kept ready for the next module" },
	{ "nice", WRK(worker_nice), K_U32, 5, 0, 19, RESTART,
		.help = "how much nicer than the daemon workers run" },
	{ "sync_wait_us", WRK(sync_wait_us), K_U32, 500, 0, 100000, RESTART,
		.help = "an HTTP thread awaits a warm worker's answer this long, then "
		"suspends the connection (0 = never waits)" },
	/* Half: a call is charged its whole memory cap while it runs (a
	 * worst case: the pages it may map, not those it touches), and the
	 * other half is left to the daemon (request bodies up to
	 * max_body_memory_bytes, the store), the workers' own heaps and JIT
	 * code (bounded each by RLIMIT_DATA), the page cache and the rest of
	 * the machine.  Read at start: MemTotal, or the cgroup's memory.max
	 * (systemd's MemoryMax=, a container's limit) when lower. */
	{ "max_memory_bytes", WRK(max_worker_memory_bytes), K_U64, 50,
		64 * MIB, UINT64_C(1) << 50, RESTART,
		.help = "memory of all workers' calls together, each charged "
		"its memory_pages, output caps and request, and of idle "
		"persistent instances, each charged its memory; a call that "
		"would pass it waits (its deadline runs), one that never "
		"fits gets 503 busy", NULL, D_MEMORY_PCT },
	{ "fuel_metering", WRK(fuel_metering), K_BOOL, false, 0, 0, RESTART,
		.help = "compile fuel counting into the code (limits.fuel)" },
	{ "snapshots", WRK(snapshots), K_BOOL, true, 0, 0, RESTART,
		.help = "fresh instances mapped copy-on-write from a snapshot of "
		"each worker's first one" },
	{ "namespaces", WRK(namespaces), K_BOOL, true, 0, 0, RESTART,
		.help = "put the workers in new namespaces where the kernel allows" },
	/* auto: what the brief's decision 4 describes (interpreter first,
	 * baseline when warm, tier 2 when hot), and the fastest on every
	 * benchmark (make bench); a worker keeps its code across calls. */
	{ "tier", WRK(tier), K_TIER, WASM_TIER_AUTO, 0, 0, RESTART,
		.help = "the workers' engine tier: interp, baseline, opt or auto" },
	{ "tier_threshold", WRK(tier_threshold), K_U32, 0, 0, 1u << 30,
		RESTART, .help = "auto: calls or loop iterations before the JIT "
		"(0 = the engine's default)" },
	{ "opt_threshold", WRK(opt_threshold), K_U32, 0, 0, 1u << 30,
		RESTART, .help = "auto: budget of entries and loop iterations in "
		"the baseline before tier 2 (0 = the engine's default, "
		WASM_STR(WASM_OPT_DEFAULT_THRESHOLD) ")" },
	{ "avx", WRK(avx), K_BOOL, true, 0, 0, RESTART,
		.help = "the JIT tiers use AVX forms where the CPU has them "
		"(false: SSE forms only, as on a CPU without AVX; the results "
		"are the same)" },
	{ "upload_bytes", LIM(upload_bytes), K_U64, 16 * MIB, 1, GIB, RELOAD,
		.help = "largest module accepted (POST /v1/modules, /v1/run)" },
	{ "body_bytes", LIM(body_bytes), K_U64, 16 * MIB, 1024, GIB, RELOAD,
		.help = "largest JSON request body (invoke: stdin and files)" },
	{ "modules", LIM(modules), K_U32, 1000, 0, 1000000, RELOAD,
		.help = "modules stored per tenant" },
	{ "concurrency", LIM(concurrency), K_U32, 64, 1, 100000, RELOAD,
		.help = "invocations running at once per tenant" },
	{ "queue", LIM(queue), K_U32, 256, 0, 100000, RELOAD,
		.help = "invocations waiting for a slot per tenant; more get 429" },
	{ "timeout_ms", LIM(timeout_ms), K_U64, 10000, 1, 3600000, RELOAD,
		.help = "deadline of an invocation: the default and the maximum" },
	{ "memory_pages", LIM(memory_pages), K_U32, 16384, 1, 65536, RELOAD,
		.help = "linear memory cap per invocation, in 64 KiB pages" },
	{ "fuel", LIM(fuel), K_U64, 0, 0, UINT64_MAX, RELOAD,
		.help = "fuel cap per invocation (needs workers.fuel_metering; "
		"0 = none)" },
	{ "output_bytes", LIM(output_bytes), K_U64, 1 * MIB, 1, GIB, RELOAD,
		.help = "stdout and stderr capture, each, per invocation" },
	{ "instances", LIM(instances), K_U32, 16, 0, 10000, RELOAD,
		.help = "persistent instances per tenant (each holds a worker)" },
	{ "instance_idle_s", LIM(instance_idle_s), K_U32, 300, 1, 604800,
		RELOAD, .help = "a persistent instance unused this long is "
		"dropped" },
	{ "instance_memory_pages", LIM(instance_memory_pages), K_U32, 16384,
		1, 1u << 24, RELOAD, .help = "linear memory of all of a tenant's "
		"persistent instances together, in 64 KiB pages" },
#undef TOP
#undef WRK
#undef LIM
#undef MIB
#undef GIB
};

#define NKEYS (sizeof keys / sizeof keys[0])

static void *key_field(const struct key *k, void *conf, void *limits)
{
	return (char *)(k->group == G_LIMITS ? limits : conf) + k->off;
}

/* A non-string key's value as a number. */
static uint64_t key_get(const struct key *k, const void *field)
{
	switch (k->type) {
	case K_U32: return *(const uint32_t *)field;
	case K_U64: return *(const uint64_t *)field;
	case K_BOOL:
	case K_LOOP: return *(const bool *)field;
	case K_LEVEL: return (uint64_t)*(const wh_log_level *)field;
	case K_TIER: return (uint64_t)*(const wasm_tier *)field;
	case K_STR: break;
	}
	return 0;
}

static void key_put(const struct key *k, void *field, uint64_t v)
{
	switch (k->type) {
	case K_U32: *(uint32_t *)field = (uint32_t)v; break;
	case K_U64: *(uint64_t *)field = v; break;
	case K_BOOL:
	case K_LOOP: *(bool *)field = v != 0; break;
	case K_LEVEL: *(wh_log_level *)field = (wh_log_level)v; break;
	case K_TIER: *(wasm_tier *)field = (wasm_tier)v; break;
	case K_STR: break;
	}
}

/* The cgroup (v2) memory.max of this process, or UINT64_MAX. */
static uint64_t cgroup_memory_max(void)
{
	char line[512], path[640];
	uint64_t v = UINT64_MAX;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max",
			strcmp(line + 3, "/") == 0 ? "" : line + 3);
		FILE *m = fopen(path, "re");
		unsigned long long x;
		if (m && fscanf(m, "%llu", &x) == 1)
			v = x;
		if (m)
			fclose(m);
	}
	fclose(f);
	return v;
}

uint64_t wh_machine_memory_bytes(void)
{
	struct sysinfo si;
	uint64_t total = UINT64_C(1) << 30;   /* sysinfo cannot fail here */

	if (sysinfo(&si) == 0)
		total = (uint64_t)si.totalram * si.mem_unit;
	uint64_t cg = cgroup_memory_max();
	return cg < total ? cg : total;
}

static uint64_t key_default(const struct key *k)
{
	switch (k->defk) {
	case D_PER_CORE: {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		return k->def * (uint64_t)(cores > 1 ? cores : 1);
	}
	case D_MEMORY_PCT:
		return wh_machine_memory_bytes() / 100 * k->def;
	case D_VALUE:
	case D_STATE_DIR:
	case D_NODE:
		break;
	}
	return k->def;
}

static bool key_defaults(wh_config *c)
{
	bool ok = true;
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		void *field = key_field(k, c, &c->limits);
		if (k->type != K_STR) {
			key_put(k, field, key_default(k));
			continue;
		}
		const char *s = k->def_str;
		if (k->defk == D_NODE) {
			free(*(char **)field);
			*(char **)field = NULL;
			continue;
		}
		if (k->defk == D_STATE_DIR) {
			const char *sd = getenv("STATE_DIRECTORY");
			if (sd && sd[0])
				s = sd;
		}
		free(*(char **)field);
		if (!(*(char **)field = strdup(s)))
			ok = false;
	}
	return ok;
}

void wh_limits_default(wh_limits *l)
{
	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].group == G_LIMITS)
			key_put(&keys[i], (char *)l + keys[i].off,
				key_default(&keys[i]));
}

static const char *tier_text(uint64_t v)
{
	return wasm_tier_name((wasm_tier)v);
}

/* The default as people read it: "256 MiB", "2 per core". */
static void default_text(const struct key *k, char *buf, size_t len)
{
	uint64_t v = k->def;

	switch (k->type) {
	case K_STR:
		snprintf(buf, len, k->defk == D_STATE_DIR ?
			"$STATE_DIRECTORY, else %s" : "%s", k->def_str);
		return;
	case K_BOOL: snprintf(buf, len, "%s", v ? "true" : "false"); return;
	case K_LOOP: snprintf(buf, len, "%s", v ? "epoll" : "poll"); return;
	case K_LEVEL:
		snprintf(buf, len, "%s", wh_log_level_name((wh_log_level)v));
		return;
	case K_TIER: snprintf(buf, len, "%s", tier_text(v)); return;
	case K_U32:
	case K_U64:
		break;
	}
	size_t n = strlen(k->name);
	bool per_s = n > 2 && strcmp(k->name + n - 2, "_s") == 0 &&
		!strstr(k->name, "_per_s");
	unsigned long long u = (unsigned long long)v;
	if (k->defk == D_PER_CORE)
		snprintf(buf, len, "%llu per core", u);
	else if (k->defk == D_MEMORY_PCT)
		snprintf(buf, len, "%llu%% of memory", u);
	else if (strstr(k->name, "_bytes"))
		snprintf(buf, len, "%llu %s%s", v && v % (1 << 20) == 0 ?
			u >> 20 : v && v % 1024 == 0 ? u >> 10 : u,
			v && v % (1 << 20) == 0 ? "MiB" : v && v % 1024 == 0 ?
			"KiB" : "bytes", per_s ? "/s" : "");
	else if (n > 3 && strcmp(k->name + n - 3, "_ms") == 0)
		snprintf(buf, len, v && v % 1000 == 0 ? "%llu s" : "%llu ms",
			v && v % 1000 == 0 ? u / 1000 : u);
	else if (n > 3 && strcmp(k->name + n - 3, "_us") == 0)
		snprintf(buf, len, "%llu µs", u);
	else if (per_s)
		snprintf(buf, len, "%llu s", u);
	else
		snprintf(buf, len, "%llu", u);
}

void wh_config_keys_print(FILE *to, bool tsv)
{
	char name[96], def[96];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		snprintf(name, sizeof name, "%s%s", group_prefix[k->group],
			k->name);
		default_text(k, def, sizeof def);
		if (tsv)
			fprintf(to, "%s\t%s\t%s\t%s\n", name, def,
				k->reload ? "reload" : "restart", k->help);
		else
			fprintf(to, "  %s = %s%s\n      %s\n", name, def,
				k->reload ? " (reload)" : "", k->help);
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

static bool keys_apply(enum kgroup g, json_t *obj, const char *prefix,
	wh_config *c, wh_limits *l, struct cerr *e);

static bool limits_parse(json_t *obj, const char *path, wh_limits *l,
	struct cerr *e)
{
	char prefix[160];

	if (!json_is_object(obj))
		return fail(e, "%s: expected an object", path);
	snprintf(prefix, sizeof prefix, "%s.", path);
	return keys_apply(G_LIMITS, obj, prefix, NULL, l, e);
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
				int hi = wh_hex_digit(s[2 * i]), lo = wh_hex_digit(s[2 * i + 1]);
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

static bool key_set(const struct key *k, json_t *v, const char *path,
	void *field, struct cerr *e)
{
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
		key_put(k, field, x);
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

/* The members of obj as keys of group g (a key path in messages starts
 * with prefix); a member that names a group is left to the caller. */
static bool keys_apply(enum kgroup g, json_t *obj, const char *prefix,
	wh_config *c, wh_limits *l, struct cerr *e)
{
	const char *name;
	json_t *v;

	json_object_foreach(obj, name, v) {
		char path[256];
		snprintf(path, sizeof path, "%s%s", prefix, name);
		size_t i = 0;
		while (i < NKEYS && (keys[i].group != g ||
			strcmp(keys[i].name, name) != 0))
			i++;
		if (i < NKEYS) {
			if (!key_set(&keys[i], v, path, key_field(&keys[i], c, l),
				e))
				return false;
			continue;
		}
		if (g == G_TOP && (strcmp(name, "workers") == 0 ||
			strcmp(name, "limits") == 0 ||
			strcmp(name, "tenants") == 0))
			continue;   /* handled by the caller, in order */
		return fail(e, "%s: unknown %s", path,
			g == G_LIMITS ? "limit" : "key");
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
	if (!keys_apply(G_TOP, root, "", c, &c->limits, e))
		goto out;
	if ((v = json_object_get(root, "workers"))) {
		if (!json_is_object(v)) {
			fail(e, "workers: expected an object");
			goto out;
		}
		if (!keys_apply(G_WORKERS, v, "workers.", c, &c->limits, e))
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
	if (!key_defaults(c)) {
		/* Out of memory: wh_config_load says so. */
		free(c->listen);
		free(c->state_dir);
		c->listen = c->state_dir = NULL;
	}
}

void wh_config_free(wh_config *c)
{
	free(c->listen);
	free(c->state_dir);
	free(c->node_name);
	free(c->tenants);
	memset(c, 0, sizeof *c);
}

/* The keys of group g into obj, from conf (and l, for limits). */
static bool keys_json(enum kgroup g, json_t *obj, const wh_config *c,
	const wh_limits *l, bool defaults_only)
{
	bool ok = true;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->group != g || (defaults_only && k->defk != D_VALUE))
			continue;
		const void *field = key_field(k, (void *)c, (void *)l);
		uint64_t v = k->type == K_STR ? 0 : key_get(k, field);
		json_t *j;
		switch (k->type) {
		case K_STR:
			if (!*(char *const *)field)
				continue;      /* D_NODE: made at start */
			j = json_string(*(char *const *)field);
			break;
		case K_BOOL: j = json_boolean(v); break;
		case K_LOOP: j = json_string(v ? "epoll" : "poll"); break;
		case K_LEVEL:
			j = json_string(wh_log_level_name((wh_log_level)v));
			break;
		case K_TIER: j = json_string(tier_text(v)); break;
		default: j = json_integer((json_int_t)v); break;
		}
		ok &= json_object_set_new(obj, k->name, j) == 0;
	}
	return ok;
}

void wh_config_print(FILE *to, const wh_config *c, bool defaults_only)
{
	json_t *root = json_object(), *w = json_object(), *l = json_object(),
		*ts = json_object();
	bool ok = root && w && l && ts &&
		keys_json(G_TOP, root, c, &c->limits, defaults_only) &&
		keys_json(G_WORKERS, w, c, &c->limits, defaults_only) &&
		keys_json(G_LIMITS, l, c, &c->limits, defaults_only);

	for (uint32_t i = 0; ok && i < c->ntenants; i++) {
		const wh_tenant_conf *t = &c->tenants[i];
		char hex[2 * SHA256_BYTES + 1];
		json_t *o = json_object(), *tl = json_object();
		for (int b = 0; b < SHA256_BYTES; b++)
			snprintf(hex + 2 * b, 3, "%02x", t->token_sha256[b]);
		ok = o && tl &&
			json_object_set_new(o, "token_sha256",
				json_string(hex)) == 0 &&
			json_object_set_new(o, "metrics",
				json_boolean(t->metrics)) == 0 &&
			keys_json(G_LIMITS, tl, c, &t->limits, false) &&
			json_object_set(o, "limits", tl) == 0 &&
			json_object_set(ts, t->name, o) == 0;
		json_decref(o);
		json_decref(tl);
	}
	ok = ok && json_object_set(root, "workers", w) == 0 &&
		json_object_set(root, "limits", l) == 0 &&
		json_object_set(root, "tenants", ts) == 0 &&
		json_dumpf(root, to, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
	if (ok)
		fputc('\n', to);
	else
		fprintf(stderr, "wasmhostd: out of memory\n");
	json_decref(w);
	json_decref(l);
	json_decref(ts);
	json_decref(root);
}

void wh_config_keep_restart_only(wh_config *next, const wh_config *cur,
	char *changed, unsigned len)
{
	unsigned n = 0;

	changed[0] = '\0';
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->reload)
			continue;
		void *to = key_field(k, next, &next->limits);
		const void *from = key_field(k, (void *)cur,
			(void *)&cur->limits);
		bool same;
		if (k->type == K_STR) {
			const char *f = *(char *const *)from, *t = *(char **)to;
			same = strcmp(t ? t : "", f ? f : "") == 0;
			if (!same) {
				char *d = f ? strdup(f) : NULL;
				if (d || !f) {
					free(*(char **)to);
					*(char **)to = d;
				}
			}
		} else {
			same = key_get(k, to) == key_get(k, from);
			key_put(k, to, key_get(k, from));
		}
		if (!same && n < len)
			n += (unsigned)snprintf(changed + n, len - n, "%s%s%s",
				n ? "," : "", group_prefix[k->group], k->name);
	}
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
	if (flags->node_name) {
		free(c.node_name);
		c.node_name = strdup(flags->node_name);
		if (!c.node_name) {
			fail(&e, "out of memory");
			goto fail;
		}
	}
	if (flags->log_level &&
	    !wh_log_level_parse(flags->log_level, &c.log_level)) {
		fail(&e, "--log-level: expected error, warn, info or debug");
		goto fail;
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

unsigned wh_addr_port(const struct sockaddr_storage *a)
{
	return ntohs(a->ss_family == AF_INET6 ?
		((const struct sockaddr_in6 *)a)->sin6_port :
		((const struct sockaddr_in *)a)->sin_port);
}

bool wh_node_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
		c == ':';
}

bool wh_node_name_ok_len(const char *s, size_t len)
{
	if (len == 0 || len > WH_NODE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!wh_node_char_ok(s[i]))
			return false;
	return true;
}

bool wh_node_name_ok(const char *s)
{
	return wh_node_name_ok_len(s, strlen(s));
}

bool wh_config_check(const wh_config *c, char *err, unsigned errlen)
{
	struct cerr e = { err, errlen };
	struct sockaddr_storage a;
	unsigned alen;

	if (!wh_listen_parse(c->listen, &a, &alen, err, errlen))
		return false;
	if (c->node_name && !wh_node_name_ok(c->node_name))
		return fail(&e, "node_name: '%s': a node name is 1 to %d "
			"letters, digits, '.', '-', '_' or ':'", c->node_name,
			WH_NODE_NAME_MAX);
	if (c->max_connections_per_ip >= c->max_connections)
		return fail(&e, "max_connections_per_ip (%u) must be below "
			"max_connections (%u): one client must leave room for "
			"others and for /healthz", c->max_connections_per_ip,
			c->max_connections);
	if (c->max_instances > c->max_workers)
		return fail(&e, "workers.max_instances (%u) must not pass "
			"workers.max (%u): each instance pins a worker",
			c->max_instances, c->max_workers);
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
