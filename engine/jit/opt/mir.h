/* mir.h -- tier 2's machine IR for x86-64 (internal to engine/jit/opt/).
 *
 * The back half of tier 2 is three stages, each its own file, as in
 * Cranelift (VCode, then regalloc, then emission) and LuaJIT's split of
 * target data / encoder / instruction selection:
 *
 *   lower.c     IR -> MIR: instruction selection by pattern, over virtual
 *               registers, in two-address x86 form (floats and SIMD in
 *               lower_float.c, control flow in lower_ctl.c)
 *   regalloc.c  live intervals on the MIR, whole-function linear scan
 *   emit.c      MIR + allocation -> bytes through the shared encoder
 *               (engine/x64/x64_asm.h), trap tails, the PC map
 *
 * A MIR function is blocks in their final (linear) order; a block is
 * instructions, the last a terminator (JMP, JCC, RET, TRAP).  An operand
 * is a register number (mir_reg): 0 is none, 1..16 the sixteen GPRs
 * themselves (MIR_PHYS(X64_RAX) ...: fixed-register constraints such as
 * the dividend in rax or a shift count in cl are moves to and from these),
 * 17..32 the sixteen XMM registers (MIR_PHYSX), 33.. virtual registers,
 * each of a class, integer (a GPR) or float (an XMM register), and 4 or 8
 * bytes wide (mir_vsize, mir_vflt).  A 4-byte integer always sits
 * zero-extended in its 64-bit register (every 32-bit x86 write zeroes the
 * upper half; wasm's i32 values are kept that way in the frame slots too);
 * an f32 is the low lane of its XMM register, the rest undefined, so a
 * slot or global gets it zero-extended through a GPR.
 *
 * A location (the allocation, mir_func.reg) is 0..15 a GPR, 16..31 an
 * XMM register (MIR_LOC_XMM), or MIR_SPILLED.
 *
 * Each op's operand roles are one line of MIR_OPS: d is defined (DEF),
 * read and written (UDEF, the x86 two-address destination) or unused;
 * a and b are read.  An instruction's immediate replaces b (or a, where
 * the op says) when `hasimm` is set.  Implicit registers: DIV and MULH
 * read rax and write rax and rdx; CALL clobbers every caller-saved GPR.
 *
 * Phis are parallel moves (PMOV) at the end of each predecessor, before
 * its JMP; lowering splits critical edges so that such a predecessor has
 * one successor.
 *
 * Register convention: between JIT functions, the baseline's
 * (jit/base/jit_baseline.h): rbx the frame's slot 0, r12 the call vector,
 * r13 the instance, r14 the execution context, r15 linear memory's base,
 * all five holding those values at every call, return and trap exit.
 * Inside a tier-2 function r12 and r13 are allocatable too: a function
 * that allocates either saves both in its native frame in its prologues
 * (the entry's and the OSR entry's, both entered with the pinned values)
 * and the emitter reloads both from there before every call (direct,
 * import, indirect, slow op: the callee and the call sequences read
 * them; so for the allocator a call clobbers r12 and r13 as it does
 * rax), before the return and in every trap tail (the trap stub jumps
 * through r12 and reads the instance in r13), and r13 before each other
 * instruction that reads the instance (mir_reads_instance: globals,
 * memory.size, ref.func, drop; a fixed clobber of r13 for the
 * allocator).  Nothing else reads them: the fault handler of a memory
 * trap uses only the faulting pc (jit_fault_lookup) and unwinds through
 * the trampoline, which restores its own saved registers; the entry, loop
 * (epoch, fuel) and stack checks use r14 and rbx; loads and stores r15.
 * rbx, r14 and r15 stay pinned: every frame-slot access, check and memory
 * access reads them, so freeing them would cost a reload in hot code.
 * rbp is saved by the prologue and is the one allocatable register a call
 * preserves.  r10 and r11 are never allocated: the emitter's scratch
 * registers (spilled operands, parallel move cycles, the loop check).
 * Spilled values live in the native frame ([rsp + 8*k]), never in the
 * wasm frame, whose slots at and above a call's base the callee
 * overwrites.
 */
#ifndef ENGINE_JIT_OPT_MIR_H
#define ENGINE_JIT_OPT_MIR_H

