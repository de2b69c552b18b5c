"""bench/machine.py: the line every benchmark prints first."""

import importlib.util

from utils.config import repo_root
from utils.hardware import describe_hardware


def load_machine():
    spec = importlib.util.spec_from_file_location("machine", repo_root() / "bench" / "machine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_machine_line_names_the_cpu_and_each_flag():
    cpuinfo = (
        "processor\t: 0\nmodel name\t: Some CPU\n"
        "flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512bw\n\nprocessor\t: 1\n"
    )
    line = load_machine().describe_machine(describe_hardware(cpuinfo, gpus=()))
    assert line.startswith("machine: Some CPU, ")
    assert line.endswith("CPU flags: avx2 yes  avx512f yes  avx512_bf16 yes  amx_bf16 no")


def test_machine_line_without_cpuinfo_still_lists_the_flags():
    line = load_machine().describe_machine(describe_hardware("", gpus=()))
    assert line.endswith("avx2 no  avx512f no  avx512_bf16 no  amx_bf16 no")
