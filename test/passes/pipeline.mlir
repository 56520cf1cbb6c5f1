// RUN: modelc-opt %s -pass-pipeline='builtin.module(nn-lower-to-kernels)' | FileCheck %s
// RUN: modelc-opt %s -pass-pipeline='builtin.module(nn-lower-to-kernels{opt-level=0})' | FileCheck %s --check-prefix=O0
// RUN: modelc-opt %s -pass-pipeline='builtin.module(nn-optimize)' | FileCheck %s --check-prefix=OPT
// RUN: modelc-opt %s -pass-pipeline='builtin.module(nn-optimize{disable=nn-fold-norm-affine})' | FileCheck %s --check-prefix=NOFOLD
// RUN: not modelc-opt %s -pass-pipeline='builtin.module(nn-optimize{disable=nn-foo})' 2>&1 | FileCheck %s --check-prefix=BADPASS

// A 2-layer GPT-2 (pre-LN, learned positions, fused QKV, tied head) at
// width 8, lowered by the whole -O3 pipeline: the norms' affines folded into
// the GEMMs, the stream recentered (the norms are affine-free RMSNorms), the
// attention scale in the qkv weight; 9 unique kernels for 16 launches;
// layer 1 reuses layer 0's kernels (the final add + ln_f is a norm kernel of
// its own with a single result).

// CHECK: module attributes {nn.arena_floats_per_token = 56 : i64}
// CHECK-LABEL: func.func @forward
// CHECK-NOT: nn.kernel
// CHECK: nn.weight.center
// CHECK: %[[E:.*]]:2 = nn.kernel "k0_embedding" embedding({{.*}}) {arena_offsets = array<i64: {{[0-9]+}}, {{[0-9]+}}>}
// CHECK: nn.rms_norm
// CHECK-NOT: nn.weight
// CHECK: %[[QKV:.*]] = nn.kernel "k1_gemm" gemm(%[[E]]#1, {{.*}}) {arena_offsets
// CHECK: %[[ATT:.*]] = nn.kernel "k2_attention" attention(%[[QKV]]) {arena_offsets
// CHECK: %[[PROJ:.*]] = nn.kernel "k3_gemm" gemm(%[[ATT]], {{.*}}) {arena_offsets
// CHECK: %[[N0:.*]]:2 = nn.kernel "k4_norm" norm(%[[E]]#0, %[[PROJ]]) {arena_offsets
// CHECK: nn.rms_norm %{{.*}} {epsilon
// CHECK: %[[UP:.*]] = nn.kernel "k5_gemm" gemm(%[[N0]]#1, {{.*}}) {arena_offsets
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.activation gelu_tanh
// CHECK: %[[DOWN:.*]] = nn.kernel "k6_gemm" gemm(%[[UP]], {{.*}}) {arena_offsets
// CHECK: %[[N1:.*]]:2 = nn.kernel "k4_norm" norm(%[[N0]]#0, %[[DOWN]]) {arena_offsets
// CHECK: nn.kernel "k1_gemm" gemm(%[[N1]]#1,
// CHECK: nn.kernel "k2_attention" attention
// CHECK: nn.kernel "k3_gemm" gemm
// CHECK: nn.kernel "k4_norm" norm
// CHECK: nn.kernel "k5_gemm" gemm
// CHECK: nn.kernel "k6_gemm" gemm
// CHECK: %[[F:.*]] = nn.kernel "k7_norm" norm({{.*}}) {arena_offsets = array<i64: {{[0-9]+}}>}
// CHECK: %[[HEAD:.*]] = nn.kernel "k8_gemm" gemm(%[[F]], {{.*}}) {arena_offsets = array<i64: -1>}
// CHECK-NOT: nn.kernel
// CHECK: return %[[HEAD]]

// -O0: one kernel per op, still deduplicated (14 distinct kernels).
// O0: module attributes {nn.arena_floats_per_token = 72 : i64}
// O0-COUNT-2: nn.kernel "k7_attention" attention
// O0-NOT: nn.kernel "k14_
// O0: return

// nn-optimize stops before kernel formation.
// OPT-LABEL: func.func @forward
// OPT-NOT: nn.kernel
// OPT: nn.weight "wte" transposed
// OPT: nn.rms_norm
// OPT-NOT: nn.layer_norm
// OPT: return

// disable= leaves passes out: without the affine fold no LayerNorm is
// affine-free, so nothing is recentered either.
// NOFOLD-LABEL: func.func @forward
// NOFOLD-NOT: nn.weight.center
// NOFOLD-NOT: nn.rms_norm
// NOFOLD: nn.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon
// NOFOLD: scale = 1.000000e+00
// BADPASS: 'nn-foo' is not a re-parameterization pass; known: nn-merge-lora nn-fold-batch-norm nn-fold-norm-affine

