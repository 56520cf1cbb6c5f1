//===- NormOps.td - norms over the channel axis -*- tablegen -*-===//
#ifndef MODELC_NN_NORM_OPS
#define MODELC_NN_NORM_OPS

include "dialect/ops/Base.td"

def NN_LayerNormOp : NN_SameTypeOp<"layer_norm", [], NN_SeedMethods,
                                    ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "LayerNorm over the channel axis";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * gamma + beta` with the biased variance.

    ```mlir
    %y = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$gamma,
                       NN_Vector:$beta, F32Attr:$epsilon);
  let results = (outs NN_Activations:$result);
}

def NN_RMSNormOp : NN_SameTypeOp<"rms_norm", [], NN_SeedMethods,
                                 ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "RMSNorm over the channel axis";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * gamma`.

    ```mlir
    %y = nn.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x512xf32>, tensor<512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$gamma,
                       F32Attr:$epsilon);
  let results = (outs NN_Activations:$result);
}

#endif // MODELC_NN_NORM_OPS
