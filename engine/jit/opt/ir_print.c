/* ir_print.c -- the IR as text, between passes and in `dump --ir`.
 *
 *   func 3: 2 slots, 1 result (i32)
 *   b1: <- b0 b2   ; loop @0x14, osr s0=v5 s1=v6
 *     v5 = phi.i32 v1, v9
 *     v7 = idiv_s.i32 v5, v6        ; trap @wasm 0x2a
 *     branch v8 -> b2 b3
 *
 * One line per instruction: the value, the op and its type, the operands,
 * immediates, then where it traps.
 */
#include "jit/opt/ir.h"
#include "interp/ops.h"
#include "wasm.h"

#include <inttypes.h>
#include <string.h>

static void print_imm(const ir_insn *i, FILE *out)
{
	switch (i->type) {
	case IRT_I32:
		fprintf(out, " %" PRId32, (int32_t)(uint32_t)i->imm);
		break;
	case IRT_I64:
		fprintf(out, " %" PRId64, (int64_t)i->imm);
		break;
	case IRT_F32: {
		float x;
		uint32_t u = (uint32_t)i->imm;
		memcpy(&x, &u, 4);
		fprintf(out, " %a (0x%08" PRIx32 ")", (double)x, u);
		break;
	}
	case IRT_F64: {
		double x;
		memcpy(&x, &i->imm, 8);
		fprintf(out, " %a (0x%016" PRIx64 ")", x, i->imm);
		break;
	}
	default:
		break;
	}
}

void ir_print_insn(ir_func *f, ir_ref r, FILE *out)
{
	ir_insn *i = ir_at(f, r);
	const ir_op_info *oi = &ir_ops[i->op];
	fputs("  ", out);
	if (oi->result != IRR_NONE)
		fprintf(out, "v%u = ", r);
	fputs(oi->name, out);
	if (i->type != IRT_NONE)
		fprintf(out, ".%s", ir_type_names[i->type]);
	if (oi->kind[0] == IRK_SI || oi->kind[0] == IRK_SF)
		fprintf(out, ".%s", i->aux < IRT_COUNT_ ? ir_type_names[i->aux] : "?");
	if (i->op == IR_CONST)
		print_imm(i, out);
	for (uint32_t k = 0; k < i->nargs; k++)
		fprintf(out, "%s v%u", k ? "," : "", ir_args(f, r)[k]);
	switch (i->op) {
	case IR_PARAM: case IR_RESULT: fprintf(out, " #%u", i->aux); break;
	case IR_VOP: case IR_VLOAD: case IR_VSTORE:
		fprintf(out, " %s lane %u imm 0x%" PRIx64, i->aux < OP_COUNT_ ?
			op_infos[i->aux].name : "?", i->aux2, i->imm);
		break;
	case IR_GLOBAL_GET: case IR_GLOBAL_SET: fprintf(out, " global %u", i->aux); break;
	case IR_CALL: case IR_CALL_IMPORT: fprintf(out, " func %u", i->aux); break;
	case IR_CALL_INDIRECT: fprintf(out, " table %u type %u", i->aux, i->aux2); break;
	case IR_REF_FUNC: fprintf(out, " func %u", i->aux); break;
	case IR_TABLE_GET: case IR_TABLE_SET: case IR_TABLE_SIZE: case IR_TABLE_GROW:
	case IR_TABLE_FILL: fprintf(out, " table %u", i->aux); break;
	case IR_TABLE_COPY: fprintf(out, " table %u table %u", i->aux, i->aux2); break;
	case IR_TABLE_INIT: fprintf(out, " table %u elem %u", i->aux, i->aux2); break;
	case IR_ELEM_DROP: fprintf(out, " elem %u", i->aux); break;
	case IR_MEMORY_INIT: case IR_DATA_DROP: fprintf(out, " data %u", i->aux); break;
	case IR_ENTRY_CHECK: case IR_LOOP_CHECK: if (i->aux) fputs(" fuel", out); break;
	default: break;
	}
	if (i->op == IR_ENTRY_CHECK && i->imm)
		fprintf(out, " frame %" PRIu64, i->imm);
	if (i->op >= IR_LOAD && i->op <= IR_STORE64 && i->imm)
		fprintf(out, " +%" PRIu64, i->imm);
	const ir_block *bl = i->block < f->nb ? &f->b[i->block] : NULL;
	if (oi->effects & IRE_CTRL && bl && bl->nsucc) {
		fputs(" ->", out);
		for (uint32_t k = 0; k < bl->nsucc; k++)
			fprintf(out, " b%u", bl->succ[k]);
	}
	if (oi->effects & IRE_TRAP && i->op != IR_ENTRY_CHECK && i->op != IR_LOOP_CHECK) {
		if (i->op == IR_TRAP)
			fprintf(out, "  ; trap %s", wasm_trap_kind_name((wasm_trap_kind)i->aux));
		else
			fputs("  ; may trap", out);
		if (i->wasm_off != UINT32_MAX)
			fprintf(out, " @wasm 0x%x", i->wasm_off);
	}
	ir_inl in = ir_inl_of(f, r);
	if (in.func)
		fprintf(out, "  ; inlined func %u at slot %u", in.func - 1,
			in.base);
	fputc('\n', out);
}

void ir_print(ir_func *f, FILE *out)
{
	fprintf(out, "func %u: %u slots (%u locals), results (", f->func_index,
		f->nslots, f->nlocals);
	for (uint32_t k = 0; k < f->nresults; k++)
		fprintf(out, "%s%s", k ? " " : "", ir_type_names[f->result_types[k]]);
	fputs(")\n", out);
	for (uint32_t b = 0; b < f->nb; b++) {
		const ir_block *bl = &f->b[b];
		if (bl->dead)
			continue;
		fprintf(out, "b%u:", b);
		if (bl->npred) {
			fputs(" <-", out);
			for (uint32_t k = 0; k < bl->npred; k++)
				fprintf(out, " b%u", bl->pred[k]);
		}
		fprintf(out, "   ; @0x%x", bl->code_off);
		if (bl->osr) {
			const ir_osr *o = &f->osr[bl->osr - 1];
			fputs(", loop, osr", out);
			for (uint32_t s = 0; s < o->nslots; s++)
				if (o->slot[s])
					fprintf(out, " s%u=v%u", s, o->slot[s]);
		}
		fputc('\n', out);
		for (uint32_t k = 0; k < bl->ninsn; k++)
			if (f->v[bl->insn[k]].op != IR_NOP)
				ir_print_insn(f, bl->insn[k], out);
	}
}
