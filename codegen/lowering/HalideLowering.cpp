//===- HalideLowering.cpp - the Halide lowering op interface --------------===//
#include "codegen/lowering/HalideLowering.h"

#include "codegen/lowering/HalideLowering.cpp.inc"
