/* store.c -- the durable, content-addressed module store and its index.
 *
 * Locks: `index` (rwlock) guards the tenant table and every tenant's sorted
 * entry array; `writer` (mutex) serialises put and delete, so the disk work
 * happens outside `index` and readers never wait on an fsync.  An entry's
 * pool is created under its own mutex. */
#include "store.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct wh_module_priv {
	int refs;                 /* atomic */
	pthread_mutex_t pool_lock;
	sb_module *pool;
	wh_store *store;
};

struct stenant {
	char name[72];
	int dirfd;
	wh_module **mods;         /* sorted by id */
	size_t n, cap;
};

struct wh_store {
	char *dir;
	int tenants_fd;           /* dir/tenants */
	pthread_rwlock_t index;
	pthread_mutex_t writer;
	struct stenant **tenants;
	size_t ntenants;
	sb_supervisor *sup;
	unsigned long tmp_counter;
};

static wh_store_status st_fail(char *err, unsigned errlen,
	wh_store_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static wh_store_status st_fail(char *err, unsigned errlen,
	wh_store_status st, const char *fmt, ...)
{
	va_list ap;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return st;
}

bool wh_id_valid(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

/* ---- entries -------------------------------------------------------------- */

static void sigs_free(wh_func_sig *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].params);
		free(f[i].results);
	}
	free(f);
}

static void module_free(wh_module *m)
{
	if (!m)
		return;
	if (m->priv) {
		sb_module_release(m->priv->pool);
		pthread_mutex_destroy(&m->priv->pool_lock);
		free(m->priv);
	}
	free(m->meta_json);
	free(m->summary_json);
	sigs_free(m->funcs, m->nfuncs);
	free(m->init);
	free(m);
}

void wh_module_ref(wh_module *m)
{
	__atomic_add_fetch(&m->priv->refs, 1, __ATOMIC_RELAXED);
}

void wh_module_unref(wh_module *m)
{
	if (m && __atomic_sub_fetch(&m->priv->refs, 1, __ATOMIC_ACQ_REL) == 0)
		module_free(m);
}

const wh_func_sig *wh_func_sig_find(const wh_func_sig *funcs, uint32_t n,
	const char *name, size_t name_len)
{
	for (uint32_t i = 0; i < n; i++)
		if (funcs[i].name_len == name_len &&
		    memcmp(funcs[i].name, name, name_len) == 0)
			return &funcs[i];
	return NULL;
}

static const struct {
	const char *name;
	uint8_t type;
} valtypes[] = {
	{ "i32", WASM_I32 }, { "i64", WASM_I64 }, { "f32", WASM_F32 },
	{ "f64", WASM_F64 }, { "v128", WASM_V128 },
	{ "funcref", WASM_FUNCREF }, { "externref", WASM_EXTERNREF },
};

/* A signature in the metadata: one type name per value, except that a run
 * of WH_RUN_MIN or more values of one type is one "TYPE*COUNT" (so that a
 * function of 1,000 i32 parameters is ["i32*1000"], not 6 KB per export). */
#define WH_RUN_MIN 8u
/* Values of one signature (the engine allows 1,000). */
#define WH_MAX_SIG_VALUES 1024u

static int valtype_find(const char *s, size_t len)
{
	for (size_t k = 0; k < sizeof valtypes / sizeof valtypes[0]; k++)
		if (strlen(valtypes[k].name) == len &&
		    memcmp(valtypes[k].name, s, len) == 0)
			return (int)k;
	return -1;
}

static bool types_from_json(json_t *arr, uint8_t **out, uint32_t *n)
{
	size_t total = 0, at = 0, i;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return false;
	/* Once to check and count, once to fill. */
	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(arr, i, v) {
			const char *s = json_string_value(v);
			const char *star = s ? strchr(s, '*') : NULL;
			unsigned long count = 1;
			if (!s)
				return false;
			if (star) {
				char *end;
				count = strtoul(star + 1, &end, 10);
				if (*end || count == 0 || count > WH_MAX_SIG_VALUES)
					return false;
			}
			int k = valtype_find(s, star ? (size_t)(star - s)
				: strlen(s));
			if (k < 0)
				return false;
			if (pass == 0) {
				total += count;
				if (total > WH_MAX_SIG_VALUES)
					return false;
				continue;
			}
			memset(*out + at, valtypes[k].type, count);
			at += count;
		}
		if (pass == 0 && !(*out = malloc(total + 1)))
			return false;
	}
	*n = (uint32_t)total;
	return true;
}

