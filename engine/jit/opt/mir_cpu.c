/* mir_cpu.c -- the CPU features tier 2's instruction selection uses,
 * asked once per process (cpuid is slow in a VM; the answer never
 * changes), and the switch that turns AVX off.
 */
#include "jit/opt/mir.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static mir_cpu_features cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void cpu_probe(void)
{
	cpu.lzcnt = x64_cpu_has_lzcnt();
	cpu.tzcnt = x64_cpu_has_tzcnt();
	cpu.popcnt = x64_cpu_has_popcnt();
	cpu.sse41 = x64_cpu_has_sse41();
	/* WASMHOST_NO_AVX=1 (any value but empty or "0"): SSE forms only,
	 * as on a CPU without AVX (tests run both paths on one machine) */
	const char *no = getenv("WASMHOST_NO_AVX");
	cpu.avx = x64_cpu_has_avx() && !(no && *no && strcmp(no, "0") != 0);
}

const mir_cpu_features *mir_cpu(void)
{
	pthread_once(&cpu_once, cpu_probe);
	return &cpu;
}
