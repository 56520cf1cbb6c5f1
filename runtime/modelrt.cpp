//===- modelrt.cpp - load and run a modelc-compiled library
//----------------===//
//
// dlopen the lib<name>.so, check its ABI, mmap + validate <name>.weights
// (safetensors), validate caller buffers and run with a reused arena.
//
//===----------------------------------------------------------------------===//

#include "runtime/modelrt.h"
#include "runtime/Internal.h"
#include "runtime/SafetensorsFormat.h"
#include "runtime/XXHash64.h"
#include "runtime/modelc_abi.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>

static_assert((int)MRT_F32 == (int)MODELC_F32 &&
                  (int)MRT_I32 == (int)MODELC_I32 &&
                  (int)MRT_I8 == (int)MODELC_I8,
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
  if (bytes > SIZE_MAX - 63)
    return nullptr;
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
  case MRT_I8:
    return "i8";
  default:
    return "?";
  }
}

int64_t physicalMemoryBytes() {
  static const int64_t bytes = [] {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? int64_t(pages) * size : INT64_MAX;
  }();
  return bytes;
}

bool checkedElements(const int64_t *dims, int32_t rank, int64_t &elements) {
  return checkedBytes(dims, rank, 1, elements);
}

bool checkedBytes(const int64_t *dims, int32_t rank, int64_t itemSize,
                  int64_t &bytes) {
  int64_t n = itemSize;
  for (int32_t k = 0; k < rank; ++k)
    if (dims[k] < 0 || __builtin_mul_overflow(n, dims[k], &n))
      return false;
  bytes = n;
  return true;
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
  case MRT_WEIGHTS_MISMATCH:
    return "weights mismatch";
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
  std::atomic<int64_t> arenaBytes{0}; // read without the mutex
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
  if (info->weights_bytes < 0)
    return bad("negative weights size");
  bool hasBatch = false;
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
      // I8 only in the weight list (neither dynamic dims nor the batch).
      bool known = d.dtype == MODELC_F32 || d.dtype == MODELC_I32 ||
                   (d.dtype == MODELC_I8 && !dynamicOk && !record);
      if (!known) {
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
      }
      if (d.limit < 0) {
        bad(where + " '" + d.name + "' has negative id limit " +
            std::to_string(d.limit));
        return false;
      }
    }
    return true;
  };
  if (!checkList("input", info->num_inputs, info->inputs, true, true) ||
      !checkList("output", info->num_outputs, info->outputs, true, false) ||
      !checkList("weight", info->num_weights, info->weights, false, false))
    return MRT_BAD_FORMAT;
  // Inputs without a seq dimension (an image) fix seq at max_seq.
  if (!hasBatch)
    return bad("the inputs do not carry the batch dimension");
  for (int32_t i = 0; i < info->num_outputs; ++i)
    if (info->outputs[i].dtype != MODELC_F32 &&
        info->outputs[i].dtype != MODELC_I32)
      return bad("bad output dtype");
  for (int32_t i = 0; i < info->num_kernels; ++i)
    if (!info->kernels[i].name || !info->kernels[i].kind)
      return bad("kernel " + std::to_string(i) + " has no name or kind");
  return MRT_OK;
}

const char *stDtypeFor(int32_t dtype) {
  return dtype == MODELC_F32 ? "F32" : dtype == MODELC_I8 ? "I8" : "I32";
}

std::string hex64(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", (unsigned long long)v);
  return buf;
}

// Lists up to 20 problems, one per line, after `what`.
std::string listProblems(const std::string &what,
                         const std::vector<std::string> &problems) {
  if (problems.size() == 1)
    return what + ": " + problems[0];
  std::string s = what + ":";
  for (size_t i = 0; i < problems.size() && i < 20; ++i)
    s += "\n  " + problems[i];
  if (problems.size() > 20)
    s += "\n  ... and " + std::to_string(problems.size() - 20) + " more";
  return s;
}

