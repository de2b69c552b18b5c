"""What machine this is: its CPU or GPU, the dtype policy that suits it, and how long a lesson takes.

Run times come from measured per-image rates (rates.json beside this file, written by
bench/rates.py) times a notebook's full-profile work (tools/catalogue.py).

Nothing heavy is imported here: TensorFlow is asked about GPUs only when a function
needs to know and no device list was passed in, and the speed measurement is one
NumPy matmul, run only in the full profile on a CPU.
"""

import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from utils.config import build_root, is_quick

# CPU flags (as /proc/cpuinfo spells them) that make bfloat16 arithmetic native.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
# Flags worth showing in the device line: they decide how fast the CPU trains.
SHOWN_CPU_FLAGS = ("avx512f", *BF16_CPU_FLAGS)
# The one home of the measured rates: {"cpu": ..., "gpu": ...}, each with a device, a
# decode rate (images/s) and per network {"policy", "forward", "train"} in images/s.
RATES_FILE = Path(__file__).with_name("rates.json")
# A 16-bit policy must beat float32's time for one batch by this share to be chosen: a
# tie or a near-tie stays float32 (exact, and no slower).
FASTER_BY = 0.05
DTYPE_CHOICES_FILE = "dtype_policies.json"  # under build/: one timing per network and machine
MATMUL_N = 1024  # about 2 GFLOP: a few hundredths of a second on a laptop
COLAB_GPU_STEPS = "Runtime > Change runtime type > a GPU (e.g. T4 GPU) > Save, then run from the top"


@dataclass(frozen=True)
class Gpu:
    name: str
    compute_capability: tuple = ()  # (major, minor); () when unknown


@dataclass(frozen=True)
class Hardware:
    cpu_model: str
    cores: int
    cpu_flags: frozenset
    gpus: tuple = ()

    def describe(self):
        """One line naming the device the notebook will run on."""
        if self.gpus:
            names = ", ".join(_gpu_text(gpu) for gpu in self.gpus)
            return f"GPU: {names} (CPU: {self.cpu_model}, {self.cores} cores)"
        flags = [flag for flag in SHOWN_CPU_FLAGS if flag in self.cpu_flags]
        shown = f", {' '.join(flags)}" if flags else ""
        return f"CPU only: {self.cpu_model}, {self.cores} cores{shown}; no GPU found"


def _gpu_text(gpu):
    if not gpu.compute_capability:
        return gpu.name
    return f"{gpu.name} (compute capability {'.'.join(map(str, gpu.compute_capability))})"


def read_cpuinfo(text):
    """(model name, set of flags) from the text of /proc/cpuinfo; ('', set()) if absent."""
    model, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "model name" and not model:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return model, flags


def _cpuinfo_text():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:  # not Linux
        return ""


