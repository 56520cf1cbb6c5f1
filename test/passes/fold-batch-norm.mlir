// RUN: modelc-opt %s -split-input-file -nn-fold-batch-norm | FileCheck %s

// A BatchNorm read by a linear with a bias and a gated linear: k scales both
// weights' rows, t W becomes (or joins) the bias, and the norm is gone.
// CHECK-LABEL: func.func @into_consumers
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x8xf32>)
// CHECK-DAG: %[[G:.*]] = nn.weight "g"
// CHECK-DAG: %[[B:.*]] = nn.weight "b"
// CHECK-DAG: %[[M:.*]] = nn.weight "m"
// CHECK-DAG: %[[V:.*]] = nn.weight "v"
// CHECK-DAG: %[[W1:.*]] = nn.weight "w1"
// CHECK-DAG: %[[C1:.*]] = nn.weight "c1"
// CHECK-DAG: %[[W2:.*]] = nn.weight "w2"
// CHECK-DAG: %[[K:.*]] = nn.weight.bn_scale %[[G]], %[[V]] {epsilon = 9.99999974E-6 : f32} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK-DAG: %[[T:.*]] = nn.weight.bn_shift %[[B]], %[[M]], %[[G]], %[[V]] {epsilon = 9.99999974E-6 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK-DAG: %[[TW1:.*]] = nn.weight.matmul %[[T]], %[[W1]] : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
// CHECK-DAG: %[[NB1:.*]] = nn.weight.add %[[C1]], %[[TW1]]
// CHECK-DAG: %[[S1:.*]] = nn.weight.scale %[[W1]], %[[K]] {axis = 0 : i64} : (tensor<8x16xf32>, tensor<8xf32>) -> tensor<8x16xf32>
// CHECK-DAG: %[[TW2:.*]] = nn.weight.matmul %[[T]], %[[W2]] : (tensor<8xf32>, tensor<8x32xf32>) -> tensor<32xf32>
// CHECK-DAG: %[[S2:.*]] = nn.weight.scale %[[W2]], %[[K]] {axis = 0 : i64}
// CHECK-NOT: nn.batch_norm
// CHECK-DAG: nn.linear %[[X]], %[[S1]], %[[NB1]]
// CHECK-DAG: nn.gated_linear silu %[[X]], %[[S2]], %[[TW2]]
func.func @into_consumers(%x: tensor<?x?x8xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %m = nn.weight "m" : tensor<8xf32>
  %v = nn.weight "v" : tensor<8xf32>
  %w1 = nn.weight "w1" : tensor<8x16xf32>
  %c1 = nn.weight "c1" : tensor<16xf32>
  %w2 = nn.weight "w2" : tensor<8x32xf32>
  %n = nn.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y1 = nn.linear %n, %w1, %c1 : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %y2 = nn.gated_linear silu %n, %w2 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x16xf32>
  return %y1, %y2 : tensor<?x?x16xf32>, tensor<?x?x16xf32>
}

// -----

