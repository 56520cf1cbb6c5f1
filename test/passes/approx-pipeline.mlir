// RUN: modelc-opt %s --pass-pipeline='builtin.module(nn-optimize{opt-level=0 drop-layers=1 prune-neurons=0.5 low-rank=2 low-rank-match=layer0.mlp.down})' | FileCheck %s
// RUN: not modelc-opt %s --pass-pipeline='builtin.module(nn-optimize{prune-heads=2.0})' 2>&1 | FileCheck %s --check-prefix=RANGE

// The approximate passes as options of the pipelines, at any -O level, in
// their order: layer 1 goes, layer 0's MLP loses half its neurons, then its
// down projection (now 4 x 8) is factored to rank 2.
// CHECK-LABEL: func.func @two_layers
// CHECK-NOT: nn.weight "up1"
// CHECK: nn.weight.select_top {{.*}} -> tensor<8x4xf32>
// CHECK: %[[DOWN:.*]] = nn.weight.select_top {{.*}} -> tensor<4x8xf32>
// CHECK: nn.weight.svd_factor left %[[DOWN]] : (tensor<4x8xf32>) -> tensor<4x2xf32>
// CHECK: nn.weight.svd_factor right %[[DOWN]] : (tensor<4x8xf32>) -> tensor<2x8xf32>
// CHECK-NOT: nn.weight "up1"
// CHECK: return
// RANGE: error: nn-prune-heads: ratio 2 is outside [0, 1)
func.func @two_layers(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %up0 = nn.weight "up0" : tensor<8x8xf32>
  %down0 = nn.weight "down0" : tensor<8x8xf32>
  %up1 = nn.weight "up1" : tensor<8x8xf32>
  %down1 = nn.weight "down1" : tensor<8x8xf32>
  %h0 = nn.linear %x, %up0 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.up")
  %a0 = nn.activation relu %h0 : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.act")
  %y0 = nn.linear %a0, %down0 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.down")
  %r0 = nn.add %x, %y0 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.residual")
  %h1 = nn.linear %r0, %up1 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.up")
  %a1 = nn.activation relu %h1 : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.act")
  %y1 = nn.linear %a1, %down1 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.down")
  %r1 = nn.add %r0, %y1 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer1.mlp.residual")
  return %r1 : tensor<?x?x8xf32>
}