#include "jit/opt/ir.h"
#include "x64/x64_asm.h"
#include "jit/jit_simd.h"
#include "wasm.h"

typedef uint32_t mir_reg;
#define MIR_NOREG 0u
#define MIR_PHYS(r) ((mir_reg)(r) + 1u)
#define MIR_PHYSX(x) ((mir_reg)(x) + 17u)
#define MIR_FIRST_VIRT 33u
#define MIR_IS_PHYS(v) ((v) >= 1u && (v) < MIR_FIRST_VIRT)
/* A physical register's location (0..15 GPR, 16..31 XMM). */
#define MIR_LOC(v) ((int)(v) - 1)
#define MIR_GPR(v) ((x64_gpr)MIR_LOC(v))
#define MIR_LOC_XMM 16
#define MIR_LOC_IS_XMM(l) ((l) >= MIR_LOC_XMM)
/* mir_func.vsize: the size in the low bits (4, 8; 16 a v128, in the
 * XMM class), MIR_VFLT for the XMM class, MIR_VREMAT for an integer
 * register that costs nothing spilled, because the emitter reads its
 * value again where it came from (the loop check's inputs, EPOCHIN: from
 * r14).  The allocator (regalloc.c) never gives such a register r12 or
 * r13 (their save in the prologue and reloads would cost), does not
 * count it in a loop's pressure and never splits it at a loop (either
 * would move other values for it: spilled, it costs nothing). */
#define MIR_VFLT 0x80u
#define MIR_VREMAT 0x40u

enum mir_role { MR_NONE, MR_DEF, MR_UDEF, MR_USE };

/* X(NAME, text, role of d, role of a, role of b, terminator).  Fields:
 * size (operand size: 4 or 8; a store's or load's access size is in aux),
 * cc, aux, imm, slot, site (pre-decoded offset: trap sites, PC map). */
