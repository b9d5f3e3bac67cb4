#!/usr/bin/env bash
# run-tenants.sh -- wasmhostd with two tenants: tokens (401), rights (403),
# no cross-tenant access on any route, per-tenant limits (quota 403,
# admission 429), fuel, SIGHUP reload, and the configuration checks.
. "$(dirname "$0")/lib.sh"

need curl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
for f in calc wasi_echo needs_env; do wat "$f"; done
id=$(sha256sum "$tmp/calc.wasm" | cut -c1-64)
wid=$(sha256sum "$tmp/wasi_echo.wasm" | cut -c1-64)
nid=$(sha256sum "$tmp/needs_env.wasm" | cut -c1-64)

alice_tok=alice-secret-token
bob_tok=bob-secret-token
carol_tok=carol-secret-token
dave_tok=dave-secret-token
digest() { printf %s "$1" | sha256sum | cut -c1-64; }

write_config() {   # write_config [EXTRA TENANT JSON]
	cat >"$tmp/config.json" <<EOF
{
  "http_event_loop": "epoll",
  "workers": { "fuel_metering": true },
  "limits": { "timeout_ms": 5000 },
  "tenants": {
    "alice": { "token_sha256": "$(digest "$alice_tok")", "metrics": true },
    "bob": { "token_sha256": "$(digest "$bob_tok")",
             "limits": { "modules": 2, "concurrency": 1, "queue": 0 } },
    "dave": { "token_sha256": "$(digest "$dave_tok")",
              "limits": { "fuel": 1000000 } }${1:-}
  }
}
EOF
}
write_config

# ---- configuration checks ----------------------------------------------------
wasmhostd=$top_builddir/wasmhostd
if "$wasmhostd" --check-config --config "$tmp/config.json" >"$tmp/out" 2>&1 &&
   grep -q "3 tenants" "$tmp/out"; then ok "--check-config accepts the config"
else bad "--check-config: $(cat "$tmp/out")"; fi
check_refused() {   # check_refused WHAT EXPECTED-TEXT ARGS...
	local what=$1 text=$2 rc=0
	shift 2
	"$wasmhostd" --check-config "$@" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$text" "$tmp/out"; then ok "$what"
	else bad "$what: status $rc: $(cat "$tmp/out")"; fi
}
check_refused "single-user mode refuses 0.0.0.0" "not a loopback address" \
	--listen 0.0.0.0:8080
echo '{"tenants":{}}' >"$tmp/c1.json"
check_refused "no tenants, public address" "not a loopback" \
	--config "$tmp/c1.json" --listen 192.0.2.1:80
echo '{"listen":"127.0.0.1:80","limits":{"timeout_ms":"5"}}' >"$tmp/c1.json"
check_refused "a limit of the wrong type" "limits.timeout_ms: expected an integer" \
	--config "$tmp/c1.json"
echo '{"workers":{"sync_wait_us":200000}}' >"$tmp/c1.json"
check_refused "sync_wait_us out of range" "workers.sync_wait_us" \
	--config "$tmp/c1.json"
echo '{"http_event_loop":"kqueue"}' >"$tmp/c1.json"
check_refused "an unknown event loop" "http_event_loop: expected" \
	--config "$tmp/c1.json"
echo '{"workers":{"tier":"jit"}}' >"$tmp/c1.json"
check_refused "an unknown tier" "workers.tier: expected" --config "$tmp/c1.json"
echo '{"limitz":{}}' >"$tmp/c1.json"
check_refused "an unknown key" "limitz: unknown key" --config "$tmp/c1.json"
echo '{"tenants":{"a":{"token_sha256":"abc"}}}' >"$tmp/c1.json"
check_refused "a short token digest" "64 hex digits" --config "$tmp/c1.json"
echo '{"tenants":{"../x":{"token_sha256":"'"$(digest x)"'"}}}' >"$tmp/c1.json"
check_refused "a tenant name with a slash" "tenant name" --config "$tmp/c1.json"
echo '{"limits":{"fuel":5}}' >"$tmp/c1.json"
check_refused "fuel without metering" "fuel_metering" --config "$tmp/c1.json"
printf '{"listen": ' >"$tmp/c1.json"
check_refused "broken JSON" "c1.json:1" --config "$tmp/c1.json"
check_refused "a missing file" "unable to open" --config "$tmp/none.json"
check_refused "a bad --log-level" "log-level" --log-level loud
check_refused "a node name with a space" "node_name: 'a b'" --node-name 'a b'
echo '{"node_name":"x/y"}' >"$tmp/c1.json"
check_refused "a node name with a slash" "a node name is" --config "$tmp/c1.json"
"$wasmhostd" --version | grep -q '^wasmhostd ' && ok "--version" || bad "--version"
"$wasmhostd" --help | grep -q -- '--state-dir' && ok "--help" || bad "--help"
rc=0; "$wasmhostd" --frobnicate >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] && ok "unknown flag: exit 2" || bad "unknown flag: exit $rc"

