// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of a BatchNorm's and a RepBN's affine as weight expressions.
// CHECK-LABEL: func.func @bn_affine
// CHECK: nn.weight.bn_scale %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK: nn.weight.bn_scale %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
// CHECK: nn.weight.bn_shift %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
func.func @bn_affine() -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %m = nn.weight "m" : tensor<8xf32>
  %v = nn.weight "v" : tensor<8xf32>
  %a = nn.weight "alpha" : tensor<1xf32>
  %k = nn.weight.bn_scale %g, %v {epsilon = 1.0e-05 : f32} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %r = nn.weight.bn_scale %g, %v, %a {epsilon = 1.0e-05 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
  %t = nn.weight.bn_shift %b, %m, %g, %v {epsilon = 1.0e-05 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %k, %r, %t : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
