//===- WeightOps.td - weights as named symbols -*- tablegen -*-===//
#ifndef MODELC_NN_WEIGHT_OPS
#define MODELC_NN_WEIGHT_OPS

include "dialect/ops/Base.td"

def NN_WeightOp : NN_Op<"weight", [Pure, NN_WeightValued]> {
  let summary = "a named tensor of the weight store";
  let description = [{
    Refers to the checkpoint tensor `name`. With `transposed`, the stored
    tensor is the transpose of the result (a `[out, in]` nn.Linear weight
    used as the `[in, out]` operand of `nn.linear`). The data never appears
    in the IR; the weight store resolves and checks it.

    ```mlir
    %w = nn.weight "h.0.attn.c_attn.weight" : tensor<768x2304xf32>
    %u = nn.weight "model.layers.0.mlp.up_proj.weight" transposed : tensor<4096x11008xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, UnitAttr:$transposed);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$name (`transposed` $transposed^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Weight expressions: weights computed at compile time from other weights
//===----------------------------------------------------------------------===//

class NN_WeightExprOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure, NN_WeightValued,
        DeclareOpInterfaceMethods<NN_WeightExprOpInterface>])> {
  let results = (outs NN_StaticTensor:$result);
  let hasVerifier = 1;
}

def NN_WeightConcatOp : NN_WeightExprOp<"weight.concat"> {
  let summary = "weights concatenated along one axis";
  let description = [{
    The operands, in order, along `axis`; every other dimension agrees.
    Merges the q, k and v projections into one GEMM (nn-merge-projections).

    ```mlir
    %w = nn.weight.concat %q, %k, %v {axis = 1 : i64} : (tensor<64x64xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<64x96xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_StaticTensor>:$inputs, I64Attr:$axis);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
}

def NN_WeightScaleOp : NN_WeightExprOp<"weight.scale"> {
  let summary = "a weight times a vector broadcast along one axis";
  let description = [{
    `result[..., i, ...] = input[..., i, ...] * scale[i]` with `i` the index
    along `axis` (a norm's gamma folded into the rows of the next GEMM's
    `[in, out]` weight is `axis = 0`).

    ```mlir
    %w2 = nn.weight.scale %w, %gamma {axis = 0 : i64} : (tensor<64x256xf32>, tensor<64xf32>) -> tensor<64x256xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input, NN_Vector:$scale, I64Attr:$axis);
  let assemblyFormat = "$input `,` $scale attr-dict `:` functional-type(operands, results)";
}

def NN_WeightAddOp : NN_WeightExprOp<"weight.add"> {
  let summary = "the element-wise sum of weights of one shape";
  let description = [{
    ```mlir
    %b2 = nn.weight.add %b, %shift : (tensor<256xf32>, tensor<256xf32>) -> tensor<256xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$lhs, NN_StaticTensor:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def NN_WeightMatmulOp : NN_WeightExprOp<"weight.matmul"> {
  let summary = "the product of two weights, [M, K] x [K, N] (or a [K] row vector)";
  let description = [{
    `result = lhs rhs`. A 1-D `lhs` is a row vector (a norm's beta pushed
    through the next GEMM is `beta W`, of shape `[N]`); two consecutive
    linears become one with `W1 W2`.

    ```mlir
    %b2 = nn.weight.matmul %beta, %w : (tensor<64xf32>, tensor<64x256xf32>) -> tensor<256xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$lhs, NN_Matrix:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def NN_WeightCenterOp : NN_WeightExprOp<"weight.center"> {
  let summary = "a weight minus its mean along one axis";
  let description = [{
    `result = input - mean(input, axis)` (broadcast back along `axis`). The
    LayerNorm -> RMSNorm recentering zero-means the embedding rows and the
    output projections' columns along the model dimension.

    ```mlir
    %e2 = nn.weight.center %e {axis = 1 : i64} : (tensor<100x64xf32>) -> tensor<100x64xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input, I64Attr:$axis);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightMulScalarOp : NN_WeightExprOp<"weight.mul_scalar"> {
  let summary = "a weight times a constant";
  let description = [{
    Folds a scalar (attention's 1/sqrt(head_dim), an embedding scale) into
    the weight it multiplies.

    ```mlir
    %q2 = nn.weight.mul_scalar %q {value = 1.250000e-01 : f32} : (tensor<64x64xf32>) -> tensor<64x64xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input, F32Attr:$value);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightSplatOp : NN_WeightExprOp<"weight.splat"> {
  let summary = "a weight whose elements all have one value";
  let description = [{
    The gamma of a norm whose affine was folded away is a splat of 1, its
    beta a splat of 0.

    ```mlir
    %ones = nn.weight.splat {value = 1.000000e+00 : f32} : tensor<64xf32>
    ```
  }];
  let arguments = (ins F32Attr:$value);
  let assemblyFormat = "attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Weight expressions of the approximate passes (pruning, factorisation)
//===----------------------------------------------------------------------===//

def NN_WeightSqNormsOp : NN_WeightExprOp<"weight.sq_norms"> {
  let summary = "the squared L2 norm of each slice of a weight along one axis";
  let description = [{
    `result[i] = sum of input[..., i, ...]^2` over every index but the one
    along `axis`: the magnitude score of a neuron (a column of the up
    projection's `[in, out]` weight is `axis = 1`, a row of the down
    projection's `axis = 0`). The pruning passes add the scores of every
    weight a neuron or head owns and select by the sum.

    ```mlir
    %s = nn.weight.sq_norms %up {axis = 1 : i64} : (tensor<64x256xf32>) -> tensor<256xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input, I64Attr:$axis);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightSelectTopOp : NN_WeightExprOp<"weight.select_top"> {
  let summary = "the slices of a weight along one axis with the largest scores";
  let description = [{
    The indices along `axis` form groups of `group` consecutive ones (a
    neuron: 1; an attention head: its head_dim channels), each scored by the
    sum of `score` over it; a score with k times the axis' elements gives
    each index the sum of its k consecutive entries (a table with a column
    per head, selected by the heads' per-channel score). The result keeps the `result.shape[axis] /
    group` best-scored groups (on equal scores the lower index), in their
    original order: structured pruning by a score, with the number kept in
    the type and the choice made from the data when the weights are written.
    Every weight of one neuron or head is selected by the same score, so the
    choices agree. With `segments` = S > 1 the axis is S equal segments
    (the query heads of each KV group of a grouped-query attention) and
    each keeps the same number of its own best groups, so that the
    segments stay equal.

    ```mlir
    %w2 = nn.weight.select_top %w, %s {axis = 1 : i64, group = 1 : i64} : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x180xf32>
    %q2 = nn.weight.select_top %q, %s {axis = 1 : i64, group = 16 : i64, segments = 2 : i64} : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x64xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input, NN_Vector:$score, I64Attr:$axis,
                       I64Attr:$group, DefaultValuedAttr<I64Attr, "1">:$segments);
  let assemblyFormat = "$input `,` $score attr-dict `:` functional-type(operands, results)";
}

def NN_WeightSliceOp : NN_WeightExprOp<"weight.slice"> {
  let summary = "a contiguous range of a weight along one axis";
  let description = [{
    `result = input[..., offset : offset + result.shape[axis], ...]`: one of
    the q, k, v parts of a fused projection, which head pruning selects
    from separately.

    ```mlir
    %k = nn.weight.slice %qkv {axis = 1 : i64, offset = 64 : i64} : (tensor<64x192xf32>) -> tensor<64x64xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input, I64Attr:$axis, I64Attr:$offset);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightReshapeOp : NN_WeightExprOp<"weight.reshape"> {
  let summary = "a weight's elements, in order, in another shape";
  let description = [{
    The row-major elements of `input` as the result's shape (the element
    counts agree): a Conv2d weight `[out, in, k, k]` read as the `[out,
    in * k * k]` matrix of the GEMM over `nn.grid_patches`
    (`nn.weight.transpose` then makes it `[in, out]`).

    ```mlir
    %m = nn.weight.reshape %conv : (tensor<128x64x3x3xf32>) -> tensor<128x576xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightTransposeOp : NN_WeightExprOp<"weight.transpose"> {
  let summary = "a weight with its axes permuted";
  let description = [{
    `result[j, i] = input[i, j]`: a computed `[out, in]` matrix (a reshaped
    Conv2d weight) as the `[in, out]` weight of `nn.linear`. With
    `permutation`, any rank: result axis `d` is input axis `permutation[d]`
    (Swin's patch-merging weights, stored in its (column, row, channel)
    order, reordered to `nn.grid_patches`' (channel, row, column)).

    ```mlir
    %t = nn.weight.transpose %m : (tensor<128x576xf32>) -> tensor<576x128xf32>
    %p = nn.weight.transpose %g {permutation = array<i64: 2, 1, 0>} : (tensor<2x2x16xf32>) -> tensor<16x2x2xf32>
    ```
  }];
  let arguments = (ins NN_StaticTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$permutation);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightSvdFactorOp : NN_WeightExprOp<"weight.svd_factor"> {
  let summary = "one factor of a matrix's truncated singular value decomposition";
  let description = [{
    With `W = U S V^T` (singular values in decreasing order) and `r` the
    rank in the result type, `left` is `U_r S_r^(1/2)` (`[K, r]`) and
    `right` is `S_r^(1/2) V_r^T` (`[r, N]`), so `left right` is the best
    rank-`r` approximation of `W` (Eckart-Young). A linear becomes two
    (nn-factor-linears). The decomposition is computed in double precision.

    ```mlir
    %a = nn.weight.svd_factor left %w : (tensor<64x256xf32>) -> tensor<64x16xf32>
    %b = nn.weight.svd_factor right %w : (tensor<64x256xf32>) -> tensor<16x256xf32>
    ```
  }];
  let arguments = (ins NN_Matrix:$input, UnitAttr:$right);
  let results = (outs NN_Matrix:$result);
  let assemblyFormat = "(`right` $right^):(`left`)? $input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightQuantizeInt8Op : NN_WeightExprOp<"weight.quantize_int8"> {
  let summary = "a matrix rounded to int8 per column and group of rows";
  let description = [{
    Symmetric weight-only int8 for `W` `[K, N]` in groups of `group` rows
    (`group` divides K; K: one scale per output column): with the scale
    `s[g][n] = max |W[k][n]| / 127` over the rows k of group g (float32,
    `nn.weight.int8_scales`), `q[k][n] = round(W[k][n] / s[g][n])` (float32
    division, ties to even; 0 where s is 0), in [-127, 127]. `q s` is W to
    half a step (nn-quantize-weights).

    ```mlir
    %q = nn.weight.quantize_int8 %w {group = 64 : i64} : (tensor<64x256xf32>) -> tensor<64x256xi8>
    ```
  }];
  let arguments = (ins NN_Matrix:$input, I64Attr:$group);
  let results = (outs NN_Int8Matrix:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def NN_WeightInt8ScalesOp : NN_WeightExprOp<"weight.int8_scales"> {
  let summary = "the scales of a matrix's int8 rounding";
  let description = [{
    `s[g][n] = max |W[k][n]| / 127` over the rows k of group g, `[K / group,
    N]`: the scales of `nn.weight.quantize_int8` with the same group.

    ```mlir
    %s = nn.weight.int8_scales %w {group = 64 : i64} : (tensor<64x256xf32>) -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins NN_Matrix:$input, I64Attr:$group);
  let results = (outs NN_Matrix:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

#endif // MODELC_NN_WEIGHT_OPS
