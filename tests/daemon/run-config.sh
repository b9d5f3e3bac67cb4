#!/usr/bin/env bash
# run-config.sh -- the configuration's one definition (the keys' table in
# service/config.c) against its copies: systemd/wasmhostd.json (must be
# `wasmhostd --print-defaults`), the README's "Configuration" table (every
# key, its default and whether SIGHUP applies it) and its "Limits under
# hostile load" table (every key named there, with its default);
# `--print-config` loads back to the same configuration; SIGHUP names the
# keys it could not apply.
. "$(dirname "$0")/lib.sh"

wasmhostd=$top_builddir/wasmhostd
readme=$top_srcdir/README.md
unset STATE_DIRECTORY

"$wasmhostd" --print-keys >"$tmp/keys.tsv" || { bad "--print-keys"; finish; exit; }
nkeys=$(wc -l <"$tmp/keys.tsv")
[ "$nkeys" -ge 30 ] && ok "--print-keys lists $nkeys keys" || bad "--print-keys: $nkeys keys"

# ---- systemd/wasmhostd.json is --print-defaults ------------------------------------
"$wasmhostd" --print-defaults >"$tmp/defaults.json"
if cmp -s "$tmp/defaults.json" "$top_srcdir/systemd/wasmhostd.json"; then
	ok "systemd/wasmhostd.json is wasmhostd --print-defaults"
else
	bad "systemd/wasmhostd.json differs from wasmhostd --print-defaults (regenerate it: ./wasmhostd --print-defaults >systemd/wasmhostd.json)"
	diff "$top_srcdir/systemd/wasmhostd.json" "$tmp/defaults.json" | head -20
fi
"$wasmhostd" --state-dir /x --print-config >"$tmp/eff0.json"
"$wasmhostd" --state-dir /x --config "$top_srcdir/systemd/wasmhostd.json" \
	--print-config >"$tmp/eff1.json"
cmp -s "$tmp/eff0.json" "$tmp/eff1.json" &&
	ok "the default file sets what no file sets" ||
	bad "--config systemd/wasmhostd.json: $(diff "$tmp/eff0.json" "$tmp/eff1.json" | head -5)"

# ---- --help is the table ---------------------------------------------------------
"$wasmhostd" --help >"$tmp/help"
missing=
while IFS=$'\t' read -r key def rl help; do
	grep -qF -- "  $key = $def" "$tmp/help" || missing="$missing $key"
done <"$tmp/keys.tsv"
[ -z "$missing" ] && ok "--help lists every key with its default" ||
	bad "--help lacks:$missing"

# ---- the README's tables -----------------------------------------------------------
# readme_table HEADER: the rows of the table under that header line, one a
# line, cells separated by tabs, without the outer bars.
readme_table() {
	awk -v h="$1" '
		$0 == h { on = 1; next }
		on && /^\|---/ { next }
		on && /^\|/ {
			s = $0; sub(/^\| /, "", s); sub(/ \|$/, "", s)
			gsub(/ \| /, "\t", s); print s; next }
		on { exit }' "$readme"
}
readme_table '| key | default | SIGHUP | what it sets |' >"$tmp/conf.tsv"
readme_table '| limit | default | config key | beyond it |' >"$tmp/limits.tsv"
[ -s "$tmp/conf.tsv" ] && ok "README: the Configuration table is there" ||
	bad "README: no table headed '| key | default | SIGHUP | what it sets |'"
[ -s "$tmp/limits.tsv" ] && ok "README: the hostile-load limits table is there" ||
	bad "README: no table headed '| limit | default | config key | beyond it |'"
