/* worker.c -- a confined worker: one module, many invocations.
 *
 * Forked from the zygote with the engine already initialised.  It confines
 * itself (limits.c), says HELLO, and only then reads: first the module
 * (LOAD: decode and validate once), then INVOKE after INVOKE, each on a
 * fresh store and instance (brief, decision 3).  A persistent instance
 * (SB_INSTANCE_CREATE) is kept instead, with its store and WASI context,
 * and later INVOKEs with SB_INSTANCE_CALL run on it; a timeout or
 * SB_INSTANCE_DROP frees it.  The first instance a worker makes is also
 * its snapshot (engine "snapshots"; the file is made before confinement),
 * and the next ones are mapped from it copy-on-write.  Any protocol error
 * or EOF ends the process; the supervisor decides everything else.
 */
#include "internal.h"
#include "ipc.h"
#include "wasi.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Exit codes that tell the supervisor why a worker gave up. */
enum {
	WK_EXIT_EOF = 0,
	WK_EXIT_CONFINE = 100,   /* + nothing: confinement failed */
	WK_EXIT_PROTOCOL = 101,
	WK_EXIT_NOMEM = 102,
};

/* Received bytes: a frame that fits is read with one system call
 * (header and payload together) and decoded in place. */
#define WK_RX_BYTES (64 * 1024)

/* malloc's thresholds, fixed: a block this large or larger is a mapping
 * of its own, unmapped when freed, and the heap's free top is given back
 * past WK_TRIM_BYTES.  glibc's defaults move: once a large block (a 12
 * MiB stdin, an INVOKE frame with files) is freed, blocks up to its size
 * come from the heap and up to twice that stays there, so an idle worker
 * held tens of megabytes after one large request (run-memory.sh). */
#define WK_MMAP_BYTES (128 * 1024)
#define WK_TRIM_BYTES (512 * 1024)
/* The send buffer is kept between frames up to this size; one that a
 * large RESULT (captured output) grew is freed once sent. */
#define WK_OUT_KEEP_BYTES (64 * 1024)
/* A call that ran this long may have gone deep: its store gives its
 * stacks' pages back (wasm_store_trim_stacks).  A shorter one cannot have
 * faulted in much of them (a page fault costs about a microsecond here),
 * and trimming after every call would cost it about 4 us. */
#define WK_TRIM_AFTER_NS 200000u

struct wk {
	const struct sb_worker_params *p;
	wasm_module *module;
	bool uses_wasi;            /* the module imports WASI (at load) */
	sb_buf out;
	uint8_t *rx;
	size_t rx_start, rx_end;
	/* the persistent instance, if any (SB_INSTANCE_CREATE) */
	wasm_store *kept;
	wasm_instance *kept_inst;
	wasi_ctx *kept_wasi;
	wasm_extern *kept_imports;
	/* the snapshot of the first instance (fd -1: none) */
	wasm_snapshot_file snap_file;
	wasm_snapshot *snap;
	bool snap_tried;
	char *init;                /* the module's initialisation export, or
	                              NULL (sb_module_new_init) */
};

static void __attribute__((noreturn)) wk_exit(int code)
{
	_exit(code);
}

static void wk_send(struct wk *w)
{
	bool ok = sb_buf_end(&w->out) &&
		sb_write_all(SB_IPC_FD, w->out.data, w->out.len);
	w->out.len = 0;
	if (!ok)
		wk_exit(WK_EXIT_NOMEM);
	if (w->out.cap > WK_OUT_KEEP_BYTES)
		sb_buf_free(&w->out);
}

static void result_init(sb_result *res)
{
	memset(res, 0, sizeof *res);
	res->offset = SIZE_MAX;
	res->func_index = WASM_NO_INDEX;
}

static void error_init(wasm_error *err)
{
	memset(err, 0, sizeof *err);
	err->offset = SIZE_MAX;
	err->func_index = WASM_NO_INDEX;
}

/* ---- LOAD ----------------------------------------------------------------- */

