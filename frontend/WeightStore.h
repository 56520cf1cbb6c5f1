//===- WeightStore.h - the weights behind nn.weight -------------*- C++ -*-===//
//
// Resolves the nn.weight symbols of a module: a safetensors checkpoint
// (mmap'ed, never copied whole) or deterministic synthetic weights when the
// user gives none. IR never holds weight data; the driver reads each tensor
// through tensor(), in blocks, as it writes the library's weights.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_WEIGHTSTORE_H
#define MODELC_FRONTEND_WEIGHTSTORE_H

#include "frontend/Safetensors.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"

#include <memory>
#include <optional>
#include <vector>

namespace modelc::frontend {

/// One stored tensor (the checkpoint's layout, row-major), read in blocks so
/// that it is never copied whole. Cheap to copy; valid while its store is.
class StoredTensor {
public:
  /// A tensor computed in memory (a weight expression's value); `fromFile`:
  /// computed from checkpoint tensors, so it may hold NaN or Inf.
  static StoredTensor inMemory(std::vector<int64_t> shape,
                               std::vector<float> values, bool fromFile);

  llvm::ArrayRef<int64_t> shape() const { return dims; }
  int64_t elements() const { return count; }
  /// Whether it can hold NaN or Inf (a checkpoint's can; synthetic ones not).
  bool fromFile() const { return file != nullptr && checkable; }

  /// Elements [begin, begin + n) in stored order: a pointer into the mapped
  /// checkpoint where it is float-aligned, else filled into `scratch`.
  const float *read(int64_t begin, int64_t n,
                    std::vector<float> &scratch) const;
  /// Rows [r0, r0 + nr) and columns [c0, c0 + nc) of the tensor seen as a
  /// matrix [shape[0], elements / shape[0]], into `dst` (nr x nc, row-major).
  void readBlock(int64_t r0, int64_t nr, int64_t c0, int64_t nc,
                 float *dst) const;
  /// The caller is done with elements [begin, begin + n) for now: lets the OS
  /// drop their mapped pages from this process (a no-op when synthetic), so
  /// that the compile's memory does not grow with the checkpoint.
  void release(int64_t begin, int64_t n) const;

private:
  friend class WeightStore;
  enum class Init { Matrix, Scale, Shift };
  void synthesize(int64_t begin, int64_t n, float *dst) const;

  std::vector<int64_t> dims;
  int64_t count = 0;
  const char *file = nullptr; // first byte: in the checkpoint, or in `owned`
  bool mapped = false;        // `file` points into the mapped checkpoint
  bool checkable = true;      // in memory: computed from checkpoint tensors
  std::shared_ptr<const std::vector<float>> owned; // in memory
  uint64_t rngState = 0; // synthetic: (seed, name, shape) mixed
  Init init = Init::Matrix;
};

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

  /// The tensor as stored (`storedShape`: the op's type, reversed when the op
  /// is `transposed`). Call after a successful check(); a tensor check() did
  /// not accept is a fatal internal error.
  StoredTensor tensor(llvm::StringRef name,
                      llvm::ArrayRef<int64_t> storedShape) const;

  /// A NaN or Inf found in a stored tensor: the first (flat index in the
  /// stored shape, and value) and how many the tensor holds.
  struct NonFinite {
    std::string name;
    int64_t index;
    float value;
    int64_t count;
    // Not a checkpoint tensor (a weight expression's value): where and what
    // it is, and its shape.
    std::optional<mlir::Location> loc;
    std::string what;
    std::vector<int64_t> shape;
  };
  /// The tensor as an nn.weight op sees it (transpose applied), row-major,
  /// copied whole: for the operands of weight expressions (WeightEval.h);
  /// the weights themselves are streamed through tensor().
  std::vector<float> materialize(llvm::StringRef name, bool transposed,
                                 llvm::ArrayRef<int64_t> logicalShape) const;

  /// Reports each at the location of the first op that uses its tensor,
  /// sorted by spec position like check()'s errors.
  void emitNonFinite(llvm::ArrayRef<NonFinite> found) const;

  /// Adds a tensor measured by the driver (a calibration statistic a pruning
  /// score reads), served by tensor() and materialize() under `name` like a
  /// checkpoint tensor. A name the checkpoint has is a fatal internal error.
  void addMeasured(llvm::StringRef name, std::vector<int64_t> shape,
                   std::vector<float> values);

  /// Text that changes whenever what tensor() reads may change: the
  /// checkpoint's identity (device, inode, size, modification and change
  /// times) or the seed, the generator and what check() learned. Empty when
  /// unknown.
  std::string identity() const;

  bool isSynthetic() const { return !file; }
  /// The checkpoint path, empty when synthetic.
  llvm::StringRef path() const { return filePath; }

private:
  WeightStore() = default;

  std::unique_ptr<SafetensorsFile> file; // the validated header
  // The checkpoint's bytes, mapped again here: pages this store reads it
  // can also drop (StoredTensor::release), leaving the header's alone.
  std::unique_ptr<llvm::sys::fs::mapped_file_region> data;
  std::string filePath;
  std::string fileIdentity; // from stat() at open()
  uint64_t seed = 0;
  llvm::StringMap<StoredTensor::Init> inits; // synthetic: learned in check()
  llvm::StringMap<StoredTensor> measured;    // addMeasured()
  uint64_t measuredHash = 0;                 // of their names and values
  // Where each tensor is first used, and how to name it, for diagnostics.
  struct Use {
    mlir::Location loc;
    std::string what;           // "checkpoint tensor 'x' (slot)"
    std::vector<int64_t> shape; // as stored
  };
  llvm::StringMap<Use> uses;
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_WEIGHTSTORE_H
