//===- Families.h - the built-in block families, one call each --*- C++ -*-===//
//
// Each frontend/blocks/<Family>.cpp defines one register function; Blocks.cpp
// calls them all. Adding a family adds one line here and one there.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_BLOCKS_FAMILIES_H
#define MODELC_FRONTEND_BLOCKS_FAMILIES_H

namespace modelc::frontend {

void registerTokenInput();
void registerImageInput();
void registerPositions();
void registerNorms();
void registerVisionNorms();
void registerPlacements();
void registerAttentionMixer();
void registerLinearAttentionMixer();
void registerDeltaNetMixers();
void registerMambaMixer();
void registerAftMixer();
void registerPoolingMixer();
void registerConvMixer();
void registerMlpChannel();
void registerKanChannel();
void registerMoeChannel();
void registerOutputs();
void registerClassifierOutput();
void registerDepthStructures();

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_BLOCKS_FAMILIES_H
