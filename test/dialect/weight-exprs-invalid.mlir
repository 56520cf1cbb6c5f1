// RUN: modelc-opt %s -split-input-file -verify-diagnostics

func.func @concat_off_axis(%a: tensor<8x4xf32>, %b: tensor<6x4xf32>) -> tensor<14x4xf32> {
  %q = nn.weight "a" : tensor<8x4xf32>
  %k = nn.weight "b" : tensor<6x4xf32>
  // expected-error @+1 {{inputs differ off the concatenation axis}}
  %c = nn.weight.concat %q, %k {axis = 1 : i64} : (tensor<8x4xf32>, tensor<6x4xf32>) -> tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}

// -----

func.func @concat_axis() -> tensor<8x4xf32> {
  %q = nn.weight "a" : tensor<8x4xf32>
  // expected-error @+1 {{axis 2 is outside rank 2}}
  %c = nn.weight.concat %q {axis = 2 : i64} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}

// -----

func.func @concat_result() -> tensor<8x9xf32> {
  %q = nn.weight "a" : tensor<8x4xf32>
  // expected-error @+1 {{result shape does not match the concatenation}}
  %c = nn.weight.concat %q, %q {axis = 1 : i64} : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x9xf32>
  return %c : tensor<8x9xf32>
}

// -----

func.func @scale_size() -> tensor<8x4xf32> {
  %w = nn.weight "w" : tensor<8x4xf32>
  %g = nn.weight "g" : tensor<4xf32>
  // expected-error @+1 {{scale has 4 elements for axis 0 of size 8}}
  %s = nn.weight.scale %w, %g {axis = 0 : i64} : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

func.func @matmul_inner() -> tensor<8x4xf32> {
  %a = nn.weight "a" : tensor<8x3xf32>
  %b = nn.weight "b" : tensor<4x4xf32>
  // expected-error @+1 {{inner dimensions 3 and 4 differ}}
  %m = nn.weight.matmul %a, %b : (tensor<8x3xf32>, tensor<4x4xf32>) -> tensor<8x4xf32>
  return %m : tensor<8x4xf32>
}

// -----

func.func @add_types() -> tensor<4xf32> {
  %a = nn.weight "a" : tensor<4xf32>
  %b = nn.weight "b" : tensor<5xf32>
  // expected-error @+1 {{operands and result must have one type}}
  %s = nn.weight.add %a, %b : (tensor<4xf32>, tensor<5xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

func.func @center_type() -> tensor<4x5xf32> {
  %a = nn.weight "a" : tensor<4x4xf32>
  // expected-error @+1 {{result type differs from the input's}}
  %c = nn.weight.center %a {axis = 0 : i64} : (tensor<4x4xf32>) -> tensor<4x5xf32>
  return %c : tensor<4x5xf32>
}

// -----

func.func @reshape_elements() -> tensor<24x140xf32> {
  %c = nn.weight "down" : tensor<24x16x3x3xf32>
  // expected-error @+1 {{result has 3360 elements, the input 3456}}
  %m = nn.weight.reshape %c : (tensor<24x16x3x3xf32>) -> tensor<24x140xf32>
  return %m : tensor<24x140xf32>
}

// -----

func.func @transpose_shape() -> tensor<24x144xf32> {
  %m = nn.weight "m" : tensor<24x144xf32>
  // expected-error @+1 {{result must be [144, 24], the input transposed}}
  %t = nn.weight.transpose %m : (tensor<24x144xf32>) -> tensor<24x144xf32>
  return %t : tensor<24x144xf32>
}

// -----

func.func @transpose_permutation_shape() -> tensor<16x2x2xf32> {
  %g = nn.weight "g" : tensor<2x2x16xf32>
  // expected-error @+1 {{result must be [16, 2, 2], the input transposed}}
  %p = nn.weight.transpose %g {permutation = array<i64: 2, 1, 0>} : (tensor<2x2x16xf32>) -> tensor<2x16x2xf32>
  return %p : tensor<2x16x2xf32>
}

// -----

func.func @transpose_permutation_axes() -> tensor<2x2x16xf32> {
  %g = nn.weight "g" : tensor<2x2x16xf32>
  // expected-error @+1 {{permutation must order the input's 3 axes}}
  %p = nn.weight.transpose %g {permutation = array<i64: 0, 0, 2>} : (tensor<2x2x16xf32>) -> tensor<2x2x16xf32>
  return %p : tensor<2x2x16xf32>
}

// -----

func.func @transpose_vector() -> tensor<16xf32> {
  %g = nn.weight "g" : tensor<16xf32>
  // expected-error @+1 {{without a permutation the input must be a matrix}}
  %p = nn.weight.transpose %g : (tensor<16xf32>) -> tensor<16xf32>
  return %p : tensor<16xf32>
}
