//===- Codegen.cpp - emission, AOT objects, entry point, link -------------===//
#include "codegen/Codegen.h"
#include "codegen/KernelTranslator.h"
#include "dialect/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/xxhash.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>

using namespace mlir;
using namespace Halide;

namespace modelc::codegen {

namespace {

// Bump when the translation or a class schedule changes what a kernel
// object contains (the cache key also hashes the lowered Halide stmt, so
// this is belt and braces).
constexpr const char *kScheduleVersion = "modelc-codegen-1";

// SHA-256 of the translator and schedule sources (generated at build time).
const char *kSourceHash =
#include "codegen/CodegenSourceHash.inc"
    ;

const char *kAbiHeaderText =
#include "codegen/ModelcAbiText.inc"
    ;

Target makeTarget(const TargetOptions &o) {
  if (o.cuda) {
    Target t("host-cuda-cuda_capability_61");
    return t.with_feature(Target::NoRuntime);
  }
  Target t;
  if (const char *env = std::getenv("MODELC_HALIDE_TARGET"))
    t = Target(env);
  else {
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

func::FuncOp findForward(ModuleOp module) {
  func::FuncOp fwd = module.lookupSymbol<func::FuncOp>("forward");
  if (!fwd)
    for (auto f : module.getOps<func::FuncOp>())
      return f;
  return fwd;
}

std::string instanceName(nn::KernelOp k, int index) {
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
  walk(k.getLoc());
  if (found.empty())
    found = k.getName().str() + "#" + std::to_string(index);
  return found;
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
  std::string fnName; // C symbol
  std::string objPath;
  bool cacheHit = false;
};

// Unique kernels of @forward, in first-launch order.
FailureOr<std::vector<UniqueKernel>> collectKernels(ModuleOp module,
                                                    const Target &target) {
  func::FuncOp fwd = findForward(module);
  if (!fwd) {
    module.emitError("codegen: no func.func @forward");
    return failure();
  }
  std::vector<UniqueKernel> out;
  std::set<std::string> seen;
  for (auto k : fwd.getBody().getOps<nn::KernelOp>()) {
    if (!seen.insert(k.getName().str()).second)
      continue;
    auto tk = translateKernel(k, target);
    if (failed(tk))
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

std::string readFile(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return "";
  return (*buf)->getBuffer().str();
}

std::string tempPath(const std::string &suffix) {
  llvm::SmallString<128> p;
  llvm::sys::fs::createTemporaryFile("modelc", suffix, p);
  return p.str().str();
}

std::string lowerToStmt(UniqueKernel &u, const Target &target) {
  std::string path = tempPath("stmt");
  u.tk.pipeline.compile_to_lowered_stmt(path, u.tk.args, StmtOutputFormat::Text,
                                        target);
  std::string s = readFile(path);
  llvm::sys::fs::remove(path);
  return s;
}

// Halide reports errors by throwing (Halide::CompileError etc.).
template <typename F> LogicalResult guarded(Operation *op, F &&f) {
  try {
    f();
    return success();
  } catch (const Halide::Error &e) {
    op->emitError() << "codegen: Halide: " << e.what();
  } catch (const std::exception &e) {
    op->emitError() << "codegen: " << e.what();
  }
  return failure();
}

// Translation may throw from inside Halide; report it at the module.
FailureOr<std::vector<UniqueKernel>>
collectKernelsGuarded(ModuleOp module, const Target &target) {
  FailureOr<std::vector<UniqueKernel>> result = failure();
  if (failed(guarded(module, [&] { result = collectKernels(module, target); })))
    return failure();
  return result;
}

/// Prints `// kernel NAME (CLASS)` and `dump(kernel)` for each unique kernel.
LogicalResult
dumpEachKernel(ModuleOp module, const Target &target, llvm::raw_ostream &os,
               llvm::function_ref<std::string(UniqueKernel &)> dump) {
  auto collected = collectKernelsGuarded(module, target);
  if (failed(collected))
    return failure();
  for (UniqueKernel &u : *collected) {
    std::string text;
    if (failed(guarded(u.op, [&] { text = dump(u); })))
      return failure();
    os << "// kernel " << u.tk.name << " (" << u.tk.kind << ")\n"
       << text << "\n";
  }
  return success();
}

std::string cacheDirFor(const TargetOptions &o) {
  if (!o.useCache)
    return "";
  if (const char *e = std::getenv("MODELC_CACHE"); e && std::string(e) == "0")
    return "";
  if (!o.cacheDir.empty())
    return o.cacheDir;
  if (const char *e = std::getenv("MODELC_CACHE_DIR"); e && *e)
    return e;
  if (const char *e = std::getenv("XDG_CACHE_HOME"); e && *e)
    return std::string(e) + "/modelc";
  if (const char *e = std::getenv("HOME"); e && *e)
    return std::string(e) + "/.cache/modelc";
  return "";
}

LogicalResult runTool(llvm::ArrayRef<std::string> argv, Operation *op) {
  auto prog = llvm::sys::findProgramByName(argv[0]);
  if (!prog) {
    op->emitError() << "codegen: cannot find `" << argv[0] << "` on PATH";
    return failure();
  }
  llvm::SmallVector<llvm::StringRef> args(argv.begin(), argv.end());
  std::string err;
  int rc = llvm::sys::ExecuteAndWait(*prog, args, std::nullopt, {}, 0, 0, &err);
  if (rc != 0) {
    std::string cmd;
    for (auto &a : argv)
      cmd += a + " ";
    op->emitError() << "codegen: `" << cmd << "` failed (" << rc << ") " << err;
    return failure();
  }
  return success();
}

std::string jsonStr(llvm::StringRef s) {
  std::string r = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\')
      r += '\\';
    r += ch;
  }
  return r + "\"";
}

} // namespace

std::string halideTargetString(const TargetOptions &o) {
  return makeTarget(o).to_string();
}

//===----------------------------------------------------------------------===//
// Dumps
//===----------------------------------------------------------------------===//

LogicalResult emitHalideStmt(ModuleOp module, const TargetOptions &o,
                             llvm::raw_ostream &os) {
  Target target = makeTarget(o);
  os << "// Halide target " << target.to_string() << "\n";
  return dumpEachKernel(module, target, os, [&](UniqueKernel &u) {
    return lowerToStmt(u, target);
  });
}

LogicalResult emitAssembly(ModuleOp module, const TargetOptions &o,
                           llvm::raw_ostream &os) {
  Target target = makeTarget(o);
  return dumpEachKernel(module, target, os, [&](UniqueKernel &u) {
    std::string path = tempPath("s");
    u.tk.pipeline.compile_to_assembly(path, u.tk.args,
                                      "modelc_" + cSymbol(u.tk.name), target);
    std::string text = readFile(path);
    llvm::sys::fs::remove(path);
    return text;
  });
}

LogicalResult emitPtx(ModuleOp module, const TargetOptions &o,
                      llvm::raw_ostream &os) {
  TargetOptions co = o;
  co.cuda = true;
  Target target = makeTarget(co);
  // Halide embeds each pipeline's PTX as a C string in the host module.
  return dumpEachKernel(module, target, os, [&](UniqueKernel &u) {
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

void packWeight(const WeightPlanEntry &e, const float *logical, float *out) {
  if (e.isGemmWeight && e.shape.size() == 2) {
    packGemmWeight(logical, /*srcIsOutIn=*/false, (int)e.shape[0],
                   (int)e.shape[1], e.layout, out);
    return;
  }
  std::copy(logical, logical + weightFileElems(e), out);
}

//===----------------------------------------------------------------------===//
// The library
//===----------------------------------------------------------------------===//

FailureOr<LibraryResult> buildLibrary(ModuleOp module, llvm::StringRef name,
                                      const TargetOptions &o,
                                      llvm::StringRef outDir) {
  Target target = makeTarget(o);
  func::FuncOp fwd = findForward(module);
  if (!fwd) {
    module.emitError("codegen: no func.func @forward");
    return failure();
  }
  std::string objDir = (outDir + "/obj").str();
  if (auto ec = llvm::sys::fs::create_directories(objDir)) {
    module.emitError() << "codegen: cannot create " << objDir << ": "
                       << ec.message();
    return failure();
  }
  auto collected = collectKernelsGuarded(module, target);
  if (failed(collected))
    return failure();
  std::vector<UniqueKernel> &ks = *collected;

  LibraryResult result;
  std::string cacheDir = cacheDirFor(o);
  if (!cacheDir.empty())
    llvm::sys::fs::create_directories(cacheDir);
  int idx = 0;
  for (UniqueKernel &u : ks) {
    ++idx;
    auto t0 = std::chrono::steady_clock::now();
    if (o.progress)
      *o.progress << "[" << idx << "/" << ks.size() << "] compiling kernel "
                  << u.tk.name << " (" << u.tk.kind << ")...";
    // Key: the region (no locations/names), the target, the sources of the
    // translation and schedules, and Halide's version.
    std::string key = regionText(u.op) + "\n" + target.to_string() + "\n" +
                      kScheduleVersion + "\n" + kSourceHash + "\n" + "halide14";
    uint64_t h = llvm::xxh3_64bits(llvm::StringRef(key));
    std::string hex = llvm::utohexstr(h, /*LowerCase=*/true, 16);
    u.fnName = "modelc_k_" + hex;
    u.objPath = objDir + "/" + u.fnName + ".o";
    std::string cached =
        cacheDir.empty() ? "" : cacheDir + "/" + u.fnName + ".o";
    if (!cached.empty() && llvm::sys::fs::exists(cached) &&
        !llvm::sys::fs::copy_file(cached, u.objPath)) {
      u.cacheHit = true;
      ++result.cacheHits;
    } else {
      if (failed(guarded(u.op, [&] {
            u.tk.pipeline.compile_to_object(u.objPath, u.tk.args, u.fnName,
                                            target);
          })))
        return failure();
      if (!cached.empty()) {
        // Write then rename: concurrent compiles never see a partial file.
        std::string tmp = cached + ".tmp" + std::to_string(::getpid());
        if (!llvm::sys::fs::copy_file(u.objPath, tmp))
          llvm::sys::fs::rename(tmp, cached);
      }
    }
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    if (o.progress) {
      *o.progress << (u.cacheHit ? " cached" : "") << " "
                  << llvm::format("%.2f", secs) << " s\n";
      o.progress->flush();
    }
  }
  std::map<std::string, UniqueKernel *> byName;
  for (UniqueKernel &u : ks)
    byName[u.tk.name] = &u;

  // One standalone runtime per library.
  std::string rtPath = objDir + "/halide_runtime.o";
  {
    std::string rtCached =
        cacheDir.empty()
            ? ""
            : cacheDir + "/runtime_" +
                  llvm::utohexstr(llvm::xxh3_64bits(target.to_string()), true,
                                  16) +
                  ".o";
    if (rtCached.empty() || !llvm::sys::fs::exists(rtCached) ||
        llvm::sys::fs::copy_file(rtCached, rtPath)) {
      if (failed(guarded(module,
                         [&] { compile_standalone_runtime(rtPath, target); })))
        return failure();
      if (!rtCached.empty()) {
        std::string tmp = rtCached + ".tmp" + std::to_string(::getpid());
        if (!llvm::sys::fs::copy_file(rtPath, tmp))
          llvm::sys::fs::rename(tmp, rtCached);
      }
    }
  }

  // Model inputs / output.
  struct IODesc {
    std::string name;
    bool ids;
    int64_t channels;
  };
  std::vector<IODesc> inputs, outputs;
  int idsSeen = 0;
  for (BlockArgument a : fwd.getArguments()) {
    auto t = cast<RankedTensorType>(a.getType());
    IODesc d;
    d.ids = t.getElementType().isInteger(32);
    d.channels = t.getRank() == 3 ? t.getDimSize(2) : 0;
    if (auto n = fwd.getArgAttrOfType<StringAttr>(a.getArgNumber(), "nn.name"))
      d.name = n.str();
    else if (d.ids)
      d.name = idsSeen == 0   ? "tokens"
               : idsSeen == 1 ? "token_types"
                              : "ids" + std::to_string(idsSeen);
    else
      d.name = "input" + std::to_string(a.getArgNumber());
    idsSeen += d.ids;
    inputs.push_back(d);
  }
  Operation *ret = fwd.getBody().front().getTerminator();
  for (unsigned i = 0; i < ret->getNumOperands(); ++i) {
    auto t = cast<RankedTensorType>(ret->getOperand(i).getType());
    IODesc d;
    d.ids = false;
    d.channels = t.getDimSize(2);
    if (auto n = fwd.getResultAttrOfType<StringAttr>(i, "nn.name"))
      d.name = n.str();
    else if (auto n = module->getAttrOfType<StringAttr>("nn.output_name"))
      d.name = n.str();
    else
      d.name = "output";
    outputs.push_back(d);
  }

  // Launches and the weight plan.
  std::map<std::tuple<std::string, bool, bool>, int> weightIndex;
  std::ostringstream launches, tables;
  int64_t arenaPerToken = 0;
  if (auto a = module->getAttrOfType<IntegerAttr>("nn.arena_floats_per_token"))
    arenaPerToken = a.getInt();
  int64_t maxSeq = 0;
  if (auto a = module->getAttrOfType<IntegerAttr>("nn.max_seq"))
    maxSeq = a.getInt();
  std::ostringstream kernelDescs, kernelJson;
  int launch = 0;
  const bool cuda = o.cuda;
  for (auto k : fwd.getBody().getOps<nn::KernelOp>()) {
    UniqueKernel &u = *byName[k.getName().str()];
    const TranslatedKernel &tk = u.tk;
    std::string inst = instanceName(k, launch);
    std::ostringstream call;
    std::vector<std::string> bufs;
    auto addBuf = [&](const std::string &ptr, int code,
                      std::vector<std::string> exts) {
      int i = (int)bufs.size();
      std::string bn = "b" + std::to_string(i);
      call << "  halide_dimension_t " << bn << "d[" << exts.size() << "];\n"
           << "  int32_t " << bn << "e[] = {";
      for (size_t j = 0; j < exts.size(); ++j)
        call << (j ? ", " : "") << exts[j];
      call << "};\n  halide_buffer_t " << bn << ";\n  mk_buf(&" << bn << ", "
           << bn << "d, " << ptr << ", " << code << ", " << exts.size() << ", "
           << bn << "e);\n";
      bufs.push_back(bn);
    };
    auto actExts = [&](int64_t C) -> std::vector<std::string> {
      if (tk.flat)
        return {std::to_string(C), "(int32_t)(B * S)"};
      return {std::to_string(C), "(int32_t)S", "(int32_t)B"};
    };
    for (unsigned i = 0; i < k.getInputs().size(); ++i) {
      Value v = k.getInputs()[i];
      const KernelArg &ka = tk.inputs[i];
      std::string ptr;
      if (auto ba = dyn_cast<BlockArgument>(v)) {
        ptr = "inputs[" + std::to_string(ba.getArgNumber()) + "]";
      } else if (auto w = v.getDefiningOp<nn::WeightOp>()) {
        if (ka.kind != KernelArg::Weight) {
          k.emitError("codegen: weight bound to a non-weight argument");
          return failure();
        }
        auto key =
            std::make_tuple(w.getName().str(), w.getTransposed(), ka.gemm);
        auto it = weightIndex.find(key);
        if (it == weightIndex.end()) {
          WeightPlanEntry e;
          e.source = w.getName().str();
          e.transposed = w.getTransposed();
          e.shape = ka.shape;
          e.isGemmWeight = ka.gemm;
          e.layout = ka.layout;
          e.fileShape = ka.fileShape;
          e.fileName = e.source;
          if (e.transposed)
            e.fileName += ".T";
          if (ka.gemm && ka.layout.panelWidth)
            e.fileName += ".p" + std::to_string(ka.layout.panelWidth);
          it = weightIndex.emplace(key, (int)result.weights.size()).first;
          result.weights.push_back(e);
        }
        ptr = "weights[" + std::to_string(it->second) + "]";
      } else if (auto kr = dyn_cast<OpResult>(v)) {
        auto producer = dyn_cast<nn::KernelOp>(kr.getOwner());
        if (!producer || !producer.getArenaOffsets()) {
          k.emitError("codegen: kernel input is not a weight, an argument or "
                      "a planned kernel result (run nn-plan-memory)");
          return failure();
        }
        int64_t off = (*producer.getArenaOffsets())[kr.getResultNumber()];
        if (off < 0) {
          unsigned oi = 0;
          for (; oi < ret->getNumOperands(); ++oi)
            if (ret->getOperand(oi) == v)
              break;
          ptr = "outputs[" + std::to_string(oi) + "]";
        } else {
          ptr =
              "(void *)(arena + (int64_t)" + std::to_string(off) + " * B * S)";
        }
      }
      if (ka.kind == KernelArg::Activation)
        addBuf(ptr, 2, actExts(ka.channels));
      else if (ka.kind == KernelArg::TokenIds)
        addBuf(ptr, 0,
               tk.flat ? std::vector<std::string>{"(int32_t)(B * S)"}
                       : std::vector<std::string>{"(int32_t)S", "(int32_t)B"});
      else {
        std::vector<std::string> exts;
        for (auto it = ka.fileShape.rbegin(); it != ka.fileShape.rend(); ++it)
          exts.push_back(std::to_string(*it));
        addBuf(ptr, 2, exts);
      }
    }
    size_t firstOut = bufs.size();
    auto offsets = k.getArenaOffsets();
    for (unsigned i = 0; i < k.getNumResults(); ++i) {
      int64_t off = offsets ? (*offsets)[i] : -2;
      std::string ptr;
      if (off == -2) {
        k.emitError("codegen: nn.kernel without arena_offsets (run "
                    "nn-plan-memory)");
        return failure();
      }
      if (off < 0) {
        unsigned oi = 0;
        for (; oi < ret->getNumOperands(); ++oi)
          if (ret->getOperand(oi) == k.getResult(i))
            break;
        if (oi == ret->getNumOperands()) {
          k.emitError("codegen: result with arena offset -1 is not returned");
          return failure();
        }
        ptr = "outputs[" + std::to_string(oi) + "]";
      } else {
        ptr = "(void *)(arena + (int64_t)" + std::to_string(off) + " * B * S)";
      }
      addBuf(ptr, 2, actExts(tk.outputChannels[i]));
    }
    launches << "  /* launch " << launch << ": " << inst << " = kernel "
             << tk.name << " (" << tk.kind << ") */\n  {\n"
             << call.str()
             << "    double t0 = now_s();\n    int rc = " << u.fnName << "(";
    for (size_t i = 0; i < bufs.size(); ++i)
      launches << (i ? ", " : "") << "&" << bufs[i];
    launches << ");\n";
    if (cuda) {
      for (size_t i = firstOut; i < bufs.size(); ++i)
        launches << "    if (!rc) rc = halide_copy_to_host(NULL, &" << bufs[i]
                 << ");\n";
      for (auto &bn : bufs)
        launches << "    halide_device_free(NULL, &" << bn << ");\n";
    }
    launches << "    if (kernel_seconds) kernel_seconds[" << launch
             << "] = now_s() - t0;\n    if (rc) return " << launch + 1
             << ";\n  }\n";
    kernelDescs << "  {" << jsonStr(inst) << ", " << jsonStr(tk.kind) << ", "
                << tk.flopsPerToken << ", " << tk.flopsPerTokenSeq << "},\n";
    kernelJson << (launch ? ",\n" : "") << "    {\"name\": " << jsonStr(inst)
               << ", \"kernel\": " << jsonStr(tk.name)
               << ", \"kind\": " << jsonStr(tk.kind)
               << ", \"flops_per_token\": " << tk.flopsPerToken
               << ", \"flops_per_token_seq\": " << tk.flopsPerTokenSeq << "}";
    ++launch;
  }
  result.uniqueKernels = (int)ks.size();
  result.launches = launch;

  // The generated entry point.
  std::ostringstream c;
  c << "/* Generated by modelc: the entry point of lib" << name.str()
    << ".so. Do not edit. Only buffer set-up and kernel calls. */\n"
    << "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n"
    << "#include <time.h>\n#include \"HalideRuntime.h\"\n"
    << "#include \"modelc_abi.h\"\n\n";
  for (UniqueKernel &u : ks) {
    c << "int " << u.fnName << "(";
    for (size_t i = 0; i < u.tk.args.size() + u.tk.outputChannels.size(); ++i)
      c << (i ? ", " : "") << "struct halide_buffer_t *";
    c << "); /* " << u.tk.name << " (" << u.tk.kind << ") */\n";
  }
  c << R"C(
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A dense buffer, dim 0 innermost; code 0 = int, 2 = float; 32 bits. */
static void mk_buf(halide_buffer_t *b, halide_dimension_t *d, void *host,
                   int code, int dims, const int32_t *ext) {
  int32_t stride = 1;
  memset(b, 0, sizeof(*b));
  for (int i = 0; i < dims; ++i) {
    d[i].min = 0;
    d[i].extent = ext[i];
    d[i].stride = stride;
    d[i].flags = 0;
    stride *= ext[i];
  }
  b->host = (uint8_t *)host;
  b->type.code = (uint8_t)code;
  b->type.bits = 32;
  b->type.lanes = 1;
  b->dimensions = dims;
  b->dim = d;
)C";
  if (cuda)
    c << "  b->flags = halide_buffer_flag_host_dirty;\n";
  c << "}\n\n";
  auto emitDescs = [&](const char *var, const std::vector<IODesc> &ds) {
    c << "static const modelc_tensor_desc " << var << "[] = {\n";
    for (auto &d : ds) {
      if (d.ids)
        c << "  {" << jsonStr(d.name)
          << ", MODELC_I32, 2, {MODELC_DIM_BATCH, MODELC_DIM_SEQ, 0, 0}},\n";
      else
        c << "  {" << jsonStr(d.name)
          << ", MODELC_F32, 3, {MODELC_DIM_BATCH, MODELC_DIM_SEQ, "
          << d.channels << ", 0}},\n";
    }
    if (ds.empty())
      c << "  {0, 0, 0, {0, 0, 0, 0}}\n";
    c << "};\n";
  };
  emitDescs("inputs_desc", inputs);
  emitDescs("outputs_desc", outputs);
  c << "static const modelc_tensor_desc weights_desc[] = {\n";
  for (auto &w : result.weights) {
    c << "  {" << jsonStr(w.fileName) << ", MODELC_F32, " << w.fileShape.size()
      << ", {";
    for (size_t i = 0; i < 4; ++i)
      c << (i ? ", " : "") << (i < w.fileShape.size() ? w.fileShape[i] : 0);
    c << "}},\n";
  }
  if (result.weights.empty())
    c << "  {0, 0, 0, {0, 0, 0, 0}}\n";
  c << "};\nstatic const modelc_kernel_desc kernels_desc[] = {\n"
    << kernelDescs.str() << "};\n\n";
  c << "static const modelc_model_info model_info = {\n  MODELC_ABI_VERSION, "
    << jsonStr(name) << ", " << (cuda ? "\"cuda\"" : "\"cpu\"") << ", "
    << maxSeq << ",\n  " << inputs.size() << ", inputs_desc, " << outputs.size()
    << ", outputs_desc,\n  " << result.weights.size() << ", weights_desc,\n  "
    << arenaPerToken * 4 << ", " << launch << ", kernels_desc};\n\n"
    << "const modelc_model_info *modelc_get_model_info(void) { return "
       "&model_info; }\n\n"
    << "void modelc_set_num_threads(int32_t threads) { "
       "halide_set_num_threads(threads); }\n\n"
    << "static modelc_error_handler user_handler;\n"
    << "static void on_halide_error(void *uc, const char *msg) {\n"
    << "  (void)uc;\n  if (user_handler) user_handler(msg);\n"
    << "  else halide_print(NULL, msg);\n}\n"
    << "void modelc_set_error_handler(modelc_error_handler handler) {\n"
    << "  user_handler = handler;\n"
    << "  halide_set_error_handler(on_halide_error);\n}\n\n"
    << "int32_t modelc_run(void *const *weights, void *const *inputs,\n"
    << "                   void *const *outputs, int64_t B, int64_t S,\n"
    << "                   void *arena_, double *kernel_seconds) {\n"
    << "  float *arena = (float *)arena_;\n"
    << "  (void)weights; (void)inputs; (void)outputs; (void)arena;\n"
    << "  if (B <= 0 || S <= 0) return 1;\n"
    << launches.str() << "  return 0;\n}\n";

  std::string entryPath = objDir + "/" + name.str() + "_entry.c";
  std::string abiPath = objDir + "/modelc_abi.h";
  {
    std::error_code ec;
    llvm::raw_fd_ostream f(entryPath, ec);
    f << c.str();
    llvm::raw_fd_ostream a(abiPath, ec);
    a << kAbiHeaderText;
    if (ec) {
      module.emitError() << "codegen: cannot write " << entryPath;
      return failure();
    }
  }
  std::string verPath = objDir + "/exports.map";
  {
    std::error_code ec;
    llvm::raw_fd_ostream f(verPath, ec);
    f << "{ global: modelc_*; local: *; };\n";
  }
  std::string entryObj = objDir + "/" + name.str() + "_entry.o";
  if (failed(runTool({"cc", "-O2", "-fPIC", "-I/usr/include/halide14",
                      "-I" + objDir, "-c", entryPath, "-o", entryObj},
                     module)))
    return failure();
  std::string so = (outDir + "/lib" + name + ".so").str();
  std::vector<std::string> link{"cc", "-shared", "-o", so, entryObj};
  for (UniqueKernel &u : ks)
    link.push_back(u.objPath);
  link.push_back(rtPath);
  link.push_back("-Wl,--version-script=" + verPath);
  link.push_back("-lpthread");
  link.push_back("-ldl");
  link.push_back("-lm");
  if (failed(runTool(link, module)))
    return failure();

  // <name>.h: the ABI + a description of this model.
  {
    std::error_code ec;
    llvm::raw_fd_ostream h((outDir + "/" + name + ".h").str(), ec);
    h << "/* " << name << ".h - generated by modelc. Do not edit.\n *\n"
      << " * lib" << name << ".so implements the modelc ABI below for this "
      << "model (target " << (cuda ? "cuda" : "cpu") << "):\n *\n"
      << " *   modelc_run(weights, inputs, outputs, batch, seq, arena, "
         "kernel_seconds)\n *\n";
    for (size_t i = 0; i < inputs.size(); ++i)
      h << " *   inputs[" << i << "]  " << inputs[i].name
        << (inputs[i].ids ? ": int32 [batch, seq]"
                          : ": float [batch, seq, " +
                                std::to_string(inputs[i].channels) + "]")
        << "\n";
    for (size_t i = 0; i < outputs.size(); ++i)
      h << " *   outputs[" << i << "] " << outputs[i].name
        << ": float [batch, seq, " << outputs[i].channels << "]\n";
    h << " *   weights: " << result.weights.size() << " tensors of " << name
      << ".weights, in modelc_get_model_info()->weights order\n"
      << " *   arena: " << arenaPerToken * 4
      << " bytes per token (times batch * seq), 64-byte aligned\n"
      << " *   max_seq: " << maxSeq << "; " << launch << " kernel launches, "
      << ks.size() << " unique kernels\n */\n"
      << kAbiHeaderText;
  }
  // <name>.json: the signature.
  {
    std::error_code ec;
    llvm::raw_fd_ostream j((outDir + "/" + name + ".json").str(), ec);
    auto io = [&](const std::vector<IODesc> &ds) {
      std::string s = "[";
      for (size_t i = 0; i < ds.size(); ++i) {
        s += (i ? ", " : "") + std::string("{\"name\": ") +
             jsonStr(ds[i].name) + ", \"dtype\": \"" +
             (ds[i].ids ? "int32" : "float32") +
             "\", \"shape\": [\"batch\", \"seq\"" +
             (ds[i].ids ? "" : ", " + std::to_string(ds[i].channels)) + "]}";
      }
      return s + "]";
    };
    j << "{\n  \"name\": " << jsonStr(name) << ",\n  \"abi_version\": 1,\n"
      << "  \"target\": \"" << (cuda ? "cuda" : "cpu") << "\",\n"
      << "  \"halide_target\": " << jsonStr(target.to_string()) << ",\n"
      << "  \"max_seq\": " << maxSeq << ",\n"
      << "  \"inputs\": " << io(inputs) << ",\n"
      << "  \"outputs\": " << io(outputs) << ",\n  \"weights\": [";
    for (size_t i = 0; i < result.weights.size(); ++i) {
      auto &w = result.weights[i];
      auto arr = [](const std::vector<int64_t> &v) {
        std::string s = "[";
        for (size_t k = 0; k < v.size(); ++k)
          s += (k ? ", " : "") + std::to_string(v[k]);
        return s + "]";
      };
      j << (i ? "," : "") << "\n    {\"name\": " << jsonStr(w.fileName)
        << ", \"source\": " << jsonStr(w.source)
        << ", \"transposed\": " << (w.transposed ? "true" : "false")
        << ", \"dtype\": \"float32\", \"shape\": " << arr(w.fileShape)
        << ", \"logical_shape\": " << arr(w.shape) << ", \"layout\": \""
        << (w.isGemmWeight && w.layout.panelWidth
                ? "panel" + std::to_string(w.layout.panelWidth)
                : std::string("row_major"))
        << "\"}";
    }
    j << "\n  ],\n  \"arena_bytes_per_token\": " << arenaPerToken * 4
      << ",\n  \"kernels\": [\n"
      << kernelJson.str() << "\n  ]\n}\n";
  }
  return result;
}

} // namespace modelc::codegen
