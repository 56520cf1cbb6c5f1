// RUN: modelc-opt %s -split-input-file -nn-prune-neurons=ratio=0.25 | FileCheck %s
// RUN: modelc-opt %s -split-input-file -nn-prune-neurons=ratio=0.0 | FileCheck %s --check-prefix=NONE
// RUN: not modelc-opt %s -split-input-file -nn-prune-neurons=ratio=1.0 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not modelc-opt %s -split-input-file -nn-prune-neurons=ratio=-0.1 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not modelc-opt %s -split-input-file -nn-prune-neurons=ratio=0.99 2>&1 | FileCheck %s --check-prefix=ALL
// RUN: modelc-opt %s -split-input-file -nn-prune-neurons=count=4 | FileCheck %s
// RUN: not modelc-opt %s -split-input-file -nn-prune-neurons=count=16 2>&1 | FileCheck %s --check-prefix=ALLCOUNT
// RUN: not modelc-opt %s -split-input-file -nn-prune-neurons=count=-1 2>&1 | FileCheck %s --check-prefix=NEGCOUNT
// RUN: not modelc-opt %s -split-input-file "-nn-prune-neurons=count=2 ratio=0.5" 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not modelc-opt %s -split-input-file "-nn-prune-neurons=ratio=0.5 global=true" 2>&1 | FileCheck %s --check-prefix=GLOBAL

// GPT-2's MLP: a quarter of 16 neurons goes (ratio 0.25, or count 4), scored
// by up column + down row.
// CHECK-LABEL: func.func @mlp
// CHECK-DAG: %[[UP:.*]] = nn.weight "up" : tensor<8x16xf32>
// CHECK-DAG: %[[B:.*]] = nn.weight "b" : tensor<16xf32>
// CHECK-DAG: %[[DOWN:.*]] = nn.weight "down" : tensor<16x8xf32>
// CHECK: %[[S0:.*]] = nn.weight.sq_norms %[[UP]] {axis = 1 : i64} : (tensor<8x16xf32>) -> tensor<16xf32>
// CHECK: %[[S1:.*]] = nn.weight.sq_norms %[[DOWN]] {axis = 0 : i64} : (tensor<16x8xf32>) -> tensor<16xf32>
// CHECK: %[[S:.*]] = nn.weight.add %[[S0]], %[[S1]]
// CHECK: %[[UP2:.*]] = nn.weight.select_top %[[UP]], %[[S]] {axis = 1 : i64, group = 1 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x12xf32>
// CHECK: %[[B2:.*]] = nn.weight.select_top %[[B]], %[[S]] {axis = 0 : i64, group = 1 : i64} : (tensor<16xf32>, tensor<16xf32>) -> tensor<12xf32>
// CHECK: %[[DOWN2:.*]] = nn.weight.select_top %[[DOWN]], %[[S]] {axis = 0 : i64, group = 1 : i64} : (tensor<16x8xf32>, tensor<16xf32>) -> tensor<12x8xf32>
// CHECK: %[[H:.*]] = nn.linear %arg0, %[[UP2]], %[[B2]] : (tensor<?x?x8xf32>, tensor<8x12xf32>, tensor<12xf32>) -> tensor<?x?x12xf32>
// CHECK: %[[A:.*]] = nn.activation gelu %[[H]] : (tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
// CHECK: nn.linear %[[A]], %[[DOWN2]] : (tensor<?x?x12xf32>, tensor<12x8xf32>) -> tensor<?x?x8xf32>
// NONE-LABEL: func.func @mlp
// NONE-NOT: nn.weight.select_top
// RANGE: error: nn-prune-neurons: ratio {{.*}} is outside [0, 1)
// ALL: error: nn-prune-neurons: ratio 0.99 removes all 16 neurons
// ALLCOUNT: error: nn-prune-neurons: count 16 removes all 16 neurons
// NEGCOUNT: error: nn-prune-neurons: count -1 is negative
// BOTH: error: nn-prune-neurons: give a ratio or a count, not both
// GLOBAL: error: nn-prune-neurons: global pruning ranks by the weights' values: use modelc compile --prune-neurons=global:R
func.func @mlp(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %up = nn.weight "up" : tensor<8x16xf32>
  %b = nn.weight "b" : tensor<16xf32>
  %down = nn.weight "down" : tensor<16x8xf32>
  %h = nn.linear %x, %up, %b : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %a = nn.activation gelu %h : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %a, %down : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// A GLU: the gate's columns add to the score and are selected alike.
// CHECK-LABEL: func.func @glu
// CHECK: %[[S:.*]] = nn.weight.add %{{.*}}, %{{.*}} : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
// CHECK: %[[SG:.*]] = nn.weight.sq_norms %{{.*}} {axis = 1 : i64}
// CHECK: %[[S2:.*]] = nn.weight.add %[[S]], %[[SG]]
// CHECK-COUNT-2: nn.weight.select_top %{{.*}}, %[[S2]] {axis = 1 : i64, group = 1 : i64} : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x12xf32>
// CHECK: nn.weight.select_top %{{.*}}, %[[S2]] {axis = 0 : i64, group = 1 : i64} : (tensor<16x8xf32>, tensor<16xf32>) -> tensor<12x8xf32>
// CHECK: nn.mul %{{.*}}, %{{.*}} : (tensor<?x?x12xf32>, tensor<?x?x12xf32>) -> tensor<?x?x12xf32>
func.func @glu(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %wu = nn.weight "wu" : tensor<8x16xf32>
  %wg = nn.weight "wg" : tensor<8x16xf32>
  %wd = nn.weight "wd" : tensor<16x8xf32>
  %u = nn.linear %x, %wu : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %g = nn.linear %x, %wg : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %a = nn.activation silu %g : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %h = nn.mul %u, %a : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %h, %wd : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Not an MLP: the hidden activation has a second use.
// CHECK-LABEL: func.func @shared_hidden
// CHECK-NOT: nn.weight.select_top
func.func @shared_hidden(%x: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x16xf32>) {
  %up = nn.weight "up" : tensor<8x16xf32>
  %down = nn.weight "down" : tensor<16x8xf32>
  %h = nn.linear %x, %up : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %a = nn.activation relu %h : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = nn.linear %a, %down : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  return %y, %a : tensor<?x?x8xf32>, tensor<?x?x16xf32>
}
