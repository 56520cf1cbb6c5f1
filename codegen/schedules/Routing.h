//===- Routing.h - the routing kernel class: routed experts -----*- C++ -*-===//
//
// One nn.moe (or nn.switch_linear) as one kernel (docs/codegen.md,
// "routing"):
//  1. Routing, per token: the rank of each expert's logit, whether the
//     expert is among the top_k, the k chosen experts and their weights.
//  2. The lists: a scan over the tokens counts, per expert, the tokens
//     before each one that chose it; each expert's list starts at a tile
//     boundary (tiles of kRoutingTile rows, the last one of a list padded),
//     so every tile belongs to one expert; a scatter writes each listed
//     row's token.
//  3. The grouped GEMM: per tile, its rows' inputs gathered by token times
//     the tile's expert's up (and gate) weights, the activation, times its
//     down weights (nn.switch_linear: one [in, out] weight): only routed
//     (token, expert) rows are computed.
//  4. The combine: each token's k rows, weighted, gathered back.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_ROUTING_H
#define MODELC_CODEGEN_SCHEDULES_ROUTING_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// Rows per tile of an expert's token list: the GEMMs' register tile height.
constexpr int kRoutingTile = 8;

/// The Funcs of one routed op: over expert e, token m, choice j (< top_k),
/// listed row r, tile t and row i of a tile (r = t * kRoutingTile + i), hidden
/// channel h and output channel c.
struct RoutingStages : OpStages {
  using OpStages::OpStages;
  int experts = 0, dim = 0, hidden = 0;
  bool glu = false;
  /// The panel width of the packed expert weights: the GEMM tile's columns
  /// (the GEMMs compute whole panels, past hidden and dim in the last one).
  int panel = 0;
  Halide::Var e{"e"}, j{"j"}, r{"r"}, t{"t"}, i{"i"}, h{"h"};
  // 1. (e, m): the rank of e's logit and whether e is among the top_k;
  // (j, m): the j-th chosen expert and its weight.
  Halide::Func rank, hit, choice, weight;
  // 2. (e, m): the tokens before m that chose e (a scan over `tokens`);
  // (e): the first tile of e's list (e = experts: the tiles in use);
  // (r): the token of each listed row (a scatter over `pairs`); (t): the
  // expert of each tile.
  Halide::Func before, tileStart, tokenOf, tileExpert;
  Halide::RDom tokens, pairs;
  Halide::Expr maxRows; // the listed rows, padding included, at most
  // 3. (h, i, t): the up accumulator over `rd` (a GLU: the Tuple (gate,
  // up)), the hidden activations; (c, i, t): the down accumulator over `rh`,
  // the expert's output. An expert of one GEMM (nn.switch_linear's) has
  // only the second: hidden is 0, upAcc and hiddenAct are undefined.
  Halide::Func upAcc, hiddenAct, downAcc, expertOut;
  Halide::RDom rd, rh;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `routing` kernel class.
void registerRoutingSchedule();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_ROUTING_H
