//===- modelc.cpp - the modelc driver -------------------------------------===//
//
// modelc compile SPEC.toml|IR.mlir [options]   spec + weights -> lib<name>.so
// modelc run LIB.so --input ... --output ...     run a compiled model on .npy
// modelc bench LIB.so --batch B --seq S ...      time a compiled model
//
//===----------------------------------------------------------------------===//
#include "tools/CompileCommand.h"
#include "tools/RuntimeCommands.h"

#include <cstdio>
#include <cstring>

static const char *kUsage =
    "usage: modelc <command> [options]\n"
    "\n"
    "commands:\n"
    "  compile SPEC.toml|IR.mlir [--weights W.safetensors] [--target "
    "cpu|cuda]\n"
    "          [-O0..-O3] [-o OUTDIR] [--emit=STAGE]\n"
    "                 compile a model spec (or nn IR) to lib<name>.so, "
    "<name>.h,\n"
    "                 <name>.weights and <name>.json in OUTDIR\n"
    "  run LIB.so --input NAME=FILE.npy ... --output NAME=FILE.npy\n"
    "                 run a compiled model on .npy inputs\n"
    "  bench LIB.so --batch B --seq S --threads T\n"
    "                 time a compiled model, with a per-kernel profile\n"
    "\n"
    "`modelc <command> --help` lists a command's options.\n";

int main(int argc, char **argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  const char *command = argv[1];
  if (!std::strcmp(command, "compile"))
    return modelc::compileCommand(argc - 1, argv + 1);
  if (!std::strcmp(command, "run"))
    return runCommand(argc - 1, argv + 1);
  if (!std::strcmp(command, "bench"))
    return benchCommand(argc - 1, argv + 1);
  std::fprintf(stderr, "modelc: unknown command '%s'\n\n%s", command, kUsage);
  return 1;
}
