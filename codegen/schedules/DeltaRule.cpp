//===- DeltaRule.cpp - the delta_rule kernel class ------------------------===//
//
// CPU: one parallel task per (head, batch). Inside it the serial loop over
// chunks is X's update; every per-chunk Func is computed inside that loop
// (in L1/L2), the small matmuls with register-tiled accumulators. The host
// (the kernel output) then reads the output rows chunk by chunk and applies
// the per-head RMSNorm and whatever epilogue was fused.
//
// CUDA: every stage at root with its pure dimensions as threads and blocks;
// the serial loops (the row substitution, the loop over chunks) run inside
// the threads.
//
//===----------------------------------------------------------------------===//
#include "codegen/schedules/DeltaRule.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

namespace {

// Vector accumulators a register tile aims for (of 32 zmm / 16 ymm).
constexpr int kAccumulators = 16;

TailStrategy guardUnless(bool exact) {
  return exact ? TailStrategy::Auto : TailStrategy::GuardWithIf;
}

/// f(v, u, ...) += a(v, r) * b(r, u): v in vectors of V (up to 8 of them
/// unrolled), u unrolled so that the tile holds ~kAccumulators vectors, the
/// reduction r outside the tile. `extent`: v's extent.
void registerTile(Func f, Var v, Var u, RVar r, int extent, int V) {
  int vectors = std::min((extent + V - 1) / V, 8);
  int across = std::max(1, kAccumulators / vectors);
  TailStrategy tail = guardUnless(extent % (vectors * V) == 0);
  f.vectorize(v, V, guardUnless(extent % V == 0));
  Var vt("vt"), vr("vr"), vo("vo"), vi("vi"), uo("uo"), ui("ui");
  f.update()
      .split(v, vt, vr, vectors * V, tail)
      .split(vr, vo, vi, V)
      .split(u, uo, ui, across, TailStrategy::GuardWithIf)
      .reorder(vi, vo, ui, r, uo, vt)
      .vectorize(vi)
      .unroll(vo)
      .unroll(ui);
}

void scheduleDeltaRuleCpu(Func host, DeltaRuleStages &D, LoweringContext &x) {
  const int V = x.V, d = D.dk, e = D.dv, C = D.chunk;
  Var hd("hd"), jd("jd"), no("no"), ti("ti"), bh("bh");
  host.split(x.c, hd, jd, e)
      .split(x.s, no, ti, C, TailStrategy::GuardWithIf)
      .reorder(jd, ti, no, hd, x.b)
      .fuse(hd, x.b, bh)
      .parallel(bh)
      .vectorize(jd, V, guardUnless(e % V == 0));
  D.outSq.compute_at(host, no);

  // The loop over chunks: per chunk, rows of the state and output in tiles of
  // `rows` rows by up to 4 vectors of value channels.
  int vectors = std::min((e + V - 1) / V, 4);
  int rows = std::max(1, kAccumulators / vectors);
  D.X.compute_at(host, bh);
  D.X.update(0).vectorize(D.j, V, guardUnless(e % V == 0));
  Var jt("jt"), jr("jr"), jo("jo"), jv("jv");
  RVar ro("ro"), ri("ri");
  D.X.update(1)
      .split(D.j, jt, jr, vectors * V, guardUnless(e % (vectors * V) == 0))
      .split(jr, jo, jv, V)
      .split(D.rx.x, ro, ri, rows, TailStrategy::GuardWithIf)
      .reorder(jv, jo, ri, ro, jt, D.rx.y)
      .vectorize(jv)
      .unroll(jo)
      .unroll(ri);

  LoopLevel chunk(D.X, D.rx.y);
  registerTile(D.gram, D.tk, D.t, D.rk.x, C, V);
  registerTile(D.qk, D.tk, D.t, D.rk.x, C, V);
  registerTile(D.ab, D.x, D.i, D.rt.x, d + e, V);
  registerTile(D.pr, D.x, D.t, D.rt.x, d + e, V);
  for (Func f : {D.gram, D.qk, D.ab, D.pr})
    f.compute_at(chunk);
  // The row substitution: one row of [W | U] at a time, minus the earlier
  // rows, the row's vectors unrolled.
  D.wu.compute_at(chunk).vectorize(D.x, V, guardUnless((d + e) % V == 0));
  if (C > 1) {
    Var xo("xo"), xi("xi");
    Stage s = D.wu.update();
    s.split(D.x, xo, xi, V, guardUnless((d + e) % V == 0))
        .reorder(xi, xo, D.rs.x, D.rs.y)
        .vectorize(xi);
    if ((d + e) / V <= 32)
      s.unroll(xo);
  }
  for (Func f : {D.lower, D.aqk, D.knT})
    f.compute_at(chunk).vectorize(f.args()[0], V, guardUnless(C % V == 0));
  for (Func f : {D.qIn, D.kIn, D.qn, D.kn, D.kd, D.coef})
    f.compute_at(chunk).vectorize(f.args()[0], V, guardUnless(d % V == 0));
  D.bias.compute_at(chunk).vectorize(D.j, V, guardUnless(e % V == 0));
  for (Func f : {D.qSq, D.kSq, D.beta})
    f.compute_at(chunk);
  if (D.gated)
    D.decay.compute_at(chunk);
}

/// Every stage at root: the fallback on CPU, the schedule on CUDA.
std::vector<Func> allStages(const DeltaRuleStages &D) {
  std::vector<Func> fs = {D.qIn,  D.kIn,  D.qSq,   D.kSq,  D.qn, D.kn,   D.knT,
                          D.beta, D.gram, D.lower, D.wu,   D.kd, D.ab,   D.qk,
                          D.aqk,  D.pr,   D.coef,  D.bias, D.X,  D.outSq};
  if (D.gated)
    fs.push_back(D.decay);
  return fs;
}

/// CUDA: the first one or two pure dimensions of a stage as threads, the
/// others fused into one block dimension.
void gpuTile(Stage s, std::vector<Var> threads, std::vector<Var> blocks) {
  Var fused = blocks.front();
  for (size_t k = 1; k < blocks.size(); ++k) {
    Var next(fused.name() + "_" + blocks[k].name());
    s.fuse(fused, blocks[k], next);
    fused = next;
  }
  Var b0("gb0"), b1("gb1"), t0("gt0"), t1("gt1");
  if (threads.size() == 2) {
    s.gpu_tile(threads[0], threads[1], b0, b1, t0, t1, 16, 16,
               TailStrategy::GuardWithIf);
    s.gpu_blocks(fused);
  } else if (threads.size() == 1) {
    s.gpu_tile(threads[0], b0, t0, 64, TailStrategy::GuardWithIf);
    s.gpu_blocks(fused);
  } else {
    s.gpu_blocks(fused);
  }
}

void scheduleDeltaRuleCuda(DeltaRuleStages &D) {
  for (Func f : allStages(D))
    f.compute_root();
  const Var &i = D.i, &j = D.j, &x = D.x, &t = D.t, &tk = D.tk, &n = D.n,
            &h = D.h, &bb = D.bb, &row = D.row;
  // [channel, token] stages.
  for (Func f : {D.qIn, D.kIn, D.qn, D.kn, D.kd})
    gpuTile(f, {i, t}, {n, h, bb});
  gpuTile(D.knT, {t, i}, {n, h, bb});
  for (Func f : {D.gram, D.lower, D.qk, D.aqk})
    gpuTile(f, {tk, t}, {n, h, bb});
  gpuTile(D.ab, {x, i}, {n, h, bb});
  for (Func f : {D.wu, D.pr})
    gpuTile(f, {x, t}, {n, h, bb});
  gpuTile(D.coef, {i, row}, {n, h, bb});
  gpuTile(D.bias, {j, row}, {n, h, bb});

  // [token] stages.
  for (Func f : {D.qSq, D.kSq, D.beta, D.outSq})
    gpuTile(f, {t}, {n, h, bb});
  if (D.gated)
    gpuTile(D.decay, {t}, {n, h, bb});
  // Updates: the reductions run inside each thread; the row substitution
  // and the chunk loop along a column of [W | U] / X, one thread per column.
  for (Func f : {D.qSq, D.kSq, D.outSq})
    gpuTile(f.update(), {t}, {n, h, bb});
  for (Func f : {D.gram, D.qk})
    gpuTile(f.update(), {tk, t}, {n, h, bb});
  gpuTile(D.ab.update(), {x, i}, {n, h, bb});
  gpuTile(D.pr.update(), {x, t}, {n, h, bb});
  if (D.chunk > 1) {
    gpuTile(D.wu.update(), {x}, {n, h, bb});
    if (D.gated)
      gpuTile(D.decay.update(), {}, {n, h, bb});
  }
  gpuTile(D.X.update(0), {j}, {h, bb});
  gpuTile(D.X.update(1), {j}, {h, bb});
}

void scheduleDeltaRuleKernel(ScheduleEnv &env) {
  for (DeltaRuleStages *D : env.stagesOf<DeltaRuleStages>()) {
    Host *host = env.hostFor(*D);
    if (env.ctx.gpu) {
      // Stages at root; the host keeps the element-wise schedule.
      scheduleDeltaRuleCuda(*D);
      D->placed = true;
      continue;
    }
    if (!host || host->scheduled)
      continue;
    scheduleDeltaRuleCpu(host->func, *D, env.ctx);
    host->scheduled = D->placed = true;
  }
}

} // namespace

void DeltaRuleStages::computeAtRoot(const LoweringContext &ctx) {
  if (ctx.gpu) {
    scheduleDeltaRuleCuda(*this);
    return;
  }
  for (Func f : allStages(*this))
    f.compute_root();
}

void registerDeltaRuleSchedule() {
  registerClassSchedule(nn::KernelClass::delta_rule, scheduleDeltaRuleKernel);
}

} // namespace modelc::codegen
