//===- CodegenTest.cpp - compile small kernel-stage modules, run, compare -===//
//
// Builds libraries from hand-written kernel-stage nn IR (embedding +
// positions, layer norm, QKV GEMM, slice/RoPE/attention with GQA, output
// GEMM, residual + RMSNorm with two results, MLP or GLU GEMMs with every
// activation, residual add), dlopens them, runs them on random data and
// compares every launch's output with a double-precision C++ reference.
// Usage: codegen-unit-test <scratch dir>
//
//===----------------------------------------------------------------------===//
#include "codegen/Codegen.h"
#include "dialect/NNDialect.h"
#include "dialect/NNOps.h"
#include "runtime/modelc_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <dlfcn.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace modelc;

namespace {

struct Config {
  std::string name;
  std::string act; // relu | gelu | gelu_tanh | silu
  bool glu;
  std::string rope; // half | interleaved | none
  bool causal;
  int heads, kvHeads;
};

constexpr int D = 64, HD = 256, VOCAB = 50, MAXSEQ = 32;

// Compiles and links `module` (no weights digest: the test loads the
// library itself).
mlir::FailureOr<std::unique_ptr<codegen::Library>>
buildLibrary(mlir::ModuleOp module, const std::string &name,
             const codegen::TargetOptions &opts, const std::string &dir) {
  auto lib = codegen::Library::compile(module, name, opts, dir);
  if (mlir::failed(lib) || mlir::failed((*lib)->link({})))
    return mlir::failure();
  return lib;
}

std::string replaceAll(std::string s, const std::string &a,
                       const std::string &b) {
  for (size_t p = s.find(a); p != std::string::npos;
       p = s.find(a, p + b.size()))
    s.replace(p, a.size(), b);
  return s;
}

std::string moduleText(const Config &c) {
  int d = D / c.heads, kvw = c.kvHeads * d, qkvw = D + 2 * kvw;
  std::string t = R"(
module attributes {nn.arena_floats_per_token = 1024 : i64, nn.max_seq = 32 : i64} {
func.func @forward(%tokens: tensor<?x?xi32>) -> tensor<?x?x64xf32> {
  %wte = nn.weight "wte" : tensor<50x64xf32>
  %wpe = nn.weight "wpe" : tensor<32x64xf32>
  %g1 = nn.weight "ln1.g" : tensor<64xf32>
  %b1 = nn.weight "ln1.b" : tensor<64xf32>
  %wqkv = nn.weight "qkv.w" transposed : tensor<64xQKVWxf32>
  %bqkv = nn.weight "qkv.b" : tensor<QKVWxf32>
  %wo = nn.weight "o.w" : tensor<64x64xf32>
  %g2 = nn.weight "ln2.g" : tensor<64xf32>
  %wup = nn.weight "up.w" : tensor<64x256xf32>
  %bup = nn.weight "up.b" : tensor<256xf32>
  %wgate = nn.weight "gate.w" : tensor<64x256xf32>
  %wdn = nn.weight "down.w" : tensor<256x64xf32>
  %bdn = nn.weight "down.b" : tensor<64xf32>
  %h = nn.kernel "k0_embed" embedding (%wte, %tokens, %wpe) {arena_offsets = array<i64: 0>} : (tensor<50x64xf32>, tensor<?x?xi32>, tensor<32x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%t: tensor<50x64xf32>, %ids: tensor<?x?xi32>, %p: tensor<32x64xf32>):
    %0 = nn.embedding %t, %ids : (tensor<50x64xf32>, tensor<?x?xi32>) -> tensor<?x?x64xf32>
    %1 = nn.add_positions %0, %p : (tensor<?x?x64xf32>, tensor<32x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %1 : tensor<?x?x64xf32>
  }
  %ln = nn.kernel "k1_ln" norm (%h, %g1, %b1) {arena_offsets = array<i64: 64>} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>):
    %0 = nn.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %qkv = nn.kernel "k2_qkv" gemm (%ln, %wqkv, %bqkv) {arena_offsets = array<i64: 832>} : (tensor<?x?x64xf32>, tensor<64xQKVWxf32>, tensor<QKVWxf32>) -> tensor<?x?xQKVWxf32> {
  ^bb0(%x: tensor<?x?x64xf32>, %w: tensor<64xQKVWxf32>, %b: tensor<QKVWxf32>):
    %0 = nn.linear %x, %w, %b : (tensor<?x?x64xf32>, tensor<64xQKVWxf32>, tensor<QKVWxf32>) -> tensor<?x?xQKVWxf32>
    nn.yield %0 : tensor<?x?xQKVWxf32>
  }
  %att = nn.kernel "k3_attn" attention (%qkv) {arena_offsets = array<i64: 256>} : (tensor<?x?xQKVWxf32>) -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?xQKVWxf32>):
    %q0 = nn.slice %x [0] : (tensor<?x?xQKVWxf32>) -> tensor<?x?x64xf32>
    %k0 = nn.slice %x [64] : (tensor<?x?xQKVWxf32>) -> tensor<?x?xKVWxf32>
    %v = nn.slice %x [KOFF] : (tensor<?x?xQKVWxf32>) -> tensor<?x?xKVWxf32>
ROPE
    %o = nn.attention %q, %k, %v {heads = HEADS : i64, kv_heads = KVHEADS : i64, causal = CAUSAL, scale = SCALE : f32} : (tensor<?x?x64xf32>, tensor<?x?xKVWxf32>, tensor<?x?xKVWxf32>) -> tensor<?x?x64xf32>
    nn.yield %o : tensor<?x?x64xf32>
  }
  %o = nn.kernel "k4_o" gemm (%att, %wo) {arena_offsets = array<i64: 320>} : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?x64xf32>, %w: tensor<64x64xf32>):
    %0 = nn.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %r, %n2 = nn.kernel "k5_addnorm" norm (%h, %o, %g2) {arena_offsets = array<i64: 384, 448>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  ^bb0(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>, %g: tensor<64xf32>):
    %0 = nn.add %a, %b : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    %1 = nn.rms_norm %0, %g {epsilon = 1.0e-06 : f32} : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0, %1 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  }
