/* config.h -- wasmhostd's configuration: a JSON file (parsed with jansson)
 * and the command-line flags that override it.
 *
 * Every key -- its name, type, default, bounds and a line of help -- is
 * one row of the table in config.c (`wasmhostd --help` prints it,
 * `--print-config` prints the effective values as a file).  Every key is
 * optional; unknown keys are errors (a typo must not silently fall back
 * to a default).  Tokens are never in the file: only their SHA-256
 * (`printf %s TOKEN | sha256sum`), under "tenants": {"NAME":
 * {"token_sha256", "metrics", "limits": {...}}}.  Without tenants the
 * daemon runs in single-user mode, which binds to loopback addresses
 * only.
 */
#ifndef WH_CONFIG_H
#define WH_CONFIG_H

#include "log.h"
#include "sha256.h"
#include "wasm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define WH_TENANT_NAME_MAX 64
/* A node's name (X-Wasmhost-Node, logs, metrics, the node tag of its
 * persistent instances' ids): 1 to this many letters, digits, '.', '-',
 * '_' or ':' (docs/SCALING.md). */
#define WH_NODE_NAME_MAX 63
/* The tenant of single-user mode. */
#define WH_DEFAULT_TENANT "default"

/* Limits, global and per tenant ("limits" in the file, and each tenant's
 * "limits"); their defaults and bounds are rows of config.c's table. */
typedef struct {
	uint64_t upload_bytes;   /* largest module accepted */
	uint64_t body_bytes;     /* largest JSON request body */
	uint32_t modules;        /* modules stored per tenant */
	uint32_t concurrency;    /* invocations running at once per tenant */
	uint32_t queue;          /* invocations waiting for a slot */
	uint64_t timeout_ms;     /* an invocation's deadline */
	uint32_t memory_pages;   /* linear memory cap per invocation */
	uint64_t fuel;           /* 0 = none */
	uint64_t output_bytes;   /* stdout and stderr capture, each */
	uint32_t instances;      /* persistent instances per tenant */
	uint32_t instance_idle_s; /* an unused instance is dropped */
	uint32_t instance_memory_pages; /* all of a tenant's instances */
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
	char *node_name;         /* NULL: host name ":" port, at start */
	wh_log_level log_level;
	uint32_t log_rate_per_s;        /* lines of one kind a client can
	                                   cause, per second; 0 = all */
	uint32_t threads;        /* 0 = number of cores */
	bool http_epoll;         /* libmicrohttpd's epoll loop, not poll */
	uint32_t max_connections;
	uint32_t max_connections_per_ip;
	uint32_t connection_timeout_s;
	uint64_t header_timeout_ms;
	uint32_t max_header_bytes;       /* a request head, request line included */
	uint64_t body_timeout_ms;
	uint64_t body_min_rate_bytes_s;
	uint64_t max_body_memory_bytes;
	uint64_t drain_timeout_ms;
	uint64_t store_abandoned_s;     /* leftovers of another host's (or a
	                                   live process's) writes this old go */
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
	uint64_t max_worker_memory_bytes; /* all workers' calls together */
	bool fuel_metering;
	bool namespaces;
	bool snapshots;          /* fresh instances from a snapshot */
	wasm_tier tier;          /* the workers' engine tier */
	uint32_t tier_threshold; /* auto: calls/iterations before the JIT;
	                            0 = the engine's default */
	uint32_t opt_threshold;  /* auto: calls and back-edges in baseline
	                            code before tier 2; 0 = the engine's
	                            default */
	bool avx;                /* false: wasm_config.no_avx */
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
	const char *node_name;
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
/* a's port (IPv4 or IPv6), in host order. */
unsigned wh_addr_port(const struct sockaddr_storage *a);

/* True if s (the len bytes at s) is a node name (WH_NODE_NAME_MAX); c
 * one of its bytes. */
bool wh_node_name_ok(const char *s);
bool wh_node_name_ok_len(const char *s, size_t len);
bool wh_node_char_ok(char c);

/* The keys' table as help text (wasmhostd --help); tsv: one key a line,
 * "KEY\tDEFAULT\treload|restart\tHELP" (the README's check).  reload: a
 * SIGHUP applies the key; restart: it keeps its value until a restart. */
void wh_config_keys_print(FILE *to, bool tsv);
/* c as a configuration file (JSON) on `to`: every key with its value,
 * then the tenants; a file that loads back to the same configuration.
 * defaults_only: c must be the defaults; the keys whose default depends
 * on the machine (cores, memory, $STATE_DIRECTORY) are left out, so that
 * the text is the same everywhere (systemd/wasmhostd.json). */
void wh_config_print(FILE *to, const wh_config *c, bool defaults_only);
/* Keeps cur's values of the keys that apply only at a restart (the
 * listen address, the state folder, the HTTP server's and the sandbox's
 * settings) in next, which a reload is about to make current; the names
 * of those that differed go to changed (comma separated, "" if none). */
void wh_config_keep_restart_only(wh_config *next, const wh_config *cur,
	char *changed, unsigned len);
/* The machine's memory in bytes, as the default of
 * workers.max_memory_bytes reads it: MemTotal, or the cgroup's
 * memory.max when that is lower. */
uint64_t wh_machine_memory_bytes(void);

#endif
