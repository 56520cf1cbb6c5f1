// RUN: not modelc-opt %s -nn-prune-heads=ratio=0.5 2>&1 | FileCheck %s

// ALiBi's slopes are an attribute, one per head: the kept heads' slopes are
// chosen at compile time from the weights' values, which modelc-opt does
// not have (modelc compile does: test/numerics/approx-prune.test).
// CHECK: error: nn-prune-heads: the kept heads' ALiBi slopes are chosen from the weights' values: use modelc compile --prune-heads
func.func @alibi(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  %o = nn.attention %q, %k, %v {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32, alibi_slopes = array<f32: 0.25, 0.0625, 0.015625, 0.00390625>} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
