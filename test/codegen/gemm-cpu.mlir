// A GEMM kernel with a gelu epilogue: the stmt shows the parallel column
// panels, the register tile (acc) computed per row tile with the full K loop
// inside, and 16-wide (AVX-512) or 8-wide vectors; the assembly has packed
// FMAs on zmm (ymm without AVX-512) registers.
// RUN: modelc compile %s --emit=halide | FileCheck %s --check-prefix=STMT
// RUN: modelc compile %s --emit=asm | FileCheck %s --check-prefix=ASM

// STMT-LABEL: // kernel k0_gemm (gemm)
// STMT: external func {{.*}}par_for
// STMT: produce v{{[0-9]+}}_acc
// STMT: for (v{{[0-9]+}}_acc.s1.v{{[0-9]+}}_k$x, 0, 64)
// STMT-NEXT: v{{[0-9]+}}_acc[ramp({{.*}}, 1, {{16|8}})] = v{{[0-9]+}}_acc[ramp({{.*}}, 1, {{16|8}})] + (in1[ramp(
// STMT: halide_do_par_for(
// ASM-LABEL: // kernel k0_gemm (gemm)
// ASM: vfmadd{{[0-9]+}}ps {{.*}}%{{[zy]}}mm

module attributes {nn.arena_floats_per_token = 0 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>) -> tensor<?x?x256xf32> {
  %w = nn.weight "up.weight" transposed : tensor<64x256xf32>
  %b = nn.weight "up.bias" : tensor<256xf32>
  %y = nn.kernel "k0_mlp_up" gemm (%x, %w, %b) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %ww: tensor<64x256xf32>, %bb: tensor<256xf32>):
    %0 = nn.linear %a, %ww, %bb : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    %1 = nn.activation gelu %0 : (tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    nn.yield %1 : tensor<?x?x256xf32>
  }
  return %y : tensor<?x?x256xf32>
}
}
