#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite:
# lit (dialect, passes, frontend, codegen, driver, runtime, numerics against
# PyTorch) and the unit tests, all under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE
cd build
ctest --output-on-failure "$@"
