/*===- modelrt.h - the modelc runtime C API -------------------------------===*
 *
 * libmodelrt loads a library compiled by modelc (lib<name>.so, which exports
 * the symbols of modelc_abi.h), maps its weights (<name>.weights, a
 * safetensors file), and runs it on caller-owned buffers with a dynamic batch
 * and sequence length. It needs only libc, libdl and pthreads: no MLIR, no
 * Halide compiler, no LLVM.
 *
 * Every function that can fail returns an mrt_status; the message of the last
 * failure on the calling thread is mrt_last_error(). See docs/runtime.md.
 *
 *===----------------------------------------------------------------------===*/
#ifndef MODELRT_H
#define MODELRT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MRT_API __attribute__((visibility("default")))
#else
#define MRT_API
#endif

typedef enum mrt_status {
  MRT_OK = 0,
  MRT_INVALID_ARGUMENT = 1, /* NULL pointer, bad count/name, batch/seq/threads
                               out of range, an id outside its table */
  MRT_IO_ERROR = 2,         /* a file is missing or unreadable */
  MRT_BAD_FORMAT = 3,       /* not a modelc library, bad safetensors/.npy */
  MRT_SHAPE_MISMATCH = 4,   /* rank or dims differ from the signature */
  MRT_DTYPE_MISMATCH = 5,   /* element type differs from the signature */
  MRT_KERNEL_FAILURE = 6,   /* a kernel (Halide pipeline) reported an error */
  MRT_ABI_MISMATCH = 7,     /* no modelc ABI symbols, or another ABI version */
  MRT_WEIGHTS_MISMATCH = 8  /* the weights file is not the one the library
                               was compiled with (size or XXH64 differ) */
} mrt_status;

/* Limits of the arguments (larger values are MRT_INVALID_ARGUMENT). */
#define MRT_MAX_THREADS 4096
#define MRT_MAX_BATCH 2147483647

/* Element types; the same values as modelc_abi.h's enum modelc_dtype. */
/* MRT_I8 only describes weights (mrt_weight_info): int8 GEMM weights. */
typedef enum mrt_dtype { MRT_F32 = 0, MRT_I32 = 1, MRT_I8 = 2 } mrt_dtype;

/* Dimension codes in mrt_tensor_info.dims: a value >= 0 is static. */
#define MRT_DIM_BATCH (-1)
#define MRT_DIM_SEQ (-2)
#define MRT_MAX_RANK 8

/* A tensor of the model's signature (dims may hold MRT_DIM_BATCH/SEQ). */
typedef struct mrt_tensor_info {
  const char *name;
  int32_t dtype; /* mrt_dtype */
  int32_t rank;
  int64_t dims[MRT_MAX_RANK];
  /* int32 id inputs: every id must be in [0, limit) (the rows of the table
   * it indexes, e.g. the vocabulary); 0 = unchecked, and for other tensors. */
  int64_t limit;
} mrt_tensor_info;

/* A dense, row-major (C order) buffer owned by the caller. */
typedef struct mrt_tensor {
  const char *name; /* matched against the signature; NULL = positional */
  int32_t dtype;    /* mrt_dtype */
  int32_t rank;
  int64_t dims[MRT_MAX_RANK];
  void *data;
} mrt_tensor;

/* One kernel launch of a run, in launch order. */
typedef struct mrt_kernel_info {
  const char *name; /* instance name, e.g. "layer3.mlp_up" */
  const char *kind; /* gemm | norm | attention | embedding | elementwise */
  double flops_per_token;
  double flops_per_token_seq; /* times seq (attention) */
} mrt_kernel_info;

typedef struct mrt_model mrt_model;

/* --- errors -------------------------------------------------------------- */

/* The message of the last failure on this thread ("" if none). Valid until
 * the next mrt_ call on this thread. */
MRT_API const char *mrt_last_error(void);
/* "ok", "invalid argument", "I/O error", ... */
MRT_API const char *mrt_status_string(mrt_status status);
/* The ABI version (MODELC_ABI_VERSION) this runtime accepts. */
MRT_API int32_t mrt_abi_version(void);

/* --- loading ---------------------------------------------------------------
 */

/* Loads lib_path (dlopen, RTLD_LOCAL) and maps its weights: weights_path, or
 * when NULL the file beside the library with the same stem
 * (dir/lib<name>.so -> dir/<name>.weights). Every weight the model lists must
 * be in the file with its dtype and shape. On success *out owns the model. */
MRT_API mrt_status mrt_load(const char *lib_path, const char *weights_path,
                            mrt_model **out);
/* Unmaps, frees the arena, dlcloses. NULL is allowed. */
MRT_API void mrt_free(mrt_model *model);

/* --- signature -------------------------------------------------------------
 */

