#!/bin/bash
# run-http.sh -- wasmhostd at the HTTP level, over raw sockets: the front
# door answers every malformed request head with the API's JSON error and
# one access line, drops bytes that are not HTTP at once, holds slow heads
# no longer than header_timeout_ms, and hands well-formed ones (kept-alive
# connections too) to libmicrohttpd.
#
# Needs: bash (/dev/tcp), curl, perl.
. "$top_srcdir/tests/daemon/lib.sh"
need curl
need perl

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

# refused WANT_STATUS CODE WHAT BYTES: one raw request, answered once by
# the front door: the status, a JSON error with CODE, one status line,
# the node's name, Connection: close.
expected=()
refused() {
	local want=$1 code=$2 what=$3
	raw "$4"
	expected+=("$want")
	if [ "$status" != "$want" ]; then
		bad "$what: status $status, expected $want"
	elif [ "$nstatus" != 1 ]; then
		bad "$what: $nstatus status lines"
	elif ! grep -qF "\"code\":\"$code\"" "$tmp/body"; then
		bad "$what: no JSON error $code"
	elif ! grep -qi '^Content-Type: application/json' "$tmp/body"; then
		bad "$what: not application/json"
	elif grep -qi '<html' "$tmp/body"; then
		bad "$what: an HTML body"
	elif ! grep -qi '^X-Wasmhost-Node: .' "$tmp/body"; then
		bad "$what: no X-Wasmhost-Node header"
	else
		ok "$what: $want $code"
	fi
}

# access_statuses FROM_LINE: the statuses of the access lines after it.
access_statuses() {
	tail -n +$(($1 + 1)) "$daemon_log" |
		sed -n 's/.*msg=access .* status=\([0-9]*\) .*/\1/p' | tr '\n' ' '
}

# ---- refusals: JSON, one status line, one access line each ---------------
start_daemon --state-dir "$tmp/state"
port=${base##*:}
healthy
sleep 0.2
log0=$(wc -l <"$daemon_log")
long=$(head -c 20000 /dev/zero | tr '\0' a)
refused 400 bad_request "Content-Length not a number" \
	'POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'
refused 413 payload_too_large "Content-Length past 2^64 (one answer)" \
	'POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n'
refused 505 http_version_not_supported "HTTP/2.0 request line" \
	'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n'
refused 400 bad_request "a request line without a version" \
	'GET /healthz\r\n\r\n'
refused 400 bad_request "a method that is not a token" \
	'G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
refused 400 bad_request "a header line without a colon" \
	'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'
refused 400 bad_request "a folded header line" \
	'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\r\n  c\r\n\r\n'
refused 400 bad_request "a control byte in a header value" \
	'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\001c\r\n\r\n'
refused 414 uri_too_long "a request line past max_header_bytes" \
	"GET /$long HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
refused 431 headers_too_large "headers past max_header_bytes" \
	"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nX-Big: $long\\r\\n\\r\\n"
refused 401 unauthorized "a lone NUL after the token" \
	'GET /v1/modules HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\0\r\n\r\n'
refused 401 unauthorized "a NUL and more after the token" \
	'GET /v1/modules HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\0junk\r\n\r\n'
refused 400 bad_request "a NUL in the console's path" \
	'GET /\0x HTTP/1.1\r\nHost: x\r\n\r\n'
refused 501 not_implemented "Transfer-Encoding gzip" \
	'POST /v1/modules HTTP/1.1\r\nHost: x\r\nContent-Type: application/wasm\r\nTransfer-Encoding: gzip\r\n\r\n'
raw 'HEAD /healthz HTTP/2.0\r\nHost: x\r\n\r\n'
expected+=(505)
[ "$status" = 505 ] && ! grep -qF '"error"' "$tmp/body" &&
	ok "HEAD refused: 505 without a body" || bad "HEAD refused: $status"
sleep 0.3   # access lines are written out every 100 ms
got=$(access_statuses "$log0")
want="${expected[*]} "
[ "$got" = "$want" ] && ok "one access line per refusal, with its status" ||
	bad "access statuses: '$got', expected '$want'"
grep -q 'msg=access .*status=414 outcome=uri_too_long' "$daemon_log" &&
	ok "the access line names the refusal" || bad "no outcome=uri_too_long"

# A head that arrives a few bytes at a time is read on from where the
# last piece ended, and served.
exec {fd}<>"/dev/tcp/127.0.0.1/$port"
for piece in 'GET /hea' 'lthz HTT' 'P/1.1\r\nHo' 'st: x\r\n' 'Connection: close\r\n' '\r\n'; do
	printf "$piece" >&$fd
	sleep 0.05
done
timeout 3 cat <&$fd >"$tmp/body" 2>/dev/null
exec {fd}>&-
grep -q '^HTTP/1.1 200' "$tmp/body" && ok "a head in six pieces: served" ||
	bad "head in pieces: '$(head -c 200 "$tmp/body")'"

# ---- bytes that are not HTTP: dropped at once ------------------------------
for what in tls binary newlines; do
	case $what in
	tls) bytes='\026\003\001\002\000\001\000\001\374\003\003' ;;
	binary) bytes='\001\002\003\004garbage' ;;
	newlines) bytes=$(printf '\\r\\n%.0s' $(seq 1 200)) ;;
	esac
	t0=$(ms_now)
	raw "$bytes"
	t=$(( $(ms_now) - t0 ))
	[ "$t" -lt 1500 ] && [ ! -s "$tmp/body" ] &&
		ok "$what: closed at once, no answer (${t} ms)" ||
		bad "$what: closed after ${t} ms, answer '$(head -c 80 "$tmp/body")'"
done

