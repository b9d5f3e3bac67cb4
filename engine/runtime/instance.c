/* instance.c -- stores, instances, functions, globals, and calls into them.
 *
 * A store owns every object made in it (a list of (object, free function)
 * pairs, freed newest first by wasm_store_free) and one execution context:
 * a value stack and a frame stack, both mmap'd so that pages never touched
 * cost nothing.
 *
 * Calls from the host go through store_call(), which sets up the fault
 * unwinding point (see trap.c) and turns a trap into the caller's
 * wasm_error.  Instantiation follows Wasm 2.0: imports are checked first,
 * then element and data segments are applied one by one (an earlier
 * segment's writes stay if a later one traps), then the start function
 * runs.  A failed instance stays in the store, since its segments may
 * already have written into imported tables and memories.
 */
#include "runtime/reserve.h"
#include "runtime/runtime.h"
#include "runtime/snapshot.h"
#include "runtime/tier_ops.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Host -> wasm -> host -> ... re-entries allowed on one store; each costs
 * native stack, which the wasm frame limit does not account for. */
#define STORE_MAX_NESTED_CALLS 256u

/* Slots on the C stack for wasm_func_call before it falls back to malloc. */
#define CALL_INLINE_SLOTS 16u

struct store_obj {
	struct store_obj *next;
	void *obj;
	void (*free_fn)(void *);
};

/* ---- errors ---------------------------------------------------------- */

/* Fill err (if any) with status and message, nothing else known.  Returns
 * status. */
static wasm_status __attribute__((format(printf, 3, 4)))
rt_error(wasm_error *err, wasm_status status, const char *fmt, ...)
{
	if (!err)
		return status;
	memset(err, 0, sizeof *err);
	err->status = status;
	err->offset = SIZE_MAX;
	err->trap = WASM_TRAP_NONE;
	err->func_index = WASM_NO_INDEX;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return status;
}

/* A trap outside any function (instantiation), with the kind's message. */
static wasm_status rt_trap(wasm_error *err, wasm_trap_kind kind)
{
	rt_error(err, WASM_ERR_TRAP, "%s", wasm_trap_kind_message(kind));
	if (err)
		err->trap = kind;
	return WASM_ERR_TRAP;
}

wasm_status exec_trap(exec *ex, wasm_trap_kind kind, const char *msg)
{
	return trap_record(ex, kind, ex->cur_func, SIZE_MAX,
		msg ? msg : wasm_trap_kind_message(kind));
}

/* Report the outcome of a call (status st, details in ex) into err. */
static void exec_report(const exec *ex, wasm_status st, wasm_error *err)
{
	if (!err || st == WASM_OK)
		return;
	if (st == WASM_ERR_EXIT) {
		rt_error(err, st, "exit %d", ex->exit_code);
		err->exit_code = ex->exit_code;
		return;
	}
	if (st != WASM_ERR_TRAP) {
		rt_error(err, st, "%s", wasm_status_name(st));
		return;
	}
	rt_error(err, st, "%s", ex->trap_msg[0] ? ex->trap_msg :
		wasm_trap_kind_message(ex->trap));
	err->trap = ex->trap;
	err->offset = ex->trap_offset;
	const wasm_func *f = ex->trap_func;
	if (f && f->inst) {
		err->func_index = f->index;
		size_t len;
		const char *name = module_func_name(f->inst->module, f->index,
			&len);
		if (name)
			wasm_name_format(name, len, err->func_name,
				sizeof err->func_name);
	}
}

/* ---- values <-> slots ------------------------------------------------ */

/* The value types a host function may take and give: every type, a v128
 * in two slots of its slot array (valtype_slots), as in every frame. */
static bool valtype_known(uint8_t t)
{
	switch (t) {
	case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64:
	case WASM_V128: case WASM_FUNCREF: case WASM_EXTERNREF:
		return true;
	default:
		return false;
	}
}

/* A value into the slots at out (valtype_slots(v->type) of them: a v128
 * two, its bytes 0..7 first); returns how many. */
