// RUN: modelc-opt %s -split-input-file | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// Round trip of every nn op, custom and generic form.

// CHECK-LABEL: func.func @weights
// CHECK: nn.weight "h.0.attn.c_attn.weight" : tensor<768x2304xf32>
// CHECK: nn.weight "model.layers.0.mlp.up_proj.weight" transposed : tensor<64x128xf32>
// CHECK: nn.weight "scalar" : tensor<f32>
func.func @weights() -> (tensor<768x2304xf32>, tensor<64x128xf32>, tensor<f32>) {
  %w = nn.weight "h.0.attn.c_attn.weight" : tensor<768x2304xf32>
  %u = nn.weight "model.layers.0.mlp.up_proj.weight" transposed : tensor<64x128xf32>
  %s = nn.weight "scalar" : tensor<f32>
  return %w, %u, %s : tensor<768x2304xf32>, tensor<64x128xf32>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @embedding
// CHECK: %[[E:.*]] = nn.embedding %{{.*}}, %{{.*}} : (tensor<100x16xf32>, tensor<?x?xi32>) -> tensor<?x?x16xf32>
// CHECK: nn.add_positions %[[E]], %{{.*}} : (tensor<?x?x16xf32>, tensor<32x16xf32>) -> tensor<?x?x16xf32>
func.func @embedding(%ids: tensor<?x?xi32>, %table: tensor<100x16xf32>, %pos: tensor<32x16xf32>) -> tensor<?x?x16xf32> {
  %e = nn.embedding %table, %ids : (tensor<100x16xf32>, tensor<?x?xi32>) -> tensor<?x?x16xf32>
  %p = nn.add_positions %e, %pos : (tensor<?x?x16xf32>, tensor<32x16xf32>) -> tensor<?x?x16xf32>
  return %p : tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @static_tokens
// CHECK: nn.embedding %{{.*}}, %{{.*}} : (tensor<100x16xf32>, tensor<2x8xi32>) -> tensor<2x8x16xf32>
// CHECK: nn.add_positions %{{.*}}, %{{.*}} : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x16xf32>
func.func @static_tokens(%ids: tensor<2x8xi32>, %table: tensor<100x16xf32>, %pos: tensor<8x16xf32>) -> tensor<2x8x16xf32> {
  %e = nn.embedding %table, %ids : (tensor<100x16xf32>, tensor<2x8xi32>) -> tensor<2x8x16xf32>
  %p = nn.add_positions %e, %pos : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x16xf32>
  return %p : tensor<2x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @linear
// CHECK: nn.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<16x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.linear %{{.*}}, %{{.*}} : (tensor<?x?x64xf32>, tensor<64x16xf32>) -> tensor<?x?x16xf32>
func.func @linear(%x: tensor<?x?x16xf32>, %w: tensor<16x64xf32>, %b: tensor<64xf32>, %w2: tensor<64x16xf32>) -> tensor<?x?x16xf32> {
  %h = nn.linear %x, %w, %b : (tensor<?x?x16xf32>, tensor<16x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %y = nn.linear %h, %w2 : (tensor<?x?x64xf32>, tensor<64x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @elementwise
// CHECK: nn.add %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.mul %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.activation relu
// CHECK: nn.activation gelu
// CHECK: nn.activation gelu_tanh
// CHECK: nn.activation silu %{{.*}} : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
func.func @elementwise(%a: tensor<?x?x16xf32>, %b: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %0 = nn.add %a, %b : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %1 = nn.mul %0, %b : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %2 = nn.activation relu %1 : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %3 = nn.activation gelu %2 : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %4 = nn.activation gelu_tanh %3 : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %5 = nn.activation silu %4 : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %5 : tensor<?x?x16xf32>
}

// -----

// A static and a dynamic [batch, seq] combine into the static one.
// CHECK-LABEL: func.func @binary_refines
// CHECK: nn.add %{{.*}}, %{{.*}} : (tensor<2x?x16xf32>, tensor<?x8x16xf32>) -> tensor<2x8x16xf32>
func.func @binary_refines(%a: tensor<2x?x16xf32>, %b: tensor<?x8x16xf32>) -> tensor<2x8x16xf32> {
  %0 = nn.add %a, %b : (tensor<2x?x16xf32>, tensor<?x8x16xf32>) -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK: nn.slice %{{.*}}[0] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.slice %{{.*}}[32] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
func.func @slice(%qkv: tensor<?x?x48xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  %q = nn.slice %qkv [0] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %v = nn.slice %qkv [32] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  return %q, %v : tensor<?x?x16xf32>, tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @norms
// CHECK: nn.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.rms_norm %{{.*}}, %{{.*}} {epsilon = 9.99999997E-7 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
func.func @norms(%x: tensor<?x?x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %0 = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %1 = nn.rms_norm %0, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %1 : tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @rope_attention
// CHECK: nn.rope half %{{.*}} {heads = 4 : i64, theta = 1.000000e+04 : f32} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.rope interleaved %{{.*}} {heads = 2 : i64, theta = 5.000000e+05 : f32} : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} {causal = true, heads = 4 : i64, kv_heads = 2 : i64, scale = 0.353553385 : f32} : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.attention %{{.*}}, %{{.*}}, %{{.*}} {causal = false, heads = 4 : i64, kv_heads = 1 : i64, scale = 1.250000e-01 : f32} : (tensor<?x?x32xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x32xf32>
func.func @rope_attention(%q: tensor<?x?x32xf32>, %k: tensor<?x?x16xf32>, %v: tensor<?x?x16xf32>, %k1: tensor<?x?x8xf32>, %v1: tensor<?x?x8xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %qr = nn.rope half %q {heads = 4 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %kr = nn.rope interleaved %k {heads = 2 : i64, theta = 5.0e+05 : f32} : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %qr, %kr, %v {heads = 4 : i64, kv_heads = 2 : i64, causal = true, scale = 0.353553385 : f32} : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x32xf32>
  %m = nn.attention %q, %k1, %v1 {heads = 4 : i64, kv_heads = 1 : i64, causal = false, scale = 0.125 : f32} : (tensor<?x?x32xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x32xf32>
  return %o, %m : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @kernel
// CHECK: %[[K:.*]]:2 = nn.kernel "k0_norm" norm(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {arena_offsets = array<i64: 0, -1>} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
// CHECK: ^bb0(%[[A:.*]]: tensor<?x?x16xf32>, %[[B:.*]]: tensor<?x?x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[BETA:.*]]: tensor<16xf32>):
// CHECK:   %[[S:.*]] = nn.add %[[A]], %[[B]]
// CHECK:   %[[N:.*]] = nn.layer_norm %[[S]], %[[G]], %[[BETA]]
// CHECK:   nn.yield %[[S]], %[[N]] : tensor<?x?x16xf32>, tensor<?x?x16xf32>
// CHECK: }
// CHECK: nn.kernel "k1_elementwise" elementwise() : () -> () {
// CHECK-NEXT: nn.yield
// CHECK: return %[[K]]#0, %[[K]]#1
func.func @kernel(%x: tensor<?x?x16xf32>, %y: tensor<?x?x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  %r:2 = nn.kernel "k0_norm" norm (%x, %y, %g, %b) {arena_offsets = array<i64: 0, -1>} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  ^bb0(%a0: tensor<?x?x16xf32>, %a1: tensor<?x?x16xf32>, %a2: tensor<16xf32>, %a3: tensor<16xf32>):
    %s = nn.add %a0, %a1 : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
    %n = nn.layer_norm %s, %a2, %a3 {epsilon = 1.0e-05 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
    nn.yield %s, %n : tensor<?x?x16xf32>, tensor<?x?x16xf32>
  }
  nn.kernel "k1_elementwise" elementwise () : () -> () {
    nn.yield
  }
  return %r#0, %r#1 : tensor<?x?x16xf32>, tensor<?x?x16xf32>
}

// -----

// Every kernel kind parses.
// CHECK-LABEL: func.func @kinds
// CHECK: nn.kernel "a" gemm
// CHECK: nn.kernel "b" norm
// CHECK: nn.kernel "c" attention
// CHECK: nn.kernel "d" embedding
// CHECK: nn.kernel "e" elementwise
func.func @kinds() {
  nn.kernel "a" gemm () : () -> () {
    nn.yield
  }
  nn.kernel "b" norm () : () -> () {
    nn.yield
  }
  nn.kernel "c" attention () : () -> () {
    nn.yield
  }
  nn.kernel "d" embedding () : () -> () {
    nn.yield
  }
  nn.kernel "e" elementwise () : () -> () {
    nn.yield
  }
  return
}
