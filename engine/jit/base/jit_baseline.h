/* jit_baseline.h -- what the tier-1 files share among themselves (internal
 * to jit_*.c and tier.c; the rest of the engine uses jit.h).
 *
 * Register convention of JIT code (all callee-saved in the System V ABI, so
 * C helpers preserve them):
 *   rbx  fp: the frame's slot 0 (slot s is [rbx + 8*s])
 *   r12  the module's call vector: [r12 + 8*i] is function i's entry (JIT
 *        code, or the interpreter thunk), [r12 - 8*k] the shared stubs and
 *        C helpers (enum jit_vec)
 *   r13  the instance (wasm_instance *)
 *   r14  the execution context (exec *)
 *   r15  linear memory 0's base (NULL without memory)
 *   rbp  saved by each JIT function's prologue (keeps rsp 16-aligned)
 * Everything else is scratch.  A JIT function is entered by `call` with
 * rbx = its frame, and returns with `ret` only on success; a trap records
 * itself and unwinds the native stack to the trampoline (ex->jit_unwind),
 * which returns the status to jit_run's caller.
 *
 * Calls: the caller moves rbx to the callee's frame (lea rbx,
 * [rbx+8*base]), loads the callee's index into eax (the interpreter thunk
 * wants it), calls [r12+8*index] and moves rbx back.  Results are in the
 * callee's slots 0.., i.e. the caller's base.., as in the interpreter.
 */
#ifndef ENGINE_JIT_BASELINE_H
#define ENGINE_JIT_BASELINE_H

#include "interp/ops.h"
#include "jit/jit.h"
#include "x64/x64_asm.h"

#include <string.h>

/* Negative call-vector slots: [r12 - 8*JV_x]. */
enum jit_vec {
	JV_TRAP = 1,      /* jmp: ecx = kind, edx = func index, r8d = code
	                     offset; records the trap and unwinds */
	JV_UNWIND,        /* jmp: eax = status (trap already recorded) */
	JV_THUNK,         /* call: eax = func index; runs it interpreted */
	JV_CALL_IMPORT,   /* jit_rt_call_import */
	JV_CALL_FUNC,     /* jit_rt_call_func */
	JV_SLOW_OP,       /* jit_rt_slow_op */
	JV_HOT,           /* the higher tier's tier_ops.hot (jit_hot_counts) */
	JV_COUNT
};

/* JIT frame count: each JIT activation takes one frame_rec's worth of the
 * store's frame stack (nothing is written there; it keeps the call depth
 * limit the interpreter's). */
#define JIT_FRAME_BYTES ((int32_t)sizeof(frame_rec))

/* What jit_rt_call_func returns when a host function trapped: JIT code
 * then reports the trap at its call site (kind from ex->trap), as the
 * interpreter does. */
#define JIT_HOST_TRAP 0x7fff

/* jit_rt.c: the helpers (C ABI). */
wasm_status jit_rt_trap(exec *ex, wasm_instance *inst, uint32_t func_index,
	uint32_t kind, uint32_t code_offset);
wasm_status jit_rt_call_interp(exec *ex, wasm_instance *inst,
	uint32_t func_index, uint64_t *fp);
wasm_status jit_rt_call_import(exec *ex, wasm_instance *inst,
	uint32_t func_index, uint64_t *slots);
wasm_status jit_rt_call_func(exec *ex, wasm_instance *inst, wasm_func *f,
	uint64_t *slots);
/* An instruction the JIT leaves to C (tables, bulk memory, memory.grow):
 * runs op, laid out at ip as in the interpreter,
 * on the frame fp.  Returns 0 or the trap kind. */
uint32_t jit_rt_slow_op(wasm_instance *inst, uint64_t *fp,
	const uint8_t *ip, uint32_t op);
/* The native stack limit of this thread (lowest sp JIT code may use). */
uintptr_t jit_rt_stack_limit(void);

