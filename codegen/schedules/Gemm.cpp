//===- Gemm.cpp - the GEMM kernel class: stage, helpers, schedules --------===//
//
// Measured on 2-core Zen 5 (AVX-512, ~445 GFLOP/s FMA peak at 3.47 GHz):
// 85-99% of peak at M = 128 for the GPT-2/BERT shapes, see the report in
// docs. Autoschedulers are far below this (DESIGN.md decision 8).
//
//===----------------------------------------------------------------------===//

#include "codegen/schedules/Gemm.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

namespace {
// Register micro-tile: 3 zmm vectors (48 columns) x 8 rows = 24 accumulators,
// leaving 8 zmm for the 3 weight loads and the x broadcasts. Per k step: 24
// FMAs, 3 vector loads, 8 broadcasts, within Zen 5's 2 FMA + 2 load ports.
constexpr int kVec = 16;
constexpr int kTileN = 3 * kVec;
constexpr int kTileM = 8;
// Below this many rows the 8-row tile wastes work; 4-row and 1-row tiles
// take over (decode-shaped GEMV is bound by streaming the weight anyway).
constexpr int kSmallM = 16;
// Above this panel size (K x 48 floats) the row tiles no longer find the
// panel in L2 next to the activations, and the K loop is blocked.
constexpr int kPanelBytesInL2 = 256 * 1024;
// K-chunk of a blocked panel: 256 x 48 floats = 48 KB, about L1.
constexpr int kKChunk = 256;
} // namespace

Expr gemmWeightAt(const Func &wPacked, Expr n, Expr k,
                  const GemmWeightLayout &layout) {
  if (layout.panelWidth == 0)
    return wPacked(n, k);
  // The tile start is a multiple of pw, so Halide folds this to dense
  // vector loads (no gathers).
  int pw = layout.panelWidth;
  return wPacked(n % pw, k, n / pw);
}

Expr gemmBiasAt(const Func &bias, Expr n, int N) { return bias(min(n, N - 1)); }

void scheduleGemm(Func out, Func acc, Var n, Var m, RVar k, int K, int N,
                  const Target &target) {
  (void)K;
  (void)N;
  (void)target;
  OutputImageParam o = out.output_buffer();
  o.dim(0).set_min(0); // Tiles start at multiples of 48: aligned panels.
  Expr M = o.dim(1).extent();
  Var no("no"), ni("ni"), mo("mo"), mi("mi");

  // One parallel task per 48-column panel; inside it, all row tiles reuse
  // the panel from L2 (147 KB at K = 768). ShiftInwards on m keeps tiles
  // exactly `rows` tall; GuardWithIf on n keeps them aligned to the panels
  // (ShiftInwards there would turn every weight load into a gather).
  auto tile = [&](Stage s, int rows) {
    s.split(n, no, ni, kTileN, TailStrategy::GuardWithIf)
        .split(m, mo, mi, rows, TailStrategy::ShiftInwards)
        .reorder(ni, mi, mo, no)
        .vectorize(ni, kVec)
        .parallel(no);
  };
  tile(out.specialize(M >= kSmallM), kTileM);
  tile(out.specialize(M >= 4), 4); // Stream the panel M/4 times, not M.
  tile(out, 1);                    // M < 4: decode GEMV.

  if (K * kTileN * (int)sizeof(float) <= kPanelBytesInL2) {
    // acc lives in registers: full-K loop outermost in the update, the rows
    // and the 3 vectors unrolled inside it. bound_extent makes the last
    // (partial) column tile compute a whole panel: padded weights, constant
    // extents for unroll.
    acc.compute_at(out, mo)
        .bound_extent(n, kTileN)
        .vectorize(n, kVec)
        .unroll(n)
        .unroll(m);
    acc.update().reorder(n, m, k).vectorize(n, kVec).unroll(n).unroll(m);
    return;
  }

  // Deep K (the panel outgrows L2 next to the activations): acc holds the
  // task's whole panel (M x 48), and each K-chunk of the panel is reused from
  // L1/L2 by every row tile before the next chunk is read.
  int kc = K;
  for (int d = kKChunk; d >= 64; --d)
    if (K % d == 0) {
      kc = d;
      break;
    }
  acc.compute_at(out, no).bound_extent(n, kTileN).vectorize(n, kVec).unroll(n);
  Var ma("ma"), mb("mb");
  RVar ko("ko"), ki("ki");
  auto update = [&](Stage s, int rows, bool kBlocked) {
    s.split(m, ma, mb, rows, TailStrategy::GuardWithIf);
    if (kBlocked && kc < K)
      s.split(k, ko, ki, kc).reorder(n, mb, ki, ma, ko);
    else
      s.reorder(n, mb, k, ma);
    s.vectorize(n, kVec).unroll(n).unroll(mb);
  };
  update(acc.update().specialize(M >= kSmallM), kTileM, true);
  update(acc.update().specialize(M >= 4), 4, false);
  update(acc.update(), 1, false);
}

void scheduleGemmCuda(Func out, Func acc, Var n, Var m, RVar k, int K, int N,
                      const Target &target) {
  (void)K;
  (void)N;
  (void)target;
  (void)k;
  Var no("no"), ni("ni"), mo("mo"), mi("mi");
  // Consecutive threads take consecutive columns: coalesced weight loads,
  // x(k, m) is a warp-wide broadcast.
  out.gpu_tile(n, m, no, mo, ni, mi, 32, 8, TailStrategy::GuardWithIf);
  // One accumulator per thread, in a register.
  acc.compute_at(out, ni);
}

void GemmStages::computeAtRoot(const LoweringContext &ctx) {
  acc.compute_root();
  if (!ctx.gpu) {
    acc.vectorize(ctx.c, ctx.V, TailStrategy::GuardWithIf);
    acc.update().vectorize(ctx.c, ctx.V, TailStrategy::GuardWithIf);
    return;
  }
  Var cb("cb"), ct("ct");
  acc.gpu_tile(ctx.c, cb, ct, 64, TailStrategy::GuardWithIf);
  acc.update().gpu_tile(ctx.c, cb, ct, 64, TailStrategy::GuardWithIf);
}

namespace {
// A GEMM whose result flows into one output as wide as N gets the tiled
// schedule there (the epilogue inlined into the output); any other stage
// (a GEMM feeding several outputs, or inside a positional kernel) is
// computed at root.
void scheduleGemmKernel(ScheduleEnv &env) {
  LoweringContext &x = env.ctx;
  for (GemmStages *g : env.stagesOf<GemmStages>()) {
    Host *host = env.hostFor(*g);
    if (!host || host->scheduled || !x.flat || host->channels != g->N)
      continue;
    if (x.gpu)
      scheduleGemmCuda(host->func, g->acc, x.c, x.m, g->rk.x, g->K, g->N,
                       x.target);
    else
      scheduleGemm(host->func, g->acc, x.c, x.m, g->rk.x, g->K, g->N, x.target);
    host->scheduled = true;
    g->placed = true;
  }
}
} // namespace

void registerGemmSchedule() {
  registerClassSchedule(nn::KernelClass::gemm, scheduleGemmKernel);
}

} // namespace modelc::codegen
