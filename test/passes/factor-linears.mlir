// RUN: modelc-opt %s -nn-factor-linears=rank=4 -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s
// RUN: modelc-opt %s "-nn-factor-linears=rank=4 match=*.mlp.down" | FileCheck %s --check-prefix=MATCH
// RUN: not modelc-opt %s -nn-factor-linears=rank=-2 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not modelc-opt %s -nn-factor-linears=energy=0.9 2>&1 | FileCheck %s --check-prefix=NOWEIGHTS
// RUN: not modelc-opt %s "-nn-factor-linears=energy=0.9 rank=2" 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not modelc-opt %s -nn-factor-linears=energy=1.5 2>&1 | FileCheck %s --check-prefix=EBAD

// Each linear that a rank-4 factorisation makes cheaper becomes two: the
// 8x32 ones (4 * 40 < 256), not the 8x8 one (4 * 16 = 64, not < 64).
// CHECK-LABEL: func.func @mlp
// CHECK-DAG: %[[UP:.*]] = nn.weight "up"
// CHECK-DAG: %[[A:.*]] = nn.weight.svd_factor left %[[UP]] : (tensor<8x32xf32>) -> tensor<8x4xf32>
// CHECK-DAG: %[[C:.*]] = nn.weight.svd_factor right %[[UP]] : (tensor<8x32xf32>) -> tensor<4x32xf32>
// CHECK-DAG: nn.weight.svd_factor left %{{.*}} : (tensor<32x8xf32>) -> tensor<32x4xf32>
// CHECK-DAG: nn.weight.svd_factor right %{{.*}} : (tensor<32x8xf32>) -> tensor<4x8xf32>
// CHECK: %[[H0:.*]] = nn.linear %arg0, %[[A]] : (tensor<?x?x8xf32>, tensor<8x4xf32>) -> tensor<?x?x4xf32> loc("layer0.mlp.up"
// CHECK: nn.linear %[[H0]], %[[C]], %{{.*}} : (tensor<?x?x4xf32>, tensor<4x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.up"
// CHECK: nn.linear %{{.*}}, %{{.*}} : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
// MATCH-COUNT-2: nn.weight.svd_factor {{.*}} : (tensor<32x8xf32>)
// MATCH-NOT: nn.weight.svd_factor
// BAD: error: nn-factor-linears: rank -2 is not positive
// NOWEIGHTS: error: nn-factor-linears: the rank by energy needs the weights' values: use modelc compile --low-rank=energy:E
// BOTH: error: nn-factor-linears: give a rank or an energy, not both
// EBAD: error: nn-factor-linears: energy 1.5 is outside (0, 1]
func.func @mlp(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %up = nn.weight "up" : tensor<8x32xf32>
  %b = nn.weight "b" : tensor<32xf32>
  %down = nn.weight "down" : tensor<32x8xf32>
  %sq = nn.weight "sq" : tensor<8x8xf32>
  %h = nn.linear %x, %up, %b : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.up")
  %a = nn.activation gelu %h : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.act")
  %y = nn.linear %a, %down : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("layer0.mlp.down")
  %z = nn.linear %y, %sq : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32> loc("layer0.attn.o")
  return %z : tensor<?x?x8xf32>
}
