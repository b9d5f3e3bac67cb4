/* x64_asm.c -- the x86-64 encoder (see x64_asm.h).
 *
 * An instruction is [legacy prefix] [REX] opcode ModRM [SIB] [disp] [imm]
 * (Intel SDM vol. 2, ch. 2).  Every emitter reserves X64_MAX_INSN bytes
 * with emit_begin, writes through a plain pointer and commits with
 * emit_end, so a full buffer costs one check per instruction, not per byte.
 * The golden-byte tests (tests/unit/check_x64_asm.c) hold every form here to
 * what GNU as emits for the same instruction.
 */
#include "x64/x64_asm.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* REX bits (0100WRXB).  REX_FORCE asks for a REX byte with no bit set, which
 * turns byte registers 4..7 from ah/ch/dh/bh into spl/bpl/sil/dil. */
enum { REX_B = 1, REX_X = 2, REX_R = 4, REX_W = 8, REX_FORCE = 0x40 };

/* ---- buffer --------------------------------------------------------------- */

void x64_buf_init(x64_buf *b, size_t initial_cap)
{
	memset(b, 0, sizeof *b);
	b->growable = true;
	b->cap = initial_cap ? initial_cap : 4096;
	b->code = malloc(b->cap);
	if (!b->code) {
		b->cap = 0;
		b->err = X64_ERR_NOSPACE;
	}
}

void x64_buf_init_fixed(x64_buf *b, void *mem, size_t cap)
{
	memset(b, 0, sizeof *b);
	b->code = mem;
	b->cap = mem ? cap : 0;
}

void x64_buf_free(x64_buf *b)
{
	if (b->growable)
		free(b->code);
	b->code = NULL;
	b->cap = b->len = 0;
}

const char *x64_err_name(x64_err e)
{
	switch (e) {
	case X64_OK:          return "ok";
	case X64_ERR_NOSPACE: return "code buffer full";
	case X64_ERR_RANGE:   return "jump or call target out of range";
	case X64_ERR_OPERAND: return "operand cannot be encoded";
	}
	return "?";
}

static void set_err(x64_buf *b, x64_err e)
{
	if (b->err == X64_OK)
		b->err = e;
}

/* The encoder's per-instruction helpers below are HOT: forced inline,
 * since gcc -O2 keeps them out of line (every emitter calls them) and a
 * call per field was most of an encoding's cost (emit_rm, a load or
 * store: 187 instructions a call over the 15 bench modules, callgrind).
 * Only the rare paths (growing the buffer, errors) stay calls. */
#define HOT static inline __attribute__((always_inline))

/* emit_begin's slow path: grow a growable buffer (doubling, at least 256
 * bytes more), else the scratch area. */
static __attribute__((noinline)) uint8_t *emit_begin_slow(x64_buf *b)
{
	if (b->err == X64_OK && b->growable) {
		size_t cap = b->cap * 2 > b->len + 256 ? b->cap * 2 : b->len + 256;
		uint8_t *code = realloc(b->code, cap);
		if (code) {
			b->code = code;
			b->cap = cap;
			return b->code + b->len;
		}
		set_err(b, X64_ERR_NOSPACE);
	}
	return b->scratch;
}

/* Room for one instruction: a pointer into the code, or into the scratch
 * area when fewer than X64_MAX_INSN bytes are left (emit_end then copies
 * the instruction in if it fits after all) or after an error that makes
 * the code unusable anyway. */
HOT uint8_t *emit_begin(x64_buf *b)
{
	if (b->err == X64_OK && b->len <= b->cap &&
	    b->cap - b->len >= X64_MAX_INSN)
		return b->code + b->len;
	return emit_begin_slow(b);
}

static __attribute__((noinline)) void emit_end_scratch(x64_buf *b,
	const uint8_t *start, size_t n)
{
	if (b->err == X64_OK && b->len <= b->cap && b->cap - b->len >= n)
		memcpy(b->code + b->len, start, n);
	else
		set_err(b, X64_ERR_NOSPACE);
}

HOT void emit_end(x64_buf *b, const uint8_t *start, const uint8_t *p)
{
	size_t n = (size_t)(p - start);
	if (start == b->scratch)
		emit_end_scratch(b, start, n);
	b->len += n;
}

HOT bool fits8(int64_t v) { return v >= -128 && v <= 127; }
HOT bool fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

HOT uint8_t *put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

HOT uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return p + 4;
}

HOT uint8_t *put64(uint8_t *p, uint64_t v)
{
	p = put32(p, (uint32_t)v);
	return put32(p, (uint32_t)(v >> 32));
}

/* An immediate of the operand size, at most 32 bits (size 8 takes a
 * sign-extended imm32). */
HOT uint8_t *put_imm(uint8_t *p, unsigned size, int32_t imm)
{
	if (size == 1) {
		*p++ = (uint8_t)imm;
		return p;
	}
	if (size == 2)
		return put16(p, (uint32_t)imm);
	return put32(p, (uint32_t)imm);
}

/* ---- operand checks and prefixes ----------------------------------------- */

HOT bool valid_size(x64_buf *b, unsigned size, unsigned allowed)
{
	/* allowed: bit mask of sizes, 1 << size */
	if (size <= 8 && (allowed >> size & 1))
		return true;
	set_err(b, X64_ERR_OPERAND);
	return false;
}
#define SZ_ALL  ((1u << 1) | (1u << 2) | (1u << 4) | (1u << 8))
#define SZ_WIDE ((1u << 2) | (1u << 4) | (1u << 8))
#define SZ_DQ   ((1u << 4) | (1u << 8))

HOT bool valid_reg(x64_buf *b, int r)
{
	if (r >= 0 && r < 16)
		return true;
	set_err(b, X64_ERR_OPERAND);
	return false;
}

/* Operand-size prefix and REX.W for an integer operand size. */
HOT int size_pfx(unsigned size) { return size == 2 ? 0x66 : 0; }
HOT unsigned size_rex(unsigned size) { return size == 8 ? REX_W : 0; }
/* A byte register numbered 4..7 means spl..dil only with a REX byte. */
HOT unsigned byte_rex(unsigned size, int r)
{
	return size == 1 && r >= 4 && r < 8 ? REX_FORCE : 0;
}
/* The 8-bit form of a width-bit opcode has the low bit clear. */
HOT uint32_t size_op(unsigned size, uint32_t op8)
{
	return size == 1 ? op8 : op8 | 1;
}

/* Legacy prefix(es), REX, then an opcode of one to three bytes.  pfx may
 * hold two prefix bytes (0x66f3 = 66 then F3). */
HOT uint8_t *put_op(uint8_t *p, int pfx, unsigned rex, uint32_t op)
{
	if (pfx > 0xff)
		*p++ = (uint8_t)(pfx >> 8);
	if (pfx)
		*p++ = (uint8_t)pfx;
	if (rex)
		*p++ = (uint8_t)(0x40 | rex);
	if (op > 0xffff)
		*p++ = (uint8_t)(op >> 16);
	if (op > 0xff)
		*p++ = (uint8_t)(op >> 8);
	*p++ = (uint8_t)op;
	return p;
}

/* op with ModRM.mod = 11: reg field reg, r/m field a register. */
HOT uint8_t *enc_rr(uint8_t *p, int pfx, unsigned rex, uint32_t op,
	int reg, int rm)
{
	rex |= (reg & 8 ? REX_R : 0) | (rm & 8 ? REX_B : 0);
	p = put_op(p, pfx, rex, op);
	*p++ = (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7));
	return p;
}

HOT int scale_bits(unsigned scale)
{
	switch (scale) {
	case 1: return 0;
	case 2: return 1;
	case 4: return 2;
	case 8: return 3;
	}
	return -1;
}

