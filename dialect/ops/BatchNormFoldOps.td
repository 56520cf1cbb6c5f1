//===- BatchNormFoldOps.td - a BatchNorm's affine as weights -*- tablegen -*-===//
//
// An inference BatchNorm (or RepBN) computes one per-channel affine,
// x k + t, for every token. These weight expressions are its k and t, so
// that nn-fold-batch-norm can move the norm into the adjacent linear.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_NN_BATCH_NORM_FOLD_OPS
#define MODELC_NN_BATCH_NORM_FOLD_OPS

include "dialect/ops/WeightOps.td"

def NN_WeightBnScaleOp : NN_WeightExprOp<"weight.bn_scale"> {
  let summary = "a BatchNorm's factor: gamma / sqrt(variance + epsilon) (+ alpha)";
  let description = [{
    `result[c] = gamma[c] / sqrt(variance[c] + epsilon)`, plus RepBN's
    `alpha` (a one-element vector) when it is given: the `k` of
    `nn.batch_norm(x) = x k + t`, computed in float as the BatchNorm kernel
    computes it.

    ```mlir
    %k = nn.weight.bn_scale %g, %var, %alpha {epsilon = 1.0e-05 : f32} : (tensor<64xf32>, tensor<64xf32>, tensor<1xf32>) -> tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_Vector:$gamma, NN_Vector:$variance,
                       Optional<NN_Vector>:$alpha, F32Attr:$epsilon);
  let assemblyFormat = [{
    $gamma `,` $variance (`,` $alpha^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def NN_WeightBnShiftOp : NN_WeightExprOp<"weight.bn_shift"> {
  let summary = "a BatchNorm's offset: beta - mean gamma / sqrt(variance + epsilon)";
  let description = [{
    `result[c] = beta[c] - mean[c] * gamma[c] / sqrt(variance[c] + epsilon)`:
    the `t` of `nn.batch_norm(x) = x k + t` (RepBN's `alpha x` adds to `k`
    only).

    ```mlir
    %t = nn.weight.bn_shift %b, %mean, %g, %var {epsilon = 1.0e-05 : f32} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_Vector:$beta, NN_Vector:$mean, NN_Vector:$gamma,
                       NN_Vector:$variance, F32Attr:$epsilon);
  let assemblyFormat = [{
    $beta `,` $mean `,` $gamma `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // MODELC_NN_BATCH_NORM_FOLD_OPS
