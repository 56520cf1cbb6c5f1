//===- LinearAttention.h - the linear_attention kernel class ----*- C++ -*-===//
//
// Kernelized attention per (head, batch). Causal: a chunked prefix scan
// (chunks of kChunk tokens). Each chunk's phi(K)^T V is a small matmul; the
// scan carries the running state from chunk to chunk (state_n = state_{n-1}
// + KV_{n-1}, head_dim x head_dim per chunk) and keeps each chunk's state
// for the output pass of that head; the outputs of a chunk are
// phi(Q) state_n plus the masked intra-chunk scores phi(Q) phi(K)^T times V,
// again small matmuls. Bidirectional: phi(K)^T V over the whole sequence,
// then phi(Q) times it. No seq x seq buffer in either form.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_LINEARATTENTION_H
#define MODELC_CODEGEN_SCHEDULES_LINEARATTENTION_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// Tokens per chunk of the causal scan (nn.linear_attention's FLOP count
/// assumes the same).
constexpr int kLinearAttentionChunk = 64;

/// The Funcs of one feature map (q or k) of a head: for hedgehog the
/// projection x W and its softmax statistics; `phi` the features.
struct FeatureFuncs {
  Halide::Func proj, expPos, expNeg; // hedgehog only
  /// max, min, sum, sum of the negated: lane partials and their totals.
  std::vector<Halide::Func> lanes, totals;
  Halide::RDom rd; // over dk
  int f = 0;
  int L = 1; // lanes of the partials (1: scalar)
};

/// The Funcs of one nn.linear_attention. Per-head Funcs have the pure vars
/// (.., h, b); the features are qf(u, t, h, b) and kf(t, u, h, b) (tokens
/// innermost, the vector axis of the score matmul).
struct LinearAttentionStages : OpStages {
  using OpStages::OpStages;
  bool causal = true, denominator = false, headNorm = false;
  /// The result is the kernel's output (else an all-heads norm consumes
  /// it, and the result is computed at root).
  bool direct = true;
  int dv = 0;
  Halide::Func result; // (c, s, b)
  Halide::Func qf, kf;
  FeatureFuncs q, k;
  // Causal: per-chunk KV and key sums, the states before each chunk, the
  // chunk's scores; both forms: the output accumulator and denominator.
  Halide::Func kv, states, ksum, zstates, scores, acc, denLanes, den;
  // Bidirectional: KV and key sums over the whole sequence.
  Halide::Func kvAll, zAll;
  Halide::Func mean, meanSquare; // per-head norm statistics (about the mean
                                 // for LayerNorm)
  Halide::Var j{"j"}, i{"i"}, t{"t"}, tp{"tp"}, n{"n"}, h{"h"}, b{"b"}, u{"u"},
      l{"l"};
  Halide::RDom rt, rn, rk, ri, rp, rz, rs, rsz, rdi, rdp, rnorm;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `linear_attention` kernel class.
void registerLinearAttentionSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_LINEARATTENTION_H
