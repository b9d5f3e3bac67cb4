/* sbtest.h -- helpers shared by the sandbox test programs: fixtures
 * compiled with $WAT2WASM at test time, process and fd counting. */
#ifndef SBTEST_H
#define SBTEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef SB_FIXTURES_DIR
#define SB_FIXTURES_DIR "tests/sandbox/fixtures"
#endif

/* Compiles fixtures/NAME.wat and returns its bytes (malloc'd), or NULL. */
static inline uint8_t *sbt_wasm(const char *name, size_t *len)
{
	const char *wat2wasm = getenv("WAT2WASM");
	char out[256], cmd[1024];
	uint8_t *buf = NULL;
	FILE *f;
	long n;

	if (!wat2wasm || !*wat2wasm)
		wat2wasm = "wat2wasm";
	snprintf(out, sizeof out, "%s/sbt-%d-%s.wasm",
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(),
		name);
	snprintf(cmd, sizeof cmd, "'%s' '%s/%s.wat' -o '%s'", wat2wasm,
		SB_FIXTURES_DIR, name, out);
	if (system(cmd) != 0)
		return NULL;
	f = fopen(out, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	unlink(out);
	*len = (size_t)n;
	return buf;
}

/* Open fds of this process. */
static inline int sbt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;   /* the DIR's own fd */
}

/* Direct children of pid (from /proc/PID/task/PID/children). */
static inline int sbt_count_children(int pid)
{
	char path[64], buf[8192];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	size_t got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[got] = '\0';
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		n++;
	return n;
}

/* A field of /proc/PID/status read as a number in `base`; -1 if
 * missing. */
static inline long long sbt_status_base(int pid, const char *field, int base)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			v = strtoll(line + flen + 1, NULL, base);
			break;
		}
	fclose(f);
	return v;
}

/* A field of /proc/PID/status ("Seccomp", "VmRSS"), as a number; -1. */
static inline long sbt_status_field(int pid, const char *field)
{
	return (long)sbt_status_base(pid, field, 10);
}

/* A hexadecimal field of /proc/PID/status ("CapBnd"); -1 if missing.
 * (sbt_status_field reads "000001ffffffffff" as 1.) */
static inline long long sbt_status_hex(int pid, const char *field)
{
	return sbt_status_base(pid, field, 16);
}

static inline bool sbt_alive(int pid)
{
	char path[64], st = 0, line[512];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof line, f)) {
		char *p = strrchr(line, ')');
		if (p && p[1] == ' ')
			st = p[2];
	}
	fclose(f);
	return st != 0 && st != 'Z' && st != 'X';
}

#endif
