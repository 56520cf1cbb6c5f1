//===- Schemes.h - weight naming schemes, read from schemes/*.toml -*- C++
//-*-===//
//
// A scheme maps weight slots to checkpoint names (frontend/schemes/README.md).
// The files are data shared with the PyTorch oracle
// (test/numerics/oracle/schemes.py) and embedded into the compiler at build
// time; adding a scheme adds a file.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_SCHEMES_H
#define MODELC_FRONTEND_SCHEMES_H

#include "llvm/ADT/StringRef.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace modelc::frontend {

struct Scheme {
  std::string name;
  bool inOut = false;    // linear weights stored [in, out] (GPT-2 Conv1D)
  bool fallback = false; // a slot without a name is named as itself
  std::map<std::string, std::string> names; // slot or slot base -> name
  std::map<std::string, std::vector<std::string>> fused; // base -> members

  /// The name template of `slot` ({i} = layer index), or nullopt when the
  /// scheme has none.
  std::optional<std::string> nameOf(llvm::StringRef slot) const;
};

/// Every built-in scheme: modelc first, then by name.
const std::vector<Scheme> &schemes();
const Scheme *lookupScheme(llvm::StringRef name);

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_SCHEMES_H
