//===- CliSupport.h - shared helpers of `modelc run` / `bench` --*- C++ -*-===//
//
// Hand-written argv parsing (no llvm::cl: the compile command owns LLVM's
// global option registry) and formatting. Header-only; internal to the
// ModelcRuntimeCommands library.
//
//===----------------------------------------------------------------------===//
#ifndef MODELRT_CLISUPPORT_H
#define MODELRT_CLISUPPORT_H

#include "runtime/modelrt.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace mrt::cli {

inline double nowSeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// The median of `times` (not empty).
inline double median(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  size_t n = times.size();
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

inline std::string dims(const int64_t *d, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      s += ", ";
    s += d[i] == MRT_DIM_BATCH ? "batch"
         : d[i] == MRT_DIM_SEQ ? "seq"
                               : std::to_string(d[i]);
  }
  return s + "]";
}

inline const char *dtype(int32_t t) {
  return t == MRT_F32 ? "f32" : t == MRT_I32 ? "i32" : "?";
}

// Reports "modelc <cmd>: error: <msg>" and returns 1.
inline int error(const char *cmd, const std::string &msg) {
  std::fprintf(stderr, "modelc %s: error: %s\n", cmd, msg.c_str());
  return 1;
}

// A tiny argv walker: --name VALUE, --name=VALUE, flags, positionals.
class Args {
public:
  Args(int argc, char **argv) : argc(argc), argv(argv) {}

  bool done() const { return i >= argc; }
  const char *peek() const { return argv[i]; }

  // If argv[i] is --name or --name=V, consumes it (and V) into value.
  // Returns 0 if not this option, 1 if matched, -1 if the value is missing.
  int option(const char *name, std::string &value) {
    const char *a = argv[i];
    size_t n = std::strlen(name);
    if (std::strncmp(a, name, n) != 0)
      return 0;
    if (a[n] == '=') {
      value = a + n + 1;
      ++i;
      return 1;
    }
    if (a[n] != '\0')
      return 0;
    if (i + 1 >= argc)
      return -1;
    value = argv[i + 1];
    i += 2;
    return 1;
  }
  bool flag(const char *name) {
    if (std::strcmp(argv[i], name) == 0) {
      ++i;
      return true;
    }
    return false;
  }
  const char *next() { return argv[i++]; }

private:
  int argc;
  char **argv;
  int i = 1; // argv[0] is the subcommand
};

inline bool parseInt(const std::string &s, long long lo, long long hi,
                     long long &out) {
  if (s.empty())
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end != '\0' || v < lo || v > hi)
    return false;
  out = v;
  return true;
}

struct ModelDeleter {
  void operator()(mrt_model *m) const { mrt_free(m); }
};
using ModelPtr = std::unique_ptr<mrt_model, ModelDeleter>;

// Takes an argument that is no known option as the command's one model
// library. Returns an error message, or "" when taken.
inline std::string takeLibrary(const char *a, std::string &lib,
                               const char *cmd) {
  if (a[0] == '-' && a[1] != '\0')
    return std::string("unknown option '") + a + "' (see modelc " + cmd +
           " --help)";
  if (!lib.empty())
    return std::string("unexpected argument '") + a +
           "': only one model library";
  lib = a;
  return "";
}

// Loads a model library and its weights (default: beside it); null with the
// reason in mrt_last_error() on failure.
inline ModelPtr loadModel(const std::string &lib, const std::string &weights) {
  mrt_model *raw = nullptr;
  if (mrt_load(lib.c_str(), weights.empty() ? nullptr : weights.c_str(),
               &raw) != MRT_OK)
    return nullptr;
  return ModelPtr(raw);
}

// Whether some input has a seq dimension. A model whose inputs have none (an
// image model) always runs at seq = max_seq.
inline bool inputsCarrySeq(mrt_model *m) {
  for (int32_t i = 0; i < mrt_num_inputs(m); ++i) {
    mrt_tensor_info info;
    if (mrt_input_info(m, i, &info) != MRT_OK)
      continue;
    for (int32_t k = 0; k < info.rank; ++k)
      if (info.dims[k] == MRT_DIM_SEQ)
        return true;
  }
  return false;
}

} // namespace mrt::cli

#endif // MODELRT_CLISUPPORT_H
