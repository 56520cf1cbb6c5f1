// RUN: modelc-opt %s -split-input-file -verify-diagnostics

// One case per verifier check of nn.linear_attention
// (dialect/ops/LinearAttentionOps.cpp).

func.func @heads_divide(%q: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{query and value channels (64, 64) are not 3 heads}}
  %o = nn.linear_attention elu denominator %q, %q, %q {heads = 3 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @key_width(%q: tensor<?x?x64xf32>, %k: tensor<?x?x32xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{key has 32 channels, query 64}}
  %o = nn.linear_attention elu denominator %q, %k, %q {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @tokens(%q: tensor<2x?x64xf32>, %k: tensor<3x?x64xf32>) -> tensor<2x?x64xf32> {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %o = nn.linear_attention elu denominator %q, %k, %q {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<2x?x64xf32>, tensor<3x?x64xf32>, tensor<2x?x64xf32>) -> tensor<2x?x64xf32>
  return %o : tensor<2x?x64xf32>
}

// -----

func.func @hedgehog_without_maps(%q: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{the hedgehog feature map needs maps(q, k)}}
  %o = nn.linear_attention hedgehog denominator %q, %q, %q {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @maps_without_hedgehog(%q: tensor<?x?x64xf32>, %w: tensor<4x16x8xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{maps(q, k) belong to the hedgehog map}}
  %o = nn.linear_attention elu denominator %q, %q, %q maps(%w, %w) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @map_shape(%q: tensor<?x?x64xf32>, %w: tensor<4x16x8xf32>, %x: tensor<4x8x8xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{maps must both be [heads, dk, f] = [4, 16, f]}}
  %o = nn.linear_attention hedgehog denominator %q, %q, %q maps(%w, %x) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<4x16x8xf32>, tensor<4x8x8xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @conv_shape(%q: tensor<?x?x64xf32>, %cw: tensor<16x2x5xf32>, %cb: tensor<16xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{conv weight must be [dv, 1, taps] = [16, 1, taps]}}
  %o = nn.linear_attention relu denominator %q, %q, %q conv(%cw, %cb) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16x2x5xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @conv_even_centred(%q: tensor<?x?x64xf32>, %cw: tensor<16x1x4xf32>, %cb: tensor<16xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{a centred (non-causal) conv needs odd taps, got 4}}
  %o = nn.linear_attention relu denominator %q, %q, %q conv(%cw, %cb) {heads = 4 : i64, causal = false, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16x1x4xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @conv_bias(%q: tensor<?x?x64xf32>, %cw: tensor<16x1x5xf32>, %cb: tensor<8xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{conv bias has 8 elements but the input has 16 channels}}
  %o = nn.linear_attention relu denominator %q, %q, %q conv(%cw, %cb) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16x1x5xf32>, tensor<8xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @head_norm_without_weight(%q: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{a head norm needs norm(weight)}}
  %o = nn.linear_attention elu head_rms_norm %q, %q, %q {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @norm_without_head_norm(%q: tensor<?x?x64xf32>, %g: tensor<16xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{norm(...) belongs to a head norm}}
  %o = nn.linear_attention elu denominator %q, %q, %q norm(%g) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @layer_norm_needs_bias(%q: tensor<?x?x64xf32>, %g: tensor<16xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{head_layer_norm needs norm(w, b)}}
  %o = nn.linear_attention elu head_layer_norm %q, %q, %q norm(%g) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @rms_norm_bias(%q: tensor<?x?x64xf32>, %g: tensor<16xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{only head_layer_norm has a norm bias}}
  %o = nn.linear_attention elu head_rms_norm %q, %q, %q norm(%g, %g) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @norm_width(%q: tensor<?x?x64xf32>, %g: tensor<64xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{norm weight has 64 elements but the input has 16 channels}}
  %o = nn.linear_attention elu head_rms_norm %q, %q, %q norm(%g) {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @eps_positive(%q: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{eps must be positive and finite}}
  %o = nn.linear_attention elu denominator %q, %q, %q {heads = 4 : i64, causal = true, eps = 0.0 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @scale_positive(%q: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{scale must be positive and finite}}
  %o = nn.linear_attention elu denominator %q, %q, %q {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = -1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

func.func @unknown_map(%q: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'feature_map' [elu, relu, identity, hedgehog]}}
  %o = nn.linear_attention gelu denominator %q, %q, %q {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}
