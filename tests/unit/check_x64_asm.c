/* check_x64_asm.c -- the x86-64 encoder against GNU as, and run.
 *
 * Golden bytes: every case below emits one instruction (or a short
 * sequence) with the encoder and writes down the same thing in Intel
 * syntax.  Before the tests run, all cases go into one .s file that GNU as
 * assembles (each case behind its own symbol); the bytes between two
 * symbols are what as produced for that case, and the encoder must have
 * produced the same, byte for byte.  gcc needs binutils to build this
 * program, so as, objcopy and nm are there when it runs (X64_AS,
 * X64_OBJCOPY, X64_NM override them; X64_ASM_KEEP=1 keeps the files).
 *
 * The register and memory operand sets are chosen for the encoding
 * quirks: RSP/R12 as base (SIB), RBP/R13 as base (disp8 0), R8..R15 in
 * every field (REX.R/X/B), SPL..DIL as byte registers (empty REX),
 * disp8/disp32 boundaries, no base, RIP-relative, every condition code,
 * every operand size.
 *
 * Then core: emitted functions mapped W^X and called; errors: the sticky
 * error flag (overflow, bad operands, out-of-range labels).
 */
#include "x64/x64_asm.h"
#include "jit/jit_mem.h"

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- register and operand names ------------------------------------------ */

static const char *const gpr_names[4][16] = {
#define N8(n, q, d, w, b) b,
#define N16(n, q, d, w, b) w,
#define N32(n, q, d, w, b) d,
#define N64(n, q, d, w, b) q,
	{ X64_GPR_LIST(N8) }, { X64_GPR_LIST(N16) },
	{ X64_GPR_LIST(N32) }, { X64_GPR_LIST(N64) },
#undef N8
#undef N16
#undef N32
#undef N64
};

static const char *const cc_names[16] = {
#define CCN(n, s) s,
	X64_CC_LIST(CCN)
#undef CCN
};

