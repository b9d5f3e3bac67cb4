/* tenants.c -- tenant table, token check, per-tenant admission. */
#include "tenants.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wh_tenant {
	char name[WH_TENANT_NAME_MAX + 1];
	pthread_mutex_t lock;
	/* written by apply() only, under ts->lock (write) and lock: readers
	 * holding either may read them */
	uint8_t token_sha256[SHA256_BYTES];
	bool has_token;
	bool active;              /* in the current configuration */
	/* under lock */
	bool metrics;
	wh_limits limits;
	uint32_t running, waiting;
	wh_waiter *head, *tail;
};

struct wh_tenants {
	pthread_rwlock_t lock;
	wh_tenant **all;          /* never shrinks */
	size_t n;
	wh_tenant *single;        /* single-user mode: the default tenant */
};

static wh_tenant *tenant_get(wh_tenants *ts, const char *name)
{
	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->all[i]->name, name) == 0)
			return ts->all[i];
	wh_tenant *t = calloc(1, sizeof *t);
	wh_tenant **na = realloc(ts->all, (ts->n + 1) * sizeof *na);
	if (!t || !na) {
		free(t);
		if (na)
			ts->all = na;
		return NULL;
	}
	ts->all = na;
	snprintf(t->name, sizeof t->name, "%s", name);
	pthread_mutex_init(&t->lock, NULL);
	ts->all[ts->n++] = t;
	return t;
}

/* Called with ts->lock held for writing. */
static bool apply(wh_tenants *ts, const wh_config *c)
{
	/* Allocate first, so a failure changes nothing. */
	for (uint32_t i = 0; i < c->ntenants; i++)
		if (!tenant_get(ts, c->tenants[i].name))
			return false;
	if (!c->ntenants && !tenant_get(ts, WH_DEFAULT_TENANT))
		return false;
	for (size_t i = 0; i < ts->n; i++) {
		wh_tenant *t = ts->all[i];
		pthread_mutex_lock(&t->lock);
		t->active = false;
		t->has_token = false;
		pthread_mutex_unlock(&t->lock);
	}
	for (uint32_t i = 0; i < c->ntenants; i++) {
		wh_tenant *t = tenant_get(ts, c->tenants[i].name);
		pthread_mutex_lock(&t->lock);
		t->active = true;
		t->has_token = true;
		memcpy(t->token_sha256, c->tenants[i].token_sha256,
			SHA256_BYTES);
		t->metrics = c->tenants[i].metrics;
		t->limits = c->tenants[i].limits;
		pthread_mutex_unlock(&t->lock);
	}
	if (!c->ntenants) {
		wh_tenant *t = tenant_get(ts, WH_DEFAULT_TENANT);
		pthread_mutex_lock(&t->lock);
		t->active = true;
		t->metrics = true;
		t->limits = c->limits;
		pthread_mutex_unlock(&t->lock);
	}
	ts->single = c->ntenants ? NULL : tenant_get(ts, WH_DEFAULT_TENANT);
	return true;
}

wh_tenants *wh_tenants_new(const wh_config *c)
{
	wh_tenants *ts = calloc(1, sizeof *ts);
	if (!ts)
		return NULL;
	pthread_rwlock_init(&ts->lock, NULL);
	if (!apply(ts, c)) {
		wh_tenants_free(ts);
		return NULL;
	}
	return ts;
}

void wh_tenants_free(wh_tenants *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n; i++) {
		pthread_mutex_destroy(&ts->all[i]->lock);
		free(ts->all[i]);
	}
	free(ts->all);
	pthread_rwlock_destroy(&ts->lock);
	free(ts);
}

bool wh_tenants_reload(wh_tenants *ts, const wh_config *c)
{
	pthread_rwlock_wrlock(&ts->lock);
	bool ok = apply(ts, c);
	pthread_rwlock_unlock(&ts->lock);
	return ok;
}

wh_tenant *wh_tenants_auth(wh_tenants *ts, const char *token, size_t len)
{
	uint8_t digest[SHA256_BYTES];
	wh_tenant *found = NULL;

	pthread_rwlock_rdlock(&ts->lock);
	if (ts->single) {
		found = ts->single;
	} else if (token) {
		sha256(token, len, digest);
		/* Every tenant is compared, every byte: no early exit.  The
		 * read lock is enough (apply() writes under the write lock). */
		for (size_t i = 0; i < ts->n; i++) {
			wh_tenant *t = ts->all[i];
			uint8_t diff = 0;
			for (int k = 0; k < SHA256_BYTES; k++)
				diff |= (uint8_t)(t->token_sha256[k] ^ digest[k]);
			if (diff == 0 && t->has_token && t->active)
				found = t;
		}
	}
	pthread_rwlock_unlock(&ts->lock);
	return found;
}

const char *wh_tenant_name(const wh_tenant *t)
{
	return t->name;
}

