//===- RuntimeTest.cpp - libmodelrt unit tests against the fake model -----===//

#include "runtime/modelc_abi.h"
#include "runtime/modelrt.h"
#include "runtime/npy.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

const std::string dir = MODELRT_TEST_DIR;
const std::string fakeLib = dir + "/libfake.so";
const std::string fake2Lib = dir + "/libfake2.so";

std::string tmpPath(const std::string &name) {
  return testing::TempDir() + "/modelrt_" + std::to_string(getpid()) + "_" +
         name;
}

// Writes a weights variant with the generator built beside the tests.
std::string makeWeights(const std::string &variant) {
  std::string path = tmpPath(variant + ".weights");
  std::string cmd = dir + "/fake_weights_gen " + path + " " + variant;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return path;
}

struct Model {
  mrt_model *m = nullptr;
  ~Model() { mrt_free(m); }
};

mrt_tensor tensor(const char *name, int32_t dtype, std::vector<int64_t> dims,
                  void *data) {
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

float expected(int32_t token, int j, int32_t type = 0) {
  return 10.0f * (token % 16) + j + 0.5f * j + 100.0f * type;
}

TEST(Runtime, LoadAndSignature) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK)
      << mrt_last_error();
  mrt_model *m = model.m;
  EXPECT_STREQ(mrt_model_name(m), "fake");
  EXPECT_STREQ(mrt_model_target(m), "cpu");
  EXPECT_EQ(mrt_max_seq(m), 16);
  EXPECT_EQ(mrt_num_inputs(m), 1);
  EXPECT_EQ(mrt_num_outputs(m), 1);
  EXPECT_EQ(mrt_num_weights(m), 2);
  EXPECT_EQ(mrt_num_kernels(m), 3);
  EXPECT_EQ(std::string(mrt_model_weights_path(m)), dir + "/fake.weights");
  EXPECT_STREQ(mrt_signature(m),
               "tokens: i32[batch, seq] -> logits: f32[batch, seq, 4]");
  mrt_tensor_info info;
  ASSERT_EQ(mrt_input_info(m, 0, &info), MRT_OK);
  EXPECT_STREQ(info.name, "tokens");
  EXPECT_EQ(info.dtype, MRT_I32);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], MRT_DIM_BATCH);
  EXPECT_EQ(info.dims[1], MRT_DIM_SEQ);
  ASSERT_EQ(mrt_output_info(m, 0, &info), MRT_OK);
  EXPECT_STREQ(info.name, "logits");
  EXPECT_EQ(info.rank, 3);
  EXPECT_EQ(info.dims[2], 4);
  EXPECT_EQ(mrt_output_info(m, 1, &info), MRT_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mrt_last_error()).find("out of range"),
            std::string::npos);
  ASSERT_EQ(mrt_weight_info(m, 0, &info), MRT_OK);
  EXPECT_STREQ(info.name, "embed");
  mrt_kernel_info k;
  ASSERT_EQ(mrt_kernel_info_at(m, 1, &k), MRT_OK);
  EXPECT_STREQ(k.name, "layer0.head");
  EXPECT_STREQ(k.kind, "gemm");
  // flops: 8 * tokens + 2 * tokens * seq
  EXPECT_DOUBLE_EQ(mrt_kernel_flops(m, 1, 2, 3), 8.0 * 6 + 2.0 * 6 * 3);
  int32_t rank;
  int64_t dims[MRT_MAX_RANK];
  ASSERT_EQ(mrt_output_shape(m, 0, 2, 5, &rank, dims), MRT_OK);
  EXPECT_EQ(rank, 3);
  EXPECT_EQ(dims[0], 2);
  EXPECT_EQ(dims[1], 5);
  EXPECT_EQ(dims[2], 4);
  ASSERT_EQ(mrt_input_shape(m, 0, 2, 5, &rank, dims), MRT_OK);
  EXPECT_EQ(rank, 2);
  EXPECT_EQ(dims[0], 2);
  EXPECT_EQ(dims[1], 5);
  EXPECT_EQ(mrt_input_shape(m, 7, 2, 5, &rank, dims), MRT_INVALID_ARGUMENT);
}

