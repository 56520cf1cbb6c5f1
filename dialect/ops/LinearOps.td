//===- LinearOps.td - projections (the GEMM family) -*- tablegen -*-===//
#ifndef MODELC_NN_LINEAR_OPS
#define MODELC_NN_LINEAR_OPS

include "dialect/ops/Base.td"

// The fusion methods (NN_SeedMethods) of a GEMM-class op, written once for
// an f32 op and its int8 twin: a kernel seed of class gemm that takes the
// point-wise ops after it as its epilogue. `priority` and `producer` are the
// C++ bodies of getSeedPriority and absorbsProducer.
class NN_GemmSeed<string priority, string producer> {
  code definitions = !strconcat([{
    FusionKind $cppClass::getFusionKind() { return FusionKind::Opaque; }
    std::optional<KernelClass> $cppClass::getSeedClass() {
      return KernelClass::gemm;
    }
    int $cppClass::getSeedPriority() { return }], priority, [{; }
    Absorb $cppClass::absorbsProducer(::mlir::OpOperand &,
                                      ::mlir::Operation *producer) {
      return }], producer, [{;
    }
    Absorb $cppClass::absorbsConsumer(::mlir::Value,
                                      ::mlir::Operation *consumer) {
      return exclusiveIfPointwise(consumer);
    }
  }]);
}
// A plain GEMM also takes its prologue ops (NN_GemmPrologue) before it.
defvar NN_PlainGemmSeed = NN_GemmSeed<"gemmSeedPriority(getResult())",
                                      "gemmAbsorbsProducer(producer)">;
// A LoRA GEMM takes no prologue: its input also feeds the x A GEMM.
defvar NN_LoraGemmSeed = NN_GemmSeed<"gemmSeedPriority(getResult())",
                                     "Absorb::No">;
// A gated GEMM has its activation and gate product inside already.
defvar NN_GatedGemmSeed = NN_GemmSeed<"20", "gemmAbsorbsProducer(producer)">;

def NN_LinearOp : NN_ComputeOp<"linear", [], NN_SeedMethods,
                                 ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "x W + b over the channel axis";
  let extraClassDefinition = NN_PlainGemmSeed.definitions;
  let description = [{
    `result[b, s, n] = sum_k input[b, s, k] * weight[k, n] (+ bias[n])`.
    The weight is `[in, out]`.

    ```mlir
    %y = nn.linear %x, %w, %b : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Matrix:$weight,
                       Optional<NN_Vector>:$bias);
  let results = (outs NN_Activations:$result);
}

def NN_LoraLinearOp : NN_ComputeOp<"lora_linear", [], NN_SeedMethods,
                                     ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "x W + b with a low-rank term: + scale (x A) B";
  let extraClassDefinition = NN_LoraGemmSeed.definitions;
  let description = [{
    `result[b, s, n] = sum_k input[b, s, k] * weight[k, n] (+ bias[n])
    + scale * sum_j low_rank_input[b, s, j] * low_rank_weight[j, n]`.
    `low_rank_input` is `x A` (an `nn.linear` of the same input by the
    `[in, rank]` LoRA matrix A), `low_rank_weight` is B, `[rank, out]`:
    W + scale A B applied without forming it, the low-rank product added
    inside the GEMM's output tile (per-loop LoRA shares W between the passes
    of a loop, each pass with its own A and B).

    ```mlir
    %xa = nn.linear %x, %a : (tensor<?x?x64xf32>, tensor<64x8xf32>) -> tensor<?x?x8xf32>
    %y = nn.lora_linear %x, %w, %bias, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<?x?x8xf32>, tensor<8x256xf32>) -> tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Matrix:$weight,
                       Optional<NN_Vector>:$bias,
                       NN_Activations:$low_rank_input,
                       NN_Matrix:$low_rank_weight, F32Attr:$scale);
  let results = (outs NN_Activations:$result);
}

