//===- CompileCommand.h - `modelc compile` ----------------------*- C++ -*-===//
#ifndef MODELC_TOOLS_COMPILECOMMAND_H
#define MODELC_TOOLS_COMPILECOMMAND_H

namespace modelc {
/// argv[0] is "compile". Returns the process exit code.
int compileCommand(int argc, char **argv);
} // namespace modelc

#endif // MODELC_TOOLS_COMPILECOMMAND_H