static uint32_t value_to_slots(const wasm_value *v, uint64_t *out)
{
	switch (v->type) {
	case WASM_I32: out[0] = (uint32_t)v->of.i32; return 1;
	case WASM_I64: out[0] = (uint64_t)v->of.i64; return 1;
	case WASM_F32: out[0] = v->of.f32_bits; return 1;
	case WASM_F64: out[0] = v->of.f64_bits; return 1;
	case WASM_V128: memcpy(out, v->of.v128, 16); return 2;
	case WASM_FUNCREF:
	case WASM_EXTERNREF: out[0] = (uint64_t)(uintptr_t)v->of.ref; return 1;
	default: out[0] = 0; return 1;
	}
}

/* The value of type `type` in the slots at in; returns how many it took. */
static uint32_t slots_to_value(uint8_t type, const uint64_t *in, wasm_value *out)
{
	memset(out, 0, sizeof *out);
	out->type = (wasm_valtype)type;
	switch (type) {
	case WASM_I32: out->of.i32 = (int32_t)(uint32_t)in[0]; break;
	case WASM_I64: out->of.i64 = (int64_t)in[0]; break;
	case WASM_F32: out->of.f32_bits = (uint32_t)in[0]; break;
	case WASM_F64: out->of.f64_bits = in[0]; break;
	case WASM_V128: memcpy(out->of.v128, in, 16); break;
	case WASM_FUNCREF:
	case WASM_EXTERNREF: out->of.ref = (void *)(uintptr_t)in[0]; break;
	default: break;
	}
	return valtype_slots(type);
}

/* ---- stores ---------------------------------------------------------- */

bool store_own(wasm_store *s, void *obj, void (*free_fn)(void *))
{
	struct store_obj *o = malloc(sizeof *o);
	if (!o) {
		free_fn(obj);
		return false;
	}
	o->obj = obj;
	o->free_fn = free_fn;
	o->next = s->objs;
	s->objs = o;
	return true;
}

static void *store_map(size_t len_bytes)
{
	return reserve_take(len_bytes, PROT_READ | PROT_WRITE, NULL);
}

wasm_store *wasm_store_new(wasm_engine *engine)
{
	wasm_store *s = NULL, *ret = NULL;
	const wasm_config *cfg = engine_config(engine);

	trap_handler_install();
	s = calloc(1, sizeof *s);
	if (!s)
		goto out;
	s->engine = engine;
	exec *ex = &s->ex;
	ex->stack = store_map((size_t)cfg->max_stack_slots * sizeof *ex->stack);
	ex->frames = store_map((size_t)cfg->max_call_depth * sizeof *ex->frames);
	if (!ex->stack || !ex->frames)
		goto out;
	ex->stack_end = ex->stack + cfg->max_stack_slots;
	ex->frames_end = ex->frames + cfg->max_call_depth;
	ex->frame_top = ex->frames;
	ex->sp_free = ex->stack;
	ex->trap_offset = SIZE_MAX;
	wasm_store_set_deadline(s, NULL, 0);
	ret = s;
	s = NULL;
out:
	if (s)
		wasm_store_free(s);
	return ret;
}

void wasm_store_free(wasm_store *s)
{
	if (!s)
		return;
	const wasm_config *cfg = engine_config(s->engine);
	for (struct store_obj *o = s->objs, *next; o; o = next) {
		next = o->next;
		o->free_fn(o->obj);
		free(o);
	}
	size_t stack_bytes = (size_t)cfg->max_stack_slots * sizeof *s->ex.stack;
	size_t frames_bytes = (size_t)cfg->max_call_depth * sizeof *s->ex.frames;
	/* A stack that cannot be trimmed is not cached. */
	if (s->ex.stack && s->trim_stacks &&
	    !reserve_trim(s->ex.stack, stack_bytes)) {
		munmap(s->ex.stack, stack_bytes);
		s->ex.stack = NULL;
	}
	if (s->ex.frames && s->trim_stacks &&
	    !reserve_trim(s->ex.frames, frames_bytes)) {
		munmap(s->ex.frames, frames_bytes);
		s->ex.frames = NULL;
	}
	if (s->ex.stack)
		reserve_give(s->ex.stack, stack_bytes, PROT_READ | PROT_WRITE, 0);
	if (s->ex.frames)
		reserve_give(s->ex.frames, frames_bytes, PROT_READ | PROT_WRITE,
			0);
	free(s);
}

void wasm_store_trim_stacks(wasm_store *s)
{
	s->trim_stacks = true;
}

void wasm_store_set_max_memory_pages(wasm_store *s, uint32_t max_pages)
{
	s->max_memory_pages = max_pages;
}

