//===- Xxh64.cpp - XXH64 over bytes that arrive in pieces -----------------===//
#include "frontend/Xxh64.h"

#include "llvm/Support/Endian.h"

#include <cstring>

namespace modelc::frontend {
namespace {
constexpr uint64_t P1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t P2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t P3 = 0x165667B19E3779F9ull;
constexpr uint64_t P4 = 0x85EBCA77C2B2AE63ull;
constexpr uint64_t P5 = 0x27D4EB2F165667C5ull;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t read64(const uint8_t *p) { return llvm::support::endian::read64le(p); }
uint32_t read32(const uint8_t *p) { return llvm::support::endian::read32le(p); }

uint64_t round(uint64_t acc, uint64_t input) {
  return rotl(acc + input * P2, 31) * P1;
}
uint64_t merge(uint64_t h, uint64_t acc) {
  return (h ^ round(0, acc)) * P1 + P4;
}
// One 32-byte stripe into the four lanes.
void stripe(uint64_t acc[4], const uint8_t *p) {
  for (int i = 0; i < 4; ++i)
    acc[i] = round(acc[i], read64(p + 8 * i));
}
} // namespace

Xxh64::Xxh64() : acc{P1 + P2, P2, 0, 0 - P1} {}

void Xxh64::update(llvm::ArrayRef<uint8_t> bytes) {
  const uint8_t *p = bytes.data(), *end = p + bytes.size();
  total += bytes.size();
  if (pendingSize) {
    size_t take = std::min<size_t>(32 - pendingSize, end - p);
    std::memcpy(pending + pendingSize, p, take);
    pendingSize += take;
    p += take;
    if (pendingSize < 32)
      return;
    stripe(acc, pending);
    pendingSize = 0;
  }
  for (; end - p >= 32; p += 32)
    stripe(acc, p);
  std::memcpy(pending, p, end - p);
  pendingSize = end - p;
}

uint64_t Xxh64::digest() const {
  uint64_t h;
  if (total >= 32) {
    h = rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18);
    for (uint64_t a : acc)
      h = merge(h, a);
  } else {
    h = acc[2] + P5; // the seed + P5
  }
  h += total;
  const uint8_t *p = pending, *end = pending + pendingSize;
  for (; end - p >= 8; p += 8)
    h = rotl(h ^ round(0, read64(p)), 27) * P1 + P4;
  if (end - p >= 4) {
    h = rotl(h ^ (uint64_t(read32(p)) * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p)
    h = rotl(h ^ (*p * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

} // namespace modelc::frontend
