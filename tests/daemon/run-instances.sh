#!/usr/bin/env bash
# run-instances.sh -- persistent instances over HTTP: state that lives
# between calls while module invokes start fresh, two instances apart,
# calls in order, a trap (kept), a timeout and a killed worker (410),
# delete (204, then 404), the tenant's limits (count, memory), idle expiry,
# another tenant's id (404), bad bodies, /metrics, no instance after a
# restart, and pinned workers under the cap on all workers' memory.
. "$(dirname "$0")/lib.sh"

need curl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
# The sandbox tests' counter: "incr" bumps a global and a word of memory.
"$WAT2WASM" "$top_srcdir/tests/sandbox/fixtures/sb_counter.wat" \
	-o "$tmp/counter.wasm" || { echo "FAIL: wat2wasm sb_counter"; exit 1; }
"$WAT2WASM" "$top_srcdir/tests/sandbox/fixtures/sb_init.wat" \
	-o "$tmp/init.wasm" || { echo "FAIL: wat2wasm sb_init"; exit 1; }
wat wasi_echo
wat calc
cid=$(sha256sum "$tmp/counter.wasm" | cut -c1-64)
nid=$(sha256sum "$tmp/init.wasm" | cut -c1-64)
wid=$(sha256sum "$tmp/wasi_echo.wasm" | cut -c1-64)

alice_tok=alice-instances-token
bob_tok=bob-instances-token
carol_tok=carol-instances-token
digest() { printf %s "$1" | sha256sum | cut -c1-64; }
cat >"$tmp/config.json" <<EOF
{
  "state_dir": "$tmp/state",
  "workers": { "spare": 0, "max": 16 },
  "limits": { "timeout_ms": 5000 },
  "tenants": {
    "alice": { "token_sha256": "$(digest "$alice_tok")", "metrics": true,
               "limits": { "instances": 3 } },
    "bob": { "token_sha256": "$(digest "$bob_tok")" },
    "carol": { "token_sha256": "$(digest "$carol_tok")",
               "limits": { "instance_idle_s": 1,
                           "instance_memory_pages": 4 } }
  }
}
EOF
A=(-H "Authorization: Bearer $alice_tok")
B=(-H "Authorization: Bearer $bob_tok")
C=(-H "Authorization: Bearer $carol_tok")
start_daemon --config "$tmp/config.json" --node-name inst-1

upload() {   # upload FILE TOKEN-ARGS...
	local f=$1
	shift
	req POST /v1/modules "$@" -H 'Content-Type: application/wasm' \
		--data-binary @"$f"
}
upload "$tmp/counter.wasm" "${A[@]}"
expect 201 "alice uploads the counter"
upload "$tmp/counter.wasm" "${C[@]}"
expect 201 "carol uploads the counter"

# create TOKEN-ARGS... [-d BODY]: sets $iid
create() {
	req POST "/v1/modules/$cid/instances" "$@"
	iid=$(sed -n 's/.*"instance":"\([^"]*~i-[0-9a-f]*\)".*/\1/p' "$tmp/body")
}
icall() {   # icall IID BODY TOKEN-ARGS...
	local i=$1 body=$2
	shift 2
	json POST "/v1/instances/$i/invoke" "$body" "$@"
}

# ---- state lives between calls; module invokes start fresh -------------------
create "${A[@]}"
# the id names the node, for a balancer (docs/SCALING.md): NODE~i-HEX
expect 201 "POST /v1/modules/{id}/instances: 201" '"instance":"inst-1~i-' \
	'"module":"'"$cid"'"' '"calls":0' '"state":"live"'
header_has "Location: /v1/instances/$iid" "the answer names the instance"
ia=$iid
create "${A[@]}" -H 'Content-Type: application/json' -d '{}'
expect 201 "a second instance (empty JSON body)"
ib=$iid
[ "$ia" != "$ib" ] && ok "two instances, two ids" || bad "the same id twice"

for i in $(seq 1 50); do
	icall "$ia" '{"function":"incr"}' "${A[@]}"
	[ "$status" = 200 ] || break
done
expect 200 "50 calls on one instance" '"outcome":"ok"' '"results":[50]' \
	'"instantiate_us":0'
icall "$ia" '{"function":"mem"}' "${A[@]}"
expect 200 "its memory kept the count too" '"results":[50]'
icall "$ib" '{"function":"incr"}' "${A[@]}"
expect 200 "the other instance counts on its own" '"results":[1]'
for i in 1 2 3; do
	json POST "/v1/modules/$cid/invoke" '{"function":"incr"}' "${A[@]}"
	expect 200 "module invoke $i starts fresh" '"results":[1]' \
		'"instantiate_us":'