HOT unsigned mem_rex(int reg, x64_mem m);

/* A memory operand the ModRM/SIB forms can encode (else X64_ERR_OPERAND). */
HOT bool valid_mem(x64_buf *b, x64_mem m)
{
	bool has_index = m.index != X64_NOREG;
	if (scale_bits(m.scale) < 0 || m.index == X64_RSP || m.index < X64_NOREG ||
	    m.index > X64_R15 || m.base < X64_BASE_RIP || m.base > X64_R15 ||
	    (m.base == X64_BASE_RIP && has_index)) {
		set_err(b, X64_ERR_OPERAND);
		return false;
	}
	return true;
}
static uint32_t rel32_to(x64_buf *b, x64_label *l, size_t field_at);
HOT uint8_t *put_modrm_mem(uint8_t *p, int reg, x64_mem m);

/* enc_rm of the operand most instructions have, [base + disp] with a
 * GPR base (spill and frame slots, the instance's fields, linear memory
 * through r15 after the index is added): nothing to check, the bytes
 * put_modrm_mem gives it (a SIB only for rsp and r12, a disp8 for rbp
 * and r13 at 0) without its other cases. */
HOT uint8_t *enc_rm_base(uint8_t *p, int pfx, unsigned rex, uint32_t op,
	int reg, int base, int32_t disp)
{
	rex |= (reg & 8 ? REX_R : 0) | (base & 8 ? REX_B : 0);
	p = put_op(p, pfx, rex, op);
	uint8_t modrm = (uint8_t)((reg & 7) << 3 | (base & 7));
	if (disp == 0 && (base & 7) != 5) {
		*p++ = modrm;
		if ((base & 7) == 4)
			*p++ = 0x24;    /* SIB: no index, base rsp/r12 */
		return p;
	}
	bool short_disp = fits8(disp);
	*p++ = (uint8_t)(modrm | (short_disp ? 0x40 : 0x80));
	if ((base & 7) == 4)
		*p++ = 0x24;
	if (short_disp) {
		*p++ = (uint8_t)disp;
		return p;
	}
	return put32(p, (uint32_t)disp);
}

/* op with a memory r/m field.  The quirks:
 *  - r/m = 100 means "SIB follows", so RSP and R12 as base need a SIB
 *    with index 100 (none);
 *  - mod = 00 with r/m (or SIB base) = 101 means "disp32, no base" (RIP-
 *    relative without a SIB), so RBP and R13 as base need mod = 01 and a
 *    zero disp8;
 *  - SIB index 100 means "no index", so RSP cannot be an index (R12 can:
 *    REX.X makes it 1100).
 * Displacements use disp8 when they fit, like GNU as. */
static __attribute__((noinline)) uint8_t *enc_rm_other(x64_buf *b,
	uint8_t *p, int pfx, unsigned rex, uint32_t op, int reg, x64_mem m)
{
	if (!valid_mem(b, m))
		return p;
	rex |= mem_rex(reg, m);
	p = put_op(p, pfx, rex, op);
	return put_modrm_mem(p, reg, m);
}

/* [base + disp] inline, the other forms (an index, rip, an absolute
 * address; linear memory's [r15 + index + disp]) a call: inlined into
 * every emitter they made the encoder's code 52 KB instead of 44 KB for
 * 0.4M fewer instructions over the 15 bench modules' compile (of 67M
 * in emission). */
HOT uint8_t *enc_rm(x64_buf *b, uint8_t *p, int pfx, unsigned rex,
	uint32_t op, int reg, x64_mem m)
{
	if (m.index == X64_NOREG && m.scale == 1 && m.base >= 0 &&
	    m.base <= X64_R15)
		return enc_rm_base(p, pfx, rex, op, reg, m.base, m.disp);
	return enc_rm_other(b, p, pfx, rex, op, reg, m);
}

/* REX.R, REX.X and REX.B for reg and memory operand m (checked). */
HOT unsigned mem_rex(int reg, x64_mem m)
{
	unsigned rex = reg & 8 ? REX_R : 0;
	if (m.index != X64_NOREG && (m.index & 8))
		rex |= REX_X;
	if (m.base >= 0 && (m.base & 8))
		rex |= REX_B;
	return rex;
}

/* ModRM, SIB and displacement of reg and memory operand m (checked). */
HOT uint8_t *put_modrm_mem(uint8_t *p, int reg, x64_mem m)
{
	int ss = scale_bits(m.scale);
	bool has_index = m.index != X64_NOREG;
	uint8_t reg3 = (uint8_t)((reg & 7) << 3);
	uint8_t idx3 = (uint8_t)((has_index ? m.index & 7 : 4) << 3);

	if (m.base == X64_BASE_RIP) {                 /* [rip + disp32] */
		*p++ = 0x05 | reg3;
		return put32(p, (uint32_t)m.disp);
	}
	if (m.base == X64_NOREG) {                    /* [index*s + disp32] */
		*p++ = 0x04 | reg3;
		*p++ = (uint8_t)(ss << 6 | idx3 | 5);
		return put32(p, (uint32_t)m.disp);
	}
	int base3 = m.base & 7;
	uint8_t mod;
	if (m.disp == 0 && base3 != 5)
		mod = 0x00;
	else if (fits8(m.disp))
		mod = 0x40;
	else
		mod = 0x80;
	if (has_index || base3 == 4) {
		*p++ = mod | reg3 | 4;
		*p++ = (uint8_t)(ss << 6 | idx3 | base3);
	} else {
		*p++ = (uint8_t)(mod | reg3 | base3);
	}
	if (mod == 0x40)
		*p++ = (uint8_t)m.disp;
	else if (mod == 0x80)
		p = put32(p, (uint32_t)m.disp);
	return p;
}

/* Whole instructions of the two common shapes. */
HOT void emit_rr(x64_buf *b, int pfx, unsigned rex, uint32_t op, int reg,
	int rm)
{
	if (!valid_reg(b, reg) || !valid_reg(b, rm))
		return;
	uint8_t *s = emit_begin(b);
	emit_end(b, s, enc_rr(s, pfx, rex, op, reg, rm));
}

static __attribute__((noinline)) void emit_rm_any(x64_buf *b, int pfx,
	unsigned rex, uint32_t op, int reg, x64_mem m)
{
	if (!valid_reg(b, reg))
		return;
	uint8_t *s = emit_begin(b);
	emit_end(b, s, enc_rm(b, s, pfx, rex, op, reg, m));
}

/* A register and [base + disp] with room in the buffer, the usual case,
 * written in place; anything else (an index, rip, a full buffer, a bad
 * operand) is emit_rm_any's, a tail call.  With that path out of the
 * way the common one saves no registers: x64_mov_rm 107 -> 86
 * instructions for mov rax, [rsp + disp8] (callgrind, a loop of them). */
HOT void emit_rm(x64_buf *b, int pfx, unsigned rex, uint32_t op, int reg,
	x64_mem m)
{
	if ((unsigned)reg < 16 && m.index == X64_NOREG && m.scale == 1 &&
	    m.base >= 0 && m.base <= X64_R15 && b->err == X64_OK &&
	    b->len <= b->cap && b->cap - b->len >= X64_MAX_INSN) {
		uint8_t *s = b->code + b->len;
		uint8_t *p = enc_rm_base(s, pfx, rex, op, reg, m.base, m.disp);
		b->len += (size_t)(p - s);
		return;
	}
	emit_rm_any(b, pfx, rex, op, reg, m);
}

