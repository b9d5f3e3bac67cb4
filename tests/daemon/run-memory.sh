#!/usr/bin/env bash
# run-memory.sh -- an idle worker gives its memory back.  After each kind
# of call (ok, trap, timeout, fuel limit, memory grown and touched then
# each of those, deep recursion to a stack overflow, large stdin and
# stdout, large WASI files, a persistent instance's deep call once the
# instance ends), in each tier, the resident memory of the module's idle
# worker comes back near what it was after a warm-up call.
# Paths that kept memory before: the engine's cached value and frame
# stacks (10 MiB after a stack overflow), malloc's moving thresholds (15
# to 50 MiB after a 12 MiB stdin or file), the worker's send buffer (the
# largest RESULT it ever sent).
. "$(dirname "$0")/lib.sh"

# AddressSanitizer keeps freed memory in its quarantine (256 MiB): there
# resident memory says nothing about what the worker gives back.
grep -qa __asan_init "$top_builddir/wasmhostd" &&
	skip "a sanitizer build: ASan's quarantine holds freed memory"
need curl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
wat hog
wat wasi_echo
hog=$(sha256sum "$tmp/hog.wasm" | cut -c1-64)
echo_id=$(sha256sum "$tmp/wasi_echo.wasm" | cut -c1-64)
# What the idle workers may keep beyond their warm size: the engine keeps
# 256 KiB of a memory and of each stack hot for the next call, malloc
# keeps up to its trim threshold (512 KiB), and code compiled on the way.
slack_kb=${MEMORY_SLACK_KB:-2048}
mib=$((1 << 20))
# 12 MiB of stdin and of a file: above every malloc threshold.
head -c $((12 * mib)) /dev/zero | tr '\0' 'x' >"$tmp/big.txt"
printf '{"stdin":"%s"}' "$(cat "$tmp/big.txt")" >"$tmp/stdin.json"
printf '{"stdin":"a","files":{"/data/in.txt":"%s"}}' "$(cat "$tmp/big.txt")" >"$tmp/files.json"

# worker_kb ID: the resident kB of the worker that serves module ID (the
# one of its kind: one worker per module, no spares).
worker_rss() {
	local zy w sum=0
	for zy in $(cat /proc/"$daemon_pid"/task/*/children 2>/dev/null); do
		for w in $(cat /proc/"$zy"/task/*/children 2>/dev/null); do
			sum=$((sum + $(awk '$1 == "VmRSS:" { print $2 }' /proc/"$w"/status 2>/dev/null || echo 0)))
		done
	done
	echo "$sum"
}

# call NAME EXPECT MODULE BODY: one call, its outcome checked, then the
# workers' resident memory against the base.
call() {
	local name=$1 want=$2 mod=$3 body=$4
	json POST "/v1/modules/$mod/invoke" "$body"
	if [ "$status" != 200 ] || ! grep -qF -- "$want" "$tmp/body"; then
		bad "$tier: $name: status $status, expected $want"
		return
	fi
	# The worker frees the call's store after it answers: give it 3 s.
	local rss i
	for i in $(seq 1 30); do
		rss=$(worker_rss)
		[ "$rss" -le $((base_kb + slack_kb)) ] && break
		sleep 0.1
	done
	if [ "$rss" -le $((base_kb + slack_kb)) ]; then
		ok "$tier: after $name the idle workers hold $rss kB (warm: $base_kb kB)"
	else
		bad "$tier: after $name the idle workers hold $rss kB, warm $base_kb kB"
	fi
}

# The deadline is generous: the calls that grow memory touch 200 MiB of
# fresh pages, which took over 5 s once in CI (page faults ~100 us each
# while the host reclaimed memory), and the fuel case must end by fuel.
for tier in interp baseline auto opt; do
	cat >"$tmp/config.json" <<JSON
{ "workers": { "max_per_module": 1, "spare": 0, "tier": "$tier", "tier_threshold": 2,
               "fuel_metering": true },
  "limits": { "body_bytes": 67108864, "output_bytes": 33554432, "timeout_ms": 30000 } }
JSON
	rm -rf "$tmp/state"
	start_daemon --config "$tmp/config.json" --state-dir "$tmp/state"
	req POST /v1/modules -H 'Content-Type: application/wasm' --data-binary @"$tmp/hog.wasm"
	req POST /v1/modules -H 'Content-Type: application/wasm' --data-binary @"$tmp/wasi_echo.wasm"
	# Warm: each export called, code compiled (threshold 2), a WASI run.
	for i in 1 2 3; do
		json POST "/v1/modules/$hog/invoke" '{"function":"add","args":[1,2]}'
		json POST "/v1/modules/$hog/invoke" '{"function":"fill","args":[1]}'
		json POST "/v1/modules/$hog/invoke" '{"function":"deep","args":[100]}'
		json POST "/v1/modules/$echo_id/invoke" '{"stdin":"hello"}'
	done
	sleep 0.1
	base_kb=$(worker_rss)
	call "an ok call" '"results":[3]' "$hog" '{"function":"add","args":[1,2]}'
	call "memory grown by 200 MiB and touched" '"results":[3201]' "$hog" '{"function":"fill","args":[3200]}'
	call "memory grown, then a trap" '"outcome":"trap"' "$hog" '{"function":"fill_trap","args":[3200]}'
	call "memory grown, then the deadline" '"outcome":"timeout"' "$hog" '{"function":"fill_spin","args":[3200],"limits":{"timeout_ms":300}}'
	call "memory grown, then out of fuel" '"limit":"fuel"' "$hog" '{"function":"fill_spin","args":[3200],"limits":{"fuel":50000000}}'
	call "memory.grow past the cap" '"results":[-1]' "$hog" '{"function":"fill","args":[3200],"limits":{"memory_pages":100}}'
	call "deep recursion" '"outcome":"ok"' "$hog" '{"function":"deep","args":[20000]}'
	call "a stack overflow" '"stack_overflow"' "$hog" '{"function":"deep","args":[10000000]}'
	call "12 MiB of stdin and stdout" '"outcome":"exit"' "$echo_id" "@$tmp/stdin.json"
	call "a 12 MiB WASI file" '"outcome":"exit"' "$echo_id" "@$tmp/files.json"
	call "an ok call at the end" '"results":[3]' "$hog" '{"function":"add","args":[1,2]}'
	# A persistent instance's worker goes back to the pool when the
	# instance ends: without what a deep call of the instance left in
	# its stacks.  The base then counts that worker too, warm.
	req POST "/v1/modules/$hog/instances"
	iid=$(sed -n 's/.*"instance":"\([^"]*i-[0-9a-f]*\)".*/\1/p' "$tmp/body")
	[ "$status" = 201 ] && [ -n "$iid" ] || bad "$tier: instance: status $status"
	for i in 1 2 3; do
		json POST "/v1/instances/$iid/invoke" '{"function":"deep","args":[100]}'
	done
	sleep 0.1
	base_kb=$(worker_rss)
	json POST "/v1/instances/$iid/invoke" '{"function":"deep","args":[10000000]}'
	grep -qF '"stack_overflow"' "$tmp/body" ||
		bad "$tier: the instance's stack overflow: $(head -c 200 "$tmp/body")"
	req DELETE "/v1/instances/$iid"
	call "a persistent instance's stack overflow, then its end" \
		'"results":[3]' "$hog" '{"function":"add","args":[1,2]}'
	stop_daemon
done
finish
