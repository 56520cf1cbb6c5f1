// The kernels of issue 7's norms and block structure on CPU:
//  - per-loop LoRA: the low-rank term is a second update of the GEMM's
//    accumulator (s2, over the rank) inside the same row tile as the K loop
//    (s1), before the tile is stored; the scale (1 here: the frontend folds
//    it into B) costs nothing;
//  - GroupNorm: the sums over a sample's whole sequence in parallel row
//    blocks (one vectorized inline reduction each), then the normalized rows
//    in parallel blocks;
//  - BatchNorm / RepBN: its per-channel scale and shift computed once per call,
//    the rows one FMA per element (LayerScale, DeepNorm and DWA fused before it).
// RUN: modelc compile %s --emit=halide | FileCheck %s

// CHECK-LABEL: // kernel k1_gemm (gemm)
// CHECK: external func {{.*}}par_for
// CHECK: produce [[ACC:v[0-9]+_acc]]
// CHECK: for ([[ACC]].s1.{{v[0-9]+}}_k$x, 0, 64)
// CHECK: for ([[ACC]].s2.{{v[0-9]+}}_r$x, 0, 8)
// CHECK-NEXT: [[ACC]][ramp(0, 1, {{16|8}})] = [[ACC]][ramp(0, 1, {{16|8}})] + (in4[ramp(
// CHECK-NOT: produce
// CHECK: consume [[ACC]]
// CHECK-LABEL: // kernel k2_norm (norm)
// CHECK: external func {{.*}}par_for_[[SUM:v[0-9]+_sum_blocks]]_s0_rblock
// CHECK: produce {{v[0-9]+}}_sum_block_sum
// CHECK: external func {{.*}}par_for_{{v[0-9]+}}_var_blocks_s0_rblock
// CHECK: external func {{.*}}par_for_out0{{.*}}_s0_s_so
// CHECK-LABEL: // kernel k3_norm (norm)
// CHECK: produce {{v[0-9]+}}_bn_scale
// CHECK: produce {{v[0-9]+}}_bn_shift
// CHECK: halide_do_par_for

module attributes {nn.arena_floats_per_token = 72 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>) -> tensor<?x?x256xf32> {
  %w = nn.weight "up.weight" transposed : tensor<64x256xf32>
  %b = nn.weight "up.bias" : tensor<256xf32>
  %as = nn.weight "up.lora_a" : tensor<2x8x64xf32>
  %bs = nn.weight "up.lora_b" : tensor<2x256x8xf32>
  %a = nn.weight.select %as {index = 1 : i64, transposed} : (tensor<2x8x64xf32>) -> tensor<64x8xf32>
  %bb = nn.weight.select %bs {index = 1 : i64, transposed} : (tensor<2x256x8xf32>) -> tensor<8x256xf32>
  %g = nn.weight "g" : tensor<256xf32>
  %be = nn.weight "b" : tensor<256xf32>
  %m = nn.weight "m" : tensor<256xf32>
  %v = nn.weight "v" : tensor<256xf32>
  %al = nn.weight "a" : tensor<1xf32>
  %l = nn.weight "l" : tensor<256xf32>
  %dw = nn.weight "w" : tensor<1x2xf32>
  %xa = nn.kernel "k0_lora_a" gemm (%x, %a) {arena_offsets = array<i64: 0>} : (tensor<?x?x64xf32>, tensor<64x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x64xf32>, %aa: tensor<64x8xf32>):
    %0 = nn.linear %i, %aa : (tensor<?x?x64xf32>, tensor<64x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %0 : tensor<?x?x8xf32>
  }
  %y = nn.kernel "k1_lora" gemm (%x, %w, %b, %xa, %bb) {arena_offsets = array<i64: 8>} : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<?x?x8xf32>, tensor<8x256xf32>) -> tensor<?x?x256xf32> {
  ^bb0(%i: tensor<?x?x64xf32>, %ww: tensor<64x256xf32>, %bi: tensor<256xf32>, %lx: tensor<?x?x8xf32>, %lb: tensor<8x256xf32>):
    %0 = nn.lora_linear %i, %ww, %bi, %lx, %lb {scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<?x?x8xf32>, tensor<8x256xf32>) -> tensor<?x?x256xf32>
    nn.yield %0 : tensor<?x?x256xf32>
  }
  %n = nn.kernel "k2_groupnorm" norm (%y, %g, %be) {arena_offsets = array<i64: 264>} : (tensor<?x?x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32> {
  ^bb0(%i: tensor<?x?x256xf32>, %gg: tensor<256xf32>, %bb2: tensor<256xf32>):
    %0 = nn.group_norm %i, %gg, %bb2 {epsilon = 1.0e-05 : f32, groups = 1 : i64} : (tensor<?x?x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    nn.yield %0 : tensor<?x?x256xf32>
  }
  %r = nn.kernel "k3_repbn" norm (%n, %g, %be, %m, %v, %al, %l, %y, %dw) {arena_offsets = array<i64: -1>} : (tensor<?x?x256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<1xf32>, tensor<256xf32>, tensor<?x?x256xf32>, tensor<1x2xf32>) -> tensor<?x?x256xf32> {
  ^bb0(%i: tensor<?x?x256xf32>, %gg: tensor<256xf32>, %bb2: tensor<256xf32>, %mm: tensor<256xf32>, %vv: tensor<256xf32>, %aa: tensor<1xf32>, %ll: tensor<256xf32>, %xx: tensor<?x?x256xf32>, %ww: tensor<1x2xf32>):
    %0 = nn.channel_scale %i, %ll : (tensor<?x?x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    %1 = nn.scaled_add %xx, %0 {lhs_scale = 2.0 : f32} : (tensor<?x?x256xf32>, tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    %2 = nn.weighted_sum %ww, %xx, %1 : (tensor<1x2xf32>, tensor<?x?x256xf32>, tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    %3 = nn.batch_norm %2, %gg, %bb2, %mm, %vv, %aa {epsilon = 1.0e-05 : f32} : (tensor<?x?x256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<1xf32>) -> tensor<?x?x256xf32>
    nn.yield %3 : tensor<?x?x256xf32>
  }
  return %r : tensor<?x?x256xf32>
}
}
