#!/usr/bin/env bash
# run-micro.sh -- the micro-benchmarks: wasmhost's interpreter against node
# (V8) on the same modules.  `make bench` runs it from the build tree with
# WASMHOST, WAT2WASM and NODE set; by hand:
#
#   WASMHOST=build/wasmhost bench/run-micro.sh
#
# Each kernel in bench/micro/ is built into $BENCH_OUT (default bench/out
# under the current directory): .wat with wat2wasm, .c with clang for
# wasm32 (no libc, no WASI).  Each is then run as a whole process, BENCH_RUNS
# times (default 5) under each engine; the median wall time is reported.
# Both engines must print the same checksum.  The table goes to stdout and
# a JSON copy to $BENCH_RESULTS (default bench/results in the source tree).
#
# Code size: the wasm code section of each module, and, when CODE_STATS
# names bench/code-stats (make bench builds it), the size of the
# interpreter's pre-decoded code after a small run ("pre-dec"), with its
# ratio to the wasm instruction bytes of the same functions ("x").
#
# Environment:
#   WASMHOST        the wasmhost binary (default ./wasmhost)
#   WASMHOST_FLAGS  extra flags put after `run`, e.g. --tier=interp
#   NODE, WAT2WASM  default: found on PATH
#   CODE_STATS      the code-stats helper (optional; see above)
#   CLANG           default: clang, else clang-19 ... clang-14
#   BENCH_RUNS      runs per engine and kernel (default 5)
#   BENCH_KERNELS   space-separated subset of kernel names to run
#   BENCH_OUT, BENCH_RESULTS   see above
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
micro="$srcdir/bench/micro"
WASMHOST=${WASMHOST:-./wasmhost}
WASMHOST_FLAGS=${WASMHOST_FLAGS:-}
NODE=${NODE:-node}
WAT2WASM=${WAT2WASM:-wat2wasm}
RUNS=${BENCH_RUNS:-5}
OUT=${BENCH_OUT:-bench/out}
RESULTS=${BENCH_RESULTS:-$srcdir/bench/results}

# name | source in bench/micro | export | arguments (sized so that node
# takes roughly 0.3-1 s on the reference machine, 2 cores) | small
# arguments that reach the same code, for the code-size run
KERNELS='
fib    fib.wat   fib    38                | 10
sieve  sieve.c   sieve  1000000 100       | 1000 1
matmul matmul.c  matmul 240 30            | 4 1
vm     vm.c      vm     30000000 7        | 10 1
crc32  crc32.c   crc32  1000000 150       | 64 1
'

die() { echo "run-micro.sh: $*" >&2; exit 2; }

[ -n "$NODE" ] || NODE=node
[ -n "$WAT2WASM" ] || WAT2WASM=wat2wasm
command -v "$NODE" >/dev/null || die "node not found (set NODE; Debian package nodejs)"
command -v "$WAT2WASM" >/dev/null || die "wat2wasm not found (set WAT2WASM; Debian package wabt)"
[ -x "$WASMHOST" ] || die "wasmhost not found at $WASMHOST (set WASMHOST)"

if [ -z "${CLANG:-}" ]; then
	for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
		if command -v "$c" >/dev/null; then CLANG=$c; break; fi
	done
fi
[ -n "${CLANG:-}" ] || die "clang not found (set CLANG; Debian packages clang and lld)"

mkdir -p "$OUT" "$RESULTS"

# Build one kernel; prints the path of the .wasm.
build() {
	local name=$1 src=$2 export=$3 wasm="$OUT/$1.wasm"
	case $src in
	*.wat)
		"$WAT2WASM" "$micro/$src" -o "$wasm" ;;
	*.c)
		# -fno-builtin: with no libc there is no memset, so clang must not
		# turn clearing loops into calls to it.
		"$CLANG" --target=wasm32 -O2 -fno-builtin -nostdlib \
			-Wl,--no-entry -Wl,--export="$export" \
			-o "$wasm" "$micro/$src" ||
			die "cannot build $src for wasm32 with $CLANG (needs the wasm32 target and wasm-ld: packages clang, lld)" ;;
	*)
		die "unknown source type: $src" ;;
	esac
	echo "$wasm"
}

now_ns() { date +%s%N; }

# time_runs LABEL CMD...: runs CMD $RUNS times; sets MEDIAN_S (seconds,
# median wall time) and CHECKSUM (its stdout, which must not change between
# runs).  Returns 1, with the reason on stderr, if any run fails.
time_runs() {
	local label=$1; shift
	local times=() i t0 t1 out
	CHECKSUM=
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now_ns)
		if ! out=$("$@" 2>"$OUT/stderr.txt"); then
			echo "$label: failed: $*" >&2
			sed -n '1,5p' "$OUT/stderr.txt" >&2
			return 1
		fi
		t1=$(now_ns)
		out=$(printf '%s' "$out" | tr '\n' ' ' | sed 's/ *$//')
		if [ "$i" -gt 0 ] && [ "$out" != "$CHECKSUM" ]; then
			echo "$label: output changed between runs: '$CHECKSUM' then '$out'" >&2
			return 1
		fi
		CHECKSUM=$out
		times+=($((t1 - t0)))
	done
	MEDIAN_S=$(printf '%s\n' "${times[@]}" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] / 1e9 }')
}

