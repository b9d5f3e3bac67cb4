/* routes.c -- the HTTP server: request life, routing, auth, bodies, and
 * the suspend/resume dance with the sandbox.
 *
 * A connection reaches libmicrohttpd from the front door (front.c), which
 * accepted it and checked its first request head.  A request's life, in
 * libmicrohttpd's access-handler calls:
 *   1. headers: route, method, auth, Content-Type, Content-Length; any
 *      refusal is answered at once (the body is then never read).
 *   2. body chunks: appended up to the route's limit; past it the rest is
 *      read and dropped, and the answer is 413.
 *   3. end of body: the route runs.  A route that needs a worker calls
 *      req_submit(): the connection is suspended, the tenant admits the
 *      invocation (a slot, a place in its queue, or 429), and sb_invoke
 *      runs it; the completion callback (supervisor thread) stores the
 *      result and resumes the connection.  The quick way comes first for
 *      invocations: with a slot free at once, sb_invoke_sync gives the call
 *      to an idle warm worker from this thread and waits up to
 *      sync_wait_us for its answer, which is then answered in this same
 *      handler call (no suspension, no other thread involved); a late
 *      answer suspends the connection (on_handover) and goes on as above.
 *   4. resumed: the route finishes (for /v1/run the inspect result leads to
 *      a second submission) and answers.
 * on_completed (libmicrohttpd's notify-completed) logs the access line,
 * counts the metrics and frees the request.
 */
#include "api.h"
#include "console.h"
#include "errors.h"
#include "front.h"
#include "http.h"
#include "instances.h"
#include "invoke.h"
#include "json.h"
#include "log.h"
#include "reply.h"
#include "sha256.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum route {
	R_HEALTHZ, R_METRICS, R_MODULES, R_MODULE, R_INVOKE, R_RUN,
	R_MOD_INSTANCES, R_INSTANCES, R_INSTANCE, R_INST_INVOKE, R_OTHER,
	R_COUNT_
};

static const char *const route_names[R_COUNT_] = {
	"/healthz", "/metrics", "/v1/modules", "/v1/modules/{id}",
	"/v1/modules/{id}/invoke", "/v1/run", "/v1/modules/{id}/instances",
	"/v1/instances", "/v1/instances/{iid}", "/v1/instances/{iid}/invoke",
	"other",
};

/* Methods per route: bit 0 GET (and HEAD), 1 POST, 2 DELETE. */
enum { M_GET = 1, M_POST = 2, M_DELETE = 4 };
static const struct {
	unsigned methods;
	const char *allow;
} route_methods[R_COUNT_] = {
	[R_HEALTHZ] = { M_GET, "GET, HEAD" },
	[R_METRICS] = { M_GET, "GET, HEAD" },
	[R_MODULES] = { M_GET | M_POST, "GET, HEAD, POST" },
	[R_MODULE] = { M_GET | M_DELETE, "GET, HEAD, DELETE" },
	[R_INVOKE] = { M_POST, "POST" },
	[R_RUN] = { M_POST, "POST" },
	[R_MOD_INSTANCES] = { M_POST, "POST" },
	[R_INSTANCES] = { M_GET, "GET, HEAD" },
	[R_INSTANCE] = { M_GET | M_DELETE, "GET, HEAD, DELETE" },
	[R_INST_INVOKE] = { M_POST, "POST" },
	[R_OTHER] = { 0, NULL },
};

/* Bodies past their limit are read and dropped up to this much more, then
 * the connection is cut. */
#define DISCARD_MAX_BYTES (UINT64_C(64) << 20)
/* Bodies of GET and DELETE (ignored). */
#define SMALL_BODY_BYTES 65536

/* Pools of recent /v1/run modules (run_cache_*): the same bytes run again
 * by the same tenant find warm workers instead of a fork, a confinement
 * and a load.  LRU, bounded in entries and in module bytes, and an entry
 * unused for RUN_CACHE_IDLE_NS is dropped (api_server_tick). */
#define RUN_CACHE_ENTRIES 32
#define RUN_CACHE_BYTES (UINT64_C(64) << 20)
#define RUN_CACHE_IDLE_NS (UINT64_C(60) * 1000000000u)

struct run_entry {
	sb_module *pool;            /* NULL: free */
	char tenant[WH_TENANT_NAME_MAX + 1];
	char id[65];
	size_t len;
	uint64_t used_ns;
};

struct api_server {
	api_config cfg;
	pthread_mutex_t run_lock;
	struct run_entry runs[RUN_CACHE_ENTRIES];   /* under run_lock */
	uint64_t run_bytes;                         /* under run_lock */
	struct MHD_Daemon *mhd;
	api_front *front;           /* accepts, reads first heads (front.c) */
	wh_metrics *metrics;
	unsigned active;            /* atomic: requests begun, not completed */
	unsigned threads;           /* HTTP threads */
	bool draining;              /* atomic */
	bool metrics_public;        /* atomic */
	unsigned port;
	/* Set (write lock) just before the supervisor is freed early; sandbox
	 * calls happen under the read lock and check it. */
	pthread_rwlock_t sup_lock;
	bool sup_gone;
	/* The watchdog thread (watch_main) ends invocations whose deadline
	 * passes while they wait for a tenant slot. */
	pthread_t watch;
	bool watch_started;
	pthread_mutex_t watch_lock;
	pthread_cond_t watch_cond;          /* CLOCK_MONOTONIC */
	bool watch_stop, watch_kicked;      /* under watch_lock */
	uint64_t watch_next_ns;             /* under watch_lock: its wake-up */
	pthread_mutex_t conn_lock;
	struct conn *conns;                 /* under conn_lock */
	uint64_t body_bytes;                /* atomic: bodies reserved */
	api_instances *instances;           /* persistent instances */
};

/* A connection's total deadline (the headers, then the body), kept by the
 * watchdog: libmicrohttpd only cuts idle connections, so a client that
 * sends a byte now and then would otherwise hold one for ever. */
struct conn {
	struct conn *prev, *next;   /* s->conns, under conn_lock */
	int fd;
	struct sockaddr_storage addr;   /* counted in the front door's caps */
	bool counted;
	uint64_t deadline_ns;       /* under conn_lock; 0 = none */
	bool in_body;               /* under conn_lock: for the log */
	bool cut;                   /* under conn_lock: shut down already */
};

enum phase { P_NONE, P_INSPECT, P_INVOKE };

struct req {
	api_server *srv;
	struct MHD_Connection *conn;
	bool begun;                 /* on_access saw the headers */
	/* The request target as libmicrohttpd read it, before it cut the
	 * query and unescaped (uri_log): a NUL in it shows as a gap
	 * between its C string and the HTTP version. */
	const char *raw_uri;
	size_t raw_uri_len;
	enum route route;
	char method[8];
	char id[API_IID_MAX];       /* a module's id, or an instance's */
	char path[128];             /* for the log of unknown routes */
	wh_tenant *tenant;
	wh_limits lim;
	uint64_t start_ns;
	uint64_t submit_ns;         /* the current phase went to admission */
	/* body */
	uint8_t *body;
	size_t len, cap;
	uint64_t limit, discarded;
	uint64_t declared;          /* Content-Length, or 0 */
	uint64_t reserved;          /* of s->body_bytes, for this body */
	bool too_large;
	bool no_memory;             /* max_body_memory_bytes was reached */
	struct conn *tc;            /* its connection's deadline */
	/* answer */
	unsigned status;
	char *answer;
	size_t answer_len;
	bool answered;              /* status and answer are set */
	const char *ctype;
	const char *outcome;        /* for the log, or NULL */
	const char *allow;
	bool www_auth, retry_after;
	char location[sizeof "/v1/instances/" + API_IID_MAX];
	/* invocation */
	enum phase phase;
	bool final_phase;           /* its completion frees the slot */
	bool holds_slot;
	bool suspended;
	bool client_gone;           /* atomic: seen by client_present() */
	wh_waiter waiter;
	sb_request sbr;
	sb_result *res;
	wh_module *mod;             /* invoke: the entry; upload: the new one */
	sb_module *pool;            /* what sb_invoke runs on */
	bool own_pool;              /* pool is ours to release */
	bool run_ok;                /* /v1/run: the module loaded */
	size_t run_len;             /* /v1/run: module bytes */
	api_call call;
	bool has_call;
	json_t *doc;                /* /v1/run: kept for the second phase */
	char run_id[SHA256_HEX_BYTES];
	char *init;                 /* upload: ?init=, the initialisation
	                               export (malloc'd), or NULL */
	api_inst *inst;             /* instance routes: a reference */
	bool inst_call;             /* a call on inst is counted in it */
};

/* ---- answers -------------------------------------------------------------- */

static void answer(struct req *r, unsigned status, char *body, size_t len)
{
	free(r->answer);
	r->status = status;
	r->answer = body;
	r->answer_len = body ? len : 0;
	r->answered = true;
	if (!body) {
		/* Memory ran out building it: an empty 500 is all we can do. */
		r->status = 500;
	}
}

static void answer_error(struct req *r, api_error e, const char *msg,
	const char *field, size_t offset)
{
	size_t len = 0;
	char *body = api_error_body(e, msg, field, offset, &len);
	answer(r, api_error_status(e), body, len);
	if (e == API_E_UNAUTHORIZED)
		r->www_auth = true;
	if (e == API_E_BUSY || e == API_E_UNAVAILABLE)
		r->retry_after = true;
	if (!r->outcome)
		r->outcome = api_error_code(e);
}

static void answer_fail(struct req *r, const api_fail *f)
{
	answer_error(r, f->error, f->message, f->field[0] ? f->field : NULL,
		SIZE_MAX);
}

