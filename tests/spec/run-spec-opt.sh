#!/bin/sh
# run-spec-opt.sh -- the spec suite (run-spec.sh) with every function
# compiled before its first call by the optimizing JIT (tier 2) where it
# can, else by the baseline JIT.
WASMHOST_TIER=opt
export WASMHOST_TIER
exec sh "$(dirname "$0")/run-spec.sh"
