// The linear_attention kernel class on CPU: heads (x batch) in parallel; per
// head, k's features, then the causal scan over chunks (each chunk's KV, a
// small matmul, produced inside the step that adds it to the carried state),
// then per chunk of 64 tokens q's features, the chunk's masked scores, the
// outputs and the denominators. Bidirectional: phi(K)^T V once per head,
// then per chunk. With an all-heads norm the result is computed first (heads
// in parallel), then the norm's rows. No [S, S] buffer: the scores are
// 64 x 64 per chunk.
// RUN: modelc compile %s --emit=halide | FileCheck %s

// CHECK-LABEL: // kernel k0_linear_attention (linear_attention)
// CHECK: external func {{.*}}par_for_out0_s0_c_hh_bh
// CHECK: produce v{{[0-9]+}}_kf
// CHECK: produce v[[C:[0-9]+]]_states
// CHECK: for (v[[C]]_states.s1.v[[C]]_rn$x
// CHECK: produce v[[C]]_kv
// CHECK: for (v[[C]]_kv.s1.v[[C]]_rt$x, 0, 64)
// CHECK: produce v[[C]]_zstates
// CHECK: produce v[[C]]_ksum
// CHECK: for (out0.s0.s.so
// CHECK: produce v[[C]]_qf
// CHECK: produce v[[C]]_scores
// CHECK: for (v[[C]]_scores.s0.t, 0, 64)
// CHECK: ramp({{.*}}, 1, {{16|8}})
// CHECK: produce v[[C]]_acc
// CHECK: for (v[[C]]_acc.s2.v[[C]]_rp$x, 0, 64)
// CHECK: produce v[[C]]_den
// CHECK: halide_do_par_for(

// CHECK-LABEL: // kernel k1_linear_attention (linear_attention)
// CHECK: par_for_out0_{{.*}}_s0_c_hh_bh
// CHECK: produce v[[H:[0-9]+]]_kf
// CHECK: produce v[[H]]_k_proj
// CHECK: produce v[[H]]_k_sumneg
// CHECK: produce v[[H]]_kvall
// CHECK: produce v[[H]]_qf
// CHECK: produce v[[H]]_q_proj
// CHECK: produce v[[H]]_acc
// CHECK: produce v[[H]]_mean
// CHECK: produce v[[H]]_meansq
// CHECK-NOT: produce v[[H]]_states

// CHECK-LABEL: // kernel k2_linear_attention (linear_attention)
// CHECK: produce v[[N:[0-9]+]]_states
// CHECK: produce v{{[0-9]+}}_rstd
// CHECK: produce v[[N]]_linear_attention
// CHECK: halide_do_par_for({{.*}}par_for_v[[N]]_linear_attention_s0_c_hh_bh
// CHECK: produce out0
// CHECK: halide_do_par_for({{.*}}_s0_s_ro
module attributes {nn.arena_floats_per_token = 512 : i64, nn.max_seq = 160 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wq = nn.weight "map_q" : tensor<4x16x8xf32>
  %wk = nn.weight "map_k" : tensor<4x16x8xf32>
  %cw = nn.weight "conv.w" : tensor<16x1x5xf32>
  %cb = nn.weight "conv.b" : tensor<16xf32>
  %ng = nn.weight "norm.g" : tensor<16xf32>
  %nb = nn.weight "norm.b" : tensor<16xf32>
  %pos = nn.weight "k_positions" : tensor<160x64xf32>
  %g = nn.weight "out_norm.g" : tensor<64xf32>
  %b = nn.weight "out_norm.b" : tensor<64xf32>
  %a = nn.kernel "k0_causal" linear_attention (%x) {arena_offsets = array<i64: 0>} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%in: tensor<?x?x64xf32>):
    %0 = nn.linear_attention elu denominator %in, %in, %in {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %h = nn.kernel "k1_bidir" linear_attention (%a, %x, %wq, %wk, %cw, %cb, %ng, %nb) {arena_offsets = array<i64: 64>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<16x1x5xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%q: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>, %mq: tensor<4x16x8xf32>, %mk: tensor<4x16x8xf32>, %w: tensor<16x1x5xf32>, %wb: tensor<16xf32>, %gg: tensor<16xf32>, %gb: tensor<16xf32>):
    %0 = nn.linear_attention hedgehog head_layer_norm %q, %q, %v maps(%mq, %mk) conv(%w, %wb) norm(%gg, %gb) {heads = 4 : i64, causal = false, eps = 1.0e-05 : f32, scale = 0.5 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<16x1x5xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %o = nn.kernel "k2_normed" linear_attention (%h, %pos, %x, %g, %b) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<160x64xf32>, tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%k: tensor<?x?x64xf32>, %p: tensor<160x64xf32>, %v: tensor<?x?x64xf32>, %gg: tensor<64xf32>, %bb: tensor<64xf32>):
    %kp = nn.add_positions %k, %p : (tensor<?x?x64xf32>, tensor<160x64xf32>) -> tensor<?x?x64xf32>
    %0 = nn.linear_attention relu none %v, %kp, %v {heads = 4 : i64, causal = true, eps = 1.0e-05 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %1 = nn.layer_norm %0, %gg, %bb {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    nn.yield %1 : tensor<?x?x64xf32>
  }
  return %o : tensor<?x?x64xf32>
}
}