static enum MHD_Result answer_send(struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!r->answered)
		answer_error(r, API_E_INTERNAL, "no answer", NULL, SIZE_MAX);
	resp = MHD_create_response_from_buffer(r->answer_len,
		r->answer ? r->answer : (char *)"", r->answer ?
		MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	r->answer = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		r->ctype ? r->ctype : "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		"no-store");
	api_reply_headers(resp);
	if (r->status == 405 && r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->www_auth)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			"Bearer realm=\"wasmhostd\"");
	if (r->retry_after)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (r->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
			r->location);
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- the sandbox side ----------------------------------------------------- */

static void on_done(void *ctx, sb_result *res)
{
	struct req *r = ctx;

	r->res = res;
	if (r->final_phase && r->holds_slot) {
		r->holds_slot = false;
		wh_tenant_release(r->tenant);
	}
	if (r->phase == P_INVOKE) {
		wh_metrics_outcome(r->srv->metrics, res->outcome);
		if (res->has_tiers)
			wh_metrics_tiers(r->srv->metrics, &res->tiers_delta);
	}
	if (r->suspended)   /* not when sb_invoke_sync ends at once */
		MHD_resume_connection(r->conn);
}

static void req_resumed(struct req *r);

/* Whether the client still waits for the answer.  libmicrohttpd does not
 * watch a suspended connection, so this looks at its socket: end of file
 * or an error means the client has gone (one that half-closes after its
 * request counts as gone too, as for nginx).  Any thread. */
static bool client_present(struct req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
		MHD_CONNECTION_INFO_CONNECTION_FD);
	char c;

	if (!ci)
		return true;
	ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)))
		return true;
	if (!__atomic_exchange_n(&r->client_gone, true, __ATOMIC_RELAXED))
		wh_metrics_client_gone(r->srv->metrics);
	return false;
}

/* sb_request.wanted: a call that waited for a worker starts only if its
 * client is still there. */
static bool call_wanted(void *ctx)
{
	return client_present(ctx);
}

/* The sandbox could not take the job: the slot goes back, 503. */
static void job_refused(struct req *r)
{
	if (r->holds_slot) {
		r->holds_slot = false;
		wh_tenant_release(r->tenant);
	}
	answer_error(r, API_E_UNAVAILABLE, "out of memory", NULL, SIZE_MAX);
}

/* sb_invoke_sync hands the call over: the answer comes later. */
static void on_handover(void *ctx)
{
	struct req *r = ctx;
	r->suspended = true;
	MHD_suspend_connection(r->conn);
}

/* With a slot, on the connection's own thread, not suspended: try to have
 * the call's answer at once (sb_invoke_sync), and answer it.  Otherwise
 * the connection is suspended and goes on like job_start's. */
static void job_start_sync(struct req *r)
{
	api_server *s = r->srv;

	pthread_rwlock_rdlock(&s->sup_lock);
	sb_submit st = s->sup_gone ? SB_SUBMIT_NOMEM : sb_invoke_sync(r->pool,
		&r->sbr, s->cfg.sync_wait_us, on_done, on_handover, r);
	pthread_rwlock_unlock(&s->sup_lock);
	switch (st) {
	case SB_SUBMIT_DONE:
		req_resumed(r);
		return;
	case SB_SUBMIT_QUEUED:
		return;
	case SB_SUBMIT_NOMEM:
		job_refused(r);
		return;
	}
}

/* With a slot: run the current phase.  Any thread. */
static void job_start(struct req *r)
{
	api_server *s = r->srv;

	pthread_rwlock_rdlock(&s->sup_lock);
	bool ok = !s->sup_gone && sb_invoke(r->pool, &r->sbr, on_done, r);
	pthread_rwlock_unlock(&s->sup_lock);
	if (ok)
		return;
	job_refused(r);
	MHD_resume_connection(r->conn);
}

static bool waiter_start(wh_waiter *w)
{
	struct req *r = (struct req *)((char *)w - offsetof(struct req, waiter));
	if (!client_present(r)) {
		/* Nobody to answer: the slot goes back, to the next waiter
		 * (wh_tenant_release hands it on). */
		r->outcome = "client_gone";
		answer_error(r, API_E_UNAVAILABLE, "the client has gone",
			NULL, SIZE_MAX);
		MHD_resume_connection(r->conn);
		return false;
	}
	r->holds_slot = true;
	job_start(r);
	return true;
}

/* The watchdog thread: a waiter's deadline passed before a slot came.
 * The call never ran: it ends `timeout`, on time (queue time counts
 * against the deadline). */
static void waiter_expire(wh_waiter *w)
{
	struct req *r = (struct req *)((char *)w - offsetof(struct req, waiter));
	sb_result *res = calloc(1, sizeof *res);

	if (res) {
		res->outcome = SB_TIMEOUT;
		res->trap = WASM_TRAP_TIMEOUT;
		res->offset = SIZE_MAX;
		res->func_index = WASM_NO_INDEX;
		res->wall_us = (sb_now_ns() - r->submit_ns) / 1000;
		snprintf(res->message, sizeof res->message, "the deadline "
			"passed while the call waited for a slot of its tenant");
		wh_metrics_outcome(r->srv->metrics, SB_TIMEOUT);
		r->res = res;
	} else {
		answer_error(r, API_E_UNAVAILABLE, "out of memory", NULL,
			SIZE_MAX);
	}
	MHD_resume_connection(r->conn);
}

/* Wakes the watchdog if deadline_ns comes before its planned wake-up. */
static void watch_kick(api_server *s, uint64_t deadline_ns)
{
	pthread_mutex_lock(&s->watch_lock);
	/* 0: awake; kicked, it scans again before it sleeps. */
	if (!s->watch_next_ns || deadline_ns < s->watch_next_ns) {
		s->watch_kicked = true;
		pthread_cond_signal(&s->watch_cond);
	}
	pthread_mutex_unlock(&s->watch_lock);
}

static void waiter_fail(wh_waiter *w)
{
	struct req *r = (struct req *)((char *)w - offsetof(struct req, waiter));
	answer_error(r, API_E_UNAVAILABLE, "the daemon is shutting down",
		NULL, SIZE_MAX);
	MHD_resume_connection(r->conn);
}

/* Suspends the connection, then admits and starts the job.  The suspension
 * comes first: the completion may arrive on another thread before this
 * function returns, and resuming needs a suspended connection. */
static void req_submit(struct req *r, enum phase phase, bool final)
{
	r->phase = phase;
	r->final_phase = final;
	r->sbr.wanted = call_wanted;
	/* The quick way: a slot at once, and maybe the answer too.  Only
	 * while there are no more requests than threads: a thread that
	 * waits does not serve its other connections, which costs more
	 * than the suspension saves once the server is busy (measured:
	 * 64 connections, 18.5k req/s with it, 19.7k without). */
	if (phase == P_INVOKE && r->srv->cfg.sync_wait_us &&
	    __atomic_load_n(&r->srv->active, __ATOMIC_RELAXED) <=
	    r->srv->threads && (r->holds_slot ||
	    wh_tenant_admit(r->tenant, NULL) == WH_ADMIT_RUN)) {
		r->holds_slot = true;
		job_start_sync(r);
		return;
	}
	r->suspended = true;
	MHD_suspend_connection(r->conn);
	if (r->holds_slot) {
		job_start(r);
		return;
	}
	r->waiter.start = waiter_start;
	/* The call's deadline runs while it waits for a slot too. */
	uint64_t deadline_ns = phase == P_INVOKE ? r->sbr.deadline_ns : 0;
	r->waiter.deadline_ns = deadline_ns;
	r->submit_ns = sb_now_ns();
	switch (wh_tenant_admit(r->tenant, &r->waiter)) {
	case WH_ADMIT_RUN:
		r->holds_slot = true;
		job_start(r);
		return;
	case WH_ADMIT_QUEUED:
		if (deadline_ns)
			watch_kick(r->srv, deadline_ns);
		return;
	case WH_ADMIT_FULL:
		answer_error(r, API_E_BUSY, NULL, NULL, SIZE_MAX);
		MHD_resume_connection(r->conn);
		return;
	}
}

/* Sandbox outcomes that are HTTP errors, not data (decision 10). */
static bool outcome_error(struct req *r, const sb_result *res)
{
	switch (res->outcome) {
	case SB_INVALID_MODULE:
		answer_error(r, API_E_INVALID_MODULE, res->message, NULL,
			res->offset);
		return true;
	case SB_BAD_CALL:
		answer_error(r, API_E_BAD_CALL, res->message, NULL, SIZE_MAX);
		return true;
	case SB_BUSY:
		if (res->limit == SB_LIMIT_MEMORY)
			answer_error(r, API_E_MEMORY_BUSY, res->message, NULL,
				SIZE_MAX);
		else
			answer_error(r, API_E_BUSY, "every worker of this module "
				"is busy and its queue is full; retry", NULL,
				SIZE_MAX);
		return true;
	case SB_ERROR:
		answer_error(r, API_E_UNAVAILABLE, res->message, NULL, SIZE_MAX);
		return true;
	case SB_GONE:
		answer_error(r, API_E_GONE, res->message, NULL, SIZE_MAX);
		return true;
	default:
		return false;
	}
}

/* ---- routes --------------------------------------------------------------- */

static void h_healthz(struct req *r)
{
	static const char ok[] = "{\"status\":\"ok\"}\n";
	sb_stats st;

	if (__atomic_load_n(&r->srv->draining, __ATOMIC_RELAXED)) {
		answer_error(r, API_E_UNAVAILABLE, "draining", NULL, SIZE_MAX);
		return;
	}
	pthread_rwlock_rdlock(&r->srv->sup_lock);
	bool alive = !r->srv->sup_gone;
	if (alive) {
		sb_supervisor_stats(r->srv->cfg.sup, &st);
		alive = st.zygote_alive;
	}
	pthread_rwlock_unlock(&r->srv->sup_lock);
	if (!alive) {
		answer_error(r, API_E_UNAVAILABLE, "the sandbox's zygote died: "
			"no worker can start; the daemon is restarting", NULL,
			SIZE_MAX);
		return;
	}
	answer(r, 200, strdup(ok), sizeof ok - 1);
}

