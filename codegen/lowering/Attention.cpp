//===- Attention.cpp - Halide lowering of RoPE and softmax attention ------===//
#include "codegen/schedules/Attention.h"
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

#include <algorithm>
#include <cmath>

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

using Tokens = std::vector<Expr>;

struct RopeLowering
    : HalideLoweringOpInterface::ExternalModel<RopeLowering, nn::RopeOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::RopeOp>(o);
    Func x = ctx.in(op.getInput());
    int64_t C = dimOf(op.getInput(), 2);
    int heads = (int)op.getHeads();
    int hd = (int)(C / heads), rd = (int)op.getRotated(), half = rd / 2;
    double theta = op.getTheta().convertToDouble();
    std::string nm = ctx.name();
    std::vector<double> freq;
    for (int p = 0; p < half; ++p)
      freq.push_back(std::pow(theta, -2.0 * p / rd));
    AngleTables tables = angleTables(nm, freq);
    Func cosT = tables.cos, sinT = tables.sin;
    ctx.addRoot(cosT);
    ctx.addRoot(sinT);
    bool interleaved = op.getStyle() == nn::RopeStyle::interleaved;
    auto at = LoweringContext::at;
    ctx.define(
        op.getResult(), ctx.def(nm + "_rope", [&](Expr cc, const Tokens &t) {
          // Channel cc = head*hd + i; partners are built from (head, pair) so
          // bounds inference keeps every access inside the head's rotated
          // channels (the rest, i >= rd, pass through).
          Expr head = cc / hd, i = cc % hd, base = head * hd;
          Expr pos = t[0];
          Expr rotated;
          if (interleaved) {
            Expr pi = min(i, rd - 1) / 2;
            Expr even = (i % 2) == 0;
            Expr x0 = at(x, base + pi * 2, t), x1 = at(x, base + pi * 2 + 1, t);
            Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
            rotated = select(even, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
          } else {
            Expr pi = min(i, rd - 1) % half;
            Expr x0 = at(x, base + pi, t), x1 = at(x, base + pi + half, t);
            Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
            rotated = select(i < half, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
          }
          return rd < hd ? select(i < rd, rotated, at(x, cc, t)) : rotated;
        }));
    return mlir::success();
  }
};

/// The smallest normal float: power-softmax's max of a block of zeros.
constexpr float kTiny = 1.17549435e-38f;

/// x^p for a positive integer p, by squaring.
Expr integerPower(Expr x, int64_t p) {
  Expr r;
  for (Expr sq = x; p > 0; p >>= 1, sq = sq * sq)
    if (p & 1)
      r = r.defined() ? r * sq : sq;
  return r;
}

/// Keys per block on the CPU: 128, or, when every run has S tokens and
/// every query sees every key, the fewest blocks of at most 256 keys that
/// cover S, each a multiple of 8 (the register tile's keys). A block's
/// scores (32 queries x 256 keys at most) stay in L1. ViT-B/16's 197
/// tokens: one block of 200 keys, not two of 128 (22% fewer scores). A mask
/// keeps 128: its skipped blocks save more when they are small.
int cpuKeyBlock(nn::AttentionOp op, int64_t fixedSeq) {
  constexpr int64_t kMaxBlock = 256, kKeyTile = 8;
  bool allKeys = !op.getCausal() && !op.getWindow() && !op.getBlockSize() &&
                 !op.getGridWindowFields();
  if (fixedSeq <= 0 || !allKeys)
    return 128;
  int64_t blocks = (fixedSeq + kMaxBlock - 1) / kMaxBlock;
  int64_t perBlock = (fixedSeq + blocks - 1) / blocks;
  return (int)((perBlock + kKeyTile - 1) / kKeyTile * kKeyTile);
}

