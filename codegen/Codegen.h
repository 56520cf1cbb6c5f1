//===- Codegen.h - nn kernel regions -> Halide -> shared library -*- C++
//-*-===//
//
// The codegen API of docs/architecture.md ("Codegen"). Input: a module at the
// "kernels" stage (@forward holds only nn.weight, nn.kernel, func.return).
// Every unique nn.kernel name becomes one Halide pipeline (see
// docs/codegen.md for the translation, the schedules and the dumps).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_CODEGEN_H
#define MODELC_CODEGEN_CODEGEN_H

#include "codegen/GemmSchedule.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::codegen {

struct TargetOptions {
  bool cuda = false; // host-cuda-cuda_capability_61 instead of the host CPU
  // Progress of long compiles ("[3/8] compiling kernel k2 (gemm) ... 1.2 s");
  // nullptr = quiet. The driver passes &llvm::errs() when it wants it.
  llvm::raw_ostream *progress = nullptr;
  // Kernel object cache: "" = $MODELC_CACHE_DIR, else $XDG_CACHE_HOME/modelc,
  // else ~/.cache/modelc. MODELC_CACHE=0 in the environment disables it.
  std::string cacheDir;
  bool useCache = true;
};

// The Halide target string the options select (e.g. for --emit headers).
std::string halideTargetString(const TargetOptions &);

// Per unique kernel name: Halide Funcs from the region's ops + the class
// schedule. Each kernel's dump is headed `// kernel <name> (<kind>)`.
mlir::LogicalResult emitHalideStmt(mlir::ModuleOp, const TargetOptions &,
                                   llvm::raw_ostream &);
mlir::LogicalResult emitAssembly(mlir::ModuleOp, const TargetOptions &,
                                 llvm::raw_ostream &);
mlir::LogicalResult emitPtx(mlir::ModuleOp, const TargetOptions &,
                            llvm::raw_ostream &);

// One materialized tensor of <name>.weights: `source` (checkpoint name, maybe
// transposed) packed into the layout the kernel wants.
struct WeightPlanEntry {
  std::string fileName;           // tensor name in <name>.weights
  std::string source;             // checkpoint name (nn.weight "name")
  bool transposed = false;        // nn.weight ... transposed
  std::vector<int64_t> shape;     // logical shape (the nn.weight result type)
  GemmWeightLayout layout;        // panelWidth 0 for non-GEMM weights too
  bool isGemmWeight = false;      // layout applies (a [K, N] nn.linear weight)
  std::vector<int64_t> fileShape; // shape of the tensor in <name>.weights
};

struct LibraryResult {
  std::vector<WeightPlanEntry> weights; // = modelc_model_info.weights order
  int uniqueKernels = 0, launches = 0;
  int cacheHits = 0;
};

// Writes lib<name>.so, <name>.h, <name>.json into outDir (objects, the
// generated entry C file and the Halide runtime in outDir/obj/).
mlir::FailureOr<LibraryResult> buildLibrary(mlir::ModuleOp,
                                            llvm::StringRef name,
                                            const TargetOptions &,
                                            llvm::StringRef outDir);

// logical (the nn.weight tensor, row-major `shape`) -> file layout
// (`fileShape`, packed for GEMM weights).
void packWeight(const WeightPlanEntry &, const float *logical, float *out);

// Number of floats of `fileShape`.
size_t weightFileElems(const WeightPlanEntry &);

} // namespace modelc::codegen

#endif
