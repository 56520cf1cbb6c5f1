//===- EmbeddingOps.td - token and position embeddings -*- tablegen -*-===//
#ifndef MODELC_NN_EMBEDDING_OPS
#define MODELC_NN_EMBEDDING_OPS

include "dialect/ops/Base.td"

def NN_EmbeddingOp : NN_ComputeOp<"embedding", [], NN_SeedMethods, []> {
  let summary = "gathers table rows by token id";
  let description = [{
    `result[b, s, :] = table[ids[b, s], :]`. Ids outside the table are
    clamped to its bounds.

    ```mlir
    %x = nn.embedding %table, %ids : (tensor<50257x768xf32>, tensor<?x?xi32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Matrix:$table, NN_TokenIds:$ids);
  let results = (outs NN_Activations:$result);
}

def NN_AddPositionsOp : NN_SameTypeOp<"add_positions"> {
  let summary = "adds learned absolute position rows";
  let description = [{
    `result[b, s, c] = input[b, s, c] + table[s, c]`; the table has one row
    per position up to `max_seq`.

    ```mlir
    %y = nn.add_positions %x, %wpe : (tensor<?x?x768xf32>, tensor<1024x768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Matrix:$table);
  let results = (outs NN_Activations:$result);
}

#endif // MODELC_NN_EMBEDDING_OPS
