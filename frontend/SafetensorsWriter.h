//===- SafetensorsWriter.h - a safetensors file, written in pieces -*- C++ -*-//
//
// The header is laid out from the tensors' names and shapes before any data
// (every size is known up front) and the file's whole size is reserved on
// disk, so that a full disk fails before the first byte. The data is then
// appended in order, in pieces of any size, and hashed (XXH64) as it is
// written: the file is never held in memory, nor read back.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_SAFETENSORSWRITER_H
#define MODELC_FRONTEND_SAFETENSORSWRITER_H

#include "runtime/XXHash64.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace modelc::frontend {

/// One tensor of the file: its name and shape, F32 or I8.
struct TensorEntry {
  std::string name;
  std::vector<int64_t> shape;
  bool int8 = false;
};

/// Where the data section starts in the file, and so where a tensor whose
/// offset is a multiple of it lies: a cache line, so that the kernels' 64-byte
/// vector loads of a weight panel never straddle two lines (a split load
/// costs a second L1 access: mlp.up 249 -> 275 GFLOP/s on an Intel Xeon).
constexpr uint64_t kDataAlign = 64;

class SafetensorsWriter {
public:
  /// Creates `path` holding the header of `tensors` (data in the given
  /// order, from a kDataAlign-aligned start) with `metadata` as __metadata__,
  /// and reserves the file's full size. Fails with a message in `err`: a
  /// duplicate name, a negative or overflowing shape, a file that cannot be
  /// created, or a disk without room for the whole file.
  static std::unique_ptr<SafetensorsWriter>
  create(llvm::StringRef path, llvm::ArrayRef<TensorEntry> tensors,
         const std::map<std::string, std::string> &metadata, std::string &err);
  /// The order to give `tensors` in (indices into it) so that every one whose
  /// size is a whole number of kDataAlign lines starts on one: those first, in
  /// their order, then the rest, which would shift every tensor after them.
  static std::vector<size_t> alignedOrder(llvm::ArrayRef<TensorEntry> tensors);
  ~SafetensorsWriter();

  /// Appends the next `count` floats of the data section (tensor after
  /// tensor, row-major; a tensor may come in several pieces).
  mlir::LogicalResult write(const float *data, size_t count, std::string &err);
  /// Appends the next `count` bytes of the data section (an I8 tensor's).
  mlir::LogicalResult write(const int8_t *data, size_t count, std::string &err);
  /// Checks that every tensor was written in full and closes the file.
  mlir::LogicalResult finish(std::string &err);

  /// Bytes of the whole file (header and data), known from create().
  uint64_t fileBytes() const { return total; }
  /// XXH64 of the whole file, after finish().
  uint64_t xxh64() const { return hash.digest(); }

private:
  SafetensorsWriter(std::string path, int fd, uint64_t total)
      : path(std::move(path)), fd(fd), total(total) {}
  mlir::LogicalResult put(const void *data, size_t size, std::string &err);

  std::string path;
  int fd;
  uint64_t total;
  mrt::Xxh64 hash; // of the bytes written so far; hash.length() counts them
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_SAFETENSORSWRITER_H
