//===- SelectiveScan.h - the selective_scan kernel class --------*- C++ -*-===//
//
// Mamba's selective SSM (nn.selective_scan) as one pipeline per batch row:
// the sequence is walked in chunks; per chunk the conv + SiLU of every
// channel and x_proj (dbc) are computed into cache, then each block of
// channels computes its dt_proj + softplus and runs the recurrence over the
// chunk with its state in a small buffer that stays in cache between
// chunks. No [seq, channels, d_state] tensor is formed.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_SELECTIVESCAN_H
#define MODELC_CODEGEN_SCHEDULES_SELECTIVESCAN_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The Funcs of one nn.selective_scan (I channels, d_state N, dt_rank R,
/// P = R + 2N projections). Vars: i channel, t token, p projection, q slot
/// of the scan buffer, n state index, bb batch.
struct SelectiveScanStages : OpStages {
  using OpStages::OpStages;
  int I = 0, N = 0, R = 0, P = 0;
  Halide::Func convT; // convT(i, k): the conv taps, channels innermost
  Halide::Func negA;  // negA(i, n) = -exp(a_log) * log2(e)
  Halide::Func u;     // u(i, t, bb): conv + SiLU
  Halide::Func dbc;   // dbc(p, t, bb) = u x_proj: dt input, B, C
  Halide::Func dtAcc; // dtAcc(i, t, bb) = dt_bias + dbc[0:R] dt_proj
  Halide::Func delta; // softplus(dtAcc)
  Halide::Func du;    // delta * u
  /// scan(i, q, bb): q < N the state h(:, q) after the last token scanned,
  /// q = N + t the output y of token t.
  Halide::Func scan;
  Halide::RDom rx, rr, rs, r0; // x_proj's i, dt_proj's r, the scan, the init
  Halide::Var i{"i"}, t{"t"}, p{"p"}, q{"q"}, n{"n"}, k{"k"}, bb{"bb"};
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `selective_scan` kernel class.
void registerSelectiveScanSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_SELECTIVESCAN_H
