/* jit_simd.h -- the SIMD (v128) ops both JIT tiers emit: one row per op
 * (jit_simd_forms: how it is compiled, with SSE2 and, where the row says
 * so, SSSE3/SSE4.1) and the code of one op over registers
 * (jit_simd_emit).  The baseline reads the rows (its operands live in
 * frame slots); tier 2 (engine/jit/opt/lower_simd.c, emit.c) emits every
 * SIMD op through jit_simd_emit with allocated registers.
 *
 * Float lanes follow the lane NaN rule of interp/ops_simd.h: the SSE
 * instructions used give those bits with the first wasm operand as the
 * destination (add, sub, mul, div, sqrt, and pmin/pmax as minps/maxps
 * with the operands swapped: jit_simd_swapped).
 *
 * With AVX (jit_simd_regs.vex), the ops jit_simd_vex names have a second
 * code: the VEX.128 three-operand forms of the same instructions ("vop
 * d, a, b" for "op d, b" with d holding a), so that d is not tied to a.
 * The VEX forms compute the same bits in bits 0..127 (they zero 128..255,
 * which no tier reads); the first source plays the legacy destination's
 * part (the NaN rule, minps's "second operand on NaN or equal", pandn's
 * complemented operand, packs' low half).
 */
#ifndef ENGINE_JIT_JIT_SIMD_H
#define ENGINE_JIT_JIT_SIMD_H

#include "interp/ops.h"
#include "x64/x64_asm.h"

#include <stdbool.h>
#include <stdint.h>

/* How an op is compiled (jit_simd_forms[op].kind; 0: not compiled). */
enum vk {
	VK_NONE,
	VK_ENTER,       /* ENTER_V128(_FUEL): the scalar ENTER's code */
	VK_COPY,        /* d = a */
	VK_SELECT,      /* d = c ? a : b */
	VK_GLOBAL_GET, VK_GLOBAL_SET,
	VK_CONST,       /* d = lo, hi */
	VK_LOAD,        /* d = [m] (16 bytes) */
	VK_LOAD_X,      /* d = op [m] (movss/movsd: 4 or 8 bytes, rest zero;
	                   pmovsx/zx: 8 bytes widened) */
	VK_LOAD_SPLAT,  /* d = [m] (size bytes) in every lane */
	VK_STORE,       /* [m] = v */
	VK_LOAD_LANE,   /* d = v with lane `lane` = [m] */
	VK_STORE_LANE,  /* [m] = lane `lane` of v */
	VK_SPLAT,       /* d = scalar a in every lane of size bytes */
	VK_EXTRACT,     /* d = lane of a (size bytes, sign-extended if sx) */
	VK_REPLACE,     /* d = a with lane = scalar b */
	VK_BIN,         /* d = a op b (rev: b op a); not: then ~ */
	VK_BIN_I,       /* d = a op b, imm8 (cmpps/cmppd; rev, not as VK_BIN) */
	VK_CMPU,        /* unsigned compare: d = (op(a, b) == a), not: ~ */
	VK_UN,          /* d = op a (byte: from a's byte `byte` on) */
	VK_UN_I,        /* d = op a, imm8 (roundps/roundpd) */
	VK_NEG,         /* d = 0 - a (op: psubX) */
	VK_NOT,         /* d = ~a */
	VK_BITSELECT,   /* d = (a & c) | (b & ~c) */
	VK_ANY_TRUE,    /* d = a != 0 */
	VK_GPR64,       /* each 8-byte half: alu op with the constant k */
	VK_SHIFT,       /* d = a shifted by (b & (size*8 - 1)) */
	VK_SHUFFLE,     /* i8x16.shuffle: pshufb of a and of b, or */
	VK_SWIZZLE,     /* pshufb with indices >= 16 pushed to >= 0x80 */
	VK_ALL_TRUE,    /* d = no lane of a is 0 (op: pcmpeqX) */
	VK_BITMASK,     /* d = the lanes' sign bits (op: movmsk; size 2:
	                   packsswb first) */
	VK_EXTMUL,      /* d = op2(op [a+byte], op [b+byte]) */
	VK_EXTADD,      /* pairwise widening add (by op, see below) */
	VK_Q15MULR,     /* pmulhrsw, and 0x8000 * 0x8000 saturated */
	VK_I8_SHIFT,    /* i8x16 shifts through 16-bit lanes (by op) */
	VK_I64_GPR,     /* i64x2 ops SSE4.1 lacks, one half at a time in
	                   GPRs (by op) */
	VK_SEQ,         /* a short sequence of its own (by op) */
	VK_FMINMAX,     /* wasm min/max (op: X64_SSE_MIN or _MAX) */
};

