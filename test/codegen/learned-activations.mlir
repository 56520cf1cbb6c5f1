// The learned activations in GEMM kernels. k0 (KAT's act1 -> fc1 -> act2,
// 8 groups of 16 and 8 channels): the prologue rational is computed once per
// call at root, rows in parallel (its own par_for), into a buffer the GEMM's
// K loop broadcasts from; the epilogue rational is inlined into the output
// tile, its coefficients scalar loads broadcast to the vector (a group is
// whole vectors), evaluated in 1/x where |x| > 1 (the select), and the last column panel (128 = 2 x 48 + 32) writes two
// vectors, not three (a root-computed coefficient table made Halide drop that
// guard). k1 (PolyNorm -> down): PolyNorm at root with its three row
// statistics computed inside each parallel block of rows (vectorized partial
// sums), then the GEMM reads it. --target cuda: each kernel's PTX, assembled
// by ptxas for sm_90 and sm_75 where it is installed.
// RUN: modelc compile %s --emit=halide -q | FileCheck %s --check-prefix=STMT
// RUN: modelc compile %s --emit=ptx --target cuda > %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: rm -rf %t.d && mkdir %t.d
// RUN: awk '/^\/\/ kernel /{n++} {print > ("%t.d/k" n ".ptx")}' %t.ptx
// RUN: %if ptxas %{ for f in %t.d/k*.ptx; do for sm in sm_90 sm_75; do %ptxas --gpu-name $sm $f -o /dev/null || exit 1; done; done %}

// STMT-LABEL: // kernel k0_gemm (gemm)
// STMT: external func out0_par_for_[[P:v[0-9]+_rational]]_s0_m_mo
// STMT: external func out0_par_for_out0_s0_c_no
// STMT: [[ACC:v[0-9]+_acc]][ramp(0, 1, {{16|8}})] = [[ACC]][ramp(0, 1, {{16|8}})] + (in3[ramp({{.*}}*x{{16|8}}([[P]][
// STMT: consume [[ACC]]
// STMT: for (out0.s0.c.ni.ni, 0, {{3|6}})
// STMT: let t{{[0-9]+}}.s = in1[0]
// STMT: let t{{[0-9]+}}.s = in1[5]
// STMT: let t{{[0-9]+}}.s = (float32)abs(in2[
// STMT: out0[ramp({{.*}}) aligned({{16|8}}, 0)] = select(x{{16|8}}(1.000000f) < t{{[0-9]+}},
// STMT: for (out0.s0.c.ni.ni, 0, {{2|4}})
// STMT-NOT: external func
// STMT: out0[ramp({{.*}} + 96, 1, {{16|8}})
// STMT: produce [[P]] {
// STMT: halide_do_par_for({{.*}}out0_par_for_[[P]]_s0_m_mo
// STMT: produce out0
// STMT-LABEL: // kernel k1_gemm (gemm)
// STMT: external func out0_1_par_for_[[V:v[0-9]+]]_poly_norm_s0_m_ro
// STMT: produce [[V]]_sumsq1_lanes
// STMT: produce [[V]]_sumsq2_lanes
// STMT: produce [[V]]_sumsq3_lanes
// STMT: [[V]]_poly_norm[
// STMT: [[ACC1:v[0-9]+_acc]][ramp(0, 1, {{16|8}})] = [[ACC1]][ramp(0, 1, {{16|8}})] + (in3[ramp({{.*}}*x{{16|8}}([[V]]_poly_norm[
// STMT: halide_do_par_for({{.*}}out0_1_par_for_[[V]]_poly_norm_s0_m_ro

// PTX-LABEL: // kernel k0_gemm (gemm)
// PTX: .entry {{.*}}rational_s0
// PTX: .entry {{.*}}out0
// PTX-LABEL: // kernel k1_gemm (gemm)
// PTX: .entry {{.*}}poly_norm
// PTX: .entry {{.*}}out0

module attributes {nn.arena_floats_per_token = 0 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %a = nn.weight "a" : tensor<1x6xf32>
  %b = nn.weight "b" : tensor<8x4xf32>
  %w1 = nn.weight "w1" : tensor<64x128xf32>
  %b1 = nn.weight "b1" : tensor<128xf32>
  %w2 = nn.weight "w2" : tensor<128x64xf32>
  %c = nn.weight "c" : tensor<3xf32>
  %d = nn.weight "d" : tensor<1xf32>
  %h = nn.kernel "k0_kan_fc1" gemm (%x, %a, %b, %w1, %b1) {arena_offsets = array<i64: 0>} : (tensor<?x?x64xf32>, tensor<1x6xf32>, tensor<8x4xf32>, tensor<64x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32> {
  ^bb0(%ax: tensor<?x?x64xf32>, %aa: tensor<1x6xf32>, %ab: tensor<8x4xf32>, %aw: tensor<64x128xf32>, %abias: tensor<128xf32>):
    %0 = nn.rational %ax, %aa, %ab : (tensor<?x?x64xf32>, tensor<1x6xf32>, tensor<8x4xf32>) -> tensor<?x?x64xf32>
    %1 = nn.linear %0, %aw, %abias : (tensor<?x?x64xf32>, tensor<64x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    %2 = nn.rational %1, %aa, %ab : (tensor<?x?x128xf32>, tensor<1x6xf32>, tensor<8x4xf32>) -> tensor<?x?x128xf32>
    nn.yield %2 : tensor<?x?x128xf32>
  }
  %y = nn.kernel "k1_polynorm_down" gemm (%h, %c, %d, %w2) {arena_offsets = array<i64: -1>} : (tensor<?x?x128xf32>, tensor<3xf32>, tensor<1xf32>, tensor<128x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%ah: tensor<?x?x128xf32>, %ac: tensor<3xf32>, %ad: tensor<1xf32>, %aw2: tensor<128x64xf32>):
    %0 = nn.poly_norm %ah, %ac, %ad {epsilon = 1.0e-06 : f32} : (tensor<?x?x128xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x128xf32>
    %1 = nn.linear %0, %aw2 : (tensor<?x?x128xf32>, tensor<128x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %1 : tensor<?x?x64xf32>
  }
  return %y : tensor<?x?x64xf32>
}
}
