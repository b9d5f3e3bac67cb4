#!/usr/bin/env bash
# setup.sh -- install the Debian 12 packages that building and testing
# wasmhost need.  Does nothing when they are all installed already; otherwise
# runs apt-get (through sudo when not root).
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
	# test scripts: perl (run-sandbox-cli.sh sends SIGINT through it), awk
	perl-base mawk
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
if [ "${#missing[@]}" -eq 0 ]; then
	echo "setup.sh: all ${#packages[@]} packages are installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null; then
	sudo=(sudo)
else
	echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2
	exit 1
fi

echo "setup.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
