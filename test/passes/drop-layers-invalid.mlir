// RUN: not modelc-opt %s -nn-drop-layers=layers=1 2>&1 | FileCheck %s

// A layer that reads two streams (a dense connection) cannot be dropped.
// CHECK: error: {{.*}}nn-drop-layers: layer 1 is not a block of one input and one output of its type (it reads 2 and yields 1 activations): it cannot be dropped
func.func @two_inputs(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %a = nn.add %x, %x : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.residual")
  %b = nn.add %x, %a : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.residual")
  %c = nn.add %b, %b : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer2.residual")
  %d = nn.add %c, %c : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer3.residual")
  return %d : tensor<?x?x8xf32>
}