/* Same, followed by an immediate of imm_size bytes (1, 2 or 4). */
HOT void emit_rr_imm(x64_buf *b, int pfx, unsigned rex, uint32_t op,
	int reg, int rm, unsigned imm_size, int32_t imm)
{
	if (!valid_reg(b, reg) || !valid_reg(b, rm))
		return;
	uint8_t *s = emit_begin(b);
	uint8_t *p = enc_rr(s, pfx, rex, op, reg, rm);
	emit_end(b, s, put_imm(p, imm_size, imm));
}

HOT void emit_rm_imm(x64_buf *b, int pfx, unsigned rex, uint32_t op,
	int reg, x64_mem m, unsigned imm_size, int32_t imm)
{
	uint8_t *s = emit_begin(b);
	uint8_t *p = enc_rm(b, s, pfx, rex, op, reg, m);
	emit_end(b, s, put_imm(p, imm_size, imm));
}

/* An opcode with the register in its low three bits (push, pop, mov imm). */
HOT uint8_t *put_op_plus_reg(uint8_t *p, int pfx, unsigned rex,
	uint8_t op, int r)
{
	rex |= (r & 8) ? REX_B : 0;
	return put_op(p, pfx, rex, (uint32_t)(op + (r & 7)));
}

/* ---- moves ---------------------------------------------------------------- */

/* mov r/m, r (89 /r), the direction GNU as picks for mov r, r. */
void x64_mov_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rr(b, size_pfx(size), size_rex(size) | byte_rex(size, dst) |
			byte_rex(size, src), size_op(size, X64_OP_MOV_MR), src, dst);
}

void x64_mov_ri(x64_buf *b, unsigned size, x64_gpr dst, int64_t imm)
{
	if (!valid_size(b, size, SZ_ALL) || !valid_reg(b, dst))
		return;
	uint8_t *s = emit_begin(b), *p;
	if (size == 1) {                      /* B0+r ib */
		p = put_op_plus_reg(s, 0, byte_rex(1, dst), X64_OP_MOV_RI8, dst);
		*p++ = (uint8_t)imm;
	} else if (size == 2) {               /* 66 B8+r iw */
		p = put_op_plus_reg(s, 0x66, 0, X64_OP_MOV_RI, dst);
		p = put16(p, (uint32_t)imm);
	} else if (size == 4 || (uint64_t)imm <= UINT32_MAX) {
		/* B8+r id; zero-extends into the upper half */
		p = put_op_plus_reg(s, 0, 0, X64_OP_MOV_RI, dst);
		p = put32(p, (uint32_t)imm);
	} else if (fits32(imm)) {             /* REX.W C7 /0 id, sign-extended */
		p = enc_rr(s, 0, REX_W, X64_OP_MOV_MI | 1, 0, dst);
		p = put32(p, (uint32_t)imm);
	} else {                              /* REX.W B8+r io */
		p = put_op_plus_reg(s, 0, REX_W, X64_OP_MOV_RI, dst);
		p = put64(p, (uint64_t)imm);
	}
	emit_end(b, s, p);
}

size_t x64_movabs_ri(x64_buf *b, x64_gpr dst, int64_t imm)
{
	size_t at = b->len;
	if (!valid_reg(b, dst))
		return at;
	uint8_t *s = emit_begin(b);
	uint8_t *p = put_op_plus_reg(s, 0, REX_W, X64_OP_MOV_RI, dst);
	emit_end(b, s, put64(p, (uint64_t)imm));
	return at;
}

void x64_mov_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rm(b, size_pfx(size), size_rex(size) | byte_rex(size, dst),
			size_op(size, X64_OP_MOV_RM), dst, m);
}

void x64_mov_mr(x64_buf *b, unsigned size, x64_mem m, x64_gpr src)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rm(b, size_pfx(size), size_rex(size) | byte_rex(size, src),
			size_op(size, X64_OP_MOV_MR), src, m);
}

void x64_mov_mi(x64_buf *b, unsigned size, x64_mem m, int32_t imm)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rm_imm(b, size_pfx(size), size_rex(size),
			size_op(size, X64_OP_MOV_MI), 0, m, size > 4 ? 4 : size, imm);
}

/* movzx/movsx: 0F B6/B7 (zero) or 0F BE/BF (sign), 8- or 16-bit source. */
static bool ext_sizes(x64_buf *b, unsigned dst_size, unsigned src_size)
{
	if (valid_size(b, dst_size, SZ_WIDE) &&
	    (src_size == 1 || (src_size == 2 && dst_size > 2)))
		return true;
	set_err(b, X64_ERR_OPERAND);
	return false;
}

static uint32_t ext_op(bool sign, unsigned src_size)
{
	if (sign)
		return src_size == 1 ? X64_OP_MOVSX8 : X64_OP_MOVSX16;
	return src_size == 1 ? X64_OP_MOVZX8 : X64_OP_MOVZX16;
}

void x64_movzx_rr(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_gpr src)
{
	if (ext_sizes(b, dst_size, src_size))
		emit_rr(b, size_pfx(dst_size), size_rex(dst_size) |
			byte_rex(src_size, src), ext_op(false, src_size), dst, src);
}

void x64_movzx_rm(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_mem m)
{
	if (ext_sizes(b, dst_size, src_size))
		emit_rm(b, size_pfx(dst_size), size_rex(dst_size),
			ext_op(false, src_size), dst, m);
}

void x64_movsx_rr(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_gpr src)
{
	if (ext_sizes(b, dst_size, src_size))
		emit_rr(b, size_pfx(dst_size), size_rex(dst_size) |
			byte_rex(src_size, src), ext_op(true, src_size), dst, src);
}

void x64_movsx_rm(x64_buf *b, unsigned dst_size, unsigned src_size,
	x64_gpr dst, x64_mem m)
{
	if (ext_sizes(b, dst_size, src_size))
		emit_rm(b, size_pfx(dst_size), size_rex(dst_size),
			ext_op(true, src_size), dst, m);
}

void x64_movsxd_rr(x64_buf *b, x64_gpr dst, x64_gpr src)
{
	emit_rr(b, 0, REX_W, X64_OP_MOVSXD, dst, src);
}

void x64_movsxd_rm(x64_buf *b, x64_gpr dst, x64_mem m)
{
	emit_rm(b, 0, REX_W, X64_OP_MOVSXD, dst, m);
}

void x64_lea(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m)
{
	if (valid_size(b, size, SZ_WIDE))
		emit_rm(b, size_pfx(size), size_rex(size), X64_OP_LEA, dst, m);
}

/* ---- integer ALU ---------------------------------------------------------- */

void x64_alu_rr(x64_buf *b, x64_alu op, unsigned size, x64_gpr dst, x64_gpr src)
{
	/* op r/m, r (00+8*op / 01+8*op), as GNU as encodes op r, r */
	if (valid_size(b, size, SZ_ALL))
		emit_rr(b, size_pfx(size), size_rex(size) | byte_rex(size, dst) |
			byte_rex(size, src), size_op(size, (uint32_t)op << 3), src, dst);
}

void x64_alu_rm(x64_buf *b, x64_alu op, unsigned size, x64_gpr dst, x64_mem m)
{
	/* op r, r/m (02+8*op / 03+8*op) */
	if (valid_size(b, size, SZ_ALL))
		emit_rm(b, size_pfx(size), size_rex(size) | byte_rex(size, dst),
			size_op(size, (uint32_t)op << 3 | 2), dst, m);
}

void x64_alu_mr(x64_buf *b, x64_alu op, unsigned size, x64_mem m, x64_gpr src)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rm(b, size_pfx(size), size_rex(size) | byte_rex(size, src),
			size_op(size, (uint32_t)op << 3), src, m);
}

