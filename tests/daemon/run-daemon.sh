#!/usr/bin/env bash
# run-daemon.sh -- wasmhostd in single-user mode: every route, every error
# status, values, outcomes, WASI, /v1/run, hostile requests, restart
# persistence, crash leftovers in the store, and a dead zygote (503).
. "$(dirname "$0")/lib.sh"

need curl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
for f in calc wasi_echo needs_env start_trap; do wat "$f"; done
id=$(sha256sum "$tmp/calc.wasm" | cut -c1-64)
wid=$(sha256sum "$tmp/wasi_echo.wasm" | cut -c1-64)

cat >"$tmp/config.json" <<EOF
{ "limits": { "upload_bytes": 1048576, "body_bytes": 262144,
              "timeout_ms": 5000, "output_bytes": 4096 },
  "connection_timeout_s": 3 }
EOF
state=$tmp/state
start_daemon --config "$tmp/config.json" --state-dir "$state"

# ---- start-up errors: what is wrong, in words ---------------------------------
rc=0
"$top_builddir/wasmhostd" --config "$tmp/none.json" 2>"$tmp/start.err" || rc=$?
[ "$rc" = 2 ] && grep -q "unable to open $tmp/none.json: No such file" \
	"$tmp/start.err" && ! grep -q -- "-1:-1" "$tmp/start.err" &&
	ok "a missing config file: named, without -1:-1" ||
	bad "missing config: exit $rc, $(cat "$tmp/start.err")"
