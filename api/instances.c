/* instances.c -- the table of persistent instances (instances.h): a list
 * under one mutex (a tenant holds a few dozen at most, limits.instances),
 * ids from getrandom, idle expiry, the tenant's memory budget. */
#include "instances.h"
#include "json.h"
#include "reply.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct node {
	struct node *next;
	api_inst *in;
};

struct api_instances {
	pthread_mutex_t lock;
	struct node *list;           /* listed instances, newest first */
};

api_instances *api_instances_new(void)
{
	api_instances *t = calloc(1, sizeof *t);
	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

/* ---- ids and times ------------------------------------------------------- */

#define IID_PREFIX "i-"
#define IID_RANDOM_BYTES 16
#define IID_NODE_SEP "~"      /* never in a node name (wh_node_char_ok) */
_Static_assert(API_IID_MAX >= WH_NODE_NAME_MAX + sizeof IID_NODE_SEP - 1 +
	sizeof IID_PREFIX - 1 + 2 * IID_RANDOM_BYTES + 1,
	"API_IID_MAX holds the longest id");

bool api_instance_id_make(char out[API_IID_MAX])
{
	uint8_t r[IID_RANDOM_BYTES];
	size_t got = 0;

	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	const char *node = api_reply_node();
	char *p = out + snprintf(out, API_IID_MAX, "%s%s%s", node,
		node[0] ? IID_NODE_SEP : "", IID_PREFIX);
	for (size_t i = 0; i < sizeof r; i++)
		p += snprintf(p, 3, "%02x", r[i]);
	return true;
}

bool api_instance_id_valid(const char *text)
{
	const char *sep = strstr(text, IID_NODE_SEP);
	if (sep) {
		/* the node's name in front */
		if (!wh_node_name_ok_len(text, (size_t)(sep - text)))
			return false;
		text = sep + 1;
	}
	size_t n = strlen(IID_PREFIX);
	if (strncmp(text, IID_PREFIX, n) != 0 ||
	    strlen(text) != n + 2 * IID_RANDOM_BYTES)
		return false;
	for (const char *p = text + n; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* Now, ISO 8601 in UTC with milliseconds. */
static void time_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char sec[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.20s.%03uZ", sec,
		(unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

/* ---- references ----------------------------------------------------------- */

static void inst_free(api_inst *in, bool release_sb)
{
	if (release_sb)
		sb_instance_release(in->sb);
	wh_module_unref(in->mod);
	free(in);
}

void api_instances_put(api_instances *t, api_inst *in, bool release_sb)
{
	if (!in)
		return;
	pthread_mutex_lock(&t->lock);
	bool last = --in->refs == 0;
	pthread_mutex_unlock(&t->lock);
	if (last)
		inst_free(in, release_sb);
}

/* Unlinks in; called with the lock held.  true if it was listed. */
static bool unlink_locked(api_instances *t, api_inst *in)
{
	for (struct node **pp = &t->list; *pp; pp = &(*pp)->next)
		if ((*pp)->in == in) {
			struct node *n = *pp;
			*pp = n->next;
			free(n);
			in->listed = false;
			return true;
		}
	return false;
}

void api_instances_drop_all(api_instances *t, bool release_sb)
{
	for (;;) {
		pthread_mutex_lock(&t->lock);
		api_inst *in = t->list ? t->list->in : NULL;
		if (in)
			unlink_locked(t, in);
		pthread_mutex_unlock(&t->lock);
		if (!in)
			return;
		api_instances_put(t, in, release_sb);
	}
}

void api_instances_free(api_instances *t, bool release_sb)
{
	if (!t)
		return;
	api_instances_drop_all(t, release_sb);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ---- the table ------------------------------------------------------------- */

/* Pages the tenant's listed instances hold, but `except`'s. */
static uint64_t tenant_pages_locked(api_instances *t, const char *tenant,
	const api_inst *except, uint32_t *count)
{
	uint64_t pages = 0;
	uint32_t n = 0;

	for (struct node *p = t->list; p; p = p->next) {
		if (strcmp(p->in->tenant, tenant) != 0)
			continue;
		sb_instance_info st;
		sb_instance_status(p->in->sb, &st);
		if (st.gone)
			continue;   /* holds no worker, no memory */
		n++;
		if (p->in != except)
			pages += st.memory_pages;
	}
	if (count)
		*count = n;
	return pages;
}

api_inst_admit api_instances_admit(api_instances *t, const char *tenant,
	const wh_limits *lim, uint32_t want_pages, uint32_t *pages)
{
	uint32_t n;

	pthread_mutex_lock(&t->lock);
	uint64_t used = tenant_pages_locked(t, tenant, NULL, &n);
	pthread_mutex_unlock(&t->lock);
	if (n >= lim->instances)
		return API_INST_TOO_MANY;
	if (used >= lim->instance_memory_pages)
		return API_INST_NO_MEMORY;
	uint64_t left = lim->instance_memory_pages - used;
	*pages = want_pages < left ? want_pages : (uint32_t)left;
	return API_INST_OK;
}

bool api_instances_add(api_instances *t, api_inst *in, uint32_t max)
{
	struct node *n = calloc(1, sizeof *n);
	uint32_t count;

	if (!n)
		return false;
	n->in = in;
	time_now(in->created);
	memcpy(in->last_used, in->created, sizeof in->last_used);
	in->last_used_ns = sb_now_ns();
	pthread_mutex_lock(&t->lock);
	tenant_pages_locked(t, in->tenant, NULL, &count);
	if (count >= max) {
		pthread_mutex_unlock(&t->lock);
		free(n);
		return false;
	}
	in->refs++;
	in->listed = true;
	n->next = t->list;
	t->list = n;
	pthread_mutex_unlock(&t->lock);
	return true;
}

api_inst *api_instances_find(api_instances *t, const char *tenant,
	const char *iid)
{
	api_inst *found = NULL;

	pthread_mutex_lock(&t->lock);
	for (struct node *p = t->list; p; p = p->next)
		if (strcmp(p->in->iid, iid) == 0 &&
		    strcmp(p->in->tenant, tenant) == 0) {
			found = p->in;
			found->refs++;
			break;
		}
	pthread_mutex_unlock(&t->lock);
	return found;
}

bool api_instances_remove(api_instances *t, api_inst *in, bool release_sb)
{
	pthread_mutex_lock(&t->lock);
	bool was = unlink_locked(t, in);
	pthread_mutex_unlock(&t->lock);
	if (was)
		api_instances_put(t, in, release_sb);
	return was;
}

void api_instances_call_begin(api_instances *t, api_inst *in)
{
	pthread_mutex_lock(&t->lock);
	in->inflight++;
	in->calls++;
	in->last_used_ns = sb_now_ns();
	time_now(in->last_used);
	pthread_mutex_unlock(&t->lock);
}

void api_instances_call_end(api_instances *t, api_inst *in)
{
	pthread_mutex_lock(&t->lock);
	in->inflight--;
	in->last_used_ns = sb_now_ns();
	pthread_mutex_unlock(&t->lock);
}

uint32_t api_instances_call_pages(api_instances *t, const api_inst *in,
	const wh_limits *lim)
{
	sb_instance_info own;

	sb_instance_status(in->sb, &own);
	pthread_mutex_lock(&t->lock);
	uint64_t others = tenant_pages_locked(t, in->tenant, in, NULL);
	pthread_mutex_unlock(&t->lock);
	uint64_t left = others < lim->instance_memory_pages ?
		lim->instance_memory_pages - others : 0;
	uint64_t cap = in->max_pages < left ? in->max_pages : left;
	if (cap < own.memory_pages)
		cap = own.memory_pages;
	return cap ? (uint32_t)cap : 1;
}

unsigned api_instances_expire(api_instances *t, bool release_sb)
{
	api_inst *drop[64];
	unsigned n, total = 0;
	uint64_t now = sb_now_ns();

	do {
		n = 0;
		pthread_mutex_lock(&t->lock);
		for (struct node *p = t->list, *next; p && n < 64; p = next) {
			next = p->next;
			api_inst *in = p->in;
			if (in->inflight || now - in->last_used_ns <= in->idle_ns)
				continue;
			unlink_locked(t, in);
			drop[n++] = in;
		}
		pthread_mutex_unlock(&t->lock);
		for (unsigned i = 0; i < n; i++)
			api_instances_put(t, drop[i], release_sb);
		total += n;
	} while (n == 64);
	return total;
}

/* ---- answers --------------------------------------------------------------- */

/* Called with the lock held. */
static void inst_write(jw *w, const api_inst *in)
{
	sb_instance_info st;

	sb_instance_status(in->sb, &st);
	jw_obj_open(w);
	jw_key(w, "instance");
	jw_str(w, in->iid);
	jw_key(w, "module");
	jw_str(w, in->mod->id);
	jw_key(w, "created");
	jw_str(w, in->created);
	jw_key(w, "last_used");
	jw_str(w, in->last_used);
	jw_key(w, "calls");
	jw_uint(w, in->calls);
	jw_key(w, "memory_bytes");
	jw_uint(w, (unsigned long long)st.memory_pages * 65536u);
	jw_key(w, "max_memory_pages");
	jw_uint(w, in->max_pages);
	jw_key(w, "idle_timeout_s");
	jw_uint(w, in->idle_ns / 1000000000u);
	jw_key(w, "state");
	jw_str(w, st.gone ? "gone" : "live");
	if (st.gone) {
		jw_key(w, "reason");
		jw_str(w, st.reason);
	}
	jw_obj_close(w);
}

char *api_instance_json(api_instances *t, api_inst *in, size_t *len)
{
	jw w;

	jw_init(&w);
	pthread_mutex_lock(&t->lock);
	inst_write(&w, in);
	pthread_mutex_unlock(&t->lock);
	jw_raw(&w, "\n", 1);
	return jw_take(&w, len);
}

char *api_instances_list_json(api_instances *t, const char *tenant,
	size_t *len)
{
	jw w;

	jw_init(&w);
	jw_obj_open(&w);
	jw_key(&w, "instances");
	jw_arr_open(&w);
	pthread_mutex_lock(&t->lock);
	for (struct node *p = t->list; p; p = p->next)
		if (strcmp(p->in->tenant, tenant) == 0)
			inst_write(&w, p->in);
	pthread_mutex_unlock(&t->lock);
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_raw(&w, "\n", 1);
	return jw_take(&w, len);
}

void api_instances_totals(api_instances *t, size_t *n, uint64_t *pages)
{
	*n = 0;
	*pages = 0;
	pthread_mutex_lock(&t->lock);
	for (struct node *p = t->list; p; p = p->next) {
		sb_instance_info st;
		sb_instance_status(p->in->sb, &st);
		(*n)++;
		*pages += st.memory_pages;
	}
	pthread_mutex_unlock(&t->lock);
}
