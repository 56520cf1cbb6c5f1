// The selective_scan kernel class. On the CPU, per batch row, the chunks of the
// sequence in order (a serial loop); per chunk the conv + SiLU of every
// channel and x_proj in parallel loops, then each channel block in parallel
// computes dt_proj + softplus and walks the chunk with its 16 states
// unrolled; the scan buffer is [channels, d_state + seq] (no
// [seq, channels, d_state] tensor); the gate is the output's epilogue.
// With CUDA, the per-token stages and the scan each get GPU kernels whose PTX
// ptxas assembles for sm_90.
// RUN: modelc compile %s --emit=halide | FileCheck %s --check-prefix=CPU
// RUN: modelc compile %s --emit=ptx --target cuda > %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %if ptxas %{ %ptxas --gpu-name sm_90 %t.ptx -o /dev/null %}
// RUN: %if ptxas %{ %ptxas --gpu-name sm_75 %t.ptx -o /dev/null %}

// CPU-LABEL: // kernel k0_selective_scan (selective_scan)
// CPU: external func {{.*}}par_for_v{{[0-9]+}}_u_s0_i_io
// CPU: external func {{.*}}par_for_v{{[0-9]+}}_dbc_s1_t_to
// CPU: external func {{.*}}par_for_v{{[0-9]+}}_scan_s2_i_io
// CPU: produce v{{[0-9]+}}_delta
// CPU: for (v{{[0-9]+}}_scan.s2.v{{[0-9]+}}_steps$y.rj, 0, 128)
// CPU: produce v{{[0-9]+}}_conv_taps
// CPU: produce v{{[0-9]+}}_neg_a
// CPU: produce out0
// CPU: for (out0.s0.b,
// CPU: allocate v[[S:[0-9]+]]_scan[float32 * 32 * (max({{.*}}, 1) + 16) * 1]
// CPU: for (v[[S]]_scan.s2.v{{[0-9]+}}_steps$y.rk,
// CPU: allocate v[[S]]_u[float32 * 32 * min({{.*}}, 128) * 1]
// CPU: halide_do_par_for({{.*}}par_for_v[[S]]_u_s0_i_io
// CPU: allocate v[[S]]_dbc[float32 * 34 * min({{.*}}, 128) * 1]
// CPU: halide_do_par_for({{.*}}par_for_v[[S]]_dbc_s1_t_to
// CPU: halide_do_par_for({{.*}}par_for_v[[S]]_scan_s2_i_io
// CPU: halide_do_par_for({{.*}}par_for_out0_s0_s_so
// CPU-NOT: allocate

// PTX-LABEL: // kernel k0_selective_scan (selective_scan)
// PTX: .entry {{.*}}_u_
// PTX: .entry {{.*}}_dbc_
// PTX: .entry {{.*}}_scan_s2_
// PTX: fma.rn.f32
// PTX: .entry {{.*}}out0

module attributes {nn.arena_floats_per_token = 64 : i64} {
func.func @forward(%xz: tensor<?x?x64xf32>) -> tensor<?x?x32xf32> {
  %cw = nn.weight "conv.w" : tensor<32x1x4xf32>
  %cb = nn.weight "conv.b" : tensor<32xf32>
  %xp = nn.weight "x_proj" transposed : tensor<32x34xf32>
  %dw = nn.weight "dt.w" transposed : tensor<2x32xf32>
  %db = nn.weight "dt.b" : tensor<32xf32>
  %a = nn.weight "a_log" : tensor<32x16xf32>
  %d = nn.weight "d" : tensor<32xf32>
  %o = nn.kernel "k0_scan" selective_scan (%xz, %cw, %cb, %xp, %dw, %db, %a, %d) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<32x1x4xf32>, tensor<32xf32>, tensor<32x34xf32>, tensor<2x32xf32>, tensor<32xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> {
  ^bb0(%in: tensor<?x?x64xf32>, %w0: tensor<32x1x4xf32>, %w1: tensor<32xf32>, %w2: tensor<32x34xf32>, %w3: tensor<2x32xf32>, %w4: tensor<32xf32>, %w5: tensor<32x16xf32>, %w6: tensor<32xf32>):
    %x = nn.slice %in [0] : (tensor<?x?x64xf32>) -> tensor<?x?x32xf32>
    %z = nn.slice %in [32] : (tensor<?x?x64xf32>) -> tensor<?x?x32xf32>
    %y = nn.selective_scan %x conv(%w0, %w1) x_proj(%w2) dt_proj(%w3, %w4) a_log(%w5) d(%w6) : (tensor<?x?x32xf32>, tensor<32x1x4xf32>, tensor<32xf32>, tensor<32x34xf32>, tensor<2x32xf32>, tensor<32xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
    %g = nn.activation silu %z : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %0 = nn.mul %y, %g : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    nn.yield %0 : tensor<?x?x32xf32>
  }
  return %o : tensor<?x?x32xf32>
}
}