# A secret in the daemon's environment (a deployment's token, a path):
# the zygote and the workers must not hold it (below).
env_marker="wh-env-marker-$$-$RANDOM$RANDOM-not-for-workers"
WASMHOST_TEST_SECRET=$env_marker start_daemon --config "$tmp/config.json" --state-dir "$tmp/state"
A=(-H "Authorization: Bearer $alice_tok")
B=(-H "Authorization: Bearer $bob_tok")
upload() {   # upload FILE CURL-ARGS...
	local f=$1
	shift
	req POST /v1/modules -H 'Content-Type: application/wasm' \
		--data-binary @"$tmp/$f.wasm" "$@"
}

# ---- secrets the workers must not hold ----------------------------------------
# The zygote is a copy of the daemon's memory (forked after the configuration
# is read) and every worker a copy of the zygote's: neither holds a tenant's
# token digest, in binary or as the configuration's hex text (a part of it:
# freed text is partly overwritten), nor the daemon's environment (the
# marker variable: zeroed in the zygote, /proc/PID/environ empty).
# Reading a non-dumpable worker's memory needs root.
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }
scan_for_digests() {
	local zy w pids= rc d
	for zy in $(children "$daemon_pid"); do
		pids="$pids $zy $(children "$zy")"
	done
	set --
	for d in "$(digest "$alice_tok")" "$(digest "$bob_tok")"; do
		set -- "$@" "$d" "$(printf %s "${d:16:40}" | od -An -tx1 | tr -d ' \n')"
	done
	# AddressSanitizer's runtime reads /proc/self/environ into a buffer of
	# its own at start, which nothing can wipe: the marker is looked for
	# in the plain build only.
	if grep -qa __asan_init "$top_builddir/wasmhostd"; then
		echo "# sanitizer build: the environment marker is not looked for"
	else
		set -- "$@" "$(printf %s "$env_marker" | od -An -tx1 | tr -d ' \n')"
	fi
	[ -n "$pids" ] || { bad "no zygote or worker found"; return; }
	local n=0
	for w in $pids; do
		rc=0
		"$top_builddir/tests/daemon/memscan" "$w" "$@" >"$tmp/scan" 2>&1 || rc=$?
		case $rc in
		0) n=$((n + 1)) ;;
		77) echo "# memscan $w: $(cat "$tmp/scan") (not root?)"; return ;;
		*) bad "process $w ($(cat /proc/"$w"/comm)) holds a token digest or the environment: $(cat "$tmp/scan")"; return ;;
		esac
		if tr '\0' '\n' </proc/"$w"/environ | grep -q .; then
			bad "process $w ($(cat /proc/"$w"/comm)) has an environment: $(tr '\0' ' ' </proc/"$w"/environ | head -c 200)"
			return
		fi
	done
	ok "no token digest nor the daemon's environment in the zygote nor in $((n - 1)) workers"
}
scan_for_digests

# ---- tokens ------------------------------------------------------------------
healthy "healthz needs no token"
# libmicrohttpd reads a header value as a C string: a NUL and more bytes
# after a valid token must not leave the valid token.
raw "GET /v1/modules HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer $alice_tok\\r\\n\\r\\n"
expect 200 "raw request with alice's token" '"modules":'
raw "GET /v1/modules HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer $alice_tok\\0junk\\r\\n\\r\\n"
expect 401 "a token with a NUL and more bytes after it: 401" '"code":"unauthorized"'
raw "GET /v1/modules HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer $alice_tok\\0x\\r\\nX-A: b\\r\\n\\r\\n"
expect 401 "a token, a NUL, a byte, then another header: 401" '"code":"unauthorized"'
req GET /v1/modules
expect 401 "no token" '"code":"unauthorized"'
header_has 'WWW-Authenticate: Bearer' "401 names the scheme"
req GET /v1/modules -H "Authorization: Bearer wrong"
expect 401 "wrong token" '"code":"unauthorized"'
req GET /v1/modules -H "Authorization: Basic $(printf 'a:b' | b64)"
expect 401 "another scheme" '"code":"unauthorized"'
req GET /v1/modules -H "Authorization: Bearer $alice_tok-"
expect 401 "a token with one more byte" '"code":"unauthorized"'
upload calc
expect 401 "upload without a token" '"code":"unauthorized"'
req GET /metrics
expect 401 "metrics without a token" '"code":"unauthorized"'
req GET /metrics "${B[@]}"
expect 403 "metrics for a tenant without the right" '"code":"forbidden"'
req GET /metrics "${A[@]}"
expect 200 "metrics for alice" 'wasmhost_invocations_total'

