/* ipc.c -- frames, the bounded field reader, and the message codecs shared
 * by the supervisor and the worker (see ipc.h for the wire format). */
#include "ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- writer -------------------------------------------------------------- */

void sb_buf_free(sb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static void buf_put(sb_buf *b, const void *p, size_t len)
{
	if (b->oom)
		return;
	if (len > b->cap - b->len) {
		size_t ncap = b->cap ? b->cap : 256;
		while (ncap - b->len < len) {
			if (ncap > SIZE_MAX / 2) {
				b->oom = true;
				return;
			}
			ncap *= 2;
		}
		uint8_t *nd = realloc(b->data, ncap);
		if (!nd) {
			b->oom = true;
			return;
		}
		b->data = nd;
		b->cap = ncap;
	}
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
}

void sb_buf_begin(sb_buf *b, enum sb_msg type)
{
	uint8_t hdr[SB_FRAME_HDR_BYTES] = { 0 };
	uint16_t ver = SB_PROTO_VERSION, t = (uint16_t)type;

	memcpy(hdr + 4, &ver, 2);
	memcpy(hdr + 6, &t, 2);
	b->frame = b->len;
	buf_put(b, hdr, sizeof hdr);
}

void sb_buf_u8(sb_buf *b, uint8_t v) { buf_put(b, &v, 1); }
void sb_buf_u32(sb_buf *b, uint32_t v) { buf_put(b, &v, 4); }
void sb_buf_u64(sb_buf *b, uint64_t v) { buf_put(b, &v, 8); }

void sb_buf_bytes(sb_buf *b, const void *p, size_t len)
{
	if (len > UINT32_MAX) {
		b->oom = true;
		return;
	}
	sb_buf_u32(b, (uint32_t)len);
	buf_put(b, p, len);
}

void sb_buf_str(sb_buf *b, const char *s)
{
	sb_buf_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

bool sb_buf_end(sb_buf *b)
{
	size_t start = b->frame;

	if (b->oom)
		return false;
	size_t payload = b->len - start - SB_FRAME_HDR_BYTES;
	if (payload > UINT32_MAX)
		return false;
	uint32_t len = (uint32_t)payload;
	memcpy(b->data + start, &len, 4);
	return true;
}

/* ---- reader -------------------------------------------------------------- */

static bool rd_take(sb_rd *r, void *out, size_t n)
{
	if (r->bad || r->left < n) {
		r->bad = true;
		memset(out, 0, n);
		return false;
	}
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

uint8_t sb_rd_u8(sb_rd *r) { uint8_t v; rd_take(r, &v, 1); return v; }
uint32_t sb_rd_u32(sb_rd *r) { uint32_t v; rd_take(r, &v, 4); return v; }
uint64_t sb_rd_u64(sb_rd *r) { uint64_t v; rd_take(r, &v, 8); return v; }

uint32_t sb_rd_count(sb_rd *r, uint32_t max)
{
	uint32_t n = sb_rd_u32(r);
	if (n > max) {
		r->bad = true;
		return 0;
	}
	return n;
}

bool sb_rd_bytes(sb_rd *r, size_t max, const uint8_t **p, size_t *len)
{
	uint32_t n = sb_rd_u32(r);

	*p = NULL;
	*len = 0;
	if (r->bad || n > max || n > r->left) {
		r->bad = true;
		return false;
	}
	*p = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return true;
}

char *sb_rd_name(sb_rd *r, size_t max, size_t *len)
{
	const uint8_t *p;
	size_t n;

	*len = 0;
	if (!sb_rd_bytes(r, max, &p, &n))
		return NULL;
	char *s = malloc(n + 1);
	if (!s) {
		r->bad = true;
		return NULL;
	}
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	*len = n;
	return s;
}

char *sb_rd_str(sb_rd *r, size_t max)
{
	size_t n;
	char *s = sb_rd_name(r, max, &n);

	if (s && strlen(s) != n) {     /* a NUL inside: not a C string */
		free(s);
		r->bad = true;
		return NULL;
	}
	return s;
}

bool sb_rd_done(const sb_rd *r)
{
	return !r->bad && r->left == 0;
}

bool sb_hdr_parse(const uint8_t hdr[SB_FRAME_HDR_BYTES], size_t max_len,
	enum sb_msg *type, uint32_t *len)
{
	uint16_t ver, t;

	memcpy(len, hdr, 4);
	memcpy(&ver, hdr + 4, 2);
	memcpy(&t, hdr + 6, 2);
	if (ver != SB_PROTO_VERSION || t == 0 || t >= SB_MSG_COUNT_ ||
	    *len > max_len)
		return false;
	*type = (enum sb_msg)t;
	return true;
}

/* ---- blocking I/O -------------------------------------------------------- */

bool sb_write_all(int fd, const void *p, size_t len)
{
	const uint8_t *c = p;
	while (len) {
		ssize_t n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		c += n;
		len -= (size_t)n;
	}
	return true;
}

bool sb_read_all(int fd, void *p, size_t len)
{
	uint8_t *c = p;
	while (len) {
		ssize_t n = read(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		c += n;
		len -= (size_t)n;
	}
	return true;
}

/* ---- values -------------------------------------------------------------- */

static bool valtype_ok(uint8_t t)
{
	return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 ||
		t == WASM_F64 || t == WASM_V128 || t == WASM_FUNCREF ||
		t == WASM_EXTERNREF;
}

static void value_encode(sb_buf *b, const wasm_value *v)
{
	uint64_t bits = 0;

	switch (v->type) {
	case WASM_I32: bits = (uint32_t)v->of.i32; break;
	case WASM_I64: bits = (uint64_t)v->of.i64; break;
	case WASM_F32: bits = v->of.f32_bits; break;
	case WASM_F64: bits = v->of.f64_bits; break;
	case WASM_V128: memcpy(&bits, v->of.v128, 8); break;
	default: bits = v->of.ref != NULL; break;
	}
	sb_buf_u8(b, (uint8_t)v->type);
	sb_buf_u64(b, bits);
	if (v->type == WASM_V128) {     /* then its bytes 8..15 */
		memcpy(&bits, v->of.v128 + 8, 8);
		sb_buf_u64(b, bits);
	}
}

static bool value_decode(sb_rd *r, wasm_value *v)
{
	uint8_t t = sb_rd_u8(r);
	uint64_t bits = sb_rd_u64(r);

	memset(v, 0, sizeof *v);
	if (r->bad || !valtype_ok(t)) {
		r->bad = true;
		return false;
	}
	v->type = (wasm_valtype)t;
	switch (v->type) {
	case WASM_I32:
		if (bits > UINT32_MAX)
			goto bad;
		v->of.i32 = (int32_t)(uint32_t)bits;
		break;
	case WASM_I64: v->of.i64 = (int64_t)bits; break;
	case WASM_F32:
		if (bits > UINT32_MAX)
			goto bad;
		v->of.f32_bits = (uint32_t)bits;
		break;
	case WASM_F64: v->of.f64_bits = bits; break;
	case WASM_V128: {
		uint64_t hi = sb_rd_u64(r);
		if (r->bad)
			goto bad;
		memcpy(v->of.v128, &bits, 8);
		memcpy(v->of.v128 + 8, &hi, 8);
		break;
	}
	default:
		if (bits > 1)
			goto bad;
		v->of.ref = bits ? (void *)1 : NULL;
		break;
	}
	return true;
bad:
	r->bad = true;
	return false;
}

static void strings_encode(sb_buf *b, const char *const *v, uint32_t n)
{
	sb_buf_u32(b, n);
	for (uint32_t i = 0; i < n; i++)
		sb_buf_str(b, v[i]);
}

static char **strings_decode(sb_rd *r, uint32_t *n)
{
	*n = sb_rd_count(r, SB_MAX_STRINGS);
	char **v = calloc((size_t)*n + 1, sizeof *v);
	if (!v) {
		r->bad = true;
		*n = 0;
		return NULL;
	}
	for (uint32_t i = 0; i < *n && !r->bad; i++)
		v[i] = sb_rd_str(r, SB_MAX_STRING_BYTES);
	return v;
}

static void strings_free(char **v, uint32_t n)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- INVOKE -------------------------------------------------------------- */

static bool strings_fit(const char *member, const char *const *v,
	uint32_t n, sb_request_fault *f)
{
	*f = (sb_request_fault){ .member = member, .count = true,
		.actual = n, .limit = SB_MAX_STRINGS };
	if (n > SB_MAX_STRINGS)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);
		if (len > SB_MAX_STRING_BYTES) {
			*f = (sb_request_fault){ .member = member, .index = i,
				.actual = len, .limit = SB_MAX_STRING_BYTES };
			return false;
		}
	}
	return true;
}

bool sb_request_check(const sb_request *req, sb_request_fault *f)
{
	if (!strings_fit("argv", req->argv, req->argc, f) ||
	    !strings_fit("env", req->env, req->envc, f))
		return false;
	*f = (sb_request_fault){ .member = "files", .count = true,
		.actual = req->nfiles, .limit = SB_MAX_FILES };
	if (req->nfiles > SB_MAX_FILES)
		return false;
	for (uint32_t i = 0; i < req->nfiles; i++) {
		size_t len = strlen(req->files[i].path);
		if (len > SB_MAX_PATH_BYTES) {
			*f = (sb_request_fault){ .member = "files", .index = i,
				.actual = len, .limit = SB_MAX_PATH_BYTES };
			return false;
		}
	}
	return true;
}

const char *sb_request_fault_text(const sb_request_fault *f,
	const char *what, char *buf, size_t len)
{
	char member[48];
	if (!what) {
		if (f->count)
			snprintf(member, sizeof member, "%s", f->member);
		else
			snprintf(member, sizeof member, "%s[%u]", f->member,
				f->index);
		what = member;
	}
	snprintf(buf, len, "%s: %llu %s, the limit is %llu", what,
		(unsigned long long)f->actual, f->count ? "entries" : "bytes",
		(unsigned long long)f->limit);
	return buf;
}

void sb_invoke_encode(sb_buf *b, uint64_t seq, const sb_request *req,
	uint32_t max_pages, uint64_t stdout_max, uint64_t stderr_max)
{
	sb_buf_begin(b, SB_MSG_INVOKE);
	sb_buf_u64(b, seq);
	sb_buf_u8(b, (uint8_t)req->kind);
	sb_buf_u8(b, (uint8_t)req->instance_op);
	sb_buf_u32(b, max_pages);
	sb_buf_u8(b, req->has_fuel);
	sb_buf_u64(b, req->fuel);
	if (req->function)
		sb_buf_bytes(b, req->function, req->function_len ?
			req->function_len : strlen(req->function));
	else
		sb_buf_bytes(b, "", 0);
	sb_buf_u32(b, req->nargs);
	for (uint32_t i = 0; i < req->nargs; i++)
		value_encode(b, &req->args[i]);
	strings_encode(b, req->argv, req->argc);
	strings_encode(b, req->env, req->envc);
	sb_buf_bytes(b, req->stdin_data, req->stdin_len);
	sb_buf_u32(b, req->nfiles);
	for (uint32_t i = 0; i < req->nfiles; i++) {
		sb_buf_str(b, req->files[i].path);
		sb_buf_bytes(b, req->files[i].data, req->files[i].len);
	}
	sb_buf_u64(b, stdout_max);
	sb_buf_u64(b, stderr_max);
}

bool sb_invoke_decode(sb_rd *r, sb_invoke_msg *m)
{
	const uint8_t *p;
	size_t n;
	uint32_t count;

	memset(m, 0, sizeof *m);
	m->seq = sb_rd_u64(r);
	uint8_t kind = sb_rd_u8(r);
	if (kind != SB_CALL && kind != SB_WASI)
		r->bad = true;
	m->req.kind = (sb_kind)kind;
	uint8_t iop = sb_rd_u8(r);
	if (iop > SB_INSTANCE_DROP)
		r->bad = true;
	m->req.instance_op = (sb_instance_op)iop;
	m->req.max_memory_pages = sb_rd_u32(r);
	if (m->req.max_memory_pages > 65536)
		r->bad = true;
	m->req.has_fuel = sb_rd_u8(r) != 0;
	m->req.fuel = sb_rd_u64(r);
	m->function = sb_rd_name(r, SB_MAX_EXTERN_NAME_BYTES,
		&m->function_len);
	m->req.function = m->function;
	m->req.function_len = m->function_len;
	count = sb_rd_count(r, SB_MAX_VALUES);
	m->args = calloc((size_t)count + 1, sizeof *m->args);
	if (!m->args)
		r->bad = true;
	for (uint32_t i = 0; i < count && !r->bad; i++)
		value_decode(r, &m->args[i]);
	m->req.args = m->args;
	m->req.nargs = count;
	m->argv = strings_decode(r, &m->req.argc);
	m->req.argv = (const char *const *)m->argv;
	m->env = strings_decode(r, &m->req.envc);
	m->req.env = (const char *const *)m->env;
	if (sb_rd_bytes(r, SIZE_MAX, &p, &n) && n) {
		m->req.stdin_data = p;
		m->req.stdin_len = n;
	}
	count = sb_rd_count(r, SB_MAX_FILES);
	m->files = calloc((size_t)count + 1, sizeof *m->files);
	if (!m->files)
		r->bad = true;
	for (uint32_t i = 0; i < count && !r->bad; i++) {
		m->files[i].path = sb_rd_str(r, SB_MAX_PATH_BYTES);
		if (sb_rd_bytes(r, SIZE_MAX, &p, &n)) {
			m->files[i].data = p;
			m->files[i].len = n;
		}
	}
	m->req.files = m->files;
	m->req.stdout_max_bytes = sb_rd_u64(r);
	m->req.stderr_max_bytes = sb_rd_u64(r);
	/* Remember how many files own memory even if decoding stopped. */
	m->req.nfiles = count;
	if (!sb_rd_done(r)) {
		sb_invoke_msg_free(m);
		return false;
	}
	return true;
}

void sb_invoke_msg_free(sb_invoke_msg *m)
{
	free(m->function);
	free(m->args);
	strings_free(m->argv, m->req.argc);
	strings_free(m->env, m->req.envc);
	if (m->files) {
		for (uint32_t i = 0; i < m->req.nfiles; i++)
			free((char *)m->files[i].path);
		free(m->files);
	}
	memset(m, 0, sizeof *m);
}

/* ---- RESULT -------------------------------------------------------------- */

/* The trap kind travels as one byte, its enum value. */
_Static_assert(WASM_TRAP_COUNT_ <= 256, "a trap kind must fit in a byte");

void sb_result_encode(sb_buf *b, uint64_t seq, const sb_result *res)
{
	sb_buf_begin(b, SB_MSG_RESULT);
	sb_buf_u64(b, seq);
	sb_buf_u8(b, (uint8_t)res->outcome);
	sb_buf_u8(b, (uint8_t)res->trap);
	sb_buf_u8(b, (uint8_t)res->limit);
	sb_buf_u32(b, (uint32_t)res->exit_code);
	sb_buf_u64(b, res->offset);
	sb_buf_u32(b, res->func_index);
	sb_buf_str(b, res->func_name);
	sb_buf_str(b, res->message);
	sb_buf_u32(b, res->nresults);
	for (uint32_t i = 0; i < res->nresults; i++)
		value_encode(b, &res->results[i]);
	sb_buf_bytes(b, res->stdout_data, res->stdout_len);
	sb_buf_u8(b, res->stdout_truncated);
	sb_buf_bytes(b, res->stderr_data, res->stderr_len);
	sb_buf_u8(b, res->stderr_truncated);
	sb_buf_u64(b, res->fuel_left);
	sb_buf_u8(b, res->has_tiers);
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		const wasm_tier_stats *ts = &res->tiers.tier[t];
		sb_buf_u32(b, ts->nfuncs);
		sb_buf_u32(b, ts->nfuncs_refused);
		sb_buf_u64(b, ts->wasm_bytes);
		sb_buf_u64(b, ts->code_bytes);
		sb_buf_u64(b, ts->compile_ns);
		sb_buf_u64(b, ts->osr_entries);
	}
	sb_buf_u64(b, res->instantiate_us);
	sb_buf_u8(b, res->from_snapshot);
	sb_buf_u32(b, res->memory_pages);
}

static bool copy_bytes(sb_rd *r, uint64_t max, uint8_t **out, size_t *len)
{
	const uint8_t *p;
	size_t n;

	*out = NULL;
	*len = 0;
	if (!sb_rd_bytes(r, max > SIZE_MAX ? SIZE_MAX : (size_t)max, &p, &n))
		return false;
	if (!n)
		return true;
	*out = malloc(n);
	if (!*out) {
		r->bad = true;
		return false;
	}
	memcpy(*out, p, n);
	*len = n;
	return true;
}

static void str_copy_bounded(sb_rd *r, char *dst, size_t cap)
{
	const uint8_t *p;
	size_t n;

	dst[0] = '\0';
	if (!sb_rd_bytes(r, SB_MAX_MESSAGE_BYTES, &p, &n))
		return;
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)  /* no NULs or control bytes leak */
		dst[i] = (p[i] < 0x20 && p[i] != '\t') ? '?' : (char)p[i];
	dst[n] = '\0';
}