typedef struct jit_simd_form {
	uint8_t kind;           /* enum vk */
	uint8_t pfx;            /* X64_PFX_* */
	uint8_t size;           /* lane or access size in bytes */
	uint8_t imm;            /* VK_BIN_I, VK_UN_I: the imm8 */
	bool rev, not_, sx, sse41;
	bool m64;               /* VK_UN: op reads 8 bytes of memory (may
	                           stay a memory operand: no alignment) */
	uint8_t byte;           /* VK_UN: offset of the source in a */
	uint32_t op;            /* x64_sse, or x64_alu for VK_GPR64 */
	uint32_t op2;           /* VK_CMPU: the pcmpeq */
	uint32_t hiz;           /* VK_UN, VK_EXTMUL of the high 8 bytes,
	                           unsigned: the unpack with zero that widens
	                           them (punpckhbw d, [zero]), one instruction
	                           where a pool has the zero */
	uint64_t k;             /* VK_GPR64: the constant */
} jit_simd_form;


extern const jit_simd_form jit_simd_forms[OP_COUNT_];

/* Where the operands of one SIMD op are, for jit_simd_emit.  Which fields
 * an op reads is its shape (jit_simd_shape):
 *   JS_V_V    v128 result from v128 operands: d holds operand a on entry
 *             (two-address) and the result on exit; b, c the others
 *             (never d); s a scalar operand (shift count, replace_lane's
 *             value); m the access of load_lane (d holds its v128)
 *   JS_V_NEW  v128 result without a v128 operand (const, splat, loads):
 *             d, s (splat), m (loads)
 *   JS_S_V    scalar result sd from v128 operand a (extract_lane,
 *             any_true, all_true, bitmask)
 *   JS_STORE  store, store_lane: v128 a to m
 * Scalars are integers: an f32 lane as its i32 bits, an f64 as its i64
 * bits; an i32 result is zero-extended in its 64-bit register.  The
 * scratch registers xt[0..nx), gt[0..ng) (jit_simd_scratch) are written
 * freely; gt[0] is rcx (the i8 shifts count in cl).  Nothing else is
 * written: not a, b, c, s, nor m's registers.
 *
 * vex (AVX only, for an op jit_simd_vex names; shape JS_V_V, at most two
 * v128 operands): a holds operand a (the second one if jit_simd_swapped)
 * and is only read, b the other v128, s the scalar or m load_lane's
 * access, and d only receives the result: d may be a, b or another
 * register. */
enum jit_simd_shape { JS_NONE, JS_V_V, JS_V_NEW, JS_S_V, JS_STORE };

typedef struct {
	x64_xmm d, a, b, c;
	x64_gpr s, sd;
	x64_mem m;
	uint32_t lane;          /* extract/replace/load/store lane */
	uint64_t lo, hi;        /* v128.const's value, i8x16.shuffle's indices */
	x64_xmm xt[3];
	x64_gpr gt[3];
	bool vex;               /* the AVX three-operand code (above) */
	bool sse41;             /* the CPU has SSE4.1: lanes move in and out
	                           by pextr/pinsr (extract, replace, load and
	                           store lane) and any_true is ptest, with the
	                           scratch registers jit_simd_scratch names
	                           for sse41 */
	bool mem_b;             /* vex, an op jit_simd_vex_mem names: its
	                           second v128 is the 16 bytes at m (a
	                           v128.load fused into it), read by the op's
	                           one instruction (vpaddw d, a, [m]: VEX
	                           forms take unaligned operands); b is not
	                           read */
	uint16_t count;         /* the shifts (jit_simd_takes_count): 0, as
	                           left unset, when the count is the scalar s;
	                           else jit_simd_count(k) for the constant
	                           count k, and then s is not read */
	uint32_t *access;       /* if not NULL: set to the offset in the
	                           buffer of the one instruction that reads
	                           or writes m (for the PC map: it may fault) */
	/* If not NULL (tier 2): the label of the 16-byte constant (lo, hi)
	 * in a pool of 16-aligned constants after the code, which an
	 * instruction reaches through [rip + disp32] (x64_rip_label): a
	 * constant of the op's code (v128.const, shuffle masks, extadd's
	 * multipliers, ...) is then one load, or the memory operand of the
	 * one instruction that reads it.  NULL (the baseline): constants
	 * are built in the scratch registers through a GPR. */
	x64_label *(*pool)(void *ctx, uint64_t lo, uint64_t hi);
	void *pool_ctx;
} jit_simd_regs;

