/* trap.c -- recording traps, and turning faults in linear memory into
 * traps.
 *
 * trap_record() is the one place a trap is written into an exec: the
 * interpreter, the JIT runtime, the runtime (exec_trap) and the fault
 * handler all go through it.
 *
 * One process-wide SIGSEGV/SIGBUS handler.  A fault is ours when this
 * thread is running wasm (trap_enter() named a store), the store has a
 * fault_jmp, and the address lies in one of the store's memory
 * reservations: then the handler records an out_of_bounds_memory trap
 * (the tiers say where: tier_ops.fault_lookup) and siglongjmps to the fault_jmp (store_call's).  Any other fault goes to the
 * handler that was installed before ours (AddressSanitizer's, a crash
 * reporter's), or gets the default action.
 *
 * The handler runs on an alternate signal stack (SA_ONSTACK), which
 * trap_enter() gives each thread that runs wasm.
 */
#include "runtime/tier_ops.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

/* The store running wasm on this thread, or NULL. */
static _Thread_local wasm_store *trap_cur_store;
/* This thread has an alternate signal stack (ours or someone else's). */
static _Thread_local bool trap_altstack_ready;

static struct sigaction trap_old_segv, trap_old_bus;
static pthread_once_t trap_once = PTHREAD_ONCE_INIT;

#define TRAP_ALTSTACK_BYTES (64u * 1024u)

static bool trap_addr_in_store(const wasm_store *s, uintptr_t addr)
{
	for (const wasm_memory *m = s->memories; m; m = m->next) {
		uintptr_t lo = (uintptr_t)m->base;
		if (addr >= lo && addr - lo < MEMORY_RESERVE_BYTES)
			return true;
	}
	return false;
}

/* What the fault handler knows of a fault in wasm code: the pc and the
 * general registers (the interpreter keeps its instruction pointer in one
 * of them).  regs must hold TRAP_MAX_REGS entries. */
#define TRAP_MAX_REGS 64

#if defined(__x86_64__)
_Static_assert(NGREG <= TRAP_MAX_REGS, "TRAP_MAX_REGS too small");
static void trap_fault_at(void *uctx, uintptr_t *regs, tier_fault *at)
{
	const ucontext_t *uc = uctx;
	for (size_t i = 0; i < NGREG; i++)
		regs[i] = (uintptr_t)uc->uc_mcontext.gregs[i];
	*at = (tier_fault){ (uintptr_t)uc->uc_mcontext.gregs[REG_RIP], regs,
		NGREG };
}
#elif defined(__aarch64__)
static void trap_fault_at(void *uctx, uintptr_t *regs, tier_fault *at)
{
	const ucontext_t *uc = uctx;
	for (size_t i = 0; i < 31; i++)
		regs[i] = (uintptr_t)uc->uc_mcontext.regs[i];
	regs[31] = (uintptr_t)uc->uc_mcontext.sp;
	regs[32] = (uintptr_t)uc->uc_mcontext.pc;
	*at = (tier_fault){ (uintptr_t)uc->uc_mcontext.pc, regs, 33 };
}
#else
static void trap_fault_at(void *uctx, uintptr_t *regs, tier_fault *at)
{
	(void)uctx;
	(void)regs;
	*at = (tier_fault){ 0, NULL, 0 };
}
#endif

/* The faulting function and wasm offset: asked of each tier, highest
 * first (JIT code knows its pc; the interpreter scans the registers).  No
 * tier knows it: ex->cur_func, offset unknown. */
static void trap_fault_where(exec *ex, void *uctx, wasm_func **func,
	size_t *offset)
{
	uintptr_t regs[TRAP_MAX_REGS];
	tier_fault at;
	trap_fault_at(uctx, regs, &at);
	for (int t = WASM_TIER_COUNT - 1; t >= 0; t--) {
		const tier_ops *ops = tier_table[t];
		if (ops && ops->fault_lookup &&
		    ops->fault_lookup(ex, &at, func, offset))
			return;
	}
	*func = ex->cur_func;
	*offset = SIZE_MAX;
}

