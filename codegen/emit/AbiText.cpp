//===- AbiText.cpp - runtime/modelc_abi.h, embedded -----------------------===//
#include "codegen/emit/AbiText.h"

namespace modelc::codegen {
const char *const kModelcAbiText =
#include "codegen/ModelcAbiText.inc"
    ;
} // namespace modelc::codegen
