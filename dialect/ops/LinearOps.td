//===- LinearOps.td - projections (the GEMM family) -*- tablegen -*-===//
#ifndef MODELC_NN_LINEAR_OPS
#define MODELC_NN_LINEAR_OPS

include "dialect/ops/Base.td"

def NN_LinearOp : NN_ComputeOp<"linear", [], NN_SeedMethods,
                                 ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "x W + b over the channel axis";
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

def NN_GatedLinearOp : NN_ComputeOp<"gated_linear", [], NN_SeedMethods,
                                    ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "a GLU's gate and up projections as one GEMM";
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

#endif // MODELC_NN_LINEAR_OPS
