//===- modelrt.cpp - load and run a modelc-compiled library
//----------------===//
//
// dlopen the lib<name>.so, check its ABI, mmap + validate <name>.weights
// (safetensors), validate caller buffers and run with a reused arena.
//
//===----------------------------------------------------------------------===//

#include "runtime/modelrt.h"
#include "runtime/Internal.h"
#include "runtime/modelc_abi.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

static_assert((int)MRT_F32 == (int)MODELC_F32 &&
                  (int)MRT_I32 == (int)MODELC_I32,
              "mrt_dtype mirrors modelc_dtype");
static_assert(MRT_DIM_BATCH == MODELC_DIM_BATCH &&
                  MRT_DIM_SEQ == MODELC_DIM_SEQ,
              "dimension codes mirror the ABI");

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace mrt {
namespace {
thread_local std::string tlsError;
// Halide's errors: a run's own thread writes tlsKernelError; worker threads of
// the Halide thread pool (not inside mrt_run) write the shared buffer.
thread_local bool tlsInRun = false;
thread_local std::string tlsKernelError;
std::mutex sharedKernelErrorMutex;
std::string sharedKernelError;
constexpr size_t kMaxKernelError = 16384;

void appendCapped(std::string &s, const char *message) {
  if (s.size() >= kMaxKernelError)
    return;
  if (!s.empty() && s.back() != '\n')
    s += '\n';
  s += message;
  if (s.size() > kMaxKernelError)
    s.resize(kMaxKernelError);
}

extern "C" void kernelErrorHandler(const char *message) {
  if (!message)
    return;
  if (tlsInRun) {
    appendCapped(tlsKernelError, message);
    return;
  }
  std::lock_guard<std::mutex> lock(sharedKernelErrorMutex);
  appendCapped(sharedKernelError, message);
}

std::string takeKernelErrors() {
  std::string out = std::move(tlsKernelError);
  tlsKernelError.clear();
  std::lock_guard<std::mutex> lock(sharedKernelErrorMutex);
  if (!sharedKernelError.empty()) {
    if (!out.empty())
      out += '\n';
    out += sharedKernelError;
    sharedKernelError.clear();
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}
} // namespace

mrt_status fail(mrt_status status, std::string message) {
  tlsError = std::move(message);
  return status;
}
void clearError() { tlsError.clear(); }

void *alignedAlloc(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0)
    rounded = 64;
  return std::aligned_alloc(64, rounded);
}
void alignedFree(void *p) { std::free(p); }

const char *dtypeName(int32_t dtype) {
  switch (dtype) {
  case MRT_F32:
    return "f32";
  case MRT_I32:
    return "i32";
  default:
    return "?";
  }
}

std::string dimsString(const int64_t *dims, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      s += ", ";
    if (dims[i] == MRT_DIM_BATCH)
      s += "batch";
    else if (dims[i] == MRT_DIM_SEQ)
      s += "seq";
    else
      s += std::to_string(dims[i]);
  }
  return s + "]";
}

} // namespace mrt

using namespace mrt;

extern "C" const char *mrt_last_error(void) { return tlsError.c_str(); }

extern "C" const char *mrt_status_string(mrt_status status) {
  switch (status) {
  case MRT_OK:
    return "ok";
  case MRT_INVALID_ARGUMENT:
    return "invalid argument";
  case MRT_IO_ERROR:
    return "I/O error";
  case MRT_BAD_FORMAT:
    return "bad format";
  case MRT_SHAPE_MISMATCH:
    return "shape mismatch";
  case MRT_DTYPE_MISMATCH:
    return "dtype mismatch";
  case MRT_KERNEL_FAILURE:
    return "kernel failure";
  case MRT_ABI_MISMATCH:
    return "ABI mismatch";
  }
  return "unknown status";
}

extern "C" int32_t mrt_abi_version(void) { return MODELC_ABI_VERSION; }

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

struct mrt_model {
  std::string libPath, weightsPath, signature;
  void *handle = nullptr;
  const modelc_model_info *info = nullptr;
  decltype(&modelc_run) runFn = nullptr;
  decltype(&modelc_set_num_threads) setThreadsFn = nullptr;

  // The mapped weights file and the pointer of each weight, in info order.
  void *map = nullptr;
  size_t mapSize = 0;
  std::vector<void *> weightPtrs;
  std::vector<void *> ownedWeightCopies; // misaligned tensors, copied

  // The activation arena: grows, never shrinks, reused across calls.
  std::mutex runMutex;
  void *arena = nullptr;
  int64_t arenaBytes = 0;
  std::atomic<int64_t> arenaAllocations{0};
  std::vector<void *> inputPtrs, outputPtrs;

  ~mrt_model() {
    for (void *p : ownedWeightCopies)
      alignedFree(p);
    if (arena)
      alignedFree(arena);
    if (map)
      munmap(map, mapSize);
    if (handle)
      dlclose(handle);
  }
};

