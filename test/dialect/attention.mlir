// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of the attention family's attributes and optional operands and
// of the position ops (custom and generic form).

// CHECK-LABEL: func.func @variants
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} {block_size = 16 : i64, causal = false, heads = 4 : i64, kv_heads = 2 : i64, scale = 2.500000e-01 : f32, window = 8 : i64}
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} memory(%{{.*}}, %{{.*}}) talking(%{{.*}}, %{{.*}}) value_first(%{{.*}}) {alibi_slopes = array<f32: 2.500000e-01, 6.250000e-02, 1.562500e-02, 3.906250e-03>, causal = true, clip = array<f32: -3.000000e-02, 1.000000e+00>, heads = 4 : i64, kv_heads = 2 : i64, scale = 2.500000e-01 : f32, value_lambda = array<f32: 5.000000e-01, 5.000000e-01>}
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} {causal = true, heads = 4 : i64, kv_heads = 2 : i64, power = 4 : i64, scale = 2.500000e-01 : f32}
func.func @variants(%q: tensor<?x?x32xf32>, %k: tensor<?x?x16xf32>, %v: tensor<?x?x16xf32>, %v1: tensor<?x?x16xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %mk = nn.weight "mk" : tensor<3x16xf32>
  %mv = nn.weight "mv" : tensor<3x16xf32>
  %pre = nn.weight "pre" : tensor<4x4xf32>
  %post = nn.weight "post" : tensor<4x4xf32>
  %a = nn.attention %q, %k, %v {heads = 4 : i64, kv_heads = 2 : i64, causal = false, scale = 0.25 : f32, window = 8 : i64, block_size = 16 : i64} : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x32xf32>
  %b = nn.attention %q, %k, %v memory(%mk, %mv) talking(%pre, %post) value_first(%v1) {heads = 4 : i64, kv_heads = 2 : i64, causal = true, scale = 0.25 : f32, alibi_slopes = array<f32: 0.25, 0.0625, 0.015625, 0.00390625>, clip = array<f32: -0.03, 1.0>, value_lambda = array<f32: 0.5, 0.5>} : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<?x?x16xf32>) -> tensor<?x?x32xf32>
  %c = nn.attention %q, %k, %v {heads = 4 : i64, kv_heads = 2 : i64, causal = true, scale = 0.25 : f32, power = 4 : i64} : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x32xf32>
  return %a, %b, %c : tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// Swin's windows on a 4x8 patch grid, shifted and not, with a relative
// position bias table ([(2M - 1)^2, heads]).
// CHECK-LABEL: func.func @grid_window
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} {causal = false, grid_window = array<i64: 4, 8, 4, 0>, heads = 2 : i64, kv_heads = 2 : i64, scale = 2.500000e-01 : f32}
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} relative_bias(%{{.*}}) {causal = false, grid_window = array<i64: 4, 8, 2, 1>, heads = 2 : i64, kv_heads = 1 : i64, scale = 2.500000e-01 : f32}
func.func @grid_window(%q: tensor<?x32x16xf32>, %k: tensor<?x32x8xf32>) -> (tensor<?x32x16xf32>, tensor<?x32x16xf32>) {
  %t = nn.weight "t" : tensor<9x2xf32>
  %a = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 0.25 : f32, grid_window = array<i64: 4, 8, 4, 0>} : (tensor<?x32x16xf32>, tensor<?x32x16xf32>, tensor<?x32x16xf32>) -> tensor<?x32x16xf32>
  %b = nn.attention %q, %k, %k relative_bias(%t) {heads = 2 : i64, kv_heads = 1 : i64, causal = false, scale = 0.25 : f32, grid_window = array<i64: 4, 8, 2, 1>} : (tensor<?x32x16xf32>, tensor<?x32x8xf32>, tensor<?x32x8xf32>, tensor<9x2xf32>) -> tensor<?x32x16xf32>
  return %a, %b : tensor<?x32x16xf32>, tensor<?x32x16xf32>
}

// -----

// CHECK-LABEL: func.func @positions
// CHECK: nn.embedding %{{.*}}, %{{.*}} {scale = 5.65685415 : f32}
// CHECK: nn.add_sinusoidal interleaved %{{.*}} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.add_sinusoidal concat %{{.*}} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.rope half %{{.*}} {heads = 4 : i64, rotary_dim = 4 : i64, theta = 1.000000e+04 : f32}
func.func @positions(%ids: tensor<?x?xi32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %t = nn.weight "t" : tensor<10x32xf32>
  %x = nn.embedding %t, %ids {scale = 5.65685415 : f32} : (tensor<10x32xf32>, tensor<?x?xi32>) -> tensor<?x?x32xf32>
  %p = nn.add_sinusoidal interleaved %x : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %c = nn.add_sinusoidal concat %p : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %r = nn.rope half %c {heads = 4 : i64, theta = 1.0e+04 : f32, rotary_dim = 4 : i64} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return %c, %r : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}
