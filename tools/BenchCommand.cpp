//===- BenchCommand.cpp - `modelc bench`: time a compiled model
//------------===//
//
// Random token ids, warm-up runs, N timed runs (each profiled per kernel
// launch by the library itself), then median/min time, tokens/s and a
// per-kernel table aggregated by kernel name with the layer index folded
// ("layer3.mlp_up" -> "layer*.mlp_up"). --json prints one JSON object for
// the bench harness.
//
//===----------------------------------------------------------------------===//

#include "tools/RuntimeCommands.h"

#include "runtime/CliSupport.h"
#include "runtime/modelrt.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace mrt::cli;

namespace {

const char *kBenchUsage =
    "usage: modelc bench LIB [options]\n"
    "\n"
    "Times a compiled model (OUTDIR/lib<name>.so) on random token ids.\n"
    "\n"
    "options:\n"
    "  --batch B        batch size (default 1)\n"
    "  --seq S          sequence length (default min(128, max_seq))\n"
    "  --threads T      kernel threads (default 0: the runtime's default)\n"
    "  --iters N        timed runs (default 10)\n"
    "  --warmup W       untimed runs first (default 2)\n"
    "  --seed N         random seed of the token ids (default 0)\n"
    "  --weights FILE   the weights (default: <name>.weights beside LIB)\n"
    "  --by-instance    one profile row per kernel launch name, unfolded\n"
    "  --json           print {\"median_ms\",\"min_ms\",\"batch\",\"seq\",\n"
    "                   "
    "\"threads\",\"kernels\":[{\"name\",\"class\",\"calls\",\n"
    "                   \"ms\",\"gflop\",\"gflops\"}]} on stdout (per-run ms)\n"
    "  --help           this text\n";

// Folds layer indices: a dot-separated component that is all digits, or a
// known layer prefix followed by digits, becomes "*".
std::string foldName(const std::string &name) {
  static const char *prefixes[] = {"layers", "layer", "blocks", "block",
                                   "blk",    "loop",  "h",      "l"};
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos)
      dot = name.size();
    std::string part = name.substr(start, dot - start);
    size_t digits = part.size();
    while (digits > 0 && std::isdigit((unsigned char)part[digits - 1]))
      --digits;
    if (digits < part.size()) {
      std::string prefix = part.substr(0, digits);
      if (!prefix.empty() && prefix.back() == '_')
        prefix.pop_back();
      bool fold = prefix.empty();
      for (const char *p : prefixes)
        fold |= prefix == p;
      if (fold)
        part = part.substr(0, digits) + "*";
    }
    out += part;
    if (dot == name.size())
      break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

std::string jsonString(const std::string &s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += (char)c;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else {
      o += (char)c;
    }
  }
  return o + "\"";
}

std::string jsonNumber(double v) {
  if (!(v == v) || v > 1e300 || v < -1e300)
    return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Token ids below min(100, vocab) where the vocab can be read from an
// embedding-like weight (rank 2, name mentioning emb/wte/tok), else 100.
int32_t tokenLimit(const mrt_model *m) {
  for (int32_t i = 0; i < mrt_num_weights(m); ++i) {
    mrt_tensor_info w;
    if (mrt_weight_info(m, i, &w) != MRT_OK || w.rank != 2)
      continue;
    std::string n = w.name;
    std::transform(n.begin(), n.end(), n.begin(), ::tolower);
    if (n.find("emb") != std::string::npos ||
        n.find("wte") != std::string::npos ||
        n.find("tok") != std::string::npos) {
      if (w.dims[0] > 0 && w.dims[0] < 100)
        return (int32_t)w.dims[0];
      return 100;
    }
  }
  return 100;
}

struct Row {
  std::string name, kind;
  long long calls = 0;
  double seconds = 0; // summed over the timed runs
  double flop = 0;    // per run
};

} // namespace

