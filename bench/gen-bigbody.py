#!/usr/bin/env python3
"""gen-bigbody.py [--interp|--live] KIB [SEED] > big.wat -- one wasm function of
about KIB KiB of body, for measuring tier 2's compile time against body size
(bench/opt-compile).  The body is a chain of units, each a block holding
a counted loop over some of 48 locals (i32, i64, f64) with constants,
loads, stores, a br_if out of the block and an if/else; the loops run
twice, so running `_start` takes no time beside the compile.  Exported as
`_start` (a WASI-less command: `wasmhost run --tier=opt --stats`).

With --interp the body is shaped like an interpreter's dispatch loop
instead: one loop fetching an opcode byte, a br_table over one block per
case (about 80 bytes each), every case updating some of the 48 locals
(the interpreter's registers: pc, sp, accumulators) from and to memory
and branching back to the loop; a step counter ends it after 64 steps.

With --live it is a worst case for tier 2 instead, quadratic in the
body: KIB*51 locals set once from the parameter, KIB*64 empty loops, then
the sum of the locals, so that every local is live across every loop
(each header's phis and OSR map, each OSR entry's loads)."""
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

def case(rng, k):
    """One case of the dispatch: flat instructions, falling to `br $next`."""
    a, b, c = 1 + rng.randrange(24), 1 + rng.randrange(24), 1 + rng.randrange(24)
    x, y = 25 + rng.randrange(12), 25 + rng.randrange(12)
    d, e = 37 + rng.randrange(12), 37 + rng.randrange(12)
    k1, k2 = rng.randrange(1 << 20), rng.randrange(1 << 10)
    return f"""
    ;; case {k}
    local.get {b} i32.const 0xffc i32.and i32.load offset={k2 * 4 % 4096}
    local.get {c} i32.const {k1} i32.mul i32.add local.set {a}
    local.get {y} local.get {a} i64.extend_i32_u i64.xor local.set {x}
    local.get {e} local.get {c} f64.convert_i32_s f64.add local.set {d}
    local.get {a} i32.const 0xff8 i32.and local.get {x} i64.store offset={k2 * 8 % 4096}
    local.get {a} i32.const {k2} i32.lt_u
    if local.get {b} i32.const 1 i32.add local.set {b}
    else local.get 0 i32.const {1 + k % 7} i32.add local.set 0 end
    br $next"""

def interp(kib, rng):
    """The body of an interpreter's dispatch loop with about kib KiB of cases
    (local 0 its pc, $n its step counter)."""
    ncase = kib * 1024 // 80
    out = ["""
    (local.set $n (i32.const 64))
    block $done
    loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      block $bad"""]
    out += [f"\n      block $c{k}" for k in reversed(range(ncase))]
    targets = " ".join(f"$c{k}" for k in range(ncase))
    out.append(f"""
      (br_table {targets} $bad (i32.load8_u (i32.and (local.get 0) (i32.const 0xfff))))""")
    for k in range(ncase):
        out.append("\n      end" + case(rng, k))
    out.append("""
      end ;; $bad
    end ;; $next
    end ;; $done""")
    return "".join(out)

def live(kib):
    """The whole function for --live: half the body sets locals, half
    is loops (10 and 8 bytes each)."""
    nloc, nloop = kib * 1024 // 20, kib * 1024 // 16
    sets = "".join(f"\n    (local.set {i + 1} (i32.add (local.get 0) (i32.const {i})))"
                   for i in range(nloc))
    loops = "".join("\n    (loop (br_if 0 (i32.eqz (local.get 0))))"
                    for _ in range(nloop))
    total = " ".join(f"local.get {i + 1} i32.add" for i in range(1, nloc))
    return f"""(module
  (func $big (param i32) (result i32)
    (local {" ".join(["i32"] * nloc)}){sets}{loops}
    local.get 1 {total})
  (func (export "_start") (drop (call $big (i32.const 7)))))"""

def main():
    shape = "units"
    if sys.argv[1] in ("--interp", "--live"):
        shape = sys.argv[1][2:]
        del sys.argv[1]
    kib = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    if shape == "live":
        print(live(kib))
        return
    # about 100 bytes of wasm per unit
    if shape == "interp":
        units = [interp(kib, rng)]
    else:
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
