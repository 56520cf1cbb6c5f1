// RUN: modelc-opt %s -split-input-file -nn-plan-memory | FileCheck %s

// A chain: each intermediate is dead after its one user, so the third
// buffer reuses the first; no kernel's output overlaps its input; the
// returned value goes to the caller's buffer (-1).
// CHECK: module attributes {nn.arena_floats_per_token = 16 : i64}
// CHECK-LABEL: func.func @chain
// CHECK: nn.kernel "a" elementwise(%{{.*}}) {arena_offsets = array<i64: 0>}
// CHECK: nn.kernel "b" elementwise(%{{.*}}) {arena_offsets = array<i64: 8>}
// CHECK: nn.kernel "c" elementwise(%{{.*}}) {arena_offsets = array<i64: 0>}
// CHECK: nn.kernel "d" elementwise(%{{.*}}) {arena_offsets = array<i64: -1>}
func.func @chain(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %0 = nn.kernel "a" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %1 = nn.kernel "b" elementwise (%0) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %2 = nn.kernel "c" elementwise (%1) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %3 = nn.kernel "d" elementwise (%2) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  return %3 : tensor<?x?x8xf32>
}

// -----

// Greedy by size: the 32-float result of "up" is placed first (at 0); the
// residual "res", live across it, goes above it (32); "down" reads "up" and
// runs while "res" is live, so it can share with neither (40). 48 is also
// the peak of live sizes (8 + 32 + 8 at "down"): the plan is optimal.
// CHECK: module attributes {nn.arena_floats_per_token = 48 : i64}
// CHECK-LABEL: func.func @sizes
// CHECK: nn.kernel "res" elementwise(%{{.*}}) {arena_offsets = array<i64: 32>}
// CHECK: nn.kernel "up" gemm(%{{.*}}) {arena_offsets = array<i64: 0>}
// CHECK: nn.kernel "down" gemm(%{{.*}}) {arena_offsets = array<i64: 40>}
// CHECK: nn.kernel "sum" elementwise(%{{.*}}) {arena_offsets = array<i64: -1>}
func.func @sizes(%x: tensor<?x?x8xf32>, %wu: tensor<8x32xf32>, %wd: tensor<32x8xf32>) -> tensor<?x?x8xf32> {
  %0 = nn.kernel "res" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %1 = nn.kernel "up" gemm (%0, %wu) : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> {
  ^bb0(%i: tensor<?x?x8xf32>, %w: tensor<8x32xf32>):
    %r = nn.linear %i, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    nn.yield %r : tensor<?x?x32xf32>
  }
  %2 = nn.kernel "down" gemm (%1, %wd) : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x32xf32>, %w: tensor<32x8xf32>):
    %r = nn.linear %i, %w : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %3 = nn.kernel "sum" elementwise (%0, %2) : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>):
    %r = nn.add %a, %b : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  return %3 : tensor<?x?x8xf32>
}

// -----

// Two results of one kernel are live together; a result nobody reads still
// gets a place while its kernel runs; a result both returned and read by a
// later kernel is -1 (it lives in the caller's buffer).
// CHECK: module attributes {nn.arena_floats_per_token = 24 : i64}
// CHECK-LABEL: func.func @multi
// CHECK: nn.kernel "norm" norm(%{{.*}}) {arena_offsets = array<i64: 0, 8>}
// CHECK: nn.kernel "both" elementwise(%{{.*}}) {arena_offsets = array<i64: -1, 16>}
// CHECK: nn.kernel "last" elementwise(%{{.*}}) {arena_offsets = array<i64: -1>}
func.func @multi(%x: tensor<?x?x8xf32>, %y: tensor<?x?x8xf32>, %g: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %0:2 = nn.kernel "norm" norm (%x, %y, %g) : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  ^bb0(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>, %c: tensor<8xf32>):
    %s = nn.add %a, %b : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    %n = nn.rms_norm %s, %c {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    nn.yield %s, %n : tensor<?x?x8xf32>, tensor<?x?x8xf32>
  }
  %1:2 = nn.kernel "both" elementwise (%0#0, %0#1) : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  ^bb0(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>):
    %s = nn.add %a, %b : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    %t = nn.mul %a, %b : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %s, %t : tensor<?x?x8xf32>, tensor<?x?x8xf32>
  }
  %2 = nn.kernel "last" elementwise (%1#0) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    %r = nn.activation relu %a : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  return %1#0, %2 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Without kernels the arena is empty.
// CHECK: module attributes {nn.arena_floats_per_token = 0 : i64}
// CHECK-LABEL: func.func @empty
func.func @empty(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  return %x : tensor<?x?x8xf32>
}

// -----

// The inputs fix the sequence at 16 tokens (nn.fixed_seq): a result with a
// static token count takes its own size in units of 16 tokens, rounded up:
// [?, 4, 72] (a downsampled stage's patches) 4 * 72 / 16 = 18 floats per
// token, [?, 1, 72] (a pooled vector) 72 / 16 = 4.5, so 5. Without
// nn.fixed_seq each would take 72 floats per token.
// CHECK: module attributes {nn.arena_floats_per_token = 23 : i64, nn.fixed_seq = 16 : i64}
// CHECK-LABEL: func.func @static_tokens
// CHECK: nn.kernel "patches" elementwise(%{{.*}}) {arena_offsets = array<i64: 0>}
// CHECK: nn.kernel "pool" elementwise(%{{.*}}) {arena_offsets = array<i64: 18>}
module attributes {nn.fixed_seq = 16 : i64} {
func.func @static_tokens(%x: tensor<?x?x8xf32>) -> tensor<?x1x10xf32> {
  %0 = nn.kernel "patches" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x4x72xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.grid_patches %i {grid = array<i64: 4, 4>, kernel = 3 : i64, stride = 2 : i64, padding = 1 : i64} : (tensor<?x?x8xf32>) -> tensor<?x4x72xf32>
    nn.yield %r : tensor<?x4x72xf32>
  }
  %1 = nn.kernel "pool" elementwise (%0) : (tensor<?x4x72xf32>) -> tensor<?x1x72xf32> {
  ^bb0(%i: tensor<?x4x72xf32>):
    %r = nn.token_pool mean %i {start = 0 : i64} : (tensor<?x4x72xf32>) -> tensor<?x1x72xf32>
    nn.yield %r : tensor<?x1x72xf32>
  }
  %w = nn.weight "w" : tensor<72x10xf32>
  %2 = nn.kernel "head" gemm (%1, %w) : (tensor<?x1x72xf32>, tensor<72x10xf32>) -> tensor<?x1x10xf32> {
  ^bb0(%i: tensor<?x1x72xf32>, %ww: tensor<72x10xf32>):
    %r = nn.linear %i, %ww : (tensor<?x1x72xf32>, tensor<72x10xf32>) -> tensor<?x1x10xf32>
    nn.yield %r : tensor<?x1x10xf32>
  }
  return %2 : tensor<?x1x10xf32>
}
}
