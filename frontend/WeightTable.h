//===- WeightTable.h - the nn.weight ops of a module being built -*- C++
//-*-===//
#ifndef MODELC_FRONTEND_WEIGHTTABLE_H
#define MODELC_FRONTEND_WEIGHTTABLE_H

#include "frontend/Spec.h"

#include "mlir/IR/Builders.h"

#include <map>
#include <tuple>

namespace modelc::frontend {

/// Creates each distinct (name, transposed, shape) weight once, at the top
/// of the function body, in order of first use; holds the other state a
/// module build shares across layers.
class WeightTable {
public:
  explicit WeightTable(mlir::Block *body)
      : wb(body->getParentOp()->getContext()) {
    wb.setInsertionPointToStart(body);
  }
  mlir::Value get(const TensorRef &t, bool transposed,
                  llvm::ArrayRef<int64_t> shape, mlir::Location loc);
  /// Model-wide values carried between layers (BuildContext::carried).
  std::map<std::string, mlir::Value> carried;

private:
  mlir::OpBuilder wb;
  mlir::Operation *lastWeight = nullptr;
  std::map<std::tuple<std::string, bool, std::vector<int64_t>>, mlir::Value>
      weights;
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_WEIGHTTABLE_H
