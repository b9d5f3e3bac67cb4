/* x64_asm.h -- the x86-64 encoder: a code buffer, labels and one emit
 * function per instruction form.  It knows bytes and nothing of wasm.
 *
 * Names are x64_<op>_<form>: r = general register, x = XMM register,
 * m = memory operand, i = immediate, cl = the CL register.  Destination
 * first, like Intel syntax: x64_mov_rm(b, 4, dst, mem) is "mov r32, [mem]".
 * Integer forms take the operand size in bytes (1, 2, 4 or 8); 4 is what
 * wasm's i32 wants (writing a 32-bit register zeroes the upper half).
 *
 * Errors are sticky and checked once: an emitter never fails in a way its
 * caller must handle.  If the buffer runs out of room, a label is out of
 * range or an operand is invalid (RSP as index, scale 3, size 3, ...),
 * b->err records the first error, the rest of the code is emitted into a
 * scratch area (b->len keeps counting, so it says how much room was
 * needed) and the caller throws the code away after x64_buf_err().
 */
#ifndef ENGINE_X64_ASM_H
#define ENGINE_X64_ASM_H

#include "x64/x64_target.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest x86 instruction; every emitter reserves this much at once. */
#define X64_MAX_INSN 15

typedef enum x64_err {
	X64_OK = 0,
	X64_ERR_NOSPACE,    /* fixed buffer full, or realloc failed */
	X64_ERR_RANGE,      /* a short jump or rel32 does not reach its target */
	X64_ERR_OPERAND     /* an operand the instruction cannot encode */
} x64_err;

typedef struct x64_buf {
	uint8_t *code;
	size_t len;         /* bytes emitted (or that would have been) */
	size_t cap;         /* bytes available at code */
	uintptr_t origin;   /* run-time address of code[0] for rel32 calls and
	                       jumps to absolute targets; 0 = code itself */
	bool growable;      /* code is malloc'd and grows; else caller-owned */
	x64_err err;        /* first error, X64_OK if none */
	uint8_t scratch[2 * X64_MAX_INSN]; /* sink for bytes that don't fit */
} x64_buf;

/* A growable buffer (malloc'd, starting at initial_cap bytes; 0 = a
 * default).  Free with x64_buf_free. */
void x64_buf_init(x64_buf *b, size_t initial_cap);
/* A fixed buffer over caller memory (e.g. a jit_mem mapped RW, or the
 * bytes of one instruction to re-emit in place: instructions fit exactly). */
void x64_buf_init_fixed(x64_buf *b, void *mem, size_t cap);
/* Frees a growable buffer's memory; a no-op for fixed ones. */
void x64_buf_free(x64_buf *b);
/* Empties b (and clears its error) to emit something else into it. */
static inline void x64_buf_reset(x64_buf *b) { b->len = 0; b->err = X64_OK; }
static inline x64_err x64_buf_err(const x64_buf *b) { return b->err; }
static inline size_t x64_buf_len(const x64_buf *b) { return b->len; }
const char *x64_err_name(x64_err e);

/* ---- memory operands ---------------------------------------------------- */

/* [base + index*scale + disp].  base may be X64_NOREG (then [index*scale +
 * disp32]; with no index either, an absolute [disp32]) or X64_BASE_RIP
 * ([rip + disp32], disp counted from the end of the instruction).  index
 * is X64_NOREG or any register but RSP; scale is 1, 2, 4 or 8. */
#define X64_BASE_RIP (-2)

typedef struct x64_mem {
	int8_t base;
	int8_t index;
	uint8_t scale;
	int32_t disp;
} x64_mem;

static inline x64_mem x64_mem_b(x64_gpr base, int32_t disp)
{
	return (x64_mem){ (int8_t)base, X64_NOREG, 1, disp };
}
static inline x64_mem x64_mem_bi(x64_gpr base, x64_gpr index, unsigned scale,
	int32_t disp)
{
	return (x64_mem){ (int8_t)base, (int8_t)index, (uint8_t)scale, disp };
}
static inline x64_mem x64_mem_rip(int32_t disp)
{
	return (x64_mem){ X64_BASE_RIP, X64_NOREG, 1, disp };
}
static inline x64_mem x64_mem_abs(int32_t disp)
{
	return (x64_mem){ X64_NOREG, X64_NOREG, 1, disp };
}

/* ---- labels --------------------------------------------------------------- */

