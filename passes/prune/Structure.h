//===- Structure.h - what the approximate passes ask about the model -*- C++
//-*-===//
//
// The approximate passes (layer dropping, pruning, factorisation) find the
// layers, neurons and heads of a model in nn IR by the instance names the
// frontend gives ops ("layer3.mlp.up") and by the shapes of the linears
// around them.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_PRUNE_STRUCTURE_H
#define MODELC_PASSES_PRUNE_STRUCTURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace modelc {

class WeightBuilder;

/// The value of a weight (row-major, its type's shape): the choices that
/// depend on the data (a rank by energy, global pruning) read weights
/// through the driver's store.
using WeightReader = std::function<std::vector<float>(mlir::Value)>;

/// The instance name of `op` (its NameLoc's name, "layer3.mlp.up"), or "".
llvm::StringRef instanceName(mlir::Operation *op);

/// N when `op`'s instance name is "layerN" or starts with "layerN.".
std::optional<int64_t> layerIndex(mlir::Operation *op);

/// The ops of each layer of `func` (the ops named "layerN" or "layerN.*",
/// weights and weight expressions left out), by N, in program order.
std::map<int64_t, llvm::SmallVector<mlir::Operation *>>
opsByLayer(mlir::func::FuncOp func);

/// Where a residual layer meets the stream: the one activation its ops read
/// from outside and the one they yield, of the same type.
struct LayerBoundary {
  mlir::Value input, output;
};

/// The boundary of the layer made of `ops`, or, when it reads or yields
/// more than one activation, an error on its first op that names `pass`
/// and ends with what that prevents (`consequence`).
mlir::FailureOr<LayerBoundary>
layerBoundary(int64_t index, llvm::ArrayRef<mlir::Operation *> ops,
              llvm::StringRef pass, llvm::StringRef consequence);

/// How many of `count` units a ratio in [0, 1) removes (rounded).
int64_t prunedCount(int64_t count, double ratio);

/// Global pruning: how many units each group (an MLP's neurons, an
/// attention's heads) keeps when the `removed` lowest-scored units of all
/// groups go. Ties rank the earlier group and the lower index higher, as
/// nn.weight.select_top keeps the lower index within one group. With
/// `unitSizes` (a group's units each remove that many heads: a query head
/// of every KV group of a grouped-query attention), `removed` counts heads:
/// the units go lowest first as long as they fit in it, a unit that would
/// overshoot is skipped for later, smaller ones.
std::vector<int64_t>
keptGlobally(const std::vector<std::vector<double>> &scores, int64_t removed,
             const std::vector<int64_t> &unitSizes = {});

/// `ratio` as the user wrote it ("0.3", not "3.000000e-01").
std::string ratioText(double ratio);

/// Emits "<pass>: ratio R is outside [0, 1)" on `func` when it is.
mlir::LogicalResult checkRatio(mlir::func::FuncOp func, llvm::StringRef pass,
                               double ratio);

/// The amount a structured pruning pass removes: a ratio or a count, per
/// group or of all groups together (`global`).
struct PruneAmount {
  double ratio = 0;
  int64_t count = 0;
  bool global = false;

  bool none() const { return ratio == 0 && count == 0; }
  /// How many of a group's `units` go (per group).
  int64_t removedOf(int64_t units) const {
    return count != 0 ? count : prunedCount(units, ratio);
  }
  /// "ratio 0.3", "count 16 (global)": for messages.
  std::string text() const;
  /// Checks the ratio and the count and, for global pruning, that the
  /// scores can be read (`canRead`); emits why not on `func`. `flag` is the
  /// `modelc compile` flag that reads them.
  mlir::LogicalResult check(mlir::func::FuncOp func, llvm::StringRef pass,
                            bool canRead, llvm::StringRef flag) const;
};

/// The measured tensor that holds, per input channel of the linear named
/// `instance`, the sum of its input's squares over the calibration input
/// ("calib:layer0.mlp.down:input_sq_norms"; the driver measures it).
std::string inputSqNormsName(llvm::StringRef instance);

/// The activation score of the rows of `linear`'s `[in, out]` weight `w`:
/// the measured squared norm of each input channel times the squared norm
/// of its weight row, the energy that channel adds to the output on the
/// calibration input (a structured Wanda score).
mlir::Value activationScore(WeightBuilder &wb, mlir::Operation *linear,
                            mlir::Value w);

/// `t` (an activation type [batch, seq, C]) with `c` channels.
mlir::Type withChannels(mlir::Type t, int64_t c);

/// Erases the weights and weight expressions of `func` nothing reads any
/// more (after a rewrite replaced their users).
void eraseDeadWeights(mlir::func::FuncOp func);

} // namespace modelc

#endif // MODELC_PASSES_PRUNE_STRUCTURE_H