port=${base##*:}
rc=0
timeout 20 "$top_builddir/wasmhostd" --config "$tmp/config.json" \
	--state-dir "$tmp/state2" --listen "127.0.0.1:$port" \
	2>"$tmp/start.err" || rc=$?
[ "$rc" = 1 ] &&
	grep -q "cannot listen on 127.0.0.1:$port: Address already in use" \
		"$tmp/start.err" && ! grep -q "port 0" "$tmp/start.err" &&
	ok "a port in use: the address and the reason" ||
	bad "port in use: exit $rc, $(cat "$tmp/start.err")"

# ---- health, metrics, routes, methods --------------------------------------
healthy "GET /healthz"
req GET /metrics
expect 200 "GET /metrics" "# TYPE wasmhost_http_requests_total counter" \
	'wasmhost_workers{state="live"}'
header_has "Content-Type: text/plain; version=0.0.4" "metrics Content-Type"
# The default two spare workers are idle, not busy, once they are ready.
for i in $(seq 1 50); do
	req GET /metrics
	grep -q '^wasmhost_spare_workers 2$' "$tmp/body" && break
	sleep 0.1
done
expect 200 "spare workers are idle, not busy" 'wasmhost_spare_workers 2' \
	'wasmhost_workers{state="idle"} 2' 'wasmhost_workers{state="busy"} 0' \
	'wasmhost_workers{state="live"} 2'
req GET /v1/modules
expect 200 "empty list" '{"modules":[]}'
header_has "Content-Type: application/json" "JSON Content-Type"
req GET /nope
expect 404 "unknown route" '"code":"not_found"'
req GET /v1/modules/
expect 404 "trailing slash" '"code":"not_found"'
req PUT /v1/modules
expect 405 "PUT /v1/modules" '"code":"method_not_allowed"'
header_has "Allow: GET, HEAD, POST" "405 names the methods"
req DELETE /healthz
expect 405 "DELETE /healthz" '"code":"method_not_allowed"'
req GET /v1/run
expect 405 "GET /v1/run" '"code":"method_not_allowed"'

# ---- upload -----------------------------------------------------------------
req POST /v1/modules -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/calc.wasm"
expect 201 "upload" "\"id\":\"$id\"" '"name":"add","kind":"func","params":["i32","i32"],"results":["i32"]' \
	'"name":"memory","kind":"memory"'
header_has "Location: /v1/modules/$id" "201 has a Location"
req POST /v1/modules -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/calc.wasm"
expect 409 "the same bytes again" '"code":"module_exists"' "$id"
req POST /v1/modules -H 'Content-Type: text/plain' \
	--data-binary @"$tmp/calc.wasm"
expect 415 "upload as text/plain" '"code":"unsupported_media_type"'
req POST /v1/modules --data-binary @"$tmp/calc.wasm"
expect 415 "upload without a type (curl's form type)" '"code":"unsupported_media_type"'
printf 'this is not wasm' >"$tmp/garbage"
req POST /v1/modules -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/garbage"
expect 400 "garbage module" '"code":"invalid_module"' '"offset":'
head -c 40 "$tmp/calc.wasm" >"$tmp/truncated.wasm"
req POST /v1/modules -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/truncated.wasm"
expect 400 "truncated module" '"code":"invalid_module"' '"offset":'
req POST /v1/modules -H 'Content-Type: application/wasm' --data-binary ''
expect 400 "empty module" '"code":"invalid_module"'
head -c 1100000 /dev/zero >"$tmp/big"
req POST /v1/modules -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/big"
expect 413 "module over upload_bytes (Content-Length)" '"code":"payload_too_large"'
req POST /v1/modules -H 'Content-Type: application/wasm' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big"
expect 413 "module over upload_bytes (chunked)" '"code":"payload_too_large"'
for f in wasi_echo needs_env start_trap; do
	req POST /v1/modules -H 'Content-Type: application/wasm' \
		--data-binary @"$tmp/$f.wasm"
	expect 201 "upload $f" '"id":'
done

# ---- list, get, ids ------------------------------------------------------------
req GET /v1/modules
expect 200 "list" "\"id\":\"$id\"" "\"id\":\"$wid\""
req GET "/v1/modules/$id"
expect 200 "get" "\"id\":\"$id\"" '"size":'
status=$(curl -s -I -o /dev/null -w '%{http_code}' "$base/v1/modules/$id")
[ "$status" = 200 ] && ok "HEAD" || bad "HEAD: $status"
zero=0000000000000000000000000000000000000000000000000000000000000000
req GET "/v1/modules/$zero"
expect 404 "unknown id" '"code":"module_not_found"'
req GET "/v1/modules/$(echo "$id" | tr a-f A-F)"
expect 404 "upper-case id" '"code":"module_not_found"'
req GET "/v1/modules/../../../etc/passwd" --path-as-is
expect 404 "dot-dot path" '"code":'
req GET "/v1/modules/..%2f..%2fetc%2fpasswd" --path-as-is
expect 404 "encoded dot-dot path" '"code":'
req GET "/v1/modules/$id%00" --path-as-is
expect 404 "NUL after an id" '"code":'
req GET "/v1/modules/$id$id"
expect 404 "overlong id" '"code":"module_not_found"'
req POST "/v1/modules/..%2f$id/invoke" --path-as-is \
	-H 'Content-Type: application/json' --data-binary '{}'
expect 404 "path trick in invoke" '"code":'

# ---- invoke: values and outcomes ---------------------------------------------
inv=/v1/modules/$id/invoke
json POST "$inv" '{"function":"add","args":[1,2]}'
expect 200 "add" '"outcome":"ok","results":[3]'
expect 200 "invoke stats carry the tier statistics" \
	'"tiers":{"interp_funcs":' '"baseline_funcs":' '"osr_entries":' \
	'"opt_funcs":' '"opt_compile_us":' '"opt_osr":' '"baseline_code_bytes":'
header_has "Content-Type: application/json" "invoke Content-Type"
json POST "$inv" '{"function":"add","args":[2147483647,1]}'
expect 200 "i32 wraps" '"results":[-2147483648]'
json POST "$inv" '{"function":"add","args":["0x10","4294967295"]}'
expect 200 "i32 from text" '"results":[15]'
json POST "$inv" '{"function":"add64","args":["9007199254740993","1"]}'
expect 200 "i64 as decimal strings" '"results":["9007199254740994"]'
json POST "$inv" '{"function":"add64","args":["18446744073709551615","1"]}'
expect 200 "i64 wraps (unsigned text)" '"results":["0"]'
json POST "$inv" '{"function":"fdiv","args":[1,0]}'
expect 200 "f64 inf" '"results":["inf"]'
json POST "$inv" '{"function":"fdiv","args":[-1,0]}'
expect 200 "f64 -inf" '"results":["-inf"]'
json POST "$inv" '{"function":"fdiv","args":[0,0]}'
expect 200 "f64 nan" '"results":["'
json POST "$inv" '{"function":"fdiv","args":[0.1,1]}'
expect 200 "f64 0.1" '"results":[0.1]'
# -0 keeps its sign from a client (jansson alone reads it as the integer
# 0): 1 / -0 is -inf, and -0 comes back as -0.0.
json POST "$inv" '{"function":"fdiv","args":[1,-0]}'
expect 200 "f64 argument -0 keeps its sign" '"results":["-inf"]'
json POST "$inv" '{"function":"fdiv","args":[1,-0.0]}'
expect 200 "f64 argument -0.0 keeps its sign" '"results":["-inf"]'
json POST "$inv" '{"function":"fdiv","args":[1,0]}'
expect 200 "f64 argument 0 is +0" '"results":["inf"]'
json POST "$inv" '{"function":"f32id","args":[-0]}'
expect 200 "f32 argument -0 comes back -0.0" '"results":[-0.0]'
json POST /v1/run "{\"module\":\"$(b64 "$tmp/calc.wasm")\",\"function\":\"fdiv\",\"args\":[-1,-0]}"
expect 200 "/v1/run: f64 argument -0 keeps its sign" '"results":["inf"]'
json POST "$inv" '{"function":"f32id","args":["nan:0x200000"]}'
expect 200 "f32 NaN payload" '"results":["nan:0x200000"]'
json POST "$inv" '{"function":"f32id","args":["-nan"]}'
expect 200 "f32 negative NaN" '"results":["-nan"]'
json POST "$inv" '{"function":"pair"}'
expect 200 "two results" '"results":[-1,"-9223372036854775808"]'
json POST "$inv" '{"function":"nothing","args":[]}'
expect 200 "no results" '"results":[]'
# v128 as "0x" and 32 hex digits, byte 15 first; lane 3 is the high word;
# lane 0 a signalling NaN, which f32x4.add quiets (payload kept)
json POST "$inv" '{"function":"vmix","args":[2,"0x4000000100000002fffffffe7fa00001",-0.5]}'
expect 200 "v128 arguments and results beside scalars" \
	'"results":["0x4000000300000004000000007fa00003",1073741827,-1,"0x4080000100000004fffffffe7fe00001"]'
json POST "$inv" '{"function":"vmix","args":[2,"0x40",-0.5]}'
expect 400 "a v128 argument short of 32 hex digits" '"code":"bad_call"' \
	'"field":"args[1]"' 'v128'
json POST "$inv" '{"function":"div_s","args":[1,0]}'
expect 200 "trap" '"outcome":"trap"' '"kind":"integer_divide_by_zero"' \
	'"function":"div_s"' '"offset":'
json POST "$inv" '{"function":"div_s","args":[-2147483648,-1]}'
expect 200 "overflow trap" '"kind":"integer_overflow"'
json POST "$inv" '{"function":"boom"}'
expect 200 "unreachable" '"outcome":"trap"' '"kind":"unreachable"'
json POST "$inv" '{"function":"spin","limits":{"timeout_ms":200}}'
expect 200 "timeout" '"outcome":"timeout"' '"kind":"timeout"'
json POST "$inv" '{"function":"add","args":[5,6]}'
expect 200 "the pool works after a timeout" '"results":[11]'
# The default limits admit 64 concurrent invocations of a warm module
# (more than its workers: the rest wait in the queue), all answered 200.
seq 1 64 | xargs -P 64 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	-H 'Content-Type: application/json' \
	--data-binary '{"function":"count","args":[300000]}' "$base$inv" \
	>"$tmp/codes"
n200=$(grep -c '^200$' "$tmp/codes" || true)
[ "$n200" = 64 ] && ok "64 concurrent invocations, all 200" ||
	bad "64 concurrent invocations: $(sort "$tmp/codes" | uniq -c | tr '\n' ' ')"
json POST "$inv" '{"function":"grow","args":[10],"limits":{"memory_pages":5}}'
expect 200 "memory cap: grow fails" '"results":[-1]'
json POST "$inv" '{"function":"grow","args":[3],"limits":{"memory_pages":5}}'
expect 200 "memory cap: grow within" '"results":[1]'
json POST "/v1/modules/$(sha256sum "$tmp/needs_env.wasm" | cut -c1-64)/invoke" \
	'{"function":"call","args":[1]}'
expect 200 "unlinkable import" '"outcome":"instantiate_error"' 'env.host_fn'
json POST "/v1/modules/$(sha256sum "$tmp/start_trap.wasm" | cut -c1-64)/invoke" \
	'{"function":"f"}'
expect 200 "start function traps" '"outcome":"instantiate_error"'

# ---- invoke: bad requests ----------------------------------------------------
json POST "$inv" '{"function":"add","args":[1]}'
expect 400 "too few args" '"code":"bad_call"' '"field":"args"'
json POST "$inv" '{"function":"add","args":[1,2,3]}'
expect 400 "too many args" '"code":"bad_call"' '"field":"args"'
json POST "$inv" '{"function":"add","args":[1,"x"]}'
expect 400 "wrong type" '"code":"bad_call"' '"field":"args[1]"'
json POST "$inv" '{"function":"add","args":[1,4294967296]}'
expect 400 "i32 out of range" '"field":"args[1]"'
json POST "$inv" '{"function":"add","args":[1,1.5]}'
expect 400 "i32 given a fraction" '"field":"args[1]"'
json POST "$inv" '{"function":"add64","args":[1,{}]}'
expect 400 "i64 given an object" '"field":"args[1]"'
json POST "$inv" '{"function":"add","args":{"a":1}}'
expect 400 "args not an array" '"field":"args"'
json POST "$inv" '{"function":"nope"}'
expect 400 "unknown function" '"code":"bad_call"' '"field":"function"'
json POST "$inv" '{"function":"g"}'
expect 400 "a global is no function" '"field":"function"'
json POST "$inv" '{"function":7}'
expect 400 "function not a string" '"field":"function"'
json POST "$inv" '{}'
expect 400 "no function, no _start" '"field":"function"'
json POST "$inv" '{"function":"add","args":[1,2],"bogus":true}'
expect 400 "unknown member" '"code":"bad_request"' '"field":"bogus"'
json POST "$inv" '{"function":"add","args":[1,2],"limits":{"timeout_ms":999999}}'
expect 400 "timeout over the limit" '"field":"limits.timeout_ms"'
json POST "$inv" '{"function":"add","args":[1,2],"limits":{"timeout_ms":-5}}'
expect 400 "negative timeout" '"field":"limits.timeout_ms"'
json POST "$inv" '{"function":"add","args":[1,2],"limits":{"memory_pages":99999}}'
expect 400 "memory over the limit" '"field":"limits.memory_pages"'
json POST "$inv" '{"function":"add","args":[1,2],"limits":{"fuel":100}}'
expect 400 "fuel without metering" '"field":"limits.fuel"'
json POST "$inv" '{"function":"add","args":[1,2],"limits":{"cpu":1}}'
expect 400 "unknown limit" '"field":"limits.cpu"'
json POST "$inv" '{"function":"add","args":[1,2],"encoding":"rot13"}'
expect 400 "bad encoding" '"field":"encoding"'
json POST "$inv" '{"function":"add","args":[1,2],"stdin":"x"}'
expect 400 "stdin for a module without WASI" '"field":"stdin"'
json POST "$inv" '{"function":"add",'
expect 400 "truncated JSON" '"code":"bad_json"'
json POST "$inv" '{"function":"add","function":"add"}'
expect 400 "duplicate key" '"code":"bad_json"'
json POST "$inv" '[1,2]'
expect 400 "JSON array body" '"code":"bad_request"'
json POST "$inv" '"add"'
expect 400 "JSON string body" '"code":"bad_json"'
json POST "$inv" ''
expect 400 "empty body" '"code":"bad_json"'
req POST "$inv" -H 'Content-Type: text/plain' --data-binary '{"function":"add","args":[1,2]}'
expect 415 "invoke as text/plain" '"code":"unsupported_media_type"'
printf '\xff\xfe{"a":1}' >"$tmp/badutf8"
req POST "$inv" -H 'Content-Type: application/json' --data-binary @"$tmp/badutf8"
expect 400 "invalid UTF-8 in JSON" '"code":"bad_json"'
head -c 300000 /dev/zero | tr '\0' 'a' >"$tmp/bigjson"
req POST "$inv" -H 'Content-Type: application/json' --data-binary @"$tmp/bigjson"
expect 413 "body over body_bytes" '"code":"payload_too_large"'
json POST "/v1/modules/$zero/invoke" '{"function":"add","args":[1,2]}'
expect 404 "invoke an unknown id" '"code":"module_not_found"'

# ---- WASI --------------------------------------------------------------------
winv=/v1/modules/$wid/invoke
json POST "$winv" '{"argv":["prog","a","b"],"env":{"K":"V"},"stdin":"hello\n","files":{"/data/in.txt":"file text\n"}}'
expect 200 "WASI program" '"outcome":"exit","exit_code":3' \
	'"stdout":"hello\nfile text\n"' '"stderr":"prog\u0000a\u0000b\u0000K=V\u0000"' \
	'"stdout_truncated":false'
json POST "$winv" '{"stdin":"/w==","encoding":"base64"}'
expect 200 "base64 stdout" '"stdout":"/w=="' '"encoding":"base64"'
json POST "$winv" '{"stdin":"/2E=","encoding":"base64","argv":[]}'
expect 200 "no argv: exit 0" '"exit_code":0'
printf '{"stdin":"%s","encoding":"base64"}' "$(printf 'a\xffb' | b64)" >"$tmp/w.json"
req POST "$winv" -H 'Content-Type: application/json' --data-binary @"$tmp/w.json"
expect 200 "base64 round trip" "\"stdout\":\"$(printf 'a\xffb' | b64)\""
json POST "$winv" '{"function":"bad_utf8"}'
expect 200 "invalid UTF-8 output becomes U+FFFD" "$(printf '"stdout":"a\xef\xbf\xbdb\xef\xbf\xbd"')"
json POST "$winv" '{"function":"bad_utf8","encoding":"base64"}'
expect 200 "the same bytes in base64" "\"stdout\":\"$(printf 'a\xffb\xe2\x82' | b64)\""
printf '{"files":{"/data/in.txt":"a\\u00ffb"},"argv":["x"]}' >"$tmp/w.json"
req POST "$winv" -H 'Content-Type: application/json' --data-binary @"$tmp/w.json"
expect 200 "text file in, UTF-8 out" '"stdout":"aÿb"'
head -c 6000 /dev/zero | tr '\0' 'z' >"$tmp/long"
printf '{"stdin":"%s"}' "$(cat "$tmp/long")" >"$tmp/w.json"
req POST "$winv" -H 'Content-Type: application/json' --data-binary @"$tmp/w.json"
expect 200 "output over output_bytes" '"stdout_truncated":true'
json POST "$winv" '{"function":"hello"}'
expect 200 "an export of a WASI module" '"results":[1]' '"stdout":"hi\n"'
json POST "$winv" '{"argv":"prog"}'
expect 400 "argv not an array" '"field":"argv"'
json POST "$winv" '{"env":{"A=B":"c"}}'
expect 400 "env name with =" '"field":"env.A=B"'
json POST "$winv" '{"files":{"rel/path":"x"}}'
expect 400 "relative file path" '"field":"files.rel/path"'
json POST "$winv" '{"stdin":"%%%","encoding":"base64"}'
expect 400 "bad base64" '"field":"stdin"'
json POST "$winv" '{"args":[1]}'
expect 400 "args for a WASI program" '"field":"args"'

# ---- /v1/run -----------------------------------------------------------------
printf '{"module":"%s","function":"add","args":[40,2]}' "$(b64 "$tmp/calc.wasm")" >"$tmp/run.json"
req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run.json"
expect 200 "run: upload and invoke" '"outcome":"ok","results":[42]'
printf '{"module":"%s","stdin":"ping","argv":["p"]}' "$(b64 "$tmp/wasi_echo.wasm")" >"$tmp/run.json"
req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run.json"
expect 200 "run: a WASI program" '"outcome":"exit","exit_code":1' '"stdout":"ping"'
printf '{"module":"%s","function":"add"}' "$(b64 "$tmp/garbage")" >"$tmp/run.json"
req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run.json"
expect 400 "run: invalid module" '"code":"invalid_module"'
printf '{"module":"%s","function":"add","args":[1]}' "$(b64 "$tmp/calc.wasm")" >"$tmp/run.json"
req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run.json"
expect 400 "run: bad args" '"field":"args"'
# The same bytes run again find their pool warm (kept by the run cache):
# no worker is started for the runs after the first.  (calc.wasm plus a
# custom section: bytes no other test uploads.)
{ cat "$tmp/calc.wasm"; printf '\000\005\004warm'; } >"$tmp/calc_run.wasm"
printf '{"module":"%s","function":"add","args":[40,2]}' "$(b64 "$tmp/calc_run.wasm")" >"$tmp/run_warm.json"
spawned() {
	curl -s "$base/metrics" | awk '$1 == "wasmhost_worker_events_total{event=\"spawned\"}" { print $2 }'
}
req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run_warm.json"
expect 200 "run: a new module" '"results":[42]'
sleep 0.3   # a spare taken by it is replaced
s1=$(spawned)
for i in 1 2 3; do
	req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run_warm.json"
	expect 200 "run again ($i)" '"results":[42]'
done
s2=$(spawned)
[ -n "$s1" ] && [ "$s1" = "$s2" ] && ok "run again: warm workers, none started ($s1)" ||
	bad "run again: workers started $s1 -> $s2"
json POST /v1/run '{"function":"add"}'
expect 400 "run: no module" '"field":"module"'
json POST /v1/run '{"module":"!!","function":"add"}'
expect 400 "run: module not base64" '"field":"module"'
req GET /v1/modules
expect_not '"size":1100000' "run stores nothing"

# ---- hostile clients ---------------------------------------------------------
# Slow client: headers trickle in while others are served.
exec 3<>"/dev/tcp/127.0.0.1/${base##*:}"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
healthy "served while a client is slow"
sleep 1
printf '\r\n' >&3
read -r -t 5 line <&3 || line=
exec 3>&-
case $line in *200*) ok "the slow client gets its answer" ;;
	*) bad "slow client: '$line'" ;; esac
