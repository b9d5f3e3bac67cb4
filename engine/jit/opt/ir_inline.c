/* ir_inline.c -- inlining of small direct callees.
 *
 * A direct call (IR_CALL) of a small defined function is replaced by the
 * callee's IR, built by the same builder (ir_build of the callee's
 * index): its blocks and values copied into the caller, its params the
 * call's arguments, each of its returns a jump to a join block whose
 * phis are the call's results; the caller's block is split at the call.
 *
 * Which callees (inlinable): a defined function tier 2 can build, of at
 * most INLINE_MAX_INSNS IR instructions, without a v128 value
 * (its arguments and results are mapped one slot each), that returns.
 * A caller grows by at most INLINE_MAX_GROWTH instructions.
 *
 * Calls and slow ops in inlined code.  Lowering makes them from their
 * pre-decoded instruction (lower_call, lower_slow): its fields, and the
 * slots it names, which are slots of the callee's frame.  That frame
 * lies in the caller's at the inlined call's base, so every copied
 * instruction records it (ir_inl.base, with ir_inl.func naming whose
 * code its site is in): lowering finds the instruction in the callee's
 * code (ir_site_insn) and adds that base to its slots -- a call's
 * arguments go to that base + its own base, where the callee of the
 * callee's frame starts (ir_call_frame), its results come back there,
 * and a slow op runs on the frame at that base.
 *
 * How deep.  Calls of the function's own code are looked at, then the
 * calls of the code inlined there (INLINE_MAX_DEPTH levels of callees in
 * all), each callee built once.  A callee is never inlined into its own
 * inlined copy, and never into a copy of anything it called on the way:
 * at a call of f's own code any callee, f itself included (one level of
 * self-recursion: a recursive function's body inlined into itself once
 * halves its calls); at a call of code inlined from h, neither f nor h.
 *
 * Loops in inlined code.  A callee's loops are copied with their
 * loop_check (the deadline, and fuel if metered, checked at the same
 * points, naming the callee) but not with their OSR maps: an inlined
 * loop header is no OSR entry (baseline code only ever enters a LOOP of
 * its own function, whose map names its own frame's slots).  So the
 * caller's OSR maps are unchanged, and the passes see an inlined loop as
 * a loop without a map: GVN's and LICM's rules for OSR loops (ir.h,
 * passes.h's ir_osr_recoverable) are about the values live into a
 * mapped header, which an inlined loop neither adds nor removes -- it
 * sits wholly inside or wholly outside each of the caller's loops.
 *
 * The rule: inlining changes nothing but the time.
 *  - Traps: every copied instruction keeps the callee's site and
 *    wasm_off and says whose they are (ir_inl.func = callee + 1);
 *    lowering puts the function in mir_insn.func, and the trap tails and
 *    the PC map name it, so a trap in inlined code reports the callee's
 *    index and offset, as the other tiers do.  (No tier shows a call
 *    stack: wasm_error names one function and offset.)
 *  - Stack, deadline, fuel: the callee's ENTRY_CHECK is copied where its
 *    entry was, with imm = the callee's frame end in the caller's frame
 *    (the call's base + the callee's slots), so it makes the same
 *    checks at the same point (but the native stack: the callee makes
 *    no native frame, and its function's entry checked the same rsp;
 *    emit.c): one frame record taken
 *    (frame_top += one record unless at frames_end: max_call_depth is
 *    reached at the same depth), the value stack up to the callee's
 *    frame end, the epoch, and one unit of fuel if metered.  Each return
 *    of the callee gives its frame record back (FRAME_POP) before it
 *    jumps to the join.  A trap abandons the frame records as a trap in
 *    a called function does.
 */
#include "jit/opt/passes.h"
#include "interp/fcode.h"
#include "interp/ops.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

enum {
	INLINE_MAX_INSNS = 30,      /* a callee's IR instructions, phis and
	                               terminators included (40, which takes
	                               recurse.c's queens too, gained nothing
	                               measurable and grew code more) */
	INLINE_MAX_GROWTH = 4000,   /* instructions added to one caller */
	INLINE_MAX_DEPTH = 2,       /* levels of callees inlined into one
	                               caller */
};