TEST(Runtime, RunComputesAndReusesArena) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK)
      << mrt_last_error();
  EXPECT_EQ(mrt_arena_allocations(model.m), 0);
  for (int64_t seq : {3, 3, 2, 5, 1, 5}) {
    const int64_t batch = 2;
    std::vector<int32_t> tokens(batch * seq);
    for (size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = (int32_t)(i * 7 + seq);
    std::vector<float> logits(batch * seq * 4, -1.f);
    mrt_tensor in = tensor("tokens", MRT_I32, {batch, seq}, tokens.data());
    mrt_tensor out = tensor("logits", MRT_F32, {batch, seq, 4}, logits.data());
    ASSERT_EQ(mrt_run(model.m, &in, 1, &out, 1), MRT_OK) << mrt_last_error();
    for (size_t t = 0; t < tokens.size(); ++t)
      for (int j = 0; j < 4; ++j)
        ASSERT_FLOAT_EQ(logits[t * 4 + j], expected(tokens[t], j));
  }
  // Grew for seq 3 then for seq 5; smaller and equal runs reused it.
  EXPECT_EQ(mrt_arena_allocations(model.m), 2);
  EXPECT_GE(mrt_arena_bytes(model.m), 2 * 5 * 16);
  ASSERT_EQ(mrt_reserve(model.m, 4, 16), MRT_OK);
  EXPECT_EQ(mrt_arena_allocations(model.m), 3);
  EXPECT_GE(mrt_arena_bytes(model.m), 4 * 16 * 16);
}

TEST(Runtime, PositionalAndProfiled) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK);
  int32_t tokens[4] = {1, 2, 3, 17};
  float logits[16];
  mrt_tensor in = tensor(nullptr, MRT_I32, {1, 4}, tokens);
  mrt_tensor out = tensor(nullptr, MRT_F32, {1, 4, 4}, logits);
  double secs[3] = {-1, -1, -1};
  ASSERT_EQ(mrt_run_profiled(model.m, &in, 1, &out, 1, secs), MRT_OK)
      << mrt_last_error();
  for (double s : secs)
    EXPECT_GE(s, 0.0);
  EXPECT_FLOAT_EQ(logits[3 * 4 + 1], expected(17, 1));
}

TEST(Runtime, Threads) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK);
  // The fake records what it was told; it is the same (refcounted) library.
  void *h = dlopen(fakeLib.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr);
  auto threads = (int32_t(*)())dlsym(h, "fake_num_threads");
  ASSERT_NE(threads, nullptr);
  EXPECT_EQ(mrt_set_num_threads(model.m, 3), MRT_OK);
  EXPECT_EQ(threads(), 3);
  EXPECT_EQ(mrt_set_num_threads(model.m, 0), MRT_OK);
  EXPECT_EQ(threads(), 0);
  EXPECT_EQ(mrt_set_num_threads(model.m, -2), MRT_INVALID_ARGUMENT);
  dlclose(h);
}

TEST(Runtime, ConcurrentRunsSerialize) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK);
  std::vector<std::thread> pool;
  std::vector<int> failures(4, 0);
  for (int w = 0; w < 4; ++w)
    pool.emplace_back([&, w] {
      for (int it = 0; it < 200; ++it) {
        int64_t seq = 1 + (w + it) % 16;
        std::vector<int32_t> tok(seq, w + it);
        std::vector<float> out(seq * 4);
        mrt_tensor i = tensor("tokens", MRT_I32, {1, seq}, tok.data());
        mrt_tensor o = tensor("logits", MRT_F32, {1, seq, 4}, out.data());
        if (mrt_run(model.m, &i, 1, &o, 1) != MRT_OK ||
            out[seq * 4 - 1] != expected(w + it, 3))
          failures[w]++;
      }
    });
  for (auto &t : pool)
    t.join();
  for (int f : failures)
    EXPECT_EQ(f, 0);
}