#define MIR_OPS(X) \
	X(MOV,     "mov",     DEF,  USE,  NONE, 0)  /* d = a (size 4: zero-extends) */ \
	X(MOVI,    "movi",    DEF,  NONE, NONE, 0)  /* d = imm */ \
	X(ALU,     "alu",     UDEF, USE,  NONE, 0)  /* d = d aux(x64_alu) (a | imm) */ \
	X(IMUL,    "imul",    UDEF, USE,  NONE, 0)  /* d = d * a */ \
	X(IMULI,   "imuli",   DEF,  USE,  NONE, 0)  /* d = a * imm */ \
	X(SHIFT,   "shift",   UDEF, USE,  NONE, 0)  /* d = d aux(x64_shift) (a = cl | imm) */ \
	X(RORX,    "rorx",    DEF,  USE,  NONE, 0)  /* BMI2: d = a rotated right by imm */ \
	X(ANDN,    "andn",    DEF,  USE,  USE,  0)  /* BMI1: d = ~a & b */ \
	X(BITCNT,  "bitcnt",  DEF,  USE,  NONE, 0)  /* aux 0 lzcnt, 1 tzcnt, 2 popcnt */ \
	X(EXT,     "ext",     DEF,  USE,  NONE, 0)  /* d = sign-extend low aux bytes of a */ \
	X(LEA,     "lea",     DEF,  USE,  USE,  0)  /* d = a + b*aux + imm (size wraps) */ \
	X(LOAD,    "load",    DEF,  USE,  NONE, 0)  /* d = [r15 + a + imm], aux: bytes | MIR_SIGNED */ \
	X(STORE,   "store",   NONE, USE,  USE,  0)  /* [r15 + a + imm] = (b | imm), aux bytes */ \
	X(LDSLOT,  "ldslot",  DEF,  NONE, NONE, 0)  /* d = [rbx + 8*slot] */ \
	X(STSLOT,  "stslot",  NONE, USE,  NONE, 0)  /* [rbx + 8*slot] = (a | imm), 8 bytes */ \
	X(GLOBAL_GET, "global.get", DEF, NONE, NONE, 0) /* d = globals[slot]->val */ \
	X(GLOBAL_SET, "global.set", NONE, USE, NONE, 0) /* globals[slot]->val = a */ \
	X(CMP,     "cmp",     NONE, USE,  USE,  0)  /* flags = a - (b | imm) */ \
	X(TEST,    "test",    NONE, USE,  NONE, 0)  /* flags = a & a */ \
	X(SETCC,   "setcc",   DEF,  NONE, NONE, 0)  /* d = cc ? 1 : 0 */ \
	X(CMOV,    "cmov",    UDEF, USE,  NONE, 0)  /* if cc: d = a */ \
	X(DIV,     "div",     NONE, USE,  NONE, 0)  /* rax, rdx = rdx:rax / a; aux MIR_DIV_* */ \
	X(MULH,    "mulh",    NONE, USE,  NONE, 0)  /* rdx:rax = rax * a, aux MIR_SIGNED: \
	                                           imul, else mul (the high half) */ \
	X(CALL,    "call",    NONE, NONE, NONE, 0)  /* function imm, frame base slot */ \
	X(CALLIMP, "call_import", NONE, NONE, NONE, 0) /* import imm, base slot */ \
	X(CALLIND, "call_indirect", NONE, USE, NONE, 0) /* element a = rcx, table aux, \
	                                           type id imm, base slot */ \
	X(SLOWOP,  "slow_op", NONE, NONE, NONE, 0)  /* jit_rt_slow_op of the instruction \
	                                           at address imm2 (its op imm; aux: \
	                                           traps) on the frame at slot */ \
	X(MEMSIZE, "memory.size", DEF, NONE, NONE, 0) /* d = memory's pages */ \
	X(REFFUNC, "ref.func", DEF, NONE, NONE, 0) /* d = funcs[slot] */ \
	X(DROP,    "drop",    NONE, NONE, NONE, 0)  /* aux 0 data, 1 elem segment slot */ \
	/* a load fused into its one user as a memory operand [r15 + base + \
	 * disp] of the op's size (lower.c: memop_ok); site is the load's, \
	 * the instruction a fault site in the PC map */ \
	X(ALUM,    "alu",     UDEF, USE,  NONE, 0)  /* d = d aux(x64_alu) [r15 + a + imm] */ \
	X(IMULM,   "imul",    UDEF, USE,  NONE, 0)  /* d = d * [r15 + a + imm] */ \
	X(CMPM,    "cmp",     NONE, USE,  USE,  0)  /* flags = a - [r15 + b + slot], \
	                                           or [r15 + b + slot] - imm (hasimm) */ \
	X(FALUM,   "falu",    UDEF, USE,  NONE, 0)  /* d = d aux(x64_sse) [r15 + a + imm] */ \
	X(VFALUM,  "vfalu",   DEF,  USE,  USE,  0)  /* AVX: d = a aux(x64_sse) \
	                                           [r15 + b + slot] */ \
	/* floats (size 4 f32, 8 f64) */ \
	X(FALU,    "falu",    UDEF, USE,  NONE, 0)  /* d = d aux(x64_sse) a */ \
	X(VFALU,   "vfalu",   DEF,  USE,  USE,  0)  /* AVX: d = a aux(x64_sse) b \
	                                           (a first: the NaN rule) */ \
	X(FMINMAX, "fminmax", UDEF, USE,  NONE, 0)  /* d = min (aux 0) / max (1) of d, a */ \
	X(FLOGIC,  "flogic",  UDEF, USE,  NONE, 0)  /* d = d aux(x64_sse AND/OR/XOR) \
	                                           (a | hasimm: the m128 mask {imm, 0} \
	                                           from the constant pool) */ \
	X(FSQRT,   "fsqrt",   DEF,  USE,  NONE, 0) \
	X(FROUND,  "fround",  DEF,  USE,  NONE, 0)  /* aux: the rounding mode */ \
	X(FCMP,    "fcmp",    DEF,  USE,  USE,  0)  /* d (i32) = a aux(jit_fcmp) b */ \
	X(FFLAGS,  "fflags",  NONE, USE,  USE,  0)  /* flags = a aux(jit_fcmp, ordered) b */ \
	X(FCVT,    "fcvt",    DEF,  USE,  NONE, 0)  /* demote (size 4) / promote (8) */ \
	X(TRUNC,   "trunc",   DEF,  USE,  NONE, 0)  /* d (aux bytes | MIR_SIGNED) = a, \
	                                           trapping; size: a's */ \
	X(TRUNCSAT, "trunc_sat", DEF, USE,  NONE, 0)  /* d (aux bytes | MIR_SIGNED) = a, \
	                                           saturating; size: a's */ \
	X(CONV,    "conv",    DEF,  USE,  NONE, 0)  /* d = a (aux bytes | MIR_SIGNED) */ \
	/* SIMD (jit/jit_simd.h; aux the pre-decoded op, imm the access's \
	 * displacement, slot the lane, v128.const's and shuffle's bytes read \
	 * from the instruction at site; a shift by a constant count \
	 * (jit_simd_takes_count) has hasimm, the count in imm and no scalar \
	 * operand): each clobbers the scratch registers jit_simd_scratch \
	 * names (xmm11.., rcx rax rdx) */ \
	X(VOP,     "vop",     UDEF, USE,  USE,  0)  /* JS_V_V: d = op(d, a, b) (a, b: \
	                                           v128s, the scalar or the address) */ \
	X(VOP3,    "vop3",    DEF,  USE,  USE,  0)  /* AVX, jit_simd_vex: d = op(a, b) \
	                                           (a a v128, b a v128, the scalar \
	                                           or none; d not tied) */ \
	X(VOP3M,   "vop3",    DEF,  USE,  USE,  0)  /* AVX, jit_simd_vex_mem: d = \
	                                           op(a, [r15 + b + slot]), a \
	                                           v128.load fused (memop_ok); \
	                                           site the load's */ \
	X(VDEF,    "vdef",    DEF,  USE,  NONE, 0)  /* JS_V_NEW: d = op(a: scalar/address) */ \
	X(VGET,    "vget",    DEF,  USE,  NONE, 0)  /* JS_S_V: scalar d = op(a) */ \
	X(VST,     "vstore",  NONE, USE,  USE,  0)  /* JS_STORE: [r15 + a + imm] = op(b) */ \
	X(ENTRY,   "entry",   NONE, NONE, NONE, 0)  /* stack, frame, deadline (aux: fuel; slot: frame slots to check, 0 the function's) */ \
	X(LOOPCHK, "loopchk", NONE, USE,  USE,  0)  /* deadline (aux: fuel); a, b: the \
	                                           epoch's address and the deadline \
	                                           in registers (EPOCHIN), or none: \
	                                           read through r14 */ \
	X(EPOCHIN, "epoch_in", DEF, NONE, NONE, 0)  /* d = the epoch's address (aux \
	                                           JIT_EPOCH_ADDR) or the deadline \
	                                           (JIT_DEADLINE) */ \
	X(FRAMEPOP, "framepop", NONE, NONE, NONE, 0)  /* an inlined callee's frame record popped */ \
	X(PMOV,    "pmov",    NONE, NONE, NONE, 0)  /* parallel moves mf->moves[imm..+aux] */ \
	X(JMP,     "jmp",     NONE, NONE, NONE, 1)  /* to succ[0] */ \
	X(JCC,     "jcc",     NONE, NONE, NONE, 1)  /* cc ? succ[0] : succ[1] */ \
	X(RET,     "ret",     NONE, NONE, NONE, 1) \
	X(TRAP,    "trap",    NONE, NONE, NONE, 1)  /* trap aux (kind) at site */ \
	/* br_table's jump table (lower_switch): JTAB jumps to case a (rax, \
	 * in range, clobbered) through a table after the function's code; \
	 * its block's succ[0] is case 0, succ[1] the next of a chain of \
	 * JTCASE blocks, each only that instruction (it emits nothing and \
	 * never runs), succ[0] case k, succ[1] the next (the last has one), \
	 * so the CFG has every case as a successor with two per block */ \
	X(JTAB,    "jtab",    NONE, USE,  NONE, 1) \
	X(JTCASE,  "jtcase",  NONE, NONE, NONE, 1)

