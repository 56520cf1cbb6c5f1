//===- WeightsWriter.cpp - <name>.weights from the weight plan ------------===//
#include "tools/WeightsWriter.h"

#include "codegen/GemmLayout.h"
#include "dialect/NNOps.h"
#include "frontend/SafetensorsWriter.h"
#include "frontend/WeightEval.h"
#include "runtime/XXHash64.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <set>
#include <thread>
#include <unistd.h>

using modelc::codegen::WeightPlanEntry;
using modelc::frontend::StoredTensor;
using namespace mlir;

namespace modelc {
namespace {

// Floats per piece (2 MiB): large enough that per-piece costs vanish, small
// enough that a few pieces per thread stay in L2/L3 between the steps.
constexpr int64_t kPieceFloats = int64_t(1) << 19;

bool anyNonFinite(const float *p, int64_t n) {
  uint32_t bad = 0; // a branch-free loop the compiler vectorizes
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, p + i, sizeof bits);
    bad |= (bits & 0x7f800000u) == 0x7f800000u;
  }
  return bad;
}

/// How one plan entry's file tensor is made from its stored tensor.
struct Job {
  enum Kind {
    Panels,    // a packed GEMM weight: unit = one panel of K x panelWidth
    Transpose, // row-major [rows, cols] from stored [cols, rows]: unit = row
    Copy,      // the stored tensor as it is: unit = element
  } kind;
  const WeightPlanEntry *entry;
  // An nn.weight's stored tensor; for a weight expression, its value,
  // computed when its first piece is made and dropped after its last.
  StoredTensor src;
  bool outIn = false; // src is the [out, in] transpose of the logical matrix
  mlir::Operation *expr = nullptr; // the weight expression, if one
  std::shared_ptr<std::once_flag> evaluated;
  int64_t K = 0, N = 0, pw = 0; // Panels
  int64_t rows = 0, cols = 0;   // Transpose
  int64_t units = 0, unitFloats = 1;
};

Job makeJob(const frontend::WeightStore &store, const WeightPlanEntry &e) {
  Job j;
  j.entry = &e;
  int64_t elements = 1;
  for (int64_t d : e.shape)
    elements *= d;
  Operation *def = e.value ? e.value.getDefiningOp() : nullptr;
  if (def && !isa<nn::WeightOp>(def)) {
    j.expr = def;
    j.evaluated = std::make_shared<std::once_flag>();
  } else {
    std::vector<int64_t> stored = e.shape;
    if (e.transposed)
      std::reverse(stored.begin(), stored.end());
    j.src = store.tensor(e.source, stored);
    j.outIn = e.transposed;
  }
  bool matrix = e.shape.size() == 2;
  if (j.outIn && !matrix)
    llvm::report_fatal_error("weight plan: only a matrix can be transposed");
  if (matrix && e.isGemmWeight && e.layout.panelWidth > 0) {
    j.kind = Job::Panels;
    j.K = e.shape[0];
    j.N = e.shape[1];
    j.pw = e.layout.panelWidth;
    j.units = codegen::gemmPanels(e.layout, (int)j.N);
    j.unitFloats = j.K * j.pw;
  } else if (j.outIn) {
    j.kind = Job::Transpose;
    j.rows = e.shape[0];
    j.cols = e.shape[1];
    j.units = j.rows;
    j.unitFloats = j.cols;
  } else {
    j.kind = Job::Copy;
    j.units = elements;
  }
  if (uint64_t(j.units * j.unitFloats) != codegen::weightFileElems(e))
    llvm::report_fatal_error(llvm::Twine("weight plan: '") + e.fileName +
                             "' does not have the size of its layout");
  return j;
}

/// A weight expression's value, as a tensor in memory. Evaluations take
/// turns: they read the IR, and they are few and large.
StoredTensor evaluate(frontend::WeightStore &store, const Job &j) {
  static std::mutex one;
  std::lock_guard<std::mutex> lock(one);
  return StoredTensor::inMemory(
      j.entry->shape, frontend::materializeWeight(store, j.entry->value),
      !store.isSynthetic());
}

