/*===- modelc_abi.h - the ABI between a compiled model and libmodelrt -----===*
 *
 * Every lib<name>.so that modelc links exports these symbols. The runtime
 * (libmodelrt) dlopens the library and drives it through them; nothing else
 * of the compiler is needed at run time. Bump MODELC_ABI_VERSION on any
 * change to this file.
 *
 *===----------------------------------------------------------------------===*/
#ifndef MODELC_ABI_H
#define MODELC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MODELC_ABI_VERSION 3

/* MODELC_I8: weights only (the int8 GEMM weights of --int8-weights). */
enum modelc_dtype { MODELC_F32 = 0, MODELC_I32 = 1, MODELC_I8 = 2 };

/* Dimension codes in modelc_tensor_desc.dims: a value >= 0 is static. */
#define MODELC_DIM_BATCH (-1)
#define MODELC_DIM_SEQ (-2)

typedef struct modelc_tensor_desc {
  const char *name;
  int32_t dtype; /* enum modelc_dtype */
  int32_t rank;
  int64_t dims[4];
  /* MODELC_I32 inputs: every element must lie in [0, limit) (the rows of the
   * table it indexes); 0 = unchecked. Unused for other tensors. */
  int64_t limit;
} modelc_tensor_desc;

typedef struct modelc_kernel_desc {
  const char *name; /* the kernel's instance name, e.g. "layer3.mlp_up" */
  const char *kind; /* the kernel class (nn.kernel kind): gemm, norm, ... */
  double flops_per_token; /* for GFLOP/s reports; attention adds per-seq work */
  double flops_per_token_seq; /* times seq (attention's q k^T and p v) */
} modelc_kernel_desc;

typedef struct modelc_model_info {
  int32_t abi_version; /* MODELC_ABI_VERSION */
  const char *name;
  const char *target; /* "cpu" or "cuda" */
  int64_t max_seq;
  int32_t num_inputs;
  const modelc_tensor_desc *inputs;
  int32_t num_outputs;
  const modelc_tensor_desc *outputs;
  /* The tensors of <name>.weights, in the order modelc_run takes them. */
  int32_t num_weights;
  const modelc_tensor_desc *weights;
  /* Bytes of scratch modelc_run needs: arena_bytes_per_token * batch * seq. */
  int64_t arena_bytes_per_token;
  int32_t num_kernels; /* kernel launches per run, in order */
  const modelc_kernel_desc *kernels;
  /* The <name>.weights file this library was compiled with: its size in
   * bytes and the XXH64 (seed 0) of its whole contents. A loader refuses a
   * weights file that does not match. */
  int64_t weights_bytes;
  uint64_t weights_xxh64;
} modelc_model_info;

const modelc_model_info *modelc_get_model_info(void);

/* Runs the model. weights[i] points at weight i's data; inputs/outputs are
 * dense row-major buffers in info order; arena is at least
 * arena_bytes_per_token * batch * seq bytes, 64-byte aligned. When
 * kernel_seconds is not NULL it receives each kernel launch's wall time.
 * Returns 0, or 1 + the index of the kernel launch that failed (the Halide
 * error went to the handler set below). */
int32_t modelc_run(void *const *weights, void *const *inputs,
                   void *const *outputs, int64_t batch, int64_t seq,
                   void *arena, double *kernel_seconds);

/* Threads of the library's (single, shared) Halide runtime. */
void modelc_set_num_threads(int32_t threads);

/* Receives the Halide runtime's error messages (default: stderr). */
typedef void (*modelc_error_handler)(const char *message);
void modelc_set_error_handler(modelc_error_handler handler);

#ifdef __cplusplus
}
#endif

#endif /* MODELC_ABI_H */
