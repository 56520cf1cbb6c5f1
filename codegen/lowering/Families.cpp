//===- Families.cpp - every op family's codegen, registered once ----------===//
#include "codegen/lowering/Families.h"
#include "codegen/Codegen.h"

namespace modelc::codegen {

void registerHalideLowerings(mlir::DialectRegistry &registry) {
  registerElementwiseCodegen(registry);
  registerLinearCodegen(registry);
  registerEmbeddingCodegen(registry);
  registerNormCodegen(registry);
  registerAttentionCodegen(registry);
  registerLinearAttentionCodegen(registry);
  registerDeltaRuleCodegen(registry);
  registerMambaCodegen(registry);
  registerAftCodegen(registry);
  registerPoolingCodegen(registry);
  registerConvCodegen(registry);
  registerMoeCodegen(registry);
  registerSwitchHeadCodegen(registry);
  registerVisionCodegen(registry);
  registerStructureCodegen(registry);
  registerLearnedActivationCodegen(registry);
}

} // namespace modelc::codegen
