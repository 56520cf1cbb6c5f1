//===- CompileCommand.cpp - `modelc compile` ------------------------------===//
//
// Spec (or nn IR) -> nn IR -> optimized -> kernel regions -> Halide -> .so.
// Every stage can be printed with --emit and every MLIR pass-manager flag
// (--mlir-print-ir-after-all, --mlir-timing, ...) applies.
//
//===----------------------------------------------------------------------===//
#include "tools/CompileCommand.h"
#include "tools/ApproxReport.h"
#include "tools/CalibrationError.h"
#include "tools/PassFlags.h"

#include "codegen/Codegen.h"
#include "dialect/NNOps.h"
#include "frontend/MLIRGen.h"
#include "frontend/Spec.h"
#include "frontend/WeightEval.h"
#include "frontend/WeightStore.h"
#include "passes/Passes.h"
#include "passes/Pipeline.h"
#include "passes/Registration.h"
#include "tools/OutputFolder.h"
#include "tools/WeightsWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <optional>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Stage { Nn, Optimized, Kernels, Halide, Asm, Ptx, Library };

cl::OptionCategory compileCategory("modelc compile options");

cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<spec.toml | nn-ir.mlir>"),
                               cl::cat(compileCategory));
cl::opt<std::string>
    weightsPath("weights", cl::value_desc("file.safetensors"),
                cl::desc("checkpoint to compile in (default: random weights "
                         "from --seed)"),
                cl::cat(compileCategory));
cl::opt<uint64_t> seed("seed", cl::init(0),
                       cl::desc("seed of the random weights used when no "
                                "--weights is given"),
                       cl::cat(compileCategory));
cl::opt<std::string> outDir("o", cl::value_desc("dir"),
                            cl::desc("output directory (default: out/<name>)"),
                            cl::cat(compileCategory));
cl::opt<std::string> target("target", cl::init("cpu"),
                            cl::desc("cpu (host x86: AVX-512 or AVX2) | cuda"),
                            cl::cat(compileCategory));
// A string, not a char: llvm::cl would read -O10 as -O1.
cl::opt<std::string>
    optLevel("O", cl::Prefix, cl::ValueOptional, cl::init("3"),
             cl::desc("optimization level: -O0 (no fusion) .. -O3"),
             cl::cat(compileCategory));
cl::opt<Stage> emit(
    "emit", cl::init(Stage::Library),
    cl::desc("stop after a stage and print it to stdout"),
    cl::values(
        clEnumValN(Stage::Nn, "nn", "the nn IR as parsed"),
        clEnumValN(Stage::Optimized, "optimized", "after the pass pipeline"),
        clEnumValN(Stage::Kernels, "kernels",
                   "the fused kernel regions, deduplicated and placed"),
        clEnumValN(Stage::Halide, "halide",
                   "each kernel's lowered Halide stmt"),
        clEnumValN(Stage::Asm, "asm", "each kernel's assembly"),
        clEnumValN(Stage::Ptx, "ptx", "each kernel's PTX (--target cuda)"),
        clEnumValN(Stage::Library, "lib",
                   "the library, header, weights and signature (default)")),
    cl::cat(compileCategory));
cl::opt<std::string> calibPath(
    "calib", cl::value_desc("tokens.npy"),
    cl::desc("with approximate passes: run the library and the one without "
             "them on these token ids and report the output error"),
    cl::cat(compileCategory));
cl::opt<bool> quiet("q", cl::desc("no progress output"),
                    cl::cat(compileCategory));
cl::opt<bool> allowNonFinite(
    "allow-nonfinite-weights",
    cl::desc("compile checkpoint tensors that hold NaN or Inf (an error "
             "otherwise)"),
    cl::cat(compileCategory));

/// Progress lines on stderr, each with the time the stage took.
class Progress {
public:
  explicit Progress(bool enabled) : enabled(enabled) {}
  void stage(const llvm::Twine &what) {
    if (!enabled)
      return;
    auto now = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(now - last).count();
    last = now;
    llvm::errs() << llvm::format("modelc: %-58s %8.0f ms\n", what.str().c_str(),
                                 ms);
  }
  double totalSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  }
  llvm::raw_ostream *stream() { return enabled ? &llvm::errs() : nullptr; }