# ---- two tenants, the same bytes, nothing shared -----------------------------
upload calc "${A[@]}"
expect 201 "alice uploads" "\"id\":\"$id\""
upload needs_env "${A[@]}"
expect 201 "alice uploads another" "\"id\":\"$nid\""
req GET /v1/modules "${B[@]}"
expect 200 "bob sees none of alice's" '{"modules":[]}'
req GET "/v1/modules/$id" "${B[@]}"
expect 404 "bob cannot get alice's module" '"code":"module_not_found"'
json POST "/v1/modules/$id/invoke" '{"function":"add","args":[1,2]}' "${B[@]}"
expect 404 "bob cannot invoke alice's module" '"code":"module_not_found"'
req DELETE "/v1/modules/$id" "${B[@]}"
expect 404 "bob cannot delete alice's module" '"code":"module_not_found"'
req GET "/v1/modules/$id" "${A[@]}"
expect 200 "alice still has it" "\"id\":\"$id\""
upload calc "${B[@]}"
expect 201 "bob uploads the same bytes: his own entry" "\"id\":\"$id\""
json POST "/v1/modules/$id/invoke" '{"function":"add","args":[2,3]}' "${B[@]}"
expect 200 "bob invokes his copy" '"results":[5]'
req DELETE "/v1/modules/$id" "${B[@]}"
expect 200 "bob deletes his copy" '"deleted":true'
json POST "/v1/modules/$id/invoke" '{"function":"add","args":[2,3]}' "${A[@]}"
expect 200 "alice's copy is untouched" '"results":[5]'
json POST "/v1/modules/$id/invoke" '{"function":"add","args":[2,3]}' "${B[@]}"
expect 404 "bob's copy is gone" '"code":"module_not_found"'
[ -e "$tmp/state/tenants/alice/$id.wasm" ] && [ ! -e "$tmp/state/tenants/bob/$id.wasm" ] &&
	ok "separate files per tenant" || bad "store files are shared or missing"
upload calc "${B[@]}"
expect 201 "bob uploads again" "\"id\":\"$id\""

# ---- per-tenant limits -------------------------------------------------------
upload wasi_echo "${B[@]}"
expect 201 "bob's second module" "\"id\":\"$wid\""
upload needs_env "${B[@]}"
expect 403 "bob's module quota" '"code":"quota_exceeded"'
D=(-H "Authorization: Bearer $dave_tok")
upload calc "${D[@]}"
expect 201 "dave uploads" "\"id\":\"$id\""
json POST "/v1/modules/$id/invoke" '{"function":"count","args":[100000000]}' "${D[@]}"
expect 200 "dave's fuel cap" '"outcome":"limit","limit":"fuel"'
json POST "/v1/modules/$id/invoke" '{"function":"count","args":[1000],"limits":{"fuel":500}}' "${D[@]}"
expect 200 "a request's own fuel" '"outcome":"limit","limit":"fuel"'
json POST "/v1/modules/$id/invoke" '{"function":"count","args":[10],"limits":{"fuel":5000}}' "${D[@]}"
expect 200 "enough fuel" '"results":[10]' '"fuel_used":'
json POST "/v1/modules/$id/invoke" '{"function":"count","args":[10],"limits":{"fuel":2000000}}' "${D[@]}"
expect 400 "fuel over dave's cap" '"field":"limits.fuel"'
json POST "/v1/modules/$id/invoke" '{"function":"count","args":[100000]}' "${A[@]}"
expect 200 "no cap for alice" '"results":[100000]'
# bob: one slot, no queue.  A long invocation holds it; the next is 429.
curl -s -o "$tmp/slow" -H 'Content-Type: application/json' "${B[@]}" \
	--data-binary '{"function":"spin","limits":{"timeout_ms":1500}}' \
	"$base/v1/modules/$id/invoke" &
slow=$!
sleep 0.5
json POST "/v1/modules/$id/invoke" '{"function":"add","args":[1,2]}' "${B[@]}"
expect 429 "bob's slot is taken" '"code":"too_many_requests"'
header_has "Retry-After" "429 has Retry-After"
json POST "/v1/modules/$id/invoke" '{"function":"add","args":[1,2]}' "${A[@]}"
expect 200 "alice is not held up by bob" '"results":[3]'
wait "$slow"
grep -q '"outcome":"timeout"' "$tmp/slow" && ok "the long one timed out" ||
	bad "long invocation: $(cat "$tmp/slow")"
json POST "/v1/modules/$id/invoke" '{"function":"add","args":[1,2]}' "${B[@]}"
expect 200 "bob's slot is free again" '"results":[3]'
# alice: 64 at once, none refused.
pids=
for i in $(seq 1 64); do
	curl -s -o "$tmp/par.$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
		"${A[@]}" --data-binary '{"function":"add","args":[1,2]}' \
		"$base/v1/modules/$id/invoke" >"$tmp/par.$i.status" &
	pids="$pids $!"
