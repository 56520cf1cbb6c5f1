//===- PassFlags.cpp - `modelc compile` flags that choose passes ----------===//
#include "tools/PassFlags.h"

namespace cl = llvm::cl;

llvm::cl::OptionCategory &modelc::passFlagsCategory() {
  static cl::OptionCategory category("modelc compile: passes");
  return category;
}

namespace {
cl::list<std::string, bool, modelc::ReparamPassNameParser> disablePass(
    "disable-pass", cl::CommaSeparated, cl::value_desc("pass"),
    cl::desc("leave a re-parameterization pass of the -O level out, by its "
             "modelc-opt flag (nn-fold-norm-affine, nn-merge-qkv, ...); "
             "comma-separated or repeated"),
    cl::cat(modelc::passFlagsCategory()));

cl::opt<bool> allowWeightGrowth(
    "allow-weight-growth",
    cl::desc("let nn-merge-lora and nn-merge-branches give every pass of a "
             "loop its own merged copy of a shared weight (per-loop LoRA: "
             "faster, more weight bytes, printed as a remark)"),
    cl::cat(modelc::passFlagsCategory()));
} // namespace

void modelc::applyPassFlags(PipelineOptions &options) {
  options.disabled.assign(disablePass.begin(), disablePass.end());
  options.allowWeightGrowth = allowWeightGrowth;
}
