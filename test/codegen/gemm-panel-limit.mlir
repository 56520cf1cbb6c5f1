// The GEMM's register path streams a K x 48 weight panel whole per row tile;
// past the panel limit (half of a 2 MB or larger L2, else 256 KB;
// MODELC_GEMM_PANEL_BYTES overrides it) the K loop is blocked into chunks of
// 256. K = 1536: a 288 KB panel.
// RUN: env MODELC_CACHE=0 MODELC_GEMM_PANEL_BYTES=262144 modelc compile %s --emit=halide | FileCheck %s --check-prefix=BLOCKED
// RUN: env MODELC_CACHE=0 MODELC_GEMM_PANEL_BYTES=1048576 modelc compile %s --emit=halide | FileCheck %s --check-prefix=WHOLE
// RUN: env MODELC_CACHE=0 MODELC_GEMM_PANEL_BYTES=1MB modelc compile %s --emit=halide 2>&1 >/dev/null | FileCheck %s --check-prefix=BAD

// BLOCKED-LABEL: // kernel k0_gemm (gemm)
// BLOCKED: for (v{{[0-9]+}}_acc.s1.v{{[0-9]+}}_k$x.ko, 0, 6)
// BLOCKED: for (v{{[0-9]+}}_acc.s1.v{{[0-9]+}}_k$x.ki, 0, 256)
// WHOLE-LABEL: // kernel k0_gemm (gemm)
// WHOLE-NOT: _k$x.ko
// WHOLE: for (v{{[0-9]+}}_acc.s1.v{{[0-9]+}}_k$x, 0, 1536)
// BAD: modelc: warning: ignoring MODELC_GEMM_PANEL_BYTES='1MB' (want a positive number of bytes)

module attributes {nn.arena_floats_per_token = 0 : i64} {
func.func @forward(%x: tensor<?x?x1536xf32>) -> tensor<?x?x48xf32> {
  %w = nn.weight "down.weight" transposed : tensor<1536x48xf32>
  %y = nn.kernel "k0_mlp_down" gemm (%x, %w) {arena_offsets = array<i64: -1>} : (tensor<?x?x1536xf32>, tensor<1536x48xf32>) -> tensor<?x?x48xf32> {
  ^bb0(%a: tensor<?x?x1536xf32>, %ww: tensor<1536x48xf32>):
    %0 = nn.linear %a, %ww : (tensor<?x?x1536xf32>, tensor<1536x48xf32>) -> tensor<?x?x48xf32>
    nn.yield %0 : tensor<?x?x48xf32>
  }
  return %y : tensor<?x?x48xf32>
}
}