done
wait $pids
n200=$(cat "$tmp"/par.*.status | grep -c '^200$')
[ "$n200" -eq 64 ] && ok "64 concurrent invocations, all 200" ||
	bad "64 concurrent: only $n200 answered 200"

# ---- /v1/run is keyed by tenant too ------------------------------------------
printf '{"module":"%s","function":"add","args":[1,1]}' "$(b64 "$tmp/calc.wasm")" >"$tmp/run.json"
req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run.json" "${A[@]}"
expect 200 "alice runs" '"results":[2]'
req POST /v1/run -H 'Content-Type: application/json' --data-binary @"$tmp/run.json"
expect 401 "run without a token" '"code":"unauthorized"'

# ---- SIGHUP: a new tenant, and bob's limits -----------------------------------
C=(-H "Authorization: Bearer $carol_tok")
req GET /v1/modules "${C[@]}"
expect 401 "carol is unknown" '"code":"unauthorized"'
write_config ',
    "carol": { "token_sha256": "'"$(digest "$carol_tok")"'" }'
kill -HUP "$daemon_pid"
for i in $(seq 1 50); do
	grep -q 'msg=reloaded tenants=4' "$daemon_log" && break
	sleep 0.1
done
req GET /v1/modules "${C[@]}"
expect 200 "carol after SIGHUP" '{"modules":[]}'
req GET /v1/modules "${A[@]}"
expect 200 "alice after SIGHUP" "\"id\":\"$id\""
echo '{ broken' >"$tmp/config.json"
kill -HUP "$daemon_pid"
for i in $(seq 1 50); do
	grep -q 'reload failed' "$daemon_log" && break
	sleep 0.1
done
grep -q 'reload failed' "$daemon_log" && ok "a broken config is refused" ||
	bad "no 'reload failed' in the log"
req GET /v1/modules "${C[@]}"
expect 200 "the running config stays" '{"modules":[]}'
healthy

# ---- restart keeps every tenant's modules -------------------------------------
stop_daemon
write_config
start_daemon --config "$tmp/config.json" --state-dir "$tmp/state"
req GET /v1/modules "${A[@]}"
expect 200 "alice's modules after a restart" "\"id\":\"$id\"" "\"id\":\"$nid\""
req GET /v1/modules "${B[@]}"
expect 200 "bob's modules after a restart" "\"id\":\"$id\"" "\"id\":\"$wid\""
expect_not "$nid" "bob still sees none of alice's"

# ---- SIGTERM drains: the invocation in flight finishes, then exit 0 --------
curl -s -o "$tmp/drain" -w '%{http_code}' -H 'Content-Type: application/json' \
	"${A[@]}" --data-binary '{"function":"spin","limits":{"timeout_ms":1500}}' \
	"$base/v1/modules/$id/invoke" >"$tmp/drain.status" &
inflight=$!
sleep 0.5
kill -TERM "$daemon_pid"
sleep 0.3
if curl -s -m 2 -o /dev/null "$base/healthz"; then
	bad "a new connection is served while draining"
else
	ok "no new connections while draining"
fi
wait "$inflight"
[ "$(cat "$tmp/drain.status")" = 200 ] && grep -q '"outcome":"timeout"' "$tmp/drain" &&
	ok "the invocation in flight finished during the drain" ||
	bad "in flight: $(cat "$tmp/drain.status") $(cat "$tmp/drain")"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
[ "$rc" -eq 0 ] && ok "drained, exit 0" || bad "drain: exit $rc"

# ---- a drain that times out: 503 for what still runs, still exit 0 ---------
echo '{ "drain_timeout_ms": 200 }' >"$tmp/short.json"
start_daemon --config "$tmp/short.json" --state-dir "$tmp/state1"
req POST /v1/modules -H 'Content-Type: application/wasm' --data-binary @"$tmp/calc.wasm"
curl -s -o "$tmp/drain" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary '{"function":"spin","limits":{"timeout_ms":5000}}' \
	"$base/v1/modules/$id/invoke" >"$tmp/drain.status" &
inflight=$!
sleep 0.5
kill -TERM "$daemon_pid"
wait "$inflight"
[ "$(cat "$tmp/drain.status")" = 503 ] && grep -q '"code":"unavailable"' "$tmp/drain" &&
	ok "past drain_timeout_ms: 503" ||
	bad "past the drain: $(cat "$tmp/drain.status") $(cat "$tmp/drain")"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
[ "$rc" -eq 0 ] && ok "a timed-out drain exits 0" || bad "timed-out drain: exit $rc"
finish
