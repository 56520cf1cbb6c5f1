// RUN: modelc-opt %s -nn-quantize-weights | FileCheck %s
// RUN: modelc-opt %s "-nn-quantize-weights=group=4 match=*.mlp.*" | FileCheck %s --check-prefix=GROUP
// RUN: not modelc-opt %s -nn-quantize-weights=group=3 2>&1 | FileCheck %s --check-prefix=NODIV
// RUN: not modelc-opt %s -nn-quantize-weights=group=-1 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: modelc-opt %s "-nn-optimize=int8-weights=true" | FileCheck %s --check-prefix=PIPE

// Every linear reads int8 weights with one scale per output column (group =
// its input width); the bias stays f32.
// CHECK-LABEL: func.func @mlp
// CHECK-DAG: %[[UP:.*]] = nn.weight "up"
// CHECK-DAG: %[[Q:.*]] = nn.weight.quantize_int8 %[[UP]] {group = 8 : i64} : (tensor<8x32xf32>) -> tensor<8x32xi8>
// CHECK-DAG: %[[S:.*]] = nn.weight.int8_scales %[[UP]] {group = 8 : i64} : (tensor<8x32xf32>) -> tensor<1x32xf32>
// CHECK-DAG: nn.weight.quantize_int8 %{{.*}} {group = 32 : i64} : (tensor<32x8xf32>) -> tensor<32x8xi8>
// CHECK: nn.int8_linear %arg0, %[[Q]], %[[S]], %{{.*}} : (tensor<?x?x8xf32>, tensor<8x32xi8>, tensor<1x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.int8_linear %{{.*}} : (tensor<?x?x32xf32>, tensor<32x8xi8>, tensor<1x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.int8_linear %{{.*}} : (tensor<?x?x8xf32>, tensor<8x8xi8>, tensor<1x8xf32>) -> tensor<?x?x8xf32>
// CHECK-NOT: nn.linear

// group=4: a scale per column and 4 input rows; only the MLP's linears.
// GROUP: nn.weight.int8_scales %{{.*}} {group = 4 : i64} : (tensor<8x32xf32>) -> tensor<2x32xf32>
// GROUP: nn.weight.int8_scales %{{.*}} {group = 4 : i64} : (tensor<32x8xf32>) -> tensor<8x8xf32>
// GROUP-COUNT-2: nn.int8_linear
// GROUP: nn.linear %{{.*}} : (tensor<?x?x8xf32>, tensor<8x8xf32>)
// NODIV: error: {{.*}}nn-quantize-weights: group 3 does not divide the 8 input channels of 'layer0.mlp.up'
// NEG: error: nn-quantize-weights: group -1 is negative

// In the pipeline it runs after the exact passes: fold-norm-affine has
// folded the norm's gamma into the up projection it quantizes.
func.func @mlp(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %up = nn.weight "up" : tensor<8x32xf32>
  %b = nn.weight "b" : tensor<32xf32>
  %down = nn.weight "down" : tensor<32x8xf32>
  %sq = nn.weight "sq" : tensor<8x8xf32>
  %h = nn.linear %x, %up, %b : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.up")
  %a = nn.activation gelu %h : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.act")
  %y = nn.linear %a, %down : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.down")
  %z = nn.linear %y, %sq : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.o")
  return %z : tensor<?x?x8xf32>
}

// PIPE-LABEL: func.func @normed
// PIPE: %[[F:.*]] = nn.weight.scale %{{.*}}, %{{.*}} {axis = 0 : i64}
// PIPE: nn.weight.quantize_int8 %[[F]]
func.func @normed(%x: tensor<?x?x8xf32>) -> tensor<?x?x32xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %w = nn.weight "w" : tensor<8x32xf32>
  %n = nn.rms_norm %x, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y = nn.linear %n, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.up")
  return %y : tensor<?x?x32xf32>
}

