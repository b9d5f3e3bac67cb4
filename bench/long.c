/* long.c -- the driver of make bench's long runs (bench/run.sh).  A
 * benchmark program built with -Dmain=bench_once -DBENCH_ROUNDS (under
 * which it resets what its main must find fresh, as bcvm does) and linked
 * with this runs its main argv[1] times in one process (default once), so
 * that a run lasts long enough for the goal "auto within 10% of opt on
 * every program that runs longer than a second".  Other globals carry
 * over from one round to the next, so later rounds may print other
 * checksums; every runtime must print what the native build prints. */
#include <stdio.h>
#include <stdlib.h>

int bench_once(void);

int main(int argc, char **argv)
{
	char *end;
	long n = argc > 1 ? strtol(argv[1], &end, 10) : 1;
	if (argc > 2 || (argc > 1 && (*end != '\0' || n < 1))) {
		fprintf(stderr, "usage: %s [ROUNDS >= 1]\n", argv[0]);
		return 2;
	}
	for (long i = 0; i < n; i++) {
		int rc = bench_once();
		if (rc != 0)
			return rc;
	}
	return 0;
}
