//===- Heads.cpp - the head count and width of attention-like mixers ------===//
#include "frontend/blocks/Heads.h"
#include "frontend/blocks/Positions.h"

namespace modelc::frontend {

std::optional<HeadShape> readHeads(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto heads = t.getInt("heads");
  if (!heads) {
    if (!t.has("heads"))
      t.missing("heads");
    return std::nullopt;
  }
  HeadShape s;
  s.heads = heads->value;
  int64_t dim = ctx.dim;
  auto hd = t.getInt("head_dim");
  if (hd) {
    s.headDim = hd->value;
  } else if (dim > 0) {
    if (dim % s.heads != 0) {
      ctx.error(heads->valueLoc, "dim = " + llvm::Twine(dim) +
                                     " is not divisible by heads = " +
                                     llvm::Twine(s.heads) + "; set head_dim");
      return std::nullopt;
    }
    s.headDim = dim / s.heads;
  }
  if (dynamic_cast<const RopeSpec *>(ctx.model.position.get()) &&
      s.headDim % 2 != 0) {
    ctx.error(hd ? hd->valueLoc : heads->valueLoc,
              "rope needs an even head_dim, got " + llvm::Twine(s.headDim));
    return std::nullopt;
  }
  return s;
}

} // namespace modelc::frontend
