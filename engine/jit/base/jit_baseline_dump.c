/* jit_baseline_dump.c -- the baseline compiler's listing (jit_dump_func):
 * a function compiled again in listing mode, which records where each
 * pre-decoded instruction's machine code starts, and printed.
 *
 * The listing, one function:
 *
 *   ; baseline JIT, function 3: 245 bytes of machine code ...
 *   ; 0x0000 ENTER: 0x0000-0x0041 (65 bytes)
 *     0000: 55 48 3b 66 28 0f 82 ...
 *   ; 0x0014 LD_I32: 0x0041-0x004c (11 bytes)
 *     0041: ...
 *   ; tail: trap integer divide by zero at 0x0040: 0x00b0-0x00c2 (18 bytes)
 *     00b0: ...
 *   ; align: 0x00c2-0x00d0 (14 bytes)
 *   ; OSR entry: 0x00d0-0x00f5 (37 bytes)
 *
 * Comment lines start with ';'; byte lines are "  OFFSET: BYTES", offsets
 * in hex from the function's entry, so that
 *   grep -E '^ +[0-9a-f]+:' LISTING | cut -d: -f2 | xxd -r -p > f.bin
 *   objdump -D -b binary -mi386:x86-64 f.bin
 * disassembles the function at the same offsets.  The ranges cover the
 * machine code exactly once, in order.
 */
#include "jit/base/jit_baseline.h"

#include <stdio.h>

/* Bytes [from, to) of the code, 16 to a line. */
static void print_bytes(FILE *out, const uint8_t *code, uint32_t from,
	uint32_t to)
{
	for (uint32_t at = from; at < to; at += 16) {
		fprintf(out, "  %04x:", at);
		for (uint32_t i = at; i < to && i < at + 16; i++)
			fprintf(out, " %02x", code[i]);
		fputc('\n', out);
	}
}

static void print_range(FILE *out, const uint8_t *code, uint32_t from,
	uint32_t to)
{
	fprintf(out, ": 0x%04x-0x%04x (%u bytes)\n", from, to, to - from);
	print_bytes(out, code, from, to);
}

static void print_tail_name(FILE *out, const jit_site *s)
{
	switch ((enum jit_site_how)s->how) {
	case JS_TRAP:
		fprintf(out, "; tail: trap %s at 0x%04x",
			wasm_trap_kind_name((wasm_trap_kind)s->kind), s->off);
		break;
	case JS_TRAP_EAX:
		fprintf(out, "; tail: trap of a slow op at 0x%04x", s->off);
		break;
	case JS_CALL_FAIL:
		fprintf(out, "; tail: failed call at 0x%04x", s->off);
		break;
	case JS_HOT_ENTRY:
	case JS_HOT_LOOP:
		fprintf(out, "; tail: hotness budget spent at 0x%04x", s->off);
		break;
	}
}

static void print_listing(const jc *c, uint32_t osr_off, FILE *out)
{
	const uint8_t *code = c->b.code;
	uint32_t len = (uint32_t)x64_buf_len(&c->b);
	uint32_t body_end = c->nsites ? c->sites[0].at : c->tails_end;

	fprintf(out, "; baseline JIT, function %u: %u bytes of machine code "
		"(body %u, tails %u, OSR entry at 0x%04x) from %u bytes of "
		"pre-decoded code in %u instructions\n", c->fidx, len, body_end,
		len - body_end, osr_off, c->fc->code_len, c->nmarks);
	for (uint32_t i = 0; i < c->nmarks; i++) {
		uint32_t off = c->marks[i][0];
		uint32_t to = i + 1 < c->nmarks ? c->marks[i + 1][1] : body_end;
		fprintf(out, "; 0x%04x %s", off,
			op_infos[insn_op(c->fc->code + off)].name);
		print_range(out, code, c->marks[i][1], to);
	}
	for (uint32_t i = 0; i < c->nsites; i++) {
		print_tail_name(out, &c->sites[i]);
		print_range(out, code, c->sites[i].at,
			i + 1 < c->nsites ? c->sites[i + 1].at : c->tails_end);
	}
	if (osr_off > c->tails_end) {
		fprintf(out, "; align");
		print_range(out, code, c->tails_end, osr_off);
	}
	fprintf(out, "; OSR entry");
	print_range(out, code, osr_off, len);
}

wasm_status jit_dump_func(wasm_module *m, uint32_t func_index, FILE *out,
	wasm_error *err)
{
	jc cc, *c = &cc;
	uint32_t osr_off;
	wasm_status st;

	if (func_index >= m->nfuncs || func_index < m->nfunc_imports)
		return err_set(err, WASM_ERR_ARG, SIZE_MAX,
			"function %u: %s", func_index, func_index < m->nfuncs ?
			"an import has no code to compile" : "no such function");
	const struct fcode *fc = fcode_get(m, func_index);
	if (!fc)
		return err_set(err, WASM_ERR_NOMEM, SIZE_MAX,
			"function %u: out of memory pre-decoding it", func_index);
	if (!jc_translate(c, m, func_index, fc, true, &osr_off)) {
		if (c->bail)
			st = err_set(err, WASM_ERR_UNSUPPORTED, SIZE_MAX,
				"function %u: the baseline JIT refuses it: %s",
				func_index, c->bail);
		else
			st = err_set(err, WASM_ERR_NOMEM, SIZE_MAX,
				"function %u: out of memory compiling it", func_index);
		goto out;
	}
	print_listing(c, osr_off, out);     /* write errors: ferror(out) */
	st = WASM_OK;
out:
	jc_free(c);
	return st;
}
