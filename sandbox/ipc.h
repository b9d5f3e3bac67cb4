/* ipc.h -- the supervisor <-> worker protocol (internal to sandbox/).
 *
 * A stream socket (socketpair, AF_UNIX) carries frames:
 *
 *   u32 length     payload bytes that follow the 8-byte header
 *   u16 version    SB_PROTO_VERSION; anything else is a protocol error
 *   u16 type       sb_msg
 *   payload        fields in host byte order (both ends are one machine):
 *                  u8/u32/u64 as is; bytes and strings as u32 length + data
 *                  (strings hold no NUL; names, which may, are bytes)
 *
 * Every read of a field is bounds-checked against the frame (sb_rd sets
 * .bad and yields zeros past the end), and every count and length against a
 * fixed cap below, on both sides.  A frame whose header is wrong, whose
 * length exceeds the receiver's cap, or whose payload does not decode
 * exactly is a protocol error: the supervisor kills the worker, the worker
 * exits.
 *
 *   HELLO   W->S  u32 version, u32 flags             (confined and ready)
 *   LOAD    S->W  u8 fuel, bytes module, str init export ("" = none)
 *   LOADED  W->S  u8 ok; ok: imports, exports (signatures as runs of one
 *                 type, see sb_externs_encode); else u32 status, u64 offset,
 *                 str message
 *   INVOKE  S->W  see sb_invoke_encode
 *   RESULT  W->S  see sb_result_encode
 *   TEST    S->W  u8 sb_test_mode (only with test hooks enabled)
 */
#ifndef SB_IPC_H
#define SB_IPC_H

#include "sandbox.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_PROTO_VERSION 4
#define SB_FRAME_HDR_BYTES 8

enum sb_msg {
	SB_MSG_HELLO = 1,
	SB_MSG_LOAD,
	SB_MSG_LOADED,
	SB_MSG_INVOKE,
	SB_MSG_RESULT,
	SB_MSG_TEST,
	SB_MSG_COUNT_
};

/* Caps on what a frame may hold (both directions). */
#define SB_MAX_PATH_BYTES SB_MAX_WASI_PATH_BYTES
/* A LOADED frame, the module's metadata (imports, exports, signatures);
 * a worker whose metadata is larger answers "not loadable" instead
 * (WASM_ERR_LIMIT), never a frame the supervisor must refuse. */
#define SB_MAX_LOADED_BYTES (16u << 20)
/* Import and export names (and so INVOKE's function): the wasm spec has
 * no limit of its own; only the whole metadata is bounded. */
#define SB_MAX_EXTERN_NAME_BYTES SB_MAX_LOADED_BYTES
/* Parameter and result types of all imported and exported functions
 * together, as the supervisor holds them (one byte each): 20,000 exports of
 * a function with 1,000 parameters are 20 Mi. */
#define SB_MAX_SIG_VALUES (32u << 20)
#define SB_MAX_MESSAGE_BYTES 1024u   /* error and trap messages */
#define SB_MAX_VALUES 1024u          /* args, results, params per type */
#define SB_MAX_EXTERNS 100000u       /* imports and exports of a module */
#define SB_MAX_STRINGS SB_MAX_WASI_STRINGS   /* argv and env entries */
#define SB_MAX_FILES SB_MAX_WASI_FILES
#define SB_MAX_STRING_BYTES SB_MAX_WASI_STRING_BYTES /* one argv/env entry */
/* The largest frame a worker may send, besides captured output. */
#define SB_MAX_REPLY_BASE_BYTES (32u << 20)

/* ---- writer ------------------------------------------------------------ */

typedef struct {
	uint8_t *data;
	size_t len, cap;
	size_t frame;         /* offset of the frame being written */
	bool oom;             /* an append failed; the frame is unusable */
} sb_buf;

