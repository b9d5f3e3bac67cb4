/* store.c -- the durable, content-addressed module store and its index.
 *
 * The files are the truth and the index a cache of them: other daemons may
 * share the folder (docs/SCALING.md).  A hit is checked against the disk
 * (the .json still there: a delete elsewhere is seen at once), a miss reads
 * the disk before it is a miss, a listing first brings the tenant's index
 * in line with its folder when the folder changed, and quotas count files.
 * Nothing relies on a lock across processes: creating a module is an
 * O_EXCL-like link(2) of its .json, the one step that two daemons cannot
 * both win; everything else is a rename of a fully written, fsync'd file.
 *
 * Locks: `index` (rwlock) guards the tenant table and every tenant's sorted
 * entry arrays; `writer` (mutex) serialises this daemon's put and delete, so
 * the disk work happens outside `index` and readers never wait on an fsync;
 * `tenants_lock` serialises adding a tenant to the table.  An entry's pool
 * is created under its own mutex. */
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
#include <signal.h>
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
	wh_module **by_created;   /* the same entries by (created, id) */
	size_t n, cap;
	/* The folder's mtime when the index last matched it (listings);
	 * `synced` false: match it again before the next listing. */
	struct timespec synced_mtime;
	bool synced;
};

struct wh_store {
	char *dir;
	int tenants_fd;           /* dir/tenants */
	pthread_rwlock_t index;
	pthread_mutex_t writer;
	pthread_mutex_t tenants_lock;
	struct stenant **tenants;
	size_t ntenants;
	sb_supervisor *sup;
	unsigned long tmp_counter;   /* under writer */
	uint64_t abandoned_s;        /* leftovers older than this are removed */
	char host[64];               /* this host, in temporary files' names */
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

/* A temporary file's name: ".tmp.<name>.<pid>.<n>@<host>", so that a
 * daemon starting on the same host can tell whether its writer still
 * lives (tmp_abandoned). */
static void tmp_name(wh_store *s, const char *name, char *out, size_t len)
{
	snprintf(out, len, ".tmp.%s.%ld.%lu@%s", name, (long)getpid(),
		++s->tmp_counter, s->host);
}

/* A new temporary file in dirfd holding data, fsync'd; its name into
 * tmp.  Called with `writer` held (tmp_counter). */
static bool tmp_write(wh_store *s, int dirfd, const char *name,
	const void *data, size_t len, char *tmp, size_t tmplen)
{
	tmp_name(s, name, tmp, tmplen);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		0640);
	if (fd < 0)
		return false;
	bool ok = write_all(fd, data, len) && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlinkat(dirfd, tmp, 0);
		errno = saved;
	}
	return ok;
}

/* name gets data: a temporary file in the same folder, fsync'd, then
 * published under its name.  replace: by rename(2), which replaces an
 * existing name (for content-addressed bytes, with the same bytes).  Else
 * by link(2), which fails with EEXIST when another writer (another daemon
 * on a shared folder) got there first: false with errno EEXIST.  NFS may
 * answer a retransmitted link that succeeded with EEXIST: the temporary
 * file's link count (2) tells the truth.  The temporary name goes. */