static json_t *types_json(const uint8_t *t, uint32_t n)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a && i < n;) {
		uint32_t j = i + 1;
		while (j < n && t[j] == t[i])
			j++;
		const char *name = wasm_valtype_name((wasm_valtype)t[i]);
		if (j - i >= WH_RUN_MIN) {
			char run[32];
			snprintf(run, sizeof run, "%s*%u", name, j - i);
			json_array_append_new(a, json_string(run));
			i = j;
			continue;
		}
		for (; i < j; i++)
			json_array_append_new(a, json_string(name));
	}
	return a;
}

static json_t *externs_json(const sb_extern *e, uint32_t n, bool imports)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a && i < n; i++) {
		json_t *o = json_object();
		if (!o)
			break;
		/* Names whole, U+0000 included ("\u0000" in the file). */
		if (imports)
			json_object_set_new(o, "module", e[i].module ?
				json_stringn(e[i].module, e[i].module_len) :
				json_string(""));
		json_object_set_new(o, "name",
			json_stringn(e[i].name, e[i].name_len));
		json_object_set_new(o, "kind",
			json_string(wasm_extern_kind_name(e[i].kind)));
		if (e[i].kind == WASM_EXTERN_FUNC) {
			json_object_set_new(o, "params",
				types_json(e[i].params, e[i].nparams));
			json_object_set_new(o, "results",
				types_json(e[i].results, e[i].nresults));
		}
		json_array_append_new(a, o);
	}
	return a;
}

/* Builds an entry from its metadata document (fresh or read back). */
static wh_module *module_from_meta(const char *tenant, json_t *meta)
{
	wh_module *m = calloc(1, sizeof *m);
	json_t *v;
	size_t i;

	if (!m)
		return NULL;
	m->priv = calloc(1, sizeof *m->priv);
	if (!m->priv) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->priv->pool_lock, NULL);
	m->priv->refs = 1;
	snprintf(m->tenant, sizeof m->tenant, "%s", tenant);
	const char *id = json_string_value(json_object_get(meta, "id"));
	json_t *size = json_object_get(meta, "size");
	json_t *imports = json_object_get(meta, "imports");
	json_t *exports = json_object_get(meta, "exports");
	if (!id || !wh_id_valid(id) || !json_is_integer(size) ||
	    json_integer_value(size) < 0 || !json_is_array(imports) ||
	    !json_is_array(exports))
		goto fail;
	memcpy(m->id, id, SHA256_HEX_BYTES);
	const char *init = json_string_value(json_object_get(meta, "init"));
	if (init && !(m->init = strdup(init)))
		goto fail;
	json_array_foreach(imports, i, v) {
		json_t *mod = json_object_get(v, "module");
		if (json_is_string(mod) && json_string_length(mod) ==
		    strlen("wasi_snapshot_preview1") && memcmp(
		    json_string_value(mod), "wasi_snapshot_preview1",
		    json_string_length(mod)) == 0)
			m->uses_wasi = true;
	}
	m->funcs = calloc(json_array_size(exports) + 1, sizeof *m->funcs);
	if (!m->funcs)
		goto fail;
	json_array_foreach(exports, i, v) {
		const char *kind = json_string_value(json_object_get(v, "kind"));
		json_t *name = json_object_get(v, "name");
		if (!kind || !json_is_string(name))
			goto fail;
		if (strcmp(kind, "func") != 0)
			continue;
		wh_func_sig *f = &m->funcs[m->nfuncs++];
		f->name_len = json_string_length(name);
		f->name = malloc(f->name_len + 1);
		if (f->name) {
			memcpy(f->name, json_string_value(name), f->name_len);
			f->name[f->name_len] = '\0';
		}
		if (!f->name ||
		    !types_from_json(json_object_get(v, "params"), &f->params,
			&f->nparams) ||
		    !types_from_json(json_object_get(v, "results"), &f->results,
			&f->nresults))
			goto fail;
	}
	m->meta_json = json_dumps(meta, JSON_COMPACT);
	if (!m->meta_json)
		goto fail;
	m->meta_len = strlen(m->meta_json);
	const char *created = json_string_value(json_object_get(meta,
		"created"));
	snprintf(m->created, sizeof m->created, "%s", created ? created : "");
	json_t *sum = json_pack("{s:s,s:O,s:s,s:I,s:I}", "id", m->id,
		"size", size, "created", m->created,
		"import_count", (json_int_t)json_array_size(imports),
		"export_count", (json_int_t)json_array_size(exports));
	m->summary_json = sum ? json_dumps(sum, JSON_COMPACT) : NULL;
	json_decref(sum);
	if (!m->summary_json)
		goto fail;
	m->summary_len = strlen(m->summary_json);
	return m;
