//===- WeightNames.h - weight slots and naming schemes ----------*- C++ -*-===//
//
// The canonical weight slots of docs/spec.md and the built-in schemes that
// map them to checkpoint names (Hugging Face layouts), kept apart from the
// TOML reader so the tables read like the doc's.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_WEIGHTNAMES_H
#define MODELC_FRONTEND_WEIGHTNAMES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace modelc::frontend {

struct SchemeInfo {
  llvm::StringRef name;
  bool inOut;    // linear weights stored [in, out] (GPT-2 Conv1D)
  bool fusesQkv; // one layer.attn.qkv projection instead of q, k, v
};

/// The built-in schemes, in the order the docs list them.
llvm::ArrayRef<SchemeInfo> schemes();
const SchemeInfo *lookupScheme(llvm::StringRef name);

/// Every slot name [weights.names] accepts.
llvm::ArrayRef<llvm::StringRef> allSlots();
bool isLayerSlot(llvm::StringRef slot);

/// The scheme's name template for `slot` ({i} = layer index), or nullopt
/// when the scheme has none (a "–" in the docs' table).
std::optional<std::string> schemeTemplate(llvm::StringRef scheme,
                                          llvm::StringRef slot);

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_WEIGHTNAMES_H
