#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), compiles the default example spec
# (GPT-2 small, random weights from a fixed seed unless WEIGHTS is set), runs
# it on a fixed prompt and times it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
spec=${1:-examples/gpt2-small.toml}
name=$(sed -n 's/^name *= *"\(.*\)".*/\1/p' "$spec" | head -1)
out=out/$name
modelc=build/tools/modelc

echo "== compile $spec"
$modelc compile "$spec" ${WEIGHTS:+--weights "$WEIGHTS"} -O3 -o "$out"

echo "== run: batch 1, 16 tokens"
/usr/bin/python3 -c "import numpy as np; np.save('$out/tokens.npy', (np.arange(16, dtype=np.int32) * 37 % 500).reshape(1, 16))"
output=$(/usr/bin/python3 -c "import json; print(json.load(open('$out/$name.json'))['outputs'][0]['name'])")
$modelc run "$out/lib$name.so" --input tokens="$out/tokens.npy" \
  --output "$output=$out/$output.npy"

echo "== bench: batch 1, seq 128, 2 threads"
$modelc bench "$out/lib$name.so" --batch 1 --seq 128 --threads 2