static int size_index(unsigned size)
{
	return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static const char *R(unsigned size, int r)
{
	return gpr_names[size_index(size)][r];
}

static const char *X(int x)
{
	static const char *const n[16] = {
		"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
	};
	return n[x];
}

static const char *ptr_name(unsigned size)
{
	switch (size) {
	case 1:  return "BYTE PTR ";
	case 2:  return "WORD PTR ";
	case 4:  return "DWORD PTR ";
	case 8:  return "QWORD PTR ";
	case 16: return "XMMWORD PTR ";
	}
	return "";                  /* 0: no size (lea) */
}

/* Text is built in a ring of buffers, so several can be live in one
 * printf. */
static char *ring(void)
{
	static char bufs[8][128];
	static unsigned next;
	return bufs[next++ % 8];
}

static const char *hex(int64_t v)
{
	char *s = ring();
	if (v < 0)
		snprintf(s, 128, "-0x%llx", (unsigned long long)-(uint64_t)v);
	else
		snprintf(s, 128, "0x%llx", (unsigned long long)v);
	return s;
}

/* "QWORD PTR [base+index*scale+disp]" for an operand of size bytes. */
static const char *M(unsigned size, x64_mem m)
{
	char *s = ring(), *p = s;
	p += sprintf(p, "%s[", ptr_name(size));
	if (m.base == X64_BASE_RIP)
		p += sprintf(p, "rip");
	else if (m.base != X64_NOREG)
		p += sprintf(p, "%s", R(8, m.base));
	if (m.index != X64_NOREG)
		p += sprintf(p, "%s%s*%u", m.base != X64_NOREG ? "+" : "",
			R(8, m.index), m.scale);
	if (m.base == X64_NOREG && m.index == X64_NOREG)
		p += sprintf(p, "%s", hex(m.disp));
	else if (m.disp != 0 || m.base == X64_NOREG)
		p += sprintf(p, "%s%s", m.disp >= 0 ? "+" : "", hex(m.disp));
	sprintf(p, "]");
	return s;
}

/* ---- cases ---------------------------------------------------------------- */

typedef struct gcase {
	char *text;          /* Intel syntax for GNU as */
	const char *group;
	uint8_t *bytes;      /* what the encoder emitted */
	size_t len;
	x64_err err;
	const uint8_t *as_bytes; /* what GNU as emitted */
	size_t as_len;
} gcase;

static gcase *cases;
static size_t ncases, cases_cap;
static const char *cur_group;
static x64_buf B;                 /* the buffer every case emits into */
static uint8_t *as_bin;           /* GNU as's .text */
static bool as_ok;
static char as_fail[512];

/* Records B's bytes as a case with the formatted text, and empties B. */
static void emitted(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void emitted(const char *fmt, ...)
{
	if (ncases == cases_cap) {
		cases_cap = cases_cap ? 2 * cases_cap : 4096;
		cases = realloc(cases, cases_cap * sizeof *cases);
		if (!cases)
			abort();
	}
	gcase *c = &cases[ncases++];
	memset(c, 0, sizeof *c);
	va_list ap;
	va_start(ap, fmt);
	char text[1024];
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	c->text = strdup(text);
	c->group = cur_group;
	c->err = B.err;
	c->len = B.len;
	c->bytes = malloc(B.len + 1);
	if (!c->bytes)
		abort();
	memcpy(c->bytes, B.code, B.len);
	x64_buf_reset(&B);
}

#define CASE(call, ...) do { call; emitted(__VA_ARGS__); } while (0)

static const int all_regs[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	13, 14, 15 };
/* The registers with encoding quirks, plus ordinary ones. */
static const int quirk_regs[] = { X64_RAX, X64_RCX, X64_RSP, X64_RBP, X64_RSI,
	X64_RDI, X64_R8, X64_R12, X64_R13, X64_R15 };
#define NQUIRK (sizeof quirk_regs / sizeof quirk_regs[0])
static const unsigned sizes[4] = { 1, 2, 4, 8 };

/* A compact set of memory operands that hits every ModRM/SIB/disp quirk. */
static const x64_mem quirk_mems[] = {
	{ X64_RAX, X64_NOREG, 1, 0 },
	{ X64_RSP, X64_NOREG, 1, 0 },
	{ X64_R12, X64_NOREG, 1, 0 },
	{ X64_RBP, X64_NOREG, 1, 0 },
	{ X64_R13, X64_NOREG, 1, 0 },
	{ X64_RBP, X64_NOREG, 1, 8 },
	{ X64_R13, X64_NOREG, 1, 0x100 },
	{ X64_RSP, X64_NOREG, 1, -8 },
	{ X64_R12, X64_NOREG, 1, 127 },
	{ X64_RAX, X64_NOREG, 1, -128 },
	{ X64_R9,  X64_NOREG, 1, 128 },
	{ X64_RSP, X64_RBP, 2, -8 },
	{ X64_R12, X64_R13, 4, 0 },
	{ X64_R13, X64_R12, 8, 0x12345678 },
	{ X64_RAX, X64_R15, 1, 127 },
	{ X64_RBP, X64_RAX, 1, 0 },
	{ X64_R15, X64_R8, 8, -129 },
	{ X64_NOREG, X64_RCX, 8, 0x10 },
	{ X64_NOREG, X64_R9, 1, -0x20 },
	{ X64_BASE_RIP, X64_NOREG, 1, 0x100 },
	{ X64_BASE_RIP, X64_NOREG, 1, -0x10 },
	{ X64_NOREG, X64_NOREG, 1, 0x1000 },
};
#define NQMEM (sizeof quirk_mems / sizeof quirk_mems[0])

static const int32_t disps[] = { 0, 1, -1, 127, -128, 128, -129, 0x1234,
	INT32_MAX, INT32_MIN };
#define NDISP (sizeof disps / sizeof disps[0])

/* ---- case generators, one per group -------------------------------------- */

static void gen_mov(void)
{
	cur_group = "mov";
	for (int s = 0; s < 4; s++)
		for (int d = 0; d < 16; d++)
			for (int r = 0; r < 16; r++)
				CASE(x64_mov_rr(&B, sizes[s], d, r), "mov %s, %s",
					R(sizes[s], d), R(sizes[s], r));

	static const int64_t imms[] = { 0, 1, -1, 127, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000, -0x80000000LL, -0x80000001LL,
		0x123456789abcdef0, INT64_MIN };
	for (int r = 0; r < 16; r++) {
		CASE(x64_mov_ri(&B, 1, r, 0x5a), "mov %s, 0x5a", R(1, r));
		CASE(x64_mov_ri(&B, 2, r, 0x1234), "mov %s, 0x1234", R(2, r));
		CASE(x64_mov_ri(&B, 4, r, -2), "mov %s, 0xfffffffe", R(4, r));
		for (size_t i = 0; i < sizeof imms / sizeof imms[0]; i++) {
			int64_t v = imms[i];
			x64_mov_ri(&B, 8, r, v);
			if ((uint64_t)v <= UINT32_MAX)
				emitted("mov %s, %s", R(4, r), hex(v));
			else if (v >= INT32_MIN && v <= INT32_MAX)
				emitted("mov %s, %s", R(8, r), hex(v));
			else
				emitted("movabs %s, 0x%llx", R(8, r),
					(unsigned long long)v);
		}
		CASE(x64_movabs_ri(&B, r, 16), "movabs %s, 0x10", R(8, r));
	}

	/* loads and stores: every size, every register, the quirk operands */
	for (int s = 0; s < 4; s++) {
		unsigned sz = sizes[s];
		for (int r = 0; r < 16; r++)
			for (size_t i = 0; i < NQMEM; i++) {
				x64_mem m = quirk_mems[i];
				CASE(x64_mov_rm(&B, sz, r, m), "mov %s, %s", R(sz, r), M(sz, m));
				CASE(x64_mov_mr(&B, sz, m, r), "mov %s, %s", M(sz, m), R(sz, r));
			}
		for (size_t i = 0; i < NQMEM; i++) {
			x64_mem m = quirk_mems[i];
			int32_t imm = sz == 1 ? -3 : sz == 2 ? 0x1234 : -0x12345678;
			CASE(x64_mov_mi(&B, sz, m, imm), "mov %s, %s", M(sz, m), hex(imm));
		}
	}

	/* every base x index x scale x disp class, for a low and a high reg */
	static const int regs2[] = { X64_RAX, X64_R15 };
	static const unsigned scales[] = { 1, 2, 4, 8 };
	for (int k = 0; k < 2; k++) {
		int r = regs2[k];
		for (int base = 0; base < 16; base++)
			for (size_t d = 0; d < NDISP; d++) {
				x64_mem m = x64_mem_b(base, disps[d]);
				CASE(x64_mov_rm(&B, 8, r, m), "mov %s, %s", R(8, r), M(8, m));
			}
		for (int base = -1; base < 16; base++)
			for (int index = 0; index < 16; index++) {
				if (index == X64_RSP)
					continue;
				for (int sc = 0; sc < 4; sc++)
					for (int d = 0; d < 3; d++) {
						static const int32_t dd[] = { 0, -0x80, 0x1000 };
						x64_mem m = x64_mem_bi(base, index, scales[sc], dd[d]);
						CASE(x64_mov_mr(&B, 8, m, r), "mov %s, %s",
							M(8, m), R(8, r));
					}
			}
		for (size_t d = 0; d < NDISP; d++) {
			CASE(x64_mov_rm(&B, 4, r, x64_mem_rip(disps[d])), "mov %s, %s",
				R(4, r), M(4, x64_mem_rip(disps[d])));
			CASE(x64_lea(&B, 8, r, x64_mem_rip(disps[d])), "lea %s, %s",
				R(8, r), M(0, x64_mem_rip(disps[d])));
		}
	}

	/* zero/sign extension, every register pair for the byte forms */
	for (int d = 0; d < 16; d++)
		for (int r = 0; r < 16; r++) {
			CASE(x64_movzx_rr(&B, 4, 1, d, r), "movzx %s, %s", R(4, d), R(1, r));
			CASE(x64_movsx_rr(&B, 8, 1, d, r), "movsx %s, %s", R(8, d), R(1, r));
		}
	static const unsigned ext[][2] = { { 2, 1 }, { 4, 1 }, { 8, 1 },
		{ 4, 2 }, { 8, 2 } };
	for (size_t e = 0; e < 5; e++) {
		unsigned ds = ext[e][0], ss = ext[e][1];
		for (size_t i = 0; i < NQUIRK; i++) {
			int d = quirk_regs[i], r = quirk_regs[NQUIRK - 1 - i];
			CASE(x64_movzx_rr(&B, ds, ss, d, r), "movzx %s, %s", R(ds, d), R(ss, r));
			CASE(x64_movsx_rr(&B, ds, ss, d, r), "movsx %s, %s", R(ds, d), R(ss, r));
		}
		for (size_t i = 0; i < NQMEM; i++) {
			x64_mem m = quirk_mems[i];
			int d = quirk_regs[i % NQUIRK];
			CASE(x64_movzx_rm(&B, ds, ss, d, m), "movzx %s, %s", R(ds, d), M(ss, m));
			CASE(x64_movsx_rm(&B, ds, ss, d, m), "movsx %s, %s", R(ds, d), M(ss, m));
		}
	}
	for (int d = 0; d < 16; d++)
		for (size_t i = 0; i < NQUIRK; i++)
			CASE(x64_movsxd_rr(&B, d, quirk_regs[i]), "movsxd %s, %s",
				R(8, d), R(4, quirk_regs[i]));
	for (size_t i = 0; i < NQMEM; i++) {
		x64_mem m = quirk_mems[i];
		int d = quirk_regs[(i + 3) % NQUIRK];
		CASE(x64_movsxd_rm(&B, d, m), "movsxd %s, %s", R(8, d), M(4, m));
		CASE(x64_lea(&B, 8, d, m), "lea %s, %s", R(8, d), M(0, m));
		CASE(x64_lea(&B, 4, d, m), "lea %s, %s", R(4, d), M(0, m));
		CASE(x64_lea(&B, 2, d, m), "lea %s, %s", R(2, d), M(0, m));
	}
}

static const char *const alu_names[8] = { "add", "or", "adc", "sbb", "and",
	"sub", "xor", "cmp" };

static void gen_alu(void)
{
	cur_group = "alu";
	static const int32_t imms[] = { 0, 1, -1, 127, -128, 128, -129, 0x1234,
		-0x12345678, INT32_MAX, INT32_MIN };
	for (int op = 0; op < 8; op++)
		for (int s = 0; s < 4; s++) {
			unsigned sz = sizes[s];
			const char *n = alu_names[op];
			/* all pairs for add, the quirk pairs for the rest */
			const int *regs = op == X64_ALU_ADD ? all_regs : quirk_regs;
			size_t nregs = op == X64_ALU_ADD ? 16 : NQUIRK;
			for (size_t i = 0; i < nregs; i++)
				for (size_t j = 0; j < nregs; j++)
					CASE(x64_alu_rr(&B, op, sz, regs[i], regs[j]), "%s %s, %s",
						n, R(sz, regs[i]), R(sz, regs[j]));
			for (int r = 0; r < 16; r++)
				for (size_t k = 0; k < sizeof imms / sizeof imms[0]; k++) {
					int32_t v = imms[k];
					if ((sz == 1 && (v < -128 || v > 127)) ||
					    (sz == 2 && (v < -32768 || v > 32767)))
						continue;
					CASE(x64_alu_ri(&B, op, sz, r, v), "%s %s, %s", n,
						R(sz, r), hex(v));
				}
			for (size_t i = 0; i < NQMEM; i++) {
				x64_mem m = quirk_mems[i];
				int r = quirk_regs[i % NQUIRK];
				int32_t v = sz == 1 ? 0x7f : (i & 1) ? 0x1000 : -5;
				CASE(x64_alu_rm(&B, op, sz, r, m), "%s %s, %s", n, R(sz, r), M(sz, m));
				CASE(x64_alu_mr(&B, op, sz, m, r), "%s %s, %s", n, M(sz, m), R(sz, r));
				CASE(x64_alu_mi(&B, op, sz, m, v), "%s %s, %s", n, M(sz, m), hex(v));
			}
		}
	/* the named wrappers are the generic forms; spot-check a few */
	CASE(x64_sub_rr(&B, 4, X64_R13, X64_RSP), "sub r13d, esp");
	CASE(x64_xor_rr(&B, 4, X64_RAX, X64_RAX), "xor eax, eax");
	CASE(x64_cmp_ri(&B, 8, X64_R12, 0x100), "cmp r12, 0x100");
	CASE(x64_and_rm(&B, 8, X64_RSI, x64_mem_b(X64_R12, 8)),
		"and rsi, QWORD PTR [r12+0x8]");
	CASE(x64_or_mi(&B, 1, x64_mem_b(X64_RBP, 0), 1), "or BYTE PTR [rbp], 0x1");

	for (int s = 0; s < 4; s++) {
		unsigned sz = sizes[s];
		for (size_t i = 0; i < NQUIRK; i++)
			for (size_t j = 0; j < NQUIRK; j++)
				CASE(x64_test_rr(&B, sz, quirk_regs[i], quirk_regs[j]),
					"test %s, %s", R(sz, quirk_regs[i]), R(sz, quirk_regs[j]));
		for (int r = 0; r < 16; r++) {
			int32_t v = sz == 1 ? 0x40 : sz == 2 ? 0x4000 : 0x40000000;
			CASE(x64_test_ri(&B, sz, r, 1), "test %s, 0x1", R(sz, r));
			CASE(x64_test_ri(&B, sz, r, v), "test %s, %s", R(sz, r), hex(v));
		}
		for (size_t i = 0; i < NQMEM; i++) {
			x64_mem m = quirk_mems[i];
			int r = quirk_regs[i % NQUIRK];
			CASE(x64_test_mr(&B, sz, m, r), "test %s, %s", M(sz, m), R(sz, r));
			CASE(x64_test_mi(&B, sz, m, 3), "test %s, 0x3", M(sz, m));
		}
	}

	static const char *const un_names[8] = { "test", "?", "not", "neg", "mul",
		"imul", "div", "idiv" };
	for (int op = 2; op < 8; op++)
		for (int s = 0; s < 4; s++) {
			unsigned sz = sizes[s];
			for (int r = 0; r < 16; r++)
				CASE(x64_unary_r(&B, op, sz, r), "%s %s", un_names[op], R(sz, r));
			for (size_t i = 0; i < NQMEM; i++)
				CASE(x64_unary_m(&B, op, sz, quirk_mems[i]), "%s %s",
					un_names[op], M(sz, quirk_mems[i]));
		}
	CASE(x64_cdq(&B), "cdq");
	CASE(x64_cqo(&B), "cqo");

	static const int32_t mimms[] = { 0, 5, -128, 127, 128, -129, 0x12345678 };
	for (int s = 1; s < 4; s++) {
		unsigned sz = sizes[s];
		for (int d = 0; d < 16; d++)
			for (size_t j = 0; j < NQUIRK; j++)
				CASE(x64_imul_rr(&B, sz, d, quirk_regs[j]), "imul %s, %s",
					R(sz, d), R(sz, quirk_regs[j]));
		for (size_t i = 0; i < NQUIRK; i++)
			for (size_t k = 0; k < sizeof mimms / sizeof mimms[0]; k++) {
				int d = quirk_regs[i], r = quirk_regs[NQUIRK - 1 - i];
				int32_t v = sz == 2 ? (int16_t)mimms[k] : mimms[k];
				CASE(x64_imul_rri(&B, sz, d, r, v), "imul %s, %s, %s",
					R(sz, d), R(sz, r), hex(v));
			}
		for (size_t i = 0; i < NQMEM; i++)
			CASE(x64_imul_rm(&B, sz, quirk_regs[i % NQUIRK], quirk_mems[i]),
				"imul %s, %s", R(sz, quirk_regs[i % NQUIRK]),
				M(sz, quirk_mems[i]));
	}
}

static void gen_shift(void)
{
	cur_group = "shift";
	static const char *const sh_names[8] = { "rol", "ror", "rcl", "rcr",
		"shl", "shr", "?", "sar" };
	static const uint8_t imms[] = { 0, 1, 2, 31, 63 };
	for (int op = 0; op < 8; op++) {
		if (op == 6)
			continue;
		for (int s = 0; s < 4; s++) {
			unsigned sz = sizes[s];
			for (int r = 0; r < 16; r++) {
				CASE(x64_shift_rcl(&B, op, sz, r), "%s %s, cl",
					sh_names[op], R(sz, r));
				for (size_t k = 0; k < sizeof imms; k++)
					CASE(x64_shift_ri(&B, op, sz, r, imms[k]), "%s %s, %u",
						sh_names[op], R(sz, r), imms[k]);
			}
		}
	}
	CASE(x64_shl_rcl(&B, 8, X64_R9), "shl r9, cl");
	CASE(x64_sar_ri(&B, 4, X64_RSI, 31), "sar esi, 31");
	CASE(x64_ror_ri(&B, 8, X64_R12, 7), "ror r12, 7");
}

static void gen_cond(void)
{
	cur_group = "cond";
	for (int cc = 0; cc < 16; cc++) {
		for (int r = 0; r < 16; r++)
			CASE(x64_setcc_r(&B, cc, r), "set%s %s", cc_names[cc], R(1, r));
		for (int s = 1; s < 4; s++) {
			unsigned sz = sizes[s];
			for (size_t i = 0; i < NQUIRK; i++)
				for (size_t j = 0; j < NQUIRK; j += 3)
					CASE(x64_cmovcc_rr(&B, cc, sz, quirk_regs[i], quirk_regs[j]),
						"cmov%s %s, %s", cc_names[cc], R(sz, quirk_regs[i]),
						R(sz, quirk_regs[j]));
			for (size_t i = 0; i < NQMEM; i += 2)
				CASE(x64_cmovcc_rm(&B, cc, sz, quirk_regs[i % NQUIRK],
					quirk_mems[i]), "cmov%s %s, %s", cc_names[cc],
					R(sz, quirk_regs[i % NQUIRK]), M(sz, quirk_mems[i]));
		}
	}
}

static void gen_bits(void)
{
	cur_group = "bits";
	for (int s = 1; s < 4; s++) {
		unsigned sz = sizes[s];
		for (size_t i = 0; i < NQUIRK; i++)
			for (size_t j = 0; j < NQUIRK; j++) {
				int d = quirk_regs[i], r = quirk_regs[j];
				CASE(x64_lzcnt_rr(&B, sz, d, r), "lzcnt %s, %s", R(sz, d), R(sz, r));
				CASE(x64_tzcnt_rr(&B, sz, d, r), "tzcnt %s, %s", R(sz, d), R(sz, r));
				CASE(x64_popcnt_rr(&B, sz, d, r), "popcnt %s, %s", R(sz, d), R(sz, r));
				CASE(x64_bsr_rr(&B, sz, d, r), "bsr %s, %s", R(sz, d), R(sz, r));
				CASE(x64_bsf_rr(&B, sz, d, r), "bsf %s, %s", R(sz, d), R(sz, r));
			}
		for (size_t i = 0; i < NQMEM; i++) {
			int d = quirk_regs[i % NQUIRK];
			x64_mem m = quirk_mems[i];
			CASE(x64_lzcnt_rm(&B, sz, d, m), "lzcnt %s, %s", R(sz, d), M(sz, m));
			CASE(x64_tzcnt_rm(&B, sz, d, m), "tzcnt %s, %s", R(sz, d), M(sz, m));
			CASE(x64_popcnt_rm(&B, sz, d, m), "popcnt %s, %s", R(sz, d), M(sz, m));
		}
	}
}

static void gen_bmi(void)
{
	cur_group = "bmi";
	for (int s = 2; s < 4; s++) {
		unsigned sz = sizes[s];
		for (size_t i = 0; i < NQUIRK; i++)
			for (size_t j = 0; j < NQUIRK; j++) {
				int d = quirk_regs[i], r = quirk_regs[j];
				int k = quirk_regs[(i + j) % NQUIRK];
				CASE(x64_rorx_rri(&B, sz, d, r, (uint8_t)(i * 7 + j)),
					"rorx %s, %s, %u", R(sz, d), R(sz, r), (unsigned)(i * 7 + j));
				CASE(x64_andn_rrr(&B, sz, d, k, r), "andn %s, %s, %s",
					R(sz, d), R(sz, k), R(sz, r));
			}
	}
}

/* An SSE form: name, prefix, opcode, the memory operand's size. */
static const struct sse_form {
	const char *name;
	int pfx;
	x64_sse op;
	unsigned msize;
} sse_forms[] = {
	{ "addss", X64_PFX_F3, X64_SSE_ADD, 4 },   { "addsd", X64_PFX_F2, X64_SSE_ADD, 8 },
	{ "subss", X64_PFX_F3, X64_SSE_SUB, 4 },   { "subsd", X64_PFX_F2, X64_SSE_SUB, 8 },
	{ "mulss", X64_PFX_F3, X64_SSE_MUL, 4 },   { "mulsd", X64_PFX_F2, X64_SSE_MUL, 8 },
	{ "divss", X64_PFX_F3, X64_SSE_DIV, 4 },   { "divsd", X64_PFX_F2, X64_SSE_DIV, 8 },
	{ "sqrtss", X64_PFX_F3, X64_SSE_SQRT, 4 }, { "sqrtsd", X64_PFX_F2, X64_SSE_SQRT, 8 },
	{ "minss", X64_PFX_F3, X64_SSE_MIN, 4 },   { "minsd", X64_PFX_F2, X64_SSE_MIN, 8 },
	{ "maxss", X64_PFX_F3, X64_SSE_MAX, 4 },   { "maxsd", X64_PFX_F2, X64_SSE_MAX, 8 },
	{ "ucomiss", X64_PFX_NONE, X64_SSE_UCOMI, 4 },
	{ "ucomisd", X64_PFX_66, X64_SSE_UCOMI, 8 },
	{ "cvtss2sd", X64_PFX_F3, X64_SSE_CVT2, 4 },
	{ "cvtsd2ss", X64_PFX_F2, X64_SSE_CVT2, 8 },
	{ "andps", X64_PFX_NONE, X64_SSE_AND, 16 }, { "andpd", X64_PFX_66, X64_SSE_AND, 16 },
	{ "andnps", X64_PFX_NONE, X64_SSE_ANDN, 16 }, { "andnpd", X64_PFX_66, X64_SSE_ANDN, 16 },
	{ "orps", X64_PFX_NONE, X64_SSE_OR, 16 },   { "orpd", X64_PFX_66, X64_SSE_OR, 16 },
	{ "xorps", X64_PFX_NONE, X64_SSE_XOR, 16 }, { "xorpd", X64_PFX_66, X64_SSE_XOR, 16 },
	{ "pxor", X64_PFX_66, X64_SSE_PXOR, 16 },
	{ "movaps", X64_PFX_NONE, X64_SSE_MOVAP, 16 },
	{ "movapd", X64_PFX_66, X64_SSE_MOVAP, 16 },
	/* packed (v128) */
	{ "addps", X64_PFX_NONE, X64_SSE_ADD, 16 },
	{ "addpd", X64_PFX_66, X64_SSE_ADD, 16 },
	{ "subps", X64_PFX_NONE, X64_SSE_SUB, 16 },
	{ "subpd", X64_PFX_66, X64_SSE_SUB, 16 },
	{ "mulps", X64_PFX_NONE, X64_SSE_MUL, 16 },
	{ "mulpd", X64_PFX_66, X64_SSE_MUL, 16 },
	{ "divps", X64_PFX_NONE, X64_SSE_DIV, 16 },
	{ "divpd", X64_PFX_66, X64_SSE_DIV, 16 },
	{ "sqrtps", X64_PFX_NONE, X64_SSE_SQRT, 16 },
	{ "sqrtpd", X64_PFX_66, X64_SSE_SQRT, 16 },
	{ "movdqu", X64_PFX_F3, X64_SSE_MOVDQU_RM, 16 },
	{ "pcmpgtb", X64_PFX_66, X64_SSE_PCMPGTB, 16 },
	{ "pcmpgtw", X64_PFX_66, X64_SSE_PCMPGTW, 16 },
	{ "pcmpgtd", X64_PFX_66, X64_SSE_PCMPGTD, 16 },
	{ "pcmpeqb", X64_PFX_66, X64_SSE_PCMPEQB, 16 },
	{ "pcmpeqw", X64_PFX_66, X64_SSE_PCMPEQW, 16 },
	{ "pcmpeqd", X64_PFX_66, X64_SSE_PCMPEQD, 16 },
	{ "psrlw", X64_PFX_66, X64_SSE_PSRLW, 16 },
	{ "psrld", X64_PFX_66, X64_SSE_PSRLD, 16 },
	{ "psrlq", X64_PFX_66, X64_SSE_PSRLQ, 16 },
	{ "paddq", X64_PFX_66, X64_SSE_PADDQ, 16 },
	{ "pmullw", X64_PFX_66, X64_SSE_PMULLW, 16 },
	{ "psubusb", X64_PFX_66, X64_SSE_PSUBUSB, 16 },
	{ "psubusw", X64_PFX_66, X64_SSE_PSUBUSW, 16 },
	{ "pminub", X64_PFX_66, X64_SSE_PMINUB, 16 },
	{ "pand", X64_PFX_66, X64_SSE_PAND, 16 },
	{ "paddusb", X64_PFX_66, X64_SSE_PADDUSB, 16 },
	{ "paddusw", X64_PFX_66, X64_SSE_PADDUSW, 16 },
	{ "pmaxub", X64_PFX_66, X64_SSE_PMAXUB, 16 },
	{ "pandn", X64_PFX_66, X64_SSE_PANDN, 16 },
	{ "pavgb", X64_PFX_66, X64_SSE_PAVGB, 16 },
	{ "psraw", X64_PFX_66, X64_SSE_PSRAW, 16 },
	{ "psrad", X64_PFX_66, X64_SSE_PSRAD, 16 },
	{ "pavgw", X64_PFX_66, X64_SSE_PAVGW, 16 },
	{ "psubsb", X64_PFX_66, X64_SSE_PSUBSB, 16 },
	{ "psubsw", X64_PFX_66, X64_SSE_PSUBSW, 16 },
	{ "pminsw", X64_PFX_66, X64_SSE_PMINSW, 16 },
	{ "por", X64_PFX_66, X64_SSE_POR, 16 },
	{ "paddsb", X64_PFX_66, X64_SSE_PADDSB, 16 },
	{ "paddsw", X64_PFX_66, X64_SSE_PADDSW, 16 },
	{ "pmaxsw", X64_PFX_66, X64_SSE_PMAXSW, 16 },
	{ "psllw", X64_PFX_66, X64_SSE_PSLLW, 16 },
	{ "pslld", X64_PFX_66, X64_SSE_PSLLD, 16 },
	{ "psllq", X64_PFX_66, X64_SSE_PSLLQ, 16 },
	{ "psubb", X64_PFX_66, X64_SSE_PSUBB, 16 },
	{ "psubw", X64_PFX_66, X64_SSE_PSUBW, 16 },
	{ "psubd", X64_PFX_66, X64_SSE_PSUBD, 16 },
	{ "psubq", X64_PFX_66, X64_SSE_PSUBQ, 16 },
	{ "paddb", X64_PFX_66, X64_SSE_PADDB, 16 },
	{ "paddw", X64_PFX_66, X64_SSE_PADDW, 16 },
	{ "paddd", X64_PFX_66, X64_SSE_PADDD, 16 },
	{ "pshufb", X64_PFX_66, X64_SSE_PSHUFB, 16 },
	{ "pabsb", X64_PFX_66, X64_SSE_PABSB, 16 },
	{ "pabsw", X64_PFX_66, X64_SSE_PABSW, 16 },
	{ "pabsd", X64_PFX_66, X64_SSE_PABSD, 16 },
	{ "pcmpeqq", X64_PFX_66, X64_SSE_PCMPEQQ, 16 },
	{ "pminsb", X64_PFX_66, X64_SSE_PMINSB, 16 },
	{ "pminsd", X64_PFX_66, X64_SSE_PMINSD, 16 },
	{ "pminuw", X64_PFX_66, X64_SSE_PMINUW, 16 },
	{ "pminud", X64_PFX_66, X64_SSE_PMINUD, 16 },
	{ "pmaxsb", X64_PFX_66, X64_SSE_PMAXSB, 16 },
	{ "pmaxsd", X64_PFX_66, X64_SSE_PMAXSD, 16 },
	{ "pmovsxbw", X64_PFX_66, X64_SSE_PMOVSXBW, 8 },
	{ "pmovsxwd", X64_PFX_66, X64_SSE_PMOVSXWD, 8 },
	{ "pmovsxdq", X64_PFX_66, X64_SSE_PMOVSXDQ, 8 },
	{ "pmovzxbw", X64_PFX_66, X64_SSE_PMOVZXBW, 8 },
	{ "pmovzxwd", X64_PFX_66, X64_SSE_PMOVZXWD, 8 },
	{ "pmovzxdq", X64_PFX_66, X64_SSE_PMOVZXDQ, 8 },
	{ "cvtps2pd", X64_PFX_NONE, X64_SSE_CVT2, 8 },
	{ "cvtpd2ps", X64_PFX_66, X64_SSE_CVT2, 16 },
	{ "cvtdq2ps", X64_PFX_NONE, X64_SSE_CVTDQ2PS, 16 },
	{ "cvttps2dq", X64_PFX_F3, X64_SSE_CVTTPS2DQ, 16 },
	{ "cvttpd2dq", X64_PFX_66, X64_SSE_CVTTPD2DQ, 16 },
	{ "cvtdq2pd", X64_PFX_F3, X64_SSE_CVTDQ2PD, 8 },
	{ "pmaxuw", X64_PFX_66, X64_SSE_PMAXUW, 16 },
	{ "packsswb", X64_PFX_66, X64_SSE_PACKSSWB, 16 },
	{ "packuswb", X64_PFX_66, X64_SSE_PACKUSWB, 16 },
	{ "packssdw", X64_PFX_66, X64_SSE_PACKSSDW, 16 },
	{ "packusdw", X64_PFX_66, X64_SSE_PACKUSDW, 16 },
	{ "pmulhrsw", X64_PFX_66, X64_SSE_PMULHRSW, 16 },
	{ "punpcklbw", X64_PFX_66, X64_SSE_PUNPCKLBW, 16 },
	{ "punpckhbw", X64_PFX_66, X64_SSE_PUNPCKHBW, 16 },
	{ "punpcklqdq", X64_PFX_66, X64_SSE_PUNPCKLQDQ, 16 },
	{ "pmuludq", X64_PFX_66, X64_SSE_PMULUDQ, 16 },
	{ "pmaddwd", X64_PFX_66, X64_SSE_PMADDWD, 16 },
	{ "pmaddubsw", X64_PFX_66, X64_SSE_PMADDUBSW, 16 },
	{ "ptest", X64_PFX_66, X64_SSE_PTEST, 16 },
	{ "pmuldq", X64_PFX_66, X64_SSE_PMULDQ, 16 },
	{ "pmaxud", X64_PFX_66, X64_SSE_PMAXUD, 16 },
	{ "pmulld", X64_PFX_66, X64_SSE_PMULLD, 16 },
};

/* The packed shifts with an immediate form (x64_sse_shift_xi): named by
 * their by-xmm-count opcode. */
static const struct sse_form shift_forms[] = {
	{ "psrlw", X64_PFX_66, X64_SSE_PSRLW, 16 },
	{ "psrld", X64_PFX_66, X64_SSE_PSRLD, 16 },
	{ "psrlq", X64_PFX_66, X64_SSE_PSRLQ, 16 },
	{ "psraw", X64_PFX_66, X64_SSE_PSRAW, 16 },
	{ "psrad", X64_PFX_66, X64_SSE_PSRAD, 16 },
	{ "psllw", X64_PFX_66, X64_SSE_PSLLW, 16 },
	{ "pslld", X64_PFX_66, X64_SSE_PSLLD, 16 },
	{ "psllq", X64_PFX_66, X64_SSE_PSLLQ, 16 },
};
static const uint8_t shift_imms[] = { 0, 1, 7, 15, 16, 31, 63, 64, 255 };
#define NSHIFT (sizeof shift_forms / sizeof shift_forms[0])
#define NSHIFT_IMM (sizeof shift_imms / sizeof shift_imms[0])

static void gen_sse(void)
{
	cur_group = "sse";
	static const int xq[] = { 0, 1, 4, 5, 7, 8, 12, 13, 15 };
	const size_t nxq = sizeof xq / sizeof xq[0];
	for (size_t f = 0; f < sizeof sse_forms / sizeof sse_forms[0]; f++) {
		const struct sse_form *F = &sse_forms[f];
		for (size_t i = 0; i < nxq; i++)
			for (size_t j = 0; j < nxq; j++)
				CASE(x64_sse_xx(&B, F->pfx, F->op, xq[i], xq[j]), "%s %s, %s",
					F->name, X(xq[i]), X(xq[j]));
		for (size_t i = 0; i < NQMEM; i++)
			CASE(x64_sse_xm(&B, F->pfx, F->op, xq[i % nxq], quirk_mems[i]),
				"%s %s, %s", F->name, X(xq[i % nxq]), M(F->msize, quirk_mems[i]));
	}
	/* the named wrappers */
	CASE(x64_addsd_xx(&B, X64_XMM1, X64_XMM9), "addsd xmm1, xmm9");
	CASE(x64_sqrtss_xm(&B, X64_XMM8, x64_mem_b(X64_R13, 0)),
		"sqrtss xmm8, DWORD PTR [r13]");
	CASE(x64_xorps_xx(&B, X64_XMM15, X64_XMM15), "xorps xmm15, xmm15");
	CASE(x64_ucomisd_xx(&B, X64_XMM0, X64_XMM12), "ucomisd xmm0, xmm12");

	for (int i = 0; i < 16; i++)
		for (size_t j = 0; j < nxq; j++) {
			CASE(x64_movss_xx(&B, i, xq[j]), "movss %s, %s", X(i), X(xq[j]));
			CASE(x64_movsd_xx(&B, i, xq[j]), "movsd %s, %s", X(i), X(xq[j]));
		}
	for (size_t i = 0; i < NQMEM; i++) {
		x64_mem m = quirk_mems[i];
		int x = xq[(i + 2) % nxq];
		CASE(x64_movss_xm(&B, x, m), "movss %s, %s", X(x), M(4, m));
		CASE(x64_movsd_xm(&B, x, m), "movsd %s, %s", X(x), M(8, m));
		CASE(x64_movss_mx(&B, m, x), "movss %s, %s", M(4, m), X(x));
		CASE(x64_movsd_mx(&B, m, x), "movsd %s, %s", M(8, m), X(x));
		CASE(x64_cvtsi2ss_xm(&B, 4, x, m), "cvtsi2ss %s, %s", X(x), M(4, m));
		CASE(x64_cvtsi2ss_xm(&B, 8, x, m), "cvtsi2ss %s, %s", X(x), M(8, m));
		CASE(x64_cvtsi2sd_xm(&B, 4, x, m), "cvtsi2sd %s, %s", X(x), M(4, m));
		CASE(x64_cvtsi2sd_xm(&B, 8, x, m), "cvtsi2sd %s, %s", X(x), M(8, m));
	}
	for (int x = 0; x < 16; x++)
		for (int r = 0; r < 16; r++) {
			CASE(x64_movd_xr(&B, 4, x, r), "movd %s, %s", X(x), R(4, r));
			CASE(x64_movd_xr(&B, 8, x, r), "movq %s, %s", X(x), R(8, r));
			CASE(x64_movd_rx(&B, 4, r, x), "movd %s, %s", R(4, r), X(x));
			CASE(x64_movd_rx(&B, 8, r, x), "movq %s, %s", R(8, r), X(x));
		}
	for (size_t i = 0; i < nxq; i++)
		for (size_t j = 0; j < NQUIRK; j++) {
			int x = xq[i], r = quirk_regs[j];
			for (unsigned sz = 4; sz <= 8; sz += 4) {
				CASE(x64_cvtsi2ss_xr(&B, sz, x, r), "cvtsi2ss %s, %s", X(x), R(sz, r));
				CASE(x64_cvtsi2sd_xr(&B, sz, x, r), "cvtsi2sd %s, %s", X(x), R(sz, r));
				CASE(x64_cvttss2si_rx(&B, sz, r, x), "cvttss2si %s, %s", R(sz, r), X(x));
				CASE(x64_cvttsd2si_rx(&B, sz, r, x), "cvttsd2si %s, %s", R(sz, r), X(x));
			}
		}
	for (int r = 0; r < 16; r++)
		for (size_t j = 0; j < nxq; j++) {
			CASE(x64_movmsk_rx(&B, X64_PFX_NONE, X64_SSE_MOVMSKP, r, xq[j]),
				"movmskps %s, %s", R(4, r), X(xq[j]));
			CASE(x64_movmsk_rx(&B, X64_PFX_66, X64_SSE_MOVMSKP, r, xq[j]),
				"movmskpd %s, %s", R(4, r), X(xq[j]));
			CASE(x64_movmsk_rx(&B, X64_PFX_66, X64_SSE_PMOVMSKB, r, xq[j]),
				"pmovmskb %s, %s", R(4, r), X(xq[j]));
		}
	/* the lane moves: every size, GPRs and memory, lanes 0 and the last */
	static const char *const lane_sfx = "bwdq";
	for (unsigned sz = 1, si = 0; sz <= 8; sz *= 2, si++) {
		uint8_t last = (uint8_t)(16 / sz - 1);
		unsigned rsz = sz == 8 ? 8 : 4;
		for (size_t i = 0; i < NQUIRK; i++)
			for (size_t j = 0; j < nxq; j++) {
				int r = quirk_regs[i], x = xq[j];
				uint8_t l = (i + j) % 2 ? last : 0;
				CASE(x64_pextr_rxi(&B, sz, r, x, l), "pextr%c %s, %s, %u",
					lane_sfx[si], R(rsz, r), X(x), l);
				CASE(x64_pinsr_xri(&B, sz, x, r, l), "pinsr%c %s, %s, %u",
					lane_sfx[si], X(x), R(rsz, r), l);
			}
		for (size_t i = 0; i < NQMEM; i++) {
			x64_mem m = quirk_mems[i];
			int x = xq[(i + 5) % nxq];
			uint8_t l = i % 2 ? last : 0;
			CASE(x64_pextr_mxi(&B, sz, m, x, l), "pextr%c %s, %s, %u",
				lane_sfx[si], M(sz, m), X(x), l);
			CASE(x64_pinsr_xmi(&B, sz, x, m, l), "pinsr%c %s, %s, %u",
				lane_sfx[si], X(x), M(sz, m), l);
		}
	}
	for (size_t i = 0; i < NQMEM; i++) {
		x64_mem m = quirk_mems[i];
		int x = xq[(i + 3) % nxq];
		CASE(x64_movdqu_xm(&B, x, m), "movdqu %s, %s", X(x), M(16, m));
		CASE(x64_movdqu_mx(&B, m, x), "movdqu %s, %s", M(16, m), X(x));
	}
	for (size_t i = 0; i < nxq; i++)
		for (size_t j = 0; j < nxq; j++)
			for (uint8_t k = 0; k < 8; k++) {
				CASE(x64_sse_xxi(&B, X64_PFX_NONE, X64_SSE_CMPP, xq[i], xq[j], k),
					"cmpps %s, %s, %u", X(xq[i]), X(xq[j]), k);
				CASE(x64_sse_xxi(&B, X64_PFX_66, X64_SSE_CMPP, xq[i], xq[j], k),
					"cmppd %s, %s, %u", X(xq[i]), X(xq[j]), k);
				CASE(x64_sse_xxi(&B, X64_PFX_66, X64_SSE_ROUNDPS, xq[i], xq[j], k + 8),
					"roundps %s, %s, %u", X(xq[i]), X(xq[j]), k + 8);
				CASE(x64_sse_xxi(&B, X64_PFX_66, X64_SSE_ROUNDPD, xq[i], xq[j], k),
					"roundpd %s, %s, %u", X(xq[i]), X(xq[j]), k);
				CASE(x64_sse_xxi(&B, X64_PFX_66, X64_SSE_PSHUFD, xq[i], xq[j], k * 31),
					"pshufd %s, %s, %u", X(xq[i]), X(xq[j]), k * 31);
			}
	for (size_t i = 0; i < nxq; i++)
		for (size_t j = 0; j < nxq; j++)
			for (uint8_t mode = 0; mode < 12; mode += 3) {
				CASE(x64_roundss_xx(&B, xq[i], xq[j], mode), "roundss %s, %s, %u",
					X(xq[i]), X(xq[j]), mode);
				CASE(x64_roundsd_xx(&B, xq[i], xq[j], mode), "roundsd %s, %s, %u",
					X(xq[i]), X(xq[j]), mode);
			}
	/* the immediate shifts: every register (REX.B), the counts around
	 * each lane width */
	for (size_t f = 0; f < NSHIFT; f++)
		for (int x = 0; x < 16; x++)
			for (size_t k = 0; k < NSHIFT_IMM; k++)
				CASE(x64_sse_shift_xi(&B, shift_forms[f].op, x, shift_imms[k]),
					"%s %s, %u", shift_forms[f].name, X(x), shift_imms[k]);
}

/* Whether packed op name has no first source in its VEX form (vvvv
 * 1111b: x64_vex_xx). */
static bool vex_unary(const char *name)
{
	static const char *const pre[] = { "pmov", "pabs", "sqrt", "cvt", "ptest" };
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		if (strncmp(name, pre[i], strlen(pre[i])) == 0)
			return true;
	return false;
}

/* The VEX.128 forms of every packed op of sse_forms but the moves (from
 * "addps" on: those of jit_simd.c's AVX code and more), register operands
 * in each field: "vOP d, a, b", or "vOP d, a" for the ops without a first
 * source; the imm8 forms (vcmpps/pd, vpshufd, vroundps/pd, vpblendw). */
static void gen_vex_packed(const int *xq, size_t nxq)
{
	size_t first = 0;
	while (strcmp(sse_forms[first].name, "addps") != 0)
		first++;
	for (size_t f = first; f < sizeof sse_forms / sizeof sse_forms[0]; f++) {
		const struct sse_form *F = &sse_forms[f];
		if (strncmp(F->name, "mov", 3) == 0)
			continue;       /* no VEX moves (as picks 7F for vmovdqu xmm, xmm8) */
		for (size_t i = 0; i < nxq; i++)
			for (size_t j = 0; j < nxq; j++) {
				if (vex_unary(F->name)) {
					CASE(x64_vex_xx(&B, F->pfx, F->op, xq[i], xq[j]),
						"v%s %s, %s", F->name, X(xq[i]), X(xq[j]));
					continue;
				}
				for (size_t k = 0; k < nxq; k += 2)
					CASE(x64_vex_xxx(&B, F->pfx, F->op, xq[i], xq[j],
						xq[(k + i) % nxq]), "v%s %s, %s, %s", F->name,
						X(xq[i]), X(xq[j]), X(xq[(k + i) % nxq]));
			}
	}
	for (size_t i = 0; i < nxq; i++)
		for (size_t j = 0; j < nxq; j++)
			for (uint8_t k = 0; k < 8; k += 3) {
				int x = xq[(i + j + k) % nxq];
				CASE(x64_vex_xxxi(&B, X64_PFX_NONE, X64_SSE_CMPP, xq[i], xq[j], x, k),
					"vcmpps %s, %s, %s, %u", X(xq[i]), X(xq[j]), X(x), k);
				CASE(x64_vex_xxxi(&B, X64_PFX_66, X64_SSE_CMPP, xq[i], xq[j], x, k),
					"vcmppd %s, %s, %s, %u", X(xq[i]), X(xq[j]), X(x), k);
				CASE(x64_vex_xxi(&B, X64_PFX_66, X64_SSE_ROUNDPS, xq[i], xq[j], k + 8),
					"vroundps %s, %s, %u", X(xq[i]), X(xq[j]), k + 8);
				CASE(x64_vex_xxi(&B, X64_PFX_66, X64_SSE_ROUNDPD, xq[i], xq[j], k),
					"vroundpd %s, %s, %u", X(xq[i]), X(xq[j]), k);
				CASE(x64_vex_xxi(&B, X64_PFX_66, X64_SSE_PSHUFD, xq[i], xq[j], k * 31),
					"vpshufd %s, %s, %u", X(xq[i]), X(xq[j]), k * 31);
				CASE(x64_vex_xxxi(&B, X64_PFX_66, X64_SSE_PBLENDW, xq[i], xq[j], x,
					(uint8_t)(k * 37 + 15)), "vpblendw %s, %s, %s, %u", X(xq[i]),
					X(xq[j]), X(x), k * 37 + 15);
			}
	/* vOP dst, src, imm8: dst in vvvv, src in r/m (REX.B: the three-byte
	 * form), every pair of registers */
	for (size_t f = 0; f < NSHIFT; f++)
		for (int i = 0; i < 16; i++)
			for (int j = 0; j < 16; j++) {
				uint8_t k = shift_imms[(size_t)(i + j) % NSHIFT_IMM];
				CASE(x64_vex_shift_xxi(&B, shift_forms[f].op, i, j, k),
					"v%s %s, %s, %u", shift_forms[f].name, X(i), X(j), k);
			}
}

/* The AVX three-operand forms (x64_vex_xxx/xxm): the scalar arithmetic
 * tier 2 selects, the packed logic ops of its constant masks, and a few
 * of the 0F 38 / 0F 3A maps (the three-byte prefix) for the SIMD code
 * that may reuse them; every register in each field (R, vvvv, B) and the
 * memory quirks (X, B in the three-byte form). */
static void gen_vex(void)
{
	cur_group = "vex";
	static const struct sse_form vex_forms[] = {
		{ "vaddss", X64_PFX_F3, X64_SSE_ADD, 4 }, { "vaddsd", X64_PFX_F2, X64_SSE_ADD, 8 },
		{ "vsubss", X64_PFX_F3, X64_SSE_SUB, 4 }, { "vsubsd", X64_PFX_F2, X64_SSE_SUB, 8 },
		{ "vmulss", X64_PFX_F3, X64_SSE_MUL, 4 }, { "vmulsd", X64_PFX_F2, X64_SSE_MUL, 8 },
		{ "vdivss", X64_PFX_F3, X64_SSE_DIV, 4 }, { "vdivsd", X64_PFX_F2, X64_SSE_DIV, 8 },
		{ "vandps", X64_PFX_NONE, X64_SSE_AND, 16 },
		{ "vandpd", X64_PFX_66, X64_SSE_AND, 16 },
		{ "vxorps", X64_PFX_NONE, X64_SSE_XOR, 16 },
		{ "vxorpd", X64_PFX_66, X64_SSE_XOR, 16 },
		{ "vorpd", X64_PFX_66, X64_SSE_OR, 16 },
		{ "vpaddd", X64_PFX_66, X64_SSE_PADDD, 16 },
		{ "vpshufb", X64_PFX_66, X64_SSE_PSHUFB, 16 },
		{ "vpmulld", X64_PFX_66, X64_SSE_PMULLD, 16 },
	};
	static const int xq[] = { 0, 1, 7, 8, 9, 15 };
	const size_t nxq = sizeof xq / sizeof xq[0];
	for (size_t f = 0; f < sizeof vex_forms / sizeof vex_forms[0]; f++) {
		const struct sse_form *F = &vex_forms[f];
		for (size_t i = 0; i < nxq; i++)
			for (size_t j = 0; j < nxq; j++)
				for (size_t k = 0; k < nxq; k += 2)
					CASE(x64_vex_xxx(&B, F->pfx, F->op, xq[i], xq[j], xq[(k + i) % nxq]),
						"%s %s, %s, %s", F->name, X(xq[i]), X(xq[j]),
						X(xq[(k + i) % nxq]));
		for (size_t i = 0; i < NQMEM; i++)
			CASE(x64_vex_xxm(&B, F->pfx, F->op, xq[i % nxq], xq[(i + 3) % nxq],
				quirk_mems[i]), "%s %s, %s, %s", F->name, X(xq[i % nxq]),
				X(xq[(i + 3) % nxq]), M(F->msize, quirk_mems[i]));
	}
	/* vpinsrb/w/d/q: every size, GPRs (REX.B in the three-byte form) and
	 * the memory quirks, lanes 0 and the last */
	static const char *const lane_sfx = "bwdq";
	for (unsigned sz = 1, si = 0; sz <= 8; sz *= 2, si++) {
		uint8_t last = (uint8_t)(16 / sz - 1);
		unsigned rsz = sz == 8 ? 8 : 4;
		for (size_t i = 0; i < nxq; i++)
			for (size_t j = 0; j < NQUIRK; j++) {
				int x = xq[i], y = xq[(i + j) % nxq], r = quirk_regs[j];
				uint8_t l = j % 2 ? last : 0;
				CASE(x64_vex_pinsr_xxri(&B, sz, x, y, r, l), "vpinsr%c %s, %s, %s, %u",
					lane_sfx[si], X(x), X(y), R(rsz, r), l);
			}
		for (size_t i = 0; i < NQMEM; i++) {
			int x = xq[i % nxq], y = xq[(i + 3) % nxq];
			uint8_t l = i % 2 ? last : 0;
			CASE(x64_vex_pinsr_xxmi(&B, sz, x, y, quirk_mems[i], l),
				"vpinsr%c %s, %s, %s, %u", lane_sfx[si], X(x), X(y),
				M(sz, quirk_mems[i]), l);
		}
	}
	gen_vex_packed(xq, nxq);
}

static void gen_flow(void)
{
	cur_group = "flow";
	for (int r = 0; r < 16; r++) {
		CASE(x64_push_r(&B, r), "push %s", R(8, r));
		CASE(x64_pop_r(&B, r), "pop %s", R(8, r));
		CASE(x64_call_r(&B, r), "call %s", R(8, r));
		CASE(x64_jmp_r(&B, r), "jmp %s", R(8, r));
		CASE(x64_call_abs(&B, r, (void *)(uintptr_t)0x123456789a),
			"movabs %s, 0x123456789a; call %s", R(8, r), R(8, r));
	}
	for (size_t i = 0; i < NQMEM; i++) {
		x64_mem m = quirk_mems[i];
		CASE(x64_call_m(&B, m), "call %s", M(8, m));
		CASE(x64_jmp_m(&B, m), "jmp %s", M(8, m));
		CASE(x64_push_m(&B, m), "push %s", M(8, m));
	}
	static const int32_t pimms[] = { 0, -1, 127, -128, 128, 0x12345678, -0x1000 };
	for (size_t k = 0; k < sizeof pimms / sizeof pimms[0]; k++)
		CASE(x64_push_i(&B, pimms[k]), "push %s", hex(pimms[k]));
	CASE(x64_ret(&B), "ret");
	CASE(x64_ud2(&B), "ud2");
	CASE(x64_int3(&B), "int3");
	CASE(x64_nop(&B), "nop");

	/* rel32 to absolute targets, relative to the buffer's run-time origin */
	B.origin = 0x400000;
	CASE(x64_call_rel(&B, (void *)(uintptr_t)0x401000), "call .+0x1000");
	CASE(x64_call_rel(&B, (void *)(uintptr_t)0x3ff000), "call .-0x1000");
	CASE(x64_jmp_rel(&B, (void *)(uintptr_t)0x400005), "{disp32} jmp .+0x5");
	B.origin = 0;

	/* The SDM's nop sequences, written as the instructions they are. */
	static const char *const nops[9] = {
		"nop", "xchg ax, ax", "nop DWORD PTR [rax]",
		"{disp8} nop DWORD PTR [rax+0x0]",
		"{disp8} nop DWORD PTR [rax+rax*1+0x0]",
		"{disp8} nop WORD PTR [rax+rax*1+0x0]",
		"{disp32} nop DWORD PTR [rax+0x0]",
		"{disp32} nop DWORD PTR [rax+rax*1+0x0]",
		"{disp32} nop WORD PTR [rax+rax*1+0x0]",
	};
	for (int n = 1; n <= 9; n++)
		CASE(x64_nops(&B, (size_t)n), "%s", nops[n - 1]);
	CASE(x64_nops(&B, 20), "%s; %s; %s", nops[8], nops[8], nops[1]);
	CASE((x64_nop(&B), x64_align(&B, 16)), "nop; %s; %s", nops[8], nops[5]);
	CASE(x64_align(&B, 16), "# aligned already");
}

/* Jumps and labels: every condition code, backward (short and near, at
 * the rel8 boundary), forward (near by default, _short on request), several
 * uses of one label, call and lea to labels. */
static void gen_labels(void)
{
	cur_group = "labels";
	x64_label l;
	for (int cc = 0; cc < 16; cc++) {
		l = x64_label_new();
		x64_label_bind(&B, &l);
		x64_nop(&B);
		x64_jcc(&B, cc, &l);
		emitted("1: nop; j%s 1b", cc_names[cc]);

		l = x64_label_new();
		x64_label_bind(&B, &l);
		x64_nops(&B, 200);
		x64_jcc(&B, cc, &l);
		emitted("1: .rept 22; %s; .endr; %s; j%s 1b",
			"{disp32} nop WORD PTR [rax+rax*1+0x0]", "xchg ax, ax",
			cc_names[cc]);

		l = x64_label_new();
		x64_jcc(&B, cc, &l);
		x64_nop(&B);
		x64_label_bind(&B, &l);
		emitted("{disp32} j%s 1f; nop; 1:", cc_names[cc]);

		l = x64_label_new();
		x64_jcc_short(&B, cc, &l);
		x64_nops(&B, 3);
		x64_label_bind(&B, &l);
		emitted("j%s 1f; nop DWORD PTR [rax]; 1:", cc_names[cc]);
	}
	/* the rel8 boundary: -128 is short, -129 is near */
	for (int n = 125; n <= 128; n++) {
		l = x64_label_new();
		x64_label_bind(&B, &l);
		for (int i = 0; i < n; i++)
			x64_nop(&B);
		x64_jmp(&B, &l);
		emitted("1: .fill %d, 1, 0x90; jmp 1b", n);

		l = x64_label_new();
		x64_label_bind(&B, &l);
		for (int i = 0; i < n; i++)
			x64_nop(&B);
		x64_jcc(&B, X64_CC_E, &l);
		emitted("1: .fill %d, 1, 0x90; je 1b", n);
	}
	/* forward short jumps reaching exactly 127 bytes */
	l = x64_label_new();
	x64_jmp_short(&B, &l);
	for (int i = 0; i < 127; i++)
		x64_nop(&B);
	x64_label_bind(&B, &l);
	emitted("jmp 1f; .fill 127, 1, 0x90; 1:");

	/* many uses of one label, short and near mixed, then one after */
	l = x64_label_new();
	x64_jcc_short(&B, X64_CC_NE, &l);
	x64_jmp(&B, &l);
	x64_jmp_short(&B, &l);
	x64_jcc(&B, X64_CC_L, &l);
	x64_call_label(&B, &l);
	x64_lea_label(&B, X64_R9, &l);
	x64_jcc_short(&B, X64_CC_B, &l);
	x64_nop(&B);
	x64_label_bind(&B, &l);
	x64_jmp(&B, &l);
	x64_call_label(&B, &l);
	x64_lea_label(&B, X64_RAX, &l);
	emitted("jne .Lm; {disp32} jmp .Lm; jmp .Lm; {disp32} jl .Lm; "
		"call .Lm; lea r9, [rip+.Lm]; jb .Lm; nop; .Lm: jmp .Lm; "
		"call .Lm; lea rax, [rip+.Lm]");

	/* rip-relative data operands through x64_rip_label (constant pools):
	 * uses before and after the bind, SSE and VEX forms */
	l = x64_label_new();
	x64_movsd_xm(&B, X64_XMM3, x64_mem_rip(0));
	x64_rip_label(&B, &l);
	x64_andpd_xm(&B, X64_XMM9, x64_mem_rip(0));
	x64_rip_label(&B, &l);
	x64_vex_xxm(&B, X64_PFX_66, X64_SSE_XOR, X64_XMM1, X64_XMM12, x64_mem_rip(0));
	x64_rip_label(&B, &l);
	x64_int3(&B);
	x64_label_bind(&B, &l);
	x64_movss_xm(&B, X64_XMM10, x64_mem_rip(0));
	x64_rip_label(&B, &l);
	x64_vex_xxm(&B, X64_PFX_F2, X64_SSE_MUL, X64_XMM8, X64_XMM2, x64_mem_rip(0));
	x64_rip_label(&B, &l);
	emitted("movsd xmm3, QWORD PTR [rip+.Lp]; andpd xmm9, XMMWORD PTR [rip+.Lp]; "
		"vxorpd xmm1, xmm12, XMMWORD PTR [rip+.Lp]; int3; .Lp: "
		"movss xmm10, DWORD PTR [rip+.Lp]; vmulsd xmm8, xmm2, QWORD PTR [rip+.Lp]");

	/* jump-table words, to labels before and after */
	x64_label t1 = x64_label_new(), t2 = x64_label_new();
	x64_label_bind(&B, &t1);
	x64_nop(&B);
	x64_label_rel32(&B, &t1);
	x64_label_rel32(&B, &t2);
	x64_label_rel32(&B, &t2);
	x64_int3(&B);
	x64_label_bind(&B, &t2);
	emitted(".Lt1: nop; .long .Lt1 - . - 4; .long .Lt2 - . - 4; "
		".long .Lt2 - . - 4; int3; .Lt2:");

	/* a loop with a forward exit and a backward edge */
	x64_label top = x64_label_new(), out = x64_label_new();
	x64_label_bind(&B, &top);
	x64_test_rr(&B, 8, X64_RDI, X64_RDI);
	x64_jcc(&B, X64_CC_E, &out);
	x64_sub_ri(&B, 8, X64_RDI, 1);
	x64_jmp(&B, &top);
	x64_label_bind(&B, &out);
	x64_ret(&B);
	emitted("2: test rdi, rdi; {disp32} je 3f; sub rdi, 1; jmp 2b; 3: ret");
}

/* ---- assembling the cases with GNU as ------------------------------------- */

static const char *tool(const char *env, const char *dflt)
{
	const char *t = getenv(env);
	return t && *t ? t : dflt;
}

static bool read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t cap = 1 << 16, n = 0;
	uint8_t *p = malloc(cap);
	size_t k;
	while (p && (k = fread(p + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap);
		}
	}
	fclose(f);
	*data = p;
	*len = n;
	return p != NULL;
}

/* Writes every case to a .s file (case i behind symbol case_i), runs as,
 * objcopy and nm, and points each case's as_bytes into the .text image. */
static void assemble_cases(void)
{
	char dir[] = "/tmp/check_x64_asm.XXXXXX";
	if (!mkdtemp(dir)) {
		snprintf(as_fail, sizeof as_fail, "mkdtemp failed");
		return;
	}
	char path[256], cmd[1024];
	snprintf(path, sizeof path, "%s/cases.s", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, ".intel_syntax noprefix\n.text\n");
	for (size_t i = 0; i < ncases; i++)
		fprintf(f, "case_%zu:\n%s\n", i, cases[i].text);
	fprintf(f, "case_%zu:\n", ncases);
	fclose(f);

	snprintf(cmd, sizeof cmd,
		"cd %s && %s --64 -o cases.o cases.s 2>as.log && "
		"%s -O binary -j .text cases.o cases.bin && %s cases.o >cases.sym",
		dir, tool("X64_AS", "as"), tool("X64_OBJCOPY", "objcopy"),
		tool("X64_NM", "nm"));
	if (system(cmd) != 0) {
		snprintf(as_fail, sizeof as_fail,
			"as, objcopy or nm failed (see %s/as.log)", dir);
		return;
	}

	size_t *off = calloc(ncases + 1, sizeof *off);
	bool *seen = calloc(ncases + 1, sizeof *seen);
	snprintf(path, sizeof path, "%s/cases.sym", dir);
	f = fopen(path, "r");
	char line[256];
	while (f && fgets(line, sizeof line, f)) {
		unsigned long long addr;
		char type;
		size_t i;
		if (sscanf(line, "%llx %c case_%zu", &addr, &type, &i) == 3 &&
		    i <= ncases) {
			off[i] = (size_t)addr;
			seen[i] = true;
		}
	}
	if (f)
		fclose(f);
	size_t bin_len = 0;
	snprintf(path, sizeof path, "%s/cases.bin", dir);
	if (!read_file(path, &as_bin, &bin_len)) {
		snprintf(as_fail, sizeof as_fail, "cannot read %s", path);
		return;
	}
	for (size_t i = 0; i < ncases; i++) {
		if (!seen[i] || !seen[i + 1] || off[i + 1] < off[i] ||
		    off[i + 1] > bin_len) {
			snprintf(as_fail, sizeof as_fail, "no symbol for case %zu", i);
			return;
		}
		cases[i].as_bytes = as_bin + off[i];
		cases[i].as_len = off[i + 1] - off[i];
	}
	free(off);
	free(seen);
	as_ok = true;
	if (getenv("X64_ASM_KEEP"))
		fprintf(stderr, "check_x64_asm: files kept in %s\n", dir);
	else {
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "check_x64_asm: could not remove %s\n", dir);
	}
}

