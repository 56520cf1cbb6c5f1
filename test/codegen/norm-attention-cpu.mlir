// Row reductions and attention: the residual-add + LayerNorm kernel computes
// its row statistics per row inside a parallel row loop with vector lanes;
// the attention kernel rotates K once per (batch, head) and, per 32-query
// tile, walks the 128-key blocks it can see with constant-size block buffers
// (scores, max, exp, P.V, sum) merged into the online state (no [S, S] or
// [tile, S] buffer).
// RUN: modelc compile %s --emit=halide | FileCheck %s

// CHECK-LABEL: // kernel k0_norm (norm)
// CHECK: external func {{.*}}par_for_out1_s0_m
// CHECK: produce v{{[0-9]+}}_sum_lanes
// CHECK: ramp({{.*}}, 1, {{16|8}})
// CHECK: produce v{{[0-9]+}}_rstd
// CHECK: halide_do_par_for(
// CHECK-LABEL: // kernel k1_attention (attention)
// CHECK: external func {{.*}}par_for_{{.*}}bh
// CHECK: produce v{{[0-9]+}}_k {
// CHECK: for (out0{{.*}}.s0.s.so
// CHECK: produce v{{[0-9]+}}_q {
// CHECK: produce v{{[0-9]+}}_state {
// CHECK: for (v{{[0-9]+}}_state.s1.v{{[0-9]+}}_blocks$x,
// CHECK: allocate v{{[0-9]+}}_b_scores[float32 * 32 * 128 * 1 * 1 * 1]
// CHECK: allocate v{{[0-9]+}}_b_max[float32 * 32]
// CHECK: allocate v{{[0-9]+}}_b_exp[float32 * 32 * 128 * 1 * 1 * 1]
// CHECK: allocate v{{[0-9]+}}_b_pv[float32 * 16 * 32 * 1 * 1 * 1]
// CHECK: allocate v{{[0-9]+}}_b_sum[float32 * 32]
// CHECK: halide_do_par_for(

module attributes {nn.arena_floats_per_token = 192 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>, %r: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %g = nn.weight "ln.g" : tensor<64xf32>
  %bt = nn.weight "ln.b" : tensor<64xf32>
  %s, %n = nn.kernel "k0_addnorm" norm (%x, %r, %g, %bt) {arena_offsets = array<i64: 0, 64>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  ^bb0(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>, %gg: tensor<64xf32>, %be: tensor<64xf32>):
    %0 = nn.add %a, %b : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %1 = nn.layer_norm %0, %gg, %be {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0, %1 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  }
  %o = nn.kernel "k1_attn" attention (%n, %s) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%q: tensor<?x?x64xf32>, %kv: tensor<?x?x64xf32>):
    %k = nn.slice %kv [0] : (tensor<?x?x64xf32>) -> tensor<?x?x32xf32>
    %v = nn.slice %kv [32] : (tensor<?x?x64xf32>) -> tensor<?x?x32xf32>
    %qr = nn.rope half %q {heads = 4 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %kr = nn.rope half %k {heads = 2 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %0 = nn.attention %qr, %kr, %v {heads = 4 : i64, kv_heads = 2 : i64, causal = true, scale = 0.25 : f32} : (tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  return %o : tensor<?x?x64xf32>
}
}