# Every key, with its default and reload, once; no row for a key that is not.
problems=$(awk -F'\t' '
	NR == FNR { def[$1] = $2; rl[$1] = $3; next }
	{ k = $1; gsub(/`/, "", k); seen[k]++
	  if (!(k in def)) print "stale row: " k
	  else if ($2 != def[k]) print k ": README says \"" $2 "\", the default is \"" def[k] "\""
	  else if ($3 != rl[k]) print k ": README says " $3 ", the key is " rl[k] }
	END { for (k in def) if (seen[k] != 1) print k ": " (seen[k] + 0) " rows" }' \
	"$tmp/keys.tsv" "$tmp/conf.tsv")
[ -z "$problems" ] && ok "README: the Configuration table matches the keys' table ($(wc -l <"$tmp/conf.tsv") rows)" ||
	bad "README's Configuration table: $problems"
problems=$(awk -F'\t' '
	NR == FNR { def[$1] = $2; next }
	{ k = $3; if (!match(k, /`[^`]*`/)) { print "row without a key: " $1; next }
	  k = substr(k, RSTART + 1, RLENGTH - 2)
	  if (!(k in def)) print "stale key: " k
	  else if ($2 != def[k]) print k ": README says \"" $2 "\", the default is \"" def[k] "\"" }' \
	"$tmp/keys.tsv" "$tmp/limits.tsv")
[ -z "$problems" ] && ok "README: the hostile-load table's keys and defaults match ($(wc -l <"$tmp/limits.tsv") rows)" ||
	bad "README's hostile-load table: $problems"

# ---- --print-config loads back ---------------------------------------------------------
digest=$(printf %s secret-token | sha256sum | cut -c1-64)
cat >"$tmp/c.json" <<JSON
{ "header_timeout_ms": 1234, "log_level": "warn", "http_event_loop": "epoll",
  "workers": { "max": 7, "tier": "baseline", "spare": 0 },
  "limits": { "timeout_ms": 500, "memory_pages": 100 },
  "tenants": { "alice": { "token_sha256": "$digest", "metrics": true,
                          "limits": { "modules": 3 } } } }
JSON
"$wasmhostd" --state-dir /x --config "$tmp/c.json" --print-config >"$tmp/p1.json" &&
	ok "--print-config" || bad "--print-config failed"
for want in '"header_timeout_ms": 1234' '"http_event_loop": "epoll"' '"max": 7' \
	'"tier": "baseline"' '"modules": 3' "\"token_sha256\": \"$digest\"" '"state_dir": "/x"'; do
	grep -qF -- "$want" "$tmp/p1.json" || bad "--print-config lacks $want"
done
ok "--print-config shows the file's values"
"$wasmhostd" --config "$tmp/p1.json" --print-config >"$tmp/p2.json"
cmp -s "$tmp/p1.json" "$tmp/p2.json" && ok "--print-config's output loads back to the same configuration" ||
	bad "round trip: $(diff "$tmp/p1.json" "$tmp/p2.json" | head -5)"

# ---- SIGHUP: keys that wait for a restart are named -----------------------------------
printf '{ "header_timeout_ms": 5000, "limits": { "timeout_ms": 500 } }\n' >"$tmp/h.json"
start_daemon --config "$tmp/h.json" --state-dir "$tmp/state"
printf '{ "header_timeout_ms": 6000, "limits": { "timeout_ms": 700 } }\n' >"$tmp/h.json"
kill -HUP "$daemon_pid"
for i in $(seq 1 30); do grep -q 'msg=reloaded' "$daemon_log" && break; sleep 0.1; done
grep -q 'msg="these keys change only at a restart" keys=header_timeout_ms$' "$daemon_log" &&
	ok "SIGHUP names the restart-only key it kept" ||
	bad "SIGHUP log: $(grep -E 'restart|reload' "$daemon_log")"
grep -q 'msg=reloaded' "$daemon_log" && ok "SIGHUP applied the rest" || bad "no reload"
grep -q 'raised past the ceiling' "$daemon_log" &&
	bad "a reload that raised no limit warned of a ceiling" ||
	ok "limits under the workers' ceilings: no warning"
# limits.memory_pages, limits.output_bytes and limits.upload_bytes reload,
# but the workers took the largest at start as their ceiling.
printf '{ "header_timeout_ms": 5000, "limits": { "timeout_ms": 700, "memory_pages": 20000 } }\n' >"$tmp/h.json"
kill -HUP "$daemon_pid"
for i in $(seq 1 30); do
	[ "$(grep -c 'msg=reloaded' "$daemon_log")" -ge 2 ] && break
	sleep 0.1
done
grep -q 'raised past the ceiling .* keys=limits.memory_pages$' "$daemon_log" &&
	ok "SIGHUP names a limit raised past the workers' ceiling" ||
	bad "SIGHUP log: $(grep -E 'ceiling|reload' "$daemon_log")"
stop_daemon
finish
