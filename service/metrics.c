/* metrics.c -- request and outcome counters, a latency histogram per
 * route, and the text exposition. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t bounds_us[] = { 250, 500, 1000, 2500, 5000, 10000,
	25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000 };
#define NBUCKETS (sizeof bounds_us / sizeof bounds_us[0])

struct route_stats {
	uint64_t *by_status;          /* nstatuses + 1: the last is "other" */
	uint64_t buckets[NBUCKETS];   /* not cumulative; summed on render */
	uint64_t count, sum_us;
};

struct wh_metrics {
	const char *const *names;
	unsigned nroutes;
	const unsigned *statuses;
	size_t nstatuses;
	uint64_t *by_status;          /* all routes' by_status, one block */
	struct route_stats *routes;
	uint64_t outcomes[SB_OUTCOME_COUNT_];
	/* sums of sb_result.tiers_delta, by tier */
	wasm_tier_stats tiers[WASM_TIER_COUNT];
	uint64_t client_gone;
	uint64_t dropped[WH_DROP_COUNT_];
	uint64_t instance_events[WH_INSTANCE_EVENT_COUNT_];
};

wh_metrics *wh_metrics_new(const char *const *route_names, unsigned nroutes,
	const unsigned *statuses, size_t nstatuses)
{
	wh_metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->routes = calloc(nroutes, sizeof *m->routes);
	m->by_status = calloc((size_t)nroutes * (nstatuses + 1),
		sizeof *m->by_status);
	if (!m->routes || !m->by_status) {
		free(m->routes);
		free(m->by_status);
		free(m);
		return NULL;
	}
	for (unsigned r = 0; r < nroutes; r++)
		m->routes[r].by_status = m->by_status + r * (nstatuses + 1);
	m->statuses = statuses;
	m->nstatuses = nstatuses;
	m->names = route_names;
	m->nroutes = nroutes;
	return m;
}

void wh_metrics_free(wh_metrics *m)
{
	if (m) {
		free(m->routes);
		free(m->by_status);
	}
	free(m);
}

static void add(uint64_t *p, uint64_t v)
{
	__atomic_add_fetch(p, v, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void wh_metrics_request(wh_metrics *m, unsigned route, unsigned status,
	uint64_t wall_us)
{
	if (route >= m->nroutes)
		return;
	struct route_stats *r = &m->routes[route];
	size_t s = 0;
	while (s < m->nstatuses && m->statuses[s] != status)
		s++;
	add(&r->by_status[s], 1);
	unsigned b = 0;
	while (b < NBUCKETS && wall_us > bounds_us[b])
		b++;
	if (b < NBUCKETS)
		add(&r->buckets[b], 1);
	add(&r->count, 1);
	add(&r->sum_us, wall_us);
}

void wh_metrics_outcome(wh_metrics *m, sb_outcome o)
{
	if ((unsigned)o < SB_OUTCOME_COUNT_)
		add(&m->outcomes[o], 1);
}

void wh_metrics_client_gone(wh_metrics *m)
{
	add(&m->client_gone, 1);
}

static const char *const drop_names[WH_DROP_COUNT_] = {
#define X(name, text) text,
	WH_DROPS(X)
#undef X
};

void wh_metrics_dropped(wh_metrics *m, wh_drop why)
{
	if ((unsigned)why < WH_DROP_COUNT_)
		add(&m->dropped[why], 1);
}

void wh_metrics_instance(wh_metrics *m, wh_instance_event e)
{
	if ((unsigned)e < WH_INSTANCE_EVENT_COUNT_)
		add(&m->instance_events[e], 1);
}

void wh_metrics_tiers(wh_metrics *m, const sb_tier_stats *d)
{
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		wasm_tier_stats *s = &m->tiers[t];
		const wasm_tier_stats *ds = &d->tier[t];
		uint32_t nfuncs = ds->nfuncs, nrefused = ds->nfuncs_refused;
		__atomic_fetch_add(&s->nfuncs, nfuncs, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->nfuncs_refused, nrefused, __ATOMIC_RELAXED);
		add(&s->wasm_bytes, ds->wasm_bytes);
		add(&s->code_bytes, ds->code_bytes);
		add(&s->compile_ns, ds->compile_ns);
		add(&s->osr_entries, ds->osr_entries);
	}
}

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void emit(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		if (o->oom)
			return;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t ncap = o->cap * 2 + (n > 0 ? (size_t)n : 0);
		char *nb = realloc(o->buf, ncap);
		if (!nb) {
			o->oom = true;
			return;
		}
		o->buf = nb;
		o->cap = ncap;
	}
}

