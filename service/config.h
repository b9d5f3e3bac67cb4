/* config.h -- wasmhostd's configuration: a JSON file (parsed with jansson)
 * and the command-line flags that override it.
 *
 *   {
 *     "listen": "127.0.0.1:8080",
 *     "state_dir": "/var/lib/wasmhostd",
 *     "log_level": "info",
 *     "log_rate_per_s": 10,            lines of one kind a client can cause
 *                                      (libmicrohttpd's, cut connections,
 *                                      worker deaths) per second; the rest
 *                                      are counted in a summary line
 *     "threads": 0,                    HTTP threads; 0 = one per core
 *     "http_event_loop": "poll",       or "epoll" (see ARCHITECTURE.md)
 *     "max_connections": 1024,
 *     "max_connections_per_ip": 64,    below max_connections: room for
 *                                      other clients and /healthz
 *     "connection_timeout_s": 30,      idle or slow clients are cut
 *     "header_timeout_ms": 10000,      a request's headers, in total
 *     "body_timeout_ms": 10000,        a body: this plus its size at
 *     "body_min_rate_bytes_s": 65536,  this rate, in total
 *     "max_body_memory_bytes": 268435456, request bodies held at once,
 *                                      all connections; beyond: 503
 *     "drain_timeout_ms": 10000,       SIGTERM: wait this long for in-flight
 *     "metrics_public": false,         /metrics without a token
 *     "workers": { "max": 64, "max_per_module": 2 per core,
 *                  "max_instances": 0,   persistent instances, all
 *                                        tenants (each pins a worker);
 *                                        0 = half of "max"
 *                  "warm_per_module": 0,
 *                  "spare": 2,           confined workers kept ready for
 *                                        the next module that needs one
 *                  "nice": 5,            workers run this much nicer than
 *                                        the daemon (0 to 19)
 *                  "sync_wait_us": 500,  an HTTP thread awaits a warm
 *                                        worker's answer this long before
 *                                        it suspends the connection
 *                  "fuel_metering": false, "namespaces": true,
 *                  "snapshots": true,  fresh instances mapped
 *                                        copy-on-write from a snapshot
 *                  "tier": "interp" | "baseline" | "auto",
 *                  "tier_threshold": 0 },
 *     "limits": { see WH_LIMIT_FIELDS },
 *     "tenants": {
 *       "alice": { "token_sha256": "<64 hex digits>", "metrics": false,
 *                  "limits": { any subset of "limits" } }
 *     }
 *   }
 *
 * Every key is optional; unknown keys are errors (a typo must not silently
 * fall back to a default).  Tokens are never in the file: only their
 * SHA-256 (`printf %s TOKEN | sha256sum`).  Without tenants the daemon runs
 * in single-user mode, which binds to loopback addresses only.
 */
#ifndef WH_CONFIG_H
#define WH_CONFIG_H

#include "log.h"
#include "sha256.h"
#include "wasm.h"

#include <stdbool.h>
#include <stdint.h>

#define WH_TENANT_NAME_MAX 64
/* The tenant of single-user mode. */
#define WH_DEFAULT_TENANT "default"

/* Limits, global and per tenant.  Units are in the names. */
#define WH_LIMIT_FIELDS(X)                                                 \
	X(upload_bytes, uint64_t, 16u << 20, 1, UINT64_C(1) << 30,          \
		"largest module accepted (POST /v1/modules, /v1/run)")         \
	X(body_bytes, uint64_t, 16u << 20, 1024, UINT64_C(1) << 30,         \
		"largest JSON request body (invoke: stdin and files)")         \
	X(modules, uint32_t, 1000, 0, 1000000, "modules stored per tenant") \
	X(concurrency, uint32_t, 64, 1, 100000,                             \
		"invocations running at once per tenant")                      \
	X(queue, uint32_t, 256, 0, 100000,                                  \
		"invocations waiting for a slot per tenant; more get 429")     \
	X(timeout_ms, uint64_t, 10000, 1, 3600000,                          \
		"deadline of an invocation: the default and the maximum")      \
	X(memory_pages, uint32_t, 16384, 1, 65536,                          \
		"linear memory cap per invocation, in 64 KiB pages")           \
	X(fuel, uint64_t, 0, 0, UINT64_MAX,                                 \
		"fuel cap per invocation (needs fuel_metering); 0 = none")     \
	X(output_bytes, uint64_t, 1u << 20, 1, UINT64_C(1) << 30,           \
		"stdout and stderr capture, each, per invocation")             \
	X(instances, uint32_t, 16, 0, 10000,                                \
		"persistent instances per tenant (each holds a worker)")       \
	X(instance_idle_s, uint32_t, 300, 1, 604800,                        \
		"a persistent instance unused this long is dropped")           \
	X(instance_memory_pages, uint32_t, 16384, 1, 1u << 24,              \
		"linear memory of all of a tenant's persistent instances "     \
		"together, in 64 KiB pages")