enum mir_op {
#define MIR_ENUM_(n, s, d, a, b, t) MIR_##n,
	MIR_OPS(MIR_ENUM_)
#undef MIR_ENUM_
	MIR_OP_COUNT_
};

typedef struct {
	const char *name;
	uint8_t role[3];        /* d, a, b: enum mir_role */
	bool term;
} mir_op_info;
extern const mir_op_info mir_ops[MIR_OP_COUNT_];

#define MIR_SIGNED 0x10u
enum { MIR_DIV_SIGNED = 1, MIR_DIV_REM = 2 };

/* (slot beside d, a, b: 48 bytes and no padding, where the fields in
 * their former order took 56 with two holes; every array of them, the
 * lowering's and the register allocator's rewrites', is a seventh
 * smaller) */
typedef struct {
	uint8_t op;             /* enum mir_op */
	uint8_t size;           /* 4 or 8 (16: a v128) */
	uint8_t cc;             /* x64_cc (SETCC, CMOV, JCC) */
	bool hasimm;
	uint32_t aux;
	mir_reg d, a, b;
	uint32_t slot;
	int64_t imm;
	uint32_t site;          /* pre-decoded offset */
	uint32_t func;          /* the function site is in (inlined code: the
	                           callee; a trap and the PC map name it) */
	uint64_t imm2;          /* VDEF v128.const, VOP i8x16.shuffle: the
	                           high 8 bytes (imm the low 8) */
} mir_insn;
_Static_assert(sizeof(mir_insn) == 48, "mir_insn: no padding");