const uint8_t *ir_site_insn(const ir_func *f, ir_ref r)
{
	const struct fcode *fc = f->module ?
		fcode_get(f->module, ir_site_func(f, r)) : NULL;
	uint32_t site = f->v[r].site;
	if (!fc || site >= fc->code_len)
		return NULL;
	return fc->code + site;
}

bool ir_call_frame(const ir_func *f, ir_ref r, uint32_t *frame)
{
	const uint8_t *ip = ir_site_insn(f, r);
	enum interp_op op = ip ? insn_op(ip) : OP_COUNT_;
	if (op == OP_CALL || op == OP_CALL_IMPORT)
		*frame = ir_inl_of(f, r).base + OP_AT(ip, CALL)->base;
	else if (op == OP_CALL_INDIRECT)
		*frame = ir_inl_of(f, r).base + OP_AT(ip, CALL_IND)->base;
	else
		return false;
	return (f->v[r].op == IR_CALL) == (op == OP_CALL) &&
	       (f->v[r].op == IR_CALL_IMPORT) == (op == OP_CALL_IMPORT) &&
	       (f->v[r].op == IR_CALL_INDIRECT) == (op == OP_CALL_INDIRECT);
}

bool ir_inlinable(const ir_func *g, uint32_t *ninsn)
{
	uint32_t n = 0;
	for (uint32_t b = 0; b < g->nb; b++) {
		const ir_block *bl = &g->b[b];
		if (bl->dead)
			continue;
		for (uint32_t k = 0; k < bl->ninsn; k++) {
			enum ir_op op = (enum ir_op)g->v[bl->insn[k]].op;
			if (op == IR_NOP)
				continue;
			/* no v128 value (params, results, SIMD ops): the call's
			 * arguments and results are mapped one slot each */
			if (g->v[bl->insn[k]].type == IRT_V128)
				return false;
			if (++n > INLINE_MAX_INSNS)
				return false;
		}
	}
	bool returns = false;    /* (a callee that always traps has no join) */
	for (uint32_t b = 0; b < g->nb; b++) {
		ir_ref t = g->b[b].dead ? IR_NONE : ir_terminator(g, b);
		returns |= t != IR_NONE && g->v[t].op == IR_RET;
	}
	*ninsn = n;
	return returns;
}

/* *list = the blocks of src (n of them) through bmap, or `extra` alone
 * if n is 0 and extra is not UINT32_MAX. */
static bool copy_list(ir_func *f, uint32_t **list, uint32_t *cnt, uint32_t *cap,
	const uint32_t *src, uint32_t n, const uint32_t *bmap)
{
	if (!ir_list_grow(f, list, cap, n ? n : 1))
		return false;
	for (uint32_t k = 0; k < n; k++)
		(*list)[k] = bmap[src[k]];
	*cnt = n;
	return true;
}

typedef struct {
	ir_func *f;
	const ir_func *g;
	ir_ref call;
	uint32_t frame;         /* g's frame's slot 0 in f's frame */
	uint32_t *bmap;         /* g's block -> f's */
	ir_ref *vmap;           /* g's value -> f's */
	uint32_t join;
	uint32_t *rets;         /* f's blocks that were g's returns */
	ir_ref *retv;           /* their results: nrets x g->nresults */
	uint32_t nrets;
} site;

