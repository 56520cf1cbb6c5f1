#!/usr/bin/env bash
# Installs the Debian packages modelc needs (only those missing), then
# configures and builds it with Ninja into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # compiler
  cmake ninja-build g++ libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools
  libhalide14-0-dev libtomlplusplus-dev
  # the truncated SVD of the low-rank factorisation (header-only)
  libeigen3-dev
  # tests: the PyTorch oracle, GoogleTest
  python3-torch python3-numpy python3-pytest libopenblas0-pthread libgtest-dev
  # the sanitizer stage (gcc's ASan/UBSan/TSan) and the libFuzzer targets
  libasan8 libubsan1 libtsan2 clang-14 libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build
