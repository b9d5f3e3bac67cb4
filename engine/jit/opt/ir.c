/* ir.c -- the IR's tables (expansions of IR_OPS and IR_TYPES), building
 * blocks and instructions, edges, dominators. */
#include "jit/opt/ir.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(IR_OP_COUNT_ <= 256, "ir_func.opc holds an op in a byte");

const ir_op_info ir_ops[IR_OP_COUNT_] = {
#define IR_INFO_(op, s, n, k0, k1, k2, r, c, e) [IR_##op] = { s, n, \
	{ IRK_##k0, IRK_##k1, IRK_##k2 }, IRR_##r, IRC_##c, (uint8_t)(e) },
	IR_OPS(IR_INFO_)
#undef IR_INFO_
};

const char *const ir_type_names[IRT_COUNT_] = {
#define IR_NAME_(t, s, n) [IRT_##t] = s,
	IR_TYPES(IR_NAME_)
#undef IR_NAME_
};

const uint8_t ir_type_bytes[IRT_COUNT_] = {
#define IR_BYTES_(t, s, n) [IRT_##t] = n,
	IR_TYPES(IR_BYTES_)
#undef IR_BYTES_
};

/* ---- growing arrays --------------------------------------------------------- */

static bool grow(ir_func *f, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (ir_grow(p, cap, need, elem))
		return true;
	f->oom = true;
	return false;
}

/* ---- the IR's memory (ir_mem) ----------------------------------------------
 * A class k block is 16 << k bytes, 16-aligned (a free block holds the
 * next one's address).  Chunks are cut in order and go back to malloc
 * with the function.  (A thread kept up to 1 MiB of them for its next
 * function until the IR was freed before register allocation: given
 * back, allocation's arrays reuse their pages, and the next function's
 * chunks those allocation gave back -- the 15 bench modules' compiles
 * 4,766 -> 4,497 page faults.) */
struct ir_chunk {
	struct ir_chunk *next;
	size_t size;            /* bytes after the header */
};

#define IR_MEM_HDR ((sizeof(struct ir_chunk) + 15) & ~(size_t)15)
#define IR_MEM_MIN_CHUNK (16u << 10)

static void mem_close(ir_mem *m)
{
	while (m->used) {
		struct ir_chunk *n = m->used->next;
		free(m->used);
		m->used = n;
	}
}

/* The class of an array of n bytes (n > 0): the k with 16 << k the
 * least power of two >= n, 16 at least. */
static unsigned mem_class(size_t n)
{
	return n <= 16 ? 0 : (unsigned)(64 - __builtin_clzll((unsigned long long)n - 1)) - 4;
}

/* A block of class k; NULL (f->oom) if out of memory. */
static void *mem_alloc(ir_func *f, unsigned k)
{
	ir_mem *m = &f->mem;
	size_t n = (size_t)16 << k;
	if (k >= IR_MEM_CLASSES) {
		f->oom = true;
		return NULL;
	}
	if (m->free[k]) {
		void *p = m->free[k];
		m->free[k] = *(void **)p;
		return p;
	}
	if (!m->used || m->used->size - m->off < n) {
		/* a new chunk (what is left of the current one is not used
		 * again) */
		size_t size = m->used ? 2 * m->used->size : IR_MEM_MIN_CHUNK;
		if (size < n)
			size = n;
		struct ir_chunk *c = malloc(IR_MEM_HDR + size);
		if (!c) {
			f->oom = true;
			return NULL;
		}
		c->size = size;
		c->next = m->used;
		m->used = c;
		m->off = 0;
	}
	void *p = (char *)m->used + IR_MEM_HDR + m->off;
	m->off += n;
	return p;
}

static void mem_free(ir_func *f, void *p, unsigned k)
{
	*(void **)p = f->mem.free[k];
	f->mem.free[k] = p;
}

/* ---- the passes' scratch (ir_tmp_alloc) ------------------------------------------
 * Earlier the arrays came from ir_mem's classes: fewer instructions than
 * malloc's, but each class's block kept, so gvn's and loadelim's large
 * arrays sat beside each other in ever larger fresh chunks (printf_core's
 * cold compile 365 -> 407 page faults).  A stack reuses the same bytes
 * for every pass. */

#define IR_TMP_ALIGN 16

void *ir_tmp_alloc(ir_func *f, size_t bytes)
{
	size_t n = (bytes + IR_TMP_ALIGN - 1) & ~(size_t)(IR_TMP_ALIGN - 1);
	if (!n)
		n = IR_TMP_ALIGN;
	if (f->tmp_used + n > f->tmp_want)
		f->tmp_want = f->tmp_used + n;
	if (!f->tmp_used && (f->tmp_want > f->tmp_cap || !f->tmp)) {
		/* empty: the buffer grows to half again the most a stack
		 * asked for, and starts at what the largest stacks take
		 * (GVN's: about 40 bytes a value and 24 a block); bytes
		 * never used cost no page */
		size_t cap = f->tmp_want + f->tmp_want / 2,
		       guess = 48 * (size_t)f->nv + 32 * (size_t)f->nb + 1024;
		if (!f->tmp && cap < guess)
			cap = guess;
		char *nt = malloc(cap);
		if (nt) {
			free(f->tmp);
			f->tmp = nt;
			f->tmp_cap = cap;
		}
	}
	void *p;
	if (f->tmp_used + n <= f->tmp_cap) {
		p = f->tmp + f->tmp_used;
		f->tmp_used += n;
	} else if (!(p = malloc(n))) {
		f->oom = true;
	}
	return p;
}

void *ir_tmp_zalloc(ir_func *f, size_t bytes)
{
	void *p = ir_tmp_alloc(f, bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

void ir_tmp_free(ir_func *f, void *p)
{
	if (!p)
		return;
	if ((char *)p >= f->tmp && (char *)p < f->tmp + f->tmp_cap)
		f->tmp_used = (size_t)((char *)p - f->tmp);    /* p and all above */
	else
		free(p);
}

void ir_tmp_release(ir_func *f)
{
	free(f->tmp);
	f->tmp = NULL;
	f->tmp_cap = f->tmp_used = 0;
}

/* Lists hold 4 entries at first (16 bytes: most blocks have one or two
 * predecessors and successors), then double: capacity 4 << k is class k. */
bool ir_list_grow(ir_func *f, uint32_t **list, uint32_t *cap, uint32_t need)
{
	if (need <= *cap)
		return true;
	uint32_t ncap = *cap ? *cap * 2 : 4;
	while (ncap < need)
		ncap *= 2;
	uint32_t *nl = mem_alloc(f, mem_class((size_t)ncap * sizeof *nl));
	if (!nl)
		return false;
	if (*cap) {
		memcpy(nl, *list, (size_t)*cap * sizeof *nl);
		mem_free(f, *list, mem_class((size_t)*cap * sizeof *nl));
	}
	*list = nl;
	*cap = ncap;
	return true;
}

/* The operands of an instruction with nargs > IR_INLINE_ARGS. */
static ir_ref *va_alloc(ir_func *f, uint32_t nargs)
{
	return mem_alloc(f, mem_class((size_t)nargs * sizeof(ir_ref)));
}

static void va_free(ir_func *f, ir_ref *va, uint32_t nargs)
{
	mem_free(f, va, mem_class((size_t)nargs * sizeof(ir_ref)));
}

ir_func *ir_func_new(uint32_t func_index)
{
	ir_func *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->func_index = func_index;
	f->nv = 1;                      /* v[0] is IR_NONE */
	if (!grow(f, (void **)&f->v, &f->cap_v, 64, sizeof *f->v) ||
	    !(f->opc = malloc(f->cap_v))) {
		free(f->v);
		mem_close(&f->mem);
		free(f);
		return NULL;
	}
	memset(&f->v[0], 0, sizeof f->v[0]);
	f->opc[0] = IR_NOP;
	f->cap_opc = f->cap_v;
	return f;
}

void ir_func_free(ir_func *f)
{
	if (!f)
		return;
	mem_close(&f->mem);     /* the lists and operand arrays */
	for (uint32_t i = 0; i < f->nosr; i++)
		free(f->osr[i].slot);
	free(f->osr);
	free(f->v);
	free(f->opc);
	free(f->inl);
	free(f->b);
	free(f->rpo);
	free(f->ktab);
	free(f->tmp);
	free(f->result_types);
	free(f);
}

/* ---- blocks and instructions ----------------------------------------------- */

uint32_t ir_block_new(ir_func *f)
{
	if (!grow(f, (void **)&f->b, &f->cap_b, f->nb + 1, sizeof *f->b))
		return 0;
	memset(&f->b[f->nb], 0, sizeof f->b[f->nb]);
	f->cfg_gen++;
	return f->nb++;
}

/* The instructions' array starts at 64 (an inlined callee's bounded
 * build needs no more) and then goes to IR_V_SECOND at once: doubling
 * through 128 .. 1024 copied most functions' arrays four times, and the
 * part of a larger array not written costs no page. */
#define IR_V_SECOND 1024

/* f->v grown to hold one more instruction, and f->opc (out of line:
 * rare).  The builder reserves v itself (ir_build.c), so opc keeps its
 * own count and follows v's whenever it is short. */
static __attribute__((noinline)) bool grow_v(ir_func *f)
{
	if (f->nv == f->cap_v && !grow(f, (void **)&f->v, &f->cap_v,
	    f->cap_v < IR_V_SECOND ? IR_V_SECOND : f->nv + 1, sizeof *f->v))
		return false;
	if (f->nv < f->cap_opc)
		return true;
	uint8_t *opc = realloc(f->opc, f->cap_v);
	if (!opc) {
		f->oom = true;
		return false;
	}
	f->opc = opc;
	f->cap_opc = f->cap_v;
	return true;
}

bool ir_reserve_v(ir_func *f, uint32_t n)
{
	if (n <= f->cap_v)
		return true;
	ir_insn *v = realloc(f->v, (size_t)n * sizeof *v);
	if (!v) {
		f->oom = true;
		return false;
	}
	f->v = v;
	f->cap_v = n;   /* f->opc follows when it is short (grow_v) */
	return true;
}

/* (inline in ir_emit, the builder's and the passes' most frequent
 * maker of instructions) */
static inline __attribute__((always_inline)) ir_ref insn_new(ir_func *f,
	enum ir_op op, enum ir_type type, uint32_t nargs)
{
	if (f->nv >= f->cap_opc && !grow_v(f))     /* (cap_opc <= cap_v) */
		return IR_NONE;
	if (nargs > IR_MAX_ARGS) {
		f->oom = true;
		return IR_NONE;
	}
	ir_insn *i = &f->v[f->nv];
	memset(i, 0, sizeof *i);
	i->op = (uint8_t)op;
	i->type = (uint8_t)type;
	i->block = UINT32_MAX;
	if (nargs > IR_INLINE_ARGS) {
		ir_ref *va = va_alloc(f, nargs);
		if (!va)
			return IR_NONE;
		memset(va, 0, nargs * sizeof *va);
		i->u.va = va;
	}
	i->nargs = (uint16_t)nargs;
	f->ncopy += op == IR_COPY;
	f->nnop += op == IR_NOP;
	f->opc[f->nv] = (uint8_t)op;
	return f->nv++;
}

/* r into b's list at pos; the list grown out of line (most appends
 * find room: inline, ir_append and ir_emit make no call for them). */
static inline __attribute__((always_inline)) void place(ir_func *f, uint32_t b,
	uint32_t pos, ir_ref r)
{
	ir_block *bl = &f->b[b];
	if (r == IR_NONE || (bl->ninsn == bl->cap_insn &&
	    !ir_list_grow(f, &bl->insn, &bl->cap_insn, bl->ninsn + 1)))
		return;
	if (pos < bl->ninsn)    /* else an append: most are */
		memmove(bl->insn + pos + 1, bl->insn + pos,
			(bl->ninsn - pos) * sizeof *bl->insn);
	bl->insn[pos] = r;
	bl->ninsn++;
	f->nnop += f->v[r].op == IR_NOP;
	f->v[r].block = b;
}

void ir_insert_at(ir_func *f, uint32_t b, uint32_t pos, ir_ref r)
{
	place(f, b, pos, r);
}

void ir_append(ir_func *f, uint32_t b, ir_ref r)
{
	place(f, b, f->b[b].ninsn, r);
}

ir_ref ir_terminator(const ir_func *f, uint32_t b)
{
	const ir_block *bl = &f->b[b];
	for (uint32_t k = bl->ninsn; k-- > 0;) {
		ir_ref r = bl->insn[k];
		if (f->opc[r] == IR_NOP)
			continue;
		return ir_ops[f->opc[r]].effects & IRE_CTRL ? r : IR_NONE;
	}
	return IR_NONE;
}

void ir_insert_body(ir_func *f, uint32_t b, ir_ref r)
{
	ir_block *bl = &f->b[b];
	uint32_t pos = bl->ninsn;
	if (pos > 0 && ir_ops[f->v[bl->insn[pos - 1]].op].effects & IRE_CTRL)
		pos--;
	ir_insert_at(f, b, pos, r);
}

void ir_insert_phi(ir_func *f, uint32_t b, ir_ref r)
{
	ir_block *bl = &f->b[b];
	uint32_t pos = 0;
	while (pos < bl->ninsn && (f->v[bl->insn[pos]].op == IR_PHI ||
	    f->v[bl->insn[pos]].op == IR_NOP))
		pos++;
	ir_insert_at(f, b, pos, r);
}

void ir_insert_before(ir_func *f, ir_ref at, ir_ref r)
{
	uint32_t b = f->v[at].block;
	ir_block *bl = &f->b[b];
	uint32_t pos = 0;
	while (pos < bl->ninsn && bl->insn[pos] != at)
		pos++;
	ir_insert_at(f, b, pos, r);
}

bool ir_inl_set(ir_func *f, ir_ref r, uint32_t func, uint32_t base)
{
	uint32_t old = f->cap_inl;
	if (r >= old) {
		if (!grow(f, (void **)&f->inl, &f->cap_inl,
		    r + 1 > f->cap_v ? r + 1 : f->cap_v, sizeof *f->inl))
			return false;
		memset(f->inl + old, 0, (f->cap_inl - old) * sizeof *f->inl);
	}
	f->inl[r] = (ir_inl){ func, base };
	return true;
}

ir_ref ir_insn_new(ir_func *f, enum ir_op op, enum ir_type type, uint32_t nargs)
{
	return insn_new(f, op, type, nargs);
}

ir_ref ir_emit(ir_func *f, uint32_t b, enum ir_op op, enum ir_type type,
	uint32_t nargs, const ir_ref *args)
{
	ir_ref r = insn_new(f, op, type, nargs);
	if (r == IR_NONE)
		return IR_NONE;
	ir_ref *a = ir_args(f, r);
	for (uint32_t k = 0; k < nargs; k++)
		a[k] = args[k];
	place(f, b, f->b[b].ninsn, r);
	return r;
}

static uint32_t const_hash(enum ir_type type, uint64_t bits)
{
	uint64_t k = (bits ^ (uint64_t)type << 59) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(k >> 32);
}

/* The slot of (type, bits) in f->ktab: the one holding it or the empty
 * one where it goes.  Entries that are no longer constants (deleted) stay
 * as tombstones and are overwritten by the same key. */
static uint32_t const_slot(const ir_func *f, enum ir_type type, uint64_t bits)
{
	uint32_t mask = f->cap_k - 1;
	for (uint32_t i = const_hash(type, bits) & mask;; i = (i + 1) & mask) {
		ir_ref r = f->ktab[i];
		if (r == IR_NONE || (f->v[r].type == type && f->v[r].imm == bits &&
		    f->v[r].op == IR_CONST && f->v[r].block == 0))
			return i;
	}
}

/* Grow f->ktab to hold one more; false if out of memory. */
static bool const_room(ir_func *f)
{
	if ((f->nk + 1) * 2 <= f->cap_k)
		return true;
	uint32_t ncap = f->cap_k ? f->cap_k * 2 : 64;
	ir_ref *old = f->ktab, *nt = calloc(ncap, sizeof *nt);
	uint32_t ocap = f->cap_k;
	if (!nt) {
		f->oom = true;
		return false;
	}
	f->ktab = nt;
	f->cap_k = ncap;
	f->nk = 0;
	for (uint32_t i = 0; i < ocap; i++) {
		ir_ref r = old[i];
		if (r == IR_NONE || f->v[r].op != IR_CONST || f->v[r].block != 0)
			continue;       /* deleted constants are dropped here */
		f->ktab[const_slot(f, (enum ir_type)f->v[r].type, f->v[r].imm)] = r;
		f->nk++;
	}
	free(old);
	return true;
}

ir_ref ir_const(ir_func *f, enum ir_type type, uint64_t bits)
{
	if (ir_type_bytes[type] == 4)
		bits &= 0xffffffffu;
	if (!const_room(f))
		return IR_NONE;
	uint32_t i = const_slot(f, type, bits);
	if (f->ktab[i] != IR_NONE)
		return f->ktab[i];
	ir_ref r = ir_insn_new(f, IR_CONST, type, 0);
	if (r == IR_NONE)
		return IR_NONE;
	f->v[r].imm = bits;
	ir_insert_at(f, 0, 0, r);      /* first: it dominates the whole entry block */
	f->ktab[i] = r;
	f->nk++;
	return r;
}

bool ir_set_nargs(ir_func *f, ir_ref r, uint32_t nargs)
{
	ir_insn *i = &f->v[r];
	uint32_t n = i->nargs < nargs ? i->nargs : nargs;       /* kept */
	if (nargs > IR_MAX_ARGS) {
		f->oom = true;
		return false;
	}
	if (nargs <= IR_INLINE_ARGS) {
		if (i->nargs > IR_INLINE_ARGS) {
			ir_ref keep[IR_INLINE_ARGS], *va = i->u.va;
			memcpy(keep, va, n * sizeof *va);
			va_free(f, va, i->nargs);
			memcpy(i->u.a, keep, sizeof keep);
		}
		for (uint32_t k = n; k < nargs; k++)
			i->u.a[k] = IR_NONE;
		i->nargs = (uint16_t)nargs;
		return true;
	}
	if (i->nargs > IR_INLINE_ARGS &&
	    mem_class((size_t)i->nargs * sizeof(ir_ref)) ==
	    mem_class((size_t)nargs * sizeof(ir_ref))) {
		/* the same block holds them: a phi losing an edge */
		for (uint32_t k = n; k < nargs; k++)
			i->u.va[k] = IR_NONE;
		i->nargs = (uint16_t)nargs;
		return true;
	}
	ir_ref *va = va_alloc(f, nargs);
	if (!va)
		return false;
	memcpy(va, ir_args(f, r), n * sizeof *va);
	memset(va + n, 0, (nargs - n) * sizeof *va);
	if (i->nargs > IR_INLINE_ARGS)
		va_free(f, i->u.va, i->nargs);
	i->u.va = va;
	i->nargs = (uint16_t)nargs;
	return true;
}

void ir_morph(ir_func *f, ir_ref r, enum ir_op op, uint32_t nargs,
	const ir_ref *args)
{
	ir_ref tmp[IR_INLINE_ARGS];
	if (nargs <= IR_INLINE_ARGS && nargs)
		memcpy(tmp, args, nargs * sizeof *args);
	if (f->v[r].nargs > IR_INLINE_ARGS)
		va_free(f, f->v[r].u.va, f->v[r].nargs);
	f->v[r].nargs = 0;
	if (!ir_set_nargs(f, r, nargs))
		return;
	if (nargs)
		memcpy(ir_args(f, r), nargs <= IR_INLINE_ARGS ? tmp : args,
			nargs * sizeof *args);
	f->ncopy += (op == IR_COPY) - (f->v[r].op == IR_COPY);
	f->nnop += op == IR_NOP && f->v[r].op != IR_NOP;
	f->v[r].op = (uint8_t)op;
	f->opc[r] = (uint8_t)op;
}

void ir_delete(ir_func *f, ir_ref r)
{
	ir_morph(f, r, IR_NOP, 0, NULL);
	f->v[r].type = IRT_NONE;
}

void ir_compact(ir_func *f)
{
	if (!f->nnop)
		return;
	f->nnop = 0;
	for (uint32_t b = 0; b < f->nb; b++) {
		ir_block *bl = &f->b[b];
		uint32_t n = 0;
		for (uint32_t k = 0; k < bl->ninsn; k++)
			if (f->opc[bl->insn[k]] != IR_NOP)
				bl->insn[n++] = bl->insn[k];
		bl->ninsn = n;
	}
}

/* ---- edges ----------------------------------------------------------------------- */

void ir_edge_add(ir_func *f, uint32_t from, uint32_t to)
{
	ir_block *a = &f->b[from];
	f->cfg_gen++;
	if (!ir_list_grow(f, &a->succ, &a->cap_succ, a->nsucc + 1))
		return;
	a->succ[a->nsucc++] = to;
	ir_block *t = &f->b[to];
	if (!ir_list_grow(f, &t->pred, &t->cap_pred, t->npred + 1))
		return;
	t->pred[t->npred++] = from;
}

void ir_edge_remove(ir_func *f, uint32_t from, uint32_t k)
{
	ir_block *a = &f->b[from];
	uint32_t to = a->succ[k];
	f->cfg_gen++;
	memmove(a->succ + k, a->succ + k + 1, (a->nsucc - k - 1) * sizeof *a->succ);
	a->nsucc--;
	ir_block *t = &f->b[to];
	/* the last pred entry from `from` (any one would do: the edges are
	 * interchangeable, as are the phi operands along them) */
	uint32_t p = t->npred;
	while (p-- > 0)
		if (t->pred[p] == from)
			break;
	if (p == UINT32_MAX)
		return;
	memmove(t->pred + p, t->pred + p + 1, (t->npred - p - 1) * sizeof *t->pred);
	t->npred--;
	for (uint32_t j = 0; j < t->ninsn; j++) {
		ir_ref r = t->insn[j];
		if (f->v[r].op != IR_PHI)
			continue;
		ir_ref *a2 = ir_args(f, r);
		uint32_t n = f->v[r].nargs;
		memmove(a2 + p, a2 + p + 1, (n - p - 1) * sizeof *a2);
		ir_set_nargs(f, r, n - 1);
	}
}

/* ---- dominators ------------------------------------------------------------------ */

bool ir_dom_compute(ir_func *f)
{
	if (f->dom_ok && f->dom_gen == f->cfg_gen)
		return true;
	uint32_t nb = f->nb;
	size_t n1 = nb ? nb : 1;
	uint32_t *post = ir_tmp_alloc(f, n1 * sizeof *post);
	uint32_t (*stack)[2] = ir_tmp_alloc(f, n1 * sizeof *stack);
	uint8_t *seen = ir_tmp_zalloc(f, n1);
	uint32_t *rpo = realloc(f->rpo, n1 * sizeof *rpo);
	if (!post || !stack || !seen || !rpo) {
		ir_tmp_free(f, seen);
		ir_tmp_free(f, stack);
		ir_tmp_free(f, post);
		if (rpo)
			f->rpo = rpo;
		f->oom = true;
		return false;
	}
	f->rpo = rpo;
	f->dom_ok = false;
	uint32_t npost = 0, sp = 0;
	for (uint32_t b = 0; b < nb; b++)
		f->b[b].rpo = UINT32_MAX;
	if (nb && !f->b[0].dead) {
		stack[sp][0] = 0;
		stack[sp][1] = 0;
		sp++;
		seen[0] = 1;
	}
	while (sp) {
		uint32_t b = stack[sp - 1][0], k = stack[sp - 1][1];
		if (k < f->b[b].nsucc) {
			stack[sp - 1][1]++;
			uint32_t s = f->b[b].succ[k];
			if (!seen[s]) {
				seen[s] = 1;
				stack[sp][0] = s;
				stack[sp][1] = 0;
				sp++;
			}
		} else {
			post[npost++] = b;
			sp--;
		}
	}
	for (uint32_t i = 0; i < npost; i++) {
		rpo[i] = post[npost - 1 - i];
		f->b[rpo[i]].rpo = i;
	}
	f->nrpo = npost;
	ir_tmp_free(f, seen);
	ir_tmp_free(f, stack);
	ir_tmp_free(f, post);
	if (!npost)
		return true;
	for (uint32_t i = 0; i < nb; i++)
		f->b[i].idom = UINT32_MAX;
	f->b[rpo[0]].idom = rpo[0];
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t i = 1; i < npost; i++) {
			ir_block *bl = &f->b[rpo[i]];
			uint32_t nidom = UINT32_MAX;
			for (uint32_t k = 0; k < bl->npred; k++) {
				uint32_t p = bl->pred[k];
				if (f->b[p].rpo == UINT32_MAX || f->b[p].idom == UINT32_MAX)
					continue;
				if (nidom == UINT32_MAX) {
					nidom = p;
					continue;
				}
				uint32_t x = p, y = nidom;
				while (x != y) {
					while (f->b[x].rpo > f->b[y].rpo)
						x = f->b[x].idom;
					while (f->b[y].rpo > f->b[x].rpo)
						y = f->b[y].idom;
				}
				nidom = x;
			}
			if (bl->idom != nidom) {
				bl->idom = nidom;
				changed = true;
			}
		}
	}
	for (uint32_t i = 0; i < npost; i++) {
		ir_block *bl = &f->b[rpo[i]];
		bl->dom_depth = i == 0 ? 0 : f->b[bl->idom].dom_depth + 1;
	}
	f->dom_ok = true;
	f->dom_gen = f->cfg_gen;
	return true;
}

bool ir_dominates(const ir_func *f, uint32_t a, uint32_t b)
{
	if (f->b[a].rpo == UINT32_MAX || f->b[b].rpo == UINT32_MAX)
		return false;
	while (f->b[b].dom_depth > f->b[a].dom_depth)
		b = f->b[b].idom;
	return a == b;
}

bool ir_remove_unreachable(ir_func *f)
{
	if (!ir_dom_compute(f))
		return false;
	bool any = false;
	for (uint32_t b = 0; b < f->nb; b++) {
		ir_block *bl = &f->b[b];
		if (bl->dead || bl->rpo != UINT32_MAX)
			continue;
		any = true;
		while (bl->nsucc)
			ir_edge_remove(f, b, bl->nsucc - 1);
		for (uint32_t k = 0; k < bl->ninsn; k++)
			ir_delete(f, bl->insn[k]);
		bl->ninsn = 0;
		if (bl->osr) {
			ir_osr *o = &f->osr[bl->osr - 1];
			memset(o->slot, 0, o->nslots * sizeof *o->slot);
			o->block = UINT32_MAX;
			bl->osr = 0;
		}
		bl->dead = true;
		f->cfg_gen++;
	}
	if (any)
		ir_dom_compute(f);
	return any;
}

/* Sift v[i] down the max-heap v[0..n). */
static void sift_down(uint64_t *v, size_t i, size_t n)
{
	uint64_t x = v[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[c] <= x)
			break;
		v[i] = v[c];
		i = c;
	}
	v[i] = x;
}

