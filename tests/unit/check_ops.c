/* check_ops.c -- the pre-decoded instruction set as a table (ops.h): the
 * facts derived from it, the code the pre-decoder makes (walked with the
 * table's own accessors) and its printer (wasm_module_dump).  A white-box
 * suite: it reads the engine's internal headers. */
#include "interp/fcode.h"
#include "interp/ops.h"
#include "front/module.h"
#include "wasm.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the table -------------------------------------------------------------- */

/* Each layout's length as the sum of its fields' sizes (the structs must
 * be packed: the pre-decoder and JIT count on no padding). */
static uint32_t layout_len_summed(enum op_layout lay)
{
#define SUM_FIELD_(kind, name) + (uint32_t)sizeof(OPF_##kind)
#define SUM_LAYOUT_(l, fields) case OPL_##l: return (uint32_t)sizeof(op_head) fields;
	switch (lay) {
	INTERP_LAYOUTS(SUM_LAYOUT_, SUM_FIELD_)
	default:
		return 0;
	}
#undef SUM_LAYOUT_
#undef SUM_FIELD_
}

/* The ops that branch, named here independently of the table. */
static bool is_branch_op(enum interp_op op)
{
	return op == OP_BR || op == OP_BR_IF || op == OP_BR_UNLESS ||
	       op == OP_BR_TABLE || op_infos[op].family == OPFAM_BR_CMP;
}

START_TEST(every_layout_is_consistent)
{
	for (int l = 0; l < OPL_COUNT_; l++) {
		const op_layout_info *li = &op_layouts[l];
		ck_assert_ptr_nonnull(li->name);
		ck_assert_uint_eq(li->len, layout_len_summed((enum op_layout)l));
		ck_assert_uint_le(li->nslots, OP_MAX_SLOTS);
		ck_assert_uint_eq(li->slot_writes >> li->nslots, 0);
		for (uint32_t i = 0; i < li->nslots; i++) {
			ck_assert_uint_ge(li->slot_off[i], sizeof(op_head));
			ck_assert_uint_le(li->slot_off[i] + sizeof(OPF_S), li->len);
			if (i)
				ck_assert_uint_gt(li->slot_off[i], li->slot_off[i - 1]);
		}
		if (li->rel_off) {
			ck_assert_uint_ge(li->rel_off, sizeof(op_head));
			ck_assert_uint_le(li->rel_off + sizeof(OPF_REL), li->len);
		}
		ck_assert_uint_le(li->nimms, OP_MAX_IMMS);
		for (uint32_t i = 0; i < li->nimms; i++) {
			size_t size = li->imm_kind[i] == OPK_K16 ? sizeof(OPF_K16) :
				li->imm_kind[i] == OPK_I32 ? sizeof(OPF_I32) :
				sizeof(OPF_I64);
			ck_assert(li->imm_kind[i] == OPK_K16 ||
				li->imm_kind[i] == OPK_I32 || li->imm_kind[i] == OPK_I64);
			ck_assert_uint_ge(li->imm_off[i], sizeof(op_head));
			ck_assert_uint_le(li->imm_off[i] + size, li->len);
			if (i)
				ck_assert_uint_gt(li->imm_off[i], li->imm_off[i - 1]);
		}
		/* dst_off: the first field, when it is written. */
		if (li->dst_off) {
			ck_assert_uint_eq(li->dst_off, sizeof(op_head));
			ck_assert(li->slot_writes & 1u);
		}
	}
}
END_TEST

/* insn_imm reads each immediate as the layout struct names it: a lane
 * load's offset and lane, a v128 constant's two halves. */
START_TEST(immediates_read_by_kind)
{
	struct op_V_LOAD_LANE ll = { .op = OP_HEAD(OP_V_V128_LOAD32_LANE),
		.d = 3, .a = 1, .v = 5, .off = 0x89abcdefu, .lane = 2 };
	ck_assert_uint_eq(op_layout_of(OP_V_V128_LOAD32_LANE)->nimms, 2);
	ck_assert_uint_eq(insn_imm((const uint8_t *)&ll, 0), 0x89abcdefu);
	ck_assert_uint_eq(insn_imm((const uint8_t *)&ll, 1), 2);
	struct op_V_CONST vc = { .op = OP_HEAD(OP_V_V128_CONST), .d = 7,
		.lo = 0x0123456789abcdefull, .hi = 0xfedcba9876543210ull };
	ck_assert_uint_eq(op_layout_of(OP_V_V128_CONST)->nimms, 2);
	ck_assert_uint_eq(insn_imm((const uint8_t *)&vc, 0), 0x0123456789abcdefull);
	ck_assert_uint_eq(insn_imm((const uint8_t *)&vc, 1), 0xfedcba9876543210ull);
	ck_assert_uint_eq(op_layout_of(OP_V_V128_CONST)->nslots, 1);
}
END_TEST

