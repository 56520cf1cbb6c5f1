//===- MambaOps.td - Mamba's selective state-space scan -*- tablegen -*-===//
#ifndef MODELC_NN_MAMBA_OPS
#define MODELC_NN_MAMBA_OPS

include "dialect/ops/Base.td"

def NN_SelectiveScanOp : NN_SameTypeOp<"selective_scan", [], NN_SeedMethods,
                                        ["getFlopsPerToken"],
                                        ["getWeightRole"]> {
  let summary = "Mamba's selective SSM, from the conv input to y (before the gate)";
  let description = [{
    The inner part of mamba_ssm's `Mamba` / Hugging Face's `MambaMixer`
    between `in_proj` and the gate, on `I` channels, with `K` conv taps,
    state size `N` and `dt_rank` `R` (all read from the operand shapes):

    ```
    u[t]      = silu(conv_bias + sum_k conv_weight[i, 0, k] * input[t - K + 1 + k])
                (causal depthwise conv; input before position 0 is zero)
    dbc[t]    = u[t] x_proj                       ([I] -> [R + 2N])
    delta[t]  = softplus(dbc[t][0:R] dt_proj + dt_bias)   ([R] -> [I])
    B[t], C[t] = dbc[t][R:R+N], dbc[t][R+N:R+2N]
    A         = -exp(a_log)                       ([I, N])
    h[t]      = exp(delta[t] A) * h[t-1] + delta[t] B[t] u[t]   (h[-1] = 0)
    result[t] = sum_n C[t][n] h[t][:, n] + d * u[t]
    ```

    `x_proj` is `[I, R + 2N]` and `dt_proj` `[R, I]` (in, out);
    `conv_weight` is `[I, 1, K]` and `a_log` `[I, N]` as the reference
    stores them. The Mamba block gates the result with `silu(z)` and
    projects it back with `out_proj` (separate ops). A kernel of class
    `selective_scan` computes it walking the sequence in chunks, the state
    kept in cache between them.

    ```mlir
    %y = nn.selective_scan %x conv(%cw, %cb) x_proj(%xp) dt_proj(%dw, %db) a_log(%a) d(%d) : (tensor<?x?x1536xf32>, tensor<1536x1x4xf32>, tensor<1536xf32>, tensor<1536x80xf32>, tensor<48x1536xf32>, tensor<1536xf32>, tensor<1536x16xf32>, tensor<1536xf32>) -> tensor<?x?x1536xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_StaticTensor:$conv_weight,
                       Optional<NN_Vector>:$conv_bias, NN_Matrix:$x_proj,
                       NN_Matrix:$dt_proj, NN_Vector:$dt_bias,
                       NN_Matrix:$a_log, NN_Vector:$d);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $input `conv` `(` $conv_weight (`,` $conv_bias^)? `)`
    `x_proj` `(` $x_proj `)` `dt_proj` `(` $dt_proj `,` $dt_bias `)`
    `a_log` `(` $a_log `)` `d` `(` $d `)` attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    int64_t getInner();    // I
    int64_t getConvTaps(); // K
    int64_t getStateSize(); // N
    int64_t getDtRank();   // R
  }]);
}

#endif // MODELC_NN_MAMBA_OPS
