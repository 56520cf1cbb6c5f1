// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of every weight expression.

// CHECK-LABEL: func.func @exprs
// CHECK: nn.weight.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x16xf32>
// CHECK: nn.weight.scale %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<8x16xf32>, tensor<8xf32>) -> tensor<8x16xf32>
// CHECK: nn.weight.matmul %{{.*}}, %{{.*}} : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
// CHECK: nn.weight.add %{{.*}}, %{{.*}} : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
// CHECK: nn.weight.center %{{.*}} {axis = 1 : i64} : (tensor<8x16xf32>) -> tensor<8x16xf32>
// CHECK: nn.weight.mul_scalar %{{.*}} {value = 1.250000e-01 : f32} : (tensor<8x16xf32>) -> tensor<8x16xf32>
// CHECK: nn.weight.splat {value = 1.000000e+00 : f32} : tensor<16xf32>
func.func @exprs() -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %q = nn.weight "q" : tensor<8x8xf32>
  %k = nn.weight "k" : tensor<8x4xf32>
  %v = nn.weight "v" : tensor<8x4xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<16xf32>
  %qkv = nn.weight.concat %q, %k, %v {axis = 1 : i64} : (tensor<8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x16xf32>
  %s = nn.weight.scale %qkv, %g {axis = 0 : i64} : (tensor<8x16xf32>, tensor<8xf32>) -> tensor<8x16xf32>
  %p = nn.weight.matmul %g, %qkv : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
  %a = nn.weight.add %p, %b : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %c = nn.weight.center %s {axis = 1 : i64} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %m = nn.weight.mul_scalar %c {value = 0.125 : f32} : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %one = nn.weight.splat {value = 1.0 : f32} : tensor<16xf32>
  return %m, %a, %one : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// A Conv2d weight [out, in, k, k] as the GEMM weight [in * k * k, out].
// CHECK-LABEL: func.func @conv_as_gemm
// CHECK: nn.weight.reshape %{{.*}} : (tensor<24x16x3x3xf32>) -> tensor<24x144xf32>
// CHECK: nn.weight.transpose %{{.*}} : (tensor<24x144xf32>) -> tensor<144x24xf32>
func.func @conv_as_gemm() -> tensor<144x24xf32> {
  %c = nn.weight "down" : tensor<24x16x3x3xf32>
  %m = nn.weight.reshape %c : (tensor<24x16x3x3xf32>) -> tensor<24x144xf32>
  %t = nn.weight.transpose %m : (tensor<24x144xf32>) -> tensor<144x24xf32>
  return %t : tensor<144x24xf32>
}

// -----

// Swin's patch-merging weights: (column, row, channel) reordered to
// nn.grid_patches' (channel, row, column).
// CHECK-LABEL: func.func @permuted
// CHECK: nn.weight.transpose %{{.*}} {permutation = array<i64: 2, 1, 0>} : (tensor<2x2x16xf32>) -> tensor<16x2x2xf32>
func.func @permuted() -> tensor<16x2x2xf32> {
  %g = nn.weight "norm" : tensor<2x2x16xf32>
  %p = nn.weight.transpose %g {permutation = array<i64: 2, 1, 0>} : (tensor<2x2x16xf32>) -> tensor<16x2x2xf32>
  return %p : tensor<16x2x2xf32>
}