static bool file_publish(wh_store *s, int dirfd, const char *name,
	const void *data, size_t len, bool replace)
{
	char tmp[200];
	struct stat st;
	if (!tmp_write(s, dirfd, name, data, len, tmp, sizeof tmp))
		return false;
	int rc = replace ? renameat(dirfd, tmp, dirfd, name) :
		linkat(dirfd, tmp, dirfd, name, 0);
	int saved = errno;
	if (rc != 0 && !replace && fstatat(dirfd, tmp, &st, 0) == 0 &&
	    st.st_nlink == 2)
		rc = 0;
	if (rc != 0 || !replace)
		unlinkat(dirfd, tmp, 0);
	errno = saved;
	return rc == 0;
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

/* Called with `index` held (either way) or `tenants_lock`. */
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

/* (created, id) order: the listing's. */
static int created_order(const char *created_a, const char *id_a,
	const wh_module *b)
{
	int c = strcmp(created_a, b->created);
	return c ? c : strcmp(id_a, b->id);
}

/* The first index in t->by_created after (created, id). */
static size_t created_after(const struct stenant *t, const char *created,
	const char *id)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (created_order(created, id, t->by_created[mid]) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Inserts m in both orders; false if its id is there (or no memory).
 * Called with `index` held for writing (or before any thread). */
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
		wh_module **nc = realloc(t->by_created, ncap * sizeof *nc);
		if (!nc)
			return false;
		t->by_created = nc;
		t->cap = ncap;
	}
	memmove(t->mods + at + 1, t->mods + at, (t->n - at) * sizeof *t->mods);
	t->mods[at] = m;
	/* Just before the first entry after it: (created, id) is unique. */
	size_t c = created_after(t, m->created, m->id);
	memmove(t->by_created + c + 1, t->by_created + c,
		(t->n - c) * sizeof *t->by_created);
	t->by_created[c] = m;
	t->n++;
	return true;
}

/* Takes t->mods[at] out of both orders and returns it (the index's
 * reference goes to the caller).  Called with `index` held for writing. */
static wh_module *mod_remove(struct stenant *t, size_t at)
{
	wh_module *m = t->mods[at];
	memmove(t->mods + at, t->mods + at + 1,
		(t->n - at - 1) * sizeof *t->mods);
	/* m is the last entry at or before its own (created, id). */
	size_t c = created_after(t, m->created, m->id) - 1;
	memmove(t->by_created + c, t->by_created + c + 1,
		(t->n - c - 1) * sizeof *t->by_created);
	t->n--;
	return m;
}

/* mod_insert under `index`: false if the id is there already. */
static bool index_add(wh_store *s, struct stenant *t, wh_module *m)
{
	pthread_rwlock_wrlock(&s->index);
	bool inserted = mod_insert(t, m);
	pthread_rwlock_unlock(&s->index);
	return inserted;
}

/* Drops m from the index if it is still there; releases the index's
 * reference. */
static void index_drop(wh_store *s, struct stenant *t, wh_module *m)
{
	bool found;
	wh_module *gone = NULL;

	pthread_rwlock_wrlock(&s->index);
	size_t at = mod_search(t, m->id, &found);
	if (found && t->mods[at] == m)
		gone = mod_remove(t, at);
	pthread_rwlock_unlock(&s->index);
	wh_module_unref(gone);
}

/* The tenant in the table, or NULL.  Its folder may have been made by
 * another daemon since: with create, or if the folder exists, the tenant
 * is added (create: the folder too, and the parent fsync'd). */
static struct stenant *tenant_get(wh_store *s, const char *name, bool create)
{
	struct stenant *t;

	pthread_rwlock_rdlock(&s->index);
	t = tenant_find(s, name);
	pthread_rwlock_unlock(&s->index);
	if (t)
		return t;
	pthread_mutex_lock(&s->tenants_lock);
	if ((t = tenant_find(s, name)))
		goto out;
	if (create && mkdirat(s->tenants_fd, name, 0750) == 0)
		fsync(s->tenants_fd);
	else if (create && errno != EEXIST)
		goto out;
	int fd = openat(s->tenants_fd, name, O_RDONLY | O_DIRECTORY |
		O_CLOEXEC);
	if (fd < 0)
		goto out;
	t = calloc(1, sizeof *t);
	struct stenant **nt = realloc(s->tenants,
		(s->ntenants + 1) * sizeof *nt);
	if (nt)
		s->tenants = nt;
	if (!t || !nt) {
		free(t);
		t = NULL;
		close(fd);
		goto out;
	}
	snprintf(t->name, sizeof t->name, "%s", name);
	t->dirfd = fd;
	pthread_rwlock_wrlock(&s->index);
	s->tenants[s->ntenants++] = t;
	pthread_rwlock_unlock(&s->index);
out:
	pthread_mutex_unlock(&s->tenants_lock);
	return t;
}

