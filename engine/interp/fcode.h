/* fcode.h -- the interpreter's pre-decoded code (internal). */
#ifndef ENGINE_COMPILE_H
#define ENGINE_COMPILE_H

#include "runtime/runtime.h"

#include <stdio.h>

/* A function's pre-decoded code (see ops.h for the format). */
struct fcode {
	uint8_t *code;
	uint32_t code_len;
	uint32_t nlocals;          /* slots of the params and declared
	                              locals (as many as locals without
	                              v128; the frame's size is in its
	                              ENTER) */
	uint32_t nmap;
	uint32_t (*map)[2];        /* (code offset, wasm offset) of each
	                              instruction that can trap, ascending */
};

/* predecode.c: validate one defined function's body (func_validate,
 * nothing kept), or validate and pre-decode it into m->funcs[i].code
 * (func_compile). */
wasm_status func_validate(const wasm_module *m, uint32_t func_index,
	wasm_error *err);
wasm_status func_compile(wasm_module *m, uint32_t func_index,
	wasm_error *err);
void fcode_free(struct fcode *c);

/* interp.c: run f with its arguments in sp[0..nparams) (sp is the first
 * free slot of the value stack); results come back in sp[0..nresults).
 * Returns WASM_OK, WASM_ERR_TRAP (ex->trap etc. set) or WASM_ERR_EXIT.
 * Traps raised by faults unwind through ex->fault_jmp, which the caller
 * (wasm_func_call) sets up.  The runtime reaches it as tier 0's call
 * (tier_call, runtime/tier_ops.h). */
wasm_status interp_call(wasm_store *s, wasm_func *f, uint64_t *sp);
/* dump.c: defined function fi's pre-decoded code as text, a header line
 * then one line an instruction (tier 0's dump). */
wasm_status interp_dump(wasm_module *m, uint32_t fi, FILE *out,
	wasm_error *err);

/* tier_interp.c: tier 0's entry in the tier table. */
extern const struct tier_ops tier_interp;

/* Function i's pre-decoded code, made on its first use (--tier=baseline:
 * at load, module.c) by whichever thread asks first (func_compile
 * publishes one copy); NULL if that fails (the body was validated at
 * load, so only memory can run out). */
static inline struct fcode *fcode_get(wasm_module *m, uint32_t i)
{
	/* (acquire: made by another thread, published by func_compile) */
	struct fcode *fc = __atomic_load_n(&m->funcs[i].code, __ATOMIC_ACQUIRE);
	if (__builtin_expect(!fc, 0)) {
		wasm_error err;
		if (func_compile(m, i, &err) != WASM_OK)
			return NULL;
		fc = __atomic_load_n(&m->funcs[i].code, __ATOMIC_ACQUIRE);
	}
	return fc;
}

/* ---- the interpreter's loads and stores of linear memory ------------------
 * A fault in one of them must name the instruction that made it, exactly.
 * On x86-64 each access is one machine instruction (inline asm) with the
 * interpreter's ip in r15 at that instruction, and its address recorded in
 * the section interp_faults (as a 32-bit offset from the entry, so that the
 * table needs no relocation).  The fault handler (tier_interp.c,
 * interp_fault_lookup) finds the faulting pc in that table and reads ip
 * from r15: no guessing among registers.  Cost: at most a register move
 * per access, when the compiler keeps ip elsewhere.
 * INTERP_LOAD(v, p, T): v (a uint64_t) = the T at p, whose low bytes are
 * the T (read it back as (T)v);
 * INTERP_STORE(p, T, v): the T at p = v (its low bytes). */
#if defined(__x86_64__)
#define INTERP_IP_REG "r15"
#define INTERP_FAULT_ENTRY_ \
	".pushsection interp_faults, \"a\"\n\t.balign 4\n\t.long 1b - .\n\t" \
	".popsection"