MRT_API const char *mrt_model_name(const mrt_model *model);
MRT_API const char *mrt_model_target(const mrt_model *model); /* cpu | cuda */
MRT_API const char *mrt_model_lib_path(const mrt_model *model);
MRT_API const char *mrt_model_weights_path(const mrt_model *model);
MRT_API int64_t mrt_max_seq(const mrt_model *model);
MRT_API int32_t mrt_num_inputs(const mrt_model *model);
MRT_API int32_t mrt_num_outputs(const mrt_model *model);
MRT_API int32_t mrt_num_weights(const mrt_model *model);
MRT_API int32_t mrt_num_kernels(const mrt_model *model);
MRT_API mrt_status mrt_input_info(const mrt_model *model, int32_t i,
                                  mrt_tensor_info *out);
MRT_API mrt_status mrt_output_info(const mrt_model *model, int32_t i,
                                   mrt_tensor_info *out);
MRT_API mrt_status mrt_weight_info(const mrt_model *model, int32_t i,
                                   mrt_tensor_info *out);
MRT_API mrt_status mrt_kernel_info_at(const mrt_model *model, int32_t i,
                                      mrt_kernel_info *out);
/* E.g. "tokens: i32[batch, seq] -> logits: f32[batch, seq, 50257]". */
MRT_API const char *mrt_signature(const mrt_model *model);
/* The concrete dims of input / output i for a batch and seq (rank in *rank);
 * MRT_INVALID_ARGUMENT unless 1 <= batch <= MRT_MAX_BATCH and
 * 1 <= seq <= max_seq. */
MRT_API mrt_status mrt_input_shape(const mrt_model *model, int32_t i,
                                   int64_t batch, int64_t seq, int32_t *rank,
                                   int64_t dims[MRT_MAX_RANK]);
MRT_API mrt_status mrt_output_shape(const mrt_model *model, int32_t i,
                                    int64_t batch, int64_t seq, int32_t *rank,
                                    int64_t dims[MRT_MAX_RANK]);
/* Floating-point operations of kernel launch i at this batch and seq:
 * flops_per_token * batch * seq + flops_per_token_seq * batch * seq * seq;
 * 0 for an index, batch or seq out of range. */
MRT_API double mrt_kernel_flops(const mrt_model *model, int32_t i,
                                int64_t batch, int64_t seq);

/* --- running ---------------------------------------------------------------
 */

/* Threads of the model's Halide runtime: 1 .. MRT_MAX_THREADS, or 0 for the
 * runtime's default. */
MRT_API mrt_status mrt_set_num_threads(mrt_model *model, int32_t threads);

/* Runs the model. inputs/outputs are matched to the signature by name, or by
 * position when every name is NULL; all must be given. batch and seq are
 * read from the inputs' dynamic dims (1 <= batch <= MRT_MAX_BATCH,
 * 1 <= seq <= max_seq); output dims must be exactly mrt_output_shape's; data
 * must be 4-byte aligned. Integer id inputs are checked against their table
 * (every id in [0, limit)) before any kernel runs. The arena grows to the
 * largest batch*seq seen and is reused: a steady-state call allocates
 * nothing. Any number of threads may call it on one model: the calls are
 * serialized (a mutex); different models run concurrently. */
MRT_API mrt_status mrt_run(mrt_model *model, const mrt_tensor *inputs,
                           int32_t num_inputs, mrt_tensor *outputs,
                           int32_t num_outputs);
/* mrt_run, and kernel_seconds[k] (k < mrt_num_kernels) receives launch k's
 * wall time in seconds. */
MRT_API mrt_status mrt_run_profiled(mrt_model *model, const mrt_tensor *inputs,
                                    int32_t num_inputs, mrt_tensor *outputs,
                                    int32_t num_outputs,
                                    double *kernel_seconds);
/* Grows the arena now for this batch and seq (optional). */
MRT_API mrt_status mrt_reserve(mrt_model *model, int64_t batch, int64_t seq);
/* Bytes currently allocated for the arena, and how many times it grew. */
MRT_API int64_t mrt_arena_bytes(const mrt_model *model);
MRT_API int64_t mrt_arena_allocations(const mrt_model *model);

/* --- tensor helpers --------------------------------------------------------
 */

/* Frees data allocated by mrt_npy_load / mrt_tensor_alloc; sets it NULL. */
MRT_API void mrt_tensor_release(mrt_tensor *t);
/* Allocates t->data (64-byte aligned, zeroed) for t's dtype, rank, dims. */
MRT_API mrt_status mrt_tensor_alloc(mrt_tensor *t);
/* Number of elements of t (product of dims; 1 for rank 0); -1 when t is NULL,
 * its rank is outside [0, MRT_MAX_RANK], a dim is negative or the product
 * overflows int64. */
MRT_API int64_t mrt_tensor_elements(const mrt_tensor *t);

#ifdef __cplusplus
}
#endif

#endif /* MODELRT_H */
