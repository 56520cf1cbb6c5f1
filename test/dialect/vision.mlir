// RUN: modelc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics | modelc-opt -split-input-file | FileCheck %s
// RUN: modelc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic | modelc-opt -split-input-file | FileCheck %s

// nn.patch_embed, nn.grid_patches and nn.token_pool: round trip (custom and
// generic form, with and without the optional operands) and every verifier
// error.

// CHECK-LABEL: func.func @patch_embed
// CHECK: nn.patch_embed %{{.*}}, %{{.*}} bias(%{{.*}}) cls(%{{.*}}) positions(%{{.*}}) {patch = 8 : i64} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>, tensor<1x1x64xf32>, tensor<1x17x64xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.patch_embed %{{.*}}, %{{.*}} {patch = 4 : i64} : (tensor<?x1x12x20xf32>, tensor<32x1x4x4xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.patch_embed %{{.*}}, %{{.*}} positions(%{{.*}}) {patch = 4 : i64} : (tensor<?x1x12x20xf32>, tensor<32x1x4x4xf32>, tensor<1x15x32xf32>) -> tensor<?x?x32xf32>
// CHECK: nn.patch_embed %{{.*}}, %{{.*}} cls(%{{.*}}) positions(%{{.*}}) {patch = 4 : i64} : (tensor<?x1x12x20xf32>, tensor<32x1x4x4xf32>, tensor<1x2x32xf32>, tensor<1x17x32xf32>) -> tensor<?x?x32xf32>
func.func @patch_embed(%img: tensor<?x3x32x32xf32>, %gray: tensor<?x1x12x20xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %w = nn.weight "patch_embed.proj.weight" : tensor<64x3x8x8xf32>
  %b = nn.weight "patch_embed.proj.bias" : tensor<64xf32>
  %cls = nn.weight "cls_token" : tensor<1x1x64xf32>
  %pos = nn.weight "pos_embed" : tensor<1x17x64xf32>
  %w4 = nn.weight "w4" : tensor<32x1x4x4xf32>
  %pos4 = nn.weight "pos4" : tensor<1x15x32xf32>
  %prefix = nn.weight "cls_dist" : tensor<1x2x32xf32>
  %pos6 = nn.weight "pos6" : tensor<1x17x32xf32>
  %0 = nn.patch_embed %img, %w bias(%b) cls(%cls) positions(%pos) {patch = 8 : i64} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>, tensor<1x1x64xf32>, tensor<1x17x64xf32>) -> tensor<?x?x64xf32>
  %1 = nn.patch_embed %gray, %w4 {patch = 4 : i64} : (tensor<?x1x12x20xf32>, tensor<32x1x4x4xf32>) -> tensor<?x?x32xf32>
  %2 = nn.patch_embed %gray, %w4 positions(%pos4) {patch = 4 : i64} : (tensor<?x1x12x20xf32>, tensor<32x1x4x4xf32>, tensor<1x15x32xf32>) -> tensor<?x?x32xf32>
  // Two prefix tokens (DeiT's class and distillation tokens): 15 + 2 positions.
  %3 = nn.patch_embed %gray, %w4 cls(%prefix) positions(%pos6) {patch = 4 : i64} : (tensor<?x1x12x20xf32>, tensor<32x1x4x4xf32>, tensor<1x2x32xf32>, tensor<1x17x32xf32>) -> tensor<?x?x32xf32>
  return %0, %1, %2, %3 : tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// PoolFormer's stem (7x7, stride 4, padding 2: a 56x56 grid from 224x224)
