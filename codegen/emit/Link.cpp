//===- Link.cpp - compile the entry point and link lib<name>.so -----------===//
#include "codegen/emit/Link.h"
#include "codegen/emit/AbiText.h"
#include "codegen/emit/EntryPoint.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace modelc::codegen {

mlir::LogicalResult writeTextFile(const std::string &path, llvm::StringRef text,
                                  std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec) {
    os << text;
    os.close();
    if (!os.has_error())
      return mlir::success();
    ec = os.error();
    os.clear_error();
  }
  error = "cannot write " + path + ": " + ec.message();
  return mlir::failure();
}

namespace {

mlir::LogicalResult runTool(llvm::ArrayRef<std::string> argv,
                            std::string &error) {
  auto prog = llvm::sys::findProgramByName(argv[0]);
  if (!prog) {
    error = "cannot find `" + argv[0] + "` on PATH";
    return mlir::failure();
  }
  llvm::SmallVector<llvm::StringRef> args(argv.begin(), argv.end());
  std::string err;
  int rc = llvm::sys::ExecuteAndWait(*prog, args, std::nullopt, {}, 0, 0, &err);
  if (rc == 0)
    return mlir::success();
  std::string cmd;
  for (const std::string &a : argv)
    cmd += (cmd.empty() ? "" : " ") + a;
  error = "`" + cmd + "` failed (exit status " + std::to_string(rc) + ")" +
          (err.empty() ? "" : ": " + err);
  return mlir::failure();
}

} // namespace

mlir::LogicalResult linkLibrary(const LibraryModel &m,
                                const WeightsDigest &digest,
                                const std::string &objDir,
                                const std::string &runtimeObject,
                                const std::string &outDir, std::string &error) {
  std::string entry = objDir + "/" + m.name + "_entry.c";
  std::string versionScript = objDir + "/exports.map";
  if (mlir::failed(writeTextFile(entry, entryPointSource(m, digest), error)) ||
      mlir::failed(
          writeTextFile(objDir + "/modelc_abi.h", kModelcAbiText, error)) ||
      mlir::failed(writeTextFile(versionScript,
                                 "{ global: modelc_*; local: *; };\n", error)))
    return mlir::failure();
  std::string entryObj = objDir + "/" + m.name + "_entry.o";
  if (mlir::failed(runTool({"cc", "-O2", "-fPIC", "-I/usr/include/halide14",
                            "-I" + objDir, "-c", entry, "-o", entryObj},
                           error)))
    return mlir::failure();
  std::vector<std::string> link{"cc", "-shared", "-o",
                                outDir + "/lib" + m.name + ".so", entryObj};
  for (const KernelObject &k : m.kernels)
    link.push_back(k.objectPath);
  link.push_back(runtimeObject);
  link.push_back("-Wl,--version-script=" + versionScript);
  for (const char *lib : {"-lpthread", "-ldl", "-lm"})
    link.push_back(lib);
  return runTool(link, error);
}

} // namespace modelc::codegen
