//===- AftOps.td - the attention-free transformer (AFT-simple) -*- tablegen -*-===//
#ifndef MODELC_NN_AFT_OPS
#define MODELC_NN_AFT_OPS

include "dialect/ops/Base.td"

def NN_AftOp : NN_SameTypeOp<"aft", [], NN_SeedMethods> {
  let summary = "AFT-simple: sigmoid(q) times a softmax(k)-weighted average of v";
  let description = [{
    An Attention Free Transformer's token mixer (Zhai et al. 2021), the
    "simple" form (no position biases), per channel `c`:

    `result[t, c] = sigmoid(q[t, c]) * sum_j softmax_j(k[j, c]) v[j, c]`

    where the softmax runs over the keys `j` of the whole sequence, or, when
    `causal`, over the keys `j <= t` (a prefix: each token sees itself and
    the tokens before it). Every channel is its own mixer; there are no
    heads. The causal form is a scan that carries the running maximum of
    the keys and the rescaled sums of `exp(k) v` and `exp(k)` from token to
    token, so no `exp` overflows.

    ```mlir
    %y = nn.aft %q, %k, %v {causal = true} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$query, NN_Activations:$key,
                       NN_Activations:$value, BoolAttr:$causal);
  let results = (outs NN_Activations:$result);
}

#endif // MODELC_NN_AFT_OPS