json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

status=0
rows=()
json_kernels=()
ratios=()

row() { printf '%-8s %7s %9s %5s %9s %7s %6s  %s\n' "$@"; }
row program 'code B' 'pre-dec B' x 'interp s' 'node s' ratio checksum
while read -r name src export rest; do
	[ -n "$name" ] || continue
	args=${rest%%|*} smoke=${rest#*|}
	args=${args%"${args##*[! ]}"}  # drop trailing blanks
	if [ -n "${BENCH_KERNELS:-}" ] && [[ " $BENCH_KERNELS " != *" $name "* ]]; then
		continue
	fi
	wasm=$(build "$name" "$src" "$export")
	code_bytes=$("$NODE" "$srcdir/bench/run-node.mjs" --code-size "$wasm")
	# code-stats prints: code_section nfuncs ncompiled wasm_bytes code_bytes
	pre_bytes=null pre_ratio=null
	# shellcheck disable=SC2086
	if [ -n "${CODE_STATS:-}" ] &&
	    stats=$("$CODE_STATS" "$wasm" "$export" $smoke); then
		read -r _ nfuncs ncompiled wasm_bytes pre_bytes <<<"$stats"
		[ "$nfuncs" = "$ncompiled" ] ||
			echo "$name: only $ncompiled of $nfuncs functions were pre-decoded by the small run" >&2
		pre_ratio=$(awk -v a="$pre_bytes" -v b="$wasm_bytes" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	fi
	# shellcheck disable=SC2086 # args is a list of words on purpose
	time_runs "$name/node" "$NODE" "$srcdir/bench/run-node.mjs" "$wasm" "$export" $args ||
		{ status=1; continue; }
	node_s=$MEDIAN_S node_sum=$CHECKSUM
	# shellcheck disable=SC2086
	if time_runs "$name/wasmhost" "$WASMHOST" run $WASMHOST_FLAGS --invoke "$export" "$wasm" $args; then
		host_s=$MEDIAN_S host_sum=$CHECKSUM
	else
		status=1
		row "$name" "$code_bytes" "$pre_bytes" "$pre_ratio" FAIL "$node_s" - "$node_sum"
		continue
	fi
	if [ "$host_sum" != "$node_sum" ]; then
		echo "$name: checksums differ: wasmhost '$host_sum', node '$node_sum'" >&2
		status=1
		row "$name" "$code_bytes" "$pre_bytes" "$pre_ratio" "$host_s" "$node_s" MISMATCH "$host_sum/$node_sum"
		continue
	fi
	ratio=$(awk -v a="$host_s" -v b="$node_s" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	ratios+=("$host_s $node_s")
	row "$name" "$code_bytes" "$pre_bytes" "$pre_ratio" "$host_s" "$node_s" "$ratio" "$host_sum"
	json_kernels+=("{\"name\": $(json_str "$name"), \"source\": $(json_str "bench/micro/$src"), \"export\": $(json_str "$export"), \"args\": $(json_str "$args"), \"checksum\": $(json_str "$host_sum"), \"code_section_bytes\": $code_bytes, \"predecoded_bytes\": $pre_bytes, \"predecoded_ratio\": $pre_ratio, \"wasmhost_s\": $host_s, \"node_s\": $node_s, \"ratio\": $ratio}")
done <<<"$KERNELS"

geomean=null
if [ "${#ratios[@]}" -gt 0 ]; then
	geomean=$(printf '%s\n' "${ratios[@]}" | awk '
		$2 > 0 && $1 > 0 { s += log($1 / $2); n++ }
		END { if (n) printf "%.2f", exp(s / n); else printf "null" }')
	row geomean '' '' '' '' '' "$geomean" ''
fi

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
json="$RESULTS/micro-$stamp.json"
commit=$(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
	printf '{\n'
	printf '  "date": %s,\n' "$(json_str "$stamp")"
	printf '  "commit": %s,\n' "$(json_str "$commit")"
	printf '  "machine": %s,\n' "$(json_str "$(uname -m), $(nproc) cores")"
	printf '  "node": %s,\n' "$(json_str "$("$NODE" --version)")"
	printf '  "wasmhost_flags": %s,\n' "$(json_str "$WASMHOST_FLAGS")"
	printf '  "runs": %d,\n' "$RUNS"
	printf '  "time": "median whole-process wall time, seconds",\n'
	printf '  "kernels": [\n'
	for ((i = 0; i < ${#json_kernels[@]}; i++)); do
		sep=,; [ "$i" -eq $((${#json_kernels[@]} - 1)) ] && sep=
		printf '    %s%s\n' "${json_kernels[$i]}" "$sep"
	done
	printf '  ],\n'
	printf '  "geomean_ratio": %s\n' "$geomean"
	printf '}\n'
} >"$json"
echo "results: $json"
exit "$status"
