//===- EntryPoint.cpp - the generated C entry point of a library ----------===//
#include "codegen/emit/EntryPoint.h"

#include "llvm/Support/Format.h"

#include "llvm/Support/raw_ostream.h"
#include <algorithm>

namespace modelc::codegen {

std::string cStringLiteral(llvm::StringRef s) {
  std::string r = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      r += '\\';
      r += (char)ch;
    } else if (ch < 0x20 || ch >= 0x7f) {
      // Octal, always three digits: a following digit cannot extend it.
      char buf[5];
      snprintf(buf, sizeof buf, "\\%03o", ch);
      r += buf;
    } else {
      r += (char)ch;
    }
  }
  return r + "\"";
}

namespace {

const char *kPrelude = R"C(
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A dense buffer, dim 0 innermost; code 0 = int, 2 = float. */
static void mk_buf(halide_buffer_t *b, halide_dimension_t *d, void *host,
                   int code, int bits, int dims, const int32_t *ext,
                   int dirty) {
  int32_t stride = 1;
  memset(b, 0, sizeof(*b));
  for (int i = 0; i < dims; ++i) {
    d[i].min = 0;
    d[i].extent = ext[i];
    d[i].stride = stride;
    d[i].flags = 0;
    stride *= ext[i];
  }
  b->host = (uint8_t *)host;
  b->type.code = (uint8_t)code;
  b->type.bits = (uint8_t)bits;
  b->type.lanes = 1;
  b->dimensions = dims;
  b->dim = d;
  if (dirty)
    b->flags = halide_buffer_flag_host_dirty;
}
)C";

void emitDescs(llvm::raw_ostream &c, const char *var,
               const std::vector<TensorDesc> &ds) {
  c << "static const modelc_tensor_desc " << var << "[] = {\n";
  for (const TensorDesc &d : ds) {
    c << "  {" << cStringLiteral(d.name) << ", "
      << (d.ids ? "MODELC_I32" : "MODELC_F32") << ", " << d.dims.size()
      << ", {";
    for (size_t i = 0; i < 4; ++i) {
      int64_t v = i < d.dims.size() ? d.dims[i] : 0;
      c << (i ? ", " : "")
        << (v == TensorDesc::kBatch ? "MODELC_DIM_BATCH"
            : v == TensorDesc::kSeq ? "MODELC_DIM_SEQ"
                                    : std::to_string(v));
    }
    c << "}, " << d.limit << "},\n";
  }
  if (ds.empty())
    c << "  {0, 0, 0, {0, 0, 0, 0}, 0}\n";
  c << "};\n";
}

/// The launches as data: one buf_desc per buffer of every launch, in
/// launch order, and one launch_desc per launch (its kernel's argv entry
/// point and its buffers), so that the C the library's link compiles grows
/// with the launches only as a table, not as code.
void emitLaunchTables(llvm::raw_ostream &c, const LibraryModel &m) {
  c << "static const buf_desc bufs_desc[] = {\n";
  size_t count = 0;
  for (const Launch &l : m.launches)
    for (const BufferArg &b : l.buffers) {
      c << "  {" << int(b.source) << ", " << b.typeCode << ", " << b.typeBits
        << ", " << b.extents.size() << ", " << b.at << ", {";
      for (size_t j = 0; j < b.extents.size(); ++j)
        c << (j ? ", " : "") << "{" << b.extents[j].factor << ", "
          << int(b.extents[j].batch) << ", " << int(b.extents[j].seq) << "}";
      c << "}},\n";
      ++count;
    }
  if (!count)
    c << "  {0, 0, 0, 0, 0, {{0, 0, 0}}}\n";
  c << "};\nstatic const launch_desc launches_desc[] = {\n";
  size_t first = 0;
  for (const Launch &l : m.launches) {
    c << "  {" << l.symbol << "_argv, " << first << ", " << l.buffers.size()
      << ", " << l.firstOutput << "}, /* " << l.instance << " = kernel "
      << l.kernel << " (" << l.kind << ") */\n";
    first += l.buffers.size();
  }
  if (m.launches.empty())
    c << "  {0, 0, 0, 0}\n";
  c << "};\n\n";
}

/// modelc_run: each launch's buffers set up from its table rows, then its
/// kernel called (on CUDA, its outputs copied back and its device buffers
/// freed).
void emitRun(llvm::raw_ostream &c, const LibraryModel &m, size_t maxBuffers,
             size_t maxDims) {
  c << "int32_t modelc_run(void *const *weights, void *const *inputs,\n"
    << "                   void *const *outputs, int64_t B, int64_t S,\n"
    << "                   void *arena_, double *kernel_seconds) {\n"
    << "  float *arena = (float *)arena_;\n"
    << "  if (B <= 0 || S <= 0) return 1;\n"
    << "  for (int32_t l = 0; l < " << m.launches.size() << "; ++l) {\n"
    << "    const launch_desc *L = &launches_desc[l];\n"
    << "    halide_buffer_t buf[" << maxBuffers << "];\n"
    << "    halide_dimension_t dim[" << maxBuffers << "][" << maxDims << "];\n"
    << "    void *args[" << maxBuffers << "];\n"
    << "    for (int32_t i = 0; i < L->count; ++i) {\n"
    << "      const buf_desc *d = &bufs_desc[L->first + i];\n"
    << "      int32_t ext[" << maxDims << "];\n"
    << "      for (int32_t j = 0; j < d->dims; ++j)\n"
    << "        ext[j] = (int32_t)(d->ext[j].factor * (d->ext[j].batch ? B : "
       "1) *\n"
    << "                           (d->ext[j].seq ? S : 1));\n"
    << "      void *host = d->source == 0   ? weights[d->at]\n"
    << "                   : d->source == 1 ? inputs[d->at]\n"
    << "                   : d->source == 2 ? outputs[d->at]\n"
    << "                                    : (void *)(arena + d->at * B * "
       "S);\n"
    << "      mk_buf(&buf[i], dim[i], host, d->code, d->bits, d->dims, ext, "
    << (m.cuda ? 1 : 0) << ");\n"
    << "      args[i] = &buf[i];\n"
    << "    }\n"
    << "    double t0 = now_s();\n"
    << "    int rc = L->run(args);\n";
  if (m.cuda)
    c << "    for (int32_t i = L->first_output; i < L->count; ++i)\n"
      << "      if (!rc) rc = halide_copy_to_host(NULL, &buf[i]);\n"
      << "    for (int32_t i = 0; i < L->count; ++i)\n"
      << "      halide_device_free(NULL, &buf[i]);\n";
  c << "    if (kernel_seconds) kernel_seconds[l] = now_s() - t0;\n"
    << "    if (rc) return l + 1;\n"
    << "  }\n"
    << "  return 0;\n}\n";
}

} // namespace

