// RUN: modelc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(nn-form-kernels),nn-dedup-kernels)' | FileCheck %s

// Two identical layers with different weights and locations: one name per
// kernel shape, numbered in order of first occurrence.
// CHECK-LABEL: func.func @two_layers
// CHECK: nn.kernel "k0_norm" norm
// CHECK: nn.kernel "k1_gemm" gemm
// CHECK: nn.kernel "k2_gemm" gemm
// CHECK: nn.kernel "k0_norm" norm
// CHECK: nn.kernel "k1_gemm" gemm
// CHECK: nn.kernel "k2_gemm" gemm
// CHECK-NOT: nn.kernel
func.func @two_layers(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %g0 = nn.weight "l0.g" : tensor<8xf32>
  %u0 = nn.weight "l0.up" : tensor<8x32xf32>
  %d0 = nn.weight "l0.down" : tensor<32x8xf32>
  %g1 = nn.weight "l1.g" : tensor<8xf32>
  %u1 = nn.weight "l1.up" : tensor<8x32xf32>
  %d1 = nn.weight "l1.down" : tensor<32x8xf32>
  %n0 = nn.rms_norm %x, %g0 {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer0.norm")
  %h0 = nn.linear %n0, %u0 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("layer0.up")
  %a0 = nn.activation relu %h0 : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("layer0.act")
  %o0 = nn.linear %a0, %d0 : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("layer0.down")
  %n1 = nn.rms_norm %o0, %g1 {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer1.norm")
  %h1 = nn.linear %n1, %u1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("layer1.up")
  %a1 = nn.activation relu %h1 : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("layer1.act")
  %o1 = nn.linear %a1, %d1 : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("layer1.down")
  return %o1 : tensor<?x?x8xf32>
}

// -----

// Different attributes (activation, epsilon) or shapes: different kernels.
// CHECK-LABEL: func.func @differ
// CHECK: nn.kernel "k0_gemm" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.activation relu
// CHECK: nn.kernel "k1_gemm" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.activation gelu
// CHECK: nn.kernel "k0_gemm" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.activation relu
// CHECK: nn.kernel "k2_gemm" gemm
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<?x?x8xf32>, %{{.*}}: tensor<8x16xf32>)
// CHECK: nn.kernel "k3_norm" norm
// CHECK: nn.kernel "k4_norm" norm
// CHECK: nn.kernel "k3_norm" norm
func.func @differ(%x: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %v: tensor<8x16xf32>, %g: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x16xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %0 = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %1 = nn.activation relu %0 : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %2 = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %3 = nn.activation gelu %2 : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %4 = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %5 = nn.activation relu %4 : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %6 = nn.linear %x, %v : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %7 = nn.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %8 = nn.rms_norm %x, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %9 = nn.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %1, %3, %5, %6, %7, %8, %9 : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x16xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Same ops, different wiring: add(a, b) of two inputs vs add(a, a) of one.
// CHECK-LABEL: func.func @wiring
// CHECK: nn.kernel "k0_elementwise" elementwise(%{{.*}}, %{{.*}})
// CHECK: nn.kernel "k1_elementwise" elementwise(%{{.*}})
// CHECK: nn.kernel "k0_elementwise" elementwise(%{{.*}}, %{{.*}})
func.func @wiring(%x: tensor<?x?x8xf32>, %y: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %0 = nn.add %x, %y : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %1 = nn.add %x, %x : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %2 = nn.add %y, %x : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %0, %1, %2 : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Already formed kernels keep their bodies; only names change.
// CHECK-LABEL: func.func @preformed
// CHECK: nn.kernel "k0_elementwise" elementwise
// CHECK: nn.kernel "k0_elementwise" elementwise
func.func @preformed(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %0 = nn.kernel "first" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    %r = nn.activation relu %a : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %1 = nn.kernel "second" elementwise (%0) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%b: tensor<?x?x8xf32>):
    %s = nn.activation relu %b : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("elsewhere")
    nn.yield %s : tensor<?x?x8xf32>
  }
  return %1 : tensor<?x?x8xf32>
}
