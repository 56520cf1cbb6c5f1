// RUN: modelc-opt %s -split-input-file -nn-merge-branches 2>&1 | FileCheck %s
// RUN: modelc-opt %s -split-input-file -nn-merge-branches=allow-weight-growth=true 2>&1 | FileCheck %s --check-prefix=GROW

// Two parallel linears of one input (RepVGG-style branches).
// CHECK-LABEL: func.func @parallel
// CHECK-DAG: %[[W:.*]] = nn.weight.add %{{.*}}, %{{.*}} : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-DAG: %[[B:.*]] = nn.weight.add %{{.*}}, %{{.*}} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
// CHECK: %[[Y:.*]] = nn.linear %arg0, %[[W]], %[[B]]
// CHECK-NEXT: return %[[Y]]
func.func @parallel(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %w1 = nn.weight "w1" : tensor<8x8xf32>
  %b1 = nn.weight "b1" : tensor<8xf32>
  %w2 = nn.weight "w2" : tensor<8x8xf32>
  %b2 = nn.weight "b2" : tensor<8xf32>
  %a = nn.linear %x, %w1, %b1 : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %b = nn.linear %x, %w2, %b2 : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y = nn.add %a, %b : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// A LoRA adapter in its linear form, x W + (x A) B: W + A B; the adapter's
// bias, if any, goes through B.
// CHECK-LABEL: func.func @lora
// CHECK-DAG: %[[W:.*]] = nn.weight "w"
// CHECK-DAG: %[[A:.*]] = nn.weight "lora_a"
// CHECK-DAG: %[[B:.*]] = nn.weight "lora_b"
// CHECK-DAG: %[[AB:.*]] = nn.weight.matmul %[[A]], %[[B]] : (tensor<64x4xf32>, tensor<4x32xf32>) -> tensor<64x32xf32>
// CHECK-DAG: %[[SUM:.*]] = nn.weight.add %[[W]], %[[AB]] : (tensor<64x32xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
// CHECK: nn.linear %arg0, %[[SUM]] : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
// CHECK-NOT: nn.add
func.func @lora(%x: tensor<?x?x64xf32>) -> tensor<?x?x32xf32> {
  %w = nn.weight "w" : tensor<64x32xf32>
  %la = nn.weight "lora_a" : tensor<64x4xf32>
  %lb = nn.weight "lora_b" : tensor<4x32xf32>
  %base = nn.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
  %l = nn.linear %x, %la : (tensor<?x?x64xf32>, tensor<64x4xf32>) -> tensor<?x?x4xf32>
  %d = nn.linear %l, %lb : (tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  %y = nn.add %base, %d : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// Per-loop LoRA: one base weight shared by two loop iterations, each with
// its own adapter. Merging gives each iteration its own weight, so it is
// done only with allow-weight-growth, which reports the bytes it costs:
// two 32x32 weights instead of one, the adapters' 2 x (32x4 + 4x32) dropped.
// CHECK-LABEL: func.func @per_loop_lora
// CHECK-NOT: nn.weight.matmul
// CHECK-COUNT-2: nn.add
// GROW: remark: nn-merge-branches: merged weights add 2048 bytes (6144 -> 8192)
// GROW-LABEL: func.func @per_loop_lora
// GROW-COUNT-2: nn.weight.matmul
// GROW-NOT: nn.add
// GROW: return
func.func @per_loop_lora(%x: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %w = nn.weight "w" : tensor<32x32xf32>
  %a0 = nn.weight "loop0.lora_a" : tensor<32x4xf32>
  %b0 = nn.weight "loop0.lora_b" : tensor<4x32xf32>
  %a1 = nn.weight "loop1.lora_a" : tensor<32x4xf32>
  %b1 = nn.weight "loop1.lora_b" : tensor<4x32xf32>
  %y0 = nn.linear %x, %w : (tensor<?x?x32xf32>, tensor<32x32xf32>) -> tensor<?x?x32xf32>
  %l0 = nn.linear %x, %a0 : (tensor<?x?x32xf32>, tensor<32x4xf32>) -> tensor<?x?x4xf32>
  %d0 = nn.linear %l0, %b0 : (tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  %s0 = nn.add %y0, %d0 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %y1 = nn.linear %s0, %w : (tensor<?x?x32xf32>, tensor<32x32xf32>) -> tensor<?x?x32xf32>
  %l1 = nn.linear %s0, %a1 : (tensor<?x?x32xf32>, tensor<32x4xf32>) -> tensor<?x?x4xf32>
  %d1 = nn.linear %l1, %b1 : (tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  %s1 = nn.add %y1, %d1 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return %s1 : tensor<?x?x32xf32>
}

// -----

// Not merged: branches of different inputs, a residual (not a linear),
// and two low-rank branches (the dense sum would cost more FLOPs).
// CHECK-LABEL: func.func @not_branches
// CHECK-NOT: nn.weight.add
// CHECK-NOT: nn.weight.matmul
// CHECK: return
func.func @not_branches(%x: tensor<?x?x64xf32>, %z: tensor<?x?x64xf32>, %w: tensor<64x64xf32>, %a: tensor<64x2xf32>, %b: tensor<2x64xf32>, %c: tensor<64x2xf32>, %d: tensor<2x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %p = nn.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %q = nn.linear %z, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %s = nn.add %p, %q : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %r0 = nn.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %r = nn.add %x, %r0 : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %l0 = nn.linear %x, %a : (tensor<?x?x64xf32>, tensor<64x2xf32>) -> tensor<?x?x2xf32>
  %u0 = nn.linear %l0, %b : (tensor<?x?x2xf32>, tensor<2x64xf32>) -> tensor<?x?x64xf32>
  %l1 = nn.linear %x, %c : (tensor<?x?x64xf32>, tensor<64x2xf32>) -> tensor<?x?x2xf32>
  %u1 = nn.linear %l1, %d : (tensor<?x?x2xf32>, tensor<2x64xf32>) -> tensor<?x?x64xf32>
  %t = nn.add %u0, %u1 : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %s, %r, %t : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
}
