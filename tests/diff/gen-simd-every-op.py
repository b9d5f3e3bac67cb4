#!/usr/bin/env python3
# gen-simd-every-op.py -- writes tests/diff/fixtures/simd_every_op.wat: an
# export for every row of WASM_OPS_SIMD (engine/front/opcodes.h), shaped
# by the row's family and operand types.  Run from the top of the tree
# when the table grows; run-diff.sh fails while an op has no export.
#
#   python3 tests/diff/gen-simd-every-op.py
import re, sys
src = open('engine/front/opcodes.h').read()
start=src.index('#define WASM_OPS_SIMD(X)')
end=src.index('\n\n',start)
ops=re.findall(r'X\((\w+),\s*"([^"]+)",\s*0x\w+,\s*0x\w+,\s*(\w+),\s*(\w+),\s*(\w+),\s*(\w+),',src[start:end])
lanes={'LANE_16':15,'LANE_8':7,'LANE_4':3,'LANE_2':1}
out=[]
P=lambda *t:' '.join(t)
for sym,name,imm,fam,a,b in ops:
    e='(export "%s")'%name
    t={'I32':'i32','I64':'i64','F32':'f32','F64':'f64','V128':'v128'}
    if fam=='BINOP':
        out.append(f'  (func {e} (param v128 v128 v128) (result v128 v128 v128)\n'
                   f'    ({name} (local.get 0) (local.get 1)) ({name} (local.get 1) (local.get 0))\n'
                   f'    ({name} (local.get 0) (local.get 2)))')
    elif fam=='SHIFT':
        out.append(f'  (func {e} (param v128 i32 v128) (result v128 v128 v128 v128)\n'
                   f'    ({name} (local.get 0) (local.get 1)) ({name} (local.get 2) (local.get 1))\n'
                   f'    ({name} (local.get 0) (i32.add (local.get 1) (i32.const 57)))\n'
                   f'    ({name} (local.get 2) (i32.sub (i32.const -1) (local.get 1))))')
    elif fam=='TERNOP':
        out.append(f'  (func {e} (param v128 v128 v128) (result v128 v128)\n'
                   f'    ({name} (local.get 0) (local.get 1) (local.get 2))\n'
                   f'    ({name} (local.get 1) (local.get 2) (local.get 0)))')
    elif fam=='UNOP' and a=='V128':
        out.append(f'  (func {e} (param v128 v128) (result {t[b]} {t[b]})\n'
                   f'    ({name} (local.get 0)) ({name} (local.get 1)))')
    elif fam=='UNOP':
        out.append(f'  (func {e} (param {t[a]}) (result v128)\n'
                   f'    ({name} (local.get 0)))')
    elif fam=='EXTRACT':
        out.append(f'  (func {e} (param v128 v128) (result {t[b]} {t[b]})\n'
                   f'    ({name} 0 (local.get 0)) ({name} {lanes[imm]} (local.get 1)))')
    elif fam=='REPLACE':
        out.append(f'  (func {e} (param v128 {t[a]} v128) (result v128 v128)\n'
                   f'    ({name} 0 (local.get 0) (local.get 1)) ({name} {lanes[imm]} (local.get 2) (local.get 1)))')
    elif fam=='LOAD':
        out.append(f'  (func {e} (param i32) (result v128 v128)\n'
                   f'    ({name} (i32.and (local.get 0) (i32.const 0xff)))\n'
                   f'    ({name} offset=3 (i32.and (local.get 0) (i32.const 0xfe))))')
    elif fam=='STORE':
        out.append(f'  (func {e} (param v128 i32) (result v128)\n'
                   f'    ({name} offset=300 (i32.and (local.get 1) (i32.const 0xff)) (local.get 0))\n'
                   f'    (v128.load offset=300 (i32.and (local.get 1) (i32.const 0xff))))')
    elif fam=='LOAD_LANE':
        n=int(imm.split('_')[-1]); mx=128//n-1
        out.append(f'  (func {e} (param v128 i32) (result v128 v128)\n'
                   f'    ({name} 0 (i32.and (local.get 1) (i32.const 0xff)) (local.get 0))\n'
                   f'    ({name} offset=5 {mx} (i32.and (local.get 1) (i32.const 0xfe)) (local.get 0)))')
    elif fam=='STORE_LANE':
        n=int(imm.split('_')[-1]); mx=128//n-1
        out.append(f'  (func {e} (param v128 i32) (result v128)\n'
                   f'    ({name} offset=600 {mx} (i32.and (local.get 1) (i32.const 0xff)) (local.get 0))\n'
                   f'    ({name} offset=601 0 (i32.and (local.get 1) (i32.const 0xff)) (local.get 0))\n'
                   f'    (v128.load offset=600 (i32.and (local.get 1) (i32.const 0xff))))')
    elif name=='v128.const':
        out.append(f'  (func {e} (result v128 v128 v128)\n'
                   f'    (v128.const f32x4 nan:0x1 -nan:0x400001 -0 inf)\n'
                   f'    (v128.const f64x2 -nan:0x8000000000001 0x1p-1074)\n'
                   f'    (v128.const i8x16 0x80 0x7f 0 -1 16 15 0x10 0xff 1 2 3 4 5 6 7 8))')
    elif name=='i8x16.shuffle':
        out.append(f'  (func {e} (param v128 v128) (result v128 v128)\n'
                   f'    (i8x16.shuffle 31 0 30 1 16 15 17 14 8 24 9 25 0 0 31 31 (local.get 0) (local.get 1))\n'
                   f'    (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 1) (local.get 0)))')
    else:
        sys.exit('unhandled '+name+' '+fam)
hdr=''';; simd_every_op.wat -- every SIMD op of WASM_OPS_SIMD (engine/front/
;; opcodes.h, %d ops) in an export of its own, so that diff_tiers holds
;; each one to the interpreter's answer on its v128 argument lanes (NaN
;; payloads, +-0, +-inf, INT_MINs: v128_arg), in both lane layouts and
;; mixed (a binary op runs on (a, b), (b, a) and (a, c)); shifts by the
;; count, by 57 more and by -1 - count; extract and replace at lanes 0 and
;; the last; loads, stores and lane accesses at two addresses, over bytes
;; with NaNs and INT_MINs in them.  Written by tests/diff/gen-simd-every-op.py from the
;; table's rows (name, family, operand types): do not edit by hand.
(module
  (memory (export "mem") 1)
  (data (i32.const 0) "\\01\\00\\a0\\7f\\00\\00\\c0\\ff\\00\\00\\00\\80\\00\\00\\80\\7f"
    "\\01\\00\\00\\00\\00\\00\\f4\\7f\\00\\00\\00\\00\\00\\00\\00\\80\\ff\\7f\\00\\80\\80\\7f\\10\\0f"
    "\\00\\00\\00\\00\\00\\00\\f0\\ff\\00\\00\\00\\cf\\01\\00\\00\\4f\\ff\\ff\\ff\\ff\\00\\80\\00\\80")
  (data (i32.const 240) "\\00\\00\\c0\\7f\\ff\\ff\\ff\\7f\\00\\00\\00\\00\\00\\00\\f8\\ff\\80\\80\\80\\80\\7f\\7f\\7f\\7f\\00\\00\\80\\bf\\00\\00\\00\\00")
'''%len(ops)
open('tests/diff/fixtures/simd_every_op.wat', 'w').write(hdr+'\n'.join(out)+')\n')
