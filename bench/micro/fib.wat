;; fib.wat -- call-heavy: naive doubly recursive Fibonacci.
;; Written as text so that no compiler turns one of the two calls into a
;; loop; every fib(n) for n >= 2 makes exactly two wasm calls.
;; Export: fib(n: i32) -> i32, the n-th Fibonacci number (mod 2^32).
(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
