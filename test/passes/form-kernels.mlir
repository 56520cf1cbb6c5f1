// RUN: modelc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(nn-form-kernels))' -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s
// RUN: modelc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(nn-form-kernels{fuse=false}))' | FileCheck %s --check-prefix=NOFUSE

// gemm: linear + activation, the weights stay outside at the top.
// CHECK-LABEL: func.func @gemm_epilogue
// NOFUSE-LABEL: func.func @gemm_epilogue
// NOFUSE: %[[L:.*]] = nn.kernel "gemm_0" gemm
// NOFUSE-NEXT: ^bb0
// NOFUSE-NEXT: nn.linear
// NOFUSE-NEXT: nn.yield
// NOFUSE: %[[A:.*]] = nn.kernel "elementwise_1" elementwise(%[[L]])
// NOFUSE-NEXT: ^bb0
// NOFUSE-NEXT: nn.activation
// NOFUSE-NEXT: nn.yield
// NOFUSE: return %[[A]]
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>
// CHECK-NEXT: %[[W:.*]] = nn.weight "w"
// CHECK-NEXT: %[[B:.*]] = nn.weight "b"
// CHECK-NEXT: %[[K:.*]] = nn.kernel "gemm_0" gemm(%[[X]], %[[W]], %[[B]]) : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> {
// CHECK-NEXT: ^bb0(%[[A0:[^:]*]]: tensor<?x?x8xf32> {{.*}}, %[[A1:[^:]*]]: tensor<8x32xf32> {{.*}}, %[[A2:[^:]*]]: tensor<32xf32> {{.*}}):
// CHECK-NEXT: %[[L:.*]] = nn.linear %[[A0]], %[[A1]], %[[A2]] {{.*}} loc("layer0.mlp.up"("s.toml":1:1))
// CHECK-NEXT: %[[G:.*]] = nn.activation gelu_tanh %[[L]] {{.*}} loc("layer0.mlp.act"("s.toml":2:1))
// CHECK-NEXT: nn.yield %[[G]] : tensor<?x?x32xf32>
// The kernel is named after its seed op.
// CHECK-NEXT: } loc("layer0.mlp.up"("s.toml":1:1))
// CHECK-NEXT: return %[[K]]
func.func @gemm_epilogue(%x: tensor<?x?x8xf32>) -> tensor<?x?x32xf32> {
  %w = nn.weight "w" : tensor<8x32xf32>
  %b = nn.weight "b" : tensor<32xf32>
  %h = nn.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.up"("s.toml":1:1))
  %g = nn.activation gelu_tanh %h : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("layer0.mlp.act"("s.toml":2:1))
  return %g : tensor<?x?x32xf32>
}

// -----