private:
  bool enabled;
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last = start;
};

OwningOpRef<ModuleOp> loadInput(MLIRContext &ctx, llvm::SourceMgr &sourceMgr) {
  if (llvm::StringRef(inputPath).ends_with(".mlir")) {
    std::string err;
    auto file = openInputFile(inputPath, &err);
    if (!file) {
      llvm::errs() << "modelc: error: " << err << "\n";
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  }
  auto spec = modelc::frontend::parseSpec(inputPath, ctx);
  if (failed(spec))
    return nullptr;
  return modelc::frontend::buildModule(*spec, ctx);
}

std::string modelName(ModuleOp module) {
  if (auto name = module->getAttrOfType<StringAttr>(
          modelc::nn::NNDialect::ModelNameAttrHelper::getNameStr()))
    return name.str();
  return llvm::sys::path::stem(inputPath).str();
}

LogicalResult runPipeline(ModuleOp module,
                          void (*build)(OpPassManager &,
                                        const modelc::PipelineOptions &),
                          const modelc::PipelineOptions &options) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  applyDefaultTimingPassManagerCLOptions(pm);
  build(pm, options);
  return pm.run(module);
}

void printModule(ModuleOp module) {
  module.print(llvm::outs(), OpPrintingFlags().elideLargeElementsAttrs(16));
  llvm::outs() << "\n";
}

/// The command-line checks llvm::cl cannot express. Prints the first
/// problem found.
LogicalResult checkOptions() {
  auto fail = [](const llvm::Twine &msg) {
    llvm::errs() << "modelc: error: " << msg << "\n";
    return failure();
  };
  if (optLevel.empty())
    return fail("-O needs a level: -O0, -O1, -O2 or -O3");
  if (optLevel.size() != 1 || optLevel[0] < '0' || optLevel[0] > '3')
    return fail("-O" + optLevel + " is not a level; use -O0, -O1, -O2 or -O3");
  if (outDir.getNumOccurrences() && outDir.empty())
    return fail("-o needs a folder name (it is empty)");
  if (weightsPath.getNumOccurrences() && weightsPath.empty())
    return fail("--weights needs a file name (it is empty); leave it out for "
                "random weights");
  if (inputPath.empty())
    return fail("the input file name is empty");
  if (target != "cpu" && target != "cuda")
    return fail("unknown --target '" + target + "'; use cpu or cuda");
  if (emit == Stage::Ptx && target != "cuda")
    return fail("--emit=ptx needs --target cuda");
  if (calibPath.getNumOccurrences() && emit != Stage::Library)
    return fail("--calib runs the libraries: it cannot go with --emit");
  return success();
}

/// Codegen, weights and link of `module` (kernels formed) into `folder`'s
/// staging directory.
LogicalResult writeLibrary(ModuleOp module, const std::string &name,
                           modelc::OutputFolder &folder,
                           const modelc::codegen::TargetOptions &targetOptions,
                           modelc::frontend::WeightStore &store,
                           Progress &progress) {
  auto library = modelc::codegen::Library::compile(module, name, targetOptions,
                                                   folder.path());
  if (failed(library))
    return failure();
  progress.stage("codegen: " + llvm::Twine((*library)->uniqueKernels()) +
                 " kernels compiled");

  modelc::WeightsWriteOptions weightsOptions;
  weightsOptions.threads = llvm::hardware_concurrency().compute_thread_count();
  weightsOptions.allowNonFinite = allowNonFinite;
  modelc::codegen::WeightsDigest digest;
  bool reused = false;
  if (failed(modelc::emitWeights(store, (*library)->weights(), folder,
                                 name + ".weights", weightsOptions, digest,
                                 reused)))
    return failure();
  progress.stage("weights: " + llvm::Twine((*library)->weights().size()) +
                 " tensors, " + llvm::Twine(digest.bytes >> 20) + " MiB" +
                 (reused ? " (unchanged, kept)" : ""));
  if (failed((*library)->link(digest)))
    return failure();
  progress.stage("link lib" + name + ".so");
  return success();
}

