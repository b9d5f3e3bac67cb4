#!/usr/bin/env bash
# run-client.sh -- `wasmhost upload | list | invoke | delete` and
# `wasmhost instance create | invoke | list | get | delete` against a
# running wasmhostd: output and exit status as `wasmhost run` has them.
. "$(dirname "$0")/lib.sh"

need curl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
for f in calc wasi_echo; do wat "$f"; done
id=$(sha256sum "$tmp/calc.wasm" | cut -c1-64)
wid=$(sha256sum "$tmp/wasi_echo.wasm" | cut -c1-64)
wh=$top_builddir/wasmhost

digest() { printf %s "$1" | sha256sum | cut -c1-64; }
cat >"$tmp/config.json" <<EOF
{ "tenants": { "t": { "token_sha256": "$(digest tok)" } } }
EOF
start_daemon --config "$tmp/config.json" --state-dir "$tmp/state"
export WASMHOST_URL=$base WASMHOST_TOKEN=tok

# run CMD...: sets $out, $err, $rc (stdin: $stdin_file, else nothing)
run() {
	rc=0
	"$@" <"${stdin_file:-/dev/null}" >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}
check() {   # check WHAT RC OUT-SUBSTRING [ERR-SUBSTRING]
	if [ "$rc" != "$2" ]; then bad "$1: exit $rc, expected $2 ($err)"
	elif [ -n "$3" ] && [[ $out != *"$3"* ]]; then bad "$1: stdout '$out'"
	elif [ -n "${4:-}" ] && [[ $err != *"$4"* ]]; then bad "$1: stderr '$err'"
	else ok "$1"; fi
}

run "$wh" upload "$tmp/calc.wasm"
check "upload prints the id" 0 "$id"
run "$wh" upload "$tmp/calc.wasm"
check "upload again: same id, exit 0" 0 "$id" "already stored"
run "$wh" upload "$tmp/wasi_echo.wasm"
check "upload a WASI module" 0 "$wid"
run "$wh" list
check "list" 0 "$id"
[[ $out == *"imports 0  exports "* && $out == *"$wid"* ]] &&
	ok "list gives the counts of imports and exports" || bad "list: $out"
run "$wh" invoke "$id" add 2 3
check "invoke add" 0 "5"
run "$wh" invoke "$id" add64 9007199254740993 1
check "invoke i64" 0 "9007199254740994"
run "$wh" invoke "$id" fdiv 1 3
check "invoke f64" 0 "0.3333333333333333"
run "$wh" invoke "$id" div_s 1 0
check "a trap: exit 3" 3 "" "trap: integer_divide_by_zero"
run "$wh" invoke --timeout-ms 100 "$id" spin
check "a timeout: exit 3" 3 "" "trap: timeout"
run "$wh" invoke "$id" add 1
check "wrong arguments: exit 2, as run says it" 2 "" \
	"error: add (i32, i32) -> (i32) expects 2 arguments, got 1"
run "$wh" invoke "$id" add 1 x
check "a bad argument: exit 2, as run says it" 2 "" \
	"error: argument 2 of add: 'x' is not a valid i32"
run "$wh" invoke "$id" nosuch
check "no such function: the daemon says so" 2 "" "no such function"
run "$wh" invoke "$id" add -1 -2
check "negative arguments are arguments" 0 "-3"