/* A position in the buffer, bound once.  Uses before the bind are chained
 * through the code itself (each rel32 field holds the previous use, each
 * rel8 field the distance back to the previous short use) and patched by
 * x64_label_bind, so a label needs no memory of its own. */
typedef struct x64_label {
	int32_t pos;        /* bound offset, or -1 */
	int32_t near_uses;  /* last unpatched rel32 field, or -1 */
	int32_t short_uses; /* last unpatched rel8 field, or -1 */
} x64_label;

static inline x64_label x64_label_new(void) { return (x64_label){ -1, -1, -1 }; }
static inline bool x64_label_bound(const x64_label *l) { return l->pos >= 0; }
/* Binds l to the current position and patches its earlier uses. */
void x64_label_bind(x64_buf *b, x64_label *l);

/* jmp/jcc to a label: rel8 when the label is bound and in reach, else
 * rel32.  The _short forms always use rel8 (a forward short jump whose
 * label ends up out of reach sets X64_ERR_RANGE). */
void x64_jmp(x64_buf *b, x64_label *l);
void x64_jmp_short(x64_buf *b, x64_label *l);
void x64_jcc(x64_buf *b, x64_cc cc, x64_label *l);
void x64_jcc_short(x64_buf *b, x64_cc cc, x64_label *l);
void x64_call_label(x64_buf *b, x64_label *l);           /* call rel32 */
void x64_lea_label(x64_buf *b, x64_gpr dst, x64_label *l); /* lea r64, [rip+l] */
/* A 4-byte data word holding l minus the end of the word: a jump-table
 * entry (the target is the entry's address + 4 + its sign-extended value). */
void x64_label_rel32(x64_buf *b, x64_label *l);

/* ---- calls, jumps, stack -------------------------------------------------- */

/* call rel32 to an absolute address (see x64_buf.origin); returns the
 * offset of the rel32 field for x64_patch_rel32.  X64_ERR_RANGE if the
 * target is more than 2 GiB away. */
size_t x64_call_rel(x64_buf *b, const void *target);
size_t x64_jmp_rel(x64_buf *b, const void *target);
/* mov scratch, imm64; call scratch -- reaches anywhere.  Returns the offset
 * of the imm64 for x64_patch_abs64. */
size_t x64_call_abs(x64_buf *b, x64_gpr scratch, const void *target);
/* Rewrite a call target in finished code (mapped writable), at the offset
 * an emitter returned.  code_addr is where code runs.  x64_patch_rel32
 * returns false (and writes nothing) if the target is out of reach. */
bool x64_patch_rel32(uint8_t *code, uintptr_t code_addr, size_t at,
	const void *target);
void x64_patch_abs64(uint8_t *code, size_t at, const void *target);

void x64_call_r(x64_buf *b, x64_gpr r);                  /* call r64 */
void x64_call_m(x64_buf *b, x64_mem m);                  /* call [m] */
void x64_jmp_r(x64_buf *b, x64_gpr r);                   /* jmp r64 */
void x64_jmp_m(x64_buf *b, x64_mem m);                   /* jmp [m] */
void x64_ret(x64_buf *b);
void x64_push_r(x64_buf *b, x64_gpr r);
void x64_pop_r(x64_buf *b, x64_gpr r);
void x64_push_i(x64_buf *b, int32_t imm);                /* imm8 or imm32 */
void x64_push_m(x64_buf *b, x64_mem m);                  /* push qword [m] */

/* ---- moves ---------------------------------------------------------------- */

void x64_mov_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src);
/* mov r, imm with the shortest encoding: size 8 takes mov r32, imm32 for a
 * value that fits in 32 unsigned bits (the upper half is zeroed), the
 * sign-extended mov r64, imm32 for one that fits in 32 signed bits, and
 * movabs for the rest.  Flags are untouched (it never becomes xor). */
void x64_mov_ri(x64_buf *b, unsigned size, x64_gpr dst, int64_t imm);
/* movabs r64, imm64 always (10 bytes; imm64 at the returned offset + 2). */
size_t x64_movabs_ri(x64_buf *b, x64_gpr dst, int64_t imm);
void x64_mov_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m); /* load */
void x64_mov_mr(x64_buf *b, unsigned size, x64_mem m, x64_gpr src); /* store */
/* mov [m], imm (sign-extended imm32 for size 8). */
void x64_mov_mi(x64_buf *b, unsigned size, x64_mem m, int32_t imm);
/* movzx/movsx: dst_size 2, 4 or 8, src_size 1 or 2. */
void x64_movzx_rr(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_gpr src);
void x64_movzx_rm(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_mem m);
void x64_movsx_rr(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_gpr src);
void x64_movsx_rm(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_mem m);
/* movsxd r64, r/m32 */
void x64_movsxd_rr(x64_buf *b, x64_gpr dst, x64_gpr src);
void x64_movsxd_rm(x64_buf *b, x64_gpr dst, x64_mem m);
/* lea r, [m] (size 4 or 8) */
void x64_lea(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m);

