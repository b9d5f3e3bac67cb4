#!/bin/sh
# run-spec.sh -- the WebAssembly core spec suite, simd_*.wast included,
# through `wasmhost spec` (a function with a SIMD op the baseline does not
# compile yet stays in the interpreter; tier 2 leaves v128 to the baseline).  Run by `make check` with top_srcdir, top_builddir
# and WAST2JSON in the environment.
#
#   WASM_TESTSUITE  folder of .wast files
#                   (default: $top_srcdir/../shared/wasm-testsuite/core)
#   WASMHOST_TIER   tier to force (default interp)
#   WASMHOST_TIER_THRESHOLD  tier-up threshold for WASMHOST_TIER=auto
#   WASMHOST_OPT_THRESHOLD   baseline -> optimizing threshold for auto
#   WASMHOST_SPEC_FLAGS  extra flags for `wasmhost spec` (e.g. "--strict -v")
#   WASMHOST_NO_AVX      set: tier 2 without AVX (run-spec-opt-noavx.sh)
#
# Exits 77 (automake SKIP) when the suite or wast2json is missing, unless
# CI=true, where that is a failure.  Converted files are cached in
# $top_builddir/tests/spec/out and redone only when the .wast is newer.
#
# Skipped assertions are held to known_skips below: the run fails when the
# runner skips for any other reason, or more often than listed.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
suite=${WASM_TESTSUITE:-$top_srcdir/../shared/wasm-testsuite/core}
wast2json=${WAST2JSON:-wast2json}
wasmhost=$top_builddir/wasmhost
out=$top_builddir/tests/spec/out

# The skips the suite is known to need, as "REASON=MAX" pairs; REASON is
# the runner's ("skipped REASON: N" lines before its summary):
#   text-module  1077 assert_malformed/assert_invalid commands whose module
#                is text (`module quote`), which this binary-only engine
#                cannot be given (wast2json passes them on as .wat): 567
#                outside simd_*.wast, 510 in them
# Fewer is fine (a newer suite may drop some); anything else fails.
known_skips="text-module=1077"

missing() {
	echo "run-spec.sh: $1"
	if [ "$CI" = true ]; then
		echo "run-spec.sh: CI=true, so this is a failure"
		exit 1
	fi
	exit 77
}

[ -d "$suite" ] || missing "spec suite not found at $suite (set WASM_TESTSUITE)"
command -v "$wast2json" >/dev/null 2>&1 ||
	missing "wast2json not found (install wabt; configure sets WAST2JSON)"
[ -x "$wasmhost" ] || { echo "run-spec.sh: $wasmhost not built"; exit 1; }

