#!/usr/bin/env bash
# run-limits.sh -- wasmhostd under hostile load: the limits of README.md's
# "Limits" table, each driven past its edge on loopback with short
# configured deadlines, and the daemon still serving others afterwards.
. "$(dirname "$0")/lib.sh"

need curl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
wat calc
id=$(sha256sum "$tmp/calc.wasm" | cut -c1-64)
inv=/v1/modules/$id/invoke

# A pool of 2 workers; 3 tenant slots and a long queue, so that calls
# wait both for a slot (tenant queue) and for a worker (module queue).
cat >"$tmp/config.json" <<JSON
{ "workers": { "max_per_module": 2, "spare": 0 },
  "limits": { "concurrency": 3, "queue": 40, "timeout_ms": 5000 } }
JSON
start_daemon --config "$tmp/config.json" --state-dir "$tmp/state"
req POST /v1/modules -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/calc.wasm"
expect 201 "upload"

# ---- queue time counts against the deadline -----------------------------------
# 20 calls of 300 ms that spin, on 2 workers: every one answers `timeout`
# by its deadline (plus a margin for a loaded machine), none a worker's
# turn later.
deadline_s=0.3 margin_s=0.25 pids=
for i in $(seq 1 20); do
	curl -s -o "$tmp/q.$i" -w '%{http_code} %{time_total}\n' \
		-H 'Content-Type: application/json' \
		--data-binary '{"function":"spin","limits":{"timeout_ms":300}}' \
		"$base$inv" >"$tmp/t.$i" &
	pids="$pids $!"
done
wait $pids
late=0 notimeout=0 waited=0 worst=0
for i in $(seq 1 20); do
	read -r code secs <"$tmp/t.$i"
	[ "$code" = 200 ] && grep -qF '"outcome":"timeout"' "$tmp/q.$i" ||
		{ notimeout=$((notimeout + 1)); echo "  call $i: $code $(head -c 200 "$tmp/q.$i")"; }
	grep -qF 'waited for a' "$tmp/q.$i" && waited=$((waited + 1))
	awk -v t="$secs" -v d="$deadline_s" -v m="$margin_s" 'BEGIN { exit !(t > d + m) }' &&
		late=$((late + 1))
	worst=$(awk -v a="$worst" -v b="$secs" 'BEGIN { print (b > a) ? b : a }')
done
[ "$notimeout" = 0 ] && ok "20 spinning calls on 2 workers: all 200 timeout" ||
	bad "$notimeout calls did not answer timeout"
[ "$late" = 0 ] && ok "every answer by its deadline (slowest ${worst}s for 0.3s)" ||
	bad "$late answers later than deadline + ${margin_s}s (slowest ${worst}s)"
[ "$waited" -ge 5 ] && ok "queued calls ended without running ($waited)" ||
	bad "only $waited answers say the call waited"
healthy "healthy after the queue storm"

# ---- a call whose client has gone is not started -------------------------------
# Three calls that spin for 2 s take the 3 slots (2 run, the third waits
# for a worker and its client gives up); ten more wait for a slot and
# their clients give up after 0.3 s.  None of the eleven starts: the slots
# and the workers go to nobody.
hold() {   # hold SECONDS-CLIENT-WAITS
	curl -s -o /dev/null -m "$1" -H 'Content-Type: application/json' \
		--data-binary '{"function":"spin","limits":{"timeout_ms":2000}}' \
		"$base$inv" &
	pids="$pids $!"
}
pids=
hold 5; hold 5; sleep 0.2; hold 0.3; sleep 0.1
for i in $(seq 1 10); do hold 0.3; done
sleep 0.1
req GET /metrics
expect 200 "metrics while calls wait" \
	'wasmhost_tenant_queue_limit{tenant="default"} 40' \
	'wasmhost_tenant_in_flight{tenant="default"} 3'
n=$(awk '$1 == "wasmhost_tenant_queue_depth{tenant=\"default\"}" { print $2 }' "$tmp/body")
[ "${n:-0}" -ge 5 ] && ok "the tenant's queue depth is shown ($n)" ||
	bad "tenant queue depth: ${n:-missing}"
wait $pids
sleep 0.3
req GET /metrics
n=$(awk '$1 == "wasmhost_client_gone_total" { print $2 }' "$tmp/body")
[ "${n:-0}" -ge 11 ] && ok "calls of clients that hung up never started ($n)" ||
	bad "wasmhost_client_gone_total: ${n:-missing}, expected 11"
n=$(grep -c 'outcome=client_gone' "$daemon_log")
[ "$n" -ge 11 ] && ok "access lines say client_gone ($n)" ||
	bad "$n access lines with outcome=client_gone"
spawned=$(awk '$1 == "wasmhost_invocations_total{outcome=\"timeout\"}" { print $2 }' "$tmp/body")
[ "${spawned:-0}" -le 22 ] && ok "no abandoned call ran to its timeout (timeouts: $spawned)" ||
	bad "timeouts: $spawned"
healthy "healthy after the hang-ups"

stop_daemon
finish
