//===- Rows.cpp - the row kernel classes: norms, embeddings ---------------===//
#include "codegen/schedules/Rows.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

namespace {
// Rows per parallel task: one row per task made the thread pool (mutex +
// yield per task) dominate.
constexpr int kRowsPerTask = 32;
} // namespace

Func rowSum(const LoweringContext &ctx, const std::string &name, int64_t C,
            const std::function<Expr(Expr, const std::vector<Expr> &)> &term,
            RowStages &stage) {
  std::vector<Var> tv = ctx.tokenVars();
  std::vector<Expr> t = ctx.tokenArgs();
  const int V = ctx.V;
  Func tot(name);
  if (!ctx.gpu && C % V == 0 && C >= 2 * V) {
    // U independent V-lane accumulators (U*V lanes), folded to V lanes, then
    // a tree over the V lanes.
    int U = 1;
    for (int u : {4, 2})
      if (C % (u * V) == 0 && C >= 2 * u * V) {
        U = u;
        break;
      }
    Var l("l");
    Func part(name + "_lanes"), fold(name + "_fold");
    RDom r(0, (int)(C / (U * V)), name + "_r");
    std::vector<Var> pv{l};
    pv.insert(pv.end(), tv.begin(), tv.end());
    std::vector<Expr> pe{l};
    pe.insert(pe.end(), t.begin(), t.end());
    part(pv) = 0.0f;
    part(pe) += term(r.x * (U * V) + l, t);
    Expr fsum;
    for (int u = 0; u < U; ++u) {
      std::vector<Expr> a{l + u * V};
      a.insert(a.end(), t.begin(), t.end());
      fsum = u ? fsum + part(a) : part(a);
    }
    fold(pv) = fsum;
    std::vector<Expr> lanes;
    for (int i = 0; i < V; ++i) {
      std::vector<Expr> a{i};
      a.insert(a.end(), t.begin(), t.end());
      lanes.push_back(fold(a));
    }
    while (lanes.size() > 1) {
      std::vector<Expr> nx;
      for (size_t i = 0; i + 1 < lanes.size(); i += 2)
        nx.push_back(lanes[i] + lanes[i + 1]);
      if (lanes.size() % 2)
        nx.push_back(lanes.back());
      lanes = nx;
    }
    tot(tv) = lanes[0];
    stage.partials.push_back(part);
    stage.folds.push_back(fold);
  } else {
    RDom r(0, (int)C, name + "_r");
    tot(tv) = 0.0f;
    tot(t) += term(r.x, t);
  }
  stage.totals.push_back(tot);
  return tot;
}

Func sequenceSum(
    const LoweringContext &ctx, const std::string &name, int64_t groupSize,
    const std::function<Expr(Expr, const std::vector<Expr> &)> &term,
    SequenceStages &stage) {
  // Lanes are channels of one vector when the group is whole vectors, so the
  // block sums vectorize; each block is kRowsPerTask tokens.
  const int lanes = stage.lanes =
      !ctx.gpu && groupSize % ctx.V == 0 ? ctx.V : 1;
  const int cols = (int)(groupSize / lanes);
  Var g("g"), l = stage.lane, blk = stage.block, b = ctx.b;
  Expr S = ctx.seqLen;
  Func part(name + "_blocks"), tot(name);
  RDom r(0, cols, 0, kRowsPerTask, name + "_r");
  Expr s = blk * kRowsPerTask + r.y;
  // An inline reduction: one parallel loop over the blocks, not an
  // initialisation pass and an update pass.
  part(l, g, blk, b) = sum(
      select(s < S, term(g * (int)groupSize + r.x * lanes + l, {s, b}), 0.0f),
      name + "_block_sum");
  RDom rb(0, lanes, 0, (S + kRowsPerTask - 1) / kRowsPerTask, name + "_rb");
  tot(g, b) = 0.0f;
  tot(g, b) += part(rb.x, g, rb.y, b);
  stage.blocks.push_back(part);
  stage.totals.push_back(tot);
  return tot;
}