/* jit_code.c: install finished code of JIT tier `tier` (its statistics
 * count it).  Code of a higher tier replaces a lower tier's: the call
 * vector's slot is swapped, and the old code stays (for the fault
 * handler and activations still running it) until the module is freed.
 * code/len is the machine code (entry at offset 0), osr_off the OSR
 * prologue's offset; pc and loops as in jit_func with machine offsets
 * relative to code (ownership passes); flags (below).  Returns the
 * installed function or NULL (no memory: the tier's refusal is recorded;
 * or the function has code this one may not replace). */
enum {
	JIT_COUNTS = 1u,    /* the code counts the hotness budget
	                       (jit_hot_counts) */
	JIT_OSR_CODE = 2u,  /* tier-2 code with OSR entries at its loops,
	                       made for a frame running in baseline code:
	                       tier-2 code without them (better code for later
	                       calls) may replace it */
	JIT_BEHIND = 4u,    /* OSR code for frames only: kept behind the
	                       function's current code of the same tier (the
	                       code a frame entering at a loop looks through,
	                       jit_func.replaced); the call vector keeps the
	                       current code */
};
const jit_func *jit_install(wasm_module *m, uint32_t func_index,
	wasm_tier tier, const uint8_t *code, size_t len, uint32_t osr_off,
	uint32_t (*pc)[2], uint32_t npc, uint32_t (*loops)[2], uint32_t nloops,
	uint64_t compile_ns, unsigned flags);
/* The function of each PC map entry of jf, the code jit_install just
 * returned (tier 2's inlined code: a fault there names the callee), as
 * mir_code.pc_func; jf takes pc_func (NULL: all entries are jf's own
 * function).  Called before jf's code first runs. */
void jit_set_pc_funcs(const jit_func *jf, uint32_t *pc_func);
/* The LOOP OSR code jf (just installed) was made for (jit_func.osr_for). */
void jit_set_osr_for(const jit_func *jf, uint32_t loop_off);
/* Hotness budgets beside the code (decision 15): under --tier=auto, with
 * a tier above the baseline that takes hot functions (tier_ops.hot),
 * baseline code subtracts one from its function's budget at each entry
 * and each LOOP, and calls [r12 - 8*JV_HOT] when it reaches 0 or less.
 * The budgets are 32-bit counters after the call vector, at
 * [r12 + jit_hot_disp(m, f)]: data, never code bytes.  jit_hot_counts:
 * whether baseline code of func_index counts (m's JIT state made first):
 * not once the tier above refused it. */
bool jit_hot_counts(wasm_module *m, uint32_t func_index);
/* The baseline code of func_index without the budget check, for a
 * function the tier above refused: its current code if that does not
 * count, else compiled again and installed over the counting code (whose
 * running activations move to it at their next LOOP, through
 * tier_ops.hot).  NULL if it has none or no memory. */
const jit_func *jit_compile_quiet(wasm_module *m, uint32_t func_index);
int32_t jit_hot_disp(const wasm_module *m, uint32_t func_index);
/* Whether JIT tier `tier` was asked to compile func_index and has not
 * installed or refused it yet (a compile in the background); set or
 * cleared by the tier. */
bool jit_tier_asked(const wasm_module *m, wasm_tier tier, uint32_t func_index);
void jit_tier_ask(wasm_module *m, wasm_tier tier, uint32_t func_index, bool on);
/* Set function func_index's budget (the running thread only). */
void jit_hot_budget_set(wasm_module *m, uint32_t func_index, int32_t budget);

/* Record that the baseline (jit_refuse) or JIT tier `tier` refused the
 * function, once: it counts in the tier's statistics and reason (a static
 * string) becomes the tier's last refusal reason. */
void jit_refuse(wasm_module *m, uint32_t func_index, const char *reason);
void jit_tier_refuse(wasm_module *m, wasm_tier tier, uint32_t func_index,
	const char *reason);

/* ---- the compiler's state (jit_baseline*.c) ------------------------------ */