def usable_cores():
    """CPU cores this process may use (a container's limit, where the OS reports one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def list_gpus():
    """The GPUs TensorFlow sees, with names and compute capabilities (imports TensorFlow)."""
    import tensorflow as tf

    gpus = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        gpus.append(
            Gpu(details.get("device_name", device.name), tuple(details.get("compute_capability") or ()))
        )
    return tuple(gpus)


def describe_hardware(cpuinfo_text=None, gpus=None):
    """This machine as a Hardware record. Pass `cpuinfo_text` / `gpus` to describe another one."""
    model, flags = read_cpuinfo(_cpuinfo_text() if cpuinfo_text is None else cpuinfo_text)
    model = model or platform.processor() or platform.machine() or "unknown CPU"
    return Hardware(model, usable_cores(), frozenset(flags), list_gpus() if gpus is None else tuple(gpus))


def recommended_dtype_policy(hardware=None):
    """(Keras dtype policy, why) for this machine: a 16-bit policy only where it is native.

    GPUs: bfloat16 from compute capability 8.0 (Ampere) on, float16 on 7.x (tensor cores);
    CPUs: bfloat16 with AVX-512 BF16 or AMX. Elsewhere 16-bit maths is emulated and slower,
    so float32.
    """
    hardware = hardware or describe_hardware()
    if hardware.gpus:
        best = max(gpu.compute_capability for gpu in hardware.gpus)
        name = hardware.gpus[0].name
        if best >= (8, 0):
            return "mixed_bfloat16", f"{name} computes bfloat16 natively (compute capability >= 8.0)"
        if best >= (7, 0):
            return "mixed_float16", f"{name} has float16 tensor cores but no native bfloat16"
        return "float32", f"{name} has no fast 16-bit arithmetic (compute capability < 7.0 or unknown)"
    native = [flag for flag in BF16_CPU_FLAGS if flag in hardware.cpu_flags]
    if native:
        return "mixed_bfloat16", f"the CPU computes bfloat16 natively ({', '.join(native)})"
    return "float32", "the CPU has no native bfloat16 (no AVX-512 BF16 or AMX): 16-bit would be emulated"


def choose_dtype_policy(seconds, hardware=None):
    """(policy, reason) from `seconds` = {policy: seconds for one batch}, as timed on `hardware`.

    The 16-bit policy wins only where the hardware computes it natively and it ran at
    least FASTER_BY faster than float32; otherwise float32, never slower. `reason` is
    one sentence a notebook can print.
    """
    native, why_native = recommended_dtype_policy(hardware)
    if native == "float32" or native not in seconds:
        return "float32", why_native
    fast, exact = seconds[native], seconds["float32"]
    timed = f"one batch took {fast:.3g} s in {native} against {exact:.3g} s in float32"
    if fast <= exact * (1 - FASTER_BY):
        return native, f"{timed} ({exact / fast:.1f}x faster) on this machine, where {why_native}"
    verdict = f"{fast / exact:.1f}x slower" if fast > exact * (1 + FASTER_BY) else "no clear gain"
    return "float32", f"{timed} ({verdict}) on this machine, so float32 though {why_native}"


def machine_key(network, hardware):
    """What a dtype choice depends on: the network, the device (CPU model and flags, or the
    GPUs) and the Keras version."""
    from importlib.metadata import version

    if hardware.gpus:
        device = ", ".join(_gpu_text(gpu) for gpu in hardware.gpus)
    else:
        flags = hashlib.sha1(" ".join(sorted(hardware.cpu_flags)).encode()).hexdigest()[:12]
        device = f"{hardware.cpu_model}, flags {flags}"
    return f"{network} | {device} | keras {version('keras')}"


def fastest_dtype_policy(network, build, hardware=None, cache=None, time_batch=None):
    """(policy, reason): the dtype policy `network` runs fastest in on this machine.

    build(policy) -> a Keras model from images to features, built under `policy`.
    Where 16-bit maths is native, one batch is timed each way (time_batch(build,
    policy) -> seconds, default time_one_batch: best of 3) the first time; delete the
    file to time again (after a run on a busy machine, say); the answer is kept
    in `cache` (default build/dtype_policies.json), keyed by network and machine,
    so later calls time nothing. Elsewhere it is float32 without timing.
    """
    hardware = hardware or describe_hardware()
    native, why_native = recommended_dtype_policy(hardware)
    if native == "float32":
        return native, why_native
    cache = build_root() / DTYPE_CHOICES_FILE if cache is None else cache
    known = json.loads(cache.read_text()) if cache.exists() else {}
    key = machine_key(network, hardware)
    if key not in known:
        time_batch = time_batch or time_one_batch
        seconds = {policy: time_batch(build, policy) for policy in ("float32", native)}
        policy, reason = choose_dtype_policy(seconds, hardware)
        known[key] = {"policy": policy, "reason": reason, "seconds": seconds}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
    return known[key]["policy"], known[key]["reason"]


def time_one_batch(build, policy, batch_size=16, repeats=3):
    """Seconds for one batch of `batch_size` images through build(policy): the best of
    `repeats` after a warm-up, so other work on the machine disturbs it less."""
    import numpy as np

    model = build(policy)
    images = np.random.default_rng(0).uniform(0, 255, (batch_size, *model.input_shape[1:])).astype("float32")
    model.predict_on_batch(images)  # compiles; not timed
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_on_batch(images)
        best = min(best, time.perf_counter() - start)
    return best


def matmul_gflops(n=MATMUL_N, repeats=3):
    """This machine's float32 matmul speed in GFLOP/s (best of `repeats`, after a warm-up)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    a @ b  # warm-up: thread pool start, caches
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


