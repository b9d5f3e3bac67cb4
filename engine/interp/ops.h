/* interp_ops.h -- the interpreter's internal instruction set (X-macro).
 *
 * Code is a byte stream.  Every instruction starts with a 4-byte handler
 * offset (relative to the dispatch base in interp.c), followed by its
 * fields, read unaligned:
 *   d, a, b, c, v, n, i, s   16-bit frame slot indexes (fp[x])
 *   imm32 / imm64            immediates
 *   rel32                    signed branch displacement, relative to the
 *                            address of the rel32 field itself
 *   idx32                    function / global / table / segment index
 * Families that the compiler maps by arithmetic (compare -> fused branch,
 * op -> op with immediate) must keep the same order; see compile.c.
 *
 * Layouts (after the 4-byte op):
 *   ENTER/ENTER_FUEL   count32 first32 nzero32 frame32
 *                      entry counter; zero locals [first, first+nzero);
 *                      frame size in slots for the stack check
 *   LOOP/LOOP_FUEL     count32                    back-edge counter
 *   BR                 rel32
 *   BR_IF/BR_UNLESS    c rel32
 *   BR_TABLE           i n32 rel32*(n+1)
 *   CALL/CALL_IMPORT   base idx32
 *   CALL_INDIRECT      base i table32 typeid32
 *   COPY d s | CONST32 d imm32 | CONST64 d imm64 | SELECT d c a b
 *   loads  d a off32 | stores a v off32
 *   binary d a b | unary d a | binary-imm d a imm32 (i64: sign-extended)
 *   BR_<cmp>  a b rel32 | BR_<cmp>I  a imm32 rel32
 *   fused address arithmetic, ea = (u32)(x + imm32) + off32 or
 *   (u32)(x + y) + off32:
 *   LDA_* d x imm32 off32 | LDX_* d x y off32
 *   STA_* x imm32 v off32 | STX_* x y v off32
 *   ADDSHL32 d x y k16: d = x + (y << k), the scaled index of an array
 *   LDS_* d x y k16 off32 | STS_* x y k16 v off32: ea = (u32)(x + (y << k)) + off
 */
#ifndef ENGINE_INTERP_OPS_H
#define ENGINE_INTERP_OPS_H