namespace {

std::string errnoString(int err) { return std::strerror(err); }

// dir/lib<name>.so -> dir/<name>.weights (dir/<stem>.weights otherwise).
std::string defaultWeightsPath(const std::string &lib) {
  size_t slash = lib.find_last_of('/');
  std::string dir = slash == std::string::npos ? "" : lib.substr(0, slash + 1);
  std::string file = slash == std::string::npos ? lib : lib.substr(slash + 1);
  if (file.size() > 3 && file.compare(0, 3, "lib") == 0)
    file = file.substr(3);
  size_t so = file.find(".so");
  if (so != std::string::npos && so > 0)
    file = file.substr(0, so);
  else if (size_t dot = file.find_last_of('.');
           dot != std::string::npos && dot > 0)
    file = file.substr(0, dot);
  return dir + file + ".weights";
}

std::string tensorString(const modelc_tensor_desc &d) {
  return std::string(dtypeName(d.dtype)) + mrt::dimsString(d.dims, d.rank);
}

// Checks the library's model info is well formed (it is generated, but a
// broken library must fail here rather than crash later).
mrt_status checkInfo(const std::string &lib, const modelc_model_info *info) {
  auto bad = [&](const std::string &m) {
    return fail(MRT_BAD_FORMAT,
                "model library '" + lib + "' has malformed model info: " + m);
  };
  if (!info->name)
    return bad("no name");
  if (info->max_seq < 1)
    return bad("max_seq " + std::to_string(info->max_seq) + " < 1");
  if (info->num_inputs < 1 || !info->inputs)
    return bad("no inputs");
  if (info->num_outputs < 1 || !info->outputs)
    return bad("no outputs");
  if (info->num_weights < 0 || (info->num_weights > 0 && !info->weights))
    return bad("bad weight list");
  if (info->num_kernels < 0 || (info->num_kernels > 0 && !info->kernels))
    return bad("bad kernel list");
  if (info->arena_bytes_per_token < 0)
    return bad("negative arena size");
  bool hasBatch = false, hasSeq = false;
  auto checkList = [&](const char *what, int32_t n,
                       const modelc_tensor_desc *list, bool dynamicOk,
                       bool record) -> bool {
    for (int32_t i = 0; i < n; ++i) {
      const modelc_tensor_desc &d = list[i];
      std::string where = std::string(what) + " " + std::to_string(i);
      if (!d.name) {
        bad(where + " has no name");
        return false;
      }
      if (d.dtype != MODELC_F32 && d.dtype != MODELC_I32) {
        bad(where + " '" + d.name + "' has unknown dtype " +
            std::to_string(d.dtype));
        return false;
      }
      if (d.rank < 0 || d.rank > 4) {
        bad(where + " '" + d.name + "' has rank " + std::to_string(d.rank));
        return false;
      }
      for (int32_t k = 0; k < d.rank; ++k) {
        int64_t v = d.dims[k];
        bool ok = v >= 0 ||
                  (dynamicOk && (v == MODELC_DIM_BATCH || v == MODELC_DIM_SEQ));
        if (!ok) {
          bad(where + " '" + d.name + "' has bad dimension code " +
              std::to_string(v));
          return false;
        }
        if (record && v == MODELC_DIM_BATCH)
          hasBatch = true;
        if (record && v == MODELC_DIM_SEQ)
          hasSeq = true;
      }
    }
    return true;
  };
  if (!checkList("input", info->num_inputs, info->inputs, true, true) ||
      !checkList("output", info->num_outputs, info->outputs, true, false) ||
      !checkList("weight", info->num_weights, info->weights, false, false))
    return MRT_BAD_FORMAT;
  if (!hasBatch || !hasSeq)
    return bad("the inputs do not carry both the batch and seq dimensions");
  for (int32_t i = 0; i < info->num_outputs; ++i)
    if (info->outputs[i].dtype != MODELC_F32 &&
        info->outputs[i].dtype != MODELC_I32)
      return bad("bad output dtype");
  for (int32_t i = 0; i < info->num_kernels; ++i)
    if (!info->kernels[i].name || !info->kernels[i].kind)
      return bad("kernel " + std::to_string(i) + " has no name or kind");
  return MRT_OK;
}

//===-- safetensors
//--------------------------------------------------------===//

struct StEntry {
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

int64_t stElementSize(const std::string &dtype) {
  static const std::unordered_map<std::string, int64_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2},  {"BF16", 2},    {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U64", 8},     {"U32", 4},
      {"U16", 2}, {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? -1 : it->second;
}

const char *stDtypeFor(int32_t dtype) {
  return dtype == MODELC_F32 ? "F32" : "I32";
}

mrt_status parseSafetensors(const std::string &path, const uint8_t *data,
                            size_t size,
                            std::unordered_map<std::string, StEntry> &out,
                            uint64_t &dataStart) {
  auto bad = [&](const std::string &m) {
    return fail(MRT_BAD_FORMAT,
                "weights file '" + path + "' is not valid safetensors: " + m);
  };
  if (size < 8)
    return bad("file is " + std::to_string(size) +
               " bytes, shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | data[i];
  if (n > size - 8)
    return bad("header length " + std::to_string(n) + " exceeds the file (" +
               std::to_string(size) + " bytes): truncated or not safetensors");
  if (n == 0 || data[8] != '{')
    return bad("header does not start with a JSON object");
  Json root;
  std::string err;
  if (!parseJson(reinterpret_cast<const char *>(data + 8), n, root, err))
    return bad("header JSON: " + err);
  if (root.kind != Json::Object)
    return bad("header is not a JSON object");
  dataStart = 8 + n;
  uint64_t dataSize = size - dataStart;
  for (const auto &kv : root.object) {
    const std::string &name = kv.first;
    const Json &v = kv.second;
    if (name == "__metadata__") {
      if (v.kind != Json::Object)
        return bad("__metadata__ is not an object");
      continue;
    }
    std::string where = "tensor '" + name + "': ";
    if (v.kind != Json::Object)
      return bad(where + "entry is not an object");
    const Json *dt = v.get("dtype"), *shape = v.get("shape"),
               *offs = v.get("data_offsets");
    if (!dt || dt->kind != Json::String)
      return bad(where + "missing string 'dtype'");
    if (!shape || shape->kind != Json::Array)
      return bad(where + "missing array 'shape'");
    if (!offs || offs->kind != Json::Array || offs->array.size() != 2)
      return bad(where + "'data_offsets' is not [begin, end]");
    StEntry e;
    e.dtype = dt->string;
    int64_t elems = 1;
    for (const Json &d : shape->array) {
      if (d.kind != Json::Number || !d.isInteger || d.integer < 0)
        return bad(where + "shape has a non-integer or negative dimension");
      e.shape.push_back(d.integer);
      if (d.integer != 0 && elems > (int64_t(1) << 50) / d.integer)
        return bad(where + "shape too large");
      elems *= d.integer;
    }
    for (const Json &o : offs->array)
      if (o.kind != Json::Number || !o.isInteger || o.integer < 0)
        return bad(where + "'data_offsets' must be non-negative integers");
    e.begin = static_cast<uint64_t>(offs->array[0].integer);
    e.end = static_cast<uint64_t>(offs->array[1].integer);
    if (e.begin > e.end)
      return bad(where + "data_offsets begin > end");
    if (e.end > dataSize)
      return bad(where + "data_offsets [" + std::to_string(e.begin) + ", " +
                 std::to_string(e.end) + "] run past the end of the data (" +
                 std::to_string(dataSize) + " bytes): file truncated?");
    int64_t es = stElementSize(e.dtype);
    if (es < 0)
      return bad(where + "unknown dtype '" + e.dtype + "'");
    if (static_cast<uint64_t>(elems * es) != e.end - e.begin)
      return bad(where + "holds " + std::to_string(e.end - e.begin) +
                 " bytes, but its shape and dtype need " +
                 std::to_string(elems * es));
    out.emplace(name, std::move(e));
  }
  return MRT_OK;
}

std::string stShapeString(const std::vector<int64_t> &shape) {
  return mrt::dimsString(shape.data(), static_cast<int32_t>(shape.size()));
}

mrt_status mapWeights(mrt_model &m, const std::string &path,
                      bool explicitPath) {
  const modelc_model_info *info = m.info;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string hint = explicitPath
                           ? ""
                           : " (the default beside the library; pass an "
                             "explicit weights path to use another file)";
    return fail(MRT_IO_ERROR, "cannot open weights file '" + path +
                                  "': " + errnoString(err) + hint);
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(MRT_IO_ERROR,
                "weights file '" + path + "' is not a regular file");
  }
  size_t size = static_cast<size_t>(st.st_size);
  void *map = nullptr;
  if (size > 0) {
    map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return fail(MRT_IO_ERROR, "cannot map weights file '" + path +
                                    "': " + errnoString(err));
    }
  }
  ::close(fd);
  m.map = map;
  m.mapSize = size;
  m.weightsPath = path;

  std::unordered_map<std::string, StEntry> entries;
  uint64_t dataStart = 0;
  if (mrt_status s = parseSafetensors(path, static_cast<const uint8_t *>(map),
                                      size, entries, dataStart))
    return s;

  // Every weight the model needs, with its dtype and shape; report them all.
  std::string problems;
  mrt_status first = MRT_OK;
  int count = 0;
  auto problem = [&](mrt_status s, const std::string &msg) {
    if (first == MRT_OK)
      first = s;
    if (++count <= 20)
      problems += "\n  " + msg;
  };
  m.weightPtrs.assign(info->num_weights, nullptr);
  for (int32_t i = 0; i < info->num_weights; ++i) {
    const modelc_tensor_desc &d = info->weights[i];
    auto it = entries.find(d.name);
    if (it == entries.end()) {
      problem(MRT_BAD_FORMAT, "missing tensor '" + std::string(d.name) +
                                  "' (expected " + tensorString(d) + ")");
      continue;
    }
    const StEntry &e = it->second;
    if (e.dtype != stDtypeFor(d.dtype)) {
      problem(MRT_DTYPE_MISMATCH, "tensor '" + std::string(d.name) +
                                      "' has dtype " + e.dtype + ", expected " +
                                      stDtypeFor(d.dtype));
      continue;
    }
    bool same = e.shape.size() == static_cast<size_t>(d.rank);
    for (int32_t k = 0; same && k < d.rank; ++k)
      same = e.shape[k] == d.dims[k];
    if (!same) {
      problem(MRT_SHAPE_MISMATCH, "tensor '" + std::string(d.name) +
                                      "' has shape " + stShapeString(e.shape) +
                                      ", expected " +
                                      mrt::dimsString(d.dims, d.rank));
      continue;
    }
    const uint8_t *p = static_cast<const uint8_t *>(map) + dataStart + e.begin;
    size_t bytes = e.end - e.begin;
    if (reinterpret_cast<uintptr_t>(p) % 4 != 0) {
      // safetensors does not promise alignment; the kernels need at least
      // element alignment, so copy the (rare) misaligned tensor.
      void *copy = alignedAlloc(bytes);
      std::memcpy(copy, p, bytes);
      m.ownedWeightCopies.push_back(copy);
      m.weightPtrs[i] = copy;
    } else {
      m.weightPtrs[i] = const_cast<uint8_t *>(p);
    }
  }
  if (first != MRT_OK) {
    if (count > 20)
      problems += "\n  ... and " + std::to_string(count - 20) + " more";
    return fail(first, "weights file '" + path + "' does not match model '" +
                           info->name + "':" + problems);
  }
  return MRT_OK;
}

std::string buildSignature(const modelc_model_info *info) {
  std::string s;
  for (int32_t i = 0; i < info->num_inputs; ++i) {
    if (i)
      s += ", ";
    s += std::string(info->inputs[i].name) + ": " +
         tensorString(info->inputs[i]);
  }
  s += " -> ";
  for (int32_t i = 0; i < info->num_outputs; ++i) {
    if (i)
      s += ", ";
    s += std::string(info->outputs[i].name) + ": " +
         tensorString(info->outputs[i]);
  }
  return s;
}

bool fileExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

extern "C" mrt_status mrt_load(const char *lib_path, const char *weights_path,
                               mrt_model **out) {
  clearError();
  if (!out)
    return fail(MRT_INVALID_ARGUMENT, "mrt_load: out is NULL");
  *out = nullptr;
  if (!lib_path || !*lib_path)
    return fail(MRT_INVALID_ARGUMENT, "mrt_load: no library path");
  std::string lib = lib_path;
  struct stat st;
  if (::stat(lib.c_str(), &st) != 0) {
    int err = errno;
    return fail(MRT_IO_ERROR,
                "cannot open model library '" + lib + "': " + errnoString(err));
  }
  if (!S_ISREG(st.st_mode))
    return fail(MRT_IO_ERROR,
                "model library '" + lib + "' is not a regular file");

  std::unique_ptr<mrt_model> m(new mrt_model);
  m->libPath = lib;
  // A bare file name would make dlopen search the library path instead.
  std::string dlPath = lib.find('/') == std::string::npos ? "./" + lib : lib;
  m->handle = dlopen(dlPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    const char *e = dlerror();
    return fail(MRT_BAD_FORMAT, "cannot load model library '" + lib +
                                    "': " + (e ? e : "dlopen failed"));
  }
  auto getInfo = reinterpret_cast<decltype(&modelc_get_model_info)>(
      dlsym(m->handle, "modelc_get_model_info"));
  if (!getInfo)
    return fail(MRT_ABI_MISMATCH,
                "'" + lib +
                    "' is not a modelc model library: it does not "
                    "export modelc_get_model_info");
  const modelc_model_info *info = getInfo();
  if (!info)
    return fail(MRT_BAD_FORMAT,
                "'" + lib + "': modelc_get_model_info() returned NULL");
  if (info->abi_version != MODELC_ABI_VERSION)
    return fail(MRT_ABI_MISMATCH,
                "'" + lib + "' was built for modelc ABI version " +
                    std::to_string(info->abi_version) +
                    ", but this runtime supports version " +
                    std::to_string(MODELC_ABI_VERSION) +
                    " (recompile the model with a matching modelc)");
  m->runFn =
      reinterpret_cast<decltype(&modelc_run)>(dlsym(m->handle, "modelc_run"));
  m->setThreadsFn = reinterpret_cast<decltype(&modelc_set_num_threads)>(
      dlsym(m->handle, "modelc_set_num_threads"));
  auto setHandler = reinterpret_cast<decltype(&modelc_set_error_handler)>(
      dlsym(m->handle, "modelc_set_error_handler"));
  if (!m->runFn || !m->setThreadsFn || !setHandler)
    return fail(MRT_ABI_MISMATCH,
                "'" + lib +
                    "' exports modelc_get_model_info but not all of "
                    "modelc_run, modelc_set_num_threads and "
                    "modelc_set_error_handler");
  if (mrt_status s = checkInfo(lib, info))
    return s;
  m->info = info;
  setHandler(&kernelErrorHandler);

  bool explicitWeights = weights_path && *weights_path;
  std::string wpath =
      explicitWeights ? std::string(weights_path) : defaultWeightsPath(lib);
  if (info->num_weights > 0 || explicitWeights || fileExists(wpath)) {
    if (mrt_status s = mapWeights(*m, wpath, explicitWeights))
      return s;
  }
  m->signature = buildSignature(info);
  m->inputPtrs.resize(info->num_inputs);
  m->outputPtrs.resize(info->num_outputs);
  *out = m.release();
  return MRT_OK;
}

extern "C" void mrt_free(mrt_model *model) { delete model; }

//===----------------------------------------------------------------------===//
// Signature
//===----------------------------------------------------------------------===//

extern "C" const char *mrt_model_name(const mrt_model *m) {
  return m ? m->info->name : nullptr;
}
extern "C" const char *mrt_model_target(const mrt_model *m) {
  return m ? (m->info->target ? m->info->target : "cpu") : nullptr;
}
extern "C" const char *mrt_model_lib_path(const mrt_model *m) {
  return m ? m->libPath.c_str() : nullptr;
}
extern "C" const char *mrt_model_weights_path(const mrt_model *m) {
  return m ? m->weightsPath.c_str() : nullptr;
}
extern "C" int64_t mrt_max_seq(const mrt_model *m) {
  return m ? m->info->max_seq : 0;
}
extern "C" int32_t mrt_num_inputs(const mrt_model *m) {
  return m ? m->info->num_inputs : 0;
}
extern "C" int32_t mrt_num_outputs(const mrt_model *m) {
  return m ? m->info->num_outputs : 0;
}
extern "C" int32_t mrt_num_weights(const mrt_model *m) {
  return m ? m->info->num_weights : 0;
}
extern "C" int32_t mrt_num_kernels(const mrt_model *m) {
  return m ? m->info->num_kernels : 0;
}
extern "C" const char *mrt_signature(const mrt_model *m) {
  return m ? m->signature.c_str() : nullptr;
}

static mrt_status tensorInfo(const char *fn, const mrt_model *m, int32_t i,
                             int32_t n, const modelc_tensor_desc *list,
                             mrt_tensor_info *out) {
  if (!m || !out)
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) + ": NULL argument");
  if (i < 0 || i >= n)
    return fail(MRT_INVALID_ARGUMENT,
                std::string(fn) + ": index " + std::to_string(i) +
                    " out of range [0, " + std::to_string(n) + ")");
  const modelc_tensor_desc &d = list[i];
  std::memset(out, 0, sizeof(*out));
  out->name = d.name;
  out->dtype = d.dtype;
  out->rank = d.rank;
  for (int32_t k = 0; k < d.rank; ++k)
    out->dims[k] = d.dims[k];
  return MRT_OK;
}

