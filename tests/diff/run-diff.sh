#!/bin/sh
# run-diff.sh -- differential test of the tiers (diff_tiers.c) on random
# modules from binaryen's `wasm-opt -ttf` (Debian package binaryen): scalar
# ones, then ones with SIMD (v128) too.  Run by `make check`; for a long
# run by hand:
#
#   DIFF_COUNT=5000 DIFF_SEED=1000 tests/diff/run-diff.sh
#   DIFF_COUNT=0 DIFF_SIMD_COUNT=400 DIFF_SIMD_SEED=200001 tests/diff/run-diff.sh
#
#   DIFF_COUNT       modules without SIMD (default 50)
#   DIFF_SEED        seed of the first (default 1); module k uses seed
#                    DIFF_SEED + k, so a failure is reproduced from its seed
#   DIFF_FLAGS       wasm-opt feature flags (default: bulk memory, saturating
#                    conversions, sign extension, multi-value)
#   DIFF_SIMD_COUNT  modules with SIMD as well (default 20)
#   DIFF_SIMD_SEED   seed of the first of them (default 100001)
#   DIFF_SIMD_FLAGS  their flags (default: DIFF_FLAGS and --enable-simd)
#
# The modules in tests/diff/fixtures/*.wat (regressions, assembled with
# wat2wasm) run after the random ones.
#
# Exits 77 (automake SKIP) without wasm-opt, unless CI=true.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
driver=$top_builddir/tests/diff/diff_tiers
out=$top_builddir/tests/diff/out
count=${DIFF_COUNT:-50}
seed=${DIFF_SEED:-1}
flags=${DIFF_FLAGS:---enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-multivalue}
simd_count=${DIFF_SIMD_COUNT:-20}
simd_seed=${DIFF_SIMD_SEED:-100001}
simd_flags=${DIFF_SIMD_FLAGS:-$flags --enable-simd}

if ! command -v wasm-opt >/dev/null 2>&1; then
	echo "run-diff.sh: wasm-opt not found (install binaryen)"
	[ "$CI" = true ] && exit 1
	exit 77
fi
[ -x "$driver" ] || { echo "run-diff.sh: $driver not built"; exit 1; }
rm -rf "$out" && mkdir -p "$out" || exit 1

files=
# gen_modules FIRST_SEED COUNT FLAGS: wasm-opt -ttf on --gen's bytes; the
# modules made are added to $files
gen_modules() {
	k=0
	while [ "$k" -lt "$2" ]; do
		s=$(($1 + k))
		# input sizes from 1 to 16 KiB: small and large modules
		"$driver" --gen "$s" $(( (s * 7919) % 16384 + 1024 )) "$out/$s.bin" || exit 1
		# shellcheck disable=SC2086 # flags are words
		if wasm-opt -ttf "$out/$s.bin" -o "$out/$s.wasm" $3 \
		    >"$out/$s.log" 2>&1; then
			files="$files $out/$s.wasm"
		else
			echo "run-diff.sh: wasm-opt failed on seed $s:"
			cat "$out/$s.log"
		fi
		k=$((k + 1))
	done
}
gen_modules "$seed" "$count" "$flags"
gen_modules "$simd_seed" "$simd_count" "$simd_flags"
# simd_every_op.wat must have an export for every op of WASM_OPS_SIMD
# (regenerate it with tests/diff/gen-simd-every-op.py)
every=$top_srcdir/tests/diff/fixtures/simd_every_op.wat
missing=$(sed -n '/^#define WASM_OPS_SIMD(X)/,/^$/p' \
	"$top_srcdir/engine/front/opcodes.h" | sed -n 's/^[^"]*"\([^"]*\)".*/\1/p' |
	while read -r op; do
		grep -qF "(export \"$op\")" "$every" || printf ' %s' "$op"
	done)
if [ -n "$missing" ]; then
	echo "run-diff.sh: simd_every_op.wat lacks:$missing"
	exit 1
fi
# and the regression modules, written by hand (wat2wasm from wabt)
for w in "$top_srcdir"/tests/diff/fixtures/*.wat; do
	[ -f "$w" ] || continue
	b=$out/$(basename "$w" .wat).wasm
	if wat2wasm "$w" -o "$b" >"$out/fixtures.log" 2>&1; then
		files="$files $b"
	else
		echo "run-diff.sh: wat2wasm failed on $w:"
		cat "$out/fixtures.log"
		exit 1
	fi
done
echo "run-diff.sh: seeds $seed..$((seed + count - 1)), wasm-opt $flags;" \
	"seeds $simd_seed..$((simd_seed + simd_count - 1)), wasm-opt $simd_flags;" \
	"and tests/diff/fixtures"
# shellcheck disable=SC2086 # word splitting is wanted: paths have no spaces
"$driver" $files
