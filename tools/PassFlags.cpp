//===- PassFlags.cpp - `modelc compile` flags that choose passes ----------===//
#include "tools/PassFlags.h"

#include "llvm/ADT/StringExtras.h"

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
// The approximate passes (docs/passes.md "Approximate passes").
cl::list<std::string> dropLayers(
    "drop-layers", cl::CommaSeparated, cl::value_desc("i,j,...|angular:N"),
    cl::desc("approximate: drop these layers, or the N whose output is "
             "closest in angle to their input on --calib (nn-drop-layers)"),
    cl::cat(modelc::passFlagsCategory()));
cl::opt<std::string> pruneHeads(
    "prune-heads", cl::value_desc("[global:]R|count:N"),
    cl::desc("approximate: remove this fraction (R) or number (count:N) of "
             "every attention's heads, by weight magnitude; global: of all "
             "attentions' heads together (nn-prune-heads)"),
    cl::cat(modelc::passFlagsCategory()));
cl::opt<std::string> pruneNeurons(
    "prune-neurons", cl::value_desc("[global:]R|count:N"),
    cl::desc("approximate: remove this fraction (R) or number (count:N) of "
             "every MLP's neurons, by weight magnitude; global: of all MLPs' "
             "neurons together (nn-prune-neurons)"),
    cl::cat(modelc::passFlagsCategory()));
cl::opt<std::string> pruneScore(
    "prune-score", cl::value_desc("magnitude|activation"),
    cl::init("magnitude"),
    cl::desc("how --prune-heads and --prune-neurons score: by weight "
             "magnitude, or by each unit's measured output energy on --calib "
             "(its input channels' energy times its output-projection rows)"),
    cl::cat(modelc::passFlagsCategory()));
cl::opt<std::string>
    lowRank("low-rank", cl::value_desc("rank:N"),
            cl::desc("approximate: factor linears by truncated SVD to rank N "
                     "(nn-factor-linears)"),
            cl::cat(modelc::passFlagsCategory()));
cl::opt<std::string>
    lowRankMatch("low-rank-match", cl::value_desc("glob"), cl::init("*"),
                 cl::desc("the linears --low-rank factors, by instance name "
                          "('*.mlp.*'; default: all)"),
                 cl::cat(modelc::passFlagsCategory()));
cl::opt<std::string> int8Weights(
    "int8-weights", cl::ValueOptional, cl::value_desc("group:G"),
    cl::desc("approximate: store linear weights as int8 with one f32 scale "
             "per output column (or per G input rows: group:G), computing "
             "in f32 (nn-quantize-weights, after the exact passes)"),
    cl::cat(modelc::passFlagsCategory()));
cl::opt<std::string>
    int8Match("int8-match", cl::value_desc("glob"), cl::init("*"),
              cl::desc("the linears --int8-weights quantizes, by instance "
                       "name ('*.mlp.*'; default: all)"),
              cl::cat(modelc::passFlagsCategory()));

/// --prune-heads / --prune-neurons: [global:]R or [global:]count:N.
mlir::LogicalResult parsePruneAmount(const cl::opt<std::string> &flag,
                                     double &ratio, int64_t &count,
                                     bool &global, std::string &error) {
  llvm::StringRef text = flag;
  if (text.empty())
    return mlir::success();
  global = text.consume_front("global:");
  bool ok = text.consume_front("count:")
                ? !text.getAsInteger(10, count) && count > 0
                : !text.getAsDouble(ratio);
  if (ok)
    return mlir::success();
  error = "--" + flag.ArgStr.str() + "=" + flag.getValue() +
          ": expected a ratio R, count:N (N a positive integer), or either "
          "after global:";
  return mlir::failure();
}

/// --drop-layers=i,j,... or angular:N.
mlir::LogicalResult parseDropLayers(modelc::ApproxOptions &approx,
                                    modelc::DriverPassFlags &driver,
                                    std::string &error) {
  for (llvm::StringRef item : dropLayers) {
    int64_t value;
    if (item.consume_front("angular:")) {
      if (dropLayers.size() == 1 && !item.getAsInteger(10, value) &&
          value > 0) {
        driver.dropByAngle = value;
        continue;
      }
    } else if (!item.getAsInteger(10, value) && value >= 0) {
      approx.dropLayers.push_back(value);
      continue;
    }
    error = "--drop-layers=" + llvm::join(dropLayers, ",") +
            ": expected layer indices i,j,... or angular:N alone (N a "
            "positive integer)";
    return mlir::failure();
  }
  return mlir::success();
}

/// --int8-weights or --int8-weights=group:G.
mlir::LogicalResult parseInt8Weights(modelc::ApproxOptions &approx,
                                     std::string &error) {
  approx.int8Weights = int8Weights.getNumOccurrences() > 0;
  approx.int8Match = int8Match;
  llvm::StringRef text = int8Weights;
  if (text.empty())
    return mlir::success();
  if (!text.consume_front("group:") ||
      text.getAsInteger(10, approx.int8Group) || approx.int8Group < 1) {
    error = "--int8-weights=" + int8Weights +
            ": expected group:G (G a positive integer), or no value for one "
            "scale per output column";
    return mlir::failure();
  }
  return mlir::success();
}

/// --low-rank=rank:N or energy:E.
mlir::LogicalResult parseLowRank(modelc::ApproxOptions &approx,
                                 std::string &error) {
  llvm::StringRef text = lowRank;
  if (text.empty())
    return mlir::success();
  if (text.consume_front("energy:")) {
    if (!text.getAsDouble(approx.lowRankEnergy) && approx.lowRankEnergy > 0 &&
        approx.lowRankEnergy <= 1)
      return mlir::success();
    error = "--low-rank=" + lowRank + ": the energy must be in (0, 1]";
    return mlir::failure();
  }
  if (!text.consume_front("rank:") || text.getAsInteger(10, approx.lowRank) ||
      approx.lowRank < 1) {
    error = "--low-rank=" + lowRank +
            ": expected rank:N (N a positive integer) or energy:E (E in "
            "(0, 1])";
    return mlir::failure();
  }
  return mlir::success();
}
} // namespace

mlir::LogicalResult modelc::applyPassFlags(PipelineOptions &options,
                                           DriverPassFlags &driver,
                                           std::string &error) {
  options.disabled.assign(disablePass.begin(), disablePass.end());
  options.allowWeightGrowth = allowWeightGrowth;
  ApproxOptions &approx = options.approx;
  approx.lowRankMatch = lowRankMatch;
  if (pruneScore != "magnitude" && pruneScore != "activation") {
    error =
        "--prune-score=" + pruneScore + ": expected magnitude or activation";
    return mlir::failure();
  }
  approx.pruneByActivation = pruneScore == "activation";
  return mlir::success(
      succeeded(parseDropLayers(approx, driver, error)) &&
      succeeded(parsePruneAmount(pruneHeads, approx.pruneHeads,
                                 approx.pruneHeadsCount,
                                 approx.pruneHeadsGlobal, error)) &&
      succeeded(parsePruneAmount(pruneNeurons, approx.pruneNeurons,
                                 approx.pruneNeuronsCount,
                                 approx.pruneNeuronsGlobal, error)) &&
      succeeded(parseLowRank(approx, error)) &&
      succeeded(parseInt8Weights(approx, error)));
}
