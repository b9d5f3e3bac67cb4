/* passes.h -- the builder, the passes and the pass manager of tier 2
 * (internal to engine/jit/opt/).
 *
 * A pass is a function from IR to IR: it rewrites an ir_func in place and
 * says whether it changed anything.  Each has its own file and its own
 * test (tests/unit/check_opt.c); ir_verify holds after each.
 */
#ifndef ENGINE_JIT_OPT_PASSES_H
#define ENGINE_JIT_OPT_PASSES_H

#include "jit/opt/ir.h"
#include "wasm.h"

/* ir_build.c: function func_index of m (a defined function) as IR, from
 * its pre-decoded code.  WASM_ERR_UNSUPPORTED with a named reason when it
 * cannot (the reasons are listed in ir_build.c), WASM_ERR_NOMEM. */
wasm_status ir_build(wasm_module *m, uint32_t func_index, ir_func **out,
	wasm_error *err);
/* The same with OSR maps (osr): at no loop (IR_OSR_NONE), at every loop
 * (IR_OSR_ALL), or at the LOOP at that pre-decoded code offset and the
 * loops around it (a loop without a map would have LICM move a value
 * live into the inner header, out of the reach of its entry).  ir_build:
 * every loop or none, as opt_osr_wanted says; tier_opt.c asks for the
 * others under --tier=auto. */
#define IR_OSR_NONE UINT32_MAX
#define IR_OSR_ALL (UINT32_MAX - 1)
wasm_status ir_build_osr(wasm_module *m, uint32_t func_index, uint32_t osr,
	ir_func **out, wasm_error *err);
/* The same, refused ("over the instruction budget") as soon as the
 * builder has emitted more than budget instructions (0: no limit).  Every
 * instruction it emits (phis aside) is in a reachable block and stays
 * (the builder deletes only trivial phis), so a function refused here has
 * more than budget instructions as built: the inliner asks this of a
 * callee with its limit rather than building all of a big one. */
wasm_status ir_build_bounded(wasm_module *m, uint32_t func_index,
	uint32_t budget, ir_func **out, wasm_error *err);

/* The passes.  Each returns whether it changed the IR (false on running
 * out of memory too: then f->oom is set). */
bool ir_pass_fold(ir_func *f);      /* ir_fold.c: constants, identities */
bool ir_pass_copyprop(ir_func *f);  /* ir_copyprop.c: copies, trivial phis */
bool ir_pass_dce(ir_func *f);       /* ir_dce.c: unused pure values */
bool ir_pass_gvn(ir_func *f);       /* ir_gvn.c: equal pure values */
bool ir_pass_brfold(ir_func *f);    /* ir_brfold.c: constant branches,
                                       unreachable blocks */
bool ir_pass_strength(ir_func *f);  /* ir_strength.c: div, rem, mul by
                                       constants */
bool ir_pass_licm(ir_func *f);      /* ir_licm.c: loop-invariant pure ops
                                       to the preheader */
bool ir_pass_addr(ir_func *f);      /* ir_addr.c: address + constant into
                                       the access's offset */
bool ir_pass_inline(ir_func *f);    /* ir_inline.c: small direct callees
                                       (f->module's) inlined */
bool ir_pass_loopchk(ir_func *f);   /* ir_loopchk.c: no deadline check in
                                       loops whose trips all call, nor in
                                       short counted inner loops */
bool ir_pass_loadelim(ir_func *f);  /* ir_loadelim.c: loads of known bytes
                                       (an earlier load or store) */

/* ir_inline.c: whether g (as built) is a callee ir_pass_inline inlines
 * (its header says which), and then its size in IR instructions. */
bool ir_inlinable(const ir_func *g, uint32_t *ninsn);
/* func_t.opt_inline: what ir_pass_inline found of a callee (0: not yet
 * asked). */
enum { OPT_INLINE_YES = 1, OPT_INLINE_NO = 2 };

/* ir_addr.c: a counted loop's induction variable and one guard of its
 * back edge.  phi is an i32 phi of a header with two predecessors, one of
 * them the back edge (a block the header dominates): phi = (init, next)
 * with next = phi + step (a constant, not 0, mod 2^32); and every
 * iteration that takes the back edge has passed a branch that goes on
 * only if op(v, k) holds, op an i32 compare (ir_cmp_negate's), k a
 * constant, v phi or next (on_next).  ir_addr bounds addresses with it,
 * ir_loopchk counts iterations. */
