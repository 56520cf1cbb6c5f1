// RUN: modelc-opt %s -split-input-file -nn-recenter-stream | FileCheck %s

// A pre-LN stream (embedding + positions, a residual write by a linear, an
// affine-free LayerNorm before each read): every write is centered along
// the model dimension and the affine-free LayerNorms become RMSNorms. The
// one that keeps its affine stays a LayerNorm (still exact).
// CHECK-LABEL: func.func @pre_ln
// CHECK-DAG: %[[TE:.*]] = nn.weight "wte"
// CHECK-DAG: %[[PE:.*]] = nn.weight "wpe"
// CHECK-DAG: %[[W:.*]] = nn.weight "w"
// CHECK-DAG: %[[B:.*]] = nn.weight "b"
// CHECK-DAG: %[[CTE:.*]] = nn.weight.center %[[TE]] {axis = 1 : i64} : (tensor<16x8xf32>) -> tensor<16x8xf32>
// CHECK-DAG: %[[CPE:.*]] = nn.weight.center %[[PE]] {axis = 1 : i64}
// CHECK-DAG: %[[CW:.*]] = nn.weight.center %[[W]] {axis = 1 : i64} : (tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-DAG: %[[CB:.*]] = nn.weight.center %[[B]] {axis = 0 : i64} : (tensor<8xf32>) -> tensor<8xf32>
// CHECK: %[[E:.*]] = nn.embedding %[[CTE]], %{{.*}}
// CHECK: %[[P:.*]] = nn.add_positions %[[E]], %[[CPE]]
// CHECK: %[[N0:.*]] = nn.rms_norm %[[P]] {epsilon
// CHECK: %[[Y:.*]] = nn.linear %[[N0]], %[[CW]], %[[CB]]
// CHECK: %[[S:.*]] = nn.add %[[P]], %[[Y]]
// CHECK: nn.rms_norm %[[S]] {epsilon
// CHECK: nn.layer_norm %[[S]], %{{.*}}, %{{.*}} {epsilon
func.func @pre_ln(%ids: tensor<?x?xi32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %wte = nn.weight "wte" : tensor<16x8xf32>
  %wpe = nn.weight "wpe" : tensor<32x8xf32>
  %w = nn.weight "w" : tensor<8x8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %e = nn.embedding %wte, %ids : (tensor<16x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  %p = nn.add_positions %e, %wpe : (tensor<?x?x8xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>
  %n0 = nn.layer_norm %p {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %y = nn.linear %n0, %w, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %s = nn.add %p, %y : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n1 = nn.layer_norm %s {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n2 = nn.layer_norm %s, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n1, %n2 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// The stream is returned: centering it would change the output.
// CHECK-LABEL: func.func @stream_returned
// CHECK-NOT: nn.weight.center
// CHECK-NOT: nn.rms_norm
func.func @stream_returned(%ids: tensor<?x?xi32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %wte = nn.weight "wte" : tensor<16x8xf32>
  %e = nn.embedding %wte, %ids : (tensor<16x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  %n = nn.layer_norm %e {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %e, %n : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Post-LN: the residual add reads the norm's output, which cannot be
// centered by weights; and an RMSNorm on the stream is not shift-invariant.
// CHECK-LABEL: func.func @post_ln_and_rms
// CHECK-NOT: nn.weight.center
// CHECK: nn.layer_norm
// CHECK: nn.rms_norm %{{.*}}, %{{.*}} {epsilon
func.func @post_ln_and_rms(%x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %w = nn.weight "w" : tensor<8x8xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %n = nn.layer_norm %x {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %y = nn.linear %n, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %s = nn.add %n, %y : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %m = nn.layer_norm %s {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %r = nn.rms_norm %y, %g {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %m, %r : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// A centerable stream that no affine-free LayerNorm reads is left as is.
// CHECK-LABEL: func.func @nothing_to_gain
// CHECK-NOT: nn.weight.center
func.func @nothing_to_gain(%ids: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  %wte = nn.weight "wte" : tensor<16x8xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %e = nn.embedding %wte, %ids : (tensor<16x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  %n = nn.layer_norm %e, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}
