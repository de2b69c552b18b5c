"""utils.hardware: the device line, the dtype policy choice and the run-time estimate."""

import subprocess
import sys

import pytest

import utils
from utils import hardware
from utils.hardware import Gpu

XEON_SAPPHIRE = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile
"""
SKYLAKE = "model name\t: Intel(R) Xeon(R) CPU @ 2.00GHz\nflags\t\t: fpu sse2 avx2 avx512f\n"
LAPTOP = "model name\t: AMD Ryzen 5 3500U\nflags\t\t: fpu sse2 avx2\n"
ARM = "processor\t: 0\nFeatures\t: fp asimd bf16\n"


def cpu(text, gpus=()):
    return hardware.describe_hardware(cpuinfo_text=text, gpus=gpus)


def test_cpuinfo_gives_the_model_and_flags_of_the_first_processor():
    model, flags = hardware.read_cpuinfo(XEON_SAPPHIRE)
    assert model == "Intel(R) Xeon(R) Platinum 8480+"
    assert {"avx512f", "avx512_bf16", "amx_bf16"} <= flags and "avx" not in flags


def test_missing_cpuinfo_falls_back_to_a_named_cpu():
    described = cpu("")
    assert described.cpu_model and described.cpu_flags == frozenset()
    assert described.cores >= 1


def test_device_line_names_the_cpu_its_cores_and_bf16_flags():
    line = cpu(XEON_SAPPHIRE).describe()
    assert line.startswith("CPU only: Intel(R) Xeon(R) Platinum 8480+, ")
    assert "avx512f avx512_bf16 amx_bf16" in line and "no GPU" in line
    assert "avx512" not in cpu(LAPTOP).describe()


def test_device_line_names_the_gpu():
    line = cpu(LAPTOP, gpus=[Gpu("Tesla T4", (7, 5))]).describe()
    assert line.startswith("GPU: Tesla T4 (compute capability 7.5)")


@pytest.mark.parametrize(
    "text, gpus, policy",
    [
        (XEON_SAPPHIRE, (), "mixed_bfloat16"),  # AMX / AVX-512 BF16: native bfloat16
        (SKYLAKE, (), "float32"),  # AVX-512 without BF16: emulated
        (LAPTOP, (), "float32"),
        (ARM, (), "float32"),  # only the x86 flags count
        (LAPTOP, [Gpu("NVIDIA A100-SXM4-40GB", (8, 0))], "mixed_bfloat16"),
        (LAPTOP, [Gpu("Tesla T4", (7, 5))], "mixed_float16"),
        (LAPTOP, [Gpu("Tesla K80", (3, 7))], "float32"),
        (XEON_SAPPHIRE, [Gpu("Tesla P100", (6, 0))], "float32"),  # the GPU runs the model, not the CPU
        (LAPTOP, [Gpu("unknown GPU")], "float32"),
    ],
)
def test_dtype_policy_is_16_bit_only_where_it_is_native(text, gpus, policy):
    chosen, reason = hardware.recommended_dtype_policy(cpu(text, gpus))
    assert chosen == policy
    assert reason


REFERENCE = {"cpu": {"device": "CPU only: Intel Xeon, 2 cores; no GPU found", "matmul_gflops": 100.0}}


def test_quick_profile_prints_the_device_and_measures_nothing(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    printed = []

    def measure():
        raise AssertionError("the quick profile must not time anything")

    hardware.check_hardware(80, hardware=cpu(LAPTOP), measure=measure, rates=REFERENCE, out=printed.append)
    assert printed == [f"Hardware: {cpu(LAPTOP).describe()}"]


def test_full_profile_on_a_cpu_scales_the_measured_minutes_by_matmul_speed(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    slow, fast = [], []
    hardware.check_hardware(60, hardware=cpu(LAPTOP), measure=lambda: 25.0, rates=REFERENCE, out=slow.append)
    hardware.check_hardware(60, hardware=cpu(LAPTOP), measure=lambda: 400.0, rates=REFERENCE, out=fast.append)
    # 60 min measured at 100 GFLOP/s: 4x slower is 4 h, 4x faster 15 min
    assert "about 4.0 h" in slow[1] and "60 min measured on Intel Xeon, 2 cores" in slow[1]
    assert "about 15 min" in fast[1] and "4x that one's" in fast[1]
    assert "Runtime > Change runtime type" in slow[2]


def test_full_profile_on_a_gpu_measures_nothing(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    printed = []
    hardware.check_hardware(
        300,
        hardware=cpu(LAPTOP, [Gpu("Tesla T4", (7, 5))]),
        measure=lambda: pytest.fail("timed on a GPU"),
        out=printed.append,
    )
    assert len(printed) == 1 and printed[0].startswith("Hardware: GPU: Tesla T4")


def test_run_time_is_images_over_measured_rates():
    rates = {"decode": 100, "networks": {"vgg16": {"forward": 10, "train": 2}}}
    work = [hardware.Pass("jpeg", "decode", 600), hardware.Pass("vgg16", "forward", 300, epochs=2)]
    assert hardware.work_minutes(work, rates) == pytest.approx((6 + 60) / 60)
    # no train_top rate: the train rate bounds it; a network without rates: VGG16's scaled by FLOPs
    assert hardware.work_minutes([hardware.Pass("vgg16", "train_top", 120)], rates) == pytest.approx(1)
    small = [hardware.Pass("tiny", "forward", 3000)]
    assert hardware.work_minutes(small, rates, {"vgg16": 30, "tiny": 3}) == pytest.approx(0.5)


def test_the_measured_rates_cover_every_network_the_catalogue_needs():
    from tools.catalogue import NOTEBOOKS

    rates = hardware.measured_rates()
    for device in ("cpu", "gpu"):
        assert rates[device]["decode"] > 0 and rates[device]["networks"]["vgg16"]["forward"] > 0
    for notebook in NOTEBOOKS:
        for step in notebook.work:
            if step.kind != "decode":  # a CPU figure is measured, never scaled
                assert rates["cpu"]["networks"][step.network][step.kind] > 0, (notebook.file, step)
                assert rates["gflop_per_image"][step.network] > 0


def test_matmul_rate_is_measured():
    assert hardware.matmul_gflops(n=128, repeats=1) > 0


def test_utils_exports_the_hardware_functions():
    assert utils.recommended_dtype_policy is hardware.recommended_dtype_policy
    assert utils.check_hardware is hardware.check_hardware


def test_importing_hardware_imports_nothing_heavy():
    code = (
        "import sys, utils.hardware; "
        "print(sorted(m for m in ('numpy', 'tensorflow', 'keras') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=utils.repo_root(), check=True
    ).stdout
    assert out.strip() == "[]"


def test_16_bit_is_chosen_only_where_it_was_faster():
    xeon = cpu(XEON_SAPPHIRE)
    policy, reason = hardware.choose_dtype_policy({"float32": 3.0, "mixed_bfloat16": 1.0}, xeon)
    assert policy == "mixed_bfloat16" and "3.0x faster" in reason and "amx_bf16" in reason
    policy, reason = hardware.choose_dtype_policy({"float32": 1.0, "mixed_bfloat16": 1.6}, xeon)
    assert policy == "float32" and "1.6x slower" in reason
    policy, _ = hardware.choose_dtype_policy({"float32": 1.0, "mixed_bfloat16": 0.98}, xeon)
    assert policy == "float32"  # within FASTER_BY: a near-tie stays exact
    policy, reason = hardware.choose_dtype_policy({"float32": 3.0, "mixed_bfloat16": 1.0}, cpu(SKYLAKE))
    assert policy == "float32" and "emulated" in reason  # never chosen where it is not native


def test_fastest_policy_is_timed_once_per_network_and_machine(tmp_path):
    timed = []

    def fake_timing(build, policy):  # injected: no model is built, nothing is timed
        timed.append(policy)
        return {"float32": 1.0, "mixed_bfloat16": 1.5 if build == "lite" else 0.4}[policy]

    cache, xeon = tmp_path / "choices.json", cpu(XEON_SAPPHIRE)
    choose = lambda network, hw=xeon: hardware.fastest_dtype_policy(  # noqa: E731
        network, network, hardware=hw, cache=cache, time_batch=fake_timing
    )
    assert choose("vgg")[0] == "mixed_bfloat16"
    assert choose("lite") == ("float32", choose("lite")[1]) and "slower" in choose("lite")[1]
    assert timed == ["float32", "mixed_bfloat16"] * 2  # each network timed once, then read back
    assert choose("vgg")[0] == "mixed_bfloat16" and len(timed) == 4
    other = cpu(XEON_SAPPHIRE.replace("amx_tile", "amx_tile avx512_vnni"))  # another CPU's flags
    choose("vgg", other)
    assert len(timed) == 6
    assert choose("vgg", cpu(LAPTOP))[0] == "float32" and len(timed) == 6  # not native: no timing


def test_one_duration_wording_for_measured_times_and_estimates():
    from utils.hardware import duration

    assert [duration(s) for s in (4.25, 187, 5400)] == ["4.2 s", "3 min 07 s", "1.5 h"]
    assert [duration(s, rough=True) for s in (20, 725, 13_333)] == ["1 min", "12 min", "3.7 h"]
