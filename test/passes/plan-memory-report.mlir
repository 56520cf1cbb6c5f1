// RUN: modelc-opt %s -split-input-file -verify-diagnostics -nn-plan-memory='report=true'

// The report remark: planned arena vs the naive sum and the peak live size.
// expected-remark @+1 {{arena 16 floats/token for 3 buffers (naive 24, peak live 16)}}
func.func @chain(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %0 = nn.kernel "a" elementwise (%x) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %1 = nn.kernel "b" elementwise (%0) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %2 = nn.kernel "c" elementwise (%1) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  %3 = nn.kernel "d" elementwise (%2) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%i: tensor<?x?x8xf32>):
    %r = nn.activation relu %i : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    nn.yield %r : tensor<?x?x8xf32>
  }
  return %3 : tensor<?x?x8xf32>
}

// -----

// A result whose per-token size is not static cannot be planned.
func.func @dynamic(%x: tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  // expected-error @+1 {{cannot place a result of type 'tensor<?x?x?xf32>' in the arena (dynamic dimension after [batch, seq])}}
  %0 = nn.kernel "a" elementwise (%x) : (tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  ^bb0(%i: tensor<?x?x?xf32>):
    nn.yield %i : tensor<?x?x?xf32>
  }
  %1 = nn.kernel "b" elementwise (%0) : (tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  ^bb0(%i: tensor<?x?x?xf32>):
    nn.yield %i : tensor<?x?x?xf32>
  }
  return %1 : tensor<?x?x?xf32>
}
