//===- RoutingLists.cpp - the routing tables and token lists --------------===//
#include "codegen/lowering/RoutingLists.h"

using namespace Halide;

namespace modelc::codegen {

Expr clampExpert(const RoutingStages &R, Expr e) {
  return clamp(e, 0, R.experts - 1);
}

Expr routedToken(const RoutingStages &R, const LoweringContext &ctx, Expr row) {
  return clamp(R.tokenOf(row), 0, ctx.rows - 1);
}

Expr routedRow(const RoutingStages &R, Expr e, Expr m) {
  return clamp(R.tileStart(e) * kRoutingTile + R.before(e, m), 0,
               R.maxRows - 1);
}

void defineRoutingLists(RoutingStages &R, Func logits, int groups, int topK,
                        const LoweringContext &ctx, const std::string &nm) {
  const int E = R.experts, G = E / groups, T = kRoutingTile;
  const Var &m = ctx.m, &e = R.e, &j = R.j, &r = R.r, &t = R.t;
  Expr N = ctx.rows;
  // Every list padded to whole tiles: at most ceil(N k groups / T) + E - 1
  // tiles in all.
  R.maxRows = ((N * topK * groups + T - 1) / T + (E - 1)) * T;

  // 1. Ranks within each group order the logits, ties to the lower index.
  RDom rg(0, G, nm + "_rg");
  Expr first = (e / G) * G, other = first + rg;
  R.rank = Func(nm + "_rank");
  Expr lo = logits(other, m), l = logits(e, m);
  R.rank(e, m) = sum(select(lo > l || (lo == l && other < e), 1, 0));
  R.hit = Func(nm + "_hit");
  R.hit(e, m) = select(R.rank(e, m) < topK, 1, 0);
  RDom rc(0, G, nm + "_rc");
  Expr member = (j / topK) * G + rc;
  R.choice = Func(nm + "_choice");
  R.choice(j, m) = sum(select(R.rank(member, m) == j % topK, member, 0));

  // 2. The lists: a scan counts each expert's tokens before each token.
  R.before = Func(nm + "_before");
  R.tokens = RDom(1, max(N - 1, 0), nm + "_tokens");
  R.before(e, m) = 0;
  Expr tk = R.tokens.x;
  R.before(e, tk) = R.before(e, tk - 1) + R.hit(e, tk - 1);
  RDom rs(0, E, nm + "_rs");
  Expr tilesOf = (R.before(rs, N - 1) + R.hit(rs, N - 1) + T - 1) / T;
  R.tileStart = Func(nm + "_tile_start");
  R.tileStart(e) = sum(select(rs < e, tilesOf, 0));
  // Padding rows read token 0; nothing reads their results.
  R.tokenOf = Func(nm + "_token_of");
  R.tokenOf(r) = 0;
  R.pairs = RDom(0, E, 0, N, nm + "_pairs");
  R.pairs.where(R.hit(R.pairs.x, R.pairs.y) != 0);
  R.tokenOf(routedRow(R, R.pairs.x, R.pairs.y)) = R.pairs.y;
  RDom rt(0, E, nm + "_rt");
  R.tileExpert = Func(nm + "_tile_expert");
  R.tileExpert(t) = clampExpert(R, sum(select(R.tileStart(rt + 1) <= t, 1, 0)));
}

} // namespace modelc::codegen