# A client that stops sending is cut after connection_timeout_s (3 s).
exec 3<>"/dev/tcp/127.0.0.1/${base##*:}"
printf 'POST /v1/modules HTTP/1.1\r\nHost: x\r\nContent-Type: application/wasm\r\nContent-Length: 1000\r\n\r\nabc' >&3
start=$(date +%s)
cat <&3 >/dev/null 2>&1 || true
exec 3>&-
[ $(($(date +%s) - start)) -le 8 ] && ok "a stalled body is cut" ||
	bad "a stalled body held the connection"
# Slow upload of a whole module (rate-limited) succeeds.
req POST /v1/run -H 'Content-Type: application/json' --limit-rate 20k \
	--data-binary @"$tmp/run.json"
[ "$status" = 400 ] && ok "rate-limited body" || bad "rate-limited body: $status"
# Garbage instead of HTTP, huge headers, many headers.
printf 'GARBAGE\r\n\r\n' | curl -s -m 3 "telnet://127.0.0.1:${base##*:}" >/dev/null 2>&1 || true
req GET /healthz -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)"
case $status in 413|431|400) ok "huge header refused ($status)" ;;
	*) bad "huge header: $status" ;; esac
for i in $(seq 1 20); do
	json POST "$inv" '{"function":"add","args":[1,2]}' -m 0.001 >/dev/null 2>&1
