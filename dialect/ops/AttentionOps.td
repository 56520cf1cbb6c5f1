//===- AttentionOps.td - softmax attention and its positions -*- tablegen -*-===//
#ifndef MODELC_NN_ATTENTION_OPS
#define MODELC_NN_ATTENTION_OPS

include "dialect/ops/Base.td"

def NN_RopeOp : NN_SameTypeOp<"rope"> {
  let summary = "rotary position embedding on every head";
  let description = [{
    The channels are `heads` heads of `head_dim`; each head's channel pairs
    (chosen by `style`) at position `s` are rotated by
    `s * theta^(-2p / head_dim)` for pair index `p`.

    ```mlir
    %q2 = nn.rope half %q {heads = 8 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins NN_RopeStyle:$style, NN_Activations:$input,
                       I64Attr:$heads, F32Attr:$theta);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$style $input attr-dict `:` functional-type(operands, results)";
}

def NN_AttentionOp : NN_SameTypeOp<"attention", [], NN_SeedMethods,
                                    ["getFlopsPerTokenSeq"]> {
  let summary = "multi-head, grouped-query or multi-query attention";
  let description = [{
    Per head `h` of `heads` (query channels `h*d .. h*d+d`), with kv head
    `h / (heads / kv_heads)`:
    `softmax(q k^T * scale + mask) v`, where `mask` hides keys after the
    query when `causal`. The result has `heads * d` channels.

    ```mlir
    %o = nn.attention %q, %k, %v {heads = 12 : i64, kv_heads = 12 : i64, causal = true, scale = 0.125 : f32} : (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$query, NN_Activations:$key,
                       NN_Activations:$value, I64Attr:$heads,
                       I64Attr:$kv_heads, BoolAttr:$causal, F32Attr:$scale);
  let results = (outs NN_Activations:$result);
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    int64_t getHeadDim();
  }]);
}

#endif // MODELC_NN_ATTENTION_OPS
