#!/bin/sh
# run-cli.sh -- black-box tests of `wasmhost run`, `inspect` and `dump`.
# The fixtures (tests/fixtures/*.wat) are converted with wat2wasm into a
# temporary folder.  Every check prints PASS or FAIL; the last line is
# "N passed, M failed".  Exits 77 (automake SKIP) without wat2wasm unless
# CI=true.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
wat2wasm=${WAT2WASM:-wat2wasm}
wasmhost=$top_builddir/wasmhost
fixtures=$top_srcdir/tests/fixtures

if ! command -v "$wat2wasm" >/dev/null 2>&1; then
	echo "run-cli.sh: wat2wasm not found (install wabt)"
	[ "$CI" = true ] && exit 1
	exit 77
fi
[ -x "$wasmhost" ] || { echo "run-cli.sh: $wasmhost not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmhost-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
for wat in "$fixtures"/*.wat; do
	name=$(basename "$wat" .wat)
	"$wat2wasm" "$wat" -o "$tmp/$name.wasm" || {
		echo "run-cli.sh: wat2wasm failed on $wat"; exit 1; }
done

passed=0
failed=0
# Guard against hangs when a timeout or fuel check is broken.
limit=
command -v timeout >/dev/null 2>&1 && limit="timeout 20"

ok() {
	passed=$((passed + 1))
	echo "PASS: $1"
}

bad() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	shift
	for line in "$@"; do
		echo "      $line"
	done
}

wh() {
	$limit "$wasmhost" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

details() {
	echo "command: wasmhost $*"
	echo "exit: $rc"
	echo "stdout: $(head -c 300 "$tmp/out")"
	echo "stderr: $(head -c 300 "$tmp/err")"
}

# out NAME RC STDOUT ARGS...: exit code and the whole stdout.
out() {
	name=$1 want_rc=$2 want=$3
	shift 3
	wh "$@"
	if [ "$rc" -eq "$want_rc" ] && [ "$(cat "$tmp/out")" = "$want" ]; then
		ok "$name"
	else
		bad "$name" "$(details "$@")" "wanted exit $want_rc, stdout: $want"
	fi
}

# err NAME RC PATTERN ARGS...: exit code, nothing on stdout, and stderr
# matching the extended regular expression PATTERN.
err() {
	name=$1 want_rc=$2 pattern=$3
	shift 3
	wh "$@"
	if [ "$rc" -eq "$want_rc" ] && [ ! -s "$tmp/out" ] &&
	    grep -Eq -- "$pattern" "$tmp/err"; then
		ok "$name"
	else
		bad "$name" "$(details "$@")" \
			"wanted exit $want_rc, stderr matching: $pattern"
	fi
}

# trapped NAME KIND ARGS...: exit 3, stderr "trap: KIND" then a detail line.
trapped() {
	name=$1 kind=$2
	shift 2
	wh "$@"
	if [ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] &&
	    [ "$(sed -n 1p "$tmp/err")" = "trap: $kind" ] &&
	    [ -n "$(sed -n 2p "$tmp/err")" ]; then
		ok "$name"
	else
		bad "$name" "$(details "$@")" "wanted exit 3 and 'trap: $kind'"
	fi
}

A=$tmp/arith.wasm
F=$tmp/floats.wasm
T=$tmp/traps.wasm

# ---- results --------------------------------------------------------------
out "add 2 3" 0 5 run --invoke add "$A" 2 3
out "add negative args" 0 -3 run --invoke add "$A" -1 -2
out "add wraps" 0 -2147483648 run --invoke add "$A" 2147483647 1
out "add hex arg" 0 17 run --invoke add "$A" 0x10 1
out "--invoke=NAME form" 0 5 run --invoke=add "$A" 2 3
out "fib 20" 0 6765 run --invoke fib "$A" 20
out "i32 min" 0 -2147483648 run --invoke i32_min "$A"
out "i64 min" 0 -9223372036854775808 run --invoke i64_min "$A"
out "i64 max" 0 9223372036854775807 run --invoke i64_max "$A"
out "i64 arg round trip" 0 -9223372036854775808 \
	run --invoke i64_id "$A" -9223372036854775808
out "two results, one per line" 0 "$(printf '%s\n' -7 -7)" \
	run --invoke pair "$A" -7
out "no results, no output" 0 "" run --invoke nothing "$A"
out "_start by default" 0 "" run "$tmp/start.wasm"

# ---- floats ---------------------------------------------------------------
out "f64 0.1" 0 0.1 run --invoke f64_tenth "$F"
out "f32 1/3 shortest" 0 0.33333334 run --invoke f32_third "$F"
out "f32 round trip 0.1" 0 0.1 run --invoke f32_id "$F" 0.1
out "f64 round trip 1e-300" 0 1e-300 run --invoke f64_id "$F" 1e-300
# The output of one run is the input of the next: it must keep the bits.
wh run --invoke f32_third "$F"
third=$(cat "$tmp/out")
out "f32 output parses back" 0 "$third" run --invoke f32_id "$F" "$third"
out "f64 NaN payload" 0 nan:0x4000000000001 run --invoke f64_nan_payload "$F"
out "f32 negative NaN payload" 0 -nan:0x200001 \
	run --invoke f32_neg_nan_payload "$F"
out "f64 NaN payload round trip" 0 nan:0x4000000000001 \
	run --invoke f64_id "$F" nan:0x4000000000001
out "f64 -inf" 0 -inf run --invoke f64_inf "$F"
out "f32 -0" 0 -0 run --invoke f32_neg_zero "$F"

# ---- traps ----------------------------------------------------------------
trapped "trap: unreachable" unreachable run --invoke unreachable "$T"
trapped "trap: integer_divide_by_zero" integer_divide_by_zero \
	run --invoke div_zero "$T" 0
out "div_u by 2 does not trap" 0 0 run --invoke div_zero "$T" 2
trapped "trap: out_of_bounds_memory" out_of_bounds_memory \
	run --invoke oob_load "$T"
trapped "trap: stack_overflow" stack_overflow run --invoke recurse "$T" 0
trapped "trap: timeout (--timeout-ms)" timeout \
	run --timeout-ms 200 --invoke spin "$T"
out "--timeout-ms leaves quick calls alone" 0 0 \
	run --timeout-ms 5000 --invoke count "$T" 1000
trapped "trap: out_of_fuel (--fuel)" out_of_fuel \
	run --fuel 1000 --invoke count "$T" 100000
out "enough fuel" 0 0 run --fuel 100000 --invoke count "$T" 100
out "memory.grow without a cap" 0 1 run --invoke grow "$T" 10
out "memory.grow over --max-pages" 0 -1 \
	run --max-pages 4 --invoke grow "$T" 10

# ---- usage and load errors ------------------------------------------------
err "too few arguments" 2 "add \\(i32, i32\\) -> \\(i32\\) expects 2 arguments, got 1" \
	run --invoke add "$A" 1
err "too many arguments" 2 "expects 2 arguments, got 3" \
	run --invoke add "$A" 1 2 3
err "argument of the wrong type" 2 "argument 2 of add: 'x' is not a valid i32" \
	run --invoke add "$A" 1 x
err "float for an i64" 2 "not a valid i64" run --invoke i64_id "$A" 1.5
err "no such export" 2 "no export named 'nope'" run --invoke nope "$A"
err "export is not a function" 2 "'g' is a global" run --invoke g "$A"
err "no _start" 2 "no export named '_start'.*add" run "$A"
err "missing file" 1 "error: $tmp/none.wasm: " run "$tmp/none.wasm"
printf '\000asm\001\000\000\000\001\005\001\140' >"$tmp/truncated.wasm"
err "truncated module" 1 "^error: $tmp/truncated.wasm: .* at offset [0-9]+$" \
	run "$tmp/truncated.wasm"
printf 'hello world' >"$tmp/text.wasm"
err "not wasm at all" 1 "^error: $tmp/text.wasm: .* at offset 0$" \
	run "$tmp/text.wasm"
err "missing imports listed" 1 \
	"module needs imports: env\\.log, env\\.mem$" \
	run --invoke hello "$tmp/imports.wasm"
out "WASI command" 0 "hi" run "$tmp/wasi_hello.wasm"
# argv[0] is FILE as given, in and out of the sandbox, for _start and for
# --invoke alike.
V=$tmp/wasi_argv.wasm
for mode in "" --no-sandbox; do
	wh run $mode "$V" a b </dev/null
	[ "$rc" -eq 0 ] && [ "$(tr '\0' ' ' <"$tmp/out")" = "$V a b " ] &&
		ok "argv of _start $mode" || bad "argv of _start $mode" \
		"$(details run $mode "$V" a b)"
	wh run $mode --invoke argv "$V" </dev/null
	[ "$rc" -eq 0 ] && [ "$(tr '\0' ' ' <"$tmp/out")" = "$V 1" ] &&
		ok "argv with --invoke $mode" || bad "argv with --invoke $mode" \
		"$(details run $mode --invoke argv "$V")"
done
out "WASI command in-process" 0 "hi" run --no-sandbox "$tmp/wasi_hello.wasm"
out "--tier=baseline" 0 3 --tier=baseline run --no-sandbox --invoke add "$A" 1 2
out "--tier=auto, threshold 1" 0 3 \
	--tier=auto --tier-threshold=1 run --no-sandbox --invoke add "$A" 1 2
out "--tier=baseline, sandboxed" 0 3 --tier=baseline run --invoke add "$A" 1 2
out "--tier=auto, threshold 1, sandboxed" 0 3 \
	--tier=auto --tier-threshold=1 run --invoke add "$A" 1 2
err "threshold 0" 2 "tier-threshold" --tier-threshold=0 run "$A"
out "--tier=opt after the verb" 0 3 run --tier=opt --no-sandbox --invoke add "$A" 1 2
out "--tier=opt, sandboxed" 0 3 --tier=opt run --invoke add "$A" 1 2
out "--tier=interp" 0 3 --tier=interp run --invoke add "$A" 1 2
err "unknown tier" 2 "unknown tier 'jit'" --tier=jit run "$A"
err "unknown verb" 2 "unknown verb 'frobnicate'" frobnicate
err "unknown run option" 2 "unknown option '--bogus'" run --bogus "$A"
err "bad --fuel" 2 "--fuel: 'lots'" run --fuel lots "$A"
err "no file" 2 "usage: wasmhost run" run
wh --version
if [ "$rc" -eq 0 ] && grep -q '^wasmhost ' "$tmp/out"; then ok "--version"
else bad "--version" "$(details --version)"; fi

# ---- help and options ------------------------------------------------------
# help NAME ARGS...: usage on stdout, nothing on stderr, exit 0.
help() {
	name=$1
	shift
	wh "$@"
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] &&
	    grep -q '^usage: wasmhost' "$tmp/out"; then
		ok "$name"
	else
		bad "$name" "$(details "$@")"
	fi
}
help "--help" --help
help "-h" -h
help "help" help
for verb in run inspect spec dump upload list invoke delete; do
	help "$verb --help" "$verb" --help
	help "$verb -h" "$verb" -h
	help "--tier=interp $verb --help" --tier=interp "$verb" --help
done
wh --help
cp "$tmp/out" "$tmp/help"
# Every option any verb accepts is in the help, and the help's lines fit.
for opt in --tier --tier-threshold --url --token -h --help --version \
    --invoke --fuel --max-pages --max-memory-pages --timeout-ms --env --dir \
    --no-sandbox --stats -v --verbose --strict --no-fork --json --stdin \
    --predecoded --baseline --opt --invoke-hex --function-hex; do
	if grep -Eq -- "(^|[ ,])$opt([ ,=]|\$)" "$tmp/help"; then
		ok "--help lists $opt"
	else
		bad "--help lists $opt"
	fi
done
if awk 'length > 79 { bad = 1 } END { exit bad }' "$tmp/help"; then
	ok "--help fits in 79 columns"
else
	bad "--help fits in 79 columns"
fi
# An unknown option: exit 2, one line on stderr that names it, for every
# verb (and before the verb).
for verb in "" run inspect spec dump upload list invoke delete; do
	wh $verb --frob "$A"
	if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] &&
	    [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	    grep -q "unknown option '--frob'" "$tmp/err"; then
		ok "unknown option: ${verb:-(no verb)}"
	else
		bad "unknown option: ${verb:-(no verb)}" "$(details $verb --frob)"
	fi
done
err "--tier needs a value" 2 "option --tier needs a value" run --invoke add --tier
out "options end at the file: the rest are arguments" 0 -1 \
	run --invoke add "$A" 1 -2
out "global options after the verb" 0 3 \
	run --tier=baseline --tier-threshold 5 --invoke add "$A" 1 2
out "global options after inspect" 0 "$(printf "%s\n" "export func _start () -> ()" "export func ran () -> (i32)")" \
	inspect "$tmp/start.wasm" --tier interp --token t --url http://x
out "--url is a global option for run too" 0 3 \
	--url http://127.0.0.1:1 run --invoke add "$A" 1 2
out "--max-memory-pages=N form" 0 -1 \
	run --max-memory-pages=4 --invoke grow "$T" 10

# ---- inspect --------------------------------------------------------------
out "inspect imports" 0 "$(printf '%s\n' \
	'import func env.log (i32) -> ()' \
	'import memory env.mem {min 1, max 2}' \
	'export func hello () -> ()')" inspect "$tmp/imports.wasm"
wh inspect "$A"
if [ "$rc" -eq 0 ] &&
    grep -qx 'export func add (i32, i32) -> (i32)' "$tmp/out" &&
    grep -qx 'export func pair (i32) -> (i32, i64)' "$tmp/out" &&
    grep -qx 'export global g const i32' "$tmp/out"; then
	ok "inspect exports"
else
	bad "inspect exports" "$(details inspect "$A")"
fi
err "inspect malformed" 1 "at offset [0-9]+$" inspect "$tmp/truncated.wasm"

# ---- names with U+0000 -------------------------------------------------------
# Names are bytes: inspect shows control bytes escaped (\x00, \\), never cut
# or raw; --invoke-hex names an export by its bytes; an import links by its
# exact bytes ("wasi_snapshot_preview1\0" is not WASI).
N=$tmp/names.wasm
out "inspect shows U+0000 escaped" 0 "$(printf '%s\n' \
	'import func wasi_snapshot_preview1\x00.proc_exit (i32) -> ()' \
	'export func a () -> (i32)' \
	'export func a\x00b () -> (i32)' \
	'export func \x1b[2J\\ () -> (i32)')" inspect "$N"
# A copy without the import, to call the exports.
sed 's/^  (import .*//' "$top_srcdir/tests/fixtures/names.wat" >"$tmp/names_noimp.wat"
"$wat2wasm" "$tmp/names_noimp.wat" -o "$tmp/names_noimp.wasm"
NN=$tmp/names_noimp.wasm
for mode in "" --no-sandbox; do
	out "--invoke-hex 610062 calls a<NUL>b ${mode:-(sandbox)}" 0 2 \
		run $mode --invoke-hex 610062 "$NN"
	out "--invoke a calls \"a\" ${mode:-(sandbox)}" 0 1 \
		run $mode --invoke a "$NN"
	out "--invoke-hex 61 calls \"a\" ${mode:-(sandbox)}" 0 1 \
		run $mode --invoke-hex 61 "$NN"
	out "--invoke-hex 1B5B324A5C ${mode:-(sandbox)}" 0 3 \
		run $mode --invoke-hex 1B5B324A5C "$NN"
	err "--invoke-hex of no export: escaped ${mode:-(sandbox)}" 2 \
		"no export named 'a\\\\x00c' \(exported functions: a, a\\\\x00b, \\\\x1b\[2J\\\\\\\\\)" \
		run $mode --invoke-hex 610063 "$NN"
	err "arguments to a<NUL>b: escaped ${mode:-(sandbox)}" 2 \
		"a\\\\x00b \(\) -> \(i32\) expects 0 arguments, got 1" \
		run $mode --invoke-hex 610062 "$NN" 7
	err "an import with U+0000 is not WASI ${mode:-(sandbox)}" 1 \
		"needs imports: wasi_snapshot_preview1\\\\x00\.proc_exit" \
		run $mode --invoke a "$N"
done
err "--invoke-hex of odd length" 2 "--invoke-hex: '610' is not a name in hex" \
	run --invoke-hex 610 "$NN"
err "--invoke-hex not hex" 2 "--invoke-hex: 'zz' is not a name in hex" \
	run --invoke-hex zz "$NN"

# ---- dump -------------------------------------------------------------------
# One function by export name: its header, its division with the wasm
# offset that a trap in it reports.
wh dump "$A" div_s
# (Code offsets and sizes depend on the head's size, which is ops.h's
# business: only their form is checked.)
div_at=$(sed -n 's/^ *[0-9][0-9]*  DIVS32  *d=s0 a=l0 b=l1  ; INT_DIV traps=DIV wasm=\(0x[0-9a-f]*\)$/\1/p' "$tmp/out")
if [ "$rc" -eq 0 ] &&
    sed -n 1p "$tmp/out" | grep -Eq '^func 7 "div_s" \(i32, i32\) -> \(i32\) nlocals=2 frame=5 code=[0-9]+$' &&
    grep -Eq '^ +0  ENTER +count=0 first=2 nzero=0 frame=5  ; CONTROL traps=ENTRY wasm=0x[0-9a-f]+$' "$tmp/out" &&
    grep -Eq '^ +[0-9]+  RET +; CONTROL$' "$tmp/out" && [ -n "$div_at" ]; then
	ok "dump div_s"
else
	bad "dump div_s" "$(details dump "$A" div_s)"
fi
# The baseline listing of the same function: its ops in order, each with
# machine code.
wh dump --baseline "$A" div_s
if [ "$rc" -eq 0 ] &&
    sed -n 1p "$tmp/out" | grep -Eq '^; baseline JIT, function 7: [0-9]+ bytes of machine code' &&
    [ "$(grep -Eo '^; 0x[0-9a-f]+ [A-Z0-9_]+:' "$tmp/out" | awk '{print $3}' | tr '\n' ' ')" = 'ENTER: DIVS32: COPY: RET: ' ]; then
	ok "dump --baseline div_s"
else
	bad "dump --baseline div_s" "$(details dump --baseline "$A" div_s)"
fi
wh run --no-sandbox --invoke div_s "$A" 1 0
if [ "$rc" -eq 3 ] && [ -n "$div_at" ] && grep -q "at offset $div_at\$" "$tmp/err"; then
	ok "dump: the trap offset of div_s is DIVS32's"
else
	bad "dump: the trap offset of div_s is DIVS32's" "$(details run --invoke div_s "$A" 1 0)" \
		"wanted offset $div_at"
fi
# By index; every branch target is the offset of an instruction.
wh dump --predecoded "$A" 1
if [ "$rc" -eq 0 ] && grep -q '^func 1 "fib" (i32) -> (i32) ' "$tmp/out" &&
    grep -Eq '^ +[0-9]+  BR_UNLESS +c=s0 target=@[0-9]+  ; CONTROL$' "$tmp/out" &&
    grep -Eq '^ +[0-9]+  CALL +base=s[0-9]+ func=1  ; CALL traps=CALL wasm=0x[0-9a-f]+$' "$tmp/out" &&
    awk '/^ +[0-9]+  / { at[$1] = 1 }
	{ while (match($0, /@[0-9]+/)) { t[substr($0, RSTART + 1, RLENGTH - 1)] = 1
		$0 = substr($0, RSTART + RLENGTH) } }
	END { n = 0; for (k in t) { n++; if (!(k in at)) exit 1 } exit n == 0 }' "$tmp/out"; then
	ok "dump fib by index, targets on instructions"
else
	bad "dump fib by index, targets on instructions" "$(details dump --predecoded "$A" 1)"
fi
wh dump "$A"
if [ "$rc" -eq 0 ] && [ "$(grep -c '^func ' "$tmp/out")" -eq 9 ] &&
    grep -q '^func 8 "nothing" () -> () ' "$tmp/out"; then
	ok "dump every function"
else
	bad "dump every function" "$(details dump "$A")"
fi
for o in --opt --ir; do
	wh dump $o "$A" add
	if [ "$rc" -eq 0 ] && grep -q '^; built$' "$tmp/out" &&
	    grep -q '^; after strength' "$tmp/out" &&
	    grep -q '^; after dce' "$tmp/out" && grep -q '^; allocated$' "$tmp/out" &&
	    grep -q '^; machine code: [0-9]* bytes' "$tmp/out"; then
		ok "dump $o: IR before and after the passes, MIR, machine code"
	else
		bad "dump $o: IR before and after the passes, MIR, machine code" \
			"$(details dump $o "$A" add)"
	fi
done
# a float function: tier 2 compiles it, its values in XMM registers
wh dump --opt "$F" 0
if [ "$rc" -eq 0 ] && grep -q '^; after dce' "$tmp/out" &&
    grep -q '^  ldslot.32 v[0-9]*f(xmm[0-9]*), slot 0$' "$tmp/out" &&
    grep -q '^; machine code: [0-9]* bytes' "$tmp/out"; then
	ok "dump --opt, a float function in XMM registers"
else
	bad "dump --opt, a float function in XMM registers" "$(details dump --opt "$F" 0)"
fi
# WASMHOST_NO_AVX: the engine the command line makes uses the SSE forms
# (falu, two operands) where it would use AVX's three-operand vfalu
printf '%s\n' '(module (func (export "mul") (param f64 f64) (result f64)' \
	'  (f64.mul (local.get 0) (local.get 1))))' >"$tmp/fmul.wat"
"$wat2wasm" "$tmp/fmul.wat" -o "$tmp/fmul.wasm" || exit 1
WASMHOST_NO_AVX=1 wh dump --opt "$tmp/fmul.wasm" mul
if [ "$rc" -eq 0 ] && grep -q '^  falu\.64 ' "$tmp/out" && ! grep -q '^  vfalu\.' "$tmp/out"; then
	ok "WASMHOST_NO_AVX=1: tier 2 without AVX forms"
else
	bad "WASMHOST_NO_AVX=1: tier 2 without AVX forms" "$(details dump --opt "$tmp/fmul.wasm" mul)"
fi
# --perf-map: perf's symbol map of the JIT code, /tmp/perf-PID.map
$limit sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$tmp/pid" "$wasmhost" \
	--tier=opt run --no-sandbox --perf-map --invoke mul "$tmp/fmul.wasm" 2 3 \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
map=/tmp/perf-$(cat "$tmp/pid").map
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = 6 ] &&
   grep -Eq '^[0-9a-f]+ [0-9a-f]+ wasm\[0\] mul opt$' "$map"; then
	ok "run --perf-map names the JIT function"
else
	bad "run --perf-map names the JIT function" "exit $rc" \
		"map: $(head -c 300 "$map" 2>&1)" "stderr: $(head -c 300 "$tmp/err")"
fi
rm -f "$map"
err "--perf-map needs --no-sandbox" 2 "--perf-map needs --no-sandbox" \
	run --perf-map "$tmp/fmul.wasm"
err "dump unknown function" 2 "no function 'nope' \(expected an exported function's name or a function index\)" \
	dump "$A" nope
err "dump a global" 2 "export 'g' is a global, not a function" dump "$A" g
err "dump index out of range" 2 "no function 99$" dump "$A" 99
err "dump an import" 2 "function 0 is an import$" dump "$tmp/imports.wasm" 0
err "dump no file" 2 "usage: wasmhost dump" dump
wh --help
if [ "$rc" -eq 0 ] && grep -q '^  dump \[--predecoded|--baseline|--opt|--ir\] FILE.wasm \[FUNC\]' "$tmp/out"; then
	ok "--help lists dump"
else
	bad "--help lists dump" "$(details --help)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
