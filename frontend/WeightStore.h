//===- WeightStore.h - the weights behind nn.weight -------------*- C++ -*-===//
//
// Resolves the nn.weight symbols of a module: a safetensors checkpoint
// (mmap'ed, never copied whole) or deterministic synthetic weights when the
// user gives none. IR never holds weight data; codegen asks materialize().
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_WEIGHTSTORE_H
#define MODELC_FRONTEND_WEIGHTSTORE_H

#include "frontend/Safetensors.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <optional>
#include <vector>

namespace modelc::frontend {

class WeightStore {
public:
  /// Opens a checkpoint; every header problem is reported as a diagnostic at
  /// FileLineColLoc(path, 0, 0).
  static mlir::FailureOr<std::unique_ptr<WeightStore>>
  open(llvm::StringRef path, mlir::MLIRContext &ctx);

  /// Deterministic random weights, a function of (seed, name, shape): linear
  /// and embedding tables ~N(0, 0.02), norm scales ~1, biases small.
  static std::unique_ptr<WeightStore> synthetic(uint64_t seed);

  /// Checks every nn.weight of `module`: present, F32, stored shape equal to
  /// the op's type (its transpose when `transposed`). Reports all problems,
  /// each at the op's location, naming the checkpoint tensor.
  mlir::LogicalResult check(mlir::ModuleOp module);

  /// The tensor as an nn.weight op sees it (transpose applied), row-major.
  /// Call after a successful check(); a mismatch is a fatal internal error.
  std::vector<float> materialize(llvm::StringRef name, bool transposed,
                                 llvm::ArrayRef<int64_t> logicalShape);

  bool isSynthetic() const { return !file; }
  /// The checkpoint path, empty when synthetic.
  llvm::StringRef path() const { return filePath; }

private:
  enum class Init { Matrix, Scale, Shift };
  WeightStore() = default;
  std::vector<float> stored(llvm::StringRef name,
                            llvm::ArrayRef<int64_t> shape);

  std::unique_ptr<SafetensorsFile> file;
  std::string filePath;
  uint64_t seed = 0;
  llvm::StringMap<Init> inits; // synthetic: learned from the ops in check()
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_WEIGHTSTORE_H
