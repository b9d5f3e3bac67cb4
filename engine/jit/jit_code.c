/* jit_code.c -- tier 1's per-module state: code memory, the call vector,
 * the entry trampoline and the stubs all JIT functions of a module share,
 * the PC -> function map for the fault handler, statistics.
 *
 * Code memory is W^X (jit_mem): a module's functions are bump-allocated in
 * chunks that are read-execute except for the moment a new function is
 * copied in.  With wasm_config.code_region the chunks are pages of that
 * region (first fit, returned to PROT_NONE when the module is freed), so a
 * seccomp policy can allow PROT_EXEC there only.
 *
 * Thread safety: everything here is done by the thread that runs the
 * module (a module is not run by two threads at once): installing code,
 * swapping the call vector, the budgets.  Tier 2's compile thread only
 * makes machine code in its own buffers (jit/opt/opt_queue.c); the running
 * thread copies it in here at its next tier-up check, so code memory is
 * never written while another thread may run it, and a vector swap needs
 * no ordering beyond program order.  The engine code region is shared by
 * the engine's modules and has a lock.
 */
#include "jit/base/jit_baseline.h"
#include "jit/jit_mem.h"
#include "common/pairs.h"
#include "runtime/tier_ops.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef wasm_status (*jit_tramp_fn)(exec *ex, uint64_t *fp,
	const void *entry, wasm_instance *inst, uint8_t *mem, const void *osr);

typedef struct jit_chunk {
	struct jit_chunk *next;
	jit_mem mem;
	size_t used;            /* bytes handed out from mem.base */
	uint8_t *open_lo;       /* batch: [open_lo, end) is RW now, or NULL */
} jit_chunk;

struct jit_module {
	wasm_engine *engine;
	uint32_t nfuncs;
	void **vec_alloc;       /* JV_COUNT + nfuncs pointers, then the
	                           budgets */
	void **vec;             /* vec_alloc + JV_COUNT: the r12 of JIT code */
	int32_t *budget;        /* nfuncs hotness budgets, right after the
	                           vector (jit_hot_disp) */
	bool hot;               /* baseline code counts into budget */
	uint8_t hot_tier;       /* the tier it hands hot functions to */
	jit_func **funcs;       /* nfuncs; NULL = not compiled */
	uint8_t *refused;       /* nfuncs: bit 1 << tier if that tier
	                           refused the function, bit ASKED << tier
	                           while its compile is asked for */
	jit_chunk *chunks;      /* newest first */
	jit_tramp_fn tramp;
	/* statistics, per JIT tier (both install code here) */
	struct jit_tier_count {
		uint32_t ncompiled, nrefused;
		uint64_t wasm_bytes, code_bytes, compile_ns, osr;
		const char *reason;     /* the last refusal (static) */
	} count[WASM_TIER_COUNT];
	bool batch;             /* jit_batch_begin: one flip per chunk */
	bool batched;           /* a batch ran: never again, even if it
	                           compiled nothing */
	bool dead;              /* a batch's code could not be made
	                           executable: nothing here is used */
};

#define JIT_CHUNK_BYTES (256u * 1024u)
#define ASKED 0x10u
_Static_assert(WASM_TIER_COUNT <= 4, "refused and ASKED bits share a byte");

/* ---- the engine's code region ------------------------------------------ */

/* Free page runs of wasm_config.code_region, sorted by address. */
struct jit_region {
	pthread_mutex_t lock;
	uint8_t *base;
	size_t size;
	size_t nfree, cap;
	struct { size_t off, len; } *free;
};

static struct jit_region *region_get(wasm_engine *e)
{
	static pthread_mutex_t make_lock = PTHREAD_MUTEX_INITIALIZER;
	const wasm_config *cfg = engine_config(e);
	size_t page = jit_mem_page_size();

	if (!cfg->code_region || cfg->code_region_bytes < page)
		return NULL;
	pthread_mutex_lock(&make_lock);
	if (!e->jit_region) {
		struct jit_region *r = calloc(1, sizeof *r);
		if (r) {
			pthread_mutex_init(&r->lock, NULL);
			r->base = cfg->code_region;
			r->size = cfg->code_region_bytes & ~(page - 1);
			r->free = malloc(sizeof *r->free);
			if (r->free) {
				r->cap = r->nfree = 1;
				r->free[0].off = 0;
				r->free[0].len = r->size;
				e->jit_region = r;
			} else {
				free(r);
			}
		}
	}
	pthread_mutex_unlock(&make_lock);
	return e->jit_region;
}