/* An out-of-line tail emitted after the function body. */
enum jit_site_how {
	JS_TRAP,        /* trap of a fixed kind */
	JS_TRAP_EAX,    /* trap of the kind in eax (a slow op's answer) */
	JS_CALL_FAIL,   /* a call helper's status in eax: JIT_HOST_TRAP ->
	                   trap here with ex->trap's kind, else unwind */
	JS_HOT_ENTRY,   /* the budget is spent at the entry / at a LOOP:
	                   ask tier_ops.hot (JV_HOT), go where it says or */
	JS_HOT_LOOP,    /* back to `resume` */
};

/* Where a check of a code sequence both tiers emit (jit/jit_seq.h) jumps
 * when it fails: the tier's out-of-line tail of that kind, asked for
 * right before each jump (so the tier may keep its tails in an array
 * that grows: a label handed out earlier may have moved). */
typedef struct jit_tails jit_tails;
struct jit_tails {
	x64_label *(*at)(jit_tails *t, enum jit_site_how how, uint32_t kind);
};

typedef struct jit_site {
	x64_label l;
	uint8_t how;
	uint32_t kind;
	uint32_t off;           /* pre-decoded offset of the instruction */
	uint32_t at;            /* machine offset of the tail (set when the
	                           tails are emitted) */
	x64_label resume;       /* JS_HOT_*: where the code goes on */
} jit_site;

typedef struct jc {
	x64_buf b;
	wasm_module *m;
	const struct fcode *fc;
	uint32_t fidx;
	const uint8_t *ip;      /* the instruction being compiled */
	uint32_t off;           /* its offset in fc->code */
	enum interp_op op;      /* its op */
	int32_t *lab_of;        /* per code offset: label index, or -1 */
	x64_label *labels;
	uint32_t nlabels;
	/* What jc_label_at and jc_site hand out when they cannot give a real
	 * label (the function is refused, or memory ran out): this
	 * compilation's own, so that compiles on other threads do not share
	 * it. */
	x64_label dummy;
	jit_site *sites;
	uint32_t nsites, cap_sites;
	jit_tails tails;        /* jc_site for jit_seq.h's sequences */
	uint32_t (*pc)[2];
	uint32_t npc, cap_pc;
	uint32_t (*loops)[2];
	uint32_t nloops, cap_loops;
	/* Listing mode (jit_dump_func): (pre-decoded offset, machine offset)
	 * at the start of each instruction.  Not recorded otherwise. */
	bool listing;
	uint32_t (*marks)[2];
	uint32_t nmarks, cap_marks;
	uint32_t tails_end;     /* machine offset after the last tail (the
	                           OSR prologue is 16-aligned after it) */
	const char *bail;       /* why the function is refused, or NULL */
	bool oom;
	/* Register state (see "slot access" in jit_baseline.c). */
	uint32_t nlocals;
	int8_t *pin;            /* per local: -1, a GPR, JC_PIN_F64 + XMM or
	                           JC_PIN_F32 + XMM */
	uint32_t *pinned;       /* the pinned locals */
	uint32_t npinned;
	uint32_t fwd_gpr;       /* slot whose value r11 holds, or JC_NOSLOT */
	uint32_t fwd_xmm;       /* slot whose (f64) value xmm15 holds */
	/* The next instruction, when it reads its operands through the slot
	 * layer and pops them (no label before it): the slots it names.  A
	 * result for one of those operand slots need not reach memory. */
	uint32_t next_slots[OP_MAX_SLOTS];
	uint32_t nnext_slots;
	bool has_lzcnt, has_tzcnt, has_popcnt, has_sse41;
	bool v128_frame;        /* ENTER_V128: slots are not local indices,
	                           no local is pinned */
	bool hot;               /* count the budget (jit_hot_counts) */
} jc;

#define JB (&c->b)
#define JSLOT(s) x64_mem_b(X64_RBX, (int32_t)(8u * (uint32_t)(s)))

/* The instruction being compiled as its layout's struct: JOP(D_AB)->b. */
#define JOP(lay) OP_AT(c->ip, lay)

/* Operand size in bytes of the current op (its op_infos type: I32 and
 * F32 4, I64 and F64 8). */