tier=${WASMHOST_TIER:-interp}
label=$tier${WASMHOST_TIER_THRESHOLD:+-t$WASMHOST_TIER_THRESHOLD}${WASMHOST_OPT_THRESHOLD:+-o$WASMHOST_OPT_THRESHOLD}${WASMHOST_NO_AVX:+-noavx}
mkdir -p "$out" || exit 1
# Runs per tier may go in parallel (make -j): one converts at a time.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$out/.convert.lock" && flock 9
fi
jsons=
nconv=0
for wast in "$suite"/*.wast; do
	name=$(basename "$wast" .wast)
	dir=$out/$name
	json=$dir/$name.json
	if [ ! -f "$json" ] || [ "$wast" -nt "$json" ]; then
		rm -rf "$dir" && mkdir -p "$dir" || exit 1
		if ! "$wast2json" "$wast" -o "$json" >"$dir/wast2json.log" 2>&1; then
			echo "run-spec.sh: wast2json failed on $wast:"
			cat "$dir/wast2json.log"
			rm -f "$json"
			exit 1
		fi
		nconv=$((nconv + 1))
	fi
	jsons="$jsons $json"
done
exec 9>&-
[ -n "$jsons" ] || missing "no .wast files in $suite"
echo "run-spec.sh: $nconv file(s) converted, $(echo $jsons | wc -w) to run," \
	"tier $label"

summary_log=$out/summary-$label.log
# shellcheck disable=SC2086 # word splitting is wanted: paths have no spaces
"$wasmhost" spec --tier="$tier" $WASMHOST_SPEC_FLAGS \
	$jsons >"$summary_log" 2>&1
rc=$?
# Failures first (they can be many: show the head), then the summary line.
nfail=$(grep -c ':[0-9]*: ' "$summary_log")
if [ "$nfail" -gt 0 ]; then
	grep ':[0-9]*: ' "$summary_log" | head -200
	[ "$nfail" -gt 200 ] && echo "... ($nfail lines; all in $summary_log)"
fi
summary=$(tail -n 1 "$summary_log")
grep '^skipped [a-z0-9-]*: [0-9]*$' "$summary_log"
echo "$summary"
case $summary in
*" passed, "*" failed, "*" skipped") ;;
*) echo "run-spec.sh: the runner did not finish (exit $rc)"; exit 1 ;;
esac

# Every skip must have a known reason, at most as often as known_skips says.
skips_ok=true
nskipped=$(echo "$summary" | sed 's/.* failed, \([0-9]*\) skipped$/\1/')
nexplained=0
for line in $(grep '^skipped [a-z0-9-]*: [0-9]*$' "$summary_log" |
    sed 's/^skipped \(.*\): \(.*\)$/\1=\2/'); do
	reason=${line%=*} n=${line#*=}
	nexplained=$((nexplained + n))
	max=
	for k in $known_skips; do
		[ "${k%=*}" = "$reason" ] && max=${k#*=}
	done
	if [ -z "$max" ]; then
		echo "run-spec.sh: $n assertion(s) skipped for reason '$reason'," \
			"which is not a known one (known_skips: $known_skips)"
		skips_ok=false
	elif [ "$n" -gt "$max" ]; then
		echo "run-spec.sh: $n assertion(s) skipped for reason '$reason'," \
			"more than the $max known (known_skips: $known_skips)"
		skips_ok=false
	fi
done
if [ "$nexplained" -ne "$nskipped" ]; then
	echo "run-spec.sh: $nskipped skipped but only $nexplained with a reason"
	skips_ok=false
fi
# Under --tier=opt tier 2 must compile the functions itself: a function
# it refuses runs in the baseline, so only the refusals listed in
# known_opt_refusals may occur: the CPU lacking an instruction tier 2
# needs (SSE4.1 for some SIMD ops).  A body over tier 2's size cap
# (OPT_MAX_BODY_KIB in jit/opt/opt.h) may occur in at most
# max_big_refusals modules: none since the cap is 32 KiB (at 16 KiB the
# big bodies of br_table.wast and skip-stack-guard-page.wast were over
# it).  The runner prints "FILE: refused opt: REASON" (a module's last
# refusal) and "compiled opt: N, refused M".
known_opt_refusals="without the CPU's\|function body over [0-9]* KiB"
max_big_refusals=0
refusals_ok=true
if [ "$tier" = opt ]; then
	line=$(grep '^compiled opt: ' "$summary_log")
	echo "${line:-run-spec.sh: no tier-2 statistics}"
	case $line in
	"compiled opt: 0,"*|"") echo "run-spec.sh: tier 2 compiled nothing"
		refusals_ok=false ;;
	esac
	nbig=$(grep -c ': refused opt: function body over' "$summary_log")
	if [ "$nbig" -gt "$max_big_refusals" ]; then
		echo "run-spec.sh: $nbig modules with bodies over tier 2's cap (at most $max_big_refusals)"
		refusals_ok=false
	fi
	grep ': refused opt: ' "$summary_log" | grep -v "$known_opt_refusals" |
		head -20 > "$out/.refusals-$label" || true
	if [ -s "$out/.refusals-$label" ]; then
		echo "run-spec.sh: tier 2 refused functions (they ran in the baseline):"
		cat "$out/.refusals-$label"
		refusals_ok=false
	fi
	rm -f "$out/.refusals-$label"
fi
[ "$rc" -eq 0 ] && $skips_ok && $refusals_ok
