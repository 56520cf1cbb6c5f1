// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of the ops of issue 7's norms and block structure: BatchNorm and
// RepBN, GroupNorm, LayerScale, DeepNorm's scaled residual, DenseFormer's
// weighted sum, per-loop LoRA's GEMM and its per-pass weight slice.

// CHECK-LABEL: func.func @batch_norm
// CHECK: nn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<1xf32>) -> tensor<?x?x16xf32>
func.func @batch_norm(%x: tensor<?x?x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<16xf32>, %v: tensor<16xf32>, %a: tensor<1xf32>) -> tensor<?x?x16xf32> {
  %0 = nn.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-05 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %1 = nn.batch_norm %0, %g, %b, %m, %v, %a {epsilon = 1.0e-05 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<1xf32>) -> tensor<?x?x16xf32>
  return %1 : tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @group_norm
// CHECK: nn.group_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32, groups = 4 : i64} : (tensor<2x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x?x16xf32>
func.func @group_norm(%x: tensor<2x?x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x?x16xf32> {
  %0 = nn.group_norm %x, %g, %b {epsilon = 1.0e-05 : f32, groups = 4 : i64} : (tensor<2x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x?x16xf32>
  return %0 : tensor<2x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @residuals
// CHECK: %[[S:.*]] = nn.channel_scale %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
// CHECK: %[[D:.*]] = nn.scaled_add %{{.*}}, %[[S]] {lhs_scale = 1.500000e+00 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.weighted_sum %{{.*}}, %{{.*}}, %[[S]], %[[D]] : (tensor<1x3xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
func.func @residuals(%x: tensor<?x?x16xf32>, %l: tensor<16xf32>, %w: tensor<1x3xf32>) -> tensor<?x?x16xf32> {
  %s = nn.channel_scale %x, %l : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %d = nn.scaled_add %x, %s {lhs_scale = 1.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.weighted_sum %w, %x, %s, %d : (tensor<1x3xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @lora
// CHECK: %[[A:.*]] = nn.weight.select %{{.*}} {index = 2 : i64, transposed} : (tensor<3x4x16xf32>) -> tensor<16x4xf32>
// CHECK: %[[B:.*]] = nn.weight.select %{{.*}} {index = 2 : i64} : (tensor<3x4x32xf32>) -> tensor<4x32xf32>
// CHECK: %[[XA:.*]] = nn.linear %{{.*}}, %[[A]] : (tensor<?x?x16xf32>, tensor<16x4xf32>) -> tensor<?x?x4xf32>
// CHECK: nn.lora_linear %{{.*}}, %{{.*}}, %{{.*}}, %[[XA]], %[[B]] {scale = 5.000000e-01 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.lora_linear %{{.*}}, %{{.*}}, %[[XA]], %[[B]] {scale = 1.000000e+00 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
func.func @lora(%x: tensor<?x?x16xf32>, %w: tensor<16x32xf32>, %bias: tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %as = nn.weight "layers.1.attn.q.lora_a" : tensor<3x4x16xf32>
  %bs = nn.weight "layers.1.attn.q.lora_b" : tensor<3x4x32xf32>
  %a = nn.weight.select %as {index = 2 : i64, transposed} : (tensor<3x4x16xf32>) -> tensor<16x4xf32>
  %b = nn.weight.select %bs {index = 2 : i64} : (tensor<3x4x32xf32>) -> tensor<4x32xf32>
  %xa = nn.linear %x, %a : (tensor<?x?x16xf32>, tensor<16x4xf32>) -> tensor<?x?x4xf32>
  %y = nn.lora_linear %x, %w, %bias, %xa, %b {scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  %z = nn.lora_linear %x, %w, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  return %y, %z : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}
