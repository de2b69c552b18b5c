"""What machine a benchmark ran on: every bench prints this line first, since the CPU
varies between machines of the same kind (AVX2 only, or AVX-512 with bf16)."""

import os
import sys
from pathlib import Path

# This checkout's utils, not whichever one the venv's editable install points at:
# every bench imports this module first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.hardware import describe_hardware  # noqa: E402

FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def describe_machine(hardware=None):
    """'machine: <CPU>, N cores, load average L; CPU flags: avx2 yes  avx512f no ...'."""
    cpu = hardware or describe_hardware(gpus=())  # gpus=(): no TensorFlow import
    flags = "  ".join(f"{flag} {'yes' if flag in cpu.cpu_flags else 'no'}" for flag in FLAGS)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"machine: {cpu.cpu_model}, {cpu.cores} cores, load average {load:.1f}; CPU flags: {flags}"


def print_machine():
    print(describe_machine(), flush=True)
