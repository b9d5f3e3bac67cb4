#!/usr/bin/env bash
# run-kubernetes.sh -- deploy/kubernetes/ validated offline against the
# Kubernetes API schemas (validate.mjs, with npm's kubernetes-models, which
# .ci/setup.sh installs into tests/deploy/node_modules), and the daemon's
# configuration in its Secret accepted by `wasmhostd --check-config`.
. "$(dirname "$0")/../daemon/lib.sh"

NODE=${NODE:-node}
need "$NODE"
here=$top_srcdir/tests/deploy
if [ ! -d "$here/node_modules/kubernetes-models" ] || [ ! -d "$here/node_modules/yaml" ]; then
	[ "${CI:-}" = true ] && { echo "FAIL: tests/deploy/node_modules is missing (.ci/setup.sh installs it)"; exit 1; }
	skip "kubernetes-models is not installed in tests/deploy (run .ci/setup.sh)"
fi
rc=0
"$NODE" "$here/validate.mjs" "$top_srcdir/deploy/kubernetes" "$tmp/wasmhostd.json" \
	>"$tmp/validate.out" 2>&1 || rc=$?
grep -v '^[0-9]* passed, [0-9]* failed$' "$tmp/validate.out"
# Its checks count in this test's total.
read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$tmp/validate.out")
checks=$((checks + ${p:-0} + ${f:-0})) fails=$((fails + ${f:-0}))
[ "$rc" -eq 0 ] || [ "${f:-0}" -gt 0 ] || bad "validate.mjs exited $rc"
if "$top_builddir/wasmhostd" --check-config --config "$tmp/wasmhostd.json" >"$tmp/out" 2>&1; then
	ok "wasmhostd --check-config accepts the Secret's configuration"
else
	bad "the Secret's configuration: $(cat "$tmp/out")"
fi
finish