void x64_alu_ri(x64_buf *b, x64_alu op, unsigned size, x64_gpr dst, int32_t imm)
{
	if (!valid_size(b, size, SZ_ALL) || !valid_reg(b, dst))
		return;
	int pfx = size_pfx(size);
	unsigned rex = size_rex(size) | byte_rex(size, dst);
	if (size != 1 && fits8(imm)) {        /* 83 /op ib */
		emit_rr_imm(b, pfx, rex, X64_OP_ALU_IMM8S, op, dst, 1, imm);
	} else if (dst == X64_RAX) {          /* 04+8*op ib, 05+8*op iw/id */
		uint8_t *s = emit_begin(b);
		uint8_t *p = put_op(s, pfx, rex, size_op(size, (uint32_t)op << 3 | 4));
		emit_end(b, s, put_imm(p, size > 4 ? 4 : size, imm));
	} else {                              /* 80 /op ib, 81 /op iw/id */
		emit_rr_imm(b, pfx, rex, size_op(size, X64_OP_ALU_IMM), op, dst,
			size > 4 ? 4 : size, imm);
	}
}

void x64_alu_mi(x64_buf *b, x64_alu op, unsigned size, x64_mem m, int32_t imm)
{
	if (!valid_size(b, size, SZ_ALL))
		return;
	if (size != 1 && fits8(imm))
		emit_rm_imm(b, size_pfx(size), size_rex(size), X64_OP_ALU_IMM8S,
			op, m, 1, imm);
	else
		emit_rm_imm(b, size_pfx(size), size_rex(size),
			size_op(size, X64_OP_ALU_IMM), op, m, size > 4 ? 4 : size, imm);
}

void x64_test_rr(x64_buf *b, unsigned size, x64_gpr a, x64_gpr c)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rr(b, size_pfx(size), size_rex(size) | byte_rex(size, a) |
			byte_rex(size, c), size_op(size, X64_OP_TEST), c, a);
}

void x64_test_ri(x64_buf *b, unsigned size, x64_gpr r, int32_t imm)
{
	if (!valid_size(b, size, SZ_ALL) || !valid_reg(b, r))
		return;
	int pfx = size_pfx(size);
	unsigned rex = size_rex(size) | byte_rex(size, r);
	unsigned isz = size > 4 ? 4 : size;
	if (r == X64_RAX) {                   /* A8 ib, A9 iw/id */
		uint8_t *s = emit_begin(b);
		uint8_t *p = put_op(s, pfx, rex, size_op(size, X64_OP_TEST_ACC));
		emit_end(b, s, put_imm(p, isz, imm));
	} else {                              /* F6 /0 ib, F7 /0 iw/id */
		emit_rr_imm(b, pfx, rex, size_op(size, X64_OP_UNARY), X64_UN_TEST,
			r, isz, imm);
	}
}

void x64_test_mr(x64_buf *b, unsigned size, x64_mem m, x64_gpr r)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rm(b, size_pfx(size), size_rex(size) | byte_rex(size, r),
			size_op(size, X64_OP_TEST), r, m);
}

void x64_test_mi(x64_buf *b, unsigned size, x64_mem m, int32_t imm)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rm_imm(b, size_pfx(size), size_rex(size),
			size_op(size, X64_OP_UNARY), X64_UN_TEST, m,
			size > 4 ? 4 : size, imm);
}

void x64_unary_r(x64_buf *b, x64_unary op, unsigned size, x64_gpr r)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rr(b, size_pfx(size), size_rex(size) | byte_rex(size, r),
			size_op(size, X64_OP_UNARY), op, r);
}

void x64_unary_m(x64_buf *b, x64_unary op, unsigned size, x64_mem m)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rm(b, size_pfx(size), size_rex(size),
			size_op(size, X64_OP_UNARY), op, m);
}

static void emit_bytes1(x64_buf *b, unsigned rex, uint8_t op)
{
	uint8_t *s = emit_begin(b);
	emit_end(b, s, put_op(s, 0, rex, op));
}

void x64_cdq(x64_buf *b) { emit_bytes1(b, 0, X64_OP_CDQ); }
void x64_cqo(x64_buf *b) { emit_bytes1(b, REX_W, X64_OP_CDQ); }

void x64_imul_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src)
{
	if (valid_size(b, size, SZ_WIDE))
		emit_rr(b, size_pfx(size), size_rex(size), X64_OP_IMUL_RM, dst, src);
}

void x64_imul_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m)
{
	if (valid_size(b, size, SZ_WIDE))
		emit_rm(b, size_pfx(size), size_rex(size), X64_OP_IMUL_RM, dst, m);
}

void x64_imul_rri(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src,
	int32_t imm)
{
	if (!valid_size(b, size, SZ_WIDE))
		return;
	if (fits8(imm))
		emit_rr_imm(b, size_pfx(size), size_rex(size), X64_OP_IMUL_RMI8,
			dst, src, 1, imm);
	else
		emit_rr_imm(b, size_pfx(size), size_rex(size), X64_OP_IMUL_RMI,
			dst, src, size == 2 ? 2 : 4, imm);
}

void x64_shift_rcl(x64_buf *b, x64_shift op, unsigned size, x64_gpr r)
{
	if (valid_size(b, size, SZ_ALL))
		emit_rr(b, size_pfx(size), size_rex(size) | byte_rex(size, r),
			size_op(size, X64_OP_SHIFT_CL), op, r);
}

void x64_shift_ri(x64_buf *b, x64_shift op, unsigned size, x64_gpr r,
	uint8_t imm)
{
	if (!valid_size(b, size, SZ_ALL))
		return;
	unsigned rex = size_rex(size) | byte_rex(size, r);
	if (imm == 1)
		emit_rr(b, size_pfx(size), rex, size_op(size, X64_OP_SHIFT_1), op, r);
	else
		emit_rr_imm(b, size_pfx(size), rex, size_op(size, X64_OP_SHIFT_I),
			op, r, 1, imm);
}

void x64_setcc_r(x64_buf *b, x64_cc cc, x64_gpr r)
{
	emit_rr(b, 0, byte_rex(1, r), X64_OP_SETCC + (cc & 15), 0, r);
}

void x64_cmovcc_rr(x64_buf *b, x64_cc cc, unsigned size, x64_gpr dst,
	x64_gpr src)
{
	if (valid_size(b, size, SZ_WIDE))
		emit_rr(b, size_pfx(size), size_rex(size), X64_OP_CMOVCC + (cc & 15),
			dst, src);
}

void x64_cmovcc_rm(x64_buf *b, x64_cc cc, unsigned size, x64_gpr dst,
	x64_mem m)
{
	if (valid_size(b, size, SZ_WIDE))
		emit_rm(b, size_pfx(size), size_rex(size), X64_OP_CMOVCC + (cc & 15),
			dst, m);
}

/* ---- bit counts ----------------------------------------------------------- */

/* F3-prefixed bit counts: with a 16-bit operand the 66 comes first. */
static int f3_pfx(unsigned size) { return size == 2 ? 0x66f3 : 0xf3; }

static void bitcount_rr(x64_buf *b, int f3, uint32_t op, unsigned size,
	x64_gpr dst, x64_gpr src)
{
	if (valid_size(b, size, SZ_WIDE))
		emit_rr(b, f3 ? f3_pfx(size) : size_pfx(size), size_rex(size), op,
			dst, src);
}

static void bitcount_rm(x64_buf *b, uint32_t op, unsigned size, x64_gpr dst,
	x64_mem m)
{
	if (valid_size(b, size, SZ_WIDE))
		emit_rm(b, f3_pfx(size), size_rex(size), op, dst, m);
}

