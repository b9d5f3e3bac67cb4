# loadtest-hostile.sh -- the hostile mix of `make loadtest`, sourced by
# loadtest.sh once its daemon serves (tenants alice and mallory) and alice's
# module is warm: see loadtest.sh for what it reports.
set +e +o pipefail   # counted and checked below, not fatal
daemon=${pids[0]}
asecs=${LOADTEST_ATTACK_SECONDS:-15}
rounds=${LOADTEST_ROUNDS:-3}
aconns=${LOADTEST_ATTACK_CONNS:-16}
base=http://127.0.0.1:$port
mauth=(-H "Authorization: Bearer $mallory_tok")
command -v "$NODE" >/dev/null || { echo "loadtest: the hostile mix needs node"; exit 1; }

# ---- what the daemon holds ---------------------------------------------------------
descendants() {   # the zygote and the workers
	local p c
	for p in $(cat /proc/"$daemon"/task/*/children 2>/dev/null); do
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do echo "$c"; done
	done
}
holdings() {   # "RSS_KB FDS PROCESSES"
	echo "$(awk '$1 == "VmRSS:" { print $2 }' /proc/"$daemon"/status)" \
		"$(ls /proc/"$daemon"/fd | wc -l)" "$(( $(descendants | wc -l) + 1 ))"
}

# ---- modules that must not be lost ------------------------------------------------------
# calc.wasm with a custom section naming it: 20 more modules of alice's.
ids=("$id")
for i in $(seq -w 1 20); do
	{ cat "$tmp/calc.wasm"; printf '\000\004\003v%s' "$i"; } >"$tmp/calc$i.wasm"
	curl -sf -o /dev/null "${auth[@]}" -H 'Content-Type: application/wasm' \
		--data-binary @"$tmp/calc$i.wasm" "$base/v1/modules" ||
		{ echo "loadtest: upload of calc$i failed"; exit 1; }
	ids+=("$(sha256sum "$tmp/calc$i.wasm" | cut -c1-64)")
done
"$WAT2WASM" "$here/fixtures/hostile.wat" -o "$tmp/hostile.wasm"
hostile=$(sha256sum "$tmp/hostile.wasm" | cut -c1-64)
curl -sf -o /dev/null "${mauth[@]}" -H 'Content-Type: application/wasm' \
	--data-binary @"$tmp/hostile.wasm" "$base/v1/modules"
# mallory's workers are started, so that the ones to spare are known.
curl -s -o /dev/null "${mauth[@]}" -H 'Content-Type: application/json' \
	--data-binary '{"function":"spin","limits":{"timeout_ms":50}}' \
	"$base/v1/modules/$hostile/invoke"

# alice's workers (and the spares) are never killed by the attacker.
zygote=$(cat /proc/"$daemon"/task/*/children | tr ' ' '\n' | grep . | head -n 1)
protect=$(cat /proc/"$zygote"/task/*/children | tr ' \n' ',,')
read -r rss0 fds0 procs0 < <(holdings)

# ms TEXT: wrk's latency ("850.00us", "3.21ms", "1.02s") in ms.
ms() {
	awk -v t="$1" 'BEGIN {
		if (t ~ /us$/) { sub(/us$/, "", t); print t / 1000 }
		else if (t ~ /ms$/) { sub(/ms$/, "", t); print t + 0 }
		else if (t ~ /s$/) { sub(/s$/, "", t); print t * 1000 }
		else print "nan" }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# one NAME: a wrk run of alice's invoke; appends "rps p99_ms" to $tmp/NAME.
one() {
	local name=$1
	"$WRK" -t2 -c"$aconns" -d"${asecs}s" --latency -s "$tmp/post.lua" "$url" \
		>"$tmp/wrk.out" 2>&1 || true
	local rps p50 p99 non2xx
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
	p50=$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$tmp/wrk.out")
	printf '%-14s %12s %10s %10s %8s\n' "$name" "${rps:-?}" "${p50:-?}" \
		"${p99:-?}" "${non2xx:-0}"
	echo "${rps:-0} $(ms "${p99:-?}")" >>"$tmp/$name"
}

echo
echo "hostile mix: alice's POST $body with wrk -c$aconns for ${asecs}s, alone and beside"
echo "attack.mjs (tenant mallory, 127.0.0.2-9; ${LOADTEST_ATTACK:-defaults: SLOW=200 STALL=20 GARBAGE=50 HANGUP=50 TRAPS=2 SPIN=2 CRASH=2}),"
echo "$rounds rounds interleaved, $(nproc) cores, wasmhostd tier $tier"
printf '%-14s %12s %10s %10s %8s\n' run req/s p50 p99 non-2xx
: >"$tmp/quiet"; : >"$tmp/attack"
for r in $(seq 1 "$rounds"); do
	one quiet
	# shellcheck disable=SC2086
	"$NODE" "$here/attack.mjs" "$port" "$mallory_tok" "$hostile" "$asecs" \
		PROTECT="$protect" ZYGOTE="$zygote" ${LOADTEST_ATTACK:-} \
		>"$tmp/attack.$r.json" 2>"$tmp/attack.$r.err" &
	apid=$!
	one attack
	wait "$apid" || echo "attack.mjs failed: $(head -c 300 "$tmp/attack.$r.err")"
	echo "  attack $r: $(cat "$tmp/attack.$r.json")"
done

q_rps=$(awk '{ print $1 }' "$tmp/quiet" | median)
q_p99=$(awk '{ print $2 }' "$tmp/quiet" | median)
a_rps=$(awk '{ print $1 }' "$tmp/attack" | median)
a_p99=$(awk '{ print $2 }' "$tmp/attack" | median)
kept=$(awk -v a="$a_rps" -v q="$q_rps" 'BEGIN { printf "%.0f", (q > 0 ? 100 * a / q : 0) }')
goal=met
awk -v k="$kept" -v p="$a_p99" 'BEGIN { exit !(k >= 50 && p < 50) }' || goal=missed
echo "medians: alone $q_rps req/s p99 $q_p99 ms; under attack $a_rps req/s ($kept% kept) p99 $a_p99 ms"
echo "goal (at least 50% kept, p99 under 50 ms under attack): $goal"

# ---- after: flat holdings, no module lost --------------------------------------------------
sleep 3   # cut connections closed, killed workers replaced
read -r rss1 fds1 procs1 < <(holdings)
echo "daemon at the start: RSS $((rss0 / 1024)) MiB, $fds0 fds, $procs0 processes;" \
	"at the end: RSS $((rss1 / 1024)) MiB, $fds1 fds, $procs1 processes"
listed=$(curl -s "${auth[@]}" "$base/v1/modules?limit=1000" | tr ',' '\n' |
	grep -c '"id":')
answered=0
for m in "${ids[@]}"; do
	curl -s "${auth[@]}" -H 'Content-Type: application/json' --data-binary "$body" \
		"$base/v1/modules/$m/invoke" | grep -qF '"results":[3]' &&
		answered=$((answered + 1))
done
lost=$(( ${#ids[@]} - answered ))
echo "modules: ${#ids[@]} uploaded by alice, $listed listed, $answered answered: $lost lost"
rc=0
[ "$lost" = 0 ] && [ "$listed" -ge "${#ids[@]}" ] || rc=1
# Workers come and go (spares, killed ones replaced): a few either way.
[ "$fds1" -le $((fds0 + 8)) ] || { echo "the daemon's fds grew"; rc=1; }
[ "$procs1" -le $((procs0 + 4)) ] || { echo "the daemon's processes grew"; rc=1; }
exit "$rc"