static void heap_sort(uint64_t *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end > 1; end--) {
		uint64_t t = v[0];
		v[0] = v[end - 1];
		v[end - 1] = t;
		sift_down(v, 0, end - 1);
	}
}

/* Below this many keys the heap is cheaper than the radix sort's
 * histograms. */
#define RADIX_MIN 256

/* Least significant byte first, one counting pass for all eight bytes,
 * then one scatter per byte in which the keys differ (the allocator's
 * start << 32 | register keys differ in five or six of them). */
void ir_sort_u64(uint64_t *v, size_t n)
{
	uint32_t count[8][256];
	uint64_t *tmp;
	if (n < RADIX_MIN || n > UINT32_MAX || !(tmp = malloc(n * sizeof *tmp))) {
		heap_sort(v, n);
		return;
	}
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < 8; d++)
			count[d][v[i] >> (8 * d) & 0xff]++;
	uint64_t *src = v, *dst = tmp;
	for (unsigned d = 0; d < 8; d++) {
		uint32_t *c = count[d], at = 0;
		if (c[src[0] >> (8 * d) & 0xff] == n)
			continue;               /* one value in this byte */
		for (unsigned k = 0; k < 256; k++) {
			uint32_t m = c[k];
			c[k] = at;
			at += m;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[src[i] >> (8 * d) & 0xff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
	free(tmp);
}