fail:
	module_free(m);
	return NULL;
}

/* ---- files ---------------------------------------------------------------- */

static bool write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* name gets data: temp file in the same folder, fsync, rename. */
static bool file_put(wh_store *s, int dirfd, const char *name,
	const void *data, size_t len)
{
	char tmp[160];
	snprintf(tmp, sizeof tmp, ".tmp.%s.%ld.%lu", name, (long)getpid(),
		++s->tmp_counter);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		0640);
	if (fd < 0)
		return false;
	bool ok = write_all(fd, data, len) && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) != 0)
		ok = false;
	if (ok && renameat(dirfd, tmp, dirfd, name) == 0)
		return true;
	saved = errno;
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return false;
}

static bool file_get(int dirfd, const char *name, uint8_t **out,
	size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || (buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = 0;
	*out = buf;
	*len = got;
	return true;
fail:
	free(buf);
	close(fd);
	return false;
}

/* ---- tenants in the index ------------------------------------------------- */

static struct stenant *tenant_find(wh_store *s, const char *name)
{
	for (size_t i = 0; i < s->ntenants; i++)
		if (strcmp(s->tenants[i]->name, name) == 0)
			return s->tenants[i];
	return NULL;
}

/* Index of id in t->mods, or where it would go (with *found false). */
static size_t mod_search(const struct stenant *t, const char *id,
	bool *found)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->mods[mid]->id, id);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static bool mod_insert(struct stenant *t, wh_module *m)
{
	bool found;
	size_t at = mod_search(t, m->id, &found);
	if (found)
		return false;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		wh_module **nm = realloc(t->mods, ncap * sizeof *nm);
		if (!nm)
			return false;
		t->mods = nm;
		t->cap = ncap;
	}
	memmove(t->mods + at + 1, t->mods + at, (t->n - at) * sizeof *t->mods);
	t->mods[at] = m;
	t->n++;
	return true;
}

/* The tenant's folder, created (and the parent fsync'd) if needed.  Called
 * with `writer` held, or before any thread. */
static struct stenant *tenant_open(wh_store *s, const char *name)
{
	struct stenant *t = tenant_find(s, name);
	if (t)
		return t;
	if (mkdirat(s->tenants_fd, name, 0750) == 0)
		fsync(s->tenants_fd);
	else if (errno != EEXIST)
		return NULL;
	t = calloc(1, sizeof *t);
	struct stenant **nt = realloc(s->tenants,
		(s->ntenants + 1) * sizeof *nt);
	if (!t || !nt) {
		free(t);
		if (nt)
			s->tenants = nt;
		return NULL;
	}
	s->tenants = nt;
	snprintf(t->name, sizeof t->name, "%s", name);
	t->dirfd = openat(s->tenants_fd, name, O_RDONLY | O_DIRECTORY |
		O_CLOEXEC);
	if (t->dirfd < 0) {
		free(t);
		return NULL;
	}
	pthread_rwlock_wrlock(&s->index);
	s->tenants[s->ntenants++] = t;
	pthread_rwlock_unlock(&s->index);
	return t;
}