/* One instruction of g as a new one of f (operands filled later). */
static ir_ref copy_insn(site *s, ir_ref r)
{
	ir_func *f = s->f;
	const ir_insn *gi = &s->g->v[r];
	enum ir_op op = (enum ir_op)gi->op;
	uint32_t nargs = gi->nargs;
	if (op == IR_PARAM) {
		op = IR_COPY;
		nargs = 1;
	} else if (op == IR_RET) {
		op = IR_JUMP;
		nargs = 0;
	}
	ir_ref n = ir_insn_new(f, op, (enum ir_type)gi->type, nargs);
	if (n == IR_NONE)
		return IR_NONE;
	ir_insn *ni = ir_at(f, n);
	ni->imm = gi->imm;
	ni->aux = gi->aux;
	ni->aux2 = gi->aux2;
	ni->site = gi->site;
	ni->wasm_off = gi->wasm_off;
	if (!ir_inl_set(f, n, s->g->func_index + 1, s->frame))
		return IR_NONE;
	if (op == IR_ENTRY_CHECK)
		ni->imm = s->frame + s->g->nslots;     /* g's frame end */
	if (op == IR_COPY && gi->op == IR_PARAM)
		ir_args(f, n)[0] = ir_args(f, s->call)[gi->aux];
	return n;
}

/* g's blocks and values into f: bmap, vmap, the returns.  (Not g's OSR
 * maps: the header above.) */
static bool copy_body(site *s)
{
	ir_func *f = s->f;
	const ir_func *g = s->g;
	for (uint32_t b = 0; b < g->nb; b++)
		if (!g->b[b].dead && (s->bmap[b] = ir_block_new(f)) == 0)
			return false;
	for (uint32_t b = 0; b < g->nb; b++) {
		const ir_block *gb = &g->b[b];
		if (gb->dead)
			continue;
		uint32_t nb = s->bmap[b];
		f->b[nb].code_off = gb->code_off;
		for (uint32_t k = 0; k < gb->ninsn; k++) {
			ir_ref r = gb->insn[k];
			if (g->v[r].op == IR_NOP)
				continue;
			ir_ref n = copy_insn(s, r);
			if (n == IR_NONE)
				return false;
			s->vmap[r] = n;
			if (g->v[r].op == IR_RET) {
				ir_ref pop = ir_insn_new(f, IR_FRAME_POP, IRT_NONE, 0);
				if (pop == IR_NONE)
					return false;
				ir_at(f, pop)->site = g->v[r].site;
				if (!ir_inl_set(f, pop, g->func_index + 1, s->frame))
					return false;
				ir_append(f, nb, pop);
				s->rets[s->nrets++] = nb;
			}
			ir_append(f, nb, n);
		}
		f->cfg_gen++;   /* the lists set in place */
		if (!copy_list(f, &f->b[nb].pred, &f->b[nb].npred, &f->b[nb].cap_pred,
			gb->pred, gb->npred, s->bmap) ||
		    !copy_list(f, &f->b[nb].succ, &f->b[nb].nsucc, &f->b[nb].cap_succ,
			gb->succ, gb->nsucc, s->bmap))
			return false;
	}
	/* operands, now that every value has its copy */
	for (uint32_t b = 0; b < g->nb; b++) {
		const ir_block *gb = &g->b[b];
		if (gb->dead)
			continue;
		for (uint32_t k = 0; k < gb->ninsn; k++) {
			ir_ref r = gb->insn[k];
			const ir_insn *gi = &g->v[r];
			if (gi->op == IR_NOP || gi->op == IR_PARAM)
				continue;
			const ir_ref *ga = ir_args((ir_func *)g, r);
			if (gi->op == IR_RET) {
				uint32_t at = 0;
				while (s->rets[at] != s->bmap[b])
					at++;
				for (uint32_t j = 0; j < gi->nargs; j++)
					s->retv[(size_t)at * g->nresults + j] = s->vmap[ga[j]];
				continue;
			}
			ir_ref *fa = ir_args(f, s->vmap[r]);
			for (uint32_t j = 0; j < gi->nargs; j++)
				fa[j] = s->vmap[ga[j]];
		}
	}
	return !f->oom;
}

/* Split the call's block: what follows the call goes to the join block
 * (its results become copies of the join's phis), the block jumps to
 * the callee's entry, the returns to the join. */
