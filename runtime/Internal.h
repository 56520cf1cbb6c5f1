//===- Internal.h - libmodelrt internals (not installed) -------*- C++ -*-===//
//
// Error reporting shared by the runtime's sources, and the small JSON reader
// used for safetensors headers. No MLIR, no LLVM, no Halide.
//
//===----------------------------------------------------------------------===//
#ifndef MODELRT_INTERNAL_H
#define MODELRT_INTERNAL_H

#include "runtime/modelrt.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mrt {

// Sets this thread's last error and returns `status`.
mrt_status fail(mrt_status status, std::string message);
void clearError();

// 64-byte aligned allocation (never NULL for bytes == 0: returns 64 bytes).
void *alignedAlloc(size_t bytes);
void alignedFree(void *p);

// Human-readable "f32" / "i32".
const char *dtypeName(int32_t dtype);
// "[batch, seq, 4]" or "[1, 8, 4]".
std::string dimsString(const int64_t *dims, int32_t rank);

//===-- a minimal JSON reader (objects keep key order)
//---------------------===//
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  bool isInteger = false; // the literal had no fraction/exponent
  int64_t integer = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  const Json *get(const std::string &key) const;
};

// Parses `text`; on error returns false with a message naming the offset.
bool parseJson(const char *text, size_t size, Json &out, std::string &error);

} // namespace mrt

#endif // MODELRT_INTERNAL_H
