//===- MoeOps.td - top-k mixture of experts -------------------*- tablegen -*-===//
#ifndef MODELC_NN_MOE_OPS
#define MODELC_NN_MOE_OPS

include "dialect/ops/Base.td"

def NN_MoeOp : NN_SameTypeOp<"moe", [AttrSizedOperandSegments], NN_SeedMethods,
                              ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "a top-k mixture of MLP or GLU experts, only the chosen ones computed";
  let description = [{
    A sparse mixture-of-experts channel mixer (Shazeer et al. 2017; Switch
    Transformer, Mixtral). With `E` experts (the channels of
    `router_logits`, `x W_router` computed before it), per token `t`:

    `p = softmax(router_logits[t])`, `S = the top_k experts by p` (ties:
    the lower index first), `g_e = p_e` or, with `renormalize`,
    `p_e / sum_{e' in S} p_e'`, and

    `result[t] = sum_{e in S} g_e * expert_e(input[t])`

    where `expert_e(x) = act(x U_e) D_e` (an MLP) or, with `gate`,
    `(act(x G_e) * x U_e) D_e` (a GLU). The experts' weights are stacked
    along the rows: `up` and `gate` are `[E * dim, hidden]` (`U_e` its rows
    `e * dim ...`), `down` is `[E * hidden, dim]`. Only the routed
    (token, expert) pairs are computed: the kernel lists each expert's
    tokens and runs a grouped GEMM over them (codegen.md, `routing`); the
    stacked weights are GEMM weights (packed in panels: each expert's rows
    of a panel are contiguous).

    Weight-only int8 (nn-quantize-weights): the stacked weights are i8 and
    each has f32 scales, `up_scales` `[E * dim / G, hidden]` (one row per G
    input rows of an expert: G divides dim; G = dim is one scale per expert
    and column), `down_scales` `[E * hidden / G', dim]`, and `gate_scales`
    like `up_scales`: `W[k][n] = q[k][n] * scales[k / G][n]`, computed in
    f32.

    ```mlir
    %y = nn.moe silu %x, %logits, %up, %down, %gate {top_k = 2 : i64, renormalize = true} : (tensor<?x?x64xf32>, tensor<?x?x8xf32>, tensor<512x128xf32>, tensor<1024x64xf32>, tensor<512x128xf32>) -> tensor<?x?x64xf32>
    %z = nn.moe gelu %x, %logits, %qu, %qd scales(%su, %sd) {top_k = 2 : i64, renormalize = false} : (tensor<?x?x64xf32>, tensor<?x?x8xf32>, tensor<512x128xi8>, tensor<1024x64xi8>, tensor<8x128xf32>, tensor<8x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activation:$activation, NN_Activations:$input,
                       NN_Activations:$router_logits, NN_MaybeInt8Matrix:$up,
                       NN_MaybeInt8Matrix:$down,
                       Optional<NN_MaybeInt8Matrix>:$gate,
                       Optional<NN_Matrix>:$up_scales,
                       Optional<NN_Matrix>:$down_scales,
                       Optional<NN_Matrix>:$gate_scales,
                       I64Attr:$top_k, BoolAttr:$renormalize);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $activation $input `,` $router_logits `,` $up `,` $down (`,` $gate^)?
    (`scales` `(` $up_scales^ `,` $down_scales (`,` $gate_scales^)? `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = sameTypeInference # [{
    /// The number of experts (the router's channels).
    int64_t getExperts();
    /// Each expert's hidden width.
    int64_t getHidden();
    /// Whether the stacked weights are int8 (with scales).
    bool isInt8() { return (bool)getUpScales(); }
    /// The rows of its weight one row of `scales` scales (G).
    int64_t getScaleGroup(::mlir::Value scales);
  private:
    ::mlir::LogicalResult verifyScales();
  public:
  }];
}

#endif // MODELC_NN_MOE_OPS
