#!/bin/sh
# run-spec-opt-noavx.sh -- the float and SIMD files of the spec suite
# (f32*, f64*, float_*, conversions, simd_*) under --tier=opt with AVX
# turned off (WASMHOST_NO_AVX=1): tier 2's SSE two-operand float and SIMD
# forms, as a CPU without AVX runs them (run-spec-opt.sh runs the whole
# suite with AVX where the CPU has it).  The subset is a folder of links
# made here.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
suite=${WASM_TESTSUITE:-$top_srcdir/../shared/wasm-testsuite/core}
sub=$top_builddir/tests/spec/noavx-suite
rm -rf "$sub" && mkdir -p "$sub" || exit 1
for w in "$suite"/f32*.wast "$suite"/f64*.wast "$suite"/float_*.wast \
    "$suite"/conversions.wast "$suite"/simd_*.wast; do
	[ -f "$w" ] && ln -s "$w" "$sub/"
done
WASM_TESTSUITE=$sub
WASMHOST_TIER=opt
WASMHOST_NO_AVX=1
export WASM_TESTSUITE WASMHOST_TIER WASMHOST_NO_AVX
exec sh "$(dirname "$0")/run-spec.sh"
