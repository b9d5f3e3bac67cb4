/* instances.h -- the daemon's persistent instances (brief, decision 16):
 * who owns which, their ids, use, idle expiry and the tenant's limits.
 *
 * The instance itself lives in a worker (sandbox.h, sb_instance); this is
 * the table the routes look it up in, by (tenant, instance id).  Nothing
 * here is written to disk: instances end with the daemon.  Thread-safe
 * (one mutex). */
#ifndef API_INSTANCES_H
#define API_INSTANCES_H

#include "config.h"
#include "sandbox.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

/* "NODE~i-" and 32 hex digits (128 random bits): the node's name
 * (X-Wasmhost-Node) in front, so that a balancer routes the instance's
 * requests to the node that holds it (docs/SCALING.md); a NUL. */
#define API_IID_MAX (WH_NODE_NAME_MAX + 1 + 2 + 32 + 1)

typedef struct api_instances api_instances;

typedef struct api_inst {
	char iid[API_IID_MAX];
	char tenant[WH_TENANT_NAME_MAX + 1];
	wh_module *mod;              /* a reference: its pool, its exports */
	sb_instance *sb;             /* the caller's handle */
	char created[32];            /* ISO 8601, UTC */
	uint32_t max_pages;          /* its own page cap (limits at creation) */
	uint64_t idle_ns;            /* limits.instance_idle_s at creation */
	/* under the table's lock */
	uint32_t refs;
	bool listed;                 /* in the table (not deleted/expired) */
	uint32_t inflight;           /* calls submitted, not answered */
	uint64_t calls;
	uint64_t last_used_ns;       /* sb_now_ns */
	char last_used[32];          /* ISO 8601, UTC */
} api_inst;

api_instances *api_instances_new(void);
/* Takes every instance out of the table (release_sb: their workers are
 * told; false when the supervisor is gone already). */
void api_instances_drop_all(api_instances *t, bool release_sb);
/* api_instances_drop_all, then the table itself. */
void api_instances_free(api_instances *t, bool release_sb);

/* A new instance id in out: the one place ids are made, "NODE~i-HEX"
 * (just "i-HEX" when the node has no name).  false if the system has no
 * randomness to give. */
bool api_instance_id_make(char out[API_IID_MAX]);

/* Whether text has the shape of an instance id (else: 404 at once). */
bool api_instance_id_valid(const char *text);

typedef enum {
	API_INST_OK,
	API_INST_TOO_MANY,     /* limits.instances */
	API_INST_NO_MEMORY,    /* limits.instance_memory_pages */
} api_inst_admit;

/* Room for one more instance of tenant with up to want_pages pages?
 * *pages gets what it may have: want_pages, or less when the tenant's
 * instances hold most of instance_memory_pages. */
api_inst_admit api_instances_admit(api_instances *t, const char *tenant,
	const wh_limits *lim, uint32_t want_pages, uint32_t *pages);

/* Lists in (which must be made: its sb handle answered ok), with one
 * reference for the table; false if the tenant's limit was reached
 * meanwhile (nothing taken). */
bool api_instances_add(api_instances *t, api_inst *in, uint32_t max);

/* The tenant's instance iid with a reference (api_instances_put), or NULL
 * (none, another tenant's, deleted). */
api_inst *api_instances_find(api_instances *t, const char *tenant,
	const char *iid);
/* Drops a reference; the last one releases the sandbox's handle (when
 * release_sb) and the module. */
void api_instances_put(api_instances *t, api_inst *in, bool release_sb);

/* Takes it out of the table (DELETE); false if it was not there.  The
 * table's reference is dropped. */
bool api_instances_remove(api_instances *t, api_inst *in, bool release_sb);

/* A call starts / ends on in (idle time does not run during a call). */
void api_instances_call_begin(api_instances *t, api_inst *in);
void api_instances_call_end(api_instances *t, api_inst *in);

/* The page cap for in's next call: its own cap, but no more than the
 * tenant's instance_memory_pages leave beside its other instances (and
 * never below what it holds now). */
uint32_t api_instances_call_pages(api_instances *t, const api_inst *in,
	const wh_limits *lim);

/* Drops instances idle past their idle_ns; returns how many. */
unsigned api_instances_expire(api_instances *t, bool release_sb);

/* {"instance":...} for one; {"instances":[...]} for the tenant's.
 * malloc'd, NULL if memory ran out. */
char *api_instance_json(api_instances *t, api_inst *in, size_t *len);
char *api_instances_list_json(api_instances *t, const char *tenant,
	size_t *len);

/* All tenants: how many, and their pages (for /metrics). */
void api_instances_totals(api_instances *t, size_t *n, uint64_t *pages);

#endif
