//===- AbiText.h - runtime/modelc_abi.h, embedded ---------------*- C++ -*-===//
#ifndef MODELC_CODEGEN_EMIT_ABITEXT_H
#define MODELC_CODEGEN_EMIT_ABITEXT_H

namespace modelc::codegen {
/// The text of runtime/modelc_abi.h, so generated libraries build without
/// the source tree.
extern const char *const kModelcAbiText;
} // namespace modelc::codegen

#endif // MODELC_CODEGEN_EMIT_ABITEXT_H
