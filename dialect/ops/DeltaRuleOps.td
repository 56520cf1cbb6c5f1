//===- DeltaRuleOps.td - DeltaNet: short conv and the delta rule -*- tablegen -*-===//
#ifndef MODELC_NN_DELTA_RULE_OPS
#define MODELC_NN_DELTA_RULE_OPS

include "dialect/ops/Base.td"

def NN_ShortConvOp : NN_SameTypeOp<"short_conv", [], ["getFusionKind"],
                                   ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "causal depthwise convolution over the sequence";
  let description = [{
    Per channel `c` with `K` taps (`weight` is `[C, 1, K]`, PyTorch's
    depthwise `Conv1d` layout):
    `result[b, s, c] = sum_j weight[c, 0, j] * input[b, s - K + 1 + j, c]
    (+ bias[c])`, positions before the start of the sequence read as zero.
    DeltaNet's short convolution on q, k and v (flash-linear-attention's
    `ShortConvolution` without its activation).

    ```mlir
    %y = nn.short_conv %x, %w : (tensor<?x?x768xf32>, tensor<768x1x4xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_StaticTensor:$weight,
                       Optional<NN_Vector>:$bias);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    int64_t getTaps();
  }]);
}

def NN_DeltaRuleOp : NN_ComputeOp<"delta_rule", [AttrSizedOperandSegments],
                                  NN_SeedMethods, ["getFlopsPerToken"],
                                  ["getWeightRole"]> {
  let summary = "DeltaNet / Gated DeltaNet: the delta rule, chunkwise, with its output norm";
  let description = [{
    Per head `h` of `heads` (query/key channels `h*dk .. h*dk+dk`, value
    channels `h*dv .. h*dv+dv`), per token `t`, with the state `S` a
    `dk x dv` matrix that starts at zero:

    - `q`, `k` L2-normalised over the head (`x / sqrt(sum x^2 + 1e-6)`),
      `q` then multiplied by `scale`;
    - `beta_t = beta_scale * sigmoid(beta[t, h])` (`beta_scale` without the
      `beta` operand);
    - with `decay`: `alpha_t = exp(-exp(a_log[h]) * softplus(decay[t, h] +
      dt_bias[h]))` (Gated DeltaNet), else `alpha_t = 1`;
    - `S_t = alpha_t S_(t-1) + beta_t k_t (v_t - alpha_t S_(t-1)^T k_t)^T`,
      `o_t = S_t^T q_t`;
    - the result is `o_t` RMS-normalised over the head
      (`o / sqrt(mean(o^2) + norm_epsilon) * norm_weight`).

    It is computed in chunks of `chunk` tokens (the WY form of
    flash-linear-attention's chunkwise delta rule), the state carried from
    one chunk to the next. The result has the value's channels.

    ```mlir
    %o = nn.delta_rule %q, %k, %v beta %b norm %w {heads = 12 : i64, chunk = 64 : i64, scale = 0.125 : f32, beta_scale = 1.0 : f32, norm_epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x12xf32>, tensor<64xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$query, NN_Activations:$key,
                       NN_Activations:$value, Optional<NN_Activations>:$beta,
                       Optional<NN_Activations>:$decay,
                       Optional<NN_Vector>:$a_log,
                       Optional<NN_Vector>:$dt_bias,
                       NN_Vector:$norm_weight,
                       I64Attr:$heads, I64Attr:$chunk, F32Attr:$scale,
                       F32Attr:$beta_scale, F32Attr:$norm_epsilon);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`beta` $beta^)?
    (`decay` $decay^ `,` $a_log `,` $dt_bias)? `norm` $norm_weight attr-dict
    `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Query/key and value channels per head.
    int64_t getKeyHeadDim();
    int64_t getValueHeadDim();
    /// The largest query/key head the kernel takes (its state update is
    /// unrolled over the key channels).
    static constexpr int64_t kMaxKeyHeadDim = 256;
    /// The largest chunk.
    static constexpr int64_t kMaxChunk = 256;
  }];
}

#endif // MODELC_NN_DELTA_RULE_OPS
