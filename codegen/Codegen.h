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

#include "codegen/GemmLayout.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace modelc::codegen {

/// Attaches the Halide lowering of every nn op (one external model per op
/// family, codegen/lowering/) to the nn dialect of `registry`. Call before
/// creating the context that codegen runs in.
void registerHalideLowerings(mlir::DialectRegistry &registry);

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

/// The Halide target string the options select: the host CPU (or
/// $MODELC_HALIDE_TARGET) or CUDA. Fails, with `error` set, on a target
/// string Halide does not accept.
mlir::FailureOr<std::string> halideTargetString(const TargetOptions &,
                                                std::string &error);

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
  std::string fileName;    // tensor name in <name>.weights
  std::string source;      // checkpoint name (nn.weight "name"), or
                           // the text of a weight expression
  bool transposed = false; // nn.weight ... transposed
  bool computed = false;   // a weight expression, evaluated at compile time
  mlir::Value value;       // the weight in @forward: an nn.weight, or a weight
                           // expression of them (WeightExprOpInterface)
  std::vector<int64_t> shape;     // logical shape (the nn.weight result type)
  GemmWeightLayout layout;        // panelWidth 0 for non-GEMM weights too
  bool isGemmWeight = false;      // layout applies (a [K, N] GEMM weight)
  bool int8 = false;              // int8 elements (nn-quantize-weights)
  std::vector<int64_t> fileShape; // shape of the tensor in <name>.weights
};

// What the library records of the <name>.weights file written for it; the
// runtime refuses a weights file that does not match. {0, 0}: not recorded.
struct WeightsDigest {
  int64_t bytes = 0;
  uint64_t xxh64 = 0;
};

/// A library in the making: kernels compiled, weights planned, not linked.
/// The driver writes <name>.weights from weights() in between, so the
/// library can record that file's digest.
class Library {
public:
  /// Translates every unique kernel of @forward and compiles it to an object
  /// in outDir/obj/ (through the kernel cache); plans the weights.
  static mlir::FailureOr<std::unique_ptr<Library>>
  compile(mlir::ModuleOp, llvm::StringRef name, const TargetOptions &,
          llvm::StringRef outDir);
  ~Library();

  /// The tensors of <name>.weights, in modelc_model_info.weights order.
  const std::vector<WeightPlanEntry> &weights() const;
  int uniqueKernels() const;
  int launches() const;
  int cacheHits() const;

  /// Generates the entry point and writes lib<name>.so, <name>.h and
  /// <name>.json into outDir.
  mlir::LogicalResult link(const WeightsDigest &digest);

  struct Impl;

private:
  explicit Library(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

// Number of elements of `fileShape`.
size_t weightFileElems(const WeightPlanEntry &);

} // namespace modelc::codegen

#endif