/* ---- integer ALU ---------------------------------------------------------- */

/* op dst, src / op dst, imm / op dst, [m] / op [m], src / op [m], imm.
 * Immediates use the imm8 form when they fit, the short accumulator form
 * for RAX otherwise (as GNU as does). */
void x64_alu_rr(x64_buf *b, x64_alu op, unsigned size, x64_gpr dst, x64_gpr src);
void x64_alu_ri(x64_buf *b, x64_alu op, unsigned size, x64_gpr dst, int32_t imm);
void x64_alu_rm(x64_buf *b, x64_alu op, unsigned size, x64_gpr dst, x64_mem m);
void x64_alu_mr(x64_buf *b, x64_alu op, unsigned size, x64_mem m, x64_gpr src);
void x64_alu_mi(x64_buf *b, x64_alu op, unsigned size, x64_mem m, int32_t imm);

#define X64_ALU_FORMS(name, OP) \
static inline void x64_##name##_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src) \
{ x64_alu_rr(b, OP, size, dst, src); } \
static inline void x64_##name##_ri(x64_buf *b, unsigned size, x64_gpr dst, int32_t imm) \
{ x64_alu_ri(b, OP, size, dst, imm); } \
static inline void x64_##name##_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m) \
{ x64_alu_rm(b, OP, size, dst, m); } \
static inline void x64_##name##_mr(x64_buf *b, unsigned size, x64_mem m, x64_gpr src) \
{ x64_alu_mr(b, OP, size, m, src); } \
static inline void x64_##name##_mi(x64_buf *b, unsigned size, x64_mem m, int32_t imm) \
{ x64_alu_mi(b, OP, size, m, imm); }
/* x64_add_rr, x64_add_ri, x64_add_rm, x64_add_mr, x64_add_mi, and the same
 * five for adc, sub, sbb, and, or, xor, cmp. */
X64_ALU_FORMS(add, X64_ALU_ADD)
X64_ALU_FORMS(adc, X64_ALU_ADC)
X64_ALU_FORMS(sub, X64_ALU_SUB)
X64_ALU_FORMS(sbb, X64_ALU_SBB)
X64_ALU_FORMS(and, X64_ALU_AND)
X64_ALU_FORMS(or,  X64_ALU_OR)
X64_ALU_FORMS(xor, X64_ALU_XOR)
X64_ALU_FORMS(cmp, X64_ALU_CMP)
#undef X64_ALU_FORMS

void x64_test_rr(x64_buf *b, unsigned size, x64_gpr a, x64_gpr c);
void x64_test_ri(x64_buf *b, unsigned size, x64_gpr r, int32_t imm);
void x64_test_mr(x64_buf *b, unsigned size, x64_mem m, x64_gpr r);
void x64_test_mi(x64_buf *b, unsigned size, x64_mem m, int32_t imm);

/* Group 3: not, neg, mul, imul (one operand), div, idiv of r or [m]. */
void x64_unary_r(x64_buf *b, x64_unary op, unsigned size, x64_gpr r);
void x64_unary_m(x64_buf *b, x64_unary op, unsigned size, x64_mem m);
static inline void x64_not_r(x64_buf *b, unsigned size, x64_gpr r)
{ x64_unary_r(b, X64_UN_NOT, size, r); }
static inline void x64_neg_r(x64_buf *b, unsigned size, x64_gpr r)
{ x64_unary_r(b, X64_UN_NEG, size, r); }
static inline void x64_mul_r(x64_buf *b, unsigned size, x64_gpr r)
{ x64_unary_r(b, X64_UN_MUL, size, r); }
static inline void x64_div_r(x64_buf *b, unsigned size, x64_gpr r)
{ x64_unary_r(b, X64_UN_DIV, size, r); }
static inline void x64_idiv_r(x64_buf *b, unsigned size, x64_gpr r)
{ x64_unary_r(b, X64_UN_IDIV, size, r); }
static inline void x64_div_m(x64_buf *b, unsigned size, x64_mem m)
{ x64_unary_m(b, X64_UN_DIV, size, m); }
static inline void x64_idiv_m(x64_buf *b, unsigned size, x64_mem m)
{ x64_unary_m(b, X64_UN_IDIV, size, m); }
void x64_cdq(x64_buf *b);   /* edx:eax = sign-extend eax */
void x64_cqo(x64_buf *b);   /* rdx:rax = sign-extend rax */