// The library records the size and XXH64 of the weights file it was compiled
// with ({0, 0}: not recorded, no check).
mrt_status checkDigest(const mrt_model &m, const uint8_t *data, size_t size) {
  const modelc_model_info *info = m.info;
  if (info->weights_bytes == 0 && info->weights_xxh64 == 0)
    return MRT_OK;
  std::string file = "weights file '" + m.weightsPath + "'";
  std::string lib = "library '" + m.libPath + "'";
  if (static_cast<uint64_t>(size) != static_cast<uint64_t>(info->weights_bytes))
    return fail(MRT_WEIGHTS_MISMATCH,
                file + " is " + std::to_string(size) + " bytes, but " + lib +
                    " was compiled with a " +
                    std::to_string(info->weights_bytes) +
                    "-byte weights file (another model's weights, or a "
                    "truncated file?)");
  uint64_t digest = xxh64(data, size);
  if (digest != info->weights_xxh64)
    return fail(MRT_WEIGHTS_MISMATCH,
                file + " has XXH64 " + hex64(digest) + ", but " + lib +
                    " was compiled with weights of XXH64 " +
                    hex64(info->weights_xxh64) +
                    " (the file was altered, or belongs to another compile)");
  return MRT_OK;
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

  const uint8_t *bytes = static_cast<const uint8_t *>(map);
  if (mrt_status s = checkDigest(m, bytes, size))
    return s;
  safetensors::Header header;
  std::vector<std::string> problems;
  if (!safetensors::readHeader(bytes, size, header, problems))
    return fail(MRT_BAD_FORMAT, listProblems("weights file '" + path +
                                                 "' is not valid safetensors",
                                             problems));
  std::unordered_map<std::string, const safetensors::Tensor *> byName;
  for (const safetensors::Tensor &t : header.tensors)
    byName.emplace(t.name, &t);

  // Every weight the model needs, with its dtype and shape; report them all.
  mrt_status first = MRT_OK;
  auto problem = [&](mrt_status s, const std::string &msg) {
    if (first == MRT_OK)
      first = s;
    problems.push_back(msg);
  };
  m.weightPtrs.assign(info->num_weights, nullptr);
  for (int32_t i = 0; i < info->num_weights; ++i) {
    const modelc_tensor_desc &d = info->weights[i];
    auto it = byName.find(d.name);
    if (it == byName.end()) {
      problem(MRT_BAD_FORMAT, "missing tensor '" + std::string(d.name) +
                                  "' (expected " + tensorString(d) + ")");
      continue;
    }
    const safetensors::Tensor &t = *it->second;
    if (t.dtype != stDtypeFor(d.dtype)) {
      problem(MRT_DTYPE_MISMATCH, "tensor '" + std::string(d.name) +
                                      "' has dtype " + t.dtype + ", expected " +
                                      stDtypeFor(d.dtype));
      continue;
    }
    bool same = t.shape.size() == static_cast<size_t>(d.rank);
    for (int32_t k = 0; same && k < d.rank; ++k)
      same = t.shape[k] == d.dims[k];
    if (!same) {
      problem(MRT_SHAPE_MISMATCH,
              "tensor '" + std::string(d.name) + "' has shape " +
                  safetensors::shapeString(t.shape) + ", expected " +
                  mrt::dimsString(d.dims, d.rank));
      continue;
    }
    const uint8_t *p = bytes + header.dataStart + t.begin;
    size_t tensorBytes = t.end - t.begin;
    if (reinterpret_cast<uintptr_t>(p) % 4 != 0) {
      // safetensors does not promise alignment; the kernels need at least
      // element alignment, so copy the (rare) misaligned tensor.
      void *copy = alignedAlloc(tensorBytes);
      if (!copy)
        return fail(MRT_IO_ERROR, "out of memory copying misaligned tensor '" +
                                      std::string(d.name) + "'");
      std::memcpy(copy, p, tensorBytes);
      m.ownedWeightCopies.push_back(copy);
      m.weightPtrs[i] = copy;
    } else {
      m.weightPtrs[i] = const_cast<uint8_t *>(p);
    }
  }
  if (first != MRT_OK)
    return fail(first,
                listProblems("weights file '" + path +
                                 "' does not match model '" + info->name + "'",
                             problems));
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
  out->limit = d.dtype == MODELC_I32 ? d.limit : 0;
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

// batch and seq as a caller passes them: 1 <= batch <= MRT_MAX_BATCH,
// 1 <= seq <= max_seq.
static mrt_status checkBatchSeq(const char *fn, const mrt_model &m,
                                int64_t batch, int64_t seq) {
  if (batch < 1 || batch > MRT_MAX_BATCH)
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) +
                                          ": batch must be in [1, " +
                                          std::to_string(MRT_MAX_BATCH) +
                                          "], got " + std::to_string(batch));
  if (seq < 1 || seq > m.info->max_seq)
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) +
                                          ": seq must be in [1, max_seq = " +
                                          std::to_string(m.info->max_seq) +
                                          "], got " + std::to_string(seq));
  return MRT_OK;
}