done
ok "clients that hang up mid-request"
req POST "$inv" -H 'Content-Type: application/json' -H 'Content-Length: 5' \
	--data-binary '{"function":"add","args":[1,2]}'
[ "$status" = 400 ] && ok "short Content-Length" || bad "short Content-Length: $status"
healthy "healthy after hostile clients"

# ---- strict HTTP framing, as nginx has it (raw bytes) -----------------------------
# A request two servers could read two ways is refused, never guessed at.
raw 'POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}'
expect 400 "two Content-Length headers: 400" 'more than one Content-Length'
raw 'POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
expect 400 "Content-Length and Transfer-Encoding: 400" 'both Content-Length and Transfer-Encoding'
raw 'POST /v1/modules HTTP/1.1\r\nHost: x\r\nContent-Type: application/wasm\r\nTransfer-Encoding: gzip\r\n\r\n'
expect 501 "Transfer-Encoding gzip: 501 at once" '"code":"not_implemented"'
raw 'GET /healthz\0x HTTP/1.1\r\nHost: x\r\n\r\n'
expect 400 "a NUL in the path: 400, not /healthz" 'a NUL byte in the request line'
raw 'GET\0x /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
expect 400 "a NUL in the method: 400" 'a NUL byte in the request line'
raw "GET /v1/modules/$id\\0junk HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
expect 400 "a module's path with a NUL and junk: 400" 'a NUL byte'
raw 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\0c\r\n\r\n'
expect 400 "a NUL in a header value: 400" 'a NUL byte'
raw 'GET /healthz HTTP/1.1\r\n\r\n'
expect 400 "HTTP/1.1 without Host: 400" 'HTTP/1.1 without Host'
raw 'GET /healthz HTTP/1.0\r\n\r\n'
expect 200 "HTTP/1.0 without Host: served" '"status":"ok"'
raw 'GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'
expect 400 "two Host headers: 400" 'more than one Host'
# libmicrohttpd 0.9.75 takes "X-A : b" as a header named "X-A " (it does
# not refuse it itself): refused here.
raw 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n'
expect 400 "a space before a header's colon: 400" 'its colon'
# Content-Length that is not a number, or past 2^64: the front door
# answers once, in JSON (run-http.sh has the rest of its refusals).
raw 'POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'
[ "$status" = 400 ] && [ "$nstatus" = 1 ] && grep -qF '"code":"bad_request"' "$tmp/body" &&
	ok "Content-Length abc: one 400, JSON" || bad "Content-Length abc: $status ($nstatus status lines)"
