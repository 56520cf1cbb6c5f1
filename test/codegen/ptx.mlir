// --target cuda: every kernel class gets a gpu_tile schedule; each kernel's
// PTX is printed (from the `*_gpu_source_kernels` buffer Halide embeds in the
// host object) and, where CUDA's ptxas is installed, assembled for sm_75.
// RUN: modelc compile %s --emit=ptx --target cuda > %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: rm -rf %t.d && mkdir %t.d
// RUN: awk '/^\/\/ kernel /{n++} {print > ("%t.d/k" n ".ptx")}' %t.ptx
// RUN: %if ptxas %{ for f in %t.d/k*.ptx; do %ptxas --gpu-name sm_75 $f -o /dev/null || exit 1; done %}

// CHECK-LABEL: // kernel k0_embedding (embedding)
// CHECK: .target sm_61
// CHECK: .entry
// CHECK-LABEL: // kernel k1_norm (norm)
// CHECK: .entry
// CHECK-LABEL: // kernel k2_gemm (gemm)
// CHECK: .entry
// CHECK: fma.rn.f32
// CHECK-LABEL: // kernel k3_attention (attention)
// CHECK: .entry
// CHECK-LABEL: // kernel k4_elementwise (elementwise)
// CHECK: .entry

module attributes {nn.arena_floats_per_token = 448 : i64, nn.max_seq = 64 : i64} {
func.func @forward(%ids: tensor<?x?xi32>) -> tensor<?x?x64xf32> {
  %wte = nn.weight "wte" : tensor<100x64xf32>
  %wpe = nn.weight "wpe" : tensor<64x64xf32>
  %g = nn.weight "g" : tensor<64xf32>
  %w = nn.weight "qkv.w" : tensor<64x192xf32>
  %b = nn.weight "qkv.b" : tensor<192xf32>
  %h = nn.kernel "k0_embed" embedding (%wte, %ids, %wpe) {arena_offsets = array<i64: 0>} : (tensor<100x64xf32>, tensor<?x?xi32>, tensor<64x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%t: tensor<100x64xf32>, %i: tensor<?x?xi32>, %p: tensor<64x64xf32>):
    %0 = nn.embedding %t, %i : (tensor<100x64xf32>, tensor<?x?xi32>) -> tensor<?x?x64xf32>
    %1 = nn.add_positions %0, %p : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %1 : tensor<?x?x64xf32>
  }
  %s, %n = nn.kernel "k1_addnorm" norm (%h, %h, %g) {arena_offsets = array<i64: 64, 128>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  ^bb0(%a: tensor<?x?x64xf32>, %c: tensor<?x?x64xf32>, %gg: tensor<64xf32>):
    %0 = nn.add %a, %c : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %1 = nn.rms_norm %0, %gg {epsilon = 1.0e-06 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0, %1 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  }
  %qkv = nn.kernel "k2_qkv" gemm (%n, %w, %b) {arena_offsets = array<i64: 192>} : (tensor<?x?x64xf32>, tensor<64x192xf32>, tensor<192xf32>) -> tensor<?x?x192xf32> {
  ^bb0(%x: tensor<?x?x64xf32>, %ww: tensor<64x192xf32>, %bb: tensor<192xf32>):
    %0 = nn.linear %x, %ww, %bb : (tensor<?x?x64xf32>, tensor<64x192xf32>, tensor<192xf32>) -> tensor<?x?x192xf32>
    nn.yield %0 : tensor<?x?x192xf32>
  }
  %att = nn.kernel "k3_attn" attention (%qkv) {arena_offsets = array<i64: 384>} : (tensor<?x?x192xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?x192xf32>):
    %q = nn.slice %x [0] : (tensor<?x?x192xf32>) -> tensor<?x?x64xf32>
    %k = nn.slice %x [64] : (tensor<?x?x192xf32>) -> tensor<?x?x64xf32>
    %v = nn.slice %x [128] : (tensor<?x?x192xf32>) -> tensor<?x?x64xf32>
    %qr = nn.rope interleaved %q {heads = 4 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %0 = nn.attention %qr, %k, %v {heads = 4 : i64, kv_heads = 4 : i64, causal = true, scale = 0.25 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %o = nn.kernel "k4_act" elementwise (%att) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?x64xf32>):
    %0 = nn.activation silu %x : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  return %o : tensor<?x?x64xf32>
}
}
