#!/bin/sh
# run-spec-auto1.sh -- the spec suite (run-spec.sh) in automatic tiering
# with threshold 1: tier-up at every first call and OSR at every first loop
# entry, the harshest test of tier transitions.
WASMHOST_TIER=auto
WASMHOST_TIER_THRESHOLD=1
export WASMHOST_TIER WASMHOST_TIER_THRESHOLD
exec sh "$(dirname "$0")/run-spec.sh"
