/* api.h -- the HTTP/JSON API (v1) on libmicrohttpd.
 *
 * Routes (brief, "HTTP API (v1)"):
 *   GET    /                          the web console (console.h); no token
 *   GET    /healthz                   liveness; no token needed
 *   GET    /metrics                   Prometheus text
 *   POST   /v1/modules                body application/wasm -> 201 entry
 *   GET    /v1/modules                the tenant's entries
 *   GET    /v1/modules/{id}           one entry
 *   DELETE /v1/modules/{id}
 *   POST   /v1/modules/{id}/invoke    JSON call -> outcome
 *   POST   /v1/run                    JSON call with "module" (base64):
 *                                     upload + invoke in one request
 *
 * Threads: the front door (front.h: accept, first request heads), then
 * libmicrohttpd's own pool (one poll or epoll loop per thread).  A request
 * that needs a worker suspends its connection (MHD_suspend_connection) and
 * is resumed by the sandbox's completion callback, so a slow module holds
 * no server thread.  Upload validation is an SB_INSPECT in a worker
 * (decision 1): the daemon only hashes and stores bytes.
 */
#ifndef API_H
#define API_H

#include "metrics.h"
#include "sandbox.h"
#include "store.h"
#include "tenants.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct api_server api_server;

typedef struct {
	wh_store *store;
	sb_supervisor *sup;
	wh_tenants *tenants;
	bool fuel_metering;          /* the workers meter fuel */
	const char *tier_name;       /* the workers' tier, for answers */
	bool metrics_public;         /* /metrics without a token */
	uint32_t threads;            /* 0 = cores */
	bool epoll;                  /* libmicrohttpd's epoll loop, not poll */
	uint32_t sync_wait_us;       /* sb_invoke_sync's wait; 0 = never */
	uint32_t max_connections;
	uint32_t max_connections_per_ip;
	uint32_t connection_timeout_s;   /* idle */
	uint64_t header_timeout_ms;      /* all of a request's headers */
	uint32_t max_header_bytes;       /* a request head, request line included */
	uint64_t body_timeout_ms;        /* a body: this, plus its size at */
	uint64_t body_min_rate_bytes_s;  /* this rate */
	uint64_t max_body_memory_bytes;  /* bodies held, all connections */
	int listen_fd;               /* listening (systemd's or bound by
	                                wasmhostd); the front door takes it */
	struct sockaddr_storage addr;   /* its address */
	unsigned addrlen;
} api_config;

__attribute__((warn_unused_result))
bool api_server_start(const api_config *cfg, api_server **out, char *err,
	unsigned errlen);
/* The bound port (useful with port 0). */
unsigned api_server_port(api_server *s);
/* Updates what SIGHUP may change. */
void api_server_set_metrics_public(api_server *s, bool pub);

/* Shutdown, in this order: stop accepting; wait for requests in progress
 * (bounded); fail queued invocations with 503; the caller then frees the
 * supervisor (which completes the rest); then api_server_stop. */
void api_server_quiesce(api_server *s);
/* Requests begun and not yet answered. */
unsigned api_server_active(api_server *s);
void api_server_fail_queued(api_server *s);
/* The supervisor is about to be freed with invocations in flight: from now
 * on no sandbox call is made (new ones answer 503) and finished requests
 * leave their pools alone. */
void api_server_supervisor_gone(api_server *s);
/* Housekeeping, about every 100 ms from any one thread: drops /v1/run
 * pools unused for a minute. */
void api_server_tick(api_server *s);
void api_server_stop(api_server *s);

#endif