/* First fit; NULL if no run is long enough. */
static void *region_alloc(struct jit_region *r, size_t len)
{
	void *p = NULL;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->nfree; i++) {
		if (r->free[i].len < len)
			continue;
		p = r->base + r->free[i].off;
		r->free[i].off += len;
		r->free[i].len -= len;
		if (r->free[i].len == 0) {
			memmove(&r->free[i], &r->free[i + 1],
				(r->nfree - i - 1) * sizeof *r->free);
			r->nfree--;
		}
		break;
	}
	pthread_mutex_unlock(&r->lock);
	return p;
}

static void region_release(struct jit_region *r, void *p, size_t len)
{
	size_t off = (size_t)((uint8_t *)p - r->base), i;
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->nfree && r->free[i].off < off; i++)
		;
	bool merge_prev = i > 0 && r->free[i - 1].off + r->free[i - 1].len == off;
	bool merge_next = i < r->nfree && off + len == r->free[i].off;
	if (merge_prev && merge_next) {
		r->free[i - 1].len += len + r->free[i].len;
		memmove(&r->free[i], &r->free[i + 1], (r->nfree - i - 1) * sizeof *r->free);
		r->nfree--;
	} else if (merge_prev) {
		r->free[i - 1].len += len;
	} else if (merge_next) {
		r->free[i].off = off;
		r->free[i].len += len;
	} else {
		if (r->nfree == r->cap) {
			size_t cap = r->cap * 2;
			void *nf = realloc(r->free, cap * sizeof *r->free);
			if (!nf)
				goto out;   /* the pages are lost to this engine */
			r->free = nf;
			r->cap = cap;
		}
		memmove(&r->free[i + 1], &r->free[i], (r->nfree - i) * sizeof *r->free);
		r->free[i].off = off;
		r->free[i].len = len;
		r->nfree++;
	}
out:
	pthread_mutex_unlock(&r->lock);
}

void jit_region_free(struct jit_region *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->free);
	free(r);
}

/* ---- chunks -------------------------------------------------------------- */

static void chunk_free(wasm_engine *e, jit_chunk *c)
{
	if (!c->mem.owned && c->mem.base) {
		void *base = c->mem.base;
		size_t size = c->mem.size;
		jit_mem_free(&c->mem);      /* back to PROT_NONE */
		region_release(e->jit_region, base, size);
	} else {
		jit_mem_free(&c->mem);
	}
	free(c);
}

static jit_chunk *chunk_new(wasm_engine *e, size_t need)
{
	size_t page = jit_mem_page_size();
	size_t size = need > JIT_CHUNK_BYTES ? need : JIT_CHUNK_BYTES;
	size = (size + page - 1) & ~(page - 1);
	jit_chunk *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	struct jit_region *r = region_get(e);
	bool ok;
	if (r) {
		void *p = region_alloc(r, size);
		ok = p && jit_mem_map(&c->mem, size, p, size);
		if (p && !ok)
			region_release(r, p, size);
	} else {
		ok = jit_mem_map(&c->mem, size, NULL, 0);
	}
	if (!ok || !jit_mem_seal(&c->mem)) {
		if (ok)
			chunk_free(e, c);
		else
			free(c);
		return NULL;
	}
	return c;
}

/* Batch mode: make the chunk's pages from the one holding `at` to its
 * end read-write once, and protect them read-execute again at the end. */
static bool chunk_open(jit_chunk *c, size_t at)
{
	size_t page = jit_mem_page_size();
	uint8_t *lo = c->mem.base + (at & ~(page - 1));
	if (c->open_lo && lo >= c->open_lo)
		return true;
	uint8_t *hi = c->mem.base + c->mem.size;
	if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_WRITE) != 0)
		return false;
	c->open_lo = lo;
	return true;
}

static bool chunk_close(jit_chunk *c)
{
	if (!c->open_lo)
		return true;
	uint8_t *lo = c->open_lo, *hi = c->mem.base + c->mem.size;
	c->open_lo = NULL;
	return mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_EXEC) == 0;
}

/* Copies len bytes of code into the module's code memory (16-aligned);
 * returns where, or NULL. */