std::string entryPointSource(const LibraryModel &m,
                             const WeightsDigest &digest) {
  std::string s;
  llvm::raw_string_ostream c(s);
  c << "/* Generated by modelc: the entry point of lib" << m.name
    << ".so. Do not edit. Only buffer set-up and kernel calls, from the\n"
    << "   launch table. */\n"
    << "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n"
    << "#include <time.h>\n#include \"HalideRuntime.h\"\n"
    << "#include \"modelc_abi.h\"\n\n";
  // Halide's uniform entry point of each kernel: argv[i] is its i-th
  // halide_buffer_t.
  for (const KernelObject &k : m.kernels)
    c << "int " << k.symbol << "_argv(void **args); /* " << k.kernel << " ("
      << k.kind << "), " << k.numBuffers << " buffers */\n";
  size_t maxBuffers = 1, maxDims = 1;
  for (const Launch &l : m.launches) {
    maxBuffers = std::max(maxBuffers, l.buffers.size());
    for (const BufferArg &b : l.buffers)
      maxDims = std::max(maxDims, b.extents.size());
  }
  c << kPrelude << "\n"
    << "/* source: 0 weights[at], 1 inputs[at], 2 outputs[at], 3 arena + at B "
       "S floats;\n   extent j = factor (x B) (x S). */\n"
    << "typedef struct { int64_t factor; uint8_t batch, seq; } ext_desc;\n"
    << "typedef struct {\n  uint8_t source, code, bits, dims;\n  int64_t at;\n"
    << "  ext_desc ext[" << maxDims << "];\n} buf_desc;\n"
    << "typedef struct {\n  int (*run)(void **args);\n"
    << "  int32_t first, count, first_output;\n} launch_desc;\n\n";
  emitLaunchTables(c, m);
  emitDescs(c, "inputs_desc", m.inputs);
  emitDescs(c, "outputs_desc", m.outputs);
  c << "static const modelc_tensor_desc weights_desc[] = {\n";
  for (const WeightPlanEntry &w : m.weights) {
    c << "  {" << cStringLiteral(w.fileName) << ", "
      << (w.int8 ? "MODELC_I8" : "MODELC_F32") << ", " << w.fileShape.size()
      << ", {";
    for (size_t i = 0; i < 4; ++i)
      c << (i ? ", " : "") << (i < w.fileShape.size() ? w.fileShape[i] : 0);
    c << "}, 0},\n";
  }
  if (m.weights.empty())
    c << "  {0, 0, 0, {0, 0, 0, 0}, 0}\n";
  c << "};\nstatic const modelc_kernel_desc kernels_desc[] = {\n";
  for (const Launch &l : m.launches)
    c << "  {" << cStringLiteral(l.instance) << ", " << cStringLiteral(l.kind)
      << ", " << llvm::format("%.17g", l.flopsPerToken) << ", "
      << llvm::format("%.17g", l.flopsPerTokenSeq) << "},\n";
  if (m.launches.empty())
    c << "  {0, 0, 0, 0}\n";
  c << "};\n\n";
  c << "static const modelc_model_info model_info = {\n  MODELC_ABI_VERSION, "
    << cStringLiteral(m.name) << ", " << (m.cuda ? "\"cuda\"" : "\"cpu\"")
    << ", " << m.maxSeq << ",\n  " << m.inputs.size() << ", inputs_desc, "
    << m.outputs.size() << ", outputs_desc,\n  " << m.weights.size()
    << ", weights_desc,\n  " << m.arenaBytesPerToken << ", "
    << m.launches.size() << ", kernels_desc,\n  " << digest.bytes << ", "
    << llvm::format("0x%016llxull", (unsigned long long)digest.xxh64)
    << "};\n\n"
    << "const modelc_model_info *modelc_get_model_info(void) { return "
       "&model_info; }\n\n"
    << "void modelc_set_num_threads(int32_t threads) { "
       "halide_set_num_threads(threads); }\n\n"
    << "static modelc_error_handler user_handler;\n"
    << "static void on_halide_error(void *uc, const char *msg) {\n"
    << "  (void)uc;\n  if (user_handler) user_handler(msg);\n"
    << "  else halide_print(NULL, msg);\n}\n"
    << "void modelc_set_error_handler(modelc_error_handler handler) {\n"
    << "  user_handler = handler;\n"
    << "  halide_set_error_handler(on_halide_error);\n}\n\n";
  emitRun(c, m, maxBuffers, maxDims);
  return s;
}

} // namespace modelc::codegen