static void h_metrics(struct req *r)
{
	api_server *s = r->srv;
	wh_gauges g;
	size_t len = 0;

	memset(&g, 0, sizeof g);
	sb_supervisor_stats(s->cfg.sup, &g.sandbox);
	wh_tenants_counts(s->cfg.tenants, &g.running, &g.waiting);
	wh_tenant_gauge *tg = NULL;
	if (wh_tenants_gauges(s->cfg.tenants, &tg, &g.ntenants))
		g.tenants = tg;
	g.modules = wh_store_total(s->cfg.store);
	g.node = api_reply_node();
	g.connections = api_front_connections(s->front);
	api_instances_totals(s->instances, &g.instances, &g.instance_pages);
	char *text = wh_metrics_render(s->metrics, &g, &len);
	free(tg);
	answer(r, 200, text, len);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

/* GET /v1/modules: summaries (not the full metadata, which can be megabytes
 * per module), oldest first, a page at a time.  ?limit=N (default
 * API_LIST_LIMIT_DEFAULT, at most API_LIST_LIMIT_MAX); ?cursor=C continues
 * after the page whose answer had "next_cursor":C.  The cursor is
 * "<created>~<id>" of the page's last entry, so a deleted entry does not
 * lose the place. */
#define API_LIST_LIMIT_DEFAULT 100u
#define API_LIST_LIMIT_MAX 1000u

static bool list_args(struct req *r, unsigned long *limit, char *created,
	size_t created_len, char *id)
{
	const char *l = MHD_lookup_connection_value(r->conn,
		MHD_GET_ARGUMENT_KIND, "limit");
	const char *c = MHD_lookup_connection_value(r->conn,
		MHD_GET_ARGUMENT_KIND, "cursor");
	char msg[128];

	*limit = API_LIST_LIMIT_DEFAULT;
	created[0] = id[0] = '\0';
	if (l) {
		char *end;
		*limit = strtoul(l, &end, 10);
		if (!*l || *end || *l == '-' || *limit == 0 ||
		    *limit > API_LIST_LIMIT_MAX) {
			snprintf(msg, sizeof msg, "limit: expected 1 to %u",
				API_LIST_LIMIT_MAX);
			answer_error(r, API_E_BAD_REQUEST, msg, "limit",
				SIZE_MAX);
			return false;
		}
	}
	if (c) {
		const char *tilde = strrchr(c, '~');
		if (!tilde || (size_t)(tilde - c) >= created_len ||
		    !wh_id_valid(tilde + 1)) {
			answer_error(r, API_E_BAD_REQUEST, "cursor: not a "
				"next_cursor of this listing", "cursor",
				SIZE_MAX);
			return false;
		}
		memcpy(created, c, (size_t)(tilde - c));
		created[tilde - c] = '\0';
		memcpy(id, tilde + 1, SHA256_HEX_BYTES);
	}
	return true;
}

static void h_list(struct req *r)
{
	wh_module **list;
	size_t n, len = 0;
	bool more;
	unsigned long limit;
	char created[sizeof list[0]->created], id[SHA256_HEX_BYTES];
	jw w;

	if (!list_args(r, &limit, created, sizeof created, id))
		return;
	if (!wh_store_list_page(r->srv->cfg.store, wh_tenant_name(r->tenant),
		created, id[0] ? id : NULL, limit, &list, &n, &more)) {
		answer_error(r, API_E_INTERNAL, "out of memory", NULL, SIZE_MAX);
		return;
	}
	jw_init(&w);
	jw_obj_open(&w);
	jw_key(&w, "modules");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++)
		jw_raw(&w, list[i]->summary_json, list[i]->summary_len);
	jw_arr_close(&w);
	if (more && n) {
		char next[sizeof created + SHA256_HEX_BYTES + 1];
		snprintf(next, sizeof next, "%s~%s", list[n - 1]->created,
			list[n - 1]->id);
		jw_key(&w, "next_cursor");
		jw_str(&w, next);
	}
	jw_obj_close(&w);
	jw_raw(&w, "\n", 1);
	wh_store_list_free(list, n);
	char *body = jw_take(&w, &len);
	answer(r, 200, body, len);
}

static wh_module *module_lookup(struct req *r)
{
	wh_module *m = NULL;
	if (wh_id_valid(r->id))
		m = wh_store_find(r->srv->cfg.store, wh_tenant_name(r->tenant),
			r->id);
	if (!m)
		answer_error(r, API_E_NO_MODULE, NULL, NULL, SIZE_MAX);
	return m;
}

static void h_get(struct req *r)
{
	wh_module *m = module_lookup(r);
	if (!m)
		return;
	char *body = malloc(m->meta_len + 2);
	if (body) {
		memcpy(body, m->meta_json, m->meta_len);
		body[m->meta_len] = '\n';
		body[m->meta_len + 1] = '\0';
	}
	answer(r, 200, body, m->meta_len + 1);
	wh_module_unref(m);
}

static void h_delete(struct req *r)
{
	char err[256], body[160];

	if (!wh_id_valid(r->id)) {
		answer_error(r, API_E_NO_MODULE, NULL, NULL, SIZE_MAX);
		return;
	}
	switch (wh_store_delete(r->srv->cfg.store, wh_tenant_name(r->tenant),
		r->id, err, sizeof err)) {
	case WH_STORE_OK: {
		int n = snprintf(body, sizeof body,
			"{\"id\":\"%s\",\"deleted\":true}\n", r->id);
		answer(r, 200, strdup(body), (size_t)n);
		return;
	}
	case WH_STORE_NOT_FOUND:
		answer_error(r, API_E_NO_MODULE, NULL, NULL, SIZE_MAX);
		return;
	default:
		answer_error(r, API_E_UNAVAILABLE, err, NULL, SIZE_MAX);
		return;
	}
}

static void conflict(struct req *r, const char *id)
{
	char msg[200];
	snprintf(msg, sizeof msg, "the tenant holds this module already: "
		"/v1/modules/%s", id);
	snprintf(r->location, sizeof r->location, "/v1/modules/%s", id);
	answer_error(r, API_E_EXISTS, msg, NULL, SIZE_MAX);
}

/* A new pool for bytes the tenant sent (upload, run), and its inspection. */
static bool inspect_submit(struct req *r, const uint8_t *bytes, size_t len,
	bool final)
{
	if (len == 0) {
		answer_error(r, API_E_INVALID_MODULE, "the module is empty",
			NULL, SIZE_MAX);
		return false;
	}
	r->pool = sb_module_new_init(r->srv->cfg.sup,
		wh_tenant_name(r->tenant), r->run_id, bytes, len, r->init);
	if (!r->pool) {
		answer_error(r, API_E_TOO_LARGE, "the module is larger than "
			"the sandbox accepts", NULL, SIZE_MAX);
		return false;
	}
	r->own_pool = true;
	r->run_len = len;
	memset(&r->sbr, 0, sizeof r->sbr);
	r->sbr.kind = SB_INSPECT;
	req_submit(r, P_INSPECT, final);
	return true;
}

/* Longest ?init= export name. */
#define INIT_NAME_MAX 1024

static void h_upload(struct req *r)
{
	const char *tenant = wh_tenant_name(r->tenant);
	const char *init = MHD_lookup_connection_value(r->conn,
		MHD_GET_ARGUMENT_KIND, "init");
	wh_module *m;

	if (init && (!init[0] || strlen(init) > INIT_NAME_MAX)) {
		answer_error(r, API_E_BAD_REQUEST, "init: the name of an export "
			"of type [] -> [], 1 to 1024 bytes", "init", SIZE_MAX);
		return;
	}
	if (init && !(r->init = strdup(init))) {
		answer_error(r, API_E_INTERNAL, "out of memory", NULL, SIZE_MAX);
		return;
	}
	sha256_hex(r->body, r->len, r->run_id);
	if ((m = wh_store_find(r->srv->cfg.store, tenant, r->run_id))) {
		wh_module_unref(m);
		conflict(r, r->run_id);
		return;
	}
	if (wh_store_count(r->srv->cfg.store, tenant) >= r->lim.modules) {
		answer_error(r, API_E_QUOTA, NULL, NULL, SIZE_MAX);
		return;
	}
	inspect_submit(r, r->body, r->len, true);
}

/* An inspection that failed, answered: a worker killed while loading
 * the module means the module is bad; other errors as usual. */
static bool inspect_error(struct req *r, const sb_result *res)
{
	if (res->outcome == SB_KILLED) {
		answer_error(r, API_E_INVALID_MODULE, res->message, NULL,
			SIZE_MAX);
		return true;
	}
	return outcome_error(r, res);
}

/* Whether the inspected module exports `name` as a function [] -> []. */
static bool init_export_fits(const sb_result *res, const char *name)
{
	for (uint32_t i = 0; i < res->nexports; i++) {
		const sb_extern *e = &res->exports[i];
		if (e->kind == WASM_EXTERN_FUNC && e->name_len == strlen(name) &&
		    memcmp(e->name, name, e->name_len) == 0)
			return e->nparams == 0 && e->nresults == 0;
	}
	return false;
}