// A merged GLU: its [gate | up] weight is rounded per column as one.
// CHECK-LABEL: func.func @glu
// CHECK: %[[Q:.*]] = nn.weight.quantize_int8 %{{.*}} {group = 8 : i64} : (tensor<8x32xf32>) -> tensor<8x32xi8>
// CHECK: nn.int8_gated_linear silu %arg0, %[[Q]], %{{.*}} : (tensor<?x?x8xf32>, tensor<8x32xi8>, tensor<1x32xf32>) -> tensor<?x?x16xf32>
func.func @glu(%x: tensor<?x?x8xf32>) -> tensor<?x?x16xf32> {
  %w = nn.weight "gate_up" : tensor<8x32xf32>
  %y = nn.gated_linear silu %x, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x16xf32> loc("layer0.mlp.gate+up")
  return %y : tensor<?x?x16xf32>
}

// Per-loop LoRA: the base weight two passes share is rounded once and read
// by both nn.int8_lora_linear (a shared plain linear's too); the adapters
// (x A and B) stay f32.
// CHECK-LABEL: func.func @looped_lora
// CHECK: %[[W:.*]] = nn.weight "w"
// CHECK: %[[K:.*]] = nn.weight "k"
// CHECK: %[[Q:.*]] = nn.weight.quantize_int8 %[[W]] {group = 8 : i64}
// CHECK: %[[S:.*]] = nn.weight.int8_scales %[[W]] {group = 8 : i64}
// CHECK: %[[QK:.*]] = nn.weight.quantize_int8 %[[K]]
// CHECK-NOT: nn.weight.quantize_int8
// CHECK: %[[XA:.*]] = nn.linear %arg0, %{{.*}} : (tensor<?x?x8xf32>, tensor<8x2xf32>) -> tensor<?x?x2xf32>
// CHECK: %[[Y1:.*]] = nn.int8_lora_linear %arg0, %[[Q]], %[[S]], %[[XA]], %{{.*}} {scale = 1.000000e+00 : f32} : (tensor<?x?x8xf32>, tensor<8x8xi8>, tensor<1x8xf32>, tensor<?x?x2xf32>, tensor<2x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.int8_linear %[[Y1]], %[[QK]]
// CHECK: nn.linear %{{.*}}, %{{.*}} : (tensor<?x?x8xf32>, tensor<8x2xf32>) -> tensor<?x?x2xf32>
// CHECK: nn.int8_lora_linear %{{.*}}, %[[Q]], %[[S]],
// CHECK: nn.int8_linear %{{.*}}, %[[QK]]
func.func @looped_lora(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w = nn.weight "w" : tensor<8x8xf32>
  %k = nn.weight "k" : tensor<8x8xf32>
  %a1 = nn.weight "a1" : tensor<8x2xf32>
  %b1 = nn.weight "b1" : tensor<2x8xf32>
  %a2 = nn.weight "a2" : tensor<8x2xf32>
  %b2 = nn.weight "b2" : tensor<2x8xf32>
  %xa1 = nn.linear %x, %a1 : (tensor<?x?x8xf32>, tensor<8x2xf32>) -> tensor<?x?x2xf32> loc("layer1.attn.q.lora_a")
  %y1 = nn.lora_linear %x, %w, %xa1, %b1 {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<?x?x2xf32>, tensor<2x8xf32>) -> tensor<?x?x8xf32> loc("layer1.attn.q")
  %z1 = nn.linear %y1, %k : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer1.attn.k")
  %xa2 = nn.linear %z1, %a2 : (tensor<?x?x8xf32>, tensor<8x2xf32>) -> tensor<?x?x2xf32> loc("layer1@2.attn.q.lora_a")
  %y2 = nn.lora_linear %z1, %w, %xa2, %b2 {scale = 1.0 : f32} : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<?x?x2xf32>, tensor<2x8xf32>) -> tensor<?x?x8xf32> loc("layer1@2.attn.q")
  %z2 = nn.linear %y2, %k : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer1@2.attn.k")
  return %z2 : tensor<?x?x8xf32>
}