int benchCommand(int argc, char **argv) {
  const char *cmd = "bench";
  Args args(argc, argv);
  std::string lib, weights, value;
  long long batch = 1, seq = -1, threads = 0, iters = 10, warmup = 2, seed = 0;
  bool json = false, byInstance = false;
  while (!args.done()) {
    int r;
    if (args.flag("--help") || args.flag("-h")) {
      std::fputs(kBenchUsage, stdout);
      return 0;
    }
    if (args.flag("--json")) {
      json = true;
      continue;
    }
    if (args.flag("--by-instance")) {
      byInstance = true;
      continue;
    }
    struct IntOpt {
      const char *name;
      long long *dst, lo, hi;
    } intOpts[] = {
        {"--batch", &batch, 1, 1 << 20},   {"--seq", &seq, 1, 1 << 24},
        {"--threads", &threads, 0, 4096},  {"--iters", &iters, 1, 1000000},
        {"--warmup", &warmup, 0, 1000000}, {"--seed", &seed, 0, LLONG_MAX}};
    bool matched = false;
    for (auto &o : intOpts) {
      if ((r = args.option(o.name, value))) {
        if (r < 0 || !parseInt(value, o.lo, o.hi, *o.dst))
          return error(cmd, std::string(o.name) + " needs an integer in [" +
                                std::to_string(o.lo) + ", " +
                                std::to_string(o.hi) + "]");
        matched = true;
        break;
      }
    }
    if (matched)
      continue;
    if ((r = args.option("--weights", value))) {
      if (r < 0 || value.empty())
        return error(cmd, "--weights needs a file name");
      weights = value;
      continue;
    }
    std::string problem = takeLibrary(args.next(), lib, cmd);
    if (!problem.empty())
      return error(cmd, problem);
  }
  if (lib.empty())
    return error(cmd, "no model library given (see modelc bench --help)");

  ModelPtr model = loadModel(lib, weights);
  if (!model)
    return error(cmd, mrt_last_error());
  mrt_model *m = model.get();
  if (mrt_set_num_threads(m, (int32_t)threads) != MRT_OK)
    return error(cmd, mrt_last_error());
  if (!inputsCarrySeq(m)) {
    // An image model: its token count is fixed.
    if (seq >= 0 && seq != mrt_max_seq(m))
      return error(cmd, "--seq " + std::to_string(seq) +
                            ": the model's inputs have no seq dimension; it "
                            "always runs at seq = " +
                            std::to_string(mrt_max_seq(m)));
    seq = mrt_max_seq(m);
  }
  if (seq < 0)
    seq = std::min<long long>(128, mrt_max_seq(m));
  if (seq > mrt_max_seq(m))
    return error(cmd, "--seq " + std::to_string(seq) +
                          " exceeds the model's max_seq " +
                          std::to_string(mrt_max_seq(m)));

  // Inputs: the first integer input gets random token ids, other integer
  // inputs (token types) zeros, float inputs uniform [-1, 1).
  std::mt19937 rng((uint32_t)seed);
  int32_t limit = tokenLimit(m);
  int32_t nIn = mrt_num_inputs(m), nOut = mrt_num_outputs(m);
  std::vector<mrt_tensor> in(nIn), out(nOut);
  struct Release {
    std::vector<mrt_tensor> *a, *b;
    ~Release() {
      for (auto &t : *a)
        mrt_tensor_release(&t);
      for (auto &t : *b)
        mrt_tensor_release(&t);
    }
  } release{&in, &out};
  bool tokensDone = false;
  for (int32_t i = 0; i < nIn; ++i) {
    mrt_tensor_info info;
    mrt_input_info(m, i, &info);
    mrt_tensor &t = in[i];
    t.name = info.name;
    t.dtype = info.dtype;
    if (mrt_input_shape(m, i, batch, seq, &t.rank, t.dims) != MRT_OK ||
        mrt_tensor_alloc(&t) != MRT_OK)
      return error(cmd, mrt_last_error());
    int64_t n = mrt_tensor_elements(&t);
    if (t.dtype == MRT_I32 && !tokensDone) {
      std::uniform_int_distribution<int32_t> dist(0, limit - 1);
      for (int64_t k = 0; k < n; ++k)
        static_cast<int32_t *>(t.data)[k] = dist(rng);
      tokensDone = true;
    } else if (t.dtype == MRT_F32) {
      std::uniform_real_distribution<float> dist(-1.f, 1.f);
      for (int64_t k = 0; k < n; ++k)
        static_cast<float *>(t.data)[k] = dist(rng);
    }
  }
  for (int32_t j = 0; j < nOut; ++j) {
    mrt_tensor_info info;
    mrt_output_info(m, j, &info);
    mrt_tensor &t = out[j];
    t.name = info.name;
    t.dtype = info.dtype;
    if (mrt_output_shape(m, j, batch, seq, &t.rank, t.dims) != MRT_OK ||
        mrt_tensor_alloc(&t) != MRT_OK)
      return error(cmd, mrt_last_error());
  }

  int32_t nk = mrt_num_kernels(m);
  std::vector<double> ks(std::max(nk, 1), 0.0), total(std::max(nk, 1), 0.0);
  if (mrt_reserve(m, batch, seq) != MRT_OK)
    return error(cmd, mrt_last_error());
  for (long long w = 0; w < warmup; ++w)
    if (mrt_run_profiled(m, in.data(), nIn, out.data(), nOut, ks.data()))
      return error(cmd, mrt_last_error());
  std::vector<double> times;
  times.reserve(iters);
  for (long long it = 0; it < iters; ++it) {
    double t0 = nowSeconds();
    if (mrt_run_profiled(m, in.data(), nIn, out.data(), nOut, ks.data()))
      return error(cmd, mrt_last_error());
    times.push_back(nowSeconds() - t0);
    for (int32_t k = 0; k < nk; ++k)
      total[k] += ks[k];
  }
  double median = mrt::cli::median(times);
  double minT = *std::min_element(times.begin(), times.end());

  // Aggregate the launches by (folded) name, in first-launch order.
  std::vector<Row> rows;
  std::map<std::string, size_t> index;
  double kernelSeconds = 0;
  for (int32_t k = 0; k < nk; ++k) {
    mrt_kernel_info ki;
    mrt_kernel_info_at(m, k, &ki);
    std::string key = byInstance ? ki.name : foldName(ki.name);
    auto it = index.find(key + "\x1f" + ki.kind);
    if (it == index.end()) {
      it = index.emplace(key + "\x1f" + ki.kind, rows.size()).first;
      rows.push_back(Row{key, ki.kind});
    }
    Row &r = rows[it->second];
    r.calls++;
    r.seconds += total[k];
    r.flop += mrt_kernel_flops(m, k, batch, seq);
    kernelSeconds += total[k];
  }
  double perRun = 1.0 / (double)iters;

  if (json) {
    std::string s = "{\"median_ms\":" + jsonNumber(median * 1e3) +
                    ",\"min_ms\":" + jsonNumber(minT * 1e3) +
                    ",\"batch\":" + std::to_string(batch) +
                    ",\"seq\":" + std::to_string(seq) +
                    ",\"threads\":" + std::to_string(threads) +
                    ",\"kernels\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row &r = rows[i];
      double ms = r.seconds * perRun * 1e3;
      double gflops = ms > 0 ? r.flop / (ms * 1e-3) / 1e9 : 0;
      s += std::string(i ? "," : "") + "{\"name\":" + jsonString(r.name) +
           ",\"class\":" + jsonString(r.kind) +
           ",\"calls\":" + std::to_string(r.calls) +
           ",\"ms\":" + jsonNumber(ms) +
           ",\"gflop\":" + jsonNumber(r.flop / 1e9) +
           ",\"gflops\":" + jsonNumber(gflops) + "}";
    }
    s += "]}";
    std::printf("%s\n", s.c_str());
    return 0;
  }

  std::printf("model %s (%s), batch %lld, seq %lld, threads %lld%s\n",
              mrt_model_name(m), mrt_model_target(m), batch, seq, threads,
              threads == 0 ? " (default)" : "");
  std::printf("median %.3f ms, min %.3f ms, %.1f tokens/s (%lld runs after "
              "%lld warm-up)\n",
              median * 1e3, minT * 1e3,
              median > 0 ? double(batch * seq) / median : 0.0, iters, warmup);
  if (rows.empty())
    return 0;
  size_t width = 6;
  for (const Row &r : rows)
    width = std::max(width, r.name.size());
  std::printf("\n%-*s  %-11s %6s %10s %7s %10s\n", (int)width, "kernel",
              "class", "calls", "ms/run", "% time", "GFLOP/s");
  for (const Row &r : rows) {
    double ms = r.seconds * perRun * 1e3;
    double pct = kernelSeconds > 0 ? 100.0 * r.seconds / kernelSeconds : 0;
    double gflops = ms > 0 ? r.flop / (ms * 1e-3) / 1e9 : 0;
    std::printf("%-*s  %-11s %6lld %10.3f %6.1f%% %10.1f\n", (int)width,
                r.name.c_str(), r.kind.c_str(), r.calls, ms, pct, gflops);
  }
  std::printf("%-*s  %-11s %6d %10.3f %6.1f%%\n", (int)width, "total", "", nk,
              kernelSeconds * perRun * 1e3, 100.0);
  return 0;
}