/// Units [first, last) of one job, and the buffers a producer made them in.
struct Piece {
  unsigned job;
  int64_t first, last;
  bool lastOfJob;
};

struct Slot {
  std::vector<float> out, scratch;
  const float *data = nullptr; // what to write: out, scratch or the mapping
  int64_t count = 0;
  std::vector<int8_t> int8;           // an int8 tensor's piece: data, as int8
  int64_t srcBegin = 0, srcCount = 0; // a stored range read in one run
  bool nonFinite = false;
  size_t readyFor = SIZE_MAX; // the piece whose results these are
};

void produceFloats(frontend::WeightStore &store, Job &j, const Piece &p,
                   bool check, Slot &s) {
  if (j.expr)
    std::call_once(*j.evaluated, [&] { j.src = evaluate(store, j); });
  const StoredTensor &src = j.src;
  s.nonFinite = false;
  s.srcCount = 0;
  switch (j.kind) {
  case Job::Panels: {
    s.out.resize((p.last - p.first) * j.unitFloats);
    for (int64_t panel = p.first; panel < p.last; ++panel) {
      auto [n0, nn] =
          codegen::gemmPanelColumns(j.entry->layout, (int)j.N, (int)panel);
      float *dst = s.out.data() + (panel - p.first) * j.unitFloats;
      // Panel p of the layout is the plain packing of columns [n0, n0 + nn)
      // alone (codegen/GemmLayout.h: gemmPanelColumns).
      const float *block;
      if (j.outIn) { // stored [N, K]: the panel's rows
        block = src.read(n0 * j.K, nn * j.K, s.scratch);
      } else { // stored [K, N]: a column strip
        s.scratch.resize(j.K * nn);
        src.readBlock(0, j.K, n0, nn, s.scratch.data());
        block = s.scratch.data();
      }
      s.nonFinite |= check && anyNonFinite(block, nn * j.K);
      codegen::packGemmWeight(block, j.outIn, (int)j.K, (int)nn,
                              codegen::GemmWeightLayout{(int)j.pw}, dst);
    }
    // A gated layout's panels alternate two column ranges: no single run.
    if (j.outIn && !j.entry->layout.gatedHalf) {
      s.srcBegin = p.first * j.pw * j.K;
      s.srcCount = std::min(p.last * j.pw, j.N) * j.K - s.srcBegin;
    }
    s.data = s.out.data();
    s.count = int64_t(s.out.size());
    return;
  }
  case Job::Transpose: {
    // Rows [first, last) of the [rows, cols] result are columns of the
    // stored [cols, rows]: their block, packed as an [out, in] matrix into
    // the plain layout (panel width 0), is those rows.
    int64_t nr = p.last - p.first;
    s.scratch.resize(j.cols * nr);
    src.readBlock(0, j.cols, p.first, nr, s.scratch.data());
    s.nonFinite = check && anyNonFinite(s.scratch.data(), j.cols * nr);
    s.out.resize(nr * j.cols);
    codegen::packGemmWeight(s.scratch.data(), /*srcIsOutIn=*/true, (int)nr,
                            (int)j.cols, codegen::GemmWeightLayout{0},
                            s.out.data());
    s.data = s.out.data();
    s.count = nr * j.cols;
    return;
  }
  case Job::Copy:
    s.count = p.last - p.first;
    s.data = src.read(p.first, s.count, s.scratch);
    s.nonFinite = check && anyNonFinite(s.data, s.count);
    s.srcBegin = p.first;
    s.srcCount = s.count;
    return;
  }
}

void produce(frontend::WeightStore &store, Job &j, const Piece &p, bool check,
             Slot &s) {
  produceFloats(store, j, p, check, s);
  if (!j.entry->int8)
    return;
  // nn.weight.quantize_int8 evaluates to integers in [-127, 127].
  s.int8.resize(s.count);
  for (int64_t i = 0; i < s.count; ++i)
    s.int8[i] = int8_t(s.data[i]);
}

