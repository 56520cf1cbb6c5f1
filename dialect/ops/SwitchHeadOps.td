//===- SwitchHeadOps.td - expert-routed attention projections -*- tablegen -*-===//
#ifndef MODELC_NN_SWITCH_HEAD_OPS
#define MODELC_NN_SWITCH_HEAD_OPS

include "dialect/ops/Base.td"

def NN_SwitchLinearOp : NN_ComputeOp<"switch_linear", [], NN_SeedMethods,
                                      ["getFlopsPerToken"], ["getWeightRole"]> {
  let summary = "a per-head projection whose weights are routed experts (SwitchHead)";
  let description = [{
    SwitchHead's value and output projections (Csordás et al. 2024,
    "SwitchHead: Accelerating Transformers with Mixture-of-Experts
    Attention"). Each of `heads` heads has `E` experts (`router_logits` has
    `heads * E` channels, `x W_router` computed before it; head `h`'s are
    `h * E ...`). Per token and head: `g = sigmoid(router_logits)`, `S_h` =
    the `top_k` experts of head `h` by logit (ties: the lower index), and
    expert `(h, e)`'s `[in, out]` weight is rows `(h * E + e) * in ...` of
    `experts`:

    * `per_head_input = false` (the value projection): every head reads the
      whole input (`in` = its channels) and writes its own `out` channels,
      `result[h * out + c] = sum_{e in S_h} g_{h,e} (input W_{h,e})[c]`;
    * `per_head_input = true` (the output projection): head `h` reads its
      `in` channels `input[h * in ...]`, and the heads' outputs are summed,
      `result[c] = sum_h sum_{e in S_h} g_{h,e} (input_h W_{h,e})[c]`.

    Only the routed (token, head, expert) rows are computed: a `routing`
    kernel (codegen.md) lists each head-expert's tokens and runs one grouped
    GEMM over them; `experts` is a GEMM weight (packed in panels).

    Weight-only int8 (nn-quantize-weights): `experts` is i8 and `scales`
    (f32, `[heads * E * in / G, out]`, G dividing `in`: one row per group of
    G rows of one expert) gives `W[k][n] = q[k][n] * scales[k / G][n]`,
    computed in f32.

    ```mlir
    %v = nn.switch_linear %x, %lv, %wv {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x64xf32>, tensor<?x?x16xf32>, tensor<1024x16xf32>) -> tensor<?x?x64xf32>
    %y = nn.switch_linear %o, %lo, %wo {heads = 4 : i64, top_k = 2 : i64, per_head_input = true} : (tensor<?x?x64xf32>, tensor<?x?x16xf32>, tensor<256x64xf32>) -> tensor<?x?x64xf32>
    %q = nn.switch_linear %x, %lv, %qv scales(%sv) {heads = 4 : i64, top_k = 2 : i64, per_head_input = false} : (tensor<?x?x64xf32>, tensor<?x?x16xf32>, tensor<1024x16xi8>, tensor<16x16xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Activations:$router_logits,
                       NN_MaybeInt8Matrix:$experts,
                       Optional<NN_Matrix>:$scales, I64Attr:$heads,
                       I64Attr:$top_k, BoolAttr:$per_head_input);
  let assemblyFormat = [{
    $input `,` $router_logits `,` $experts (`scales` `(` $scales^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let results = (outs NN_Activations:$result);
  let extraClassDeclaration = [{
    /// The experts per head.
    int64_t getExpertsPerHead();
    /// The rows one head reads (its `in`) and the columns it writes.
    int64_t getHeadIn();
    int64_t getHeadOut();
    /// Whether the experts are int8 (with scales).
    bool isInt8() { return (bool)getScales(); }
    /// The rows of `experts` one row of `scales` scales (G).
    int64_t getScaleGroup();
  }];
}

#endif // MODELC_NN_SWITCH_HEAD_OPS
