;; capture.wat -- the module embedded (as bytes) in tests/unit/check_wasi.c; after
;; a change, regenerate them: wat2wasm capture.wat -o capture.wasm && xxd -i capture.wasm
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "0123456789")
  ;; Writes "0123456789" to fd n times; returns the last nwritten.
  (func (export "spam") (param $fd i32) (param $n i32) (result i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 10))
    (block
      (loop
        (br_if 1 (i32.eqz (local.get $n)))
        (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1)
          (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br 0)))
    (i32.load (i32.const 8)))
  ;; One write of len bytes to fd (an empty one first thing included).
  (func (export "write_len") (param $fd i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1)
      (i32.const 8)))
    (i32.load (i32.const 8)))
  ;; One read of stdin (up to 4096 bytes) copied to stdout; returns nread.
  (func (export "echo") (result i32)
    (i32.store (i32.const 16) (i32.const 1000))
    (i32.store (i32.const 20) (i32.const 4096))
    (drop (call $read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
    (i32.store (i32.const 20) (i32.load (i32.const 24)))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
    (i32.load (i32.const 24)))
  (func (export "_start") (call $exit (i32.const 42))))