static const uint64_t no_epoch = 0;

void wasm_store_set_deadline(wasm_store *s, const volatile uint64_t *epoch,
	uint64_t deadline)
{
	s->ex.epoch = epoch ? epoch : &no_epoch;
	s->ex.deadline = epoch ? deadline : UINT64_MAX;
}

void wasm_store_set_fuel(wasm_store *s, uint64_t fuel)
{
	s->ex.fuel = fuel;
}

uint64_t wasm_store_fuel(const wasm_store *s)
{
	return s->ex.fuel;
}

/* ---- globals --------------------------------------------------------- */

/* NULL for an unknown (or v128) type, or out of memory. */
wasm_global *wasm_global_new(wasm_store *store, wasm_value init, bool mut)
{
	if (!valtype_known(init.type) && init.type != WASM_V128)
		return NULL;
	wasm_global *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	value_to_slots(&init, &g->val);   /* a v128: val, then hi */
	g->type = (uint8_t)init.type;
	g->mut = mut;
	if (!store_own(store, g, free))
		return NULL;
	return g;
}

void wasm_global_get(const wasm_global *g, wasm_value *out)
{
	slots_to_value(g->type, &g->val, out);
}

/* ---- functions ------------------------------------------------------- */

static void host_func_free(void *p)
{
	wasm_func *f = p;
	free(f->host_type.types);
	free(f);
}

/* NULL on an unknown value type, too many params/results, or out of
 * memory. */
wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type,
	wasm_host_fn fn, void *env)
{
	wasm_func *f = NULL, *ret = NULL;
	uint32_t np = type->nparams, nr = type->nresults;

	if (!fn || np > LIMIT_FUNC_PARAMS || nr > LIMIT_FUNC_RESULTS)
		goto out;
	for (uint32_t i = 0; i < np; i++)
		if (!valtype_known(type->params[i]))
			goto out;
	for (uint32_t i = 0; i < nr; i++)
		if (!valtype_known(type->results[i]))
			goto out;
	f = calloc(1, sizeof *f);
	if (!f)
		goto out;
	f->host_type.types = malloc(np + nr + 1);
	if (!f->host_type.types)
		goto out;
	if (np)
		memcpy(f->host_type.types, type->params, np);
	if (nr)
		memcpy(f->host_type.types + np, type->results, nr);
	f->host_type.nparams = np;
	f->host_type.nresults = nr;
	f->host_type.id = engine_intern_type(store->engine, np,
		f->host_type.types, nr, f->host_type.types + np);
	if (f->host_type.id == UINT32_MAX)
		goto out;
	f->type_id = f->host_type.id;
	f->type = &f->host_type;
	f->index = WASM_NO_INDEX;
	f->host = fn;
	f->host_env = env;
	wasm_func *owned = f;
	f = NULL;
	if (!store_own(store, owned, host_func_free))
		goto out;
	ret = owned;
out:
	if (f)
		host_func_free(f);
	return ret;
}

void wasm_func_type(const wasm_func *f, wasm_functype *out)
{
	out->nparams = f->type->nparams;
	out->nresults = f->type->nresults;
	out->params = functype_params(f->type);
	out->results = functype_results(f->type);
}

/* The slots f's arguments and its results take (valtype_slots). */
static uint32_t func_param_slots(const wasm_func *f)
{
	return valtypes_slots(functype_params(f->type), f->type->nparams);
}

static uint32_t func_result_slots(const wasm_func *f)
{
	return valtypes_slots(functype_results(f->type), f->type->nresults);
}

static uint32_t func_slot_count(const wasm_func *f)
{
	uint32_t np = func_param_slots(f), nr = func_result_slots(f);
	return np > nr ? np : nr;
}

wasm_memory *wasm_call_memory(wasm_call_ctx *ctx)
{
	return ctx->inst ? ctx->inst->memory : NULL;
}

wasm_status wasm_call_trap(wasm_call_ctx *ctx, wasm_trap_kind kind,
	const char *message)
{
	return exec_trap(&ctx->store->ex, kind, message);
}

wasm_status wasm_call_exit(wasm_call_ctx *ctx, int exit_code)
{
	ctx->store->ex.exit_code = exit_code;
	return WASM_ERR_EXIT;
}

