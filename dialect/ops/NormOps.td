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

def NN_BatchNormOp : NN_SameTypeOp<"batch_norm", [], NN_SeedMethods,
                                   ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "BatchNorm at inference (running statistics), or RepBN";
  let description = [{
    A per-channel affine from the running statistics of training:
    `(x - mean) / sqrt(var + epsilon) * gamma + beta`, the same for every
    token. With `alpha` (a one-element weight), SLAB's RepBN:
    `batch_norm(x) + alpha * x`. No statistics are computed at run time, so
    the re-parameterization passes can fold it into the next linear.

    ```mlir
    %y = nn.batch_norm %x, %g, %b, %mean, %var {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %r = nn.batch_norm %x, %g, %b, %mean, %var, %alpha {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<1xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$gamma,
                       NN_Vector:$beta, NN_Vector:$mean, NN_Vector:$variance,
                       Optional<NN_Vector>:$alpha, F32Attr:$epsilon);
  let results = (outs NN_Activations:$result);
}

def NN_GroupNormOp : NN_SameTypeOp<"group_norm", [], NN_SeedMethods,
                                   ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "GroupNorm over the whole sequence of each sample";
  let description = [{
    The channels are split into `groups` equal groups; each sample's group
    is normalized over all its tokens and the group's channels (biased
    variance), then scaled and shifted per channel:
    `(x - mean[b, g]) / sqrt(var[b, g] + epsilon) * gamma[c] + beta[c]`.
    This is PyTorch's GroupNorm on `[batch, channels, tokens]`; with one
    group it is PoolFormer's GroupNorm(1, C) on the patch grid. The
    statistics span the whole sequence, so every token's result depends on
    every other token of its sample.

    ```mlir
    %y = nn.group_norm %x, %g, %b {epsilon = 1.0e-05 : f32, groups = 1 : i64} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$gamma,
                       NN_Vector:$beta, F32Attr:$epsilon, I64Attr:$groups);
  let results = (outs NN_Activations:$result);
}

#endif // MODELC_NN_NORM_OPS