/* One move of a PMOV: dst = src (or imm if src is none), 8 bytes. */
typedef struct {
	mir_reg dst, src;
	int64_t imm;
} mir_move;

typedef struct {
	mir_insn *insn;
	uint32_t n, cap;
	uint32_t succ[2], nsucc;
	uint32_t ir_block;      /* the IR block, or UINT32_MAX (an edge split,
	                           an OSR entry) */
	uint32_t first;         /* linear index of its first instruction */
	/* OSR entry of a loop header (lower.c): no predecessors, loads the
	 * header's OSR map from the frame slots, jumps to the header (the
	 * next block).  osr_loop: pre-decoded offset of the LOOP; osr_ok
	 * (regalloc.c): nothing else is live into it, so the entry is
	 * usable. */
	bool osr_entry, osr_ok;
	uint32_t osr_loop;
} mir_block;

/* The instructions other than calls that read the instance (r13): the
 * emitter reloads r13 before them when the function allocates it. */
static inline bool mir_reads_instance(const mir_insn *i)
{
	return i->op == MIR_GLOBAL_GET || i->op == MIR_GLOBAL_SET ||
		i->op == MIR_MEMSIZE || i->op == MIR_REFFUNC || i->op == MIR_DROP;
}

/* Whether block b is one of a jump table's JTCASE blocks: they never
 * run, so no move may be placed in them (regalloc_split.c). */
static inline bool mir_jtcase_block(const mir_block *b)
{
	return b->n && b->insn[0].op == MIR_JTCASE;
}

/* Where the allocator put a virtual register. */
#define MIR_SPILLED (-1)

typedef struct mir_func {
	uint32_t func_index;
	uint32_t nslots;        /* the wasm frame's slots (the stack check) */
	mir_block *b;           /* in linear (emission) order */
	uint32_t nb, cap_b;
	mir_move *moves;
	uint32_t nmoves, cap_moves;
	uint8_t *vsize;         /* per register: 4 or 8 (0: unused), | MIR_VFLT
	                           for the float class */
	uint32_t nv, cap_v;
	/* regalloc.c */
	int8_t *reg;            /* per register: a location or MIR_SPILLED */
	int32_t *spill;         /* per register: its native frame slot, -1 */
	uint32_t *start, *end;  /* live interval (positions: 2 * linear index
	                           of the instruction, + 1 for its defs) */
	uint32_t nspill;
	uint32_t ninsn;
	bool oom;
} mir_func;

static inline unsigned mir_vsize(const mir_func *mf, mir_reg v)
{
	return mf->vsize[v] & 31u;
}

static inline bool mir_vflt(const mir_func *mf, mir_reg v)
{
	return mf->vsize[v] & MIR_VFLT;
}

/* mir_cpu.c: the CPU features instruction selection uses, probed once
 * per process.  avx is false on a CPU without AVX (or without the OS
 * saving its state); lowering also leaves AVX out for an engine made with
 * wasm_config.no_avx: then floats and SIMD use the SSE two-operand forms
 * only (the same results, bit for bit; tests run both). */
typedef struct {
	bool lzcnt, tzcnt, popcnt, sse41, avx, bmi1, bmi2;
} mir_cpu_features;
const mir_cpu_features *mir_cpu(void);

