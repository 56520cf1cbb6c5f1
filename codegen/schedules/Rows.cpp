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

void RowStages::computeAtRoot(const LoweringContext &) {
  for (Func f : totals)
    f.compute_root();
  for (Func f : partials)
    f.compute_root();
}

namespace {

Var rowVar(const LoweringContext &x) { return x.flat ? x.m : x.s; }

// The stage's Funcs inside each row of `host`, rows in parallel blocks.
void scheduleRowStage(ScheduleEnv &env, Host &host, RowStages &st) {
  LoweringContext &x = env.ctx;
  Func f = host.func;
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
  if (host.channels >= x.V)
    f.vectorize(x.c, x.V,
                host.channels % x.V ? TailStrategy::GuardWithIf
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

} // namespace

void scheduleRowKernel(ScheduleEnv &env) {
  LoweringContext &x = env.ctx;
  Host *rowHost = nullptr;
  for (RowStages *st : env.stagesOf<RowStages>()) {
    Host *host = env.hostFor(*st);
    if (!host || host->scheduled)
      continue;
    scheduleRowStage(env, *host, *st);
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
