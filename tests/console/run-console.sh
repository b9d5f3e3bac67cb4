#!/usr/bin/env bash
# run-console.sh -- the web console (GET /) in headless Chromium, driven by
# puppeteer-core (tests/console/console.test.mjs): once against a daemon
# without tenants, once against one with a tenant's token.  Saves
# screenshots in the build tree (tests/console/console.png).
#
# Needs chromium (Debian's, /usr/bin/chromium or $CHROMIUM), node, and
# puppeteer-core 24 in tests/console/node_modules (.ci/setup.sh installs
# it; $PUPPETEER_DIR overrides).  Missing: SKIP, or FAIL under CI=true.
. "$(dirname "$0")/../daemon/lib.sh"

need curl
[ -n "${WAT2WASM:-}" ] || need wat2wasm
WAT2WASM=${WAT2WASM:-wat2wasm}
NODE=${NODE:-node}
need "$NODE"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
need "$CHROMIUM"
if [ -z "${PUPPETEER_DIR:-}" ]; then
	for d in "$top_srcdir/tests/console" "$top_builddir/tests/console"; do
		if [ -f "$d/node_modules/puppeteer-core/package.json" ]; then
			PUPPETEER_DIR=$d
			break
		fi
	done
fi
if [ -z "${PUPPETEER_DIR:-}" ]; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: puppeteer-core is missing (CI=true: .ci/setup.sh installs it in tests/console/node_modules)"
		exit 1
	fi
	skip "puppeteer-core is not installed (.ci/setup.sh, or npm install --prefix tests/console --ignore-scripts --no-save puppeteer-core@24)"
fi
export CHROMIUM PUPPETEER_DIR

for f in calc wasi_echo start_trap; do wat "$f"; done
# The sandbox tests' counter, for persistent instances: "incr" bumps a
# global and a word of memory, "crash" traps, "spin" never ends.
"$WAT2WASM" "$top_srcdir/tests/sandbox/fixtures/sb_counter.wat" \
	-o "$tmp/counter.wasm" || { echo "FAIL: wat2wasm sb_counter"; exit 1; }
printf 'this is not wasm' >"$tmp/garbage.wasm"
head -c 8192 /dev/zero >"$tmp/big.wasm"
out=$top_builddir/tests/console
mkdir -p "$out"

# browser MODE [TOKEN]: the node script against $base; its lines count.
browser() {
	local rc=0
	"$NODE" "$top_srcdir/tests/console/console.test.mjs" "$1" "$base" \
		"$tmp" "$out" "${2:-}" >"$tmp/node.out" 2>&1 || rc=$?
	cat "$tmp/node.out"
	local p f
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$tmp/node.out")
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$tmp/node.out")
	checks=$((checks + ${p:-0} + ${f:-0}))
	fails=$((fails + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		bad "the browser test ($1) ended with status $rc"
	fi
}

# ---- single-user mode ----------------------------------------------------------
cat >"$tmp/single.json" <<EOF
{ "limits": { "upload_bytes": 4096, "timeout_ms": 5000 } }
EOF
start_daemon --config "$tmp/single.json" --state-dir "$tmp/state1"
browser single
stop_daemon

# ---- a tenant with a token -------------------------------------------------------
tok=console-test-token
cat >"$tmp/tenants.json" <<EOF
{ "limits": { "timeout_ms": 5000, "instance_idle_s": 3 },
  "tenants": { "alice": { "token_sha256": "$(printf %s "$tok" | sha256sum | cut -c1-64)",
                          "metrics": true } } }
EOF
start_daemon --config "$tmp/tenants.json" --state-dir "$tmp/state2"
browser token "$tok"
stop_daemon

finish
