// RUN: modelc-opt %s -split-input-file "-nn-prune-neurons=ratio=0.25 activation=true" | FileCheck %s --check-prefix=NEURONS
// RUN: modelc-opt %s -split-input-file "-nn-prune-heads=ratio=0.5 activation=true" | FileCheck %s --check-prefix=HEADS

// Activation scores (--prune-score=activation): a neuron's score is the
// measured input energy of the down projection (the stored tensor the
// driver measures on --calib, named by the linear's instance) times its
// down row's squared norm; up's norms are not read.
// NEURONS-LABEL: func.func @mlp
// NEURONS-DAG: %[[UP:.*]] = nn.weight "up" : tensor<8x16xf32>
// NEURONS-DAG: %[[DOWN:.*]] = nn.weight "down" : tensor<16x8xf32>
// NEURONS-DAG: %[[E:.*]] = nn.weight "calib:layer0.mlp.down:input_sq_norms" : tensor<16xf32>
// NEURONS-NOT: nn.weight.sq_norms %[[UP]]
// NEURONS: %[[N:.*]] = nn.weight.sq_norms %[[DOWN]] {axis = 0 : i64} : (tensor<16x8xf32>) -> tensor<16xf32>
// NEURONS: %[[S:.*]] = nn.weight.scale %[[N]], %[[E]] {axis = 0 : i64} : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
// NEURONS: nn.weight.select_top %[[UP]], %[[S]] {axis = 1 : i64, group = 1 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x12xf32>
// NEURONS: nn.weight.select_top %[[DOWN]], %[[S]] {axis = 0 : i64, group = 1 : i64} : (tensor<16x8xf32>, tensor<16xf32>) -> tensor<12x8xf32>
func.func @mlp(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %up = nn.weight "up" : tensor<8x16xf32>
  %down = nn.weight "down" : tensor<16x8xf32>
  %h = nn.linear %x, %up : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32> loc("layer0.mlp.up")
  %a = nn.activation gelu %h : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32> loc("layer0.mlp.act")
  %y = nn.linear %a, %down : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.down")
  return %y : tensor<?x?x8xf32>
}

// -----

// A head's score: the output projection's input energy per channel times
// its rows' squared norms, summed over the head's channels by select_top.
// HEADS-LABEL: func.func @heads
// HEADS-DAG: %[[WO:.*]] = nn.weight "wo" : tensor<16x16xf32>
// HEADS-DAG: %[[E:.*]] = nn.weight "calib:layer0.attn.o:input_sq_norms" : tensor<16xf32>
// HEADS: %[[N:.*]] = nn.weight.sq_norms %[[WO]] {axis = 0 : i64} : (tensor<16x16xf32>) -> tensor<16xf32>
// HEADS: %[[S:.*]] = nn.weight.scale %[[N]], %[[E]] {axis = 0 : i64}
// HEADS: nn.weight.select_top %{{.*}}, %[[S]] {axis = 1 : i64, group = 4 : i64} : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x8xf32>
// HEADS: nn.attention {{.*}}heads = 2 : i64, kv_heads = 2 : i64
func.func @heads(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %wq = nn.weight "wq" : tensor<16x16xf32>
  %wk = nn.weight "wk" : tensor<16x16xf32>
  %wv = nn.weight "wv" : tensor<16x16xf32>
  %wo = nn.weight "wo" : tensor<16x16xf32>
  %q = nn.linear %x, %wq : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32> loc("layer0.attn.q")
  %k = nn.linear %x, %wk : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32> loc("layer0.attn.k")
  %v = nn.linear %x, %wv : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32> loc("layer0.attn.v")
  %o = nn.attention %q, %k, %v {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 0.5 : f32} : (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32> loc("layer0.attn")
  %y = nn.linear %o, %wo : (tensor<?x?x16xf32>, tensor<16x16xf32>) -> tensor<?x?x16xf32> loc("layer0.attn.o")
  return %y : tensor<?x?x16xf32>
}
