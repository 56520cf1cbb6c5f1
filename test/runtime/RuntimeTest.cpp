//===- RuntimeTest.cpp - libmodelrt unit tests against the fake model -----===//

#include "runtime/XXHash64.h"
#include "runtime/modelc_abi.h"
#include "runtime/modelrt.h"
#include "runtime/npy.h"
#include "test/runtime/TestSupport.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace mrt::test;

namespace {

// Writes a weights variant with the generator built beside the tests.
std::string makeWeights(const std::string &variant) {
  std::string path = tmpPath(variant + ".weights");
  std::string cmd = dir + "/fake_weights_gen " + path + " " + variant;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return path;
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
  EXPECT_EQ(mrt_load((dir + "/libfake_badlimit.so").c_str(),
                     (dir + "/fake.weights").c_str(), &m),
            MRT_BAD_FORMAT);
  EXPECT_NE(std::string(mrt_last_error())
                .find("has malformed model info: input 0 'tokens' has "
                      "negative id limit -1"),
            std::string::npos)
      << mrt_last_error();
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
      {"truncated", MRT_BAD_FORMAT,
       "run past the end of the 176-byte data section (truncated file?)"},
      {"garbage", MRT_BAD_FORMAT, "goes past the end of the file"},
      {"badjson", MRT_BAD_FORMAT, "invalid JSON header"},
      {"empty", MRT_BAD_FORMAT, "too short for a safetensors header"},
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

TEST(Runtime, IdsOutsideTheirTableAreRefused) {
  Model model;
  ASSERT_EQ(mrt_load(fake2Lib.c_str(), nullptr, &model.m), MRT_OK)
      << mrt_last_error();
  void *h = dlopen(fake2Lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr);
  auto runs = (int64_t(*)())dlsym(h, "fake_runs");
  ASSERT_NE(runs, nullptr);
  int32_t tokens[4] = {1, 2, 3, 15}, types[4] = {0, 1, 1, 0};
  float logits[16];
  mrt_tensor in[2] = {tensor("tokens", MRT_I32, {2, 2}, tokens),
                      tensor("token_types", MRT_I32, {2, 2}, types)};
  mrt_tensor out = tensor("logits", MRT_F32, {2, 2, 4}, logits);
  ASSERT_EQ(mrt_run(model.m, in, 2, &out, 1), MRT_OK) << mrt_last_error();
  int64_t before = runs();
  struct Case {
    int32_t *ids;
    int index, value;
    const char *message;
  } cases[] = {
      {tokens, 3, 16,
       "input 'tokens' has id 16 at [1, 1], outside its table's range [0, "
       "16)"},
      {tokens, 1, -1,
       "input 'tokens' has id -1 at [0, 1], outside its table's range [0, "
       "16)"},
      {types, 2, 2,
       "input 'token_types' has id 2 at [1, 0], outside its table's range "
       "[0, 2)"},
  };
  for (auto &c : cases) {
    int32_t saved = c.ids[c.index];
    c.ids[c.index] = c.value;
    EXPECT_EQ(mrt_run(model.m, in, 2, &out, 1), MRT_INVALID_ARGUMENT);
    EXPECT_STREQ(mrt_last_error(), c.message);
    c.ids[c.index] = saved;
  }
  // Refused before any kernel ran.
  EXPECT_EQ(runs(), before);
  // The limits are in the signature; the fake without limits has none.
  mrt_tensor_info info;
  ASSERT_EQ(mrt_input_info(model.m, 0, &info), MRT_OK);
  EXPECT_EQ(info.limit, 16);
  ASSERT_EQ(mrt_input_info(model.m, 1, &info), MRT_OK);
  EXPECT_EQ(info.limit, 2);
  ASSERT_EQ(mrt_output_info(model.m, 0, &info), MRT_OK);
  EXPECT_EQ(info.limit, 0);
  dlclose(h);
}

// The fake's weights, and a setter of the digest its model info records.
struct DigestedFake {
  void *handle = dlopen(fakeLib.c_str(), RTLD_NOW | RTLD_LOCAL);
  void (*set)(int64_t, uint64_t) = handle ? (void (*)(int64_t, uint64_t))
                                                dlsym(handle,
                                                      "fake_set_weights_digest")
                                          : nullptr;
  ~DigestedFake() {
    if (set)
      set(0, 0);
    if (handle)
      dlclose(handle);
  }
};

std::string readFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(Runtime, WeightsDigestMismatchIsRefused) {
  DigestedFake fake;
  ASSERT_NE(fake.set, nullptr);
  std::string weights = readFile(dir + "/fake.weights");
  ASSERT_FALSE(weights.empty());
  int64_t size = (int64_t)weights.size();
  uint64_t digest = mrt::xxh64(weights.data(), weights.size());
  mrt_model *m = nullptr;

  fake.set(size, digest);
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &m), MRT_OK) << mrt_last_error();
  mrt_free(m);