void SequenceStages::computeAtRoot(const LoweringContext &ctx) {
  for (Func p : blocks) {
    p.compute_root();
    if (ctx.gpu) {
      Var bo("bo"), bi("bi");
      p.gpu_tile(block, bo, bi, 32, TailStrategy::GuardWithIf);
      continue;
    }
    p.parallel(block);
    if (lanes > 1)
      p.vectorize(lane);
  }
  for (Func t : totals) {
    t.compute_root();
    if (ctx.gpu) {
      t.gpu_single_thread();
      if (t.has_update_definition())
        t.update().gpu_single_thread();
    }
  }
}

void RowStages::computeAtRoot(const LoweringContext &) {
  for (Func f : totals)
    f.compute_root();
  for (Func f : partials)
    f.compute_root();
}

namespace {
Var rowVar(const LoweringContext &x) { return x.flat ? x.m : x.s; }
} // namespace

void scheduleRowStageIn(const LoweringContext &x, Func f, int64_t channels,
                        RowStages &st) {
  Var row = rowVar(x);
  if (x.gpu) {
    Var cb("cb"), ct("ct"), rb("rb"), rt("rt");
    f.gpu_tile(x.c, row, cb, rb, ct, rt, 64, 4, TailStrategy::GuardWithIf);
    if (!x.flat)
      f.gpu_blocks(x.b);
    for (Func t : st.totals) {
      t.compute_at(f, cb).gpu_threads(row);
      if (t.has_update_definition())
        t.update().gpu_threads(row);
    }
    return;
  }
  if (channels >= x.V)
    f.vectorize(x.c, x.V,
                channels % x.V ? TailStrategy::GuardWithIf
                               : TailStrategy::Auto);
  Var ro("ro"), ri("ri");
  f.split(row, ro, ri, kRowsPerTask, TailStrategy::GuardWithIf).parallel(ro);
  for (Func p : st.partials) {
    Var l = p.args()[0], lo("lo"), li("li");
    p.compute_at(f, ri).vectorize(l, x.V).unroll(l);
    p.update().split(l, lo, li, x.V).vectorize(li).unroll(lo);
  }
  for (Func fo : st.folds)
    fo.compute_at(f, ri).vectorize(fo.args()[0]);
  for (Func t : st.totals)
    t.compute_at(f, ri);
}

void scheduleRowKernel(ScheduleEnv &env) {
  LoweringContext &x = env.ctx;
  // A sequence statistic's host: the normalized rows in parallel blocks,
  // after the statistics (computed at root).
  for (SequenceStages *st : env.stagesOf<SequenceStages>()) {
    Host *host = env.hostFor(*st);
    if (!host || host->scheduled || x.gpu)
      continue;
    if (host->channels >= x.V)
      host->func.vectorize(x.c, x.V,
                           host->channels % x.V ? TailStrategy::GuardWithIf
                                                : TailStrategy::Auto);
    Var so("so"), si("si");
    host->func.split(x.s, so, si, kRowsPerTask, TailStrategy::GuardWithIf)
        .parallel(so);
    host->scheduled = true;
  }
  Host *rowHost = nullptr;
  for (RowStages *st : env.stagesOf<RowStages>()) {
    Host *host = env.hostFor(*st);
    if (!host || host->scheduled)
      continue;
    scheduleRowStageIn(x, host->func, host->channels, *st);
    host->scheduled = st->placed = true;
    if (host->isOutput && !rowHost)
      rowHost = host;
  }
  if (x.gpu || !rowHost)
    return;
  // The other outputs (the residual sum next to the normalized value) share
  // the row blocks and the parallel loop of the norm's output
  // (compute_with), instead of a second parallel launch.
  for (Host &h : env.hosts) {
    if (h.scheduled || !h.isOutput)
      continue;
    Var ro("ro"), ri("ri");
    if (h.channels >= x.V)
      h.func.vectorize(x.c, x.V,
                       h.channels % x.V ? TailStrategy::GuardWithIf
                                        : TailStrategy::Auto);
    h.func.split(rowVar(x), ro, ri, kRowsPerTask, TailStrategy::GuardWithIf)
        .parallel(ro);
    h.func.compute_with(rowHost->func, ro);
    h.scheduled = true;
  }
}

} // namespace modelc::codegen
