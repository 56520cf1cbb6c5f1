//===- WeightStore.cpp - the weights behind nn.weight ---------------------===//
#include "frontend/WeightStore.h"

#include "dialect/NNOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

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

// Whether a checkpoint tensor of shape `stored` holds a slot of shape `want`:
// the same shape, or it followed by unit axes, which orders the same elements
// the same way (a 1x1 convolution's [out, in, 1, 1] for a linear's [out, in],
// as timm's MetaFormer MLPs store them).
bool holds(ArrayRef<int64_t> stored, ArrayRef<int64_t> want) {
  return stored.size() >= want.size() &&
         stored.take_front(want.size()) == want &&
         llvm::all_of(stored.drop_front(want.size()),
                      [](int64_t d) { return d == 1; });
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

// splitmix64 (a tiny, well-mixed generator, identical on every platform) is
// counter-based: its k-th output is mix(state + k * golden), so any element
// of a synthetic tensor can be made on its own, in any order, in parallel.
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
double uniform(uint64_t bits) {
  // Through int64: the value fits, and only that conversion vectorizes.
  return double(int64_t(bits >> 11)) * 0x1.0p-53 * 2.0 - 1.0;
}

uint64_t fnv1a(StringRef s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ull;
  return h;
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
  std::error_code ec;
  uint64_t size = 0;
  sys::fs::file_t fd = sys::fs::kInvalidFile;
  if (auto opened = sys::fs::openNativeFileForRead(path)) {
    fd = *opened;
    ec = sys::fs::file_size(path, size);
    if (!ec)
      store->data = std::make_unique<sys::fs::mapped_file_region>(
          fd, sys::fs::mapped_file_region::readonly, size, 0, ec);
    sys::fs::closeFile(fd);
  } else {
    ec = errorToErrorCode(opened.takeError());
  }
  if (ec) {
    emitError(FileLineColLoc::get(&ctx, path, 0, 0))
        << "cannot map '" << path << "': " << ec.message();
    return failure();
  }
  struct stat st;
  if (::stat(path.str().c_str(), &st) == 0)
    store->fileIdentity =
        formatv("checkpoint dev {0} ino {1} size {2} mtime {3}.{4} ctime "
                "{5}.{6}",
                st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec)
            .str();
  // Read in order, once: read ahead, and do not keep what was read.
  ::madvise(store->data->data(), store->data->size(), MADV_SEQUENTIAL);
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
  void add(Operation *op, const Twine &msg) { add(op->getLoc(), msg); }
  void add(Location loc, const Twine &msg) {
    unsigned line = 0, col = 0;
    loc->walk([&](Location l) {
      if (auto f = dyn_cast<FileLineColLoc>(l)) {
        line = f.getLine();
        col = f.getColumn();
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    entries.push_back({loc, line, col, msg.str()});
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

    uses.try_emplace(name, Use{op->getLoc(), what, want});
    auto [it, fresh] = shapes.try_emplace(name, want);
    if (!fresh && it->second != want) {
      diags.add(op, what + " is needed with shape " + shapeStr(want) +
                        " here but " + shapeStr(it->second) + " elsewhere");
      return;
    }

    if (!file) {
      // Learn how to initialize it from how it is used.
      using Init = StoredTensor::Init;
      Init init = Init::Matrix;
      for (OpOperand &use : op->getUses()) {
        auto roles = dyn_cast<nn::WeightRolesOpInterface>(use.getOwner());
        if (!roles)
          continue;
        nn::WeightRole role = roles.getWeightRole(use.getOperandNumber());
        if (role == nn::WeightRole::Scale)
          init = Init::Scale; // positive: also a BatchNorm's variance
        else if (role == nn::WeightRole::Shift)
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
    if (!holds(t->shape, want)) {
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

StoredTensor WeightStore::tensor(StringRef name,
                                 ArrayRef<int64_t> storedShape) const {
  StoredTensor t;
  t.dims.assign(storedShape.begin(), storedShape.end());
  t.count = 1;
  for (int64_t d : storedShape)
    t.count *= d;
  if (auto it = measured.find(name); it != measured.end()) {
    if (it->second.dims != t.dims)
      report_fatal_error("measured tensor '" + name + "' has another shape");
    return it->second;
  }
  if (file) {
    const TensorInfo *info = file->lookup(name);
    if (!info || info->dtype != "F32" || !holds(info->shape, t.dims))
      report_fatal_error("weight '" + name +
                         "' was not checked against the module");
    const char *base = data->const_data();
    t.file = base + 8 + support::endian::read64le(base) + info->begin;
    t.mapped = true;
    return t;
  }
  auto it = inits.find(name);
  t.init = it != inits.end()         ? it->second
           : storedShape.size() == 1 ? StoredTensor::Init::Shift
                                     : StoredTensor::Init::Matrix;
  uint64_t h = fnv1a(name);
  for (int64_t d : storedShape)
    h = fnv1a(StringRef(reinterpret_cast<const char *>(&d), sizeof(d)), h);
  t.rngState = h ^ (seed * 0xD1B54A32D192ED03ull);
  return t;
}

void WeightStore::addMeasured(StringRef name, std::vector<int64_t> shape,
                              std::vector<float> values) {
  if (file && file->lookup(name))
    report_fatal_error("measured tensor '" + name +
                       "' would hide a checkpoint tensor");
  measuredHash = fnv1a(name, measuredHash);
  measuredHash = fnv1a(StringRef(reinterpret_cast<const char *>(values.data()),
                                 values.size() * sizeof(float)),
                       measuredHash);
  measured[name] =
      StoredTensor::inMemory(std::move(shape), std::move(values), false);
}

std::string WeightStore::identity() const {
  // What a pruning score read from measured tensors selects changes with them.
  std::string extra = measured.empty()
                          ? ""
                          : "\nmeasured " + llvm::utohexstr(measuredHash) +
                                " " + std::to_string(measured.size());
  if (file)
    return fileIdentity.empty() ? "" : fileIdentity + extra;
  // Bump the generator's name when the values it makes change.
  std::string id =
      "synthetic splitmix64-irwin-hall4 seed " + std::to_string(seed);
  std::vector<std::pair<std::string, int>> learned;
  for (const auto &kv : inits)
    learned.emplace_back(kv.getKey().str(), int(kv.getValue()));
  llvm::sort(learned);
  for (const auto &[name, init] : learned)
    id += "\n" + name + " " + std::to_string(init);
  return id + extra;
}

void WeightStore::emitNonFinite(ArrayRef<NonFinite> found) const {
  SortedDiags diags;
  for (const NonFinite &f : found) {
    auto it = uses.find(f.name);
    if (!f.loc && it == uses.end())
      report_fatal_error(Twine("weight '") + f.name + "' was not checked");
    const Use use = f.loc ? Use{*f.loc, f.what, f.shape} : it->second;
    std::vector<int64_t> at(use.shape.size());
    int64_t index = f.index, total = 1;
    for (size_t d = at.size(); d-- > 0;) {
      at[d] = use.shape[d] ? index % use.shape[d] : 0;
      index = use.shape[d] ? index / use.shape[d] : 0;
      total *= use.shape[d];
    }
    const char *what = std::isnan(f.value) ? "nan"
                       : f.value > 0       ? "inf"
                                           : "-inf";
    diags.add(use.loc, formatv("{0} holds {1} at {2} ({3} of its {4} values "
                               "are not finite)",
                               use.what, what, shapeStr(at), f.count, total));
  }
  diags.emit();
}

namespace {
/// Elements [begin, begin + n) of a synthetic tensor: four draws each, the
/// (4 i + 1)-th to the (4 i + 4)-th for element i. Cloned for AVX-512 and
/// AVX2, where the loop vectorizes (it is most of a random-weights compile);
/// the file is built without FMA contraction (CMakeLists.txt), so every
/// clone gives the same bits.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3",
                             "default"))) void
fillSynthetic(uint64_t state, bool scale, int64_t begin, int64_t n,
              float *dst) {
  // Norm scales ~1 + 0.05 N(0, 1), everything else 0.02 N(0, 1).
  double mul = scale ? 0.05 : 0.02, add = scale ? 1.0 : 0.0;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t s = state + uint64_t(begin + i) * 4 * kGolden;
    double sum = uniform(mix(s + kGolden));
    sum += uniform(mix(s + 2 * kGolden));
    sum += uniform(mix(s + 3 * kGolden));
    sum += uniform(mix(s + 4 * kGolden));
    // Irwin-Hall of four uniforms on [-1, 1), scaled to unit variance:
    // close enough to a normal and much cheaper than Box-Muller.
    dst[i] = float(add + mul * (sum * 0.8660254037844386));
  }
}
} // namespace

void StoredTensor::synthesize(int64_t begin, int64_t n, float *dst) const {
  fillSynthetic(rngState, init == Init::Scale, begin, n, dst);
}

const float *StoredTensor::read(int64_t begin, int64_t n,
                                std::vector<float> &scratch) const {
  if (file) {
    const char *p = file + begin * sizeof(float);
    if (reinterpret_cast<uintptr_t>(p) % alignof(float) == 0)
      return reinterpret_cast<const float *>(p);
  }
  scratch.resize(n);
  if (file) {
    std::memcpy(scratch.data(), file + begin * sizeof(float),
                n * sizeof(float));
  } else {
    synthesize(begin, n, scratch.data());
  }
  return scratch.data();
}

void StoredTensor::readBlock(int64_t r0, int64_t nr, int64_t c0, int64_t nc,
                             float *dst) const {
  int64_t cols = dims.empty() || dims[0] == 0 ? 0 : count / dims[0];
  for (int64_t r = 0; r < nr; ++r) {
    int64_t from = (r0 + r) * cols + c0;
    if (file)
      std::memcpy(dst + r * nc, file + from * sizeof(float),
                  nc * sizeof(float));
    else
      synthesize(from, nc, dst + r * nc);
  }
}

StoredTensor StoredTensor::inMemory(std::vector<int64_t> shape,
                                    std::vector<float> values, bool fromFile) {
  StoredTensor t;
  t.dims = std::move(shape);
  t.count = int64_t(values.size());
  t.owned = std::make_shared<const std::vector<float>>(std::move(values));
  t.file = reinterpret_cast<const char *>(t.owned->data());
  t.checkable = fromFile;
  return t;
}

std::vector<float>
WeightStore::materialize(StringRef name, bool transposed,
                         ArrayRef<int64_t> logicalShape) const {
  std::vector<int64_t> stored(logicalShape.begin(), logicalShape.end());
  if (transposed)
    std::reverse(stored.begin(), stored.end());
  StoredTensor t = tensor(name, stored);
  std::vector<float> out(t.elements());
  if (!transposed) {
    std::vector<float> scratch;
    const float *p = t.read(0, t.elements(), scratch);
    std::copy(p, p + t.elements(), out.begin());
    return out;
  }
  if (stored.size() != 2)
    report_fatal_error("materialize: only a matrix can be transposed");
  // Logical [rows, cols] is stored [cols, rows]: one stored row at a time.
  int64_t rows = stored[1], cols = stored[0];
  std::vector<float> line(rows);
  for (int64_t c = 0; c < cols; ++c) {
    t.readBlock(c, 1, 0, rows, line.data());
    for (int64_t r = 0; r < rows; ++r)
      out[r * cols + c] = line[r];
  }
  t.release(0, t.elements());
  return out;
}

void StoredTensor::release(int64_t begin, int64_t n) const {
  if (!mapped || n <= 0)
    return;
  static const uintptr_t page = ::sysconf(_SC_PAGESIZE);
  uintptr_t from = reinterpret_cast<uintptr_t>(file + begin * sizeof(float));
  uintptr_t to = from + uint64_t(n) * sizeof(float);
  from &= ~(page - 1);
  ::madvise(reinterpret_cast<void *>(from), to - from, MADV_DONTNEED);
}

} // namespace modelc::frontend