/* imul dst, src / imul dst, [m] / imul dst, src, imm (size 2, 4, 8). */
void x64_imul_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src);
void x64_imul_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m);
void x64_imul_rri(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src, int32_t imm);

/* Shifts and rotates by CL and by an immediate (masked to 5 or 6 bits by
 * the CPU, as wasm wants; an immediate of 1 uses the short D1 form). */
void x64_shift_rcl(x64_buf *b, x64_shift op, unsigned size, x64_gpr r);
void x64_shift_ri(x64_buf *b, x64_shift op, unsigned size, x64_gpr r, uint8_t imm);
static inline void x64_shl_rcl(x64_buf *b, unsigned size, x64_gpr r)
{ x64_shift_rcl(b, X64_SH_SHL, size, r); }
static inline void x64_shr_rcl(x64_buf *b, unsigned size, x64_gpr r)
{ x64_shift_rcl(b, X64_SH_SHR, size, r); }
static inline void x64_sar_rcl(x64_buf *b, unsigned size, x64_gpr r)
{ x64_shift_rcl(b, X64_SH_SAR, size, r); }
static inline void x64_rol_rcl(x64_buf *b, unsigned size, x64_gpr r)
{ x64_shift_rcl(b, X64_SH_ROL, size, r); }
static inline void x64_ror_rcl(x64_buf *b, unsigned size, x64_gpr r)
{ x64_shift_rcl(b, X64_SH_ROR, size, r); }
static inline void x64_shl_ri(x64_buf *b, unsigned size, x64_gpr r, uint8_t imm)
{ x64_shift_ri(b, X64_SH_SHL, size, r, imm); }
static inline void x64_shr_ri(x64_buf *b, unsigned size, x64_gpr r, uint8_t imm)
{ x64_shift_ri(b, X64_SH_SHR, size, r, imm); }
static inline void x64_sar_ri(x64_buf *b, unsigned size, x64_gpr r, uint8_t imm)
{ x64_shift_ri(b, X64_SH_SAR, size, r, imm); }
static inline void x64_rol_ri(x64_buf *b, unsigned size, x64_gpr r, uint8_t imm)
{ x64_shift_ri(b, X64_SH_ROL, size, r, imm); }
static inline void x64_ror_ri(x64_buf *b, unsigned size, x64_gpr r, uint8_t imm)
{ x64_shift_ri(b, X64_SH_ROR, size, r, imm); }

/* setcc r8 (the low byte only: zero-extend it yourself) and cmovcc. */
void x64_setcc_r(x64_buf *b, x64_cc cc, x64_gpr r);
void x64_cmovcc_rr(x64_buf *b, x64_cc cc, unsigned size, x64_gpr dst, x64_gpr src);
void x64_cmovcc_rm(x64_buf *b, x64_cc cc, unsigned size, x64_gpr dst, x64_mem m);

/* Bit counts (size 2, 4, 8).  lzcnt, tzcnt and popcnt need the CPU
 * features below; on a CPU without LZCNT/BMI1 the F3 prefix is ignored
 * and lzcnt/tzcnt silently run as bsr/bsf. */
void x64_lzcnt_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src);
void x64_tzcnt_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src);
void x64_popcnt_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src);
void x64_bsr_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src);
void x64_bsf_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src);
void x64_lzcnt_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m);
void x64_tzcnt_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m);
void x64_popcnt_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m);

/* BMI (VEX-encoded GPR instructions; size 4 or 8, VEX.W): rorx (BMI2)
 * rotates src right by imm into dst without touching src or the flags;
 * andn (BMI1) is dst = ~src1 & src2. */
void x64_rorx_rri(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src, uint8_t imm);
void x64_andn_rrr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src1, x64_gpr src2);

