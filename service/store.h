/* store.h -- the module store: content-addressed (SHA-256), keyed per
 * tenant (brief, decisions 2 and 11), durable, and an in-memory index.
 *
 * On disk, under the state directory:
 *   tenants/<tenant>/<id>.wasm   the module's bytes; <id> = SHA-256 (hex)
 *   tenants/<tenant>/<id>.json   what GET /v1/modules/<id> answers: id,
 *                                size, created, imports, exports
 * Both are written to a temporary file in the same folder and fsync'd; the
 * .wasm is renamed into place, then the .json is linked (created only if
 * absent), and the folder fsync'd: a module exists only when its .json
 * does.  Several daemons may share the folder (NFS, a ReadWriteMany
 * volume; docs/SCALING.md): the files are the truth and the index a cache
 * of them, checked on every lookup.  Opening the store removes only what
 * is provably abandoned: temporary files whose writer (pid, on this host)
 * is gone, and temporary files and .wasm files without a .json older than
 * abandoned_s.  Bytes are read back (and their hash checked) only when a
 * module is first invoked on this daemon.
 *
 * Two tenants with the same bytes get two entries, two files and two
 * pools: nothing is shared across tenants.
 *
 * Thread safety: every function may be called from any thread.  Entries
 * are reference-counted; a deleted entry lives on while requests hold it.
 */
#ifndef WH_STORE_H
#define WH_STORE_H

#include "sandbox.h"
#include "sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wh_store wh_store;

/* An exported function's signature, for checking invoke arguments.  The
 * name is name_len bytes (a wasm name may hold U+0000) and a NUL. */
typedef struct {
	char *name;
	size_t name_len;
	uint32_t nparams, nresults;
	uint8_t *params, *results;   /* wasm_valtype values */
} wh_func_sig;

/* Fields are read-only after creation. */
typedef struct wh_module {
	char tenant[72];
	char id[SHA256_HEX_BYTES];
	char *meta_json;              /* the GET answer, compact JSON */
	size_t meta_len;
	/* The listing's entry: {"id","size","created","import_count",
	 * "export_count"}, compact JSON */
	char *summary_json;
	size_t summary_len;
	char created[32];             /* ISO 8601, UTC; the listing's order */
	wh_func_sig *funcs;           /* exported functions */
	uint32_t nfuncs;
	bool uses_wasi;               /* imports wasi_snapshot_preview1 */
	char *init;                   /* initialisation export (upload's
	                                 ?init=), or NULL */
	struct wh_module_priv *priv;
} wh_module;

typedef enum {
	WH_STORE_OK = 0,
	WH_STORE_NOT_FOUND,
	WH_STORE_EXISTS,      /* put: this tenant holds these bytes already */
	WH_STORE_QUOTA,       /* put: the tenant's module count is reached */
	WH_STORE_IO,          /* disk error; message says which */
	WH_STORE_NOMEM,
} wh_store_status;

/* Opens (creating) dir/tenants, cleans up (see above), loads the index.
 * Problems with single entries are logged and the entries skipped. */
__attribute__((warn_unused_result))
wh_store_status wh_store_open(const char *dir, uint64_t abandoned_s,
	wh_store **out, char *err, unsigned errlen);
/* Pools are created with sup from now on (call before serving). */
void wh_store_attach(wh_store *s, sb_supervisor *sup);
/* Releases every pool (before sb_supervisor_free) and frees the index. */
void wh_store_close(wh_store *s);

/* The entry, with a reference (wh_module_unref), or NULL.  A hit is
 * checked against the disk (its .json may have been deleted by another
 * daemon), and a miss reads the disk (it may have been stored by one). */
wh_module *wh_store_find(wh_store *s, const char *tenant, const char *id);
void wh_module_ref(wh_module *m);
void wh_module_unref(wh_module *m);

/* A page of a tenant's entries, oldest first (by created, then id): at
 * most limit entries after (after_created, after_id), or from the first
 * if after_id is NULL; each with a reference; free the array with
 * wh_store_list_free.  *more: entries follow the page.  The index is
 * first brought in line with the tenant's folder if that changed; then
 * a page is a binary search and a copy, no sort. */
__attribute__((warn_unused_result))
bool wh_store_list_page(wh_store *s, const char *tenant,
	const char *after_created, const char *after_id, size_t limit,
	wh_module ***out, size_t *n, bool *more);
void wh_store_list_free(wh_module **list, size_t n);
/* The tenant's modules on disk (all daemons'): its quota counts these. */
size_t wh_store_count(wh_store *s, const char *tenant);
/* Entries in this daemon's index, all tenants. */
size_t wh_store_total(wh_store *s);

/* Stores bytes (id = their SHA-256, computed by the caller) with the
 * imports and exports of an SB_INSPECT result.  pool, if not NULL, is the
 * sandbox pool that inspected the module; the entry takes it over (on
 * success only).  init, if not NULL, names the export that initialises
 * its instances (sb_module_new_init; the pool must have been made with
 * it).  max_modules bounds the tenant's count on disk.  *out gets the
 * new entry with a reference, or with EXISTS the existing one. */
__attribute__((warn_unused_result))
wh_store_status wh_store_put(wh_store *s, const char *tenant,
	const char *id, const uint8_t *bytes, size_t len,
	const sb_result *inspect, sb_module *pool, const char *init,
	uint32_t max_modules, wh_module **out, char *err, unsigned errlen);

__attribute__((warn_unused_result))
wh_store_status wh_store_delete(wh_store *s, const char *tenant,
	const char *id, char *err, unsigned errlen);

/* The module's sandbox pool, created on first use from the bytes on disk
 * (whose hash is checked).  NULL with a message on failure. */
sb_module *wh_module_pool(wh_module *m, char *err, unsigned errlen);

/* The function named by the name_len bytes at name among funcs[0..n), or
 * NULL. */
const wh_func_sig *wh_func_sig_find(const wh_func_sig *funcs, uint32_t n,
	const char *name, size_t name_len);

/* True if s is 64 lowercase hex digits. */
bool wh_id_valid(const char *s);

#endif
