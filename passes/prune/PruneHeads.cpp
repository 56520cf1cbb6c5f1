//===- PruneHeads.cpp - nn-prune-heads ------------------------------------===//
//
// Structured pruning of attention heads (of grouped-query attention, the
// query heads of each KV group alike): the heads whose weights (their q,
// k, v columns and output-projection rows) have the smallest squared norm,
// or whose measured output energy through the output projection is least,
// are removed, a ratio or a count of them, per multi-head attention or of
// all of them together. A head's persistent memory slots go with it; its
// ALiBi slope is an attribute, so the choice is read from the weights at
// compile time and the kept slopes rewritten; Swin's relative-bias table
// keeps the kept heads' columns. An attention whose heads mix or read
// another layer is left whole, with a warning that says why.
//
//===----------------------------------------------------------------------===//
#include "passes/prune/PruneHeads.h"
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"
#include "dialect/ops/WeightSelect.h"
#include "passes/WeightBuilder.h"
#include "passes/prune/Structure.h"

namespace modelc {
#define GEN_PASS_DEF_PRUNEHEADS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// Where one of q, k, v comes from: `projection`'s columns (from `offset`,
/// when `slice` cuts them out of a fused projection), through `rope`.
struct Path {
  LinearOp projection;
  SliceOp slice;
  RopeOp rope;
  int64_t offset = 0;
};

std::optional<Path> tracePath(Value v) {
  Path p;
  if ((p.rope = v.getDefiningOp<RopeOp>())) {
    if (!v.hasOneUse())
      return std::nullopt;
    v = p.rope.getInput();
  }
  if (!v.hasOneUse())
    return std::nullopt;
  if ((p.slice = v.getDefiningOp<SliceOp>())) {
    p.offset = (int64_t)p.slice.getOffset();
    v = p.slice.getInput();
  }
  p.projection = v.getDefiningOp<LinearOp>();
  if (!p.projection)
    return std::nullopt;
  return p;
}

/// A multi-head attention whose q, k, v are projections (separate, or three
/// slices of one fused projection, each used only there) and whose result
/// only the output projection `out` reads. Grouped-query (and multi-query)
/// attention keeps its k and v heads: each KV group loses the same number
/// of query heads.
struct Heads {
  AttentionOp attention;
  std::array<Path, 3> qkv;
  LinearOp out;
  bool fused = false;
  bool grouped = false; // fewer k, v heads than q heads

  /// The q, k, v parts pruned: all three, or q alone for grouped heads.
  int parts() const { return grouped ? 1 : 3; }
};

/// The heads of `att` when it can be pruned; else why not (`whole`).
std::optional<Heads> matchHeads(AttentionOp att, std::string &whole) {
  if (att.getTalkPre())
    whole = "talking heads mix the heads' scores";
  else if (att.getValueFirst())
    whole = "its value residual reads the first layer's values";
  if (!whole.empty())
    return std::nullopt;
  whole = "its q, k, v are not projections read only here, or its result "
          "not only an output projection's input";
  if (!att.getResult().hasOneUse())
    return std::nullopt;
  Heads h{att, {}, dyn_cast<LinearOp>(*att.getResult().getUsers().begin())};
  h.grouped = att.getHeads() != att.getKvHeads();
  if (!h.out || h.out.getInput() != att.getResult())
    return std::nullopt;
  Value operands[3] = {att.getQuery(), att.getKey(), att.getValue()};
  for (int i = 0; i < 3; ++i) {
    std::optional<Path> p = tracePath(operands[i]);
    if (!p)
      return std::nullopt;
    h.qkv[i] = *p;
  }
  int slices = llvm::count_if(h.qkv, [](const Path &p) { return p.slice; });
  LinearOp first = h.qkv[0].projection;
  if (slices == 3) {
    // One fused projection of exactly the three parts.
    h.fused = true;
    if (llvm::any_of(h.qkv,
                     [&](const Path &p) { return p.projection != first; }) ||
        channels(first.getResult()) != channels(att.getQuery()) +
                                           channels(att.getKey()) +
                                           channels(att.getValue()) ||
        !llvm::hasNItems(first.getResult().getUsers(), 3))
      return std::nullopt;
    return h;
  }
  if (slices != 0 || first == h.qkv[1].projection ||
      first == h.qkv[2].projection ||
      h.qkv[1].projection == h.qkv[2].projection)
    return std::nullopt;
  return h;
}

/// One attention's per-head operands and their score (the squared norms of
/// each head's q (and, not grouped, k and v) columns and output rows, per
/// query channel).
struct Scored {
  Value weights[3], biases[3];
  Value score;
  /// The score summed per head, read from the weights when the choice must
  /// be known at compile time (global pruning, ALiBi slopes).
  std::vector<double> perHead;
};

struct PruneHeadsPass : public modelc::impl::PruneHeadsBase<PruneHeadsPass> {
  using PruneHeadsBase::PruneHeadsBase;
  PruneHeadsPass(const PruneHeadsOptions &options, WeightReader read)
      : PruneHeadsBase(options), read(std::move(read)) {}