// A linear result with two uses keeps its activation out.
// CHECK-LABEL: func.func @gemm_two_uses
// CHECK: %[[L:.*]] = nn.kernel "gemm_0" gemm
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.yield
// CHECK: %[[A:.*]] = nn.kernel "elementwise_1" elementwise(%[[L]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.activation relu
// CHECK: return %[[L]], %[[A]]
func.func @gemm_two_uses(%x: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %h = nn.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %g = nn.activation relu %h : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %h, %g : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// GLU: the gate's kernel takes silu and the mul; the up projection is its input.
// CHECK-LABEL: func.func @glu
// CHECK-SAME: (%[[X:[^:]*]]: {{[^,]*}}, %[[WG:[^:]*]]: {{[^,]*}}, %[[WU:[^:]*]]:
// CHECK: %[[UP:.*]] = nn.kernel "gemm_0" gemm(%[[X]], %[[WU]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.linear
// CHECK-NEXT: nn.yield
// CHECK: %[[H:.*]] = nn.kernel "gemm_1" gemm(%[[X]], %[[WG]], %[[UP]])
// CHECK-NEXT: ^bb0(%{{[^:]*}}: {{[^,]*}}, %{{[^:]*}}: {{[^,]*}}, %[[U:[^:]*]]:
// CHECK-NEXT: %[[L:.*]] = nn.linear
// CHECK-NEXT: %[[S:.*]] = nn.activation silu %[[L]]
// CHECK-NEXT: %[[M:.*]] = nn.mul %[[U]], %[[S]]
// CHECK-NEXT: nn.yield %[[M]]
// CHECK: return %[[H]]
func.func @glu(%x: tensor<?x?x8xf32>, %wg: tensor<8x16xf32>, %wu: tensor<8x16xf32>) -> tensor<?x?x16xf32> {
  %up = nn.linear %x, %wu : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %gate = nn.linear %x, %wg : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %a = nn.activation silu %gate : (tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %h = nn.mul %up, %a : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %h : tensor<?x?x16xf32>
}

// -----

// norm: residual add + layer_norm; the sum is a second result when it is
// used elsewhere (the residual stream), and only then.
// CHECK-LABEL: func.func @norm_residual
// NOFUSE-LABEL: func.func @norm_residual
// NOFUSE: %[[S:.*]] = nn.kernel "elementwise_0" elementwise
// NOFUSE: nn.kernel "norm_1" norm(%[[S]],
// CHECK: %[[N1:.*]]:2 = nn.kernel "norm_0" norm(%{{.*}}) : ({{.*}}) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: %[[S:.*]] = nn.add
// CHECK-NEXT: %[[N:.*]] = nn.layer_norm %[[S]]
// CHECK-NEXT: nn.yield %[[S]], %[[N]] : tensor<?x?x8xf32>, tensor<?x?x8xf32>
// CHECK: %[[N2:.*]] = nn.kernel "norm_1" norm(%[[N1]]#0, %[[N1]]#1, %{{.*}}) : ({{.*}}) -> tensor<?x?x8xf32> {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: %[[S2:.*]] = nn.add
// CHECK-NEXT: %[[R:.*]] = nn.rms_norm %[[S2]]
// CHECK-NEXT: nn.yield %[[R]] : tensor<?x?x8xf32>
// CHECK: return %[[N1]]#0, %[[N2]]
func.func @norm_residual(%x: tensor<?x?x8xf32>, %y: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %s = nn.add %x, %y : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.layer_norm %s, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %s2 = nn.add %s, %n : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n2 = nn.rms_norm %s2, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %s, %n2 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// A norm takes in any point-wise producer of its input (here a relu of a sum
// another norm kernel already holds: the sum is its second result); a use of
// the sum placed between the add and the norm is moved after the kernel.
// CHECK-LABEL: func.func @norm_order
// CHECK: %[[N:.*]]:2 = nn.kernel "norm_0" norm
// CHECK: %[[M:.*]] = nn.kernel "norm_1" norm(%[[N]]#0, %{{.*}})
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.activation relu
// CHECK-NEXT: nn.rms_norm
// CHECK-NEXT: nn.yield
// CHECK: return %[[N]]#1, %[[M]]
func.func @norm_order(%x: tensor<?x?x8xf32>, %y: tensor<?x?x8xf32>, %g: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %s = nn.add %x, %y : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %r = nn.activation relu %s : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.rms_norm %s, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %m = nn.rms_norm %r, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n, %m : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// attention: slices of one qkv tensor (and RoPE on q, k) join; qkv is one input.
// CHECK-LABEL: func.func @attention_qkv
// NOFUSE-LABEL: func.func @attention_qkv
// NOFUSE-COUNT-5: nn.kernel "elementwise_{{[0-4]}}" elementwise
// NOFUSE: nn.kernel "attention_5" attention
// CHECK-SAME: (%[[QKV:[^:]*]]:
// CHECK: %[[O:.*]] = nn.kernel "attention_0" attention(%[[QKV]]) : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32> {
// CHECK-NEXT: ^bb0(%[[A:[^:]*]]: tensor<?x?x24xf32>
// CHECK-NEXT: %[[Q:.*]] = nn.slice %[[A]][0]
// CHECK-NEXT: %[[K:.*]] = nn.slice %[[A]][8]
// CHECK-NEXT: %[[V:.*]] = nn.slice %[[A]][16]
// CHECK-NEXT: %[[QR:.*]] = nn.rope half %[[Q]]
// CHECK-NEXT: %[[KR:.*]] = nn.rope half %[[K]]
// CHECK-NEXT: %[[AT:.*]] = nn.attention %[[QR]], %[[KR]], %[[V]]
// CHECK-NEXT: nn.yield %[[AT]]
// CHECK-NEXT: } loc("layer0.attn"("s.toml":3:1))
// CHECK-NEXT: return %[[O]]
func.func @attention_qkv(%qkv: tensor<?x?x24xf32>) -> tensor<?x?x8xf32> {
  %q = nn.slice %qkv [0] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  %k = nn.slice %qkv [8] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  %v = nn.slice %qkv [16] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  %qr = nn.rope half %q {heads = 2 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %kr = nn.rope half %k {heads = 2 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %o = nn.attention %qr, %kr, %v {heads = 2 : i64, kv_heads = 2 : i64, causal = true, scale = 0.5 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> loc("layer0.attn"("s.toml":3:1))
  return %o : tensor<?x?x8xf32>
}

// -----

// A slice used elsewhere too stays out of the attention kernel.
// CHECK-LABEL: func.func @attention_shared_slice
// CHECK-SAME: (%[[QKV:[^:]*]]:
// CHECK: %[[K:.*]] = nn.kernel "elementwise_0" elementwise(%[[QKV]])
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.slice %{{.*}}[8]
// CHECK: %[[O:.*]] = nn.kernel "attention_1" attention(%[[QKV]], %[[K]])
// CHECK-NEXT: ^bb0(%[[A:[^:]*]]: {{[^,]*}}, %[[B:[^:]*]]:
// CHECK-NEXT: %[[Q:.*]] = nn.slice %[[A]][0]
// CHECK-NEXT: %[[V:.*]] = nn.slice %[[A]][16]
// CHECK-NEXT: nn.attention %[[Q]], %[[B]], %[[V]]
// CHECK: return %[[O]], %[[K]]
func.func @attention_shared_slice(%qkv: tensor<?x?x24xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %q = nn.slice %qkv [0] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  %k = nn.slice %qkv [8] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  %v = nn.slice %qkv [16] : (tensor<?x?x24xf32>) -> tensor<?x?x8xf32>
  %o = nn.attention %q, %k, %v {heads = 2 : i64, kv_heads = 2 : i64, causal = false, scale = 0.5 : f32} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %o, %k : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// embedding (BERT): tokens + positions + token types, then the norm; one result.
// CHECK-LABEL: func.func @embedding_bert
// NOFUSE-LABEL: func.func @embedding_bert
// NOFUSE: nn.kernel "embedding_0" embedding
// NOFUSE: nn.kernel "elementwise_1" elementwise
// NOFUSE: nn.kernel "embedding_2" embedding
// NOFUSE: nn.kernel "elementwise_3" elementwise
// NOFUSE: nn.kernel "norm_4" norm
// CHECK-SAME: (%[[IDS:[^:]*]]: {{[^,]*}}, %[[TYPES:[^:]*]]:
// CHECK: %[[WTE:.*]] = nn.weight "word"
// CHECK: %[[WPE:.*]] = nn.weight "pos"
// CHECK: %[[WTT:.*]] = nn.weight "type"
// CHECK: %[[G:.*]] = nn.weight "ln.g"
// CHECK: %[[B:.*]] = nn.weight "ln.b"
// CHECK: %[[E:.*]] = nn.kernel "embedding_0" embedding(%[[WTE]], %[[IDS]], %[[WPE]], %[[WTT]], %[[TYPES]], %[[G]], %[[B]]) : ({{.*}}) -> tensor<?x?x8xf32> {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.embedding
// CHECK-NEXT: nn.add_positions
// CHECK-NEXT: nn.embedding
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.layer_norm
// CHECK-NEXT: nn.yield
// CHECK-NEXT: } loc("embed.tokens"("s.toml":4:1))
// CHECK-NEXT: return %[[E]]
func.func @embedding_bert(%ids: tensor<?x?xi32>, %types: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  %wte = nn.weight "word" : tensor<16x8xf32>
  %wpe = nn.weight "pos" : tensor<10x8xf32>
  %wtt = nn.weight "type" : tensor<2x8xf32>
  %g = nn.weight "ln.g" : tensor<8xf32>
  %b = nn.weight "ln.b" : tensor<8xf32>
  %e = nn.embedding %wte, %ids : (tensor<16x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32> loc("embed.tokens"("s.toml":4:1))
  %p = nn.add_positions %e, %wpe : (tensor<?x?x8xf32>, tensor<10x8xf32>) -> tensor<?x?x8xf32>
  %t = nn.embedding %wtt, %types : (tensor<2x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  %s = nn.add %p, %t : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.layer_norm %s, %g, %b {epsilon = 1.0e-12 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// embedding (GPT-2, pre-LN): the sum feeds layer 0's norm and the residual
// add, so it is a second result.
// CHECK-LABEL: func.func @embedding_gpt2
// CHECK: %[[E:.*]]:2 = nn.kernel "embedding_0" embedding
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.embedding
// CHECK-NEXT: %[[P:.*]] = nn.add_positions
// CHECK-NEXT: %[[N:.*]] = nn.layer_norm %[[P]]
// CHECK-NEXT: nn.yield %[[P]], %[[N]]
// CHECK: nn.kernel "elementwise_1" elementwise(%[[E]]#0, %[[E]]#1)
func.func @embedding_gpt2(%ids: tensor<?x?xi32>, %wte: tensor<16x8xf32>, %wpe: tensor<10x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %e = nn.embedding %wte, %ids : (tensor<16x8xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  %p = nn.add_positions %e, %wpe : (tensor<?x?x8xf32>, tensor<10x8xf32>) -> tensor<?x?x8xf32>
  %n = nn.layer_norm %p, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %r = nn.add %p, %n : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

// -----

// Leftovers are one-op elementwise kernels.
// CHECK-LABEL: func.func @leftovers
// CHECK: %[[S:.*]] = nn.kernel "elementwise_0" elementwise
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.add
// CHECK-NEXT: nn.yield
// CHECK: nn.kernel "elementwise_1" elementwise(%[[S]], %{{.*}})
// CHECK-NEXT: ^bb0
// CHECK-NEXT: nn.mul
// CHECK-NEXT: nn.yield
func.func @leftovers(%x: tensor<?x?x8xf32>, %y: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %s = nn.add %x, %y : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %m = nn.mul %s, %x : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
