// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of the DeltaNet family's ops (dialect/ops/DeltaRuleOps.td), custom and generic form.

// CHECK-LABEL: func.func @short_conv
// CHECK: nn.short_conv %{{.*}}, %{{.*}} : (tensor<?x?x64xf32>, tensor<64x1x4xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.short_conv %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x64xf32>, tensor<64x1x2xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
func.func @short_conv(%x: tensor<?x?x64xf32>, %w: tensor<64x1x4xf32>, %w2: tensor<64x1x2xf32>, %b: tensor<64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %0 = nn.short_conv %x, %w : (tensor<?x?x64xf32>, tensor<64x1x4xf32>) -> tensor<?x?x64xf32>
  %1 = nn.short_conv %x, %w2, %b : (tensor<?x?x64xf32>, tensor<64x1x2xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %0, %1 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

// DeltaNet: beta from a projection; no decay.
// CHECK-LABEL: func.func @delta_rule
// CHECK: nn.delta_rule %{{.*}}, %{{.*}}, %{{.*}} beta %{{.*}} norm %{{.*}} {beta_scale = 1.000000e+00 : f32, chunk = 64 : i64, heads = 4 : i64, norm_epsilon = 9.99999974E-6 : f32, scale = 1.250000e-01 : f32} : (tensor<?x?x256xf32>, tensor<?x?x256xf32>, tensor<?x?x256xf32>, tensor<?x?x4xf32>, tensor<64xf32>) -> tensor<?x?x256xf32>
func.func @delta_rule(%q: tensor<?x?x256xf32>, %k: tensor<?x?x256xf32>, %v: tensor<?x?x256xf32>, %b: tensor<?x?x4xf32>, %n: tensor<64xf32>) -> tensor<?x?x256xf32> {
  %0 = nn.delta_rule %q, %k, %v beta %b norm %n {heads = 4 : i64, chunk = 64 : i64, scale = 0.125 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x256xf32>, tensor<?x?x256xf32>, tensor<?x?x256xf32>, tensor<?x?x4xf32>, tensor<64xf32>) -> tensor<?x?x256xf32>
  return %0 : tensor<?x?x256xf32>
}

// -----

// Gated DeltaNet: the decay logits with A_log and dt_bias; values twice as
// wide as keys; no beta (beta_scale alone, here 2: negative eigenvalues).
// CHECK-LABEL: func.func @gated_delta_rule
// CHECK: nn.delta_rule %{{.*}}, %{{.*}}, %{{.*}} decay %{{.*}}, %{{.*}}, %{{.*}} norm %{{.*}} {beta_scale = 2.000000e+00 : f32, chunk = 16 : i64, heads = 2 : i64, norm_epsilon = 9.99999997E-7 : f32, scale = 2.500000e-01 : f32} : (tensor<2x?x32xf32>, tensor<2x?x32xf32>, tensor<2x?x64xf32>, tensor<2x?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<32xf32>) -> tensor<2x?x64xf32>
func.func @gated_delta_rule(%q: tensor<2x?x32xf32>, %k: tensor<2x?x32xf32>, %v: tensor<2x?x64xf32>, %a: tensor<2x?x2xf32>, %alog: tensor<2xf32>, %dt: tensor<2xf32>, %n: tensor<32xf32>) -> tensor<2x?x64xf32> {
  %0 = nn.delta_rule %q, %k, %v decay %a, %alog, %dt norm %n {heads = 2 : i64, chunk = 16 : i64, scale = 0.25 : f32, beta_scale = 2.0 : f32, norm_epsilon = 1.0e-06 : f32} : (tensor<2x?x32xf32>, tensor<2x?x32xf32>, tensor<2x?x64xf32>, tensor<2x?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<32xf32>) -> tensor<2x?x64xf32>
  return %0 : tensor<2x?x64xf32>
}
