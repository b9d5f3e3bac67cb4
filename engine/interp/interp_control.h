/* interp_control.h -- control and call handlers of interp.c's dispatch
 * loop (included inside run(); see ops.h for the layouts).  Branch targets
 * are relative to their own field; a call's frame starts at its base slot,
 * where the arguments already are and the results land. */

L_UNREACHABLE:
	TRAP(WASM_TRAP_UNREACHABLE);

L_EXIT:
	ex->frame_top = entry_frame;
	return WASM_OK;

	/* The counter of the ENTER or LOOP at ip reached the threshold: run
	 * the rest of the function as JIT code if it has some (then return
	 * from it here).  JIT code counts its own activation on the frame
	 * stack, so this activation's record is uncounted while it runs (the
	 * JIT only moves frame_top, and the record above it stays as it is):
	 * one activation, one frame, in every tier, so recursion overflows at
	 * the same depth whichever tier runs it. */
#define TIER_UP(lay, call) do { \
		uint32_t cnt_ = IN(lay)->count + 1; \
		IN(lay)->count = cnt_; \
		if (unlikely(cnt_ >= tier_at)) { \
			ex->frame_top--; \
			bool ran_ = (call); \
			ex->frame_top++; \
			if (ran_) { \
				if (unlikely(tier_st != WASM_OK)) { \
					ex->frame_top = entry_frame; \
					return tier_st; \
				} \
				goto L_RET; \
			} \
		} \
	} while (0)

	/* Stack room and deadline, then the declared locals to zero. */
#define ENTER_FRAME() do { \
		if (unlikely(fp + IN(ENTER)->frame > stack_end)) \
			TRAP(WASM_TRAP_STACK_OVERFLOW); \
		if (unlikely(*epoch >= deadline)) \
			TRAP(WASM_TRAP_TIMEOUT); \
	} while (0)
#define ZERO_LOCALS() do { \
		uint32_t n_ = IN(ENTER)->nzero; \
		uint64_t *z_ = fp + IN(ENTER)->first; \
		for (uint32_t i_ = 0; i_ < n_; i_++) \
			z_[i_] = 0; \
	} while (0)

L_ENTER:
	TIER_UP(ENTER, tier_enter(s, self, fp, &tier_st));
	ENTER_FRAME();
	ZERO_LOCALS();
	SKIP(ENTER);
	NEXT();
	/* A frame holding a v128: the same entry, in the SIMD family (which
	 * the JIT tiers refuse). */
L_ENTER_V128:
	goto L_ENTER;
L_ENTER_V128_FUEL:
	goto L_ENTER_FUEL;
L_ENTER_FUEL:
	TIER_UP(ENTER, tier_enter(s, self, fp, &tier_st));
	ENTER_FRAME();
	if (unlikely(ex->fuel == 0))
		TRAP(WASM_TRAP_OUT_OF_FUEL);
	ex->fuel--;
	ZERO_LOCALS();
	SKIP(ENTER);
	NEXT();
#undef ENTER_FRAME
#undef ZERO_LOCALS
L_LOOP:
	TIER_UP(LOOP, tier_osr(s, self, fp, ip, &tier_st));
	if (unlikely(*epoch >= deadline))
		TRAP(WASM_TRAP_TIMEOUT);
	SKIP(LOOP);
	NEXT();
L_LOOP_FUEL:
	TIER_UP(LOOP, tier_osr(s, self, fp, ip, &tier_st));
	if (unlikely(*epoch >= deadline))
		TRAP(WASM_TRAP_TIMEOUT);
	if (unlikely(ex->fuel == 0))
		TRAP(WASM_TRAP_OUT_OF_FUEL);
	ex->fuel--;
	SKIP(LOOP);
	NEXT();
#undef TIER_UP

L_BR:
	ip = REL(BR, target);
	NEXT();
L_BR_IF:
	ip = SL(BR_IF, c) ? REL(BR_IF, target) : AFTER(BR_IF);
	NEXT();
