/* ir_pass.c -- the pass manager: named passes run in order, the IR
 * printed between them and verified after each. */
#include "jit/opt/passes.h"
#include "common/error.h"

#include <string.h>

/* Idempotence and reading through copies are claims the verifier's runs
 * check (ir_run_passes with verify runs a skipped pass anyway and fails
 * if it changes anything). */
const ir_pass ir_passes[] = {
	/* idempotent: it folds in rounds until one changes nothing (unless
	 * it stops at its round limit: ir_func.unfinished); every
	 * decision reads resolved operands */
	{ "fold", ir_pass_fold, "constant folding and propagation, exact identities", true, true },
	/* idempotent: its output has no copy left in a live block, no
	 * operand or OSR slot naming one, no trivial phi (the phis are
	 * looked at to a fixpoint) and no NOP in a block list */
	{ "copyprop", ir_pass_copyprop, "copy propagation, trivial phis", true, false },
	{ "dce", ir_pass_dce, "dead code elimination", false, false },
	/* idempotent: a value's operands dominate it, so they are numbered
	 * (leaders or copies of leaders) before it is looked up, and a
	 * second walk finds the same leaders */
	{ "gvn", ir_pass_gvn, "global value numbering of pure values", true, true },
	/* idempotent: merges rename no branch target and remove no edge,
	 * so they make no branch foldable and no block unreachable, and
	 * each block absorbs its successors until it cannot */
	{ "brfold", ir_pass_brfold, "branch folding, unreachable blocks, block merging", true, true },
	{ "strength", ir_pass_strength, "strength reduction: div, rem, mul by constants", false, false },
	{ "licm", ir_pass_licm, "loop-invariant code motion of pure ops", false, false },
	{ "addr", ir_pass_addr, "addressing-mode folding: constants into access offsets", false, false },
	{ "inline", ir_pass_inline, "inlining of small direct callees", false, false },
	{ "loopchk", ir_pass_loopchk, "no deadline check in loops that call each trip or run briefly", false, false },
	{ "loadelim", ir_pass_loadelim, "redundant loads, store-to-load forwarding", false, false },
	{ NULL, NULL, NULL, false, false },
};

/* Small callees inlined first (so that every pass sees through them),
 * copies (the builder leaves trivial phis), constants and the
 * branches they decide, divisions and multiplications by the constants
 * found (before GVN, which merges their common parts), equal values,
 * loads of bytes an earlier load or store of the block's path gave (once
 * GVN has made equal addresses one value), constants again (GVN may
 * have made operands equal: x - x; a stored constant forwarded), what is
 * loop-invariant out of its loops (once the values are merged and the
 * blocks final), equal values again (GVN leaves copies of one value
 * inside OSR loops, which licm hoists side by side; OSR entries rebuild
 * what licm moved, ir_osr.c), constants added to addresses into the
 * accesses' offsets, the deadline checks of loops whose every trip
 * calls and of short counted inner loops (once calls are inlined, bounds
 * are constants and bodies final), and what is left unused. */
const char ir_default_pipeline[] =
	"inline,copyprop,fold,copyprop,brfold,copyprop,strength,gvn,loadelim,copyprop,fold,copyprop,"
	"brfold,copyprop,licm,gvn,copyprop,addr,loopchk,dce";

const ir_pass *ir_pass_find(const char *name)
{
	/* (the first letters first: every function's pipeline is looked up
	 * pass by pass, and strcmp's calls were most of it) */
	for (const ir_pass *p = ir_passes; p->name; p++)
		if (p->name[0] == name[0] && strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

wasm_status ir_run_passes(ir_func *f, const char *pipeline, FILE *print,
	bool verify, wasm_error *err)
{
	char msg[256];
	if (print) {
		fputs("; built\n", print);
		ir_print(f, print);
	}
	if (verify && !ir_verify(f, msg, sizeof msg))
		return err_set(err, WASM_ERR_INVALID, SIZE_MAX, "IR after building: %s", msg);
	/* the idempotent passes that ran since the IR last changed (or
	 * changed only by copy propagation's rewiring, for those that read
	 * through copies): run again, they would change nothing (copyprop
	 * runs 7 times in the default pipeline, fold, gvn and brfold twice,
	 * and between two runs often nothing happens).  With verify, they
	 * run anyway and must say "no change", which checks each pass's
	 * claims and the others' to have changed nothing (or only copies)
	 * when they say so. */
	const ir_pass *clean[8];
	unsigned nclean = 0;
	for (const char *p = pipeline; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char name[32];
		if (n == 0 || n >= sizeof name)
			return err_set(err, WASM_ERR_ARG, SIZE_MAX, "bad pass list \"%s\"", pipeline);
		memcpy(name, p, n);
		name[n] = 0;
		const ir_pass *pass = ir_pass_find(name);
		if (!pass)
			return err_set(err, WASM_ERR_ARG, SIZE_MAX, "no pass named \"%s\"", name);
		bool is_clean = false;
		for (unsigned k = 0; k < nclean && !is_clean; k++)
			is_clean = clean[k] == pass;
		bool changed = false;
		f->copies_only = f->unfinished = false;
		if (!is_clean || verify)
			changed = pass->run(f);
		if (f->oom)
			return err_set(err, WASM_ERR_NOMEM, SIZE_MAX, "out of memory in pass %s", name);
		if (is_clean && changed)
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX,
				"IR after %s: changed by a pass that had run since "
				"the last change and is idempotent", name);
		if (changed) {
			unsigned keep = 0;
			for (unsigned k = 0; k < nclean && f->copies_only; k++)
				if (clean[k]->sees_copies)
					clean[keep++] = clean[k];
			nclean = keep;
		}
		if (pass->idempotent && !is_clean && !f->unfinished &&
		    nclean < sizeof clean / sizeof *clean)
			clean[nclean++] = pass;
		if (print) {
			fprintf(print, "; after %s%s\n", name, changed ? "" : " (no change)");
			if (changed)
				ir_print(f, print);
		}
		if (verify && !ir_verify(f, msg, sizeof msg))
			return err_set(err, WASM_ERR_INVALID, SIZE_MAX, "IR after %s: %s", name, msg);
		p += n;
		if (*p == ',')
			p++;
	}
	/* the passes' scratch buffer back to malloc, for lowering's arrays
	 * to reuse its pages (printf_core's cold compile: 15 fewer page
	 * faults) */
	ir_tmp_release(f);
	return WASM_OK;
}
