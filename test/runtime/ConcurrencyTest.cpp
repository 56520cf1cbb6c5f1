//===- ConcurrencyTest.cpp - one loaded model, eight threads --------------===//
//
// Eight threads share one loaded model and call mrt_run 100 times each, on
// inputs of different shapes (so the arena grows while others wait); every
// output must equal, bit for bit, what the same input gave in a serial run.
// Always on the fake model; on a real compiled model when MODELRT_TEST_MODEL
// names its library (test/runtime/compiled-model.test). The sanitizer stage
// runs this under ThreadSanitizer (scripts/sanitize.sh).
//
//===----------------------------------------------------------------------===//

#include "runtime/modelrt.h"
#include "test/runtime/TestSupport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace mrt::test;

namespace {

constexpr int kThreads = 8;
constexpr int kCallsPerThread = 100;

// One input set (every input of the model) and the outputs of a serial run.
struct Case {
  int64_t batch, seq;
  std::vector<std::vector<uint32_t>> inputs, outputs; // 4-byte elements
  std::vector<mrt_tensor> inTensors, outTensors;
};

int64_t elements(const mrt_tensor &t) { return mrt_tensor_elements(&t); }

// Inputs with the model's shapes; ids in [0, limit) (16 where unlimited,
// which the fake needs), floats in [-1, 1]; distinct per case.
Case makeCase(mrt_model *m, int64_t batch, int64_t seq, int salt) {
  Case c{batch, seq, {}, {}, {}, {}};
  for (int32_t i = 0; i < mrt_num_inputs(m); ++i) {
    mrt_tensor_info info;
    mrt_input_info(m, i, &info);
    mrt_tensor t = tensor(nullptr, info.dtype, {}, nullptr);
    EXPECT_EQ(mrt_input_shape(m, i, batch, seq, &t.rank, t.dims), MRT_OK);
    std::vector<uint32_t> data(elements(t));
    bool isToken = std::strcmp(info.name, "tokens") == 0;
    for (size_t k = 0; k < data.size(); ++k) {
      int64_t mix = int64_t(k) * 7 + salt * 13 + i;
      if (info.dtype == MRT_I32) {
        // Token types are 0/1 in every model; tokens stay below 16.
        data[k] = uint32_t(isToken ? mix % 16 : mix % 2);
      } else {
        float v = float(std::sin(double(mix)));
        std::memcpy(&data[k], &v, 4);
      }
    }
    c.inputs.push_back(std::move(data));
    c.inTensors.push_back(t);
  }
  for (int32_t i = 0; i < mrt_num_outputs(m); ++i) {
    mrt_tensor_info info;
    mrt_output_info(m, i, &info);
    mrt_tensor t = tensor(nullptr, info.dtype, {}, nullptr);
    EXPECT_EQ(mrt_output_shape(m, i, batch, seq, &t.rank, t.dims), MRT_OK);
    c.outTensors.push_back(t);
  }
  for (size_t i = 0; i < c.inputs.size(); ++i)
    c.inTensors[i].data = c.inputs[i].data();
  return c;
}

// Runs `c` into fresh output buffers; returns the status.
mrt_status runCase(mrt_model *m, const Case &c,
                   std::vector<std::vector<uint32_t>> &outputs) {
  std::vector<mrt_tensor> outs = c.outTensors;
  outputs.resize(outs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    outputs[i].assign(elements(outs[i]), 0xFFFFFFFFu);
    outs[i].data = outputs[i].data();
  }
  return mrt_run(m, c.inTensors.data(), (int32_t)c.inTensors.size(),
                 outs.data(), (int32_t)outs.size());
}

void runConcurrently(const std::string &lib) {
  Model model;
  ASSERT_EQ(mrt_load(lib.c_str(), nullptr, &model.m), MRT_OK)
      << mrt_last_error();
  mrt_model *m = model.m;
  int64_t maxSeq = mrt_max_seq(m);
  std::vector<Case> cases;
  cases.reserve(4); // inTensors point into each case's inputs
  const int64_t shapes[][2] = {{1, 1}, {2, 5}, {1, 16}, {3, 7}};
  for (int k = 0; k < 4; ++k)
    cases.push_back(
        makeCase(m, shapes[k][0], std::min<int64_t>(shapes[k][1], maxSeq), k));
  for (Case &c : cases)
    ASSERT_EQ(runCase(m, c, c.outputs), MRT_OK) << mrt_last_error();

  std::atomic<int> ready{0};
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> pool;
  for (int w = 0; w < kThreads; ++w)
    pool.emplace_back([&, w] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) // start together
        std::this_thread::yield();
      std::vector<std::vector<uint32_t>> got;
      for (int i = 0; i < kCallsPerThread; ++i) {
        const Case &c = cases[(w + i) % cases.size()];
        if (runCase(m, c, got) != MRT_OK) {
          if (errors[w].empty())
            errors[w] = mrt_last_error();
          ++mismatches[w];
        } else if (got != c.outputs) {
          ++mismatches[w];
        }
        // Readers that take no lock, while others run.
        EXPECT_GE(mrt_arena_bytes(m), 0);
        EXPECT_GE(mrt_arena_allocations(m), 1);
      }
    });
  for (std::thread &t : pool)
    t.join();
  for (int w = 0; w < kThreads; ++w)
    EXPECT_EQ(mismatches[w], 0) << "thread " << w << ": " << errors[w];
}

TEST(Concurrency, FakeModelMatchesSerialRuns) { runConcurrently(fakeLib); }

TEST(Concurrency, FakeModelTwoInputsMatchesSerialRuns) {
  runConcurrently(fake2Lib);
}

TEST(Concurrency, CompiledModelMatchesSerialRuns) {
  const char *lib = std::getenv("MODELRT_TEST_MODEL");
  if (!lib || !*lib)
    GTEST_SKIP() << "set MODELRT_TEST_MODEL to a compiled lib<name>.so";
  runConcurrently(lib);
}

} // namespace
