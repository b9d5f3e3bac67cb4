#!/usr/bin/env bash
# loadtest-cluster.sh -- `make loadtest-cluster`, the cluster mode of the
# load test: a trivial invoke spread over several modules under wrk,
# against one node directly, one node behind nginx, and three nodes on one
# shared store behind nginx (deploy/nginx/wasmhost.conf, as
# tests/daemon/run-scale.sh runs it).  Prints requests/s, p50/p99 latency
# and non-200 answers per setup, how the invokes fell on the nodes (from
# each node's /metrics), and nginx's CPU time per request.  On one machine
# the nodes share its cores: see docs/SCALING.md for what the numbers say.
#
# Environment: WASMHOSTD, WAT2WASM, WRK (from make), LOADTEST_CONNS
# (default 64), LOADTEST_SECONDS (default 10), LOADTEST_MODULES (default
# 12), LOADTEST_TIER (workers.tier, default interp), NGINX_WORKERS
# (default 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
WASMHOSTD=${WASMHOSTD:-./wasmhostd}
WAT2WASM=${WAT2WASM:-wat2wasm}
WRK=${WRK:-wrk}
conns=${LOADTEST_CONNS:-64}
secs=${LOADTEST_SECONDS:-10}
nmods=${LOADTEST_MODULES:-12}
tier=${LOADTEST_TIER:-interp}
PATH=$PATH:/usr/sbin:/sbin   # where Debian puts nginx, off a user's PATH
for t in "$WRK" "$WAT2WASM" curl nginx; do
	command -v "$t" >/dev/null || { echo "loadtest-cluster: $t is missing (apt-get install wrk nginx)"; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmhostd-cluster.XXXXXX")
. "$here/cluster.sh"
trap 'cluster_stop; rm -rf "$tmp"' EXIT

"$WAT2WASM" "$here/fixtures/calc.wat" -o "$tmp/calc.wasm"
# Behind a balancer every connection comes from its address.
cat >"$tmp/config.json" <<JSON
{ "max_connections": 4096, "max_connections_per_ip": 2048,
  "workers": { "tier": "$tier" },
  "limits": { "concurrency": 1024, "queue": 4096 } }
JSON
body='{"function":"add","args":[1,2]}'

# setup NAME NODES VIA: NODES fresh nodes on a fresh shared store, nginx in
# front (VIA=nginx) or not (VIA=direct, one node); modules uploaded; the
# wrk script that spreads invokes over them into $tmp/post.lua; $url.
setup() {
	local nodes=$2 via=$3 n ids=()
	rm -rf "$tmp/state" "$tmp/nginx"
	for n in $(seq 1 "$nodes"); do node_start "$n" "$tmp/state" "$tmp/config.json"; done
	url=$(node_url 1)
	if [ "$via" = nginx ]; then
		nginx_start "$nodes"
		url=$lb
	fi
	for n in $(seq 1 "$nmods"); do
		variant "$tmp/calc.wasm" "$n"
		curl -sf -o /dev/null -H 'Content-Type: application/wasm' \
			--data-binary @"$tmp/m$n.wasm" "$url/v1/modules"
		ids+=("\"$vid\"")
	done
	cat >"$tmp/post.lua" <<LUA
local ids = { $(IFS=,; echo "${ids[*]}") }
local i = 0
local headers = { ["Content-Type"] = "application/json" }
request = function()
	i = i + 1
	return wrk.format("POST", "/v1/modules/" .. ids[i % #ids + 1] .. "/invoke",
		headers, '$body')
end
LUA
	# Warm up: every module's workers started before anything is measured.
	"$WRK" -t2 -c"$conns" -d2s -s "$tmp/post.lua" "$url" >/dev/null 2>&1 || true
}

# CPU time (user + system, in clock ticks) of nginx's processes so far.
nginx_ticks() {
	local p t=0
	[ -n "$nginx_pid" ] || { echo 0; return; }
	for p in "$nginx_pid" $(pgrep -P "$nginx_pid" || true); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# measure NAME NODES: one wrk run, one result line, then the invokes per node
# and nginx's CPU time per request (what one balancer core could carry).
measure() {
	local name=$1 nodes=$2 n per=() t0 t1
	t0=$(nginx_ticks)
	"$WRK" -t2 -c"$conns" -d"${secs}s" --latency -s "$tmp/post.lua" \
		"$url" >"$tmp/wrk.out" 2>&1 || true
	t1=$(nginx_ticks)
	# wrk's summary in one pass: "-" for what it did not print.
	local rps p50 p99 non2xx errors
	read -r rps p50 p99 non2xx < <(awk '
		/^Requests\/sec:/ { r = $2 } $1 == "50%" { a = $2 } $1 == "99%" { b = $2 }
		/Non-2xx/ { n = $NF }
		END { print (r ? r : "?"), (a ? a : "?"), (b ? b : "?"), (n ? n : 0) }' "$tmp/wrk.out")
	errors=$(grep 'Socket errors' "$tmp/wrk.out" || true)
	for n in $(seq 1 "$nodes"); do
		per+=("node$n=$(curl -s "$(node_url "$n")/metrics" |
			awk '/^wasmhost_invocations_total\{outcome="ok"\}/ { print $2 }')")
	done
	local cpu=
	if [ "$t1" -gt "$t0" ] && [ "$rps" != "?" ]; then
		cpu="nginx $(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="$rps" -v s="$secs" \
			'BEGIN { printf "%.0f us CPU/request", t / hz * 1e6 / (r * s) }')"
	fi
	printf '%-22s %6s %12s %10s %10s %8s  %s %s %s\n' "$name" "$conns" "$rps" \
		"$p50" "$p99" "$non2xx" "${per[*]}" "$cpu" "$errors"
}

echo "loadtest-cluster: POST $body over $nmods modules, ${secs}s per run," \
	"$(nproc) cores, tier $tier"
printf '%-22s %6s %12s %10s %10s %8s  %s\n' setup conns req/s p50 p99 non-2xx \
	"ok invokes per node (warm-up included)"
setup "1 node, direct" 1 direct
measure "1 node, direct" 1
cluster_stop
setup "1 node, nginx" 1 nginx
measure "1 node, nginx" 1
cluster_stop
setup "3 nodes, nginx" 3 nginx
measure "3 nodes, nginx" 3
