// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of nn.linear_attention in each of its forms.

// CHECK-LABEL: func.func @elu_causal
// CHECK: nn.linear_attention elu denominator %{{.*}}, %{{.*}}, %{{.*}} {causal = true, eps = 9.99999997E-7 : f32, heads = 4 : i64, scale = 1.000000e+00 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
func.func @elu_causal(%q: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %o = nn.linear_attention elu denominator %q, %k, %v {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return %o : tensor<?x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @relu_identity
// CHECK: nn.linear_attention relu none
// CHECK-SAME: causal = false
// CHECK: nn.linear_attention identity none
func.func @relu_identity(%q: tensor<2x7x64xf32>, %v: tensor<2x7x64xf32>) -> tensor<2x7x64xf32> {
  %a = nn.linear_attention relu none %q, %q, %v {heads = 2 : i64, causal = false, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<2x7x64xf32>) -> tensor<2x7x64xf32>
  %b = nn.linear_attention identity none %q, %a, %a {heads = 2 : i64, causal = true, eps = 1.0e-06 : f32, scale = 0.125 : f32} : (tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<2x7x64xf32>) -> tensor<2x7x64xf32>
  return %b : tensor<2x7x64xf32>
}

// -----

// CHECK-LABEL: func.func @hedgehog_conv_head_norm
// CHECK: nn.linear_attention hedgehog head_layer_norm %{{.*}}, %{{.*}}, %{{.*}} maps(%{{.*}}, %{{.*}}) conv(%{{.*}}, %{{.*}}) norm(%{{.*}}, %{{.*}})
// CHECK: nn.linear_attention elu head_rms_norm %{{.*}}, %{{.*}}, %{{.*}} norm(%{{.*}}) {
func.func @hedgehog_conv_head_norm(%q: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>, %wq: tensor<4x16x8xf32>, %wk: tensor<4x16x8xf32>, %cw: tensor<16x1x5xf32>, %cb: tensor<16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<?x?x64xf32> {
  %0 = nn.linear_attention hedgehog head_layer_norm %q, %k, %v maps(%wq, %wk) conv(%cw, %cb) norm(%g, %b) {heads = 4 : i64, causal = false, eps = 1.0e-05 : f32, scale = 0.5 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<16x1x5xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  %1 = nn.linear_attention elu head_rms_norm %q, %k, %0 norm(%g) {heads = 4 : i64, causal = true, eps = 1.0e-05 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return %1 : tensor<?x?x64xf32>
}

// -----

// A causal conv may have an even number of taps.
// CHECK-LABEL: func.func @causal_even_conv
// CHECK: conv(%{{.*}}, %{{.*}}) {causal = true
func.func @causal_even_conv(%q: tensor<?x?x64xf32>, %cw: tensor<16x1x4xf32>, %cb: tensor<16xf32>) -> tensor<?x?x64xf32> {
  %0 = nn.linear_attention relu denominator %q, %q, %q conv(%cw, %cb) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16x1x4xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}