// and its downsampling between stages (3x3, stride 2, padding 1 on the grid).
// CHECK-LABEL: func.func @strided
// CHECK: nn.patch_embed %{{.*}}, %{{.*}} bias(%{{.*}}) {padding = 2 : i64, patch = 7 : i64, stride = 4 : i64} : (tensor<?x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
// CHECK: nn.grid_patches %{{.*}} {grid = array<i64: 56, 56>, kernel = 3 : i64, padding = 1 : i64, stride = 2 : i64} : (tensor<?x?x64xf32>) -> tensor<?x784x576xf32>
// CHECK: nn.grid_patches %{{.*}} {grid = array<i64: 4, 5>, kernel = 3 : i64, padding = 1 : i64, stride = 2 : i64} : (tensor<?x20x8xf32>) -> tensor<?x6x72xf32>
func.func @strided(%img: tensor<?x3x224x224xf32>, %x: tensor<?x20x8xf32>) -> (tensor<?x784x576xf32>, tensor<?x6x72xf32>) {
  %w = nn.weight "stem.weight" : tensor<64x3x7x7xf32>
  %b = nn.weight "stem.bias" : tensor<64xf32>
  %0 = nn.patch_embed %img, %w bias(%b) {patch = 7 : i64, stride = 4 : i64, padding = 2 : i64} : (tensor<?x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %1 = nn.grid_patches %0 {grid = array<i64: 56, 56>, kernel = 3 : i64, stride = 2 : i64, padding = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<?x784x576xf32>
  // An odd, non-square grid: 4x5 -> 2x3.
  %2 = nn.grid_patches %x {grid = array<i64: 4, 5>, kernel = 3 : i64, stride = 2 : i64, padding = 1 : i64} : (tensor<?x20x8xf32>) -> tensor<?x6x72xf32>
  return %1, %2 : tensor<?x784x576xf32>, tensor<?x6x72xf32>
}

// -----

// CHECK-LABEL: func.func @token_pool
// CHECK: nn.token_pool first %{{.*}} {start = 0 : i64} : (tensor<?x?x64xf32>) -> tensor<?x1x64xf32>
// CHECK: nn.token_pool mean %{{.*}} {start = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<?x1x64xf32>
// CHECK: nn.token_pool first %{{.*}} {start = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<?x1x64xf32>
func.func @token_pool(%x: tensor<?x?x64xf32>) -> (tensor<?x1x64xf32>, tensor<?x1x64xf32>, tensor<?x1x64xf32>) {
  %0 = nn.token_pool first %x {start = 0 : i64} : (tensor<?x?x64xf32>) -> tensor<?x1x64xf32>
  %1 = nn.token_pool mean %x {start = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<?x1x64xf32>
  // DeiT's distillation token.
  %2 = nn.token_pool first %x {start = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<?x1x64xf32>
  return %0, %1, %2 : tensor<?x1x64xf32>, tensor<?x1x64xf32>, tensor<?x1x64xf32>
}

// -----

func.func @patch_indivisible(%img: tensor<?x3x30x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+1 {{image 30x32 is not divisible by patch 8}}
  %0 = nn.patch_embed %img, %w {patch = 8 : i64} : (tensor<?x3x30x32xf32>, tensor<64x3x8x8xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_zero(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+1 {{patch must be positive, got 0}}
  %0 = nn.patch_embed %img, %w {patch = 0 : i64} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_weight(%img: tensor<?x3x32x32xf32>, %w: tensor<64x1x8x8xf32>) {
  // expected-error @+1 {{weight must be [D, 3, 8, 8] (Conv2d: out, in channels, patch, patch), got [64, 1, 8, 8]}}
  %0 = nn.patch_embed %img, %w {patch = 8 : i64} : (tensor<?x3x32x32xf32>, tensor<64x1x8x8xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_bias(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias}}
  %0 = nn.patch_embed %img, %w bias(%b) {patch = 8 : i64} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<32xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_cls(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %c: tensor<1x64xf32>) {
  // expected-error @+1 {{cls must be [1, P, 64] (P prefix tokens), got [1, 64]}}
  %0 = nn.patch_embed %img, %w cls(%c) {patch = 8 : i64} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<1x64xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_positions(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %c: tensor<1x1x64xf32>, %p: tensor<1x16x64xf32>) {
  // expected-error @+1 {{positions must be [1, 17, 64] (one row per token), got [1, 16, 64]}}
  %0 = nn.patch_embed %img, %w cls(%c) positions(%p) {patch = 8 : i64} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<1x1x64xf32>, tensor<1x16x64xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_image_type(%img: tensor<?x3x?x32xf32>, %w: tensor<64x3x8x8xf32>) {
  // expected-error @+1 {{operand #0 must be f32 tensor [batch, channels, height, width] with a static image size}}
  %0 = nn.patch_embed %img, %w {patch = 8 : i64} : (tensor<?x3x?x32xf32>, tensor<64x3x8x8xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_cls_width(%img: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %c: tensor<1x2x32xf32>) {
  // expected-error @+1 {{cls must be [1, P, 64] (P prefix tokens), got [1, 2, 32]}}
  %0 = nn.patch_embed %img, %w cls(%c) {patch = 8 : i64} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<1x2x32xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @pool_first_past_end(%x: tensor<?x2x64xf32>) {
  // expected-error @+1 {{start 2 leaves no token of the 2 to pool}}
  %0 = nn.token_pool first %x {start = 2 : i64} : (tensor<?x2x64xf32>) -> tensor<?x1x64xf32>
  return
}

// -----

func.func @pool_start_past_end(%x: tensor<?x4x64xf32>) {
  // expected-error @+1 {{start 4 leaves no token of the 4 to pool}}
  %0 = nn.token_pool mean %x {start = 4 : i64} : (tensor<?x4x64xf32>) -> tensor<?x1x64xf32>
  return
}

// -----

func.func @pool_result(%x: tensor<?x?x64xf32>) {
  // expected-error @+2 {{'nn.token_pool' op inferred type(s) 'tensor<?x1x64xf32>' are incompatible with return type(s) of operation 'tensor<?x?x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.token_pool first %x {start = 0 : i64} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return
}

// -----

func.func @patch_padding_kernel(%img: tensor<?x3x16x16xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{padding 3 must be less than the kernel 3}}
  %0 = nn.patch_embed %img, %w {patch = 3 : i64, stride = 2 : i64, padding = 3 : i64} : (tensor<?x3x16x16xf32>, tensor<8x3x3x3xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @patch_stride_zero(%img: tensor<?x3x16x16xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{kernel and stride must be positive and padding non-negative, got 3, 0, 1}}
  %0 = nn.patch_embed %img, %w {patch = 3 : i64, stride = 0 : i64, padding = 1 : i64} : (tensor<?x3x16x16xf32>, tensor<8x3x3x3xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @grid_patches_result(%x: tensor<?x20x8xf32>) {
  // expected-error @+1 {{result must be [?, 6, 72] (batch, the output grid's tokens, in channels x kernel x kernel), got [?, 6, 8]}}
  %0 = nn.grid_patches %x {grid = array<i64: 4, 5>, kernel = 3 : i64, stride = 2 : i64, padding = 1 : i64} : (tensor<?x20x8xf32>) -> tensor<?x6x8xf32>
  return
}

// -----

func.func @grid_patches_kernel(%x: tensor<?x2x8xf32>) {
  // expected-error @+1 {{kernel 5 is larger than the padded size 3}}
  %0 = nn.grid_patches %x {grid = array<i64: 1, 2>, kernel = 5 : i64, stride = 2 : i64, padding = 1 : i64} : (tensor<?x2x8xf32>) -> tensor<?x1x72xf32>
  return
}

// -----

func.func @grid_patches_grid(%x: tensor<?x21x8xf32>) {
  // expected-error @+1 {{grid}}
  %0 = nn.grid_patches %x {grid = array<i64: 4, 5>, kernel = 3 : i64, stride = 2 : i64, padding = 1 : i64} : (tensor<?x21x8xf32>) -> tensor<?x6x72xf32>
  return
}
