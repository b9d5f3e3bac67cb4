/* ir_build_int.h -- what the IR builder's files share (internal to
 * ir_build.c and ir_build_ops.c).
 *
 * ir_build.c      the builder's state and passes: scan, slot reads and
 *                 writes with phis (Braun et al.), the fill loop over the
 *                 blocks, OSR maps, types; ir_build
 * ir_build_ops.c  one instruction's IR (ir_b_insn), by op family, and the
 *                 interp op -> IR op and wasm type -> IR type tables
 */
#ifndef ENGINE_JIT_OPT_IR_BUILD_INT_H
#define ENGINE_JIT_OPT_IR_BUILD_INT_H

#include "jit/opt/passes.h"
#include "interp/ops.h"

/* (block, slot) -> value, an open-addressing hash (ir_build.c's smap_get,
 * smap_put; keys by KEY). */
typedef struct {
	uint64_t *key;          /* key + 1; 0 is empty */
	ir_ref *val;
	uint32_t cap, n;
} smap;

typedef struct {
	uint32_t block, slot, next;
	ir_ref phi;
} incomplete;

typedef struct {
	wasm_module *m;
	const struct fcode *fc;
	const uint8_t *code;
	ir_func *f;
	const char *refusal;
	uint32_t refusal_off;
	uint32_t nslots, nlocals;
	uint64_t *starts;           /* a bit per code offset: a block starts
	                               there (scan) */
	uint32_t *rank;             /* per word of starts: the blocks starting
	                               before it (block_of) */
	uint64_t *is_insn;          /* a bit per code offset: an instruction
	                               starts there (scan) */
	uint8_t *reach, *sealed, *filled;
	char *fill_mem;             /* the one allocation the arrays by
	                               block and by slot are cut from, the
	                               slot map aside (ir_build_bounded) */
	uint32_t *scr1, *scr2;      /* per block (scr1 one more), for one
	                               pass at a time: edges' worklist,
	                               min_latches' union-find, loop_writes'
	                               headers and ends */
	uint32_t *loop_no;          /* per block: 1 + its index among the
	                               LOOP headers filled so far, 0 if it
	                               heads none (yet) */
	uint32_t nloops, nloops_made;   /* LOOPs in the code (scan); headers
	                                   numbered so far */
	uint32_t *nphi;             /* per block: phis placed in it (deleted
	                               ones too, as NOPs: all at its start) */
	ir_ref *cur_dense;          /* value of a slot at the end of a block
	                               (so far): [block * nslots + slot], if
	                               that fits CUR_DENSE_MAX, */
	smap cur;                   /* else this hash */
	ir_ref *entry_dense;        /* value of a slot on entry to a loop
	                               header (for its OSR map): [(loop_no -
	                               1) * nslots + slot], if that fits
	                               CUR_DENSE_MAX, */
	smap entry;                 /* else this hash */
	incomplete *inc;
	uint32_t ninc, cap_inc;
	uint32_t *inc_head;         /* per block: first incomplete + 1 */
	uint32_t *chain;            /* read_rec's single-predecessor chains,
	                               a stack: each call uses [base, top) */
	uint32_t nchain, cap_chain;
	ir_ref *vals;               /* join_value's operands, a stack too */
	uint32_t nvals, cap_vals;
	uint32_t *min_latch;        /* per block b: the smallest p of an edge
	                               p -> h with h <= b <= p (a back edge in
	                               block order spanning b), UINT32_MAX if
	                               none (no cycle passes through b) */
	uint32_t nfilled;           /* blocks below this index are filled (or
	                               unreachable) */
	uint32_t words;             /* 64-bit words of a slot bit set */
	uint64_t *wr;               /* per block: the slots its instructions
	                               write (their D fields) */
	uint32_t *wr_base;          /* per block: the lowest base of a call in
	                               it, which writes its results from there
	                               up (ENTER: 0); UINT32_MAX if none */
	uint32_t *lp;               /* per block: 1 + its loop's index in
	                               lp_wr, lp_base, lp_entry if it heads a
	                               loop whose reads can skip the phis
	                               (loop_writes), else 0 */
	uint64_t *lp_wr;            /* per loop: the slots its blocks write */
	uint32_t *lp_base;          /* per loop: the lowest call base in it */
	uint32_t *lp_entry;         /* per loop: the header's one predecessor
	                               outside it, UINT32_MAX if several */
	uint32_t *lp_outer;         /* per block: 1 + the outermost loop whose
	                               range holds it, if every loop of the
	                               function can skip phis; else 0 */
	uint32_t *lp_inner;         /* per block: 1 + the header of the
	                               innermost such range holding it, under
	                               the same condition; else 0 */
	bool ranges;                /* every loop is such a range (or there
	                               is none) */
	uint64_t *gen, *kill;       /* per block: read before written; written
	                               (for the OSR maps' liveness: NULL
	                               without them) */
	uint32_t *wrote;            /* per slot: block + 1 that wrote it last */
	ir_ref *fwd;                /* per value: the value a trivial phi was
	                               replaced by (find), 0 if none */
	uint32_t cap_fwd;
	uint32_t *use_head;         /* per phi: its first phi user + 1 */
	uint32_t cap_use_head;
	struct phi_use { ir_ref user; uint32_t next; } *uses;
	uint32_t nuses, cap_uses;   /* phi -> phi users, linked lists */
	ir_ref *work;               /* remove_trivial's worklist */
	ir_ref *made;               /* the phis and selects made, in order */
	uint32_t nmade, cap_made;
	uint32_t cap_work;
	bool removed;               /* a trivial phi was removed */
	uint32_t budget;            /* ir_build_bounded: the most instructions
	                               ir_b_emit makes (0: no limit) */
	uint32_t emitted;
	bool osr;                   /* OSR maps made (ir_build_osr) */
	uint32_t osr_loop;          /* at every loop (IR_OSR_ALL), or at the
	                               LOOP at this code offset and those
	                               around it */
	uint32_t blk;               /* block being filled */
	uint32_t off;               /* instruction being translated */
	uint32_t map_at;            /* ir_b_wasm_off's cursor: an index in
	                               fc->map */
	bool oom;
} bld;

