/* ops.c -- the facts of the pre-decoded instruction set that derive from
 * the tables in ops.h: names, lengths, where the slot and branch fields of
 * each layout are. */
#include "interp/ops.h"

#include <stdlib.h>

/* The groups that code maps onto each other by arithmetic keep one order:
 * the pre-decoder (a compare onto its compare-and-branch, a load or a
 * store onto its fused-address forms, an op onto its immediate form) and
 * the baseline JIT (an op's place in its group picks the instruction, for
 * i32 and i64 alike).  Every such mapping is listed here, once. */
#define SAME_ORDER(a0, a1, b0, b1) \
	_Static_assert(OP_##a1 - OP_##a0 == OP_##b1 - OP_##b0, \
		#a0 ".." #a1 " and " #b0 ".." #b1 " must stay parallel")
SAME_ORDER(EQ32, GEU32, EQ_BR32, GEU_BR32);
SAME_ORDER(EQ32I, GEU32I, EQ_BR32I, GEU_BR32I);
SAME_ORDER(EQ64, GEU64, EQ_BR64, GEU_BR64);
SAME_ORDER(EQ32, GEU32, EQ32I, GEU32I);
SAME_ORDER(EQ64, GEU64, EQ64I, GEU64I);
SAME_ORDER(LD_I32, LD_32S64, LDA_I32, LDA_32S64);
SAME_ORDER(LD_I32, LD_32S64, LDX_I32, LDX_32S64);
SAME_ORDER(LD_I32, LD_32S64, LDS_I32, LDS_32S64);
SAME_ORDER(ST_8, ST_64, STA_8, STA_64);
SAME_ORDER(ST_8, ST_64, STX_8, STX_64);
SAME_ORDER(ST_8, ST_64, STS_8, STS_64);
SAME_ORDER(EQ32, ROTR32, EQ64, ROTR64);
SAME_ORDER(FEQ32, FCOPYSIGN32, FEQ64, FCOPYSIGN64);
SAME_ORDER(EQ32I, SHRU32I, EQ64I, SHRU64I);
#undef SAME_ORDER
_Static_assert(OP_COUNT_ <= UINT16_MAX + 1, "an op must fit the head");
_Static_assert(OPL_COUNT_ <= UINT8_MAX && OPFAM_COUNT_ <= UINT8_MAX,
	"layouts and families are kept in bytes");

const op_info_t op_infos[OP_COUNT_] = {
#define OPS_INFO_(op, lay, fam, T, tr) [OP_##op] = { #op, OPL_##lay, \
	OPFAM_##fam, OPT_##T, OPTR_##tr },
#define INTERP_OPS_X OPS_INFO_
	INTERP_OPS(OPS_INFO_)
#undef INTERP_OPS_X
#undef OPS_INFO_
};

const char *const op_family_names[OPFAM_COUNT_] = {
#define OPS_NAME_(f) [OPFAM_##f] = #f,
	INTERP_FAMILIES(OPS_NAME_)
#undef OPS_NAME_
};

const char *const op_traps_names[OPTR_COUNT_] = {
#define OPS_NAME_(t) [OPTR_##t] = #t,
	INTERP_TRAPS(OPS_NAME_)
#undef OPS_NAME_
};

/* A layout with more slot or immediate fields than op_layout_info holds is
 * a mistake in INTERP_LAYOUTS: stop before anything reads the table. */
static void add_field(op_layout_info *li, int kind, size_t off)
{
	switch (kind) {
	case OPK_D:
		if (off == sizeof(op_head))
			li->dst_off = (uint8_t)off;
		li->slot_writes |= (uint8_t)(1u << li->nslots);
		/* fall through */
	case OPK_S:
	case OPK_BASE:
		if (li->nslots >= OP_MAX_SLOTS)
			abort();
		li->slot_off[li->nslots++] = (uint8_t)off;
		break;
	case OPK_REL:
		li->rel_off = (uint8_t)off;
		break;
	case OPK_K16:
	case OPK_I32:
	case OPK_I64:
		if (li->nimms >= OP_MAX_IMMS)
			abort();
		li->imm_kind[li->nimms] = (uint8_t)kind;
		li->imm_off[li->nimms++] = (uint8_t)off;
		break;
	default:
		break;
	}
}

op_layout_info op_layouts[OPL_COUNT_];

/* Filled before main: a block per layout names the layout's struct T_ so
 * that each field's offset comes from the compiler. */
__attribute__((constructor)) static void op_layouts_init(void)
{
#define OPS_FIELD_(kind, name) add_field(&li, OPK_##kind, offsetof(T_, name));
#define OPS_LAYOUT_(lay, fields) { \
		typedef struct op_##lay T_; \
		op_layout_info li = { .name = #lay, .len = (uint8_t)sizeof(T_) }; \
		fields \
		op_layouts[OPL_##lay] = li; \
	}
	INTERP_LAYOUTS(OPS_LAYOUT_, OPS_FIELD_)
#undef OPS_LAYOUT_
#undef OPS_FIELD_
}
