#!/usr/bin/env bash
# run.sh -- the benchmark suite: the C programs in bench/programs/, built
# natively (gcc -O2) and for wasm32-wasi (clang -O2), plus any flags a
# program names in a bench-cflags line (below), run under native,
# node (V8, default tiering), node --liftoff-only (V8's baseline compiler
# alone), node --no-liftoff (TurboFan alone) and each wasmhost tier that
# exists.  report.mjs also prints tier 2's compile speed and the goals of
# issue 14 measured in the same run.  `make bench` runs it from the
# build tree with WASMHOST and NODE set; by hand:
#
#   WASMHOST=build/wasmhost bench/run.sh
#
# Every runtime must print exactly what the native build prints (one
# checksum line); anything else is shown as MISMATCH or FAIL in the table
# and makes the exit status 1.  Each program runs BENCH_RUNS times per
# column, runs of different columns interleaved; cells are the median wall
# time and its ratio to native.
#
# Long runs: then each program is built again, its main renamed
# (-Dmain=bench_once -DBENCH_ROUNDS: a program whose main must find some
# global fresh resets it under #ifdef BENCH_ROUNDS, as bcvm does) and
# bench/long.c as the driver, which runs that main N times in one
# process, N chosen from the opt column's median so that opt runs about
# BENCH_LONG seconds; native (once, for the checksums it prints), opt and
# auto run it, BENCH_LONG_RUNS times each (default 5: the goal is a 10%
# bound, and one run's wall time on a shared machine moves by as much).  No bench program runs a second in
# opt, and issue 14's goal "auto within 10% of opt on every program that
# runs longer than a second" is measured on these runs.
#
# bench/report.mjs prints the tables and writes the JSON copy
# ($BENCH_RESULTS/<UTC date and time>.json), which bench/compare.sh
# compares.
#
# Environment:
#   WASMHOST         the wasmhost binary (default ./wasmhost)
#   NODE             node 20 or later (default node)
#   CLANG            default: clang, else clang-19 ... clang-14
#   BENCH_CC         native compiler (default gcc)
#   BENCH_WASM_FEATURES  wasm features every wasm build enables (default
#                    "-mbulk-memory -mnontrapping-fptoint -msign-ext
#                    -mmutable-globals": what LLVM 20 and later enable by
#                    default for wasm32, so that the modules are those a
#                    current toolchain makes, given with clang 14's flags;
#                    "" builds for wasm 1.0 as clang 14 does by default)
#   BENCH_RUNS       runs per program and column (default 3)
#   BENCH_PROGRAMS   space-separated subset, e.g. "sha256 toyc"
#   BENCH_WASMHOST_FLAGS  flags for `wasmhost run` (default --no-sandbox;
#                    falls back to none when that cannot run WASI yet);
#                    --stats is added when wasmhost knows it
#   BENCH_TIERS      wasmhost tiers to try (default "interp baseline opt
#                    auto"); a tier wasmhost says is not available is skipped
#   BENCH_NODE       0 to leave out the node columns
#   BENCH_TIMEOUT    seconds before one run is killed (default 600)
#   BENCH_OUT        build and scratch folder (default bench/out/programs)
#   BENCH_RESULTS    JSON folder (default bench/results in the source tree)
#   BENCH_COMMIT     commit to record (default: git rev-parse of the source)
#   BENCH_LONG       seconds a long run of opt should take (default 1.5; 0
#                    leaves the long runs out)
#   BENCH_LONG_RUNS  runs of each long run in opt and auto (default 5)
set -uo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
progdir="$srcdir/bench/programs"
WASMHOST=${WASMHOST:-./wasmhost}
WASMHOST_FLAGS=${BENCH_WASMHOST_FLAGS---no-sandbox}
NODE=${NODE:-node}
BENCH_CC=${BENCH_CC:-gcc}
WASM_FEATURES=${BENCH_WASM_FEATURES--mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals}
RUNS=${BENCH_RUNS:-3}
TIERS=${BENCH_TIERS:-interp baseline opt auto}
TIMEOUT=${BENCH_TIMEOUT:-600}
OUT=${BENCH_OUT:-bench/out/programs}
RESULTS=${BENCH_RESULTS:-$srcdir/bench/results}
LONG=${BENCH_LONG:-1.5}
LONG_RUNS=${BENCH_LONG_RUNS:-5}