std::vector<Piece> splitIntoPieces(const std::vector<Job> &jobs) {
  std::vector<Piece> pieces;
  for (auto [i, j] : llvm::enumerate(jobs)) {
    int64_t step = std::max<int64_t>(1, kPieceFloats / j.unitFloats);
    for (int64_t u = 0; u < j.units; u += step)
      pieces.push_back(
          {unsigned(i), u, std::min(j.units, u + step), u + step >= j.units});
    if (j.units == 0)
      pieces.push_back({unsigned(i), 0, 0, true});
  }
  return pieces;
}

/// Worker threads run `produce(i, slot)` for pieces i = 0, 1, ... into a
/// ring of slots, at most slots.size() pieces ahead of the thread that takes
/// them in order (get / done), so memory stays bounded.
class Pipeline {
public:
  using Producer = std::function<void(size_t, Slot &)>;
  Pipeline(size_t pieces, unsigned threads, Producer produce)
      : pieces(pieces), produce(std::move(produce)), slots(threads + 2) {
    for (unsigned t = 0; t < threads; ++t)
      workers.emplace_back([this] { work(); });
  }
  ~Pipeline() {
    {
      std::lock_guard<std::mutex> lock(m);
      stopped = true;
    }
    cv.notify_all();
    for (std::thread &t : workers)
      t.join();
  }

  /// Waits for piece i (taken in order) and returns its slot.
  Slot &get(size_t i) {
    std::unique_lock<std::mutex> lock(m);
    Slot &s = slots[i % slots.size()];
    cv.wait(lock, [&] { return s.readyFor == i; });
    return s;
  }
  /// The taker is done with piece i: its slot may be reused.
  void done(size_t i) {
    {
      std::lock_guard<std::mutex> lock(m);
      consumed = i + 1;
    }
    cv.notify_all();
  }

private:
  void work() {
    // Interrupts go to the main thread, which removes the output folder.
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
      sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] {
          return stopped || next >= pieces || next < consumed + slots.size();
        });
        if (stopped || next >= pieces)
          return;
        i = next++;
      }
      Slot &s = slots[i % slots.size()];
      produce(i, s);
      {
        std::lock_guard<std::mutex> lock(m);
        s.readyFor = i;
      }
      cv.notify_all();
    }
  }

  size_t pieces;
  Producer produce;
  std::vector<Slot> slots;
  std::vector<std::thread> workers;
  std::mutex m;
  std::condition_variable cv;
  size_t next = 0, consumed = 0;
  bool stopped = false;
};

/// The first non-finite value of `t` in stored order, and how many it holds.
void locateNonFinite(const StoredTensor &t, int64_t &first, float &value,
                     int64_t &count) {
  std::vector<float> scratch;
  first = -1;
  count = 0;
  for (int64_t b = 0; b < t.elements(); b += kPieceFloats) {
    int64_t n = std::min(kPieceFloats, t.elements() - b);
    const float *p = t.read(b, n, scratch);
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(p[i])) {
        if (first < 0) {
          first = b + i;
          value = p[i];
        }
        ++count;
      }
    t.release(b, n);
  }
}

/// What the bytes of the weights file are a function of, hashed; empty when
/// the store cannot say (then nothing is reused).
std::string weightsKey(const frontend::WeightStore &store,
                       llvm::ArrayRef<WeightPlanEntry> plan,
                       const WeightsWriteOptions &options) {
  std::string id = store.identity();
  if (id.empty())
    return "";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "modelc-weights-1\n"
     << (options.allowNonFinite ? "nonfinite allowed" : "nonfinite checked")
     << "\n"
     << id << "\n";
  auto dims = [&](llvm::ArrayRef<int64_t> shape) {
    for (int64_t d : shape)
      os << " " << d;
    os << ";";
  };
  for (const WeightPlanEntry &e : plan) {
    os << e.fileName << " " << e.source << " " << e.transposed << " "
       << e.isGemmWeight << " " << e.layout.panelWidth << " "
       << e.layout.gatedHalf;
    dims(e.shape);
    dims(e.fileShape);
    os << "\n";
  }
  return llvm::utohexstr(llvm::xxh3_64bits(llvm::StringRef(text)), true, 16);
}

