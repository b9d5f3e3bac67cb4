#!/bin/sh
# run-spec-auto.sh -- the spec suite (run-spec.sh) in automatic tiering with
# both thresholds at their defaults.
WASMHOST_TIER=auto
unset WASMHOST_TIER_THRESHOLD WASMHOST_OPT_THRESHOLD
export WASMHOST_TIER
exec sh "$(dirname "$0")/run-spec.sh"
