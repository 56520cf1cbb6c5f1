//===- SafetensorsFormat.h - the one safetensors validation -----*- C++ -*-===//
//
// https://github.com/huggingface/safetensors: an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets}, optional
// "__metadata__": {string: string}}, then the data section (offsets are
// relative to its start). This is the single check of that layout: the
// runtime's loader (runtime/modelrt.cpp) and the compiler's reader
// (frontend/Safetensors.cpp) both call it, so they accept exactly the same
// files with the same messages. Dependency-free (C++ standard library only).
//
// Checked, as the reference implementation does: the header fits the file
// and kMaxHeaderBytes; it is UTF-8 JSON starting with '{', without repeated
// keys; every entry has a known dtype, a shape of non-negative integers and
// data_offsets [begin, end] inside the data section whose size is exactly
// the shape's bytes; metadata values are strings; the tensors' bytes do not
// overlap and, together, cover the data section without a gap.
//
//===----------------------------------------------------------------------===//
#ifndef MODELRT_SAFETENSORSFORMAT_H
#define MODELRT_SAFETENSORSFORMAT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mrt::safetensors {

/// Headers longer than this are refused (the reference implementation's
/// limit), so that a corrupt length cannot make a reader parse gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100000000;

struct Tensor {
  std::string name;
  std::string dtype;     // as written: F32, I32, F16, BF16, ...
  unsigned itemSize = 0; // bytes per element
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0; // byte range in the data section
};

struct Header {
  uint64_t dataStart = 0; // file offset of the data section: 8 + N
  uint64_t dataSize = 0;
  std::vector<Tensor> tensors; // in header order
  std::vector<std::pair<std::string, std::string>> metadata;
};

/// Bytes per element of a dtype name (F64 ... F8_E5M2); 0 when unknown.
unsigned dtypeSize(const std::string &dtype);

/// "[2, 3]".
std::string shapeString(const std::vector<int64_t> &shape);

/// Validates the file `file[0, size)` (its first 8 + N bytes are read). On
/// success fills `out` and returns true; otherwise appends every problem
/// found to `errors`, one message each (no prefix: callers name the file),
/// and returns false.
bool readHeader(const uint8_t *file, uint64_t size, Header &out,
                std::vector<std::string> &errors);

} // namespace mrt::safetensors

#endif // MODELRT_SAFETENSORSFORMAT_H