bool x64_cpu_has_lzcnt(void);   /* CPUID 80000001h ECX.ABM[5] */
bool x64_cpu_has_bmi1(void);    /* CPUID 7 EBX.BMI1[3]: tzcnt, andn */
bool x64_cpu_has_tzcnt(void);   /* BMI1's */
bool x64_cpu_has_bmi2(void);    /* CPUID 7 EBX.BMI2[8]: rorx */
bool x64_cpu_has_popcnt(void);  /* CPUID 1 ECX[23] */
bool x64_cpu_has_sse41(void);   /* CPUID 1 ECX[19] (roundss/roundsd) */

/* ---- SSE scalar floating point ---------------------------------------- */

/* The generic forms: prefix (X64_PFX_*) + opcode, XMM reg field and an
 * XMM or memory r/m field.  The named ones below are what to call. */
void x64_sse_xx(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src);
void x64_sse_xm(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_mem m);

#define X64_SSE_FORMS(name, PFX, OP) \
static inline void x64_##name##_xx(x64_buf *b, x64_xmm dst, x64_xmm src) \
{ x64_sse_xx(b, PFX, OP, dst, src); } \
static inline void x64_##name##_xm(x64_buf *b, x64_xmm dst, x64_mem m) \
{ x64_sse_xm(b, PFX, OP, dst, m); }
/* x64_addss_xx (addss xmm, xmm), x64_addss_xm (addss xmm, [m]), ... */
X64_SSE_FORMS(addss,  X64_PFX_F3, X64_SSE_ADD)
X64_SSE_FORMS(addsd,  X64_PFX_F2, X64_SSE_ADD)
X64_SSE_FORMS(subss,  X64_PFX_F3, X64_SSE_SUB)
X64_SSE_FORMS(subsd,  X64_PFX_F2, X64_SSE_SUB)
X64_SSE_FORMS(mulss,  X64_PFX_F3, X64_SSE_MUL)
X64_SSE_FORMS(mulsd,  X64_PFX_F2, X64_SSE_MUL)
X64_SSE_FORMS(divss,  X64_PFX_F3, X64_SSE_DIV)
X64_SSE_FORMS(divsd,  X64_PFX_F2, X64_SSE_DIV)
X64_SSE_FORMS(sqrtss, X64_PFX_F3, X64_SSE_SQRT)
X64_SSE_FORMS(sqrtsd, X64_PFX_F2, X64_SSE_SQRT)
X64_SSE_FORMS(minss,  X64_PFX_F3, X64_SSE_MIN)
X64_SSE_FORMS(minsd,  X64_PFX_F2, X64_SSE_MIN)
X64_SSE_FORMS(maxss,  X64_PFX_F3, X64_SSE_MAX)
X64_SSE_FORMS(maxsd,  X64_PFX_F2, X64_SSE_MAX)
X64_SSE_FORMS(ucomiss, X64_PFX_NONE, X64_SSE_UCOMI)
X64_SSE_FORMS(ucomisd, X64_PFX_66,   X64_SSE_UCOMI)
X64_SSE_FORMS(cvtss2sd, X64_PFX_F3, X64_SSE_CVT2)
X64_SSE_FORMS(cvtsd2ss, X64_PFX_F2, X64_SSE_CVT2)
/* Bitwise, on the whole 128-bit register (m is a 16-byte aligned m128). */
X64_SSE_FORMS(andps,  X64_PFX_NONE, X64_SSE_AND)
X64_SSE_FORMS(andpd,  X64_PFX_66,   X64_SSE_AND)
X64_SSE_FORMS(andnps, X64_PFX_NONE, X64_SSE_ANDN)
X64_SSE_FORMS(andnpd, X64_PFX_66,   X64_SSE_ANDN)
X64_SSE_FORMS(orps,   X64_PFX_NONE, X64_SSE_OR)
X64_SSE_FORMS(orpd,   X64_PFX_66,   X64_SSE_OR)
X64_SSE_FORMS(xorps,  X64_PFX_NONE, X64_SSE_XOR)
X64_SSE_FORMS(xorpd,  X64_PFX_66,   X64_SSE_XOR)
X64_SSE_FORMS(pxor,   X64_PFX_66,   X64_SSE_PXOR)
/* Whole-register moves: use these for xmm-to-xmm copies (movss/movsd
 * xmm, xmm merge into the old value and carry a false dependency). */
X64_SSE_FORMS(movaps, X64_PFX_NONE, X64_SSE_MOVAP)
X64_SSE_FORMS(movapd, X64_PFX_66,   X64_SSE_MOVAP)
#undef X64_SSE_FORMS

