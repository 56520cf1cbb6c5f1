// RUN: modelc-opt %s -split-input-file -canonicalize | FileCheck %s

// A slice of all channels from offset 0 is its input.
// CHECK-LABEL: func.func @slice_identity
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x24xf32>)
// CHECK-NOT: nn.slice
// CHECK: return %[[X]]
func.func @slice_identity(%x: tensor<?x?x24xf32>) -> tensor<?x?x24xf32> {
  %0 = nn.slice %x [0] : (tensor<?x?x24xf32>) -> tensor<?x?x24xf32>
  return %0 : tensor<?x?x24xf32>
}

// -----

// A proper slice stays.
// CHECK-LABEL: func.func @slice_kept
// CHECK: nn.slice %{{.*}}[0] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
func.func @slice_kept(%x: tensor<?x?x24xf32>) -> tensor<?x?x8xf32> {
  %0 = nn.slice %x [0] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// slice(slice(x, a), b) = slice(x, a + b).
// CHECK-LABEL: func.func @slice_compose
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x48xf32>)
// CHECK: %[[S:.*]] = nn.slice %[[X]][20] : (tensor<?x?x48xf32>) -> tensor<?x?x4xf32>
// CHECK-NOT: nn.slice
// CHECK: return %[[S]]
func.func @slice_compose(%x: tensor<?x?x48xf32>) -> tensor<?x?x4xf32> {
  %0 = nn.slice %x [16] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %1 = nn.slice %0 [4] : (tensor<?x?x16xf32>) -> tensor<?x?x4xf32>
  return %1 : tensor<?x?x4xf32>
}

// -----

// Three levels fold to one; an identity slice in the middle disappears.
// CHECK-LABEL: func.func @slice_chain
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x48xf32>)
// CHECK: %[[S:.*]] = nn.slice %[[X]][11] : (tensor<?x?x48xf32>) -> tensor<?x?x2xf32>
// CHECK-NOT: nn.slice
// CHECK: return %[[S]]
func.func @slice_chain(%x: tensor<?x?x48xf32>) -> tensor<?x?x2xf32> {
  %0 = nn.slice %x [8] : (tensor<?x?x48xf32>) -> tensor<?x?x32xf32>
  %1 = nn.slice %0 [0] : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %2 = nn.slice %1 [2] : (tensor<?x?x32xf32>) -> tensor<?x?x8xf32>
  %3 = nn.slice %2 [1] : (tensor<?x?x8xf32>) -> tensor<?x?x2xf32>
  return %3 : tensor<?x?x2xf32>
}

// -----

// The inner slice stays while something else uses it.
// CHECK-LABEL: func.func @slice_shared
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x48xf32>)
// CHECK-DAG: %[[A:.*]] = nn.slice %[[X]][16] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
// CHECK-DAG: %[[B:.*]] = nn.slice %[[X]][20] : (tensor<?x?x48xf32>) -> tensor<?x?x4xf32>
// CHECK: return %[[A]], %[[B]]
func.func @slice_shared(%x: tensor<?x?x48xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x4xf32>) {
  %0 = nn.slice %x [16] : (tensor<?x?x48xf32>) -> tensor<?x?x16xf32>
  %1 = nn.slice %0 [4] : (tensor<?x?x16xf32>) -> tensor<?x?x4xf32>
  return %0, %1 : tensor<?x?x16xf32>, tensor<?x?x4xf32>
}

// -----

// Pure ops without users go; weights are Pure, not ConstantLike.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: nn.
// CHECK: return
func.func @dead(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w = nn.weight "unused" : tensor<8x8xf32>
  %0 = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %1 = nn.activation relu %0 : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