@dataclass(frozen=True)
class Pass:
    """Part of a notebook's work: `images` x `epochs` images through `network`
    ("forward": inference, or training a head on a frozen base; "train": every layer
    trainable; "train_top": the top block and above trainable; "decode": JPEG read,
    decode and resize, no network)."""

    network: str
    kind: str
    images: int
    epochs: int = 1
    parameter: str = ""  # the Parameters-cell name whose full-profile value is `epochs`


def measured_rates(path=RATES_FILE):
    return json.loads(Path(path).read_text())


def work_minutes(work, rates, gflop_per_image=None):
    """Minutes for `work` (Passes) at one device's `rates` (a section of rates.json).

    Decoding is added to the network's time, not overlapped with it: an upper bound.
    A network without rates for this device is scaled from VGG16's by FLOPs per image,
    and a kind without its own rate there (train_top) takes the bound next to it (train).
    """
    seconds = 0.0
    for step in work:
        if step.kind == "decode":
            rate = rates["decode"]
        elif step.kind in rates["networks"].get(step.network, {}):
            rate = rates["networks"][step.network][step.kind]
        else:
            flops = gflop_per_image or measured_rates()["gflop_per_image"]
            vgg16 = rates["networks"]["vgg16"]
            kind = step.kind if step.kind in vgg16 else "train"
            rate = vgg16[kind] * flops["vgg16"] / flops[step.network]
        seconds += step.images * step.epochs / rate
    return seconds / 60


def duration(seconds, *, rough=False):
    """'42.0 s', '3 min 07 s' or '1.5 h'; `rough` (an estimate) gives whole minutes: '12 min'."""
    if seconds >= 90 * 60:
        return f"{seconds / 3600:.1f} h"
    if rough:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def check_hardware(cpu_minutes=0, *, hardware=None, measure=matmul_gflops, rates=None, out=print):
    """Print the device; in the full profile on a CPU, also an estimated run time.

    `cpu_minutes`: the notebook's full profile on the CPU that measured rates.json
    (tools/catalogue.py computes it). On another CPU it is scaled by the two CPUs'
    float32 matmul speeds (one small matmul, timed here). The quick profile only prints
    the device line: nothing is timed. Returns the Hardware.
    """
    hardware = hardware or describe_hardware()
    out(f"Hardware: {hardware.describe()}")
    if hardware.gpus or is_quick() or not cpu_minutes:
        return hardware
    reference = (rates or measured_rates())["cpu"]
    gflops = measure()
    minutes = cpu_minutes * reference["matmul_gflops"] / gflops
    out(
        f"Estimated time for this notebook's full profile on this CPU: about "
        f"{duration(60 * minutes, rough=True)} ({duration(60 * cpu_minutes, rough=True)} measured on "
        f"{reference['device'].removeprefix('CPU only: ')}; this CPU's float32 matmul runs at "
        f"{gflops / reference['matmul_gflops']:.2g}x that one's)."
    )
    if "google.colab" in sys.modules:
        out(f"A GPU runtime is much faster: {COLAB_GPU_STEPS}.")
    else:
        out(
            "A GPU is much faster: use a machine with an NVIDIA GPU (see the README), or open "
            f"this notebook on Colab and choose {COLAB_GPU_STEPS}."
        )
    return hardware
