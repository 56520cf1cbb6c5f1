//===- Blocks.cpp - register every built-in block family ------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include <mutex>

namespace modelc::frontend {

void registerBuiltinBlocks() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerTokenInput();
    registerPositions();
    registerNorms();
    registerPlacements();
    registerAttentionMixer();
    registerMlpChannel();
    registerOutputs();
  });
}

} // namespace modelc::frontend
