// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// The discardable attributes of dialect/NNDialect.td: where each may appear
// and what it must be (NNDialect.cpp's checkAttr).

// CHECK: module attributes {nn.fixed_seq = 5 : i64, nn.max_seq = 5 : i64, nn.model_name = "m"}
// CHECK: func.func @forward(%arg0: tensor<?x3x4x4xf32> {nn.tensor_name = "image"})
module attributes {nn.model_name = "m", nn.max_seq = 5, nn.fixed_seq = 5} {
  func.func @forward(%arg0: tensor<?x3x4x4xf32> {nn.tensor_name = "image"}) {
    return
  }
}

// -----

// expected-error @+1 {{'nn.fixed_seq' must be a positive integer}}
module attributes {nn.fixed_seq = 0} {
}

// -----

// expected-error @+1 {{'nn.fixed_seq' is 5 but 'nn.max_seq' is 7: a model whose inputs fix the sequence runs at max_seq}}
module attributes {nn.max_seq = 7, nn.fixed_seq = 5} {
}

// -----

// expected-error @+1 {{'nn.max_seq' must be a non-negative integer}}
module attributes {nn.max_seq = "long"} {
}

// -----

// expected-error @+1 {{'nn.arena_floats_per_token' must be a non-negative integer}}
module attributes {nn.arena_floats_per_token = -1} {
}

// -----

// expected-error @+1 {{'nn.model_name' must be a string}}
module attributes {nn.model_name = 3} {
}

// -----

module {
  // expected-error @+1 {{'nn.fixed_seq' belongs on the builtin.module}}
  func.func @forward() attributes {nn.fixed_seq = 4} {
    return
  }
}

// -----

module {
  // expected-error @+1 {{'nn.tensor_name' belongs on a function argument or result}}
  func.func @forward() attributes {nn.tensor_name = "x"} {
    return
  }
}

// -----

module {
  // expected-error @+1 {{'nn.id_limit' must be a positive integer}}
  func.func @forward(%ids: tensor<?x?xi32> {nn.id_limit = 0}) {
    return
  }
}

// -----

// expected-error @+1 {{'nn.seq' is not an attribute of the nn dialect}}
module attributes {nn.seq = 4} {
}
