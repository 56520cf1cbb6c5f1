// RUN: modelc-opt %s -split-input-file -verify-diagnostics

// One case per verifier check of nn.short_conv and nn.delta_rule
// (dialect/ops/DeltaRuleOps.cpp).

func.func @conv_weight_rank(%x: tensor<?x?x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{weight must be [8, 1, taps]}}
  %0 = nn.short_conv %x, %w : (tensor<?x?x8xf32>, tensor<8x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_weight_channels(%x: tensor<?x?x8xf32>, %w: tensor<6x1x4xf32>) {
  // expected-error @+1 {{weight must be [8, 1, taps]}}
  %0 = nn.short_conv %x, %w : (tensor<?x?x8xf32>, tensor<6x1x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_weight_groups(%x: tensor<?x?x8xf32>, %w: tensor<8x2x4xf32>) {
  // expected-error @+1 {{weight must be [8, 1, taps]}}
  %0 = nn.short_conv %x, %w : (tensor<?x?x8xf32>, tensor<8x2x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_no_taps(%x: tensor<?x?x8xf32>, %w: tensor<8x1x0xf32>) {
  // expected-error @+1 {{weight must be [8, 1, taps]}}
  %0 = nn.short_conv %x, %w : (tensor<?x?x8xf32>, tensor<8x1x0xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<?x?x8xf32>, %w: tensor<8x1x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias has 4 elements but the input has 8 channels}}
  %0 = nn.short_conv %x, %w, %b : (tensor<?x?x8xf32>, tensor<8x1x4xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @delta_heads(%q: tensor<?x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{query channels 12 are not 5 heads}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 5 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_zero_heads(%q: tensor<?x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{query channels 12 are not 0 heads}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 0 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_key_width(%q: tensor<?x?x12xf32>, %k: tensor<?x?x8xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{key has 8 channels, the query 12}}
  %0 = nn.delta_rule %q, %k, %q norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_key_head_limit(%q: tensor<?x?x257xf32>, %n: tensor<257xf32>) {
  // expected-error @+1 {{key head dim 257 exceeds 256}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 1 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x257xf32>, tensor<?x?x257xf32>, tensor<?x?x257xf32>, tensor<257xf32>) -> tensor<?x?x257xf32>
  return
}

// -----

func.func @delta_value_heads(%q: tensor<?x?x12xf32>, %v: tensor<?x?x10xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{value channels 10 are not 4 heads}}
  %0 = nn.delta_rule %q, %q, %v norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x10xf32>, tensor<3xf32>) -> tensor<?x?x10xf32>
  return
}

// -----

func.func @delta_chunk_power_of_two(%q: tensor<?x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{chunk 48 must be a power of two in [1, 256]}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 4 : i64, chunk = 48 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_chunk_limit(%q: tensor<?x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{chunk 512 must be a power of two in [1, 256]}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 4 : i64, chunk = 512 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_tokens(%q: tensor<1x?x12xf32>, %k: tensor<2x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.delta_rule %q, %k, %q norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<1x?x12xf32>, tensor<2x?x12xf32>, tensor<1x?x12xf32>, tensor<3xf32>) -> tensor<1x?x12xf32>
  return
}

// -----

func.func @delta_beta_heads(%q: tensor<?x?x12xf32>, %b: tensor<?x?x3xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{beta and decay need one channel per head (4), got 3}}
  %0 = nn.delta_rule %q, %q, %q beta %b norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x3xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_beta_tokens(%q: tensor<2x?x12xf32>, %b: tensor<3x?x4xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.delta_rule %q, %q, %q beta %b norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<2x?x12xf32>, tensor<2x?x12xf32>, tensor<2x?x12xf32>, tensor<3x?x4xf32>, tensor<3xf32>) -> tensor<2x?x12xf32>
  return
}

// -----

func.func @delta_decay_parts(%q: tensor<?x?x12xf32>, %a: tensor<?x?x4xf32>, %al: tensor<4xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{decay, a_log and dt_bias come together}}
  %0 = "nn.delta_rule"(%q, %q, %q, %a, %al, %n) {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 1, 0, 1>} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x4xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_a_log_size(%q: tensor<?x?x12xf32>, %a: tensor<?x?x4xf32>, %al: tensor<3xf32>, %dt: tensor<4xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{a_log needs 4 elements (one per head), got 3}}
  %0 = nn.delta_rule %q, %q, %q decay %a, %al, %dt norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x4xf32>, tensor<3xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_dt_bias_size(%q: tensor<?x?x12xf32>, %a: tensor<?x?x4xf32>, %al: tensor<4xf32>, %dt: tensor<2xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{dt_bias needs 4 elements (one per head), got 2}}
  %0 = nn.delta_rule %q, %q, %q decay %a, %al, %dt norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x4xf32>, tensor<4xf32>, tensor<2xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_norm_size(%q: tensor<?x?x12xf32>, %n: tensor<12xf32>) {
  // expected-error @+1 {{norm_weight needs 3 elements (one per value channel of a head), got 12}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<12xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_scale(%q: tensor<?x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{scale must be positive}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.0 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_beta_scale(%q: tensor<?x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{beta_scale must be positive}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = -1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}

// -----

func.func @delta_norm_epsilon(%q: tensor<?x?x12xf32>, %n: tensor<3xf32>) {
  // expected-error @+1 {{norm_epsilon must be positive}}
  %0 = nn.delta_rule %q, %q, %q norm %n {heads = 4 : i64, chunk = 4 : i64, scale = 0.5 : f32, beta_scale = 1.0 : f32, norm_epsilon = 0x7FC00000 : f32} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<?x?x12xf32>, tensor<3xf32>) -> tensor<?x?x12xf32>
  return
}
