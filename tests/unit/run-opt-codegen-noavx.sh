#!/bin/sh
# run-opt-codegen-noavx.sh -- check_opt_codegen with AVX turned off
# (WASMHOST_NO_AVX=1): tier 2's SSE two-operand float forms, which a CPU
# without AVX runs, against the interpreter and the baseline on this
# machine too (check_opt_codegen itself runs with AVX where the CPU has
# it).  Run by `make check` with top_builddir in the environment.
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
WASMHOST_NO_AVX=1
export WASMHOST_NO_AVX
exec "$top_builddir/tests/unit/check_opt_codegen"
