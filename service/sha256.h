/* sha256.h -- SHA-256 (FIPS 180-4), for module ids and token hashes.
 * Written for the daemon; no dependency.  Streaming: init, update any
 * number of times, final. */
#ifndef WH_SHA256_H
#define WH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32
#define SHA256_HEX_BYTES 65   /* 64 hex digits and a NUL */

typedef struct {
	uint32_t h[8];
	uint64_t total_bytes;
	uint8_t block[64];
	size_t used;              /* bytes in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[SHA256_BYTES]);

/* One call: digest of data, and its lowercase hex form. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES]);
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_BYTES]);

/* The value of one hex digit, either case, or -1: what reads a digest
 * back (a tenant's token_sha256), percent-escapes in the API's paths and
 * the CLI's hex names. */
static inline int wh_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
void sha256_to_hex(const uint8_t digest[SHA256_BYTES],
	char out[SHA256_HEX_BYTES]);

#endif