/* Loads one tenant folder: entries with a .json; removes leftovers. */
static void tenant_load(wh_store *s, struct stenant *t)
{
	DIR *d = fdopendir(dup(t->dirfd));
	struct dirent *de;
	char name[96];

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (strncmp(n, ".tmp.", 5) == 0) {
			unlinkat(t->dirfd, n, 0);
			wh_log(WH_LOG_INFO, "msg=\"store: removed a temporary "
				"file\" tenant=%s file=%s", t->name, n);
			continue;
		}
		if (len != 64 + 5 || strcmp(n + 64, ".wasm") != 0)
			continue;
		snprintf(name, sizeof name, "%.64s.json", n);
		if (faccessat(t->dirfd, name, F_OK, 0) != 0) {
			unlinkat(t->dirfd, n, 0);
			wh_log(WH_LOG_WARN, "msg=\"store: removed a module "
				"without metadata (interrupted upload)\" "
				"tenant=%s file=%s", t->name, n);
		}
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (len != 64 + 5 || strcmp(n + 64, ".json") != 0)
			continue;
		char id[SHA256_HEX_BYTES];
		memcpy(id, n, 64);
		id[64] = 0;
		if (!wh_id_valid(id))
			continue;
		uint8_t *text;
		size_t tlen;
		json_error_t jerr;
		json_t *meta = NULL;
		wh_module *m = NULL;
		snprintf(name, sizeof name, "%s.wasm", id);
		if (faccessat(t->dirfd, name, F_OK, 0) == 0 &&
		    file_get(t->dirfd, n, &text, &tlen)) {
			/* Names may hold U+0000, written as \u0000. */
			meta = json_loadb((const char *)text, tlen,
				JSON_ALLOW_NUL, &jerr);
			free(text);
		}
		if (meta)
			m = module_from_meta(t->name, meta);
		json_decref(meta);
		if (!m || strcmp(m->id, id) != 0 || !mod_insert(t, m)) {
			wh_log(WH_LOG_ERROR, "msg=\"store: unreadable entry "
				"skipped\" tenant=%s id=%s", t->name, id);
			module_free(m);
			continue;
		}
		m->priv->store = s;
	}
	closedir(d);
}

wh_store_status wh_store_open(const char *dir, wh_store **out, char *err,
	unsigned errlen)
{
	wh_store *s = calloc(1, sizeof *s);
	char path[4096];

	*out = NULL;
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return st_fail(err, errlen, WH_STORE_NOMEM, "out of memory");
	}
	pthread_rwlock_init(&s->index, NULL);
	pthread_mutex_init(&s->writer, NULL);
	s->tenants_fd = -1;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		st_fail(err, errlen, WH_STORE_IO, "state dir %s: %s", dir,
			strerror(errno));
		goto fail;
	}
	snprintf(path, sizeof path, "%s/tenants", dir);
	if (mkdir(path, 0750) != 0 && errno != EEXIST) {
		st_fail(err, errlen, WH_STORE_IO, "%s: %s", path,
			strerror(errno));
		goto fail;
	}
	s->tenants_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->tenants_fd < 0) {
		st_fail(err, errlen, WH_STORE_IO, "%s: %s", path,
			strerror(errno));
		goto fail;
	}
	DIR *d = fdopendir(dup(s->tenants_fd));
	if (!d) {
		st_fail(err, errlen, WH_STORE_IO, "%s: %s", path,
			strerror(errno));
		goto fail;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct stenant *t = tenant_open(s, de->d_name);
		if (t)
			tenant_load(s, t);
	}
	closedir(d);
	*out = s;
	return WH_STORE_OK;
fail:
	wh_store_close(s);
	return WH_STORE_IO;
}

void wh_store_attach(wh_store *s, sb_supervisor *sup)
{
	s->sup = sup;
}

void wh_store_close(wh_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntenants; i++) {
		struct stenant *t = s->tenants[i];
		for (size_t k = 0; k < t->n; k++)
			wh_module_unref(t->mods[k]);
		if (t->dirfd >= 0)
			close(t->dirfd);
		free(t->mods);
		free(t);
	}
	free(s->tenants);
	if (s->tenants_fd >= 0)
		close(s->tenants_fd);
	pthread_rwlock_destroy(&s->index);
	pthread_mutex_destroy(&s->writer);
	free(s->dir);
	free(s);
}

