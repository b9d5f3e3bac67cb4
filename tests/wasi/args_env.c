/* args_env.c -- argv and environ as the host passed them. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=[%s]\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("env [%s]\n", *e);
	const char *v = getenv("WASI_TEST");
	printf("getenv(WASI_TEST)=%s\n", v ? v : "(null)");
	return 0;
}
