// A gated GEMM (nn.gated_linear, SwiGLU): one register tile accumulates a
// gate panel and the up panel after it (the packed weight alternates them:
// the up panel's loads are one panel, K x 48 = 3072 floats, further on), and
// the epilogue multiplies silu(gate) by the up column 48 accumulators
// further on, from the tile; the assembly has packed FMAs.
// RUN: modelc compile %s --emit=halide -q | FileCheck %s --check-prefix=STMT
// RUN: modelc compile %s --emit=asm -q | FileCheck %s --check-prefix=ASM

// STMT-LABEL: // kernel k0_gemm (gemm)
// STMT: external func {{.*}}par_for
// STMT: produce v{{[0-9]+}}_acc
// STMT: for (v{{[0-9]+}}_acc.s1.v{{[0-9]+}}_k$x, 0, 64)
// STMT-NEXT: v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] = v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] + (in1[ramp(({{.*}})*48, 1, {{16|8}})
// STMT: v{{[0-9]+}}_acc[ramp(48, 1, {{16|8}})] = v{{[0-9]+}}_acc[ramp(48, 1, {{16|8}})] + (in1[ramp((({{.*}})*48) + 3072, 1, {{16|8}})
// STMT: consume v{{[0-9]+}}_acc
// STMT: out0[ramp({{.*}})] = v{{[0-9]+}}_acc[ramp({{.*}} + 48, 1, {{16|8}}) aligned({{16|8}}, 0)]*
// ASM-LABEL: // kernel k0_gemm (gemm)
// ASM: vfmadd{{[0-9]+}}ps {{.*}}%{{[zy]}}mm

module attributes {nn.arena_floats_per_token = 0 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>) -> tensor<?x?x160xf32> {
  %w = nn.weight "gate_up.weight" : tensor<64x320xf32>
  %y = nn.kernel "k0_gated" gemm (%x, %w) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<64x320xf32>) -> tensor<?x?x160xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %ww: tensor<64x320xf32>):
    %0 = nn.gated_linear silu %a, %ww : (tensor<?x?x64xf32>, tensor<64x320xf32>) -> tensor<?x?x160xf32>
    nn.yield %0 : tensor<?x?x160xf32>
  }
  return %y : tensor<?x?x160xf32>
}
}
