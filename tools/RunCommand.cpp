//===- RunCommand.cpp - `modelc run`: run a compiled model on .npy files
//---===//

#include "tools/RuntimeCommands.h"

#include "runtime/CliSupport.h"
#include "runtime/modelrt.h"
#include "runtime/npy.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace mrt::cli;

namespace {

const char *kRunUsage =
    "usage: modelc run LIB [options]\n"
    "\n"
    "Runs a compiled model (OUTDIR/lib<name>.so) on .npy inputs and writes "
    "its\n"
    "outputs as .npy (float32).\n"
    "\n"
    "options:\n"
    "  --input NAME=FILE.npy   an input (int32, or int64 converted; C order);\n"
    "                          NAME= may be left out when the model has one "
    "input\n"
    "  --output NAME=FILE.npy  where to write an output; NAME must be one of "
    "the\n"
    "                          model's outputs (NAME= optional with one "
    "output)\n"
    "  --weights FILE          the weights (default: <name>.weights beside "
    "LIB)\n"
    "  --threads N             kernel threads (default: the runtime's)\n"
    "  --quiet                 print nothing on success\n"
    "  --help                  this text\n";

struct Binding {
  std::string name, path;
};

// NAME=PATH or PATH.
Binding splitBinding(const std::string &s) {
  size_t eq = s.find('=');
  if (eq == std::string::npos)
    return {"", s};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

struct TensorList {
  std::vector<mrt_tensor> tensors;
  ~TensorList() {
    for (auto &t : tensors)
      mrt_tensor_release(&t);
  }
};

std::string namesOf(const std::vector<mrt_tensor_info> &list) {
  std::string s;
  for (size_t i = 0; i < list.size(); ++i)
    s += std::string(i ? ", " : "") + list[i].name;
  return s;
}

} // namespace

/// " checksum sum=S mean|x|=A": lets a user compare two runs at a glance.
static std::string checksum(const mrt_tensor &t) {
  if (t.dtype != MRT_F32)
    return "";
  const float *data = static_cast<const float *>(t.data);
  double sum = 0, abs = 0;
  int64_t n = mrt_tensor_elements(&t);
  for (int64_t i = 0; i < n; ++i) {
    sum += data[i];
    abs += std::fabs(data[i]);
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, " checksum sum=%.6g mean|x|=%.6g", sum,
                n ? abs / n : 0.0);
  return buf;
}

int runCommand(int argc, char **argv) {
  const char *cmd = "run";
  Args args(argc, argv);
  std::string lib, weights, value;
  std::vector<Binding> inputs, outputs;
  long long threads = -1;
  bool quiet = false;
  while (!args.done()) {
    int r;
    if (args.flag("--help") || args.flag("-h")) {
      std::fputs(kRunUsage, stdout);
      return 0;
    }
    if (args.flag("--quiet") || args.flag("-q")) {
      quiet = true;
      continue;
    }
    if ((r = args.option("--input", value))) {
      Binding b = splitBinding(value);
      if (r < 0 || b.path.empty())
        return error(cmd, "--input needs NAME=FILE.npy (or FILE.npy)");
      inputs.push_back(b);
      continue;
    }
    if ((r = args.option("--output", value))) {
      Binding b = splitBinding(value);
      if (r < 0 || b.path.empty())
        return error(cmd, "--output needs NAME=FILE.npy (or FILE.npy)");
      outputs.push_back(b);
      continue;
    }
    if ((r = args.option("--weights", value))) {
      if (r < 0 || value.empty())
        return error(cmd, "--weights needs a file name");
      weights = value;
      continue;
    }
    if ((r = args.option("--threads", value))) {
      if (r < 0 || !parseInt(value, 0, 4096, threads))
        return error(cmd, "--threads needs an integer in [0, 4096]");
      continue;
    }
    std::string problem = takeLibrary(args.next(), lib, cmd);
    if (!problem.empty())
      return error(cmd, problem);
  }
  if (lib.empty())
    return error(cmd, "no model library given (see modelc run --help)");
  if (inputs.empty())
    return error(cmd, "no --input given (see modelc run --help)");

  ModelPtr model = loadModel(lib, weights);
  if (!model)
    return error(cmd, mrt_last_error());
  if (threads >= 0 && mrt_set_num_threads(model.get(), (int32_t)threads))
    return error(cmd, mrt_last_error());

  std::vector<mrt_tensor_info> inInfo(mrt_num_inputs(model.get()));
  std::vector<mrt_tensor_info> outInfo(mrt_num_outputs(model.get()));
  for (size_t i = 0; i < inInfo.size(); ++i)
    mrt_input_info(model.get(), (int32_t)i, &inInfo[i]);
  for (size_t i = 0; i < outInfo.size(); ++i)
    mrt_output_info(model.get(), (int32_t)i, &outInfo[i]);

  // Inputs: resolve names (an unnamed one only for a one-input model).
  TensorList in;
  in.tensors.resize(inputs.size());
  std::vector<int> inSlot(inputs.size(), -1);
  for (size_t i = 0; i < inputs.size(); ++i) {
    Binding &b = inputs[i];
    if (b.name.empty()) {
      if (inInfo.size() != 1)
        return error(cmd, "input '" + b.path +
                              "' needs a name (NAME=FILE.npy): the model has "
                              "inputs " +
                              namesOf(inInfo));
      b.name = inInfo[0].name;
    }
    for (size_t j = 0; j < inInfo.size(); ++j)
      if (b.name == inInfo[j].name)
        inSlot[i] = (int)j;
    if (inSlot[i] < 0)
      return error(cmd, "unknown input '" + b.name + "'; model '" +
                            mrt_model_name(model.get()) +
                            "' has inputs: " + namesOf(inInfo));
    for (size_t k = 0; k < i; ++k)
      if (inputs[k].name == b.name)
        return error(cmd, "input '" + b.name + "' given twice");
  }
  if (inputs.size() != inInfo.size()) {
    for (auto &info : inInfo) {
      bool given = false;
      for (auto &b : inputs)
        given |= b.name == info.name;
      if (!given)
        return error(cmd, std::string("missing --input ") + info.name +
                              "=FILE.npy (model signature: " +
                              mrt_signature(model.get()) + ")");
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (mrt_npy_load(inputs[i].path.c_str(), &in.tensors[i]) != MRT_OK)
      return error(cmd, "input '" + inputs[i].name + "': " + mrt_last_error());
    in.tensors[i].name = inputs[i].name.c_str();
  }

  // batch and seq as the inputs give them (mrt_run validates them; a bad
  // input fails there before any output is looked at).
  int64_t batch = -1, seq = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const mrt_tensor_info &info = inInfo[inSlot[i]];
    const mrt_tensor &t = in.tensors[i];
    if (t.rank != info.rank)
      continue;
    for (int32_t k = 0; k < info.rank; ++k) {
      if (info.dims[k] == MRT_DIM_BATCH && batch < 0)
        batch = t.dims[k];
      if (info.dims[k] == MRT_DIM_SEQ && seq < 0)
        seq = t.dims[k];
    }
  }
  if (seq < 0 && !inputsCarrySeq(model.get()))
    seq = mrt_max_seq(model.get());
  if (batch < 1 || seq < 1 || seq > mrt_max_seq(model.get()) ||
      batch > (1 << 24))
    batch = seq = 1; // invalid: mrt_run reports the input

  // Outputs: every one must get a buffer; write the requested ones.
  std::vector<std::string> outPath(outInfo.size());
  for (auto &b : outputs) {
    for (auto &info : outInfo)
      if (b.name.empty() && b.path == info.name)
        return error(cmd, "--output " + b.path +
                              " names no file: use --output " + b.path +
                              "=FILE.npy");
    if (b.name.empty()) {
      if (outInfo.size() != 1)
        return error(cmd, "output '" + b.path +
                              "' needs a name (NAME=FILE.npy): the model has "
                              "outputs " +
                              namesOf(outInfo));
      b.name = outInfo[0].name;
    }
    int slot = -1;
    for (size_t j = 0; j < outInfo.size(); ++j)
      if (b.name == outInfo[j].name)
        slot = (int)j;
    if (slot < 0)
      return error(cmd, "unknown output '" + b.name + "'; model '" +
                            mrt_model_name(model.get()) +
                            "' has outputs: " + namesOf(outInfo));
    if (!outPath[slot].empty())
      return error(cmd, "output '" + b.name + "' given twice");
    outPath[slot] = b.path;
  }
  TensorList out;
  out.tensors.resize(outInfo.size());
  for (size_t j = 0; j < outInfo.size(); ++j) {
    mrt_tensor &t = out.tensors[j];
    t.name = outInfo[j].name;
    t.dtype = outInfo[j].dtype;
    if (mrt_output_shape(model.get(), (int32_t)j, batch, seq, &t.rank,
                         t.dims) != MRT_OK ||
        mrt_tensor_alloc(&t) != MRT_OK)
      return error(cmd, mrt_last_error());
  }

  double t0 = nowSeconds();
  if (mrt_run(model.get(), in.tensors.data(), (int32_t)in.tensors.size(),
              out.tensors.data(), (int32_t)out.tensors.size()) != MRT_OK)
    return error(cmd, mrt_last_error());
  double ms = (nowSeconds() - t0) * 1e3;

  for (size_t j = 0; j < outInfo.size(); ++j) {
    if (outPath[j].empty())
      continue;
    if (mrt_npy_save(outPath[j].c_str(), &out.tensors[j]) != MRT_OK)
      return error(cmd, mrt_last_error());
  }
  if (!quiet) {
    std::fprintf(stderr, "modelc run: %s: batch %lld, seq %lld, %.3f ms\n",
                 mrt_model_name(model.get()), (long long)batch, (long long)seq,
                 ms);
    for (size_t j = 0; j < outInfo.size(); ++j)
      std::fprintf(stderr, "  %s: %s%s%s%s%s\n", outInfo[j].name,
                   dtype(out.tensors[j].dtype),
                   dims(out.tensors[j].dims, out.tensors[j].rank).c_str(),
                   checksum(out.tensors[j]).c_str(),
                   outPath[j].empty() ? "" : " -> ", outPath[j].c_str());
  }
  return 0;
}