typedef struct {
#define X(name, type, def, min, max, help) type name;
	WH_LIMIT_FIELDS(X)
#undef X
} wh_limits;

typedef struct {
	char name[WH_TENANT_NAME_MAX + 1];
	uint8_t token_sha256[SHA256_BYTES];
	bool metrics;            /* may read GET /metrics */
	wh_limits limits;        /* effective: global ones, then its own */
} wh_tenant_conf;

typedef struct {
	char *listen;            /* "HOST:PORT" */
	char *state_dir;
	wh_log_level log_level;
	uint32_t log_rate_per_s;        /* lines of one kind a client can
	                                   cause, per second; 0 = all */
	uint32_t threads;        /* 0 = number of cores */
	bool http_epoll;         /* libmicrohttpd's epoll loop, not poll */
	uint32_t max_connections;
	uint32_t max_connections_per_ip;
	uint32_t connection_timeout_s;
	uint64_t header_timeout_ms;
	uint64_t body_timeout_ms;
	uint64_t body_min_rate_bytes_s;
	uint64_t max_body_memory_bytes;
	uint64_t drain_timeout_ms;
	bool metrics_public;
	/* sandbox (fixed at start; SIGHUP does not change them) */
	uint32_t max_workers;
	uint32_t max_per_module;
	uint32_t max_instances;  /* persistent instances, all tenants; 0 =
	                            half of max_workers (sb_config) */
	uint32_t warm_per_module;
	uint32_t spare_workers;
	uint32_t worker_nice;
	uint32_t sync_wait_us;
	bool fuel_metering;
	bool namespaces;
	bool snapshots;          /* fresh instances from a snapshot */
	wasm_tier tier;          /* the workers' engine tier */
	uint32_t tier_threshold; /* auto: calls/iterations before the JIT;
	                            0 = the engine's default */
	wh_limits limits;
	wh_tenant_conf *tenants;
	uint32_t ntenants;
} wh_config;

/* Flags given on the command line; NULL = not given. */
typedef struct {
	const char *config_path;
	const char *listen;
	const char *state_dir;
	const char *log_level;
} wh_flags;

void wh_limits_default(wh_limits *l);
void wh_config_default(wh_config *c);

/* Reads the file named by flags->config_path (if any) over the defaults,
 * then applies the flags, then checks the whole (wh_config_check).  On
 * failure returns false with a message naming the file, line or key. */
__attribute__((warn_unused_result))
bool wh_config_load(const wh_flags *flags, wh_config *out, char *err,
	unsigned errlen);
void wh_config_free(wh_config *c);

/* Cross-field checks: a listen address that resolves, single-user mode
 * only on loopback, fuel caps only with fuel metering. */
__attribute__((warn_unused_result))
bool wh_config_check(const wh_config *c, char *err, unsigned errlen);

/* The listen address, resolved; false with a message on bad text. */
struct sockaddr_storage;
__attribute__((warn_unused_result))
bool wh_listen_parse(const char *text, struct sockaddr_storage *out,
	unsigned *outlen, char *err, unsigned errlen);
bool wh_addr_is_loopback(const struct sockaddr_storage *a);


/* One line per limit for --help. */
void wh_limits_help(char *buf, unsigned len);

#endif
