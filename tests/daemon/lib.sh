# lib.sh -- helpers for the wasmhostd black-box tests (sourced).
#
# Each test talks to a real daemon on 127.0.0.1 over real sockets with
# curl, as libmicrohttpd's own tests do.  The daemon listens on port 0 and
# the test reads the port it got from its "listening" log line.
#
# Needs: top_builddir, top_srcdir, WAT2WASM (from make check), curl.

set -u

fails=0
checks=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmhostd-test.XXXXXX")
daemon_pid=
daemon_log=
base=

cleanup() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -KILL "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}

# Missing tools skip the test, except in CI, where they must be there.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $1 is missing (CI=true: .ci/setup.sh installs it)"
		exit 1
	fi
	skip "$1 is not installed"
}

ok() { checks=$((checks + 1)); echo "ok - $*"; }
bad() {
	checks=$((checks + 1)); fails=$((fails + 1))
	echo "FAIL - $*"
	[ -f "$tmp/body" ] && echo "   body: $(head -c 600 "$tmp/body")"
}

# wat NAME: builds tests/daemon/fixtures/NAME.wat into $tmp/NAME.wasm
wat() {
	"$WAT2WASM" "$top_srcdir/tests/daemon/fixtures/$1.wat" -o "$tmp/$1.wasm" ||
		{ echo "FAIL: wat2wasm $1"; exit 1; }
}

# start_daemon [ARGS...]: starts wasmhostd on 127.0.0.1:0, sets $base.
start_daemon() {
	daemon_log=$tmp/daemon.$((${daemon_n:-0} + 1)).log
	daemon_n=$((${daemon_n:-0} + 1))
	"$top_builddir/wasmhostd" --listen 127.0.0.1:0 "$@" 2>"$daemon_log" &
	daemon_pid=$!
	local i port=
	for i in $(seq 1 100); do
		port=$(sed -n 's/.*msg=listening addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' \
			"$daemon_log" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		echo "FAIL: the daemon did not start:"
		cat "$daemon_log"
		exit 1
	fi
	base=http://127.0.0.1:$port
}

# stop_daemon: SIGTERM, and its exit status must be 0.
stop_daemon() {
	kill -TERM "$daemon_pid"
	local rc=0
	wait "$daemon_pid" || rc=$?
	daemon_pid=
	if [ "$rc" -eq 0 ]; then ok "SIGTERM: the daemon exits 0"
	else bad "SIGTERM: the daemon exited $rc"; tail -n 20 "$daemon_log"; fi
}

# req METHOD PATH [CURL ARGS...]: sets $status, the body in $tmp/body,
# headers in $tmp/headers.
req() {
	local method=$1 path=$2
	shift 2
	status=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
		-X "$method" "$@" "$base$path") || status=000
}

# json METHOD PATH BODY [CURL ARGS...]
json() {
	local method=$1 path=$2 body=$3
	shift 3
	req "$method" "$path" -H 'Content-Type: application/json' \
		--data-binary "$body" "$@"
}

# expect STATUS [SUBSTRING...]: the last answer's status and body.
expect() {
	local want=$1 what=$2
	shift 2
	if [ "$status" != "$want" ]; then
		bad "$what: status $status, expected $want"
		return
	fi
	local s
	for s in "$@"; do
		if ! grep -qF -- "$s" "$tmp/body"; then
			bad "$what: body lacks $s"
			return
		fi
	done
	ok "$what"
}

# expect_not SUBSTRING WHAT: the last body does not contain SUBSTRING.
expect_not() {
	if grep -qF -- "$1" "$tmp/body"; then bad "$2: body has $1"
	else ok "$2"; fi
}

header_has() {
	if grep -qi -- "$1" "$tmp/headers"; then ok "$2"
	else bad "$2: no header $1"; fi
}

# raw BYTES: sends BYTES (a printf format: \r, \n, \0 and the like) on a
# new connection and reads the answer until the daemon closes it or 3 s
# pass; sets $status (of the first status line), $nstatus (how many status
# lines came), the whole answer in $tmp/body.
raw() {
	local fd
	trap '' PIPE
	exec {fd}<>"/dev/tcp/127.0.0.1/${base##*:}" || { status=000; return; }
	printf "$1" >&$fd 2>/dev/null
	timeout 3 cat <&$fd >"$tmp/body" 2>/dev/null
	exec {fd}>&-
	status=$(sed -n '1s/^HTTP\/1\.[01] \([0-9]*\).*/\1/p' "$tmp/body")
	status=${status:-000}
	nstatus=$(grep -c '^HTTP/1\.[01] [0-9]' "$tmp/body")
}

healthy() {
	req GET /healthz
	expect 200 "${1:-the daemon is healthy}" '"status":"ok"'
}

b64() { base64 -w0 "$@"; }

finish() {
	if [ "$fails" -gt 0 ]; then
		local f
		for f in "$tmp"/daemon.*.log; do
			echo "---- $f (last lines) ----"
			tail -n 40 "$f"
		done
	fi
	echo "$((checks - fails)) passed, $fails failed, 0 skipped"
	[ "$fails" -eq 0 ]
}
