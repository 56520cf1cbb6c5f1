/* Measure the machine's fp32 FMA peak (GFLOP/s) with T threads.
 *   cc -O2 -pthread -o fma_peak fma_peak.c && ./fma_peak [--threads T]
 * [--seconds S] AVX-512 (16 independent zmm accumulators, 32 flop per FMA) when
 * the CPU has it, else AVX2+FMA (12 ymm accumulators, 16 flop per FMA). Each
 * thread runs a fixed number of iterations; the best of several repetitions is
 * reported. Prints one JSON line. */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static volatile float sink;

__attribute__((target("avx512f"))) static void run_avx512(long iters) {
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  __m512 c0 = _mm512_set1_ps(0.f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
         c6 = c0, c7 = c0;
  __m512 c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0,
         c15 = c0;
  for (long i = 0; i < iters; i++) {
#define F(c) c = _mm512_fmadd_ps(a, c, b)
    F(c0);
    F(c1);
    F(c2);
    F(c3);
    F(c4);
    F(c5);
    F(c6);
    F(c7);
    F(c8);
    F(c9);
    F(c10);
    F(c11);
    F(c12);
    F(c13);
    F(c14);
    F(c15);
#undef F
    /* keep every accumulator opaque, or the compiler merges the identical
     * chains */
    __asm__ volatile(""
                     : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4),
                       "+v"(c5), "+v"(c6), "+v"(c7));
    __asm__ volatile(""
                     : "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11), "+v"(c12),
                       "+v"(c13), "+v"(c14), "+v"(c15));
  }
  __m512 s = _mm512_add_ps(
      _mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
      _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
  s = _mm512_add_ps(
      s, _mm512_add_ps(
             _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)),
             _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15))));
  sink = _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static void run_avx2(long iters) {
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
         c6 = c0, c7 = c0;
  __m256 c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (long i = 0; i < iters; i++) {
#define F(c) c = _mm256_fmadd_ps(a, c, b)
    F(c0);
    F(c1);
    F(c2);
    F(c3);
    F(c4);
    F(c5);
    F(c6);
    F(c7);
    F(c8);
    F(c9);
    F(c10);
    F(c11);
#undef F
    __asm__ volatile(""
                     : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4),
                       "+x"(c5));
    __asm__ volatile(""
                     : "+x"(c6), "+x"(c7), "+x"(c8), "+x"(c9), "+x"(c10),
                       "+x"(c11));
  }
  __m256 s = _mm256_add_ps(
      _mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
      _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
  s = _mm256_add_ps(
      s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
  float t[8];
  _mm256_storeu_ps(t, s);
  sink = t[0] + t[7];
}

static int use512;
static long g_iters;
static pthread_barrier_t barrier;

static void *worker(void *arg) {
  (void)arg;
  pthread_barrier_wait(&barrier);
  if (use512)
    run_avx512(g_iters);
  else
    run_avx2(g_iters);
  return NULL;
}

/* returns seconds for all threads to finish g_iters */
static double timed(int threads) {
  pthread_t *t = calloc(threads, sizeof *t);
  pthread_barrier_init(&barrier, NULL, threads + 1);
  for (int i = 0; i < threads; i++)
    pthread_create(&t[i], NULL, worker, NULL);
  double s = now();
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  double e = now() - s;
  pthread_barrier_destroy(&barrier);
  free(t);
  return e;
}

int main(int argc, char **argv) {
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  double seconds = 0.3;
  int reps = 5;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
      seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--avx2"))
      use512 = -1;
    else {
      fprintf(stderr,
              "usage: %s [--threads T] [--seconds S] [--reps R] [--avx2]\n",
              argv[0]);
      return 2;
    }
  }
  if (threads < 1)
    threads = 1;
  __builtin_cpu_init();
  use512 = use512 == 0 && __builtin_cpu_supports("avx512f");
  if (!use512 &&
      !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
    printf("{\"error\":\"no AVX2+FMA\"}\n");
    return 1;
  }
  int accs = use512 ? 16 : 12;
  double flop_per_iter = accs * (use512 ? 16 : 8) * 2.0;
  /* calibrate: iterations for ~seconds on one thread */
  g_iters = 1 << 20;
  double t1 = timed(1);
  while (t1 < 0.02) {
    g_iters *= 4;
    t1 = timed(1);
  }
  g_iters = (long)(g_iters * seconds / t1);
  if (g_iters < 1)
    g_iters = 1;
  double best1 = 1e30, bestT = 1e30;
  for (int r = 0; r < reps; r++) {
    double a = timed(1), b = timed(threads);
    if (a < best1)
      best1 = a;
    if (b < bestT)
      bestT = b;
  }
  double g1 = flop_per_iter * g_iters / best1 / 1e9;
  double gT = flop_per_iter * g_iters * threads / bestT / 1e9;
  printf("{\"isa\":\"%s\",\"threads\":%d,\"accumulators\":%d,\"gflops\":%.1f,"
         "\"gflops_per_thread\":%.1f,"
         "\"gflops_1thread\":%.1f}\n",
         use512 ? "avx512" : "avx2", threads, accs, gT, gT / threads, g1);
  return 0;
}
