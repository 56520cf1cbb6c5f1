//===- NormOps.td - norms over the channel axis -*- tablegen -*-===//
#ifndef MODELC_NN_NORM_OPS
#define MODELC_NN_NORM_OPS

include "dialect/ops/Base.td"

// A norm's affine is optional: nn-fold-norm-affine moves it into the linears
// that read the norm, and the norm is then written without it.
class NN_NormOp<string mnemonic> : NN_SameTypeOp<mnemonic, [], NN_SeedMethods,
                                                 ["getFlopsPerToken"],
                                                 ["getWeightRole"]> {
  let arguments = (ins NN_Activations:$input, Variadic<NN_Vector>:$affine,
                       F32Attr:$epsilon);
  let results = (outs NN_Activations:$result);
}

def NN_LayerNormOp : NN_NormOp<"layer_norm"> {
  let summary = "LayerNorm over the channel axis";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * gamma + beta` with the biased variance.
    The affine operands (`gamma`, `beta`) come together or not at all;
    without them the norm is `(x - mean) / sqrt(var + epsilon)`.

    ```mlir
    %y = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    %z = nn.layer_norm %x {epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    /// gamma and beta, or null values for an affine-free norm.
    ::mlir::Value getGamma() { return getAffine().empty() ? nullptr : getAffine()[0]; }
    ::mlir::Value getBeta() { return getAffine().empty() ? nullptr : getAffine()[1]; }
  }]);
}

def NN_RMSNormOp : NN_NormOp<"rms_norm"> {
  let summary = "RMSNorm over the channel axis";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * gamma`; without `gamma`,
    `x / sqrt(mean(x^2) + epsilon)`.

    ```mlir
    %y = nn.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x512xf32>, tensor<512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    /// gamma, or a null value for an affine-free norm.
    ::mlir::Value getGamma() { return getAffine().empty() ? nullptr : getAffine()[0]; }
  }]);
}

#endif // MODELC_NN_NORM_OPS