/* Packed (v128) forms.  movdqu: an unaligned 16-byte load or store;
 * the integer lane ops (66 0F ..., 66 0F 38 ...: x64_sse's packed group)
 * go through x64_sse_xx/_xm with X64_PFX_66. */
static inline void x64_movdqu_xm(x64_buf *b, x64_xmm dst, x64_mem m)
{ x64_sse_xm(b, X64_PFX_F3, X64_SSE_MOVDQU_RM, dst, m); }
static inline void x64_movdqu_mx(x64_buf *b, x64_mem m, x64_xmm src)
{ x64_sse_xm(b, X64_PFX_F3, X64_SSE_MOVDQU_MR, src, m); }
/* op xmm, xmm, imm8 (cmpps/cmppd: X64_SSE_CMPP with an X64_CMPP_*). */
void x64_sse_xxi(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src,
	uint8_t imm);
/* The immediate forms of the packed shifts: "op x, imm8" (66 0F 71/72/73
 * /digit ib) for op one of the by-xmm-count shifts X64_SSE_PSLLW/D/Q,
 * PSRLW/D/Q, PSRAW/D (there is no psraq); the form is derived from op,
 * so the shifts stay one list (x64_target.h).  A count past the lane
 * width gives zeros (sign bits for psra), as the xmm-count forms do.
 * Any other op sets X64_ERR_OPERAND. */
void x64_sse_shift_xi(x64_buf *b, x64_sse op, x64_xmm x, uint8_t imm);
/* movmskps/movmskpd/pmovmskb r32, xmm (op X64_SSE_MOVMSKP or
 * X64_SSE_PMOVMSKB): each lane's sign bit, lane i in bit i. */
void x64_movmsk_rx(x64_buf *b, int pfx, x64_sse op, x64_gpr dst, x64_xmm src);
/* cmpps/cmppd predicates (the imm8): true where the compare holds; NEQ is
 * unordered-or-not-equal (true for NaN lanes), UNORD true for NaN lanes
 * alone, the others ordered. */
enum { X64_CMPP_EQ = 0, X64_CMPP_LT = 1, X64_CMPP_LE = 2, X64_CMPP_UNORD = 3,
	X64_CMPP_NEQ = 4 };

/* AVX (VEX-encoded) three-operand forms of the same x64_sse opcodes:
 * "vOP dst, src1, src2/[m]" computes src1 OP src2 into dst, src1 and src2
 * unchanged (the scalar forms copy src1's upper lanes into dst's; the
 * VEX forms zero dst's bits 128..255).  128-bit and scalar only (VEX.L =
 * 0), W = 0; the prefix and opcode map come from pfx and op as for
 * x64_sse_xx (0F, 0F 38, 0F 3A).  Only for a CPU with AVX
 * (x64_cpu_has_avx). */
void x64_vex_xxx(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src1,
	x64_xmm src2);
void x64_vex_xxm(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src1,
	x64_mem m);
/* vOP dst, src1, src2, imm8 (vcmpps/vcmppd with an X64_CMPP_*). */
void x64_vex_xxxi(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src1,
	x64_xmm src2, uint8_t imm);
/* The VEX forms of the ops without a first source (vvvv 1111b): "vOP
 * dst, src" (vpabsb, vpmovsxbw, vcvtdq2ps, vsqrtps, ...), "vOP dst, src,
 * imm8" (vpshufd, vroundps).  Packed ops only: a scalar op's VEX form
 * (vsqrtss, vroundss) reads vvvv as its upper lanes' source, and 1111b
 * would name xmm15. */
void x64_vex_xx(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src);
void x64_vex_xxi(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src,
	uint8_t imm);
/* The VEX.128 immediate shift: "vop dst, src, imm8" (VEX.66.0F 71/72/73
 * /digit ib: dst in vvvv, src in r/m), op as for x64_sse_shift_xi. */
void x64_vex_shift_xxi(x64_buf *b, x64_sse op, x64_xmm dst, x64_xmm src,
	uint8_t imm);
/* vpinsrb/w/d/q dst, src1, r32/r64 (size 8) or m, imm8: src1 with lane
 * `lane` of size bytes from the GPR or memory. */
void x64_vex_pinsr_xxri(x64_buf *b, unsigned size, x64_xmm dst, x64_xmm src1,
	x64_gpr src, uint8_t lane);