# ---- after the head: libmicrohttpd's own answers get their real status -----
log1=$(wc -l <"$daemon_log")
raw 'POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n'
[ "$status" = 400 ] && ok "a malformed chunked body: 400" ||
	bad "malformed chunked body: $status"
sleep 0.3
got=$(access_statuses "$log1")
[ "$got" = "400 " ] && ok "its access line says 400" ||
	bad "access line statuses for the chunked body: '$got'"

# ---- keep-alive: later requests of a connection ----------------------------
n0=$(grep -c 'msg=access' "$daemon_log")
curl -s -v -o /dev/null "$base/healthz" -o /dev/null "$base/healthz" \
	-o /dev/null "$base/v1/modules" 2>"$tmp/curl.err"
n=$(grep -c 'Re-using existing connection' "$tmp/curl.err")
[ "$n" = 2 ] && ok "keep-alive: three requests on one connection" ||
	bad "keep-alive: reused $n times"
# Pipelined: both answered, in order, on one connection.
raw 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
[ "$nstatus" = 2 ] && grep -q '^HTTP/1.1 404' "$tmp/body" &&
	ok "two pipelined requests answered" || bad "pipelined: $nstatus answers"
# A later request is checked by the same rules (routes.c's strict_check).
raw 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /\0x HTTP/1.1\r\nHost: x\r\n\r\n'
[ "$nstatus" = 2 ] && grep -q '^HTTP/1.1 400' "$tmp/body" &&
	grep -qF 'a NUL byte in the request line' "$tmp/body" &&
	ok "a later request with a NUL in the path: 400 JSON" ||
	bad "later request with a NUL: $(head -c 300 "$tmp/body")"
raw 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'
grep -qF 'more than one Content-Length' "$tmp/body" &&
	ok "a later request with two Content-Lengths: 400" ||
	bad "later request, two Content-Lengths: $(head -c 300 "$tmp/body")"
sleep 0.3
n=$(( $(grep -c 'msg=access' "$daemon_log") - n0 ))
[ "$n" = 9 ] && ok "one access line per kept-alive request (9)" ||
	bad "access lines for 9 kept-alive requests: $n"

# ---- metrics count every status the daemon sends ---------------------------
req GET /metrics
expect 200 "metrics count the front door's statuses" \
	'status="414"' 'status="431"' 'status="505"' 'status="501"' 'status="401"' \
	'wasmhost_connections_dropped_total{reason="not_http"} 3'
stop_daemon

# ---- slow heads: a few hundred, a short deadline, /healthz still quick -----
cat >"$tmp/config.json" <<JSON
{ "max_connections": 600, "max_connections_per_ip": 400,
  "header_timeout_ms": 1500 }
JSON
start_daemon --config "$tmp/config.json" --state-dir "$tmp/state"
port=${base##*:}
trap '' PIPE
slow=()
for i in $(seq 1 300); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || break
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&$fd 2>/dev/null
	slow+=("$fd")
done
worst=0
for i in 1 2 3 4 5; do
	t0=$(ms_now)
	req GET /healthz --interface 127.0.0.2
	t=$(( $(ms_now) - t0 ))
	[ "$t" -gt "$worst" ] && worst=$t
	[ "$status" = 200 ] || break
done
[ "$status" = 200 ] && [ "$worst" -lt 1000 ] &&
	ok "/healthz answers beside ${#slow[@]} slow heads (slowest ${worst} ms)" ||
	bad "/healthz beside slow heads: $status after ${worst} ms"
# The first slow head is answered 408 by its deadline (1.5 s from accept).
timeout 5 cat <&${slow[0]} >"$tmp/body" 2>/dev/null
grep -q '^HTTP/1.1 408' "$tmp/body" && grep -qF '"code":"request_timeout"' "$tmp/body" &&
	ok "a slow head gets 408 JSON at its deadline" ||
	bad "slow head: '$(head -c 200 "$tmp/body")'"
sleep 1.6   # the last one's deadline too
for fd in "${slow[@]}"; do exec {fd}>&-; done
sleep 0.5
req GET /metrics
n=$(awk '$1 == "wasmhost_http_connections" { print $2 }' "$tmp/body")
[ "${n:-999}" -le 2 ] && ok "the slow heads are gone ($n open)" ||
	bad "open connections after the deadline: ${n:-?}"
grep -q "wasmhost_http_requests_total{route=\"/healthz\",status=\"408\"} ${#slow[@]}$" "$tmp/body" &&
	ok "${#slow[@]} slow heads counted as 408 on /healthz" ||
	bad "408s: $(grep 'status="408"' "$tmp/body")"
healthy "healthy after the slow heads"
stop_daemon
# ---- out of descriptors: accepting pauses, no spin, then serves again ------
# The daemon gets 48 descriptors; 60 connections exhaust them.
old_nofile=$(ulimit -Sn)
ulimit -Sn 48
start_daemon --state-dir "$tmp/state"
ulimit -Sn "$old_nofile"
port=${base##*:}
many=()
for i in $(seq 1 60); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || break
	many+=("$fd")
done
sleep 0.5
cpu0=$(awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat")
sleep 2
cpu1=$(awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat")
ticks=$((cpu1 - cpu0))
grep -q 'msg="cannot accept: Too many open files"' "$daemon_log" &&
	ok "out of descriptors: logged" || bad "out of descriptors: no log line"
# 100 ticks a second: a spinning accept loop uses up to 200 (54 was seen
# on a loaded 2-core box); an idle daemon 0 to 2.
[ "$ticks" -lt 20 ] && ok "out of descriptors: no spin ($ticks ticks in 2 s)" ||
	bad "out of descriptors: $ticks CPU ticks in 2 s"
for fd in "${many[@]}"; do exec {fd}>&-; done
sleep 0.5
healthy "served again once descriptors are free"
stop_daemon

finish