/* ---- queries -------------------------------------------------------------- */

wh_module *wh_store_find(wh_store *s, const char *tenant, const char *id)
{
	wh_module *m = NULL;
	bool found;

	pthread_rwlock_rdlock(&s->index);
	struct stenant *t = tenant_find(s, tenant);
	if (t) {
		size_t at = mod_search(t, id, &found);
		if (found) {
			m = t->mods[at];
			wh_module_ref(m);
		}
	}
	pthread_rwlock_unlock(&s->index);
	return m;
}

static int created_cmp(const void *a, const void *b)
{
	const wh_module *x = *(wh_module *const *)a, *y = *(wh_module *const *)b;
	int c = strcmp(x->created, y->created);
	return c ? c : strcmp(x->id, y->id);
}

bool wh_store_list(wh_store *s, const char *tenant, wh_module ***out,
	size_t *n)
{
	*out = NULL;
	*n = 0;
	pthread_rwlock_rdlock(&s->index);
	struct stenant *t = tenant_find(s, tenant);
	if (t && t->n) {
		*out = malloc(t->n * sizeof **out);
		if (!*out) {
			pthread_rwlock_unlock(&s->index);
			return false;
		}
		for (size_t i = 0; i < t->n; i++) {
			(*out)[i] = t->mods[i];
			wh_module_ref(t->mods[i]);
		}
		*n = t->n;
	}
	pthread_rwlock_unlock(&s->index);
	if (*n)
		qsort(*out, *n, sizeof **out, created_cmp);
	return true;
}

void wh_store_list_free(wh_module **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wh_module_unref(list[i]);
	free(list);
}

size_t wh_store_count(wh_store *s, const char *tenant)
{
	pthread_rwlock_rdlock(&s->index);
	struct stenant *t = tenant_find(s, tenant);
	size_t n = t ? t->n : 0;
	pthread_rwlock_unlock(&s->index);
	return n;
}

size_t wh_store_total(wh_store *s)
{
	size_t n = 0;
	pthread_rwlock_rdlock(&s->index);
	for (size_t i = 0; i < s->ntenants; i++)
		n += s->tenants[i]->n;
	pthread_rwlock_unlock(&s->index);
	return n;
}

/* ---- changes -------------------------------------------------------------- */