raw 'POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n'
[ "$status" = 413 ] && [ "$nstatus" = 1 ] && grep -qF '"code":"payload_too_large"' "$tmp/body" &&
	ok "Content-Length past 2^64: one 413, JSON" || bad "Content-Length past 2^64: $status ($nstatus status lines)"
sleep 0.3   # access lines are written out every 100 ms
grep -q 'method=POST route=/v1/run status=413 outcome=payload_too_large' "$daemon_log" &&
	ok "the refused 413 has an access line" ||
	bad "no access line for the refused 413"
healthy "healthy after malformed framing"

# ---- metrics after traffic ---------------------------------------------------
req GET /metrics
expect 200 "metrics count requests and outcomes" \
	'wasmhost_http_requests_total{route="/v1/modules/{id}/invoke",status="200"}' \
	'wasmhost_invocations_total{outcome="trap"}' \
	'wasmhost_http_request_duration_seconds_bucket{route="/v1/modules/{id}/invoke",le="+Inf"}' \
	'wasmhost_queue_depth{queue="sandbox"}' \
	'wasmhost_functions_compiled_total{tier="interp"}' \
	'wasmhost_functions_compiled_total{tier="baseline"}' \
	'wasmhost_osr_entries_total' \
	'wasmhost_tier_stat_total{tier="opt",stat="osr"}' \
	'wasmhost_tier_stat_total{tier="baseline",stat="compile_us"}'
# One request at a time on a warm module: answered on the HTTP thread
# (sync); the spin that timed out was handed over (late).
for path in sync late; do
	n=$(awk -v p="wasmhost_dispatch_total{path=\"$path\"}" '$1 == p { print $2 }' "$tmp/body")
	[ "${n:-0}" -gt 0 ] && ok "dispatch path $path used ($n)" ||
		bad "dispatch path $path: ${n:-missing}"
done
grep -q 'msg=access tenant=default method=POST route=/v1/modules/{id}/invoke status=200 outcome=ok' \
	"$daemon_log" && ok "access log line" || bad "no access log line"

# ---- the web console: its headers, and no cross-origin writes ----------------
req GET /
expect 200 "GET / serves the console" '<title>wasmhost console</title>' \
	'src="/console/console.js"'
header_has "Content-Type: text/html" "the console is HTML"
header_has "Content-Security-Policy: default-src 'none'; script-src 'self'" \
	"the console's CSP: no inline script"