/* Runs once in the parent, before the forked golden tests. */
static void golden_setup(void)
{
	x64_buf_init(&B, 256);
	gen_mov();
	gen_alu();
	gen_shift();
	gen_cond();
	gen_bits();
	gen_bmi();
	gen_sse();
	gen_vex();
	gen_flow();
	gen_labels();
	assemble_cases();
}

static void print_bytes(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && i < 40; i++)
		fprintf(f, " %02x", p[i]);
	if (n > 40)
		fprintf(f, " ...");
}

/* Compares every case of one group; reports up to 20 mismatches. */
static void check_group(const char *group)
{
	ck_assert_msg(as_ok, "GNU as reference unavailable: %s", as_fail);
	size_t n = 0, bad = 0;
	for (size_t i = 0; i < ncases; i++) {
		gcase *c = &cases[i];
		if (strcmp(c->group, group) != 0)
			continue;
		n++;
		if (c->err == X64_OK && c->len == c->as_len &&
		    memcmp(c->bytes, c->as_bytes, c->len) == 0)
			continue;
		if (bad++ < 20) {
			fprintf(stderr, "%s: \"%s\"\n  as: ", group, c->text);
			print_bytes(stderr, c->as_bytes, c->as_len);
			fprintf(stderr, "\n  us:");
			print_bytes(stderr, c->bytes, c->len);
			fprintf(stderr, "%s%s\n", c->err ? "  error: " : "",
				c->err ? x64_err_name(c->err) : "");
		}
	}
	fprintf(stderr, "golden %-7s %6zu cases, %zu mismatches\n", group, n, bad);
	ck_assert_uint_gt(n, 0);
	ck_assert_msg(bad == 0, "%zu of %zu %s cases differ from GNU as",
		bad, n, group);
}

