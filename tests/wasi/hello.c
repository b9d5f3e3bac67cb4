/* hello.c -- printf through wasi-libc: fd_write, buffering, formatting. */
#include <stdio.h>

int main(void)
{
	printf("hello, world\n");
	printf("%d %u %ld %x %s %c %.3f %e\n", -42, 42u, 1234567890L, 0xbeef,
		"str", 'c', 3.14159, 6.02e23);
	for (int i = 0; i < 3; i++)
		printf("line %d\n", i);
	fprintf(stderr, "to stderr\n");
	return 0;
}
