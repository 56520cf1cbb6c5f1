#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite:
# lit (dialect, passes, frontend, codegen, driver, runtime, numerics against
# PyTorch) and the unit tests, all under ctest; then the sanitizer stage
# (scripts/sanitize.sh: the suite under ASan+UBSan, the runtime under TSan)
# and the fuzzing stage (scripts/fuzz.sh: each libFuzzer target for 25 s).
# Every stage runs even when an earlier one failed; the exit status says
# whether all passed. docs/testing.md gives each stage's time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE
status=0
(cd build && ctest --output-on-failure "$@") || status=1
scripts/sanitize.sh || status=1
scripts/fuzz.sh 25 || status=1
exit $status