START_TEST(golden_mov)    { check_group("mov"); }    END_TEST
START_TEST(golden_alu)    { check_group("alu"); }    END_TEST
START_TEST(golden_shift)  { check_group("shift"); }  END_TEST
START_TEST(golden_cond)
{
	check_group("cond");
	ck_assert_int_eq(X64_CC_INVERT(X64_CC_E), X64_CC_NE);
	ck_assert_int_eq(X64_CC_INVERT(X64_CC_L), X64_CC_GE);
	ck_assert_int_eq(X64_CC_INVERT(X64_CC_A), X64_CC_BE);
	ck_assert_int_eq(X64_CC_INVERT(X64_CC_P), X64_CC_NP);
	for (int cc = 0; cc < 16; cc++)
		ck_assert_int_eq(X64_CC_INVERT(X64_CC_INVERT(cc)), cc);
}
END_TEST
START_TEST(golden_bits)   { check_group("bits"); }   END_TEST
START_TEST(golden_bmi)    { check_group("bmi"); }    END_TEST
START_TEST(golden_sse)    { check_group("sse"); }    END_TEST
START_TEST(golden_vex)    { check_group("vex"); }    END_TEST
START_TEST(golden_flow)   { check_group("flow"); }   END_TEST
START_TEST(golden_labels) { check_group("labels"); } END_TEST

