//===- RuntimeCommands.h - `modelc run` and `modelc bench` ------*- C++ -*-===//
//
// The driver's run-time subcommands, built on libmodelrt (target
// ModelcRuntimeCommands, defined in runtime/CMakeLists.txt). argv[0] is the
// subcommand name ("run" / "bench"); the options are parsed by hand, so they
// never touch LLVM's global cl::opt registry. Return the process exit code.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_RUNTIMECOMMANDS_H
#define MODELC_TOOLS_RUNTIMECOMMANDS_H

// modelc run LIB --input NAME=FILE.npy ... [--output NAME=FILE.npy ...]
//            [--weights FILE] [--threads N] [--quiet]
int runCommand(int argc, char **argv);

// modelc bench LIB [--batch B] [--seq S] [--threads T] [--iters N]
//              [--warmup W] [--json] [--weights FILE] [--by-instance]
int benchCommand(int argc, char **argv);

#endif // MODELC_TOOLS_RUNTIMECOMMANDS_H
