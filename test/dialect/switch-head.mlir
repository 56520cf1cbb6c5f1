// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.switch_linear: round trip (the value form, each head writing its
// channels; the output form, each head reading its channels; int8 experts
// with their scales) and every verifier error.

// CHECK-LABEL: func.func @switch_linear
// CHECK: nn.switch_linear %{{.*}}, %{{.*}}, %{{.*}} {heads = 4 : i64, per_head_input = false, top_k = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.switch_linear %{{.*}}, %{{.*}}, %{{.*}} {heads = 4 : i64, per_head_input = true, top_k = 3 : i64} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
func.func @switch_linear(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>, %wv: tensor<96x2xf32>, %wo: tensor<24x8xf32>) -> tensor<?x?x8xf32> {
  %v = nn.switch_linear %x, %l, %wv {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xf32>) -> tensor<?x?x8xf32>
  %y = nn.switch_linear %v, %l, %wo {heads = 4 : i64, top_k = 3 : i64, per_head_input = true} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @switch_int8
// CHECK: nn.switch_linear %{{.*}}, %{{.*}}, %{{.*}} scales(%{{.*}}) {heads = 4 : i64, per_head_input = false, top_k = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xi8>, tensor<24x2xf32>) -> tensor<?x?x8xf32>
func.func @switch_int8(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>, %q: tensor<96x2xi8>, %s: tensor<24x2xf32>) -> tensor<?x?x8xf32> {
  %v = nn.switch_linear %x, %l, %q scales(%s) {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xi8>, tensor<24x2xf32>) -> tensor<?x?x8xf32>
  return %v : tensor<?x?x8xf32>
}

// -----

func.func @switch_int8_no_scales(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>, %q: tensor<96x2xi8>) {
  // expected-error @+1 {{int8 experts need scales}}
  %v = nn.switch_linear %x, %l, %q {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xi8>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @switch_f32_scales(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>, %w: tensor<96x2xf32>, %s: tensor<12x2xf32>) {
  // expected-error @+1 {{f32 experts take no scales}}
  %v = nn.switch_linear %x, %l, %w scales(%s) {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xf32>, tensor<12x2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @switch_scales_groups(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>, %q: tensor<96x2xi8>, %s: tensor<36x2xf32>) {
  // expected-error @+1 {{scales are [36, 2]: want [heads * experts * groups, 2] with groups dividing the 8 rows of an expert}}
  %v = nn.switch_linear %x, %l, %q scales(%s) {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xi8>, tensor<36x2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @switch_router(%x: tensor<?x?x8xf32>, %l: tensor<?x?x10xf32>, %w: tensor<80x2xf32>) {
  // expected-error @+1 {{router_logits' 10 channels must be heads (4) times the experts per head}}
  %v = nn.switch_linear %x, %l, %w {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x10xf32>, tensor<80x2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @switch_top_k(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>, %w: tensor<96x2xf32>) {
  // expected-error @+1 {{top_k must be in [1, 3], got 4}}
  %v = nn.switch_linear %x, %l, %w {heads = 4 : i64, top_k = 4 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<96x2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @switch_heads_split(%x: tensor<?x?x6xf32>, %l: tensor<?x?x12xf32>, %w: tensor<24x8xf32>) {
  // expected-error @+1 {{input's 6 channels must split into 4 heads}}
  %y = nn.switch_linear %x, %l, %w {heads = 4 : i64, top_k = 2 : i64, per_head_input = true} : (tensor<?x?x6xf32>, tensor<?x?x12xf32>, tensor<24x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @switch_rows(%x: tensor<?x?x8xf32>, %l: tensor<?x?x12xf32>, %w: tensor<90x2xf32>) {
  // expected-error @+1 {{experts must be [heads * experts * in, out] = [96, out], got [90, 2]}}
  %v = nn.switch_linear %x, %l, %w {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x8xf32>, tensor<?x?x12xf32>, tensor<90x2xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @switch_tokens(%x: tensor<?x5x8xf32>, %l: tensor<?x4x12xf32>, %w: tensor<96x2xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %v = nn.switch_linear %x, %l, %w {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x5x8xf32>, tensor<?x4x12xf32>, tensor<96x2xf32>) -> tensor<?x5x8xf32>
  return
}
