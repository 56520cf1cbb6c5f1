//===- NNOps.td - nn dialect operations ---------------------*- tablegen -*-===//
//
// Every op family lives in its own file under ops/ (ODS) with its C++
// (verifiers, folders, interface methods) beside it; this file only lists
// them. Adding a family adds one include here.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_NN_OPS
#define MODELC_NN_OPS

include "dialect/ops/WeightOps.td"
include "dialect/ops/KernelOps.td"
include "dialect/ops/ElementwiseOps.td"
include "dialect/ops/LinearOps.td"
include "dialect/ops/EmbeddingOps.td"
include "dialect/ops/NormOps.td"
include "dialect/ops/AttentionOps.td"
include "dialect/ops/LinearAttentionOps.td"
include "dialect/ops/DeltaRuleOps.td"
include "dialect/ops/MambaOps.td"
include "dialect/ops/AftOps.td"
include "dialect/ops/PoolingOps.td"
include "dialect/ops/ConvOps.td"
include "dialect/ops/MoeOps.td"
include "dialect/ops/SwitchHeadOps.td"
include "dialect/ops/VisionOps.td"
include "dialect/ops/StructureOps.td"
include "dialect/ops/BatchNormFoldOps.td"
include "dialect/ops/LearnedActivationOps.td"

#endif // MODELC_NN_OPS
