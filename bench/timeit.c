/* timeit.c -- run one command and measure it, for bench/run.sh.
 *
 *   timeit OUT ERR CMD [ARGS...]
 *
 * Runs CMD with stdout to the file OUT and stderr to the file ERR, waits
 * for it with wait4(), and prints one line on stdout:
 *
 *   WALL_S CPU_S MAXRSS_KB STATUS
 *
 * WALL_S is the wall-clock time from fork to exit (CLOCK_MONOTONIC), CPU_S
 * the child's user + system time, MAXRSS_KB its peak resident set size
 * (ru_maxrss), STATUS its exit status, or 128 + the signal that ended it.
 * Built by bench/run.sh with the host compiler. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: timeit OUT ERR CMD [ARGS...]\n");
		return 2;
	}
	int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || err < 0) {
		perror("timeit: open");
		return 2;
	}
	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		close(out);
		close(err);
		execvp(argv[3], argv + 3);
		perror("timeit: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		return 2;
	}
	double wall = now_s() - t0;
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	int code = WIFEXITED(status) ? WEXITSTATUS(status)
		 : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	printf("%.6f %.6f %ld %d\n", wall, cpu, ru.ru_maxrss, code);
	return 0;
}
