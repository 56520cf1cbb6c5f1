//===- TestSupport.h - helpers of the libmodelrt unit tests -----*- C++ -*-===//
#ifndef MODELRT_TEST_TESTSUPPORT_H
#define MODELRT_TEST_TESTSUPPORT_H

#include "runtime/modelrt.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace mrt::test {

// <build>/test/runtime: the fakes, their weights and the generator.
inline const std::string dir = MODELRT_TEST_DIR;
inline const std::string fakeLib = dir + "/libfake.so";
inline const std::string fake2Lib = dir + "/libfake2.so";

inline std::string tmpPath(const std::string &name) {
  return testing::TempDir() + "/modelrt_" + std::to_string(getpid()) + "_" +
         name;
}

struct Model {
  mrt_model *m = nullptr;
  ~Model() { mrt_free(m); }
};

inline mrt_tensor tensor(const char *name, int32_t dtype,
                         std::vector<int64_t> dims, void *data) {
  mrt_tensor t;
  std::memset(&t, 0, sizeof t);
  t.name = name;
  t.dtype = dtype;
  t.rank = (int32_t)dims.size();
  for (size_t i = 0; i < dims.size(); ++i)
    t.dims[i] = dims[i];
  t.data = data;
  return t;
}

} // namespace mrt::test

#endif // MODELRT_TEST_TESTSUPPORT_H
