// RUN: modelc-opt %s -split-input-file -verify-diagnostics

func.func @sq_norms_size() -> tensor<8xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{result must be a vector of the size of axis 1}}
  %s = nn.weight.sq_norms %w {axis = 1 : i64} : (tensor<8x16xf32>) -> tensor<8xf32>
  return %s : tensor<8xf32>
}

// -----

func.func @select_score(%s: tensor<8xf32>) -> tensor<8x8xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{score has 8 elements for axis 1 of size 16}}
  %t = nn.weight.select_top %w, %s {axis = 1 : i64, group = 1 : i64} : (tensor<8x16xf32>, tensor<8xf32>) -> tensor<8x8xf32>
  return %t : tensor<8x8xf32>
}

// -----

func.func @select_score_empty(%s: tensor<0xf32>) -> tensor<8x8xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{score has 0 elements for axis 1 of size 16 (a positive multiple of it is needed)}}
  %t = nn.weight.select_top %w, %s {axis = 1 : i64, group = 1 : i64} : (tensor<8x16xf32>, tensor<0xf32>) -> tensor<8x8xf32>
  return %t : tensor<8x8xf32>
}

// -----

func.func @select_group(%s: tensor<16xf32>) -> tensor<8x6xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{group 4 must divide the input's 16 and the result's 6 along axis 1}}
  %t = nn.weight.select_top %w, %s {axis = 1 : i64, group = 4 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x6xf32>
  return %t : tensor<8x6xf32>
}

// -----

func.func @select_more(%s: tensor<16xf32>) -> tensor<8x20xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{keeps 20 of 16 along axis 1}}
  %t = nn.weight.select_top %w, %s {axis = 1 : i64, group = 1 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x20xf32>
  return %t : tensor<8x20xf32>
}

// -----

func.func @select_segments(%s: tensor<16xf32>) -> tensor<8x12xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{segments 2 must divide the input's 4 and the result's 3 groups}}
  %t = nn.weight.select_top %w, %s {axis = 1 : i64, group = 4 : i64, segments = 2 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x12xf32>
  return %t : tensor<8x12xf32>
}

// -----

func.func @select_off_axis(%s: tensor<16xf32>) -> tensor<4x8xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{result differs from the input off axis 1}}
  %t = nn.weight.select_top %w, %s {axis = 1 : i64, group = 1 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x8xf32>
  return %t : tensor<4x8xf32>
}

// -----

func.func @slice_range() -> tensor<8x8xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{range [12, 20) is outside axis 1 of size 16}}
  %c = nn.weight.slice %w {axis = 1 : i64, offset = 12 : i64} : (tensor<8x16xf32>) -> tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}

// -----

func.func @svd_rank() -> tensor<8x9xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{rank 9 is outside [1, 8]}}
  %a = nn.weight.svd_factor left %w : (tensor<8x16xf32>) -> tensor<8x9xf32>
  return %a : tensor<8x9xf32>
}

// -----

func.func @svd_side() -> tensor<2x8xf32> {
  %w = nn.weight "w" : tensor<8x16xf32>
  // expected-error @+1 {{the right factor must have the input's columns}}
  %b = nn.weight.svd_factor right %w : (tensor<8x16xf32>) -> tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}
