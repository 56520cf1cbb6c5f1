// Weight-only int8 GEMMs (nn.int8_linear): the packed panel is read as int8
// and widened to f32 in registers (vpmovsxbd + vcvtdq2ps before the FMA).
// With one scale per column the sum is scaled once per output, with the
// bias; with groups of 16 input rows each widened weight is scaled by its
// group's row of scales inside the sum. A per-loop LoRA projection
// (nn.int8_lora_linear): the int8 weight scaled inside the sum, then the
// f32 low-rank term (x A) B over the rank in the same register tile. For
// CUDA the PTX assembles.
// RUN: modelc compile %s --emit=halide -q | FileCheck %s --check-prefix=STMT
// RUN: modelc compile %s --emit=asm -q | FileCheck %s --check-prefix=ASM
// RUN: modelc compile %s --emit=ptx --target cuda -q > %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: rm -rf %t.d && mkdir %t.d
// RUN: awk '/^\/\/ kernel /{n++} {print > ("%t.d/k" n ".ptx")}' %t.ptx
// RUN: %if ptxas %{ for f in %t.d/k*.ptx; do %ptxas --gpu-name sm_75 $f -o /dev/null || exit 1; done %}

// STMT-LABEL: // kernel k0_gemm (gemm)
// STMT: v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] = v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] + (float32x{{16|8}}(in1[ramp({{.*}})])*x{{16|8}}(in0[
// STMT: out0[ramp({{.*}})] = in3[ramp({{.*}})] + (v{{[0-9]+}}_acc[ramp({{.*}})]*in2[ramp({{.*}})])
// STMT-LABEL: // kernel k1_gemm (gemm)
// STMT: v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] = v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] + ((in2[ramp(((({{.*}}_k$x/16)*2) + {{.*}})*48, 1, {{16|8}}) aligned(48, 0)]*float32x{{16|8}}(in1[ramp({{.*}})]))*x{{16|8}}(in0[
// The gated one (a merged GLU): gate and up panels 48 columns apart, each
// scaled per column in the epilogue before silu(gate) * up.
// STMT-LABEL: // kernel k2_gemm (gemm)
// STMT: float32x{{16|8}}(in1[ramp({{.*}})])
// STMT: out0{{.*}}[ramp({{.*}})] = {{.*}}in2[ramp({{.*}} + 96, 1, {{16|8}})
// STMT-LABEL: // kernel k3_gemm (gemm)
// STMT: for (v{{[0-9]+}}_acc.s1.v{{[0-9]+}}_k$x, 0, 64) {
// STMT-NEXT: v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] = v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] + ((in2[ramp({{.*}}_k$x/16){{.*}}*float32x{{16|8}}(in1[ramp({{.*}})]))*x{{16|8}}(in0[
// STMT: for (v{{[0-9]+}}_acc.s2.v{{[0-9]+}}_r$x, 0, 4) {
// STMT-NEXT: v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] = v{{[0-9]+}}_acc[ramp(0, 1, {{16|8}})] + (in4[ramp({{.*}})]*x{{16|8}}(in3[
// With one scale per column (the default) the scale is the column's, still
// inside the sum.
// STMT-LABEL: // kernel k4_gemm (gemm)
// STMT: for (v{{[0-9]+}}_acc{{[$0-9]*}}.s1.v{{[0-9]+}}_k$x, 0, 64) {
// STMT-NEXT: v{{[0-9]+}}_acc{{[$0-9]*}}[ramp(0, 1, {{16|8}})] = v{{[0-9]+}}_acc{{[$0-9]*}}[ramp(0, 1, {{16|8}})] + ((in2[ramp({{.*}})]*float32x{{16|8}}(in1[ramp({{.*}})]))*x{{16|8}}(in0[
// STMT: for (v{{[0-9]+}}_acc{{[$0-9]*}}.s2.v{{[0-9]+}}_r$x, 0, 4) {
// ASM-LABEL: // kernel k0_gemm (gemm)
// ASM: vpmovsxbd
// ASM: vcvtdq2ps
// ASM: vfmadd{{[0-9]+}}ps {{.*}}%{{[zy]}}mm
// PTX-LABEL: // kernel k0_gemm (gemm)
// PTX-DAG: ld.global.nc.u8
// PTX-DAG: cvt.rn.f32.s16
// PTX-DAG: fma.rn.f32
// PTX-LABEL: // kernel k3_gemm (gemm)
// PTX-DAG: ld.global.nc.u8
// PTX-DAG: fma.rn.f32

