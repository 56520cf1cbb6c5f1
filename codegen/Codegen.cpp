//===- Codegen.cpp - kernel-stage module -> dumps, objects, a library -----===//
//
// Unique kernels are translated once (KernelTranslator), compiled to objects
// through the kernel cache, and described, with every launch and the weight
// plan, as a LibraryModel that the emitters (emit/) turn into the entry
// point, the signature and the linked library.
//
//===----------------------------------------------------------------------===//
#include "codegen/Codegen.h"
#include "codegen/KernelTranslator.h"
#include "codegen/emit/AbiText.h"
#include "codegen/emit/KernelCache.h"
#include "codegen/emit/LibraryModel.h"
#include "codegen/emit/Link.h"
#include "codegen/emit/Signature.h"
#include "codegen/schedules/Gemm.h"
#include "dialect/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>

using namespace mlir;
using namespace Halide;

namespace modelc::codegen {

namespace {

// Bump when the translation or a class schedule changes what a kernel
// object contains (the cache key also hashes the codegen sources, so this is
// belt and braces).
constexpr const char *kScheduleVersion = "modelc-codegen-2";

// SHA-256 of the translator and schedule sources (generated at build time).
const char *kSourceHash =
#include "codegen/CodegenSourceHash.inc"
    ;

FailureOr<Target> makeTarget(const TargetOptions &o, std::string &error) {
  std::string text;
  Target t;
  if (o.cuda) {
    text = "host-cuda-cuda_capability_61";
  } else if (const char *env = std::getenv("MODELC_HALIDE_TARGET")) {
    text = env;
  }
  if (!text.empty()) {
    if (!Target::validate_target_string(text)) {
      error = "'" + text + "' is not a Halide target (MODELC_HALIDE_TARGET; " +
              "e.g. x86-64-linux-avx2-fma)";
      return failure();
    }
    t = Target(text);
    if (t.has_gpu_feature() && !o.cuda) {
      error = "MODELC_HALIDE_TARGET '" + text +
              "' has a GPU feature: compile with --target cuda for GPU code";
      return failure();
    }
  } else {
    t = get_host_target();
    // Keep AVX-512 F/CD/BW/DQ/VL (Skylake-X, Zen 4, Zen 5); drop the
    // extensions one of those lacks, so a library built on one runs on
    // the others. A host without AVX-512 gets AVX2 code.
    t = t.without_feature(Target::AVX512_Cannonlake)
            .without_feature(Target::AVX512_SapphireRapids)
            .without_feature(Target::AVX512_KNL);
  }
  return t.with_feature(Target::NoRuntime);
}

FailureOr<Target> makeTarget(const TargetOptions &o, Operation *errorAt) {
  std::string error;
  auto t = makeTarget(o, error);
  if (failed(t))
    errorAt->emitError() << "codegen: " << error;
  return t;
}

func::FuncOp findForward(ModuleOp module) {
  func::FuncOp fwd = module.lookupSymbol<func::FuncOp>("forward");
  if (!fwd)
    for (auto f : module.getOps<func::FuncOp>())
      return f;
  return fwd;
}

/// The first NameLoc name inside `loc` ("" if none).
std::string instanceOf(Location loc) {
  std::string found;
  std::function<void(Location)> walk = [&](Location l) {
    if (!found.empty())
      return;
    if (auto n = dyn_cast<NameLoc>(l)) {
      found = n.getName().str();
      return;
    }
    if (auto f = dyn_cast<FusedLoc>(l))
      for (Location s : f.getLocations())
        walk(s);
    if (auto c = dyn_cast<CallSiteLoc>(l))
      walk(c.getCallee());
  };
  walk(loc);
  return found;
}

std::string instanceName(nn::KernelOp k, int index) {
  std::string found = instanceOf(k.getLoc());
  if (found.empty())
    found = k.getName().str() + "#" + std::to_string(index);
  return found;
}

/// What a weight value computes, as text: the checkpoint name of an
/// nn.weight (".T" when transposed), else the expression over them.
std::string weightKey(Value v) {
  Operation *def = v.getDefiningOp();
  if (auto w = dyn_cast<nn::WeightOp>(def))
    return w.getName().str() + (w.getTransposed() ? ".T" : "");
  std::string s;
  llvm::raw_string_ostream os(s);
  os << def->getName().getStringRef() << def->getAttrDictionary() << "("
     << v.getType();
  for (Value operand : def->getOperands())
    os << ", " << weightKey(operand);
  os << ")";
  return s;
}

// The region as text, without locations, name or arena offsets: the part of
// the kernel that determines its object.
std::string regionText(nn::KernelOp k) {
  std::string s;
  llvm::raw_string_ostream os(s);
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs();
  os << nn::stringifyKernelClass(k.getKind()) << "(";
  for (mlir::Type t : k.getBody().getArgumentTypes())
    os << t << ",";
  os << ")\n";
  for (Operation &o : k.getBlock()) {
    o.print(os, flags);
    os << "\n";
  }
  return os.str();
}

struct UniqueKernel {
  nn::KernelOp op;
  TranslatedKernel tk;
  std::string symbol; // C function
  std::string objPath;
  bool cacheHit = false;
};

// Halide reports errors by throwing (Halide::CompileError etc.).
// Errors at a kernel name it ("kernel k8_gemm (gemm)"); the op's location
// is the spec line.
template <typename F> LogicalResult guarded(Operation *op, F &&f) {
  std::string where = "codegen: ";
  if (auto k = dyn_cast<nn::KernelOp>(op))
    where += ("kernel " + k.getName() + " (" +
              nn::stringifyKernelClass(k.getKind()) + "): ")
                 .str();
  try {
    f();
    return success();
  } catch (const Halide::Error &e) {
    op->emitError() << where << "Halide: " << e.what();
  } catch (const std::exception &e) {
    op->emitError() << where << e.what();
  }
  return failure();
}

/// The sequence length of every run, when the inputs fix it (the module's
/// nn.fixed_seq); 0 otherwise.
int64_t fixedSequence(ModuleOp module) {
  auto a = module->getAttrOfType<IntegerAttr>(
      nn::NNDialect::FixedSeqAttrHelper::getNameStr());
  return a ? a.getInt() : 0;
}

// Unique kernels of @forward, in first-launch order.
FailureOr<std::vector<UniqueKernel>> collectKernels(ModuleOp module,
                                                    const Target &target) {
  func::FuncOp fwd = findForward(module);
  if (!fwd) {
    module.emitError("codegen: no func.func @forward");
    return failure();
  }
  int64_t fixedSeq = fixedSequence(module);
  std::vector<UniqueKernel> out;
  std::set<std::string> seen;
  for (auto k : fwd.getBody().getOps<nn::KernelOp>()) {
    if (!seen.insert(k.getName().str()).second)
      continue;
    FailureOr<TranslatedKernel> tk = failure();
    if (failed(
            guarded(k, [&] { tk = translateKernel(k, target, fixedSeq); })) ||
        failed(tk))
      return failure();
    UniqueKernel u;
    u.op = k;
    u.tk = std::move(*tk);
    out.push_back(std::move(u));
  }
  if (out.empty()) {
    fwd.emitError("codegen: @forward has no nn.kernel ops (run the pipeline "
                  "up to nn-plan-memory first)");
    return failure();
  }
  return out;
}

std::string cSymbol(llvm::StringRef s) {
  std::string r;
  for (char ch : s)
    r += llvm::isAlnum(ch) ? ch : '_';
  return r;
}

std::string tempPath(const std::string &suffix) {
  llvm::SmallString<128> p;
  llvm::sys::fs::createTemporaryFile("modelc", suffix, p);
  return p.str().str();
}

std::string readAndRemove(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  llvm::sys::fs::remove(path);
  return buf ? (*buf)->getBuffer().str() : "";
}

/// Prints `// kernel NAME (CLASS)` and `dump(kernel)` for each unique kernel.
LogicalResult dumpEachKernel(
    ModuleOp module, const TargetOptions &o, llvm::raw_ostream &os,
    llvm::function_ref<std::string(UniqueKernel &, const Target &)> dump) {
  FailureOr<Target> target = makeTarget(o, module);
  if (failed(target))
    return failure();
  auto collected = collectKernels(module, *target);
  if (failed(collected))
    return failure();
  for (UniqueKernel &u : *collected) {
    std::string text;
    if (failed(guarded(u.op, [&] { text = dump(u, *target); })))
      return failure();
    os << "// kernel " << u.tk.name << " (" << u.tk.kind << ")\n"
       << text << "\n";
  }
  return success();
}

} // namespace

FailureOr<std::string> halideTargetString(const TargetOptions &o,
                                          std::string &error) {
  FailureOr<Target> t = makeTarget(o, error);
  if (failed(t))
    return failure();
  return t->to_string();
}

//===----------------------------------------------------------------------===//
// Dumps
//===----------------------------------------------------------------------===//

LogicalResult emitHalideStmt(ModuleOp module, const TargetOptions &o,
                             llvm::raw_ostream &os) {
  std::string error;
  if (auto t = halideTargetString(o, error); succeeded(t))
    os << "// Halide target " << *t << "\n";
  return dumpEachKernel(module, o, os,
                        [&](UniqueKernel &u, const Target &target) {
                          std::string path = tempPath("stmt");
                          u.tk.pipeline.compile_to_lowered_stmt(
                              path, u.tk.args, StmtOutputFormat::Text, target);
                          return readAndRemove(path);
                        });
}

LogicalResult emitAssembly(ModuleOp module, const TargetOptions &o,
                           llvm::raw_ostream &os) {
  return dumpEachKernel(
      module, o, os, [&](UniqueKernel &u, const Target &target) {
        std::string path = tempPath("s");
        u.tk.pipeline.compile_to_assembly(
            path, u.tk.args, "modelc_" + cSymbol(u.tk.name), target);
        return readAndRemove(path);
      });
}

LogicalResult emitPtx(ModuleOp module, const TargetOptions &o,
                      llvm::raw_ostream &os) {
  TargetOptions co = o;
  co.cuda = true;
  // Halide embeds each pipeline's PTX as a C string in the host module.
  return dumpEachKernel(
      module, co, os, [&](UniqueKernel &u, const Target &target) {
        Module m = u.tk.pipeline.compile_to_module(
            u.tk.args, "modelc_" + cSymbol(u.tk.name), target);
        for (const Buffer<void> &b : m.buffers())
          if (llvm::StringRef(b.name()).contains("gpu_source_kernels")) {
            const char *p = (const char *)b.data();
            return std::string(p, strnlen(p, b.size_in_bytes()));
          }
        throw std::runtime_error("no PTX in the Halide module");
      });
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

size_t weightFileElems(const WeightPlanEntry &e) {
  size_t n = 1;
  for (int64_t d : e.fileShape)
    n *= (size_t)d;
  return n;
}

//===----------------------------------------------------------------------===//
// The library
//===----------------------------------------------------------------------===//

struct Library::Impl {
  ModuleOp module;
  std::string outDir, objDir, runtimeObject;
  LibraryModel model;
  int cacheHits = 0;
};

Library::Library(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Library::~Library() = default;

const std::vector<WeightPlanEntry> &Library::weights() const {
  return impl->model.weights;
}
int Library::uniqueKernels() const { return impl->model.kernels.size(); }
int Library::launches() const { return impl->model.launches.size(); }
int Library::cacheHits() const { return impl->cacheHits; }

namespace {

/// Compiles `u` to an object in objDir, or takes it from the cache.
LogicalResult compileKernel(UniqueKernel &u, const Target &target,
                            KernelCache &cache, const std::string &objDir,
                            llvm::raw_ostream *progress) {
  // Key: the region (no locations/names), the target, the sources of the
  // translation and schedules, Halide's version, and the host's GEMM panel
  // limit (from its L2 size).
  std::string key = regionText(u.op) + "\n" + target.to_string() + "\n" +
                    kScheduleVersion + "\n" + kSourceHash + "\n" + "halide14" +
                    "\nseq " + std::to_string(u.tk.fixedSeq) + "\npanel " +
                    std::to_string(gemmRegisterPanelBytes());
  std::string hex =
      llvm::utohexstr(llvm::xxh3_64bits(llvm::StringRef(key)), true, 16);
  u.symbol = "modelc_k_" + hex;
  u.objPath = objDir + "/" + u.symbol + ".o";
  if (cache.fetch(u.symbol + ".o", u.objPath, progress)) {
    u.cacheHit = true;
    return success();
  }
  if (failed(guarded(u.op, [&] {
        u.tk.pipeline.compile_to_object(u.objPath, u.tk.args, u.symbol, target);
      })))
    return failure();
  cache.store(u.objPath, u.symbol + ".o");
  return success();
}

/// The Halide runtime object, compiled once per target (and cached).
LogicalResult compileRuntime(ModuleOp module, const Target &target,
                             KernelCache &cache, const std::string &path) {
  std::string file =
      "runtime_" +
      llvm::utohexstr(llvm::xxh3_64bits(target.to_string()), true, 16) + ".o";
  if (cache.fetch(file, path, nullptr))
    return success();
  if (failed(
          guarded(module, [&] { compile_standalone_runtime(path, target); })))
    return failure();
  cache.store(path, file);
  return success();
}

TensorDesc describe(mlir::Type type, DictionaryAttr attrs,
                    const std::string &fallbackName) {
  auto t = cast<RankedTensorType>(type);
  TensorDesc d;
  d.ids = t.getElementType().isInteger(32);
  // [batch, seq, ...]; a static seq of 1 is a pooled [batch, C] (one row
  // per sequence, the same bytes); an image is [batch, C, H, W].
  d.dims.push_back(TensorDesc::kBatch);
  for (int64_t i = 1; i < t.getRank(); ++i) {
    if (t.isDynamicDim(i))
      d.dims.push_back(TensorDesc::kSeq);
    else if (!(i == 1 && t.getRank() == 3 && t.getDimSize(1) == 1))
      d.dims.push_back(t.getDimSize(i));
  }
  d.name = fallbackName;
  if (attrs) {
    if (auto n = attrs.getAs<StringAttr>(
            nn::NNDialect::TensorNameAttrHelper::getNameStr()))
      d.name = n.str();
    if (auto l = attrs.getAs<IntegerAttr>(
            nn::NNDialect::IdLimitAttrHelper::getNameStr()))
      d.limit = l.getInt();
  }
  return d;
}

/// The halide_buffer_t extents of kernel argument `ka` (innermost first).
std::vector<Extent> extentsOf(const KernelArg &ka, bool flat,
                              int64_t channels) {
  // A static sequence length (a pooled 1) instead of S.
  Extent seq{ka.tokens ? ka.tokens : 1, false, !ka.tokens};
  Extent batch{1, true, false};
  std::vector<Extent> tokens;
  if (flat)
    tokens = {{seq.factor, true, seq.seq}};
  else
    tokens = {seq, batch};
  if (ka.kind == KernelArg::TokenIds)
    return tokens;
  if (ka.kind == KernelArg::Image)
    return {{ka.shape[2]}, {ka.shape[1]}, {ka.shape[0]}, batch};
  if (ka.kind == KernelArg::Activation) {
    tokens.insert(tokens.begin(), Extent{channels});
    return tokens;
  }
  std::vector<Extent> exts;
  for (auto it = ka.fileShape.rbegin(); it != ka.fileShape.rend(); ++it)
    exts.push_back({*it});
  return exts;
}

/// Fills the inputs, outputs, weights and launches of `m` from @forward.
LogicalResult describeLaunches(func::FuncOp fwd,
                               std::vector<UniqueKernel> &kernels,
                               LibraryModel &m) {
  for (BlockArgument a : fwd.getArguments())
    m.inputs.push_back(describe(a.getType(),
                                fwd.getArgAttrDict(a.getArgNumber()),
                                "input" + std::to_string(a.getArgNumber())));
  Operation *ret = fwd.getBody().front().getTerminator();
  for (unsigned i = 0; i < ret->getNumOperands(); ++i)
    m.outputs.push_back(describe(ret->getOperand(i).getType(),
                                 fwd.getResultAttrDict(i),
                                 "output" + std::to_string(i)));

  std::map<std::string, UniqueKernel *> byName;
  for (UniqueKernel &u : kernels)
    byName[u.tk.name] = &u;
  std::map<std::tuple<std::string, bool, int>, int> weightIndex;
  auto outputIndex = [&](Value v) -> int {
    for (unsigned oi = 0; oi < ret->getNumOperands(); ++oi)
      if (ret->getOperand(oi) == v)
        return oi;
    return -1;
  };
  using Source = BufferArg::Source;

  int index = 0;
  for (auto k : fwd.getBody().getOps<nn::KernelOp>()) {
    UniqueKernel &u = *byName[k.getName().str()];
    const TranslatedKernel &tk = u.tk;
    Launch l;
    l.instance = instanceName(k, index++);
    l.kernel = tk.name;
    l.kind = tk.kind;
    l.symbol = u.symbol;
    l.flopsPerToken = tk.flopsPerToken;
    l.flopsPerTokenSeq = tk.flopsPerTokenSeq;
    for (unsigned i = 0; i < k.getInputs().size(); ++i) {
      Value v = k.getInputs()[i];
      const KernelArg &ka = tk.inputs[i];
      BufferArg b;
      b.typeCode = ka.kind == KernelArg::TokenIds || ka.int8 ? 0 : 2;
      b.typeBits = ka.int8 ? 8 : 32;
      b.extents = extentsOf(ka, tk.flat, ka.channels);
      if (auto ba = dyn_cast<BlockArgument>(v)) {
        b.source = Source::Input;
        b.at = ba.getArgNumber();
      } else if (nn::isWeightValue(v)) {
        if (ka.kind != KernelArg::Weight)
          return k.emitError("codegen: weight bound to a non-weight argument");
        auto key = std::make_tuple(weightKey(v), ka.gemm, ka.layout.gatedHalf);
        auto it = weightIndex.find(key);
        if (it == weightIndex.end()) {
          WeightPlanEntry e;
          e.value = v;
          e.shape = ka.shape;
          e.isGemmWeight = ka.gemm;
          e.int8 = ka.int8;
          e.layout = ka.layout;
          e.fileShape = ka.fileShape;
          if (auto w = v.getDefiningOp<nn::WeightOp>()) {
            e.source = w.getName().str();
            e.transposed = w.getTransposed();
            e.fileName = e.source + (e.transposed ? ".T" : "");
          } else {
            // A derived weight: named by the op that made it, made unique
            // by the hash of what it computes.
            e.computed = true;
            e.source = std::get<0>(key);
            e.fileName = instanceOf(v.getDefiningOp()->getLoc()) + "#" +
                         llvm::utohexstr(llvm::xxh3_64bits(e.source), true, 8);
          }
          if (ka.gemm && ka.layout.panelWidth)
            e.fileName += ".p" + std::to_string(ka.layout.panelWidth);
          if (ka.layout.gatedHalf)
            e.fileName += "g";
          it = weightIndex.emplace(key, (int)m.weights.size()).first;
          m.weights.push_back(e);
        }
        b.source = Source::Weight;
        b.at = it->second;
      } else {
        auto kr = cast<OpResult>(v);
        auto producer = dyn_cast<nn::KernelOp>(kr.getOwner());
        if (!producer || !producer.getArenaOffsets())
          return k.emitError(
              "codegen: kernel input is not a weight, an argument or a "
              "planned kernel result (run nn-plan-memory)");
        int64_t off = (*producer.getArenaOffsets())[kr.getResultNumber()];
        b.source = off < 0 ? Source::Output : Source::Arena;
        b.at = off < 0 ? outputIndex(v) : off;
      }
      l.buffers.push_back(std::move(b));
    }
    l.firstOutput = l.buffers.size();
    auto offsets = k.getArenaOffsets();
    if (!offsets)
      return k.emitError(
          "codegen: nn.kernel without arena_offsets (run nn-plan-memory)");
    for (unsigned i = 0; i < k.getNumResults(); ++i) {
      int64_t off = (*offsets)[i];
      BufferArg b;
      KernelArg out;
      out.kind = KernelArg::Activation;
      out.tokens = tk.outputTokens[i];
      b.extents = extentsOf(out, tk.flat, tk.outputChannels[i]);
      if (off < 0) {
        int oi = outputIndex(k.getResult(i));
        if (oi < 0)
          return k.emitError(
              "codegen: result with arena offset -1 is not returned");
        b.source = Source::Output;
        b.at = oi;
      } else {
        b.source = Source::Arena;
        b.at = off;
      }
      l.buffers.push_back(std::move(b));
    }
    m.launches.push_back(std::move(l));
  }
  return success();
}

} // namespace

FailureOr<std::unique_ptr<Library>> Library::compile(ModuleOp module,
                                                     llvm::StringRef name,
                                                     const TargetOptions &o,
                                                     llvm::StringRef outDir) {
  auto impl = std::make_unique<Impl>();
  impl->module = module;
  impl->outDir = outDir.str();
  impl->objDir = impl->outDir + "/obj";
  FailureOr<Target> target = makeTarget(o, module);
  if (failed(target))
    return failure();
  func::FuncOp fwd = findForward(module);
  if (!fwd)
    return module.emitError("codegen: no func.func @forward");
  if (auto ec = llvm::sys::fs::create_directories(impl->objDir))
    return module.emitError()
           << "codegen: cannot create " << impl->objDir << ": " << ec.message();
  auto collected = collectKernels(module, *target);
  if (failed(collected))
    return failure();
  std::vector<UniqueKernel> &ks = *collected;

  KernelCache cache(o);
  for (auto [i, u] : llvm::enumerate(ks)) {
    auto t0 = std::chrono::steady_clock::now();
    if (o.progress)
      *o.progress << "[" << i + 1 << "/" << ks.size() << "] compiling kernel "
                  << u.tk.name << " (" << u.tk.kind << ")...";
    if (failed(compileKernel(u, *target, cache, impl->objDir, o.progress)))
      return failure();
    impl->cacheHits += u.cacheHit;
    if (o.progress) {
      double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
      *o.progress << (u.cacheHit ? " cached" : "") << " "
                  << llvm::format("%.2f", secs) << " s\n";
      o.progress->flush();
    }
  }
  impl->runtimeObject = impl->objDir + "/halide_runtime.o";
  if (failed(compileRuntime(module, *target, cache, impl->runtimeObject)))
    return failure();

  LibraryModel &m = impl->model;
  m.name = name.str();
  m.cuda = o.cuda;
  m.halideTarget = target->to_string();
  if (auto a = module->getAttrOfType<IntegerAttr>(
          nn::NNDialect::MaxSeqAttrHelper::getNameStr()))
    m.maxSeq = a.getInt();
  if (auto a = module->getAttrOfType<IntegerAttr>(
          nn::NNDialect::ArenaFloatsPerTokenAttrHelper::getNameStr()))
    m.arenaBytesPerToken = a.getInt() * 4;
  for (UniqueKernel &u : ks)
    m.kernels.push_back({u.tk.name, u.tk.kind, u.symbol, u.objPath,
                         u.tk.args.size() + u.tk.outputChannels.size()});
  if (failed(describeLaunches(fwd, ks, m)))
    return failure();
  return std::unique_ptr<Library>(new Library(std::move(impl)));
}

LogicalResult Library::link(const WeightsDigest &digest) {
  std::string error;
  const LibraryModel &m = impl->model;
  if (failed(linkLibrary(m, digest, impl->objDir, impl->runtimeObject,
                         impl->outDir, error)))
    return impl->module.emitError() << "codegen: " << error;
  auto write = [&](const std::string &path,
                   const std::string &text) -> LogicalResult {
    if (failed(writeTextFile(path, text, error)))
      return impl->module.emitError() << "codegen: " << error;
    return success();
  };
  if (failed(write(impl->outDir + "/" + m.name + ".h",
                   modelHeader(m, kModelcAbiText))) ||
      failed(write(impl->outDir + "/" + m.name + ".json",
                   signatureJson(m, digest))))
    return failure();
  return success();
}

} // namespace modelc::codegen
