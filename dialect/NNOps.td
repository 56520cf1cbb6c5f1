//===- NNOps.td - nn dialect operations ---------------------*- tablegen -*-===//
#ifndef MODELC_NN_OPS
#define MODELC_NN_OPS

include "dialect/NNDialect.td"
include "dialect/NNAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Activations are f32 tensors [batch, seq, channels] (batch and seq dynamic);
// token ids are i32 [batch, seq]; weights are static-shaped f32 tensors.
// Only batch and seq may be dynamic: the channel count of an activation and
// every dimension of a weight are static (memory planning and codegen size
// buffers from them).
def NN_StaticChannelsPred : CPred<
    "!::mlir::ShapedType::isDynamic(::llvm::cast<::mlir::ShapedType>($_self).getShape().back())">;
def NN_Activations : Type<And<[3DTensorOf<[F32]>.predicate, NN_StaticChannelsPred]>,
    "f32 tensor [batch, seq, channels] with static channels",
    "::mlir::TensorType">;
def NN_TokenIds : 2DTensorOf<[I32]>;
def NN_Matrix : Type<And<[2DTensorOf<[F32]>.predicate, HasStaticShapePred]>,
    "statically shaped 2D f32 tensor", "::mlir::TensorType">;
def NN_Vector : Type<And<[1DTensorOf<[F32]>.predicate, HasStaticShapePred]>,
    "statically shaped 1D f32 tensor", "::mlir::TensorType">;

class NN_ComputeOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

