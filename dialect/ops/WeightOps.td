//===- WeightOps.td - weights as named symbols -*- tablegen -*-===//
#ifndef MODELC_NN_WEIGHT_OPS
#define MODELC_NN_WEIGHT_OPS

include "dialect/ops/Base.td"

def NN_WeightOp : NN_Op<"weight", [Pure]> {
  let summary = "a named tensor of the weight store";
  let description = [{
    Refers to the checkpoint tensor `name`. With `transposed`, the stored
    tensor is the transpose of the result (a `[out, in]` nn.Linear weight
    used as the `[in, out]` operand of `nn.linear`). The data never appears
    in the IR; the weight store resolves and checks it.

    ```mlir
    %w = nn.weight "h.0.attn.c_attn.weight" : tensor<768x2304xf32>
    %u = nn.weight "model.layers.0.mlp.up_proj.weight" transposed : tensor<4096x11008xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, UnitAttr:$transposed);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$name (`transposed` $transposed^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

#endif // MODELC_NN_WEIGHT_OPS
