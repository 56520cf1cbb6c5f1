//===- Attention.h - the attention kernel class -----------------*- C++ -*-===//
//
// Softmax attention, flash style: per (batch, head) and query tile, a loop
// over the key blocks the tile can see (the causal, window and block masks
// bound it, so masked blocks are never visited) that computes the block's
// scores, softmax terms and P V in small per-block buffers; no seq x seq (or
// tile x seq) buffer exists. Plain softmax merges the blocks online (running
// max and sum, Milakov & Gimelshein 2018); clipped and power softmax and
// talking heads need each probability normalized, so a first pass over the
// blocks computes the row statistics and a second the probabilities and P V.
// Talking heads mix across heads, so their tile holds every head.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_ATTENTION_H
#define MODELC_CODEGEN_SCHEDULES_ATTENTION_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The Funcs of one pass over the key blocks, all over (query, key in
/// block, block, head, batch) or without the key.
struct AttentionBlockStages {
  /// Scores (q.k and the ALiBi bias), after the talking heads' pre-softmax
  /// mix (mixed); the block's row max, its exponentials relative to it and
  /// their sum (online, first pass); the normalized probabilities, mixed
  /// across heads with talking heads (second pass); the block's P V
  /// (online).
  Halide::Func raw, mixed, max, exp, sum, prob, mixedProb, pv;
  /// head_dim of the scores; the keys of the block in max, sum and P V.
  Halide::RDom rd, rkMax, rkSum, rkPv;
};

/// The Funcs of one nn.attention; those of an absent feature stay undefined.
struct AttentionStages : OpStages {
  using OpStages::OpStages;
  int d = 0, heads = 0;
  int tile = 0, block = 0; // queries per tile, keys per block
  bool talking = false, online = false;
  Halide::Var q{"q"}, kk{"kk"}, kb{"kb"}, h{"h"}, bb{"bb"}, j{"j"}, r{"r"};
  /// The query tile of stats and acc (q's tile: q / tile): their block
  /// loops are bounded by it alone, so they visit only the tile's blocks.
  Halide::Var qt{"qt"};
  /// The tile's scaled queries; the keys of the kv head when the kernel
  /// computes them (RoPE: rotated once, not per tile); the value residual's
  /// mixed value.
  Halide::Func qs, kh, vh;
  /// Memory slots: scores, mixed scores, their max, exponentials and sum,
  /// normalized probabilities (second pass), mixed, and their P V (online).
  Halide::Func memRaw, memMixed, memMax, memExp, memSum, memProb, memMixedProb,
      memPv;
  Halide::RDom memMaxSlots, memSumSlots;
  /// Two-pass: the first pass's blocks and the row statistics (max, sum);
  /// the second pass's blocks. Online: only `pass2`.
  AttentionBlockStages pass1, pass2;
  Halide::Func stats;
  /// P V over the visible blocks: O (two-pass), or the online state
  /// (O, running max, running sum); its block RDom (x: key in block, y:
  /// block for the two-pass O; x: block online).
  Halide::Func acc;
  Halide::RDom blocks1, blocks2;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `attention` kernel class.
void registerAttentionSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_ATTENTION_H