#define CMP_FAMILY(X, sfx) \
	X(EQ##sfx) X(NE##sfx) X(LTS##sfx) X(LTU##sfx) X(GTS##sfx) \
	X(GTU##sfx) X(LES##sfx) X(LEU##sfx) X(GES##sfx) X(GEU##sfx)

#define INT_ARITH(X, sfx) \
	X(CLZ##sfx) X(CTZ##sfx) X(POPCNT##sfx) X(ADD##sfx) X(SUB##sfx) \
	X(MUL##sfx) X(DIVS##sfx) X(DIVU##sfx) X(REMS##sfx) X(REMU##sfx) \
	X(AND##sfx) X(OR##sfx) X(XOR##sfx) X(SHL##sfx) X(SHRS##sfx) \
	X(SHRU##sfx) X(ROTL##sfx) X(ROTR##sfx)

#define FLOAT_OPS(X, sfx) \
	X(FEQ##sfx) X(FNE##sfx) X(FLT##sfx) X(FGT##sfx) X(FLE##sfx) X(FGE##sfx) \
	X(FABS##sfx) X(FNEG##sfx) X(FCEIL##sfx) X(FFLOOR##sfx) X(FTRUNC##sfx) \
	X(FNEAREST##sfx) X(FSQRT##sfx) X(FADD##sfx) X(FSUB##sfx) X(FMUL##sfx) \
	X(FDIV##sfx) X(FMIN##sfx) X(FMAX##sfx) X(FCOPYSIGN##sfx)

/* Ops with an immediate second operand, in compare order first. */
#define IMM_FAMILY(X, sfx) \
	CMP_FAMILY(X, sfx##I) X(ADD##sfx##I) X(MUL##sfx##I) X(AND##sfx##I) \
	X(OR##sfx##I) X(XOR##sfx##I) X(SHL##sfx##I) X(SHRS##sfx##I) X(SHRU##sfx##I)

/* Load and store kinds, in the order of the plain ops (LD_I32 ...). */
#define LOAD_KINDS(X, pfx) \
	X(pfx##_I32) X(pfx##_I64) X(pfx##_8S32) X(pfx##_8U) X(pfx##_16S32) \
	X(pfx##_16U) X(pfx##_8S64) X(pfx##_16S64) X(pfx##_32S64)
#define STORE_KINDS(X, pfx) X(pfx##_8) X(pfx##_16) X(pfx##_32) X(pfx##_64)

#define INTERP_OPS(X) \
	X(UNREACHABLE) X(EXIT) X(ENTER) X(ENTER_FUEL) X(LOOP) X(LOOP_FUEL) \
	X(BR) X(BR_IF) X(BR_UNLESS) X(BR_TABLE) X(RET) \
	X(CALL) X(CALL_IMPORT) X(CALL_INDIRECT) \
	X(COPY) X(CONST32) X(CONST64) X(SELECT) X(GLOBAL_GET) X(GLOBAL_SET) \
	X(REF_IS_NULL) X(REF_FUNC) \
	X(TABLE_GET) X(TABLE_SET) X(TABLE_SIZE) X(TABLE_GROW) X(TABLE_FILL) \
	X(TABLE_COPY) X(TABLE_INIT) X(ELEM_DROP) \
	X(MEMORY_SIZE) X(MEMORY_GROW) X(MEMORY_FILL) X(MEMORY_COPY) \
	X(MEMORY_INIT) X(DATA_DROP) \
	X(LD_I32) X(LD_I64) X(LD_8S32) X(LD_8U) X(LD_16S32) X(LD_16U) \
	X(LD_8S64) X(LD_16S64) X(LD_32S64) \
	X(ST_8) X(ST_16) X(ST_32) X(ST_64) \
	X(EQZ32) CMP_FAMILY(X, 32) INT_ARITH(X, 32) \
	X(EQZ64) CMP_FAMILY(X, 64) INT_ARITH(X, 64) \
	FLOAT_OPS(X, 32) FLOAT_OPS(X, 64) \
	X(WRAP) X(TRUNC_F32_S32) X(TRUNC_F32_U32) X(TRUNC_F64_S32) X(TRUNC_F64_U32) \
	X(TRUNC_F32_S64) X(TRUNC_F32_U64) X(TRUNC_F64_S64) X(TRUNC_F64_U64) \
	X(SAT_F32_S32) X(SAT_F32_U32) X(SAT_F64_S32) X(SAT_F64_U32) \
	X(SAT_F32_S64) X(SAT_F32_U64) X(SAT_F64_S64) X(SAT_F64_U64) \
	X(CONV_S32_F32) X(CONV_U32_F32) X(CONV_S64_F32) X(CONV_U64_F32) X(DEMOTE) \
	X(CONV_S32_F64) X(CONV_U32_F64) X(CONV_S64_F64) X(CONV_U64_F64) X(PROMOTE) \
	X(EXT8S32) X(EXT16S32) X(EXT8S64) X(EXT16S64) X(EXT32S64) \
	IMM_FAMILY(X, 32) IMM_FAMILY(X, 64) \
	CMP_FAMILY(X, _BR32) CMP_FAMILY(X, _BR32I) CMP_FAMILY(X, _BR64) \
	LOAD_KINDS(X, LDA) LOAD_KINDS(X, LDX) STORE_KINDS(X, STA) STORE_KINDS(X, STX) \
	X(ADDSHL32) LOAD_KINDS(X, LDS) STORE_KINDS(X, STS)

enum interp_op {
#define X(name) OP_##name,
	INTERP_OPS(X)
#undef X
	OP_COUNT_
};

/* Handler offsets indexed by enum interp_op (interp.c). */
const int32_t *interp_op_table(void);

#endif
