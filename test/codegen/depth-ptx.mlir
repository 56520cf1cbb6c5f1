// --target cuda for the kernels of depth-cpu.mlir (per-loop LoRA's GEMM,
// GroupNorm's sequence statistics, BatchNorm/RepBN with LayerScale, DeepNorm
// and DWA fused): each kernel's PTX, assembled by CUDA's ptxas for sm_90 and
// sm_75 where it is installed.
// RUN: modelc compile %S/depth-cpu.mlir --emit=ptx --target cuda > %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: rm -rf %t.d && mkdir %t.d
// RUN: awk '/^\/\/ kernel /{n++} {print > ("%t.d/k" n ".ptx")}' %t.ptx
// RUN: %if ptxas %{ for f in %t.d/k*.ptx; do for sm in sm_90 sm_75; do %ptxas --gpu-name $sm $f -o /dev/null || exit 1; done; done %}

// CHECK-LABEL: // kernel k0_gemm (gemm)
// CHECK: .entry
// CHECK-LABEL: // kernel k1_gemm (gemm)
// CHECK: .entry
// CHECK: fma.rn.f32
// CHECK-LABEL: // kernel k2_norm (norm)
// CHECK: .entry {{.*}}sum_blocks
// CHECK: .entry {{.*}}var_blocks
// CHECK-LABEL: // kernel k3_norm (norm)
// CHECK: .entry
