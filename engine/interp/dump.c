/* dump.c -- tier 0's dump (interp_dump, reached through the tier table by
 * wasm_module_dump): a function's pre-decoded code as text, one instruction
 * a line, for people reading what the pre-decoder made of a body.
 *
 * The printer knows no op: each line comes from the tables in ops.h (the
 * op's name, family and traps; its layout's fields, by name and kind), so
 * an instruction added there prints without a change here.
 */
#include "interp/fcode.h"
#include "interp/ops.h"
#include "front/module.h"

#include <inttypes.h>
#include <stdio.h>

/* One field of a layout. */
typedef struct {
	const char *name;
	uint8_t kind;              /* enum op_field_kind */
	uint8_t off;               /* bytes from the instruction's start */
} dump_field;

#define DUMP_MAX_FIELDS 8

/* The fields of layout lay, in order, into out; returns their number. */
static uint32_t layout_fields(enum op_layout lay, dump_field *out)
{
	uint32_t n = 0;
	switch (lay) {
#define DUMP_FIELD_(kind, fname) \
	out[n++] = (dump_field){ #fname, OPK_##kind, (uint8_t)offsetof(T_, fname) };
#define DUMP_LAYOUT_(l, fields) \
	case OPL_##l: { \
		typedef struct op_##l T_; \
		(void)sizeof(T_);   /* NONE has no fields */ \
		fields \
		break; \
	}
	INTERP_LAYOUTS(DUMP_LAYOUT_, DUMP_FIELD_)
#undef DUMP_LAYOUT_
#undef DUMP_FIELD_
	default:
		break;
	}
	return n;
}

_Static_assert(DUMP_MAX_FIELDS >= 2 * OP_MAX_SLOTS, "room for every field");

/* A slot as text: l<n> for a local, s<n> for operand slot n (counted from
 * the first slot after the locals). */
static void slot_print(FILE *out, uint32_t slot, uint32_t nlocals)
{
	if (slot < nlocals)
		fprintf(out, "l%" PRIu32, slot);
	else
		fprintf(out, "s%" PRIu32, slot - nlocals);
}

static void field_print(FILE *out, const uint8_t *code, uint32_t off,
	const dump_field *f, uint32_t nlocals)
{
	const uint8_t *p = code + off + f->off;
	fprintf(out, " %s=", f->name);
	switch (f->kind) {
	case OPK_D:
	case OPK_S:
	case OPK_BASE: {
		OPF_S v;
		memcpy(&v, p, sizeof v);
		slot_print(out, v, nlocals);
		break;
	}
	case OPK_K16: {
		OPF_K16 v;
		memcpy(&v, p, sizeof v);
		fprintf(out, "%" PRIu16, v);
		break;
	}
	case OPK_I32:
	case OPK_CNT: {
		OPF_I32 v;
		memcpy(&v, p, sizeof v);
		if (v >= 0x80000000u)
			fprintf(out, "0x%08" PRIx32, v);
		else
			fprintf(out, "%" PRIu32, v);
		break;
	}
	case OPK_I64: {
		OPF_I64 v;
		memcpy(&v, p, sizeof v);
		fprintf(out, "0x%" PRIx64, v);
		break;
	}
	case OPK_REL: {
		OPF_REL v;
		memcpy(&v, p, sizeof v);
		fprintf(out, "@%" PRId64, (int64_t)off + f->off + v);
		break;
	}
	default:
		fprintf(out, "?");
		break;
	}
}

/* One instruction: offset, op, its fields, the targets after a variable
 * part (BR_TABLE), its family, and where it traps in the wasm body. */
static void insn_print(FILE *out, const struct fcode *fc, uint32_t off)
{
	const uint8_t *ip = fc->code + off;
	enum interp_op op = insn_op(ip);
	const op_info_t *info = &op_infos[op];
	dump_field fields[DUMP_MAX_FIELDS];
	uint32_t nf = layout_fields((enum op_layout)info->layout, fields);

	fprintf(out, "%6" PRIu32 "  %-14s", off, info->name);
	for (uint32_t i = 0; i < nf; i++)
		if (fields[i].kind != OPK_REL)
			field_print(out, fc->code, off, &fields[i], fc->nlocals);
	uint32_t nbr = insn_branch_count(ip);
	if (nbr > 1) {
		fprintf(out, " targets=");
		for (uint32_t k = 0; k < nbr; k++)
			fprintf(out, "%s@%" PRId64, k ? "," : "",
				insn_branch_target(fc->code, off, k));
	} else if (nbr == 1) {
		fprintf(out, " target=@%" PRId64, insn_branch_target(fc->code, off, 0));
	}
	fprintf(out, "  ; %s", op_family_names[info->family]);
	if (info->traps != OPTR_NONE) {
		size_t w = fcode_wasm_offset(fc, ip);
		fprintf(out, " traps=%s", op_traps_names[info->traps]);
		if (w != SIZE_MAX)
			fprintf(out, " wasm=0x%zx", w);
	}
	fputc('\n', out);
}

static void valtypes_print(FILE *out, const uint8_t *t, uint32_t n)
{
	fputc('(', out);
	for (uint32_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", wasm_valtype_name((wasm_valtype)t[i]));
	fputc(')', out);
}

/* The header: index, export name, signature, locals, frame and size. */
static void func_header_print(FILE *out, const wasm_module *m, uint32_t fi,
	const struct fcode *fc)
{
	const functype *t = &m->types[m->funcs[fi].type];
	fprintf(out, "func %" PRIu32, fi);
	for (uint32_t e = 0; e < m->nexports; e++)
		if (m->exports[e].kind == WASM_EXTERN_FUNC && m->exports[e].index == fi) {
			fprintf(out, " \"%s\"", m->exports[e].name);
			break;
		}
	fputc(' ', out);
	valtypes_print(out, functype_params(t), t->nparams);
	fprintf(out, " -> ");
	valtypes_print(out, functype_results(t), t->nresults);
	uint32_t frame = fc->code_len ? OP_AT(fc->code, ENTER)->frame : 0;
	fprintf(out, " nlocals=%" PRIu32 " frame=%" PRIu32 " code=%" PRIu32 "\n",
		fc->nlocals, frame, fc->code_len);
}

wasm_status interp_dump(wasm_module *m, uint32_t fi, FILE *out,
	wasm_error *err)
{
	wasm_status st = WASM_OK;
	if (!m->funcs[fi].code) {
		st = func_compile(m, fi, err);
		if (st != WASM_OK)
			goto out;
	}
	const struct fcode *fc = m->funcs[fi].code;
	func_header_print(out, m, fi, fc);
	for (uint32_t off = 0; off < fc->code_len; off += insn_len(fc->code + off))
		insn_print(out, fc, off);
out:
	return st;
}