done

# ---- order: many calls at once on one instance run one after the other -----
pids=()
for i in $(seq 1 20); do
	curl -s -m 20 -o "$tmp/par.$i" -X POST "${A[@]}" \
		-H 'Content-Type: application/json' \
		--data-binary '{"function":"incr"}' \
		"$base/v1/instances/$ib/invoke" &
	pids+=($!)
done
wait "${pids[@]}"   # not the daemon
sort_out=$(cat "$tmp"/par.* | sed -n 's/.*"results":\[\([0-9]*\)\].*/\1/p' |
	sort -n | tr '\n' ' ')
if [ "$sort_out" = "$(seq 2 21 | tr '\n' ' ')" ]; then
	ok "20 concurrent calls each saw their own count (2..21)"
else
	bad "20 concurrent calls: $sort_out"
fi

# ---- listing ------------------------------------------------------------------
req GET /v1/instances "${A[@]}"
expect 200 "GET /v1/instances lists both" "\"instance\":\"$ia\"" \
	"\"instance\":\"$ib\"" '"calls":51' '"memory_bytes":65536' \
	'"last_used":"' '"created":"'
req GET "/v1/instances/$ia" "${A[@]}"
expect 200 "GET /v1/instances/{iid}" "\"instance\":\"$ia\"" '"calls":51'

# ---- a trap keeps it -------------------------------------------------------------
icall "$ia" '{"function":"crash"}' "${A[@]}"
expect 200 "a trap is an outcome" '"outcome":"trap"' '"kind":"unreachable"'
icall "$ia" '{"function":"incr"}' "${A[@]}"
expect 200 "after a trap the instance goes on" '"results":[51]'

# ---- other tenants see nothing -------------------------------------------------
req GET "/v1/instances/$ia" "${B[@]}"
expect 404 "bob: GET of alice's instance is 404" '"instance_not_found"'
icall "$ia" '{"function":"incr"}' "${B[@]}"
expect 404 "bob: invoke of alice's instance is 404" '"instance_not_found"'
req DELETE "/v1/instances/$ia" "${B[@]}"
expect 404 "bob: DELETE of alice's instance is 404"
req GET /v1/instances "${B[@]}"
expect 200 "bob's list is empty" '{"instances":[]}'
icall "$ia" '{"function":"incr"}' "${A[@]}"
expect 200 "alice's instance was untouched" '"results":[52]'
req GET "/v1/instances/i-zz" "${A[@]}"
expect 404 "a malformed id is 404" '"instance_not_found"'

# ---- bad bodies ---------------------------------------------------------------------
req POST "/v1/modules/$cid/instances" "${A[@]}" \
	-H 'Content-Type: application/json' -d '{"function":"incr"}'
expect 400 "create takes no function" '"bad_request"' 'function'
req POST "/v1/modules/$cid/instances" "${A[@]}" \
	-H 'Content-Type: application/json' -d '{"argv":["x"]}'
expect 400 "create: argv for a module without WASI" '"bad_call"'
icall "$ia" '{"args":[]}' "${A[@]}"
expect 400 "invoke needs a function" '"field":"function"'
icall "$ia" '{"function":"incr","env":{"A":"b"}}' "${A[@]}"
expect 400 "invoke takes no WASI members" "unknown member 'env'"
icall "$ia" '{"function":"nope"}' "${A[@]}"
expect 400 "invoke of an unknown export" '"bad_call"'
req POST "/v1/modules/$(printf '0%.0s' $(seq 64))/instances" "${A[@]}"
expect 404 "create for an unknown module" '"module_not_found"'

# ---- a timeout ends it: 410 ------------------------------------------------------
icall "$ib" '{"function":"spin","limits":{"timeout_ms":1000}}' "${A[@]}"
# (1 s: long enough that on a loaded machine the call runs before its
# deadline; one that expired waiting never ran, and leaves the instance.)
expect 200 "a call past its deadline" '"outcome":"timeout"'
expect_not 'waited for a' "  ... it ran (did not expire waiting)"
icall "$ib" '{"function":"incr"}' "${A[@]}"
expect 410 "after a timeout: 410" '"instance_gone"' 'timeout'
req GET "/v1/instances/$ib" "${A[@]}"
expect 200 "GET says why" '"state":"gone"' 'timeout'