/* Refuse the function (WASM_ERR_UNSUPPORTED) for reason `why`, a static
 * string, at the instruction being translated; the first refusal counts. */
void ir_b_refuse(bld *c, const char *why);

/* An instruction at the end of the block being filled, of n of the
 * operands a0, a1, a2, with its site (c->off) and, if the op can trap, its
 * wasm offset.  IR_NONE when out of memory (the function's oom is set). */
ir_ref ir_b_emit(bld *c, enum ir_op op, enum ir_type t, uint32_t n,
	ir_ref a0, ir_ref a1, ir_ref a2);

/* The wasm offset of the instruction being translated (c->off), as
 * fcode_wasm_offset gives it: SIZE_MAX if none. */
size_t ir_b_wasm_off(bld *c);

/* The value of slot s in the block being filled (a phi where paths join,
 * made as needed).  IR_NONE, with a refusal, if s is outside the frame or
 * no definition reaches the read. */
ir_ref ir_b_rd(bld *c, uint32_t s);

/* Slot s holds v from here in the block being filled.  A refusal if s is
 * outside the frame; c->oom when out of memory. */
void ir_b_wr(bld *c, uint32_t s, ir_ref v);

/* The IR type of wasm value type t (a reference is i64). */
enum ir_type ir_b_irt_of_wasm(uint8_t t);

/* The IR of the instruction at ip (op its op, c->off its offset), appended
 * to the block being filled (c->blk), its results written to their slots.
 * Failures are recorded in c (refusal, oom) and f->oom. */
void ir_b_insn(bld *c, enum interp_op op, const uint8_t *ip);

#endif