extern "C" mrt_status mrt_input_info(const mrt_model *m, int32_t i,
                                     mrt_tensor_info *out) {
  return tensorInfo("mrt_input_info", m, i, m ? m->info->num_inputs : 0,
                    m ? m->info->inputs : nullptr, out);
}
extern "C" mrt_status mrt_output_info(const mrt_model *m, int32_t i,
                                      mrt_tensor_info *out) {
  return tensorInfo("mrt_output_info", m, i, m ? m->info->num_outputs : 0,
                    m ? m->info->outputs : nullptr, out);
}
extern "C" mrt_status mrt_weight_info(const mrt_model *m, int32_t i,
                                      mrt_tensor_info *out) {
  return tensorInfo("mrt_weight_info", m, i, m ? m->info->num_weights : 0,
                    m ? m->info->weights : nullptr, out);
}
extern "C" mrt_status mrt_kernel_info_at(const mrt_model *m, int32_t i,
                                         mrt_kernel_info *out) {
  if (!m || !out)
    return fail(MRT_INVALID_ARGUMENT, "mrt_kernel_info_at: NULL argument");
  if (i < 0 || i >= m->info->num_kernels)
    return fail(MRT_INVALID_ARGUMENT,
                "mrt_kernel_info_at: index " + std::to_string(i) +
                    " out of range [0, " +
                    std::to_string(m->info->num_kernels) + ")");
  const modelc_kernel_desc &k = m->info->kernels[i];
  out->name = k.name;
  out->kind = k.kind;
  out->flops_per_token = k.flops_per_token;
  out->flops_per_token_seq = k.flops_per_token_seq;
  return MRT_OK;
}