// Ops whose result has the type of their first operand.
class NN_SameTypeOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpInterface])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  code sameTypeInference = [{
    static ::mlir::LogicalResult inferReturnTypes(::mlir::MLIRContext *,
        std::optional<::mlir::Location>, ::mlir::ValueRange operands,
        ::mlir::DictionaryAttr, ::mlir::OpaqueProperties, ::mlir::RegionRange,
        ::llvm::SmallVectorImpl<::mlir::Type> &results) {
      results.push_back(operands[0].getType());
      return ::mlir::success();
    }
  }];
  let extraClassDeclaration = sameTypeInference;
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def NN_WeightOp : NN_Op<"weight", [Pure]> {
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
// Embedding
//===----------------------------------------------------------------------===//

def NN_EmbeddingOp : NN_ComputeOp<"embedding"> {
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

//===----------------------------------------------------------------------===//
// Linear algebra and element-wise
//===----------------------------------------------------------------------===//

def NN_LinearOp : NN_ComputeOp<"linear"> {
  let summary = "x W + b over the channel axis";
  let description = [{
    `result[b, s, n] = sum_k input[b, s, k] * weight[k, n] (+ bias[n])`.
    The weight is `[in, out]`.

    ```mlir
    %y = nn.linear %x, %w, %b : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Matrix:$weight,
                       Optional<NN_Vector>:$bias);
  let results = (outs NN_Activations:$result);
}

class NN_BinaryOp<string mnemonic, list<Trait> traits = []>
    : NN_ComputeOp<mnemonic, !listconcat(traits, [Commutative])> {
  let arguments = (ins NN_Activations:$lhs, NN_Activations:$rhs);
  let results = (outs NN_Activations:$result);
}

def NN_AddOp : NN_BinaryOp<"add"> {
  let summary = "element-wise sum (residual connections)";
  let description = [{
    ```mlir
    %y = nn.add %a, %b : (tensor<?x?x768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
}

def NN_MulOp : NN_BinaryOp<"mul"> {
  let summary = "element-wise product (GLU gating)";
  let description = [{
    ```mlir
    %y = nn.mul %a, %b : (tensor<?x?x3072xf32>, tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
}

def NN_ActivationOp : NN_SameTypeOp<"activation"> {
  let summary = "element-wise activation function";
  let description = [{
    ```mlir
    %y = nn.activation gelu_tanh %x : (tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins NN_Activation:$kind, NN_Activations:$input);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$kind $input attr-dict `:` functional-type(operands, results)";
}

def NN_SliceOp : NN_Op<"slice", [Pure]> {
  let summary = "a contiguous range of channels";
  let description = [{
    `result[b, s, c] = input[b, s, offset + c]` for `c < size` (the size is
    the result's channel count). Splits a fused QKV projection.

    ```mlir
    %q = nn.slice %qkv [0] : (tensor<?x?x2304xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, I64Attr:$offset);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$input `[` $offset `]` attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let builders = [OpBuilder<(ins "mlir::Value":$input, "int64_t":$offset,
                                 "int64_t":$size)>];
}

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

def NN_LayerNormOp : NN_SameTypeOp<"layer_norm"> {
  let summary = "LayerNorm over the channel axis";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * gamma + beta` with the biased variance.

    ```mlir
    %y = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$gamma,
                       NN_Vector:$beta, F32Attr:$epsilon);
  let results = (outs NN_Activations:$result);
}

def NN_RMSNormOp : NN_SameTypeOp<"rms_norm"> {
  let summary = "RMSNorm over the channel axis";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * gamma`.

    ```mlir
    %y = nn.rms_norm %x, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x512xf32>, tensor<512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$input, NN_Vector:$gamma,
                       F32Attr:$epsilon);
  let results = (outs NN_Activations:$result);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def NN_RopeOp : NN_SameTypeOp<"rope"> {
  let summary = "rotary position embedding on every head";
  let description = [{
    The channels are `heads` heads of `head_dim`; each head's channel pairs
    (chosen by `style`) at position `s` are rotated by
    `s * theta^(-2p / head_dim)` for pair index `p`.

    ```mlir
    %q2 = nn.rope half %q {heads = 8 : i64, theta = 1.0e+04 : f32} : (tensor<?x?x512xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins NN_RopeStyle:$style, NN_Activations:$input,
                       I64Attr:$heads, F32Attr:$theta);
  let results = (outs NN_Activations:$result);
  let assemblyFormat =
      "$style $input attr-dict `:` functional-type(operands, results)";
}

def NN_AttentionOp : NN_SameTypeOp<"attention"> {
  let summary = "multi-head, grouped-query or multi-query attention";
  let description = [{
    Per head `h` of `heads` (query channels `h*d .. h*d+d`), with kv head
    `h / (heads / kv_heads)`:
    `softmax(q k^T * scale + mask) v`, where `mask` hides keys after the
    query when `causal`. The result has `heads * d` channels.

    ```mlir
    %o = nn.attention %q, %k, %v {heads = 12 : i64, kv_heads = 12 : i64, causal = true, scale = 0.125 : f32} : (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins NN_Activations:$query, NN_Activations:$key,
                       NN_Activations:$value, I64Attr:$heads,
                       I64Attr:$kv_heads, BoolAttr:$causal, F32Attr:$scale);
  let results = (outs NN_Activations:$result);
  let extraClassDeclaration = !strconcat(sameTypeInference, [{
    int64_t getHeadDim();
  }]);
}

//===----------------------------------------------------------------------===//
// Kernel regions
//===----------------------------------------------------------------------===//

def NN_KernelOp : NN_Op<"kernel", [IsolatedFromAbove, SingleBlock]> {
  let summary = "a fused region that becomes one Halide pipeline";
  let description = [{
    Formed by `nn-form-kernels`. The body computes the results from the
    block arguments (bound to `inputs`) and ends in `nn.yield`. `name` names
    the compiled kernel: regions that `nn-dedup-kernels` finds identical get
    the same name and compile once. `arena_offsets`, set by
    `nn-plan-memory`, places each result in the activation arena, in floats
    per token (`-1`: the result is a model output, written to the caller's
    buffer).

    As formed by `nn-form-kernels`, the inputs are the values the region
    uses from outside, deduplicated, in order of first use; the results are
    the region values used outside, in the order of the ops producing them
    (a residual + norm kernel yields `(sum, normed)`).

    ```mlir
    %y = nn.kernel "gemm0" gemm (%x, %w, %b) : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32> {
    ^bb0(%a: tensor<?x?x768xf32>, %c: tensor<768x3072xf32>, %d: tensor<3072xf32>):
      %0 = nn.linear %a, %c, %d : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
      %1 = nn.activation gelu_tanh %0 : (tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32>
      nn.yield %1 : tensor<?x?x3072xf32>
    }
    ```
  }];
  let arguments = (ins StrAttr:$name, NN_KernelClass:$kind,
                       Variadic<AnyRankedTensor>:$inputs,
                       OptionalAttr<DenseI64ArrayAttr>:$arena_offsets);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $name $kind `(` $inputs `)` attr-dict `:` functional-type($inputs, results) $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    mlir::Block &getBlock() { return getBody().front(); }
    mlir::Operation *getYield() { return getBlock().getTerminator(); }
  }];
}

def NN_YieldOp : NN_Op<"yield", [Pure, Terminator,
    HasParent<"KernelOp">]> {
  let summary = "the results of a kernel region";
  let description = [{
    ```mlir
    nn.yield %a, %b : tensor<?x?x768xf32>, tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // MODELC_NN_OPS