void x64_lzcnt_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src)
{ bitcount_rr(b, 1, X64_OP_BSR, size, dst, src); }
void x64_tzcnt_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src)
{ bitcount_rr(b, 1, X64_OP_BSF, size, dst, src); }
void x64_popcnt_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src)
{ bitcount_rr(b, 1, X64_OP_POPCNT, size, dst, src); }
void x64_bsr_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src)
{ bitcount_rr(b, 0, X64_OP_BSR, size, dst, src); }
void x64_bsf_rr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src)
{ bitcount_rr(b, 0, X64_OP_BSF, size, dst, src); }
void x64_lzcnt_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m)
{ bitcount_rm(b, X64_OP_BSR, size, dst, m); }
void x64_tzcnt_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m)
{ bitcount_rm(b, X64_OP_BSF, size, dst, m); }
void x64_popcnt_rm(x64_buf *b, unsigned size, x64_gpr dst, x64_mem m)
{ bitcount_rm(b, X64_OP_POPCNT, size, dst, m); }

/* The CPUID leaves the questions below read, read once per process.
 * cpuid is slow where a hypervisor traps it (4 to 9 us an execution,
 * measured at different hours on the VM the bench runs on, loops of 200
 * and 1000), and __get_cpuid asks for the highest leaf before each leaf:
 * tier 2's seven questions (mir_cpu) were 14 executions in a process's
 * first compile, the baseline's four 8 more; now 5 in all. */
static struct cpu_leaves {
	unsigned l1_ecx, l7_ebx, e1_ecx;   /* 0 where the leaf is missing */
	bool avx;                          /* AVX, OSXSAVE and XCR0's YMM state */
} cpu_leaves;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void cpu_read(void)
{
	unsigned a, b, c, d, max = __get_cpuid_max(0, NULL);
	if (max >= 1) {
		__cpuid(1, a, b, c, d);
		cpu_leaves.l1_ecx = c;
	}
	if (max >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		cpu_leaves.l7_ebx = b;
	}
	if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000001u) {
		__cpuid(0x80000001u, a, b, c, d);
		cpu_leaves.e1_ecx = c;
	}
	if ((cpu_leaves.l1_ecx >> 28 & 1) && (cpu_leaves.l1_ecx >> 27 & 1)) {
		/* OSXSAVE: the OS saves the YMM state (XCR0 bits 1 and 2) */
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		(void)hi;
		cpu_leaves.avx = (lo & 6) == 6;
	}
}

static const struct cpu_leaves *cpu(void)
{
	pthread_once(&cpu_once, cpu_read);
	return &cpu_leaves;
}

bool x64_cpu_has_lzcnt(void)
{
	return cpu()->e1_ecx >> 5 & 1;
}

bool x64_cpu_has_bmi1(void)
{
	return cpu()->l7_ebx >> 3 & 1;
}

bool x64_cpu_has_tzcnt(void)
{
	return x64_cpu_has_bmi1();
}

bool x64_cpu_has_bmi2(void)
{
	return cpu()->l7_ebx >> 8 & 1;
}

bool x64_cpu_has_popcnt(void)
{
	return cpu()->l1_ecx >> 23 & 1;
}

bool x64_cpu_has_sse41(void)
{
	return cpu()->l1_ecx >> 19 & 1;
}

/* ---- SSE ------------------------------------------------------------------ */

static bool valid_xmm(x64_buf *b, int x)
{
	return valid_reg(b, x);
}

void x64_sse_xx(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src)
{
	if (valid_xmm(b, (int)dst) && valid_xmm(b, (int)src))
		emit_rr(b, pfx, 0, op, dst, src);
}

void x64_sse_xm(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_mem m)
{
	if (valid_xmm(b, (int)dst))
		emit_rm(b, pfx, 0, op, dst, m);
}

void x64_sse_xxi(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src,
	uint8_t imm)
{
	if (valid_xmm(b, (int)dst) && valid_xmm(b, (int)src))
		emit_rr_imm(b, pfx, 0, op, dst, src, 1, imm);
}

/* The immediate form of a by-xmm-count shift (Intel SDM vol. 2, PSRLW
 * etc.): psrlX is 0F D1..D3, psraX 0F E1..E2, psllX 0F F1..F3; the
 * immediate forms are 0F 71..73 by lane size with /2 (srl), /4 (sra),
 * /6 (sll).  0x7100 | digit: the opcode and ModRM.reg; 0 if op is none
 * of them (psraq: E3 is pavgw). */
static uint32_t shift_imm_form(x64_sse op)
{
	unsigned lane = op & 0xf, row = op >> 4 & 0xf;
	if ((op & ~0xffu) != 0x0f00 || lane < 1 || lane > 3 || row < 0xd ||
	    (row == 0xe && lane == 3))
		return 0;
	return (0x0f70u | lane) << 8 | (row - 0xc) * 2;
}

void x64_sse_shift_xi(x64_buf *b, x64_sse op, x64_xmm x, uint8_t imm)
{
	uint32_t f = shift_imm_form(op);
	if (!f) {
		set_err(b, X64_ERR_OPERAND);
		return;
	}
	if (valid_xmm(b, (int)x))
		emit_rr_imm(b, X64_PFX_66, 0, f >> 8, (int)(f & 7), x, 1, imm);
}

/* ---- VEX (AVX) -------------------------------------------------------------- */

/* The VEX prefix replacing [66/F2/F3] [REX] 0F [38/3A] of an SSE op
 * (Intel SDM vol. 2, 2.3.5): the two-byte C5 form when no REX.X, REX.B
 * or W is needed and the map is 0F, as GNU as chooses, else the
 * three-byte C4 form.  rex holds the R/X/B bits; vvvv names the first
 * source register (stored inverted); L = 0 (128-bit and scalar forms);
 * then the opcode's last byte. */
static uint8_t *put_vex(uint8_t *p, int pfx, unsigned rex, unsigned vvvv,
	uint32_t op)
{
	unsigned pp = pfx == X64_PFX_66 ? 1 : pfx == X64_PFX_F3 ? 2 :
		pfx == X64_PFX_F2 ? 3 : 0;
	unsigned map = op > 0xffff ? ((op >> 8 & 0xff) == 0x38 ? 2 : 3) : 1;
	unsigned low = (~vvvv & 15) << 3 | pp;      /* vvvv L pp, L = 0 */
	if (map == 1 && !(rex & (REX_X | REX_B | REX_W))) {
		*p++ = 0xc5;
		*p++ = (uint8_t)((rex & REX_R ? 0 : 0x80) | low);
	} else {
		*p++ = 0xc4;
		*p++ = (uint8_t)((rex & REX_R ? 0 : 0x80) | (rex & REX_X ? 0 : 0x40) |
			(rex & REX_B ? 0 : 0x20) | map);
		*p++ = (uint8_t)((rex & REX_W ? 0x80 : 0) | low);
	}
	*p++ = (uint8_t)op;
	return p;
}

/* vOP dst, src1, src2 [, imm8]: the register form; src1 in vvvv (none:
 * 1111b, put_vex's 0), src2 in r/m. */
static void vex_rr(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, unsigned vvvv,
	x64_xmm src2, bool has_imm, uint8_t imm)
{
	uint8_t *s = emit_begin(b);
	unsigned rex = (dst & 8 ? REX_R : 0) | (src2 & 8 ? REX_B : 0);
	uint8_t *p = put_vex(s, pfx, rex, vvvv, op);
	*p++ = (uint8_t)(0xc0 | (dst & 7) << 3 | (src2 & 7));
	if (has_imm)
		*p++ = imm;
	emit_end(b, s, p);
}

/* A VEX-encoded GPR instruction, register form: dst in ModRM.reg, vvvv
 * (0: none), src in r/m; VEX.W for size 8 (BMI: rorx, andn). */
