//===- XXHash64.h - XXH64, the digest of a weights file ---------*- C++ -*-===//
//
// The 64-bit xxHash (https://github.com/Cyan4973/xxHash, XXH64), the same
// function as llvm::xxHash64, with which the compiler records the digest of
// <name>.weights in the library (modelc_model_info.weights_xxh64). A fast
// non-cryptographic checksum: it catches another model's weights, a
// truncated or altered file, not a deliberate forgery. Dependency-free, so a
// writer that hashes a file as it writes it can share it (Xxh64).
//
//===----------------------------------------------------------------------===//
#ifndef MODELRT_XXHASH64_H
#define MODELRT_XXHASH64_H

#include <cstddef>
#include <cstdint>

namespace mrt {

/// XXH64 over bytes that arrive in pieces: digest() after update(a),
/// update(b) is xxh64 of a followed by b.
class Xxh64 {
public:
  explicit Xxh64(uint64_t seed = 0);
  void update(const void *data, size_t size);
  /// The hash of everything so far; update() may continue afterwards.
  uint64_t digest() const;
  uint64_t length() const { return total; }

private:
  uint64_t seed;
  uint64_t acc[4];
  unsigned char pending[32]; // an incomplete 32-byte stripe
  size_t pendingSize = 0;
  uint64_t total = 0;
};

uint64_t xxh64(const void *data, size_t size, uint64_t seed = 0);

} // namespace mrt

#endif // MODELRT_XXHASH64_H
