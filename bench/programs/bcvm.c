/* bcvm.c -- branchy dispatch: a small stack-based bytecode VM (switch
 * dispatch, locals, calls with frames, conditional jumps) with a
 * tiny assembler, running a few programs: recursive Fibonacci, a prime
 * counter with nested loops, Collatz lengths, and a bubble sort on VM
 * memory.  One checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op {
	OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_OVER,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_NEG,
	OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_JMP, OP_JZ, OP_JNZ,
	OP_LOAD, OP_STORE,      /* locals of the current frame */
	OP_MLOAD, OP_MSTORE,    /* VM memory, word addressed */
	OP_CALL, OP_RET, OP_HALT,
	OP_INC,                 /* local += imm */
};

#define MAXCODE 1024
#define STACK 4096
#define FRAMES 1024
#define MEM 8192

struct vm {
	int32_t code[MAXCODE];
	int n;
	int32_t stack[STACK];
	int32_t mem[MEM];
	struct frame { int ret, base; } frames[FRAMES];
	uint64_t steps;
};

/* Assembler helpers: emit returns the position of what it emitted. */
static int emit(struct vm *vm, int32_t w)
{
	if (vm->n >= MAXCODE)
		exit(3);
	vm->code[vm->n] = w;
	return vm->n++;
}
static int emit1(struct vm *vm, enum op op, int32_t imm)
{
	int at = emit(vm, op);
	emit(vm, imm);
	return at;
}
static void patch(struct vm *vm, int at, int target)
{
	vm->code[at + 1] = target;
}

/* Runs from pc with nargs arguments already on the stack; frames keep
 * 8 local slots, the first nargs are the arguments. */
static int32_t run(struct vm *vm, int pc, const int32_t *args, int nargs)
{
	int32_t *sp = vm->stack, *base;
	int fp = 0;
	for (int i = 0; i < 8; i++)
		*sp++ = i < nargs ? args[i] : 0;
	base = vm->stack;
	vm->frames[0].ret = -1;
	vm->frames[0].base = 0;
	for (;;) {
		int32_t a, b;
		vm->steps++;
		switch ((enum op)vm->code[pc++]) {
		case OP_PUSH: *sp++ = vm->code[pc++]; break;
		case OP_POP: sp--; break;
		case OP_DUP: sp[0] = sp[-1]; sp++; break;
		case OP_SWAP: a = sp[-1]; sp[-1] = sp[-2]; sp[-2] = a; break;
		case OP_OVER: sp[0] = sp[-2]; sp++; break;
#define BIN(OPC, EXPR) case OPC: b = *--sp; a = sp[-1]; sp[-1] = (EXPR); break;
		BIN(OP_ADD, (int32_t)((uint32_t)a + (uint32_t)b))
		BIN(OP_SUB, (int32_t)((uint32_t)a - (uint32_t)b))
		BIN(OP_MUL, (int32_t)((uint32_t)a * (uint32_t)b))
		BIN(OP_DIV, b ? a / b : 0)
		BIN(OP_MOD, b ? a % b : 0)
		BIN(OP_AND, a & b)
		BIN(OP_OR, a | b)
		BIN(OP_XOR, a ^ b)
		BIN(OP_SHL, (int32_t)((uint32_t)a << (b & 31)))
		BIN(OP_SHR, (int32_t)((uint32_t)a >> (b & 31)))
		BIN(OP_EQ, a == b)
		BIN(OP_NE, a != b)
		BIN(OP_LT, a < b)
		BIN(OP_LE, a <= b)
		BIN(OP_GT, a > b)
		BIN(OP_GE, a >= b)
#undef BIN
		case OP_NEG: sp[-1] = -sp[-1]; break;
		case OP_JMP: pc = vm->code[pc]; break;
		case OP_JZ: pc = *--sp ? pc + 1 : vm->code[pc]; break;
		case OP_JNZ: pc = *--sp ? vm->code[pc] : pc + 1; break;
		case OP_LOAD: *sp++ = base[vm->code[pc++]]; break;
		case OP_STORE: base[vm->code[pc++]] = *--sp; break;
		case OP_INC: base[vm->code[pc]] += vm->code[pc + 1]; pc += 2; break;
		case OP_MLOAD: sp[-1] = vm->mem[(uint32_t)sp[-1] % MEM]; break;
		case OP_MSTORE: b = *--sp; a = *--sp; vm->mem[(uint32_t)a % MEM] = b; break;
		case OP_CALL: {
			/* imm: target; the next word: argument count. */
			int target = vm->code[pc], n = vm->code[pc + 1];
			if (++fp >= FRAMES || sp - vm->stack > STACK - 64)
				exit(4);
			vm->frames[fp].ret = pc + 2;
			sp -= n;
			vm->frames[fp].base = (int)(sp - vm->stack);
			base = sp;
			for (int i = n; i < 8; i++)
				base[i] = 0;
			sp = base + 8;
			pc = target;
			break;
		}
		case OP_RET: {
			int32_t v = sp[-1];
			if (fp == 0)
				return v;
			sp = base;
			*sp++ = v;
			pc = vm->frames[fp].ret;
			fp--;
			base = vm->stack + vm->frames[fp].base;
			break;
		}
		case OP_HALT:
			return sp[-1];
		default:
			exit(5);
		}
	}
}

