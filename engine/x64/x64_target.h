/* x64_target.h -- x86-64 target data: registers, ABI sets, condition codes,
 * opcodes.  Pure data, no code: the encoder (x64_asm.c) knows bytes, the
 * compilers choose instructions; both read this file.
 *
 * Opcode numbers are from the Intel SDM, volume 2.  A "group" opcode
 * (ALU, shift, unary) is one byte plus the ModRM.reg digit that selects the
 * operation; the enums below hold those digits.
 */
#ifndef ENGINE_X64_TARGET_H
#define ENGINE_X64_TARGET_H

#include <stdint.h>

/* ---- registers ---------------------------------------------------------- */

/* _(NAME, 64-bit name, 32-bit name, 16-bit name, 8-bit name), in encoding
 * order (the number is the 4-bit register field: REX bit + 3 ModRM bits). */
#define X64_GPR_LIST(_) \
	_(RAX, "rax", "eax",  "ax",   "al")   \
	_(RCX, "rcx", "ecx",  "cx",   "cl")   \
	_(RDX, "rdx", "edx",  "dx",   "dl")   \
	_(RBX, "rbx", "ebx",  "bx",   "bl")   \
	_(RSP, "rsp", "esp",  "sp",   "spl")  \
	_(RBP, "rbp", "ebp",  "bp",   "bpl")  \
	_(RSI, "rsi", "esi",  "si",   "sil")  \
	_(RDI, "rdi", "edi",  "di",   "dil")  \
	_(R8,  "r8",  "r8d",  "r8w",  "r8b")  \
	_(R9,  "r9",  "r9d",  "r9w",  "r9b")  \
	_(R10, "r10", "r10d", "r10w", "r10b") \
	_(R11, "r11", "r11d", "r11w", "r11b") \
	_(R12, "r12", "r12d", "r12w", "r12b") \
	_(R13, "r13", "r13d", "r13w", "r13b") \
	_(R14, "r14", "r14d", "r14w", "r14b") \
	_(R15, "r15", "r15d", "r15w", "r15b")

typedef enum x64_gpr {
#define X64_GPR_ENUM(n, q, d, w, b) X64_##n,
	X64_GPR_LIST(X64_GPR_ENUM)
#undef X64_GPR_ENUM
	X64_NGPR,
	X64_NOREG = -1      /* "no base" / "no index" in a memory operand */
} x64_gpr;

#define X64_XMM_LIST(_) \
	_(XMM0)  _(XMM1)  _(XMM2)  _(XMM3)  _(XMM4)  _(XMM5)  _(XMM6)  _(XMM7) \
	_(XMM8)  _(XMM9)  _(XMM10) _(XMM11) _(XMM12) _(XMM13) _(XMM14) _(XMM15)

typedef enum x64_xmm {
#define X64_XMM_ENUM(n) X64_##n,
	X64_XMM_LIST(X64_XMM_ENUM)
#undef X64_XMM_ENUM
	X64_NXMM
} x64_xmm;

/* Register sets: bit r for register r (GPRs and XMMs in separate sets). */
typedef uint16_t x64_regset;
#define X64_REGSET(r) ((x64_regset)(1u << (r)))

/* ---- System V AMD64 ABI ----------------------------------------------- */

/* Integer argument registers in order; the return value is in RAX (and RDX
 * for a second word).  Floating-point arguments go in XMM0..XMM7, the
 * result in XMM0. */
#define X64_ABI_GPR_ARGS   { X64_RDI, X64_RSI, X64_RDX, X64_RCX, X64_R8, X64_R9 }
#define X64_ABI_NGPR_ARGS  6
#define X64_ABI_NXMM_ARGS  8

#define X64_ABI_GPR_ARGSET \
	(X64_REGSET(X64_RDI) | X64_REGSET(X64_RSI) | X64_REGSET(X64_RDX) | \
	 X64_REGSET(X64_RCX) | X64_REGSET(X64_R8) | X64_REGSET(X64_R9))
#define X64_ABI_XMM_ARGSET ((x64_regset)0x00ff)