/// XXH64 of the file at `path`, read in pieces (not mapped: its pages would
/// count as this process's memory); nullopt when it cannot be read.
std::optional<uint64_t> hashFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return std::nullopt;
  mrt::Xxh64 hash;
  std::vector<char> buf(4 << 20);
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0 ||
         (n < 0 && errno == EINTR))
    if (n > 0)
      hash.update(buf.data(), size_t(n));
  ::close(fd);
  if (n < 0)
    return std::nullopt;
  return hash.digest();
}

/// Links the previous output's copy of the file into `path` if `record`
/// ("<key> <bytes> <xxh64>") says it was made from `key` and it still holds
/// those bytes.
bool reuse(const std::string &previous, llvm::StringRef record,
           llvm::StringRef key, const std::string &path,
           codegen::WeightsDigest &digest) {
  llvm::SmallVector<llvm::StringRef> fields;
  record.split(fields, ' ');
  uint64_t bytes, xxh64, size;
  if (key.empty() || fields.size() != 3 || fields[0] != key ||
      fields[1].getAsInteger(10, bytes) || fields[2].getAsInteger(16, xxh64) ||
      llvm::sys::fs::file_size(previous, size) || size != bytes ||
      hashFile(previous) != xxh64 ||
      llvm::sys::fs::create_hard_link(previous, path))
    return false;
  digest.bytes = int64_t(bytes);
  digest.xxh64 = xxh64;
  return true;
}

/// Every NaN/Inf of bad job `j`: the checkpoint tensors it is made of (for a
/// weight expression, its nn.weight operands that hold some), else its own.
void findNonFinite(frontend::WeightStore &store, const Job &j,
                   std::vector<frontend::WeightStore::NonFinite> &found) {
  using NonFinite = frontend::WeightStore::NonFinite;
  if (!j.expr) {
    NonFinite f{j.entry->source, -1, 0, 0};
    locateNonFinite(j.src, f.index, f.value, f.count);
    found.push_back(f);
    return;
  }
  size_t before = found.size();
  std::vector<Value> work(j.expr->getOperands().begin(),
                          j.expr->getOperands().end());
  std::set<std::string> seen;
  while (!work.empty()) {
    Value v = work.back();
    work.pop_back();
    Operation *def = v.getDefiningOp();
    if (auto w = dyn_cast_or_null<nn::WeightOp>(def)) {
      std::vector<int64_t> stored(
          cast<RankedTensorType>(w.getType()).getShape());
      if (w.getTransposed())
        std::reverse(stored.begin(), stored.end());
      NonFinite f{w.getName().str(), -1, 0, 0};
      if (seen.insert(f.name).second) {
        locateNonFinite(store.tensor(f.name, stored), f.index, f.value,
                        f.count);
        if (f.count)
          found.push_back(f);
      }
    } else if (def) {
      work.insert(work.end(), def->getOperands().begin(),
                  def->getOperands().end());
    }
  }
  if (found.size() > before)
    return;
  // Finite operands, a non-finite result: the expression overflowed.
  NonFinite f{j.entry->source, -1, 0, 0};
  locateNonFinite(evaluate(store, j), f.index, f.value, f.count);
  f.loc = j.expr->getLoc();
  f.what = "weight expression " + j.entry->source + " (from finite weights)";
  f.shape = j.entry->shape;
  found.push_back(f);
}

