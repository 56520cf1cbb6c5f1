//===- Blocks.cpp - register every built-in block family ------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include <mutex>

namespace modelc::frontend {

void registerBuiltinBlocks() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerTokenInput();
    registerImageInput();
    registerPositions();
    registerNorms();
    registerVisionNorms(); // before the placements: peri names their leaves
    registerPlacements();
    registerAttentionMixer();
    registerLinearAttentionMixer();
    registerDeltaNetMixers();
    registerMambaMixer();
    registerAftMixer();
    registerPoolingMixer();
    registerConvMixer();
    registerMlpChannel();
    registerKanChannel();
    registerMoeChannel();
    registerOutputs();
    registerClassifierOutput();
    // Last: per-loop LoRA names its slots after the projections of every
    // mixer and channel.
    registerDepthStructures();
  });
}

} // namespace modelc::frontend
