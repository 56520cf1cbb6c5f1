// RUN: modelc-opt %s -split-input-file -nn-fold-norm-affine | FileCheck %s

// A LayerNorm read by two linears (one with a bias, one without): gamma
// scales both weights' rows, beta W becomes (or joins) the bias, and the norm
// loses its affine.
// CHECK-LABEL: func.func @layer_norm_two_linears
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x8xf32>)
// CHECK-DAG: %[[G:.*]] = nn.weight "g"
// CHECK-DAG: %[[B:.*]] = nn.weight "b"
// CHECK-DAG: %[[W1:.*]] = nn.weight "w1"
// CHECK-DAG: %[[C1:.*]] = nn.weight "c1"
// CHECK-DAG: %[[W2:.*]] = nn.weight "w2"
// CHECK-DAG: %[[S1:.*]] = nn.weight.scale %[[W1]], %[[G]] {axis = 0 : i64} : (tensor<8x16xf32>, tensor<8xf32>) -> tensor<8x16xf32>
// CHECK-DAG: %[[BW1:.*]] = nn.weight.matmul %[[B]], %[[W1]] : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
// CHECK-DAG: %[[NB1:.*]] = nn.weight.add %[[C1]], %[[BW1]]
// CHECK-DAG: %[[S2:.*]] = nn.weight.scale %[[W2]], %[[G]] {axis = 0 : i64}
// CHECK-DAG: %[[BW2:.*]] = nn.weight.matmul %[[B]], %[[W2]] : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
// CHECK: %[[N:.*]] = nn.layer_norm %[[X]] {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CHECK-DAG: nn.linear %[[N]], %[[S1]], %[[NB1]]
// CHECK-DAG: nn.linear %[[N]], %[[S2]], %[[BW2]]
func.func @layer_norm_two_linears(%x: tensor<?x?x8xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>) {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %w1 = nn.weight "w1" : tensor<8x16xf32>
  %c1 = nn.weight "c1" : tensor<16xf32>
  %w2 = nn.weight "w2" : tensor<8x4xf32>
  %n = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y1 = nn.linear %n, %w1, %c1 : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %y2 = nn.linear %n, %w2 : (tensor<?x?x8xf32>, tensor<8x4xf32>) -> tensor<?x?x4xf32>
  return %y1, %y2 : tensor<?x?x16xf32>, tensor<?x?x4xf32>
}

// -----

// RMSNorm: only gamma; a gated GEMM takes it like a linear.
// CHECK-LABEL: func.func @rms_norm_gated
// CHECK: %[[S:.*]] = nn.weight.scale %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<8x32xf32>, tensor<8xf32>) -> tensor<8x32xf32>
// CHECK-NOT: nn.weight.matmul
// CHECK: %[[N:.*]] = nn.rms_norm %{{.*}} {epsilon = {{.*}}} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CHECK: nn.gated_linear silu %[[N]], %[[S]] :
func.func @rms_norm_gated(%x: tensor<?x?x8xf32>) -> tensor<?x?x16xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %w = nn.weight "w" : tensor<8x32xf32>
  %n = nn.rms_norm %x, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y = nn.gated_linear silu %n, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Not folded: the norm's result is also a residual operand (post-LN) ...
// CHECK-LABEL: func.func @post_ln_stream
// CHECK-NOT: nn.weight.scale
// CHECK: nn.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon
func.func @post_ln_stream(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %w = nn.weight "w" : tensor<8x8xf32>
  %n = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y = nn.linear %n, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %r = nn.add %n, %y : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

// -----

// ... or the model's output.
// CHECK-LABEL: func.func @returned
// CHECK-NOT: nn.weight.scale
// CHECK: nn.rms_norm %{{.*}}, %{{.*}} {epsilon
func.func @returned(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %n = nn.rms_norm %x, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}
