// RUN: modelc-opt %s -split-input-file -verify-diagnostics
// The verifiers of the weight-only int8 ops and weight expressions.

func.func @quantize_group() -> tensor<8x16xi8> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{group 3 must divide the input's 8 rows}}
  %q = nn.weight.quantize_int8 %w {group = 3 : i64} : (tensor<8x16xf32>) -> tensor<8x16xi8>
  return %q : tensor<8x16xi8>
}

// -----

func.func @scales_shape() -> tensor<1x16xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{result must be [2, 16]}}
  %s = nn.weight.int8_scales %w {group = 4 : i64} : (tensor<8x16xf32>) -> tensor<1x16xf32>
  return %s : tensor<1x16xf32>
}

// -----

func.func @linear_scales(%x: tensor<?x?x8xf32>, %q: tensor<8x16xi8>, %s: tensor<3x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{scales are [3, 16]: want [groups, 16] with groups dividing 8}}
  %y = nn.int8_linear %x, %q, %s : (tensor<?x?x8xf32>, tensor<8x16xi8>, tensor<3x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

func.func @linear_input(%x: tensor<?x?x4xf32>, %q: tensor<8x16xi8>, %s: tensor<1x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{weight is [8, 16] (in, out) but the input has 4 channels}}
  %y = nn.int8_linear %x, %q, %s : (tensor<?x?x4xf32>, tensor<8x16xi8>, tensor<1x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

func.func @gated_halves(%x: tensor<?x?x8xf32>, %q: tensor<8x15xi8>, %s: tensor<1x15xf32>) -> tensor<?x?x7xf32> {
  // expected-error @+1 {{weight has 15 columns, not gate and up halves}}
  %y = nn.int8_gated_linear silu %x, %q, %s : (tensor<?x?x8xf32>, tensor<8x15xi8>, tensor<1x15xf32>) -> tensor<?x?x7xf32>
  return %y : tensor<?x?x7xf32>
}

// -----

func.func @gated_scales(%x: tensor<?x?x8xf32>, %q: tensor<8x16xi8>, %s: tensor<1x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{scales are [1, 8]: want [groups, 16] with groups dividing 8}}
  %y = nn.int8_gated_linear silu %x, %q, %s : (tensor<?x?x8xf32>, tensor<8x16xi8>, tensor<1x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

func.func @lora_scales(%x: tensor<?x?x8xf32>, %q: tensor<8x16xi8>, %s: tensor<3x16xf32>, %xa: tensor<?x?x2xf32>, %b: tensor<2x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{scales are [3, 16]: want [groups, 16] with groups dividing 8}}
  %y = nn.int8_lora_linear %x, %q, %s, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<8x16xi8>, tensor<3x16xf32>, tensor<?x?x2xf32>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

func.func @lora_low_rank(%x: tensor<?x?x8xf32>, %q: tensor<8x16xi8>, %s: tensor<2x16xf32>, %xa: tensor<?x?x2xf32>, %b: tensor<4x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{low-rank weight is [4, 16] but needs [2, 16] (rank, out)}}
  %y = nn.int8_lora_linear %x, %q, %s, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<8x16xi8>, tensor<2x16xf32>, tensor<?x?x2xf32>, tensor<4x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

func.func @lora_f32_weight(%x: tensor<?x?x8xf32>, %w: tensor<8x16xf32>, %s: tensor<1x16xf32>, %xa: tensor<?x?x2xf32>, %b: tensor<2x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{operand #1 must be}}
  %y = nn.int8_lora_linear %x, %w, %s, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<1x16xf32>, tensor<?x?x2xf32>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