void wh_tenant_limits(wh_tenant *t, wh_limits *out)
{
	pthread_mutex_lock(&t->lock);
	*out = t->limits;
	pthread_mutex_unlock(&t->lock);
}

bool wh_tenant_may_read_metrics(wh_tenant *t)
{
	pthread_mutex_lock(&t->lock);
	bool m = t->metrics;
	pthread_mutex_unlock(&t->lock);
	return m;
}

wh_admit wh_tenant_admit(wh_tenant *t, wh_waiter *w)
{
	wh_admit a;

	pthread_mutex_lock(&t->lock);
	if (t->running < t->limits.concurrency) {
		t->running++;
		a = WH_ADMIT_RUN;
	} else if (w && t->waiting < t->limits.queue) {
		w->next = NULL;
		if (t->tail)
			t->tail->next = w;
		else
			t->head = w;
		t->tail = w;
		t->waiting++;
		a = WH_ADMIT_QUEUED;
	} else {
		a = WH_ADMIT_FULL;
	}
	pthread_mutex_unlock(&t->lock);
	return a;
}

void wh_tenant_release(wh_tenant *t)
{
	/* A loop, not recursion through start: any number of waiters whose
	 * clients have gone pass the slot on without growing the stack. */
	for (;;) {
		wh_waiter *w = NULL;
		pthread_mutex_lock(&t->lock);
		/* A lowered concurrency limit (SIGHUP) drains by not handing
		 * on. */
		if (t->head && t->running <= t->limits.concurrency) {
			w = t->head;
			t->head = w->next;
			if (!t->head)
				t->tail = NULL;
			t->waiting--;
		} else {
			t->running--;
		}
		pthread_mutex_unlock(&t->lock);
		if (!w || w->start(w))
			return;
	}
}

bool wh_tenants_gauges(wh_tenants *ts, wh_tenant_gauge **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	pthread_rwlock_rdlock(&ts->lock);
	wh_tenant_gauge *g = calloc(ts->n + 1, sizeof *g);
	for (size_t i = 0; g && i < ts->n; i++) {
		wh_tenant *t = ts->all[i];
		pthread_mutex_lock(&t->lock);
		if (t->active)
			g[(*n)++] = (wh_tenant_gauge){ .name = t->name,
				.running = t->running, .waiting = t->waiting,
				.queue_max = t->limits.queue };
		pthread_mutex_unlock(&t->lock);
	}
	pthread_rwlock_unlock(&ts->lock);
	*out = g;
	return g != NULL;
}

void wh_tenants_counts(wh_tenants *ts, size_t *running, size_t *waiting)
{
	*running = *waiting = 0;
	pthread_rwlock_rdlock(&ts->lock);
	for (size_t i = 0; i < ts->n; i++) {
		pthread_mutex_lock(&ts->all[i]->lock);
		*running += ts->all[i]->running;
		*waiting += ts->all[i]->waiting;
		pthread_mutex_unlock(&ts->all[i]->lock);
	}
	pthread_rwlock_unlock(&ts->lock);
}

uint64_t wh_tenants_expire(wh_tenants *ts, uint64_t now_ns,
	void (*expire)(wh_waiter *w))
{
	uint64_t next = UINT64_MAX;
	wh_waiter *gone = NULL, **gone_tail = &gone;

	pthread_rwlock_rdlock(&ts->lock);
	for (size_t i = 0; i < ts->n; i++) {
		wh_tenant *t = ts->all[i];
		pthread_mutex_lock(&t->lock);
		wh_waiter **pp = &t->head, *prev = NULL;
		while (*pp) {
			wh_waiter *w = *pp;
			if (!w->deadline_ns || w->deadline_ns > now_ns) {
				if (w->deadline_ns && w->deadline_ns < next)
					next = w->deadline_ns;
				prev = w;
				pp = &w->next;
				continue;
			}
			*pp = w->next;
			if (t->tail == w)
				t->tail = prev;
			t->waiting--;
			w->next = NULL;
			*gone_tail = w;
			gone_tail = &w->next;
		}
		pthread_mutex_unlock(&t->lock);
	}
	pthread_rwlock_unlock(&ts->lock);
	while (gone) {
		wh_waiter *next_w = gone->next;
		expire(gone);
		gone = next_w;
	}
	return next;
}

void wh_tenants_fail_waiting(wh_tenants *ts, void (*fail)(wh_waiter *w))
{
	pthread_rwlock_rdlock(&ts->lock);
	for (size_t i = 0; i < ts->n; i++) {
		wh_tenant *t = ts->all[i];
		pthread_mutex_lock(&t->lock);
		wh_waiter *w = t->head;
		t->head = t->tail = NULL;
		t->waiting = 0;
		pthread_mutex_unlock(&t->lock);
		while (w) {
			wh_waiter *next = w->next;
			fail(w);
			w = next;
		}
	}
	pthread_rwlock_unlock(&ts->lock);
}
