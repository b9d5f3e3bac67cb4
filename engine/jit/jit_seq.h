/* jit_seq.h -- machine code sequences both JIT tiers emit (internal to
 * engine/jit/): the baseline (jit/base/) and the optimizing tier
 * (jit/opt/emit.c) call these instead of keeping copies, so a check, a
 * trap's tail or a float rule is written once.
 *
 * Each sequence says which registers it reads, writes and clobbers;
 * the caller picks them (the baseline its fixed scratch registers, tier 2
 * its allocation and its scratch registers r10, r11, xmm14, xmm15).
 * A check that fails jumps to the caller's out-of-line trap tail
 * (jit_seq_trap_tail), which the sequence asks its jit_tails for
 * (jit_baseline.h) right before the jump. */
#ifndef ENGINE_JIT_SEQ_H
#define ENGINE_JIT_SEQ_H

#include "jit/base/jit_baseline.h"
#include "x64/x64_asm.h"

/* Condition codes of the integer compares in their group's order (the
 * pre-decoded ops' and IR_IEQ..IR_IGEU's): EQ NE LTS LTU GTS GTU LES LEU
 * GES GEU. */
#define JIT_NCMP 10
extern const x64_cc jit_cmp_cc[JIT_NCMP];

/* A trap's out-of-line tail (enum jit_site_how): ecx = kind (JS_TRAP),
 * the kind in eax (JS_TRAP_EAX), or a call helper's status in eax
 * (JS_CALL_FAIL: JIT_HOST_TRAP traps with ex->trap's kind, else unwind);
 * edx = func_index, r8d = the pre-decoded offset; jmp to the module's
 * trap stub. */
void jit_seq_trap_tail(x64_buf *b, enum jit_site_how how, uint32_t kind,
	uint32_t func_index, uint32_t code_off);

/* Function entry checks, the native frame made (push rbp and whatever
 * the tier keeps below it): native stack (if native), frame count
 * (frame_top += JIT_FRAME_BYTES), value stack (rbx + 8*frame_slots <=
 * stack_end); stack overflow if one fails.  Clobbers scratch.  An inlined
 * callee's entry (tier 2) leaves the native stack out: it makes no native
 * frame, and rsp and the thread's limit are those its function's own
 * entry compared. */
void jit_seq_entry_checks(x64_buf *b, x64_gpr scratch, uint32_t frame_slots,
	bool native, jit_tails *t);
/* The epoch against the deadline (timeout); fuel (out of fuel, else one
 * unit spent).  The epoch check clobbers scratch. */
void jit_seq_epoch(x64_buf *b, x64_gpr scratch, jit_tails *t);
void jit_seq_fuel(x64_buf *b, jit_tails *t);
/* The epoch check's two inputs from the execution context, which do not
 * change while wasm code runs (the store's deadline is set between
 * calls): r = the epoch word's address or the deadline.  Only the epoch
 * word itself is written meanwhile, by another thread or process. */
enum jit_epoch_in { JIT_EPOCH_ADDR, JIT_DEADLINE };
void jit_seq_epoch_in(x64_buf *b, enum jit_epoch_in what, x64_gpr r);
/* jit_seq_epoch with the epoch's address in addr and the deadline in dl
 * where those are registers (X64_NOREG: read through r14).  Clobbers
 * scratch unless both are given. */
void jit_seq_epoch_with(x64_buf *b, x64_gpr addr, x64_gpr dl, x64_gpr scratch,
	jit_tails *t);
/* frame_top -= JIT_FRAME_BYTES (a JIT activation's return, or its
 * leaving for another tier's code). */
void jit_seq_frame_pop(x64_buf *b);
/* frame_top += JIT_FRAME_BYTES without the checks: an OSR prologue, for
 * an activation whose entry checks were made by the code it leaves. */
void jit_seq_frame_push(x64_buf *b);

/* rax = rax / divisor or rdx = rax % divisor (size 4 or 8), wasm's
 * traps: divide by zero, overflow on MIN / -1 (signed division); MIN % -1
 * is 0.  Clobbers rax and rdx; divisor is neither. */
void jit_seq_divrem(x64_buf *b, unsigned size, bool is_signed, bool rem,
	x64_gpr divisor, jit_tails *t);

/* Floats: size 4 (f32) or 8 (f64); NaN results as ops.h's rule. */

/* xd = wasm's min/max of xd, xs (NaN in: xd + xs, so the first NaN
 * quieted; -0 < +0).  Only xd is written. */
void jit_seq_fminmax(x64_buf *b, unsigned size, bool is_max, x64_xmm xd,
	x64_xmm xs);
/* The float compares, in the pre-decoded ops' and IR's order. */
enum jit_fcmp { JIT_FEQ, JIT_FNE, JIT_FLT, JIT_FGT, JIT_FLE, JIT_FGE };
/* The flags of an ordered compare (FLT FGT FLE FGE): ucomis[sd] xa, xb
 * (swap: xb, xa), then cc holds the answer, false for NaN operands.  False
 * for FEQ and FNE, which need the parity flag as well. */
