/* notify-listen.c -- stands in for systemd's notify socket in the daemon
 * tests: binds an AF_UNIX datagram socket at argv[1] and prints each
 * message on one line (newlines as spaces) until one holds STOPPING=1 or
 * argv[2] seconds (default 20) pass without a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = argc > 2 ? atoi(argv[2]) : 20 };
	char msg[4096];

	if (argc < 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: notify-listen PATH [SECONDS]\n");
		return 2;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	strcpy(sa.sun_path, argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror("notify-listen");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		ssize_t n = recv(fd, msg, sizeof msg - 1, 0);
		if (n < 0)
			break;
		msg[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (msg[i] == '\n')
				msg[i] = ' ';
		printf("%s\n", msg);
		fflush(stdout);
		if (strstr(msg, "STOPPING=1"))
			break;
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}
