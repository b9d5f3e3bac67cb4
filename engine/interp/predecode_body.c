/* predecode_body.c -- the pre-decoder's opcode loop: reads each opcode of a
 * body and hands it to its function in predecode_control.c or
 * predecode_ops.c.  Validation follows the algorithm in the appendix of the
 * WebAssembly 2.0 specification.
 */
#include "front/opcodes.h"
#include "interp/ops.h"
#include "interp/predecode.h"
#include "runtime/runtime.h"

bool pd_body(compiler *c)
{
	for (;;) {
		if (c->oom)
			return pd_fail(c, "out of memory");
		c->instr_offset = reader_offset(&c->r);
		uint8_t opc;
		if (!read_u8(&c->r, &opc, c->err))
			return false;
		bool ok = true;
		if (opc >= WOP_NUMERIC_FIRST && opc <= WOP_NUMERIC_LAST) {
			if (!pd_numeric(c, opc))
				return false;
			continue;
		}
		if (opc >= WOP_MEMACCESS_FIRST && opc <= WOP_MEMACCESS_LAST) {
			if (!pd_memaccess(c, opc))
				return false;
			continue;
		}
		switch (opc) {
		case WOP_UNREACHABLE:
			EMIT(c, NONE, OP_UNREACHABLE);
			pd_set_unreachable(c);
			break;
		case WOP_NOP:
			break;
		case WOP_BLOCK: ok = pd_block(c, C_BLOCK); break;
		case WOP_LOOP: ok = pd_block(c, C_LOOP); break;
		case WOP_IF: ok = pd_block(c, C_IF); break;
		case WOP_ELSE: ok = pd_else(c); break;
		case WOP_END: {
			bool done = false;
			if (!pd_end(c, &done))
				return false;
			if (done) {
				if (c->r.p != c->r.end)
					return pd_fail_malformed(c, "section size mismatch");
				return true;
			}
			break;
		}
		case WOP_BR: ok = pd_br(c); break;
		case WOP_BR_IF: ok = pd_br_if(c); break;
		case WOP_BR_TABLE: ok = pd_br_table(c); break;
		case WOP_RETURN: ok = pd_return(c); break;
		case WOP_CALL: ok = pd_call(c); break;
		case WOP_CALL_INDIRECT: ok = pd_call_indirect(c); break;
		case WOP_DROP: ok = pd_pop(c, T_UNKNOWN); break;
		case WOP_SELECT: ok = pd_select(c, false); break;
		case WOP_SELECT_T: ok = pd_select(c, true); break;
		case WOP_LOCAL_GET: ok = pd_local_get(c); break;
		case WOP_LOCAL_SET: ok = pd_local_set(c, false); break;
		case WOP_LOCAL_TEE: ok = pd_local_set(c, true); break;
		case WOP_GLOBAL_GET: ok = pd_global(c, false); break;
		case WOP_GLOBAL_SET: ok = pd_global(c, true); break;
		case WOP_TABLE_GET: ok = pd_table_get(c); break;
		case WOP_TABLE_SET: ok = pd_table_set(c); break;
		case WOP_MEMORY_SIZE: ok = pd_memory_size(c); break;
		case WOP_MEMORY_GROW: ok = pd_memory_grow(c); break;
		case WOP_I32_CONST: {
			int32_t v;
			ok = read_s32(&c->r, &v, c->err) && pd_const(c, WASM_I32, (uint32_t)v);
			break;
		}
		case WOP_I64_CONST: {
			int64_t v;
			ok = read_s64(&c->r, &v, c->err) && pd_const(c, WASM_I64, (uint64_t)v);
			break;
		}
		case WOP_F32_CONST: {
			uint32_t v;
			ok = read_f32(&c->r, &v, c->err) && pd_const(c, WASM_F32, v);
			break;
		}
		case WOP_F64_CONST: {
			uint64_t v;
			ok = read_f64(&c->r, &v, c->err) && pd_const(c, WASM_F64, v);
			break;
		}
		case WOP_REF_NULL: { /* t */
			uint8_t t;
			if (!read_u8(&c->r, &t, c->err))
				return false;
			if (!is_ref(t))
				return pd_fail_malformed(c, "malformed reference type");
			ok = pd_const(c, t, 0);
			break;
		}
		case WOP_REF_IS_NULL: ok = pd_ref_is_null(c); break;
		case WOP_REF_FUNC: ok = pd_ref_func(c); break;
		case WOP_PREFIX_MISC: ok = pd_prefix_fc(c); break;
		case WOP_PREFIX_SIMD: ok = pd_prefix_simd(c); break;
		default:
			return pd_fail_malformed(c, "illegal opcode");
		}
		if (!ok)
			return false;
	}
}