static uint8_t *code_put(struct jit_module *jm, const void *code, size_t len)
{
	jit_chunk *c = jm->chunks;
	size_t at = c ? (c->used + 15) & ~(size_t)15 : 0;
	if (jm->batch && c && at + len > c->mem.size && !chunk_close(c))
		return NULL;
	if (!c || at + len > c->mem.size) {
		c = chunk_new(jm->engine, len);
		if (!c)
			return NULL;
		c->next = jm->chunks;
		jm->chunks = c;
		at = 0;
	}
	if (jm->batch) {
		if (!chunk_open(c, at))
			return NULL;
		memcpy(c->mem.base + at, code, len);
		c->used = at + len;
		return c->mem.base + at;
	}
	/* Only the pages the code goes to are made writable: an mprotect's
	 * cost (a TLB shootdown) grows with the range. */
	size_t page = jit_mem_page_size();
	uint8_t *lo = c->mem.base + (at & ~(page - 1));
	uint8_t *hi = c->mem.base + ((at + len + page - 1) & ~(page - 1));
	if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_WRITE) != 0)
		return NULL;
	memcpy(c->mem.base + at, code, len);
	if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_EXEC) != 0)
		return NULL;    /* those pages stay RW and are never run */
	c->used = at + len;
	return c->mem.base + at;
}

/* ---- module state, trampoline and stubs ---------------------------------- */

#define EXF(field) ((int32_t)offsetof(exec, field))
#define VEC(k) x64_mem_b(X64_R12, -8 * (k))

/*
 * trampoline(ex=rdi, fp=rsi, entry=rdx, inst=rcx, mem=r8, osr=r9):
 *   push rbp, rbx, r12..r15; push [ex->jit_unwind]; ex->jit_unwind = rsp
 *   set the pinned registers, call entry (osr stays in r9)
 *   eax = 0
 * exit:
 *   pop [ex->jit_unwind]; pop the saved registers; ret
 * unwind (JV_UNWIND, eax = status):
 *   rsp = ex->jit_unwind; jmp exit
 * trap (JV_TRAP, ecx = kind, edx = func, r8d = offset):
 *   jit_rt_trap(ex, inst, func, kind, offset); jmp unwind
 * thunk (JV_THUNK, called, eax = func index, rbx = its frame):
 *   jit_rt_call_interp(ex, inst, index, rbx); nonzero -> unwind; ret
 */
static bool stubs_emit(struct jit_module *jm)
{
	x64_buf b;
	x64_label l_exit = x64_label_new(), l_unwind = x64_label_new();
	x64_label l_trap = x64_label_new(), l_thunk = x64_label_new();
	static const x64_gpr saved[] = { X64_RBP, X64_RBX, X64_R12, X64_R13,
		X64_R14, X64_R15 };
	bool ok = false;

	x64_buf_init(&b, 512);
	for (size_t i = 0; i < sizeof saved / sizeof saved[0]; i++)
		x64_push_r(&b, saved[i]);
	x64_push_m(&b, x64_mem_b(X64_RDI, EXF(jit_unwind)));
	x64_mov_mr(&b, 8, x64_mem_b(X64_RDI, EXF(jit_unwind)), X64_RSP);
	x64_mov_rr(&b, 8, X64_R14, X64_RDI);
	x64_mov_rr(&b, 8, X64_RBX, X64_RSI);
	x64_mov_rr(&b, 8, X64_R13, X64_RCX);
	x64_mov_rr(&b, 8, X64_R15, X64_R8);
	x64_movabs_ri(&b, X64_R12, (int64_t)(uintptr_t)jm->vec);
	x64_call_r(&b, X64_RDX);
	x64_alu_rr(&b, X64_ALU_XOR, 4, X64_RAX, X64_RAX);
	x64_label_bind(&b, &l_exit);
	/* pop [r14 + jit_unwind] through a scratch register */
	x64_pop_r(&b, X64_RCX);
	x64_mov_mr(&b, 8, x64_mem_b(X64_R14, EXF(jit_unwind)), X64_RCX);
	for (size_t i = sizeof saved / sizeof saved[0]; i-- > 0;)
		x64_pop_r(&b, saved[i]);
	x64_ret(&b);

	x64_align(&b, 16);
	x64_label_bind(&b, &l_unwind);
	x64_mov_rm(&b, 8, X64_RSP, x64_mem_b(X64_R14, EXF(jit_unwind)));
	x64_jmp(&b, &l_exit);

	x64_align(&b, 16);
	x64_label_bind(&b, &l_trap);
	x64_mov_rr(&b, 8, X64_RDI, X64_R14);
	x64_mov_rr(&b, 8, X64_RSI, X64_R13);
	/* edx = func, ecx = kind, r8d = offset: already the 3rd..5th args */
	x64_call_abs(&b, X64_RAX, (const void *)jit_rt_trap);
	x64_jmp(&b, &l_unwind);

	x64_align(&b, 16);
	x64_label_bind(&b, &l_thunk);
	x64_push_r(&b, X64_RBP);            /* realign to 16 */
	x64_mov_rr(&b, 8, X64_RDI, X64_R14);
	x64_mov_rr(&b, 8, X64_RSI, X64_R13);
	x64_mov_rr(&b, 4, X64_RDX, X64_RAX);
	x64_mov_rr(&b, 8, X64_RCX, X64_RBX);
	x64_call_abs(&b, X64_RAX, (const void *)jit_rt_call_interp);
	x64_pop_r(&b, X64_RBP);
	x64_test_rr(&b, 4, X64_RAX, X64_RAX);
	x64_jcc(&b, X64_CC_NE, &l_unwind);
	x64_ret(&b);

	ok = false;
	if (x64_buf_err(&b) == X64_OK) {
		uint8_t *at = code_put(jm, b.code, b.len);
		if (at) {
			jm->tramp = (jit_tramp_fn)(void *)at;
			jm->vec[-JV_UNWIND] = at + l_unwind.pos;
			jm->vec[-JV_TRAP] = at + l_trap.pos;
			jm->vec[-JV_THUNK] = at + l_thunk.pos;
			ok = true;
		}
	}
	x64_buf_free(&b);
	return ok;
}

