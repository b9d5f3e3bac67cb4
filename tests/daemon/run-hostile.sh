#!/usr/bin/env bash
# run-hostile.sh -- hostile modules through wasmhostd, in every tier
# (workers.tier interp, baseline, opt, auto), under the workers' real
# filter: long work inside one call ends with outcome timeout by its
# deadline, never with the sandbox's kill.
#   - memory.fill and memory.copy over 3 GiB (memory grown to 49,152
#     pages, within limits.memory_pages 65536): bulk operations check the
#     deadline in chunks;
#   - the first call of a module of 999,000 functions: instantiation and
#     the JIT's compile of the whole module (seconds; its 139 MB of code do
#     not fit the 64 MiB code region) check it too.
. "$(dirname "$0")/lib.sh"

need curl
need perl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
"$WAT2WASM" "$top_srcdir/tests/sandbox/fixtures/sb_bulk.wat" -o "$tmp/bulk.wasm" ||
	{ echo "FAIL: wat2wasm sb_bulk"; exit 1; }
perl "$top_srcdir/tests/sandbox/gen-manyfuncs.pl" 999000 >"$tmp/many.wasm" ||
	{ echo "FAIL: gen-manyfuncs.pl"; exit 1; }
bulk=$(sha256sum "$tmp/bulk.wasm" | cut -c1-64)
many=$(sha256sum "$tmp/many.wasm" | cut -c1-64)

# timed_call WHAT ID BODY MAX_S: the call answers 200 timeout within MAX_S
timed_call() {
	local what=$1 id=$2 body=$3 max_s=$4 secs
	secs=$(curl -s -o "$tmp/body" -w '%{time_total}' \
		-H 'Content-Type: application/json' --data-binary "$body" \
		"$base/v1/modules/$id/invoke")
	if ! grep -qF '"outcome":"timeout"' "$tmp/body"; then
		bad "$what: not a timeout"
	elif awk -v t="$secs" -v m="$max_s" 'BEGIN { exit !(t > m) }'; then
		bad "$what: answered after ${secs}s (at most ${max_s}s)"
	else
		ok "$what: timeout in ${secs}s"
	fi
}

for tier in interp baseline opt auto; do
	cat >"$tmp/config.json" <<JSON
{ "workers": { "tier": "$tier", "nice": 0 },
  "limits": { "memory_pages": 65536 } }
JSON
	rm -rf "$tmp/state"
	start_daemon --config "$tmp/config.json" --state-dir "$tmp/state"
	req POST /v1/modules -H 'Content-Type: application/wasm' \
		--data-binary @"$tmp/bulk.wasm"
	expect 201 "$tier: upload the bulk module"
	for f in fill copy; do
		timed_call "$tier: memory.$f of 3 GiB" "$bulk" \
			"{\"function\":\"$f\",\"args\":[49151],\"limits\":{\"timeout_ms\":100}}" 1.5
	done
	req POST /v1/modules -H 'Content-Type: application/wasm' \
		--data-binary @"$tmp/many.wasm"
	# Its load (baseline, opt: every body pre-decoded) takes about a
	# second; on a starved machine more than the 10 s load limit, and
	# then the answer must name that limit.
	if [ "$status" = 400 ] && grep -qF 'took longer than the limit of' "$tmp/body"; then
		ok "$tier: 999,000 functions refused: over the load time limit"
	else
		expect 201 "$tier: upload 999,000 functions" '"id"'
		timed_call "$tier: 999,000 functions" "$many" \
			'{"function":"spin","limits":{"timeout_ms":500}}' 3
	fi
	grep -q 'outcome=killed' "$daemon_log" &&
		bad "$tier: a worker was killed" || ok "$tier: no worker killed"
	healthy "$tier: healthy afterwards"
	stop_daemon
done
finish