/* Every figure of every tier, as WASM_TIER_STATS names them. */
static void tier_stats_render(struct out *o, wh_metrics *m)
{
	emit(o, "# HELP wasmhost_tier_stat_total What the workers' tiers did, "
		"by tier and figure (funcs, refused, wasm_bytes, code_bytes, "
		"compile_us, osr: OSR entries into the tier).\n"
		"# TYPE wasmhost_tier_stat_total counter\n");
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		const wasm_tier_stats *s = &m->tiers[t];
		const char *n = wasm_tier_name((wasm_tier)t);
		if (!wasm_tier_available((wasm_tier)t))
			continue;
#define MET_STAT_(field, key, div) \
		emit(o, "wasmhost_tier_stat_total{tier=\"%s\",stat=\"" key \
			"\"} %llu\n", n, (unsigned long long)( \
			__atomic_load_n(&s->field, __ATOMIC_RELAXED) / (div)));
		WASM_TIER_STATS(MET_STAT_)
#undef MET_STAT_
	}
}

/* Functions compiled by tier (each tier the engine has, named as the
 * engine names it, then "bailed": refused by any tier), and the JIT tiers'
 * code bytes and compile time, OSR entries into any tier. */
static void tiers_render(struct out *o, wh_metrics *m)
{
	uint64_t refused = 0, jit_bytes = 0, jit_ns = 0, osr = 0;

	emit(o, "# HELP wasmhost_functions_compiled_total Functions compiled "
		"by the workers, by tier (interp: pre-decoded; baseline: JIT; "
		"bailed: refused by the JIT, left interpreted).\n"
		"# TYPE wasmhost_functions_compiled_total counter\n");
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		wasm_tier_stats *s = &m->tiers[t];
		refused += __atomic_load_n(&s->nfuncs_refused, __ATOMIC_RELAXED);
		osr += get(&s->osr_entries);
		if (t != WASM_TIER_INTERP) {
			jit_bytes += get(&s->code_bytes);
			jit_ns += get(&s->compile_ns);
		}
		if (wasm_tier_available((wasm_tier)t))
			emit(o, "wasmhost_functions_compiled_total{tier=\"%s\"} "
				"%llu\n", wasm_tier_name((wasm_tier)t),
				(unsigned long long)__atomic_load_n(&s->nfuncs,
				__ATOMIC_RELAXED));
	}
	emit(o, "wasmhost_functions_compiled_total{tier=\"bailed\"} %llu\n",
		(unsigned long long)refused);
	emit(o, "# HELP wasmhost_jit_code_bytes_total Machine code the "
		"baseline JIT produced.\n"
		"# TYPE wasmhost_jit_code_bytes_total counter\n"
		"wasmhost_jit_code_bytes_total %llu\n"
		"# HELP wasmhost_jit_compile_seconds_total Time spent in the "
		"baseline JIT.\n"
		"# TYPE wasmhost_jit_compile_seconds_total counter\n"
		"wasmhost_jit_compile_seconds_total %.6f\n"
		"# HELP wasmhost_osr_entries_total Interpreted loops that moved "
		"into JIT code mid-run.\n"
		"# TYPE wasmhost_osr_entries_total counter\n"
		"wasmhost_osr_entries_total %llu\n",
		(unsigned long long)jit_bytes, (double)jit_ns / 1e9,
		(unsigned long long)osr);
}

