/* module.h -- the decoded form of a module (internal to engine/).
 *
 * The front end's product: decode.c fills it from the binary; validate.c
 * checks everything except function bodies.  Bodies are checked at load by
 * tier 0 (the pre-decoder validates as it goes; runtime/module.c calls it
 * through the tier table, runtime/tier_ops.h).  All index spaces put
 * imports first.
 *
 * front/ is the bottom of the engine above common/: this header and the
 * front end's files name nothing of the runtime or of any tier.  The
 * fields marked "tier-owned" are opaque pointers that only the named tier
 * reads or writes.
 */
#ifndef ENGINE_FRONT_MODULE_H
#define ENGINE_FRONT_MODULE_H

#include "common/error.h"
#include "wasm.h"

#include <stdarg.h>
#include <stdatomic.h>

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u

/* Implementation limits (like V8's and wasmtime's). */
#define LIMIT_FUNC_LOCALS 50000u     /* declared locals + params */
#define LIMIT_FUNC_SLOTS 65000u      /* locals + operand stack depth */
#define LIMIT_TYPES 1000000u
#define LIMIT_FUNCS 1000000u
#define LIMIT_IMPORTS 100000u
#define LIMIT_EXPORTS 100000u
#define LIMIT_TABLE_ELEMS 10000000u  /* table.grow/initial size */
#define LIMIT_FUNC_PARAMS 1000u
#define LIMIT_FUNC_RESULTS 1000u
#define LIMIT_BODY_BYTES (7654321u)

typedef struct {
	uint32_t nparams, nresults;
	uint8_t *types;     /* nparams params, then nresults results */
	uint32_t id;        /* canonical id from the engine's intern table:
	                       equal ids <=> equal signatures */
} functype;

static inline const uint8_t *functype_params(const functype *t) { return t->types; }
static inline const uint8_t *functype_results(const functype *t) { return t->types + t->nparams; }

/* A value's width in a frame, in 8-byte slots: a v128 takes two
 * consecutive slots (its bytes 0..7 in the first, 8..15 in the second),
 * every other type one.  The one definition of the frame's layout by type
 * (public as wasm_valtype_slots, since host functions see it): locals,
 * operands, call arguments and results, and the runtime's slot arrays all
 * place values by it. */
static inline uint32_t valtype_slots(uint8_t t)
{
	return wasm_valtype_slots((wasm_valtype)t);
}

/* The slots n values of the given types take, one after the other. */
static inline uint32_t valtypes_slots(const uint8_t *types, uint32_t n)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < n; i++)
		s += valtype_slots(types[i]);
	return s;
}

typedef struct {
	uint8_t elem;       /* WASM_FUNCREF / WASM_EXTERNREF */
	wasm_limits limits;
} tabletype;

typedef struct {
	uint8_t type;
	bool mut;
} globaltype;

/* A constant expression: in Wasm 2.0 exactly one instruction then `end`. */
typedef enum {
	CONST_I32, CONST_I64, CONST_F32, CONST_F64, /* value in bits */
	CONST_V128,                                  /* bits, then bits_hi */
	CONST_REF_NULL,                              /* type in reftype */
	CONST_REF_FUNC,                              /* index = func */
	CONST_GLOBAL_GET,                            /* index = global */
} const_kind;

typedef struct {
	uint8_t kind;       /* const_kind */
	uint8_t reftype;    /* for CONST_REF_NULL */
	uint32_t index;
	uint64_t bits;
	uint64_t bits_hi;   /* CONST_V128: its bytes 8..15 (bits: 0..7) */
} constexpr_t;

typedef struct {
	char *module, *name;  /* NUL-terminated copies, valid UTF-8 */
	uint32_t module_len, name_len;
	uint8_t kind;         /* wasm_extern_kind */
	uint32_t index;       /* func: type index; else index into the
	                         module's tables/memories/globals arrays */
} import_t;

typedef struct {
	char *name;
	uint32_t name_len;
	uint8_t kind;         /* wasm_extern_kind */
	uint32_t index;       /* in the kind's index space */
} export_t;

typedef enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE } seg_mode;

typedef struct {
	uint8_t mode;         /* seg_mode */
	uint8_t type;         /* WASM_FUNCREF / WASM_EXTERNREF */
	uint32_t table;       /* active only */
	constexpr_t offset;   /* active only */
	uint32_t count;
	constexpr_t *items;   /* count items (ref.func/ref.null/global.get) */
} elem_t;

typedef struct {
	uint8_t mode;         /* SEG_ACTIVE or SEG_PASSIVE */
	uint32_t memory;
	constexpr_t offset;
	uint32_t len;
	const uint8_t *bytes; /* points into wasm_module.bytes */
} data_t;

