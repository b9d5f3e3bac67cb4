#!/usr/bin/env bash
# run-scale.sh -- three wasmhostd nodes on one shared state folder behind
# nginx with deploy/nginx/wasmhost.conf (its addresses and port replaced by
# the ones this test got): each module answered by one node, modules
# spread over the nodes, a node SIGKILLed under load with no failed
# request, concurrent uploads of one module through different nodes
# leaving one copy, an upload through one node served by another at once,
# a delete seen by all, listings and the quota over the shared store, a
# restart that leaves another node's write in progress alone, per-node
# routes (/nodes/NAME/metrics, instance ids), nginx's errors in JSON.
. "$(dirname "$0")/lib.sh"

need curl
PATH=$PATH:/usr/sbin:/sbin   # where Debian puts nginx, off a user's PATH
need nginx
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
wat calc

WASMHOSTD=$top_builddir/wasmhostd
. "$top_srcdir/tests/daemon/cluster.sh"
state=$tmp/state
nodes=3
quota=40

scale_cleanup() {
	cluster_stop
	cleanup
}
trap scale_cleanup EXIT

cat >"$tmp/config.json" <<EOF
{ "max_connections": 4096, "max_connections_per_ip": 2048,
  "limits": { "modules": $quota, "timeout_ms": 5000 } }
EOF
for i in $(seq 1 $nodes); do node_start "$i" "$state" "$tmp/config.json"; done
nginx_start $nodes
ok "3 nodes and nginx on loopback (nginx at $lb)"

# at URL: sets $base for lib.sh's req.
at() { base=$1; }
node_of() { sed -n 's/^X-Wasmhost-Node: \([^[:space:]]*\).*/\1/Ip' "$tmp/headers"; }

upload() {   # upload N [URL]: a distinct module through nginx or URL
	variant "$tmp/calc.wasm" "$1"
	at "${2:-$lb}"
	req POST /v1/modules -H 'Content-Type: application/wasm' \
		--data-binary @"$tmp/m$1.wasm"
}

# ---- routing: one node per module, modules spread ----------------------------
nmods=12
ids=()
okup=0
for n in $(seq 1 $nmods); do
	upload "$n"
	[ "$status" = 201 ] && okup=$((okup + 1))
	ids+=("$vid")
done
[ "$okup" = "$nmods" ] && ok "$nmods modules uploaded through nginx" ||
	bad "uploads through nginx: $okup of $nmods answered 201"