/// Builds the Funcs of one nn.attention (AttentionStages documents them).
class AttentionBuilder {
public:
  AttentionBuilder(nn::AttentionOp op, LoweringContext &ctx, AttentionStages &A)
      : op(op), ctx(ctx), A(A), nm(ctx.name()) {
    heads = (int)op.getHeads();
    d = (int)op.getHeadDim();
    group = heads / (int)op.getKvHeads();
    slots = (int)op.getMemorySlots();
    power = op.getPower().value_or(0);
    clipped = op.getClip().has_value();
    A.d = d;
    A.heads = heads;
    A.talking = op.getTalkPre() != nullptr;
    A.online = !clipped && !power && !A.talking;
    // CPU: 32 queries share each key block (register tiles inside); GPU: one
    // thread per (query, head channel), small blocks per thread.
    T = A.tile = ctx.gpu ? 8 : 32;
    Kb = A.block = ctx.gpu ? 16 : cpuKeyBlock(op, ctx.fixedSeq);
    kvh = A.h / group;
  }

  void build() {
    defineInputs();
    if (slots > 0)
      defineMemoryScores();
    if (A.online) {
      defineScores(A.pass2, "_b");
      defineBlockStatistics(A.pass2, "_b");
      defineOnline();
    } else {
      defineScores(A.pass1, "_b1");
      defineBlockStatistics(A.pass1, "_b1");
      defineStatistics();
      defineScores(A.pass2, "_b2");
      defineProbabilities();
      defineTwoPass();
    }
    defineOutput();
  }

private:
  mutable nn::AttentionOp op; // its getters are not const
  LoweringContext &ctx;
  AttentionStages &A;
  std::string nm;
  int heads = 0, d = 0, group = 1, slots = 0, T = 1, Kb = 1;
  int64_t power = 0;
  bool clipped = false;
  Expr kvh;
  Func K, V, memK, memV, relBias;
  Buffer<float> alibiSlopes;

  /// Key kk of block kb.
  Expr key(Expr block, Expr inBlock) const { return block * Kb + inBlock; }
  std::vector<Var> blockArgs() const { return {A.q, A.kk, A.kb, A.h, A.bb}; }
  std::vector<Var> memArgs() const { return {A.q, A.kk, A.h, A.bb}; }

  /// Whether query q sees key k of the sequence.
  Expr visible(Expr k, Expr q) const {
    Expr v = k < ctx.seqLen; // the last block runs past the sequence
    if (op.getCausal())
      v = v && k <= q;
    if (std::optional<int64_t> w = op.getWindow()) {
      v = v && k > q - (int)*w;
      if (!op.getCausal())
        v = v && k < q + (int)*w;
    }
    if (std::optional<int64_t> bs = op.getBlockSize()) {
      Expr start = (q / (int)*bs) * (int)*bs;
      v = v && k >= start && k < start + (int)*bs;
    }
    if (auto g = op.getGridWindowFields()) {
      int cols = (int)g->cols;
      v = v && band(*g, q / cols) == band(*g, k / cols) &&
          band(*g, q % cols) == band(*g, k % cols);
    }
    return v;
  }

  /// The grid window's band of row (or column) x: the bands are [0, s),
  /// [s, s + M), ... (with s = 0: [0, M), ...), Swin's shifted windows with
  /// the wrapped one split by its mask.
  static Expr band(const nn::AttentionOp::GridWindow &g, Expr x) {
    return (x + (int)(g.size - g.shift)) / (int)g.size;
  }
  /// The first row of row r's band, and one past its last. (Unshifted, the
  /// start needs no clamp, and without one Halide bounds the block loop.)
  static Expr bandStart(const nn::AttentionOp::GridWindow &g, Expr r) {
    Expr start = band(g, r) * (int)g.size - (int)(g.size - g.shift);
    return g.shift ? max(start, 0) : start;
  }
  static Expr bandEnd(const nn::AttentionOp::GridWindow &g, Expr r) {
    return min(band(g, r) * (int)g.size + (int)g.shift, (int)g.rows);
  }