START_TEST(every_op_is_consistent)
{
	for (int op = 0; op < OP_COUNT_; op++) {
		const op_info_t *oi = &op_infos[op];
		ck_assert_ptr_nonnull(oi->name);
		ck_assert_uint_lt(oi->layout, OPL_COUNT_);
		ck_assert_uint_lt(oi->family, OPFAM_COUNT_);
		ck_assert_uint_lt(oi->traps, OPTR_COUNT_);
		for (int o = 0; o < op; o++)
			ck_assert_str_ne(oi->name, op_infos[o].name);
		/* A REL field (or BR_TABLE's targets) exactly on the ops that
		 * branch. */
		bool has_rel = op_layouts[oi->layout].rel_off != 0 ||
			oi->layout == OPL_BR_TABLE;
		ck_assert_msg(has_rel == is_branch_op((enum interp_op)op),
			"%s: REL field and branching disagree", oi->name);
		/* The fused loads and stores trap like the plain ones. */
		if (oi->family == OPFAM_LOAD || oi->family == OPFAM_STORE)
			ck_assert_uint_eq(oi->traps, OPTR_MEM);
		if (oi->family == OPFAM_INT_DIV)
			ck_assert_uint_eq(oi->traps, OPTR_DIV);
	}
}
END_TEST

START_TEST(head_round_trip)
{
	struct op_D_AB insn = { .op = OP_HEAD(OP_GEU_BR64), .d = 1, .a = 2, .b = 3 };
	uint8_t *ip = (uint8_t *)&insn;
	ck_assert_int_eq(insn_op(ip), OP_GEU_BR64);
	ck_assert_int_eq(insn_handler(ip), 0);
	ck_assert(insn_set_handler(ip, -12345));
	ck_assert_int_eq(insn_handler(ip), -12345);
	ck_assert_int_eq(insn_op(ip), OP_GEU_BR64);
	ck_assert_uint_eq(insn.a, 2);
	/* A handler is either held whole or refused with nothing changed
	 * (the head's width for it is ops.h's business). */
	if (insn_set_handler(ip, INT32_MAX))
		ck_assert_int_eq(insn_handler(ip), INT32_MAX);
	else
		ck_assert_int_eq(insn_handler(ip), -12345);
	ck_assert_int_eq(insn_op(ip), OP_GEU_BR64);
	for (int op = 0; op < OP_COUNT_; op++) {
		struct op_NONE h = { .op = OP_HEAD(op) };
		ck_assert_int_eq(insn_op((const uint8_t *)&h), op);
	}
}
END_TEST

/* ---- modules ------------------------------------------------------------------ */

/* tests/fixtures/NAME.wat as wasm bytes (wat2wasm: $WAT2WASM or PATH). */
static uint8_t *fixture(const char *name, size_t *len)
{
	const char *tool = getenv("WAT2WASM");
	char out[] = "/tmp/check_ops.XXXXXX";
	int fd = mkstemp(out);
	ck_assert_int_ge(fd, 0);
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' '%s/%s' -o '%s'", tool && *tool ? tool : "wat2wasm",
		FIXTURES_DIR, name, out);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
	FILE *f = fdopen(fd, "rb");
	ck_assert_ptr_nonnull(f);
	uint8_t *bytes = malloc(1 << 20);
	ck_assert_ptr_nonnull(bytes);
	*len = fread(bytes, 1, 1 << 20, f);
	fclose(f);
	unlink(out);
	ck_assert_uint_gt(*len, 8);
	return bytes;
}

static wasm_module *module_load(wasm_engine *e, const char *name)
{
	size_t len;
	uint8_t *bytes = fixture(name, &len);
	wasm_module *m = NULL;
	wasm_error err;
	ck_assert_int_eq(wasm_module_load(e, bytes, len, &m, &err), WASM_OK);
	free(bytes);
	return m;
}

