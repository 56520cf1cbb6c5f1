//===- WeightsIoTest.cpp - the weights writer and weight reads -----------===//
//
// A file written by SafetensorsWriter in odd-sized pieces reads back
// through SafetensorsFile with every value, and its digest (runtime/XXHash64's
// streaming XXH64, tested in test/runtime/XXHashTest.cpp) is the XXH64 of its
// bytes; the writer's errors; synthetic weights equal the sequential splitmix64
// generator they were first defined by, whatever the block they are read in;
// checkpoint tensors read back as written; measured tensors are served and
// change the store's identity. Usage: frontend-unit-test <scratch
// dir>
//
//===----------------------------------------------------------------------===//
#include "frontend/SafetensorsWriter.h"
#include "frontend/WeightStore.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace modelc::frontend;

namespace {

int failures = 0;

void expect(bool ok, const std::string &what) {
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    ++failures;
  }
}

void testWriter(const std::string &dir) {
  std::string path = dir + "/w.safetensors";
  std::vector<TensorEntry> entries = {
      {"a", {3, 5}}, {"empty", {0, 4}}, {"b", {7}}, {"scalar", {}}};
  std::vector<std::vector<float>> values;
  for (const TensorEntry &e : entries) {
    int64_t n = 1;
    for (int64_t d : e.shape)
      n *= d;
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i)
      v[i] = float(values.size() * 100 + i) + 0.25f;
    values.push_back(v);
  }
  std::string err;
  auto w = SafetensorsWriter::create(path, entries, {{"k", "v"}}, err);
  expect(w != nullptr, "create: " + err);
  if (!w)
    return;
  for (const std::vector<float> &v : values) // in pieces of 1 and 2 floats
    for (size_t at = 0; at < v.size(); at += 2)
      expect(succeeded(w->write(v.data() + at,
                                std::min<size_t>(2, v.size() - at), err)),
             "write: " + err);
  expect(succeeded(w->finish(err)), "finish: " + err);

  auto file = llvm::MemoryBuffer::getFile(path);
  expect(bool(file), "read back");
  if (!file)
    return;
  llvm::StringRef bytes = (*file)->getBuffer();
  expect(bytes.size() == w->fileBytes(), "fileBytes is the file's size");
  expect(w->xxh64() == llvm::xxHash64(bytes), "digest is the file's XXH64");
  uint64_t headerBytes = llvm::support::endian::read64le(bytes.data());
  expect((8 + headerBytes) % kDataAlign == 0,
         "the data starts on a cache line");
  // 60, 0, 28 and 4 bytes: only the empty tensor is whole lines.
  expect(SafetensorsWriter::alignedOrder(entries) ==
             std::vector<size_t>{1, 0, 2, 3},
         "whole-line tensors first, the rest in order");
  std::vector<std::string> errors;
  auto st = SafetensorsFile::open(path, errors);
  expect(st != nullptr, "the reader accepts the file");
  if (!st)
    return;
  expect(st->metadata().lookup("k") == "v", "metadata");
  for (size_t i = 0; i < entries.size(); ++i) {
    const TensorInfo *t = st->lookup(entries[i].name);
    expect(t && t->dtype == "F32" && t->shape == entries[i].shape &&
               t->begin % 4 == 0 &&
               // memcmp's pointers must not be null, even for 0 bytes.
               (values[i].empty() ||
                !std::memcmp(t->data, values[i].data(),
                             values[i].size() * sizeof(float))),
           "tensor " + entries[i].name + " reads back");
  }

  expect(!SafetensorsWriter::create(dir + "/d", {{"x", {1}}, {"x", {2}}}, {},
                                    err) &&
             err.find("duplicate tensor name 'x'") != std::string::npos,
         "duplicate name: " + err);
  expect(!SafetensorsWriter::create(dir + "/n", {{"x", {-1}}}, {}, err) &&
             err.find("negative") != std::string::npos,
         "negative dimension: " + err);
  expect(!SafetensorsWriter::create(dir + "/no/such/folder/f", {{"x", {1}}}, {},
                                    err) &&
             err.find("cannot create") != std::string::npos,
         "uncreatable path: " + err);
  auto small = SafetensorsWriter::create(dir + "/s", {{"x", {2}}}, {}, err);
  float three[3] = {1, 2, 3};
  expect(small && failed(small->write(three, 3, err)) &&
             err.find("more data") != std::string::npos,
         "too much data: " + err);
  expect(failed(small->finish(err)) &&
             err.find("were written") != std::string::npos,
         "too little data: " + err);
}

