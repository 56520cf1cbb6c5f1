//===- VisionOps.td - image inputs: patch embedding, token pooling -*- tablegen -*-===//
#ifndef MODELC_NN_VISION_OPS
#define MODELC_NN_VISION_OPS

include "dialect/ops/Base.td"

// An image batch: f32 [batch, channels, height, width], only the batch
// dynamic (the image size is part of the model).
def NN_StaticImagePred : CPred<[{
    ::llvm::cast<::mlir::ShapedType>($_self).getRank() == 4 &&
    !::mlir::ShapedType::isDynamic(::llvm::cast<::mlir::ShapedType>($_self).getDimSize(1)) &&
    !::mlir::ShapedType::isDynamic(::llvm::cast<::mlir::ShapedType>($_self).getDimSize(2)) &&
    !::mlir::ShapedType::isDynamic(::llvm::cast<::mlir::ShapedType>($_self).getDimSize(3))}]>;
def NN_Images : Type<And<[TensorOf<[F32]>.predicate, NN_StaticImagePred]>,
    "f32 tensor [batch, channels, height, width] with a static image size",
    "::mlir::TensorType">;

def NN_PatchEmbedOp : NN_ComputeOp<"patch_embed", [AttrSizedOperandSegments],
                                   NN_SeedMethods, ["getFlopsPerToken"],
                                   ["getWeightRole"]> {
  let summary = "ViT's patch embedding, class token and learned positions";
  let description = [{
    Cuts each image of `image` (`[B, C, H, W]`) into `patch x patch`
    patches, row by row (`N = (H / patch) * (W / patch)` of them), and
    projects each one: a convolution with stride = kernel = `patch`, i.e. a
    GEMM over the patches (`weight` is `[D, C, patch, patch]`, PyTorch's
    `Conv2d` layout, timm's `patch_embed.proj.weight`):

    `patch[b, n, d] = bias[d] + sum_{c, i, j} weight[d, c, i, j] *
     image[b, c, py * patch + i, px * patch + j]`, `n = py * (W / patch) + px`.

    With `stride` and `padding` (PoolFormer's stem: a 7x7 kernel, stride 4,
    padding 2) the patches overlap or leave gaps: patch `(py, px)` starts
    at image row `py * stride - padding` and column `px * stride -
    padding`, pixels outside the image are zero, and the grid is
    `((H + 2 padding - patch) / stride + 1) x ((W + ...) / stride + 1)`
    (rounded down, as Conv2d).

    With `cls` (`[1, P, D]`: timm's `cls_token`, P = 1, or DeiT's class and
    distillation tokens, P = 2) the sequence is those prefix tokens followed
    by the patches (`N + P` tokens); with `positions` (`[1, tokens, D]`,
    timm's `pos_embed`, the prefix tokens' positions first) every token adds
    its position row. The result's sequence length
    is dynamic in the type but always `tokens` at run time.

    ```mlir
    %x = nn.patch_embed %img, %w bias(%b) cls(%cls) positions(%pos) {patch = 16 : i64} : (tensor<?x3x224x224xf32>, tensor<192x3x16x16xf32>, tensor<192xf32>, tensor<1x1x192xf32>, tensor<1x197x192xf32>) -> tensor<?x?x192xf32>
    ```
  }];
  let arguments = (ins NN_Images:$image, NN_StaticTensor:$weight,
                       Optional<NN_Vector>:$bias,
                       Optional<NN_StaticTensor>:$cls,
                       Optional<NN_StaticTensor>:$positions,
                       I64Attr:$patch, OptionalAttr<I64Attr>:$stride,
                       OptionalAttr<I64Attr>:$padding);
  let results = (outs NN_Activations:$result);
  let assemblyFormat = [{
    $image `,` $weight (`bias` `(` $bias^ `)`)? (`cls` `(` $cls^ `)`)?
    (`positions` `(` $positions^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The step between patches (`stride`, else `patch`) and the zero
    /// border (`padding`, else 0).
    int64_t getStep();
    int64_t getBorder();
    /// Patches per image row and per image column.
    int64_t getGridWidth();
    int64_t getGridHeight();
    /// The prefix tokens before the patches (the rows of `cls`, or 0).
    int64_t getPrefixTokens();
    /// The sequence length: the patches and the prefix tokens.
    int64_t getTokens();
  }];
}

def NN_GridPatchesOp : NN_Op<"grid_patches", !listconcat(
    NN_Interfaces<NN_SeedMethods, ["getFlopsPerToken"], []>.traits, [Pure])> {
  let summary = "each output position's k x k neighbourhood on the patch grid";
  let description = [{
    The input's tokens are a `rows x cols` grid (`grid`, row by row). Output
    token `(oy, ox)` of the grid `((rows + 2 padding - kernel) / stride + 1)
    x ((cols + ...) / stride + 1)` holds the `kernel x kernel` neighbourhood
    starting at `(oy * stride - padding, ox * stride - padding)`, zero
    outside the grid: feature `(ci * kernel + i) * kernel + j` is channel
    `ci` of the token at `(oy * stride - padding + i, ox * stride - padding
    + j)`. A strided Conv2d over the grid (PoolFormer's downsampling patch
    embedding between stages) is this followed by `nn.linear` with the
    Conv2d weight `[out, in, k, k]` read as `[out, in * k * k]`
    (`nn.weight.reshape`). The result's sequence length is static: the
    stage's token count.

    ```mlir
    %p = nn.grid_patches %x {grid = array<i64: 8, 8>, kernel = 3 : i64, stride = 2 : i64, padding = 1 : i64} : (tensor<?x?x16xf32>) -> tensor<?x16x144xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, DenseI64ArrayAttr:$grid,
                       I64Attr:$kernel, I64Attr:$stride, I64Attr:$padding);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The output grid's rows and columns.
    int64_t getOutRows();
    int64_t getOutCols();
  }];
}

def NN_TokenPoolMode : I32EnumAttr<"TokenPoolMode",
    "how a sequence is pooled into one vector", [
    I32EnumAttrCase<"first", 0>, // the token `start` (ViT's class token: 0)
    I32EnumAttrCase<"mean", 1>   // the mean over the tokens from `start` on
  ]> {
  let cppNamespace = "::modelc::nn";
}

def NN_TokenPoolOp : NN_ComputeOp<"token_pool", [], NN_SeedMethods> {
  let summary = "pools each sequence into one token (a classifier's input)";
  let description = [{
    `result[b, 0, :]` is `input[b, start, :]` (`first`: the first token from
    `start` on: ViT's class token at 0, DeiT's distillation token at 1), or
    the mean of `input[b, s, :]` over `start <= s < S` (`mean`: timm's
    `global_pool = "avg"`, which skips the `start` prefix tokens, e.g. a
    class token). The result has one token per sequence.

    ```mlir
    %c = nn.token_pool first %x {start = 0 : i64} : (tensor<?x?x192xf32>) -> tensor<?x1x192xf32>
    %m = nn.token_pool mean %x {start = 1 : i64} : (tensor<?x?x192xf32>) -> tensor<?x1x192xf32>
    %d = nn.token_pool first %x {start = 1 : i64} : (tensor<?x?x192xf32>) -> tensor<?x1x192xf32>
    ```
  }];
  let arguments = (ins NN_TokenPoolMode:$mode, NN_Activations:$input,
                       I64Attr:$start);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$mode $input attr-dict `:` functional-type(operands, results)";
}

#endif // MODELC_NN_VISION_OPS
