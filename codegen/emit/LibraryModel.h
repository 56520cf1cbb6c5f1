//===- LibraryModel.h - what a generated library contains -------*- C++ -*-===//
//
// The plain description of one library that the emitters (entry point,
// signature JSON, header, link) work from: its inputs and outputs, its
// weights, and every kernel launch with the buffers it is given. Built by
// Library::compile from the kernel-stage module; no MLIR or Halide here.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_EMIT_LIBRARYMODEL_H
#define MODELC_CODEGEN_EMIT_LIBRARYMODEL_H

#include "codegen/Codegen.h"

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::codegen {

/// A model input or output: int32 ids [batch, seq], f32 [batch, seq, C],
/// f32 images [batch, C, H, W] or f32 pooled [batch, C].
struct TensorDesc {
  std::string name;
  bool ids = false;
  /// Its dimensions: kBatch, kSeq or a static size (modelc_abi.h's codes).
  std::vector<int64_t> dims;
  int64_t limit = 0; // ids only: valid ids are [0, limit); 0 = unchecked
  static constexpr int64_t kBatch = -1, kSeq = -2;
};

/// One extent of a buffer at run time: `factor`, times the batch B and/or
/// the sequence length S when they are set.
struct Extent {
  int64_t factor = 1;
  bool batch = false, seq = false;
};

/// One halide_buffer_t of a launch: where its data is and its extents,
/// innermost first.
struct BufferArg {
  /// The order is the entry point's table code (EntryPoint.cpp).
  enum class Source { Weight, Input, Output, Arena };
  Source source = Source::Arena;
  /// The index of the weight, input or output; in the arena, the offset in
  /// floats per token (the buffer starts at arena + at * B * S).
  int64_t at = 0;
  int typeCode = 2;  // halide_type_code_t of the elements: 0 int, 2 float
  int typeBits = 32; // 8 for int8 weights
  std::vector<Extent> extents;
};

struct Launch {
  std::string instance;           // e.g. layer3.mlp.up
  std::string kernel;             // the nn.kernel name
  std::string kind;               // its class
  std::string symbol;             // the C function of the compiled kernel
  std::vector<BufferArg> buffers; // inputs, then outputs
  size_t firstOutput = 0;
  double flopsPerToken = 0, flopsPerTokenSeq = 0;
};

/// One compiled kernel object.
struct KernelObject {
  std::string kernel, kind, symbol, objectPath;
  size_t numBuffers = 0;
};

struct LibraryModel {
  std::string name;
  bool cuda = false;
  std::string halideTarget;
  int64_t maxSeq = 0;
  int64_t arenaBytesPerToken = 0;
  std::vector<TensorDesc> inputs, outputs;
  std::vector<WeightPlanEntry> weights;
  std::vector<KernelObject> kernels; // unique, in first-launch order
  std::vector<Launch> launches;
};

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_EMIT_LIBRARYMODEL_H