#define INTERP_LDI_1 "movzbl %1, %k0"
#define INTERP_LDI_2 "movzwl %1, %k0"
#define INTERP_LDI_4 "movl %1, %k0"
#define INTERP_LDI_8 "movq %1, %0"
#define INTERP_STI_1 "movb %b1, %0"
#define INTERP_STI_2 "movw %w1, %0"
#define INTERP_STI_4 "movl %k1, %0"
#define INTERP_STI_8 "movq %1, %0"
#define INTERP_LOAD_N_(v, p, T, n) do { \
		typedef T __attribute__((may_alias)) ma_t_; \
		register const uint8_t *ip_r_ __asm__(INTERP_IP_REG) = ip; \
		__asm__ volatile("1: " INTERP_LDI_##n "\n\t" INTERP_FAULT_ENTRY_ \
			: "=r"(v) : "m"(*(const ma_t_ *)(p)), "r"(ip_r_)); \
	} while (0)
#define INTERP_STORE_N_(p, T, v, n) do { \
		typedef T __attribute__((may_alias)) ma_t_; \
		register const uint8_t *ip_r_ __asm__(INTERP_IP_REG) = ip; \
		__asm__ volatile("1: " INTERP_STI_##n "\n\t" INTERP_FAULT_ENTRY_ \
			: "=m"(*(ma_t_ *)(p)) : "r"((uint64_t)(v)), "r"(ip_r_)); \
	} while (0)
#define INTERP_SIZE_uint8_t 1
#define INTERP_SIZE_int8_t 1
#define INTERP_SIZE_uint16_t 2
#define INTERP_SIZE_int16_t 2
#define INTERP_SIZE_uint32_t 4
#define INTERP_SIZE_int32_t 4
#define INTERP_SIZE_uint64_t 8
#define INTERP_N_(T) INTERP_N2_(INTERP_SIZE_##T)
#define INTERP_N2_(n) n
#define INTERP_LOAD(v, p, T) INTERP_LOAD_X_(v, p, T, INTERP_N_(T))
#define INTERP_LOAD_X_(v, p, T, n) INTERP_LOAD_N_(v, p, T, n)
#define INTERP_STORE(p, T, v) INTERP_STORE_X_(p, T, v, INTERP_N_(T))
#define INTERP_STORE_X_(p, T, v, n) INTERP_STORE_N_(p, T, v, n)
/* INTERP_LOAD128(v, p) and INTERP_STORE128(p, v): the 16 bytes at p, v a
 * 16-byte GCC vector, in one instruction (movdqu), so that a v128 access
 * that crosses the end of memory faults before it writes anything. */
#define INTERP_LOAD128(v, p) do { \
		typedef uint8_t __attribute__((vector_size(16), may_alias, \
			aligned(1))) ma_t_; \
		register const uint8_t *ip_r_ __asm__(INTERP_IP_REG) = ip; \
		__asm__ volatile("1: movdqu %1, %0\n\t" INTERP_FAULT_ENTRY_ \
			: "=x"(v) : "m"(*(const ma_t_ *)(p)), "r"(ip_r_)); \
	} while (0)
#define INTERP_STORE128(p, v) do { \
		typedef uint8_t __attribute__((vector_size(16), may_alias, \
			aligned(1))) ma_t_; \
		register const uint8_t *ip_r_ __asm__(INTERP_IP_REG) = ip; \
		__asm__ volatile("1: movdqu %1, %0\n\t" INTERP_FAULT_ENTRY_ \
			: "=m"(*(ma_t_ *)(p)) : "x"(v), "r"(ip_r_)); \
	} while (0)
#else
/* Elsewhere plain C; the fault handler looks for ip among the registers. */
#define INTERP_LOAD128(v, p) memcpy(&(v), (p), 16)
#define INTERP_STORE128(p, v) memcpy((p), &(v), 16)
#define INTERP_LOAD(v, p, T) do { T t_; memcpy(&t_, (p), sizeof t_); \
		(v) = (uint64_t)t_; } while (0)
#define INTERP_STORE(p, T, v) do { T t_ = (T)(v); \
		memcpy((p), &t_, sizeof t_); } while (0)
#endif

/* Wasm byte offset of the instruction whose pre-decoded code contains ip,
 * or SIZE_MAX if ip is not inside c's code. */
size_t fcode_wasm_offset(const struct fcode *c, const void *ip);
/* Size in bytes of c's code (0 for NULL). */
uint32_t fcode_code_bytes(const struct fcode *c);
/* The address range of c's code. */
void fcode_range(const struct fcode *c, const void **lo, const void **hi);

#endif