/* name ("<id>.json" or "<id>.wasm") exists in the tenant's folder. */
static bool entry_file_exists(const struct stenant *t, const char *id,
	const char *ext)
{
	char name[96];
	snprintf(name, sizeof name, "%s.%s", id, ext);
	return faccessat(t->dirfd, name, F_OK, 0) == 0;
}

/* The entry id of tenant t read from its files: NULL if its .json or
 * .wasm is missing or the .json unreadable (logged: that is damage). */
static wh_module *entry_read(wh_store *s, struct stenant *t, const char *id)
{
	char name[96];
	uint8_t *text;
	size_t tlen;
	json_error_t jerr;
	json_t *meta = NULL;
	wh_module *m = NULL;

	snprintf(name, sizeof name, "%s.json", id);
	if (!file_get(t->dirfd, name, &text, &tlen))
		return NULL;
	if (!entry_file_exists(t, id, "wasm")) {
		free(text);
		return NULL;   /* a delete elsewhere is half done */
	}
	/* Names may hold U+0000, written as \u0000. */
	meta = json_loadb((const char *)text, tlen, JSON_ALLOW_NUL, &jerr);
	free(text);
	if (meta)
		m = module_from_meta(t->name, meta);
	json_decref(meta);
	if (!m || strcmp(m->id, id) != 0) {
		wh_log(WH_LOG_ERROR, "msg=\"store: unreadable entry "
			"skipped\" tenant=%s id=%s", t->name, id);
		module_free(m);
		return NULL;
	}
	m->priv->store = s;
	return m;
}

/* The tenant's folder for reading from its start: a new open file
 * description (a dup would share its offset with every other reader). */