  /// The blocks of keys [b*Kb, b*Kb + Kb) some query of tile qt sees: an
  /// RDom over every block whose predicates bound its loop to them.
  void boundBlocks(RDom &r, Expr b) const {
    Expr first = A.qt * T, last = first + (T - 1);
    Expr lo = b * Kb, hi = lo + (Kb - 1);
    if (op.getCausal())
      r.where(lo <= last);
    if (std::optional<int64_t> w = op.getWindow()) {
      r.where(hi > first - (int)*w);
      if (!op.getCausal())
        r.where(lo < last + (int)*w);
    }
    if (std::optional<int64_t> bs = op.getBlockSize()) {
      int B = (int)*bs;
      r.where(hi >= (first / B) * B);
      r.where(lo < (last / B) * B + B);
    }
    if (auto g = op.getGridWindowFields()) {
      // The tile's keys lie in the grid rows of its first and last queries'
      // bands and those between: one contiguous range of tokens.
      int cols = (int)g->cols;
      r.where(hi >= bandStart(*g, first / cols) * cols);
      r.where(lo < bandEnd(*g, last / cols) * cols);
    }
  }
  Expr numBlocks() const { return (ctx.seqLen + (Kb - 1)) / Kb; }

  /// The statistic the row max takes (power-softmax: |s|) and its start.
  Expr statistic(Expr s) const { return power ? abs(s) : s; }
  Expr lowest() const { return power ? 0.0f : Float(32).min(); }
  /// s relative to a max m: exp(s - m), or (s / m)^power.
  Expr relative(Expr s, Expr m) const {
    if (power)
      return integerPower(s / max(m, kTiny), power);
    return expf32(s - m);
  }
  /// Merging (max m, sum l) with a block's (bm, bs): the new max and the
  /// factors of l and bs (one of them is 1; one exponential).
  struct Merge {
    Expr max, a, c;
  };
  Merge merge(Expr m, Expr bm) const {
    Expr mn = max(m, bm);
    if (power) {
      Expr ref = max(mn, kTiny);
      return {mn, integerPower(m / ref, power), integerPower(bm / ref, power)};
    }
    Expr up = bm > m, t = expf32(-abs(bm - m));
    return {mn, select(up, t, 1.0f), select(up, 1.0f, t)};
  }
  /// A normalized probability from its relative exponential e and sum l.
  Expr normalized(Expr e, Expr l) const {
    Expr p = e / l;
    if (clipped) {
      llvm::ArrayRef<float> c = *op.getClip();
      p = clamp((c[1] - c[0]) * p + c[0], 0.0f, 1.0f);
    }
    return p;
  }

  /// The talking heads' mix of f across heads, over `args` (h among them).
  Func mixHeads(mlir::Value matrix, Func f, const std::vector<Var> &args,
                const std::string &name) const {
    Func w = ctx.in(matrix), m(nm + name);
    std::vector<Expr> at(args.begin(), args.end());
    size_t hi = 0;
    while (args[hi].name() != A.h.name())
      ++hi;
    Expr sum = 0.0f;
    for (int g = 0; g < heads; ++g) {
      at[hi] = g;
      sum = sum + w(g, A.h) * f(at);
    }
    m(args) = sum;
    return m;
  }

  void defineInputs() {
    Func Q = ctx.in(op.getQuery());
    K = ctx.in(op.getKey());
    V = ctx.in(op.getValue());
    float scale = op.getScale().convertToFloat();
    A.qs = Func(nm + "_q");
    A.qs(A.q, A.r, A.h, A.bb) = Q(A.h * d + A.r, A.q, A.bb) * scale;
    // A key computed in the kernel (RoPE) is staged per head, once, not
    // recomputed for every query tile; one in memory (an argument, or a
    // slice of a merged QKV) is read where it is.
    if (!ctx.readsInPlace(op.getKey())) {
      A.kh = Func(nm + "_k");
      A.kh(A.r, A.kk, A.h, A.bb) = K(kvh * d + A.r, A.kk, A.bb);
    }
    if (mlir::Value first = op.getValueFirst()) {
      Func V1 = ctx.in(first);
      llvm::ArrayRef<float> lambda = *op.getValueLambda();
      A.vh = Func(nm + "_v");
      A.vh(A.j, A.kk, A.h, A.bb) = lambda[0] * V1(kvh * d + A.j, A.kk, A.bb) +
                                   lambda[1] * V(kvh * d + A.j, A.kk, A.bb);
    }
    if (slots > 0) {
      memK = ctx.in(op.getMemoryKey());
      memV = ctx.in(op.getMemoryValue());
    }
  }