bool sb_result_decode(sb_rd *r, uint64_t out_max, uint64_t *seq,
	sb_result *res)
{
	uint8_t outcome, trap, limit;

	*seq = sb_rd_u64(r);
	outcome = sb_rd_u8(r);
	trap = sb_rd_u8(r);
	limit = sb_rd_u8(r);
	/* A worker may only claim outcomes that a worker can produce. */
	if (outcome != SB_OK && outcome != SB_EXIT && outcome != SB_TRAP &&
	    outcome != SB_TIMEOUT && outcome != SB_LIMIT &&
	    outcome != SB_INSTANTIATE_ERROR && outcome != SB_BAD_CALL)
		r->bad = true;
	if (trap >= WASM_TRAP_COUNT_ || limit >= SB_LIMIT_COUNT_)
		r->bad = true;
	res->outcome = (sb_outcome)outcome;
	res->trap = (wasm_trap_kind)trap;
	res->limit = (sb_limit)limit;
	res->exit_code = (int)sb_rd_u32(r);
	uint64_t off = sb_rd_u64(r);
	res->offset = off > SIZE_MAX ? SIZE_MAX : (size_t)off;
	res->func_index = sb_rd_u32(r);
	str_copy_bounded(r, res->func_name, sizeof res->func_name);
	str_copy_bounded(r, res->message, sizeof res->message);
	res->nresults = sb_rd_count(r, SB_MAX_VALUES);
	if (!r->bad) {
		res->results = calloc((size_t)res->nresults + 1,
			sizeof *res->results);
		if (!res->results)
			r->bad = true;
	}
	for (uint32_t i = 0; i < res->nresults && !r->bad; i++)
		value_decode(r, &res->results[i]);
	copy_bytes(r, out_max, &res->stdout_data, &res->stdout_len);
	res->stdout_truncated = sb_rd_u8(r) != 0;
	copy_bytes(r, out_max, &res->stderr_data, &res->stderr_len);
	res->stderr_truncated = sb_rd_u8(r) != 0;
	res->fuel_left = sb_rd_u64(r);
	res->has_tiers = sb_rd_u8(r) != 0;
	for (int t = 0; t < WASM_TIER_COUNT; t++) {
		wasm_tier_stats *ts = &res->tiers.tier[t];
		ts->nfuncs = sb_rd_u32(r);
		ts->nfuncs_refused = sb_rd_u32(r);
		ts->wasm_bytes = sb_rd_u64(r);
		ts->code_bytes = sb_rd_u64(r);
		ts->compile_ns = sb_rd_u64(r);
		ts->osr_entries = sb_rd_u64(r);
	}
	res->instantiate_us = sb_rd_u64(r);
	res->from_snapshot = sb_rd_u8(r) != 0;
	res->memory_pages = sb_rd_u32(r);
	if (res->memory_pages > 65536)
		r->bad = true;
	return sb_rd_done(r);
}

