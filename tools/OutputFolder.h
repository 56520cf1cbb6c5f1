//===- OutputFolder.h - a compile's outputs, put in place whole -*- C++ -*-===//
//
// A compile writes into a staging folder beside its destination (so on the
// same filesystem) and, once every file is complete, swaps it into place in
// one rename. A compile that fails, is interrupted (SIGINT, SIGTERM, SIGHUP)
// or crashes removes the staging folder and leaves the previous output as
// it was: never half a library, never a lost good one (docs/cli.md). Each
// output holds a stamp, `.modelc-output`, that marks it as replaceable and
// records what its files were made from.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_OUTPUTFOLDER_H
#define MODELC_TOOLS_OUTPUTFOLDER_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace modelc {

class OutputFolder {
public:
  /// Checks that `dest` may receive the outputs of model `name`: it does not
  /// exist, or is an empty folder, or holds a previous compile's outputs
  /// (and nothing else); creates its parent folders and the staging folder.
  /// Prints the problem and returns null when it cannot.
  static std::unique_ptr<OutputFolder> stage(llvm::StringRef dest,
                                             llvm::StringRef name);
  /// Removes the staging folder unless commit() moved it into place.
  ~OutputFolder();

  /// Where the compile writes its files.
  const std::string &path() const { return staging; }
  /// The destination, as given.
  const std::string &destination() const { return dest; }

  /// A record of the previous output (the line `key value` of its stamp),
  /// if there is one.
  std::optional<std::string> previousRecord(llvm::StringRef key) const;
  /// The path of `file` in the previous output (which may not exist).
  std::string previousPath(llvm::StringRef file) const {
    return dest + "/" + file.str();
  }
  /// Records `key value` in the stamp of this output.
  void record(llvm::StringRef key, llvm::StringRef value) {
    records[key.str()] = value.str();
  }

  /// Puts the staging folder in place of the destination and removes the
  /// previous output. Prints the problem on failure (the previous output,
  /// if any, is then still in place).
  mlir::LogicalResult commit();

private:
  OutputFolder(std::string dest, std::string staging)
      : dest(std::move(dest)), staging(std::move(staging)) {}

  std::string dest, staging;
  std::map<std::string, std::string> previous, records;
  bool committed = false;
};

} // namespace modelc

#endif // MODELC_TOOLS_OUTPUTFOLDER_H