static void concreteDims(const modelc_tensor_desc &d, int64_t batch,
                         int64_t seq, int64_t *dims) {
  for (int32_t k = 0; k < d.rank; ++k)
    dims[k] = d.dims[k] == MODELC_DIM_BATCH ? batch
              : d.dims[k] == MODELC_DIM_SEQ ? seq
                                            : d.dims[k];
}

static mrt_status tensorShape(const char *fn, const mrt_model *m, int32_t i,
                              int32_t count, const modelc_tensor_desc *descs,
                              int64_t batch, int64_t seq, int32_t *rank,
                              int64_t dims[MRT_MAX_RANK]) {
  if (!m || !rank || !dims)
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) + ": NULL argument");
  if (i < 0 || i >= count)
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) + ": index " +
                                          std::to_string(i) + " out of range");
  const modelc_tensor_desc &d = descs[i];
  *rank = d.rank;
  for (int k = 0; k < MRT_MAX_RANK; ++k)
    dims[k] = 0;
  concreteDims(d, batch, seq, dims);
  return MRT_OK;
}

extern "C" mrt_status mrt_input_shape(const mrt_model *m, int32_t i,
                                      int64_t batch, int64_t seq, int32_t *rank,
                                      int64_t dims[MRT_MAX_RANK]) {
  return tensorShape("mrt_input_shape", m, i, m ? m->info->num_inputs : 0,
                     m ? m->info->inputs : nullptr, batch, seq, rank, dims);
}

