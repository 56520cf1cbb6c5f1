// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.aft: round trip (custom and generic form) and every verifier error.

// CHECK-LABEL: func.func @aft
// CHECK: nn.aft %{{.*}}, %{{.*}}, %{{.*}} {causal = true} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.aft %{{.*}}, %{{.*}}, %{{.*}} {causal = false} : (tensor<2x?x8xf32>, tensor<?x5x8xf32>, tensor<?x?x8xf32>) -> tensor<2x?x8xf32>
func.func @aft(%q: tensor<?x?x64xf32>, %a: tensor<2x?x8xf32>, %b: tensor<?x5x8xf32>, %c: tensor<?x?x8xf32>) -> (tensor<?x?x64xf32>, tensor<2x?x8xf32>) {
  %0 = nn.aft %q, %q, %q {causal = true} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %1 = nn.aft %a, %b, %c {causal = false} : (tensor<2x?x8xf32>, tensor<?x5x8xf32>, tensor<?x?x8xf32>) -> tensor<2x?x8xf32>
  return %0, %1 : tensor<?x?x64xf32>, tensor<2x?x8xf32>
}

// -----

func.func @aft_channels(%q: tensor<?x?x8xf32>, %k: tensor<?x?x6xf32>) {
  // expected-error @+1 {{query, key and value need the same channels, got 8, 6 and 8}}
  %0 = nn.aft %q, %k, %q {causal = true} : (tensor<?x?x8xf32>, tensor<?x?x6xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @aft_tokens(%q: tensor<1x4x8xf32>, %v: tensor<1x5x8xf32>) {
  // expected-error @+1 {{operands disagree on [batch, seq]}}
  %0 = nn.aft %q, %q, %v {causal = false} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x5x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @aft_needs_causal(%q: tensor<?x?x8xf32>) {
  // expected-error @+1 {{requires attribute 'causal'}}
  %0 = nn.aft %q, %q, %q : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @aft_result_type(%q: tensor<?x?x8xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<?x?x8xf32>' are incompatible with return type(s) of operation 'tensor<?x?x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "nn.aft"(%q, %q, %q) {causal = true} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x4xf32>
  return
}