static void vex_gpr(x64_buf *b, int pfx, uint32_t op, unsigned size,
	x64_gpr dst, unsigned vvvv, x64_gpr src, bool has_imm, uint8_t imm)
{
	if (!valid_size(b, size, SZ_DQ) || !valid_reg(b, (int)dst) ||
	    !valid_reg(b, (int)src) || !valid_reg(b, (int)vvvv))
		return;
	uint8_t *s = emit_begin(b);
	unsigned rex = (size == 8 ? REX_W : 0) | (dst & 8 ? REX_R : 0) |
		(src & 8 ? REX_B : 0);
	uint8_t *p = put_vex(s, pfx, rex, vvvv, op);
	*p++ = (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7));
	if (has_imm)
		*p++ = imm;
	emit_end(b, s, p);
}

void x64_rorx_rri(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src, uint8_t imm)
{
	vex_gpr(b, X64_PFX_F2, 0x0f3af0, size, dst, 0, src, true, imm);
}

void x64_andn_rrr(x64_buf *b, unsigned size, x64_gpr dst, x64_gpr src1, x64_gpr src2)
{
	vex_gpr(b, 0, 0x0f38f2, size, dst, src1, src2, false, 0);
}

void x64_vex_xxx(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src1,
	x64_xmm src2)
{
	if (valid_xmm(b, (int)dst) && valid_xmm(b, (int)src1) && valid_xmm(b, (int)src2))
		vex_rr(b, pfx, op, dst, src1, src2, false, 0);
}

void x64_vex_xxxi(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src1,
	x64_xmm src2, uint8_t imm)
{
	if (valid_xmm(b, (int)dst) && valid_xmm(b, (int)src1) && valid_xmm(b, (int)src2))
		vex_rr(b, pfx, op, dst, src1, src2, true, imm);
}

void x64_vex_xx(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src)
{
	if (valid_xmm(b, (int)dst) && valid_xmm(b, (int)src))
		vex_rr(b, pfx, op, dst, 0, src, false, 0);
}

void x64_vex_xxi(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src,
	uint8_t imm)
{
	if (valid_xmm(b, (int)dst) && valid_xmm(b, (int)src))
		vex_rr(b, pfx, op, dst, 0, src, true, imm);
}

void x64_vex_shift_xxi(x64_buf *b, x64_sse op, x64_xmm dst, x64_xmm src,
	uint8_t imm)
{
	uint32_t f = shift_imm_form(op);
	if (!f) {
		set_err(b, X64_ERR_OPERAND);
		return;
	}
	/* the digit in ModRM.reg (no REX.R), dst in vvvv */
	if (valid_xmm(b, (int)dst) && valid_xmm(b, (int)src))
		vex_rr(b, X64_PFX_66, (x64_sse)(f >> 8), (x64_xmm)(f & 7), dst, src, true,
			imm);
}

void x64_vex_xxm(x64_buf *b, int pfx, x64_sse op, x64_xmm dst, x64_xmm src1,
	x64_mem m)
{
	if (!valid_xmm(b, (int)dst) || !valid_xmm(b, (int)src1) || !valid_mem(b, m))
		return;
	uint8_t *s = emit_begin(b);
	uint8_t *p = put_vex(s, pfx, mem_rex(dst, m), src1, op);
	emit_end(b, s, put_modrm_mem(p, dst, m));
}

bool x64_cpu_has_avx(void)
{
	return cpu()->avx;
}

/* The instruction just emitted with an x64_mem_rip(0) operand and no
 * immediate: its disp32 (its last four bytes) made to reach l. */
void x64_rip_label(x64_buf *b, x64_label *l)
{
	if (b->err != X64_OK || b->len < 4)
		return;
	size_t at = b->len - 4;
	put32(b->code + at, rel32_to(b, l, at));
}

void x64_movmsk_rx(x64_buf *b, int pfx, x64_sse op, x64_gpr dst, x64_xmm src)
{
	if (valid_xmm(b, (int)src))
		emit_rr(b, pfx, 0, op, dst, src);
}

/* The lane moves (Intel SDM vol. 2, PEXTRB/W/D/Q, PINSRB/W/D/Q): 66
 * [REX.W] 0F 3A 14 (b), 15 (w), 16 (d, q) /r ib with the XMM register in
 * ModRM.reg and the GPR or memory in r/m; 66 [REX.W] 0F 3A 20 (b), 22
 * (d, q) /r ib with the XMM register in reg.  The word forms into and
 * out of a register are SSE2's 66 0F C5 /r ib (GPR in reg) and 66 0F C4
 * /r ib, which is what GNU as picks; the others are SSE4.1. */
enum { PEXTR_B = 0x0f3a14, PEXTR_W = 0x0f3a15, PEXTR_DQ = 0x0f3a16,
	PEXTRW_SSE2 = 0x0fc5, PINSR_B = 0x0f3a20, PINSRW = 0x0fc4,
	PINSR_DQ = 0x0f3a22 };

static uint32_t pextr_op(unsigned size)
{
	return size == 1 ? PEXTR_B : size == 2 ? PEXTR_W : PEXTR_DQ;
}

static uint32_t pinsr_op(unsigned size)
{
	return size == 1 ? PINSR_B : size == 2 ? PINSRW : PINSR_DQ;
}

void x64_pextr_rxi(x64_buf *b, unsigned size, x64_gpr dst, x64_xmm src, uint8_t lane)
{
	if (!valid_size(b, size, SZ_ALL) || !valid_xmm(b, (int)src))
		return;
	if (size == 2)
		emit_rr_imm(b, X64_PFX_66, 0, PEXTRW_SSE2, dst, src, 1, lane);
	else
		emit_rr_imm(b, X64_PFX_66, size_rex(size), pextr_op(size), src, dst, 1, lane);
}

void x64_pextr_mxi(x64_buf *b, unsigned size, x64_mem m, x64_xmm src, uint8_t lane)
{
	if (valid_size(b, size, SZ_ALL) && valid_xmm(b, (int)src))
		emit_rm_imm(b, X64_PFX_66, size_rex(size), pextr_op(size), src, m, 1, lane);
}

void x64_pinsr_xri(x64_buf *b, unsigned size, x64_xmm dst, x64_gpr src, uint8_t lane)
{
	if (valid_size(b, size, SZ_ALL) && valid_xmm(b, (int)dst))
		emit_rr_imm(b, X64_PFX_66, size_rex(size), pinsr_op(size), dst, src, 1, lane);
}

void x64_pinsr_xmi(x64_buf *b, unsigned size, x64_xmm dst, x64_mem m, uint8_t lane)
{
	if (valid_size(b, size, SZ_ALL) && valid_xmm(b, (int)dst))
		emit_rm_imm(b, X64_PFX_66, size_rex(size), pinsr_op(size), dst, m, 1, lane);
}

/* vpinsrb/w/d/q dst, src1, r32/r64 or m, imm8 (VEX.128.66.0F3A.W0 20,
 * .W0 22 for d, .W1 22 for q, VEX.128.66.0F.W0 C4 for w): src1 with one
 * lane from the GPR or memory, src1 in vvvv. */
void x64_vex_pinsr_xxri(x64_buf *b, unsigned size, x64_xmm dst, x64_xmm src1,
	x64_gpr src, uint8_t lane)
{
	if (!valid_size(b, size, SZ_ALL) || !valid_xmm(b, (int)dst) ||
	    !valid_xmm(b, (int)src1) || !valid_reg(b, src))
		return;
	uint8_t *s = emit_begin(b);
	unsigned rex = (dst & 8 ? REX_R : 0) | (src & 8 ? REX_B : 0) | size_rex(size);
	uint8_t *p = put_vex(s, X64_PFX_66, rex, src1, pinsr_op(size));
	*p++ = (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7));
	*p++ = lane;
	emit_end(b, s, p);
}

