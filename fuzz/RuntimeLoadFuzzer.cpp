//===- RuntimeLoadFuzzer.cpp - libmodelrt's model and weights loading -----===//
//
// The input is a model info (a few bytes, decoded below into
// modelc_model_info: signature, weights, arena, kernels, recorded digest)
// followed by a weights file. libfuzz_model.so (fuzz_model.c) serves that
// info to mrt_load; when the load succeeds the model is inspected and run on
// inputs of its signature, and the fake touches every buffer the info
// promises, so a buffer the runtime sized, bound or checked wrongly is a
// crash. make_runtime_seeds.py writes seeds in this layout.
//
// Layout (every byte indexes a table, modulo its size; missing bytes are 0):
//   flags (bits 0-1: digest none | right | wrong size | wrong hash; bit 2:
//   another ABI version), max_seq, arena, #inputs, #outputs, #weights,
//   #kernels (each % 5), then 8 bytes per tensor (name, dtype, rank, dims
//   0..3, limit), 2 per kernel (name, kind), then batch, seq, id mode, and
//   the rest of the input is the weights file.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"
#include "runtime/XXHash64.h"
#include "runtime/modelc_abi.h"
#include "runtime/modelrt.h"

#include <dlfcn.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace modelc;

namespace {

const char *const kNames[] = {"tokens", "token_types", "logits", "embed",
                              "bias",   "w",           "x",      nullptr};
const int32_t kDtypes[] = {MODELC_F32, MODELC_I32, MODELC_F32, MODELC_I32,
                           MODELC_I8,  -1,         3,          MODELC_I32};
const int64_t kDims[] = {
    MODELC_DIM_BATCH, MODELC_DIM_SEQ,   0, 1, 2, 3, 4, 8, 16, -3,
    int64_t(1) << 31, int64_t(1) << 40, 5, 6, 7, 64};
const int64_t kLimits[] = {0, 1, 2, 4, 16, 512, -1, int64_t(1) << 31};
const int64_t kMaxSeq[] = {4, 1, 2, 8, 16, 0, -1, int64_t(1) << 31};
const int64_t kArena[] = {0, 16, 64, 256, 1024, -1, int64_t(1) << 40, 4};
const char *const kKernelNames[] = {"embed", "layer0.head", nullptr, ""};
const char *const kKinds[] = {"gemm", "norm", nullptr, "embedding"};

template <typename T, size_t N> T pick(const T (&table)[N], uint8_t code) {
  return table[code % N];
}

class Bytes {
public:
  Bytes(const uint8_t *data, size_t size) : p(data), end(data + size) {}
  uint8_t next() { return p < end ? *p++ : 0; }
  const uint8_t *rest() const { return p; }
  size_t restSize() const { return static_cast<size_t>(end - p); }

private:
  const uint8_t *p, *end;
};

struct Info {
  modelc_model_info info{};
  std::vector<modelc_tensor_desc> inputs, outputs, weights;
  std::vector<modelc_kernel_desc> kernels;
};

void decodeTensors(Bytes &in, int count, std::vector<modelc_tensor_desc> &out) {
  for (int i = 0; i < count; ++i) {
    modelc_tensor_desc d{};
    d.name = pick(kNames, in.next());
    d.dtype = pick(kDtypes, in.next());
    d.rank = in.next() % 6; // 5 is above the ABI's 4
    for (int k = 0; k < 4; ++k)
      d.dims[k] = pick(kDims, in.next());
    d.limit = pick(kLimits, in.next());
    out.push_back(d);
  }
}

// Whether some input has a seq dimension (among the ABI's 4).
bool hasSeqDim(const std::vector<modelc_tensor_desc> &inputs) {
  for (const modelc_tensor_desc &d : inputs)
    for (int k = 0; k < std::min(d.rank, 4); ++k)
      if (d.dims[k] == MODELC_DIM_SEQ)
        return true;
  return false;
}

// Loads libfuzz_model.so once and keeps it loaded, so that mrt_load's own
// dlopen only counts a reference.
void (*setInfo())(const modelc_model_info *) {
  static void *handle = [] {
    void *h = dlopen(MODELC_FUZZ_MODEL, RTLD_NOW | RTLD_LOCAL);
    if (!h)
      fuzz::bug(std::string("cannot load ") + MODELC_FUZZ_MODEL);
    return h;
  }();
  static auto set = reinterpret_cast<void (*)(const modelc_model_info *)>(
      dlsym(handle, "fuzz_model_set_info"));
  return set;
}

// Inputs of the signature at batch x seq; ids in range unless idMode says.
void runModel(mrt_model *m, int64_t batch, int64_t seq, uint8_t idMode) {
  std::vector<std::vector<int32_t>> storage;
  std::vector<mrt_tensor> ins, outs;
  int64_t total = 0;
  auto shaped = [&](mrt_status s, mrt_tensor &t) {
    int64_t n = s == MRT_OK ? mrt_tensor_elements(&t) : -1;
    if (n < 0 || n > (1 << 18) || (total += n) > (1 << 20))
      return false; // refused, or too large to be worth running
    storage.emplace_back(std::max<int64_t>(n, 1), 0);
    t.data = storage.back().data();
    return true;
  };
  storage.reserve(16);
  // Inputs (filled with ids) and outputs, by the signature at batch x seq.
  using InfoFn = mrt_status (*)(const mrt_model *, int32_t, mrt_tensor_info *);
  using ShapeFn = mrt_status (*)(const mrt_model *, int32_t, int64_t, int64_t,
                                 int32_t *, int64_t *);
  auto signature = [&](int32_t count, InfoFn infoOf, ShapeFn shapeOf,
                       std::vector<mrt_tensor> &list) {
    for (int32_t i = 0; i < count; ++i) {
      mrt_tensor_info info;
      infoOf(m, i, &info);
      mrt_tensor t{};
      t.dtype = info.dtype;
      if (!shaped(shapeOf(m, i, batch, seq, &t.rank, t.dims), t))
        return false;
      list.push_back(t);
    }
    return true;
  };
  if (!signature(mrt_num_inputs(m), mrt_input_info, mrt_input_shape, ins) ||
      !signature(mrt_num_outputs(m), mrt_output_info, mrt_output_shape, outs))
    return;
  for (size_t i = 0; i < ins.size(); ++i) {
    std::vector<int32_t> &ids = storage[i];
    for (size_t k = 0; k < ids.size(); ++k)
      ids[k] = int32_t(k % 3);
    if (idMode % 4 == 1)
      ids.back() = 1 << 30; // above any table here
    else if (idMode % 4 == 2)
      ids.front() = -1;
    else if (idMode % 4 == 3)
      ids.front() = 7; // the fake's failing launch
  }
  std::vector<double> seconds(std::max(mrt_num_kernels(m), 1));
  mrt_status s =
      mrt_run_profiled(m, ins.data(), (int32_t)ins.size(), outs.data(),
                       (int32_t)outs.size(), seconds.data());
  if (s != MRT_OK && !*mrt_last_error())
    fuzz::bug("mrt_run failed without a message");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = fuzz::scratchPath(".weights");
  Bytes in(data, size);
  Info f;
  uint8_t flags = in.next();
  f.info.abi_version = flags & 4 ? MODELC_ABI_VERSION + 1 : MODELC_ABI_VERSION;
  f.info.name = "fuzz";
  f.info.target = "cpu";
  f.info.max_seq = pick(kMaxSeq, in.next());
  f.info.arena_bytes_per_token = pick(kArena, in.next());
  int counts[4];
  for (int &c : counts)
    c = in.next() % 5;
  decodeTensors(in, counts[0], f.inputs);
  decodeTensors(in, counts[1], f.outputs);
  decodeTensors(in, counts[2], f.weights);
  for (int i = 0; i < counts[3]; ++i)
    f.kernels.push_back(
        {pick(kKernelNames, in.next()), pick(kKinds, in.next()), 1.0, 0.5});
  int64_t batch = 1 + in.next() % 3, seq = 1 + in.next() % 4;
  uint8_t idMode = in.next();
  f.info.num_inputs = counts[0];
  f.info.inputs = f.inputs.data();
  f.info.num_outputs = counts[1];
  f.info.outputs = f.outputs.data();
  f.info.num_weights = counts[2];
  f.info.weights = f.weights.data();
  f.info.num_kernels = counts[3];
  f.info.kernels = f.kernels.data();
  const uint8_t *file = in.rest();
  size_t fileSize = in.restSize();
  switch (flags & 3) {
  case 1:
    f.info.weights_bytes = int64_t(fileSize);
    f.info.weights_xxh64 = mrt::xxh64(file, fileSize);
    break;
  case 2:
    f.info.weights_bytes = int64_t(fileSize) + 1;
    break;
  case 3:
    f.info.weights_bytes = int64_t(fileSize);
    f.info.weights_xxh64 = mrt::xxh64(file, fileSize) ^ 1;
    break;
  }
  fuzz::writeFile(path, file, fileSize);

  setInfo()(&f.info);
  mrt_model *m = nullptr;
  mrt_status s = mrt_load(MODELC_FUZZ_MODEL, path.c_str(), &m);
  if (s != MRT_OK) {
    if (m || !*mrt_last_error())
      fuzz::bug("a failed load returned a model or no message");
    return 0;
  }
  if ((flags & 3) >= 2)
    fuzz::bug("a weights file with the wrong digest was accepted");
  // The signature and kernel accessors on the loaded model.
  (void)mrt_signature(m);
  for (int32_t i = 0; i < mrt_num_kernels(m); ++i) {
    mrt_kernel_info k;
    mrt_kernel_info_at(m, i, &k);
    (void)mrt_kernel_flops(m, i, batch, seq);
  }
  for (int32_t i = 0; i < mrt_num_weights(m); ++i) {
    mrt_tensor_info w;
    mrt_weight_info(m, i, &w);
  }
  // The arena, by the rule of runModel: not worth more than 64 MiB. A run
  // takes per-token bytes x batch x seq, and a signature without a seq
  // dimension (an image) runs at max_seq. Larger arenas are only reserved:
  // the runtime refuses what exceeds the machine's memory, and allocates
  // the rest, which would trip libFuzzer's malloc limit (2 GiB) here.
  int64_t perToken = f.info.arena_bytes_per_token;
  int64_t runSeq = hasSeqDim(f.inputs) ? seq : f.info.max_seq;
  if (perToken <= (int64_t(1) << 20) && runSeq <= (int64_t(1) << 31) &&
      perToken * batch * runSeq <= (int64_t(1) << 26))
    runModel(m, batch, seq, idMode);
  else
    (void)mrt_reserve(m, batch, seq);
  mrt_free(m);
  return 0;
}
