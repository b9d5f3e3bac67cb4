#!/bin/sh
# make-corpus.sh WAST_DIR OUTDIR -- seed corpus for fuzz_decode.
#
# Converts every WAST_DIR/*.wast (e.g. ../shared/wasm-testsuite/core) with
# wabt's wast2json in a temporary directory and copies the resulting .wasm
# modules (valid, invalid and malformed ones alike) into OUTDIR, named by
# content hash so duplicates collapse.  Never writes into the source tree
# unless OUTDIR points there (don't).
set -eu
WAST_DIR=${1:?usage: make-corpus.sh WAST_DIR OUTDIR}
OUTDIR=${2:?usage: make-corpus.sh WAST_DIR OUTDIR}
WAST2JSON=${WAST2JSON:-wast2json}
mkdir -p "$OUTDIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for wast in "$WAST_DIR"/*.wast; do
	name=$(basename "$wast" .wast)
	mkdir -p "$TMP/$name"
	# Some files need proposals wabt gates behind flags; failures are fine,
	# whatever was written before the failure is still used.
	"$WAST2JSON" --enable-all "$wast" -o "$TMP/$name/$name.json" \
		>/dev/null 2>&1 || true
done
n=0
for wasm in "$TMP"/*/*.wasm; do
	[ -f "$wasm" ] || continue
	sum=$(sha1sum "$wasm" | cut -c1-40)
	cp "$wasm" "$OUTDIR/$sum"
	n=$((n + 1))
done
echo "$n modules -> $OUTDIR ($(ls "$OUTDIR" | wc -l) distinct)"
