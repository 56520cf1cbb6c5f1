//===- Aft.h - the aft kernel class ------------------------------*- C++
//-*-===//
//
// AFT-simple per channel, as scans over the sequence: the maximum key m,
// the factors that rescale to it, then the sums n of exp(k - m) v and d of
// exp(k - m). Causal: m is a running maximum and n, d are kept after every
// token, rescaled whenever m grows; otherwise m is the sequence's maximum
// and n, d are two plain sums. Channels are independent: each parallel task
// scans a block of channels of one sequence, the block's vectors
// interleaved in every step.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_AFT_H
#define MODELC_CODEGEN_SCHEDULES_AFT_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The Funcs of one nn.aft. Causal, over (c, s, b) with s = -1 the state
/// before the first token; otherwise over (c, b).
struct AftStages : OpStages {
  using OpStages::OpStages;
  Halide::Func maxKey;  // m (causal: after token s)
  Halide::Func rescale; // (c, s, b): the exp factor token s contributes
  Halide::Func sums;    // Tuple (n, d) (causal: after token s)
  Halide::RDom tokens;  // the scans' steps
  bool causal = false;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `aft` kernel class.
void registerAftSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_AFT_H
