// RUN: modelc-opt %s -nn-drop-layers=layers=1 | FileCheck %s
// RUN: modelc-opt %s -nn-drop-layers=layers=0,2 | FileCheck %s --check-prefix=TWO
// RUN: not modelc-opt %s -nn-drop-layers=layers=3 2>&1 | FileCheck %s --check-prefix=NOLAYER
// RUN: not modelc-opt %s -nn-drop-layers=layers=0,1,2 2>&1 | FileCheck %s --check-prefix=ALL

// Three residual layers of one stream: layer 1's users read its input, its
// ops and weights are gone.
// CHECK-LABEL: func.func @stream
// CHECK: nn.weight "w0"
// CHECK-NOT: nn.weight "w1"
// CHECK: nn.weight "w2"
// CHECK: %[[A:.*]] = nn.linear %arg0, %{{.*}} :
// CHECK: %[[B:.*]] = nn.add %arg0, %[[A]]
// CHECK: %[[C:.*]] = nn.linear %[[B]], %{{.*}} :
// CHECK: %[[D:.*]] = nn.add %[[B]], %[[C]]
// CHECK: return %[[D]]
// TWO-LABEL: func.func @stream
// TWO-NOT: nn.weight "w0"
// TWO-NOT: nn.weight "w2"
// TWO: %[[A:.*]] = nn.linear %arg0, %{{.*}} :
// TWO: %[[B:.*]] = nn.add %arg0, %[[A]]
// TWO-NEXT: return %[[B]]
// NOLAYER: error: nn-drop-layers: there is no layer 3 (the model has 3 layers)
// ALL: error: nn-drop-layers: dropping all 3 layers leaves no model
func.func @stream(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w0 = nn.weight "w0" : tensor<8x8xf32>
  %w1 = nn.weight "w1" : tensor<8x8xf32>
  %w2 = nn.weight "w2" : tensor<8x8xf32>
  %a = nn.linear %x, %w0 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.up")
  %b = nn.add %x, %a : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.residual")
  %c = nn.linear %b, %w1 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.up")
  %d = nn.add %b, %c : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.residual")
  %e = nn.linear %d, %w2 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer2.mlp.up")
  %f = nn.add %d, %e : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer2.mlp.residual")
  return %f : tensor<?x?x8xf32>
}