TEST(Runtime, TwoInputsByName) {
  Model model;
  ASSERT_EQ(mrt_load(fake2Lib.c_str(), nullptr, &model.m), MRT_OK)
      << mrt_last_error();
  int32_t tokens[2] = {4, 5}, types[2] = {1, 0};
  float logits[8];
  // Given in the other order: matched by name.
  mrt_tensor in[2] = {tensor("token_types", MRT_I32, {1, 2}, types),
                      tensor("tokens", MRT_I32, {1, 2}, tokens)};
  mrt_tensor out = tensor("logits", MRT_F32, {1, 2, 4}, logits);
  ASSERT_EQ(mrt_run(model.m, in, 2, &out, 1), MRT_OK) << mrt_last_error();
  EXPECT_FLOAT_EQ(logits[0], expected(4, 0, 1));
  EXPECT_FLOAT_EQ(logits[4 + 2], expected(5, 2, 0));
  // Disagreeing seq between inputs.
  in[0].dims[1] = 1;
  EXPECT_EQ(mrt_run(model.m, in, 2, &out, 1), MRT_SHAPE_MISMATCH);
  EXPECT_NE(std::string(mrt_last_error()).find("disagree on seq"),
            std::string::npos)
      << mrt_last_error();
  // Missing one.
  EXPECT_EQ(mrt_run(model.m, in + 1, 1, &out, 1), MRT_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mrt_last_error()).find("takes 2 inputs"),
            std::string::npos)
      << mrt_last_error();
}

TEST(Runtime, InputValidation) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK);
  std::vector<int32_t> tok(64, 1);
  std::vector<float> out(64 * 4 * 4);
  struct Case {
    mrt_tensor in, out;
    mrt_status status;
    const char *message;
  } cases[] = {
      {tensor("tokenz", MRT_I32, {1, 2}, tok.data()),
       tensor("logits", MRT_F32, {1, 2, 4}, out.data()), MRT_INVALID_ARGUMENT,
       "unknown input 'tokenz'"},
      {tensor("tokens", MRT_F32, {1, 2}, tok.data()),
       tensor("logits", MRT_F32, {1, 2, 4}, out.data()), MRT_DTYPE_MISMATCH,
       "must be i32, got f32"},
      {tensor("tokens", MRT_I32, {1, 2, 1}, tok.data()),
       tensor("logits", MRT_F32, {1, 2, 4}, out.data()), MRT_SHAPE_MISMATCH,
       "must have rank 2"},
      {tensor("tokens", MRT_I32, {1, 17}, tok.data()),
       tensor("logits", MRT_F32, {1, 17, 4}, out.data()), MRT_SHAPE_MISMATCH,
       "exceeds the model's max_seq 16"},
      {tensor("tokens", MRT_I32, {0, 2}, tok.data()),
       tensor("logits", MRT_F32, {0, 2, 4}, out.data()), MRT_INVALID_ARGUMENT,
       "batch must be >= 1"},
      {tensor("tokens", MRT_I32, {1, 0}, tok.data()),
       tensor("logits", MRT_F32, {1, 0, 4}, out.data()), MRT_INVALID_ARGUMENT,
       "seq must be >= 1"},
      {tensor("tokens", MRT_I32, {1, 2}, tok.data()),
       tensor("logits", MRT_F32, {1, 3, 4}, out.data()), MRT_SHAPE_MISMATCH,
       "output 'logits' must be f32[1, 2, 4]"},
      {tensor("tokens", MRT_I32, {1, 2}, tok.data()),
       tensor("logitz", MRT_F32, {1, 2, 4}, out.data()), MRT_INVALID_ARGUMENT,
       "unknown output 'logitz'"},
      {tensor("tokens", MRT_I32, {1, 2}, nullptr),
       tensor("logits", MRT_F32, {1, 2, 4}, out.data()), MRT_INVALID_ARGUMENT,
       "has no data"},
  };
  for (auto &c : cases) {
    EXPECT_EQ(mrt_run(model.m, &c.in, 1, &c.out, 1), c.status) << c.message;
    EXPECT_NE(std::string(mrt_last_error()).find(c.message), std::string::npos)
        << "expected '" << c.message << "' in: " << mrt_last_error();
  }
  EXPECT_EQ(mrt_run(nullptr, nullptr, 0, nullptr, 0), MRT_INVALID_ARGUMENT);
}