static void upload_finish(struct req *r, sb_result *res)
{
	char err[256];
	wh_module *m = NULL;

	if (inspect_error(r, res))
		return;
	if (res->outcome != SB_OK) {
		answer_error(r, API_E_INVALID_MODULE, res->message, NULL,
			res->offset);
		return;
	}
	if (r->init && !init_export_fits(res, r->init)) {
		char msg[200];
		snprintf(msg, sizeof msg, "init: the module exports no function "
			"'%.100s' of type [] -> []", r->init);
		answer_error(r, API_E_BAD_REQUEST, msg, "init", SIZE_MAX);
		return;
	}
	wh_store_status st = wh_store_put(r->srv->cfg.store,
		wh_tenant_name(r->tenant), r->run_id, r->body, r->len, res,
		r->pool, r->init, r->lim.modules, &m, err, sizeof err);
	switch (st) {
	case WH_STORE_OK:
		r->own_pool = false;   /* the entry has it now */
		snprintf(r->location, sizeof r->location, "/v1/modules/%s",
			m->id);
		char *body = malloc(m->meta_len + 2);
		if (body) {
			memcpy(body, m->meta_json, m->meta_len);
			memcpy(body + m->meta_len, "\n", 2);
		}
		answer(r, 201, body, m->meta_len + 1);
		r->outcome = "stored";
		break;
	case WH_STORE_EXISTS:
		conflict(r, r->run_id);
		break;
	case WH_STORE_QUOTA:
		answer_error(r, API_E_QUOTA, err, NULL, SIZE_MAX);
		break;
	default:
		answer_error(r, API_E_UNAVAILABLE, err, NULL, SIZE_MAX);
		break;
	}
	wh_module_unref(m);
}

static json_t *body_json(struct req *r)
{
	json_error_t jerr;
	json_t *doc;
	char msg[300];

	if (r->len == 0) {
		answer_error(r, API_E_BAD_JSON, "the body is empty: expected a "
			"JSON object", NULL, SIZE_MAX);
		return NULL;
	}
	/* "\u0000" is allowed: export names may hold it (api_call_parse). */
	doc = json_loadb((const char *)r->body, r->len,
		JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!doc) {
		snprintf(msg, sizeof msg, "line %d, column %d: %s", jerr.line,
			jerr.column, jerr.text);
		answer_error(r, API_E_BAD_JSON, msg, NULL, SIZE_MAX);
	}
	return doc;
}

/* The call's deadline runs from now (the request is complete, or for
 * /v1/run its module is loaded): waiting for a tenant slot or a worker
 * counts against it. */
static void call_deadline(struct req *r)
{
	if (r->sbr.timeout_ms)
		r->sbr.deadline_ns = sb_now_ns() + r->sbr.timeout_ms * 1000000u;
}

static void h_invoke(struct req *r)
{
	api_fail f;
	char err[256];
	json_t *doc;

	if (!(r->mod = module_lookup(r)))
		return;
	if (!(doc = body_json(r)))
		return;
	api_target t = { .funcs = r->mod->funcs, .nfuncs = r->mod->nfuncs,
		.uses_wasi = r->mod->uses_wasi, .argv0 = r->mod->id,
		.text = (const char *)r->body, .text_len = r->len };
	bool ok = api_call_parse(doc, &t, &r->lim,
		r->srv->cfg.fuel_metering, NULL, &r->call, &f);
	json_decref(doc);
	r->has_call = true;
	if (!ok) {
		answer_fail(r, &f);
		return;
	}
	r->pool = wh_module_pool(r->mod, err, sizeof err);
	if (!r->pool) {
		answer_error(r, API_E_UNAVAILABLE, err, NULL, SIZE_MAX);
		return;
	}
	r->sbr = r->call.req;
	call_deadline(r);
	req_submit(r, P_INVOKE, true);
}

static void invoke_finish(struct req *r, sb_result *res)
{
	size_t len = 0;

	if (outcome_error(r, res))
		return;
	char *body = api_outcome_body(res, &r->call, r->srv->cfg.tier_name,
		&len);
	answer(r, 200, body, len);
	r->outcome = sb_outcome_name(res->outcome);
}

static void h_run(struct req *r)
{
	uint8_t *bytes = NULL;
	size_t len = 0;

	if (!(r->doc = body_json(r)))
		return;
	json_t *mod = json_object_get(r->doc, "module");
	if (!json_is_string(mod)) {
		answer_error(r, API_E_BAD_REQUEST, "module: expected the "
			"module's bytes in base64", "module", SIZE_MAX);
		return;
	}
	if (!base64_decode(json_string_value(mod), json_string_length(mod),
		&bytes, &len)) {
		answer_error(r, API_E_BAD_REQUEST, "module: not valid base64",
			"module", SIZE_MAX);
		return;
	}
	if (len > r->lim.upload_bytes) {
		free(bytes);
		answer_error(r, API_E_TOO_LARGE, "module: larger than the "
			"tenant's upload_bytes", "module", SIZE_MAX);
		return;
	}
	sha256_hex(bytes, len, r->run_id);
	inspect_submit(r, bytes, len, false);
	free(bytes);   /* the sandbox copied them */
}

static void run_inspected(struct req *r, sb_result *res)
{
	api_fail f;
	uint32_t n;
	bool wasi;

	if (inspect_error(r, res))
		return;
	r->run_ok = true;
	wh_func_sig *sigs = api_sigs_from_result(res, &n, &wasi);
	if (!sigs) {
		answer_error(r, API_E_INTERNAL, "out of memory", NULL, SIZE_MAX);
		return;
	}
	api_target t = { .funcs = sigs, .nfuncs = n, .uses_wasi = wasi,
		.argv0 = r->run_id, .text = (const char *)r->body,
		.text_len = r->len };
	bool ok = api_call_parse(r->doc, &t, &r->lim,
		r->srv->cfg.fuel_metering, "module", &r->call, &f);
	free(sigs);
	r->has_call = true;
	json_decref(r->doc);
	r->doc = NULL;
	if (!ok) {
		answer_fail(r, &f);
		return;
	}
	r->sbr = r->call.req;
	call_deadline(r);
	req_submit(r, P_INVOKE, true);
}

/* ---- persistent instances (api/instances.c keeps the table) ------------- */

/* POST /v1/modules/{id}/instances: a worker of the module's pool makes
 * the instance and keeps it (sb_instance); 201 once it is made. */
static void h_instance_create(struct req *r)
{
	api_server *s = r->srv;
	const char *tenant = wh_tenant_name(r->tenant);
	api_fail f;
	char err[256];
	json_t *doc = NULL;
	uint32_t pages = 0;

	if (!(r->mod = module_lookup(r)))
		return;
	if (r->len && !(doc = body_json(r)))
		return;
	api_target t = { .funcs = r->mod->funcs, .nfuncs = r->mod->nfuncs,
		.uses_wasi = r->mod->uses_wasi, .argv0 = r->mod->id };
	bool ok = api_instance_parse(doc, &t, &r->lim, s->cfg.fuel_metering,
		&r->call, &f);
	json_decref(doc);
	r->has_call = true;
	if (!ok) {
		answer_fail(r, &f);
		return;
	}
	uint32_t want = r->call.req.max_memory_pages ?
		r->call.req.max_memory_pages : r->lim.memory_pages;
	switch (api_instances_admit(s->instances, tenant, &r->lim, want,
		&pages)) {
	case API_INST_TOO_MANY:
		snprintf(err, sizeof err, "the tenant holds %u persistent "
			"instances, its limit (limits.instances); delete one",
			r->lim.instances);
		answer_error(r, API_E_QUOTA, err, NULL, SIZE_MAX);
		return;
	case API_INST_NO_MEMORY:
		snprintf(err, sizeof err, "the tenant's persistent instances "
			"hold all of their memory, %u pages "
			"(limits.instance_memory_pages)",
			r->lim.instance_memory_pages);
		answer_error(r, API_E_QUOTA, err, NULL, SIZE_MAX);
		return;
	case API_INST_OK:
		break;
	}
	if (!(r->pool = wh_module_pool(r->mod, err, sizeof err))) {
		answer_error(r, API_E_UNAVAILABLE, err, NULL, SIZE_MAX);
		return;
	}
	api_inst *in = calloc(1, sizeof *in);
	if (!in || !api_instance_id_make(in->iid) ||
	    !(in->sb = sb_instance_new(r->pool))) {
		free(in);
		answer_error(r, API_E_UNAVAILABLE, "out of memory or "
			"randomness", NULL, SIZE_MAX);
		return;
	}
	snprintf(in->tenant, sizeof in->tenant, "%s", tenant);
	wh_module_ref(r->mod);
	in->mod = r->mod;
	in->max_pages = pages;
	in->idle_ns = (uint64_t)r->lim.instance_idle_s * 1000000000u;
	in->refs = 1;   /* the request's */
	r->inst = in;
	r->sbr = r->call.req;
	r->sbr.instance = in->sb;
	r->sbr.max_memory_pages = pages;
	call_deadline(r);
	req_submit(r, P_INVOKE, true);
}

static void instance_create_finish(struct req *r, sb_result *res)
{
	api_server *s = r->srv;
	char msg[320];
	size_t len = 0;

	if (res->outcome == SB_BUSY) {   /* workers.max_instances */
		answer_error(r, API_E_BUSY, res->message, NULL, SIZE_MAX);
		return;
	}
	if (outcome_error(r, res))
		return;
	if (res->outcome != SB_OK) {
		snprintf(msg, sizeof msg, "%s: %s", sb_outcome_name(res->outcome),
			res->message[0] ? res->message :
			wasm_trap_kind_name(res->trap));
		answer_error(r, API_E_NOT_INSTANTIATED, msg, NULL, SIZE_MAX);
		r->outcome = sb_outcome_name(res->outcome);
		return;
	}
	if (!api_instances_add(s->instances, r->inst, r->lim.instances)) {
		answer_error(r, API_E_QUOTA, "the tenant's limit of persistent "
			"instances (limits.instances) was reached meanwhile",
			NULL, SIZE_MAX);
		return;
	}
	wh_metrics_instance(s->metrics, WH_INSTANCE_CREATED);
	snprintf(r->location, sizeof r->location, "/v1/instances/%s",
		r->inst->iid);
	char *body = api_instance_json(s->instances, r->inst, &len);
	answer(r, 201, body, len);
	r->outcome = "created";
}

