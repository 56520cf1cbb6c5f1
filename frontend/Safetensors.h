//===- Safetensors.h - safetensors reader -----------------------*- C++ -*-===//
//
// https://github.com/huggingface/safetensors: an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets}}, then the
// tensor bytes (offsets relative to the end of the header). The reader mmaps
// the file and validates it before anything uses it, with the runtime's own
// check (runtime/SafetensorsFormat.h): compile and run accept the same files.
// The writer is frontend/SafetensorsWriter.h.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_SAFETENSORS_H
#define MODELC_FRONTEND_SAFETENSORS_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace modelc::frontend {

struct TensorInfo {
  std::string name;
  std::string dtype; // as written: F32, I32, F16, BF16, ...
  unsigned itemSize; // bytes per element
  std::vector<int64_t> shape;
  uint64_t begin, end; // byte range in the data section
  const char *data;    // begin, in the mapped file (maybe unaligned)

  int64_t numElements() const;
  /// Only F32 and I32 tensors can be read.
  bool supported() const { return dtype == "F32" || dtype == "I32"; }
};

class SafetensorsFile {
public:
  /// Maps and validates `path`. On failure, every problem found is appended
  /// to `errors` (one message each) and nullptr is returned.
  static std::unique_ptr<SafetensorsFile>
  open(llvm::StringRef path, std::vector<std::string> &errors);

  const TensorInfo *lookup(llvm::StringRef name) const;
  llvm::ArrayRef<TensorInfo> tensors() const { return infos; }
  const llvm::StringMap<std::string> &metadata() const { return meta; }

private:
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<TensorInfo> infos;
  llvm::StringMap<size_t> index;
  llvm::StringMap<std::string> meta;
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_SAFETENSORS_H
