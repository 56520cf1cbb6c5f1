//===- ApproxReport.cpp - running the approximate passes, with a report ---===//
#include "tools/ApproxReport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace mlir;

namespace modelc {

LogicalResult runMeasuredPasses(ModuleOp module,
                                std::vector<std::unique_ptr<Pass>> passes,
                                std::vector<ApproxStep> &steps) {
  for (std::unique_ptr<Pass> &pass : passes) {
    ApproxStep step;
    llvm::raw_string_ostream text(step.pass);
    pass->printAsTextualPipeline(text);
    step.before = measureCost(module);
    PassManager pm(module.getContext());
    if (failed(applyPassManagerCLOptions(pm)))
      return failure();
    pm.addNestedPass<func::FuncOp>(std::move(pass));
    if (failed(pm.run(module)))
      return failure();
    step.after = measureCost(module);
    steps.push_back(std::move(step));
  }
  return success();
}

namespace {
ApproxStep total(const std::vector<ApproxStep> &steps) {
  return {"total", steps.front().before, steps.back().after};
}

void printRow(llvm::raw_ostream &os, const ApproxStep &s) {
  auto ratio = [](double before, double after) {
    return before > 0 ? after / before : 1.0;
  };
  os << llvm::format(
      "  %-40s %10lld -> %10lld (%5.3f)  %8.3f -> %8.3f MiB  "
      "%10.4g -> %10.4g (%5.3f)\n",
      s.pass.c_str(), (long long)s.before.params, (long long)s.after.params,
      ratio(s.before.params, s.after.params), s.before.weightBytes / 1048576.0,
      s.after.weightBytes / 1048576.0, s.before.flopsPerToken,
      s.after.flopsPerToken,
      ratio(s.before.flopsPerToken, s.after.flopsPerToken));
}

llvm::json::Object costJson(const ModelCost &c) {
  return llvm::json::Object{{"params", c.params},
                            {"weight_bytes", c.weightBytes},
                            {"flops_per_token", c.flopsPerToken},
                            {"flops_per_token_seq", c.flopsPerTokenSeq}};
}

llvm::json::Object stepJson(const ApproxStep &s) {
  return llvm::json::Object{{"pass", s.pass},
                            {"before", costJson(s.before)},
                            {"after", costJson(s.after)}};
}
} // namespace

void printApproxReport(llvm::raw_ostream &os,
                       const std::vector<ApproxStep> &steps,
                       const CalibrationFindings &calibration) {
  if (steps.empty())
    return;
  if (const LayerRanking *ranking = calibration.ranking) {
    os << llvm::format("modelc: layer importance on the calibration input "
                       "(batch %lld, seq %lld): mean angular distance from "
                       "input to output\n",
                       (long long)ranking->batch, (long long)ranking->seq);
    for (const LayerImportance &l : ranking->layers)
      os << llvm::format(
          "  layer %-4lld %.5f%s\n", (long long)l.layer, l.angularDistance,
          llvm::is_contained(ranking->dropped, l.layer) ? "  (dropped)" : "");
  }
  os << "modelc: approximate passes: parameters (after/before), weights, "
        "FLOPs per token (after/before)\n";
  for (const ApproxStep &s : steps)
    printRow(os, s);
  printRow(os, total(steps));
  const OutputError *error = calibration.error;
  if (!error)
    return;
  os << llvm::format("  output error on the calibration input (batch %lld, "
                     "seq %lld, %s): relmax %.4g, relmean %.4g, top-1 "
                     "agreement %.4f\n",
                     (long long)error->batch, (long long)error->seq,
                     error->output.c_str(), error->relMax, error->relMean,
                     error->top1);
  os << llvm::format("  latency on the calibration input (median of %d runs "
                     "each): %.3f ms -> %.3f ms (%.3fx faster)\n",
                     error->latencyRuns, error->referenceMs, error->approxMs,
                     error->approxMs > 0 ? error->referenceMs / error->approxMs
                                         : 1.0);
}

LogicalResult writeApproxReport(const std::string &path,
                                const std::vector<ApproxStep> &steps,
                                const CalibrationFindings &calibration) {
  llvm::json::Array passes;
  for (const ApproxStep &s : steps)
    passes.push_back(stepJson(s));
  ApproxStep sum = total(steps);
  llvm::json::Object report{
      {"passes", std::move(passes)},
      {"total", llvm::json::Object{{"before", costJson(sum.before)},
                                   {"after", costJson(sum.after)}}}};
  if (const LayerRanking *ranking = calibration.ranking) {
    llvm::json::Array layers;
    for (const LayerImportance &l : ranking->layers)
      layers.push_back(llvm::json::Object{
          {"layer", l.layer}, {"angular_distance", l.angularDistance}});
    report["layer_importance"] =
        llvm::json::Object{{"metric", "angular_distance"},
                           {"batch", ranking->batch},
                           {"seq", ranking->seq},
                           {"layers", std::move(layers)},
                           {"dropped", llvm::json::Array(ranking->dropped)}};
  }
  if (const OutputError *error = calibration.error)
    report["calibration"] = llvm::json::Object{
        {"output", error->output},
        {"batch", error->batch},
        {"seq", error->seq},
        {"rel_max", error->relMax},
        {"rel_mean", error->relMean},
        {"top1_agreement", error->top1},
        {"latency_ms", llvm::json::Object{{"before", error->referenceMs},
                                          {"after", error->approxMs},
                                          {"runs", error->latencyRuns}}}};
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    llvm::errs() << "modelc: error: cannot write " << path << ": "
                 << ec.message() << "\n";
    return failure();
  }
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report))) << "\n";
  return success();
}

} // namespace modelc
