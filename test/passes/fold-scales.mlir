// RUN: modelc-opt %s -split-input-file -nn-fold-scales | FileCheck %s

// Through RoPE into a separate query projection (weight and bias).
// CHECK-LABEL: func.func @through_rope
// CHECK-DAG: %[[WQ:.*]] = nn.weight "wq"
// CHECK-DAG: %[[BQ:.*]] = nn.weight "bq"
// CHECK-DAG: %[[SW:.*]] = nn.weight.mul_scalar %[[WQ]] {value = 1.250000e-01 : f32}
// CHECK-DAG: %[[SB:.*]] = nn.weight.mul_scalar %[[BQ]] {value = 1.250000e-01 : f32}
// CHECK: %[[Q:.*]] = nn.linear %{{.*}}, %[[SW]], %[[SB]]
// CHECK: %[[R:.*]] = nn.rope half %[[Q]]
// CHECK: nn.attention %[[R]], {{.*}} scale = 1.000000e+00 : f32
func.func @through_rope(%x: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wq = nn.weight "wq" : tensor<64x64xf32>
  %bq = nn.weight "bq" : tensor<64xf32>
  %q = nn.linear %x, %wq, %bq : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %r = nn.rope half %q {heads = 1 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %o = nn.attention %r, %k, %v {causal = true, heads = 1 : i64, kv_heads = 1 : i64, scale = 0.125 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

// A fused qkv projection: only the query's columns are scaled.
// CHECK-LABEL: func.func @fused_qkv
// CHECK-DAG: %[[S:.*]] = nn.weight.splat {value = 2.500000e-01 : f32} : tensor<16xf32>
// CHECK-DAG: %[[ONE:.*]] = nn.weight.splat {value = 1.000000e+00 : f32} : tensor<32xf32>
// CHECK-DAG: %[[V:.*]] = nn.weight.concat %[[S]], %[[ONE]] {axis = 0 : i64} : (tensor<16xf32>, tensor<32xf32>) -> tensor<48xf32>
// CHECK-DAG: %[[W:.*]] = nn.weight.scale %{{.*}}, %[[V]] {axis = 1 : i64} : (tensor<16x48xf32>, tensor<48xf32>)
// CHECK-DAG: %[[B:.*]] = nn.weight.scale %{{.*}}, %[[V]] {axis = 0 : i64} : (tensor<48xf32>, tensor<48xf32>)
// CHECK: nn.linear %{{.*}}, %[[W]], %[[B]]
// CHECK: scale = 1.000000e+00
func.func @fused_qkv(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %w = nn.weight "w" : tensor<16x48xf32>
  %b = nn.weight "b" : tensor<48xf32>
  %qkv = nn.linear %x, %w, %b : (tensor<?x?x16xf32>, tensor<16x48xf32>, tensor<48xf32>) -> tensor<?x?x48xf32>
  %q = nn.slice %qkv[0] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %k = nn.slice %qkv[16] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %v = nn.slice %qkv[32] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v {causal = false, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.25 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %o : tensor<?x?x16xf32>
}

// -----

// Left alone: the query projection has another use ...
// CHECK-LABEL: func.func @query_shared
// CHECK-NOT: nn.weight.mul_scalar
// CHECK: scale = 1.250000e-01
func.func @query_shared(%x: tensor<?x?x64xf32>, %w: tensor<64x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %q = nn.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %o = nn.attention %q, %q, %q {causal = true, heads = 1 : i64, kv_heads = 1 : i64, scale = 0.125 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o, %q : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

// ... another slice overlaps the query's columns ...
// CHECK-LABEL: func.func @overlapping_slices
// CHECK-NOT: nn.weight.scale
// CHECK: scale = 2.500000e-01
func.func @overlapping_slices(%x: tensor<?x?x16xf32>, %w: tensor<16x32xf32>) -> tensor<?x?x16xf32> {
  %p = nn.linear %x, %w : (tensor<?x?x16xf32>, tensor<16x32xf32>) -> tensor<?x?x32xf32>
  %q = nn.slice %p[0] : (tensor<?x?x32xf32>) -> tensor<?x?x16xf32>
  %k = nn.slice %p[8] : (tensor<?x?x32xf32>) -> tensor<?x?x16xf32>
  %v = nn.slice %p[16] : (tensor<?x?x32xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v {causal = false, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.25 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %o : tensor<?x?x16xf32>
}

// -----

// ... or the query is not a projection.
// CHECK-LABEL: func.func @query_is_input
// CHECK: scale = 1.250000e-01
func.func @query_is_input(%q: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %o = nn.attention %q, %q, %q {causal = true, heads = 1 : i64, kv_heads = 1 : i64, scale = 0.125 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}
