#!/usr/bin/perl
# gen-manyfuncs.pl N [LOOPS] -- writes to stdout a module of N functions:
# the first, exported as "spin", runs LOOPS (default 0) small counted loops
# one after the other, then loops forever; the others are
# (func (result i32) i32.const 7).  Hostile shapes for the compilers:
# 999,000 functions are 6 MB of wasm and about 139 MB of baseline code,
# more than the sandbox's code region, and seconds of compile time; 4,000
# loops in one 60 KB function took tier 2 860 ms to compile.
use strict;
use warnings;

my ($n, $loops) = @ARGV;
$loops //= 0;
die "usage: gen-manyfuncs.pl N [LOOPS] (N >= 1)\n"
	unless defined $n && $n =~ /^\d+$/ && $n >= 1 && $loops =~ /^\d+$/;
sub leb { my $v = shift; my $o = ''; do { my $b = $v & 0x7f; $v >>= 7; $b |= 0x80 if $v; $o .= chr($b) } while ($v); $o }
sub section { my ($id, $body) = @_; chr($id) . leb(length $body) . $body }
# (local i32) LOOPS x (loop (br_if 0 (i32.lt_u (local.tee 0 (i32.add
# (local.get 0) (i32.const 1))) (i32.const 10)))); (loop br 0); i32.const 0
my $spin = "\x01\x01\x7f" .
	("\x03\x40\x20\x00\x41\x01\x6a\x22\x00\x41\x0a\x49\x0d\x00\x0b" x $loops) .
	"\x03\x40\x0c\x00\x0b\x41\x00\x0b";
my $seven = "\x00\x41\x07\x0b";                      # i32.const 7
my $out = "\0asm\x01\0\0\0";
$out .= section(1, leb(1) . "\x60\x00\x01\x7f");      # () -> i32
$out .= section(3, leb($n) . ("\x00" x $n));
$out .= section(7, leb(1) . leb(4) . "spin" . "\x00" . leb(0));
$out .= section(10, leb($n) . leb(length $spin) . $spin .
	((leb(length $seven) . $seven) x ($n - 1)));
binmode STDOUT;
print $out;