void x64_vex_pinsr_xxmi(x64_buf *b, unsigned size, x64_xmm dst, x64_xmm src1,
	x64_mem m, uint8_t lane)
{
	if (!valid_size(b, size, SZ_ALL) || !valid_xmm(b, (int)dst) ||
	    !valid_xmm(b, (int)src1) || !valid_mem(b, m))
		return;
	uint8_t *s = emit_begin(b);
	uint8_t *p = put_vex(s, X64_PFX_66, mem_rex(dst, m) | size_rex(size), src1,
		pinsr_op(size));
	p = put_modrm_mem(p, dst, m);
	*p++ = lane;
	emit_end(b, s, p);
}

void x64_movss_xx(x64_buf *b, x64_xmm dst, x64_xmm src)
{ x64_sse_xx(b, X64_PFX_F3, X64_SSE_MOV_RM, dst, src); }
void x64_movsd_xx(x64_buf *b, x64_xmm dst, x64_xmm src)
{ x64_sse_xx(b, X64_PFX_F2, X64_SSE_MOV_RM, dst, src); }
void x64_movss_xm(x64_buf *b, x64_xmm dst, x64_mem m)
{ x64_sse_xm(b, X64_PFX_F3, X64_SSE_MOV_RM, dst, m); }
void x64_movsd_xm(x64_buf *b, x64_xmm dst, x64_mem m)
{ x64_sse_xm(b, X64_PFX_F2, X64_SSE_MOV_RM, dst, m); }
void x64_movss_mx(x64_buf *b, x64_mem m, x64_xmm src)
{ x64_sse_xm(b, X64_PFX_F3, X64_SSE_MOV_MR, src, m); }
void x64_movsd_mx(x64_buf *b, x64_mem m, x64_xmm src)
{ x64_sse_xm(b, X64_PFX_F2, X64_SSE_MOV_MR, src, m); }

/* 66 [REX.W] 0F 6E /r: movd/movq xmm, r/m32/64 */
void x64_movd_xr(x64_buf *b, unsigned size, x64_xmm dst, x64_gpr src)
{
	if (valid_size(b, size, SZ_DQ))
		emit_rr(b, X64_PFX_66, size_rex(size), X64_SSE_MOVD_XR, dst, src);
}

/* 66 [REX.W] 0F 7E /r: movd/movq r/m32/64, xmm (xmm in the reg field) */
void x64_movd_rx(x64_buf *b, unsigned size, x64_gpr dst, x64_xmm src)
{
	if (valid_size(b, size, SZ_DQ))
		emit_rr(b, X64_PFX_66, size_rex(size), X64_SSE_MOVD_RX, src, dst);
}

static void cvt_rr(x64_buf *b, int pfx, x64_sse op, unsigned size, int reg,
	int rm)
{
	if (valid_size(b, size, SZ_DQ))
		emit_rr(b, pfx, size_rex(size), op, reg, rm);
}

void x64_cvtsi2ss_xr(x64_buf *b, unsigned src_size, x64_xmm dst, x64_gpr src)
{ cvt_rr(b, X64_PFX_F3, X64_SSE_CVTSI2, src_size, dst, src); }
void x64_cvtsi2sd_xr(x64_buf *b, unsigned src_size, x64_xmm dst, x64_gpr src)
{ cvt_rr(b, X64_PFX_F2, X64_SSE_CVTSI2, src_size, dst, src); }
void x64_cvttss2si_rx(x64_buf *b, unsigned dst_size, x64_gpr dst, x64_xmm src)
{ cvt_rr(b, X64_PFX_F3, X64_SSE_CVTT2SI, dst_size, dst, src); }
void x64_cvttsd2si_rx(x64_buf *b, unsigned dst_size, x64_gpr dst, x64_xmm src)
{ cvt_rr(b, X64_PFX_F2, X64_SSE_CVTT2SI, dst_size, dst, src); }

void x64_cvtsi2ss_xm(x64_buf *b, unsigned src_size, x64_xmm dst, x64_mem m)
{
	if (valid_size(b, src_size, SZ_DQ))
		emit_rm(b, X64_PFX_F3, size_rex(src_size), X64_SSE_CVTSI2, dst, m);
}

void x64_cvtsi2sd_xm(x64_buf *b, unsigned src_size, x64_xmm dst, x64_mem m)
{
	if (valid_size(b, src_size, SZ_DQ))
		emit_rm(b, X64_PFX_F2, size_rex(src_size), X64_SSE_CVTSI2, dst, m);
}

void x64_roundss_xx(x64_buf *b, x64_xmm dst, x64_xmm src, uint8_t mode)
{
	emit_rr_imm(b, X64_PFX_66, 0, X64_SSE_ROUNDSS, dst, src, 1, mode);
}

void x64_roundsd_xx(x64_buf *b, x64_xmm dst, x64_xmm src, uint8_t mode)
{
	emit_rr_imm(b, X64_PFX_66, 0, X64_SSE_ROUNDSD, dst, src, 1, mode);
}

/* ---- calls, jumps, stack -------------------------------------------------- */

void x64_call_r(x64_buf *b, x64_gpr r)  { emit_rr(b, 0, 0, X64_OP_GROUP5, 2, r); }
void x64_call_m(x64_buf *b, x64_mem m)  { emit_rm(b, 0, 0, X64_OP_GROUP5, 2, m); }
void x64_jmp_r(x64_buf *b, x64_gpr r)   { emit_rr(b, 0, 0, X64_OP_GROUP5, 4, r); }
void x64_jmp_m(x64_buf *b, x64_mem m)   { emit_rm(b, 0, 0, X64_OP_GROUP5, 4, m); }
void x64_push_m(x64_buf *b, x64_mem m)  { emit_rm(b, 0, 0, X64_OP_GROUP5, 6, m); }
void x64_ret(x64_buf *b)                { emit_bytes1(b, 0, X64_OP_RET); }

void x64_push_r(x64_buf *b, x64_gpr r)
{
	if (!valid_reg(b, r))
		return;
	uint8_t *s = emit_begin(b);
	emit_end(b, s, put_op_plus_reg(s, 0, 0, X64_OP_PUSH_R, r));
}

void x64_pop_r(x64_buf *b, x64_gpr r)
{
	if (!valid_reg(b, r))
		return;
	uint8_t *s = emit_begin(b);
	emit_end(b, s, put_op_plus_reg(s, 0, 0, X64_OP_POP_R, r));
}

void x64_push_i(x64_buf *b, int32_t imm)
{
	uint8_t *s = emit_begin(b), *p = s;
	if (fits8(imm)) {
		*p++ = X64_OP_PUSH_I8;
		*p++ = (uint8_t)imm;
	} else {
		*p++ = X64_OP_PUSH_I32;
		p = put32(p, (uint32_t)imm);
	}
	emit_end(b, s, p);
}

/* The run-time address of buffer offset at. */
static uintptr_t runtime_addr(const x64_buf *b, size_t at)
{
	return (b->origin ? b->origin : (uintptr_t)b->code) + at;
}

static size_t emit_rel32_abs(x64_buf *b, uint8_t op, const void *target)
{
	uint8_t *s = emit_begin(b);
	size_t at = b->len + 1;
	int64_t rel = (int64_t)((uintptr_t)target - runtime_addr(b, at + 4));
	if (!fits32(rel))
		set_err(b, X64_ERR_RANGE);
	s[0] = op;
	put32(s + 1, (uint32_t)rel);
	emit_end(b, s, s + 5);
	return at;
}

