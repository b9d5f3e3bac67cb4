#!/usr/bin/env bash
# test.sh -- build wasmhost and run the whole test suite, as CI does:
#
#   1. build-ci/      ./configure --enable-werror; make; make check
#   2. build-ci-san/  ./configure --enable-werror --enable-sanitizers
#                     (ASan + UBSan); make; make check
#
# Both builds are fresh (the folders are removed first) and out of tree, and
# both run even when the first fails.  On failure the test-suite.log of the
# failing build is printed.  WASM_TESTSUITE (the spec suite's core/ folder)
# defaults to ../shared/wasm-testsuite/core beside the repository.
#
# Environment: JOBS (default 2), CHECK_TIMEOUT_S (per `make check`,
# default 1800), WASM_TESTSUITE.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ -z "${WASM_TESTSUITE:-}" ] && [ -d "$root/../shared/wasm-testsuite/core" ]; then
	WASM_TESTSUITE=$(cd "$root/../shared/wasm-testsuite/core" && pwd)
fi
export WASM_TESTSUITE=${WASM_TESTSUITE:-}
echo "test.sh: WASM_TESTSUITE=${WASM_TESTSUITE:-(not set: spec tests will skip)}"

JOBS=${JOBS:-2}
CHECK_TIMEOUT_S=${CHECK_TIMEOUT_S:-1800}

# Print why a build's tests failed: the harness's test-suite.log holds the
# logs of every failing test.
show_failures() {
	local dir=$1 log
	for log in $(find "$dir" -name test-suite.log 2>/dev/null); do
		echo "==================== $log ===================="
		head -n 3000 "$log"
		[ "$(wc -l <"$log")" -le 3000 ] || echo "... (cut at 3000 lines; the whole log is $log)"
	done
}

# build DIR CONFIGURE-ARGS...
build() {
	local dir=$1; shift
	echo "==================== $dir: configure $* ===================="
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! (cd "$dir" && ../configure "$@"); then
		tail -n 60 "$dir/config.log" || true
		return 1
	fi
	echo "==================== $dir: make ===================="
	(cd "$dir" && make -j"$JOBS") || return 1
	echo "==================== $dir: make check ===================="
	if ! (cd "$dir" && timeout "$CHECK_TIMEOUT_S" make -j"$JOBS" check); then
		show_failures "$dir"
		return 1
	fi
}

# Count the test results of a build; prints "pass fail skip".
count() {
	find "$1" -name '*.trs' -exec grep -h '^:test-result:' {} + 2>/dev/null |
		awk '$2 == "PASS" || $2 == "XFAIL" { p++ }
		     $2 == "FAIL" || $2 == "ERROR" || $2 == "XPASS" { f++ }
		     $2 == "SKIP" { s++ }
		     END { printf "%d %d %d\n", p, f, s }'
}

autoreconf -fi

status=0
build build-ci --enable-werror || status=1

export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
build build-ci-san --enable-werror --enable-sanitizers || status=1

echo "==================== summary ===================="
tp=0 tf=0 ts=0
for dir in build-ci build-ci-san; do
	read -r p f s < <(count "$dir")
	echo "$dir: $p passed, $f failed, $s skipped (test programs)"
	# Test programs that count their own cases (the spec runner's
	# "N passed, M failed, K skipped"): their last such line.
	while read -r trs; do
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "${trs%.trs}.log" 2>/dev/null | tail -n 1) || true
		[ -z "$line" ] || echo "  ${trs#"$dir"/}: $line" | sed 's/\.trs:/:/'
	done < <(find "$dir" -name '*.trs' 2>/dev/null | sort)
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
[ "$status" -eq 0 ] || [ "$tf" -gt 0 ] || tf=1  # a build failed before its tests
echo "$tp passed, $tf failed, $ts skipped"
exit "$status"
