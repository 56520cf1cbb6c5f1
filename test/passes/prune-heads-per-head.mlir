// RUN: modelc-opt %s -split-input-file -nn-prune-heads=ratio=0.5 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=WHOLE < %t.err

// An attention's per-head operands: the persistent memory slots (columns
// per KV head, which are the heads here) are selected with the heads.
// CHECK-LABEL: func.func @memory
// CHECK: %[[MK:.*]] = nn.weight.select_top %{{.*}}, %{{.*}} {axis = 1 : i64, group = 4 : i64} : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x8xf32>
// CHECK: %[[MV:.*]] = nn.weight.select_top %{{.*}}, %{{.*}} {axis = 1 : i64, group = 4 : i64} : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x8xf32>
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} memory(%[[MK]], %[[MV]]) {{.*}}heads = 2 : i64, kv_heads = 2 : i64{{.*}} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<?x?x8xf32>
func.func @memory(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %mk = nn.weight "mk" : tensor<2x16xf32>
  %mv = nn.weight "mv" : tensor<2x16xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v memory(%mk, %mv) {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Talking heads mix the heads' scores, so no head can go alone: the
// attention is left whole, with a warning (the next cases too).
// CHECK-LABEL: func.func @talking
// CHECK-NOT: nn.weight.select_top
// CHECK: nn.attention {{.*}} talking(%{{.*}}, %{{.*}}) {{.*}}heads = 4 : i64, kv_heads = 4 : i64
// WHOLE: warning: nn-prune-heads: heads left whole: talking heads mix the heads' scores
func.func @talking(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %pre = nn.weight "pre" : tensor<4x4xf32>
  %post = nn.weight "post" : tensor<4x4xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v talking(%pre, %post) {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Swin's relative position bias table has a column per head: the kept
// heads' columns are selected by the heads' channel score (4 entries each).
// CHECK-LABEL: func.func @relative_bias
// CHECK: %[[T:.*]] = nn.weight.select_top %{{.*}}, %{{.*}} {axis = 1 : i64, group = 1 : i64} : (tensor<9x4xf32>, tensor<16xf32>) -> tensor<9x2xf32>
// CHECK: nn.attention {{.*}} relative_bias(%[[T]]) {{.*}}heads = 2 : i64, kv_heads = 2 : i64
func.func @relative_bias(%x: tensor<?x16x16xf32>) -> tensor<?x16x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %t = nn.weight "t" : tensor<9x4xf32>
  %q = nn.linear %x, %wq : (tensor<?x16x16xf32>, tensor<16x16xf32>) -> tensor<?x16x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x16x16xf32>, tensor<16x16xf32>) -> tensor<?x16x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x16x16xf32>, tensor<16x16xf32>) -> tensor<?x16x16xf32>
  %o = nn.attention %q, %k, %v relative_bias(%t) {causal = false, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32, grid_window = array<i64: 4, 4, 2, 0>} : (tensor<?x16x16xf32>, tensor<?x16x16xf32>, tensor<?x16x16xf32>, tensor<9x4xf32>) -> tensor<?x16x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x16x16xf32>, tensor<16x16xf32>) -> tensor<?x16x16xf32>
  return %y : tensor<?x16x16xf32>
}

// -----

// And an attention whose q is not a projection of its own (here k's).
// CHECK-LABEL: func.func @shared
// CHECK-NOT: nn.weight.select_top
// WHOLE: warning: nn-prune-heads: heads left whole: its q, k, v are not projections read only here
func.func @shared(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %k, %k, %v {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