static sb_extern *externs_list(const wasm_module *m, bool imports,
	uint32_t *n)
{
	*n = imports ? wasm_module_import_count(m) : wasm_module_export_count(m);
	sb_extern *v = calloc((size_t)*n + 1, sizeof *v);
	if (!v)
		wk_exit(WK_EXIT_NOMEM);
	for (uint32_t i = 0; i < *n; i++) {
		wasm_extern_desc d;
		if (imports)
			wasm_module_import(m, i, &d);
		else
			wasm_module_export(m, i, &d);
		/* Borrowed pointers: encoded at once, never freed here. */
		v[i].module = imports ? (char *)d.module : NULL;
		v[i].module_len = imports ? d.module_len : 0;
		v[i].name = (char *)d.name;
		v[i].name_len = d.name_len;
		v[i].kind = d.kind;
		if (d.kind == WASM_EXTERN_FUNC) {
			v[i].nparams = d.func.nparams;
			v[i].nresults = d.func.nresults;
			v[i].params = (uint8_t *)d.func.params;
			v[i].results = (uint8_t *)d.func.results;
		}
	}
	return v;
}

/* Parameter and result types of the functions among v[0..n). */
static uint64_t sig_values(const sb_extern *v, uint32_t n)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += (uint64_t)v[i].nparams + v[i].nresults;
	return sum;
}

static void wk_load(struct wk *w, sb_rd *r)
{
	const uint8_t *bytes;
	size_t len;
	wasm_error err;

	(void)sb_rd_u8(r);   /* fuel: fixed by the zygote's engine */
	if (!sb_rd_bytes(r, SIZE_MAX, &bytes, &len) ||
	    !(w->init = sb_rd_str(r, SB_MAX_EXTERN_NAME_BYTES)) ||
	    !sb_rd_done(r) || w->module)
		wk_exit(WK_EXIT_PROTOCOL);
	if (!w->init[0]) {
		free(w->init);
		w->init = NULL;
	}
	error_init(&err);
	sb_buf_begin(&w->out, SB_MSG_LOADED);
	wasm_status s = wasm_module_load(w->p->engine, bytes, len, &w->module,
		&err);
	if (s != WASM_OK) {
		w->module = NULL;
		sb_buf_u8(&w->out, 0);
		sb_buf_u32(&w->out, (uint32_t)s);
		sb_buf_u64(&w->out, err.offset);
		sb_buf_str(&w->out, err.message);
		wk_send(w);
		return;
	}
	w->uses_wasi = wasi_module_uses(w->module);
	uint32_t ni, ne;
	sb_extern *imp = externs_list(w->module, true, &ni);
	sb_extern *exp = externs_list(w->module, false, &ne);
	uint64_t values = sig_values(imp, ni) + sig_values(exp, ne);
	size_t frame = w->out.len;
	sb_buf_u8(&w->out, 1);
	sb_externs_encode(&w->out, imp, ni);
	sb_externs_encode(&w->out, exp, ne);
	free(imp);
	free(exp);
	size_t meta_bytes = w->out.len - frame;
	if (!w->out.oom &&
	    (meta_bytes > SB_MAX_LOADED_BYTES || values > SB_MAX_SIG_VALUES)) {
		/* Say so rather than send what the supervisor must refuse. */
		char msg[200];
		if (meta_bytes > SB_MAX_LOADED_BYTES)
			snprintf(msg, sizeof msg, "module metadata too large: "
				"names and signatures of its imports and exports "
				"take %zu bytes, the limit is %u MiB", meta_bytes,
				SB_MAX_LOADED_BYTES >> 20);
		else
			snprintf(msg, sizeof msg, "module metadata too large: "
				"its imported and exported functions have %llu "
				"parameter and result types, the limit is %u Mi",
				(unsigned long long)values,
				SB_MAX_SIG_VALUES >> 20);
		wasm_module_free(w->module);
		w->module = NULL;
		w->out.len = w->out.frame;
		sb_buf_begin(&w->out, SB_MSG_LOADED);
		sb_buf_u8(&w->out, 0);
		sb_buf_u32(&w->out, (uint32_t)WASM_ERR_LIMIT);
		sb_buf_u64(&w->out, UINT64_MAX);
		sb_buf_str(&w->out, msg);
	}
	wk_send(w);
}

/* ---- INVOKE --------------------------------------------------------------- */