static inline unsigned jc_size(const jc *c)
{
	uint8_t t = op_infos[c->op].type;
	return t == OPT_I64 || t == OPT_F64 ? 8 : 4;
}

/* ---- what the baseline compiles ------------------------------------------
 * The driver dispatches on the op's family: X(FAMILY, emitter, pops).  The
 * emitter compiles every op of the family that JC_OP_EXCEPTIONS does not
 * take away; pops: the family's ops read their slot operands through the
 * slot layer and the values are dead afterwards (as the wasm operand stack
 * pops them), so a result headed for one of those slots may stay in a
 * register.  Calls do not: the callee reads its arguments from memory. */
#define JC_FAMILIES(X) \
	X(CONTROL,      jc_emit_control,      true) \
	X(CALL,         jc_emit_call,         false) \
	X(MOVE,         jc_emit_move,         true) \
	X(GLOBAL,       jc_emit_global,       true) \
	X(REF,          jc_emit_ref,          true) \
	X(TABLE,        jc_emit_table,        true) \
	X(MEMORY,       jc_emit_memory,       true) \
	X(LOAD,         jc_emit_load,         true) \
	X(STORE,        jc_emit_store,        true) \
	X(ADDR,         jc_emit_addr,         true) \
	X(INT_UNARY,    jc_emit_int_unary,    true) \
	X(INT_BINARY,   jc_emit_int_binary,   true) \
	X(INT_IMM,      jc_emit_int_binary,   true) \
	X(INT_DIV,      jc_emit_int_div,      true) \
	X(FLOAT_UNARY,  jc_emit_float,        true) \
	X(FLOAT_BINARY, jc_emit_float,        true) \
	X(CONVERT,      jc_emit_convert,      true) \
	X(BR_CMP,       jc_emit_br_cmp,       true) \
	X(SIMD,         jc_emit_simd,         false)

/* Ops that the baseline treats unlike the rest of their family:
 * X(OP, how, reason).  JC_SLOW: left to C (jit_rt_slow_op runs it as the
 * interpreter does, on the frame in memory; its slots are not read through
 * the slot layer).  JC_KEEP: its slot operand is not popped (COPY: the
 * source is a local or a value that a branch leaves on the stack).
 * JC_REFUSE: the function is refused, for reason. */
enum jc_how { JC_INLINE, JC_SLOW, JC_KEEP, JC_REFUSE };
#define JC_OP_EXCEPTIONS(X) \
	X(EXIT,          JC_REFUSE, "EXIT in function code") \
	X(COPY,          JC_KEEP,   NULL) \
	X(MEMORY_GROW,   JC_SLOW,   NULL) \
	X(MEMORY_FILL,   JC_SLOW,   NULL) \
	X(MEMORY_COPY,   JC_SLOW,   NULL) \
	X(MEMORY_INIT,   JC_SLOW,   NULL) \
	X(TABLE_GET,     JC_SLOW,   NULL) \
	X(TABLE_SET,     JC_SLOW,   NULL) \
	X(TABLE_SIZE,    JC_SLOW,   NULL) \
	X(TABLE_GROW,    JC_SLOW,   NULL) \
	X(TABLE_FILL,    JC_SLOW,   NULL) \
	X(TABLE_COPY,    JC_SLOW,   NULL) \
	X(TABLE_INIT,    JC_SLOW,   NULL)
/* SIMD (v128) ops: those jc_emit_simd's table lists are compiled
 * (jit_baseline_simd.c; its family reads v128 operands from memory, so it
 * does not pop through the slot layer), every other one is refused with
 * a reason that names it. */

typedef void jc_emit_fn(jc *c);
#define JC_DECLARE_(fam, fn, pops) jc_emit_fn fn;
JC_FAMILIES(JC_DECLARE_)
#undef JC_DECLARE_

/* Whether jc_emit_simd compiles SIMD op op (jit_baseline_simd.c). */
bool jc_simd_compiles(enum interp_op op);

