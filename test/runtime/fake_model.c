/* fake_model.c - a hand-written test double of a modelc-compiled library.
 *
 * Implements runtime/modelc_abi.h without the compiler:
 *   tokens: i32[batch, seq] (and, with FAKE_TWO_INPUTS, token_types: i32[batch,
 * seq])
 *   -> logits: f32[batch, seq, 4]
 *   weights: embed f32[16, 4], bias f32[4]
 * Kernel 0 "embed" (embedding): arena[t, j] = embed[tokens[t] % 16, j]
 *                                             (+ 100 * token_types[t])
 * Kernel 1 "head"  (gemm):      logits[t, j] = arena[t, j] + bias[j]
 * libfake.so records no id limits (limit 0: the runtime checks nothing) and
 * a negative token makes kernel 0 fail through the error handler, like a
 * Halide bounds error would; with FAKE_TWO_INPUTS the ids are limited to the
 * tables, tokens to [0, 16) and token_types to [0, 2), as a compiled model's
 * are. No weights digest is recorded unless a test sets one
 * (fake_set_weights_digest). Build flags: FAKE_ABI_VERSION, FAKE_NAME,
 * FAKE_TWO_INPUTS, FAKE_TOKEN_LIMIT (the tokens' limit; -1 for a malformed
 * library). */
#include "runtime/modelc_abi.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION MODELC_ABI_VERSION
#endif
#ifndef FAKE_NAME
#define FAKE_NAME "fake"
#endif
#define FAKE_MAX_SEQ 16
#define FAKE_VOCAB 16
#define FAKE_DIM 4

#define EXPORT __attribute__((visibility("default")))

#ifndef FAKE_TOKEN_LIMIT
#ifdef FAKE_TWO_INPUTS
#define FAKE_TOKEN_LIMIT FAKE_VOCAB
#else
#define FAKE_TOKEN_LIMIT 0
#endif
#endif

static const modelc_tensor_desc inputs[] = {
    {"tokens",
     MODELC_I32,
     2,
     {MODELC_DIM_BATCH, MODELC_DIM_SEQ, 0, 0},
     FAKE_TOKEN_LIMIT},
#ifdef FAKE_TWO_INPUTS
    {"token_types", MODELC_I32, 2, {MODELC_DIM_BATCH, MODELC_DIM_SEQ, 0, 0}, 2},
#endif
};
static const modelc_tensor_desc outputs[] = {
    {"logits", MODELC_F32, 3, {MODELC_DIM_BATCH, MODELC_DIM_SEQ, FAKE_DIM, 0}},
};
static const modelc_tensor_desc weights[] = {
    {"embed", MODELC_F32, 2, {FAKE_VOCAB, FAKE_DIM, 0, 0}},
    {"bias", MODELC_F32, 1, {FAKE_DIM, 0, 0, 0}},
};
static const modelc_kernel_desc kernels[] = {
    {"embed", "embedding", 0.0, 0.0},
    {"layer0.head", "gemm", 8.0, 2.0},
    {"layer1.head", "gemm", 8.0, 2.0},
};
static modelc_model_info info = {
    FAKE_ABI_VERSION,
    FAKE_NAME,
    "cpu",
    FAKE_MAX_SEQ,
    (int32_t)(sizeof(inputs) / sizeof(inputs[0])),
    inputs,
    1,
    outputs,
    2,
    weights,
    FAKE_DIM * 4, /* arena: one f32[batch, seq, 4] intermediate */
    3,
    kernels,
};

static int32_t num_threads = 0;
static modelc_error_handler handler = 0;
static int64_t runs = 0;

EXPORT const modelc_model_info *modelc_get_model_info(void) { return &info; }
EXPORT void modelc_set_num_threads(int32_t threads) { num_threads = threads; }
EXPORT void modelc_set_error_handler(modelc_error_handler h) { handler = h; }

/* For tests only: what the runtime told us; the weights digest to record. */
EXPORT int32_t fake_num_threads(void) { return num_threads; }
EXPORT int64_t fake_runs(void) {
  return __atomic_load_n(&runs, __ATOMIC_RELAXED);
}
EXPORT void fake_set_weights_digest(int64_t bytes, uint64_t xxh64) {
  info.weights_bytes = bytes;
  info.weights_xxh64 = xxh64;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void report(const char *msg) {
  if (handler)
    handler(msg);
  else
    fprintf(stderr, "%s\n", msg);
}

EXPORT int32_t modelc_run(void *const *w, void *const *in, void *const *out,
                          int64_t batch, int64_t seq, void *arena,
                          double *kernel_seconds) {
  const float *embed = (const float *)w[0];
  const float *bias = (const float *)w[1];
  const int32_t *tokens = (const int32_t *)in[0];
#ifdef FAKE_TWO_INPUTS
  const int32_t *types = (const int32_t *)in[1];
#endif
  float *logits = (float *)out[0];
  float *tmp = (float *)arena;
  int64_t n = batch * seq;
  char msg[128];
  __atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED);
  if (((uintptr_t)arena & 63) != 0) {
    report("fake: arena is not 64-byte aligned");
    return 1;
  }

  double t0 = now();
  for (int64_t t = 0; t < n; ++t) {
    int32_t v = tokens[t];
    if (v < 0) {
      snprintf(msg, sizeof msg, "fake: token %d at position %lld is negative",
               (int)v, (long long)t);
      report(msg);
      return 1;
    }
    for (int j = 0; j < FAKE_DIM; ++j) {
      tmp[t * FAKE_DIM + j] = embed[(v % FAKE_VOCAB) * FAKE_DIM + j];
#ifdef FAKE_TWO_INPUTS
      tmp[t * FAKE_DIM + j] += 100.0f * (float)types[t];
#endif
    }
  }
  double t1 = now();
  for (int64_t t = 0; t < n; ++t)
    for (int j = 0; j < FAKE_DIM; ++j)
      logits[t * FAKE_DIM + j] = tmp[t * FAKE_DIM + j] + bias[j];
  double t2 = now();
  /* layer1.head: a no-op launch, so profiles aggregate two "layer*.head". */
  double t3 = now();
  if (kernel_seconds) {
    kernel_seconds[0] = t1 - t0;
    kernel_seconds[1] = t2 - t1;
    kernel_seconds[2] = t3 - t2;
  }
  return 0;
}
