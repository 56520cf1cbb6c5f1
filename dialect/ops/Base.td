//===- Base.td - types and op classes shared by every op family -*- tablegen -*-===//
#ifndef MODELC_NN_OPS_BASE
#define MODELC_NN_OPS_BASE

include "dialect/NNDialect.td"
include "dialect/NNAttrs.td"
include "dialect/NNInterfaces.td"
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
def NN_StaticTensor : Type<And<[TensorOf<[F32]>.predicate, HasStaticShapePred]>,
    "statically shaped f32 tensor", "::mlir::TensorType">;
// A weight-only int8 GEMM weight (nn-quantize-weights), with its f32 scales.
def NN_Int8Matrix : Type<And<[2DTensorOf<[I8]>.predicate, HasStaticShapePred]>,
    "statically shaped 2D i8 tensor", "::mlir::TensorType">;
// A GEMM weight that is f32, or int8 where the op also takes its scales.
def NN_MaybeInt8Matrix : Type<And<[2DTensorOf<[F32, I8]>.predicate,
                                   HasStaticShapePred]>,
    "statically shaped 2D f32 or i8 tensor", "::mlir::TensorType">;

// The interfaces every compute op implements; `fusion`, `cost` and `roles`
// list the methods an op defines itself (the rest keep their defaults).
class NN_Interfaces<list<string> fusion, list<string> cost,
                    list<string> roles> {
  list<Trait> traits = [
    DeclareOpInterfaceMethods<NN_FusionOpInterface, fusion>,
    DeclareOpInterfaceMethods<NN_CostOpInterface, cost>,
    DeclareOpInterfaceMethods<NN_WeightRolesOpInterface, roles>];
}

// A compute op: pure, verified, its result type inferred from its operands
// (InferTypeOpInterface), so a builder never spells a result type.
class NN_ComputeOp<string mnemonic, list<Trait> traits = [],
                   list<string> fusion = ["getFusionKind"],
                   list<string> cost = ["getFlopsPerToken"],
                   list<string> roles = []>
    : NN_Op<mnemonic, !listconcat(traits,
        NN_Interfaces<fusion, cost, roles>.traits,
        [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

// A compute op whose result has the type of its first operand.
class NN_SameTypeOp<string mnemonic, list<Trait> traits = [],
                    list<string> fusion = ["getFusionKind"],
                    list<string> cost = ["getFlopsPerToken"],
                    list<string> roles = []>
    : NN_Op<mnemonic, !listconcat(traits,
        NN_Interfaces<fusion, cost, roles>.traits,
        [Pure, InferTypeOpInterface])> {
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

// The interface methods of a seed op (one that starts a kernel).
defvar NN_SeedMethods = ["getFusionKind", "getSeedClass", "getSeedPriority",
                         "absorbsProducer", "absorbsConsumer"];

#endif // MODELC_NN_OPS_BASE