static wasm_engine *engine_of(wasm_tier tier)
{
	wasm_config cfg;
	wasm_config_default(&cfg);
	cfg.tier = tier;
	wasm_engine *e = wasm_engine_new(&cfg);
	ck_assert_ptr_nonnull(e);
	return e;
}

/* Walk function fi's code with insn_len: it ends exactly at code_len,
 * every branch target is the start of an instruction, every slot is in
 * the frame.  Returns the number of instructions. */
static uint32_t walk(const wasm_module *m, uint32_t fi)
{
	const struct fcode *fc = m->funcs[fi].code;
	ck_assert_ptr_nonnull(fc);
	ck_assert_int_eq(insn_op(fc->code), OP_ENTER);
	uint32_t frame = OP_AT(fc->code, ENTER)->frame;
	uint8_t *start = calloc(fc->code_len + 1, 1);
	ck_assert_ptr_nonnull(start);
	uint32_t n = 0, off = 0;
	while (off < fc->code_len) {
		ck_assert_int_lt(insn_op(fc->code + off), OP_COUNT_);
		start[off] = 1;
		off += insn_len(fc->code + off);
		n++;
	}
	ck_assert_uint_eq(off, fc->code_len);
	for (off = 0; off < fc->code_len; off += insn_len(fc->code + off)) {
		const uint8_t *ip = fc->code + off;
		const op_layout_info *li = op_layout_of(insn_op(ip));
		for (uint32_t k = 0; k < insn_branch_count(ip); k++) {
			int64_t t = insn_branch_target(fc->code, off, k);
			ck_assert_msg(t >= 0 && t < fc->code_len && start[t],
				"func %u: %s at %u branches to %lld", fi,
				op_infos[insn_op(ip)].name, off, (long long)t);
		}
		for (uint32_t i = 0; i < li->nslots; i++)
			ck_assert_uint_lt(insn_slot(ip, i), frame);
	}
	free(start);
	return n;
}

/* Every function of every fixture, pre-decoded (baseline: at load), then
 * walked. */
START_TEST(fixtures_round_trip)
{
	wasm_engine *e = engine_of(WASM_TIER_BASELINE);
	DIR *d = opendir(FIXTURES_DIR);
	ck_assert_ptr_nonnull(d);
	uint32_t nfuncs = 0, ninsns = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".wat") != 0)
			continue;
		wasm_module *m = module_load(e, de->d_name);
		for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++, nfuncs++)
			ninsns += walk(m, i);
		wasm_module_free(m);
	}
	closedir(d);
	ck_assert_uint_ge(nfuncs, 20);
	ck_assert_uint_gt(ninsns, nfuncs * 2);
	wasm_engine_free(e);
}
END_TEST

/* interp pre-decodes a function at its first call; baseline at load, in
 * the one validation pass. */
START_TEST(predecoded_at_load_only_for_baseline)
{
	wasm_engine *ei = engine_of(WASM_TIER_INTERP);
	wasm_engine *eb = engine_of(WASM_TIER_BASELINE);
	wasm_module *mi = module_load(ei, "predecode.wat");
	wasm_module *mb = module_load(eb, "predecode.wat");
	for (uint32_t i = mi->nfunc_imports; i < mi->nfuncs; i++) {
		ck_assert_ptr_null(mi->funcs[i].code);
		ck_assert_ptr_nonnull(mb->funcs[i].code);
	}
	wasm_module_free(mi);
	wasm_module_free(mb);
	wasm_engine_free(ei);
	wasm_engine_free(eb);
}
END_TEST

/* ---- the printer ----------------------------------------------------------------- */

