// RUN: modelc-opt %s -nn-expose-layer-streams | FileCheck %s

// The calibration probe: the function returns each layer's input and output
// stream instead of its result, a stream two layers share once under both
// names; the head only the old result read is gone.
// CHECK-LABEL: func.func @stream
// CHECK-SAME: -> (tensor<?x?x8xf32> {nn.tensor_name = "layer0.input"}, tensor<?x?x8xf32> {nn.tensor_name = "layer0.output,layer1.input"}, tensor<?x?x8xf32> {nn.tensor_name = "layer1.output"})
// CHECK-NOT: nn.weight "head"
// CHECK: %[[E:.*]] = nn.embedding
// CHECK: %[[B:.*]] = nn.add %[[E]],
// CHECK: %[[D:.*]] = nn.add %[[B]],
// CHECK-NOT: nn.linear
// CHECK: return %[[E]], %[[B]], %[[D]]
func.func @stream(%ids: tensor<?x?xi32>) -> (tensor<?x?x16xf32> {nn.tensor_name = "logits"}) {
  %t = nn.weight "embed" : tensor<16x8xf32>
  %w0 = nn.weight "w0" : tensor<8x8xf32>
  %w1 = nn.weight "w1" : tensor<8x8xf32>
  %h = nn.weight "head" : tensor<8x16xf32>
  %x = nn.embedding %t, %ids : (tensor<16x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32> loc("embed")
  %a = nn.linear %x, %w0 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.up")
  %b = nn.add %x, %a : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.residual")
  %c = nn.linear %b, %w1 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.up")
  %d = nn.add %b, %c : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.residual")
  %y = nn.linear %d, %h : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32> loc("head")
  return %y : tensor<?x?x16xf32>
}

// With linear-inputs (--prune-score=activation): every linear's input too,
// joined with the stream names where it is one.
// RUN: modelc-opt %s -nn-expose-layer-streams=linear-inputs=true | FileCheck %s --check-prefix=LINEARS
// LINEARS-LABEL: func.func @stream
// LINEARS-SAME: {nn.tensor_name = "layer0.input,layer0.mlp.up.input"}, tensor<?x?x8xf32> {nn.tensor_name = "layer0.output,layer1.input,layer1.mlp.up.input"}, tensor<?x?x8xf32> {nn.tensor_name = "layer1.output,head.input"})