static bool split_at_call(site *s)
{
	ir_func *f = s->f;
	const ir_func *g = s->g;
	uint32_t cb = f->v[s->call].block, j = s->join;
	ir_ref *phis = calloc(g->nresults ? g->nresults : 1, sizeof *phis);
	if (!phis) {
		f->oom = true;
		return false;
	}
	for (uint32_t k = 0; k < g->nresults; k++) {
		phis[k] = ir_insn_new(f, IR_PHI, (enum ir_type)g->result_types[k], s->nrets);
		if (phis[k] == IR_NONE)
			goto fail;
		for (uint32_t p = 0; p < s->nrets; p++)
			ir_args(f, phis[k])[p] = s->retv[(size_t)p * g->nresults + k];
		ir_at(f, phis[k])->site = f->v[s->call].site;
		ir_append(f, j, phis[k]);
	}
	/* the body after the call */
	ir_block *bl = &f->b[cb];
	uint32_t pos = 0;
	while (bl->insn[pos] != s->call)
		pos++;
	for (uint32_t k = pos + 1; k < f->b[cb].ninsn; k++) {
		ir_ref q = f->b[cb].insn[k];
		ir_insn *qi = ir_at(f, q);
		if (qi->op == IR_RESULT && ir_args(f, q)[0] == s->call)
			ir_morph(f, q, IR_COPY, 1, &phis[qi->aux]);
		ir_append(f, j, q);
	}
	f->b[cb].ninsn = pos + 1;
	ir_delete(f, s->call);
	/* edges: cb's successors become the join's */
	f->cfg_gen++;           /* the lists edited in place */
	ir_block *cbl = &f->b[cb], *jb = &f->b[j];
	uint32_t *t = jb->succ;
	uint32_t tc = jb->cap_succ;
	jb->succ = cbl->succ;
	jb->nsucc = cbl->nsucc;
	jb->cap_succ = cbl->cap_succ;
	cbl->succ = t;
	cbl->cap_succ = tc;
	cbl->nsucc = 0;
	for (uint32_t k = 0; k < jb->nsucc; k++) {
		ir_block *sb = &f->b[jb->succ[k]];
		for (uint32_t p = 0; p < sb->npred; p++)
			if (sb->pred[p] == cb)
				sb->pred[p] = j;
	}
	free(phis);
	phis = NULL;
	/* cb -> the callee's entry; returns -> the join */
	uint32_t entry = s->bmap[0];
	if (!ir_emit(f, cb, IR_JUMP, IRT_NONE, 0, NULL))
		return false;
	ir_edge_add(f, cb, entry);
	for (uint32_t p = 0; p < s->nrets; p++)
		ir_edge_add(f, s->rets[p], j);
	return !f->oom;
fail:
	free(phis);
	return false;
}

/* Inline g at call (a CALL of g in f, g's frame at slot `frame`). */
static bool inline_at(ir_func *f, ir_ref call, const ir_func *g,
	uint32_t frame)
{
	site s = { .f = f, .g = g, .call = call, .frame = frame };
	bool ok = false;
	s.bmap = calloc(g->nb, sizeof *s.bmap);
	s.vmap = calloc(g->nv, sizeof *s.vmap);
	s.rets = calloc(g->nb, sizeof *s.rets);
	s.retv = calloc((size_t)g->nb * (g->nresults ? g->nresults : 1), sizeof *s.retv);
	if (!s.bmap || !s.vmap || !s.rets || !s.retv) {
		f->oom = true;
		goto out;
	}
	if (!copy_body(&s))
		goto out;
	s.join = ir_block_new(f);
	if (s.join == 0)
		goto out;
	f->b[s.join].code_off = f->b[f->v[call].block].code_off;
	ok = split_at_call(&s);
out:
	free(s.bmap);
	free(s.vmap);
	free(s.rets);
	free(s.retv);
	return ok;
}

/* The callees, each built once per run of the pass; which are not
 * inlinable is remembered in the module (func_t.opt_inline), so that a
 * callee too big or with a loop is not built again by every caller (it
 * was half of the pass's time, more than the inlining).  A callee not yet
 * known is built only up to INLINE_MAX_INSNS instructions: past those it
 * cannot be inlined (ir_build_bounded), and the rest of a big one is not
 * worth building. */