/* The caller's instance named in the path, with a reference in r->inst;
 * NULL (answered 404) if it has none of that id. */
static api_inst *instance_lookup(struct req *r)
{
	if (api_instance_id_valid(r->id))
		r->inst = api_instances_find(r->srv->instances,
			wh_tenant_name(r->tenant), r->id);
	if (!r->inst)
		answer_error(r, API_E_NO_INSTANCE, NULL, NULL, SIZE_MAX);
	return r->inst;
}

/* POST /v1/instances/{iid}/invoke: {"function", "args", "limits",
 * "encoding"}; WASI's argv, env, stdin and files were the instance's
 * at its creation. */
static void h_instance_invoke(struct req *r)
{
	api_fail f;
	json_t *doc;
	sb_instance_info st;

	if (!instance_lookup(r))
		return;
	sb_instance_status(r->inst->sb, &st);
	if (st.gone) {
		answer_error(r, API_E_GONE, st.reason, NULL, SIZE_MAX);
		return;
	}
	if (!(doc = body_json(r)))
		return;
	wh_module *m = r->inst->mod;
	api_target t = { .funcs = m->funcs, .nfuncs = m->nfuncs,
		.uses_wasi = m->uses_wasi, .argv0 = m->id };
	bool ok = api_instance_call_parse(doc, &t, &r->lim,
		r->srv->cfg.fuel_metering, &r->call, &f);
	json_decref(doc);
	r->has_call = true;
	if (!ok) {
		answer_fail(r, &f);
		return;
	}
	r->sbr = r->call.req;
	r->sbr.instance = r->inst->sb;
	r->sbr.max_memory_pages = api_instances_call_pages(r->srv->instances,
		r->inst, &r->lim);
	/* The pool the call goes through: the module's (the instance's
	 * worker is one of its workers). */
	char err[256];
	if (!(r->pool = wh_module_pool(m, err, sizeof err))) {
		answer_error(r, API_E_UNAVAILABLE, err, NULL, SIZE_MAX);
		return;
	}
	api_instances_call_begin(r->srv->instances, r->inst);
	r->inst_call = true;
	call_deadline(r);
	req_submit(r, P_INVOKE, true);
}


static void h_instance_list(struct req *r)
{
	size_t len = 0;
	char *body = api_instances_list_json(r->srv->instances,
		wh_tenant_name(r->tenant), &len);
	answer(r, 200, body, len);
}

static void h_instance_get(struct req *r)
{
	size_t len = 0;

	if (!instance_lookup(r))
		return;
	char *body = api_instance_json(r->srv->instances, r->inst, &len);
	answer(r, 200, body, len);
}

static void h_instance_delete(struct req *r)
{
	if (!instance_lookup(r))
		return;
	if (!api_instances_remove(r->srv->instances, r->inst, true)) {
		answer_error(r, API_E_NO_INSTANCE, NULL, NULL, SIZE_MAX);
		return;
	}
	wh_metrics_instance(r->srv->metrics, WH_INSTANCE_DELETED);
	answer(r, 204, strdup(""), 0);
	r->outcome = "deleted";
}

/* ---- request life --------------------------------------------------------- */

static enum route route_match(const char *url, char *id, size_t idlen)
{
	id[0] = '\0';
	if (strcmp(url, "/healthz") == 0)
		return R_HEALTHZ;
	if (strcmp(url, "/metrics") == 0)
		return R_METRICS;
	if (strcmp(url, "/v1/modules") == 0)
		return R_MODULES;
	if (strcmp(url, "/v1/run") == 0)
		return R_RUN;
	if (strcmp(url, "/v1/instances") == 0)
		return R_INSTANCES;
	bool inst = strncmp(url, "/v1/instances/", 14) == 0;
	if (!inst && strncmp(url, "/v1/modules/", 12) != 0)
		return R_OTHER;
	const char *rest = url + (inst ? 14 : 12), *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	enum route r;
	if (n == 0)
		return R_OTHER;
	if (!slash)
		r = inst ? R_INSTANCE : R_MODULE;
	else if (strcmp(slash, "/invoke") == 0)
		r = inst ? R_INST_INVOKE : R_INVOKE;
	else if (!inst && strcmp(slash, "/instances") == 0)
		r = R_MOD_INSTANCES;
	else
		return R_OTHER;
	/* Anything but 64 hex digits is a module nobody has (an instance:
	 * its id's shape): 404 after auth (wh_id_valid,
	 * api_instance_id_valid), never a path. */
	snprintf(id, idlen, "%.*s", n < idlen - 1 ? (int)n : (int)idlen - 1,
		rest);
	if (n >= idlen)
		id[0] = 'x';   /* too long: invalid whatever it starts with */
	return r;
}

static bool media_type_is(const char *header, const char *type)
{
	size_t n = strlen(type);
	while (header && (*header == ' ' || *header == '\t'))
		header++;
	return header && strncasecmp(header, type, n) == 0 &&
		(header[n] == '\0' || header[n] == ';' || header[n] == ' ');
}

static const char *bearer_token(struct MHD_Connection *c, size_t *len)
{
	const char *h = NULL;
	size_t size = 0;
	/* Its whole length: bytes after a NUL are part of the token (and
	 * make it wrong), never cut off. */
	if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_AUTHORIZATION,
		sizeof MHD_HTTP_HEADER_AUTHORIZATION - 1, &h, &size) != MHD_YES ||
	    !h || size < 7 || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	const char *end = h + size;
	h += 7;
	while (h < end && *h == ' ')
		h++;
	size_t n = (size_t)(end - h);
	while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	*len = n;
	return n ? h : NULL;
}

static void conn_deadline(struct conn *c, api_server *s, uint64_t at_ns,
	bool in_body)
{
	if (!c)
		return;
	pthread_mutex_lock(&s->conn_lock);
	c->deadline_ns = at_ns;
	c->in_body = in_body;
	pthread_mutex_unlock(&s->conn_lock);
}

/* Takes room for `total` bytes of r's body out of max_body_memory_bytes;
 * false (nothing taken) when all bodies together would pass it. */
static bool body_reserve(struct req *r, uint64_t total)
{
	api_server *s = r->srv;
	if (total <= r->reserved)
		return true;
	uint64_t more = total - r->reserved;
	if (__atomic_add_fetch(&s->body_bytes, more, __ATOMIC_RELAXED) >
	    s->cfg.max_body_memory_bytes) {
		__atomic_sub_fetch(&s->body_bytes, more, __ATOMIC_RELAXED);
		return false;
	}
	r->reserved = total;
	return true;
}

static void body_memory_full(struct req *r)
{
	char msg[200];
	snprintf(msg, sizeof msg, "request bodies fill the memory the daemon "
		"keeps for them (max_body_memory_bytes %llu); retry",
		(unsigned long long)r->srv->cfg.max_body_memory_bytes);
	answer_error(r, API_E_UNAVAILABLE, msg, NULL, SIZE_MAX);
}

/* What strict_check sees in libmicrohttpd's view of the header block. */
struct hdr_scan {
	http_facts f;
	const char *end;            /* of the previous line's text */
	bool prev_auth;             /* the previous line is Authorization */
};

/* libmicrohttpd parses the header block in place and takes each name and
 * value as a C string: a NUL cuts a value short ("Bearer tok\0junk" is
 * "Bearer tok") and the rest of the line is skipped.  Between the end of
 * one line's text and the start of the next there is only what it
 * replaced or trimmed (CR, LF, blanks, now NULs); anything else is what
 * followed a NUL. */
static bool gap_is_clean(const char *from, const char *to)
{
	if (!from || to < from || to - from > 4096)
		return to >= from;   /* not one buffer: cannot tell */
	for (const char *p = from; p < to; p++)
		if (*p && *p != '\r' && *p != '\n' && *p != ' ' && *p != '\t')
			return false;
	return true;
}

static void gap_check(struct hdr_scan *h, const char *next)
{
	if (!gap_is_clean(h->end, next)) {
		if (h->prev_auth)
			h->f.nul_auth = true;
		else
			h->f.nul_header = true;
	}
}

static enum MHD_Result hdr_scan_one(void *cls, enum MHD_ValueKind kind,
	const char *key, size_t key_size, const char *value, size_t value_size)
{
	struct hdr_scan *h = cls;
	(void)kind;
	gap_check(h, key);
	if (key_size && (key[key_size - 1] == ' ' ||
	    key[key_size - 1] == '\t'))
		h->f.space_before_colon = true;
	h->end = value ? value + value_size : key + key_size;
	h->prev_auth = strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		h->f.content_length++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		h->f.transfer_encoding++;
		h->f.te = value ? value : "";
		h->f.te_len = value ? value_size : 0;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		h->f.host++;
	return MHD_YES;
}

/* Step 0: the request's framing, judged by the rules of http.h on what
 * libmicrohttpd parsed.  The front door judged the connection's first
 * request on its raw bytes already; this is the only check of the later
 * requests of a kept-alive connection.  false = answered. */
