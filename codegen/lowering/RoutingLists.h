//===- RoutingLists.h - the routing tables and token lists ------*- C++ -*-===//
//
// Steps 1 and 2 of a routing kernel (codegen/schedules/Routing.h), shared by
// the ops that route tokens to experts (nn.moe, nn.switch_linear): the
// ranks, the chosen experts and each expert's list of tokens in tiles.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_LOWERING_ROUTINGLISTS_H
#define MODELC_CODEGEN_LOWERING_ROUTINGLISTS_H

#include "codegen/schedules/Routing.h"

namespace modelc::codegen {

/// Defines R.rank, hit, choice, before, tileStart, tokenOf and tileExpert
/// for R.experts experts in `groups` equal groups (nn.moe: one; SwitchHead:
/// one per head), each token choosing the `topK` largest `logits(e, m)` of
/// every group (ties: the lower index). choice(j, m), j < groups * topK, is
/// group j / topK's (j % topK)-th choice. `nm` prefixes the Funcs' names.
void defineRoutingLists(RoutingStages &R, Halide::Func logits, int groups,
                        int topK, const LoweringContext &ctx,
                        const std::string &nm);

/// The listed row (t * kRoutingTile + i) of token m's pair with expert e.
Halide::Expr routedRow(const RoutingStages &R, Halide::Expr e, Halide::Expr m);

/// Expert e clamped into [0, experts).
Halide::Expr clampExpert(const RoutingStages &R, Halide::Expr e);
/// The token of routed row `row`, clamped to the kernel's rows: the lists
/// only hold tokens, but Halide cannot bound a data-dependent index into the
/// (unclamped) input.
Halide::Expr routedToken(const RoutingStages &R, const LoweringContext &ctx,
                         Halide::Expr row);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_LOWERING_ROUTINGLISTS_H
