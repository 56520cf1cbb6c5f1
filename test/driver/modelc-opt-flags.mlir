// modelc-opt is MlirOptMain: MLIR's own flags work on nn IR, and a compile
// takes the pass-manager flags too.
// RUN: modelc-opt %s --nn-form-kernels --nn-dedup-kernels --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=AFTER
// RUN: modelc-opt %s --pass-pipeline='builtin.module(func.func(nn-form-kernels{fuse=false}))' | FileCheck %s --check-prefix=PIPELINE
// RUN: modelc-opt %s --nn-form-kernels --mlir-timing 2>&1 >/dev/null | FileCheck %s --check-prefix=TIMING
// RUN: modelc-opt --help | FileCheck %s --check-prefix=HELP
// RUN: modelc compile %modelc_src/examples/gpt2-tiny.toml --emit=kernels -q --mlir-print-ir-after=nn-plan-memory 2>&1 >/dev/null | FileCheck %s --check-prefix=COMPILE

// AFTER: IR Dump After FormKernels (nn-form-kernels)
// AFTER: nn.kernel
// AFTER: IR Dump After DedupKernels (nn-dedup-kernels)

// PIPELINE-COUNT-2: nn.kernel

// TIMING: Execution time report
// TIMING: FormKernels

// HELP-DAG: --nn-form-kernels
// HELP-DAG: --nn-dedup-kernels
// HELP-DAG: --nn-plan-memory
// HELP-DAG: --nn-lower-to-kernels
// HELP-DAG: --canonicalize

// COMPILE: IR Dump After PlanMemory (nn-plan-memory)
// COMPILE: arena_offsets

func.func @forward(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %w = nn.weight "w" transposed : tensor<64x64xf32>
  %y = nn.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %z = nn.activation relu %y : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %z : tensor<?x?x64xf32>
}
