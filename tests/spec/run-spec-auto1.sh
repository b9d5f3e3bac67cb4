#!/bin/sh
# run-spec-auto1.sh -- the spec suite (run-spec.sh) in automatic tiering
# with both thresholds 1: interpreter -> baseline at every first call and
# OSR at every first loop entry, baseline -> optimizing at the first entry
# or loop back-edge in baseline code (OSR from baseline into optimized code
# at a loop header), the harshest test of tier transitions.
WASMHOST_TIER=auto
WASMHOST_TIER_THRESHOLD=1
WASMHOST_OPT_THRESHOLD=1
export WASMHOST_TIER WASMHOST_TIER_THRESHOLD WASMHOST_OPT_THRESHOLD
exec sh "$(dirname "$0")/run-spec.sh"