# same RUN-ARGS -- INVOKE-ARGS: invoke prints (stdout, stderr) and exits as
# run does for the same call of the same module.
same() {
	local what=$1 i=2 rargs=() iargs=()
	while [ "${!i}" != -- ]; do rargs+=("${!i}"); i=$((i + 1)); done
	i=$((i + 1))
	while [ $i -le $# ]; do iargs+=("${!i}"); i=$((i + 1)); done
	run "$wh" run "${rargs[@]}"
	local rout=$out rerr=$err rrc=$rc
	run "$wh" invoke "${iargs[@]}"
	if [ "$rc" = "$rrc" ] && [ "$out" = "$rout" ] && [ "$err" = "$rerr" ]
	then ok "invoke prints what run prints: $what"
	else bad "$what: run ($rrc) '$rout' '$rerr'; invoke ($rc) '$out' '$err'"
	fi
}
C=$tmp/calc.wasm
same "i32" --invoke add "$C" 2 3 -- "$id" add 2 3
same "i64 extremes" --invoke add64 "$C" -9223372036854775808 -1 -- \
	"$id" add64 -9223372036854775808 -1
same "f64 shortest" --invoke fdiv "$C" 1 3 -- "$id" fdiv 1 3
same "f32 shortest" --invoke fdiv "$C" 1 3 -- "$id" fdiv 1 3
same "f32 1/3 as f32" --invoke f32id "$C" 0.33333334 -- "$id" f32id 0.33333334
same "f32 -0" --invoke f32id "$C" -0 -- "$id" f32id -0
same "f32 NaN payload" --invoke f32id "$C" -nan:0x200001 -- \
	"$id" f32id -nan:0x200001
same "f64 inf" --invoke fdiv "$C" 1 0 -- "$id" fdiv 1 0
same "two results" --invoke pair "$C" -- "$id" pair
same "no results" --invoke nothing "$C" -- "$id" nothing
same "v128 in and out" --invoke vmix "$C" 2 0x4000000100000002fffffffe7fa00001 -0.5 -- \
	"$id" vmix 2 0x4000000100000002fffffffe7fa00001 -0.5
same "a trap: kind, function, offset" --invoke div_s "$C" 1 0 -- \
	"$id" div_s 1 0
same "unreachable" --invoke boom "$C" -- "$id" boom
same "a timeout" --timeout-ms 100 --invoke spin "$C" -- \
	--timeout-ms 100 "$id" spin
same "wrong arguments" --invoke add "$C" 1 -- "$id" add 1

# Names are bytes: --function-hex names "a\0b", which the daemon's
# metadata holds whole, and invoke calls that export, not "a".
cat >"$tmp/nul.wat" <<'WAT'
(module
  (func (export "a") (result i32) (i32.const 1))
  (func (export "a\00b") (param i32) (result i32) (i32.const 2)))
WAT
"$WAT2WASM" "$tmp/nul.wat" -o "$tmp/nul.wasm"
run "$wh" upload "$tmp/nul.wasm"
nid=$out
run "$wh" invoke --function-hex 610062 "$nid" 5
check "invoke --function-hex 610062 calls a<NUL>b" 0 "2"
run "$wh" invoke "$nid" a
check "invoke a calls a, not a<NUL>b" 0 "1"
run "$wh" invoke --function-hex 610062 "$nid"
check "a<NUL>b's type read from the metadata: escaped" 2 "" \
	'error: a\x00b (i32) -> (i32) expects 1 argument, got 0'
run "$wh" invoke --function-hex 610063 "$nid"
check "no such function: escaped" 2 "" "'a\\x00c': the module exports no such function (it exports: a, a\\x00b)"
run "$wh" invoke --json --function-hex 610062 "$nid" 7
check "--json --function-hex" 0 '"outcome":"ok","results":[2]'
same "a<NUL>b as run calls it" --invoke-hex 610062 "$tmp/nul.wasm" 3 -- \
	--function-hex 610062 "$nid" 3
run "$wh" invoke --json "$id" add 1 2
check "--json" 0 '"outcome":"ok","results":[3]'
printf 'from stdin' >"$tmp/in"
run "$wh" invoke --stdin "$tmp/in" --env A=b "$wid" _start x y
check "a WASI program: its output and exit status" 3 "from stdin" "A=b"
stdin_file=$tmp/in run "$wh" invoke "$wid" _start x
check "a WASI program: stdin sent as run sends it" 2 "from stdin"
[[ $err == "$wid"* ]] && ok "argv[0] is the module id" || bad "argv: '$err'"
mkdir -p "$tmp/d"
printf 'in a file' >"$tmp/d/in.txt"
run "$wh" invoke --dir "$tmp/d::/data" "$wid"
check "--dir sends a folder" 1 "in a file"
W=$tmp/wasi_echo.wasm
run "$wh" run --dir "$tmp/d::/data" "$W"
rout=$out
run "$wh" invoke --dir "$tmp/d::/data" "$wid"
[ "$out" = "$rout" ] && ok "--dir: the same output as run" ||
	bad "--dir: run '$rout', invoke '$out'"
same "a WASI module's function (output, result)" --invoke hello "$W" -- \
	"$wid" hello
# argv[0]: the module's id over the API, as run gives FILE; the same for a
# program's _start and for another export.
"$WAT2WASM" "$top_srcdir/tests/fixtures/wasi_argv.wat" -o "$tmp/argv.wasm"
vid=$(sha256sum "$tmp/argv.wasm" | cut -c1-64)
run "$wh" upload "$tmp/argv.wasm"
run "$wh" invoke "$vid" _start a b
[ "$rc" = 0 ] && [ "$(tr '\0' ' ' <"$tmp/out")" = "$vid a b " ] &&
	ok "argv of _start: [ID, ARGS...]" || bad "argv of _start: '$out'"
run "$wh" invoke "$vid" argv
[ "$rc" = 0 ] && [ "$(tr '\0' ' ' <"$tmp/out")" = "$vid 1" ] &&
	ok "argv of a function: [ID]" || bad "argv of a function: '$out'"
run "$wh" invoke "$(printf '%064d' 0)" add 1 2
check "unknown id" 1 "" "module_not_found"
run "$wh" --token wrong list
check "--token before the verb" 1 "" "unauthorized"
run "$wh" list --token wrong
check "a wrong token" 1 "" "unauthorized"
run "$wh" list --url http://127.0.0.1:1
check "no daemon" 1 "" "cannot connect"
run "$wh" --url http://127.0.0.1:1 invoke "$id" add 1 2
check "--url before the verb" 1 "" "cannot connect"
for v in upload list invoke delete; do
	run "$wh" "$v" --help
	[ "$rc" = 0 ] && [[ $out == "usage: wasmhost $v "* ]] && [ -z "$err" ] &&
		ok "$v --help: usage on stdout, exit 0" || bad "$v --help: $rc '$err'"
	run "$wh" "$v" --bogus "$id"
	[ "$rc" = 2 ] && [ -z "$out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
		[[ $err == *"unknown option '--bogus'"* ]] &&
		ok "$v: an unknown option, one line, exit 2" ||
		bad "$v --bogus: $rc '$err'"
done
# Persistent instances: state between calls, WASI set up at creation.
"$WAT2WASM" "$top_srcdir/tests/sandbox/fixtures/sb_counter.wat" \
	-o "$tmp/counter.wasm" || { echo "FAIL: wat2wasm sb_counter"; exit 1; }
cid=$(sha256sum "$tmp/counter.wasm" | cut -c1-64)
run "$wh" upload "$tmp/counter.wasm"
check "upload the counter" 0 "$cid"
run "$wh" instance create "$cid"
check "instance create prints the instance's id" 0 "i-"
iid=$out
run "$wh" instance invoke "$iid" incr
check "instance invoke" 0 "1"
run "$wh" instance invoke "$iid" incr
check "instance invoke again: its state lives on" 0 "2"
run "$wh" invoke "$cid" incr
check "a module invoke is fresh" 0 "1"
run "$wh" instance invoke "$iid" crash
check "instance invoke: a trap, exit 3" 3 "" "trap: unreachable"
run "$wh" instance invoke "$iid" grow 1
check "instance invoke with an argument" 0 "1"
run "$wh" instance invoke "$iid" grow x
check "instance invoke: a bad argument, exit 2" 2 "" \
	"error: argument 1 of grow: 'x' is not a valid i32"
run "$wh" instance list
check "instance list" 0 "$iid  ${cid:0:12}  calls 4  memory 131072"
run "$wh" instance get "$iid"
check "instance get" 0 '"calls":4'
run "$wh" instance create --env K=v "$wid" one two
check "instance create of a WASI module with argv and env" 0 "i-"
wiid=$out
run "$wh" instance invoke "$wiid" _start
check "its argv and env are the ones it was made with" 3 "" "one"
[[ $err == *"K=v"* ]] && ok "  ... and its env" || bad "WASI env: '$err'"
for o in "--env K=w" "--dir /tmp::/t" "--stdin -"; do
	# shellcheck disable=SC2086 # the option and its value
	run "$wh" instance invoke $o "$wiid" _start
	check "instance invoke ${o%% *}: a WASI option of instance create, exit 2" 2 "" \
		"unknown option '${o%% *}'"
done
run "$wh" instance invoke --help
[[ $out != *--env* ]] && ok "instance invoke --help lists no WASI option" ||
	bad "instance invoke --help lists WASI options: $out"
run "$wh" instance create "$cid" extra
check "instance create: ARGS only for WASI" 2 "" "does not import WASI"
run "$wh" instance delete "$iid"
check "instance delete" 0 "deleted $iid"
run "$wh" instance get "$iid"
check "then instance get fails" 1 "" "instance_not_found"
run "$wh" instance invoke "$iid" incr
check "and instance invoke too" 1 "" "instance_not_found"
run "$wh" instance frob
check "an unknown instance verb" 2 "" "usage: wasmhost instance"
for v in create invoke list get delete; do
	run "$wh" instance "$v" --help
	[ "$rc" = 0 ] && [[ $out == "usage: wasmhost instance $v "* ]] &&
		ok "instance $v --help" || bad "instance $v --help: $rc '$out'"
done
# A worker killed by a signal (sent from outside while it spins): the
# daemon names the signal, and invoke prints it as run does.
descendants() {
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"; descendants "$c"
	done
}
"$wh" invoke --timeout-ms 10000 "$id" spin >"$tmp/kout" 2>"$tmp/kerr" &
kpid=$!
worker=
for _ in $(seq 200); do
	for k in $(descendants "$daemon_pid"); do
		[ "$(cat /proc/$k/comm 2>/dev/null)" = wh-worker ] &&
		[ "$(awk '{print $14}' /proc/$k/stat 2>/dev/null)" -ge 10 ] &&
			worker=$k
	done
	[ -n "$worker" ] && break
	sleep 0.05
done
[ -n "$worker" ] && kill -USR1 "$worker"
krc=0
wait $kpid || krc=$?
[ "$krc" = 3 ] && [ "$(sed -n 1p "$tmp/kerr")" = "killed: SIGUSR1" ] &&
	ok "a worker killed by SIGUSR1: named, exit 3" ||
	bad "killed by SIGUSR1: exit $krc, '$(cat "$tmp/kerr")'"
run "$wh" delete "$id"
check "delete" 0 "deleted $id"
run "$wh" delete "$id"
check "delete again" 1 "" "module_not_found"
stop_daemon
finish
