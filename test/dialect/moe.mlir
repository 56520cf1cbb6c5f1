// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.moe: round trip (custom and generic form, MLP and GLU experts) and every
// verifier error.

// CHECK-LABEL: func.func @moe
// CHECK: nn.moe gelu %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {renormalize = false, top_k = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.moe silu %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {renormalize = true, top_k = 4 : i64} : (tensor<2x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>, tensor<32x6xf32>) -> tensor<2x?x8xf32>
func.func @moe(%x: tensor<?x?x8xf32>, %xb: tensor<2x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x8xf32>) -> (tensor<?x?x8xf32>, tensor<2x?x8xf32>) {
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 1 : i64, renormalize = false} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
  %1 = nn.moe silu %xb, %l, %u, %d, %u {top_k = 4 : i64, renormalize = true} : (tensor<2x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>, tensor<32x6xf32>) -> tensor<2x?x8xf32>
  return %0, %1 : tensor<?x?x8xf32>, tensor<2x?x8xf32>
}

// int8 experts: one scale per expert and column of up, groups of 2 rows of
// down, of 4 rows of gate.
// CHECK-LABEL: func.func @moe_int8
// CHECK: nn.moe silu %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}, %{{.*}}) {renormalize = true, top_k = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xi8>, tensor<24x8xi8>, tensor<32x6xi8>, tensor<4x6xf32>, tensor<12x8xf32>, tensor<8x6xf32>) -> tensor<?x?x8xf32>
func.func @moe_int8(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %qu: tensor<32x6xi8>, %qd: tensor<24x8xi8>, %su: tensor<4x6xf32>, %sd: tensor<12x8xf32>, %sg: tensor<8x6xf32>) -> tensor<?x?x8xf32> {
  %0 = nn.moe silu %x, %l, %qu, %qd, %qu scales(%su, %sd, %sg) {top_k = 2 : i64, renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xi8>, tensor<24x8xi8>, tensor<32x6xi8>, tensor<4x6xf32>, tensor<12x8xf32>, tensor<8x6xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

func.func @moe_top_k_above(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x8xf32>) {
  // expected-error @+1 {{top_k must be in [1, 4], got 5}}
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 5 : i64, renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_top_k_zero(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x8xf32>) {
  // expected-error @+1 {{top_k must be in [1, 4], got 0}}
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 0 : i64, renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_no_experts(%x: tensor<?x?x8xf32>, %l: tensor<?x?x0xf32>, %u: tensor<0x6xf32>, %d: tensor<0x8xf32>) {
  // expected-error @+1 {{needs at least one expert (router channels), got 0}}
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 1 : i64, renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x0xf32>, tensor<0x6xf32>, tensor<0x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_up_rows(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<24x6xf32>, %d: tensor<24x8xf32>) {
  // expected-error @+1 {{up must be [experts * dim, hidden] = [32, hidden], got [24, 6]}}
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 2 : i64, renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<24x6xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_gate_shape(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x8xf32>, %g: tensor<32x5xf32>) {
  // expected-error @+1 {{gate must have the shape of up}}
  %0 = nn.moe silu %x, %l, %u, %d, %g {top_k = 2 : i64, renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>, tensor<32x5xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_down_shape(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x6xf32>) {
  // expected-error @+1 {{down must be [experts * hidden, dim] = [24, 8], got [24, 6]}}
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 2 : i64, renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x6xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_tokens(%x: tensor<1x4x8xf32>, %l: tensor<1x5x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x8xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 2 : i64, renormalize = true} : (tensor<1x4x8xf32>, tensor<1x5x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @moe_needs_top_k(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x8xf32>) {
  // expected-error @+1 {{requires attribute 'top_k'}}
  %0 = nn.moe gelu %x, %l, %u, %d {renormalize = true} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_int8_no_scales(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xi8>, %d: tensor<24x8xi8>) {
  // expected-error @+1 {{up is int8 and needs scales}}
  %0 = nn.moe gelu %x, %l, %u, %d {top_k = 1 : i64, renormalize = false} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xi8>, tensor<24x8xi8>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_f32_scales(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xf32>, %d: tensor<24x8xf32>, %su: tensor<4x6xf32>, %sd: tensor<4x8xf32>) {
  // expected-error @+1 {{up is f32 and has scales}}
  %0 = nn.moe gelu %x, %l, %u, %d scales(%su, %sd) {top_k = 1 : i64, renormalize = false} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xf32>, tensor<24x8xf32>, tensor<4x6xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_gate_scales(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xi8>, %d: tensor<24x8xi8>, %su: tensor<4x6xf32>, %sd: tensor<4x8xf32>) {
  // expected-error @+1 {{int8 weights need the scales of up, down and gate, and no others}}
  %0 = nn.moe silu %x, %l, %u, %d, %u scales(%su, %sd) {top_k = 1 : i64, renormalize = false} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xi8>, tensor<24x8xi8>, tensor<32x6xi8>, tensor<4x6xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @moe_scales_groups(%x: tensor<?x?x8xf32>, %l: tensor<?x?x4xf32>, %u: tensor<32x6xi8>, %d: tensor<24x8xi8>, %su: tensor<12x6xf32>, %sd: tensor<4x8xf32>) {
  // expected-error @+1 {{up scales are [12, 6]: want [experts * groups, 6] with groups dividing the 8 rows of an expert}}
  %0 = nn.moe gelu %x, %l, %u, %d scales(%su, %sd) {top_k = 1 : i64, renormalize = false} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<32x6xi8>, tensor<24x8xi8>, tensor<12x6xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
  return
}
