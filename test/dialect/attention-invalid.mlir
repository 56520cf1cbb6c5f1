// RUN: modelc-opt %s -split-input-file -verify-diagnostics

// Every verifier check of the attention family's attributes and optional
// operands (dialect/ops/AttentionOps.cpp) and of the position ops.

func.func @window(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{window must be positive, got 0}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, window = 0 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @block(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{block_size must be positive, got -1}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, block_size = -1 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @grid_window_fields(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{grid_window is [rows, cols, window, shift], got 2 values}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 1.0 : f32, grid_window = array<i64: 4, 8>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @grid_window_tokens(%q: tensor<?x30x8xf32>) {
  // expected-error @+1 {{grid 4x8 does not hold the 30 tokens}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 1.0 : f32, grid_window = array<i64: 4, 8, 4, 0>} : (tensor<?x30x8xf32>, tensor<?x30x8xf32>, tensor<?x30x8xf32>) -> tensor<?x30x8xf32>
  return
}

// -----

func.func @grid_window_divides(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{grid_window's window 3 must divide the grid's rows 6 and cols 8}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 1.0 : f32, grid_window = array<i64: 6, 8, 3, 0>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @grid_window_shift(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{grid_window's shift 4 must be in [0, window 4)}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 1.0 : f32, grid_window = array<i64: 4, 8, 4, 4>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @grid_window_causal(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{grid_window takes no other mask (causal, window, block_size)}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, grid_window = array<i64: 4, 8, 4, 0>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @grid_window_window(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{grid_window takes no other mask (causal, window, block_size)}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 1.0 : f32, window = 3 : i64, grid_window = array<i64: 4, 8, 4, 0>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @relative_bias_shape(%q: tensor<?x?x8xf32>) {
  %t = nn.weight "t" : tensor<9x2xf32>
  // expected-error @+1 {{relative_bias must be [49, 2], got [9, 2]}}
  %0 = nn.attention %q, %q, %q relative_bias(%t) {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 1.0 : f32, grid_window = array<i64: 4, 8, 4, 0>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<9x2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @relative_bias_needs_grid(%q: tensor<?x?x8xf32>) {
  %t = nn.weight "t" : tensor<9x2xf32>
  // expected-error @+1 {{relative_bias needs grid_window}}
  %0 = nn.attention %q, %q, %q relative_bias(%t) {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<9x2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @scale(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{scale must be positive}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 0.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @memory_width(%q: tensor<?x?x8xf32>) {
  %mk = nn.weight "mk" : tensor<3x6xf32>
  // expected-error @+1 {{memory keys must be [3, 8], got [3, 6]}}
  %0 = nn.attention %q, %q, %q memory(%mk, %mk) {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<3x6xf32>, tensor<3x6xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @memory_slots(%q: tensor<?x?x8xf32>) {
  %mk = nn.weight "mk" : tensor<3x8xf32>
  %mv = nn.weight "mv" : tensor<2x8xf32>
  // expected-error @+1 {{memory values must be [3, 8], got [2, 8]}}
  %0 = nn.attention %q, %q, %q memory(%mk, %mv) {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<3x8xf32>, tensor<2x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @talking(%q: tensor<?x?x8xf32>) {
  %m = nn.weight "m" : tensor<2x3xf32>
  // expected-error @+1 {{talking-heads pre-softmax mix must be [2, 2], got [2, 3]}}
  %0 = nn.attention %q, %q, %q talking(%m, %m) {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @alibi(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{alibi_slopes needs 2 slopes (one per head), got 3}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, alibi_slopes = array<f32: 0.5, 0.25, 0.125>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @clip_size(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{clip is [gamma, eta], got 1 values}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, clip = array<f32: -0.1>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @clip_range(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{clip needs gamma <= 0 and eta >= 1}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, clip = array<f32: 0.1, 1.0>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @power_odd(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{power must be even and positive, got 3}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, power = 3 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @power_clip(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{clip and power are two different softmaxes}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, power = 2 : i64, clip = array<f32: -0.1, 1.0>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @power_alibi(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{power-softmax takes no ALiBi bias}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, power = 2 : i64, alibi_slopes = array<f32: 0.5, 0.25>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @value_first_width(%q: tensor<?x?x8xf32>, %v1: tensor<?x?x4xf32>) {
  // expected-error @+1 {{value_first needs 8 channels}}
  %0 = nn.attention %q, %q, %q value_first(%v1) {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, value_lambda = array<f32: 0.5, 0.5>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @value_first_lambda(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{value_first needs value_lambda = [lambda1, lambda2]}}
  %0 = nn.attention %q, %q, %q value_first(%q) {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @value_lambda_alone(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{value_lambda needs value_first}}
  %0 = nn.attention %q, %q, %q {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 1.0 : f32, value_lambda = array<f32: 0.5, 0.5>} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @rope_rotary_dim_odd(%x: tensor<?x?x16xf32>) {
  // expected-error @+1 {{rotary_dim 3 must be even}}
  %0 = nn.rope half %x {heads = 2 : i64, theta = 1.0e+04 : f32, rotary_dim = 3 : i64} : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @rope_rotary_dim_wide(%x: tensor<?x?x16xf32>) {
  // expected-error @+1 {{rotary_dim 10 must be in [1, head_dim 8]}}
  %0 = nn.rope half %x {heads = 2 : i64, theta = 1.0e+04 : f32, rotary_dim = 10 : i64} : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @sinusoidal_odd(%x: tensor<?x?x7xf32>) {
  // expected-error @+1 {{sinusoidal positions need an even channel count, got 7}}
  %0 = nn.add_sinusoidal concat %x : (tensor<?x?x7xf32>) -> tensor<?x?x7xf32>
  return
}

// -----

func.func @embedding_scale(%ids: tensor<?x?xi32>) {
  %t = nn.weight "t" : tensor<10x8xf32>
  // expected-error @+1 {{scale must be positive}}
  %0 = nn.embedding %t, %ids {scale = -1.0 : f32} : (tensor<10x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @memory_half(%q: tensor<?x?x8xf32>) {
  %mk = nn.weight "mk" : tensor<3x8xf32>
  // expected-error @+1 {{memory needs both keys and values}}
  %0 = "nn.attention"(%q, %q, %q, %mk) <{causal = true, heads = 2 : i64, kv_heads = 2 : i64, scale = 1.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0>}> : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<3x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @talking_half(%q: tensor<?x?x8xf32>) {
  %m = nn.weight "m" : tensor<2x2xf32>
  // expected-error @+1 {{talking heads need both mixing matrices}}
  %0 = "nn.attention"(%q, %q, %q, %m) <{causal = true, heads = 2 : i64, kv_heads = 2 : i64, scale = 1.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 1, 0, 0>}> : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<2x2xf32>) -> tensor<?x?x8xf32>
  return
}