# ---- limits: instances per tenant (ended ones do not count) -----------------------
create "${A[@]}"
expect 201 "a second live instance"
ic=$iid
create "${A[@]}"
expect 201 "a third live instance"
id3=$iid
create "${A[@]}"
expect 403 "a fourth: limits.instances" '"quota_exceeded"' 'limits.instances'

# ---- delete ------------------------------------------------------------------------
req DELETE "/v1/instances/$id3" "${A[@]}"
expect 204 "DELETE /v1/instances/{iid}: 204"
req GET "/v1/instances/$id3" "${A[@]}"
expect 404 "then GET is 404" '"instance_not_found"'
icall "$id3" '{"function":"incr"}' "${A[@]}"
expect 404 "then invoke is 404"
req DELETE "/v1/instances/$id3" "${A[@]}"
expect 404 "a second DELETE is 404"
create "${A[@]}"
expect 201 "after a delete there is room again"

# ---- a killed worker: 410 ------------------------------------------------------------
# The instance's worker is the one process that is new among the zygote's
# children since before the module was uploaded: spare workers are off.
req DELETE "/v1/instances/$ic" "${A[@]}"
expect 204 "room for one more"
zygote=$(pgrep -P "$daemon_pid" | head -n 1)
before=$(pgrep -P "$zygote" | sort)
upload "$tmp/wasi_echo.wasm" "${A[@]}"
expect 201 "alice uploads a WASI module"
req POST "/v1/modules/$wid/instances" "${A[@]}" \
	-H 'Content-Type: application/json' \
	-d '{"argv":["echo","kept"],"env":{"K":"v"}}'
expect 201 "an instance of a WASI module with argv and env"
iw=$(sed -n 's/.*"instance":"\([^"]*~i-[0-9a-f]*\)".*/\1/p' "$tmp/body")
json POST "/v1/instances/$iw/invoke" '{"function":"_start"}' "${A[@]}"
expect 200 "its WASI setup is the one it was made with" '"outcome":"exit"' \
	'"exit_code":2' 'kept' 'K=v'
after=$(pgrep -P "$zygote" | sort)
wpid=$(comm -13 <(echo "$before") <(echo "$after") | head -n 1)
if [ -n "$wpid" ] && kill -KILL "$wpid"; then
	ok "killed the instance's worker ($wpid)"
	for i in $(seq 1 50); do
		req GET "/v1/instances/$iw" "${A[@]}"
		grep -q '"state":"gone"' "$tmp/body" && break
		sleep 0.1
	done
	json POST "/v1/instances/$iw/invoke" '{"function":"_start"}' "${A[@]}"
	expect 410 "after its worker died: 410" '"instance_gone"' 'SIGKILL'
else
	bad "no worker found for the instance (zygote $zygote)"
fi

# ---- memory: limits.instance_memory_pages, idle expiry (carol) --------------------
create "${C[@]}"
expect 201 "carol: an instance (1 page of her 4)"
icm=$iid
icall "$icm" '{"function":"grow","args":[2]}' "${C[@]}"
expect 200 "growing to 3 pages" '"results":[1]' '"memory_pages":3'
icall "$icm" '{"function":"grow","args":[5]}' "${C[@]}"
expect 200 "growing past her instance memory fails in wasm" '"results":[-1]'
create "${C[@]}"
expect 201 "a second instance in the last page"
icall "$icm" '{"function":"grow","args":[1]}' "${C[@]}"
expect 200 "the first cannot grow into the second's page" '"results":[-1]'
create "${C[@]}"
expect 403 "no memory left for a third" '"quota_exceeded"' \
	'instance_memory_pages'
sleep 2.5
req GET "/v1/instances/$icm" "${C[@]}"
expect 404 "idle past instance_idle_s (1 s): dropped" '"instance_not_found"'
req GET /v1/instances "${C[@]}"
expect 200 "carol's list is empty again" '{"instances":[]}'

# ---- metrics -------------------------------------------------------------------------
# ended: the timeout, and the worker killed between calls (no request saw it)
req GET /metrics "${A[@]}"
expect 200 "/metrics counts instances" 'wasmhost_instances ' \
	'wasmhost_instance_events_total{event="created"} 8' \
	'wasmhost_instance_events_total{event="deleted"} 2' \
	'wasmhost_instance_events_total{event="expired"} 2' \
	'wasmhost_instance_events_total{event="ended"} 2' \
	'wasmhost_instance_memory_bytes' \
	'route="/v1/instances/{iid}/invoke",status="410"'
