#!/usr/bin/env bash
# The sanitizer stage (scripts/test.sh runs it after the normal suite):
#  1. AddressSanitizer + UndefinedBehaviorSanitizer (gcc): all of modelc in
#     build-asan/, then the whole test suite there. MLIR, LLVM and Halide are
#     the uninstrumented Debian libraries; leaks inside Halide are suppressed
#     (test/sanitize/lsan.supp), every other leak is a failure.
#  2. ThreadSanitizer: libmodelrt and its tests in build-tsan/, runtime_test
#     there, with 8 threads x 100 runs of a compiled model (gpt2-tiny, built
#     by build/'s modelc: the compiler itself is not under test here).
# Any report aborts the process that made it and fails the stage; every part
# still runs, so one run shows all reports.
# Usage: scripts/sanitize.sh [asan|tsan]   (default both)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
stages=("$@")
((${#stages[@]})) || stages=(asan tsan)
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release
  -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir)
lit=(/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv)
export OMP_WAIT_POLICY=PASSIVE
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-19/bin/llvm-symbolizer
status=0
check() { "$@" || status=1; }

for stage in "${stages[@]}"; do
  case $stage in
  asan)
    cmake -S . -B build-asan "${cmake_args[@]}" \
      -DMODELC_SANITIZE=address,undefined >/dev/null
    ninja -C build-asan
    export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
    export LSAN_OPTIONS=suppressions=$root/test/sanitize/lsan.supp:print_suppressions=0
    check ctest --test-dir build-asan --output-on-failure -E '^lit-runtime$'
    # The Python binding loads the instrumented libmodelrt into Debian's
    # (uninstrumented) python: the ASan runtime must come first, and
    # python's own allocations at exit are not ours to check.
    check "${lit[@]}" build-asan/test/runtime --filter-out 'python\.test'
    check env LD_PRELOAD="$(gcc -print-file-name=libasan.so)" \
      ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
      "${lit[@]}" build-asan/test/runtime --filter 'python\.test'
    unset ASAN_OPTIONS LSAN_OPTIONS
    ;;
  tsan)
    cmake -S . -B build-tsan "${cmake_args[@]}" -DMODELC_SANITIZE=thread \
      >/dev/null
    ninja -C build-tsan modelrt-test-deps
    [ -x build/tools/modelc ] || ninja -C build modelc
    build/tools/modelc compile -q examples/gpt2-tiny.toml -o build-tsan/gpt2-tiny
    check env TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$root/test/sanitize/tsan.supp \
      MODELRT_TEST_MODEL="$root/build-tsan/gpt2-tiny/libgpt2-tiny.so" \
      build-tsan/test/runtime/runtime_test
    ;;
  *)
    echo "sanitize: unknown stage '$stage' (asan | tsan)" >&2
    exit 2
    ;;
  esac
done
exit $status