typedef struct {
	ir_ref phi, init, next;
	uint32_t step;
	enum ir_op op;
	uint32_t k;
	bool on_next;
} ir_iv_guard;
/* Calls fn with each guard of header phi p's back edge (the branches on
 * the idom chain from the back edge up to the header, through an edge
 * every iteration going back takes), until it returns true; whether it
 * did.  False at once if p is not such an induction variable.  Needs
 * ir_dom_compute. */
bool ir_iv_guards(ir_func *f, ir_ref p,
	bool (*fn)(void *ctx, const ir_iv_guard *iv), void *ctx);

/* ir_licm.c: the natural loop of header h (h and the blocks that reach
 * one of its back edges, p -> h with h dominating p, without passing h):
 * its blocks, h first, in body[] as (rpo << 32 | block), *nbody of them,
 * and mark[b] = stamp for each (mark: per block, no other entry equal to
 * stamp; work and body: f->nb entries).  False if h has no back edge.
 * Needs ir_dom_compute. */
bool ir_loop_blocks(const ir_func *f, uint32_t h, uint32_t *mark, uint32_t stamp,
	uint32_t *work, uint64_t *body, uint32_t *nbody);
/* ir_licm.c: the preheader of that loop (its blocks marked mark[b] ==
 * stamp): the one block outside it with an edge to h, which has no other
 * successor; UINT32_MAX if there is none (several entries, or a
 * critical edge).  Where LICM puts what it hoists, and lowering the loop
 * check's registers (lower_ctl.c). */
uint32_t ir_loop_preheader(const ir_func *f, uint32_t h, const uint32_t *mark,
	uint32_t stamp);

/* ir_inline.c: the pre-decoded instruction r came from: at r's site in
 * the code of ir_site_func(f, r) (an inlined callee's, for inlined
 * code); NULL if there is none (f->module's code has no such offset). */
const uint8_t *ir_site_insn(const ir_func *f, ir_ref r);
/* ir_inline.c: for a call r (IR_CALL, IR_CALL_IMPORT, IR_CALL_INDIRECT)
 * whose instruction is that call, the slot of f's frame where its
 * callee's frame starts: its ir_inl base + the call's base in its own code's
 * frame.  False if r's instruction is not its call. */
bool ir_call_frame(const ir_func *f, ir_ref r, uint32_t *frame);

/* ir_licm.c: whether an OSR entry at loop header `header` can rebuild
 * value v (ir.h, "OSR"): a constant, a value the header's map names, or a
 * pure op dominating the header whose operands are such values (to
 * `depth` levels).  True for a header without a map. */
bool ir_osr_recoverable(const ir_func *f, uint32_t header, ir_ref v,
	unsigned depth);
/* ir_licm.c: the one step of that rule: v is an op an OSR entry at
 * `header` may compute (operands aside): pure (no effects, so it cannot
 * trap), not a phi, parameter, copy, call result or constant, and defined
 * in a block that strictly dominates the header. */
bool ir_osr_rebuilt_op(const ir_func *f, uint32_t header, ir_ref v);
/* ir_licm.c: its first part, the kind of op licm moves (pure, with
 * operands, not a phi, parameter, copy, call result or constant). */
bool ir_licm_movable(const ir_func *f, ir_ref v);

/* ir_osr.c: what an OSR entry at loop header h computes after loading
 * the slots of h's map.  `list` gets the pure ops (ir_licm_movable) live
 * into h that are not in the map -- the values LICM moved out -- with
 * the operands they need in turn, each after its operands (an order the
 * dominance order agrees with), if each is recoverable
 * (ir_osr_rebuilt_op at each step); nskipped counts those that are not
 * (then the entry is not usable: the allocator drops it).  A value that
 * is live into h and no such op (a load, a call's result) is not listed
 * either: the same.  fused[v] (may be NULL): v is computed inside its one
 * user, which then reads v's operands instead -- except where v is in
 * the map and its user is rebuilt: `unfused` lists those, which the entry
 * loads from their slots and its copy of the user reads as values.
 * False only when out of memory (r->oom).  r starts zeroed, is used for
 * the headers of one function (liveness is found at the first call) and
 * freed by ir_osr_rebuild_free. */