MLP
  %dn = nn.kernel "k7_down" gemm (%up, %wdn, %bdn) {arena_offsets = array<i64: 768>} : (tensor<?x?x256xf32>, tensor<256x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?x256xf32>, %w: tensor<256x64xf32>, %b: tensor<64xf32>):
    %0 = nn.linear %x, %w, %b : (tensor<?x?x256xf32>, tensor<256x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  %out = nn.kernel "k8_res" elementwise (%r, %dn) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>):
    %0 = nn.add %a, %b : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  return %out : tensor<?x?x64xf32>
}
}
)";
  std::string rope;
  if (c.rope == "none") {
    rope = "    %q = nn.slice %q0 [0] : (tensor<?x?x64xf32>) -> "
           "tensor<?x?x64xf32>\n"
           "    %k = nn.slice %k0 [0] : (tensor<?x?xKVWxf32>) -> "
           "tensor<?x?xKVWxf32>\n";
  } else {
    rope = "    %q = nn.rope STYLE %q0 {heads = HEADS : i64, theta = 1.0e+04 : "
           "f32} : "
           "(tensor<?x?x64xf32>) -> tensor<?x?x64xf32>\n"
           "    %k = nn.rope STYLE %k0 {heads = KVHEADS : i64, theta = 1.0e+04 "
           ": f32} : "
           "(tensor<?x?xKVWxf32>) -> tensor<?x?xKVWxf32>\n";
    rope = replaceAll(rope, "STYLE", c.rope);
  }
  std::string mlp;
  if (c.glu) {
    mlp =
        R"(  %up = nn.kernel "k6_glu" gemm (%n2, %wgate, %wup, %bup) {arena_offsets = array<i64: 512>} : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32> {
  ^bb0(%x: tensor<?x?x64xf32>, %wg: tensor<64x256xf32>, %wu: tensor<64x256xf32>, %bu: tensor<256xf32>):
    %u = nn.linear %x, %wu, %bu : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    %0 = nn.linear %x, %wg : (tensor<?x?x64xf32>, tensor<64x256xf32>) -> tensor<?x?x256xf32>
    %1 = nn.activation ACT %0 : (tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    %2 = nn.mul %1, %u : (tensor<?x?x256xf32>, tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    nn.yield %2 : tensor<?x?x256xf32>
  }
)";
  } else {
    mlp =
        R"(  %up = nn.kernel "k6_up" gemm (%n2, %wup, %bup) {arena_offsets = array<i64: 512>} : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32> {
  ^bb0(%x: tensor<?x?x64xf32>, %w: tensor<64x256xf32>, %b: tensor<256xf32>):
    %0 = nn.linear %x, %w, %b : (tensor<?x?x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
    %1 = nn.activation ACT %0 : (tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
    nn.yield %1 : tensor<?x?x256xf32>
  }
)";
  }
  mlp = replaceAll(mlp, "ACT", c.act);
  t = replaceAll(t, "ROPE\n", rope);
  t = replaceAll(t, "MLP\n", mlp);
  t = replaceAll(t, "QKVW", std::to_string(qkvw));
  t = replaceAll(t, "KVW", std::to_string(kvw));
  t = replaceAll(t, "KOFF", std::to_string(64 + kvw));
  t = replaceAll(t, "KVHEADS", std::to_string(c.kvHeads));
  t = replaceAll(t, "HEADS", std::to_string(c.heads));
  t = replaceAll(t, "CAUSAL", c.causal ? "true" : "false");
  char scale[32];
  snprintf(scale, sizeof scale, "%.9e", 1.0 / std::sqrt((double)d));
  t = replaceAll(t, "SCALE", scale);
  return t;
}

