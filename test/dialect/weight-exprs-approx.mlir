// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of the approximate passes' weight expressions (their values
// are checked against PyTorch by test/numerics/approx-*.test).

// CHECK-LABEL: func.func @exprs
// CHECK: nn.weight.sq_norms %{{.*}} {axis = 1 : i64} : (tensor<8x16xf32>) -> tensor<16xf32>
// CHECK: nn.weight.select_top %{{.*}}, %{{.*}} {axis = 1 : i64, group = 4 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x8xf32>
// CHECK: nn.weight.slice %{{.*}} {axis = 1 : i64, offset = 4 : i64} : (tensor<8x16xf32>) -> tensor<8x8xf32>
// CHECK: nn.weight.svd_factor left %{{.*}} : (tensor<8x16xf32>) -> tensor<8x2xf32>
// CHECK: nn.weight.svd_factor right %{{.*}} : (tensor<8x16xf32>) -> tensor<2x16xf32>
func.func @exprs() -> (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x2xf32>, tensor<2x16xf32>) {
  %w = nn.weight "w" : tensor<8x16xf32>
  %s = nn.weight.sq_norms %w {axis = 1 : i64} : (tensor<8x16xf32>) -> tensor<16xf32>
  %t = nn.weight.select_top %w, %s {axis = 1 : i64, group = 4 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x8xf32>
  %c = nn.weight.slice %w {axis = 1 : i64, offset = 4 : i64} : (tensor<8x16xf32>) -> tensor<8x8xf32>
  %a = nn.weight.svd_factor left %w : (tensor<8x16xf32>) -> tensor<8x2xf32>
  %b = nn.weight.svd_factor right %w : (tensor<8x16xf32>) -> tensor<2x16xf32>
  return %t, %c, %a, %b : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x2xf32>, tensor<2x16xf32>
}
