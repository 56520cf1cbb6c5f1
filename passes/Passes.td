//===- Passes.td - modelc's nn passes -----------------------*- tablegen -*-===//
//
// One def per pass; flags are `nn-<verb>-<noun>`. Generated with
// `-gen-pass-decls -name NN` into Passes.h.inc (build tree only).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES
#define MODELC_PASSES

include "mlir/Pass/PassBase.td"

def FormKernels : Pass<"nn-form-kernels", "mlir::func::FuncOp"> {
  let summary = "partition a function's nn ops into nn.kernel regions";
  let description = [{
    Groups the compute ops of a function into `nn.kernel` regions, one region
    per future Halide pipeline. `nn.weight` ops and weight expressions stay
    outside, hoisted to the top of the function; every other nn op ends up
    inside exactly one kernel.

    With `fuse=true` (the default) the pass names no op: it asks each op's
    `FusionOpInterface` (dialect/NNInterfaces.td). Seed ops (those with a
    kernel class) grow kernels in order of their seed priority, then of
    position; a seed takes in the producers of its operands and the
    consumers of its result that it accepts, recursively, and everything left
    over becomes a one-op `elementwise` kernel. The built-in families answer:

    - **embedding** (priority 0): `nn.embedding` + `nn.add_positions`, sums
      with other embedding trees (token types) and the norm that follows (the
      sum is a second result when it is used elsewhere, as in a pre-LN
      residual stream);
    - **attention** (10): `nn.attention` + the slices and RoPE rotations
      producing q, k and v, used by it alone;
    - **norm** (15): `nn.layer_norm` / `nn.rms_norm` + the point-wise ops
      producing its input (the residual add), whose result becomes a second
      kernel result when it is used elsewhere;
    - **gemm** (20 when its result feeds a unary point-wise op, else 30):
      `nn.linear` + the chain of point-wise ops consuming only its result
      (activation, the GLU gate multiply).

    With `fuse=false` every compute op becomes its own kernel.

    Kernel inputs are the values the region uses from outside (function
    arguments, `nn.weight` results, other kernels' results), deduplicated, in
    order of first use. Kernel results are the region values used outside, in
    the order of the ops producing them. Each kernel gets a unique `name`
    (`<kind>_<n>`, made canonical by `nn-dedup-kernels`) and a `NameLoc`
    carrying the instance name of its seed op (e.g. `layer3.mlp.up`).

    Before:
    ```mlir
    %h = nn.linear %x, %w, %b : (...) -> tensor<?x?x3072xf32>
    %g = nn.activation gelu_tanh %h : (...) -> tensor<?x?x3072xf32>
    ```
    After:
    ```mlir
    %g = nn.kernel "gemm_0" gemm (%x, %w, %b) : (...) -> tensor<?x?x3072xf32> {
    ^bb0(%a: ..., %c: ..., %d: ...):
      %0 = nn.linear %a, %c, %d : (...) -> tensor<?x?x3072xf32>
      %1 = nn.activation gelu_tanh %0 : (...) -> tensor<?x?x3072xf32>
      nn.yield %1 : tensor<?x?x3072xf32>
    } loc("layer0.mlp.up")
    ```
  }];
  let dependentDialects = ["::modelc::nn::NNDialect"];
  let options = [
    Option<"fuse", "fuse", "bool", /*default=*/"true",
           "apply the fusion rules; false puts every compute op in its own "
           "kernel (-O0)">,
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Number of nn.kernel ops formed">,
    Statistic<"numFusedOps", "fused-ops", "Number of ops placed in kernels">,
  ];
}

def DedupKernels : Pass<"nn-dedup-kernels", "mlir::ModuleOp"> {
  let summary = "give structurally identical kernel regions one name";
  let description = [{
    Two `nn.kernel` ops whose regions are identical — same ops in the same
    order, same attributes, same types, same wiring of block arguments and
    values, same `kind` — compile to one Halide pipeline. This pass renames
    every kernel to a canonical name `k<i>_<kind>`, numbered in order of
    first occurrence, equal for equal regions. What the inputs are bound to
    (which weights, which activations) and locations do not matter.

    Before:
    ```mlir
    %1 = nn.kernel "gemm_3" gemm (%x, %w0) : ... { ... } loc("layer0.mlp.up")
    %2 = nn.kernel "gemm_9" gemm (%y, %w1) : ... { ... } loc("layer1.mlp.up")
    ```
    After:
    ```mlir
    %1 = nn.kernel "k0_gemm" gemm (%x, %w0) : ... { ... } loc("layer0.mlp.up")
    %2 = nn.kernel "k0_gemm" gemm (%y, %w1) : ... { ... } loc("layer1.mlp.up")
    ```
  }];
  let statistics = [
    Statistic<"numLaunches", "launches", "Number of nn.kernel ops">,
    Statistic<"numUnique", "unique-kernels", "Number of distinct kernel names">,
  ];
}

def PlanMemory : Pass<"nn-plan-memory", "mlir::ModuleOp"> {
  let summary = "place kernel results in one activation arena";
  let description = [{
    Computes, over the linear sequence of `nn.kernel` ops of each function,
    the live interval of every kernel result (from the kernel that produces
    it to its last user, both inclusive), and packs the results into one
    arena with the greedy-by-size / best-fit strategy (TFLite's
    `GreedyBySize`, Halide hannk's `AllocationPlanner`): largest buffer
    first, each into the smallest gap between buffers whose intervals
    overlap its own. Sizes and offsets are in floats per token — a result
    `[batch, seq, C]` needs `C` — so the plan holds for every batch and
    sequence length.

    Because intervals are inclusive, a kernel's results never overlap its
    inputs (kernels do not run in place). Results returned by `func.return`
    get offset `-1`: they are written to the caller's output buffer. The
    arena size is set as the module attribute `nn.arena_floats_per_token`
    (i64).

    Before:
    ```mlir
    %1 = nn.kernel "k0_norm" norm (%x, %g, %b) : ... -> tensor<?x?x768xf32> {...}
    %2 = nn.kernel "k1_gemm" gemm (%1, %w) : ... -> tensor<?x?x3072xf32> {...}
    ```
    After:
    ```mlir
    module attributes {nn.arena_floats_per_token = 3840 : i64} {
    %1 = nn.kernel "k0_norm" norm (%x, %g, %b) {arena_offsets = array<i64: 3072>} ...
    %2 = nn.kernel "k1_gemm" gemm (%1, %w) {arena_offsets = array<i64: 0>} ...
    ```
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark per function: arena size vs the naive sum and the "
           "peak of live sizes">,
  ];
  let statistics = [
    Statistic<"numBuffers", "buffers", "Number of kernel results placed in the arena">,
    Statistic<"arenaFloats", "arena-floats-per-token", "Planned arena size (floats per token)">,
    Statistic<"naiveFloats", "naive-floats-per-token", "Sum of all buffer sizes (floats per token)">,
    Statistic<"lowerBoundFloats", "peak-live-floats-per-token", "Largest total size live at one kernel (a lower bound)">,
  ];
}

#endif // MODELC_PASSES
