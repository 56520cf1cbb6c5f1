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

#endif // MODELC_NN_LINEAR_OPS