die() { echo "run.sh: $*" >&2; exit 2; }
note() { echo "run.sh: $*" >&2; }

[ -n "$NODE" ] || NODE=node
command -v "$NODE" >/dev/null || die "node not found (set NODE; Debian package nodejs)"
command -v "$BENCH_CC" >/dev/null || die "$BENCH_CC not found (set BENCH_CC)"
if [ -z "${CLANG:-}" ]; then
	for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
		if command -v "$c" >/dev/null; then CLANG=$c; break; fi
	done
fi
[ -n "${CLANG:-}" ] || die "clang not found (set CLANG; Debian packages clang lld wasi-libc libclang-rt-14-dev-wasm32)"
case $RUNS in ''|*[!0-9]*|0) die "BENCH_RUNS must be a positive integer" ;; esac
[[ $LONG =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_LONG must be a number of seconds (0: no long runs)"
case $LONG_RUNS in ''|*[!0-9]*|0) die "BENCH_LONG_RUNS must be a positive integer" ;; esac

mkdir -p "$OUT" "$RESULTS" || die "cannot create $OUT or $RESULTS"
OUT=$(cd "$OUT" && pwd)

# ---- programs and builds ---------------------------------------------------

programs=()
for src in "$progdir"/*.c; do
	name=$(basename "$src" .c)
	if [ -n "${BENCH_PROGRAMS:-}" ] && [[ " $BENCH_PROGRAMS " != *" $name "* ]]; then
		continue
	fi
	programs+=("$name")
done
[ "${#programs[@]}" -gt 0 ] || die "no programs selected (BENCH_PROGRAMS='${BENCH_PROGRAMS:-}')"

"$BENCH_CC" -O2 -o "$OUT/timeit" "$srcdir/bench/timeit.c" || die "cannot build bench/timeit.c"

# Rebuild an output when it is missing or older than its source (or than
# this script, which holds the common flags).
stale() { [ ! -e "$1" ] || [ "$2" -nt "$1" ] || [ "$0" -nt "$1" ]; }

# Per-program flags, in the program itself: a line among its first 20 like
#   /* bench-cflags-wasm: -msimd128 */
#   /* bench-cflags-native: -msse4.1 */
# adds those words after -O2 to that one build.  Programs without such a
# line are built with -O2 alone.  Editing the line touches the source, so
# the build is redone.
prog_cflags() { # FILE wasm|native
	sed -n "1,20s|.*bench-cflags-$2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\*/.*|\1|p" "$1" | head -n 1
}

# A change of BENCH_WASM_FEATURES rebuilds every module.
if [ "$(cat "$OUT/wasm-features" 2>/dev/null)" != "features: $WASM_FEATURES" ]; then
	rm -f "$OUT"/*.wasm
	echo "features: $WASM_FEATURES" > "$OUT/wasm-features" || die "cannot write $OUT/wasm-features"
fi

declare -A cflags_native cflags_wasm
for name in "${programs[@]}"; do
	src="$progdir/$name.c"
	cflags_native[$name]=$(prog_cflags "$src" native)
	cflags_wasm[$name]=$(prog_cflags "$src" wasm)
	if stale "$OUT/$name.native" "$src"; then
		# shellcheck disable=SC2086 # the flags are a list of words
		"$BENCH_CC" -O2 ${cflags_native[$name]} -o "$OUT/$name.native" "$src" -lm ||
			die "cannot build $name natively with $BENCH_CC -O2 ${cflags_native[$name]}"
	fi
	if stale "$OUT/$name.wasm" "$src"; then
		# shellcheck disable=SC2086
		"$CLANG" --target=wasm32-wasi -O2 $WASM_FEATURES ${cflags_wasm[$name]} -o "$OUT/$name.wasm" "$src" -lm ||
			die "cannot build $name for wasm32-wasi with $CLANG -O2 $WASM_FEATURES ${cflags_wasm[$name]} (needs Debian packages clang lld wasi-libc libclang-rt-14-dev-wasm32)"
	fi
done

# ---- columns -----------------------------------------------------------------

# Each column: a name and the command that runs FILE (the word @WASM@ or
# @NATIVE@ is replaced per program).  Only columns that work are kept.
col_names=()
col_cmds=()
add_col() { col_names+=("$1"); col_cmds+=("$2"); }

add_col native "@NATIVE@"
probe_wasm="$OUT/${programs[0]}.wasm"
if [ "${BENCH_NODE:-1}" != 0 ]; then
	add_col node "$NODE --no-warnings $srcdir/bench/run-wasi.mjs --stats @WASM@"
	# node 20: --liftoff-only forbids TurboFan for wasm (--liftoff
	# --no-wasm-tier-up still tiers up).  Check the flag is accepted.
	if "$NODE" --liftoff-only -e 0 >/dev/null 2>&1; then
		add_col node-liftoff "$NODE --liftoff-only --no-warnings $srcdir/bench/run-wasi.mjs --stats @WASM@"
	else
		note "this node does not accept --liftoff-only; column left out"
	fi
	# TurboFan alone: no Liftoff, so nothing tiers up; eager compilation,
	# so that load_us is TurboFan compiling the whole code section (on
	# V8's background threads), the figure report.mjs turns into MB/s.
	if "$NODE" --no-liftoff --no-wasm-lazy-compilation -e 0 >/dev/null 2>&1; then
		add_col node-no-liftoff "$NODE --no-liftoff --no-wasm-lazy-compilation --no-warnings $srcdir/bench/run-wasi.mjs --stats @WASM@"
	else
		note "this node does not accept --no-liftoff --no-wasm-lazy-compilation; column left out"
	fi
fi

if [ -x "$WASMHOST" ]; then
	# Can wasmhost run a WASI program (and does it know --stats)?
	printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$OUT/hello.c"
	stale "$OUT/hello.wasm" "$OUT/hello.c" &&
		"$CLANG" --target=wasm32-wasi -O2 -o "$OUT/hello.wasm" "$OUT/hello.c"
	# In-process (--no-sandbox) by default: node runs in-process too, and
	# wait4 then sees the process that does the work (a sandbox worker's
	# CPU time and RSS are not reliably accounted to `wasmhost run`).
	# Without in-process WASI, fall back to the sandboxed run.
	runs_hello() {
		# shellcheck disable=SC2086
		[ "$("$WASMHOST" run $1 "$OUT/hello.wasm" 2>/dev/null)" = hello ]
	}
	flags= found=
	for f in "$WASMHOST_FLAGS --stats" "$WASMHOST_FLAGS" "--stats" ""; do
		if runs_hello "$f"; then flags=$f found=1; break; fi
	done
	if [ -z "$found" ]; then
		note "$WASMHOST cannot run a WASI program yet; wasmhost columns left out:"
		"$WASMHOST" run $WASMHOST_FLAGS "$OUT/hello.wasm" 2>&1 | sed -n '1,3s/^/    /p' >&2
	else
		case " $flags " in
		*" $WASMHOST_FLAGS "*) ;;
		*) note "'wasmhost run $WASMHOST_FLAGS' cannot run WASI programs; using 'wasmhost run $flags' (peak RSS may then miss the worker)" ;;
		esac
		case $flags in
		*--stats*) ;;
		*) note "wasmhost run has no --stats; no startup figures for wasmhost" ;;
		esac
		for t in $TIERS; do
			# shellcheck disable=SC2086
			if "$WASMHOST" --tier="$t" run $flags "$OUT/hello.wasm" >/dev/null 2>"$OUT/probe.err"; then
				add_col "$t" "$WASMHOST --tier=$t run $flags @WASM@"
			else
				note "wasmhost tier $t skipped: $(head -n 1 "$OUT/probe.err")"
			fi
		done
	fi
else
	note "no wasmhost at $WASMHOST (set WASMHOST); wasmhost columns left out"
fi

# ---- runs --------------------------------------------------------------------

records="$OUT/records.tsv"
tab=$'\t'
{
	echo "meta${tab}date${tab}$(date -u +%Y-%m-%dT%H%M%SZ)"
	echo "meta${tab}commit${tab}${BENCH_COMMIT:-$(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
	echo "meta${tab}machine${tab}$(uname -m), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
	echo "meta${tab}node${tab}$("$NODE" --version)"
	echo "meta${tab}cc${tab}$("$BENCH_CC" --version | head -n 1)"
	echo "meta${tab}clang${tab}$("$CLANG" --version | head -n 1)"
	echo "meta${tab}wasm_features${tab}${WASM_FEATURES:-none (wasm 1.0)}"
	# clang runs wasm-opt (binaryen) after linking when it finds one on PATH.
	echo "meta${tab}wasm_opt${tab}$(command -v wasm-opt >/dev/null && wasm-opt --version || echo none)"
	echo "meta${tab}runs${tab}$RUNS"
	echo "meta${tab}long_runs${tab}$LONG_RUNS"
	for ((c = 0; c < ${#col_names[@]}; c++)); do
		echo "column${tab}${col_names[$c]}${tab}${col_cmds[$c]}"
	done
} >"$records"

timeout_cmd=()
command -v timeout >/dev/null && timeout_cmd=(timeout "$TIMEOUT")

# One run of CMD (words): its record (KIND run or long) for column COL,
# round I, and its output checked against $expected (the first native
# run's, recorded as the program's checksum for KIND run).  Leaves wall
# and status set.
run_one() { # KIND NAME COL I CMD...
	local kind=$1 name=$2 col=$3 i=$4 cpu rss code what=
	shift 4
	[ "$kind" = run ] || what=" ($kind)"
	read -r wall cpu rss code < <("$OUT/timeit" "$OUT/run.out" "$OUT/run.err" \
		"${timeout_cmd[@]}" "$@")
	status=ok
	if [ "$code" != 0 ]; then
		status="fail:$code"
		[ "$code" = 124 ] && status=timeout
		{ echo; echo "$name/$col$what: exit status $code: $*"; sed -n '1,5s/^/    /p' "$OUT/run.err"; } >&2
	elif [ "$col" = native ] && [ -z "$expected" ]; then
		expected=$(cat "$OUT/run.out")
		[ "$kind" != run ] ||
			printf '%s\t%s\t%s\t%s\n' info "$name" checksum "$expected" >>"$records"
	elif [ "$(cat "$OUT/run.out")" != "$expected" ]; then
		status=mismatch
		{ echo; echo "$name/$col$what: printed '$(head -c 200 "$OUT/run.out")', native printed '$(head -c 200 <<<"$expected")'"; } >&2
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$name" "$col" "$i" \
		"$wall" "$cpu" "$rss" "$status" >>"$records"
}

declare -A opt_walls
for name in "${programs[@]}"; do
	wasm="$OUT/$name.wasm"
	printf '%s\t%s\t%s\t%s\n' info "$name" wasm_bytes "$(stat -c %s "$wasm")" >>"$records"
	[ -z "${cflags_native[$name]}" ] ||
		printf '%s\t%s\t%s\t%s\n' info "$name" cflags_native "${cflags_native[$name]}" >>"$records"
	[ -z "${cflags_wasm[$name]}" ] ||
		printf '%s\t%s\t%s\t%s\n' info "$name" cflags_wasm "${cflags_wasm[$name]}" >>"$records"
	printf '%s\t%s\t%s\t%s\n' info "$name" code_section_bytes \
		"$("$NODE" "$srcdir/bench/run-node.mjs" --code-size "$wasm")" >>"$records"
	printf '%s:' "$name" >&2
	expected=
	for ((i = 0; i < RUNS; i++)); do
		for ((c = 0; c < ${#col_names[@]}; c++)); do
			col=${col_names[$c]}
			cmd=${col_cmds[$c]//@WASM@/$wasm}
			cmd=${cmd//@NATIVE@/$OUT/$name.native}
			# shellcheck disable=SC2086 # cmd is a list of words
			run_one run "$name" "$col" "$i" $cmd
			[ "$col" != opt ] || [ "$status" != ok ] || opt_walls[$name]+=" $wall"
			sed -n 's/^stats: //p' "$OUT/run.err" | tr ' ' '\n' | grep = |
				while IFS='=' read -r k v; do
					printf '%s\t%s\t%s\t%s\t%s\t%s\n' stat "$name" "$col" "$i" "$k" "$v"
				done >>"$records"
			printf ' %s' "$col" >&2
		done
	done
	echo >&2
done

# ---- long runs ---------------------------------------------------------------

long_cols=()
for ((c = 0; c < ${#col_names[@]}; c++)); do
	case ${col_names[$c]} in opt|auto) long_cols+=("$c") ;; esac
done
# (BENCH_LONG is not 0, 0.0, ...: a digit other than 0 is left when the
# zeros and the point are taken out)
if [ "${LONG//[0.]/}" != "" ] && [ "${#long_cols[@]}" = 2 ]; then
	echo "long runs (opt about $LONG s):" >&2
	stale "$OUT/long.native.o" "$srcdir/bench/long.c" &&
		{ "$BENCH_CC" -O2 -c -o "$OUT/long.native.o" "$srcdir/bench/long.c" ||
			die "cannot build bench/long.c natively"; }
	# shellcheck disable=SC2086
	stale "$OUT/long.wasm.o" "$srcdir/bench/long.c" &&
		{ "$CLANG" --target=wasm32-wasi -O2 $WASM_FEATURES -c -o "$OUT/long.wasm.o" "$srcdir/bench/long.c" ||
			die "cannot build bench/long.c for wasm32-wasi"; }
	for name in "${programs[@]}"; do
		src="$progdir/$name.c"
		walls=$(tr ' ' '\n' <<<"${opt_walls[$name]:-}" | grep . | sort -g)
		[ -n "$walls" ] || { note "$name: no opt run to size its long run by; left out"; continue; }
		nw=$(wc -l <<<"$walls")
		med=$(sed -n "$(( (nw + 1) / 2 ))p" <<<"$walls")
		rounds=$(awk -v t="$LONG" -v m="$med" 'BEGIN { n = int(t / m + 0.999); print n < 2 ? 2 : n }')
		# shellcheck disable=SC2086
		if stale "$OUT/$name.long.native" "$src" || [ "$srcdir/bench/long.c" -nt "$OUT/$name.long.native" ]; then
			"$BENCH_CC" -O2 ${cflags_native[$name]} -Dmain=bench_once -DBENCH_ROUNDS -c -o "$OUT/$name.long.o" "$src" &&
				"$BENCH_CC" -o "$OUT/$name.long.native" "$OUT/$name.long.o" "$OUT/long.native.o" -lm ||
				die "cannot build $name's long run natively"
		fi
		# shellcheck disable=SC2086
		if stale "$OUT/$name.long.wasm" "$src" || [ "$srcdir/bench/long.c" -nt "$OUT/$name.long.wasm" ]; then
			"$CLANG" --target=wasm32-wasi -O2 $WASM_FEATURES ${cflags_wasm[$name]} -Dmain=bench_once -DBENCH_ROUNDS -c -o "$OUT/$name.long.wo" "$src" &&
				"$CLANG" --target=wasm32-wasi -O2 $WASM_FEATURES -o "$OUT/$name.long.wasm" "$OUT/$name.long.wo" "$OUT/long.wasm.o" -lm ||
				die "cannot build $name's long run for wasm32-wasi"
		fi
		printf '%s\t%s\t%s\t%s\n' info "$name" long_rounds "$rounds" >>"$records"
		printf '%s: %s rounds: native' "$name" "$rounds" >&2
		expected=
		run_one long "$name" native 0 "$OUT/$name.long.native" "$rounds"
		for ((i = 0; i < LONG_RUNS; i++)); do
			for c in "${long_cols[@]}"; do
				cmd=${col_cmds[$c]//@WASM@/$OUT/$name.long.wasm}
				# shellcheck disable=SC2086
				run_one long "$name" "${col_names[$c]}" "$i" $cmd "$rounds"
				printf ' %s' "${col_names[$c]}" >&2
			done
		done
		echo >&2
	done
fi

"$NODE" "$srcdir/bench/report.mjs" "$records" "$RESULTS"
