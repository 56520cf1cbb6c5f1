//===- ConvOps.td - depthwise convolution over the sequence ---*- tablegen -*-===//
#ifndef MODELC_NN_CONV_OPS
#define MODELC_NN_CONV_OPS

include "dialect/ops/Base.td"

def NN_DepthwiseConvOp : NN_SameTypeOp<"depthwise_conv", [], NN_SeedMethods,
                                       ["getFlopsPerToken"],
                                       ["getWeightRole"]> {
  let summary = "depthwise convolution over the sequence, K taps per channel";
  let description = [{
    Each channel `c` is convolved with its own `K` taps (the weight is
    `[C, 1, K]`, PyTorch's `Conv1d(C, C, K, groups = C)` layout), zero
    outside the sequence:

    `result[s, c] = bias[c] + sum_{j < K} weight[c, 0, j] * input[s - o + j, c]`

    with `o = K - 1` when `causal` (the token and the `K - 1` before it) and
    `o = (K - 1) / 2` otherwise (a centred window; `K` is then odd). The
    bias is optional.

    With `grid = [rows, cols]` (the patch grid of an image, tokens row by
    row, `S = rows * cols`) the convolution is 2-D over the grid, centred
    (not causal), zero outside it, with a `[C, 1, K, K]` weight
    (`Conv2d(C, C, K, padding = K / 2, groups = C)`, ConvNeXt's depthwise
    7x7): `result[(r, q), c] = bias[c] + sum_{i, j < K} weight[c, 0, i, j]
    * input[(r - o + i, q - o + j), c]`.

    ```mlir
    %y = nn.depthwise_conv %x, %w, %b {causal = true} : (tensor<?x?x64xf32>, tensor<64x1x4xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %z = nn.depthwise_conv %x, %w7 {causal = false, grid = array<i64: 14, 14>} : (tensor<?x196x64xf32>, tensor<64x1x7x7xf32>) -> tensor<?x196x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_StaticTensor:$weight,
                       Optional<NN_Vector>:$bias, BoolAttr:$causal,
                       OptionalAttr<DenseI64ArrayAttr>:$grid);
  let results = (outs NN_Activations:$result);
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    /// K, the taps per channel (per grid axis with a grid).
    int64_t getKernelSize();
    /// The offset o of the first tap: result[s] reads input[s - o + j].
    int64_t getFirstTapOffset();
  }]);
}

#endif // MODELC_NN_CONV_OPS
