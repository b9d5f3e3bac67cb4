/* snapshot.c -- copy-on-write instantiation (wasm.h, "snapshots"; brief,
 * decision 16).
 *
 * A snapshot is what instantiation left in an instance: memory 0's bytes,
 * written once into a caller's file (a memfd) through a shared mapping,
 * the defined globals' values, the defined tables' contents as function
 * indexes, and which segments are dropped.  An instance made from it maps
 * the file MAP_PRIVATE over its reservation (memory_map_file): reading a
 * page reads the file's, writing one copies it, so making the instance
 * costs one mmap whatever the size of its initialised memory, and its
 * release one more (memory_free).  Pages past the snapshot stay anonymous
 * and grow as any memory does.
 */
#include "common/error.h"
#include "runtime/reserve.h"
#include "runtime/runtime.h"
#include "runtime/snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct snap_table {
	uint32_t size;
	uint32_t *elems;          /* function index + 1; 0 = null */
};

struct wasm_snapshot {
	const wasm_module *module;
	wasm_snapshot_file file;
	bool has_memory;
	uint32_t pages;
	uint64_t data_bytes;      /* of memory 0 not zero, by 4 KiB page */
	bool has_start;
	uint32_t nglobals;        /* defined ones, from the first */
	uint64_t *globals;
	uint32_t ntables;         /* defined ones, from the first */
	struct snap_table *tables;
	uint8_t *elem_dropped, *data_dropped;
};

void wasm_snapshot_free(wasm_snapshot *snap)
{
	if (!snap)
		return;
	for (uint32_t i = 0; i < snap->ntables; i++)
		free(snap->tables[i].elems);
	free(snap->tables);
	free(snap->globals);
	free(snap->elem_dropped);
	free(snap->data_dropped);
	free(snap);
}

uint32_t wasm_snapshot_memory_pages(const wasm_snapshot *snap)
{
	return snap->pages;
}

bool wasm_snapshot_worthwhile(const wasm_snapshot *snap)
{
	return snap->has_start || snap->data_bytes >= WASM_SNAPSHOT_WORTH_BYTES;
}

/* ---- taking one ----------------------------------------------------------- */

/* Whether the len bytes at p are all zero (a word at a time: pages of a
 * large memory are mostly zero, and the file's holes already are). */
static bool all_zero(const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;
	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			return false;
	return true;
}

/* Writes memory 0's pages into the file: through a shared mapping of it
 * over a spare reservation, only the pages that are not zero. */
static wasm_status memory_save(const wasm_memory *mem,
	const wasm_snapshot_file *f, uint64_t *data_bytes, wasm_error *err)
{
	size_t bytes = (size_t)mem->pages * WASM_PAGE_SIZE;
	const size_t page = 4096;

	if (!bytes)
		return WASM_OK;
	if (bytes > f->fd_bytes)
		return err_set(err, WASM_ERR_LIMIT, SIZE_MAX, "snapshot: the memory "
			"is larger than its file");
	uint8_t *scratch = reserve_take(MEMORY_RESERVE_BYTES, PROT_NONE, NULL);
	if (!scratch)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	wasm_status st = WASM_OK;
	if (f->map_end_max && ((uintptr_t)scratch > f->map_end_max ||
	    bytes > f->map_end_max - (uintptr_t)scratch)) {
		st = err_set(err, WASM_ERR_LIMIT, SIZE_MAX, "snapshot: no room below "
			"the file's address bound");
		goto out;
	}
	if (mmap(scratch, bytes, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_FIXED, f->fd, 0) == MAP_FAILED) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "snapshot: cannot map its "
			"file");
		goto out;
	}
	for (size_t off = 0; off < bytes; off += page)
		if (!all_zero(mem->base + off, page)) {
			memcpy(scratch + off, mem->base + off, page);
			*data_bytes += page;
		}
	/* Back to an anonymous, inaccessible reservation. */
	if (mmap(scratch, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
		munmap(scratch, MEMORY_RESERVE_BYTES);
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
	}
out:
	reserve_give(scratch, MEMORY_RESERVE_BYTES, PROT_NONE, 0);
	return st;
}

/* Function pointer -> index in inst->funcs, by open addressing. */
struct func_map {
	size_t cap;               /* power of two */
	const wasm_func **keys;
	uint32_t *vals;
};

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p * UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(x >> 20) & (cap - 1);
}

static bool func_map_make(struct func_map *fm, const wasm_instance *inst)
{
	uint32_t n = inst->module->nfuncs;
	fm->cap = 16;
	while (fm->cap < 2 * (size_t)n)
		fm->cap *= 2;
	fm->keys = calloc(fm->cap, sizeof *fm->keys);
	fm->vals = calloc(fm->cap, sizeof *fm->vals);
	if (!fm->keys || !fm->vals)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		size_t h = ptr_hash(inst->funcs[i], fm->cap);
		while (fm->keys[h] && fm->keys[h] != inst->funcs[i])
			h = (h + 1) & (fm->cap - 1);
		if (!fm->keys[h]) {
			fm->keys[h] = inst->funcs[i];
			fm->vals[h] = i;
		}
	}
	return true;
}

