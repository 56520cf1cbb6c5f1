// --target cuda: the linear_attention kernel class (causal scan with
// denominators; bidirectional Hedgehog with a per-head LayerNorm and SLAB's
// conv; causal with k positions and an all-heads LayerNorm) gets a GPU
// schedule; each kernel's PTX is printed and, where CUDA's ptxas is
// installed, assembled for sm_90.
// RUN: modelc compile %s --emit=ptx --target cuda > %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: rm -rf %t.d && mkdir %t.d
// RUN: awk '/^\/\/ kernel /{n++} {print > ("%t.d/k" n ".ptx")}' %t.ptx
// RUN: %if ptxas %{ for f in %t.d/k*.ptx; do %ptxas --gpu-name sm_90 $f -o /dev/null || exit 1; done %}

// CHECK-LABEL: // kernel k0_linear_attention (linear_attention)
// CHECK: .entry _kernel_v{{[0-9]+}}_scores_s1
// CHECK: fma.rn.f32
// CHECK: .entry _kernel_v{{[0-9]+}}_states_s1
// CHECK: .entry _kernel_v{{[0-9]+}}_zstates_s1
// CHECK: .entry _kernel_out0
// CHECK-LABEL: // kernel k1_linear_attention (linear_attention)
// CHECK: .entry _kernel_v{{[0-9]+}}_k_proj_s1
// CHECK: .entry _kernel_v{{[0-9]+}}_kvall_s1
// CHECK: .entry _kernel_v{{[0-9]+}}_meansq_s1
// CHECK-LABEL: // kernel k2_linear_attention (linear_attention)
// CHECK: .entry _kernel_v{{[0-9]+}}_states_s1
// CHECK: .entry _kernel_v{{[0-9]+}}_linear_attention_s0
// CHECK: .entry _kernel_out0

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
