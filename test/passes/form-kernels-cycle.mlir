// RUN: modelc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(nn-form-kernels))' | FileCheck %s

// A pre-norm layer followed by a post-norm one: the post-norm's norm would
// take in the residual sum %h of the layer before (a point-wise producer it
// shares), but the projection %q of the post-norm layer reads %h and feeds
// the norm's own input: absorbing %h would make the kernel depend on itself.
// %h stays in the GEMM kernel that produces it; the norm takes in only %s.
// CHECK-LABEL: func.func @shared_producer_cycle
// CHECK: %[[H:.*]] = nn.kernel "gemm_0" gemm
// CHECK: nn.linear
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.yield
// CHECK: %[[Q:.*]] = nn.kernel "gemm_1" gemm(%[[H]]
// CHECK: nn.kernel "norm_2" norm(%[[H]], %[[Q]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.rms_norm
// CHECK-NEXT: nn.yield
func.func @shared_producer_cycle(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w = nn.weight "w" : tensor<8x8xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %f = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %h = nn.add %x, %f : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %q = nn.linear %h, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %s = nn.add %h, %q : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.rms_norm %s, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// Without the path back (the sum is only read after the norm), the norm
// still takes the shared sum in and returns it as a second result.
// CHECK-LABEL: func.func @shared_producer_no_cycle
// CHECK: %[[F:.*]] = nn.kernel "gemm_0" gemm
// CHECK: %[[K:.*]]:2 = nn.kernel "norm_1" norm(%{{.*}}, %[[F]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.rms_norm
// CHECK-NEXT: nn.yield
func.func @shared_producer_no_cycle(%x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %w = nn.weight "w" : tensor<8x8xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %f = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %h = nn.add %x, %f : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.rms_norm %h, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %h, %n : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}
