//===- LinearAttentionOps.td - kernelized attention -*- tablegen -*-===//
#ifndef MODELC_NN_LINEAR_ATTENTION_OPS
#define MODELC_NN_LINEAR_ATTENTION_OPS

include "dialect/ops/Base.td"
include "mlir/IR/OpBase.td"

def NN_FeatureMap : I32EnumAttr<"FeatureMap",
    "the feature map of linear attention", [
    I32EnumAttrCase<"elu", 0>,      // elu(x) + 1 (Katharopoulos et al. 2020)
    I32EnumAttrCase<"relu", 1>,     // max(x, 0) (SLAB)
    I32EnumAttrCase<"identity", 2>, // x
    I32EnumAttrCase<"hedgehog", 3>  // [softmax(xW) | softmax(-xW)] (Hedgehog)
  ]> {
  let cppNamespace = "::modelc::nn";
}

def NN_LinearNormalize : I32EnumAttr<"LinearNormalize",
    "how linear attention normalizes its output", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"denominator", 1>,     // / (phi(q) . sum phi(k) + eps)
    I32EnumAttrCase<"head_layer_norm", 2>, // LayerNorm over each head
    I32EnumAttrCase<"head_rms_norm", 3>    // RMSNorm over each head
  ]> {
  let cppNamespace = "::modelc::nn";
}

def NN_LinearAttentionOp : NN_ComputeOp<"linear_attention",
    [AttrSizedOperandSegments], NN_SeedMethods, ["getFlopsPerToken"],
    ["getWeightRole"]> {
  let summary = "kernelized (linear) attention, causal or bidirectional";
  let description = [{
    Per head `h` of `heads` (query and key channels `h*dk .. h*dk+dk`, value
    channels `h*dv .. h*dv+dv`), with the feature map `phi`:

    * causal: `o_t = scale phi(q_t)^T S_t`, `S_t = sum_{u <= t} phi(k_u) v_u^T`
      (a prefix scan, computed chunk by chunk: the state of each chunk is
      carried into the next, within a chunk the work is small matmuls);
    * bidirectional: `o_t = scale phi(q_t)^T (phi(K)^T V)`.

    `normalize`: `denominator` divides `o_t` by
    `scale phi(q_t) . sum_{u} phi(k_u) + eps` (the same u as the state);
    `head_layer_norm` / `head_rms_norm` normalize each head's `o_t` over its
    `dv` channels with `norm_weight` (and `norm_bias`), both `[dv]` and shared
    by the heads, and `eps`; `none` leaves `o_t` as it is.

    Feature maps: `elu` is `elu(x) + 1`, `relu` `max(x, 0)`, `identity` `x`;
    `hedgehog` maps `x` [dk] of head `h` to
    `[softmax(x W_h) | softmax(-x W_h)]` [2f] with `map_q` (for q) and
    `map_k` (for k), both `[heads, dk, f]`, each softmax over its f features.

    With `conv_weight` `[dv, 1, K]` and `conv_bias` `[dv]` (SLAB), a depthwise
    convolution of each head's v over the sequence, shared by the heads, is
    added to the (normalized) output: taps `t-K+1 .. t` when causal, else
    `t-K/2 .. t+K/2` (K odd), zero outside the sequence.

    ```mlir
    %o = nn.linear_attention elu denominator %q, %k, %v {heads = 4 : i64, causal = true, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %h = nn.linear_attention hedgehog none %q, %k, %v maps(%wq, %wk) {heads = 4 : i64, causal = false, eps = 1.0e-06 : f32, scale = 1.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$query, NN_Activations:$key,
                       NN_Activations:$value,
                       Optional<NN_StaticTensor>:$map_q,
                       Optional<NN_StaticTensor>:$map_k,
                       Optional<NN_StaticTensor>:$conv_weight,
                       Optional<NN_Vector>:$conv_bias,
                       Optional<NN_Vector>:$norm_weight,
                       Optional<NN_Vector>:$norm_bias,
                       I64Attr:$heads, NN_FeatureMap:$feature_map,
                       BoolAttr:$causal, NN_LinearNormalize:$normalize,
                       F32Attr:$eps, F32Attr:$scale);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $feature_map $normalize $query `,` $key `,` $value
    (`maps` `(` $map_q^ `,` $map_k `)`)?
    (`conv` `(` $conv_weight^ `,` $conv_bias `)`)?
    (`norm` `(` $norm_weight^ (`,` $norm_bias^)? `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Channels per head of q and k, of v.
    int64_t getKeyDim();
    int64_t getValueDim();
    /// Features per head after the feature map (2f for hedgehog).
    int64_t getFeatureDim();
    /// The convolution's taps (0 without one).
    int64_t getConvTaps();
  }];
}

#endif // MODELC_NN_LINEAR_ATTENTION_OPS
