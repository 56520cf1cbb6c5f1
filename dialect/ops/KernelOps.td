//===- KernelOps.td - fused kernel regions -*- tablegen -*-===//
#ifndef MODELC_NN_KERNEL_OPS
#define MODELC_NN_KERNEL_OPS

include "dialect/ops/Base.td"

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

#endif // MODELC_NN_KERNEL_OPS