static const char golden_mix[] =
	"func 1 \"mix\" (i32, i32) -> (i32) nlocals=4 frame=9 code=222\n"
	"     0  ENTER          count=0 first=2 nzero=2 frame=9  ; CONTROL traps=ENTRY wasm=0x59\n"
	"    22  LOOP           count=0  ; CONTROL traps=LOOP wasm=0x5b\n"
	"    32  GEU_BR32       a=l2 b=l0 target=@118  ; BR_CMP\n"
	"    46  LDS_I32        d=s1 x=l1 y=l2 k=2 off=4  ; LOAD traps=MEM wasm=0x6e\n"
	"    64  ADD32          d=l3 a=l3 b=s1  ; INT_BINARY\n"
	"    76  STA_32         x=l1 imm=8 v=l3 off=0  ; STORE traps=MEM wasm=0x7b\n"
	"    94  ADD32I         d=l2 a=l2 imm=1  ; INT_IMM\n"
	"   108  BR             target=@22  ; CONTROL\n"
	"   118  GLOBAL_SET     a=l3 idx=0  ; GLOBAL\n"
	"   130  BR_TABLE       i=l0 n=2 targets=@166,@154,@166  ; CONTROL\n"
	"   154  DIVS32         d=l3 a=l3 b=l0  ; INT_DIV traps=DIV wasm=0x9d\n"
	"   166  CONST32        d=s1 imm=0  ; MOVE\n"
	"   178  COPY           d=s0 a=l3  ; MOVE\n"
	"   188  CALL_INDIRECT  base=s0 i=s1 table=0 type_id=0  ; CALL traps=CALL wasm=0xa5\n"
	"   206  COPY           d=l0 a=s0  ; MOVE\n"
	"   216  RET             ; CONTROL\n"
	;

/* wasm_module_dump's text of fn (by index) into a malloc'd string. */
static char *dump_text(wasm_module *m, uint32_t fn, wasm_dump_kind kind,
	wasm_status *st, wasm_error *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	*st = wasm_module_dump(m, fn, kind, f, err);
	fclose(f);
	return text;
}

START_TEST(printer_golden)
{
	wasm_engine *e = engine_of(WASM_TIER_INTERP);
	wasm_module *m = module_load(e, "predecode.wat");
	uint32_t mix = wasm_module_export_index(m, wasm_module_export_find(m, "mix"));
	wasm_status st;
	wasm_error err;
	char *text = dump_text(m, mix, WASM_DUMP_PREDECODED, &st, &err);
	ck_assert_int_eq(st, WASM_OK);
	ck_assert_str_eq(text, golden_mix);
	free(text);
	/* Every function: one header each, and mix's text among them. */
	text = dump_text(m, WASM_NO_INDEX, WASM_DUMP_PREDECODED, &st, &err);
	ck_assert_int_eq(st, WASM_OK);
	ck_assert_ptr_nonnull(strstr(text, golden_mix));
	uint32_t headers = 0;
	for (const char *p = text; (p = strstr(p, "func ")); p++)
		headers += p == text || p[-1] == '\n';
	ck_assert_uint_eq(headers, m->nfuncs - m->nfunc_imports);
	free(text);
	wasm_module_free(m);
	wasm_engine_free(e);
}
END_TEST

START_TEST(printer_errors)
{
	wasm_engine *e = engine_of(WASM_TIER_INTERP);
	wasm_module *m = module_load(e, "imports.wat");
	wasm_status st;
	wasm_error err;
	char *text = dump_text(m, 0, WASM_DUMP_PREDECODED, &st, &err);
	ck_assert_int_eq(st, WASM_ERR_ARG);          /* an import */
	ck_assert_str_eq(text, "");
	free(text);
	text = dump_text(m, m->nfuncs, WASM_DUMP_PREDECODED, &st, &err);
	ck_assert_int_eq(st, WASM_ERR_ARG);          /* out of range */
	free(text);
	text = dump_text(m, 0, WASM_DUMP_BASELINE, &st, &err);
	ck_assert_int_eq(st, WASM_ERR_ARG);          /* an import, baseline too */
	free(text);
	text = dump_text(m, WASM_NO_INDEX, (wasm_dump_kind)99, &st, &err);
	ck_assert_int_eq(st, WASM_ERR_UNSUPPORTED);  /* no such kind */
	free(text);
	wasm_module_free(m);
	wasm_engine_free(e);
}
END_TEST

static Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *t = tcase_create("table");
	tcase_add_test(t, every_layout_is_consistent);
	tcase_add_test(t, every_op_is_consistent);
	tcase_add_test(t, immediates_read_by_kind);
	tcase_add_test(t, head_round_trip);
	suite_add_tcase(s, t);
	t = tcase_create("code");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, fixtures_round_trip);
	tcase_add_test(t, predecoded_at_load_only_for_baseline);
	tcase_add_test(t, printer_golden);
	tcase_add_test(t, printer_errors);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ops_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
