// RUN: modelc-opt %s -split-input-file -nn-prune-heads=ratio=0.5 | FileCheck %s
// RUN: not modelc-opt %s -split-input-file -nn-prune-heads=ratio=1.5 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not modelc-opt %s -split-input-file -nn-prune-heads=ratio=0.9 2>&1 | FileCheck %s --check-prefixes=ALL,GQAALL
// RUN: not modelc-opt %s -split-input-file -nn-prune-heads=count=1 2>&1 | FileCheck %s --check-prefix=UNEVEN
// RUN: modelc-opt %s -split-input-file -nn-prune-heads=count=2 | FileCheck %s
// RUN: not modelc-opt %s -split-input-file -nn-prune-heads=count=4 2>&1 | FileCheck %s --check-prefix=ALLCOUNT
// RUN: not modelc-opt %s -split-input-file "-nn-prune-heads=count=1 global=true" 2>&1 | FileCheck %s --check-prefix=GLOBAL

// Separate q, k, v (BERT, Llama): half of 4 heads of 4 channels go, scored
// by their q, k, v columns and output-projection rows; rope and attention
// get the new head count.
// CHECK-LABEL: func.func @separate
// CHECK: nn.weight.select_top %{{.*}}, %{{.*}} {axis = 1 : i64, group = 4 : i64} : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x8xf32>
// CHECK: nn.weight.select_top %{{.*}}, %{{.*}} {axis = 0 : i64, group = 4 : i64} : (tensor<16xf32>, tensor<16xf32>) -> tensor<8xf32>
// CHECK: %[[WO:.*]] = nn.weight.select_top %{{.*}}, %{{.*}} {axis = 0 : i64, group = 4 : i64} : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CHECK: %[[Q:.*]] = nn.linear %arg0, %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
// CHECK: %[[R:.*]] = nn.rope half %[[Q]] {heads = 2 : i64, theta = 1.000000e+04 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CHECK: %[[O:.*]] = nn.attention %[[R]], %{{.*}}, %{{.*}} {causal = true, heads = 2 : i64, kv_heads = 2 : i64, scale = 5.000000e-01 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.linear %[[O]], %[[WO]] : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
// RANGE: error: nn-prune-heads: ratio {{.*}} is outside [0, 1)
// ALL: error: nn-prune-heads: ratio 0.9 removes all 4 heads
// ALLCOUNT: error: nn-prune-heads: count 4 removes all 4 heads
// GLOBAL: error: nn-prune-heads: global pruning ranks by the weights' values: use modelc compile --prune-heads=global:R
func.func @separate(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %bq = nn.weight "bq" : tensor<16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %q = nn.linear %x, %wq, %bq : (tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %r = nn.rope half %q {heads = 4 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %r, %k, %v {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// GPT-2's fused qkv: each part is sliced out of the fused weight, selected,
// and the parts concatenated again; the slices move to the new offsets.
// CHECK-LABEL: func.func @fused
// CHECK: %[[W:.*]] = nn.weight "qkv"
// CHECK-DAG: nn.weight.slice %[[W]] {axis = 1 : i64, offset = 0 : i64} : (tensor<16x48xf32>) -> tensor<16x16xf32>
// CHECK-DAG: nn.weight.slice %[[W]] {axis = 1 : i64, offset = 16 : i64} : (tensor<16x48xf32>) -> tensor<16x16xf32>
// CHECK-DAG: nn.weight.slice %[[W]] {axis = 1 : i64, offset = 32 : i64} : (tensor<16x48xf32>) -> tensor<16x16xf32>
// CHECK-DAG: nn.weight.slice %{{.*}} {axis = 0 : i64, offset = 32 : i64} : (tensor<48xf32>) -> tensor<16xf32>
// CHECK: %[[W2:.*]] = nn.weight.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x24xf32>
// CHECK: %[[B2:.*]] = nn.weight.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<24xf32>
// CHECK: %[[QKV:.*]] = nn.linear %arg0, %[[W2]], %[[B2]] : (tensor<?x?x16xf32>, tensor<16x24xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
// CHECK: nn.slice %[[QKV]][0] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.slice %[[QKV]][8] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.slice %[[QKV]][16] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.attention {{.*}}heads = 2 : i64, kv_heads = 2 : i64
func.func @fused(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %w = nn.weight "qkv" : tensor<16x48xf32>
  %b = nn.weight "qkv.bias" : tensor<48xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %qkv = nn.linear %x, %w, %b : (tensor<?x?x16xf32>, tensor<16x48xf32>, tensor<48xf32>) -> tensor<?x?x48xf32>
  %q = nn.slice %qkv[0] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %k = nn.slice %qkv[16] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %v = nn.slice %qkv[32] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Grouped-query attention keeps its k and v heads: each of the 2 KV groups
// loses the same number of its query heads (q columns and output rows,
// chosen within each group: segments = kv_heads); k and v are not scored.
// CHECK-LABEL: func.func @gqa
// CHECK-NOT: nn.weight.sq_norms %{{.*}} : (tensor<16x8xf32>)
// CHECK: nn.weight.select_top %{{.*}}, %{{.*}} {axis = 1 : i64, group = 4 : i64, segments = 2 : i64} : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x8xf32>
// CHECK: nn.weight.select_top %{{.*}}, %{{.*}} {axis = 0 : i64, group = 4 : i64, segments = 2 : i64} : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
// CHECK-NOT: nn.weight.select_top
// CHECK: nn.linear %arg0, %{{.*}} : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.linear %arg0, %{{.*}} : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.attention {{.*}}heads = 2 : i64, kv_heads = 2 : i64
// GQAALL: error: nn-prune-heads: ratio 0.9 removes all 2 query heads of each KV group
// UNEVEN: error: nn-prune-heads: count 1 does not split evenly over the 2 KV groups of a grouped-query attention (give a multiple of 2)
func.func @gqa(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x8xf32>
  %wv = nn.weight "wv" : tensor<16x8xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  %o = nn.attention %q, %k, %v {causal = true, heads = 4 : i64, kv_heads = 2 : i64, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