typedef struct {
	ir_ref *list;           /* the values, in order */
	uint32_t n, cap;
	ir_ref *unfused;        /* mapped values read unfused at the entry */
	uint32_t nunfused, cap_unfused;
	uint32_t nskipped;
	uint32_t *mark, nv;     /* per value: state + stamp */
	uint32_t *bmark, nb;    /* per block: the value walked back last */
	uint32_t *work;         /* nb blocks */
	uint32_t (*pair)[2];    /* (header, live value), sorted */
	uint32_t npair, cap_pair;
	uint64_t *read;         /* the uses walked back from (ir_osr.c) */
	uint32_t nread, cap_read;
	uint32_t stamp;
	bool ready, oom;
} ir_osr_rebuild;

bool ir_osr_rebuild_list(const ir_func *f, uint32_t h, const bool *fused,
	ir_osr_rebuild *r);
void ir_osr_rebuild_free(ir_osr_rebuild *r);

/* ir_pass.c: the pass manager. */
typedef struct {
	const char *name;
	bool (*run)(ir_func *f);
	const char *what;
	bool idempotent;        /* run again on its own output, it changes
	                           nothing (returns false): the manager skips
	                           it when no pass changed the IR since it
	                           last ran */
	bool sees_copies;       /* it reads every operand through its copy
	                           chain and passes over copies and NOPs, so
	                           copy propagation's rewiring
	                           (ir_func.copies_only) gives it nothing new
	                           to do: such a change leaves it skipped */
} ir_pass;

/* The passes by name, NULL-terminated; and one by name (or NULL). */
extern const ir_pass ir_passes[];
const ir_pass *ir_pass_find(const char *name);

/* The pipeline, a comma-separated list of pass names: the one for every
 * function in every tier mode (OSR entries rebuild what licm moves out of
 * their loops: ir_osr_rebuild_list). */
extern const char ir_default_pipeline[];

/* Run the passes named in `pipeline` (comma-separated) in order.  With
 * `print`, the IR is printed before the first and after each pass; with
 * `verify`, ir_verify runs after each (and before the first).  Fails with
 * WASM_ERR_ARG for an unknown pass, WASM_ERR_INVALID when the verifier
 * rejects the IR (the message names the pass that broke it), WASM_ERR_NOMEM. */
wasm_status ir_run_passes(ir_func *f, const char *pipeline, FILE *print,
	bool verify, wasm_error *err);

/* Whether op's two operands may be swapped: integer ops only (a float
 * op's first operand decides a NaN result's bits, ops.h "Float results").
 * Fold moves their constants right, GVN numbers them in either order. */
static inline bool ir_op_commutative(enum ir_op op)
{
	return op == IR_IADD || op == IR_IMUL || op == IR_IMULHS ||
	       op == IR_IMULHU || op == IR_IAND || op == IR_IOR ||
	       op == IR_IXOR || op == IR_IEQ || op == IR_INE;
}

/* The integer compare that is true exactly when op is false (IR_NOP if
 * op is not an integer compare of two operands).  Fold rewrites
 * eqz(compare) with it; ir_addr.c reads branch conditions with it. */
static inline enum ir_op ir_cmp_negate(enum ir_op op)
{
	switch (op) {
	case IR_IEQ: return IR_INE;
	case IR_INE: return IR_IEQ;
	case IR_ILTS: return IR_IGES;
	case IR_IGES: return IR_ILTS;
	case IR_ILTU: return IR_IGEU;
	case IR_IGEU: return IR_ILTU;
	case IR_IGTS: return IR_ILES;
	case IR_ILES: return IR_IGTS;
	case IR_IGTU: return IR_ILEU;
	case IR_ILEU: return IR_IGTU;
	default: return IR_NOP;
	}
}

/* The exact value of a pure op on constant operands, wasm semantics
 * (ir_fold.c).  False if it must not be folded: it would trap, or a
 * float result could differ in its bits from what the other tiers give. */
bool ir_eval(enum ir_op op, enum ir_type type, enum ir_type src,
	const uint64_t *a, uint32_t nargs, uint64_t *out);

#endif