/* The index + 1 of f among the instance's functions, 0 if none. */
static uint32_t func_map_find(const struct func_map *fm, const void *f)
{
	size_t h = ptr_hash(f, fm->cap);
	while (fm->keys[h]) {
		if (fm->keys[h] == f)
			return fm->vals[h] + 1;
		h = (h + 1) & (fm->cap - 1);
	}
	return 0;
}

static wasm_status tables_save(const wasm_instance *inst, wasm_snapshot *s,
	wasm_error *err)
{
	const wasm_module *m = inst->module;
	struct func_map fm = { 0 };
	wasm_status st = WASM_OK;

	s->ntables = m->ntables - m->ntable_imports;
	s->tables = calloc((size_t)s->ntables + 1, sizeof *s->tables);
	if (!s->tables || (s->ntables && !func_map_make(&fm, inst))) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto out;
	}
	for (uint32_t j = 0; j < s->ntables; j++) {
		const wasm_table *t = inst->tables[m->ntable_imports + j];
		struct snap_table *st_ = &s->tables[j];
		if (t->size != m->tables[m->ntable_imports + j].limits.min) {
			st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX, "snapshot: a "
				"table grew during instantiation");
			goto out;
		}
		st_->size = t->size;
		st_->elems = calloc((size_t)t->size + 1, sizeof *st_->elems);
		if (!st_->elems) {
			st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
			goto out;
		}
		for (uint32_t i = 0; i < t->size; i++) {
			if (!t->elems[i])
				continue;
			uint32_t k = t->elem == WASM_FUNCREF ?
				func_map_find(&fm, t->elems[i]) : 0;
			if (!k) {
				st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
					"snapshot: a table holds a reference "
					"that is not one of the instance's "
					"functions");
				goto out;
			}
			st_->elems[i] = k;
		}
	}
out:
	free(fm.keys);
	free(fm.vals);
	return st;
}

wasm_status wasm_snapshot_take(const wasm_instance *inst,
	const wasm_snapshot_file *file, wasm_snapshot **out, wasm_error *err)
{
	const wasm_module *m = inst->module;
	wasm_snapshot *s = NULL;
	wasm_status st;

	*out = NULL;
	if (m->has_start && m->nimports) {
		st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX, "snapshot: the start "
			"function may have called an import");
		goto fail;
	}
	if (m->nimports != m->nfunc_imports) {
		st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX, "snapshot: imported "
			"tables, memories or globals");
		goto fail;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto fail;
	}
	s->module = m;
	s->file = *file;
	s->has_start = m->has_start;
	s->nglobals = m->nglobals - m->nglobal_imports;
	s->globals = calloc((size_t)s->nglobals + 1, sizeof *s->globals);
	s->elem_dropped = calloc((size_t)m->nelems + 1, 1);
	s->data_dropped = calloc((size_t)m->ndatas + 1, 1);
	if (!s->globals || !s->elem_dropped || !s->data_dropped) {
		st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory");
		goto fail;
	}
	for (uint32_t j = 0; j < s->nglobals; j++)
		s->globals[j] = inst->globals[m->nglobal_imports + j]->val;
	memcpy(s->elem_dropped, inst->elem_dropped, m->nelems);
	memcpy(s->data_dropped, inst->data_dropped, m->ndatas);
	if ((st = tables_save(inst, s, err)) != WASM_OK)
		goto fail;
	if (inst->memory) {
		s->has_memory = true;
		s->pages = inst->memory->pages;
		if ((st = memory_save(inst->memory, file, &s->data_bytes,
		    err)) != WASM_OK)
			goto fail;
	}
	*out = s;
	return WASM_OK;
fail:
	wasm_snapshot_free(s);
	return st;
}

/* ---- instances from one --------------------------------------------------- */

bool snapshot_apply(wasm_instance *inst, const wasm_snapshot *s)
{
	const wasm_module *m = inst->module;

	/* The memory first: if it cannot be mapped here, nothing changed
	 * and the caller instantiates the usual way. */
	if (s->has_memory && (!inst->memory || !memory_map_file(inst->memory,
	    s->file.fd, s->pages, s->file.map_end_max)))
		return false;
	for (uint32_t j = 0; j < s->nglobals; j++)
		inst->globals[m->nglobal_imports + j]->val = s->globals[j];
	for (uint32_t j = 0; j < s->ntables; j++) {
		wasm_table *t = inst->tables[m->ntable_imports + j];
		const struct snap_table *st = &s->tables[j];
		for (uint32_t i = 0; i < st->size && i < t->size; i++)
			t->elems[i] = st->elems[i] ?
				inst->funcs[st->elems[i] - 1] : NULL;
	}
	memcpy(inst->elem_dropped, s->elem_dropped, m->nelems);
	memcpy(inst->data_dropped, s->data_dropped, m->ndatas);
	return true;
}

const wasm_module *snapshot_module(const wasm_snapshot *s)
{
	return s->module;
}