/* The scratch registers of SIMD instruction i (VOP, VOP3, VOP3M, VDEF, VGET, VST):
 * jit_simd_scratch's, as xmm11, xmm12, xmm13 and rcx, rax, rdx, plus one
 * XMM register more for a third v128 operand reloaded from its spill
 * slot (the emitter's own scratch, xmm14 and xmm15, hold the other two;
 * r11 a spilled scalar or address, r10 a spilled scalar result). */
static inline bool mir_is_simd(const mir_insn *i)
{
	return i->op == MIR_VOP || i->op == MIR_VOP3 || i->op == MIR_VOP3M ||
		i->op == MIR_VDEF || i->op == MIR_VGET || i->op == MIR_VST;
}

static inline void mir_simd_scratch(const mir_insn *i, unsigned *nx, unsigned *ng)
{
	jit_simd_scratch((enum interp_op)i->aux, i->hasimm, mir_cpu()->sse41, nx, ng);
	if (jit_simd_nvec((enum interp_op)i->aux) == 3)
		(*nx)++;
}

static inline x64_xmm mir_simd_xmm(unsigned k)
{
	return (x64_xmm)(X64_XMM11 + (int)k);
}

static inline x64_gpr mir_simd_gpr(unsigned k)
{
	static const x64_gpr g[3] = { X64_RCX, X64_RAX, X64_RDX };
	return g[k];
}

/* lower.c: f (verified, passes run) of function func_index of m.
 * WASM_ERR_UNSUPPORTED with a named reason for what is not lowered yet
 * (floats, indirect and imported calls, br_table, tables, bulk memory). */
wasm_status mir_lower(wasm_module *m, ir_func *f, mir_func **out,
	wasm_error *err);
void mir_free(mir_func *mf);
/* Text form; with the allocation once regalloc ran. */
void mir_print(const mir_func *mf, FILE *out);

/* regalloc.c: live intervals and linear scan.  WASM_ERR_NOMEM, or
 * WASM_ERR_UNSUPPORTED for a function too large for the liveness sets. */
wasm_status mir_regalloc(mir_func *mf, wasm_error *err);
/* The allocation's invariants: no two virtual registers whose intervals
 * overlap share a GPR, none sits in a GPR that an instruction inside its
 * interval uses as a fixed register (or a call clobbers), every operand
 * has a location.  False with a message on the first violation. */
bool mir_regalloc_verify(const mir_func *mf, char *msg, size_t msg_len);

/* emit.c: machine code.  code is malloc'd (entry at 0), osr_off the OSR
 * prologue's offset (jit_func.osr_entry: makes the native frame, then
 * jumps to r9), loops the usable OSR entries (pre-decoded offset of the
 * LOOP, machine offset of its entry block), pc the PC map (machine
 * offset, pre-decoded offset) of every load and store, both ascending.
 * The caller frees code, pc, pc_func and loops (or hands them to
 * jit_install and jit_set_pc_funcs). */
typedef struct {
	uint8_t *code;
	size_t len;
	uint32_t osr_off;
	uint32_t (*pc)[2];
	uint32_t npc;
	uint32_t *pc_func;      /* the function of each PC map entry (inlined
	                           code: the callee's), or NULL if all are
	                           func_index's */
	uint32_t (*loops)[2];
	uint32_t nloops;
	uint32_t nosr_dropped;  /* OSR entry blocks not usable (a value live
	                           into them that they do not define) */
} mir_code;
wasm_status mir_emit(const mir_func *mf, mir_code *out, wasm_error *err);

/* All of it (opt.c): build, the default passes (verified if asked),
 * lower, allocate (the allocation verified if asked), emit.  With print,
 * the MIR after lowering and after allocation. */
wasm_status opt_codegen(wasm_module *m, uint32_t func_index, FILE *print,
	bool verify, mir_code *out, wasm_error *err);
/* The same with OSR maps and entries where osr says (ir_build_osr:
 * IR_OSR_NONE, IR_OSR_ALL or one LOOP's offset; opt_codegen: every loop
 * or none, as opt_osr_wanted says). */
wasm_status opt_codegen_osr(wasm_module *m, uint32_t func_index, uint32_t osr,
	FILE *print, bool verify, mir_code *out, wasm_error *err);

#endif
