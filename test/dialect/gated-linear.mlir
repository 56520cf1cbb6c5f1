// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s

// nn.gated_linear (with and without a bias) and the affine-free norms
// round-trip; the result type of nn.gated_linear is inferred (half the
// weight's columns).

// CHECK-LABEL: func.func @gated
// CHECK: nn.gated_linear silu %{{.*}}, %{{.*}} : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.gated_linear gelu %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x16xf32>
func.func @gated(%x: tensor<?x?x8xf32>, %w: tensor<8x32xf32>, %b: tensor<32xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  %0 = nn.gated_linear silu %x, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x16xf32>
  %1 = nn.gated_linear gelu %x, %w, %b : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x16xf32>
  return %0, %1 : tensor<?x?x16xf32>, tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @affine_free_norms
// CHECK: nn.layer_norm %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.rms_norm %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
func.func @affine_free_norms(%x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %0 = nn.layer_norm %x {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %1 = nn.rms_norm %x {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %0, %1 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}
