//===- ApproxReport.h - running the approximate passes, with a report -*- C++
//-*-===//
//
// `modelc compile --drop-layers/--prune-*/--low-rank/--int8-weights` runs
// each approximate pass on its own and measures the model before and after
// it (parameters, weight bytes, FLOPs per token), then prints the table and
// writes it as <name>.approx.json next to the library.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_APPROXREPORT_H
#define MODELC_TOOLS_APPROXREPORT_H

#include "passes/Pipeline.h"
#include "passes/prune/Cost.h"
#include "tools/CalibrationError.h"
#include "tools/CalibrationProbe.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace modelc {

/// One approximate pass as it ran: its textual form and the costs around it.
struct ApproxStep {
  std::string pass; // "nn-prune-neurons{ratio=0.3}"
  ModelCost before, after;
};

/// Runs `passes` (approximate ones, on functions) on `module`, one at a
/// time, recording each in `steps`.
mlir::LogicalResult
runMeasuredPasses(mlir::ModuleOp module,
                  std::vector<std::unique_ptr<mlir::Pass>> passes,
                  std::vector<ApproxStep> &steps);

/// What was measured on the calibration input (either may be null).
struct CalibrationFindings {
  const OutputError *error = nullptr;    // the approximate model's output
  const LayerRanking *ranking = nullptr; // --drop-layers=angular:N
};

/// The layer ranking, the table of `steps` and their total, and the output
/// error measured on the calibration input.
void printApproxReport(llvm::raw_ostream &os,
                       const std::vector<ApproxStep> &steps,
                       const CalibrationFindings &calibration);

/// Writes the report as JSON to `path` (printing the problem on failure).
mlir::LogicalResult writeApproxReport(const std::string &path,
                                      const std::vector<ApproxStep> &steps,
                                      const CalibrationFindings &calibration);

} // namespace modelc

#endif // MODELC_TOOLS_APPROXREPORT_H
