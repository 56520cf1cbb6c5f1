// The aft, pooling and conv kernel classes.
// On the CPU, a window kernel (pooling, conv) runs token blocks in parallel
// and sums its taps per vector of channels, unrolled, in a 16-lane
// accumulator; a conv transposes its [C, 1, K] taps once per call. An aft
// kernel is a chunked scan: the chunks' maxima and sums in parallel (one exp
// per token, in a pass of its own), the scan over chunks, then (causal) each
// chunk's tokens re-scanned from the state before it in parallel tasks, one
// exp per token shared by both sums; every step walks a row of channels.
// For CUDA every kernel gets GPU loops; each kernel's PTX is assembled by ptxas
// for sm_75 and sm_90 where CUDA is installed.
// RUN: modelc compile %s --emit=halide | FileCheck %s --check-prefix=CPU
// RUN: modelc compile %s --emit=ptx --target cuda > %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: rm -rf %t.d && mkdir %t.d
// RUN: awk '/^\/\/ kernel /{n++} {print > ("%t.d/k" n ".ptx")}' %t.ptx
// RUN: %if ptxas %{ for f in %t.d/k*.ptx; do for sm in sm_75 sm_90; do %ptxas --gpu-name $sm $f -o /dev/null || exit 1; done; done %}

// CPU-LABEL: // kernel k0_pooling (pooling)
// CPU: external func {{.*}}par_for_out0_s0_s_so_sb
// CPU: for (out0.s0.c.co, 0, 4)
// CPU: produce v{{[0-9]+}}_window
// CPU-COUNT-3: v{{[0-9]+}}_window[ramp(0, 1, 16)] = v{{[0-9]+}}_window[ramp(0, 1, 16)] + select(
// CPU: consume v{{[0-9]+}}_window
// CPU: halide_do_par_for(
// CPU-LABEL: // kernel k1_conv (conv)
// CPU: produce v{{[0-9]+}}_conv
// CPU-COUNT-4: v{{[0-9]+}}_conv[ramp(0, 1, 16)] = v{{[0-9]+}}_conv[ramp(0, 1, 16)] + (v{{[0-9]+}}_taps_t[ramp(
// CPU: produce v{{[0-9]+}}_taps_t
// CPU: for (v{{[0-9]+}}_taps_t.s0.tj, 0, 4)
// CPU-LABEL: // kernel k2_conv (conv)
// CPU-COUNT-5: v{{[0-9]+}}_conv[ramp(0, 1, 16)] = v{{[0-9]+}}_conv[ramp(0, 1, 16)] + (v{{[0-9]+}}_taps_t[ramp(
// CPU-LABEL: // kernel k3_aft (aft)
// CPU: external func {{.*}}par_for_v{{[0-9]+}}_chunk_s0_j_jb
// CPU: produce v{{[0-9]+}}_chunk_max
// CPU: for (v{{[0-9]+}}_chunk_max.s1.v{{[0-9]+}}_ct$x, 0, 32)
// CPU: for (v{{[0-9]+}}_chunk_max.s1.c.c, 0, 4)
// CPU: produce v{{[0-9]+}}_chunk_exp
// CPU: floor_f32
// CPU: produce v{{[0-9]+}}_chunk_sums
// CPU-NOT: floor_f32
// CPU: external func {{.*}}par_for_v{{[0-9]+}}_carry_s1_b
// CPU: external func {{.*}}par_for_out0__3_s0_s_so_sb
// CPU: produce v{{[0-9]+}}_run_max
// CPU: for (v{{[0-9]+}}_run_max.s1.v{{[0-9]+}}_steps$x, 0, 32)
// CPU: for (v{{[0-9]+}}_run_max.s1.c.c, 0, 4)
// CPU: produce v{{[0-9]+}}_run_rescale
// CPU: floor_f32
// CPU: produce v{{[0-9]+}}_run_sums
// CPU-NOT: floor_f32
// CPU: for (v{{[0-9]+}}_run_sums.s1.v{{[0-9]+}}_steps$x, 0, 32)
// CPU: for (v{{[0-9]+}}_run_sums.s1.c.c, 0, 4)
// CPU-NOT: floor_f32
// CPU: for (out0$3.s0.s.si, 0,
// CPU: floor_f32
// CPU-NOT: floor_f32
// CPU-LABEL: // kernel k4_aft (aft)
// CPU: produce v{{[0-9]+}}_chunk_max
// CPU: produce v{{[0-9]+}}_chunk_sums
// CPU: external func {{.*}}par_for_out0__4_s0_s_so_sb
// CPU-NOT: run_max
// CPU: for (out0$4.s0.s.si, 0,

// PTX-LABEL: // kernel k0_pooling (pooling)
// PTX: .entry
// PTX-LABEL: // kernel k1_conv (conv)
// PTX: .entry _kernel_v{{[0-9]+}}_taps_t
// PTX: .entry _kernel_out0
// PTX-LABEL: // kernel k2_conv (conv)
// PTX: .entry
// PTX-LABEL: // kernel k3_aft (aft)
// PTX: .entry _kernel_v{{[0-9]+}}_chunk_s0
// PTX: .entry _kernel_v{{[0-9]+}}_carry_s1
// PTX: .entry _kernel_v{{[0-9]+}}_run_sums_s1
// PTX: .entry _kernel_out0
// PTX-LABEL: // kernel k4_aft (aft)
// PTX: .entry

module attributes {nn.arena_floats_per_token = 320 : i64, nn.max_seq = 64 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>, %r: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %w4 = nn.weight "conv4.weight" : tensor<64x1x4xf32>
  %b4 = nn.weight "conv4.bias" : tensor<64xf32>
  %w5 = nn.weight "conv5.weight" : tensor<64x1x5xf32>
  %p = nn.kernel "k0_pool" pooling (%x, %r) {arena_offsets = array<i64: 0>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %s: tensor<?x?x64xf32>):
    %0 = nn.pooling %a {pool_size = 3 : i64} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %1 = nn.add %s, %0 : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %1 : tensor<?x?x64xf32>
  }
  %c = nn.kernel "k1_conv" conv (%p, %w4, %b4) {arena_offsets = array<i64: 64>} : (tensor<?x?x64xf32>, tensor<64x1x4xf32>, tensor<64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %w: tensor<64x1x4xf32>, %b: tensor<64xf32>):
    %0 = nn.depthwise_conv %a, %w, %b {causal = true} : (tensor<?x?x64xf32>, tensor<64x1x4xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %1 = nn.activation silu %0 : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %1 : tensor<?x?x64xf32>
  }
  %d = nn.kernel "k2_conv" conv (%c, %w5) {arena_offsets = array<i64: 128>} : (tensor<?x?x64xf32>, tensor<64x1x5xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %w: tensor<64x1x5xf32>):
    %0 = nn.depthwise_conv %a, %w {causal = false} : (tensor<?x?x64xf32>, tensor<64x1x5xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %e = nn.kernel "k3_aft" aft (%c, %d, %p) {arena_offsets = array<i64: 192>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%q: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>):
    %0 = nn.aft %q, %k, %v {causal = true} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %f = nn.kernel "k4_aft" aft (%e, %d, %c) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%q: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>):
    %0 = nn.aft %q, %k, %v {causal = false} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  return %f : tensor<?x?x64xf32>
}
}
