//===- StructureOps.td - placements and depth structures -*- tablegen -*-===//
//
// The ops a layer's placement and the model's depth structures add around
// the sub-layers: LayerScale, DeepNorm's scaled residual, DenseFormer's
// depth-weighted average, and the per-pass slice of a looped layer's stacked
// weights (per-loop LoRA).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_NN_STRUCTURE_OPS
#define MODELC_NN_STRUCTURE_OPS

include "dialect/ops/Base.td"
include "dialect/ops/WeightOps.td"

def NN_ChannelScaleOp : NN_SameTypeOp<"channel_scale", [], ["getFusionKind"],
                                      ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "x times a per-channel vector (LayerScale)";
  let description = [{
    `result[b, s, c] = input[b, s, c] * scale[c]`: CaiT's LayerScale,
    diag(lambda) f(x), on a sub-layer's output before the residual add.

    ```mlir
    %y = nn.channel_scale %x, %lambda : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$scale);
  let results = (outs NN_Activations:$result);
}

def NN_ScaledAddOp : NN_SameTypeOp<"scaled_add"> {
  let summary = "lhs_scale * lhs + rhs (DeepNorm's residual)";
  let description = [{
    `result = lhs_scale * lhs + rhs`: DeepNet's up-weighted residual
    `alpha x + f(x)`, before the post-norm.

    ```mlir
    %y = nn.scaled_add %x, %f {lhs_scale = 2.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$lhs, NN_Activations:$rhs,
                       F32Attr:$lhs_scale);
  let results = (outs NN_Activations:$result);
}

def NN_WeightedSumOp : NN_ComputeOp<"weighted_sum", [], ["getFusionKind"],
                                    ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "sum of activations weighted by a weight vector (DenseFormer)";
  let description = [{
    `result = sum_j weights[j] * inputs[j]`, where `weights` holds one
    element per input (any shape, read in row-major order: DenseFormer
    stores the weights of a depth-weighted average as a `[1, n]` linear).

    ```mlir
    %y = nn.weighted_sum %a, %x0, %x1, %x2 : (tensor<1x3xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$weights,
                       Variadic<NN_Activations>:$inputs);
  let results = (outs NN_Activations:$result);
}

def NN_WeightSelectOp : NN_WeightExprOp<"weight.select"> {
  let summary = "one slice of a stacked weight along its first axis";
  let description = [{
    `result = input[index]` (the first axis dropped); with `transposed`, the
    last two axes of the slice swapped. A looped layer's per-pass weights
    (per-loop LoRA) are stacked in one checkpoint tensor `[passes, ...]`:
    pass `index` takes its slice.

    ```mlir
    %a1 = nn.weight.select %a {index = 1 : i64, transposed} : (tensor<4x8x64xf32>) -> tensor<64x8xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input, I64Attr:$index,
                       UnitAttr:$transposed);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

#endif // MODELC_NN_STRUCTURE_OPS