/* ---- externs ------------------------------------------------------------- */

/* A signature as runs of one type (u32 nruns, then u8 type, u32 count):
 * a function of 1,000 i32 parameters is 9 bytes, however often exported. */
static void types_encode(sb_buf *b, const uint8_t *t, uint32_t n)
{
	uint32_t nruns = 0;

	for (uint32_t i = 0; i < n; i++)
		nruns += i == 0 || t[i] != t[i - 1];
	sb_buf_u32(b, nruns);
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i + 1;
		while (j < n && t[j] == t[i])
			j++;
		sb_buf_u8(b, t[i]);
		sb_buf_u32(b, j - i);
		i = j;
	}
}

void sb_externs_encode(sb_buf *b, const sb_extern *v, uint32_t n)
{
	sb_buf_u32(b, n);
	for (uint32_t i = 0; i < n; i++) {
		if (v[i].module)
			sb_buf_bytes(b, v[i].module, v[i].module_len);
		sb_buf_bytes(b, v[i].name ? v[i].name : "", v[i].name_len);
		sb_buf_u8(b, (uint8_t)v[i].kind);
		if (v[i].kind != WASM_EXTERN_FUNC)
			continue;
		types_encode(b, v[i].params, v[i].nparams);
		types_encode(b, v[i].results, v[i].nresults);
	}
}