typedef struct {
	ir_func **ir;
	uint8_t *state;         /* 0 not looked at, 1 inlinable, 2 not */
} callees;

static const ir_func *callee(callees *cs, wasm_module *m, uint32_t fi,
	uint32_t *ninsn)
{
	if (cs->state[fi] == 0) {
		atomic_uchar *known = &m->funcs[fi].opt_inline;
		wasm_error err;
		ir_func *g = NULL;
		wasm_status st = WASM_OK;
		cs->state[fi] = 2;
		if (fi >= m->nfunc_imports &&
		    atomic_load_explicit(known, memory_order_relaxed) != OPT_INLINE_NO &&
		    (st = ir_build_bounded(m, fi, INLINE_MAX_INSNS, &g, &err)) == WASM_OK &&
		    ir_inlinable(g, ninsn)) {
			cs->ir[fi] = g;
			cs->state[fi] = 1;
		} else {
			ir_func_free(g);
		}
		/* out of memory says nothing of the callee: asked again */
		if (fi >= m->nfunc_imports && st != WASM_ERR_NOMEM)
			atomic_store_explicit(known, cs->state[fi] == 1 ?
				OPT_INLINE_YES : OPT_INLINE_NO, memory_order_relaxed);
	}
	if (cs->state[fi] != 1)
		return NULL;
	return ir_inlinable(cs->ir[fi], ninsn) ? cs->ir[fi] : NULL;
}

/* The calls to look at: (call, depth: 0 for f's own code). */
typedef struct {
	ir_ref call;
	uint32_t depth;
} pending;

/* Add the direct calls among f's values from `from` on, at depth. */
static bool add_calls(ir_func *f, pending **p, uint32_t *n, uint32_t *cap,
	ir_ref from, uint32_t depth)
{
	for (ir_ref r = from; r < f->nv; r++) {
		if (f->v[r].op != IR_CALL || f->v[r].block == UINT32_MAX ||
		    f->v[r].aux >= f->module->nfuncs)
			continue;
		if (!ir_grow((void **)p, cap, *n + 1, sizeof **p)) {
			f->oom = true;
			return false;
		}
		(*p)[(*n)++] = (pending){ r, depth };
	}
	return true;
}

bool ir_pass_inline(ir_func *f)
{
	wasm_module *m = f->module;
	if (!m || !fcode_get(m, f->func_index))
		return false;
	callees cs = { calloc(m->nfuncs, sizeof *cs.ir), calloc(m->nfuncs, 1) };
	pending *calls = NULL;
	uint32_t ncalls = 0, cap = 0, grown = 0;
	bool changed = false;
	if (!cs.ir || !cs.state) {
		f->oom = true;
		goto out;
	}
	if (!add_calls(f, &calls, &ncalls, &cap, 1, 0))
		goto out;
	/* in order: f's own calls first, each inlined callee's calls after */
	for (uint32_t k = 0; k < ncalls; k++) {
		ir_ref call = calls[k].call;
		uint32_t depth = calls[k].depth, fi = f->v[call].aux, frame, ninsn;
		/* not into its own copy, nor into a copy of its caller's
		 * (the header: one level of self-recursion) */
		if (depth > 0 && (fi == f->func_index || fi == ir_site_func(f, call)))
			continue;
		const ir_func *g = callee(&cs, m, fi, &ninsn);
		if (!g || grown + ninsn > INLINE_MAX_GROWTH ||
		    !ir_call_frame(f, call, &frame))
			continue;
		ir_ref first = f->nv;
		if (!inline_at(f, call, g, frame))
			goto out;
		grown += ninsn;
		changed = true;
		if (depth + 1 < INLINE_MAX_DEPTH &&
		    !add_calls(f, &calls, &ncalls, &cap, first, depth + 1))
			goto out;
	}
	if (changed) {
		ir_compact(f);
		ir_dom_compute(f);
	}
out:
	if (cs.ir)
		for (uint32_t k = 0; k < m->nfuncs; k++)
			ir_func_free(cs.ir[k]);
	free(cs.ir);
	free(cs.state);
	free(calls);
	return changed;
}
