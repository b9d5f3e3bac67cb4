/* crc32.c -- byte-at-a-time table-driven CRC-32 (IEEE 802.3, reflected,
 * polynomial 0xEDB88320).
 *
 * crc32(len, reps) fills len bytes (at most BUF_MAX) from a linear
 * congruential generator, then computes the CRC of the buffer reps times,
 * chaining each result into the next, and returns the final CRC masked to
 * 31 bits.  Built without libc. */
#define BUF_MAX (1u << 20)

static unsigned char buf[BUF_MAX];
static unsigned table[256];

static void table_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		unsigned c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

static unsigned crc_update(unsigned crc, const unsigned char *p, unsigned len)
{
	crc = ~crc;
	for (unsigned i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

int crc32(unsigned len, unsigned reps)
{
	unsigned seed = 2463534242u;
	if (len > BUF_MAX)
		len = BUF_MAX;
	table_init();
	for (unsigned i = 0; i < len; i++) {
		seed = seed * 1664525u + 1013904223u;
		buf[i] = (unsigned char)(seed >> 24);
	}
	unsigned crc = 0;
	for (unsigned r = 0; r < reps; r++)
		crc = crc_update(crc, buf, len);
	return (int)(crc & 0x7fffffff);
}
