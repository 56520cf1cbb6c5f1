// RUN: modelc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(nn-form-kernels))' | FileCheck %s

// KAT's KAN block: act1 is the prologue of fc1 (a GemmPrologue op read only by
// it), act2 fc1's epilogue, and fc2 takes the residual add: two GEMM kernels,
// no kernel of a rational's own.
// CHECK-LABEL: func.func @kan
// CHECK: %[[K1:.*]] = nn.kernel "gemm_0" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.rational
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.rational
// CHECK-NEXT: nn.yield
// CHECK: nn.kernel "gemm_1" gemm(%[[K1]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.yield
// CHECK-NOT: nn.kernel
// CHECK: return
func.func @kan(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %a = nn.weight "a" : tensor<1x6xf32>
  %b = nn.weight "b" : tensor<4x4xf32>
  %w1 = nn.weight "w1" : tensor<8x32xf32>
  %w2 = nn.weight "w2" : tensor<32x8xf32>
  %0 = nn.rational %x, %a, %b : (tensor<?x?x8xf32>, tensor<1x6xf32>, tensor<4x4xf32>) -> tensor<?x?x8xf32>
  %1 = nn.linear %0, %w1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
  %2 = nn.rational %1, %a, %b : (tensor<?x?x32xf32>, tensor<1x6xf32>, tensor<4x4xf32>) -> tensor<?x?x32xf32>
  %3 = nn.linear %2, %w2 : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>
  %4 = nn.add %x, %3 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %4 : tensor<?x?x8xf32>
}

// -----

// PolyNorm needs its row's statistics: the up GEMM's epilogue cannot hold
// it, so it is the prologue of the down GEMM. PolyReLU is point-wise: the
// up GEMM's epilogue.
// CHECK-LABEL: func.func @polycom
// CHECK: nn.kernel "gemm_0" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.yield
// CHECK: nn.kernel "gemm_1" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.poly_norm
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.yield
// CHECK: nn.kernel "gemm_2" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.poly_relu
// CHECK-NEXT: nn.yield
// CHECK-NOT: nn.kernel
// CHECK: return
func.func @polycom(%x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x32xf32>) {
  %w1 = nn.weight "w1" : tensor<8x32xf32>
  %w2 = nn.weight "w2" : tensor<32x8xf32>
  %c = nn.weight "c" : tensor<3xf32>
  %d = nn.weight "d" : tensor<1xf32>
  %0 = nn.linear %x, %w1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
  %1 = nn.poly_norm %0, %c, %d {epsilon = 1.0e-06 : f32} : (tensor<?x?x32xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x32xf32>
  %2 = nn.linear %1, %w2 : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>
  %3 = nn.linear %2, %w1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
  %4 = nn.poly_relu %3, %c, %d : (tensor<?x?x32xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x32xf32>
  return %2, %4 : tensor<?x?x8xf32>, tensor<?x?x32xf32>
}

// -----

// A prologue op with a second use stays out of the GEMM (it would be
// computed twice).
// CHECK-LABEL: func.func @prologue_two_uses
// CHECK: nn.kernel "elementwise_{{[0-9]+}}" elementwise
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.rational
// CHECK-NEXT: nn.yield
func.func @prologue_two_uses(%x: tensor<?x?x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x8xf32>) {
  %a = nn.weight "a" : tensor<1x6xf32>
  %b = nn.weight "b" : tensor<4x4xf32>
  %w1 = nn.weight "w1" : tensor<8x32xf32>
  %0 = nn.rational %x, %a, %b : (tensor<?x?x8xf32>, tensor<1x6xf32>, tensor<4x4xf32>) -> tensor<?x?x8xf32>
  %1 = nn.linear %0, %w1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
  return %1, %0 : tensor<?x?x32xf32>, tensor<?x?x8xf32>
}