char *wh_metrics_render(wh_metrics *m, const wh_gauges *g, size_t *len)
{
	struct out o = { .cap = 8192 };
	o.buf = malloc(o.cap);
	if (!o.buf)
		return NULL;
	o.buf[0] = '\0';

	if (g->node && g->node[0])
		emit(&o, "# HELP wasmhost_node_info The node that answers "
			"(X-Wasmhost-Node), as a label; always 1.\n"
			"# TYPE wasmhost_node_info gauge\n"
			"wasmhost_node_info{node=\"%s\"} 1\n", g->node);
	emit(&o, "# HELP wasmhost_http_requests_total HTTP requests answered, "
		"by route and status.\n"
		"# TYPE wasmhost_http_requests_total counter\n");
	for (unsigned r = 0; r < m->nroutes; r++)
		for (size_t s = 0; s <= m->nstatuses; s++) {
			uint64_t v = get(&m->routes[r].by_status[s]);
			if (!v)
				continue;
			char st[16];
			if (s < m->nstatuses)
				snprintf(st, sizeof st, "%u", m->statuses[s]);
			else
				snprintf(st, sizeof st, "other");
			emit(&o, "wasmhost_http_requests_total{route=\"%s\","
				"status=\"%s\"} %llu\n", m->names[r], st,
				(unsigned long long)v);
		}

	emit(&o, "# HELP wasmhost_http_request_duration_seconds Time from "
		"the request's headers to its answer, by route.\n"
		"# TYPE wasmhost_http_request_duration_seconds histogram\n");
	for (unsigned r = 0; r < m->nroutes; r++) {
		const struct route_stats *rs = &m->routes[r];
		uint64_t count = get(&rs->count), cum = 0;
		if (!count)
			continue;
		for (unsigned b = 0; b < NBUCKETS; b++) {
			cum += get(&rs->buckets[b]);
			emit(&o, "wasmhost_http_request_duration_seconds_bucket"
				"{route=\"%s\",le=\"%g\"} %llu\n", m->names[r],
				(double)bounds_us[b] / 1e6,
				(unsigned long long)cum);
		}
		emit(&o, "wasmhost_http_request_duration_seconds_bucket"
			"{route=\"%s\",le=\"+Inf\"} %llu\n"
			"wasmhost_http_request_duration_seconds_sum"
			"{route=\"%s\"} %.6f\n"
			"wasmhost_http_request_duration_seconds_count"
			"{route=\"%s\"} %llu\n", m->names[r],
			(unsigned long long)count, m->names[r],
			(double)get(&rs->sum_us) / 1e6, m->names[r],
			(unsigned long long)count);
	}

	emit(&o, "# HELP wasmhost_invocations_total Finished invocations, by "
		"outcome (busy and error are answered 429 and 503).\n"
		"# TYPE wasmhost_invocations_total counter\n");
	for (unsigned i = 0; i < SB_OUTCOME_COUNT_; i++)
		emit(&o, "wasmhost_invocations_total{outcome=\"%s\"} %llu\n",
			sb_outcome_name((sb_outcome)i),
			(unsigned long long)get(&m->outcomes[i]));

	tiers_render(&o, m);
	tier_stats_render(&o, m);

	const sb_stats *s = &g->sandbox;
	/* Spare workers (started ahead, no module yet) are idle: busy
	 * counts only workers running a call. */
	emit(&o, "# HELP wasmhost_workers Worker processes, by state: live "
		"is idle (spares included) + instance (idle, pinned to a "
		"persistent instance) + busy + starting.\n"
		"# TYPE wasmhost_workers gauge\n"
		"wasmhost_workers{state=\"live\"} %u\n"
		"wasmhost_workers{state=\"idle\"} %u\n"
		"wasmhost_workers{state=\"instance\"} %u\n"
		"wasmhost_workers{state=\"busy\"} %u\n"
		"wasmhost_workers{state=\"starting\"} %u\n"
		"# HELP wasmhost_spare_workers Confined workers started ahead "
		"with no module yet (counted as idle above).\n"
		"# TYPE wasmhost_spare_workers gauge\n"
		"wasmhost_spare_workers %u\n",
		s->workers, s->idle + s->spares, s->held, s->busy, s->starting,
		s->spares);
	emit(&o, "# HELP wasmhost_worker_memory_bytes What the workers' calls "
		"are charged now (each its memory, output caps and request; "
		"an idle persistent instance its memory), and the cap on it "
		"(workers.max_memory_bytes).\n"
		"# TYPE wasmhost_worker_memory_bytes gauge\n"
		"wasmhost_worker_memory_bytes{of=\"charged\"} %llu\n"
		"wasmhost_worker_memory_bytes{of=\"cap\"} %llu\n"
		"# HELP wasmhost_worker_memory_waits_total Calls whose turn "
		"came while the cap was full (each counted once).\n"
		"# TYPE wasmhost_worker_memory_waits_total counter\n"
		"wasmhost_worker_memory_waits_total %llu\n",
		(unsigned long long)s->memory_charged,
		(unsigned long long)s->memory_cap,
		(unsigned long long)s->memory_waits);
	emit(&o, "# HELP wasmhost_queue_depth Invocations waiting: for a "
		"worker (sandbox) or for a tenant slot (tenant).\n"
		"# TYPE wasmhost_queue_depth gauge\n"
		"wasmhost_queue_depth{queue=\"sandbox\"} %u\n"
		"wasmhost_queue_depth{queue=\"tenant\"} %zu\n",
		s->queued, g->waiting);
	emit(&o, "# HELP wasmhost_invocations_in_flight Invocations holding "
		"a tenant slot.\n"
		"# TYPE wasmhost_invocations_in_flight gauge\n"
		"wasmhost_invocations_in_flight %zu\n", g->running);
	emit(&o, "# HELP wasmhost_tenant_queue_depth Invocations waiting for "
		"a slot of the tenant.\n"
		"# TYPE wasmhost_tenant_queue_depth gauge\n");
	for (size_t i = 0; i < g->ntenants; i++)
		emit(&o, "wasmhost_tenant_queue_depth{tenant=\"%s\"} %zu\n",
			g->tenants[i].name, g->tenants[i].waiting);
	emit(&o, "# HELP wasmhost_tenant_queue_limit The tenant's queue "
		"limit (limits.queue); beyond it, 429.\n"
		"# TYPE wasmhost_tenant_queue_limit gauge\n");
	for (size_t i = 0; i < g->ntenants; i++)
		emit(&o, "wasmhost_tenant_queue_limit{tenant=\"%s\"} %zu\n",
			g->tenants[i].name, g->tenants[i].queue_max);
	emit(&o, "# HELP wasmhost_tenant_in_flight Invocations holding a "
		"slot of the tenant.\n"
		"# TYPE wasmhost_tenant_in_flight gauge\n");
	for (size_t i = 0; i < g->ntenants; i++)
		emit(&o, "wasmhost_tenant_in_flight{tenant=\"%s\"} %zu\n",
			g->tenants[i].name, g->tenants[i].running);
	emit(&o, "# HELP wasmhost_client_gone_total Invocations whose client "
		"closed the connection before the answer: not started when "
		"they still waited, stopped as at their deadline when they "
		"ran (wasmhost_stopped_running_total).\n"
		"# TYPE wasmhost_client_gone_total counter\n"
		"wasmhost_client_gone_total %llu\n"
		"# HELP wasmhost_stopped_running_total Running invocations "
		"stopped because their client had gone (asked every 50 ms "
		"once a call runs that long).\n"
		"# TYPE wasmhost_stopped_running_total counter\n"
		"wasmhost_stopped_running_total %llu\n",
		(unsigned long long)get(&m->client_gone),
		(unsigned long long)s->stopped_unwanted);
	emit(&o, "# HELP wasmhost_connections_dropped_total Connections closed "
		"at accept or after their first bytes without an answer: not "
		"HTTP, or over a connection cap.\n"
		"# TYPE wasmhost_connections_dropped_total counter\n");
	for (unsigned i = 0; i < WH_DROP_COUNT_; i++)
		emit(&o, "wasmhost_connections_dropped_total{reason=\"%s\"} "
			"%llu\n", drop_names[i],
			(unsigned long long)get(&m->dropped[i]));
	emit(&o, "# HELP wasmhost_worker_events_total Worker lifecycle "
		"events.\n"
		"# TYPE wasmhost_worker_events_total counter\n"
		"wasmhost_worker_events_total{event=\"spawned\"} %llu\n"
		"wasmhost_worker_events_total{event=\"died\"} %llu\n"
		"wasmhost_worker_events_total{event=\"killed_timeout\"} %llu\n"
		"wasmhost_worker_events_total{event=\"evicted\"} %llu\n"
		"wasmhost_worker_events_total{event=\"demoted\"} %llu\n",
		(unsigned long long)s->spawned, (unsigned long long)s->died,
		(unsigned long long)s->killed_timeout,
		(unsigned long long)s->evicted,
		(unsigned long long)s->demoted);
	static const char *const instance_events[] = {
#define X(name, str) str,
		WH_INSTANCE_EVENTS(X)
#undef X
	};
	emit(&o, "# HELP wasmhost_instances Persistent instances, all "
		"tenants: each holds a worker, but one whose worker died is "
		"kept until a request sees it (410).\n"
		"# TYPE wasmhost_instances gauge\n"
		"wasmhost_instances %zu\n"
		"# HELP wasmhost_instance_memory_bytes Linear memory of the "
		"persistent instances, as of their last calls.\n"
		"# TYPE wasmhost_instance_memory_bytes gauge\n"
		"wasmhost_instance_memory_bytes %llu\n"
		"# HELP wasmhost_instance_events_total Persistent instances "
		"made and ended, by how.\n"
		"# TYPE wasmhost_instance_events_total counter\n",
		g->instances, (unsigned long long)g->instance_pages * 65536u);
	for (unsigned i = 0; i < WH_INSTANCE_EVENT_COUNT_; i++)
		emit(&o, "wasmhost_instance_events_total{event=\"%s\"} %llu\n",
			instance_events[i],
			(unsigned long long)get(&m->instance_events[i]));
	emit(&o, "wasmhost_instance_events_total{event=\"ended\"} %llu\n",
		(unsigned long long)s->instances_ended);
	emit(&o, "# HELP wasmhost_dispatch_total How invocations reached a "
		"worker: answered on the HTTP thread (sync), handed over to "
		"the supervisor thread after sync_wait_us (late), or through "
		"the supervisor thread from the start (queued).\n"
		"# TYPE wasmhost_dispatch_total counter\n"
		"wasmhost_dispatch_total{path=\"sync\"} %llu\n"
		"wasmhost_dispatch_total{path=\"late\"} %llu\n"
		"wasmhost_dispatch_total{path=\"queued\"} %llu\n",
		(unsigned long long)s->sync_done,
		(unsigned long long)s->sync_late,
		(unsigned long long)s->posted);
	emit(&o, "# HELP wasmhost_pipelined_total Invocations sent to a "
		"busy worker behind its current call (all of the module's "
		"workers busy, none more allowed, its calls short).\n"
		"# TYPE wasmhost_pipelined_total counter\n"
		"wasmhost_pipelined_total %llu\n",
		(unsigned long long)s->pipelined);
	emit(&o, "# HELP wasmhost_worker_spawn_seconds_avg Mean time from "
		"spawn request to a confined, ready worker.\n"
		"# TYPE wasmhost_worker_spawn_seconds_avg gauge\n"
		"wasmhost_worker_spawn_seconds_avg %.6f\n",
		(double)s->spawn_us_avg / 1e6);
	emit(&o, "# HELP wasmhost_modules Modules in this node's index, "
		"all tenants (a shared store's modules enter it when used or "
		"listed).\n"
		"# TYPE wasmhost_modules gauge\n"
		"wasmhost_modules %zu\n", g->modules);
	emit(&o, "# HELP wasmhost_http_connections Open HTTP connections.\n"
		"# TYPE wasmhost_http_connections gauge\n"
		"wasmhost_http_connections %zu\n", g->connections);
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
