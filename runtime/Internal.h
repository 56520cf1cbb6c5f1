//===- Internal.h - libmodelrt internals (not installed) -------*- C++ -*-===//
//
// Error reporting, aligned allocation and checked sizes shared by the
// runtime's sources. No MLIR, no LLVM, no Halide.
//
//===----------------------------------------------------------------------===//
#ifndef MODELRT_INTERNAL_H
#define MODELRT_INTERNAL_H

#include "runtime/modelrt.h"

#include <cstdint>
#include <string>

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

// This machine's memory: no arena or tensor larger than it is allocated
// (with overcommit such an allocation could succeed and fail on first use).
int64_t physicalMemoryBytes();

// The product of `rank` dims: false when a dim is negative or the product
// (or, with itemSize, its bytes) overflows int64.
bool checkedElements(const int64_t *dims, int32_t rank, int64_t &elements);
bool checkedBytes(const int64_t *dims, int32_t rank, int64_t itemSize,
                  int64_t &bytes);

} // namespace mrt

#endif // MODELRT_INTERNAL_H