wasm_status trap_record(exec *ex, wasm_trap_kind kind, wasm_func *func,
	size_t offset, const char *msg)
{
	ex->trap = kind;
	ex->trap_func = func;
	ex->trap_offset = offset;
	if (!msg) {
		if (kind == WASM_TRAP_HOST && ex->trap_msg[0])
			return WASM_ERR_TRAP;
		msg = wasm_trap_kind_message(kind);
	}
	/* By hand rather than snprintf, which is not async-signal-safe;
	 * memmove, as msg may be ex->trap_msg itself. */
	size_t len = 0;
	while (msg[len] && len < sizeof ex->trap_msg - 1)
		len++;
	memmove(ex->trap_msg, msg, len);
	ex->trap_msg[len] = '\0';
	return WASM_ERR_TRAP;
}

/* Not ours: behave as if we had never been installed. */
static void trap_chain(int sig, siginfo_t *si, void *uctx)
{
	const struct sigaction *old =
		sig == SIGSEGV ? &trap_old_segv : &trap_old_bus;

	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, si, uctx);
		return;
	}
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	/* Default (or ignored, which for a real fault would loop forever):
	 * reset and return, so the faulting instruction runs again and the
	 * signal takes its default action. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
}

static void trap_on_fault(int sig, siginfo_t *si, void *uctx)
{
	wasm_store *s = trap_cur_store;

	if (!s || !s->ex.fault_jmp ||
	    !trap_addr_in_store(s, (uintptr_t)si->si_addr)) {
		trap_chain(sig, si, uctx);
		return;
	}
	exec *ex = &s->ex;
	wasm_func *func;
	size_t offset;
	trap_fault_where(ex, uctx, &func, &offset);
	trap_record(ex, WASM_TRAP_OUT_OF_BOUNDS_MEMORY, func, offset, NULL);
	siglongjmp(*ex->fault_jmp, 1);
}

static void trap_install_once(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = trap_on_fault;
#ifdef __SANITIZE_ADDRESS__
	/* Under ASan the unwind's siglongjmp is intercepted and unpoisons
	 * the stack between here and the target; from an alternate stack it
	 * cannot tell the bounds without reading /proc/self/maps, which a
	 * confined worker may not open.  On the thread's own stack it can.
	 * (Sanitizer builds only: wasm recursion never overflows the native
	 * stack, so the alternate stack is a belt for the plain build.) */
	sa.sa_flags = SA_SIGINFO;
#else
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
#endif
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &trap_old_segv);
	sigaction(SIGBUS, &sa, &trap_old_bus);
}

void trap_handler_install(void)
{
	pthread_once(&trap_once, trap_install_once);
}

/* Give this thread an alternate signal stack unless it has one (ASan, for
 * one, installs its own).  The stack is kept for the thread's life. */
static void trap_altstack_init(void)
{
	stack_t cur;

	trap_altstack_ready = true;
	if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
		return;
	size_t len_bytes = TRAP_ALTSTACK_BYTES;
	if (len_bytes < (size_t)SIGSTKSZ)
		len_bytes = (size_t)SIGSTKSZ;
	void *p = mmap(NULL, len_bytes, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		/* Faults still work on the thread's own stack; only a fault
		 * with the stack exhausted would be fatal. */
		trap_altstack_ready = false;
		return;
	}
	stack_t ss = { .ss_sp = p, .ss_size = len_bytes, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) != 0) {
		munmap(p, len_bytes);
		trap_altstack_ready = false;
	}
}

wasm_store *trap_enter(wasm_store *s)
{
	wasm_store *prev = trap_cur_store;
	if (s && !trap_altstack_ready)
		trap_altstack_init();
	trap_cur_store = s;
	return prev;
}
