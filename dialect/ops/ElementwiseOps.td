//===- ElementwiseOps.td - per-token element-wise ops -*- tablegen -*-===//
#ifndef MODELC_NN_ELEMENTWISE_OPS
#define MODELC_NN_ELEMENTWISE_OPS

include "dialect/ops/Base.td"

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

def NN_SliceOp : NN_Op<"slice", !listconcat([Pure],
    NN_Interfaces<["getFusionKind"], [], []>.traits)> {
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

#endif // MODELC_NN_ELEMENTWISE_OPS