// The generator synthetic weights were defined by (sequential draws).
std::vector<float> sequentialSynthetic(const std::string &name,
                                       std::vector<int64_t> shape,
                                       uint64_t seed, bool scale) {
  auto fnv = [](const void *p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; ++i)
      h = (h ^ static_cast<const unsigned char *>(p)[i]) * 0x100000001b3ull;
    return h;
  };
  uint64_t h = fnv(name.data(), name.size(), 0xcbf29ce484222325ull);
  int64_t n = 1;
  for (int64_t d : shape) {
    h = fnv(&d, sizeof d, h);
    n *= d;
  }
  uint64_t state = h ^ (seed * 0xD1B54A32D192ED03ull);
  auto uniform = [&] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return double(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
  };
  std::vector<float> out(n);
  for (float &v : out) {
    double sum = uniform();
    sum += uniform();
    sum += uniform();
    sum += uniform();
    double g = sum * 0.8660254037844386;
    v = scale ? float(1.0 + 0.05 * g) : float(0.02 * g);
  }
  return out;
}

void testSynthetic() {
  auto store = WeightStore::synthetic(7);
  std::vector<int64_t> shape = {37, 53};
  StoredTensor t = store->tensor("layer0.mlp.up.weight", shape);
  std::vector<float> want =
      sequentialSynthetic("layer0.mlp.up.weight", shape, 7, false);
  std::vector<float> scratch;
  const float *all = t.read(0, t.elements(), scratch);
  expect(t.elements() == 37 * 53 && !t.fromFile() &&
             std::equal(want.begin(), want.end(), all),
         "synthetic = the sequential generator");
  const float *part = t.read(101, 300, scratch);
  expect(std::equal(want.begin() + 101, want.begin() + 401, part),
         "a synthetic range");
  std::vector<float> block(5 * 7);
  t.readBlock(30, 5, 40, 7, block.data());
  bool same = true;
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 7; ++c)
      same &= block[r * 7 + c] == want[(30 + r) * 53 + 40 + c];
  expect(same, "a synthetic block");
}

// A measured tensor (a calibration statistic) is served like a stored one,
// and changes the store's identity (a cached .weights must be rewritten).
void testMeasured() {
  auto store = WeightStore::synthetic(7);
  std::string before = store->identity();
  store->addMeasured("calib:layer0.mlp.down:input_sq_norms", {4}, {1, 2, 3, 4});
  std::vector<float> got =
      store->materialize("calib:layer0.mlp.down:input_sq_norms", false, {4});
  expect(got == std::vector<float>{1, 2, 3, 4}, "measured tensor read back");
  std::string once = store->identity();
  expect(once != before, "a measured tensor changes the identity");
  auto other = WeightStore::synthetic(7);
  other->addMeasured("calib:layer0.mlp.down:input_sq_norms", {4}, {1, 2, 3, 5});
  expect(other->identity() != once, "other measured values, other identity");
}

void testCheckpoint(const std::string &dir) {
  std::string path = dir + "/c.safetensors", err;
  std::vector<float> v(6 * 4);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = float(i);
  auto w = SafetensorsWriter::create(path, {{"m", {6, 4}}}, {}, err);
  if (!w || failed(w->write(v.data(), v.size(), err)) ||
      failed(w->finish(err))) {
    expect(false, "write checkpoint: " + err);
    return;
  }
  mlir::MLIRContext ctx;
  auto store = WeightStore::open(path, ctx);
  expect(succeeded(store), "open checkpoint");
  if (failed(store))
    return;
  StoredTensor t = (*store)->tensor("m", {6, 4});
  std::vector<float> scratch, block(3 * 2);
  const float *all = t.read(0, 24, scratch);
  expect(t.fromFile() && std::equal(v.begin(), v.end(), all),
         "checkpoint read");
  t.release(0, 24); // dropped pages read back the same
  t.readBlock(2, 3, 1, 2, block.data());
  expect(block == std::vector<float>{9, 10, 13, 14, 17, 18},
         "checkpoint block");
}
} // namespace

int main(int argc, char **argv) {
  std::string dir = argc > 1 ? argv[1] : "frontend-unit-test-out";
  llvm::sys::fs::create_directories(dir);
  testWriter(dir);
  testSynthetic();
  testMeasured();
  testCheckpoint(dir);
  if (failures)
    std::fprintf(stderr, "%d check(s) failed\n", failures);
  else
    std::printf("frontend unit tests passed\n");
  return failures != 0;
}
