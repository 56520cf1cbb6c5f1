//===- DeltaRule.h - the delta_rule kernel class ----------------*- C++ -*-===//
//
// DeltaNet's chunkwise delta rule per (batch, head): one serial loop over
// chunks of C tokens. Inside a chunk everything is a small matmul on the
// chunk's q, k, v (the WY form): the gram matrices, the triangular solve for
// [W | U], and from them the chunk's state transition and outputs. The loop
// step then writes the next state and the chunk's outputs as one product
// with the current state, which never leaves the loop (no seq x seq buffer).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_DELTARULE_H
#define MODELC_CODEGEN_SCHEDULES_DELTARULE_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The Funcs of one nn.delta_rule (codegen/lowering/DeltaRule.cpp defines
/// them). Per chunk n of head h, batch bb; i: a key channel, j: a value
/// channel, x: a column of [W | U] (dk + dv), t/tk: a token of the chunk.
struct DeltaRuleStages : OpStages {
  using OpStages::OpStages;
  int dk = 0, dv = 0, chunk = 0;
  bool gated = false;
  Halide::Var i{"di"}, j{"dj"}, x{"dx"}, t{"dt"}, tk{"dtk"}, n{"dn"}, h{"dh"},
      bb{"db"}, row{"drow"};
  // Prologue: the chunk's q and k (after their producers: conv, SiLU), their
  // sums of squares, the normalised (scaled) queries and keys (and the keys
  // transposed), beta, and the
  // cumulative log decay (gated).
  Halide::Func qIn, kIn, qSq, kSq, qn, kn, knT, beta, decay;
  // Small matmuls: K K^T and its masked form L, the solve for [W | U] (in
  // place, row by row), Kd^T [W | U] with the decayed keys Kd, Q K^T and its
  // masked form A_qk, A_qk [W | U].
  Halide::Func gram, lower, wu, kd, ab, qk, aqk, pr;
  // The loop step's matrix and constant rows: state rows [0, dk), output
  // rows [dk, dk + C).
  Halide::Func coef, bias;
  // X(j, row, n): rows [0, dk) the state before chunk n, rows [dk, dk + C)
  // the outputs of chunk n. Update 0 zeroes the initial state, update 1 is
  // the serial loop.
  Halide::Func X;
  Halide::Func outSq; // the output RMSNorm's sum of squares per token
  Halide::RDom rk, rt, rs, rv, rx, rz, rc;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `delta_rule` kernel class.
void registerDeltaRuleSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_DELTARULE_H
