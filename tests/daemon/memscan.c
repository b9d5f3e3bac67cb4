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
		size_t len = hi - lo;
		unsigned char *buf = malloc(len);
		if (!buf)
			continue;
		ssize_t got = pread(mem, buf, len, (off_t)lo);
		if (got > 0) {
			readable = 1;
			for (int i = 0; i < npats; i++)
				if (memmem(buf, (size_t)got, pats[i].bytes,
					pats[i].len)) {
					printf("%s in %s\n", pats[i].text,
						*name ? name : "(anonymous)");
					found = 1;
				}
		}
		free(buf);
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
