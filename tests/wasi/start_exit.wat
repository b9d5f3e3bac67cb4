;; start_exit.wat -- proc_exit(5) from the start function, during
;; instantiation: the run ends with exit code 5.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func $init (call $exit (i32.const 5)))
  (start $init)
  (func (export "_start") unreachable))
