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
}

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, traits>;

#endif // MODELC_NN_DIALECT