struct fcode;             /* tier 0's pre-decoded code (interp/fcode.h) */

typedef struct {
	uint32_t type;        /* type index */
	/* Defined functions only: */
	uint32_t body_offset; /* offset in bytes of the first instruction
	                         (after the locals declarations) */
	uint32_t body_end;    /* offset just past the final `end` */
	uint32_t nlocals;     /* declared locals, params excluded */
	uint8_t *local_types; /* nlocals entries */
	/* Tier-owned (tier 0, interp/): */
	struct fcode *code;   /* NULL until first pre-decoded */
	uint8_t *icode;       /* code->code once the interpreter has written
	                         its handlers into the heads (interp.c); NULL
	                         until the interpreter first runs it */
	/* Tier-owned (tier 2, jit/opt/ir_inline.c): whether tier 2 may
	 * inline this function, once a caller has asked (OPT_INLINE_*),
	 * so that each callee is built and judged once per module rather
	 * than once per caller.  Atomic: the compile thread and the thread
	 * that compiles a module at load may both ask. */
	atomic_uchar opt_inline;
	/* Tier-owned (tier 2, jit/opt/ir_loopchk.c's host_free): whether
	 * this function and all it calls directly run no host code, once a
	 * compile has asked (1 yes, 2 no, 0 not yet): the answer is the
	 * module's, and walking the callees' code again for every function
	 * compiled took 3-5M instructions over the bench programs. */
	atomic_uchar opt_host_free;
} func_t;

struct wasm_module {
	wasm_engine *engine;
	uint8_t *bytes;       /* owned copy of the binary */
	size_t len;

	uint32_t ntypes;
	functype *types;

	uint32_t nimports;
	import_t *imports;

	uint32_t nfuncs, nfunc_imports;     /* nfuncs counts imports too */
	func_t *funcs;
	uint32_t ntables, ntable_imports;
	tabletype *tables;
	uint32_t nmemories, nmemory_imports;
	wasm_limits *memories;
	uint32_t nglobals, nglobal_imports;
	globaltype *globals;
	constexpr_t *global_inits;          /* nglobals; imported ones unused */

	uint32_t nexports;
	export_t *exports;

	bool has_start;
	uint32_t start;

	uint32_t nelems;
	elem_t *elems;
	uint32_t ndatas;
	data_t *datas;
	bool has_datacount;
	uint32_t datacount;

	/* Functions that may be named by ref.func in bodies: those that
	 * appear in elem segments, exports or global initialisers (the
	 * spec's C.refs).  nfuncs bits. */
	uint8_t *func_refs;

	/* From the "name" section; NULL or per-function NULL if absent. */
	char **func_names;

	/* Tier-owned (tier 1, jit/jit_code.c): JIT code, call vector,
	 * statistics.  NULL until the first function is compiled. */
	struct jit_module *jit;
};

/* decode.c: bytes -> module (allocated, owned by the caller).  On failure
 * *out is NULL and err says why and where. */
wasm_status module_decode(wasm_engine *engine, const uint8_t *bytes,
	size_t len, wasm_module **out, wasm_error *err);
void module_free_contents(wasm_module *m);

/* validate.c: everything but function bodies. */
wasm_status module_validate(const wasm_module *m, wasm_error *err);

/* LEB128 and UTF-8 readers (leb.c) shared by decode.c, the runtime and
 * the pre-decoder.  A reader
 * never reads past end. */
typedef struct {
	const uint8_t *base;  /* start of the module, for offsets */
	const uint8_t *p, *end;
} reader;

static inline size_t reader_offset(const reader *r) { return (size_t)(r->p - r->base); }

/* Each returns false (and sets err: "unexpected end", "integer
 * representation too long", "integer too large") on failure. */
bool read_u8(reader *r, uint8_t *out, wasm_error *err);
bool read_u32(reader *r, uint32_t *out, wasm_error *err);
bool read_s32(reader *r, int32_t *out, wasm_error *err);
bool read_s33(reader *r, int64_t *out, wasm_error *err);
bool read_s64(reader *r, int64_t *out, wasm_error *err);
bool read_f32(reader *r, uint32_t *out, wasm_error *err);
bool read_f64(reader *r, uint64_t *out, wasm_error *err);
/* 16 bytes (a v128 immediate): bytes 0..7 in *lo, 8..15 in *hi, each
 * little-endian, as the two slots of a v128 hold them. */
bool read_v128(reader *r, uint64_t *lo, uint64_t *hi, wasm_error *err);
bool utf8_valid(const uint8_t *s, size_t len);

#endif