  /// Channel r of the current kv head's key k.
  Expr keyAt(Expr r, Expr k) const {
    if (A.kh.defined())
      return A.kh(r, k, A.h, A.bb);
    return K(kvh * d + r, k, A.bb);
  }

  /// Channel jj of the current kv head's value of key k.
  Expr value(Expr jj, Expr k) const {
    if (A.vh.defined())
      return A.vh(jj, k, A.h, A.bb);
    return V(kvh * d + jj, k, A.bb);
  }

  /// ALiBi's bias of key k for query q (none without slopes).
  Expr alibi(Expr k, Expr q) {
    auto slopes = op.getAlibiSlopes();
    if (!slopes)
      return 0.0f;
    if (!alibiSlopes.defined()) {
      alibiSlopes = Buffer<float>(heads, nm + "_alibi");
      for (int i = 0; i < heads; ++i)
        alibiSlopes(i) = (*slopes)[i];
    }
    return -alibiSlopes(clamp(A.h, 0, heads - 1)) * cast<float>(abs(q - k));
  }

  /// Swin's relative position bias of key k for query q: the table's row of
  /// their (row, column) offset, each in (-M, M) when they share a window
  /// (clamped for the masked keys of a visited block).
  Expr relativeBias(Expr k, Expr q) {
    mlir::Value table = op.getRelativeBias();
    if (!table)
      return 0.0f;
    if (!relBias.defined())
      relBias = ctx.in(table);
    nn::AttentionOp::GridWindow g = *op.getGridWindowFields();
    int cols = (int)g.cols, M = (int)g.size, span = 2 * M - 1;
    Expr dr = clamp(q / cols - k / cols + (M - 1), 0, span - 1);
    Expr dc = clamp(q % cols - k % cols + (M - 1), 0, span - 1);
    return relBias(clamp(A.h, 0, heads - 1), dr * span + dc);
  }

  /// The block's scores, mixed with talking heads.
  void defineScores(AttentionBlockStages &P, const std::string &sfx) {
    std::vector<Var> args = blockArgs();
    Expr k = key(A.kb, A.kk);
    P.raw = Func(nm + sfx + "_scores");
    P.rd = RDom(0, d, nm + sfx + "_d");
    P.raw(args) = alibi(k, A.q) + relativeBias(k, A.q);
    P.raw(args) += A.qs(A.q, P.rd.x, A.h, A.bb) * keyAt(P.rd.x, k);
    if (A.talking)
      P.mixed = mixHeads(op.getTalkPre(), P.raw, args, sfx + "_mixed");
  }
  static Func scoresOf(const AttentionBlockStages &P) {
    return P.mixed.defined() ? P.mixed : P.raw;
  }

  /// The block's max, exponentials relative to it, and their sum.
  void defineBlockStatistics(AttentionBlockStages &P, const std::string &sfx) {
    const Var &q = A.q, &kk = A.kk, &kb = A.kb, &h = A.h, &bb = A.bb;
    Func s = scoresOf(P);
    P.rkMax = RDom(0, Kb, nm + sfx + "_kmax");
    P.max = Func(nm + sfx + "_max");
    P.max(q, kb, h, bb) = lowest();
    P.max(q, kb, h, bb) =
        max(P.max(q, kb, h, bb),
            select(visible(key(kb, P.rkMax.x), q),
                   statistic(s(q, P.rkMax.x, kb, h, bb)), lowest()));
    P.exp = Func(nm + sfx + "_exp");
    P.exp(blockArgs()) =
        select(visible(key(kb, kk), q),
               relative(s(blockArgs()), P.max(q, kb, h, bb)), 0.0f);
    P.rkSum = RDom(0, Kb, nm + sfx + "_ksum");
    P.sum = Func(nm + sfx + "_sum");
    P.sum(q, kb, h, bb) = 0.0f;
    P.sum(q, kb, h, bb) += P.exp(q, P.rkSum.x, kb, h, bb);
  }