/// A temporary folder, removed with the object.
struct TemporaryFolder {
  llvm::SmallString<128> path;
  ~TemporaryFolder() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
};

/// Runs the pipeline on `module` and writes its library into a new
/// temporary folder `temp`; the library's path goes to `lib`.
LogicalResult compileTemporary(ModuleOp module, const std::string &name,
                               const modelc::PipelineOptions &pipeline,
                               const modelc::codegen::TargetOptions &target,
                               modelc::frontend::WeightStore &store,
                               TemporaryFolder &temp, std::string &lib) {
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("modelc-" + name, temp.path)) {
    llvm::errs() << "modelc: error: cannot make a temporary folder: "
                 << ec.message() << "\n";
    return failure();
  }
  Progress silent(false);
  std::string dest = (temp.path + "/" + name).str();
  auto folder = modelc::OutputFolder::stage(dest, name);
  if (!folder || failed(runPipeline(module, modelc::buildPipeline, pipeline)) ||
      failed(writeLibrary(module, name, *folder, target, store, silent)) ||
      failed(folder->commit()))
    return failure();
  lib = dest + "/lib" + name + ".so";
  return success();
}

/// --calib: `reference` (the model without the approximate passes) compiled
/// into a temporary folder and run with the approximate library `lib` on
/// the calibration input.
LogicalResult measureCalibration(ModuleOp reference, const std::string &name,
                                 const std::string &lib,
                                 const modelc::PipelineOptions &pipeline,
                                 const modelc::codegen::TargetOptions &target,
                                 modelc::frontend::WeightStore &store,
                                 modelc::OutputError &error) {
  TemporaryFolder temp;
  std::string referenceLib, problem;
  if (failed(compileTemporary(reference, name, pipeline, target, store, temp,
                              referenceLib)))
    return failure();
  if (failed(modelc::measureOutputError(lib, referenceLib, calibPath, error,
                                        problem))) {
    llvm::errs() << "modelc: error: " << problem << "\n";
    return failure();
  }
  return success();
}

/// --drop-layers=angular:N, --prune-score=activation: a probe of `module`
/// (nn-expose-layer-streams: every layer's streams, and with `linearInputs`
/// every linear's input), compiled without the approximate passes and with
/// the stream as the model computes it (no recentering), run on the
/// calibration input. `temp` keeps its library while `run` uses it.
LogicalResult runProbe(ModuleOp module, const std::string &name,
                       modelc::PipelineOptions pipeline,
                       const modelc::codegen::TargetOptions &target,
                       modelc::frontend::WeightStore &store, bool linearInputs,
                       TemporaryFolder &temp, modelc::CalibrationInput &input,
                       modelc::CalibrationRun &run) {
  OwningOpRef<ModuleOp> probe = module.clone();
  PassManager pm(module.getContext());
  pm.addNestedPass<func::FuncOp>(
      modelc::createExposeLayerStreams({linearInputs}));
  if (failed(pm.run(*probe)))
    return failure();
  pipeline.approx = {};
  pipeline.disabled.push_back("nn-recenter-stream");
  std::string lib, problem;
  if (failed(compileTemporary(*probe, name + "-probe", pipeline, target, store,
                              temp, lib)))
    return failure();
  if (failed(modelc::loadCalibration(calibPath, input, problem)) ||
      failed(modelc::runOnCalibration(lib, input, run, problem))) {
    llvm::errs() << "modelc: error: " << problem << "\n";
    return failure();
  }
  return success();
}

