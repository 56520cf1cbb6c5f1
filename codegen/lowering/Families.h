//===- Families.h - every op family's codegen, registered once --*- C++ -*-===//
//
// Each family attaches the Halide lowering of its ops (external models of
// HalideLoweringOpInterface) and registers the schedule of the kernel class
// it seeds. Adding a family adds one declaration here and one call in
// Families.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_LOWERING_FAMILIES_H
#define MODELC_CODEGEN_LOWERING_FAMILIES_H

#include "mlir/IR/DialectRegistry.h"

namespace modelc::codegen {

void registerElementwiseCodegen(mlir::DialectRegistry &registry);
void registerLinearCodegen(mlir::DialectRegistry &registry);
void registerEmbeddingCodegen(mlir::DialectRegistry &registry);
void registerNormCodegen(mlir::DialectRegistry &registry);
void registerAttentionCodegen(mlir::DialectRegistry &registry);
void registerLinearAttentionCodegen(mlir::DialectRegistry &registry);
void registerDeltaRuleCodegen(mlir::DialectRegistry &registry);
void registerMambaCodegen(mlir::DialectRegistry &registry);
void registerAftCodegen(mlir::DialectRegistry &registry);
void registerPoolingCodegen(mlir::DialectRegistry &registry);
void registerConvCodegen(mlir::DialectRegistry &registry);
void registerMoeCodegen(mlir::DialectRegistry &registry);
void registerSwitchHeadCodegen(mlir::DialectRegistry &registry);
void registerVisionCodegen(mlir::DialectRegistry &registry);
void registerStructureCodegen(mlir::DialectRegistry &registry);
void registerLearnedActivationCodegen(mlir::DialectRegistry &registry);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_LOWERING_FAMILIES_H
