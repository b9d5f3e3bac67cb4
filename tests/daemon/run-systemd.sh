#!/usr/bin/env bash
# run-systemd.sh -- the systemd side of wasmhostd: `systemd-analyze verify`
# of the units (a copy whose ExecStart is the built binary), the hardening
# they must and must not have, the default configuration, socket
# activation (systemd-socket-activate) and the sd_notify messages.
. "$(dirname "$0")/lib.sh"

need systemd-analyze
need curl
sd=$top_srcdir/systemd
wasmhostd=$top_builddir/wasmhostd

# ---- the units ---------------------------------------------------------------
sed -e "s|@bindir@/wasmhostd|$wasmhostd|" \
    -e "s|@sysconfdir@/wasmhost/wasmhostd.json|$sd/wasmhostd.json|" \
    "$sd/wasmhostd.service.in" >"$tmp/wasmhostd.service"
cp "$sd/wasmhostd.socket" "$tmp/"
if (cd "$tmp" && systemd-analyze verify --man=no wasmhostd.service \
	wasmhostd.socket) >"$tmp/verify" 2>&1; then
	ok "systemd-analyze verify"
else
	bad "systemd-analyze verify: $(cat "$tmp/verify")"
fi
for d in Type=notify DynamicUser=yes StateDirectory=wasmhostd \
	ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' MemoryMax= \
	KillMode=mixed 'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -q "^$d" "$tmp/wasmhostd.service" && ok "service has $d" ||
		bad "service lacks $d"
done
for d in MemoryDenyWriteExecute RestrictNamespaces SystemCallFilter; do
	grep -q "^$d=" "$tmp/wasmhostd.service" &&
		bad "service sets $d (it breaks the JIT or the sandbox)" ||
		ok "service leaves $d unset"
done
grep -q '^ListenStream=127.0.0.1:8080' "$tmp/wasmhostd.socket" &&
	ok "socket on loopback" || bad "socket address"
"$wasmhostd" --check-config --config "$sd/wasmhostd.json" >"$tmp/out" 2>&1 &&
	ok "the default configuration is valid" ||
	bad "default configuration: $(cat "$tmp/out")"

# ---- socket activation ---------------------------------------------------------
if command -v systemd-socket-activate >/dev/null 2>&1; then
	port=
	for try in 1 2 3 4 5; do
		p=$((20000 + RANDOM % 30000))
		systemd-socket-activate -l "127.0.0.1:$p" "$wasmhostd" \
			--state-dir "$tmp/state" 2>"$tmp/sa.log" &
		daemon_pid=$!
		sleep 0.3
		if kill -0 "$daemon_pid" 2>/dev/null; then port=$p; break; fi
		wait "$daemon_pid" 2>/dev/null
	done
	if [ -n "$port" ]; then
		base=http://127.0.0.1:$port
		healthy "served on the socket systemd passed"
		grep -q "msg=listening addr=127.0.0.1:$port" "$tmp/sa.log" &&
			ok "logs the passed address" || bad "log: $(cat "$tmp/sa.log")"
		kill -TERM "$daemon_pid"
		wait "$daemon_pid" && ok "exits 0 on SIGTERM" || bad "exit status"
		daemon_pid=
	else
		bad "systemd-socket-activate: $(cat "$tmp/sa.log")"
	fi
	# A public socket with tenants: a SIGHUP to a configuration without
	# any (single-user mode, no token) is refused, whatever its listen
	# string says, and tokens stay required.
	printf '{"tenants":{"a":{"token_sha256":"%s"}}}' \
		"$(printf %s tok | sha256sum | cut -c1-64)" >"$tmp/sa-t.json"
	port=
	for try in 1 2 3 4 5; do
		p=$((20000 + RANDOM % 30000))
		systemd-socket-activate -l "0.0.0.0:$p" "$wasmhostd" \
			--config "$tmp/sa-t.json" --state-dir "$tmp/state3" \
			2>"$tmp/sa2.log" &
		daemon_pid=$!
		sleep 0.3
		if kill -0 "$daemon_pid" 2>/dev/null; then port=$p; break; fi
		wait "$daemon_pid" 2>/dev/null
	done
	if [ -n "$port" ]; then
		base=http://127.0.0.1:$port
		req GET /v1/modules
		[ "$status" = 401 ] && ok "public socket: a token is needed" ||
			bad "public socket without a token: $status"
		echo '{}' >"$tmp/sa-t.json"
		kill -HUP "$daemon_pid"
		for i in $(seq 1 50); do
			grep -q 'reload refused' "$tmp/sa2.log" && break; sleep 0.1
		done
		grep -q 'reload refused.*non-loopback' "$tmp/sa2.log" &&
			ok "public socket: a reload to single-user mode is refused" ||
			bad "reload: $(cat "$tmp/sa2.log")"
		req GET /v1/modules
		[ "$status" = 401 ] && ok "public socket: still a token after SIGHUP" ||
			bad "public socket after SIGHUP: $status"
		kill -TERM "$daemon_pid"
		wait "$daemon_pid" || true
		daemon_pid=
	else
		bad "systemd-socket-activate 0.0.0.0: $(cat "$tmp/sa2.log")"
	fi
elif [ "${CI:-}" = true ]; then
	bad "systemd-socket-activate is missing (CI=true: .ci/setup.sh installs systemd)"
else
	echo "# systemd-socket-activate missing: socket activation not tested"
fi

# ---- sd_notify ---------------------------------------------------------------
sock=$tmp/notify.sock
"$top_builddir/tests/daemon/notify-listen" "$sock" >"$tmp/notes" &
listener=$!
for i in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$sock start_daemon --state-dir "$tmp/state2"
for i in $(seq 1 50); do grep -q READY=1 "$tmp/notes" && break; sleep 0.1; done
grep -q 'READY=1 STATUS=serving on 127.0.0.1' "$tmp/notes" &&
	ok "READY=1 once serving" || bad "no READY=1: $(cat "$tmp/notes")"
kill -HUP "$daemon_pid"
for i in $(seq 1 50); do grep -q RELOADING=1 "$tmp/notes" && break; sleep 0.1; done
grep -q 'RELOADING=1' "$tmp/notes" && ok "RELOADING=1 on SIGHUP" ||
	bad "no RELOADING=1"
stop_daemon
wait "$listener"
grep -q 'STOPPING=1' "$tmp/notes" && ok "STOPPING=1 on SIGTERM" ||
	bad "no STOPPING=1: $(cat "$tmp/notes")"
finish