int compile() {
  DialectRegistry registry;
  modelc::registerAllDialects(registry);
  modelc::codegen::registerHalideLowerings(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  // A diagnostic names its spec line; the op it is attached to (for codegen
  // errors, the whole module) is printed only when asked for.
  if (!cl::getRegisteredOptions()["mlir-print-op-on-diagnostic"]
           ->getNumOccurrences())
    ctx.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &ctx);
  // Progress goes to stderr; it would interleave with a stage printed to
  // stdout only when both are a terminal, which is fine.
  Progress progress(!quiet);

  if (failed(checkOptions()))
    return 1;
  modelc::PipelineOptions pipeline;
  pipeline.optLevel = optLevel[0] - '0';
  modelc::DriverPassFlags driverFlags;
  std::string flagError;
  if (failed(modelc::applyPassFlags(pipeline, driverFlags, flagError))) {
    llvm::errs() << "modelc: error: " << flagError << "\n";
    return 1;
  }
  if (driverFlags.dropByAngle && calibPath.empty()) {
    llvm::errs() << "modelc: error: --drop-layers=angular:"
                 << driverFlags.dropByAngle
                 << " ranks the layers on a calibration input: give it with "
                    "--calib tokens.npy\n";
    return 1;
  }
  const modelc::ApproxOptions &asked = pipeline.approx;
  if (asked.pruneByActivation) {
    if (!asked.pruneHeads && !asked.pruneHeadsCount && !asked.pruneNeurons &&
        !asked.pruneNeuronsCount) {
      llvm::errs() << "modelc: error: --prune-score=activation scores the "
                      "units of --prune-heads and --prune-neurons, and neither "
                      "is asked for\n";
      return 1;
    }
    if (calibPath.empty()) {
      llvm::errs() << "modelc: error: --prune-score=activation measures the "
                      "activations on a calibration input: give it with "
                      "--calib tokens.npy\n";
      return 1;
    }
  }
  modelc::codegen::TargetOptions targetOptions;
  targetOptions.cuda = target == "cuda";

  OwningOpRef<ModuleOp> module = loadInput(ctx, sourceMgr);
  if (!module || failed(verify(*module)))
    return 1;
  progress.stage("parse " + inputPath);
  if (emit == Stage::Nn) {
    printModule(*module);
    return 0;
  }

  std::unique_ptr<modelc::frontend::WeightStore> store;
  if (weightsPath.empty()) {
    store = modelc::frontend::WeightStore::synthetic(seed);
  } else {
    auto opened = modelc::frontend::WeightStore::open(weightsPath, ctx);
    if (failed(opened))
      return 1;
    store = std::move(*opened);
  }
  if (failed(store->check(*module)))
    return 1;
  progress.stage(weightsPath.empty()
                     ? "weights: random (seed " + llvm::Twine(seed) + ")"
                     : "weights: checked " + weightsPath);

  std::optional<modelc::LayerRanking> ranking;
  if (driverFlags.dropByAngle || pipeline.approx.pruneByActivation) {
    TemporaryFolder temp;
    modelc::CalibrationInput input;
    modelc::CalibrationRun probe;
    if (failed(runProbe(*module, modelName(*module), pipeline, targetOptions,
                        *store, pipeline.approx.pruneByActivation, temp, input,
                        probe)))
      return 1;
    progress.stage("calibration: ran the probe (" +
                   llvm::Twine(probe.outputs.size()) + " activations) on " +
                   calibPath);
    if (driverFlags.dropByAngle) {
      ranking = modelc::rankLayers(probe, input, driverFlags.dropByAngle);
      pipeline.approx.dropLayers = ranking->dropped;
    }
    if (pipeline.approx.pruneByActivation)
      modelc::storeInputEnergies(probe, *store);
  }

  // The approximate passes one at a time, each measured for the report;
  // with --calib, the model without them is kept to compare with.
  pipeline.approx.weights = [&](Value w) {
    return modelc::frontend::materializeWeight(*store, w);
  };
  OwningOpRef<ModuleOp> reference;
  if (!calibPath.empty())
    reference = module->clone();
  std::vector<modelc::ApproxStep> approxSteps;
  if (failed(modelc::runMeasuredPasses(
          *module, modelc::approximatePasses(pipeline.approx), approxSteps)))
    return 1;
  modelc::ApproxOptions approx = std::move(pipeline.approx);
  pipeline.approx = {};
  if (failed(runPipeline(*module, modelc::buildOptimizePipeline, pipeline)))
    return 1;
  // Weight-only int8 rounds the weights the exact passes computed.
  std::vector<std::unique_ptr<Pass>> last;
  if (std::unique_ptr<Pass> pass = modelc::weightQuantizationPass(approx))
    last.push_back(std::move(pass));
  if (failed(modelc::runMeasuredPasses(*module, std::move(last), approxSteps)))
    return 1;
  progress.stage("optimize -O" + optLevel);
  if (reference && approxSteps.empty()) {
    llvm::errs() << "modelc: error: --calib measures the error of the "
                    "approximate passes, and none is asked for "
                    "(--drop-layers, --prune-heads, --prune-neurons, "
                    "--low-rank, --int8-weights)\n";
    return 1;
  }
  // A library's report is printed once it is complete (below).
  if (!quiet && emit != Stage::Library)
    modelc::printApproxReport(llvm::errs(), approxSteps, {});
  if (emit == Stage::Optimized) {
    printModule(*module);
    return 0;
  }

  if (failed(runPipeline(*module, modelc::buildKernelPipeline, pipeline)))
    return 1;
  unsigned launches = 0;
  llvm::StringSet<> unique;
  module->walk([&](modelc::nn::KernelOp kernel) {
    ++launches;
    unique.insert(kernel.getName());
  });
  progress.stage("form kernels: " + llvm::Twine(launches) + " launches of " +
                 llvm::Twine(unique.size()) + " unique kernels");
  if (emit == Stage::Kernels) {
    printModule(*module);
    return 0;
  }

  targetOptions.progress = progress.stream();
  switch (emit) {
  case Stage::Halide:
    return failed(
        modelc::codegen::emitHalideStmt(*module, targetOptions, llvm::outs()));
  case Stage::Asm:
    return failed(
        modelc::codegen::emitAssembly(*module, targetOptions, llvm::outs()));
  case Stage::Ptx:
    return failed(
        modelc::codegen::emitPtx(*module, targetOptions, llvm::outs()));
  default:
    break;
  }

  std::string name = modelName(*module);
  auto folder = modelc::OutputFolder::stage(
      outDir.empty() ? "out/" + name : outDir.getValue(), name);
  if (!folder)
    return 1;
  const std::string &dir = folder->path();
  if (failed(writeLibrary(*module, name, *folder, targetOptions, *store,
                          progress)))
    return 1;
  std::optional<modelc::OutputError> calibration;
  if (reference) {
    calibration.emplace();
    if (failed(measureCalibration(*reference, name, dir + "/lib" + name + ".so",
                                  pipeline, targetOptions, *store,
                                  *calibration)))
      return 1;
    progress.stage("calibration: ran both libraries on " + calibPath);
  }
  if (!approxSteps.empty()) {
    modelc::CalibrationFindings findings{calibration ? &*calibration : nullptr,
                                         ranking ? &*ranking : nullptr};
    if (!quiet)
      modelc::printApproxReport(llvm::errs(), approxSteps, findings);
    if (failed(modelc::writeApproxReport(dir + "/" + name + ".approx.json",
                                         approxSteps, findings)))
      return 1;
  }
  if (failed(folder->commit()))
    return 1;
  progress.stage("output: " + folder->destination());

  if (!quiet)
    llvm::errs() << llvm::format(
        "modelc: compiled %s in %.1f s: %u kernel launches (%u unique) -> "
        "%s/lib%s.so\n",
        name.c_str(), progress.totalSeconds(), launches,
        (unsigned)unique.size(), folder->destination().c_str(), name.c_str());
  return 0;
}
} // namespace

int modelc::compileCommand(int argc, char **argv) {
  // Pass names must be known before --mlir-print-ir-after=PASS is parsed.
  modelc::registerAllPasses();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions({&compileCategory, &modelc::passFlagsCategory()});
  // "-O 2" would parse as -O with no level and a second input: say so.
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "-O") || !std::strcmp(argv[i], "--O")) {
      llvm::errs() << "modelc: error: -O needs a level: -O0, -O1, -O2 or -O3 "
                      "(one word)\n";
      return 1;
    }
  // llvm::cl names the program in its messages.
  std::string program = "modelc compile";
  argv[0] = program.data();
  cl::ParseCommandLineOptions(
      argc, argv,
      "modelc compile: a model spec (or nn IR) -> lib<name>.so, <name>.h, "
      "<name>.weights, <name>.json\n");
  return compile();
}