/* Each family's emitter (NULL: the baseline compiles no op of it). */
extern jc_emit_fn *const jc_emitters[OPFAM_COUNT_];
/* How the baseline compiles op (enum jc_how). */
enum jc_how jc_op_how(enum interp_op op);
/* Why the baseline refuses op wherever it occurs, or NULL. */
const char *jc_op_refusal(enum interp_op op);

/* ---- slot access (jit_baseline.c) ----------------------------------------
 * Every read and write of a frame slot goes through these.  Hot locals
 * are pinned in registers for the whole function, write-through: the slot
 * in memory is always current, so labels, OSR entries, helpers and traps
 * see the interpreter's state; reads come from the register.  The last
 * value stored to an operand slot is also kept in r11 (xmm15 for f64), so
 * the next instruction reading it does not wait for the store.  Scratch
 * registers of the op emitters: rax rcx rdx (rdi rsi r8 only right
 * before a call), xmm0 xmm1; r10 and xmm14 are the slot layer's own. */
#define JC_NOSLOT UINT32_MAX
#define JC_PIN_F64 16
#define JC_PIN_F32 32

/* r = slot s (size 4: its low half, zero-extended; 8: all of it) */
void jc_ld(jc *c, unsigned size, x64_gpr r, uint32_t s);
/* slot s = r (all 64 bits: i32 and f32 values already zero-extended) */
void jc_st(jc *c, uint32_t s, x64_gpr r);
/* slot s = imm, sign-extended to 64 bits */
void jc_st_imm(jc *c, uint32_t s, int32_t imm);
/* x = slot s as f32 (size 4) or f64 / slot s = x (f32 zero-extended;
 * clobbers rax) */
void jc_fld(jc *c, unsigned size, x64_xmm x, uint32_t s);
void jc_fst(jc *c, unsigned size, uint32_t s, x64_xmm x);
/* op r, slot (ALU ops including cmp) / imul r, slot / cmp slot, imm */
void jc_alu_src(jc *c, x64_alu op, unsigned size, x64_gpr r, uint32_t s);
void jc_imul_src(jc *c, unsigned size, x64_gpr r, uint32_t s);
void jc_cmp_imm(jc *c, unsigned size, uint32_t s, int32_t imm);
/* SSE op x, slot (pfx and op as x64_sse_xm; size is the slot's width) */
void jc_sse_src(jc *c, int pfx, x64_sse op, unsigned size, x64_xmm x,
	uint32_t s);
/* Slot s was written around the slot layer (a v128 half): the
 * forwarding registers no longer hold it. */
void jc_forget(jc *c, uint32_t s);
/* [r15 + rax + off]: a linear memory address, rax holding the
 * zero-extended effective index (may clobber rcx). */
x64_mem jc_ea(jc *c, uint32_t off);
/* After a call: r10, r11 and the caller-saved registers are gone (all:
 * the callee may have written our slots, reload every pinned local). */
void jc_clobbered(jc *c, bool all);
/* Call a slow op (jit_rt_slow_op) for the current instruction. */
void jc_slow_op(jc *c, bool traps);

/* jit_baseline.c */
/* The label of the current instruction's k-th branch target (its k-th REL
 * field, insn_branch_field; k = 0 for every branch but BR_TABLE's). */
x64_label *jc_label_at(jc *c, uint32_t k);
x64_label *jc_site(jc *c, enum jit_site_how how, uint32_t kind);
void jc_pc_here(jc *c);             /* next instruction may fault */
void jc_pc_at(jc *c, uint32_t mach_off);    /* the one at mach_off may */
void jc_bail(jc *c, const char *reason);

/* Compile function func_index of m (its pre-decoded code fc) into c->b
 * without installing it: c is set up here and released by jc_free.
 * Returns true with *osr_off the OSR prologue's machine offset; false
 * with c->bail (refused), c->oom or an error in c->b. */
bool jc_translate(jc *c, wasm_module *m, uint32_t func_index,
	const struct fcode *fc, bool listing, uint32_t *osr_off);
void jc_free(jc *c);

#endif
