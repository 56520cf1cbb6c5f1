// RUN: modelc-opt %s -split-input-file -verify-diagnostics

func.func @odd_columns(%x: tensor<?x?x8xf32>, %w: tensor<8x31xf32>) {
  // expected-error @+1 {{weight has 31 columns, not gate and up halves}}
  %0 = nn.gated_linear silu %x, %w : (tensor<?x?x8xf32>, tensor<8x31xf32>) -> tensor<?x?x15xf32>
  return
}

// -----

func.func @wrong_input(%x: tensor<?x?x4xf32>, %w: tensor<8x32xf32>) {
  // expected-error @+1 {{weight is [8, 32] (in, 2 hidden) but the input has 4 channels}}
  %0 = nn.gated_linear silu %x, %w : (tensor<?x?x4xf32>, tensor<8x32xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @wrong_bias(%x: tensor<?x?x8xf32>, %w: tensor<8x32xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{bias}}
  %0 = nn.gated_linear silu %x, %w, %b : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @layer_norm_half_affine(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{takes gamma and beta, or no affine at all}}
  %0 = nn.layer_norm %x, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @rms_norm_two_affines(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{takes gamma, or no affine at all}}
  %0 = nn.rms_norm %x, %g, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}