static bool types_copy(sb_rd *r, uint8_t **out, uint32_t *n)
{
	uint32_t nruns = sb_rd_count(r, SB_MAX_VALUES), len = 0;
	sb_rd again = *r;

	*out = NULL;
	*n = 0;
	/* Once to check and count, once to fill. */
	for (uint32_t i = 0; i < nruns && !r->bad; i++) {
		uint8_t t = sb_rd_u8(r);
		uint32_t count = sb_rd_u32(r);
		if (!valtype_ok(t) || count == 0 || count > SB_MAX_VALUES - len)
			r->bad = true;
		else
			len += count;
	}
	if (r->bad || !(*out = malloc((size_t)len + 1))) {
		r->bad = true;
		return false;
	}
	for (uint32_t i = 0, at = 0; i < nruns; i++) {
		uint8_t t = sb_rd_u8(&again);
		uint32_t count = sb_rd_u32(&again);
		memset(*out + at, t, count);
		at += count;
	}
	*n = len;
	return true;
}

bool sb_externs_decode(sb_rd *r, bool imports, sb_extern **out, uint32_t *n)
{
	uint32_t count = sb_rd_count(r, SB_MAX_EXTERNS);
	sb_extern *v = calloc((size_t)count + 1, sizeof *v);

	*out = NULL;
	*n = 0;
	if (!v) {
		r->bad = true;
		return false;
	}
	for (uint32_t i = 0; i < count && !r->bad; i++) {
		if (imports)
			v[i].module = sb_rd_name(r, SB_MAX_EXTERN_NAME_BYTES,
				&v[i].module_len);
		v[i].name = sb_rd_name(r, SB_MAX_EXTERN_NAME_BYTES,
			&v[i].name_len);
		uint8_t kind = sb_rd_u8(r);
		if (kind > WASM_EXTERN_GLOBAL)
			r->bad = true;
		v[i].kind = (wasm_extern_kind)kind;
		if (kind != WASM_EXTERN_FUNC)
			continue;
		types_copy(r, &v[i].params, &v[i].nparams);
		types_copy(r, &v[i].results, &v[i].nresults);
	}
	if (r->bad) {
		sb_externs_free(v, count);
		return false;
	}
	*out = v;
	*n = count;
	return true;
}

