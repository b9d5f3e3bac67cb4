#!/usr/bin/env python3
"""gen-bigbody.py KIB [SEED] > big.wat -- one wasm function of about KIB KiB
of body, for measuring tier 2's compile time against body size
(bench/compile-speed.sh).  The body is a chain of units, each a block holding
a counted loop over some of 48 locals (i32, i64, f64) with constants,
loads, stores, a br_if out of the block and an if/else; the loops run
twice, so running `_start` takes no time beside the compile.  Exported as
`_start` (a WASI-less command: `wasmhost run --tier=opt --stats`)."""
import random
import sys

def unit(rng, k):
    a, b, c = 1 + rng.randrange(24), 1 + rng.randrange(24), 1 + rng.randrange(24)
    x, y = 25 + rng.randrange(12), 25 + rng.randrange(12)
    d, e = 37 + rng.randrange(12), 37 + rng.randrange(12)
    k1, k2, k3 = rng.randrange(1 << 20), rng.randrange(1 << 12), rng.randrange(1000)
    return f"""
    (block $b{k}
      (local.set $n (i32.const 2))
      (loop $l{k}
        (local.set {a} (i32.add (local.get {b}) (i32.mul (local.get {c}) (i32.const {k1}))))
        (local.set {x} (i64.xor (local.get {y}) (i64.extend_i32_u (local.get {a}))))
        (local.set {d} (f64.add (local.get {e}) (f64.convert_i32_s (local.get {c}))))
        (i32.store offset={k2 * 4 % 4096} (i32.and (local.get {b}) (i32.const 0xfff)) (local.get {a}))
        (local.set {c} (i32.load offset={k2 * 8 % 4096} (i32.and (local.get {a}) (i32.const 0xff0))))
        (br_if $b{k} (i32.eq (local.get {a}) (i32.const {k3})))
        (if (i32.lt_u (local.get {b}) (i32.const {k2}))
          (then (local.set {b} (i32.add (local.get {b}) (i32.const 1))))
          (else (local.set {y} (i64.add (local.get {y}) (i64.const {k1})))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l{k} (local.get $n))))"""

def main():
    kib = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    # about 100 bytes of wasm per unit
    units = [unit(rng, k) for k in range(kib * 1024 // 100)]
    locs = " ".join(["i32"] * 24 + ["i64"] * 12 + ["f64"] * 12)
    print(f"""(module
  (memory 1)
  (func $big (param i32) (result i32)
    (local {locs}) (local $n i32)
    {"".join(units)}
    (i32.add (local.get 1) (local.get 2)))
  (func (export "_start") (drop (call $big (i32.const 7)))))""")

main()
