//===- SafetensorsFuzzer.cpp - the compiler's safetensors reader ----------===//
//
// The input is a safetensors file for modelc::frontend::SafetensorsFile
// (which runs runtime/SafetensorsFormat.cpp's validation). When it is
// accepted, every promise of the check is verified: each tensor's bytes lie in
// the file, match its shape and dtype, and are read (so AddressSanitizer sees
// any read out of the buffer); lookups find every tensor.
//
//===----------------------------------------------------------------------===//

#include "frontend/Safetensors.h"
#include "fuzz/FuzzSupport.h"

#include <string>
#include <vector>

using namespace modelc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = fuzz::scratchPath(".safetensors");
  fuzz::writeFile(path, data, size);
  std::vector<std::string> errors;
  auto file = frontend::SafetensorsFile::open(path, errors);
  if (!file) {
    if (errors.empty())
      fuzz::bug("refused without a message");
    return 0;
  }
  if (!errors.empty())
    fuzz::bug("accepted with errors: " + errors[0]);
  volatile uint8_t sink = 0;
  uint64_t covered = 0;
  for (const frontend::TensorInfo &t : file->tensors()) {
    if (file->lookup(t.name) != &t)
      fuzz::bug("lookup('" + t.name + "') does not find it");
    uint64_t bytes = uint64_t(t.numElements()) * t.itemSize;
    if (t.end - t.begin != bytes)
      fuzz::bug("tensor '" + t.name + "' size differs from its shape");
    if (bytes > size)
      fuzz::bug("tensor '" + t.name + "' is larger than the file");
    const auto *p = reinterpret_cast<const uint8_t *>(t.data);
    for (uint64_t i = 0; i < bytes; i += 61)
      sink ^= p[i];
    if (bytes)
      sink ^= p[bytes - 1];
    covered += bytes;
  }
  if (covered > size)
    fuzz::bug("tensors cover more bytes than the file has");
  (void)sink;
  return 0;
}
