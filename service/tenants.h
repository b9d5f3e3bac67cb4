/* tenants.h -- who may call: tenants by token, their limits, and the
 * admission of their invocations (a slot count and a FIFO queue each).
 *
 * Tenants come from the configuration and are replaced on SIGHUP; a tenant
 * object is never freed while the daemon runs (one that leaves the
 * configuration only stops answering to a token), so requests may keep a
 * pointer.  Without configured tenants there is one, WH_DEFAULT_TENANT,
 * which needs no token (single-user mode).
 *
 * Tokens: only SHA-256 digests are kept; a presented token is hashed and
 * compared with every tenant's digest in constant time, all of them, so the
 * time taken says nothing about which tenant came close.
 */
#ifndef WH_TENANTS_H
#define WH_TENANTS_H

#include "config.h"
#include "metrics.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wh_tenants wh_tenants;
typedef struct wh_tenant wh_tenant;

/* A queued invocation: start is called (on some thread) once a slot is
 * granted to it. */
typedef struct wh_waiter {
	struct wh_waiter *next;
	/* Called with the slot.  True: the waiter keeps it (and releases it
	 * later); false: it gave it back unused (its client had gone), and
	 * wh_tenant_release hands it on to the next waiter. */
	bool (*start)(struct wh_waiter *w);
	uint64_t deadline_ns;     /* sb_now_ns's clock; 0 = waits as long as
	                             it takes (wh_tenants_expire) */
} wh_waiter;

typedef enum {
	WH_ADMIT_RUN,      /* the slot is the caller's now */
	WH_ADMIT_QUEUED,   /* w->start will be called with the slot */
	WH_ADMIT_FULL,     /* slots and queue full: answer 429 */
} wh_admit;

wh_tenants *wh_tenants_new(const wh_config *c);
void wh_tenants_free(wh_tenants *ts);
/* Takes the tenants and limits of c (SIGHUP). */
__attribute__((warn_unused_result))
bool wh_tenants_reload(wh_tenants *ts, const wh_config *c);

/* The tenant of a bearer token, or in single-user mode the default tenant
 * whatever the token (NULL token included); NULL = unauthorized. */
wh_tenant *wh_tenants_auth(wh_tenants *ts, const char *token, size_t len);

const char *wh_tenant_name(const wh_tenant *t);
void wh_tenant_limits(wh_tenant *t, wh_limits *out);
bool wh_tenant_may_read_metrics(wh_tenant *t);

/* A slot now (RUN), a place in the queue (QUEUED: w->start is called when
 * a slot frees, on that thread), or FULL.  w NULL: a slot now or FULL. */
wh_admit wh_tenant_admit(wh_tenant *t, wh_waiter *w);
/* Gives the caller's slot back, or to the first waiter. */
void wh_tenant_release(wh_tenant *t);

/* Takes every waiter whose deadline is at or before now_ns out of its
 * queue and calls expire(w) for it (no lock held).  Returns the earliest
 * deadline still waiting, or UINT64_MAX. */
uint64_t wh_tenants_expire(wh_tenants *ts, uint64_t now_ns,
	void (*expire)(wh_waiter *w));

/* Each active tenant's admission, malloc'd (free it); names point into
 * the tenants, which live as long as ts.  false: out of memory. */
bool wh_tenants_gauges(wh_tenants *ts, wh_tenant_gauge **out, size_t *n);

/* Invocations waiting in all queues, and running. */
void wh_tenants_counts(wh_tenants *ts, size_t *running, size_t *waiting);
/* Empties every queue, calling fail(w) for each waiter (shutdown). */
void wh_tenants_fail_waiting(wh_tenants *ts, void (*fail)(wh_waiter *w));

#endif