header_has "connect-src 'self'" "the console's CSP: connect-src 'self'"
header_has "frame-ancestors 'none'" "the console's CSP: no framing"
header_has "X-Content-Type-Options: nosniff" "the console has nosniff"
req GET /console/console.js
expect 200 "the console's script" "'use strict'"
header_has "Content-Type: text/javascript" "the script's type"
header_has "X-Content-Type-Options: nosniff" "the script has nosniff"
req GET /console/console.css
header_has "Content-Type: text/css" "the style's type"
req GET /console/nope.js
expect 404 "an unknown console file" '"code":"not_found"'
req POST / --data-binary x
expect 405 "POST /" '"code":"method_not_allowed"'
header_has "Allow: GET, HEAD" "405 on / names the methods"
req GET /v1/modules
header_has "X-Content-Type-Options: nosniff" "API answers have nosniff"
# The node's name: host name and port by default, on every reply.
node="$(hostname | tr -c 'A-Za-z0-9._:\n-' -):${base##*:}"
header_has "X-Wasmhost-Node: $node" "an answer names its node ($node)"
req GET /nope
header_has "X-Wasmhost-Node: $node" "an error names its node"
req GET /console/nope.js
header_has "X-Wasmhost-Node: $node" "a console error names its node"
req GET /metrics
expect 200 "metrics name the node" "wasmhost_node_info{node=\"$node\"} 1"
grep -q "level=info node=$node msg=listening" "$daemon_log" &&
	ok "log lines name the node" || bad "log lines lack node=$node"
printf '\0asm\1\0\0\0' >"$tmp/empty.wasm"   # a valid empty module
req POST /v1/modules -H 'Content-Type: application/wasm' \
	-H 'Origin: http://evil.example' --data-binary @"$tmp/empty.wasm"
expect 403 "an upload from another origin" '"code":"forbidden"' 'cross-origin'
req GET "/v1/modules/$(sha256sum "$tmp/empty.wasm" | cut -c1-64)"
expect 404 "the cross-origin upload stored nothing" '"code":"module_not_found"'
req POST "/v1/modules/$id/invoke" -H 'Origin: null' \
	--data-binary '{"function":"add","args":[1,2]}'
expect 403 "an invoke from Origin: null (no Content-Type: a simple request)" \
	'"code":"forbidden"'
req POST "/v1/modules/$id/invoke" -H "Origin: http://127.0.0.1:1" \
	-H 'Content-Type: application/json' --data-binary '{"function":"add","args":[1,2]}'
expect 403 "an invoke from another port of the same host" '"code":"forbidden"'
req DELETE "/v1/modules/$id" -H 'Sec-Fetch-Site: cross-site'
expect 403 "a delete with Sec-Fetch-Site: cross-site" '"code":"forbidden"'
req POST "/v1/modules/$id/invoke" -H "Origin: $base" -H 'Sec-Fetch-Site: same-origin' \
	-H 'Content-Type: application/json' --data-binary '{"function":"add","args":[1,2]}'
expect 200 "an invoke from the daemon's own origin" '"results":[3]'
req GET /v1/modules -H 'Origin: http://evil.example'
expect 200 "a cross-origin read is answered" "$id"
if grep -qi '^Access-Control-' "$tmp/headers"; then
	bad "no CORS headers: $(grep -i '^Access-Control-' "$tmp/headers")"
else
	ok "no CORS headers: another origin's page cannot read the answer"
fi

# ---- delete --------------------------------------------------------------------
req DELETE "/v1/modules/$(sha256sum "$tmp/start_trap.wasm" | cut -c1-64)"
expect 200 "delete" '"deleted":true'
req DELETE "/v1/modules/$(sha256sum "$tmp/start_trap.wasm" | cut -c1-64)"
expect 404 "delete twice" '"code":"module_not_found"'
req DELETE "/v1/modules/not-an-id"
expect 404 "delete a bad id" '"code":"module_not_found"'

# ---- hostile module shapes: an answer, never a killed worker ----------------
# wat2wasm of a generated module; upload it, $hid its id.
upload_wat() {
	"$WAT2WASM" "$tmp/$1.wat" -o "$tmp/$1.wasm" ||
		{ bad "wat2wasm $1"; return; }
	hid=$(sha256sum "$tmp/$1.wasm" | cut -c1-64)
	req POST /v1/modules -H 'Content-Type: application/wasm' \
		--data-binary @"$tmp/$1.wasm"
}
long=$(head -c 10000 /dev/zero | tr '\0' n)
printf '(module (func $f (param i32) (result i32) (i32.const 7))\n(export "%s" (func $f)))\n' \
	"$long" >"$tmp/longexp.wat"
upload_wat longexp
expect 201 "an export name of 10,000 bytes" "\"name\":\"$long\""
json POST "/v1/modules/$hid/invoke" "{\"function\":\"$long\",\"args\":[1]}"
expect 200 "invoke an export named by 10,000 bytes" '"results":[7]'
printf '(module (import "%s" "%s" (func)))\n' "m$long" "$long" >"$tmp/longimp.wat"
upload_wat longimp
expect 201 "import names of 10,000 bytes" "\"module\":\"m$long\",\"name\":\"$long\""

# Names are bytes: U+0000 in a name is part of it.  "a" and "a\0b" are two
# exports; the metadata shows both whole ("\u0000"), a call of one never
# reaches the other, and an import links by its exact bytes.
cat >"$tmp/nul.wat" <<'EOF'
(module
  (func (export "a") (result i32) (i32.const 1))
  (func (export "a\00b") (result i32) (i32.const 2))
  (func (export "\00") (result i32) (i32.const 3)))
