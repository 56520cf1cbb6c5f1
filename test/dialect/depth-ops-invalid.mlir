// RUN: modelc-opt %s -split-input-file -verify-diagnostics

// Every verifier check of the norm and block-structure ops of issue 7
// (dialect/ops/NormOps.cpp, StructureOps.cpp, LinearOps.cpp).

func.func @batch_norm_mean(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %m: tensor<4xf32>) {
  // expected-error @+1 {{mean has 4 elements but the input has 8 channels}}
  %0 = nn.batch_norm %x, %g, %g, %m, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @batch_norm_variance(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %v: tensor<16xf32>) {
  // expected-error @+1 {{variance has 16 elements but the input has 8 channels}}
  %0 = nn.batch_norm %x, %g, %g, %g, %v {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @batch_norm_gamma(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{gamma has 2 elements but the input has 8 channels}}
  %0 = nn.batch_norm %x, %b, %g, %g, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<2xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @batch_norm_beta(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{beta has 2 elements but the input has 8 channels}}
  %0 = nn.batch_norm %x, %g, %b, %g, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<2xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @rep_bn_alpha(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %a: tensor<2xf32>) {
  // expected-error @+1 {{alpha has 2 elements; RepBN's alpha is one scalar}}
  %0 = nn.batch_norm %x, %g, %g, %g, %g, %a {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @batch_norm_epsilon(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive}}
  %0 = nn.batch_norm %x, %g, %g, %g, %g {epsilon = 0.0 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @group_norm_groups(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{groups = 3 must be positive and divide the 8 channels}}
  %0 = nn.group_norm %x, %g, %g {epsilon = 1.0e-05 : f32, groups = 3 : i64} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @group_norm_zero_groups(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{groups = 0 must be positive and divide the 8 channels}}
  %0 = nn.group_norm %x, %g, %g {epsilon = 1.0e-05 : f32, groups = 0 : i64} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @group_norm_gamma(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{gamma has 4 elements but the input has 8 channels}}
  %0 = nn.group_norm %x, %b, %g {epsilon = 1.0e-05 : f32, groups = 1 : i64} : (tensor<?x?x8xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @group_norm_beta(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{beta has 4 elements but the input has 8 channels}}
  %0 = nn.group_norm %x, %g, %b {epsilon = 1.0e-05 : f32, groups = 1 : i64} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @group_norm_epsilon(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive}}
  %0 = nn.group_norm %x, %g, %g {epsilon = -1.0 : f32, groups = 1 : i64} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @channel_scale(%x: tensor<?x?x8xf32>, %l: tensor<4xf32>) {
  // expected-error @+1 {{scale has 4 elements but the input has 8 channels}}
  %0 = nn.channel_scale %x, %l : (tensor<?x?x8xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @scaled_add_channels(%x: tensor<?x?x8xf32>, %y: tensor<?x?x4xf32>) {
  // expected-error @+1 {{operands have 8 and 4 channels}}
  %0 = nn.scaled_add %x, %y {lhs_scale = 2.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @scaled_add_tokens(%x: tensor<2x?x8xf32>, %y: tensor<3x?x8xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.scaled_add %x, %y {lhs_scale = 2.0 : f32} : (tensor<2x?x8xf32>, tensor<3x?x8xf32>) -> tensor<2x?x8xf32>
  return
}

// -----

func.func @weighted_sum_count(%x: tensor<?x?x8xf32>, %w: tensor<1x3xf32>) {
  // expected-error @+1 {{has 2 inputs but 3 weights}}
  %0 = nn.weighted_sum %w, %x, %x : (tensor<1x3xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @weighted_sum_channels(%x: tensor<?x?x8xf32>, %y: tensor<?x?x4xf32>, %w: tensor<2xf32>) {
  // expected-error @+1 {{inputs have 8 and 4 channels}}
  %0 = nn.weighted_sum %w, %x, %y : (tensor<2xf32>, tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @weighted_sum_tokens(%x: tensor<2x?x8xf32>, %y: tensor<3x?x8xf32>, %w: tensor<2xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.weighted_sum %w, %x, %y : (tensor<2xf32>, tensor<2x?x8xf32>, tensor<3x?x8xf32>) -> tensor<2x?x8xf32>
  return
}

// -----

func.func @select_rank(%w: tensor<8xf32>) {
  // expected-error @+1 {{needs a stacked input of rank 2 or more}}
  %0 = nn.weight.select %w {index = 0 : i64} : (tensor<8xf32>) -> tensor<f32>
  return
}

// -----

func.func @select_index(%w: tensor<3x4x8xf32>) {
  // expected-error @+1 {{index 3 is outside the 3 stacked slices}}
  %0 = nn.weight.select %w {index = 3 : i64} : (tensor<3x4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @select_transposed_vector(%w: tensor<3x8xf32>) {
  // expected-error @+1 {{only a slice of rank 2 or more can be transposed}}
  %0 = nn.weight.select %w {index = 0 : i64, transposed} : (tensor<3x8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @select_shape(%w: tensor<3x4x8xf32>) {
  // expected-error @+1 {{result shape does not match the selected slice}}
  %0 = nn.weight.select %w {index = 0 : i64} : (tensor<3x4x8xf32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @lora_weight(%x: tensor<?x?x8xf32>, %w: tensor<4x16xf32>, %xa: tensor<?x?x2xf32>, %b: tensor<2x16xf32>) {
  // expected-error @+1 {{weight is [4, 16] (in, out) but the input has 8 channels}}
  %0 = nn.lora_linear %x, %w, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<4x16xf32>, tensor<?x?x2xf32>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @lora_bias(%x: tensor<?x?x8xf32>, %w: tensor<8x16xf32>, %bias: tensor<8xf32>, %xa: tensor<?x?x2xf32>, %b: tensor<2x16xf32>) {
  // expected-error @+1 {{bias has 8 elements but the input has 16 channels}}
  %0 = nn.lora_linear %x, %w, %bias, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<?x?x2xf32>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @lora_low_rank(%x: tensor<?x?x8xf32>, %w: tensor<8x16xf32>, %xa: tensor<?x?x2xf32>, %b: tensor<4x16xf32>) {
  // expected-error @+1 {{low-rank weight is [4, 16] but needs [2, 16] (rank, out)}}
  %0 = nn.lora_linear %x, %w, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<?x?x2xf32>, tensor<4x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @lora_tokens(%x: tensor<2x?x8xf32>, %w: tensor<8x16xf32>, %xa: tensor<3x?x2xf32>, %b: tensor<2x16xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.lora_linear %x, %w, %xa, %b {scale = 1.0 : f32} : (tensor<2x?x8xf32>, tensor<8x16xf32>, tensor<3x?x2xf32>, tensor<2x16xf32>) -> tensor<2x?x16xf32>
  return
}