  /// Memory slot scores, their max, exponentials and sum (and, online,
  /// their P V).
  void defineMemoryScores() {
    const Var &q = A.q, &kk = A.kk, &h = A.h, &bb = A.bb;
    Expr sum = 0.0f, n = clamp(kk, 0, slots - 1);
    for (int r = 0; r < d; ++r)
      sum = sum + A.qs(q, r, h, bb) * memK(kvh * d + r, n);
    A.memRaw = Func(nm + "_mem_scores");
    A.memRaw(memArgs()) = sum;
    Func s = A.memRaw;
    if (A.talking)
      s = A.memMixed =
          mixHeads(op.getTalkPre(), A.memRaw, memArgs(), "_mem_mixed");
    A.memMaxSlots = RDom(0, slots, nm + "_mmax");
    A.memMax = Func(nm + "_mem_max");
    A.memMax(q, h, bb) = lowest();
    A.memMax(q, h, bb) =
        max(A.memMax(q, h, bb), statistic(s(q, A.memMaxSlots.x, h, bb)));
    A.memExp = Func(nm + "_mem_exp");
    A.memExp(memArgs()) = relative(s(memArgs()), A.memMax(q, h, bb));
    A.memSumSlots = RDom(0, slots, nm + "_msum");
    A.memSum = Func(nm + "_mem_sum");
    A.memSum(q, h, bb) = 0.0f;
    A.memSum(q, h, bb) += A.memExp(q, A.memSumSlots.x, h, bb);
    if (!A.online)
      return;
    RDom rv(0, slots, nm + "_mpv");
    A.memPv = Func(nm + "_mem_pv");
    A.memPv(A.j, q, h, bb) = 0.0f;
    A.memPv(A.j, q, h, bb) +=
        A.memExp(q, rv.x, h, bb) * memV(kvh * d + A.j, rv.x);
  }

  /// Online: the state (O, max, sum) per query and channel, merged with
  /// each visible block (from the memory slots' contribution, if any).
  void defineOnline() {
    const Var &q = A.q, &qt = A.qt, &h = A.h, &bb = A.bb, &j = A.j;
    AttentionBlockStages &P = A.pass2;
    P.rkPv = RDom(0, Kb, nm + "_kpv");
    P.pv = Func(nm + "_b_pv");
    P.pv(j, q, A.kb, h, bb) = 0.0f;
    P.pv(j, q, A.kb, h, bb) +=
        P.exp(q, P.rkPv.x, A.kb, h, bb) * value(j, key(A.kb, P.rkPv.x));
    A.acc = Func(nm + "_state");
    if (slots > 0)
      A.acc(j, q, qt, h, bb) =
          Tuple(A.memPv(j, q, h, bb), A.memMax(q, h, bb), A.memSum(q, h, bb));
    else
      A.acc(j, q, qt, h, bb) = Tuple(0.0f, lowest(), 0.0f);
    A.blocks2 = RDom(0, numBlocks(), nm + "_blocks");
    Expr b = A.blocks2.x;
    boundBlocks(A.blocks2, b);
    FuncRef st = A.acc(j, q, qt, h, bb);
    Merge g = merge(st[1], P.max(q, b, h, bb));
    A.acc(j, q, qt, h, bb) =
        Tuple(st[0] * g.a + P.pv(j, q, b, h, bb) * g.c, g.max,
              st[2] * g.a + P.sum(q, b, h, bb) * g.c);
  }

