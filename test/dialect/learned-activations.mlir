// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.rational, nn.poly_relu, nn.poly_norm: round trip (custom and generic
// form) and every verifier error.

// CHECK-LABEL: func.func @learned
// CHECK: nn.rational %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x64xf32>, tensor<1x6xf32>, tensor<8x4xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.rational %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x64xf32>, tensor<8x6xf32>, tensor<8x4xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.poly_relu %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x64xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.poly_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999997E-7 : f32} : (tensor<2x?x64xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x?x64xf32>
func.func @learned(%x: tensor<?x?x64xf32>, %y: tensor<2x?x64xf32>, %a: tensor<1x6xf32>, %ag: tensor<8x6xf32>, %b: tensor<8x4xf32>, %w: tensor<3xf32>, %c: tensor<1xf32>) -> (tensor<?x?x64xf32>, tensor<2x?x64xf32>) {
  %0 = nn.rational %x, %a, %b : (tensor<?x?x64xf32>, tensor<1x6xf32>, tensor<8x4xf32>) -> tensor<?x?x64xf32>
  %1 = nn.rational %0, %ag, %b : (tensor<?x?x64xf32>, tensor<8x6xf32>, tensor<8x4xf32>) -> tensor<?x?x64xf32>
  %2 = nn.poly_relu %1, %w, %c : (tensor<?x?x64xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x64xf32>
  %3 = nn.poly_norm %y, %w, %c {epsilon = 1.0e-06 : f32} : (tensor<2x?x64xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<2x?x64xf32>
  return %2, %3 : tensor<?x?x64xf32>, tensor<2x?x64xf32>
}

// -----

func.func @rational_groups(%x: tensor<?x?x64xf32>, %a: tensor<1x6xf32>, %b: tensor<6x4xf32>) {
  // expected-error @+1 {{the denominator's 6 groups do not divide the 64 channels}}
  %0 = nn.rational %x, %a, %b : (tensor<?x?x64xf32>, tensor<1x6xf32>, tensor<6x4xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @rational_no_poles(%x: tensor<?x?x64xf32>, %a: tensor<1x6xf32>, %b: tensor<8x0xf32>) {
  // expected-error @+1 {{the denominator has no coefficients}}
  %0 = nn.rational %x, %a, %b : (tensor<?x?x64xf32>, tensor<1x6xf32>, tensor<8x0xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @rational_numerator_rows(%x: tensor<?x?x64xf32>, %a: tensor<2x6xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{the numerator has 2 rows: 1 (shared) or one per group (8)}}
  %0 = nn.rational %x, %a, %b : (tensor<?x?x64xf32>, tensor<2x6xf32>, tensor<8x4xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @rational_no_terms(%x: tensor<?x?x64xf32>, %a: tensor<1x0xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{the numerator has no coefficients}}
  %0 = nn.rational %x, %a, %b : (tensor<?x?x64xf32>, tensor<1x0xf32>, tensor<8x4xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @rational_result_type(%x: tensor<?x?x64xf32>, %a: tensor<1x6xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<?x?x64xf32>' are incompatible with return type(s) of operation 'tensor<?x?x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "nn.rational"(%x, %a, %b) : (tensor<?x?x64xf32>, tensor<1x6xf32>, tensor<8x4xf32>) -> tensor<?x?x32xf32>
  return
}

// -----

func.func @poly_relu_bias(%x: tensor<?x?x64xf32>, %w: tensor<3xf32>, %c: tensor<2xf32>) {
  // expected-error @+1 {{bias has 2 elements, not 1}}
  %0 = nn.poly_relu %x, %w, %c : (tensor<?x?x64xf32>, tensor<3xf32>, tensor<2xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @poly_relu_empty(%x: tensor<?x?x64xf32>, %w: tensor<0xf32>, %c: tensor<1xf32>) {
  // expected-error @+1 {{weight has no coefficients}}
  %0 = nn.poly_relu %x, %w, %c : (tensor<?x?x64xf32>, tensor<0xf32>, tensor<1xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @poly_norm_epsilon(%x: tensor<?x?x64xf32>, %w: tensor<3xf32>, %c: tensor<1xf32>) {
  // expected-error @+1 {{epsilon must be positive}}
  %0 = nn.poly_norm %x, %w, %c {epsilon = 0.0 : f32} : (tensor<?x?x64xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @poly_norm_needs_epsilon(%x: tensor<?x?x64xf32>, %w: tensor<3xf32>, %c: tensor<1xf32>) {
  // expected-error @+1 {{requires attribute 'epsilon'}}
  %0 = nn.poly_norm %x, %w, %c : (tensor<?x?x64xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @poly_norm_bias(%x: tensor<?x?x64xf32>, %w: tensor<3xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{bias has 3 elements, not 1}}
  %0 = nn.poly_norm %x, %w, %c {epsilon = 1.0e-06 : f32} : (tensor<?x?x64xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x?x64xf32>
  return
}
