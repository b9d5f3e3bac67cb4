/* table.c -- tables of references.
 *
 * An element is a void *: a wasm_func * for funcref, the host pointer for
 * externref, NULL for the null reference.  elems may move on grow, so code
 * must reload it after anything that can grow the table.
 */
#include "runtime/runtime.h"

#include <stdlib.h>

static void table_free(void *p)
{
	wasm_table *t = p;
	free(t->elems);
	free(t);
}

/* elem is WASM_FUNCREF or WASM_EXTERNREF; every element starts as init.
 * Returns NULL on a bad element type or limits, a minimum above
 * LIMIT_TABLE_ELEMS, or out of memory. */
wasm_table *wasm_table_new(wasm_store *store, wasm_valtype elem,
	wasm_limits limits, void *init)
{
	wasm_table *t = NULL, *ret = NULL;

	if (elem != WASM_FUNCREF && elem != WASM_EXTERNREF)
		goto out;
	if (limits.min > LIMIT_TABLE_ELEMS ||
	    (limits.has_max && limits.max < limits.min))
		goto out;
	t = calloc(1, sizeof *t);
	if (!t)
		goto out;
	t->elem = (uint8_t)elem;
	t->max = limits.has_max ? limits.max : UINT32_MAX;
	/* At least one entry so that elems is never NULL. */
	t->elems = calloc(limits.min ? limits.min : 1, sizeof *t->elems);
	if (!t->elems)
		goto out;
	for (uint32_t i = 0; i < limits.min; i++)
		t->elems[i] = init;
	t->size = limits.min;

	wasm_table *owned = t;
	t = NULL;
	if (!store_own(store, owned, table_free))
		goto out;
	ret = owned;
out:
	if (t)
		table_free(t);
	return ret;
}

/* table.grow: -1 beyond the type's max or LIMIT_TABLE_ELEMS, or out of
 * memory; else the old size.  New elements are init. */
int64_t table_grow(wasm_table *t, uint32_t delta, void *init)
{
	uint32_t old_size = t->size;
	uint64_t new_size = (uint64_t)old_size + delta;

	if (new_size > t->max || new_size > LIMIT_TABLE_ELEMS)
		return -1;
	if (delta == 0)
		return old_size;
	void **elems = realloc(t->elems, new_size * sizeof *elems);
	if (!elems)
		return -1;
	for (uint64_t i = old_size; i < new_size; i++)
		elems[i] = init;
	t->elems = elems;
	t->size = (uint32_t)new_size;
	return old_size;
}

uint32_t wasm_table_size(const wasm_table *t)
{
	return t->size;
}

bool wasm_table_get(const wasm_table *t, uint32_t i, void **out)
{
	if (i >= t->size)
		return false;
	*out = t->elems[i];
	return true;
}
