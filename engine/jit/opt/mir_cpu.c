/* mir_cpu.c -- the CPU features tier 2's instruction selection uses,
 * asked once per process (cpuid is slow in a VM; the answer never
 * changes).  An engine may still refuse AVX (wasm_config.no_avx), and
 * with it the VEX-encoded GPR instructions of BMI (lower.c).
 */
#include "jit/opt/mir.h"

#include <pthread.h>

static mir_cpu_features cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void cpu_probe(void)
{
	cpu.lzcnt = x64_cpu_has_lzcnt();
	cpu.tzcnt = x64_cpu_has_tzcnt();
	cpu.popcnt = x64_cpu_has_popcnt();
	cpu.sse41 = x64_cpu_has_sse41();
	cpu.avx = x64_cpu_has_avx();
	cpu.bmi1 = x64_cpu_has_bmi1();
	cpu.bmi2 = x64_cpu_has_bmi2();
}

const mir_cpu_features *mir_cpu(void)
{
	pthread_once(&cpu_once, cpu_probe);
	return &cpu;
}
