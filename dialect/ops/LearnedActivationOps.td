//===- LearnedActivationOps.td - activations with weights -*- tablegen -*-===//
//
// The channel mixers' learned activations: KAT's group-wise rational and the
// polynomial composition activations (PolyReLU, PolyNorm). Each fuses into
// the GEMM beside it: the point-wise ones as its epilogue, and those with the
// NN_GemmPrologue trait also as the prologue of the GEMM that reads them
// (computed once per call inside that GEMM's kernel).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_NN_LEARNED_ACTIVATION_OPS
#define MODELC_NN_LEARNED_ACTIVATION_OPS

include "dialect/ops/Base.td"

def NN_RationalOp : NN_SameTypeOp<"rational", [NN_GemmPrologue], ["getFusionKind"],
                                  ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "group-wise rational P(x) / (1 + |b1 x| + ... + |bn x^n|)";
  let description = [{
    The group-rational activation of the Kolmogorov-Arnold Transformer (KAT,
    Yang and Wang 2024), as its `rational_kat_cu` kernel computes it: the
    channels are split into `G` equal groups (the denominator's rows); for
    channel `c` of group `g = c / (C / G)`

    `result = (a[g,0] + a[g,1] x + ... + a[g,m] x^m) / (1 + |b[g,0]| |x| + ... + |b[g,n-1]| |x|^n)`

    with the numerator `a` `[G, m + 1]`, or `[1, m + 1]` shared by every
    group, and the denominator `b` `[G, n]` (KAT: m = 5, n = 4).

    ```mlir
    %y = nn.rational %x, %a, %b : (tensor<?x?x768xf32>, tensor<1x6xf32>, tensor<8x4xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Matrix:$numerator,
                       NN_Matrix:$denominator);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $input `,` $numerator `,` $denominator attr-dict `:`
    functional-type(operands, results)
  }];
}

def NN_PolyReluOp : NN_SameTypeOp<"poly_relu", [], ["getFusionKind"],
                                  ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "PolyReLU: w[0] relu(x)^r + ... + w[r-1] relu(x) + bias";
  let description = [{
    The PolyReLU activation of "Polynomial Composition Activations" (Zhuo et
    al. 2025), in the official code's coefficient order (the highest power
    first): with `weight` `[r]` and `bias` `[1]`,

    `result = sum_{j < r} weight[j] relu(x)^(r - j) + bias[0]`.

    ```mlir
    %y = nn.poly_relu %x, %w, %b : (tensor<?x?x3072xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$weight,
                       NN_Vector:$bias);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:`
    functional-type(operands, results)
  }];
}

def NN_PolyNormOp : NN_SameTypeOp<"poly_norm", [NN_GemmPrologue], ["getFusionKind"],
                                  ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "PolyNorm: w[0] norm(x^r) + ... + w[r-1] norm(x) + bias";
  let description = [{
    The PolyNorm activation of "Polynomial Composition Activations" (Zhuo et
    al. 2025), in the official code's coefficient order: with `weight` `[r]`,
    `bias` `[1]` and `norm(z) = z / sqrt(mean_c(z^2) + epsilon)` over the
    channels of each token,

    `result = sum_{j < r} weight[j] norm(x^(r - j)) + bias[0]`.

    A row operation: it fuses as the prologue of the GEMM reading it.

    ```mlir
    %y = nn.poly_norm %x, %w, %b {epsilon = 1.0e-06 : f32} : (tensor<?x?x3072xf32>, tensor<3xf32>, tensor<1xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$weight,
                       NN_Vector:$bias, F32Attr:$epsilon);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // MODELC_NN_LEARNED_ACTIVATION_OPS