void sb_externs_free(sb_extern *v, uint32_t n)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < n; i++) {
		free(v[i].module);
		free(v[i].name);
		free(v[i].params);
		free(v[i].results);
	}
	free(v);
}

static void *mem_dup(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

/* n bytes of a name (NULs allowed) and a NUL after them. */
static char *name_dup(const char *p, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

sb_extern *sb_externs_dup(const sb_extern *v, uint32_t n)
{
	sb_extern *d = calloc((size_t)n + 1, sizeof *d);
	bool ok = d != NULL;

	for (uint32_t i = 0; ok && i < n; i++) {
		d[i] = v[i];
		d[i].module = v[i].module ?
			name_dup(v[i].module, v[i].module_len) : NULL;
		d[i].name = name_dup(v[i].name ? v[i].name : "",
			v[i].name ? v[i].name_len : 0);
		d[i].name_len = v[i].name ? v[i].name_len : 0;
		d[i].params = v[i].params ?
			mem_dup(v[i].params, v[i].nparams) : NULL;
		d[i].results = v[i].results ?
			mem_dup(v[i].results, v[i].nresults) : NULL;
		ok = d[i].name && (!v[i].module || d[i].module) &&
			(!v[i].params || d[i].params) &&
			(!v[i].results || d[i].results);
	}
	if (!ok && d) {
		sb_externs_free(d, n);
		d = NULL;
	}
	return d;
}
