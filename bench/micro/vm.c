/* vm.c -- a switch-dispatched bytecode interpreter (br_table heavy).
 *
 * A tiny register machine: eight 32-bit registers, instructions of four
 * words (opcode, a, b, c).  vm(iters, seed) runs a fixed program whose
 * loop executes iters times, mixing arithmetic, a data-dependent branch
 * and a back-edge per iteration, and returns register 1 masked to 31 bits.
 * Built without libc. */
enum {
	OP_LI,   /* r[a] = b */
	OP_ADD,  /* r[a] = r[b] + r[c] */
	OP_SUB,  /* r[a] = r[b] - r[c] */
	OP_MUL,  /* r[a] = r[b] * r[c] */
	OP_XOR,  /* r[a] = r[b] ^ r[c] */
	OP_SHRI, /* r[a] = r[b] >> c */
	OP_ANDI, /* r[a] = r[b] & c */
	OP_DEC,  /* r[a] -= 1 */
	OP_JZ,   /* if r[a] == 0 goto b */
	OP_JNZ,  /* if r[a] != 0 goto b */
	OP_HALT, /* return r[a] */
};

static unsigned program[][4] = {
	{ OP_LI, 1, 0, 0 },
	{ OP_LI, 2, 0, 0 },             /* patched with the seed */
	{ OP_LI, 4, 1103515245u, 0 },
	{ OP_LI, 5, 12345, 0 },
	/* 4: loop */
	{ OP_MUL, 2, 2, 4 },
	{ OP_ADD, 2, 2, 5 },
	{ OP_SHRI, 3, 2, 16 },
	{ OP_XOR, 1, 1, 3 },
	{ OP_ANDI, 6, 3, 7 },
	{ OP_JZ, 6, 11, 0 },
	{ OP_SUB, 1, 1, 6 },
	/* 11: */
	{ OP_DEC, 0, 0, 0 },
	{ OP_JNZ, 0, 4, 0 },
	{ OP_HALT, 1, 0, 0 },
};

static unsigned run(const unsigned (*code)[4], unsigned *r)
{
	unsigned pc = 0;
	for (;;) {
		const unsigned *i = code[pc++];
		switch (i[0]) {
		case OP_LI:   r[i[1]] = i[2]; break;
		case OP_ADD:  r[i[1]] = r[i[2]] + r[i[3]]; break;
		case OP_SUB:  r[i[1]] = r[i[2]] - r[i[3]]; break;
		case OP_MUL:  r[i[1]] = r[i[2]] * r[i[3]]; break;
		case OP_XOR:  r[i[1]] = r[i[2]] ^ r[i[3]]; break;
		case OP_SHRI: r[i[1]] = r[i[2]] >> i[3]; break;
		case OP_ANDI: r[i[1]] = r[i[2]] & i[3]; break;
		case OP_DEC:  r[i[1]] -= 1; break;
		case OP_JZ:   if (r[i[1]] == 0) pc = i[2]; break;
		case OP_JNZ:  if (r[i[1]] != 0) pc = i[2]; break;
		case OP_HALT: return r[i[1]];
		default:      return 0xffffffffu;
		}
	}
}

int vm(unsigned iters, unsigned seed)
{
	unsigned r[8] = { 0 };
	if (iters == 0)
		return 0;
	r[0] = iters;
	program[1][2] = seed;
	return (int)(run(program, r) & 0x7fffffff);
}