static void emit_call(struct vm *vm, int target, int nargs)
{
	emit(vm, OP_CALL);
	emit(vm, target);
	emit(vm, nargs);
}

/* fib(n): if n < 2 return n; return fib(n-1) + fib(n-2) */
static int asm_fib(struct vm *vm)
{
	int start = vm->n;
	emit1(vm, OP_LOAD, 0);
	emit1(vm, OP_PUSH, 2);
	emit(vm, OP_LT);
	int j = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_LOAD, 0);
	emit(vm, OP_RET);
	patch(vm, j, vm->n);
	emit1(vm, OP_LOAD, 0);
	emit1(vm, OP_PUSH, 1);
	emit(vm, OP_SUB);
	emit_call(vm, start, 1);
	emit1(vm, OP_LOAD, 0);
	emit1(vm, OP_PUSH, 2);
	emit(vm, OP_SUB);
	emit_call(vm, start, 1);
	emit(vm, OP_ADD);
	emit(vm, OP_RET);
	return start;
}

/* primes(n): count of i in [2, n) with no divisor d, d*d <= i. */
static int asm_primes(struct vm *vm)
{
	int start = vm->n;
	/* locals: 0 n, 1 i, 2 d, 3 count */
	emit1(vm, OP_PUSH, 2); emit1(vm, OP_STORE, 1);
	int outer = vm->n;
	emit1(vm, OP_LOAD, 1); emit1(vm, OP_LOAD, 0); emit(vm, OP_LT);
	int jend = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_PUSH, 2); emit1(vm, OP_STORE, 2);
	int inner = vm->n;
	emit1(vm, OP_LOAD, 2); emit(vm, OP_DUP); emit(vm, OP_MUL);
	emit1(vm, OP_LOAD, 1); emit(vm, OP_LE);
	int jprime = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_LOAD, 1); emit1(vm, OP_LOAD, 2); emit(vm, OP_MOD);
	int jnot = emit1(vm, OP_JZ, 0);
	emit(vm, OP_INC); emit(vm, 2); emit(vm, 1);
	emit1(vm, OP_JMP, inner);
	patch(vm, jprime, vm->n);
	emit(vm, OP_INC); emit(vm, 3); emit(vm, 1);
	patch(vm, jnot, vm->n);
	emit(vm, OP_INC); emit(vm, 1); emit(vm, 1);
	emit1(vm, OP_JMP, outer);
	patch(vm, jend, vm->n);
	emit1(vm, OP_LOAD, 3);
	emit(vm, OP_RET);
	return start;
}

/* collatz(n): sum over k in [1, n] of the Collatz length of k. */
static int asm_collatz(struct vm *vm)
{
	int start = vm->n;
	/* locals: 0 n, 1 k, 2 x, 3 total */
	emit1(vm, OP_PUSH, 1); emit1(vm, OP_STORE, 1);
	int outer = vm->n;
	emit1(vm, OP_LOAD, 1); emit1(vm, OP_LOAD, 0); emit(vm, OP_LE);
	int jend = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_LOAD, 1); emit1(vm, OP_STORE, 2);
	int inner = vm->n;
	emit1(vm, OP_LOAD, 2); emit1(vm, OP_PUSH, 1); emit(vm, OP_NE);
	int jdone = emit1(vm, OP_JZ, 0);
	emit(vm, OP_INC); emit(vm, 3); emit(vm, 1);
	emit1(vm, OP_LOAD, 2); emit1(vm, OP_PUSH, 1); emit(vm, OP_AND);
	int jeven = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_LOAD, 2); emit1(vm, OP_PUSH, 3); emit(vm, OP_MUL);
	emit1(vm, OP_PUSH, 1); emit(vm, OP_ADD); emit1(vm, OP_STORE, 2);
	emit1(vm, OP_JMP, inner);
	patch(vm, jeven, vm->n);
	emit1(vm, OP_LOAD, 2); emit1(vm, OP_PUSH, 1); emit(vm, OP_SHR);
	emit1(vm, OP_STORE, 2);
	emit1(vm, OP_JMP, inner);
	patch(vm, jdone, vm->n);
	emit(vm, OP_INC); emit(vm, 1); emit(vm, 1);
	emit1(vm, OP_JMP, outer);
	patch(vm, jend, vm->n);
	emit1(vm, OP_LOAD, 3);
	emit(vm, OP_RET);
	return start;
}

/* bsort(n, seed): fill mem[0..n) from an LCG, bubble sort it, return a
 * hash of the sorted memory. */