static DIR *folder_open(const struct stenant *t)
{
	int fd = openat(t->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	return d;
}

/* A temporary file whose writer is provably gone: it was written on this
 * host by a process that no longer exists, or it is older than
 * abandoned_s (any host: a pid means nothing elsewhere). */
static bool tmp_abandoned(const wh_store *s, const char *n,
	const struct stat *st)
{
	if (time(NULL) - st->st_mtime >= (time_t)s->abandoned_s)
		return true;
	const char *at = strrchr(n, '@');
	if (!at || strcmp(at + 1, s->host) != 0)
		return false;
	/* ".tmp.<name>.<pid>.<n>@host": the pid is between the last two
	 * dots before '@'. */
	const char *dot = at;
	while (dot > n && *--dot != '.')
		;
	const char *p = dot;
	while (p > n && p[-1] != '.')
		p--;
	char *end;
	long pid = strtol(p, &end, 10);
	if (end != dot || pid <= 0)
		return false;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Start-up clean-up of one tenant folder: temporary files whose writer is
 * gone (tmp_abandoned), and .wasm files without a .json that are older
 * than abandoned_s (an upload in progress elsewhere writes its .wasm
 * before its .json). */
static void tenant_clean(wh_store *s, struct stenant *t)
{
	DIR *d = folder_open(t);
	struct dirent *de;
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (fstatat(t->dirfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (strncmp(n, ".tmp.", 5) == 0) {
			if (!tmp_abandoned(s, n, &st))
				continue;
			unlinkat(t->dirfd, n, 0);
			wh_log(WH_LOG_INFO, "msg=\"store: removed an abandoned "
				"temporary file\" tenant=%s file=%s", t->name, n);
			continue;
		}
		if (len != 64 + 5 || strcmp(n + 64, ".wasm") != 0 ||
		    time(NULL) - st.st_mtime < (time_t)s->abandoned_s)
			continue;
		char id[SHA256_HEX_BYTES];
		snprintf(id, sizeof id, "%.64s", n);
		if (!entry_file_exists(t, id, "json")) {
			unlinkat(t->dirfd, n, 0);
			wh_log(WH_LOG_WARN, "msg=\"store: removed a module "
				"without metadata (interrupted upload)\" "
				"tenant=%s file=%s", t->name, n);
		}
	}
	closedir(d);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

typedef char wh_idbuf[SHA256_HEX_BYTES];

/* The ids of the tenant's folder that have a .json, sorted, into *ids
 * (free it).  false: the folder is unreadable or memory ran out. */
static bool folder_ids(struct stenant *t, wh_idbuf **ids, size_t *n)
{
	DIR *d = folder_open(t);
	struct dirent *de;
	size_t cap = 64;
	wh_idbuf *buf = malloc(cap * sizeof *buf);
	bool ok = true;

	*ids = NULL;
	*n = 0;
	if (!d || !buf) {
		if (d)
			closedir(d);
		free(buf);
		return false;
	}
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (strlen(nm) != 64 + 5 || strcmp(nm + 64, ".json") != 0)
			continue;
		if (*n == cap) {
			wh_idbuf *nb = realloc(buf, 2 * cap * sizeof *buf);
			if (!nb) {
				ok = false;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		snprintf(buf[*n], SHA256_HEX_BYTES, "%.64s", nm);
		if (wh_id_valid(buf[*n]))
			(*n)++;
	}
	closedir(d);
	if (!ok) {
		free(buf);
		*n = 0;
		return false;
	}
	qsort(buf, *n, sizeof *buf, id_cmp);
	*ids = buf;
	return true;
}

/* Brings the tenant's index in line with its folder: entries another
 * daemon added are read, entries deleted are dropped.  Skipped when the
 * folder's mtime is the one of the last match and that match was not
 * "racy" (the mtime was older than the clock's coarse granularity then:
 * two changes within one tick would show one mtime, as git's index knows).
 * Called with `writer` held or before any thread. */
static void tenant_sync(wh_store *s, struct stenant *t)
{
	struct stat st;
	wh_idbuf *ids;
	size_t n;

	if (fstat(t->dirfd, &st) != 0)
		return;
	if (t->synced && st.st_mtim.tv_sec == t->synced_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == t->synced_mtime.tv_nsec)
		return;
	if (!folder_ids(t, &ids, &n))
		return;
	/* Drops: index entries whose .json is gone (both sorted by id). */
	for (;;) {
		wh_module *gone = NULL;
		pthread_rwlock_wrlock(&s->index);
		for (size_t i = 0, k = 0; i < t->n; i++) {
			while (k < n && strcmp(ids[k], t->mods[i]->id) < 0)
				k++;
			if (k == n || strcmp(ids[k], t->mods[i]->id) != 0) {
				gone = mod_remove(t, i);
				break;
			}
		}
		pthread_rwlock_unlock(&s->index);
		if (!gone)
			break;
		wh_module_unref(gone);
	}
	/* Additions: ids on disk the index lacks. */
	for (size_t k = 0; k < n; k++) {
		bool found;
		pthread_rwlock_rdlock(&s->index);
		mod_search(t, ids[k], &found);
		pthread_rwlock_unlock(&s->index);
		if (found)
			continue;
		wh_module *m = entry_read(s, t, ids[k]);
		if (!m)
			continue;
		if (!index_add(s, t, m))
			module_free(m);
	}
	free(ids);
	t->synced_mtime = st.st_mtim;
	t->synced = time(NULL) - st.st_mtim.tv_sec >= 2;
}

wh_store_status wh_store_open(const char *dir, uint64_t abandoned_s,
	wh_store **out, char *err, unsigned errlen)
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
	pthread_mutex_init(&s->tenants_lock, NULL);
	s->tenants_fd = -1;
	s->abandoned_s = abandoned_s;
	if (gethostname(s->host, sizeof s->host) != 0 || !s->host[0])
		snprintf(s->host, sizeof s->host, "localhost");
	s->host[sizeof s->host - 1] = '\0';
	for (char *p = s->host; *p; p++)
		if (*p == '/' || *p == '@')
			*p = '_';
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
		struct stenant *t = tenant_get(s, de->d_name, false);
		if (t) {
			tenant_clean(s, t);
			tenant_sync(s, t);
		}
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
		free(t->by_created);
		free(t);
	}
	free(s->tenants);
	if (s->tenants_fd >= 0)
		close(s->tenants_fd);
	pthread_rwlock_destroy(&s->index);
	pthread_mutex_destroy(&s->writer);
	pthread_mutex_destroy(&s->tenants_lock);
	free(s->dir);
	free(s);
}

/* ---- queries -------------------------------------------------------------- */

/* The index's entry, with a reference, or NULL; no disk. */
static wh_module *index_get(wh_store *s, struct stenant *t, const char *id)
{
	wh_module *m = NULL;
	bool found;

	pthread_rwlock_rdlock(&s->index);
	size_t at = mod_search(t, id, &found);
	if (found) {
		m = t->mods[at];
		wh_module_ref(m);
	}
	pthread_rwlock_unlock(&s->index);
	return m;
}

wh_module *wh_store_find(wh_store *s, const char *tenant, const char *id)
{
	struct stenant *t = tenant_get(s, tenant, false);
	if (!t || !wh_id_valid(id))
		return NULL;
	wh_module *m = index_get(s, t, id);
	if (m) {
		/* Deleted through another daemon? */
		if (entry_file_exists(t, id, "json"))
			return m;
		index_drop(s, t, m);
		wh_module_unref(m);
		return NULL;
	}
	/* Stored through another daemon? */
	if (!(m = entry_read(s, t, id)))
		return NULL;
	if (!index_add(s, t, m)) {
		/* Another thread read it first: take that one. */
		module_free(m);
		return index_get(s, t, id);
	}
	wh_module_ref(m);
	return m;
}

bool wh_store_list_page(wh_store *s, const char *tenant,
	const char *after_created, const char *after_id, size_t limit,
	wh_module ***out, size_t *n, bool *more)
{
	*out = NULL;
	*n = 0;
	*more = false;
	struct stenant *t = tenant_get(s, tenant, false);
	if (!t)
		return true;
	pthread_mutex_lock(&s->writer);
	tenant_sync(s, t);
	pthread_mutex_unlock(&s->writer);
	pthread_rwlock_rdlock(&s->index);
	size_t at = after_id ? created_after(t, after_created, after_id) : 0;
	size_t end = t->n - at > limit ? at + limit : t->n;
	*more = end < t->n;
	if (end > at) {
		*out = malloc((end - at) * sizeof **out);
		if (!*out) {
			pthread_rwlock_unlock(&s->index);
			return false;
		}
		for (size_t i = at; i < end; i++) {
			(*out)[i - at] = t->by_created[i];
			wh_module_ref(t->by_created[i]);
		}
		*n = end - at;
	}
	pthread_rwlock_unlock(&s->index);
	return true;
}

void wh_store_list_free(wh_module **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wh_module_unref(list[i]);
	free(list);
}

/* Modules of tenant t on disk: its .json files. */
static size_t folder_count(struct stenant *t)
{
	wh_idbuf *ids;
	size_t n;
	if (!folder_ids(t, &ids, &n))
		return 0;
	free(ids);
	return n;
}

size_t wh_store_count(wh_store *s, const char *tenant)
{
	struct stenant *t = tenant_get(s, tenant, false);
	return t ? folder_count(t) : 0;
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

/* The pool an upload inspected goes to entry m, unless m has one. */
static void pool_give(wh_module *m, sb_module *pool)
{
	pthread_mutex_lock(&m->priv->pool_lock);
	if (!m->priv->pool) {
		m->priv->pool = pool;
		pool = NULL;
	}
	pthread_mutex_unlock(&m->priv->pool_lock);
	sb_module_release(pool);
}

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
	struct stenant *t = tenant_get(s, tenant, true);
	if (!t) {
		st = st_fail(err, errlen, WH_STORE_IO, "tenant folder: %s",
			strerror(errno));
		goto out;
	}
	if (folder_count(t) >= max_modules) {
		st = st_fail(err, errlen, WH_STORE_QUOTA, "the tenant holds "
			"%u modules, its limit", max_modules);
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
	/* The bytes first (a rename: the same name gets the same bytes
	 * whoever writes it), then the .json, created only if absent: of
	 * two daemons storing the module at once, one creates it and the
	 * other answers that it exists. */
	snprintf(name, sizeof name, "%s.wasm", id);
	if (!file_publish(s, t->dirfd, name, bytes, len, true)) {
		st = st_fail(err, errlen, WH_STORE_IO, "writing %s: %s", name,
			strerror(errno));
		goto out;
	}
	snprintf(name, sizeof name, "%s.json", id);
	if (!file_publish(s, t->dirfd, name, m->meta_json,
		m->meta_len, false)) {
		if (errno == EEXIST && (*out = wh_store_find(s, tenant, id))) {
			st = WH_STORE_EXISTS;
			goto out;
		}
		st = st_fail(err, errlen, WH_STORE_IO, "writing %s: %s", name,
			errno == EEXIST ? "being deleted elsewhere" :
			strerror(errno));
		goto out;
	}
	/* A delete elsewhere may have taken the .wasm between the two
	 * steps: write it again. */
	snprintf(name, sizeof name, "%s.wasm", id);
	if (!entry_file_exists(t, id, "wasm") &&
	    !file_publish(s, t->dirfd, name, bytes, len, true)) {
		st = st_fail(err, errlen, WH_STORE_IO, "writing %s: %s", name,
			strerror(errno));
		goto undo;
	}
	if (fsync(t->dirfd) != 0) {
		st = st_fail(err, errlen, WH_STORE_IO, "syncing the tenant "
			"folder: %s", strerror(errno));
		goto undo;
	}
	/* Other daemons may have stored other modules meanwhile: the quota
	 * holds over the shared folder, so the last over it goes back
	 * (two at once may both go back; never both stay). */
	if (folder_count(t) > max_modules) {
		st = st_fail(err, errlen, WH_STORE_QUOTA, "the tenant holds "
			"%u modules, its limit", max_modules);
		goto undo;
	}
	if (!index_add(s, t, m)) {
		/* A lookup read it from disk first; it gets the pool. */
		module_free(m);
		m = NULL;
		if (!(*out = index_get(s, t, id)))
			goto nomem;
		pool_give(*out, pool);
		goto out;
	}
	m->priv->pool = pool;
	wh_module_ref(m);
	*out = m;
	m = NULL;
	goto out;
undo:
	snprintf(name, sizeof name, "%s.json", id);
	unlinkat(t->dirfd, name, 0);
	snprintf(name, sizeof name, "%s.wasm", id);
	unlinkat(t->dirfd, name, 0);
	fsync(t->dirfd);
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

	if (!wh_id_valid(id))
		return WH_STORE_NOT_FOUND;
	struct stenant *t = tenant_get(s, tenant, false);
	if (!t)
		return WH_STORE_NOT_FOUND;
	pthread_mutex_lock(&s->writer);
	pthread_rwlock_wrlock(&s->index);
	size_t at = mod_search(t, id, &found);
	if (found)
		m = mod_remove(t, at);
	pthread_rwlock_unlock(&s->index);
	/* The .json first: from now on the module does not exist, whatever
	 * happens to the .wasm.  Its file decides, not the index: another
	 * daemon may have stored or deleted it. */
	snprintf(name, sizeof name, "%s.json", id);
	if (unlinkat(t->dirfd, name, 0) == 0)
		st = WH_STORE_OK;
	else if (errno != ENOENT)
		st = st_fail(err, errlen, WH_STORE_IO, "removing %s: %s",
			name, strerror(errno));
	/* Stored again elsewhere meanwhile?  Then its bytes stay. */
	if (st == WH_STORE_OK && !entry_file_exists(t, id, "json")) {
		snprintf(name, sizeof name, "%s.wasm", id);
		unlinkat(t->dirfd, name, 0);
	}
	fsync(t->dirfd);
	pthread_mutex_unlock(&s->writer);
	wh_module_unref(m);
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

		t = tenant_get(s, m->tenant, false);
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
