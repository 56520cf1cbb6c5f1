// RUN: modelc-opt %s -split-input-file -nn-merge-lora | FileCheck %s
// RUN: modelc-opt %s -split-input-file -nn-merge-lora=allow-weight-growth=true | FileCheck %s --check-prefix=GROW
// RUN: modelc-opt %s -split-input-file -nn-merge-lora=allow-weight-growth=true 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// x W + b + s (x A) B = x (W + s A B) + b: one linear, the adapter's linear
// gone.
// CHECK-LABEL: func.func @adapter
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x16xf32>)
// CHECK-DAG: %[[W:.*]] = nn.weight "w"
// CHECK-DAG: %[[C:.*]] = nn.weight "c"
// CHECK-DAG: %[[A:.*]] = nn.weight "a"
// CHECK-DAG: %[[B:.*]] = nn.weight "b"
// CHECK-DAG: %[[AB:.*]] = nn.weight.matmul %[[A]], %[[B]] : (tensor<16x4xf32>, tensor<4x32xf32>) -> tensor<16x32xf32>
// CHECK-DAG: %[[SAB:.*]] = nn.weight.mul_scalar %[[AB]] {value = 5.000000e-01 : f32}
// CHECK-DAG: %[[M:.*]] = nn.weight.add %[[W]], %[[SAB]] : (tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
// CHECK: %[[Y:.*]] = nn.linear %[[X]], %[[M]], %[[C]] : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK-NOT: nn.lora_linear
// CHECK: return %[[Y]]
func.func @adapter(%x: tensor<?x?x16xf32>) -> tensor<?x?x32xf32> {
  %w = nn.weight "w" : tensor<16x32xf32>
  %c = nn.weight "c" : tensor<32xf32>
  %a = nn.weight "a" : tensor<16x4xf32>
  %b = nn.weight "b" : tensor<4x32xf32>
  %xa = nn.linear %x, %a : (tensor<?x?x16xf32>, tensor<16x4xf32>) -> tensor<?x?x4xf32>
  %y = nn.lora_linear %x, %w, %c, %xa, %b {scale = 5.000000e-01 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// Per-loop LoRA: two passes share W, each with its own slice of the stacked
// A and B, selected where the pass starts (as the frontend builds them).
// Merging would give each pass a copy of W: left alone by default; with
// allow-weight-growth merged (the expressions and the selects they read at
// the head), and the bytes reported.
// CHECK-LABEL: func.func @per_loop
// CHECK-NOT: nn.weight.add
// CHECK-COUNT-2: nn.lora_linear
// REMARK: remark: nn-merge-lora: per-iteration weights add 512 bytes (1536 -> 2048)
// GROW-LABEL: func.func @per_loop
// GROW-DAG: %[[W:.*]] = nn.weight "w"
// GROW-DAG: %[[A0:.*]] = nn.weight.select %{{.*}} {index = 0 : i64, transposed}
// GROW-DAG: %[[B0:.*]] = nn.weight.select %{{.*}} {index = 0 : i64, transposed}
// GROW-DAG: %[[AB0:.*]] = nn.weight.matmul %[[A0]], %[[B0]]
// GROW-DAG: %[[M0:.*]] = nn.weight.add %[[W]], %[[AB0]]
// GROW-DAG: %[[M1:.*]] = nn.weight.add %[[W]], %{{.*}}
// GROW: %[[H:.*]] = nn.linear %{{.*}}, %[[M0]] :
// GROW: nn.linear %[[H]], %[[M1]] :
// GROW-NEXT: return
func.func @per_loop(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %w = nn.weight "w" : tensor<16x16xf32>
  %sa = nn.weight "lora_a" : tensor<2x2x16xf32>
  %sb = nn.weight "lora_b" : tensor<2x16x2xf32>
  %a0 = nn.weight.select %sa {index = 0 : i64, transposed} : (tensor<2x2x16xf32>) -> tensor<16x2xf32>
  %b0 = nn.weight.select %sb {index = 0 : i64, transposed} : (tensor<2x16x2xf32>) -> tensor<2x16xf32>
  %xa0 = nn.linear %x, %a0 : (tensor<?x?x16xf32>, tensor<16x2xf32>) -> tensor<?x?x2xf32>
  %h = nn.lora_linear %x, %w, %xa0, %b0 {scale = 1.000000e+00 : f32} : (tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<?x?x2xf32>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
  %a1 = nn.weight.select %sa {index = 1 : i64, transposed} : (tensor<2x2x16xf32>) -> tensor<16x2xf32>
  %b1 = nn.weight.select %sb {index = 1 : i64, transposed} : (tensor<2x16x2xf32>) -> tensor<2x16xf32>
  %xa1 = nn.linear %h, %a1 : (tensor<?x?x16xf32>, tensor<16x2xf32>) -> tensor<?x?x2xf32>
  %y = nn.lora_linear %h, %w, %xa1, %b1 {scale = 1.000000e+00 : f32} : (tensor<?x?x16xf32>, tensor<16x16xf32>, tensor<?x?x2xf32>, tensor<2x16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Left alone: the low-rank input is not x A of the same input ...
// CHECK-LABEL: func.func @other_input
// CHECK-NOT: nn.weight.matmul
// CHECK: nn.lora_linear
func.func @other_input(%x: tensor<?x?x16xf32>, %u: tensor<?x?x16xf32>) -> tensor<?x?x32xf32> {
  %w = nn.weight "w" : tensor<16x32xf32>
  %a = nn.weight "a" : tensor<16x4xf32>
  %b = nn.weight "b" : tensor<4x32xf32>
  %ua = nn.linear %u, %a : (tensor<?x?x16xf32>, tensor<16x4xf32>) -> tensor<?x?x4xf32>
  %y = nn.lora_linear %x, %w, %ua, %b {scale = 1.000000e+00 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// ... x A is used elsewhere too ...
// CHECK-LABEL: func.func @shared_low_rank_input
// CHECK-NOT: nn.weight.matmul
// CHECK: nn.lora_linear
func.func @shared_low_rank_input(%x: tensor<?x?x16xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x4xf32>) {
  %w = nn.weight "w" : tensor<16x32xf32>
  %a = nn.weight "a" : tensor<16x4xf32>
  %b = nn.weight "b" : tensor<4x32xf32>
  %xa = nn.linear %x, %a : (tensor<?x?x16xf32>, tensor<16x4xf32>) -> tensor<?x?x4xf32>
  %y = nn.lora_linear %x, %w, %xa, %b {scale = 1.000000e+00 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  return %y, %xa : tensor<?x?x32xf32>, tensor<?x?x4xf32>
}

// -----

// ... or x A has a bias (not a LoRA adapter's form).
// CHECK-LABEL: func.func @biased_down
// CHECK-NOT: nn.weight.matmul
// CHECK: nn.lora_linear
func.func @biased_down(%x: tensor<?x?x16xf32>) -> tensor<?x?x32xf32> {
  %w = nn.weight "w" : tensor<16x32xf32>
  %a = nn.weight "a" : tensor<16x4xf32>
  %ab = nn.weight "ab" : tensor<4xf32>
  %b = nn.weight "b" : tensor<4x32xf32>
  %xa = nn.linear %x, %a, %ab : (tensor<?x?x16xf32>, tensor<16x4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  %y = nn.lora_linear %x, %w, %xa, %b {scale = 1.000000e+00 : f32} : (tensor<?x?x16xf32>, tensor<16x32xf32>, tensor<?x?x4xf32>, tensor<4x32xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}
