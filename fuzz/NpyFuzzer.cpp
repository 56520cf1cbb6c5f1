//===- NpyFuzzer.cpp - libmodelrt's .npy reader ---------------------------===//
//
// The input is a .npy file for mrt_npy_load. When it is accepted, every
// element is read, the tensor is written back with mrt_npy_save and read
// again: the same dtype, shape and bytes.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"
#include "runtime/npy.h"

#include <cstring>
#include <string>

using namespace modelc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = fuzz::scratchPath(".npy");
  static const std::string copy = fuzz::scratchPath("-copy.npy");
  fuzz::writeFile(path, data, size);
  mrt_tensor t;
  if (mrt_npy_load(path.c_str(), &t) != MRT_OK) {
    if (!*mrt_last_error())
      fuzz::bug("refused without a message");
    return 0;
  }
  int64_t n = mrt_tensor_elements(&t);
  if (n < 0 || uint64_t(n) * 4 > size)
    fuzz::bug("more elements than the file holds");
  volatile uint32_t sink = 0;
  for (int64_t i = 0; i < n; ++i)
    sink ^= static_cast<const uint32_t *>(t.data)[i];
  (void)sink;
  if (mrt_npy_save(copy.c_str(), &t) != MRT_OK)
    fuzz::bug(std::string("cannot write back: ") + mrt_last_error());
  mrt_tensor back;
  if (mrt_npy_load(copy.c_str(), &back) != MRT_OK)
    fuzz::bug(std::string("cannot read back: ") + mrt_last_error());
  if (back.dtype != t.dtype || back.rank != t.rank ||
      std::memcmp(back.dims, t.dims, sizeof t.dims) != 0 ||
      (n && std::memcmp(back.data, t.data, size_t(n) * 4) != 0))
    fuzz::bug("the round trip changed the tensor");
  mrt_tensor_release(&back);
  mrt_tensor_release(&t);
  return 0;
}