wh_store_status wh_store_put(wh_store *s, const char *tenant,
	const char *id, const uint8_t *bytes, size_t len,
	const sb_result *inspect, sb_module *pool, const char *init,
	uint32_t max_modules, wh_module **out, char *err, unsigned errlen)
{
	wh_store_status st = WH_STORE_OK;
	json_t *meta = NULL;
	wh_module *m = NULL;
	char name[96], created[32];
	struct tm tm;
	time_t now = time(NULL);

	*out = NULL;
	pthread_mutex_lock(&s->writer);
	if ((*out = wh_store_find(s, tenant, id))) {
		st = WH_STORE_EXISTS;
		goto out;
	}
	if (wh_store_count(s, tenant) >= max_modules) {
		st = st_fail(err, errlen, WH_STORE_QUOTA, "the tenant holds "
			"%u modules, its limit", max_modules);
		goto out;
	}
	struct stenant *t = tenant_open(s, tenant);
	if (!t) {
		st = st_fail(err, errlen, WH_STORE_IO, "tenant folder: %s",
			strerror(errno));
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	meta = json_object();
	if (!meta)
		goto nomem;
	json_object_set_new(meta, "id", json_string(id));
	json_object_set_new(meta, "size", json_integer((json_int_t)len));
	json_object_set_new(meta, "created", json_string(created));
	json_object_set_new(meta, "imports",
		externs_json(inspect->imports, inspect->nimports, true));
	json_object_set_new(meta, "exports",
		externs_json(inspect->exports, inspect->nexports, false));
	if (init)
		json_object_set_new(meta, "init", json_string(init));
	m = module_from_meta(tenant, meta);   /* its meta_json is the file */
	if (!m)
		goto nomem;
	m->priv->store = s;
	snprintf(name, sizeof name, "%s.wasm", id);
	if (!file_put(s, t->dirfd, name, bytes, len)) {
		st = st_fail(err, errlen, WH_STORE_IO, "writing %s: %s", name,
			strerror(errno));
		goto out;
	}
	snprintf(name, sizeof name, "%s.json", id);
	if (!file_put(s, t->dirfd, name, m->meta_json, m->meta_len) ||
	    fsync(t->dirfd) != 0) {
		st = st_fail(err, errlen, WH_STORE_IO, "writing %s: %s", name,
			strerror(errno));
		snprintf(name, sizeof name, "%s.wasm", id);
		unlinkat(t->dirfd, name, 0);
		goto out;
	}
	pthread_rwlock_wrlock(&s->index);
	bool inserted = mod_insert(t, m);
	pthread_rwlock_unlock(&s->index);
	if (!inserted)
		goto nomem;
	m->priv->pool = pool;
	wh_module_ref(m);
	*out = m;
	m = NULL;
	goto out;
nomem:
	st = st_fail(err, errlen, WH_STORE_NOMEM, "out of memory");
out:
	pthread_mutex_unlock(&s->writer);
	module_free(m);
	json_decref(meta);
	return st;
}

wh_store_status wh_store_delete(wh_store *s, const char *tenant,
	const char *id, char *err, unsigned errlen)
{
	wh_store_status st = WH_STORE_NOT_FOUND;
	wh_module *m = NULL;
	char name[96];
	bool found;

	pthread_mutex_lock(&s->writer);
	pthread_rwlock_wrlock(&s->index);
	struct stenant *t = tenant_find(s, tenant);
	if (t) {
		size_t at = mod_search(t, id, &found);
		if (found) {
			m = t->mods[at];
			memmove(t->mods + at, t->mods + at + 1,
				(t->n - at - 1) * sizeof *t->mods);
			t->n--;
		}
	}
	pthread_rwlock_unlock(&s->index);
	if (m) {
		/* The .json first: from now on the module does not exist,
		 * whatever happens to the .wasm. */
		st = WH_STORE_OK;
		snprintf(name, sizeof name, "%s.json", id);
		if (unlinkat(t->dirfd, name, 0) != 0 && errno != ENOENT)
			st = st_fail(err, errlen, WH_STORE_IO, "removing %s: %s",
				name, strerror(errno));
		snprintf(name, sizeof name, "%s.wasm", id);
		unlinkat(t->dirfd, name, 0);
		fsync(t->dirfd);
		wh_module_unref(m);
	}
	pthread_mutex_unlock(&s->writer);
	return st;
}

sb_module *wh_module_pool(wh_module *m, char *err, unsigned errlen)
{
	struct wh_module_priv *p = m->priv;
	sb_module *pool;

	pthread_mutex_lock(&p->pool_lock);
	if (!p->pool) {
		uint8_t *bytes = NULL;
		size_t len = 0;
		char name[96], hex[SHA256_HEX_BYTES];
		wh_store *s = p->store;
		struct stenant *t;

		pthread_rwlock_rdlock(&s->index);
		t = tenant_find(s, m->tenant);
		pthread_rwlock_unlock(&s->index);
		snprintf(name, sizeof name, "%s.wasm", m->id);
		if (!t || !file_get(t->dirfd, name, &bytes, &len)) {
			st_fail(err, errlen, WH_STORE_IO, "module file %s: %s",
				name, strerror(errno));
		} else if (sha256_hex(bytes, len, hex), strcmp(hex, m->id) != 0) {
			st_fail(err, errlen, WH_STORE_IO, "module file %s is "
				"corrupt (its SHA-256 is %s)", name, hex);
			wh_log(WH_LOG_ERROR, "msg=\"store: corrupt module "
				"file\" tenant=%s id=%s", m->tenant, m->id);
		} else if (s->sup) {
			p->pool = sb_module_new_init(s->sup, m->tenant, m->id,
				bytes, len, m->init);
			if (!p->pool)
				st_fail(err, errlen, WH_STORE_NOMEM, "the "
					"sandbox refused the module");
		}
		free(bytes);
	}
	pool = p->pool;
	pthread_mutex_unlock(&p->pool_lock);
	return pool;
}