/* ---- core: run emitted code -------------------------------------------- */

/* Maps b's code W^X and returns its address (kept in *m for freeing). */
static void *install(x64_buf *b, jit_mem *m)
{
	ck_assert_int_eq(x64_buf_err(b), X64_OK);
	ck_assert(jit_mem_install(m, b->code, b->len));
	ck_assert(m->sealed);
	return m->base;
}

typedef int64_t (*fn_ll)(int64_t, int64_t);
typedef double (*fn_dd)(double, double);

START_TEST(run_add_and_loop)
{
	x64_buf b;
	jit_mem m1, m2;
	x64_buf_init(&b, 0);
	/* add(a, b) */
	x64_mov_rr(&b, 8, X64_RAX, X64_RDI);
	x64_add_rr(&b, 8, X64_RAX, X64_RSI);
	x64_ret(&b);
	fn_ll add = (fn_ll)install(&b, &m1);
	ck_assert_int_eq(add(40, 2), 42);
	ck_assert_int_eq(add(-5, INT64_MIN + 5), INT64_MIN);

	/* sum(n) = 1 + 2 + ... + n, with a forward exit and a back edge */
	x64_buf_reset(&b);
	x64_label top = x64_label_new(), done = x64_label_new();
	x64_xor_rr(&b, 4, X64_RAX, X64_RAX);
	x64_test_rr(&b, 8, X64_RDI, X64_RDI);
	x64_jcc_short(&b, X64_CC_LE, &done);
	x64_label_bind(&b, &top);
	x64_add_rr(&b, 8, X64_RAX, X64_RDI);
	x64_sub_ri(&b, 8, X64_RDI, 1);
	x64_jcc(&b, X64_CC_NE, &top);
	x64_label_bind(&b, &done);
	x64_ret(&b);
	fn_ll sum = (fn_ll)install(&b, &m2);
	ck_assert_int_eq(sum(100, 0), 5050);
	ck_assert_int_eq(sum(0, 0), 0);
	ck_assert_int_eq(sum(-3, 0), 0);
	ck_assert_int_eq(sum(100000, 0), 5000050000);
	jit_mem_free(&m1);
	jit_mem_free(&m2);
	x64_buf_free(&b);
}
END_TEST

