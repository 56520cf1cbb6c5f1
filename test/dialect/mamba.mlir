// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.selective_scan: round trip (custom and generic form, with and without
// the conv bias) and every verifier error of dialect/ops/MambaOps.cpp.

// CHECK-LABEL: func.func @scan
// CHECK: nn.selective_scan %{{.*}} conv(%{{.*}}, %{{.*}}) x_proj(%{{.*}}) dt_proj(%{{.*}}, %{{.*}}) a_log(%{{.*}}) d(%{{.*}}) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
// CHECK: nn.selective_scan %{{.*}} conv(%{{.*}}) x_proj(%{{.*}}) dt_proj(%{{.*}}, %{{.*}}) a_log(%{{.*}}) d(%{{.*}}) : (tensor<2x?x16xf32>, tensor<16x1x1xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<2x?x16xf32>
func.func @scan(%x: tensor<?x?x16xf32>, %x2: tensor<2x?x16xf32>, %cw: tensor<16x1x4xf32>, %cw1: tensor<16x1x1xf32>, %cb: tensor<16xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %db: tensor<16xf32>, %a: tensor<16x4xf32>, %d: tensor<16xf32>) -> (tensor<?x?x16xf32>, tensor<2x?x16xf32>) {
  %y = nn.selective_scan %x conv(%cw, %cb) x_proj(%xp) dt_proj(%dw, %db) a_log(%a) d(%d) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %y2 = nn.selective_scan %x2 conv(%cw1) x_proj(%xp) dt_proj(%dw, %db) a_log(%a) d(%d) : (tensor<2x?x16xf32>, tensor<16x1x1xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<2x?x16xf32>
  return %y, %y2 : tensor<?x?x16xf32>, tensor<2x?x16xf32>
}

// -----

func.func @conv_rank(%x: tensor<?x?x16xf32>, %cw: tensor<16x4xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{conv_weight must be [16, 1, taps]}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x4xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<?x?x16xf32>, %cw: tensor<8x1x4xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{conv_weight must be [16, 1, taps]}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<8x1x4xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @conv_no_taps(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x0xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{conv_weight must be [16, 1, taps]}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x0xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x4xf32>, %cb: tensor<15xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{conv_bias has 15 elements but the input has 16 channels}}
  %y = nn.selective_scan %x conv(%cw, %cb) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<15xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @a_log(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x4xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<4x16xf32>) {
  // expected-error @+1 {{a_log must be [16, d_state]}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @dt_proj(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x4xf32>, %xp: tensor<16x10xf32>, %dw: tensor<16x2xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{dt_proj must be [dt_rank, 16] (in, out)}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16x10xf32>, tensor<16x2xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @x_proj(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x4xf32>, %xp: tensor<16x9xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{x_proj must be [16, 10] (in, out = dt_rank + 2 d_state)}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16x9xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @dt_bias(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x4xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %b: tensor<8xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{dt_bias has 8 elements but the input has 16 channels}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %b) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<8xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @d(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x4xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>, %d: tensor<32xf32>) {
  // expected-error @+1 {{d has 32 elements but the input has 16 channels}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%d) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<32xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @result_type(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x4xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<?x?x16xf32>' are incompatible with return type(s) of operation 'tensor<?x?x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x4xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @dynamic_weight(%x: tensor<?x?x16xf32>, %cw: tensor<16x1x?xf32>, %xp: tensor<16x10xf32>, %dw: tensor<2x16xf32>, %v: tensor<16xf32>, %a: tensor<16x4xf32>) {
  // expected-error @+1 {{must be statically shaped f32 tensor}}
  %y = nn.selective_scan %x conv(%cw) x_proj(%xp) dt_proj(%dw, %v) a_log(%a) d(%v) : (tensor<?x?x16xf32>, tensor<16x1x?xf32>, tensor<16x10xf32>, tensor<2x16xf32>, tensor<16xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}
