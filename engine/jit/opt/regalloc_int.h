/* regalloc_int.h -- what the register allocator's files share (internal
 * to regalloc.c, regalloc_split.c and regalloc_check.c).
 *
 * regalloc.c    liveness, live ranges, linear scan, splitting around calls
 * regalloc_split.c  the natural loops; splitting at loop boundaries for
 *               register pressure
 * regalloc_check.c  mir_regalloc_verify and its data-flow check of the
 *               locations
 * regalloc_mem.c    their scratch memory
 */
#ifndef ENGINE_JIT_OPT_REGALLOC_INT_H
#define ENGINE_JIT_OPT_REGALLOC_INT_H

#include "jit/opt/mir.h"

/* Scratch memory (regalloc_mem.c): an arena of blocks, bump-allocated,
 * given back at once; a thread keeps its blocks between allocations.
 * ra_arena_open takes the thread's blocks (all free), ra_arena_close
 * gives them back (or frees them, past a bound).  ra_alloc: n bytes,
 * 16-aligned, NULL when out of memory; ra_zalloc zeroed; ra_grow as
 * ir_grow (the last allocation grows in place when its block has room:
 * ra_grow_to).  ra_arena_release(a, m) gives back what was allocated
 * after ra_arena_mark returned m (the blocks stay with the arena). */
struct ra_block;
typedef struct {
	struct ra_block *first, *cur;
	size_t off;             /* bytes used in cur */
	void *last;             /* the last allocation (ra_grow) */
} ra_arena;
void ra_arena_open(ra_arena *a);
void ra_arena_close(ra_arena *a);
void *ra_alloc(ra_arena *a, size_t n);
typedef struct {
	struct ra_block *cur;
	size_t off;
} ra_mark;
ra_mark ra_arena_mark(const ra_arena *a);
void ra_arena_release(ra_arena *a, ra_mark m);
/* Mark m, taken right after allocating last, moved back to follow
 * last's first n bytes (what of it is used: the rest is given back). */
ra_mark ra_mark_cut(ra_mark m, const void *last, size_t n);
void *ra_zalloc(ra_arena *a, size_t n);
/* The last allocation p cut to n bytes (a grown array's room past what
 * it holds given back, for the next allocation to follow it); nothing
 * when p is not the last. */
void ra_trim(ra_arena *a, void *p, size_t n);
bool ra_grow_to(ra_arena *a, void **p, uint32_t *cap, uint32_t need,
	size_t elem);
/* inline: most calls append to an array with room */
static inline bool ra_grow(ra_arena *a, void **p, uint32_t *cap,
	uint32_t need, size_t elem)
{
	return need <= *cap || ra_grow_to(a, p, cap, need, elem);
}

/* Locations: 16 GPRs, 16 XMM registers (MIR_LOC_XMM + n). */
#define RA_NLOC 32

/* How an instruction touches a register (ra_visit).  clobber: written
 * at the use position; callclob: a call's clobber of a caller-saved
 * register (checked by liveness, not by intervals). */
enum { OP_USE, OP_DEF, OP_CLOBBER, OP_CALLCLOB };
typedef void visit_fn(void *ctx, mir_reg r, int how);

/* Every register instruction i reads or writes: uses first, then defs
 * (a PMOV's sources, then its destinations: parallel). */
void ra_visit(const mir_func *mf, const mir_insn *i, visit_fn *fn, void *ctx);

/* Every instruction's operands as ra_visit gives them but a call's
 * clobbers (OP_CALLCLOB), listed once per round (regalloc.c's
 * ops_build): instruction idx's (its linear index,
 * block b's first + j, as the blocks were then) at op[at[idx] ..
 * at[idx + 1]).  An operand is its register << 2 | how, 4 bytes (the
 * list is the largest array of a round after the liveness sets): a
 * register fits in 30 bits, as the liveness sets' bound (regalloc.c,
 * sets_fit) keeps the registers of an allocated function below 2^28. */
typedef uint32_t ra_op;
static inline ra_op ra_op_make(mir_reg r, int how)
{
	return r << 2 | (uint32_t)how;
}
static inline mir_reg ra_op_reg(ra_op o)
{
	return o >> 2;
}
static inline int ra_op_how(ra_op o)
{
	return (int)(o & 3);
}
typedef struct {
	const ra_op *op;
	const uint32_t *at;
} ra_oplist;

/* Natural loops of the MIR's CFG: for each block h with an edge from a
 * block laid out at or after it, the blocks reaching one of those edges
 * backwards without passing h (h first).  fn(ctx, h, body, n, pred) per
 * loop, headers ascending (so a loop before the loops nested in it: its
 * header dominates theirs and comes first in the layout); pred the
 * predecessor lists, CSR (block b's: pred->list[pred->at[b] ..
 * pred->at[b + 1])).  An edge that is not a back edge (h does not
 * dominate its source: a walk back from it would reach the entry block)
 * makes no loop, nor does h then.  The walks stop after a budget of block
 * visits (the loops not walked by then are not reported).  False when out
 * of memory or when fn returns false. */
