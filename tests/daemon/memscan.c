/* memscan.c -- looks for byte strings in another process's memory, for the
 * daemon tests (run-tenants.sh: no token digest in the zygote or a
 * worker).  memscan PID HEX... reads every readable mapping of PID through
 * /proc/PID/mem and prints each pattern it finds with the mapping's name.
 * Exit status: 0 none found, 1 found, 77 the memory cannot be read (not
 * root: workers are not dumpable), 2 usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PATTERNS 8
/* Mappings larger than this are not read: the only readable ones are
 * AddressSanitizer's shadow (terabytes, in the sanitizer build); a linear
 * memory's reservation is PROT_NONE and secrets sit in the heap and small
 * anonymous mappings. */
#define MAX_MAPPING_BYTES (1ul << 30)
/* Read in chunks this large, each overlapping the last by a pattern's
 * length less one, so a pattern across a chunk's edge is seen. */
#define CHUNK_BYTES (16ul << 20)

struct pattern {
	unsigned char bytes[128];
	size_t len;
	const char *text;
};

static int hex_parse(const char *s, struct pattern *p)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2 || n / 2 > sizeof p->bytes)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		p->bytes[i] = (unsigned char)v;
	}
	p->len = n / 2;
	p->text = s;
	return 0;
}

/* Scan [lo, hi) of the process; true if a pattern is there.  *readable is
 * set once anything could be read. */
static int scan_mapping(int mem, unsigned long lo, unsigned long hi,
	const struct pattern *pats, int npats, const char *name, int *readable)
{
	size_t overlap = 0;
	for (int i = 0; i < npats; i++)
		if (pats[i].len - 1 > overlap)
			overlap = pats[i].len - 1;
	unsigned char *buf = malloc(CHUNK_BYTES + overlap);
	int found = 0;
	if (!buf)
		return 0;
	size_t kept = 0;
	for (unsigned long at = lo; at < hi;) {
		size_t want = hi - at < CHUNK_BYTES ? hi - at : CHUNK_BYTES;
		ssize_t got = pread(mem, buf + kept, want, (off_t)at);
		if (got <= 0)
			break;
		*readable = 1;
		size_t have = kept + (size_t)got;
		for (int i = 0; i < npats; i++)
			if (memmem(buf, have, pats[i].bytes, pats[i].len)) {
				printf("%s in %s\n", pats[i].text, name);
				found = 1;
			}
		kept = have < overlap ? have : overlap;
		memmove(buf, buf + have - kept, kept);
		at += (unsigned long)got;
	}
	free(buf);
	return found;
}

int main(int argc, char **argv)
{
	struct pattern pats[MAX_PATTERNS];
	int npats = argc - 2, found = 0, readable = 0;
	char path[64], line[512];

	if (argc < 3 || npats > MAX_PATTERNS) {
		fprintf(stderr, "usage: memscan PID HEX...\n");
		return 2;
	}
	for (int i = 0; i < npats; i++)
		if (hex_parse(argv[i + 2], &pats[i]) != 0) {
			fprintf(stderr, "memscan: bad hex %s\n", argv[i + 2]);
			return 2;
		}
	snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
	FILE *maps = fopen(path, "r");
	snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
	int mem = open(path, O_RDONLY);
	if (!maps || mem < 0) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 77;
	}
	while (fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;
		char perms[8], name[256] = "";
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi,
			perms, name) < 3 || perms[0] != 'r' ||
		    strcmp(name, "[vvar]") == 0)
			continue;
		if (hi - lo > MAX_MAPPING_BYTES)
			continue;
		if (scan_mapping(mem, lo, hi, pats, npats, *name ? name : "(anonymous)",
			&readable))
			found = 1;
	}
	fclose(maps);
	close(mem);
	if (!readable) {
		fprintf(stderr, "memscan: nothing of %s could be read\n",
			argv[1]);
		return 77;
	}
	return found;
}
