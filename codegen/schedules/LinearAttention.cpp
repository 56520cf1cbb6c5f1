//===- LinearAttention.cpp - the linear_attention kernel class ------------===//
#include "codegen/schedules/LinearAttention.h"
#include "codegen/schedules/Rows.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

namespace {

/// Every internal Func of the stage, in definition order.
std::vector<Func> internalFuncs(LinearAttentionStages &A) {
  std::vector<Func> all;
  for (FeatureFuncs *f : {&A.q, &A.k}) {
    all.insert(all.end(), f->lanes.begin(), f->lanes.end());
    all.insert(all.end(), f->totals.begin(), f->totals.end());
  }
  for (Func f : {A.q.proj,   A.q.expPos, A.q.expNeg, A.k.proj, A.k.expPos,
                 A.k.expNeg, A.qf,       A.kf,       A.kv,     A.states,
                 A.ksum,     A.zstates,  A.scores,   A.kvAll,  A.zAll,
                 A.acc,      A.denLanes, A.den,      A.mean,   A.meanSquare})
    if (f.defined())
      all.push_back(f);
  return all;
}

/// A register-tiled small matmul update `f(cols, rows, ..) += a(r, rows) *
/// b(cols, r)`: `rows` unrolled by 4, `cols` vectorized and unrolled (up to
/// four vectors), the reduction `r` between them.
void tileUpdate(Stage s, Var cols, Var rows, RVar r, int colExtent, int V) {
  Var ro("ro"), ri("ri"), co("co"), ci("ci");
  s.split(rows, ro, ri, 4, TailStrategy::GuardWithIf);
  if (colExtent % V == 0 && colExtent <= 4 * V) {
    s.split(cols, co, ci, V)
        .reorder(ci, co, ri, r, ro)
        .vectorize(ci)
        .unroll(co);
  } else {
    s.reorder(cols, ri, r, ro).vectorize(cols, V, TailStrategy::GuardWithIf);
  }
  s.unroll(ri);
}

/// Hedgehog's projection (a register-tiled matmul), its exponentials and
/// softmax sums for the tokens of one iteration of `at`'s loop `var`.
void scheduleHedgehog(FeatureFuncs &f, Var t, Func at, Var var, int V) {
  if (!f.proj.defined())
    return;
  Var p = f.proj.args()[0];
  f.proj.compute_at(at, var).vectorize(p, V, TailStrategy::GuardWithIf);
  tileUpdate(f.proj.update(), p, t, f.rd, f.f, V);
  for (Func e : {f.expPos, f.expNeg})
    e.compute_at(at, var).vectorize(p, V, TailStrategy::GuardWithIf);
  for (Func l : f.lanes) {
    l.compute_at(at, var);
    if (f.L > 1) {
      l.vectorize(l.args()[0]);
      l.update().vectorize(l.args()[0]);
    }
  }
  for (Func s : f.totals)
    s.compute_at(at, var);
}

void scheduleCpu(Func top, LinearAttentionStages &A, LoweringContext &x) {
  const int V = x.V, C = kLinearAttentionChunk, dv = A.dv;
  // Heads (and batch rows) in parallel, chunks of tokens in order.
  Var hh("hh"), jj("jj"), so("so"), si("si"), bh("bh");
  top.split(x.c, hh, jj, dv)
      .split(x.s, so, si, C, TailStrategy::GuardWithIf)
      .reorder(jj, si, so, hh, x.b)
      .fuse(hh, x.b, bh)
      .parallel(bh);
  if (dv % V == 0)
    top.vectorize(jj, V);

  // k's features of the whole head, tokens innermost, read in blocks of V
  // tokens (the gather stays in L1); q's features per chunk.
  Var to("to"), ti("ti");
  A.kf.compute_at(top, bh)
      .split(A.t, to, ti, V, TailStrategy::RoundUp)
      .reorder(ti, A.u, to)
      .vectorize(ti);
  A.qf.compute_at(top, so).bound_extent(A.t, C).vectorize(
      A.u, V, TailStrategy::GuardWithIf);
  scheduleHedgehog(A.k, A.t, A.kf, to, V);
  scheduleHedgehog(A.q, A.t, top, so, V);
  if (A.causal) {
    // The scan over chunks: each chunk's KV (a small matmul) inside the
    // step that adds it to the state.
    A.states.compute_at(top, bh).vectorize(A.j, V, TailStrategy::GuardWithIf);
    A.states.update()
        .reorder(A.j, A.i, A.rn)
        .vectorize(A.j, V, TailStrategy::GuardWithIf);
    A.kv.compute_at(A.states, A.rn)
        .vectorize(A.j, V, TailStrategy::GuardWithIf);
    tileUpdate(A.kv.update(), A.j, A.i, A.rt, dv, V);
    if (A.denominator) {
      A.zstates.compute_at(top, bh).vectorize(A.i, V,
                                              TailStrategy::GuardWithIf);
      A.zstates.update().vectorize(A.i, V, TailStrategy::GuardWithIf);
      A.ksum.compute_at(A.zstates, A.rsz)
          .vectorize(A.i, V, TailStrategy::GuardWithIf);
      A.ksum.update().reorder(A.i, A.rz).vectorize(A.i, V,
                                                   TailStrategy::GuardWithIf);
    }
    // The chunk's masked scores, tokens of the chunk innermost.
    A.scores.compute_at(top, so)
        .bound(A.tp, 0, C)
        .bound(A.t, 0, C)
        .bound_extent(A.n, 1)
        .vectorize(A.tp, V);
    tileUpdate(A.scores.update(), A.tp, A.t, A.rk, C, V);
  } else {
    A.kvAll.compute_at(top, bh).vectorize(A.j, V, TailStrategy::GuardWithIf);
    tileUpdate(A.kvAll.update(), A.j, A.i, A.rs, dv, V);
    if (A.denominator) {
      A.zAll.compute_at(top, bh).vectorize(A.i, V, TailStrategy::GuardWithIf);
      A.zAll.update()
          .reorder(A.i, A.rsz)
          .vectorize(A.i, V, TailStrategy::GuardWithIf);
    }
  }
  // The chunk's outputs and denominators: one chunk each, constant sizes
  // (no allocation per chunk).
  A.acc.compute_at(top, so).bound(A.t, 0, C).bound_extent(A.n, 1).vectorize(
      A.j, V, TailStrategy::GuardWithIf);
  tileUpdate(A.acc.update(0), A.j, A.t, A.ri, dv, V);
  if (A.causal)
    tileUpdate(A.acc.update(1), A.j, A.t, A.rp, dv, V);
  if (A.denominator) {
    A.denLanes.compute_at(top, so)
        .bound(A.t, 0, C)
        .bound_extent(A.n, 1)
        .vectorize(A.l);
    for (int k = 0; k < A.denLanes.num_update_definitions(); ++k)
      A.denLanes.update(k).vectorize(A.l);
    A.den.compute_at(top, so).bound(A.t, 0, C).bound_extent(A.n, 1);
  }
  for (Func f : {A.mean, A.meanSquare})
    if (f.defined())
      f.compute_at(top, si);
}

/// GPU: every internal Func at root, its first (two) pure vars as threads
/// and the rest as blocks; the host one block per (chunk, head, batch).
void gpuRoot(Func f) {
  f.compute_root();
  auto tile = [](Stage s, const std::vector<Var> &vars) {
    Var bx("bx"), tx("tx"), by("by"), ty("ty");
    if (vars.size() == 1) {
      s.gpu_tile(vars[0], bx, tx, 32, TailStrategy::GuardWithIf);
      return;
    }
    Var outer = vars.back();
    for (size_t k = vars.size() - 1; k-- > 2;) {
      Var fused("f" + std::to_string(k));
      s.fuse(vars[k], outer, fused);
      outer = fused;
    }
    s.gpu_tile(vars[0], vars[1], bx, by, tx, ty, 16, 16,
               TailStrategy::GuardWithIf);
    if (vars.size() > 2)
      s.gpu_blocks(outer);
  };
  tile(f, f.args());
  for (int k = 0; k < f.num_update_definitions(); ++k) {
    // The update's pure vars are those of its left-hand side.
    std::vector<Var> pure;
    for (const Var &v : f.args()) {
      bool inLhs = false;
      for (const Expr &e : f.update_args(k))
        if (const auto *var = e.as<Internal::Variable>())
          inLhs |= var->name == v.name();
      if (inLhs)
        pure.push_back(v);
    }
    if (!pure.empty())
      tile(f.update(k), pure);
  }
}

void scheduleCuda(Func top, LinearAttentionStages &A, LoweringContext &x) {
  Var hh("hh"), jj("jj"), so("so"), si("si");
  top.split(x.c, hh, jj, A.dv)
      .split(x.s, so, si, kLinearAttentionChunk, TailStrategy::GuardWithIf)
      .reorder(jj, si, so, hh, x.b)
      .gpu_blocks(so, hh, x.b)
      .gpu_threads(jj);
  for (Func f : internalFuncs(A))
    gpuRoot(f);
}

void scheduleLinearAttentionKernel(ScheduleEnv &env) {
  for (LinearAttentionStages *a : env.stagesOf<LinearAttentionStages>()) {
    Host *host = env.hostFor(*a);
    if (!host || host->scheduled)
      continue;
    // Direct: the kernel output is the result; else an all-heads norm
    // consumes it, and the result is computed at root before the norm's
    // rows (the row schedule below).
    Func top = a->direct ? host->func : a->result;
    if (!a->direct)
      a->result.compute_root();
    if (env.ctx.gpu)
      scheduleCuda(top, *a, env.ctx);
    else
      scheduleCpu(top, *a, env.ctx);
    a->placed = true;
    host->scheduled = a->direct;
  }
  scheduleRowKernel(env);
}

} // namespace

void LinearAttentionStages::computeAtRoot(const LoweringContext &) {
  for (Func f : internalFuncs(*this))
    f.compute_root();
}

void registerLinearAttentionSchedule() {
  registerClassSchedule(nn::KernelClass::linear_attention,
                        scheduleLinearAttentionKernel);
}

} // namespace modelc::codegen