void sb_buf_free(sb_buf *b);
/* Starts a frame of type at the end of b (b may hold earlier frames). */
void sb_buf_begin(sb_buf *b, enum sb_msg type);
void sb_buf_u8(sb_buf *b, uint8_t v);
void sb_buf_u32(sb_buf *b, uint32_t v);
void sb_buf_u64(sb_buf *b, uint64_t v);
void sb_buf_bytes(sb_buf *b, const void *p, size_t len);
void sb_buf_str(sb_buf *b, const char *s);      /* NULL = "" */
/* Fills in the frame's length; false if it ran out of memory or the
 * payload does not fit a u32. */
WASM_MUST_CHECK bool sb_buf_end(sb_buf *b);

/* ---- reader ------------------------------------------------------------ */

typedef struct {
	const uint8_t *p;
	size_t left;
	bool bad;             /* read past the end, or a cap was exceeded */
} sb_rd;

uint8_t sb_rd_u8(sb_rd *r);
uint32_t sb_rd_u32(sb_rd *r);
uint64_t sb_rd_u64(sb_rd *r);
/* A count no larger than max (else bad, 0). */
uint32_t sb_rd_count(sb_rd *r, uint32_t max);
/* Bytes of at most max; *p points into the frame. */
bool sb_rd_bytes(sb_rd *r, size_t max, const uint8_t **p, size_t *len);
/* A string of at most max bytes without NUL, copied and NUL-terminated
 * (malloc); NULL when bad or out of memory (then r->bad is set). */
char *sb_rd_str(sb_rd *r, size_t max);
/* A name of at most max bytes, NULs allowed (a wasm name may hold
 * U+0000): copied and NUL-terminated (malloc), *len its bytes; NULL when
 * bad or out of memory (then r->bad is set). */
char *sb_rd_name(sb_rd *r, size_t max, size_t *len);
/* True if the frame was consumed exactly and nothing was bad. */
bool sb_rd_done(const sb_rd *r);

/* Parses a header; false if the version is not ours, the type unknown or
 * the length above max_len. */
bool sb_hdr_parse(const uint8_t hdr[SB_FRAME_HDR_BYTES], size_t max_len,
	enum sb_msg *type, uint32_t *len);

/* ---- blocking I/O (worker, zygote) -------------------------------------- */

bool sb_write_all(int fd, const void *p, size_t len);
/* false on EOF before len bytes, or an error. */
bool sb_read_all(int fd, void *p, size_t len);

/* ---- messages ------------------------------------------------------------ */

/* INVOKE: the request plus the worker-side fields. */
void sb_invoke_encode(sb_buf *b, uint64_t seq, const sb_request *req,
	uint32_t max_pages, uint64_t stdout_max, uint64_t stderr_max);

/* A decoded INVOKE (worker side); strings and arrays are malloc'd, but
 * stdin and the files' contents point into the frame (WASI only borrows
 * them), which must outlive the message. */
typedef struct {
	uint64_t seq;
	sb_request req;           /* pointers into the fields below */
	char *function;           /* function_len bytes, NULs allowed */
	size_t function_len;
	wasm_value *args;
	char **argv, **env;
	sb_file *files;           /* path malloc'd, data in the frame */
} sb_invoke_msg;

WASM_MUST_CHECK bool sb_invoke_decode(sb_rd *r, sb_invoke_msg *out);
void sb_invoke_msg_free(sb_invoke_msg *m);

/* RESULT: outcome fields, results, captured output. */
void sb_result_encode(sb_buf *b, uint64_t seq, const sb_result *res);
/* Decodes into res (whose arrays it allocates); out_max bounds each
 * captured stream.  Validates every enum and count. */
WASM_MUST_CHECK bool sb_result_decode(sb_rd *r, uint64_t out_max,
	uint64_t *seq, sb_result *res);

/* LOADED with ok = 1: the module's imports and exports. */
void sb_externs_encode(sb_buf *b, const sb_extern *v, uint32_t n);
WASM_MUST_CHECK bool sb_externs_decode(sb_rd *r, bool imports,
	sb_extern **out, uint32_t *n);
void sb_externs_free(sb_extern *v, uint32_t n);
/* Deep copy (for handing the cached list to each caller). */
sb_extern *sb_externs_dup(const sb_extern *v, uint32_t n);

#endif