L_BR_UNLESS:
	ip = SL(BR_IF, c) ? AFTER(BR_IF) : REL(BR_IF, target);
	NEXT();
L_BR_TABLE: {
	/* n + 1 targets after the fixed part; the last is the default. */
	uint32_t i = U32(BR_TABLE, i), n = IN(BR_TABLE)->n;
	if (i > n)
		i = n;
	uint8_t *field = (uint8_t *)OP_BR_TABLE_TARGETS(ip) + (size_t)i * sizeof(OPF_REL);
	OPF_REL rel;
	memcpy(&rel, field, sizeof rel);
	ip = field + rel;
	NEXT();
}

L_RET: {
	frame_rec *fr = --ex->frame_top;
	ip = (uint8_t *)fr->ret_ip;
	fp = fr->fp;
	self = fr->func;
	if (unlikely(self->inst != inst))
		LOAD_INST(self);
	ex->cur_func = self;
	NEXT();
}

	/* No frame record left for a call to g: stack overflow, reported
 * where every tier reports it, at g's entry (its ENTER at code), as if
 * g's prologue had found no room. */
#define STACK_OVERFLOW_AT(g, code) do { \
		self = (g); \
		ip = (code); \
		TRAP(WASM_TRAP_STACK_OVERFLOW); \
	} while (0)

L_CALL: {
	uint32_t idx = IN(CALL)->func;
	uint8_t *code = mfuncs[idx].icode;
	if (unlikely(!code) && !(code = interp_code(mod, idx, handlers, dbase)))
		TRAP(WASM_TRAP_HOST);
	if (unlikely(ex->frame_top >= ex->frames_end))
		STACK_OVERFLOW_AT(ifuncs[idx], code);
	frame_rec *fr = ex->frame_top++;
	fr->ret_ip = AFTER(CALL);
	fr->fp = fp;
	fr->func = self;
	self = ifuncs[idx];
	ex->cur_func = self;
	fp += IN(CALL)->base;
	ip = code;
	NEXT();
}

	{
		wasm_func *callee;
		uint64_t *nfp;
		uint8_t *next_ip;
L_CALL_IMPORT:
		callee = ifuncs[IN(CALL)->func];
		nfp = fp + IN(CALL)->base;
		next_ip = AFTER(CALL);
		goto call_any;
L_CALL_INDIRECT: {
		wasm_table *t = inst->tables[IN(CALL_IND)->table];
		uint32_t i = U32(CALL_IND, i);
		if (unlikely(i >= t->size))
			TRAP(WASM_TRAP_OUT_OF_BOUNDS_TABLE);
		callee = t->elems[i];
		if (unlikely(!callee))
			TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
		if (unlikely(callee->type_id != IN(CALL_IND)->type_id))
			TRAP(WASM_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
		nfp = fp + IN(CALL_IND)->base;
		next_ip = AFTER(CALL_IND);
	}
call_any:
		if (callee->host) {
			status = store_call_host(s, callee, inst, nfp);
			if (unlikely(status != WASM_OK)) {
				if (status == WASM_ERR_TRAP)
					TRAP(ex->trap != WASM_TRAP_NONE ? ex->trap : WASM_TRAP_HOST);
				ex->frame_top = entry_frame;
				return status;
			}
			ip = next_ip;
			NEXT();
		}
		func_t *cfuncs = callee->inst->module->funcs;
		uint8_t *code = cfuncs[callee->index].icode;
		if (unlikely(!code) && !(code = interp_code(callee->inst->module,
				callee->index, handlers, dbase)))
			TRAP(WASM_TRAP_HOST);
		if (unlikely(ex->frame_top >= ex->frames_end))
			STACK_OVERFLOW_AT(callee, code);
		frame_rec *fr = ex->frame_top++;
		fr->ret_ip = next_ip;
		fr->fp = fp;
		fr->func = self;
		self = callee;
		ex->cur_func = self;
		if (callee->inst != inst)
			LOAD_INST(callee);
		fp = nfp;
		ip = code;
		NEXT();
	}
#undef STACK_OVERFLOW_AT
