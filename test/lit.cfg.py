# lit configuration for modelc: FileCheck tests of every stage, CLI error
# tests and (feature `torch`) numerics tests against PyTorch.
import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "modelc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".toml", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "specs", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.modelc_obj_root, "test")

# Tests must not share the user's kernel cache, nor depend on one.
config.environment["MODELC_CACHE_DIR"] = os.path.join(config.test_exec_root,
                                                      "kernel-cache")
for var in ["HOME", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "PATH"]:
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.environment["OMP_WAIT_POLICY"] = "PASSIVE"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# `count` only after a pipe (use_default_substitutions): a bare one would
# rewrite pass options such as nn-prune-neurons=count=4.
llvm_config.add_tool_substitutions(["FileCheck", "not", "split-file"],
                                   [config.llvm_tools_dir])
llvm_config.add_tool_substitutions(["modelc", "modelc-opt"],
                                   [config.modelc_tools_dir])

# Debian's python (torch, numpy), ahead of lit's own %python which is
# whatever interpreter runs lit.
config.substitutions.insert(0, ("%python", config.modelc_python))
config.substitutions.append(("%modelc_src", config.modelc_src_root))
config.substitutions.append(("%modelc_build", config.modelc_obj_root))


def python_has(module):
    return subprocess.run([config.modelc_python, "-c", "import " + module],
                          capture_output=True).returncode == 0


# Numerics tests need Debian's PyTorch; without it they are skipped, not failed.
if python_has("torch") and python_has("numpy"):
    config.available_features.add("torch")
if python_has("numpy"):
    config.available_features.add("numpy")

# PTX is assembled (not only grepped) where CUDA's ptxas is installed.
ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# A GPU to run CUDA libraries on: none on the build machines.
if shutil.which("nvidia-smi") and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0:
    config.available_features.add("cuda-gpu")
