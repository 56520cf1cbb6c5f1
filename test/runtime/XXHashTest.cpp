//===- XXHashTest.cpp - the runtime's XXH64 against llvm::xxHash64 --------===//
//
// The compiler records llvm::xxHash64 of <name>.weights; libmodelrt
// recomputes it with runtime/XXHash64.cpp. Every length up to 1 KiB (all
// stripe/tail combinations) and a few large ones must agree, in one piece
// and fed to Xxh64 in random pieces (empty ones included).
//
//===----------------------------------------------------------------------===//

#include "runtime/XXHash64.h"

#include "llvm/Support/xxhash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace {

TEST(XXH64, EqualsLlvmXxHash64) {
  std::mt19937_64 random(42);
  std::vector<uint8_t> data(3 << 20);
  for (uint8_t &b : data)
    b = static_cast<uint8_t>(random());
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 1024; ++n)
    sizes.push_back(n);
  for (size_t n : {4095, 4096, 65537, 1 << 20, 3 << 20})
    sizes.push_back(n);
  for (size_t n : sizes)
    for (size_t offset : {0, 1, 3}) { // unaligned starts too
      if (offset + n > data.size())
        continue;
      llvm::ArrayRef<uint8_t> bytes(data.data() + offset, n);
      uint64_t want = llvm::xxHash64(bytes);
      ASSERT_EQ(mrt::xxh64(bytes.data(), n), want)
          << "size " << n << " offset " << offset;
      mrt::Xxh64 pieces;
      for (size_t at = 0; at < n;) {
        size_t k = std::min<size_t>(n - at, random() % 70);
        pieces.update(bytes.data() + at, k);
        at += k;
      }
      pieces.update(nullptr, 0);
      ASSERT_EQ(pieces.digest(), want) << "size " << n << " in pieces";
      ASSERT_EQ(pieces.length(), n);
    }
}

} // namespace