START_TEST(run_div_setcc_extend)
{
	x64_buf b;
	jit_mem m1, m2;
	x64_buf_init(&b, 0);
	/* a / b, signed */
	x64_mov_rr(&b, 8, X64_RAX, X64_RDI);
	x64_cqo(&b);
	x64_idiv_r(&b, 8, X64_RSI);
	x64_ret(&b);
	fn_ll sdiv = (fn_ll)install(&b, &m1);
	ck_assert_int_eq(sdiv(-7, 2), -3);
	ck_assert_int_eq(sdiv(1000000000000, 7), 142857142857);

	/* (a < b) signed, through setl + movzx */
	x64_buf_reset(&b);
	x64_cmp_rr(&b, 8, X64_RDI, X64_RSI);
	x64_setcc_r(&b, X64_CC_L, X64_RSI);    /* sil: needs the empty REX */
	x64_movzx_rr(&b, 4, 1, X64_RAX, X64_RSI);
	x64_ret(&b);
	fn_ll lt = (fn_ll)install(&b, &m2);
	ck_assert_int_eq(lt(-1, 0), 1);
	ck_assert_int_eq(lt(5, 5), 0);
	ck_assert_int_eq(lt(INT64_MIN, INT64_MAX), 1);

	jit_mem_free(&m1);
	jit_mem_free(&m2);
	x64_buf_free(&b);
}
END_TEST

