//===- Passes.td - modelc's nn passes -----------------------*- tablegen -*-===//
//
// One def per pass; flags are `nn-<verb>-<noun>`. Generated with
// `-gen-pass-decls -name NN` into Passes.h.inc (build tree only).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES
#define MODELC_PASSES

include "mlir/Pass/PassBase.td"

def FormKernels : Pass<"nn-form-kernels", "mlir::func::FuncOp"> {
  let summary = "partition a function's nn ops into nn.kernel regions";
  let description = [{
    Groups the compute ops of a function into `nn.kernel` regions, one region
    per future Halide pipeline. `nn.weight` ops and weight expressions stay
    outside, hoisted to the top of the function; every other nn op ends up
    inside exactly one kernel.

    With `fuse=true` (the default) the pass names no op: it asks each op's
    `FusionOpInterface` (dialect/NNInterfaces.td). Seed ops (those with a
    kernel class) grow kernels in order of their seed priority, then of
    position; a seed takes in the producers of its operands and the
    consumers of its result that it accepts, recursively, and everything left
    over becomes a one-op `elementwise` kernel. The built-in families answer:

    - **embedding** (priority 0): `nn.embedding` + `nn.add_positions`, sums
      with other embedding trees (token types) and the norm that follows (the
      sum is a second result when it is used elsewhere, as in a pre-LN
      residual stream);
    - **attention** (10): `nn.attention` + the slices and RoPE rotations
      producing q, k and v, used by it alone;
    - **norm** (15): `nn.layer_norm` / `nn.rms_norm` + the point-wise ops
      producing its input (the residual add), whose result becomes a second
      kernel result when it is used elsewhere;
    - **gemm** (20 when its result feeds a unary point-wise op, else 30):
      `nn.linear` + the chain of point-wise ops consuming only its result
      (activation, the GLU gate multiply).

    With `fuse=false` every compute op becomes its own kernel.

    Kernel inputs are the values the region uses from outside (function
    arguments, `nn.weight` results, other kernels' results), deduplicated, in
    order of first use. Kernel results are the region values used outside, in
    the order of the ops producing them. Each kernel gets a unique `name`
    (`<kind>_<n>`, made canonical by `nn-dedup-kernels`) and a `NameLoc`
    carrying the instance name of its seed op (e.g. `layer3.mlp.up`).

    Before:
    ```mlir
    %h = nn.linear %x, %w, %b : (...) -> tensor<?x?x3072xf32>
    %g = nn.activation gelu_tanh %h : (...) -> tensor<?x?x3072xf32>
    ```
    After:
    ```mlir
    %g = nn.kernel "gemm_0" gemm (%x, %w, %b) : (...) -> tensor<?x?x3072xf32> {
    ^bb0(%a: ..., %c: ..., %d: ...):
      %0 = nn.linear %a, %c, %d : (...) -> tensor<?x?x3072xf32>
      %1 = nn.activation gelu_tanh %0 : (...) -> tensor<?x?x3072xf32>
      nn.yield %1 : tensor<?x?x3072xf32>
    } loc("layer0.mlp.up")
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
  let options = [
    Option<"fuse", "fuse", "bool", /*default=*/"true",
           "apply the fusion rules; false puts every compute op in its own "
           "kernel (-O0)">,
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Number of nn.kernel ops formed">,
    Statistic<"numFusedOps", "fused-ops", "Number of ops placed in kernels">,
  ];
}

def DedupKernels : Pass<"nn-dedup-kernels", "mlir::ModuleOp"> {
  let summary = "give structurally identical kernel regions one name";
  let description = [{
    Two `nn.kernel` ops whose regions are identical — same ops in the same
    order, same attributes, same types, same wiring of block arguments and
    values, same `kind` — compile to one Halide pipeline. This pass renames
    every kernel to a canonical name `k<i>_<kind>`, numbered in order of
    first occurrence, equal for equal regions. What the inputs are bound to
    (which weights, which activations) and locations do not matter.

    Before:
    ```mlir
    %1 = nn.kernel "gemm_3" gemm (%x, %w0) : ... { ... } loc("layer0.mlp.up")
    %2 = nn.kernel "gemm_9" gemm (%y, %w1) : ... { ... } loc("layer1.mlp.up")
    ```
    After:
    ```mlir
    %1 = nn.kernel "k0_gemm" gemm (%x, %w0) : ... { ... } loc("layer0.mlp.up")
    %2 = nn.kernel "k0_gemm" gemm (%y, %w1) : ... { ... } loc("layer1.mlp.up")
    ```
  }];
  let statistics = [
    Statistic<"numLaunches", "launches", "Number of nn.kernel ops">,
    Statistic<"numUnique", "unique-kernels", "Number of distinct kernel names">,
  ];
}

def PlanMemory : Pass<"nn-plan-memory", "mlir::ModuleOp"> {
  let summary = "place kernel results in one activation arena";
  let description = [{
    Computes, over the linear sequence of `nn.kernel` ops of each function,
    the live interval of every kernel result (from the kernel that produces
    it to its last user, both inclusive), and packs the results into one
    arena with the greedy-by-size / best-fit strategy (TFLite's
    `GreedyBySize`, Halide hannk's `AllocationPlanner`): largest buffer
    first, each into the smallest gap between buffers whose intervals
    overlap its own. Sizes and offsets are in floats per token — a result
    `[batch, seq, C]` needs `C` — so the plan holds for every batch and
    sequence length.

    Because intervals are inclusive, a kernel's results never overlap its
    inputs (kernels do not run in place). Results returned by `func.return`
    get offset `-1`: they are written to the caller's output buffer. The
    arena size is set as the module attribute `nn.arena_floats_per_token`
    (i64).

    Before:
    ```mlir
    %1 = nn.kernel "k0_norm" norm (%x, %g, %b) : ... -> tensor<?x?x768xf32> {...}
    %2 = nn.kernel "k1_gemm" gemm (%1, %w) : ... -> tensor<?x?x3072xf32> {...}
    ```
    After:
    ```mlir
    module attributes {nn.arena_floats_per_token = 3840 : i64} {
    %1 = nn.kernel "k0_norm" norm (%x, %g, %b) {arena_offsets = array<i64: 3072>} ...
    %2 = nn.kernel "k1_gemm" gemm (%1, %w) {arena_offsets = array<i64: 0>} ...
    ```
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark per function: arena size vs the naive sum and the "
           "peak of live sizes">,
  ];
  let statistics = [
    Statistic<"numBuffers", "buffers", "Number of kernel results placed in the arena">,
    Statistic<"arenaFloats", "arena-floats-per-token", "Planned arena size (floats per token)">,
    Statistic<"naiveFloats", "naive-floats-per-token", "Sum of all buffer sizes (floats per token)">,
    Statistic<"lowerBoundFloats", "peak-live-floats-per-token", "Largest total size live at one kernel (a lower bound)">,
  ];
}

//===----------------------------------------------------------------------===//
// Exact re-parameterizations (passes/reparam/): each rewrites weights only
// through weight expressions, and keeps the model's function to float
// rounding (test/numerics/exact-*.test compare with and without it).
//===----------------------------------------------------------------------===//

def FoldNormAffine : Pass<"nn-fold-norm-affine", "mlir::func::FuncOp"> {
  let summary = "fold a norm's gamma and beta into the linears that read it";
  let description = [{
    When every user of a `nn.layer_norm` / `nn.rms_norm` result is the input
    of an `nn.linear` (or `nn.gated_linear`), the norm's affine moves into
    them: `(n * gamma + beta) W + b = n (diag(gamma) W) + (beta W + b)`. The
    weight becomes `nn.weight.scale %W, %gamma {axis = 0}`, the bias
    `nn.weight.matmul %beta, %W` (plus the old bias), and the norm loses its
    affine operands. A norm whose result is also used otherwise (a post-LN
    residual stream, a model output) is left alone.

    Before:
    ```mlir
    %n = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (...) -> tensor<?x?x64xf32>
    %y = nn.linear %n, %w, %c : (...) -> tensor<?x?x256xf32>
    ```
    After:
    ```mlir
    %w2 = nn.weight.scale %w, %g {axis = 0 : i64} : (tensor<64x256xf32>, tensor<64xf32>) -> tensor<64x256xf32>
    %bw = nn.weight.matmul %b, %w : (tensor<64xf32>, tensor<64x256xf32>) -> tensor<256xf32>
    %c2 = nn.weight.add %c, %bw : (tensor<256xf32>, tensor<256xf32>) -> tensor<256xf32>
    %n = nn.layer_norm %x {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %y = nn.linear %n, %w2, %c2 : (...) -> tensor<?x?x256xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def RecenterStream : Pass<"nn-recenter-stream", "mlir::func::FuncOp"> {
  let summary = "LayerNorm -> RMSNorm by keeping the residual stream zero-mean";
  let description = [{
    Pre-RMSNorm (Jiang et al. 2023, "Pre-RMSNorm and Pre-CRMSNorm
    Transformers"): LayerNorm ignores the mean of its input, so the residual
    stream may be replaced by its centered version `x - mean(x)` without
    changing any LayerNorm's output; on a zero-mean input an affine-free
    LayerNorm *is* an RMSNorm. The stream is centered by centering every
    write into it: the embedding and position tables' rows and the output
    projections' columns and biases (`nn.weight.center`).

    The pass finds the largest set of values it may center: results of
    `nn.embedding`, `nn.add_positions` (input centered), `nn.add` (both
    operands centered) and `nn.linear`, each of whose users is the input of
    a `nn.layer_norm` or an add in the set. A set is centered only when an
    affine-free LayerNorm (nn-fold-norm-affine runs first) reads it; those
    become `nn.rms_norm`, LayerNorms that keep their affine stay (still
    exact). This holds for pre-LN models whose stream is read only by norms
    and residual adds (GPT-2); a post-LN stream (BERT: the norm's output is
    the stream), a stream returned or read by anything else, or an RMSNorm
    reading it (not shift-invariant) leaves the set empty.

    Before:
    ```mlir
    %e = nn.embedding %wte, %ids : (...) -> tensor<?x?x64xf32>
    %n = nn.layer_norm %e {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %c = nn.weight.center %wte {axis = 1 : i64} : (tensor<512x64xf32>) -> tensor<512x64xf32>
    %e = nn.embedding %c, %ids : (...) -> tensor<?x?x64xf32>
    %n = nn.rms_norm %e {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def FoldScales : Pass<"nn-fold-scales", "mlir::func::FuncOp"> {
  let summary = "fold constant scales into the weights they multiply";
  let description = [{
    Attention's score scale moves into the query projection:
    `softmax((s q) k^T)` with `q = x W_q + b_q` is
    `softmax((x (s W_q) + s b_q) k^T)`. The query may pass through
    `nn.rope` (linear in its input) and be a slice of a fused qkv projection
    (then only the query's columns are scaled, and the other slices must not
    overlap them); every value on the way must have no other use. The
    attention's `scale` becomes 1.

    Before:
    ```mlir
    %q = nn.linear %x, %wq : (...) -> tensor<?x?x64xf32>
    %r = nn.rope half %q {heads = 4 : i64, theta = 1.0e+04 : f32} : (...) -> tensor<?x?x64xf32>
    %o = nn.attention %r, %k, %v {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 2.500000e-01 : f32} : (...) -> tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %wq2 = nn.weight.mul_scalar %wq {value = 2.500000e-01 : f32} : (tensor<64x64xf32>) -> tensor<64x64xf32>
    %q = nn.linear %x, %wq2 : (...) -> tensor<?x?x64xf32>
    %r = nn.rope half %q {heads = 4 : i64, theta = 1.0e+04 : f32} : (...) -> tensor<?x?x64xf32>
    %o = nn.attention %r, %k, %v {causal = true, heads = 4 : i64, kv_heads = 4 : i64, scale = 1.000000e+00 : f32} : (...) -> tensor<?x?x64xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def MergeBranches : Pass<"nn-merge-branches", "mlir::func::FuncOp"> {
  let summary = "merge parallel linear branches of one input into one linear";
  let description = [{
    Structural re-parameterization: `x W1 + b1 + x W2 + b2` (an `nn.add`
    whose operands are linears of one input, each used only there) is
    `x (W1 + W2) + (b1 + b2)`. A branch may also be a chain of linears
    with nothing between them (`(x A) B`, the form of a LoRA adapter
    `x W + x A B`): its weight is the product `A B`. Sums of more than two
    branches merge pairwise. A merge is made only when it lowers FLOPs, and,
    unless `allow-weight-growth`, only when no merged weight stays in use
    elsewhere (per-loop LoRA on a weight shared across loop iterations gives
    every iteration its own merged copy; with the option the pass does it
    and reports the bytes the weights grow by).

    Before:
    ```mlir
    %a = nn.linear %x, %w1 : (...) -> tensor<?x?x64xf32>
    %l = nn.linear %x, %la : (...) -> tensor<?x?x4xf32>
    %b = nn.linear %l, %lb : (...) -> tensor<?x?x64xf32>
    %y = nn.add %a, %b : (...) -> tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %ab = nn.weight.matmul %la, %lb : (tensor<64x4xf32>, tensor<4x64xf32>) -> tensor<64x64xf32>
    %w = nn.weight.add %w1, %ab : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %y = nn.linear %x, %w : (...) -> tensor<?x?x64xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
  let options = [
    Option<"allowWeightGrowth", "allow-weight-growth", "bool",
           /*default=*/"false",
           "also merge into a weight that stays in use elsewhere (a copy per "
           "merge: per-loop LoRA), reporting the bytes added">,
  ];
}

def MergeQkv : Pass<"nn-merge-qkv", "mlir::func::FuncOp"> {
  let summary = "merge an attention's q, k and v projections into one GEMM";
  let description = [{
    The linears producing an `nn.attention`'s or `nn.linear_attention`'s
    query, key and value (through `nn.rope`), when two or more of them read
    one input and are used only
    there, become one `nn.linear` with the weights (and biases) concatenated
    along the output axis, followed by `nn.slice`s. The attention kernel
    takes the slices in, so the three GEMMs become one GEMM kernel and the
    attention reads the qkv tensor once. Missing biases are zeros when
    others have one.

    Before:
    ```mlir
    %q = nn.linear %x, %wq : (...) -> tensor<?x?x64xf32>
    %k = nn.linear %x, %wk : (...) -> tensor<?x?x16xf32>
    %v = nn.linear %x, %wv : (...) -> tensor<?x?x16xf32>
    ```
    After:
    ```mlir
    %w = nn.weight.concat %wq, %wk, %wv {axis = 1 : i64} : (...) -> tensor<64x96xf32>
    %qkv = nn.linear %x, %w : (...) -> tensor<?x?x96xf32>
    %q = nn.slice %qkv[0] : (tensor<?x?x96xf32>) -> tensor<?x?x64xf32>
    %k = nn.slice %qkv[64] : (tensor<?x?x96xf32>) -> tensor<?x?x16xf32>
    %v = nn.slice %qkv[80] : (tensor<?x?x96xf32>) -> tensor<?x?x16xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def MergeGlu : Pass<"nn-merge-glu", "mlir::func::FuncOp"> {
  let summary = "merge a GLU's gate and up projections into one gated GEMM";
  let description = [{
    `act(x W_g + b_g) * (x W_u + b_u)`, with both linears of one input and
    every intermediate used only there, becomes one `nn.gated_linear` over
    the weight `[W_g | W_u]`. Codegen packs the two halves panel by panel
    side by side, so one GEMM tile computes matching gate and up columns and
    its epilogue applies `act(gate) * up` in registers: one kernel instead
    of two, `x` read once, the up projection's result never written.

    Before:
    ```mlir
    %u = nn.linear %x, %wu : (...) -> tensor<?x?x160xf32>
    %g = nn.linear %x, %wg : (...) -> tensor<?x?x160xf32>
    %a = nn.activation silu %g : (...) -> tensor<?x?x160xf32>
    %h = nn.mul %a, %u : (...) -> tensor<?x?x160xf32>
    ```
    After:
    ```mlir
    %w = nn.weight.concat %wg, %wu {axis = 1 : i64} : (tensor<64x160xf32>, tensor<64x160xf32>) -> tensor<64x320xf32>
    %h = nn.gated_linear silu %x, %w : (tensor<?x?x64xf32>, tensor<64x320xf32>) -> tensor<?x?x160xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def MergeLinears : Pass<"nn-merge-linears", "mlir::func::FuncOp"> {
  let summary = "merge consecutive linears with nothing between them";
  let description = [{
    `(x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2)` when the first
    linear's result is used only by the second and the merged GEMM has
    fewer FLOPs (`K N < K M + M N` for `W1 [K, M]`, `W2 [M, N]`: a
    low-rank pair is left factored).

    Before:
    ```mlir
    %h = nn.linear %x, %w1, %b1 : (...) -> tensor<?x?x128xf32>
    %y = nn.linear %h, %w2 : (...) -> tensor<?x?x16xf32>
    ```
    After:
    ```mlir
    %w = nn.weight.matmul %w1, %w2 : (tensor<64x128xf32>, tensor<128x16xf32>) -> tensor<64x16xf32>
    %b = nn.weight.matmul %b1, %w2 : (tensor<128xf32>, tensor<128x16xf32>) -> tensor<16xf32>
    %y = nn.linear %x, %w, %b : (...) -> tensor<?x?x16xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def FoldBatchNorm : Pass<"nn-fold-batch-norm", "mlir::func::FuncOp"> {
  let summary = "fold an inference BatchNorm (or RepBN) into the adjacent linear";
  let description = [{
    An `nn.batch_norm` is one per-channel affine for every token, `x k + t`
    with `k = gamma / sqrt(var + eps)` (plus RepBN's `alpha`) and
    `t = beta - mean gamma / sqrt(var + eps)` (`nn.weight.bn_scale`,
    `nn.weight.bn_shift`). When every user of the norm is the input of a
    GEMM (`nn.linear`, `nn.gated_linear`), it folds into them,
    `(x k + t) W + b = x (diag(k) W) + (t W + b)`; otherwise, when its input
    is a linear used by the norm alone, into that linear,
    `(x W + b) k + t = x (W diag(k)) + (b k + t)`. The norm disappears.

    Before:
    ```mlir
    %n = nn.batch_norm %x, %g, %b, %mean, %var {epsilon = 1.0e-05 : f32} : (...) -> tensor<?x?x64xf32>
    %y = nn.linear %n, %w : (tensor<?x?x64xf32>, tensor<64x256xf32>) -> tensor<?x?x256xf32>
    ```
    After:
    ```mlir
    %k = nn.weight.bn_scale %g, %var {epsilon = 1.0e-05 : f32} : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %t = nn.weight.bn_shift %b, %mean, %g, %var {epsilon = 1.0e-05 : f32} : (...) -> tensor<64xf32>
    %tw = nn.weight.matmul %t, %w : (tensor<64xf32>, tensor<64x256xf32>) -> tensor<256xf32>
    %w2 = nn.weight.scale %w, %k {axis = 0 : i64} : (tensor<64x256xf32>, tensor<64xf32>) -> tensor<64x256xf32>
    %y = nn.linear %x, %w2, %tw : (...) -> tensor<?x?x256xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def MergeLora : Pass<"nn-merge-lora", "mlir::func::FuncOp"> {
  let summary = "merge a LoRA adapter into its base weight";
  let description = [{
    `nn.lora_linear %x, %w, %bias, %xa, %b {scale = s}` with `%xa` a
    bias-free `nn.linear` of `%x` by A, used only there, is
    `x (W + s A B) + bias`: one `nn.linear` over the merged weight, always
    fewer FLOPs than the adapter. Unless `allow-weight-growth`, only when W
    has no other use: per-loop LoRA shares W between the passes of a loop,
    each with its own A and B, and merging gives every pass its own copy of
    W; with the option the pass does it and reports the bytes the weights
    grow by (a remark).

    Before:
    ```mlir
    %xa = nn.linear %x, %a : (tensor<?x?x64xf32>, tensor<64x8xf32>) -> tensor<?x?x8xf32>
    %y = nn.lora_linear %x, %w, %bias, %xa, %b {scale = 5.000000e-01 : f32} : (...) -> tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %ab = nn.weight.matmul %a, %b : (tensor<64x8xf32>, tensor<8x64xf32>) -> tensor<64x64xf32>
    %sab = nn.weight.mul_scalar %ab {value = 5.000000e-01 : f32} : (tensor<64x64xf32>) -> tensor<64x64xf32>
    %w2 = nn.weight.add %w, %sab : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
    %y = nn.linear %x, %w2, %bias : (...) -> tensor<?x?x64xf32>
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
  let options = [
    Option<"allowWeightGrowth", "allow-weight-growth", "bool",
           /*default=*/"false",
           "also merge into a weight shared with other adapters (per-loop "
           "LoRA: one merged copy per pass), reporting the bytes added">,
  ];
}

//===----------------------------------------------------------------------===//
// Approximate passes: only when asked (modelc compile --drop-layers, ...),
// each with a report (docs/passes.md "Approximate passes")
//===----------------------------------------------------------------------===//

def DropLayers : Pass<"nn-drop-layers", "mlir::func::FuncOp"> {
  let summary = "drop residual layers by index";
  let description = [{
    Every op whose instance name is `layerN` or `layerN.*` (the frontend's
    names) belongs to layer N. A dropped layer must read one activation
    from outside (the stream) and yield one of the same type; its users then
    read the stream it was given, and its ops and weights are erased. An
    index that is not a layer, dropping every layer, or a layer with more
    inputs or outputs is an error.

    Before (`layers=1`):
    ```mlir
    %a = nn.linear %x, %w0 : (...) -> tensor<?x?x64xf32> loc("layer0.mlp.up")
    %b = nn.add %x, %a : (...) -> tensor<?x?x64xf32> loc("layer0.mlp.residual")
    %c = nn.linear %b, %w1 : (...) -> tensor<?x?x64xf32> loc("layer1.mlp.up")
    %d = nn.add %b, %c : (...) -> tensor<?x?x64xf32> loc("layer1.mlp.residual")
    return %d
    ```
    After:
    ```mlir
    %a = nn.linear %x, %w0 : (...) -> tensor<?x?x64xf32> loc("layer0.mlp.up")
    %b = nn.add %x, %a : (...) -> tensor<?x?x64xf32> loc("layer0.mlp.residual")
    return %b
    ```
  }];
  let options = [
    ListOption<"layers", "layers", "int64_t", "indices of the layers to drop">,
  ];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def ExposeLayerStreams : Pass<"nn-expose-layer-streams", "mlir::func::FuncOp"> {
  let summary = "return the streams entering and leaving every layer";
  let description = [{
    The calibration probe of `modelc compile --drop-layers=angular:N`: the
    function returns, instead of its results, the stream each residual
    layer reads and the one it yields (layers as in `nn-drop-layers`),
    named `layerN.input` and `layerN.output`; a stream that is several
    layers' boundary is returned once, with their names joined by commas
    (`layer0.output,layer1.input`). The library built from it runs on the calibration
    input, and the angular distance between each layer's two streams is the
    layer's importance. What only the old results read (the head) is
    erased. A layer that reads or yields more than one activation is an
    error. With `linear-inputs`, the input of every `nn.linear` is returned
    too, named `<instance>.input` (`layer0.mlp.down.input`): the
    activations whose channel energies score neurons and heads for
    `--prune-score=activation`.

    Before:
    ```mlir
    %b = nn.add %x, %a : (...) -> tensor<?x?x64xf32> loc("layer0.mlp.residual")
    %d = nn.add %b, %c : (...) -> tensor<?x?x64xf32> loc("layer1.mlp.residual")
    %y = nn.linear %d, %head : (...) -> tensor<?x?x100xf32> loc("head")
    return %y
    ```
    After:
    ```mlir
    return %x, %b, %d : ... // layer0.input, layer0.output,layer1.input,
                            // layer1.output
    ```
  }];
  let options = [
    Option<"linearInputs", "linear-inputs", "bool", /*default=*/"false",
           "also return the input of every nn.linear">,
  ];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def PruneNeurons : Pass<"nn-prune-neurons", "mlir::func::FuncOp"> {
  let summary = "prune MLP neurons by weight magnitude or measured activation";
  let description = [{
    In every MLP, `down(act(up x))` or `down(act(gate x) * up x)`, the
    hidden units are scored by the squared norm of their weights (up and
    gate columns plus the down row, `nn.weight.sq_norms` summed) and
    `round(ratio * hidden)` of the lowest are removed: the up and gate
    weights and biases keep the selected columns, the down weight the
    selected rows (`nn.weight.select_top`, evaluated from the data when the
    weights are written). With `count` instead of `ratio`, that many go from
    each MLP. With `global`, the ratio (or count) is of all the MLPs'
    neurons together: the lowest-scored of them all go, so each MLP keeps
    as many as rank above that line (ties: the lower layer and index stay);
    that reads the scores, which only `modelc compile` has. With
    `activation`, a neuron's score is instead its measured activation
    energy on a calibration input times the squared norm of its down row
    (a structured Wanda score: `nn.weight.scale` of the down row norms by
    the stored tensor `calib:<down>:input_sq_norms`, which
    `modelc compile --prune-score=activation --calib` measures). A ratio
    outside [0, 1), a negative count, both, or a pruning that removes every
    neuron of an MLP is an error.

    Before (`ratio=0.25`):
    ```mlir
    %h = nn.linear %x, %up, %b : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    %a = nn.activation gelu %h : (tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    %y = nn.linear %a, %down : (tensor<?x?x256xf32>, tensor<256x64xf32>) -> tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %s0 = nn.weight.sq_norms %up {axis = 1 : i64} : (tensor<64x256xf32>) -> tensor<256xf32>
    %s1 = nn.weight.sq_norms %down {axis = 0 : i64} : (tensor<256x64xf32>) -> tensor<256xf32>
    %s = nn.weight.add %s0, %s1 : (tensor<256xf32>, tensor<256xf32>) -> tensor<256xf32>
    %up2 = nn.weight.select_top %up, %s {axis = 1 : i64, group = 1 : i64} : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x192xf32>
    %b2 = nn.weight.select_top %b, %s {axis = 0 : i64, group = 1 : i64} : (tensor<256xf32>, tensor<256xf32>) -> tensor<192xf32>
    %down2 = nn.weight.select_top %down, %s {axis = 0 : i64, group = 1 : i64} : (tensor<256x64xf32>, tensor<256xf32>) -> tensor<192x64xf32>
    %h = nn.linear %x, %up2, %b2 : (tensor<?x?x64xf32>, tensor<64x192xf32>, tensor<192xf32>) -> tensor<?x?x192xf32>
    %a = nn.activation gelu %h : (tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
    %y = nn.linear %a, %down2 : (tensor<?x?x192xf32>, tensor<192x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let options = [
    Option<"ratio", "ratio", "double", /*default=*/"0.0",
           "the fraction of each MLP's neurons to remove, in [0, 1)">,
    Option<"count", "count", "int64_t", /*default=*/"0",
           "instead of a ratio: how many neurons each MLP loses">,
    Option<"global", "global", "bool", /*default=*/"false",
           "the ratio or count is of all the MLPs' neurons together (needs "
           "the weights: modelc compile)">,
    Option<"activation", "activation", "bool", /*default=*/"false",
           "score by the down projection's measured input energy times its "
           "row norms (calib:<down>:input_sq_norms tensors)">,
  ];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def PruneHeads : Pass<"nn-prune-heads", "mlir::func::FuncOp"> {
  let summary = "prune attention heads by weight magnitude or measured activation";
  let description = [{
    In every `nn.attention` (no talking heads or value residual: those
    are left whole, with a warning) whose q, k, v are projections
    (separate, or the three slices of one fused projection), through
    `nn.rope` or not, and whose result only the output projection reads,
    each head is scored by the squared norm of its weights (its head_dim
    columns of q, k and v, its rows of the output projection) and
    `round(ratio * heads)` of the lowest are removed (`nn.weight.select_top`
    with `group` = head_dim); the attention, the ropes and the slices get
    the new head count and offsets. Grouped-query attention keeps its k and
    v heads: its query heads are scored by their q columns and output rows,
    and each KV group loses `round(ratio * heads / kv_heads)` of its own
    (`segments` = kv_heads); a count must be a multiple of kv_heads. A
    head's memory slots, ALiBi slope (chosen from the weights: `modelc
    compile` only) and column of Swin's relative-bias table go with it.
    With `count` instead of `ratio`, that many go from each attention; with
    `global`, the ratio (or count) is of all the attentions' heads ranked
    together by their scores (ties: the earlier attention and lower index
    stay; grouped-query attention in units of one query head per KV group),
    which reads the weights (only `modelc compile` has them). With `activation`, a head's score is
    instead the measured energy of its output channels on a calibration
    input times the squared norms of its output-projection rows
    (`calib:<out>:input_sq_norms`, as for `nn-prune-neurons`). A ratio
    outside [0, 1), a negative count, both, or a pruning that removes every
    head of an attention is an error.

    Before (`ratio=0.5`):
    ```mlir
    %q = nn.linear %x, %wq : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
    ...
    %o = nn.attention %q, %k, %v {heads = 4 : i64, kv_heads = 4 : i64, ...} : (...) -> tensor<?x?x64xf32>
    %y = nn.linear %o, %wo : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %wq2 = nn.weight.select_top %wq, %s {axis = 1 : i64, group = 16 : i64} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x32xf32>
    %q = nn.linear %x, %wq2 : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
    ...
    %o = nn.attention %q, %k, %v {heads = 2 : i64, kv_heads = 2 : i64, ...} : (...) -> tensor<?x?x32xf32>
    %y = nn.linear %o, %wo2 : (tensor<?x?x32xf32>, tensor<32x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let options = [
    Option<"ratio", "ratio", "double", /*default=*/"0.0",
           "the fraction of each attention's heads to remove, in [0, 1)">,
    Option<"count", "count", "int64_t", /*default=*/"0",
           "instead of a ratio: how many heads each attention loses">,
    Option<"global", "global", "bool", /*default=*/"false",
           "the ratio or count is of all the attentions' heads together "
           "(needs the weights: modelc compile)">,
    Option<"activation", "activation", "bool", /*default=*/"false",
           "score by the output projection's measured input energy times "
           "its row norms (calib:<out>:input_sq_norms tensors)">,
  ];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def FactorLinears : Pass<"nn-factor-linears", "mlir::func::FuncOp"> {
  let summary = "low-rank factorisation of linears by truncated SVD";
  let description = [{
    `x W + b` becomes `(x A) B + b` with `A = U_r S_r^(1/2)`, `B = S_r^(1/2)
    V_r^T` from the SVD of `W` (`nn.weight.svd_factor`, computed when the
    weights are written): the best rank-`r` approximation. Applied to every
    linear whose instance name matches the glob `match` and for which it
    lowers FLOPs, `r (K + N) < K N`; `nn-merge-linears` leaves such a pair
    factored. With `energy` instead of `rank`, each linear gets the smallest
    rank whose singular values keep that fraction of their squared sum; that
    reads the weights, which only `modelc compile` has.

    Before (`rank=16`):
    ```mlir
    %y = nn.linear %x, %w, %b : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    ```
    After:
    ```mlir
    %a = nn.weight.svd_factor left %w : (tensor<64x256xf32>) -> tensor<64x16xf32>
    %c = nn.weight.svd_factor right %w : (tensor<64x256xf32>) -> tensor<16x256xf32>
    %h = nn.linear %x, %a : (tensor<?x?x64xf32>, tensor<64x16xf32>) -> tensor<?x?x16xf32>
    %y = nn.linear %h, %c, %b : (tensor<?x?x16xf32>, tensor<16x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    ```
  }];
  let options = [
    Option<"rank", "rank", "int64_t", /*default=*/"0",
           "the rank of the factorisation (0: none)">,
    Option<"energy", "energy", "double", /*default=*/"0.0",
           "instead of a rank: the smallest one whose singular values keep "
           "this fraction of the squared sum, per linear (needs the weights: "
           "modelc compile)">,
    Option<"match", "match", "std::string", /*default=*/"\"*\"",
           "a glob over the instance names of the linears to factor">,
  ];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

def QuantizeWeights : Pass<"nn-quantize-weights", "mlir::func::FuncOp"> {
  let summary = "weight-only int8: linears read int8 weights, compute in f32";
  let description = [{
    Every nn.linear whose instance name matches the glob `match` becomes an
    nn.int8_linear (an nn.gated_linear an nn.int8_gated_linear): its weight
    is stored as int8 (`nn.weight.quantize_int8`)
    with one f32 scale per output column and group of `group` input rows
    (`nn.weight.int8_scales`; `group = 0`: the whole column), symmetric,
    round to nearest. The GEMM reads a quarter of the weight bytes and
    computes in f32. It runs after the exact passes (on the merged QKV and
    the folded weights). An nn.lora_linear (per-loop LoRA) becomes an
    nn.int8_lora_linear: its shared base weight int8, its adapters f32 (the
    linear computing x A is left as it is). An nn.moe's and an
    nn.switch_linear's stacked expert weights become int8 with their scales
    as operands, grouped within an expert. Each weight is rounded once, so
    the passes of a loop share one int8 copy.
    A `group` that does not divide a matched linear's input width is an
    error.

    Before (`group=0`):
    ```mlir
    %y = nn.linear %x, %w, %b : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    ```
    After:
    ```mlir
    %q = nn.weight.quantize_int8 %w {group = 64 : i64} : (tensor<64x256xf32>) -> tensor<64x256xi8>
    %s = nn.weight.int8_scales %w {group = 64 : i64} : (tensor<64x256xf32>) -> tensor<1x256xf32>
    %y = nn.int8_linear %x, %q, %s, %b : (tensor<?x?x64xf32>, tensor<64x256xi8>, tensor<1x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    ```
  }];
  let options = [
    Option<"group", "group", "int64_t", /*default=*/"0",
           "input rows per scale (0: one scale per output column)">,
    Option<"match", "match", "std::string", /*default=*/"\"*\"",
           "a glob over the instance names of the linears to quantize">,
  ];
  let dependentDialects = ["::modelc::nn::NNDialect"];
}

#endif // MODELC_PASSES