size_t x64_call_rel(x64_buf *b, const void *target)
{
	return emit_rel32_abs(b, X64_OP_CALL_REL, target);
}

size_t x64_jmp_rel(x64_buf *b, const void *target)
{
	return emit_rel32_abs(b, X64_OP_JMP_REL, target);
}

size_t x64_call_abs(x64_buf *b, x64_gpr scratch, const void *target)
{
	size_t at = x64_movabs_ri(b, scratch, (int64_t)(uintptr_t)target) + 2;
	x64_call_r(b, scratch);
	return at;
}

bool x64_patch_rel32(uint8_t *code, uintptr_t code_addr, size_t at,
	const void *target)
{
	int64_t rel = (int64_t)((uintptr_t)target - (code_addr + at + 4));
	if (!fits32(rel))
		return false;
	put32(code + at, (uint32_t)rel);
	return true;
}

void x64_patch_abs64(uint8_t *code, size_t at, const void *target)
{
	put64(code + at, (uint64_t)(uintptr_t)target);
}

/* ---- labels --------------------------------------------------------------- */

static int32_t get32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		(uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

void x64_label_bind(x64_buf *b, x64_label *l)
{
	if (l->pos >= 0) {
		set_err(b, X64_ERR_OPERAND);     /* bound twice */
		return;
	}
	l->pos = (int32_t)b->len;
	if (b->err != X64_OK) {
		/* the chains may run through bytes that were never stored */
		l->near_uses = l->short_uses = -1;
		return;
	}
	for (int32_t at = l->near_uses; at >= 0;) {
		int32_t prev = get32(b->code + at);
		put32(b->code + at, (uint32_t)(l->pos - (at + 4)));
		at = prev;
	}
	for (int32_t at = l->short_uses; at >= 0;) {
		uint8_t back = b->code[at];
		int32_t rel = l->pos - (at + 1);
		if (rel > 127)
			set_err(b, X64_ERR_RANGE);
		b->code[at] = (uint8_t)rel;
		at = back ? at - back : -1;
	}
	l->near_uses = l->short_uses = -1;
}

/* The rel32 field at the end of the instruction being emitted (its offset
 * is field_at): the distance to a bound label, or a link in its chain. */
static uint32_t rel32_to(x64_buf *b, x64_label *l, size_t field_at)
{
	if (l->pos >= 0)
		return (uint32_t)(l->pos - ((int32_t)field_at + 4));
	uint32_t link = (uint32_t)l->near_uses;
	l->near_uses = (int32_t)field_at;
	return link;
}

static uint8_t rel8_to(x64_buf *b, x64_label *l, size_t field_at)
{
	if (l->pos >= 0) {
		int32_t rel = l->pos - ((int32_t)field_at + 1);
		if (!fits8(rel))
			set_err(b, X64_ERR_RANGE);
		return (uint8_t)rel;
	}
	int32_t back = l->short_uses >= 0 ? (int32_t)field_at - l->short_uses : 0;
	if (back > 255)            /* cannot both reach one label */
		set_err(b, X64_ERR_RANGE);
	l->short_uses = (int32_t)field_at;
	return (uint8_t)back;
}

/* Does a bound label lie within rel8 reach of a short insn_len-byte jump? */
static bool short_reach(const x64_buf *b, const x64_label *l, int insn_len)
{
	return l->pos >= 0 && fits8((int64_t)l->pos - (int64_t)(b->len + insn_len));
}

static void jump_label(x64_buf *b, int cc, x64_label *l, bool force_short)
{
	uint8_t *s = emit_begin(b), *p = s;
	if (force_short || short_reach(b, l, 2)) {
		*p++ = cc < 0 ? X64_OP_JMP_REL8 : (uint8_t)(X64_OP_JCC_REL8 + cc);
		*p = rel8_to(b, l, b->len + 1);
		p++;
	} else {
		if (cc < 0) {
			*p++ = X64_OP_JMP_REL;
		} else {
			*p++ = 0x0f;
			*p++ = (uint8_t)(X64_OP_JCC_REL32 + cc);
		}
		p = put32(p, rel32_to(b, l, b->len + (size_t)(p - s)));
	}
	emit_end(b, s, p);
}

void x64_jmp(x64_buf *b, x64_label *l)        { jump_label(b, -1, l, false); }
void x64_jmp_short(x64_buf *b, x64_label *l)  { jump_label(b, -1, l, true); }
void x64_jcc(x64_buf *b, x64_cc cc, x64_label *l)
{ jump_label(b, cc & 15, l, false); }
void x64_jcc_short(x64_buf *b, x64_cc cc, x64_label *l)
{ jump_label(b, cc & 15, l, true); }

void x64_call_label(x64_buf *b, x64_label *l)
{
	uint8_t *s = emit_begin(b);
	s[0] = X64_OP_CALL_REL;
	put32(s + 1, rel32_to(b, l, b->len + 1));
	emit_end(b, s, s + 5);
}

/* lea r64, [rip + disp32] with disp32 the distance to l. */
void x64_lea_label(x64_buf *b, x64_gpr dst, x64_label *l)
{
	if (!valid_reg(b, dst))
		return;
	uint8_t *s = emit_begin(b);
	uint8_t *p = put_op(s, 0, REX_W | (dst & 8 ? REX_R : 0), X64_OP_LEA);
	*p++ = (uint8_t)(0x05 | (dst & 7) << 3);
	p = put32(p, rel32_to(b, l, b->len + (size_t)(p - s)));
	emit_end(b, s, p);
}

void x64_label_rel32(x64_buf *b, x64_label *l)
{
	uint8_t *s = emit_begin(b);
	put32(s, rel32_to(b, l, b->len));
	emit_end(b, s, s + 4);
}

/* ---- miscellaneous -------------------------------------------------------- */

void x64_ud2(x64_buf *b)
{
	uint8_t *s = emit_begin(b);
	emit_end(b, s, put_op(s, 0, 0, X64_OP_UD2));
}

void x64_int3(x64_buf *b) { emit_bytes1(b, 0, X64_OP_INT3); }
void x64_nop(x64_buf *b)  { emit_bytes1(b, 0, X64_OP_NOP); }

/* The SDM's recommended multi-byte nops (vol. 2B, NOP), 1 to 9 bytes:
 * 66 90, then nop dword [rax], [rax+disp8], [rax+rax*1+disp8], the same
 * with 66, [rax+disp32], [rax+rax*1+disp32], the same with 66. */
static const uint8_t nop_seqs[9][9] = {
	{ 0x90 },
	{ 0x66, 0x90 },
	{ 0x0f, 0x1f, 0x00 },
	{ 0x0f, 0x1f, 0x40, 0x00 },
	{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

void x64_nops(x64_buf *b, size_t n)
{
	while (n > 0) {
		size_t k = n > 9 ? 9 : n;
		uint8_t *s = emit_begin(b);
		memcpy(s, nop_seqs[k - 1], k);
		emit_end(b, s, s + k);
		n -= k;
	}
}

void x64_align(x64_buf *b, size_t align)
{
	if (align == 0 || (align & (align - 1))) {
		set_err(b, X64_ERR_OPERAND);
		return;
	}
	x64_nops(b, (align - (b->len & (align - 1))) & (align - 1));
}

void x64_bytes(x64_buf *b, const void *src, size_t n)
{
	const uint8_t *q = src;
	while (n > 0) {
		size_t k = n > X64_MAX_INSN ? X64_MAX_INSN : n;
		uint8_t *s = emit_begin(b);
		memcpy(s, q, k);
		emit_end(b, s, s + k);
		q += k;
		n -= k;
	}
}
