//===- Attention.h - the attention kernel class -----------------*- C++ -*-===//
//
// Softmax attention per (head, batch), per query tile: the scores of a tile
// of queries against the keys the tile can see (the causal, window and block
// masks bound the key loops and the score buffers, so masked key ranges are
// never visited) and the memory slots, their row max and sum, and P V, all
// inside the tile (no seq x seq buffer). Talking heads mix scores and
// probabilities across heads, so their tile holds every head.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_ATTENTION_H
#define MODELC_CODEGEN_SCHEDULES_ATTENTION_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The Funcs of one nn.attention, all over (key, query, head, batch) or
/// (query, head, batch); those of an absent feature stay undefined.
struct AttentionStages : OpStages {
  using OpStages::OpStages;
  int d = 0, heads = 0;
  bool talking = false;
  /// Scaled queries; K^T of the kv head; the value residual's mixed value.
  Halide::Func qh, kh, vh;
  /// Scores (CPU: a buffer per tile; GPU: recomputed), after the talking
  /// heads' mix (mixed), against the memory slots (the *Mem Funcs).
  Halide::Func sc, mixed, scMem, mixedMem;
  /// Row max, exponentials, row sum, probabilities (only when o needs them
  /// per key: clipped, or mixed across heads), mixed probabilities, P V.
  Halide::Func mx, e, eMem, den, prob, probMem, mixedProb, mixedProbMem, o;
  Halide::Var kj{"kj"}, qi{"qi"}, h{"h"}, bb{"bb"}, j{"j"};
  /// head_dim; the visible keys of max, sum and P V; the memory slots.
  Halide::RDom rr, krMax, krDen, krO, mem;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `attention` kernel class.
void registerAttentionSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_ATTENTION_H