module attributes {nn.arena_floats_per_token = 0 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>, %xa: tensor<?x?x4xf32>) -> (tensor<?x?x96xf32>, tensor<?x?x96xf32>, tensor<?x?x96xf32>, tensor<?x?x96xf32>, tensor<?x?x96xf32>) {
  %w = nn.weight "w" : tensor<64x96xf32>
  %b = nn.weight "b" : tensor<96xf32>
  %q = nn.weight.quantize_int8 %w {group = 64 : i64} : (tensor<64x96xf32>) -> tensor<64x96xi8>
  %s = nn.weight.int8_scales %w {group = 64 : i64} : (tensor<64x96xf32>) -> tensor<1x96xf32>
  %qg = nn.weight.quantize_int8 %w {group = 16 : i64} : (tensor<64x96xf32>) -> tensor<64x96xi8>
  %sg = nn.weight.int8_scales %w {group = 16 : i64} : (tensor<64x96xf32>) -> tensor<4x96xf32>
  %y = nn.kernel "k0_int8" gemm (%x, %q, %s, %b) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<1x96xf32>, tensor<96xf32>) -> tensor<?x?x96xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %qq: tensor<64x96xi8>, %ss: tensor<1x96xf32>, %bb: tensor<96xf32>):
    %0 = nn.int8_linear %a, %qq, %ss, %bb : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<1x96xf32>, tensor<96xf32>) -> tensor<?x?x96xf32>
    nn.yield %0 : tensor<?x?x96xf32>
  }
  %z = nn.kernel "k1_int8_grouped" gemm (%x, %qg, %sg) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<4x96xf32>) -> tensor<?x?x96xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %qq: tensor<64x96xi8>, %ss: tensor<4x96xf32>):
    %0 = nn.int8_linear %a, %qq, %ss : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<4x96xf32>) -> tensor<?x?x96xf32>
    nn.yield %0 : tensor<?x?x96xf32>
  }
  %wg = nn.weight "gate_up" : tensor<64x192xf32>
  %qu = nn.weight.quantize_int8 %wg {group = 64 : i64} : (tensor<64x192xf32>) -> tensor<64x192xi8>
  %su = nn.weight.int8_scales %wg {group = 64 : i64} : (tensor<64x192xf32>) -> tensor<1x192xf32>
  %u = nn.kernel "k2_int8_gated" gemm (%x, %qu, %su) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<64x192xi8>, tensor<1x192xf32>) -> tensor<?x?x96xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %qq: tensor<64x192xi8>, %ss: tensor<1x192xf32>):
    %0 = nn.int8_gated_linear silu %a, %qq, %ss : (tensor<?x?x64xf32>, tensor<64x192xi8>, tensor<1x192xf32>) -> tensor<?x?x96xf32>
    nn.yield %0 : tensor<?x?x96xf32>
  }
  %lb = nn.weight "lora_b" : tensor<4x96xf32>
  %l = nn.kernel "k3_int8_lora" gemm (%x, %qg, %sg, %xa, %lb) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<4x96xf32>, tensor<?x?x4xf32>, tensor<4x96xf32>) -> tensor<?x?x96xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %qq: tensor<64x96xi8>, %ss: tensor<4x96xf32>, %aa: tensor<?x?x4xf32>, %bb: tensor<4x96xf32>):
    %0 = nn.int8_lora_linear %a, %qq, %ss, %aa, %bb {scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<4x96xf32>, tensor<?x?x4xf32>, tensor<4x96xf32>) -> tensor<?x?x96xf32>
    nn.yield %0 : tensor<?x?x96xf32>
  }
  %lc = nn.kernel "k4_int8_lora_column" gemm (%x, %q, %s, %xa, %lb) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<1x96xf32>, tensor<?x?x4xf32>, tensor<4x96xf32>) -> tensor<?x?x96xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %qq: tensor<64x96xi8>, %ss: tensor<1x96xf32>, %aa: tensor<?x?x4xf32>, %bb: tensor<4x96xf32>):
    %0 = nn.int8_lora_linear %a, %qq, %ss, %aa, %bb {scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<64x96xi8>, tensor<1x96xf32>, tensor<?x?x4xf32>, tensor<4x96xf32>) -> tensor<?x?x96xf32>
    nn.yield %0 : tensor<?x?x96xf32>
  }
  return %y, %z, %u, %l, %lc : tensor<?x?x96xf32>, tensor<?x?x96xf32>, tensor<?x?x96xf32>, tensor<?x?x96xf32>, tensor<?x?x96xf32>
}
}