static bool strict_check(struct req *r, const char *method,
	const char *version)
{
	struct hdr_scan h = { .end = version + strlen(version) };
	http_refusal why;

	h.f.version_1_1 = strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
	MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, hdr_scan_one, &h);
	/* The last line ends where the header block does. */
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
		MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (ci && ci->header_size)
		gap_check(&h, method + ci->header_size);
	/* libmicrohttpd ends the method, the target and the version with
	 * NULs in its buffer, one byte apart: more means a NUL inside one
	 * ("GET /healthz\0x HTTP/1.1" would be /healthz). */
	if (r->raw_uri && (r->raw_uri != method + strlen(method) + 1 ||
	    version != r->raw_uri + r->raw_uri_len + 1))
		h.f.nul_line = true;
	if (http_judge(&h.f, &why))
		return true;
	if (why.error == API_E_UNAUTHORIZED)
		r->tenant = NULL;
	answer_error(r, why.error, why.message, NULL, SIZE_MAX);
	return false;
}

/* Step 1: everything decided by the headers.  false = answered. */
static bool req_begin(struct req *r, const char *url, const char *method)
{
	api_server *s = r->srv;
	unsigned m;
	size_t toklen = 0;

	r->route = route_match(url, r->id, sizeof r->id);
	snprintf(r->method, sizeof r->method, "%s", method);
	if (r->route == R_OTHER)
		snprintf(r->path, sizeof r->path, "%s", url);
	else
		r->path[0] = '\0';   /* uri_log's copy: not needed */
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		m = M_GET;
	else if (strcmp(method, "POST") == 0)
		m = M_POST;
	else if (strcmp(method, "DELETE") == 0)
		m = M_DELETE;
	else
		m = 0;
	if (r->route == R_OTHER) {
		answer_error(r, API_E_NOT_FOUND, NULL, NULL, SIZE_MAX);
		return false;
	}
	if (!(route_methods[r->route].methods & m)) {
		r->allow = route_methods[r->route].allow;
		answer_error(r, API_E_METHOD, NULL, NULL, SIZE_MAX);
		return false;
	}
	if (m != M_GET && !api_same_origin(r->conn)) {   /* console.h */
		answer_error(r, API_E_FORBIDDEN, "cross-origin request refused: "
			"the Origin is not this daemon's (CORS is not enabled)",
			NULL, SIZE_MAX);
		return false;
	}
	if (r->route == R_HEALTHZ)
		return true;
	if (__atomic_load_n(&s->draining, __ATOMIC_RELAXED)) {
		answer_error(r, API_E_UNAVAILABLE, "the daemon is shutting "
			"down", NULL, SIZE_MAX);
		return false;
	}
	const char *token = bearer_token(r->conn, &toklen);
	r->tenant = wh_tenants_auth(s->cfg.tenants, token, toklen);
	if (r->route == R_METRICS) {
		if (__atomic_load_n(&s->metrics_public, __ATOMIC_RELAXED))
			return true;
		if (!r->tenant) {
			answer_error(r, API_E_UNAUTHORIZED, NULL, NULL, SIZE_MAX);
			return false;
		}
		if (!wh_tenant_may_read_metrics(r->tenant)) {
			answer_error(r, API_E_FORBIDDEN, "this tenant may not "
				"read /metrics (\"metrics\": true in its "
				"configuration)", NULL, SIZE_MAX);
			return false;
		}
		return true;
	}
	if (!r->tenant) {
		answer_error(r, API_E_UNAUTHORIZED, token ? "unknown token" :
			NULL, NULL, SIZE_MAX);
		return false;
	}
	wh_tenant_limits(r->tenant, &r->lim);

	/* The body: type and size. */
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_TYPE);
	r->limit = SMALL_BODY_BYTES;
	if (r->route == R_MODULES && m == M_POST) {
		if (!media_type_is(ct, "application/wasm") &&
		    !media_type_is(ct, "application/octet-stream")) {
			answer_error(r, API_E_MEDIA_TYPE, "a module is sent as "
				"Content-Type: application/wasm", NULL,
				SIZE_MAX);
			return false;
		}
		r->limit = r->lim.upload_bytes;
	} else if (r->route == R_INVOKE || r->route == R_RUN ||
		   r->route == R_MOD_INSTANCES || r->route == R_INST_INVOKE) {
		if (ct && !media_type_is(ct, "application/json")) {
			answer_error(r, API_E_MEDIA_TYPE, "the body is JSON: "
				"Content-Type: application/json", NULL,
				SIZE_MAX);
			return false;
		}
		r->limit = r->lim.body_bytes;
		if (r->route == R_RUN)   /* base64 of a module, and the call */
			r->limit += r->lim.upload_bytes / 3 * 4 + 4;
	}
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > r->limit) {
		char msg[160];
		snprintf(msg, sizeof msg, "the body has %s bytes; the limit "
			"is %llu", cl, (unsigned long long)r->limit);
		answer_error(r, API_E_TOO_LARGE, msg, NULL, SIZE_MAX);
		return false;
	}
	/* The whole declared body is taken from max_body_memory_bytes now:
	 * past it the answer is 503 at once, before any byte is buffered. */
	r->declared = cl ? strtoull(cl, NULL, 10) : 0;
	if (!body_reserve(r, r->declared)) {
		body_memory_full(r);
		return false;
	}
	return true;
}

/* Step 2.  false = cut the connection. */
static bool body_append(struct req *r, const char *data, size_t n)
{
	if (r->too_large || r->len + n > r->limit) {
		r->too_large = true;
		r->discarded += n;
		return r->discarded <= DISCARD_MAX_BYTES;
	}
	if (r->len + n > r->cap) {
		size_t ncap = r->cap ? r->cap : 4096;
		while (ncap < r->len + n)
			ncap *= 2;
		if (ncap > r->limit)
			ncap = (size_t)r->limit;
		if (r->declared >= r->len + n && ncap > r->declared)
			ncap = (size_t)r->declared;
		if (!body_reserve(r, ncap)) {
			/* Bodies of all connections fill their memory (a body
			 * longer than declared, or chunked): the rest is read
			 * and dropped, and the answer is 503. */
			r->no_memory = r->too_large = true;
			r->discarded += n;
			return r->discarded <= DISCARD_MAX_BYTES;
		}
		uint8_t *nb = realloc(r->body, ncap + 1);
		if (!nb)
			return false;
		r->body = nb;
		r->cap = ncap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return true;
}

/* Step 3. */
static void req_run(struct req *r)
{
	if (r->no_memory) {
		body_memory_full(r);
		return;
	}
	if (r->too_large) {
		char msg[120];
		snprintf(msg, sizeof msg, "the body is larger than the limit "
			"of %llu bytes", (unsigned long long)r->limit);
		answer_error(r, API_E_TOO_LARGE, msg, NULL, SIZE_MAX);
		return;
	}
	bool post = strcmp(r->method, "POST") == 0;
	switch (r->route) {
	case R_HEALTHZ: h_healthz(r); break;
	case R_METRICS: h_metrics(r); break;
	case R_MODULES: post ? h_upload(r) : h_list(r); break;
	case R_MODULE:
		strcmp(r->method, "DELETE") == 0 ? h_delete(r) : h_get(r);
		break;
	case R_INVOKE: h_invoke(r); break;
	case R_RUN: h_run(r); break;
	case R_MOD_INSTANCES: h_instance_create(r); break;
	case R_INSTANCES: h_instance_list(r); break;
	case R_INSTANCE:
		strcmp(r->method, "DELETE") == 0 ? h_instance_delete(r) :
			h_instance_get(r);
		break;
	case R_INST_INVOKE: h_instance_invoke(r); break;
	default: answer_error(r, API_E_NOT_FOUND, NULL, NULL, SIZE_MAX);
	}
}

/* Step 4. */
static void req_resumed(struct req *r)
{
	sb_result *res = r->res;

	r->suspended = false;
	r->res = NULL;
	if (__atomic_load_n(&r->client_gone, __ATOMIC_RELAXED) && !r->outcome)
		r->outcome = "client_gone";
	if (!r->answered && res) {
		switch (r->route) {
		case R_MODULES: upload_finish(r, res); break;
		case R_INVOKE:
		case R_INST_INVOKE: invoke_finish(r, res); break;
		case R_MOD_INSTANCES: instance_create_finish(r, res); break;
		case R_RUN:
			if (r->phase == P_INSPECT)
				run_inspected(r, res);
			else
				invoke_finish(r, res);
			break;
		default: break;
		}
	}
	sb_result_free(res);
}

static struct req *req_new(api_server *s, struct MHD_Connection *conn)
{
	struct req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->srv = s;
	r->conn = conn;
	r->route = R_OTHER;
	r->start_ns = sb_now_ns();
	__atomic_add_fetch(&s->active, 1, __ATOMIC_RELAXED);
	return r;
}

/* libmicrohttpd's first sight of a request: its request line is parsed
 * (the target is still whole), its headers are not.  The request exists
 * from here, so that on_completed sees one that libmicrohttpd refuses
 * later by itself. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req *r = req_new(cls, conn);
	if (r) {
		r->raw_uri = uri;
		r->raw_uri_len = strlen(uri);
		/* For the access line, should libmicrohttpd refuse it. */
		snprintf(r->path, sizeof r->path, "%s", uri);
		snprintf(r->method, sizeof r->method, "-");
	}
	return r;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
	const char *url, const char *method, const char *version,
	const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	api_server *s = cls;
	struct req *r = *con_cls;

	if (!r || !r->begun) {
		if (!r && !(r = req_new(s, conn)))
			return MHD_NO;
		r->begun = true;
		*con_cls = r;
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		r->tc = ci ? ci->socket_context : NULL;
		snprintf(r->method, sizeof r->method, "%s", method);
		if (!strict_check(r, method, version))
			return answer_send(r);
		/* GET / and its files (console.c), after the same checks. */
		enum MHD_Result console_ret;
		unsigned console_status;
		if (api_console_serve(conn, url, method, &console_ret,
			&console_status)) {
			r->answered = true;
			r->status = console_status;
			r->route = R_OTHER;
			snprintf(r->path, sizeof r->path, "%s", url);
			return console_ret;
		}
		if (!req_begin(r, url, method))
			return answer_send(r);
		/* The headers are in; the body has body_timeout_ms plus its
		 * size at body_min_rate_bytes_s (the route's limit when the
		 * size is not declared). */
		uint64_t len = r->declared ? r->declared : r->limit;
		conn_deadline(r->tc, s, sb_now_ns() + (s->cfg.body_timeout_ms +
			len * 1000 / s->cfg.body_min_rate_bytes_s) * 1000000u,
			true);
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return body_append(r, upload_data, n) ? MHD_YES : MHD_NO;
	}
	if (!r->suspended && !r->answered)
		conn_deadline(r->tc, s, 0, false);   /* the request is in */
	if (r->suspended)
		req_resumed(r);
	else if (!r->answered)
		req_run(r);
	if (r->suspended)
		return MHD_YES;
	return answer_send(r);
}

