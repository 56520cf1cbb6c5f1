/* fuzz_model.c - the model library behind RuntimeLoadFuzzer.cpp.
 *
 * Implements runtime/modelc_abi.h with the model info the fuzzer decoded
 * from its input (fuzz_model_set_info). modelc_run touches every byte the
 * info says the runtime must provide: each weight (read), each input (read),
 * each output (written) and the arena (written), so AddressSanitizer or a
 * SIGSEGV shows any buffer libmodelrt sized or bound wrongly. */
#include "runtime/modelc_abi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

static const modelc_model_info *current = 0;
static modelc_error_handler handler = 0;

EXPORT void fuzz_model_set_info(const modelc_model_info *info) {
  current = info;
}
EXPORT const modelc_model_info *modelc_get_model_info(void) { return current; }
EXPORT void modelc_set_num_threads(int32_t threads) { (void)threads; }
EXPORT void modelc_set_error_handler(modelc_error_handler h) { handler = h; }

static void bug(const char *what) {
  fprintf(stderr, "fuzz_model: %s\n", what);
  abort();
}

/* Bytes of a tensor at this batch and seq; the runtime checked they fit. */
static int64_t bytesOf(const modelc_tensor_desc *d, int64_t batch,
                       int64_t seq) {
  int64_t n = d->dtype == MODELC_I8 ? 1 : 4;
  for (int32_t k = 0; k < d->rank; ++k) {
    int64_t v = d->dims[k] == MODELC_DIM_BATCH ? batch
                : d->dims[k] == MODELC_DIM_SEQ ? seq
                                               : d->dims[k];
    if (v < 0 || __builtin_mul_overflow(n, v, &n))
      bug("a tensor's bytes overflow: the runtime should have refused it");
  }
  return n;
}

static uint8_t readAll(const void *p, int64_t bytes) {
  const volatile uint8_t *b = (const volatile uint8_t *)p;
  uint8_t x = 0;
  for (int64_t i = 0; i < bytes; i += 97)
    x ^= b[i];
  if (bytes)
    x ^= b[bytes - 1];
  return x;
}

EXPORT int32_t modelc_run(void *const *w, void *const *in, void *const *out,
                          int64_t batch, int64_t seq, void *arena,
                          double *kernel_seconds) {
  const modelc_model_info *info = current;
  if (batch < 1 || seq < 1 || seq > info->max_seq)
    bug("run with a batch or seq out of range");
  if (((uintptr_t)arena & 63) != 0)
    bug("arena is not 64-byte aligned");
  uint8_t x = 0;
  for (int32_t i = 0; i < info->num_weights; ++i)
    x ^= readAll(w[i], bytesOf(&info->weights[i], batch, seq));
  for (int32_t i = 0; i < info->num_inputs; ++i)
    x ^= readAll(in[i], bytesOf(&info->inputs[i], batch, seq));
  for (int32_t i = 0; i < info->num_outputs; ++i)
    memset(out[i], x, (size_t)bytesOf(&info->outputs[i], batch, seq));
  int64_t arenaBytes = info->arena_bytes_per_token * batch * seq;
  if (arenaBytes > 0)
    memset(arena, x, (size_t)arenaBytes);
  if (kernel_seconds)
    for (int32_t k = 0; k < info->num_kernels; ++k)
      kernel_seconds[k] = 0;
  /* A failing launch now and then: the first input's first byte is 7. */
  if (info->num_inputs > 0 && bytesOf(&info->inputs[0], batch, seq) > 0 &&
      *(const uint8_t *)in[0] == 7 && info->num_kernels > 0) {
    if (handler)
      handler("fuzz_model: launch 0 failed");
    return 1;
  }
  return 0;
}