extern "C" mrt_status mrt_output_shape(const mrt_model *m, int32_t i,
                                       int64_t batch, int64_t seq,
                                       int32_t *rank,
                                       int64_t dims[MRT_MAX_RANK]) {
  return tensorShape("mrt_output_shape", m, i, m ? m->info->num_outputs : 0,
                     m ? m->info->outputs : nullptr, batch, seq, rank, dims);
}

extern "C" double mrt_kernel_flops(const mrt_model *m, int32_t i, int64_t batch,
                                   int64_t seq) {
  if (!m || i < 0 || i >= m->info->num_kernels)
    return 0;
  const modelc_kernel_desc &k = m->info->kernels[i];
  double tokens = double(batch) * double(seq);
  return k.flops_per_token * tokens + k.flops_per_token_seq * tokens * seq;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

extern "C" mrt_status mrt_set_num_threads(mrt_model *m, int32_t threads) {
  clearError();
  if (!m)
    return fail(MRT_INVALID_ARGUMENT, "mrt_set_num_threads: model is NULL");
  if (threads < 0)
    return fail(MRT_INVALID_ARGUMENT,
                "thread count must be >= 0 (0 = default), got " +
                    std::to_string(threads));
  m->setThreadsFn(threads);
  return MRT_OK;
}

extern "C" int64_t mrt_arena_bytes(const mrt_model *m) {
  return m ? m->arenaBytes : 0;
}
extern "C" int64_t mrt_arena_allocations(const mrt_model *m) {
  return m ? m->arenaAllocations.load() : 0;
}

namespace {

// Caller must hold m.runMutex.
mrt_status growArena(mrt_model &m, int64_t batch, int64_t seq) {
  int64_t perToken = m.info->arena_bytes_per_token;
  int64_t tokens = batch * seq; // both <= max_seq-ish and checked > 0
  if (perToken > 0 && tokens > INT64_MAX / perToken)
    return fail(MRT_INVALID_ARGUMENT, "arena size overflows");
  int64_t need = perToken * tokens;
  if (need <= m.arenaBytes && m.arena)
    return MRT_OK;
  void *p = alignedAlloc(static_cast<size_t>(need));
  if (!p)
    return fail(MRT_INVALID_ARGUMENT,
                "cannot allocate an arena of " + std::to_string(need) +
                    " bytes (batch " + std::to_string(batch) + ", seq " +
                    std::to_string(seq) + ")");
  if (m.arena)
    alignedFree(m.arena);
  m.arena = p;
  m.arenaBytes = need < 64 ? 64 : (need + 63) / 64 * 64;
  m.arenaAllocations++;
  return MRT_OK;
}

// Maps caller tensors to signature slots: by name, or by position.
mrt_status matchTensors(const char *what, const modelc_model_info *info,
                        int32_t expected, const modelc_tensor_desc *list,
                        const mrt_tensor *given, int32_t n,
                        std::vector<int32_t> &slotOf) {
  auto names = [&] {
    std::string s;
    for (int32_t i = 0; i < expected; ++i)
      s += std::string(i ? ", " : "") + list[i].name;
    return s;
  };
  if (n != expected)
    return fail(MRT_INVALID_ARGUMENT,
                std::string("model '") + info->name + "' takes " +
                    std::to_string(expected) + " " + what +
                    (expected == 1 ? "" : "s") + " (" + names() + "), got " +
                    std::to_string(n));
  if (n > 0 && !given)
    return fail(MRT_INVALID_ARGUMENT, std::string(what) + "s array is NULL");
  int named = 0;
  for (int32_t i = 0; i < n; ++i)
    named += given[i].name != nullptr;
  slotOf.assign(n, -1);
  if (named == 0) {
    for (int32_t i = 0; i < n; ++i)
      slotOf[i] = i;
    return MRT_OK;
  }
  if (named != n)
    return fail(MRT_INVALID_ARGUMENT,
                std::string("either name every ") + what + " or none");
  std::vector<bool> taken(expected, false);
  for (int32_t i = 0; i < n; ++i) {
    int32_t slot = -1;
    for (int32_t j = 0; j < expected; ++j)
      if (std::strcmp(given[i].name, list[j].name) == 0)
        slot = j;
    if (slot < 0)
      return fail(MRT_INVALID_ARGUMENT, std::string("unknown ") + what + " '" +
                                            given[i].name + "'; model '" +
                                            info->name + "' has " + what +
                                            "s: " + names());
    if (taken[slot])
      return fail(MRT_INVALID_ARGUMENT,
                  std::string(what) + " '" + given[i].name + "' given twice");
    taken[slot] = true;
    slotOf[i] = slot;
  }
  return MRT_OK;
}

std::string givenString(const mrt_tensor &t) {
  return std::string(dtypeName(t.dtype)) + mrt::dimsString(t.dims, t.rank);
}

mrt_status checkRankDtype(const char *what, const modelc_tensor_desc &d,
                          const mrt_tensor &t) {
  if (!t.data)
    return fail(MRT_INVALID_ARGUMENT,
                std::string(what) + " '" + d.name + "' has no data");
  if (t.rank < 0 || t.rank > MRT_MAX_RANK)
    return fail(MRT_SHAPE_MISMATCH, std::string(what) + " '" + d.name +
                                        "' has invalid rank " +
                                        std::to_string(t.rank));
  if (t.dtype != d.dtype)
    return fail(MRT_DTYPE_MISMATCH,
                std::string(what) + " '" + d.name + "' must be " +
                    dtypeName(d.dtype) + ", got " +
                    (t.dtype == MRT_F32 || t.dtype == MRT_I32
                         ? dtypeName(t.dtype)
                         : "dtype code " + std::to_string(t.dtype)));
  if (t.rank != d.rank)
    return fail(MRT_SHAPE_MISMATCH,
                std::string(what) + " '" + d.name + "' must have rank " +
                    std::to_string(d.rank) + " " + tensorString(d) +
                    ", got rank " + std::to_string(t.rank) + " " +
                    givenString(t));
  return MRT_OK;
}

mrt_status runImpl(mrt_model *m, const mrt_tensor *inputs, int32_t numInputs,
                   mrt_tensor *outputs, int32_t numOutputs,
                   double *kernelSeconds) {
  clearError();
  if (!m)
    return fail(MRT_INVALID_ARGUMENT, "mrt_run: model is NULL");
  const modelc_model_info *info = m->info;
  std::vector<int32_t> inSlot, outSlot;
  if (mrt_status s = matchTensors("input", info, info->num_inputs, info->inputs,
                                  inputs, numInputs, inSlot))
    return s;
  if (mrt_status s = matchTensors("output", info, info->num_outputs,
                                  info->outputs, outputs, numOutputs, outSlot))
    return s;

  // Inputs: dtype, rank, static dims; batch and seq from the dynamic dims.
  int64_t batch = -1, seq = -1;
  for (int32_t i = 0; i < numInputs; ++i) {
    const mrt_tensor &t = inputs[i];
    const modelc_tensor_desc &d = info->inputs[inSlot[i]];
    if (mrt_status s = checkRankDtype("input", d, t))
      return s;
    for (int32_t k = 0; k < d.rank; ++k) {
      int64_t want = d.dims[k], got = t.dims[k];
      if (got < 0)
        return fail(MRT_SHAPE_MISMATCH, std::string("input '") + d.name +
                                            "' has negative dimension " +
                                            std::to_string(got));
      int64_t *var = want == MODELC_DIM_BATCH ? &batch
                     : want == MODELC_DIM_SEQ ? &seq
                                              : nullptr;
      if (!var) {
        if (got != want)
          return fail(MRT_SHAPE_MISMATCH,
                      std::string("input '") + d.name + "' dimension " +
                          std::to_string(k) + " must be " +
                          std::to_string(want) + " " + tensorString(d) +
                          ", got " + givenString(t));
        continue;
      }
      const char *dimName = want == MODELC_DIM_BATCH ? "batch" : "seq";
      if (*var >= 0 && *var != got)
        return fail(MRT_SHAPE_MISMATCH,
                    std::string("inputs disagree on ") + dimName + ": " +
                        std::to_string(*var) + " vs " + std::to_string(got) +
                        " (input '" + d.name + "' " + givenString(t) + ")");
      *var = got;
    }
  }
  if (batch < 1)
    return fail(MRT_INVALID_ARGUMENT,
                "batch must be >= 1, got " + std::to_string(batch));
  if (seq < 1)
    return fail(MRT_INVALID_ARGUMENT,
                "seq must be >= 1, got " + std::to_string(seq));
  if (seq > info->max_seq)
    return fail(MRT_SHAPE_MISMATCH, "seq " + std::to_string(seq) +
                                        " exceeds the model's max_seq " +
                                        std::to_string(info->max_seq));
  if (batch > (int64_t(1) << 31))
    return fail(MRT_INVALID_ARGUMENT,
                "batch " + std::to_string(batch) + " is too large");

  for (int32_t i = 0; i < numOutputs; ++i) {
    const mrt_tensor &t = outputs[i];
    const modelc_tensor_desc &d = info->outputs[outSlot[i]];
    if (mrt_status s = checkRankDtype("output", d, t))
      return s;
    int64_t want[4];
    concreteDims(d, batch, seq, want);
    for (int32_t k = 0; k < d.rank; ++k)
      if (t.dims[k] != want[k])
        return fail(MRT_SHAPE_MISMATCH,
                    std::string("output '") + d.name + "' must be " +
                        dtypeName(d.dtype) + mrt::dimsString(want, d.rank) +
                        " for batch " + std::to_string(batch) + ", seq " +
                        std::to_string(seq) + ", got " + givenString(t));
  }

  std::lock_guard<std::mutex> lock(m->runMutex);
  if (mrt_status s = growArena(*m, batch, seq))
    return s;
  for (int32_t i = 0; i < numInputs; ++i)
    m->inputPtrs[inSlot[i]] = inputs[i].data;
  for (int32_t i = 0; i < numOutputs; ++i)
    m->outputPtrs[outSlot[i]] = outputs[i].data;

  takeKernelErrors(); // drop stale messages
  tlsInRun = true;
  int32_t rc =
      m->runFn(m->weightPtrs.data(), m->inputPtrs.data(), m->outputPtrs.data(),
               batch, seq, m->arena, kernelSeconds);
  tlsInRun = false;
  if (rc != 0) {
    std::string msgs = takeKernelErrors();
    std::string which;
    int32_t k = rc - 1;
    if (k >= 0 && k < info->num_kernels)
      which = "kernel launch " + std::to_string(k) + " '" +
              info->kernels[k].name + "' (" + info->kernels[k].kind + ")";
    else
      which = "modelc_run (code " + std::to_string(rc) + ")";
    return fail(MRT_KERNEL_FAILURE,
                which + " failed" + (msgs.empty() ? "" : ": " + msgs));
  }
  return MRT_OK;
}

} // namespace

extern "C" mrt_status mrt_run(mrt_model *m, const mrt_tensor *inputs,
                              int32_t num_inputs, mrt_tensor *outputs,
                              int32_t num_outputs) {
  return runImpl(m, inputs, num_inputs, outputs, num_outputs, nullptr);
}

extern "C" mrt_status mrt_run_profiled(mrt_model *m, const mrt_tensor *inputs,
                                       int32_t num_inputs, mrt_tensor *outputs,
                                       int32_t num_outputs,
                                       double *kernel_seconds) {
  if (!kernel_seconds && m && m->info->num_kernels > 0)
    return fail(MRT_INVALID_ARGUMENT,
                "mrt_run_profiled: kernel_seconds is NULL");
  return runImpl(m, inputs, num_inputs, outputs, num_outputs, kernel_seconds);
}

extern "C" mrt_status mrt_reserve(mrt_model *m, int64_t batch, int64_t seq) {
  clearError();
  if (!m)
    return fail(MRT_INVALID_ARGUMENT, "mrt_reserve: model is NULL");
  if (batch < 1 || seq < 1 || seq > m->info->max_seq ||
      batch > (int64_t(1) << 31))
    return fail(MRT_INVALID_ARGUMENT,
                "mrt_reserve: need batch >= 1 and 1 <= seq <= max_seq (" +
                    std::to_string(m->info->max_seq) + ")");
  std::lock_guard<std::mutex> lock(m->runMutex);
  return growArena(*m, batch, seq);
}

//===----------------------------------------------------------------------===//
// Tensor helpers
//===----------------------------------------------------------------------===//

extern "C" int64_t mrt_tensor_elements(const mrt_tensor *t) {
  if (!t || t->rank < 0 || t->rank > MRT_MAX_RANK)
    return 0;
  int64_t n = 1;
  for (int32_t k = 0; k < t->rank; ++k)
    n *= t->dims[k];
  return n;
}

extern "C" mrt_status mrt_tensor_alloc(mrt_tensor *t) {
  clearError();
  if (!t)
    return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: NULL tensor");
  if (t->rank < 0 || t->rank > MRT_MAX_RANK)
    return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: bad rank");
  if (t->dtype != MRT_F32 && t->dtype != MRT_I32)
    return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: bad dtype");
  int64_t n = 1;
  for (int32_t k = 0; k < t->rank; ++k) {
    if (t->dims[k] < 0)
      return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: negative dim");
    if (t->dims[k] != 0 && n > (int64_t(1) << 40) / t->dims[k])
      return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: too large");
    n *= t->dims[k];
  }
  size_t bytes = static_cast<size_t>(n) * 4;
  void *p = alignedAlloc(bytes);
  if (!p)
    return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: out of memory");
  std::memset(p, 0, bytes);
  t->data = p;
  return MRT_OK;
}

extern "C" void mrt_tensor_release(mrt_tensor *t) {
  if (!t)
    return;
  alignedFree(t->data);
  t->data = nullptr;
}
