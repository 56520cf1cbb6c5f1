//===- Gemm.cpp - the GEMM kernel class: stage, helpers, schedules --------===//
//
// Measured on 2-core Zen 5 (AVX-512, ~445 GFLOP/s FMA peak at 3.47 GHz):
// 85-99% of peak at M = 128 for the GPT-2/BERT shapes, see the report in
// docs. Autoschedulers are far below this (DESIGN.md decision 8).
//
//===----------------------------------------------------------------------===//

#include "codegen/schedules/Gemm.h"
#include "codegen/schedules/Schedule.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <unistd.h>

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
// K-chunk of a blocked panel: 256 x 48 floats = 48 KB, about L1.
constexpr int kKChunk = 256;
// From this many rows on (a long sequence), rows are taken in blocks of
// kRowBlock: at M = 8192 the whole activation matrix no longer stays in L3
// between panels, and a deep-K accumulator (M x 48) no longer fits L2.
constexpr int kBlockRowsFrom = 4096;
constexpr int kRowBlock = 1024;
} // namespace

int64_t gemmRegisterPanelBytes() {
  // Measured: on Zen 4/5 (1 MB of L2 per core) a panel past 256 KB lost to
  // the blocked K loop; on the Intel Xeon (2 MB) ViT-B/16's 590 KB down
  // panel ran 8% faster on the register path (docs/performance.md).
  // MODELC_GEMM_PANEL_BYTES overrides it (tests pin the blocked path).
  static const int64_t bytes = [] {
    if (const char *env = std::getenv("MODELC_GEMM_PANEL_BYTES")) {
      char *end = nullptr;
      long long v = std::strtoll(env, &end, 10);
      if (end != env && *end == '\0' && v > 0)
        return int64_t(v);
      llvm::errs() << "modelc: warning: ignoring MODELC_GEMM_PANEL_BYTES='"
                   << env << "' (want a positive number of bytes)\n";
    }
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return l2 >= (2 << 20) ? int64_t(l2 / 2) : int64_t(256 << 10);
  }();
  return bytes;
}

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
                  const Target &target, bool gated,
                  std::optional<RVar> lowRank) {
  (void)N;
  (void)target;
  // A gated tile accumulates a gate and an up panel: twice the columns, so
  // half the rows keep the same 24 accumulators in registers.
  const int accCols = gated ? 2 * kTileN : kTileN;
  const int bigRows = gated ? kTileM / 2 : kTileM;
  const int64_t panelBytes = int64_t(K) * accCols * sizeof(float);
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
  // Long inputs (a whole long sequence): the panel tasks take the rows one
  // block at a time, so each streams one block of activations (not all M
  // rows) and a deep-K accumulator stays a block tall.
  Var mblk("mblk"), mr("mr");
  out.specialize(M >= kBlockRowsFrom)
      .split(m, mblk, mr, kRowBlock, TailStrategy::ShiftInwards)
      .split(n, no, ni, kTileN, TailStrategy::GuardWithIf)
      .split(mr, mo, mi, bigRows, TailStrategy::ShiftInwards)
      .reorder(ni, mi, mo, no, mblk)
      .vectorize(ni, kVec)
      .parallel(no);
  tile(out.specialize(M >= kSmallM), bigRows);
  tile(out.specialize(M >= 4), 4); // Stream the panel M/4 times, not M.
  tile(out, 1);                    // M < 4: decode GEMV.

  if (panelBytes <= gemmRegisterPanelBytes()) {
    // acc lives in registers: full-K loop outermost in the update, the rows
    // and the 3 vectors unrolled inside it. bound_extent makes the last
    // (partial) column tile compute a whole panel: padded weights, constant
    // extents for unroll.
    acc.compute_at(out, mo)
        .bound_extent(n, accCols)
        .vectorize(n, kVec)
        .unroll(n)
        .unroll(m);
    acc.update().reorder(n, m, k).vectorize(n, kVec).unroll(n).unroll(m);
    if (lowRank)
      acc.update(1)
          .reorder(n, m, *lowRank)
          .vectorize(n, kVec)
          .unroll(n)
          .unroll(m);
    return;
  }

  // Deep K (the panel outgrows L2 next to the activations): acc holds the
  // task's whole panel (M x 48), and each K-chunk of the panel is reused from
  // L1/L2 by every row tile before the next chunk is read.
  int kc = K;
  for (int d = kKChunk * kTileN / accCols; d >= 64; --d)
    if (K % d == 0) {
      kc = d;
      break;
    }
  acc.compute_at(out, no).bound_extent(n, accCols).vectorize(n, kVec).unroll(n);
  Var ma("ma"), mb("mb");
  RVar ko("ko"), ki("ki");
  auto update = [&](Stage s, RVar r, int rows, bool kBlocked) {
    s.split(m, ma, mb, rows, TailStrategy::GuardWithIf);
    if (kBlocked && kc < K)
      s.split(r, ko, ki, kc).reorder(n, mb, ki, ma, ko);
    else
      s.reorder(n, mb, r, ma);
    s.vectorize(n, kVec).unroll(n).unroll(mb);
  };
  update(acc.update().specialize(M >= kSmallM), k, bigRows, true);
  update(acc.update().specialize(M >= 4), k, 4, false);
  update(acc.update(), k, 1, false);
  if (lowRank) {
    update(acc.update(1).specialize(M >= kSmallM), *lowRank, bigRows, false);
    update(acc.update(1).specialize(M >= 4), *lowRank, 4, false);
    update(acc.update(1), *lowRank, 1, false);
  }
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
  int updates = rank > 0 ? 2 : 1;
  if (!ctx.gpu) {
    acc.vectorize(ctx.c, ctx.V, TailStrategy::GuardWithIf);
    for (int u = 0; u < updates; ++u)
      acc.update(u).vectorize(ctx.c, ctx.V, TailStrategy::GuardWithIf);
    return;
  }
  Var cb("cb"), ct("ct");
  acc.gpu_tile(ctx.c, cb, ct, 64, TailStrategy::GuardWithIf);
  for (int u = 0; u < updates; ++u)
    acc.update(u).gpu_tile(ctx.c, cb, ct, 64, TailStrategy::GuardWithIf);
}

namespace {
// A GEMM whose result flows into one output as wide as its result gets the
// tiled schedule there (the epilogue inlined into the output); any other stage
// (a GEMM feeding several outputs, or inside a positional kernel) is
// computed at root.
void scheduleGemmKernel(ScheduleEnv &env) {
  LoweringContext &x = env.ctx;
  for (GemmStages *g : env.stagesOf<GemmStages>()) {
    Host *host = env.hostFor(*g);
    if (!host || host->scheduled || !x.flat || host->channels != g->outN)
      continue;
    // One thread per output would hold a gate and an up accumulator a panel
    // apart; the CUDA gated GEMM keeps the generic schedule (acc at root).
    if (x.gpu && g->gatedPanel)
      continue;
    if (x.gpu)
      scheduleGemmCuda(host->func, g->acc, x.c, x.m, g->rk.x, g->K, g->N,
                       x.target);
    else
      scheduleGemm(host->func, g->acc, x.c, x.m, g->rk.x, g->K, g->N, x.target,
                   g->gatedPanel != 0,
                   g->rank ? std::optional<RVar>(g->rl.x) : std::nullopt);
    host->scheduled = true;
    g->placed = true;
  }
}
} // namespace

void registerGemmSchedule() {
  registerClassSchedule(nn::KernelClass::gemm, scheduleGemmKernel);
}

} // namespace modelc::codegen