/* br_table's shape: f(i) = 10*i+1 for i < 3, else 99, through a table of
 * rel32 words read with movsxd. */
START_TEST(run_jump_table)
{
	x64_buf b;
	jit_mem m;
	x64_buf_init(&b, 0);
	x64_label table = x64_label_new(), dflt = x64_label_new();
	x64_label arm[3] = { x64_label_new(), x64_label_new(), x64_label_new() };
	x64_cmp_ri(&b, 8, X64_RDI, 3);
	x64_jcc(&b, X64_CC_AE, &dflt);
	x64_lea_label(&b, X64_RCX, &table);
	x64_movsxd_rm(&b, X64_RAX, x64_mem_bi(X64_RCX, X64_RDI, 4, 0));
	x64_lea(&b, 8, X64_RCX, x64_mem_bi(X64_RCX, X64_RDI, 4, 4));
	x64_add_rr(&b, 8, X64_RAX, X64_RCX);
	x64_jmp_r(&b, X64_RAX);
	x64_align(&b, 4);
	x64_label_bind(&b, &table);
	for (int i = 0; i < 3; i++)
		x64_label_rel32(&b, &arm[2 - i]);    /* arms bound in reverse */
	for (int i = 0; i < 3; i++) {
		x64_label_bind(&b, &arm[i]);
		x64_mov_ri(&b, 4, X64_RAX, 10 * (2 - i) + 1);
		x64_ret(&b);
	}
	x64_label_bind(&b, &dflt);
	x64_mov_ri(&b, 4, X64_RAX, 99);
	x64_ret(&b);
	fn_ll f = (fn_ll)install(&b, &m);
	ck_assert_int_eq(f(0, 0), 1);
	ck_assert_int_eq(f(1, 0), 11);
	ck_assert_int_eq(f(2, 0), 21);
	ck_assert_int_eq(f(3, 0), 99);
	ck_assert_int_eq(f(-1, 0), 99);
	jit_mem_free(&m);
	x64_buf_free(&b);
}
END_TEST

START_TEST(run_memory_operands)
{
	/* load(base, index) = *(int8_t *)(base + index + 1) + *(int32_t *)
	 * (base + index*4 + 8), emitted with r12 and r13 as base and index */
	x64_buf b;
	jit_mem m;
	x64_buf_init(&b, 0);
	x64_push_r(&b, X64_R12);
	x64_push_r(&b, X64_R13);
	x64_push_r(&b, X64_RBP);
	x64_mov_rr(&b, 8, X64_R13, X64_RDI);
	x64_mov_rr(&b, 8, X64_R12, X64_RSI);
	x64_movsx_rm(&b, 8, 1, X64_RAX, x64_mem_bi(X64_R13, X64_R12, 1, 1));
	x64_movsxd_rm(&b, X64_RCX, x64_mem_bi(X64_R13, X64_R12, 4, 8));
	x64_add_rr(&b, 8, X64_RAX, X64_RCX);
	x64_mov_rr(&b, 8, X64_RBP, X64_R13);
	x64_mov_mi(&b, 2, x64_mem_b(X64_RBP, 0), 0x7f01);  /* [rbp]: disp8 0 */
	x64_movzx_rm(&b, 4, 2, X64_RCX, x64_mem_b(X64_R13, 0));
	x64_add_rr(&b, 8, X64_RAX, X64_RCX);
	x64_pop_r(&b, X64_RBP);
	x64_pop_r(&b, X64_R13);
	x64_pop_r(&b, X64_R12);
	x64_ret(&b);
	fn_ll load = (fn_ll)install(&b, &m);

	union { int8_t b[64]; int32_t w[16]; } data;
	memset(&data, 0, sizeof data);
	data.b[1 + 3] = -5;          /* base + 3 + 1 */
	data.w[(8 + 3 * 4) / 4] = 1000000;
	int64_t r = load((int64_t)(uintptr_t)&data, 3);
	ck_assert_int_eq(r, -5 + 1000000 + 0x7f01);
	ck_assert_int_eq((uint8_t)data.b[0], 0x01);
	jit_mem_free(&m);
	x64_buf_free(&b);
}
END_TEST

static double twice(double x) { return 2 * x; }

START_TEST(run_float)
{
	x64_buf b;
	jit_mem m1, m2, m3;
	x64_buf_init(&b, 0);
	/* hypot(a, b) */
	x64_mulsd_xx(&b, X64_XMM0, X64_XMM0);
	x64_mulsd_xx(&b, X64_XMM1, X64_XMM1);
	x64_addsd_xx(&b, X64_XMM0, X64_XMM1);
	x64_sqrtsd_xx(&b, X64_XMM0, X64_XMM0);
	x64_ret(&b);
	fn_dd hyp = (fn_dd)install(&b, &m1);
	ck_assert(hyp(3, 4) == 5);

	/* floor(a) converted to int64 and back, times a constant read
	 * RIP-relative from the code, passed through a C call */
	x64_buf_reset(&b);
	x64_label k = x64_label_new();
	x64_push_r(&b, X64_RBX);                 /* aligns the stack too */
	if (x64_cpu_has_sse41())
		x64_roundsd_xx(&b, X64_XMM0, X64_XMM0, X64_ROUND_DOWN | X64_ROUND_NO_EXC);
	x64_cvttsd2si_rx(&b, 8, X64_RAX, X64_XMM0);
	x64_cvtsi2sd_xr(&b, 8, X64_XMM0, X64_RAX);
	x64_lea_label(&b, X64_RBX, &k);
	x64_mulsd_xm(&b, X64_XMM0, x64_mem_b(X64_RBX, 0));
	x64_call_abs(&b, X64_R11, (const void *)twice);
	x64_pop_r(&b, X64_RBX);
	x64_ret(&b);
	x64_align(&b, 8);
	x64_label_bind(&b, &k);
	double c = 1.5;
	x64_bytes(&b, &c, sizeof c);
	fn_dd f = (fn_dd)install(&b, &m2);
	if (x64_cpu_has_sse41())
		ck_assert(f(-2.5, 0) == -3 * 1.5 * 2);
	ck_assert(f(7.75, 0) == 7 * 1.5 * 2);

	/* AVX: (b - a) * c with vsubsd xmm2, xmm1, xmm0 (sources unchanged)
	 * and a rip-relative vmulsd, then |.| by vandpd with a pool mask */
	if (x64_cpu_has_avx()) {
		jit_mem m4;
		x64_buf_reset(&b);
		x64_label kc = x64_label_new(), km = x64_label_new();
		x64_vex_xxx(&b, X64_PFX_F2, X64_SSE_SUB, X64_XMM2, X64_XMM1, X64_XMM0);
		x64_vex_xxm(&b, X64_PFX_F2, X64_SSE_MUL, X64_XMM2, X64_XMM2, x64_mem_rip(0));
		x64_rip_label(&b, &kc);
		x64_vex_xxm(&b, X64_PFX_66, X64_SSE_AND, X64_XMM0, X64_XMM2, x64_mem_rip(0));
		x64_rip_label(&b, &km);
		x64_ret(&b);
		x64_align(&b, 16);
		x64_label_bind(&b, &km);
		uint64_t mask[2] = { 0x7fffffffffffffffull, 0 };
		x64_bytes(&b, mask, sizeof mask);
		x64_label_bind(&b, &kc);
		x64_bytes(&b, &c, sizeof c);
		fn_dd vf = (fn_dd)install(&b, &m4);
		ck_assert(vf(5, 2) == 4.5);
		ck_assert(vf(2, 5) == 4.5);
		jit_mem_free(&m4);
	}

	/* float bits: |x| via movq/and/movq */
	x64_buf_reset(&b);
	x64_movd_rx(&b, 8, X64_RAX, X64_XMM0);
	x64_shl_ri(&b, 8, X64_RAX, 1);
	x64_shr_ri(&b, 8, X64_RAX, 1);
	x64_movd_xr(&b, 8, X64_XMM0, X64_RAX);
	x64_ret(&b);
	fn_dd fabs_ = (fn_dd)install(&b, &m3);
	ck_assert(fabs_(-0.25, 0) == 0.25);
	ck_assert(signbit(fabs_(-0.0, 0)) == 0);
	jit_mem_free(&m1);
	jit_mem_free(&m2);
	jit_mem_free(&m3);
	x64_buf_free(&b);
}
END_TEST

