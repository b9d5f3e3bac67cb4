#!/bin/sh
# build.sh SRCDIR BUILDDIR -- build the libFuzzer harnesses.
#
# fuzz_decode: engine/**/*.c compiled with clang, ASan and UBSan into an
# archive (so that only the objects the harness needs are linked, whatever
# state the rest of the engine is in), linked with tests/fuzz/fuzz_decode.c.
# fuzz_confined: engine/**/*.c and sandbox/*.c with coverage but without
# ASan (an ASan build relaxes the worker's seccomp policy; this one must
# run the real one), linked with tests/fuzz/fuzz_confined.c and libseccomp.
# Output: BUILDDIR/fuzz/fuzz_decode, BUILDDIR/fuzz/fuzz_confined.  Needs
# clang, libclang-rt-*-dev and libseccomp-dev.
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

# fuzz_confined: coverage only, the real seccomp policy in the workers.
mkdir -p "$OUT/obj-confined"
COV="-fsanitize=fuzzer-no-link"
CCFLAGS="-std=gnu17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $COV -pthread -I$SRCDIR/engine -I$SRCDIR/sandbox ${EXTRA_CFLAGS:-}"
SECCOMP_CFLAGS=$(pkg-config --cflags libseccomp 2>/dev/null || true)
SECCOMP_LIBS=$(pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)
rm -f "$OUT/libconfined_fuzz.a"
find "$SRCDIR/engine" "$SRCDIR/sandbox" -name '*.c' | while read -r src; do
	obj="$OUT/obj-confined/$(basename "$src" .c).o"
	$CC $CCFLAGS $SECCOMP_CFLAGS -c "$src" -o "$obj"
	ar rc "$OUT/libconfined_fuzz.a" "$obj"
done
$CC $CCFLAGS -fsanitize=fuzzer "$SRCDIR/tests/fuzz/fuzz_confined.c" \
	"$OUT/libconfined_fuzz.a" $SECCOMP_LIBS -lm -o "$OUT/fuzz_confined"
echo "built $OUT/fuzz_confined"