mlir::LogicalResult writeWeights(frontend::WeightStore &store,
                                 llvm::ArrayRef<WeightPlanEntry> plan,
                                 llvm::StringRef path,
                                 const WeightsWriteOptions &options,
                                 codegen::WeightsDigest &digest) {
  std::vector<frontend::TensorEntry> planned;
  for (const WeightPlanEntry &e : plan)
    planned.push_back({e.fileName, e.fileShape, e.int8});
  // Written in the order that puts every whole-line tensor on a cache line.
  std::vector<Job> jobs;
  std::vector<frontend::TensorEntry> entries;
  for (size_t i : frontend::SafetensorsWriter::alignedOrder(planned)) {
    jobs.push_back(makeJob(store, plan[i]));
    entries.push_back(planned[i]);
  }
  std::string err;
  auto writer = frontend::SafetensorsWriter::create(path, entries, {}, err);
  if (!writer) {
    llvm::errs() << "modelc: error: " << err << "\n";
    return mlir::failure();
  }
  std::vector<Piece> pieces = splitIntoPieces(jobs);
  bool check = !options.allowNonFinite;
  std::set<unsigned> bad; // jobs with NaN/Inf: nothing is written after one
  {
    Pipeline pipeline(
        pieces.size(), std::max(1u, options.threads), [&](size_t i, Slot &s) {
          produce(store, jobs[pieces[i].job], pieces[i], check, s);
        });
    for (size_t i = 0; i < pieces.size(); ++i) {
      const Piece &p = pieces[i];
      Job &j = jobs[p.job];
      Slot &s = pipeline.get(i);
      if (s.nonFinite)
        bad.insert(p.job);
      // Written here, in order: parallel writes to one file only contend
      // for its lock (measured slower on ext4), and sequential ones let the
      // writer hash as it goes.
      bool ok = !bad.empty() ||
                succeeded(j.entry->int8
                              ? writer->write(s.int8.data(), s.int8.size(), err)
                              : writer->write(s.data, s.count, err));
      j.src.release(s.srcBegin, s.srcCount);
      if (p.lastOfJob) {
        j.src.release(0, j.src.elements());
        if (j.expr)
          j.src = StoredTensor(); // no worker uses it any more
      }
      pipeline.done(i);
      if (!ok) {
        llvm::errs() << "modelc: error: " << err << "\n";
        return mlir::failure();
      }
    }
  }
  if (!bad.empty()) {
    std::vector<frontend::WeightStore::NonFinite> found;
    std::set<std::string> reported; // one source may feed two plan entries
    for (unsigned b : bad)
      if (reported.insert(jobs[b].entry->source).second)
        findNonFinite(store, jobs[b], found);
    // Two expressions of one bad operand report it once.
    std::set<std::string> names;
    llvm::erase_if(found, [&](const frontend::WeightStore::NonFinite &f) {
      return !names.insert(f.name).second;
    });
    store.emitNonFinite(found);
    llvm::errs() << "modelc: note: --allow-nonfinite-weights compiles them "
                    "as they are\n";
    return mlir::failure();
  }
  if (failed(writer->finish(err))) {
    llvm::errs() << "modelc: error: " << err << "\n";
    return mlir::failure();
  }
  digest.bytes = int64_t(writer->fileBytes());
  digest.xxh64 = writer->xxh64();
  return mlir::success();
}

} // namespace

mlir::LogicalResult emitWeights(frontend::WeightStore &store,
                                llvm::ArrayRef<WeightPlanEntry> plan,
                                OutputFolder &folder, llvm::StringRef fileName,
                                const WeightsWriteOptions &options,
                                codegen::WeightsDigest &digest, bool &reused) {
  std::string key = weightsKey(store, plan, options);
  std::string path = folder.path() + "/" + fileName.str();
  auto record = folder.previousRecord("weights");
  reused = record &&
           reuse(folder.previousPath(fileName), *record, key, path, digest);
  if (!reused && failed(writeWeights(store, plan, path, options, digest)))
    return mlir::failure();
  if (!key.empty())
    folder.record("weights", key + " " + std::to_string(digest.bytes) + " " +
                                 llvm::utohexstr(digest.xxh64, true, 16));
  return mlir::success();
}

} // namespace modelc
