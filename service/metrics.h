/* metrics.h -- counters for GET /metrics, in the Prometheus text format
 * (version 0.0.4).  Updates are lock-free atomic adds from any thread. */
#ifndef WH_METRICS_H
#define WH_METRICS_H

#include "sandbox.h"

#include <stddef.h>
#include <stdint.h>

typedef struct wh_metrics wh_metrics;

/* route_names: one per route index, e.g. "/v1/modules/{id}/invoke";
 * statuses: the HTTP statuses counted one by one (the API's list,
 * api_statuses in api/errors.h); any other counts as "other".  Both
 * arrays must outlive the metrics. */
wh_metrics *wh_metrics_new(const char *const *route_names, unsigned nroutes,
	const unsigned *statuses, size_t nstatuses);
void wh_metrics_free(wh_metrics *m);

void wh_metrics_request(wh_metrics *m, unsigned route, unsigned status,
	uint64_t wall_us);
void wh_metrics_outcome(wh_metrics *m, sb_outcome o);
/* What the workers compiled while answering an invocation. */
void wh_metrics_tiers(wh_metrics *m, const sb_tier_stats *delta);

/* An invocation not started because its client had gone away. */
void wh_metrics_client_gone(wh_metrics *m);

/* Connections closed at the front door without an answer, by reason. */
#define WH_DROPS(X)                                                          \
	X(NOT_HTTP, "not_http")             /* TLS, binary, blank lines */  \
	X(CAP_IP, "max_connections_per_ip")                                  \
	X(CAP, "max_connections")

typedef enum {
#define X(name, text) WH_DROP_##name,
	WH_DROPS(X)
#undef X
	WH_DROP_COUNT_
} wh_drop;

void wh_metrics_dropped(wh_metrics *m, wh_drop why);

/* What the API does to persistent instances.  Those ended by a timeout
 * or their worker's death are the sandbox's to count
 * (sb_stats.instances_ended, shown as event "ended"): a worker may die
 * between calls, when no request is there to see it. */
#define WH_INSTANCE_EVENTS(X)                                              \
	X(CREATED, "created")     /* made, 201 */                          \
	X(DELETED, "deleted")     /* DELETE /v1/instances/{iid} */         \
	X(EXPIRED, "expired")     /* idle past limits.instance_idle_s */

typedef enum {
#define X(name, str) WH_INSTANCE_##name,
	WH_INSTANCE_EVENTS(X)
#undef X
	WH_INSTANCE_EVENT_COUNT_
} wh_instance_event;

void wh_metrics_instance(wh_metrics *m, wh_instance_event e);

/* One tenant's admission, sampled at scrape time. */
typedef struct {
	const char *name;
	size_t running, waiting;   /* slots held; calls in its queue */
	size_t queue_max;          /* its `queue` limit */
} wh_tenant_gauge;

/* Gauges sampled at scrape time. */
typedef struct {
	const wh_tenant_gauge *tenants;   /* active tenants */
	size_t ntenants;
	sb_stats sandbox;
	size_t running, waiting;   /* admitted invocations, by state */
	size_t modules;            /* in the store, all tenants */
	size_t connections;        /* open HTTP connections */
	const char *node;          /* the node's name (X-Wasmhost-Node) */
	size_t instances;          /* persistent instances, all tenants */
	uint64_t instance_pages;   /* their linear memory, 64 KiB pages */
} wh_gauges;

/* The whole exposition, malloc'd; NULL if memory ran out. */
char *wh_metrics_render(wh_metrics *m, const wh_gauges *g, size_t *len);

#endif