# Idle workers pinned to instances are their own state, not the pool's
# idle: one per instance made and not yet deleted, expired or ended.
held=$(awk '$1 == "wasmhost_workers{state=\"instance\"}" { print $2 }' "$tmp/body")
[ "$held" = $((8 - 2 - 2 - 2)) ] &&
	ok "workers held by instances: $held, one per live instance" ||
	bad "workers held by instances: '$held', not 2"

# ---- a module initialised by an export (?init=), snapshot after it ---------------
req POST "/v1/modules?init=nope" "${B[@]}" -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/calc.wasm"
expect 400 "init must name an export [] -> []" '"field":"init"' 'nope'
req POST "/v1/modules?init=init" "${B[@]}" -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/init.wasm"
expect 201 "upload with ?init=init" '"init":"init"'
for i in 1 2 3; do
	json POST "/v1/modules/$nid/invoke" '{"function":"get"}' "${B[@]}"
	expect 200 "invoke $i sees init's work once" '"results":[101]'
	json POST "/v1/modules/$nid/invoke" '{"function":"bump"}' "${B[@]}"
done
req POST "/v1/modules/$nid/instances" "${B[@]}"
ib2=$(sed -n 's/.*"instance":"\([^"]*~i-[0-9a-f]*\)".*/\1/p' "$tmp/body")
icall "$ib2" '{"function":"get"}' "${B[@]}"
expect 200 "a persistent instance is initialised too" '"results":[101]'

# ---- not durable: a restart forgets them ----------------------------------------------
req GET "/v1/instances/$ia" "${A[@]}"
expect 200 "before the restart it is there"
stop_daemon
start_daemon --config "$tmp/config.json" --node-name inst-1
req GET "/v1/instances/$ia" "${A[@]}"
expect 404 "after a restart the instance is gone (not durable)"
req GET "/v1/modules/$cid" "${A[@]}"
expect 200 "the module is still stored"
json POST "/v1/modules/$nid/invoke" '{"function":"get"}' "${B[@]}"
expect 200 "its init export is kept across the restart" '"results":[101]' 
stop_daemon

# ---- pinned workers and the cap on all workers' memory ----------------------------
# A call is charged its memory cap (400 pages: 25 MiB), its output caps (1
# MiB each), its request and 8 MiB: about 35 MiB, so a cap of 64 MiB holds
# one call at a time.  An instance between its calls is charged what it
# holds: its pages and 8 MiB.
cat >"$tmp/config-mem.json" <<EOF
{ "state_dir": "$tmp/state-mem",
  "workers": { "spare": 0, "max_memory_bytes": 67108864 },
  "limits": { "memory_pages": 400, "timeout_ms": 5000 } }
EOF
start_daemon --config "$tmp/config-mem.json"
metric() {   # metric NAME: its value in the last /metrics
	curl -s "$base/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
charged() { metric 'wasmhost_worker_memory_bytes{of="charged"}'; }
upload "$tmp/counter.wasm"
expect 201 "upload under the memory cap"
create
expect 201 "an instance under the memory cap"
im=$iid
held=$(sed -n 's/.*"memory_bytes":\([0-9]*\).*/\1/p' "$tmp/body")
[ "$(charged)" = $(((8 << 20) + ${held:-0})) ] &&
	ok "an idle instance's worker is charged its pages and 8 MiB ($(charged))" ||
	bad "charged with one idle instance: $(charged) (it holds ${held:-?})"
curl -s -o "$tmp/spin" -H 'Content-Type: application/json' \
	--data-binary '{"function":"spin","limits":{"timeout_ms":1000}}' \
	"$base/v1/modules/$cid/invoke" &
ps=$!
sleep 0.3
icall "$im" '{"function":"incr","limits":{"timeout_ms":300}}'
expect 200 "an instance's call waits for memory like any call" \
	'"outcome":"timeout"' 'for memory'
[ "$(metric 'wasmhost_instance_events_total{event="ended"}')" = 0 ] &&
	ok "a call that timed out waiting did not end the instance (metrics)" ||
	bad "ended after a wait: $(metric 'wasmhost_instance_events_total{event="ended"}')"
wait $ps
icall "$im" '{"function":"incr"}'
expect 200 "then it runs, and the instance is as it was" '"results":[1]'
req DELETE "/v1/instances/$im"
expect 204 "delete the instance"
[ "$(charged)" = 0 ] && ok "its charge is given back" ||
	bad "charged after the delete: $(charged)"
stop_daemon
finish
