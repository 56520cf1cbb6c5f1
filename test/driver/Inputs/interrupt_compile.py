#!/usr/bin/python3
"""Interrupts a compile while it writes its outputs, then reports what is left.

  interrupt_compile.py SIGNAL OUTDIR -- modelc compile ... -o OUTDIR

Starts the command, waits until its staging folder (OUTDIR's parent,
.modelc-staging-<pid>-*) holds a file, sends SIGNAL (INT, TERM or HUP),
and prints how the command ended and the staging folders left behind.
"""
import glob
import os
import signal
import subprocess
import sys
import time


def main():
    sig = getattr(signal, "SIG" + sys.argv[1])
    parent = os.path.dirname(os.path.abspath(sys.argv[2]))
    cmd = sys.argv[sys.argv.index("--") + 1:]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    pattern = os.path.join(parent, f".modelc-staging-{proc.pid}-*")
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        staged = glob.glob(pattern)
        if staged and any(files for _, _, files in os.walk(staged[0])):
            break
        time.sleep(0.005)
    if proc.poll() is not None:
        sys.exit("the compile ended before it could be interrupted")
    proc.send_signal(sig)
    rc = proc.wait(60)
    print("ended by", signal.Signals(-rc).name if rc < 0 else f"exit {rc}")
    print("staging left:", len(glob.glob(os.path.join(parent, ".modelc-staging-*"))))


if __name__ == "__main__":
    main()