/* The tier baseline code hands hot functions to (--tier=auto), if any:
 * the first tier above the baseline with a hot operation. */
static const tier_ops *hot_tier(const wasm_engine *e)
{
	if (engine_config(e)->tier != WASM_TIER_AUTO)
		return NULL;
	for (int t = WASM_TIER_BASELINE + 1; t < WASM_TIER_COUNT; t++)
		if (tier_table[t] && tier_table[t]->hot && tier_table[t]->threshold)
			return tier_table[t];
	return NULL;
}

static void hot_init(struct jit_module *jm)
{
	const tier_ops *up = hot_tier(jm->engine);
	uint32_t at = up ? up->threshold(jm->engine) : UINT32_MAX;
	if (!up || at == UINT32_MAX)
		return;
	jm->hot = true;
	jm->hot_tier = (uint8_t)up->tier;
	jm->vec[-JV_HOT] = (void *)up->hot;
	for (uint32_t i = 0; i < jm->nfuncs; i++)
		jm->budget[i] = at > INT32_MAX ? INT32_MAX : (int32_t)at;
}

bool jit_hot_counts(wasm_module *m, uint32_t func_index)
{
	struct jit_module *jm = jit_module_get(m);
	return jm && jm->hot &&
		!(jm->refused[func_index] & (1u << jm->hot_tier));
}

int32_t jit_hot_disp(const wasm_module *m, uint32_t func_index)
{
	return (int32_t)(8 * m->nfuncs + 4 * func_index);
}

void jit_hot_budget_set(wasm_module *m, uint32_t func_index, int32_t budget)
{
	if (m->jit)
		m->jit->budget[func_index] = budget;
}

struct jit_module *jit_module_get(wasm_module *m)
{
	if (m->jit)
		return m->jit;
	struct jit_module *jm = calloc(1, sizeof *jm);
	if (!jm)
		return NULL;
	jm->engine = m->engine;
	jm->nfuncs = m->nfuncs;
	jm->vec_alloc = calloc((size_t)JV_COUNT + m->nfuncs + (m->nfuncs + 1) / 2,
		sizeof *jm->vec_alloc);
	jm->funcs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *jm->funcs);
	jm->refused = calloc(m->nfuncs ? m->nfuncs : 1, 1);
	if (!jm->vec_alloc || !jm->funcs || !jm->refused)
		goto fail;
	jm->vec = jm->vec_alloc + JV_COUNT;
	jm->vec[-JV_CALL_IMPORT] = (void *)jit_rt_call_import;
	jm->vec[-JV_CALL_FUNC] = (void *)jit_rt_call_func;
	jm->vec[-JV_SLOW_OP] = (void *)jit_rt_slow_op;
	jm->budget = (int32_t *)(void *)(jm->vec + m->nfuncs);
	hot_init(jm);
	if (!stubs_emit(jm))
		goto fail;
	for (uint32_t i = 0; i < m->nfuncs; i++)
		jm->vec[i] = jm->vec[-JV_THUNK];
	m->jit = jm;
	return jm;