  fake.set(size + 1, digest);
  EXPECT_EQ(mrt_load(fakeLib.c_str(), nullptr, &m), MRT_WEIGHTS_MISMATCH);
  EXPECT_NE(std::string(mrt_last_error())
                .find("fake.weights' is " + std::to_string(size) +
                      " bytes, but library '"),
            std::string::npos)
      << mrt_last_error();
  EXPECT_NE(std::string(mrt_last_error())
                .find("was compiled with a " + std::to_string(size + 1) +
                      "-byte weights file"),
            std::string::npos)
      << mrt_last_error();
  EXPECT_EQ(m, nullptr);

  // One byte of the data changed: same size, another hash.
  std::string altered = weights;
  altered[altered.size() - 1] ^= 1;
  std::string path = tmpPath("altered.weights");
  std::ofstream(path, std::ios::binary) << altered;
  fake.set(size, digest);
  EXPECT_EQ(mrt_load(fakeLib.c_str(), path.c_str(), &m), MRT_WEIGHTS_MISMATCH);
  EXPECT_NE(std::string(mrt_last_error()).find("has XXH64 0x"),
            std::string::npos)
      << mrt_last_error();
  EXPECT_STREQ(mrt_status_string(MRT_WEIGHTS_MISMATCH), "weights mismatch");

  // {0, 0}: not recorded, not checked.
  fake.set(0, 0);
  ASSERT_EQ(mrt_load(fakeLib.c_str(), path.c_str(), &m), MRT_OK)
      << mrt_last_error();
  mrt_free(m);
  std::remove(path.c_str());
}

// Values of llvm::xxHash64 (the compiler's), which is XXH64 with seed 0.
TEST(XXH64, MatchesTheReference) {
  struct Case {
    const char *text;
    uint64_t hash;
  } cases[] = {
      {"", 0xef46db3751d8e999ULL},
      {"a", 0xd24ec4f1a98c6e5bULL},
      {"abc", 0x44bc2cf5ad770999ULL},
      {"message digest", 0x066ed728fceeb3beULL},
      {"abcdefghijklmnopqrstuvwxyz", 0xcfe1f278fa89835cULL},
      {"123456789012345678901234567890123456789012345678901234567890123456789"
       "01234567890",
       0xe04a477f19ee145dULL},
  };
  for (const Case &c : cases)
    EXPECT_EQ(mrt::xxh64(c.text, std::strlen(c.text)), c.hash) << c.text;
  std::vector<uint8_t> big(1 << 20);
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = (uint8_t)(i * 2654435761u >> 13);
  EXPECT_EQ(mrt::xxh64(big.data(), big.size()), 0xae5ba942a34abdcfULL);
}

