/* bench_sandbox.c -- figures for the sandbox (never assertions):
 *   worker start: spawn request to HELLO (forked from the zygote, confined,
 *                 ready), averaged over fresh workers;
 *   round trip:   a trivial call (add) on a warm worker, submit to result;
 *   cold call:    a module's first call (spawn + load + instantiate + call).
 * Usage: bench_sandbox [N]   (needs $WAT2WASM or wat2wasm) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "sbtest.h"

static double now_us(void) { return (double)sb_now_ns() / 1000.0; }

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	size_t len;
	uint8_t *bytes = sbt_wasm("sb_basic", &len);
	sb_supervisor *sup;
	sb_config cfg = { .max_workers = 64 };

	if (!bytes || n < 10 || sb_supervisor_new(&cfg, &sup, NULL) != WASM_OK)
		return 1;
	printf("layers: %s\n", sb_supervisor_layers(sup));
	wasm_value args[2] = { { .type = WASM_I32, .of.i32 = 1 },
		{ .type = WASM_I32, .of.i32 = 2 } };
	sb_request req = { .kind = SB_CALL, .function = "add", .args = args,
		.nargs = 2 };

	/* Cold: a new module each time (so a new worker). */
	enum { COLD = 50 };
	double cold[COLD];
	for (int i = 0; i < COLD; i++) {
		char id[32];
		snprintf(id, sizeof id, "m%d", i);
		double t0 = now_us();
		sb_module *m = sb_module_new(sup, "bench", id, bytes, len);
		sb_result_free(sb_invoke_wait(m, &req));
		cold[i] = now_us() - t0;
		sb_module_release(m);
	}
	sb_stats st;
	sb_supervisor_stats(sup, &st);
	qsort(cold, COLD, sizeof *cold, cmp);
	printf("worker start (spawn request -> confined and ready): "
		"%llu us average over %llu workers\n",
		(unsigned long long)st.spawn_us_avg,
		(unsigned long long)st.spawned);
	printf("cold first call (spawn + load + call): p50 %.0f us\n",
		cold[COLD / 2]);

	sb_module *m = sb_module_new(sup, "bench", "warm", bytes, len);
	sb_result_free(sb_invoke_wait(m, &req));
	double *rt = malloc((size_t)n * sizeof *rt);
	double t_all = now_us();
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		sb_result *r = sb_invoke_wait(m, &req);
		rt[i] = now_us() - t0;
		if (r->outcome != SB_OK || r->results[0].of.i32 != 3)
			return 2;
		sb_result_free(r);
	}
	t_all = now_us() - t_all;
	qsort(rt, (size_t)n, sizeof *rt, cmp);
	printf("round trip of add(1, 2) on a warm worker: p50 %.1f us, "
		"p99 %.1f us, %.0f calls/s (%d calls, one at a time)\n",
		rt[n / 2], rt[n * 99 / 100], n / (t_all / 1e6), n);
	free(rt);
	sb_module_release(m);
	sb_supervisor_free(sup);
	free(bytes);

	char text[8192];
	sb_policy pol = { .ipc_fd = SB_IPC_FD, .code_base = 1 };
	sb_policy_describe(&pol, text, sizeof text);
	printf("allowed syscalls:\n%s", text);
	return 0;
}