fail:
	jit_module_free(jm);
	return NULL;
}

void jit_module_free(struct jit_module *jm)
{
	if (!jm)
		return;
	for (uint32_t i = 0; i < jm->nfuncs && jm->funcs; i++) {
		for (jit_func *f = jm->funcs[i], *next; f; f = next) {
			next = (jit_func *)f->replaced;
			free(f->pc);
			free((void *)f->pc_func);
			free(f->loops);
			free(f);
		}
	}
	for (jit_chunk *c = jm->chunks, *next; c; c = next) {
		next = c->next;
		chunk_free(jm->engine, c);
	}
	free(jm->funcs);
	free(jm->refused);
	free(jm->vec_alloc);
	free(jm);
}

const jit_func *jit_func_get(const wasm_module *m, uint32_t func_index)
{
	return m->jit && !m->jit->dead ? m->jit->funcs[func_index] : NULL;
}

bool jit_func_refused(const wasm_module *m, uint32_t func_index)
{
	return jit_tier_refused(m, WASM_TIER_BASELINE, func_index);
}

bool jit_tier_refused(const wasm_module *m, wasm_tier tier,
	uint32_t func_index)
{
	return m->jit && (m->jit->refused[func_index] & (1u << tier));
}

bool jit_tier_asked(const wasm_module *m, wasm_tier tier, uint32_t func_index)
{
	return m->jit && (m->jit->refused[func_index] & (ASKED << tier));
}

void jit_tier_ask(wasm_module *m, wasm_tier tier, uint32_t func_index, bool on)
{
	struct jit_module *jm = jit_module_get(m);
	if (!jm)
		return;
	if (on)
		jm->refused[func_index] |= (uint8_t)(ASKED << tier);
	else
		jm->refused[func_index] &= (uint8_t)~(ASKED << tier);
}

/* One line of the perf symbol map (wasm_config.perf_map) for f. */
static void perf_map_line(const wasm_module *m, const jit_func *f,
	uint32_t func_index)
{
	FILE *map = engine_config(m->engine)->perf_map;
	if (!map)
		return;
	size_t len;
	const char *name = module_func_name(m, func_index, &len);
	char shown[128];
	wasm_name_format(name ? name : "", name ? len : 0, shown, sizeof shown);
	fprintf(map, "%lx %x wasm[%u]%s%s %s\n", (unsigned long)(uintptr_t)f->code,
		f->size, func_index, name ? " " : "", shown,
		wasm_tier_name((wasm_tier)f->tier));
	fflush(map);
}

/* Whether code of `tier` made with flags may take old's place in the
 * call vector: old is a lower tier's, or the same tier's code that counts
 * the budget (the baseline's again, without counting, once the tier above
 * refused the function) or that has OSR entries where the new has none
 * (tier 2's code for later calls, after the code a frame entered by
 * OSR). */
static bool replaces(const jit_func *old, wasm_tier tier, unsigned flags)
{
	return !old || old->tier < tier || (old->tier == tier && (old->counts ||
		(old->osr_code && !(flags & JIT_OSR_CODE))));
}