TEST(Runtime, KernelFailureCarriesHandlerMessage) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK);
  int32_t tokens[2] = {3, -5};
  float logits[8];
  mrt_tensor in = tensor("tokens", MRT_I32, {1, 2}, tokens);
  mrt_tensor out = tensor("logits", MRT_F32, {1, 2, 4}, logits);
  EXPECT_EQ(mrt_run(model.m, &in, 1, &out, 1), MRT_KERNEL_FAILURE);
  std::string e = mrt_last_error();
  EXPECT_NE(e.find("kernel launch 0 'embed' (embedding) failed"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("token -5 at position 1 is negative"), std::string::npos)
      << e;
  // The next good run succeeds and clears the error.
  tokens[1] = 2;
  EXPECT_EQ(mrt_run(model.m, &in, 1, &out, 1), MRT_OK);
  EXPECT_STREQ(mrt_last_error(), "");
}

TEST(Runtime, LoadErrors) {
  mrt_model *m = nullptr;
  EXPECT_EQ(mrt_load((dir + "/libnope.so").c_str(), nullptr, &m), MRT_IO_ERROR);
  EXPECT_NE(std::string(mrt_last_error()).find("No such file"),
            std::string::npos);
  EXPECT_EQ(mrt_load((dir + "/libnotamodel.so").c_str(), nullptr, &m),
            MRT_ABI_MISMATCH);
  EXPECT_NE(std::string(mrt_last_error()).find("not a modelc model library"),
            std::string::npos);
  EXPECT_EQ(mrt_load((dir + "/libfake_abi99.so").c_str(), nullptr, &m),
            MRT_ABI_MISMATCH);
  EXPECT_NE(std::string(mrt_last_error()).find("ABI version 99"),
            std::string::npos);
  // Not a shared object at all.
  EXPECT_EQ(mrt_load((dir + "/fake.weights").c_str(), nullptr, &m),
            MRT_BAD_FORMAT);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(mrt_load(nullptr, nullptr, &m), MRT_INVALID_ARGUMENT);
}

TEST(Runtime, WeightErrors) {
  struct Case {
    const char *variant;
    mrt_status status;
    const char *message;
  } cases[] = {
      {"missing", MRT_BAD_FORMAT, "missing tensor 'bias' (expected f32[4])"},
      {"misshaped", MRT_SHAPE_MISMATCH,
       "tensor 'bias' has shape [5], expected [4]"},
      {"wrongdtype", MRT_DTYPE_MISMATCH,
       "tensor 'bias' has dtype I32, expected F32"},
      {"truncated", MRT_BAD_FORMAT, "run past the end of the data"},
      {"garbage", MRT_BAD_FORMAT, "exceeds the file"},
      {"badjson", MRT_BAD_FORMAT, "header JSON"},
      {"empty", MRT_BAD_FORMAT, "shorter than the 8-byte header length"},
  };
  for (auto &c : cases) {
    std::string w = makeWeights(c.variant);
    mrt_model *m = nullptr;
    EXPECT_EQ(mrt_load(fakeLib.c_str(), w.c_str(), &m), c.status) << c.variant;
    EXPECT_NE(std::string(mrt_last_error()).find(c.message), std::string::npos)
        << c.variant << ": " << mrt_last_error();
    EXPECT_EQ(m, nullptr);
    std::remove(w.c_str());
  }
  mrt_model *m = nullptr;
  EXPECT_EQ(mrt_load(fakeLib.c_str(), "/nonexistent/x.weights", &m),
            MRT_IO_ERROR);
}

TEST(Runtime, UnalignedWeightsAreCopied) {
  std::string w = makeWeights("unaligned");
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), w.c_str(), &model.m), MRT_OK)
      << mrt_last_error();
  int32_t tokens[1] = {7};
  float logits[4];
  mrt_tensor in = tensor("tokens", MRT_I32, {1, 1}, tokens);
  mrt_tensor out = tensor("logits", MRT_F32, {1, 1, 4}, logits);
  ASSERT_EQ(mrt_run(model.m, &in, 1, &out, 1), MRT_OK);
  EXPECT_FLOAT_EQ(logits[2], expected(7, 2));
  std::remove(w.c_str());
}