// ---- the double-precision reference ------------------------------------
using Vec = std::vector<double>;
struct Ref {
  int B, S;
  // x: [B*S, C]
  Vec linear(const Vec &x, int K, int N, const std::vector<float> &w, // [K,N]
             const std::vector<float> *b) {
    Vec y((size_t)B * S * N);
    for (int m = 0; m < B * S; ++m)
      for (int n = 0; n < N; ++n) {
        double acc = b ? (*b)[n] : 0.0;
        for (int k = 0; k < K; ++k)
          acc += x[(size_t)m * K + k] * w[(size_t)k * N + n];
        y[(size_t)m * N + n] = acc;
      }
    return y;
  }
  static double act(const std::string &a, double x) {
    if (a == "relu")
      return x > 0 ? x : 0;
    if (a == "gelu")
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    if (a == "gelu_tanh")
      return 0.5 * x *
             (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    return x / (1 + std::exp(-x));
  }
  Vec rope(const Vec &x, int C, int heads, const std::string &style) {
    Vec y = x;
    int hd = C / heads, half = hd / 2;
    for (int b = 0; b < B; ++b)
      for (int s = 0; s < S; ++s)
        for (int h = 0; h < heads; ++h)
          for (int p = 0; p < half; ++p) {
            float inv = (float)std::pow(10000.0, -2.0 * p / hd);
            float ang = (float)s * inv;
            double cs = std::cos((double)ang), sn = std::sin((double)ang);
            size_t base = ((size_t)(b * S + s)) * C + h * hd;
            size_t i0 = style == "half" ? base + p : base + 2 * p;
            size_t i1 = style == "half" ? base + p + half : base + 2 * p + 1;
            y[i0] = x[i0] * cs - x[i1] * sn;
            y[i1] = x[i0] * sn + x[i1] * cs;
          }
    return y;
  }
};

double relErr(const float *got, const Vec &want) {
  double maxAbs = 0, maxRef = 1e-30;
  for (size_t i = 0; i < want.size(); ++i) {
    double e = std::fabs((double)got[i] - want[i]);
    if (!(e <= maxAbs))
      maxAbs = std::isnan(e) ? INFINITY : std::max(maxAbs, e);
    maxRef = std::max(maxRef, std::fabs(want[i]));
  }
  return maxAbs / maxRef;
}

int failures = 0;
void check(const char *what, const float *got, const Vec &want, double tol) {
  double e = relErr(got, want);
  bool ok = e <= tol;
  printf("  %-28s rel max err %.3g %s\n", what, e, ok ? "ok" : "FAIL");
  if (!ok)
    ++failures;
}

int runConfig(const Config &cfg, const std::string &dir,
              mlir::MLIRContext &ctx) {
  printf("config %s: act=%s glu=%d rope=%s causal=%d heads=%d/%d\n",
         cfg.name.c_str(), cfg.act.c_str(), cfg.glu, cfg.rope.c_str(),
         cfg.causal, cfg.heads, cfg.kvHeads);
  std::string text = moduleText(cfg);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(text, &ctx);
  if (!module) {
    fprintf(stderr, "parse failed:\n%s\n", text.c_str());
    return 1;
  }
  codegen::TargetOptions opts;
  opts.progress = &llvm::errs();
  std::string out = dir + "/" + cfg.name;
  auto t0 = std::chrono::steady_clock::now();
  auto lib = buildLibrary(*module, cfg.name, opts, out);
  if (mlir::failed(lib))
    return 1;
  printf("  built in %.1f s: %d unique kernels, %d launches, %d cache hits\n",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
             .count(),
         (*lib)->uniqueKernels(), (*lib)->launches(), (*lib)->cacheHits());

  // Random logical weights, packed as the plan says.
  std::mt19937 rng(42);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::map<std::string, std::vector<float>> logical; // by plan file name
  std::vector<std::vector<float>> files;
  for (auto &e : (*lib)->weights()) {
    size_t n = 1;
    for (auto d : e.shape)
      n *= d;
    std::vector<float> w(n);
    float sc = e.shape.size() == 2 ? 1.0f / std::sqrt((float)e.shape[0]) : 0.5f;
    for (auto &v : w)
      v = nd(rng) * sc +
          (e.shape.size() == 1 && e.source.find(".g") != std::string::npos
               ? 1.0f
               : 0.0f);
    std::vector<float> f(codegen::weightFileElems(e));
    if (e.isGemmWeight)
      codegen::packGemmWeight(w.data(), /*srcIsOutIn=*/false, (int)e.shape[0],
                              (int)e.shape[1], e.layout, f.data());
    else
      f = w;
    logical[e.source] = w;
    files.push_back(std::move(f));
  }

  std::string so = out + "/lib" + cfg.name + ".so";
  void *h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  auto info =
      ((const modelc_model_info *(*)())dlsym(h, "modelc_get_model_info"))();
  auto run = (decltype(&modelc_run))dlsym(h, "modelc_run");
  auto threads =
      (decltype(&modelc_set_num_threads))dlsym(h, "modelc_set_num_threads");
  threads(2);
  if (info->num_weights != (int)files.size() || info->num_kernels != 9 ||
      info->abi_version != MODELC_ABI_VERSION) {
    fprintf(stderr, "model info mismatch\n");
    return 1;
  }

  for (auto [B, S] :
       std::vector<std::pair<int, int>>{{2, 7}, {1, 19}, {1, 1}}) {
    printf(" B=%d S=%d\n", B, S);
    std::vector<int32_t> tokens((size_t)B * S);
    for (auto &t : tokens)
      t = (int32_t)(rng() % (VOCAB + 4)) - 2; // some out of range: clamped
    std::vector<float> output((size_t)B * S * D);
    std::vector<float> arenaV(info->arena_bytes_per_token / 4 * B * S + 16);
    float *arena = arenaV.data();
    std::vector<void *> wptr;
    for (auto &f : files)
      wptr.push_back(f.data());
    void *inputs[] = {tokens.data()};
    void *outputs[] = {output.data()};
    std::vector<double> secs(info->num_kernels);
    int rc = run(wptr.data(), inputs, outputs, B, S, arena, secs.data());
    if (rc) {
      fprintf(stderr, "modelc_run failed at launch %d\n", rc);
      ++failures;
      continue;
    }
    auto A = [&](int off) { return arena + (size_t)off * B * S; };
    auto toVec = [&](const float *p, size_t n) { return Vec(p, p + n); };
    Ref R{B, S};
    size_t BS = (size_t)B * S;
    int d = D / cfg.heads, kvw = cfg.kvHeads * d, qkvw = D + 2 * kvw;
    // k0: embedding + positions
    Vec h(BS * D);
    for (int b = 0; b < B; ++b)
      for (int s = 0; s < S; ++s) {
        int id = std::min(std::max(tokens[b * S + s], 0), VOCAB - 1);
        for (int c = 0; c < D; ++c)
          h[(b * S + s) * D + c] =
              logical["wte"][id * D + c] + logical["wpe"][s * D + c];
      }
    check("embedding+positions", A(0), h, 1e-6);
    // k1: layernorm (on the kernel's own input)
    Vec x = toVec(A(0), BS * D), ln(BS * D);
    for (size_t m = 0; m < BS; ++m) {
      double mean = 0, var = 0;
      for (int c = 0; c < D; ++c)
        mean += x[m * D + c];
      mean /= D;
      for (int c = 0; c < D; ++c)
        var += (x[m * D + c] - mean) * (x[m * D + c] - mean);
      var /= D;
      for (int c = 0; c < D; ++c)
        ln[m * D + c] = (x[m * D + c] - mean) / std::sqrt(var + 1e-5) *
                            logical["ln1.g"][c] +
                        logical["ln1.b"][c];
    }
    check("layer_norm", A(64), ln, 1e-5);
    // k2: qkv (weight "transposed": logical [64, qkvw])
    Vec qkv = R.linear(toVec(A(64), BS * D), D, qkvw, logical["qkv.w"],
                       &logical["qkv.b"]);
    check("linear+bias (qkv)", A(832), qkv, 1e-5);
    // k3: attention
    Vec qkvIn = toVec(A(832), BS * qkvw), q(BS * D), k(BS * kvw), v(BS * kvw);
    for (size_t m = 0; m < BS; ++m) {
      for (int c = 0; c < D; ++c)
        q[m * D + c] = qkvIn[m * qkvw + c];
      for (int c = 0; c < kvw; ++c) {
        k[m * kvw + c] = qkvIn[m * qkvw + D + c];
        v[m * kvw + c] = qkvIn[m * qkvw + D + kvw + c];
      }
    }
    if (cfg.rope != "none") {
      q = R.rope(q, D, cfg.heads, cfg.rope);
      k = R.rope(k, kvw, cfg.kvHeads, cfg.rope);
    }
    Vec att(BS * D);
    int group = cfg.heads / cfg.kvHeads;
    for (int b = 0; b < B; ++b)
      for (int hh = 0; hh < cfg.heads; ++hh)
        for (int i = 0; i < S; ++i) {
          int kvh = hh / group;
          std::vector<double> sc(S);
          double mx = -1e300;
          int last = cfg.causal ? i : S - 1;
          for (int j = 0; j <= last; ++j) {
            double dot = 0;
            for (int r = 0; r < d; ++r)
              dot += q[(b * S + i) * D + hh * d + r] *
                     k[(b * S + j) * kvw + kvh * d + r];
            sc[j] = dot / std::sqrt((double)d);
            mx = std::max(mx, sc[j]);
          }
          double den = 0;
          for (int j = 0; j <= last; ++j)
            den += (sc[j] = std::exp(sc[j] - mx));
          for (int r = 0; r < d; ++r) {
            double acc = 0;
            for (int j = 0; j <= last; ++j)
              acc += sc[j] * v[(b * S + j) * kvw + kvh * d + r];
            att[(b * S + i) * D + hh * d + r] = acc / den;
          }
        }
    check("slice+rope+attention", A(256), att, 1e-5);
    // k4: o projection
    Vec o = R.linear(toVec(A(256), BS * D), D, D, logical["o.w"], nullptr);
    check("linear (no bias)", A(320), o, 1e-5);
    // k5: residual add + rmsnorm (two results)
    Vec r(BS * D), n2(BS * D);
    {
      Vec a = toVec(A(0), BS * D), bo = toVec(A(320), BS * D);
      for (size_t m = 0; m < BS; ++m) {
        double ss = 0;
        for (int c = 0; c < D; ++c) {
          r[m * D + c] = a[m * D + c] + bo[m * D + c];
          ss += r[m * D + c] * r[m * D + c];
        }
        double rs = 1 / std::sqrt(ss / D + 1e-6);
        for (int c = 0; c < D; ++c)
          n2[m * D + c] = r[m * D + c] * rs * logical["ln2.g"][c];
      }
    }
    check("add (result 0)", A(384), r, 1e-6);
    check("rms_norm (result 1)", A(448), n2, 1e-5);
    // k6: mlp up (+gate)
    Vec in6 = toVec(A(448), BS * D);
    Vec up = R.linear(in6, D, HD, logical["up.w"], &logical["up.b"]);
    if (cfg.glu) {
      Vec g = R.linear(in6, D, HD, logical["gate.w"], nullptr);
      for (size_t i = 0; i < up.size(); ++i)
        up[i] = Ref::act(cfg.act, g[i]) * up[i];
    } else {
      for (auto &u : up)
        u = Ref::act(cfg.act, u);
    }
    check(("linear+" + cfg.act + (cfg.glu ? " (glu)" : "")).c_str(), A(512), up,
          1e-5);
    Vec dn = R.linear(toVec(A(512), BS * HD), HD, D, logical["down.w"],
                      &logical["down.b"]);
    check("linear (down)", A(768), dn, 1e-5);
    Vec res(BS * D);
    for (size_t i = 0; i < res.size(); ++i)
      res[i] = (double)A(384)[i] + (double)A(768)[i];
    check("add -> model output", output.data(), res, 1e-6);
  }
  dlclose(h);
  return 0;
}

// Direct activation accuracy check over a dense range, through a
// one-kernel library (elementwise class).
int activationAccuracy(const std::string &dir, mlir::MLIRContext &ctx) {
  const char *acts[] = {"gelu", "gelu_tanh", "silu", "relu"};
  for (const char *a : acts) {
    std::string t = R"(
module attributes {nn.arena_floats_per_token = 0 : i64} {
func.func @forward(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %y = nn.kernel "act" elementwise (%x) {arena_offsets = array<i64: -1>} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    %0 = nn.activation ACT %a : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
    nn.yield %0 : tensor<?x?x64xf32>
  }
  return %y : tensor<?x?x64xf32>
}
}
)";
    t = replaceAll(t, "ACT", a);
    auto module = mlir::parseSourceString<mlir::ModuleOp>(t, &ctx);
    std::string name = std::string("act_") + a;
    codegen::TargetOptions opts;
    auto lib = buildLibrary(*module, name, opts, dir + "/" + name);
    if (mlir::failed(lib))
      return 1;
    void *h = dlopen((dir + "/" + name + "/lib" + name + ".so").c_str(),
                     RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 1;
    }
    auto run = (decltype(&modelc_run))dlsym(h, "modelc_run");
    const int S = 4000;
    std::vector<float> x((size_t)S * 64), y(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = -30.0f + 60.0f * (float)i / (float)x.size();
    void *in[] = {x.data()}, *out[] = {y.data()};
    if (run(nullptr, in, out, 1, S, nullptr, nullptr)) {
      ++failures;
      continue;
    }
    double maxAbs = 0;
    for (size_t i = 0; i < x.size(); ++i)
      maxAbs =
          std::max(maxAbs, std::fabs(y[i] - Ref::act(a, x[i])) /
                               std::max(1.0, std::fabs(Ref::act(a, x[i]))));
    bool ok = maxAbs < 2e-6;
    printf("activation %-10s max err (abs, rel above 1) %.3g %s\n", a, maxAbs,
           ok ? "ok" : "FAIL");
    failures += !ok;
    dlclose(h);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string dir = argc > 1 ? argv[1] : "codegen-unit-test-out";
  mlir::DialectRegistry registry;
  registry.insert<nn::NNDialect, mlir::func::FuncDialect>();
  codegen::registerHalideLowerings(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  // Dev mode: codegen-unit-test --emit=halide|asm|ptx[-cuda] file.mlir
  // (the dumps without the driver).
  if (argc == 3 && std::string(argv[1]).rfind("--emit=", 0) == 0) {
    std::string what = argv[1] + 7;
    auto module = mlir::parseSourceFile<mlir::ModuleOp>(argv[2], &ctx);
    if (!module)
      return 1;
    codegen::TargetOptions o;
    o.cuda = what.find("cuda") != std::string::npos || what == "ptx";
    if (what.rfind("lib", 0) == 0) { // --emit=lib[-cuda]: build into ./lib-out
      o.progress = &llvm::errs();
      return mlir::failed(buildLibrary(*module, "m", o, "lib-out"));
    }
    mlir::LogicalResult r =
        what.rfind("halide", 0) == 0
            ? codegen::emitHalideStmt(*module, o, llvm::outs())
        : what.rfind("asm", 0) == 0
            ? codegen::emitAssembly(*module, o, llvm::outs())
            : codegen::emitPtx(*module, o, llvm::outs());
    return mlir::failed(r);
  }
  std::vector<Config> cfgs = {
      {"mha_gelu", "gelu", false, "none", true, 4, 4},
      {"gqa_glu_silu", "silu", true, "half", true, 4, 2},
      {"mqa_tanh", "gelu_tanh", false, "interleaved", false, 4, 1},
      {"relu_glu", "relu", true, "half", false, 2, 2},
  };
  for (auto &c : cfgs)
    if (runConfig(c, dir, ctx))
      return 1;
  if (activationAccuracy(dir, ctx))
    return 1;
  printf(failures ? "%d FAILURES\n" : "all ok\n", failures);
  return failures ? 1 : 0;
}
