// RUN: modelc-opt %s -split-input-file -nn-merge-glu -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s
// RUN: modelc-opt %s -split-input-file -nn-merge-glu -nn-form-kernels | FileCheck %s --check-prefix=KERNEL

// SwiGLU (Llama): one gated GEMM over [W_gate | W_up], whatever the order
// of the product's operands.
// CHECK-LABEL: func.func @swiglu
// CHECK-DAG: %[[WU:.*]] = nn.weight "wu"
// CHECK-DAG: %[[WG:.*]] = nn.weight "wg"
// CHECK: %[[W:.*]] = nn.weight.concat %[[WG]], %[[WU]] {axis = 1 : i64} : (tensor<64x160xf32>, tensor<64x160xf32>) -> tensor<64x320xf32>
// CHECK: %[[H:.*]] = nn.gated_linear silu %{{.*}}, %[[W]] : (tensor<?x?x64xf32>, tensor<64x320xf32>) -> tensor<?x?x160xf32> loc("layer0.mlp.gate+up"
// CHECK-NOT: nn.mul
// CHECK: nn.linear %[[H]]
// One GEMM kernel takes the gate, the up projection and the product.
// KERNEL-LABEL: func.func @swiglu
// KERNEL: nn.kernel "gemm_0" gemm
// KERNEL-NEXT: ^bb0
// KERNEL-NEXT: nn.gated_linear silu
// KERNEL-NEXT: nn.yield
// KERNEL: nn.kernel "gemm_1" gemm
// KERNEL-NOT: nn.kernel
// KERNEL: return
func.func @swiglu(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wu = nn.weight "wu" : tensor<64x160xf32>
  %wg = nn.weight "wg" : tensor<64x160xf32>
  %wd = nn.weight "wd" : tensor<160x64xf32>
  %u = nn.linear %x, %wu : (tensor<?x?x64xf32>, tensor<64x160xf32>) -> tensor<?x?x160xf32> loc("layer0.mlp.up"("s.toml":4:1))
  %g = nn.linear %x, %wg : (tensor<?x?x64xf32>, tensor<64x160xf32>) -> tensor<?x?x160xf32> loc("layer0.mlp.gate"("s.toml":4:1))
  %a = nn.activation silu %g : (tensor<?x?x160xf32>) -> tensor<?x?x160xf32>
  %h = nn.mul %u, %a : (tensor<?x?x160xf32>, tensor<?x?x160xf32>) -> tensor<?x?x160xf32>
  %y = nn.linear %h, %wd : (tensor<?x?x160xf32>, tensor<160x64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// A bias on the up projection only: the gate's half is zeros.
// CHECK-LABEL: func.func @one_bias
// CHECK: %[[Z:.*]] = nn.weight.splat {value = 0.000000e+00 : f32} : tensor<16xf32>
// CHECK: %[[B:.*]] = nn.weight.concat %[[Z]], %{{.*}} {axis = 0 : i64} : (tensor<16xf32>, tensor<16xf32>) -> tensor<32xf32>
// CHECK: nn.gated_linear gelu %{{.*}}, %{{.*}}, %[[B]]
func.func @one_bias(%x: tensor<?x?x8xf32>, %wg: tensor<8x16xf32>, %wu: tensor<8x16xf32>, %bu: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %g = nn.linear %x, %wg : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %u = nn.linear %x, %wu, %bu : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %a = nn.activation gelu %g : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %h = nn.mul %a, %u : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %h : tensor<?x?x16xf32>
}

// -----

// Not merged: two inputs, a gate used elsewhere, no activation.
// CHECK-LABEL: func.func @not_a_glu
// CHECK-NOT: nn.gated_linear
// CHECK: return
func.func @not_a_glu(%x: tensor<?x?x8xf32>, %z: tensor<?x?x8xf32>, %w: tensor<8x16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  %g = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %u = nn.linear %z, %w : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %a = nn.activation silu %g : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %h = nn.mul %a, %u : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %g2 = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %u2 = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %a2 = nn.activation silu %g2 : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %h2 = nn.mul %a2, %u2 : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %p = nn.mul %g2, %u : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %h, %h2, %p : tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>
}
