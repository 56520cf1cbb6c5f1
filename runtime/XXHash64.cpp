//===- XXHash64.cpp - XXH64 -----------------------------------------------===//
//
// The reference algorithm (xxHash's XXH64, little-endian reads): four
// accumulators over 32-byte stripes, merged, then the tail in 8-, 4- and
// 1-byte steps and a final avalanche.
//
//===----------------------------------------------------------------------===//

#include "runtime/XXHash64.h"

#include <algorithm>
#include <cstring>

namespace mrt {
namespace {

constexpr uint64_t P1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t P2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t P3 = 0x165667B19E3779F9ULL;
constexpr uint64_t P4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t P5 = 0x27D4EB2F165667C5ULL;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Little-endian hosts only (x86, the targets here), like the writer.
inline uint64_t read64(const unsigned char *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t read32(const unsigned char *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t round(uint64_t acc, uint64_t input) {
  acc += input * P2;
  acc = rotl(acc, 31);
  return acc * P1;
}

inline uint64_t merge(uint64_t acc, uint64_t lane) {
  acc ^= round(0, lane);
  return acc * P1 + P4;
}

// One 32-byte stripe into the four lanes.
inline void stripe(uint64_t acc[4], const unsigned char *p) {
  for (int i = 0; i < 4; ++i)
    acc[i] = round(acc[i], read64(p + 8 * i));
}

} // namespace

Xxh64::Xxh64(uint64_t seed)
    : seed(seed), acc{seed + P1 + P2, seed + P2, seed, seed - P1} {}

void Xxh64::update(const void *data, size_t size) {
  if (size == 0)
    return; // data may be NULL then
  const unsigned char *p = static_cast<const unsigned char *>(data);
  const unsigned char *end = p + size;
  total += size;
  if (pendingSize) {
    size_t take = std::min<size_t>(32 - pendingSize, size);
    std::memcpy(pending + pendingSize, p, take);
    pendingSize += take;
    p += take;
    if (pendingSize < 32)
      return;
    stripe(acc, pending);
    pendingSize = 0;
  }
  // The lanes in four locals (registers): the input bytes may alias the
  // members, which would keep them in memory.
  uint64_t v1 = acc[0], v2 = acc[1], v3 = acc[2], v4 = acc[3];
  for (; end - p >= 32; p += 32) {
    v1 = round(v1, read64(p));
    v2 = round(v2, read64(p + 8));
    v3 = round(v3, read64(p + 16));
    v4 = round(v4, read64(p + 24));
  }
  acc[0] = v1;
  acc[1] = v2;
  acc[2] = v3;
  acc[3] = v4;
  pendingSize = static_cast<size_t>(end - p);
  if (pendingSize)
    std::memcpy(pending, p, pendingSize);
}

uint64_t Xxh64::digest() const {
  uint64_t h;
  if (total >= 32) {
    h = rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18);
    for (uint64_t lane : acc)
      h = merge(h, lane);
  } else {
    h = seed + P5;
  }
  h += total;
  const unsigned char *p = pending, *end = pending + pendingSize;
  for (; end - p >= 8; p += 8)
    h = rotl(h ^ round(0, read64(p)), 27) * P1 + P4;
  if (end - p >= 4) {
    h = rotl(h ^ (static_cast<uint64_t>(read32(p)) * P1), 23) * P2 + P3;
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

uint64_t xxh64(const void *data, size_t size, uint64_t seed) {
  Xxh64 h(seed);
  h.update(data, size);
  return h.digest();
}

} // namespace mrt
