//===- Attention.h - the attention kernel class -----------------*- C++ -*-===//
//
// Softmax attention per (head, batch), flash-style per query tile: the
// scores of a tile of queries against every key, their row max and sum, and
// P V, all inside the tile (no seq x seq buffer).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_ATTENTION_H
#define MODELC_CODEGEN_SCHEDULES_ATTENTION_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The Funcs of one nn.attention.
struct AttentionStages : OpStages {
  using OpStages::OpStages;
  Halide::Func qh, kh, sc, mx, den, e, o; // sc: CPU only (GPU recomputes)
  int d = 0;
  Halide::Var kj{"kj"}, qi{"qi"}, h{"h"}, bb{"bb"}, j{"j"};
  Halide::RDom rr, krMax, krDen, krO;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `attention` kernel class.
void registerAttentionSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_ATTENTION_H