const jit_func *jit_install(wasm_module *m, uint32_t func_index,
	wasm_tier tier, const uint8_t *code, size_t len, uint32_t osr_off,
	uint32_t (*pc)[2], uint32_t npc, uint32_t (*loops)[2], uint32_t nloops,
	uint64_t compile_ns, unsigned flags)
{
	struct jit_module *jm = jit_module_get(m);
	jit_func *f = calloc(1, sizeof *f);
	uint8_t *at = NULL;
	/* The replaced code may still be on the stack (a running activation,
	 * a caller's frame): the new code keeps it (jit_func.replaced), where
	 * the fault handler still finds it, and it is freed with the module.
	 * Code JIT_BEHIND goes behind the current code, of its tier, in that
	 * chain, and the call vector stays. */
	jit_func *old = jm ? jm->funcs[func_index] : NULL;
	bool behind = (flags & JIT_BEHIND) != 0;
	if (behind ? !old || old->tier != tier : !replaces(old, tier, flags)) {
		free(f);
		free(pc);
		free(loops);
		return NULL;
	}
	if (jm && f)
		at = code_put(jm, code, len);
	if (!at) {
		/* No room for the code (the code region is full, or memory for
		 * a chunk could not be had): recorded once, and the function
		 * stays in its tier instead of being compiled again each time
		 * its counter comes round.  (Code of the tier it has already,
		 * without the budget check: not a refusal, it keeps that.) */
		if (jm && f && !(old && old->tier == tier))
			jit_tier_refuse(m, tier, func_index,
				"no room for JIT code");
		free(f);
		free(pc);
		free(loops);
		return NULL;
	}
	f->code = at;
	f->tier = tier;
	f->counts = (flags & JIT_COUNTS) != 0;
	f->osr_code = (flags & JIT_OSR_CODE) != 0;
	f->osr_for = UINT32_MAX;
	f->osr_entry = at + osr_off;
	f->size = (uint32_t)len;
	f->pc = pc;
	f->npc = npc;
	f->loops = loops;
	f->nloops = nloops;
	if (behind) {
		f->replaced = old->replaced;
		old->replaced = f;
	} else {
		f->replaced = old;
		jm->funcs[func_index] = f;
		jm->vec[func_index] = (void *)at;    /* tier-up: the pointer swap */
	}
	if (old)        /* running activations of old: over at their next
	                   LOOP (tier_ops.hot moves them by OSR) */
		jm->budget[func_index] = 0;
	perf_map_line(m, f, func_index);
	const func_t *fn = &m->funcs[func_index];
	struct jit_tier_count *n = &jm->count[tier];
	if (!old || old->tier != tier) {    /* a function counts once */
		n->ncompiled++;
		n->wasm_bytes += fn->body_end - fn->body_offset;
	}
	n->code_bytes += len;
	n->compile_ns += compile_ns;
	return f;
}

bool jit_batch_begin(wasm_module *m)
{
	struct jit_module *jm = jit_module_get(m);
	if (!jm || jm->batched)
		return false;
	for (int t = 0; t < WASM_TIER_COUNT; t++)
		if (jm->count[t].ncompiled)
			return false;
	jm->batch = jm->batched = true;
	return true;
}

bool jit_batch_end(wasm_module *m)
{
	struct jit_module *jm = m->jit;
	bool ok = true;
	if (!jm || !jm->batch)
		return true;
	jm->batch = false;
	for (jit_chunk *c = jm->chunks; c; c = c->next)
		ok = chunk_close(c) && ok;
	if (!ok) {
		/* Some code (maybe the stubs) is not executable: the module
		 * stays interpreted, and no JIT tier tries it again. */
		jm->dead = true;
		for (int t = WASM_TIER_INTERP + 1; t < WASM_TIER_COUNT; t++)
			for (uint32_t i = 0; i < jm->nfuncs; i++)
				jit_tier_refuse(m, (wasm_tier)t, i,
					"cannot make JIT code executable");
	}
	return ok;
}

void jit_compile_module(wasm_module *m, const exec *ex,
	bool (*compile_one)(wasm_module *m, uint32_t func_index))
{
	if (!jit_batch_begin(m))
		return;
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
		/* The running code's own check, once a function: a module of
		 * a million functions takes seconds to compile, and the call
		 * that asked for it must still end with timeout on time.
		 * Whatever is compiled stays; the rest is compiled a function
		 * at a time when called (the batch does not run again). */
		if (exec_past_deadline(ex))
			break;
		if (fcode_get(m, i) && !jit_func_get(m, i))
			(void)compile_one(m, i);
	}
	/* On failure the module stays interpreted (jit_batch_end). */
	(void)jit_batch_end(m);
}

void jit_refuse(wasm_module *m, uint32_t func_index, const char *reason)
{
	jit_tier_refuse(m, WASM_TIER_BASELINE, func_index, reason);
}