/* Preserved across calls (RSP too, but it is never allocatable). */
#define X64_ABI_CALLEE_SAVED \
	(X64_REGSET(X64_RBX) | X64_REGSET(X64_RBP) | X64_REGSET(X64_R12) | \
	 X64_REGSET(X64_R13) | X64_REGSET(X64_R14) | X64_REGSET(X64_R15))
/* Clobbered by a call: every other GPR except RSP, and all XMMs. */
#define X64_ABI_CALLER_SAVED \
	((x64_regset)(0xffffu & ~X64_ABI_CALLEE_SAVED & ~X64_REGSET(X64_RSP)))
#define X64_ABI_XMM_CALLER_SAVED ((x64_regset)0xffff)

/* Stack alignment at a call instruction, and the red zone below RSP that
 * leaf code may use without moving RSP. */
#define X64_ABI_STACK_ALIGN  16
#define X64_ABI_RED_ZONE     128

/* ---- condition codes ---------------------------------------------------- */

/* The 4-bit condition field of Jcc (0F 80+cc), SETcc (0F 90+cc) and CMOVcc
 * (0F 40+cc).  Flipping bit 0 inverts a condition. */
#define X64_CC_LIST(_) \
	_(O,  "o")  _(NO, "no") _(B,  "b")  _(AE, "ae") \
	_(E,  "e")  _(NE, "ne") _(BE, "be") _(A,  "a")  \
	_(S,  "s")  _(NS, "ns") _(P,  "p")  _(NP, "np") \
	_(L,  "l")  _(GE, "ge") _(LE, "le") _(G,  "g")

typedef enum x64_cc {
#define X64_CC_ENUM(n, s) X64_CC_##n,
	X64_CC_LIST(X64_CC_ENUM)
#undef X64_CC_ENUM
	X64_NCC,
	/* aliases */
	X64_CC_C  = X64_CC_B,  X64_CC_NC = X64_CC_AE,
	X64_CC_Z  = X64_CC_E,  X64_CC_NZ = X64_CC_NE,
	X64_CC_PE = X64_CC_P,  X64_CC_PO = X64_CC_NP
} x64_cc;

#define X64_CC_INVERT(cc) ((x64_cc)((cc) ^ 1))

/* ---- opcodes -------------------------------------------------------------- */

/* Integer ALU group: the ModRM.reg digit of 80/81/83 /digit; the register
 * forms are (digit << 3) | 0 (r/m8, r8), | 1 (r/m, r), | 2 (r8, r/m8),
 * | 3 (r, r/m), | 4 (AL, imm8), | 5 (eAX, imm32). */
typedef enum x64_alu {
	X64_ALU_ADD = 0, X64_ALU_OR = 1, X64_ALU_ADC = 2, X64_ALU_SBB = 3,
	X64_ALU_AND = 4, X64_ALU_SUB = 5, X64_ALU_XOR = 6, X64_ALU_CMP = 7
} x64_alu;

/* Shift/rotate group: digit of C0/C1 ib, D0/D1 (by 1), D2/D3 (by CL). */
typedef enum x64_shift {
	X64_SH_ROL = 0, X64_SH_ROR = 1, X64_SH_RCL = 2, X64_SH_RCR = 3,
	X64_SH_SHL = 4, X64_SH_SHR = 5, X64_SH_SAR = 7
} x64_shift;

/* Unary group 3: digit of F6/F7 /digit. */
typedef enum x64_unary {
	X64_UN_TEST = 0, X64_UN_NOT = 2, X64_UN_NEG = 3, X64_UN_MUL = 4,
	X64_UN_IMUL = 5, X64_UN_DIV = 6, X64_UN_IDIV = 7
} x64_unary;

