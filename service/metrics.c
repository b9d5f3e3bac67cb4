/* metrics.c -- request and outcome counters, a latency histogram per
 * route, and the text exposition. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statuses the daemon answers; anything else counts as "other". */
static const unsigned statuses[] = { 200, 201, 204, 400, 401, 403, 404,
	405, 409, 410, 413, 415, 422, 429, 500, 503 };
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t bounds_us[] = { 250, 500, 1000, 2500, 5000, 10000,
	25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000 };
#define NBUCKETS (sizeof bounds_us / sizeof bounds_us[0])

struct route_stats {
	uint64_t by_status[NSTATUS];
	uint64_t buckets[NBUCKETS];   /* not cumulative; summed on render */
	uint64_t count, sum_us;
};

struct wh_metrics {
	const char *const *names;
	unsigned nroutes;
	struct route_stats *routes;
	uint64_t outcomes[SB_OUTCOME_COUNT_];
	/* sums of sb_result.tiers_delta, by tier */
	uint64_t funcs[WASM_TIER_COUNT], refused[WASM_TIER_COUNT];
	uint64_t code_bytes[WASM_TIER_COUNT], compile_ns[WASM_TIER_COUNT];
	uint64_t osr_entries[WASM_TIER_COUNT];
	uint64_t client_gone;
	uint64_t instance_events[WH_INSTANCE_EVENT_COUNT_];
};

wh_metrics *wh_metrics_new(const char *const *route_names, unsigned nroutes)
{
	wh_metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->routes = calloc(nroutes, sizeof *m->routes);
	if (!m->routes) {
		free(m);
		return NULL;
	}
	m->names = route_names;
	m->nroutes = nroutes;
	return m;
}

void wh_metrics_free(wh_metrics *m)
{
	if (m)
		free(m->routes);
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
	unsigned s = 0;
	while (s < NSTATUS - 1 && statuses[s] != status)
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

void wh_metrics_instance(wh_metrics *m, wh_instance_event e)
{
	if ((unsigned)e < WH_INSTANCE_EVENT_COUNT_)
		add(&m->instance_events[e], 1);
}

void wh_metrics_tiers(wh_metrics *m, const sb_tier_stats *d)
{
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		add(&m->funcs[t], d->tier[t].nfuncs);
		add(&m->refused[t], d->tier[t].nfuncs_refused);
		add(&m->code_bytes[t], d->tier[t].code_bytes);
		add(&m->compile_ns[t], d->tier[t].compile_ns);
		add(&m->osr_entries[t], d->tier[t].osr_entries);
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
		refused += get(&m->refused[t]);
		osr += get(&m->osr_entries[t]);
		if (t != WASM_TIER_INTERP) {
			jit_bytes += get(&m->code_bytes[t]);
			jit_ns += get(&m->compile_ns[t]);
		}
		if (wasm_tier_available((wasm_tier)t))
			emit(o, "wasmhost_functions_compiled_total{tier=\"%s\"} "
				"%llu\n", wasm_tier_name((wasm_tier)t),
				(unsigned long long)get(&m->funcs[t]));
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

	emit(&o, "# HELP wasmhost_http_requests_total HTTP requests answered, "
		"by route and status.\n"
		"# TYPE wasmhost_http_requests_total counter\n");
	for (unsigned r = 0; r < m->nroutes; r++)
		for (unsigned s = 0; s < NSTATUS; s++) {
			uint64_t v = get(&m->routes[r].by_status[s]);
			if (!v)
				continue;
			char st[16];
			if (s < NSTATUS - 1)
				snprintf(st, sizeof st, "%u", statuses[s]);
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

	const sb_stats *s = &g->sandbox;
	/* Spare workers (started ahead, no module yet) are idle: busy
	 * counts only workers running a call. */
	emit(&o, "# HELP wasmhost_workers Worker processes, by state: live "
		"is idle (spares included) + busy + starting.\n"
		"# TYPE wasmhost_workers gauge\n"
		"wasmhost_workers{state=\"live\"} %u\n"
		"wasmhost_workers{state=\"idle\"} %u\n"
		"wasmhost_workers{state=\"busy\"} %u\n"
		"wasmhost_workers{state=\"starting\"} %u\n"
		"# HELP wasmhost_spare_workers Confined workers started ahead "
		"with no module yet (counted as idle above).\n"
		"# TYPE wasmhost_spare_workers gauge\n"
		"wasmhost_spare_workers %u\n",
		s->workers, s->idle + s->spares, s->busy, s->starting,
		s->spares);
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
	emit(&o, "# HELP wasmhost_client_gone_total Invocations not started "
		"because their client had closed the connection while they "
		"waited.\n"
		"# TYPE wasmhost_client_gone_total counter\n"
		"wasmhost_client_gone_total %llu\n",
		(unsigned long long)get(&m->client_gone));
	emit(&o, "# HELP wasmhost_worker_events_total Worker lifecycle "
		"events.\n"
		"# TYPE wasmhost_worker_events_total counter\n"
		"wasmhost_worker_events_total{event=\"spawned\"} %llu\n"
		"wasmhost_worker_events_total{event=\"died\"} %llu\n"
		"wasmhost_worker_events_total{event=\"killed_timeout\"} %llu\n"
		"wasmhost_worker_events_total{event=\"evicted\"} %llu\n",
		(unsigned long long)s->spawned, (unsigned long long)s->died,
		(unsigned long long)s->killed_timeout,
		(unsigned long long)s->evicted);
	static const char *const instance_events[] = {
#define X(name, str) str,
		WH_INSTANCE_EVENTS(X)
#undef X
	};
	emit(&o, "# HELP wasmhost_instances Persistent instances (each holds "
		"a worker), all tenants.\n"
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
	emit(&o, "# HELP wasmhost_modules Modules in the store, all "
		"tenants.\n"
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
