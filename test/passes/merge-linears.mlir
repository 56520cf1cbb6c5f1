// RUN: modelc-opt %s -split-input-file -nn-merge-linears -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

// Two linears with nothing between them and fewer FLOPs merged
// (64x16 < 64x128 + 128x16): W1 W2, and b1 W2 + b2.
// CHECK-LABEL: func.func @expand_then_project
// CHECK-DAG: %[[W1:.*]] = nn.weight "w1"
// CHECK-DAG: %[[B1:.*]] = nn.weight "b1"
// CHECK-DAG: %[[W2:.*]] = nn.weight "w2"
// CHECK-DAG: %[[B2:.*]] = nn.weight "b2"
// CHECK-DAG: %[[W:.*]] = nn.weight.matmul %[[W1]], %[[W2]] : (tensor<64x128xf32>, tensor<128x16xf32>) -> tensor<64x16xf32>
// CHECK-DAG: %[[BW:.*]] = nn.weight.matmul %[[B1]], %[[W2]] : (tensor<128xf32>, tensor<128x16xf32>) -> tensor<16xf32>
// CHECK-DAG: %[[B:.*]] = nn.weight.add %[[BW]], %[[B2]]
// CHECK: nn.linear %arg0, %[[W]], %[[B]] : (tensor<?x?x64xf32>, tensor<64x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32> loc("proj.in+out"
func.func @expand_then_project(%x: tensor<?x?x64xf32>) -> tensor<?x?x16xf32> {
  %w1 = nn.weight "w1" : tensor<64x128xf32>
  %b1 = nn.weight "b1" : tensor<128xf32>
  %w2 = nn.weight "w2" : tensor<128x16xf32>
  %b2 = nn.weight "b2" : tensor<16xf32>
  %h = nn.linear %x, %w1, %b1 : (tensor<?x?x64xf32>, tensor<64x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32> loc("proj.in"("s.toml":1:1))
  %y = nn.linear %h, %w2, %b2 : (tensor<?x?x128xf32>, tensor<128x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32> loc("proj.out"("s.toml":2:1))
  return %y : tensor<?x?x16xf32>
}

// -----

// Three in a row collapse into one.
// CHECK-LABEL: func.func @chain
// CHECK-COUNT-1: nn.linear
// CHECK-NOT: nn.linear
func.func @chain(%x: tensor<?x?x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x8xf32>, %w3: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %a = nn.linear %x, %w1 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %b = nn.linear %a, %w2 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %c = nn.linear %b, %w3 : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Left factored: a low-rank pair (64x64 > 64x4 + 4x64), an intermediate
// with another use, and an activation between.
// CHECK-LABEL: func.func @not_merged
// CHECK-NOT: nn.weight.matmul
// CHECK-COUNT-5: nn.linear
func.func @not_merged(%x: tensor<?x?x64xf32>, %a: tensor<64x4xf32>, %b: tensor<4x64xf32>, %w: tensor<64x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %l = nn.linear %x, %a : (tensor<?x?x64xf32>, tensor<64x4xf32>) -> tensor<?x?x4xf32>
  %y = nn.linear %l, %b : (tensor<?x?x4xf32>, tensor<4x64xf32>) -> tensor<?x?x64xf32>
  %h = nn.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %z = nn.linear %h, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %r = nn.activation relu %z : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %v = nn.linear %r, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  return %y, %h, %z, %v : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
}
