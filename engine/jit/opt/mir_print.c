/* mir_print.c -- tier 2's machine IR as text (mir.h: mir_print), for
 * `wasmhost dump --opt`, CHECK_OPT_PRINT and the tests' MIR patterns.
 * (Split from lower.c, which keeps instruction selection.) */
#include "jit/opt/mir.h"

#include <stdio.h>

static const char *const gpr_names[16] = {
#define GPR_NAME_(n, q, d, w, b) q,
	X64_GPR_LIST(GPR_NAME_)
#undef GPR_NAME_
};
static const char *const cc_names[16] = {
#define CC_NAME_(n, s) s,
	X64_CC_LIST(CC_NAME_)
#undef CC_NAME_
};

static void print_loc(int loc, FILE *out)
{
	if (MIR_LOC_IS_XMM(loc))
		fprintf(out, "xmm%d", loc - MIR_LOC_XMM);
	else
		fprintf(out, "%s", gpr_names[loc]);
}

static void print_reg(const mir_func *mf, mir_reg v, FILE *out)
{
	if (MIR_IS_PHYS(v)) {
		fprintf(out, "%%");
		print_loc(MIR_LOC(v), out);
		return;
	}
	fprintf(out, "v%u%s", v, mir_vsize(mf, v) == 16 ? "v" : mir_vflt(mf, v) ? "f" : "");
	if (mf->reg && v < mf->nv) {
		if (mf->reg[v] >= 0) {
			fprintf(out, "(");
			print_loc(mf->reg[v], out);
			fprintf(out, ")");
		}
		else if (mf->spill[v] >= 0)
			fprintf(out, "([rsp+%d])", 8 * mf->spill[v]);
	}
}

/* The operands of an instruction with a fused load: [r15 + base + disp]. */
static void print_memop(const mir_func *mf, const mir_insn *i, const char *sep,
	FILE *out)
{
	bool cmp = i->op == MIR_CMPM || i->op == MIR_VFALUM ||   /* a, then [m] */
		i->op == MIR_VOP3M;
	mir_reg base = cmp ? i->b : i->a;
	if (cmp && i->a) {
		fprintf(out, "%s", sep);
		print_reg(mf, i->a, out);
		sep = ", ";
	}
	fprintf(out, "%s[r15", sep);
	if (base) {
		fprintf(out, " + ");
		print_reg(mf, base, out);
	}
	fprintf(out, " + %lld]:%u", (long long)(cmp ? (int32_t)i->slot : i->imm),
		i->size * 8);
	if (cmp && i->hasimm)
		fprintf(out, ", %lld", (long long)i->imm);
}

