#!/usr/bin/env bash
# The fuzzing stage: builds the libFuzzer targets (fuzz/, clang-14 with ASan
# and UBSan) into build-fuzz/ and runs each for SECONDS (default 25) from its
# seed corpus (fuzz/corpus/<target>, read only: new inputs go to a scratch
# folder). A crash, sanitizer report, leak, timeout (10 s) or out-of-memory
# (2 GB) fails the stage and keeps the reproducer. scripts/test.sh runs the
# default; a long run, e.g. 10 minutes each: scripts/fuzz.sh 600 [TARGET...]
# (docs/testing.md). Targets: spec safetensors runtime-load npy.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-25}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(spec safetensors runtime-load npy)

CC=clang-14 CXX=clang++-14 cmake -G Ninja -S . -B build-fuzz \
  -DCMAKE_BUILD_TYPE=Release -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
  -DMODELC_FUZZ=ON >/dev/null
ninja -C build-fuzz fuzzers

export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-19/bin/llvm-symbolizer
work=$(mktemp -d "${TMPDIR:-/tmp}/modelc-fuzz.XXXXXX")
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="$work/$t-")
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
  log="$work/$t.log"
  start=$SECONDS
  if "build-fuzz/fuzz/fuzz_${t//-/_}" "${args[@]}" "$work/$t" "fuzz/corpus/$t" \
    >"$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    corpus=$(find "$work/$t" -type f | wc -l)
    echo "fuzz: $t: $runs executions in $((SECONDS - start)) s, 0 crashes" \
      "($corpus new inputs)"
  else
    status=1
    tail -n 60 "$log"
    echo "fuzz: $t FAILED; reproducer: $(ls "$work/$t"-* 2>/dev/null)"
    echo "  rerun: build-fuzz/fuzz/fuzz_${t//-/_} <reproducer>"
  fi
done
if ((status == 0)); then rm -rf "$work"; fi
exit $status