TEST(Runtime, ArgumentRangesAreChecked) {
  Model model;
  ASSERT_EQ(mrt_load(fakeLib.c_str(), nullptr, &model.m), MRT_OK);
  mrt_model *m = model.m;
  int32_t rank;
  int64_t dims[MRT_MAX_RANK];
  struct ShapeCase {
    int64_t batch, seq;
    const char *message;
  } shapes[] = {
      {-3, 2, "mrt_output_shape: batch must be in [1, 2147483647], got -3"},
      {0, 2, "mrt_output_shape: batch must be in [1, 2147483647], got 0"},
      {int64_t(1) << 31, 2,
       "mrt_output_shape: batch must be in [1, 2147483647], got 2147483648"},
      {1, 0, "mrt_output_shape: seq must be in [1, max_seq = 16], got 0"},
      {1, 17, "mrt_output_shape: seq must be in [1, max_seq = 16], got 17"},
  };
  for (const ShapeCase &c : shapes) {
    EXPECT_EQ(mrt_output_shape(m, 0, c.batch, c.seq, &rank, dims),
              MRT_INVALID_ARGUMENT);
    EXPECT_STREQ(mrt_last_error(), c.message);
    EXPECT_EQ(mrt_input_shape(m, 0, c.batch, c.seq, &rank, dims),
              MRT_INVALID_ARGUMENT);
    EXPECT_EQ(mrt_kernel_flops(m, 1, c.batch, c.seq), 0.0);
    EXPECT_EQ(mrt_reserve(m, c.batch, c.seq), MRT_INVALID_ARGUMENT);
  }
  ASSERT_EQ(mrt_output_shape(m, 0, MRT_MAX_BATCH, 16, &rank, dims), MRT_OK)
      << mrt_last_error();
  EXPECT_EQ(dims[0], MRT_MAX_BATCH);

  EXPECT_EQ(mrt_set_num_threads(m, MRT_MAX_THREADS), MRT_OK);
  EXPECT_EQ(mrt_set_num_threads(m, MRT_MAX_THREADS + 1), MRT_INVALID_ARGUMENT);
  EXPECT_STREQ(mrt_last_error(),
               "thread count must be in [0, 4096] (0 = the runtime's "
               "default), got 4097");
  EXPECT_EQ(mrt_set_num_threads(m, -1), MRT_INVALID_ARGUMENT);
  EXPECT_EQ(mrt_set_num_threads(m, 0), MRT_OK);

  // Element counts in int64 with overflow checks.
  mrt_tensor huge =
      tensor(nullptr, MRT_F32, {int64_t(1) << 32, 1LL << 31}, nullptr);
  EXPECT_EQ(mrt_tensor_elements(&huge), -1);
  EXPECT_EQ(mrt_tensor_alloc(&huge), MRT_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mrt_last_error()).find("overflow int64 bytes"),
            std::string::npos)
      << mrt_last_error();
  EXPECT_EQ(mrt_npy_save(tmpPath("huge.npy").c_str(), &huge),
            MRT_INVALID_ARGUMENT);
  mrt_tensor large = tensor(nullptr, MRT_F32, {1LL << 31, 1LL << 31}, nullptr);
  EXPECT_EQ(mrt_tensor_elements(&large), int64_t(1) << 62);
  EXPECT_EQ(mrt_tensor_alloc(&large), MRT_INVALID_ARGUMENT); // 2^64 bytes
  // No allocation larger than the machine (2^62 bytes; the fake's arena at
  // the largest batch: 16 B/token x 2^31 x 16 = 512 GiB).
  mrt_tensor vast = tensor(nullptr, MRT_F32, {1LL << 40, 1LL << 20}, nullptr);
  EXPECT_EQ(mrt_tensor_alloc(&vast), MRT_INVALID_ARGUMENT);
  EXPECT_NE(
      std::string(mrt_last_error()).find("more than this machine's memory"),
      std::string::npos)
      << mrt_last_error();
  EXPECT_EQ(mrt_reserve(m, MRT_MAX_BATCH, 16), MRT_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mrt_last_error())
                .find("the arena for batch 2147483647, seq 16 needs "
                      "549755813632 bytes, more than this machine's memory"),
            std::string::npos)
      << mrt_last_error();
  mrt_tensor negative = tensor(nullptr, MRT_F32, {2, -2}, nullptr);
  EXPECT_EQ(mrt_tensor_elements(&negative), -1);
  EXPECT_EQ(mrt_tensor_alloc(&negative), MRT_INVALID_ARGUMENT);
  mrt_tensor empty = tensor(nullptr, MRT_F32, {0, int64_t(1) << 62}, nullptr);
  EXPECT_EQ(mrt_tensor_elements(&empty), 0);
  EXPECT_EQ(mrt_tensor_elements(nullptr), -1);
  mrt_tensor rank9 = tensor(nullptr, MRT_F32, {1}, nullptr);
  rank9.rank = 9;
  EXPECT_EQ(mrt_tensor_elements(&rank9), -1);

  // A misaligned buffer is refused before the kernels see it.
  alignas(8) int32_t tokens[3] = {1, 2, 3};
  float logits[8];
  mrt_tensor in =
      tensor("tokens", MRT_I32, {1, 2}, reinterpret_cast<char *>(tokens) + 2);
  mrt_tensor out = tensor("logits", MRT_F32, {1, 2, 4}, logits);
  EXPECT_EQ(mrt_run(m, &in, 1, &out, 1), MRT_INVALID_ARGUMENT);
  EXPECT_STREQ(mrt_last_error(), "input 'tokens' data is not 4-byte aligned");
}

} // namespace
