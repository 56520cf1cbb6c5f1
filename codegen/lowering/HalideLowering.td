//===- HalideLowering.td - how an nn op becomes Halide ------*- tablegen -*-===//
//
// Declared here, not in the dialect, and attached to the nn ops as external
// models from codegen/lowering/<Family>.cpp: the dialect knows nothing of
// Halide (MLIR's bufferization idiom).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_HALIDELOWERING
#define MODELC_CODEGEN_HALIDELOWERING

include "mlir/IR/OpBase.td"

def HalideLoweringOpInterface : OpInterface<"HalideLoweringOpInterface"> {
  let description = [{
    Defines the Halide Funcs of the op's results from the Funcs of its
    operands, inside the pipeline of the nn.kernel that holds it. Ops with
    internal stages (a GEMM's accumulator, a norm's row statistics,
    attention's scores) register them with the context for the kernel
    class's schedule to place (codegen/schedules/).
  }];
  let cppNamespace = "::modelc::codegen";
  let methods = [
    InterfaceMethod<"Defines the op's results in `ctx`.",
      "::mlir::LogicalResult", "lowerToHalide",
      (ins "::modelc::codegen::LoweringContext &":$ctx)>,
    InterfaceMethod<[{
        Whether the op needs each token's sequence position (then the kernel
        indexes activations as (c, s, b) instead of (c, m = b*S + s)).
      }], "bool", "needsPositions", (ins), [{}], [{ return false; }]>,
  ];
}

#endif // MODELC_CODEGEN_HALIDELOWERING