typedef struct {
	const uint32_t *at, *list;
} ra_preds;
typedef bool loop_fn(void *ctx, uint32_t h, const uint32_t *body, uint32_t n,
	const ra_preds *pred);
bool ra_loops(const mir_func *mf, loop_fn *fn, void *ctx);
/* The loops ra_loops finds, kept (ra_loops_keep) to be walked again
 * (ra_loops_again: the same calls of fn, in the same order) while the
 * CFG stays: the allocator finds them once for the loop depths and walks
 * them again when it splits at loops (splitting adds instructions, not
 * blocks).  Loop k: header head[k], body body[at[k] .. at[k + 1]). */
typedef struct {
	uint32_t n, cap, cap_at, *head, *at;
	uint32_t *body, nbody, cap_body;
	uint32_t *pred_at, *pred_list;  /* ra_preds, once there is a loop */
} ra_loopset;
bool ra_loops_keep(const mir_func *mf, ra_loopset *ls);
bool ra_loops_again(const ra_loopset *ls, loop_fn *fn, void *ctx);
void ra_loopset_free(ra_loopset *ls);

/* The liveness sets' numbering (regalloc.c, liveness): a bit only for
 * each register some block reads before writing it (a global register:
 * only those are ever live into a block; one defined and dead within
 * each block it appears in has none), in ascending order of register,
 * so a walk of a set's bits meets its registers in ascending order as a
 * walk of a set indexed by register did.  idx[v] for v below nv: v's
 * bit, or UINT32_MAX; reg[i]: the register of bit i (n of them).  The
 * second round's sets keep the first's numbering, the registers the
 * splits made listed per block beside them (regalloc.c, carry_in). */
typedef struct {
	uint32_t *idx;
	mir_reg *reg;
	uint32_t nv, n;
} ra_glob;
#define RA_NOBIT UINT32_MAX

/* What a first round that splits leaves the second (regalloc.c): its
 * live-in sets and, per loop it split values at, the loop's blocks and
 * the pairs (v, s) it split, and the moves v = mov s it put at the start
 * of a block outside (an exit's target).  The second round's live-in
 * sets follow from them without a fixpoint (regalloc.c, carry_in).  The
 * second round reuses the first's arena memory (ra_arena_release), so
 * what it reads is kept apart: the live-in sets in the arena before the
 * first round's mark (the caller allocates them, the first round fills
 * them, the second changes them in place: its own), the lists malloc'd
 * (ir_grow; mir_regalloc frees them). */
typedef struct {
	uint64_t *in;           /* nw words per block, numbered by g */
	uint32_t nw;
	ra_glob g;
	struct ra_carry_loop {
		const uint32_t *body;
		uint32_t n, first, npair;       /* pairs first .. + npair */
	} *loop;
	uint32_t nloop, cap_loop;
	mir_reg (*pair)[2];     /* (v, s) */
	uint32_t npair, cap_pair;
	struct ra_carry_start {
		uint32_t b;
		mir_reg v, s;
	} *start;
	uint32_t nstart, cap_start;
} ra_carry;

/* Splitting at loop boundaries (regalloc_split.c), its arrays in ar: ops
 * the operands before the calls' splits this round rewrote some blocks
 * (they only add moves of values in skip and of new registers), in the
 * live-in sets (nw words per block, numbered by g), pressure[b]
 * and pressure_x[b] the most integer and float registers live at once
 * in block b, skip the registers not to split (those split around calls;
 * numbered by g as well).
 * *nsplit: how many values were split (the caller allocates again), and
 * cy the splits, for the next round's liveness.
 * False when out of memory. */
bool ra_split_loops(mir_func *mf, ra_arena *ar, const ra_loopset *loops,
	const ra_oplist *ops, const uint64_t *in, uint32_t nw,
	const ra_glob *g, const uint16_t *pressure, const uint16_t *pressure_x,
	const uint64_t *skip, ra_carry *cy, uint32_t *nsplit);
/* The registers the scan hands out per class (regalloc.c). */
extern const unsigned ra_ngpr, ra_nxmm;

/* A MOV the loop splitting inserted has this aux (tests find them). */
#define MIR_MOV_SPLIT 1u

/* The verifier's data-flow check (regalloc_check.c): following the CFG
 * from the entry and the usable OSR entries, each location holds the
 * register last written there on every path; every read must find its
 * register in its location (a GPR or XMM register, or a spill slot);
 * calls, fixed registers, div and the instance's readers overwrite what
 * they name.  False with a message on the first violation. */
bool ra_check_flow(const mir_func *mf, char *msg, size_t msg_len);

#endif
