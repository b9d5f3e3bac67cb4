#!/usr/bin/env bash
# setup.sh -- install the Debian 12 packages that building and testing
# wasmhost need.  Does nothing when they are all installed already; otherwise
# runs apt-get (through sudo when not root).  Then puppeteer-core (npm, for
# the console's browser test) into tests/console/node_modules, unless a 24.x
# is there already, and kubernetes-models and yaml (npm, for the manifests'
# validation) into tests/deploy/node_modules, unless they are there.
#
#   .ci/setup.sh          install what is missing
#   .ci/setup.sh --list   print the package list and exit
set -euo pipefail

packages=(
	# build
	build-essential autoconf automake libtool pkg-config
	# libraries: tests (Check), JSON, HTTP daemon, seccomp sandbox
	check libsubunit-dev libjansson-dev libmicrohttpd-dev libseccomp-dev
	# wat2wasm/wast2json for fixtures and the spec suite; node (V8) for
	# cross-checks and benchmarks
	wabt nodejs
	# wasm-opt -ttf makes the random modules of the tiers' differential
	# test (tests/diff/run-diff.sh)
	binaryen
	# clang for wasm32 (benchmarks, test programs) and for libFuzzer
	clang lld wasi-libc libclang-rt-14-dev-wasm32 libclang-rt-14-dev
	# bench/run-micro.sh records the commit it measured
	git
	# daemon tests: curl drives wasmhostd; systemd-analyze verifies its units
	# and systemd-socket-activate tests socket activation
	curl systemd
	# tests/daemon/run-scale.sh: three daemons behind nginx with
	# deploy/nginx/wasmhost.conf
	nginx
	# test scripts: perl (run-sandbox-cli.sh sends SIGINT through it), awk
	perl-base mawk
	# the web console's browser test (tests/console/run-console.sh):
	# headless Chromium, and fonts for its screenshot
	chromium fonts-dejavu-core
)

if [ "${1:-}" = --list ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done
# puppeteer-core 24 (runs on node 20 and 18) drives Debian's chromium:
# installed with its scripts off, so nothing downloads a browser.  Node
# from NodeSource has npm inside; Debian's nodejs needs its npm package.
puppeteer() {
	local dir=tests/console
	local have
	have=$(sed -n 's/^  "version": "\([0-9]*\)\..*/\1/p' \
		"$dir/node_modules/puppeteer-core/package.json" 2>/dev/null || true)
	if [ "$have" = 24 ]; then
		echo "setup.sh: puppeteer-core 24 is installed in $dir"
		return 0
	fi
	if ! command -v npm >/dev/null; then
		"${sudo[@]}" apt-get install -y --no-install-recommends npm
	fi
	# An exact version: "@24" resolved to a newer 24.x whose dependency
	# (tar-stream@^3.3.0) the registry does not have, and CI failed to
	# install; 24.43.1 is the one the console test has run with.
	echo "setup.sh: npm install puppeteer-core@24.43.1 in $dir"
	npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund \
		--no-save --no-package-lock puppeteer-core@24.43.1
}
# kubernetes-models 4 (runs on node 18; 5 needs 22) and yaml 2 validate
# deploy/kubernetes/ offline (tests/deploy/run-kubernetes.sh).
kubernetes_models() {
	local dir=tests/deploy
	if [ -d "$dir/node_modules/kubernetes-models" ] &&
	   [ -d "$dir/node_modules/yaml" ]; then
		echo "setup.sh: kubernetes-models is installed in $dir"
		return 0
	fi
	# Exact versions, as for puppeteer-core: a newer release must not
	# break CI from one day to the next.
	echo "setup.sh: npm install kubernetes-models@4.5.1 yaml@2.9.1 in $dir"
	npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund \
		--no-save --no-package-lock kubernetes-models@4.5.1 yaml@2.9.1
}
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null; then
	sudo=(sudo)
else
	sudo=(false)
fi

if [ "${#missing[@]}" -eq 0 ]; then
	echo "setup.sh: all ${#packages[@]} packages are installed"
	puppeteer
	kubernetes_models
	exit 0
fi

if [ "${sudo[*]}" = false ]; then
	echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2
	exit 1
fi

echo "setup.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
puppeteer
kubernetes_models