static mrt_status tensorShape(const char *fn, const mrt_model *m, int32_t i,
                              int32_t count, const modelc_tensor_desc *descs,
                              int64_t batch, int64_t seq, int32_t *rank,
                              int64_t dims[MRT_MAX_RANK]) {
  clearError();
  if (!m || !rank || !dims)
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) + ": NULL argument");
  if (i < 0 || i >= count)
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) + ": index " +
                                          std::to_string(i) + " out of range");
  if (mrt_status s = checkBatchSeq(fn, *m, batch, seq))
    return s;
  const modelc_tensor_desc &d = descs[i];
  int64_t concrete[MRT_MAX_RANK] = {0}, bytes;
  concreteDims(d, batch, seq, concrete);
  if (!checkedBytes(concrete, d.rank, 4, bytes))
    return fail(MRT_INVALID_ARGUMENT, std::string(fn) + ": '" + d.name + "' " +
                                          mrt::dimsString(concrete, d.rank) +
                                          " would overflow int64 bytes");
  *rank = d.rank;
  std::memcpy(dims, concrete, sizeof concrete);
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
  if (!m || i < 0 || i >= m->info->num_kernels || batch < 1 ||
      batch > MRT_MAX_BATCH || seq < 1 || seq > m->info->max_seq)
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
  if (threads < 0 || threads > MRT_MAX_THREADS)
    return fail(
        MRT_INVALID_ARGUMENT,
        "thread count must be in [0, " + std::to_string(MRT_MAX_THREADS) +
            "] (0 = the runtime's default), got " + std::to_string(threads));
  // Not while a run of this model uses the thread pool.
  std::lock_guard<std::mutex> lock(m->runMutex);
  m->setThreadsFn(threads);
  return MRT_OK;
}

extern "C" int64_t mrt_arena_bytes(const mrt_model *m) {
  return m ? m->arenaBytes.load() : 0;
}
extern "C" int64_t mrt_arena_allocations(const mrt_model *m) {
  return m ? m->arenaAllocations.load() : 0;
}

namespace {

// Caller must hold m.runMutex; batch and seq are checked.
mrt_status growArena(mrt_model &m, int64_t batch, int64_t seq) {
  int64_t dims[3] = {m.info->arena_bytes_per_token, batch, seq};
  int64_t need;
  if (!checkedElements(dims, 3, need) || need > INT64_MAX - 63)
    return fail(MRT_INVALID_ARGUMENT,
                "the arena for batch " + std::to_string(batch) + ", seq " +
                    std::to_string(seq) + " would overflow int64 bytes");
  if (need <= m.arenaBytes && m.arena)
    return MRT_OK;
  if (need > physicalMemoryBytes())
    return fail(MRT_INVALID_ARGUMENT,
                "the arena for batch " + std::to_string(batch) + ", seq " +
                    std::to_string(seq) + " needs " + std::to_string(need) +
                    " bytes, more than this machine's memory (" +
                    std::to_string(physicalMemoryBytes()) + " bytes)");
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
  if (reinterpret_cast<uintptr_t>(t.data) % 4 != 0)
    return fail(MRT_INVALID_ARGUMENT, std::string(what) + " '" + d.name +
                                          "' data is not 4-byte aligned");
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

// "[1, 7]": the position of flat element `index` in dims.
std::string positionString(int64_t index, const int64_t *dims, int32_t rank) {
  int64_t position[MRT_MAX_RANK] = {0};
  for (int32_t k = rank - 1; k >= 0; --k) {
    position[k] = dims[k] ? index % dims[k] : 0;
    index = dims[k] ? index / dims[k] : 0;
  }
  return mrt::dimsString(position, rank);
}

// An id input indexes a table of `limit` rows: every id must be in
// [0, limit), checked here because a kernel would read out of bounds (or
// clamp silently).
mrt_status checkIds(const modelc_tensor_desc &d, const mrt_tensor &t) {
  if (d.dtype != MODELC_I32 || d.limit <= 0)
    return MRT_OK;
  int64_t n = 1;
  checkedElements(t.dims, t.rank, n);
  const int32_t *ids = static_cast<const int32_t *>(t.data);
  for (int64_t k = 0; k < n; ++k)
    if (ids[k] < 0 || ids[k] >= d.limit)
      return fail(MRT_INVALID_ARGUMENT, std::string("input '") + d.name +
                                            "' has id " +
                                            std::to_string(ids[k]) + " at " +
                                            positionString(k, t.dims, t.rank) +
                                            ", outside its table's range [0, " +
                                            std::to_string(d.limit) + ")");
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

  // Inputs: dtype, rank, static dims; batch and seq from the dynamic dims
  // (inputs without a seq dimension, an image, run at seq = max_seq).
  int64_t batch = -1, seq = -1;
  bool seqGiven = false;
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
      seqGiven |= want == MODELC_DIM_SEQ;
      if (*var >= 0 && *var != got)
        return fail(MRT_SHAPE_MISMATCH,
                    std::string("inputs disagree on ") + dimName + ": " +
                        std::to_string(*var) + " vs " + std::to_string(got) +
                        " (input '" + d.name + "' " + givenString(t) + ")");
      *var = got;
    }
  }
  if (!seqGiven)
    seq = info->max_seq;
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
  if (batch > MRT_MAX_BATCH)
    return fail(MRT_INVALID_ARGUMENT, "batch " + std::to_string(batch) +
                                          " is above MRT_MAX_BATCH (" +
                                          std::to_string(MRT_MAX_BATCH) + ")");

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
  // Every buffer's bytes must be an int64 (inputs and outputs now have the
  // signature's dims, all >= 0).
  auto tooLarge = [&](const char *what, const mrt_tensor &t) {
    int64_t bytes;
    if (checkedBytes(t.dims, t.rank, 4, bytes))
      return MRT_OK;
    return fail(MRT_INVALID_ARGUMENT, std::string(what) + " " + givenString(t) +
                                          " would overflow int64 bytes");
  };
  for (int32_t i = 0; i < numInputs; ++i)
    if (mrt_status s = tooLarge("input", inputs[i]))
      return s;
  for (int32_t i = 0; i < numOutputs; ++i)
    if (mrt_status s = tooLarge("output", outputs[i]))
      return s;
  for (int32_t i = 0; i < numInputs; ++i)
    if (mrt_status s = checkIds(info->inputs[inSlot[i]], inputs[i]))
      return s;

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
  if (mrt_status s = checkBatchSeq("mrt_reserve", *m, batch, seq))
    return s;
  std::lock_guard<std::mutex> lock(m->runMutex);
  return growArena(*m, batch, seq);
}