/* Turns a failed engine call into an outcome (decision 10). */
static void fail(sb_result *res, wasm_status s, const wasm_error *err,
	bool instantiating)
{
	snprintf(res->message, sizeof res->message, "%s", err->message);
	snprintf(res->func_name, sizeof res->func_name, "%s", err->func_name);
	res->offset = err->offset;
	res->func_index = err->func_index;
	switch (s) {
	case WASM_ERR_TRAP:
		res->trap = err->trap;
		if (err->trap == WASM_TRAP_TIMEOUT) {
			res->outcome = SB_TIMEOUT;
		} else if (err->trap == WASM_TRAP_OUT_OF_FUEL) {
			res->outcome = SB_LIMIT;
			res->limit = SB_LIMIT_FUEL;
		} else {
			res->outcome = instantiating ? SB_INSTANTIATE_ERROR
						     : SB_TRAP;
		}
		return;
	case WASM_ERR_EXIT:
		res->outcome = SB_EXIT;
		res->exit_code = err->exit_code;
		return;
	case WASM_ERR_NOMEM:
		res->outcome = SB_LIMIT;
		res->limit = SB_LIMIT_MEMORY;
		return;
	case WASM_ERR_LIMIT:
		if (instantiating) {
			res->outcome = SB_INSTANTIATE_ERROR;
		} else {
			res->outcome = SB_LIMIT;
			res->limit = SB_LIMIT_MEMORY;
		}
		return;
	case WASM_ERR_ARG:
		res->outcome = SB_BAD_CALL;
		return;
	default:
		res->outcome = SB_INSTANTIATE_ERROR;
		return;
	}
}

