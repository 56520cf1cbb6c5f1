//===- NNDialect.td - the nn dialect ------------------------*- tablegen -*-===//
#ifndef MODELC_NN_DIALECT
#define MODELC_NN_DIALECT

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let summary = "Transformer-family tensor ops with weights as symbols";
  let description = [{
    The `nn` dialect models a transformer-family network at the level of its
    building blocks (linear, norm, attention, RoPE, ...) on ranked tensors
    whose leading `batch` and `seq` dimensions are dynamic. Weights are named
    references into a weight store (`nn.weight`), never inline constants.
    After kernel formation, ops are grouped into `nn.kernel` regions: one
    region becomes one Halide pipeline.
  }];
  let cppNamespace = "::modelc::nn";
  let useDefaultAttributePrinterParser = 0;

  // The attributes nn IR carries outside its ops, declared once: the
  // frontend writes them, passes and codegen read them (as
  // NNDialect::<Name>AttrHelper::getNameStr()), the verifier checks them.
  let discardableAttrs = (ins
    // builtin.module: the model's name (it names the output files).
    "::mlir::StringAttr":$model_name,
    // builtin.module: the largest sequence length the model accepts.
    "::mlir::IntegerAttr":$max_seq,
    // builtin.module: the sequence length of every run, when the inputs fix
    // it (an image model: its patches and prefix tokens); absent otherwise.
    // Kernels may specialise on it (attention's key blocks).
    "::mlir::IntegerAttr":$fixed_seq,
    // builtin.module, set by nn-plan-memory: the activation arena's size in
    // floats per token.
    "::mlir::IntegerAttr":$arena_floats_per_token,
    // @forward argument or result: its name in the library's signature.
    "::mlir::StringAttr":$tensor_name,
    // @forward i32 argument: valid ids are [0, id_limit), the rows of the
    // table they index (checked at run time).
    "::mlir::IntegerAttr":$id_limit
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
}

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, traits>;

#endif // MODELC_NN_DIALECT
