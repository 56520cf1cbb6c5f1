// The delta_rule kernel class for CUDA (codegen/schedules/DeltaRule.cpp): each
// stage at root with its pure dimensions as threads and blocks, the serial
// loops (the row substitution, the loop over chunks) inside the threads. The
// PTX of both kernels (DeltaNet with its short conv prologue, Gated DeltaNet
// with its output gate) is assembled by ptxas for sm_90 and sm_75.
// REQUIRES: ptxas
// RUN: modelc compile %s --emit=ptx --target cuda > %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: rm -rf %t.d && mkdir %t.d
// RUN: awk '/^\/\/ kernel /{n++} {print > ("%t.d/k" n ".ptx")}' %t.ptx
// RUN: for f in %t.d/k*.ptx; do %ptxas --gpu-name sm_90 $f -o /dev/null || exit 1; %ptxas --gpu-name sm_75 $f -o /dev/null || exit 1; done

// CHECK-LABEL: // kernel k0_delta_rule (delta_rule)
// CHECK: .entry _kernel_{{v[0-9]+}}_wu_s1
// CHECK: .entry _kernel_{{v[0-9]+}}_X_s2
// CHECK-LABEL: // kernel k1_delta_rule (delta_rule)
// CHECK: .entry _kernel_{{v[0-9]+}}_decay_s1
// CHECK: .entry _kernel_{{v[0-9]+}}_X_s2

module attributes {nn.arena_floats_per_token = 128 : i64, nn.max_seq = 64 : i64} {
func.func @forward(%q: tensor<?x?x32xf32>, %k: tensor<?x?x32xf32>, %v: tensor<?x?x32xf32>, %b: tensor<?x?x2xf32>, %a: tensor<?x?x2xf32>, %g: tensor<?x?x64xf32>, %v2: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %cw = nn.weight "conv" : tensor<32x1x4xf32>
  %cw2 = nn.weight "conv2" : tensor<64x1x4xf32>
  %n = nn.weight "norm" : tensor<16xf32>
  %n2 = nn.weight "norm2" : tensor<32xf32>
  %alog = nn.weight "A_log" : tensor<2xf32>
  %dt = nn.weight "dt_bias" : tensor<2xf32>
  %o = nn.kernel "k0_delta" delta_rule (%q, %cw, %k, %v, %b, %n) {arena_offsets = array<i64: 0>} : (tensor<?x?x32xf32>, tensor<32x1x4xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x2xf32>, tensor<16xf32>) -> tensor<?x?x32xf32> {
  ^bb0(%q1: tensor<?x?x32xf32>, %w1: tensor<32x1x4xf32>, %k1: tensor<?x?x32xf32>, %v1: tensor<?x?x32xf32>, %b1: tensor<?x?x2xf32>, %n1: tensor<16xf32>):
    %0 = nn.short_conv %q1, %w1 : (tensor<?x?x32xf32>, tensor<32x1x4xf32>) -> tensor<?x?x32xf32>
    %1 = nn.activation silu %0 : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %2 = nn.short_conv %k1, %w1 : (tensor<?x?x32xf32>, tensor<32x1x4xf32>) -> tensor<?x?x32xf32>
    %3 = nn.activation silu %2 : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %4 = nn.delta_rule %1, %3, %v1 beta %b1 norm %n1 {heads = 2 : i64, chunk = 16 : i64, scale = 0.25 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x2xf32>, tensor<16xf32>) -> tensor<?x?x32xf32>
    nn.yield %4 : tensor<?x?x32xf32>
  }
  %y = nn.kernel "k1_gated" delta_rule (%o, %k, %v2, %cw2, %b, %a, %alog, %dt, %n2, %g) {arena_offsets = array<i64: -1>} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x64xf32>, tensor<64x1x4xf32>, tensor<?x?x2xf32>, tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<32xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%q1: tensor<?x?x32xf32>, %k1: tensor<?x?x32xf32>, %v1: tensor<?x?x64xf32>, %w1: tensor<64x1x4xf32>, %b1: tensor<?x?x2xf32>, %a1: tensor<?x?x2xf32>, %al1: tensor<2xf32>, %dt1: tensor<2xf32>, %n1: tensor<32xf32>, %g1: tensor<?x?x64xf32>):
    %0 = nn.short_conv %v1, %w1 : (tensor<?x?x64xf32>, tensor<64x1x4xf32>) -> tensor<?x?x64xf32>
    %1 = nn.delta_rule %q1, %k1, %0 beta %b1 decay %a1, %al1, %dt1 norm %n1 {heads = 2 : i64, chunk = 16 : i64, scale = 0.25 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x64xf32>, tensor<?x?x2xf32>, tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<32xf32>) -> tensor<?x?x64xf32>
    %2 = nn.activation silu %g1 : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %3 = nn.mul %1, %2 : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %3 : tensor<?x?x64xf32>
  }
  return %y : tensor<?x?x64xf32>
}
}