bool jit_fcmp_flags(enum jit_fcmp op, bool *swap, x64_cc *cc);
/* The flags of an ordered compare of xa, xb (the ucomi of
 * jit_fcmp_flags); the condition code that holds its answer. */
x64_cc jit_seq_fflags(x64_buf *b, unsigned size, enum jit_fcmp op, x64_xmm xa,
	x64_xmm xb);
/* rd = (xa cmp xb) as 0 or 1; clobbers tmp (FEQ, FNE). */
void jit_seq_fcmp(x64_buf *b, unsigned size, enum jit_fcmp op, x64_gpr rd,
	x64_xmm xa, x64_xmm xb, x64_gpr tmp);
/* xd = the bits in r (size 4: the low half) / r = xd's bits. */
void jit_seq_fconst(x64_buf *b, unsigned size, x64_xmm xd, x64_gpr tmp,
	uint64_t bits);
/* Trapping float -> int: rd = xs truncated to isize bytes (zero-extended
 * to 64 bits); NaN an invalid conversion, outside (lo, hi) (the bounds of
 * ops_slow.h's OP_FLOAT_TO_INT) an integer overflow.  Clobbers xs (u64),
 * xtmp, tmp. */
void jit_seq_trunc(x64_buf *b, unsigned fsize, unsigned isize,
	bool is_signed, uint64_t lo_bits, uint64_t hi_bits, x64_gpr rd,
	x64_xmm xs, x64_xmm xtmp, x64_gpr tmp, jit_tails *t);
/* Saturating float -> int (wasm's trunc_sat): rd = xs truncated to isize
 * bytes (zero-extended to 64 bits); NaN 0, below the range the minimum,
 * above it the maximum, as ops_slow.h's op_sat_*.  Clobbers xs (u64),
 * xtmp, tmp; rd is not tmp, xs not xtmp. */
void jit_seq_trunc_sat(x64_buf *b, unsigned fsize, unsigned isize,
	bool is_signed, x64_gpr rd, x64_xmm xs, x64_xmm xtmp, x64_gpr tmp);
/* int -> float: xd = rs (isize bytes, i32 zero-extended) converted,
 * rounding to nearest.  Clobbers rs (u64) and tmp. */
void jit_seq_convert(x64_buf *b, unsigned fsize, unsigned isize,
	bool is_signed, x64_xmm xd, x64_gpr rs, x64_gpr tmp);

/* Calls.  The arguments are in the frame slots from base up, the results
 * come back there.  Each clobbers every caller-saved register. */
/* call [r12 + 8*func] with rbx moved to the callee's frame. */
void jit_seq_call(x64_buf *b, uint32_t func, uint32_t base);
/* an import through jit_rt_call_import; a JS_CALL_FAIL tail on a trap or
 * unwind. */
void jit_seq_call_import(x64_buf *b, uint32_t func, uint32_t base,
	jit_tails *t);
/* call_indirect, the element index in ecx: bounds, null and signature
 * checks (their traps), a native call within the instance, else through
 * jit_rt_call_func (as an import's). */
void jit_seq_call_indirect(x64_buf *b, uint32_t table, uint32_t type_id,
	uint32_t base, jit_tails *t);
/* An op left to C: jit_rt_slow_op(inst, rbx + 8*base, ip, op) (base: the
 * slot where the frame ip's slots count from lies, 0 but in tier 2's
 * inlined code); if it can trap (traps), a JS_TRAP_EAX tail when it
 * answers a trap kind. */
void jit_seq_slow_op(x64_buf *b, const uint8_t *ip, uint32_t op, uint32_t base,
	bool traps, jit_tails *t);

/* r = inst->field[index] (an array of pointers in the instance). */
void jit_seq_inst_elem(x64_buf *b, int32_t field, uint32_t index, x64_gpr r);
/* r = memory 0's size in pages (memory.size). */
void jit_seq_memory_size(x64_buf *b, x64_gpr r);
/* inst->field[seg] = 1 (data.drop, elem.drop: field is the instance's
 * array of flags); clobbers scratch. */
void jit_seq_drop(x64_buf *b, int32_t field, uint32_t seg, x64_gpr scratch);

/* A jump through a table of x64_label_rel32 entries at `table` (entry k
 * holds target k minus the end of the entry): jmp to entry idx's target.
 * idx (zero-extended, in range: the caller's check) is clobbered, as are
 * t1 and t2; the three are distinct.  The table is position-independent
 * (the code may be copied before it is made executable). */
void jit_seq_table_jump(x64_buf *b, x64_gpr idx, x64_gpr t1, x64_gpr t2,
	x64_label *table);

#endif
