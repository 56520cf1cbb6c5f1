//===- PoolingOps.td - PoolFormer's pooling token mixer -------*- tablegen -*-===//
#ifndef MODELC_NN_POOLING_OPS
#define MODELC_NN_POOLING_OPS

include "dialect/ops/Base.td"

def NN_PoolingOp : NN_SameTypeOp<"pooling", [], NN_SeedMethods> {
  let summary = "PoolFormer's token mixer: average pooling minus the input";
  let description = [{
    MetaFormer's PoolFormer mixer (Yu et al. 2022) over the sequence:
    `AvgPool(pool_size, stride 1, padding pool_size / 2,
    count_include_pad = False)(x) - x`, i.e. per channel

    `result[s] = mean(input[j] for |j - s| <= pool_size / 2, 0 <= j < S) - input[s]`

    The window is centred (`pool_size` is odd) and counts only the tokens
    inside the sequence. The `- x` is there because the block adds the
    residual itself. The window runs over the token index, or, with
    `grid = [rows, cols]` (the patch grid of an image, tokens row by row,
    `S = rows * cols`), over the `pool_size x pool_size` grid neighbours
    inside the grid: PoolFormer's `AvgPool2d`.

    ```mlir
    %y = nn.pooling %x {pool_size = 3 : i64} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %z = nn.pooling %x {pool_size = 3 : i64, grid = array<i64: 14, 14>} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, I64Attr:$pool_size,
                       OptionalAttr<DenseI64ArrayAttr>:$grid);
  let results = (outs NN_Activations:$result);
}

#endif // MODELC_NN_POOLING_OPS
