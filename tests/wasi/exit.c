/* exit.c -- ways to end: "return" -> 3, "exit" -> exit(7) after buffered
 * output, "abort" -> abort() (a trap), "zero" -> return 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "zero";

	printf("ending by %s\n", how);
	if (strcmp(how, "return") == 0)
		return 3;
	if (strcmp(how, "exit") == 0)
		exit(7);
	if (strcmp(how, "abort") == 0) {
		fflush(stdout);
		abort();
	}
	return 0;
}