// RepBN, BN(x) + alpha x: alpha joins k, not t.
// CHECK-LABEL: func.func @repbn
// CHECK-DAG: %[[A:.*]] = nn.weight "alpha"
// CHECK-DAG: %[[K:.*]] = nn.weight.bn_scale %{{.*}}, %{{.*}}, %[[A]] {epsilon = 9.99999974E-6 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<1xf32>) -> tensor<8xf32>
// CHECK-DAG: %[[T:.*]] = nn.weight.bn_shift %{{.*}} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK-DAG: %[[TW:.*]] = nn.weight.matmul %[[T]], %{{.*}}
// CHECK-DAG: %[[S:.*]] = nn.weight.scale %{{.*}}, %[[K]] {axis = 0 : i64}
// CHECK: nn.linear %{{.*}}, %[[S]], %[[TW]]
func.func @repbn(%x: tensor<?x?x8xf32>) -> tensor<?x?x4xf32> {
  %a = nn.weight "alpha" : tensor<1xf32>
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %m = nn.weight "m" : tensor<8xf32>
  %v = nn.weight "v" : tensor<8xf32>
  %w = nn.weight "w" : tensor<8x4xf32>
  %n = nn.batch_norm %x, %g, %b, %m, %v, %a {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1xf32>) -> tensor<?x?x8xf32>
  %y = nn.linear %n, %w : (tensor<?x?x8xf32>, tensor<8x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// The norm also feeds the residual stream (a BatchNorm after a sub-layer's
// output projection, as Peri-LN places it): it folds into the linear before
// it instead, whose columns k scales; its bias becomes b k + t.
// CHECK-LABEL: func.func @into_producer
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x4xf32>, %[[R:[^:]*]]: tensor<?x?x8xf32>)
// CHECK-DAG: %[[W:.*]] = nn.weight "w"
// CHECK-DAG: %[[C:.*]] = nn.weight "c"
// CHECK-DAG: %[[K:.*]] = nn.weight.bn_scale
// CHECK-DAG: %[[T:.*]] = nn.weight.bn_shift
// CHECK-DAG: %[[CK:.*]] = nn.weight.scale %[[C]], %[[K]] {axis = 0 : i64} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK-DAG: %[[NC:.*]] = nn.weight.add %[[CK]], %[[T]]
// CHECK-DAG: %[[WK:.*]] = nn.weight.scale %[[W]], %[[K]] {axis = 1 : i64} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
// CHECK: %[[Y:.*]] = nn.linear %[[X]], %[[WK]], %[[NC]]
// CHECK-NOT: nn.batch_norm
// CHECK: nn.add %[[R]], %[[Y]]
func.func @into_producer(%x: tensor<?x?x4xf32>, %r: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %m = nn.weight "m" : tensor<8xf32>
  %v = nn.weight "v" : tensor<8xf32>
  %w = nn.weight "w" : tensor<4x8xf32>
  %c = nn.weight "c" : tensor<8xf32>
  %o = nn.linear %x, %w, %c : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.o")
  %n = nn.batch_norm %o, %g, %b, %m, %v {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %s = nn.add %r, %n : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %s : tensor<?x?x8xf32>
}

// -----

// A bias-free producer gets t as its bias.
// CHECK-LABEL: func.func @into_producer_without_bias
// CHECK-DAG: %[[T:.*]] = nn.weight.bn_shift
// CHECK-DAG: %[[WK:.*]] = nn.weight.scale %{{.*}}, %{{.*}} {axis = 1 : i64}
// CHECK: nn.linear %{{.*}}, %[[WK]], %[[T]]
// CHECK-NOT: nn.batch_norm
func.func @into_producer_without_bias(%x: tensor<?x?x4xf32>) -> tensor<?x?x8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %m = nn.weight "m" : tensor<8xf32>
  %v = nn.weight "v" : tensor<8xf32>
  %w = nn.weight "w" : tensor<4x8xf32>
  %o = nn.linear %x, %w : (tensor<?x?x4xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.batch_norm %o, %g, %b, %m, %v {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// Left alone: the norm feeds a linear and the stream, and its input is no
// linear (the embedding's norm, a pre-norm of the stream) ...
// CHECK-LABEL: func.func @stream_norm
// CHECK-NOT: nn.weight.bn_
// CHECK: nn.batch_norm
func.func @stream_norm(%x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x4xf32>) {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %m = nn.weight "m" : tensor<8xf32>
  %v = nn.weight "v" : tensor<8xf32>
  %w = nn.weight "w" : tensor<8x4xf32>
  %n = nn.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y = nn.linear %n, %w : (tensor<?x?x8xf32>, tensor<8x4xf32>) -> tensor<?x?x4xf32>
  return %n, %y : tensor<?x?x8xf32>, tensor<?x?x4xf32>
}

// -----

// ... and: the linear before it has another user.
// CHECK-LABEL: func.func @shared_producer
// CHECK-NOT: nn.weight.bn_
// CHECK: nn.batch_norm
func.func @shared_producer(%x: tensor<?x?x4xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %g = nn.weight "g" : tensor<8xf32>
  %b = nn.weight "b" : tensor<8xf32>
  %m = nn.weight "m" : tensor<8xf32>
  %v = nn.weight "v" : tensor<8xf32>
  %w = nn.weight "w" : tensor<4x8xf32>
  %o = nn.linear %x, %w : (tensor<?x?x4xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.batch_norm %o, %g, %b, %m, %v {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n, %o : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}