static wasi_ctx *wasi_make(const sb_invoke_msg *msg, sb_result *res)
{
	wasi_config cfg;
	wasi_file *files = calloc((size_t)msg->req.nfiles + 1, sizeof *files);
	wasi_ctx *ctx = NULL;
	wasm_error err;

	if (!files) {
		res->outcome = SB_LIMIT;
		res->limit = SB_LIMIT_MEMORY;
		return NULL;
	}
	for (uint32_t i = 0; i < msg->req.nfiles; i++) {
		files[i].path = msg->files[i].path;
		files[i].data = msg->files[i].data;
		files[i].len = msg->files[i].len;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.argv = msg->req.argv;
	cfg.argc = msg->req.argc;
	cfg.env = msg->req.env;
	cfg.envc = msg->req.envc;
	cfg.stdin_data = msg->req.stdin_data;
	cfg.stdin_len = msg->req.stdin_len;
	cfg.stdout_max_bytes = (size_t)msg->req.stdout_max_bytes;
	cfg.stderr_max_bytes = (size_t)msg->req.stderr_max_bytes;
	cfg.files = files;
	cfg.nfiles = msg->req.nfiles;
	error_init(&err);
	if (wasi_new(&cfg, &ctx, &err) != WASM_OK) {
		res->outcome = SB_BAD_CALL;
		snprintf(res->message, sizeof res->message, "WASI: %.200s",
			err.message);
		ctx = NULL;
	}
	free(files);
	return ctx;
}

/* Everything but WASI must be absent: nothing else is offered. */
static bool imports_link(struct wk *w, wasm_store *store, wasi_ctx *wasi,
	wasm_extern *imports, sb_result *res)
{
	uint32_t n = wasm_module_import_count(w->module);
	wasm_error err;

	for (uint32_t i = 0; i < n; i++) {
		wasm_extern_desc d;
		wasm_module_import(w->module, i, &d);
		/* By its exact bytes: "wasi_snapshot_preview1\0x" is not WASI. */
		if (wasi && d.module_len == strlen(WASI_MODULE_NAME) &&
		    memcmp(d.module, WASI_MODULE_NAME, d.module_len) == 0)
			continue;
		char mod[96], name[96];
		wasm_name_format(d.module, d.module_len, mod, sizeof mod);
		wasm_name_format(d.name, d.name_len, name, sizeof name);
		res->outcome = SB_INSTANTIATE_ERROR;
		snprintf(res->message, sizeof res->message,
			"unlinkable import %s.%s", mod, name);
		return false;
	}
	if (!wasi)
		return true;
	error_init(&err);
	wasm_status s = wasi_link(wasi, store, w->module, imports, &err);
	if (s != WASM_OK) {
		fail(res, s, &err, true);
		return false;
	}
	return true;
}

static void output_copy(const wasi_ctx *wasi, int fd, uint8_t **data,
	size_t *len, bool *truncated)
{
	wasi_output o = wasi_captured(wasi, fd);

	*truncated = o.truncated;
	*data = NULL;
	*len = 0;
	if (!o.len)
		return;
	*data = malloc(o.len);
	if (!*data)
		return;
	memcpy(*data, o.data, o.len);
	*len = o.len;
}

static void kept_free(struct wk *w)
{
	wasm_store_free(w->kept);
	wasi_free(w->kept_wasi);
	free(w->kept_imports);
	w->kept = NULL;
	w->kept_inst = NULL;
	w->kept_wasi = NULL;
	w->kept_imports = NULL;
}

/* The limits every call carries: page cap, fuel, the deadline's seq. */
static void store_arm(struct wk *w, wasm_store *store, const sb_invoke_msg *msg)
{
	if (msg->req.max_memory_pages)
		wasm_store_set_max_memory_pages(store,
			msg->req.max_memory_pages);
	if (msg->req.has_fuel)
		wasm_store_set_fuel(store, msg->req.fuel);
	wasm_store_set_deadline(store, w->p->epoch, msg->seq);
}

static void outputs_copy(const wasi_ctx *wasi, sb_result *res)
{
	output_copy(wasi, 1, &res->stdout_data, &res->stdout_len,
		&res->stdout_truncated);
	output_copy(wasi, 2, &res->stderr_data, &res->stderr_len,
		&res->stderr_truncated);
}

static uint32_t memory_pages(const wasm_instance *inst)
{
	const wasm_memory *mem = inst ? wasm_instance_memory(inst) : NULL;
	return mem ? wasm_memory_pages(mem) : 0;
}

/* SB_INSTANCE_CALL: the kept instance's export, with its memory, globals
 * and tables as earlier calls left them.  A timeout ends the instance
 * (the supervisor applies the same rule): it stopped at an arbitrary
 * point, so nothing it holds can be trusted to be whole. */
static void wk_call_kept(struct wk *w, const sb_invoke_msg *msg,
	sb_result *res)
{
	wasm_error err;

	if (!w->kept)
		wk_exit(WK_EXIT_PROTOCOL);
	res->outcome = SB_OK;
	store_arm(w, w->kept, msg);
	wasm_memory *mem = wasm_instance_memory(w->kept_inst);
	if (mem && msg->req.max_memory_pages)   /* this call's cap */
		wasm_memory_set_limit_pages(mem, msg->req.max_memory_pages);
	if (w->kept_wasi)
		wasi_captured_clear(w->kept_wasi);
	error_init(&err);
	uint64_t t0 = sb_now_ns();
	wasm_status s = wasm_instance_call_bytes(w->kept, w->kept_inst,
		msg->function, msg->function_len, msg->args, msg->req.nargs,
		&res->results, &res->nresults, &err);
	if (s != WASM_OK)
		fail(res, s, &err, false);
	/* As wk_invoke does for a fresh store: else the pages a deep call
	 * left in the kept store's stacks stay resident, for the instance's
	 * life and then in the stacks cached for the worker's next store. */
	if (sb_now_ns() - t0 >= WK_TRIM_AFTER_NS ||
	    res->trap == WASM_TRAP_STACK_OVERFLOW)
		wasm_store_trim_stacks(w->kept);
	if (msg->req.has_fuel)
		res->fuel_left = wasm_store_fuel(w->kept);
	if (w->kept_wasi)
		outputs_copy(w->kept_wasi, res);
	res->memory_pages = memory_pages(w->kept_inst);
	if (res->outcome == SB_TIMEOUT)
		kept_free(w);
}

/* Calls the export `name` with no arguments, its results dropped. */
static wasm_status export_call0(wasm_store *store, wasm_instance *inst,
	const char *name, wasm_error *err)
{
	wasm_value *results = NULL;
	uint32_t nresults = 0;
	wasm_status s = wasm_instance_call_bytes(store, inst, name,
		strlen(name), NULL, 0, &results, &nresults, err);
	free(results);
	return s;
}

/* A WASI reactor's _initialize, if it exports one (the convention: called
 * once, right after instantiation, before any other export). */
static wasm_status reactor_init(wasm_store *store, wasm_instance *inst,
	wasm_error *err)
{
	static const char name[] = "_initialize";
	wasm_extern e;

	if (!wasm_instance_export_bytes(inst, name, sizeof name - 1, &e) ||
	    e.kind != WASM_EXTERN_FUNC)
		return WASM_OK;
	return export_call0(store, inst, name, err);
}

/* The first instance made, as instantiation (and the module's
 * initialisation export, if it has one) left it, becomes the
 * snapshot the next ones are mapped from; once per worker (the file is
 * written once), and not at all where the engine refuses (a start
 * function with imports, ...) or where it would cost more than it saves
 * (little data, no start function): those instances are built as
 * before. */
static void snapshot_try(struct wk *w, const wasm_instance *inst)
{
	wasm_error err;

	if (w->snap || w->snap_tried || w->snap_file.fd < 0)
		return;
	w->snap_tried = true;
	error_init(&err);
	if (wasm_snapshot_take(inst, &w->snap_file, &w->snap, &err) !=
	    WASM_OK) {
		w->snap = NULL;
	} else if (!w->init && !wasm_snapshot_worthwhile(w->snap)) {
		wasm_snapshot_free(w->snap);   /* cheaper the usual way */
		w->snap = NULL;
	}
}

/* *done_store: the store, to be freed by the caller once the result is
 * sent (freeing zeroes the memory for the next instance: off the
 * answer's path). */
static void wk_run(struct wk *w, const sb_invoke_msg *msg, sb_result *res,
	wasm_store **done_store)
{
	wasm_store *store = NULL;
	wasm_instance *inst = NULL;
	wasm_extern *imports = NULL;
	wasi_ctx *wasi = NULL;
	wasm_error err;
	wasm_status s;
	uint32_t nimports = wasm_module_import_count(w->module);
	bool keep = msg->req.instance_op == SB_INSTANCE_CREATE;
	uint64_t t0 = sb_now_ns();

	switch (msg->req.instance_op) {
	case SB_INSTANCE_CALL:
		wk_call_kept(w, msg, res);
		return;
	case SB_INSTANCE_DROP:
		if (!w->kept)
			wk_exit(WK_EXIT_PROTOCOL);
		*done_store = w->kept;   /* freed after the answer */
		w->kept = NULL;
		kept_free(w);
		res->outcome = SB_OK;
		return;
	case SB_INSTANCE_CREATE:
		if (w->kept)
			wk_exit(WK_EXIT_PROTOCOL);
		break;
	case SB_INSTANCE_FRESH:
		break;
	}
	res->outcome = SB_OK;
	store = wasm_store_new(w->p->engine);
	imports = calloc((size_t)nimports + 1, sizeof *imports);
	if (!store || !imports) {
		res->outcome = SB_LIMIT;
		res->limit = SB_LIMIT_MEMORY;
		goto out;
	}
	store_arm(w, store, msg);
	if (msg->req.kind == SB_WASI || w->uses_wasi) {
		if (!(wasi = wasi_make(msg, res)))
			goto out;
	}
	if (!imports_link(w, store, wasi, imports, res))
		goto out;
	error_init(&err);
	s = w->snap ? wasm_instance_new_from(store, w->module, imports,
		nimports, w->snap, &inst, &err) : wasm_instance_new(store,
		w->module, imports, nimports, &inst, &err);
	if (s == WASM_OK)
		res->from_snapshot = wasm_instance_from_snapshot(inst);
	/* The module's initialisation, unless the snapshot holds it. */
	if (s == WASM_OK && w->init && !res->from_snapshot)
		s = export_call0(store, inst, w->init, &err);
	res->instantiate_us = (sb_now_ns() - t0) / 1000;
	if (s == WASM_OK)
		snapshot_try(w, inst);
	if (s == WASM_OK && keep)
		s = reactor_init(store, inst, &err);
	if (s != WASM_OK) {
		fail(res, s, &err, true);
		goto out;
	}
	if (keep) {
		w->kept = store;
		w->kept_inst = inst;
		w->kept_wasi = wasi;
		w->kept_imports = imports;
		res->memory_pages = memory_pages(inst);
		if (wasi)
			outputs_copy(wasi, res);
		return;
	}
	error_init(&err);
	if (msg->req.kind == SB_WASI) {
		int code = 0;
		s = wasi_run_start(wasi, store, inst, &code, &err);
		if (s == WASM_OK) {
			res->outcome = SB_EXIT;
			res->exit_code = code;
		} else if (s == WASM_ERR_LINK) {
			res->outcome = SB_BAD_CALL;
			snprintf(res->message, sizeof res->message, "%s",
				err.message);
		} else {
			fail(res, s, &err, false);
		}
		goto out;
	}
	s = wasm_instance_call_bytes(store, inst, msg->function,
		msg->function_len, msg->args, msg->req.nargs, &res->results,
		&res->nresults, &err);
	if (s != WASM_OK)
		fail(res, s, &err, false);
	res->memory_pages = memory_pages(inst);
out:
	if (msg->req.has_fuel && store)
		res->fuel_left = wasm_store_fuel(store);
	if (wasi)
		outputs_copy(wasi, res);
	*done_store = store;
	wasi_free(wasi);
	free(imports);
}

static void wk_invoke(struct wk *w, sb_rd *r)
{
	sb_invoke_msg msg;
	sb_result res;

	if (!w->module || !sb_invoke_decode(r, &msg))
		wk_exit(WK_EXIT_PROTOCOL);
	result_init(&res);
	wasm_store *store = NULL;
	uint64_t t0 = sb_now_ns();
	wk_run(w, &msg, &res, &store);
	if (store && (sb_now_ns() - t0 >= WK_TRIM_AFTER_NS ||
	    res.trap == WASM_TRAP_STACK_OVERFLOW))
		wasm_store_trim_stacks(store);
	wasm_module_stats ms;
	wasm_module_stats_get(w->module, &ms);
	res.has_tiers = true;
	memcpy(res.tiers.tier, ms.tiers, sizeof res.tiers.tier);
	sb_result_encode(&w->out, msg.seq, &res);
	wk_send(w);
	if (store)
		wasm_store_free(store);
	free(res.results);
	free(res.stdout_data);
	free(res.stderr_data);
	sb_invoke_msg_free(&msg);
}

/* ---- test hooks ----------------------------------------------------------- */

static void wk_test(struct wk *w, sb_rd *r)
{
	uint8_t mode = sb_rd_u8(r);
	uint8_t hdr[SB_FRAME_HDR_BYTES];
	uint32_t len;
	uint16_t ver = SB_PROTO_VERSION, type = SB_MSG_RESULT;

	if (!w->p->test_hooks || !sb_rd_done(r))
		wk_exit(WK_EXIT_PROTOCOL);
	switch ((sb_test_mode)mode) {
	case SB_TEST_SEGV: {
		/* An address the compiler cannot prove bad. */
		volatile uintptr_t addr = 8;
		*(volatile int *)addr = 1;
		break;
	}
	case SB_TEST_SYSCALL:
		syscall(SYS_getppid);
		break;
	case SB_TEST_HANG:
		for (volatile unsigned long i = 0;; i++)
			;
	case SB_TEST_GARBAGE:
		memset(hdr, 0xa5, sizeof hdr);
		sb_write_all(SB_IPC_FD, hdr, sizeof hdr);
		break;
	case SB_TEST_HUGE_FRAME:
		len = UINT32_MAX;
		memcpy(hdr, &len, 4);
		memcpy(hdr + 4, &ver, 2);
		memcpy(hdr + 6, &type, 2);
		sb_write_all(SB_IPC_FD, hdr, sizeof hdr);
		break;
	case SB_TEST_WRONG_SEQ: {
		sb_result res;
		result_init(&res);
		sb_result_encode(&w->out, UINT64_C(0xdead), &res);
		wk_send(w);
		break;
	}
	}
	/* Then wait for the supervisor to act. */
}

/* ---- main ----------------------------------------------------------------- */

/* Until at least `need` unread bytes are buffered (need <= WK_RX_BYTES);
 * false at EOF or on an error.  Reads as much as the socket has. */
static bool rx_fill(struct wk *w, size_t need)
{
	if (w->rx_start == w->rx_end)
		w->rx_start = w->rx_end = 0;
	if (w->rx_end - w->rx_start >= need)
		return true;
	if (WK_RX_BYTES - w->rx_start < need) {
		memmove(w->rx, w->rx + w->rx_start, w->rx_end - w->rx_start);
		w->rx_end -= w->rx_start;
		w->rx_start = 0;
	}
	while (w->rx_end - w->rx_start < need) {
		ssize_t n = read(SB_IPC_FD, w->rx + w->rx_end,
			WK_RX_BYTES - w->rx_end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		w->rx_end += (size_t)n;
	}
	return true;
}

void sb_worker_main(const struct sb_worker_params *p)
{
	struct wk w = { .p = p };
	struct sb_confine c = {
		.ipc_fd = p->ipc_fd,
		.snapshot_fd = -1,
		.data_bytes = p->data_bytes,
		.relaxed = SB_RELAXED,
		.bpf = p->bpf,
		.engine = p->engine,
	};
	const char *step;

	mallopt(M_MMAP_THRESHOLD, WK_MMAP_BYTES);
	mallopt(M_TRIM_THRESHOLD, WK_TRIM_BYTES);
	/* One malloc arena for both threads (this one and tier 2's compile
	 * thread): glibc shrinks a thread arena's heap on free and, the first
	 * time, reads /proc/sys/vm/overcommit_memory to know whether it may,
	 * and the filter refuses openat (killed: SIGSYS, seen under --tier=auto
	 * freeing what the compile thread allocated).  The main arena grows
	 * by brk and is trimmed without that read. */
	mallopt(M_ARENA_MAX, 1);
	/* The snapshot file before the filter, which refuses memfd_create
	 * and ftruncate (and RLIMIT_FSIZE is 0 then): sparse, as large as
	 * an invocation's memory may be. */
	if (p->snapshot_bytes && p->snapshot_map_end &&
	    p->snapshot_bytes <= SB_SNAPSHOT_MAX_BYTES) {
		int fd = memfd_create("wh-snapshot", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, (off_t)p->snapshot_bytes) != 0) {
			close(fd);
			fd = -1;
		}
		c.snapshot_fd = fd;
	}
	w.snap_file = (wasm_snapshot_file){
		.fd = c.snapshot_fd >= 0 ? SB_SNAPSHOT_FD : -1,
		.fd_bytes = p->snapshot_bytes,
		.map_end_max = p->snapshot_map_end,
	};
	if (sb_confine_apply(&c, &step) != 0)
		wk_exit(WK_EXIT_CONFINE);
	/* Confined: from here on every byte read may be hostile. */
	sb_buf_begin(&w.out, SB_MSG_HELLO);
	sb_buf_u32(&w.out, SB_PROTO_VERSION);
	sb_buf_u32(&w.out, 0);
	wk_send(&w);
	if (!(w.rx = malloc(WK_RX_BYTES)))
		wk_exit(WK_EXIT_NOMEM);
	for (;;) {
		enum sb_msg type;
		uint32_t len;
		if (!rx_fill(&w, SB_FRAME_HDR_BYTES))
			wk_exit(WK_EXIT_EOF);
		if (!sb_hdr_parse(w.rx + w.rx_start, p->max_frame_bytes, &type,
			&len))
			wk_exit(WK_EXIT_PROTOCOL);
		w.rx_start += SB_FRAME_HDR_BYTES;
		uint8_t *payload, *owned = NULL;
		if (len <= WK_RX_BYTES - SB_FRAME_HDR_BYTES) {
			if (!rx_fill(&w, len))
				wk_exit(WK_EXIT_EOF);
			payload = w.rx + w.rx_start;
			w.rx_start += len;
		} else {
			/* Big (a module): its own buffer, what was read
			 * already first. */
			size_t have = w.rx_end - w.rx_start;
			if (have > len)
				have = len;
			if (!(payload = owned = malloc(len)))
				wk_exit(WK_EXIT_NOMEM);
			memcpy(owned, w.rx + w.rx_start, have);
			w.rx_start += have;
			if (!sb_read_all(SB_IPC_FD, owned + have, len - have))
				wk_exit(WK_EXIT_EOF);
		}
		sb_rd r = { .p = payload, .left = len };
		switch (type) {
		case SB_MSG_LOAD: wk_load(&w, &r); break;
		case SB_MSG_INVOKE: wk_invoke(&w, &r); break;
		case SB_MSG_TEST: wk_test(&w, &r); break;
		default: wk_exit(WK_EXIT_PROTOCOL);
		}
		free(owned);
	}
}