/* One-byte opcodes (the 8-bit form where the low bit selects the width). */
enum {
	X64_OP_ALU_IMM8S = 0x83,    /* ALU r/m, imm8 (sign-extended) */
	X64_OP_ALU_IMM   = 0x80,    /* ALU r/m8, imm8; 81 = r/m, imm32 */
	X64_OP_TEST      = 0x84,    /* test r/m8, r8; 85 = r/m, r */
	X64_OP_TEST_ACC  = 0xa8,    /* test al, imm8; a9 = eAX, imm32 */
	X64_OP_MOV_MR    = 0x88,    /* mov r/m8, r8; 89 = r/m, r */
	X64_OP_MOV_RM    = 0x8a,    /* mov r8, r/m8; 8b = r, r/m */
	X64_OP_LEA       = 0x8d,
	X64_OP_MOVSXD    = 0x63,
	X64_OP_MOV_RI8   = 0xb0,    /* mov r8, imm8 (+reg) */
	X64_OP_MOV_RI    = 0xb8,    /* mov r, imm16/32/64 (+reg) */
	X64_OP_MOV_MI    = 0xc6,    /* mov r/m8, imm8; c7 = r/m, imm32 */
	X64_OP_SHIFT_I   = 0xc0,    /* shift r/m8, imm8; c1 = r/m, imm8 */
	X64_OP_SHIFT_1   = 0xd0,    /* shift r/m8, 1; d1 = r/m, 1 */
	X64_OP_SHIFT_CL  = 0xd2,    /* shift r/m8, cl; d3 = r/m, cl */
	X64_OP_UNARY     = 0xf6,    /* group 3 r/m8; f7 = r/m */
	X64_OP_IMUL_RMI8 = 0x6b,    /* imul r, r/m, imm8 */
	X64_OP_IMUL_RMI  = 0x69,    /* imul r, r/m, imm32 */
	X64_OP_PUSH_R    = 0x50,    /* +reg */
	X64_OP_POP_R     = 0x58,    /* +reg */
	X64_OP_PUSH_I8   = 0x6a,
	X64_OP_PUSH_I32  = 0x68,
	X64_OP_GROUP5    = 0xff,    /* /2 call r/m, /4 jmp r/m, /6 push r/m */
	X64_OP_CALL_REL  = 0xe8,
	X64_OP_JMP_REL   = 0xe9,
	X64_OP_JMP_REL8  = 0xeb,
	X64_OP_JCC_REL8  = 0x70,    /* +cc */
	X64_OP_RET       = 0xc3,
	X64_OP_CDQ       = 0x99,    /* cqo with REX.W */
	X64_OP_NOP       = 0x90,
	X64_OP_INT3      = 0xcc
};

/* Two- and three-byte opcodes, written as the bytes after any mandatory
 * prefix (0F xx, 0F 38 xx, 0F 3A xx). */
enum {
	X64_OP_JCC_REL32 = 0x0f80,  /* +cc */
	X64_OP_SETCC     = 0x0f90,  /* +cc */
	X64_OP_CMOVCC    = 0x0f40,  /* +cc */
	X64_OP_IMUL_RM   = 0x0faf,
	X64_OP_MOVZX8    = 0x0fb6,
	X64_OP_MOVZX16   = 0x0fb7,
	X64_OP_MOVSX8    = 0x0fbe,
	X64_OP_MOVSX16   = 0x0fbf,
	X64_OP_BSF       = 0x0fbc,  /* tzcnt with F3 */
	X64_OP_BSR       = 0x0fbd,  /* lzcnt with F3 */
	X64_OP_POPCNT    = 0x0fb8,  /* with F3 */
	X64_OP_UD2       = 0x0f0b,
	X64_OP_NOPL      = 0x0f1f,  /* multi-byte nop, /0 */
	X64_OP_CPUID     = 0x0fa2
};

/* SSE: mandatory prefix and opcode.  The scalar arithmetic opcodes take
 * F3 (single) or F2 (double); the packed logic ones none (ps) or 66 (pd). */
enum {
	X64_PFX_NONE = 0x00, X64_PFX_66 = 0x66, X64_PFX_F2 = 0xf2,
	X64_PFX_F3 = 0xf3
};

