#!/usr/bin/env bash
# run-client.sh -- `wasmhost upload | list | invoke | delete` against a
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

# run CMD...: sets $out, $err, $rc
run() {
	rc=0
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
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
check "wrong arguments: exit 2" 2 "" "bad_call"
run "$wh" invoke --json "$id" add 1 2
check "--json" 0 '"outcome":"ok","results":[3]'
printf 'from stdin' >"$tmp/in"
run "$wh" invoke --stdin "$tmp/in" --env A=b "$wid" _start x y
check "a WASI program: its output and exit status" 3 "from stdin" "A=b"
run "$wh" invoke "$(printf '%064d' 0)" add 1 2
check "unknown id" 1 "" "module_not_found"
run "$wh" --token wrong list
check "token before the verb is an unknown option" 2 ""
run "$wh" list --token wrong
check "a wrong token" 1 "" "unauthorized"
run "$wh" list --url http://127.0.0.1:1
check "no daemon" 1 "" "cannot connect"
run "$wh" delete "$id"
check "delete" 0 "deleted $id"
run "$wh" delete "$id"
check "delete again" 1 "" "module_not_found"
stop_daemon
finish
