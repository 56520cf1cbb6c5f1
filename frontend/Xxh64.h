//===- Xxh64.h - XXH64 over bytes that arrive in pieces ---------*- C++ -*-===//
//
// llvm::xxHash64 hashes one buffer; the weights writer hashes a file as it
// writes it, piece by piece, so it needs the streaming form of the same
// function (https://github.com/Cyan4973/xxHash, XXH64, seed 0).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_XXH64_H
#define MODELC_FRONTEND_XXH64_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace modelc::frontend {

/// XXH64 with seed 0: digest() after update(a), update(b) equals
/// llvm::xxHash64 of a followed by b.
class Xxh64 {
public:
  Xxh64();
  void update(llvm::ArrayRef<uint8_t> bytes);
  void update(const void *data, size_t size) {
    update(llvm::ArrayRef<uint8_t>(static_cast<const uint8_t *>(data), size));
  }
  /// The hash of everything so far; update() may continue afterwards.
  uint64_t digest() const;
  uint64_t length() const { return total; }

private:
  uint64_t acc[4];
  uint8_t pending[32]; // the bytes of an incomplete 32-byte stripe
  unsigned pendingSize = 0;
  uint64_t total = 0;
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_XXH64_H
