//===- WeightStore.cpp - the weights behind nn.weight ---------------------===//
#include "frontend/WeightStore.h"

#include "dialect/NNOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <cstring>
#include <tuple>

using namespace mlir;
using namespace llvm;

namespace modelc::frontend {
namespace {

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

std::vector<int64_t> storedShape(nn::WeightOp op) {
  auto shape = op.getType().getShape();
  std::vector<int64_t> s(shape.begin(), shape.end());
  if (op.getTransposed())
    std::reverse(s.begin(), s.end());
  return s;
}

// The weight-slot name MLIRGen put on the op ("layer3.attn.q.weight").
std::string slotOf(Operation *op) {
  if (auto nl = dyn_cast<NameLoc>(op->getLoc()))
    return nl.getName().str();
  return "";
}

/// A stored name close to `name`: one differing by a dotted prefix (a wrong
/// or missing [weights] prefix) or by a few characters.
std::optional<std::string> suggest(StringRef name, const SafetensorsFile &f) {
  for (const TensorInfo &t : f.tensors()) {
    StringRef s = t.name;
    if (s.size() > name.size() && s.ends_with(name) &&
        s[s.size() - name.size() - 1] == '.')
      return "'" + t.name + "' (set [weights] prefix = \"" +
             s.drop_back(name.size()).str() + "\"?)";
    if (name.size() > s.size() && name.ends_with(s) &&
        name[name.size() - s.size() - 1] == '.')
      return "'" + t.name + "' (drop the [weights] prefix?)";
  }
  unsigned maxDist = std::max<unsigned>(3, name.size() / 5);
  const TensorInfo *best = nullptr;
  unsigned bestDist = maxDist + 1;
  for (const TensorInfo &t : f.tensors()) {
    unsigned d = name.edit_distance(t.name, true, maxDist);
    if (d < bestDist) {
      bestDist = d;
      best = &t;
    }
  }
  if (!best)
    return std::nullopt;
  return "'" + best->name + "'";
}

// splitmix64: a tiny, well-mixed generator, identical on every platform.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53 * 2.0 - 1.0; }
  // Irwin-Hall of four uniforms on [-1, 1), scaled to unit variance: close
  // enough to a normal and much cheaper than Box-Muller.
  double normal() {
    return (uniform() + uniform() + uniform() + uniform()) * 0.8660254037844386;
  }
};

uint64_t fnv1a(StringRef s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::vector<float> transpose(const std::vector<float> &in, int64_t rows,
                             int64_t cols) {
  std::vector<float> out(in.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      out[j * rows + i] = in[i * cols + j];
  return out;
}
} // namespace

FailureOr<std::unique_ptr<WeightStore>> WeightStore::open(StringRef path,
                                                          MLIRContext &ctx) {
  std::vector<std::string> errors;
  auto file = SafetensorsFile::open(path, errors);
  if (!file) {
    Location loc = FileLineColLoc::get(&ctx, path, 0, 0);
    for (const std::string &e : errors)
      emitError(loc) << "invalid safetensors file: " << e;
    return failure();
  }
  auto store = std::unique_ptr<WeightStore>(new WeightStore());
  store->file = std::move(file);
  store->filePath = path.str();
  return store;
}

std::unique_ptr<WeightStore> WeightStore::synthetic(uint64_t seed) {
  auto store = std::unique_ptr<WeightStore>(new WeightStore());
  store->seed = seed;
  return store;
}

namespace {
/// Weight problems, emitted sorted by spec position like the spec's own
/// errors (the walk visits weights in first-use order).
struct SortedDiags {
  struct Entry {
    Location loc;
    unsigned line, col;
    std::string msg;
  };
  std::vector<Entry> entries;
  void add(Operation *op, const Twine &msg) {
    unsigned line = 0, col = 0;
    op->getLoc()->walk([&](Location l) {
      if (auto f = dyn_cast<FileLineColLoc>(l)) {
        line = f.getLine();
        col = f.getColumn();
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    entries.push_back({op->getLoc(), line, col, msg.str()});
  }
  void emit() {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry &a, const Entry &b) {
                       return std::tie(a.line, a.col) < std::tie(b.line, b.col);
                     });
    // Plain emitError: the op itself would only repeat the message.
    for (const Entry &e : entries)
      mlir::emitError(e.loc) << e.msg;
  }
};
} // namespace

LogicalResult WeightStore::check(ModuleOp module) {
  SortedDiags diags;
  // Two ops naming one tensor must agree on its stored shape.
  StringMap<std::vector<int64_t>> shapes;
  module.walk([&](nn::WeightOp op) {
    StringRef name = op.getName();
    std::vector<int64_t> want = storedShape(op);
    std::string slot = slotOf(op);
    std::string what = "checkpoint tensor '" + name.str() + "'" +
                       (slot.empty() ? "" : " (" + slot + ")");

    auto [it, fresh] = shapes.try_emplace(name, want);
    if (!fresh && it->second != want) {
      diags.add(op, what + " is needed with shape " + shapeStr(want) +
                        " here but " + shapeStr(it->second) + " elsewhere");
      return;
    }

    if (!file) {
      // Learn how to initialize it from how it is used.
      Init init = Init::Matrix;
      for (OpOperand &use : op->getUses()) {
        Operation *user = use.getOwner();
        unsigned n = use.getOperandNumber();
        if (isa<nn::LayerNormOp, nn::RMSNormOp>(user))
          init = n == 1 ? Init::Scale : Init::Shift;
        else if (isa<nn::LinearOp>(user) && n == 2)
          init = Init::Shift;
      }
      inits[name] = init;
      return;
    }

    const TensorInfo *t = file->lookup(name);
    if (!t) {
      std::string msg = what + " is not in the checkpoint";
      if (auto s = suggest(name, *file))
        msg += "; did you mean " + *s;
      diags.add(op, msg);
      return;
    }
    if (t->dtype != "F32") {
      diags.add(op, what + " has dtype " + t->dtype +
                        "; only F32 weights are supported");
    }
    if (t->shape != want) {
      std::string msg = what + " has shape " + shapeStr(t->shape) +
                        " but the spec needs " + shapeStr(want);
      std::vector<int64_t> rev(want.rbegin(), want.rend());
      if (want.size() == 2 && t->shape == rev)
        msg += " (it is stored transposed: check the [weights] scheme)";
      diags.add(op, msg);
    }
  });
  diags.emit();
  return success(diags.entries.empty());
}

std::vector<float> WeightStore::stored(StringRef name,
                                       ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<float> out(n);
  if (file) {
    const TensorInfo *t = file->lookup(name);
    if (!t || t->dtype != "F32" ||
        t->shape != std::vector<int64_t>(shape.begin(), shape.end()))
      report_fatal_error("materialize: weight '" + name +
                         "' was not checked against the module");
    std::memcpy(out.data(), t->data, n * sizeof(float));
    return out;
  }
  auto it = inits.find(name);
  Init init = it != inits.end()   ? it->second
              : shape.size() == 1 ? Init::Shift
                                  : Init::Matrix;
  uint64_t h = fnv1a(name);
  for (int64_t d : shape)
    h = fnv1a(StringRef(reinterpret_cast<const char *>(&d), sizeof(d)), h);
  Rng rng{h ^ (seed * 0xD1B54A32D192ED03ull)};
  for (float &v : out) {
    double g = rng.normal();
    v = init == Init::Scale ? float(1.0 + 0.05 * g) : float(0.02 * g);
  }
  return out;
}

std::vector<float> WeightStore::materialize(StringRef name, bool transposed,
                                            ArrayRef<int64_t> logicalShape) {
  if (!transposed)
    return stored(name, logicalShape);
  if (logicalShape.size() != 2)
    report_fatal_error("materialize: only a matrix can be transposed");
  int64_t rows = logicalShape[1], cols = logicalShape[0];
  return transpose(stored(name, {rows, cols}), rows, cols);
}

} // namespace modelc::frontend