wasm_status store_call_host(wasm_store *s, wasm_func *f,
	wasm_instance *caller, uint64_t *slots)
{
	exec *ex = &s->ex;
	wasm_call_ctx ctx = { .store = s, .inst = caller };
	wasm_call_ctx *prev_ctx = s->ctx;
	uint64_t *prev_free = ex->sp_free;
	wasm_func *prev_func = ex->cur_func;

	/* A nested call from the host must not overwrite the caller's
	 * slots. */
	uint64_t *past = slots + func_slot_count(f);
	if (slots >= ex->stack && slots < ex->stack_end && past > ex->sp_free)
		ex->sp_free = past;
	/* The host's registers say nothing about wasm offsets: a fault in
	 * the host reports the host function, no offset. */
	ex->cur_func = f;
	ex->trap = WASM_TRAP_NONE;
	s->ctx = &ctx;
	wasm_status st = f->host(&ctx, f->host_env, slots);
	s->ctx = prev_ctx;
	ex->sp_free = prev_free;
	ex->cur_func = prev_func;

	switch (st) {
	case WASM_OK:
	case WASM_ERR_EXIT:
		break;
	case WASM_ERR_TRAP:
		/* Returned without wasm_call_trap(), or passing on a nested
		 * call's trap (then ex->trap is already set). */
		if (ex->trap == WASM_TRAP_NONE)
			st = exec_trap(ex, WASM_TRAP_HOST, "host function trapped");
		break;
	default: {
		char msg[64];
		snprintf(msg, sizeof msg, "host function failed: %s",
			wasm_status_name(st));
		st = exec_trap(ex, WASM_TRAP_HOST, msg);
		break;
	}
	}
	return st;
}

/* The part of store_call that a fault may unwind: everything between
 * installing the fault_jmp and returning.  sp is where wasm arguments go. */
static wasm_status store_call_guarded(wasm_store *s, wasm_func *f,
	uint64_t *slots, uint64_t *sp)
{
	exec *ex = &s->ex;
	sigjmp_buf jb;

	/* savemask = 0: saving the mask is a system call on every call.  The
	 * handler runs with the faulting signal blocked, so the trap path
	 * unblocks both fault signals itself (they cannot have been blocked
	 * on the way in: a blocked SIGSEGV on a fault kills the process). */
	if (sigsetjmp(jb, 0) != 0) {
		sigset_t faults;
		sigemptyset(&faults);
		sigaddset(&faults, SIGSEGV);
		sigaddset(&faults, SIGBUS);
		pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
		return WASM_ERR_TRAP; /* the fault handler filled ex->trap */
	}
	ex->fault_jmp = &jb;
	if (f->host)
		return store_call_host(s, f, NULL, slots);
	memcpy(sp, slots, func_param_slots(f) * sizeof *sp);
	wasm_status st = tier_call(s, f, sp);
	if (st == WASM_OK)
		memcpy(slots, sp, func_result_slots(f) * sizeof *sp);
	return st;
}

wasm_status store_call(wasm_store *s, wasm_func *f, uint64_t *slots,
	wasm_error *err)
{
	exec *ex = &s->ex;
	wasm_status st;
	uint64_t *sp = ex->sp_free;

	ex->trap = WASM_TRAP_NONE;
	ex->trap_msg[0] = '\0';
	if (ex->depth >= STORE_MAX_NESTED_CALLS) {
		st = exec_trap(ex, WASM_TRAP_STACK_OVERFLOW, NULL);
		goto out;
	}
	if (!f->host && (size_t)(ex->stack_end - sp) < func_slot_count(f)) {
		st = exec_trap(ex, WASM_TRAP_STACK_OVERFLOW, NULL);
		goto out;
	}

	/* Everything a trap may leave behind, restored below. */
	sigjmp_buf *prev_jmp = ex->fault_jmp;
	frame_rec *prev_top = ex->frame_top;
	wasm_func *prev_func = ex->cur_func;
	wasm_call_ctx *prev_ctx = s->ctx;
	wasm_store *prev_store = trap_enter(s);

	ex->depth++;
	ex->cur_func = f;
	st = store_call_guarded(s, f, slots, sp);
	ex->depth--;
	trap_enter(prev_store);
	s->ctx = prev_ctx;
	ex->cur_func = prev_func;
	ex->frame_top = prev_top;
	ex->sp_free = sp;
	ex->fault_jmp = prev_jmp;
out:
	exec_report(ex, st, err);
	return st;
}