/* ---- the /v1/run pool cache --------------------------------------------- */

/* Called under sup_lock (read) with the supervisor alive; takes r's pool
 * reference.  Entries dropped here are released after the lock. */
static void run_cache_put(api_server *s, struct req *r)
{
	const char *tenant = wh_tenant_name(r->tenant);
	sb_module *drop[RUN_CACHE_ENTRIES + 1];
	size_t ndrop = 0;
	uint64_t now = sb_now_ns();

	pthread_mutex_lock(&s->run_lock);
	struct run_entry *e = NULL, *lru = NULL;
	for (size_t i = 0; i < RUN_CACHE_ENTRIES; i++) {
		struct run_entry *x = &s->runs[i];
		if (x->pool && strcmp(x->tenant, tenant) == 0 &&
		    strcmp(x->id, r->run_id) == 0) {
			e = x;
			break;
		}
	}
	if (e) {
		/* The entry's reference keeps the pool; drop ours. */
		e->used_ns = now;
		drop[ndrop++] = r->pool;
	} else if (r->run_len > RUN_CACHE_BYTES / 4) {
		drop[ndrop++] = r->pool;   /* too big to keep */
	} else {
		/* Make room: the least recently used go first. */
		for (;;) {
			lru = e = NULL;
			for (size_t i = 0; i < RUN_CACHE_ENTRIES; i++) {
				struct run_entry *x = &s->runs[i];
				if (!x->pool)
					e = e ? e : x;
				else if (!lru || x->used_ns < lru->used_ns)
					lru = x;
			}
			if (e && s->run_bytes + r->run_len <= RUN_CACHE_BYTES)
				break;
			drop[ndrop++] = lru->pool;
			s->run_bytes -= lru->len;
			lru->pool = NULL;
		}
		e->pool = r->pool;
		snprintf(e->tenant, sizeof e->tenant, "%s", tenant);
		memcpy(e->id, r->run_id, sizeof e->id);
		e->len = r->run_len;
		e->used_ns = now;
		s->run_bytes += r->run_len;
	}
	pthread_mutex_unlock(&s->run_lock);
	r->own_pool = false;
	for (size_t i = 0; i < ndrop; i++)
		sb_module_release(drop[i]);
}

/* Drops entries idle for RUN_CACHE_IDLE_NS, or all of them. */
static void run_cache_drop(api_server *s, bool all)
{
	sb_module *drop[RUN_CACHE_ENTRIES];
	size_t ndrop = 0;
	uint64_t now = sb_now_ns();

	pthread_mutex_lock(&s->run_lock);
	for (size_t i = 0; i < RUN_CACHE_ENTRIES; i++) {
		struct run_entry *x = &s->runs[i];
		if (x->pool && (all || now - x->used_ns > RUN_CACHE_IDLE_NS)) {
			drop[ndrop++] = x->pool;
			s->run_bytes -= x->len;
			x->pool = NULL;
		}
	}
	pthread_mutex_unlock(&s->run_lock);
	pthread_rwlock_rdlock(&s->sup_lock);
	if (!s->sup_gone)
		for (size_t i = 0; i < ndrop; i++)
			sb_module_release(drop[i]);
	pthread_rwlock_unlock(&s->sup_lock);
}

void api_server_tick(api_server *s)
{
	run_cache_drop(s, false);
	pthread_rwlock_rdlock(&s->sup_lock);
	if (!s->sup_gone) {
		unsigned n = api_instances_expire(s->instances, true);
		while (n--)
			wh_metrics_instance(s->metrics, WH_INSTANCE_EXPIRED);
	}
	pthread_rwlock_unlock(&s->sup_lock);
}

/* One request's access line and its metrics; the front door's refusals
 * (front_refused) and libmicrohttpd's requests (on_completed) alike. */
static void access_line(api_server *s, const char *tenant, const char *method,
	enum route route, unsigned status, const char *outcome,
	uint64_t wall_us, const char *id, const char *path, bool aborted)
{
	char q[160], qp[160];

	wh_metrics_request(s->metrics, route, status, wall_us);
	if (wh_log_enabled(WH_LOG_INFO))
		wh_log_batched(WH_LOG_INFO, "msg=access tenant=%s method=%s "
			"route=%s status=%u outcome=%s wall_ms=%.3f%s%s%s%s%s",
			tenant, method, route_names[route], status, outcome,
			(double)wall_us / 1000.0, id[0] ? " id=" : "",
			id[0] ? wh_log_quote(id, q, sizeof q) : "",
			path[0] ? " path=" : "",
			path[0] ? wh_log_quote(path, qp, sizeof qp) : "",
			aborted ? " aborted=1" : "");
}

/* ---- the front door's callbacks (front.h) ------------------------------------ */

/* A first request head the front door refused and answered. */
static void front_refused(void *ctx, const http_head *h, unsigned status,
	const char *outcome, uint64_t wall_us)
{
	api_server *s = ctx;
	char method[8], target[128], id[API_IID_MAX];
	enum route route = R_OTHER;

	snprintf(method, sizeof method, "%.*s", h->method_len ?
		(int)h->method_len : 1, h->method_len ? h->method : "-");
	/* The path without its query, as libmicrohttpd would give it. */
	size_t n = h->target_len;
	const char *query = h->target ? memchr(h->target, '?', n) : NULL;
	if (query)
		n = (size_t)(query - h->target);
	snprintf(target, sizeof target, "%.*s", (int)n,
		h->target ? h->target : "");
	if (target[0])
		route = route_match(target, id, sizeof id);
	else
		id[0] = '\0';
	access_line(s, "-", method, route, status, outcome, wall_us, id,
		route == R_OTHER ? target : "", false);
}

/* A well-formed first head: libmicrohttpd takes the connection. */
static void front_hand(void *ctx, int fd, const struct sockaddr *addr,
	socklen_t len)
{
	api_server *s = ctx;
	if (MHD_add_connection(s->mhd, fd, addr, len) != MHD_YES)
		wh_log_limited(WH_LOG_WARN, "front: hand over", "msg=\"the "
			"HTTP library refused a connection: %s\"",
			strerror(errno));
}

static void on_completed(void *cls, struct MHD_Connection *conn,
	void **con_cls, enum MHD_RequestTerminationCode toe)
{
	api_server *s = cls;
	struct req *r = *con_cls;

	if (!r)
		return;
	*con_cls = NULL;
	uint64_t wall_us = (sb_now_ns() - r->start_ns) / 1000;
	unsigned status = r->answered ? r->status : 0;
	if (!r->answered) {
		/* libmicrohttpd answered itself (a malformed chunked body,
		 * or a later request of a kept-alive connection that it
		 * refused), or the client left before an answer. */
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_HTTP_STATUS);
		status = ci ? ci->http_status : 0;
		if (status)
			r->outcome = "refused_by_http_library";
	}
	access_line(s, r->tenant ? wh_tenant_name(r->tenant) : "-",
		r->method, r->route, status, r->outcome ? r->outcome :
		__atomic_load_n(&r->client_gone, __ATOMIC_RELAXED) ?
		"client_gone" : "-", wall_us, r->id, r->path,
		toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (r->holds_slot)
		wh_tenant_release(r->tenant);
	pthread_rwlock_rdlock(&s->sup_lock);
	if (!s->sup_gone) {
		/* Otherwise the pools died with the supervisor: leave them. */
		if (r->own_pool && r->route == R_RUN && r->run_ok &&
		    !__atomic_load_n(&s->draining, __ATOMIC_RELAXED))
			run_cache_put(s, r);
		else if (r->own_pool)
			sb_module_release(r->pool);
		wh_module_unref(r->mod);
		if (r->inst_call)
			api_instances_call_end(s->instances, r->inst);
		api_instances_put(s->instances, r->inst, true);
	}
	pthread_rwlock_unlock(&s->sup_lock);
	sb_result_free(r->res);
	if (r->has_call)
		api_call_free(&r->call);
	json_decref(r->doc);
	free(r->init);
	free(r->answer);
	free(r->body);
	if (r->reserved)
		__atomic_sub_fetch(&s->body_bytes, r->reserved, __ATOMIC_RELAXED);
	/* A kept-alive connection's next request: its headers have the idle
	 * time to begin and header_timeout_ms more. */
	conn_deadline(r->tc, s, sb_now_ns() + ((uint64_t)
		s->cfg.connection_timeout_s * 1000 + s->cfg.header_timeout_ms) *
		1000000u, false);
	free(r);
	__atomic_sub_fetch(&s->active, 1, __ATOMIC_RELEASE);
}

/* Percent-decoding of the URL, except that %00 stays as it is: a NUL
 * would cut the path short ("/v1/modules/<id>%00junk" is no module). */