  PruneAmount amount() const { return {ratio, count, global}; }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(amount().check(func, getArgument(), (bool)read,
                              "--prune-heads=global:R")))
      return signalPassFailure();
    if (amount().none())
      return;
    SmallVector<Heads> all;
    func.walk([&](AttentionOp att) {
      std::string whole;
      if (std::optional<Heads> h = matchHeads(att, whole))
        all.push_back(*h);
      else
        att.emitWarning() << getArgument() << ": heads left whole: " << whole;
    });
    if (all.empty())
      return;
    SmallVector<Scored> scored;
    for (Heads &h : all)
      scored.push_back(scoreHeads(h));
    std::vector<int64_t> kept = keptCounts(all, scored);
    for (auto [h, s, k] : llvm::zip(all, scored, kept))
      if (failed(prune(h, s, k)))
        return signalPassFailure();
    eraseDeadWeights(func);
  }

  /// How many heads each attention keeps, by the options.
  std::vector<int64_t> keptCounts(MutableArrayRef<Heads> all,
                                  ArrayRef<Scored> scored) {
    std::vector<int64_t> kept;
    if (!global) {
      for (Heads &h : all) {
        int64_t heads = (int64_t)h.attention.getHeads();
        int64_t kv = (int64_t)h.attention.getKvHeads(), group = heads / kv;
        // Grouped: a ratio is of each KV group's query heads, and a count is
        // split evenly over the groups (prune() checks that it can be).
        kept.push_back(h.grouped && !count
                           ? kv * (group - amount().removedOf(group))
                           : heads - amount().removedOf(heads));
      }
      return kept;
    }
    // Globally ranked units: a head, or in grouped-query attention one
    // query head of every KV group (the r-th lowest of each, scored by
    // their mean), so that the groups stay equal.
    std::vector<std::vector<double>> values;
    std::vector<int64_t> sizes;
    int64_t total = 0;
    for (auto [h, s] : llvm::zip(all, scored)) {
      int64_t kv = h.grouped ? (int64_t)h.attention.getKvHeads() : 1;
      values.push_back(unitScores(s.perHead, kv));
      sizes.push_back(kv);
      total += (int64_t)h.attention.getHeads();
    }
    int64_t asked = std::min(amount().removedOf(total), total), removed = 0;
    std::vector<int64_t> units = keptGlobally(values, asked, sizes);
    for (auto [h, u, size] : llvm::zip(all, units, sizes)) {
      kept.push_back(u * size);
      removed += (int64_t)h.attention.getHeads() - u * size;
    }
    if (removed < asked)
      getOperation().emitWarning()
          << getArgument() << ": " << amount().text() << " removes " << removed
          << " of the " << total
          << " heads: the units of grouped-query attention (one query head "
             "per KV group) do not fill the rest";
    return kept;
  }

  /// A grouped-query attention's units (`kv` KV groups of query heads in
  /// order): unit r is the r-th lowest-scored query head of every group,
  /// scored by their mean; with one group, the heads themselves.
  static std::vector<double> unitScores(const std::vector<double> &head,
                                        int64_t kv) {
    if (kv == 1)
      return head;
    int64_t group = (int64_t)head.size() / kv;
    std::vector<double> unit(group, 0.0);
    for (int64_t g = 0; g < kv; ++g) {
      std::vector<double> sorted(head.begin() + g * group,
                                 head.begin() + (g + 1) * group);
      std::sort(sorted.begin(), sorted.end());
      for (int64_t r = 0; r < group; ++r)
        unit[r] += sorted[r] / (double)kv;
    }
    return unit;
  }

  /// Each head's score: its channels' sum, as nn.weight.select_top adds
  /// them.
  std::vector<double> headScores(AttentionOp att, Value score) {
    int64_t dim = att.getHeadDim();
    std::vector<double> head(att.getHeads(), 0.0);
    std::vector<float> channel = read(score);
    for (size_t c = 0; c < channel.size(); ++c)
      head[c / dim] += channel[c];
    return head;
  }

  /// The weights and biases of q, k, v (columns of a fused projection) and
  /// the per-channel score of `h`'s heads (and per head, when needed).
  Scored scoreHeads(Heads &h) {
    Value operands[3] = {h.attention.getQuery(), h.attention.getKey(),
                         h.attention.getValue()};
    OpBuilder b(h.attention);
    WeightBuilder wb(b, h.attention.getLoc(), h.attention);
    Scored s;
    for (int i = 0; i < h.parts(); ++i) {
      LinearOp p = h.qkv[i].projection;
      int64_t width = channels(operands[i]);
      s.weights[i] = h.fused
                         ? wb.slice(p.getWeight(), 1, h.qkv[i].offset, width)
                         : p.getWeight();
      if (Value bias = p.getBias())
        s.biases[i] =
            h.fused ? wb.slice(bias, 0, h.qkv[i].offset, width) : bias;
    }
    if (activation) {
      s.score = activationScore(wb, h.out, h.out.getWeight());
    } else {
      s.score = wb.sqNorms(h.out.getWeight(), 0);
      for (int i = 0; i < h.parts(); ++i)
        s.score = wb.add(s.score, wb.sqNorms(s.weights[i], 1));
    }
    if (read && (global || h.attention.getAlibiSlopes()))
      s.perHead = headScores(h.attention, s.score);
    return s;
  }

  LogicalResult prune(Heads &h, Scored &s, int64_t kept) {
    int64_t heads = (int64_t)h.attention.getHeads();
    int64_t kv = (int64_t)h.attention.getKvHeads();
    int64_t dim = h.attention.getHeadDim();
    if (kept == heads)
      return success();
    if (h.attention.getAlibiSlopes() && !read)
      return h.attention.emitError()
             << getArgument()
             << ": the kept heads' ALiBi slopes are chosen from the weights' "
                "values: use modelc compile --prune-heads";
    if (h.grouped && !global && count % kv)
      return h.attention.emitError()
             << "nn-prune-heads: " << amount().text()
             << " does not split evenly over the " << kv
             << " KV groups of a grouped-query attention (give a multiple of "
             << kv << ")";
    if (kept < (h.grouped ? kv : 1))
      return h.attention.emitError()
             << "nn-prune-heads: " << amount().text() << " removes all "
             << (h.grouped ? heads / kv : heads)
             << (h.grouped ? " query heads of each KV group" : " heads");
    int64_t keptWidth = kept * dim;
    OpBuilder b(h.attention);
    WeightBuilder wb(b, h.attention.getLoc(), h.attention);
    // Grouped: each KV group keeps its own best query heads.
    int64_t segments = h.grouped ? kv : 1;
    auto select = [&](Value w, int64_t axis) {
      return wb.selectTop(w, s.score, axis, dim, keptWidth, segments);
    };
    // The kept heads' ALiBi slopes, chosen as the weights' select_top
    // chooses (before the rewrite changes the head size the score sees).
    SmallVector<float> keptSlopes;
    if (std::optional<ArrayRef<float>> slopes = h.attention.getAlibiSlopes())
      for (int64_t head : nn::keptGroups(s.perHead, segments, kept / segments))
        keptSlopes.push_back((*slopes)[head]);
    // The parts pruned get their selected heads; k and v of grouped
    // attention stay as they are.
    Value weights[3], biases[3];
    for (int i = 0; i < h.parts(); ++i) {
      weights[i] = select(s.weights[i], 1);
      if (s.biases[i])
        biases[i] = select(s.biases[i], 0);
    }
    auto setChannels = [](Value v, int64_t c) {
      v.setType(withChannels(v.getType(), c));
    };
    if (h.fused) {
      // The fused projection keeps its parts in their order, the pruned ones
      // narrower; each slice moves to its part's new offset.
      LinearOp p = h.qkv[0].projection;
      std::array<int, 3> order = {0, 1, 2};
      llvm::sort(order, [&](int a, int c) {
        return h.qkv[a].offset < h.qkv[c].offset;
      });
      SmallVector<Value> parts, partBiases;
      int64_t offset = 0;
      for (int i : order) {
        Path &path = h.qkv[i];
        int64_t width = channels(path.slice.getResult());
        int64_t newWidth = i < h.parts() ? keptWidth : width;
        parts.push_back(i < h.parts()
                            ? weights[i]
                            : wb.slice(p.getWeight(), 1, path.offset, width));
        if (Value bias = p.getBias())
          partBiases.push_back(i < h.parts()
                                   ? biases[i]
                                   : wb.slice(bias, 0, path.offset, width));
        path.slice.setOffset(offset);
        setChannels(path.slice.getResult(), newWidth);
        offset += newWidth;
      }
      p.getWeightMutable().assign(wb.concat(parts, 1));
      if (p.getBias())
        p.getBiasMutable().assign(wb.concat(partBiases, 0));
      setChannels(p.getResult(), offset);
    } else {
      for (int i = 0; i < h.parts(); ++i) {
        LinearOp p = h.qkv[i].projection;
        p.getWeightMutable().assign(weights[i]);
        if (biases[i])
          p.getBiasMutable().assign(biases[i]);
        setChannels(p.getResult(), keptWidth);
      }
    }
    for (int i = 0; i < h.parts(); ++i)
      if (RopeOp rope = h.qkv[i].rope) {
        rope.setHeads(kept);
        setChannels(rope.getResult(), keptWidth);
      }
    if (!h.grouped && h.attention.getMemoryKey()) {
      // The memory slots are per KV head, which are the heads here.
      h.attention.getMemoryKeyMutable().assign(
          select(h.attention.getMemoryKey(), 1));
      h.attention.getMemoryValueMutable().assign(
          select(h.attention.getMemoryValue(), 1));
    }
    if (h.attention.getAlibiSlopes())
      h.attention.setAlibiSlopes(keptSlopes);
    if (Value table = h.attention.getRelativeBias())
      // A column per query head, selected by the heads' channel score.
      h.attention.getRelativeBiasMutable().assign(
          wb.selectTop(table, s.score, 1, 1, kept, segments));
    h.attention.setHeads(kept);
    if (!h.grouped)
      h.attention.setKvHeads(kept);
    setChannels(h.attention.getResult(), keptWidth);
    h.out.getWeightMutable().assign(select(h.out.getWeight(), 0));
    return success();
  }

  WeightReader read;
};

} // namespace

std::unique_ptr<Pass> modelc::createPruneHeads(const PruneHeadsOptions &options,
                                               WeightReader read) {
  return std::make_unique<PruneHeadsPass>(options, std::move(read));
}
