//===- Aft.h - the aft kernel class ----------------------------*- C++ -*-===//
//
// AFT-simple per channel as a chunked scan over the sequence (DESIGN
// decision 12): the sequence is cut into chunks of kAftChunk tokens.
//  1. Per chunk, independently: its maximum key M and the sums of
//     exp(k - M) v and exp(k - M).
//  2. A scan over the chunks merges them into the state before each chunk:
//     (m, n, d), the maximum key so far and the sums rescaled to it.
//  3. Bidirectional: every token reads the state after the last chunk.
//     Causal: each chunk re-scans its tokens from the state before it, with
//     a running maximum (one exp per token rescales whichever of the sums so
//     far and the new term is below the new maximum), and every token reads
//     its own state.
// Every step of every phase walks whole rows of channels, so memory is read
// row by row; chunks (and sequences) are the parallel tasks.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_AFT_H
#define MODELC_CODEGEN_SCHEDULES_AFT_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// Tokens per chunk of the aft scan.
constexpr int kAftChunk = 32;

/// The Funcs of one nn.aft, over channel c, chunk j, batch b and (in a
/// chunk) token t.
struct AftStages : OpStages {
  using OpStages::OpStages;
  bool causal = false;
  Halide::Var j{"j"}, t{"t"};
  // Phase 1, (c, j, b): the chunk's maximum key and its Tuple (n, d);
  // (c, s, b): exp(k - the maximum of s's chunk); (c, j, b): the chunk's
  // Tuple (m, n, d).
  Halide::Func chunkMax, chunkExp, chunkSums, chunkState;
  Halide::RDom chunkTokens;
  // Phase 2, (c, j, b): the Tuple (m, n, d) before chunk j.
  Halide::Func carry;
  Halide::RDom chunks;
  // Phase 3 (causal), (c, t, j, b): the running maximum after token t of
  // chunk j, the rescale factor token t brings, the Tuple (n, d) after it.
  Halide::Func runMax, runRescale, runSums;
  Halide::RDom steps;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `aft` kernel class.
void registerAftSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_AFT_H