def NN_GatedLinearOp : NN_ComputeOp<"gated_linear", [], NN_SeedMethods,
                                    ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "a GLU's gate and up projections as one GEMM";
  let extraClassDefinition = NN_GatedGemmSeed.definitions;
  let description = [{
    `act(x W_gate + b_gate) * (x W_up + b_up)` with the weight
    `[W_gate | W_up]` (`[in, 2 hidden]`, the gate's columns first) and the
    bias `[b_gate | b_up]`; the result has `hidden` channels. nn-merge-glu
    builds it from the two linears, the activation and the product of a GLU;
    codegen packs the gate and up columns panel by panel side by side, so
    one GEMM tile computes both and applies `act(gate) * up` in registers.

    ```mlir
    %h = nn.gated_linear silu %x, %w : (tensor<?x?x512xf32>, tensor<512x2816xf32>) -> tensor<?x?x1408xf32>
    ```
  }];
  let arguments = (ins NN_Activation:$activation, NN_Activations:$input,
                       NN_Matrix:$weight, Optional<NN_Vector>:$bias);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $activation $input `,` $weight (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The channels of the result (half the weight's columns).
    int64_t getHidden();
  }];
}

def NN_Int8LinearOp : NN_ComputeOp<"int8_linear", [], NN_SeedMethods,
                                    ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "x W + b with W stored as int8 and per-group scales";
  let extraClassDefinition = NN_PlainGemmSeed.definitions;
  let description = [{
    `result[b, s, n] = sum_k input[b, s, k] * weight[k, n] * scales[k / G, n]
    (+ bias[n])` with `G = K / rows(scales)` (one row of scales: one scale
    per output column). The weight is read as int8 and the products are
    computed in f32 (weight-only int8, nn-quantize-weights).

    ```mlir
    %y = nn.int8_linear %x, %q, %s, %b : (tensor<?x?x64xf32>, tensor<64x256xi8>, tensor<1x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Int8Matrix:$weight,
                       NN_Matrix:$scales, Optional<NN_Vector>:$bias);
  let results = (outs NN_Activations:$result);
  let extraClassDeclaration = [{
    /// The rows of the weight that share one row of scales.
    int64_t getGroup();
  }];
}

def NN_Int8GatedLinearOp : NN_ComputeOp<"int8_gated_linear", [], NN_SeedMethods,
                                         ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "nn.gated_linear with its weight stored as int8 and f32 scales";
  let extraClassDefinition = NN_GatedGemmSeed.definitions;
  let description = [{
    `act(x W_gate + b_gate) * (x W_up + b_up)` as `nn.gated_linear`, with
    `W = [W_gate | W_up]` (`[in, 2 hidden]`) read as int8 and scaled per
    column and group of `G = K / rows(scales)` input rows by `scales`
    (`[K / G, 2 hidden]`): weight-only int8 of a merged GLU
    (nn-quantize-weights).

    ```mlir
    %h = nn.int8_gated_linear silu %x, %q, %s : (tensor<?x?x64xf32>, tensor<64x256xi8>, tensor<1x256xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins NN_Activation:$activation, NN_Activations:$input,
                       NN_Int8Matrix:$weight, NN_Matrix:$scales,
                       Optional<NN_Vector>:$bias);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $activation $input `,` $weight `,` $scales (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The channels of the result (half the weight's columns).
    int64_t getHidden();
    /// The rows of the weight that share one row of scales.
    int64_t getGroup();
  }];
}

def NN_Int8LoraLinearOp : NN_ComputeOp<"int8_lora_linear", [], NN_SeedMethods,
                                        ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "nn.lora_linear with its base weight stored as int8 and f32 scales";
  let extraClassDefinition = NN_LoraGemmSeed.definitions;
  let description = [{
    `result = x (q s) (+ bias) + scale (x A) B` as `nn.lora_linear`, with
    the shared base weight `W[k][n] = weight[k][n] * scales[k / G][n]` read as
    int8 (`G = K / rows(scales)`) and the low-rank term in f32: weight-only
    int8 of a per-loop LoRA projection (nn-quantize-weights), whose adapters
    stay f32.

    ```mlir
    %y = nn.int8_lora_linear %x, %q, %s, %xa, %b {scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<64x256xi8>, tensor<1x256xf32>, tensor<?x?x8xf32>, tensor<8x256xf32>) -> tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Int8Matrix:$weight,
                       NN_Matrix:$scales, Optional<NN_Vector>:$bias,
                       NN_Activations:$low_rank_input,
                       NN_Matrix:$low_rank_weight, F32Attr:$scale);
  let results = (outs NN_Activations:$result);
  let extraClassDeclaration = [{
    /// The rows of the weight that share one row of scales.
    int64_t getGroup();
  }];
}

#endif // MODELC_NN_LINEAR_OPS