wasm_status wasm_func_call(wasm_store *store, wasm_func *f,
	const wasm_value *args, size_t nargs, wasm_value *results,
	size_t nresults, wasm_error *err)
{
	wasm_status st;
	uint64_t inline_slots[CALL_INLINE_SLOTS], *slots = inline_slots;
	const functype *t = f->type;
	const uint8_t *params = functype_params(t), *res = functype_results(t);

	if (f->inst && f->inst->store != store) {
		st = rt_error(err, WASM_ERR_ARG,
			"function belongs to another store");
		goto out;
	}
	if (nargs != t->nparams) {
		st = rt_error(err, WASM_ERR_ARG,
			"expected %u arguments, got %zu", t->nparams, nargs);
		goto out;
	}
	if (nresults != t->nresults) {
		st = rt_error(err, WASM_ERR_ARG,
			"expected room for %u results, got %zu", t->nresults,
			nresults);
		goto out;
	}
	for (size_t i = 0; i < nargs; i++) {
		if (args[i].type != params[i]) {
			st = rt_error(err, WASM_ERR_ARG,
				"argument %zu: expected %s, got %s", i,
				wasm_valtype_name(params[i]),
				wasm_valtype_name(args[i].type));
			goto out;
		}
	}
	uint32_t nslots = func_slot_count(f);
	if (nslots > CALL_INLINE_SLOTS) {
		slots = calloc(nslots, sizeof *slots);
		if (!slots) {
			st = rt_error(err, WASM_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0, k = 0; i < nargs; i++)
		k += value_to_slots(&args[i], slots + k);
	st = store_call(store, f, slots, err);
	if (st != WASM_OK)
		goto out;
	for (size_t i = 0, k = 0; i < nresults; i++)
		k += slots_to_value(res[i], slots + k, &results[i]);
out:
	if (slots != inline_slots)
		free(slots);
	return st;
}

/* ---- instantiation --------------------------------------------------- */

/* Import matching for limits: the provided object's current size and max
 * against the import's declared limits. */
static bool limits_match(uint32_t min, bool has_max, uint32_t max,
	const wasm_limits *want)
{
	if (min < want->min)
		return false;
	if (want->has_max && (!has_max || max > want->max))
		return false;
	return true;
}

static bool import_matches(const wasm_module *m, const import_t *imp,
	const wasm_extern *x)
{
	switch (imp->kind) {
	case WASM_EXTERN_FUNC:
		return x->of.func->type_id == m->types[imp->index].id;
	case WASM_EXTERN_TABLE: {
		const wasm_table *t = x->of.table;
		const tabletype *want = &m->tables[imp->index];
		return t->elem == want->elem &&
			limits_match(t->size, t->max != UINT32_MAX, t->max,
				&want->limits);
	}
	case WASM_EXTERN_MEMORY: {
		const wasm_memory *mem = x->of.memory;
		return limits_match(mem->pages, mem->has_max, mem->max_pages,
			&m->memories[imp->index]);
	}
	case WASM_EXTERN_GLOBAL: {
		const wasm_global *g = x->of.global;
		const globaltype *want = &m->globals[imp->index];
		return g->type == want->type && g->mut == want->mut;
	}
	default:
		return false;
	}
}

static wasm_status instance_link_check(const wasm_module *m,
	const wasm_extern *imports, size_t nimports, wasm_error *err)
{
	if (nimports > m->nimports)
		return rt_error(err, WASM_ERR_ARG,
			"%zu imports given, the module has %u", nimports,
			m->nimports);
	for (uint32_t i = 0; i < m->nimports; i++) {
		const import_t *imp = &m->imports[i];
		const wasm_extern *x = i < nimports ? &imports[i] : NULL;
		/* Every member of the union is a pointer. */
		char mod[96], name[96];
		if (!x || !x->of.func || x->kind != imp->kind ||
		    !import_matches(m, imp, x)) {
			wasm_name_format(imp->module, imp->module_len, mod,
				sizeof mod);
			wasm_name_format(imp->name, imp->name_len, name,
				sizeof name);
		}
		if (!x || !x->of.func)
			return rt_error(err, WASM_ERR_LINK,
				"unknown import \"%s\" \"%s\"", mod, name);
		if (x->kind != imp->kind || !import_matches(m, imp, x))
			return rt_error(err, WASM_ERR_LINK,
				"incompatible import type \"%s\" \"%s\"",
				mod, name);
	}
	return WASM_OK;
}

static void instance_free(void *p)
{
	wasm_instance *inst = p;
	free(inst->funcs);
	free(inst->tables);
	free(inst->globals);
	free(inst->elem_dropped);
	free(inst->data_dropped);
	free(inst);
}

/* calloc that returns a valid pointer for n == 0 too. */
static void *rt_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* The instance and its index arrays, owned by the store from the start. */
static wasm_status instance_alloc(wasm_store *s, wasm_module *m,
	wasm_instance **out, wasm_error *err)
{
	wasm_instance *inst = calloc(1, sizeof *inst);
	if (!inst)
		return rt_error(err, WASM_ERR_NOMEM, "out of memory");
	inst->module = m;
	inst->store = s;
	inst->funcs = rt_calloc(m->nfuncs, sizeof *inst->funcs);
	inst->tables = rt_calloc(m->ntables, sizeof *inst->tables);
	inst->globals = rt_calloc(m->nglobals, sizeof *inst->globals);
	inst->elem_dropped = rt_calloc(m->nelems, 1);
	inst->data_dropped = rt_calloc(m->ndatas, 1);
	bool ok = inst->funcs && inst->tables && inst->globals &&
		inst->elem_dropped && inst->data_dropped;
	if (!store_own(s, inst, instance_free) || !ok)
		return rt_error(err, WASM_ERR_NOMEM, "out of memory");
	*out = inst;
	return WASM_OK;
}

static void instance_bind_imports(wasm_instance *inst,
	const wasm_extern *imports)
{
	const wasm_module *m = inst->module;
	uint32_t nf = 0, nt = 0, ng = 0;

	for (uint32_t i = 0; i < m->nimports; i++) {
		const wasm_extern *x = &imports[i];
		switch (m->imports[i].kind) {
		case WASM_EXTERN_FUNC: inst->funcs[nf++] = x->of.func; break;
		case WASM_EXTERN_TABLE: inst->tables[nt++] = x->of.table; break;
		case WASM_EXTERN_MEMORY:
			if (!inst->memory)
				inst->memory = x->of.memory;
			break;
		case WASM_EXTERN_GLOBAL: inst->globals[ng++] = x->of.global; break;
		default: break;
		}
	}
}

/* wasm_func objects for the defined functions, then the defined globals
 * (whose initialisers may name functions with ref.func). */
static wasm_status instance_make_funcs_globals(wasm_instance *inst,
	wasm_error *err)
{
	wasm_store *s = inst->store;
	const wasm_module *m = inst->module;
	uint32_t nfdef = m->nfuncs - m->nfunc_imports;
	uint32_t ngdef = m->nglobals - m->nglobal_imports;

	wasm_func *fs = rt_calloc(nfdef, sizeof *fs);
	if (!fs || !store_own(s, fs, free))
		return rt_error(err, WASM_ERR_NOMEM, "out of memory");
	for (uint32_t j = 0; j < nfdef; j++) {
		uint32_t i = m->nfunc_imports + j;
		const functype *t = &m->types[m->funcs[i].type];
		/* A million functions take 100 ms here, more on a busy
		 * machine: a deadline that passes meanwhile ends it with
		 * timeout, not with the sandbox's kill. */
		if ((j & 0xffff) == 0xffff && exec_past_deadline(&s->ex))
			return rt_trap(err, WASM_TRAP_TIMEOUT);
		fs[j] = (wasm_func){ .type_id = t->id, .type = t,
			.inst = inst, .index = i };
		inst->funcs[i] = &fs[j];
	}

	wasm_global *gs = rt_calloc(ngdef, sizeof *gs);
	if (!gs || !store_own(s, gs, free))
		return rt_error(err, WASM_ERR_NOMEM, "out of memory");
	for (uint32_t j = 0; j < ngdef; j++) {
		uint32_t i = m->nglobal_imports + j;
		gs[j].type = m->globals[i].type;
		gs[j].mut = m->globals[i].mut;
		gs[j].val = const_eval(inst, &m->global_inits[i]);
		gs[j].hi = const_eval_hi(inst, &m->global_inits[i]);
		inst->globals[i] = &gs[j];
	}
	return WASM_OK;
}

static wasm_status instance_make_tables_memory(wasm_instance *inst,
	wasm_error *err)
{
	wasm_store *s = inst->store;
	const wasm_module *m = inst->module;

	for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
		const tabletype *tt = &m->tables[i];
		if (tt->limits.min > LIMIT_TABLE_ELEMS)
			return rt_error(err, WASM_ERR_LIMIT,
				"table minimum exceeds the limit");
		inst->tables[i] = wasm_table_new(s, (wasm_valtype)tt->elem,
			tt->limits, NULL);
		if (!inst->tables[i])
			return rt_error(err, WASM_ERR_NOMEM, "out of memory");
	}
	if (m->nmemories > 1)
		return rt_error(err, WASM_ERR_UNSUPPORTED,
			"multiple memories");
	if (m->nmemories > m->nmemory_imports) {
		const wasm_limits *lim = &m->memories[0];
		if (lim->min > WASM_MAX_PAGES ||
		    (s->max_memory_pages && lim->min > s->max_memory_pages))
			return rt_error(err, WASM_ERR_LIMIT,
				"memory minimum exceeds the limit");
		inst->memory = wasm_memory_new(s, *lim);
		if (!inst->memory)
			return rt_error(err, WASM_ERR_NOMEM,
				"cannot reserve linear memory");
	}
	return WASM_OK;
}

/* Active segments act as table.init + elem.drop, declarative ones are
 * dropped, passive ones stay. */
static wasm_status instance_init_elems(wasm_instance *inst, wasm_error *err)
{
	const wasm_module *m = inst->module;

	for (uint32_t i = 0; i < m->nelems; i++) {
		const elem_t *e = &m->elems[i];
		if (e->mode == SEG_DECLARATIVE)
			inst->elem_dropped[i] = 1;
		if (e->mode != SEG_ACTIVE)
			continue;
		uint32_t off = (uint32_t)const_eval(inst, &e->offset);
		if (bulk_table_init(inst, e->table, i, off, 0, e->count))
			return rt_trap(err, WASM_TRAP_OUT_OF_BOUNDS_TABLE);
		inst->elem_dropped[i] = 1;
	}
	return WASM_OK;
}

/* Active segments act as memory.init + data.drop. */
static wasm_status instance_init_datas(wasm_instance *inst, wasm_error *err)
{
	const wasm_module *m = inst->module;

	for (uint32_t i = 0; i < m->ndatas; i++) {
		const data_t *d = &m->datas[i];
		if (d->mode != SEG_ACTIVE)
			continue;
		uint32_t off = (uint32_t)const_eval(inst, &d->offset);
		if (bulk_memory_init(inst, i, off, 0, d->len))
			return rt_trap(err, WASM_TRAP_OUT_OF_BOUNDS_MEMORY);
		inst->data_dropped[i] = 1;
	}
	return WASM_OK;
}

/* wasm_instance_new, or with snap: its state instead of the segments and
 * the start function (snapshot.c), when its memory can be mapped here. */
static wasm_status instance_build(wasm_store *s, wasm_module *m,
	const wasm_extern *imports, size_t nimports, const wasm_snapshot *snap,
	wasm_instance **out, wasm_error *err)
{
	wasm_status st;
	wasm_instance *inst = NULL;

	*out = NULL;
	if (m->engine != s->engine) {
		st = rt_error(err, WASM_ERR_ARG,
			"module and store belong to different engines");
		goto out;
	}
	st = instance_link_check(m, imports, nimports, err);
	if (st != WASM_OK)
		goto out;
	st = instance_alloc(s, m, &inst, err);
	if (st != WASM_OK)
		goto out;
	instance_bind_imports(inst, imports);
	st = instance_make_funcs_globals(inst, err);
	if (st != WASM_OK)
		goto out;
	st = instance_make_tables_memory(inst, err);
	if (st != WASM_OK)
		goto out;
	if (snap && snapshot_apply(inst, snap)) {
		inst->from_snapshot = true;
		*out = inst;
		goto out;
	}
	st = instance_init_elems(inst, err);
	if (st != WASM_OK)
		goto out;
	st = instance_init_datas(inst, err);
	if (st != WASM_OK)
		goto out;
	if (m->has_start) {
		uint64_t slot[1];
		st = store_call(s, inst->funcs[m->start], slot, err);
		if (st != WASM_OK)
			goto out;
	}
	*out = inst;
out:
	return st;
}

wasm_status wasm_instance_new(wasm_store *s, wasm_module *m,
	const wasm_extern *imports, size_t nimports, wasm_instance **out,
	wasm_error *err)
{
	return instance_build(s, m, imports, nimports, NULL, out, err);
}

wasm_status wasm_instance_new_from(wasm_store *s, wasm_module *m,
	const wasm_extern *imports, size_t nimports, const wasm_snapshot *snap,
	wasm_instance **out, wasm_error *err)
{
	if (snapshot_module(snap) != m) {
		*out = NULL;
		return rt_error(err, WASM_ERR_ARG, "the snapshot is of another "
			"module");
	}
	return instance_build(s, m, imports, nimports, snap, out, err);
}

bool wasm_instance_from_snapshot(const wasm_instance *inst)
{
	return inst->from_snapshot;
}

wasm_memory *wasm_instance_memory(const wasm_instance *inst)
{
	return inst->memory;
}

bool wasm_instance_export(const wasm_instance *inst, const char *name,
	wasm_extern *out)
{
	return wasm_instance_export_bytes(inst, name, strlen(name), out);
}

bool wasm_instance_export_bytes(const wasm_instance *inst, const char *name,
	size_t name_len, wasm_extern *out)
{
	const wasm_module *m = inst->module;

	for (uint32_t i = 0; i < m->nexports; i++) {
		const export_t *x = &m->exports[i];
		if (x->name_len != name_len || memcmp(x->name, name, name_len) != 0)
			continue;
		out->kind = (wasm_extern_kind)x->kind;
		switch (x->kind) {
		case WASM_EXTERN_FUNC: out->of.func = inst->funcs[x->index]; break;
		case WASM_EXTERN_TABLE: out->of.table = inst->tables[x->index]; break;
		case WASM_EXTERN_MEMORY: out->of.memory = inst->memory; break;
		case WASM_EXTERN_GLOBAL: out->of.global = inst->globals[x->index]; break;
		default: return false;
		}
		return true;
	}
	return false;
}

wasm_status wasm_instance_call(wasm_store *store, wasm_instance *inst,
	const char *name, const wasm_value *args, size_t nargs,
	wasm_value **results, uint32_t *nresults, wasm_error *err)
{
	return wasm_instance_call_bytes(store, inst, name, strlen(name), args,
		nargs, results, nresults, err);
}

wasm_status wasm_instance_call_bytes(wasm_store *store, wasm_instance *inst,
	const char *name_bytes, size_t name_len, const wasm_value *args,
	size_t nargs, wasm_value **results, uint32_t *nresults,
	wasm_error *err)
{
	wasm_extern ext;
	wasm_functype t;
	wasm_value *vals = NULL;
	wasm_status st;
	char name[128];   /* for the messages */

	*results = NULL;
	*nresults = 0;
	if (!wasm_instance_export_bytes(inst, name_bytes, name_len, &ext) ||
	    ext.kind != WASM_EXTERN_FUNC) {
		wasm_name_format(name_bytes, name_len, name, sizeof name);
		st = rt_error(err, WASM_ERR_ARG, "no exported function '%s'",
			name);
		goto out;
	}
	wasm_name_format(name_bytes, name_len, name, sizeof name);
	wasm_func_type(ext.of.func, &t);
	if (nargs != t.nparams) {
		st = rt_error(err, WASM_ERR_ARG, "%s expects %u arguments, "
			"got %zu", name, t.nparams, nargs);
		goto out;
	}
	for (uint32_t i = 0; i < t.nparams; i++) {
		if (args[i].type == t.params[i])
			continue;
		st = rt_error(err, WASM_ERR_ARG, "argument %u of %s: expected "
			"%s, got %s", i + 1, name,
			wasm_valtype_name((wasm_valtype)t.params[i]),
			wasm_valtype_name(args[i].type));
		goto out;
	}
	vals = calloc((size_t)t.nresults + 1, sizeof *vals);
	if (!vals) {
		st = rt_error(err, WASM_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = wasm_func_call(store, ext.of.func, args, nargs, vals, t.nresults,
		err);
	if (st != WASM_OK)
		goto out;
	*results = vals;
	*nresults = t.nresults;
	vals = NULL;
out:
	free(vals);
	return st;
}
