/* ir_inline.c -- inlining of small direct callees.
 *
 * A direct call (IR_CALL) of a small defined function is replaced by the
 * callee's IR, built by the same builder (ir_build of the callee's
 * index): its blocks and values copied into the caller, its params the
 * call's arguments, each of its returns a jump to a join block whose
 * phis are the call's results; the caller's block is split at the call.
 *
 * Which callees (inlinable): a defined function tier 2 can build, of at
 * most INLINE_MAX_INSNS IR instructions, without a loop (so inlined code
 * is never an OSR entry: no header and no map of the caller changes),
 * without a v128 value (its arguments and results are mapped one slot
 * each), without calls (no recursion, and nothing inlined twice over) and
 * without ops that lowering reads from their pre-decoded instruction and
 * runs on the wasm frame (calls and slow ops, lower.c: their site and
 * slots are the callee's; lowering refuses them in inlined code).  A
 * caller grows by at most INLINE_MAX_GROWTH instructions.
 *
 * The rule: inlining changes nothing but the time.
 *  - Traps: every copied instruction keeps the callee's site and
 *    wasm_off and says whose they are (ir_insn.inl_func = callee + 1);
 *    lowering puts the function in mir_insn.func, and the trap tails and
 *    the PC map name it, so a trap in inlined code reports the callee's
 *    index and offset, as the other tiers do.  (No tier shows a call
 *    stack: wasm_error names one function and offset.)
 *  - Stack, deadline, fuel: the callee's ENTRY_CHECK is copied where its
 *    entry was, with imm = the callee's frame end in the caller's frame
 *    (the call's base + the callee's slots), so it makes the same
 *    checks at the same point: native stack, one frame record taken
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
	                               terminators included */
	INLINE_MAX_GROWTH = 4000,   /* instructions added to one caller */
};

/* Ops lowering makes from the pre-decoded instruction at their site in
 * the function's own code and frame (lower_call, lower_slow). */
static bool lowered_from_code(enum ir_op op)
{
	switch (op) {
	case IR_CALL: case IR_CALL_IMPORT: case IR_CALL_INDIRECT:
	case IR_MEMORY_GROW: case IR_MEMORY_FILL: case IR_MEMORY_COPY:
	case IR_MEMORY_INIT: case IR_TABLE_GET: case IR_TABLE_SET:
	case IR_TABLE_SIZE: case IR_TABLE_GROW: case IR_TABLE_FILL:
	case IR_TABLE_COPY: case IR_TABLE_INIT:
		return true;
	default:
		return false;
	}
}

bool ir_inlinable(const ir_func *g, uint32_t *ninsn)
{
	uint32_t n = 0;
	if (g->nosr)
		return false;
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
			if (op == IR_LOOP_CHECK || lowered_from_code(op) ||
			    ++n > INLINE_MAX_INSNS)
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
	if (!ir_grow((void **)list, cap, n ? n : 1, sizeof **list)) {
		f->oom = true;
		return false;
	}
	for (uint32_t k = 0; k < n; k++)
		(*list)[k] = bmap[src[k]];
	*cnt = n;
	return true;
}

typedef struct {
	ir_func *f;
	const ir_func *g;
	ir_ref call;
	uint32_t *bmap;         /* g's block -> f's */
	ir_ref *vmap;           /* g's value -> f's */
	uint32_t join;
	uint32_t *rets;         /* f's blocks that were g's returns */
	ir_ref *retv;           /* their results: nrets x g->nresults */
	uint32_t nrets;
} site;

/* One instruction of g as a new one of f (operands filled later). */
static ir_ref copy_insn(site *s, ir_ref r, uint32_t frame_end)
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
	ni->inl_func = s->g->func_index + 1;
	if (op == IR_ENTRY_CHECK)
		ni->imm = frame_end;
	if (op == IR_COPY && gi->op == IR_PARAM)
		ir_args(f, n)[0] = ir_args(f, s->call)[gi->aux];
	return n;
}

/* g's blocks and values into f: bmap, vmap, the returns. */
static bool copy_body(site *s, uint32_t frame_end)
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
			ir_ref n = copy_insn(s, r, frame_end);
			if (n == IR_NONE)
				return false;
			s->vmap[r] = n;
			if (g->v[r].op == IR_RET) {
				ir_ref pop = ir_insn_new(f, IR_FRAME_POP, IRT_NONE, 0);
				if (pop == IR_NONE)
					return false;
				ir_at(f, pop)->site = g->v[r].site;
				ir_at(f, pop)->inl_func = g->func_index + 1;
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

/* Inline g at call (a CALL of g in f). */
static bool inline_at(ir_func *f, ir_ref call, const ir_func *g,
	uint32_t frame_base)
{
	site s = { .f = f, .g = g, .call = call };
	bool ok = false;
	s.bmap = calloc(g->nb, sizeof *s.bmap);
	s.vmap = calloc(g->nv, sizeof *s.vmap);
	s.rets = calloc(g->nb, sizeof *s.rets);
	s.retv = calloc((size_t)g->nb * (g->nresults ? g->nresults : 1), sizeof *s.retv);
	if (!s.bmap || !s.vmap || !s.rets || !s.retv) {
		f->oom = true;
		goto out;
	}
	if (!copy_body(&s, frame_base + g->nslots))
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

bool ir_pass_inline(ir_func *f)
{
	wasm_module *m = f->module;
	if (!m)
		return false;
	const struct fcode *fc = fcode_get(m, f->func_index);
	if (!fc)
		return false;
	callees cs = { calloc(m->nfuncs, sizeof *cs.ir), calloc(m->nfuncs, 1) };
	ir_ref *calls = NULL;
	uint32_t ncalls = 0, cap = 0, grown = 0;
	bool changed = false;
	if (!cs.ir || !cs.state) {
		f->oom = true;
		goto out;
	}
	for (ir_ref r = 1; r < f->nv; r++) {
		if (f->v[r].op != IR_CALL || f->v[r].block == UINT32_MAX ||
		    f->v[r].aux == f->func_index || f->v[r].aux >= m->nfuncs)
			continue;
		if (!ir_grow((void **)&calls, &cap, ncalls + 1, sizeof *calls)) {
			f->oom = true;
			goto out;
		}
		calls[ncalls++] = r;
	}
	for (uint32_t k = 0; k < ncalls; k++) {
		ir_insn *ci = ir_at(f, calls[k]);
		uint32_t ninsn;
		const ir_func *g = callee(&cs, m, ci->aux, &ninsn);
		if (!g || grown + ninsn > INLINE_MAX_GROWTH || ci->site >= fc->code_len ||
		    insn_op(fc->code + ci->site) != OP_CALL)
			continue;
		uint32_t base = OP_AT(fc->code + ci->site, CALL)->base;
		if (!inline_at(f, calls[k], g, base))
			goto out;
		grown += ninsn;
		changed = true;
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