void mir_print(const mir_func *mf, FILE *out)
{
	static const char *const alu[8] = { "add", "or", "adc", "sbb", "and",
		"sub", "xor", "cmp" };
	static const char *const sh[8] = { "rol", "ror", "rcl", "rcr", "shl",
		"shr", "?", "sar" };
	fprintf(out, "mir func %u: %u blocks, %u registers", mf->func_index,
		mf->nb, mf->nv - MIR_FIRST_VIRT);
	if (mf->reg)
		fprintf(out, ", %u spill slots", mf->nspill);
	fprintf(out, "\n");
	for (uint32_t bi = 0; bi < mf->nb; bi++) {
		const mir_block *b = &mf->b[bi];
		fprintf(out, "b%u:", bi);
		if (b->ir_block != UINT32_MAX)
			fprintf(out, "  ; ir b%u", b->ir_block);
		else
			fprintf(out, "  ; edge");
		fprintf(out, "\n");
		for (uint32_t j = 0; j < b->n; j++) {
			const mir_insn *i = &b->insn[j];
			const mir_op_info *oi = &mir_ops[i->op];
			fprintf(out, "  %s", oi->name);
			if (i->op == MIR_ALU || i->op == MIR_ALUM)
				fprintf(out, ".%s", alu[i->aux & 7]);
			else if (i->op == MIR_SHIFT)
				fprintf(out, ".%s", sh[i->aux & 7]);
			else if (i->op == MIR_SETCC || i->op == MIR_CMOV || i->op == MIR_JCC)
				fprintf(out, ".%s", cc_names[i->cc & 15]);
			if (i->op != MIR_JMP && i->op != MIR_JCC && i->op != MIR_PMOV)
				fprintf(out, ".%u", i->size * 8);
			const char *sep = " ";
			if (i->d) {
				fprintf(out, "%s", sep);
				print_reg(mf, i->d, out);
				sep = ", ";
			}
			if (i->op == MIR_LOAD || i->op == MIR_STORE) {
				fprintf(out, "%s[r15", sep);
				if (i->a) {
					fprintf(out, " + ");
					print_reg(mf, i->a, out);
				}
				fprintf(out, " + %lld]", (long long)(i->op == MIR_LOAD ?
					i->imm : (int32_t)i->slot));
				fprintf(out, ":%u%s", (i->aux & 15) * 8,
					i->aux & MIR_SIGNED ? "s" : "");
				sep = ", ";
				if (i->op == MIR_STORE) {
					fprintf(out, "%s", sep);
					if (i->b)
						print_reg(mf, i->b, out);
					else
						fprintf(out, "%lld", (long long)i->imm);
				}
			} else if (i->op == MIR_ALUM || i->op == MIR_IMULM ||
				   i->op == MIR_FALUM || i->op == MIR_CMPM ||
				   i->op == MIR_VFALUM || i->op == MIR_VOP3M) {
				print_memop(mf, i, sep, out);
			} else if (i->op == MIR_LEA) {
				fprintf(out, "%s[", sep);
				print_reg(mf, i->a, out);
				if (i->b) {
					fprintf(out, " + ");
					print_reg(mf, i->b, out);
					fprintf(out, "*%u", i->aux);
				}
				fprintf(out, " + %lld]", (long long)i->imm);
			} else {
				if (i->a) {
					fprintf(out, "%s", sep);
					print_reg(mf, i->a, out);
					sep = ", ";
				}
				if (i->b) {
					fprintf(out, "%s", sep);
					print_reg(mf, i->b, out);
					sep = ", ";
				}
				if (i->hasimm || i->op == MIR_MOVI || i->op == MIR_IMULI) {
					fprintf(out, "%s%lld", sep, (long long)i->imm);
					sep = ", ";
				}
			}
			switch (i->op) {
			case MIR_LDSLOT: case MIR_STSLOT:
				fprintf(out, "%sslot %u", sep, i->slot);
				break;
			case MIR_GLOBAL_GET: case MIR_GLOBAL_SET:
				fprintf(out, "%sglobal %u", sep, i->slot);
				break;
			case MIR_CALL:
				fprintf(out, " func %lld, base %u", (long long)i->imm, i->slot);
				break;
			case MIR_SLOWOP:
				fprintf(out, " %s, frame %u", op_infos[i->imm].name, i->slot);
				break;
			case MIR_DIV:
				fprintf(out, "%s%s%s", sep, i->aux & MIR_DIV_SIGNED ? "s" : "u",
					i->aux & MIR_DIV_REM ? " rem" : "");
				break;
			case MIR_MULH:
				fprintf(out, "%s%s", sep, i->aux & MIR_SIGNED ? "s" : "u");
				break;
			case MIR_TRAP:
				fprintf(out, " %s", wasm_trap_kind_name((wasm_trap_kind)i->aux));
				break;
			case MIR_VOP: case MIR_VOP3: case MIR_VOP3M: case MIR_VDEF: case MIR_VGET:
			case MIR_VST:
				fprintf(out, "%s%s", sep, op_infos[i->aux].name);
				if (i->imm && !i->hasimm)       /* a count: above */
					fprintf(out, " +%lld", (long long)i->imm);
				break;
			case MIR_PMOV:
				for (uint32_t k = 0; k < i->aux; k++) {
					const mir_move *mv = &mf->moves[i->imm + k];
					fprintf(out, "%s", k ? ", " : " ");
					print_reg(mf, mv->dst, out);
					fprintf(out, " <- ");
					if (mv->src)
						print_reg(mf, mv->src, out);
					else
						fprintf(out, "%lld", (long long)mv->imm);
				}
				break;
			case MIR_JMP:
				fprintf(out, " b%u", b->succ[0]);
				break;
			case MIR_JCC:
				fprintf(out, " b%u, b%u", b->succ[0], b->succ[1]);
				break;
			case MIR_JTAB: case MIR_JTCASE:
				fprintf(out, " case b%u", b->succ[0]);
				if (b->nsucc > 1)
					fprintf(out, ", chain b%u", b->succ[1]);
				break;
			default:
				break;
			}
			fprintf(out, "\n");
		}
	}
}