EOF
upload_wat nul
nulid=$hid
nul_meta='"name":"a","kind":"func","params":[],"results":["i32"]},{"name":"a\u0000b","kind":"func"'
expect 201 "export names with U+0000, whole" "$nul_meta" '"name":"\u0000"'
nul_calls() {   # $1: when
	json POST "/v1/modules/$nulid/invoke" '{"function":"a\u0000b"}'
	expect 200 "invoke \"a\\u0000b\" $1" '"results":[2]'
	json POST "/v1/modules/$nulid/invoke" '{"function":"a"}'
	expect 200 "invoke \"a\" $1" '"results":[1]'
	json POST "/v1/modules/$nulid/invoke" '{"function":"\u0000","args":[]}'
	expect 200 "invoke \"\\u0000\" $1" '"results":[3]'
	json POST "/v1/modules/$nulid/invoke" '{"function":"a\u0000c"}'
	expect 400 "invoke \"a\\u0000c\" $1: no such export, escaped" \
		'"code":"bad_call"' "'a\\\\x00c'" 'a\\x00b'
}
nul_calls "(fresh)"
b64nul=$(b64 "$tmp/nul.wasm")
json POST /v1/run "{\"module\":\"$b64nul\",\"function\":\"a\\u0000b\"}"
expect 200 "/v1/run of \"a\\u0000b\"" '"results":[2]'
json POST "/v1/modules/$nulid/invoke" '{"function":"a","encoding":"base64\u0000"}'
expect 400 "U+0000 in encoding" '"field":"encoding"'
json POST "/v1/modules/$wid/invoke" '{"argv":["x\u0000y"]}'
expect 400 "U+0000 in a WASI argument" '"field":"argv[0]"' 'U+0000'
printf '(module (import "wasi_snapshot_preview1\\00" "proc_exit" (func (param i32)))\n(func (export "f")))\n' \
	>"$tmp/nulimp.wat"
upload_wat nulimp
nulimp=$hid
expect 201 "an import module name with U+0000, whole" \
	'"module":"wasi_snapshot_preview1\u0000","name":"proc_exit"'
json POST "/v1/modules/$nulimp/invoke" '{"function":"f"}'
expect 200 "\"wasi_snapshot_preview1\\0\" is not WASI" \
	'"outcome":"instantiate_error"' \
	'unlinkable import wasi_snapshot_preview1\\x00.proc_exit'

# 20,000 exports of a function with 1,000 parameters: 174 KB whose metadata
# was 40 MB and killed the worker.  Signatures are runs ("i32*1000").
{
	printf '(module (func $f (param'
	for i in $(seq 1000); do printf ' i32'; done
	printf ') (result i32) (i32.const 7))\n'
	awk 'BEGIN { for (i = 0; i < 20000; i++) printf "(export \"f%d\" (func $f))\n", i }'
	printf ')\n'
} >"$tmp/wide.wat"
upload_wat wide
expect 201 "20,000 exports of 1,000 parameters" \
	'"name":"f19999","kind":"func","params":["i32*1000"],"results":["i32"]'
wide=$hid
args=$(seq -s, 1000)
json POST "/v1/modules/$wide/invoke" "{\"function\":\"f19999\",\"args\":[$args]}"
expect 200 "invoke a function of 1,000 parameters" '"results":[7]'
req GET "/v1/modules/$wide"
expect 200 "full metadata stays at GET /v1/modules/{id}" '"name":"f19999"'