static int asm_bsort(struct vm *vm)
{
	int start = vm->n;
	/* locals: 0 n, 1 seed, 2 i, 3 j, 4 h */
	emit1(vm, OP_PUSH, 0); emit1(vm, OP_STORE, 2);
	int fill = vm->n;
	emit1(vm, OP_LOAD, 2); emit1(vm, OP_LOAD, 0); emit(vm, OP_LT);
	int jfilled = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_LOAD, 1); emit1(vm, OP_PUSH, 1103515245); emit(vm, OP_MUL);
	emit1(vm, OP_PUSH, 12345); emit(vm, OP_ADD); emit1(vm, OP_STORE, 1);
	emit1(vm, OP_LOAD, 2);
	emit1(vm, OP_LOAD, 1); emit1(vm, OP_PUSH, 16); emit(vm, OP_SHR);
	emit(vm, OP_MSTORE);
	emit(vm, OP_INC); emit(vm, 2); emit(vm, 1);
	emit1(vm, OP_JMP, fill);
	patch(vm, jfilled, vm->n);
	emit1(vm, OP_LOAD, 0); emit1(vm, OP_STORE, 2);  /* i = n */
	int outer = vm->n;
	emit1(vm, OP_LOAD, 2); emit1(vm, OP_PUSH, 1); emit(vm, OP_GT);
	int jsorted = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_PUSH, 1); emit1(vm, OP_STORE, 3);  /* j = 1 */
	int inner = vm->n;
	emit1(vm, OP_LOAD, 3); emit1(vm, OP_LOAD, 2); emit(vm, OP_LT);
	int jpass = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_LOAD, 3); emit1(vm, OP_PUSH, 1); emit(vm, OP_SUB); emit(vm, OP_MLOAD);
	emit1(vm, OP_LOAD, 3); emit(vm, OP_MLOAD);
	emit(vm, OP_OVER); emit(vm, OP_OVER); emit(vm, OP_GT);
	int jkeep = emit1(vm, OP_JZ, 0);
	/* stack: a b with a > b: store mem[j-1] = b, mem[j] = a */
	emit1(vm, OP_STORE, 5); emit1(vm, OP_STORE, 6);
	emit1(vm, OP_LOAD, 3); emit1(vm, OP_PUSH, 1); emit(vm, OP_SUB);
	emit1(vm, OP_LOAD, 5); emit(vm, OP_MSTORE);
	emit1(vm, OP_LOAD, 3); emit1(vm, OP_LOAD, 6); emit(vm, OP_MSTORE);
	int jnext = emit1(vm, OP_JMP, 0);
	patch(vm, jkeep, vm->n);
	emit(vm, OP_POP); emit(vm, OP_POP);
	patch(vm, jnext, vm->n);
	emit(vm, OP_INC); emit(vm, 3); emit(vm, 1);
	emit1(vm, OP_JMP, inner);
	patch(vm, jpass, vm->n);
	emit(vm, OP_INC); emit(vm, 2); emit(vm, -1);
	emit1(vm, OP_JMP, outer);
	patch(vm, jsorted, vm->n);
	/* h = fold of mem[i] * 31 */
	emit1(vm, OP_PUSH, 0); emit1(vm, OP_STORE, 2);
	int hash = vm->n;
	emit1(vm, OP_LOAD, 2); emit1(vm, OP_LOAD, 0); emit(vm, OP_LT);
	int jh = emit1(vm, OP_JZ, 0);
	emit1(vm, OP_LOAD, 4); emit1(vm, OP_PUSH, 31); emit(vm, OP_MUL);
	emit1(vm, OP_LOAD, 2); emit(vm, OP_MLOAD); emit(vm, OP_XOR);
	emit1(vm, OP_STORE, 4);
	emit(vm, OP_INC); emit(vm, 2); emit(vm, 1);
	emit1(vm, OP_JMP, hash);
	patch(vm, jh, vm->n);
	emit1(vm, OP_LOAD, 4);
	emit(vm, OP_RET);
	return start;
}

static struct vm the_vm;

int main(void)
{
	struct vm *vm = &the_vm;
#ifdef BENCH_ROUNDS
	vm->n = 0;      /* main runs again (bench/long.c): assemble afresh */
#endif
	int fib = asm_fib(vm), primes = asm_primes(vm);
	int collatz = asm_collatz(vm), bsort = asm_bsort(vm);
	uint64_t sum = 0;
	int32_t args[2];

	args[0] = 27;
	sum = sum * 31 + (uint32_t)run(vm, fib, args, 1);
	args[0] = 80000;
	sum = sum * 31 + (uint32_t)run(vm, primes, args, 1);
	args[0] = 100000;
	sum = sum * 31 + (uint32_t)run(vm, collatz, args, 1);
	args[0] = 1500;
	args[1] = 42;
	sum = sum * 31 + (uint32_t)run(vm, bsort, args, 2);
	sum = sum * 31 + vm->steps;
	printf("bcvm %llu\n", (unsigned long long)sum);
	return 0;
}
