"""The line every bench prints first: the CPU and the flags that decide its speed."""
from utils.hardware import SHOWN_CPU_FLAGS, describe_hardware


def cpu_flags_line():
    """'CPU: <model>, N cores; avx512f yes  avx512_bf16 no  amx_bf16 no' (no TensorFlow import)."""
    cpu = describe_hardware(gpus=())
    flags = "  ".join(f"{flag} {'yes' if flag in cpu.cpu_flags else 'no'}"
                      for flag in SHOWN_CPU_FLAGS)
    return f"CPU: {cpu.cpu_model}, {cpu.cores} cores; {flags}"