void x64_vex_pinsr_xxmi(x64_buf *b, unsigned size, x64_xmm dst, x64_xmm src1,
	x64_mem m, uint8_t lane);
/* CPUID 1 ECX.AVX[28] and ECX.OSXSAVE[27], and XCR0 saving the SSE and
 * AVX state (bits 1, 2). */
bool x64_cpu_has_avx(void);

/* Makes the instruction just emitted reach label l through its [rip +
 * disp32] operand: emit it with x64_mem_rip(0) (and no immediate, so the
 * disp32 is its last four bytes), then call this.  For data after the
 * code (constant pools, tables). */
void x64_rip_label(x64_buf *b, x64_label *l);

/* Lane `lane` (imm8) of size 1, 2, 4 or 8 bytes out of or into an XMM
 * register (pextrb/w/d/q, pinsrb/w/d/q: SSE4.1, but for pextrw and pinsrw
 * with a register, SSE2).  pextr into a GPR zero-extends to 64 bits;
 * pinsr from a GPR reads its low size bytes (r32, r64 for 8). */
void x64_pextr_rxi(x64_buf *b, unsigned size, x64_gpr dst, x64_xmm src, uint8_t lane);
void x64_pextr_mxi(x64_buf *b, unsigned size, x64_mem m, x64_xmm src, uint8_t lane);
void x64_pinsr_xri(x64_buf *b, unsigned size, x64_xmm dst, x64_gpr src, uint8_t lane);
void x64_pinsr_xmi(x64_buf *b, unsigned size, x64_xmm dst, x64_mem m, uint8_t lane);

/* movss/movsd: register merge, load (zeroes the upper lanes), store. */
void x64_movss_xx(x64_buf *b, x64_xmm dst, x64_xmm src);
void x64_movsd_xx(x64_buf *b, x64_xmm dst, x64_xmm src);
void x64_movss_xm(x64_buf *b, x64_xmm dst, x64_mem m);
void x64_movsd_xm(x64_buf *b, x64_xmm dst, x64_mem m);
void x64_movss_mx(x64_buf *b, x64_mem m, x64_xmm src);
void x64_movsd_mx(x64_buf *b, x64_mem m, x64_xmm src);
/* movd (size 4) / movq (size 8) between a GPR and an XMM register. */
void x64_movd_xr(x64_buf *b, unsigned size, x64_xmm dst, x64_gpr src);
void x64_movd_rx(x64_buf *b, unsigned size, x64_gpr dst, x64_xmm src);
/* cvtsi2ss/cvtsi2sd xmm, r/m32 or r/m64 (src_size 4 or 8). */
void x64_cvtsi2ss_xr(x64_buf *b, unsigned src_size, x64_xmm dst, x64_gpr src);
void x64_cvtsi2sd_xr(x64_buf *b, unsigned src_size, x64_xmm dst, x64_gpr src);
void x64_cvtsi2ss_xm(x64_buf *b, unsigned src_size, x64_xmm dst, x64_mem m);
void x64_cvtsi2sd_xm(x64_buf *b, unsigned src_size, x64_xmm dst, x64_mem m);
/* cvttss2si/cvttsd2si r32 or r64 (dst_size 4 or 8), truncating. */
void x64_cvttss2si_rx(x64_buf *b, unsigned dst_size, x64_gpr dst, x64_xmm src);
void x64_cvttsd2si_rx(x64_buf *b, unsigned dst_size, x64_gpr dst, x64_xmm src);
/* roundss/roundsd xmm, xmm, imm8 (X64_ROUND_*; SSE4.1). */
void x64_roundss_xx(x64_buf *b, x64_xmm dst, x64_xmm src, uint8_t mode);
void x64_roundsd_xx(x64_buf *b, x64_xmm dst, x64_xmm src, uint8_t mode);

/* ---- miscellaneous -------------------------------------------------------- */

void x64_ud2(x64_buf *b);
void x64_int3(x64_buf *b);
void x64_nop(x64_buf *b);
/* n bytes of the recommended multi-byte nops (at most 9 bytes each). */
void x64_nops(x64_buf *b, size_t n);
/* Pads with nops to a multiple of align (a power of two). */
void x64_align(x64_buf *b, size_t align);
/* Raw bytes (data in the code stream, e.g. float constants). */
void x64_bytes(x64_buf *b, const void *p, size_t n);

#endif
