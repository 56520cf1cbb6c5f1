#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite:
# lit (dialect, passes, frontend, codegen, driver, runtime, numerics against
# PyTorch) and the unit tests, all under ctest; then the sanitizer stage
# (scripts/sanitize.sh: the suite under ASan+UBSan, the runtime under TSan)
# and the fuzzing stage (scripts/fuzz.sh: each libFuzzer target for 25 s).
# docs/testing.md gives each stage's time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE
(cd build && ctest --output-on-failure "$@")
scripts/sanitize.sh
scripts/fuzz.sh 25
