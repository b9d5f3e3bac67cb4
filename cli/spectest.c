/* spectest.c -- the `spectest` host module (see the spec interpreter's
 * host/spectest.ml): print functions that print only when verbose, globals
 * of value 666 / 666.6, a funcref table {10, 20} and a memory {1, 2}. */
#include "spectest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPECTEST_MAX 16

struct spectest {
	bool verbose;
	size_t n;
	struct {
		const char *name;
		wasm_extern ext;
	} exports[SPECTEST_MAX];
};

static void print_slot(wasm_valtype t, uint64_t slot)
{
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double f; } f64;

	switch (t) {
	case WASM_I32:
		printf("%" PRId32 " : i32", (int32_t)(uint32_t)slot);
		break;
	case WASM_I64:
		printf("%" PRId64 " : i64", (int64_t)slot);
		break;
	case WASM_F32:
		f32.u = (uint32_t)slot;
		printf("%.9g : f32", (double)f32.f);
		break;
	default:
		f64.u = slot;
		printf("%.17g : f64", f64.f);
		break;
	}
}

/* env points at a wasm_functype-describing struct below. */
struct print_fn {
	const spectest *st;
	uint8_t params[2];
	uint32_t nparams;
};

static wasm_status host_print(wasm_call_ctx *ctx, void *env, uint64_t *slots)
{
	const struct print_fn *p = env;

	(void)ctx;
	if (!p->st->verbose)
		return WASM_OK;
	if (p->nparams == 0)
		printf("print\n");
	for (uint32_t i = 0; i < p->nparams; i++) {
		print_slot((wasm_valtype)p->params[i], slots[i]);
		putchar('\n');
	}
	fflush(stdout);
	return WASM_OK;
}

static const struct {
	const char *name;
	uint32_t nparams;
	uint8_t params[2];
} print_fns[] = {
	{ "print", 0, { 0 } },
	{ "print_i32", 1, { WASM_I32 } },
	{ "print_i64", 1, { WASM_I64 } },
	{ "print_f32", 1, { WASM_F32 } },
	{ "print_f64", 1, { WASM_F64 } },
	{ "print_i32_f32", 2, { WASM_I32, WASM_F32 } },
	{ "print_f64_f64", 2, { WASM_F64, WASM_F64 } },
};

#define NPRINT (sizeof print_fns / sizeof print_fns[0])

/* The print functions' environments live after the struct. */
struct spectest_mem {
	struct spectest st;
	struct print_fn fns[NPRINT];
};

static void add(struct spectest *st, const char *name, wasm_extern ext)
{
	st->exports[st->n].name = name;
	st->exports[st->n].ext = ext;
	st->n++;
}

static bool add_prints(struct spectest_mem *sm, wasm_store *store)
{
	for (size_t i = 0; i < NPRINT; i++) {
		struct print_fn *p = &sm->fns[i];
		p->st = &sm->st;
		p->nparams = print_fns[i].nparams;
		memcpy(p->params, print_fns[i].params, sizeof p->params);
		wasm_functype t = { p->nparams, 0, p->params, NULL };
		wasm_extern e = { .kind = WASM_EXTERN_FUNC };
		e.of.func = wasm_func_new_host(store, &t, host_print, p);
		if (!e.of.func)
			return false;
		add(&sm->st, print_fns[i].name, e);
	}
	return true;
}

static bool add_global(struct spectest *st, wasm_store *store,
	const char *name, wasm_value v)
{
	wasm_extern e = { .kind = WASM_EXTERN_GLOBAL };

	e.of.global = wasm_global_new(store, v, false);
	if (!e.of.global)
		return false;
	add(st, name, e);
	return true;
}

static bool add_globals(struct spectest *st, wasm_store *store)
{
	float f32 = 666.6f;
	double f64 = 666.6;
	wasm_value v;

	v.type = WASM_I32;
	v.of.i32 = 666;
	if (!add_global(st, store, "global_i32", v))
		return false;
	v.type = WASM_I64;
	v.of.i64 = 666;
	if (!add_global(st, store, "global_i64", v))
		return false;
	v.type = WASM_F32;
	memcpy(&v.of.f32_bits, &f32, sizeof f32);
	if (!add_global(st, store, "global_f32", v))
		return false;
	v.type = WASM_F64;
	memcpy(&v.of.f64_bits, &f64, sizeof f64);
	return add_global(st, store, "global_f64", v);
}

static bool add_table_memory(struct spectest *st, wasm_store *store)
{
	wasm_extern t = { .kind = WASM_EXTERN_TABLE };
	wasm_extern m = { .kind = WASM_EXTERN_MEMORY };

	t.of.table = wasm_table_new(store, WASM_FUNCREF,
		(wasm_limits){ 10, 20, true }, NULL);
	m.of.memory = wasm_memory_new(store, (wasm_limits){ 1, 2, true });
	if (!t.of.table || !m.of.memory)
		return false;
	add(st, "table", t);
	add(st, "memory", m);
	return true;
}

spectest *spectest_new(wasm_store *store, bool verbose)
{
	struct spectest_mem *sm = calloc(1, sizeof *sm);

	if (!sm)
		return NULL;
	sm->st.verbose = verbose;
	if (!add_prints(sm, store) || !add_globals(&sm->st, store) ||
	    !add_table_memory(&sm->st, store)) {
		free(sm);
		return NULL;
	}
	return &sm->st;
}

void spectest_free(spectest *st)
{
	/* st is the first member of its spectest_mem. */
	free(st);
}

bool spectest_lookup(const spectest *st, const char *name, wasm_extern *out)
{
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->exports[i].name, name) == 0) {
			*out = st->exports[i].ext;
			return true;
		}
	}
	return false;
}
