"""What machine a benchmark ran on: every bench prints this line first, since
the CPU varies between machines of the same kind (AVX2 only, or AVX-512 with bf16)."""
import os
from pathlib import Path

FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo=Path("/proc/cpuinfo")):
    """{flag: present?} for FLAGS, or None where /proc/cpuinfo can't be read (not Linux)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return None
    line = next((line for line in text.splitlines() if line.startswith(("flags", "Features"))), "")
    present = set(line.partition(":")[2].split())
    return {flag: flag in present for flag in FLAGS}


def describe_machine():
    flags = cpu_flags()
    shown = ("unknown (no /proc/cpuinfo)" if flags is None else
             "  ".join(f"{flag} {'yes' if on else 'no'}" for flag, on in flags.items()))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"machine: {os.cpu_count()} cores, load average {load:.1f}; CPU flags: {shown}"


def print_machine():
    print(describe_machine(), flush=True)
