//===- NNInterfaces.td - what passes ask of an nn op ----------*- tablegen -*-===//
//
// The central passes (kernel formation, codegen's input binding, FLOP
// reports, the weight store) know nn ops only through these interfaces, so
// adding an op family never edits them (docs/architecture.md, "Adding a
// block"). The Halide lowering is an interface too, but it is declared and
// attached in codegen/ so that the dialect stays free of Halide.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_NN_INTERFACES
#define MODELC_NN_INTERFACES

include "mlir/IR/OpBase.td"

def NN_FusionOpInterface : OpInterface<"FusionOpInterface"> {
  let description = [{
    How an op takes part in kernel formation (nn-form-kernels).

    Every compute op has a fusion kind, which says how its result depends on
    its operands; a *seed* op (a GEMM, a norm, a sequence mixer, a gather)
    also starts a kernel of its class and decides which neighbours join it:
    producers of its operands (a prologue) and consumers of its result (an
    epilogue). Seeds grow in order of priority, then of position.
  }];
  let cppNamespace = "::modelc::nn";
  let methods = [
    InterfaceMethod<"How the result depends on the operands.",
      "::modelc::nn::FusionKind", "getFusionKind", (ins), [{}], [{
        return ::modelc::nn::FusionKind::Opaque;
      }]>,
    InterfaceMethod<"The kernel class this op seeds, if it is a seed.",
      "::std::optional<::modelc::nn::KernelClass>", "getSeedClass", (ins),
      [{}], [{ return std::nullopt; }]>,
    InterfaceMethod<[{
        Seeds grow in increasing priority (ties in block order); a seed
        claimed by an earlier seed's kernel does not grow its own.
      }], "int", "getSeedPriority", (ins), [{}], [{ return 100; }]>,
    InterfaceMethod<[{
        Whether `producer`, which defines `operand` of this seed's kernel
        (an operand of the seed or of an op already in its kernel), joins
        the kernel: `Exclusive` when every use of its result is in the
        kernel, `Shared` also when it has uses outside (its result then
        becomes a second kernel result).
      }], "::modelc::nn::Absorb", "absorbsProducer",
      (ins "::mlir::OpOperand &":$operand, "::mlir::Operation *":$producer),
      [{}], [{ return ::modelc::nn::Absorb::No; }]>,
    InterfaceMethod<[{
        Whether `consumer`, which uses `value` (the seed's result or the end
        of its epilogue so far), joins this seed's kernel. `Exclusive`: only
        when `value` has no other use; `Shared`: also otherwise (then
        `value` is a kernel result too). Growth goes on from the consumer's
        result; the producers of the consumer's other operands are offered
        to absorbsProducer.
      }], "::modelc::nn::Absorb", "absorbsConsumer",
      (ins "::mlir::Value":$value, "::mlir::Operation *":$consumer), [{}],
      [{ return ::modelc::nn::Absorb::No; }]>,
  ];
}

def NN_CostOpInterface : OpInterface<"CostOpInterface"> {
  let description = [{
    The op's arithmetic, for the GFLOP/s of `modelc bench`'s profile and for
    the reports of the pruning passes: FLOPs per token, plus FLOPs per token
    and per sequence position (attention's q k^T and p v grow with the
    sequence length).
  }];
  let cppNamespace = "::modelc::nn";
  let methods = [
    InterfaceMethod<"FLOPs per token.", "double", "getFlopsPerToken", (ins),
      [{}], [{ return 0; }]>,
    InterfaceMethod<"FLOPs per token and sequence position.", "double",
      "getFlopsPerTokenSeq", (ins), [{}], [{ return 0; }]>,
  ];
}

def NN_WeightRolesOpInterface : OpInterface<"WeightRolesOpInterface"> {
  let description = [{
    What each weight operand of the op is: codegen packs GEMM weights into
    the GEMM's panel layout, the weight store initialises synthetic weights
    by role, the re-parameterization passes find what they fold.
  }];
  let cppNamespace = "::modelc::nn";
  let methods = [
    InterfaceMethod<"The role of operand `index` when it is a weight.",
      "::modelc::nn::WeightRole", "getWeightRole", (ins "unsigned":$index),
      [{}], [{ return ::modelc::nn::WeightRole::Matrix; }]>,
  ];
}

def NN_WeightValued : NativeOpTrait<"WeightValued"> {
  let cppNamespace = "::modelc::nn";
}

// An op a GEMM kernel takes in as the prologue of the values it reads (KAT's
// rational before each linear, PolyNorm before the down projection): when
// its result is read only inside that kernel, it is computed there once per
// call rather than in a kernel of its own.
def NN_GemmPrologue : NativeOpTrait<"GemmPrologue"> {
  let cppNamespace = "::modelc::nn";
}

def NN_WeightExprOpInterface : OpInterface<"WeightExprOpInterface"> {
  let description = [{
    A weight computed at compile time from other weights (the exact and
    approximate re-parameterization passes build them: concatenated QKV,
    folded norm affines, truncated SVD factors...). The data never enters
    the IR: the driver evaluates the expression, tensor by tensor, when it
    writes <name>.weights (frontend/WeightEval.h).
  }];
  let cppNamespace = "::modelc::nn";
  let methods = [
    InterfaceMethod<[{
        The result, from the values of the operands (row-major, each with
        the shape of its operand's type).
      }], "::modelc::nn::WeightData", "evaluate",
      (ins "::llvm::ArrayRef<::modelc::nn::WeightData>":$operands)>,
  ];
}

#endif // MODELC_NN_INTERFACES
