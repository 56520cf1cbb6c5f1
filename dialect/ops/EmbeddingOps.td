//===- EmbeddingOps.td - token and position embeddings -*- tablegen -*-===//
#ifndef MODELC_NN_EMBEDDING_OPS
#define MODELC_NN_EMBEDDING_OPS

include "dialect/ops/Base.td"

def NN_EmbeddingOp : NN_ComputeOp<"embedding", [], NN_SeedMethods, []> {
  let summary = "gathers table rows by token id";
  let description = [{
    `result[b, s, :] = table[ids[b, s], :] * scale` (`scale` default 1: the
    embedding scale of Vaswani et al., fairseq, Gemma). Ids outside the
    table are clamped to its bounds.

    ```mlir
    %x = nn.embedding %table, %ids : (tensor<50257x768xf32>, tensor<?x?xi32>) -> tensor<?x?x768xf32>
    %y = nn.embedding %table, %ids {scale = 27.7128124 : f32} : (tensor<50257x768xf32>, tensor<?x?xi32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Matrix:$table, NN_TokenIds:$ids,
                       OptionalAttr<F32Attr>:$scale);
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

def NN_SinusoidalLayout : I32EnumAttr<"SinusoidalLayout",
    "where the sines and cosines of sinusoidal positions go", [
    I32EnumAttrCase<"interleaved", 0>, // sin at 2i, cos at 2i+1 (Vaswani et al.)
    I32EnumAttrCase<"concat", 1>       // [sin || cos] (tensor2tensor, fairseq)
  ]> {
  let cppNamespace = "::modelc::nn";
}

def NN_AddSinusoidalOp : NN_SameTypeOp<"add_sinusoidal"> {
  let summary = "adds fixed sinusoidal absolute positions";
  let description = [{
    `result[b, s, :] = input[b, s, :] + PE[s, :]` over `dim` channels
    (even), with `PE` computed in the kernel, for position `s`:

    * `interleaved` (Vaswani et al. 2017): `PE[s, 2i] = sin(s w_i)`,
      `PE[s, 2i+1] = cos(s w_i)`, `w_i = 10000^(-2i / dim)`;
    * `concat` (tensor2tensor `get_timing_signal_1d`, fairseq
      `SinusoidalPositionalEmbedding`): `PE[s, i] = sin(s w_i)`,
      `PE[s, dim/2 + i] = cos(s w_i)`, `w_i = 10000^(-i / max(dim/2 - 1, 1))`.

    ```mlir
    %y = nn.add_sinusoidal concat %x : (tensor<?x?x512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins NN_SinusoidalLayout:$layout, NN_Activations:$input);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$layout $input attr-dict `:` functional-type(operands, results)";
}

#endif // MODELC_NN_EMBEDDING_OPS