START_TEST(run_bitcounts)
{
	x64_buf b;
	jit_mem m;
	x64_buf_init(&b, 0);
	if (!x64_cpu_has_popcnt())
		return;
	x64_popcnt_rr(&b, 8, X64_RAX, X64_RDI);
	x64_bsr_rr(&b, 8, X64_RCX, X64_RSI);     /* index of the top bit */
	x64_shl_ri(&b, 8, X64_RCX, 8);
	x64_or_rr(&b, 8, X64_RAX, X64_RCX);
	x64_ret(&b);
	fn_ll f = (fn_ll)install(&b, &m);
	ck_assert_int_eq(f(0xff00ff, 1 << 20), 16 | 20 << 8);
	jit_mem_free(&m);
	x64_buf_free(&b);
}
END_TEST

START_TEST(run_in_caller_region)
{
	/* a region reserved PROT_NONE up front, as the sandbox does */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *region = mmap(NULL, 4 * page, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(region, MAP_FAILED);
	jit_mem m;
	ck_assert(!jit_mem_map(&m, 5 * page, region, 4 * page));
	ck_assert(jit_mem_map(&m, 100, region, 4 * page));
	ck_assert_ptr_eq(m.base, region);
	ck_assert_uint_eq(m.size, page);
	ck_assert(!m.owned);

	/* emit in place, so a rel32 call to a label needs no copy */
	x64_buf b;
	x64_buf_init_fixed(&b, m.base, m.size);
	x64_label body = x64_label_new();
	x64_sub_ri(&b, 8, X64_RSP, 8);
	x64_call_label(&b, &body);
	x64_add_ri(&b, 8, X64_RSP, 8);
	x64_ret(&b);
	x64_label_bind(&b, &body);
	size_t imm_at = x64_buf_len(&b);
	x64_mov_ri(&b, 8, X64_RAX, 0x123456789abcLL);   /* movabs */
	x64_imul_rri(&b, 8, X64_RAX, X64_RAX, 3);
	x64_ret(&b);
	ck_assert_int_eq(x64_buf_err(&b), X64_OK);
	ck_assert(jit_mem_seal(&m));
	fn_ll f = (fn_ll)(void *)m.base;
	ck_assert_int_eq(f(0, 0), 0x123456789abcLL * 3);

	/* patch the constant: unseal, re-emit the movabs in place, seal */
	ck_assert(jit_mem_unseal(&m));
	x64_buf_init_fixed(&b, m.base + imm_at, 10);     /* exactly */
	x64_movabs_ri(&b, X64_RAX, -7);
	ck_assert_int_eq(x64_buf_err(&b), X64_OK);
	ck_assert(jit_mem_seal(&m));
	ck_assert_int_eq(f(0, 0), -21);
	jit_mem_free(&m);
	ck_assert_ptr_null(m.base);
	munmap(region, 4 * page);
}
END_TEST

START_TEST(run_patch_calls)
{
	/* f() calls g through a patchable movabs+call, then through rel32 */
	jit_mem m;
	ck_assert(jit_mem_map(&m, 4096, NULL, 0));
	x64_buf b;
	x64_buf_init_fixed(&b, m.base, m.size);
	x64_label g1 = x64_label_new(), g2 = x64_label_new();
	x64_push_r(&b, X64_RBX);
	size_t abs_at = x64_call_abs(&b, X64_RAX, NULL);
	x64_mov_rr(&b, 8, X64_RBX, X64_RAX);
	size_t rel_at = x64_call_rel(&b, m.base);   /* placeholder target */
	x64_add_rr(&b, 8, X64_RAX, X64_RBX);
	x64_pop_r(&b, X64_RBX);
	x64_ret(&b);
	x64_align(&b, 16);
	x64_label_bind(&b, &g1);
	x64_mov_ri(&b, 4, X64_RAX, 40);
	x64_ret(&b);
	x64_align(&b, 16);
	x64_label_bind(&b, &g2);
	x64_mov_ri(&b, 4, X64_RAX, 2);
	x64_ret(&b);
	ck_assert_int_eq(x64_buf_err(&b), X64_OK);
	x64_patch_abs64(m.base, abs_at, m.base + g1.pos);
	ck_assert(x64_patch_rel32(m.base, (uintptr_t)m.base, rel_at,
		m.base + g2.pos));
	ck_assert(jit_mem_seal(&m));
	fn_ll f = (fn_ll)(void *)m.base;
	ck_assert_int_eq(f(0, 0), 42);
	/* out of reach: refused, nothing written */
	ck_assert(!x64_patch_rel32(m.base, (uintptr_t)m.base, rel_at,
		(void *)((uintptr_t)m.base + (3ull << 31))));
	jit_mem_free(&m);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

START_TEST(err_fixed_overflow)
{
	uint8_t mem[40];
	x64_buf b;
	x64_buf_init_fixed(&b, mem, sizeof mem);
	for (int i = 0; i < 10; i++)
		x64_mov_ri(&b, 8, X64_R9, INT64_MIN);    /* 10 bytes each */
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_NOSPACE);
	ck_assert_uint_eq(x64_buf_len(&b), 100);     /* the room it needed */
	ck_assert_str_eq(x64_err_name(X64_ERR_NOSPACE), "code buffer full");
	ck_assert_int_eq(mem[30], 0x49);              /* the 4th fits exactly */
	ck_assert_int_eq(mem[39], 0x80);
	x64_buf_init_fixed(&b, mem, 11);              /* exact fit, then full */
	x64_mov_ri(&b, 8, X64_RCX, INT64_MIN);
	x64_ret(&b);
	ck_assert_int_eq(x64_buf_err(&b), X64_OK);
	ck_assert_int_eq(mem[0], 0x48);
	ck_assert_int_eq(mem[10], 0xc3);
	x64_ret(&b);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_NOSPACE);
	x64_label l = x64_label_new();               /* binds harmlessly */
	x64_jmp(&b, &l);
	x64_label_bind(&b, &l);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_NOSPACE);
}
END_TEST

START_TEST(err_growable_grows)
{
	x64_buf b;
	x64_buf_init(&b, 16);
	x64_label l = x64_label_new();
	x64_jcc(&b, X64_CC_A, &l);
	for (int i = 0; i < 10000; i++)
		x64_add_ri(&b, 8, X64_R13, 0x1000);       /* 7 bytes each */
	x64_label_bind(&b, &l);
	ck_assert_int_eq(x64_buf_err(&b), X64_OK);
	ck_assert_uint_eq(x64_buf_len(&b), 6 + 70000);
	ck_assert_uint_ge(b.cap, b.len);
	ck_assert_int_eq(b.code[1], 0x87);
	ck_assert_int_eq(b.code[2] | b.code[3] << 8 | b.code[4] << 16, 70000);
	x64_buf_free(&b);
}
END_TEST

START_TEST(err_bad_operands)
{
	uint8_t mem[64];
	x64_buf b;
	x64_buf_init_fixed(&b, mem, sizeof mem);
	x64_mov_rm(&b, 8, X64_RAX, x64_mem_bi(X64_RBX, X64_RSP, 1, 0));
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);
	x64_mov_rm(&b, 8, X64_RAX, x64_mem_bi(X64_RBX, X64_RCX, 3, 0));
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);
	x64_add_rr(&b, 3, X64_RAX, X64_RCX);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);
	x64_imul_rr(&b, 1, X64_RAX, X64_RCX);        /* no 8-bit imul r, r */
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);
	x64_mov_rr(&b, 8, (x64_gpr)16, X64_RCX);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);
	x64_mov_rm(&b, 8, X64_RAX, x64_mem_bi(X64_BASE_RIP, X64_RCX, 1, 0));
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	/* no immediate form: psraq (E3 is pavgw), paddq, a 0F 38 op */
	x64_buf_reset(&b);
	x64_sse_shift_xi(&b, (x64_sse)0x0fe3, X64_XMM0, 1);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);
	x64_buf_reset(&b);
	x64_vex_shift_xxi(&b, X64_SSE_PADDQ, X64_XMM0, X64_XMM1, 1);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);
	x64_buf_reset(&b);
	x64_sse_shift_xi(&b, X64_SSE_PSHUFB, X64_XMM0, 1);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);
	x64_align(&b, 12);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);                           /* and reset clears it */
	x64_ret(&b);
	ck_assert_int_eq(x64_buf_err(&b), X64_OK);
	ck_assert_uint_eq(x64_buf_len(&b), 1);
}
END_TEST

START_TEST(err_label_range)
{
	x64_buf b;
	x64_buf_init(&b, 0);
	x64_label l = x64_label_new();
	x64_jmp_short(&b, &l);
	x64_nops(&b, 128);                           /* one too far */
	x64_label_bind(&b, &l);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_RANGE);

	x64_buf_reset(&b);
	l = x64_label_new();
	x64_label_bind(&b, &l);
	x64_nops(&b, 200);
	x64_jcc_short(&b, X64_CC_E, &l);             /* backward, too far */
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_RANGE);

	x64_buf_reset(&b);
	x64_label_bind(&b, &l);                      /* bound twice */
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_OPERAND);

	x64_buf_reset(&b);
	b.origin = 0x1000;
	x64_call_rel(&b, (void *)(uintptr_t)0x7fff00001000ull);
	ck_assert_int_eq(x64_buf_err(&b), X64_ERR_RANGE);
	x64_buf_free(&b);
}
END_TEST

START_TEST(cpu_features)
{
	/* Only consistency: the answers are stable, and popcnt/sse4.1 are
	 * present on anything that runs this CI (x86-64-v2). */
	ck_assert_int_eq(x64_cpu_has_lzcnt(), x64_cpu_has_lzcnt());
	ck_assert_int_eq(x64_cpu_has_tzcnt(), x64_cpu_has_tzcnt());
	ck_assert_int_eq(x64_cpu_has_avx(), x64_cpu_has_avx());
	ck_assert_int_eq(x64_cpu_has_bmi2(), x64_cpu_has_bmi2());
	fprintf(stderr, "cpu: lzcnt %d tzcnt %d popcnt %d sse4.1 %d avx %d "
		"bmi1 %d bmi2 %d\n",
		x64_cpu_has_lzcnt(), x64_cpu_has_tzcnt(), x64_cpu_has_popcnt(),
		x64_cpu_has_sse41(), x64_cpu_has_avx(), x64_cpu_has_bmi1(),
		x64_cpu_has_bmi2());
}
END_TEST

static Suite *x64_asm_suite(void)
{
	Suite *s = suite_create("x64_asm");
	TCase *tc = tcase_create("golden");
	tcase_add_unchecked_fixture(tc, golden_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, golden_mov);
	tcase_add_test(tc, golden_alu);
	tcase_add_test(tc, golden_shift);
	tcase_add_test(tc, golden_cond);
	tcase_add_test(tc, golden_bits);
	tcase_add_test(tc, golden_bmi);
	tcase_add_test(tc, golden_sse);
	tcase_add_test(tc, golden_vex);
	tcase_add_test(tc, golden_flow);
	tcase_add_test(tc, golden_labels);
	suite_add_tcase(s, tc);

	tc = tcase_create("core");
	tcase_add_test(tc, run_add_and_loop);
	tcase_add_test(tc, run_div_setcc_extend);
	tcase_add_test(tc, run_memory_operands);
	tcase_add_test(tc, run_jump_table);
	tcase_add_test(tc, run_float);
	tcase_add_test(tc, run_bitcounts);
	tcase_add_test(tc, run_in_caller_region);
	tcase_add_test(tc, run_patch_calls);
	tcase_add_test(tc, cpu_features);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, err_fixed_overflow);
	tcase_add_test(tc, err_growable_grows);
	tcase_add_test(tc, err_bad_operands);
	tcase_add_test(tc, err_label_range);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(x64_asm_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
