//===- AttentionOps.td - softmax attention and its positions -*- tablegen -*-===//
#ifndef MODELC_NN_ATTENTION_OPS
#define MODELC_NN_ATTENTION_OPS

include "dialect/ops/Base.td"

def NN_RopeOp : NN_SameTypeOp<"rope"> {
  let summary = "rotary position embedding on every head";
  let description = [{
    The channels are `heads` heads of `head_dim`; the first `rotary_dim`
    channels of each head (default: all of them; the rest pass through, as
    GPT-NeoX's partial rotary) form pairs (chosen by `style`) that at
    position `s` are rotated by `s * theta^(-2p / rotary_dim)` for pair
    index `p`.

    ```mlir
    %q2 = nn.rope half %q {heads = 8 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x512xf32>) -> tensor<?x?x512xf32>
    %k2 = nn.rope half %k {heads = 8 : i64, theta = 1.0e+04 : f32, rotary_dim = 16 : i64} : (tensor<?x?x512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins NN_RopeStyle:$style, NN_Activations:$input,
                       I64Attr:$heads, F32Attr:$theta,
                       OptionalAttr<I64Attr>:$rotary_dim);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$style $input attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    /// The rotated channels per head (rotary_dim, else head_dim).
    int64_t getRotated();
  }]);
}

def NN_AttentionOp : NN_SameTypeOp<"attention", [AttrSizedOperandSegments],
                                    NN_SeedMethods, ["getFlopsPerToken",
                                    "getFlopsPerTokenSeq"]> {
  let summary = "multi-head, grouped-query or multi-query softmax attention";
  let description = [{
    Per head `h` of `heads` (query channels `h*d .. h*d+d`), with kv head
    `g = h / (heads / kv_heads)`, query `i` attends the keys it may see and
    the persistent memory slots:

    * scores `s(i, j) = scale * q_h(i) . k_g(j) - alibi_slopes[h] * |i - j|`
      (the bias only with `alibi_slopes`); memory slot `n` (operands
      `memory(%mk, %mv)`, `[slots, kv_heads * d]`): `scale * q_h(i) . mk_g(n)`,
      no bias;
    * `talking(%pre, %post)` (`[heads, heads]`): `s_h <- sum_g pre[h, g] s_g`;
    * key `j` is visible when `j <= i` (`causal`), `|i - j| < window`, and
      `i / block_size == j / block_size`, each when set; memory slots always;
    * `grid_window = array<i64: rows, cols, M, s>` (Swin's windows on an
      image's patch grid, tokens row by row, `S = rows * cols`, both sides
      divisible by `M`, `0 <= s < M`, not causal, no `window` or
      `block_size`): key `j` at `(r2, c2)` is visible to query `i` at
      `(r1, c1)` when `(r1 + M - s) / M == (r2 + M - s) / M` and the same for
      the columns, i.e. both lie in one of the row bands `[0, s)`,
      `[s, s + M)`, ... and one of the column bands: Swin's windows shifted
      by `s`, the wrapped ones split as its attention mask splits them;
      with `relative_bias(%t)` (`[(2M - 1)^2, heads]`, Swin's
      `relative_position_bias_table`) the score gains
      `t[(r1 - r2 + M - 1) * (2M - 1) + (c1 - c2 + M - 1), h]`;
    * probabilities over the visible keys: `softmax(s)`;
      `clip((eta - gamma) softmax(s) + gamma, 0, 1)` with `clip = [gamma,
      eta]`; `s^power / sum s^power` with `power` (even);
    * `talking`: `p_h <- sum_g post[h, g] p_g`;
    * `o_h(i) = sum_j p(i, j) v'_g(j) + sum_n p(i, n) mv_g(n)`, where
      `v' = value_lambda[0] * value_first + value_lambda[1] * value` with
      `value_first(%v1)` (ResFormer's value residual), else `value`.

    The result has `heads * d` channels. One op per attention layer: the
    attention kernel visits only the keys a query tile can see.

    ```mlir
    %o = nn.attention %q, %k, %v {heads = 12 : i64, kv_heads = 12 : i64, causal = true, scale = 0.125 : f32} : (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    %w = nn.attention %q, %k, %v memory(%mk, %mv) value_first(%v1) {heads = 12 : i64, kv_heads = 12 : i64, causal = true, scale = 0.125 : f32, window = 512 : i64, value_lambda = array<f32: 0.5, 0.5>} : (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<4x768xf32>, tensor<4x768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    %g = nn.attention %q, %k, %v {heads = 4 : i64, kv_heads = 4 : i64, causal = false, scale = 0.125 : f32, grid_window = array<i64: 8, 16, 4, 2>} : (tensor<?x?x256xf32>, tensor<?x?x256xf32>, tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$query, NN_Activations:$key,
                       NN_Activations:$value,
                       Optional<NN_Matrix>:$memory_key,
                       Optional<NN_Matrix>:$memory_value,
                       Optional<NN_Matrix>:$talk_pre,
                       Optional<NN_Matrix>:$talk_post,
                       Optional<NN_Activations>:$value_first,
                       Optional<NN_Matrix>:$relative_bias,
                       I64Attr:$heads, I64Attr:$kv_heads, BoolAttr:$causal,
                       F32Attr:$scale,
                       OptionalAttr<I64Attr>:$window,
                       OptionalAttr<I64Attr>:$block_size,
                       OptionalAttr<DenseI64ArrayAttr>:$grid_window,
                       OptionalAttr<DenseF32ArrayAttr>:$alibi_slopes,
                       OptionalAttr<DenseF32ArrayAttr>:$clip,
                       OptionalAttr<I64Attr>:$power,
                       OptionalAttr<DenseF32ArrayAttr>:$value_lambda);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`memory` `(` $memory_key^ `,` $memory_value `)`)?
    (`talking` `(` $talk_pre^ `,` $talk_post `)`)?
    (`value_first` `(` $value_first^ `)`)?
    (`relative_bias` `(` $relative_bias^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    int64_t getHeadDim();
    /// The persistent memory slots (0 without memory).
    int64_t getMemorySlots();
    /// grid_window's fields, when it is set.
    struct GridWindow {
      int64_t rows, cols, size, shift;
    };
    std::optional<GridWindow> getGridWindowFields();
  }]);
}

#endif // MODELC_NN_ATTENTION_OPS
