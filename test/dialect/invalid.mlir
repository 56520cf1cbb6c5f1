// RUN: modelc-opt %s -split-input-file -verify-diagnostics

// One case per verifier check of dialect/NNOps.cpp and per type constraint
// of dialect/NNOps.td.

//===----------------------------------------------------------------------===//
// nn.weight
//===----------------------------------------------------------------------===//

func.func @weight_empty_name() {
  // expected-error @+1 {{needs a non-empty weight name}}
  %w = nn.weight "" : tensor<4x4xf32>
  return
}

// -----

func.func @weight_not_f32() {
  // expected-error @+1 {{weights are f32}}
  %w = nn.weight "w" : tensor<4x4xi32>
  return
}

// -----

func.func @weight_transposed_vector() {
  // expected-error @+1 {{only a matrix can be transposed}}
  %w = nn.weight "b" transposed : tensor<4xf32>
  return
}

// -----

func.func @weight_dynamic() {
  // expected-error @+1 {{must be statically shaped tensor of any type values}}
  %w = nn.weight "w" : tensor<?x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Type constraints: static channels and weights
//===----------------------------------------------------------------------===//

// -----

func.func @dynamic_channels(%a: tensor<?x?x?xf32>) {
  // expected-error @+1 {{must be f32 tensor [batch, seq, channels] with static channels}}
  %0 = nn.activation relu %a : (tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return
}

// -----

func.func @dynamic_weight(%x: tensor<?x?x4xf32>, %w: tensor<4x?xf32>) {
  // expected-error @+1 {{must be statically shaped 2D f32 tensor}}
  %0 = nn.linear %x, %w : (tensor<?x?x4xf32>, tensor<4x?xf32>) -> tensor<?x?x4xf32>
  return
}

// -----

func.func @activation_rank(%a: tensor<?x4xf32>) {
  // expected-error @+1 {{must be f32 tensor [batch, seq, channels]}}
  %0 = nn.activation relu %a : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @result_type_disagrees(%x: tensor<?x?x4xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<?x?x8xf32>' are incompatible with return type(s) of operation 'tensor<?x?x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.linear %x, %w : (tensor<?x?x4xf32>, tensor<4x8xf32>) -> tensor<?x?x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.add_positions
//===----------------------------------------------------------------------===//

// -----

func.func @positions_width(%x: tensor<?x?x8xf32>, %p: tensor<16x4xf32>) {
  // expected-error @+1 {{position table width 4 != input channels 8}}
  %0 = nn.add_positions %x, %p : (tensor<?x?x8xf32>, tensor<16x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @positions_too_few_rows(%x: tensor<1x32x8xf32>, %p: tensor<16x8xf32>) {
  // expected-error @+1 {{sequence length 32 exceeds the 16 position rows}}
  %0 = nn.add_positions %x, %p : (tensor<1x32x8xf32>, tensor<16x8xf32>) -> tensor<1x32x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.linear
//===----------------------------------------------------------------------===//

// -----

func.func @linear_channels(%x: tensor<?x?x8xf32>, %w: tensor<4x16xf32>) {
  // expected-error @+1 {{weight is [4, 16] (in, out) but the input has 8 channels}}
  %0 = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<4x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x?x8xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias has 8 elements but the input has 16 channels}}
  %0 = nn.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<?x?x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.add / nn.mul
//===----------------------------------------------------------------------===//

// -----

func.func @add_channels(%a: tensor<?x?x8xf32>, %b: tensor<?x?x4xf32>) {
  // expected-error @+1 {{operands have 8 and 4 channels}}
  %0 = nn.add %a, %b : (tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @mul_channels(%a: tensor<?x?x8xf32>, %b: tensor<?x?x4xf32>) {
  // expected-error @+1 {{operands have 8 and 4 channels}}
  %0 = nn.mul %a, %b : (tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @add_tokens(%a: tensor<2x?x8xf32>, %b: tensor<3x?x8xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.add %a, %b : (tensor<2x?x8xf32>, tensor<3x?x8xf32>) -> tensor<2x?x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.slice
//===----------------------------------------------------------------------===//

// -----

func.func @slice_past_end(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{channels [16, 32) are outside the input's 24}}
  %0 = nn.slice %x [16] : (tensor<?x?x24xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @slice_negative(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{channels [-1, 7) are outside the input's 24}}
  %0 = nn.slice %x [-1] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @slice_tokens(%x: tensor<2x?x24xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.slice %x [0] : (tensor<2x?x24xf32>) -> tensor<3x?x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.layer_norm / nn.rms_norm
//===----------------------------------------------------------------------===//

// -----

func.func @layer_norm_gamma(%x: tensor<?x?x8xf32>, %g: tensor<4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{gamma has 4 elements but the input has 8 channels}}
  %0 = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @layer_norm_beta(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{beta has 16 elements but the input has 8 channels}}
  %0 = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<16xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive}}
  %0 = nn.layer_norm %x, %g, %b {epsilon = 0.0 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @rms_norm_gamma(%x: tensor<?x?x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{gamma has 4 elements but the input has 8 channels}}
  %0 = nn.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive}}
  %0 = nn.rms_norm %x, %g {epsilon = -1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.rope
//===----------------------------------------------------------------------===//

// -----

func.func @rope_heads(%x: tensor<?x?x12xf32>) {
  // expected-error @+1 {{channels 12 are not 5 heads}}
  %0 = nn.rope half %x {heads = 5 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @rope_zero_heads(%x: tensor<?x?x12xf32>) {
  // expected-error @+1 {{channels 12 are not 0 heads}}
  %0 = nn.rope half %x {heads = 0 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @rope_odd_head_dim(%x: tensor<?x?x12xf32>) {
  // expected-error @+1 {{head_dim 3 must be even}}
  %0 = nn.rope interleaved %x {heads = 4 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @rope_theta(%x: tensor<?x?x12xf32>) {
  // expected-error @+1 {{theta must be positive}}
  %0 = nn.rope half %x {heads = 2 : i64, theta = 0.0 : f32} : (tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.attention
//===----------------------------------------------------------------------===//

// -----

func.func @attention_kv_heads(%q: tensor<?x?x12xf32>, %k: tensor<?x?x12xf32>) {
  // expected-error @+1 {{kv_heads 4 must divide heads 6}}
  %0 = nn.attention %q, %k, %k {heads = 6 : i64, kv_heads = 4 : i64, causal = true, scale = 1.0 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @attention_zero_kv_heads(%q: tensor<?x?x12xf32>, %k: tensor<?x?x12xf32>) {
  // expected-error @+1 {{kv_heads 0 must divide heads 6}}
  %0 = nn.attention %q, %k, %k {heads = 6 : i64, kv_heads = 0 : i64, causal = true, scale = 1.0 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @attention_query_heads(%q: tensor<?x?x12xf32>, %k: tensor<?x?x12xf32>) {
  // expected-error @+1 {{query channels 12 are not 8 heads}}
  %0 = nn.attention %q, %k, %k {heads = 8 : i64, kv_heads = 8 : i64, causal = true, scale = 1.0 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @attention_kv_width(%q: tensor<?x?x16xf32>, %k: tensor<?x?x16xf32>) {
  // expected-error @+1 {{key/value need 8 channels (2 heads of 4)}}
  %0 = nn.attention %q, %k, %k {heads = 4 : i64, kv_heads = 2 : i64, causal = true, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @attention_tokens(%q: tensor<1x?x16xf32>, %k: tensor<2x?x16xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.attention %q, %k, %k {heads = 4 : i64, kv_heads = 4 : i64, causal = true, scale = 0.5 : f32} : (tensor<1x?x16xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>) -> tensor<1x?x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.kernel / nn.yield
//===----------------------------------------------------------------------===//

// -----

func.func @kernel_empty_name(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{needs a non-empty kernel name}}
  %0 = nn.kernel "" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    nn.yield %a : tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @kernel_no_yield(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{body must end in nn.yield}}
  %0 = nn.kernel "k" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    %1 = nn.activation relu %a : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @kernel_arg_count(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{body takes 2 arguments for 1 inputs}}
  %0 = nn.kernel "k" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>):
    nn.yield %a : tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @kernel_arg_type(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{body argument type 'tensor<1x?x8xf32>' differs from input type 'tensor<?x?x8xf32>'}}
  %0 = nn.kernel "k" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<1x?x8xf32> {
  ^bb0(%a: tensor<1x?x8xf32>):
    nn.yield %a : tensor<1x?x8xf32>
  }
  return
}

// -----

func.func @kernel_yield_count(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{yields 'tensor<?x?x8xf32>', 'tensor<?x?x8xf32>' but returns 'tensor<?x?x8xf32>'}}
  %0 = nn.kernel "k" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    nn.yield %a, %a : tensor<?x?x8xf32>, tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @kernel_yield_type(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{yields 'tensor<?x?x8xf32>' but returns 'tensor<?x?x4xf32>'}}
  %0 = nn.kernel "k" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x4xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    nn.yield %a : tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @kernel_offset_count(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{has 2 arena offsets for 1 results}}
  %0 = nn.kernel "k" elementwise (%x) {arena_offsets = array<i64: 0, 8>} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    nn.yield %a : tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @kernel_offset_negative(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{arena offset -2 is negative (only -1, the caller's buffer, is)}}
  %0 = nn.kernel "k" elementwise (%x) {arena_offsets = array<i64: -2>} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    nn.yield %a : tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @kernel_uses_outside_value(%x: tensor<?x?x8xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = nn.kernel "k" elementwise () : () -> tensor<?x?x8xf32> {
    // expected-error @+1 {{using value defined outside the region}}
    %1 = nn.activation relu %x : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %1 : tensor<?x?x8xf32>
  }
  return
}

// -----

func.func @yield_outside_kernel(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{expects parent op 'nn.kernel'}}
  nn.yield %x : tensor<?x?x8xf32>
}