TEST(Npy, RoundTripAndErrors) {
  std::string path = tmpPath("a.npy");
  float data[6] = {1, 2, 3, 4, 5, 6.5f};
  mrt_tensor t = tensor(nullptr, MRT_F32, {2, 3}, data);
  ASSERT_EQ(mrt_npy_save(path.c_str(), &t), MRT_OK) << mrt_last_error();
  mrt_tensor r;
  ASSERT_EQ(mrt_npy_load(path.c_str(), &r), MRT_OK) << mrt_last_error();
  EXPECT_EQ(r.dtype, MRT_F32);
  EXPECT_EQ(r.rank, 2);
  EXPECT_EQ(r.dims[0], 2);
  EXPECT_EQ(r.dims[1], 3);
  EXPECT_EQ(std::memcmp(r.data, data, sizeof data), 0);
  mrt_tensor_release(&r);
  EXPECT_EQ(r.data, nullptr);

  auto writeRaw = [&](const std::string &header, const std::string &body,
                      int major = 1) {
    std::string h = header;
    size_t pre = major == 1 ? 10 : 12;
    while ((pre + h.size() + 1) % 64)
      h += ' ';
    h += '\n';
    std::ofstream f(path, std::ios::binary);
    f << "\x93NUMPY" << (char)major << (char)0;
    f << (char)(h.size() & 0xFF) << (char)(h.size() >> 8);
    if (major != 1)
      f << (char)0 << (char)0;
    f << h << body;
  };
  // int64 converted, version 2 header.
  int64_t i8[3] = {1, 2, 70000};
  writeRaw("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
           std::string((const char *)i8, sizeof i8), 2);
  ASSERT_EQ(mrt_npy_load(path.c_str(), &r), MRT_OK) << mrt_last_error();
  EXPECT_EQ(r.dtype, MRT_I32);
  EXPECT_EQ(r.rank, 1);
  EXPECT_EQ(static_cast<int32_t *>(r.data)[2], 70000);
  mrt_tensor_release(&r);
  // int64 out of range.
  int64_t big[1] = {int64_t(1) << 40};
  writeRaw("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
           std::string((const char *)big, sizeof big));
  EXPECT_EQ(mrt_npy_load(path.c_str(), &r), MRT_DTYPE_MISMATCH);
  EXPECT_NE(std::string(mrt_last_error()).find("does not fit in int32"),
            std::string::npos);
  // Scalars (shape ()).
  float one = 1;
  writeRaw("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
           std::string((const char *)&one, 4));
  ASSERT_EQ(mrt_npy_load(path.c_str(), &r), MRT_OK) << mrt_last_error();
  EXPECT_EQ(r.rank, 0);
  mrt_tensor_release(&r);
  struct Case {
    std::string header, body;
    mrt_status status;
    const char *message;
  } cases[] = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
       std::string(8, '\0'), MRT_DTYPE_MISMATCH, "has dtype '<f8'"},
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
       std::string(4, '\0'), MRT_DTYPE_MISMATCH, "big-endian"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
       std::string(16, '\0'), MRT_BAD_FORMAT, "Fortran order"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
       std::string(15, '\0'), MRT_BAD_FORMAT, "data truncated"},
      {"{'descr': '<f4', 'fortran_order': False, }", "", MRT_BAD_FORMAT,
       "no 'shape'"},
  };
  for (auto &c : cases) {
    writeRaw(c.header, c.body);
    EXPECT_EQ(mrt_npy_load(path.c_str(), &r), c.status) << c.message;
    EXPECT_NE(std::string(mrt_last_error()).find(c.message), std::string::npos)
        << mrt_last_error();
  }
  {
    std::ofstream f(path, std::ios::binary);
    f << "not numpy";
  }
  EXPECT_EQ(mrt_npy_load(path.c_str(), &r), MRT_BAD_FORMAT);
  EXPECT_EQ(mrt_npy_load("/nonexistent.npy", &r), MRT_IO_ERROR);
  std::remove(path.c_str());
}

TEST(Errors, StatusStringsAndThreadLocal) {
  EXPECT_STREQ(mrt_status_string(MRT_OK), "ok");
  EXPECT_STREQ(mrt_status_string(MRT_ABI_MISMATCH), "ABI mismatch");
  EXPECT_EQ(mrt_abi_version(), MODELC_ABI_VERSION);
  mrt_model *m = nullptr;
  EXPECT_EQ(mrt_load("/nonexistent/libx.so", nullptr, &m), MRT_IO_ERROR);
  std::string other;
  std::thread([&] { other = mrt_last_error(); }).join();
  EXPECT_EQ(other, "");
  EXPECT_NE(std::string(mrt_last_error()), "");
}

} // namespace
