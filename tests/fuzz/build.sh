#!/bin/sh
# build.sh SRCDIR BUILDDIR -- build the libFuzzer decoder harness.
#
# Compiles engine/**/*.c with clang, ASan and UBSan into an archive (so that
# only the objects the harness needs are linked, whatever state the rest of
# the engine is in) and links tests/fuzz/fuzz_decode.c against it.
# Output: BUILDDIR/fuzz/fuzz_decode.  Needs clang and libclang-rt-*-dev.
set -eu
SRCDIR=$(cd "${1:?usage: build.sh SRCDIR BUILDDIR}" && pwd)
BUILDDIR=${2:?usage: build.sh SRCDIR BUILDDIR}
CC=${CC:-clang}
OUT="$BUILDDIR/fuzz"
mkdir -p "$OUT/obj"
OUT=$(cd "$OUT" && pwd)
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=gnu17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $SAN -I$SRCDIR/engine ${EXTRA_CFLAGS:-}"

rm -f "$OUT/libwasmengine_fuzz.a"
# Object names are the sources' base names, unique across engine/.
find "$SRCDIR/engine" -name '*.c' | while read -r src; do
	obj="$OUT/obj/$(basename "$src" .c).o"
	$CC $CFLAGS -c "$src" -o "$obj"
	ar rc "$OUT/libwasmengine_fuzz.a" "$obj"
done
$CC $CFLAGS -fsanitize=fuzzer "$SRCDIR/tests/fuzz/fuzz_decode.c" \
	"$OUT/libwasmengine_fuzz.a" -lm -o "$OUT/fuzz_decode"
echo "built $OUT/fuzz_decode"
