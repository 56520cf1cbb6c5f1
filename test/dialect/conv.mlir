// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.depthwise_conv: round trip (custom and generic form, with and without a
// bias) and every verifier error.

// CHECK-LABEL: func.func @depthwise_conv
// CHECK: nn.depthwise_conv %{{.*}}, %{{.*}}, %{{.*}} {causal = true} : (tensor<?x?x64xf32>, tensor<64x1x4xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.depthwise_conv %{{.*}}, %{{.*}} {causal = false} : (tensor<?x?x64xf32>, tensor<64x1x3xf32>) -> tensor<?x?x64xf32>
func.func @depthwise_conv(%x: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %w = nn.weight "conv.weight" : tensor<64x1x4xf32>
  %b = nn.weight "conv.bias" : tensor<64xf32>
  %w3 = nn.weight "conv3.weight" : tensor<64x1x3xf32>
  %0 = nn.depthwise_conv %x, %w, %b {causal = true} : (tensor<?x?x64xf32>, tensor<64x1x4xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %1 = nn.depthwise_conv %x, %w3 {causal = false} : (tensor<?x?x64xf32>, tensor<64x1x3xf32>) -> tensor<?x?x64xf32>
  return %0, %1 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

func.func @conv_weight_channels(%x: tensor<?x?x8xf32>, %w: tensor<6x1x3xf32>) {
  // expected-error @+1 {{weight must be [8, 1, K] (channels, 1, taps), got [6, 1, 3]}}
  %0 = nn.depthwise_conv %x, %w {causal = true} : (tensor<?x?x8xf32>, tensor<6x1x3xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<?x?x8xf32>, %w: tensor<8x3xf32>) {
  // expected-error @+1 {{weight must be [8, 1, K] (channels, 1, taps), got [8, 3]}}
  %0 = nn.depthwise_conv %x, %w {causal = true} : (tensor<?x?x8xf32>, tensor<8x3xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_weight_groups(%x: tensor<?x?x8xf32>, %w: tensor<8x2x3xf32>) {
  // expected-error @+1 {{weight must be [8, 1, K] (channels, 1, taps), got [8, 2, 3]}}
  %0 = nn.depthwise_conv %x, %w {causal = true} : (tensor<?x?x8xf32>, tensor<8x2x3xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_no_taps(%x: tensor<?x?x8xf32>, %w: tensor<8x1x0xf32>) {
  // expected-error @+1 {{weight must be [8, 1, K] (channels, 1, taps), got [8, 1, 0]}}
  %0 = nn.depthwise_conv %x, %w {causal = true} : (tensor<?x?x8xf32>, tensor<8x1x0xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_centred_even(%x: tensor<?x?x8xf32>, %w: tensor<8x1x4xf32>) {
  // expected-error @+1 {{a centred (non-causal) window needs an odd kernel size, got 4}}
  %0 = nn.depthwise_conv %x, %w {causal = false} : (tensor<?x?x8xf32>, tensor<8x1x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<?x?x8xf32>, %w: tensor<8x1x3xf32>, %b: tensor<6xf32>) {
  // expected-error @+1 {{bias has 6 elements but the input has 8 channels}}
  %0 = nn.depthwise_conv %x, %w, %b {causal = true} : (tensor<?x?x8xf32>, tensor<8x1x3xf32>, tensor<6xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_dynamic_weight(%x: tensor<?x?x8xf32>, %w: tensor<8x1x?xf32>) {
  // expected-error @+1 {{must be statically shaped f32 tensor}}
  %0 = nn.depthwise_conv %x, %w {causal = true} : (tensor<?x?x8xf32>, tensor<8x1x?xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

// CHECK-LABEL: func.func @depthwise_conv_grid
// CHECK: nn.depthwise_conv %{{.*}}, %{{.*}}, %{{.*}} {causal = false, grid = array<i64: 2, 3>} : (tensor<?x6x64xf32>, tensor<64x1x7x7xf32>, tensor<64xf32>) -> tensor<?x6x64xf32>
func.func @depthwise_conv_grid(%x: tensor<?x6x64xf32>) -> tensor<?x6x64xf32> {
  %w = nn.weight "conv.weight" : tensor<64x1x7x7xf32>
  %b = nn.weight "conv.bias" : tensor<64xf32>
  %0 = nn.depthwise_conv %x, %w, %b {causal = false, grid = array<i64: 2, 3>} : (tensor<?x6x64xf32>, tensor<64x1x7x7xf32>, tensor<64xf32>) -> tensor<?x6x64xf32>
  return %0 : tensor<?x6x64xf32>
}

// -----

func.func @conv_grid_weight(%x: tensor<?x6x8xf32>, %w: tensor<8x1x3xf32>) {
  // expected-error @+1 {{weight must be [8, 1, K, K] (channels, 1, taps, taps), got [8, 1, 3]}}
  %0 = nn.depthwise_conv %x, %w {causal = false, grid = array<i64: 2, 3>} : (tensor<?x6x8xf32>, tensor<8x1x3xf32>) -> tensor<?x6x8xf32>
  return
}

// -----

func.func @conv_grid_square(%x: tensor<?x6x8xf32>, %w: tensor<8x1x3x5xf32>) {
  // expected-error @+1 {{weight must be [8, 1, K, K] (channels, 1, taps, taps), got [8, 1, 3, 5]}}
  %0 = nn.depthwise_conv %x, %w {causal = false, grid = array<i64: 2, 3>} : (tensor<?x6x8xf32>, tensor<8x1x3x5xf32>) -> tensor<?x6x8xf32>
  return
}

// -----

func.func @conv_grid_causal(%x: tensor<?x6x8xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+1 {{a convolution on the grid is centred: causal must be false}}
  %0 = nn.depthwise_conv %x, %w {causal = true, grid = array<i64: 2, 3>} : (tensor<?x6x8xf32>, tensor<8x1x3x3xf32>) -> tensor<?x6x8xf32>
  return
}

// -----

func.func @conv_grid_tokens(%x: tensor<?x7x8xf32>, %w: tensor<8x1x3x3xf32>) {
  // expected-error @+1 {{grid 2x3 does not hold the 7 tokens}}
  %0 = nn.depthwise_conv %x, %w {causal = false, grid = array<i64: 2, 3>} : (tensor<?x7x8xf32>, tensor<8x1x3x3xf32>) -> tensor<?x7x8xf32>
  return
}

// -----

func.func @conv_grid_even(%x: tensor<?x6x8xf32>, %w: tensor<8x1x4x4xf32>) {
  // expected-error @+1 {{a centred (non-causal) window needs an odd kernel size, got 4}}
  %0 = nn.depthwise_conv %x, %w {causal = false, grid = array<i64: 2, 3>} : (tensor<?x6x8xf32>, tensor<8x1x4x4xf32>) -> tensor<?x6x8xf32>
  return
}