// -----

// A mixture of experts: its stacked expert weights, grouped within each
// expert (group 0: a scale per expert and column); group 4 divides an up
// expert's 8 rows but not a down expert's 6: an error.
// RUN: modelc-opt %s -split-input-file -nn-quantize-weights | FileCheck %s --check-prefix=MOE
// RUN: modelc-opt %s -split-input-file "-nn-quantize-weights=group=2" | FileCheck %s --check-prefix=MOEGROUP
// RUN: not modelc-opt %s -split-input-file "-nn-quantize-weights=group=4 match=layer0.moe" 2>&1 | FileCheck %s --check-prefix=MOENODIV
// MOE-LABEL: func.func @moe
// MOE-DAG: nn.weight.int8_scales %{{.*}} {group = 8 : i64} : (tensor<32x6xf32>) -> tensor<4x6xf32>
// MOE-DAG: nn.weight.int8_scales %{{.*}} {group = 6 : i64} : (tensor<24x8xf32>) -> tensor<4x8xf32>
// MOE: nn.moe gelu %arg0, %{{.*}}, %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) {{.*}} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xi8>, tensor<24x8xi8>, tensor<4x6xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
// MOEGROUP-LABEL: func.func @moe
// MOEGROUP-DAG: nn.weight.int8_scales %{{.*}} {group = 2 : i64} : (tensor<32x6xf32>) -> tensor<16x6xf32>
// MOEGROUP-DAG: nn.weight.int8_scales %{{.*}} {group = 2 : i64} : (tensor<24x8xf32>) -> tensor<12x8xf32>
// MOENODIV: error: {{.*}}nn-quantize-weights: group 4 does not divide the 6 rows of each expert of 'layer0.moe'
func.func @moe(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>) -> tensor<?x?x8xf32> {
  %u = nn.weight "up" : tensor<32x6xf32>
  %d = nn.weight "down" : tensor<24x8xf32>
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 2 : i64, renormalize = false} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32> loc("layer0.moe")
  return %0 : tensor<?x?x8xf32>
}

// -----

// SwitchHead's routed projection: its stacked experts (heads * E = 12 of
// [8, 2]) grouped within each expert, as the MoE's; group 4 divides an
// expert's 8 rows, group 3 does not: an error.
// RUN: modelc-opt %s -split-input-file "-nn-quantize-weights=match=layer0.attn.v" | FileCheck %s --check-prefix=SWITCH
// RUN: modelc-opt %s -split-input-file "-nn-quantize-weights=group=4 match=layer0.attn.v" | FileCheck %s --check-prefix=SWITCHGROUP
// RUN: not modelc-opt %s -split-input-file "-nn-quantize-weights=group=3 match=layer0.attn.v" 2>&1 | FileCheck %s --check-prefix=SWITCHNODIV
// SWITCH-LABEL: func.func @switch
// SWITCH: nn.weight.int8_scales %{{.*}} {group = 8 : i64} : (tensor<96x2xf32>) -> tensor<12x2xf32>
// SWITCH: nn.switch_linear %arg0, %arg1, %{{.*}} scales(%{{.*}}) {{.*}} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xi8>, tensor<12x2xf32>) -> tensor<?x?x8xf32>
// SWITCHGROUP-LABEL: func.func @switch
// SWITCHGROUP: nn.weight.int8_scales %{{.*}} {group = 4 : i64} : (tensor<96x2xf32>) -> tensor<24x2xf32>
// SWITCHNODIV: error: {{.*}}nn-quantize-weights: group 3 does not divide the 8 rows of each expert of 'layer0.attn.v'
func.func @switch(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>) -> tensor<?x?x8xf32> {
  %w = nn.weight "v_experts" : tensor<96x2xf32>
  %0 = nn.switch_linear %x, %l, %w {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.v")
  return %0 : tensor<?x?x8xf32>
}