enum jit_simd_shape jit_simd_shape(enum interp_op op);
/* The v128 operands op reads (0..3) and whether it reads a scalar
 * (s) or an address (m). */
unsigned jit_simd_nvec(enum interp_op op);
bool jit_simd_has_scalar(enum interp_op op);
bool jit_simd_is_memory(enum interp_op op);
/* The bytes of the scalar operand s or result sd: 4 or 8. */
unsigned jit_simd_scalar_size(enum interp_op op);
/* The scratch registers op needs: *nx XMM, *ng GPR (gt[0] rcx); kcount:
 * op's count is a constant (jit_simd_regs.count), which needs fewer;
 * sse41: the code of jit_simd_regs.sse41, which needs none for the lane
 * moves and any_true. */
void jit_simd_scratch(enum interp_op op, bool kcount, bool sse41, unsigned *nx,
	unsigned *ng);
/* Whether op is a shift whose count may be a constant (jit_simd_regs.count):
 * its code is then the immediate form, with no GPR.  Not i64x2.shr_s (no
 * psraq: its halves go through GPRs). */
bool jit_simd_takes_count(enum interp_op op);
/* jit_simd_regs.count for the constant count k (an i32): its low byte,
 * marked.  The byte is enough: every shift takes the count modulo its
 * lane width (VSHIFT's count & (lanebits - 1), lanebits <= 64). */
static inline uint16_t jit_simd_count(uint32_t k)
{
	return (uint16_t)(0x100u | (k & 0xffu));
}
/* Operands a and b are given the other way round (d holds b, r->b is a):
 * pandn, the reversed compares, pmin/pmax. */
bool jit_simd_swapped(enum interp_op op);
/* Whether op has the AVX three-operand code (jit_simd_regs.vex): the
 * JS_V_V ops with at most two v128 operands (load_lane's vpinsrb d, a,
 * [m], k among them).  Bitselect (three v128s) keeps its SSE code, d
 * tied to a, under AVX too. */
bool jit_simd_vex(enum interp_op op);
/* Whether op's AVX code is one instruction whose second v128 operand may
 * be memory (jit_simd_regs.mem_b): the plain lane-wise binary ops. */
bool jit_simd_vex_mem(enum interp_op op);
/* Whether op needs SSE4.1. */
bool jit_simd_needs_sse41(enum interp_op op);
/* The operands of lane op `op` (jit_simd_shape not JS_NONE) at ip, read
 * through its layout: the slots of its v128 operands in the wasm order
 * (before jit_simd_swapped), of its scalar, its address and its result
 * (UINT32_MAX: none); the access's offset, the lane, v128.const's value
 * or i8x16.shuffle's indices.  False for an op of another layout. */
typedef struct {
	uint32_t v[3];
	uint32_t s, addr, d;
	uint32_t off, lane;
	uint64_t lo, hi;
} jit_simd_operands;
bool jit_simd_operands_at(const uint8_t *ip, enum interp_op op, jit_simd_operands *o);

/* The code of op over the registers r (shape above).  False if op is not
 * a SIMD lane op (the moves, select, globals, ENTER are the tiers' own). */
bool jit_simd_emit(x64_buf *b, enum interp_op op, const jit_simd_regs *r);

#endif