  /// Two-pass, first pass: the row statistics (max, sum) over the memory
  /// slots and the visible blocks.
  void defineStatistics() {
    const Var &q = A.q, &qt = A.qt, &h = A.h, &bb = A.bb;
    A.stats = Func(nm + "_stats");
    if (slots > 0)
      A.stats(q, qt, h, bb) = Tuple(A.memMax(q, h, bb), A.memSum(q, h, bb));
    else
      A.stats(q, qt, h, bb) = Tuple(lowest(), 0.0f);
    A.blocks1 = RDom(0, numBlocks(), nm + "_blocks1");
    Expr b = A.blocks1.x;
    boundBlocks(A.blocks1, b);
    FuncRef st = A.stats(q, qt, h, bb);
    Merge g = merge(st[0], A.pass1.max(q, b, h, bb));
    A.stats(q, qt, h, bb) =
        Tuple(g.max, st[1] * g.a + A.pass1.sum(q, b, h, bb) * g.c);
  }

  /// Two-pass, second pass: the normalized (clipped) probabilities, mixed
  /// across heads with talking heads.
  void defineProbabilities() {
    const Var &q = A.q, &h = A.h, &bb = A.bb;
    AttentionBlockStages &P = A.pass2;
    FuncRef st = A.stats(q, q / T, h, bb);
    Expr m = st[0], l = st[1];
    P.prob = Func(nm + "_b2_prob");
    P.prob(blockArgs()) =
        select(visible(key(A.kb, A.kk), A.q),
               normalized(relative(scoresOf(P)(blockArgs()), m), l), 0.0f);
    if (A.talking)
      P.mixedProb =
          mixHeads(op.getTalkPost(), P.prob, blockArgs(), "_b2_mixed_prob");
    if (slots == 0)
      return;
    Func s = A.memMixed.defined() ? A.memMixed : A.memRaw;
    A.memProb = Func(nm + "_mem_prob");
    A.memProb(memArgs()) = normalized(relative(s(memArgs()), m), l);
    if (A.talking)
      A.memMixedProb =
          mixHeads(op.getTalkPost(), A.memProb, memArgs(), "_mem_mixed_prob");
  }

  /// Two-pass: O = the probabilities times the values of the memory slots
  /// and of the visible blocks' keys (masked keys have probability 0).
  void defineTwoPass() {
    const Var &q = A.q, &qt = A.qt, &h = A.h, &bb = A.bb, &j = A.j;
    AttentionBlockStages &P = A.pass2;
    A.acc = Func(nm + "_pv");
    A.acc(j, q, qt, h, bb) = 0.0f;
    if (slots > 0) {
      Func w = A.talking ? A.memMixedProb : A.memProb;
      RDom rm(0, slots, nm + "_mpv");
      A.acc(j, q, qt, h, bb) += w(q, rm.x, h, bb) * memV(kvh * d + j, rm.x);
    }
    Func w = A.talking ? P.mixedProb : P.prob;
    A.blocks2 = RDom(0, Kb, 0, numBlocks(), nm + "_keys");
    boundBlocks(A.blocks2, A.blocks2.y);
    Expr k = A.blocks2.x, b = A.blocks2.y;
    A.acc(j, q, qt, h, bb) += w(q, k, b, h, bb) * value(j, key(b, k));
  }

  void defineOutput() {
    Func acc = A.acc;
    bool online = A.online;
    int dd = d, tile = T;
    ctx.define(op.getResult(),
               ctx.def(nm + "_attention", [&](Expr cc, const Tokens &t) {
                 FuncRef o = acc(cc % dd, t[0], t[0] / tile, cc / dd, t[1]);
                 return online ? Expr(o[0] / o[2]) : Expr(o);
               }));
  }
};

struct AttentionLowering
    : HalideLoweringOpInterface::ExternalModel<AttentionLowering,
                                               nn::AttentionOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::AttentionOp>(o);
    auto &A = ctx.addStage(std::make_unique<AttentionStages>(op.getResult()));
    AttentionBuilder(op, ctx, A).build();
    return mlir::success();
  }
};

} // namespace

void registerAttentionCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::RopeOp::attachInterface<RopeLowering>(*ctx);
    nn::AttentionOp::attachInterface<AttentionLowering>(*ctx);
  });
  registerAttentionSchedule();
}

} // namespace modelc::codegen
