# cluster.sh -- wasmhostd nodes on one shared state folder behind nginx
# with deploy/nginx/wasmhost.conf (sourced by run-scale.sh and
# loadtest-cluster.sh).  Servers listen on 127.0.0.1 only, on ports found
# at run time, run as the caller's user, under the caller's $tmp.
#
# Needs: $tmp, $WASMHOSTD (the daemon), $top_srcdir.  Sets npid[I],
# nport[I] per node, nginx_pid and lb (nginx's base URL).

declare -a npid nport
nginx_pid=

# cluster_stop: every node and nginx, at once (SIGKILL and SIGTERM).
cluster_stop() {
	local i
	for i in "${!npid[@]}"; do
		[ -z "${npid[$i]}" ] || kill -KILL "${npid[$i]}" 2>/dev/null || true
	done
	[ -z "$nginx_pid" ] || kill -TERM "$nginx_pid" 2>/dev/null || true
	# (Their exit statuses are the signals': no error, under set -e.)
	for i in "${!npid[@]}"; do
		[ -z "${npid[$i]}" ] || wait "${npid[$i]}" 2>/dev/null || true
	done
	[ -z "$nginx_pid" ] || wait "$nginx_pid" 2>/dev/null || true
	npid=() nginx_pid=
	return 0
}

# node_start I STATE CONFIG [RUN]: wasmhostd "nodeI" on the shared folder
# STATE, on 127.0.0.1:0 the first time, on its old port when it restarts
# (RUN > 1).  Exits on failure.
node_start() {
	local i=$1 state=$2 config=$3 run=${4:-1}
	local log=$tmp/daemon.node$i.$run.log port= k listen=127.0.0.1:0
	[ "$run" -gt 1 ] && listen=127.0.0.1:${nport[$i]}
	: >"$log"   # there before the daemon's shell opens it: sed reads it
	"$WASMHOSTD" --config "$config" --listen "$listen" --state-dir "$state" \
		--node-name "node$i" 2>"$log" &
	npid[$i]=$!
	for k in $(seq 1 100); do
		port=$(sed -n 's/.*msg=listening addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
		[ -n "$port" ] && break
		kill -0 "${npid[$i]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "FAIL: node$i did not start"; cat "$log"; exit 1; }
	nport[$i]=$port
}

node_url() { echo "http://127.0.0.1:${nport[$1]}"; }

# nginx_start N: nginx with deploy/nginx/wasmhost.conf in front of nodes
# 1..N (the example's 127.0.0.1:8081..8083 become their ports; nodes past
# N are left out), on a free port (tried until one binds).  Sets lb.
nginx_start() {
	local n=$1 dir=$tmp/nginx try k lport up= user_line= i
	local -a subst=()
	mkdir -p "$dir"
	# As root, nginx's workers would become nobody, who cannot write here.
	[ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);"
	for i in 1 2 3; do
		if [ "$i" -le "$n" ]; then
			subst+=(-e "s/127\.0\.0\.1:808$i/127.0.0.1:${nport[$i]}/")
		else
			subst+=(-e "/127\.0\.0\.1:808$i/d")
		fi
	done
	for try in 1 2 3 4 5 6 7 8; do
		lport=$((20000 + RANDOM % 40000))
		sed -e "s/127\.0\.0\.1:8080/127.0.0.1:$lport/" "${subst[@]}" \
			"$top_srcdir/deploy/nginx/wasmhost.conf" >"$dir/wasmhost.conf"
		cat >"$dir/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes ${NGINX_WORKERS:-1};
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 2048; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/wasmhost.conf;
}
CONF
		: >"$dir/error.log"
		nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
			2>>"$dir/error.log" &
		nginx_pid=$!
		for k in $(seq 1 50); do
			kill -0 "$nginx_pid" 2>/dev/null || break
			curl -s -o /dev/null "http://127.0.0.1:$lport/healthz" &&
				{ up=1; break; }
			sleep 0.1
		done
		[ -n "$up" ] && break
		kill -TERM "$nginx_pid" 2>/dev/null || true
		wait "$nginx_pid" 2>/dev/null || true
		nginx_pid=
		grep -q "in use" "$dir/error.log" || break
	done
	[ -n "$up" ] || { echo "FAIL: nginx did not start:"; cat "$dir/error.log"; exit 1; }
	lb=http://127.0.0.1:$lport
}

# variant CALC N: CALC (a .wasm) plus a custom section naming N, as
# $tmp/mN.wasm (a distinct module); its id in $vid.
variant() {
	{ cat "$1"; printf '\0\6\5%s' "$(printf 'v%04d' "$2")"; } >"$tmp/m$2.wasm"
	vid=$(sha256sum "$tmp/m$2.wasm" | cut -c1-64)
}
