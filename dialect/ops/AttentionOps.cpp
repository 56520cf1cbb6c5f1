//===- AttentionOps.cpp - RoPE and softmax attention ----------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

#include <algorithm>

using namespace mlir;

namespace modelc::nn {

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

int64_t RopeOp::getRotated() {
  if (std::optional<int64_t> r = getRotaryDim())
    return *r;
  return channels(getInput()) / getHeads();
}

LogicalResult RopeOp::verify() {
  int64_t c = channels(getInput()), heads = getHeads();
  if (heads <= 0 || c % heads != 0)
    return emitOpError("channels ") << c << " are not " << heads << " heads";
  int64_t hd = c / heads, rotated = getRotated();
  if (getRotaryDim() && (rotated <= 0 || rotated > hd))
    return emitOpError("rotary_dim ")
           << rotated << " must be in [1, head_dim " << hd << "]";
  if (rotated % 2 != 0)
    return emitOpError(getRotaryDim() ? "rotary_dim " : "head_dim ")
           << rotated << " must be even";
  if (!(getTheta().convertToFloat() > 0.0f))
    return emitOpError("theta must be positive");
  return success();
}

FusionKind RopeOp::getFusionKind() { return FusionKind::Positional; }
double RopeOp::getFlopsPerToken() { return 3.0 * channels(getResult()); }

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

int64_t AttentionOp::getHeadDim() { return channels(getQuery()) / getHeads(); }

int64_t AttentionOp::getMemorySlots() {
  Value mk = getMemoryKey();
  return mk ? rankedType(mk).getDimSize(0) : 0;
}

std::optional<AttentionOp::GridWindow> AttentionOp::getGridWindowFields() {
  std::optional<ArrayRef<int64_t>> g = getGridWindow();
  if (!g || g->size() != 4)
    return std::nullopt;
  return GridWindow{(*g)[0], (*g)[1], (*g)[2], (*g)[3]};
}

namespace {

/// `m` is `rows x cols` ("memory keys", "talking-heads pre-softmax mix").
LogicalResult verifyMatrix(AttentionOp op, Value m, int64_t rows, int64_t cols,
                           StringRef what) {
  auto shape = rankedType(m).getShape();
  if ((rows >= 0 && shape[0] != rows) || shape[1] != cols)
    return op.emitOpError(what)
           << " must be [" << (rows >= 0 ? rows : shape[0]) << ", " << cols
           << "], got [" << shape[0] << ", " << shape[1] << "]";
  return success();
}

/// Swin's windows: they tile the grid, no other mask is combined; the
/// relative position bias has a row per offset in a window.
LogicalResult verifyGridWindow(AttentionOp op) {
  std::optional<ArrayRef<int64_t>> g = op.getGridWindow();
  if (!g)
    return op.getRelativeBias()
               ? op.emitOpError("relative_bias needs grid_window")
               : success();
  if (g->size() != 4)
    return op.emitOpError("grid_window is [rows, cols, window, shift], got ")
           << g->size() << " values";
  if (failed(verifyTokenGrid(op, g->take_front(2), op.getQuery())))
    return failure();
  int64_t rows = (*g)[0], cols = (*g)[1], m = (*g)[2], s = (*g)[3];
  if (m < 1 || rows % m != 0 || cols % m != 0)
    return op.emitOpError("grid_window's window ")
           << m << " must divide the grid's rows " << rows << " and cols "
           << cols;
  if (s < 0 || s >= m)
    return op.emitOpError("grid_window's shift ")
           << s << " must be in [0, window " << m << ")";
  if (op.getCausal() || op.getWindow() || op.getBlockSize())
    return op.emitOpError(
        "grid_window takes no other mask (causal, window, block_size)");
  if (Value table = op.getRelativeBias())
    return verifyMatrix(op, table, (2 * m - 1) * (2 * m - 1), op.getHeads(),
                        "relative_bias");
  return success();
}

} // namespace

LogicalResult AttentionOp::verify() {
  int64_t heads = getHeads(), kvHeads = getKvHeads();
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return emitOpError("kv_heads ")
           << kvHeads << " must divide heads " << heads;
  int64_t q = channels(getQuery());
  if (q % heads != 0)
    return emitOpError("query channels ")
           << q << " are not " << heads << " heads";
  int64_t kvWidth = kvHeads * (q / heads);
  if (channels(getKey()) != kvWidth || channels(getValue()) != kvWidth)
    return emitOpError("key/value need ") << kvWidth << " channels (" << kvHeads
                                          << " heads of " << q / heads << ")";
  if (failed(verifySameTokens(*this, getQuery(), getKey())) ||
      failed(verifySameTokens(*this, getQuery(), getValue())))
    return failure();
  if (!(getScale().convertToFloat() > 0.0f))
    return emitOpError("scale must be positive");
  if (std::optional<int64_t> w = getWindow(); w && *w <= 0)
    return emitOpError("window must be positive, got ") << *w;
  if (std::optional<int64_t> b = getBlockSize(); b && *b <= 0)
    return emitOpError("block_size must be positive, got ") << *b;
  if (failed(verifyGridWindow(*this)))
    return failure();
  if (!getMemoryKey() != !getMemoryValue())
    return emitOpError("memory needs both keys and values");
  if (getMemoryKey()) {
    int64_t slots = rankedType(getMemoryKey()).getDimSize(0);
    if (failed(
            verifyMatrix(*this, getMemoryKey(), -1, kvWidth, "memory keys")) ||
        failed(verifyMatrix(*this, getMemoryValue(), slots, kvWidth,
                            "memory values")))
      return failure();
  }
  if (!getTalkPre() != !getTalkPost())
    return emitOpError("talking heads need both mixing matrices");
  if (getTalkPre() && (failed(verifyMatrix(*this, getTalkPre(), heads, heads,
                                           "talking-heads pre-softmax mix")) ||
                       failed(verifyMatrix(*this, getTalkPost(), heads, heads,
                                           "talking-heads post-softmax mix"))))
    return failure();
  if (auto slopes = getAlibiSlopes();
      slopes && (int64_t)slopes->size() != heads)
    return emitOpError("alibi_slopes needs ")
           << heads << " slopes (one per head), got " << slopes->size();
  if (auto clip = getClip()) {
    if (clip->size() != 2)
      return emitOpError("clip is [gamma, eta], got ")
             << clip->size() << " values";
    if (!((*clip)[0] <= 0.0f && (*clip)[1] >= 1.0f))
      return emitOpError("clip needs gamma <= 0 and eta >= 1");
  }
  if (std::optional<int64_t> p = getPower()) {
    if (*p <= 0 || *p % 2 != 0)
      return emitOpError("power must be even and positive, got ") << *p;
    if (getClip())
      return emitOpError("clip and power are two different softmaxes");
    if (getAlibiSlopes())
      return emitOpError("power-softmax takes no ALiBi bias");
  }
  if (Value first = getValueFirst()) {
    if (channels(first) != kvWidth)
      return emitOpError("value_first needs ") << kvWidth << " channels";
    if (failed(verifySameTokens(*this, getQuery(), first)))
      return failure();
    auto lambda = getValueLambda();
    if (!lambda || lambda->size() != 2)
      return emitOpError("value_first needs value_lambda = [lambda1, lambda2]");
  } else if (getValueLambda()) {
    return emitOpError("value_lambda needs value_first");
  }
  return success();
}

// Fusion: an attention kernel takes in the slices of a fused QKV projection
// and the RoPE rotations that produce q, k and v, used by it alone.
FusionKind AttentionOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> AttentionOp::getSeedClass() {
  return KernelClass::attention;
}
int AttentionOp::getSeedPriority() { return 10; }
Absorb AttentionOp::absorbsProducer(OpOperand &operand, Operation *producer) {
  // Layer 0's value, read again by later layers, stays its own result.
  if (operand.get() == getValueFirst())
    return Absorb::No;
  FusionKind k = fusionKindOf(producer);
  return k == FusionKind::Reindex || k == FusionKind::Positional
             ? Absorb::Exclusive
             : Absorb::No;
}
Absorb AttentionOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }

// FLOPs per visible (query, key) pair: q k^T and p v, 2 per head channel
// each, and with talking heads 2 heads^2 for each mix. A query sees on
// average (seq + 1) / 2 keys when causal, seq otherwise; a window, a block or
// a grid window bounds it by a constant (counted in full, so short sequences
// are over-counted); memory slots add a constant.
namespace {
double flopsPerPair(AttentionOp op) {
  double h = (double)op.getHeads();
  return 4.0 * channels(op.getQuery()) + (op.getTalkPre() ? 4.0 * h * h : 0.0);
}
/// Keys a query sees when a window, block or grid window bounds them.
std::optional<double> boundedKeys(AttentionOp op) {
  if (std::optional<AttentionOp::GridWindow> g = op.getGridWindowFields())
    return double(g->size * g->size); // the grid's edge windows are smaller
  std::optional<double> keys;
  bool causal = op.getCausal();
  if (std::optional<int64_t> w = op.getWindow())
    keys = causal ? (double)*w : 2.0 * (double)*w - 1.0;
  if (std::optional<int64_t> b = op.getBlockSize()) {
    double inBlock = causal ? ((double)*b + 1.0) / 2.0 : (double)*b;
    keys = keys ? std::min(*keys, inBlock) : inBlock;
  }
  return keys;
}
} // namespace

double AttentionOp::getFlopsPerToken() {
  double pair = flopsPerPair(*this);
  double fixed = (double)getMemorySlots();
  if (std::optional<double> keys = boundedKeys(*this))
    fixed += *keys;
  else if (getCausal())
    fixed += 0.5;
  return pair * fixed;
}

double AttentionOp::getFlopsPerTokenSeq() {
  if (boundedKeys(*this))
    return 0.0;
  return flopsPerPair(*this) * (getCausal() ? 0.5 : 1.0);
}

} // namespace modelc::nn