# invoke_all ROUNDS OUT: every module ROUNDS times through nginx; lines
# "id node status" into OUT.
invoke_all() {
	local r id
	for r in $(seq 1 "$1"); do
		for id in "${ids[@]}"; do
			curl -s -o /dev/null -D - -w 'STATUS %{http_code}\n' \
				-H 'Content-Type: application/json' \
				--data-binary '{"function":"add","args":[2,3]}' \
				"$lb/v1/modules/$id/invoke" |
			awk -v id="$id" 'tolower($1) == "x-wasmhost-node:" { n = $2 }
				$1 == "STATUS" { sub(/\r$/, "", n); print id, (n ? n : "-"), $2 }'
		done
	done >>"$2"
}
invoke_all 5 "$tmp/calls"
total=$(wc -l <"$tmp/calls")
failed=$(awk '$3 != 200' "$tmp/calls" | wc -l)
multi=$(awk '{ print $1, $2 }' "$tmp/calls" | sort -u | awk '{ c[$1]++ }
	END { for (k in c) if (c[k] > 1) m++; print m + 0 }')
spread=$(awk '{ print $2 }' "$tmp/calls" | sort -u | wc -l)
[ "$total" = $((5 * nmods)) ] && [ "$failed" = 0 ] &&
	ok "$total invokes through nginx, all 200" ||
	bad "invokes: $failed of $total failed"
[ "$multi" = 0 ] && ok "each module is answered by one node" ||
	bad "$multi modules were answered by more than one node"
[ "$spread" -ge 2 ] && ok "modules spread over $spread nodes" ||
	bad "every module went to one node"
awk '{ print $2 }' "$tmp/calls" | sort | uniq -c | sed 's/^/   calls per node: /'

# ---- a node SIGKILLed under load: no failed request --------------------------
victim=$(awk 'NR == 1 { print $2 }' "$tmp/calls")
vi=${victim#node}
: >"$tmp/load"
loaders=()
for w in 1 2 3; do invoke_all 8 "$tmp/load" & loaders+=($!); done
sleep 0.5
kill -KILL "${npid[$vi]}"
wait "${npid[$vi]}" 2>/dev/null
npid[$vi]=
wait "${loaders[@]}"
total=$(wc -l <"$tmp/load")
failed=$(awk '$3 != 200' "$tmp/load" | wc -l)
late=$(awk -v v="$victim" '$2 == v' "$tmp/load" | wc -l)
[ "$total" = $((3 * 8 * nmods)) ] && [ "$failed" = 0 ] &&
	ok "$victim SIGKILLed during $total invokes: 0 failed ($late answered by it before)" ||
	{ bad "after SIGKILL of $victim: $failed of $total failed"; awk '$3 != 200' "$tmp/load" | head -5; }
# nginx saw the node die (its log names the port), and retried.
vport=${nport[$vi]}
seen=$(grep -c "127\.0\.0\.1:$vport" "$tmp/nginx/error.log")
[ "$seen" -gt 0 ] && ok "nginx saw $victim fail $seen times and went to the next node" ||
	bad "nginx never saw $victim fail: the kill did not hit the load"
: >"$tmp/after"
invoke_all 2 "$tmp/after"
multi=$(awk '{ print $1, $2 }' "$tmp/after" | sort -u | awk '{ c[$1]++ }
	END { for (k in c) if (c[k] > 1) m++; print m + 0 }')
[ "$(awk '$3 != 200 || $2 == v' v="$victim" "$tmp/after" | wc -l)" = 0 ] && [ "$multi" = 0 ] &&
	ok "without $victim: every module answered, each by one other node" ||
	bad "without $victim: failures or a module split over nodes"
node_start "$vi" "$state" "$tmp/config.json" 2

# ---- the shared store ---------------------------------------------------------
# Uploaded through node A, served by node B at once.
upload 100 "$(node_url 1)"
expect 201 "an upload through node1"
at "$(node_url 2)"
json POST "/v1/modules/$vid/invoke" '{"function":"add","args":[40,2]}'
expect 200 "node2 runs it at once" '"results":[42]'
header_has "X-Wasmhost-Node: node2" "... and node2 answered"
req GET "/v1/modules/$vid"
expect 200 "node2 describes it" "\"id\":\"$vid\""
# A delete through node1 is seen by node2 and node3 at once.
at "$(node_url 1)"
req DELETE "/v1/modules/$vid"
expect 200 "a delete through node1" '"deleted":true'
at "$(node_url 2)"
json POST "/v1/modules/$vid/invoke" '{"function":"add","args":[1,1]}'
expect 404 "node2 sees the delete at once" '"code":"module_not_found"'
at "$(node_url 3)"
req DELETE "/v1/modules/$vid"
expect 404 "node3 sees the delete too" '"code":"module_not_found"'

# Concurrent uploads of the same module through the three nodes: one
# 201, two 409, one stored copy, no temporary file left.
tdir=$state/tenants/default
races=0
for n in $(seq 200 209); do
	variant "$tmp/calc.wasm" "$n"
	racers=()
	for i in 1 2 3; do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/wasm' \
			--data-binary @"$tmp/m$n.wasm" "$(node_url "$i")/v1/modules" \
			>"$tmp/race.$i" &
		racers+=($!)
	done
	wait "${racers[@]}"
	codes=$(cat "$tmp/race.1" "$tmp/race.2" "$tmp/race.3" | sort | tr '\n' ' ')
	files=$(ls "$tdir" | grep -c "^$vid\.")
	if [ "$codes" = "201 409 409 " ] && [ "$files" = 2 ]; then
		races=$((races + 1))
	else
		bad "concurrent uploads of m$n: answers $codes, $files files"
	fi
done
[ "$races" = 10 ] && ok "10 rounds of 3 concurrent uploads of one module: one 201, one copy each"
tmpleft=$(ls -A "$tdir" | grep -c '^\.tmp\.')
[ "$tmpleft" = 0 ] && ok "no temporary file left" || bad "$tmpleft temporary files left"

# Listings over the shared store: every node lists every module.
want=$(ls "$tdir" | grep -c '\.json$')
for i in 1 2 3; do
	at "$(node_url "$i")"
	got=0 cursor=
	for page in $(seq 1 20); do
		req GET "/v1/modules?limit=7${cursor:+&cursor=$cursor}"
		got=$((got + $(grep -o '"id":' "$tmp/body" | wc -l)))
		cursor=$(sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p' "$tmp/body")
		[ -n "$cursor" ] || break
	done
	[ "$got" = "$want" ] && ok "node$i lists all $want modules, 7 a page" ||
		bad "node$i lists $got modules of $want"
done

# The quota counts the shared store: uploads alternate between the nodes
# until one answers 403; the folder then holds exactly the quota.
n=300 st403=
while [ $n -lt $((300 + quota + 5)) ]; do
	upload "$n" "$(node_url $((n % 3 + 1)))"
	[ "$status" = 403 ] && { st403=$n; break; }
	[ "$status" = 201 ] || { bad "quota fill: status $status"; break; }
	n=$((n + 1))
done
have=$(ls "$tdir" | grep -c '\.json$')
[ -n "$st403" ] && [ "$have" = "$quota" ] &&
	ok "the quota ($quota) holds over the shared store (403 from node$((st403 % 3 + 1)))" ||
	bad "quota: $have modules stored, limit $quota"

# A restarting node leaves another node's write in progress alone: a
# temporary file of node1's live process stays, one of a dead writer goes.
host=$(hostname | tr '/@' '__')
dead=$(($(cat /proc/sys/kernel/pid_max) - 1))
while kill -0 "$dead" 2>/dev/null; do dead=$((dead - 1)); done
inflight=".tmp.${ids[0]}.wasm.${npid[1]}.77@$host"
abandoned=".tmp.${ids[0]}.wasm.$dead.78@$host"
printf 'partial' >"$tdir/$inflight"
printf 'partial' >"$tdir/$abandoned"
kill -TERM "${npid[3]}"
wait "${npid[3]}" 2>/dev/null
node_start 3 "$state" "$tmp/config.json" 2
[ -e "$tdir/$inflight" ] && ok "a restart leaves node1's write in progress alone" ||
	bad "a restart removed node1's temporary file"
[ ! -e "$tdir/$abandoned" ] && ok "... and removes a dead writer's" ||
	bad "a dead writer's temporary file stayed"
rm -f "$tdir/$inflight"

# ---- per-node routes and nginx's own answers ---------------------------------
at "$lb"
req GET /nodes/node2/metrics
expect 200 "node2's /metrics through /nodes/node2/" 'wasmhost_node_info{node="node2"} 1'
req GET /nodes/node9/metrics
expect 404 "an unknown node: JSON 404" '"code":"not_found"'
req GET "/v1/instances/node9~0123abcd"
expect 404 "an instance on an unknown node: the daemon's code" '"code":"instance_not_found"'
req GET "/v1/instances/node1~0123abcd"
header_has "X-Wasmhost-Node: node1" "an instance id's node tag routes to its node"
# A persistent instance made through nginx names the node that holds it,
# and its calls through nginx all go there.
req POST "/v1/modules/${ids[0]}/instances"
iid=$(sed -n 's/.*"instance":"\([^"]*\)".*/\1/p' "$tmp/body")
maker=$(node_of)
case $iid in
"$maker~i-"*) ok "an instance made through nginx: $iid, on $maker" ;;
*) bad "instance id '$iid' does not name its node '$maker' (status $status)" ;;
esac
icalls=0
for k in 1 2 3 4 5 6; do
	req POST "/v1/instances/$iid/invoke" -H 'Content-Type: application/json' \
		--data-binary '{"function":"add","args":[2,3]}'
	[ "$status" = 200 ] && [ "$(node_of)" = "$maker" ] && icalls=$((icalls + 1))
done
[ "$icalls" = 6 ] && ok "6 calls on it through nginx, all answered by $maker" ||
	bad "calls on the instance through nginx: $icalls of 6 answered 200 by $maker"
req DELETE "/v1/instances/$iid"
expect 204 "deleted through nginx"
head -c $((17 << 20)) /dev/zero >"$tmp/big"
req POST /v1/modules -H 'Content-Type: application/wasm' --data-binary @"$tmp/big"
expect 413 "a body over 16 MiB: nginx answers JSON 413" '"code":"payload_too_large"'

# Every node drains and exits 0 on SIGTERM (under ASan: no leak, no error).
for i in $(seq 1 $nodes); do
	kill -TERM "${npid[$i]}"
	rc=0
	wait "${npid[$i]}" || rc=$?
	npid[$i]=
	[ "$rc" -eq 0 ] && ok "node$i exits 0 on SIGTERM" ||
		{ bad "node$i exited $rc"; tail -n 20 "$tmp"/daemon.node$i.*.log; }
done

finish
