/* clock.c -- properties of the clocks; prints only "ok"/"FAIL" lines so
 * the output is the same on every host. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	failed |= !ok;
}

static int64_t ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void)
{
	struct timespec res;
	int64_t prev = ns(CLOCK_MONOTONIC), ok = 1;

	for (int i = 0; i < 100000 && ok; i++) {
		int64_t t = ns(CLOCK_MONOTONIC);
		ok = t >= prev;
		prev = t;
	}
	check(prev > 0 && ok, "monotonic clock never goes back");
	int64_t now = ns(CLOCK_REALTIME);
	check(now > INT64_C(1577836800) * 1000000000 &&      /* 2020 */
	      now < INT64_C(4102444800) * 1000000000,        /* 2100 */
	      "realtime clock is between 2020 and 2100");
	time_t t = time(NULL);
	check(t >= now / 1000000000 - 5 && t <= now / 1000000000 + 5,
	      "time() agrees with CLOCK_REALTIME");
	check(clock_getres(CLOCK_MONOTONIC, &res) == 0 &&
	      (res.tv_sec > 0 || res.tv_nsec > 0), "clock_getres > 0");
	check(ns(CLOCK_PROCESS_CPUTIME_ID) >= 0, "process cputime readable");
	int64_t before = ns(CLOCK_MONOTONIC);
	usleep(20000);
	int64_t slept = ns(CLOCK_MONOTONIC) - before;
	/* At most 10 s: a loaded 2-core machine running both CI builds has
	 * stalled a process for seconds. */
	check(slept >= 20000000 && slept < INT64_C(10000000000),
	      "usleep(20 ms) takes at least 20 ms");
	if (slept < 20000000 || slept >= INT64_C(10000000000))
		printf("  it took %lld ns\n", (long long)slept);
	return failed;
}
