#!/usr/bin/env bash
# loadtest.sh -- `make loadtest`: a trivial invoke of a warm module under
# wrk at several concurrency levels, against wasmhostd and, in the same
# session, against the peer (tests/daemon/peer.mjs: node's http server
# instantiating the module per request in-process).  Prints requests/s and
# p50/p99 latency per level, and counts non-200 answers (there must be
# none).
#
# Then the hostile mix: the same trivial invoke (tenant alice, from
# 127.0.0.1) under wrk, alternately alone and beside tests/daemon/attack.mjs
# (tenant mallory, from 127.0.0.2-9: slow headers, stalled bodies, garbage
# bytes, clients that hang up, calls that trap after taking 64 MiB, calls
# that spin to their deadline, workers killed mid-call), LOADTEST_ROUNDS
# times each, interleaved.  It reports each run, the medians, the share of
# throughput kept and the p99 under attack against the goal (at least half
# the throughput, p99 under 50 ms), the daemon's RSS, fds and processes at
# the start and the end, and that every module alice uploaded is still
# listed and answers.  Exit status 1 if a module was lost or the daemon's
# fds or processes grew.
#
# Environment: WASMHOSTD, WAT2WASM, NODE, WRK (from make), LOADTEST_CONNS
# (default "1 16 64 256"; "" skips the levels), LOADTEST_SECONDS (default
# 10), LOADTEST_TIER (workers.tier, default interp), LOADTEST_THREADS
# (daemon HTTP threads, default one per core), LOADTEST_WORKERS
# (workers.max_per_module), LOADTEST_HOSTILE (default 1; 0 skips the
# hostile mix), LOADTEST_ATTACK_SECONDS (default 15), LOADTEST_ROUNDS
# (default 3), LOADTEST_ATTACK_CONNS (wrk's connections, default 16),
# LOADTEST_ATTACK (attack.mjs options, e.g. "SLOW=100 SPIN=1").
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
WASMHOSTD=${WASMHOSTD:-./wasmhostd}
WAT2WASM=${WAT2WASM:-wat2wasm}
NODE=${NODE:-node}
WRK=${WRK:-wrk}
conns=${LOADTEST_CONNS-1 16 64 256}
secs=${LOADTEST_SECONDS:-10}
tier=${LOADTEST_TIER:-interp}
for t in "$WRK" "$WAT2WASM" curl; do
	command -v "$t" >/dev/null || { echo "loadtest: $t is missing (apt-get install wrk)"; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmhostd-load.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

"$WAT2WASM" "$here/fixtures/calc.wat" -o "$tmp/calc.wasm"
id=$(sha256sum "$tmp/calc.wasm" | cut -c1-64)
per_module=
[ -z "${LOADTEST_WORKERS:-}" ] || per_module=", \"max_per_module\": $LOADTEST_WORKERS"
alice_tok=loadtest-alice-$$ mallory_tok=loadtest-mallory-$$
digest() { printf %s "$1" | sha256sum | cut -c1-64; }
cat >"$tmp/config.json" <<JSON
{ "log_level": "warn", "threads": ${LOADTEST_THREADS:-0},
  "workers": { "tier": "$tier"$per_module },
  "tenants": {
    "alice": { "token_sha256": "$(digest "$alice_tok")",
               "limits": { "concurrency": 1024, "queue": 4096 } },
    "mallory": { "token_sha256": "$(digest "$mallory_tok")" } } }
JSON
auth=(-H "Authorization: Bearer $alice_tok")
"$WASMHOSTD" --config "$tmp/config.json" --listen 127.0.0.1:0 \
	--state-dir "$tmp/state" --log-level info 2>"$tmp/daemon.log" &
pids+=($!)
port=
for i in $(seq 1 100); do
	port=$(sed -n 's/.*msg=listening addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/daemon.log")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/daemon.log"; exit 1; }
curl -sf -o /dev/null -H 'Content-Type: application/wasm' "${auth[@]}" \
	--data-binary @"$tmp/calc.wasm" "http://127.0.0.1:$port/v1/modules"

peer_port=
if command -v "$NODE" >/dev/null; then
	"$NODE" "$here/peer.mjs" "$tmp/calc.wasm" 0 >"$tmp/peer.log" 2>&1 &
	pids+=($!)
	for i in $(seq 1 100); do
		peer_port=$(sed -n 's/^listening \([0-9]*\)/\1/p' "$tmp/peer.log")
		[ -n "$peer_port" ] && break
		sleep 0.1
	done
fi

body='{"function":"add","args":[1,2]}'
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $alice_tok"
LUA

# run NAME URL CONNS: one wrk run, one result line.
run() {
	local name=$1 url=$2 c=$3 threads=$3
	[ "$threads" -gt 2 ] && threads=2
	"$WRK" -t"$threads" -c"$c" -d"${secs}s" --latency -s "$tmp/post.lua" \
		"$url" >"$tmp/wrk.out" 2>&1 || true
	local rps p50 p99 non2xx errors
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
	p50=$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$tmp/wrk.out")
	errors=$(awk '/Socket errors/ { print $0 }' "$tmp/wrk.out")
	printf '%-10s %6s %12s %10s %10s %8s  %s\n' "$name" "$c" "${rps:-?}" \
		"${p50:-?}" "${p99:-?}" "${non2xx:-0}" "$errors"
}

# Warm up: workers started and code compiled before anything is measured.
url=http://127.0.0.1:$port/v1/modules/$id/invoke
curl -sf -H 'Content-Type: application/json' "${auth[@]}" --data-binary "$body" "$url" >/dev/null
"$WRK" -t2 -c64 -d2s -s "$tmp/post.lua" "$url" >/dev/null 2>&1 || true

if [ -n "$conns" ]; then
	echo "loadtest: POST $body, ${secs}s per run, $(nproc) cores, wasmhostd tier $tier"
	printf '%-10s %6s %12s %10s %10s %8s\n' target conns req/s p50 p99 non-2xx
	for c in $conns; do
		run wasmhostd "$url" "$c"
		[ -n "$peer_port" ] && run node-peer "http://127.0.0.1:$peer_port/" "$c"
	done
	echo "wasmhostd: $(curl -s "${auth[@]}" "http://127.0.0.1:$port/metrics" | awk '/^wasmhost_workers\{state="live"\}/ { print $2 }') workers live at the end"
fi
[ "${LOADTEST_HOSTILE:-1}" = 1 ] || exit 0
. "$here/loadtest-hostile.sh"