# the listing: summaries, a page at a time
req GET /v1/modules
expect 200 "the listing holds summaries" "\"id\":\"$wide\"" '"export_count":20000'
expect_not '"exports"' "the listing holds no full metadata"
expect_not '"next_cursor"' "one page when all fit"
nmods=$(grep -o '"id":' "$tmp/body" | wc -l)
seen=0 cursor= pages=0
while :; do
	req GET "/v1/modules?limit=2${cursor:+&cursor=$cursor}"
	[ "$status" = 200 ] || { bad "page $pages: $status"; break; }
	seen=$((seen + $(grep -o '"id":' "$tmp/body" | wc -l)))
	pages=$((pages + 1))
	cursor=$(sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p' "$tmp/body")
	[ -n "$cursor" ] && [ "$pages" -lt 100 ] || break
done
[ "$seen" = "$nmods" ] && [ "$pages" = $(((nmods + 1) / 2)) ] &&
	ok "limit=2 pages through all $nmods modules" ||
	bad "paging: $seen of $nmods modules in $pages pages"
req GET "/v1/modules?limit=0"
expect 400 "limit=0" '"field":"limit"' '1 to 1000'
req GET "/v1/modules?limit=1001"
expect 400 "limit over the maximum" '"field":"limit"'
req GET "/v1/modules?limit=x"
expect 400 "limit not a number" '"field":"limit"'
req GET "/v1/modules?cursor=nonsense"
expect 400 "a made-up cursor" '"field":"cursor"'

# WASI inputs over the frame's limits: 400 naming the member and the limit
printf '{"argv":[%s]}' "$(seq -s, 5100 | sed 's/[0-9]*/"&"/g')" >"$tmp/argv.json"
req POST "/v1/modules/$wid/invoke" -H 'Content-Type: application/json' \
	--data-binary @"$tmp/argv.json"
expect 400 "5,100 arguments" '"field":"argv"' 'the limit is 4096'
printf '{"env":{"K":"%s"}}' "$(head -c 70000 /dev/zero | tr '\0' v)" >"$tmp/env.json"
req POST "/v1/modules/$wid/invoke" -H 'Content-Type: application/json' \
	--data-binary @"$tmp/env.json"
expect 400 "an environment entry of 70,000 bytes" '"field":"env.K"' 'the limit is 65536'
printf '{"files":{"/%s":""}}' "$(head -c 5000 /dev/zero | tr '\0' p)" >"$tmp/path.json"
req POST "/v1/modules/$wid/invoke" -H 'Content-Type: application/json' \
	--data-binary @"$tmp/path.json"
expect 400 "a path of 5,001 bytes" '"field":"files./ppp' 'the limit is 4096'
printf '{"files":{%s}}' "$(seq -s, 4100 | sed 's/[0-9]*/"\/f&":""/g')" >"$tmp/files.json"
req POST "/v1/modules/$wid/invoke" -H 'Content-Type: application/json' \
	--data-binary @"$tmp/files.json"
expect 200 "4,100 files (over the old cap of 4,096)" '"outcome":"exit"'

# ---- restart: persistence and crash leftovers ---------------------------------
stop_daemon
tdir=$state/tenants/default
# Leftovers: only what is provably abandoned goes (its writer's pid is
# gone on this host, or it is older than store_abandoned_s); another
# daemon's write in progress (on a shared store) stays.
host=$(hostname | tr '/@' '__')
dead=$(($(cat /proc/sys/kernel/pid_max) - 1))
while kill -0 "$dead" 2>/dev/null; do dead=$((dead - 1)); done
one=1111111111111111111111111111111111111111111111111111111111111111
printf 'half' >"$tdir/.tmp.$id.wasm.$dead.1@$host"       # writer gone
printf 'half' >"$tdir/.tmp.$id.wasm.$$.2@$host"          # writer alive
printf 'half' >"$tdir/.tmp.$id.json.123.3@other-host"    # elsewhere, new
printf 'half' >"$tdir/.tmp.$id.json.123.4@other-host"    # elsewhere, old
touch -d '2 hours ago' "$tdir/.tmp.$id.json.123.4@other-host"
cp "$tmp/garbage" "$tdir/$zero.wasm"   # a .wasm whose .json is not yet
cp "$tmp/garbage" "$tdir/$one.wasm"    # a .wasm whose .json never came
touch -d '2 hours ago' "$tdir/$one.wasm"
start_daemon --config "$tmp/config.json" --state-dir "$state"
req GET /v1/modules
expect 200 "modules survive a restart" "\"id\":\"$id\"" "\"id\":\"$wid\""
expect_not "$zero" "an interrupted upload stays invisible"
[ ! -e "$tdir/.tmp.$id.wasm.$dead.1@$host" ] &&
	[ ! -e "$tdir/.tmp.$id.json.123.4@other-host" ] && [ ! -e "$tdir/$one.wasm" ] &&
	ok "abandoned leftovers removed at start" || bad "leftovers still there"
[ -e "$tdir/.tmp.$id.wasm.$$.2@$host" ] &&
	[ -e "$tdir/.tmp.$id.json.123.3@other-host" ] && [ -e "$tdir/$zero.wasm" ] &&
	ok "writes that may be in progress are left alone" ||
	bad "a write in progress was removed at start"
rm -f "$tdir/.tmp.$id.wasm.$$.2@$host" "$tdir/.tmp.$id.json.123.3@other-host" \
	"$tdir/$zero.wasm"
json POST "$inv" '{"function":"add","args":[20,22]}'
expect 200 "invoke after a restart" '"results":[42]'
req GET "/v1/modules/$nulid"
expect 200 "names with U+0000 after a restart, whole" "$nul_meta" \
	'"name":"\u0000"'
nul_calls "after a restart"
# A module file changed on disk is refused, not run.
nid=$(sha256sum "$tmp/needs_env.wasm" | cut -c1-64)
printf '\0asm\1\0\0\0' >"$tdir/$nid.wasm"
json POST "/v1/modules/$nid/invoke" '{"function":"call","args":[1]}'
expect 503 "a corrupt module file" '"code":"unavailable"' 'corrupt'

# ---- a dead zygote: 503, never a hang, and a restart ----------------------
# A zygote can only be forked by a new process: the daemon drains and exits
# 1, so that systemd (Restart=on-failure) starts a fresh one.  Until then
# requests get 503 (or, once it has stopped listening, a refused connect).
# The zygote is the daemon's child (read from /proc: no ps needed).
zpid=
for st in /proc/[0-9]*/stat; do
	read -r p _ _ pp _ <"$st" 2>/dev/null || continue
	[ "$pp" = "$daemon_pid" ] && { zpid=$p; break; }
done
if [ -n "$zpid" ]; then
	printf '{"module":"%s","function":"add","args":[1,2]}' "$(b64 "$tmp/start_trap.wasm")" >"$tmp/run.json"
	kill -KILL "$zpid"
	seen=
	for i in $(seq 1 100); do
		req POST /v1/run -H 'Content-Type: application/json' \
			--data-binary @"$tmp/run.json" -m 5
		seen="$seen $status"
		case $status in
		503) grep -qF '"code":"unavailable"' "$tmp/body" ||
			bad "no zygote: 503 without the error object" ;;
		000) break ;;
		200) ;;   # before the loss was noticed: answered by... nothing
		*) bad "no zygote: status $status"; break ;;
		esac
		req GET /healthz -m 5
		case $status in
		503) grep -qF "zygote died" "$tmp/body" && ok "healthz: 503, the zygote died" ;;
		000) break ;;
		esac
		sleep 0.02
	done
	case " $seen " in
	*" 200 "*) bad "no zygote: a run answered 200 ($seen)" ;;
	*) ok "no zygote: no run succeeded (statuses:$(echo "$seen" | tr ' ' '\n' | sort -u | tr '\n' ' '))" ;;
	esac
	rc=0
	for i in $(seq 1 150); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
	wait "$daemon_pid" || rc=$?
	daemon_pid=
	[ "$rc" = 1 ] && ok "no zygote: the daemon drains and exits 1" ||
		bad "no zygote: the daemon exited $rc"
	grep -q "zygote died; no worker can start" "$daemon_log" &&
		ok "no zygote: logged" || bad "no zygote: no log line"
else
	bad "no zygote process found"
	stop_daemon
fi
finish