typedef enum x64_sse {
	X64_SSE_MOV_RM  = 0x0f10,   /* movss/movsd xmm, xmm/m */
	X64_SSE_MOV_MR  = 0x0f11,   /* movss/movsd xmm/m, xmm */
	X64_SSE_MOVAP   = 0x0f28,   /* movaps/movapd xmm, xmm/m128 */
	X64_SSE_CVTSI2  = 0x0f2a,   /* cvtsi2ss/sd xmm, r/m32/64 */
	X64_SSE_CVTT2SI = 0x0f2c,   /* cvttss2si/cvttsd2si r32/64, xmm/m */
	X64_SSE_UCOMI   = 0x0f2e,   /* ucomiss (none) / ucomisd (66) */
	X64_SSE_SQRT    = 0x0f51,
	X64_SSE_AND     = 0x0f54,
	X64_SSE_ANDN    = 0x0f55,
	X64_SSE_OR      = 0x0f56,
	X64_SSE_XOR     = 0x0f57,
	X64_SSE_ADD     = 0x0f58,
	X64_SSE_MUL     = 0x0f59,
	X64_SSE_CVT2    = 0x0f5a,   /* cvtss2sd (F3) / cvtsd2ss (F2) */
	X64_SSE_SUB     = 0x0f5c,
	X64_SSE_MIN     = 0x0f5d,
	X64_SSE_DIV     = 0x0f5e,
	X64_SSE_MAX     = 0x0f5f,
	X64_SSE_MOVD_XR = 0x0f6e,   /* 66: movd/movq xmm, r/m32/64 */
	X64_SSE_MOVD_RX = 0x0f7e,   /* 66: movd/movq r/m32/64, xmm */
	X64_SSE_PXOR    = 0x0fef,   /* 66 */
	X64_SSE_ROUNDSS = 0x0f3a0a, /* 66, imm8 */
	X64_SSE_ROUNDSD = 0x0f3a0b, /* 66, imm8 */
	/* Packed (v128) forms: xmm, xmm/m128.  Integer ones take 66; the
	 * float ones above take none (ps) or 66 (pd).  0f38xx are SSSE3
	 * (pshufb, pabsX) or SSE4.1 (the rest of that map), the others SSE2. */
	X64_SSE_MOVDQU_RM = 0x0f6f, /* F3: movdqu xmm, xmm/m128 */
	X64_SSE_MOVDQU_MR = 0x0f7f, /* F3: movdqu xmm/m128, xmm */
	X64_SSE_CMPP    = 0x0fc2,   /* cmpps (none) / cmppd (66), imm8 */
	X64_SSE_PCMPGTB = 0x0f64, X64_SSE_PCMPGTW = 0x0f65, X64_SSE_PCMPGTD = 0x0f66,
	X64_SSE_PCMPEQB = 0x0f74, X64_SSE_PCMPEQW = 0x0f75, X64_SSE_PCMPEQD = 0x0f76,
	X64_SSE_PSRLW   = 0x0fd1, X64_SSE_PSRLD   = 0x0fd2, X64_SSE_PSRLQ   = 0x0fd3,
	X64_SSE_PADDQ   = 0x0fd4,
	X64_SSE_PMULLW  = 0x0fd5,
	X64_SSE_PSUBUSB = 0x0fd8, X64_SSE_PSUBUSW = 0x0fd9,
	X64_SSE_PMINUB  = 0x0fda,
	X64_SSE_PAND    = 0x0fdb,
	X64_SSE_PADDUSB = 0x0fdc, X64_SSE_PADDUSW = 0x0fdd,
	X64_SSE_PMAXUB  = 0x0fde,
	X64_SSE_PANDN   = 0x0fdf,
	X64_SSE_PAVGB   = 0x0fe0,
	X64_SSE_PSRAW   = 0x0fe1, X64_SSE_PSRAD   = 0x0fe2,
	X64_SSE_PAVGW   = 0x0fe3,
	X64_SSE_PSUBSB  = 0x0fe8, X64_SSE_PSUBSW  = 0x0fe9,
	X64_SSE_PMINSW  = 0x0fea,
	X64_SSE_POR     = 0x0feb,
	X64_SSE_PADDSB  = 0x0fec, X64_SSE_PADDSW  = 0x0fed,
	X64_SSE_PMAXSW  = 0x0fee,
	X64_SSE_PSLLW   = 0x0ff1, X64_SSE_PSLLD   = 0x0ff2, X64_SSE_PSLLQ   = 0x0ff3,
	X64_SSE_PSUBB   = 0x0ff8, X64_SSE_PSUBW   = 0x0ff9, X64_SSE_PSUBD   = 0x0ffa,
	X64_SSE_PSUBQ   = 0x0ffb,
	X64_SSE_PADDB   = 0x0ffc, X64_SSE_PADDW   = 0x0ffd, X64_SSE_PADDD   = 0x0ffe,
	X64_SSE_PSHUFB  = 0x0f3800,
	X64_SSE_PABSB   = 0x0f381c, X64_SSE_PABSW = 0x0f381d, X64_SSE_PABSD = 0x0f381e,
	X64_SSE_PCMPEQQ = 0x0f3829,
	X64_SSE_PMINSB  = 0x0f3838, X64_SSE_PMINSD = 0x0f3839,
	X64_SSE_PMINUW  = 0x0f383a, X64_SSE_PMINUD = 0x0f383b,
	X64_SSE_PMAXSB  = 0x0f383c, X64_SSE_PMAXSD = 0x0f383d,
	X64_SSE_PMAXUW  = 0x0f383e, X64_SSE_PMAXUD = 0x0f383f,
	X64_SSE_PMULLD  = 0x0f3840,
	/* widening loads of the low 8 bytes (xmm/m64) */
	X64_SSE_PMOVSXBW = 0x0f3820, X64_SSE_PMOVSXWD = 0x0f3823,
	X64_SSE_PMOVSXDQ = 0x0f3825,
	X64_SSE_PMOVZXBW = 0x0f3830, X64_SSE_PMOVZXWD = 0x0f3833,
	X64_SSE_PMOVZXDQ = 0x0f3835,
	/* cvtps2pd (none, xmm/m64) / cvtpd2ps (66) are X64_SSE_CVT2 */
	X64_SSE_CVTDQ2PS = 0x0f5b,  /* none */
	X64_SSE_CVTTPS2DQ = 0x0f5b, /* F3: truncating, 0x80000000 when out
	                               of range or NaN */
	X64_SSE_CVTDQ2PD = 0x0fe6,  /* F3, xmm/m64 */
	X64_SSE_CVTTPD2DQ = 0x0fe6, /* 66: truncating, upper half zeroed,
	                               0x80000000 out of range or NaN */
	X64_SSE_ROUNDPS  = 0x0f3a08, /* 66, imm8 (X64_ROUND_*) */
	X64_SSE_ROUNDPD  = 0x0f3a09, /* 66, imm8 */
	X64_SSE_PACKSSWB = 0x0f63,  /* 66 */
	X64_SSE_PACKUSWB = 0x0f67,  /* 66 */
	X64_SSE_PACKSSDW = 0x0f6b,  /* 66 */
	X64_SSE_PACKUSDW = 0x0f382b, /* 66, SSE4.1 */
	X64_SSE_PMULHRSW = 0x0f380b, /* 66, SSSE3 */
	X64_SSE_PUNPCKLBW = 0x0f60, /* 66 */
	X64_SSE_PUNPCKHBW = 0x0f68, /* 66 */
	X64_SSE_PUNPCKHWD = 0x0f69, /* 66 */
	X64_SSE_PUNPCKHDQ = 0x0f6a, /* 66 */
	X64_SSE_PUNPCKLQDQ = 0x0f6c, /* 66 */
	X64_SSE_PSHUFD   = 0x0f70,  /* 66, imm8 */
	X64_SSE_PMULUDQ  = 0x0ff4,  /* 66 */
	X64_SSE_PMADDWD  = 0x0ff5,  /* 66 */
	X64_SSE_PMADDUBSW = 0x0f3804, /* 66, SSSE3 */
	X64_SSE_PTEST    = 0x0f3817, /* 66, SSE4.1: ZF = (dst & src) == 0 */
	X64_SSE_PMULDQ   = 0x0f3828, /* 66, SSE4.1 */
	X64_SSE_PBLENDW  = 0x0f3a0e, /* 66, imm8, SSE4.1: word i from src if
	                                imm bit i */
	/* r32, xmm: the lanes' sign bits (x64_movmsk_rx) */
	X64_SSE_MOVMSKP  = 0x0f50,  /* movmskps (none) / movmskpd (66) */
	X64_SSE_PMOVMSKB = 0x0fd7   /* 66 */
} x64_sse;

/* roundss/roundsd imm8: rounding mode, plus bit 3 to suppress the
 * precision (inexact) exception. */
enum {
	X64_ROUND_NEAREST = 0, X64_ROUND_DOWN = 1, X64_ROUND_UP = 2,
	X64_ROUND_TRUNC = 3, X64_ROUND_NO_EXC = 8
};

#endif