//===----------------------------------------------------------------------===//
// Tensor helpers
//===----------------------------------------------------------------------===//

extern "C" int64_t mrt_tensor_elements(const mrt_tensor *t) {
  int64_t n;
  if (!t || t->rank < 0 || t->rank > MRT_MAX_RANK ||
      !checkedElements(t->dims, t->rank, n))
    return -1;
  return n;
}

extern "C" mrt_status mrt_tensor_alloc(mrt_tensor *t) {
  clearError();
  if (!t)
    return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: NULL tensor");
  if (t->rank < 0 || t->rank > MRT_MAX_RANK)
    return fail(MRT_INVALID_ARGUMENT,
                "mrt_tensor_alloc: rank " + std::to_string(t->rank) +
                    " is outside [0, " + std::to_string(MRT_MAX_RANK) + "]");
  if (t->dtype != MRT_F32 && t->dtype != MRT_I32)
    return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: unknown dtype code " +
                                          std::to_string(t->dtype));
  int64_t bytes;
  if (!checkedBytes(t->dims, t->rank, 4, bytes))
    return fail(MRT_INVALID_ARGUMENT,
                "mrt_tensor_alloc: dims " + mrt::dimsString(t->dims, t->rank) +
                    " are negative or overflow int64 bytes");
  if (bytes > physicalMemoryBytes())
    return fail(MRT_INVALID_ARGUMENT,
                "mrt_tensor_alloc: " + std::string(dtypeName(t->dtype)) +
                    mrt::dimsString(t->dims, t->rank) + " needs " +
                    std::to_string(bytes) +
                    " bytes, more than this machine's memory (" +
                    std::to_string(physicalMemoryBytes()) + " bytes)");
  void *p = alignedAlloc(static_cast<size_t>(bytes));
  if (!p)
    return fail(MRT_INVALID_ARGUMENT, "mrt_tensor_alloc: cannot allocate " +
                                          std::to_string(bytes) +
                                          " bytes for " + dtypeName(t->dtype) +
                                          mrt::dimsString(t->dims, t->rank));
  std::memset(p, 0, static_cast<size_t>(bytes));
  t->data = p;
  return MRT_OK;
}

extern "C" void mrt_tensor_release(mrt_tensor *t) {
  if (!t)
    return;
  alignedFree(t->data);
  t->data = nullptr;
}
