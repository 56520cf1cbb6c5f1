//===- XXHash64.h - XXH64, the digest of a weights file ---------*- C++ -*-===//
//
// The 64-bit xxHash (https://github.com/Cyan4973/xxHash, XXH64), the same
// function as llvm::xxHash64, with which the compiler records the digest of
// <name>.weights in the library (modelc_model_info.weights_xxh64). A fast
// non-cryptographic checksum: it catches another model's weights, a
// truncated or altered file, not a deliberate forgery. Dependency-free.
//
//===----------------------------------------------------------------------===//
#ifndef MODELRT_XXHASH64_H
#define MODELRT_XXHASH64_H

#include <cstddef>
#include <cstdint>

namespace mrt {

uint64_t xxh64(const void *data, size_t size, uint64_t seed = 0);

} // namespace mrt

#endif // MODELRT_XXHASH64_H
