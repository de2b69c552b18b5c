"""bench/machine.py: the CPU flags every benchmark prints first."""
import importlib.util

from utils.config import repo_root


def load_machine():
    spec = importlib.util.spec_from_file_location("machine", repo_root() / "bench" / "machine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cpu_flags_reads_the_flags_line(tmp_path):
    machine = load_machine()
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\n"
                       "flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512bw\n\nprocessor\t: 1\n")
    assert machine.cpu_flags(cpuinfo) == {"avx2": True, "avx512f": True, "avx512_bf16": True,
                                          "amx_bf16": False}
    cpuinfo.write_text("flags\t\t: fpu sse2 avx2\n")
    assert machine.cpu_flags(cpuinfo) == {"avx2": True, "avx512f": False, "avx512_bf16": False,
                                          "amx_bf16": False}


def test_cpu_flags_is_none_without_cpuinfo(tmp_path):
    assert load_machine().cpu_flags(tmp_path / "missing") is None
