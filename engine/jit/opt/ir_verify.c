/* ir_verify.c -- the IR's invariants, checked (after the builder and after
 * every pass in tests and in `dump --ir`).  Operand kinds and result rules
 * come from IR_OPS; nothing here knows an op by name but the variable
 * ones (phi, ret) and bitcast's width rule. */
#include "jit/opt/ir.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	ir_func *f;
	char *msg;
	size_t len;
	uint32_t *pos;          /* position of each instruction in its block */
	bool ok;
} vctx;

__attribute__((format(printf, 3, 4)))
static bool bad(vctx *v, ir_ref r, const char *fmt, ...)
{
	if (!v->ok)
		return false;
	v->ok = false;
	if (!v->len)
		return false;
	int n = 0;
	if (r != IR_NONE)
		n = snprintf(v->msg, v->len, "v%u (%s): ", r, ir_ops[v->f->v[r].op].name);
	if (n < 0 || (size_t)n >= v->len)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->msg + n, v->len - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static bool is_int(enum ir_type t) { return t == IRT_I32 || t == IRT_I64; }
static bool is_flt(enum ir_type t) { return t == IRT_F32 || t == IRT_F64; }

/* Does the definition of a reach the use at (block b, position p)? */
static bool dominates_use(vctx *v, ir_ref a, uint32_t b, uint32_t p)
{
	const ir_insn *d = &v->f->v[a];
	if (d->block == b)
		return v->pos[a] < p;
	return ir_dominates(v->f, d->block, b);
}

static bool check_operand(vctx *v, ir_ref r, uint32_t k)
{
	ir_func *f = v->f;
	ir_insn *i = ir_at(f, r);
	const ir_op_info *oi = &ir_ops[i->op];
	ir_ref a = ir_args(f, r)[k];
	if (a == IR_NONE || a >= f->nv)
		return bad(v, r, "operand %u is not a value", k);
	ir_insn *d = ir_at(f, a);
	if (d->op == IR_NOP || d->block >= f->nb || f->b[d->block].dead)
		return bad(v, r, "operand %u (v%u) was deleted", k, a);
	enum ir_type t = (enum ir_type)d->type;
	uint8_t kind = oi->nargs < 0 ? IRK_VAR : oi->kind[k];
	if (kind == IRK_CALL) {
		if (!(ir_ops[d->op].effects & IRE_CALL))
			return bad(v, r, "operand %u (v%u) is not a call", k, a);
		return true;
	}
	if (ir_ops[d->op].result == IRR_NONE)
		return bad(v, r, "operand %u (v%u) has no value", k, a);
	enum ir_type want = IRT_NONE;
	switch (kind) {
	case IRK_T: want = (enum ir_type)i->type; break;
	case IRK_A: want = (enum ir_type)f->v[ir_args(f, r)[0]].type; break;
	case IRK_SI:
		if (!is_int((enum ir_type)i->aux))
			return bad(v, r, "source type is not an integer type");
		want = (enum ir_type)i->aux;
		break;
	case IRK_SF:
		if (!is_flt((enum ir_type)i->aux))
			return bad(v, r, "source type is not a float type");
		want = (enum ir_type)i->aux;
		break;
	case IRK_I32: want = IRT_I32; break;
	case IRK_I64: want = IRT_I64; break;
	case IRK_F32: want = IRT_F32; break;
	case IRK_F64: want = IRT_F64; break;
	case IRK_INT:
		if (!is_int(t))
			return bad(v, r, "operand %u (v%u) is %s, not an integer", k, a, ir_type_names[t]);
		return true;
	case IRK_W32: case IRK_W64:
		if (ir_type_bytes[t] != (kind == IRK_W32 ? 4 : 8))
			return bad(v, r, "operand %u (v%u) has the wrong width", k, a);
		return true;
	case IRK_VAR:
		if (i->op == IR_PHI)
			want = (enum ir_type)i->type;
		else if (i->op == IR_RET)
			want = k < f->nresults ? (enum ir_type)f->result_types[k] : IRT_NONE;
		else if (i->op == IR_VOP || i->op == IR_VLOAD || i->op == IR_VSTORE) {
			want = ir_vop_arg_type(i->aux, k);
			if (want == IRT_NONE)
				return bad(v, r, "operand %u is past the SIMD op's", k);
		}
		if (t == IRT_NONE)
			return bad(v, r, "operand %u (v%u) has no type", k, a);
		if (want == IRT_NONE)
			return true;
		break;
	default:
		if (t == IRT_NONE)
			return bad(v, r, "operand %u (v%u) has no type", k, a);
		return true;
	}
	if (t != want)
		return bad(v, r, "operand %u (v%u) is %s, wants %s", k, a,
			ir_type_names[t], ir_type_names[want]);
	return true;
}

static bool check_insn(vctx *v, uint32_t b, uint32_t j)
{
	ir_func *f = v->f;
	ir_ref r = f->b[b].insn[j];
	ir_insn *i = ir_at(f, r);
	const ir_op_info *oi = &ir_ops[i->op];
	if (i->block != b)
		return bad(v, r, "listed in b%u but says b%u", b, i->block);
	if (oi->nargs >= 0 && i->nargs != (uint32_t)oi->nargs)
		return bad(v, r, "has %u operands, wants %d", i->nargs, oi->nargs);
	/* result type */
	enum ir_type t = (enum ir_type)i->type;
	switch (oi->result) {
	case IRR_T:
		if (t == IRT_NONE || (oi->cls == IRC_INT && !is_int(t)) ||
		    (oi->cls == IRC_FLT && !is_flt(t)))
			return bad(v, r, "has type %s", ir_type_names[t]);
		break;
	case IRR_I32: if (t != IRT_I32) return bad(v, r, "must be i32"); break;
	case IRR_I64: if (t != IRT_I64) return bad(v, r, "must be i64"); break;
	default:
		if (t != IRT_NONE && oi->kind[0] != IRK_T)
			return bad(v, r, "has no value but a type");
		break;
	}
	if (i->op == IR_PHI && i->nargs != f->b[b].npred)
		return bad(v, r, "has %u operands for %u predecessors", i->nargs, f->b[b].npred);
	if (i->op == IR_RET && i->nargs != f->nresults)
		return bad(v, r, "returns %u values, the function %u", i->nargs, f->nresults);
	for (uint32_t k = 0; k < i->nargs; k++) {
		if (!check_operand(v, r, k))
			return false;
		ir_ref a = ir_args(f, r)[k];
		bool dom = i->op == IR_PHI ?
			(f->v[a].block == f->b[b].pred[k] ||
			 ir_dominates(f, f->v[a].block, f->b[b].pred[k])) :
			dominates_use(v, a, b, j);
		if (!dom)
			return bad(v, r, "operand %u (v%u) does not dominate its use", k, a);
	}
	if (i->op == IR_BITCAST && (ir_type_bytes[t] != ir_type_bytes[f->v[ir_args(f, r)[0]].type] ||
	    t == f->v[ir_args(f, r)[0]].type))
		return bad(v, r, "bitcast between %s and %s", ir_type_names[f->v[ir_args(f, r)[0]].type],
			ir_type_names[t]);
	return true;
}

static uint32_t count(const uint32_t *a, uint32_t n, uint32_t x)
{
	uint32_t c = 0;
	for (uint32_t i = 0; i < n; i++)
		c += a[i] == x;
	return c;
}

static bool check_block(vctx *v, uint32_t b)
{
	ir_func *f = v->f;
	ir_block *bl = &f->b[b];
	if (bl->rpo == UINT32_MAX)
		return bad(v, IR_NONE, "b%u is unreachable", b);
	bool body = false;
	ir_ref term = IR_NONE;
	for (uint32_t j = 0; j < bl->ninsn; j++) {
		ir_ref r = bl->insn[j];
		if (f->v[r].op == IR_NOP)
			continue;
		if (term)
			return bad(v, r, "after b%u's terminator", b);
		if (f->v[r].op == IR_PHI) {
			if (body)
				return bad(v, r, "phi after the body of b%u", b);
		} else {
			body = true;
		}
		if (ir_ops[f->v[r].op].effects & IRE_CTRL)
			term = r;
	}
	if (!term)
		return bad(v, IR_NONE, "b%u has no terminator", b);
	uint32_t want;
	switch (f->v[term].op) {
	case IR_JUMP: want = 1; break;
	case IR_BRANCH: want = 2; break;
	case IR_SWITCH: want = bl->nsucc ? bl->nsucc : 1; break;
	default: want = 0; break;
	}
	if (bl->nsucc != want)
		return bad(v, term, "b%u has %u successors, wants %u", b, bl->nsucc, want);
	for (uint32_t k = 0; k < bl->nsucc; k++) {
		uint32_t s = bl->succ[k];
		if (s >= f->nb || f->b[s].dead)
			return bad(v, term, "b%u -> dead or missing b%u", b, s);
		if (count(f->b[s].pred, f->b[s].npred, b) != count(bl->succ, bl->nsucc, s))
			return bad(v, term, "edges b%u -> b%u and preds disagree", b, s);
	}
	for (uint32_t k = 0; k < bl->npred; k++) {
		uint32_t p = bl->pred[k];
		if (p >= f->nb || f->b[p].dead ||
		    count(f->b[p].succ, f->b[p].nsucc, b) != count(bl->pred, bl->npred, p))
			return bad(v, IR_NONE, "b%u's pred b%u has no matching edge", b, p);
	}
	return true;
}

/* The dominators: if ir_dom_compute kept them (the CFG's edit count
 * unchanged), they must be what computing them again gives, or an edit
 * of the CFG went uncounted (ir_func.cfg_gen). */
static bool dom_current(ir_func *f, vctx *v)
{
	bool kept = f->dom_ok && f->dom_gen == f->cfg_gen;
	uint32_t nb = f->nb, nrpo = f->nrpo, (*was)[3] = NULL;
	if (kept) {
		was = malloc((nb ? nb : 1) * sizeof *was);
		if (!was)
			return bad(v, IR_NONE, "out of memory");
		for (uint32_t b = 0; b < nb; b++) {
			was[b][0] = f->b[b].rpo;
			was[b][1] = f->b[b].idom;
			was[b][2] = f->b[b].dom_depth;
		}
		f->dom_ok = false;
	}
	bool ok = ir_dom_compute(f);
	for (uint32_t b = 0; ok && kept && b < nb; b++) {
		const ir_block *bl = &f->b[b];
		if (was[b][0] != bl->rpo || (bl->rpo != UINT32_MAX &&
		    (was[b][1] != bl->idom || was[b][2] != bl->dom_depth)) ||
		    nrpo != f->nrpo) {
			free(was);
			return bad(v, IR_NONE, "b%u: dominators kept across a CFG "
				"edit that was not counted (cfg_gen)", b);
		}
	}
	free(was);
	return ok || bad(v, IR_NONE, "out of memory");
}

bool ir_verify(ir_func *f, char *msg, size_t msg_len)
{
	vctx v = { .f = f, .msg = msg, .len = msg_len, .ok = true };
	if (msg_len)
		msg[0] = 0;
	if (f->oom)
		return bad(&v, IR_NONE, "out of memory while building");
	if (!f->nb || f->b[0].dead || f->b[0].npred)
		return bad(&v, IR_NONE, "the entry block is missing or has predecessors");
	if (!dom_current(f, &v))
		return false;
	if (f->v[IR_NONE].op != IR_NOP)     /* copyprop reads it as no copy */
		return bad(&v, IR_NONE, "value 0 (none) is not a NOP");
	uint32_t ncopy = 0;
	for (ir_ref r = 0; r < f->nv; r++)
		if (f->opc[r] != f->v[r].op)
			return bad(&v, r, "its op differs from ir_func.opc's");
	for (ir_ref r = 1; r < f->nv; r++)
		ncopy += f->v[r].op == IR_COPY;
	if (ncopy != f->ncopy)
		return bad(&v, IR_NONE, "the count of copies is wrong");
	for (uint32_t b = 0; b < f->nb && !f->nnop; b++)
		for (uint32_t j = 0; j < f->b[b].ninsn; j++)
			if (f->v[f->b[b].insn[j]].op == IR_NOP)
				return bad(&v, f->b[b].insn[j],
					"a NOP in a list with none counted (nnop)");
	v.pos = calloc(f->nv, sizeof *v.pos);
	if (!v.pos)
		return bad(&v, IR_NONE, "out of memory");
	for (uint32_t b = 0; b < f->nb && v.ok; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn; j++)
			v.pos[f->b[b].insn[j]] = j;
		check_block(&v, b);
	}
	for (uint32_t b = 0; b < f->nb && v.ok; b++) {
		if (f->b[b].dead)
			continue;
		for (uint32_t j = 0; j < f->b[b].ninsn && v.ok; j++)
			if (f->v[f->b[b].insn[j]].op != IR_NOP)
				check_insn(&v, b, j);
	}
	for (uint32_t o = 0; o < f->nosr && v.ok; o++) {
		const ir_osr *m = &f->osr[o];
		if (m->block == UINT32_MAX)
			continue;
		if (m->block >= f->nb || f->b[m->block].dead || f->b[m->block].osr != o + 1) {
			bad(&v, IR_NONE, "OSR map %u names b%u, which does not name it", o, m->block);
			break;
		}
		for (uint32_t s = 0; s < m->nslots && v.ok; s++) {
			ir_ref a = m->slot[s];
			if (a == IR_NONE)
				continue;
			const ir_insn *d = a < f->nv ? &f->v[a] : NULL;
			if (!d || d->op == IR_NOP || ir_ops[d->op].result == IRR_NONE)
				bad(&v, IR_NONE, "OSR map of b%u: slot %u holds no value", m->block, s);
			else if (d->block == m->block ? d->op != IR_PHI :
			         !ir_dominates(f, d->block, m->block))
				bad(&v, a, "OSR map of b%u: slot %u's value does not dominate the header",
					m->block, s);
		}
	}
	free(v.pos);
	return v.ok;
}
