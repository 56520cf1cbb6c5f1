// RUN: modelc-opt %s -split-input-file -nn-merge-qkv -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

// GQA with RoPE (Llama): q, k, v become one GEMM and three slices in the
// same order; the merged op is named after the three.
// CHECK-LABEL: func.func @gqa_rope
// CHECK-DAG: %[[WQ:.*]] = nn.weight "wq"
// CHECK-DAG: %[[WK:.*]] = nn.weight "wk"
// CHECK-DAG: %[[WV:.*]] = nn.weight "wv"
// CHECK: %[[W:.*]] = nn.weight.concat %[[WQ]], %[[WK]], %[[WV]] {axis = 1 : i64} : (tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>) -> tensor<64x128xf32>
// CHECK: %[[QKV:.*]] = nn.linear %{{.*}}, %[[W]] : (tensor<?x?x64xf32>, tensor<64x128xf32>) -> tensor<?x?x128xf32> loc("layer0.attn.q+k+v"("s.toml":3:1))
// CHECK-NEXT: %[[Q:.*]] = nn.slice %[[QKV]][0] : (tensor<?x?x128xf32>) -> tensor<?x?x64xf32> loc("layer0.attn.q"
// CHECK-NEXT: %[[K:.*]] = nn.slice %[[QKV]][64] : (tensor<?x?x128xf32>) -> tensor<?x?x32xf32> loc("layer0.attn.k"
// CHECK-NEXT: %[[V:.*]] = nn.slice %[[QKV]][96] : (tensor<?x?x128xf32>) -> tensor<?x?x32xf32> loc("layer0.attn.v"
// CHECK-NOT: nn.linear
// CHECK: %[[RQ:.*]] = nn.rope half %[[Q]]
// CHECK: %[[RK:.*]] = nn.rope half %[[K]]
// CHECK: nn.attention %[[RQ]], %[[RK]], %[[V]]
func.func @gqa_rope(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wq = nn.weight "wq" : tensor<64x64xf32>
  %wk = nn.weight "wk" : tensor<64x32xf32>
  %wv = nn.weight "wv" : tensor<64x32xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32> loc("layer0.attn.q"("s.toml":3:1))
  %k = nn.linear %x, %wk : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32> loc("layer0.attn.k"("s.toml":3:1))
  %v = nn.linear %x, %wv : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32> loc("layer0.attn.v"("s.toml":3:1))
  %rq = nn.rope half %q {heads = 4 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %rk = nn.rope half %k {heads = 2 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %o = nn.attention %rq, %rk, %v {causal = true, heads = 4 : i64, kv_heads = 2 : i64, scale = 0.25 : f32} : (tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

// Biases concatenate too; a missing one is zeros.
// CHECK-LABEL: func.func @some_biases
// CHECK-DAG: %[[Z:.*]] = nn.weight.splat {value = 0.000000e+00 : f32} : tensor<16xf32>
// CHECK-DAG: %[[B:.*]] = nn.weight.concat %{{.*}}, %[[Z]], %{{.*}} {axis = 0 : i64} : (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<48xf32>
// CHECK: nn.linear %{{.*}}, %{{.*}}, %[[B]] : (tensor<?x?x16xf32>, tensor<16x48xf32>, tensor<48xf32>)
func.func @some_biases(%x: tensor<?x?x16xf32>, %w: tensor<16x16xf32>, %bq: tensor<16xf32>, %bv: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %q = nn.linear %x, %wq, %bq : (tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv, %bv : (tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v {causal = false, heads = 2 : i64, kv_heads = 2 : i64, scale = 0.25 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %o : tensor<?x?x16xf32>
}

// -----

// Cross-attention: only k and v read the same input.
// CHECK-LABEL: func.func @cross
// CHECK: %[[KV:.*]] = nn.linear %arg1, %{{.*}} : (tensor<?x?x16xf32>, tensor<16x32xf32>) -> tensor<?x?x32xf32>
// CHECK: %[[Q:.*]] = nn.linear %arg0
// CHECK: nn.attention %[[Q]]
func.func @cross(%x: tensor<?x?x16xf32>, %mem: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %k = nn.linear %mem, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %mem, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v {causal = false, heads = 2 : i64, kv_heads = 2 : i64, scale = 0.25 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %o : tensor<?x?x16xf32>
}

// -----

// Not merged: k's projection has another use (v's is alone with q, so q
// and v merge), and a projection used twice by the attention itself.
// CHECK-LABEL: func.func @shared_projection
// CHECK: nn.weight.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x32xf32>
// CHECK-LABEL: func.func @same_projection_twice
// CHECK-NOT: nn.weight.concat
func.func @shared_projection(%x: tensor<?x?x16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v {causal = false, heads = 2 : i64, kv_heads = 2 : i64, scale = 0.25 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %o, %k : tensor<?x?x16xf32>, tensor<?x?x16xf32>
}
func.func @same_projection_twice(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %w = nn.weight "w" : tensor<16x16xf32>
  %kv = nn.linear %x, %w : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %x, %kv, %kv {causal = false, heads = 2 : i64, kv_heads = 2 : i64, scale = 0.25 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %o : tensor<?x?x16xf32>
}

// -----

// Linear attention: its kernel takes slices in too.
// CHECK-LABEL: func.func @linear_attention
// CHECK: %[[QKV:.*]] = nn.linear %arg0, %{{.*}} : (tensor<?x?x16xf32>, tensor<16x48xf32>) -> tensor<?x?x48xf32>
// CHECK: %[[Q:.*]] = nn.slice %[[QKV]][0]
// CHECK: %[[K:.*]] = nn.slice %[[QKV]][16]
// CHECK: %[[V:.*]] = nn.slice %[[QKV]][32]
// CHECK: nn.linear_attention elu denominator %[[Q]], %[[K]], %[[V]]
func.func @linear_attention(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.linear_attention elu denominator %q, %k, %v {heads = 2 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %o : tensor<?x?x16xf32>
}
