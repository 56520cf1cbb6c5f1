// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.pooling: round trip (custom and generic form) and every verifier error.

// CHECK-LABEL: func.func @pooling
// CHECK: nn.pooling %{{.*}} {pool_size = 3 : i64} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.pooling %{{.*}} {pool_size = 1 : i64} : (tensor<2x7x8xf32>) -> tensor<2x7x8xf32>
// CHECK: nn.pooling %{{.*}} {grid = array<i64: 3, 5>, pool_size = 3 : i64} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
func.func @pooling(%x: tensor<?x?x64xf32>, %y: tensor<2x7x8xf32>) -> (tensor<?x?x64xf32>, tensor<2x7x8xf32>, tensor<?x?x64xf32>) {
  %0 = nn.pooling %x {pool_size = 3 : i64} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %1 = nn.pooling %y {pool_size = 1 : i64} : (tensor<2x7x8xf32>) -> tensor<2x7x8xf32>
  %2 = nn.pooling %x {pool_size = 3 : i64, grid = array<i64: 3, 5>} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %0, %1, %2 : tensor<?x?x64xf32>, tensor<2x7x8xf32>, tensor<?x?x64xf32>
}

// -----

func.func @pooling_grid_rank(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{grid must be [rows, cols], both positive}}
  %0 = nn.pooling %x {pool_size = 3 : i64, grid = array<i64: 15>} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @pooling_grid_zero(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{grid must be [rows, cols], both positive}}
  %0 = nn.pooling %x {pool_size = 3 : i64, grid = array<i64: 0, 5>} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @pooling_grid_tokens(%x: tensor<2x7x8xf32>) {
  // expected-error @+1 {{grid 3x5 does not hold the 7 tokens}}
  %0 = nn.pooling %x {pool_size = 3 : i64, grid = array<i64: 3, 5>} : (tensor<2x7x8xf32>) -> tensor<2x7x8xf32>
  return
}

// -----

func.func @pooling_even(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{pool_size must be odd and positive (a centred window), got 4}}
  %0 = nn.pooling %x {pool_size = 4 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @pooling_zero(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{pool_size must be odd and positive (a centred window), got 0}}
  %0 = nn.pooling %x {pool_size = 0 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @pooling_negative(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{pool_size must be odd and positive (a centred window), got -3}}
  %0 = nn.pooling %x {pool_size = -3 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @pooling_needs_size(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{requires attribute 'pool_size'}}
  %0 = nn.pooling %x : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return
}