func.func @forward(%tokens: tensor<?x?xi32>) -> tensor<?x?x16xf32> {
  %wte = nn.weight "wte" : tensor<16x8xf32>
  %wpe = nn.weight "wpe" : tensor<10x8xf32>
  %g1_0 = nn.weight "h.0.ln_1.weight" : tensor<8xf32>
  %b1_0 = nn.weight "h.0.ln_1.bias" : tensor<8xf32>
  %wa_0 = nn.weight "h.0.attn.c_attn.weight" : tensor<8x24xf32>
  %ba_0 = nn.weight "h.0.attn.c_attn.bias" : tensor<24xf32>
  %wp_0 = nn.weight "h.0.attn.c_proj.weight" : tensor<8x8xf32>
  %bp_0 = nn.weight "h.0.attn.c_proj.bias" : tensor<8xf32>
  %g2_0 = nn.weight "h.0.ln_2.weight" : tensor<8xf32>
  %b2_0 = nn.weight "h.0.ln_2.bias" : tensor<8xf32>
  %wf_0 = nn.weight "h.0.mlp.c_fc.weight" : tensor<8x32xf32>
  %bf_0 = nn.weight "h.0.mlp.c_fc.bias" : tensor<32xf32>
  %wo_0 = nn.weight "h.0.mlp.c_proj.weight" : tensor<32x8xf32>
  %bo_0 = nn.weight "h.0.mlp.c_proj.bias" : tensor<8xf32>
  %g1_1 = nn.weight "h.1.ln_1.weight" : tensor<8xf32>
  %b1_1 = nn.weight "h.1.ln_1.bias" : tensor<8xf32>
  %wa_1 = nn.weight "h.1.attn.c_attn.weight" : tensor<8x24xf32>
  %ba_1 = nn.weight "h.1.attn.c_attn.bias" : tensor<24xf32>
  %wp_1 = nn.weight "h.1.attn.c_proj.weight" : tensor<8x8xf32>
  %bp_1 = nn.weight "h.1.attn.c_proj.bias" : tensor<8xf32>
  %g2_1 = nn.weight "h.1.ln_2.weight" : tensor<8xf32>
  %b2_1 = nn.weight "h.1.ln_2.bias" : tensor<8xf32>
  %wf_1 = nn.weight "h.1.mlp.c_fc.weight" : tensor<8x32xf32>
  %bf_1 = nn.weight "h.1.mlp.c_fc.bias" : tensor<32xf32>
  %wo_1 = nn.weight "h.1.mlp.c_proj.weight" : tensor<32x8xf32>
  %bo_1 = nn.weight "h.1.mlp.c_proj.bias" : tensor<8xf32>
  %gf = nn.weight "ln_f.weight" : tensor<8xf32>
  %bff = nn.weight "ln_f.bias" : tensor<8xf32>
  %head = nn.weight "wte" transposed : tensor<8x16xf32>
  %e = nn.embedding %wte, %tokens : (tensor<16x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32> loc("embed.tokens")
  %h0 = nn.add_positions %e, %wpe : (tensor<?x?x8xf32>, tensor<10x8xf32>) -> tensor<?x?x8xf32> loc("embed.positions")
  %a0 = nn.layer_norm %h0, %g1_0, %b1_0 {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer0.ln_1")
  %qkv0 = nn.linear %a0, %wa_0, %ba_0 : (tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32>) -> tensor<?x?x24xf32> loc("layer0.attn.qkv")
  %q0 = nn.slice %qkv0 [0] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.q")
  %k0 = nn.slice %qkv0 [8] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.k")
  %v0 = nn.slice %qkv0 [16] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.v")
  %att0 = nn.attention %q0, %k0, %v0 {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 0.5 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.attn")
  %p0 = nn.linear %att0, %wp_0, %bp_0 : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.out")
  %r0 = nn.add %h0, %p0 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.residual")
  %m0 = nn.layer_norm %r0, %g2_0, %b2_0 {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer0.ln_2")
  %f0 = nn.linear %m0, %wf_0, %bf_0 : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.up")
  %gl0 = nn.activation gelu_tanh %f0 : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.act")
  %o0 = nn.linear %gl0, %wo_0, %bo_0 : (tensor<?x?x32xf32>, tensor<32x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.down")
  %s0 = nn.add %r0, %o0 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.residual")
  %a1 = nn.layer_norm %s0, %g1_1, %b1_1 {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer1.ln_1")
  %qkv1 = nn.linear %a1, %wa_1, %ba_1 : (tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32>) -> tensor<?x?x24xf32> loc("layer1.attn.qkv")
  %q1 = nn.slice %qkv1 [0] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32> loc("layer1.attn.q")
  %k1 = nn.slice %qkv1 [8] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32> loc("layer1.attn.k")
  %v1 = nn.slice %qkv1 [16] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32> loc("layer1.attn.v")
  %att1 = nn.attention %q1, %k1, %v1 {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 0.5 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.attn")
  %p1 = nn.linear %att1, %wp_1, %bp_1 : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer1.attn.out")
  %r1 = nn.add %s0, %p1 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.attn.residual")
  %m1 = nn.layer_norm %r1, %g2_1, %b2_1 {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer1.ln_2")
  %f1 = nn.linear %m1, %wf_1, %bf_1 : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer1.mlp.up")
  %gl1 = nn.activation gelu_tanh %f1 : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("layer1.mlp.act")
  %o1 = nn.linear %gl1, %wo_1, %bo_1 : (tensor<?x?x32xf32>, tensor<32x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.down")
  %s1 = nn.add %r1, %o1 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.residual")
  %z = nn.layer_norm %s1, %gf, %bff {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("ln_f")
  %logits = nn.linear %z, %head : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32> loc("head")
  return %logits : tensor<?x?x16xf32>
}
