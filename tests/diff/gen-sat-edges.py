#!/usr/bin/env python3
# gen-sat-edges.py -- writes tests/diff/fixtures/sat_edges.wat: the eight
# saturating truncations (trunc_sat, i32/i64 x f32/f64 x s/u) on their
# edges, in every tier (run-diff.sh): +-0, +-inf, NaNs of both signs,
# quiet and signalling, with payloads, -1, -0.9, 0.9, denormals, 2^31,
# 2^32, 2^63, 2^64, and each bound of ops_slow.h's OP_FLOAT_TO_INT (read
# from there: the one definition of the ranges) with the next float on
# each side.  The inputs are data (loaded in a loop, so tier 2 cannot fold
# them); every result is stored to memory, which diff_tiers compares after
# each call, and summed into the return value.  Run from the top of the
# tree when the table changes:
#
#   python3 tests/diff/gen-sat-edges.py
import math, re, struct

src = open('engine/interp/ops_slow.h').read()
table = src[src.index('#define OP_FLOAT_TO_INT(X)'):]
table = table[:table.index('\n\n')]
rows = re.findall(r'X\((\w+),\s*(float|double),\s*\w+,\s*\w+,\s*([-0-9.]+)f?,\s*([-0-9.]+)f?,',
                  table.replace('\\\n', ' '))
assert len(rows) == 8, rows

def f32_bits(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]

def f64_bits(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]

def neighbours(bits, width):
    """bits and the next float toward -inf and toward +inf (finite x)."""
    sign = 1 << (width - 1)
    out = [bits]
    for toward_pos in (False, True):
        if bits & ~sign & ((1 << width) - 1) == 0:          # +-0
            out.append(1 if toward_pos else sign | 1)
        elif (bits & sign == 0) == toward_pos:               # away from 0
            out.append(bits + 1)
        else:
            out.append(bits - 1)
    return out

specials = [0.0, -0.0, math.inf, -math.inf, -1.0, -0.9, 0.9, 1.0, -1.5,
            2.0**31, -2.0**31, 2.0**31 - 1, 2.0**32, 2.0**32 - 1, 2.0**63,
            -2.0**63, 2.0**64, -2.0**64, 3.0e9, -3.0e9, 1.0e19, 1.0e30,
            -1.0e30]
nans64 = [0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001,
          0xfff0000000000001, 0x7ff4000000000000, 0x7fffffffffffffff,
          0xffffffffffffffff, 0x7ff8000000012345]
nans32 = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fa00000,
          0x7fffffff, 0xffffffff, 0x7fc12345]
denorms64 = [0x0000000000000001, 0x8000000000000001, 0x000fffffffffffff,
             0x800fffffffffffff]
denorms32 = [0x00000001, 0x80000001, 0x007fffff, 0x807fffff]

def inputs(width):
    bits_of = f32_bits if width == 32 else f64_bits
    cty = 'float' if width == 32 else 'double'
    vals = []
    for name, ty, lo, hi in rows:
        if ty != cty:
            continue
        for b in (lo, hi):
            vals += neighbours(bits_of(float(b)), width)
    for x in specials:
        vals += neighbours(bits_of(x), width) if x in (2.0**31, 2.0**32, 2.0**63, 2.0**64) \
            else [bits_of(x)]
    vals += nans32 + denorms32 if width == 32 else nans64 + denorms64
    seen, out = set(), []
    for v in vals:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out

in64, in32 = inputs(64), inputs(32)
assert len(in64) * 8 <= 4096 and len(in32) * 4 <= 4096

def data(vals, nbytes):
    return ''.join('\\%02x' % b for v in vals for b in v.to_bytes(nbytes, 'little'))

ops = [('i32', 's'), ('i32', 'u'), ('i64', 's'), ('i64', 'u')]
w = []
w.append(';; sat_edges.wat -- written by tests/diff/gen-sat-edges.py (its comment says what')
w.append(';; and why); do not edit by hand.')
w.append(';; %d f64 inputs at 0, %d f32 inputs at 4096; results (8 bytes each, 4 per' % (len(in64), len(in32)))
w.append(';; input: s32 u32 s64 u64) from 8192 (f64) and 16384 (f32).')
w.append('(module')
w.append('  (memory (export "mem") 1)')
w.append('  (data (i32.const 0) "%s")' % data(in64, 8))
w.append('  (data (i32.const 4096) "%s")' % data(in32, 4))
for f in ('f32', 'f64'):
    for it, s in ops:
        op = '%s.trunc_sat_%s_%s' % (it, f, s)
        w.append('  (func $%s (export "%s") (param %s) (result %s)' % (op, op, f, it))
        w.append('    (%s (local.get 0)))' % op)

def loop_fn(name, f, count, inp, outp, call):
    sz = 8 if f == 'f64' else 4
    w.append('  ;; %s: each %s input through the four ops%s' % (name, f,
             ' (called: small callees tier 2 inlines)' if call else ''))
    w.append('  (func (export "%s") (result i64)' % name)
    w.append('    (local $i i32) (local $x %s) (local $acc i64) (local $r i64)' % f)
    w.append('    (loop $l')
    w.append('      (local.set $x (%s.load (i32.add (i32.const %d) (i32.mul (local.get $i) (i32.const %d)))))' % (f, inp, sz))
    for k, (it, s) in enumerate(ops):
        op = '%s.trunc_sat_%s_%s' % (it, f, s)
        v = '(call $%s (local.get $x))' % op if call else '(%s (local.get $x))' % op
        if it == 'i32':
            v = '(i64.extend_i32_u %s)' % v
        w.append('      (local.set $r %s)' % v)
        w.append('      (i64.store offset=%d (i32.mul (local.get $i) (i32.const 32)) (local.get $r))' % (outp + 8 * k))
        w.append('      (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 31)) (local.get $r)))')
    w.append('      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const %d))))' % count)
    w.append('    (local.get $acc))')

loop_fn('edges_f64', 'f64', len(in64), 0, 8192, False)
loop_fn('edges_f32', 'f32', len(in32), 4096, 16384, False)
loop_fn('edges_f64_called', 'f64', len(in64), 0, 8192, True)
loop_fn('edges_f32_called', 'f32', len(in32), 4096, 16384, True)
w.append(')')
open('tests/diff/fixtures/sat_edges.wat', 'w').write('\n'.join(w) + '\n')
