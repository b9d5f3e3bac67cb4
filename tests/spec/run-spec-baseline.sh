#!/bin/sh
# run-spec-baseline.sh -- the spec suite (run-spec.sh) with every function
# compiled by the baseline JIT at its first call.
WASMHOST_TIER=baseline
export WASMHOST_TIER
exec sh "$(dirname "$0")/run-spec.sh"