static size_t url_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *o = s;
	(void)cls;
	(void)c;
	for (const char *p = s; *p; p++) {
		int hi, lo;
		if (p[0] == '%' && (hi = wh_hex_digit(p[1])) >= 0 &&
		    (lo = wh_hex_digit(p[2])) >= 0 && (hi | lo) != 0) {
			*o++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	char q[600];
	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	/* One a request or a connection: libmicrohttpd's format string is
	 * the kind the rate limit counts. */
	wh_log_limited(WH_LOG_WARN, fmt, "msg=%s source=libmicrohttpd",
		wh_log_quote(line, q, sizeof q));
}

/* ---- connections ------------------------------------------------------------ */

/* libmicrohttpd's connection notifications: a new connection (handed over
 * by the front door with its first head in) has header_timeout_ms for
 * that head, and counts against the front door's caps until it closes. */
static void on_connection(void *cls, struct MHD_Connection *conn,
	void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	api_server *s = cls;
	struct conn *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci || !(c = calloc(1, sizeof *c)))
			return;   /* only the idle timeout then */
		c->fd = ci->connect_fd;
		ci = MHD_get_connection_info(conn,
			MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr) {
			size_t alen = ci->client_addr->sa_family == AF_INET6 ?
				sizeof(struct sockaddr_in6) :
				sizeof(struct sockaddr_in);
			memcpy(&c->addr, ci->client_addr, alen);
			c->counted = true;
			api_front_count(s->front, ci->client_addr, 1);
		}
		c->deadline_ns = sb_now_ns() + s->cfg.header_timeout_ms *
			1000000u;
		pthread_mutex_lock(&s->conn_lock);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		pthread_mutex_unlock(&s->conn_lock);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	/* Closed: libmicrohttpd closes the socket after this returns, so
	 * the watchdog (which holds conn_lock) never shuts down a reused fd. */
	pthread_mutex_lock(&s->conn_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->conn_lock);
	if (c->counted)
		api_front_count(s->front, (struct sockaddr *)&c->addr, -1);
	*socket_context = NULL;
	free(c);
}

/* Shuts down connections past their deadline (libmicrohttpd then sees the
 * end of the stream and closes them); returns the next deadline. */
static uint64_t conns_cut(api_server *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned headers = 0, bodies = 0;

	pthread_mutex_lock(&s->conn_lock);
	for (struct conn *c = s->conns; c; c = c->next) {
		if (!c->deadline_ns || c->cut)
			continue;
		if (c->deadline_ns > now) {
			if (c->deadline_ns < next)
				next = c->deadline_ns;
			continue;
		}
		shutdown(c->fd, SHUT_RDWR);
		c->cut = true;
		c->in_body ? bodies++ : headers++;
	}
	pthread_mutex_unlock(&s->conn_lock);
	if (headers || bodies)
		wh_log_limited(WH_LOG_WARN, "connections cut",
			"msg=\"connections cut: their request "
			"passed its deadline\" headers=%u bodies=%u", headers,
			bodies);
	return next;
}

/* ---- the watchdog ---------------------------------------------------------- */

/* Sleeps at most this long: an idle daemon wakes ten times a second. */
#define WATCH_TICK_NS (UINT64_C(100) * 1000000u)

static void *watch_main(void *arg)
{
	api_server *s = arg;

	pthread_mutex_lock(&s->watch_lock);
	while (!s->watch_stop) {
		pthread_mutex_unlock(&s->watch_lock);
		uint64_t now = sb_now_ns();
		uint64_t next = wh_tenants_expire(s->cfg.tenants, now,
			waiter_expire);
		uint64_t cut = conns_cut(s, now);
		if (cut < next)
			next = cut;
		if (next > now + WATCH_TICK_NS)
			next = now + WATCH_TICK_NS;
		pthread_mutex_lock(&s->watch_lock);
		s->watch_next_ns = next;
		if (!s->watch_stop && !s->watch_kicked) {
			struct timespec ts = {
				.tv_sec = (time_t)(next / 1000000000u),
				.tv_nsec = (long)(next % 1000000000u) };
			pthread_cond_timedwait(&s->watch_cond, &s->watch_lock,
				&ts);
		}
		s->watch_kicked = false;
		s->watch_next_ns = 0;   /* awake */
	}
	pthread_mutex_unlock(&s->watch_lock);
	return NULL;
}

static bool watch_start(api_server *s)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&s->watch_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->watch_cond, &ca);
	pthread_condattr_destroy(&ca);
	s->watch_started = pthread_create(&s->watch, NULL, watch_main, s) == 0;
	return s->watch_started;
}

static void watch_stop(api_server *s)
{
	if (s->watch_started) {
		pthread_mutex_lock(&s->watch_lock);
		s->watch_stop = true;
		pthread_cond_signal(&s->watch_cond);
		pthread_mutex_unlock(&s->watch_lock);
		pthread_join(s->watch, NULL);
	}
	pthread_cond_destroy(&s->watch_cond);
	pthread_mutex_destroy(&s->watch_lock);
}

/* ---- server --------------------------------------------------------------- */

bool api_server_start(const api_config *cfg, api_server **out, char *err,
	unsigned errlen)
{
	api_server *s = calloc(1, sizeof *s);
	struct MHD_OptionItem opts[24];
	unsigned n = 0, flags;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (cfg->listen_fd < 0) {
		free(s);
		snprintf(err, errlen, "no listening socket");
		return false;
	}
	s->cfg = *cfg;
	pthread_rwlock_init(&s->sup_lock, NULL);
	pthread_mutex_init(&s->run_lock, NULL);
	pthread_mutex_init(&s->conn_lock, NULL);
	s->metrics_public = cfg->metrics_public;
	s->metrics = wh_metrics_new(route_names, R_COUNT_, api_statuses,
		api_nstatuses);
	s->instances = api_instances_new();
	if (!s->metrics || !s->instances) {
		wh_metrics_free(s->metrics);
		api_instances_free(s->instances, false);
		free(s);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	unsigned threads = cfg->threads ? cfg->threads :
		(cores > 0 ? (unsigned)cores : 1);
	/* poll by default: suspending and resuming a connection costs an
	 * epoll_ctl each, and system calls are the price here (see
	 * ARCHITECTURE.md, Serving). */
	/* No listening socket: the front door (front.c) accepts, and hands
	 * over connections whose first head is well-formed. */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_NO_LISTEN_SOCKET |
		(cfg->epoll ? MHD_USE_EPOLL : MHD_USE_POLL) |
		MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	/* The logger first, so that no message goes to MHD's own. */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
		(intptr_t)mhd_log, s };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE,
		threads, NULL };
	s->threads = threads;
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
		cfg->max_connections, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
		cfg->connection_timeout_s, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
		(intptr_t)on_connection, s };
	/* Headers and the read buffer per connection (max_header_bytes is at
	 * most half of it). */
	opts[n++] = (struct MHD_OptionItem){
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_UNESCAPE_CALLBACK,
		(intptr_t)url_unescape, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK,
		(intptr_t)uri_log, s };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
		(intptr_t)on_completed, s };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_access, s,
		MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen, "cannot start libmicrohttpd (see its "
			"message above)");
		wh_metrics_free(s->metrics);
		api_instances_free(s->instances, false);
		pthread_rwlock_destroy(&s->sup_lock);
		free(s);
		return false;
	}
	if (!watch_start(s)) {
		snprintf(err, errlen, "cannot start the watchdog thread");
		MHD_stop_daemon(s->mhd);
		watch_stop(s);
		wh_metrics_free(s->metrics);
		api_instances_free(s->instances, false);
		pthread_rwlock_destroy(&s->sup_lock);
		free(s);
		return false;
	}
	struct sockaddr_storage bound;
	socklen_t blen = sizeof bound;
	if (getsockname(cfg->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
		s->port = wh_addr_port(&bound);
	api_front_config fc = {
		.listen_fd = cfg->listen_fd,
		.max_connections = cfg->max_connections,
		.max_connections_per_ip = cfg->max_connections_per_ip,
		.header_timeout_ms = cfg->header_timeout_ms,
		.max_header_bytes = cfg->max_header_bytes,
		.metrics = s->metrics,
		.ctx = s, .hand = front_hand, .refused = front_refused,
	};
	if (!(s->front = api_front_start(&fc, err, errlen))) {
		watch_stop(s);
		MHD_stop_daemon(s->mhd);
		wh_metrics_free(s->metrics);
		pthread_rwlock_destroy(&s->sup_lock);
		free(s);
		return false;
	}
	*out = s;
	return true;
}

unsigned api_server_port(api_server *s)
{
	return s->port;
}

void api_server_set_metrics_public(api_server *s, bool pub)
{
	__atomic_store_n(&s->metrics_public, pub, __ATOMIC_RELAXED);
}

void api_server_quiesce(api_server *s)
{
	__atomic_store_n(&s->draining, true, __ATOMIC_RELAXED);
	api_front_quiesce(s->front);
}

unsigned api_server_active(api_server *s)
{
	return __atomic_load_n(&s->active, __ATOMIC_ACQUIRE);
}

void api_server_supervisor_gone(api_server *s)
{
	run_cache_drop(s, true);
	api_instances_drop_all(s->instances, true);
	pthread_rwlock_wrlock(&s->sup_lock);
	s->sup_gone = true;
	pthread_rwlock_unlock(&s->sup_lock);
}

void api_server_fail_queued(api_server *s)
{
	wh_tenants_fail_waiting(s->cfg.tenants, waiter_fail);
}

void api_server_stop(api_server *s)
{
	if (!s)
		return;
	watch_stop(s);
	api_front_stop(s->front);
	MHD_stop_daemon(s->mhd);
	api_front_free(s->front);
	run_cache_drop(s, true);
	api_instances_free(s->instances, !s->sup_gone);
	pthread_mutex_destroy(&s->run_lock);
	wh_metrics_free(s->metrics);
	pthread_rwlock_destroy(&s->sup_lock);
	free(s);
}