void jit_tier_refuse(wasm_module *m, wasm_tier tier, uint32_t func_index,
	const char *reason)
{
	struct jit_module *jm = jit_module_get(m);
	if (!jm || (jm->refused[func_index] & (1u << tier)))
		return;
	jm->refused[func_index] |= (uint8_t)(1u << tier);
	struct jit_tier_count *n = &jm->count[tier];
	n->nrefused++;
	n->reason = reason;
}

/* ---- running ------------------------------------------------------------- */

wasm_status jit_run(wasm_store *s, wasm_func *f, uint64_t *fp,
	const void *osr_target)
{
	return jit_run_in(s, f, f->inst->module->jit->funcs[f->index], fp,
		osr_target);
}

wasm_status jit_run_in(wasm_store *s, wasm_func *f, const jit_func *jf,
	uint64_t *fp, const void *osr_target)
{
	exec *ex = &s->ex;
	wasm_instance *inst = f->inst;
	struct jit_module *jm = inst->module->jit;
	uint8_t dummy;

	ex->jit_stack_limit = jit_rt_stack_limit();
	if ((uintptr_t)&dummy < ex->jit_stack_limit + 4096) {
		return trap_record(ex, WASM_TRAP_STACK_OVERFLOW, f, SIZE_MAX,
			NULL);
	}
	wasm_func *prev_func = ex->cur_func;
	void *prev_unwind = ex->jit_unwind;
	ex->cur_func = f;
	wasm_status st = jm->tramp(ex, fp, osr_target ? jf->osr_entry : jf->code,
		inst, inst->memory ? inst->memory->base : NULL, osr_target);
	ex->cur_func = prev_func;
	ex->jit_unwind = prev_unwind;
	return st;
}

/* ---- lookups and statistics -------------------------------------------------- */

void jit_set_pc_funcs(const jit_func *jf, uint32_t *pc_func)
{
	jit_func *f = (jit_func *)jf;   /* the module's own, just made */
	free((void *)f->pc_func);
	f->pc_func = pc_func;
}

void jit_set_osr_for(const jit_func *jf, uint32_t loop_off)
{
	((jit_func *)jf)->osr_for = loop_off;  /* the module's own, just made */
}

bool jit_fault_lookup(const exec *ex, uintptr_t pc, uint32_t *func_index,
	size_t *wasm_offset)
{
	const wasm_func *cur = ex->cur_func;
	if (!cur || !cur->inst)
		return false;
	const wasm_module *m = cur->inst->module;
	const struct jit_module *jm = m->jit;
	if (!jm)
		return false;
	for (uint32_t i = 0; i < jm->nfuncs; i++) {
		const jit_func *f = jm->funcs[i];
		while (f && (pc < (uintptr_t)f->code ||
		       pc - (uintptr_t)f->code >= f->size))
			f = f->replaced;
		if (!f)
			continue;
		uint32_t off = (uint32_t)(pc - (uintptr_t)f->code);
		*func_index = i;
		*wasm_offset = SIZE_MAX;
		uint32_t lo = pairs_at_or_before(f->pc, f->npc, off);
		if (lo == UINT32_MAX)
			return true;
		if (f->pc_func && f->pc_func[lo] < m->nfuncs)
			*func_index = f->pc_func[lo];   /* inlined code */
		const struct fcode *fc = m->funcs[*func_index].code;
		if (fc)
			*wasm_offset = fcode_wasm_offset(fc, fc->code + f->pc[lo][1]);
		return true;
	}
	return false;
}

void jit_stats_get(const wasm_module *m, wasm_module_stats *out)
{
	jit_tier_stats_get(m, WASM_TIER_BASELINE, out);
}

void jit_tier_stats_get(const wasm_module *m, wasm_tier tier,
	wasm_module_stats *out)
{
	const struct jit_module *jm = m->jit;
	if (!jm)
		return;
	const struct jit_tier_count *n = &jm->count[tier];
	wasm_tier_stats *t = &out->tiers[tier];
	t->nfuncs = n->ncompiled;
	t->nfuncs_refused = n->nrefused;
	t->wasm_bytes = n->wasm_bytes;
	t->code_bytes = n->code_bytes;
	t->compile_ns = n->compile_ns;
	t->osr_entries = n->osr;
	out->refused_reason[tier] = n->reason;
}

void jit_count_osr(wasm_module *m, wasm_tier tier)
{
	if (m->jit)
		m->jit->count[tier].osr++;
}
