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

// -----

// LayerScale into the sub-layer's output projection: its columns and bias
// scaled by lambda.
// CHECK-LABEL: func.func @layer_scale_into_linear
// CHECK-DAG: %[[W:.*]] = nn.weight "w"
// CHECK-DAG: %[[C:.*]] = nn.weight "c"
// CHECK-DAG: %[[L:.*]] = nn.weight "lambda"
// CHECK-DAG: %[[SW:.*]] = nn.weight.scale %[[W]], %[[L]] {axis = 1 : i64} : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
// CHECK-DAG: %[[SC:.*]] = nn.weight.scale %[[C]], %[[L]] {axis = 0 : i64} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK: %[[Y:.*]] = nn.linear %{{.*}}, %[[SW]], %[[SC]]
// CHECK-NOT: nn.channel_scale
// CHECK: nn.add %{{.*}}, %[[Y]]
func.func @layer_scale_into_linear(%h: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w = nn.weight "w" : tensor<16x8xf32>
  %c = nn.weight "c" : tensor<8xf32>
  %l = nn.weight "lambda" : tensor<8xf32>
  %y = nn.linear %h, %w, %c : (tensor<?x?x16xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %s = nn.channel_scale %y, %l : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %r = nn.add %x, %s : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

// -----

// LayerScale after a Peri-LN output norm: into its affine (gamma lambda,
// beta lambda), or lambda becomes the gamma of an affine-free RMSNorm.
// CHECK-LABEL: func.func @layer_scale_into_norms
// CHECK-DAG: %[[G:.*]] = nn.weight "g"
// CHECK-DAG: %[[B:.*]] = nn.weight "b"
// CHECK-DAG: %[[L:.*]] = nn.weight "lambda"
// CHECK-DAG: %[[SG:.*]] = nn.weight.scale %[[G]], %[[L]] {axis = 0 : i64}
// CHECK-DAG: %[[SB:.*]] = nn.weight.scale %[[B]], %[[L]] {axis = 0 : i64}
// CHECK: nn.layer_norm %{{.*}}, %[[SG]], %[[SB]]
// CHECK: nn.rms_norm %{{.*}}, %[[L]] {epsilon
// CHECK-NOT: nn.channel_scale
func.func @layer_scale_into_norms(%x: tensor<?x?x8xf32>, %y: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %l = nn.weight "lambda" : tensor<8xf32>
  %n = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %s = nn.channel_scale %n, %l : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %m = nn.rms_norm %y {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %t = nn.channel_scale %m, %l : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %s, %t : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Left alone: the scaled value has another use, or is no linear or norm.
// CHECK-LABEL: func.func @layer_scale_left_alone
// CHECK-NOT: nn.weight.scale
// CHECK-COUNT-2: nn.channel_scale
func.func @layer_scale_left_alone(%h: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %w = nn.weight "w" : tensor<16x8xf32>
  %l = nn.weight "lambda" : tensor<8xf32>
  %y = nn.linear %h, %w : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  %s = nn.channel_scale %y, %l : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %t = nn.channel_scale %x, %l : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %s, %y, %t : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// DeepNorm: norm(alpha x + f) = norm'(x + f / alpha), norm' with epsilon /
// alpha^2; 1 / alpha goes into the branch's last linear.
// CHECK-LABEL: func.func @deepnorm
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x?x16xf32>, %[[X:[^:]*]]: tensor<?x?x8xf32>)
// CHECK-DAG: %[[W:.*]] = nn.weight "w"
// CHECK-DAG: %[[C:.*]] = nn.weight "c"
// CHECK-DAG: %[[SW:.*]] = nn.weight.mul_scalar %[[W]] {value = 5.000000e-01 : f32}
// CHECK-DAG: %[[SC:.*]] = nn.weight.mul_scalar %[[C]] {value = 5.000000e-01 : f32}
// CHECK: %[[Y:.*]] = nn.linear %[[H]], %[[SW]], %[[SC]]
// CHECK: %[[S:.*]] = nn.add %[[X]], %[[Y]]
// CHECK: nn.layer_norm %[[S]], %{{.*}}, %{{.*}} {epsilon = 2.500000e-06 : f32}
// CHECK-NOT: nn.scaled_add
func.func @deepnorm(%h: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w = nn.weight "w" : tensor<16x8xf32>
  %c = nn.weight "c" : tensor<8xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %y = nn.linear %h, %w, %c : (tensor<?x?x16xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %s = nn.scaled_add %x, %y {lhs_scale = 2.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.layer_norm %s, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// DeepNorm with LayerScale, under an RMSNorm: LayerScale folds first, then
// 1 / alpha on top of it.
// CHECK-LABEL: func.func @deepnorm_layer_scale
// CHECK-DAG: %[[SW:.*]] = nn.weight.scale %{{.*}}, %{{.*}} {axis = 1 : i64}
// CHECK-DAG: %[[AW:.*]] = nn.weight.mul_scalar %[[SW]] {value = 5.000000e-01 : f32}
// CHECK: %[[Y:.*]] = nn.linear %{{.*}}, %[[AW]] :
// CHECK: %[[S:.*]] = nn.add %{{.*}}, %[[Y]]
// CHECK: nn.rms_norm %[[S]] {epsilon = 2.500000e-06 : f32}
// CHECK-NOT: nn.channel_scale
// CHECK-NOT: nn.scaled_add
func.func @deepnorm_layer_scale(%h: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w = nn.weight "w" : tensor<16x8xf32>
  %l = nn.weight "lambda" : tensor<8xf32>
  %y = nn.linear %h, %w : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  %ls = nn.channel_scale %y, %l : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %s = nn.scaled_add %x, %ls {lhs_scale = 2.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.rms_norm %s {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// Left alone: a BatchNorm after the sum (not scale-invariant), a sum with
// another use, a negative alpha.
// CHECK-LABEL: func.func @deepnorm_left_alone
// CHECK-NOT: nn.weight.mul_scalar
// CHECK-COUNT-3: nn.scaled_add
func.func @deepnorm_left_alone(%h: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %w1 = nn.weight "w1" : tensor<16x8xf32>
  %w2 = nn.weight "w2" : tensor<16x8xf32>
  %w3 = nn.weight "w3" : tensor<16x8xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %y1 = nn.linear %h, %w1 : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  %s1 = nn.scaled_add %x, %y1 {lhs_scale = 2.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n1 = nn.batch_norm %s1, %g, %g, %g, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y2 = nn.linear %h, %w2 : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  %s2 = nn.scaled_add %x, %y2 {lhs_scale = 2.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n2 = nn.rms_norm %s2 {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %y3 = nn.linear %h, %w3 : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  %s3 = nn.scaled_add %x, %y3 {lhs_scale = -2.0 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n3 = nn.rms_norm %s3 {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %n1, %n2, %s2, %n3 : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>
}
