// RUN: not modelc-opt %s -nn-expose-layer-streams 2>&1 | FileCheck %s

// A layer that reads two streams (a dense connection) has no one stream to
// measure.
// CHECK: error: {{.*}}nn-expose-layer-streams: layer 1 is not a block of one input and one output of its type (it reads 2 and yields 1 activations): its streams cannot be measured
func.func @two_inputs(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %a = nn.add %x, %x : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.residual")
  %b = nn.add %x, %a : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.residual")
  return %b : tensor<?x?x8xf32>
}
