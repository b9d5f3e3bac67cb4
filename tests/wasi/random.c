/* random.c -- random_get: prints 32 random bytes in hex (the test runs it
 * twice and wants two different lines) and checks a larger buffer is not
 * constant. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	unsigned char a[32], big[4096];
	int same = 1;

	if (getentropy(a, sizeof a) != 0 || getentropy(big, 256) != 0)
		return 2;
	for (size_t i = 1; i < 256; i++)
		same &= big[i] == big[0];
	for (size_t i = 0; i < sizeof a; i++)
		printf("%02x", a[i]);
	printf("\n%s\n", same ? "constant" : "varied");
	return same;
}
